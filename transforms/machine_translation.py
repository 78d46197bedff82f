"""DeepL through its official client: batches, glossary sync, budget and faults.

`DeepLTranslator` sends what the translation memory lacks. It never raises for
DeepL's faults: a quota exceeded (456), a refused key (403), an exhausted budget,
or 429/5xx/timeouts that outlast the client's retries all *stop* further calls
for the run, and `stopped` says why in words that never contain the key. The
texts not yet sent stay pending for the caller to report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from schemas.market import Translation
    from transforms.glossary import Glossary
    from transforms.translation_memory import TranslationMemory

GLOSSARY_NAME = "grenzenlos"
"""Name of the glossary's sync record in the memory (DeepL names carry its hash too)."""


class BatchFailed(Exception):
    """DeepL rejected one request (400, 413, ...); its texts stay pending, others go on."""


@dataclass(slots=True)
class Batch:
    """Texts sent in one request: same target, formality, tag handling and context.

    Attributes:
        texts: Source texts (at most 50, under the request size limit).
        target: DeepL target language.
        formality: Formality, ``""`` for none.
        tag_handling: ``html`` or ``""``.
        context: Text that steers the translation, neither translated nor billed.
    """

    texts: list[str]
    target: str
    formality: str
    tag_handling: str
    context: str | None = None

    @property
    def characters(self) -> int:
        """Characters as DeepL counts them: Unicode code points, whitespace included."""
        return sum(len(t) for t in self.texts)


def plan_batches(
    texts: Sequence[str],
    *,
    target: str,
    formality: str,
    tag_handling: str,
    context: str | None,
    max_texts: int,
    max_bytes: int,
) -> tuple[list[Batch], list[str]]:
    """Split texts into requests of at most ``max_texts`` texts and ``max_bytes`` of JSON.

    Returns the batches and the texts too large for any request on their own.

    >>> batches, too_big = plan_batches(["a"] * 120, target="DE", formality="",
    ...     tag_handling="", context=None, max_texts=50, max_bytes=131072)
    >>> [len(b.texts) for b in batches], too_big
    ([50, 50, 20], [])
    """
    overhead = len(json.dumps({"context": context or "", "target_lang": target}).encode()) + 200
    batches: list[Batch] = []
    too_big: list[str] = []
    current: list[str] = []
    size = overhead
    for text in texts:
        # The client's HTTP library sends JSON with non-ASCII escaped (ä is 6 bytes: \u00e4).
        text_bytes = len(json.dumps(text).encode()) + 2
        if overhead + text_bytes > max_bytes:
            too_big.append(text)
            continue
        if current and (len(current) >= max_texts or size + text_bytes > max_bytes):
            batches.append(Batch(current, target, formality, tag_handling, context))
            current, size = [], overhead
        current.append(text)
        size += text_bytes
    if current:
        batches.append(Batch(current, target, formality, tag_handling, context))
    return batches, too_big


@dataclass
class Spend:
    """What one target language cost in a run."""

    requests: int = 0
    characters_sent: int = 0
    characters_billed: int = 0


@dataclass
class DeepLTranslator:
    """The run's DeepL session.

    Attributes:
        stopped: Why no more requests are sent, or None while they are.
        spend: Per target language, requests and characters.
    """

    auth_key: str
    settings: Translation
    glossary: Glossary
    memory: TranslationMemory
    stopped: str | None = None
    spend: dict[str, Spend] = field(default_factory=dict)
    _client: Any = None
    _glossary_id: str | None = None
    _glossary_synced: bool = False
    _glossary_recreated: bool = False
    _sent: int = 0

    def translate(self, batch: Batch, targets: Sequence[str]) -> list[tuple[str, int]]:
        """Translate one batch: (translation, billed characters) per text.

        ``targets`` are all target languages of the run (the glossary is synced
        for all of them at the first request).

        Returns an empty list when calls have stopped (see `stopped`).

        Raises:
            BatchFailed: DeepL rejected this request only.
        """
        if self.stopped:
            return []
        budget = self.settings.character_budget
        if self._sent + batch.characters > budget:
            self.stopped = (
                f"the run's character budget of {budget:,} would be exceeded "
                f"({self._sent:,} sent, the next request has {batch.characters:,})"
            )
            return []
        client = self._connect()
        if not self._glossary_synced:
            self._sync_glossary(targets)
            if self.stopped:
                return []
        import deepl

        spend = self.spend.setdefault(batch.target, Spend())
        options: dict[str, Any] = {}
        if batch.formality:
            options["formality"] = batch.formality
        if batch.tag_handling:
            options["tag_handling"] = batch.tag_handling
        if batch.context:
            options["context"] = batch.context
        if self._glossary_id and self.glossary.entries(batch.target):
            options["glossary"] = self._glossary_id
        try:
            results = client.translate_text(
                batch.texts,
                source_lang=self.settings.source_lang,
                target_lang=batch.target,
                **options,
            )
        except deepl.DeepLException as exc:
            spend.requests += 1
            if self._stops_run(exc):
                self.stopped = self._reason(exc)
                return []
            if "glossary" in options and getattr(exc, "http_status_code", None) == 404:
                if not self._glossary_recreated:
                    # The glossary was deleted on DeepL's side: make it again, once.
                    self._glossary_recreated = True
                    self.memory.set_glossary_state(GLOSSARY_NAME, "", "")
                    self._glossary_synced = False
                    return self.translate(batch, targets)
            raise BatchFailed(self._reason(exc)) from None
        spend.requests += 1
        self._sent += batch.characters
        spend.characters_sent += batch.characters
        out = [(r.text, int(r.billed_characters or 0)) for r in results]
        spend.characters_billed += sum(billed for _, billed in out)
        return out

    def _connect(self) -> Any:
        if self._client is None:
            import deepl

            # The client reads its retry limits from module settings.
            deepl.http_client.max_network_retries = self.settings.max_retries
            deepl.http_client.min_connection_timeout = self.settings.request_timeout_seconds
            self._client = deepl.DeepLClient(
                self.auth_key, server_url=self.settings.server_url, send_platform_info=False
            )
        return self._client

    def _sync_glossary(self, targets: Sequence[str]) -> None:
        """Make DeepL's glossary match the file; a new one replaces the old when it changed."""
        import deepl
        from deepl.api_data import MultilingualGlossaryDictionaryEntries

        self._glossary_synced = True
        bases = sorted({t.partition("-")[0] for t in targets if self.glossary.entries(t)})
        if not bases:
            return
        content = self.glossary.content_hash(list(bases))
        state = self.memory.glossary_state(GLOSSARY_NAME)
        if state and state[0] == content:
            self._glossary_id = state[1]
            return
        dictionaries = [
            MultilingualGlossaryDictionaryEntries(
                self.settings.source_lang, base, self.glossary.entries(base)
            )
            for base in bases
        ]
        try:
            info = self._client.create_multilingual_glossary(
                f"{GLOSSARY_NAME} {content[:12]}", dictionaries
            )
        except deepl.DeepLException as exc:
            self.stopped = f"the glossary could not be synced to DeepL: {self._reason(exc)}"
            return
        self._glossary_id = info.glossary_id
        self.memory.set_glossary_state(GLOSSARY_NAME, content, info.glossary_id)
        if state and state[1]:
            try:
                self._client.delete_multilingual_glossary(state[1])
            except deepl.DeepLException:
                pass  # an orphaned old glossary costs nothing; the new one is in use

    def _stops_run(self, exc: Exception) -> bool:
        import deepl

        if isinstance(
            exc,
            deepl.QuotaExceededException
            | deepl.AuthorizationException
            | deepl.TooManyRequestsException
            | deepl.ConnectionException,
        ):
            return True
        status = getattr(exc, "http_status_code", None)
        return status is None or status >= 500

    def _reason(self, exc: Exception) -> str:
        """DeepL's fault in words, never with the key in them."""
        import deepl

        retries = self.settings.max_retries
        if isinstance(exc, deepl.QuotaExceededException):
            text = "DeepL quota exceeded (HTTP 456): no more texts are sent this run"
        elif isinstance(exc, deepl.AuthorizationException):
            text = "DeepL refused the key (HTTP 403): check the deepl_default connection"
        elif isinstance(exc, deepl.TooManyRequestsException):
            text = f"DeepL still answered 429 (too many requests) after {retries} retries"
        elif isinstance(exc, deepl.ConnectionException):
            text = f"DeepL did not answer after {retries} retries ({type(exc).__name__})"
        else:
            status = getattr(exc, "http_status_code", None)
            text = f"DeepL answered HTTP {status}: {exc}"
        return text.replace(self.auth_key, "***") if self.auth_key else text
