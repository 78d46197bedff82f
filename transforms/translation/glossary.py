"""The project glossary: terms DeepL must render one fixed way, per target language.

The checked-in file (``config/glossary.toml``) lists names to ``keep`` in every
language and ``[terms.<LANG>]`` source = target pairs. A segment's glossary
version is the hash of the entries that occur in its source text, so editing one
term re-translates only the texts that contain it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class GlossaryError(ValueError):
    """The glossary file cannot be read or breaks a rule DeepL enforces."""


def base_language(target: str) -> str:
    """DeepL glossaries apply per language, not variant: ``EN-GB`` -> ``EN``.

    >>> base_language("EN-GB"), base_language("ZH-HANS"), base_language("DE")
    ('EN', 'ZH', 'DE')
    """
    return target.partition("-")[0]


@dataclass(frozen=True)
class Glossary:
    """Glossary entries from one source language to every target language.

    Attributes:
        source_lang: DeepL source language (``EN``).
        keep: Terms that stay unchanged in every target language.
        terms: Per base target language, source term -> target term.
    """

    source_lang: str
    keep: tuple[str, ...] = ()
    terms: dict[str, dict[str, str]] = field(default_factory=dict)

    def entries(self, target: str) -> dict[str, str]:
        """Every entry for a target language (variant or not), source term -> target term."""
        language = base_language(target)
        if language == self.source_lang:
            return {}
        return {**{term: term for term in self.keep}, **self.terms.get(language, {})}

    def applicable(self, text: str, target: str) -> dict[str, str]:
        """The entries whose source term occurs in ``text`` (whole words, any case)."""
        pattern = self._pattern(target)
        if pattern is None:
            return {}
        found = {match.group(0).casefold() for match in pattern.finditer(text)}
        return {s: t for s, t in self.entries(target).items() if s.casefold() in found}

    def version_for(self, text: str, target: str) -> str:
        """Part of a segment's memory key: changes only when an entry it uses changes.

        ``""`` for a text that contains no glossary term.
        """
        used = self.applicable(text, target)
        if not used:
            return ""
        canonical = json.dumps(sorted(used.items()), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def content_hash(self, targets: list[str]) -> str:
        """Hash of the dictionaries DeepL needs for ``targets``: a change triggers a sync."""
        dictionaries = {
            base_language(t): sorted(self.entries(t).items()) for t in sorted(set(targets))
        }
        canonical = json.dumps([self.source_lang, sorted(dictionaries.items())], ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def _pattern(self, target: str) -> re.Pattern[str] | None:
        language = base_language(target)
        if language in self._patterns:
            return self._patterns[language]
        return self._compile(target)

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str] | None]:
        return {}

    def _compile(self, target: str) -> re.Pattern[str] | None:
        terms = sorted(self.entries(target), key=len, reverse=True)
        pattern = None
        if terms:
            alternatives = "|".join(re.escape(t) for t in terms)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self._patterns[base_language(target)] = pattern
        return pattern


def load_glossary(path: Path | None, source_lang: str) -> Glossary:
    """Read the glossary file; no file means an empty glossary.

    Raises:
        GlossaryError: the file is not TOML, or an entry is empty or maps a term twice.
    """
    if path is None:
        return Glossary(source_lang)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GlossaryError(f"{path}: cannot read the glossary: {exc}") from exc
    keep = raw.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(t, str) and t.strip() for t in keep):
        raise GlossaryError(f"{path}: 'keep' must be a list of non-empty terms")
    terms: dict[str, dict[str, str]] = {}
    for language, pairs in (raw.get("terms") or {}).items():
        if not isinstance(pairs, dict):
            raise GlossaryError(f"{path}: [terms.{language}] must be a table of term = term")
        for source, target in pairs.items():
            if not isinstance(target, str) or not source.strip() or not target.strip():
                raise GlossaryError(
                    f"{path}: [terms.{language}] {source!r}: both terms must be non-empty text"
                )
            if "\t" in source + target or "\n" in source + target:
                raise GlossaryError(
                    f"{path}: [terms.{language}] {source!r}: DeepL terms cannot hold tabs "
                    "or line breaks"
                )
        terms[language.upper()] = dict(pairs)
    for language, pairs in terms.items():
        clash = {t.casefold() for t in keep} & {s.casefold() for s in pairs}
        if clash:
            raise GlossaryError(
                f"{path}: [terms.{language}] {sorted(clash)[0]!r} is also in 'keep'"
            )
    return Glossary(source_lang.upper(), tuple(keep), terms)
