"""Overrides: a file the data team owns that changes named listings of one market's
channel without a code change (Google's "supplemental data source", Channable's and
Productsup's per-item edits).

The file is a spreadsheet saved as CSV, one row per product and one column per field
(the "wide" layout: what a person fills in a spreadsheet without repeating the sku):

    sku,title,price,availability,exclude,custom_label_0,promotion_id
    BF-DAYPACK-20-BLK,Rucksack Daypack 20 l – Sonderedition,49.90,,,sommer,SUMMER24
    BF-HIKE-OLD,,,,yes,,

An empty cell changes nothing. Excel's exports are read as they come: a UTF-8 byte order
mark, ``;`` as the separator (the list separator of German and French Excel) and a decimal
comma in prices (``49,90``). What the file names wrongly (an unknown column, a value a
field cannot take, a sku no listing has) is a finding; the run goes on.

Prices are shelf prices in the market's currency (gross where the market shows VAT) and
go through the market's rounding (`market_price`): minor units, the price ending, cash
rounding, as `transforms.pricing.money.Pricer` rounds a catalog price.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final, Literal, get_args

from schemas.findings import Finding, shorten
from schemas.product import AVAILABILITY_VALUES, Money
from transforms.pricing.money import (
    apply_ending,
    cash_increment,
    minor_unit_exponent,
    unit_price,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.config.market import Market
    from schemas.listing import Listing

OverrideField = Literal[
    "title",
    "description",
    "price",
    "availability",
    "exclude",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
    "promotion_id",
]
"""The fields an overrides file may set. ``custom_label_0..4`` and ``promotion_id`` are
Google's (support.google.com/merchants answers 6324473 and 7050148, read 2026-12-07):
other channels carry them in the listing's attributes and ignore them."""

OVERRIDE_FIELDS: Final = frozenset(get_args(OverrideField))
ATTRIBUTE_FIELDS: Final = frozenset(
    {"custom_label_0", "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4"}
    | {"promotion_id"}
)
"""Fields kept in ``Listing.attributes`` under their own name."""
CUSTOM_LABEL_LIMIT: Final = 100
"""Google: a custom label holds at most 100 characters (answer 6324473)."""
PROMOTION_ID_LIMIT: Final = 50
"""Google: a promotion id holds at most 50 characters (answer 7050148)."""
_YES: Final = frozenset({"1", "yes", "true", "y", "x", "ja", "oui"})
_NO: Final = frozenset({"0", "no", "false", "n", "nein", "non"})


@dataclass(frozen=True, slots=True)
class Override:
    """One cell of the file: ``field`` of ``sku`` set to ``value`` (row: the file's line)."""

    sku: str
    field: OverrideField
    value: str
    row: int
    origin: str | None = None
    """Where the value comes from when not a row of the file (a rule: ``rule 'x' at line
    3``, `transforms.feed_rules`)."""

    @property
    def where(self) -> str:
        return self.origin or f"row {self.row}"


@dataclass
class OverrideTable:
    """An overrides file as read: per sku its cells in the file's column order, and the
    findings about the file itself (unknown columns, unreadable rows)."""

    source: str
    by_sku: dict[str, list[Override]] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)


def read_overrides(text: str, source: str, market: str, channel: str) -> OverrideTable:
    """The overrides of ``text`` (a CSV file's content, ``source`` its name for findings).

    >>> text = "\\ufeffsku;price;colour\\nA-1;49,90;red\\n"
    >>> table = read_overrides(text, "fr.csv", "FR", "google")
    >>> [(o.sku, o.field, o.value, o.row) for o in table.by_sku["A-1"]]
    [('A-1', 'price', '49,90', 2)]
    >>> [(f.rule, f.field) for f in table.problems]
    [('override_unknown_field', 'colour')]
    """
    table = OverrideTable(source)
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().casefold() for name in next(rows, [])]
    if "sku" not in header:
        table.problems.append(
            _problem(market, channel, None, "(file)", "override_file_unreadable",
                     f"{source} has no sku column (its first line is the header: sku and the "
                     f"fields to change, {', '.join(sorted(OVERRIDE_FIELDS))})")
        )  # fmt: skip
        return table
    sku_at = header.index("sku")
    columns: list[tuple[int, OverrideField]] = []
    for at, name in enumerate(header):
        if at == sku_at or not name:
            continue
        if name in OVERRIDE_FIELDS:
            columns.append((at, name))  # type: ignore[arg-type]  # checked just above
        else:
            table.problems.append(
                _problem(market, channel, None, name, "override_unknown_field",
                         f"{source}: column {name!r} is no field an override can set (the "
                         f"fields: {', '.join(sorted(OVERRIDE_FIELDS))}); the column is ignored",
                         name)
            )  # fmt: skip
    for line, row in enumerate(rows, start=2):
        sku = row[sku_at].strip() if len(row) > sku_at else ""
        if not sku:
            continue  # an empty line of the spreadsheet
        for at, name in columns:
            value = row[at].strip() if len(row) > at else ""
            if value:
                table.by_sku.setdefault(sku, []).append(Override(sku, name, value, line))
    return table


def market_price(amount: Decimal, market: Market) -> tuple[Money, str]:
    """``amount`` in the market's currency as the market rounds a price: half up to minor
    units, its price ending, its cash rounding (`transforms.pricing.money.Pricer` steps
    5 to 7); and the steps for people.

    >>> from schemas.config.market import Market
    >>> pl = Market(code="PL", country="PL", locale="pl_PL", currency="PLN", price_ending="99",
    ...     channels=["google"], product_url="https://x.example/{sku}")
    >>> market_price(Decimal("49.5"), pl)
    (Money(amount=Decimal('49.99'), currency='PLN'), 'rounded 49.50; ending .99 49.99')
    """
    quantum = minor_unit_exponent(market.currency)
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    steps = [f"rounded {rounded}"]
    ended = apply_ending(rounded, market.currency, market.price_ending)
    if ended != rounded:
        label = "whole" if market.price_ending == "whole" else f"ending .{market.price_ending}"
        steps.append(f"{label} {ended}")
    final = ended
    if market.cash_rounding:
        step = cash_increment(market.currency)
        final = ((ended / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(
            quantum
        )
        if final != ended:
            steps.append(f"cash rounding to {step}: {final}")
    return Money(final, market.currency), "; ".join(steps)


@dataclass
class Applied:
    """What the overrides did to one listing: the listing as it goes on (None: excluded
    from the channel), the findings, the price row for ``prices.csv`` when the price
    was overridden (sku, market, price, currency, unit price, how), and the overrides that
    took effect, each with its ``override_applied`` finding, in the order they applied (a
    later one's value over an earlier one's)."""

    listing: Listing | None
    findings: list[Finding]
    price_row: tuple[str, ...] | None = None
    applied: list[tuple[Override, Finding]] = field(default_factory=list)


def apply_overrides(
    listing: Listing, overrides: Iterable[Override], market: Market, channel: str, source: str
) -> Applied:
    """``listing`` with its ``overrides`` applied, each applied one an ``override_applied``
    finding (severity info) with the old and the new value; a value a field cannot take is
    an ``override_invalid_value`` warning and changes nothing. An excluded listing also gets
    an ``excluded_by_override`` error, under which the channel counts it as set aside."""
    changes: dict[str, object] = {}
    attributes = dict(listing.attributes)
    findings: list[Finding] = []
    took_effect: list[tuple[Override, Finding]] = []
    price_row = None
    excluded = False

    def applied(item: Override, old: object, new: object) -> None:
        finding = _problem(market.code, channel, listing.sku, item.field, "override_applied",
                           f"{item.field} set by {source} {item.where}: {shorten(old)!r} -> "
                           f"{shorten(new)!r}", new, severity="info")  # fmt: skip
        took_effect.append((item, finding))
        findings.append(finding)

    def invalid(item: Override, why: str) -> None:
        findings.append(
            _problem(market.code, channel, listing.sku, item.field, "override_invalid_value",
                     f"{source} {item.where}: {item.field} {item.value!r} {why}; the "
                     f"{item.field} stays as it was", item.value)
        )  # fmt: skip

    for item in overrides:
        if item.field in ("title", "description"):
            applied(item, getattr(listing, item.field), item.value)
            changes[item.field] = item.value
        elif item.field == "price":
            amount = _decimal(item.value)
            if amount is None or amount <= 0:
                invalid(item, "is not a positive amount (49.90 or 49,90)")
                continue
            price, steps = market_price(amount, market)
            old = listing.price
            applied(item, f"{old.amount} {old.currency}", f"{price.amount} {price.currency}")
            changes["price"] = price
            how = (
                f"{channel}: set by {source} {item.where}: {market.currency} {item.value}; "
                f"{steps} (the catalog's {old.amount} stays in the market's other channels)"
            )
            changes["price_note"] = how
            per_unit = unit_price(price, listing.net_content) if listing.net_content else None
            if per_unit is not None:
                changes["unit_price_text"] = per_unit.text(market.locale)
            price_row = (
                listing.sku,
                market.code,
                str(price.amount),
                price.currency,
                per_unit.text(market.locale) if per_unit else "",
                how,
            )
        elif item.field == "availability":
            value = item.value.casefold().replace(" ", "_")
            if value not in AVAILABILITY_VALUES:
                invalid(item, f"is not one of {', '.join(sorted(AVAILABILITY_VALUES))}")
                continue
            applied(item, listing.availability, value)
            changes["availability"] = value
        elif item.field == "exclude":
            flag = item.value.casefold()
            if flag not in _YES | _NO:
                invalid(item, "is not yes or no")
                continue
            if flag in _YES:
                applied(item, "no", "yes")
                findings.append(
                    _problem(market.code, channel, listing.sku, "exclude",
                             "excluded_by_override", f"excluded from {channel} in "
                             f"{market.code} by {source} {item.where}", severity="error")
                )  # fmt: skip
                excluded = True
        else:  # Google's custom labels and promotion id
            limit = PROMOTION_ID_LIMIT if item.field == "promotion_id" else CUSTOM_LABEL_LIMIT
            if len(item.value) > limit:
                invalid(item, f"is longer than the {limit} characters Google takes")
                continue
            applied(item, attributes.get(item.field, ""), item.value)
            attributes[item.field] = item.value
    if attributes != listing.attributes:
        changes["attributes"] = attributes
    # Texts and titles prepared for the unchanged listing no longer hold (`feeds.prepared`).
    changed = replace(listing, **changes, prepared=None) if changes else listing  # type: ignore[arg-type]
    return Applied(None if excluded else changed, findings, price_row, took_effect)


def unknown_skus(
    table: OverrideTable, seen: Iterable[str], market: str, channel: str
) -> list[Finding]:
    """An ``override_unknown_sku`` warning per sku of the file that no listing of the
    channel had (not in the catalog, or set aside before the channel's feed)."""
    left = sorted(set(table.by_sku) - set(seen))
    return [
        _problem(market, channel, sku, "sku", "override_unknown_sku",
                 f"{table.source} row {table.by_sku[sku][0].row} names sku {sku}, which no "
                 f"{channel} listing in {market} has (not in the catalog, or set aside before "
                 "the feed): nothing was changed", sku)
        for sku in left
    ]  # fmt: skip


def _decimal(text: str) -> Decimal | None:
    """A price as a person types it: ``49.90``, ``49,90`` or ``1.049,90``."""
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _problem(
    market: str,
    channel: str,
    sku: str | None,
    name: str,
    rule: str,
    message: str,
    value: object = None,
    *,
    severity: Literal["error", "warning", "info"] = "warning",
) -> Finding:
    return Finding(
        stage="feed",
        severity=severity,
        sku=sku,
        market=market,
        channel=channel,
        field=name,
        rule=rule,
        message=message,
        value=None if value is None else shorten(value),
    )
