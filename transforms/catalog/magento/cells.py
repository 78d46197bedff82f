"""The values in a Magento export's cells: ``additional_attributes`` and
``configurable_variations`` as Magento's importer reads them, category paths, dates in the
admin's locale, image paths and ``product_online`` (the columns:
`transforms.catalog.magento`; a short description's selling points:
`transforms.catalog.markup`)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from transforms.catalog.values import (
    ValueProblem,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DELIMITER = ","
IMAGE_COLUMNS = ("base_image", "small_image", "thumbnail_image", "swatch_image")
"""Image roles, main image first; ``additional_images`` follow."""
NO_IMAGE = "no_selection"

_DATE_FORMATS = (
    ("%Y-%m-%d %H:%M:%S", True),
    ("%Y-%m-%d", False),
    ("%m/%d/%y, %I:%M %p", True),
    ("%m/%d/%Y, %I:%M %p", True),
    ("%m/%d/%Y %H:%M", True),
    ("%m/%d/%y %H:%M", True),
    ("%m/%d/%Y", False),
    ("%m/%d/%y", False),
    ("%d.%m.%Y", False),
    ("%d.%m.%y", False),
    ("%d.%m.%y, %H:%M", True),
)
"""Dates as Magento's export writes them: in the admin's locale (``10/5/20, 4:58 PM`` for
en_US, ``05.10.20, 16:58`` for de_DE) or as stored (``2015-10-23 00:35:03``); slashes
are read month first, as en_US writes them."""


def parse_additional_attributes(text: str) -> dict[str, str]:
    """Magento's ``code=value,code=value`` list, as its importer reads it: a piece without
    ``=`` belongs to the value before it, and a value written ``"..."`` (the export's
    fields enclosure) may hold commas and ``""`` for a quote. Codes are lower-cased.

    >>> parse_additional_attributes("color=Black,size=XS")
    {'color': 'Black', 'size': 'XS'}
    >>> parse_additional_attributes("features=Audio Pocket,Laptop Sleeve, 15 inches,new=No")
    {'features': 'Audio Pocket,Laptop Sleeve, 15 inches', 'new': 'No'}
    >>> parse_additional_attributes('material="Cotton, recycled",label="12"" vinyl"')
    {'material': 'Cotton, recycled', 'label': '12" vinyl'}
    """
    attributes: dict[str, str] = {}
    code = ""
    quoted = False
    for piece in text.split(","):
        if quoted:
            attributes[code] += "," + piece
            quoted = not _closes_quote(attributes[code])
            continue
        if "=" not in piece:
            if code:
                attributes[code] += "," + piece
            continue
        code, value = piece.split("=", 1)
        code = code.strip().lower()
        attributes[code] = value
        quoted = value.startswith('"') and not _closes_quote(value)
    for key, value in attributes.items():
        if len(value) >= 2 and value.startswith('"') and _closes_quote(value):
            attributes[key] = value[1:-1].replace('""', '"')
    return attributes


def _closes_quote(value: str) -> bool:
    """Whether ``value`` (starting with a quote) ends with its closing quote: an odd run
    of quotes at its end, the opening one not counted."""
    body = value[1:]
    trailing = len(body) - len(body.rstrip('"'))
    return trailing % 2 == 1


def parse_variations(text: str) -> dict[str, dict[str, str]]:
    """``configurable_variations`` as variant sku -> its axis values, in the file's order.

    >>> parse_variations("sku=MH01-XS-Black,color=Black,size=XS|sku=MH01-XS-Gray,color=,size=XS")
    {'MH01-XS-Black': {'color': 'Black', 'size': 'XS'}, 'MH01-XS-Gray': {'color': '', 'size': 'XS'}}
    """
    variants: dict[str, dict[str, str]] = {}
    for entry in text.split("|"):
        values = parse_additional_attributes(entry)
        sku = values.pop("sku", "").strip()
        if sku:
            variants[sku] = {axis: value.strip() for axis, value in values.items()}
    return variants


def split_categories(text: str) -> list[str]:
    """The ``categories`` cell as paths; a piece without ``/`` continues the path before it,
    since Magento writes every path from the root category.

    >>> split_categories("Default Category/Gear,Default Category/Garden/Decor, lights and more")
    ['Default Category/Gear', 'Default Category/Garden/Decor, lights and more']
    >>> split_categories("Default Category")
    ['Default Category']
    """
    paths: list[str] = []
    for piece in text.split(","):
        if paths and "/" not in piece:
            paths[-1] += "," + piece
        elif piece.strip():
            paths.append(piece)
    return [p.strip() for p in paths if p.strip()]


@lru_cache(maxsize=4096)
def parse_date(text: str) -> str:
    """A date of the export as ISO 8601 (a date, or a date-time when it has a time).

    >>> parse_date("10/5/20, 4:58 PM"), parse_date("2/1/17"), parse_date("2015-10-23 00:35:03")
    ('2020-10-05T16:58:00', '2017-02-01', '2015-10-23T00:35:03')
    """
    cleaned = text.strip()
    # Exports repeat a handful of dates; the cache spares strptime's failed attempts.
    for pattern, has_time in _DATE_FORMATS:
        try:
            moment = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return moment.isoformat() if has_time else moment.date().isoformat()
    raise ValueProblem("not_a_date", f"{text!r} is not a date Magento's export writes")


def parse_online(text: str) -> bool:
    """``product_online``: 1 enabled, 2 (Magento's ``Disabled``) or 0 disabled."""
    value = text.strip()
    if value in ("", "1"):
        return True
    if value in ("2", "0"):
        return False
    raise ValueProblem("not_a_boolean", f"product_online {text!r} is not 1 (on) or 2 (off)")


def additional_attributes(text: str) -> dict[str, str]:
    return parse_additional_attributes(text) if text.strip() else {}


def image_paths(row: Mapping[str, str]) -> list[str]:
    """The row's image paths, main image first, each once."""
    paths = [row.get(column, "") for column in IMAGE_COLUMNS]
    paths += row.get("additional_images", "").split(",")
    images: list[str] = []
    for path in paths:
        cleaned = path.strip()
        if cleaned and cleaned != NO_IMAGE and cleaned not in images:
            images.append(cleaned)
    return images
