"""The translation QA gate: what the source says must survive in the target.

Checked for every machine translation before it may reach a feed: numbers
(``1.5`` and ``1,5`` are the same number), unit symbols next to numbers, HTML
tags, and the glossary terms the source uses. Unit *words* (inches -> Zoll) may
be translated; symbols (ml, kg, cm, h, W, mAh) may not.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
_UNIT_SYMBOLS = "mAh|Wh|kWh|kW|W|V|Hz|GB|TB|MB|mm|cm|km|m²|m2|m|ml|cl|l|kg|mg|g|oz|lb|°C|°F|%|h|min"
_QUANTITY = re.compile(rf"\d\s?({_UNIT_SYMBOLS})(?![\w²])")
_TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


def _numbers(text: str) -> Counter[str]:
    # Group and decimal separators differ between languages: compare the digits only.
    return Counter(re.sub(r"[.,]", "", n) for n in _NUMBER.findall(_without_tags(text)))


def _without_tags(text: str) -> str:
    return _TAG.sub(" ", re.sub(r"</\s*[a-zA-Z][a-zA-Z0-9]*\s*>", " ", text))


def check_translation(
    source: str, target: str, *, html: bool, glossary: Mapping[str, str]
) -> list[str]:
    """What got lost between ``source`` and ``target``; an empty list when nothing did.

    ``glossary`` holds the entries the source uses (source term -> target term).

    >>> check_translation("750 ml, 24 h", "750 ml, 24 h", html=False, glossary={})
    []
    >>> check_translation("<p>1.5 l</p>", "<p>1,5 Liter</p>", html=True, glossary={})
    ['unit l after a number is missing']
    """
    problems: list[str] = []
    missing_numbers = _numbers(source) - _numbers(target)
    for number in sorted(missing_numbers):
        problems.append(f"number {number} is missing")
    source_units = Counter(_QUANTITY.findall(_without_tags(source)))
    target_units = Counter(_QUANTITY.findall(_without_tags(target)))
    for unit in sorted(source_units - target_units):
        problems.append(f"unit {unit} after a number is missing")
    if html:
        source_tags = Counter(t.lower() for t in _TAG.findall(source))
        target_tags = Counter(t.lower() for t in _TAG.findall(target))
        for tag in sorted(source_tags - target_tags):
            problems.append(f"HTML tag <{tag}> is missing")
        for tag in sorted(target_tags - source_tags):
            problems.append(f"HTML tag <{tag}> was added")
    folded = target.casefold()
    for term, wanted in sorted(glossary.items()):
        if wanted.casefold() not in folded:
            problems.append(f"glossary term {wanted!r} (for {term!r}) is missing")
    return problems
