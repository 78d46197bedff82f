"""How the ``deliver_feeds`` DAG sends a channel's feeds: one settings model per delivery
method, chosen by the table's ``method`` (``[channels.<name>] delivery = { method = "...",
... }``).

A method's model is registered under its name with `register_delivery`; the sender that
goes with it is `pipeline.delivery.senders`'. Which channel can be sent by which method is
the channel's registration (`schemas.config.channel.register_channel`), checked when the
configuration is read. Channels that fetch their file themselves have no delivery but a
``public_url`` (`schemas.config.channel.Channel`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import Field

from schemas.config.base import StrictModel

if TYPE_CHECKING:
    from collections.abc import Callable

_Model = TypeVar("_Model", bound="Delivery")

Environment = Literal["sandbox", "production"]
"""The marketplace's sandbox (test calls, nothing goes on sale) or production."""


class Delivery(StrictModel):
    """What every delivery method has: its name and the Airflow connection with the
    credentials."""

    default_connection: ClassVar[str] = ""
    """The connection id when the table names none; ``{market}`` is the market code in
    lower case."""

    method: str
    """The protocol, the name the method is registered under."""
    connection: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The Airflow connection with the credentials; ``{market}`` is the market code in
    lower case. Default: the method's (``gmc_sftp_{market}`` for SFTP, where a market
    without its own falls back to ``gmc_sftp``; ``amazon_sp_api``; ``ebay_api``)."""
    required: bool = False
    """Whether this channel must deliver. False (the default): a market whose connection
    is not defined is reported *not configured* (its deliver task is skipped, the run
    stays green), so a shipped channel nobody set up turns nothing red. True: a missing
    connection fails the delivery at once, naming the connection. A connection that is
    defined but refused, or lacks a field, fails either way."""

    def connection_id(self, market: str) -> str:
        """The connection id for ``market``.

        >>> SftpDelivery().connection_id("DE")
        'gmc_sftp_de'
        >>> SpApiDelivery(connection="amazon_{market}").connection_id("DE")
        'amazon_de'
        """
        template = self.connection or self.default_connection
        return template.format(market=market.lower())


_METHODS: dict[str, type[Delivery]] = {}
"""Delivery method name -> its settings model."""


def register_delivery(method: str) -> Callable[[type[_Model]], type[_Model]]:
    """Register a delivery settings model under ``method`` (a class decorator).

    Raises:
        ValueError: when another model has the name already.
    """

    def register(model: type[_Model]) -> type[_Model]:
        known = _METHODS.get(method)
        if known is not None and known is not model:
            raise ValueError(f"delivery method {method!r} is registered already ({known})")
        _METHODS[method] = model
        return model

    return register


def delivery_methods() -> list[str]:
    """Names of the registered delivery methods."""
    return sorted(_METHODS)


def parse_delivery(raw: Any) -> Any:
    """The settings model of ``raw``'s ``method`` validating ``raw`` (a table of the
    config); anything but a table goes through unchanged, for pydantic to judge.

    >>> parse_delivery({"method": "ebay_inventory"}).connection_id("DE")
    'ebay_api'

    Raises:
        ValueError: naming the method when no model is registered for it.
    """
    if not isinstance(raw, dict) or "method" not in raw:
        return raw
    method = raw["method"]
    model = _METHODS.get(method) if isinstance(method, str) else None
    if model is None:
        raise ValueError(
            f"no delivery method {method!r}; registered: {', '.join(delivery_methods())}"
        )
    return model.model_validate(raw)


@register_delivery("sftp")
class SftpDelivery(Delivery):
    """An upload to an SFTP server (Google Merchant Center's upload server)."""

    default_connection: ClassVar[str] = "gmc_sftp_{market}"

    method: Literal["sftp"] = "sftp"
    """``sftp``."""
    upload_name: Annotated[str, Field(min_length=1, max_length=200)] = "{file}"
    """The file name the Merchant Center data source is registered with; ``{market}``
    and ``{file}`` (the published file's name) are filled in."""


class ApiDelivery(Delivery):
    """A marketplace API with a sandbox."""

    environment: Environment = "sandbox"
    """The marketplace's sandbox (test calls, nothing goes on sale) or production. Start
    in the sandbox; switch a channel to production when its sandbox runs are clean."""


@register_delivery("sp_api")
class SpApiDelivery(ApiDelivery):
    """Amazon's Selling Partner API, Feeds (``JSON_LISTINGS_FEED``)."""

    default_connection: ClassVar[str] = "amazon_sp_api"

    method: Literal["sp_api"] = "sp_api"
    """``sp_api``."""
    poll_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    """First wait between two looks at a feed's processing status (it grows)."""
    max_wait_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 120.0
    """How long a delivery waits for a feed to be processed before it fails; the next
    delivery of the same file resumes waiting for that feed."""


@register_delivery("ebay_inventory")
class EbayInventoryDelivery(ApiDelivery):
    """eBay's Inventory API (bulk calls of up to 25 items)."""

    default_connection: ClassVar[str] = "ebay_api"

    method: Literal["ebay_inventory"] = "ebay_inventory"
    """``ebay_inventory``."""


@register_delivery("merchant_api")
class MerchantApiDelivery(Delivery):
    """Google's Merchant API (Products v1): each item of the Google feed file inserted as
    a ``ProductInput`` under the market's data source (``[channels.google] markets``,
    ``data_source``), and the products of that data source the file no longer has
    deleted. Google has no sandbox: a test account is a Merchant Center account of its
    own. SFTP stays Google's default delivery."""

    default_connection: ClassVar[str] = "gmc_api"

    method: Literal["merchant_api"] = "merchant_api"
    """``merchant_api``."""
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100
    """Calls between two records of progress: a retry resumes after the last batch
    recorded, so at most this many calls are made again."""
    calls_per_minute: Annotated[float, Field(gt=0, le=100_000)] = 300.0
    """At most this many insert and delete calls a minute from one delivery. Google
    adjusts the products quota per account and publishes no fixed figure
    (developers.google.com/merchant/api/guides/quotas-limits, read 2026-12-07); the
    account's own is ``quotaMinuteLimit`` of ``accounts.quotas.list``. Deliveries by API
    run one at a time (the ``google_merchant_api`` pool), so set this a little below it."""
