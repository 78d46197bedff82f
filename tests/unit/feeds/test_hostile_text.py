"""Any text in a listing's text fields, through every channel writer: the file stays valid
and no text in it can reorder what a buyer reads or run as markup.

Properties, for arbitrary Unicode (lone surrogates included) and for HTML-like text
mixing tags, entities, ``javascript:``, event handlers and bidirectional controls,
put into title, description, bullet points, brand, mpn, category and size:

- the writer does not raise, and the file passes the channel's own format check;
- no text of the file holds a bidirectional control, a control character (other
  than line feeds in plain text), a noncharacter or a lone surrogate;
- no text of the file reads as markup: no ``<`` followed by a letter, ``/``, ``!``
  or ``?``, no ``javascript:``, no ``on...=`` event handler; the HTML description
  of eBay and Allegro holds their allowed tags only, without attributes, and its
  texts are held to the same rule.

The checks below are written from Unicode's and HTML's definitions (unicodedata's
bidirectional classes, lxml's HTML parser), not from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.allegro import ALLEGRO_TAGS
from pipeline.channels import writer_class
from schemas.text import SAFE_TAGS
from tests.unit.feeds.test_channels import CHANNEL_MARKET, listing, market_for, write

if TYPE_CHECKING:
    from collections.abc import Iterator

BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "LRM", "RLM", "ALM"}
"""unicodedata.bidirectional() classes of the Bidi_Control characters (UAX #9)."""
HTML_WHITESPACE = "\t\n\r"
"""Control characters HTML takes as white space (plain text fields keep line feeds only)."""
TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
EVENT_HANDLER = re.compile(r"\b[oO][nN][a-zA-Z]+\s*=")  # HTML names attributes in ASCII

FRAGMENTS = (
    "<p>", "</p>", "<b>", "</b>", "<li>", "<ul>", "<h1>", "<br/>", "<P CLASS=x>", "</div>",
    "<script>", "</script>", "<style>", "<textarea>", "<!--", "-->", "<![CDATA[", "]]>",
    '<a href="javascript:alert(1)">', '<a href="https://shop.example/">', "</a>",
    '<img src="https://cdn.example/1.jpg">', '<span style="color:red">', '<div onclick="x()">',
    "<img src=x onerror=alert(1)//", 'title="x>y">',
    "&lt;", "&gt;", "&amp;", "&amp;lt;", "&lt;script&gt;", "&lt;/b&gt;", "&#x202e;", "&rlm;",
    "&#0;", "&#x85;", "&#1;", "&nbsp;", "&colon;", "&", "<", ">", "=", "/", "!", "?",
    "javascript:", "JaVa ScRiPt :", "vbscript:", "onclick=", " onError = ", "on",
    "\u202e", "\u2066", "\u200f", "\x00", "\x1b", "\x07", "\x85", "\ud800", "\ufffe",
    "\U0010ffff", "\r", "\t", "\n", "\u2028", "👩\u200d💻", "+", "-", "@", " ", "Flasche",
)  # fmt: skip
unicode_text = st.text(st.characters(exclude_categories=()), max_size=40)
html_like_text = st.lists(st.sampled_from(FRAGMENTS) | unicode_text, max_size=12).map("".join)
hostile = unicode_text | html_like_text
with_words = st.tuples(hostile, hostile).map(lambda parts: f"{parts[0]} Flasche {parts[1]}")
"""Hostile text around a word, so that most items keep a text and are written."""


def problems_in_text(
    text: str, where: str, markup: bool = True, breaks: str = "\n"
) -> Iterator[str]:
    """Invisible characters (``breaks`` aside) and, with ``markup``, markup-like text."""
    for char in text:
        code = ord(char)
        if unicodedata.bidirectional(char) in BIDI_CONTROLS:
            yield f"{where}: bidirectional control U+{code:04X} in {text!r}"
        elif unicodedata.category(char) in {"Cc", "Cs"} and char not in breaks:
            yield f"{where}: control or surrogate U+{code:04X} in {text!r}"
        elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            yield f"{where}: noncharacter U+{code:04X} in {text!r}"
    if not markup:
        return
    without_space = re.sub(r"\s", "", text).lower()
    if TAG_OPEN.search(text) or "javascript:" in without_space or "vbscript:" in without_space:
        yield f"{where}: markup-like text in {text!r}"
    if EVENT_HANDLER.search(text):
        yield f"{where}: event handler in {text!r}"


def problems_in_html(markup: str, allowed: frozenset[str], where: str) -> Iterator[str]:
    """The HTML subset: allowed tags without attributes, safe texts (per text node)."""
    if not markup:
        return
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    yield from problems_in_text(root.text or "", where, breaks=HTML_WHITESPACE)
    for element in root.iterdescendants():
        if element.tag not in allowed:
            yield f"{where}: tag {element.tag!r} in {markup!r}"
        if element.attrib:
            yield f"{where}: attributes {dict(element.attrib)} in {markup!r}"
        yield from problems_in_text(element.text or "", where, breaks=HTML_WHITESPACE)
        yield from problems_in_text(element.tail or "", where, breaks=HTML_WHITESPACE)


def problems_in_json(
    value: object, html_fields: dict[str, frozenset[str]], path: str = ""
) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from problems_in_text(key, f"{path}/{key} (key)")
            yield from problems_in_json(item, html_fields, f"{path}/{key}")
    elif isinstance(value, list):
        for item in value:
            yield from problems_in_json(item, html_fields, f"{path}[]")
    elif isinstance(value, str):
        allowed = html_fields.get(path)
        if allowed is None:
            yield from problems_in_text(value, path)
        else:
            yield from problems_in_html(value, allowed, path)


def problems_in_file(channel: str, data: bytes) -> list[str]:
    text = data.decode("utf-8")  # strict: a lone surrogate could not have been encoded
    extension = writer_class(channel).spec.extension
    if extension == "xml":
        root = etree.fromstring(data)
        return [
            problem
            for element in root.iter()
            for problem in problems_in_text(element.text or "", str(element.tag))
        ]
    if extension == "csv":
        delimiter = writer_class(channel).delimiter  # type: ignore[attr-defined]
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [p for row in rows for value in row for p in problems_in_text(value, "cell")]
    html_fields = {
        "/body/requests[]/product/description": SAFE_TAGS,  # eBay
        "/offers[]/listingDescription": SAFE_TAGS,  # eBay's offer: the item's description
        "/description/sections[]/items[]/content": ALLEGRO_TAGS,  # Allegro
    }
    lines = [line for line in text.split("\n") if line] if extension == "jsonl" else [text]
    documents = [json.loads(line) for line in lines]
    return [p for document in documents for p in problems_in_json(document, html_fields)]


@pytest.mark.parametrize("channel", sorted(CHANNEL_MARKET))
@settings(suppress_health_check=[HealthCheck.too_slow])  # examples: tests/conftest.py
@given(
    title=with_words,
    description=hostile | with_words,
    bullet_points=st.lists(hostile, max_size=3).map(tuple),
    brand=with_words,
    mpn=hostile,
    category=hostile,
    size=hostile,
)
def test_hostile_text_in_every_field_is_written_safely(
    channel: str,
    title: str,
    description: str,
    bullet_points: tuple[str, ...],
    brand: str,
    mpn: str,
    category: str,
    size: str,
) -> None:
    market = market_for(channel)
    hostile_listing = listing(
        market,
        sku="GZ-HOSTILE-1",
        title=title,
        description=description,
        bullet_points=bullet_points,
        brand=brand,
        mpn=mpn,
        categories=("drinkware", category),
        size=size,
        size_system="EU",
    )
    # With an ordinary item, so the file is never empty (an empty API file is not sent).
    data, [_, findings] = write(channel, market, [listing(market), hostile_listing])
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"feed.{writer_class(channel).spec.extension}"
        path.write_bytes(data)
        assert writer_class(channel).check_file(path) == []
    assert problems_in_file(channel, data) == []
    for finding in findings:  # a message may quote markup, but no invisible character
        assert list(problems_in_text(finding.message, "message", markup=False)) == []
