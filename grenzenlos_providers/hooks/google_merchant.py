"""Google Merchant Center's connection type (``google_merchant``): the Merchant API's
credentials, a service account key or an OAuth client with a user's refresh token
(`pipeline.delivery.google_merchant.access`), with the secrets registered with Airflow's
secrets masker. The **Test** button reads the account through the Merchant API: one
``ListProducts`` call of one product, the cheapest call the Products API authenticates
and authorizes for the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from airflow.sdk import BaseHook

if TYPE_CHECKING:
    from pipeline.delivery.google_merchant.access import MerchantApiAccess


class GoogleMerchantHook(BaseHook):
    """The Merchant API's connection (default ``gmc_api``, `[channels.google]
    api_connection`)."""

    conn_name_attr = "conn_id"
    default_conn_name: ClassVar[str] = "gmc_api"
    conn_type: ClassVar[str] = "google_merchant"
    hook_name: ClassVar[str] = "Google Merchant API"

    def __init__(self, conn_id: str | None = None) -> None:
        super().__init__()
        self.conn_id = conn_id or self.default_conn_name

    def access(self) -> tuple[MerchantApiAccess, str | None]:
        """The connection's credentials (secrets masked in logs) and the Merchant Center
        account its form names for the Test button (extra ``merchant_account``).

        Raises:
            ConnectionNotDefined: the connection does not exist.
            CredentialsError: it holds neither a service account key nor a complete
                OAuth client with a refresh token.
        """
        from airflow.sdk.exceptions import AirflowNotFoundException
        from airflow.sdk.log import mask_secret

        from grenzenlos_providers.hooks.fields import masked_fields
        from pipeline.delivery.google_merchant.access import MerchantApiAccess
        from pipeline.delivery.outcome import ConnectionNotDefined

        try:
            conn = self.get_connection(self.conn_id)
        except AirflowNotFoundException:
            raise ConnectionNotDefined(
                self.conn_id,
                f"the Airflow connection {self.conn_id!r} is not defined (Admin -> "
                f"Connections, or AIRFLOW_CONN_{self.conn_id.upper()})",
            ) from None
        fields = masked_fields(conn)
        access = MerchantApiAccess.from_connection(self.conn_id, fields)
        account = str(fields.extra.get("merchant_account") or "") or None
        for secret in access.secrets():
            mask_secret(secret)
        return access, account

    def get_conn(self) -> MerchantApiAccess:
        return self.access()[0]

    def test_connection(self) -> tuple[bool, str]:
        """Read one product of the form's Merchant Center account, once, no retries."""
        from google.api_core import exceptions
        from google.auth.exceptions import GoogleAuthError
        from google.shopping.merchant_products_v1 import ListProductsRequest

        from pipeline.delivery.outcome import CredentialsError
        from transforms.api_client import scrub

        try:
            access, account = self.access()
        except CredentialsError as error:
            return False, str(error)
        if account is None:
            return False, (
                f"the connection {self.conn_id!r} names no Merchant Center account to read "
                "(the form's Merchant Center account id)"
            )
        client = access.products_client()
        request = ListProductsRequest(parent=f"accounts/{account}", page_size=1)
        try:
            pager = client.list_products(request=request, retry=None)
            listed = len(next(iter(pager.pages)).products)
        except (exceptions.GoogleAPIError, GoogleAuthError) as error:
            return False, (
                f"the Merchant API refused account {account} with the connection "
                f"{self.conn_id!r}: {scrub(str(error), access.secrets())}"
            )
        finally:
            client.transport.close()  # type: ignore[no-untyped-call]
        found = "its first product" if listed else "no product yet"
        return True, f"the Merchant API read account {account}: {found}"
