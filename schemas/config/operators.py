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

Marketplaces that keep operators as records of their own (Allegro, bol.com) are sent the
id they gave the operator, kept on the operator beside its address
(``allegro_responsible_producer_id``, ``allegro_responsible_person_id``,
``bol_economic_operator_id``); `ProductOperators.responsible_in_eu` says which operator
answers for a product in the EU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, model_validator

from schemas.config.base import COUNTRY_CODE, StrictModel
from schemas.product import IMPORTER_ID, MANUFACTURER_ID, RESPONSIBLE_PERSON_ID

if TYPE_CHECKING:
    from collections.abc import Mapping

_TEXT = Annotated[str, Field(min_length=1, max_length=200)]
_CHANNEL_ID = Annotated[str, Field(pattern=r"^\S{1,100}$")]
"""An id a marketplace gave an operator (Allegro's are UUIDs, bol's too in its examples)."""


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
    allegro_responsible_producer_id: _CHANNEL_ID | None = None
    """The id Allegro gave this operator as a *responsible producer* (the manufacturer
    data Allegro shows on an offer), from Allegro's Responsible producers API
    (``GET /sale/responsible-producers``, field ``id``; Allegro REST API contract of
    18 July 2026, ``tests/contracts/allegro/``). Needed on the manufacturer of every
    product listed on Allegro in the EU: `feeds.allegro` sends it as
    ``productSet[].responsibleProducer``."""
    allegro_responsible_person_id: _CHANNEL_ID | None = None
    """The id Allegro gave this operator as a *responsible person* (the person in the EU
    responsible for a product of a manufacturer outside the EU), from Allegro's
    Responsible persons API (``GET /sale/responsible-persons``, field ``id``; same
    contract). Needed on the EU responsible person (or importer) of such products listed
    on Allegro: `feeds.allegro` sends it as ``productSet[].responsiblePerson``."""
    bol_economic_operator_id: _CHANNEL_ID | None = None
    """The id bol.com gave this operator in its economic operators (Economic Operator API
    v1; offers-v11.yaml 11.3.0, ``CreateOfferRequest.economicOperatorId``: "an identifier
    referring to the Economic operator entity", ``tests/contracts/bol/``; bol keeps offers
    without a valid one off sale since 1 February 2025). `feeds.bol` sends the id of the
    operator responsible for the product in the EU: the manufacturer when it is
    established in the EU, else the EU responsible person, else the importer."""

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

    def eu_responsible_persons(self) -> list[tuple[str, Operator]]:
        """The responsible person and the importer, those of them established in the EU,
        in that order: who answers in the EU for a manufacturer outside it (Art. 4 of
        Regulation (EU) 2019/1020, which GPSR Art. 16 refers to)."""
        from schemas.compliance import in_eu

        return [
            candidate
            for candidate in (self.responsible_person, self.importer)
            if candidate is not None and in_eu(candidate[1].address.country)
        ]

    def responsible_in_eu(self) -> tuple[str, Operator] | None:
        """The one operator that answers for the product in the EU: the manufacturer when
        it is established in the EU, else the first of `eu_responsible_persons`; None
        when there is none.

        >>> home = {"street": "1 Main St", "postal_code": "1", "city": "X", "country": "US"}
        >>> acme = Operator(name="Acme", url="https://a.example", address=home)
        >>> eu = Operator(name="Acme EU", url="https://a.example",
        ...     address={**home, "country": "DE"})
        >>> ProductOperators(("acme", acme), ("eu", eu), None, {}).responsible_in_eu()[0]
        'eu'
        """
        from schemas.compliance import in_eu

        if self.manufacturer is not None and in_eu(self.manufacturer[1].address.country):
            return self.manufacturer
        persons = self.eu_responsible_persons()
        return persons[0] if persons else None


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
        unknown: dict[str, str] = {}
        by_brand = self.brands.get(brand.strip()) if brand else None
        return ProductOperators(
            manufacturer=self._named(attributes, MANUFACTURER_ID, unknown, by_brand),
            responsible_person=self._named(attributes, RESPONSIBLE_PERSON_ID, unknown),
            importer=self._named(attributes, IMPORTER_ID, unknown),
            unknown=unknown,
        )

    def _named(
        self,
        attributes: Mapping[str, str],
        attribute: str,
        unknown: dict[str, str],
        fallback: str | None = None,
    ) -> tuple[str, Operator] | None:
        """The operator ``attribute`` names (else ``fallback``'s); an id without a table
        goes into ``unknown``."""
        value = attributes.get(attribute)
        ident = (value.strip() if value else "") or fallback
        if not ident:
            return None
        operator = self.table.get(ident)
        if operator is None:
            unknown[attribute] = ident
            return None
        return ident, operator
