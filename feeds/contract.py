"""The one small contract every marketplace feed writer implements.

A writer is created on an open binary stream for one market, then called as
``write_header()``, ``write_item(listing)`` for each listing, ``write_footer()``
and ``close()``. It never builds the whole feed in memory. ``write_item``
applies the channel's rules and returns findings: an ``error`` finding means
the item was left out of the file, ``warning`` findings describe what was
changed (a title cut to length, say).

A channel whose files hold a limited number of items (Amazon: 10,000 messages)
sets ``FeedSpec.max_items_per_file``; the caller then starts a new file, with a
new writer sharing the same `WriterContext`, whenever one is full. Before a
file is published the caller runs ``check_file`` on it: a file that does not
pass the channel's format check is not published.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, TYPE_CHECKING, ClassVar, TypeVar

# At module level: the writers clean several texts per item, and an import statement
# in a method costs about a microsecond per call.
from feeds.text import cut_at_word
from feeds.titles import TitleBook, compose_title, rule_key
from schemas.compliance import gpsr_applies, gpsr_problems
from schemas.energy import energy_label_applies, energy_label_problems
from schemas.text import SAFE_TAGS, clean_html, clean_text

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, MutableMapping, MutableSet
    from datetime import datetime
    from pathlib import Path

    from schemas.config.channel import Channel, TitleRule
    from schemas.config.market import Market
    from schemas.findings import Finding
    from schemas.listing import Listing
    from schemas.text import CleanText

_Settings = TypeVar("_Settings", bound="Channel")


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a channel's files are.

    Attributes:
        name: Registry name, as markets name it in the config (``google``).
        extension: File name extension without the dot.
        media_type: MIME type of the file.
        description: One line for people.
    """

    name: str
    extension: str
    media_type: str
    description: str
    max_items_per_file: int | None = None
    delta: bool = False
    """An API channel that takes only what changed (and deletions) on a delta run."""
    carries_price: bool = True
    """The channel's files state the price buyers pay (eBay's in each item's offer). False
    for a channel whose files state none: no price history is kept for it, no prior-price
    rule is applied and no sale is counted, since the file announces none."""


@dataclass
class WriterContext:
    """What a writer needs beyond the market, shared by all files of one channel and run.

    Attributes:
        channel: The channel's configuration (``[channels.<name>]``).
        categories: Catalog category -> this channel's category for the market.
        previous: On a delta run, content hash per sku of the last published feed;
            None on a full run.
        hashes: Content hash per sku of every item written (kept for the next delta run).
        deleted: Skus the writer sent a deletion for.
        unchanged: Items a delta run left out because they did not change.
        checked: Content hashes of the items the writer checked against the schema.
        titles: The titles written so far, so that each product's is unique in the feed.

    ``previous``, ``hashes``, ``checked`` and the titles' owners hold an entry per item:
    a build gives them tables of a `feeds.scratch.ScratchStore` so that its memory does
    not grow with the catalog; the defaults (a dict, a set) suit a few items.
    """

    channel: Channel | None = None
    categories: Mapping[str, str] = field(default_factory=dict)
    previous: Mapping[str, str] | None = None
    hashes: MutableMapping[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    checked: MutableSet[str] = field(default_factory=set)
    titles: TitleBook = field(default_factory=TitleBook)
    parents: MutableSet[str] = field(default_factory=set)
    """Keys of ``hashes`` that are no listing of the catalog: the parent of a product
    group (Amazon), tracked like an item for deltas and deletions but not counted as
    listed."""
    parents_sent: int = 0
    """Parent messages written (Amazon): in the files, not among the listings sent."""
    run_at: datetime | None = None
    """The run's moment (time-zone aware), against which sales are judged
    (`feeds.sales.phase`): one whose end has passed is not sent, one that starts later
    only where the channel takes a dated sale. None: no date is judged (a writer used
    outside a run), every sale counts as running."""


def _prepared(listing: Listing, markup: str) -> CleanText | None:
    """The listing's title or description as its market's ``localize_shard`` task cleaned
    it (`feeds.prepared`), when ``markup`` is one of them; None otherwise."""
    prepared = listing.prepared
    if prepared is None:
        return None
    if markup == listing.description:
        return prepared.description
    if markup == listing.title:
        return prepared.title
    return None


class FeedWriter(ABC):
    """Base of all feed writers; see the module docstring for the call order."""

    spec: ClassVar[FeedSpec]

    def __init__(
        self,
        stream: IO[bytes],
        market: Market,
        context: WriterContext | None = None,
        *,
        part: int = 1,
    ) -> None:
        self.stream = stream
        self.market = market
        self.context = context or WriterContext()
        self.part = part
        self.items_written = 0
        self._title_claimed_at: int | None = None

    def write_deletion(self, sku: str) -> bool:
        """Tell the channel a product is gone; False for channels that have no deletions
        (a full feed: what it does not list is removed)."""
        return False

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        """Problems of a written file against the channel's format; none by default.

        ``known_good`` holds the content hashes of items this run's writer already
        checked against the same rules; a channel may skip re-checking those (it still
        reads every item, so anything else in the file is checked in full).
        """
        return []

    def settings_as(self, model: type[_Settings]) -> _Settings | None:
        """The channel's settings as ``model``, the model registered for the channel
        (`schemas.config.channel.register_channel`); None when the writer was given none.

        Raises:
            TypeError: when the settings are another channel's model.
        """
        channel = self.context.channel
        if channel is None or isinstance(channel, model):
            return channel
        raise TypeError(
            f"{self.spec.name}: the channel's settings are a {type(channel).__name__}, not "
            f"the {model.__name__} registered for it"
        )

    def marketplace_id(self, ids: Mapping[str, str]) -> str:
        """The channel's marketplace id for this market's country.

        Raises:
            ValueError: naming the market and the countries the channel serves.
        """
        country = self.market.country
        if country not in ids:
            raise ValueError(
                f"market {self.market.code}: {self.spec.name} has no marketplace for {country}; "
                f"known: {', '.join(sorted(ids))}"
            )
        return ids[country]

    def plain(self, listing: Listing, findings: list[Finding], field: str, markup: str) -> str:
        """``markup`` as plain text (`schemas.text.clean_text`); what had to go is reported."""
        cleaned = _prepared(listing, markup) or clean_text(markup)
        self.report_cleaning(listing, findings, field, markup, cleaned)
        return cleaned.text

    def html(
        self,
        listing: Listing,
        findings: list[Finding],
        field: str,
        markup: str,
        allowed: frozenset[str] | None = None,
    ) -> str:
        """``markup`` reduced to the ``allowed`` tags (`schemas.text.clean_html`; default
        `schemas.text.SAFE_TAGS`); what had to go beyond tags and attributes is reported."""
        cleaned = clean_html(markup, SAFE_TAGS if allowed is None else allowed)
        self.report_cleaning(listing, findings, field, markup, cleaned)
        return cleaned.text

    def cut(
        self,
        listing: Listing,
        findings: list[Finding],
        field: str,
        markup: str,
        limit: int,
        rule: str = "text_shortened",
    ) -> str:
        """``markup`` as plain text (`plain`) cut at a word boundary to ``limit``; a cut
        is reported."""
        text = self.plain(listing, findings, field, markup)
        if len(text) <= limit:
            return text
        findings.append(
            self.finding(
                listing,
                "warning",
                field,
                rule,
                f"{field} cut at a word boundary to {limit} characters",
                markup,
            )
        )
        return cut_at_word(text, limit)

    def title(self, listing: Listing, findings: list[Finding], field: str, limit: int) -> str:
        """The listing's title composed by the channel's title rule (`feeds.titles`): at
        most ``limit`` characters (or the channel's shorter ``title_length``) and unique
        in the feed. A shortened title and one shared with another product are reported
        (``title_shortened``, ``duplicate_title``)."""
        channel = self.context.channel
        if channel is None:
            rule = _default_title_rule()
        else:
            rule = channel.title_by_market.get(self.market.code, channel.title)
            limit = min(limit, channel.title_length or limit)
        book = self.context.titles
        if (
            self._title_claimed_at == self.items_written
            and book.last is not None
            and book.last[1] not in self.context.hashes
        ):
            book.release_last()  # the item before was left out: its title is free again
        name = " ".join(self.plain(listing, findings, field, listing.title).split())
        prepared = listing.prepared
        draft = prepared.draft(rule_key(rule)) if prepared is not None else None
        title = compose_title(listing, name, rule, limit, book, draft)
        self._title_claimed_at = self.items_written
        if title.shortened:
            parts = title.left_out
            listed = (
                ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
            )
            what = [f"{listed} left out"] if parts else []
            what += ["cut at a word boundary"] if title.cut else []
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    field,
                    "title_shortened",
                    f"{field} shortened from {len(title.full)} to {len(title.text)} "
                    f"characters ({limit} allowed): {', '.join(what)}",
                    title.full,
                )
            )
        if title.same_as is not None:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    field,
                    "duplicate_title",
                    f"{listing.sku} and {title.same_as} have the same {field}: none of "
                    f"{', '.join(rule.distinguish_by)} tells them apart",
                    title.text,
                )
            )
        return title.text

    def report_cleaning(
        self,
        listing: Listing,
        findings: list[Finding],
        field: str,
        markup: str,
        cleaned: CleanText,
    ) -> None:
        """A warning for markup-like text and one for invisible characters that went from
        ``field``, once per field and item (ten bullet points make one warning)."""
        if cleaned.markup_removed is None and cleaned.invisible_removed is None:
            return
        for rule, removed, message in (
            (
                "markup_removed",
                cleaned.markup_removed,
                f"{field}: text that reads as markup after decoding ({cleaned.markup_removed}) "
                "was removed",
            ),
            (
                "invisible_characters_removed",
                cleaned.invisible_removed,
                f"{field}: invisible characters ({cleaned.invisible_removed}) were removed",
            ),
        ):
            if removed is None or any(f.field == field and f.rule == rule for f in findings):
                continue
            findings.append(self.finding(listing, "warning", field, rule, message, markup))

    def breaks_schema(
        self,
        listing: Listing,
        findings: list[Finding],
        schema: str,
        item: object,
        *,
        definition: str | None = None,
        what: str,
        whose: str,
    ) -> bool:
        """Check one item against the channel's JSON Schema; when it breaks it, report
        ``schema_invalid`` (the item is left out) and return True."""
        from feeds.checks import schema_problems

        problems = schema_problems(schema, item, definition)
        if problems:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    f"({what})",
                    "schema_invalid",
                    f"the {what} breaks {whose} rules: " + "; ".join(problems),
                )
            )
        return bool(problems)

    def require(
        self,
        listing: Listing,
        findings: list[Finding],
        *checks: tuple[object, str, str, str],
        gtin_field: str | None = None,
    ) -> bool:
        """Report each (value, field, rule, message) whose value is empty, an invalid
        GTIN under ``gtin_field`` and what EU product law lacks (`check_product_law`);
        True when nothing so far keeps the item out."""
        from schemas.gtin import gtin_problem

        self.check_product_law(listing, findings)
        for value, name, rule, message in checks:
            if not value:
                findings.append(self.finding(listing, "error", name, rule, message))
        if gtin_field and listing.gtin:
            problem = gtin_problem(listing.gtin)
            if problem is not None:
                findings.append(
                    self.finding(
                        listing,
                        "error",
                        gtin_field,
                        "invalid_gtin",
                        f"GTIN {problem}",
                        listing.gtin,
                    )
                )
        return not any(f.severity == "error" for f in findings)

    def check_product_law(self, listing: Listing, findings: list[Finding]) -> bool:
        """What EU product law asks of a listing before it is published: its GPSR operators
        (`check_gpsr_operators`) and its energy label (`check_energy_label`). True when
        nothing is missing."""
        operators = self.check_gpsr_operators(listing, findings)
        return self.check_energy_label(listing, findings) and operators

    def check_gpsr(self, listing: Listing, findings: list[Finding]) -> bool:
        """The name writers called `check_product_law` by before the energy label joined
        the GPSR operators: the same checks."""
        return self.check_product_law(listing, findings)

    def check_energy_label(self, listing: Listing, findings: list[Finding]) -> bool:
        """Set a listing in an energy-label category (``[compliance.energy_label]``) aside
        in an EU market when it lacks its energy class or its EPREL registration number:
        an ``energy_label_missing`` / ``eprel_number_missing`` error finding naming what is
        missing and where to add it (Regulation (EU) 2017/1369 Art. 5 and 6(a), its
        delegated regulations' distance-selling annexes; `schemas.energy`). True when
        nothing is missing."""
        scope = self.market.compliance.energy_label
        if not energy_label_applies(self.market.country, self.spec.name, scope):
            return True
        problems = energy_label_problems(listing.sku, listing.categories, listing.attributes, scope)
        for problem in problems:
            findings.append(
                self.finding(
                    listing, "error", problem.field, problem.rule, problem.message, problem.value
                )
            )
        return not problems

    def check_gpsr_operators(self, listing: Listing, findings: list[Finding]) -> bool:
        """Set the listing aside in a channel that enforces EU product law in an EU market
        (`schemas.compliance.gpsr_applies`) when it lacks its manufacturer or EU
        responsible person: a ``gpsr_*`` error finding naming what is missing and where to
        add it (Regulation (EU) 2023/988, Art. 19). True when nothing is missing."""
        if not gpsr_applies(self.market.country, self.spec.name):
            return True
        problems = gpsr_problems(
            listing.sku, listing.brand, listing.attributes, self.market.operators
        )
        for problem in problems:
            findings.append(
                self.finding(
                    listing, "error", problem.field, problem.rule, problem.message, problem.value
                )
            )
        return not problems

    def finding(
        self,
        listing: Listing,
        severity: str,
        field: str,
        rule: str,
        message: str,
        value: object = None,
    ) -> Finding:
        """A finding about one listing in this channel."""
        from schemas.findings import Finding, shorten

        return Finding(
            stage="feed",
            severity=severity,  # type: ignore[arg-type]
            sku=listing.sku,
            market=listing.market,
            channel=self.spec.name,
            field=field,
            rule=rule,
            message=message,
            value=None if value is None else shorten(value),
        )

    @abstractmethod
    def write_header(self) -> None:
        """Write what comes before the first item."""

    @abstractmethod
    def write_item(self, listing: Listing) -> list[Finding]:
        """Check one listing against the channel's rules and write it if it passes."""

    @abstractmethod
    def write_footer(self) -> None:
        """Write what comes after the last item."""

    def close(self) -> None:
        """Flush buffers; the caller owns (and closes) the stream."""
        self.stream.flush()


@lru_cache(maxsize=1)
def _default_title_rule() -> TitleRule:
    """The title rule of a channel without settings, built once (a pydantic model)."""
    from schemas.config.channel import TitleRule

    return TitleRule()
