"""`pipeline.delivery.ebay_inventory` against `tests.ebay_api_server`, a fake held to eBay's
OpenAPI contract: files from the project's own writer, per-item answers, retries, deletions,
credentials and resuming after a crash."""

from __future__ import annotations

import io
import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from feeds.contract import WriterContext
from pipeline.channels import writer_class
from pipeline.delivery.ebay_inventory.flow import deliver_inventory_file
from pipeline.delivery.outcome import CredentialsError, DeliveryError, MarketplaceIssue
from schemas.categories import load_category_map
from schemas.config.loader import load_config
from schemas.gtin import gs1_check_digit
from schemas.listing import Listing
from schemas.product import Money, Quantity
from tests.conftest import CASES, ROOT
from tests.ebay_api_server import (
    CONN_ID,
    CONTRACT,
    EbayApiServer,
    contract_validator,
)
from tests.unit.feeds.variant_groups import DAYPACK, OIL, group_listings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pipeline.delivery.outcome import DeliveryOutcome, OAuthCredentials
    from schemas.config.market import Market

CONFIG = load_config(ROOT / "config" / "markets.toml", env={})
EBAY_CATEGORIES = load_category_map(ROOT / "config" / "categories.toml").for_channel("ebay", "DE")


@pytest.fixture
def ebay() -> Iterator[EbayApiServer]:
    server = EbayApiServer().start()
    yield server
    server.stop()


def listing(market: Market, number: int) -> Listing:
    """A listing the eBay writer takes, one of a family told apart by ``number``."""
    sku = f"GZ-BOT-{number:04d}"
    ean = f"426099{number:06d}"
    return Listing(
        sku=sku,
        market=market.code,
        locale=market.locale,
        text_locale=market.locale,
        title=f"Nordquell Trail Bottle Nr. {number} 750 ml schwarz",
        description="<p>Doppelwandige Flasche aus <b>Edelstahl</b>.</p><ul><li>750 ml</li></ul>",
        link=market.link_for(sku),
        price=Money(Decimal("24.90"), market.currency),
        availability="in_stock",
        image_links=(f"https://cdn.example/{number}-1.jpg", f"https://cdn.example/{number}-2.jpg"),
        brand="Nordquell",
        categories=("drinkware",),
        gtin=ean + str(gs1_check_digit(ean)),
        mpn=f"BO750-{number}",
        weight=Quantity(Decimal("555"), "g"),
        length=Quantity(Decimal("25"), "cm"),
        width=Quantity(Decimal("8"), "cm"),
        height=Quantity(Decimal("8"), "cm"),
    )


def written_file(
    count: int, deleted: tuple[str, ...] = (), market_code: str = "DE", *, offers: bool = False
) -> list[str]:
    """The lines of an ``ebay.jsonl`` that `feeds.ebay` writes for ``count`` listings and
    the deletions of ``deleted``; without its lines of offers unless ``offers``."""
    market = CONFIG.market(market_code)
    buffer = io.BytesIO()
    writer = writer_class("ebay")(
        buffer, market, WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    )
    writer.write_header()
    for number in range(1, count + 1):
        findings = writer.write_item(listing(market, number))
        assert [f for f in findings if f.severity == "error"] == []
    for sku in deleted:
        writer.write_deletion(sku)
    writer.write_footer()
    writer.close()
    return kept(buffer.getvalue().decode().splitlines(), offers)


def kept(lines: list[str], offers: bool) -> list[str]:
    """``lines``, less the lines of offers (and of publishing groups) unless ``offers``."""
    return [
        line
        for line in lines
        if offers or ('"offers":[' not in line and '"publishInventoryItemGroup"' not in line)
    ]


def written_group_file(*, offers: bool = False) -> list[str]:
    """The lines `feeds.ebay` writes for the sample's daypack and oil groups (DE): one bulk
    call of their nine items, then one line per group (then their offers if ``offers``)."""
    market = CONFIG.market("DE")
    buffer = io.BytesIO()
    writer = writer_class("ebay")(
        buffer, market, WriterContext(channel=CONFIG.channels["ebay"], categories=EBAY_CATEGORIES)
    )
    writer.write_header()
    for item in group_listings(market):
        assert [f for f in writer.write_item(item) if f.severity == "error"] == []
    writer.write_footer()
    writer.close()
    return kept(buffer.getvalue().decode().splitlines(), offers)


DAYPACK_SKUS = [f"GZ-BAC-{n:04d}" for n in range(13, 19)]


def sku(number: int) -> str:
    return f"GZ-BOT-{number:04d}"


def deliver(
    server: EbayApiServer,
    lines: list[str],
    *,
    credentials: OAuthCredentials | None = None,
    **options: Any,
) -> tuple[DeliveryOutcome, list[float], dict[int, dict[str, Any]]]:
    """Deliver ``lines``; the outcome, the waits between retries, the checkpoints."""
    sleeps: list[float] = []
    records: dict[int, dict[str, Any]] = {}

    def checkpoint(index: int, record: dict[str, Any]) -> None:
        records[index] = json.loads(json.dumps(record))  # it must be JSON-ready

    options.setdefault("checkpoint", checkpoint)
    outcome = deliver_inventory_file(
        lines,
        credentials=credentials or server.credentials(),
        environment="production",
        sleep=sleeps.append,
        timeout=10.0,
        **options,
    )
    return outcome, sleeps, records


# --- the contract -----------------------------------------------------------------------


def test_the_contract_subset_is_eBays_and_every_ref_resolves() -> None:
    from jsonschema import Draft4Validator

    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert contract["info"]["version"] == "1.18.2"
    assert contract["info"]["license"]["name"] == "eBay API License Agreement"
    assert contract["paths"]["/bulk_create_or_replace_inventory_item"]["post"]["operationId"] == (
        "bulkCreateOrReplaceInventoryItem"
    )
    assert contract["paths"]["/inventory_item/{sku}"]["delete"]["operationId"] == (
        "deleteInventoryItem"
    )
    group_path = contract["paths"]["/inventory_item_group/{inventoryItemGroupKey}"]
    assert group_path["put"]["operationId"] == "createOrReplaceInventoryItemGroup"
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(contract)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        target: Any = contract
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"{ref} does not resolve"
            target = target[part]
    schemas = contract["components"]["schemas"]
    # Nothing unreachable was kept, and what the server validates against is there.
    assert {r.rsplit("/", 1)[-1] for r in refs} == set(schemas)
    for name in ("BulkInventoryItem", "InventoryItemWithSkuLocale", "Product"):
        assert name in schemas
    for name in ("BulkInventoryItemResponse", "InventoryItemResponse", "Error", "ErrorParameter"):
        assert name in schemas
    for name in ("InventoryItemGroup", "VariesBy", "Specification", "BaseResponse"):
        assert name in schemas
    for schema in schemas.values():
        Draft4Validator.check_schema(schema)


def test_the_aspects_correction_is_still_needed() -> None:
    body = {"requests": [{"sku": "A", "product": {"aspects": {"Brand": ["Nordquell"]}}}]}
    assert list(contract_validator("BulkInventoryItem", errata=False).iter_errors(body))
    assert list(contract_validator("BulkInventoryItem").iter_errors(body)) == []
    wrong = {"requests": [{"sku": "A", "product": {"aspects": {"Brand": "Nordquell"}}}]}
    assert list(contract_validator("BulkInventoryItem").iter_errors(wrong))
    group = {"variantSKUs": ["A"], "aspects": {"Brand": ["Nordquell"]}}
    assert list(contract_validator("InventoryItemGroup", errata=False).iter_errors(group))
    assert list(contract_validator("InventoryItemGroup").iter_errors(group)) == []


# --- files from the writer --------------------------------------------------------------


def test_every_line_of_a_written_file_arrives_as_one_bulk_call(ebay: EbayApiServer) -> None:
    ebay.hold("GZ-TEA-0049")
    lines = written_file(30, deleted=("GZ-TEA-0049",))
    assert len(lines) == 3

    outcome, sleeps, records = deliver(ebay, lines)

    assert ebay.problems == []
    calls = ebay.bulk_calls()
    assert [c.body for c in calls] == [json.loads(line)["body"] for line in lines[:2]]
    assert [len(c.body["requests"]) for c in calls] == [25, 5]
    for call in calls:
        assert call.headers["content-language"] == "de-DE"
        assert call.headers["content-type"] == "application/json"
        assert call.headers["accept"] == "application/json"
        assert call.headers["authorization"].startswith("Bearer ")
        assert call.status == 200
    assert ebay.deletions() == ["GZ-TEA-0049"]
    assert len(ebay.token_calls()) == 1
    assert set(ebay.inventory) == {sku(n) for n in range(1, 31)}
    assert sleeps == []
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("accepted", 31, 31)
    assert (outcome.reference, outcome.issues, outcome.refused_skus) == ("EBAY_DE", [], [])
    assert outcome.detail == (
        "eBay took 30 of 30 inventory items in 2 calls and deleted 1 of 1 inventory item."
    )
    assert sorted(records) == [0, 1, 2]
    assert records[2] == {
        "call": "delete",
        "marketplaceId": "EBAY_DE",
        "results": [{"sku": "GZ-TEA-0049", "accepted": True, "statusCode": 204, "issues": []}],
    }
    assert [r["sku"] for r in records[1]["results"]] == [sku(n) for n in range(26, 31)]


def test_the_golden_ebay_file_is_taken_as_written(ebay: EbayApiServer) -> None:
    lines = (CASES / "feeds" / "ebay.jsonl").read_text(encoding="utf-8").splitlines()
    outcome, _, _ = deliver(ebay, lines)
    assert ebay.problems == []
    documents = [json.loads(line) for line in lines]
    bodies = [d["body"] for d in documents if "body" in d]
    assert [c.body for c in ebay.bulk_calls()] == bodies
    [created] = ebay.offer_calls("bulkCreateOffer")
    assert created.body == {"requests": [o for d in documents for o in d.get("offers", ())]}
    assert {o["status"] for o in ebay.offers.values()} == {"PUBLISHED"}
    assert outcome.verdict == "accepted" and outcome.sent == outcome.accepted > 0


def test_a_file_with_groups_creates_each_group_after_its_items(ebay: EbayApiServer) -> None:
    lines = written_group_file()
    assert len(lines) == 3

    outcome, _, records = deliver(ebay, lines)

    assert ebay.problems == []
    assert [c.method for c in ebay.calls if c.path != "/identity/v1/oauth2/token"] == [
        "POST",
        "PUT",
        "PUT",
    ]
    calls = ebay.group_calls()
    assert [c.path for c in calls] == [
        f"/sell/inventory/v1/inventory_item_group/{DAYPACK}",
        f"/sell/inventory/v1/inventory_item_group/{OIL}",
    ]
    assert [c.body for c in calls] == [json.loads(line)["inventoryItemGroup"] for line in lines[1:]]
    for call in calls:
        assert call.headers["content-language"] == "de-DE"
        assert call.headers["content-type"] == "application/json"
        assert call.status == 204
    groups = ebay.groups
    assert {key: group["language"] for key, group in groups.items()} == {
        DAYPACK: "de-DE",
        OIL: "de-DE",
    }
    assert groups[DAYPACK]["body"]["variantSKUs"] == DAYPACK_SKUS
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("accepted", 11, 11)
    assert outcome.detail == (
        "eBay took 9 of 9 inventory items in 1 call and 2 of 2 inventory item groups."
    )
    assert records[1] == {
        "call": "group",
        "marketplaceId": "EBAY_DE",
        "results": [{"sku": DAYPACK, "accepted": True, "statusCode": 204, "issues": []}],
        "variantSKUs": DAYPACK_SKUS,
    }


def test_a_refused_group_is_an_issue_and_refuses_its_variants(ebay: EbayApiServer) -> None:
    ebay.refuse_group(DAYPACK, 25013, "Invalid data in the Inventory Item Group.", "variesBy")

    outcome, _, records = deliver(ebay, written_group_file())

    assert ebay.problems == []
    assert [c.status for c in ebay.group_calls()] == [400, 204]
    assert set(ebay.groups) == {OIL}
    assert outcome.verdict == "refused"
    assert outcome.issues == [
        MarketplaceIssue(
            DAYPACK, "error", "25013", "variesBy", "Invalid data in the Inventory Item Group."
        )
    ]
    # The items were taken; the next delta run sends them again, and with them the group.
    assert outcome.refused_skus == DAYPACK_SKUS
    assert (outcome.sent, outcome.accepted) == (11, 10)
    assert outcome.detail == (
        "eBay took 9 of 9 inventory items in 1 call and 1 of 2 inventory item groups; 6 refused."
    )
    assert records[1]["results"][0]["accepted"] is False

    # Resumed from its checkpoints, the delivery counts the refused group the same way.
    calls = len(ebay.calls)
    again, _, _ = deliver(ebay, written_group_file(), done=records)
    assert len(ebay.calls) == calls
    assert (again.refused_skus, again.issues) == (outcome.refused_skus, outcome.issues)
    assert again.detail == outcome.detail


def test_a_group_of_items_eBay_does_not_hold_is_refused(ebay: EbayApiServer) -> None:
    _, daypack, _ = written_group_file()
    document = json.loads(daypack)
    document["inventoryItemGroupKey"] = "bergfink/daypack 2"

    outcome, _, _ = deliver(ebay, [json.dumps(document)])

    [call] = ebay.group_calls()
    assert call.path == "/sell/inventory/v1/inventory_item_group/bergfink%2Fdaypack%202"
    assert call.status == 400
    [issue] = outcome.issues
    assert (issue.sku, issue.code) == ("bergfink/daypack 2", "25702")
    assert outcome.refused_skus == DAYPACK_SKUS


@pytest.mark.parametrize(("market", "language"), [("FR", "fr-FR"), ("US", "en-US")])
def test_each_market_sends_its_content_language(
    ebay: EbayApiServer, market: str, language: str
) -> None:
    if market not in CONFIG.markets or "ebay" not in CONFIG.markets[market].channels:
        pytest.skip(f"no eBay in market {market} of config/markets.toml")
    outcome, _, _ = deliver(ebay, written_file(2, market_code=market))
    assert ebay.problems == []
    assert [c.headers["content-language"] for c in ebay.bulk_calls()] == [language]
    assert outcome.verdict == "accepted"


# --- what eBay says about items -----------------------------------------------------------


def test_per_item_errors_and_warnings_become_issues(ebay: EbayApiServer) -> None:
    ebay.refuse(sku(3), 25604, "Input error. The title is too long.", "product.title")
    ebay.warn(sku(5), 25402, "System warning. Image resized.", "product.imageUrls")
    ebay.warn(sku(27))

    outcome, _, records = deliver(ebay, written_file(30))

    assert ebay.problems == []
    assert [c.status for c in ebay.bulk_calls()] == [207, 200]
    assert outcome.verdict == "refused"
    assert outcome.refused_skus == [sku(3)]
    assert (outcome.sent, outcome.accepted) == (30, 29)
    assert outcome.issues == [
        MarketplaceIssue(
            sku(3), "error", "25604", "product.title", "Input error. The title is too long."
        ),
        MarketplaceIssue(
            sku(5), "warning", "25402", "product.imageUrls", "System warning. Image resized."
        ),
        MarketplaceIssue(sku(27), "warning", "25402", "", "System warning."),
    ]
    assert outcome.detail == (
        "eBay took 29 of 30 inventory items in 2 calls; 1 refused, 2 with warnings."
    )
    refused = next(r for r in records[0]["results"] if r["sku"] == sku(3))
    assert (refused["accepted"], refused["statusCode"]) == (False, 400)
    assert sku(3) not in ebay.inventory


def test_warnings_only_are_accepted_with_warnings(ebay: EbayApiServer) -> None:
    ebay.warn(sku(2), 25401, "Invalid listing options removed.")
    outcome, _, _ = deliver(ebay, written_file(3))
    assert [c.status for c in ebay.bulk_calls()] == [200]
    assert outcome.verdict == "accepted_with_warnings"
    assert (outcome.sent, outcome.accepted, outcome.refused_skus) == (3, 3, [])
    assert outcome.detail == "eBay took 3 of 3 inventory items in 1 call; 1 with warnings."


def test_a_call_eBay_refuses_as_a_whole_refuses_each_of_its_items(ebay: EbayApiServer) -> None:
    first, second = written_file(30)[:2]
    document = json.loads(second)
    document["contentLanguage"] = "xx-XX"
    outcome, _, _ = deliver(ebay, [first, json.dumps(document)])
    assert [c.status for c in ebay.bulk_calls()] == [200, 400]
    assert ebay.problems == ["bulk call with Content-Language 'xx-XX'"]
    assert outcome.verdict == "refused"
    assert outcome.refused_skus == [sku(n) for n in range(26, 31)]
    assert outcome.issues[0] == MarketplaceIssue(
        sku(26), "error", "25709", "Content-Language", "Invalid value for header Content-Language."
    )
    assert outcome.detail == "eBay took 25 of 30 inventory items in 2 calls; 5 refused."


def test_the_server_holds_requests_to_the_contract(ebay: EbayApiServer) -> None:
    document = json.loads(written_file(2)[0])
    document["body"]["requests"][1]["packageWeightAndSize"]["weight"]["value"] = "555"
    outcome, _, _ = deliver(ebay, [json.dumps(document)])
    assert [c.status for c in ebay.bulk_calls()] == [400]
    [problem] = ebay.problems
    assert "BulkInventoryItem" in problem and "'555' is not of type 'number'" in problem
    assert outcome.verdict == "refused" and outcome.refused_skus == [sku(1), sku(2)]
    assert outcome.issues[0].code == "25002"


def test_a_line_of_26_items_is_refused_before_anything_is_sent(ebay: EbayApiServer) -> None:
    document = json.loads(written_file(1)[0])
    item = document["body"]["requests"][0]
    document["body"]["requests"] = [{**item, "sku": f"GZ-X-{n:02d}"} for n in range(26)]
    with pytest.raises(DeliveryError, match=r"line 1 \(skus GZ-X-00 \.\. GZ-X-25\).* 26 "):
        deliver(ebay, [json.dumps(document)])
    assert ebay.calls == []


# --- retries and resuming -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429, None], ids=str)
def test_a_failed_call_is_retried_alone(ebay: EbayApiServer, status: int | None) -> None:
    lines = written_file(60)
    ebay.fail_bulk_call(2, status=status)

    outcome, sleeps, _ = deliver(ebay, lines)

    calls = ebay.bulk_calls()
    bodies = [json.loads(line)["body"] for line in lines]
    assert [c.body for c in calls] == [bodies[0], bodies[1], bodies[1], bodies[2]]
    assert [c.status for c in calls] == [200, status or 0, 200, 200]
    assert sleeps == [1.0]
    assert ebay.problems == []
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("accepted", 60, 60)
    assert outcome.detail == "eBay took 60 of 60 inventory items in 3 calls."


def test_a_crashed_delivery_resumes_after_its_last_finished_line(ebay: EbayApiServer) -> None:
    ebay.hold("GZ-TEA-0049")
    ebay.refuse(sku(4), 25002, "A user error has occurred.")
    lines = written_file(60, deleted=("GZ-TEA-0049",))
    ebay.fail_bulk_call(2, times=4)
    records: dict[int, dict[str, Any]] = {}

    with pytest.raises(DeliveryError) as failed:
        deliver(ebay, lines, checkpoint=lambda i, r: records.update({i: r}))

    message = str(failed.value)
    assert "line 2 (skus GZ-BOT-0026 .. GZ-BOT-0050)" in message and "4 attempts" in message
    assert "HTTP 500" in message
    assert len(ebay.bulk_calls()) == 5
    assert sorted(records) == [0]
    # The record store gives the keys back as JSON gives them: strings.
    stored = json.loads(json.dumps(records))

    outcome, sleeps, resumed = deliver(ebay, lines, done=stored)

    bodies = [c.body for c in ebay.bulk_calls()[5:]]
    assert bodies == [json.loads(line)["body"] for line in lines[1:3]]
    assert ebay.deletions() == ["GZ-TEA-0049"]
    assert sorted(resumed) == [1, 2, 3]
    assert sleeps == []
    # The outcome is the whole file's, the line sent before included.
    assert (outcome.verdict, outcome.sent, outcome.accepted) == ("refused", 61, 60)
    assert outcome.refused_skus == [sku(4)]
    assert outcome.detail == (
        "eBay took 59 of 60 inventory items in 3 calls and deleted 1 of 1 inventory item; "
        "1 refused."
    )


def test_a_finished_delivery_resumed_sends_nothing(ebay: EbayApiServer) -> None:
    lines = written_file(3)
    _, _, records = deliver(ebay, lines)
    calls = len(ebay.calls)
    outcome, _, again = deliver(ebay, lines, done=records)
    assert len(ebay.calls) == calls and again == {}
    assert (outcome.verdict, outcome.sent) == ("accepted", 3)


# --- deletions ----------------------------------------------------------------------------


def test_deletions_quote_the_sku_and_take_gone_items_as_warnings(ebay: EbayApiServer) -> None:
    ebay.hold("GZ-TEA-0049", "GZ/ÄB 1")
    lines = [
        json.dumps(
            {
                "marketplaceId": "EBAY_DE",
                "deleteInventoryItems": ["GZ-TEA-0049", "GZ/ÄB 1", "GZ-GONE-0001"],
            }
        )
    ]

    outcome, _, records = deliver(ebay, lines)

    assert ebay.deletions() == ["GZ-TEA-0049", "GZ/ÄB 1", "GZ-GONE-0001"]
    paths = [c.path for c in ebay.calls if c.method == "DELETE"]
    assert paths[1] == "/sell/inventory/v1/inventory_item/GZ%2F%C3%84B%201"
    assert ebay.inventory == {}
    assert ebay.bulk_calls() == []
    assert outcome.verdict == "accepted_with_warnings"
    assert (outcome.sent, outcome.accepted, outcome.refused_skus) == (3, 3, [])
    assert outcome.issues == [
        MarketplaceIssue(
            "GZ-GONE-0001",
            "warning",
            "25710",
            "",
            "We didn't find the resource/entity you are requesting. Please verify the request",
        )
    ]
    assert outcome.detail == (
        "eBay deleted 3 of 3 inventory items (1 already gone); 1 with warnings."
    )
    assert [r["statusCode"] for r in records[0]["results"]] == [204, 204, 404]


# --- credentials --------------------------------------------------------------------------


def test_a_refused_refresh_token_names_the_connection_and_no_secret(ebay: EbayApiServer) -> None:
    ebay.refuse_token("invalid_grant")
    credentials = ebay.credentials()
    with pytest.raises(CredentialsError) as refused:
        deliver(ebay, written_file(2), credentials=credentials)
    message = str(refused.value)
    assert CONN_ID in message and "invalid_grant" in message
    for secret in (*credentials.secrets(), credentials.client_id):
        assert secret not in message
    assert ebay.bulk_calls() == []


def test_a_wrong_client_secret_is_a_credentials_error(ebay: EbayApiServer) -> None:
    credentials = ebay.credentials(client_secret="not-the-secret-0123456789")
    with pytest.raises(CredentialsError, match="invalid_client") as refused:
        deliver(ebay, written_file(2), credentials=credentials)
    assert "not-the-secret-0123456789" not in str(refused.value)
    assert CONN_ID in str(refused.value)


def test_missing_credentials_are_named_before_anything_is_sent(ebay: EbayApiServer) -> None:
    with pytest.raises(CredentialsError, match="refresh_token"):
        deliver(ebay, written_file(2), credentials=ebay.credentials(refresh_token=""))
    assert ebay.calls == []


def test_the_token_is_asked_for_as_ebay_documents(ebay: EbayApiServer) -> None:
    deliver(ebay, written_file(2))
    [token] = ebay.token_calls()
    assert token.status == 200
    assert token.body == {
        "grant_type": "refresh_token",
        "refresh_token": ebay.credentials().refresh_token,
        "scope": "https://api.ebay.com/oauth/api_scope/sell.inventory",
    }
    assert token.headers["authorization"].startswith("Basic ")


def test_an_expired_token_is_refreshed_once(ebay: EbayApiServer) -> None:
    lines = written_file(30)

    def expire_after_first_line(index: int, record: dict[str, Any]) -> None:
        ebay.expire_tokens()

    outcome, _, _ = deliver(ebay, lines, checkpoint=expire_after_first_line)
    assert [c.status for c in ebay.bulk_calls()] == [200, 401, 200]
    assert len(ebay.token_calls()) == 2
    assert outcome.verdict == "accepted" and outcome.sent == 30


def test_no_secret_or_token_is_logged(
    ebay: EbayApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    ebay.refuse(sku(1))
    ebay.fail_bulk_call(1)
    with caplog.at_level(logging.DEBUG):
        deliver(ebay, written_file(3))
    tokens = [c.headers["authorization"].removeprefix("Bearer ") for c in ebay.bulk_calls()]
    assert caplog.text
    for secret in (*ebay.credentials().secrets(), *tokens):
        assert secret not in caplog.text
