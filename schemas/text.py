"""Catalog text made safe: plain text and a safe HTML subset, for validation, translation
and every feed writer alike (below `transforms` and `feeds`, so both may use it).

Catalog texts may hold HTML. They are parsed by html5ever through nh3 (the Python
bindings of the Ammonia sanitizer), never by expressions of our own: what a
browser would take for a tag, a comment or a script is what goes. Two more
things go after parsing, because a marketplace (or whoever reads its feed) may
decode the text once more or show it to people:

- **text that reads as markup once decoded**: ``&lt;script&gt;`` is harmless text
  for the parser, and a ``<script>`` tag for the next one that decodes it. A
  ``<`` followed by a letter, ``/``, ``!`` or ``?`` (up to the next ``>``, or the
  end), ``javascript:`` and ``vbscript:`` (any case, spaces allowed), and
  ``on<letters>=`` (an event handler) are removed;
- **invisible characters** (`schemas.characters`): controls, bidirectional
  controls, noncharacters and lone surrogates.

`clean_text` and `clean_html` say what went, so writers can report it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from schemas.characters import describe_invisible, remove_invisible

if TYPE_CHECKING:
    import nh3

_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters outside the XML 1.0 ``Char`` production (W3C XML 1.0, section 2.2)."""

BLOCK_TAGS = frozenset(
    "p div br hr li ul ol dd dt tr td th table blockquote section h1 h2 h3 h4 h5 h6".split()
)
"""Tags that end a line in plain text; every other tag goes without a trace."""
SAFE_TAGS = frozenset({"p", "br", "ul", "ol", "li", "b", "strong", "i", "em"})
"""Formatting tags a channel that takes HTML gets; nothing else survives `safe_html`."""
HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
"""Elements that go together with their content (never text for a buyer)."""

_SERIALIZED_TAG = re.compile(r"<[^>]*>")
"""A tag in nh3's output: its serializer writes every ``<`` of text as ``&lt;``."""
_SERIALIZED_TAGS = re.compile(f"({_SERIALIZED_TAG.pattern})")
_TAG_LIKE = re.compile(r"<+[A-Za-z/!?][^>]*>?")
"""A tag-like span (a run of ``<`` counts as one, so ``<<b>x>`` leaves ``x>``, not a
new tag). Without re.IGNORECASE, so the engine can jump from ``<`` to ``<``."""
_SCRIPT_URL = re.compile(
    r"(?:[jJ]\s*[aA]\s*[vV]\s*[aA]|[vV]\s*[bB])\s*[sS]\s*[cC]\s*[rR]\s*[iI]\s*[pP]\s*[tT]\s*:"
)
"""``javascript:`` or ``vbscript:``, ASCII letters in any case, white space between."""
_EVENT_HANDLER = re.compile(r"\b[oO][nN][a-zA-Z]+\s*=")
"""``on<letters>=``, an event handler attribute (HTML names them in ASCII)."""


@dataclass(frozen=True, slots=True)
class CleanText:
    """A catalog text made safe for a feed, and what had to go.

    Attributes:
        text: Plain text (`clean_text`) or the safe HTML subset (`clean_html`).
        markup_removed: The first text that read as markup after decoding
            (``<script>``, ``javascript:``, ``onclick=``), shortened; None when
            nothing of the kind was there. Tags the parser recognised are not
            reported: removing them is what cleaning HTML means.
        invisible_removed: The invisible characters removed, named
            (``U+202E RIGHT-TO-LEFT OVERRIDE``); None when there were none.
    """

    text: str
    markup_removed: str | None = None
    invisible_removed: str | None = None


def strip_xml_illegal(text: str) -> tuple[str, int]:
    """Remove characters XML 1.0 does not allow; return the text and how many went.

    >>> strip_xml_illegal("a\\x00b\\x1fc")
    ('abc', 2)
    """
    cleaned, count = _XML_ILLEGAL.subn("", text)
    return cleaned, count


@lru_cache(maxsize=16)
def _cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    """An Ammonia cleaner keeping ``tags`` without any attribute, built once per tag set."""
    import nh3

    return nh3.Cleaner(
        tags=set(tags),
        attributes={},
        strip_comments=True,
        link_rel=None,
        clean_content_tags=set(HIDDEN_TAGS - tags),
    )


def _without_invisible(text: str, found: list[str]) -> str:
    """``text`` without invisible characters; their names are added to ``found``."""
    cleaned, removed = remove_invisible(text)
    if removed:
        found.append(describe_invisible(text))
    return cleaned


def _markup_like(text: str) -> tuple[re.Pattern[str], re.Match[str]] | None:
    """The first kind of markup-like span ``text`` holds, and its first match."""
    if "<" in text and (match := _TAG_LIKE.search(text)):
        return _TAG_LIKE, match
    for pattern, mark in ((_SCRIPT_URL, ":"), (_EVENT_HANDLER, "=")):
        if mark in text and (match := _ending_at(text, mark, pattern)):
            return pattern, match
    return None


def _ending_at(text: str, mark: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """A match of ``pattern`` (``javascript:`` or ``on...=``) ending at a ``mark``.

    Most descriptions have colons ("Farbe: schwarz"), and an expression searched
    over the whole text costs 10-30 µs per 2,000 characters; so only the words
    before each ``mark`` are searched, and only when they end in ``t`` or a letter.
    """
    end = text.find(mark)
    while end != -1:
        last = end - 1
        while last >= 0 and text[last].isspace():
            last -= 1
        if last >= 0 and (text[last] in "tT" if mark == ":" else text[last].isascii()):
            start, letters = last, 0
            if mark == ":":  # the ten letters of "javascript", white space between them
                while start > 0 and letters < 10:
                    start -= 1
                    letters += not text[start].isspace()
            else:  # the whole word before "="
                while start > 0 and text[start - 1].isascii() and text[start - 1].isalpha():
                    start -= 1
            if match := pattern.search(text, start, end + 1):
                return match
        end = text.find(mark, end + 1)
    return None


def _without_markup_like(text: str) -> tuple[str, str | None]:
    """``text`` without markup-like spans, and the first one (shortened).

    Removing spans can join two halves into a new one (``java<b>script:`` once
    ``<b>`` went), so this repeats until none is left.
    """
    first = None
    while (found := _markup_like(text)) is not None:
        pattern, match = found
        if first is None:  # for a one-line message
            span = " ".join(match.group().split())
            first = span if len(span) <= 24 else span[:23] + "…"
        text = pattern.sub("", text)
    return text, first


def _may_decode_to_invisible(markup: str) -> bool:
    """Whether an entity of ``markup`` may stand for an invisible character: a numeric
    one (``&#x202e;``) or one of the two named ones, ``&lrm;`` and ``&rlm;`` (HTML's
    list of named entities is fixed)."""
    return "&#" in markup or "lrm;" in markup or "rlm;" in markup


def _summary(found: list[str]) -> str | None:
    """The invisible characters named once each, at most three."""
    names = dict.fromkeys(name for names in found for name in names.split(", "))
    return ", ".join(list(names)[:3]) or None


@lru_cache(maxsize=8192)  # completeness and every writer of a market ask for the same text
def clean_text(markup: str) -> CleanText:
    """Plain text of an HTML fragment, with blocks as line breaks, safe to decode again.

    html5ever parses the fragment (through nh3): comments, scripts and styles go
    with their content, block-level tags become line breaks, other tags vanish,
    entities are decoded exactly once. Then markup-like text and invisible
    characters are removed (see the module docstring) and runs of spaces and
    blank lines collapse. A ``<`` that does not open a tag stays as text. Text
    with neither ``<`` nor ``&`` is not parsed: it cannot hold markup.

    >>> clean_text("<p>Fast &amp; <b>quiet</b></p>&lt;script&gt;x()&lt;/script&gt;")
    CleanText(text='Fast & quiet\\nx()', markup_removed='<script>', invisible_removed=None)
    >>> clean_text("Tee\\u202e 100 g").invisible_removed
    'U+202E RIGHT-TO-LEFT OVERRIDE'
    """
    if (
        "<" not in markup
        and "&" not in markup
        and ":" not in markup
        and "=" not in markup
        and markup.isprintable()
    ):
        return CleanText(" ".join(markup.split()))  # one line of plain text: most titles
    found: list[str] = []
    text = _without_invisible(markup, found)
    if "<" in text or "&" in text:
        text = _SERIALIZED_TAG.sub("\n", _cleaner(BLOCK_TAGS).clean(text))
        if "&" in text:
            # The serializer's escaping is the only level left: the parser decoded
            # the source's entities once, so one more decoding gives the text.
            text = html.unescape(text)
        if _may_decode_to_invisible(markup):
            text = _without_invisible(text, found)
    text, markup_removed = _without_markup_like(text)
    # str.split() folds every kind of white space (no-break space too) in C,
    # several times faster than a regex that stops at each space.
    text = "\n".join(filter(None, (" ".join(line.split()) for line in text.split("\n"))))
    return CleanText(text, markup_removed, _summary(found))


@lru_cache(maxsize=4096)
def clean_html(markup: str, allowed: frozenset[str] = SAFE_TAGS) -> CleanText:
    """The ``allowed`` tags of an HTML fragment, without one attribute, and its text, safe.

    Ammonia keeps the ``allowed`` tags (`SAFE_TAGS`) in html5ever's canonical
    form, closes what was left open, and drops every attribute, so no event
    handler, ``style`` or ``javascript:`` link survives; scripts, styles and
    comments go with their content, other tags go but their text stays. The
    text is then freed of markup-like text and invisible characters like
    `clean_text`'s. Text with neither ``<`` nor ``&`` is not parsed.

    >>> clean_html("<p>Hi &lt;img src=x onerror=f()&gt;</p>")
    CleanText(text='<p>Hi </p>', markup_removed='<img src=x onerror=f()>', invisible_removed=None)
    """
    found: list[str] = []
    text = _without_invisible(markup, found)
    if "<" in text or "&" in text:
        text = _cleaner(allowed).clean(text)
        if _may_decode_to_invisible(markup):
            text = _without_invisible(text, found)
    markup_removed = None
    # Each text between two tags, as a reader gets it, is checked like `clean_text`'s;
    # first all of them at once, joined by spaces (which can only add matches).
    probe = _SERIALIZED_TAG.sub(" ", text) if "<" in text else text
    if _markup_like(html.unescape(probe) if "&" in probe else probe) is not None:
        parts = _SERIALIZED_TAGS.split(text)
        for index in range(0, len(parts), 2):
            part = parts[index]
            decoded = html.unescape(part) if "&" in part else part
            if "<" in decoded or ":" in decoded or "=" in decoded:
                decoded, removed = _without_markup_like(decoded)
                if removed is not None:
                    parts[index] = html.escape(decoded, quote=False)
                    markup_removed = markup_removed or removed
        text = "".join(parts)
    return CleanText(text, markup_removed, _summary(found))


def html_to_text(markup: str) -> str:
    """Turn an HTML fragment into plain text, keeping blocks as line breaks (`clean_text`).

    >>> html_to_text("<p>Fast &amp; <b>quiet</b></p><ul><li>2 kg</li><li>USB</li></ul>")
    'Fast & quiet\\n2 kg\\nUSB'
    >>> html_to_text("3 < 4 <br/>and 5 > 2")
    '3 < 4\\nand 5 > 2'
    """
    return clean_text(markup).text


def safe_html(markup: str, allowed: frozenset[str] = SAFE_TAGS) -> str:
    """Keep only harmless formatting: ``allowed`` tags, without one attribute (`clean_html`).

    The output is html5ever's canonical serialization: lower-case tags, ``<br>``
    for ``<br/>``, tags closed, and ``<``, ``>``, ``&`` and no-break spaces of
    the text written as entities.

    >>> safe_html('<p onclick="x()">Hi <a href="javascript:go()">you</a></p><script>f()</script>')
    '<p>Hi you</p>'
    >>> safe_html("<UL><LI class='x'>2 kg<br/></LI></UL>")
    '<ul><li>2 kg<br></li></ul>'
    >>> safe_html("<p>3 < 4 & 5 > 2")
    '<p>3 &lt; 4 &amp; 5 &gt; 2</p>'
    """
    return clean_html(markup, allowed).text
