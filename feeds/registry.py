"""Feed writers by channel name, as markets name them in the configuration."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feeds.contract import FeedWriter

_WRITERS: dict[str, str] = {
    "google": "feeds.google:GoogleMerchantFeed",
    "amazon": "feeds.amazon:AmazonListingsFeed",
    "ebay": "feeds.ebay:EbayInventoryFeed",
    "idealo": "feeds.idealo:IdealoFeed",
    "kaufland": "feeds.kaufland:KauflandFeed",
    "allegro": "feeds.allegro:AllegroOffers",
    "mobile_cn": "feeds.mobile_cn:MobileStorefrontFeed",
    "bol": "feeds.bol:BolOffers",
}
"""Channel name -> ``module:class``, imported only when a run needs it."""


def channel_names() -> list[str]:
    """Names of all registered channels."""
    return sorted(_WRITERS)


def writer_class(name: str) -> type[FeedWriter]:
    """Return the writer class registered under ``name``.

    Raises:
        KeyError: naming the registered channels.
    """
    try:
        target = _WRITERS[name]
    except KeyError:
        raise KeyError(
            f"no feed writer named {name!r}; registered: {', '.join(channel_names())}"
        ) from None
    module_name, class_name = target.split(":")
    cls: type[FeedWriter] = getattr(import_module(module_name), class_name)
    return cls
