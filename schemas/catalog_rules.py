"""The catalog's expectations, declared as data and run with Great Expectations.

Each `CatalogRule` names a GX Core expectation class and its arguments, the
table it runs on (see `transforms.validation` for the tables and their
columns), the catalog field it speaks for, a stable rule code, a severity and
the sentence the data team reads. ``error`` rules quarantine the product from
every market (or the markets ``[validation.rules.<rule>] markets`` names); ``warning``
rules are reported and block nothing. ``[validation.rules.<rule>] severity`` changes a
rule's severity or turns it ``off`` (`configured_rules`).

The gate quarantines only what is unusable everywhere: no sku, a duplicate sku, no title
in any language, no price above zero in any currency. What a channel needs and a product
lacks (a brand, a GTIN, a description, an image) is that channel's completeness, judged
per market after localization (``[channels.<name>] required``), so a product without a
brand still reaches the channels that list it without one; those rules only warn here.

Marketplace facts behind the rules: GTINs are GS1 codes of 8, 12, 13 or 14
digits with a modulo-10 check digit; Google requires a brand and a price, and
an item without GTIN or MPN goes out with ``identifier_exists = no``
(support.google.com/merchants 6324478, 6324371); images must be absolute
http(s) URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from schemas.product import UNIT_CODES

if TYPE_CHECKING:
    from collections.abc import Mapping

    from schemas.findings import Severity

Table = Literal["products", "prices", "images", "quantities"]

GTIN_PATTERN = r"^(?:\d{8}|\d{12}|\d{13}|\d{14})$"
ABSOLUTE_HTTP_URL = r"^https?://[^\s/?#]+\.[^\s/?#]+(?:/[^\s]*)?$"
MIN_DESCRIPTION_LENGTH = 50


@dataclass(frozen=True, slots=True)
class CatalogRule:
    """One expectation on the staged catalog.

    Attributes:
        rule: Stable code that findings carry (``gtin_check_digit``).
        table: Table the expectation runs on.
        expectation: GX Core expectation class name (``ExpectColumnValuesToNotBeNull``).
        kwargs: Arguments of that expectation.
        field: Catalog field the finding names.
        severity: ``error`` quarantines the product, ``warning`` only reports.
        message: The sentence for people; ``{column}`` placeholders are filled from
            the columns GX reports for the row.
        value_column: Column whose value a finding shows; defaults to the
            expectation's ``column`` (or ``column_A``).
        whole_catalog: The rule compares rows with each other across the whole
            catalog (uniqueness), so it cannot be judged one batch at a time.
    """

    rule: str
    table: Table
    expectation: str
    kwargs: dict[str, Any]
    field: str
    severity: Severity
    message: str
    value_column: str | None = None
    whole_catalog: bool = False

    @property
    def shown_column(self) -> str | None:
        return self.value_column or self.kwargs.get("column") or self.kwargs.get("column_A")


CATALOG_RULE_CODES = (
    "sku_present",
    "sku_unique",
    "gtin_format",
    "gtin_check_digit",
    "identifier_present",
    "brand_present",
    "price_present",
    "currency_iso4217",
    "price_positive",
    "title_present",
    "description_present",
    "description_short",
    "image_link_absolute",
    "unit_allowed",
    "quantity_positive",
)
"""Every catalog rule's code, in report order (``[validation.rules]`` names them)."""


def iso_4217_codes() -> frozenset[str]:
    """Currency codes CLDR knows as current ISO 4217 tender (via Babel)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def configured_rules(severities: Mapping[str, str | None]) -> tuple[CatalogRule, ...]:
    """The catalog suite with ``[validation.rules]``'s severities: rule code -> ``error``,
    ``warning`` or ``off`` (left out); a rule not named keeps its own.

    >>> [r.severity for r in configured_rules({"brand_present": "error"}) if r.rule ==
    ...  "brand_present"], len(configured_rules({"description_short": "off"}))
    (['error'], 14)
    """
    rules = []
    for rule in catalog_rules():
        severity = severities.get(rule.rule)
        if severity == "off":
            continue
        if severity in ("error", "warning") and severity != rule.severity:
            rule = replace(rule, severity=severity)  # type: ignore[arg-type]
        rules.append(rule)
    return tuple(rules)


def catalog_rules() -> tuple[CatalogRule, ...]:
    """The catalog suite, in the order findings are reported."""
    return (
        CatalogRule(
            "sku_present",
            "products",
            "ExpectColumnValuesToNotBeNull",
            {"column": "sku"},
            "sku",
            "error",
            "the product has no sku",
        ),
        CatalogRule(
            "sku_unique",
            "products",
            "ExpectColumnValuesToBeUnique",
            {"column": "sku"},
            "sku",
            "error",
            "the sku appears more than once in the catalog",
            whole_catalog=True,
        ),
        CatalogRule(
            "gtin_format",
            "products",
            "ExpectColumnValuesToMatchRegex",
            {"column": "gtin", "regex": GTIN_PATTERN},
            "gtin",
            "warning",
            "the GTIN is not 8, 12, 13 or 14 digits: channels that send the GTIN set the "
            "product aside",
        ),
        CatalogRule(
            "gtin_check_digit",
            "products",
            "ExpectColumnPairValuesToBeEqual",
            {
                "column_A": "gtin_check_digit",
                "column_B": "gtin_computed_check_digit",
                "ignore_row_if": "either_value_is_missing",
            },
            "gtin",
            "warning",
            "the GTIN's check digit is {gtin_check_digit}, "
            "GS1 computes {gtin_computed_check_digit}",
            value_column="gtin",
        ),
        CatalogRule(
            "identifier_present",
            "products",
            "ExpectColumnValuesToNotBeNull",
            {"column": "identifier"},
            "gtin",
            "warning",
            "no GTIN and no MPN: feeds will say identifier_exists = no",
        ),
        CatalogRule(
            "brand_present",
            "products",
            "ExpectColumnValuesToNotBeNull",
            {"column": "brand"},
            "brand",
            "warning",
            "the product has no brand: channels that require one set it aside (set "
            "[catalog.defaults] brand or map a column in [catalog.columns])",
        ),
        CatalogRule(
            "price_present",
            "products",
            "ExpectColumnValuesToBeBetween",
            {"column": "positive_prices", "min_value": 1},
            "price",
            "error",
            "the product has no price above zero in any currency",
        ),
        CatalogRule(
            "currency_iso4217",
            "prices",
            "ExpectColumnValuesToBeInSet",
            {"column": "currency", "value_set": sorted(iso_4217_codes())},
            "price",
            "warning",
            "the price's currency is not an ISO 4217 code",
        ),
        CatalogRule(
            "price_positive",
            "prices",
            "ExpectColumnValuesToBeBetween",
            {"column": "amount", "min_value": 0, "strict_min": True},
            "price",
            "warning",
            "a price is zero: markets selling in its currency set the product aside",
        ),
        CatalogRule(
            "title_present",
            "products",
            "ExpectColumnValuesToNotBeNull",
            {"column": "title"},
            "title",
            "error",
            "the product has no title in any language",
        ),
        CatalogRule(
            "description_present",
            "products",
            "ExpectColumnValuesToNotBeNull",
            {"column": "description_length"},
            "description",
            "warning",
            "no description in the catalog's source locale: channels that require one "
            "set the product aside unless a translation gives it one",
        ),
        CatalogRule(
            "description_short",
            "products",
            "ExpectColumnValuesToBeBetween",
            {"column": "description_length", "min_value": MIN_DESCRIPTION_LENGTH},
            "description",
            "warning",
            f"the description has fewer than {MIN_DESCRIPTION_LENGTH} characters of text",
        ),
        CatalogRule(
            "image_link_absolute",
            "images",
            "ExpectColumnValuesToMatchRegex",
            {"column": "image_link", "regex": ABSOLUTE_HTTP_URL},
            "image_link",
            "warning",
            "an image link is not an absolute http(s) URL",
        ),
        CatalogRule(
            "unit_allowed",
            "quantities",
            "ExpectColumnValuesToBeInSet",
            {"column": "unit", "value_set": sorted(UNIT_CODES)},
            "unit",
            "error",
            "a quantity's unit is not one the pipeline converts",
        ),
        CatalogRule(
            "quantity_positive",
            "quantities",
            "ExpectColumnValuesToBeBetween",
            {"column": "value", "min_value": 0, "strict_min": True},
            "weight/dimensions",
            "warning",
            "a weight or dimension is zero",
        ),
    )
