"""The build's scratch store (`feeds.scratch`): dict and set behaviour off the heap."""

from __future__ import annotations

import json
import tempfile
from hashlib import blake2b
from typing import TYPE_CHECKING

import pytest

from feeds.scratch import ScratchStore

if TYPE_CHECKING:
    from pathlib import Path

SKUS = ["b", "A", "a", "Z-9", "ä", "\u00ff", "\uffff", "😀", "10", "9", "", '"q"', "a b"]
"""Skus whose order tells code point order (Python's, ``sort_keys``) from others."""


@pytest.mark.parametrize("buffer", [1, 3, 1000])
def test_a_mapping_reads_its_writes_whether_buffered_or_in_the_file(
    tmp_path: Path, buffer: int
) -> None:
    with ScratchStore(tmp_path, buffer=buffer) as store:
        hashes, other = store.mapping("hashes"), store.mapping("other")
        expected: dict[str, str] = {}
        for n, sku in enumerate(SKUS):
            hashes[sku] = expected[sku] = f"h{n}"
            other[sku] = "x"
        hashes["a"] = expected["a"] = "changed"  # written again: the last value counts
        del hashes["b"], expected["b"]
        assert "b" not in hashes and hashes.get("b") is None and hashes.get("b", "-") == "-"
        with pytest.raises(KeyError):
            del hashes["b"]
        assert all(hashes[sku] == value for sku, value in expected.items())
        assert len(hashes) == len(expected) and bool(hashes) and not store.mapping("empty")
        assert list(hashes.items()) == sorted(expected.items())  # code point order
        assert list(hashes) == sorted(expected)
        assert list(other.keys_not_in(hashes)) == ["b"]
        assert list(other.keys_not_in(other)) == []


def test_a_walk_pages_through_many_keys_while_the_caller_writes(tmp_path: Path) -> None:
    with ScratchStore(tmp_path, buffer=100) as store:
        previous, hashes = store.mapping("previous"), store.mapping("hashes")
        previous.load((f"S-{n:05d}", "h") for n in range(5_001))
        seen = []
        for sku in previous.keys_not_in(hashes):
            seen.append(sku)
            hashes[f"{sku}-new"] = "h"  # written meanwhile: the walk goes on
        assert seen == [f"S-{n:05d}" for n in range(5_001)]
        assert len(hashes) == 5_001


def test_a_set_holds_members_once(tmp_path: Path) -> None:
    with ScratchStore(tmp_path, buffer=2) as store:
        checked = store.set("checked")
        assert not checked
        for member in ("h1", "h2", "h1", "h3"):
            checked.add(member)
        checked.discard("h2")
        checked.discard("never")
        assert "h1" in checked and "h2" not in checked and "h4" not in checked
        assert len(checked) == 2 and sorted(checked) == ["h1", "h3"]


@pytest.mark.parametrize("buffer", [1, 1000])
def test_a_digest_table_answers_absent_keys_and_finds_present_ones(
    tmp_path: Path, buffer: int
) -> None:
    digests = [blake2b(str(n).encode(), digest_size=16).digest() for n in range(3_000)]
    with ScratchStore(tmp_path, buffer=buffer) as store:
        titles = store.digest_mapping("titles")
        for n, digest in enumerate(digests[:2_000]):
            titles[digest] = f"S-{n}"
        del titles[digests[5]]  # its filter bits stay set: the file answers
        assert digests[5] not in titles
        assert all(titles[d] == f"S-{n}" for n, d in enumerate(digests[:2_000]) if n != 5)
        assert not any(d in titles for d in digests[2_000:])


def test_the_file_is_removed_when_the_store_closes_also_on_an_error(tmp_path: Path) -> None:
    with ScratchStore(tmp_path) as store:
        store.mapping("hashes")["A"] = "1"
        assert store.path.parent == tmp_path and store.path.exists()
    assert not store.path.exists()
    opened: list[ScratchStore] = []

    def fail() -> None:
        with ScratchStore(tmp_path) as failing:
            opened.append(failing)
            failing.set("checked").add("h")
            raise RuntimeError("a writer failed")

    with pytest.raises(RuntimeError, match="a writer failed"):
        fail()
    assert not opened[0].path.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_store_goes_to_the_system_temporary_folder_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with ScratchStore() as store:
        assert store.path.parent == tmp_path
        assert store.path.name.startswith("grenzenlos-scratch-")


def test_values_and_keys_keep_their_type(tmp_path: Path) -> None:
    """Text that reads as a number stays text (the table's key has no type affinity)."""
    with ScratchStore(tmp_path) as store:
        hashes = store.mapping("hashes")
        hashes["0012"] = "0001"
        assert list(hashes.items()) == [("0012", "0001")]
        assert json.dumps(dict(hashes.items())) == '{"0012": "0001"}'
