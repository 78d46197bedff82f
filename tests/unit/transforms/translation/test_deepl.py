"""Request planning for DeepL: at most 50 texts and under the body limit per request."""

from __future__ import annotations

import json

from transforms.translation.deepl import plan_batches


def test_requests_stay_under_the_byte_limit_and_oversized_texts_are_named() -> None:
    # ~54 KB of JSON each: requests sends JSON with non-ASCII escaped, ä as \u00e4.
    texts = [f"<p>{'ä' * 9000} {n}</p>" for n in range(30)]
    huge = "<p>" + "x" * 200_000 + "</p>"
    batches, too_big = plan_batches(
        [*texts, huge],
        target="DE",
        formality="more",
        tag_handling="html",
        context="c" * 1000,
        max_texts=50,
        max_bytes=128 * 1024,
    )
    assert too_big == [huge]
    assert [t for b in batches for t in b.texts] == texts  # order kept, nothing lost
    for batch in batches:
        body = {"text": batch.texts, "target_lang": "DE", "formality": "more",
                "tag_handling": "html", "context": "c" * 1000, "source_lang": "EN",
                "show_billed_characters": True}  # fmt: skip
        assert len(json.dumps(body).encode()) < 128 * 1024
    assert len(batches) == 15  # two to a request


def test_characters_are_code_points_whitespace_included() -> None:
    [batch], _ = plan_batches(["Größe 42 ", "日本"], target="JA", formality="", tag_handling="",
                              context=None, max_texts=50, max_bytes=131072)  # fmt: skip
    assert batch.characters == 11
