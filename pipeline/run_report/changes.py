"""The run report's preview of what the team's files changed: per rule and overrides file
(and market and channel), how many listings it changed and the before and after of the
first of them; where two of them set one field of a listing, which won and which was
overridden; and the rules that matched no listing. Read from the run's
``override_applied`` and ``feed_rule_unmatched`` findings (`pipeline.overrides`). In a dry
run (nothing published) this is the preview of the next live run."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, TypedDict

from pipeline.layout import RUN_INDEX, RUN_RECORD
from pipeline.run_report.record import TeamFile, decode_index
from pipeline.run_report.run_files import HISTORY_RUNS, read_json, read_record

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pipeline.records import MarketBuild
    from transforms.infra.storage import StoragePath

FIRST_PRODUCTS = 5
"""Products shown with their before and after per rule or file."""
_WHO = r"(?P<source>\S+) (?P<where>row \d+|rule (?P<rule>'.*?'|\".*?\") \(line (?P<line>\d+)\))"
_APPLIED = re.compile(
    rf"^(?P<field>\S+) set by {_WHO}: (?P<change>.*?)"
    r"(?: \((?P<verdict>overridden by|wins over) (?P<other>.*): (?P<why>[^:]*)\))?$"
)
_UNMATCHED = re.compile(rf"^{_WHO} matched no (?P<channel>\S+) listing in (?P<market>\S+)$")
_ROW = re.compile(r" row \d+")


class ProductChange(TypedDict):
    sku: str
    changes: list[str]
    """``field: 'before' -> 'after'``, with ``(overridden by ...)`` where another won."""


class FileChanges(TypedDict):
    """What one rule, or one overrides file, changed in one market's channel."""

    market: str
    channel: str
    source: str
    rule: str
    """The rule's name; empty for an overrides file."""
    line: int | None
    listings: int
    overridden: int
    """Listings where another rule or the overrides file set the same field after it."""
    products: list[ProductChange]


class Conflict(TypedDict):
    """Listings where several rules or file rows set one field: who won over whom."""

    market: str
    channel: str
    field: str
    winner: str
    overridden: str
    why: str
    listings: int
    skus: list[str]
    """The first `FIRST_PRODUCTS`."""


class UnmatchedRule(TypedDict):
    source: str
    rule: str
    line: int
    where: list[str]
    """``market channel`` pairs where the rule matched no listing."""


class TeamFileState(TypedDict):
    name: str
    location: str
    state: str
    """``changed since <run>``, ``unchanged since <run>`` or ``new``."""


class TeamChanges(TypedDict):
    files: list[FileChanges]
    conflicts: list[Conflict]
    unmatched: list[UnmatchedRule]
    read: list[TeamFileState]
    """The files the run read, each as against the last run that read it."""


def changes_view(findings: StoragePath | Path, team_files: Sequence[TeamFile] = ()) -> TeamChanges:
    """One entry per (market, channel, file, rule): listings changed, and the first
    `FIRST_PRODUCTS` with each field's ``before -> after``; the conflicts between them; and
    the rules that matched nothing where they apply; and the ``team_files`` the run read
    (its record's), changed or not since the last run that read them.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> line = {"rule": "override_applied", "market": "CH", "channel": "google", "sku": "A",
    ...         "message": "price set by ch.csv row 2: '26.90 CHF' -> '24.90 CHF'"}
    >>> _ = (folder / "f.jsonl").write_text(json.dumps(line) + "\\n")
    >>> changes_view(folder / "f.jsonl")["files"][0]["products"]
    [{'sku': 'A', 'changes': ["price: '26.90 CHF' -> '24.90 CHF'"]}]
    """
    view = TeamChanges(files=[], conflicts=[], unmatched=[], read=[])
    view["read"] = [
        TeamFileState(name=_name(f.location), location=f.location, state=_state(f))
        for f in team_files
    ]
    if not findings.exists():
        return view
    groups: dict[tuple[str, str, str, str, int], FileChanges] = {}
    listed: dict[tuple[str, str, str, str, int], set[str]] = {}
    overridden: dict[tuple[str, str, str, str, int], set[str]] = {}
    conflicts: dict[tuple[str, ...], tuple[Conflict, set[str]]] = {}
    unmatched: dict[tuple[str, str, int], UnmatchedRule] = {}
    with findings.open("r", encoding="utf-8") as stream:
        for text in stream:
            if '"override_applied"' not in text and '"feed_rule_unmatched"' not in text:
                continue  # most lines: no JSON parsed
            finding = json.loads(text)
            message = str(finding.get("message") or "")
            if finding.get("rule") == "feed_rule_unmatched":
                if found := _UNMATCHED.match(message):
                    rule = (found["source"], found["rule"][1:-1], int(found["line"]))
                    entry = unmatched.setdefault(
                        rule, UnmatchedRule(source=rule[0], rule=rule[1], line=rule[2], where=[])
                    )
                    entry["where"].append(f"{found['market']} {found['channel']}")
                continue
            match = _APPLIED.match(message)
            if finding.get("rule") != "override_applied" or match is None:
                continue
            market, channel = str(finding.get("market") or ""), str(finding.get("channel") or "")
            sku = str(finding.get("sku") or "")
            line = int(match["line"]) if match["line"] else None
            key = (market, channel, match["source"], (match["rule"] or "")[1:-1], line or 0)
            group = groups.setdefault(
                key,
                FileChanges(market=market, channel=channel, source=key[2], rule=key[3],
                            line=line, listings=0, overridden=0, products=[]),
            )  # fmt: skip
            listed.setdefault(key, set()).add(sku)
            skus = overridden.setdefault(key, set())
            change = f"{match['field']}: {match['change']}"
            if match["verdict"]:
                change += f" ({match['verdict']} {match['other']})"
            if match["verdict"] == "overridden by":
                skus.add(sku)
            elif match["verdict"] == "wins over":
                _count_conflict(conflicts, market, channel, sku, match)
            shown = group["products"]
            if shown and shown[-1]["sku"] == sku:
                shown[-1]["changes"].append(change)
            elif len(shown) < FIRST_PRODUCTS:
                shown.append(ProductChange(sku=sku, changes=[change]))
    for at, group in groups.items():
        group["listings"], group["overridden"] = len(listed[at]), len(overridden[at])
    view["files"] = [groups[key] for key in sorted(groups)]
    view["conflicts"] = [conflicts[key][0] for key in sorted(conflicts)]
    view["unmatched"] = [unmatched[key] for key in sorted(unmatched)]
    return view


def _count_conflict(
    conflicts: dict[tuple[str, ...], tuple[Conflict, set[str]]],
    market: str,
    channel: str,
    sku: str,
    match: re.Match[str],
) -> None:
    """Count a listing under the conflict its winning finding names; an overrides file's
    row number, which differs per sku, does not split the conflict."""
    winner = _ROW.sub("", f"{match['source']} {match['where']}")
    losers = _ROW.sub("", match["other"])
    key = (market, channel, match["field"], winner, losers, match["why"])
    conflict, skus = conflicts.setdefault(
        key,
        (Conflict(market=market, channel=channel, field=match["field"], winner=winner,
                  overridden=losers, why=match["why"], listings=0, skus=[]), set()),
    )  # fmt: skip
    if sku not in skus:
        skus.add(sku)
        conflict["listings"] += 1
        if len(conflict["skus"]) < FIRST_PRODUCTS:
            conflict["skus"].append(sku)


def changes_line(findings: StoragePath | Path) -> str | None:
    """The summary's line: each rules or overrides file that changed listings, where and how
    many; None when none did.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> line = {"rule": "override_applied", "market": "CH", "channel": "google", "sku": "A",
    ...         "message": "exclude set by rules.toml rule 'no bottles' (line 8): 'no' -> 'yes'"}
    >>> _ = (folder / "f.jsonl").write_text(json.dumps(line) + "\\n")
    >>> changes_line(folder / "f.jsonl")
    "changed by the team's files: CH google rules.toml rule 'no bottles' 1"
    """
    groups = changes_view(findings)["files"]
    if not groups:
        return None
    parts = [
        f"{g['market']} {g['channel']} {g['source']}"
        + (f" rule {g['rule']!r}" if g["rule"] else "")
        + f" {g['listings']}"
        for g in groups
    ]
    return "changed by the team's files: " + ", ".join(parts)


def team_files(
    built: Sequence[MarketBuild], runs_root: StoragePath | Path, run_key: str
) -> list[TeamFile]:
    """The rules and overrides files the run's channels read (`pipeline.overrides`), each
    compared with what the newest earlier run that read it read (``runs/index.json``,
    newest first; at most `HISTORY_RUNS` back): ``changed`` when the content differs."""
    read: dict[str, str] = {}
    for market in built:
        for figures in market["channels"].values():
            read.update(figures.get("team_files") or {})
    if not read:
        return []
    files = {location: TeamFile(location=location, sha256=digest)
             for location, digest in sorted(read.items())}  # fmt: skip
    waiting = set(files)
    entries = [e for e in decode_index(read_json(runs_root / RUN_INDEX)) if e.run_key != run_key]
    for entry in entries[:HISTORY_RUNS]:
        if not waiting or entry.run_key in (".", "..") or "/" in entry.run_key:
            continue
        earlier = read_record(runs_root / entry.run_key / RUN_RECORD)
        if earlier is None or not earlier.team_files:
            continue
        for then in earlier.team_files:
            if then.location in waiting:
                waiting.discard(then.location)
                now = files[then.location]
                now.since, now.changed = entry.run_key, then.sha256 != now.sha256
    return list(files.values())


def team_files_line(files: Sequence[TeamFile]) -> str | None:
    """The summary's line: each team file the run read, changed or not since the last
    run that read it.

    >>> team_files_line([TeamFile(location="s3://c@b/CH-google.csv", sha256="a", since="r1",
    ...     changed=True), TeamFile(location="/x/feed-rules.toml", sha256="b")])
    'team files: CH-google.csv changed since r1, feed-rules.toml new (no earlier run read it)'
    """
    if not files:
        return None
    return "team files: " + ", ".join(f"{_name(f.location)} {_state(f)}" for f in files)


def _name(location: str) -> str:
    return location.rsplit("/", 1)[-1]


def _state(file: TeamFile) -> str:
    if file.since is None:
        return "new (no earlier run read it)"
    return f"{'changed' if file.changed else 'unchanged'} since {file.since}"
