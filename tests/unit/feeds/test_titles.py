"""Titles composed from a listing's parts (`feeds.titles`), and on the real Akeneo export."""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from feeds.contract import WriterContext
from feeds.text import cut_at_word
from feeds.titles import NO_BREAK_SPACE, TitleBook, compose_title
from pipeline.channels import writer_class
from schemas.config.channel import Channel, TitleRule
from schemas.config.loader import load_config
from schemas.listing import Listing
from schemas.product import Money, Product, Quantity
from tests.conftest import ROOT
from transforms.catalog.akeneo import read_akeneo
from transforms.localize import localize
from transforms.pricing.ecb_rates import parse_ecb_rates
from transforms.pricing.money import Pricer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path


CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
CN_RULE = TitleRule(drop_order=["brand", "size", "volume", "net_content"])
"""The sample's mobile storefront rule: the brand goes first."""
KEEP_ALL = TitleRule(drop_order=[])
"""Nothing may be left out: only the name is cut."""
UNITS = {"g", "kg", "ml", "l", "cl", "cm", "mm", "m", "in", "eu", "uk", "us", "gb", "tb", "mp"}
"""Unit words, listed here apart from `feeds.text.UNIT_WORDS` to check it."""


def listing(title: str, sku: str = "P-1", **changes: object) -> Listing:
    values: dict[str, object] = {
        "sku": sku,
        "market": "DE",
        "locale": "de_DE",
        "text_locale": "de_DE",
        "title": title,
        "description": "<p>x</p>",
        "link": f"https://shop.example/p/{sku}",
        "price": Money(Decimal("9.90"), "EUR"),
        "availability": "in_stock",
        "image_links": ("https://cdn.example/1.jpg",),
        "brand": title.split()[0],
    }
    values.update(changes)
    return Listing(**values)  # type: ignore[arg-type]


def compose(item: Listing, rule: TitleRule, limit: int, book: TitleBook | None = None) -> str:
    return compose_title(item, item.title, rule, limit, book).text


@pytest.mark.parametrize(
    ("title", "limit", "expected"),
    [
        ("Teegarten Sieben Chamomile 100 g", 30, "Teegarten Sieben Chamomile"),
        ("Olivera Natives Olivenöl 1,5 l", 28, "Olivera Natives Olivenöl"),
        ("Laufa Running Shoe 42 EU", 22, "Laufa Running Shoe"),
        ("Olivera Olive Oil 2 x 500 ml", 25, "Olivera Olive Oil"),
        ("Olivera Olive Oil 8 fl oz", 24, "Olivera Olive Oil"),
        ("Nordquell Bottle 750 ml black", 23, "Nordquell Bottle 750 ml"),
    ],
)
def test_a_number_keeps_its_unit(title: str, limit: int, expected: str) -> None:
    assert compose(listing(title), KEEP_ALL, limit) == expected
    assert cut_at_word(title, limit) == expected


def test_the_least_important_part_goes_first() -> None:
    oil = listing(
        "Olivera Extra Virgin Olive Oil 250 ml",
        brand="Olivera",
        volume=Quantity(Decimal("250"), "ml"),
        net_content=Quantity(Decimal("250"), "ml"),
    )
    # 37 characters: the brand goes first on a small screen, the volume stays ...
    title = compose_title(oil, oil.title, CN_RULE, 30)
    assert (title.text, title.left_out, title.cut) == (
        "Extra Virgin Olive Oil 250 ml",
        ("brand",),
        False,
    )
    assert title.full == "Olivera Extra Virgin Olive Oil 250 ml"
    # ... where the volume is the least important, it goes instead of the brand.
    rule = TitleRule(drop_order=["volume", "net_content", "brand"])
    assert compose(oil, rule, 32) == "Olivera Extra Virgin Olive Oil"
    # Nothing to leave out: the name is cut at a word, the brand and volume stay.
    assert compose(oil, KEEP_ALL, 30) == "Olivera Extra Virgin 250 ml"


def test_the_bottle_keeps_its_colour_on_a_small_screen() -> None:
    bottle = listing("Nordquell Trail Bottle 500 ml black", brand="Nordquell")
    assert cut_at_word(bottle.title, 30) == "Nordquell Trail Bottle 500 ml"  # what it was
    assert compose(bottle, CN_RULE, 30) == "Trail Bottle 500 ml black"


def test_a_part_the_name_states_is_not_repeated() -> None:
    casque = listing(
        "Casque sans fil Klangwerk KW-300 noir", brand="Klangwerk", attributes={"color": "noir"}
    )
    rule = TitleRule(parts=["brand", "name", "color"])
    assert compose(casque, rule, 150) == "Casque sans fil Klangwerk KW-300 noir"
    # 1000 ml and 1 l are the same volume: the name's wording stays.
    oil = listing("Olivera Olive Oil 1000 ml", volume=Quantity(Decimal("1"), "l"))
    assert compose(oil, TitleRule(), 150) == "Olivera Olive Oil 1000 ml"
    # A brand the name lacks leads; a volume it lacks follows in the buyer's format.
    tea = listing("Chamomile", brand="Teegarten Sieben", net_content=Quantity(Decimal("1.5"), "kg"))
    assert compose(tea, TitleRule(), 150) == "Teegarten Sieben Chamomile 1,5 kg"


def test_the_name_is_cut_at_a_word_never_inside_one() -> None:
    lamp = listing(
        "Lichtform Desk Lamp with an extraordinarily long title that goes on about dimming",
        brand="Lichtform",
    )
    words = lamp.title.split()
    for limit in range(10, 90):
        shown = compose(lamp, TitleRule(), limit).split()
        assert len(" ".join(shown)) <= limit
        # Whole words from the start; below 14 characters the brand goes to keep "Desk".
        start = 0 if limit >= len("Lichtform Desk") else 1
        assert shown == words[start : start + len(shown)], limit


def test_numbers_and_units_can_be_joined_by_a_no_break_space() -> None:
    tea = listing("Teegarten Sieben Chamomile 100 g", brand="Teegarten Sieben")
    rule = TitleRule(drop_order=["brand"], no_break_units=True)
    assert compose(tea, rule, 40) == f"Teegarten Sieben Chamomile 100{NO_BREAK_SPACE}g"
    assert compose(tea, rule, 30) == f"Chamomile 100{NO_BREAK_SPACE}g"


def test_a_title_taken_in_the_feed_gets_the_attribute_that_differs() -> None:
    book = TitleBook()
    name = "Klangwerk KW-300 Wireless Headphones"
    black = listing(name, sku="H-1", attributes={"color": "black"})
    blue = listing(name, sku="H-2", attributes={"color": "blue"})
    also_black = listing(name, sku="H-3", attributes={"color": "black"})
    assert compose(black, TitleRule(), 80, book) == name
    second = compose_title(blue, name, TitleRule(), 80, book)
    assert (second.text, second.added) == (f"{name} blue", ("color",))
    third = compose_title(also_black, name, TitleRule(), 80, book)
    assert (third.text, third.same_as) == (name, "H-1")


def test_the_added_attribute_stays_when_the_title_is_shortened() -> None:
    book = TitleBook()
    teas = [
        listing("Teegarten Sieben Chamomile", sku=f"T-{grams}", brand="Teegarten Sieben",
                net_content=Quantity(Decimal(grams), "g"))
        for grams in ("100", "250")
    ]  # fmt: skip
    rule = TitleRule(drop_order=["net_content", "brand"])
    assert [compose(tea, rule, 30, book) for tea in teas] == [
        "Teegarten Sieben Chamomile",
        "Chamomile 250 g",
    ]


def test_writers_report_shortened_and_shared_titles_once_per_item() -> None:
    market = CONFIG.market("CN")
    channel = CONFIG.channels["mobile_cn"]
    context = WriterContext(channel=channel)
    writer = writer_class("mobile_cn")(io.BytesIO(), market, context)
    writer.write_header()
    oil = "Olivera Extra Virgin Olive Oil 250 ml"
    found = [
        writer.write_item(listing(oil, sku="O-0", market="CN", image_links=())),  # left out
        writer.write_item(listing(oil, sku="O-1", market="CN")),
        writer.write_item(listing(oil, sku="O-2", market="CN")),
    ]
    rules = [[(f.rule, f.message) for f in item if f.field == "title"] for item in found]
    shortened = (
        "title_shortened",
        "title shortened from 37 to 29 characters (30 allowed): brand left out",
    )
    assert rules[1] == [shortened]  # O-0 was left out: its title is free again
    assert rules[2] == [
        shortened,
        (
            "duplicate_title",
            "O-2 and O-1 have the same title: none of color, size, volume, net_content, "
            "material tells them apart",
        ),
    ]


@pytest.mark.parametrize("buffer", [1, 1000])
def test_a_title_clash_is_resolved_when_the_book_is_on_disk(tmp_path: Path, buffer: int) -> None:
    """The build keeps a feed's titles in a scratch file (`feeds.scratch`); with a buffer
    of one every claim and release goes through the file."""
    from feeds.scratch import ScratchStore

    name = "Klangwerk KW-300 Wireless Headphones"
    with ScratchStore(tmp_path, buffer=buffer) as store:
        book = TitleBook(owners=store.digest_mapping("titles"))
        black = listing(name, sku="H-1", attributes={"color": "black"})
        blue = listing(name, sku="H-2", attributes={"color": "blue"})
        also_black = listing(name, sku="H-3", attributes={"color": "black"})
        assert compose(black, TitleRule(), 80, book) == name
        second = compose_title(blue, name, TitleRule(), 80, book)
        assert (second.text, second.added) == (f"{name} blue", ("color",))
        third = compose_title(also_black, name, TitleRule(), 80, book)
        assert (third.text, third.same_as) == (name, "H-1")

        # A left-out item's title is free again (`TitleBook.release_last`).
        market = CONFIG.market("CN")
        context = WriterContext(
            channel=CONFIG.channels["mobile_cn"],
            hashes=store.mapping("hashes"),
            checked=store.set("checked"),
            titles=TitleBook(owners=store.digest_mapping("cn_titles")),
        )
        writer = writer_class("mobile_cn")(io.BytesIO(), market, context)
        writer.write_header()
        oil = "Olivera Extra Virgin Olive Oil 250 ml"
        found = [
            writer.write_item(listing(oil, sku="O-0", market="CN", image_links=())),
            writer.write_item(listing(oil, sku="O-1", market="CN")),
            writer.write_item(listing(oil, sku="O-2", market="CN")),
        ]
        duplicates = [[f.message for f in item if f.rule == "duplicate_title"] for item in found]
        assert duplicates[:2] == [[], []]
        assert duplicates[2][0].startswith("O-2 and O-1 have the same title")


def test_a_market_can_have_its_own_title_rule() -> None:
    channel = Channel(
        required=["title"],
        title=TitleRule(),
        title_by_market={"DE": TitleRule(parts=["name", "brand"])},
    )
    item = listing("Trail Bottle", brand="Nordquell")
    for code, expected in (("DE", "Trail Bottle Nordquell"), ("AT", "Nordquell Trail Bottle")):
        writer = writer_class("google")(io.BytesIO(), CONFIG.market(code), WriterContext(channel))
        assert writer.title(item, [], "title", 150) == expected


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"parts": ["brand", "size"]}, "parts must include name"),
        ({"drop_order": ["name"]}, "name is never dropped"),
        ({"drop_order": ["color"]}, "drop_order names parts the title does not have"),
        ({"parts": ["brand", "name", "Colour"]}, "is not a part name"),
        ({"parts": ["name", "size", "size"]}, "names a part twice"),
    ],
)
def test_a_title_rule_that_cannot_work_fails_at_load(rule: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        TitleRule.model_validate(rule)


def test_every_channel_of_the_config_has_a_title_rule() -> None:
    for name, channel in CONFIG.channels.items():
        assert "name" in channel.title.parts, name
    assert CONFIG.channels["mobile_cn"].title.drop_order[0] == "brand"


def real_export_listings(
    shared_data: Path, variant_axes: Mapping[str, Sequence[str]] | None = None
) -> list[Listing]:
    """The Icecat demo export localized for DE (texts in German, else in English), every
    product priced at 10 EUR where the export has no price; with ``variant_axes``, its
    variants in their groups."""
    with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as stream:
        rates = parse_ecb_rates(stream)
    market = CONFIG.market("DE").model_copy(update={"text_locales": ["de_DE", "en_US"]})
    pricer = Pricer(market, CONFIG.pricing, rates)
    listings = []
    for product in read_akeneo(
        shared_data / "products.csv",
        product_models=shared_data / "product_models.csv",
        attribute_options=shared_data / "attribute_options.csv",
        variant_axes=variant_axes,
    ):
        if isinstance(product, Product):
            product.prices.setdefault("EUR", Money(Decimal("10.00"), "EUR"))
            localized = localize(product, market, pricer)
            if isinstance(localized, Listing):
                listings.append(localized)
    return listings


@pytest.mark.shared_data
def test_titles_of_the_real_akeneo_export_are_unique_and_keep_units(shared_data: Path) -> None:
    """The Icecat demo export localized for DE (texts in German, else in English: most of
    its products have no German description), each DE channel's rule and the 30-character
    rule of the mobile storefront. The export has few prices; the titles do not need them."""
    listings = real_export_listings(shared_data)
    assert len(listings) > 1000
    by_sku = {item.sku: item for item in listings}
    names = Counter(" ".join(item.title.split()).casefold() for item in listings)
    assert sum(n - 1 for n in names.values() if n > 1) > 200  # what uniqueness is up against

    limits: dict[str, int] = {"google": 150, "ebay": 80, "mobile_cn": 30}
    for channel, limit in limits.items():
        rule = CONFIG.channels[channel].title
        book = TitleBook()
        titles = {item.sku: compose_title(item, item.title, rule, limit, book) for item in listings}
        seen: dict[str, str] = {}
        for sku, title in titles.items():
            assert 0 < len(title.text) <= limit, (channel, sku)
            key = " ".join(title.text.split()).casefold()
            if title.same_as is None:
                assert key not in seen, (channel, sku, seen.get(key), title.text)
                seen[key] = sku
            else:
                # A shared title only where no distinguishing attribute differs.
                other = by_sku[title.same_as]
                for part in rule.distinguish_by:
                    mine, theirs = by_sku[sku], other
                    assert _attribute(mine, part) == _attribute(theirs, part), (sku, part)
            words = title.text.split(" ")  # a no-break space joins, a space separates
            if re.fullmatch(r"\d+(?:[.,]\d+)?", words[-1]):
                full = by_sku[sku].title.split()
                at = [i + 1 for i, word in enumerate(full) if word == words[-1]]
                after = {full[i].casefold() for i in at if i < len(full)}
                assert not after & UNITS, (channel, sku, title.text)


def _attribute(item: Listing, part: str) -> object:
    return {"size": item.size, "volume": item.volume, "net_content": item.net_content}.get(
        part, item.attributes.get(part)
    )
