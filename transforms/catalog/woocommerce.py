"""Reader for WooCommerce's own product CSV export (WooCommerce > Products > Export).

The export is comma-separated UTF-8 with one header row written in English by the
exporter (``class-wc-product-csv-exporter.php``); its columns are described in the
"Product CSV Import Schema"
(https://github.com/woocommerce/woocommerce/wiki/Product-CSV-Import-Schema) and the
exporter's code, which this reader follows:

- ``Name`` is the title, ``Description`` (HTML) the description and ``Short description``
  the selling points (its list items, paragraphs or lines), all in ``[catalog] locale``:
  the export holds one language.
- ``Type`` is one or more comma-separated types: ``simple``, ``variable``,
  ``variation``, ``grouped``, ``external``, with the flags ``virtual`` and
  ``downloadable`` (``simple, downloadable, virtual``).
- A **variable** product is a parent, not a product: its variations come as rows of
  type ``variation`` whose ``Parent`` names it by SKU or as ``id:<ID>``. Each variation
  is a product of the parent's group (``group`` = the parent's SKU, or ``id:<ID>``
  when it has none) and inherits what it leaves empty: name, descriptions, categories,
  images, weight and dimensions, the parent's other attributes, its tax status and
  (``parent``) tax class and stock. A variation's axes are its ``Attribute N name``
  columns, as the shop spells them (``Color``); an empty ``Attribute N value(s)``
  means "any Color": that axis is left out of that variation's attributes and
  ``varies_by``, so no axis is listed that the variation has no value for.
- A **grouped** product only gathers products that have rows of their own: it is not
  read, and says nothing (nothing sellable is lost).
- An **external** (affiliate) product is sold on another site: it is read with its
  ``External URL`` and ``Button text`` as attributes (``external_url``,
  ``button_text``) but disabled, with an ``external_product`` warning, so that no
  marketplace lists an offer the shop cannot fulfil.
- ``Published`` is 1 (published), 0 (private) or -1 (draft); only 1 (or empty) is
  enabled. A variation of an unpublished parent is disabled too.
- ``Regular price`` is the price, ``Sale price`` with ``Date sale price starts`` /
  ``ends`` (``2024-01-01 00:00:00``, hours without a leading zero in some versions)
  the sale price; a sale price without a regular price is the price. Prices are in
  ``[catalog] currency`` (the export names none) and written with the shop's decimal
  separator (``[catalog] decimal_mark``).
- ``In stock?`` is 1, 0 or ``backorder``; ``Stock`` the quantity (``parent`` for a
  variation whose parent manages its stock), kept as ``attributes["stock"]``.
- ``Tax class`` is the shop's tax class slug: empty is standard, ``reduced-rate`` and
  ``zero-rate`` (WooCommerce's own two) are read as ``reduced`` and ``zero`` unless
  ``[catalog] tax_classes`` maps them; ``Tax status`` ``none`` or ``shipping`` (only
  shipping is taxed) makes the product's VAT class ``zero``; the status is kept as
  ``attributes["tax_status"]``.
- ``Weight (lbs)``, ``Length (cm)`` ...: the unit is in the header (the shop's
  setting); a header without one uses ``[catalog] weight_unit`` / ``dimension_unit``.
- ``Categories``, ``Tags`` and ``Images`` are lists joined with ``", "`` in which a
  comma of a value is written ``\\,``; a category is a path ``Clothing > Tshirts``; the
  first image is the main one.
- The exporter puts ``'`` before a value that starts with ``=``, ``+``, ``-`` or ``@``
  (so that spreadsheets do not run it as a formula); the reader takes it off again.
- ``GTIN, UPC, EAN, or ISBN`` (WooCommerce 9.2+) is the GTIN. Every other column with a
  value (``Tags``, ``Shipping class``, ``Meta: ...``) goes into ``attributes`` under its
  own name, so ``[catalog.columns]`` can map it (``brand = "Meta: _brand"``). Links to
  other products (``Grouped products``, ``Upsells``, ``Cross-sells``), ``Position`` and
  the ``Download ...`` columns (the files a buyer gets) are not read.

The reader streams one row at a time. Variations need their parent, which WooCommerce
exports before them (rows in ID order, a parent's ID is lower) but not always next to
them (a variation added later has a later ID): the reader keeps what variations inherit
of the last `PARENTS_KEPT` variable products it read or used (least recently used first
out), so memory is bounded by that many parents' texts and attributes whatever the file's
size (measured: about 3.5 KiB a parent with 300 characters of text, 70 MiB at the
bound; `benchmarks/catalog_woocommerce.py` peaks near 110 MiB at 100,000 products and at
1,000,000). A
variation whose parent is not among them is read as a product of its own with a
``variation_parent_missing`` warning. The column names must be English (WooCommerce
writes them in the exporting user's language): another language is refused at once.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from lxml import etree

from schemas.product import Money, Product, SalePrice
from transforms.catalog.files import CatalogFileError, csv_records
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_bare_quantity,
    parse_decimal,
    parse_shop_tax_class,
    parse_unit,
    take_condition,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from schemas.product import Quantity
    from transforms.catalog.values import DecimalMark

T = TypeVar("T")

DELIMITER = ","
PARENTS_KEPT = 20_000
"""Variable products whose inheritable values are kept for their variations."""

DEFAULT_TAX_CLASSES = {"reduced-rate": "reduced", "zero-rate": "zero"}
"""WooCommerce's own tax classes, read as the VAT rate of the same name unless
``[catalog] tax_classes`` says otherwise."""
UNTAXED_STATUSES = frozenset({"none", "shipping"})
"""``Tax status`` values under which the product's price carries no tax."""

_MEASURE = re.compile(
    r"^(?P<field>weight|length|width|height)\s*(?:\((?P<unit>[^)]*)\))?$", re.IGNORECASE
)
_ATTRIBUTE = re.compile(
    r"^attribute (?P<n>\d+) (?P<part>name|value\(s\)|visible|global|default)$", re.IGNORECASE
)
_DOWNLOAD = re.compile(r"^download(?: \d+)? (?:id|name|url|limit|expiry days)$", re.IGNORECASE)
_COLUMNS = {
    "id": "id",
    "type": "type",
    "sku": "sku",
    "gtin, upc, ean, or isbn": "gtin",
    "name": "name",
    "published": "published",
    "short description": "short_description",
    "description": "description",
    "date sale price starts": "sale_start",
    "date sale price ends": "sale_end",
    "tax status": "tax_status",
    "tax class": "tax_class",
    "in stock?": "in_stock",
    "stock": "stock",
    "sale price": "sale_price",
    "regular price": "regular_price",
    "categories": "categories",
    "images": "images",
    "parent": "parent",
    "external url": "external_url",
    "button text": "button_text",
}
"""Exported column names (case-folded) -> what the reader takes them for."""
_NOT_READ = frozenset({"grouped products", "upsells", "cross-sells", "position"})
_FORMULA_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")
_AVAILABILITY = {
    "1": "in_stock",
    "instock": "in_stock",
    "0": "out_of_stock",
    "outofstock": "out_of_stock",
    "backorder": "backorder",
    "onbackorder": "backorder",
}
_PUBLISHED = {"1": True, "": True, "0": False, "-1": False}
_VARIATION_TYPES = frozenset({"variation", "subscription_variation"})
_VARIABLE_TYPES = frozenset({"variable", "variable-subscription"})
_SIMPLE_TYPES = frozenset({"simple", "subscription", "external"})
_FLAGS = ("virtual", "downloadable")
_TYPES_KEPT = 1000
"""Distinct ``Type`` and ``Tax class`` values whose reading is remembered (shops have few)."""
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_CACHED = 8192
"""Distinct prices, quantities and dates whose reading is remembered: catalogs repeat them,
and the values are immutable."""
_amount = lru_cache(maxsize=_CACHED)(parse_amount)
_quantity = lru_cache(maxsize=_CACHED)(parse_bare_quantity)
_LINE_TAGS = ("li", "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd")


def split_values(text: str) -> list[str]:
    """A list as WooCommerce writes it: values joined with ``", "``, a comma inside a
    value escaped as ``\\,`` (the exporter's ``implode_values``).

    >>> split_values("Clothing > Tshirts, Music\\\\, Film, ")
    ['Clothing > Tshirts', 'Music, Film']
    """
    if "\\," not in text:
        return [value for part in text.split(",") if (value := part.strip())]
    return [
        value.strip().replace("\x00", ",")
        for value in text.replace("\\,", "\x00").split(",")
        if value.strip()
    ]


@lru_cache(maxsize=_CACHED)
def parse_sale_date(text: str) -> str:
    """A ``Date sale price starts`` / ``ends`` value as ISO 8601: a date stays a date,
    a date and time (``2024-01-01 0:00:00``) becomes ``2024-01-01T00:00:00`` in the
    shop's time zone, as WooCommerce keeps it.

    >>> parse_sale_date("2024-01-01 0:00:00"), parse_sale_date("2024-03-31")
    ('2024-01-01T00:00:00', '2024-03-31')
    """
    cleaned = text.strip()
    for pattern in _DATE_FORMATS:
        try:
            moment = datetime.strptime(cleaned, pattern)  # noqa: DTZ007 - the shop's local time
        except ValueError:
            continue
        return moment.date().isoformat() if pattern == "%Y-%m-%d" else moment.isoformat()
    raise ValueProblem(
        "not_a_date", f"{text!r} is not a date like 2024-01-31 or 2024-01-31 23:59:59"
    )


def parse_stock(text: str, decimal_mark: DecimalMark | None = None) -> str:
    """A ``Stock`` quantity as a whole number's text (WooCommerce allows negative stock
    for backorders).

    >>> parse_stock("12"), parse_stock("-3")
    ('12', '-3')
    """
    number = parse_decimal(text, decimal_mark)
    if number != number.to_integral_value():
        raise ValueProblem("not_a_number", f"stock {text!r} is not a whole number")
    return str(int(number))


def parse_availability(text: str) -> str:
    """``In stock?`` as an availability: 1, 0, ``backorder`` (and the stock status slugs).

    >>> parse_availability("1"), parse_availability("backorder")
    ('in_stock', 'backorder')
    """
    availability = _AVAILABILITY.get(text.strip().lower())
    if availability is None:
        raise ValueProblem("unknown_availability", f"{text!r} is not 1, 0 or backorder")
    return availability


def parse_published(text: str) -> bool:
    """``Published``: 1 published, 0 private, -1 draft; only published is enabled."""
    published = _PUBLISHED.get(text.strip())
    if published is None:
        raise ValueProblem("not_a_boolean", f"{text!r} is not 1, 0 or -1")
    return published


_HTML = etree.HTMLParser(no_network=True)
"""lxml's HTML parser (libxml2): it reads what browsers read, markup merchants mistype too.
One per process, which reads one file at a time."""


@lru_cache(maxsize=4096)
def selling_points(text: str) -> tuple[str, ...]:
    """A short description as selling points: its lines, or its list items, paragraphs and
    lines broken with ``<br>`` when it is HTML.

    >>> selling_points("<ul><li>Soft &amp; warm</li><li>100% cotton</li></ul>")
    ('Soft & warm', '100% cotton')
    >>> selling_points("Soft and warm\\nMachine washable")
    ('Soft and warm', 'Machine washable')
    """
    if "<" in text or "&" in text:
        root = etree.fromstring(text, _HTML)
        if root is None:
            return ()
        for element in root.iter(_LINE_TAGS):  # a block ends a line
            element.tail = "\n" + element.tail if element.tail else "\n"
        text = etree.tostring(root, method="text", encoding="unicode")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


_MISSING = "\x00"
"""The column of a role the header lacks: no header is named so, ``row.get`` gives ""."""


@dataclass(frozen=True, slots=True)
class _Cells:
    """The column holding each value the reader maps (`_COLUMNS`)."""

    id: str = _MISSING
    type: str = _MISSING
    sku: str = _MISSING
    gtin: str = _MISSING
    name: str = _MISSING
    published: str = _MISSING
    short_description: str = _MISSING
    description: str = _MISSING
    sale_start: str = _MISSING
    sale_end: str = _MISSING
    tax_status: str = _MISSING
    tax_class: str = _MISSING
    in_stock: str = _MISSING
    stock: str = _MISSING
    sale_price: str = _MISSING
    regular_price: str = _MISSING
    categories: str = _MISSING
    images: str = _MISSING
    parent: str = _MISSING
    external_url: str = _MISSING
    button_text: str = _MISSING


@dataclass(slots=True)
class _Plan:
    """What the reader takes each column of the header for, worked out once."""

    cells: _Cells
    measures: list[tuple[str, str, str | None]]
    """(product field, column, unit) of the weight and dimension columns."""
    axes: list[tuple[str, str]]
    """(name column, value column) of ``Attribute N``, in N's order."""
    others: list[str]
    """Columns kept as attributes under their own names."""


def _plan(header: list[str], source: CatalogSource, path: Path) -> tuple[_Plan, list[Finding]]:
    context = RowContext(0, None)
    roles: dict[str, str] = {}
    measures: list[tuple[str, str, str | None]] = []
    names: dict[int, dict[str, str]] = {}
    others: list[str] = []
    for column in header:
        folded = column.strip().casefold()
        role = _COLUMNS.get(folded)
        if role is not None:
            roles.setdefault(role, column)
            continue
        if folded in _NOT_READ or _DOWNLOAD.match(folded):
            continue
        measure = _MEASURE.match(folded)
        if measure:
            quantity = measure["field"]
            written = measure["unit"]
            if written is None:
                unit = source.weight_unit if quantity == "weight" else source.dimension_unit
            else:  # an unknown unit is reported once, and the column kept as an attribute
                unit = context.take(column, parse_unit, written)
            if written is None or unit is not None:
                measures.append((quantity, column, unit))
                continue
        attribute = _ATTRIBUTE.match(folded)
        if attribute:
            names.setdefault(int(attribute["n"]), {})[attribute["part"]] = column
            continue
        others.append(column)
    if "type" not in roles:
        raise CatalogFileError(
            f"{path.name}: no 'Type' column (columns: {', '.join(header[:12])}): WooCommerce's "
            "product export always has one; is this another shop system's file?"
        )
    axes = [
        (parts["name"], parts["value(s)"])
        for _, parts in sorted(names.items())
        if "name" in parts and "value(s)" in parts
    ]
    return _Plan(_Cells(**roles), measures, axes, others), context.findings


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

    def __init__(self, plan: _Plan, source: CatalogSource, currency: str, kept: int) -> None:
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
        sku = _cell(row.get(cells.sku, ""))
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
        ident = _cell(row.get(self.plan.cells.id, ""))
        group = sku or (f"id:{ident}" if ident else "")
        if not group:
            return  # nothing can name it: its variations will say their parent is missing
        read = self._row(row, context)
        template = read.product
        template.sku = group
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
        reference = _cell(row.get(self.plan.cells.parent, ""))
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
            product.gtin = _cell(text)
        if text := get(cells.name, ""):
            product.title[locale] = _cell(text)
        if text := get(cells.description, ""):
            product.description[locale] = _cell(text)
        if text := get(cells.short_description, "").strip():
            product.bullet_points[locale] = list(selling_points(text))
        if text := get(cells.published, ""):
            enabled = _PUBLISHED.get(_cell(text))
            if enabled is None:
                enabled = context.take("Published", parse_published, text)
            product.enabled = True if enabled is None else enabled
        if text := get(cells.in_stock, ""):
            availability = _AVAILABILITY.get(text.strip().lower())
            if availability is None:
                availability = context.take("In stock?", parse_availability, text)
            if availability is not None:
                product.availability = availability  # type: ignore[assignment]
        if text := get(cells.categories, ""):
            product.categories = split_values(_cell(text))
        if text := get(cells.images, ""):
            product.image_links = list(dict.fromkeys(split_values(text)))
        for name, column, unit in self.plan.measures:
            if text := get(column, ""):
                setattr(product, name, self._number(context, column, _quantity, _cell(text), unit))
        self._prices(row, product, context)
        attributes = product.attributes
        guard = _FORMULA_GUARD
        for column in self.plan.others:  # `_cell`, inlined: most columns are these
            if text := row[column].strip():
                attributes[column] = text[1:] if text.startswith(guard) else text
        if text := get(cells.external_url, ""):
            attributes["external_url"] = _cell(text)
        if text := get(cells.button_text, ""):
            attributes["button_text"] = _cell(text)
        axes: list[tuple[str, str]] = []
        for name_column, value_column in self.plan.axes:
            if (name := row[name_column]) and (name := _cell(name)):
                values = row[value_column]
                axes.append((name, ", ".join(split_values(_cell(values))) if values else ""))
        stock = _cell(get(cells.stock, ""))
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
        regular_text = _cell(row.get(cells.regular_price, ""))
        sale_text = _cell(row.get(cells.sale_price, ""))
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


def _cell(text: str) -> str:
    """A cell, stripped, without the formula guard the exporter puts before ``=+-@``."""
    text = text.strip()
    return text[1:] if text.startswith(_FORMULA_GUARD) else text


def _inherit(read: _Row, parent: Product) -> None:
    """Fill what the variation leaves empty from its parent, and make it a variant."""
    product = read.product
    product.group = parent.sku
    product.varies_by = [name for name, value in read.axes if value]
    product.enabled = product.enabled and parent.enabled
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
                plan, findings = _plan(list(row), source, path)
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
