"""The Magento 2 export reader: real exports from Magento's own test suite, and files that
are wrong in one way each (tests/cases/catalog/magento/README.md says where each comes from)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog
from schemas.config.catalog import CatalogSource
from schemas.product import Money, Product, Quantity, SalePrice
from tests.conftest import CASES
from tests.unit.transforms.catalog.catalog_items import by_sku, csv_rows
from transforms.catalog.files import CatalogFileError
from transforms.catalog.magento.reader import read_magento

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding

MAGENTO = CASES / "catalog" / "magento"


def read(name: str, **settings: Any) -> tuple[dict[str, Product], list[Finding]]:
    path = MAGENTO / name
    source = CatalogSource(
        format="magento", path=str(path), **{"currency": "USD", "locale": "en_US", **settings}
    )
    return by_sku(read_magento(path, source))


def rules(findings: list[Finding]) -> set[tuple[str | None, int | None, str, str, str]]:
    return {(f.sku, f.row, f.field, f.rule, f.severity) for f in findings}


# --- real exports ------------------------------------------------------------------------


def test_variants_exported_before_their_configurable_are_grouped() -> None:
    products, findings = read("import_configurable_product.csv", weight_unit="lbs")
    rows = csv_rows(MAGENTO / "import_configurable_product.csv")
    configurables = [r for r in rows if r["product_type"] == "configurable"]
    # Every row is a product or the configurable that groups them; nothing to report.
    assert len(products) + len(configurables) == len(rows) == 4
    assert findings == []
    assert {p.group for p in products.values()} == {"import-product-configurable"}
    first = products["import-product-simple1-configurable"]
    assert first.varies_by == ["import_attribute1"]
    assert first.attributes["import_attribute1"] == "option1"
    assert first.title == {"en_US": "import-product-simple1-configurable"}
    assert first.prices == {"USD": Money(Decimal("11"), "USD")}
    assert first.weight == Quantity(Decimal("1"), "lb")
    assert first.image_links == ["/m/a/magento-logo.png"]
    assert first.categories == ["Default Category/import-category-configurable"]
    assert first.attributes["stock"] == "101"
    assert first.attributes["gift_wrapping_available"] == "Yes"
    assert products["import-product-simple3-configurable"].attributes["import_attribute1"] == (
        "option3"
    )


def test_store_view_rows_give_texts_in_their_locale() -> None:
    products, findings = read("products_multiple_stores.csv", locales={"fixturestore": "de_DE"})
    rows = csv_rows(MAGENTO / "products_multiple_stores.csv")
    store_rows = [r for r in rows if r["store_view_code"]]
    assert len(products) + len(store_rows) + 1 == len(rows)  # + the configurable
    assert findings == []
    option = products["Configurable 03-Option 1"]
    assert option.title == {
        "en_US": "Configurable 03-Option 1",
        "de_DE": "Configurable 03-Option 1 fixturestore",
    }
    assert option.group == "Configurable 03"
    assert option.varies_by == ["test_configurable"]
    assert option.attributes["test_configurable"] == "Option 1"
    assert option.attributes["attribute_with_option"] == "Option Label"
    assert option.attributes["stock"] == "99999"
    assert "quantity_and_stock_status" not in option.attributes  # Magento's bookkeeping
    assert products["Configurable 03-Option 2"].title == {"en_US": "Configurable 03-Option 2"}


def test_unmapped_store_views_are_reported_once_each() -> None:
    products, findings = read("prepared-for-sample-data.csv", tax_classes={"0": "standard"})
    rows = csv_rows(MAGENTO / "prepared-for-sample-data.csv")
    assert len(products) == len([r for r in rows if not r["store_view_code"]]) == 4
    assert rules(findings) == {
        (None, 2, "store_view_code", "store_view_unmapped", "warning"),
        (None, 3, "store_view_code", "store_view_unmapped", "warning"),
        (None, None, "weight", "unit_unknown_for_number", "warning"),
    }
    assert "4 products have a weight" in findings[-1].message
    motion = products["10942148"]
    assert motion.title == {"en_US": "Motion SP 7 px Beige"}
    assert motion.bullet_points["en_US"] == [
        "Fits severe to profound hearing loss",
        "small and reliable desiged BTE with advanced primax Technology",
    ]
    assert motion.weight is None  # no [catalog] weight_unit
    assert motion.prices == {"USD": Money(Decimal("2199"), "USD")}
    assert motion.categories == ["Default Category/Gear", "Default Category/Gear/Defaults"]
    assert motion.attributes["product_group"] == "BTE"
    assert motion.attributes["color"] == "Black"
    # qty 0, in stock, backorders allowed
    assert motion.availability == "backorder"


def test_tax_class_zero_is_unmapped_unless_configured() -> None:
    _, findings = read("prepared-for-sample-data.csv", weight_unit="lbs")
    unmapped = [f for f in findings if f.rule == "unknown_tax_class"]
    assert [(f.sku, f.value) for f in unmapped] == [
        ("10536515", "0"),
        ("10536516", "0"),
        ("10674949", "0"),
        ("10942148", "0"),
    ]


def test_category_names_with_commas_and_absolute_images() -> None:
    products, findings = read("BB-Products.csv", weight_unit="kgs")
    assert findings == []
    chair = products["BB-H1000163"]
    assert chair.categories[-1] == (
        "Default Category/Casa Giardino/Giardino e Terrazza/Decorazione, illuminazione e mobili"
    )
    assert len(chair.categories) == 3
    assert (
        chair.image_links[0] == "http://dropshipping.bigbuy.eu/imgs/silla_plegable_camping_00.jpg"
    )
    assert len(chair.image_links) == 5  # base (also small), then four additional images
    assert chair.weight == Quantity(Decimal("5.3"), "kg")
    assert chair.attributes["gtin"] == "8713016005922"
    fan = products["BB-D2010129"]
    assert fan.prices == {"USD": Money(Decimal("19.9"), "USD")}
    assert fan.attributes["stock"] == "41"
    assert '<a href="http://www.myfunfan.com">' in fan.description["en_US"]


def test_virtual_and_downloadable_products_are_products() -> None:
    products, _ = read("catalog_products.csv", weight_unit="lbs")
    assert set(products) == {
        "Simple Product for Test",
        "Virtual Product for Test",
        "Api Downloadable Product for Test",
    }
    download = products["Api Downloadable Product for Test"]
    assert download.description == {"en_US": "API Product Description5c23605cc09b71"}
    assert download.bullet_points == {"en_US": ["API Product Short Description5c23605cc0a111"]}
    assert products["Virtual Product for Test"].prices["USD"].amount == Decimal("99.9900")


def test_a_configurable_whose_variants_are_not_in_the_file_is_not_listed() -> None:
    products, findings = read("export_import_configurable_product.csv")
    assert products == {}
    assert rules(findings) == {
        (
            "api-configurable-export-import-product",
            1,
            "configurable_variations",
            "configurable_without_variants",
            "warning",
        )
    }


# --- files wrong in one way each ---------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "skus", "expected"),
    [
        (
            "variant_without_sku.csv",
            {"TEE-S"},
            {(None, 2, "sku", "missing_sku", "error")},
        ),
        (
            "price_not_a_number.csv",
            {"MUG-1", "MUG-2", "MUG-3"},
            {
                ("MUG-1", 1, "price", "not_a_number", "warning"),
                ("MUG-2", 2, "price", "ambiguous_number", "error"),
                ("MUG-3", 3, "special_price", "not_a_number", "warning"),
            },
        ),
        (
            "unknown_tax_class.csv",
            {"BOOK-1", "BOOK-2", "BOOK-3"},
            {
                ("BOOK-1", 1, "tax_class_name", "unknown_tax_class", "warning"),
                ("BOOK-3", 3, "tax_class_name", "unknown_tax_class", "warning"),
            },
        ),
        (
            "row_with_too_few_fields.csv",
            {"LAMP-1", "LAMP-3"},
            {("LAMP-2", 2, "(row)", "wrong_field_count", "error")},
        ),
        (
            "bad_byte_in_name.csv",
            {"CUP-1", "CUP-3"},
            {("CUP-2", 2, "name", "invalid_encoding", "error")},
        ),
        (
            "special_price_periods.csv",
            {"SALE-1", "SALE-2", "SALE-3", "SALE-4"},
            {
                ("SALE-3", 3, "special_price_from_date", "not_a_date", "warning"),
                ("SALE-4", 4, "special_price", "sale_price_not_below_price", "warning"),
            },
        ),
        (
            "grouped_product.csv",
            {"KIT-PAN", "KIT-POT"},
            {("KIT", 3, "product_type", "grouped_product_skipped", "warning")},
        ),
        (
            "variant_in_two_groups.csv",
            {"BAG-RED"},
            {
                ("BAG-RED", 3, "configurable_variations", "variant_in_two_groups", "warning"),
                ("TOTE", 3, "configurable_variations", "configurable_without_variants", "warning"),
            },
        ),
        (
            "empty_axis_value_means_any.csv",
            {"SOCK-ONE", "SOCK-BLUE-M"},
            set(),
        ),
    ],
)
def test_bad_rows_are_reported_and_the_rest_is_read(
    case: str, skus: set[str], expected: set[tuple[str | None, int, str, str, str]]
) -> None:
    products, findings = read(case)
    assert set(products) == skus
    assert rules(findings) == expected


def test_a_bad_price_loses_the_price_only() -> None:
    products, _ = read("price_not_a_number.csv")
    assert products["MUG-1"].prices == {}
    assert products["MUG-1"].title == {"en_US": "Mug"}
    assert products["MUG-3"].prices == {"USD": Money(Decimal("9.50"), "USD")}
    assert products["MUG-3"].sale_prices == {}


def test_unknown_tax_class_reads_as_standard_and_mapping_fixes_it() -> None:
    products, findings = read(
        "unknown_tax_class.csv", tax_classes={"Reduced Rate Books": "books", "None": "zero"}
    )
    assert findings == []
    assert {sku: p.tax_class for sku, p in products.items()} == {
        "BOOK-1": "books",
        "BOOK-2": "standard",  # Magento's "Taxable Goods"
        "BOOK-3": "zero",
    }


def test_sale_prices_keep_their_period() -> None:
    products, _ = read("special_price_periods.csv", currency="EUR")
    assert products["SALE-1"].sale_prices == {
        "EUR": SalePrice(Decimal("79.0000"), "EUR", "2020-10-05T16:58:00", "2020-12-31")
    }
    assert products["SALE-2"].sale_prices == {
        "EUR": SalePrice(Decimal("25.0000"), "EUR", "2021-03-01T00:00:00", None)
    }
    assert products["SALE-3"].sale_prices == {}  # its start is not a date
    assert products["SALE-4"].sale_prices == {}  # not below the price


def test_an_empty_axis_value_means_the_variant_does_not_vary_by_it() -> None:
    products, _ = read("empty_axis_value_means_any.csv")
    one_size = products["SOCK-ONE"]
    assert (one_size.group, one_size.varies_by) == ("SOCK", ["color"])
    assert "size" not in one_size.attributes
    assert products["SOCK-BLUE-M"].varies_by == ["color", "size"]
    assert products["SOCK-BLUE-M"].attributes["size"] == "M"


def test_variants_after_their_configurable_inherit_what_they_leave_empty() -> None:
    products, findings = read(
        "store_views_and_inheritance.csv",
        locale="en_GB",
        locales={"german": "de_DE"},
        weight_unit="kgs",
    )
    assert set(products) == {"HOOD-XS-Black", "HOOD-S-Black", "MUG"}
    assert rules(findings) == {
        (None, 6, "store_view_code", "store_view_unmapped", "warning"),
        ("HOOD-S-Black", 9, "store_view_code", "store_view_row_detached", "warning"),
    }
    xs = products["HOOD-XS-Black"]
    assert (xs.group, xs.varies_by) == ("HOOD", ["color", "size"])
    assert xs.title == {
        "en_GB": "Chaz Hoodie-XS-Black",
        "de_DE": "Chaz Kapuzenpulli XS Schwarz",  # its own store-view row
        "fr_FR": "Sweat Chaz",  # its configurable's, a store view named as a locale
    }
    assert xs.description == {
        "en_GB": "<p>Warm <b>hoodie</b></p>",
        "de_DE": "<p>Warmer <b>Kapuzenpulli</b></p>",
    }
    assert xs.bullet_points == {"en_GB": ["Kangaroo pocket", "Drawstring hood"]}
    assert xs.categories == ["Default Category/Men/Hoodies", "Default Category/Sale"]
    assert xs.image_links == [
        "/m/h/mh01-black_main.jpg",
        "/m/h/mh01-black_alt1.jpg",
        "/m/h/mh01-black_back.jpg",
    ]
    assert xs.weight == Quantity(Decimal("1.2"), "kg")
    assert xs.attributes["material"] == "Cotton, Polyester"  # a comma inside a value
    assert xs.attributes["activity"] == "Gym|Yoga"  # a multi-select
    small = products["HOOD-S-Black"]
    assert small.image_links == ["/m/h/mh01-s-black.jpg"]  # its own images win
    assert small.weight == Quantity(Decimal("0.9"), "kg")
    assert small.enabled is False  # product_online 2
    assert small.title["de_DE"] == "Chaz Kapuzenpulli"  # its own row came detached
    assert products["MUG"].group is None


def test_without_a_currency_the_file_is_refused() -> None:
    path = MAGENTO / "catalog_products.csv"
    source = CatalogSource(format="magento", path=str(path))
    with pytest.raises(CatalogFileError, match="currency"):
        list(read_magento(path, source))


def test_a_file_without_sku_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("name;price\nMug;9\n", encoding="utf-8")
    source = CatalogSource(format="magento", path=str(path), currency="EUR")
    with pytest.raises(CatalogFileError, match="one column"):
        list(read_magento(path, source))


def test_through_the_pipeline_with_a_merchants_settings() -> None:
    source = CatalogSource(
        format="magento",
        path=str(MAGENTO / "store_views_and_inheritance.csv"),
        currency="EUR",
        defaults={"brand": "Luma"},
        asset_base_url="https://shop.example/media/catalog/product",
    )
    products = [item for item in read_catalog(source) if isinstance(item, Product)]
    assert {p.sku for p in products} == {"HOOD-XS-Black", "HOOD-S-Black", "MUG"}
    assert {p.brand for p in products} == {"Luma"}
    xs = next(p for p in products if p.sku == "HOOD-XS-Black")
    assert xs.image_links[0] == "https://shop.example/media/catalog/product/m/h/mh01-black_main.jpg"
    assert xs.varies_by == ["color", "size"]
    for product in products:
        assert all(axis in product.attributes for axis in product.varies_by)
    assert xs.title["en_US"] == "Chaz Hoodie-XS-Black"  # the validation's source locale
