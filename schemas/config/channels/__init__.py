"""The built-in channels' settings models, one module per channel that has settings of
its own; importing this package registers them all (`schemas.config.channel` does on its
first look-up).

A channel without settings of its own is registered with the common
`schemas.config.channel.Channel` below.
"""

from schemas.config.channel import Channel, register_channel
from schemas.config.channels import amazon, bol, idealo, mobile_cn

# With the delivery methods their feeds can be sent by (`pipeline.channels` has the
# senders); the others fetch their file (a ``public_url``) or are not sent.
register_channel("ebay", delivery_methods=["ebay_inventory"])(Channel)
register_channel("google", delivery_methods=["sftp"])(Channel)
for _name in ("allegro", "kaufland"):
    register_channel(_name)(Channel)

__all__ = ["amazon", "bol", "idealo", "mobile_cn"]
