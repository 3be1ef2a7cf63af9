"""Shop domains and access tokens.

- :func:`normalize_domain` turns what a merchant types into ``myshop.myshopify.com``.
- :class:`ClientCredentialsTokenProvider` obtains and renews the short-lived
  token of a Dev Dashboard app through the client-credentials grant.  It has
  no refresh token: a new token is requested shortly before the old expires.
"""

import contextlib
import re
import threading
import time
from urllib.parse import urlsplit

from .errors import (
    AuthenticationError,
    InvalidDomainError,
    RequestError,
    ServerError,
    ShopNotFoundError,
)

SHOPIFY_SUFFIX = ".myshopify.com"
_HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?\.myshopify\.com$")
_HANDLE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
# The admin URL merchants see in their browser: admin.shopify.com/store/<handle>
_ADMIN_RE = re.compile(r"^admin\.shopify\.com/store/(?P<handle>[^/?#]+)")
DEFAULT_TOKEN_LIFETIME = 24 * 3600
# Error codes of RFC 6749 section 5.2: the only part of a refusal quoted in messages.
OAUTH_ERRORS = frozenset(
    (
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
    )
)


def normalize_domain(value) -> str:
    """Return ``"<shop>.myshopify.com"`` for a handle, host or admin URL.

    Accepts ``myshop``, ``MyShop.myshopify.com``, ``https://myshop.myshopify.com/admin``
    and ``https://admin.shopify.com/store/myshop``; raises :class:`InvalidDomainError`
    for anything else (custom domains, other hosts, blanks).
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidDomainError("The shop domain is empty: enter e.g. myshop.myshopify.com.")
    text = value.strip().lower()
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or parts.username or parts.password:
            raise _invalid(value)
        try:
            port = parts.port
        except ValueError:
            raise _invalid(value) from None
        if port is not None:
            raise _invalid(value)
        text = (parts.hostname or "") + parts.path
    admin = _ADMIN_RE.match(text)
    if admin:
        host = admin["handle"] + SHOPIFY_SUFFIX
    else:
        host = text.split("/", 1)[0].rstrip(".")
        if "." not in host and _HANDLE_RE.match(host):
            host += SHOPIFY_SUFFIX
    if not _HOST_RE.match(host):
        raise _invalid(value)
    return host


def _invalid(value):
    return InvalidDomainError(
        f"{value.strip()!r} is not a Shopify shop domain: enter the shop's "
        "myshopify.com address (e.g. myshop.myshopify.com), not its own web domain.",
        value=value,
    )


def default_base_url(domain) -> str:
    """``https://<domain>``: the API root of a real shop."""
    return "https://" + normalize_domain(domain)


class InMemoryTokenStore:
    """Token store kept in memory (tests, scripts): same protocol as the Odoo one."""

    def __init__(self, lock=None):
        self._lock = lock or threading.Lock()
        self.token = None
        self.expires_at = None
        self.scope = None

    def load(self):
        return self.token, self.expires_at

    def save(self, token, expires_at, scope):
        self.token, self.expires_at, self.scope = token, expires_at, scope

    @contextlib.contextmanager
    def lock(self):
        with self._lock:
            yield


class ClientCredentialsTokenProvider:
    """Access tokens of a Dev Dashboard app (client-credentials grant).

    ``store`` shares the token between processes: ``load() -> (token,
    expires_at)``, ``save(token, expires_at, scope)`` and ``lock()`` (a row lock
    in Odoo).  Under the lock the store is read again and the grant is only
    requested if the stored token is still stale, so two workers never both
    renew; ``lock`` (default: a new ``threading.Lock``) serialises the threads
    sharing this provider.  ``http`` defaults to the client's single HTTP seam.  The token
    request is not retried here: a failure surfaces as a typed error
    (:class:`NetworkError` included).
    """

    def __init__(
        self,
        domain,
        client_id,
        client_secret,
        base_url=None,
        store=None,
        margin=300,
        clock=time.time,
        lock=None,
        http=None,
        timeout=(10, 30),
        session=None,
    ):
        if not client_id or not client_secret:
            raise AuthenticationError("The client ID and the client secret are both required.")
        self.domain = normalize_domain(domain)
        self.base_url = (base_url or default_base_url(self.domain)).rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.store = store if store is not None else InMemoryTokenStore()
        self.margin = margin
        self.clock = clock
        self._lock = lock or threading.Lock()
        self._http = http
        self.timeout = timeout
        self.session = session
        self._token = None
        self._expires_at = None
        self.scope = None
        self.requests_made = 0

    def __repr__(self):
        return f"<ClientCredentialsTokenProvider {self.domain}>"

    def _fresh(self, expires_at):
        return expires_at is not None and self.clock() < expires_at - self.margin

    def get_token(self, force_refresh=False):
        """Return a valid token, renewing it when within ``margin`` of expiry.

        ``force_refresh`` (after a 401) ignores the token in hand, but still
        accepts a different, fresh token that another worker stored meanwhile.
        """
        rejected = self._token if force_refresh else None
        if not force_refresh and self._token and self._fresh(self._expires_at):
            return self._token
        with self._lock, self.store.lock():
            token, expires_at = self.store.load()
            if token and token != rejected and self._fresh(expires_at):
                self._token, self._expires_at = token, expires_at
                return token
            token, expires_at, scope = self._request_token()
            self.store.save(token, expires_at, scope)
            self._token, self._expires_at, self.scope = token, expires_at, scope
            return token

    def _request_token(self):
        url = f"{self.base_url}/admin/oauth/access_token"
        data = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        http = self._http
        if http is None:
            # Imported here: the client module imports this one.
            from .client import http_request

            http = http_request
        self.requests_made += 1
        requested_at = self.clock()
        response = http(
            "POST",
            url,
            data=data,
            headers={"Accept": "application/json"},
            timeout=self.timeout,
            session=self.session,
        )
        status = response.status_code
        if status in (400, 401, 403):
            reason = _oauth_error(response)
            raise AuthenticationError(
                f"Shopify refused the client credentials for {self.domain}"
                f"{f' ({reason})' if reason else ''}: check the client ID and secret, "
                "and that the app is installed on this shop.",
                status=status,
                reason=reason,
            )
        if status == 404:
            raise ShopNotFoundError(
                f"No Shopify shop answers at {self.domain}: check the shop domain.",
                status=status,
            )
        if status >= 500:
            raise ServerError(
                f"Shopify could not issue an access token (HTTP {status}); try again later.",
                status=status,
            )
        if status != 200:
            raise RequestError(
                f"Unexpected answer to the access token request (HTTP {status}).", status=status
            )
        try:
            payload = response.json()
            token = payload["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ServerError(
                "Shopify's answer to the access token request holds no token.", status=status
            ) from None
        expires_in = payload.get("expires_in") or DEFAULT_TOKEN_LIFETIME
        return token, requested_at + float(expires_in), payload.get("scope")


def _oauth_error(response):
    """The short OAuth error code (e.g. ``invalid_client``), never the body."""
    try:
        payload = response.json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    return error if error in OAUTH_ERRORS else None
