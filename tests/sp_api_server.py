"""A local HTTP server that speaks Amazon's Selling Partner API Feeds flow, for tests of
`pipeline.delivery.amazon_feeds` through the real `requests` stack.

It answers Login with Amazon's token endpoint, createFeedDocument, the presigned upload
URL, createFeed, getFeed, getFeedDocument and the presigned URL of the processing report,
all on one loopback port. It holds itself to the published contracts in
``../shared/reference``: every request body it receives and every response body it sends
is checked against the Feeds API model's ``definitions`` (feeds_2021-06-30.json; an
invalid request gets a 400 with an SP-API ``ErrorList``), the uploaded file against the
listings feed envelope schema v2 (a file that does not match goes ``FATAL``, as on
Amazon), and every processing report it writes against the report schema v2. Its ids
and shapes are those of the model's ``x-amzn-api-sandbox`` examples where they fit (the
first document is ``3d4e42b5-...``, the first feed ``3485934``, the first report document
``0356cf79-...``). A break of the contract on its own side is kept in `violations` and
answered 500; the tests' fixture asserts there is none.

Behaviour for the tests: `issues` per sku (``code``, ``severity``, ``message``,
``attributeNames``) or `issues_from` (a callable from the uploaded feed to report
issues); `fatal` (with `fatal_issue`, None for a report without issues); `cancelled`;
`in_progress_polls` (polls answered ``IN_QUEUE``/``IN_PROGRESS`` before the end);
`throttle` (429 with an ``x-amzn-RateLimit-Limit`` header for the next calls of an
operation) and `fail` (any status for the next calls); `delays` per operation (for client
timeouts); `refuse_token` (400 ``invalid_grant``) and `revoke_access_tokens` (the next
SP-API call gets a 403); `gzip_report`. It records `created_feeds` (createFeed bodies),
`uploads` (bytes by document id) and `calls` (requests per operation, refused ones
included), and checks that ``x-amz-access-token`` is a token it issued.

A report issue with one attribute carries it as ``attributeName`` (the report schema
v2's field); one with several as ``attributeNames`` (the Listings Items API's form, which
the schema allows beside its own fields).

It cannot reproduce: Amazon's processing rules (which attributes a product type requires,
the codes and messages it writes: a test says which sku gets which issue); its real
throttling (usage plans per seller and app, burst windows, the per-feed-type limits of
createFeed: it answers 429 only when told to); the signatures and 5-minute expiry of
presigned URLs (it checks only that the upload's Content-Type is the one the document was
created for, as that is signed, and that no SP-API token is sent there, which S3 would
ignore); processing times (a feed stays in progress for a number of polls, not minutes);
access-token expiry by time; restricted data tokens, AWS request signing, seller ids and
the static sandbox's matching of requests to canned answers.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

from pipeline.delivery.outcome import OAuthCredentials

if TYPE_CHECKING:
    from collections.abc import Callable

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
"""The marketplaces' published contracts, beside the project (never copied into it)."""
MODEL = REFERENCE / "feeds_2021-06-30.json"
FEED_SCHEMA = REFERENCE / "amazon-listings-feed-schema-v2.json"
REPORT_SCHEMA = REFERENCE / "listings-feed-processing-report-schema-v2.json"

CONN_ID = "amazon_sp_api"
CLIENT_ID = "amzn1.application-oa2-client.grenzenlos-test"
CLIENT_SECRET = "amzn1.oa2-cs.v1.grenzenlos-test-secret"
REFRESH_TOKEN = "Atzr|grenzenlos-test-refresh-token"
SELLER_ID = "A3GRENZENLOSTEST"

FEEDS = "/feeds/2021-06-30"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/auth/o2/token"), "token"),
    ("POST", re.compile(FEEDS + r"/documents"), "createFeedDocument"),
    ("POST", re.compile(FEEDS + r"/feeds"), "createFeed"),
    ("GET", re.compile(FEEDS + r"/feeds/(?P<id>[^/]+)"), "getFeed"),
    ("GET", re.compile(FEEDS + r"/documents/(?P<id>[^/]+)"), "getFeedDocument"),
    ("PUT", re.compile(r"/presigned/(?P<id>[^/]+)"), "upload"),
    ("GET", re.compile(r"/presigned/(?P<id>[^/]+)"), "download"),
]
"""Each (method, path) and the operation it is (the model's operationId for SP-API's)."""
SP_API = {"createFeedDocument", "createFeed", "getFeed", "getFeedDocument"}

FATAL_ISSUE: dict[str, Any] = {
    "code": "4000001",
    "severity": "ERROR",
    "message": "The feed could not be processed because of an internal error.",
}
"""The feed-level issue a `fatal` feed's report carries (code and message are ours)."""
_ERRORS = {
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service is temporarily unavailable. Please try again."),
}


def load_model() -> dict[str, Any]:
    """The Feeds API 2021-06-30 model (Swagger 2.0)."""
    model: dict[str, Any] = json.loads(MODEL.read_text(encoding="utf-8"))
    return model


def usage_plans(model: dict[str, Any] | None = None) -> dict[str, tuple[float, int]]:
    """Each operation's default (rate, burst), read from the Usage Plan table of its
    description in the model."""
    model = model or load_model()
    plans: dict[str, tuple[float, int]] = {}
    row = re.compile(r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n[|\s-]+\n"
                     r"\|\s*([0-9.]+)\s*\|\s*([0-9]+)\s*\|")  # fmt: skip
    for operations in model["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "operationId" in operation:
                found = row.search(operation["description"])
                if found:
                    plans[operation["operationId"]] = (float(found[1]), int(found[2]))
    return plans


def _sandbox_response(model: dict[str, Any], operation_id: str) -> dict[str, Any]:
    """The first ``x-amzn-api-sandbox`` success response of an operation."""
    for operations in model["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for status, response in operation["responses"].items():
                    if status.startswith("2") and "x-amzn-api-sandbox" in response:
                        answer: dict[str, Any] = response["x-amzn-api-sandbox"]["static"][0][
                            "response"
                        ]
                        return answer
    raise KeyError(operation_id)


@dataclass
class _Feed:
    feed_id: str
    body: dict[str, Any]
    created_time: str
    polls: int = 0
    status: str = "IN_QUEUE"
    started: str | None = None
    ended: str | None = None
    result_document_id: str | None = None


@dataclass
class _Document:
    content_type: str
    content: bytes | None = None
    compression: str | None = None


class SpApiServer:
    """The server's state; `url` is the SP-API endpoint and the token URL's base."""

    def __init__(self) -> None:
        self.model = load_model()
        definitions = self.model["definitions"]
        self._definitions = {
            name: jsonschema.Draft4Validator(
                {"$ref": f"#/definitions/{name}", "definitions": definitions},
                format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
            )
            for name in definitions
        }
        self._feed_schema = jsonschema.Draft7Validator(
            json.loads(FEED_SCHEMA.read_text(encoding="utf-8"))
        )
        self.report_schema: dict[str, Any] = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
        self._report_schema = jsonschema.Draft7Validator(self.report_schema)
        self.rates = {name: rate for name, (rate, _burst) in usage_plans(self.model).items()}

        # Behaviour the tests set.
        self.issues: dict[str, list[dict[str, Any]]] = {}
        self.issues_from: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
        self.fatal = False
        self.fatal_issue: dict[str, Any] | None = dict(FATAL_ISSUE)
        self.cancelled = False
        self.in_progress_polls = 0
        self.delays: dict[str, float] = {}
        self.refuse_token = False
        self.gzip_report = False
        self._faults: dict[str, list[tuple[int, str | None]]] = {}

        # What it received.
        self.calls: Counter[str] = Counter()
        self.created_feeds: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        """Each feed's processing report, by feed id."""
        self.violations: list[str] = []
        """Contract breaks on the server's own side (responses that do not validate)."""

        self._tokens: set[str] = set()
        self._documents: dict[str, _Document] = {}
        self._feeds: dict[str, _Feed] = {}
        self._sandbox = {
            name: _sandbox_response(self.model, name)
            for name in ("createFeedDocument", "createFeed", "getFeedDocument", "getFeed")
        }
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/auth/o2/token"

    def start(self) -> SpApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def connection(self, **extra: Any) -> str:
        """The Airflow connection for this server, as ``AIRFLOW_CONN_AMAZON_SP_API`` JSON."""
        return json.dumps(
            {
                "conn_type": "http",
                "login": CLIENT_ID,
                "password": CLIENT_SECRET,
                "extra": {
                    "refresh_token": REFRESH_TOKEN,
                    "endpoint": self.url,
                    "token_url": self.token_url,
                    **extra,
                },
            }
        )

    def credentials(self) -> OAuthCredentials:
        """What the DAG makes of `connection`."""
        return OAuthCredentials(
            conn_id=CONN_ID,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            refresh_token=REFRESH_TOKEN,
            token_url=self.token_url,
            endpoint=self.url,
        )

    # --- faults ---------------------------------------------------------------------------

    def throttle(self, operation: str, times: int = 1, rate: float | None = None) -> None:
        """Answer the next ``times`` calls of ``operation`` with 429, the header saying
        ``rate`` (the model's default rate when None)."""
        header = str(rate if rate is not None else self.rates.get(operation, 1.0))
        with self._lock:
            self._faults.setdefault(operation, []).extend([(429, header)] * times)

    def fail(self, operation: str, *statuses: int) -> None:
        """Answer the next calls of ``operation`` with these statuses, one each."""
        with self._lock:
            self._faults.setdefault(operation, []).extend((status, None) for status in statuses)

    def revoke_access_tokens(self) -> None:
        """Every access token issued so far stops working (an expired token)."""
        with self._lock:
            self._tokens.clear()

    @property
    def access_tokens(self) -> set[str]:
        """The access tokens currently valid (for checking logs and errors)."""
        return set(self._tokens)

    # --- the API --------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type", "error_description": "grant_type"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        if self.refuse_token or form.get("refresh_token") != REFRESH_TOKEN:
            return 400, {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            }
        token = f"Atza|{uuid.uuid4().hex}"
        self._tokens.add(token)
        return 200, {
            "access_token": token,
            "refresh_token": REFRESH_TOKEN,
            "token_type": "bearer",
            "expires_in": 3600,
        }

    def create_feed_document(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        sandbox = self._sandbox["createFeedDocument"]
        document_id = str(sandbox["feedDocumentId"]) if not self._documents else _new_id()
        self._documents[document_id] = _Document(content_type=body["contentType"])
        return 201, {"feedDocumentId": document_id, "url": f"{self.url}/presigned/{document_id}"}

    def upload(self, document_id: str, content_type: str, content: bytes) -> tuple[int, str]:
        document = self._documents.get(document_id)
        if document is None or document.compression is not None:
            return 404, "NoSuchKey"
        if content_type != document.content_type:
            # The Content-Type is part of what the presigned URL signs.
            return 403, "SignatureDoesNotMatch"
        document.content = content
        self.uploads[document_id] = content
        return 200, ""

    def create_feed(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        document = self._documents.get(body["inputFeedDocumentId"])
        if document is None or document.content is None:
            return 400, _error_list("InvalidInput", "Invalid input", "No such feed document.")
        if body["feedType"] == "JSON_LISTINGS_FEED" and not document.content_type.startswith(
            "application/json"
        ):
            return 400, _error_list("InvalidInput", "Invalid input", "contentType")
        sandbox = self._sandbox["createFeed"]
        feed_id = str(sandbox["feedId"]) if not self._feeds else str(
            int(sandbox["feedId"]) + len(self._feeds)
        )  # fmt: skip
        created = self._sandbox["getFeed"]["createdTime"]
        self._feeds[feed_id] = _Feed(feed_id, body, created_time=created)
        self.created_feeds.append(body)
        return 202, {"feedId": feed_id}

    def get_feed(self, feed_id: str) -> tuple[int, dict[str, Any]]:
        feed = self._feeds.get(feed_id)
        if feed is None:
            return 404, _error_list("NotFound", "The requested feed was not found.", feed_id)
        feed.polls += 1
        if feed.status not in ("DONE", "FATAL", "CANCELLED"):
            if feed.polls <= self.in_progress_polls:
                feed.status = "IN_QUEUE" if feed.polls == 1 else "IN_PROGRESS"
                if feed.status == "IN_PROGRESS":
                    feed.started = feed.started or _now()
            else:
                self._finish(feed)
        answer: dict[str, Any] = {
            "feedId": feed.feed_id,
            "feedType": feed.body["feedType"],
            "marketplaceIds": feed.body["marketplaceIds"],
            "createdTime": feed.created_time,
            "processingStatus": feed.status,
        }
        if feed.started:
            answer["processingStartTime"] = feed.started
        if feed.ended:
            answer["processingEndTime"] = feed.ended
        if feed.result_document_id:
            answer["resultFeedDocumentId"] = feed.result_document_id
        return 200, answer

    def get_feed_document(self, document_id: str) -> tuple[int, dict[str, Any]]:
        document = self._documents.get(document_id)
        if document is None:
            return 404, _error_list("NotFound", "The requested document was not found.")
        answer = {"feedDocumentId": document_id, "url": f"{self.url}/presigned/{document_id}"}
        if document.compression:
            answer["compressionAlgorithm"] = document.compression
        return 200, answer

    def download(self, document_id: str) -> tuple[int, bytes, str]:
        document = self._documents.get(document_id)
        if document is None or document.content is None:
            return 404, b"NoSuchKey", "text/plain"
        return 200, document.content, document.content_type

    # --- processing -----------------------------------------------------------------------

    def _finish(self, feed: _Feed) -> None:
        feed.started = feed.started or _now()
        feed.ended = _now()
        if self.cancelled:
            feed.status, feed.started = "CANCELLED", None
            return
        content = self._documents[feed.body["inputFeedDocumentId"]].content or b""
        try:
            uploaded = json.loads(content)
            problem = next(
                (e.message for e in self._feed_schema.iter_errors(uploaded)), None
            )  # fmt: skip
        except ValueError as exc:
            uploaded, problem = None, f"The feed is not JSON: {exc}"
        if problem is not None or not isinstance(uploaded, dict):
            feed.status = "FATAL"
            issues = [{"severity": "ERROR", "message": f"Invalid feed: {problem}"}]
            report = self._report(feed.feed_id, None, issues, processed=0)
        elif self.fatal:
            feed.status = "FATAL"
            issues = [dict(self.fatal_issue)] if self.fatal_issue else []
            report = self._report(feed.feed_id, uploaded, issues, processed=0)
        else:
            feed.status = "DONE"
            issues = self._issues_for(uploaded)
            report = self._report(feed.feed_id, uploaded, issues)
        self.reports[feed.feed_id] = report
        raw = json.dumps(report).encode()
        document_id = str(self._sandbox["getFeedDocument"]["feedDocumentId"])
        if document_id in self._documents:
            document_id = _new_id()
        self._documents[document_id] = _Document(
            content_type="application/json",
            content=gzip.compress(raw) if self.gzip_report else raw,
            compression="GZIP" if self.gzip_report else None,
        )
        feed.result_document_id = document_id

    def _issues_for(self, uploaded: dict[str, Any]) -> list[dict[str, Any]]:
        if self.issues_from is not None:
            return self.issues_from(uploaded)
        issues = []
        for message in uploaded["messages"]:
            for configured in self.issues.get(message["sku"], []):
                issue = {
                    "messageId": message["messageId"],
                    "sku": message["sku"],
                    "code": configured.get("code", "90220"),
                    "severity": configured.get("severity", "ERROR"),
                    "message": configured.get("message", "The value is not valid."),
                }
                names = configured.get("attributeNames") or []
                if len(names) == 1:
                    issue["attributeName"] = names[0]
                elif names:
                    issue["attributeNames"] = list(names)
                issues.append(issue)
        return issues

    def _report(
        self,
        feed_id: str,
        uploaded: dict[str, Any] | None,
        issues: list[dict[str, Any]],
        processed: int | None = None,
    ) -> dict[str, Any]:
        messages = uploaded["messages"] if uploaded else []
        invalid = {i["messageId"] for i in issues if i["severity"] == "ERROR" and "messageId" in i}
        processed = len(messages) if processed is None else processed
        report = {
            "header": {
                "sellerId": (uploaded or {}).get("header", {}).get("sellerId", SELLER_ID),
                "version": "2.0",
                "feedId": feed_id,
            },
            "issues": issues,
            "summary": {
                "errors": sum(i["severity"] == "ERROR" for i in issues),
                "warnings": sum(i["severity"] == "WARNING" for i in issues),
                "messagesProcessed": processed,
                "messagesAccepted": processed - len(invalid) if processed else 0,
                "messagesInvalid": len(invalid) if processed else 0,
            },
        }
        for error in self._report_schema.iter_errors(report):
            self.violations.append(f"processing report of feed {feed_id}: {error.message}")
        return report

    # --- contract checks ------------------------------------------------------------------

    def invalid(self, definition: str, instance: Any) -> str | None:
        """Why ``instance`` does not match the model's ``definition`` (None: it does)."""
        error = next(self._definitions[definition].iter_errors(instance), None)
        return None if error is None else error.message

    def next_fault(self, operation: str) -> tuple[int, str | None] | None:
        with self._lock:
            queue = self._faults.get(operation)
            return queue.pop(0) if queue else None


REQUEST_BODIES = {
    "createFeedDocument": "CreateFeedDocumentSpecification",
    "createFeed": "CreateFeedSpecification",
}
RESPONSE_BODIES = {
    "createFeedDocument": "CreateFeedDocumentResponse",
    "createFeed": "CreateFeedResponse",
    "getFeed": "Feed",
    "getFeedDocument": "FeedDocument",
}


def _error_list(code: str, message: str, details: str | None = None) -> dict[str, Any]:
    error = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"errors": [error]}


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone; its broken pipe is what the test wanted.
        pass


def _handler(state: SpApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def _send(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str]
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(
            self,
            operation: str,
            status: int,
            payload: dict[str, Any],
            headers: dict[str, str] | None = None,
        ) -> None:
            headers = dict(headers or {})
            if operation in SP_API:
                headers["x-amzn-RequestId"] = _new_id()
                headers.setdefault("x-amzn-RateLimit-Limit", str(state.rates[operation]))
                definition = RESPONSE_BODIES[operation] if status < 300 else "ErrorList"
                problem = state.invalid(definition, payload)
                if problem is not None:
                    state.violations.append(f"{operation} answered {status}: {problem}")
                    status, payload = 500, _error_list("InternalFailure", problem)
            self._send(status, json.dumps(payload).encode(), "application/json", headers)

        def _read(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _handle(self, method: str) -> None:
            path = urlsplit(self.path).path
            route = next(
                (
                    (operation, matched)
                    for route_method, pattern, operation in ROUTES
                    if route_method == method and (matched := pattern.fullmatch(path))
                ),
                None,
            )
            if route is None:
                self._read()
                self._send(404, b'{"errors": []}', "application/json", {})
                return
            operation, matched = route
            raw = self._read()
            with state._lock:
                state.calls[operation] += 1
            time.sleep(state.delays.get(operation, 0.0))
            fault = state.next_fault(operation)
            if fault is not None:
                status, rate = fault
                code, message = _ERRORS.get(status, ("Error", f"HTTP {status}"))
                if operation in SP_API:
                    headers = {"x-amzn-RateLimit-Limit": rate} if rate else {}
                    self._json(operation, status, _error_list(code, message), headers)
                else:
                    self._send(status, message.encode(), "text/plain", {})
                return
            if operation in ("upload", "download"):
                self._presigned(operation, matched["id"], raw)
            elif operation == "token":
                form = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
                with state._lock:
                    status, payload = state.token(form)
                self._json(operation, status, payload)
            else:
                self._sp_api(operation, matched.groupdict().get("id"), raw)

        def _presigned(self, operation: str, document_id: str, raw: bytes) -> None:
            if "x-amz-access-token" in self.headers:
                # S3 would ignore it; sent there, the token leaves Amazon's API.
                self._send(400, b"SP-API token sent to a presigned URL", "text/plain", {})
                return
            with state._lock:
                if operation == "upload":
                    content_type = self.headers.get("Content-Type", "")
                    status, text = state.upload(document_id, content_type, raw)
                    body, kind = text.encode(), "text/plain"
                else:
                    status, body, kind = state.download(document_id)
            self._send(status, body, kind, {})

        def _sp_api(self, operation: str, identifier: str | None, raw: bytes) -> None:
            if self.headers.get("x-amz-access-token") not in state.access_tokens:
                denied = _error_list(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The access token you provided is revoked, malformed or invalid.",
                )
                self._json(operation, 403, denied)
                return
            body: Any = None
            if operation in REQUEST_BODIES:
                if not self.headers.get("Content-Type", "").startswith("application/json"):
                    self._json(operation, 415, _error_list("InvalidInput", "Content-Type"))
                    return
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    self._json(
                        operation, 400, _error_list("InvalidInput", "Invalid input", str(exc))
                    )
                    return
                problem = state.invalid(REQUEST_BODIES[operation], body)
                if problem is not None:
                    self._json(
                        operation, 400, _error_list("InvalidInput", "Invalid input", problem)
                    )
                    return
            with state._lock:
                if operation == "createFeedDocument":
                    status, payload = state.create_feed_document(body)
                elif operation == "createFeed":
                    status, payload = state.create_feed(body)
                elif operation == "getFeed":
                    status, payload = state.get_feed(str(identifier))
                else:
                    status, payload = state.get_feed_document(str(identifier))
            self._json(operation, status, payload)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

    return Handler
