"""Translation through the memory and DeepL: the real `deepl` client against a local server."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from schemas.market import Market, Translation
from schemas.product import ANY_LOCALE, Money, Product
from transforms.glossary import Glossary
from transforms.translate import translate_catalog
from transforms.translation_memory import TranslationMemory

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from tests.deepl_server import FakeDeepL
    from transforms.translate import TranslationOutcome

KEY = "test-key:fx"
GLOSSARY = Glossary("EN", keep=("Nordquell",), terms={"DE": {"stainless steel": "Edelstahl"}})


def market(code: str, locale: str, **extra: Any) -> Market:
    return Market.model_validate(
        {
            "code": code,
            "country": locale[-2:],
            "locale": locale,
            "currency": "EUR",
            "channels": ["google"],
            "product_url": f"https://shop.example/{code.lower()}/{{sku}}",
            **extra,
        }
    )


DE = market("DE", "de_DE", formality="more")
AT = market("AT", "de_AT", formality="more", text_locales=["de_AT", "de_DE"])
PL = market("PL", "pl_PL", formality="more")
PL_SOURCE = market("PL", "pl_PL", when_pending="source_text")


def product(number: int, description: str | None = None, **changes: Any) -> Product:
    item = Product(
        sku=f"SKU-{number:05d}",
        brand="Nordquell",
        title={ANY_LOCALE: f"Nordquell Bottle {number}"},
        description={
            "en_US": description or f"<p>Bottle number {number}, <b>750 ml</b>, keeps cold.</p>"
        },
        categories=["drinkware"],
        prices={"EUR": Money(Decimal("24.90"), "EUR")},
    )
    for key, value in changes.items():
        setattr(item, key, value)
    return item


def settings(server: FakeDeepL | None = None, **changes: Any) -> Translation:
    values: dict[str, Any] = {"fields": ["description"], "max_retries": 1}
    if server is not None:
        values["server_url"] = server.url
    values.update(changes)
    return Translation.model_validate(values)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[TranslationMemory]:
    with TranslationMemory.open_sqlite(tmp_path / "memory.sqlite") as opened:
        yield opened


def run(
    products: Sequence[Product],
    markets: Sequence[Market],
    memory: TranslationMemory,
    out: Path,
    config: Translation,
    *,
    key: str | None = KEY,
    glossary: Glossary = GLOSSARY,
    name: str = "2026-11-27",
) -> TranslationOutcome:
    return translate_catalog(
        lambda: products,
        markets,
        config,
        glossary,
        memory,
        out / name,
        review_dir=out / name / "review",
        auth_key=key,
        run=name,
    )


def lines(outcome: TranslationOutcome, code: str) -> dict[str, dict[str, Any]]:
    with open(outcome.files[code], encoding="utf-8") as stream:
        return {entry.pop("sku"): entry for entry in map(json.loads, stream)}


def texts(outcome: TranslationOutcome, code: str, field: str = "description") -> dict[str, str]:
    return {sku: entry[field].get("text") for sku, entry in lines(outcome, code).items()}


# --- memory and requests ---------------------------------------------------------------------


def test_unchanged_catalog_sends_nothing_the_second_time(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(40)]
    first = run(products, [DE, PL], memory, tmp_path, settings(deepl_server))
    sent = deepl_server.characters_received
    assert sent == 2 * sum(len(p.description["en_US"]) for p in products)  # DE and PL
    assert first.report["languages"]["DE"]["deepl"] == 40

    deepl_server.reset_log()
    second = run(products, [DE, PL], memory, tmp_path, settings(deepl_server), name="2026-11-28")
    assert deepl_server.requests == []  # not even the glossary is touched
    assert second.report["languages"]["DE"]["memory"] == 40
    assert second.report["languages"]["DE"]["characters_sent"] == 0
    assert second.report["languages"]["DE"]["hit_rate"] == 1.0
    assert texts(first, "DE") == texts(second, "DE")


def test_changing_one_percent_sends_exactly_the_changed_texts(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(300)]
    run(products, [DE], memory, tmp_path, settings(deepl_server))
    changed = [product(n, f"<p>Bottle {n}, now with a <b>new lid</b>.</p>") for n in (7, 99, 250)]
    for item in changed:
        products[int(item.sku[-5:])] = item
    deepl_server.reset_log()
    outcome = run(products, [DE], memory, tmp_path, settings(deepl_server), name="2026-11-28")
    assert sorted(deepl_server.texts_received) == sorted(p.description["en_US"] for p in changed)
    assert deepl_server.characters_received == sum(len(p.description["en_US"]) for p in changed)
    assert outcome.report["languages"]["DE"]["characters_sent"] == deepl_server.characters_received


def test_markets_with_one_target_language_share_one_translation(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    same_as_first = product(9, "<p>Bottle number 0, <b>750 ml</b>, keeps cold.</p>")
    products = [*(product(n) for n in range(5)), same_as_first]
    outcome = run(products, [DE, AT], memory, tmp_path, settings(deepl_server))
    # DE and AT share (DE, more, no variant); the sixth text is identical to the first.
    assert len(deepl_server.texts_received) == 5
    assert texts(outcome, "DE") == texts(outcome, "AT")


def test_120_texts_take_3_requests_with_html_intact(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(120)]
    outcome = run(products, [DE], memory, tmp_path, settings(deepl_server))
    requests = deepl_server.translate_requests
    assert [len(r["text"]) for r in requests] == [50, 50, 20]
    assert all(r["tag_handling"] == "html" and r["formality"] == "more" for r in requests)
    assert all(r["source_lang"] == "EN" and r["target_lang"] == "DE" for r in requests)
    assert requests[0]["context"].startswith(
        "Product descriptions from an online shop, category drinkware. Products: Nordquell Bottle"
    )
    assert lines(outcome, "DE")["SKU-00003"]["description"] == {
        "status": "ok",
        "text": "<p>[DE more] Bottle number 3, <b>[DE more] 750 ml</b>[DE more] , keeps cold.</p>",
        "origin": "deepl",
    }
    report = outcome.report["languages"]["DE"]
    assert report["requests"] == 3
    # Tags are not billed: the server bills text nodes only, and the report says what it billed.
    assert report["characters_billed"] < report["characters_sent"]
    assert report["estimated_cost"] == str(
        (Decimal(report["characters_billed"]) * 20 / 1_000_000).quantize(Decimal("0.01"))
    )
