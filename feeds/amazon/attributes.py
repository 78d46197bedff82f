"""The attributes of a listing's message: texts, identifiers, images, package, the offer
(price, a sale's discounted price, condition, stock, shipping) and the declarations
Amazon's PRODUCT definition requires (country of origin, dangerous goods), each with a
finding where it falls short."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feeds.amazon.marketplace import (
    BULLET_LIMIT,
    BULLETS_MAX,
    COLOR_ATTRIBUTES,
    DESCRIPTION_BYTES,
    DG_NEEDS_MORE,
    DG_VALUES,
    OTHER_IMAGES_MAX,
    TITLE_LIMIT,
    USED_CONDITIONS,
)
from feeds.sales import phase, strike_price
from feeds.text import cut_at_word, cut_to_bytes
from schemas.gtin import gtin_problem
from transforms.measures.units import amazon_measure, convert
from transforms.pricing.money import round_to_minor_units

if TYPE_CHECKING:
    from feeds.amazon.writer import AmazonListingsFeed
    from schemas.findings import Finding
    from schemas.listing import Listing
    from schemas.product import Money


def listing_attributes(
    writer: AmazonListingsFeed, listing: Listing, findings: list[Finding], product_type: str
) -> dict[str, Any]:
    where = {"language_tag": writer.market.locale, "marketplace_id": writer.market_id}
    only_market = {"marketplace_id": writer.market_id}
    title = writer.title(listing, findings, "item_name", TITLE_LIMIT)
    if not title:
        findings.append(
            writer.finding(
                listing, "error", "item_name", "empty_title", "title is empty after cleaning"
            )
        )
    brand = writer.plain(listing, findings, "brand", listing.brand or "")
    if not brand:
        findings.append(
            writer.finding(listing, "error", "brand", "missing_brand", "Amazon requires a brand")
        )
    attributes: dict[str, Any] = {
        "item_name": [{"value": title, **where}],
        "brand": [{"value": cut_at_word(brand, 100), **where}],
        # Amazon's browse keyword; until the category map names one, the product type's.
        "item_type_keyword": [{"value": product_type.lower().replace("_", "-"), **only_market}],
    }
    bullets = []
    for point in listing.bullet_points[:BULLETS_MAX]:
        text = writer.cut(listing, findings, "bullet_point", point, BULLET_LIMIT)
        if text:
            bullets.append({"value": text, **where})
    if len(listing.bullet_points) > BULLETS_MAX:
        findings.append(
            writer.finding(
                listing,
                "warning",
                "bullet_point",
                "too_many_bullet_points",
                f"{len(listing.bullet_points)} bullet points, Amazon takes "
                f"{BULLETS_MAX}: the rest are left out",
            )
        )
    if bullets:
        attributes["bullet_point"] = bullets
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "bullet_point",
                "missing_bullet_point",
                "Amazon requires at least one bullet_point; the listing has none",
            )
        )
    description = writer.plain(listing, findings, "product_description", listing.description)
    description, cut = cut_to_bytes(description, DESCRIPTION_BYTES)
    if cut:
        findings.append(
            writer.finding(
                listing,
                "warning",
                "product_description",
                "text_shortened",
                f"description cut to {DESCRIPTION_BYTES:,} UTF-8 bytes",
            )
        )
    if description:
        attributes["product_description"] = [{"value": description, **where}]
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "product_description",
                "missing_description",
                "Amazon requires a description; it is empty after cleaning",
            )
        )
    color = first_value(listing.attributes, COLOR_ATTRIBUTES) or writer.settings.color_when_none
    if color:
        attributes["color"] = [{"value": cut_at_word(color, 1000), **where}]
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "color",
                "missing_color",
                "Amazon requires a color: give the catalog attribute "
                f"{' or '.join(COLOR_ATTRIBUTES)} or [channels.amazon] color_when_none",
            )
        )
    if listing.gtin:
        problem = gtin_problem(listing.gtin)
        if problem is not None:
            findings.append(
                writer.finding(
                    listing, "error", "gtin", "invalid_gtin", f"GTIN {problem}", listing.gtin
                )
            )
        else:
            kind = {12: "upc", 13: "ean"}.get(len(listing.gtin), "gtin")
            attributes["externally_assigned_product_identifier"] = [
                {"type": kind, "value": listing.gtin, **only_market}
            ]
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "externally_assigned_product_identifier",
                "missing_gtin",
                "Amazon requires a GTIN (EAN, UPC) as externally_assigned_product_identifier",
            )
        )
    if listing.image_links:
        main, *others = listing.image_links
        attributes["main_product_image_locator"] = [{"media_location": main, **only_market}]
        for number, link in enumerate(others[:OTHER_IMAGES_MAX], start=1):
            attributes[f"other_product_image_locator_{number}"] = [
                {"media_location": link, **only_market}
            ]
        if len(others) > OTHER_IMAGES_MAX:
            findings.append(
                writer.finding(
                    listing,
                    "warning",
                    "other_product_image_locator",
                    "too_many_images",
                    f"{len(listing.image_links)} images, Amazon takes "
                    f"{OTHER_IMAGES_MAX + 1}: the rest are left out",
                )
            )
    _offer(writer, listing, findings, attributes)
    _declarations(writer, listing, findings, attributes)
    if listing.weight is not None:
        attributes["item_package_weight"] = [{**amazon_measure(listing.weight), **only_market}]
    sides = (listing.length, listing.width, listing.height)
    if all(side is not None for side in sides):
        unit = "in" if writer.market.units == "us" else "cm"
        attributes["item_package_dimensions"] = [
            {
                **{
                    name: amazon_measure(convert(side, unit))  # type: ignore[arg-type]
                    for name, side in zip(("length", "width", "height"), sides, strict=True)
                },
                **only_market,
            }
        ]
    return attributes


def _offer(
    writer: AmazonListingsFeed,
    listing: Listing,
    findings: list[Finding],
    attributes: dict[str, Any],
) -> None:
    """What makes the item buyable: price, condition, stock and how it ships."""
    only_market = {"marketplace_id": writer.market_id}
    settings = writer.settings
    price = round_to_minor_units(listing.price)
    discounted = None
    if listing.sale is not None:
        price, discounted = _sale(writer, listing, findings)
    offer: dict[str, Any] = {
        "currency": price.currency,
        "our_price": [{"schedule": [{"value_with_tax": price.amount}]}],
        **only_market,
    }
    if discounted is not None:
        offer["discounted_price"] = discounted
    attributes["purchasable_offer"] = [offer]
    # A new product takes the channel's condition (new_new, or new_oem ...); a used or
    # refurbished one Amazon's grade of it (the catalog grades no further).
    condition = USED_CONDITIONS.get(listing.condition, settings.condition_type)
    attributes["condition_type"] = [{"value": condition, **only_market}]
    code = settings.fulfillment_channel_code
    if code == "DEFAULT":
        quantity = listing.quantity
        if listing.availability == "out_of_stock":
            quantity = 0
        elif quantity is None:
            quantity = settings.default_quantity if listing.availability == "in_stock" else 0
        attributes["fulfillment_availability"] = [
            {"fulfillment_channel_code": code, "quantity": quantity}
        ]
        attributes["merchant_shipping_group"] = [
            {"value": settings.merchant_shipping_group, **only_market}
        ]
    else:
        # Amazon holds and counts the stock; it needs the parcel and battery facts.
        attributes["fulfillment_availability"] = [{"fulfillment_channel_code": code}]
        batteries = listing.attributes.get("batteries_required", "").strip().lower()
        if batteries not in {"false", "no", "0", "true", "yes", "1"}:
            findings.append(
                writer.finding(
                    listing,
                    "error",
                    "batteries_required",
                    "missing_batteries_required",
                    f"fulfilment by Amazon ({code}) needs the catalog attribute "
                    "batteries_required (yes or no)",
                )
            )
        elif batteries in {"true", "yes", "1"}:
            findings.append(
                writer.finding(
                    listing,
                    "error",
                    "batteries_required",
                    "battery_details_missing",
                    "a product that needs batteries needs battery details this writer "
                    "does not send",
                )
            )
        else:
            attributes["batteries_required"] = [{"value": False, **only_market}]
        if listing.weight is None or None in (listing.length, listing.width, listing.height):
            findings.append(
                writer.finding(
                    listing,
                    "error",
                    "item_package_dimensions",
                    "missing_package_size",
                    f"fulfilment by Amazon ({code}) needs the package weight and dimensions",
                )
            )
    if listing.list_price is not None:
        rrp = round_to_minor_units(listing.list_price)
        if rrp.currency != price.currency or rrp.amount < price.amount:
            findings.append(
                writer.finding(
                    listing,
                    "warning",
                    "list_price",
                    "list_price_below_price",
                    f"the recommended retail price {rrp.amount} {rrp.currency} is below the "
                    f"price {price.amount} {price.currency}; no list price is sent",
                )
            )
        else:
            attributes["list_price"] = [
                {"value": rrp.amount, "currency": rrp.currency, **only_market}
            ]


def _sale(
    writer: AmazonListingsFeed, listing: Listing, findings: list[Finding]
) -> tuple[Money, list[dict[str, Any]] | None]:
    """``our_price`` and the ``discounted_price`` beside it for a listing on sale (None:
    no discounted price tonight).

    Amazon's PRODUCT definition (../shared/reference/amazon-product-type-PRODUCT-sample-
    schema.json, ``purchasable_offer.discounted_price.schedule``) takes the sale price as
    ``value_with_tax`` with a ``start_at`` and an ``end_at``, both required, dates or
    date-times, and strikes ``our_price`` through beside it. So ``our_price`` is the strike
    price (``Sale.reference``: the regular price, or the lower prior price of the EU rule),
    and a sale is scheduled ahead only when that is the regular price (a lower prior price
    must not stand before the sale). Without an end Amazon can take no schedule: the sale
    price goes out as ``our_price``, with no reduction shown, and a ``sale_without_end``
    warning; so does a sale sent without a strike price (``reference`` None), from the
    night it starts. A missing start is the run's moment; a sale whose end has passed is
    not sent (`feeds.sales.phase`).
    """
    sale = listing.sale
    regular = round_to_minor_units(listing.price)
    if sale is None:
        return regular, None
    run_at = writer.context.run_at
    where = phase(sale, run_at)
    strike = strike_price(listing)
    if where == "ended" or (where == "ahead" and (strike != regular or sale.end is None)):
        return regular, None
    price = round_to_minor_units(sale.price)
    now = price if where == "running" else regular
    if strike is None:
        return now, None
    if price.amount >= strike.amount:
        findings.append(
            writer.finding(
                listing,
                "warning",
                "discounted_price",
                "sale_not_below_reference",
                f"the sale price {price.amount} {price.currency} is not below the price it is "
                f"announced against ({strike.amount} {strike.currency}): sent as our_price, "
                "with no reduction shown",
                f"{price.amount} {price.currency}",
            )
        )
        return now, None
    start = sale.start or run_at
    if sale.end is None or start is None:
        findings.append(
            writer.finding(
                listing,
                "warning",
                "discounted_price",
                "sale_without_end",
                "Amazon's discounted_price needs the sale's start and end: the sale price "
                f"{price.amount} {price.currency} is sent as our_price, with no reduction "
                "shown; give the sale an end date in the catalog",
                f"{price.amount} {price.currency}",
            )
        )
        return now, None
    schedule = {
        "value_with_tax": price.amount,
        "start_at": start.isoformat(timespec="seconds"),
        "end_at": sale.end.isoformat(timespec="seconds"),
    }
    return strike, [{"schedule": [schedule]}]


def _declarations(
    writer: AmazonListingsFeed,
    listing: Listing,
    findings: list[Finding],
    attributes: dict[str, Any],
) -> None:
    """Country of origin and dangerous goods: the catalog's, else the channel's default."""
    only_market = {"marketplace_id": writer.market_id}
    origin = listing.attributes.get("country_of_origin", "").strip()
    origin = origin.upper() if len(origin) == 2 else origin
    origin = origin or writer.settings.country_of_origin or ""
    if origin == "unknown" or (len(origin) == 2 and origin.isalpha() and origin.isupper()):
        attributes["country_of_origin"] = [{"value": origin, **only_market}]
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "country_of_origin",
                "missing_country_of_origin",
                "Amazon requires a country of origin (an ISO 3166 code): give the catalog "
                "attribute country_of_origin or [channels.amazon] country_of_origin",
                origin or None,
            )
        )
    declared = listing.attributes.get("supplier_declared_dg_hz_regulation", "").strip().lower()
    declared = declared or writer.settings.supplier_declared_dg_hz_regulation or ""
    if declared in DG_NEEDS_MORE:
        findings.append(
            writer.finding(
                listing,
                "error",
                "supplier_declared_dg_hz_regulation",
                "dangerous_goods_details_missing",
                f"supplier_declared_dg_hz_regulation is {declared}: Amazon then needs "
                "hazmat or GHS details this writer does not send",
            )
        )
    elif declared in DG_VALUES:
        attributes["supplier_declared_dg_hz_regulation"] = [{"value": declared, **only_market}]
    else:
        findings.append(
            writer.finding(
                listing,
                "error",
                "supplier_declared_dg_hz_regulation",
                "missing_dangerous_goods_declaration",
                "Amazon requires a dangerous-goods declaration: give the catalog attribute "
                "supplier_declared_dg_hz_regulation or [channels.amazon] "
                "supplier_declared_dg_hz_regulation",
                declared or None,
            )
        )


def first_value(attributes: dict[str, str], names: tuple[str, ...]) -> str:
    """The first non-empty of ``names`` in the catalog attributes, stripped ("" for none)."""
    for name in names:
        value = attributes.get(name, "").strip()
        if value:
            return value
    return ""
