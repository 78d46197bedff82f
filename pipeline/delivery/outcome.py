"""What every delivery returns, and the credentials the API deliveries take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["accepted", "accepted_with_warnings", "refused", "uploaded", "served"]
"""How a delivery ended: the marketplace ``accepted`` every item (``..._with_warnings``
when it warned about some), ``refused`` the file or some items, the file was
``uploaded`` to a drop that answers later (SFTP), or the URL a marketplace fetches
``served`` the current file."""


class DeliveryError(Exception):
    """A delivery that could not finish (after its retries); the message names the feed,
    the marketplace's answer, and never a secret."""


class CredentialsError(DeliveryError):
    """The connection's credentials were refused or incomplete; the message names the
    Airflow connection."""


class ConnectionNotDefined(CredentialsError):
    """The channel's Airflow connection does not exist: the channel is not configured on
    this installation. ``deliver_feeds`` reports the file as *not configured* instead of
    failing, unless the channel's ``delivery.required`` is true."""

    def __init__(self, conn_id: str, message: str) -> None:
        super().__init__(message)
        self.conn_id = conn_id
        """The connection that is missing."""


@dataclass(frozen=True, slots=True)
class MarketplaceIssue:
    """One thing the marketplace said about one item (or the whole file, ``sku`` None).

    Attributes:
        sku: The item's sku, when the marketplace names it (Amazon by messageId).
        severity: ``error``: the item (or file) was refused; ``warning``: accepted.
        code: The marketplace's own code (Amazon ``90220``, eBay ``25002``).
        field: The attribute it concerns (Amazon ``attributeNames``, joined by ``, ``;
            eBay ``parameters``), ``""`` when none is named.
        message: The marketplace's message, as it wrote it.
    """

    sku: str | None
    severity: Literal["error", "warning"]
    code: str
    field: str
    message: str


TOP_ISSUES = 5
"""How many issues `DeliveryOutcome.top_issues` names."""


@dataclass(frozen=True, slots=True)
class IssueCount:
    """One of the issues most products have, for the report's "At the marketplaces".

    Attributes:
        code: The marketplace's code (Google ``invalid_upc``).
        description: Its short description, as the marketplace words it.
        products: How many products have it.
    """

    code: str
    description: str
    products: int


@dataclass(slots=True)
class DeliveryOutcome:
    """What one feed file's delivery came to.

    Attributes:
        verdict: See `Verdict`.
        detail: One sentence for the data team ("Amazon processed 67 messages: 65
            accepted, 2 refused.").
        reference: The marketplace's id for what was sent (Amazon feedId, the remote
            path of an SFTP upload, the URL checked), None when there is none.
        sent: Items sent (lines of the file, messages, inventory items).
        accepted: Items the marketplace accepted (warnings included).
        issues: Every issue the marketplace reported.
        refused_skus: Skus refused by the marketplace (re-sent by the next run).
        states: Products per state where the marketplace reports states (Google's
            ``approved``, ``disapproved``, ``pending``); empty otherwise.
        top_issues: The issues most products have, most first (at most
            `TOP_ISSUES`); empty where the marketplace reports none.
    """

    verdict: Verdict
    detail: str
    reference: str | None = None
    sent: int = 0
    accepted: int = 0
    issues: list[MarketplaceIssue] = field(default_factory=list)
    refused_skus: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    top_issues: list[IssueCount] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (as the delivery record keeps it,
        `pipeline.delivery.records.DeliveryRecord`)."""
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True)
class OAuthCredentials:
    """An OAuth app's credentials and a seller's refresh token, from an Airflow connection.

    ``repr`` shows the connection id only, so a credentials object in a log or a traceback
    gives nothing away.

    Attributes:
        conn_id: The Airflow connection they came from (named in every error).
        client_id: The app's client id (connection login).
        client_secret: The app's client secret (connection password).
        refresh_token: The seller's refresh token (connection extra ``refresh_token``).
        token_url: Where to exchange the refresh token (extra ``token_url``); None: the
            marketplace's own for the environment.
        endpoint: The API's base URL (connection host, or extra ``endpoint``); None: the
            marketplace's own for the environment and region.
    """

    conn_id: str
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    token_url: str | None = None
    endpoint: str | None = None

    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear in a log, finding or report (for tests and
        for scrubbing a marketplace's echo of them)."""
        return tuple(s for s in (self.client_secret, self.refresh_token) if s)
