"""Akeneo PIM's REST API for tests: a small HTTP server on a loopback port, held to
Akeneo's published API reference.

Akeneo publishes no mock, so this is a fake, kept honest by the reference
(``tests/contracts/akeneo/akeneo-web-api.subset.json``, the Swagger 2.0 file behind
api.akeneo.com, cut to the operations the reader calls). Every request is checked
against its operation: the path and method exist, every query parameter is one the
operation declares, of its type (``limit`` an integer from 1 to 100, ``pagination_type``
one of its enum, booleans ``true``/``false``), required ones present; the token call
carries its required ``Content-type`` and ``Authorization: Basic`` headers and a body
valid against its schema; every other call ``Authorization: Bearer`` with a token this
server issued and ``Accept: application/json`` (else 406, as the reference says). Every
answer it gives is validated against the operation's response schema for that status
(with `CONTRACT_ERRATA`). What breaks the reference is recorded in ``problems``, which
the tests expect empty.

It serves a catalog in the API's standard format (by default
``tests/cases/catalog/akeneo_api/catalog.json``, derived from Akeneo's icecat demo, see
that folder's README.md): channels, attributes, product models, family variants and
products, with ``search_after`` pagination (opaque cursors, a ``next`` link after every
full page, as Akeneo does), the ``scope``/``locales`` value filters, ``search`` on
attribute types, ``linked_data`` labels of select options with
``with_attribute_options=true``, and media values' ``_links.download.href``.

Tests steer it: `AkeneoApiServer.fail` queues transient answers (429 with
``Retry-After``, 500, 503) for the next calls of a path; `AkeneoApiServer.expire_after`
makes the access tokens expire after some calls; ``hide_uuid_endpoint`` answers 404 on
``/products-uuid`` as a PIM before 7.0 does; ``token_lifetime`` sets ``expires_in``.

What it cannot reproduce: Akeneo's full ``search`` filter language (only ``type IN`` on
attributes), permissions and 403s, the ``page`` pagination and its offset limit, the
exact wording of Akeneo's error messages (the token endpoint's answer to a wrong
username or password is modelled as 422 with Akeneo's troubleshooting wording for a
bad client, not checked against a real PIM), real rate limits and their timing, the
order Akeneo really sorts by (here: uuid, identifier or code), completeness and quality
scores, products being edited during a read, and measurement conversions per channel.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

CONTRACT = Path(__file__).parent / "contracts" / "akeneo" / "akeneo-web-api.subset.json"
"""Akeneo's API reference, cut to the operations the reader calls (see its README.md)."""
CATALOG = Path(__file__).parent / "cases" / "catalog" / "akeneo_api" / "catalog.json"
"""The icecat-derived catalog the server serves by default."""
CONN_ID = "grenzenlos_akeneo"
CLIENT_ID = "1_3qwnpneuey80k4ckcg0c4wggk8wgco8gsg8ws8w4sgs0o8okc0"
SECRET = "4tg0rlsc0uo08ok4cw4gko4wsgsgkwo4k0k0s8w8so4w8ssogo"
USERNAME = "grenzenlos_1234"
PASSWORD = "a1b2c3d4e5f6-api-password"
TOKEN_PATH = "/api/oauth/v1/token"
BAD_CLIENT = 'Parameter "client_id" is missing or does not match any client, or secret is invalid'
BAD_USER = "No user found for the given username and password"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "string":
        return {**schema, "type": ["string", "null"]}
    return schema


def _patch(node: Any) -> None:
    """Apply `CONTRACT_ERRATA` to a schema tree, in place."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            if {"locale", "scope", "data"} <= properties.keys():
                properties["data"] = {"description": properties["data"].get("description", "")}
                properties["locale"] = _nullable(properties["locale"])
                properties["scope"] = _nullable(properties["scope"])
            for name in ("parent", "family", "scope"):
                if isinstance(properties.get(name), dict):
                    properties[name] = _nullable(properties[name])
        for value in node.values():
            _patch(value)
    elif isinstance(node, list):
        for value in node:
            _patch(value)


CONTRACT_ERRATA = (
    "a product value's data: declared an object, but the reference's own data format "
    "makes it a string, a number, a boolean, a list or an object; a value's locale and "
    "scope, a product's (and product model's) parent and family, and the token answer's "
    "scope: declared strings, but null where they do not apply, as every example of the "
    "reference shows"
)
"""Corrections `_patch` makes to the reference's schemas; a test checks they are needed."""


def contract_validator(schema: dict[str, Any], *, errata: bool = True) -> Any:
    """A ``jsonschema`` validator for a schema of the reference (Swagger 2.0 schemas are
    JSON Schema draft 4 with extra ``x-`` keywords, which validators ignore)."""
    from jsonschema import Draft4Validator

    schema = copy.deepcopy(schema)
    if errata:
        _patch(schema)
    return Draft4Validator(schema)


@dataclass
class _Operation:
    template: str
    method: str
    spec: dict[str, Any]
    pattern: re.Pattern[str]
    validators: dict[int, Any] = field(default_factory=dict)

    def validator(self, status: int) -> Any:
        if status not in self.validators:
            answer = self.spec["responses"].get(str(status))
            schema = answer.get("schema") if answer else None
            self.validators[status] = contract_validator(schema) if schema else None
        return self.validators[status]


def _operations() -> list[_Operation]:
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    found = []
    for template, methods in contract["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
        for method, spec in methods.items():
            found.append(_Operation(template, method.upper(), spec, re.compile(f"^{regex}$")))
    return found


@dataclass
class _Failure:
    path: str
    status: int
    retry_after: str | None


class AkeneoApiServer:
    """The fake PIM (see the module docstring). Use as a context manager."""

    def __init__(self, catalog: dict[str, Any] | None = None, *, token_lifetime: int = 3600):
        self.catalog = catalog if catalog is not None else load_catalog()
        self.token_lifetime = token_lifetime
        self.hide_uuid_endpoint = False
        self.operations = _operations()
        self.problems: list[str] = []
        self.calls: list[tuple[str, str, dict[str, list[str]]]] = []
        """(method, path, query) of every request, the token calls too."""
        self.tokens: dict[str, int | None] = {}
        """Issued access tokens -> calls left before they expire (None: until the end)."""
        self.refresh_tokens: set[str] = set()
        self.grants: list[str] = []
        """The ``grant_type`` of every token call, in order."""
        self.expired = 0
        """Calls answered 401 because their token had expired."""
        self.failures: list[_Failure] = []
        self.expire_after_calls: int | None = None
        self.lock = threading.Lock()
        self.options = self.catalog.get("options", {})
        self.types = {a["code"]: a["type"] for a in self.catalog.get("attributes", [])}
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- steering ----------------------------------------------------------------------

    def fail(self, path: str, *statuses: int, retry_after: str | None = None) -> None:
        """Answer the next calls whose path starts with ``path`` with ``statuses``, in order."""
        with self.lock:
            self.failures.extend(_Failure(path, status, retry_after) for status in statuses)

    def expire_after(self, calls: int) -> None:
        """Let every access token issued from now on expire after ``calls`` API calls."""
        self.expire_after_calls = calls

    def __enter__(self) -> AkeneoApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def connection(self) -> AkeneoApiConnection:
        """The Airflow connection's fields a reader of this PIM is given."""
        from transforms.catalog.akeneo_api.connection import AkeneoApiConnection

        return AkeneoApiConnection(
            base_url=self.url,
            client_id=CLIENT_ID,
            secret=SECRET,
            username=USERNAME,
            password=PASSWORD,
        )

    def api_calls(self, path: str) -> list[dict[str, list[str]]]:
        """The query of every GET of ``path``."""
        return [query for method, p, query in self.calls if method == "GET" and p == path]

    # -- the reference -----------------------------------------------------------------

    def _operation(self, method: str, path: str) -> tuple[_Operation, list[str]] | None:
        for operation in self.operations:
            match = operation.pattern.match(path)
            if match and operation.method == method:
                return operation, [unquote(g) for g in match.groups()]
        return None

    def _check_query(self, operation: _Operation, query: dict[str, list[str]]) -> list[str]:
        declared = {p["name"]: p for p in operation.spec["parameters"] if p["in"] == "query"}
        wrong = []
        for name, values in query.items():
            spec = declared.get(name)
            if spec is None:
                wrong.append(f"query parameter {name!r} is not in the reference")
                continue
            if len(values) != 1:
                wrong.append(f"query parameter {name!r} given {len(values)} times")
                continue
            value = values[0]
            if spec.get("type") == "integer":
                if not value.isdigit():
                    wrong.append(f"{name}={value!r} is not an integer")
                elif not spec.get("minimum", 0) <= int(value) <= spec.get("maximum", 10**9):
                    wrong.append(f"{name}={value} is out of its range")
            if spec.get("type") == "boolean" and value not in ("true", "false"):
                wrong.append(f"{name}={value!r} is not true or false")
            if "enum" in spec and value not in spec["enum"]:
                wrong.append(f"{name}={value!r} is not one of {spec['enum']}")
        for name, spec in declared.items():
            if spec.get("required") and name not in query:
                wrong.append(f"required query parameter {name!r} is missing")
        return wrong

    # -- answers -----------------------------------------------------------------------

    def _answer(
        self, operation: _Operation | None, status: int, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if operation is not None:
            validator = operation.validator(status)
            if validator is None and status not in (429, 500, 503):
                self.problems.append(
                    f"{operation.method} {operation.template} has no {status} answer in the "
                    "reference"
                )
            elif validator is not None:
                for error in validator.iter_errors(body):
                    self.problems.append(
                        f"answer {status} to {operation.method} {operation.template} breaks "
                        f"the reference: {error.message} at {list(error.absolute_path)}"
                    )
        return status, body

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one request: (status, JSON body, extra headers)."""
        parts = urlsplit(target)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        with self.lock:
            self.calls.append((method, path, query))
            failure = next((f for f in self.failures if path.startswith(f.path)), None)
            if failure is not None:
                self.failures.remove(failure)
        found = self._operation(method, path)
        if found is None:
            self.problems.append(f"{method} {path} is not an operation of the reference")
            return 404, {"code": 404, "message": f'No route found for "{method} {path}"'}, {}
        operation, arguments = found
        wrong = self._check_query(operation, query)
        if wrong:
            self.problems.extend(f"{method} {path}: {w}" for w in wrong)
            return 422, {"code": 422, "message": "; ".join(wrong)}, {}
        if failure is not None:
            extra = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            message = "Too many requests" if failure.status == 429 else "Server error"
            return failure.status, {"code": failure.status, "message": message}, extra
        if operation.spec.get("x-no-token"):
            return (*self._token(operation, headers, body), {})
        status, answer = self._authorize(operation, headers)
        if status:
            return status, answer, {}
        query1 = {name: values[0] for name, values in query.items()}
        return (*self._resource(operation, arguments, query1), {})

    def _token(
        self, operation: _Operation, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if content_type not in ("application/json", "application/x-www-form-urlencoded"):
            self.problems.append(f"the token call's Content-type is {content_type!r}")
            return self._answer(operation, 415, {"code": 415, "message": "bad Content-type"})
        try:
            document = json.loads(body) if content_type == "application/json" else {}
        except ValueError:
            return self._answer(operation, 400, {"code": 400, "message": "Invalid json message"})
        body_schema = next(p["schema"] for p in operation.spec["parameters"] if p["in"] == "body")
        grant = document.get("grant_type") if isinstance(document, dict) else None
        self.grants.append(str(grant))
        if grant == "password":
            for error in contract_validator(body_schema).iter_errors(document):
                self.problems.append(f"token request breaks the reference: {error.message}")
        expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return self._answer(operation, 422, {"code": 422, "message": BAD_CLIENT})
        if grant == "password":
            if document.get("username") != USERNAME or document.get("password") != PASSWORD:
                return self._answer(operation, 422, {"code": 422, "message": BAD_USER})
        elif grant == "refresh_token":
            refresh = document.get("refresh_token")
            if refresh not in self.refresh_tokens:
                return self._answer(
                    operation, 422, {"code": 422, "message": "Invalid refresh token"}
                )
            self.refresh_tokens.discard(refresh)
        else:
            return self._answer(
                operation, 422, {"code": 422, "message": f"Invalid grant_type {grant!r}"}
            )
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[access] = self.expire_after_calls
            self.refresh_tokens.add(refresh)
        return self._answer(
            operation,
            200,
            {
                "access_token": access,
                "expires_in": self.token_lifetime,
                "token_type": "bearer",
                "scope": None,
                "refresh_token": refresh,
            },
        )

    def _authorize(
        self, operation: _Operation, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("accept") != "application/json":
            self.problems.append(f"Accept is {headers.get('accept')!r}")
            return self._answer(operation, 406, {"code": 406, "message": "Accept"})
        authorization = headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ")
        with self.lock:
            if not authorization.startswith("Bearer ") or token not in self.tokens:
                return self._answer(
                    operation,
                    401,
                    {"code": 401, "message": "The access token provided is invalid."},
                )
            left = self.tokens[token]
            if left is not None:
                if left <= 0:
                    self.expired += 1
                    return self._answer(
                        operation,
                        401,
                        {"code": 401, "message": "The access token provided has expired."},
                    )
                self.tokens[token] = left - 1
        return 0, {}

    # -- resources ---------------------------------------------------------------------

    def _not_found(self, operation: _Operation, what: str) -> tuple[int, dict[str, Any]]:
        return self._answer(
            operation, 404, {"code": 404, "message": f"Resource `{what}` does not exist."}
        )

    def _resource(
        self, operation: _Operation, arguments: list[str], query: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        template = operation.template
        catalog = self.catalog
        if template == "/api/rest/v1/channels/{code}":
            channel = next((c for c in catalog["channels"] if c["code"] == arguments[0]), None)
            if channel is None:
                return self._not_found(operation, arguments[0])
            return self._answer(operation, 200, channel)
        if template == "/api/rest/v1/families/{family_code}/variants/{code}":
            family, code = arguments
            variant = next(
                (
                    v
                    for v in catalog["family_variants"]
                    if v["family"] == family and v["code"] == code
                ),
                None,
            )
            if variant is None:
                return self._not_found(operation, code)
            return self._answer(operation, 200, {k: v for k, v in variant.items() if k != "family"})
        if template == "/api/rest/v1/product-models/{code}":
            model = next((m for m in catalog["product_models"] if m["code"] == arguments[0]), None)
            if model is None:
                return self._not_found(operation, arguments[0])
            return self._answer(operation, 200, self._item(model, query, "product-models"))
        if template == "/api/rest/v1/attributes":
            items = catalog["attributes"]
            if "search" in query:
                search = json.loads(query["search"])
                types = {
                    t for f in search.get("type", []) if f["operator"] == "IN" for t in f["value"]
                }
                items = [a for a in items if a["type"] in types]
            return self._page(operation, "/api/rest/v1/attributes", items, query, "code", "code")
        if template == "/api/rest/v1/product-models":
            return self._page(
                operation, template, catalog["product_models"], query, "code", "product-models"
            )
        if template == "/api/rest/v1/products-uuid":
            if self.hide_uuid_endpoint:  # a PIM before 7.0: no such route, nothing to check
                return 404, {"code": 404, "message": "No route found"}
            return self._page(
                operation, template, catalog["products"], query, "uuid", "products-uuid"
            )
        if template == "/api/rest/v1/products":
            items = [self._with_identifier(p) for p in catalog["products"]]
            items = [p for p in items if p["identifier"]]  # Akeneo leaves these out here
            return self._page(operation, template, items, query, "identifier", "products")
        return self._not_found(operation, template)

    def _with_identifier(self, product: dict[str, Any]) -> dict[str, Any]:
        sku = next((v["data"] for v in product["values"].get("sku", [])), None)
        item = {"identifier": sku, **product}
        if self.hide_uuid_endpoint:
            item.pop("uuid", None)
        return item

    def _item(self, item: dict[str, Any], query: dict[str, str], kind: str) -> dict[str, Any]:
        """A resource as the API answers it: its self link, values filtered by scope and
        locales, option labels and media download links."""
        key = item.get("uuid") or item.get("identifier") or item.get("code")
        answer = {"_links": {"self": {"href": f"{self.url}/api/rest/v1/{kind}/{key}"}}, **item}
        if "values" not in item:
            return answer
        scope = query.get("scope")
        locales = set(query["locales"].split(",")) if query.get("locales") else None
        values: dict[str, list[dict[str, Any]]] = {}
        for attr, entries in item["values"].items():
            kept = []
            for entry in entries:
                if scope and entry.get("scope") not in (None, scope):
                    continue
                if locales is not None and entry.get("locale") not in (None, *locales):
                    continue
                kept.append(self._entry(attr, entry, query.get("with_attribute_options") == "true"))
            if kept:
                values[attr] = kept
        answer["values"] = values
        return answer

    def _entry(self, attr: str, entry: dict[str, Any], labels: bool) -> dict[str, Any]:
        entry = dict(entry)
        kind = self.types.get(attr)
        if kind in ("pim_catalog_image", "pim_catalog_file") and isinstance(entry["data"], str):
            href = f"{self.url}/api/rest/v1/media-files/{entry['data']}/download"
            entry["_links"] = {"download": {"href": href}}
        if labels and kind == "pim_catalog_simpleselect":
            options = self.options.get(attr, {})
            entry["linked_data"] = {
                "attribute": attr,
                "code": entry["data"],
                "labels": options.get(entry["data"], {}),
            }
        elif labels and kind == "pim_catalog_multiselect":
            options = self.options.get(attr, {})
            entry["linked_data"] = {
                code: {"attribute": attr, "code": code, "labels": options.get(code, {})}
                for code in entry["data"]
            }
        return entry

    def _page(
        self,
        operation: _Operation,
        path: str,
        items: list[dict[str, Any]],
        query: dict[str, str],
        key: str,
        kind: str,
    ) -> tuple[int, dict[str, Any]]:
        limit = int(query.get("limit", "10"))
        ordered = sorted(items, key=lambda item: str(item.get(key) or ""))
        if query.get("pagination_type") == "search_after":
            after = query.get("search_after")
            start = 0
            if after:
                last = base64.urlsafe_b64decode(after.encode()).decode()
                start = next(
                    (i for i, item in enumerate(ordered) if str(item.get(key) or "") > last),
                    len(ordered),
                )
            chunk = ordered[start : start + limit]
        else:
            page = int(query.get("page", "1"))
            chunk = ordered[(page - 1) * limit : page * limit]
        base = {k: v for k, v in query.items() if k not in ("search_after", "page")}
        links: dict[str, Any] = {
            "self": {"href": f"{self.url}{path}?{urlencode(query)}"},
            "first": {"href": f"{self.url}{path}?{urlencode(base)}"},
        }
        if len(chunk) == limit:
            if query.get("pagination_type") == "search_after":
                cursor = base64.urlsafe_b64encode(str(chunk[-1].get(key) or "").encode()).decode()
                following = {**base, "search_after": cursor}
            else:
                following = {**base, "page": str(int(query.get("page", "1")) + 1)}
            links["next"] = {"href": f"{self.url}{path}?{urlencode(following)}"}
        body: dict[str, Any] = {
            "_links": links,
            "_embedded": {"items": [self._item(item, query, kind) for item in chunk]},
        }
        if query.get("pagination_type") != "search_after":
            body["current_page"] = int(query.get("page", "1"))
        return self._answer(operation, 200, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a PIM's web server does
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra = server.handle(self.command, self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve  # noqa: N815 - http.server's naming
            do_POST = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler


def load_catalog() -> dict[str, Any]:
    """The icecat-derived catalog (a fresh copy)."""
    catalog: dict[str, Any] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return catalog
