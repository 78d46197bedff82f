"""Reading a Shopify export (`transforms.catalog.shopify`): a handle's rows are buffered
until the next handle, then its first row gives every variant what they share and each
variant row becomes a product."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from transforms.catalog.files import CatalogFileError, check_header, csv_records
from transforms.catalog.shopify.layout import (
    ABSENT,
    COLUMNS,
    DELIMITER,
    Columns,
    Layout,
    folded_names,
    layout_of,
    market_languages,
    read_header,
)
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_bare_quantity,
    parse_decimal,
    parse_enabled,
    parse_shop_tax_class,
    take_condition,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.values import DecimalMark

DEFAULT_OPTION = ("title", "default title")
"""Option name and value of a product without variants, as Shopify writes them."""

_CONTINUE = frozenset({"continue", "true", "yes", "1"})
_DENY = frozenset({"deny", "false", "no", "0", ""})


def read_shopify(path: Path, source: CatalogSource) -> Iterator[Product | Finding]:
    """Stream products (and findings about rows and values it cannot use) from a Shopify
    product CSV export (see the module docstring for the mapping).

    Settings used: ``currency`` (required: the export does not name the store's currency),
    ``locale`` (the texts' language; unset, they apply to every locale), ``locales`` (more
    languages to look market names up in), ``encoding``, ``decimal_mark`` (Shopify writes
    a dot; set it only for a file a spreadsheet re-saved with commas) and ``tax_classes``.

    Raises:
        CatalogFileError: when no currency is configured, or the file is empty, not
            comma-separated, or has no SKU or Title column.
    """
    if not source.currency:
        raise CatalogFileError(
            f"{path.name}: a Shopify export does not name its currency; set [catalog] "
            "currency to the store's currency (EUR, USD, ...)"
        )
    header = read_header(path, source.encoding)
    sku_column = "sku" if "sku" in folded_names(header) else "variant sku"
    if header:
        check_header(path, header, DELIMITER, sku_column=sku_column, fold=True)
    layout = layout_of(path, header, market_languages(source))
    reader = _Reader(layout, source)
    group: list[tuple[int, dict[str, str], bool]] = []
    handle_column = layout.columns.get("handle")
    current = ""
    for record in csv_records(
        path, delimiter=DELIMITER, encoding=source.encoding, sku_column=sku_column, fold=True
    ):
        if not isinstance(record, tuple):
            yield record
            continue
        handle = record[1][handle_column].strip() if handle_column else ""
        # A row without a handle is a product of its own (an import file may leave it out).
        if group and (not handle or handle != current):
            yield from reader.products(group)
            group = []
        group.append(record)
        current = handle
    if group:
        yield from reader.products(group)


def _quantity_on_hand(text: str, decimal_mark: DecimalMark | None = None) -> int:
    number = parse_decimal(text, decimal_mark)
    if number != number.to_integral_value():
        raise ValueProblem("not_a_number", f"{text!r} is not a whole number of items")
    return int(number)


def _keeps_selling(text: str) -> bool:
    value = text.strip().lower()
    if value in _CONTINUE:
        return True
    if value in _DENY:
        return False
    raise ValueProblem(
        "unknown_availability",
        f"inventory policy {text!r} is neither continue nor deny; read as deny",
    )


@dataclass(slots=True)
class _Shared:
    """What a product's first row gives all its variants."""

    handle: str
    title: str
    description: str
    brand: str | None
    categories: list[str]
    enabled: bool
    axes: list[tuple[str, str]]
    """(option name, its value column) of each option the product varies in."""
    images: list[str]
    attributes: dict[str, str]
    """The first row's product-level columns, as attributes."""
    condition: str


class _Reader:
    """Turns the rows of one handle into its variants' products."""

    __slots__ = (
        "col",
        "columns",
        "decimal_mark",
        "layout",
        "locale",
        "all_attributes",
        "product_attributes",
        "source",
        "unknown_markets",
        "variant_attributes",
    )

    def __init__(self, layout: Layout, source: CatalogSource) -> None:
        self.layout = layout
        self.source = source
        self.columns = layout.columns
        self.col = Columns(**{name: layout.columns.get(name, ABSENT) for name in COLUMNS})
        self.locale = source.locale or ANY_LOCALE
        # Shopify writes a dot whatever the store's language.
        self.decimal_mark: DecimalMark = source.decimal_mark or "."
        self.unknown_markets: set[str] = set()
        self.product_attributes = [(c, n) for c, n, variant in layout.attributes if not variant]
        self.variant_attributes = [(c, n) for c, n, variant in layout.attributes if variant]
        self.all_attributes = self.product_attributes + self.variant_attributes

    def value(self, row: Mapping[str, str], name: str) -> str:
        """The field's value in ``row``, stripped; "" where the file has no such column."""
        return row.get(self.columns.get(name, ABSENT), "").strip()

    def _column(self, name: str) -> str:
        return self.columns.get(name, name)

    def products(
        self, group: list[tuple[int, dict[str, str], bool]]
    ) -> Iterator[Product | Finding]:
        first_number, first, _ = group[0]
        if not self.value(first, "title"):
            yield from self._without_product_row(group)
            return
        variants = (
            group
            if len(group) == 1
            else [record for record in group if self._is_variant(record[1])] or group[:1]
        )
        context = RowContext(first_number, self.value(variants[0][1], "sku") or None)
        shared = self._shared(group, context)
        yield from context.findings
        clean = all(record[2] for record in group)
        for number, row, _ in variants:
            context = RowContext(number, self.value(row, "sku") or None, self.decimal_mark)
            product = self._variant(row, shared, context, clean)
            if context.findings:
                yield from context.findings
            if product is not None:
                yield product

    def _is_variant(self, row: Mapping[str, str]) -> bool:
        for column in self.layout.variant_columns:
            if row[column].strip():
                return True
        return False

    def _without_product_row(
        self, group: list[tuple[int, dict[str, str], bool]]
    ) -> Iterator[Finding]:
        for number, row, _ in group:
            handle = self.value(row, "handle")
            context = RowContext(number, self.value(row, "sku") or None)
            context.reject(
                self.columns.get("handle", "Title"),
                "variant_without_product_row",
                f"the row continues product {handle!r} but the product's first row (with its "
                "Title and option names) is not right above it"
                if handle
                else "the row has neither a handle nor a title, so it belongs to no product",
                handle or None,
            )
            yield from context.findings

    def _shared(
        self, group: list[tuple[int, dict[str, str], bool]], context: RowContext
    ) -> _Shared:
        first = group[0][1]
        enabled = True
        published = self.value(first, "published")
        if published and context.take(self._column("published"), parse_enabled, published) is False:
            enabled = False
        status = self.value(first, "status").lower()
        if status in ("draft", "archived"):
            enabled = False
        elif status not in ("", "active"):
            context.warn(
                self._column("status"),
                "unknown_status",
                f"status {status!r} is not active, draft or archived; the product stays enabled",
                status,
            )
        axes = [
            (first[name].strip(), value)
            for name, value in self.layout.options
            if first[name].strip()
        ]
        if len(axes) == 1 and axes[0][0].lower() == DEFAULT_OPTION[0]:
            if first[axes[0][1]].strip().lower() == DEFAULT_OPTION[1]:
                axes = []
        category = self.value(first, "category")
        vendor = self.value(first, "vendor")
        attributes = {}
        for column, name in self.product_attributes:
            value = first[column]
            if value and (value := value.strip()):
                attributes[name] = value
        return _Shared(
            handle=self.value(first, "handle"),
            title=self.value(first, "title"),
            description=self.value(first, "description"),
            brand=vendor or None,
            categories=[category] if category else [],
            enabled=enabled,
            axes=axes,
            images=self._images(group),
            attributes=attributes,
            condition=self.value(first, "condition"),
        )

    def _images(self, group: list[tuple[int, dict[str, str], bool]]) -> list[str]:
        """The product's images by their position (main image first), then in row order."""
        ranked: list[tuple[int, int, str]] = []
        for index, (_, row, _) in enumerate(group):
            link = self.value(row, "image")
            if link:
                position = self.value(row, "image_position")
                rank = int(position) if position.isdigit() else 1_000_000
                ranked.append((rank, index, link))
        return list(dict.fromkeys(link for _, _, link in sorted(ranked)))

    def _variant(
        self, row: dict[str, str], shared: _Shared, context: RowContext, clean: bool
    ) -> Product | None:
        col = self.col
        sku = row.get(col.sku, "").strip()
        if not sku:
            handle = shared.handle or shared.title
            options = ", ".join(f"{name} {row[column].strip()}" for name, column in shared.axes)
            context.reject(
                self._column("sku"),
                "missing_sku",
                f"the variant of {handle!r}{f' ({options})' if options else ''} has no SKU",
                handle,
            )
            return None
        product = Product(
            sku=sku,
            brand=shared.brand,
            enabled=shared.enabled,
            title={self.locale: shared.title},
            categories=list(shared.categories),
            # Shopify's export puts a ' before a barcode so spreadsheets keep its zeros.
            gtin=row.get(col.barcode, "").strip().removeprefix("'") or None,
            # An MPN names one variant: the first row's is not its siblings'.
            mpn=row.get(col.mpn, "").strip() or None,
        )
        if shared.description:
            product.description[self.locale] = shared.description
        variant_image = row.get(col.variant_image, "").strip()
        product.image_links = (
            list(dict.fromkeys((variant_image, *shared.images)))
            if variant_image
            else list(shared.images)
        )
        grams = row.get(col.grams, "").strip()
        if grams.replace(".", "", 1).isdigit():  # 145.0: what Shopify writes, read at once
            product.weight = Quantity(Decimal(grams), "g")
        elif grams:
            product.weight = context.number(self._column("grams"), parse_bare_quantity, grams, "g")
        self._prices(row, product, context)
        self._stock(row, product, context)
        self._tax(row, product, context)
        attributes = product.attributes
        attributes.update(shared.attributes)
        # A variant's row may say more than the first row; its own values win.
        attributes.update(
            {name: text for column, name in self.all_attributes if (text := row[column].strip())}
        )
        if shared.axes:
            product.group = shared.handle or None
            for name, value_column in shared.axes:
                text = row[value_column].strip()
                if text:  # an empty value means "any": that axis is left out
                    attributes[name] = text
                    product.varies_by.append(name)
        condition = row.get(col.condition, "").strip() or shared.condition
        if condition:
            attributes["condition"] = condition
            take_condition(product, context)
        return product if clean or clean_texts(product, context) else None

    def _prices(self, row: dict[str, str], product: Product, context: RowContext) -> None:
        currency = self.source.currency
        assert currency is not None  # read_shopify refuses a source without one
        _set_price(
            product,
            currency,
            self._amount(row, self.col.price, context),
            self._amount(row, self.col.compare_at, context),
        )
        for market in self.layout.markets:
            price_text = row[market.price] if market.price else ""
            compare_text = row[market.compare_at] if market.compare_at else ""
            if not (price_text.strip() or compare_text.strip()):
                continue
            if market.currency is None:
                if market.name not in self.unknown_markets:
                    self.unknown_markets.add(market.name)
                    context.warn(
                        market.price or market.compare_at or market.name,
                        "market_currency_unknown",
                        f"market {market.name!r} is not named like a country, so its currency "
                        "is unknown; its prices were not read (here and in every later row)",
                        market.name,
                    )
                continue
            price = self._amount(row, market.price, context)
            compare_at = self._amount(row, market.compare_at, context)
            held = product.prices.get(market.currency)
            if held is not None:
                if price is not None and price not in (
                    held.amount,
                    _sale(product, market.currency),
                ):
                    context.warn(
                        market.price or market.name,
                        "market_price_conflict",
                        f"market {market.name!r} prices it at {price} {market.currency}, but "
                        f"the product already has a {market.currency} price of {held.amount}; "
                        "the first price was kept",
                        str(price),
                    )
                continue
            _set_price(product, market.currency, price, compare_at)

    def _amount(
        self, row: dict[str, str], column: str | None, context: RowContext
    ) -> Decimal | None:
        text = row.get(column or ABSENT, "")
        if not text or not (text := text.strip()):
            return None
        if text.replace(".", "", 1).isdigit():  # 19.99: what Shopify writes, read at once
            return Decimal(text)
        return context.number(column or "", parse_amount, text)

    def _stock(self, row: dict[str, str], product: Product, context: RowContext) -> None:
        text = row.get(self.col.quantity, "").strip()
        if not text:
            return
        quantity = (
            int(text)
            if text.isdigit()
            else context.number(self._column("quantity"), _quantity_on_hand, text)
        )
        if quantity is None:
            return
        product.attributes["stock"] = str(quantity)
        if quantity > 0 or row.get(self.col.tracker, "").strip().lower() != "shopify":
            return  # untracked inventory never runs out
        keeps_selling = context.take(
            self._column("policy"), _keeps_selling, self.value(row, "policy")
        )
        product.availability = "backorder" if keeps_selling else "out_of_stock"

    def _tax(self, row: dict[str, str], product: Product, context: RowContext) -> None:
        taxable = row.get(self.col.taxable, "").strip()
        if taxable and taxable.lower() not in ("true", "1", "yes"):
            if context.take(self._column("taxable"), parse_enabled, taxable) is False:
                product.attributes["taxable"] = "false"
        code = row.get(self.col.tax_code, "").strip()
        if code:
            names = self.source.tax_classes
            tax_class = context.take(
                self._column("tax_code"), lambda text: parse_shop_tax_class(text, names), code
            )
            if tax_class is not None:
                product.tax_class = tax_class  # type: ignore[assignment]


def _sale(product: Product, currency: str) -> Decimal | None:
    sale = product.sale_prices.get(currency)
    return sale.amount if sale else None


def _set_price(
    product: Product, currency: str, price: Decimal | None, compare_at: Decimal | None
) -> None:
    """Shopify's compare-at price above the price means the price is a sale price."""
    if price is None:
        return
    if compare_at is not None and compare_at > price:
        product.prices[currency] = Money(compare_at, currency)
        product.sale_prices[currency] = SalePrice(price, currency)
    else:
        product.prices[currency] = Money(price, currency)
