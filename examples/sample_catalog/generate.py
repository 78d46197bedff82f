"""Write the bundled sample catalog in Akeneo's CSV export format.

Run ``python examples/sample_catalog/generate.py`` to regenerate
``products.csv`` and ``product_models.csv`` beside this file, and
``translations.tmx``: a translator's work (TMX 1.4) for the texts the catalog
has only in English (Polish and simplified Chinese texts, and German, French, Polish
and Chinese titles), so the demo publishes translated feeds without a DeepL key. The
texts were written for grenzenlos; the output is deterministic. A handful of rows
are dirty on purpose (see DIRTY_ROWS), two Polish titles are left untranslated
(UNTRANSLATED) so the demo shows what the pipeline reports, and two products are on sale
(SALES: one running from 2026-11-01 to 2027-01-31, one starting in March 2027).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

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
    "sale_price-EUR",
    "sale_price-GBP",
    "sale_price-USD",
    "sale_price_start",
    "sale_price_end",
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
    "responsible_person_id",
    "safety_warning-de_DE-ecommerce",
    "safety_warning-en_US-ecommerce",
    "safety_warning-fr_FR-ecommerce",
    "instructions_url",
    "energy_class",
    "eprel_registration_number",
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
        "tax": "food",
    },
    "oils": {
        "brand": "Olivera",
        "categories": "food,oil",
        "name": "Olivera Extra Virgin Olive Oil {oil} {size} ml",
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
        # Olive oil is a staple with the lowest food rate in IT and ES (config/vat.toml).
        "tax": "basic_food",
    },
}
COLORS = [
    ("black", "schwarz", "noir", "czarny", "黑色"),
    ("blue", "blau", "bleu", "niebieski", "蓝色"),
    ("green", "grün", "vert", "zielony", "绿色"),
    ("red", "rot", "rouge", "czerwony", "红色"),
]
OILS = ["Koroneiki", "Arbequina", "Picual", "Frantoio"]
"""Olive cultivars: each oil of a size is its own product (a name in every language)."""
TEAS = [
    ("Green Tea", "Grüntee", "Thé vert", "Zielona herbata", "绿茶"),
    ("Black Tea", "Schwarztee", "Thé noir", "Czarna herbata", "红茶"),
    ("Rooibos", "Rooibos", "Rooibos", "Rooibos", "南非国宝茶"),
    ("Chamomile", "Kamillentee", "Camomille", "Rumianek", "洋甘菊茶"),
]

# The translator's work: titles in de/fr/pl/zh, Polish and Chinese (simplified, for the CN
# storefront) descriptions and bullet points.
TRANSLATIONS = {
    "bottles": {
        "title_de": "Nordquell Trail Bottle {size} ml {color_de}",
        "title_fr": "Nordquell Trail Bottle {size} ml {color_fr}",
        "title_pl": "Nordquell Trail Bottle {size} ml {color_pl}",
        "pl": "<p>Dwuścienna butelka ze <b>stali nierdzewnej</b>: napoje pozostają zimne przez "
        "24 godziny i gorące przez 12.</p><ul><li>{size} ml</li><li>Szczelna nakrętka</li></ul>",
        "bullets_pl": ["Utrzymuje chłód 24 h", "Pokrywka do zmywarki"],
        "title_zh": "Nordquell Trail 双层保温瓶 {size} ml {color_zh}",
        "zh": "<p>双层<b>不锈钢</b>保温瓶：冷饮保冷 24 小时，热饮保温 12 小时。</p>"
        "<ul><li>{size} ml</li><li>防漏螺旋盖</li></ul>",
        "bullets_zh": ["保冷 24 小时", "杯盖可用洗碗机清洗"],
    },
    "backpacks": {
        "title_de": "Bergfink Daypack {size} L {color_de}",
        "title_fr": "Bergfink Daypack {size} L {color_fr}",
        "title_pl": "Bergfink Daypack {size} L {color_pl}",
        "pl": "<p>Lekki plecak z wyściełanym tyłem i kieszenią na laptopa do 15 cali. "
        "Poliester z recyklingu, hydrofobowy.</p>",
        "bullets_pl": ["Kieszeń na laptopa", "Pokrowiec przeciwdeszczowy w zestawie"],
        "title_zh": "Bergfink 日用背包 {size} L {color_zh}",
        "zh": "<p>轻便日用背包，背部带衬垫，笔记本电脑隔层最大 15 英寸。再生聚酯纤维，防泼水。</p>",
        "bullets_zh": ["笔记本电脑隔层", "附防雨罩"],
    },
    "headphones": {
        "title_de": "Klangwerk KW-{size} Kabellose Kopfhörer {color_de}",
        "title_fr": "Casque sans fil Klangwerk KW-{size} {color_fr}",
        "title_pl": "Słuchawki bezprzewodowe Klangwerk KW-{size} {color_pl}",
        "pl": "<p>Słuchawki nauszne z aktywną redukcją szumów i do 40 godzin pracy na "
        "baterii.</p><p>Bluetooth 5.3, szybkie ładowanie przez USB-C.</p>",
        "bullets_pl": ["Bateria 40 h", "Aktywna redukcja szumów"],
        "title_zh": "Klangwerk KW-{size} 无线耳机 {color_zh}",
        "zh": "<p>头戴式耳机，主动降噪，续航最长 40 小时。</p><p>蓝牙 5.3，USB-C 快充。</p>",
        "bullets_zh": ["40 小时续航", "主动降噪"],
    },
    "lamps": {
        "title_de": "Lichtform Schreibtischleuchte {size} {color_de}",
        "title_fr": "Lampe de bureau Lichtform {size} {color_fr}",
        "title_pl": "Lampka biurkowa Lichtform {size} {color_pl}",
        "pl": "<p>Lampka biurkowa LED z pięcioma temperaturami barwowymi i ściemniaczem. "
        "Ramię ma {size} cali długości.</p>",
        "bullets_pl": ["Ściemnialna", "Port ładowania USB"],
        "title_zh": "Lichtform 台灯 {size} {color_zh}",
        "zh": "<p>LED 台灯，五种色温，可调光。灯臂长 {size} 英寸。</p>",
        "bullets_zh": ["可调光", "USB 充电接口"],
    },
    "teas": {
        "title_de": "Teegarten Sieben {tea_de} {size} g",
        "title_fr": "Teegarten Sieben {tea_fr} {size} g",
        "title_pl": "Teegarten Sieben {tea_pl} {size} g",
        "pl": "<p>{tea_pl} liściasta z rodzinnych ogrodów, w woreczku z zamknięciem.</p>",
        "bullets_pl": ["Ekologiczna", "Woreczek wielokrotnego zamykania"],
        "title_zh": "Teegarten Sieben {tea_zh} {size} g",
        "zh": "<p>来自家庭茶园的散装{tea_zh}，可重复密封袋装。</p>",
        "bullets_zh": ["有机", "可重复密封"],
    },
    "oils": {
        "title_de": "Olivera Natives Olivenöl Extra {oil} {size} ml",
        "title_fr": "Olivera Huile d'olive vierge extra {oil} {size} ml",
        "title_pl": "Olivera Oliwa z oliwek extra virgin {oil} {size} ml",
        "pl": "<p>Oliwa z oliwek extra virgin tłoczona na zimno, z jednej posiadłości. "
        "Zbiór 2026.</p>",
        "bullets_pl": ["Z jednej posiadłości", "Tłoczona na zimno"],
        "title_zh": "Olivera 特级初榨橄榄油 {oil} {size} ml",
        "zh": "<p>单一庄园冷榨特级初榨橄榄油。2026 年采收。</p>",
        "bullets_zh": ["单一庄园", "冷榨"],
    },
}
# More of the translator's work: Italian, Spanish, Dutch and Swedish titles, descriptions
# and bullet points, for the IT, ES, NL, BE (Dutch) and SE markets.
MORE_LANGUAGES = {"it": "it_IT", "es": "es_ES", "nl": "nl_NL", "sv": "sv_SE"}
COLOR_NAMES = {
    "black": {"it": "nero", "es": "negro", "nl": "zwart", "sv": "svart"},
    "blue": {"it": "blu", "es": "azul", "nl": "blauw", "sv": "blå"},
    "green": {"it": "verde", "es": "verde", "nl": "groen", "sv": "grön"},
    "red": {"it": "rosso", "es": "rojo", "nl": "rood", "sv": "röd"},
}
TEA_NAMES = {
    "Green Tea": {"it": "Tè verde", "es": "Té verde", "nl": "Groene thee", "sv": "Grönt te"},
    "Black Tea": {"it": "Tè nero", "es": "Té negro", "nl": "Zwarte thee", "sv": "Svart te"},
    "Rooibos": {"it": "Rooibos", "es": "Rooibos", "nl": "Rooibos", "sv": "Rooibos"},
    "Chamomile": {"it": "Camomilla", "es": "Manzanilla", "nl": "Kamillethee", "sv": "Kamomillte"},
}
MORE_TRANSLATIONS: dict[str, dict[str, object]] = {
    "bottles": {
        "title": "Nordquell Trail Bottle {size} ml {color}",
        "it": (
            "<p>Borraccia a doppia parete in <b>acciaio inox</b>: bevande fredde per 24 ore "
            "e calde per 12.</p><ul><li>{size} ml</li><li>Tappo a vite antigoccia</li></ul>"
        ),
        "bullets_it": ["Freddo per 24 h", "Tappo lavabile in lavastoviglie"],
        "es": (
            "<p>Botella de doble pared de <b>acero inoxidable</b>: bebidas frías durante 24 "
            "horas y calientes durante 12.</p><ul><li>{size} ml</li><li>Tapón de rosca "
            "antigoteo</li></ul>"
        ),
        "bullets_es": ["Frío durante 24 h", "Tapa apta para lavavajillas"],
        "nl": (
            "<p>Dubbelwandige fles van <b>roestvrij staal</b>: houdt dranken 24 uur koud en "
            "12 uur warm.</p><ul><li>{size} ml</li><li>Lekvrije schroefdop</li></ul>"
        ),
        "bullets_nl": ["24 h koud", "Vaatwasserbestendige dop"],
        "sv": (
            "<p>Dubbelväggig flaska i <b>rostfritt stål</b>: håller drycker kalla i 24 "
            "timmar och varma i 12.</p><ul><li>{size} ml</li><li>Läckagesäkert "
            "skruvlock</li></ul>"
        ),
        "bullets_sv": ["Kallt i 24 h", "Diskmaskinssäkert lock"],
    },
    "backpacks": {
        "title": "Bergfink Daypack {size} L {color}",
        "it": (
            "<p>Zaino leggero da giorno con schienale imbottito e tasca per laptop fino a 15 "
            "pollici. Poliestere riciclato, idrorepellente.</p>"
        ),
        "bullets_it": ["Tasca per laptop", "Copertura antipioggia inclusa"],
        "es": (
            "<p>Mochila ligera de día con espalda acolchada y funda para portátil de hasta "
            "15 pulgadas. Poliéster reciclado, repelente al agua.</p>"
        ),
        "bullets_es": ["Funda para portátil", "Cubierta para lluvia incluida"],
        "nl": (
            "<p>Lichte dagrugzak met gewatteerd rugpand en laptopvak tot 15 inch. Gerecycled "
            "polyester, waterafstotend.</p>"
        ),
        "bullets_nl": ["Laptopvak", "Regenhoes inbegrepen"],
        "sv": (
            "<p>Lätt dagsryggsäck med vadderad rygg och datorfack för upp till 15 tum. "
            "Återvunnen polyester, vattenavvisande.</p>"
        ),
        "bullets_sv": ["Datorfack", "Regnskydd ingår"],
    },
    "headphones": {
        "title": {
            "it": "Cuffie wireless Klangwerk KW-{size} {color}",
            "es": "Auriculares inalámbricos Klangwerk KW-{size} {color}",
            "nl": "Klangwerk KW-{size} draadloze koptelefoon {color}",
            "sv": "Klangwerk KW-{size} trådlösa hörlurar {color}",
        },
        "it": (
            "<p>Cuffie over-ear con cancellazione attiva del rumore e fino a 40 ore di "
            "autonomia.</p><p>Bluetooth 5.3, ricarica rapida USB-C.</p>"
        ),
        "bullets_it": ["Autonomia 40 h", "Cancellazione attiva del rumore"],
        "es": (
            "<p>Auriculares de diadema con cancelación activa de ruido y hasta 40 horas de "
            "batería.</p><p>Bluetooth 5.3, carga rápida USB-C.</p>"
        ),
        "bullets_es": ["Batería de 40 h", "Cancelación activa de ruido"],
        "nl": (
            "<p>Over-ear koptelefoon met actieve ruisonderdrukking en tot 40 uur "
            "batterijduur.</p><p>Bluetooth 5.3, snel opladen via USB-C.</p>"
        ),
        "bullets_nl": ["40 h batterij", "Actieve ruisonderdrukking"],
        "sv": (
            "<p>Over-ear-hörlurar med aktiv brusreducering och upp till 40 timmars "
            "batteritid.</p><p>Bluetooth 5.3, snabbladdning via USB-C.</p>"
        ),
        "bullets_sv": ["40 h batteri", "Aktiv brusreducering"],
    },
    "lamps": {
        "title": {
            "it": "Lampada da scrivania Lichtform {size} {color}",
            "es": "Lámpara de escritorio Lichtform {size} {color}",
            "nl": "Lichtform bureaulamp {size} {color}",
            "sv": "Lichtform skrivbordslampa {size} {color}",
        },
        "it": (
            "<p>Lampada da scrivania LED con cinque temperature di colore e dimmer. Il "
            "braccio è lungo {size} pollici.</p>"
        ),
        "bullets_it": ["Dimmerabile", "Porta di ricarica USB"],
        "es": (
            "<p>Lámpara de escritorio LED con cinco temperaturas de color y regulador. El "
            "brazo mide {size} pulgadas.</p>"
        ),
        "bullets_es": ["Regulable", "Puerto de carga USB"],
        "nl": (
            "<p>LED-bureaulamp met vijf kleurtemperaturen en dimmer. De arm is {size} inch "
            "lang.</p>"
        ),
        "bullets_nl": ["Dimbaar", "USB-oplaadpoort"],
        "sv": (
            "<p>LED-skrivbordslampa med fem färgtemperaturer och dimmer. Armen är {size} tum "
            "lång.</p>"
        ),
        "bullets_sv": ["Dimbar", "USB-laddningsport"],
    },
    "teas": {
        "title": "Teegarten Sieben {tea} {size} g",
        "it": ("<p>{tea} sfuso da giardini di famiglia, in busta richiudibile.</p>"),
        "bullets_it": ["Biologico", "Busta richiudibile"],
        "es": ("<p>{tea} a granel de jardines familiares, en bolsa resellable.</p>"),
        "bullets_es": ["Ecológico", "Bolsa resellable"],
        "nl": ("<p>{tea}, los, van familietuinen, in een hersluitbaar zakje.</p>"),
        "bullets_nl": ["Biologisch", "Hersluitbaar zakje"],
        "sv": ("<p>{tea} i lösvikt från familjeodlingar, i återförslutningsbar påse.</p>"),
        "bullets_sv": ["Ekologiskt", "Återförslutningsbar påse"],
    },
    "oils": {
        "title": {
            "it": "Olivera Olio extravergine di oliva {oil} {size} ml",
            "es": "Olivera Aceite de oliva virgen extra {oil} {size} ml",
            "nl": "Olivera Extra vierge olijfolie {oil} {size} ml",
            "sv": "Olivera Extra jungfruolivolja {oil} {size} ml",
        },
        "it": (
            "<p>Olio extravergine di oliva spremuto a freddo da un'unica tenuta. Raccolto 2026.</p>"
        ),
        "bullets_it": ["Da un'unica tenuta", "Spremuto a freddo"],
        "es": (
            "<p>Aceite de oliva virgen extra prensado en frío de una sola finca. Cosecha 2026.</p>"
        ),
        "bullets_es": ["De una sola finca", "Prensado en frío"],
        "nl": ("<p>Koudgeperste extra vierge olijfolie van één landgoed. Oogst 2026.</p>"),
        "bullets_nl": ["Van één landgoed", "Koudgeperst"],
        "sv": ("<p>Kallpressad extra jungfruolivolja från en enda egendom. Skörd 2026.</p>"),
        "bullets_sv": ["Från en enda egendom", "Kallpressad"],
    },
}

UNTRANSLATED = {"GZ-LAM-0037", "GZ-LAM-0038"}
"""Products whose Polish title the translator has not delivered yet."""
MODELS = {
    "bergfink-daypack": {
        "family_variant": "backpacks_by_size",
        "categories": "bags,outdoor",
        "brand": "Bergfink",
        "material": "recycled polyester",
        "price-EUR": "79.00",
    },
    **{
        f"olivera-{oil.lower()}": {
            "family_variant": "oils_by_volume",
            "categories": "food,oil",
            "brand": "",
            "material": "",
            "price-EUR": "",
        }
        for oil in OILS
    },
}
"""Product models (Akeneo): the daypack in three capacities and four colours, and each
olive oil in three bottle sizes. The axes of each family variant are in
config/markets.toml (``[catalog] variant_axes``)."""


SAFETY: dict[str, dict[str, str]] = {
    # Klangwerk makes its headphones outside the EU: its EU responsible person is named per
    # product (config/markets.toml, [operators.klangwerk_eu]), as EU product law asks.
    "headphones": {
        "responsible_person_id": "klangwerk_eu",
        "safety_warning-en_US-ecommerce": "Listening at high volume for long periods can "
        "damage your hearing.",
        "safety_warning-de_DE-ecommerce": "Längeres Hören bei hoher Lautstärke kann das "
        "Gehör schädigen.",
        "safety_warning-fr_FR-ecommerce": "Une écoute prolongée à volume élevé peut "
        "endommager l'audition.",
    },
}
"""Safety information (GPSR) per family; Lichtform, whose lamps carry an energy label, has
no operator data in the sample config on purpose, so the demo shows gpsr_* findings."""


SALES: dict[str, dict[str, str]] = {
    # Running: the sample's runs (the pinned byte test's 2026-11-26, the integration tests'
    # 2026-11-24 to 2026-12-07, `make demo` tonight) fall inside it, so every feed shows the
    # sale price; a demo run after 2027-01-31 shows the regular price again.
    "GZ-HEA-0028": {
        "sale_price-EUR": "99.00",
        "sale_price-GBP": "85.00",
        "sale_price-USD": "109.00",
        "sale_price_start": "2026-11-01",
        "sale_price_end": "2027-01-31",
    },
    # Starts later: the channels that take a dated sale (Google's
    # sale_price_effective_date, Amazon's discounted price schedule) announce it ahead.
    "GZ-BOT-0004": {
        "sale_price-EUR": "19.90",
        "sale_price-GBP": "17.00",
        "sale_price-USD": "21.90",
        "sale_price_start": "2027-03-01",
        "sale_price_end": "2027-03-31",
    },
}
"""Sales (Akeneo's ``sale_price-<CUR>`` collection with ``sale_price_start`` and
``sale_price_end``, read by `transforms.catalog.akeneo`): one running through the sample's
run dates and one in 2027. On a first night there is no price history, so in the EU
markets the running sale carries ``omnibus_prior_price_unknown`` warnings: the lowest
price of the 30 days before the sale is not known yet."""


def ean13(serial: int) -> str:
    """A GTIN-13 with a correct GS1 check digit in a made-up company prefix."""
    body = f"426099{serial:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def products() -> list[dict[str, str]]:
    return [row for row, _ in _products()]


def _products() -> list[tuple[dict[str, str], dict[str, object]]]:
    rows: list[tuple[dict[str, str], dict[str, object]]] = []
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
                    "tea_pl": tea[3],
                    "color_de": color[1],
                    "color_fr": color[2],
                    "color_pl": color[3],
                    "tea_zh": tea[4],
                    "oil": OILS[index % len(OILS)],
                    "color_zh": color[4],
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
                    row.update({"volume": str(size), "volume-unit": "LITER"})  # capacity
                if family == "oils":  # one oil, three bottle sizes
                    row["parent"] = f"olivera-{values['oil'].lower()}"
                row.update(SAFETY.get(family, {}))
                row.update(SALES.get(row["sku"], {}))
                if family in ("headphones", "lamps"):
                    row["instructions_url"] = (
                        f"https://shop.grenzenlos.example/docs/{row['sku']}-manual.pdf"
                    )
                if family == "lamps":  # an energy label: class and EPREL number (invented)
                    row.update(energy_class="F", eprel_registration_number=str(1_500_000 + serial))
                rows.append((row, values))
    return rows


def translation_units() -> dict[str, dict[str, str]]:
    """English source text -> {locale: translation}, from the translator's templates."""
    units: dict[str, dict[str, str]] = {}
    for row, values in _products():
        if row["sku"] == "GZ-LAM-0041":  # its over-long title is rewritten in the PIM first
            continue
        spec = TRANSLATIONS[row["family"]]
        title = units.setdefault(row["name"], {})
        titles = (("de", "de_DE"), ("fr", "fr_FR"), ("pl", "pl_PL"), ("zh", "zh_CN"))
        for language, locale in titles:
            if not (language == "pl" and row["sku"] in UNTRANSLATED):
                title[locale] = str(spec[f"title_{language}"]).format(**values)
        description = units.setdefault(row["description-en_US-ecommerce"], {})
        for language, locale in (("pl", "pl_PL"), ("zh", "zh_CN")):
            description[locale] = str(spec[language]).format(**values)
        english = row["short_description-en_US-ecommerce"].split("\\n")
        for language, locale in (("pl", "pl_PL"), ("zh", "zh_CN")):
            for source, text in zip(english, spec[f"bullets_{language}"], strict=True):  # type: ignore[call-overload]
                units.setdefault(source, {})[locale] = text
        more = MORE_TRANSLATIONS[row["family"]]
        for language, locale in MORE_LANGUAGES.items():
            names = {
                "size": values["size"],
                "color": COLOR_NAMES[str(values["color_en"])][language],
                "tea": TEA_NAMES[str(values["tea_en"])][language],
                "oil": values["oil"],
            }
            pattern = more["title"]
            pattern = pattern[language] if isinstance(pattern, dict) else pattern
            title[locale] = str(pattern).format(**names)
            description[locale] = str(more[language]).format(**names)
            for source, text in zip(english, more[f"bullets_{language}"], strict=True):  # type: ignore[call-overload]
                units.setdefault(source, {})[locale] = text
    return units


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
    # In scope of the EU energy label ([compliance.energy_label] categories = ["lighting"]):
    # set aside in the EU markets' feeds with eprel_number_missing, listed in GB, CH, US.
    "GZ-LAM-0046": (
        "an energy-labelled lamp without its EPREL number",
        {"eprel_registration_number": ""},
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
    from transforms.translation.exchange import write_tmx

    with (HERE / "translations.tmx").open("wb") as stream:
        write_tmx(
            stream,
            "en_US",
            (
                (f"{n:04d}", source, targets)
                for n, (source, targets) in enumerate(sorted(translation_units().items()), start=1)
            ),
            tool="grenzenlos sample generator",
        )
    model_columns = ["code", "parent", *MODELS["bergfink-daypack"]]
    with (HERE / "product_models.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\n")
        writer.writerow(model_columns)
        for code, values in MODELS.items():
            writer.writerow([code, "", *values.values()])


if __name__ == "__main__":
    main()
