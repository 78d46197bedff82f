"""The translation QA gate: what the source says must survive in the target.

Checked for every machine translation before it may reach a feed: numbers
(``1.5`` and ``1,5`` are the same number), unit symbols next to numbers, the
HTML structure, and the glossary terms the source uses. Unit *words* (inches ->
Zoll) may be translated; symbols (ml, kg, cm, h, W, mAh) may not.

The HTML structure is the sequence of start and end tags as written, read with
the standard library's tokenizer, which (unlike lxml or html5lib) repairs
nothing: a close tag the target lost, or tags it closes in another order, show
up as a difference. Attributes and text may differ; void elements (``<br>``,
``<img>``) have no end tag, so ``<br>`` and ``<br/>`` are the same.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_UNIT_SYMBOLS = "mAh|Wh|kWh|kW|W|V|Hz|GB|TB|MB|mm|cm|km|m²|m2|m|ml|cl|l|kg|mg|g|oz|lb|°C|°F|%|h|min"
_QUANTITY = re.compile(rf"\d\s?({_UNIT_SYMBOLS})(?![\w²])")
_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_END_TAG = re.compile(r"</\s*[a-zA-Z][a-zA-Z0-9]*\s*>")
_VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
"""HTML elements without content, hence without an end tag."""


class _Tokenizer(HTMLParser):
    """Collects the tags of one HTML text as written, and the text between them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.marks: list[int] = []
        self.chunks: list[str] = []

    def _add(self, tag: str) -> None:
        self.tags.append(tag)
        self.marks.append(len(self.chunks))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add(f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add(f"<{tag}>")
        if tag not in _VOID:
            self._add(f"</{tag}>")  # <b/> written as an empty element: keep it as written

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:  # a stray </br> closes nothing
            self._add(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


@dataclass(frozen=True)
class _Structure:
    """The tags of one HTML text as written, and its text without them."""

    tags: tuple[str, ...]
    """``<p>``, ``</p>``, ... in document order, attributes dropped."""
    marks: tuple[int, ...]
    """Per tag: how many text chunks come before it."""
    chunks: tuple[str, ...]
    """The text between the tags, entities decoded."""

    def where(self, index: int) -> str:
        """Where tag ``index`` sits, for people: after the words or the tag before it."""
        start = self.marks[index - 1] if index else 0
        words = "".join(self.chunks[start : self.marks[index]]).split()
        if words:
            return f"after '{' '.join(words[-3:])}'"
        return f"after {self.tags[index - 1]}" if index else "at the start"


@lru_cache(maxsize=512)
def _read_html(html: str) -> _Structure:
    # Cached: one source text is checked once per target language, and a text that
    # several products share comes back once per product.
    tokenizer = _Tokenizer()
    tokenizer.feed(html)
    tokenizer.close()
    return _Structure(tuple(tokenizer.tags), tuple(tokenizer.marks), tuple(tokenizer.chunks))


def _structure_problem(source: _Structure, target: _Structure) -> str | None:
    """The first place the target's tags differ from the source's, in plain words."""
    if source.tags == target.tags:
        return None
    index = next(
        (i for i, (s, t) in enumerate(zip(source.tags, target.tags, strict=False)) if s != t),
        min(len(source.tags), len(target.tags)),
    )
    if index == len(target.tags):
        what = f"source has {source.tags[index]} {source.where(index)}, target ends without it"
    elif index == len(source.tags):
        what = f"target has {target.tags[index]} {target.where(index)}, source ends without it"
    else:
        what = (
            f"source has {source.tags[index]} {source.where(index)}, "
            f"target has {target.tags[index]} {target.where(index)}"
        )
    return (
        f"HTML structure differs: {what} "
        f"(source {len(source.tags)} tags, target {len(target.tags)})"
    )


def _numbers(text: str) -> Counter[str]:
    # Group and decimal separators differ between languages: compare the digits only.
    return Counter(re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text))


def _without_tags(text: str) -> str:
    return _TAG.sub(" ", _END_TAG.sub(" ", text))


def check_translation(
    source: str, target: str, *, html: bool, glossary: Mapping[str, str]
) -> list[str]:
    """What got lost between ``source`` and ``target``; an empty list when nothing did.

    ``glossary`` holds the entries the source uses (source term -> target term).

    >>> check_translation("750 ml, 24 h", "750 ml, 24 h", html=False, glossary={})
    []
    >>> check_translation("<p>1.5 l</p>", "<p>1,5 Liter</p>", html=True, glossary={})
    ['unit l after a number is missing']
    >>> check_translation("<p>Steel <b>bottle</b></p>", "<p>Stahl <b>Flasche", html=True,
    ...                   glossary={})
    ["HTML structure differs: source has </b> after 'bottle', target ends without it (source 4 tags, target 2)"]
    """  # noqa: E501
    problems: list[str] = []
    if html:
        parsed_source, parsed_target = _read_html(source), _read_html(target)
        # Words either side of a tag stay apart, as they do on the page.
        source_text = " ".join(parsed_source.chunks)
        target_text = " ".join(parsed_target.chunks)
    else:
        source_text, target_text = _without_tags(source), _without_tags(target)
    missing_numbers = _numbers(source_text) - _numbers(target_text)
    for number in sorted(missing_numbers):
        problems.append(f"number {number} is missing")
    source_units = Counter(_QUANTITY.findall(source_text))
    target_units = Counter(_QUANTITY.findall(target_text))
    for unit in sorted(source_units - target_units):
        problems.append(f"unit {unit} after a number is missing")
    if html:
        structure = _structure_problem(parsed_source, parsed_target)
        if structure:
            problems.append(structure)
    folded = target.casefold()
    for term, wanted in sorted(glossary.items()):
        if wanted.casefold() not in folded:
            problems.append(f"glossary term {wanted!r} (for {term!r}) is missing")
    return problems
