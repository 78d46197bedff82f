from __future__ import annotations

import pytest

from feeds.text import cut_at_word, html_to_text, strip_xml_illegal


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
