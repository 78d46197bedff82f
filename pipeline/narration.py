"""What each DAG task tells the people who read its log: a few sentences on what it read,
what it wrote and what it set aside, from the step's own result (its `pipeline.records`
record).

The DAG logs these through `logging` when a task ends, so the Airflow log shows them at
the top level, not folded into a group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipeline.layout import for_people
from schemas.findings import count

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipeline.records import (
        ChannelResult,
        Extracted,
        MarketBuild,
        PublishedFeed,
        ShardResult,
        Translated,
        TranslatedLanguage,
        TranslationPrepared,
        Validated,
        ValidatedShard,
    )
    from transforms.infra.gates import HeldFeeds


def _extract(r: Extracted) -> list[str]:
    held = f", {count(r['held'], 'product')} held back by a value" if r["held"] else ""
    lines = [
        f"Read {count(r['products'], 'product')} from the catalog; "
        f"{count(r['rejected_rows'], 'row')} could not be read{held}.",
        f"Staged the snapshot in {count(len(r['shards']), 'shard')}: {for_people(r['snapshot'])}.",
        f"Prices convert with the ECB rates of {r['rates_day']}.",
    ]
    if r["warnings"]:
        lines.append(
            f"{count(r['warnings'], 'value')} ignored or changed (see the ingest findings)."
        )
    return lines


def _validate_shard(r: ValidatedShard) -> list[str]:
    return [f"Checked {count(r['products'], 'product')} of shard {r['shard'] + 1}."]


def _validate(r: Validated) -> list[str]:
    return [
        f"Checked {count(r['products'], 'product')} against "
        f"{count(r['expectations'], 'catalog rule')}: {r['failed_expectations']} failed.",
        f"{count(r['quarantined'], 'product')} quarantined (kept out of every market), "
        f"{count(r['warnings'], 'warning')}; findings in {for_people(r['findings'])}.",
    ]


def _select_markets(r: list[str]) -> list[str]:
    return [f"This run builds {count(len(r), 'market')}: {', '.join(r)}."]


def _prepare_translation(r: TranslationPrepared) -> list[str]:
    lines = [
        f"Read {count(len(r['imported']), 'file')} of the translators; "
        f"recorded {count(r['catalog_pairs_recorded'], 'text')} the catalog carries in "
        "several languages.",
        "DeepL key found." if r["deepl_key"] else "No DeepL key: memory only.",
    ]
    return lines + [f"Warning: {w}" for w in r["warnings"]]


def _translate_report(r: TranslatedLanguage | Translated) -> list[str]:
    lines = []
    for target, lang in r["report"]["languages"].items():
        lines.append(
            f"{target}: {count(lang['segments'], 'text')}; {lang['memory']} from memory, "
            f"{lang['deepl']} by DeepL, {lang['pending']} pending, {lang['flagged']} held "
            f"back by QA; {lang['characters_billed']} characters billed."
        )
    return lines or ["Nothing to translate."]


def _localize_shard(r: ShardResult) -> list[str]:
    reasons = ", ".join(f"{rule} {n}" for rule, n in r["reasons"].items())
    return [
        f"Localized {count(r['products'], 'product')} for {r['market']}; "
        f"{r['set_aside']} set aside" + (f" ({reasons})." if reasons else ".")
    ]


def _write_channel(r: ChannelResult) -> list[str]:
    summary = r["summary"]
    files = [for_people(p["path"]) for p in r["parts"]]
    lines = [
        f"{r['market']} {r['channel']}: {summary['listed']} listed, "
        f"{summary['set_aside']} set aside, {summary['sent']} sent."
    ]
    if files:
        lines.append(f"Wrote {', '.join(files)} (published later by `publish`).")
    if summary["withheld"]:
        lines.append(f"Not published: {summary['withheld']}")
    return lines


def _assemble_market(r: MarketBuild) -> list[str]:
    return [
        f"{r['market']}: {count(r['products'], 'product')}, {r['set_aside']} set aside in "
        f"at least one channel; findings in {for_people(r['findings'])}."
    ]


def _check_gates(r: HeldFeeds) -> list[str]:
    if not r["feeds"]:
        return ["No feed lost too many listings: every feed may publish."]
    return [
        f"Held back {h['market']} {h['channel']}: it lost too many listings." for h in r["feeds"]
    ]


def _publish(r: list[PublishedFeed] | None) -> list[str]:
    if r is None:
        return ["Dry run: nothing published."]
    return [f"Published {count(len(r), 'feed file')}."] + [
        f"{p['market']} {p['channel']}: {p['items']} items -> {for_people(p['path'])}" for p in r
    ]


_DESCRIBE: dict[str, Callable[[Any], list[str]]] = {
    "extract": _extract,
    "validate_shard": _validate_shard,
    "validate": _validate,
    "select_markets": _select_markets,
    "prepare_translation": _prepare_translation,
    "translate_language": _translate_report,
    "translate": _translate_report,
    "localize_shard": _localize_shard,
    "write_channel": _write_channel,
    "assemble_market": _assemble_market,
    "check_gates": _check_gates,
    "publish": _publish,
}


def describe(task: str, result: Any) -> list[str]:
    """Sentences on what ``task`` did, from its result; none for a task without a
    description, or when the result is not shaped as expected (a log line is never worth
    failing a task for).

    >>> describe("select_markets", ["DE", "FR"])
    ['This run builds 2 markets: DE, FR.']
    >>> describe("validate_shard", {"shard": 0, "products": 1})
    ['Checked 1 product of shard 1.']
    >>> describe("unknown_task", {})
    []
    """
    writer = _DESCRIBE.get(task)
    if writer is None:
        return []
    try:
        return writer(result)
    except (KeyError, TypeError, ValueError, AttributeError):
        return []
