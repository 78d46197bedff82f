"""Translation through the memory and DeepL: the real `deepl` client against a local server."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree

from schemas.config.market import Market
from schemas.config.pipeline import Translation
from schemas.config.pricing import Pricing
from schemas.product import ANY_LOCALE, Money, Product
from tests.deepl_server import fake_translation
from transforms.localize import localize
from transforms.pricing.money import Pricer
from transforms.translation.exchange import XLIFF_NS, read_xliff, write_tmx
from transforms.translation.glossary import Glossary
from transforms.translation.human_pairs import import_human_translations
from transforms.translation.memory import TranslationMemory
from transforms.translation.outcome import read_market_translations
from transforms.translation.run import translate_catalog

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from tests.deepl_server import FakeDeepL
    from transforms.translation.run import TranslationOutcome

KEY = "test-key:fx"
PRICING = Pricing.model_validate(
    {
        "rates": "unused.xml",
        "catalog_prices": {"EUR": {"includes_vat_of": "DE"}},
        "vat": {c: {"standard": 20} for c in ("DE", "AT", "PL", "CZ")},
    }
)
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


def test_target_codes_and_formality_only_where_deepl_takes_it(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    markets = [
        market("BR", "pt_BR", formality="less"),
        market("CN", "zh_CN", formality="more"),
        market("JP", "ja_JP", formality="prefer_more"),
    ]
    run([product(1)], markets, memory, tmp_path, settings(deepl_server))
    sent = {r["target_lang"]: r.get("formality") for r in deepl_server.translate_requests}
    assert sent == {"PT-BR": "less", "ZH-HANS": None, "JA": "prefer_more"}


# --- faults ----------------------------------------------------------------------------------


def outcome_per_product(
    products: Sequence[Product], target: Market, outcome: TranslationOutcome
) -> dict[str, str]:
    """What became of each product in ``target``: translated, source text, or a finding's rule."""
    translated = lines(outcome, target.code)
    pricer = Pricer(target, PRICING, None)
    result = {}
    for item in products:
        listing = localize(item, target, pricer, translated.get(item.sku))
        if isinstance(listing, list):
            result[item.sku] = "+".join(sorted({f.rule for f in listing}))
        elif listing.description == item.description["en_US"]:
            assert [w.rule for w in listing.warnings] == ["published_in_source_language"]
            result[item.sku] = "source text"
        else:
            assert listing.text_locale == target.locale
            result[item.sku] = "translated"
    return result


def test_quota_exceeded_mid_run_stops_calls_and_loses_no_product(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(120)]
    one_batch = sum(fake_translation(p.description["en_US"], "PL", html=True, glossary={},
                                     formality=None)[1] for p in products[:50])  # fmt: skip
    deepl_server.quota = one_batch + 10  # the second request is refused with 456
    outcome = run(products, [PL, market("CZ", "cs_CZ", when_pending="source_text")], memory,
                  tmp_path, settings(deepl_server))  # fmt: skip
    assert "quota exceeded (HTTP 456)" in outcome.report["stopped"]
    # Czech comes first (CS < PL): its first request passes, the second gets the 456, and
    # nothing more is sent, so Polish gets no request at all.
    assert [r["target_lang"] for r in deepl_server.translate_requests] == ["CS", "CS"]
    cz = outcome_per_product(products, market("CZ", "cs_CZ", when_pending="source_text"), outcome)
    pl = outcome_per_product(products, PL, outcome)
    assert list(cz.values()).count("translated") == 50
    assert list(cz.values()).count("source text") == 70  # CZ publishes pending texts in English
    assert set(pl.values()) == {"translation_pending"}  # PL leaves them out, with a finding
    assert len(pl) == len(cz) == 120
    assert outcome.report["languages"]["CS"]["pending"] == 70
    assert outcome.report["languages"]["PL"]["pending"] == 120


def test_character_budget_leaves_texts_pending_with_the_reason(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    """The run's own budget stops every language (DeepL's faults are tested against its
    own mock, in test_translate_catalog_deepl_mock.py)."""
    reason = "character budget of 100 would be exceeded"
    products = [product(n) for n in range(3)]
    config = settings(deepl_server, character_budget=100)
    outcome = run(products, [DE], memory, tmp_path, config)
    assert reason in outcome.report["stopped"]
    entries = lines(outcome, "DE")
    assert {e["description"]["status"] for e in entries.values()} == {"pending"}
    assert all(reason in e["description"]["reason"] for e in entries.values())
    assert memory.count() == 0  # nothing pending is stored: the next run asks again
    assert set(outcome_per_product(products, DE, outcome).values()) == {"translation_pending"}


def test_no_key_means_memory_only_and_pending_never_faked(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    outcome = run([product(1)], [DE], memory, tmp_path, settings(deepl_server), key=None)
    assert deepl_server.requests == []
    [entry] = lines(outcome, "DE").values()
    assert entry["description"]["status"] == "pending"
    assert "no DeepL key" in entry["description"]["reason"]


def test_the_key_never_appears_in_logs_files_or_reasons(
    deepl_server: FakeDeepL,
    memory: TranslationMemory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "0f3c9e1a-5b7d-4c2e-9a8f-secret-key:fx"
    caplog.set_level(logging.DEBUG)
    products = [product(n) for n in range(60)]
    deepl_server.auth_key = secret
    deepl_server.quota = 1000  # the first request hits 456
    first = run(products, [DE], memory, tmp_path, settings(deepl_server), key=secret)
    refused = run(products, [PL], memory, tmp_path, settings(deepl_server), key=secret + "x",
                  name="2026-11-28")  # fmt: skip
    assert "refused the key (HTTP 403)" in refused.report["stopped"]
    written = "".join(
        path.read_text(encoding="utf-8") for path in tmp_path.rglob("*") if path.is_file()
        and path.suffix in (".jsonl", ".xlf")
    )  # fmt: skip
    reports = json.dumps([first.report, refused.report])
    assert "quota exceeded" in reports and "Request to DeepL API" in caplog.text
    for text in (written, reports, caplog.text):
        assert secret not in text


# --- glossary, human translations, QA ---------------------------------------------------------


def test_glossary_is_synced_once_used_everywhere_and_a_change_retranslates_only_its_texts(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    steel = product(1, "<p>A <b>stainless steel</b> bottle, 500 ml.</p>")
    lid = product(2, "<p>A bottle with a lid, 500 ml.</p>")
    outcome = run([steel, lid], [DE], memory, tmp_path, settings(deepl_server))
    creations = [b for m, p, b in deepl_server.requests if p == "/v3/glossaries"]
    assert len(creations) == 1
    glossary_id = next(iter(deepl_server.glossaries))
    assert all(r["glossary_id"] == glossary_id for r in deepl_server.translate_requests)
    assert "<b>[DE more] Edelstahl</b>" in texts(outcome, "DE")["SKU-00001"]

    deepl_server.reset_log()
    changed = Glossary("EN", keep=("Nordquell",), terms={"DE": {"stainless steel": "Edelstahl",
                                                                 "lid": "Deckel"}})  # fmt: skip
    outcome = run([steel, lid], [DE], memory, tmp_path, settings(deepl_server), glossary=changed,
                  name="2026-11-28")  # fmt: skip
    assert deepl_server.texts_received == [lid.description["en_US"]]
    assert list(deepl_server.glossaries) != [glossary_id]  # replaced, the old one deleted
    assert len(deepl_server.glossaries) == 1
    assert "with a Deckel" in texts(outcome, "DE")["SKU-00002"]


def test_human_translations_win_and_machine_output_never_replaces_them(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    item = product(1)
    source = item.description["en_US"]
    run([item], [DE], memory, tmp_path, settings(deepl_server))  # a machine entry first
    tmx = tmp_path / "translator.tmx"
    with tmx.open("wb") as stream:
        write_tmx(stream, "en_US", [("1", source, {"de_DE": "<p>Flasche 1, <b>750 ml</b>.</p>"})])
    imported = import_human_translations(memory, [tmx], settings(), set(), "2026-11-28")
    assert imported == {"translator.tmx": {"imported": 1, "skipped": 0}}
    assert import_human_translations(memory, [tmx], settings(), set(), "2026-11-29") == {
        "translator.tmx": {"status": "unchanged since last import"}
    }
    deepl_server.reset_log()
    outcome = run([item], [DE, AT], memory, tmp_path, settings(deepl_server), name="2026-11-28")
    assert deepl_server.requests == []
    assert texts(outcome, "AT") == {"SKU-00001": "<p>Flasche 1, <b>750 ml</b>.</p>"}
    assert lines(outcome, "DE")["SKU-00001"]["description"]["origin"] == "human"
    assert memory.count("human") == 1 and memory.count("machine") == 1


def test_catalog_texts_count_as_human_translations_for_other_products(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    source = "<p>Bottle, <b>750 ml</b>.</p>"
    localized = product(1, source)
    localized.description["de_DE"] = "<p>Flasche, <b>750 ml</b>.</p>"
    lacking = product(2, source)
    outcome = run([localized, lacking], [DE], memory, tmp_path, settings(deepl_server))
    assert deepl_server.requests == []
    assert texts(outcome, "DE") == {"SKU-00002": "<p>Flasche, <b>750 ml</b>.</p>"}
    # The merchant edits the German text in the PIM: the other product follows.
    localized.description["de_DE"] = "<p>Trinkflasche, <b>750 ml</b>.</p>"
    outcome = run([localized, lacking], [DE], memory, tmp_path, settings(deepl_server), name="2")
    assert texts(outcome, "DE") == {"SKU-00002": "<p>Trinkflasche, <b>750 ml</b>.</p>"}
    assert outcome.report["catalog_pairs_recorded"] == 1


def test_qa_gate_holds_back_a_translation_until_a_translator_approves_it(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(1, 4)]
    deepl_server.drop_numbers_in = {"number 2,"}
    outcome = run(products, [DE], memory, tmp_path, settings(deepl_server))
    assert outcome_per_product(products, DE, outcome) == {
        "SKU-00001": "translated",
        "SKU-00002": "translation_qa_failed",
        "SKU-00003": "translated",
    }
    flagged = lines(outcome, "DE")["SKU-00002"]["description"]
    assert flagged["status"] == "flagged"
    assert "number 2 is missing" in flagged["reason"]
    assert "number 750 is missing" in flagged["reason"]

    # The review file carries every new translation; the translator fixes and approves one.
    review = tmp_path / "2026-11-27" / "review" / "review-DE.xlf"
    document = review.read_text(encoding="utf-8")
    assert document.count("<trans-unit") == 3 and "failed QA" in document
    tree = etree.fromstring(review.read_bytes())
    ns = {"x": XLIFF_NS}
    [unit] = [
        u for u in tree.iterfind(".//x:trans-unit", ns) if "QA" in u.findtext("x:note", "", ns)
    ]
    unit.set("approved", "yes")
    unit.find("x:target", ns).text = "<p>Flasche Nummer 2, <b>750 ml</b>, hält kalt.</p>"
    approved_file = tmp_path / "approved.xlf"
    approved_file.write_bytes(etree.tostring(tree))
    with approved_file.open("rb") as stream:
        approved, not_approved = read_xliff(stream)
    assert not_approved == 2 and len(approved) == 1
    import_human_translations(memory, [approved_file], settings(), set(), "2026-11-28")

    deepl_server.reset_log()
    again = run(products, [DE], memory, tmp_path, settings(deepl_server), name="2026-11-28")
    assert deepl_server.translate_requests == []  # flagged texts are not paid for twice
    assert set(outcome_per_product(products, DE, again).values()) == {"translated"}
    assert texts(again, "DE")["SKU-00002"] == "<p>Flasche Nummer 2, <b>750 ml</b>, hält kalt.</p>"


def test_a_market_variant_takes_its_own_human_text_then_the_languages(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    swiss = market("CH", "de_CH", formality="more", translation_variant=True)
    first, second = product(1), product(2)
    tmx = tmp_path / "translator.tmx"
    with tmx.open("wb") as stream:
        write_tmx(stream, "en_US", [
            ("1", first.description["en_US"], {"de_CH": "<p>Flasche 1 (Schweiz)</p>",
                                                "de_DE": "<p>Flasche 1</p>"}),
            ("2", second.description["en_US"], {"de_DE": "<p>Flasche 2</p>"}),
        ])  # fmt: skip
    import_human_translations(memory, [tmx], settings(), {"de_CH"}, "2026-11-27")
    outcome = run([first, second], [DE, swiss], memory, tmp_path, settings(deepl_server))
    assert deepl_server.requests == []
    assert texts(outcome, "CH") == {
        "SKU-00001": "<p>Flasche 1 (Schweiz)</p>",
        "SKU-00002": "<p>Flasche 2</p>",
    }
    assert texts(outcome, "DE") == {
        "SKU-00001": "<p>Flasche 1</p>",
        "SKU-00002": "<p>Flasche 2</p>",
    }


def test_a_glossary_deleted_at_deepl_is_made_again(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    run([product(1)], [DE], memory, tmp_path, settings(deepl_server))
    deepl_server.glossaries.clear()  # someone deleted it in DeepL's console
    deepl_server.reset_log()
    outcome = run([product(2)], [DE], memory, tmp_path, settings(deepl_server), name="2026-11-28")
    assert texts(outcome, "DE")["SKU-00002"].startswith("<p>[DE more] Bottle number 2")
    assert [p for m, p, b in deepl_server.requests if m == "POST"] == [
        "/v2/translate",  # 404: glossary not found
        "/v3/glossaries",  # made again
        "/v2/translate",
    ]
    assert len(deepl_server.glossaries) == 1


# --- batches and the outcome files' reader -----------------------------------------------------


def mixed_catalog() -> list[Product]:
    """Products that share texts across batches, have their own German, fail QA or are off."""
    products = [product(n) for n in range(1, 12)]
    products[4] = product(5, "<p>Bottle number 1, <b>750 ml</b>, keeps cold.</p>")  # as 1
    products[6].description["de_DE"] = "<p>Flasche 7, <b>750 ml</b>.</p>"  # its own German
    products[8] = product(9, products[6].description["en_US"])  # takes product 7's German
    products[9].enabled = False
    for item in products[:6]:
        item.bullet_points = {"en_US": ["Keeps cold for 24 hours", "Dishwasher safe"]}
    return products


def test_a_batch_of_two_writes_the_same_files_and_report_as_one_batch(
    deepl_server: FakeDeepL, tmp_path: Path
) -> None:
    deepl_server.drop_numbers_in = {"number 3,"}
    config = settings(deepl_server, fields=["title", "description", "bullet_points"])
    outcomes = {}
    for batch_size in (5_000, 2):
        with TranslationMemory.open_sqlite(tmp_path / f"{batch_size}.sqlite") as memory:
            outcomes[batch_size] = translate_catalog(
                mixed_catalog,
                [DE, AT, PL],
                config,
                GLOSSARY,
                memory,
                tmp_path / str(batch_size),
                review_dir=tmp_path / str(batch_size) / "review",
                auth_key=KEY,
                run="2026-11-27",
                batch_size=batch_size,
            )
    one, two = outcomes[5_000], outcomes[2]
    for code in ("DE", "AT", "PL"):
        first = (tmp_path / "5000" / f"{code}.jsonl").read_bytes()
        assert first == (tmp_path / "2" / f"{code}.jsonl").read_bytes()
    assert "description" not in lines(one, "DE")["SKU-00007"]  # the catalog has it
    assert "SKU-00010" not in lines(one, "PL")  # disabled
    assert lines(one, "DE")["SKU-00009"]["description"]["origin"] == "human"
    for name in ("review-DE.xlf", "review-PL.xlf"):
        review = (tmp_path / "5000" / "review" / name).read_bytes()
        assert review == (tmp_path / "2" / "review" / name).read_bytes()
    assert (
        b"used by SKU-00001, SKU-00002, SKU-00003, SKU-00004, SKU-00005 and 7 more"
        in (tmp_path / "2" / "review" / "review-DE.xlf").read_bytes()
    )  # "Dishwasher safe": 6 products, DE and AT
    # Requests are planned per batch: only their number may differ.
    for report in (one.report, two.report):
        for language in report["languages"].values():
            language.pop("requests")
    assert one.report == {**two.report, "review_files": one.report["review_files"]}
    assert one.report["languages"]["DE"]["flagged"] == 1
    assert one.report["catalog_pairs_recorded"] == 1


def test_memory_hits_are_looked_up_once_per_batch(deepl_server: FakeDeepL, tmp_path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(str(tmp_path / "memory.sqlite"), isolation_level=None)
    memory = TranslationMemory(connection, "sqlite")
    products = [product(n) for n in range(10)]
    run(products, [DE, AT, PL], memory, tmp_path, settings(deepl_server))
    queries: list[str] = []
    connection.set_trace_callback(queries.append)
    outcome = translate_catalog(
        lambda: products, [DE, AT, PL], settings(deepl_server), GLOSSARY, memory,
        tmp_path / "again", review_dir=tmp_path / "again" / "review", auth_key=KEY,
        run="2026-11-28", batch_size=4,
    )  # fmt: skip
    lookups = [q for q in queries if "FROM translation_memory WHERE segment_key IN" in q]
    assert len(lookups) == 3  # 10 products in batches of 4; DE, AT and PL in one query
    assert outcome.report["languages"]["PL"]["memory"] == 10
    connection.close()


def test_the_reader_answers_what_a_dict_of_the_file_answers(
    deepl_server: FakeDeepL, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = mixed_catalog()
    outcome = run(products, [DE], memory, tmp_path, settings(deepl_server))
    path = tmp_path / "2026-11-27" / "DE.jsonl"
    whole = lines(outcome, "DE")
    skus = [p.sku for p in products]
    assert len(whole) == len(skus) - 2  # SKU-00007 has its own German, SKU-00010 is off
    in_order = read_market_translations(path)
    assert [in_order.get(sku) for sku in skus] == [whole.get(sku) for sku in skus]
    # Out of order, twice, unknown, and skipping lines: still what the dict says.
    asked = [*reversed(skus), "SKU-99999", skus[3], skus[0], skus[8], skus[2], skus[8]]
    with read_market_translations(path) as reader:
        assert [reader.get(sku) for sku in asked] == [whole.get(sku) for sku in asked]
    with read_market_translations(path) as reader:
        order = [skus[5], skus[1], "SKU-99999", skus[6], skus[7], skus[0], skus[10]]
        assert [reader.get(sku) for sku in order] == [whole.get(sku) for sku in order]
    assert read_market_translations(None).get(skus[0]) is None
