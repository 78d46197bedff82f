"""A listing: one product re-expressed for one market, ready for a feed writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 (msgspec decodes by the annotations)

# At run time, not only for type checkers: a build's shard tasks hand listings to its
# channel tasks as msgpack records, which msgspec decodes by these annotations.
from schemas.findings import Finding  # noqa: TC001
from schemas.product import Availability, Condition, Money, Quantity  # noqa: TC001
from schemas.text import CleanText  # noqa: TC001


@dataclass(frozen=True, slots=True)
class Sale:
    """A reduced price one listing is offered at, as a channel publishes it.

    Attributes:
        price: The sale price in the market's currency, made from the catalog's sale price
            exactly as ``Listing.price`` is made from the regular one (VAT, conversion,
            rounding, price endings).
        start: First moment of the sale, time-zone aware in the market's time zone; None
            when the sale is already running with no announced start.
        end: Last moment of the sale, time-zone aware; None: until further notice.
        reference: The price the reduction is announced against (the strike price): in EU
            markets the lowest price published in the prior 30 days when that is below
            ``Listing.price`` (Directive 98/6/EC Art. 6a), else ``Listing.price``; None when
            the market's policy sends the sale without a strike price.
    """

    price: Money
    start: datetime | None = None
    end: datetime | None = None
    reference: Money | None = None


@dataclass(frozen=True, slots=True)
class TitleDraft:
    """A listing's title composed once by one title rule, with every part and unclaimed,
    for each channel of the market whose rule it is (`feeds.prepared`).

    Attributes:
        rule: The rule it was composed by (`feeds.titles.rule_key`).
        text: The title with every part (``Title.full``), as a channel carries it when
            ``length`` is within its limit.
        length: Characters of the title before units were joined by no-break spaces (what
            the limit is compared with).
        values: The listing's ``distinguish_by`` values, as a `feeds.titles.TitleBook`
            keeps them for the product that has the title.
    """

    rule: str
    text: str
    length: int
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PreparedTexts:
    """What every channel of a market makes of a listing's texts, made once in the
    market's ``localize_shard`` task rather than once per channel (`feeds.prepared`).

    Each value is the one its function gives for the listing's ``title`` and
    ``description`` as they were when it was made: code that changes them (or a part a
    title shows) drops it, ``dataclasses.replace(listing, ..., prepared=None)``.

    Attributes:
        title: ``schemas.text.clean_text(title)``.
        description: ``schemas.text.clean_text(description)``.
        titles: The title composed by each rule of the market's channels.
    """

    title: CleanText
    description: CleanText
    titles: tuple[TitleDraft, ...] = ()

    def draft(self, rule: str) -> TitleDraft | None:
        """The title composed by ``rule`` (`feeds.titles.rule_key`), if it was."""
        return next((draft for draft in self.titles if draft.rule == rule), None)


@dataclass(slots=True)
class Listing:
    """What every feed writer of a market receives.

    Texts are in the market's language and may still carry HTML; each channel
    decides how much of it survives. The price is in the market's currency.

    Attributes:
        sku: Product identifier.
        market: Market code (``DE``).
        locale: Locale the texts are meant for (``de_DE``).
        text_locale: Catalog locale the texts were taken from.
        title: Title text.
        description: Description, possibly HTML.
        bullet_points: Selling points.
        link: Product page URL in this market.
        image_links: Absolute image URLs, main image first.
        price: Price in the market's currency.
        availability: Stock state.
        brand: Brand name.
        gtin: GTIN as in the catalog, unchecked.
        mpn: Manufacturer part number.
        categories: Catalog category codes.
        weight: Shipping weight.
        length: Package length.
        width: Package width.
        height: Package height.
        volume: Net volume (liquids), in the market's units; titles may show it.
        net_content: What the buyer gets by weight, volume, length or area, in the
            market's units; titles may show it.
        attributes: Free attributes of the catalog.
        price_note: How the price was made from the catalog's, step by step.
        unit_pricing_measure: Google's measure of the net content (``750 ml``).
        unit_pricing_base_measure: Google's base measure (``1 l``).
        unit_price_text: The unit price as buyers read it (``5,98 €/kg``).
        size: Clothing or shoe size in the market's size system.
        size_system: Google's ``size_system`` of ``size`` (EU, UK, US).
        warnings: Findings about this listing that do not keep it out of the feeds
            (a text published in the source language, bullet points left out).
        quantity: Units in stock, from the catalog's ``stock`` (or ``quantity``)
            attribute; None when the catalog does not count its stock.
        list_price: The manufacturer's recommended retail price (RRP, MSRP) from the
            catalog's ``rrp`` (or ``msrp``) price attribute, in the market's currency and
            on the same tax basis as ``price``; None when the catalog has none.
        group: The product group this listing is a variant of (`Product.group`).
        varies_by: The catalog attributes the group's variants differ in.
        condition: ``new``, ``used`` or ``refurbished``.
        sale: The reduced price this listing is offered at, with its period and the price
            the reduction is announced against; None when there is no sale. ``price`` stays
            the regular price.
        prepared: Its texts cleaned and its titles composed once for every channel of the
            market (`PreparedTexts`); None: each writer makes them itself.
    """

    sku: str
    market: str
    locale: str
    text_locale: str
    title: str
    description: str
    link: str
    price: Money
    availability: Availability
    bullet_points: tuple[str, ...] = ()
    image_links: tuple[str, ...] = ()
    brand: str | None = None
    gtin: str | None = None
    mpn: str | None = None
    categories: tuple[str, ...] = ()
    weight: Quantity | None = None
    length: Quantity | None = None
    width: Quantity | None = None
    height: Quantity | None = None
    volume: Quantity | None = None
    net_content: Quantity | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    price_note: str = ""
    unit_pricing_measure: str | None = None
    unit_pricing_base_measure: str | None = None
    unit_price_text: str | None = None
    size: str | None = None
    size_system: str | None = None
    warnings: tuple[Finding, ...] = ()
    quantity: int | None = None
    list_price: Money | None = None
    group: str | None = None
    varies_by: tuple[str, ...] = ()
    condition: Condition = "new"
    sale: Sale | None = None
    prepared: PreparedTexts | None = None
