"""Variation families: the theme a group's ``varies_by`` makes, a variant's place in its
family, and the group's parent message (no offer, no GTIN), made from its first variant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feeds.amazon.attributes import first_value
from feeds.amazon.marketplace import SCHEMA, TITLE_LIMIT
from feeds.jsonfeed import dumps, text_hash
from feeds.text import cut_at_word, quantity_words
from feeds.titles import part_text
from schemas.product import Quantity
from transforms.catalog.values import ValueProblem, parse_quantity_text
from transforms.measures.units import KIND, convert

if TYPE_CHECKING:
    from feeds.amazon.writer import AmazonListingsFeed
    from schemas.findings import Finding
    from schemas.listing import Listing

THEME_PARTS = {
    **dict.fromkeys(("color", "colour", "main_color"), "COLOR_NAME"),
    **dict.fromkeys(("size", "clothing_size", "eu_shoes_size"), "SIZE_NAME"),
    **dict.fromkeys(("volume", "net_content"), "SIZE_NAME"),
    "material": "MATERIAL_TYPE",
}
"""Catalog attribute a group varies by -> the part of Amazon's variation theme it fills."""
THEME_ATTRIBUTES = {"COLOR_NAME": "color", "SIZE_NAME": "size", "MATERIAL_TYPE": "material"}
"""Theme part -> the Amazon attribute each variant states it in (``size``: ``500 ml``)."""
VARIATION_THEMES = (
    "COLOR_NAME",
    "SIZE_NAME",
    "MATERIAL_TYPE",
    "SIZE_NAME/COLOR_NAME",
    "COLOR_NAME/SIZE_NAME",
    "MATERIAL_TYPE/COLOR_NAME",
    "COLOR_NAME/MATERIAL_TYPE",
    "SIZE_NAME/MATERIAL_TYPE",
    "MATERIAL_TYPE/SIZE_NAME",
    "MATERIAL_TYPE/COLOR_NAME/SIZE_NAME",
)
"""The variation themes this writer sends, each one of the PRODUCT definition's (a test
checks them against ``variation_theme``'s enum there). Amazon names a theme by its parts
in an order; the one in the order of ``varies_by`` wins, else any order Amazon has."""
QUANTITY_PARTS = frozenset({"volume", "net_content", "weight"})
"""Listing fields holding a `schemas.product.Quantity` a title states in its own units."""


def variation(
    writer: AmazonListingsFeed,
    listing: Listing,
    findings: list[Finding],
    attributes: dict[str, Any],
) -> str | None:
    """The variant's theme, its place in the family and the theme's values added to
    ``attributes``; None for a product that goes out on its own (no group, or a
    group whose ``varies_by`` makes no theme this writer sends: a warning)."""
    if listing.group is None or not listing.varies_by:
        return None
    parts = [THEME_PARTS.get(name, "") for name in listing.varies_by]
    theme = _theme(parts) if all(parts) and len(set(parts)) == len(parts) else None
    if theme is None:
        findings.append(
            writer.finding(
                listing,
                "warning",
                "variation_theme",
                "no_variation_theme",
                f"group {listing.group} varies by {', '.join(listing.varies_by)}: no "
                "Amazon variation theme of this writer's has those parts, so its "
                "variants go out as products of their own",
                ", ".join(listing.varies_by),
            )
        )
        return None
    where = {"language_tag": writer.market.locale, "marketplace_id": writer.market_id}
    only_market = {"marketplace_id": writer.market_id}
    for name, part in zip(listing.varies_by, parts, strict=True):
        value = (
            first_value(listing.attributes, (name,))
            if part == "COLOR_NAME"
            else part_text(listing, name)
        )
        if not value:
            findings.append(
                writer.finding(
                    listing,
                    "error",
                    THEME_ATTRIBUTES[part],
                    "missing_variation_value",
                    f"group {listing.group} varies by {name} and this variant has none: "
                    f"Amazon's theme {theme} needs every variant's",
                )
            )
            continue
        attributes[THEME_ATTRIBUTES[part]] = [{"value": cut_at_word(value, 1000), **where}]
    attributes["parentage_level"] = [{"value": "child", **only_market}]
    attributes["child_parent_sku_relationship"] = [
        {"child_relationship_type": "variation", "parent_sku": listing.group, **only_market}
    ]
    attributes["variation_theme"] = [{"name": theme}]
    return theme


def parent_message(
    writer: AmazonListingsFeed,
    listing: Listing,
    findings: list[Finding],
    product_type: str,
    theme: str,
    child: dict[str, Any],
) -> tuple[str, str] | None:
    """The parent message of ``listing``'s group, made from this first variant of it,
    as the writer keeps it; None when it breaks the schema (reported: the variant
    stays out with it)."""
    group = listing.group
    assert group is not None
    where = {"language_tag": writer.market.locale, "marketplace_id": writer.market_id}
    only_market = {"marketplace_id": writer.market_id}
    name = _group_name(writer.plain(listing, findings, "item_name", listing.title), listing)
    color = child["color"]
    if "COLOR_NAME" in theme.split("/") and writer.settings.color_when_none:
        # Amazon's PRODUCT definition asks a parent for a colour too; it has none.
        color = [{"value": writer.settings.color_when_none, **where}]
    attributes = {
        "item_name": [{"value": cut_at_word(name or group, TITLE_LIMIT), **where}],
        **{
            key: child[key]
            for key in ("brand", "item_type_keyword", "bullet_point", "product_description")
        },
        "color": color,
        "country_of_origin": child["country_of_origin"],
        "supplier_declared_dg_hz_regulation": child["supplier_declared_dg_hz_regulation"],
        # A parent is no product anyone buys: it has no GTIN and no offer. Amazon's
        # definition wants an item without fulfilment facts to give its parcel's; the
        # parent says merchant-fulfilled with nothing in stock instead.
        "supplier_declared_has_product_identifier_exemption": [{"value": True, **only_market}],
        "skip_offer": [{"value": True, **only_market}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}],
        "parentage_level": [{"value": "parent", **only_market}],
        "child_parent_sku_relationship": [{"child_relationship_type": "variation", **only_market}],
        "variation_theme": [{"name": theme}],
    }
    message = {
        "sku": group,
        "operationType": "UPDATE",
        "productType": product_type,
        "requirements": "LISTING_PRODUCT_ONLY",
        "attributes": attributes,
    }
    text = dumps(message)
    digest = text_hash(text)
    if writer.breaks_schema(
        listing,
        findings,
        SCHEMA,
        {**message, "messageId": 1},
        definition="message",
        what="parent message",
        whose="Amazon's",
    ):
        return None
    writer.context.checked.add(digest)
    return text, digest


def _theme(parts: list[str]) -> str | None:
    """The variation theme of ``parts`` (in `VARIATION_THEMES`), their order first.

    >>> _theme(["SIZE_NAME", "COLOR_NAME"]), _theme(["COLOR_NAME", "MATERIAL_TYPE", "SIZE_NAME"])
    ('SIZE_NAME/COLOR_NAME', 'MATERIAL_TYPE/COLOR_NAME/SIZE_NAME')
    """
    wanted = "/".join(parts)
    if wanted in VARIATION_THEMES:
        return wanted
    return next((t for t in VARIATION_THEMES if sorted(t.split("/")) == sorted(parts)), None)


def _group_name(name: str, listing: Listing) -> str:
    """What the variants of ``listing``'s group are called: its title ``name`` up to the
    first value it varies by that the title states (values trail a catalog title); ""
    when the title states none of them, or starts with one.

    >>> from decimal import Decimal
    >>> from schemas.listing import Listing
    >>> pack = Listing(sku="P1", market="DE", locale="de_DE", text_locale="de_DE",
    ...     title="", description="", link="", price=None, availability="in_stock",
    ...     volume=Quantity(Decimal("18"), "l"), attributes={"color": "black"},
    ...     varies_by=("volume", "color"))  # type: ignore[arg-type]
    >>> _group_name("Bergfink Daypack 18 L schwarz", pack)
    'Bergfink Daypack'
    >>> _group_name("Bergfink Daypack schwarz", pack)
    ''
    """
    words = quantity_words(name)
    found = [
        at for part in listing.varies_by if (at := _stated_at(words, listing, part)) is not None
    ]
    return " ".join(words[: min(found)]) if found else ""


def _stated_at(words: list[str], listing: Listing, part: str) -> int | None:
    """Where the title ``words`` state ``listing``'s value of ``part``: as buyers read it,
    or (a quantity) in any unit of its kind (``1000 ml`` for ``1 l``); None if nowhere."""
    text = part_text(listing, part)
    if text:
        value = [w.casefold() for w in quantity_words(text)]
        folded = [w.casefold() for w in words]
        for at in range(len(words) - len(value) + 1):
            if folded[at : at + len(value)] == value:
                return at
    quantity = getattr(listing, part, None) if part in QUANTITY_PARTS else None
    if not isinstance(quantity, Quantity) or quantity.unit not in KIND:
        return None
    for at, word in enumerate(words):
        try:
            stated = parse_quantity_text(word)
        except ValueProblem:
            continue
        if KIND.get(stated.unit) == KIND[quantity.unit]:
            if convert(stated, quantity.unit).value == quantity.value:
                return at
    return None
