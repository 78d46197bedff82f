"""A BMEcat product's prices: its price blocks (``ARTICLE_PRICE_DETAILS`` /
``PRODUCT_PRICE_DETAILS``, each with its validity dates), the price type chosen for
consumers, the regular price (the undated block's lowest quantity), a dated block's lower
price as the sale price, and ``TAX`` as a VAT class through ``[catalog] tax_classes``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.product import Money, Product, SalePrice
from transforms.catalog.bmecat.frame import (
    LOCAL_NAMES,
    element_text,
)
from transforms.catalog.bmecat.values import Numbers, element_datetime, plain_number, put_attribute
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    parse_currency,
    parse_shop_tax_class,
)

if TYPE_CHECKING:
    from schemas.config.catalog import CatalogSource
    from transforms.catalog.bmecat.frame import Frame

PRICE_TYPES = ("gros_list", "nrp", "net_list", "net_customer")
"""``price_type`` values in the order a price for consumers is looked for."""


@dataclass(slots=True)
class _Price:
    kind: str
    amount: Decimal
    currency: str
    lower_bound: Decimal
    tax: str | None


@dataclass(slots=True)
class PriceBlock:
    start: str | None = None
    end: str | None = None
    offers: list[tuple[str, Any]] = field(default_factory=list)
    """(``price_type``, price element) of each price that has an amount; only the chosen
    type's are parsed."""


class Prices:
    """A product's price blocks read into its prices, sale price and tax class; remembers
    the currencies and tax rates of the file (a catalog has a few)."""

    def __init__(self, source: CatalogSource, frame: Frame, numbers: Numbers) -> None:
        self.source = source
        self.frame = frame
        self.numbers = numbers
        self.unmapped_rates: set[str] = set()
        self.tax_classes: dict[str, str] = {}
        """``TAX`` as written -> the VAT class it was mapped to."""
        self.currencies: dict[str, str] = {}
        """Currency codes as written -> as checked."""

    def block(self, block: Any, context: RowContext) -> PriceBlock:
        parsed = PriceBlock()
        for child in block:
            name = LOCAL_NAMES[child.tag]
            if name == "DATETIME":
                kind = child.get("type")
                if kind == "valid_start_date":
                    parsed.start = element_datetime(child)
                elif kind == "valid_end_date":
                    parsed.end = element_datetime(child)
            elif name in ("ARTICLE_PRICE", "PRODUCT_PRICE") and any(
                LOCAL_NAMES[part.tag] == "PRICE_AMOUNT" for part in child
            ):  # without an amount, a price "on request": nothing to list
                parsed.offers.append((child.get("price_type") or "", child))
        return parsed

    def _price(self, element: Any, context: RowContext) -> _Price | None:
        kind = element.get("price_type") or ""
        values: dict[str, str] = {}
        for child in element:
            name = LOCAL_NAMES[child.tag]
            if name == "TAX_DETAILS":  # BMEcat 2005
                for part in child:
                    if LOCAL_NAMES[part.tag] == "TAX" and "TAX" not in values:
                        values["TAX"] = element_text(part)
            elif name and name not in values:
                values[name] = element_text(child)
        if not values.get("PRICE_AMOUNT"):
            return None  # a price "on request": the product has no price to list
        field = f"PRICE_AMOUNT ({kind})" if kind else "PRICE_AMOUNT"
        amount = context.take(field, self.numbers.amount, values["PRICE_AMOUNT"])
        if amount is None:
            return None
        if values.get("PRICE_FACTOR"):
            factor = context.take("PRICE_FACTOR", self.numbers.number, values["PRICE_FACTOR"])
            if factor is not None:
                scaled = amount * factor
                # 20.00 x 0.8 is 16.00, not 16.000: keep the amount's places when exact.
                exact = scaled.quantize(amount) if scaled.quantize(amount) == scaled else None
                amount = exact if exact is not None else scaled
        code = values.get("PRICE_CURRENCY") or self.frame.currency or self.source.currency
        if not code:
            context.warn(
                "PRICE_CURRENCY",
                "unknown_currency",
                "the price names no currency, nor does the header (CURRENCY) or [catalog] "
                "currency; the price was ignored",
                values["PRICE_AMOUNT"],
            )
            return None
        currency = self.currencies.get(code) or self._currency(code, context)
        if currency is None:
            return None
        bound = Decimal(1)
        if values.get("LOWER_BOUND"):
            bound = context.take("LOWER_BOUND", self.numbers.number, values["LOWER_BOUND"]) or bound
        return _Price(kind, amount, currency, bound, values.get("TAX") or None)

    def _currency(self, code: str, context: RowContext) -> str | None:
        currency = context.take("PRICE_CURRENCY", parse_currency, code)
        if currency is not None and len(self.currencies) < 100:  # a catalog has a few
            self.currencies[code] = currency
        return currency

    def put(self, blocks: list[PriceBlock], product: Product, context: RowContext) -> None:
        written = [(block, kind, element) for block in blocks for kind, element in block.offers]
        if not written:
            return
        kinds = {kind for _, kind, _ in written}
        kind = next((k for k in PRICE_TYPES if k in kinds), written[0][1])
        if kind:
            product.attributes["price_type"] = kind
        offers: list[tuple[PriceBlock, _Price]] = []
        for block, offer_kind, element in written:
            if offer_kind == kind and (price := self._price(element, context)) is not None:
                offers.append((block, price))
        tax: str | None = None
        for currency in dict.fromkeys(p.currency for _, p in offers if p.kind == kind):
            chosen = [(b, p) for b, p in offers if p.kind == kind and p.currency == currency]
            undated = [(b, p) for b, p in chosen if b.start is None and b.end is None]
            pool = undated or [(b, p) for b, p in chosen if b is chosen[0][0]]
            regular_block, regular = min(pool, key=lambda offer: offer[1].lower_bound)
            product.prices[currency] = Money(regular.amount, currency)
            tax = tax or regular.tax
            for block in blocks:
                offered = [p for b, p in chosen if b is block]
                if (
                    block is regular_block
                    or not offered
                    or (block.start, block.end) == (None, None)
                ):
                    continue
                sale = min(offered, key=lambda price: price.lower_bound)
                if sale.amount < regular.amount:
                    product.sale_prices[currency] = SalePrice(
                        sale.amount, currency, block.start, block.end
                    )
                    break
        if tax:
            put_attribute(product, "TAX", tax)
            self._tax_class(tax, product, context)

    def _tax_class(self, text: str, product: Product, context: RowContext) -> None:
        known = self.tax_classes.get(text)
        if known is not None:
            product.tax_class = known  # type: ignore[assignment]
            return
        rate = context.take("TAX", self.numbers.number, text)
        if rate is None:
            return
        percent = plain_number(rate * 100 if rate <= 1 else rate)
        for name in (percent, f"{percent}%", text.strip()):
            try:
                product.tax_class = parse_shop_tax_class(  # type: ignore[assignment]
                    name, self.source.tax_classes
                )
                if len(self.tax_classes) < 100:  # a catalog has a few rates
                    self.tax_classes[text] = product.tax_class
                return
            except ValueProblem:
                continue
        if percent not in self.unmapped_rates:
            self.unmapped_rates.add(percent)
            context.warn(
                "TAX",
                "unknown_tax_class",
                f'the tax rate {percent}% is not mapped: add "{percent}" = "standard" (or the '
                "VAT class it is) to [catalog] tax_classes; products at this rate are read "
                "as standard (reported once for the file)",
                text,
            )
