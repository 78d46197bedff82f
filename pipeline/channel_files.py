"""One channel's feed files for one market (`ChannelFiles`, which the ``write_channel``
task drives), and the content hashes an API channel keeps between runs for its deltas
(``<channel>.state.json``: `write_state`, `read_state_pairs`)."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, TYPE_CHECKING

from feeds.titles import TitleBook
from pipeline.layout import REFUSED_SUFFIX, STATE_SUFFIX, path_like, read_refused
from pipeline.records import ChannelSummary, FeedPart
from schemas.epr import missing_registrations, stop_reason
from schemas.findings import Finding

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from contextlib import ExitStack
    from pathlib import Path

    from feeds.contract import FeedWriter, WriterContext
    from feeds.scratch import DiskMapping, ScratchStore
    from pipeline.channel_prices import ChannelPrices
    from schemas.config.compliance import EprScheme
    from schemas.config.market import Market
    from schemas.listing import Listing
    from transforms.infra.storage import StoragePath


class ChannelFiles:
    """One channel's files for one market: parts of at most ``max_items_per_file`` items,
    deletions at the end, a format check of every file, the content hashes for next time.
    The context's per-item tables (hashes, checked, titles) are made in ``store``."""

    def __init__(
        self,
        cls: type[FeedWriter],
        market: Market,
        market_dir: StoragePath | Path,
        streams: ExitStack,
        context: WriterContext,
        store: ScratchStore,
        *,
        previous_state: DiskMapping[str] | None,
        delta: bool,
        live_listed: int = 0,
        prices: ChannelPrices | None = None,
    ) -> None:
        self.cls = cls
        self.prices = prices
        """The prior-price rule and the price history (`pipeline.channel_prices`); None
        when the run keeps no history."""
        self.history_path: str | None = None
        self.live_listed = live_listed
        self.reasons: Counter[str] = Counter()
        """Rule -> listings of this channel set aside by it (one rule per product)."""
        self.withheld: str | None = None
        self.name = cls.spec.name
        self.market = market
        self.market_dir = market_dir
        self.streams = streams
        self.context = context
        self.previous_state = previous_state
        # What the writers remember per item goes to the store, not the heap.
        self.hashes = store.mapping(f"{self.name}_hashes")
        context.hashes = self.hashes
        context.checked = store.set(f"{self.name}_checked")
        context.titles = TitleBook(owners=store.digest_mapping(f"{self.name}_titles"))
        self.api = cls.spec.delta
        if self.api and delta:
            context.previous = previous_state or {}
        self.parts: list[FeedPart] = []
        self.problems: list[Finding] = []
        self.writer: FeedWriter | None = None
        # EPR schemes the market lacks a registration for, and the listings each covers.
        self.epr_missing = missing_registrations(
            market.country, self.name, market.epr, market.compliance.epr
        )
        self.epr_in_scope: Counter[EprScheme] = Counter()
        self._open()

    def _open(self) -> FeedWriter:
        spec = self.cls.spec
        part = len(self.parts) + 1
        name = f"{spec.name}-{part:04d}" if spec.max_items_per_file else spec.name
        path = self.market_dir / f"{name}.{spec.extension}"
        stream = self.streams.enter_context(path.open("wb"))
        self.stream = stream
        self.writer = self.cls(stream, self.market, self.context, part=part)
        self.writer.write_header()
        self.parts.append(FeedPart(channel=spec.name, path=str(path), items=0, valid=True))
        return self.writer

    def write(self, listing: Listing) -> list[Finding]:
        writer = self.writer or self._open()
        notes: list[Finding] = []
        if self.prices is not None:
            listing, notes = self.prices.adjust(listing)
        found = writer.write_item(listing)
        if self.prices is not None and not any(f.severity == "error" for f in found):
            self.prices.record(listing)
        self._rotate()
        if self.epr_missing and not any(f.severity == "error" for f in found):
            for missing in self.epr_missing:
                if missing.covers(listing.categories):
                    self.epr_in_scope[missing.scheme] += 1
        return notes + found if notes else found

    def _rotate(self) -> None:
        limit = self.cls.spec.max_items_per_file
        if self.writer is not None and limit and self.writer.items_written >= limit:
            self._close()

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.write_footer()
            self.writer.close()
            # An object store writes the object when it is closed: check_file reads it next.
            self.stream.close()
            self.parts[-1]["items"] = self.writer.items_written
            self.writer = None

    def listed(self) -> int:
        """Products this channel lists (on a delta run, sent or unchanged); an Amazon
        group's parent is not one."""
        if self.api:
            return len(self.context.hashes) - len(self.context.parents)
        return sum(p["items"] for p in self.parts)

    def finish(self, products: int, market_reasons: Mapping[str, int]) -> None:
        """Write deletions, close the last file, check every file's format, and withhold
        a feed with no listings (see `Market.allow_empty_feeds`)."""
        if self.api and self.previous_state:
            for sku in self.previous_state.keys_not_in(self.hashes):
                writer = self.writer or self._open()
                if writer.write_deletion(sku):
                    part = self.parts[-1]
                    part["deletions"] = part.get("deletions", 0) + 1
                self._rotate()
        self._close()
        for part in self.parts:
            part["valid"] = True
            if self.api and part["items"] == 0 and not part.get("deletions"):
                part["valid"] = False  # nothing to send: no file goes out
                continue
            found = self.cls.check_file(
                path_like(self.market_dir, part["path"]), self.context.checked
            )
            if found:
                part["valid"] = False
                self._file_problem(
                    "feed_file_invalid",
                    f"{part['path'].rsplit('/', 1)[-1]} fails the {self.name} format check "
                    "and is not published: " + "; ".join(found),
                )
        if self.listed() == 0 and (self.live_listed or not self.market.allow_empty_feeds):
            self._withhold(products, market_reasons)
        elif self.epr_in_scope:
            self._stop_for_epr()
        if self.api:
            state = self.market_dir / f"{self.name}{STATE_SUFFIX}"
            with state.open("w", encoding="utf-8") as stream:
                write_state(stream, self.hashes.items())
            self.state_path: str | None = str(state)
        else:
            self.state_path = None
        if self.prices is not None:
            self.history_path = self.prices.finish(self.market_dir)

    def _withhold(self, products: int, market_reasons: Mapping[str, int]) -> None:
        if self.live_listed:
            why = (
                f"the live {self.name} feed lists {self.live_listed} products and this run's "
                "lists none; the live feed stays"
            )
        else:
            why = (
                f"this run's {self.name} feed lists none of the market's {products} products; "
                "nothing is published (allow_empty_feeds is off for the market)"
            )
        causes = Counter(market_reasons) + self.reasons
        if causes:
            why += " (set aside: " + ", ".join(f"{r} {n}" for r, n in causes.most_common(3)) + ")"
        self.withheld = why
        for part in self.parts:
            part["valid"] = False
        self._file_problem(
            "empty_feed_withheld", f"{why}; an empty full feed would delist every product"
        )

    def _stop_for_epr(self) -> None:
        """Withhold the feed: it lists goods in scope of an EPR scheme the market has no
        registration for, and the channel blocks them (`schemas.epr`)."""
        self.withheld = stop_reason(
            self.market.code, self.name, dict(self.epr_in_scope), self.listed()
        )
        for part in self.parts:
            part["valid"] = False
        self._file_problem("epr_registration_missing", self.withheld)

    def _file_problem(self, rule: str, message: str) -> None:
        """A finding about the channel's file as a whole (it is not published)."""
        self.problems.append(
            Finding(
                stage="feed",
                severity="error",
                sku=None,
                market=self.market.code,
                channel=self.name,
                field="(file)",
                rule=rule,
                message=message,
            )
        )

    def summary(self, products: int, market_reasons: Mapping[str, int]) -> ChannelSummary:
        """Per channel: listed, set aside and why (one reason per product, adding up to
        ``products - listed``), sent, unchanged, deleted, whether every file passed."""
        listed = self.listed()
        reasons = Counter(market_reasons) + self.reasons
        unexplained = products - listed - sum(reasons.values())
        if unexplained:  # a bug, shown rather than hidden: the line must add up
            reasons["unexplained"] += unexplained
        summary: ChannelSummary = {
            "listed": listed,
            "set_aside": products - listed,
            "reasons": dict(sorted(reasons.items())),
            # Listings sent (and deletions); a group's parent message is none of them.
            "sent": sum(p["items"] for p in self.parts) - self.context.parents_sent,
            "unchanged": self.context.unchanged,
            "deleted": len(self.context.deleted),
            "valid": self.withheld is None
            and all(p["valid"] or (self.api and p["items"] == 0) for p in self.parts),
            "withheld": self.withheld,
            "state": self.state_path,
        }
        if self.prices is not None:  # a run that keeps a price history
            summary["sales"] = self.prices.sales
            summary["prior_price_corrections"] = self.prices.corrections
            summary["history"] = self.history_path
        return summary


def previous_state(
    live_dir: StoragePath | Path | None, channel: str, store: ScratchStore
) -> DiskMapping[str] | None:
    """Content hashes of the channel's last published feed, read into a table of
    ``store`` (None when there is none)."""
    if live_dir is None:
        return None
    path = live_dir / f"{channel}{STATE_SUFFIX}"
    if not path.exists():
        return None
    state = store.mapping(f"{channel}_previous")
    try:
        with path.open("r", encoding="utf-8") as stream:
            state.load(read_state_pairs(stream))
    except ValueError:  # not a pair a line (written otherwise): read as a whole
        state = store.mapping(f"{channel}_previous_whole")
        with path.open("r", encoding="utf-8") as stream:
            loaded: dict[str, str] = json.load(stream)
        state.load(loaded.items())
    # Refused by the marketplace: sent again, changed or not (no content hashes to "").
    for sku in read_refused(live_dir / f"{channel}{REFUSED_SUFFIX}"):
        if sku in state:
            state[sku] = ""
    return state


def live_listings(live_dir: StoragePath | Path | None, market: str, channel: str) -> int:
    """Listings of the channel's live feed: the last successful run's count, or 1 when
    there is a live file but no count (so an empty feed never replaces it)."""
    from transforms.infra.gates import read_state

    if live_dir is None:
        return 0
    listed = read_state(live_dir.parent).feeds.get(f"{market}/{channel}", 0)
    if listed == 0 and live_dir.exists():
        if any(p.name.startswith((f"{channel}.", f"{channel}-")) for p in live_dir.iterdir()):
            return 1
    return listed


def read_state_pairs(lines: Iterable[str], chunk: int = 10_000) -> Iterator[tuple[str, str]]:
    r"""The (sku, content hash) pairs of a state file, ``chunk`` lines at a time.

    The file is a JSON object, sku -> hash, as `write_state` writes it: a pair a line
    (``json.dump(..., indent=0)``); the lines of a chunk are parsed as one object. A
    file laid out otherwise raises ValueError: read it with ``json.load`` then.

    >>> dict(read_state_pairs(['{\n', '"A-1": "0f",\n', '"B\\u00e4": "1e"\n', '}']))
    {'A-1': '0f', 'Bä': '1e'}
    >>> list(read_state_pairs(["{}"]))
    []
    """
    texts: list[str] = []
    for line in lines:
        text = line.strip().removeprefix("{").removesuffix("}").strip().removesuffix(",")
        if text:  # not a brace on a line of its own, or {} for no items
            texts.append(text)
        if len(texts) == chunk:
            yield from _state_chunk(texts)
            texts = []
    yield from _state_chunk(texts)


def _state_chunk(texts: list[str]) -> Iterable[tuple[str, str]]:
    """The pairs of some lines of a state file (each one or more ``"sku": "hash"``)."""
    pairs = json.loads("{" + ",".join(texts) + "}")
    if not all(isinstance(value, str) for value in pairs.values()):
        raise ValueError("not a state file: a value is not a content hash")
    return pairs.items()  # type: ignore[no-any-return]


def write_state(stream: IO[str], hashes: Iterable[tuple[str, str]]) -> None:
    """Write (sku, content hash) pairs given in sku order as the state file: the same
    text as ``json.dump(dict(hashes), stream, indent=0, sort_keys=True)``, one pair at a
    time.

    >>> import io
    >>> pairs, text = [("A-1", "0f"), ("Bä", "1e")], io.StringIO()
    >>> write_state(text, pairs)
    >>> text.getvalue() == json.dumps(dict(pairs), indent=0, sort_keys=True)
    True
    """
    separator = "{\n"
    for sku, digest in hashes:
        stream.write(f"{separator}{json.dumps(sku)}: {json.dumps(digest)}")
        separator = ",\n"
    stream.write("{}" if separator == "{\n" else "\n}")
