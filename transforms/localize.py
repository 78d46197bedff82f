"""Re-express a catalog product for one market.

- texts come from the catalog's own localized values, in the order of the
  market's ``text_locales``; failing those, from the run's translation outcome
  (`transforms.translation`: translators' work, the memory or DeepL). A text still
  pending follows the market's ``when_pending`` (left out with
  ``translation_pending``, or published in the source language with a warning);
  one that failed the QA gate is held back (``translation_qa_failed``). Without a
  translation outcome, a product lacking a description in the market's locales
  is set aside with ``missing_translation``; a product with no description in any
  language is listed without one where its channel does not require one;
- the price comes from the market's `transforms.pricing.money.Pricer`: the catalog's price in
  the market's currency or its base-currency price converted with the ECB
  rates, re-based to the destination's VAT, rounded and ended as the market
  wants; a product without a usable price is set aside with the rule the
  pricing names (``missing_price``, ``missing_rate``, ...).

The result is either a `Listing` or the findings that explain why there is none.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from schemas.findings import Finding, shorten
from schemas.listing import Listing
from schemas.product import ANY_LOCALE, Money
from transforms.catalog.values import ValueProblem, parse_amount
from transforms.measures.sizes import default_table, gender_of
from transforms.measures.units import for_market
from transforms.pricing.money import PriceProblem, unit_price
from transforms.pricing.sales import price_sale

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from schemas.config.market import Market
    from schemas.findings import Severity
    from schemas.product import Product, Quantity
    from transforms.pricing.money import Pricer
    from transforms.pricing.sales import SaleClock


def _pick(texts: Mapping[str, str], locales: Sequence[str]) -> tuple[str, str] | None:
    for locale in locales:
        text = texts.get(locale)
        if text:
            return locale, text
    return None


def localize(
    product: Product,
    market: Market,
    pricer: Pricer,
    translated: Mapping[str, Any] | None = None,
    *,
    source_locale: str = "en_US",
    clock: SaleClock | None = None,
) -> Listing | list[Finding]:
    """Return the product's listing for ``market``, or the findings that set it aside.

    ``pricer`` is the market's (one per market and run: it plans each currency
    and tax class once). ``translated`` is the product's line of the market's
    translation outcome (`transforms.translation.outcome`): texts the catalog lacks in the
    market's locales, or why they are pending or held back. ``source_locale`` is
    the locale translations are made from.

    Every finding is an ``error`` naming the product, the market, the field and
    the rule.

    A catalog sale becomes the listing's ``sale`` (`transforms.pricing.sales.price_sale`):
    ``clock`` gives the run's day (a sale over before it is dropped) and the merchant's
    time zone; without one, no sale is dropped and dates are read in Europe/Berlin.
    """
    problems: list[Finding] = []

    def set_aside(field: str, rule: str, message: str, value: str | None = None) -> None:
        problems.append(_finding(product, market, "error", field, rule, message, value))

    if not product.enabled:
        set_aside("enabled", "product_disabled", "the product is disabled in the catalog")
        return problems

    translated = translated or {}
    warnings: list[Finding] = []

    def from_translation(field: str, source: str | None) -> tuple[str | None, bool]:
        """The translated text of ``field``, and whether a translation outcome existed."""
        entry = translated.get(field)
        if entry is None:
            return None, False
        if entry["status"] == "ok":
            return entry["text"], True
        target = market.deepl_target
        held = entry["status"] == "flagged"
        if _policy(market, entry) == "source_text" and source:
            why = (
                f"the {target} translation is held back by the QA gate ({entry['reason']}); "
                "a translator can correct it in the run's review XLIFF"
                if held
                else f"no {target} translation yet ({entry['reason']})"
            )
            warnings.append(
                Finding(
                    stage="localize",
                    severity="warning",
                    sku=product.sku,
                    market=market.code,
                    field=field,
                    rule="published_in_source_language",
                    message=f"{why}; the {source_locale} text is published",
                )
            )
            return source, True
        if held:
            set_aside(
                field,
                "translation_qa_failed",
                f"the {target} translation is held back: {entry['reason']}; approve it in "
                "the run's review XLIFF or fix the source text",
            )
        else:
            set_aside(
                field,
                "translation_pending",
                f"no {target} translation yet: {entry['reason']}",
            )
        return None, True

    looked_in = ", ".join(market.text_locales)
    title = _pick(product.title, market.text_locales)
    if title is None:
        source_title = product.title.get(source_locale) or product.title.get(ANY_LOCALE)
        text, handled = from_translation("title", source_title)
        if text is not None:
            title = (market.locale, text)
        elif not handled:
            title = _pick(product.title, (source_locale, ANY_LOCALE))
            if title is None:
                set_aside(
                    "title",
                    "missing_translation",
                    f"no title in {looked_in}; catalog has {_available(product.title)}",
                )
    description = _pick(product.description, market.text_locales)
    if description is None and not any(text.strip() for text in product.description.values()):
        # No description in any language: nothing to translate. The channels that
        # require one set the listing aside as incomplete; the others list it.
        description = (title[0] if title else market.locale, "")
    if description is None:
        source_text = product.description.get(source_locale)
        text, handled = from_translation("description", source_text)
        if text is not None:
            shown_in = market.locale if text != source_text else source_locale
            description = (shown_in, text)
        elif not handled:
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

    bullets, bullet_warning = _bullet_points(
        product, market, translated.get("bullet_points"), source_locale
    )
    if bullet_warning is not None:
        warnings.append(bullet_warning)
    per_unit = None
    if market.unit_pricing and product.net_content is not None:
        per_unit = unit_price(quote.price, product.net_content)

    size = size_system = None
    if product.size and product.size_kind:
        size, size_system = default_table().for_market(
            product.size, product.size_kind, gender_of(product.categories), market.size_system
        )
    elif product.size is None and product.attributes.get("size"):
        # A shop system's size option (S, M, 42): no size table tells its system, so it goes
        # out as the shop writes it.
        size = product.attributes["size"]

    def local(quantity: Quantity | None) -> Quantity | None:
        return None if quantity is None else for_market(quantity, market.units)

    stock = _stock(product, market, warnings)
    list_price = _list_price(product, market, pricer, warnings)
    sale = price_sale(product, market, pricer, quote.price, clock, warnings)

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
        volume=local(product.volume),
        net_content=local(product.net_content),
        attributes=product.attributes,
        warnings=tuple(warnings),
        quantity=stock,
        list_price=list_price,
        group=product.group,
        varies_by=tuple(product.varies_by),
        condition=product.condition,
        sale=sale,
    )


def _bullet_points(
    product: Product, market: Market, entry: Mapping[str, Any] | None, source_locale: str
) -> tuple[list[str], Finding | None]:
    """The market's bullet points, and a warning when they are not translated ones.

    Bullet points are optional in every channel, so a missing translation never
    keeps a product out: the listing goes without them (or with the source text
    when the market publishes pending texts in the source language).
    """
    own = _pick_list(product.bullet_points, market.text_locales, fallback=False)
    if own or entry is None:
        return own or _pick_list(product.bullet_points, market.text_locales), None
    if entry["status"] == "ok":
        return list(entry["texts"]), None
    points = list(product.bullet_points.get(source_locale) or [])
    if _policy(market, entry) == "source_text" and points:
        rule = "published_in_source_language"
        what = f"the {source_locale} bullet points are published"
    else:
        rule, what, points = "bullet_points_left_out", "the listing goes out without them", []
    warning = Finding(
        stage="localize",
        severity="warning",
        sku=product.sku,
        market=market.code,
        field="bullet_points",
        rule=rule,
        message=f"bullet points not translated to {market.deepl_target} "
        f"({entry['status']}: {entry['reason']}); {what}",
    )
    return points, warning


def _policy(market: Market, entry: Mapping[str, Any]) -> str:
    """What the market does with a text it has no usable translation for: a held-back one
    follows ``when_held_back`` (default: ``when_pending``), a pending one ``when_pending``."""
    if entry["status"] == "flagged":
        return market.when_held_back or market.when_pending
    return market.when_pending


def _pick_list(
    values: Mapping[str, list[str]], locales: Sequence[str], *, fallback: bool = True
) -> list[str]:
    for locale in (*locales, ANY_LOCALE) if fallback else locales:
        if values.get(locale):
            return values[locale]
    return []


def _available(values: Mapping[str, object]) -> str:
    keys = sorted(k if k != ANY_LOCALE else "all-locale" for k in values if values[k])
    return ", ".join(keys) if keys else "none"


STOCK_ATTRIBUTES = ("stock", "quantity", "stock_quantity", "qty")
"""Catalog attributes that count the units in stock, the first one present wins."""
RRP_ATTRIBUTES = ("rrp", "msrp", "uvp")
"""Catalog price attributes holding the manufacturer's recommended retail price; a
currency may follow (``rrp-EUR``, Akeneo's price collection; ``rrp_eur``), or the value
names it (``29.90 EUR``)."""


def _warning(product: Product, market: Market, field: str, rule: str, message: str) -> Finding:
    return _finding(product, market, "warning", field, rule, message)


def _finding(
    product: Product,
    market: Market,
    severity: Severity,
    field: str,
    rule: str,
    message: str,
    value: str | None = None,
) -> Finding:
    return Finding(
        stage="localize",
        severity=severity,
        sku=product.sku,
        market=market.code,
        field=field,
        rule=rule,
        message=message,
        value=value,
    )


def _stock(product: Product, market: Market, warnings: list[Finding]) -> int | None:
    """Units in stock from the catalog's stock attribute; None when it has none.

    A negative count (sold ahead of stock) offers nothing; a value that is not a whole
    number is reported and counts as no stock figure at all.
    """
    attributes = {key.lower(): value for key, value in product.attributes.items()}
    for name in STOCK_ATTRIBUTES:
        text = attributes.get(name, "").strip()
        if not text:
            continue
        try:
            count = Decimal(text)
        except InvalidOperation:
            count = Decimal("NaN")
        if not count.is_finite() or count != count.to_integral_value():
            warnings.append(
                _warning(
                    product,
                    market,
                    name,
                    "invalid_stock",
                    f"{name} {shorten(text)!r} is not a whole number of units; channels "
                    "that need a quantity use their configured default",
                )
            )
            return None
        return max(int(count), 0)
    return None


def _list_price(
    product: Product, market: Market, pricer: Pricer, warnings: list[Finding]
) -> Money | None:
    """The RRP in the market's currency, made by the same steps as the price (re-based to
    the destination's VAT, converted, rounded); None when the catalog has none."""
    found: dict[str, Money] = {}
    source = ""
    for key, value in product.attributes.items():
        name, _, currency = key.lower().replace("-", "_").partition("_")
        if name not in RRP_ATTRIBUTES or not value.strip():
            continue
        if currency and not (len(currency) == 3 and currency.isalpha()):
            continue  # rrp_note and the like: not a price
        source = key
        amount_text = value.strip()
        if not currency:
            parts = amount_text.split()
            if len(parts) != 2:
                warnings.append(
                    _warning(
                        product,
                        market,
                        key,
                        "invalid_list_price",
                        f"{key} {shorten(value)!r} names no currency (write 29.90 EUR); "
                        "no list price is published",
                    )
                )
                return None
            first, second = parts
            currency, amount_text = (first, second) if first.isalpha() else (second, first)
        try:
            amount = parse_amount(amount_text)
        except ValueProblem as problem:
            warnings.append(
                _warning(
                    product,
                    market,
                    key,
                    "invalid_list_price",
                    f"{key}: {problem.message}; no list price is published",
                )
            )
            return None
        found[currency.upper()] = Money(amount, currency.upper())
    if not found:
        return None
    try:
        return pricer.quote(found, product.tax_class).price
    except PriceProblem as problem:
        warnings.append(
            _warning(
                product,
                market,
                source,
                "invalid_list_price",
                f"{source}: {problem.message}; no list price is published",
            )
        )
        return None
