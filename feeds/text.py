"""Text rules shared by all feed writers: XML-safe characters, plain text, length limits."""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters outside the XML 1.0 ``Char`` production (W3C XML 1.0, section 2.2)."""

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
    }
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{2,}")
_TAG_HINT = re.compile(r"<[A-Za-z/!]")


def strip_xml_illegal(text: str) -> tuple[str, int]:
    """Remove characters XML 1.0 does not allow; return the text and how many went.

    >>> strip_xml_illegal("a\\x00b\\x1fc")
    ('abc', 2)
    """
    cleaned, count = _XML_ILLEGAL.subn("", text)
    return cleaned, count


def html_to_text(markup: str) -> str:
    """Turn an HTML fragment into plain text, keeping paragraphs as line breaks.

    >>> html_to_text("<p>Fast &amp; <b>quiet</b></p><ul><li>2 kg</li><li>USB</li></ul>")
    'Fast & quiet\\n2 kg\\nUSB'
    """
    if not _TAG_HINT.search(markup) and "&" not in markup:
        return _tidy(markup)
    from lxml import etree, html

    try:
        root = html.fragment_fromstring(markup, create_parent="div")
    except etree.ParserError:
        return _tidy(markup)
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if element.text and tag not in ("script", "style"):
                parts.append(element.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n", "\n".join(lines)).strip()


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
