"""Time the feed writers' text handling against the previous, regular-expression version.

    python benchmarks/text.py --texts 20000

Texts of four shapes, built from seeded German words: titles (plain, one line),
plain descriptions (no markup, several lines), short HTML descriptions (about
300 characters of p, ul, li and b) and long HTML descriptions (about 1,500
characters, with entities). For each shape and function, two patterns:

- **distinct**: every text once, the cache emptied first (what a catalog of
  distinct descriptions costs);
- **writers**: every text three times, the cache emptied first (completeness
  and two writers of one market ask for the same text).

Prints microseconds per call, best of ``--repeat`` runs, for the previous
version (copied below from ``git show 6498368:feeds/text.py``, for comparison
only) and the current one (`feeds.text`, html5ever through nh3).
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds import text as current  # noqa: E402
from schemas import text as safe_text  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

WORDS = (
    "leicht robust kompakt leise Edelstahl recycelt wasserdicht kabellos faltbar "
    "Größe Trinkflasche doppelwandig spülmaschinenfest Deckel Schlaufe Rucksack "
    "Akku Ladezeit Stunden Garantie Lieferumfang Farbe schwarz grün"
).split()


# --- The previous version (feeds/text.py before nh3), for comparison only. ----------

_OLD_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_OLD_BLOCK_TAGS = frozenset("p div br li ul ol tr table h1 h2 h3 h4 h5 h6 section".split())
_OLD_HIDDEN = re.compile(
    r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_OLD_BLOCK_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(_OLD_BLOCK_TAGS)) + r")\b[^>]*>", re.IGNORECASE
)
_OLD_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^>]*>")
_OLD_ANY_TAG = re.compile(r"<(/?)\s*([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


def old_strip_xml_illegal(text: str) -> tuple[str, int]:
    cleaned, count = _OLD_XML_ILLEGAL.subn("", text)
    return cleaned, count


@lru_cache(maxsize=4096)
def old_html_to_text(markup: str) -> str:
    if "<" in markup:
        lowered = markup.lower()
        if "<!--" in markup or "<script" in lowered or "<style" in lowered:
            markup = _OLD_HIDDEN.sub("", markup)
        markup = _OLD_TAG.sub("", _OLD_BLOCK_TAG.sub("\n", markup))
    if "&" in markup:
        markup = html.unescape(markup)
    return "\n".join(filter(None, (" ".join(line.split()) for line in markup.split("\n"))))


def old_plain_text(markup: str, limit: int | None = None) -> tuple[str, bool]:
    text = old_strip_xml_illegal(old_html_to_text(markup))[0]
    if limit is None or len(text) <= limit:
        return text, False
    return current.cut_at_word(text, limit), True


def old_safe_html(markup: str, allowed: frozenset[str] = safe_text.SAFE_TAGS) -> str:
    if "<" not in markup:
        return markup
    markup = _OLD_HIDDEN.sub("", markup)

    def keep(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name not in allowed:
            return ""
        if name == "br":
            return "<br>"
        return f"<{match.group(1)}{name}>"

    return _OLD_ANY_TAG.sub(keep, markup)


# --- Texts. ----------------------------------------------------------------------------


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def shapes(count: int) -> dict[str, list[str]]:
    """``count`` distinct texts of each shape."""
    rng = random.Random(17)
    titles = [f"Nordquell {_words(rng, 4)} {n} ml" for n in range(count)]
    plain = ["\n".join(f"{_words(rng, 12)}." for _ in range(5)) + f" {n}" for n in range(count)]
    short = [
        f"<p>{_words(rng, 20)}.</p><ul><li><b>{_words(rng, 2)}</b> {n} cm</li>"
        f"<li>{_words(rng, 4)}</li></ul>"
        for n in range(count)
    ]
    long = [
        f"<p>{_words(rng, 60)} &amp; {_words(rng, 40)}.</p><p>{_words(rng, 50)}&nbsp;cm, "
        f"&quot;{_words(rng, 3)}&quot; &uuml;ber {n}.</p><ul>"
        + "".join(f"<li><b>{_words(rng, 2)}</b>: {_words(rng, 8)}</li>" for _ in range(6))
        + "</ul>"
        for n in range(count)
    ]
    return {"title": titles, "plain description": plain, "HTML 300": short, "HTML 1500": long}


def _clear() -> None:
    old_html_to_text.cache_clear()
    safe_text.clean_text.cache_clear()
    safe_text.clean_html.cache_clear()


def per_call(
    function: Callable[[str], object], texts: list[str], passes: int, repeat: int
) -> float:
    """Microseconds per call, best of ``repeat`` runs, the caches emptied before each."""
    best = float("inf")
    for _ in range(repeat):
        _clear()
        started = time.perf_counter()
        for _ in range(passes):
            for text in texts:
                function(text)
        best = min(best, time.perf_counter() - started)
    return best / (len(texts) * passes) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=3000, help="distinct texts per shape")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # The writers' cache holds 8,192 texts; more distinct texts than that would
    # measure the cache's eviction, not the writers' pattern (one product at a time).
    functions: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
        "html_to_text": (old_html_to_text, safe_text.html_to_text),
        "plain_text": (old_plain_text, current.plain_text),
        "safe_html": (old_safe_html, safe_text.safe_html),
    }
    lengths = {name: sum(map(len, texts)) // len(texts) for name, texts in shapes(10).items()}
    print(f"{args.texts:,} distinct texts per shape, best of {args.repeat}; µs per call")
    print(f"{'shape':<18} {'function':<13} {'pattern':<9} {'previous':>9} {'now':>9} {'ratio':>6}")
    for shape, texts in shapes(args.texts).items():
        for name, (old, new) in functions.items():
            for pattern, passes in (("distinct", 1), ("writers", 3)):
                before = per_call(old, texts, passes, args.repeat)
                after = per_call(new, texts, passes, args.repeat)
                label = f"{shape} ({lengths[shape]})"
                print(
                    f"{label:<18} {name:<13} {pattern:<9} {before:9.2f} {after:9.2f} "
                    f"{after / before:6.2f}"
                )


if __name__ == "__main__":
    main()
