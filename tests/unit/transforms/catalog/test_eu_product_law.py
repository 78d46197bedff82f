"""EU product law's attributes (economic operators, safety information, energy label) come
through the native and Akeneo readers in one key form (`schemas.product`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.product import Product, safety_information
from transforms.catalog.akeneo import read_akeneo
from transforms.catalog.native import read_native_csv

if TYPE_CHECKING:
    from pathlib import Path

EXPECTED_ATTRIBUTES = {
    "manufacturer_id": "acme",
    "responsible_person_id": "acme_eu",
    "safety_warning-de_DE": "Nicht für Kinder unter 3 Jahren.\nKleinteile.",
    "safety_pictograms": "GHS02 GHS07",
    "instructions_url": "https://acme.example/manual.pdf",
    "energy_class": "B",
    "eprel_registration_number": "123456",
}


def _check(product: object) -> None:
    assert isinstance(product, Product)
    for key, value in EXPECTED_ATTRIBUTES.items():
        assert product.attributes[key] == value, key
    info = safety_information(product.attributes)
    assert info.warnings == {"de_DE": "Nicht für Kinder unter 3 Jahren.\nKleinteile."}
    assert info.pictograms == ("GHS02", "GHS07")
    assert info.documents == {"instructions": "https://acme.example/manual.pdf"}
    assert (info.energy_class, info.eprel_number) == ("B", "123456")


def test_native_csv_carries_them(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "sku,title,price_EUR,attr_manufacturer_id,attr_responsible_person_id,"
        "attr_safety_warning_de_DE,attr_safety_pictograms,attr_instructions_url,"
        "attr_energy_class,attr_eprel_registration_number\n"
        'X1,Model X,9.90,acme,acme_eu,"Nicht für Kinder unter 3 Jahren.\nKleinteile.",'
        "GHS02 GHS07,https://acme.example/manual.pdf,B,123456\n",
        encoding="utf-8",
    )
    [product] = read_native_csv(path)
    _check(product)


def test_akeneo_keeps_the_best_channel_s_warning_per_locale(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(
        "sku;name;price-EUR;manufacturer_id;responsible_person_id;safety_warning-de_DE-print;"
        "safety_warning-de_DE-ecommerce;safety_pictograms;instructions_url;energy_class;"
        "eprel_registration_number\n"
        "X1;Model X;9.90;acme;acme_eu;Druck;Nicht für Kinder unter 3 Jahren.\\nKleinteile.;"
        "GHS02 GHS07;https://acme.example/manual.pdf;B;123456\n",
        encoding="utf-8",
    )
    [product] = read_akeneo(path, description_scopes=("ecommerce", "print"))
    _check(product)
    assert not any(key.endswith(("-print", "-ecommerce")) for key in product.attributes)
