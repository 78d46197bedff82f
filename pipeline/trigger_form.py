"""The DAGs' trigger forms: their fields, and the pick lists they offer, read from the
configuration file when a DAG file is parsed (one small TOML read; the typed
configuration is loaded only inside tasks)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


@dataclass(frozen=True)
class FormChoices:
    """What the trigger forms let a person pick, as the configuration file names it."""

    markets: dict[str, str] = field(default_factory=dict)
    """Market code -> its label in the form, ``DE: Germany (de_DE, EUR)``, by code."""
    delivering_channels: list[str] = field(default_factory=list)
    """The channels ``deliver_feeds`` sends or checks: those with a ``delivery`` or a
    ``public_url``, by name."""


def form_choices(path: Path) -> FormChoices:
    """The markets and delivering channels of the configuration file at `path`; nothing
    when the file does not read (the tasks report the broken file; the forms still
    render). A table of the wrong shape is left out, so parsing the DAG never fails.

    >>> import pathlib, tempfile
    >>> toml = pathlib.Path(tempfile.mkdtemp()) / "markets.toml"
    >>> text = '[markets.DE]\\nname = "Germany"\\nlocale = "de_DE"\\ncurrency = "EUR"\\n'
    >>> _ = toml.write_text(text + '[channels.google]\\ndelivery = { method = "sftp" }\\n')
    >>> form_choices(toml)
    FormChoices(markets={'DE': 'DE: Germany (de_DE, EUR)'}, delivering_channels=['google'])
    >>> form_choices(toml.parent / "missing.toml")
    FormChoices(markets={}, delivering_channels=[])
    """
    try:
        with path.open("rb") as stream:
            config = tomllib.load(stream)
    except (OSError, ValueError):  # ValueError: not TOML, or not UTF-8
        return FormChoices()
    markets = _tables(config.get("markets"))
    channels = _tables(config.get("channels"))
    return FormChoices(
        markets={
            code: f"{code}: {market.get('name') or market.get('country', code)} "
            f"({market.get('locale', '')}, {market.get('currency', '')})"
            for code, market in sorted(markets.items())
        },
        delivering_channels=sorted(
            name
            for name, channel in channels.items()
            if channel.get("delivery") or channel.get("public_url")
        ),
    )


def _tables(value: object) -> dict[str, dict[str, Any]]:
    """The sub-tables of a TOML table (``[markets.DE]``), leaving out anything else."""
    if not isinstance(value, dict):
        return {}
    return {name: table for name, table in value.items() if isinstance(table, dict)}


def localize_catalog_form(markets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The ``localize_catalog`` trigger form's fields: parameter name -> its ``Param``'s
    keyword arguments (default, JSON Schema, title, description); ``markets`` as
    `FormChoices.markets` gives them.
    """
    return {
        "markets": {
            "default": None,
            "type": ["null", "array"],
            "items": {"type": "string", "enum": sorted(markets)},
            "uniqueItems": True,
            "examples": sorted(markets),
            "values_display": markets,
            "title": "Markets",
            "description": "The markets to build and publish. Leave empty (clear the field) "
            "to run every configured market; only markets in config/markets.toml can be "
            "picked.",
        },
        "mode": {
            "default": "full",
            "type": "string",
            "enum": ["full", "delta"],
            "values_display": {
                "full": "full: every listing in every file",
                "delta": "delta: Amazon and eBay get only what changed",
            },
            "title": "Mode",
            "description": "full: every channel gets a complete file with every listing; for "
            "Amazon and eBay that re-sends listings that did not change, and resets their "
            "change tracking. delta: Amazon and eBay get only the listings that changed "
            "since the last published feed, plus deletions of products that are gone; "
            "Google and the CSV/XML channels always get full files.",
        },
        "dry_run": {
            "default": False,
            "type": "boolean",
            "title": "Dry run",
            "description": "Build and check every feed, write the findings and the run "
            "report, but publish nothing: the live feeds stay as they are and no Asset "
            "event is emitted.",
        },
    }


def deliver_feeds_form(
    markets: Sequence[str], channels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The ``deliver_feeds`` trigger form's fields, as `localize_catalog_form` gives its
    own; `channels` are the delivering ones (`FormChoices.delivering_channels`)."""
    return {
        "markets": {
            "default": None,
            "type": ["null", "array"],
            "items": {"type": "string", "enum": list(markets)},
            "uniqueItems": True,
            "examples": list(markets),
            "title": "Markets",
            "description": "A run by hand delivers these markets' live feeds (empty: every "
            "market). A run started by published feeds delivers what was published.",
        },
        "channels": {
            "default": None,
            "type": ["null", "array"],
            "items": {"type": "string", "enum": list(channels)},
            "uniqueItems": True,
            "examples": list(channels),
            "title": "Channels",
            "description": "Only these channels (empty: every channel that delivers).",
        },
        "dry_run": {
            "default": False,
            "type": "boolean",
            "title": "Dry run",
            "description": "List what would be sent, check the files, send nothing.",
        },
    }
