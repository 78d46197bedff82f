"""Steps 6 and 7, check_gates and publish: hold back the feeds that shrank, replace the
others' live files atomically, with their manifest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.layout import (
    MANIFEST,
    REFUSED_SUFFIX,
)
from pipeline.records import (
    FeedEvent,
    Manifest,
    ManifestEntry,
    MarketBuild,
    PublishedFeed,
    read_manifest,
    write_manifest,
)
from transforms.infra.price_history import FileHistory
from transforms.infra.storage import ensure_dir, publish_atomically

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from pipeline.records import ChannelFigures
    from schemas.config.pipeline import Validation
    from transforms.infra.gates import HeldFeeds
    from transforms.infra.price_history import PriceHistoryStore
    from transforms.infra.storage import StoragePath


def check_feed_shrink(
    built: Iterable[MarketBuild],
    settings: Validation,
    output_root: StoragePath | Path,
    run_dir: StoragePath | Path,
) -> HeldFeeds:
    """Hold back each feed that lost more listings than allowed since the last good run.

    Only the feeds that shrank are held: `publish_market` leaves their live files as
    they are, every other feed publishes, and the run's summary fails the run naming
    them. Written to ``held_feeds.json`` in ``run_dir`` (every time, so a rerun that
    holds nothing back clears an earlier attempt's list).

    Returns:
        What `transforms.infra.gates.hold_shrunk_feeds` returns: the share allowed and the
        feeds held back.
    """
    from transforms.infra.gates import HELD_FEEDS, hold_shrunk_feeds, read_state

    current = {
        f"{b['market']}/{channel}": info["listed"]
        for b in built
        for channel, info in b["channels"].items()
    }
    held = hold_shrunk_feeds(current, read_state(output_root).feeds, settings.max_shrink_share)
    ensure_dir(run_dir)
    with (run_dir / HELD_FEEDS).open("w", encoding="utf-8") as stream:
        json.dump(held, stream, indent=1)
        stream.write("\n")
    return held


def publish_market(
    built: MarketBuild,
    output_root: StoragePath | Path,
    path_factory: Any = Path,
    *,
    run_id: str = "",
    held: Collection[str] = (),
    history: PriceHistoryStore | None = None,
) -> list[PublishedFeed]:
    """Publish one market's staged feeds atomically under ``<output>/<market>/``.

    After the feeds, ``manifest.json`` is published beside them (also
    atomically): per feed its file, channel, item count and sha256, and the
    run that produced them, so an uploader can check what it sends.

    Args:
        built: What `build_market_feeds` returned.
        output_root: Root of the published feeds.
        path_factory: Turns the staged path strings back into path objects
            (``ObjectStoragePath`` in the DAG).
        run_id: The run's key, recorded in the manifest.
        held: Channels the shrink gate held back (`check_feed_shrink`): their live
            files and delta state stay as they are, and so do their manifest entries
            (each with the ``run`` that produced it).
        history: Where the price history lives (`transforms.infra.price_history`; files
            under ``output_root`` when None): each published channel's staged history
            becomes the live one, a channel not published keeps its own.

    Returns:
        The published files.
    """
    market_dir = output_root / built["market"]
    ensure_dir(market_dir)
    published: list[PublishedFeed] = []
    channels = built["channels"]
    for feed in built["feeds"]:
        info = channels[feed["channel"]]
        if feed["channel"] in held:
            continue
        if not feed["valid"] or not info["valid"]:
            continue  # an API file with nothing to send, or a channel that failed its check
        source = path_factory(feed["path"])
        target = market_dir / source.name
        sha256 = publish_atomically(source, target)
        published.append(
            PublishedFeed(
                market=built["market"],
                channel=feed["channel"],
                path=str(target),
                file=source.name,
                items=feed["items"],
                listed=info["listed"],
                sha256=sha256,
            )
        )
    for channel, info in channels.items():
        state = info["state"]
        if state and info["valid"] and channel not in held:
            source = path_factory(state)
            publish_atomically(source, market_dir / source.name)
            refused = market_dir / f"{channel}{REFUSED_SUFFIX}"
            if refused.exists():  # this run sent them again
                refused.unlink()
        staged_history = info.get("history")
        if staged_history and info["valid"] and channel not in held:
            # Committed with the channel's files: a channel not published keeps its history.
            store = history or FileHistory(output_root)
            store.commit(built["market"], channel, path_factory(staged_history))
    replaced = {channel: info for channel, info in channels.items() if channel not in held}
    _remove_stale_parts(market_dir, replaced, {p["file"] for p in published})
    still_live: list[ManifestEntry] = []
    if held and (market_dir / MANIFEST).exists():
        live = read_manifest(market_dir / MANIFEST)
        still_live = [
            ManifestEntry(
                file=entry.file,
                channel=entry.channel,
                items=entry.items,
                sha256=entry.sha256,
                run=live.published_by(entry),
            )
            for entry in live.feeds
            if entry.channel in held
        ]
    manifest = Manifest(
        market=built["market"],
        run=run_id,
        mode=built["mode"],
        rate_day=built["rate_day"],
        feeds=[
            ManifestEntry(
                file=p["file"], channel=p["channel"], items=p["items"], sha256=p["sha256"]
            )
            for p in published
        ]
        + still_live,
    )
    staged_manifest = path_factory(built["findings"]).parent / MANIFEST
    write_manifest(staged_manifest, manifest)
    publish_atomically(staged_manifest, market_dir / MANIFEST)
    return published


def _remove_stale_parts(
    market_dir: StoragePath | Path, channels: Mapping[str, ChannelFigures], published: set[str]
) -> None:
    """Remove a channel's files this run did not replace (an older, longer Amazon file set,
    or last night's delta when nothing changed), so the folder holds this run's files only.
    Channels whose files failed their check keep theirs."""
    from pipeline.channels import writer_class

    if not market_dir.exists():  # an object store lists no folder that holds nothing
        return

    for channel, info in channels.items():
        if not info["valid"]:
            continue
        extension = writer_class(channel).spec.extension
        pattern = re.compile(rf"^{re.escape(channel)}(-\d{{4}})?\.{re.escape(extension)}$")
        for path in market_dir.iterdir():
            if pattern.match(path.name) and path.name not in published:
                path.unlink()


def publish_run(
    built: Iterable[MarketBuild],
    held: HeldFeeds,
    output_root: StoragePath | Path,
    run_dir: StoragePath | Path,
    *,
    run_id: str,
    products: int,
    path_factory: Any = Path,
    history_conninfo: str | None = None,
) -> list[PublishedFeed]:
    """The ``publish`` task: every market's feeds (`publish_market`) except those the shrink
    gate held back (``held``, what `check_feed_shrink` returned), then the run's counts for
    the next run's gates (`transforms.infra.gates.record_success`). The price history
    goes to PostgreSQL when ``history_conninfo`` is given, else beside the feeds.

    Returns:
        The published files (see `publish_market`), for the caller's Asset events
        (`feed_events`).
    """
    from transforms.infra.gates import held_channels, record_success
    from transforms.infra.price_history import history_store

    store = history_store(output_root, history_conninfo)
    published: list[PublishedFeed] = []
    for result in built:
        published.extend(
            publish_market(
                result,
                output_root,
                path_factory,
                run_id=run_id,
                held=held_channels(held, result["market"]),
                history=store,
            )
        )
    record_success(run_id, products, published, run_dir, output_root)
    return published


def feed_events(published: Iterable[PublishedFeed], run_id: str) -> list[FeedEvent]:
    """One Asset event per published file, for the ``grenzenlos_feeds`` alias: the
    Asset is the live file, its extra what a delivery needs to know of it."""
    return [
        FeedEvent(
            uri=feed["path"],
            name=f"grenzenlos_feed_{feed['market']}_{feed['file'].rsplit('.', 1)[0]}",
            extra={
                "market": feed["market"],
                "channel": feed["channel"],
                "file": feed["file"],
                "items": feed["items"],
                "sha256": feed["sha256"],
                "run": run_id,
            },
        )
        for feed in published
    ]
