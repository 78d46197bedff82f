"""The glossary file and the per-segment glossary version."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT
from transforms.translation.glossary import Glossary, GlossaryError, load_glossary

if TYPE_CHECKING:
    from pathlib import Path

GLOSSARY = Glossary("EN", ("Nordquell",), {"DE": {"stainless steel": "Edelstahl", "lid": "Deckel"}})


def test_entries_per_language_include_the_names_to_keep() -> None:
    assert GLOSSARY.entries("DE") == {
        "Nordquell": "Nordquell",
        "stainless steel": "Edelstahl",
        "lid": "Deckel",
    }
    assert GLOSSARY.entries("EN-GB") == {}  # no glossary into the source language
    assert GLOSSARY.entries("PL") == {"Nordquell": "Nordquell"}


def test_a_segment_version_changes_only_with_the_entries_it_uses() -> None:
    steel = "A stainless steel bottle"
    plain = "A glass bottle"
    assert GLOSSARY.version_for(plain, "DE") == ""
    assert GLOSSARY.applicable("A Stainless Steel Lid", "DE") == {
        "stainless steel": "Edelstahl",
        "lid": "Deckel",
    }
    assert GLOSSARY.applicable("Lidl and solid", "DE") == {}  # whole words only
    changed = Glossary(
        "EN", ("Nordquell",), {"DE": {"stainless steel": "Edelstahl", "lid": "Verschluss"}}
    )
    assert changed.version_for(steel, "DE") == GLOSSARY.version_for(steel, "DE") != ""
    assert changed.version_for("With lid", "DE") != GLOSSARY.version_for("With lid", "DE")
    assert changed.content_hash(["DE"]) != GLOSSARY.content_hash(["DE"])
    assert GLOSSARY.content_hash(["PL"]) == changed.content_hash(["PL"])


def test_the_project_glossary_loads() -> None:
    glossary = load_glossary(ROOT / "config" / "glossary.toml", "en")
    assert glossary.source_lang == "EN"
    assert glossary.entries("DE")["stainless steel"] == "Edelstahl"
    assert glossary.entries("FR")["Nordquell"] == "Nordquell"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("keep = 'Nordquell'", "'keep' must be a list"),
        ('[terms.DE]\n"lid" = ""', r"\[terms.DE\] 'lid': both terms must be non-empty"),
        ('[terms.DE]\n"lid" = "De\\tckel"', "cannot hold tabs"),
        ('keep = ["Lid"]\n[terms.DE]\n"lid" = "Deckel"', "'lid' is also in 'keep'"),
        ("keep = [", "cannot read the glossary"),
    ],
)
def test_bad_glossaries_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GlossaryError, match=message):
        load_glossary(path, "EN")
