"""Allegro (PL) offers as JSON Lines: one ``POST /sale/product-offers`` body per line.

Per offer: ``external.id`` (the SKU), ``name`` at most 75 characters, the Allegro
``category.id`` from the category mapping, the product by GTIN, image URLs, a
description of one text section in Allegro's HTML subset (h1, h2, p, ul, ol, li,
b), ``sellingMode`` BUY_NOW with the price in PLN and ``language`` pl-PL
(../shared/DOMAIN.md: PLN, ``language: pl-PL``).

**EU product law** (GPSR, Regulation (EU) 2023/988, Art. 19, from 13 December 2024).
Allegro keeps the operators as records of its own and an offer references them by the
id Allegro gave them, per element of ``productSet`` (Allegro REST API,
``SaleProductOfferRequestV1``, the copy of 18 July 2026 in
``tests/contracts/allegro/``):

- ``responsibleProducer``: ``{"type": "ID", "id": ...}``, the manufacturer's
  ``allegro_responsible_producer_id`` (``[operators.<id>]``), registered through Allegro's
  Responsible producers API (``ProductSetElementResponsibleProducerIdRequest``; the
  contract also takes ``{"type": "NAME", "name": ...}``, which is not used: a name is
  Allegro's internal label, not ours);
- ``responsiblePerson``: ``{"id": ...}``, for a manufacturer outside the EU, the
  ``allegro_responsible_person_id`` of its EU responsible person (else of its importer in
  the EU), registered through the Responsible persons API
  (``ProductSetElementResponsiblePersonRequest``); not sent for a manufacturer in the EU;
- ``safetyInformation``: ``{"type": "TEXT", "description": ...}``, the product's
  warnings in the market's language (attribute ``safety_warning-pl_PL``), plain text of
  at most 5,000 characters (``TextSafetyInformation``). The contract's other form,
  ``ATTACHMENTS``, takes ids of files uploaded to Allegro (createOfferAttachment), not the
  catalog's document URLs, and ``NO_SAFETY_INFORMATION`` is in that contract a value
  Allegro *returns*, not one a request may send: neither is written.

In an EU market a listing is set aside (`feeds.contract.FeedWriter.check_gpsr_operators`)
without its manufacturer or EU responsible person, and here also when the operator has no
Allegro id (``allegro_responsible_producer_missing``,
``allegro_responsible_person_missing``): Allegro cannot be told who it is. A listing
without warnings in the market's language goes out with an
``allegro_safety_information_missing`` warning: Allegro asks for safety information on
most categories, and it can be added there or as ``safety_warning-pl_PL`` in the catalog.

Not written, and why: ``stock`` (required by the contract) has no source in the
listing yet, so the bodies are not complete create-offer requests until the delivery
step supplies it (``tests/unit/feeds/test_allegro_gpsr.py`` checks the body against the
contract and expects that one gap).

Sales: ``sellingMode.price`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends.
The offer body has no strike or former price (``sellingMode`` takes ``price``, and for
auctions ``startingPrice`` and ``minimalPrice``: POST /sale/product-offers,
developer.allegro.pl, read 2026-12); Allegro shows a crossed-out price only for offers
entered in its badge campaigns (``/sale/badges``, "Zarządzanie zgłoszeniami ofert do
kampanii"), a separate, campaign-bound process this writer does not drive, so nothing
of the sale's reference is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feeds.checks import json_lines_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import dumps, text_hash
from feeds.sales import selling_price
from schemas.categories import first_mapped, missing_category_message
from schemas.compliance import gpsr_applies, in_eu
from schemas.product import IMPORTER_ID, MANUFACTURER_ID, RESPONSIBLE_PERSON_ID, SAFETY_WARNING

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

SCHEMA = "allegro_offer"
NAME_LIMIT = 75
ALLEGRO_TAGS = frozenset({"h1", "h2", "p", "ul", "ol", "li", "b"})
SAFETY_TEXT_LIMIT = 5000
"""``TextSafetyInformation.description``: "Text can't be longer than 5000 characters"
(Allegro REST API contract of 18 July 2026)."""

_OperatorKey = tuple[str | None, str | None, str | None, str | None]
_Problem = tuple[str, str, str]


class AllegroOffers(FeedWriter):
    """Writes one market's Allegro offers."""

    spec = FeedSpec(
        name="allegro",
        extension="jsonl",
        media_type="application/x-ndjson",
        description="Allegro product-offers request bodies (JSON Lines)",
    )

    def write_header(self) -> None:
        if self.market.currency != "PLN":
            raise ValueError(f"market {self.market.code}: Allegro takes PLN prices only")
        # Once per file, not per item: the category map as the look-up takes it, whether
        # EU product law applies, and the attribute holding the market's warnings.
        self._categories = dict(self.context.categories)
        self._gpsr = gpsr_applies(self.market.country, self.spec.name)
        self._warning_key = f"{SAFETY_WARNING}-{self.market.locale}"
        self._no_warning = (
            f"no warnings or safety information in {self.market.locale} "
            f"({self._warning_key}): Allegro asks for them on most categories under EU "
            "product law; add them to the catalog or on Allegro"
        )
        self._operator_fields: dict[_OperatorKey, tuple[dict[str, Any], list[_Problem]]] = {}
        self._gpsr_passed: set[_OperatorKey] = set()

    def write_footer(self) -> None:
        pass

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        name = self.title(listing, findings, "name", NAME_LIMIT)
        category = first_mapped(listing.categories, self._categories)
        description = self.html(
            listing, findings, "description", listing.description, ALLEGRO_TAGS
        ).strip()
        if not self.require(
            listing,
            findings,
            (name, "name", "empty_title", "name is empty after cleaning"),
            (
                category,
                "category",
                "missing_category",
                missing_category_message("Allegro", listing.market, listing.categories),
            ),
            (listing.image_links, "images", "missing_image_link", "Allegro needs an image"),
            (description, "description", "empty_description", "Allegro needs a description"),
            gtin_field="productSet",
        ):
            return findings
        element: dict[str, Any] = {}
        if listing.gtin:
            element["product"] = {"id": listing.gtin, "idType": "GTIN"}
        if self._gpsr:
            fields, problems = self._operators(listing)
            for field, rule, message in problems:
                findings.append(self.finding(listing, "error", field, rule, message))
            if problems:
                return findings
            element |= fields
            element |= self._safety_information(listing, findings)
        price = selling_price(listing, self.context.run_at)
        offer: dict[str, Any] = {
            "external": {"id": listing.sku},
            "name": name,
            "category": {"id": category},
            "images": list(listing.image_links[:16]),
            "description": {"sections": [{"items": [{"type": "TEXT", "content": description}]}]},
            "sellingMode": {
                "format": "BUY_NOW",
                "price": {"amount": str(price.amount), "currency": price.currency},
            },
            "language": "pl-PL",
        }
        if element:
            offer["productSet"] = [element]
        if self.breaks_schema(listing, findings, SCHEMA, offer, what="offer", whose="Allegro's"):
            return findings
        text = dumps(offer)  # serialized once: hashed, then written
        self.context.checked.add(text_hash(text))
        self.stream.write((text + "\n").encode())
        self.items_written += 1
        return findings

    def check_gpsr_operators(self, listing: Listing, findings: list[Finding]) -> bool:
        """`feeds.contract.FeedWriter.check_gpsr_operators`, asked once per combination of
        brand and operator attributes that passes: its answer depends on nothing else, and
        a catalog has few operators and many products. Measured on the channel benchmark's
        listings (December 2026): about 5 µs per item asked each time, under 0.5 µs
        remembered, of some 80-100 µs the writer spends per item. (The energy-label check
        beside it depends on the categories and attributes, and is asked every time.)"""
        key = _operator_key(listing)
        if key in self._gpsr_passed:
            return True
        passed = super().check_gpsr_operators(listing, findings)
        if passed:
            self._gpsr_passed.add(key)
        return passed

    def _operators(self, listing: Listing) -> tuple[dict[str, Any], list[_Problem]]:
        """``responsibleProducer`` / ``responsiblePerson`` of the listing's operators, and
        what keeps them from being sent (field, rule, message).

        Worked out once per combination of brand and operator attributes, as
        `check_gpsr_operators`.
        """
        key = _operator_key(listing)
        known = self._operator_fields.get(key)
        if known is None:
            known = self._operator_fields[key] = self._resolve_operators(listing)
        return known

    def _resolve_operators(self, listing: Listing) -> tuple[dict[str, Any], list[_Problem]]:
        found = self.market.operators.resolve(listing.attributes, listing.brand)
        if found.manufacturer is None:  # check_gpsr_operators has set it aside already
            return {}, []
        fields: dict[str, Any] = {}
        problems: list[_Problem] = []
        ident, manufacturer = found.manufacturer
        if manufacturer.allegro_responsible_producer_id:
            fields["responsibleProducer"] = {
                "type": "ID",
                "id": manufacturer.allegro_responsible_producer_id,
            }
        else:
            problems.append(
                (
                    "responsibleProducer",
                    "allegro_responsible_producer_missing",
                    f"Allegro takes the manufacturer {manufacturer.name} as the id it gave it "
                    "(Responsible producers, GPSR): register it there and add "
                    f"allegro_responsible_producer_id to [operators.{ident}]",
                )
            )
        if not in_eu(manufacturer.address.country):
            persons = found.eu_responsible_persons()
            registered = [p for p in persons if p[1].allegro_responsible_person_id]
            if registered:
                fields["responsiblePerson"] = {"id": registered[0][1].allegro_responsible_person_id}
            else:
                person = persons[0] if persons else None
                where = (
                    f"add allegro_responsible_person_id to [operators.{person[0]}]"
                    if person
                    else "name the EU responsible person (responsible_person_id)"
                )
                problems.append(
                    (
                        "responsiblePerson",
                        "allegro_responsible_person_missing",
                        f"the manufacturer {manufacturer.name} is outside the EU, and Allegro "
                        "takes its EU responsible person as the id it gave it (Responsible "
                        f"persons, GPSR): register the person there and {where}",
                    )
                )
        return fields, problems

    def _safety_information(self, listing: Listing, findings: list[Finding]) -> dict[str, Any]:
        """``safetyInformation`` as TEXT from the warnings in the market's language; a
        warning finding when there are none."""
        warning = listing.attributes.get(self._warning_key, "").strip()
        if not warning:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "safetyInformation",
                    "allegro_safety_information_missing",
                    self._no_warning,
                )
            )
            return {}
        text = self.cut(listing, findings, "safetyInformation", warning, SAFETY_TEXT_LIMIT)
        return {"safetyInformation": {"type": "TEXT", "description": text}}

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        return json_lines_problems(path, SCHEMA, known_good)


def _operator_key(listing: Listing) -> _OperatorKey:
    """What decides a listing's operators: its brand and its operator attributes
    (`schemas.config.operators.Operators.resolve` reads nothing else)."""
    attributes = listing.attributes
    return (
        listing.brand,
        attributes.get(MANUFACTURER_ID),
        attributes.get(RESPONSIBLE_PERSON_ID),
        attributes.get(IMPORTER_ID),
    )
