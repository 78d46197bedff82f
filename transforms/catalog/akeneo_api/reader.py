"""Reading Akeneo's REST API (`transforms.catalog.akeneo_api`): products page by page,
the product models and family variants that give a variant its group and axes, and each
value of the standard format onto a product field."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import quote

from schemas.product import ANY_LOCALE, SAFETY_WARNING, Money, Product
from transforms.catalog.akeneo import IMAGE_ATTRIBUTES, QUANTITY_ATTRIBUTES, SIZE_ATTRIBUTES
from transforms.catalog.akeneo_api.client import AkeneoApiClient, AkeneoApiError
from transforms.catalog.values import (
    SALE_END,
    SALE_PRICE,
    SALE_START,
    RowContext,
    ValueProblem,
    clean_texts,
    parse_amount,
    parse_availability,
    parse_currency,
    parse_quantity,
    parse_shop_tax_class,
    take_condition,
    take_sale_prices,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

log = logging.getLogger(__name__)

UUID_PRODUCTS = "/api/rest/v1/products-uuid"
IDENTIFIER_PRODUCTS = "/api/rest/v1/products"
PRODUCT_MODELS = "/api/rest/v1/product-models"
PAGE_SIZE = 100
"""Items per page: the most Akeneo serves (https://api.akeneo.com/documentation/pagination.html)."""
_TEXTS = ("name", "description", "short_description")
_IDENTIFIERS = ("ean", "gtin")


class ValueEntry(TypedDict, total=False):
    """One value of a product (``values.<attribute>[]``) in the standard format."""

    locale: str | None
    scope: str | None
    data: Any
    linked_data: dict[str, Any]
    _links: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Model:
    code: str
    parent: str | None
    family: str | None
    family_variant: str | None


def read_akeneo_api(
    connection: AkeneoApiConnection,
    source: CatalogSource,
    *,
    page_size: int = PAGE_SIZE,
    max_attempts: int = 5,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Product | Finding]:
    """Stream the products of a PIM's channel (and findings about the ones it cannot
    use) through the REST API; see the module docstring for what it calls.

    Args:
        connection: The PIM and its API credentials (`AkeneoApiConnection`).
        source: The ``[catalog]`` settings: ``api_conn_id`` (named in errors),
            ``api_channel``, ``locales``, ``locale``, ``asset_base_url``,
            ``tax_classes``, ``variant_axes`` (for a family variant the API hides).
        page_size: Items per page (at most 100).
        max_attempts: Most tries of one call that keeps getting 408, 429 or 5xx.
        backoff: First wait in seconds between tries when the server names none.
        sleep: Waits between tries (`time.sleep`).

    Raises:
        AkeneoApiError: the PIM refused the login (naming ``source.api_conn_id``), has no
            such channel, or answered what is not its API.
        AkeneoApiUnavailable: the PIM kept answering 408, 429 or 5xx; a later run may
            succeed.
    """
    client = AkeneoApiClient(
        connection, source.api_conn_id, max_attempts=max_attempts, backoff=backoff, sleep=sleep
    )
    try:
        yield from _Reader(client, source, min(max(page_size, 1), PAGE_SIZE)).read()
    finally:
        client.close()


class _Reader:
    def __init__(self, client: AkeneoApiClient, source: CatalogSource, page_size: int) -> None:
        self.client = client
        self.source = source
        self.page_size = page_size
        scopes = source.description_scopes
        self.channel = source.api_channel or (scopes[0] if scopes else "")
        self.identifier = "sku"
        self.models: dict[str, _Model] | None = None
        self.axes: dict[tuple[str, str], list[str] | None] = {}
        self.filters: dict[str, str] = {}
        self.by_uuid = True
        self.download_link: str | None = None
        """The first image given as the API's download link (reported once)."""
        self.report_download_link = False

    # -- the catalog's structure -------------------------------------------------------

    def _filters(self) -> dict[str, str]:
        """``scope`` and ``locales`` of the channel (and checks the channel exists)."""
        if not self.channel:
            raise AkeneoApiError("[catalog] names no api_channel (nor description_scopes)")
        channel = self.client.get(f"/api/rest/v1/channels/{quote(self.channel)}", absent_ok=True)
        if channel is None:
            raise AkeneoApiError(
                f"the PIM of Airflow connection {self.client.conn_id!r} has no channel "
                f"{self.channel!r}: set [catalog] api_channel to one of its channels"
            )
        locales = [str(code) for code in channel.get("locales") or [] if code]
        filters = {"scope": self.channel}
        if locales:
            filters["locales"] = ",".join(locales)
        return filters

    def _main_identifier(self) -> str:
        """The code of the main identifier attribute (``sku`` unless the PIM says)."""
        search = json.dumps({"type": [{"operator": "IN", "value": ["pim_catalog_identifier"]}]})
        document = self.client.get("/api/rest/v1/attributes", {"search": search, "limit": "100"})
        codes: list[str] = []
        for page in self.client.pages(document or {"_embedded": {"items": []}}):
            for item in page:
                code = item.get("code")
                if isinstance(code, str) and code:
                    if item.get("is_main_identifier") is True:
                        return code
                    codes.append(code)
        return codes[0] if codes else "sku"

    def _load_models(self, filters: Mapping[str, str]) -> dict[str, _Model]:
        params = {"pagination_type": "search_after", "limit": str(self.page_size), **filters}
        models: dict[str, _Model] = {}
        first = self.client.get(PRODUCT_MODELS, params)
        for page in self.client.pages(first or {}):
            for item in page:
                model = _model(item)
                if model is not None:
                    models[model.code.casefold()] = model
        log.info("Read %d product models from the Akeneo API.", len(models))
        return models

    def _model(self, code: str) -> _Model | None:
        """The product model ``code``, from the list read once, else fetched alone (one
        created since the list was read)."""
        if self.models is None:
            self.models = self._load_models(self.filters)
        key = code.casefold()
        if key not in self.models:
            item = self.client.get(f"{PRODUCT_MODELS}/{quote(code, safe='')}", absent_ok=True)
            model = _model(item) if item is not None else None
            if model is None:
                return None
            self.models[key] = model
        return self.models[key]

    def _family_axes(self, family: str, family_variant: str) -> list[str] | None:
        """Every level's axes of a family variant, upper level first; None when the PIM
        does not show the family variant."""
        key = (family, family_variant)
        if key not in self.axes:
            document = self.client.get(
                f"/api/rest/v1/families/{quote(family, safe='')}/variants/"
                f"{quote(family_variant, safe='')}",
                absent_ok=True,
            )
            axes: list[str] | None = None
            if document is not None:
                sets = document.get("variant_attribute_sets") or []
                levels = sorted(
                    (s for s in sets if isinstance(s, dict)), key=lambda s: s.get("level") or 0
                )
                axes = [str(a) for s in levels for a in s.get("axes") or []]
            self.axes[key] = axes
        return self.axes[key]

    # -- reading -----------------------------------------------------------------------

    def read(self) -> Iterator[Product | Finding]:
        self.filters = self._filters()
        params = {
            "pagination_type": "search_after",
            "limit": str(self.page_size),
            "with_attribute_options": "true",
            **self.filters,
        }
        first = self.client.get(UUID_PRODUCTS, params, absent_ok=True)
        self.by_uuid = first is not None
        if first is None:
            log.info(
                "The PIM has no %s (before Akeneo 7.0): reading %s.",
                UUID_PRODUCTS,
                IDENTIFIER_PRODUCTS,
            )
            first = self.client.get(IDENTIFIER_PRODUCTS, params)
        else:
            self.identifier = self._main_identifier()
        row = 0
        for page in self.client.pages(first or {}):
            for item in page:
                row += 1
                yield from self._item(item, row)

    def _item(self, item: dict[str, Any], row: int) -> Iterator[Product | Finding]:
        values = item.get("values")
        sku = self._sku(item, values)
        context = RowContext(row, sku)
        if not isinstance(values, dict):
            context.reject("values", "wrong_shape", "the product's values are not an object")
            yield from context.findings
            return
        if not sku:
            what = f"the product {item.get('uuid') or ''}".rstrip()
            context.reject(
                self.identifier, "missing_sku", f"{what} has no {self.identifier} (its identifier)"
            )
            yield from context.findings
            return
        product = Product(sku=sku)
        enabled = item.get("enabled")
        product.enabled = enabled is not False
        product.categories = [str(c) for c in item.get("categories") or [] if c]
        for attr, entries in values.items():
            if attr in (self.identifier, "sku") or not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, dict):
                    self._value(product, context, attr, entry)  # type: ignore[arg-type]
        _take_sale(product, context)
        parent = item.get("parent")
        if isinstance(parent, str) and parent:
            self._group(product, context, parent)
        take_condition(product, context)
        if self.report_download_link:
            self.report_download_link = False
            context.warn(
                "image_links",
                "image_link_needs_login",
                "images are the PIM's download links, which answer only with an API token: "
                "a marketplace cannot fetch them. Serve the PIM's media files publicly and set "
                "[catalog] asset_base_url (reported once for the whole catalog)",
                self.download_link,
            )
        if clean_texts(product, context):
            yield from context.findings
            yield product
        else:
            yield from context.findings

    def _sku(self, item: dict[str, Any], values: Any) -> str | None:
        if not self.by_uuid:
            identifier = item.get("identifier")
            return str(identifier).strip() or None if identifier else None
        if isinstance(values, dict):
            for entry in values.get(self.identifier) or []:
                if isinstance(entry, dict) and entry.get("data"):
                    return str(entry["data"]).strip() or None
        return None

    def _group(self, product: Product, context: RowContext, parent: str) -> None:
        """Set the variant's group (its root product model) and the axes it varies by."""
        model = self._model(parent)
        if model is None:
            context.warn(
                "parent",
                "variant_group_missing",
                f"its product model {parent} is not in the PIM's product models: listed as a "
                "product of its own",
                parent,
            )
            return
        seen = {model.code.casefold()}
        while model.parent and (up := self._model(model.parent)) is not None:
            if up.code.casefold() in seen:
                break
            seen.add(up.code.casefold())
            model = up
        product.group = model.code
        family_variant = model.family_variant or ""
        axes = self._family_axes(model.family, family_variant) if model.family else None
        if axes is None:
            axes = list(self.source.variant_axes.get(family_variant, ()))
        if not axes:
            context.warn(
                "parent",
                "variant_axes_unknown",
                f"the PIM shows no axes for the family variant {family_variant or '(none)'} of "
                f"{model.code} (nor has [catalog] variant_axes any): its variants are grouped "
                "without saying what differs",
                family_variant or None,
            )
        named = ["size" if axis in SIZE_ATTRIBUTES else axis for axis in axes]
        # An axis the variant has no value for means "any": not an axis of this variant.
        product.varies_by = [
            axis
            for axis in dict.fromkeys(named)
            if (product.size if axis == "size" else product.attributes.get(axis))
        ]

    # -- values ------------------------------------------------------------------------

    def _locale(self, code: str | None, text_default: bool) -> str:
        if code is None:
            return (self.source.locale or ANY_LOCALE) if text_default else ANY_LOCALE
        return self.source.locales.get(code, code)

    def _value(self, product: Product, context: RowContext, attr: str, entry: ValueEntry) -> None:
        scope, locale, data = entry.get("scope"), entry.get("locale"), entry.get("data")
        if scope not in (None, self.channel) or data is None or data in ("", []):
            return
        if attr in _TEXTS and isinstance(data, str):
            text = data.strip()
            if attr == "name":
                product.title[self._locale(locale, False)] = text
            elif attr == "description":
                product.description[self._locale(locale, True)] = text
            else:
                product.bullet_points[self._locale(locale, True)] = [
                    line.strip() for line in text.splitlines() if line.strip()
                ]
            return
        if locale is None and scope is None:
            if self._field(product, context, attr, data, entry):
                return
        if attr == "price" and isinstance(data, list):
            self._prices(product, context, data)
            return
        if attr == SAFETY_WARNING and locale is not None:
            # One key form for every reader (`schemas.product`): the channel's value only
            # reaches here, so the key is the warning's locale alone.
            product.attributes[f"{SAFETY_WARNING}-{self._locale(locale, True)}"] = _text(data)
            return
        key = "-".join(part for part in (attr, locale, scope) if part)
        if isinstance(data, list) and data and all(_is_price(p) for p in data):
            for price in data:  # another price collection: the export's <attr>-<CUR> columns
                if price.get("amount") is not None:
                    product.attributes[f"{key}-{price.get('currency')}"] = str(price["amount"])
            return
        product.attributes[key] = _text(data)

    def _field(
        self, product: Product, context: RowContext, attr: str, data: Any, entry: ValueEntry
    ) -> bool:
        """Map a value that is neither localized nor scoped onto a field of `Product`;
        False when ``attr`` is none of them."""
        if attr in _IDENTIFIERS:
            product.gtin = _text(data).strip() or None
        elif attr == "brand":
            product.brand = self._label(entry) or _text(data).strip() or None
        elif attr == "mpn":
            product.mpn = _text(data).strip() or None
        elif attr == "tax_class":
            names = self.source.tax_classes
            tax_class = context.take(
                "tax_class", lambda text: parse_shop_tax_class(text, names), _text(data)
            )
            if tax_class is not None:
                product.tax_class = tax_class  # type: ignore[assignment]
        elif attr == "availability":
            availability = context.take("availability", parse_availability, _text(data))
            if availability is not None:
                product.availability = availability  # type: ignore[assignment]
        elif attr in QUANTITY_ATTRIBUTES and isinstance(data, dict):
            quantity = context.take(
                attr, _metric, _amount_text(data.get("amount")), str(data.get("unit") or "")
            )
            setattr(product, attr, quantity)
        elif attr in SIZE_ATTRIBUTES:
            product.size = self._label(entry) or _text(data).strip()
            product.size_kind = SIZE_ATTRIBUTES[attr]  # type: ignore[assignment]
        elif attr in IMAGE_ATTRIBUTES:
            link = self._image(_text(data).strip(), entry)
            if link and link not in product.image_links:
                product.image_links.append(link)
        else:
            return False
        return True

    def _prices(self, product: Product, context: RowContext, data: list[Any]) -> None:
        for price in data:
            if not isinstance(price, dict) or price.get("amount") in (None, ""):
                continue
            currency = context.take("price", parse_currency, str(price.get("currency") or ""))
            if currency is None:
                continue
            amount = context.take(f"price-{currency}", _amount, _amount_text(price.get("amount")))
            if amount is not None:
                product.prices[currency] = Money(amount, currency)

    def _label(self, entry: ValueEntry) -> str | None:
        """The option's label (``linked_data``, Akeneo 5.0+): in the catalog's locale,
        else American English, else any."""
        linked = entry.get("linked_data")
        labels = linked.get("labels") if isinstance(linked, dict) else None
        if not isinstance(labels, dict):
            return None
        for locale in (self.source.locale, "en_US", *labels):
            label = labels.get(locale) if locale else None
            if isinstance(label, str) and label.strip():
                return label.strip()
        return None

    def _image(self, code: str, entry: ValueEntry) -> str | None:
        """A media file as an image link: the code, relative to ``asset_base_url`` (the
        settings step makes it absolute), else the API's download link."""
        if not code or self.source.asset_base_url:
            return code or None
        links = entry.get("_links")
        download = links.get("download") if isinstance(links, dict) else None
        href = download.get("href") if isinstance(download, dict) else None
        if isinstance(href, str) and href:
            if self.download_link is None:
                self.download_link = href
                self.report_download_link = True
            return href
        return code


def _model(item: dict[str, Any]) -> _Model | None:
    code = item.get("code")
    if not isinstance(code, str) or not code:
        return None

    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) and value else None

    return _Model(code, text("parent"), text("family"), text("family_variant"))


def _take_sale(product: Product, context: RowContext) -> None:
    """The ``sale_price`` collection and its ``sale_price_start``/``sale_price_end`` dates
    (read as the export's ``sale_price-<CUR>`` columns, `transforms.catalog.akeneo`) into
    ``product.sale_prices``, after the regular prices they must be below."""
    prefix = f"{SALE_PRICE}-"
    codes = [
        key for key in product.attributes if key.startswith(prefix) and len(key) == len(prefix) + 3
    ]
    if not codes:
        return
    amounts = {key[len(prefix) :]: (key, product.attributes.pop(key)) for key in codes}
    start = product.attributes.pop(SALE_START, "")
    end = product.attributes.pop(SALE_END, "")
    take_sale_prices(product, context, amounts, start, end)


def _is_price(value: Any) -> bool:
    return isinstance(value, dict) and "currency" in value and "amount" in value


def _amount_text(value: Any) -> str:
    """An API amount (a string, or a number where the attribute allows no decimals) as
    text; a float is written as Python reads it, never with an exponent."""
    if isinstance(value, float):
        return format(value, "f")
    return str(value) if value is not None else ""


def _amount(text: str) -> Any:
    # The API writes amounts with a dot and never groups thousands: "1.250" is 1.25.
    return parse_amount(text, ".")


def _metric(amount: str, unit: str) -> Any:
    if not amount:
        raise ValueProblem("not_a_number", "the metric has no amount")
    return parse_quantity(amount, unit, ".")


def _text(data: Any) -> str:
    """A value as text, as the CSV export writes it: a boolean as 1/0, a multi-select as
    its codes joined by commas, a metric as amount and unit, else JSON."""
    if isinstance(data, str):
        return data
    if isinstance(data, bool):
        return "1" if data else "0"
    if isinstance(data, int | float):
        return _amount_text(data)
    if isinstance(data, list) and all(isinstance(v, str) for v in data):
        return ",".join(data)
    if isinstance(data, dict) and "amount" in data and "unit" in data:
        return f"{_amount_text(data['amount'])} {data['unit'] or ''}".strip()
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
