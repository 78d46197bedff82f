"""The price history in PostgreSQL (`PostgresHistory`), night by night as `write_channel`
and `publish_market` use it (`ChannelPrices` stages a night, the store commits it): the
issue's scenario leaves in PostgreSQL what it leaves in the files, a night not committed
leaves it as it was, a rerun records its night once, and other markets' and channels' rows
are not touched."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from feeds.scratch import ScratchStore
from pipeline.channel_prices import ChannelPrices
from schemas.config.market import Market
from schemas.listing import Listing, Sale
from schemas.product import Money
from transforms.infra.price_history import FileHistory, PostgresHistory, history_name

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from transforms.infra.price_history import PriceHistoryStore

pytestmark = pytest.mark.postgres
FIRST = date(2026, 10, 1)


def listing(code: str, sku: str, price: str, sale: str | None = None) -> Listing:
    regular = Money(Decimal(price), "EUR")
    return Listing(
        sku=sku,
        market=code,
        locale="de_DE",
        text_locale="de_DE",
        title="Trail Bottle",
        description="",
        link="https://shop.example/S-1",
        price=regular,
        availability="in_stock",
        sale=Sale(Money(Decimal(sale), "EUR"), reference=regular) if sale else None,
    )


def market(code: str) -> Market:
    return Market(
        code=code,
        country="DE",
        locale="de_DE",
        currency="EUR",
        channels=["google"],
        product_url="https://shop.example/{sku}",
    )


def run_night(
    store: PriceHistoryStore,
    code: str,
    day: date,
    listings: list[Listing],
    staging: Path,
    *,
    commit: bool = True,
) -> list[Listing]:
    """One night of the google channel: what it publishes, the history staged and (unless
    the night fails) committed."""
    staging.mkdir(parents=True, exist_ok=True)
    published = []
    with ScratchStore() as scratch:
        prices = ChannelPrices(market(code), "google", day, scratch, store)
        for item in listings:
            adjusted, _ = prices.adjust(item)
            prices.record(adjusted)
            published.append(adjusted)
        staged = prices.finish(staging)
    if commit:
        store.commit(code, "google", staging / history_name("google"))
    assert staged.endswith(history_name("google"))
    return published


def rows(store: PriceHistoryStore, code: str) -> dict[str, str]:
    with store.pairs(code, "google") as pairs:
        return dict(pairs)


@pytest.fixture
def code(postgres_conninfo: str) -> Iterator[str]:
    """A market code of this test's own, its rows removed afterwards."""
    import psycopg

    name = f"T{uuid.uuid4().hex[:8].upper()}"
    yield name
    with psycopg.connect(postgres_conninfo) as connection:
        connection.execute("DELETE FROM price_history WHERE market LIKE %s", (f"{name}%",))


def test_the_scenario_leaves_in_postgresql_what_it_leaves_in_files(
    postgres_conninfo: str, code: str, tmp_path: Path
) -> None:
    stores: dict[str, PriceHistoryStore] = {
        "postgres": PostgresHistory(postgres_conninfo),
        "files": FileHistory(tmp_path / "output"),
    }
    for number in range(1, 56):
        price = "100.00" if number <= 40 else "95.00" if number <= 45 else "120.00"
        for name, store in stores.items():
            night = [listing(code, "S-1", price), listing(code, "O-1", "30.00")]
            run_night(store, code, FIRST + timedelta(days=number - 1), night, tmp_path / name)
    assert rows(stores["postgres"], code) == rows(stores["files"], code)
    assert rows(stores["postgres"], code)["S-1"] == (
        "2026-10-01/2026-11-09 100.00 EUR;"
        "2026-11-10/2026-11-14 95.00 EUR;"
        "2026-11-15/2026-11-24 120.00 EUR"
    )
    sale_night = FIRST + timedelta(days=55)
    (published,) = run_night(
        stores["postgres"], code, sale_night, [listing(code, "S-1", "120.00", "90.00")], tmp_path
    )
    assert published.sale is not None
    assert published.sale.reference == Money(Decimal("95.00"), "EUR")
    after = rows(stores["postgres"], code)
    assert after["S-1"].endswith(";2026-11-25/2026-11-25 90.00 EUR")
    assert after["O-1"] == "2026-10-01/2026-11-24 30.00 EUR"  # not published tonight: kept


def test_a_failed_night_leaves_the_rows_and_a_rerun_records_its_night_once(
    postgres_conninfo: str, code: str, tmp_path: Path
) -> None:
    store = PostgresHistory(postgres_conninfo)
    run_night(store, f"{code}X", FIRST, [listing(f"{code}X", "S-1", "50.00")], tmp_path / "x")
    for day in (FIRST, FIRST + timedelta(days=1)):
        run_night(store, code, day, [listing(code, "S-1", "100.00")], tmp_path)
    before = rows(store, code)
    failed = FIRST + timedelta(days=2)
    run_night(store, code, failed, [listing(code, "S-1", "80.00")], tmp_path, commit=False)
    assert rows(store, code) == before
    for _ in range(2):  # the night, then its rerun
        run_night(store, code, failed, [listing(code, "S-1", "80.00")], tmp_path)
    assert rows(store, code) == {
        "S-1": "2026-10-01/2026-10-02 100.00 EUR;2026-10-03/2026-10-03 80.00 EUR"
    }
    assert rows(store, f"{code}X") == {"S-1": "2026-10-01/2026-10-01 50.00 EUR"}
