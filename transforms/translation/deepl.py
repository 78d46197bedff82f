"""DeepL through its official client: batches, glossary sync, budget and faults.

`DeepLTranslator` sends what the translation memory lacks. It never raises for
DeepL's faults: a quota exceeded (456), a refused key (403) or an exhausted budget
*stop* further calls for the run; a target DeepL does not support, or 429/5xx/no
answer beyond the retries and ``max_outage_seconds``, stop that language only.
`stopped` and `language_stopped` say why in words that never contain the key or an
HTML error page. The texts not yet sent stay pending for the caller to report.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from transforms.translation.glossary import base_language

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from schemas.config.pipeline import Translation
    from transforms.translation.glossary import Glossary
    from transforms.translation.memory import TranslationMemory

T = TypeVar("T")
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
    retries: int = 0
    characters_sent: int = 0
    characters_billed: int = 0
    waited_seconds: float = 0.0


class _Retry(Exception):
    """An attempt that may succeed later (429, 5xx, no answer)."""


@dataclass
class DeepLTranslator:
    """The run's DeepL session.

    Failure scope: only account-wide answers (403 key refused, 456 quota) and the run's
    character budget stop every language. A language DeepL does not translate into, or
    one whose requests keep failing after the retries (429, 5xx, no answer within
    ``max_outage_seconds``), stops alone; a request DeepL rejects (400) fails alone, and
    one too large (413) is split in two and sent again.

    Character budget: with a ``run``, the characters of each request are reserved in the
    memory's count for that run (`TranslationMemory.reserve_characters`) before it is
    sent, so every session of the run, each language task on whichever machine, draws on
    one ``character_budget``; what was not sent after all (DeepL refused the request,
    or did not answer) is given back. A reservation counts as spent until then: a task
    that dies between the two leaves it counted, as DeepL may have billed it. A retried
    task, or the run started again, goes on under what the run already spent (what
    DeepL translated is in the memory and not sent again). A request that does not fit
    stops every language for the run, as when one session alone exceeds the budget.
    Without a ``run`` the session counts on its own (and through `session_state`).

    Attributes:
        run: The run whose character count the memory keeps, or None to count in this
            session only.
        stopped: Why no more requests are sent for any language, or None while they are.
        language_stopped: Per target language, why its requests stopped.
        spend: Per target language, requests, retries and characters.
        warnings: Things the run did differently than configured (no glossary for a
            language pair DeepL has none for), for the report.
        glossary_targets: Every configured target language: the glossary's dictionaries
            cover all of them, so a run that needs only one does not replace it.
    """

    auth_key: str
    settings: Translation
    glossary: Glossary
    memory: TranslationMemory
    glossary_targets: Sequence[str] = ()
    run: str | None = None
    stopped: str | None = None
    language_stopped: dict[str, str] = field(default_factory=dict)
    spend: dict[str, Spend] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    sleep: Callable[[float], None] = time.sleep
    _client: Any = None
    _targets: frozenset[str] | None = None
    _glossary_id: str | None = None
    _glossary_bases: frozenset[str] = frozenset()
    _glossary_synced: bool = False
    _glossary_recreated: bool = False
    _sent: int = 0

    def sync_glossary(self, charged: str) -> None:
        """Make DeepL's glossary match the file for every one of ``glossary_targets`` now,
        not before the first request; DeepL's faults are charged to ``charged`` (a target
        language) as a request for it would be. Later sessions take the glossary over
        through `session_state` and `resume`."""
        if not self._glossary_synced:
            self._sync_glossary([*self.glossary_targets, charged], charged)

    def session_state(self) -> dict[str, Any]:
        """What a later session of the same run must know (JSON-ready, see `resume`): the
        glossary in use, why calls stopped, and the characters sent towards the budget."""
        return {
            "glossary_synced": self._glossary_synced,
            "glossary_id": self._glossary_id,
            "glossary_bases": sorted(self._glossary_bases),
            "glossary_recreated": self._glossary_recreated,
            "stopped": self.stopped,
            "language_stopped": dict(self.language_stopped),
            "characters_sent": self._sent,
        }

    def resume(self, state: Mapping[str, Any]) -> None:
        """Go on from an earlier session's `session_state`: its glossary is used as it is
        (never created again), its stops stay, its characters count towards the budget."""
        self._glossary_synced = bool(state["glossary_synced"])
        self._glossary_id = state["glossary_id"]
        self._glossary_bases = frozenset(state["glossary_bases"])
        self._glossary_recreated = bool(state["glossary_recreated"])
        self.stopped = state["stopped"]
        self.language_stopped.update(state["language_stopped"])
        self._sent = int(state["characters_sent"])

    def unsupported(self, target: str) -> str | None:
        """Why DeepL cannot translate into ``target`` (its target language list, read once
        per run; the language stops, and no request is made for it), or None when it can
        or the list could not be read."""
        self._connect(target)
        if self._targets is None or target.upper() in self._targets:
            return None
        self.language_stopped[target] = f"DeepL does not translate into {target}"
        return self.language_stopped[target]

    def reason_for(self, target: str) -> str | None:
        """Why ``target`` gets no more requests this run, or None."""
        return self.stopped or self.language_stopped.get(target)

    def translate(self, batch: Batch, targets: Sequence[str] = ()) -> list[tuple[str, int]]:
        """Translate one batch: (translation, billed characters) per text.

        Returns an empty list when calls have stopped for the batch's language or the
        whole run (see `reason_for`).

        Raises:
            BatchFailed: DeepL rejected this request only.
        """
        if self.reason_for(batch.target):
            return []
        if self.unsupported(batch.target) or self.reason_for(batch.target):
            return []
        if not self._reserve(batch):
            return []
        sent = self._sent
        try:
            if not self._glossary_synced:
                self._sync_glossary([*self.glossary_targets, *targets, batch.target], batch.target)
                if self.reason_for(batch.target):
                    return []
            return self._send(batch)
        finally:
            # What was reserved but not sent (a refusal, no answer, a stop) goes back.
            unsent = batch.characters - (self._sent - sent)
            if self.run is not None and unsent > 0:
                self.memory.release_characters(self.run, unsent)

    def _reserve(self, batch: Batch) -> bool:
        """Whether ``batch`` fits the run's character budget, its characters counted
        towards it when it does; when it does not, every language stops."""
        budget = self.settings.character_budget
        if self.run is None:
            fits, spent = self._sent + batch.characters <= budget, self._sent
        else:
            fits = self.memory.reserve_characters(self.run, batch.characters, budget)
            spent = 0 if fits else self.memory.reserved_characters(self.run)
        if not fits:
            self.stopped = (
                f"the run's character budget of {budget:,} would be exceeded "
                f"({spent:,} sent, the next request has {batch.characters:,})"
            )
        return fits

    def _send(self, batch: Batch) -> list[tuple[str, int]]:
        import deepl

        spend = self.spend.setdefault(batch.target, Spend())
        options: dict[str, Any] = {}
        if batch.formality:
            options["formality"] = batch.formality
        if batch.tag_handling:
            options["tag_handling"] = batch.tag_handling
        if batch.context:
            options["context"] = batch.context
        base = base_language(batch.target)
        if self._glossary_id and base in self._glossary_bases:
            options["glossary"] = self._glossary_id
        try:
            results = self._with_retries(
                batch.target,
                lambda: self._client.translate_text(
                    batch.texts,
                    source_lang=self.settings.source_lang,
                    target_lang=batch.target,
                    **options,
                ),
                translate=True,
            )
        except deepl.DeepLException as exc:
            status = getattr(exc, "http_status_code", None)
            self._stop_for(batch.target, exc)
            if self.reason_for(batch.target):
                return []
            if status == 413:
                return self._split(batch)
            if "glossary" in options and _glossary_missing(exc):
                return self._without_stale_glossary(batch, exc)
            raise BatchFailed(self._reason(exc)) from None
        if results is None:  # the language's outage budget ran out
            return []
        self._sent += batch.characters
        spend.characters_sent += batch.characters
        out = [(r.text, int(r.billed_characters or 0)) for r in results]
        spend.characters_billed += sum(billed for _, billed in out)
        return out

    def _split(self, batch: Batch) -> list[tuple[str, int]]:
        """A request DeepL found too large (413): send each half on its own."""
        if len(batch.texts) == 1:
            raise BatchFailed("the text is too large for one DeepL request (HTTP 413)")
        middle = len(batch.texts) // 2
        halves = (batch.texts[:middle], batch.texts[middle:])
        out: list[tuple[str, int]] = []
        for texts in halves:
            part = self._send(
                Batch(texts, batch.target, batch.formality, batch.tag_handling, batch.context)
            )
            if not part:
                return []
            out += part
        return out

    def _without_stale_glossary(self, batch: Batch, exc: Exception) -> list[tuple[str, int]]:
        """DeepL no longer knows the glossary (deleted on the account, or another account's
        key): make it again, once per run; if that fails, translate without it."""
        if not self._glossary_recreated:
            self._glossary_recreated = True
            self.memory.set_glossary_state(GLOSSARY_NAME, "", "")
            self._glossary_id = None
            self._glossary_synced = False
            self._sync_glossary([*self.glossary_targets, batch.target], batch.target)
            if self.reason_for(batch.target):
                return []
            return self._send(batch)
        self.warnings.append(
            f"the DeepL glossary was refused again ({self._reason(exc)}); "
            f"{batch.target} is translated without it this run"
        )
        self._glossary_bases = self._glossary_bases - {base_language(batch.target)}
        return self._send(batch)

    def _with_retries(
        self, target: str, call: Callable[[], T], *, translate: bool = False
    ) -> T | None:
        """Run ``call``, retrying 429, 5xx and no answer with back-off (1 s x 1.6) up to
        ``max_retries`` times, and while the language's waiting stays within
        ``max_outage_seconds``. None when that waiting budget ran out first. Translate
        requests (``translate``) are counted in the language's ``requests``.

        Raises:
            deepl.DeepLException: what DeepL answered last, when it is not retried or the
                retries are used up.
        """
        import deepl

        spend = self.spend.setdefault(target, Spend())
        settings = self.settings
        backoff = 1.0
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                spend.requests += translate
                return call()
            except deepl.DeepLException as exc:
                spend.waited_seconds += time.monotonic() - started
                status = getattr(exc, "http_status_code", None)
                transient = (
                    isinstance(exc, deepl.ConnectionException)
                    or status == 429
                    or (status is not None and status >= 500)
                )
                if not transient or attempt >= settings.max_retries:
                    raise
                if spend.waited_seconds + backoff > settings.max_outage_seconds:
                    self.language_stopped[target] = (
                        f"DeepL did not answer {target} within max_outage_seconds "
                        f"({settings.max_outage_seconds:g} s; {attempt} retries): "
                        f"{self._reason(exc)}"
                    )
                    return None
                self.sleep(backoff)
                spend.waited_seconds += backoff
                spend.retries += 1
                attempt += 1
                backoff = min(backoff * 1.6, 30.0)

    def _connect(self, target: str) -> Any:
        """The client, made at the first request; DeepL's target languages are read then,
        their waiting charged to ``target`` (the language that needed them first)."""
        if self._client is None:
            import deepl

            # Retries are ours (bounded per language); the client's timeout per attempt is
            # max(its 1 s back-off deadline, min_connection_timeout). deepl 1.32 (the newest)
            # has no per-client setting for either: HttpClient reads these module globals on
            # every request (_should_retry, _BackoffTimer.get_timeout), and its README names
            # them as the way to configure retries. Every DeepL client a translating task
            # makes is made here, so the process-wide value is this client's.
            deepl.http_client.max_network_retries = 0
            deepl.http_client.min_connection_timeout = self.settings.request_timeout_seconds
            self._client = deepl.DeepLClient(
                self.auth_key, server_url=self.settings.server_url, send_platform_info=False
            )
            self._targets = self._target_languages(target)
        return self._client

    def _target_languages(self, target: str) -> frozenset[str] | None:
        """DeepL's target language codes, or None when they could not be read (then every
        target is tried, and a wrong one fails on its own)."""
        import deepl

        try:
            languages = self._with_retries(target, self._client.get_target_languages)
        except deepl.DeepLException as exc:
            self._stop_for(target, exc)
            return None
        if languages is None:
            return None
        return frozenset(language.code.upper() for language in languages)

    def _glossary_pairs(self, target: str) -> set[tuple[str, str]] | None:
        import deepl

        try:
            pairs = self._with_retries(target, self._client.get_glossary_languages)
        except deepl.DeepLException as exc:
            self._stop_for(target, exc)
            return None
        if pairs is None:
            return None
        return {(p.source_lang.upper(), p.target_lang.upper()) for p in pairs}

    def _stop_for(self, target: str, exc: Exception) -> None:
        """After a failed request made for ``target``: stop the run for an account-wide
        answer, the language when DeepL is out of reach; a rejected request stops nothing."""
        import deepl

        status = getattr(exc, "http_status_code", None)
        if self._account_wide(exc):
            self.stopped = self._reason(exc)
        elif (
            isinstance(exc, deepl.ConnectionException)
            or status == 429
            or (status is not None and status >= 500)
        ):
            self.language_stopped[target] = self._reason(exc)

    def _sync_glossary(self, targets: Sequence[str], charged: str) -> None:
        """Make DeepL's glossary match the file, for every configured language DeepL has a
        glossary pair for; a new one replaces the old only when that content changed."""
        import deepl
        from deepl.api_data import MultilingualGlossaryDictionaryEntries

        self._glossary_synced = True
        wanted = sorted({base_language(t) for t in targets if self.glossary.entries(t)})
        if not wanted:
            return
        self._connect(charged)
        pairs = self._glossary_pairs(charged)
        if self.reason_for(charged):
            return
        source = self.settings.source_lang
        bases = [b for b in wanted if pairs is None or (source, b) in pairs]
        for base in sorted(set(wanted) - set(bases)):
            self.warnings.append(
                f"DeepL has no glossary for {source}->{base}: {base} is translated without "
                "the project glossary"
            )
        if not bases:
            return
        content = self.glossary.content_hash(bases)
        state = self.memory.glossary_state(GLOSSARY_NAME)
        if state and state[0] == content:
            self._glossary_id, self._glossary_bases = state[1], frozenset(bases)
            return
        dictionaries = [
            MultilingualGlossaryDictionaryEntries(source, base, self.glossary.entries(base))
            for base in bases
        ]
        try:
            info = self._with_retries(
                charged,
                lambda: self._client.create_multilingual_glossary(
                    f"{GLOSSARY_NAME} {content[:12]}", dictionaries
                ),
            )
        except deepl.DeepLException as exc:
            self._stop_for(charged, exc)
            if not self.reason_for(charged):
                self.warnings.append(
                    f"the glossary could not be synced to DeepL ({self._reason(exc)}); "
                    "texts are translated without it this run"
                )
            return
        if info is None:
            return
        self._glossary_id, self._glossary_bases = info.glossary_id, frozenset(bases)
        self.memory.set_glossary_state(GLOSSARY_NAME, content, info.glossary_id)
        if state and state[1]:
            try:
                self._client.delete_multilingual_glossary(state[1])
            except deepl.DeepLException:
                pass  # an orphaned old glossary costs nothing; the new one is in use

    def _account_wide(self, exc: Exception) -> bool:
        """403 (key refused) and 456 (quota): no request of any language can succeed."""
        import deepl

        return isinstance(exc, deepl.QuotaExceededException | deepl.AuthorizationException)

    def _reason(self, exc: Exception) -> str:
        """DeepL's fault in words: never the key, never an HTML error page."""
        import deepl

        retries = self.settings.max_retries
        status = getattr(exc, "http_status_code", None)
        if isinstance(exc, deepl.QuotaExceededException):
            text = "DeepL quota exceeded (HTTP 456): no more texts are sent this run"
        elif isinstance(exc, deepl.AuthorizationException):
            text = "DeepL refused the key (HTTP 403): check the deepl_default connection"
        elif isinstance(exc, deepl.TooManyRequestsException):
            text = f"DeepL still answered 429 (too many requests) after {retries} retries"
        elif isinstance(exc, deepl.ConnectionException):
            text = f"DeepL did not answer after {retries} retries ({_plain(str(exc))})"
        elif status is not None and status >= 500:
            text = f"DeepL answered HTTP {status} after {retries} retries: {_plain(str(exc))}"
        else:
            text = f"DeepL answered HTTP {status}: {_plain(str(exc))}"
        return text.replace(self.auth_key, "***") if self.auth_key else text


def _glossary_missing(exc: Exception) -> bool:
    """DeepL no longer knows the glossary id: 404, or 400 "Glossary not found"."""
    import deepl

    if isinstance(exc, deepl.GlossaryNotFoundException):
        return True
    status = getattr(exc, "http_status_code", None)
    return status in (400, 404) and "glossary not found" in str(exc).lower()


def _plain(message: str, limit: int = 200) -> str:
    """An error message fit for a report: markup (an HTML error page) reduced to its
    text, white space folded, cut to ``limit`` characters.

    >>> _plain("Bad request, message: <html><title>413 Too Large</title><p>nginx</p></html>")
    'Bad request, message: 413 Too Large nginx'
    """
    if "<" in message:
        from schemas.text import html_to_text

        message = html_to_text(message)
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
