"""Write the bundled sample catalog in Akeneo's CSV export format.

Run ``python examples/sample_catalog/generate.py`` to regenerate
``products.csv`` and ``product_models.csv`` beside this file. The texts were
written for grenzenlos; the output is deterministic. A handful of rows are
dirty on purpose (see DIRTY_ROWS) so the demo shows what the pipeline reports.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent

COLUMNS = [
    "sku",
    "categories",
    "enabled",
    "family",
    "parent",
    "groups",
    "brand",
    "mpn",
    "ean",
    "name",
    "description-de_DE-ecommerce",
    "description-en_US-ecommerce",
    "description-fr_FR-ecommerce",
    "short_description-de_DE-ecommerce",
    "short_description-en_US-ecommerce",
    "short_description-fr_FR-ecommerce",
    "color",
    "material",
    "image",
    "picture",
    "price-CHF",
    "price-EUR",
    "price-GBP",
    "price-USD",
    "tax_class",
    "weight",
    "weight-unit",
    "length",
    "length-unit",
    "width",
    "width-unit",
    "height",
    "height-unit",
    "volume",
    "volume-unit",
    "net_content",
    "net_content-unit",
    "UPSELL-groups",
    "UPSELL-products",
]

# family: (brand, category, name pattern, texts per locale, weight, dims, volume, base EUR)
FAMILIES = {
    "bottles": {
        "brand": "Nordquell",
        "categories": "drinkware,outdoor",
        "name": "Nordquell Trail Bottle {size} ml {color_en}",
        "en": "<p>Double-walled <b>stainless steel</b> bottle that keeps drinks cold for 24 hours "
        "and hot for 12.</p><ul><li>{size} ml</li><li>Leak-proof screw cap</li></ul>",
        "de": "<p>Doppelwandige Flasche aus <b>Edelstahl</b>: hält Getränke 24 Stunden kalt "
        "und 12 Stunden heiß.</p><ul><li>{size} ml</li><li>Auslaufsicherer Schraubdeckel</li></ul>",
        "fr": "<p>Gourde à double paroi en <b>acier inoxydable</b> : boissons fraîches 24 heures, "
        "chaudes 12 heures.</p><ul><li>{size} ml</li><li>Bouchon à vis étanche</li></ul>",
        "bullets_en": "Keeps cold 24 h\\nDishwasher-safe lid",
        "bullets_de": "24 Stunden kalt\\nDeckel spülmaschinenfest",
        "bullets_fr": "Froid pendant 24 h\\nCouvercle lavable au lave-vaisselle",
        "sizes": [500, 750, 1000],
        "weight": ("{w}", "GRAM"),
        "base": 24.90,
    },
    "backpacks": {
        "brand": "Bergfink",
        "categories": "bags,outdoor",
        "name": "Bergfink Daypack {size} L {color_en}",
        "en": "<p>Light daypack with a padded back panel and a laptop sleeve up to 15 inches. "
        "Recycled polyester, water-repellent.</p>",
        "de": "<p>Leichter Tagesrucksack mit gepolstertem Rücken und Laptopfach bis 15 Zoll. "
        "Recyceltes Polyester, wasserabweisend.</p>",
        "fr": "<p>Sac à dos léger avec dos rembourré et poche pour ordinateur jusqu'à 15 pouces. "
        "Polyester recyclé, déperlant.</p>",
        "bullets_en": "Laptop sleeve\\nRain cover included",
        "bullets_de": "Laptopfach\\nRegenhülle inklusive",
        "bullets_fr": "Poche ordinateur\\nHousse de pluie incluse",
        "sizes": [18, 24, 30],
        "weight": ("{kg}", "KILOGRAM"),
        "base": 79.00,
    },
    "headphones": {
        "brand": "Klangwerk",
        "categories": "audio,electronics",
        "name": "Klangwerk KW-{size} Wireless Headphones {color_en}",
        "en": "<p>Over-ear headphones with active noise cancelling and up to 40 hours of battery "
        "life.</p><p>Bluetooth 5.3, USB-C fast charging.</p>",
        "de": "<p>Over-Ear-Kopfhörer mit aktiver Geräuschunterdrückung und bis zu 40 Stunden "
        "Akkulaufzeit.</p><p>Bluetooth 5.3, Schnellladen über USB-C.</p>",
        "fr": "<p>Casque circum-auriculaire à réduction de bruit active, jusqu'à 40 heures "
        "d'autonomie.</p><p>Bluetooth 5.3, charge rapide USB-C.</p>",
        "bullets_en": "40 h battery\\nActive noise cancelling",
        "bullets_de": "40 h Akku\\nAktive Geräuschunterdrückung",
        "bullets_fr": "40 h d'autonomie\\nRéduction de bruit active",
        "sizes": [300, 500, 700],
        "weight": ("{w}", "GRAM"),
        "base": 129.00,
    },
    "lamps": {
        "brand": "Lichtform",
        "categories": "home,lighting",
        "name": "Lichtform Desk Lamp {size} {color_en}",
        "en": "<p>LED desk lamp with five colour temperatures and a dimmer. The arm is "
        "{size} inches long.</p>",
        "de": "<p>LED-Schreibtischleuchte mit fünf Farbtemperaturen und Dimmer. Der Arm ist "
        "{size} Zoll lang.</p>",
        "fr": "<p>Lampe de bureau LED avec cinq températures de couleur et variateur. Le bras "
        "mesure {size} pouces.</p>",
        "bullets_en": "Dimmable\\nUSB charging port",
        "bullets_de": "Dimmbar\\nUSB-Ladeanschluss",
        "bullets_fr": "Intensité réglable\\nPort de charge USB",
        "sizes": [14, 18, 22],
        "weight": ("{kg}", "KILOGRAM"),
        "dims_inch": True,
        "base": 59.00,
    },
    "teas": {
        "brand": "Teegarten Sieben",
        "categories": "food,tea",
        "name": "Teegarten Sieben {tea_en} {size} g",
        "en": "<p>Loose-leaf {tea_en_lower} from family gardens, packed in a resealable bag.</p>",
        "de": "<p>Loser {tea_de} aus Familiengärten, im wiederverschließbaren Beutel.</p>",
        "fr": "<p>{tea_fr} en vrac issu de jardins familiaux, en sachet refermable.</p>",
        "bullets_en": "Organic\\nResealable bag",
        "bullets_de": "Bio\\nWiederverschließbar",
        "bullets_fr": "Bio\\nSachet refermable",
        "sizes": [100, 250, 500],
        "weight": ("{size}", "GRAM"),
        "base": 7.50,
        "tax": "reduced",
    },
    "oils": {
        "brand": "Olivera",
        "categories": "food,oil",
        "name": "Olivera Extra Virgin Olive Oil {size} ml",
        "en": "<p>Cold-pressed extra virgin olive oil from a single estate. Harvest 2026.</p>",
        "de": "<p>Kalt gepresstes natives Olivenöl extra von einem einzigen Gut. Ernte 2026.</p>",
        "fr": "<p>Huile d'olive vierge extra pressée à froid, d'un seul domaine. Récolte 2026.</p>",
        "bullets_en": "Single estate\\nCold-pressed",
        "bullets_de": "Von einem Gut\\nKalt gepresst",
        "bullets_fr": "Un seul domaine\\nPressée à froid",
        "sizes": [250, 500, 1000],
        "weight": ("{w}", "GRAM"),
        "volume": True,
        "base": 11.90,
        "tax": "reduced",
    },
}
COLORS = [
    ("black", "schwarz", "noir"),
    ("blue", "blau", "bleu"),
    ("green", "grün", "vert"),
    ("red", "rot", "rouge"),
]
TEAS = [
    ("Green Tea", "Grüntee", "Thé vert"),
    ("Black Tea", "Schwarztee", "Thé noir"),
    ("Rooibos", "Rooibos", "Rooibos"),
    ("Chamomile", "Kamillentee", "Camomille"),
]
MODELS = {
    "bergfink-daypack": {
        "brand": "Bergfink",
        "material": "recycled polyester",
        "price-EUR": "79.00",
    }
}


def ean13(serial: int) -> str:
    """A GTIN-13 with a correct GS1 check digit in a made-up company prefix."""
    body = f"426099{serial:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def products() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    serial = 0
    for family, spec in FAMILIES.items():
        for size in spec["sizes"]:
            for index in range(4):
                serial += 1
                color = COLORS[index % len(COLORS)]
                tea = TEAS[index % len(TEAS)]
                values = {
                    "size": size,
                    "color_en": color[0],
                    "tea_en": tea[0],
                    "tea_en_lower": tea[0].lower(),
                    "tea_de": tea[1],
                    "tea_fr": tea[2],
                }
                base = spec["base"] * (1 + 0.15 * spec["sizes"].index(size))
                grams = 180 + size // 2 if family != "teas" else size
                row = dict.fromkeys(COLUMNS, "")
                row.update(
                    sku=f"GZ-{family[:3].upper()}-{serial:04d}",
                    categories=spec["categories"],
                    enabled="1",
                    family=family,
                    brand=spec["brand"],
                    mpn=f"{family[:2].upper()}{size}-{index}",
                    ean=ean13(serial),
                    name=spec["name"].format(**values),
                    image=f"files/{family}/{serial:04d}-front.jpg",
                    picture=f"files/{family}/{serial:04d}-side.jpg",
                    tax_class=spec.get("tax", "standard"),
                    color=color[0] if family not in ("teas", "oils") else "",
                )
                row["price-EUR"] = f"{base:.2f}"
                row["price-USD"] = f"{base * 1.09:.2f}" if serial % 5 else ""
                row["price-CHF"] = f"{base * 0.95:.2f}" if serial % 3 == 0 else ""
                row["price-GBP"] = f"{base * 0.86:.2f}" if serial % 2 == 0 else ""
                for lang, locale in (("en", "en_US"), ("de", "de_DE"), ("fr", "fr_FR")):
                    row[f"description-{locale}-ecommerce"] = spec[lang].format(**values)
                    row[f"short_description-{locale}-ecommerce"] = spec[f"bullets_{lang}"]
                weight, unit = spec["weight"]
                row["weight"] = weight.format(
                    w=grams, kg=f"{grams / 1000 + size / 40:.2f}", size=size
                )
                row["weight-unit"] = unit
                if spec.get("dims_inch"):
                    row.update(
                        {
                            "length": str(size),
                            "length-unit": "INCH",
                            "width": "6",
                            "width-unit": "INCH",
                            "height": "4",
                            "height-unit": "INCH",
                        }
                    )
                else:
                    row.update(
                        {
                            "length": f"{10 + size / 50:.1f}",
                            "length-unit": "CENTIMETER",
                            "width": "8",
                            "width-unit": "CENTIMETER",
                            "height": "25",
                            "height-unit": "CENTIMETER",
                        }
                    )
                if spec.get("volume"):
                    row.update({"volume": str(size), "volume-unit": "MILLILITER"})
                if family in ("teas", "oils"):  # sold by content: shelf labels need a unit price
                    unit = "GRAM" if family == "teas" else "MILLILITER"
                    row.update({"net_content": str(size), "net_content-unit": unit})
                if family == "backpacks":
                    row["parent"] = "bergfink-daypack"
                    row["brand"] = ""  # inherited from the product model
                rows.append(row)
    return rows


DIRTY_ROWS = {
    # sku suffix -> what is wrong with it, and how
    "GZ-BOT-0002": ("invalid EAN check digit", {"ean": "4260990000021"}),
    "GZ-BOT-0003": (
        "no German or French text",
        {"description-de_DE-ecommerce": "", "description-fr_FR-ecommerce": ""},
    ),
    "GZ-HEA-0026": ("no EUR price", {"price-EUR": ""}),
    "GZ-HEA-0027": ("weight that is not a number", {"weight": "3,5,0"}),
    "GZ-LAM-0040": ("unit nobody knows", {"weight-unit": "STONE"}),
    "GZ-LAM-0041": (
        "control characters and an over-long title",
        {
            "name": "Lichtform Desk Lamp\x07 with an extraordinarily long title that "
            "goes on about dimming, colour temperatures, the USB port, the arm, "
            "the base, the cable and the switch until no marketplace accepts it"
        },
    ),
    "GZ-TEA-0050": ("switched off in the PIM", {"enabled": "0"}),
    "GZ-TEA-0051": (
        "description too short to help a buyer",
        {
            "description-en_US-ecommerce": "<p>Black tea.</p>",
        },
    ),
    "GZ-OIL-0062": ("negative price", {"price-EUR": "-11.90"}),
    "GZ-OIL-0063": ("no brand", {"brand": ""}),
}


def main() -> None:
    rows = products()
    for row in rows:
        if row["sku"] in DIRTY_ROWS:
            row.update(DIRTY_ROWS[row["sku"]][1])
    with (HERE / "products.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])
        # Two rows the reader must reject without stopping: a row without sku,
        # and a row whose separators were mangled (too few fields).
        missing_sku = dict.fromkeys(COLUMNS, "")
        missing_sku.update(name="Orphan row without sku", enabled="1", family="teas")
        writer.writerow([missing_sku[c] for c in COLUMNS])
        stream.write("GZ-BROKEN-0099;food,tea;1;teas;;;Olivera\n")
    model_columns = ["code", "family_variant", "parent", "categories", *MODELS["bergfink-daypack"]]
    with (HERE / "product_models.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(model_columns)
        for code, values in MODELS.items():
            writer.writerow([code, "backpacks_by_size", "", "bags,outdoor", *values.values()])


if __name__ == "__main__":
    main()
