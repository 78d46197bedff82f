"""bol.com offers: EAN, EUR and country rules, stock, delivery promise, the file check.

The golden file, hostile text and markup cases run for bol with every other channel in
``test_channels.py`` and ``test_hostile_text.py``.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from feeds.bol import BolOffers
from feeds.contract import WriterContext
from schemas.config.channels.bol import BolChannel, DeliveryPromise
from schemas.product import Money
from tests.unit.feeds.test_channels import CONFIG, listing, market_for, write

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.findings import Finding
    from schemas.listing import Listing

NL = market_for("bol")
BOL = CONFIG.channels["bol"]
assert isinstance(BOL, BolChannel)


def offers(
    items: list[Listing], market: Market = NL, channel: BolChannel = BOL
) -> tuple[list[dict[str, Any]], list[list[Finding]]]:
    data, findings = write("bol", market, items, WriterContext(channel=channel))
    return [json.loads(line) for line in data.splitlines()], findings


def errors(found: list[Finding]) -> set[str]:
    return {f.rule for f in found if f.severity == "error"}


@pytest.mark.parametrize(
    ("gtin", "rule"),
    [
        (None, "missing_gtin"),
        ("", "missing_gtin"),
        ("4260990000016", "invalid_gtin"),  # check digit 6, GS1 computes 5
        ("42609900000", "invalid_gtin"),  # 11 digits
        ("426099000001X", "invalid_gtin"),
        ("14260990000012", "invalid_gtin"),  # a valid GTIN-14 of a case, not an item
    ],
)
def test_an_offer_without_a_valid_ean_is_left_out(gtin: str | None, rule: str) -> None:
    written, [found, _] = offers([listing(NL, gtin=gtin), listing(NL, sku="GZ-OK")])
    assert rule in errors(found)
    assert [o["reference"] for o in written] == ["GZ-OK"]


@pytest.mark.parametrize(
    ("gtin", "ean"),
    [("012345678905", "0012345678905"), ("96385074", "0000096385074"),
     ("04260990000015", "4260990000015")],
)  # fmt: skip
def test_other_gtin_lengths_go_out_as_the_ean_they_equal(gtin: str, ean: str) -> None:
    [offer], [found] = offers([listing(NL, gtin=gtin)])
    assert offer["ean"] == ean and errors(found) == set()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "PL", "currency": "PLN"}, "market PL: bol.com takes prices in EUR"),
        ({"prices_include_vat": False}, "include VAT"),
        ({"code": "DE", "country": "DE"}, "market DE: bol.com sells in BE, NL only, not in DE"),
    ],
)  # fmt: skip
def test_a_market_bol_cannot_serve_is_refused_at_the_start(
    changes: dict[str, object], message: str
) -> None:
    market = NL.model_copy(update=changes)
    writer = BolOffers(
        io.BytesIO(), market, WriterContext(channel=BOL.model_copy(update={"countries": []}))
    )
    with pytest.raises(ValueError, match=message):
        writer.write_header()


def test_countries_outside_bol_and_a_missing_delivery_promise_are_refused() -> None:
    for channel, message in (
        (BOL.model_copy(update={"countries": ["NL", "DE"]}), "not in DE"),
        (BOL.model_copy(update={"delivery_promise": None}), "need a delivery promise"),
    ):
        with pytest.raises(ValueError, match=message):
            BolOffers(io.BytesIO(), NL, WriterContext(channel=channel)).write_header()
    with pytest.raises(ValueError, match=r"market NL: .*delivery promise"):
        BolOffers(io.BytesIO(), NL).write_header()


@pytest.mark.parametrize("amount", ["0.99", "0.00", "9999.01", "12500"])
def test_a_price_outside_bols_bounds_is_left_out(amount: str) -> None:
    written, [found] = offers([listing(NL, price=Money(Decimal(amount), "EUR"))])
    assert written == [] and errors(found) == {"price_out_of_range"}


def test_prices_are_eur_with_two_decimals_including_vat() -> None:
    items = [listing(NL, price=Money(Decimal("1"), "EUR")),
             listing(NL, sku="B", price=Money(Decimal("9999"), "EUR")),
             listing(NL, sku="C", price=Money(Decimal("12.345"), "EUR"))]  # fmt: skip
    written, _ = offers(items)
    data, _ = write("bol", NL, items, WriterContext(channel=BOL))
    assert [o["pricing"]["bundlePrices"] for o in written] == [
        [{"quantity": 1, "unitPrice": 1}],
        [{"quantity": 1, "unitPrice": 9999}],
        [{"quantity": 1, "unitPrice": 12.35}],  # half up
    ]
    assert b'"unitPrice":1.00}' in data and b'"unitPrice":12.35}' in data


def test_stock_comes_from_the_catalog_else_the_default_and_is_zero_when_out() -> None:
    items = [listing(NL, sku="COUNTED", quantity=3),
             listing(NL, sku="UNCOUNTED"),
             listing(NL, sku="GONE", quantity=7, availability="out_of_stock"),
             listing(NL, sku="LATER", availability="backorder")]  # fmt: skip
    written, _ = offers(items, channel=BOL.model_copy(update={"default_quantity": 4}))
    assert [(o["reference"], o["stock"]) for o in written] == [
        ("COUNTED", {"amount": 3, "managedByRetailer": True}),
        ("UNCOUNTED", {"amount": 4, "managedByRetailer": True}),
        ("GONE", {"amount": 0, "managedByRetailer": True}),
        ("LATER", {"amount": 0, "managedByRetailer": True}),
    ]


def test_the_offer_carries_the_configured_fulfilment_countries_and_operator() -> None:
    channel = BOL.model_copy(
        update={
            "countries": [],
            "economic_operator_id": "0c6573a2-a80c-48b7-a03e-d5929f1173ff",
            "delivery_promise": DeliveryPromise(schedule="MY_DELIVERY_PROMISE"),
        }
    )
    [offer], _ = offers([listing(NL)], channel=channel)
    assert offer["countryAvailabilities"] == [{"countryCode": "NL"}]
    assert offer["fulfilment"] == {"method": "FBR", "schedule": "MY_DELIVERY_PROMISE"}
    # The product's own operator (nordquell, bol_economic_operator_id in the sample config)
    # wins over the channel's; test_bol_operators.py covers the fallback.
    assert offer["economicOperatorId"] == "00000000-0000-4000-b000-000000000101"
    assert offer["condition"] == {"category": "NEW"} and offer["onHoldByRetailer"] is False


def test_a_long_title_is_shortened_to_bols_500_characters() -> None:
    [offer], [found] = offers([listing(NL, title="Nordquell Trail Bottle " + "sehr " * 150)])
    assert len(offer["unknownProductTitle"]) <= 500
    assert offer["unknownProductTitle"].startswith("Nordquell Trail Bottle sehr")
    assert "title_shortened" in {f.rule for f in found}


@pytest.mark.parametrize(
    "settings",
    [
        {"schedule": "BOL_DELIVERY_PROMISE", "minimum_days": 2, "maximum_days": 1},
        {"schedule": "BOL_DELIVERY_PROMISE", "minimum_days": 1},
        {"schedule": "BOL_DELIVERY_PROMISE", "ultimate_order_time": "22:00"},
        {"schedule": "BOL_DELIVERY_PROMISE", "minimum_days": 0, "maximum_days": 1,
         "ultimate_order_time": "24:00"},
        {"schedule": "NEXT_DAY"},
    ],
)  # fmt: skip
def test_a_delivery_promise_bol_would_not_take_is_a_config_error(
    settings: dict[str, object],
) -> None:
    with pytest.raises(ValidationError):
        DeliveryPromise.model_validate(settings)


def test_the_file_check_trusts_only_offers_the_writer_checked(tmp_path: Path) -> None:
    context = WriterContext(channel=BOL)
    data, _ = write("bol", NL, [listing(NL, sku=f"SKU-{n}") for n in range(3)], context)
    path = tmp_path / "bol.jsonl"
    path.write_bytes(data)
    cls = BolOffers
    assert len(context.checked) == 3 and cls.check_file(path, context.checked) == []
    for good, bad in (
        (b'"unitPrice":24.90', b'"unitPrice":24.901'),
        (b'"countryCode":"BE"', b'"countryCode":"DE"'),
        (b'"ean":"4260990000015"', b'"ean":"426099000001"'),
        (b'"condition":{"category":"NEW"}', b'"condition":{"category":"USED"}'),
        (b'"managedByRetailer":true}', b'"managedByRetailer":"yes"}'),
    ):
        assert good in data, good
        path.write_bytes(data.replace(good, bad, 1))
        assert any(p.startswith("line 1: ") for p in cls.check_file(path, context.checked)), bad
    path.write_bytes(data.replace(b"\n", b"\n{", 1))
    assert cls.check_file(path, context.checked)[0].startswith("line 2: not JSON")
