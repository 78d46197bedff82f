"""Reading ``config/markets.toml`` into a `PipelineConfig`: environment overrides, paths
relative to the file, the VAT table, and errors that name the market (or the economic
operator of ``[operators.<id>]``) and the field.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import ValidationError

from schemas.config.base import ConfigError
from schemas.config.pipeline import PipelineConfig
from schemas.config.pricing import CountryVat, check_vat_countries


def _describe(error_loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in error_loc]
    if len(parts) >= 2 and parts[0] == "markets":
        rest = ".".join(parts[2:]) or "(whole table)"
        return f"market {parts[1]}, field {rest}"
    if len(parts) >= 3 and parts[:2] == ["operators", "table"]:
        # [operators.<id>] tables: `schemas.config.operators.Operators` keeps them in `table`.
        rest = ".".join(parts[3:]) or "(whole table)"
        return f"operator {parts[2]}, field {rest}"
    return "field " + ".".join(parts)


def _resolve_relative(raw: dict[str, object], base: Path) -> None:
    """Make file paths and ``file://`` URLs relative to the config file absolute."""
    catalog = raw.get("catalog")
    if isinstance(catalog, dict):
        for key in ("path", "product_models_path", "attribute_options_path"):
            value = catalog.get(key)
            if isinstance(value, str) and not os.path.isabs(value):
                catalog[key] = str((base / value).resolve())
    pricing = raw.get("pricing")
    if isinstance(pricing, dict):
        rates = pricing.get("rates")
        if isinstance(rates, str) and "://" not in rates and not os.path.isabs(rates):
            pricing["rates"] = str((base / rates).resolve())
        table = pricing.get("vat_table")
        if isinstance(table, str) and not os.path.isabs(table):
            pricing["vat_table"] = str((base / table).resolve())
    categories = raw.get("categories_path")
    if isinstance(categories, str) and not os.path.isabs(categories):
        raw["categories_path"] = str((base / categories).resolve())
    translation = raw.get("translation")
    if isinstance(translation, dict):
        for key in ("memory_path", "glossary_path"):
            value = translation.get(key)
            if isinstance(value, str) and not os.path.isabs(value):
                translation[key] = str((base / value).resolve())
        files = translation.get("human_translations")
        if isinstance(files, list):
            translation["human_translations"] = [
                v if not isinstance(v, str) or os.path.isabs(v) else str((base / v).resolve())
                for v in files
            ]
    rules = raw.get("rules_path")
    if isinstance(rules, str) and "://" not in rules and not os.path.isabs(rules):
        raw["rules_path"] = str((base / rules).resolve())
    overrides = raw.get("overrides")
    for files in overrides.values() if isinstance(overrides, dict) else ():
        if isinstance(files, dict):
            for channel, value in files.items():
                if isinstance(value, str) and "://" not in value and not os.path.isabs(value):
                    files[channel] = str((base / value).resolve())
    storage = raw.get("storage")
    if isinstance(storage, dict):
        for key, value in list(storage.items()):
            if isinstance(value, str) and "://" not in value:
                storage[key] = (base / value).resolve().as_uri()


def _read_vat_table(raw: dict[str, object], config_path: Path) -> None:
    """Put the countries of ``[pricing] vat_table`` into ``[pricing.vat]``, checked.

    Raises:
        ConfigError: naming the table file, the country and the field at fault.
    """
    from pydantic import TypeAdapter

    pricing = raw.get("pricing")
    if not isinstance(pricing, dict) or not isinstance(pricing.get("vat_table"), str):
        return
    table_path = Path(pricing["vat_table"])
    if "vat" in pricing:
        raise ConfigError(
            f"{config_path}: [pricing] gives both vat_table and [pricing.vat]; keep one"
        )
    try:
        table = tomllib.loads(table_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{config_path}: cannot read the VAT table: {exc}") from exc
    try:
        countries = TypeAdapter(dict[str, CountryVat]).validate_python(table)
        check_vat_countries(countries)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{table_path}: {problems}") from None
    except ValueError as exc:
        raise ConfigError(f"{table_path}: {exc}") from None
    pricing["vat"] = countries


def load_config(
    path: str | os.PathLike[str], *, env: dict[str, str] | None = None
) -> PipelineConfig:
    """Load and check the pipeline configuration.

    Storage URLs may be overridden by ``GRENZENLOS_STAGING_URL`` and
    ``GRENZENLOS_OUTPUT_URL`` (in ``env``, default `os.environ`), so a deployment
    points the same checked-in file at object storage; the SQLite translation
    memory by ``GRENZENLOS_TRANSLATION_MEMORY`` (a local file) or
    ``GRENZENLOS_TRANSLATION_MEMORY_CONN_ID`` (a PostgreSQL connection); the shard size by
    ``GRENZENLOS_SHARD_PRODUCTS``.

    Raises:
        ConfigError: naming the file, the market and the field at fault.
    """
    env = dict(os.environ) if env is None else env
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    markets = raw.get("markets")
    if isinstance(markets, dict):
        for code, table in markets.items():
            if isinstance(table, dict):
                table.setdefault("code", code)
    storage = raw.setdefault("storage", {})
    if isinstance(storage, dict):
        for key, var in (
            ("staging_url", "GRENZENLOS_STAGING_URL"),
            ("output_url", "GRENZENLOS_OUTPUT_URL"),
        ):
            if env.get(var):
                storage[key] = env[var]
    if env.get("GRENZENLOS_SHARD_PRODUCTS"):
        scale = raw.setdefault("scale", {})
        if isinstance(scale, dict):
            scale["shard_products"] = env["GRENZENLOS_SHARD_PRODUCTS"]
    if env.get("GRENZENLOS_TRANSLATION_MEMORY"):
        translation = raw.setdefault("translation", {})
        if isinstance(translation, dict):
            translation["memory_path"] = env["GRENZENLOS_TRANSLATION_MEMORY"]
    if env.get("GRENZENLOS_TRANSLATION_MEMORY_CONN_ID"):
        translation = raw.setdefault("translation", {})
        if isinstance(translation, dict):
            translation["memory_conn_id"] = env["GRENZENLOS_TRANSLATION_MEMORY_CONN_ID"]
    _resolve_relative(raw, path.parent)
    _read_vat_table(raw, path)
    try:
        config = PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_describe(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None
    for code, market in config.markets.items():
        if market.code != code:
            raise ConfigError(
                f"{path}: market {code}, field code: must equal the table key {code!r}"
            )
    return config
