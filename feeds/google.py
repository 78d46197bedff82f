"""Google Merchant Center product feed: RSS 2.0 with the ``g:`` namespace.

Rules from the Merchant Center product data specification
(support.google.com/merchants, answer ids in brackets):

- RSS 2.0 with ``xmlns:g="http://base.google.com/ns/1.0"`` [160589];
- ``title`` 1-150 characters [6324415], plain text composed by the channel's
  title rule (`feeds.titles`); ``description`` 1-5000 characters [6324468],
  plain text cut at a word boundary; both shortenings are reported;
- ``price`` as ``15.00 EUR`` in ISO 4217 [6324371];
- ``availability`` in_stock, out_of_stock, preorder, backorder [6324448];
- ``brand`` required; ``gtin`` when the product has one, ``mpn`` otherwise,
  and ``identifier_exists`` = no when it has neither [6324478];
- ``image_link`` required, up to 10 ``additional_image_link``;
- ``google_product_category``: the Google product taxonomy id from the category
  mapping, when the listing's categories have one;
- ``shipping_weight`` in lb, oz, g or kg; ``unit_pricing_measure`` and
  ``unit_pricing_base_measure`` where the product has a net content [6324490].

Items are written one at a time with ``lxml.etree.xmlfile``; the file has no
timestamp, so the same input gives byte-identical output.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lxml import etree

from feeds.contract import FeedSpec, FeedWriter
from feeds.text import cut_at_word
from feeds.xml import ElementTemplates
from schemas.categories import first_mapped
from schemas.gtin import gtin_problem
from transforms.money import round_to_minor_units
from transforms.units import google_measure

if TYPE_CHECKING:
    from collections.abc import Collection
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


def _g(name: str) -> str:
    """Qualified name in the g: namespace (called only when an item shape is first built)."""
    return f"{{{G_NS}}}{name}"


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
        gtin = listing.gtin
        if gtin is not None:
            problem = gtin_problem(gtin)
            if problem is not None:
                report("error", "gtin", "invalid_gtin", f"GTIN {problem}", gtin)
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
        price = round_to_minor_units(listing.price)
        children.append(("availability", listing.availability))
        children.append(("price", f"{price.amount} {price.currency}"))
        children.append(("brand", brand))
        mpn = self.plain(listing, findings, "mpn", listing.mpn) if listing.mpn else ""
        if gtin:
            children.append(("gtin", gtin))
        if mpn:
            children.append(("mpn", mpn))
        if not gtin and not mpn:
            children.append(("identifier_exists", "no"))
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
        size = self.plain(listing, findings, "size", listing.size) if listing.size else ""
        if size and listing.size_system:
            children.append(("size", size))
            children.append(("size_system", listing.size_system))
        if listing.unit_pricing_measure and listing.unit_pricing_base_measure:
            children.append(("unit_pricing_measure", listing.unit_pricing_measure))
            children.append(("unit_pricing_base_measure", listing.unit_pricing_base_measure))
        self._xf.write(self._items.fill(children))
        self._xf.write("\n")
        self.items_written += 1
        return findings

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
