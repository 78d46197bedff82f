"""eBay's Inventory API: one ``ebay.jsonl`` file, one bulk call per line.

The file is what `feeds.ebay` writes (JSON Lines): a line ``{"marketplaceId",
"contentLanguage", "body": {"requests": [...]}}`` is one
``bulkCreateOrReplaceInventoryItem`` call of at most 25 items, sent with the line's
``Content-Language``; a line ``{"marketplaceId", "contentLanguage",
"inventoryItemGroupKey", "inventoryItemGroup": {...}}`` is one
``createOrReplaceInventoryItemGroup`` call (``PUT .../inventory_item_group/{key}``), after
the lines of the group's items; a line ``{"marketplaceId", "deleteInventoryItems": [...]}``
is one ``deleteInventoryItem`` call per sku.

A group eBay refuses is an issue named by its group key, and its ``variantSKUs`` count
as refused: the next delta run sends them again, and with them the group (the writer
sends a group when any of its variants is sent). The items themselves were taken, but
without their group they are no multi-variation listing.

eBay answers a bulk call per item (``200`` when every item was taken, ``207`` when some
were not), so one refused item does not stop the others. The calls are independent:
a 5xx, a 429 or a dropped connection retries only that call (1, 2, 4 s apart), and a
``checkpoint`` after every line lets a crashed delivery resume after the last finished
line (``done``) instead of sending everything again.

Authentication is OAuth 2: the connection's refresh token is exchanged for an access
token (``sell.inventory`` scope) at the first call, and once more if eBay answers 401 or
the token is about to run out. Nothing here logs or raises a token, the client secret or
the refresh token. The grant, the retries and the scrubbing are the shared HTTP client's
(`transforms.api_client`); this module keeps eBay's calls and answers.

The contract: eBay's OpenAPI file for the Inventory API, v1.13.0
(``tests/contracts/ebay``); the test server ``tests/ebay_api_server.py`` checks
every request against it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import requests

from pipeline.delivery.outcome import (
    CredentialsError,
    DeliveryError,
    DeliveryOutcome,
    MarketplaceIssue,
    OAuthCredentials,
)
from transforms.api_client import (
    ApiSession,
    ApiUnavailable,
    RefreshTokenGrant,
    RetryPolicy,
    TokenRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

log = logging.getLogger(__name__)

BASE_URLS = {
    "production": "https://api.ebay.com",
    "sandbox": "https://api.sandbox.ebay.com",
}
"""eBay's API hosts by environment (``credentials.endpoint`` overrides them)."""
TOKEN_PATH = "/identity/v1/oauth2/token"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.inventory"
"""The OAuth scope both operations need (the contract's ``security``)."""
BULK_PATH = "/sell/inventory/v1/bulk_create_or_replace_inventory_item"
ITEM_PATH = "/sell/inventory/v1/inventory_item/{sku}"
GROUP_PATH = "/sell/inventory/v1/inventory_item_group/{key}"
BATCH = 25
"""Most items eBay takes in one bulk call."""
TOKEN_REQUEST = "eBay's token request"
"""The token request in log lines, and how its failures are told from a call's."""
NOT_FOUND = "25710"
"""eBay's errorId for "We didn't find the resource/entity you are requesting"."""


@dataclass(slots=True)
class _SkuResult:
    """What eBay said about one sku of one line (the checkpoint record's ``results``)."""

    sku: str
    accepted: bool
    status: int | None
    issues: list[MarketplaceIssue] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "accepted": self.accepted,
            "statusCode": self.status,
            "issues": [
                {
                    "severity": i.severity,
                    "code": i.code,
                    "field": i.field,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> _SkuResult:
        sku = str(data["sku"])
        issues = [
            MarketplaceIssue(
                sku=sku,
                severity=i["severity"],
                code=str(i["code"]),
                field=str(i["field"]),
                message=str(i["message"]),
            )
            for i in data.get("issues", [])
        ]
        return cls(sku, bool(data["accepted"]), data.get("statusCode"), issues)


@dataclass(slots=True)
class _Line:
    """One line of the file: a bulk call (``requests``), an inventory item group (``key``,
    its ``variantSKUs`` in ``skus``) or deletions (``skus``)."""

    index: int
    kind: Literal["bulk", "group", "delete"]
    marketplace_id: str | None
    skus: list[str]
    content_language: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    """The inventory item group's key (``group`` lines)."""

    def where(self) -> str:
        """``line 2 (skus A .. B)``: for messages (lines counted from 1)."""
        if self.kind == "group":
            return f"line {self.index + 1} (group {self.key})"
        if not self.skus:
            return f"line {self.index + 1}"
        if len(self.skus) == 1:
            return f"line {self.index + 1} (sku {self.skus[0]})"
        return f"line {self.index + 1} (skus {self.skus[0]} .. {self.skus[-1]})"


def _json(response: requests.Response) -> Any:
    """The answer's JSON; None when it is none."""
    try:
        return response.json()
    except ValueError:
        return None


def _describe(response: requests.Response) -> str:
    """``HTTP <status>`` and the start of the body, for messages (scrub it first)."""
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code} {text[:300]}".rstrip()


class _Client:
    """eBay's side of the HTTP client (`transforms.api_client`): the OAuth grant, the
    checks of the connection, and eBay's answers when a call cannot go on. One per
    delivery."""

    def __init__(
        self,
        credentials: OAuthCredentials,
        base: str,
        session: requests.Session,
        sleep: Callable[[float], None],
        max_attempts: int,
        timeout: float,
    ) -> None:
        self.credentials = credentials
        self.base = base
        self.session = session
        self.http = ApiSession(
            "eBay",
            session=session,
            policy=RetryPolicy(attempts=max(1, max_attempts)),
            tokens=RefreshTokenGrant(
                token_url=credentials.token_url or f"{base}{TOKEN_PATH}",
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                refresh_token=credentials.refresh_token,
                client_auth="basic",
                scope=SCOPE,
                what=TOKEN_REQUEST,
            ),
            sleep=sleep,
            timeout=timeout,
        )

    def scrub(self, text: str) -> str:
        """``text`` with every secret (and each access token) replaced by ``***``."""
        return self.http.scrub(text)

    def _check_credentials(self) -> None:
        credentials = self.credentials
        missing = [
            name
            for name, value in (
                ("login (client id)", credentials.client_id),
                ("password (client secret)", credentials.client_secret),
                ("extra refresh_token", credentials.refresh_token),
            )
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"Airflow connection {credentials.conn_id!r} lacks {', '.join(missing)} "
                "for eBay's OAuth token."
            )

    def call(
        self, method: str, url: str, headers: dict[str, str], data: bytes | None, what: str
    ) -> requests.Response:
        """One API call with its retries and one token refresh on 401; the answer that is
        not worth retrying (``what`` names the call in errors).

        Raises:
            CredentialsError: The connection lacks a credential, eBay refused it, or it
                refused a fresh access token.
            DeliveryError: The call (or the token request) was still failing after its
                tries.
        """
        self._check_credentials()
        conn_id = self.credentials.conn_id
        try:
            answer = self.http.call(method, url, what, headers=headers, data=data)
        except ApiUnavailable as exc:
            if exc.wait is not None:
                raise DeliveryError(f"{exc}.") from None
            problem = (
                self.scrub(_describe(exc.response))
                if exc.response is not None
                else f"no answer ({exc.error})"
            )
            if exc.what == TOKEN_REQUEST:
                raise DeliveryError(
                    f"eBay's token endpoint did not answer for connection {conn_id!r} "
                    f"after {exc.attempts} attempts: {problem}"
                ) from None
            raise DeliveryError(
                f"eBay did not take {what} after {exc.attempts} attempts: {problem}"
            ) from None
        except TokenRefused as exc:
            reason = exc.error or f"HTTP {exc.status}"
            if exc.description:
                reason += f" ({exc.description})"
            raise CredentialsError(
                f"eBay refused the credentials of Airflow connection {conn_id!r}: {reason}."
            ) from None
        if answer.status_code == 401:
            raise CredentialsError(
                f"eBay refused the access token of Airflow connection {conn_id!r} for "
                f"{what}, also after a refresh: {self.scrub(_describe(answer))}"
            )
        return answer


def _parse_line(index: int, text: str) -> _Line | None:
    """The line at ``index``; None for a blank line."""
    if not text.strip():
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DeliveryError(f"line {index + 1} of the eBay file is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise DeliveryError(f"line {index + 1} of the eBay file is not a JSON object.")
    marketplace = document.get("marketplaceId")
    marketplace_id = str(marketplace) if marketplace else None
    if "deleteInventoryItems" in document:
        skus = document["deleteInventoryItems"]
        if not isinstance(skus, list) or not all(isinstance(s, str) and s for s in skus):
            raise DeliveryError(
                f"line {index + 1} of the eBay file: deleteInventoryItems is not a list of skus."
            )
        return _Line(index, "delete", marketplace_id, list(skus))
    if "inventoryItemGroup" in document:
        return _parse_group(index, document, marketplace_id)
    body = document.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise DeliveryError(
            f"line {index + 1} of the eBay file has neither body.requests nor deleteInventoryItems."
        )
    items: list[Any] = body["requests"]
    skus = [str(item.get("sku", "")) if isinstance(item, dict) else "" for item in items]
    language = str(document.get("contentLanguage") or "")
    line = _Line(index, "bulk", marketplace_id, skus, language, body)
    if len(items) > BATCH:
        raise DeliveryError(
            f"{line.where()} of the eBay file has {len(items)} inventory items, more than "
            f"the {BATCH} a bulk call takes; it was not sent."
        )
    if not items or not all(skus):
        raise DeliveryError(f"{line.where()} of the eBay file has no items, or one without a sku.")
    if not line.content_language:
        raise DeliveryError(
            f"{line.where()} of the eBay file has no contentLanguage; eBay needs it as "
            "the call's Content-Language."
        )
    return line


def _parse_group(index: int, document: Mapping[str, Any], marketplace_id: str | None) -> _Line:
    """A line of one inventory item group."""
    key = document.get("inventoryItemGroupKey")
    body = document["inventoryItemGroup"]
    if not isinstance(key, str) or not key or not isinstance(body, dict):
        raise DeliveryError(
            f"line {index + 1} of the eBay file has an inventoryItemGroup without an "
            "inventoryItemGroupKey, or one that is not an object."
        )
    variants = body.get("variantSKUs")
    if not isinstance(variants, list) or not all(isinstance(s, str) and s for s in variants):
        raise DeliveryError(
            f"line {index + 1} of the eBay file: the variantSKUs of group {key} are not a "
            "list of skus."
        )
    language = str(document.get("contentLanguage") or "")
    line = _Line(index, "group", marketplace_id, list(variants), language, body, key)
    if not language:
        raise DeliveryError(
            f"{line.where()} of the eBay file has no contentLanguage; eBay needs it as "
            "the call's Content-Language."
        )
    return line


def _field(error: Mapping[str, Any]) -> str:
    """The field an eBay error names: its ``parameters``' values (a parameter without a
    value by its name), joined by ``, ``.

    >>> _field({"parameters": [{"name": "fieldName", "value": "product.title"}]})
    'product.title'
    >>> _field({"errorId": 25001})
    ''
    """
    names = []
    for parameter in error.get("parameters") or []:
        if isinstance(parameter, dict):
            text = str(parameter.get("value") or parameter.get("name") or "")
            if text:
                names.append(text)
    return ", ".join(names)


def _issues(
    sku: str | None,
    severity: Literal["error", "warning"],
    errors: Any,
    scrub: Callable[[str], str],
) -> list[MarketplaceIssue]:
    """eBay's ``errors`` or ``warnings`` list as issues."""
    if not isinstance(errors, list):
        return []
    return [
        MarketplaceIssue(
            sku=sku,
            severity=severity,
            code=str(error.get("errorId", "")),
            field=_field(error),
            message=scrub(str(error.get("message") or error.get("longMessage") or "")),
        )
        for error in errors
        if isinstance(error, dict)
    ]


def _bulk_results(line: _Line, answer: requests.Response, client: _Client) -> list[_SkuResult]:
    """Per-sku results of a bulk call from eBay's answer (200, 207 or a 4xx)."""
    document = _json(answer)
    status = answer.status_code
    if status in (200, 207) and isinstance(document, dict):
        by_sku: dict[str, _SkuResult] = {}
        for entry in document.get("responses") or []:
            if not isinstance(entry, dict) or not entry.get("sku"):
                continue
            sku = str(entry["sku"])
            code = entry.get("statusCode")
            errors = _issues(sku, "error", entry.get("errors"), client.scrub)
            warnings = _issues(sku, "warning", entry.get("warnings"), client.scrub)
            accepted = 200 <= code < 300 if isinstance(code, int) else not errors
            by_sku[sku] = _SkuResult(
                sku, accepted, code if isinstance(code, int) else None, errors + warnings
            )
        # A sku eBay's answer leaves out counts as refused: the next run sends it again.
        return [
            by_sku.get(sku)
            or _SkuResult(
                sku,
                False,
                None,
                [MarketplaceIssue(sku, "error", f"HTTP {status}", "", "not in eBay's answer")],
            )
            for sku in line.skus
        ]
    if status == 403:
        raise CredentialsError(
            f"eBay did not let Airflow connection {client.credentials.conn_id!r} make "
            f"{line.where()}'s bulk call (no sell.inventory access?): "
            f"{client.scrub(_describe(answer))}"
        )
    if 400 <= status < 500:
        call_errors = document.get("errors") if isinstance(document, dict) else None
        results = []
        for sku in line.skus:
            issues = _issues(sku, "error", call_errors, client.scrub) or [
                MarketplaceIssue(
                    sku, "error", f"HTTP {status}", "", client.scrub(_describe(answer))
                )
            ]
            results.append(_SkuResult(sku, False, status, issues))
        return results
    raise DeliveryError(
        f"eBay answered {line.where()}'s bulk call with {client.scrub(_describe(answer))}"
    )


def _send_body(line: _Line, client: _Client, method: str, url: str, what: str) -> requests.Response:
    """The line's body as JSON in the line's language (a bulk call, a group)."""
    data = json.dumps(line.body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Language": line.content_language,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return client.call(method, url, headers, data, f"{line.where()}'s {what}")


def _send_bulk(line: _Line, client: _Client) -> list[_SkuResult]:
    answer = _send_body(line, client, "POST", f"{client.base}{BULK_PATH}", "bulk call")
    return _bulk_results(line, answer, client)


def _send_group(line: _Line, client: _Client) -> list[_SkuResult]:
    """createOrReplaceInventoryItemGroup; one result, named by the group's key."""
    url = f"{client.base}{GROUP_PATH.format(key=quote(line.key, safe=''))}"
    answer = _send_body(line, client, "PUT", url, "call")
    document = _json(answer)
    status = answer.status_code
    if status in (200, 201, 204):
        warnings = document.get("warnings") if isinstance(document, dict) else None
        return [
            _SkuResult(line.key, True, status, _issues(line.key, "warning", warnings, client.scrub))
        ]
    if status == 403:
        raise CredentialsError(
            f"eBay did not let Airflow connection {client.credentials.conn_id!r} make "
            f"{line.where()}'s call (no sell.inventory access?): "
            f"{client.scrub(_describe(answer))}"
        )
    if 400 <= status < 500:
        errors = document.get("errors") if isinstance(document, dict) else None
        issues = _issues(line.key, "error", errors, client.scrub) or [
            MarketplaceIssue(
                line.key, "error", f"HTTP {status}", "", client.scrub(_describe(answer))
            )
        ]
        return [_SkuResult(line.key, False, status, issues)]
    raise DeliveryError(
        f"eBay answered {line.where()}'s call with {client.scrub(_describe(answer))}"
    )


def _send_deletions(line: _Line, client: _Client) -> list[_SkuResult]:
    results = []
    for sku in line.skus:
        answer = client.call(
            "DELETE",
            f"{client.base}{ITEM_PATH.format(sku=quote(sku, safe=''))}",
            {"Accept": "application/json"},
            None,
            f"the deletion of sku {sku} ({line.where()})",
        )
        document = _json(answer)
        errors = document.get("errors") if isinstance(document, dict) else None
        if answer.status_code in (200, 204):
            results.append(_SkuResult(sku, True, answer.status_code))
        elif answer.status_code == 404:
            issues = _issues(sku, "warning", errors, client.scrub) or [
                MarketplaceIssue(sku, "warning", NOT_FOUND, "", "not found on eBay")
            ]
            results.append(_SkuResult(sku, True, 404, issues))
        elif answer.status_code == 403:
            raise CredentialsError(
                f"eBay did not let Airflow connection {client.credentials.conn_id!r} delete "
                f"sku {sku}: {client.scrub(_describe(answer))}"
            )
        elif 400 <= answer.status_code < 500:
            issues = _issues(sku, "error", errors, client.scrub) or [
                MarketplaceIssue(
                    sku, "error", f"HTTP {answer.status_code}", "", client.scrub(_describe(answer))
                )
            ]
            results.append(_SkuResult(sku, False, answer.status_code, issues))
        else:
            raise DeliveryError(
                f"eBay answered the deletion of sku {sku} ({line.where()}) with "
                f"{client.scrub(_describe(answer))}"
            )
    return results


def _plural(count: int, word: str) -> str:
    """
    >>> _plural(1, "call"), _plural(3, "call")
    ('1 call', '3 calls')
    """
    return f"{count} {word}{'' if count == 1 else 's'}"


def _outcome(
    lines: list[tuple[_Line | None, Mapping[str, Any] | None, list[_SkuResult]]],
    marketplace_id: str | None,
) -> DeliveryOutcome:
    """The delivery's outcome from every line's results (bulk, groups and deletions)."""
    bulk_calls = items = taken = groups = grouped = deletions = deleted = gone = 0
    refused: dict[str, None] = {}
    """Skus in order, once (a refused group's variants may be refused items too)."""
    warned: set[str] = set()
    issues: list[MarketplaceIssue] = []
    for line, record, results in lines:
        kind = line.kind if line is not None else (record or {}).get("call")
        if kind == "bulk":
            bulk_calls += 1
            items += len(results)
            taken += sum(r.accepted for r in results)
        elif kind == "group":
            groups += 1
            grouped += sum(r.accepted for r in results)
            variants = line.skus if line is not None else (record or {}).get("variantSKUs", [])
            for result in results:
                issues += result.issues
                if not result.accepted:
                    # Refused with its group: the next delta run sends them (and it) again.
                    refused.update(dict.fromkeys(variants))
                elif any(i.severity == "warning" for i in result.issues):
                    warned.add(result.sku)
            continue
        else:
            deletions += len(results)
            deleted += sum(r.accepted for r in results)
            gone += sum(r.status == 404 for r in results)
        for result in results:
            issues += result.issues
            if not result.accepted:
                refused[result.sku] = None
            elif any(i.severity == "warning" for i in result.issues):
                warned.add(result.sku)
    parts = []
    if items or not deletions:
        parts.append(
            f"took {taken} of {_plural(items, 'inventory item')} in {_plural(bulk_calls, 'call')}"
        )
    if groups:
        parts.append(f"{grouped} of {_plural(groups, 'inventory item group')}")
    if deletions:
        part = f"deleted {deleted} of {_plural(deletions, 'inventory item')}"
        if gone:
            part += f" ({gone} already gone)"
        parts.append(part)
    detail = "eBay " + " and ".join(parts)
    tail = []
    if refused:
        tail.append(f"{len(refused)} refused")
    if warned:
        tail.append(f"{len(warned)} with warnings")
    detail += ("; " + ", ".join(tail) if tail else "") + "."
    verdict: Literal["accepted", "accepted_with_warnings", "refused"] = "accepted"
    if refused:
        verdict = "refused"
    elif any(i.severity == "warning" for i in issues):
        verdict = "accepted_with_warnings"
    return DeliveryOutcome(
        verdict=verdict,
        detail=detail,
        reference=marketplace_id,
        sent=items + groups + deletions,
        accepted=taken + grouped + deleted,
        issues=issues,
        refused_skus=list(refused),
    )


def deliver_inventory_file(
    lines: Iterable[str],
    *,
    credentials: OAuthCredentials,
    environment: Literal["sandbox", "production"],
    done: Mapping[int, Mapping[str, Any]] | None = None,
    checkpoint: Callable[[int, dict[str, Any]], None] = lambda _i, _r: None,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 4,
    timeout: float = 60.0,
) -> DeliveryOutcome:
    """Send one ``ebay.jsonl`` file to eBay's Inventory API, line by line.

    Args:
        lines: The file's lines (an open text file will do); line ``i`` (from 0) is
            one bulk call, one inventory item group or one line of deletions, and ``i``
            is its key in ``done`` and ``checkpoint``.
        credentials: The eBay app's client id and secret and the seller's refresh
            token (connection ``ebay_api``); ``endpoint``/``token_url`` point elsewhere
            than eBay (a test server).
        environment: ``production`` (api.ebay.com) or ``sandbox``
            (api.sandbox.ebay.com), unless ``credentials.endpoint`` is set.
        done: The records ``checkpoint`` was given by an earlier, interrupted delivery
            of the same file: those lines are not sent again, their results count.
            Keys may be ``int`` or their JSON form (``"3"``).
        checkpoint: Called after each line with its index and a JSON-ready record
            (``{"call": "bulk"|"group"|"delete", "marketplaceId", "results": [{"sku",
            "accepted", "statusCode", "issues"}]}``, a group's with its key as the
            result's ``sku`` and its ``variantSKUs``); store it to resume.
        session: The `requests.Session` to use (one is made and closed otherwise).
        sleep: Waits between retries (1, 2, 4 s, ...); tests pass a recorder.
        max_attempts: Attempts per call before giving up on a 5xx, a 429 or a
            connection error.
        timeout: Seconds to wait for eBay's answer to each request.

    Returns:
        The outcome: ``refused`` if eBay refused any sku (or group: its variants' skus
            are in ``refused_skus``), ``accepted_with_warnings``
        if it only warned, else ``accepted``; ``reference`` is the marketplace id.

    Raises:
        CredentialsError: eBay refused the connection's credentials (the message names
            the connection and eBay's error code, never a secret).
        DeliveryError: A line is not one eBay takes (not JSON, more than 25 items, no
            ``contentLanguage``), or a call still failed after ``max_attempts``; the
            lines before it are checkpointed.
    """
    base = (credentials.endpoint or BASE_URLS[environment]).rstrip("/")
    finished = {int(key): record for key, record in (done or {}).items()}
    own_session = session is None
    client = _Client(
        credentials,
        base,
        session if session is not None else requests.Session(),
        sleep,
        max_attempts,
        timeout,
    )
    seen: list[tuple[_Line | None, Mapping[str, Any] | None, list[_SkuResult]]] = []
    marketplace_id: str | None = None
    try:
        for index, text in enumerate(lines):
            record = finished.get(index)
            if record is not None:
                results = [_SkuResult.from_json(r) for r in record.get("results", [])]
                seen.append((None, record, results))
                marketplace_id = marketplace_id or record.get("marketplaceId")
                log.info(
                    "Line %d of the eBay file was delivered before; not sending it again.",
                    index + 1,
                )
                continue
            line = _parse_line(index, text)
            if line is None:
                continue
            marketplace_id = marketplace_id or line.marketplace_id
            if line.kind == "bulk":
                results = _send_bulk(line, client)
                log.info(
                    "eBay took %d of %d inventory items of %s.",
                    sum(r.accepted for r in results),
                    len(results),
                    line.where(),
                )
            elif line.kind == "group":
                results = _send_group(line, client)
                log.info(
                    "eBay %s the inventory item group of %s.",
                    "took" if results[0].accepted else "refused",
                    line.where(),
                )
            else:
                results = _send_deletions(line, client)
                log.info(
                    "eBay deleted %d of %d inventory items of %s.",
                    sum(r.accepted for r in results),
                    len(results),
                    line.where(),
                )
            seen.append((line, None, results))
            done_record: dict[str, Any] = {
                "call": line.kind,
                "marketplaceId": line.marketplace_id,
                "results": [r.to_json() for r in results],
            }
            if line.kind == "group":
                done_record["variantSKUs"] = line.skus
            checkpoint(index, done_record)
    finally:
        if own_session:
            client.session.close()
    outcome = _outcome(seen, marketplace_id)
    log.info("%s", outcome.detail)
    return outcome
