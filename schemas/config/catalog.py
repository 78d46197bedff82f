"""Where the master catalog comes from: its format, location and the defaults for what the
shop system does not hold.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from schemas.config.base import StrictModel
from schemas.config.time_zones import check_time_zone

CatalogFormat = Literal[
    "akeneo",
    "akeneo_api",
    "bmecat",
    "csv",
    "jsonl",
    "magento",
    "postgres",
    "shopify",
    "shopware",
    "woocommerce",
]
CatalogField = Literal[
    "brand",
    "gtin",
    "mpn",
    "condition",
    "tax_class",
    "country_of_origin",
    "availability",
    "manufacturer_id",
    "responsible_person_id",
    "importer_id",
    "safety_warning",
    "safety_pictograms",
    "instructions_url",
    "safety_data_sheet_url",
    "declaration_of_conformity_url",
    "energy_class",
    "eprel_registration_number",
]
"""Product fields a merchant may fill from a source column (`CatalogSource.columns`), and
EU product law's attributes (`schemas.product`; ``safety_warning`` is the warning in
``locale``, the export's language)."""


class CatalogDefaults(StrictModel):
    """Values for what the shop system does not hold, applied to every product that has
    none of its own (after `CatalogSource.columns`)."""

    brand: str | None = None
    """Brand of products without one (WooCommerce and Magento have no brand field)."""
    condition: Literal["new", "used", "refurbished"] | None = None
    """Condition of products whose catalog does not say; unset: new."""
    tax_class: str | None = None
    """VAT class of products whose catalog does not say (``standard``, ``food``,
    ``basic_food``, ``books``); unset: standard."""
    country_of_origin: str | None = None
    """ISO 3166 country of origin of products whose catalog does not say (Amazon)."""
    attributes: dict[str, str] = Field(default_factory=dict)
    """Any other catalog attribute by its code (``material = "cotton"``)."""


class CatalogSource(StrictModel):
    """Where the master catalog comes from."""

    format: CatalogFormat
    """Reader to use: ``akeneo`` (Akeneo PIM CSV export), ``akeneo_api`` (Akeneo's REST
    API), ``shopify``, ``woocommerce``, ``magento`` (Magento 2 / Adobe Commerce),
    ``shopware`` (Shopware 6) product CSV exports, ``bmecat`` (BMEcat 2005 XML),
    ``csv`` and ``jsonl`` (the project's own formats) or ``postgres`` (a table or query)."""
    path: str | None = None
    """File to read, relative to the config file; for the file formats."""
    currency: str | None = None
    """ISO 4217 currency of the prices of a shop export that does not name one (Shopify,
    WooCommerce, Magento, Shopware without a currency column)."""
    locale: str | None = None
    """Locale the texts of a one-language export are written in; unset: ``[validation]
    source_locale``."""
    locales: dict[str, str] = Field(default_factory=dict)
    """A source's own language codes -> locales: Magento store view codes
    (``german = "de_DE"``), BMEcat ``LANG`` (``deu = "de_DE"``), Shopware language names,
    Akeneo API locales that differ. Codes that already are locales need no entry."""
    weight_unit: str | None = None
    """Unit of weights written as a bare number (``lbs``, ``kgs``, ``g``): Magento's store
    setting; WooCommerce and Shopify name theirs in the header, which wins."""
    dimension_unit: str | None = None
    """Unit of dimensions written as a bare number (``cm``, ``in``)."""
    defaults: CatalogDefaults = Field(default_factory=CatalogDefaults)
    """Values for what the shop system does not hold (`CatalogDefaults`)."""
    columns: dict[CatalogField, str] = Field(default_factory=dict)
    """Product field -> the source column or attribute that holds it, matched whatever its
    case (``brand = "Vendor"``, ``mpn = "manufacturer_part_number"``); EU product law's
    attributes too, where the shop's column has a name of the merchant's own
    (``manufacturer_id = "Meta: hersteller"``, ``safety_warning = "Warnhinweis"``)."""
    tax_classes: dict[str, str] = Field(default_factory=dict)
    """The shop system's tax class names -> VAT classes (``"reduced-rate" = "food"``);
    names not listed are read as the VAT class of the same name, or ``standard`` with a
    warning."""
    api_conn_id: str = "grenzenlos_akeneo"
    """Airflow connection of the Akeneo REST API, for ``akeneo_api``: host (the PIM's base
    URL), login and password of an API user, and ``client_id`` and ``secret`` of its API
    connection in the extras."""
    api_channel: str | None = None
    """Akeneo channel (scope) whose values and completeness the API reader takes; unset:
    the first of ``description_scopes``."""
    product_models_path: str | None = None
    """Akeneo ``product_models.csv`` whose values variants inherit; optional."""
    attribute_options_path: str | None = None
    """Akeneo ``attribute_options.csv``, for the labels of size options; Shopware's
    "Default properties" export, for the group and name of each variant option id;
    optional."""
    asset_base_url: str | None = None
    """Prefix that turns the PIM's relative image paths into absolute URLs."""
    description_scopes: list[str] = Field(default_factory=lambda: ["ecommerce", "print"])
    """Akeneo channels (scopes) to take descriptions from, first non-empty wins."""
    postgres_conn_id: str = "grenzenlos_catalog"
    """Airflow connection of the catalog database, for ``postgres``."""
    query: str | None = None
    """SQL returning rows in the project's CSV columns, for ``postgres``."""
    encoding: str = "utf-8"
    """Encoding of the catalog files (``cp1252``, ``latin-1`` for legacy exports). A file
    that starts with a UTF-8 byte-order mark is read as UTF-8 whatever this says."""
    decimal_mark: Literal[".", ","] | None = None
    """The catalog's decimal mark, when it uses one consistently. Then the other mark may
    group thousands (``1.250,50``). Unset, a number like ``1,250`` is ambiguous and its
    product is set aside with an ``ambiguous_number`` finding."""
    variant_axes: dict[str, list[str]] = Field(default_factory=dict)
    """Akeneo: family variant code -> the catalog attributes its variants differ in
    (``clothing_color_size = ["color", "size"]``); Akeneo's CSV export does not carry
    them. Channels list a group's variants together, by these attributes."""
    time_zone: str = "Europe/Berlin"
    """IANA time zone of the merchant's shop (``Europe/Berlin``): a sale's start or end the
    catalog gives as a date only, or as a time without an offset, is read in it (a date-only
    start begins at 00:00 there, a date-only end lasts until 24:00). Europe/Berlin by
    default, as the shop systems' own defaults for a German merchant and this project's
    base currency suggest; set it when the shop runs elsewhere."""

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{value!r} is not an encoding Python knows") from None
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone_known(cls, value: str) -> str:
        return check_time_zone(value)

    @model_validator(mode="after")
    def _needs_location(self) -> CatalogSource:
        if self.format == "postgres" and not self.query:
            raise ValueError("format 'postgres' needs a query")
        if self.format not in ("postgres", "akeneo_api") and not self.path:
            raise ValueError(f"format {self.format!r} needs a path")
        return self
