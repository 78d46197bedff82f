"""eBay's Inventory API for tests: a small HTTP server on a loopback port, held to eBay's
published contract.

eBay has no mock of its own, so this is a fake, kept honest by the contract
(``tests/contracts/ebay/sell_inventory_v1.18.2.subset.json``, eBay's OpenAPI file cut
to the operations we call): every request body is validated against the operation's
component schemas (``BulkInventoryItem`` -> ``InventoryItemWithSkuLocale`` -> ``Product``
...; ``InventoryItemGroup`` -> ``VariesBy`` -> ``Specification``;
``BulkEbayOfferDetailsWithKeys`` -> ``EbayOfferDetailsWithKeys`` -> ``Regulatory`` ...;
``EbayOfferDetailsWithId``; ``BulkOffer``), and so is every answer the server gives
(``BulkInventoryItemResponse``, ``Offers``, ``BulkOfferResponse``, ``OfferResponse``,
``BulkPublishResponse``). On top of the schemas it checks what the contract says in
words: a ``Content-Language`` eBay supports, at most 25 items (or offers) per bulk call,
each sku once, the Bearer token it issued, a group's ``variantSKUs`` all inventory items
it holds and in no other group, an offer's ``sku``, ``marketplaceId`` and ``format``
("always required", bulkCreateOffer) for an inventory item it holds, one offer per
sku/marketplaceId/format, and before publishing what publishing needs ("Inventory
location, Offer price, Available quantity, eBay listing category, Referenced listing
policy profiles", bulkCreateOffer's description).

It answers:

- ``POST /identity/v1/oauth2/token``: HTTP Basic auth with the app's client id and
  secret, ``grant_type=refresh_token``, the seller's refresh token and the
  ``sell.inventory`` scope -> an access token; otherwise eBay's OAuth errors
  (``invalid_client`` 401, ``invalid_grant`` / ``invalid_scope`` /
  ``unsupported_grant_type`` 400);
- ``POST /sell/inventory/v1/bulk_create_or_replace_inventory_item``: 200 when every
  item is taken, 207 when some are not (per-item ``errors``/``warnings`` shaped like
  eBay's: ``errorId``, ``domain`` ``API_INVENTORY``, ``category`` ``REQUEST``,
  ``message``, ``parameters``), 400 for a request it cannot take at all;
- ``PUT /sell/inventory/v1/inventory_item_group/{inventoryItemGroupKey}``
  (createOrReplaceInventoryItemGroup): 204 when it takes the group, 400 with errorId
  25702 for a variant sku it does not hold, 25703 for one in another group, or the
  refusal a test set;
- ``DELETE /sell/inventory/v1/inventory_item/{sku}``: 204 (the sku leaves its group
  too, and its offers go: "Delete any and all unpublished offers associated with that
  SKU; Delete any and all single-variation eBay listings", the contract), or 404 with
  errorId 25710 for a sku it does not hold;
- ``GET /sell/inventory/v1/offer?sku=`` (getOffers): 200 with the sku's offers
  (``marketplace_id`` and ``format`` narrow them), 404 with errorId 25713 when there is
  none (the contract says only "Not Found"; 25713 "This Offer is not available" is the
  code eBay gives);
- ``POST /sell/inventory/v1/bulk_create_offer``: 200/207 with an ``offerId`` per created
  offer, errorId 25702 for a sku it holds no inventory item of, 25729 for a second offer
  of a sku/marketplace/format; 400 with 25735 for a call whose offer lacks ``sku``,
  ``marketplaceId`` or ``format``, 25730 for more than 25;
- ``PUT /sell/inventory/v1/offer/{offerId}`` (updateOffer): 204 (200 with warnings),
  404 with 25713 for an offer it does not hold;
- ``POST /sell/inventory/v1/bulk_publish_offer``: 200/207 with a ``listingId`` per
  published offer; per offer 25713 for one it does not hold, 25017 naming what an offer
  lacks for publishing (``categoryId``, ``pricingSummary.price``, the policies,
  ``merchantLocationKey``, ``availableQuantity``), or the refusal a test set;
- ``POST /sell/inventory/v1/offer/publish_by_inventory_item_group``: 200 with the
  listing's ``listingId``, every variant's offer on the marketplace then published; 400
  with 25705 for a group it does not hold, 25017 for a variant without an offer there,
  the codes above for what an offer lacks, or the refusal a test set.

Tests steer it with `EbayApiServer.refuse`, `EbayApiServer.refuse_group`, `EbayApiServer.warn`,
`EbayApiServer.fail_bulk_call`, `EbayApiServer.fail_offer_call`,
`EbayApiServer.refuse_offer`, `EbayApiServer.refuse_token`,
`EbayApiServer.expire_tokens` and `EbayApiServer.hold`, and read back `calls`
(bodies, headers, deletions), `groups`, `offers` and `problems` (everything that broke
the contract).

What it cannot reproduce: eBay's real validation rules (required aspects per category,
title and description rules, the HTML eBay strips, image checks, policies), catalog
matching by GTIN/ePID, what a replaced item keeps, whether a group's specifications
match its items' aspects and the category's variation rules, the exact wording and errorIds of
eBay's answers for a given mistake, real rate limits and their headers, latency,
token lifetimes and eBay's sandbox quirks. ``Product.aspects`` and
``InventoryItemGroup.aspects`` are validated as the API takes them (a map of string
arrays), not as the contract wrongly declares them (`CONTRACT_ERRATA`). Nor can it
reproduce eBay's checks of an offer's policies, location and category against the
seller's account, its fees, or how a published listing looks.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pipeline.delivery.outcome import OAuthCredentials

CONTRACT = Path(__file__).parent / "contracts" / "ebay" / "sell_inventory_v1.18.2.subset.json"
"""eBay's OpenAPI contract, cut to the operations we call (see its README.md)."""
CONN_ID = "ebay_api"
"""The Airflow connection the deliveries read (``AIRFLOW_CONN_EBAY_API``)."""
CLIENT_ID = "grenzenlos-test-PRD-0123456789-abcdef01"
CLIENT_SECRET = "PRD-test-client-secret-0123456789abcdef"
REFRESH_TOKEN = "v^1.1#i^1#r^1#test-refresh-token-0123456789"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.inventory"
TOKEN_PATH = "/identity/v1/oauth2/token"
BULK_PATH = "/sell/inventory/v1/bulk_create_or_replace_inventory_item"
ITEM_PATH = "/sell/inventory/v1/inventory_item/"
GROUP_PATH = "/sell/inventory/v1/inventory_item_group/"
OFFERS_PATH = "/sell/inventory/v1/offer"
OFFER_PATH = "/sell/inventory/v1/offer/"
CREATE_OFFERS_PATH = "/sell/inventory/v1/bulk_create_offer"
PUBLISH_OFFERS_PATH = "/sell/inventory/v1/bulk_publish_offer"
PUBLISH_GROUP_PATH = "/sell/inventory/v1/offer/publish_by_inventory_item_group"
OFFER_OPERATIONS = (
    "getOffers",
    "bulkCreateOffer",
    "updateOffer",
    "bulkPublishOffer",
    "publishOfferByInventoryItemGroup",
)
BATCH = 25
CONTENT_LANGUAGES = frozenset(
    {
        "en-US",
        "en-GB",
        "en-AU",
        "en-CA",
        "fr-CA",
        "de-DE",
        "de-AT",
        "de-CH",
        "fr-FR",
        "fr-BE",
        "nl-BE",
        "nl-NL",
        "it-IT",
        "es-ES",
        "pl-PL",
        "zh-HK",
    }
)
"""The ``Content-Language`` values eBay's *HTTP request headers* page lists."""
_ASPECTS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
CONTRACT_ERRATA: dict[str, Any] = {
    "Product": {"aspects": _ASPECTS},
    "InventoryItemGroup": {"aspects": _ASPECTS},
}
"""Corrections to the contract, by schema and property: ``Product.aspects`` and
``InventoryItemGroup.aspects`` are declared plain strings (1.18.2; maps of strings in
1.13.0), but the API takes (and the fields' own descriptions show) ``{"Brand":
["GoPro"]}``, ``{"pattern": ["solid"]}``. A test checks each is still needed."""
PUBLISH_NEEDS = (
    ("categoryId", 25005),
    ("pricingSummary.price", 25003),
    ("availableQuantity", 25004),
    ("listingPolicies.fulfillmentPolicyId", 25007),
    ("listingPolicies.paymentPolicyId", 25008),
    ("listingPolicies.returnPolicyId", 25009),
    ("merchantLocationKey", 25012),
)
"""What an offer needs before it is published (bulkCreateOffer's description: location,
price, quantity, category, policies), each with the errorId bulkPublishOffer's 400 codes
give its kind ("Invalid category", "Invalid price", ...)."""

OAUTH_ERRORS = {
    "invalid_client": "client authentication failed",
    "invalid_grant": "the provided authorization refresh token is invalid or was issued to "
    "another client",
    "invalid_scope": "the requested scope is invalid, unknown, malformed, or exceeds the "
    "scope granted to the client",
    "unsupported_grant_type": "grant type in request is not supported by the authorization server",
}
"""eBay's OAuth errors and their ``error_description``."""
NOT_FOUND_MESSAGE = (
    "We didn't find the resource/entity you are requesting. Please verify the request"
)
"""errorId 25710, as the contract words it."""


def _oauth_error(error: str) -> dict[str, str]:
    return {"error": error, "error_description": OAUTH_ERRORS[error]}


def contract_validator(schema: str, *, errata: bool = True) -> Any:
    """A ``jsonschema`` validator for the contract's component schema ``schema``.

    OpenAPI 3.0 schemas are (close to) JSON Schema draft 4: the contract is registered as
    one resource and ``#/components/schemas/X`` refs resolve inside it, unchanged.
    """
    from jsonschema import Draft4Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    if errata:
        schemas = contract["components"]["schemas"]
        for name, properties in CONTRACT_ERRATA.items():
            for prop, change in properties.items():
                schemas[name]["properties"][prop] = {**schemas[name]["properties"][prop], **change}
    uri = "urn:ebay:sell-inventory-v1"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT4.create_resource(contract))
    return Draft4Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def ebay_error(
    error_id: int, message: str, parameter: str | None = None, *, category: str = "REQUEST"
) -> dict[str, Any]:
    """One error (or warning) as eBay writes it (the contract's ``Error`` schema)."""
    error: dict[str, Any] = {
        "errorId": error_id,
        "domain": "API_INVENTORY",
        "subdomain": "Inventory",
        "category": category,
        "message": message,
    }
    if parameter is not None:
        error["parameters"] = [{"name": "fieldName", "value": parameter}]
    return error


@dataclass
class RecordedCall:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body (bulk calls), the form fields (token), or None."""
    status: int = 0
    """What the server answered (0: it dropped the connection)."""


@dataclass
class _Failure:
    status: int | None
    """None: drop the connection without an answer."""
    remaining: int


@dataclass
class _State:
    tokens: set[str] = field(default_factory=set)
    token_refusal: tuple[str, str] | None = None
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[int, _Failure] = field(default_factory=dict)
    inventory: dict[str, dict[str, Any]] = field(default_factory=dict)
    bulk_received: int = 0
    group_refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Offers by offerId: the offer's fields with its ``offerId`` and ``status``."""
    next_offer: int = 1
    offer_refusals: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(operation, sku) -> the error that operation gives the sku's offer."""
    offer_failures: dict[str, _Failure] = field(default_factory=dict)


class EbayApiServer:
    """The fake on ``127.0.0.1`` and a free port; `endpoint` is the base URL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()
        self.calls: list[RecordedCall] = []
        """Every request, in order."""
        self.problems: list[str] = []
        """Every way a request (or an answer of the server's) broke the contract."""
        self._bulk = contract_validator("BulkInventoryItem")
        self._bulk_response = contract_validator("BulkInventoryItemResponse")
        self._group = contract_validator("InventoryItemGroup")
        self._validators = {
            name: contract_validator(name)
            for name in (
                "BulkEbayOfferDetailsWithKeys",
                "BulkOfferResponse",
                "EbayOfferDetailsWithId",
                "OfferResponse",
                "BulkOffer",
                "BulkPublishResponse",
                "Offers",
                "PublishByInventoryItemGroupRequest",
                "PublishResponse",
            )
        }
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        host, port = self._httpd.server_address[:2]
        self.endpoint = f"http://{host!s}:{port}"

    def start(self) -> EbayApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- steering ----------------------------------------------------------------------

    def refuse(
        self,
        sku: str,
        error_id: int = 25002,
        message: str = "A user error has occurred.",
        parameter: str | None = None,
    ) -> None:
        """Refuse ``sku`` in every bulk call (its item gets ``statusCode`` 400)."""
        with self._lock:
            self._state.refusals[sku] = ebay_error(error_id, message, parameter)

    def refuse_group(
        self,
        key: str,
        error_id: int = 25013,
        message: str = "Invalid data in the Inventory Item Group.",
        parameter: str | None = None,
    ) -> None:
        """Refuse the inventory item group ``key`` (400 with this error)."""
        with self._lock:
            self._state.group_refusals[key] = ebay_error(error_id, message, parameter)

    def warn(
        self,
        sku: str,
        error_id: int = 25402,
        message: str = "System warning.",
        parameter: str | None = None,
    ) -> None:
        """Take ``sku`` with a warning (may be called more than once per sku)."""
        with self._lock:
            self._state.warnings.setdefault(sku, []).append(
                ebay_error(error_id, message, parameter, category="APPLICATION")
            )

    def fail_bulk_call(self, number: int, times: int = 1, status: int | None = 500) -> None:
        """Answer the ``number``-th bulk request received (from 1) and the ``times - 1``
        after it with ``status`` (None: drop the connection), then behave again."""
        with self._lock:
            self._state.failures[number] = _Failure(status, times)

    def fail_offer_call(self, operation: str, times: int = 1, status: int | None = 500) -> None:
        """Answer the next ``times`` calls of ``operation`` (one of `OFFER_OPERATIONS`)
        with ``status`` (None: drop the connection), then behave again."""
        assert operation in OFFER_OPERATIONS, operation
        with self._lock:
            self._state.offer_failures[operation] = _Failure(status, times)

    def refuse_offer(
        self,
        sku: str,
        operation: str = "bulkPublishOffer",
        error_id: int = 25002,
        message: str = "A user error has occurred.",
        parameter: str | None = None,
    ) -> None:
        """Refuse ``sku``'s offer in ``operation`` (bulkCreateOffer, updateOffer or
        bulkPublishOffer; for publishOfferByInventoryItemGroup ``sku`` is the group's key)
        with this error."""
        assert operation in OFFER_OPERATIONS[1:], operation
        with self._lock:
            self._state.offer_refusals[operation, sku] = ebay_error(error_id, message, parameter)

    def refuse_token(self, error: str = "invalid_grant", description: str | None = None) -> None:
        """Refuse every token request (400) with eBay's OAuth ``error``."""
        with self._lock:
            self._state.token_refusal = (error, description or OAUTH_ERRORS.get(error, error))

    def expire_tokens(self) -> None:
        """Forget the access tokens issued so far (the next API call gets a 401)."""
        with self._lock:
            self._state.tokens.clear()

    def hold(self, *skus: str) -> None:
        """Hold inventory items for ``skus`` (as if an earlier run had created them)."""
        with self._lock:
            for sku in skus:
                self._state.inventory[sku] = {"sku": sku}

    # --- reading back -----------------------------------------------------------------

    @property
    def inventory(self) -> dict[str, dict[str, Any]]:
        """The items the server holds, by sku."""
        with self._lock:
            return copy.deepcopy(self._state.inventory)

    @property
    def groups(self) -> dict[str, dict[str, Any]]:
        """The inventory item groups the server holds, by key: ``{"body", "language"}``."""
        with self._lock:
            return copy.deepcopy(self._state.groups)

    @property
    def offers(self) -> dict[str, dict[str, Any]]:
        """The offers the server holds, by offerId (each with its ``status``)."""
        with self._lock:
            return copy.deepcopy(self._state.offers)

    def offer_calls(self, operation: str) -> list[RecordedCall]:
        """The calls of one of `OFFER_OPERATIONS` received, in order."""
        return [c for c in self.calls if _operation(c.method, c.path) == operation]

    def group_calls(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == "PUT" and c.path.startswith(GROUP_PATH)]

    def bulk_calls(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.path == BULK_PATH]

    def token_calls(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.path == TOKEN_PATH]

    def deletions(self) -> list[str]:
        """The skus of every DELETE received (decoded), in order."""
        return [unquote(c.path.removeprefix(ITEM_PATH)) for c in self.calls if c.method == "DELETE"]

    # --- connection -------------------------------------------------------------------

    def connection(self, **extra: Any) -> str:
        """The Airflow HTTP connection for this server, as ``AIRFLOW_CONN_EBAY_API`` JSON."""
        return json.dumps(
            {
                "conn_type": "http",
                "login": CLIENT_ID,
                "password": CLIENT_SECRET,
                "extra": {"refresh_token": REFRESH_TOKEN, "endpoint": self.endpoint, **extra},
            }
        )

    def credentials(self, **changes: str) -> OAuthCredentials:
        """What the DAG makes of `connection` (``changes`` override fields)."""
        values: dict[str, Any] = {
            "conn_id": CONN_ID,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "endpoint": self.endpoint,
        }
        values.update(changes)
        return OAuthCredentials(**values)

    # --- answering (called by the handler threads) ---------------------------------------

    def _record(self, call: RecordedCall) -> RecordedCall:
        with self._lock:
            self.calls.append(call)
        return call

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _token(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, Any]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {
                "error": "invalid_client",
                "error_description": "client authentication failed",
            }
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            self._problem("token request is not application/x-www-form-urlencoded")
        with self._lock:
            refusal = self._state.token_refusal
        if refusal is not None:
            return 400, {"error": refusal[0], "error_description": refusal[1]}
        if form.get("grant_type") != "refresh_token":
            return 400, _oauth_error("unsupported_grant_type")
        if form.get("refresh_token") != REFRESH_TOKEN:
            return 400, _oauth_error("invalid_grant")
        if SCOPE not in form.get("scope", "").split():
            return 400, _oauth_error("invalid_scope")
        token = f"v^1.1#i^1#p^3#test-access-{secrets.token_hex(12)}"
        with self._lock:
            self._state.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 7200, "token_type": "User Access Token"}

    def _authorized(self, headers: dict[str, str]) -> bool:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            return token in self._state.tokens

    def _bulk_failure(self) -> _Failure | None:
        """The failure planned for the bulk request just received, if any."""
        with self._lock:
            state = self._state
            state.bulk_received += 1
            for number, failure in state.failures.items():
                if number <= state.bulk_received and failure.remaining > 0:
                    failure.remaining -= 1
                    return failure
        return None

    def _bulk_create(self, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        language = headers.get("content-language", "")
        if language not in CONTENT_LANGUAGES:
            self._problem(f"bulk call with Content-Language {language!r}")
            return 400, {
                "errors": [
                    ebay_error(
                        25709, "Invalid value for header Content-Language.", "Content-Language"
                    )
                ]
            }
        if not headers.get("content-type", "").startswith("application/json"):
            self._problem(f"bulk call with Content-Type {headers.get('content-type')!r}")
            return 415, {"errors": [ebay_error(2004, "Unsupported media type.")]}
        violations = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._bulk.iter_errors(body)
        ]
        items = body.get("requests") if isinstance(body, dict) else None
        if not violations and not isinstance(items, list):
            violations.append("requests: missing")
        if violations:
            self._problem(f"bulk call breaks BulkInventoryItem: {violations[:3]}")
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        assert isinstance(items, list)
        skus = [item.get("sku") for item in items]
        if not items or len(items) > BATCH:
            self._problem(f"bulk call with {len(items)} items")
            return 400, {
                "errors": [ebay_error(25002, f"Input error. 1 to {BATCH} requests per call.")]
            }
        if None in skus or len(set(skus)) != len(skus):
            self._problem(f"bulk call with missing or repeated skus: {skus}")
            return 400, {
                "errors": [ebay_error(25002, "Input error. Each request needs a unique sku.")]
            }
        responses = []
        with self._lock:
            for item in items:
                sku = item["sku"]
                response: dict[str, Any] = {"sku": sku, "locale": item.get("locale", "")}
                refusal = self._state.refusals.get(sku)
                if refusal is not None:
                    response.update(statusCode=400, errors=[refusal])
                else:
                    response["statusCode"] = 200
                    self._state.inventory[sku] = copy.deepcopy(item)
                if sku in self._state.warnings:
                    response["warnings"] = list(self._state.warnings[sku])
                responses.append(response)
        answer = {"responses": responses}
        for error in self._bulk_response.iter_errors(answer):
            self._problem(
                f"the server's own answer breaks BulkInventoryItemResponse: {error.message}"
            )
        status = 207 if any(r["statusCode"] != 200 for r in responses) else 200
        return status, answer

    def _put_group(self, key: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        language = headers.get("content-language", "")
        if language not in CONTENT_LANGUAGES:
            self._problem(f"group call with Content-Language {language!r}")
            return 400, {
                "errors": [
                    ebay_error(
                        25709, "Invalid value for header Content-Language.", "Content-Language"
                    )
                ]
            }
        if not headers.get("content-type", "").startswith("application/json"):
            self._problem(f"group call with Content-Type {headers.get('content-type')!r}")
            return 415, {"errors": [ebay_error(2004, "Unsupported media type.")]}
        violations = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._group.iter_errors(body)
        ]
        variants = body.get("variantSKUs") if isinstance(body, dict) else None
        if not violations and not variants:
            violations.append("variantSKUs: missing")  # the one field a new group needs
        if violations:
            self._problem(f"group call breaks InventoryItemGroup: {violations[:3]}")
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        assert isinstance(variants, list)
        with self._lock:
            state = self._state
            refusal = state.group_refusals.get(key)
            if refusal is not None:
                return 400, {"errors": [refusal]}
            for sku in variants:
                if sku not in state.inventory:
                    message = f"{sku} could not be found or is not available in the system."
                    return 400, {"errors": [ebay_error(25702, message, "variantSKUs")]}
                for other, held in state.groups.items():
                    if other != key and sku in held["body"].get("variantSKUs", []):
                        message = (
                            "The following SKU is already a member of another group. "
                            f"SKU : {sku} groupId : {other}"
                        )
                        return 400, {"errors": [ebay_error(25703, message, "variantSKUs")]}
            state.groups[key] = {"body": copy.deepcopy(body), "language": language}
        return 204, None

    # --- offers ---------------------------------------------------------------------------

    def _offer_failure(self, operation: str) -> _Failure | None:
        """The failure planned for this call of ``operation``, if any."""
        with self._lock:
            failure = self._state.offer_failures.get(operation)
            if failure is not None and failure.remaining > 0:
                failure.remaining -= 1
                return failure
        return None

    def _violations(self, schema: str, document: Any, what: str) -> list[str]:
        """How ``document`` breaks the contract's ``schema`` (recorded as problems)."""
        found = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._validators[schema].iter_errors(document)
        ]
        if found:
            self._problem(f"{what} breaks {schema}: {found[:3]}")
        return found

    def _check_answer(self, schema: str, document: Any) -> None:
        for error in self._validators[schema].iter_errors(document):
            self._problem(f"the server's own answer breaks {schema}: {error.message}")

    def _json_headers(
        self, headers: dict[str, str], what: str, language: bool
    ) -> tuple[int, Any] | None:
        """None when the headers are what the call needs, else the answer refusing them."""
        if language and headers.get("content-language", "") not in CONTENT_LANGUAGES:
            self._problem(f"{what} with Content-Language {headers.get('content-language')!r}")
            return 400, {
                "errors": [
                    ebay_error(
                        25709, "Invalid value for header Content-Language.", "Content-Language"
                    )
                ]
            }
        if not headers.get("content-type", "").startswith("application/json"):
            self._problem(f"{what} with Content-Type {headers.get('content-type')!r}")
            return 415, {"errors": [ebay_error(2004, "Unsupported media type.")]}
        return None

    def _get_offers(self, query: dict[str, str]) -> tuple[int, Any]:
        sku = query.get("sku")
        if not sku:
            self._problem("getOffers without the sku query parameter")
            return 400, {"errors": [ebay_error(25709, "Invalid value for sku.", "sku")]}
        with self._lock:
            found = [
                copy.deepcopy(offer)
                for offer in self._state.offers.values()
                if offer["sku"] == sku
                and query.get("marketplace_id", offer["marketplaceId"]) == offer["marketplaceId"]
                and query.get("format", offer["format"]) == offer["format"]
            ]
        if not found:
            return 404, {"errors": [ebay_error(25713, "This Offer is not available.")]}
        answer = {
            "href": f"{self.endpoint}{OFFERS_PATH}?sku={sku}",
            "limit": 100,
            "offers": found,
            "size": len(found),
            "total": len(found),
        }
        self._check_answer("Offers", answer)
        return 200, answer

    def _create_offers(self, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        refused = self._json_headers(headers, "bulkCreateOffer call", language=True)
        if refused is not None:
            return refused
        violations = self._violations("BulkEbayOfferDetailsWithKeys", body, "bulkCreateOffer")
        if violations:
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests or len(requests) > BATCH:
            self._problem(f"bulkCreateOffer with {len(requests or [])} offers")
            message = f"The number of offers in the request cannot exceed {BATCH}"
            return 400, {"errors": [ebay_error(25730, message)]}
        if any(
            not all(offer.get(key) for key in ("sku", "marketplaceId", "format"))
            for offer in requests
        ):
            self._problem("bulkCreateOffer with an offer without sku, marketplaceId or format")
            return 400, {"errors": [ebay_error(25735, "Invalid SKU, marketplaceId or format.")]}
        responses = []
        with self._lock:
            state = self._state
            for offer in requests:
                keys = (offer["sku"], offer["marketplaceId"], offer["format"])
                response: dict[str, Any] = {
                    "sku": keys[0],
                    "marketplaceId": keys[1],
                    "format": keys[2],
                }
                refusal = state.offer_refusals.get(("bulkCreateOffer", keys[0]))
                if refusal is None and keys[0] not in state.inventory:
                    refusal = ebay_error(
                        25702, f"SKU {keys[0]} is not available in the system", "sku"
                    )
                if refusal is None and any(
                    (o["sku"], o["marketplaceId"], o["format"]) == keys
                    for o in state.offers.values()
                ):
                    refusal = ebay_error(
                        25729, "The combination of SKU, marketplaceId and format should be unique."
                    )
                if refusal is not None:
                    response.update(statusCode=400, errors=[refusal])
                else:
                    offer_id = f"{state.next_offer:010d}"
                    state.next_offer += 1
                    state.offers[offer_id] = {
                        **copy.deepcopy(offer),
                        "offerId": offer_id,
                        "status": "UNPUBLISHED",
                    }
                    response.update(statusCode=200, offerId=offer_id)
                responses.append(response)
        answer = {"responses": responses}
        self._check_answer("BulkOfferResponse", answer)
        return 207 if any(r["statusCode"] != 200 for r in responses) else 200, answer

    def _update_offer(self, offer_id: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        refused = self._json_headers(headers, "updateOffer call", language=True)
        if refused is not None:
            return refused
        violations = self._violations("EbayOfferDetailsWithId", body, "updateOffer")
        if violations:
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        keys = [key for key in ("sku", "marketplaceId", "format") if key in body]
        if keys:
            # EbayOfferDetailsWithId has none of them: they name the offer, not change it.
            self._problem(f"updateOffer with {keys}, which EbayOfferDetailsWithId has not")
        with self._lock:
            held = self._state.offers.get(offer_id)
            if held is None:
                return 404, {"errors": [ebay_error(25713, "This Offer is not available.")]}
            refusal = self._state.offer_refusals.get(("updateOffer", held["sku"]))
            if refusal is not None:
                return 400, {"errors": [refusal]}
            names = {key: held[key] for key in ("sku", "marketplaceId", "format", "offerId")}
            # A complete replacement (the contract): what the body leaves out is gone.
            self._state.offers[offer_id] = {
                **copy.deepcopy(body),
                **names,
                "status": held["status"],
            }
            warnings = self._state.warnings.get(held["sku"])
        if warnings:
            answer = {"offerId": offer_id, "warnings": list(warnings)}
            self._check_answer("OfferResponse", answer)
            return 200, answer
        return 204, None

    def _publish_offers(self, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        refused = self._json_headers(headers, "bulkPublishOffer call", language=False)
        if refused is not None:
            return refused
        violations = self._violations("BulkOffer", body, "bulkPublishOffer")
        if violations:
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests or len(requests) > BATCH:
            self._problem(f"bulkPublishOffer with {len(requests or [])} offers")
            return 400, {"errors": [ebay_error(25002, f"Input error. 1 to {BATCH} offers.")]}
        responses = []
        with self._lock:
            for request in requests:
                offer_id = str(request.get("offerId", ""))
                response: dict[str, Any] = {"offerId": offer_id}
                held = self._state.offers.get(offer_id)
                errors: list[dict[str, Any]] = []
                if held is None:
                    errors.append(ebay_error(25713, "This Offer is not available."))
                else:
                    refusal = self._state.offer_refusals.get(("bulkPublishOffer", held["sku"]))
                    errors += [refusal] if refusal is not None else []
                    errors += [
                        ebay_error(code, f"Missing field {name}.", name)
                        for name, code in PUBLISH_NEEDS
                        if _lacks(held, name)
                    ]
                if errors:
                    response.update(statusCode=400, errors=errors)
                else:
                    assert held is not None
                    held["status"] = "PUBLISHED"
                    held.setdefault("listing", {"listingId": f"11{offer_id}"})
                    response.update(statusCode=200, listingId=held["listing"]["listingId"])
                    warnings = self._state.warnings.get(held["sku"])
                    if warnings:
                        response["warnings"] = list(warnings)
                responses.append(response)
        answer = {"responses": responses}
        self._check_answer("BulkPublishResponse", answer)
        return 207 if any(r["statusCode"] != 200 for r in responses) else 200, answer

    def _publish_group(self, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        refused = self._json_headers(headers, "publishOfferByInventoryItemGroup", language=False)
        if refused is not None:
            return refused
        schema = "PublishByInventoryItemGroupRequest"
        violations = self._violations(schema, body, "publishOfferByInventoryItemGroup")
        key, marketplace = body.get("inventoryItemGroupKey"), body.get("marketplaceId")
        if not violations and not (key and marketplace):
            violations.append("inventoryItemGroupKey and marketplaceId are both needed")
            self._problem(f"publishOfferByInventoryItemGroup without them: {body}")
        if violations:
            return 400, {"errors": [ebay_error(25002, f"Input error. {violations[0]}")]}
        with self._lock:
            state = self._state
            group = state.groups.get(key)
            if group is None:
                message = (
                    f"The Inventory Item Group named {key} could not be found or is not "
                    "available in the system."
                )
                return 400, {"errors": [ebay_error(25705, message)]}
            refusal = state.offer_refusals.get(("publishOfferByInventoryItemGroup", key))
            errors = [refusal] if refusal is not None else []
            offers = []
            for sku in group["body"].get("variantSKUs", []):
                offer = next(
                    (
                        o
                        for o in state.offers.values()
                        if (o["sku"], o["marketplaceId"], o["format"])
                        == (sku, marketplace, "FIXED_PRICE")
                    ),
                    None,
                )
                if offer is None:
                    errors.append(ebay_error(25017, f"No offer of {sku} on {marketplace}.", "sku"))
                    continue
                offers.append(offer)
                errors += [
                    ebay_error(code, f"Missing field {name} ({sku}).", name)
                    for name, code in PUBLISH_NEEDS
                    if _lacks(offer, name)
                ]
            if errors:
                return 400, {"errors": errors}
            listing_id = f"12{state.next_offer:08d}"
            state.next_offer += 1  # one count for offers and listings: ids never repeat
            for offer in offers:
                offer["status"] = "PUBLISHED"
                offer["listing"] = {"listingId": listing_id}
        answer = {"listingId": listing_id}
        self._check_answer("PublishResponse", answer)
        return 200, answer

    def _delete(self, sku: str) -> tuple[int, Any]:
        with self._lock:
            if self._state.inventory.pop(sku, None) is not None:
                offers = self._state.offers
                for offer_id in [k for k, offer in offers.items() if offer["sku"] == sku]:
                    del offers[offer_id]
                # The contract: the sku also leaves every inventory item group it was in.
                for held in self._state.groups.values():
                    variants = held["body"].get("variantSKUs", [])
                    if sku in variants:
                        variants.remove(sku)
                return 204, None
        return 404, {"errors": [ebay_error(25710, NOT_FOUND_MESSAGE)]}


def _lacks(offer: dict[str, Any], name: str) -> bool:
    """Whether ``offer`` has no value at the dotted ``name``."""
    value: Any = offer
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value is None or value == ""


def _operation(method: str, path: str) -> str | None:
    """The offer operation a request is (one of `OFFER_OPERATIONS`), or None.

    >>> _operation("GET", "/sell/inventory/v1/offer?sku=A"), _operation("PUT", OFFER_PATH + "7")
    ('getOffers', 'updateOffer')
    """
    path = urlsplit(path).path
    if method == "GET" and path == OFFERS_PATH:
        return "getOffers"
    if method == "POST" and path == CREATE_OFFERS_PATH:
        return "bulkCreateOffer"
    if method == "POST" and path == PUBLISH_OFFERS_PATH:
        return "bulkPublishOffer"
    if method == "POST" and path == PUBLISH_GROUP_PATH:
        return "publishOfferByInventoryItemGroup"
    offer_id = path.removeprefix(OFFER_PATH)
    if method == "PUT" and path.startswith(OFFER_PATH) and offer_id and "/" not in offer_id:
        return "updateOffer"
    return None


def _handler(server: EbayApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request on stderr would drown the test output

        def _answer(self, call: RecordedCall, status: int, document: Any) -> None:
            call.status = status
            data = b"" if document is None else json.dumps(document).encode()
            self.send_response(status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _read(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _offer_call(self, operation: str, headers: dict[str, str], raw: bytes) -> None:
            """One offer operation: authorization, a planned failure, then the answer."""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            call = server._record(RecordedCall(self.command, self.path, headers, body))
            if not server._authorized(headers):
                self._answer(call, 401, {"errors": [ebay_error(1001, "Invalid access token.")]})
                return
            failure = server._offer_failure(operation)
            if failure is not None:
                if failure.status is None:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                error = ebay_error(25001, "A system error has occurred.", category="APPLICATION")
                self._answer(call, failure.status, {"errors": [error]})
                return
            if operation == "getOffers":
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                self._answer(call, *server._get_offers(query))
                return
            if body is None:
                server._problem(f"{operation} body is not JSON")
                self._answer(call, 400, {"errors": [ebay_error(25002, "Input error.")]})
                return
            if operation == "bulkCreateOffer":
                self._answer(call, *server._create_offers(headers, body))
            elif operation == "bulkPublishOffer":
                self._answer(call, *server._publish_offers(headers, body))
            elif operation == "publishOfferByInventoryItemGroup":
                self._answer(call, *server._publish_group(headers, body))
            else:
                offer_id = unquote(urlsplit(self.path).path.removeprefix(OFFER_PATH))
                self._answer(call, *server._update_offer(offer_id, headers, body))

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._read()
            if _operation("GET", self.path) == "getOffers":
                self._offer_call("getOffers", headers, b"")
                return
            call = server._record(RecordedCall("GET", self.path, headers, None))
            self._answer(call, 404, {"errors": [ebay_error(2002, "Resource not found.")]})

        def do_POST(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            raw = self._read()
            if self.path == TOKEN_PATH:
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                call = server._record(RecordedCall("POST", self.path, headers, form))
                self._answer(call, *server._token(headers, form))
                return
            operation = _operation("POST", self.path)
            if operation is not None:
                self._offer_call(operation, headers, raw)
                return
            if self.path != BULK_PATH:
                call = server._record(RecordedCall("POST", self.path, headers, None))
                self._answer(call, 404, {"errors": [ebay_error(2002, "Resource not found.")]})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            call = server._record(RecordedCall("POST", self.path, headers, body))
            if not server._authorized(headers):
                self._answer(call, 401, {"errors": [ebay_error(1001, "Invalid access token.")]})
                return
            failure = server._bulk_failure()
            if failure is not None:
                if failure.status is None:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._answer(
                    call,
                    failure.status,
                    {
                        "errors": [
                            ebay_error(
                                25001, "A system error has occurred.", category="APPLICATION"
                            )
                        ]
                    },
                )
                return
            if body is None:
                server._problem("bulk call body is not JSON")
                self._answer(call, 400, {"errors": [ebay_error(25002, "Input error.")]})
                return
            self._answer(call, *server._bulk_create(headers, body))

        def do_PUT(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            raw = self._read()
            if _operation("PUT", self.path) == "updateOffer":
                self._offer_call("updateOffer", headers, raw)
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            call = server._record(RecordedCall("PUT", self.path, headers, body))
            key = self.path.removeprefix(GROUP_PATH)
            if not self.path.startswith(GROUP_PATH) or not key or "/" in key:
                self._answer(call, 404, {"errors": [ebay_error(2002, "Resource not found.")]})
                return
            if not server._authorized(headers):
                self._answer(call, 401, {"errors": [ebay_error(1001, "Invalid access token.")]})
                return
            if body is None:
                server._problem("group call body is not JSON")
                self._answer(call, 400, {"errors": [ebay_error(25002, "Input error.")]})
                return
            self._answer(call, *server._put_group(unquote(key), headers, body))

        def do_DELETE(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._read()
            call = server._record(RecordedCall("DELETE", self.path, headers, None))
            if not self.path.startswith(ITEM_PATH) or "/" in self.path.removeprefix(ITEM_PATH):
                self._answer(call, 404, {"errors": [ebay_error(2002, "Resource not found.")]})
                return
            if not server._authorized(headers):
                self._answer(call, 401, {"errors": [ebay_error(1001, "Invalid access token.")]})
                return
            self._answer(call, *server._delete(unquote(self.path.removeprefix(ITEM_PATH))))

    return Handler
