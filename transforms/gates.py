"""Run-level gates: refuse to publish a catalog that collapsed.

A marketplace delists whatever a full feed leaves out, so a PIM export that
came back half empty, or a rule that suddenly quarantines most products, must
stop the run before anything is published. The last successful run's counts
live in a small JSON state file beside the published feeds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from transforms.storage import StoragePath

STATE_FILE = "last_successful_run.json"


class GateClosed(RuntimeError):
    """The run must not publish; the message says why, with the numbers."""


def check_blocked_share(products: int, quarantined: int, max_share: float) -> None:
    """Refuse when more than ``max_share`` of the catalog is quarantined.

    >>> check_blocked_share(100, 10, 0.2)
    >>> check_blocked_share(100, 30, 0.2)
    Traceback (most recent call last):
    ...
    transforms.gates.GateClosed: 30 of 100 products (30.0%) are quarantined by the catalog rules; the limit is 20.0%. Fix the catalog or raise validation.max_blocked_share.
    """  # noqa: E501
    if products and quarantined / products > max_share:
        raise GateClosed(
            f"{quarantined} of {products} products ({quarantined / products:.1%}) are quarantined "
            f"by the catalog rules; the limit is {max_share:.1%}. Fix the catalog or raise "
            "validation.max_blocked_share."
        )


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
    shrunk = []
    for name, now in sorted(current.items()):
        before = previous.get(name, 0)
        if before and (before - now) / before > max_share:
            shrunk.append(f"{name}: {before} -> {now} {what} (-{(before - now) / before:.0%})")
    if shrunk:
        raise GateClosed(
            f"shrank by more than {max_share:.0%} since the last successful run: "
            + "; ".join(shrunk)
            + ". The previous feeds stay live; if the change is intended, raise "
            "validation.max_shrink_share for one run."
        )


def read_state(output_root: StoragePath | Path) -> dict[str, Any]:
    """Counts of the last successful run, or empty counts before the first one."""
    path = output_root / STATE_FILE
    if not path.exists():
        return {"run": None, "products": {}, "feeds": {}}
    with path.open("r", encoding="utf-8") as stream:
        state: dict[str, Any] = json.load(stream)
    return state


def record_success(
    run: str,
    products: int,
    published: list[dict[str, Any]],
    work_dir: StoragePath | Path,
    output_root: StoragePath | Path,
) -> None:
    """Remember this run's counts as the last successful run's (atomically).

    Feeds this run did not publish (markets left out by the ``markets``
    parameter) keep their previous counts.
    """
    from transforms.storage import publish_atomically

    state = read_state(output_root)
    feeds = dict(state.get("feeds") or {})
    feeds.update({f"{p['market']}/{p['channel']}": p.get("listed", p["items"]) for p in published})
    staged = work_dir / STATE_FILE
    with staged.open("w", encoding="utf-8") as stream:
        json.dump({"run": run, "products": {"catalog": products}, "feeds": feeds}, stream, indent=1)
    publish_atomically(staged, output_root / STATE_FILE)
