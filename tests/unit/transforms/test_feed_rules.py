"""Rules files the data team writes: what loads, what stops at load naming the line, and
how a rule applies to one listing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from schemas.listing import Listing
from schemas.product import Money
from transforms.feed_rules import RulesError, load_rules, matching_overrides

GOOD = """
[[rules]]
name = "FR bags"
when = "market == 'FR' and 'bags' in categories"
set = { title = "{brand} {title}", custom_label_0 = "bags" }

[[rules]]
name = "low stock"
when = "quantity < 2"
channels = ["allegro"]
exclude = true
"""


def listing(**changes: object) -> Listing:
    values: dict[str, object] = {
        "sku": "B-1",
        "market": "FR",
        "locale": "fr_FR",
        "text_locale": "fr_FR",
        "title": "Sac à dos",
        "description": "d",
        "link": "https://x.example/B-1",
        "price": Money(Decimal("59.90"), "EUR"),
        "availability": "in_stock",
        "brand": "Bergfink",
        "categories": ("bags", "outdoor"),
    }
    return Listing(**{**values, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rules]]\nname = "a"\nwhen = "price >"\n', "r.toml line 3: rule 'a': when does not"),
        (
            '[[rules]]\nname = "a"\nwhen = "stock < 2"\n',
            "r.toml line 3: rule 'a': when names stock",
        ),
        (
            '[[rules]]\nname = "a"\nwhen = "price > 1"\nset = { colour = "red" }\n',
            "r.toml line 4: rule 'a': set names colour",
        ),
        (
            '[[rules]]\nname = "a"\nwhen = "price > 1"\nset = { title = "{title.__class__}" }\n',
            "r.toml line 4: rule 'a': set title: {title.__class__} is not one of",
        ),
        (
            '[[rules]]\nname = "a"\nwhen = "price > 1"\nthen = 1\n',
            "r.toml line 1: rule 'a': unknown key then",
        ),
        ('[[rules]]\nname = "a"\nwhen = = 1\n', "r.toml: Invalid value (at line 3, column 8)"),
        ('\n\n[[rules]]\nname = "a"\n', "r.toml line 3: rule 'a': when is missing"),
    ],
    ids=[
        "syntax",
        "unknown_name",
        "unknown_field",
        "placeholder",
        "unknown_key",
        "toml",
        "no_when",
    ],
)
def test_a_file_that_does_not_load_names_its_line_and_why(text: str, message: str) -> None:
    with pytest.raises(RulesError, match="^" + re.escape(message)):
        load_rules(text, "r.toml")


def test_a_rule_applies_where_its_condition_holds_and_its_channels() -> None:
    rules = load_rules(GOOD, "rules.toml")
    changes, failed = matching_overrides(rules, listing(), "google")
    assert [(c.field, c.value, c.where) for c in changes] == [
        ("title", "Bergfink Sac à dos", "rule 'FR bags' (line 2)"),
        ("custom_label_0", "bags", "rule 'FR bags' (line 2)"),
    ]
    assert failed == []  # the low-stock rule is Allegro's only
    assert matching_overrides(rules, listing(market="DE"), "google") == ([], [])


def test_a_condition_that_cannot_be_judged_does_not_apply() -> None:
    rules = load_rules(GOOD, "rules.toml")
    changes, failed = matching_overrides(rules, listing(market="DE"), "allegro")
    assert changes == []
    assert [(rule.name, why.split(":")[0]) for rule, why in failed] == [("low stock", "TypeError")]
    changes, _ = matching_overrides(rules, listing(market="DE", quantity=1), "allegro")
    assert [(c.field, c.value) for c in changes] == [("exclude", "yes")]


def test_a_condition_may_list_the_skus_it_is_for() -> None:
    """A list of skus is what the data team writes first; simpleeval's plain evaluator
    refused tuples at evaluation, so such a rule loaded and then never applied."""
    rules = load_rules(
        "[[rules]]\nname = \"two\"\nwhen = \"sku in ('B-1', 'B-2')\"\nexclude = true\n"
        '[[rules]]\nname = "list"\nwhen = "sku in [\'B-3\']"\nset = { title = "x" }\n',
        "r.toml",
    )
    changes, failed = matching_overrides(rules, listing(), "google")
    assert failed == []
    assert [(c.field, c.value) for c in changes] == [("exclude", "yes")]
    changes, failed = matching_overrides(rules, listing(sku="B-3"), "google")
    assert (failed, [(c.field, c.value) for c in changes]) == ([], [("title", "x")])
