"""Merchants' own catalogs, as their shop systems export them, with a few lines of config.

Each case is a real public export (tests/cases/catalog/<format>/, provenance beside it)
read with at most five lines of ``[catalog]`` (format, path, currency, a default brand, an
asset base URL) in place of the project's own catalog section; everything else is the
shipped configuration. Onboarding (`pipeline.onboarding.onboard`: extract, validate and the
builds, nothing translated or published) must account for every product, and Google in DE
and US must list every enabled product that has a title and a price, except for what the
export itself lacks (an image, a description Google requires); nothing may be set aside for
a reason the five lines already answer (brand, identifiers, variant axes, units, images).

One run per format goes through every step of the DAG as well (`tests.steps.run_steps`):
the catalog staged by the real extract step, the Google feed published and parsed.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree

from feeds.google import G_NS
from pipeline.extract import read_catalog
from pipeline.onboarding import onboard
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import CASES, ROOT, run_folder
from tests.steps import run_steps

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

SHOPS = CASES / "catalog"
G = f"{{{G_NS}}}"

CATALOGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    # id: (format, file, the merchant's other settings)
    "shopify-2024-template": (
        "shopify",
        "shopify/product_template_2024.csv",
        {"currency": "USD"},
    ),
    "shopify-2023-template": (
        "shopify",
        "shopify/product_template_2023.csv",
        {"currency": "USD"},
    ),
    "magento-configurable": (
        "magento",
        "magento/import_configurable_product.csv",
        {
            "currency": "USD",
            "defaults": {"brand": "Luma"},
            "asset_base_url": "https://shop.example/media/catalog/product",
        },
    ),
    "magento-bb-products": (
        "magento",
        "magento/BB-Products.csv",
        {
            "currency": "USD",
            "defaults": {"brand": "Luma"},
            "asset_base_url": "https://shop.example/media/catalog/product",
        },
    ),
    "magento-sample-data": (
        "magento",
        "magento/prepared-for-sample-data.csv",
        {
            "currency": "USD",
            "defaults": {"brand": "Luma"},
            "asset_base_url": "https://shop.example/media/catalog/product",
        },
    ),
    "magento-catalog": (
        "magento",
        "magento/catalog_products.csv",
        {
            "currency": "USD",
            "defaults": {"brand": "Luma"},
            "asset_base_url": "https://shop.example/media/catalog/product",
        },
    ),
    "woocommerce-sample-data": (
        "woocommerce",
        "woocommerce/sample_products.csv",
        {"currency": "USD", "defaults": {"brand": "Woo"}},
    ),
    "classic-commerce-sample-data": (
        "woocommerce",
        "woocommerce/classic_commerce_sample_products.csv",
        {"currency": "USD", "defaults": {"brand": "Classic"}},
    ),
    "bmecat-2005": (
        "bmecat",
        "bmecat/olivere_2005_new_catalog.xml",
        {"currency": "EUR"},
    ),
    "bmecat-1.2-fischer": (
        "bmecat",
        "bmecat/fischer_nexmart_1_2.xml",
        {"currency": "EUR", "asset_base_url": "https://media.fischer.example/images/"},
    ),
    "bmecat-2005-weidmueller": (
        "bmecat",
        "bmecat/weidmueller_2005_onto.xml",
        {"currency": "EUR"},
    ),
    "shopware-demo": (
        "shopware",
        "shopware/products.csv",
        {"currency": "EUR"},
    ),
    "shopware-default-profile": (
        "shopware",
        "shopware/single-product.csv",
        {"currency": "EUR", "defaults": {"brand": "Shopware"}},
    ),
}
"""Every real export a reader ships with; each reader's own tests read the hostile ones."""

DATA_GAPS = {"image_link missing", "description missing", "disabled in the catalog", "no image"}
"""Reasons that are the export's own gaps: no config line can add a missing image."""


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def merchant_config(tmp_path: Path, fmt: str, file: str, settings: dict[str, Any]) -> Path:
    """The shipped configuration with the merchant's catalog section (at most five lines),
    staging and output in ``tmp_path``."""
    shipped = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    start, end = shipped.index("[catalog]"), shipped.index("[storage]")
    lines = [f'format = "{fmt}"', f"path = {json.dumps(str(SHOPS / file))}"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in settings.items()]
    assert len(lines) <= 5, "a merchant's catalog section is five lines at most"
    text = shipped[:start] + "[catalog]\n" + "\n".join(lines) + "\n\n" + shipped[end:]
    # the sample catalog's own translators' file is not the merchant's
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("human_translations"))
    for name in ("categories.toml", "vat.toml", "glossary.toml"):
        text = text.replace(f'"{name}"', json.dumps(str(ROOT / "config" / name)))
    text = text.replace(
        '"../examples/ecb/eurofxref-daily.xml"',
        json.dumps(str(ROOT / "examples" / "ecb" / "eurofxref-daily.xml")),
    )
    text = text.replace('"../var/staging"', json.dumps(str(tmp_path / "staging")))
    text = text.replace('"../var/output"', json.dumps(str(tmp_path / "output")))
    path = tmp_path / "markets.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(CATALOGS))
def test_a_shop_export_lists_with_five_lines_of_config(tmp_path: Path, case: str) -> None:
    fmt, file, settings = CATALOGS[case]
    config = load_config(merchant_config(tmp_path, fmt, file, settings))
    products = [p for p in read_catalog(config.catalog) if isinstance(p, Product)]
    assert products, f"{case}: the reader read no product"
    sellable = {p.sku for p in products if p.enabled and any(p.title.values()) and p.prices}
    outcome = onboard(config, tmp_path / "work", markets=["DE", "US"])
    # a catalog without a single price (Weidmüller's export) would stop a real run: said
    assert (outcome["gate"] is None) == bool(sellable), outcome["gate"]
    assert outcome["products"] == len(products)
    for row in outcome["overview"]:
        # every product accounted for: listed, or set aside under a counted reason
        assert row["products"] == len(products)
        assert row["listed"] + row["set_aside"] == row["products"]
        if row["channel"] != "google":
            continue
        unsellable = len(products) - len(sellable)  # no title or price: the gate's to stop
        assert not [
            r
            for r in row["reasons"]
            if r["reason"] not in DATA_GAPS
            and not (
                r["reason"] == "set aside by the catalog rules" and r["products"] <= unsellable
            )
        ], f"{case} {row['market']}: set aside for a reason the config answers: {row['reasons']}"
        gaps = sum(
            r["products"] for r in row["reasons"] if r["reason"] != "disabled in the catalog"
        )
        assert row["listed"] >= len(sellable) - gaps
        assert row["listed"] >= 0.9 * (len(sellable) - gaps)


@pytest.mark.parametrize(
    "case", ["shopify-2023-template", "magento-bb-products", "woocommerce-sample-data"]
)
def test_a_shop_export_through_the_steps(tmp_path: Path, case: str) -> None:
    fmt, file, settings = CATALOGS[case]
    run = run_steps(
        merchant_config(tmp_path, fmt, file, settings), date(2026, 11, 26), markets=["US"]
    )
    assert run.state == "success", case
    config = load_config(tmp_path / "markets.toml")
    products = {p.sku: p for p in read_catalog(config.catalog) if isinstance(p, Product)}
    feed = etree.parse(str(tmp_path / "output" / "US" / "google.xml"))
    items = feed.findall("channel/item")
    assert items
    # the report opens with what each feed lists and what fixes the rest
    report = etree.parse(
        str(run_folder(tmp_path / "output", "2026-11-26") / "report.html"), etree.HTMLParser()
    )
    (google,) = report.xpath(
        '//tr[@class="overview-row"][@data-market="US"][@data-channel="google"]'
    )
    assert [int(cell.text) for cell in google.xpath("td[@class='num']")[:2]] == [
        len(items),
        len(products),
    ]
    for item in items:
        product = products[item.findtext(f"{G}id") or ""]
        assert item.findtext(f"{G}brand") == product.brand
        assert product.brand == settings.get("defaults", {}).get("brand", product.brand)
        if product.group:
            assert item.findtext(f"{G}item_group_id")


def test_variant_axes_agree_with_attributes_whatever_their_case(tmp_path: Path) -> None:
    """``varies_by = Color|Size`` over the attributes ``Colour`` and ``size``: every variant
    is listed on eBay in its group, and Google's titles tell the four apart."""
    # eBay's offer names the listing's category, and config/categories.toml maps no
    # clothing: the tees take a mapped one (the axes are what is tested here).
    rows = (SHOPS / "native" / "axes_named_in_another_case.csv").read_text().splitlines()
    tees = tmp_path / "tees.csv"
    tees.write_text(
        "\n".join([f"{rows[0]},categories", *(f"{row},bags" for row in rows[1:])]) + "\n"
    )
    config = load_config(merchant_config(tmp_path, "csv", str(tees), {"decimal_mark": "."}))
    outcome = onboard(config, tmp_path / "work", markets=["US"])
    listed = {row["channel"]: row["listed"] for row in outcome["overview"]}
    assert listed["ebay"] == 4 and listed["google"] == 4, outcome["overview"]
    findings = [
        json.loads(line)
        for line in (tmp_path / "work" / "build" / "US" / "findings.jsonl").read_text().splitlines()
    ]
    assert [
        f for f in findings if f["rule"] in ("duplicate_title", "missing_variation_value")
    ] == []
    titles = etree.parse(str(next((tmp_path / "work" / "build" / "US").glob("google*.xml"))))
    names = [t.text for t in titles.iter(f"{G}title")]
    assert len(set(names)) == 4, names
