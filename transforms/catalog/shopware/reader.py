"""Reading a Shopware 6 export (`transforms.catalog.shopware`): each row, a variant's
completed from its parent, becomes a product; a variant's options become its axes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from transforms.catalog.files import (
    CatalogFileError,
    check_header,
    codec_for,
    csv_records,
)
from transforms.catalog.shopware.columns import DELIMITER, Columns, read_header
from transforms.catalog.shopware.families import Parent, families, inherit, parent_of
from transforms.catalog.shopware.properties import named_options, read_property_options
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_bare_quantity,
    parse_currency,
    parse_enabled,
    parse_shop_tax_class,
    parse_unit,
    take_condition,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.values import DecimalMark

DEFAULT_TAX_NAMES = {"Standard rate": "standard"}
"""The tax Shopware installs for the standard rate; its "Reduced rate" names a rate, not
goods (food or books), so ``[catalog] tax_classes`` says which."""

_LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})[-_](?P<region>[A-Z]{2})$")


@dataclass(slots=True)
class _Reading:
    """The settings of one read and what it has reported once already."""

    source: CatalogSource
    currency: str | None
    locale: str
    options: dict[str, tuple[str, str]] | None
    """Property option id -> (group name, option name), from the properties export."""
    decimal_mark: DecimalMark
    units: dict[str, str] = field(default_factory=dict)
    """Quantity -> the unit of its bare numbers: Shopware's kg and mm unless
    ``[catalog] weight_unit`` or ``dimension_unit`` say otherwise."""
    fast_units: dict[str, str | None] = field(default_factory=dict)
    """Quantity -> its canonical unit when plain numbers may skip `parse_bare_quantity`
    (a dot as decimal mark and a unit it knows), else None."""
    reported: set[str] = field(default_factory=set)
    """Warnings given once per file (an unmapped language, options named by id only)."""
    tax_classes: dict[str, tuple[str, str] | str] = field(default_factory=dict)
    """Tax name -> its VAT class, or the (rule, message) of why it has none."""

    def __post_init__(self) -> None:
        dimension_unit = self.source.dimension_unit or "mm"
        self.units = {
            "weight": self.source.weight_unit or "kg",
            "width": dimension_unit,
            "height": dimension_unit,
            "length": dimension_unit,
        }
        for name, unit in self.units.items():
            try:
                self.fast_units[name] = parse_unit(unit) if self.decimal_mark == "." else None
            except ValueProblem:
                self.fast_units[name] = None  # each value then reports the unknown unit

    def tax_class(self, name: str) -> str:
        """`parse_shop_tax_class` once per tax name (a file has a handful)."""
        known = self.tax_classes.get(name)
        if known is None:
            try:
                known = parse_shop_tax_class(name, {**DEFAULT_TAX_NAMES, **self.source.tax_classes})
            except ValueProblem as problem:
                known = (problem.rule, problem.message)
            if len(self.tax_classes) < 1000:
                self.tax_classes[name] = known
        if isinstance(known, tuple):
            raise ValueProblem(*known)
        return known

    def locale_of(self, code: str, context: RowContext, column: str) -> str | None:
        """The locale of a Shopware translation code (``de-DE``), or None, reported once."""
        if code == "DEFAULT":
            return self.locale
        mapped = self.source.locales.get(code)
        if mapped:
            return mapped
        if (match := _LOCALE.match(code)) is not None:
            return f"{match['lang']}_{match['region']}"
        if code not in self.reported:
            self.reported.add(code)
            context.warn(
                column,
                "language_unmapped",
                f"texts in language {code!r} are not read: add it to [catalog] locales "
                f'({code} = "<locale>"); reported once for the file',
                code,
            )
        return None


def read_shopware(path: Path, source: CatalogSource) -> Iterator[Product | Finding]:
    """Stream products (and findings about rows it cannot use) from a Shopware 6 product
    export (see the module docstring).

    Args:
        path: The export (``;``-separated CSV).
        source: The ``[catalog]`` settings: ``currency`` of the prices, ``locale`` of the
            texts, ``locales`` for other languages' codes, ``tax_classes`` for tax names,
            ``attribute_options_path`` for the "Default properties" export that names
            the variants' options, ``encoding``, ``decimal_mark``.

    Raises:
        CatalogFileError: when the file is empty, is not ``;``-separated, has no
            ``product_number`` column, or has prices and no ``[catalog] currency``.
    """
    header = read_header(path, source.encoding)
    columns = Columns.of(header)
    sku_column = columns.role.get("sku", "product_number")
    codec = codec_for(path, source.encoding).removesuffix("-sig")
    check_header(path, header, DELIMITER, sku_column=sku_column, codec=codec)
    records = partial(
        csv_records, path, delimiter=DELIMITER, encoding=source.encoding, sku_column=sku_column
    )
    currency = _currency(path, source, columns)
    options: dict[str, tuple[str, str]] | None = None
    if source.attribute_options_path:
        options, problems = read_property_options(
            Path(source.attribute_options_path), source.encoding
        )
        yield from problems
    # Shopware writes numbers as PHP prints floats: a dot, never a thousands separator.
    decimal_mark: DecimalMark = source.decimal_mark or "."
    reading = _Reading(
        source=source,
        currency=currency,
        locale=source.locale or ANY_LOCALE,
        options=options,
        decimal_mark=decimal_mark,
    )
    last_variant, parents = families(path, source.encoding, columns, records)
    id_column = columns.role.get("id") if last_variant else None
    parent_column = columns.role.get("parent_id")
    for record in records():
        if not isinstance(record, tuple):
            yield record
            continue
        number, row, clean = record
        ident = row[id_column].strip() if id_column is not None else ""
        parent_id = row[parent_column].strip() if parent_column is not None else ""
        if not parent_id and ident in last_variant:
            # A parent of variants in the file only groups them; kept for those to come.
            if ident not in parents and number < last_variant[ident]:
                parents[ident] = parent_of(row, clean, columns)
            continue
        context = RowContext(number, row[sku_column].strip() or None, decimal_mark)
        parent: Parent | None = None
        if parent_id:
            parent = parents.get(parent_id)
            if parent is None:
                context.warn(
                    columns.role["parent_id"],
                    "variant_parent_missing",
                    f"its parent {parent_id} is not a readable row of the file: it inherits "
                    "nothing and is grouped under the parent's id",
                    parent_id,
                )
            else:
                row = inherit(row, parent.values, columns)
                clean = clean and parent.clean
                if number >= last_variant[parent_id]:
                    del parents[parent_id]  # its last variant: nothing else needs it
        product = _product(row, columns, reading, context)
        if product is not None and parent_id:
            product.group = parent.sku if parent is not None and parent.sku else parent_id
            _axes(product, row, columns, reading, context)
        if product is not None and not (clean or clean_texts(product, context)):
            product = None
        yield from context.findings
        if product is not None:
            yield product


def _currency(path: Path, source: CatalogSource, columns: Columns) -> str | None:
    if "price" not in columns.role:
        return None
    if not source.currency:
        raise CatalogFileError(
            f"{path.name}: Shopware writes prices in the shop's default currency without "
            "naming it; set [catalog] currency"
        )
    try:
        return parse_currency(source.currency)
    except ValueProblem as problem:
        raise CatalogFileError(f"{path.name}: [catalog] currency: {problem.message}") from None


def _product(
    row: Mapping[str, str], columns: Columns, reading: _Reading, context: RowContext
) -> Product | None:
    role = columns.role
    cell = {name: row[column].strip() for name, column in role.items()}
    sku = cell.get("sku", "")
    if not sku:
        context.reject(role.get("sku", "product_number"), "missing_sku", "the row has no sku")
        return None
    product = Product(sku=sku)
    product.gtin = cell.get("gtin") or None
    product.brand = cell.get("brand") or None
    product.mpn = cell.get("mpn") or None
    if name := cell.get("name"):
        product.title[reading.locale] = name
    if description := cell.get("description"):
        product.description[reading.locale] = description
    for column, text_field, code in columns.texts:
        text = row[column].strip()
        if text and (locale := reading.locale_of(code, context, column)) is not None:
            (product.title if text_field == "name" else product.description)[locale] = text
    fast = reading.decimal_mark == "."
    if reading.currency is not None:
        _price(product, reading.currency, row, role["price"], role.get("list_price"), fast, context)
    for currency, column, list_column in columns.prices:
        if currency not in product.prices:
            _price(product, currency, row, column, list_column, fast, context)
    if tax_name := cell.get("tax_name"):
        known = reading.tax_classes.get(tax_name)  # a tuple: not a VAT class, reported
        tax_class = (
            known
            if isinstance(known, str)
            else context.take(role["tax_name"], reading.tax_class, tax_name)
        )
        if tax_class is not None:
            product.tax_class = tax_class  # type: ignore[assignment]
    active = cell.get("active", "")
    if active not in ("1", ""):
        enabled = context.take(role["active"], parse_enabled, active)
        product.enabled = True if enabled is None else enabled
    if stock_text := cell.get("stock"):
        stock = int(stock_text) if stock_text.isdigit() else None
        if stock is None:
            stock = context.take(role["stock"], _parse_stock, stock_text)
        if stock is not None:
            product.attributes["stock"] = str(stock)
            if stock > 0:
                product.availability = "in_stock"
            elif cell.get("closeout") in ("0", "false"):  # sold on when out of stock
                product.availability = "backorder"
            else:
                product.availability = "out_of_stock"
    for quantity, configured in reading.units.items():
        if number := cell.get(quantity):
            unit = reading.fast_units[quantity]
            setattr(
                product,
                quantity,
                Quantity(Decimal(number), unit)
                if unit is not None and _plain(number)
                else context.number(role[quantity], parse_bare_quantity, number, configured),
            )
    if categories := cell.get("category_paths") or cell.get("categories"):
        product.categories = [c.strip() for c in categories.split("|") if c.strip()]
    if cover := cell.get("cover"):
        product.image_links.append(cover)
    if media := cell.get("media"):
        for link in media.split("|"):
            link = link.strip()
            if link and link not in product.image_links:
                product.image_links.append(link)
    attributes = product.attributes
    for column in columns.plain:
        text = row[column]
        if text and (text := text.strip()):
            attributes[column] = text
    if reading.options is not None and columns.properties is not None:
        for group, names in named_options(row[columns.properties], reading.options).items():
            attributes[group] = ", ".join(names)
    if custom := cell.get("custom_fields"):
        _custom_fields(custom, attributes, role["custom_fields"], context)
    if "condition" in attributes:
        take_condition(product, context)
    return product


def _custom_fields(text: str, attributes: dict[str, str], column: str, context: RowContext) -> None:
    """Keep each custom field of the JSON object Shopware exports (``{"energy_class":
    "B"}``) as an attribute under its name; a list's values joined by ``", "``."""
    try:
        fields = json.loads(text)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        context.warn(
            column,
            "custom_fields_not_json",
            "the custom fields are not the JSON object Shopware exports: they were ignored",
            text,
        )
        return
    for name, value in fields.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v not in (None, ""))
        if value not in (None, "") and not isinstance(value, dict):
            attributes[str(name)] = str(value).strip()


def _price(
    product: Product,
    currency: str,
    row: Mapping[str, str],
    column: str,
    list_column: str | None,
    fast: bool,
    context: RowContext,
) -> None:
    """The price in ``currency``; with a list price above it, the list price is the
    regular price and the price the sale price."""
    text = row[column].strip()
    if not text:
        return
    amount = _amount(text, column, fast, context)
    if amount is None:
        return
    list_text = row[list_column].strip() if list_column is not None else ""
    regular = _amount(list_text, list_column or "", fast, context) if list_text else None
    if regular is not None and regular > amount:
        product.prices[currency] = Money(regular, currency)
        product.sale_prices[currency] = SalePrice(amount, currency)
    else:
        product.prices[currency] = Money(amount, currency)


def _amount(text: str, column: str, fast: bool, context: RowContext) -> Decimal | None:
    if fast and _plain(text):
        return Decimal(text)
    return context.number(column, parse_amount, text)


def _plain(text: str) -> bool:
    """Whether ``text`` is a number as PHP prints a float (``12.5``), which
    `parse_decimal` would read with a dot as decimal mark just as `Decimal` does."""
    return text.isascii() and text.replace(".", "", 1).isdigit()


def _parse_stock(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueProblem("not_a_number", f"stock {text!r} is not a whole number") from None


def _axes(
    product: Product,
    row: Mapping[str, str],
    columns: Columns,
    reading: _Reading,
    context: RowContext,
) -> None:
    """The variant's axes (its options' groups) and its values on them (their names)."""
    if columns.options is None:
        return
    ids = [i.strip() for i in row[columns.options].split("|") if i.strip()]
    if not ids:
        return
    if reading.options is None:
        if "options" not in reading.reported:
            reading.reported.add("options")
            context.warn(
                columns.options,
                "variant_options_unnamed",
                "the export names the variants' options by id only: give Shopware's "
                "'Default properties' export as [catalog] attribute_options_path to read "
                "what they vary by; the variants are grouped without axes (reported once "
                "for the file)",
                row[columns.options],
            )
        return
    axes: dict[str, list[str]] = {}
    for option_id in ids:
        known = reading.options.get(option_id)
        if known is None:
            context.warn(
                columns.options,
                "variant_option_unknown",
                f"option {option_id} is not in the properties export "
                "([catalog] attribute_options_path): the variant does not vary by it",
                option_id,
            )
            continue
        group, name = known
        if group and name:  # an option without a name means "any": no axis for it
            axes.setdefault(group, []).append(name)
    product.varies_by = sorted(axes, key=str.casefold)
    for group, names in axes.items():
        product.attributes[group] = ", ".join(names)
