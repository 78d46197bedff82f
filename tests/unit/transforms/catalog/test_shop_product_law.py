"""EU product law's attributes (economic operators, safety information, energy label) come
through every shop format's reader in the key form of `schemas.product`, as a merchant of
that shop system keeps them (case files ``tests/cases/catalog/<format>/eu_product_law_*``),
so that the GPSR check and the channels read them whatever the catalog's format."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pipeline.extract import read_catalog
from schemas.config.catalog import CatalogSource
from schemas.findings import Finding
from schemas.listing import Listing
from schemas.product import Product, safety_information
from tests.akeneo_api_server import (
    CONN_ID,
    AkeneoApiServer,
    load_catalog,
)
from tests.conftest import CASES, ROOT
from tests.unit.feeds.test_channels import CONFIG, write
from transforms.localize import localize
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer

if TYPE_CHECKING:
    from pathlib import Path

SHOPS = CASES / "catalog"
WARNING = "Nicht in der Nähe von Wasser betreiben."
CASE_FILES: dict[str, tuple[str, dict[str, Any]]] = {
    # format: (case file, the merchant's other settings)
    "shopify": ("shopify/eu_product_law_metafields.csv", {}),
    "woocommerce": ("woocommerce/eu_product_law_meta_and_attributes.csv", {}),
    "magento": ("magento/eu_product_law_additional_attributes.csv", {"weight_unit": "kg"}),
    "shopware": ("shopware/eu_product_law_custom_fields.csv", {}),
    "bmecat": (
        "bmecat/eu_product_law_features.xml",
        {"locales": {"deu": "de_DE"}, "tax_classes": {"19": "standard"}},
    ),
}
EXPECTED: dict[str, dict[str, str]] = {
    # what KW-K5-BLK carries in each case file, in the form of `schemas.product`
    "shopify": {
        "safety_warning-de_DE": WARNING + "\nVor dem Öffnen Netzstecker ziehen.",
        "safety_pictograms": "GHS02, GHS07",
        "instructions_url": "https://klangwerk.example/k5-manual.pdf",
        "energy_class": "B",
        "eprel_registration_number": "1234567",
    },
    "woocommerce": {
        "safety_warning-de_DE": WARNING,
        "instructions_url": "https://klangwerk.example/k5-manual.pdf",
        "energy_class": "B",
        "eprel_registration_number": "1234567",
    },
    "magento": {
        "safety_warning-de_DE": "Nicht in der Nähe von Wasser betreiben, nicht öffnen.",
        "safety_pictograms": "GHS02, GHS07",
        "declaration_of_conformity_url": "https://klangwerk.example/k5-doc.pdf",
        "energy_class": "B",
        "eprel_registration_number": "1234567",
    },
    "shopware": {
        "safety_warning-de_DE": WARNING,
        "safety_pictograms": "GHS02, GHS07",
        "energy_class": "B",
        "eprel_registration_number": "1234567",
    },
    "bmecat": {
        "safety_warning-de_DE": WARNING,
        "safety_data_sheet_url": "https://media.klangwerk.example/k5-sds.pdf",
        "energy_class": "B",
        "eprel_registration_number": "1234567",
    },
}


def _read(fmt: str, **settings: Any) -> tuple[dict[str, Product], list[Finding]]:
    path, extra = CASE_FILES[fmt]
    source = CatalogSource.model_validate(
        {
            "format": fmt,
            "path": str(SHOPS / path),
            "currency": "EUR",
            "locale": "de_DE",
            **extra,
            **settings,
        }
    )
    items = list(read_catalog(source))
    products = {i.sku: i for i in items if isinstance(i, Product)}
    return products, [i for i in items if isinstance(i, Finding)]


@pytest.mark.parametrize("fmt", sorted(CASE_FILES))
def test_each_shop_format_carries_operators_and_safety_information(fmt: str) -> None:
    products, findings = _read(fmt)
    k5 = products["KW-K5-BLK"]
    assert k5.brand == "Klangwerk", "the brand [operators.brands] maps onto the manufacturer"
    assert k5.attributes["responsible_person_id"] == "klangwerk_eu"
    for key, value in EXPECTED[fmt].items():
        assert k5.attributes.get(key) == value, key
    info = safety_information(k5.attributes)
    assert info.warnings == {"de_DE": EXPECTED[fmt]["safety_warning-de_DE"]}
    assert (info.energy_class, info.eprel_number) == ("B", "1234567")
    assert not [f for f in findings if f.severity == "error"]


def test_a_woocommerce_variation_takes_its_parent_s_brand_and_operators() -> None:
    products, _ = _read("woocommerce")
    variation = products["KW-HP-BLK"]
    assert variation.brand == "Klangwerk"
    assert variation.attributes["responsible_person_id"] == "klangwerk_eu"
    assert safety_information(variation.attributes).pictograms == ("GHS07",)


def test_shopware_s_manufacturer_uuid_is_not_read_as_an_operator_id() -> None:
    """Shopware's default profile exports ``manufacturer_id``, its own id of the
    manufacturer entity: read as our attribute of that name, the GPSR check would look
    for an ``[operators.5f6e...]`` table and set every product aside."""
    products, findings = _read("shopware")
    assert "manufacturer_id" not in products["KW-K3-BLK"].attributes
    [bad] = [f for f in findings if f.rule == "custom_fields_not_json"]
    assert (bad.sku, bad.field, bad.severity) == ("KW-K3-BLK", "custom_fields", "warning")


def test_a_merchant_s_own_column_is_named_in_catalog_columns(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "Title,URL handle,Vendor,SKU,Price,GPSR (product.metafields.custom.gpsr_hinweis),"
        "EU-Vertreter (product.metafields.custom.eu_vertreter)\n"
        f"Monitor K5,k5,Klangwerk,KW-K5-BLK,199.00,{WARNING},klangwerk_eu\n",
        encoding="utf-8",
    )
    source = CatalogSource(
        format="shopify",
        path=str(path),
        currency="EUR",
        locale="de_DE",
        columns={
            "safety_warning": "GPSR (product.metafields.custom.gpsr_hinweis)",
            "responsible_person_id": "EU-Vertreter (product.metafields.custom.eu_vertreter)",
        },
    )
    [product] = [i for i in read_catalog(source) if isinstance(i, Product)]
    assert product.attributes["safety_warning-de_DE"] == WARNING
    assert product.attributes["responsible_person_id"] == "klangwerk_eu"


def test_native_and_akeneo_warnings_keep_their_key_through_the_catalog_settings(
    tmp_path: Path,
) -> None:
    """The catalog settings fold attribute names into one vocabulary; a warning's locale
    must survive it (``safety_warning-de_DE``, not ``safety_warning_de_de``)."""
    path = tmp_path / "products.csv"
    path.write_text(
        "sku;name;price-EUR;brand;safety_warning-de_DE-ecommerce;safety_warning-fr_FR-ecommerce\n"
        "X1;Model X;9.90;Klangwerk;Nicht für Kinder.;Pas pour les enfants.\n",
        encoding="utf-8",
    )
    source = CatalogSource(format="akeneo", path=str(path))
    [product] = [i for i in read_catalog(source) if isinstance(i, Product)]
    assert safety_information(product.attributes).warnings == {
        "de_DE": "Nicht für Kinder.",
        "fr_FR": "Pas pour les enfants.",
    }


def test_the_akeneo_api_reader_carries_them() -> None:
    case = json.loads((SHOPS / "akeneo_api" / "eu_product_law_values.json").read_text("utf-8"))
    catalog = load_catalog()
    catalog["products"] = case["products"]
    catalog["product_models"] = []
    catalog["attributes"] = [*catalog["attributes"], *case["attributes"]]
    source = CatalogSource(
        format="akeneo_api", currency="EUR", api_conn_id=CONN_ID, api_channel="ecommerce"
    )
    with AkeneoApiServer(catalog) as server:
        connection = server.connection()
        [product] = [
            i for i in read_catalog(source, akeneo_api=connection) if isinstance(i, Product)
        ]
    assert server.problems == []
    assert product.brand == "Klangwerk"
    assert product.attributes["responsible_person_id"] == "klangwerk_eu"
    info = safety_information(product.attributes)
    assert info.warnings == {"de_DE": WARNING, "en_US": "Keep away from water."}
    assert info.pictograms == ("GHS02", "GHS07")
    assert info.documents == {"instructions": "https://klangwerk.example/k5-manual.pdf"}
    assert (info.energy_class, info.eprel_number) == ("B", "1234567")


# -- end to end: reader, localization, an EU channel ------------------------------------


def _rates() -> Any:
    with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as stream:
        return parse_ecb_rates(stream)


@pytest.mark.parametrize("channel", ["ebay", "kaufland"])
def test_a_shopify_product_of_a_manufacturer_outside_the_eu_needs_its_responsible_person(
    channel: str,
) -> None:
    """Klangwerk (the shipped configuration's manufacturer in Shenzhen, mapped by brand)
    makes both monitors; only the K5 names its EU responsible person in the Shopify
    metafield. In Germany the K3 is set aside before publishing, with the finding saying
    what to add; the K5 is listed."""
    products, _ = _read("shopify")
    market = CONFIG.market("DE")
    assert market.operators.brands["Klangwerk"] == "klangwerk"
    pricer = Pricer(market, CONFIG.pricing, _rates())
    listings: list[Listing] = []
    for sku in ("KW-K5-BLK", "KW-K3-BLK"):
        # The category map (config/categories.toml) knows the shop's speakers as audio.
        products[sku].categories = ["audio"]
        localized = localize(products[sku], market, pricer, source_locale="de_DE")
        assert isinstance(localized, Listing), localized
        listings.append(localized)
    data, [listed, set_aside] = write(channel, market, listings)
    assert b"KW-K5-BLK" in data
    assert not [f for f in listed if f.rule.startswith("gpsr_")]
    assert b"KW-K3-BLK" not in data
    [finding] = [f for f in set_aside if f.rule.startswith("gpsr_")]
    assert (finding.rule, finding.severity, finding.sku, finding.channel) == (
        "gpsr_responsible_person_missing",
        "error",
        "KW-K3-BLK",
        channel,
    )
    assert "responsible_person_id" in finding.message
    assert listings[0].price.amount == Decimal("199.00")
