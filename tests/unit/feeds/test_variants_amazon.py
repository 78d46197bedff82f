"""Amazon variation families: one parent per product group, its variants as children.

The golden file ``tests/cases/feeds/variants/amazon.json`` is the sample's daypack group
(by volume and colour) and oil group (by volume) for DE; regenerate it with
``GRENZENLOS_UPDATE_GOLDEN=1 pytest tests/unit/feeds/test_variants_amazon.py``.

Every message is checked against our schema and against Amazon's PRODUCT definition
(``../shared/reference``). That sample definition has no ``size`` and no ``material``,
though its variation themes name them (SIZE_NAME, MATERIAL_TYPE, "the theme's attributes
must be populated"); the product types that vary so (BACKPACK, GROCERY, SHIRT) define
both as localized text, like ``color``. The check adds the two, shaped like the sample's
``color``, and changes nothing else.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from feeds.amazon.variations import VARIATION_THEMES
from feeds.checks import SCHEMAS, schema_problems, validator_for
from feeds.contract import WriterContext
from pipeline.channels import writer_class
from schemas.product import Money
from tests.unit.feeds.test_amazon_offers import (
    ENVELOPE,
    SAMPLE,
    errors,
    needs_reference,
    sample_schema,
    update_messages,
)
from tests.unit.feeds.test_channels import CATEGORIES, CONFIG, GOLDEN, write
from tests.unit.feeds.variant_groups import DAYPACK, OIL, group_listings

if TYPE_CHECKING:
    from pathlib import Path

    from schemas.config.market import Market
    from schemas.listing import Listing

MARKETPLACE = {"marketplace_id": "A1PA6795UKMFR9"}
OUR_SCHEMA = "amazon_listings_feed"


def variants(market: Market) -> list[Listing]:
    """The sample's groups (`group_listings`) with the bullet point Amazon requires (the
    listings carry none: the other channels take no bullet points)."""
    return [
        replace(item, bullet_points=("Auf Tagestouren erprobt",) if item.group == DAYPACK
                else ("Erste Kaltpressung",))
        for item in group_listings(market)
    ]  # fmt: skip


def context(previous: dict[str, str] | None = None) -> WriterContext:
    return WriterContext(
        channel=CONFIG.channels["amazon"],
        categories=CATEGORIES.for_channel("amazon", "DE"),
        previous=previous,
    )


def by_sku(data: bytes) -> dict[str, dict[str, Any]]:
    return {m["sku"]: m for m in update_messages(data)}


def variation_schema(market: Market, folder: Path) -> Path:
    """Amazon's PRODUCT definition (`sample_schema`) with ``size`` and ``material``, each
    shaped like its ``color`` (see the module docstring)."""
    path = sample_schema(market, folder)
    sample = json.loads(path.read_text(encoding="utf-8"))
    for name, title in (("size", "Size"), ("material", "Material")):
        if name not in sample["properties"]:
            copied = json.loads(json.dumps(sample["properties"]["color"]))
            copied["title"] = copied["items"]["properties"]["value"]["title"] = title
            sample["properties"][name] = copied
    path.write_text(json.dumps(sample), encoding="utf-8")
    return path


def amazon_problems(validator: Any, message: dict[str, Any]) -> list[str]:
    return [
        f"{message['sku']}: {'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator.iter_errors(message["attributes"])
    ]


@needs_reference
def test_every_theme_the_writer_sends_is_amazons() -> None:
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    themes = sample["properties"]["variation_theme"]["items"]["properties"]["name"]["enum"]
    assert set(VARIATION_THEMES) - set(themes) == set()


def test_our_schema_takes_exactly_the_writers_themes() -> None:
    ours = json.loads((SCHEMAS / f"{OUR_SCHEMA}.schema.json").read_text(encoding="utf-8"))
    theme = ours["definitions"]["attributes"]["properties"]["variation_theme"]
    assert theme["items"]["properties"]["name"]["enum"] == list(VARIATION_THEMES)


@needs_reference
def test_golden_variants(tmp_path: Path) -> None:
    """One parent per group, written before its first variant; each variant names it,
    the theme and its own size and colour; all valid by our rules and Amazon's."""
    market = CONFIG.market("DE")
    data, found = write("amazon", market, variants(market), context())
    assert errors(found) == [[]] * 9
    golden = GOLDEN / "variants" / "amazon.json"
    if os.environ.get("GRENZENLOS_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert data == golden.read_bytes()

    messages = update_messages(data)
    assert [m["sku"] for m in messages] == [
        DAYPACK, *(f"GZ-BAC-{n:04d}" for n in range(13, 19)),
        OIL, "GZ-OIL-0061", "GZ-OIL-0065", "GZ-OIL-0069",
    ]  # fmt: skip
    sent = by_sku(data)
    for group, theme, name in (
        (DAYPACK, "SIZE_NAME/COLOR_NAME", "Bergfink Daypack"),
        (OIL, "SIZE_NAME", "Olivera Natives Olivenöl Extra Koroneiki"),
    ):
        parent = sent[group]
        attributes = parent["attributes"]
        assert parent["requirements"] == "LISTING_PRODUCT_ONLY"
        assert attributes["item_name"][0]["value"] == name
        assert attributes["parentage_level"] == [{"value": "parent", **MARKETPLACE}]
        assert attributes["child_parent_sku_relationship"] == [
            {"child_relationship_type": "variation", **MARKETPLACE}
        ]
        assert attributes["variation_theme"] == [{"name": theme}]
        assert attributes["skip_offer"] == [{"value": True, **MARKETPLACE}]
        for offer in ("purchasable_offer", "condition_type", "list_price"):
            assert offer not in attributes
        assert "externally_assigned_product_identifier" not in attributes
    values = {
        sku: (
            m["attributes"]["child_parent_sku_relationship"][0]["parent_sku"],
            m["attributes"]["variation_theme"][0]["name"],
            m["attributes"]["size"][0]["value"],
            m["attributes"]["color"][0]["value"],
        )
        for sku, m in sent.items()
        if sku not in (DAYPACK, OIL)
    }
    assert values == {
        "GZ-BAC-0013": (DAYPACK, "SIZE_NAME/COLOR_NAME", "18 l", "black"),
        "GZ-BAC-0014": (DAYPACK, "SIZE_NAME/COLOR_NAME", "18 l", "red"),
        "GZ-BAC-0015": (DAYPACK, "SIZE_NAME/COLOR_NAME", "24 l", "black"),
        "GZ-BAC-0016": (DAYPACK, "SIZE_NAME/COLOR_NAME", "24 l", "red"),
        "GZ-BAC-0017": (DAYPACK, "SIZE_NAME/COLOR_NAME", "30 l", "black"),
        "GZ-BAC-0018": (DAYPACK, "SIZE_NAME/COLOR_NAME", "30 l", "red"),
        "GZ-OIL-0061": (OIL, "SIZE_NAME", "250 ml", "n/a"),
        "GZ-OIL-0065": (OIL, "SIZE_NAME", "500 ml", "n/a"),
        "GZ-OIL-0069": (OIL, "SIZE_NAME", "1.000 ml", "n/a"),
    }
    assert all(sent[sku]["attributes"]["parentage_level"][0]["value"] == "child" for sku in values)

    document = json.loads(data, parse_float=Decimal)
    envelope = validator_for(ENVELOPE)
    assert [e.message for e in envelope.iter_errors(document)] == []
    assert schema_problems(OUR_SCHEMA, document) == []
    product = validator_for(variation_schema(market, tmp_path))
    required = set(json.loads(SAMPLE.read_text(encoding="utf-8"))["required"])
    for message in messages:
        assert required - set(message["attributes"]) == set(), message["sku"]
        assert amazon_problems(product, message) == []
    path = tmp_path / "amazon-0001.json"
    path.write_bytes(data)
    assert writer_class("amazon").check_file(path) == []


@needs_reference
def test_the_checks_see_a_parent_with_an_offer_and_a_child_without_its_parent(
    tmp_path: Path,
) -> None:
    """The test above would catch a writer that sent a parent as an offer, or a variant
    that does not say whose it is."""
    market = CONFIG.market("DE")
    data, _ = write("amazon", market, variants(market)[6:7], context())
    parent, child = update_messages(data)
    del parent["attributes"]["skip_offer"]
    product = validator_for(variation_schema(market, tmp_path))
    assert any("condition_type" in p for p in amazon_problems(product, parent))
    assert schema_problems(OUR_SCHEMA, {**parent, "messageId": 1}, "message")
    del child["attributes"]["child_parent_sku_relationship"][0]["parent_sku"]
    assert any("parent_sku" in p for p in amazon_problems(product, child))
    assert schema_problems(OUR_SCHEMA, {**child, "messageId": 2}, "message")


@pytest.mark.parametrize("varies_by", [("pattern",), ("volume", "size"), ("color", "voltage")])
def test_a_group_amazon_has_no_theme_for_goes_out_as_products_of_their_own(
    varies_by: tuple[str, ...],
) -> None:
    market = CONFIG.market("DE")
    oils = [replace(item, varies_by=varies_by) for item in variants(market)[6:]]
    data, found = write("amazon", market, oils, context())
    assert errors(found) == [[], [], []]
    messages = update_messages(data)
    assert [m["sku"] for m in messages] == ["GZ-OIL-0061", "GZ-OIL-0065", "GZ-OIL-0069"]
    for message in messages:
        for attribute in ("parentage_level", "child_parent_sku_relationship", "variation_theme"):
            assert attribute not in message["attributes"]
    for item in found:
        [warning] = [f for f in item if f.rule == "no_variation_theme"]
        assert warning.severity == "warning"
        assert all(name in warning.message for name in varies_by)


def test_a_variant_without_its_value_of_the_theme_is_left_out() -> None:
    market = CONFIG.market("DE")
    packs = variants(market)[:2]
    packs[1] = replace(packs[1], attributes={"material": "recycled polyester"})
    data, found = write("amazon", market, packs, context())
    assert errors(found) == [[], ["missing_variation_value"]]
    assert [m["sku"] for m in update_messages(data)] == [DAYPACK, "GZ-BAC-0013"]


def test_a_delta_run_sends_the_parent_with_a_changed_variant_and_keeps_it_listed() -> None:
    market = CONFIG.market("DE")
    first = context()
    write("amazon", market, variants(market), first)
    assert {DAYPACK, OIL} <= set(first.hashes)
    hashes = dict(first.hashes)

    nothing = context(previous=hashes)
    data, _ = write("amazon", market, variants(market), nothing)
    assert update_messages(data) == []
    assert dict(nothing.hashes) == hashes  # the parents stay listed: no deletion for them

    changed = variants(market)
    changed[8] = replace(changed[8], price=Money(Decimal("27.90"), "EUR"))  # the 1 l oil
    delta = context(previous=hashes)
    data, _ = write("amazon", market, changed, delta)
    assert [m["sku"] for m in update_messages(data)] == [OIL, "GZ-OIL-0069"]
    assert set(delta.hashes) == set(hashes)
    assert delta.hashes[OIL] == hashes[OIL]


def test_each_file_carries_the_parent_of_its_variants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group split across files has its parent in each, before its first variant there."""
    from contextlib import ExitStack

    from feeds.amazon.writer import AmazonListingsFeed
    from feeds.contract import FeedSpec
    from feeds.scratch import ScratchStore
    from pipeline.channel_files import ChannelFiles

    spec = AmazonListingsFeed.spec
    small = FeedSpec(spec.name, spec.extension, spec.media_type, spec.description, 4, True)
    monkeypatch.setattr(AmazonListingsFeed, "spec", small)
    market = CONFIG.market("DE")
    with ExitStack() as stack:
        store = stack.enter_context(ScratchStore())
        files = ChannelFiles(AmazonListingsFeed, market, tmp_path, stack, context(), store,
                              previous_state=None, delta=False)  # fmt: skip
        for item in variants(market):
            files.write(item)
        files.finish(9, {})
    skus = [
        [m["sku"] for m in json.loads((tmp_path / f"amazon-{n:04d}.json").read_text())["messages"]]
        for n in range(1, len(files.parts) + 1)
    ]
    assert skus == [
        [DAYPACK, "GZ-BAC-0013", "GZ-BAC-0014", "GZ-BAC-0015"],
        [DAYPACK, "GZ-BAC-0016", "GZ-BAC-0017", "GZ-BAC-0018"],
        [OIL, "GZ-OIL-0061", "GZ-OIL-0065", "GZ-OIL-0069"],
    ]  # fmt: skip
    assert all(p["valid"] and p["items"] <= 5 for p in files.parts)


def test_a_used_or_refurbished_product_is_offered_in_that_condition() -> None:
    from dataclasses import replace as changed

    from tests.unit.feeds.test_channels import listing, market_for, write

    market = market_for("amazon")
    items = [
        changed(listing(market), condition="new"),
        changed(listing(market, sku="GZ-BOT-0002", gtin="4260990000022"), condition="used"),
        changed(listing(market, sku="GZ-BOT-0003", gtin="4260990000039"), condition="refurbished"),
    ]
    data, _ = write("amazon", market, items)
    conditions = {
        m["sku"]: m["attributes"]["condition_type"][0]["value"]
        for m in json.loads(data)["messages"]
    }
    assert conditions == {
        "GZ-BOT-0001": "new_new",
        "GZ-BOT-0002": "used_good",
        "GZ-BOT-0003": "refurbished_refurbished",
    }
