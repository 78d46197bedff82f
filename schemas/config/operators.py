"""Economic operators: the manufacturers, EU responsible persons and importers the
General Product Safety Regulation asks a listing to name (Regulation (EU) 2023/988,
Art. 19, applicable from 13 December 2024), kept once in ``[operators.<id>]`` tables of
the configuration and referenced by products.

A product names its operators by attribute (``manufacturer_id``, ``responsible_person_id``,
``importer_id``; `schemas.product.OPERATOR_ATTRIBUTES`) or, for the manufacturer, through
its brand (``[operators.brands]``: brand -> manufacturer id, the way most merchants keep
it). `Operators.resolve` finds them; `schemas.compliance` decides what a listing lacks.

```toml
[operators.nordquell]
name = "Nordquell GmbH"
address = { street = "Hafenstraße 12", postal_code = "20457", city = "Hamburg", country = "DE" }
email = "safety@nordquell.example"

[operators.brands]
Nordquell = "nordquell"
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from schemas.config.base import COUNTRY_CODE, StrictModel

if TYPE_CHECKING:
    from collections.abc import Mapping

_TEXT = Annotated[str, Field(min_length=1, max_length=200)]


class PostalAddress(StrictModel):
    """Where an operator can be written to (GPSR Art. 19(a): the postal address)."""

    street: _TEXT
    """Street and number (eBay ``addressLine1``)."""
    street_2: _TEXT | None = None
    """A second address line (building, c/o), when there is one."""
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    """Postal code as the country writes it."""
    city: _TEXT
    """City or town."""
    region: _TEXT | None = None
    """State or province, where the country's addresses name one."""
    country: Annotated[str, Field(pattern=COUNTRY_CODE.pattern)]
    """ISO 3166-1 alpha-2 country code: whether the operator is inside the EU."""


class Operator(StrictModel):
    """One economic operator: a manufacturer, an EU responsible person or an importer."""

    name: _TEXT
    """Registered name or trade name (GPSR Art. 19(a))."""
    address: PostalAddress
    """Postal address."""
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    """Electronic address: an e-mail address (this or ``url`` is required)."""
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    """Electronic address: a contact form or web page (this or ``email`` is required)."""
    phone: Annotated[str, Field(min_length=3, max_length=40)] | None = None
    """Telephone number, optional."""

    @model_validator(mode="after")
    def _electronic_address(self) -> Operator:
        if self.email is None and self.url is None:
            raise ValueError("needs an electronic address: email or url")
        return self


@dataclass(frozen=True, slots=True)
class ProductOperators:
    """The operators one product names, each with its configured id.

    Attributes:
        manufacturer: (id, operator), or None when the product names none that is
            configured (or names none at all).
        responsible_person: (id, operator) of the EU responsible person, or None.
        importer: (id, operator) of the importer, or None.
        unknown: Ids the product names that ``[operators]`` does not have, by attribute.
    """

    manufacturer: tuple[str, Operator] | None
    responsible_person: tuple[str, Operator] | None
    importer: tuple[str, Operator] | None
    unknown: Mapping[str, str]


class Operators(StrictModel):
    """The ``[operators]`` section: operators by id and the brand -> manufacturer map.

    The TOML keeps them side by side (``[operators.<id>]`` and ``[operators.brands]``):
    every key but ``brands`` is an operator's id.
    """

    table: dict[str, Operator] = Field(default_factory=dict)
    """Operators by id (the TOML's ``[operators.<id>]`` tables)."""
    brands: dict[str, str] = Field(default_factory=dict)
    """Brand as the catalog writes it -> the id of its manufacturer."""

    @model_validator(mode="before")
    @classmethod
    def _split(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or "table" in raw:
            return raw
        return {
            "table": {key: value for key, value in raw.items() if key != "brands"},
            "brands": raw.get("brands", {}),
        }

    @model_validator(mode="after")
    def _brands_known(self) -> Operators:
        unknown = sorted(
            f"{brand} -> {ident}" for brand, ident in self.brands.items() if ident not in self.table
        )
        if unknown:
            raise ValueError(
                f"brands map to operators that have no [operators.<id>] table: {', '.join(unknown)}"
            )
        return self

    def resolve(self, attributes: Mapping[str, str], brand: str | None) -> ProductOperators:
        """The operators a product names: by attribute first, the manufacturer else by brand.

        >>> ops = Operators.model_validate({"acme": {"name": "Acme", "url": "https://a.example",
        ...     "address": {"street": "1 Main St", "postal_code": "1", "city": "X",
        ...     "country": "US"}}, "brands": {"Acme": "acme"}})
        >>> found = ops.resolve({"responsible_person_id": "nobody"}, "Acme")
        >>> found.manufacturer[0], found.responsible_person, dict(found.unknown)
        ('acme', None, {'responsible_person_id': 'nobody'})
        """
        from schemas.product import IMPORTER_ID, MANUFACTURER_ID, RESPONSIBLE_PERSON_ID

        unknown: dict[str, str] = {}

        def named(attribute: str, fallback: str | None = None) -> tuple[str, Operator] | None:
            ident = (attributes.get(attribute) or "").strip() or fallback
            if not ident:
                return None
            operator = self.table.get(ident)
            if operator is None:
                unknown[attribute] = ident
                return None
            return ident, operator

        by_brand = self.brands.get(brand.strip()) if brand else None
        return ProductOperators(
            manufacturer=named(MANUFACTURER_ID, by_brand),
            responsible_person=named(RESPONSIBLE_PERSON_ID),
            importer=named(IMPORTER_ID),
            unknown=unknown,
        )
