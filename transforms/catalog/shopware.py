"""Reader for Shopware 6's product export (Settings > Import/Export, "Default product" profile).

The export is CSV, ``;``-separated, ``"``-quoted, UTF-8, one header row of the profile's
column names (its ``mappedKey`` values) in the profile's order. The "Default product"
profile (``src/Core/Migration/Fixtures/import-export-profiles/ProductMappingProfile.php``
in shopware/shopware) writes:

==============================================  ==========================================
``id`` ``parent_id``                            the product's id; a variant's parent id
``product_number``                              the sku
``active`` ``stock``                            ``1``/``0``; units in stock
``name`` ``description``                        the default language's texts (HTML)
``price_net`` ``price_gross``                   the default currency's price
``purchase_prices_net`` ``purchase_prices_gross``  what the merchant paid
``tax_id`` ``tax_rate`` ``tax_name``            the tax (``Standard rate``, 19)
``cover_media_id`` ``cover_media_url`` ...      the main image
``manufacturer_id`` ``manufacturer_name``       the brand
``categories``                                  category ids, ``|``-separated
``sales_channel``                               sales channel ids (``visibilities.all``)
``propertyIds`` ``optionIds``                   property option ids; a variant's options
==============================================  ==========================================

A merchant adds fields to a copy of the profile under names of their choosing; read here
under Shopware's own keys (``productNumber``, ``translations.DEFAULT.name``,
``price.DEFAULT.gross``, ``price.USD.gross``, ``translations.de-DE.name``) and the
snake_case names Shopware's own fixtures give them: ``ean``, ``manufacturer_number``,
``weight`` (kg), ``width`` ``height`` ``length`` (mm), ``media`` (the other image URLs,
``|``-separated), ``list_price_gross`` (``price.DEFAULT.listPrice.gross``: the price
before a reduction), ``price_gross_usd``, ``is_closeout``, ``category_paths``. Every
other non-empty column is kept as an attribute under its own name.

Prices are in the shop's default currency, which the file does not name
(``[catalog] currency``). A list price above the price means the product is reduced:
the list price is the regular price and the price its sale price (Shopware shows it
struck through; it has no sale dates). Texts of the default language are in
``[catalog] locale``.

**Variants** are rows whose ``parent_id`` names another row's ``id``; Shopware writes
them only when the export includes variants, after their parent (it sorts by creation).
A variant belongs to the group of its parent's product number and inherits every value
it leaves empty, as Shopware does, except the identifiers (``ean``, manufacturer
number): a GTIN names one trade item, so a variant without its own has none. Price,
list price, tax, cover image and manufacturer are inherited as a whole, so a variant
with its own price never shows its parent's list price. A parent whose variants are in
the file only groups them and is not a product; one without variants in the file is.
A variant's options are property option ids: their group (``size``) and name (``M``)
come from the "Default properties" export given as ``[catalog]
attribute_options_path``; the groups are the axes the variant varies by and the names
its values (an option without a name means "any" and is left out). Without that file
the options stay ids in ``optionIds`` and the variants are grouped without axes.

**Memory**: the reader first scans the file with the csv module alone to learn which ids
are parents of variants (an id and a row number per parent: the only part that grows
with the file, by about 150 bytes per variant group), then streams it; a parent's
inheritable values are held from its row to its last variant's row (a parent whose last
variant row is unreadable is held to the end of the file). A parent written after one
of its variants (never by Shopware, whose foreign key and creation order put parents
first; a hand-edited file) is read ahead by one more pass and held the same way.

Documentation: https://docs.shopware.com/en/shopware-6-en/settings/system/importexport
(profiles, variants, the CSV settings) and
https://docs.shopware.com/en/shopware-6-en/catalogues/products (weight in kg, dimensions
in mm, list prices, variants' inheritance).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from schemas.characters import remove_invisible
from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from transforms.catalog.files import (
    CatalogFileError,
    check_header,
    codec_for,
    csv_records,
    open_text,
    side_file_problem,
)
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
    from collections.abc import Callable, Iterator, Mapping

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.values import DecimalMark

DELIMITER = ";"
DEFAULT_TAX_NAMES = {"Standard rate": "standard"}
"""The tax Shopware installs for the standard rate; its "Reduced rate" names a rate, not
goods (food or books), so ``[catalog] tax_classes`` says which."""

_ROLES: dict[str, str] = {
    # the "Default product" profile's column names
    "id": "id",
    "parent_id": "parent_id",
    "product_number": "sku",
    "active": "active",
    "stock": "stock",
    "name": "name",
    "description": "description",
    "price_gross": "price",
    "tax_name": "tax_name",
    "cover_media_url": "cover",
    "manufacturer_name": "brand",
    "categories": "categories",
    # fields merchants add, as Shopware's own fixtures name them
    "list_price_gross": "list_price",
    "ean": "gtin",
    "manufacturer_number": "mpn",
    "weight": "weight",
    "width": "width",
    "height": "height",
    "length": "length",
    "media": "media",
    "category_paths": "category_paths",
    "is_closeout": "closeout",
    # Shopware's own keys, for a profile whose column names repeat them
    "parentId": "parent_id",
    "productNumber": "sku",
    "translations.DEFAULT.name": "name",
    "translations.DEFAULT.description": "description",
    "price.DEFAULT.gross": "price",
    "price.DEFAULT.listPrice.gross": "list_price",
    "tax.name": "tax_name",
    "cover.media.url": "cover",
    "manufacturer.translations.DEFAULT.name": "brand",
    "manufacturerNumber": "mpn",
    "isCloseout": "closeout",
}
"""Column name -> what it holds."""
_OPTION_COLUMNS = ("optionIds", "options")
_PROPERTY_COLUMNS = ("propertyIds", "properties")
_CURRENCY_PRICE = re.compile(
    r"^(?:price_gross_(?P<snake>[a-z]{3})|price\.(?P<key>[A-Z]{3})\.gross)$", re.IGNORECASE
)
_CURRENCY_LIST_PRICE = re.compile(
    r"^(?:list_price_gross_(?P<snake>[a-z]{3})|price\.(?P<key>[A-Z]{3})\.listPrice\.gross)$",
    re.IGNORECASE,
)
_TRANSLATION = re.compile(r"^translations\.(?P<code>[^.]+)\.(?P<field>name|description)$")
_LOCALE = re.compile(r"^(?P<lang>[a-z]{2,3})[-_](?P<region>[A-Z]{2})$")

_NOT_INHERITED = frozenset({"id", "parent_id", "sku", "stock", "gtin", "mpn"})
"""Roles a variant never takes from its parent: identity, stock, identifiers."""
_CONSUMED = frozenset(
    {
        "id",
        "parent_id",
        "sku",
        "active",
        "stock",
        "name",
        "description",
        "price",
        "list_price",
        "tax_name",
        "cover",
        "brand",
        "categories",
        "category_paths",
        "gtin",
        "mpn",
        "weight",
        "width",
        "height",
        "length",
        "media",
        "closeout",
    }
)
"""Roles mapped onto a `Product` field, not kept as attributes."""


def _block(column: str) -> str:
    """The group of columns a variant inherits as a whole (Shopware inherits the price,
    the tax, the cover and the manufacturer as one value each)."""
    name = column.lower()
    if name.startswith(("price", "list_price")):
        return "price"
    for prefix, block in (
        ("purchase_prices", "purchase_prices"),
        ("purchaseprices", "purchase_prices"),
        ("tax", "tax"),
        ("cover", "cover"),
    ):
        if name.startswith(prefix):
            return block
    if name.startswith("manufacturer") and "number" not in name:
        return "manufacturer"
    return column


@dataclass(slots=True)
class _Columns:
    """What each column of one file's header holds."""

    role: dict[str, str] = field(default_factory=dict)
    """Role -> column."""
    prices: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(currency, price column, list price column) of the prices in named currencies."""
    texts: list[tuple[str, str, str]] = field(default_factory=list)
    """(column, ``name`` or ``description``, language code) of ``translations.<code>.*``."""
    options: str | None = None
    properties: str | None = None
    block: dict[str, str] = field(default_factory=dict)
    """Inheritable column -> its inheritance block."""
    plain: list[str] = field(default_factory=list)
    """Columns kept as attributes under their own names."""

    @classmethod
    def of(cls, header: list[str]) -> _Columns:
        columns = cls()
        list_prices: dict[str, str] = {}
        consumed: set[str] = {""}  # a trailing ";" gives a column without a name
        for column in header:
            role = _ROLES.get(column)
            if role is not None and role not in columns.role:
                columns.role[role] = column
                if role in _CONSUMED:
                    consumed.add(column)
            if role is None or role not in _NOT_INHERITED:
                columns.block[column] = _block(column)
            if column in _OPTION_COLUMNS and columns.options is None:
                columns.options = column
            if column in _PROPERTY_COLUMNS and columns.properties is None:
                columns.properties = column
            if (price := _CURRENCY_PRICE.match(column)) is not None:
                currency = (price["snake"] or price["key"]).upper()
                columns.prices.append((currency, column, None))
                consumed.add(column)
            elif (listed := _CURRENCY_LIST_PRICE.match(column)) is not None:
                list_prices[(listed["snake"] or listed["key"]).upper()] = column
                consumed.add(column)
            elif (text := _TRANSLATION.match(column)) is not None and text["code"] != "DEFAULT":
                columns.texts.append((column, text["field"], text["code"]))
                consumed.add(column)
        columns.prices = [(cur, col, list_prices.get(cur)) for cur, col, _ in columns.prices]
        if columns.options is not None:  # a variant's options are its own
            columns.block.pop(columns.options, None)
        columns.block.pop("", None)
        columns.plain = [c for c in header if c not in consumed]
        return columns


@dataclass(slots=True)
class _Parent:
    """What a parent's variants need of it: its product number and inheritable values."""

    sku: str
    values: dict[str, str]
    clean: bool


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


def read_property_options(
    path: Path, encoding: str = "utf-8"
) -> tuple[dict[str, tuple[str, str]], list[Finding]]:
    """Load Shopware's "Default properties" export as ``{option id: (group name, option
    name)}``, and warnings about rows that cannot be used (their options stay ids).

    Raises:
        CatalogFileError: when the file is empty or has no ``id`` or no group name column.
    """
    header = _header(path, encoding)
    if "group_name" not in header and "group.translations.DEFAULT.name" not in header:
        raise CatalogFileError(
            f"{path.name} ([catalog] attribute_options_path) is not Shopware's 'Default "
            f"properties' export: no group_name column in its header {header[:12]}"
        )
    options: dict[str, tuple[str, str]] = {}
    problems: list[Finding] = []
    for record in csv_records(path, delimiter=DELIMITER, encoding=encoding, sku_column="id"):
        if not isinstance(record, tuple):
            problems.append(side_file_problem(record, path, "its options stay ids in the products"))
            continue
        row = record[1]
        group = row.get("group_name") or row.get("group.translations.DEFAULT.name") or ""
        name = row.get("name") or row.get("translations.DEFAULT.name") or ""
        options[row["id"].strip()] = (
            remove_invisible(group.strip())[0],
            remove_invisible(name.strip())[0],
        )
    return options, problems


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
    header = _header(path, source.encoding)
    columns = _Columns.of(header)
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
    last_variant, parents = _families(path, source.encoding, header, columns, records)
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
                parents[ident] = _parent(row, clean, columns)
            continue
        context = RowContext(number, row[sku_column].strip() or None, decimal_mark)
        parent: _Parent | None = None
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
                row = _inherit(row, parent.values, columns)
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


def _header(path: Path, encoding: str) -> list[str]:
    """The header row, as `csv_records` reads it."""
    with open_text(path, encoding) as stream:
        try:
            header = next(csv.reader(stream, delimiter=DELIMITER), None)
        except csv.Error as exc:
            raise CatalogFileError(f"{path.name}: the header row is not CSV: {exc}") from None
    if header is None:
        raise CatalogFileError(f"{path.name} is empty: no header row")
    return header


def _currency(path: Path, source: CatalogSource, columns: _Columns) -> str | None:
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


def _families(
    path: Path,
    encoding: str,
    header: list[str],
    columns: _Columns,
    records: Callable[[], Iterator[tuple[int, dict[str, str], bool] | Finding]],
) -> tuple[dict[str, int], dict[str, _Parent]]:
    """Which ids are parents of variants in the file, with their last variant's row
    number (counted as `csv_records` counts them); and the parents written after one of
    their variants, read ahead."""
    if "parent_id" not in columns.role or "id" not in columns.role:
        return {}, {}
    id_index = header.index(columns.role["id"])
    parent_index = header.index(columns.role["parent_id"])
    width = len(header)
    last_variant: dict[str, int] = {}
    late: set[str] = set()
    # Only two cells are needed: the csv module alone, at twice `csv_records`' pace.
    with open_text(path, encoding) as stream:
        rows = csv.reader(stream, delimiter=DELIMITER)
        next(rows, None)
        number = 0
        while True:
            number += 1
            try:
                values = next(rows)
            except StopIteration:
                break
            except csv.Error:
                continue
            if len(values) != width:
                if not values or values == [""]:
                    number -= 1  # a blank line is not a row
                continue
            if parent_id := values[parent_index].strip():
                last_variant[parent_id] = number
            elif (ident := values[id_index].strip()) in last_variant:
                late.add(ident)
    parents: dict[str, _Parent] = {}
    if late:
        for record in records():
            if (
                isinstance(record, tuple)
                and (ident := record[1][columns.role["id"]].strip()) in late
            ):
                parents.setdefault(ident, _parent(record[1], record[2], columns))
    return last_variant, parents


def _parent(row: Mapping[str, str], clean: bool, columns: _Columns) -> _Parent:
    sku_column = columns.role.get("sku")
    return _Parent(
        sku=row[sku_column].strip() if sku_column else "",
        values={c: v for c, v in row.items() if v and c in columns.block},
        clean=clean,
    )


def _inherit(
    row: dict[str, str], inherited: Mapping[str, str], columns: _Columns
) -> dict[str, str]:
    """The variant's row with what it leaves empty taken from its parent; a block
    (price, tax, cover, manufacturer) the variant sets any part of is its own."""
    block = columns.block
    own = {block[c] for c, v in row.items() if v and c in block}
    if not own:  # the usual variant: its own cells are its identity, stock and options
        return {**row, **inherited}
    merged = dict(row)
    for column, value in inherited.items():
        if not row[column] and block[column] not in own:
            merged[column] = value
    return merged


def _product(
    row: Mapping[str, str], columns: _Columns, reading: _Reading, context: RowContext
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
        for group, names in _named(row[columns.properties], reading.options).items():
            attributes[group] = ", ".join(names)
    if "condition" in attributes:
        take_condition(product, context)
    return product


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


def _named(ids: str, options: Mapping[str, tuple[str, str]]) -> dict[str, list[str]]:
    """Option ids (``a|b``) as {group name: option names}, ids not in ``options`` left out."""
    named: dict[str, list[str]] = {}
    for option_id in ids.split("|"):
        known = options.get(option_id.strip())
        if known is not None and known[0] and known[1]:
            named.setdefault(known[0], []).append(known[1])
    return named


def _axes(
    product: Product,
    row: Mapping[str, str],
    columns: _Columns,
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
