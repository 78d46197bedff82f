"""A channel in one place: a toy channel with its own writer, settings model, delivery
settings and sender, added through registration only, goes through config loading, the
market's feed build, publishing, the delivery plan and its sender; no module of the
project changes for it. The built-in channels are registered the same way."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pytest

from feeds.contract import FeedSpec, FeedWriter
from pipeline import channels as channel_registry
from pipeline.build import build_market_feeds
from pipeline.channels import BUILT_IN, ChannelRegistration, register, registration
from pipeline.deliver import deliver_feed, plan_deliveries
from pipeline.delivery.outcome import DeliveryOutcome
from pipeline.delivery.senders import Shipment, choose_sender
from pipeline.extract import read_catalog, stage_catalog
from pipeline.layout import SNAPSHOT
from pipeline.publish import publish_market
from schemas.config import channel as settings_registry
from schemas.config import delivery as delivery_registry
from schemas.config.channel import Channel, channel_model
from schemas.config.delivery import Delivery, register_delivery
from schemas.config.loader import load_config
from schemas.product import Product
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from pipeline.deliver import Send
    from pipeline.delivery.senders import Connections
    from schemas.findings import Finding
    from schemas.listing import Listing


class ToyChannel(Channel):
    """``[channels.toy]``: a setting only the toy channel has."""

    greeting: str = "hello"
    """Written into every line."""


class ToyDrop(Delivery):
    """Copies the file into a folder."""

    default_connection: ClassVar[str] = "toy_drop"

    method: Literal["toy_drop"] = "toy_drop"
    folder: str
    """Where the file goes."""


class ToyFeed(FeedWriter):
    """One JSON line per listing: sku, title, price and the channel's greeting."""

    spec = FeedSpec(
        name="toy",
        extension="jsonl",
        media_type="application/x-ndjson",
        description="A toy channel's JSON Lines",
    )

    def write_header(self) -> None:
        settings = self.settings_as(ToyChannel)
        self.greeting = settings.greeting if settings else "hello"

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        title = self.title(listing, findings, "title", 60)
        if not self.require(listing, findings, (title, "title", "empty_title", "no title")):
            return findings
        line = {
            "sku": listing.sku,
            "title": title,
            "price": str(listing.price.amount),
            "greeting": self.greeting,
        }
        self.stream.write(json.dumps(line).encode() + b"\n")
        self.items_written += 1
        return findings

    def write_footer(self) -> None:
        pass


def toy_sender(shipment: Shipment, connections: Connections) -> Send:
    """Copies the file into the delivery's folder."""
    delivery = shipment.channel.delivery
    assert isinstance(delivery, ToyDrop)

    def send(path: Any, progress: Any, checkpoint: Callable[[dict[str, Any]], None]) -> Any:
        target = f"{delivery.folder}/{shipment.feed['file']}"
        shutil.copyfile(path, target)
        return DeliveryOutcome(
            verdict="uploaded",
            detail=f"copied to {target}",
            reference=target,
            sent=shipment.feed["items"],
            accepted=shipment.feed["items"],
        )

    return send


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> ChannelRegistration:
    """The toy channel registered (its delivery method too), for this test only."""
    monkeypatch.setattr(channel_registry, "_REGISTERED", dict(channel_registry._REGISTERED))
    monkeypatch.setattr(settings_registry, "_MODELS", dict(settings_registry._registry()))
    monkeypatch.setattr(delivery_registry, "_METHODS", dict(delivery_registry._METHODS))
    register_delivery("toy_drop")(ToyDrop)
    return register(ChannelRegistration("toy", ToyFeed, ToyChannel, {"toy_drop": toy_sender}))


def _config_with_toy(tmp_path: Path, drop: Path) -> Path:
    """The checked-in config, Germany publishing to the toy channel only, beside links to
    the files it names."""
    (tmp_path / "config").mkdir()
    for name in (ROOT / "config").iterdir():
        if name.name != "markets.toml":
            (tmp_path / "config" / name.name).symlink_to(name)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    text = (ROOT / "config" / "markets.toml").read_text(encoding="utf-8")
    german = 'channels = ["google", "amazon", "ebay", "idealo", "kaufland"]'
    assert text.count(german) == 1
    text = text.replace(german, 'channels = ["toy"]')
    text += (
        '\n[channels.toy]\nrequired = ["title", "price"]\ngreeting = "moin"\n'
        f'delivery = {{ method = "toy_drop", folder = "{drop}" }}\n'
    )
    path = tmp_path / "config" / "markets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toy_channel_needs_only_its_registration(
    toy: ChannelRegistration, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    config = load_config(_config_with_toy(tmp_path, drop), env={})
    settings = config.channels["toy"]
    assert isinstance(settings, ToyChannel)
    assert settings.greeting == "moin"
    assert isinstance(settings.delivery, ToyDrop)

    market = config.market("DE")
    products = [p for p in read_catalog(config.catalog) if isinstance(p, Product)]
    work = tmp_path / "staging"
    stage_catalog(products, work)
    built = build_market_feeds(
        work / SNAPSHOT,
        market,
        work / "DE",
        pricing=config.pricing,
        rates=None,
        requirements={c: config.requirements(market, c) for c in market.channels},
        channel_settings=config.channels,
        mode="full",
    )
    listed = built["channels"]["toy"]["listed"]
    assert listed > 50
    output = tmp_path / "output"
    publish_market(built, output, run_id="2026-12-07")
    lines = (output / "DE" / "toy.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == listed
    assert {json.loads(line)["greeting"] for line in lines} == {"moin"}

    [feed] = plan_deliveries(config, output, markets=["DE"])
    assert (feed["channel"], feed["file"], feed["items"]) == ("toy", "toy.jsonl", listed)
    shipment = Shipment(market, settings, feed)
    send = choose_sender(registration("toy"), shipment, connections=None)  # type: ignore[arg-type]
    result = deliver_feed(feed, output, send, type(output))
    assert (result["status"], result["verdict"]) == ("delivered", "uploaded")
    assert (drop / "toy.jsonl").read_bytes() == (output / "DE" / "toy.jsonl").read_bytes()


def test_an_unregistered_channel_is_unknown_everywhere() -> None:
    with pytest.raises(KeyError, match="no channel named 'toy'"):
        registration("toy")
    with pytest.raises(KeyError, match="no channel named 'toy' is registered"):
        channel_model("toy")


def test_each_built_in_channel_is_configured_by_the_model_it_registers() -> None:
    for name, built_in in BUILT_IN.items():
        assert channel_model(name) is built_in.settings, name
        assert built_in.writer_class().spec.name == name
