"""One HTTP client for the APIs the pipeline talks to (Amazon's SP-API, eBay's Inventory
API, Akeneo PIM's REST API): authentication, refresh, retries and secret scrubbing in one
place, so each API's own module keeps only its calls, URLs and error answers.

- `tokens`: where the access token comes from (`RefreshTokenGrant`, `PasswordGrant`,
  behind `TokenSource`);
- `session`: `ApiSession`, which puts the token on every call, renews it once when the
  API refuses it, retries transient answers and scrubs secrets from what it says;
- `retry`: `RetryPolicy`, when to try again and how long to wait (``Retry-After``, a
  vendor's rate header, backoff), and `ApiUnavailable` when to give up;
- `pacing`: `TokenBucket`, keeping an operation within its usage plan beforehand.

Why not urllib3's ``Retry`` (mounted on the session through ``HTTPAdapter``): its waits
are its own ``time.sleep`` (the clients' tests and Airflow's task budgets need them
injected and recorded), it honours ``Retry-After`` without a cap and knows no rate
header such as Amazon's, it re-sends a refused token unchanged instead of renewing it,
counts 429s with the failures, and gives up with a ``RetryError`` whose text holds the
URL (a presigned URL's signature with it); see ``tests/unit/transforms/test_api_client.py``.
"""

from transforms.api_client.pacing import RateLimit, TokenBucket
from transforms.api_client.retry import ApiUnavailable, RetryPolicy
from transforms.api_client.session import ApiSession, scrub
from transforms.api_client.tokens import (
    PasswordGrant,
    RefreshTokenGrant,
    TokenRefused,
    TokenSource,
)

__all__ = [
    "ApiSession",
    "ApiUnavailable",
    "PasswordGrant",
    "RateLimit",
    "RefreshTokenGrant",
    "RetryPolicy",
    "TokenBucket",
    "TokenRefused",
    "TokenSource",
    "scrub",
]
