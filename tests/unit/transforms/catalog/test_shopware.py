"""Shopware 6's product export: what the reader makes of real exports from Shopware's own
repository, and how each bad row is reported without stopping the file."""

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
from transforms.catalog.shopware.reader import read_shopware

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.findings import Finding

SHOPWARE = CASES / "catalog" / "shopware"
PROPERTIES = str(SHOPWARE / "properties.csv")
# The tax names of Shopware's demo data (products.csv) and their VAT classes.
DEMO_TAXES = {"19%": "standard", "7%": "reduced", "High tax": "standard"}


def read(name: str, **settings: Any) -> tuple[dict[str, Product], list[Finding]]:
    source = CatalogSource(format="shopware", path=str(SHOPWARE / name), **settings)
    return by_sku(read_shopware(SHOPWARE / name, source))


def facts(findings: Iterable[Finding]) -> list[tuple[str | None, int | None, str, str, str]]:
    return sorted(
        ((f.sku, f.row, f.field, f.rule, f.severity) for f in findings),
        key=lambda f: (f[1] or 0, f[3]),
    )


# --- Real exports (shopware/shopware, MIT) ------------------------------------------------


def test_demo_export_reads_every_row_and_groups_its_variant() -> None:
    products, findings = read(
        "products.csv", currency="EUR", locale="en_GB", tax_classes=DEMO_TAXES
    )
    assert [f.rule for f in findings] == ["variant_options_unnamed"]
    rows = csv_rows(SHOPWARE / "products.csv", delimiter=";")
    parents = {r["parent_id"] for r in rows if r["parent_id"]}
    # 60 rows: one parent that only groups its variant, 59 products.
    assert len(rows) == 60
    assert parents == {"e5c8b8f701034e8dbea72ac0fc32521e"}
    assert len(products) == 59
    assert "50702c3eb3244b988b06c7a610b45f52" not in products  # the parent's product number
    variant = products["60856fe4f5874d7d9740821f64c1fa3b"]
    assert variant.group == "50702c3eb3244b988b06c7a610b45f52"
    assert variant.title == {"en_GB": "Awesome Marble The Eyeful Tour"}
    assert variant.prices == {"EUR": Money(Decimal("117"), "EUR")}
    assert [p.sku for p in products.values() if p.group] == [variant.sku]

    bowl = products["0a600a2648b3486fbfdbc60993050103"]
    assert bowl.title == {"en_GB": "Practical Silk Bowel Brightener"}
    assert bowl.description["en_GB"].startswith("Quos esse aut eum omnis magnam.")
    assert bowl.prices == {"EUR": Money(Decimal("375"), "EUR")}
    assert bowl.tax_class == "reduced"
    assert bowl.brand == "Beer-Balistreri"
    assert bowl.attributes["stock"] == "13"
    assert bowl.attributes["price_net"] == "350.46728971963"
    assert bowl.categories == ["18dcbac6b120458b85bf0efea4773967"]
    assert bowl.availability == "in_stock"


def test_variant_options_named_by_the_properties_export() -> None:
    products, findings = read(
        "products.csv", currency="EUR", tax_classes=DEMO_TAXES, attribute_options_path=PROPERTIES
    )
    assert findings == []
    variant = products["60856fe4f5874d7d9740821f64c1fa3b"]
    # Its optionIds are linen and cotton, both of the demo data's "textile" group.
    assert variant.varies_by == ["textile"]
    assert variant.attributes["textile"] == "linen, cotton"
    # Its properties, named the same way (blanchedalmond is one of its propertyIds).
    assert "blanchedalmond" in variant.attributes["color"]


def test_variant_options_without_the_properties_export_are_reported_once() -> None:
    products, findings = read("products.csv", currency="EUR", tax_classes=DEMO_TAXES)
    assert facts(findings) == [
        ("60856fe4f5874d7d9740821f64c1fa3b", 60, "optionIds", "variant_options_unnamed", "warning")
    ]
    variant = products["60856fe4f5874d7d9740821f64c1fa3b"]
    assert variant.varies_by == []
    assert variant.attributes["optionIds"] == (
        "c17823994678460196fdb5393fbe3c98|db38ddf62e8e4c188c96e0f3f0fe7f2b"
    )


def test_list_price_above_the_price_makes_the_price_a_sale_price() -> None:
    products, findings = read(
        "products_with_list_price.csv", currency="EUR", tax_classes={"Standard rate": "standard"}
    )
    assert findings == []
    # SW10000: price 100, list price 5000: reduced.
    assert products["SW10000"].prices == {"EUR": Money(Decimal("5000"), "EUR")}
    assert products["SW10000"].sale_prices == {"EUR": SalePrice(Decimal("100"), "EUR")}
    # SW10001: price 100, list price 50: not a reduction, the price stands.
    assert products["SW10001"].prices == {"EUR": Money(Decimal("100"), "EUR")}
    assert products["SW10001"].sale_prices == {}
    assert products["SW10001"].attributes["list_price_linked"] == "1"
    assert "" not in products["SW10001"].attributes  # the header's trailing ";"


def test_default_profile_single_product() -> None:
    products, findings = read("single-product.csv", currency="EUR", locale="de_DE")
    assert facts(findings) == [("SW10000", 1, "tax_name", "unknown_tax_class", "warning")]
    product = products["SW10000"]
    assert product.title == {"de_DE": "Example product"}
    assert product.brand == "shopware AG"
    assert product.prices == {"EUR": Money(Decimal("5"), "EUR")}
    assert product.enabled is True
    assert product.attributes["stock"] == "2"


def test_hand_made_import_file_with_a_trailing_delimiter_is_reported() -> None:
    # Shopware's own import fixture ends its row with one ';' more than its header.
    products, findings = read("products_with_category_path.csv", currency="EUR")
    assert products == {}
    assert facts(findings) == [("PTfdsfsdfsdf", 1, "(row)", "wrong_field_count", "error")]


# --- A merchant's copy of the default profile, with variants -------------------------------


@pytest.fixture(scope="module")
def trail() -> tuple[dict[str, Product], list[Finding]]:
    return read(
        "default_profile_variants.csv",
        currency="EUR",
        locale="de_DE",
        attribute_options_path=PROPERTIES,
        tax_classes={"Reduced rate": "food"},
    )


def test_parent_of_variants_is_not_a_product(
    trail: tuple[dict[str, Product], list[Finding]],
) -> None:
    products, findings = trail
    assert findings == []
    assert sorted(products) == ["SW-MUG", "SW-TRAIL-41-BR", "SW-TRAIL-42-BR", "SW-TRAIL-42-CO"]
    assert {p.group for p in products.values()} == {"SW-TRAIL", None}


def test_variant_inherits_what_it_leaves_empty(
    trail: tuple[dict[str, Product], list[Finding]],
) -> None:
    variant = trail[0]["SW-TRAIL-41-BR"]
    assert variant.title == {"de_DE": "Trail Runner GTX"}
    assert "<b>Vibram</b>" in variant.description["de_DE"]
    assert variant.brand == "Bergfink"
    assert variant.tax_class == "standard"
    assert variant.weight == Quantity(Decimal("0.82"), "kg")
    assert variant.length == Quantity(Decimal("305"), "mm")
    assert variant.image_links == [
        "https://shop.example/media/5e/3f/trail-runner.jpg",
        "https://shop.example/media/7a/01/trail-runner-sole.jpg",
        "https://shop.example/media/7a/02/trail-runner-top.jpg",
    ]
    assert variant.categories == [
        "77b959cf66de4c1590c7f9b7da3982f3",
        "a515ae260223466f8e37471d279e6406",
    ]
    # The parent's list price 119.99 over its price 99.99: reduced.
    assert variant.prices == {"EUR": Money(Decimal("119.99"), "EUR")}
    assert variant.sale_prices == {"EUR": SalePrice(Decimal("99.99"), "EUR")}
    # Its own identifiers, stock and options.
    assert (variant.gtin, variant.mpn) == ("4006381333931", "BF-TR-41B")
    assert variant.attributes["stock"] == "4"
    assert variant.availability == "in_stock"
    assert variant.varies_by == ["color", "size"]
    assert (variant.attributes["size"], variant.attributes["color"]) == ("41", "brown")
    assert variant.attributes["textile"] == "leather"  # the parent's property


def test_variant_with_its_own_price_takes_none_of_the_parents_price(
    trail: tuple[dict[str, Product], list[Finding]],
) -> None:
    coral = trail[0]["SW-TRAIL-42-CO"]
    assert coral.prices == {"EUR": Money(Decimal("89.99"), "EUR")}
    assert coral.sale_prices == {}
    assert coral.attributes["price_net"] == "75.621848739496"
    assert coral.image_links[0] == "https://shop.example/media/6a/00/trail-runner-coral.jpg"
    assert coral.enabled is False
    # The parent's EAN and manufacturer number name it, not its variants.
    assert (coral.gtin, coral.mpn) == (None, None)


def test_options_by_id_only_are_reported_once_for_the_file() -> None:
    products, findings = read("default_profile_variants.csv", currency="EUR")
    options = [f for f in findings if f.rule == "variant_options_unnamed"]
    assert [(f.sku, f.row) for f in options] == [("SW-TRAIL-41-BR", 2)]
    assert {p.group for p in products.values() if p.varies_by == []} == {"SW-TRAIL", None}


def test_stock_zero_is_out_of_stock(trail: tuple[dict[str, Product], list[Finding]]) -> None:
    products = trail[0]
    assert products["SW-TRAIL-42-BR"].availability == "out_of_stock"
    assert products["SW-TRAIL-42-BR"].attributes["stock"] == "0"
    assert products["SW-MUG"].tax_class == "food"
    assert products["SW-MUG"].brand is None


# --- Hostile rows --------------------------------------------------------------------------

STANDARD = {"Standard rate": "standard"}


@pytest.mark.parametrize(
    ("case", "products", "findings"),
    [
        (
            "variant_without_sku.csv",
            ["TEE-M"],
            [
                (None, 2, "product_number", "missing_sku", "error"),
                ("TEE-M", 3, "optionIds", "variant_options_unnamed", "warning"),
            ],
        ),
        (
            "price_not_a_number.csv",
            ["CUP", "MUG"],
            [("MUG", 1, "price_gross", "not_a_number", "warning")],
        ),
        (
            "unknown_tax_class.csv",
            ["WINE"],
            [("WINE", 1, "tax_name", "unknown_tax_class", "warning")],
        ),
        (
            "row_with_too_few_fields.csv",
            ["BAG", "BAG-S"],
            [("BAG-XL", 2, "(row)", "wrong_field_count", "error")],
        ),
        (
            "bad_byte.csv",
            ["BRETT"],
            [("KAESE", 1, "name", "invalid_encoding", "error")],
        ),
        (
            "variant_parent_missing.csv",
            ["SOCK-39", "SOCK-42"],
            [
                ("SOCK-39", 1, "parent_id", "variant_parent_missing", "warning"),
                ("SOCK-42", 2, "parent_id", "variant_parent_missing", "warning"),
            ],
        ),
        (
            "parent_with_control_character.csv",
            ["LAMP-BLACK", "LAMP-WHITE"],
            [
                ("LAMP-BLACK", 2, "title", "invisible_characters_removed", "warning"),
                ("LAMP-WHITE", 3, "title", "invisible_characters_removed", "warning"),
            ],
        ),
        (
            "translations_unmapped_language.csv",
            ["FORK", "KNIFE"],
            [("KNIFE", 1, "translations.nb.name", "language_unmapped", "warning")],
        ),
    ],
)
def test_hostile_rows_are_reported_and_the_rest_is_read(
    case: str, products: list[str], findings: list[tuple[str | None, int, str, str, str]]
) -> None:
    read_products, read_findings = read(case, currency="EUR", tax_classes=STANDARD)
    assert sorted(read_products) == products
    assert facts(read_findings) == findings


def test_variants_inherit_a_cleaned_title_from_a_dirty_parent() -> None:
    products, _ = read("parent_with_control_character.csv", currency="EUR")
    assert products["LAMP-WHITE"].title == {ANY_LOCALE: "Desk Lamp"}
    assert products["LAMP-WHITE"].group == "LAMP"


def test_variant_written_before_its_parent_still_inherits() -> None:
    products, findings = read("variant_before_parent.csv", currency="EUR", tax_classes=STANDARD)
    assert findings == []
    assert sorted(products) == ["CAP-BLUE", "CAP-RED"]
    red = products["CAP-RED"]
    assert (red.group, red.title, red.brand) == ("CAP", {ANY_LOCALE: "Wool Cap"}, "Bergfink")
    assert red.prices == {"EUR": Money(Decimal("25.00"), "EUR")}


def test_missing_parent_groups_its_variants_under_its_id() -> None:
    products, _ = read("variant_parent_missing.csv", currency="EUR", tax_classes=STANDARD)
    assert {p.group for p in products.values()} == {"ff01"}


def test_option_without_a_name_means_any_and_an_unknown_option_is_reported() -> None:
    products, findings = read(
        "empty_option_name.csv",
        currency="EUR",
        tax_classes=STANDARD,
        attribute_options_path=str(SHOPWARE / "empty_option_name_properties.csv"),
    )
    assert facts(findings) == [("SHIRT-GREEN", 4, "optionIds", "variant_option_unknown", "warning")]
    red, blue, green = products["SHIRT-RED"], products["SHIRT-BLUE-M"], products["SHIRT-GREEN"]
    # Its size option has no name: it fits any size, so it does not vary by size.
    assert red.varies_by == ["Farbe"]
    assert red.attributes["Farbe"] == "red"
    assert "Größe" not in red.attributes
    assert blue.varies_by == ["Farbe", "Größe"]
    assert (blue.attributes["Farbe"], blue.attributes["Größe"]) == ("blue", "M")
    assert green.varies_by == ["Größe"]


def test_translations_in_named_languages() -> None:
    products, _ = read(
        "translations_unmapped_language.csv",
        currency="EUR",
        locale="en_GB",
        locales={"nb": "nb_NO"},
    )
    knife = products["KNIFE"]
    assert knife.title == {"en_GB": "Pocket knife", "de_DE": "Taschenmesser", "nb_NO": "Lommekniv"}
    assert knife.description == {"nb_NO": "Kniv med tre blad"}


def test_wrong_delimiter_refuses_the_file() -> None:
    with pytest.raises(CatalogFileError, match="one column only.*','"):
        read("wrong_delimiter.csv", currency="EUR")


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("empty.csv", "is empty"),
        # The properties export given as the product export: no product number.
        ("properties.csv", "no 'product_number' column"),
    ],
)
def test_file_that_is_no_product_export_is_refused(case: str, words: str) -> None:
    with pytest.raises(CatalogFileError, match=words):
        read(case, currency="EUR")


def test_properties_path_that_is_no_properties_export_is_refused() -> None:
    with pytest.raises(CatalogFileError, match="not Shopware's 'Default properties' export"):
        read(
            "default_profile_variants.csv",
            currency="EUR",
            attribute_options_path=str(SHOPWARE / "single-product.csv"),
        )


def test_prices_without_a_currency_refuse_the_file() -> None:
    with pytest.raises(CatalogFileError, match=r"\[catalog\] currency"):
        read("single-product.csv")


# --- Through the pipeline's extract step ---------------------------------------------------


def test_read_catalog_applies_the_catalogs_settings() -> None:
    source = CatalogSource(
        format="shopware",
        path=str(SHOPWARE / "empty_option_name.csv"),
        currency="EUR",
        defaults={"brand": "Bergfink"},
        attribute_options_path=str(SHOPWARE / "empty_option_name_properties.csv"),
    )
    products = [p for p in read_catalog(source) if isinstance(p, Product)]
    assert [p.sku for p in products] == ["SHIRT-RED", "SHIRT-BLUE-M", "SHIRT-GREEN"]
    blue = products[1]
    assert blue.brand == "Bergfink"
    # Farbe and Größe, as the German shop names them, are color and size here.
    assert blue.varies_by == ["color", "size"]
    assert (blue.attributes["color"], blue.attributes["size"]) == ("blue", "M")
    for product in products:
        assert set(product.varies_by) <= set(product.attributes)


def test_read_catalog_makes_relative_image_paths_absolute() -> None:
    source = CatalogSource(
        format="shopware",
        path=str(SHOPWARE / "empty_option_name.csv"),
        currency="EUR",
        defaults={"brand": "Bergfink"},
        asset_base_url="https://cdn.example/",
    )
    products = {p.sku: p for p in read_catalog(source) if isinstance(p, Product)}
    # The parent's relative cover, inherited; a variant's own absolute one kept.
    assert products["SHIRT-RED"].image_links == ["https://cdn.example/media/linen-shirt.jpg"]
    assert products["SHIRT-BLUE-M"].image_links == [
        "https://shop.example/media/linen-shirt-blue.jpg"
    ]
    assert {p.brand for p in products.values()} == {"Bergfink"}
