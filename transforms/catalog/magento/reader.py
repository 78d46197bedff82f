"""Reading a Magento 2 export in two passes (`transforms.catalog.magento`): the first finds
each variant's configurable, the second maps rows onto products, a product's store-view
rows with it, and gives variants what they inherit from their configurable."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar, cast

from schemas.config.pipeline import Validation
from schemas.findings import Finding, shorten
from schemas.product import Money, Product, SalePrice
from transforms.catalog.files import CatalogFileError, csv_records
from transforms.catalog.magento.cells import (
    DELIMITER,
    IMAGE_COLUMNS,
    additional_attributes,
    image_paths,
    parse_date,
    parse_online,
    parse_variations,
    split_categories,
)
from transforms.catalog.magento.groups import GroupPlan, plan_groups
from transforms.catalog.markup import selling_points
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_bare_quantity,
    parse_decimal,
    parse_shop_tax_class,
    take_condition,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from decimal import Decimal
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from transforms.catalog.values import DecimalMark

T = TypeVar("T")

_PARSED_CACHE = 65_536
"""Most distinct values remembered per reader (prices, weights, quantities, tax classes)."""
TEXT_COLUMNS = ("name", "description", "short_description")
"""The columns a store-view row translates."""
MAGENTO_TAX_CLASSES = {"taxable goods": "standard"}
"""Magento's own product tax class (its only one out of the box); ``[catalog]
tax_classes`` wins."""
_PRODUCT_TYPES = frozenset({"simple", "virtual", "downloadable", "bundle"})
_MAPPED = frozenset(
    {
        "sku",
        "store_view_code",
        "product_type",
        "categories",
        "name",
        "description",
        "short_description",
        "weight",
        "product_online",
        "tax_class_name",
        "price",
        "special_price",
        "special_price_from_date",
        "special_price_to_date",
        "qty",
        "is_in_stock",
        "additional_attributes",
        "additional_images",
        *IMAGE_COLUMNS,
    }
)
_STRUCTURE = frozenset(
    {
        "configurable_variations",
        "configurable_variation_labels",
        "configurable_variation_prices",
        "bundle_values",
        "associated_skus",
        "custom_options",
        "downloadable_links",
        "downloadable_samples",
        "related_skus",
        "related_position",
        "crosssell_skus",
        "crosssell_position",
        "upsell_skus",
        "upsell_position",
        "additional_image_labels",
        "hide_from_product_page",
    }
)
"""Columns about other records (links, options, bundle items, image labels), not values of
this product: not copied into its attributes."""
_INTERNAL_ATTRIBUTES = frozenset({"has_options", "required_options", "quantity_and_stock_status"})
"""Magento's bookkeeping in ``additional_attributes``, not product data."""
_STOCK_SETTINGS = frozenset(
    {
        "out_of_stock_qty",
        "is_qty_decimal",
        "allow_backorders",
        "min_cart_qty",
        "max_cart_qty",
        "notify_on_stock_below",
        "manage_stock",
        "qty_increments",
        "enable_qty_increments",
        "is_decimal_divided",
        "website_id",
        "deferred_stock_update",
    }
)
"""The stock item's settings (``use_config_*`` beside them): how the shop sells, not what
the product is; ``allow_backorders`` is read for the availability."""
_OWN_COLUMNS = frozenset(
    {
        "sku",
        "store_view_code",
        "product_type",
        "url_key",
        "visibility",
        "product_online",
        "price",
        "special_price",
        "special_price_from_date",
        "special_price_to_date",
        "qty",
        "is_in_stock",
        "created_at",
        "updated_at",
        "additional_attributes",
        "additional_images",
        *IMAGE_COLUMNS,
        *_STRUCTURE,
    }
)
"""Columns a variant never takes from its configurable (its identity, offer and stock;
images and attributes are inherited as a whole, below)."""
_SKIPPED = _MAPPED | _STRUCTURE | _STOCK_SETTINGS
_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")


def read_magento(path: Path, source: CatalogSource) -> Iterator[Product | Finding]:
    """Stream products and findings from a Magento 2 product export (see the module
    docstring for the columns and the two passes).

    Raises:
        CatalogFileError: when ``[catalog] currency`` is unset (the export's prices name
            none), the file is empty or its header has no ``sku`` column.
    """
    if not source.currency:
        raise CatalogFileError(
            f"{path.name}: a Magento export's prices name no currency: set [catalog] currency"
        )
    reader = _Reader(path, source)
    yield from reader.read()


@dataclass(slots=True)
class _Pending:
    """One product's rows: its default row and the store-view rows after it."""

    number: int
    row: dict[str, str]
    clean: bool
    sku: str
    views: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass(slots=True)
class _Configurable:
    """A configurable's values its variants share, while some of them are still to come."""

    sku: str
    shared: dict[str, str]
    attributes: dict[str, str]
    images: list[str]
    views: list[tuple[int, dict[str, str]]]
    variants: dict[str, dict[str, str]]
    axes: list[str]
    enabled: bool


class _Reader:
    __slots__ = (
        "_amount",
        "_number",
        "_tax_class",
        "_weight",
        "attribute_columns",
        "currency",
        "decimal_mark",
        "locale",
        "locales",
        "parsed",
        "path",
        "reported_views",
        "source",
        "tax_classes",
        "weight_unit",
        "weights_dropped",
    )

    def __init__(self, path: Path, source: CatalogSource) -> None:
        self.path = path
        self.source = source
        self.currency = (source.currency or "").upper()
        self.decimal_mark: DecimalMark | None = source.decimal_mark
        self.locale = source.locale or Validation().source_locale
        self.locales = source.locales
        self.tax_classes = {**MAGENTO_TAX_CLASSES, **source.tax_classes}
        self.weight_unit = source.weight_unit
        self.weights_dropped = 0
        self.reported_views: set[str] = set()
        self.attribute_columns: tuple[str, ...] | None = None
        self.parsed: dict[tuple[str, str], object] = {}
        mark = self.decimal_mark
        self._amount = partial(parse_amount, decimal_mark=mark)
        self._number = partial(parse_decimal, decimal_mark=mark)
        self._weight = partial(parse_bare_quantity, unit=self.weight_unit, decimal_mark=mark)
        self._tax_class = partial(parse_shop_tax_class, names=self.tax_classes)

    def _records(self) -> Iterator[tuple[int, dict[str, str], bool] | Finding]:
        return csv_records(self.path, delimiter=DELIMITER, encoding=self.source.encoding)

    def read(self) -> Iterator[Product | Finding]:
        plan = plan_groups(self.path, self.source.encoding)
        yield from plan.findings
        waiting: dict[int, list[_Pending]] = {}
        open_parents: dict[int, _Configurable] = {}
        closing: list[tuple[int, int]] = []  # (last variant's row, configurable's row)
        pending: _Pending | None = None

        def finish(item: _Pending) -> Iterator[Product | Finding]:
            parent_row = plan.parent_of.get(item.sku)
            if item.sku and item.row.get("product_type", "").strip() == "configurable":
                yield from self._open(item, plan, waiting, open_parents, closing)
            elif parent_row is not None and parent_row > item.number:
                waiting.setdefault(parent_row, []).append(item)
            else:
                parent = open_parents.get(parent_row) if parent_row is not None else None
                yield from self._product(item, parent)
            while closing and closing[0][0] <= item.number:
                open_parents.pop(heapq.heappop(closing)[1], None)

        for record in self._records():
            if not isinstance(record, tuple):
                yield record
                continue
            number, row, clean = record
            view = row.get("store_view_code", "").strip()
            if view:
                if pending is not None and pending.sku == row["sku"].strip():
                    pending.views.append((number, row))
                    pending.clean = pending.clean and clean
                else:
                    context = RowContext(number, row["sku"].strip() or None)
                    context.warn(
                        "store_view_code",
                        "store_view_row_detached",
                        f"the row of store view {view} does not follow its product's default "
                        "row (a row with an empty store_view_code and the same sku): its "
                        "texts were not read",
                        view,
                    )
                    yield from context.findings
                continue
            if pending is not None:
                yield from finish(pending)
            pending = _Pending(number, row, clean, row["sku"].strip())
        if pending is not None:
            yield from finish(pending)
        for items in waiting.values():  # a configurable whose row could not be read
            for item in items:
                yield from self._product(item, None)
        if self.weights_dropped:
            yield Finding(
                stage="ingest",
                severity="warning",
                sku=None,
                field="weight",
                rule="unit_unknown_for_number",
                message=f"{self.weights_dropped} products have a weight, a bare number in the "
                "store's weight unit, which the export does not name: set [catalog] "
                "weight_unit (lbs or kgs, as Magento's General > Locale Options says); the "
                "weights were dropped",
            )

    def _open(
        self,
        item: _Pending,
        plan: GroupPlan,
        waiting: dict[int, list[_Pending]],
        open_parents: dict[int, _Configurable],
        closing: list[tuple[int, int]],
    ) -> Iterator[Product | Finding]:
        """A configurable's rows: keep what its variants share, read those that waited."""
        context = RowContext(item.number, item.sku or None, self.decimal_mark)
        variants = parse_variations(item.row.get("configurable_variations", ""))
        early = waiting.pop(item.number, [])
        later = plan.last_row.get(item.number, item.number) > item.number
        if not early and not later:
            context.warn(
                "configurable_variations",
                "configurable_without_variants",
                f"the configurable {item.sku} lists {len(variants)} variants, none of them in "
                "this file (or each is a variant of an earlier configurable): it is not listed "
                "(a configurable is sold through its variants)",
                item.row.get("configurable_variations") or None,
            )
            yield from context.findings
            return
        axes = list(dict.fromkeys(axis for values in variants.values() for axis in values))
        enabled = context.take("product_online", parse_online, item.row.get("product_online", ""))
        parent = _Configurable(
            sku=item.sku,
            shared={k: v for k, v in item.row.items() if k and v.strip() and k not in _OWN_COLUMNS},
            attributes=additional_attributes(item.row.get("additional_attributes", "")),
            images=image_paths(item.row),
            views=item.views,
            variants=variants,
            axes=axes,
            enabled=enabled is not False,
        )
        yield from context.findings
        for variant in early:
            yield from self._product(variant, parent)
        if later:
            open_parents[item.number] = parent
            heapq.heappush(closing, (plan.last_row[item.number], item.number))

    def _product(self, item: _Pending, parent: _Configurable | None) -> Iterator[Product | Finding]:
        row = item.row
        context = RowContext(item.number, item.sku or None, self.decimal_mark)
        if not item.sku:
            context.reject("sku", "missing_sku", "the row has no sku")
            yield from context.findings
            return
        kind = row.get("product_type", "").strip()
        if kind == "grouped":
            context.warn(
                "product_type",
                "grouped_product_skipped",
                "a grouped product only shows products sold on their own: it is not listed, "
                "its products are",
                kind,
            )
            yield from context.findings
            return
        values = parent.variants.get(item.sku) if parent is not None else None
        if parent is not None and values is None:
            parent = None  # the variant index matched a sku its configurable does not list
        product = Product(sku=item.sku)
        attributes = additional_attributes(row.get("additional_attributes", ""))
        images = image_paths(row)
        if parent is not None:
            row = {**row, **{k: v for k, v in parent.shared.items() if not row.get(k, "").strip()}}
            attributes = {**parent.attributes, **attributes}
            images = images or parent.images
        self._texts(product, row, item.views, parent, context)
        product.categories = split_categories(row.get("categories", ""))
        product.image_links = images
        self._offer(product, row, context)
        online = context.take("product_online", parse_online, row.get("product_online", ""))
        product.enabled = online is not False and (parent is None or parent.enabled)
        if self.attribute_columns is None:  # every row has the header's columns
            self.attribute_columns = tuple(
                c for c in row if c and c not in _SKIPPED and not c.startswith("use_config_")
            )
        for column in self.attribute_columns:
            value = row.get(column, "").strip()
            if value:
                product.attributes[column] = value
        for code, value in attributes.items():
            if code not in _INTERNAL_ATTRIBUTES and value.strip():
                product.attributes[code] = value.strip()
        # Magento has no brand field; its system attribute `manufacturer` (a drop-down in
        # the default attribute set) names the maker, which [operators.brands] maps.
        if manufacturer := product.attributes.get("manufacturer"):
            product.brand = manufacturer
        if parent is not None and values is not None:
            product.group = parent.sku
            for axis in parent.axes:
                value = values.get(axis, "")
                if value:
                    product.attributes[axis] = value
                    product.varies_by.append(axis)
                else:  # an empty axis value means "any": the variant does not vary by it
                    product.attributes.pop(axis, None)
        take_condition(product, context)
        kept = item.clean or clean_texts(product, context)
        yield from context.findings
        if kept:
            yield product

    def _texts(
        self,
        product: Product,
        row: Mapping[str, str],
        views: list[tuple[int, dict[str, str]]],
        parent: _Configurable | None,
        context: RowContext,
    ) -> None:
        """Titles, descriptions and bullet points: the default row's in the catalog's
        locale, each store view's in its locale (the configurable's first, then the
        variant's own)."""
        self._put_texts(product, self.locale, row)
        for number, view_row in [*(parent.views if parent else []), *views]:
            code = view_row.get("store_view_code", "").strip()
            locale = self._view_locale(code, number, context)
            if locale is not None:
                self._put_texts(product, locale, view_row)

    @staticmethod
    def _put_texts(product: Product, locale: str, row: Mapping[str, str]) -> None:
        name = row.get("name", "").strip()
        if name:
            product.title[locale] = name
        description = row.get("description", "").strip()
        if description:
            product.description[locale] = description
        short = row.get("short_description", "").strip()
        if short:
            points = list(selling_points(short))
            if points:
                product.bullet_points[locale] = points

    def _view_locale(self, code: str, number: int, context: RowContext) -> str | None:
        locale = self.locales.get(code)
        if locale is None and _LOCALE.match(code):
            locale = code
        if locale is None and code not in self.reported_views:
            self.reported_views.add(code)
            context.findings.append(
                Finding(
                    stage="ingest",
                    severity="warning",
                    sku=None,
                    field="store_view_code",
                    rule="store_view_unmapped",
                    message=f"store view {code} has no locale: its names and descriptions "
                    f'are not read; map it in [catalog] locales ({code} = "de_DE")',
                    value=shorten(code),
                    row=number,
                )
            )
        return locale

    def _offer(self, product: Product, row: Mapping[str, str], context: RowContext) -> None:
        """Price, sale price, tax class, weight and stock."""
        currency = self.currency
        price = None
        text = row.get("price", "").strip()
        if text:
            price = self._parsed("price", self._amount, text, context)
            if price is not None:
                product.prices[currency] = Money(price, currency)
        if row.get("special_price", "").strip():
            sale = self._sale_price(row, price, context)
            if sale is not None:
                product.sale_prices[currency] = sale
        tax_class = self._parsed(
            "tax_class_name", self._tax_class, row.get("tax_class_name", "").strip(), context
        )
        if tax_class is not None:
            product.tax_class = tax_class  # type: ignore[assignment]
        weight = row.get("weight", "").strip()
        if weight:
            if self.weight_unit is None and not any(c.isalpha() for c in weight):
                self.weights_dropped += 1  # one finding for the file: a setting is missing
            else:
                product.weight = self._parsed("weight", self._weight, weight, context)
        qty = row.get("qty", "").strip()
        stock = self._parsed("qty", self._number, qty, context) if qty else None
        if stock is not None:
            product.attributes["stock"] = str(int(stock))
        in_stock = row.get("is_in_stock", "").strip()
        if in_stock == "0":
            product.availability = "out_of_stock"
        elif (
            stock is not None
            and stock <= 0
            and row.get("allow_backorders", "").strip() in ("1", "2")
        ):
            product.availability = "backorder"

    def _parsed(
        self, field: str, parse: Callable[[str], T], text: str, context: RowContext
    ) -> T | None:
        """``parse(text)`` through ``context`` (a problem becomes its finding), remembering
        what parsed: a catalog repeats its prices, weights and tax class names."""
        key = (field, text)
        known = self.parsed.get(key)
        if known is not None:
            return cast("T", known)
        value = context.take(field, parse, text)
        if value is not None and len(self.parsed) < _PARSED_CACHE:
            self.parsed[key] = value
        return value

    def _sale_price(
        self, row: Mapping[str, str], price: Decimal | None, context: RowContext
    ) -> SalePrice | None:
        amount = self._parsed("special_price", self._amount, row["special_price"].strip(), context)
        if amount is None:
            return None
        dates: list[str | None] = []
        for column in ("special_price_from_date", "special_price_to_date"):
            text = row.get(column, "").strip()
            if not text:
                dates.append(None)
                continue
            try:
                dates.append(parse_date(text))
            except ValueProblem as problem:  # a sale of unknown period is not announced
                context.warn(
                    column, problem.rule, f"{problem.message}; the special price was ignored", text
                )
                return None
        if price is not None and amount >= price:
            context.warn(
                "special_price",
                "sale_price_not_below_price",
                f"the special price {amount} is not below the price {price}: Magento charges "
                "the lower of the two, so there is no sale; it was ignored",
                row["special_price"],
            )
            return None
        return SalePrice(amount, self.currency, dates[0], dates[1])
