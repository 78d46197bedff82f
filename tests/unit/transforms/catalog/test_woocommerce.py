"""WooCommerce's product CSV export: WooCommerce's own sample data read as its shop shows
it, and each kind of bad row reported without stopping the file."""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from pipeline.extract import read_catalog
from schemas.config.catalog import CatalogSource
from schemas.product import Money, Product, Quantity, SalePrice
from tests.conftest import CASES
from tests.unit.transforms.catalog.catalog_items import by_sku
from transforms.catalog.files import CatalogFileError
from transforms.catalog.woocommerce.reader import read_woocommerce

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding

WOO = CASES / "catalog" / "woocommerce"
SAMPLE = WOO / "sample_products.csv"
CLASSIC = WOO / "classic_commerce_sample_products.csv"


def source(**settings: object) -> CatalogSource:
    return CatalogSource(
        format="woocommerce", path="unused.csv", currency="USD", locale="en_US", **settings
    )


def read(path: Path, **settings: object) -> tuple[dict[str, Product], list[Finding]]:
    return by_sku(read_woocommerce(path, source(**settings)))


def rows_by_type(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as stream:
        for row in csv.DictReader(stream):
            counts[row["Type"]] = counts.get(row["Type"], 0) + 1
    return counts


# --- WooCommerce's own sample data ---------------------------------------------------------


def test_sample_every_row_is_a_product_a_parent_or_the_grouped_product() -> None:
    products, findings = read(SAMPLE)
    types = rows_by_type(SAMPLE)
    assert sum(types.values()) == 25
    # the 2 variable products and the grouped one are not products themselves
    assert len(products) == 25 - types["variable"] - types["grouped"] == 22
    assert "woo-vneck-tee" not in products and "woo-hoodie" not in products
    assert "logo-collection" not in products
    assert [(f.sku, f.rule, f.severity) for f in findings] == [
        ("wp-pennant", "external_product", "warning")
    ]


def test_sample_variations_form_two_groups_by_the_axes_they_have_values_for() -> None:
    products, _ = read(SAMPLE)
    groups: dict[str, set[str]] = {}
    for product in products.values():
        if product.group:
            groups.setdefault(product.group, set()).add(product.sku)
    assert groups == {
        "woo-vneck-tee": {"woo-vneck-tee-red", "woo-vneck-tee-green", "woo-vneck-tee-blue"},
        "woo-hoodie": {
            "woo-hoodie-red",
            "woo-hoodie-green",
            "woo-hoodie-blue",
            "woo-hoodie-blue-logo",
        },
    }
    # The V-neck's variations leave Size empty: any size, so no variant varies by it.
    tee = products["woo-vneck-tee-green"]
    assert tee.varies_by == ["Color"]
    assert tee.attributes["Color"] == "Green"
    assert "Size" not in tee.attributes
    hoodie = products["woo-hoodie-blue-logo"]
    assert hoodie.varies_by == ["Color", "Logo"]
    assert (hoodie.attributes["Color"], hoodie.attributes["Logo"]) == ("Blue", "Yes")


def test_sample_hoodie_variation_as_the_file_states_it() -> None:
    products, _ = read(SAMPLE)
    red = products["woo-hoodie-red"]
    assert red.title == {"en_US": "Hoodie - Red, No"}
    assert red.prices == {"USD": Money(Decimal("45"), "USD")}
    assert red.sale_prices == {"USD": SalePrice(Decimal("42"), "USD", None, None)}
    # The variation leaves weight, dimensions and categories to its parent (Weight (lbs) 1.5,
    # Length (in) 10, Width 8, Height 3).
    assert red.weight == Quantity(Decimal("1.5"), "lb")
    assert (red.length, red.width, red.height) == (
        Quantity(Decimal("10"), "in"),
        Quantity(Decimal("8"), "in"),
        Quantity(Decimal("3"), "in"),
    )
    assert red.categories == ["Clothing > Hoodies"]
    assert red.image_links == [
        "https://woocommercecore.mystagingwebsite.com/wp-content/uploads/2017/12/hoodie-2.jpg"
    ]
    assert red.bullet_points == {"en_US": ["This is a variable product."]}
    assert red.description["en_US"].startswith("Lorem ipsum dolor sit amet")


def test_sample_simple_products_virtual_and_external() -> None:
    products, _ = read(SAMPLE)
    tee = products["woo-vneck-tee-red"]
    assert tee.weight == Quantity(Decimal("0.5"), "lb")  # ".5" on the parent's row
    beanie = products["woo-beanie"]
    assert beanie.prices["USD"].amount == Decimal("20")
    assert beanie.sale_prices["USD"].amount == Decimal("18")
    assert beanie.attributes["Color"] == "Red"
    assert beanie.availability == "in_stock" and beanie.enabled
    album = products["woo-album"]
    assert album.attributes["virtual"] == album.attributes["downloadable"] == "yes"
    assert not any(key.startswith("Download") for key in album.attributes)
    pennant = products["wp-pennant"]
    assert pennant.enabled is False
    assert (
        pennant.attributes["external_url"]
        == "https://mercantile.wordpress.org/product/wordpress-pennant/"
    )
    assert pennant.prices["USD"].amount == Decimal("11.05")


def test_classic_commerce_export_variations_take_their_parents_tax_class() -> None:
    """ClassicPress's fork of WooCommerce 3.5: ``Weight (kg)``, ``Attribute N default``,
    and variations whose ``Tax class`` is ``parent``."""
    products, findings = read(CLASSIC, tax_classes={"reduced-rate": "food"})
    types = rows_by_type(CLASSIC)
    assert len(products) == sum(types.values()) - types["variable"] - types["grouped"] == 21
    assert [(f.sku, f.rule) for f in findings] == [("cp-donation", "external_product")]
    shirt = products["cc-t-shirt-blue"]
    assert (shirt.group, shirt.varies_by, shirt.tax_class) == ("cc-tee", ["Color"], "standard")
    assert shirt.prices["USD"].amount == Decimal("25")
    assert sum(p.group == "cc-hoodie" for p in products.values()) == 6


# --- rows that are wrong, each in a case file named for what is wrong ------------------------


@pytest.mark.parametrize(
    ("case", "products", "findings"),
    [
        (
            "variation_without_sku.csv",
            ["TEE-BLUE-S"],
            [(None, 3, "sku", "missing_sku", "error")],
        ),
        ("variation_with_any_size.csv", ["TEE-BLUE", "TEE-RED-M"], []),
        (
            "variation_parent_missing.csv",
            ["CAP-BLUE", "CAP-RED"],
            [("CAP-RED", 1, "Parent", "variation_parent_missing", "warning")],
        ),
        (
            "price_not_a_number.csv",
            ["BOWL", "MUG"],
            [
                ("MUG", 1, "Regular price", "not_a_number", "warning"),
                ("BOWL", 2, "Regular price", "ambiguous_number", "error"),
            ],
        ),
        (
            "tax_class_unknown.csv",
            ["BOOK", "BREAD", "VOUCHER", "WINE"],
            [("WINE", 2, "Tax class", "unknown_tax_class", "warning")],
        ),
        (
            "sale_price_dates.csv",
            ["CHAIR", "DESK", "LAMP", "STOOL"],
            [
                ("CHAIR", 2, "Sale price", "sale_price_not_lower", "warning"),
                ("DESK", 3, "Date sale price starts", "not_a_date", "warning"),
            ],
        ),
        (
            "unpublished_parent_and_stock_from_parent.csv",
            ["BOOT", "SHOE", "SOCK-39"],
            [
                ("BOOT", 4, "Published", "not_a_boolean", "warning"),
                ("BOOT", 4, "In stock?", "unknown_availability", "warning"),
                ("BOOT", 4, "Stock", "not_a_number", "warning"),
            ],
        ),
        (
            "grouped_and_unknown_types.csv",
            ["BUNDLE", "EBOOK"],
            [("BUNDLE", 3, "Type", "product_type_unknown", "warning")],
        ),
        ("formula_guard_and_escaped_comma.csv", ["-50-PLUS"], []),
        (
            "row_with_too_few_fields.csv",
            ["BOWL", "MUG"],
            [("CUT", 2, "(row)", "wrong_field_count", "error")],
        ),
        (
            "invisible_characters.csv",
            ["SCARF", "TEE-BLUE-S", "TEE-RED-S"],
            [
                ("TEE", 1, "bullet_points (en_US)", "invisible_characters_removed", "warning"),
                ("TEE-RED-S", 3, "title (en_US)", "invisible_characters_removed", "warning"),
                ("SCARF", 4, "title (en_US)", "invisible_characters_removed", "warning"),
            ],
        ),
        (
            "bad_byte_in_name.csv",
            ["BOWL"],
            [("MUG", 1, "Name", "invalid_encoding", "error")],
        ),
    ],
)
def test_bad_rows_are_reported_and_the_rest_is_read(
    case: str, products: list[str], findings: list[tuple[object, ...]]
) -> None:
    read_products, read_findings = read(WOO / case)
    assert sorted(read_products) == products
    assert sorted((f.sku, f.row, f.field, f.rule, f.severity) for f in read_findings) == sorted(
        findings, key=str
    )
    assert all(f.message for f in read_findings)


def test_an_empty_axis_value_means_any_and_the_variation_inherits_the_rest() -> None:
    products, _ = read(WOO / "variation_with_any_size.csv")
    blue, red = products["TEE-BLUE"], products["TEE-RED-M"]
    assert (blue.group, blue.varies_by) == ("TEE", ["Color"])
    assert blue.attributes["Color"] == "Blue" and "Size" not in blue.attributes
    assert (red.group, red.varies_by) == ("TEE", ["Color", "Size"])
    assert (red.attributes["Color"], red.attributes["Size"]) == ("Red", "M")
    # What the variation leaves empty comes from its parent, what it says wins.
    assert blue.image_links == ["https://shop.example/tee.jpg", "https://shop.example/tee-back.jpg"]
    assert red.image_links == ["wp-content/uploads/tee-red.jpg"]
    assert blue.weight == Quantity(Decimal("0.2"), "kg")
    assert red.weight == Quantity(Decimal("0.25"), "kg")
    assert blue.length == Quantity(Decimal("30"), "cm")
    assert blue.bullet_points == {"en_US": ["Organic cotton", "Fair wear"]}
    assert blue.description == {"en_US": "<p>A soft tee.</p>"}
    assert blue.categories == ["Clothing > Tshirts", "Sale"]
    assert blue.title == {"en_US": "Organic Tee - Blue"}


def test_variations_inherit_their_parents_text_cleaned_once() -> None:
    products, _ = read(WOO / "invisible_characters.csv")
    assert products["TEE-BLUE-S"].bullet_points == {"en_US": ["Organic cotton", "Fair wear"]}
    assert products["TEE-RED-S"].title == {"en_US": "Organic Tee Red, S"}


def test_a_variation_before_its_parent_stands_alone_and_later_ones_are_grouped() -> None:
    products, _ = read(WOO / "variation_parent_missing.csv")
    alone, grouped = products["CAP-RED"], products["CAP-BLUE"]
    assert (alone.group, alone.varies_by, alone.attributes["Color"]) == (None, [], "Red")
    assert (grouped.group, grouped.varies_by) == ("CAP", ["Color"])


def test_sale_price_dates_become_iso_8601_and_a_lone_sale_price_is_the_price() -> None:
    products, _ = read(WOO / "sale_price_dates.csv")
    lamp = products["LAMP"]
    assert lamp.prices["USD"].amount == Decimal("49.90")
    assert lamp.sale_prices["USD"] == SalePrice(
        Decimal("39.90"), "USD", "2024-11-29T00:00:00", "2024-12-02T23:59:59"
    )
    assert products["CHAIR"].sale_prices == {} and products["DESK"].sale_prices == {}
    assert products["DESK"].prices["USD"].amount == Decimal("199")
    stool = products["STOOL"]
    assert (stool.prices["USD"].amount, stool.sale_prices) == (Decimal("25"), {})


def test_woocommerce_tax_classes_and_an_untaxed_status() -> None:
    products, _ = read(WOO / "tax_class_unknown.csv")
    assert products["BOOK"].tax_class == "reduced"  # WooCommerce's "reduced-rate"
    assert products["BREAD"].tax_class == "zero"  # "zero-rate"
    assert products["WINE"].tax_class == "standard"
    voucher = products["VOUCHER"]
    assert (voucher.tax_class, voucher.attributes["tax_status"]) == ("zero", "none")
    # The merchant's own mapping wins over the default reading of reduced-rate.
    configured, _ = read(WOO / "tax_class_unknown.csv", tax_classes={"Reduced rate": "books"})
    assert configured["BOOK"].tax_class == "books"


def test_published_stock_and_tax_class_from_the_parent() -> None:
    products, _ = read(WOO / "unpublished_parent_and_stock_from_parent.csv")
    sock = products["SOCK-39"]
    assert sock.enabled is False  # its parent is a draft (-1)
    assert (sock.attributes["stock"], sock.tax_class) == ("40", "reduced")
    assert (sock.group, sock.varies_by, sock.attributes["Size"]) == ("SOCK", ["Size"], "39-42")
    shoe = products["SHOE"]
    assert shoe.enabled is False  # private (0)
    assert (shoe.attributes["stock"], shoe.availability) == ("-2", "backorder")
    boot = products["BOOT"]
    assert boot.enabled is True and "stock" not in boot.attributes


def test_the_formula_guard_is_taken_off_and_an_escaped_comma_stays_in_its_value() -> None:
    products, _ = read(WOO / "formula_guard_and_escaped_comma.csv")
    product = products["-50-PLUS"]
    assert product.title == {"en_US": "=Special"}
    assert product.categories == ["Home, Garden > Tools", "Sale"]


def test_the_parents_kept_are_bounded(tmp_path: Path) -> None:
    header = "ID,Type,SKU,Name,Regular price,Parent,Attribute 1 name,Attribute 1 value(s)\n"
    rows = [
        '1,variable,A,A,,,Size,"S, M"',
        '2,variable,B,B,,,Size,"S, M"',
        "3,variation,A-S,A - S,5,A,Size,S",
        "4,variation,B-S,B - S,5,id:2,Size,S",
    ]
    path = tmp_path / "interleaved.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    products, findings = by_sku(read_woocommerce(path, source(), parents_kept=2))
    assert (products["A-S"].group, products["B-S"].group) == ("A", "B")
    assert findings == []
    products, findings = by_sku(read_woocommerce(path, source(), parents_kept=1))
    assert (products["A-S"].group, products["B-S"].group) == (None, "B")
    assert [(f.sku, f.rule) for f in findings] == [("A-S", "variation_parent_missing")]


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("german_column_names.csv", ["no 'sku' column", "language", "English"]),
        ("semicolon_delimiter.csv", ["one column", "';'"]),
    ],
)
def test_a_file_that_is_not_an_english_woocommerce_export_is_refused(
    case: str, words: list[str]
) -> None:
    with pytest.raises(CatalogFileError) as raised:
        list(read_woocommerce(WOO / case, source()))
    for word in words:
        assert word in str(raised.value)


def test_without_a_currency_the_export_is_refused() -> None:
    settings = CatalogSource(format="woocommerce", path="unused.csv")
    with pytest.raises(CatalogFileError, match=r"\[catalog\] currency"):
        list(read_woocommerce(SAMPLE, settings))


# --- through the pipeline's catalog step, with a merchant's settings ------------------------


def test_read_catalog_applies_the_merchants_settings() -> None:
    settings = CatalogSource(
        format="woocommerce",
        path=str(WOO / "variation_with_any_size.csv"),
        currency="EUR",
        defaults={"brand": "Nordfaden"},
        asset_base_url="https://shop.example/",
    )
    products, findings = by_sku(read_catalog(settings))
    assert findings == []
    red = products["TEE-RED-M"]
    assert red.brand == "Nordfaden"
    assert red.image_links == ["https://shop.example/wp-content/uploads/tee-red.jpg"]
    assert red.prices == {"EUR": Money(Decimal("19.90"), "EUR")}
    assert red.varies_by == ["color", "size"]
    assert (red.attributes["color"], red.attributes["size"]) == ("Red", "M")
    blue = products["TEE-BLUE"]
    assert blue.varies_by == ["color"] and "size" not in blue.attributes
    for product in products.values():
        assert all(axis in product.attributes for axis in product.varies_by)
