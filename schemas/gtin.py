"""GS1 identifiers: GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN) and GTIN-14.

The check digit rule is GS1's modulo 10: from the rightmost data digit leftwards,
digits are weighted 3, 1, 3, 1, ...; the check digit brings the sum up to a
multiple of ten (GS1 General Specifications, section 7.9).
"""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def gs1_check_digit(data_digits: str) -> int:
    """Return the check digit for a string of data digits.

    >>> gs1_check_digit("400638133393")
    1
    """
    # Rightmost data digit and every second one leftwards weigh 3, the others 1.
    total = 3 * sum(map(int, data_digits[::-2])) + sum(map(int, data_digits[-2::-2]))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str | None:
    """Say what is wrong with a GTIN, or return None when it is valid.

    >>> gtin_problem("4006381333931") is None
    True
    >>> gtin_problem("4006381333932")
    'check digit is 2, GS1 computes 1'
    >>> gtin_problem("12345")
    'has 5 digits; a GTIN has 8, 12, 13 or 14'
    """
    if not code:
        return "is empty"
    if not code.isascii() or not code.isdigit():
        return "contains characters other than digits"
    if len(code) not in GTIN_LENGTHS:
        return f"has {len(code)} digits; a GTIN has 8, 12, 13 or 14"
    expected = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"check digit is {code[-1]}, GS1 computes {expected}"
    return None


def as_gtin13(code: str) -> str | None:
    """A valid GTIN as the 13-digit EAN it equals, or None when it has no such form.

    GS1 writes a shorter GTIN in a longer field right-aligned with leading zeros (the
    check digit stays), so a GTIN-8 and a UPC-A (GTIN-12) are EANs with zeros in front;
    a GTIN-14 is one only when its indicator digit is 0 (otherwise it names a case or
    another packaging level, not the consumer item).

    >>> as_gtin13("4006381333931"), as_gtin13("012345678905"), as_gtin13("96385074")
    ('4006381333931', '0012345678905', '0000096385074')
    >>> as_gtin13("04006381333931"), as_gtin13("14006381333938"), as_gtin13("4006381333932")
    ('4006381333931', None, None)
    """
    if gtin_problem(code) is not None:
        return None
    if len(code) == 14:
        return code[1:] if code[0] == "0" else None
    return code.zfill(13)
