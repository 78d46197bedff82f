"""A mobile-first JSON feed for a Chinese storefront (market CN: zh_CN, CNY, ZH-HANS texts).

Made for small screens: image links come first in every item, the title is
composed by the channel's title rule and shortened to its ``title_length`` (30
characters by default; `feeds.titles`: the brand goes first, a number keeps its
unit, Chinese has no spaces, so a cut in a Chinese name is hard), at most
``max_selling_points`` (5) selling points, and the price as a string in the
market's currency. The layout is the project's own, checked against
``schemas/feeds/mobile_cn.schema.json``; a real Chinese channel (Tmall, JD) would
be one more writer behind the same contract.

Sales: ``price`` is what the buyer pays tonight, a running sale's price
(`feeds.sales.selling_price`), from the night the sale starts to the night after it ends.
The layout (the project's own schema) has no strike price, and no storefront reads this
feed to show one, so nothing of the sale's reference is sent; a real channel's writer
would add its own field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from feeds.checks import json_file_problems
from feeds.contract import FeedSpec, FeedWriter
from feeds.jsonfeed import dumps
from feeds.sales import selling_price
from feeds.text import cut_at_word
from schemas.categories import first_mapped
from schemas.config.channels.mobile_cn import MobileStorefrontChannel

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from schemas.findings import Finding
    from schemas.listing import Listing

SCHEMA = "mobile_cn"
TITLE_LENGTH = 30
SELLING_POINT_LIMIT = 40


class MobileStorefrontFeed(FeedWriter):
    """Writes one market's mobile storefront JSON."""

    spec = FeedSpec(
        name="mobile_cn",
        extension="json",
        media_type="application/json",
        description="Mobile-first storefront feed (JSON): images first, short titles",
    )

    def write_header(self) -> None:
        head = {
            "market": self.market.code,
            "locale": self.market.locale,
            "currency": self.market.currency,
        }
        self.stream.write(dumps(head)[:-1].encode() + b',"items":[')

    def write_footer(self) -> None:
        self.stream.write(b"\n]}\n")

    def write_item(self, listing: Listing) -> list[Finding]:
        findings: list[Finding] = []
        channel = self.settings_as(MobileStorefrontChannel)
        limit = (channel.title_length if channel else None) or TITLE_LENGTH
        most = channel.max_selling_points if channel else 5
        full_title = self.plain(listing, findings, "title", listing.title)
        title = self.title(listing, findings, "title", limit)
        if not title:
            findings.append(
                self.finding(
                    listing, "error", "title", "empty_title", "title is empty after cleaning"
                )
            )
        if not listing.image_links:
            findings.append(
                self.finding(
                    listing,
                    "error",
                    "images",
                    "missing_image_link",
                    "a mobile storefront item needs an image",
                )
            )
        if any(f.severity == "error" for f in findings):
            return findings
        points = [
            cut_at_word(self.plain(listing, findings, "selling_points", p), SELLING_POINT_LIMIT)
            for p in listing.bullet_points
        ]
        points = [p for p in points if p]
        if len(points) > most:
            findings.append(
                self.finding(
                    listing,
                    "warning",
                    "selling_points",
                    "too_many_selling_points",
                    f"{len(points)} selling points, the first {most} are kept",
                )
            )
        price = selling_price(listing, self.context.run_at)
        item: dict[str, Any] = {
            "images": list(listing.image_links),
            "id": listing.sku,
            "title": title,
            "full_title": full_title,
            "price": str(price.amount),
            "selling_points": points[:most],
            "link": listing.link,
        }
        category = first_mapped(listing.categories, dict(self.context.categories))
        if category:
            item["category"] = category
        if self.breaks_schema(
            listing, findings, SCHEMA, item, definition="item", what="item", whose="the feed's"
        ):
            return findings
        self.items_written += 1
        separator = "\n" if self.items_written == 1 else ",\n"
        self.stream.write((separator + dumps(item)).encode())
        return findings

    @classmethod
    def check_file(cls, path: Path, known_good: Collection[str] | None = None) -> list[str]:
        return json_file_problems(path, SCHEMA, items="item")
