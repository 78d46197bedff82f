"""A local HTTP server that speaks the DeepL API, for tests of the real `deepl` client.

DeepL's own mock (`tests.deepl_mock`) is the reference for how DeepL answers: status
codes, glossaries, languages, 429/5xx/no answer and the character limit are tested
against it. This server is kept only for what the mock cannot do: *translate* in a way
a test can predict while keeping tags, numbers and glossary terms (the mock answers every
text with one fixed phrase), so that translations that pass the QA gate, the memory's
keys, glossary versions, request planning, context and formality per target can be
checked. It cannot reproduce DeepL's error bodies, its 400 for an unknown glossary (it
answers 404) or its language and glossary-pair lists (it has no glossary pairs at all).

It answers ``/v2/translate``, ``/v2/usage``, ``/v2/languages`` and the v3
multilingual glossary endpoints the way DeepL documents them, and checks the
``Authorization: DeepL-Auth-Key ...`` header (403 otherwise). Its translation is
deterministic and keeps markup: with ``tag_handling=html`` every text node between
tags becomes ``[DE] node`` (``[DE more] node`` with a formality), glossary terms
are replaced by their target terms first, and only text nodes are billed.

Faults for the tests: ``faults`` is a queue of answers for the next translate
requests (``429``, ``500``, ``503``, ``456`` or ``"stall"``); ``quota`` answers
456 once the billed characters would pass it; ``drop_numbers_in`` makes the
translation of texts containing one of its strings lose their digits (so the QA
gate has something to catch).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_TEXTS = 50
MAX_BODY = 128 * 1024
TARGETS = ["BG", "CS", "DA", "DE", "EL", "EN-GB", "EN-US", "ES", "ET", "FI", "FR", "HU",
           "ID", "IT", "JA", "KO", "LT", "LV", "NB", "NL", "PL", "PT-BR", "PT-PT", "RO",
           "RU", "SK", "SL", "SV", "TR", "UK", "ZH-HANS", "ZH-HANT"]  # fmt: skip
FORMALITY = {"DE", "ES", "FR", "IT", "JA", "NL", "PL", "PT-BR", "PT-PT", "RU"}
_TAG = re.compile(r"(<[^>]+>)")


class FakeDeepL:
    """The server's state; `url` is the ``server_url`` to give the client."""

    def __init__(self, auth_key: str = "test-key:fx") -> None:
        self.auth_key = auth_key
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.faults: list[int | str] = []
        self.quota: int | None = None
        self.stall_seconds = 3.0
        self.drop_numbers_in: set[str] = set()
        self.billed = 0
        self.glossaries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeDeepL:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def translate_requests(self) -> list[dict[str, Any]]:
        """Bodies of every translate request received (failed ones included)."""
        return [body for method, path, body in self.requests if path == "/v2/translate"]

    @property
    def texts_received(self) -> list[str]:
        return [text for body in self.translate_requests for text in body.get("text", [])]

    @property
    def characters_received(self) -> int:
        return sum(len(text) for text in self.texts_received)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- the API --------------------------------------------------------------------------

    def translate(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        texts = body.get("text")
        target = str(body.get("target_lang", "")).upper()
        if not isinstance(texts, list) or not texts:
            return 400, {"message": "Parameter 'text' not specified."}
        if len(texts) > MAX_TEXTS:
            return 413, {"message": f"Too many texts: {len(texts)} > {MAX_TEXTS}"}
        if target not in TARGETS:
            return 400, {"message": f"Value for 'target_lang' not supported: {target}"}
        formality = body.get("formality")
        if formality in ("more", "less") and target not in FORMALITY:
            return 400, {"message": "'formality' is not supported for the given 'target_lang'."}
        if formality and formality.startswith("prefer_"):
            formality = formality.removeprefix("prefer_") if target in FORMALITY else None
        if formality == "default":
            formality = None
        entries: dict[str, str] = {}
        if body.get("glossary_id"):
            if not body.get("source_lang"):
                return 400, {"message": "Use of a glossary requires the 'source_lang' parameter."}
            glossary = self.glossaries.get(body["glossary_id"])
            if glossary is None:
                return 404, {"message": "Glossary not found"}
            pair = (str(body["source_lang"]).upper(), target.partition("-")[0])
            entries = glossary["entries"].get(pair, {})
        html = body.get("tag_handling") in ("html", "xml")
        results = []
        billed = 0
        for text in texts:
            translated, chars = fake_translation(
                text, target, html=html, glossary=entries, formality=formality
            )
            if any(trigger in text for trigger in self.drop_numbers_in):
                translated = re.sub(r"\d", "", translated)
            billed += chars
            results.append(
                {"detected_source_language": "EN", "text": translated, "billed_characters": chars}
            )
        with self._lock:
            if self.quota is not None and self.billed + billed > self.quota:
                return 456, {"message": "Quota exceeded"}
            self.billed += billed
        return 200, {"translations": results}

    def create_glossary(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        glossary_id = str(uuid.uuid4())
        entries: dict[tuple[str, str], dict[str, str]] = {}
        summary = []
        for dictionary in body.get("dictionaries", []):
            if dictionary.get("entries_format") != "tsv":
                return 400, {"message": "entries_format must be tsv"}
            pairs = dict(line.split("\t", 1) for line in dictionary["entries"].splitlines() if line)
            key = (dictionary["source_lang"].upper(), dictionary["target_lang"].upper())
            entries[key] = pairs
            summary.append(
                {
                    "source_lang": key[0].lower(),
                    "target_lang": key[1].lower(),
                    "entry_count": len(pairs),
                }
            )
        info = {
            "glossary_id": glossary_id,
            "name": body.get("name", ""),
            "creation_time": "2026-11-27T02:00:00.000000Z",
            "dictionaries": summary,
        }
        with self._lock:
            self.glossaries[glossary_id] = {"info": info, "entries": entries}
        return 201, info


def fake_translation(
    text: str, target: str, *, html: bool, glossary: dict[str, str], formality: str | None
) -> tuple[str, int]:
    """The fake's translation of one text and the characters it bills.

    >>> fake_translation("<p>Steel bottle, 750 ml</p>", "DE", html=True, glossary={},
    ...     formality=None)
    ('<p>[DE] Steel bottle, 750 ml</p>', 20)
    """
    label = f"[{target} {formality}] " if formality else f"[{target}] "
    pieces = _TAG.split(text) if html else [text]
    out = []
    billed = 0
    for piece in pieces:
        if html and piece.startswith("<"):
            out.append(piece)
            continue
        billed += len(piece)
        core = piece.strip()
        if not core:
            out.append(piece)
            continue
        for source, wanted in sorted(glossary.items(), key=lambda kv: -len(kv[0])):
            core = re.sub(rf"(?<!\w){re.escape(source)}(?!\w)", wanted, core, flags=re.IGNORECASE)
        lead = piece[: len(piece) - len(piece.lstrip())]
        trail = piece[len(piece.rstrip()) :]
        out.append(f"{lead}{label}{core}{trail}")
    return "".join(out), billed


def _handler(state: FakeDeepL) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def _answer(self, status: int, payload: dict[str, Any] | list[Any] | None) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the stall fault)

        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if length > MAX_BODY:
                return None
            if not raw:
                return {}
            if "json" in (self.headers.get("Content-Type") or ""):
                loaded: dict[str, Any] = json.loads(raw)
                return loaded
            form = parse_qs(raw.decode())
            return {k: v if k == "text" else v[0] for k, v in form.items()}

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"DeepL-Auth-Key {state.auth_key}":
                return True
            self._answer(403, {"message": "Wrong endpoint or invalid auth key"})
            return False

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            state.requests.append(("GET", path, {}))
            if not self._authorized():
                return
            if path == "/v2/usage":
                limit = state.quota if state.quota is not None else 10**9
                self._answer(200, {"character_count": state.billed, "character_limit": limit})
            elif path == "/v2/languages":
                # The client sends ``type`` as a form body, even on GET.
                body = self._body() or {}
                kind = (
                    body.get("type")
                    or parse_qs(urlsplit(self.path).query).get("type", ["source"])[0]
                )
                codes = TARGETS if kind == "target" else sorted({t[:2] for t in TARGETS})
                self._answer(
                    200,
                    [
                        {"language": c, "name": c, "supports_formality": c in FORMALITY}
                        for c in codes
                    ],
                )
            elif path == "/v3/glossaries":
                self._answer(200, {"glossaries": [g["info"] for g in state.glossaries.values()]})
            elif path.startswith("/v3/glossaries/"):
                glossary = state.glossaries.get(path.rsplit("/", 1)[-1])
                if glossary is None:
                    self._answer(404, {"message": "Glossary not found"})
                else:
                    self._answer(200, glossary["info"])
            else:
                self._answer(404, {"message": "Not found"})

        def do_DELETE(self) -> None:
            path = urlsplit(self.path).path
            state.requests.append(("DELETE", path, {}))
            if not self._authorized():
                return
            if state.glossaries.pop(path.rsplit("/", 1)[-1], None) is None:
                self._answer(404, {"message": "Glossary not found"})
            else:
                self._answer(204, None)

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            body = self._body()
            state.requests.append(("POST", path, body or {}))
            if not self._authorized():
                return
            if body is None:
                self._answer(413, {"message": "Request Entity Too Large"})
                return
            if path == "/v2/translate":
                with state._lock:
                    fault = state.faults.pop(0) if state.faults else None
                if fault == "stall":
                    time.sleep(state.stall_seconds)
                    self._answer(503, {"message": "stalled"})
                    return
                if isinstance(fault, int):
                    self._answer(fault, {"message": f"injected {fault}"})
                    return
                self._answer(*state.translate(body))
            elif path == "/v3/glossaries":
                self._answer(*state.create_glossary(body))
            else:
                self._answer(404, {"message": "Not found"})

    return Handler
