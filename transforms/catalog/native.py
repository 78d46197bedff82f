"""Readers for the project's own catalog formats and for a PostgreSQL table.

**CSV** (comma-separated, UTF-8, RFC 4180 quoting, one header row). Columns:

==========================  ==================================================
``sku``                     required
``gtin`` ``brand`` ``mpn``  identifiers
``tax_class``               standard, food, basic_food, books (or reduced, super_reduced, zero)
``availability``            in_stock, out_of_stock, preorder, backorder
``enabled``                 1/0 (empty means enabled)
``categories``              category codes separated by ``|``
``image_links``             absolute URLs separated by spaces, main image first
``weight`` ``length`` ...   a number and a unit: ``1.5 kg``, ``30 cm``, ``0,75 l``
``price_<CUR>``             one column per currency: ``price_EUR`` = ``19.99``
``sale_price_<CUR>``        a sale price per currency (``sale_price_EUR`` = ``14.99``)
``sale_price_start``        the sale's first day or moment (ISO 8601: ``2026-11-27`` or
                            ``2026-11-27T08:00:00+01:00``; without an offset in
                            ``[catalog] time_zone``); empty: on already
``sale_price_end``          its last day or moment (a date lasts to its end); empty: open
``title_<locale>``          ``title_de_DE``; ``title`` alone for every locale
``description_<locale>``    may contain HTML
``bullet_points_<locale>``  one selling point per line
``attr_<name>``             any other attribute (``attr_color``, ``attr_condition``); EU
                            product law's among them (`schemas.product`):
                            ``attr_manufacturer_id``, ``attr_responsible_person_id``,
                            ``attr_importer_id`` (ids of ``[operators]``),
                            ``attr_safety_warning_<locale>``, ``attr_safety_pictograms``,
                            ``attr_instructions_url``, ``attr_safety_data_sheet_url``,
                            ``attr_declaration_of_conformity_url``, ``attr_energy_class``,
                            ``attr_eprel_registration_number``
``group`` (or ``parent``)   the product this one is a variant of (one value per group)
``varies_by``               what the group's variants differ in: ``size|color``
==========================  ==================================================

Column names are matched case-insensitively, so a PostgreSQL table or query with
the same (folded to lower case) column names reads the same way.

**JSON Lines**: one object per line in the form of `schemas.product.product_to_json`
(the same form as the pipeline's staged snapshots); sale prices as ``"sale_prices":
{"EUR": {"amount": "14.99", "start": "2026-11-27", "end": null}}``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from schemas.product import ANY_LOCALE, SAFETY_WARNING, Money, Product
from transforms.catalog.files import csv_records, text_lines, undecodable
from transforms.catalog.values import (
    SALE_END,
    SALE_PRICE,
    SALE_START,
    RowContext,
    clean_texts,
    parse_amount,
    parse_availability,
    parse_currency,
    parse_enabled,
    parse_quantity_text,
    parse_tax_class,
    take_condition,
    take_sale_prices,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from pathlib import Path

    from schemas.findings import Finding
    from transforms.catalog.values import DecimalMark

_LOCALIZED = re.compile(
    r"^(?P<attr>title|description|bullet_points)(?:_(?P<lang>[a-z]{2,3})_(?P<region>[a-z]{2}))?$",
    re.IGNORECASE,
)
_PRICE = re.compile(r"^price_(?P<currency>[a-z]{3})$", re.IGNORECASE)
_SALE_PRICE = re.compile(rf"^{SALE_PRICE}_(?P<currency>[a-z]{{3}})$", re.IGNORECASE)
_SAFETY_WARNING = re.compile(
    rf"^{SAFETY_WARNING}[_-](?P<lang>[a-z]{{2,3}})_(?P<region>[a-z]{{2}})$", re.IGNORECASE
)
"""A warning's column after ``attr_``: ``safety_warning_de_DE`` (or ``-de_DE``)."""
_QUANTITY_COLUMNS = ("weight", "length", "width", "height", "volume", "net_content")


def parse_native_row(
    row: Mapping[str, Any], context: RowContext, *, clean: bool = False
) -> Product | None:
    """Build a product from one row of the project's CSV columns (or a database row).

    ``clean``: the caller checked that no value holds an invisible character.
    """
    values = {
        key.lower(): ("" if value is None else str(value)) for key, value in row.items() if key
    }
    sku = values.get("sku", "").strip()
    if not sku:
        context.reject("sku", "missing_sku", "the row has no sku")
        return None
    context.sku = sku
    product = Product(sku=sku)
    product.gtin = values.get("gtin", "").strip() or None
    product.brand = values.get("brand", "").strip() or None
    product.mpn = values.get("mpn", "").strip() or None
    if values.get("tax_class"):
        tax_class = context.take("tax_class", parse_tax_class, values["tax_class"])
        if tax_class is not None:
            product.tax_class = tax_class  # type: ignore[assignment]
    if values.get("availability"):
        availability = context.take("availability", parse_availability, values["availability"])
        if availability is not None:
            product.availability = availability  # type: ignore[assignment]
    enabled = context.take("enabled", parse_enabled, values.get("enabled", ""))
    product.enabled = True if enabled is None else enabled
    product.categories = [c.strip() for c in values.get("categories", "").split("|") if c.strip()]
    product.image_links = values.get("image_links", "").split()
    for name in _QUANTITY_COLUMNS:
        if values.get(name, "").strip():
            setattr(product, name, context.number(name, parse_quantity_text, values[name]))
    sales: dict[str, tuple[str, str]] = {}
    for column, raw in values.items():
        if not raw or column in (SALE_START, SALE_END):
            continue
        sale = _SALE_PRICE.match(column)
        if sale:
            sales[sale["currency"].upper()] = (f"{SALE_PRICE}_{sale['currency'].upper()}", raw)
            continue
        price = _PRICE.match(column)
        if price:
            currency = price["currency"].upper()
            amount = context.number(f"price_{currency}", parse_amount, raw)
            if amount is not None:
                product.prices[currency] = Money(amount, currency)
            continue
        localized = _LOCALIZED.match(column)
        if localized:
            locale = (
                f"{localized['lang'].lower()}_{localized['region'].upper()}"
                if localized["lang"]
                else ANY_LOCALE
            )
            attr = localized["attr"].lower()
            text = raw.strip()
            if attr == "title":
                product.title[locale] = text
            elif attr == "description":
                product.description[locale] = text
            else:
                product.bullet_points[locale] = [
                    ln.strip() for ln in text.splitlines() if ln.strip()
                ]
            continue
        if column.startswith("attr_"):
            name = column[5:]
            warning = _SAFETY_WARNING.match(name)
            if warning:
                # One key form for every reader: safety_warning-de_DE (column names
                # arrive folded to lower case).
                name = f"{SAFETY_WARNING}-{warning['lang'].lower()}_{warning['region'].upper()}"
            product.attributes[name] = raw.strip()
    group = (values.get("group") or values.get("parent") or "").strip()
    if group:
        product.group = group
        product.varies_by = [
            axis.strip() for axis in re.split(r"[|,]", values.get("varies_by", "")) if axis.strip()
        ]
    take_sale_prices(product, context, sales, values.get(SALE_START, ""), values.get(SALE_END, ""))
    take_condition(product, context)
    return product if clean or clean_texts(product, context) else None


def read_native_csv(
    path: Path, *, encoding: str = "utf-8", decimal_mark: DecimalMark | None = None
) -> Iterator[Product | Finding]:
    """Stream products from the project's CSV format (see the module docstring).

    Args:
        encoding: The file's encoding (a UTF-8 byte-order mark always wins).
        decimal_mark: ``"."`` or ``","`` when the catalog says which it uses; without
            it a number like ``1,250`` is ambiguous and holds its product back.

    Raises:
        CatalogFileError: when the file is empty or its header has no ``sku`` column.
    """
    for record in csv_records(path, delimiter=",", encoding=encoding, fold=True):
        if isinstance(record, tuple):
            number, row, clean = record
            yield from _read_row(row, number, decimal_mark, clean=clean)
        else:
            yield record


def read_rows(
    rows: Iterable[Mapping[str, Any]], *, decimal_mark: DecimalMark | None = None
) -> Iterator[Product | Finding]:
    """Turn mappings with the CSV format's columns into products and findings."""
    for number, row in enumerate(rows, start=1):
        yield from _read_row(row, number, decimal_mark)


def _read_row(
    row: Mapping[str, Any], number: int, decimal_mark: DecimalMark | None, *, clean: bool = False
) -> Iterator[Product | Finding]:
    context = RowContext(number, None, decimal_mark)
    product = parse_native_row(row, context, clean=clean)
    yield from context.findings
    if product is not None:
        yield product


def read_jsonl(
    path: Path, *, encoding: str = "utf-8", decimal_mark: DecimalMark | None = None
) -> Iterator[Product | Finding]:
    """Stream products from JSON Lines in the `product_to_json` form.

    A line whose bytes do not decode is reported (``invalid_encoding``, with its sku
    when the rest of the line is readable) and skipped.
    """
    for number, line, raw in text_lines(path, encoding):
        if not raw.strip():
            continue
        context = RowContext(number, None, decimal_mark)
        if line is None:
            context.sku = _sku_of_undecodable(raw)
            context.reject(
                "(row)",
                "invalid_encoding",
                f"the line holds bytes that are not valid {encoding}",
                raw.decode(encoding, "backslashreplace"),
            )
            yield from context.findings
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            context.reject("(row)", "invalid_json", f"line is not JSON: {exc.msg}", line)
            yield from context.findings
            continue
        except RecursionError:
            context.reject("(row)", "invalid_json", "line nests too deeply to be a product", line)
            yield from context.findings
            continue
        product = _checked_json_product(data, context)
        yield from context.findings
        if product is not None:
            yield product


def _sku_of_undecodable(raw: bytes) -> str | None:
    """The sku of a JSON line with bad bytes elsewhere, when the sku itself is clean."""
    try:
        data = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):
        return None
    sku = data.get("sku") if isinstance(data, dict) else None
    if isinstance(sku, str) and sku.strip() and not undecodable(sku):
        return sku.strip()
    return None


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise TypeError(f"{key} is a {type(value).__name__}, not an object")
    return value


def _texts(data: dict[str, Any], key: str) -> dict[str, str]:
    texts = _mapping(data, key)
    if not all(isinstance(v, str) for v in texts.values()):
        raise TypeError(f"{key} holds a value that is not text")
    return dict(texts)


def _strings(value: Any, key: str) -> list[str]:
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key} is not a list of texts")
    return list(value)


def _checked_json_product(data: Any, context: RowContext) -> Product | None:
    if not isinstance(data, dict) or not isinstance(data.get("sku"), str | int):
        context.reject("sku", "missing_sku", "the object has no sku")
        return None
    if not str(data["sku"]).strip():
        context.reject("sku", "missing_sku", "the object has no sku")
        return None
    context.sku = str(data["sku"]).strip()
    try:
        product = Product(sku=context.sku)
        # JSON may carry a GTIN as a number; identifiers are text from here on.
        product.gtin, product.brand, product.mpn = (
            None if data.get(key) in (None, "") else str(data[key]).strip()
            for key in ("gtin", "brand", "mpn")
        )
        product.title = _texts(data, "title")
        product.description = _texts(data, "description")
        product.bullet_points = {
            locale: _strings(points, f"bullet_points.{locale}")
            for locale, points in _mapping(data, "bullet_points").items()
        }
        product.categories = _strings(data.get("categories"), "categories")
        product.image_links = _strings(data.get("image_links"), "image_links")
        product.attributes = {str(k): str(v) for k, v in _mapping(data, "attributes").items()}
        product.enabled = bool(data.get("enabled", True))
        prices = _mapping(data, "prices")
        sale_prices = _mapping(data, "sale_prices")
    except (TypeError, ValueError, AttributeError) as exc:
        context.reject("(row)", "wrong_shape", f"the object does not have the product shape: {exc}")
        return None
    for currency, amount in prices.items():
        code = context.take("prices", parse_currency, str(currency))
        value = context.number(f"prices.{currency}", parse_amount, str(amount))
        if code is not None and value is not None:
            product.prices[code] = Money(value, code)
    if data.get("tax_class"):
        tax_class = context.take("tax_class", parse_tax_class, str(data["tax_class"]))
        if tax_class is not None:
            product.tax_class = tax_class  # type: ignore[assignment]
    if data.get("availability"):
        availability = context.take("availability", parse_availability, str(data["availability"]))
        if availability is not None:
            product.availability = availability  # type: ignore[assignment]
    for name in _QUANTITY_COLUMNS:
        quantity = data.get(name)
        if not quantity:
            continue
        try:
            text = f"{quantity['value']} {quantity['unit']}"
        except (TypeError, KeyError):
            text = str(quantity)
        setattr(product, name, context.number(name, parse_quantity_text, text))
    _json_sales(product, context, sale_prices)
    return product if clean_texts(product, context) else None


def _json_sales(product: Product, context: RowContext, sale_prices: dict[str, Any]) -> None:
    """The ``sale_prices`` of a JSON product, checked as the CSV's (`take_sale_prices`); the
    period is the first currency's (a catalog has one sale period per product)."""
    amounts: dict[str, tuple[str, str]] = {}
    period: tuple[str, str] | None = None
    for currency, sale in sale_prices.items():
        if not isinstance(sale, dict) or "amount" not in sale:
            context.warn(
                f"sale_prices.{currency}",
                "wrong_shape",
                "a sale price is an object with amount, start and end; it was ignored",
            )
            continue
        amounts[str(currency).upper()] = (f"sale_prices.{currency}", str(sale["amount"]))
        if period is None:
            period = (str(sale.get("start") or ""), str(sale.get("end") or ""))
    if period is not None:
        take_sale_prices(product, context, amounts, *period)


def read_postgres(
    conninfo: str, query: str, *, batch_size: int = 2000, decimal_mark: DecimalMark | None = None
) -> Iterator[Product | Finding]:
    """Stream products from a PostgreSQL query whose columns follow the CSV format.

    A server-side cursor fetches ``batch_size`` rows at a time, so memory stays
    flat whatever the table's size.
    """
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(conninfo) as connection, connection.transaction():
        with connection.cursor(name="grenzenlos_catalog", row_factory=dict_row) as cursor:
            cursor.itersize = batch_size
            cursor.execute(query)
            yield from read_rows(cursor, decimal_mark=decimal_mark)
