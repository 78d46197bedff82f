"""Shopify's product CSV: Shopify's own sample files of both header generations, a real
store's export, and hostile rows, each with what the reader must make of it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog
from schemas.config.catalog import CatalogSource
from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from tests.conftest import CASES
from tests.unit.transforms.catalog.catalog_items import by_sku, csv_rows
from transforms.catalog.files import CatalogFileError
from transforms.catalog.shopify.reader import read_shopify

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from schemas.findings import Finding

SHOPIFY = CASES / "catalog" / "shopify"
TEMPLATE_2024 = SHOPIFY / "product_template_2024.csv"
TEMPLATE_2023 = SHOPIFY / "product_template_2023.csv"
PACKT = SHOPIFY / "packt_demo_store_export.csv"


def source(path: Path, **settings: Any) -> CatalogSource:
    return CatalogSource(format="shopify", path=str(path), currency="USD", **settings)


def read(path: Path, **settings: Any) -> tuple[dict[str, Product], list[Finding]]:
    return by_sku(read_shopify(path, source(path, **settings)))


def summary(findings: Iterable[Finding]) -> list[tuple[int | None, str | None, str, str, str]]:
    return [(f.row, f.sku, f.field, f.rule, f.severity) for f in findings]


# --- Shopify's sample files and a real store's export ----------------------------------------


def test_template_2024_reads_every_variant_of_both_products() -> None:
    products, findings = read(TEMPLATE_2024)
    rows = csv_rows(TEMPLATE_2024)
    assert len(rows) == 15 and len(products) == 15  # every row is a variant
    groups = {p.group for p in products.values()}
    assert groups == {
        "physical-product-the-band-t-shirt",
        "digital-product-the-history-of-rock-music",
    }
    shirt = products["TheBandTShirt-SG"]
    assert shirt.title == {ANY_LOCALE: "Physical Product “The Band” T-Shirt"}
    assert shirt.description[ANY_LOCALE].startswith("Celebrate the timeless legacy")
    assert shirt.brand == "Harmony Threads"
    assert shirt.categories == ["Apparel & Accessories > Clothing > Clothing Tops > T-Shirts"]
    # Price 19.99 under a compare-at price of 24.99: on sale, regularly 24.99.
    assert shirt.prices == {"USD": Money(Decimal("24.99"), "USD")}
    assert shirt.sale_prices == {"USD": SalePrice(Decimal("19.99"), "USD")}
    assert shirt.weight == Quantity(Decimal("150"), "g")
    assert shirt.gtin == "5784397765"
    assert shirt.varies_by == ["Size", "Color"]
    assert (shirt.attributes["Size"], shirt.attributes["Color"]) == ("Small", "green")
    assert shirt.attributes["stock"] == "47"
    assert shirt.image_links == ["https://burst.shopifycdn.com/photos/forest-hiker.jpg?width=1000"]
    assert shirt.condition == "new"  # Google Shopping / Condition: New
    assert products["TheBandTShirt-XR"].weight == Quantity(Decimal("200"), "g")
    # Each variant's MPN is its own; a variant without one does not borrow the first's.
    assert products["TheBandTShirt-SR"].mpn == "TSH-12345-RED-S"
    assert products["TheBandTShirt-SA"].mpn is None
    ebook = products["HRM-EBK-KND"]
    assert ebook.gtin == "978-1-98765-432-1"  # as the file writes it, checked later
    assert ebook.varies_by == ["Format"] and ebook.attributes["Format"] == "Kindle"
    assert ebook.sale_prices["USD"].amount == Decimal("9.99")
    assert "stock" not in ebook.attributes  # untracked, no quantity given
    # The two Tax codes (Avalara's 20010, A9277) are not VAT classes until mapped.
    assert summary(findings) == [
        (2, "TheBandTShirt-SA", "Tax code", "unknown_tax_class", "warning"),
        (13, "HRM-EBK-PDF", "Tax code", "unknown_tax_class", "warning"),
    ]


def test_template_2024_tax_codes_through_tax_classes() -> None:
    products, findings = read(TEMPLATE_2024, tax_classes={"20010": "standard", "A9277": "books"})
    assert findings == []
    assert products["HRM-EBK-PDF"].tax_class == "books"
    assert products["HRM-EBK-AUD"].tax_class == "standard"  # its row names no tax code


def test_template_2023_classic_header_variants_image_rows_and_status() -> None:
    products, findings = read(TEMPLATE_2023)
    rows = csv_rows(TEMPLATE_2023)
    image_only = [r for r in rows if not r["Variant SKU"] and r["Image Src"]]
    assert len(rows) == 17 and len(image_only) == 1
    assert len(products) + len(image_only) == len(rows) and findings == []
    shirts = [p for p in products.values() if p.group == "example-shirt"]
    assert len(shirts) == 12
    assert {(p.attributes["Color"], p.attributes["Size"]) for p in shirts} == {
        (color, size) for color in ("Green", "Blue", "Gray", "Purple") for size in "SML"
    }
    assert all(p.varies_by == ["Color", "Size"] for p in shirts)
    # The first row's product columns hold for every variant.
    assert {p.attributes["Tags"] for p in shirts} == {"Made to Order, Shirt Tag"}
    assert {p.attributes["SEO Title"] for p in shirts} == {"Example T-Shirt | Test Store"}
    # A variant's own image comes first, then the product's images by position.
    blue = products["SRT_COT_211"]
    assert (
        blue.image_links[0]
        == "https://burst.shopifycdn.com/photos/cobalt-blue-t-shirt.jpg?width=1500"
    )
    assert blue.image_links[1] == "https://burst.shopifycdn.com/photos/tshirts.jpg?width=1500"
    assert len(blue.image_links) == 6
    jeans = products["PNT_DEN_285"]
    # Variant Grams is grams whatever the display unit (oz).
    assert jeans.weight == Quantity(Decimal("226.796185"), "g")
    assert jeans.attributes["Variant Weight Unit"] == "oz"
    # A compare-at price below the price is no sale.
    assert jeans.prices == {"USD": Money(Decimal("95"), "USD")} and jeans.sale_prices == {}
    assert jeans.enabled is False  # draft, not published
    assert len(jeans.image_links) == 4  # the image-only row's picture too
    assert jeans.image_links[-1].startswith("https://burst.shopifycdn.com/photos/")
    beanie = products["HAT_GRY_275"]
    assert beanie.group is None and beanie.varies_by == []  # Title: Default Title
    assert "Title" not in beanie.attributes
    assert beanie.enabled is False  # archived
    assert beanie.condition == "refurbished"
    assert beanie.mpn == "122327648356"
    assert beanie.sale_prices["USD"] == SalePrice(Decimal("17.99"), "USD")
    assert beanie.prices["USD"].amount == Decimal("22.99")
    assert beanie.attributes["stock"] == "50"
    assert beanie.attributes["Included / United States"] == "FALSE"  # a market, kept as said
    assert products["SRT_COT_111"].availability == "in_stock"  # 0 on hand but not tracked


def test_real_store_export_without_skus_names_each_variant() -> None:
    """Packt's demo store never set a SKU: every variant is reported, none invented."""
    products, findings = read(PACKT)
    rows = csv_rows(PACKT)
    assert products == {} and len(findings) == len(rows) == 21
    assert {f.rule for f in findings} == {"missing_sku"}
    assert {f.severity for f in findings} == {"error"}
    gloves = [f for f in findings if f.value == "gardening-gloves"]
    assert [f.row for f in gloves] == [20, 21]
    assert "Color Yellow" in gloves[1].message
    assert findings[0].message.startswith("the variant of 'floor-lamp' has no SKU")


def test_read_catalog_applies_the_merchants_settings() -> None:
    products = [
        item
        for item in read_catalog(
            CatalogSource(
                format="shopify",
                path=str(SHOPIFY / "no_vendor_relative_image.csv"),
                currency="EUR",
                defaults={"brand": "Nordwolle"},
                asset_base_url="https://cdn.example.com/shop/",
            )
        )
        if isinstance(item, Product)
    ]
    assert [p.sku for p in products] == ["SCARF-GREY", "SCARF-NAVY"]
    for product in products:
        assert product.brand == "Nordwolle"
        assert product.varies_by == ["color", "size"]  # Shopify's option names Colour, Size
        assert {"color", "size"} <= set(product.attributes)
        assert product.prices == {"EUR": Money(Decimal("35.00"), "EUR")}
    assert products[1].image_links == [
        "https://cdn.example.com/shop/products/scarf-navy.jpg",
        "https://cdn.example.com/shop/products/scarf.jpg",
    ]
    assert products[1].attributes["color"] == "Navy"


def test_read_catalog_on_shopifys_sample() -> None:
    items = list(read_catalog(source(TEMPLATE_2023)))
    products = [p for p in items if isinstance(p, Product)]
    shirts = [p for p in products if p.group == "example-shirt"]
    assert all(p.varies_by == ["color", "size"] for p in shirts)
    assert all(p.attributes["color"] and p.attributes["size"] for p in shirts)
    assert {p.brand for p in products} == {"Acme"}  # Vendor is the brand


# --- Hostile rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "skus", "findings"),
    [
        (
            "variant_without_sku.csv",
            ["SOCK-L", "SOCK-S"],
            [(2, None, "Variant SKU", "missing_sku", "error")],
        ),
        (
            "price_not_a_number.csv",
            ["CUP-1", "MUG-1"],
            [(1, "MUG-1", "Variant Price", "not_a_number", "warning")],
        ),
        (
            "tax_code_not_mapped.csv",
            ["BOOK-1", "TEA-1"],
            [
                (1, "BOOK-1", "Variant Tax Code", "unknown_tax_class", "warning"),
                (2, "TEA-1", "Variant Tax Code", "unknown_tax_class", "warning"),
            ],
        ),
        (
            "row_with_too_few_fields.csv",
            ["PEN-BLUE", "PEN-RED"],
            [(2, "PEN-BLACK", "(row)", "wrong_field_count", "error")],
        ),
        (
            "bad_byte_in_a_variant_row.csv",
            ["KNIFE-M", "KNIFE-S"],
            [(2, "KNIFE-L", "Option1 Value", "invalid_encoding", "error")],
        ),
        (
            "rows_of_a_product_apart.csv",
            ["LAMP-B", "VASE-1"],
            [
                (3, "LAMP-W", "Handle", "variant_without_product_row", "error"),
                (4, None, "Handle", "variant_without_product_row", "error"),
            ],
        ),
        (
            "status_draft_archived_unpublished.csv",
            ["ST-ACTIVE", "ST-ARCHIVED", "ST-DRAFT", "ST-PAUSED", "ST-UNPUBLISHED"],
            [(5, "ST-PAUSED", "Status", "unknown_status", "warning")],
        ),
        (
            "inventory_quantities_and_policies.csv",
            ["K-BLACK", "K-BLUE", "K-GREEN", "K-RED", "K-STEEL"],
            [(5, "K-GREEN", "Variant Inventory Qty", "not_a_number", "warning")],
        ),
    ],
)
def test_hostile_rows_are_reported_and_the_rest_is_read(
    case: str, skus: list[str], findings: list[tuple[Any, ...]]
) -> None:
    products, found = read(SHOPIFY / case)
    assert sorted(products) == skus
    assert summary(found) == findings
    for finding in found:  # a sentence that names the row
        assert finding.message and finding.row is not None


def test_price_that_is_not_a_number_leaves_the_product_without_that_price() -> None:
    products, _ = read(SHOPIFY / "price_not_a_number.csv")
    assert products["MUG-1"].prices == {}
    assert products["MUG-1"].weight == Quantity(Decimal("350"), "g")
    assert products["CUP-1"].prices["USD"].amount == Decimal("7.50")


def test_a_missing_sku_names_the_product_and_its_options() -> None:
    _, [finding] = read(SHOPIFY / "variant_without_sku.csv")
    assert finding.message.startswith("the variant of 'trail-sock' (Size M) has no SKU")


def test_tax_codes_mapped_and_not_taxable_kept_apart() -> None:
    products, findings = read(
        SHOPIFY / "tax_code_not_mapped.csv",
        tax_classes={"P0000000": "books", "Reduced Rate": "food"},
    )
    assert findings == []
    assert products["BOOK-1"].tax_class == "books"
    tea = products["TEA-1"]
    assert tea.tax_class == "food"
    # Not taxable is no VAT class: said in an attribute, the class stays what it is.
    assert tea.attributes["taxable"] == "false"
    assert "taxable" not in products["BOOK-1"].attributes


def test_an_empty_axis_value_means_any() -> None:
    products, _ = read(SHOPIFY / "empty_axis_value_means_any.csv")
    red, blue = products["RJ-RED-M"], products["RJ-BLUE"]
    assert red.varies_by == ["Color", "Size"] and red.attributes["Size"] == "M"
    assert blue.group == red.group == "rain-jacket"
    assert blue.varies_by == ["Color"] and "Size" not in blue.attributes


def test_status_and_published_switch_products_off() -> None:
    products, _ = read(SHOPIFY / "status_draft_archived_unpublished.csv")
    assert {sku for sku, p in products.items() if p.enabled} == {"ST-ACTIVE", "ST-PAUSED"}


def test_stock_and_availability_follow_shopifys_inventory_policy() -> None:
    products, _ = read(SHOPIFY / "inventory_quantities_and_policies.csv")
    state = {sku: (p.availability, p.attributes.get("stock")) for sku, p in products.items()}
    assert state == {
        "K-STEEL": ("in_stock", "5"),
        "K-BLACK": ("out_of_stock", "0"),  # tracked, none left, deny
        "K-RED": ("backorder", "-2"),  # tracked, oversold, continue selling
        "K-BLUE": ("in_stock", "0"),  # not tracked: never runs out
        "K-GREEN": ("in_stock", None),  # 3.5 items is no quantity
    }


def test_barcode_loses_the_quote_shopify_writes_for_spreadsheets() -> None:
    products, _ = read(SHOPIFY / "barcode_quoted_for_spreadsheets.csv")
    assert products["WAX-1"].gtin == "0850064060027"


def test_padded_header_and_values_are_read() -> None:
    products, findings = read(SHOPIFY / "padded_header_and_values.csv")
    assert findings == []
    brownie = products["BROWNIE-1"]
    assert brownie.title == {ANY_LOCALE: "Brownie"} and brownie.brand == "Bakery"
    assert brownie.prices["USD"].amount == Decimal("4.00")
    assert brownie.image_links == ["https://cdn.shopify.com/brownie.png"]


def test_texts_go_under_the_catalogs_locale() -> None:
    products, _ = read(SHOPIFY / "barcode_quoted_for_spreadsheets.csv", locale="en_US")
    assert products["WAX-1"].title == {"en_US": "Mustache Wax"}
    assert products["WAX-1"].description == {"en_US": "<p>Mustache Wax</p>"}


# --- Shopify Markets ------------------------------------------------------------------------------


def test_market_prices_in_the_countrys_currency() -> None:
    products, findings = read(SHOPIFY / "market_prices.csv")
    dotted, grid = products["NB-A5-DOT"], products["NB-A5-GRID"]
    # Germany is a country: its prices are euros; 11.00 under a compare-at of 13.00 is a sale.
    assert dotted.prices == {
        "USD": Money(Decimal("12.00"), "USD"),
        "EUR": Money(Decimal("13.00"), "EUR"),
    }
    assert dotted.sale_prices == {"EUR": SalePrice(Decimal("11.00"), "EUR")}
    assert grid.prices["EUR"] == Money(Decimal("11.50"), "EUR")
    # "International" is no country: reported once, not guessed; United States' 12.50
    # contradicts the USD price the product already has.
    assert summary(findings) == [
        (1, "NB-A5-DOT", "Price / International", "market_currency_unknown", "warning"),
        (2, "NB-A5-GRID", "Price / United States", "market_price_conflict", "warning"),
    ]
    assert grid.prices["USD"].amount == Decimal("12.00")
    assert (dotted.availability, grid.availability) == ("backorder", "out_of_stock")
    assert dotted.mpn == "PW-A5-D" and dotted.condition == "new"
    assert dotted.weight == Quantity(Decimal("180"), "g")


def test_a_market_named_in_the_stores_language() -> None:
    path = SHOPIFY / "market_named_in_the_store_language.csv"
    products, findings = read(path, locale="ru_RU")
    assert findings == []
    belt = products["BELT-M"]
    assert belt.prices["UAH"] == Money(Decimal("1800.00"), "UAH")  # Украина: Ukraine
    assert belt.sale_prices["UAH"] == SalePrice(Decimal("1500.00"), "UAH")
    assert belt.title == {"ru_RU": "Пояс"}
    assert belt.varies_by == ["Размер"]
    # Without Russian among the catalog's locales the name is not recognised, not guessed.
    _, english_only = read(path)
    assert [f.rule for f in english_only] == ["market_currency_unknown"]


# --- Files that are not Shopify exports ----------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("semicolon_delimited.csv", ["one column", "';'"]),
        ("not_a_shopify_export.csv", ["no Title column", "'Regular price'"]),
    ],
)
def test_files_that_cannot_be_shopify_exports_are_refused(case: str, words: list[str]) -> None:
    with pytest.raises(CatalogFileError) as raised:
        list(read_shopify(SHOPIFY / case, source(SHOPIFY / case)))
    for word in words:
        assert word in str(raised.value)


def test_an_export_without_a_configured_currency_is_refused() -> None:
    settings = CatalogSource(format="shopify", path=str(TEMPLATE_2024))
    with pytest.raises(CatalogFileError, match=r"\[catalog\] currency"):
        next(read_shopify(TEMPLATE_2024, settings))


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "products_export.csv"
    empty.write_bytes(b"")
    with pytest.raises(CatalogFileError, match="empty"):
        list(read_shopify(empty, source(empty)))
