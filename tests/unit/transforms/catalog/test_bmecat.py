"""The BMEcat reader on real catalogs (the BMEcat 1.01 reference sample, a fischer export
through nexmart, a Weidmüller 2005 export, a Go library's 1.2 and 2005 fixtures) and on
hostile case files, each named for what is wrong with it (``tests/cases/catalog/bmecat``,
provenance in its README)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog
from schemas.config.catalog import CatalogSource
from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from tests.conftest import CASES
from tests.unit.transforms.catalog.catalog_items import by_sku
from transforms.catalog.bmecat.document import read_bmecat
from transforms.catalog.bmecat.variants import MAX_VARIANTS
from transforms.catalog.files import CatalogFileError

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.findings import Finding

FILES = CASES / "catalog" / "bmecat"
GERMAN = {"deu": "de_DE", "eng": "en_GB"}


def read(name: str, **settings: Any) -> tuple[dict[str, Product], list[Finding]]:
    source = CatalogSource(format="bmecat", path=str(FILES / name), **settings)
    return by_sku(read_bmecat(FILES / name, source))


def facts(findings: list[Finding]) -> list[tuple[str | None, int | None, str, str, str]]:
    return sorted(
        ((f.sku, f.row, f.field, f.rule, f.severity) for f in findings), key=lambda f: str(f)
    )


# --- real catalogs ---------------------------------------------------------------------------


def test_reference_sample_of_bmecat_1_01() -> None:
    products, findings = read("bmecat_1_01_reference_sample.xml", locales=GERMAN)
    assert sorted(products) == ["54-Charlie-R", "54-Dennis-B"]
    charlie = products["54-Charlie-R"]
    assert charlie.title == {"de_DE": "Freizeithemd Charlie"}
    assert charlie.description == {"de_DE": "Das modische Hemd der Extraklasse."}
    assert (charlie.gtin, charlie.brand, charlie.mpn) == (
        "87126709",
        "Faden und Soehne",
        "123-RD-67-U",
    )
    # net_list is preferred to net_customer; PRICE_FACTOR ,8 applies to "20,00" and "10,00"
    assert charlie.attributes["price_type"] == "net_list"
    assert charlie.prices == {
        "DEM": Money(Decimal("16.00"), "DEM"),
        "EUR": Money(Decimal("8.00"), "EUR"),
    }
    assert charlie.weight == Quantity(Decimal("500"), "g")  # FEATURE Gewicht 500 g
    assert charlie.attributes["Farbe"] == "Rot"
    assert charlie.attributes["KEYWORD"] == "Oberhemd, Strandhemd"
    # the mapping follows the articles; the group chain comes from CATALOG_GROUP_SYSTEM
    assert charlie.categories == ["Hemden", "Oberbekleidung", "Herrenbekleidung"]
    # MIME_ROOT "//mime-dateien" + the "normal" image; the PDF is no image
    assert charlie.image_links == ["//mime-dateien/charlie.jpg"]
    # Dennis's net_list names no currency: the header's DEM
    assert products["54-Dennis-B"].prices == {"DEM": Money(Decimal("20.00"), "DEM")}
    # TAX "16" (a percentage, as BMEcat 1.01 wrote it) is not mapped: said once
    assert facts(findings) == [("54-Charlie-R", 193, "TAX", "unknown_tax_class", "warning")]


def test_reference_sample_tax_rate_through_tax_classes() -> None:
    products, findings = read("bmecat_1_01_reference_sample.xml", tax_classes={"16": "food"})
    assert {p.tax_class for p in products.values()} == {"food", "standard"}
    assert products["54-Charlie-R"].tax_class == "food"  # Dennis's net_list has no TAX
    assert findings == []


def test_fischer_export_through_nexmart() -> None:
    products, findings = read("fischer_nexmart_1_2.xml", locales=GERMAN)
    assert findings == []
    (product,) = products.values()
    assert product.sku == "079685"
    assert product.title == {"de_DE": "Schiebeschlitten SBS M8"}
    assert (product.gtin, product.brand) == ("4006209796856", "fischer")
    # nrp (recommended retail, gross) is preferred to net_list 17.779 (a dot is a decimal)
    assert product.prices == {"EUR": Money(Decimal("21.15701"), "EUR")}
    assert product.attributes["price_type"] == "nrp"
    assert product.sale_prices == {}  # its one dated block is the price list's validity
    assert product.weight == Quantity(Decimal("4.158"), "kg")  # GrossWeight in KGM
    assert product.categories == [
        "Schiebeschlitten SBS",
        "Gleitelemente",
        "Installationssysteme",
        "(Wurzelkategorie)",
    ]
    assert product.attributes["Anschlussgewinde"] == "M 8"


@pytest.mark.parametrize(
    ("name", "naming"),
    [("olivere_1_2_new_catalog.xml", "1.2"), ("olivere_2005_new_catalog.xml", "2005")],
)
def test_the_same_catalog_in_both_versions(name: str, naming: str) -> None:
    products, findings = read(name, tax_classes={"19": "standard"})
    assert findings == []
    product = products["1000"]
    assert product.title == {ANY_LOCALE: 'Apple MacBook Pro 13"'}
    assert (product.gtin, product.brand, product.mpn) == ("8712670911213", "Microsoft", "MPN")
    # quantity scale: the price for LOWER_BOUND 1, not the 1300.9 from 100 pieces on
    assert product.prices == {"EUR": Money(Decimal("1499.5"), "EUR")}
    assert product.image_links == ["https://example.com/images/55-K-31.jpg"]
    assert product.attributes["ECLASS-5.1"] == "19010203"
    assert product.attributes["Netzspannung"] == "110, 220 VLT"
    if naming == "2005":
        # PRODUCT_LOGISTIC_DETAILS, and the classification system the file defines
        assert product.weight == Quantity(Decimal("1.37"), "kg")
        assert product.attributes["country_of_origin"] == "CN"
        assert product.categories == ["Mac", "Notebook", "Hardware"]


def test_weidmueller_export_in_two_languages() -> None:
    products, findings = read("weidmueller_2005_onto.xml", locales=GERMAN)
    assert findings == []
    product = products["1609801044"]
    assert product.title == {"de_DE": "Klemmenmarkierung", "en_GB": "Terminal marking"}
    assert product.gtin == "4008190397111"
    assert product.brand == "Weidmueller Group"
    assert product.prices == {}  # its price has a LOWER_BOUND but no PRICE_AMOUNT
    assert product.image_links == []  # its only MIME is a data sheet link
    assert product.attributes["Einbauform"] == "Aufbau"  # FT_NAME, FVALUE_DETAILS
    assert product.attributes["ECLASS-9.0"] == "27141137"


def test_unmapped_language_is_said_once_and_not_read() -> None:
    products, findings = read("weidmueller_2005_onto.xml")
    product = products["1609801044"]
    assert product.title == {ANY_LOCALE: "Klemmenmarkierung"}  # the default language
    assert facts(findings) == [
        ("1609801044", 29, "DESCRIPTION_SHORT", "language_unmapped", "warning")
    ]


# --- what a hand-written file shows -----------------------------------------------------------


def test_price_choice_sale_images_and_units() -> None:
    products, findings = read(
        "sale_price_scales_and_languages.xml", locales=GERMAN, tax_classes={"7": "food"}
    )
    oil = products["OIL-750"]
    assert oil.title == {
        "de_DE": "Olivenöl nativ extra 0,75 l",
        "en_GB": "Extra virgin olive oil 0.75 l",
    }
    assert oil.description == {"de_DE": "<p>Kaltgepresst aus Kreta.</p>"}
    assert facts(findings) == [("OIL-750", 21, "DESCRIPTION_LONG", "language_unmapped", "warning")]
    # gros_list wins over net_list; of its scales the one from 1 piece; CHF names itself
    assert oil.prices == {
        "EUR": Money(Decimal("11.24"), "EUR"),
        "CHF": Money(Decimal("12.00"), "CHF"),
    }
    # a dated, lower block is a sale; the later, dearer price list is not
    assert oil.sale_prices == {
        "EUR": SalePrice(Decimal("8.99"), "EUR", "2024-12-01", "2024-12-24T23:59:59+01:00")
    }
    assert oil.tax_class == "food"
    assert oil.image_links == [
        "https://media.example.com/bilder/oil-front.jpg",
        "https://media.example.com/bilder/oil-back.jpg",
        "https://cdn.example.org/oil-side.png",
        "https://media.example.com/bilder/oil-thumb.jpg",
    ]
    assert oil.weight == Quantity(Decimal("0.92"), "kg")  # gross, not the net 690 g
    assert oil.net_content == Quantity(Decimal("0.75"), "l")  # CONTENT_UNIT LTR
    assert oil.condition == "refurbished"
    assert oil.categories == ["Olivenöl", "Getränke", "Sortiment"]
    assert (oil.gtin, oil.mpn, oil.attributes["country_of_origin"]) == (
        "4006381333931",
        "KR-OIL-75",
        "GR",
    )


def test_variants_from_feature_variants() -> None:
    products, findings = read("variants_with_empty_value_and_missing_supplement.xml")
    assert sorted(products) == ["SHIRT-R-M", "SHIRT-X-M"]  # SHIRT itself only groups them
    red = products["SHIRT-R-M"]  # supplements in VORDER order: Farbe 1, Größe 2
    assert (red.group, red.varies_by) == ("SHIRT", ["Farbe", "Größe"])
    assert (red.attributes["Farbe"], red.attributes["Größe"]) == ("rot", "M")
    # an empty colour means "any": that variant varies by size only
    any_colour = products["SHIRT-X-M"]
    assert any_colour.varies_by == ["Größe"]
    assert "Farbe" not in any_colour.attributes
    for variant in products.values():  # what the group shares, each variant has
        assert variant.title == {ANY_LOCALE: "Hemd Charlie"}
        assert variant.prices == {"EUR": Money(Decimal("29.90"), "EUR")}
        assert variant.image_links == ["shirt.jpg"]
        assert variant.attributes["Material"] == "Baumwolle"
    # size L has no supplement: neither of its two variants has an sku
    assert facts(findings) == [
        (None, 13, "SUPPLIER_AID_SUPPLEMENT", "missing_sku", "error"),
        (None, 13, "SUPPLIER_AID_SUPPLEMENT", "missing_sku", "error"),
    ]


def test_variants_that_multiply_out_too_far_are_refused(tmp_path: Path) -> None:
    features = "".join(
        f"<FEATURE><FNAME>A{n}</FNAME><VARIANTS>"
        "<VARIANT><FVALUE>x</FVALUE><SUPPLIER_AID_SUPPLEMENT>x</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
        "<VARIANT><FVALUE>y</FVALUE><SUPPLIER_AID_SUPPLEMENT>y</SUPPLIER_AID_SUPPLEMENT></VARIANT>"
        f"<VORDER>{n}</VORDER></VARIANTS></FEATURE>"
        for n in range(MAX_VARIANTS.bit_length())
    )
    path = tmp_path / "wide.xml"
    path.write_text(
        '<BMECAT version="1.2"><HEADER><CATALOG><LANGUAGE>deu</LANGUAGE></CATALOG></HEADER>'
        "<T_NEW_CATALOG><ARTICLE><SUPPLIER_AID>W</SUPPLIER_AID><ARTICLE_FEATURES>"
        f"{features}</ARTICLE_FEATURES></ARTICLE></T_NEW_CATALOG></BMECAT>",
        encoding="utf-8",
    )
    products, findings = by_sku(read_bmecat(path, CatalogSource(format="bmecat", path=str(path))))
    assert products == {}
    assert facts(findings) == [("W", 1, "VARIANTS", "too_many_variants", "error")]


# --- hostile files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "skus", "expected"),
    [
        (
            "product_without_supplier_pid.xml",
            ["H-1", "H-3"],
            [(None, 18, "SUPPLIER_PID", "missing_sku", "error")],
        ),
        (
            "price_not_a_number.xml",
            ["H-1", "H-2", "H-3"],
            [
                ("H-1", 13, "PRICE_AMOUNT (gros_list)", "not_a_number", "warning"),
                ("H-2", 18, "PRICE_AMOUNT (gros_list)", "negative_price", "warning"),
                ("H-3", 23, "PRICE_AMOUNT (gros_list)", "ambiguous_number", "error"),
            ],
        ),
        (
            "tax_rate_not_mapped.xml",
            ["H-1", "H-2", "H-3", "H-4"],
            [
                ("H-1", 13, "TAX", "unknown_tax_class", "warning"),  # 7 %, once for two
                ("H-3", 23, "TAX", "unknown_tax_class", "warning"),  # 5.5 %
                ("H-4", 28, "TAX", "unknown_tax_class", "warning"),  # 19 %
            ],
        ),
        (
            "bad_byte_in_title.xml",
            ["H-1", "H-3"],
            [("H-2", 18, "(xml)", "invalid_encoding", "error")],
        ),
        (
            "external_entity.xml",
            ["H-1", "H-3"],
            [("H-2", 19, "(xml)", "malformed_xml", "error")],
        ),
        (
            "file_cut_off.xml",
            ["H-1", "H-2"],
            [("H-3", 23, "(xml)", "malformed_xml", "error")],
        ),
        (
            "broken_tag.xml",
            ["H-1", "H-3"],
            [
                ("H-2", 18, "(xml)", "malformed_xml", "error"),
                # what lxml's recovery could not close: reported by line
                (None, 28, "(xml)", "malformed_xml", "error"),
                (None, 29, "(xml)", "malformed_xml", "error"),
                (None, 30, "(xml)", "malformed_xml", "error"),
            ],
        ),
    ],
)
def test_hostile_file(name: str, skus: list[str], expected: list[Any]) -> None:
    products, findings = read(name, tax_classes={"19": "standard"} if "tax" not in name else {})
    assert sorted(products) == skus
    assert facts(findings) == sorted(expected, key=str)
    for finding in findings:  # every refusal says why in a sentence naming its line
        assert finding.message and finding.row is not None


def test_catalog_encoding_overrides_what_the_file_declares() -> None:
    products, findings = read("bad_byte_in_title.xml", encoding="latin-1")
    assert findings[0].rule == "unknown_tax_class"  # no byte is bad in Latin-1
    assert products["H-2"].title == {ANY_LOCALE: "Käse"}


def test_product_an_update_deletes_is_read_as_disabled(tmp_path: Path) -> None:
    path = tmp_path / "update.xml"
    path.write_text(
        '<BMECAT version="2005"><HEADER><CATALOG><LANGUAGE>deu</LANGUAGE></CATALOG></HEADER>'
        '<T_UPDATE_PRODUCTS prev_version="1"><PRODUCT mode="delete"><SUPPLIER_PID>D-1'
        '</SUPPLIER_PID></PRODUCT><PRODUCT mode="update"><SUPPLIER_PID>U-1</SUPPLIER_PID>'
        "</PRODUCT></T_UPDATE_PRODUCTS></BMECAT>",
        encoding="utf-8",
    )
    products, _ = by_sku(read_bmecat(path, CatalogSource(format="bmecat", path=str(path))))
    assert {sku: p.enabled for sku, p in products.items()} == {"D-1": False, "U-1": True}


def test_unmapped_tax_rate_reads_as_standard_and_mapped_ones_as_their_class() -> None:
    products, findings = read("tax_rate_not_mapped.xml", tax_classes={"7": "food", "19%": "books"})
    assert {sku: p.tax_class for sku, p in products.items()} == {
        "H-1": "food",
        "H-2": "food",
        "H-3": "standard",
        "H-4": "books",
    }
    assert facts(findings) == [("H-3", 23, "TAX", "unknown_tax_class", "warning")]


def test_external_entity_is_never_read() -> None:
    products, findings = read("external_entity.xml")
    # the internal entity is expanded, the file:// one never opened
    assert products["H-1"].title == {ANY_LOCALE: "Teebeutel Hostile"}
    everything = repr(products) + repr(findings)
    assert "root:" not in everything
    assert "secret" in next(f.message for f in findings if f.rule == "malformed_xml")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("root_is_not_bmecat.xml", ["not a BMEcat document", "<catalog>"]),
        ("price_update_not_a_catalog.xml", ["T_UPDATE_PRICES", "not a catalog"]),
    ],
)
def test_file_that_is_no_bmecat_catalog_is_refused(name: str, words: list[str]) -> None:
    with pytest.raises(CatalogFileError) as refused:
        read(name)
    for word in words:
        assert word in str(refused.value)


def test_file_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    path.write_text("sku;name\nA-1;Tee\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match="export.xml"):
        list(read_bmecat(path, CatalogSource(format="bmecat", path=str(path))))


# --- through the pipeline's extract step -------------------------------------------------------


def test_read_through_the_catalog_settings() -> None:
    source = CatalogSource(
        format="bmecat",
        path=str(FILES / "variants_with_empty_value_and_missing_supplement.xml"),
        currency="EUR",
        defaults={"brand": "Faden und Soehne"},
        asset_base_url="https://media.example.com/bmecat/",
    )
    products, _ = by_sku(read_catalog(source))
    assert sorted(products) == ["SHIRT-R-M", "SHIRT-X-M"]
    red = products["SHIRT-R-M"]
    assert red.brand == "Faden und Soehne"
    assert red.image_links == ["https://media.example.com/bmecat/shirt.jpg"]
    # Farbe and Größe as one vocabulary, the same in varies_by and the attributes
    assert red.varies_by == ["color", "size"]
    assert (red.attributes["color"], red.attributes["size"]) == ("rot", "M")
    assert products["SHIRT-X-M"].varies_by == ["size"]
