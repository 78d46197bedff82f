"""Characters that must not reach a feed or a report, and the one spreadsheet formula guard.

Catalog text arrives from spreadsheets, PIM exports and translators' files. Some
characters in it are invisible to the person who reads the text but not to the
software that ingests it:

- **C0 and C1 control characters** (NUL, escape, U+0080-U+009F; tab, line feed and
  carriage return stay): XML 1.0 forbids most of them, and they break CSV viewers.
- **Bidirectional controls** (Unicode's ``Bidi_Control`` property: U+061C, U+200E,
  U+200F, U+202A-U+202E, U+2066-U+2069): they reorder what a buyer sees, the
  "Trojan Source" trick (CVE-2021-42574) applied to marketplace titles.
- **Noncharacters** (U+FDD0-U+FDEF and the last two code points of every plane)
  and **lone surrogates** (U+D800-U+DFFF, which no UTF-8 file can hold).

Zero-width joiners, variation selectors and emoji are ordinary text and stay.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE_BMP = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (but tab, LF, CR), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # Bidi_Control
    "\ud800-\udfff"  # lone surrogates
    "\ufdd0-\ufdef\ufffe\uffff"  # noncharacters of the first plane
)
# The other planes' noncharacters (U+1FFFE, U+1FFFF ... U+10FFFF) are matched as "any
# astral code point" and then tested: 32 astral literals in the class made every
# search about eight times slower, on every character of every text.
_SUSPECT = re.compile(f"[{_INVISIBLE_BMP}\U00010000-\U0010ffff]")


_HARMLESS = ("\n", "\t", "\r", "\u00a0", "\u202f", "\u200d")
"""Not "printable" to Python, common in catalog text, and never removed."""


def _invisible(char: str) -> bool:
    """Whether a character `_SUSPECT` matched is one to remove (astral: a noncharacter)."""
    return ord(char) < 0x10000 or ord(char) & 0xFFFE == 0xFFFE


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet run a cell as a formula (OWASP, CSV injection)."""


def remove_invisible(text: str) -> tuple[str, int]:
    """Remove control, bidirectional-control, noncharacter and surrogate code points.

    Returns the text and how many code points went.

    >>> remove_invisible("Tee\\u202e 100 g\\x00")
    ('Tee 100 g', 2)
    >>> remove_invisible("👩\\u200d💻 Laptop\\tbag")
    ('👩\\u200d💻 Laptop\\tbag', 0)
    """
    # str.isprintable() is one C pass and true for most titles; a description has line
    # breaks and no-break spaces, which are not "printable" but stay, so it is asked
    # again without them. Only what neither answers goes through the expression, five
    # to ten times slower (see benchmarks/text.py).
    if text.isprintable() or _printable_but_harmless(text):
        return text, 0
    removed = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal removed
        if _invisible(match.group()):
            removed += 1
            return ""
        return match.group()

    return _SUSPECT.sub(drop, text), removed


def _printable_but_harmless(text: str) -> bool:
    """Whether ``text`` is printable once line breaks, tabs and the usual invisible but
    harmless characters (no-break spaces, zero-width joiner) are left aside."""
    found = False
    for char in _HARMLESS:
        if char in text:
            text = text.replace(char, " ")
            found = True
    return found and text.isprintable()


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a code point `remove_invisible` would remove.

    >>> has_invisible("Tee 100 g"), has_invisible("Tee\\u2066"), has_invisible("Tee\\n🍵")
    (False, True, False)
    """
    if text.isprintable() or _printable_but_harmless(text):
        return False
    return any(_invisible(match.group()) for match in _SUSPECT.finditer(text))


def describe_invisible(text: str, limit: int = 3) -> str:
    """Name the invisible code points in ``text`` for a finding's message.

    >>> describe_invisible("a\\u202eb\\x00c\\x00")
    'U+202E RIGHT-TO-LEFT OVERRIDE, U+0000 (control)'
    """
    seen: list[str] = []
    for match in _SUSPECT.finditer(text):
        char = match.group()
        if not _invisible(char):
            continue
        code = ord(char)
        name = unicodedata.name(char, "")
        if name:
            label = f"U+{code:04X} {name}"
        elif 0xD800 <= code <= 0xDFFF:
            label = f"U+{code:04X} (lone surrogate)"
        elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            label = f"U+{code:04X} (noncharacter)"
        else:
            label = f"U+{code:04X} (control)"
        if label not in seen:
            seen.append(label)
        if len(seen) >= limit:
            break
    return ", ".join(seen)


def spreadsheet_safe(value: object) -> str:
    """Text a spreadsheet shows as text: invisible characters removed, and a cell that
    starts like a formula gets a leading quote. Every CSV the project writes uses it.

    >>> spreadsheet_safe("=SUM(A1:A9)"), spreadsheet_safe("-11.90"), spreadsheet_safe(27)
    ("'=SUM(A1:A9)", "'-11.90", '27')
    >>> spreadsheet_safe("\\tcmd"), spreadsheet_safe("ok\\x1b[31m")
    ("'\\tcmd", 'ok[31m')
    """
    text = "" if value is None else remove_invisible(str(value))[0]
    return "'" + text if text.startswith(FORMULA_STARTS) else text
