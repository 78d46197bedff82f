"""`AmazonListingsFeed`: one market's ``JSON_LISTINGS_FEED`` files (`feeds.amazon`), their
messages written as checked, a parent message before the first of its children a file
holds, deletions on a delta run, and the check of a finished file."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from feeds.amazon.attributes import listing_attributes
from feeds.amazon.marketplace import MARKETPLACE_IDS, NET_PRICE_COUNTRIES, SCHEMA
from feeds.amazon.variations import parent_message, variation
from feeds.checks import json_file_problems, schema_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import content_hash, dumps, text_hash
from schemas.categories import first_mapped
from schemas.config.channels.amazon import AmazonChannel

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing


class AmazonListingsFeed(FeedWriter):
    """Writes one market's Amazon JSON listings feed, a file of at most 10,000 messages."""

    spec = FeedSpec(
        name="amazon",
        extension="json",
        media_type="application/json",
        description="Amazon SP-API JSON_LISTINGS_FEED v2.0",
        # One short of Amazon's 10,000: a variant may bring its parent message along.
        max_items_per_file=9_999,
        delta=True,
    )

    def write_header(self) -> None:
        self.market_id = self.marketplace_id(MARKETPLACE_IDS)
        self.settings = self.settings_as(AmazonChannel) or AmazonChannel(required=["title"])
        if self.market.prices_include_vat == (self.market.country in NET_PRICE_COUNTRIES):
            raise ValueError(
                f"market {self.market.code}: Amazon's {self.market.country} marketplace takes "
                + (
                    "prices before sales tax; set prices_include_vat = false"
                    if self.market.prices_include_vat
                    else "prices with VAT; set prices_include_vat = true"
                )
            )
        self._parents: dict[str, tuple[str | None, str]] = {}
        """Group -> its parent message's text while this file has still to carry it
        (None once written), and the text's hash."""
        seller = self.settings.seller_id
        header = {
            "sellerId": seller or "UNSET",
            "version": "2.0",
            "issueLocale": self.market.locale,
        }
        self.stream.write(f'{{"header":{dumps(header)},"messages":['.encode())

    def write_footer(self) -> None:
        self.stream.write(b"\n]}\n")

    def write_deletion(self, sku: str) -> bool:
        self._write({"sku": sku, "operationType": "DELETE"})
        self.context.deleted.append(sku)
        return True

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        product_type = first_mapped(listing.categories, dict(self.context.categories))
        attributes = listing_attributes(self, listing, findings, product_type or "")
        if product_type is None:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "productType",
                    "missing_product_type",
                    "no Amazon product type for the categories "
                    f"{', '.join(listing.categories) or '(none)'} in the category mapping",
                )
            )
        theme = variation(self, listing, findings, attributes)
        self.check_gpsr(listing, findings)
        if any(f.severity == "error" for f in findings):
            return findings
        assert product_type is not None  # an error finding otherwise
        message = {
            "sku": listing.sku,
            "operationType": "UPDATE",
            "productType": product_type,
            "requirements": "LISTING",
            "attributes": attributes,
        }
        text = dumps(message)  # serialized once: hashed, then written
        digest = text_hash(text)
        group = listing.group if theme is not None else None
        if theme is not None and group is not None and group not in self._parents:
            parent = parent_message(self, listing, findings, product_type, theme, attributes)
            if parent is None:
                return findings
            self._parents[group] = parent
        previous = self.context.previous
        if previous is not None and previous.get(listing.sku) == digest:
            # Sent before exactly so, in a file that passed its check: nothing to send.
            self.context.hashes[listing.sku] = digest
            self.context.unchanged += 1
            if group is not None:
                self._keep_parent(group)
            return findings
        if self.breaks_schema(
            listing,
            findings,
            SCHEMA,
            {**message, "messageId": 1},
            definition="message",
            what="message",
            whose="Amazon's",
        ):
            return findings
        if group is not None:
            parent_text, parent_digest = self._parents[group]
            if parent_text is not None:
                self._write_text(parent_text)
                self.context.parents_sent += 1
                self._parents[group] = (None, parent_digest)
            self.context.hashes[group] = parent_digest
            self.context.parents.add(group)
        self.context.hashes[listing.sku] = digest
        self.context.checked.add(digest)
        self._write_text(text)
        return findings

    def _keep_parent(self, group: str) -> None:
        """A delta run sends none of the group's variants (so far): its parent stays as
        Amazon has it, listed (so not deleted)."""
        if group not in self.context.hashes:
            previous = self.context.previous
            sent = previous.get(group) if previous is not None else None
            self.context.hashes[group] = sent or self._parents[group][1]
            self.context.parents.add(group)

    def _write(self, message: dict[str, Any]) -> None:
        self._write_text(dumps(message))

    def _write_text(self, text: str) -> None:
        """Write a message serialized by `dumps`, its ``messageId`` put first: the same
        bytes as ``dumps({"messageId": n, **message})`` (compact separators, keys in order)."""
        self.items_written += 1
        separator = "\n" if self.items_written == 1 else ",\n"
        self.stream.write(f'{separator}{{"messageId":{self.items_written},{text[1:]}'.encode())

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        """The whole file against the schema. A message whose content the writer checked
        already (``known_good``) is not put through the schema a second time: one message
        in the envelope stands for the shape, every other one is checked in full."""
        if not known_good:
            return json_file_problems(path, SCHEMA)
        raw = path.read_bytes()
        as_written = _as_written(raw, known_good)
        if as_written is not None:
            envelope, unknown, first = as_written
            shape = {**envelope, "messages": unknown or [first]}
            return schema_problems(SCHEMA, shape)[:5]
        try:
            document = json.loads(raw, parse_float=Decimal)
        except ValueError as exc:
            return [f"not JSON: {exc}"]
        messages = document.get("messages") if isinstance(document, dict) else None
        if not isinstance(messages, list) or not messages:
            return schema_problems(SCHEMA, document)
        problems = []
        if len(messages) > 10_000:
            problems.append(f"messages: {len(messages)} messages, more than 10,000")
        ids = [m.get("messageId") for m in messages if isinstance(m, dict)]
        if ids != list(range(1, len(messages) + 1)):
            problems.append("messages: messageId must count 1, 2, 3, ... through the file")
        unknown = [
            m
            for m in messages
            if not isinstance(m, dict)
            or m.get("operationType") != "UPDATE"
            or content_hash({k: v for k, v in m.items() if k != "messageId"}) not in known_good
        ]
        shape = {**document, "messages": unknown or messages[:1]}
        return (problems + schema_problems(SCHEMA, shape))[:5]


def _as_written(
    raw: bytes, known_good: Collection[str]
) -> tuple[dict[str, Any], list[Any], Any] | None:
    """A file laid out as the writer writes it, read a line at a time: its envelope (with
    no messages), the messages not in ``known_good``, and the first message.

    The writer puts the header on the first line, then each message on a line of its own
    (``messageId`` first, then the `dumps` text whose hash is in ``known_good``), then
    ``]}``. A line whose text hashes to a known message is that message exactly, valid
    JSON, so it is not parsed again (parsing is most of what a check of a 10,000-message
    file costs); every other line is. None when the file is laid out otherwise, or a
    line holds anything but one message counted in turn: the caller then reads the file
    as a whole, which reports what is wrong.
    """
    try:
        lines = raw.decode().split("\n")
    except UnicodeDecodeError:
        return None
    if len(lines) < 4 or lines[-2:] != ["]}", ""] or len(lines) - 3 > 10_000:
        return None
    try:
        envelope = json.loads(lines[0] + "]}", parse_float=Decimal)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or envelope.get("messages") != []:
        return None
    unknown: list[Any] = []
    first: Any = None
    last = len(lines) - 3
    for number, line in enumerate(lines[1:-2], start=1):
        text = line if number == last else line.removesuffix(",")
        if number != last and text == line:
            return None  # a message but the last ends with a comma
        prefix = f'{{"messageId":{number},'
        known = text.startswith(prefix) and text_hash("{" + text[len(prefix) :]) in known_good
        if known and number > 1:
            continue
        try:
            message = json.loads(text, parse_float=Decimal)
        except ValueError:
            return None
        if not isinstance(message, dict) or message.get("messageId") != number:
            return None
        if number == 1:
            first = message
        if not known:
            unknown.append(message)
    return envelope, unknown, first
