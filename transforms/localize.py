"""Re-express a catalog product for one market.

This first version is deliberately plain and honest:

- texts come from the catalog's own localized values, in the order of the
  market's ``text_locales``; a product without a description in any of them is
  set aside with the rule ``missing_translation`` (machine translation is a
  later step behind this same function);
- the price comes from the market's `transforms.money.Pricer`: the catalog's price in
  the market's currency or its base-currency price converted with the ECB
  rates, re-based to the destination's VAT, rounded and ended as the market
  wants; a product without a usable price is set aside with the rule the
  pricing names (``missing_price``, ``missing_rate``, ...).

The result is either a `Listing` or the findings that explain why there is none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.findings import Finding, shorten
from schemas.listing import Listing
from schemas.product import ANY_LOCALE
from transforms.money import PriceProblem, unit_price
from transforms.sizes import default_table, gender_of
from transforms.units import for_market

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.market import Market
    from schemas.product import Product, Quantity
    from transforms.money import Pricer


def _pick(texts: Mapping[str, str], locales: Sequence[str]) -> tuple[str, str] | None:
    for locale in locales:
        text = texts.get(locale)
        if text:
            return locale, text
    return None


def localize(product: Product, market: Market, pricer: Pricer) -> Listing | list[Finding]:
    """Return the product's listing for ``market``, or the findings that set it aside.

    ``pricer`` is the market's (one per market and run: it plans each currency
    and tax class once).

    Every finding is an ``error`` naming the product, the market, the field and
    the rule.
    """
    problems: list[Finding] = []

    def set_aside(field: str, rule: str, message: str, value: str | None = None) -> None:
        problems.append(
            Finding(
                stage="localize",
                severity="error",
                sku=product.sku,
                market=market.code,
                field=field,
                rule=rule,
                message=message,
                value=value,
            )
        )

    if not product.enabled:
        set_aside("enabled", "product_disabled", "the product is disabled in the catalog")
        return problems

    looked_in = ", ".join(market.text_locales)
    title = _pick(product.title, market.text_locales) or _pick(product.title, (ANY_LOCALE,))
    if title is None:
        set_aside(
            "title",
            "missing_translation",
            f"no title in {looked_in}; catalog has {_available(product.title)}",
        )
    description = _pick(product.description, market.text_locales)
    if description is None:
        set_aside(
            "description",
            "missing_translation",
            f"no description in {looked_in}; catalog has {_available(product.description)}",
        )
    quote = None
    try:
        quote = pricer.quote(product.prices, product.tax_class)
    except PriceProblem as problem:
        set_aside("price", problem.rule, problem.message)
    if quote is not None and quote.price.amount <= 0:
        set_aside(
            "price",
            "non_positive_price",
            f"price in {market.currency} must be greater than zero",
            shorten(quote.price.amount),
        )
    if problems or title is None or description is None or quote is None:
        return problems

    bullets = _pick_list(product.bullet_points, market.text_locales)
    per_unit = None
    if market.unit_pricing and product.net_content is not None:
        per_unit = unit_price(quote.price, product.net_content)

    size = size_system = None
    if product.size and product.size_kind:
        size, size_system = default_table().for_market(
            product.size, product.size_kind, gender_of(product.categories), market.size_system
        )

    def local(quantity: Quantity | None) -> Quantity | None:
        return None if quantity is None else for_market(quantity, market.units)

    return Listing(
        sku=product.sku,
        market=market.code,
        locale=market.locale,
        text_locale=description[0],
        title=title[1],
        description=description[1],
        link=market.link_for(product.sku),
        price=quote.price,
        price_note=quote.explanation,
        unit_pricing_measure=per_unit.measure if per_unit else None,
        unit_pricing_base_measure=per_unit.base_measure if per_unit else None,
        unit_price_text=per_unit.text(market.locale) if per_unit else None,
        size=size,
        size_system=size_system,
        availability=product.availability,
        bullet_points=tuple(bullets),
        image_links=tuple(product.image_links),
        brand=product.brand,
        gtin=product.gtin,
        mpn=product.mpn,
        categories=tuple(product.categories),
        weight=local(product.weight),
        length=local(product.length),
        width=local(product.width),
        height=local(product.height),
        attributes=product.attributes,
    )


def _pick_list(values: Mapping[str, list[str]], locales: Sequence[str]) -> list[str]:
    for locale in (*locales, ANY_LOCALE):
        if values.get(locale):
            return values[locale]
    return []


def _available(values: Mapping[str, object]) -> str:
    keys = sorted(k if k != ANY_LOCALE else "all-locale" for k in values if values[k])
    return ", ".join(keys) if keys else "none"
