"""Typed errors raised by the Shopify client.

Every error has a stable :attr:`ShopifyError.code` string; the Odoo layer maps
the class (or the code) to a translated message for the merchant.  Messages
are plain English, never contain tokens or secrets, and keep the details
(HTTP status, GraphQL errors, user errors) as attributes.
"""


class ShopifyError(Exception):
    """Base class of every error the Shopify client raises."""

    code = "shopify_error"

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details
        self.status = details.get("status")

    def __str__(self):
        return self.message


class InvalidDomainError(ShopifyError, ValueError):
    """The value given as shop domain is not a ``*.myshopify.com`` shop."""

    code = "invalid_domain"


class AuthenticationError(ShopifyError):
    """401: invalid or revoked access token, or client credentials refused."""

    code = "authentication"


class AccessDeniedError(ShopifyError):
    """403 or GraphQL ``ACCESS_DENIED``: the app lacks a scope."""

    code = "access_denied"

    @property
    def field(self):
        return self.details.get("field")

    @property
    def scope(self):
        return self.details.get("scope")


class ShopNotFoundError(ShopifyError):
    """404: wrong domain, or the shop no longer exists."""

    code = "shop_not_found"


class ShopUnavailableError(ShopifyError):
    """402 (shop frozen, unpaid) or 423 (shop locked)."""

    code = "shop_unavailable"


class ThrottledError(ShopifyError):
    """Still throttled (GraphQL ``THROTTLED`` or HTTP 429) after every retry."""

    code = "throttled"


class ServerError(ShopifyError):
    """Shopify answered 5xx (or an internal error) after every retry."""

    code = "server_error"


class NetworkError(ShopifyError):
    """Connection error or timeout after every retry."""

    code = "network"


class RequestError(ShopifyError):
    """Another HTTP error (e.g. 400, 413, 422) that retrying cannot fix."""

    code = "request"


class GraphQLQueryError(ShopifyError):
    """Top-level GraphQL ``errors`` (validation, cost limit, ...)."""

    code = "graphql"

    @property
    def errors(self):
        return self.details.get("errors", [])

    @property
    def error_codes(self):
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class UserErrorsError(ShopifyError):
    """A mutation answered with non-empty ``userErrors``."""

    code = "user_errors"

    @property
    def user_errors(self):
        """List of ``{"field", "message", "code"}`` dicts."""
        return self.details.get("user_errors", [])

    @property
    def codes(self):
        return [e.get("code") for e in self.user_errors]
