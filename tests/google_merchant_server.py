"""Google's Merchant API (Products v1) for tests: a small HTTP server on a loopback port,
held to Google's published API definition.

Google publishes no mock of the Merchant API, so this is a fake kept honest by its
discovery document (``tests/contracts/google_merchant/merchantapi_products_v1.subset.json``,
cut to ``accounts.products.list``, ``accounts.productInputs.insert`` and ``.delete`` and
the schemas they use; see its README.md): the request's path, verb and query parameters
are checked against the method
(``products/v1/{+parent}/products``, ``parent`` matching ``^accounts/[^/]+$``,
``pageSize`` an integer, ``pageToken``), and every answer is validated against
``ListProductsResponse`` and what it reaches (``Product`` -> ``ProductStatus`` ->
``DestinationStatus``, ``ItemLevelIssue``; no property the document does not declare,
enums by name). It checks too what the document says in words: a page token is one it
issued, sent with the same ``pageSize``; the Bearer token is one it issued and has not
expired.

It answers:

- ``POST /token``: Google's OAuth token endpoint for the refresh-token grant (form
  ``grant_type=refresh_token``, ``client_id``, ``client_secret``, ``refresh_token``) ->
  an access token; ``invalid_grant`` (400) once `refuse_refresh` was called; and for a
  service account's JWT bearer grant (RFC 7523, as Google's OAuth 2.0 for server to
  server applications describes it: ``grant_type=urn:ietf:params:oauth:grant-type:
  jwt-bearer``, ``assertion`` a JWT signed RS256 whose ``iss`` is the account's
  ``client_email``, ``aud`` Google's token endpoint (always, the guide says),
  ``scope`` the Merchant API's,
  ``iat``/``exp`` at most an hour apart) -> an access token when the signature verifies
  with the public key `add_service_account` registered, ``invalid_grant`` otherwise;
- ``POST /products/v1/accounts/{account}/productInputs:insert?dataSource=...``: the body
  is validated against ``ProductInput`` (no property the cut does not declare: an
  unknown field is refused with 400 ``INVALID_ARGUMENT``, as Google refuses one; enums
  by name or by number, as the client sends them with ``enum-encoding=int``), and
  ``offerId``, ``contentLanguage``, ``feedLabel`` and ``dataSource`` are required (the
  document says so in words); `refuse_offers` makes Google refuse chosen offer ids.
  The input is kept (`inputs`) and becomes a processed product at once, as `judge`
  makes it (approved in the feed label's country unless a test says otherwise);
- ``DELETE /products/v1/accounts/{account}/productInputs/{id}?dataSource=...``: ``id``
  plain (``de~DE~sku``) or unpadded base64url, as the document describes; the input and
  its product are removed; 404 ``NOT_FOUND`` for one it does not have;
- ``GET /products/v1/accounts/{account}/products``: the account's products, at most
  `page_limit` a page with a ``nextPageToken`` until the last; 401 ``UNAUTHENTICATED``
  for a token it did not issue or that `expire_tokens` expired; 429
  ``RESOURCE_EXHAUSTED`` while `exhaust_quota` says so (both for every API call; errors
  in Google's JSON error format, ``{"error": {"code", "message", "status"}}``, AIP-193).

What it cannot reproduce: how Google judges a product (its issue codes come from the
tests), the minutes to hours Google takes to process a feed or an input (here: at once),
the attributes of ``productAttributes`` the feed writer does not produce (left out of the
subset), enum values as numbers in its answers (the client asks for
``enum-encoding=int``; this server answers names, which the client reads as well), gRPC,
a service account's key rotation or deletion, real quotas and their reset times, HTTP
batching.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

CONTRACT = (
    Path(__file__).parent / "contracts" / "google_merchant" / "merchantapi_products_v1.subset.json"
)
"""Google's discovery document of the Merchant API Products v1, cut (see its README.md)."""
CONN_ID = "gmc_api"
CLIENT_ID = "1234567890-grenzenlos.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-client-secret-0123456789"
REFRESH_TOKEN = "1//0g-test-refresh-token-0123456789abcdef"
ACCOUNT = "123456789"
TOKEN_PATH = "/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/content"
_LIST = re.compile(r"^/products/v1/(?P<parent>accounts/[^/]+)/products$")
_INSERT = re.compile(r"^/products/v1/(?P<parent>accounts/[^/]+)/productInputs:insert$")
_DELETE = re.compile(
    r"^/products/v1/(?P<name>accounts/(?P<account>[^/]+)/productInputs/(?P<id>[^/]+))$"
)


def _json_schema(node: Any, enum_numbers: bool = False) -> Any:
    """A discovery schema node as JSON Schema (draft 4): ``$ref`` names a schema of the
    document, an object takes only the properties it declares, int64 travels as a
    string (as the document's ``format`` says). ``enum_numbers``: an enum may be its
    value's number too (its place in the list: what a client sending
    ``enum-encoding=int`` writes)."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": f"#/definitions/{node['$ref']}"}
    out: dict[str, Any] = {}
    kind = node.get("type")
    if kind:
        out["type"] = kind
    if "enum" in node:
        out["enum"] = node["enum"]
        if enum_numbers:
            count = len(node["enum"])
            return {
                "anyOf": [
                    {"type": "string", "enum": node["enum"]},
                    {"type": "integer", "minimum": 0, "maximum": count - 1},
                ]
            }
    if kind == "array":
        out["items"] = _json_schema(node["items"], enum_numbers)
    if kind == "object" and "properties" in node:
        out["properties"] = {
            k: _json_schema(v, enum_numbers) for k, v in node["properties"].items()
        }
        out["additionalProperties"] = False
    return out


def contract_validator(schema: str, *, enum_numbers: bool = False) -> Any:
    """A ``jsonschema`` validator for the discovery document's schema ``schema``."""
    from jsonschema import Draft4Validator

    document = json.loads(CONTRACT.read_text(encoding="utf-8"))
    definitions = {name: _json_schema(s, enum_numbers) for name, s in document["schemas"].items()}
    return Draft4Validator({"$ref": f"#/definitions/{schema}", "definitions": definitions})


def contract_method(resource: str = "products", name: str = "list") -> dict[str, Any]:
    """The discovery document's ``accounts.<resource>.<name>``."""
    document = json.loads(CONTRACT.read_text(encoding="utf-8"))
    method: dict[str, Any] = document["resources"]["accounts"]["resources"][resource]["methods"][
        name
    ]
    return method


def google_error(code: int, status: str, message: str) -> dict[str, Any]:
    """An error in Google's JSON error format (AIP-193)."""
    return {"error": {"code": code, "message": message, "status": status}}


def product(
    sku: str,
    feed_label: str,
    language: str,
    *,
    approved: tuple[str, ...] = (),
    pending: tuple[str, ...] = (),
    disapproved: tuple[str, ...] = (),
    issues: tuple[dict[str, Any], ...] = (),
    context: str = "SHOPPING_ADS",
    data_source: str = f"accounts/{ACCOUNT}/dataSources/1001",
) -> dict[str, Any]:
    """A processed product as the Merchant API returns it (``Product``)."""
    destination: dict[str, Any] = {"reportingContext": context}
    for name, countries in (
        ("approvedCountries", approved),
        ("pendingCountries", pending),
        ("disapprovedCountries", disapproved),
    ):
        if countries:
            destination[name] = list(countries)
    return {
        "name": f"accounts/{ACCOUNT}/products/{language}~{feed_label}~{sku}",
        "offerId": sku,
        "contentLanguage": language,
        "feedLabel": feed_label,
        "dataSource": data_source,
        "productStatus": {
            "destinationStatuses": [destination],
            "itemLevelIssues": list(issues),
            "creationDate": "2026-12-01T08:00:00Z",
            "lastUpdateDate": "2026-12-07T08:00:00Z",
        },
    }


def issue(
    code: str,
    severity: str,
    *,
    attribute: str = "",
    countries: tuple[str, ...] = (),
    context: str = "SHOPPING_ADS",
    description: str = "",
) -> dict[str, Any]:
    """An item-level issue as the Merchant API returns it (``ItemLevelIssue``)."""
    found: dict[str, Any] = {
        "code": code,
        "severity": severity,
        "resolution": "merchant_action",
        "reportingContext": context,
        "description": description or code.replace("_", " ").capitalize(),
        "detail": f"Check the {attribute or 'item'} in your product data",
        "documentation": "https://support.google.com/merchants/answer/6098321",
    }
    if attribute:
        found["attribute"] = attribute
    if countries:
        found["applicableCountries"] = list(countries)
    return found


def _approve(body: dict[str, Any], data_source: str) -> dict[str, Any]:
    """An inserted input processed as approved in its feed label's country."""
    label = body["feedLabel"]
    return product(
        body["offerId"],
        label,
        body["contentLanguage"],
        approved=(label[:2],),
        data_source=data_source,
    )


@dataclass
class RecordedCall:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int = 0
    body: bytes = b""


@dataclass
class _State:
    tokens: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)
    refuse_refresh: bool = False
    quota_failures: int = 0
    expire_at: int | None = None
    """Expire every token issued when this many API calls have been answered."""
    list_calls: int = 0
    """API calls answered (every method's)."""
    refused_offers: dict[str, str] = field(default_factory=dict)
    quota_at: tuple[int, int] | None = None
    """(after this many API calls, so many 429s)."""
    page_tokens: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Issued page token -> (offset of the next page, the pageSize it was issued for)."""


class GoogleMerchantServer:
    """The fake on ``127.0.0.1`` and a free port; `endpoint` is the base URL."""

    def __init__(self, page_limit: int = 250) -> None:
        self.page_limit = page_limit
        """At most this many products a page, whatever ``pageSize`` asks (the document:
        "The service may return fewer than this value")."""
        self.products: dict[str, list[dict[str, Any]]] = {}
        """Account id -> its processed products, in the order listed."""
        self.inputs: dict[str, dict[str, dict[str, Any]]] = {}
        """Account id -> ``content_language~feed_label~offer_id`` -> the inserted
        ``ProductInput`` body, with the ``dataSource`` it was inserted under."""
        self.judge: Callable[[dict[str, Any], str], dict[str, Any]] = _approve
        """How an inserted input becomes a processed product: (the body, its data
        source) -> the ``Product``; default approved in its feed label's country."""
        self.calls: list[RecordedCall] = []
        self.problems: list[str] = []
        """Everything that broke the contract (requests and the server's own answers)."""
        self._state = _State()
        self._service_accounts: dict[str, Any] = {}
        """client_email -> its public key (``cryptography``)."""
        self._lock = threading.Lock()
        self._answers = contract_validator("ListProductsResponse")
        self._inputs = contract_validator("ProductInput", enum_numbers=True)
        self._method = contract_method()
        self._insert = contract_method("productInputs", "insert")
        self._delete = contract_method("productInputs", "delete")
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> GoogleMerchantServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def expire_tokens(self, after_calls: int = 0) -> None:
        """Every access token issued so far (by the time ``after_calls`` more list calls
        were answered) is expired: the next call with one answers 401."""
        with self._lock:
            if after_calls:
                self._state.expire_at = self._state.list_calls + after_calls
            else:
                self._state.expired |= self._state.tokens

    def add_service_account(self, client_email: str, public_key_pem: bytes) -> None:
        """A service account (a user of the Merchant Center account) whose JWTs, signed
        with the private key of ``public_key_pem``, get access tokens."""
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        self._service_accounts[client_email] = load_pem_public_key(public_key_pem)

    def refuse_refresh(self) -> None:
        """The token endpoint refuses the refresh token (revoked): ``invalid_grant``."""
        with self._lock:
            self._state.refuse_refresh = True

    def refuse_offers(self, reasons: dict[str, str]) -> None:
        """Inserts of these offer ids answer 400 ``INVALID_ARGUMENT`` with the reason."""
        with self._lock:
            self._state.refused_offers.update(reasons)

    def exhaust_quota(self, times: int, after_calls: int = 0) -> None:
        """The next ``times`` API calls (once ``after_calls`` more were answered) answer
        429 ``RESOURCE_EXHAUSTED``."""
        with self._lock:
            if after_calls:
                self._state.quota_at = (self._state.list_calls + after_calls, times)
            else:
                self._state.quota_failures = times

    def connection_extra(self) -> dict[str, str]:
        """The extra of an Airflow connection that points at this server."""
        return {
            "refresh_token": REFRESH_TOKEN,
            "endpoint": self.endpoint,
            "token_url": self.endpoint + TOKEN_PATH,
        }

    @property
    def list_calls(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.path != TOKEN_PATH and c.method == "GET"]

    @property
    def api_calls(self) -> list[RecordedCall]:
        """Every call of the API (not the token endpoint's)."""
        return [c for c in self.calls if c.path != TOKEN_PATH]

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _jwt_grant(self, form: dict[str, str]) -> tuple[int, Any]:
        import time

        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def decode(part: str) -> bytes:
            return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

        refused = (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        try:
            head, body, signature = form.get("assertion", "").split(".")
            header, claims = json.loads(decode(head)), json.loads(decode(body))
        except ValueError:
            self._problem("the JWT bearer grant's assertion is not a JWT")
            return 400, {"error": "invalid_request", "error_description": "Invalid JWT."}
        if header.get("alg") != "RS256":
            self._problem(f"a JWT signed {header.get('alg')!r}, not RS256")
            return refused
        key = self._service_accounts.get(claims.get("iss", ""))
        if key is None:
            return 400, {
                "error": "invalid_grant",
                "error_description": "Invalid grant: account not found",
            }
        try:
            key.verify(
                decode(signature),
                f"{head}.{body}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return refused
        # "When making an access token request this value is always
        # https://oauth2.googleapis.com/token" (Google's OAuth 2.0 for server to server
        # applications, the JWT claim set), wherever the request is sent.
        if claims.get("aud") != GOOGLE_TOKEN_AUDIENCE:
            self._problem(f"the JWT's aud {claims.get('aud')!r} is not {GOOGLE_TOKEN_AUDIENCE}")
            return refused
        if SCOPE not in str(claims.get("scope", "")).split():
            self._problem(f"the JWT asks scope {claims.get('scope')!r}, not {SCOPE}")
            return 400, {"error": "invalid_scope", "error_description": "Invalid scope."}
        now = time.time()
        issued, expires = float(claims.get("iat", 0)), float(claims.get("exp", 0))
        if not (issued - 300 <= now < expires and expires - issued <= 3600):
            self._problem("the JWT's iat/exp are not a window of at most an hour around now")
            return refused
        with self._lock:
            token = "ya29.test-" + secrets.token_urlsafe(16)
            self._state.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("grant_type") == JWT_GRANT:
            return self._jwt_grant(form)
        expected = {
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        for name, value in expected.items():
            if form.get(name) != value:
                return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        with self._lock:
            if self._state.refuse_refresh or form.get("refresh_token") != REFRESH_TOKEN:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            token = "ya29.test-" + secrets.token_urlsafe(16)
            self._state.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _admit(self, headers: dict[str, str]) -> tuple[int, Any] | None:
        """None when the call may go on, else the 401 or 429 it gets."""
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ")
        with self._lock:
            if (
                self._state.expire_at is not None
                and self._state.list_calls >= self._state.expire_at
            ):
                self._state.expired |= self._state.tokens
                self._state.expire_at = None
            if (
                self._state.quota_at is not None
                and self._state.list_calls >= self._state.quota_at[0]
            ):
                self._state.quota_failures = self._state.quota_at[1]
                self._state.quota_at = None
            self._state.list_calls += 1
            valid = auth.startswith("Bearer ") and token in self._state.tokens
            expired = token in self._state.expired
        if not valid or expired:
            return 401, google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        with self._lock:
            if self._state.quota_failures > 0:
                self._state.quota_failures -= 1
                return 429, google_error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Products list requests' of service "
                    "'merchantapi.googleapis.com'.",
                )
        return None

    def _check_query(self, method: dict[str, Any], query: dict[str, list[str]]) -> None:
        allowed = {"$alt", "alt", "$.xgafv", *method["parameters"]}
        for name in query:
            if name not in allowed:
                self._problem(f"query parameter {name!r} is not one of the method's")

    def _insert_input(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any]:
        match = _INSERT.match(path)
        if match is None:
            return 404, google_error(404, "NOT_FOUND", "Method not found.")
        self._check_query(self._insert, query)
        if not re.match(self._insert["parameters"]["parent"]["pattern"], match["parent"]):
            self._problem(f"parent {match['parent']!r} does not match the method's pattern")
        refused = self._admit(headers)
        if refused is not None:
            return refused
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        errors = [e.message for e in self._inputs.iter_errors(body)]
        if errors:
            self._problem(f"insert body breaks ProductInput: {errors[0]}")
            return 400, google_error(
                400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {errors[0]}"
            )
        source = (query.get("dataSource") or [""])[0]
        account = match["parent"].removeprefix("accounts/")
        missing = [k for k in ("offerId", "contentLanguage", "feedLabel") if not body.get(k)]
        if not re.match(rf"^accounts/{account}/dataSources/[0-9]+$", source):
            missing.append("dataSource")
        if missing:
            self._problem(f"insert without {', '.join(missing)}")
            return 400, google_error(
                400, "INVALID_ARGUMENT", f"[{missing[0]}] Required parameter missing"
            )
        with self._lock:
            reason = self._state.refused_offers.get(body["offerId"])
        if reason:
            return 400, google_error(400, "INVALID_ARGUMENT", reason)
        key = f"{body['contentLanguage']}~{body['feedLabel']}~{body['offerId']}"
        with self._lock:
            self.inputs.setdefault(account, {})[key] = {**body, "dataSource": source}
            processed = self.judge(body, source)
            listed = self.products.setdefault(account, [])
            listed[:] = [p for p in listed if p["name"] != processed["name"]] + [processed]
        answer = {
            **body,
            "name": f"accounts/{account}/productInputs/{key}",
            "product": f"accounts/{account}/products/{key}",
        }
        for error in self._inputs.iter_errors(answer):
            self._problem(f"answer breaks ProductInput: {error.message}")
        return 200, answer

    def _delete_input(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, Any]:
        match = _DELETE.match(path)
        if match is None:
            return 404, google_error(404, "NOT_FOUND", "Method not found.")
        self._check_query(self._delete, query)
        if not re.match(self._delete["parameters"]["name"]["pattern"], match["name"]):
            self._problem(f"name {match['name']!r} does not match the method's pattern")
        refused = self._admit(headers)
        if refused is not None:
            return refused
        segment = unquote(match["id"])
        if "~" in segment:
            key = segment
        else:
            key = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()
        source = (query.get("dataSource") or [""])[0]
        if not source:
            self._problem("delete without dataSource")
        account = match["account"]
        with self._lock:
            found = self.inputs.get(account, {}).get(key)
            if found is None or found["dataSource"] != source:
                return 404, google_error(404, "NOT_FOUND", f"Product input {key} not found.")
            del self.inputs[account][key]
            name = f"accounts/{account}/products/{key}"
            listed = self.products.get(account, [])
            listed[:] = [p for p in listed if p["name"] != name]
        return 200, {}

    def _list(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> Any:
        match = _LIST.match(path)
        if match is None:
            return 404, google_error(404, "NOT_FOUND", "Method not found.")
        parameters = self._method["parameters"]
        self._check_query(self._method, query)
        if not re.match(parameters["parent"]["pattern"], match["parent"]):
            self._problem(f"parent {match['parent']!r} does not match the method's pattern")
        refused = self._admit(headers)
        if refused is not None:
            return refused
        size_text = (query.get("pageSize") or [""])[0]
        if size_text and not size_text.lstrip("-").isdigit():
            return 400, google_error(400, "INVALID_ARGUMENT", "Invalid value at 'page_size'")
        size = min(int(size_text or 25), 1000)
        size = 25 if size <= 0 else size
        offset = 0
        page_token = (query.get("pageToken") or [""])[0]
        if page_token:
            with self._lock:
                issued = self._state.page_tokens.get(page_token)
            if issued is None:
                return 400, google_error(400, "INVALID_ARGUMENT", "Invalid page token.")
            offset, issued_size = issued
            if issued_size != size:
                self._problem("a page token was sent with another pageSize than its first call")
        account = match["parent"].removeprefix("accounts/")
        everything = self.products.get(account, [])
        step = min(size, self.page_limit)
        page: dict[str, Any] = {"products": everything[offset : offset + step]}
        if offset + step < len(everything):
            next_token = secrets.token_urlsafe(12)
            with self._lock:
                self._state.page_tokens[next_token] = (offset + step, size)
            page["nextPageToken"] = next_token
        for error in self._answers.iter_errors(page):
            self._problem(f"answer breaks ListProductsResponse: {error.message}")
        return 200, page


def _handler(server: GoogleMerchantServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, call: RecordedCall, status: int, document: Any) -> None:
            call.status = status
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            call = RecordedCall("POST", parts.path, {}, headers)
            server.calls.append(call)
            if parts.path != TOKEN_PATH:
                query = parse_qs(parts.query, keep_blank_values=True)
                call.query = query
                call.body = raw
                self._answer(call, *server._insert_input(parts.path, query, headers, raw))
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            self._answer(call, *server._token(form))

        def do_DELETE(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            call = RecordedCall("DELETE", parts.path, query, headers)
            server.calls.append(call)
            self._answer(call, *server._delete_input(parts.path, query, headers))

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            call = RecordedCall("GET", parts.path, query, headers)
            server.calls.append(call)
            self._answer(call, *server._list(parts.path, query, headers))

    return Handler
