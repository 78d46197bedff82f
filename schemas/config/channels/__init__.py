"""The built-in channels' settings models, one module per channel that has settings of
its own; importing this package registers them all (`schemas.config.channel` does on its
first look-up).

A channel without settings of its own is registered with the common
`schemas.config.channel.Channel` below.
"""

from schemas.config.channel import Channel, register_channel
from schemas.config.channels import amazon, bol, idealo, mobile_cn

for _name in ("allegro", "ebay", "google", "kaufland"):
    register_channel(_name)(Channel)

__all__ = ["amazon", "bol", "idealo", "mobile_cn"]
