"""The ``localize_catalog`` trigger form: its fields, and the pick list of markets read
from the configuration file when the DAG file is parsed (a small TOML read; the typed
configuration is loaded only inside tasks)."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def market_labels(path: Path) -> dict[str, str]:
    """Market code -> its label in the form, ``DE: Germany (de_DE, EUR)``; empty when the
    file does not read (the tasks report the broken file; the form still renders).

    >>> import pathlib, tempfile
    >>> toml = pathlib.Path(tempfile.mkdtemp()) / "markets.toml"
    >>> text = '[markets.DE]\\nname = "Germany"\\n'
    >>> _ = toml.write_text(text + 'locale = "de_DE"\\ncurrency = "EUR"\\n')
    >>> market_labels(toml)
    {'DE': 'DE: Germany (de_DE, EUR)'}
    >>> market_labels(toml.parent / "missing.toml")
    {}
    """
    try:
        with path.open("rb") as stream:
            markets = tomllib.load(stream).get("markets", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {
        code: f"{code}: {market.get('name') or market.get('country', code)} "
        f"({market.get('locale', '')}, {market.get('currency', '')})"
        for code, market in sorted(markets.items())
    }


def localize_catalog_form(markets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The trigger form's fields: parameter name -> its ``Param``'s keyword arguments
    (default, JSON Schema, title, description); ``markets`` as `market_labels` gives them.
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
