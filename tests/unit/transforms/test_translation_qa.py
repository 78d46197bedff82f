"""The translation QA gate: numbers, unit symbols, HTML tags and glossary terms survive."""

from __future__ import annotations

import pytest

from transforms.translation_qa import check_translation


@pytest.mark.parametrize(
    ("source", "target", "problems"),
    [
        ("<p>Keeps cold 24 h, 750 ml</p>", "<p>Hält 24 h kalt, 750 ml</p>", []),
        ("1,000 pieces, 1.5 kg", "1.000 Stück, 1,5 kg", []),
        ("<p>Laptop sleeve up to 15 inches</p>", "<p>Laptopfach bis 15 Zoll</p>", []),
        ("Battery 40 h", "Akku 4 h", ["number 40 is missing"]),
        ("Holds 750 ml", "Fasst 750 Milliliter", ["unit ml after a number is missing"]),
        ("<p>A <b>steel</b> bottle</p>", "<p>Eine Stahl-Flasche</p>", ["HTML tag <b> is missing"]),
        ("<p>Bottle</p>", "<p>Flasche</p><script>x</script>", ["HTML tag <script> was added"]),
    ],
    ids=[
        "intact",
        "separators",
        "unit-words-may-change",
        "number",
        "unit",
        "tag-lost",
        "tag-added",
    ],
)
def test_what_must_survive(source: str, target: str, problems: list[str]) -> None:
    assert check_translation(source, target, html=True, glossary={}) == problems


def test_glossary_terms_must_appear() -> None:
    glossary = {"stainless steel": "Edelstahl", "Nordquell": "Nordquell"}
    good = "Nordquell-Flasche aus Edelstahl"
    assert (
        check_translation("Nordquell stainless steel bottle", good, html=False, glossary=glossary)
        == []
    )
    assert check_translation(
        "Nordquell stainless steel bottle", "Nordkwell Flasche aus rostfreiem Stahl", html=False,
        glossary=glossary,
    ) == [
        "glossary term 'Nordquell' (for 'Nordquell') is missing",
        "glossary term 'Edelstahl' (for 'stainless steel') is missing",
    ]  # fmt: skip
