"""Reading a WooCommerce export (`transforms.catalog.woocommerce`): each row becomes a
product, a variable product is kept for its variations, and a variation takes what it
leaves empty from its parent."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from schemas.product import Money, Product, SalePrice
from transforms.catalog.files import CatalogFileError, csv_records
from transforms.catalog.markup import selling_points
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_bare_quantity,
    parse_shop_tax_class,
    take_condition,
)
from transforms.catalog.woocommerce.cells import (
    AVAILABILITY,
    CACHED,
    FORMULA_GUARD,
    PUBLISHED,
    brand_of,
    cell_text,
    parse_availability,
    parse_published,
    parse_sale_date,
    parse_stock,
    split_values,
)
from transforms.catalog.woocommerce.columns import ColumnPlan, plan_columns

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from schemas.product import Quantity

T = TypeVar("T")

DELIMITER = ","
PARENTS_KEPT = 20_000
"""Variable products whose inheritable values are kept for their variations."""

DEFAULT_TAX_CLASSES = {"reduced-rate": "reduced", "zero-rate": "zero"}
"""WooCommerce's own tax classes, read as the VAT rate of the same name unless
``[catalog] tax_classes`` says otherwise."""
UNTAXED_STATUSES = frozenset({"none", "shipping"})
"""``Tax status`` values under which the product's price carries no tax."""
_VARIATION_TYPES = frozenset({"variation", "subscription_variation"})
_VARIABLE_TYPES = frozenset({"variable", "variable-subscription"})
_SIMPLE_TYPES = frozenset({"simple", "subscription", "external"})
_FLAGS = ("virtual", "downloadable")
_TYPES_KEPT = 1000
"""Distinct ``Type`` and ``Tax class`` values whose reading is remembered (shops have few)."""
_amount = lru_cache(maxsize=CACHED)(parse_amount)
_quantity = lru_cache(maxsize=CACHED)(parse_bare_quantity)


@dataclass(frozen=True, slots=True)
class _Kind:
    """What a ``Type`` value makes of its row."""

    grouped: bool
    variable: bool
    variation: bool
    external: bool
    flags: tuple[str, ...]
    """``virtual``, ``downloadable``: kept as attributes."""
    unknown: str
    """Types this reader does not know, read as simple (``bundle``); empty when none."""

    @classmethod
    def of(cls, text: str) -> _Kind:
        types = {t.strip().lower() for t in text.split(",")} - {""}
        kinds = types - set(_FLAGS)
        known = _SIMPLE_TYPES | _VARIATION_TYPES | _VARIABLE_TYPES | {"grouped"}
        return cls(
            grouped="grouped" in types,
            variable=bool(types & _VARIABLE_TYPES),
            variation=bool(types & _VARIATION_TYPES),
            external="external" in types,
            flags=tuple(flag for flag in _FLAGS if flag in types),
            unknown="" if kinds & known else ", ".join(sorted(kinds)),
        )


@dataclass(slots=True)
class _Row:
    """One row read as a product, with what only inheritance can settle."""

    product: Product
    tax_class: str
    tax_status: str
    stock: str
    axes: list[tuple[str, str]]


class _Reader:
    __slots__ = (
        "currency",
        "decimal_mark",
        "kept",
        "locale",
        "parents",
        "plan",
        "tax_classes",
        "tax_names",
        "kinds",
    )

    def __init__(self, plan: ColumnPlan, source: CatalogSource, currency: str, kept: int) -> None:
        from schemas.config.pipeline import Validation

        self.plan = plan
        self.currency = currency
        self.decimal_mark = source.decimal_mark
        self.locale = source.locale or Validation().source_locale
        self.tax_names = {**DEFAULT_TAX_CLASSES, **source.tax_classes}
        self.parents: OrderedDict[tuple[str, str], Product] = OrderedDict()
        self.kept = kept
        self.kinds: dict[str, _Kind] = {}
        self.tax_classes: dict[str, str] = {}

    def read(self, number: int, row: dict[str, str], clean: bool) -> Sequence[Product | Finding]:
        """The product and findings of one row (nothing for a parent or a grouped product)."""
        cells = self.plan.cells
        type_text = row[cells.type]
        kind = self.kinds.get(type_text)
        if kind is None:
            kind = _Kind.of(type_text)
            if len(self.kinds) < _TYPES_KEPT:
                self.kinds[type_text] = kind
        if kind.grouped:
            return []  # it only gathers products that have rows of their own
        sku = cell_text(row.get(cells.sku, ""))
        context = RowContext(number, sku or None, self.decimal_mark)
        if kind.variable:
            self._keep_parent(row, context, clean, sku)
            return context.findings
        if not sku:
            context.reject("sku", "missing_sku", "the row has no SKU")
            return context.findings
        if kind.unknown:
            context.warn(
                "Type",
                "product_type_unknown",
                f"WooCommerce product type {kind.unknown} is not one this reader knows (simple, "
                "variable, variation, grouped, external): read as a simple product",
                type_text,
            )
        read = self._row(row, context)
        product = read.product
        for flag in kind.flags:
            product.attributes[flag] = "yes"
        parent = self._parent_of(row, context) if kind.variation else None
        if parent is not None:
            _inherit(read, parent)
        elif read.axes:
            # On its own: its axes are plain attributes, an "any" axis is no value.
            product.attributes.update((name, value) for name, value in read.axes if value)
        self._settle(read, parent, context)
        if kind.external:
            url = product.attributes.get("external_url", "")
            product.enabled = False
            context.warn(
                "External URL",
                "external_product",
                f"an external (affiliate) product, sold {'at ' + url if url else 'elsewhere'}: "
                "read disabled, as no marketplace can sell it for the shop",
                url or None,
            )
        if "condition" in product.attributes:
            take_condition(product, context)
        if clean or clean_texts(product, context):
            return [*context.findings, product]
        return context.findings

    def _keep_parent(self, row: dict[str, str], context: RowContext, clean: bool, sku: str) -> None:
        """Keep what the variations of a variable product inherit, under its SKU and ID."""
        ident = cell_text(row.get(self.plan.cells.id, ""))
        group = sku or (f"id:{ident}" if ident else "")
        if not group:
            return  # nothing can name it: its variations will say their parent is missing
        read = self._row(row, context)
        template = read.product
        template.sku = group
        # The parent's attributes its variations do not vary by (``Material``, ``Safety
        # pictograms``) are theirs too; `_inherit` leaves out those they name as axes.
        template.attributes.update((name, value) for name, value in read.axes if value)
        # Variations inherit the parent's settled tax class and tax status.
        self._settle(read, None, context)
        if not clean:
            clean_texts(template, context)
        parents = self.parents
        for key in (("id", ident), ("sku", sku)):
            if key[1]:
                parents[key] = template
                parents.move_to_end(key)
        while len(parents) > 2 * self.kept:
            parents.popitem(last=False)

    def _parent_of(self, row: dict[str, str], context: RowContext) -> Product | None:
        reference = cell_text(row.get(self.plan.cells.parent, ""))
        key = ("id", reference[3:].strip()) if reference.startswith("id:") else ("sku", reference)
        parent = self.parents.get(key) if reference else None
        if parent is None:
            context.warn(
                "Parent",
                "variation_parent_missing",
                f"its parent {reference or '(none)'} is not among the variable products read "
                f"before it (WooCommerce exports parents first; the reader keeps the last "
                f"{self.kept}): listed as a product of its own",
                reference or None,
            )
            return None
        self.parents.move_to_end(key)
        return parent

    def _row(self, row: dict[str, str], context: RowContext) -> _Row:
        """The row's own values as a product (nothing inherited yet)."""
        # The hot path: one lookup per cell, parsers only for cells with a value.
        cells = self.plan.cells
        get = row.get
        product = Product(sku=context.sku or "")
        locale = self.locale
        if text := get(cells.gtin, ""):
            product.gtin = cell_text(text)
        if text := get(cells.name, ""):
            product.title[locale] = cell_text(text)
        if text := get(cells.description, ""):
            product.description[locale] = cell_text(text)
        if text := get(cells.short_description, "").strip():
            product.bullet_points[locale] = list(selling_points(text))
        if text := get(cells.published, ""):
            enabled = PUBLISHED.get(cell_text(text))
            if enabled is None:
                enabled = context.take("Published", parse_published, text)
            product.enabled = True if enabled is None else enabled
        if text := get(cells.in_stock, ""):
            availability = AVAILABILITY.get(text.strip().lower())
            if availability is None:
                availability = context.take("In stock?", parse_availability, text)
            if availability is not None:
                product.availability = availability  # type: ignore[assignment]
        if text := get(cells.brands, ""):
            product.brand = brand_of(cell_text(text))
        if text := get(cells.categories, ""):
            product.categories = split_values(cell_text(text))
        if text := get(cells.images, ""):
            product.image_links = list(dict.fromkeys(split_values(text)))
        for name, column, unit in self.plan.measures:
            if text := get(column, ""):
                setattr(
                    product, name, self._number(context, column, _quantity, cell_text(text), unit)
                )
        self._prices(row, product, context)
        attributes = product.attributes
        guard = FORMULA_GUARD
        for column in self.plan.others:  # `cell_text`, inlined: most columns are these
            if text := row[column].strip():
                attributes[column] = text[1:] if text.startswith(guard) else text
        if text := get(cells.external_url, ""):
            attributes["external_url"] = cell_text(text)
        if text := get(cells.button_text, ""):
            attributes["button_text"] = cell_text(text)
        axes: list[tuple[str, str]] = []
        for name_column, value_column in self.plan.axes:
            if (name := row[name_column]) and (name := cell_text(name)):
                values = row[value_column]
                axes.append((name, ", ".join(split_values(cell_text(values))) if values else ""))
        stock = cell_text(get(cells.stock, ""))
        if stock and not stock.isdigit() and stock.lower() != "parent":
            stock = context.number("Stock", parse_stock, stock) or ""
        return _Row(
            product,
            get(cells.tax_class, "").strip(),
            get(cells.tax_status, "").strip().lower(),
            stock.lstrip("0") or "0" if stock.isdigit() else stock,
            axes,
        )

    def _prices(self, row: dict[str, str], product: Product, context: RowContext) -> None:
        cells, currency = self.plan.cells, self.currency
        regular_text = cell_text(row.get(cells.regular_price, ""))
        sale_text = cell_text(row.get(cells.sale_price, ""))
        regular = self._number(context, "Regular price", _amount, regular_text)
        sale = self._number(context, "Sale price", _amount, sale_text)
        if regular is None:
            if sale is not None:  # WooCommerce charges the sale price: it is the price
                product.prices[currency] = Money(sale, currency)
            return
        product.prices[currency] = Money(regular, currency)
        if sale is None:
            return
        if sale >= regular:
            context.warn(
                "Sale price",
                "sale_price_not_lower",
                f"sale price {sale_text} is not below the regular price {regular_text}: "
                "WooCommerce does not put it on sale; the sale price was ignored",
                sale_text,
            )
            return
        dates: list[str | None] = []
        for column, header in (
            (cells.sale_start, "Date sale price starts"),
            (cells.sale_end, "Date sale price ends"),
        ):
            text = row.get(column, "").strip()
            try:
                dates.append(parse_sale_date(text) if text else None)
            except ValueProblem as problem:  # a sale of unknown period is no sale to announce
                context.warn(
                    header, problem.rule, f"{problem.message}; the sale price was ignored", text
                )
                return
        product.sale_prices[currency] = SalePrice(sale, currency, dates[0], dates[1])

    def _number(
        self,
        context: RowContext,
        field: str,
        parse: Callable[..., T],
        text: str,
        *args: str | None,
    ) -> T | None:
        """``parse(text, *args, decimal_mark)``; a problem is reported by `RowContext.number`
        (parsing again: problems are rare, numbers are many)."""
        if not text:
            return None
        try:
            return parse(text, *args, self.decimal_mark)
        except ValueProblem:
            return context.number(field, parse, text, *args)

    def _settle(self, read: _Row, parent: Product | None, context: RowContext) -> None:
        """Tax class and status, and stock, once the parent (if any) is known."""
        product = read.product
        status = read.tax_status
        if parent is not None:  # a variation is taxed as its parent (WC_Product_Variation)
            status = parent.attributes.get("tax_status", status)
        if status:
            product.attributes["tax_status"] = status
        if read.tax_class.lower() == "parent" and parent is not None:
            product.tax_class = parent.tax_class
        elif read.tax_class:
            tax_class = self.tax_classes.get(read.tax_class)
            if tax_class is None:
                tax_class = context.take("Tax class", self._tax_class, read.tax_class)
            if tax_class is not None and len(self.tax_classes) < _TYPES_KEPT:
                self.tax_classes[read.tax_class] = tax_class
            if tax_class is not None:
                product.tax_class = tax_class  # type: ignore[assignment]
        if status in UNTAXED_STATUSES:
            product.tax_class = "zero"
        stock = read.stock
        if stock.lower() == "parent":
            stock = parent.attributes.get("stock", "") if parent is not None else ""
        if stock:
            product.attributes["stock"] = stock

    def _tax_class(self, name: str) -> str:
        return parse_shop_tax_class(name, self.tax_names)


def _inherit(read: _Row, parent: Product) -> None:
    """Fill what the variation leaves empty from its parent, and make it a variant."""
    product = read.product
    product.group = parent.sku
    product.varies_by = [name for name, value in read.axes if value]
    product.enabled = product.enabled and parent.enabled
    product.brand = product.brand or parent.brand
    product.title = product.title or dict(parent.title)
    product.description = product.description or dict(parent.description)
    product.bullet_points = product.bullet_points or dict(parent.bullet_points)
    product.categories = product.categories or list(parent.categories)
    product.image_links = product.image_links or list(parent.image_links)
    for name in ("weight", "length", "width", "height"):
        if getattr(product, name) is None:
            quantity: Quantity | None = getattr(parent, name)
            setattr(product, name, quantity)
    own = product.attributes
    axis_names = {name for name, _ in read.axes}
    attributes = {
        key: value
        for key, value in parent.attributes.items()
        if key not in axis_names and key not in ("stock", "tax_status")
    }
    attributes.update(own)
    attributes.update((name, value) for name, value in read.axes if value)
    product.attributes = attributes


def read_woocommerce(
    path: Path, source: CatalogSource, *, parents_kept: int = PARENTS_KEPT
) -> Iterator[Product | Finding]:
    """Stream products (and findings about rows and values it cannot use) from a
    WooCommerce product CSV export (see the module docstring).

    Args:
        path: The exported ``wc-product-export-*.csv``.
        source: The ``[catalog]`` section: ``currency`` (required: the export names
            none), ``locale``, ``tax_classes``, ``weight_unit`` / ``dimension_unit`` for
            headers without a unit, ``encoding``, ``decimal_mark``.
        parents_kept: How many variable products to keep for their variations.

    Raises:
        CatalogFileError: when no currency is configured, the file is empty, or its
            header has no ``SKU`` or ``Type`` column.
    """
    if not source.currency:
        raise CatalogFileError(
            f"{path.name}: WooCommerce's export does not name its currency; set [catalog] "
            "currency to the shop's (EUR, USD, ...)"
        )
    currency = source.currency.strip().upper()
    reader: _Reader | None = None
    try:
        for record in csv_records(
            path, delimiter=DELIMITER, encoding=source.encoding, sku_column="sku", fold=True
        ):
            if not isinstance(record, tuple):
                yield record
                continue
            number, row, clean = record
            if reader is None:
                plan, findings = plan_columns(list(row), source, path)
                yield from findings
                reader = _Reader(plan, source, currency, parents_kept)
            yield from reader.read(number, row, clean)
    except CatalogFileError as error:
        if "no 'sku' column" in str(error):
            raise CatalogFileError(
                f"{error}. WooCommerce names the columns in the language of the user who "
                "exports: export with the site language set to English (SKU, Type, Name, ...)"
            ) from None
        raise
