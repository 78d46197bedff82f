"""The canonical product model every reader produces and every later step consumes.

A `Product` is the merchant's master record, independent of any market. Texts are
keyed by the catalog locale they were written in (``de_DE``); a text that is the
same in every language (a model name such as "Lexmark X464de") sits under
`ANY_LOCALE`. Money is `Decimal` from the moment it is parsed.

The JSON form (`product_to_json` / `product_from_json`) is the project's own JSON
Lines format and also the staged snapshot format: decimals travel as strings so
that no float ever touches a price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, get_args

ANY_LOCALE = "*"
"""Key of a text that applies to every locale (names, model numbers)."""

Availability = Literal["in_stock", "out_of_stock", "preorder", "backorder"]
AVAILABILITY_VALUES: frozenset[str] = frozenset(get_args(Availability))

Condition = Literal["new", "used", "refurbished"]
"""An item's condition in Google's vocabulary; each channel maps it onto its own."""
TaxClass = Literal["standard", "food", "basic_food", "books", "reduced", "super_reduced", "zero"]
"""What a product is for VAT; ``config/vat.toml`` maps each class onto a rate per country.

``standard`` (everything without a lower rate), ``food`` (foodstuffs for people, drinks
other than alcohol), ``basic_food`` (staples some countries tax lower than other food:
bread, milk, eggs, fruit, vegetables, olive oil), ``books`` (printed books). ``reduced``,
``super_reduced`` and ``zero`` name a rate, not goods: they are read as before (the rate
of that name; ``reduced`` as ``food`` where the table maps food) for older catalogs, but
say less than a goods class, so new catalogs should not use them."""
TAX_CLASSES: frozenset[str] = frozenset(get_args(TaxClass))

UNIT_CODES: frozenset[str] = frozenset(
    {"mg", "g", "kg", "oz", "lb", "mm", "cm", "m", "in", "ft", "ml", "cl", "l", "floz", "m2"}
)
"""Units a catalog quantity may carry (symbols as Google's unit pricing uses them)."""


MANUFACTURER_ID = "manufacturer_id"
"""Attribute naming the product's manufacturer: an id of ``[operators.<id>]``
(`schemas.config.operators`); without it, ``[operators.brands]`` maps the brand."""
RESPONSIBLE_PERSON_ID = "responsible_person_id"
"""Attribute naming the product's EU responsible person (an ``[operators.<id>]`` id)."""
IMPORTER_ID = "importer_id"
"""Attribute naming the product's importer into the EU (an ``[operators.<id>]`` id)."""
OPERATOR_ATTRIBUTES = (MANUFACTURER_ID, RESPONSIBLE_PERSON_ID, IMPORTER_ID)
"""The attributes that reference economic operators (GPSR, Regulation (EU) 2023/988)."""
SAFETY_WARNING = "safety_warning"
"""Warnings and safety information in one language: attribute ``safety_warning-<locale>``
(``safety_warning-de_DE``), lines separated by line breaks."""
SAFETY_PICTOGRAMS = "safety_pictograms"
"""Safety pictogram codes (GHS ``GHS02``, eBay's pictogram ids), separated by spaces or commas."""
SAFETY_DOCUMENTS = {
    "instructions_url": "instructions",
    "safety_data_sheet_url": "safety_data_sheet",
    "declaration_of_conformity_url": "declaration_of_conformity",
}
"""Attribute holding a document's URL -> the kind of document it is."""
ENERGY_CLASS = "energy_class"
"""EU energy label class (``A`` to ``G``; older labels ``A+++`` to ``D``)."""
EPREL_NUMBER = "eprel_registration_number"
"""The product's registration number in EPREL, the EU product database for energy labelling."""


@dataclass(frozen=True, slots=True)
class SafetyInformation:
    """What a product states for its safety and its energy label, read from its attributes.

    Attributes:
        warnings: Warning text per catalog locale.
        pictograms: Pictogram codes in catalog order.
        documents: Document kind (``instructions``, ``safety_data_sheet``,
            ``declaration_of_conformity``) -> URL.
        energy_class: EU energy label class, or None.
        eprel_number: EPREL registration number, or None.
    """

    warnings: dict[str, str]
    pictograms: tuple[str, ...]
    documents: dict[str, str]
    energy_class: str | None
    eprel_number: str | None


def safety_information(attributes: dict[str, str]) -> SafetyInformation:
    """The safety information among a product's (or listing's) attributes.

    >>> info = safety_information({"safety_warning-de_DE": "Nicht für Kinder",
    ...     "safety_pictograms": "GHS02, GHS07", "energy_class": "B"})
    >>> info.warnings, info.pictograms, info.energy_class, info.eprel_number
    ({'de_DE': 'Nicht für Kinder'}, ('GHS02', 'GHS07'), 'B', None)
    """
    prefix = SAFETY_WARNING + "-"
    warnings = {
        key[len(prefix) :]: value.strip()
        for key, value in attributes.items()
        if key.startswith(prefix) and value.strip()
    }
    pictograms = tuple(
        code for code in attributes.get(SAFETY_PICTOGRAMS, "").replace(",", " ").split() if code
    )
    documents = {
        kind: attributes[key].strip()
        for key, kind in SAFETY_DOCUMENTS.items()
        if attributes.get(key, "").strip()
    }
    return SafetyInformation(
        warnings=warnings,
        pictograms=pictograms,
        documents=documents,
        energy_class=attributes.get(ENERGY_CLASS, "").strip() or None,
        eprel_number=attributes.get(EPREL_NUMBER, "").strip() or None,
    )


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency.

    Attributes:
        amount: Exact decimal amount, never a float.
        currency: ISO 4217 code, upper case (``EUR``).
    """

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class SalePrice:
    """A reduced price the catalog announces, with the period it applies in.

    Kept as the shop system states it, for the sale-price and prior-price work
    (Google ``sale_price`` with ``sale_price_effective_date``, Amazon ``discounted_price``);
    no channel writes it yet.

    Attributes:
        amount: The reduced amount, in the currency of the price it reduces.
        currency: ISO 4217 code.
        start: First moment of the sale as ISO 8601 (a date or a date-time), or None:
            from now on.
        end: Last moment of the sale as ISO 8601, or None: until further notice.
    """

    amount: Decimal
    currency: str
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True, slots=True)
class Quantity:
    """A measured value with its unit.

    Attributes:
        value: Exact decimal value.
        unit: One of `UNIT_CODES`.
    """

    value: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


@dataclass(slots=True)
class Product:
    """One product of the master catalog.

    Attributes:
        sku: The merchant's identifier, unique in the catalog.
        gtin: GTIN (EAN-8/12/13/14) as digits, unchecked here.
        brand: Brand name.
        mpn: Manufacturer part number.
        title: Title per catalog locale (or `ANY_LOCALE`).
        description: Description per catalog locale; may contain HTML.
        bullet_points: Selling points per catalog locale.
        prices: Price per ISO 4217 currency, as the catalog states it.
        tax_class: VAT class the price is taxed at.
        weight: Shipping weight.
        length: Package length.
        width: Package width.
        height: Package height.
        volume: Net volume (for liquids).
        net_content: What the buyer gets by weight, volume, length or area; the
            unit price (per kg, l, m or m²) is computed from it.
        categories: Catalog category codes, most specific first as the PIM lists them.
        image_links: Absolute image URLs, main image first.
        availability: Stock state in Google's vocabulary.
        size: EU size as the catalog states it (``41``, ``M``).
        size_kind: Whether ``size`` is a shoe or a clothing size.
        enabled: False when the PIM switched the product off.
        attributes: Any other attribute, as text, by attribute code; among them the
            economic operators (`OPERATOR_ATTRIBUTES`) and the safety information
            (`safety_information`) of EU product law.
        group: The product this one is a variant of: the Akeneo product model at the
            root of its chain, or the native formats' ``group`` column; None for a
            product on its own. Channels list a group's variants together (Google
            ``item_group_id``, an Amazon parent, an eBay inventory item group).
        varies_by: The catalog attributes the group's variants differ in (``size``,
            ``color``, ``volume``, ``eu_shoes_size``), from the Akeneo family variant
            (``[catalog] variant_axes``) or the native ``varies_by`` column.
        condition: ``new`` unless the catalog says otherwise (``condition`` attribute).
        sale_prices: A reduced price per ISO 4217 currency, with its period, as the shop
            system states it (WooCommerce ``Sale price``, Shopify's compare-at price
            turned around, Magento ``special_price``).
    """

    sku: str
    gtin: str | None = None
    brand: str | None = None
    mpn: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    bullet_points: dict[str, list[str]] = field(default_factory=dict)
    prices: dict[str, Money] = field(default_factory=dict)
    tax_class: TaxClass = "standard"
    weight: Quantity | None = None
    length: Quantity | None = None
    width: Quantity | None = None
    height: Quantity | None = None
    volume: Quantity | None = None
    net_content: Quantity | None = None
    categories: list[str] = field(default_factory=list)
    image_links: list[str] = field(default_factory=list)
    availability: Availability = "in_stock"
    size: str | None = None
    size_kind: Literal["shoes", "clothing"] | None = None
    enabled: bool = True
    attributes: dict[str, str] = field(default_factory=dict)
    group: str | None = None
    varies_by: list[str] = field(default_factory=list)
    condition: Condition = "new"
    sale_prices: dict[str, SalePrice] = field(default_factory=dict)


QUANTITY_FIELDS = ("weight", "length", "width", "height", "volume", "net_content")


def _quantity_to_json(quantity: Quantity | None) -> dict[str, str] | None:
    if quantity is None:
        return None
    return {"value": str(quantity.value), "unit": quantity.unit}


def _quantity_from_json(data: dict[str, str] | None) -> Quantity | None:
    if data is None:
        return None
    return Quantity(Decimal(data["value"]), data["unit"])


def product_to_json(product: Product) -> dict[str, Any]:
    """Return the JSON-ready form of a product (decimals as strings).

    >>> product_to_json(Product(sku="A1", prices={"EUR": Money(Decimal("9.90"), "EUR")}))["prices"]
    {'EUR': '9.90'}
    """
    data: dict[str, Any] = {
        "sku": product.sku,
        "gtin": product.gtin,
        "brand": product.brand,
        "mpn": product.mpn,
        "title": product.title,
        "description": product.description,
        "bullet_points": product.bullet_points,
        "prices": {cur: str(money.amount) for cur, money in product.prices.items()},
        "tax_class": product.tax_class,
        "categories": product.categories,
        "image_links": product.image_links,
        "availability": product.availability,
        "size": product.size,
        "size_kind": product.size_kind,
        "enabled": product.enabled,
        "attributes": product.attributes,
        "group": product.group,
        "varies_by": product.varies_by,
        "condition": product.condition,
    }
    if product.sale_prices:
        data["sale_prices"] = {
            cur: {"amount": str(sale.amount), "start": sale.start, "end": sale.end}
            for cur, sale in product.sale_prices.items()
        }
    for name in QUANTITY_FIELDS:
        data[name] = _quantity_to_json(getattr(product, name))
    return data


def product_from_json(data: dict[str, Any]) -> Product:
    """Rebuild a product from `product_to_json` output (the staged snapshot's lines).

    The input is trusted to have that exact shape: every run reads the snapshot
    once per market, so this is on the hot path and copies nothing that
    ``json.loads`` already created fresh.

    Raises:
        KeyError: when a key of the snapshot form is missing.
        decimal.InvalidOperation: when a price or quantity is not a number.
    """
    prices = data["prices"]
    weight, length, width, height, volume, net_content = (
        data.get(name) for name in QUANTITY_FIELDS
    )
    return Product(
        sku=data["sku"],
        gtin=data["gtin"],
        brand=data["brand"],
        mpn=data["mpn"],
        title=data["title"],
        description=data["description"],
        bullet_points=data["bullet_points"],
        prices={cur: Money(Decimal(amount), cur) for cur, amount in prices.items()}
        if prices
        else {},
        tax_class=data["tax_class"],
        weight=weight and _quantity_from_json(weight),
        length=length and _quantity_from_json(length),
        width=width and _quantity_from_json(width),
        height=height and _quantity_from_json(height),
        volume=volume and _quantity_from_json(volume),
        net_content=net_content and _quantity_from_json(net_content),
        categories=data["categories"],
        image_links=data["image_links"],
        availability=data["availability"],
        size=data.get("size"),
        size_kind=data.get("size_kind"),
        enabled=data["enabled"],
        attributes=data["attributes"],
        group=data.get("group"),
        varies_by=data.get("varies_by") or [],
        condition=data.get("condition") or "new",
        sale_prices={
            cur: SalePrice(Decimal(sale["amount"]), cur, sale["start"], sale["end"])
            for cur, sale in data["sale_prices"].items()
        }
        if "sale_prices" in data
        else {},
    )
