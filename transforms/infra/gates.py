"""Run-level gates: refuse to publish a catalog that collapsed, or a feed that shrank.

A marketplace delists whatever a full feed leaves out, so a PIM export that
came back half empty, or a rule that suddenly quarantines most products, must
stop the run before anything is published. A single feed that lost most of its
listings is held back on its own: its last good file stays live, every other
feed is published, and the run fails naming it. The last successful counts live
in a small JSON state file beside the published feeds (`GateState`); the feeds held
back this run, in the run's staging folder (`HeldFeeds`). Both are read through their
type: a file of another shape is refused, naming it (`StateFileError`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypedDict, TypeVar

import msgspec

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from transforms.infra.storage import StoragePath

T = TypeVar("T")

STATE_FILE = "last_successful_run.json"
HELD_FEEDS = "held_feeds.json"
"""In the run's staging folder: the feeds the shrink gate held back this run, and why."""


class GateClosed(RuntimeError):
    """The run must not publish; the message says why, with the numbers."""


class StateFileError(ValueError):
    """A gate's file that does not read as its type; the message names the file."""


class GateState(msgspec.Struct, kw_only=True):
    """The last successful run's counts (``last_successful_run.json`` beside the live
    feeds), which the next run's gates compare with. Every field has a default: before
    the first run there is no file, and an empty state stands for it."""

    run: str | None = None
    """The run that published them."""
    products: dict[str, int] = msgspec.field(default_factory=dict)
    """``catalog`` -> products read."""
    feeds: dict[str, int] = msgspec.field(default_factory=dict)
    """Feed (``DE/google``) -> its listings."""


class HeldFeed(TypedDict):
    """A feed the shrink gate held back (`hold_shrunk_feeds`)."""

    market: str
    channel: str
    before: int
    """Listings of the last successful run."""
    listed: int
    reason: str


class HeldFeeds(TypedDict):
    """What the shrink gate held back: the ``check_gates`` task's result, also
    ``held_feeds.json`` in the run's staging folder."""

    max_shrink_share: float
    feeds: list[HeldFeed]


class FeedCount(TypedDict):
    """A published feed's listings, as `record_success` keeps them (a published feed's
    record has these keys among others)."""

    market: str
    channel: str
    listed: int


def check_blocked_share(products: int, quarantined: int, max_share: float) -> None:
    """Refuse when more than ``max_share`` of the catalog is quarantined.

    >>> check_blocked_share(100, 10, 0.2)
    >>> check_blocked_share(100, 30, 0.2)
    Traceback (most recent call last):
    ...
    transforms.infra.gates.GateClosed: 30 of 100 products (30.0%) are quarantined by the catalog rules; the limit is 20.0%. Fix the catalog or raise validation.max_blocked_share.
    """  # noqa: E501
    if products and quarantined / products > max_share:
        raise GateClosed(
            f"{quarantined} of {products} products ({quarantined / products:.1%}) are quarantined "
            f"by the catalog rules; the limit is {max_share:.1%}. Fix the catalog or raise "
            "validation.max_blocked_share."
        )


def shrunk(
    current: Mapping[str, int], previous: Mapping[str, int], max_share: float
) -> dict[str, tuple[int, int]]:
    """Counts that fell by more than ``max_share`` since the last good run: name -> (before, now).

    A name the last good run did not count (a new market or channel) cannot shrink.

    >>> shrunk({"DE/google": 2, "US/google": 9, "FR/google": 0}, {"DE/google": 10,
    ...         "US/google": 10}, 0.3)
    {'DE/google': (10, 2)}
    """
    falls = {}
    for name, now in sorted(current.items()):
        before = previous.get(name, 0)
        if before and (before - now) / before > max_share:
            falls[name] = (before, now)
    return falls


def describe_fall(before: int, now: int, what: str) -> str:
    """A count's fall, for people.

    >>> describe_fall(10, 2, "listings")
    '10 -> 2 listings (-80%)'
    """
    return f"{before} -> {now} {what} (-{(before - now) / before:.0%})"


def check_shrink(
    current: Mapping[str, int], previous: Mapping[str, int], max_share: float, what: str
) -> None:
    """Refuse when any count fell by more than ``max_share`` since the last good run.

    Args:
        current: Counts of this run by name (``catalog``, ``DE/google``).
        previous: Counts of the last successful run.
        max_share: Largest allowed fall, as a share of the previous count.
        what: What is counted, for the message (``products``, ``listings``).
    """
    falls = shrunk(current, previous, max_share)
    if falls:
        raise GateClosed(
            f"shrank by more than {max_share:.0%} since the last successful run: "
            + "; ".join(f"{name}: {describe_fall(*fall, what)}" for name, fall in falls.items())
            + ". The previous feeds stay live; if the change is intended, raise "
            "validation.max_shrink_share for one run."
        )


def hold_shrunk_feeds(
    current: Mapping[str, int], previous: Mapping[str, int], max_share: float
) -> HeldFeeds:
    """The feeds to hold back because they lost more listings than ``max_share`` allows.

    Args:
        current: Listings of this run per feed (``DE/google``).
        previous: Listings of the last successful run per feed.
        max_share: ``validation.max_shrink_share``.

    Returns:
        What ``held_feeds.json`` holds: ``max_shrink_share`` and ``feeds``, one entry per
        held feed with ``market``, ``channel``, ``before``, ``listed`` and ``reason``.

    >>> hold_shrunk_feeds({"DE/google": 2, "US/google": 10}, {"DE/google": 10}, 0.3)["feeds"]
    [{'market': 'DE', 'channel': 'google', 'before': 10, 'listed': 2, 'reason': 'DE/google: 10 -> 2 listings (-80%): held back, the last good file stays live'}]
    """  # noqa: E501
    feeds = []
    for name, (before, now) in shrunk(current, previous, max_share).items():
        market, channel = name.split("/", 1)
        feeds.append(
            HeldFeed(
                market=market,
                channel=channel,
                before=before,
                listed=now,
                reason=f"{name}: {describe_fall(before, now, 'listings')}: held back, "
                "the last good file stays live",
            )
        )
    return HeldFeeds(max_shrink_share=max_share, feeds=feeds)


def held_channels(held: HeldFeeds | None, market: str) -> set[str]:
    """The channels of ``market`` that ``held`` (see `hold_shrunk_feeds`) holds back."""
    if held is None:
        return set()
    return {f["channel"] for f in held["feeds"] if f["market"] == market}


def held_back_reason(held: HeldFeeds | None) -> str | None:
    """Why the run fails when the shrink gate held feeds back; None when it held none.

    >>> held_back_reason(hold_shrunk_feeds({"DE/google": 2}, {"DE/google": 10}, 0.3))
    'a feed lost more than 30% of its listings since the last successful run: DE/google: 10 -> 2 listings (-80%): held back, the last good file stays live. If the change is intended, raise validation.max_shrink_share for one run.'
    """  # noqa: E501
    if held is None or not held["feeds"]:
        return None
    feeds = held["feeds"]
    subject = "a feed lost" if len(feeds) == 1 else f"{len(feeds)} feeds lost"
    their = "its" if len(feeds) == 1 else "their"
    return (
        f"{subject} more than {held['max_shrink_share']:.0%} of {their} listings since the "
        "last successful run: "
        + "; ".join(f["reason"] for f in feeds)
        + ". If the change is intended, raise validation.max_shrink_share for one run."
    )


def read_held_feeds(run_dir: StoragePath | Path) -> HeldFeeds | None:
    """What the shrink gate held back this run (``held_feeds.json``), None before it ran.

    Raises:
        StateFileError: naming the file, when it is not a `HeldFeeds`.
    """
    path = run_dir / HELD_FEEDS
    if not path.exists():
        return None
    return _read(path, HeldFeeds)


def read_state(output_root: StoragePath | Path) -> GateState:
    """Counts of the last successful run, or empty counts before the first one.

    A state written before a field was added reads with that field's default.

    Raises:
        StateFileError: naming the file, when it is not a `GateState`.
    """
    path = output_root / STATE_FILE
    if not path.exists():
        return GateState()
    return _read(path, GateState)


def _read(path: StoragePath | Path, kind: type[T]) -> T:
    with path.open("rb") as stream:
        data = stream.read()
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.DecodeError as error:  # ValidationError is one
        raise StateFileError(f"{path} is not a {kind.__name__} file: {error}") from None


def record_success(
    run: str,
    products: int,
    published: Iterable[FeedCount],
    work_dir: StoragePath | Path,
    output_root: StoragePath | Path,
) -> None:
    """Remember this run's counts as the last successful run's (atomically).

    Feeds this run did not publish (markets left out by the ``markets``
    parameter, feeds the shrink gate held back) keep their previous counts, so
    the next run compares with the file that is live.
    """
    from transforms.infra.storage import publish_atomically

    feeds = dict(read_state(output_root).feeds)
    feeds.update({f"{p['market']}/{p['channel']}": p["listed"] for p in published})
    state = GateState(run=run, products={"catalog": products}, feeds=feeds)
    staged = work_dir / STATE_FILE
    with staged.open("w", encoding="utf-8") as stream:
        json.dump(msgspec.to_builtins(state), stream, indent=1)
    publish_atomically(staged, output_root / STATE_FILE)
