"""A translation run's report and its review files.

The report says per target language what the run needed (distinct segments), where
they came from (human, memory, DeepL), what is pending or flagged, and what DeepL
cost; `run_report` builds it. The distinct segments are counted from scratch files
(`DistinctCounter`), not held in memory. One XLIFF 1.2 file per target language
(`write_review_files`) lists this run's DeepL translations and the flagged and
pending texts for translators to review.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from transforms.infra.storage import ensure_dir
from transforms.translation.exchange import ReviewUnit, write_xliff

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from schemas.config.pipeline import Translation
    from transforms.infra.storage import StoragePath
    from transforms.translation.deepl import DeepLTranslator
    from transforms.translation.planning import Need
    from transforms.translation.resolution import Resolution, Reviewed


@dataclass
class LanguageReport:
    """Per target language: what the run needed, found and spent."""

    segments: int = 0
    human: int = 0
    memory: int = 0
    deepl: int = 0
    pending: int = 0
    flagged: int = 0
    requests: int = 0
    retries: int = 0
    characters_sent: int = 0
    characters_billed: int = 0
    stopped: str | None = None


def run_report(
    counts: Mapping[int, int],
    languages: Sequence[str],
    translator: DeepLTranslator | None,
    settings: Translation,
    *,
    deepl_key: bool,
    review_files: Mapping[str, str],
) -> dict[str, Any]:
    """The run's report: per language its `LanguageReport` with hit rate and estimated cost.

    Args:
        counts: Distinct segments per code (`DistinctCounter.counts`).
        languages: The run's target languages, in the order the codes number them.
        translator: The run's DeepL session, None without a key.
        settings: The translation settings (the price per million characters).
        deepl_key: Whether the run had a DeepL key.
        review_files: Per target language (or variant), its review file.
    """
    reports = _language_reports(counts, languages, translator)
    price = settings.price_per_million_characters
    return {
        "languages": {
            target: {
                **vars(lang),
                "hit_rate": round((lang.human + lang.memory) / lang.segments, 4)
                if lang.segments
                else 1.0,
                "estimated_cost": str(
                    (Decimal(lang.characters_billed) * price / 1_000_000).quantize(Decimal("0.01"))
                ),
            }
            for target, lang in sorted(reports.items())
        },
        "currency": settings.price_currency,
        "stopped": translator.stopped if translator else None,
        "warnings": translator.warnings if translator else [],
        "deepl_key": deepl_key,
        "review_files": dict(review_files),
    }


OUTCOMES = ("human", "memory", "deepl", "pending", "flagged")
"""Where a segment came from, or why it has no translation: the low 3 bits of its code."""

_COUNTED = [("key", "<u8"), ("code", "u1")]


class DistinctCounter:
    """Distinct segments per (language, outcome) across the run, counted from scratch files.

    Each batch appends its segments (the first 64 bits of the key, and a one-byte
    code of language and outcome) to one of 64 files picked by the key's first
    bits; at the end each file is read on its own and its keys made unique, so the
    heap never holds more than one sixty-fourth of them. A segment keeps one
    outcome for the whole run (later batches reuse it), so any copy's code counts.
    Two distinct keys with the same first 64 bits would count once: at a million
    segments the odds are about one in 10^7.
    """

    _BUCKETS = 64

    def __init__(self, folder: Path) -> None:
        self._paths = [folder / f"segments-{n:02d}.bin" for n in range(self._BUCKETS)]
        for path in self._paths:
            path.write_bytes(b"")

    def add_batch(
        self,
        needs: Mapping[str, Need],
        resolutions: Mapping[str, Resolution],
        languages: Sequence[str],
    ) -> None:
        """Record a batch's segments, each coded by its language and outcome."""
        language = {target: n * 8 for n, target in enumerate(languages)}
        outcome = {name: n for n, name in enumerate(OUTCOMES)}
        codes = []
        for key, need in needs.items():
            resolution = resolutions[key]
            codes.append(
                language[need.segment.target] + outcome[resolution.origin or resolution.status]
            )
        self.add(list(needs), codes)

    def add(self, keys: Sequence[str], codes: Sequence[int]) -> None:
        """Record segments (their memory keys, hexadecimal) with their codes."""
        import numpy as np

        if not keys:
            return
        rows = np.empty(len(keys), dtype=_COUNTED)
        prefixes = bytes.fromhex("".join([key[:16] for key in keys]))
        rows["key"] = np.frombuffer(prefixes, dtype=">u8")
        rows["code"] = codes
        buckets = rows["key"] >> np.uint64(58)
        for bucket in np.unique(buckets):
            with self._paths[int(bucket)].open("ab") as stream:
                rows[buckets == bucket].tofile(stream)

    def counts(self) -> dict[int, int]:
        """Distinct segments per code."""
        import numpy as np

        total = np.zeros(256, dtype=np.int64)
        for path in self._paths:
            rows = np.fromfile(path, dtype=_COUNTED)
            if len(rows):
                _keys, first = np.unique(rows["key"], return_index=True)
                total += np.bincount(rows["code"][first], minlength=256)
        return {code: int(n) for code, n in enumerate(total) if n}


def _language_reports(
    counts: Mapping[int, int],
    languages: Sequence[str],
    translator: DeepLTranslator | None,
) -> dict[str, LanguageReport]:
    reports: dict[str, LanguageReport] = defaultdict(LanguageReport)
    for code, number in counts.items():
        report = reports[languages[code // 8]]
        report.segments += number
        name = OUTCOMES[code % 8]
        setattr(report, name, getattr(report, name) + number)
    if translator is not None:
        for target, spend in translator.spend.items():
            report = reports[target]
            report.requests = spend.requests
            report.retries = spend.retries
            report.characters_sent = spend.characters_sent
            report.characters_billed = spend.characters_billed
        for target, report in reports.items():
            report.stopped = translator.language_stopped.get(target)
    return dict(reports)


def write_review_files(
    reviewed: Mapping[str, Reviewed],
    settings: Translation,
    out_dir: StoragePath | Path,
    locales: Mapping[str, str],
) -> dict[str, str]:
    """XLIFF 1.2 per target language: this run's machine translations, flagged and pending texts."""
    units: dict[tuple[str, str], list[ReviewUnit]] = defaultdict(list)
    for key, item in reviewed.items():
        need, resolution = item.need, item.resolution
        why = {
            "ok": "new DeepL translation",
            "flagged": resolution.reason,
            "pending": f"pending: {resolution.reason}",
        }[resolution.status]
        units[(need.segment.target, need.segment.variant)].append(
            ReviewUnit(
                unit_id=key[:32],
                source_text=need.segment.source_text,
                target_text=resolution.text,
                note=f"{why}; used by {', '.join(need.skus)}"
                + (f" and {need.uses - len(need.skus)} more" if need.uses > len(need.skus) else ""),
            )
        )
    written: dict[str, str] = {}
    if units:
        ensure_dir(out_dir)
    for (target, variant), review in sorted(units.items()):
        name = f"review-{variant or target}.xlf"
        target_locale = variant or locales.get(target) or target.lower()
        with (out_dir / name).open("wb") as stream:
            write_xliff(stream, settings.source_locale, target_locale, review)
        written[variant or target] = str(out_dir / name)
    return written
