from __future__ import annotations

import pytest

from feeds.text import cut_at_word
from schemas.text import (
    CleanText,
    clean_html,
    clean_text,
    html_to_text,
    safe_html,
    strip_xml_illegal,
)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 150, "short"),
        ("one two three", 7, "one two"),
        ("one two three", 8, "one two"),
        ("one two, three", 8, "one two"),
        ("Donaudampfschifffahrt", 5, "Donau"),
    ],
)
def test_cut_at_word(text: str, limit: int, expected: str) -> None:
    cut = cut_at_word(text, limit)
    assert cut == expected
    assert len(cut) <= limit


def test_html_to_text_keeps_paragraphs_and_decodes_entities() -> None:
    markup = "<b>Streamlined</b>\nA smart option.<p>Second &amp; last</p><script>alert(1)</script>"
    assert html_to_text(markup) == "Streamlined\nA smart option.\nSecond & last"


def test_strip_xml_illegal_keeps_tabs_newlines_and_astral_characters() -> None:
    assert strip_xml_illegal("a\tb\nc\x0b\ufffe😀") == ("a\tb\nc😀", 2)


@pytest.mark.parametrize(
    ("markup", "text", "markup_removed"),
    [
        # Entity-encoded tags are text to the parser, and tags to whoever decodes again.
        ("Gut &lt;script&gt;alert(1)&lt;/script&gt;", "Gut alert(1)", "<script>"),
        ("&lt;img src=x onerror=alert(1)&gt;Bild", "Bild", "<img src=x onerror=aler…"),
        # Decoded once: ``&amp;lt;`` is the text ``&lt;``, which reads as no tag.
        ("&amp;lt;b&amp;gt;fett&amp;lt;/b&amp;gt;", "&lt;b&gt;fett&lt;/b&gt;", None),
        # An unclosed tag runs to the end of the text: the parser drops all of it.
        ("Lampe <img src=x onerror=alert(1)//", "Lampe", None),
        ("Lampe &lt;img src=x onerror=alert(1)//", "Lampe", "<img src=x onerror=aler…"),
        # A ``>`` inside an attribute value does not end the tag.
        ('<a title="x>y" href="/p">Link</a> bleibt', "Link bleibt", None),
        ("Vor<!-- <script>x()</script> -->nach", "Vornach", None),
        # HTML has no CDATA sections: ``<![CDATA[`` opens a comment up to the first ``>``.
        ("Vor<![CDATA[<b>x</b>]]>nach", "Vorx]]>nach", None),
        ("<![CDATA[x]]>", "", None),
        ("&lt;!-- Kommentar --&gt;Text", "Text", "<!-- Kommentar -->"),
        ("Mehr unter JavaScript:alert(1)", "Mehr unter alert(1)", "JavaScript:"),
        ("java script : void(0)", "void(0)", "java script :"),
        ("Klick onclick=steal() hier", "Klick steal() hier", "onclick="),
        ("ONMOUSEOVER = x", "x", "ONMOUSEOVER ="),
        # Removing one span must not leave a new one behind.
        ("&lt;&lt;b&gt;script&gt;alert(1)", "script>alert(1)", "<<b>"),
        ("java&lt;b&gt;script:alert(1)", "alert(1)", "<b>"),
        ("on&lt;b&gt;click=x", "x", "<b>"),
        # RCDATA elements keep tags as text: they are markup-like once decoded.
        ("<textarea><b>x</b></textarea>", "x", "<b>"),
        # Ordinary comparisons and colons are text.
        ("3 < 4 und 5 > 2; Maße: 20 × 10 cm", "3 < 4 und 5 > 2; Maße: 20 × 10 cm", None),
        ("Preis <= 10 €", "Preis <= 10 €", None),
    ],
)
def test_markup_like_text_is_removed_after_decoding(
    markup: str, text: str, markup_removed: str | None
) -> None:
    cleaned = clean_text(markup)
    assert (cleaned.text, cleaned.markup_removed) == (text, markup_removed)
    assert cleaned.invisible_removed is None


@pytest.mark.parametrize(
    ("markup", "text", "named"),
    [
        ("Tee\u202e 001 g", "Tee 001 g", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Tee&#x202E; 001 g", "Tee 001 g", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("<b>Tee</b>&rlm; grün", "Tee grün", "U+200F RIGHT-TO-LEFT MARK"),
        ("Lampe\x00 hell", "Lampe hell", "U+0000 (control)"),
        ("a\u2066b\u2069c", "abc", "U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE"),
        ("a\ud800b", "ab", "U+D800 (lone surrogate)"),
        ("a\U0010ffffb", "ab", "U+10FFFF (noncharacter)"),
        # Removed before the markup check, so it cannot hide a tag from it.
        ("&lt;\u202escript&gt;x", "x", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_invisible_characters_are_removed_and_named(markup: str, text: str, named: str) -> None:
    cleaned = clean_text(markup)
    assert (cleaned.text, cleaned.invisible_removed) == (text, named)


def test_emoji_with_joiners_and_line_breaks_stay() -> None:
    text = "Für 👩\u200d💻 und 👨\u200d👩\u200d👧\u00a0Familien\nZweite Zeile ❤\ufe0f"
    assert clean_text(text) == CleanText(text.replace("\u00a0", " "))


def test_text_without_markup_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import schemas.text

    def no_parser(tags: frozenset[str]) -> object:
        raise AssertionError("parsed a text without < or &")

    monkeypatch.setattr(schemas.text, "_cleaner", no_parser)
    assert clean_text.__wrapped__("  Trinkflasche\t750 ml \r\n\n schwarz ") == CleanText(
        "Trinkflasche 750 ml\nschwarz"
    )
    assert clean_html.__wrapped__("onload=x() Tee") == CleanText("x() Tee", "onload=")


def test_safe_html_keeps_allowed_tags_only_without_attributes() -> None:
    markup = (
        '<div class="a"><P STYLE="color:red">Erste <B onclick="x()">Zeile</B><br/>'
        '<a href="javascript:go()">Link</a><img src=x onerror=alert(1)>'
        "<script>alert(1)</script><style>p{}</style><!-- c --></div>"
        "<ul><li>eins<li>zwei</ul><iframe src=x>frame</iframe>"
    )
    assert (
        safe_html(markup) == "<p>Erste <b>Zeile</b><br>Link</p><ul><li>eins</li><li>zwei</li></ul>"
    )
    assert safe_html("<h1>T</h1><p>x</p><i>y</i>", frozenset({"h1", "p"})) == "<h1>T</h1><p>x</p>y"


@pytest.mark.parametrize(
    ("markup", "html", "markup_removed"),
    [
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<p>alert(1)</p>", "<script>"),
        # A markup-like span stops at the next real tag: the structure stays.
        ("<p>a &lt;img src=x</p><p>b</p>", "<p>a </p><p>b</p>", "<img src=x"),
        ("<p>java script:x</p>", "<p>x</p>", "java script:"),
        ("<p>x onclick=y</p>", "<p>x y</p>", "onclick="),
        ("<p>&amp;lt;b&amp;gt;</p>", "<p>&amp;lt;b&amp;gt;</p>", None),
        ("<p>3 < 4 & 5 > 2</p>", "<p>3 &lt; 4 &amp; 5 &gt; 2</p>", None),
        ("<b>x</b>&lt;i", "<b>x</b>", "<i"),
    ],
)
def test_safe_html_removes_markup_like_text(
    markup: str, html: str, markup_removed: str | None
) -> None:
    assert (clean_html(markup).text, clean_html(markup).markup_removed) == (html, markup_removed)


def test_safe_html_removes_invisible_characters_also_when_encoded() -> None:
    cleaned = clean_html("<p>Tee&#x202e; 100\u2066 g\x00</p>")
    assert cleaned.text == "<p>Tee 100 g</p>"
    assert cleaned.invisible_removed is not None
    assert "U+202E" in cleaned.invisible_removed and "U+2066" in cleaned.invisible_removed
