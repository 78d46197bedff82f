"""TMX 1.4 and XLIFF 1.2: what translators send us and what we send them."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from tests.conftest import CASES, SAMPLE_CATALOG
from transforms.translation.exchange import (
    ExchangeError,
    HumanTranslation,
    ReviewUnit,
    read_tmx,
    read_xliff,
    write_tmx,
    write_xliff,
)

if TYPE_CHECKING:
    from pathlib import Path

CASE = CASES / "translation"


def test_tmx_inline_markup_comes_back_as_the_native_code() -> None:
    with (CASE / "inline_markup.tmx").open("rb") as stream:
        pairs = list(read_tmx(stream))
    assert pairs == [
        HumanTranslation("en_US", "<b>Stainless steel</b> bottle, 750 ml", "pl_PL",
                         "<b>Butelka</b> ze stali nierdzewnej, 750 ml"),
        HumanTranslation("en_US", "<b>Stainless steel</b> bottle, 750 ml", "fr_FR",
                         "Gourde en <b>acier</b>, 750 ml"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_srclang.tmx", "the header needs a srclang"),
        ("tu_without_source.tmx", "<tu> lost-source has no en-US segment"),
    ],
)
def test_bad_tmx_is_named(case: str, message: str) -> None:
    with (CASE / case).open("rb") as stream, pytest.raises(ExchangeError, match=message):
        list(read_tmx(stream, case))


def test_tmx_round_trip_keeps_html_and_xml_illegal_characters_out() -> None:
    buffer = io.BytesIO()
    write_tmx(
        buffer, "en_US", [("1", "<p>Bottle & cap\x07</p>", {"de_DE": "<p>Flasche & Deckel</p>"})]
    )
    pairs = list(read_tmx(io.BytesIO(buffer.getvalue())))
    assert pairs == [
        HumanTranslation("en_US", "<p>Bottle & cap</p>", "de_DE", "<p>Flasche & Deckel</p>")
    ]


def test_the_sample_tmx_covers_the_sample_catalog() -> None:
    with (SAMPLE_CATALOG / "translations.tmx").open("rb") as stream:
        pairs = list(read_tmx(stream))
    catalog = (SAMPLE_CATALOG / "products.csv").read_text(encoding="utf-8")
    assert {p.target_locale for p in pairs} == {
        "de_DE",
        "fr_FR",
        "pl_PL",
        "zh_CN",
        "it_IT",
        "es_ES",
        "nl_NL",
        "sv_SE",
    }
    assert len(pairs) > 150
    # Every source segment is a text of the catalog (HTML and bullet points as exported).
    assert all(p.source_text in catalog for p in pairs)


def test_xliff_reads_approved_units_only() -> None:
    with (CASE / "reviewed.xlf").open("rb") as stream:
        approved, not_approved = read_xliff(stream)
    assert approved == [
        HumanTranslation("en_US", "Bottle", "de_CH", "Flasche"),
        HumanTranslation("en_US", "<p>Lid</p>", "de_CH", "<p>Deckel</p>"),
    ]
    assert not_approved == 2


def test_xliff_2_is_refused_with_its_name() -> None:
    with (
        (CASE / "xliff_2_0.xlf").open("rb") as stream,
        pytest.raises(ExchangeError, match="xliff_2_0.xlf: not an XLIFF 1.2 document"),
    ):
        read_xliff(stream, "xliff_2_0.xlf")


def test_review_xliff_validates_against_the_structure_cat_tools_expect(tmp_path: Path) -> None:
    from lxml import etree

    path = tmp_path / "review.xlf"
    with path.open("wb") as stream:
        count = write_xliff(stream, "en_US", "pl_PL", [
            ReviewUnit("k1", "<p>Bottle</p>", "<p>Butelka</p>", "new DeepL translation; used by A"),
            ReviewUnit("k2", "Lid", None, "pending: quota; used by B"),
        ])  # fmt: skip
    assert count == 2
    root = etree.parse(str(path)).getroot()
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    file = root.find("x:file", ns)
    assert file is not None
    assert (file.get("source-language"), file.get("target-language")) == ("en-US", "pl-PL")
    states = [t.get("state") for t in root.iterfind(".//x:target", ns)]
    assert states == ["needs-review-translation", "new"]
    assert all(el.prefix is None for el in root.iter())  # one default namespace, no ns0:
    # Nothing is approved yet: reading our own file back imports nothing.
    with path.open("rb") as stream:
        assert read_xliff(stream) == ([], 2)
