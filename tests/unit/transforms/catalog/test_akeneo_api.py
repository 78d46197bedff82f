"""The Akeneo REST API reader, against `tests.akeneo_api_server` on a loopback port: a
fake PIM held to Akeneo's published API reference, serving a slice of Akeneo's icecat
demo catalog (``tests/cases/catalog/akeneo_api/``)."""

from __future__ import annotations

import itertools
import json
import logging
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from schemas.config.catalog import CatalogSource
from schemas.findings import Finding
from schemas.product import ANY_LOCALE, Money, Product, Quantity
from tests.akeneo_api_server import (
    CLIENT_ID,
    CONN_ID,
    CONTRACT,
    PASSWORD,
    SECRET,
    USERNAME,
    AkeneoApiServer,
    contract_validator,
    load_catalog,
)
from transforms.catalog.akeneo_api.client import AkeneoApiError, AkeneoApiUnavailable
from transforms.catalog.akeneo_api.connection import AkeneoApiConnection
from transforms.catalog.akeneo_api.reader import read_akeneo_api
from transforms.infra.faults import heals_by_retry

if TYPE_CHECKING:
    from collections.abc import Iterator

CASES = Path(__file__).parents[3] / "cases" / "catalog" / "akeneo_api"
HOSTILE = sorted(p for p in CASES.glob("*.json") if p.name != "catalog.json")
UUID_PATH = "/api/rest/v1/products-uuid"


@pytest.fixture
def server() -> Iterator[AkeneoApiServer]:
    with AkeneoApiServer() as running:
        yield running
    assert running.problems == [], "the reader broke Akeneo's API reference"


def _connection(server: AkeneoApiServer, **change: str) -> AkeneoApiConnection:
    fields = {
        "base_url": server.url,
        "client_id": CLIENT_ID,
        "secret": SECRET,
        "username": USERNAME,
        "password": PASSWORD,
        **change,
    }
    return AkeneoApiConnection(**fields)


def _source(**settings: Any) -> CatalogSource:
    return CatalogSource(format="akeneo_api", currency="EUR", api_conn_id=CONN_ID, **settings)


def _read(
    server: AkeneoApiServer, sleeps: list[float] | None = None, **settings: Any
) -> tuple[list[Product], list[Finding]]:
    page_size = settings.pop("page_size", 100)
    items = list(
        read_akeneo_api(
            _connection(server),
            _source(**settings),
            page_size=page_size,
            backoff=0.01,
            sleep=(sleeps.append if sleeps is not None else lambda _: None),
        )
    )
    return (
        [i for i in items if isinstance(i, Product)],
        [i for i in items if isinstance(i, Finding)],
    )


def _token_grants(server: AkeneoApiServer) -> int:
    return len(server.grants)


# -- the whole catalog ---------------------------------------------------------------


@pytest.fixture(scope="module")
def ecommerce() -> tuple[AkeneoApiServer, list[Product], list[Finding]]:
    """One read of the ecommerce channel, for the tests that only look at its outcome."""
    with AkeneoApiServer() as running:
        products, findings = _read(running, asset_base_url="https://cdn.example/media/")
    assert running.problems == [], "the reader broke Akeneo's API reference"
    return running, products, findings


def test_reads_every_product_of_the_catalog_across_pages(
    ecommerce: tuple[AkeneoApiServer, list[Product], list[Finding]],
) -> None:
    server, products, findings = ecommerce
    catalog = load_catalog()
    assert findings == []
    assert len(products) == len(catalog["products"]) == 280
    assert len({p.sku for p in products}) == 280
    pages = server.api_calls(UUID_PATH)
    assert len(pages) == 3  # 100 + 100 + 80
    assert "search_after" not in pages[0]
    assert all("search_after" in page for page in pages[1:])
    for page in pages:  # one channel, its locales, the search_after method
        assert page["scope"] == ["ecommerce"]
        assert page["locales"] == ["fr_FR,de_DE,en_US"]
        assert page["pagination_type"] == ["search_after"]
        assert page["limit"] == ["100"]
    # 240 variants in 49 root product models (one has none), 40 products of their own
    variants = [p for p in products if p.group]
    assert len(variants) == 240
    assert len({p.group for p in variants}) == 49  # of the 50 root models
    assert sum(1 for p in products if p.group is None) == 40


def test_a_variant_as_the_demo_catalog_states_it(
    ecommerce: tuple[AkeneoApiServer, list[Product], list[Finding]],
) -> None:
    _, products, _ = ecommerce
    shirt = next(p for p in products if p.sku == "Tshirt-divided-blue-l")

    # model-tshirt-divided (clothing_color_size) > model-tshirt-divided-blue > the variant
    assert shirt.group == "model-tshirt-divided"
    assert shirt.varies_by == ["color", "size"]
    assert shirt.attributes["color"] == "blue"
    assert (shirt.size, shirt.size_kind) == ("L", "clothing")  # option l, labelled L
    assert shirt.title == {ANY_LOCALE: "Cotton t-shirt with a round neck Divided"}
    assert shirt.description == {"en_US": "Divided slim T-shirt with a round neck"}
    assert shirt.prices == {
        "EUR": Money(Decimal("19"), "EUR"),
        "USD": Money(Decimal("19"), "USD"),
    }
    assert shirt.weight == Quantity(Decimal("700"), "g")
    assert shirt.gtin == "1234567890334"
    assert shirt.brand == "Akeneo"
    assert shirt.categories == ["tshirts"]
    # the model's image first, then the variant's own: media file codes
    assert [link.rsplit("_", 1)[-1] for link in shirt.image_links] == ["red.png", "blue.png"]
    assert shirt.attributes["variation_name-fr_FR"] == (
        "T-shirt en coton avec un col rond Divided bleu"
    )


def test_axes_come_from_the_family_variant_of_the_pim(server: AkeneoApiServer) -> None:
    # shoes_size_color: level 1 varies by size, level 2 by color (Akeneo's fixture); the
    # CSV reader's [catalog] variant_axes guessed ["eu_shoes_size", "color"].
    products, _ = _read(server, variant_axes={"shoes_size_color": ["material"]})
    families = {
        m["code"]: m["family_variant"] for m in load_catalog()["product_models"] if not m["parent"]
    }
    by_variant: dict[str, set[tuple[str, ...]]] = {}
    for product in products:
        if product.group:
            by_variant.setdefault(families[product.group], set()).add(tuple(product.varies_by))
    assert by_variant["shoes_size_color"] == {("size", "color")}
    assert by_variant["clothing_color_size"] == {("color", "size")}
    assert by_variant["clothing_colorsize"] == {("color", "size")}
    assert by_variant["clothing_material_size"] == {("material", "size")}
    assert by_variant["tv"] == {("display_diagonal",)}
    # every family variant was fetched once, whatever the number of its models
    assert len(server.api_calls("/api/rest/v1/families/shoes/variants/shoes_size_color")) == 1


def test_a_family_variant_the_pim_hides_falls_back_to_the_configured_axes(
    server: AkeneoApiServer,
) -> None:
    server.catalog["family_variants"] = [
        v for v in server.catalog["family_variants"] if v["code"] != "tv"
    ]
    base = "https://cdn.example/"
    products, findings = _read(
        server, variant_axes={"tv": ["display_diagonal"]}, asset_base_url=base
    )
    tvs = [p for p in products if p.group and "display_diagonal" in p.attributes]
    assert len(tvs) == 4
    assert all(p.varies_by == ["display_diagonal"] for p in tvs)
    assert findings == []

    products, findings = _read(server, asset_base_url=base)
    assert {f.rule for f in findings} == {"variant_axes_unknown"}
    assert len(findings) == 4


def test_pages_are_fetched_as_the_products_are_consumed(server: AkeneoApiServer) -> None:
    source = _source(asset_base_url="https://cdn.example/")
    items = read_akeneo_api(_connection(server), source, page_size=20)
    first = list(itertools.islice(items, 20))
    assert all(isinstance(item, Product) for item in first)
    assert len(server.api_calls(UUID_PATH)) == 1
    rest = list(items)
    assert len(first) + len(rest) == 280
    # 14 full pages of 20, then the empty page their last next link leads to
    assert len(server.api_calls(UUID_PATH)) == 15


def test_another_channel_gives_its_own_texts(server: AkeneoApiServer) -> None:
    products, _ = _read(server, api_channel="print")
    scanner = next(p for p in products if p.sku == "12249736")
    assert scanner.title == {ANY_LOCALE: "Avision AV-220C2M+"}
    assert scanner.description["en_US"].startswith("Avision's popular 220 series")
    assert set(scanner.description) == {"de_DE", "en_US"}
    assert "release_date-ecommerce" not in scanner.attributes  # another channel's value
    assert all(q["scope"] == ["print"] for q in server.api_calls(UUID_PATH))


def test_without_asset_base_url_images_are_the_pims_download_links(
    server: AkeneoApiServer,
) -> None:
    products, findings = _read(server)
    scanner = next(p for p in products if p.sku == "12249736")
    assert scanner.image_links == [
        f"{server.url}/api/rest/v1/media-files/6/1/2/b/"
        "612bb3419ed93c40878c232386697534e2e0d57b_12249736_407.jpg/download"
    ]
    assert [f.rule for f in findings] == ["image_link_needs_login"]  # once, not per product


def test_a_pim_before_7_is_read_through_the_identifier_endpoint(
    server: AkeneoApiServer,
) -> None:
    server.hide_uuid_endpoint = True
    products, findings = _read(server)
    assert len(products) == 280
    assert len(server.api_calls("/api/rest/v1/products")) == 3
    assert server.api_calls("/api/rest/v1/attributes") == []
    assert next(p for p in products if p.sku == "Tshirt-divided-blue-l").group == (
        "model-tshirt-divided"
    )


def test_an_unknown_channel_fails_naming_it(server: AkeneoApiServer) -> None:
    with pytest.raises(AkeneoApiError, match="no channel 'web'"):
        _read(server, api_channel="web")


# -- tokens, retries, credentials ------------------------------------------------------


def test_a_token_that_expires_mid_read_is_refreshed(server: AkeneoApiServer) -> None:
    server.expire_after(4)
    products, _ = _read(server)
    assert len(products) == 280
    assert server.grants[0] == "password"
    assert server.grants.count("refresh_token") >= 2  # every 4 calls
    assert server.grants.count("password") == 1
    assert server.expired > 0  # the calls the server refused went through after it


def test_a_token_near_its_end_is_refreshed_before_the_call(server: AkeneoApiServer) -> None:
    server.token_lifetime = 30  # shorter than the client's margin: refresh before each call
    products, _ = _read(server)
    assert len(products) == 280
    assert server.grants.count("refresh_token") > 3
    assert server.expired == 0  # never a 401: refreshed before


def test_a_second_401_fails_naming_the_connection(server: AkeneoApiServer) -> None:
    server.expire_after(0)
    with pytest.raises(AkeneoApiError) as raised:
        _read(server)
    message = str(raised.value)
    assert CONN_ID in message
    assert "also after a token refresh" in message
    _assert_no_secret(server, message)


def test_429_waits_as_long_as_retry_after_says(server: AkeneoApiServer) -> None:
    server.fail(UUID_PATH, 429, retry_after="7")
    sleeps: list[float] = []
    products, _ = _read(server, sleeps)
    assert sleeps == [7.0]
    assert len(products) == 280


def test_a_server_error_is_tried_again(server: AkeneoApiServer) -> None:
    server.fail("/api/rest/v1/product-models", 500, 503)
    sleeps: list[float] = []
    products, _ = _read(server, sleeps)
    assert len(sleeps) == 2
    assert sleeps[1] > sleeps[0]  # backing off
    assert len(products) == 280


def test_a_server_that_keeps_failing_gives_up_healable(server: AkeneoApiServer) -> None:
    server.fail(UUID_PATH, *[500] * 5)
    with pytest.raises(AkeneoApiUnavailable, match="after 5 attempts") as raised:
        _read(server)
    assert CONN_ID in str(raised.value)
    assert heals_by_retry(raised.value)  # Airflow's retry may heal it


def test_a_retry_after_beyond_the_limit_is_not_waited_out(server: AkeneoApiServer) -> None:
    server.fail(UUID_PATH, 429, retry_after="3600")
    sleeps: list[float] = []
    with pytest.raises(AkeneoApiUnavailable, match="asked to wait 3600 s"):
        _read(server, sleeps)
    assert sleeps == []


@pytest.mark.parametrize(
    "change",
    [{"password": "not-the-password"}, {"secret": "not-the-secret-of-the-client"}],
    ids=["wrong password", "wrong secret"],
)
def test_refused_credentials_fail_at_once_naming_the_connection(
    server: AkeneoApiServer, change: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    items = read_akeneo_api(_connection(server, **change), _source(), sleep=lambda _: None)
    with pytest.raises(AkeneoApiError) as raised:
        next(items)
    message = str(raised.value)
    assert f"refused the login of Airflow connection {CONN_ID!r}" in message
    assert not heals_by_retry(raised.value)
    assert _token_grants(server) == 1  # never retried
    for secret in (PASSWORD, SECRET, *change.values()):
        assert secret not in message
        assert secret not in caplog.text
        assert secret not in repr(raised.value)


def test_no_secret_or_token_reaches_the_logs(
    server: AkeneoApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.expire_after(5)
    server.fail(UUID_PATH, 429, 500, retry_after="1")
    _read(server)
    assert "refreshing the token" in caplog.text  # the refresh and retries were logged
    assert "trying again" in caplog.text
    _assert_no_secret(server, caplog.text)


def _assert_no_secret(server: AkeneoApiServer, text: str) -> None:
    for secret in (SECRET, PASSWORD, *server.tokens, *server.refresh_tokens):
        assert secret not in text


def test_the_connection_hides_its_secrets_and_reads_airflows_fields() -> None:
    conn = SimpleNamespace(
        conn_id=CONN_ID,
        host="pim.example.com",
        schema="https",
        port=8443,
        login=USERNAME,
        password=PASSWORD,
        extra_dejson={"client_id": CLIENT_ID, "secret": SECRET},
    )
    connection = AkeneoApiConnection.from_airflow_connection(conn)
    assert connection.base_url == "https://pim.example.com:8443"
    assert (connection.client_id, connection.secret) == (CLIENT_ID, SECRET)
    assert (connection.username, connection.password) == (USERNAME, PASSWORD)
    assert SECRET not in repr(connection)
    assert PASSWORD not in repr(connection)

    conn.extra_dejson = {"client_id": CLIENT_ID}
    conn.password = ""
    with pytest.raises(ValueError, match="lacks password, extra secret") as raised:
        AkeneoApiConnection.from_airflow_connection(conn)
    assert CONN_ID in str(raised.value)


# -- hostile products ------------------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_hostile_products_give_their_findings(case: Path) -> None:
    data = json.loads(case.read_text(encoding="utf-8"))
    catalog = load_catalog()
    catalog["products"] = data["products"]
    catalog["product_models"] = data.get("product_models", [])
    with AkeneoApiServer(catalog) as server:
        products, findings = _read(server, asset_base_url="https://cdn.example/")
    assert server.problems == []
    assert [(f.rule, f.severity, f.sku) for f in findings] == [
        (e["rule"], e["severity"], e["sku"]) for e in data["expected"]
    ]
    assert [p.sku for p in products] == data["products_read"]
    for sku, axes in data.get("varies_by", {}).items():
        assert next(p for p in products if p.sku == sku).varies_by == axes
    # every product accounted for: read, or rejected by an error finding
    rejected = sum(1 for f in findings if f.severity == "error")
    assert len(products) + rejected == len(data["products"])


def test_a_price_that_is_no_number_keeps_the_product_and_its_other_prices() -> None:
    data = json.loads((CASES / "price_not_a_number.json").read_text(encoding="utf-8"))
    catalog = {**load_catalog(), "products": data["products"], "product_models": []}
    with AkeneoApiServer(catalog) as server:
        products, findings = _read(server)
    assert products[0].prices == {"USD": Money(Decimal("13.50"), "USD")}
    assert findings[0].field == "price-EUR"


# -- through the pipeline --------------------------------------------------------------


def test_read_catalog_applies_the_catalog_settings(server: AkeneoApiServer) -> None:
    from pipeline.extract import read_catalog

    source = CatalogSource(
        format="akeneo_api",
        currency="EUR",
        defaults={"brand": "X"},
        asset_base_url="https://cdn.example/media/",
        api_conn_id=CONN_ID,
    )
    items = list(read_catalog(source, akeneo_api=_connection(server)))
    products = [i for i in items if isinstance(i, Product)]
    assert len(products) == 280
    assert all(p.brand for p in products)
    assert {p.brand for p in products if p.group is None} == {"X"}  # no brand in the PIM
    assert all(
        link.startswith("https://cdn.example/media/") for p in products for link in p.image_links
    )
    shirt = next(p for p in products if p.sku == "Tshirt-divided-blue-l")
    assert shirt.image_links[1].endswith("_blue.png")
    for product in products:
        for axis in product.varies_by:
            assert product.size if axis == "size" else product.attributes.get(axis)
    assert {tuple(p.varies_by) for p in products if p.group} >= {("color", "size")}


# -- the fake's contract ---------------------------------------------------------------


def test_the_contract_errata_are_still_needed() -> None:
    reference = json.loads(CONTRACT.read_text(encoding="utf-8"))
    listing = reference["paths"][UUID_PATH]["get"]["responses"]["200"]["schema"]
    item_schema = listing["allOf"][1]["properties"]["_embedded"]["properties"]["items"]["items"]
    example = dict(item_schema["allOf"][1]["example"])  # the reference's own example
    # Its quality_scores are a list where the schema says object: the reader never asks
    # for them (with_quality_scores), so that erratum is not made.
    del example["quality_scores"]
    assert list(contract_validator(item_schema, errata=False).iter_errors(example))
    assert not list(contract_validator(item_schema).iter_errors(example))
