"""Step 5, build: one market's listings and feed files, unpublished, in three mapped steps:
``localize_shard`` (per market and shard), ``write_channel`` (per market and channel) and
``assemble_market`` (per market); `build_market_feeds` runs the three in one process."""

from __future__ import annotations

import csv
import heapq
import json
import struct
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import msgspec

from feeds.contract import WriterContext
from feeds.scratch import ScratchStore
from feeds.titles import TitleBook
from pipeline.layout import (
    ASSEMBLED,
    COMPLETENESS,
    KEYED_FINDINGS,
    LISTINGS,
    MARKET_FINDINGS,
    PRICES,
    REFUSED_SUFFIX,
    RESULT,
    SHARDS,
    STATE_SUFFIX,
    SnapshotError,
    path_like,
    read_refused,
    read_snapshot,
)
from schemas.findings import Finding, readable
from schemas.listing import Listing
from transforms.completeness import completeness
from transforms.localize import localize
from transforms.money import Pricer
from transforms.storage import ensure_dir, remove_tree
from transforms.translation.outcome import read_market_translations

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from feeds.contract import FeedWriter
    from feeds.scratch import DiskMapping
    from schemas.categories import CategoryMap
    from schemas.config.channel import Channel, Requirement
    from schemas.config.market import Market
    from schemas.config.pipeline import PipelineConfig
    from schemas.config.pricing import Pricing
    from schemas.findings import Finding as FindingType
    from transforms.ecb_rates import EcbRates
    from transforms.storage import StoragePath


def build_market_feeds(
    snapshot: StoragePath | Path,
    market: Market,
    market_dir: StoragePath | Path,
    *,
    pricing: Pricing,
    rates: EcbRates | None,
    requirements: Mapping[str, Sequence[Requirement]] | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    translations: StoragePath | Path | None = None,
    source_locale: str = "en_US",
    channel_settings: Mapping[Any, Channel] | None = None,
    category_map: CategoryMap | None = None,
    mode: Literal["full", "delta"] = "full",
    live_dir: StoragePath | Path | None = None,
) -> dict[str, Any]:
    """Localize every product for one market and write its feeds (unpublished), in this
    process: `localize_shard` over the whole snapshot, `write_channel` for each of the
    market's channels, then `assemble_market`. The DAG runs the same three steps as
    separate tasks (shards and channels spread over workers); the files are the same.

    A product goes into a channel's feed only if it is not quarantined by the
    catalog rules, localizes for the market, meets the channel's requirements
    for this market (completeness 100 %) and passes the writer's own checks.
    Each step that sets it aside writes findings; ``completeness.csv`` records
    every localized product's completeness per channel.

    Args:
        pricing: Catalog prices, VAT and the base currency (``[pricing]``).
        rates: The run's ECB rates, for prices to convert.
        requirements: Channel -> required attributes (none checked when absent).
        quarantine: Sku -> catalog rules that block it.
        translations: The market's translation outcome (`transforms.translation.outcome`).
        source_locale: Locale translations were made from.
        channel_settings: ``[channels.<name>]`` of the configuration.
        category_map: Catalog category -> each channel's category.
        mode: ``delta`` sends API channels (Amazon, eBay) only what changed since the
            last published feed, and deletions; other channels always get full files.
        live_dir: The market's published folder, where the last content hashes are.

    Returns:
        What `assemble_market` returns.
    """
    shard = localize_shard(
        snapshot,
        None,
        market,
        market_dir,
        pricing=pricing,
        rates=rates,
        requirements=requirements,
        quarantine=quarantine,
        translations=translations,
        source_locale=source_locale,
    )
    written = [
        write_channel(
            [shard],
            market,
            channel,
            market_dir,
            channel_settings=channel_settings,
            category_map=category_map,
            mode=mode,
            live_dir=live_dir,
        )
        for channel in market.channels
    ]
    return assemble_market(
        [shard], written, market, market_dir, mode=mode, rate_day=_rate_day(rates)
    )


def localize_shard(
    snapshot: StoragePath | Path,
    shard: Mapping[str, int] | None,
    market: Market,
    market_dir: StoragePath | Path,
    *,
    pricing: Pricing,
    rates: EcbRates | None,
    requirements: Mapping[str, Sequence[Requirement]] | None = None,
    quarantine: Mapping[str, Sequence[str]] | None = None,
    translations: StoragePath | Path | None = None,
    source_locale: str = "en_US",
) -> dict[str, Any]:
    """The ``localize_shard`` task: one shard of the snapshot (`stage_catalog`'s
    ``shards``; None: all of it) localized for one market.

    Every product is checked against the quarantine, localized (texts, price, units)
    and checked against each channel's required attributes. What goes on, to the
    market's `write_channel` tasks, is a listings file (each listing with its position
    in the snapshot and the channels it is incomplete for); beside it the shard's part
    of the market's findings (keyed by position, for `assemble_market` to merge in
    snapshot order), completeness and prices.

    Returns:
        ``market``, ``shard`` (index), ``products``, ``set_aside`` and ``reasons``
        (rule -> products it set aside in the whole market) of the shard, ``missing``
        (channel -> required attribute -> listings that lack it) and ``dir``, its folder.
    """
    requirements = requirements or {}
    quarantine = quarantine or {}
    index = shard["index"] if shard else 0
    folder = market_dir / SHARDS / f"{index:05d}"
    ensure_dir(folder)
    reasons: Counter[str] = Counter()
    missing_by_channel: dict[str, Counter[str]] = {name: Counter() for name in market.channels}
    products = set_aside = 0
    encode = msgspec.msgpack.Encoder(decimal_format="string").encode
    pricer = Pricer(market, pricing, rates)
    with (
        (folder / LISTINGS).open("wb") as listings_stream,
        (folder / KEYED_FINDINGS).open("w", encoding="utf-8") as findings_stream,
        (folder / COMPLETENESS).open("w", encoding="utf-8", newline="") as completeness_stream,
        (folder / PRICES).open("w", encoding="utf-8", newline="") as prices_stream,
        read_market_translations(translations) as translated,
    ):
        completeness_rows = csv.writer(completeness_stream, lineterminator="\r\n")
        price_rows = csv.writer(prices_stream, lineterminator="\r\n")
        first = shard["first"] if shard else 0
        products_in = (
            read_snapshot(snapshot, shard["start"], shard["end"])
            if shard
            else read_snapshot(snapshot)
        )
        for position, product in enumerate(products_in, start=first):
            products += 1
            blocked = quarantine.get(product.sku)
            if blocked:
                set_aside += 1
                reasons["quarantined"] += 1
                finding = _quarantined(product.sku, market.code, blocked)
                _write_keyed(findings_stream, position, _MARKET, (finding,))
                continue
            listing = localize(
                product,
                market,
                pricer,
                translated.get(product.sku),
                source_locale=source_locale,
            )
            if isinstance(listing, list):
                set_aside += 1
                reasons[_first_error(listing)] += 1
                _write_keyed(findings_stream, position, _MARKET, listing)
                continue
            _write_keyed(findings_stream, position, _MARKET, listing.warnings)
            price = listing.price
            price_rows.writerow(
                (
                    listing.sku,
                    market.code,
                    price.amount,
                    price.currency,
                    listing.unit_price_text or "",
                    listing.price_note,
                )
            )
            incomplete: list[int] = []
            for number, name in enumerate(market.channels):
                percent, missing = completeness(listing, requirements.get(name, ()))
                completeness_rows.writerow(
                    (listing.sku, market.code, name, percent, " ".join(missing))
                )
                if missing:
                    missing_by_channel[name].update(missing)
                    incomplete.append(number)
                    found = _incomplete(listing.sku, market.code, name, percent, missing)
                    _write_keyed(findings_stream, position, number, found)
            record = encode((position, incomplete, listing))
            listings_stream.write(_LENGTH.pack(len(record)))
            listings_stream.write(record)
    return _with_result_file(
        folder / RESULT,
        {
            "market": market.code,
            "shard": index,
            "products": products,
            "set_aside": set_aside,
            "reasons": dict(sorted(reasons.items())),
            "missing": {
                name: dict(sorted(counts.items())) for name, counts in missing_by_channel.items()
            },
            "dir": str(folder),
        },
    )


def write_channel(
    shards: Sequence[Mapping[str, Any]],
    market: Market,
    channel: str,
    market_dir: StoragePath | Path,
    *,
    channel_settings: Mapping[Any, Channel] | None = None,
    category_map: CategoryMap | None = None,
    mode: Literal["full", "delta"] = "full",
    live_dir: StoragePath | Path | None = None,
) -> dict[str, Any]:
    """The ``write_channel`` task: one channel's feed files for one market, from the
    listings of every shard of the market (`localize_shard`'s results, in any order:
    read in snapshot order), so the files are the same however the catalog was cut.

    A listing incomplete for the channel is counted, not written; the writer's own
    checks may set others aside (findings, keyed by the listing's position). The files
    are checked once, whole. What the channel remembers per item (content hashes,
    checked hashes, titles, the last published hashes) is kept in a scratch file
    (`feeds.scratch.ScratchStore`), removed when the task ends, so its memory does not
    grow with the catalog.

    Returns:
        ``market``, ``channel``, ``parts`` (one dict per file with ``channel``,
        ``path``, ``items`` written and ``valid``), ``summary`` (`_ChannelFiles.summary`)
        and ``findings``, the channel's keyed findings file.
    """
    from pipeline.channels import writer_class

    ordered = sorted(shards, key=lambda result: int(result["shard"]))
    folder = path_like(market_dir, ordered[0]["dir"]).parent if ordered else market_dir / SHARDS
    ensure_dir(folder)
    products = sum(int(result["products"]) for result in ordered)
    market_reasons: Counter[str] = Counter()
    for result in ordered:
        market_reasons.update(result["reasons"])
    number = market.channels.index(channel)
    decode = msgspec.msgpack.Decoder(tuple[int, list[int], Listing]).decode
    findings_path = folder / f"{channel}.{KEYED_FINDINGS}"
    with (
        findings_path.open("w", encoding="utf-8") as findings_stream,
        ExitStack() as streams,
    ):
        store = streams.enter_context(ScratchStore())  # closed (and removed) last
        output = _ChannelFiles(
            writer_class(channel),
            market,
            market_dir,
            streams,
            WriterContext(
                channel=(channel_settings or {}).get(channel),
                categories=category_map.for_channel(channel, market.code) if category_map else {},
            ),
            store,
            previous_state=_previous_state(live_dir, channel, store),
            delta=mode == "delta",
            live_listed=_live_listings(live_dir, market.code, channel),
        )
        for result in ordered:
            listings = path_like(market_dir, result["dir"]) / LISTINGS
            for position, incomplete, listing in _read_records(listings, decode):
                if number in incomplete:
                    output.reasons["incomplete"] += 1
                    continue
                found = output.write(listing)
                if any(f.severity == "error" for f in found):
                    output.reasons[_first_error(found)] += 1
                _write_keyed(findings_stream, position, number, found)
        output.finish(products, market_reasons)
        _write_keyed(findings_stream, _AFTER_ALL, number, output.problems)
        summary = output.summary(products, market_reasons)
    return _with_result_file(
        folder / f"{channel}.{RESULT}",
        {
            "market": market.code,
            "channel": channel,
            "parts": output.parts,
            "summary": summary,
            "findings": str(findings_path),
        },
    )


def assemble_market(
    shards: Sequence[Mapping[str, Any]],
    channels: Sequence[Mapping[str, Any]],
    market: Market,
    market_dir: StoragePath | Path,
    *,
    mode: Literal["full", "delta"] = "full",
    rate_day: str | None = None,
) -> dict[str, Any]:
    """The ``assemble_market`` task: one market's build result from its shards' and
    channels' results (other markets' are ignored, so the DAG can hand it all of them).

    Writes the market's ``findings.jsonl`` (every shard's and channel's findings merged
    in snapshot order: a product's own findings, then its channels' in the market's
    order; the channels' file findings last), ``completeness.csv`` and ``prices.csv``
    (the shards' parts in order under one header), then removes the shards' folder.

    Returns:
        ``market``, ``products`` considered, ``set_aside`` for the whole market,
        ``reasons`` (rule -> number of products it set aside; channel rules
        are prefixed with the channel), ``feeds`` (one dict per file with ``channel``,
        ``path``, ``items`` written and ``valid``), ``channels`` (per channel: listed,
        set aside and why, sent, unchanged, deleted, valid, withheld, state, and
        ``missing``: required attribute -> listings that lack it), ``mode``,
        ``rate_day`` and the ``findings``, ``completeness`` and ``prices`` files.
    """
    ordered = sorted(
        (s for s in shards if s["market"] == market.code), key=lambda s: int(s["shard"])
    )
    by_channel = {c["channel"]: c for c in channels if c["market"] == market.code}
    missing = [name for name in market.channels if name not in by_channel]
    if not ordered or missing:
        raise ValueError(
            f"market {market.code}: cannot assemble the build, "
            + ("no shard was localized" if not ordered else f"no result for {missing}")
        )
    reasons: Counter[str] = Counter()
    lacking: dict[str, Counter[str]] = {name: Counter() for name in market.channels}
    for result in ordered:
        reasons.update(result["reasons"])
        for name, counts in result.get("missing", {}).items():
            lacking[name].update(counts)
    sources = [path_like(market_dir, s["dir"]) / KEYED_FINDINGS for s in ordered]
    sources += [path_like(market_dir, by_channel[c]["findings"]) for c in market.channels]
    with ExitStack() as streams, (market_dir / MARKET_FINDINGS).open("w", encoding="utf-8") as out:
        keyed = [
            _keyed_lines(streams.enter_context(p.open("r", encoding="utf-8"))) for p in sources
        ]
        for _key, line in heapq.merge(*keyed, key=lambda item: item[0]):
            out.write(line)
    for name, header in (
        (COMPLETENESS, "sku,market,channel,completeness,missing\r\n"),
        (PRICES, "sku,market,price,currency,unit_price,how\r\n"),
    ):
        with (market_dir / name).open("wb") as out:
            out.write(header.encode())
            for result in ordered:
                with (path_like(market_dir, result["dir"]) / name).open("rb") as part:
                    while chunk := part.read(1 << 20):
                        out.write(chunk)
    result = _with_result_file(
        market_dir / ASSEMBLED,
        {
            "market": market.code,
            "products": sum(int(s["products"]) for s in ordered),
            "set_aside": sum(int(s["set_aside"]) for s in ordered),
            "reasons": dict(sorted(reasons.items())),
            "feeds": [part for c in market.channels for part in by_channel[c]["parts"]],
            "channels": {
                c: {**by_channel[c]["summary"], "missing": dict(sorted(lacking[c].items()))}
                for c in market.channels
            },
            "mode": mode,
            "rate_day": rate_day,
            "findings": str(market_dir / MARKET_FINDINGS),
            "completeness": str(market_dir / COMPLETENESS),
            "prices": str(market_dir / PRICES),
        },
    )
    remove_tree(market_dir / SHARDS)  # last: a retry finds the result written above
    return result


_MARKET = -1
"""Channel number of a product's own findings (quarantine, localize): before its channels'."""
_AFTER_ALL = 1 << 62
"""Position of a channel's file findings: after every product's."""
_LENGTH = struct.Struct("<I")


def _write_keyed(stream: IO[str], position: int, channel: int, findings: Iterable[Finding]) -> None:
    """Findings as ``<position> <channel number> <JSON>`` lines, for `assemble_market`."""
    for finding in findings:
        stream.write(f"{position} {channel} {readable(finding).to_json()}\n")


def _keyed_lines(stream: IO[str]) -> Iterator[tuple[tuple[int, int], str]]:
    for line in stream:
        position, channel, text = line.split(" ", 2)
        yield (int(position), int(channel)), text


def _read_records(path: StoragePath | Path, decode: Any) -> Iterator[Any]:
    """The length-prefixed msgpack records of a shard's listings file, decoded."""
    with path.open("rb") as stream:
        while header := stream.read(_LENGTH.size):
            size = _LENGTH.unpack(header)[0]
            record = stream.read(size)
            if len(header) < _LENGTH.size or len(record) < size:
                raise SnapshotError(f"{path} ends inside a record: the shard is incomplete")
            yield decode(record)


def _with_result_file(path: StoragePath | Path, result: dict[str, Any]) -> dict[str, Any]:
    """``result``, also written to ``path``: the market's later tasks read their inputs
    from the staging area (`read_results`), not every market's results from XCom."""
    with path.open("w", encoding="utf-8") as stream:
        json.dump(result, stream, sort_keys=True)
    return result


def read_results(
    market_dir: StoragePath | Path, shards: int, channels: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The results `localize_shard` wrote for shards 0 .. ``shards - 1`` of a market, and
    those `write_channel` wrote for ``channels``.

    Raises:
        FileNotFoundError: naming the shard or channel whose task left no result.
    """
    paths = [market_dir / SHARDS / f"{index:05d}" / RESULT for index in range(shards)]
    paths += [market_dir / SHARDS / f"{channel}.{RESULT}" for channel in channels]
    loaded = []
    for path in paths:
        try:
            with path.open("r", encoding="utf-8") as stream:
                loaded.append(json.load(stream))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{path} is missing: its localize_shard or write_channel task did not finish"
            ) from None
    return loaded[:shards], loaded[shards:]


def _rate_day(rates: EcbRates | None) -> str | None:
    return str(rates.day) if rates is not None else None


def _previous_state(
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


class _ChannelFiles:
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
    ) -> None:
        self.cls = cls
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
        self.parts: list[dict[str, Any]] = []
        self.problems: list[FindingType] = []
        self.writer: FeedWriter | None = None
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
        self.parts.append({"channel": spec.name, "path": str(path), "items": 0})
        return self.writer

    def write(self, listing: Listing) -> list[FindingType]:
        writer = self.writer or self._open()
        found = writer.write_item(listing)
        self._rotate()
        return found

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
        if self.api:
            state = self.market_dir / f"{self.name}{STATE_SUFFIX}"
            with state.open("w", encoding="utf-8") as stream:
                write_state(stream, self.hashes.items())
            self.state_path: str | None = str(state)
        else:
            self.state_path = None

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

    def summary(self, products: int, market_reasons: Mapping[str, int]) -> dict[str, Any]:
        """Per channel: listed, set aside and why (one reason per product, adding up to
        ``products - listed``), sent, unchanged, deleted, whether every file passed."""
        listed = self.listed()
        reasons = Counter(market_reasons) + self.reasons
        unexplained = products - listed - sum(reasons.values())
        if unexplained:  # a bug, shown rather than hidden: the line must add up
            reasons["unexplained"] += unexplained
        return {
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


def _first_error(findings: Sequence[FindingType]) -> str:
    """The rule a product is counted under when several set it aside: the first error."""
    return next(f.rule for f in findings if f.severity == "error")


def _live_listings(live_dir: StoragePath | Path | None, market: str, channel: str) -> int:
    """Listings of the channel's live feed: the last successful run's count, or 1 when
    there is a live file but no count (so an empty feed never replaces it)."""
    from transforms.gates import read_state

    if live_dir is None:
        return 0
    listed = int(read_state(live_dir.parent)["feeds"].get(f"{market}/{channel}", 0))
    if listed == 0 and live_dir.exists():
        if any(p.name.startswith((f"{channel}.", f"{channel}-")) for p in live_dir.iterdir()):
            return 1
    return listed


def _quarantined(sku: str, market: str, rules: Sequence[str]) -> Finding:
    return Finding(
        stage="validate",
        severity="error",
        sku=sku,
        market=market,
        field="(product)",
        rule="quarantined",
        message=f"left out: catalog rules {', '.join(rules)} failed (see the ingest and "
        "validate findings)",
    )


def _incomplete(
    sku: str, market: str, channel: str, percent: int, missing: Sequence[str]
) -> list[Finding]:
    return [
        Finding(
            stage="completeness",
            severity="error",
            sku=sku,
            market=market,
            channel=channel,
            field=name,
            rule="required_for_channel",
            message=f"{channel} in {market} requires {name}; the listing is {percent}% complete",
        )
        for name in missing
    ]


def shard_jobs(staged: Mapping[str, Any], markets: Sequence[str]) -> list[dict[str, Any]]:
    """One ``localize_shard`` task's arguments per market and shard of the snapshot."""
    return [{"market": code, "shard": shard} for code in markets for shard in staged["shards"]]


def channel_jobs(config: PipelineConfig, markets: Sequence[str]) -> list[dict[str, str]]:
    """One ``write_channel`` task's arguments per market and channel."""
    return [
        {"market": code, "channel": channel}
        for code in markets
        for channel in config.market(code).channels
    ]


def build_shard(
    config: PipelineConfig,
    code: str,
    shard: Mapping[str, int],
    run_dir: StoragePath | Path,
    *,
    staged: Mapping[str, Any],
    validated: Mapping[str, Any],
    translated: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``localize_shard`` task: `localize_shard` for market ``code`` with what the
    configuration and the earlier steps' results give it (paths of the same kind as
    ``run_dir``: local, or object storage)."""
    from pipeline.extract import load_rates

    market = config.market(code)
    with path_like(run_dir, validated["quarantine"]).open("r", encoding="utf-8") as stream:
        quarantine = config.validation.quarantine_in(json.load(stream), code)
    return localize_shard(
        path_like(run_dir, staged["snapshot"]),
        shard,
        market,
        run_dir / code,
        pricing=config.pricing,
        rates=load_rates(path_like(run_dir, staged["rates"])),
        requirements={c: config.requirements(market, c) for c in market.channels},
        quarantine=quarantine,
        translations=path_like(run_dir, translated["files"][code]),
        source_locale=config.translation.source_locale,
    )


def build_channel(
    config: PipelineConfig,
    code: str,
    channel: str,
    run_dir: StoragePath | Path,
    *,
    staged: Mapping[str, Any],
    output_root: StoragePath | Path,
    mode: Literal["full", "delta"] = "full",
) -> dict[str, Any]:
    """The ``write_channel`` task: `write_channel` for market ``code`` from the results
    its ``localize_shard`` tasks left in the staging area; the live feeds are under
    ``output_root``."""
    from schemas.categories import load_category_map

    categories = Path(config.categories_path) if config.categories_path else None
    shards, _ = read_results(run_dir / code, len(staged["shards"]))
    return write_channel(
        shards,
        config.market(code),
        channel,
        run_dir / code,
        channel_settings=config.channels,
        category_map=load_category_map(categories, markets=config.markets),
        mode=mode,
        live_dir=output_root / code,
    )


def assemble(
    config: PipelineConfig,
    code: str,
    run_dir: StoragePath | Path,
    *,
    staged: Mapping[str, Any],
    mode: Literal["full", "delta"] = "full",
) -> dict[str, Any]:
    """The ``assemble_market`` task: `assemble_market` for market ``code`` from the
    results its shard and channel tasks left in the staging area."""
    market = config.market(code)
    try:
        shards, channels = read_results(run_dir / code, len(staged["shards"]), market.channels)
    except FileNotFoundError:
        # A retry after the shards' staging was removed: the market is assembled already.
        done = run_dir / code / ASSEMBLED
        if not done.exists():
            raise
        with done.open("r", encoding="utf-8") as stream:
            assembled: dict[str, Any] = json.load(stream)
        return assembled
    return assemble_market(
        shards,
        channels,
        market,
        run_dir / code,
        mode=mode,
        rate_day=staged.get("rates_day"),
    )
