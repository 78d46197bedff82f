"""Translation against DeepL's own mock server (issue #11): what a real account answers.

The mock's translation of any text is a fixed phrase ("Protonenstrahl" in German), so
texts here are words without numbers, tags or glossary terms when they must pass the QA
gate, and carry them when the gate must hold them back. Faults come from the mock's own
session headers, given to the real client the way DeepL's own client tests do.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import deepl
import pytest
from lxml import etree

from schemas.config.market import Market
from schemas.config.pipeline import Translation
from schemas.config.pricing import Pricing
from schemas.product import ANY_LOCALE, Money, Product
from transforms.localize import localize
from transforms.pricing.money import Pricer
from transforms.translation.deepl import GLOSSARY_NAME
from transforms.translation.exchange import XLIFF_NS
from transforms.translation.glossary import Glossary
from transforms.translation.memory import TranslationMemory
from transforms.translation.run import translate_catalog

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from tests.deepl_mock import DeepLMock
    from transforms.translation.run import TranslationOutcome

pytestmark = pytest.mark.deepl_mock
GLOSSARY = Glossary("EN", keep=("Nordquell",), terms={"DE": {"stainless steel": "Edelstahl"}})
PRICING = Pricing.model_validate(
    {
        "rates": "unused.xml",
        "catalog_prices": {"EUR": {"includes_vat_of": "DE"}},
        "vat": {"DE": {"standard": 19}},
    }
)
WORDS = "alpha bravo delta hotel india sigma gamma omega theta kappa zulus tango".split()
"""Five letters each: every title has the same length."""


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
FR = market("FR", "fr_FR", formality="more")
PL = market("PL", "pl_PL")
CN = market("CN", "zh_CN")
HR = market("HR", "hr_HR")  # DeepL translates Croatian but has no glossary pair for it
KL = market(  # Greenlandic: DeepL has no such target
    "GL", "kl_GL", translation_target="KL", time_zone="America/Nuuk"
)


def product(number: int, title: str | None = None, description: str | None = None) -> Product:
    return Product(
        sku=f"SKU-{number:03d}",
        brand="Nordquell",
        title={ANY_LOCALE: title or f"Trail bottle {WORDS[number % 12]} {WORDS[number // 12]}"},
        description={"en_US": description or "<p>Light and robust.</p>"},
        prices={"EUR": Money(Decimal("24.90"), "EUR")},
    )


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[TranslationMemory]:
    with TranslationMemory.open_sqlite(tmp_path / "memory.sqlite") as opened:
        yield opened


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Headers every `deepl.DeepLClient` of the test sends: the mock's fault session."""
    headers: dict[str, str] = {}
    original = deepl.DeepLClient.__init__

    def with_session(self: deepl.DeepLClient, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.headers.update(headers)

    monkeypatch.setattr(deepl.DeepLClient, "__init__", with_session)
    return headers


def settings(mock: DeepLMock, **changes: Any) -> Translation:
    values: dict[str, Any] = {
        "fields": ["title"],
        "max_retries": 2,
        "request_timeout_seconds": 1,
        "server_url": mock.url,
    }
    values.update(changes)
    return Translation.model_validate(values)


def run(
    products: Sequence[Product],
    markets: Sequence[Market],
    memory: TranslationMemory,
    out: Path,
    config: Translation,
    *,
    key: str,
    name: str = "2026-11-27",
    glossary_targets: Sequence[str] = (),
) -> TranslationOutcome:
    return translate_catalog(
        lambda: products,
        markets,
        config,
        GLOSSARY,
        memory,
        out / name,
        review_dir=out / name / "review",
        auth_key=key,
        run=name,
        glossary_targets=glossary_targets,
    )


def statuses(outcome: TranslationOutcome, code: str, field: str = "title") -> set[str]:
    import json

    with open(outcome.files[code], encoding="utf-8") as stream:
        return {json.loads(line)[field]["status"] for line in stream}


def new_key() -> str:
    """A fresh auth key: the mock opens a fresh account (and glossary list) for it."""
    return f"grenzenlos-{uuid.uuid4()}"


def test_supported_languages_translate_and_the_others_wait_alone(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path
) -> None:
    products = [product(n) for n in range(6)]
    markets = [DE, FR, PL, CN, HR, KL]
    outcome = run(products, markets, memory, tmp_path, settings(deepl_mock), key=new_key())
    report = outcome.report
    assert report["stopped"] is None
    for code, target in (("DE", "DE"), ("FR", "FR"), ("PL", "PL"), ("CN", "ZH-HANS")):
        assert statuses(outcome, code) == {"ok"}, code
        assert report["languages"][target]["deepl"] == 6
    assert statuses(outcome, "HR") == {"ok"}  # translated, without the glossary
    assert any("no glossary for EN->HR" in w for w in report["warnings"])
    assert statuses(outcome, "GL") == {"pending"}
    assert report["languages"]["KL"]["stopped"] == "DeepL does not translate into KL"
    assert report["languages"]["KL"]["requests"] == 0  # no request for it, ever


def glossary_id(memory: TranslationMemory) -> str:
    state = memory.glossary_state(GLOSSARY_NAME)
    assert state is not None and state[1]
    return state[1]


def test_glossary_deleted_on_the_account_is_made_again_once(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path
) -> None:
    key, config = new_key(), settings(deepl_mock)
    run([product(1)], [DE], memory, tmp_path, config, key=key, name="night-1")
    first = glossary_id(memory)
    client = deepl.DeepLClient(key, server_url=deepl_mock.url)
    client.delete_multilingual_glossary(first)
    outcome = run([product(2)], [DE], memory, tmp_path, config, key=key, name="night-2")
    assert statuses(outcome, "DE") == {"ok"}
    second = glossary_id(memory)
    assert second != first
    assert client.get_multilingual_glossary(second).glossary_id == second
    assert [g.glossary_id for g in client.list_multilingual_glossaries()] == [second]


def test_a_run_needing_one_language_leaves_the_glossary_untouched(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path
) -> None:
    key, config, every = new_key(), settings(deepl_mock), ["DE", "PL", "FR"]
    run([product(1)], [DE, PL, FR], memory, tmp_path, config, key=key, glossary_targets=every)
    first = glossary_id(memory)
    run([product(2)], [PL], memory, tmp_path, config, key=key, name="b", glossary_targets=every)
    assert glossary_id(memory) == first
    client = deepl.DeepLClient(key, server_url=deepl_mock.url)
    [glossary] = client.list_multilingual_glossaries()
    assert {d.target_lang.upper() for d in glossary.dictionaries} == {"DE", "PL", "FR"}


def test_429_three_times_then_success_is_counted(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    session.update(deepl_mock.session(respond_429_count=3))
    config = settings(deepl_mock, max_retries=3)
    outcome = run([product(n) for n in range(3)], [DE], memory, tmp_path, config, key=new_key())
    assert statuses(outcome, "DE") == {"ok"}
    assert outcome.report["languages"]["DE"]["retries"] == 3


def test_429_beyond_the_retries_stops_that_language_only(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    """The mock answers the session's next three translate requests with 429, whatever the
    language: the first language (DE) uses them up and waits; the next (PL) goes on."""
    session.update(deepl_mock.session(respond_429_count=3))
    config = settings(deepl_mock, max_retries=2)
    products = [product(n) for n in range(3)]
    outcome = run(products, [DE, PL], memory, tmp_path, config, key=new_key())
    languages = outcome.report["languages"]
    assert statuses(outcome, "DE") == {"pending"}
    assert "429 (too many requests) after 2 retries" in languages["DE"]["stopped"]
    assert statuses(outcome, "PL") == {"ok"} and languages["PL"]["stopped"] is None
    assert outcome.report["stopped"] is None


def test_5xx_beyond_the_retries_leaves_the_language_pending_in_plain_words(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    session.update(deepl_mock.session(respond_5xx_count=50, respond_5xx_status=502))
    config = settings(deepl_mock, max_retries=2)
    outcome = run([product(1)], [DE], memory, tmp_path, config, key=new_key())
    stopped = outcome.report["languages"]["DE"]["stopped"]
    assert statuses(outcome, "DE") == {"pending"}
    assert "HTTP 502 after 2 retries" in stopped
    assert "<" not in stopped  # no HTML error page in any report
    assert outcome.report["stopped"] is None


def test_no_answer_beyond_max_outage_is_bounded_in_time(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    session.update(deepl_mock.session(no_response_count=20))
    config = settings(deepl_mock, max_retries=10, request_timeout_seconds=1, max_outage_seconds=4)
    started = time.monotonic()
    outcome = run([product(1)], [DE], memory, tmp_path, config, key=new_key())
    elapsed = time.monotonic() - started
    stopped = outcome.report["languages"]["DE"]["stopped"]
    assert "within max_outage_seconds (4 s" in stopped
    assert statuses(outcome, "DE") == {"pending"}
    assert elapsed < 4 + 2  # the outage budget, plus one request's timeout at most


def test_character_limit_stops_every_call_and_a_rerun_pays_only_the_rest(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    products = [product(n) for n in range(8)]
    length = len(products[0].title[ANY_LOCALE])
    session.update(deepl_mock.session(init_character_limit=length * 4 + 2))
    config = settings(deepl_mock, max_texts_per_request=2)
    first = run(products, [DE, PL], memory, tmp_path, config, key=new_key(), name="a")
    assert "quota exceeded (HTTP 456)" in first.report["stopped"]
    de = first.report["languages"]["DE"]
    assert (de["deepl"], de["pending"], de["requests"]) == (4, 4, 3)  # 2 + 2 sent, then 456
    assert first.report["languages"]["PL"]["requests"] == 0  # nothing after the 456
    session.clear()
    second = run(products, [DE, PL], memory, tmp_path, config, key=new_key(), name="b")
    sent = {t: lang["characters_sent"] for t, lang in second.report["languages"].items()}
    assert second.report["languages"]["DE"]["memory"] == 4
    assert sent == {"DE": 4 * length, "PL": 8 * length}  # only what the first run lacked


def test_held_back_text_publishes_the_source_where_the_market_says_so(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path
) -> None:
    """The mock drops the 750 and the tags: the QA gate holds the text back. DE publishes
    its English source with a warning; the review file shows DeepL's text to correct."""
    source = "<p>Keeps drinks cold, <b>750 ml</b>.</p>"
    item = product(1, description=source)
    de = DE.model_copy(update={"when_pending": "set_aside", "when_held_back": "source_text"})
    config = settings(deepl_mock, fields=["description"])
    outcome = run([item], [de], memory, tmp_path, config, key=new_key())
    assert statuses(outcome, "DE", "description") == {"flagged"}
    import json

    with open(outcome.files["DE"], encoding="utf-8") as stream:
        entry = json.loads(stream.readline())
    listing = localize(item, de, Pricer(de, PRICING, None), entry)
    assert not isinstance(listing, list)
    assert listing.description == source
    [warning] = [w for w in listing.warnings if w.field == "description"]
    assert warning.rule == "published_in_source_language" and "held back" in warning.message
    review = etree.parse(outcome.report["review_files"]["DE"])
    [unit] = review.iter(f"{{{XLIFF_NS}}}trans-unit")
    target = unit.find(f"{{{XLIFF_NS}}}target")
    assert target is not None and target.get("state") == "needs-review-translation"
    assert "Protonenstrahl" in "".join(target.itertext())
    assert "number 750 is missing" in "".join(unit.find(f"{{{XLIFF_NS}}}note").itertext())


def test_request_too_large_is_split_and_sent_again(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path
) -> None:
    """DeepL documents 128 KiB; its mock refuses a body above 100 KiB with 413. Planned
    at the documented limit, the batch is refused, split in two, and both halves pass."""
    paragraph = "<p>" + " ".join(["robust"] * 500) + "</p>"  # ~3.5 KB of JSON each
    products = [
        product(n, description=f"{paragraph}<p>{WORDS[n % 12]} {WORDS[n // 12]}</p>")
        for n in range(34)
    ]
    config = settings(deepl_mock, fields=["description"], max_request_bytes=128 * 1024)
    outcome = run(products, [DE], memory, tmp_path, config, key=new_key())
    report = outcome.report["languages"]["DE"]
    assert report["pending"] == 0 and report["deepl"] + report["flagged"] == 34
    assert report["requests"] == 3  # the refused one, then each half


def test_request_timeout_is_the_longest_one_attempt_waits(
    deepl_mock: DeepLMock, memory: TranslationMemory, tmp_path: Path, session: dict[str, str]
) -> None:
    session.update(deepl_mock.session(no_response_count=20))
    config = settings(deepl_mock, max_retries=0, request_timeout_seconds=2.5)
    started = time.monotonic()
    outcome = run([product(1)], [DE], memory, tmp_path, config, key=new_key())
    elapsed = time.monotonic() - started
    assert "did not answer" in outcome.report["languages"]["DE"]["stopped"]
    assert 2.0 < elapsed < 4.0  # one attempt of 2.5 s, not the client's growing timeouts
