"""What Amazon's marketplaces take: their ids, which show net prices, the limits of the
listings feed and the value sets of the offer and the declarations."""

MARKETPLACE_IDS = {
    "DE": "A1PA6795UKMFR9",
    "FR": "A13V1IB3VIYZZH",
    "IT": "APJ6JRA9NG5V4",
    "ES": "A1RKKUPIHCS9HS",
    "GB": "A1F83G8C2ARO7P",
    "US": "ATVPDKIKX0DER",
    "NL": "A1805IZSGTT6HS",
    "PL": "A1C3SOZRARQ6R3",
    "SE": "A2NODRKZP88ZB9",
    "BE": "AMEN7PMS3EDWL",
}
"""Amazon marketplace ids by country (../shared/DOMAIN.md; Belgium, amazon.com.be, from
the SP-API marketplace list)."""
USED_CONDITIONS = {"used": "used_good", "refurbished": "refurbished_refurbished"}
"""Amazon ``condition_type`` of a listing whose catalog condition is not ``new``."""
NET_PRICE_COUNTRIES = frozenset({"US"})
"""Marketplaces whose shop prices leave the tax out (sales tax is added at checkout);
every other marketplace here shows prices with VAT."""
SCHEMA = "amazon_listings_feed"
TITLE_LIMIT = 200
BULLET_LIMIT = 700
BULLETS_MAX = 10
DESCRIPTION_BYTES = 10_000
OTHER_IMAGES_MAX = 8
COLOR_ATTRIBUTES = ("color", "colour", "main_color")
"""Catalog attributes holding the product's colour, the first one present wins."""
DG_NEEDS_MORE = frozenset({"ghs", "transportation"})
"""Dangerous-goods declarations that need data this writer does not send (``hazmat``,
``ghs`` classes, a safety data sheet)."""
DG_VALUES = frozenset({"not_applicable", "unknown", "other", "storage", "waste"}) | DG_NEEDS_MORE
