"""One BMEcat product element (``ARTICLE`` 1.2, ``PRODUCT`` 2005) read into products: its
details, texts per language, features (and the axes of its ``VARIANTS``), order and
logistic details, images under ``MIME_ROOT``, prices and catalog groups."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas.characters import has_invisible
from schemas.product import ANY_LOCALE, Product
from transforms.catalog.bmecat.frame import (
    LOCAL_NAMES,
    GroupMap,
    element_text,
)
from transforms.catalog.bmecat.prices import PriceBlock, Prices
from transforms.catalog.bmecat.values import REC20_UNITS, Numbers, put_attribute
from transforms.catalog.bmecat.variants import Axis, read_axis, variant_products
from transforms.catalog.values import (
    RowContext,
    clean_texts,
)

if TYPE_CHECKING:
    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.bmecat.frame import Frame

IMAGE_PURPOSES = {"normal": 0, "": 1, "detail": 2, "others": 3, "thumbnail": 4}
"""``MIME_PURPOSE`` values that may be a product picture, main image first."""
_WEIGHT_NAMES = ("gewicht", "weight")
_GROSS_NAMES = ("brutto", "gross")
_GTIN_TYPES = frozenset({"gtin", "ean", "gtin8", "gtin12", "gtin13", "gtin14", "ean13", "upc"})
_LOCALE = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
_SKU_TAGS = ("SUPPLIER_AID", "SUPPLIER_PID")


@dataclass(slots=True)
class _Parsed:
    """One product element read: the product and what it still needs."""

    product: Product
    axes: list[Axis] = field(default_factory=list)
    blocks: list[PriceBlock] = field(default_factory=list)
    weights: list[tuple[str, str, str]] = field(default_factory=list)
    """(feature name, value, unit) of the features that state a weight."""
    gtin: str | None = None
    ean: str | None = None


class ProductReader:
    """Reads one ``ARTICLE`` / ``PRODUCT`` element into its products and findings."""

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
        self.numbers = Numbers(source.decimal_mark)
        self.prices = Prices(source, frame, self.numbers)

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
                parsed.blocks.append(self.prices.block(child, context))
            elif name == "MIME_INFO":
                self._images(child, product)
            elif name in ("PRODUCT_LOGISTIC_DETAILS", "ARTICLE_LOGISTIC_DETAILS"):
                self._logistics(child, product, context)
            elif name == "USER_DEFINED_EXTENSIONS":
                self._leaves(child, product)
        product.gtin = parsed.gtin or parsed.ean
        self.prices.put(parsed.blocks, product, context)
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
            return sku, [
                *context.findings,
                *variant_products(product, parsed.axes, context, self.mark),
            ]
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
                    put_attribute(product, f"{name}.{kind}" if kind else name, element_text(child))
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
                put_attribute(product, f"{name}.{kind}" if kind else name, text)

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
                put_attribute(product, system, group_id)
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
            parsed.axes.append(read_axis(name, variants, self.frame))
            return
        values = [v for v in values if v] or [d for d in details if d]
        if not values:
            return
        value = ", ".join(values)
        put_attribute(parsed.product, name, f"{value} {unit}" if unit else value)
        folded = name.casefold()
        if unit and len(values) == 1 and any(w in folded for w in _WEIGHT_NAMES):
            parsed.weights.append((name, values[0], unit))

    def _feature_weight(
        self, weights: list[tuple[str, str, str]], product: Product, context: RowContext
    ) -> None:
        gross = [w for w in weights if any(g in w[0].casefold() for g in _GROSS_NAMES)]
        name, value, unit = (gross or weights)[0]
        product.weight = context.take(name, self.numbers.quantity, value, unit)

    def _order_details(self, block: Any, product: Product, context: RowContext) -> None:
        values: dict[str, str] = {}
        for child in block:
            name = LOCAL_NAMES[child.tag]
            text = element_text(child)
            if name and text:
                values[name] = text
                put_attribute(product, name, text)
        unit = REC20_UNITS.get(values.get("CONTENT_UNIT", "").upper())
        if unit is not None:
            count = values.get("NO_CU_PER_OU", "1")
            product.net_content = context.take("NO_CU_PER_OU", self.numbers.quantity, count, unit)

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
                setattr(product, attr, context.take(name, self.numbers.quantity, text, unit))
            elif name == "COUNTRY_OF_ORIGIN":
                product.attributes.setdefault("country_of_origin", text)
            else:
                put_attribute(product, name, text)

    def _leaves(self, element: Any, product: Product) -> None:
        for leaf in element.iter():
            if not len(leaf) and leaf is not element and self.frame.in_language(leaf):
                name = LOCAL_NAMES[leaf.tag]
                if name:
                    put_attribute(product, name, element_text(leaf))

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
            if purpose == "safety_data_sheet" and source:
                # BMEcat's own purpose for the document GPSR asks listings to link
                link = self._link(source)
                if link.startswith(("http://", "https://")):
                    product.attributes.setdefault("safety_data_sheet_url", link)
                continue
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
