"""The catalog's own settings applied after every reader: column mapping, defaults, one axis
vocabulary, images, spreadsheet-mangled GTINs and zero weights (`transforms.catalog.settings`)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from schemas.catalog_rules import configured_rules
from schemas.config.catalog import CatalogSource
from schemas.config.pipeline import RuleSetting, Validation
from schemas.findings import Finding
from schemas.product import Money, Product, Quantity
from transforms.catalog.settings import apply_catalog_settings
from transforms.catalog.values import RowContext, parse_bare_quantity

if TYPE_CHECKING:
    from typing import Any


def _source(**settings: Any) -> CatalogSource:
    return CatalogSource(format="csv", path="catalog.csv", **settings)


def _apply(product: Product, **settings: Any) -> tuple[Product, list[Finding]]:
    items = list(apply_catalog_settings([product], _source(**settings)))
    found = [i for i in items if isinstance(i, Finding)]
    (applied,) = [i for i in items if isinstance(i, Product)]
    return applied, found


def test_a_mapped_column_fills_the_field_whatever_the_case_of_its_name() -> None:
    product = Product(sku="S1", attributes={"Vendor": "Nordquell", "Hersteller-Nr": "NQ-7"})
    applied, found = _apply(product, columns={"brand": "vendor", "mpn": "hersteller nr"})
    assert (applied.brand, applied.mpn, found) == ("Nordquell", "NQ-7", [])


def test_defaults_fill_only_what_the_product_lacks() -> None:
    with_brand = Product(sku="S1", brand="Own", condition="used")
    without = Product(sku="S2")
    defaults = {"brand": "House", "condition": "refurbished", "country_of_origin": "DE"}
    kept, _ = _apply(with_brand, defaults=defaults)
    filled, _ = _apply(without, defaults=defaults)
    assert (kept.brand, kept.condition) == ("Own", "used")
    assert (filled.brand, filled.condition) == ("House", "refurbished")
    assert filled.attributes["country_of_origin"] == "DE"


def test_variant_axes_and_attributes_agree_whatever_their_spelling() -> None:
    variant = Product(
        sku="TEE-S-RED",
        group="tee",
        varies_by=["Colour", "Größe"],
        attributes={"Color": "Red", "size": "S", "Fabric Weight": "180 g/m2"},
    )
    applied, _ = _apply(variant)
    assert applied.varies_by == ["color", "size"]
    assert applied.attributes == {"color": "Red", "size": "S", "fabric_weight": "180 g/m2"}


def test_relative_images_get_the_base_url_and_unusable_links_are_dropped_with_a_warning() -> None:
    product = Product(
        sku="MH01",
        image_links=["/m/h/mh01-black_main.jpg", "//cdn.shop.example/a.jpg", "ftp://x/y.jpg"],
    )
    applied, found = _apply(product, asset_base_url="https://media.shop.example/catalog/product")
    assert applied.image_links == [
        "https://media.shop.example/catalog/product/m/h/mh01-black_main.jpg",
        "https://cdn.shop.example/a.jpg",
    ]
    assert [(f.sku, f.rule, f.value) for f in found] == [
        ("MH01", "image_link_dropped", "ftp://x/y.jpg")
    ]
    no_base, found = _apply(Product(sku="MH02", image_links=["/m/h/a.jpg"]))
    assert no_base.image_links == []
    assert [f.rule for f in found] == ["relative_image_link"]
    assert "asset_base_url" in found[0].message


def test_a_gtin_in_scientific_notation_names_the_spreadsheet_and_is_dropped() -> None:
    applied, found = _apply(Product(sku="S1", gtin="3.65275E+11"))
    assert applied.gtin is None
    (finding,) = found
    assert (finding.field, finding.rule, finding.severity) == (
        "gtin",
        "gtin_scientific_notation",
        "warning",
    )
    assert "spreadsheet" in finding.message and "as text" in finding.message
    float_like, found = _apply(Product(sku="S2", gtin="4006381333931.0"))
    assert (float_like.gtin, found) == ("4006381333931", [])


def test_a_zero_weight_is_dropped_with_a_warning_not_a_quarantine() -> None:
    product = Product(
        sku="S1",
        weight=Quantity(Decimal("0"), "g"),
        length=Quantity(Decimal("12"), "cm"),
        prices={"EUR": Money(Decimal("5"), "EUR")},
    )
    applied, found = _apply(product)
    assert (applied.weight, applied.length) == (None, Quantity(Decimal("12"), "cm"))
    assert [(f.field, f.rule, f.severity) for f in found] == [
        ("weight", "quantity_zero_dropped", "warning")
    ]


def test_units_as_merchants_write_them() -> None:
    assert parse_bare_quantity(".5", "lbs") == Quantity(Decimal("0.5"), "lb")
    assert parse_bare_quantity("1", "kgs") == Quantity(Decimal("1"), "kg")
    assert parse_bare_quantity("250", "grams") == Quantity(Decimal("250"), "g")
    context = RowContext(3, "S1")
    assert context.number("weight", parse_bare_quantity, "2", None) is None
    assert [(f.row, f.field, f.rule) for f in context.findings] == [
        (3, "weight", "unit_unknown_for_number")
    ]


def test_rule_severity_and_market_scope_come_from_the_config() -> None:
    severities = {r.rule: r.severity for r in configured_rules({"brand_present": "error"})}
    assert severities["brand_present"] == "error"
    assert "description_short" not in {
        r.rule for r in configured_rules({"description_short": "off"})
    }
    validation = Validation(rules={"gtin_check_digit": RuleSetting(markets=["DE"])})
    quarantine = {"A": ["gtin_check_digit"], "B": ["sku_unique", "gtin_check_digit"]}
    assert validation.quarantine_in(quarantine, "DE") == quarantine
    assert validation.quarantine_in(quarantine, "FR") == {"B": ["sku_unique"]}
    assert validation.quarantined_everywhere(quarantine) == {
        "B": ["sku_unique", "gtin_check_digit"]
    }
