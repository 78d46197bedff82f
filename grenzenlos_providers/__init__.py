"""grenzenlos as an Airflow provider: the connection types of the services the pipeline
talks to, each with its form (labelled fields, hidden irrelevant ones, placeholders) and
a **Test** button, registered the way Airflow discovers providers.

Airflow finds this package through the ``apache_airflow_provider`` entry point in
``pyproject.toml`` (``get_provider_info``), so it is there once the project is installed
(``make install``: ``uv sync`` re-installs the project when ``pyproject.toml`` changes).
The form is declared here, in ``conn-fields`` and ``ui-field-behaviour``: Airflow 3.2
deprecated the hooks' ``get_connection_form_widgets`` / ``get_ui_field_behaviour`` (which
need wtforms, not installed with Airflow 3) for this declarative form
(``airflow.providers_manager``, "Define connection fields declaratively").

This package sits beside ``dags/`` in the layers: it may import ``pipeline`` and below,
and nothing below imports it.
"""

from __future__ import annotations

from typing import Any

PACKAGE = "grenzenlos"
"""The distribution's name: Airflow checks it against ``package-name``."""


def _secret(label: str, description: str) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["string", "null"], "format": "password"},
    }


def _text(label: str, description: str) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"]}}


CONNECTION_TYPES: list[dict[str, Any]] = [
    {
        "hook-class-name": "grenzenlos_providers.hooks.deepl.DeepLHook",
        "hook-name": "DeepL API",
        "connection-type": "deepl",
        "ui-field-behaviour": {
            "hidden-fields": ["login", "schema", "port", "extra"],
            "relabeling": {"password": "Authentication key", "host": "Server URL"},
            "placeholders": {
                "password": "the key from your DeepL account (ends in :fx on DeepL API Free)",
                "host": "empty: DeepL's own API; or https://proxy.example:8443",
            },
        },
    },
    {
        "hook-class-name": "grenzenlos_providers.hooks.marketplaces.AmazonSpApiHook",
        "hook-name": "Amazon Selling Partner API",
        "connection-type": "amazon_sp_api",
        "conn-fields": {
            "refresh_token": _secret(
                "Refresh token",
                "The seller's LWA refresh token (Atzr|...), from authorizing the app in "
                "Seller Central",
            ),
            "endpoint": _text(
                "SP-API endpoint", "Empty: Amazon's own for the market's region and environment"
            ),
            "token_url": _text("LWA token URL", "Empty: https://api.amazon.com/auth/o2/token"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port", "extra"],
            "relabeling": {"login": "LWA client id", "password": "LWA client secret"},
            "placeholders": {
                "login": "amzn1.application-oa2-client.…",
                "password": "amzn1.oa2-cs.v1.…",
                "refresh_token": "Atzr|…",
            },
        },
    },
    {
        "hook-class-name": "grenzenlos_providers.hooks.marketplaces.EbayHook",
        "hook-name": "eBay APIs",
        "connection-type": "ebay_api",
        "conn-fields": {
            "refresh_token": _secret(
                "Refresh token",
                "The seller's user refresh token (v^1.1#...) with the sell.inventory scope",
            ),
            "endpoint": _text(
                "API endpoint",
                "Empty: https://api.ebay.com, or https://api.sandbox.ebay.com for a sandbox app "
                "(an App ID with -SBX-)",
            ),
            "token_url": _text("Token URL", "Empty: <endpoint>/identity/v1/oauth2/token"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port", "extra"],
            "relabeling": {"login": "App ID (client id)", "password": "Cert ID (client secret)"},
            "placeholders": {
                "login": "Shop-grenzenl-PRD-…",
                "password": "PRD-…",
                "refresh_token": "v^1.1#i^1#…",
            },
        },
    },
    {
        "hook-class-name": "grenzenlos_providers.hooks.google_merchant.GoogleMerchantHook",
        "hook-name": "Google Merchant API",
        "connection-type": "google_merchant",
        "conn-fields": {
            "service_account_info": _secret(
                "Service account key (JSON)",
                "The key file's JSON of a service account that is a user of the Merchant "
                "Center account; empty: the OAuth client and refresh token are used",
            ),
            "refresh_token": _secret(
                "Refresh token",
                "A user's refresh token with the scope https://www.googleapis.com/auth/content "
                "(with the OAuth client id and secret)",
            ),
            "merchant_account": _text(
                "Merchant Center account id",
                "The account the Test button reads; the deliveries use [channels.google] "
                "merchant_account",
            ),
            "endpoint": _text("API endpoint", "Empty: https://merchantapi.googleapis.com"),
            "token_url": _text("Token URL", "Empty: https://oauth2.googleapis.com/token"),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["host", "schema", "port", "extra"],
            "relabeling": {"login": "OAuth client id", "password": "OAuth client secret"},
            "placeholders": {
                "login": "….apps.googleusercontent.com",
                "password": "GOCSPX-…",
                "refresh_token": "1//0g…",
                "merchant_account": "123456789",
            },
        },
    },
]
"""Each connection type: its hook, its name in the UI, its form."""


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads of this provider (the entry point's target)."""
    return {
        "package-name": PACKAGE,
        "name": "grenzenlos",
        "description": (
            "Connection types of the grenzenlos pipeline: DeepL, Amazon SP-API, eBay, "
            "Google Merchant API."
        ),
        "versions": ["0.1.0"],
        "connection-types": CONNECTION_TYPES,
    }
