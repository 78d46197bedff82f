"""Length rules of the feed writers: cut at a word boundary (never inside ``100 g``),
plain text cut to a limit, UTF-8 byte limits. Making text safe is `schemas.text`'s.
"""

from __future__ import annotations

import re

from schemas.text import clean_text

UNIT_WORDS = frozenset(
    """mg g kg t oz lb lbs ml cl dl l fl floz gal mm cm dm m km in inch inches ft zoll
    m2 m² m3 m³ qm sqm eu uk us % w kw v mah ah wh kwh hz khz mhz ghz kb mb gb tb
    mp px dpi h min sek sec s °c °f pcs pc stk stück st. x 克 千克 毫升 升 厘米 毫米 英寸
    件 个 包 片""".split()
)
"""Words that, after a number, belong to it: units (``100 g``, ``1,5 l``, ``8 fl oz``),
size systems (``42 EU``), counts (``12 Stück``), ``2 x 50 ml``. Lower case."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)[½¼¾]?|[½¼¾]")
_TIMES = frozenset({"x", "×"})


def _is_number(word: str) -> bool:
    return _NUMBER.fullmatch(word) is not None


def _joins(group: list[str], word: str) -> bool:
    """Whether ``word`` belongs to the number-and-unit ``group`` before it."""
    if len(group) >= 5 or not _is_number(group[0]):
        return False
    last = group[-1]
    if _is_number(last):
        return word.casefold() in UNIT_WORDS
    if last.casefold() in _TIMES:
        return _is_number(word)
    return word.casefold() in UNIT_WORDS and word.casefold() not in _TIMES


def quantity_words(text: str) -> list[str]:
    """The words of ``text``, a number and its unit counting as one word.

    >>> quantity_words("Olive Oil 1,5 l 2 x 500 ml 42 EU 8 fl oz")
    ['Olive', 'Oil', '1,5 l', '2 x 500 ml', '42 EU', '8 fl oz']
    """
    groups: list[list[str]] = []
    for word in text.split():
        if groups and _joins(groups[-1], word):
            groups[-1].append(word)
        else:
            groups.append([word])
    return [" ".join(group) for group in groups]


def _inside_quantity(text: str, space: int) -> bool:
    """Whether the white space at ``space`` separates a number from its unit."""
    after = text[space + 1 : space + 20].split(maxsplit=1)
    if not after:
        return False
    groups: list[list[str]] = []
    for word in text[max(0, space - 40) : space].split()[-4:]:
        if groups and _joins(groups[-1], word):
            groups[-1].append(word)
        else:
            groups.append([word])
    return bool(groups) and _joins(groups[-1], after[0])


def cut_at_word(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending at a word boundary.

    A text that fits is returned unchanged. Otherwise the cut falls on the last
    white space within the limit that does not separate a number from its unit
    (`quantity_words`), trailing punctuation removed; a single word longer than
    the limit is cut hard.

    >>> cut_at_word("Stainless steel water bottle, 750 ml", 20)
    'Stainless steel'
    >>> cut_at_word("Teegarten Sieben Chamomile 100 g", 30)
    'Teegarten Sieben Chamomile'
    >>> cut_at_word("Supercalifragilistic", 5)
    'Super'
    """
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    while space > 0 and _inside_quantity(text, space):
        space = max(text.rfind(" ", 0, space), text.rfind("\n", 0, space))
    cut = text[:space] if space > 0 else text[:limit]
    return cut.rstrip(" \n,;:-–—/")


def plain_text(markup: str, limit: int | None = None) -> tuple[str, bool]:
    """Plain, safe text (`clean_text`) cut at a word boundary to ``limit``, and whether
    it was cut."""
    text = clean_text(markup).text
    if limit is None or len(text) <= limit:
        return text, False
    return cut_at_word(text, limit), True


def cut_to_bytes(text: str, limit: int) -> tuple[str, bool]:
    """Cut at a word boundary so the UTF-8 encoding fits ``limit`` bytes (Amazon counts bytes).

    >>> cut_to_bytes("Größe über alles", 13)
    ('Größe über', True)
    """
    if len(text.encode()) <= limit:
        return text, False
    cut = text
    while len(cut.encode()) > limit:
        cut = cut_at_word(cut, max(1, len(cut) - max(1, (len(cut.encode()) - limit) // 2)))
    return cut, True
