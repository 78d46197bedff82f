"""The Merchant API's credentials from an Airflow connection, and the Products service
client built from them.

The connection (``[channels.google] api_connection``, default ``gmc_api``) holds either

- a service account key: extra ``service_account_info``, the key file's JSON (an object
  or its text); the service account is a user of the Merchant Center account; or
- an OAuth client and a user's refresh token: login = client id, password = client
  secret, extra ``refresh_token``.

Extra ``endpoint`` (and ``token_url``) point the client at another server (tests).

With a service account key, Google's client library signs a short-lived JWT itself for
every call (no token exchange: ``always_use_jwt_access``). When the connection names a
token endpoint other than Google's (extra ``token_url``, or the key's ``token_uri``: a
token broker, the tests' server), the client asks it for an access token instead, with
the JWT bearer grant (RFC 7523) google-auth makes from the key.
Airflow masks the password and the extras named ``*token*``/``*service_account*`` in
its logs; `MerchantApiAccess.secrets` lists them for scrubbing what Google answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.delivery.outcome import CredentialsError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from google.auth.credentials import Credentials
    from google.shopping.merchant_products_v1 import (
        ProductInputsServiceClient,
        ProductsServiceClient,
    )

    from pipeline.delivery.senders import ConnectionFields

SCOPE = "https://www.googleapis.com/auth/content"
"""The Merchant API's OAuth scope (its discovery document, ``auth.oauth2.scopes``)."""

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
"""Google's OAuth token endpoint, where a refresh token is exchanged."""


@dataclass(frozen=True)
class MerchantApiAccess:
    """How to call the Merchant API for one Merchant Center account.

    ``repr`` shows the connection id and the endpoint only.

    Attributes:
        conn_id: The Airflow connection they came from (named in every error).
        service_account_info: The service account key (None: the OAuth fields are used).
        client_id: The OAuth client's id.
        client_secret: The OAuth client's secret.
        refresh_token: The user's refresh token.
        token_url: Where tokens are asked for; None: Google's.
        endpoint: The API's base URL; None: Google's (``merchantapi.googleapis.com``).
    """

    conn_id: str
    service_account_info: Mapping[str, Any] | None = field(default=None, repr=False)
    client_id: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    token_url: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_connection(cls, conn_id: str, fields: ConnectionFields) -> MerchantApiAccess:
        """Read the connection's fields (see the module's docstring).

        Raises:
            CredentialsError: naming the connection and what it lacks.
        """
        extra = dict(fields.extra)
        info = extra.get("service_account_info")
        if isinstance(info, str) and info.strip():
            try:
                info = json.loads(info)
            except ValueError:
                raise CredentialsError(
                    f"the Airflow connection {conn_id!r}: extra service_account_info is not "
                    "the JSON of a service account key"
                ) from None
        token_url = extra.get("token_url") or None
        endpoint = extra.get("endpoint") or None
        if info:
            if not isinstance(info, dict) or not {"client_email", "private_key"} <= set(info):
                raise CredentialsError(
                    f"the Airflow connection {conn_id!r}: extra service_account_info lacks "
                    "client_email or private_key (the key file's JSON, as Google gives it)"
                )
            return cls(conn_id, info, token_url=token_url, endpoint=endpoint)
        refresh_token = str(extra.get("refresh_token") or "")
        missing = [
            what
            for what, value in (
                ("a login (the OAuth client id)", fields.login),
                ("a password (the OAuth client secret)", fields.password),
                ("refresh_token in its extra", refresh_token),
            )
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"the Airflow connection {conn_id!r} has no service_account_info and lacks "
                f"{', '.join(missing)}"
            )
        return cls(
            conn_id,
            None,
            fields.login,
            fields.password,
            refresh_token,
            token_url=token_url,
            endpoint=endpoint,
        )

    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a log, finding or report."""
        key = str((self.service_account_info or {}).get("private_key") or "")
        return tuple(s for s in (self.client_secret, self.refresh_token, key) if s)

    def credentials(self) -> Credentials:
        """google-auth credentials that fetch (and renew) the access token themselves."""
        if self.service_account_info is not None:
            from google.oauth2 import service_account

            info = dict(self.service_account_info)
            if self.token_url:
                info["token_uri"] = self.token_url
            sa: Credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                info, scopes=[SCOPE]
            )
            return sa
        from google.oauth2.credentials import Credentials as UserCredentials

        return UserCredentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=self.refresh_token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_uri=self.token_url or GOOGLE_TOKEN_URL,
            scopes=[SCOPE],
        )

    def exchanges_tokens(self) -> bool:
        """Whether a service account's access tokens come from a token endpoint (one other
        than Google's is named) rather than from JWTs the client signs itself."""
        if self.service_account_info is None:
            return True
        token_uri = self.token_url or self.service_account_info.get("token_uri")
        return bool(token_uri) and token_uri != GOOGLE_TOKEN_URL

    def _transport(self, transport_class: Any) -> Any:
        """The REST transport class, built as the client asks except that a service
        account exchanges its JWT for a token where `exchanges_tokens` says so."""
        exchange = self.exchanges_tokens()

        def build(**settings: Any) -> Any:
            if exchange:
                settings["always_use_jwt_access"] = False
            return transport_class(**settings)

        return build

    def products_client(self) -> ProductsServiceClient:
        """The Products service client, over REST (JSON over HTTP/1.1, the transport a
        local test server can answer; gRPC is the library's default)."""
        from google.api_core.client_options import ClientOptions
        from google.shopping.merchant_products_v1 import ProductsServiceClient
        from google.shopping.merchant_products_v1.services.products_service.transports import (
            ProductsServiceRestTransport,
        )

        options = ClientOptions(api_endpoint=self.endpoint) if self.endpoint else None
        return ProductsServiceClient(
            credentials=self.credentials(),
            transport=self._transport(ProductsServiceRestTransport),
            client_options=options,
        )

    def product_inputs_client(self) -> ProductInputsServiceClient:
        """The ProductInputs service client (inserts and deletes), over REST as
        `products_client`."""
        from google.api_core.client_options import ClientOptions
        from google.shopping.merchant_products_v1 import ProductInputsServiceClient
        from google.shopping.merchant_products_v1.services.product_inputs_service.transports import (  # noqa: E501
            ProductInputsServiceRestTransport,
        )

        options = ClientOptions(api_endpoint=self.endpoint) if self.endpoint else None
        return ProductInputsServiceClient(
            credentials=self.credentials(),
            transport=self._transport(ProductInputsServiceRestTransport),
            client_options=options,
        )
