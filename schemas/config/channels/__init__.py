"""The built-in channels' settings models, one module per channel that has settings of
its own; importing this package registers them all (`schemas.config.channel` does on its
first look-up).

A channel without settings of its own is registered with the common
`schemas.config.channel.Channel` below.
"""

from schemas.config.channel import Channel, register_channel
from schemas.config.channels import amazon, bol, ebay, google, idealo, mobile_cn

# Allegro takes its numeric category id, one for every market.
register_channel("allegro")(Channel)
# kaufland.de, .pl, .cz, .sk (and .at) each show the category tree in their own language,
# and the product file's ``category`` is read in it.
register_channel("kaufland", categories_per_market=True)(Channel)

__all__ = ["amazon", "bol", "ebay", "google", "idealo", "mobile_cn"]
