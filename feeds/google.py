"""Google Merchant Center product feed: RSS 2.0 with the ``g:`` namespace.

Rules from the Merchant Center product data specification
(support.google.com/merchants, answer ids in brackets):

- RSS 2.0 with ``xmlns:g="http://base.google.com/ns/1.0"`` [160589];
- ``title`` 1-150 characters [6324415], plain text composed by the channel's
  title rule (`feeds.titles`); ``description`` 1-5000 characters [6324468],
  plain text cut at a word boundary; both shortenings are reported;
- ``price`` as ``15.00 EUR`` in ISO 4217 [6324371];
- a sale (`schemas.listing.Sale`, judged against the run's moment by `feeds.sales`):
  ``sale_price`` [6324471] beside ``price``, which Google shows struck through
  [9017019]. ``price`` is therefore the strike price, ``Sale.reference``: the regular
  price, or in the EU the lower price of the 30 days before the sale when that is below
  it (Directive 98/6/EC Art. 6a; a strike above it would announce a reduction the law
  forbids). ``sale_price_effective_date`` [6324460] is the period as
  ``2026-12-10T00:00+0100/2026-12-24T23:59+0100`` with the offsets of the market's time
  zone: Google takes a start and an end, and without the attribute shows the sale price
  from the feed until it is removed. So a running sale without an end goes without
  dates (the next night's feed ends it); one without a start gets the run's moment as
  its start; a sale that starts later is published ahead with its dates when it has an
  end and its strike is the regular price, otherwise (no end; a prior price below the
  regular one, which must not stand before the sale) from the night it starts. A sale
  sent without a strike price (``reference`` None) is its price alone: any
  ``sale_price`` would show ``price`` struck. In those two cases ``price`` is not the
  regular price, so between a sale's end and the next night's feed Google shows it
  (the prior price, or the sale price) rather than the regular one. Google's annotation
  needs a discount above 5 % and below 90 % [9017019]: outside, a
  ``sale_annotation_not_shown`` warning (the sale still goes out); a sale price not
  below its strike is sent as the price with a ``sale_not_below_reference`` warning.
  Shipping is priced at what the buyer pays tonight;
- ``availability`` in_stock, out_of_stock, preorder, backorder [6324448];
- ``brand`` required; ``gtin`` when the product has one, ``mpn`` otherwise,
  and ``identifier_exists`` = no when it has neither [6324478]; a GTIN that fails
  GS1's checks is left out with a warning, and then no ``identifier_exists`` either
  ("when in doubt, don't provide a GTIN" [6324461]);
- ``image_link`` required, up to 10 ``additional_image_link``;
- ``google_product_category``: the Google product taxonomy id from the category
  mapping, when the listing's categories have one;
- ``condition`` new, used or refurbished, on every item [6324469];
- ``shipping_weight`` in lb, oz, g or kg; ``unit_pricing_measure`` and
  ``unit_pricing_base_measure`` where the product has a net content [6324490];
- ``shipping`` (country, service, price) [6324484] from the market's shipping for
  ``google`` (`schemas.config.market.Market.shipping_for`): none when the market gives none or
  the Merchant Center account holds it (``account = true``); an item whose cost a
  weight table cannot tell (no weight, heavier than the last band) gets none and a
  ``shipping_unknown`` warning, and the account's settings apply to it;
- variants: ``item_group_id`` [6324507] is the listing's group, and what the group
  varies by goes into the attributes Google has for it: ``color`` [6324487],
  ``material`` [6324410], ``pattern`` [6324483], ``gender`` [6324479], ``age_group``
  [6324463] and ``size`` [6324492]. Google has no volume or content attribute and takes
  ``size`` for those variants: any other axis (volume, net content, a screen diagonal)
  is written there as buyers read it (``500 ml``, `feeds.titles.part_text`). Colour,
  material and pattern go on every item that has them; gender and age group only when
  the catalog's value is one Google knows (``female``, ``Damen``; ``kids``);
- EU energy label: ``certification`` [13528839] with ``certification_authority`` ``EC``,
  ``certification_name`` ``EPREL`` and ``certification_code`` the product's EPREL
  registration number, for a product with an energy class and that number
  (`schemas.product.safety_information`), in markets of the EU, EFTA and the UK, where
  Google shows energy labels (Google looks the label up in EPREL by the code;
  ``energy_efficiency_class`` ended its transition on 1 September 2024, DOMAIN.md).
  In an EU market a product of an energy-label category (``[compliance.energy_label]``)
  without class or EPREL number is set aside: a Shopping ad shows a price, so the
  dealer's duty to show the label applies (`feeds.contract.FeedWriter.check_energy_label`).
  GPSR: Google's specification has no attribute for the manufacturer or responsible
  person (DOMAIN.md, checked 2026-12, an unverified absence) and no GPSR suppression is
  documented, so Google is not a GPSR channel (`schemas.compliance.GPSR_CHANNELS`).

Items are written one at a time with ``lxml.etree.xmlfile``; the file has no
timestamp, so the same input gives byte-identical output.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lxml import etree

from feeds.contract import FeedSpec, FeedWriter
from feeds.sales import (
    GOOGLE_LEAST_DISCOUNT,
    GOOGLE_MOST_DISCOUNT,
    discount,
    google_interval,
    phase,
    selling_price,
    strike_price,
)
from feeds.text import cut_at_word
from feeds.titles import part_text
from feeds.xml import ElementTemplates
from schemas.categories import first_mapped
from schemas.compliance import EU_MEMBER_STATES
from schemas.gtin import gtin_problem
from schemas.product import Money, safety_information
from transforms.measures.units import KIND, convert, google_measure
from transforms.pricing.money import round_to_minor_units

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from decimal import Decimal
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

G_NS = "http://base.google.com/ns/1.0"
TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 5000
ADDITIONAL_IMAGES_LIMIT = 10
HIGHLIGHT_LIMIT = 150
HIGHLIGHTS_MAX = 10
SHIPPING_WEIGHT_UNITS = frozenset({"lb", "oz", "g", "kg"})
SIZE_LIMIT = 100
FREE_TEXT_VARIANT_ATTRIBUTES = (("color", 100), ("material", 200), ("pattern", 100))
"""Google's variant attributes of free text, with their length limits."""
SIZE_AXES = frozenset({"size", "eu_shoes_size", "clothing_size"})
"""Variant axes of the listing's own size (`schemas.listing.Listing.size`), written with
its ``size_system``."""
GENDERS = {
    **dict.fromkeys(("male", "men", "man", "mens", "men's", "herren", "herr", "homme"), "male"),
    **dict.fromkeys(("female", "women", "woman", "womens", "women's", "damen", "dame"), "female"),
    **dict.fromkeys(("femme", "ladies"), "female"),
    **dict.fromkeys(("unisex",), "unisex"),
}
"""Catalog values of ``gender`` (case-folded) and Google's values for them [6324479]."""
AGE_GROUPS = {
    **dict.fromkeys(("newborn", "neugeborene"), "newborn"),
    **dict.fromkeys(("infant", "baby", "babys"), "infant"),
    **dict.fromkeys(("toddler", "kleinkind", "kleinkinder"), "toddler"),
    **dict.fromkeys(("kids", "kid", "child", "children", "kinder", "enfant"), "kids"),
    **dict.fromkeys(("adult", "adults", "erwachsene", "erwachsener", "adulte"), "adult"),
}
"""Catalog values of ``age_group`` (case-folded) and Google's values for them [6324463]."""
GOOGLE_NAMED_AXES = frozenset({name for name, _ in FREE_TEXT_VARIANT_ATTRIBUTES}) | {
    "gender",
    "age_group",
}
"""Variant axes Google has an attribute of the same name for; the others go into size."""
SHIPPING_PARTS = ("country", "service", "price")
CERTIFICATION_PARTS = ("certification_authority", "certification_name", "certification_code")
CAMPAIGN_ATTRIBUTES = (*(f"custom_label_{n}" for n in range(5)), "promotion_id")
"""Google's attributes for campaigns, written last when a listing's attributes carry them:
``custom_label_0`` .. ``custom_label_4`` (at most 100 characters, answer 6324473) and
``promotion_id`` (at most 50, answer 7050148)."""
ENERGY_LABEL_COUNTRIES = EU_MEMBER_STATES | {"IS", "LI", "NO", "CH", "GB"}
"""Where Google shows EU energy labels: the EU, EFTA and the UK [13528839]."""


@lru_cache(maxsize=1)
def _grammars() -> tuple[etree.RelaxNG, etree.RelaxNG]:
    """The feed's grammar, and the same grammar starting at one item."""
    from feeds.checks import SCHEMAS

    path = SCHEMAS / "google_rss.rng"
    item_only = (
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
        '<include href="google_rss.rng"><start><ref name="item"/></start></include></grammar>'
    )
    return (
        etree.RelaxNG(etree.parse(str(path))),
        etree.RelaxNG(etree.fromstring(item_only, base_url=str(path))),
    )


def _google_value(listing: Listing, name: str, values: dict[str, str]) -> str | None:
    """Google's value of ``gender`` or ``age_group`` from the catalog's option code or
    the text buyers read; None when neither is one Google knows."""
    for text in (listing.attributes.get(name), part_text(listing, name)):
        value = values.get(" ".join(text.casefold().split())) if text else None
        if value is not None:
            return value
    return None


def _g(name: str) -> str:
    """Qualified name in the g: namespace (called only when an item shape is first built)."""
    return f"{{{G_NS}}}{name}"


ITEM_GROUP_ID_LENGTH = 50
"""Google's limit of ``item_group_id`` (6324507)."""


def group_id(group: str) -> str:
    """The group's ``item_group_id``: its code, or one longer than Google takes cut and
    followed by a digest of the whole code, so two long codes that start alike stay
    apart and a group keeps its id from run to run.

    >>> group_id("bergfink-daypack")
    'bergfink-daypack'
    >>> long = group_id("model-" + "x" * 60)
    >>> len(long), long[:41], long == group_id("model-" + "x" * 60)
    (50, 'model-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', True)
    """
    if len(group) <= ITEM_GROUP_ID_LENGTH:
        return group
    from hashlib import blake2b

    digest = blake2b(group.encode("utf-8"), digest_size=4).hexdigest()
    return f"{group[: ITEM_GROUP_ID_LENGTH - 9]}~{digest}"


class GoogleMerchantFeed(FeedWriter):
    """Writes one market's Google Merchant Center XML feed."""

    spec = FeedSpec(
        name="google",
        extension="xml",
        media_type="application/rss+xml",
        description="Google Merchant Center product feed (RSS 2.0, g: namespace)",
    )

    _stack: ExitStack
    _xf: Any
    _items: ElementTemplates

    def write_header(self) -> None:
        self._items = ElementTemplates("item", _g, nsmap={"g": G_NS})
        self._stack = ExitStack()
        self._xf = self._stack.enter_context(etree.xmlfile(self.stream, encoding="utf-8"))
        self._xf.write_declaration()
        self._stack.enter_context(self._xf.element("rss", version="2.0", nsmap={"g": G_NS}))
        self._stack.enter_context(self._xf.element("channel"))
        market = self.market
        for tag, text in (
            ("title", f"{market.shop_name} ({market.code})"),
            ("link", market.shop_url),
            (
                "description",
                f"Products for {market.country} in {market.locale}, prices in {market.currency}",
            ),
        ):
            element = etree.Element(tag)
            element.text = text
            self._xf.write(element)
        self._xf.write("\n")

    def write_footer(self) -> None:
        self._stack.close()

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        """The file against ``schemas/feeds/google_rss.rng`` (Google publishes no schema).

        Items are checked one at a time as the file streams by and then dropped, so a
        feed of a million items needs no more memory than one; the channel around them
        is checked last.
        """
        feed_grammar, item_grammar = _grammars()
        problems: list[str] = []
        try:
            with path.open("rb") as stream:
                items = etree.iterparse(stream, events=("end",), tag="item")
                for _, element in items:
                    if not item_grammar.validate(element):
                        sku = element.findtext(_g("id"))
                        problems += [f"item {sku}: {e.message}" for e in item_grammar.error_log]
                    element.clear()
                    parent = element.getparent()
                    if parent is not None:
                        parent.remove(element)
                    if len(problems) >= 5:
                        return problems[:5]
                channel_only = items.root
        except etree.XMLSyntaxError as exc:
            return [f"not well-formed XML: {exc}"]
        if not feed_grammar.validate(channel_only):
            problems += [f"line {e.line}: {e.message}" for e in feed_grammar.error_log]
        return problems[:5]

    def _energy_label(
        self, listing: Listing, findings: list[Finding]
    ) -> tuple[str, str, str] | None:
        """``certification`` (authority, name, code) of an EU energy label, or None; an
        EPREL number that is not one (EPREL's are digits) is reported and left out."""
        if self.market.country not in ENERGY_LABEL_COUNTRIES:
            return None
        info = safety_information(listing.attributes)
        if info.energy_class is None or info.eprel_number is None:
            return None
        if not (info.eprel_number.isascii() and info.eprel_number.isdigit()):
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "certification",
                    "invalid_eprel_number",
                    "the EPREL registration number is not digits: the item goes out without "
                    "its energy label; correct eprel_registration_number in the catalog",
                    info.eprel_number,
                )
            )
            return None
        return ("EC", "EPREL", info.eprel_number)

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []

        def report(
            severity: str, field: str, rule: str, message: str, value: object = None
        ) -> None:
            findings.append(self.finding(listing, severity, field, rule, message, value))

        title = self.title(listing, findings, "title", TITLE_LIMIT)
        description = self._text(
            listing, findings, listing.description, "description", DESCRIPTION_LIMIT
        )
        brand = self.plain(listing, findings, "brand", listing.brand or "")
        if not title:
            report("error", "title", "empty_title", "title is empty after cleaning")
        if not description:
            report(
                "error",
                "description",
                "empty_description",
                "description is empty after removing HTML",
            )
        if not listing.image_links:
            report("error", "image_link", "missing_image_link", "Google requires an image_link")
        if not brand:
            report("error", "brand", "missing_brand", "Google requires a brand")
        self.check_energy_label(listing, findings)  # GPSR: no Google field (schemas.compliance)
        gtin = listing.gtin
        gtin_left_out = False
        if gtin is not None:
            problem = gtin_problem(gtin)
            if problem is not None:
                # "When in doubt, don't provide a GTIN" [6324461]: the item goes out
                # without one (and without identifier_exists = no: it may well have one).
                report(
                    "warning",
                    "gtin",
                    "invalid_gtin_left_out",
                    f"GTIN {problem}: the item is listed without a GTIN (Google rejects a "
                    "wrong one); correct it in the catalog",
                    gtin,
                )
                gtin, gtin_left_out = None, True
        if any(f.severity == "error" for f in findings):
            return findings

        children = [
            ("id", listing.sku),
            ("title", title),
            ("description", description),
            ("link", listing.link),
            ("image_link", listing.image_links[0]),
        ]
        for link in listing.image_links[1 : 1 + ADDITIONAL_IMAGES_LIMIT]:
            children.append(("additional_image_link", link))
        price, sale = (
            (round_to_minor_units(listing.price), ())
            if listing.sale is None
            else self._sale(listing, findings)
        )
        children.append(("availability", listing.availability))
        children.append(("price", f"{price.amount} {price.currency}"))
        children += sale
        children.append(("brand", brand))
        mpn = self.plain(listing, findings, "mpn", listing.mpn) if listing.mpn else ""
        if gtin:
            children.append(("gtin", gtin))
        if mpn:
            children.append(("mpn", mpn))
        if not gtin and not mpn and not gtin_left_out:
            children.append(("identifier_exists", "no"))
        children.append(("condition", listing.condition))
        product_type = [
            self.plain(listing, findings, "product_type", category)
            for category in listing.categories[:5]
        ]
        if any(product_type):
            children.append(("product_type", " > ".join(filter(None, product_type))))
        taxonomy_id = first_mapped(listing.categories, dict(self.context.categories))
        if taxonomy_id:
            children.append(("google_product_category", taxonomy_id))
        for highlight in listing.bullet_points[:HIGHLIGHTS_MAX]:
            text = cut_at_word(
                self.plain(listing, findings, "product_highlight", highlight), HIGHLIGHT_LIMIT
            )
            if text:
                children.append(("product_highlight", text))
        weight = listing.weight
        if weight is not None and weight.unit in SHIPPING_WEIGHT_UNITS:
            children.append(("shipping_weight", google_measure(weight)))
        paid = price if listing.sale is None else selling_price(listing, self.context.run_at)
        shipping = self._shipping(listing, findings, paid.amount)
        at = len(children)
        if shipping is not None:
            children.append(("shipping", ""))
        children += self._variant_attributes(listing, findings)
        if listing.unit_pricing_measure and listing.unit_pricing_base_measure:
            children.append(("unit_pricing_measure", listing.unit_pricing_measure))
            children.append(("unit_pricing_base_measure", listing.unit_pricing_base_measure))
        certification = self._energy_label(listing, findings)
        certified_at = len(children)
        if certification is not None:
            children.append(("certification", ""))
        for name in CAMPAIGN_ATTRIBUTES:  # set by the data team's overrides (transforms.overrides)
            if listing.attributes.get(name):
                children.append(
                    (name, self.plain(listing, findings, name, listing.attributes[name]))
                )
        item = self._items.fill(children)
        if certification is not None:
            _fill_parts(item[certified_at], CERTIFICATION_PARTS, certification)
        if shipping is not None:
            _fill_parts(item[at], SHIPPING_PARTS, shipping)
        self._xf.write(item)
        self._xf.write("\n")
        self.items_written += 1
        return findings

    def _sale(
        self, listing: Listing, findings: list[Finding]
    ) -> tuple[Money, Sequence[tuple[str, str]]]:
        """The item's ``price`` and its ``sale_price`` and ``sale_price_effective_date``
        children (none when no sale goes out tonight); see the module docstring."""
        sale = listing.sale
        regular = round_to_minor_units(listing.price)
        if sale is None:
            return regular, ()
        run_at = self.context.run_at
        where = phase(sale, run_at)
        strike = strike_price(listing)
        if where == "ended" or (where == "ahead" and (strike != regular or sale.end is None)):
            # Google's interval needs an end, and a strike other than the regular price
            # can only stand while the sale runs: from the night it starts.
            return regular, ()
        price = round_to_minor_units(sale.price)
        if strike is None:
            return price, ()  # any sale_price is shown against a struck price
        if price.amount >= strike.amount:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "sale_price",
                    "sale_not_below_reference",
                    f"the sale price {price.amount} {price.currency} is not below the price "
                    f"it is announced against ({strike.amount} {strike.currency}): sent as "
                    "the price, with no reduction shown",
                    f"{price.amount} {price.currency}",
                )
            )
            return (price if where == "running" else regular), ()
        reduction = discount(strike, price)
        if not GOOGLE_LEAST_DISCOUNT < reduction < GOOGLE_MOST_DISCOUNT:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "sale_price",
                    "sale_annotation_not_shown",
                    f"a discount of {reduction:.1%} from {strike.amount} {strike.currency}: "
                    "Google shows sale annotations (the struck price, the sale badge) only "
                    "for a discount above 5 % and below 90 %, so the sale price is shown "
                    "as a plain price",
                    f"{price.amount} {price.currency}",
                )
            )
        children = [("sale_price", f"{price.amount} {price.currency}")]
        start = sale.start or run_at
        if sale.end is not None and start is not None:
            children.append(("sale_price_effective_date", google_interval(start, sale.end)))
        return strike, children

    def _text(
        self, listing: Listing, findings: list[Finding], markup: str, field: str, limit: int
    ) -> str:
        """Plain text of ``field`` cut to Google's ``limit``, each change reported."""
        cleaned = self.plain(listing, findings, field, markup)
        cut = cut_at_word(cleaned, limit)
        if len(cut) < len(cleaned):
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    field,
                    "text_shortened",
                    f"{field} cut from {len(cleaned)} to {len(cut)} characters at a word "
                    f"boundary (Google allows {limit})",
                    cleaned,
                )
            )
        return cut

    def _variant_attributes(
        self, listing: Listing, findings: list[Finding]
    ) -> list[tuple[str, str]]:
        """``item_group_id`` and the attributes Google tells variants apart by, in a fixed
        order: color, material, pattern, gender, age_group, size, size_system."""
        children: list[tuple[str, str]] = []
        if listing.group:
            children.append(("item_group_id", group_id(listing.group)))
        for name, limit in FREE_TEXT_VARIANT_ATTRIBUTES:
            text = part_text(listing, name)
            if text:
                value = self.cut(listing, findings, name, text, limit)
                if value:
                    children.append((name, value))
        for name, values in (("gender", GENDERS), ("age_group", AGE_GROUPS)):
            google = _google_value(listing, name, values)
            if google is not None:
                children.append((name, google))
        axes = listing.varies_by if listing.group else ()
        size = self.plain(listing, findings, "size", listing.size) if listing.size else ""
        if size and (listing.size_system or SIZE_AXES.intersection(axes)):
            children.append(("size", cut_at_word(size, SIZE_LIMIT)))
            if listing.size_system:
                children.append(("size_system", listing.size_system))
            return children
        others = [
            part_text(listing, axis)
            for axis in axes
            if axis not in GOOGLE_NAMED_AXES and axis not in SIZE_AXES and axis != "name"
        ]
        size = ", ".join(text for text in others if text)
        if size:
            children.append(("size", self.cut(listing, findings, "size", size, SIZE_LIMIT)))
        return children

    def _shipping(
        self, listing: Listing, findings: list[Finding], price: Decimal
    ) -> tuple[str, str, str] | None:
        """The item's ``shipping`` (country, service, price), None when it carries none.

        The cost is the market's shipping for ``google`` at the item's price and weight;
        one a weight table cannot tell is reported (``shipping_unknown``)."""
        shipping = self.market.shipping_for("google")
        if shipping is None or shipping.account:
            return None
        weight = listing.weight
        weighed = weight is not None and KIND.get(weight.unit) == "mass"
        kilograms = convert(weight, "kg") if weight is not None and weighed else None
        cost = shipping.cost(price, None if kilograms is None else kilograms.value)
        if cost is None:
            reason = (
                f"the item has no weight and {shipping.service} charges by weight"
                if kilograms is None
                else f"{google_measure(kilograms)} is over the last weight band of "
                f"{shipping.service} ({shipping.weight_bands[-1].up_to_kg} kg)"
            )
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "shipping",
                    "shipping_unknown",
                    f"shipping left out: {reason}; the Merchant Center account's shipping "
                    "settings apply",
                    None if weight is None else google_measure(weight),
                )
            )
            return None
        cost_text = round_to_minor_units(Money(cost, self.market.currency))
        return (
            shipping.country or self.market.country,
            shipping.service,
            f"{cost_text.amount} {cost_text.currency}",
        )


def _fill_parts(element: etree._Element, names: Sequence[str], texts: Sequence[str]) -> None:
    """The parts of a nested element (shipping, certification) with this item's texts.

    The templates hold flat items: a nested element of a shape keeps its parts from one
    item to the next, made on first use; only their texts change."""
    if not len(element):
        for name in names:
            etree.SubElement(element, _g(name))
    for part, text in zip(element, texts, strict=True):
        part.text = text
