"""Google's settings: the Merchant Center account, and per market the feed label and
content language its products are filed under.

The Merchant API keys a product by ``content_language~feed_label~offer_id``
(``accounts/123/products/de~DE~sku-1``, Merchant API Products v1, ``Product.name``, as
of google-shopping-merchant-products 1.9.0, October 2026), and a data source takes
products of one feed label and one language. Every Google path reads both from here
(`GoogleChannel.feed_target`): the item statuses read back, and the uploads by API.
A country with two languages publishes one market per language (``CH`` in German,
``CH_FR`` in French), both under the feed label ``CH``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, NamedTuple

from pydantic import Field

from schemas.config.base import StrictModel
from schemas.config.channel import Channel, register_channel

if TYPE_CHECKING:
    from collections.abc import Mapping

    from schemas.config.market import Market

FEED_LABEL = re.compile(r"^[A-Z0-9_-]{1,20}$")
"""Google's feed labels: at most 20 characters, ``A-Z``, ``0-9``, hyphen and underscore,
no space (Merchant API Products v1, ``ProductInput.feed_label``;
support.google.com/merchants/answer/14994087; read 2026-12-07)."""

CONTENT_LANGUAGE = re.compile(r"^[a-z]{2}$")
"""Google's content languages: two-letter ISO 639-1 codes (Merchant API Products v1,
``ProductInput.content_language``; read 2026-12-07)."""


class GoogleFeedTarget(StrictModel):
    """Where one market's products are filed in Merchant Center."""

    feed_label: Annotated[str, Field(pattern=FEED_LABEL.pattern)] | None = None
    """The feed label (``CH``, ``CH-FR``); default: the market's country (``DE``).
    Uppercase letters, digits, ``-`` and ``_``, at most 20 (Google's rule)."""
    content_language: Annotated[str, Field(pattern=CONTENT_LANGUAGE.pattern)] | None = None
    """The two-letter language of the feed's texts; default: the language of the
    market's locale (``fr_CH`` -> ``fr``). Google compares it with the texts."""
    data_source: Annotated[str, Field(pattern=r"^accounts/[0-9]+/dataSources/[0-9]+$")] | None = (
        None
    )
    """The Merchant API data source of the market's products
    (``accounts/123/dataSources/456``): required for uploads by API (``delivery = {
    method = "merchant_api" }``), where it must be an API data source of the channel's
    ``merchant_account`` whose feed label and language are the market's."""


class FeedTarget(NamedTuple):
    """The feed label and content language one market's Google products carry."""

    feed_label: str
    content_language: str


# Google takes its taxonomy id, one for every market; its feeds are sent by SFTP, or by
# the Merchant API (`pipeline.channels` has the senders).
@register_channel("google", delivery_methods=["sftp", "merchant_api"])
class GoogleChannel(Channel):
    """``[channels.google]``: Google Merchant Center (`feeds.google`)."""

    merchant_account: Annotated[str, Field(pattern=r"^[0-9]{1,20}$")] | None = None
    """The Merchant Center account id (``accounts/<id>`` in the Merchant API). Without
    it, item statuses are not read back."""
    api_connection: Annotated[str, Field(min_length=1, max_length=200)] = "gmc_api"
    """The Airflow connection the Merchant API is called with: a service account key
    (extra ``service_account_info``, the key's JSON) or an OAuth client (login, password)
    with a refresh token (extra ``refresh_token``)."""
    statuses_wait_minutes: Annotated[float, Field(ge=0, le=24 * 60)] = 0.0
    """After an upload, how long a delivery waits for Google to finish processing
    (no item pending) before it takes the statuses as they are; 0: read them once."""
    markets: dict[str, GoogleFeedTarget] = Field(default_factory=dict)
    """Per market code, its feed label, content language and data source where they
    are not the defaults (``markets = { CH_FR = { feed_label = "CH" } }``)."""

    def feed_target(self, market: Market) -> FeedTarget:
        """The feed label and content language of ``market``'s products.

        >>> from schemas.config.market import Market
        >>> ch_fr = Market(code="CH_FR", country="CH", locale="fr_CH", currency="CHF",
        ...     channels=["google"], product_url="https://x/{sku}")
        >>> GoogleChannel(required=["title"]).feed_target(ch_fr)
        FeedTarget(feed_label='CH', content_language='fr')
        """
        own = self.markets.get(market.code) or GoogleFeedTarget()
        return FeedTarget(
            feed_label=own.feed_label or market.country,
            content_language=own.content_language or market.locale.partition("_")[0],
        )

    def data_source(self, market: Market) -> str | None:
        """The Merchant API data source ``market``'s products are uploaded to, if set."""
        own = self.markets.get(market.code)
        return own.data_source if own is not None else None

    def check_feed_targets(self, markets: Mapping[str, Market]) -> None:
        """Refuse settings for a market the configuration does not have, two Google
        markets filed under the same feed label and language (their products, keyed
        ``language~label~sku``, would replace each other's), and an upload by API
        without the account or a market's data source.

        Raises:
            ValueError: naming the market(s) and what is wrong.
        """
        unknown = sorted(set(self.markets) - set(markets))
        if unknown:
            raise ValueError(
                f"[channels.google] markets names {', '.join(unknown)}, which the "
                "configuration has no [markets] table for"
            )
        seen: dict[FeedTarget, str] = {}
        for market in markets.values():
            if "google" not in market.channels:
                continue
            target = self.feed_target(market)
            if not CONTENT_LANGUAGE.match(target.content_language):
                raise ValueError(
                    f"market {market.code}: Google needs a two-letter content language; "
                    f"set [channels.google] markets.{market.code}.content_language"
                )
            other = seen.get(target)
            if other is not None:
                raise ValueError(
                    f"markets {other} and {market.code} both publish to Google under feed "
                    f"label {target.feed_label!r} in {target.content_language!r}: give one "
                    f"its own feed_label in [channels.google] markets"
                )
            seen[target] = market.code
            if self.delivery is not None and self.delivery.method == "merchant_api":
                self._check_api_upload(market)

    def _check_api_upload(self, market: Market) -> None:
        if self.merchant_account is None:
            raise ValueError("[channels.google] delivery by merchant_api needs merchant_account")
        source = self.data_source(market)
        if source is None:
            raise ValueError(
                f"market {market.code}: [channels.google] delivery by merchant_api needs "
                f"markets.{market.code}.data_source (accounts/{self.merchant_account}/"
                "dataSources/<id>, an API data source of the market's feed label)"
            )
        if not source.startswith(f"accounts/{self.merchant_account}/"):
            raise ValueError(
                f"market {market.code}: data_source {source!r} is not one of "
                f"merchant_account {self.merchant_account}"
            )
