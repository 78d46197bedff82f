from __future__ import annotations

import pytest

from schemas.characters import describe_invisible, remove_invisible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Line breaks and tabs stay, and do not hide what stands beside them.
        ("Zeile 1\nZeile\u202e 2\tEnde", ("Zeile 1\nZeile 2\tEnde", 1)),
        ("a\r\nb\x00", ("a\r\nb", 1)),
        ("Zeile 1\nZeile 2\u00a0cm", ("Zeile 1\nZeile 2\u00a0cm", 0)),
        ("\x85\x9f\x7f", ("", 3)),
        # Astral noncharacters go, astral text stays.
        ("😀\U0001fffe𝄞\U0010ffff\U000e0001", ("😀𝄞\U000e0001", 2)),
        ("\ufdd0\ufffe\uffff\ufffd", ("\ufffd", 3)),
        ("\udc00x\ud83d", ("x", 2)),
    ],
)
def test_remove_invisible(text: str, expected: tuple[str, int]) -> None:
    assert remove_invisible(text) == expected


def test_describe_invisible_names_each_kind() -> None:
    assert describe_invisible("\U0001ffff\ud800\x07\u2067") == (
        "U+1FFFF (noncharacter), U+D800 (lone surrogate), U+0007 (control)"
    )
