"""What DeepL answers, pinned with the real `deepl` client against DeepL's own mock.

These are the behaviours `transforms.translation.deepl` depends on, observed on the
vendored mock (deepl-mock 1.21.0, deepl-python 1.32) rather than assumed: status codes,
exception classes, the client's retry timing and the mock's limits. Where our own fake
(`tests.deepl_server`) answers differently, the test name says what DeepL's mock does.

Faults are per mock session: a test opens one by adding the session's headers to the
client (`client.headers`, sent with every request; the client has no constructor
parameter for extra headers). Each test uses a fresh auth key, so a fresh mock account.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING

import deepl
import pytest
from deepl.api_data import MultilingualGlossaryDictionaryEntries, TextResult

from schemas.config.market import FORMALITY_TARGETS

if TYPE_CHECKING:
    from tests.deepl_mock import DeepLMock

pytestmark = pytest.mark.deepl_mock

MOCK_BODY_LIMIT = 100 * 1024
"""The mock's JSON body limit on /v2/translate (Express's default); DeepL documents 128 KiB."""


def _client(mock: DeepLMock, **faults: int) -> deepl.DeepLClient:
    """A real client with a fresh auth key, in a new mock session with these faults."""
    client = deepl.DeepLClient(
        f"test-{uuid.uuid4()}", server_url=mock.url, send_platform_info=False
    )
    client.headers.update(mock.session(**faults))
    return client


def _one(result: TextResult | list[TextResult]) -> TextResult:
    """`translate_text` returns one result for one text (its type says "or a list")."""
    assert isinstance(result, TextResult)
    return result


def _each(result: TextResult | list[TextResult]) -> list[TextResult]:
    """`translate_text` returns a list for a list of texts."""
    assert isinstance(result, list)
    return result


def test_translate_html_answers_the_fixed_phrase_tags_and_numbers_lost(
    deepl_mock: DeepLMock,
) -> None:
    """Any text becomes "proton beam" in the target language; empty stays empty. The
    client always asks for billed characters; the mock bills the text's length."""
    client = _client(deepl_mock)
    texts = ["<p>Hello <b>world</b>, 42 cm</p>", ""]
    results = _each(
        client.translate_text(
            texts, source_lang="EN", target_lang="DE", tag_handling="html", formality="more"
        )
    )
    assert [r.text for r in results] == ["Protonenstrahl", ""]
    assert [r.billed_characters for r in results] == [len(texts[0]), 0]
    assert [r.detected_source_lang for r in results] == ["EN", "EN"]
    sent = deepl_mock.last_request(dict(client.headers))["body"]
    assert sent == {
        "text": texts,
        "source_lang": "EN",
        "target_lang": "DE",
        "tag_handling": "html",
        "formality": "more",
        "show_billed_characters": True,
    }


def test_formality_for_a_target_without_it_is_a_400_but_prefer_more_passes(
    deepl_mock: DeepLMock,
) -> None:
    """Why `Market.effective_formality` sends none outside `FORMALITY_TARGETS`."""
    client = _client(deepl_mock)
    with pytest.raises(deepl.DeepLException) as refused:
        client.translate_text("Hello", target_lang="EN-GB", formality="more")
    assert type(refused.value) is deepl.DeepLException
    assert refused.value.http_status_code == 400
    assert "doesn't support formality" in str(refused.value)
    result = _one(client.translate_text("Hello", target_lang="EN-GB", formality="prefer_more"))
    assert result.text == "proton beam"


def test_target_languages_are_106_codes_and_formality_matches_our_list(
    deepl_mock: DeepLMock,
) -> None:
    """``EN`` and ``PT`` are not targets (only their variants); ``ZH`` still is."""
    targets = _client(deepl_mock).get_target_languages()
    codes = {language.code for language in targets}
    assert len(targets) == len(codes) == 106
    assert {"DE", "FR", "PL", "EN-GB", "EN-US", "PT-BR", "PT-PT", "ZH", "ZH-HANS"} <= codes
    assert {"ZH-HANT", "ES-419"} <= codes
    assert "EN" not in codes and "PT" not in codes
    formality = {language.code for language in targets if language.supports_formality}
    assert formality == FORMALITY_TARGETS


def test_glossary_pairs_are_every_ordered_pair_of_32_base_languages(
    deepl_mock: DeepLMock,
) -> None:
    """Variants (EN-GB, PT-BR, ZH-HANS) are not glossary languages: dictionaries are per
    base language. A language outside the 32 is a 400 at creation."""
    client = _client(deepl_mock)
    pairs = {
        (p.source_lang.upper(), p.target_lang.upper()) for p in client.get_glossary_languages()
    }
    bases = {source for source, _ in pairs}
    assert len(bases) == 32 and len(pairs) == 32 * 31
    assert {("EN", "DE"), ("EN", "FR"), ("EN", "PL"), ("EN", "ZH"), ("EN", "PT")} <= pairs
    assert not any("-" in code for code in bases)
    with pytest.raises(deepl.DeepLException) as refused:
        client.create_multilingual_glossary(
            "unsupported", [MultilingualGlossaryDictionaryEntries("EN", "HI", {"a": "b"})]
        )
    assert refused.value.http_status_code == 400
    assert "Unsupported glossary source and target language pair" in str(refused.value)


def test_multilingual_glossary_create_get_use_delete_then_404(deepl_mock: DeepLMock) -> None:
    """A term applies only when the whole text equals it. A target without a dictionary
    is a 400 on translate; getting or deleting a deleted glossary is a 404
    (`GlossaryNotFoundException`)."""
    client = _client(deepl_mock)
    info = client.create_multilingual_glossary(
        "grenzenlos test",
        [
            MultilingualGlossaryDictionaryEntries("EN", "DE", {"Hoodie": "Kapuzenpulli"}),
            MultilingualGlossaryDictionaryEntries("EN", "FR", {"Hoodie": "Sweat à capuche"}),
        ],
    )
    dictionaries = {(d.source_lang, d.target_lang, d.entry_count) for d in info.dictionaries}
    assert dictionaries == {("EN", "DE", 1), ("EN", "FR", 1)}  # the client upper-cases
    assert client.get_multilingual_glossary(info.glossary_id).glossary_id == info.glossary_id

    results = _each(
        client.translate_text(
            ["Hoodie", "Blue Hoodie"], source_lang="EN", target_lang="DE", glossary=info.glossary_id
        )
    )
    assert [r.text for r in results] == ["Kapuzenpulli", "Protonenstrahl"]
    with pytest.raises(deepl.DeepLException) as no_dictionary:
        client.translate_text(
            "Hoodie", source_lang="EN", target_lang="IT", glossary=info.glossary_id
        )
    assert no_dictionary.value.http_status_code == 400
    assert "Glossary dictionary not found" in str(no_dictionary.value)

    client.delete_multilingual_glossary(info.glossary_id)
    for call in (client.get_multilingual_glossary, client.delete_multilingual_glossary):
        with pytest.raises(deepl.GlossaryNotFoundException) as gone:
            call(info.glossary_id)
        assert gone.value.http_status_code == 404


def test_translating_with_an_unknown_glossary_is_a_400_not_a_404(deepl_mock: DeepLMock) -> None:
    """A deleted or never-made glossary id in a translate request is 400 "Glossary not
    found" (a plain `DeepLException`), not 404 / `GlossaryNotFoundException`: a "recreate
    the glossary on 404" branch never fires against the mock. An id that is not a UUID is
    400 too."""
    client = _client(deepl_mock)
    info = client.create_multilingual_glossary(
        "deleted", [MultilingualGlossaryDictionaryEntries("EN", "DE", {"a": "b"})]
    )
    client.delete_multilingual_glossary(info.glossary_id)
    for glossary_id in (info.glossary_id, str(uuid.uuid4())):
        with pytest.raises(deepl.DeepLException) as refused:
            client.translate_text("a", source_lang="EN", target_lang="DE", glossary=glossary_id)
        assert type(refused.value) is deepl.DeepLException
        assert refused.value.http_status_code == 400
        assert "Glossary not found" in str(refused.value)
    with pytest.raises(deepl.DeepLException) as malformed:
        client.translate_text("a", source_lang="EN", target_lang="DE", glossary="not-a-uuid")
    assert malformed.value.http_status_code == 400
    assert "Value for 'glossary_id' not supported" in str(malformed.value)


def test_a_429_is_retried_after_about_one_second_then_succeeds(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's first retry waits until 1 s after the first attempt (then x1.6)."""
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 1)
    client = _client(deepl_mock, respond_429_count=1)
    started = time.monotonic()
    assert _one(client.translate_text("Hello", target_lang="DE")).text == "Protonenstrahl"
    assert 0.8 < time.monotonic() - started < 3


def test_429_beyond_the_retries_raises_too_many_requests(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 1)
    client = _client(deepl_mock, respond_429_count=2)
    with pytest.raises(deepl.TooManyRequestsException) as refused:
        client.translate_text("Hello", target_lang="DE")
    assert refused.value.http_status_code == 429


@pytest.mark.parametrize(
    ("status", "message"),
    [(503, "Service unavailable"), (500, "Unexpected status code: 500")],
)
def test_5xx_beyond_the_retries_raises_a_plain_deepl_exception(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch, status: int, message: str
) -> None:
    """Every 5xx is retried; what is left is a `DeepLException` (no subclass) with the
    status. The mock's 5xx fault hits every endpoint, not only /v2/translate."""
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 1)
    client = _client(deepl_mock, respond_5xx_count=2, respond_5xx_status=status)
    with pytest.raises(deepl.DeepLException) as failed:
        client.translate_text("Hello", target_lang="DE")
    assert type(failed.value) is deepl.DeepLException
    assert failed.value.http_status_code == status
    assert message in str(failed.value)


def test_no_answer_times_out_after_the_backoff_interval_not_the_shorter_timeout(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attempt waits max(time to the next backoff deadline, ``min_connection_timeout``):
    at least ~1 s for the first one even with 0.3 s configured. Then `ConnectionException`
    (no HTTP status)."""
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 0)
    monkeypatch.setattr(deepl.http_client, "min_connection_timeout", 0.3)
    client = _client(deepl_mock, no_response_count=1)
    started = time.monotonic()
    with pytest.raises(deepl.ConnectionException) as failed:
        client.translate_text("Hello", target_lang="DE")
    assert 0.8 < time.monotonic() - started < 2
    assert failed.value.http_status_code is None
    assert "timed out" in str(failed.value)


def test_no_answer_once_then_the_retry_succeeds(
    deepl_mock: DeepLMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 1)
    monkeypatch.setattr(deepl.http_client, "min_connection_timeout", 0.3)
    client = _client(deepl_mock, no_response_count=1)
    assert _one(client.translate_text("Hello", target_lang="DE")).text == "Protonenstrahl"


def test_character_limit_refuses_a_whole_request_with_456_smaller_ones_still_pass(
    deepl_mock: DeepLMock,
) -> None:
    """The limit is set when the mock first sees the key, from that request's session."""
    client = _client(deepl_mock, init_character_limit=10)
    client.translate_text("12345678", target_lang="DE")
    with pytest.raises(deepl.QuotaExceededException) as refused:
        client.translate_text("123", target_lang="DE")
    assert refused.value.http_status_code == 456
    client.translate_text("12", target_lang="DE")
    usage = client.get_usage().character
    assert (usage.count, usage.limit) == (10, 10)


def test_the_key_invalid_is_refused_with_403(deepl_mock: DeepLMock) -> None:
    client = deepl.DeepLClient("invalid", server_url=deepl_mock.url, send_platform_info=False)
    for call in (lambda: client.translate_text("Hello", target_lang="DE"), client.get_usage):
        with pytest.raises(deepl.AuthorizationException) as refused:
            call()
        assert refused.value.http_status_code == 403


def test_a_json_body_over_100_kib_is_a_413_although_deepl_allows_128_kib(
    deepl_mock: DeepLMock,
) -> None:
    """The mock's limit is below `Translation.max_request_bytes` (120 KiB by default):
    a full-size batch passes DeepL but gets 413 from the mock. 413 is not retried."""
    client = _client(deepl_mock)

    def body_bytes(text: str) -> int:  # what the client sends for one text
        body = {"text": [text], "target_lang": "DE", "show_billed_characters": True}
        return len(json.dumps(body).encode())

    fits = "a" * (MOCK_BODY_LIMIT - body_bytes(""))
    assert body_bytes(fits) == MOCK_BODY_LIMIT
    assert _one(client.translate_text(fits, target_lang="DE")).text == "Protonenstrahl"
    with pytest.raises(deepl.DeepLException) as refused:
        client.translate_text(fits + "a", target_lang="DE")
    assert refused.value.http_status_code == 413
    assert refused.value.should_retry is False


def test_the_mock_does_not_enforce_50_texts_per_request(deepl_mock: DeepLMock) -> None:
    """DeepL allows 50 texts per request; the mock takes more, so `plan_batches` must cap."""
    results = _each(_client(deepl_mock).translate_text(["Hello"] * 51, target_lang="DE"))
    assert len(results) == 51
