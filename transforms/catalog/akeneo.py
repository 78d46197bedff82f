"""Reader for Akeneo PIM's CSV product export.

The export is ``;``-separated with one header row. Its column names say what a
value is:

- ``<attr>`` for a plain value (``sku``, ``name``, ``ean``, ``brand``);
- ``<attr>-<locale>`` and ``<attr>-<locale>-<channel>`` for localized and
  channel-scoped values (``description-de_DE-ecommerce``);
- ``<attr>-unit`` beside a metric value (``weight`` = ``500``, ``weight-unit`` = ``GRAM``);
- ``price-<CUR>`` for each currency of a price collection (``price-EUR``);
- ``sale_price-<CUR>`` for a sale price collection, with the date (or date-time)
  attributes ``sale_price_start`` and ``sale_price_end`` (ISO 8601, as Akeneo exports
  them; a time without an offset is read in ``[catalog] time_zone``, an empty end means
  until further notice).

Any other column becomes a product attribute under its name; EU product law's are
documented in `schemas.product` (``manufacturer_id``, ``responsible_person_id``,
``importer_id``, ``safety_pictograms``, the document URLs, ``energy_class``,
``eprel_registration_number``), and the localizable ``safety_warning-<locale>[-<channel>]``
is kept as ``safety_warning-<locale>``, the best-ranked channel's value winning as for
descriptions.

Text values store line breaks as the two characters ``\\n``; descriptions carry
HTML. Variants name their product model in ``parent``; when the export's
``product_models.csv`` is given, a variant inherits every value it leaves empty
from its model (and the model's own parent), as Akeneo does.

The reader streams: one row in memory at a time (plus the product models,
which are few). A row it cannot use is reported as a `Finding` and skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from schemas.characters import remove_invisible
from schemas.product import ANY_LOCALE, SAFETY_WARNING, Money, Product
from transforms.catalog.files import csv_records, side_file_problem
from transforms.catalog.values import (
    SALE_END,
    SALE_PRICE,
    SALE_START,
    RowContext,
    absolute_link,
    clean_text,
    clean_texts,
    parse_amount,
    parse_availability,
    parse_enabled,
    parse_quantity,
    parse_tax_class,
    take_condition,
    take_sale_prices,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

    from schemas.findings import Finding
    from transforms.catalog.values import DecimalMark

DELIMITER = ";"
_LOCALIZED = re.compile(
    r"^(?P<attr>[A-Za-z0-9_]+)-(?P<locale>[a-z]{2,3}_[A-Z]{2})(?:-(?P<scope>[A-Za-z0-9_]+))?$"
)
_PRICE = re.compile(r"^price-(?P<currency>[A-Z]{3})$")
_SALE_PRICE = re.compile(rf"^{SALE_PRICE}-(?P<currency>[A-Z]{{3}})$")

IMAGE_ATTRIBUTES = ("image", "picture", "variation_image")
"""Media attributes that become image links, main image first."""
QUANTITY_ATTRIBUTES = ("weight", "length", "width", "height", "volume", "net_content")
"""Metric attributes that map onto the canonical model's quantities."""
SIZE_ATTRIBUTES = {"eu_shoes_size": "shoes", "size": "clothing"}
"""Akeneo size attributes and the kind of size they hold."""
_MAPPED = {
    "sku",
    "ean",
    "gtin",
    "brand",
    "mpn",
    "name",
    "categories",
    "enabled",
    "parent",
    "groups",
    "tax_class",
    "availability",
    "code",
    "family_variant",
    SALE_START,
    SALE_END,
    *IMAGE_ATTRIBUTES,
    *QUANTITY_ATTRIBUTES,
    *SIZE_ATTRIBUTES,
}
# Association columns describe links to other products, not this product's values.
_ASSOCIATION_SUFFIXES = ("-groups", "-products", "-product_models")


def _text(value: str) -> str:
    """Undo the export's escaping of line breaks."""
    return value.replace("\\n", "\n").strip()


def read_product_models(
    path: Path, encoding: str = "utf-8"
) -> tuple[dict[str, dict[str, str]], list[Finding]]:
    """Load ``product_models.csv`` as ``{code: non-empty values}``, and findings about
    model rows that cannot be used (their variants then inherit nothing from them)."""
    models: dict[str, dict[str, str]] = {}
    problems: list[Finding] = []
    for record in csv_records(path, delimiter=DELIMITER, encoding=encoding, sku_column="code"):
        if not isinstance(record, tuple):
            # Variants still read; they inherit nothing from a model row that is unusable.
            problems.append(
                side_file_problem(record, path, "variants of that model inherit nothing from it")
            )
            continue
        number, row, clean = record
        code = row.get("code", "").strip()
        if not code:
            continue
        if not clean:  # variants inherit these values: clean them once, here
            context = RowContext(number, code)
            for key, value in row.items():
                row[key] = clean_text(context, f"{path.name}: {key}", value)
            problems.extend(context.findings)
        models[code] = {k: v for k, v in row.items() if k and v}
    return models, problems


def read_option_labels(
    path: Path, locale: str = "en_US", encoding: str = "utf-8"
) -> dict[tuple[str, str], str]:
    """Load ``attribute_options.csv`` as ``{(attribute, option code): label}``."""
    labels: dict[tuple[str, str], str] = {}
    for record in csv_records(path, delimiter=DELIMITER, encoding=encoding, sku_column="code"):
        if isinstance(record, tuple):
            row = {k: remove_invisible(v)[0] for k, v in record[1].items()}
            labels[(row.get("attribute", ""), row.get("code", ""))] = row.get(
                f"label-{locale}"
            ) or row.get("code", "")
    return labels


def _inherit(row: dict[str, str], models: dict[str, dict[str, str]]) -> None:
    """Fill the row's empty values from its product model chain, in place (``models``
    keyed by case-folded code)."""
    parent = row.get("parent", "").casefold()
    seen: set[str] = set()
    while parent and parent in models and parent not in seen:
        seen.add(parent)
        model = models[parent]
        for key, value in model.items():
            if key in ("code", "parent", "family_variant", "categories"):
                continue
            if not row.get(key):
                row[key] = value
        parent = model.get("parent", "").casefold()


def read_akeneo(
    path: Path,
    *,
    product_models: Path | None = None,
    asset_base_url: str | None = None,
    description_scopes: Sequence[str] = ("ecommerce", "print"),
    attribute_options: Path | None = None,
    encoding: str = "utf-8",
    decimal_mark: DecimalMark | None = None,
    variant_axes: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[Product | Finding]:
    """Stream products (and findings about bad rows) from an Akeneo CSV export.

    A variant (a row with a ``parent``) belongs to the group of the product model at the
    root of its chain, and varies by the axes its family variant has in
    ``variant_axes`` (Akeneo's export does not carry the family variants' axes). A
    variant whose model is missing from ``product_models.csv`` stays a product of its
    own, with a ``variant_group_missing`` warning; one whose family variant has no axes
    configured is grouped with a ``variant_axes_unknown`` warning.

    Args:
        path: The export's ``products.csv``.
        product_models: Its ``product_models.csv``, for variants to inherit from.
        attribute_options: Its ``attribute_options.csv``: option codes of the size
            attributes become their labels (``410`` -> ``41``).
        asset_base_url: Prefix for the PIM's relative media paths.
        description_scopes: Akeneo channels to take texts from, first non-empty wins.
        encoding: The export's encoding (a UTF-8 byte-order mark always wins).
        decimal_mark: ``"."`` or ``","`` when the export says which it uses; without
            it a number like ``1,250`` is ambiguous and holds its product back.
        variant_axes: Family variant code -> the attributes its variants differ in.

    Raises:
        CatalogFileError: when a file is empty or its header has no ``sku`` column
            (``code`` for the product models).
    """
    models, model_problems = (
        read_product_models(product_models, encoding) if product_models else ({}, [])
    )
    # Akeneo's codes are unique whatever their case, and exports mix cases
    # (``Model-tshirt-divided-blue`` names ``model-tshirt-divided-blue``).
    models = {code.casefold(): values for code, values in models.items()}
    yield from model_problems
    labels = read_option_labels(attribute_options, encoding=encoding) if attribute_options else {}
    scope_rank = {scope: rank for rank, scope in enumerate(description_scopes)}
    for record in csv_records(path, delimiter=DELIMITER, encoding=encoding):
        if not isinstance(record, tuple):
            yield record
            continue
        number, row, clean = record
        context = RowContext(number, row["sku"].strip() or None, decimal_mark)
        group = _group(row, models, product_models is not None, variant_axes, context)
        if models:
            _inherit(row, models)  # model values were cleaned as they were read
        product = _product_from_row(row, context, scope_rank, asset_base_url, labels, clean)
        yield from context.findings
        if product is not None:
            if group is not None:
                product.group, product.varies_by = group
            yield product


def _group(
    row: Mapping[str, str],
    models: Mapping[str, Mapping[str, str]],
    models_given: bool,
    variant_axes: Mapping[str, Sequence[str]] | None,
    context: RowContext,
) -> tuple[str, list[str]] | None:
    """The variant's group (its root product model) and the axes it varies by."""
    parent = row.get("parent", "").strip()
    if not parent:
        return None
    if not models_given:  # no models to look in: the parent names the group
        return parent, []
    if parent.casefold() not in models:
        context.warn(
            "parent",
            "variant_group_missing",
            f"its product model {parent} is not in product_models.csv: listed as a product "
            "of its own",
            parent,
        )
        return None
    root = parent.casefold()
    seen = {root}
    family_variant = models[root].get("family_variant", "")
    while (up := models[root].get("parent", "").casefold()) and up in models and up not in seen:
        seen.add(up)
        root = up
        family_variant = family_variant or models[root].get("family_variant", "")
    # Akeneo's size attributes are the product's size (`SIZE_ATTRIBUTES`).
    code = models[root].get("code", root)  # the model's code as the export spells it
    configured = variant_axes.get(family_variant, ()) if variant_axes is not None else ()
    axes = ["size" if a in SIZE_ATTRIBUTES else a for a in configured]
    if not axes and variant_axes is not None:  # None: the caller configures no axes
        context.warn(
            "parent",
            "variant_axes_unknown",
            f"the family variant {family_variant or '(none)'} of {code} has no axes in "
            "[catalog] variant_axes: its variants are grouped without saying what differs",
            family_variant or None,
        )
    return code, axes


def _product_from_row(
    row: dict[str, str],
    context: RowContext,
    scope_rank: dict[str, int],
    asset_base_url: str | None,
    labels: dict[tuple[str, str], str],
    clean: bool = False,
) -> Product | None:
    sku = row.get("sku", "").strip()
    if not sku:
        context.reject("sku", "missing_sku", "the row has no sku")
        return None
    product = Product(sku=sku)
    product.gtin = (row.get("ean") or row.get("gtin") or "").strip() or None
    product.brand = row.get("brand", "").strip() or None
    product.mpn = row.get("mpn", "").strip() or None
    name = _text(row.get("name", ""))
    if name:
        product.title[ANY_LOCALE] = name
    product.categories = [c for c in row.get("categories", "").split(",") if c]
    enabled = context.take("enabled", parse_enabled, row.get("enabled", ""))
    product.enabled = True if enabled is None else enabled
    if row.get("tax_class"):
        tax_class = context.take("tax_class", parse_tax_class, row["tax_class"])
        if tax_class is not None:
            product.tax_class = tax_class  # type: ignore[assignment]
    if row.get("availability"):
        availability = context.take("availability", parse_availability, row["availability"])
        if availability is not None:
            product.availability = availability  # type: ignore[assignment]
    for attr in QUANTITY_ATTRIBUTES:
        value = row.get(attr, "").strip()
        if value:
            unit = row.get(f"{attr}-unit", "")
            setattr(product, attr, context.number(attr, parse_quantity, value, unit))
    for attr, kind in SIZE_ATTRIBUTES.items():
        code = row.get(attr, "").strip()
        if code:
            product.size = labels.get((attr, code), code)
            product.size_kind = kind  # type: ignore[assignment]
    for attr in IMAGE_ATTRIBUTES:
        value = row.get(attr, "").strip()
        if value:
            link = context.take(attr, absolute_link, value, asset_base_url)
            if link is not None and link not in product.image_links:
                product.image_links.append(link)

    description_rank: dict[str, int] = {}
    bullets_rank: dict[str, int] = {}
    warning_rank: dict[str, int] = {}
    sales: dict[str, tuple[str, str]] = {}
    for column, value in row.items():
        if not value or column in _MAPPED or column.endswith("-unit"):
            continue
        if column.endswith(_ASSOCIATION_SUFFIXES):
            continue
        sale = _SALE_PRICE.match(column)
        if sale:
            sales[sale["currency"]] = (column, value)
            continue
        price = _PRICE.match(column)
        if price:
            currency = price["currency"]
            amount = context.number(column, parse_amount, value)
            if amount is not None:
                product.prices[currency] = Money(amount, currency)
            continue
        localized = _LOCALIZED.match(column)
        if localized:
            attr, locale, scope = localized["attr"], localized["locale"], localized["scope"]
            rank = scope_rank.get(scope, len(scope_rank)) if scope else -1
            text = _text(value)
            if attr == "description":
                if rank < description_rank.get(locale, len(scope_rank) + 1):
                    description_rank[locale] = rank
                    product.description[locale] = text
            elif attr == "short_description":
                if rank < bullets_rank.get(locale, len(scope_rank) + 1):
                    bullets_rank[locale] = rank
                    product.bullet_points[locale] = [
                        line.strip() for line in text.split("\n") if line.strip()
                    ]
            elif attr == "name":
                product.title[locale] = text
            elif attr == SAFETY_WARNING:
                if rank < warning_rank.get(locale, len(scope_rank) + 1):
                    warning_rank[locale] = rank
                    product.attributes[f"{SAFETY_WARNING}-{locale}"] = text
            else:
                product.attributes[column] = text
            continue
        unit = row.get(f"{column}-unit", "")
        product.attributes[column] = f"{value.strip()} {unit}".strip()
    take_sale_prices(product, context, sales, row.get(SALE_START, ""), row.get(SALE_END, ""))
    take_condition(product, context)
    return product if clean or clean_texts(product, context) else None
