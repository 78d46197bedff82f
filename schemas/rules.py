"""Every rule a finding can carry, with what it means: the data team's index of findings.

A rule names one event, whatever the channel or step that saw it (a cut title is
``title_shortened`` in every feed). Each entry gives the stage that reports it, whether
it keeps the product out (``error``) or only warns, and the message's shape with its
variable parts in braces. ``tests/cases/findings/rules.md`` is this table as the data team
reads it; a test keeps both in step and checks that the code names no rule missing here.

Findings of stage ``marketplace`` (what Amazon or eBay said about an item, brought back by
``deliver_feeds``) carry the marketplace's own code as their rule (Amazon ``90220``, eBay
``25002``), as the marketplace documents it; they are not listed here. So do the checks of
the URL a marketplace fetches its file from: ``stale_file`` (it serves another file),
``unreachable``, ``http_<status>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["ingest", "validate", "translate", "localize", "completeness", "feed"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule.

    Attributes:
        stage: The step that reports it (``ingest`` ... ``feed``); ``any`` for text
            cleaning that happens both at ingest and in every feed.
        severity: ``error`` keeps the product out (of the catalog, a market or a feed),
            ``warning`` reports a change or a doubt; ``either`` where a setting decides.
        message: The message's shape; ``{...}`` marks what varies.
    """

    stage: Stage | Literal["any"]
    severity: Literal["error", "warning", "either", "info"]
    message: str


RULES: dict[str, Rule] = {
    # Reading the catalog (transforms/catalog/*.py)
    "catalog_unreadable": Rule("ingest", "error", "extract failed: {file}: {why}"),
    "invalid_encoding": Rule(
        "ingest", "error", "{column} holds bytes that are not valid {encoding} ({bytes})"
    ),
    "malformed_row": Rule("ingest", "error", "the row is not valid CSV: {why}"),
    "variant_group_missing": Rule(
        "ingest",
        "warning",
        "its product model {model} is not in product_models.csv: listed as a product of its own",
    ),
    "variant_axes_unknown": Rule(
        "ingest",
        "warning",
        "the family variant {family_variant} of {model} has no axes in [catalog] variant_axes: "
        "its variants are grouped without saying what differs",
    ),
    "invalid_condition": Rule(
        "ingest",
        "warning",
        "condition must be one of new, used, refurbished; the product is listed as new",
    ),
    "wrong_field_count": Rule("ingest", "error", "row has {n} fields but the header has {m}"),
    "invalid_json": Rule("ingest", "error", "line is not JSON: {why}"),
    "wrong_shape": Rule("ingest", "error", "the object does not have the product shape: {why}"),
    "missing_sku": Rule("ingest", "error", "the row has no sku"),
    "invalid_sku": Rule("ingest", "error", "the sku holds invisible or control characters"),
    "ambiguous_number": Rule(
        "ingest", "error", "{value} could be {a} or {b}: the {mark} may separate thousands"
    ),
    "not_a_number": Rule("ingest", "warning", "{value} is not a plain number"),
    "not_a_quantity": Rule("ingest", "warning", "{value} is not a number followed by a unit"),
    "negative_price": Rule("ingest", "warning", "price {value} is negative"),
    "negative_quantity": Rule("ingest", "warning", "{value} is negative"),
    "unknown_unit": Rule("ingest", "warning", "unit {value} is not one of {units}"),
    "unknown_currency": Rule("ingest", "warning", "{value} is not an ISO 4217 currency code"),
    "unknown_availability": Rule("ingest", "warning", "{value} is not one of {values}"),
    "unknown_tax_class": Rule("ingest", "warning", "{value} is not one of {classes}"),
    "not_a_boolean": Rule("ingest", "warning", "{value} is not 1/0, true/false or yes/no"),
    "relative_image_link": Rule(
        "ingest", "warning", "image path {path} is relative and no asset_base_url is configured"
    ),
    "unit_unknown_for_number": Rule(
        "ingest",
        "warning",
        "{value} has no unit and none is configured ([catalog] weight_unit or dimension_unit)",
    ),
    # Shopify export (transforms/catalog/shopify/)
    "variant_without_product_row": Rule(
        "ingest",
        "error",
        "the row continues product {handle} but the product's first row (with its Title and "
        "option names) is not right above it",
    ),
    "unknown_status": Rule(
        "ingest",
        "warning",
        "status {value} is not active, draft or archived; the product stays enabled",
    ),
    "market_currency_unknown": Rule(
        "ingest",
        "warning",
        "market {market} is not named like a country, so its currency is unknown; its prices "
        "were not read",
    ),
    "market_price_conflict": Rule(
        "ingest",
        "warning",
        "market {market} prices it at {price}, but the product already has a price in that "
        "currency; the first price was kept",
    ),
    # Magento export (transforms/catalog/magento/)
    "store_view_unmapped": Rule(
        "ingest",
        "warning",
        "store view {code} has no locale: its names and descriptions are not read",
    ),
    "store_view_row_detached": Rule(
        "ingest",
        "warning",
        "the row of store view {code} does not follow its product's default row: its texts "
        "were not read",
    ),
    "configurable_without_variants": Rule(
        "ingest",
        "warning",
        "the configurable {sku} lists {n} variants, none of them in this file: it is not listed",
    ),
    "variant_in_two_groups": Rule(
        "ingest",
        "warning",
        "{sku} is a variant of two configurables: it is listed in the first only",
    ),
    "grouped_product_skipped": Rule(
        "ingest",
        "warning",
        "a grouped product only shows products sold on their own: it is not listed, its "
        "products are",
    ),
    "not_a_date": Rule(
        "ingest", "warning", "{value} is not a date as the export writes them ({example})"
    ),
    "sale_price_not_below_price": Rule(
        "ingest",
        "warning",
        "the special price {amount} is not below the price {price}: there is no sale",
    ),
    # Akeneo REST API (transforms/catalog/akeneo_api/)
    "image_link_needs_login": Rule(
        "ingest",
        "warning",
        "images are the PIM's download links, which answer only with an API token: "
        "a marketplace cannot fetch them (reported once for the whole catalog)",
    ),
    # Shopware export (transforms/catalog/shopware/)
    "variant_parent_missing": Rule(
        "ingest",
        "warning",
        "its parent {id} is not a readable row of the file: it inherits nothing and is "
        "grouped under the parent's id",
    ),
    "variant_options_unnamed": Rule(
        "ingest",
        "warning",
        "the export names the variants' options by id only: give Shopware's 'Default "
        "properties' export as [catalog] attribute_options_path (reported once for the file)",
    ),
    "variant_option_unknown": Rule(
        "ingest",
        "warning",
        "option {id} is not in the properties export: the variant does not vary by it",
    ),
    # BMEcat export (transforms/catalog/bmecat/)
    "malformed_xml": Rule(
        "ingest", "error", "the product is not well-formed XML at line {line}: {why}"
    ),
    "language_unmapped": Rule(
        "ingest",
        "warning",
        "texts in language {code} are not read: add it to [catalog] locales "
        "(reported once for the file)",
    ),
    # WooCommerce export (transforms/catalog/woocommerce/)
    "variation_parent_missing": Rule(
        "ingest",
        "warning",
        "its parent {parent} is not among the variable products read before it: listed as a "
        "product of its own",
    ),
    "external_product": Rule(
        "ingest",
        "warning",
        "an external (affiliate) product, sold at {url}: read disabled, as no marketplace can "
        "sell it for the shop",
    ),
    "custom_fields_not_json": Rule(
        "ingest",
        "warning",
        "Shopware's custom_fields cell is not the JSON object its export writes: the custom "
        "fields were ignored",
    ),
    "product_type_unknown": Rule(
        "ingest",
        "warning",
        "WooCommerce product type {type} is not one this reader knows: read as a simple product",
    ),
    "sale_price_not_lower": Rule(
        "ingest",
        "warning",
        "sale price {sale} is not below the regular price {regular}: the sale price was ignored",
    ),
    "too_many_variants": Rule(
        "ingest", "error", "its VARIANTS multiply out to {n} variants, more than {max}"
    ),
    # The catalog's settings, applied after every reader (transforms/catalog/settings.py)
    "quantity_zero_dropped": Rule(
        "ingest", "warning", "{field} is 0 {unit}, which shop systems write for 'not set'"
    ),
    "gtin_scientific_notation": Rule(
        "ingest",
        "warning",
        "the GTIN {value} is a number in scientific notation: a spreadsheet dropped its last "
        "digits; the GTIN was dropped",
    ),
    "image_link_dropped": Rule(
        "ingest", "warning", "image link {link} is not an absolute http(s) URL; it was dropped"
    ),
    "stale_rates": Rule(
        "ingest",
        "either",
        "the ECB rates are of {day}, {n} TARGET business days before the run's date {run}",
    ),
    "invisible_characters_removed": Rule(
        "any", "warning", "{field}: invisible characters ({names}) were removed"
    ),
    "markup_removed": Rule(
        "feed", "warning", "{field}: text that reads as markup after decoding ({text}) was removed"
    ),
    # The catalog gate (schemas/catalog_rules.py, Great Expectations); each rule's
    # severity is its default's unless [validation.rules] sets another
    # (sku_present, sku_unique, price_present and title_present are errors by default)
    "sku_present": Rule("validate", "error", "the product has no sku"),
    "sku_unique": Rule("validate", "either", "the sku appears more than once in the catalog"),
    "gtin_format": Rule(
        "validate",
        "either",
        "the GTIN is not 8, 12, 13 or 14 digits: channels that send the GTIN set the product aside",
    ),
    "gtin_check_digit": Rule(
        "validate", "either", "the GTIN's check digit is {given}, GS1 computes {computed}"
    ),
    "identifier_present": Rule(
        "validate", "either", "no GTIN and no MPN: feeds will say identifier_exists = no"
    ),
    "brand_present": Rule(
        "validate", "either", "the product has no brand: channels that require one set it aside"
    ),
    "price_present": Rule(
        "validate", "either", "the product has no price above zero in any currency"
    ),
    "price_positive": Rule(
        "validate",
        "either",
        "a price is zero: markets selling in its currency set the product aside",
    ),
    "currency_iso4217": Rule("validate", "either", "the price's currency is not an ISO 4217 code"),
    "title_present": Rule("validate", "either", "the product has no title in any language"),
    "description_present": Rule(
        "validate", "either", "no description in the catalog's source locale"
    ),
    "description_short": Rule(
        "validate", "either", "the description has fewer than 50 characters of text"
    ),
    "image_link_absolute": Rule(
        "validate", "either", "an image link is not an absolute http(s) URL"
    ),
    "unit_allowed": Rule(
        "validate", "either", "a quantity's unit is not one the pipeline converts"
    ),
    "quantity_positive": Rule("validate", "either", "a weight or dimension is zero"),
    "quarantined": Rule(
        "validate",
        "error",
        "left out: catalog rules {rules} failed (see the ingest and validate findings)",
    ),
    # Localizing for a market (transforms/localize.py, transforms/pricing/money.py)
    "product_disabled": Rule("localize", "error", "the product is disabled in the catalog"),
    "missing_translation": Rule(
        "localize", "error", "no {field} in {locales}; catalog has {available}"
    ),
    "translation_pending": Rule("localize", "error", "no {target} translation yet: {why}"),
    "translation_qa_failed": Rule(
        "localize", "error", "the {target} translation is held back: {problems}"
    ),
    "published_in_source_language": Rule(
        "localize", "warning", "no {target} translation yet ({why}); the {locale} text is published"
    ),
    "missing_price": Rule(
        "localize", "error", "no {currency} price in the catalog (it has: {currencies})"
    ),
    "missing_rate": Rule("localize", "error", "no ECB rate for {currency}"),
    "unknown_tax_basis": Rule(
        "localize",
        "error",
        "[pricing.catalog_prices] does not say whether {currency} prices are net or gross",
    ),
    "missing_vat_rate": Rule(
        "localize", "error", "the VAT table has no rate for tax class {class} in {country}"
    ),
    "non_positive_price": Rule(
        "localize", "error", "price in {currency} must be greater than zero"
    ),
    "invalid_stock": Rule("localize", "warning", "stock {value} is not a whole number of units"),
    "invalid_list_price": Rule("localize", "warning", "{attribute} {value}: {why}"),
    # Per market and channel (transforms/completeness.py)
    "required_for_channel": Rule(
        "completeness",
        "error",
        "{channel} in {market} requires {field}; the listing is {n}% complete",
    ),
    # Writing a channel's feed (feeds/*.py)
    "title_shortened": Rule(
        "feed", "warning", "title shortened from {n} to {m} characters ({limit} allowed)"
    ),
    "text_shortened": Rule("feed", "warning", "{field} cut at a word boundary to {limit}"),
    "duplicate_title": Rule(
        "feed",
        "warning",
        "{sku} and {other} have the same {field}: none of {attributes} tells them apart",
    ),
    "empty_title": Rule("feed", "error", "title is empty after cleaning"),
    "empty_description": Rule("feed", "error", "{channel} needs a description"),
    "missing_brand": Rule("feed", "error", "{channel} requires a brand"),
    "missing_gtin": Rule("feed", "error", "{channel} requires a GTIN"),
    "invalid_gtin_left_out": Rule(
        "feed",
        "warning",
        "GTIN {problem}: the item is listed without a GTIN (Google rejects a wrong one)",
    ),
    "invalid_gtin": Rule("feed", "error", "GTIN {problem}"),
    "missing_image_link": Rule("feed", "error", "{channel} needs at least one image"),
    "missing_category": Rule(
        "feed",
        "error",
        "no {channel} category for {market} in the category mapping of {categories}",
    ),
    "missing_product_type": Rule(
        "feed", "error", "no Amazon product type for the categories {categories}"
    ),
    "missing_description": Rule("feed", "error", "Amazon requires a description"),
    "missing_bullet_point": Rule("feed", "error", "Amazon requires at least one bullet_point"),
    "missing_color": Rule("feed", "error", "Amazon requires a color"),
    "missing_country_of_origin": Rule("feed", "error", "Amazon requires a country of origin"),
    "missing_dangerous_goods_declaration": Rule(
        "feed", "error", "Amazon requires a dangerous-goods declaration"
    ),
    "dangerous_goods_details_missing": Rule(
        "feed",
        "error",
        "supplier_declared_dg_hz_regulation is {value}: Amazon then needs hazmat or GHS details",
    ),
    "missing_batteries_required": Rule(
        "feed",
        "error",
        "fulfilment by Amazon ({code}) needs the catalog attribute batteries_required",
    ),
    "battery_details_missing": Rule(
        "feed", "error", "batteries_required is yes: Amazon then needs battery details"
    ),
    "missing_package_size": Rule(
        "feed", "error", "fulfilment by Amazon ({code}) needs the package weight and dimensions"
    ),
    "no_variation_theme": Rule(
        "feed",
        "warning",
        "group {group} varies by {attributes}: no Amazon variation theme of this writer's has "
        "those parts, so its variants go out as products of their own",
    ),
    "missing_variation_value": Rule(
        "feed",
        "error",
        "group {group} varies by {attribute} and this variant has none: Amazon's theme "
        "{theme} needs every variant's",
    ),
    "list_price_below_price": Rule(
        "feed", "warning", "the recommended retail price {rrp} is below the price {price}"
    ),
    "too_many_bullet_points": Rule(
        "feed", "warning", "{n} bullet points, {channel} takes {max}: the rest are left out"
    ),
    "too_many_selling_points": Rule(
        "feed", "warning", "{n} selling points, the storefront takes {max}"
    ),
    "too_many_images": Rule("feed", "warning", "{n} images, {channel} takes {max}"),
    "price_out_of_range": Rule("feed", "error", "bol.com takes prices from 1.00 to 9999.00 EUR"),
    "shipping_unknown": Rule(
        "feed",
        "either",
        "{field} left out: the item has no weight and {service} charges by weight (or "
        "{weight} is over the last weight band of {service} ({max} kg)); {what applies}",
    ),
    "invalid_eprel_number": Rule(
        "feed",
        "warning",
        "the EPREL registration number is not digits: the item goes out without its energy "
        "label; correct eprel_registration_number in the catalog",
    ),
    # EU product law before publishing (schemas/compliance.py, through feeds/contract.py)
    "gpsr_manufacturer_missing": Rule(
        "feed",
        "error",
        "{sku} names no manufacturer, which EU product law (GPSR Art. 19) requires of every "
        "listing in the EU: {where to add it}",
    ),
    "gpsr_responsible_person_missing": Rule(
        "feed",
        "error",
        "{sku}: its manufacturer {operator} is outside the EU, so EU product law (GPSR Art. 19) "
        "requires an EU responsible person: {where to add it}",
    ),
    "energy_label_missing": Rule(
        "feed",
        "error",
        "{sku} is in category {category}, which carries an EU energy label (Regulation (EU) "
        "2017/1369 Art. 5): a listing in the EU shows its energy class; set the product's "
        "energy_class attribute in the catalog",
    ),
    "eprel_number_missing": Rule(
        "feed",
        "error",
        "{sku} is in category {category}, which carries an EU energy label (Regulation (EU) "
        "2017/1369 Art. 5): a listing in the EU shows its product information sheet from "
        "EPREL; set the product's eprel_registration_number attribute in the catalog",
    ),
    "epr_registration_missing": Rule(
        "feed",
        "error",
        "market {market} has no EPR registration for {scheme} ({n} of {listed} listings in "
        "scope: add {scheme} to [markets.{market}.epr]); {channel} blocks such listings, so "
        "its feed is not published and the live feed stays",
    ),
    "schema_invalid": Rule("feed", "error", "the item breaks the {channel} schema: {problems}"),
    "feed_file_invalid": Rule(
        "feed", "error", "{file} fails the {channel} format check and is not published: {problems}"
    ),
    "empty_feed_withheld": Rule(
        "feed", "error", "this run's {channel} feed lists none of the market's products"
    ),
    # EU product law as Allegro and bol.com take it: operators by the ids those marketplaces
    # gave them (feeds/allegro.py, feeds/bol.py)
    "allegro_responsible_producer_missing": Rule(
        "feed",
        "error",
        "Allegro takes the manufacturer {operator} as the id it gave it: add "
        "allegro_responsible_producer_id to [operators.{id}]",
    ),
    "allegro_responsible_person_missing": Rule(
        "feed",
        "error",
        "the manufacturer {operator} is outside the EU, and Allegro takes its EU responsible "
        "person as the id it gave it: add allegro_responsible_person_id to [operators.{id}]",
    ),
    "allegro_safety_information_missing": Rule(
        "feed",
        "warning",
        "no warnings or safety information in {locale}: Allegro asks for them on most "
        "categories under EU product law",
    ),
    "bol_economic_operator_missing": Rule(
        "feed",
        "error",
        "bol.com keeps offers without a valid economic operator off sale: add "
        "bol_economic_operator_id to [operators.{id}] or [channels.bol] economic_operator_id",
    ),
    # Sale prices per channel (feeds/sales.py, feeds/google.py, feeds/amazon/attributes.py)
    "sale_annotation_not_shown": Rule(
        "feed",
        "warning",
        "a discount of {percent} from {strike}: Google shows sale annotations (the struck "
        "price, the sale badge) only for a discount above 5 % and below 90 % "
        "(support.google.com/merchants/answer/9017019), so the sale price is shown as a "
        "plain price",
    ),
    "sale_not_below_reference": Rule(
        "feed",
        "warning",
        "the sale price {sale} is not below the price it is announced against ({strike}): "
        "sent as the price, with no reduction shown",
    ),
    "sale_without_end": Rule(
        "feed",
        "warning",
        "Amazon's discounted_price needs the sale's start and end: the sale price {sale} is "
        "sent as our_price, with no reduction shown; give the sale an end date in the catalog",
    ),
    # Overrides the data team owns (transforms/overrides.py, pipeline/overrides.py)
    "override_applied": Rule(
        "feed",
        "info",
        "{field} set by {file} row {row}: {old} -> {new}; where several set the field: "
        "(overridden by {winner}: {order}) or (wins over {others}: {order})",
    ),
    "override_unknown_sku": Rule(
        "feed",
        "warning",
        "{file} row {row} names sku {sku}, which no {channel} listing in {market} has: nothing "
        "was changed",
    ),
    "override_unknown_field": Rule(
        "feed", "warning", "{file}: column {column} is no field an override can set; ignored"
    ),
    "override_invalid_value": Rule(
        "feed", "warning", "{file} row {row}: {field} {value} {why}; the {field} stays as it was"
    ),
    "override_file_unreadable": Rule(
        "feed", "warning", "{file} cannot be read ({why}): no override of the channel applies"
    ),
    "feed_rule_not_judged": Rule(
        "feed",
        "warning",
        "{file} rule {name} (line {line}) could not be judged for this listing ({why}): it "
        "does not apply",
    ),
    "feed_rule_unmatched": Rule(
        "feed", "info", "{file} rule {name} (line {line}) matched no {channel} listing in {market}"
    ),
    "excluded_by_override": Rule(
        "feed", "error", "excluded from {channel} in {market} by {file} row {row}"
    ),
    # Sales and the prior price (transforms/catalog/values.py, transforms/pricing/sales.py,
    # transforms/pricing/prior_price.py: Directive 98/6/EC Art. 6a, CJEU C-330/23)
    "sale_period_invalid": Rule(
        "ingest",
        "warning",
        "the sale ends ({end}) before it starts ({start}); the sale was ignored",
    ),
    "sale_price_rounded_away": Rule(
        "localize",
        "warning",
        "the sale price {sale} becomes {price} here, not below the regular price {regular}: "
        "no sale is published",
    ),
    "omnibus_reference_lowered": Rule(
        "feed",
        "warning",
        "{sku}: the reduction to {sale} is announced against {prior}, the lowest price of the "
        "{days} days before {day}, not the catalog's regular price {regular}",
    ),
    "omnibus_reference_dropped": Rule(
        "feed",
        "warning",
        "{sku}: the regular price {regular} is above the lowest price of the {days} days "
        "before {day}, {prior}: the sale of {sale} is sent without a strike price",
    ),
    "omnibus_sale_not_below_prior": Rule(
        "feed",
        "warning",
        "{sku}: the sale price {sale} is not below the lowest price of the {days} days before "
        "{day}, {prior}: it is sent as the regular price with no strike price",
    ),
    "omnibus_prior_price_unknown": Rule(
        "feed",
        "warning",
        "{sku}: no {channel} price is recorded for the {days} days before {day}; the sale of "
        "{sale} is announced against the catalog's regular price {regular}",
    ),
}
"""Rule code -> what it means; see the module docstring."""
