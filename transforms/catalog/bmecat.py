"""Reader for BMEcat catalogs, the German B2B catalog standard (https://www.bmecat.org),
in its 2005 form (``PRODUCT``, ``SUPPLIER_PID``, ``PRODUCT_DETAILS`` ...) and its 1.2 form
(``ARTICLE``, ``SUPPLIER_AID``, ``ARTICLE_DETAILS`` ...), with or without a namespace.

The document is streamed with lxml's ``iterparse``: one product element at a time,
cleared once read, so memory stays flat at any size (`catalog_bmecat_frame` reads the
header and the group systems first, and the product -> group mappings that follow the
products). External entities, the network and DTDs are never loaded. What maps onto
`Product`:

- ``SUPPLIER_AID`` / ``SUPPLIER_PID`` -> ``sku``; ``mode="delete"`` (an update
  withdrawing the product) -> ``enabled`` False.
- ``DESCRIPTION_SHORT`` -> title, ``DESCRIPTION_LONG`` -> description, per ``lang``
  (ISO 639-2: ``deu``) through ``[catalog] locales``; a text without ``lang`` or in the
  header's default ``LANGUAGE`` goes to that language's mapped locale, else to
  ``[catalog] locale``, else to every locale (`ANY_LOCALE`). A language with no mapping
  is reported once (``language_unmapped``) and its texts are not read.
- ``INTERNATIONAL_PID type="gtin"`` (or ``ean``), else ``EAN`` -> ``gtin``;
  ``MANUFACTURER_NAME`` -> ``brand``; ``MANUFACTURER_AID`` / ``_PID`` -> ``mpn``;
  ``PRODUCT_STATUS`` / ``ARTICLE_STATUS type="used"`` or ``"refurbished"`` -> condition.
- Prices (``*_PRICE_DETAILS``): one price type is chosen per product, the first present
  of ``gros_list`` (gross list price), ``nrp`` (recommended retail price, gross),
  ``net_list``, ``net_customer``, else the first in the file; it is kept in
  ``attributes["price_type"]`` so a merchant sees whether the prices are gross or net
  (``[pricing.catalog_prices]`` says which the pipeline assumes). Of that type, per
  currency (``PRICE_CURRENCY``, else the header's ``CURRENCY``, else ``[catalog]
  currency``), the price for the lowest ``LOWER_BOUND`` (quantity scale) of the block
  without ``valid_start_date`` / ``valid_end_date`` (else of the first block) is the price,
  multiplied by its ``PRICE_FACTOR``. Another, dated block whose price is lower is a
  sale: ``sale_prices`` with those dates. A dated block whose price is not lower (a
  price list that starts later) is not read.
- ``TAX`` (a fraction, ``0.19``; files of BMEcat 1.01 write ``16``) -> ``tax_class``
  through ``[catalog] tax_classes`` keyed by the rate in percent (``"19" = "standard"``,
  ``"7" = "food"``); an unmapped rate is reported once and read as standard.
- ``MIME_INFO``: images (``MIME_TYPE image/*``, or an image file name) with the purpose
  ``normal`` first, then none, ``detail``, ``others``, ``thumbnail``; a relative
  ``MIME_SOURCE`` is prefixed with the header's ``MIME_ROOT``. Data sheets, logos and
  other documents are not images.
- ``*_FEATURES/FEATURE``: ``FNAME`` (or the ``FT_NAME`` of its ``FTEMPLATE``; a nameless
  ``-`` takes its features block's ``REFERENCE_FEATURE_GROUP_NAME``) -> an attribute of
  that name with ``FVALUE`` (several joined by ", ") and ``FUNIT``. A feature named like a
  weight (``Gewicht``, ``weight``, ``GrossWeight``) with a weight unit (UN/ECE
  Recommendation 20 codes ``KGM``, ``GRM``, ``LBR`` ... or a symbol) -> ``weight`` when the
  logistic details give none; a gross weight wins over a net one.
  ``REFERENCE_FEATURE_SYSTEM_NAME`` / ``_GROUP_ID`` -> an attribute (``ECLASS-5.1`` =
  ``19010203``), or categories when the file defines that classification system.
- ``VARIANTS`` in a feature: the product is a group, not a product; every combination
  of its variant features' values is a product whose sku is the product's id followed by
  the ``SUPPLIER_AID_SUPPLEMENT`` of each value (in ``VORDER`` order), with ``group`` =
  the product's id and ``varies_by`` = the features' names. An empty value means "any":
  that variant does not vary by that feature.
- ``*_ORDER_DETAILS``: ``CONTENT_UNIT`` that is a measure (``LTR``, ``KGM``, ``MTR`` ...)
  with ``NO_CU_PER_OU`` (default 1) -> ``net_content``; every value also as an attribute.
- ``PRODUCT_LOGISTIC_DETAILS``: ``WEIGHT`` (kg), ``LENGTH``, ``WIDTH``, ``DEPTH`` (m; depth
  as height) by the 2005 specification's units; ``COUNTRY_OF_ORIGIN`` ->
  ``attributes["country_of_origin"]``.
- Categories: the names of the product's catalog groups (``*_TO_CATALOGGROUP_MAP``) and
  their parents, most specific first; read only when the file has a
  ``CATALOG_GROUP_SYSTEM`` to name them.
- Every other value of the details, order details, logistic details and
  ``USER_DEFINED_EXTENSIONS`` (``KEYWORD``, ``REMARKS``, ``DELIVERY_TIME``, ``UDX.*``) ->
  ``attributes`` under its element name (``.<type>`` appended when it has a ``type``),
  when in the default language and at most `MAX_ATTRIBUTE_CHARS` long.

Numbers are XML Schema decimals (``17.779`` is seventeen), as BMEcat's XSD types them;
a number written with a comma (BMEcat 1.01 files: ``17,23``) is read with the rules of
`parse_decimal` unless ``[catalog] decimal_mark`` says which mark the file uses.

An XML error inside a product (a bad byte, a broken tag) sets that product aside with
a finding naming its line (``invalid_encoding``, ``malformed_xml``); lxml recovers and
the products after it are read. Findings name the line a product starts on as their row.
"""

from __future__ import annotations

import itertools
import math
import mimetypes
import re
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from schemas.characters import describe_invisible, has_invisible, remove_invisible
from schemas.product import ANY_LOCALE, Money, Product, Quantity, SalePrice
from transforms.catalog.bmecat_frame import (
    LOCAL_NAMES,
    MAP_TAGS,
    PRODUCT_TAGS,
    TRANSACTIONS,
    GroupMap,
    element_text,
    parse_options,
    read_frame,
)
from transforms.catalog.values import (
    RowContext,
    ValueProblem,
    clean_text,
    clean_texts,
    parse_currency,
    parse_decimal,
    parse_shop_tax_class,
    parse_unit,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.bmecat_frame import Frame

REC20_UNITS: dict[str, str] = {
    "KGM": "kg",
    "GRM": "g",
    "MGM": "mg",
    "LBR": "lb",
    "ONZ": "oz",
    "MTR": "m",
    "CMT": "cm",
    "MMT": "mm",
    "INH": "in",
    "FOT": "ft",
    "LTR": "l",
    "MLT": "ml",
    "CLT": "cl",
    "MTK": "m2",
}
"""UN/ECE Recommendation 20 unit codes (BMEcat's ``FUNIT``, ``CONTENT_UNIT``) -> the model's
unit symbols (https://unece.org/trade/uncefact/cl-recommendations)."""
PRICE_TYPES = ("gros_list", "nrp", "net_list", "net_customer")
"""``price_type`` values in the order a price for consumers is looked for."""
IMAGE_PURPOSES = {"normal": 0, "": 1, "detail": 2, "others": 3, "thumbnail": 4}
"""``MIME_PURPOSE`` values that may be a product picture, main image first."""
MAX_ATTRIBUTE_CHARS = 1000
"""Longer values (a remark that is a whole text) are not kept as attributes."""
MAX_VARIANTS = 1000
"""Most variants one product's ``VARIANTS`` may multiply out to."""
_WEIGHT_NAMES = ("gewicht", "weight")
_GROSS_NAMES = ("brutto", "gross")
_GTIN_TYPES = frozenset({"gtin", "ean", "gtin8", "gtin12", "gtin13", "gtin14", "ean13", "upc"})
_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
_PLAIN_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_SKU_TAGS = ("SUPPLIER_AID", "SUPPLIER_PID")
_SUPPLEMENT_TAGS = ("SUPPLIER_AID_SUPPLEMENT", "SUPPLIER_PID_SUPPLEMENT")
_XML_ENCODING_ERRORS = frozenset({"ERR_INVALID_ENCODING", "ERR_INVALID_CHAR"})


def read_bmecat(path: Path, source: CatalogSource) -> Iterator[Product | Finding]:
    """Stream the products of a BMEcat document, and findings about what cannot be used.

    Raises:
        CatalogFileError: when the file is not XML, not BMEcat, a price update
            (``T_UPDATE_PRICES``), or broken before its first product.
    """
    frame, first_line = read_frame(path, source.encoding)
    if first_line is None:
        return
    reader = _Reader(source, frame)
    # Only a group system gives the mappings names; without one they are not read.
    with GroupMap(path, source.encoding) if frame.groups else nullcontext() as groups:
        reader.groups = groups
        yield from reader.read(path)


@dataclass(slots=True)
class _Price:
    kind: str
    amount: Decimal
    currency: str
    lower_bound: Decimal
    tax: str | None


@dataclass(slots=True)
class _PriceBlock:
    start: str | None = None
    end: str | None = None
    offers: list[tuple[str, Any]] = field(default_factory=list)
    """(``price_type``, price element) of each price that has an amount; only the chosen
    type's are parsed."""


@dataclass(slots=True)
class _Axis:
    name: str
    order: int
    options: list[tuple[str, str]]
    """(value, sku supplement) per variant."""


@dataclass(slots=True)
class _Parsed:
    """One product element read: the product and what it still needs."""

    product: Product
    axes: list[_Axis] = field(default_factory=list)
    blocks: list[_PriceBlock] = field(default_factory=list)
    weights: list[tuple[str, str, str]] = field(default_factory=list)
    """(feature name, value, unit) of the features that state a weight."""
    gtin: str | None = None
    ean: str | None = None


class _Reader:
    def __init__(self, source: CatalogSource, frame: Frame) -> None:
        self.source = source
        self.frame = frame
        self.mark = source.decimal_mark
        self.locales = {code.lower(): locale for code, locale in source.locales.items()}
        default = frame.default_language
        self.default_locale = (
            (self.locales.get(default) if default else None) or source.locale or ANY_LOCALE
        )
        self.groups: GroupMap | None = None
        self.unmapped_languages: set[str] = set()
        self.unmapped_rates: set[str] = set()
        self.tax_classes: dict[str, str] = {}
        self.currencies: dict[str, str] = {}
        """Currency codes as written -> as checked."""
        """``TAX`` as written -> the VAT class it was mapped to."""
        self.encoding = source.encoding

    # -- the document -------------------------------------------------------------

    def read(self, path: Path) -> Iterator[Product | Finding]:
        from lxml import etree

        events = etree.iterparse(
            str(path),
            events=("end",),
            # The group mappings after the products are cleared too, unread (`GroupMap`).
            tag=[f"{{*}}{tag}" for tag in (*PRODUCT_TAGS, *MAP_TAGS)],
            **parse_options(path, self.encoding),
        )
        errors: list[Any] = []
        seen = 0
        for _, element in events:
            if LOCAL_NAMES[element.tag] in MAP_TAGS:
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
                continue
            line = element.sourceline or 0
            last = _last_line(element)
            parent = element.getparent()
            # lxml's recovery may nest the products after a broken one inside it.
            on_top = parent is not None and LOCAL_NAMES[parent.tag] in TRANSACTIONS
            sku, items = self.product(element, line)
            log = events.error_log
            if len(log) > seen:
                errors.extend(e for e in list(log)[seen:] if e.level >= 2)
                seen = len(log)
            if errors:
                mine, before, later = [], [], []
                for error in errors:
                    if line <= error.line <= last:
                        mine.append(error)
                    elif error.line < line and on_top:
                        before.append(error)
                    else:
                        later.append(error)
                errors = later
                for error in before:
                    yield from _xml_error(error)
                if mine:
                    items = self._broken(mine[0], line, sku)
            yield from items
            element.clear()
            while on_top and element.getprevious() is not None:
                del parent[0]
        log = events.error_log
        errors.extend(e for e in list(log)[seen:] if e.level >= 2)
        for error in errors:
            yield from _xml_error(error)

    def _broken(self, error: Any, line: int, sku: str) -> list[Product | Finding]:
        """The finding that sets aside a product with an XML error in its lines."""
        readable = sku if sku and "\ufffd" not in sku else None
        context = RowContext(line, readable)
        if error.type_name in _XML_ENCODING_ERRORS:
            context.reject(
                "(xml)",
                "invalid_encoding",
                f"line {error.line} of the product holds bytes that are not valid in the "
                f"file's encoding ({error.message.strip()}); is the file in another "
                "encoding? ([catalog] encoding)",
            )
        else:
            context.reject(
                "(xml)",
                "malformed_xml",
                f"the product is not well-formed XML at line {error.line}: "
                f"{error.message.strip()}"
                + (
                    " (external entities are never read)"
                    if error.type_name == "ERR_UNDECLARED_ENTITY"
                    else ""
                ),
            )
        return list(context.findings)

    # -- one product element -------------------------------------------------------

    def product(self, element: Any, line: int) -> tuple[str, list[Product | Finding]]:
        """Read one ``ARTICLE`` / ``PRODUCT``: its sku and the products (several for a
        product with variants) and findings it gives."""
        sku = ""
        sku_tag = "SUPPLIER_PID" if LOCAL_NAMES[element.tag] == "PRODUCT" else "SUPPLIER_AID"
        for child in element:
            if LOCAL_NAMES[child.tag] in _SKU_TAGS:
                sku, sku_tag = element_text(child), LOCAL_NAMES[child.tag]
                break
        context = RowContext(line, sku or None, self.mark)
        if not sku:
            context.reject(sku_tag, "missing_sku", f"the product has no {sku_tag}")
            return sku, list(context.findings)
        parsed = _Parsed(Product(sku=sku))
        product = parsed.product
        if element.get("mode") == "delete":
            product.enabled = False
        for child in element:
            name = LOCAL_NAMES[child.tag]
            if name in ("ARTICLE_DETAILS", "PRODUCT_DETAILS"):
                self._details(child, parsed, context)
            elif name in ("ARTICLE_FEATURES", "PRODUCT_FEATURES"):
                self._features(child, parsed, context)
            elif name in ("ARTICLE_ORDER_DETAILS", "PRODUCT_ORDER_DETAILS"):
                self._order_details(child, product, context)
            elif name in ("ARTICLE_PRICE_DETAILS", "PRODUCT_PRICE_DETAILS"):
                parsed.blocks.append(self._price_block(child, context))
            elif name == "MIME_INFO":
                self._images(child, product)
            elif name in ("PRODUCT_LOGISTIC_DETAILS", "ARTICLE_LOGISTIC_DETAILS"):
                self._logistics(child, product, context)
            elif name == "USER_DEFINED_EXTENSIONS":
                self._leaves(child, product)
        product.gtin = parsed.gtin or parsed.ean
        self._prices(parsed.blocks, product, context)
        if product.weight is None and parsed.weights:
            self._feature_weight(parsed.weights, product, context)
        if self.groups is not None:
            mapped: list[str] = []
            for group in self.groups.groups(sku):
                mapped.extend(self.frame.group_path(group))
            if mapped:
                product.categories = list(dict.fromkeys([*mapped, *product.categories]))
        if has_invisible(_all_text(product)) and not clean_texts(product, context):
            return sku, list(context.findings)
        if parsed.axes:
            return sku, [*context.findings, *self._variants(product, parsed.axes, context)]
        return sku, [*context.findings, product]

    def _details(self, details: Any, parsed: _Parsed, context: RowContext) -> None:
        product = parsed.product
        for child in details:
            name = LOCAL_NAMES[child.tag]
            if not name:
                continue
            if name == "DESCRIPTION_SHORT":
                self._text(product.title, child, context)
            elif name == "DESCRIPTION_LONG":
                self._text(product.description, child, context)
            elif name == "EAN":
                parsed.ean = parsed.ean or element_text(child) or None
            elif name == "INTERNATIONAL_PID":
                kind = (child.get("type") or "").lower()
                if kind in _GTIN_TYPES and not parsed.gtin:
                    parsed.gtin = element_text(child) or None
                else:
                    _put(product, f"{name}.{kind}" if kind else name, element_text(child))
            elif name in ("MANUFACTURER_AID", "MANUFACTURER_PID"):
                product.mpn = product.mpn or element_text(child) or None
            elif name == "MANUFACTURER_NAME":
                product.brand = product.brand or element_text(child) or None
            elif len(child):
                self._leaves(child, product)
            elif self.frame.in_language(child):
                kind = child.get("type")
                if name in ("ARTICLE_STATUS", "PRODUCT_STATUS") and kind in ("used", "refurbished"):
                    product.condition = kind
                text = element_text(child) or (kind or "")
                _put(product, f"{name}.{kind}" if kind else name, text)

    def _text(self, texts: dict[str, str], element: Any, context: RowContext) -> None:
        text = element_text(element)
        if not text:
            return
        locale = self._locale(element, context)
        if locale is not None and locale not in texts:
            texts[locale] = text

    def _locale(self, element: Any, context: RowContext) -> str | None:
        lang = (element.get("lang") or "").strip()
        code = lang.lower()
        if not code or code == self.frame.default_language:
            return self.default_locale
        locale = self.locales.get(code)
        if locale is not None:
            return locale
        if _LOCALE.match(lang):
            return lang
        if code not in self.unmapped_languages:
            self.unmapped_languages.add(code)
            context.warn(
                LOCAL_NAMES[element.tag],
                "language_unmapped",
                f"texts in the language {lang!r} are not read: map it in [catalog] locales "
                f'({code} = "<locale>", as deu = "de_DE"); reported once for the file',
                lang,
            )
        return None

    def _features(self, block: Any, parsed: _Parsed, context: RowContext) -> None:
        product = parsed.product
        system = group_id = group_name = ""
        features: list[Any] = []
        for child in block:
            name = LOCAL_NAMES[child.tag]
            if name == "REFERENCE_FEATURE_SYSTEM_NAME":
                system = element_text(child)
            elif name == "REFERENCE_FEATURE_GROUP_ID":
                group_id = element_text(child)
            elif name == "REFERENCE_FEATURE_GROUP_NAME" and (
                not group_name or self.frame.in_language(child)
            ):
                group_name = element_text(child)
            elif name == "FEATURE":
                features.append(child)
            elif name == "FEATURE_GROUP":  # Weidmüller's ontology extension nests them
                features.extend(f for f in child if LOCAL_NAMES[f.tag] == "FEATURE")
        if system and group_id:
            if system in self.frame.classifications:
                product.categories.extend(self.frame.group_path(group_id, system))
            else:
                _put(product, system, group_id)
        for feature in features:
            self._feature(feature, group_name, parsed, context)

    def _feature(self, feature: Any, group_name: str, parsed: _Parsed, context: RowContext) -> None:
        in_language = self.frame.in_language
        name = unit = ""
        values: list[str] = []
        details: list[str] = []
        variants = None
        for child in feature:
            tag = LOCAL_NAMES[child.tag]
            if tag == "FNAME" and (not name or in_language(child)):
                name = element_text(child)
            elif tag == "FTEMPLATE" and not name:
                for part in child:
                    if LOCAL_NAMES[part.tag] == "FT_NAME" and in_language(part):
                        name = element_text(part)
            elif tag == "FVALUE" and in_language(child):
                values.append(element_text(child))
            elif tag == "FVALUE_DETAILS" and in_language(child):
                details.append(element_text(child))
            elif tag == "FUNIT":
                unit = element_text(child)
            elif tag == "VARIANTS":
                variants = child
        if name in ("", "-"):
            name = group_name
        if not name:
            return
        if variants is not None:
            parsed.axes.append(self._axis(name, variants))
            return
        values = [v for v in values if v] or [d for d in details if d]
        if not values:
            return
        value = ", ".join(values)
        _put(parsed.product, name, f"{value} {unit}" if unit else value)
        folded = name.casefold()
        if unit and len(values) == 1 and any(w in folded for w in _WEIGHT_NAMES):
            parsed.weights.append((name, values[0], unit))

    def _axis(self, name: str, variants: Any) -> _Axis:
        order = 0
        options: list[tuple[str, str]] = []
        for child in variants:
            tag = LOCAL_NAMES[child.tag]
            if tag == "VORDER":
                text = element_text(child)
                order = int(text) if text.isdigit() else 0
            elif tag == "VARIANT":
                value = supplement = ""
                for part in child:
                    part_tag = LOCAL_NAMES[part.tag]
                    if part_tag == "FVALUE" and not value and self.frame.in_language(part):
                        value = element_text(part)
                    elif part_tag in _SUPPLEMENT_TAGS:
                        supplement = element_text(part)
                options.append((value, supplement))
        return _Axis(name, order, options)

    def _feature_weight(
        self, weights: list[tuple[str, str, str]], product: Product, context: RowContext
    ) -> None:
        gross = [w for w in weights if any(g in w[0].casefold() for g in _GROSS_NAMES)]
        name, value, unit = (gross or weights)[0]
        product.weight = context.take(name, self._quantity, value, unit)

    def _order_details(self, block: Any, product: Product, context: RowContext) -> None:
        values: dict[str, str] = {}
        for child in block:
            name = LOCAL_NAMES[child.tag]
            text = element_text(child)
            if name and text:
                values[name] = text
                _put(product, name, text)
        unit = REC20_UNITS.get(values.get("CONTENT_UNIT", "").upper())
        if unit is not None:
            count = values.get("NO_CU_PER_OU", "1")
            product.net_content = context.take("NO_CU_PER_OU", self._quantity, count, unit)

    def _logistics(self, block: Any, product: Product, context: RowContext) -> None:
        dimensions = {"WEIGHT": ("weight", "kg"), "LENGTH": ("length", "m")}
        dimensions |= {"WIDTH": ("width", "m"), "DEPTH": ("height", "m")}
        for element in block.iter():
            if len(element):
                continue
            name = LOCAL_NAMES[element.tag]
            text = element_text(element)
            if not name or not text:
                continue
            if name in dimensions:
                attr, unit = dimensions[name]
                setattr(product, attr, context.take(name, self._quantity, text, unit))
            elif name == "COUNTRY_OF_ORIGIN":
                product.attributes.setdefault("country_of_origin", text)
            else:
                _put(product, name, text)

    def _leaves(self, element: Any, product: Product) -> None:
        for leaf in element.iter():
            if not len(leaf) and leaf is not element and self.frame.in_language(leaf):
                name = LOCAL_NAMES[leaf.tag]
                if name:
                    _put(product, name, element_text(leaf))

    def _images(self, mime_info: Any, product: Product) -> None:
        found: list[tuple[int, int, str]] = []
        for mime in mime_info:
            kind = source = purpose = ""
            for child in mime:
                tag = LOCAL_NAMES[child.tag]
                if tag == "MIME_TYPE":
                    kind = element_text(child).lower()
                elif tag == "MIME_SOURCE" and (not source or self.frame.in_language(child)):
                    source = element_text(child)
                elif tag == "MIME_PURPOSE":
                    purpose = element_text(child).lower()
            rank = IMAGE_PURPOSES.get(purpose)
            if not source or rank is None:
                continue
            kind = kind or mimetypes.guess_type(source)[0] or ""
            if kind.startswith("image/"):
                found.append((rank, len(found), self._link(source)))
        links = [link for _, _, link in sorted(found)]
        product.image_links = list(dict.fromkeys([*product.image_links, *links]))

    def _link(self, source: str) -> str:
        root = self.frame.mime_root
        if not root or source.startswith(("http://", "https://", "//")):
            return source
        return root.rstrip("/") + "/" + source.lstrip("/")

    # -- prices ---------------------------------------------------------------------

    def _price_block(self, block: Any, context: RowContext) -> _PriceBlock:
        parsed = _PriceBlock()
        for child in block:
            name = LOCAL_NAMES[child.tag]
            if name == "DATETIME":
                kind = child.get("type")
                if kind == "valid_start_date":
                    parsed.start = _datetime(child)
                elif kind == "valid_end_date":
                    parsed.end = _datetime(child)
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
        amount = context.take(field, self._amount, values["PRICE_AMOUNT"])
        if amount is None:
            return None
        if values.get("PRICE_FACTOR"):
            factor = context.take("PRICE_FACTOR", self._number, values["PRICE_FACTOR"])
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
            bound = context.take("LOWER_BOUND", self._number, values["LOWER_BOUND"]) or bound
        return _Price(kind, amount, currency, bound, values.get("TAX") or None)

    def _currency(self, code: str, context: RowContext) -> str | None:
        currency = context.take("PRICE_CURRENCY", parse_currency, code)
        if currency is not None and len(self.currencies) < 100:  # a catalog has a few
            self.currencies[code] = currency
        return currency

    def _prices(self, blocks: list[_PriceBlock], product: Product, context: RowContext) -> None:
        written = [(block, kind, element) for block in blocks for kind, element in block.offers]
        if not written:
            return
        kinds = {kind for _, kind, _ in written}
        kind = next((k for k in PRICE_TYPES if k in kinds), written[0][1])
        if kind:
            product.attributes["price_type"] = kind
        offers: list[tuple[_PriceBlock, _Price]] = []
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
            _put(product, "TAX", tax)
            self._tax_class(tax, product, context)

    def _tax_class(self, text: str, product: Product, context: RowContext) -> None:
        known = self.tax_classes.get(text)
        if known is not None:
            product.tax_class = known  # type: ignore[assignment]
            return
        rate = context.take("TAX", self._number, text)
        if rate is None:
            return
        percent = _plain(rate * 100 if rate <= 1 else rate)
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

    # -- values ---------------------------------------------------------------------

    def _number(self, text: str) -> Decimal:
        if self.mark is None and _PLAIN_DECIMAL.match(text):
            return Decimal(text)
        # BMEcat types numbers as XML Schema decimals: a dot is a decimal mark.
        mark = self.mark if self.mark is not None or "," in text else "."
        return parse_decimal(text, mark)

    def _amount(self, text: str) -> Decimal:
        amount = self._number(text)
        if amount < 0:
            raise ValueProblem("negative_price", f"price {text!r} is negative")
        return amount

    def _quantity(self, text: str, unit: str) -> Quantity:
        number = self._number(text)
        if number < 0:
            raise ValueProblem("negative_quantity", f"{text!r} is negative")
        return Quantity(number, parse_unit(REC20_UNITS.get(unit.strip().upper(), unit)))

    # -- variants -------------------------------------------------------------------

    def _variants(
        self, base: Product, axes: list[_Axis], context: RowContext
    ) -> list[Product | Finding]:
        axes = sorted(axes, key=lambda axis: axis.order)
        total = math.prod(len(axis.options) for axis in axes)
        if total > MAX_VARIANTS:
            context.reject(
                "VARIANTS",
                "too_many_variants",
                f"its VARIANTS multiply out to {total} variants, more than {MAX_VARIANTS}",
            )
            return list(context.findings[-1:])
        items: list[Product | Finding] = []
        for combination in itertools.product(*(axis.options for axis in axes)):
            variant_context = RowContext(context.row, None, self.mark)
            described = ", ".join(
                f"{axis.name}={value or '(any)'}"
                for axis, (value, _) in zip(axes, combination, strict=True)
            )
            missing = [
                axis.name
                for axis, (_, supplement) in zip(axes, combination, strict=True)
                if not supplement
            ]
            sku = base.sku + "".join(supplement for _, supplement in combination)
            if missing:
                variant_context.reject(
                    "SUPPLIER_AID_SUPPLEMENT",
                    "missing_sku",
                    f"the variant {described} of {base.sku} has no SUPPLIER_AID_SUPPLEMENT "
                    f"for {', '.join(missing)}, so no sku of its own",
                )
                items.extend(variant_context.findings)
                continue
            variant_context.sku = sku
            if remove_invisible(sku)[1]:
                variant_context.reject(
                    "sku",
                    "invalid_sku",
                    f"the sku holds invisible or control characters ({describe_invisible(sku)})",
                    sku,
                )
                items.extend(variant_context.findings)
                continue
            variant = _copy(base)
            variant.sku = sku
            variant.group = base.sku
            for axis, (value, _) in zip(axes, combination, strict=True):
                if value:  # empty: "any", so this variant does not vary by it
                    variant.varies_by.append(axis.name)
                    variant.attributes[axis.name] = clean_text(variant_context, axis.name, value)
            items.extend(variant_context.findings)
            items.append(variant)
        return items


def _last_line(element: Any) -> int:
    """The last line a product element spans, as near as lxml tells: the line of its
    last descendant, plus the lines of that one's text, plus its closing tag's line."""
    last = element
    while len(last):
        last = last[-1]
    text = last.text if isinstance(last.tag, str) else None
    return int(last.sourceline or 0) + (text.count("\n") if text else 0) + 1


def _xml_error(error: Any) -> list[Finding]:
    context = RowContext(error.line, None)
    context.reject(
        "(xml)",
        "malformed_xml",
        f"line {error.line} is not well-formed XML: {error.message.strip()}",
    )
    return list(context.findings)


def _all_text(product: Product) -> str:
    """Every text `clean_texts` would clean, joined: one search tells whether any holds
    an invisible character (most products hold none)."""
    return "".join(
        (
            product.sku,
            product.gtin or "",
            product.brand or "",
            product.mpn or "",
            *product.title.values(),
            *product.description.values(),
            *product.categories,
            *product.image_links,
            *product.attributes.values(),
        )
    )


def _put(product: Product, name: str, value: str) -> None:
    """Keep a value as an attribute; a repeated element's values are joined."""
    if not value or len(value) > MAX_ATTRIBUTE_CHARS:
        return
    attributes = product.attributes
    existing = attributes.get(name)
    attributes[name] = f"{existing}, {value}" if existing else value


def _datetime(element: Any) -> str | None:
    """A BMEcat ``DATETIME`` (``DATE``, ``TIME``, ``TIMEZONE``) as ISO 8601."""
    parts = {LOCAL_NAMES[child.tag]: element_text(child) for child in element}
    day = parts.get("DATE")
    if not day:
        return None
    time = parts.get("TIME")
    return f"{day}T{time}{parts.get('TIMEZONE', '')}" if time else day


def _plain(number: Decimal) -> str:
    """``19``, ``7``, ``5.5``: a rate as a merchant writes it.

    >>> _plain(Decimal("0.19") * 100), _plain(Decimal("5.50"))
    ('19', '5.5')
    """
    return format(number.normalize(), "f")


def _copy(product: Product) -> Product:
    return replace(
        product,
        title=dict(product.title),
        description=dict(product.description),
        bullet_points={k: list(v) for k, v in product.bullet_points.items()},
        prices=dict(product.prices),
        sale_prices=dict(product.sale_prices),
        categories=list(product.categories),
        image_links=list(product.image_links),
        attributes=dict(product.attributes),
        varies_by=[],
    )
