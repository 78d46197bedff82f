"""The translation QA gate: numbers, unit symbols, HTML structure and glossary terms survive."""

from __future__ import annotations

import pytest

from transforms.translation.qa import check_translation


@pytest.mark.parametrize(
    ("source", "target", "problems"),
    [
        ("<p>Keeps cold 24 h, 750 ml</p>", "<p>Hält 24 h kalt, 750 ml</p>", []),
        ("1,000 pieces, 1.5 kg", "1.000 Stück, 1,5 kg", []),
        ("<p>Laptop sleeve up to 15 inches</p>", "<p>Laptopfach bis 15 Zoll</p>", []),
        ("Battery 40 h", "Akku 4 h", ["number 40 is missing"]),
        ("Holds 750 ml", "Fasst 750 Milliliter", ["unit ml after a number is missing"]),
    ],
    ids=["intact", "separators", "unit-words-may-change", "number", "unit"],
)
def test_what_must_survive(source: str, target: str, problems: list[str]) -> None:
    assert check_translation(source, target, html=True, glossary={}) == problems


@pytest.mark.parametrize(
    ("source", "target"),
    [
        # Word order changes, and the tag moves with its words.
        ("<p>A <b>steel</b> bottle</p>", "<p>Eine Flasche aus <b>Stahl</b></p>"),
        ('<p><a href="/en/p/1" title="Bottle">Bottle</a></p>', '<p><A title="Flasche">F</A></p>'),
        (
            "<p>Cold<br>and hot<br/>all day<br /></p>",
            "<p>Kalt<br/>und heiß<br>den ganzen Tag<br></p>",
        ),
        (
            "<p>Salt &amp; pepper&nbsp;mill, 750&nbsp;ml</p>",
            "<p>Salz &amp; Pfeffer&nbsp;mühle, 750&nbsp;ml</p>",
        ),
        ("<p>1 &lt; 2</p>", "<p>1 < 2</p>"),  # an escaped or bare "<" is text, not a tag
        ("<p>Steel <b>bottle", "<p>Stahl <b>Flasche"),  # the source's own structure is the bar
        ("<p>Bottle<!-- sku 1 --></p>", "<p>Flasche</p>"),  # comments are not structure
    ],
    ids=[
        "translated-text",
        "attributes-and-case-differ",
        "self-closing-br",
        "entities",
        "less-than-sign",
        "source-unclosed-too",
        "comment",
    ],
)
def test_same_structure_passes(source: str, target: str) -> None:
    assert check_translation(source, target, html=True, glossary={}) == []


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        (
            "<p>Steel <b>bottle</b></p>",
            "<p>Stahl <b>Flasche",
            "source has </b> after 'bottle', target ends without it (source 4 tags, target 2)",
        ),
        (
            "<p><b><i>Steel</i></b> bottle</p>",
            "<p><b><i>Stahl</b></i>flasche</p>",
            "source has </i> after 'Steel', target has </b> after 'Stahl' "
            "(source 6 tags, target 6)",
        ),
        (
            "<p>A <b>steel</b> bottle</p>",
            "<p>Eine Stahl-Flasche</p>",
            "source has <b> after 'A', target has </p> after 'Eine Stahl-Flasche' "
            "(source 4 tags, target 2)",
        ),
        (
            "<p>Bottle</p>",
            "<p>Flasche</p><script>x</script>",
            "target has <script> after </p>, source ends without it (source 2 tags, target 4)",
        ),
        (
            "<p>Cold<br>all day</p>",
            "<p>Kalt den ganzen Tag</p>",
            "source has <br> after 'Cold', target has </p> after 'den ganzen Tag' "
            "(source 3 tags, target 2)",
        ),
        (
            "<p>Use <b>two</b> hands</p>",
            "<p>Mit &lt;b&gt;zwei&lt;/b&gt; Händen</p>",
            "source has <b> after 'Use', target has </p> after 'Mit <b>zwei</b> Händen' "
            "(source 4 tags, target 2)",
        ),
        (
            "<ul><li>Lid</li><li>Straw</li></ul>",
            "<ul><li>Deckel<li>Strohhalm</li></ul>",
            "source has </li> after 'Lid', target has <li> after 'Deckel' "
            "(source 6 tags, target 5)",
        ),
    ],
    ids=[
        "close-tag-missing",
        "mis-nested",
        "tag-lost",
        "tag-added",
        "br-lost",
        "tags-escaped-into-text",
        "implied-close-is-not-enough",
    ],
)
def test_structure_that_differs_is_named(source: str, target: str, problem: str) -> None:
    assert check_translation(source, target, html=True, glossary={}) == [
        f"HTML structure differs: {problem}"
    ]


def test_plain_text_has_no_structure_to_check() -> None:
    assert check_translation("Steel <b>bottle", "Stahlflasche", html=False, glossary={}) == []


def test_one_line_for_the_structure_beside_the_other_problems() -> None:
    assert check_translation(
        "<p>Holds <b>750 ml</b></p>", "<p>Fasst <b>75 Milliliter</p>", html=True, glossary={}
    ) == [
        "number 750 is missing",
        "unit ml after a number is missing",
        "HTML structure differs: source has </b> after '750 ml', target has </p> after "
        "'75 Milliliter' (source 4 tags, target 3)",
    ]


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
