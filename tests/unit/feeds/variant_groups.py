"""The sample catalog's two kinds of product groups as listings, for the channels' golden
files of variants (``tests/cases/feeds/variants/``): the Bergfink daypack in three
capacities and two colours, and one olive oil in three bottle sizes, as
`transforms.localize` makes them for a market (German texts for DE).

Built by hand from the sample's rows (examples/sample_catalog/products.csv) so that each
golden file shows only what the writer does with a group; the real sample run's files are
checked in tests/integration/test_localize_catalog_run.py."""

from __future__ import annotations

from decimal import Decimal

from schemas.config.market import Market  # noqa: TC001
from schemas.listing import Listing
from schemas.product import Money, Quantity

DAYPACK = "bergfink-daypack"
OIL = "olivera-koroneiki"

_COLOURS = {"black": "schwarz", "red": "rot"}


def _ean13(serial: int) -> str:
    """The sample's GTIN of a serial (examples/sample_catalog/generate.py)."""
    body = f"426099{serial:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def group_listings(market: Market) -> list[Listing]:
    """Six daypacks (18, 24, 30 l x black, red) and three oils (250, 500, 1000 ml)."""
    listings = []
    serial = 12
    for litres, price in ((18, "79.00"), (24, "90.85"), (30, "102.70")):
        for colour in ("black", "red"):
            serial += 1
            sku = f"GZ-BAC-{serial:04d}"
            listings.append(
                Listing(
                    sku=sku,
                    market=market.code,
                    locale=market.locale,
                    text_locale=market.locale,
                    title=f"Bergfink Daypack {litres} L {_COLOURS[colour]}",
                    description="<p>Leichter Tagesrucksack mit gepolstertem Rücken.</p>",
                    link=market.link_for(sku),
                    price=Money(Decimal(price), market.currency),
                    availability="in_stock",
                    image_links=(
                        f"https://assets.grenzenlos.example/files/backpacks/{serial:04d}-front.jpg",
                    ),
                    brand="Bergfink",
                    gtin=_ean13(serial),
                    mpn=f"BA{litres}-{colour}",
                    categories=("bags", "outdoor"),
                    weight=Quantity(Decimal(str(0.6 + litres / 100)), "kg"),
                    volume=Quantity(Decimal(litres), "l"),
                    attributes={"color": colour, "material": "recycled polyester"},
                    group=DAYPACK,
                    varies_by=("volume", "color"),
                )
            )
    for serial, (millilitres, price) in zip(
        (61, 65, 69), ((250, "9.90"), (500, "16.90"), (1000, "29.90")), strict=True
    ):
        sku = f"GZ-OIL-{serial:04d}"
        listings.append(
            Listing(
                sku=sku,
                market=market.code,
                locale=market.locale,
                text_locale=market.locale,
                title=f"Olivera Natives Olivenöl Extra Koroneiki {millilitres} ml",
                description="<p>Kaltgepresstes natives Olivenöl extra.</p>",
                link=market.link_for(sku),
                price=Money(Decimal(price), market.currency),
                availability="in_stock",
                image_links=(
                    f"https://assets.grenzenlos.example/files/oils/{serial:04d}-front.jpg",
                ),
                brand="Olivera",
                gtin=_ean13(serial),
                mpn=f"OL{millilitres}-0",
                categories=("food", "oil"),
                weight=Quantity(Decimal(millilitres + 300), "g"),
                volume=Quantity(Decimal(millilitres), "ml"),
                net_content=Quantity(Decimal(millilitres), "ml"),
                group=OIL,
                varies_by=("volume",),
            )
        )
    return listings
