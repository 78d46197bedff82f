"""Text rules shared by all feed writers: XML-safe characters, plain text, length limits."""

from __future__ import annotations

import html
import re
from functools import lru_cache

_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters outside the XML 1.0 ``Char`` production (W3C XML 1.0, section 2.2)."""

_BLOCK_TAGS = frozenset("p div br li ul ol tr table h1 h2 h3 h4 h5 h6 section".split())
_HIDDEN = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS)) + r")\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^>]*>")


def strip_xml_illegal(text: str) -> tuple[str, int]:
    """Remove characters XML 1.0 does not allow; return the text and how many went.

    >>> strip_xml_illegal("a\\x00b\\x1fc")
    ('abc', 2)
    """
    cleaned, count = _XML_ILLEGAL.subn("", text)
    return cleaned, count


@lru_cache(
    maxsize=4096
)  # completeness and the writer ask for the same text, and variants share texts
def html_to_text(markup: str) -> str:
    """Turn an HTML fragment into plain text, keeping blocks as line breaks.

    Comments, scripts and styles go entirely; block-level tags become line
    breaks, other tags vanish; entities are decoded; runs of spaces and blank
    lines collapse. A ``<`` that does not open a tag stays as text.

    >>> html_to_text("<p>Fast &amp; <b>quiet</b></p><ul><li>2 kg</li><li>USB</li></ul>")
    'Fast & quiet\\n2 kg\\nUSB'
    >>> html_to_text("3 < 4 <br/>and 5 > 2")
    '3 < 4\\nand 5 > 2'
    """
    if "<" in markup:
        lowered = markup.lower()
        if "<!--" in markup or "<script" in lowered or "<style" in lowered:
            markup = _HIDDEN.sub("", markup)
        markup = _TAG.sub("", _BLOCK_TAG.sub("\n", markup))
    if "&" in markup:
        markup = html.unescape(markup)
    # str.split() folds every kind of white space (no-break space too) in C,
    # several times faster than a regex that stops at each space.
    return "\n".join(filter(None, (" ".join(line.split()) for line in markup.split("\n"))))


def cut_at_word(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending at a word boundary.

    A text that fits is returned unchanged. Otherwise the cut falls on the last
    white space within the limit (trailing punctuation removed); a single word
    longer than the limit is cut hard.

    >>> cut_at_word("Stainless steel water bottle, 750 ml", 20)
    'Stainless steel'
    >>> cut_at_word("Supercalifragilistic", 5)
    'Super'
    """
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    cut = text[:space] if space > 0 else text[:limit]
    return cut.rstrip(" \n,;:-–—/")


SAFE_TAGS = frozenset({"p", "br", "ul", "ol", "li", "b", "strong", "i", "em"})
"""Formatting tags a channel that takes HTML gets; nothing else survives `safe_html`."""
_ANY_TAG = re.compile(r"<(/?)\s*([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


def safe_html(markup: str, allowed: frozenset[str] = SAFE_TAGS) -> str:
    """Keep only harmless formatting: ``allowed`` tags (`SAFE_TAGS`), without one attribute.

    Scripts, styles and comments go with their content; every other tag goes
    but its text stays; attributes go, so no event handler, ``style`` or
    ``javascript:`` link can survive.

    >>> safe_html('<p onclick="x()">Hi <a href="javascript:go()">you</a></p><script>f()</script>')
    '<p>Hi you</p>'
    >>> safe_html("<UL><LI class='x'>2 kg<br/></LI></UL>")
    '<ul><li>2 kg<br></li></ul>'
    """
    if "<" not in markup:
        return markup
    markup = _HIDDEN.sub("", markup)

    def keep(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name not in allowed:
            return ""
        if name == "br":
            return "<br>"
        return f"<{match.group(1)}{name}>"

    return _ANY_TAG.sub(keep, markup)


def plain_text(markup: str, limit: int | None = None) -> tuple[str, bool]:
    """Plain, XML-safe text cut at a word boundary to ``limit``, and whether it was cut."""
    text = strip_xml_illegal(html_to_text(markup))[0]
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
