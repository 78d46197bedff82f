from __future__ import annotations

import pytest

from schemas.gtin import gs1_check_digit, gtin_problem

# Published GS1 examples and real retail codes, each with a correct check digit.
VALID = [
    "4006381333931",  # GTIN-13 (GS1 Germany example)
    "73513537",  # GTIN-8
    "036000291452",  # GTIN-12 / UPC-A
    "10614141000415",  # GTIN-14 (GS1 US example)
    "5901234123457",  # GTIN-13 (GS1 check digit calculator example)
]


@pytest.mark.parametrize("code", VALID)
def test_valid_gtins_pass(code: str) -> None:
    assert gtin_problem(code) is None


@pytest.mark.parametrize("code", VALID)
def test_every_wrong_check_digit_is_caught(code: str) -> None:
    for digit in "0123456789":
        if digit != code[-1]:
            assert gtin_problem(code[:-1] + digit) is not None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("1234567890183", "check digit is 3, GS1 computes 0"),  # from the Akeneo demo data
        ("400638133393", "check digit is 3, GS1 computes 0"),  # GTIN-13 example, last digit lost
        ("40063813339", "has 11 digits"),
        ("400638133393X", "characters other than digits"),
        ("", "is empty"),
    ],
)
def test_invalid_gtins_say_why(code: str, reason: str) -> None:
    problem = gtin_problem(code)
    assert problem is not None
    assert reason in problem or problem.startswith(reason)


def test_check_digit_of_known_body() -> None:
    assert gs1_check_digit("590123412345") == 7
