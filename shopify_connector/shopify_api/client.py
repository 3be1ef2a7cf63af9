"""The Shopify Admin GraphQL client: the connector's one HTTP seam.

:func:`http_request` is the only function of the project that calls
``requests``; :class:`ShopifyClient` sends registered
:class:`~.documents.Document` instances through it and adds what every call
needs: authentication, cost-aware throttling shared by all clients of a shop,
bounded retries with backoff, typed errors, logging without secrets and
cursor paging.

Retrying mutations: a query can always be sent again.  A mutation is sent
again after an ambiguous failure (timeout while waiting for the answer, 5xx,
connection reset) only when its document carries an ``@idempotent`` key,
because Shopify then applies the key at most once.  Other mutations are
retried only after failures that prove Shopify did not process them: the
connection could not be opened, HTTP 429, or GraphQL ``THROTTLED``.
"""

import logging
import random
import re
import threading
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import NewConnectionError

from .auth import default_base_url, normalize_domain
from .document_costs import COSTS as DOCUMENT_COSTS
from .documents import Document
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    GraphQLQueryError,
    NetworkError,
    RequestError,
    ServerError,
    ShopNotFoundError,
    ShopUnavailableError,
    ThrottledError,
    UserErrorsError,
)

API_VERSION = "2026-10"
USER_AGENT = "odoo-shopify-connector/19.0"
LOGGER_NAME = "odoo.addons.shopify_connector.shopify_api"
DEFAULT_EXPECTED_COST = 50  # points assumed for a document of unknown cost
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
MIN_THROTTLE_WAIT = 0.5

_logger = logging.getLogger(LOGGER_NAME)
_MUTATION_RE = re.compile(r"^\s*mutation\b", re.MULTILINE)
_SCOPE_RE = re.compile(r"\b((?:unauthenticated_)?(?:read|write)_[a-z_]+)\b")


# -- the HTTP seam -----------------------------------------------------------


# Larger answers are refused (Shopify's largest documented answers are far below).
MAX_RESPONSE_BYTES = 50 * 1024 * 1024


def http_request(method, url, *, timeout, headers=None, data=None, json=None, session=None):
    """Send one HTTP request; the only call to ``requests`` in the project.

    Transport failures become :class:`NetworkError` with ``not_sent=True``
    when the connection could not even be opened (the request surely did not
    reach Shopify).  Messages name the host only: no headers, no body.
    """
    sender = session if session is not None else requests
    host = _host(url)
    try:
        # Redirects are never followed: they would carry the credentials in
        # the headers to another host.
        response = sender.request(
            method,
            url,
            headers=headers,
            data=data,
            json=json,
            timeout=timeout,
            allow_redirects=False,
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        # One message for refused, filtered and timed-out connections, so
        # that the answer does not tell whether a port is open.
        raise NetworkError(
            f"Shopify could not be reached at {host}.", not_sent=_not_sent(exc)
        ) from exc
    except requests.RequestException as exc:  # invalid URL or scheme
        raise RequestError(
            f"{host or url} is not a Shopify address the connector can use."
        ) from exc
    if 300 <= response.status_code < 400:
        target = response.headers.get("Location") or ""
        target_host = _host(target) if "://" in target else host
        raise RequestError(
            f"{host} answered with a redirect to {target_host or 'another address'}; "
            "the connector never follows redirects with credentials."
        )
    if len(response.content or b"") > MAX_RESPONSE_BYTES:
        raise RequestError(f"The answer of {host} is larger than {MAX_RESPONSE_BYTES} bytes.")
    return response


def _host(url):
    """The host (and port) of ``url``: what messages may name."""
    return url.split("://", 1)[-1].split("/", 1)[0]


def _not_sent(exc):
    """True when the error proves the request never reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.Timeout):
        return False
    stack, seen = [exc], set()
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (NewConnectionError, ConnectionRefusedError)):
            return True
        if isinstance(item, BaseException):
            stack.extend(a for a in item.args if isinstance(a, BaseException))
            stack.extend((getattr(item, "reason", None), item.__cause__, item.__context__))
    return False


def backoff_delay(attempt, rng=random.random, base=BACKOFF_BASE, cap=BACKOFF_CAP):
    """Exponential backoff with equal jitter for retry number ``attempt`` (1, 2, ...)."""
    ceiling = min(cap, base * 2 ** (attempt - 1))
    return ceiling / 2 + rng() * ceiling / 2


def is_mutation(doc):
    return bool(_MUTATION_RE.search(doc.text))


def is_idempotent(doc):
    """A mutation whose document carries an ``@idempotent`` key."""
    return "@idempotent" in doc.text


# -- cost-aware throttling ------------------------------------------------------


class ThrottleState:
    """Predicted leaky-bucket state of one shop, shared by its clients."""

    def __init__(self):
        self.lock = threading.Lock()
        self.maximum = None
        self.available = None
        self.restore_rate = None
        self.seen_at = None
        self.expected_costs = {}

    def _predicted(self, now):
        elapsed = now - self.seen_at
        return min(self.maximum, self.available + elapsed * self.restore_rate)

    def predicted(self, now):
        """Points predicted available at ``now`` (None before the first answer)."""
        with self.lock:
            return None if self.maximum is None else self._predicted(now)

    def observe(self, cost, now, document_name=None):
        """Record an answer's ``extensions.cost``."""
        if not isinstance(cost, dict):
            return
        with self.lock:
            requested = cost.get("requestedQueryCost")
            if document_name and isinstance(requested, (int, float)):
                self.expected_costs[document_name] = requested
            status = cost.get("throttleStatus") or {}
            try:
                maximum = float(status["maximumAvailable"])
                available = float(status["currentlyAvailable"])
                rate = float(status["restoreRate"])
            except (KeyError, TypeError, ValueError):
                return
            self.maximum, self.available, self.restore_rate = maximum, available, rate
            self.seen_at = now

    def expected_cost(self, document_name):
        """Points a document is expected to cost: its last requested cost in
        this process, else its cost computed from the schema, else a guess."""
        cost = self.expected_costs.get(document_name)
        if cost is None:
            cost = DOCUMENT_COSTS.get(document_name, DEFAULT_EXPECTED_COST)
        return cost if self.maximum is None else min(cost, self.maximum)

    def reserve(self, document_name, now):
        """Seconds to wait before sending; books the expected points.

        Booking makes concurrent requests of the same shop queue up behind
        each other instead of all seeing the same free points.
        """
        with self.lock:
            if self.maximum is None or not self.restore_rate:
                return 0.0
            cost = self.expected_cost(document_name)
            predicted = self._predicted(now)
            missing = cost - predicted
            wait = missing / self.restore_rate if missing > 0 else 0.0
            self.available = predicted + wait * self.restore_rate - cost
            self.seen_at = now + wait
            return wait


_THROTTLE_STATES = {}
_THROTTLE_LOCK = threading.Lock()


def throttle_state(base_url, domain):
    """The process-wide :class:`ThrottleState` of one shop."""
    with _THROTTLE_LOCK:
        return _THROTTLE_STATES.setdefault((base_url, domain), ThrottleState())


def reset_throttle_states():
    """Forget every shop's bucket (tests)."""
    with _THROTTLE_LOCK:
        _THROTTLE_STATES.clear()


# -- the client -------------------------------------------------------------------


class _Retry(Exception):
    """Internal: a failed attempt that may be retried."""

    def __init__(self, error, delay=None, not_sent=False):
        super().__init__(error.message)
        self.error = error
        self.delay = delay
        self.not_sent = not_sent


class ShopifyClient:
    """Admin GraphQL client of one shop.

    Give exactly one of ``access_token`` (static token) or ``token_provider``
    (callable, or object with ``get_token(force_refresh=False)``; on a 401 the
    token is refreshed once and the request sent again).  ``sleep``, ``clock``
    and ``rng`` are injectable for tests; the throttle state is shared by every
    client of the same ``base_url`` and domain, so they must share one clock.
    """

    def __init__(
        self,
        domain,
        access_token=None,
        token_provider=None,
        base_url=None,
        api_version=API_VERSION,
        timeout=(10, 60),
        max_retries=6,
        session=None,
        sleep=time.sleep,
        clock=time.monotonic,
        rng=random.random,
        logger=None,
    ):
        if (access_token is None) == (token_provider is None):
            raise ValueError("Give exactly one of access_token or token_provider.")
        self.domain = normalize_domain(domain)
        self.base_url = (base_url or default_base_url(self.domain)).rstrip("/")
        self.api_version = api_version
        self.endpoint = f"{self.base_url}/admin/api/{api_version}/graphql.json"
        self._access_token = access_token
        self._token_provider = token_provider
        self.timeout = timeout
        self.max_retries = max_retries
        self.session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self.logger = logger or _logger
        self.throttle = throttle_state(self.base_url, self.domain)
        self.last_cost = None
        # When Shopify gave its latest answer (aware UTC): the answer's HTTP
        # ``Date`` header, else the local clock when the request was sent.
        self.last_answered_at = None
        self.stats = {}
        self.reset_stats()

    def __repr__(self):
        return f"<ShopifyClient {self.domain}>"

    def reset_stats(self):
        self.stats.update(
            calls=0,
            requested_points=0,
            actual_points=0,
            throttled=0,
            retries=0,
            waited_seconds=0.0,
        )

    # -- public API ---------------------------------------------------------

    def execute(self, doc, variables=None):
        """Send ``doc`` and return its ``data``; raise a typed error otherwise."""
        if not isinstance(doc, Document):
            raise TypeError(
                "ShopifyClient sends registered Document instances only "
                "(declare the query with shopify_api.documents.document())."
            )
        body = {"query": doc.text, "variables": {**doc.variables, **(variables or {})}}
        retry_ambiguous = not is_mutation(doc) or is_idempotent(doc)
        token = self._token()
        retries = 0
        refreshed = False
        while True:
            wait = self.throttle.reserve(doc.name, self._clock())
            if wait > 0:
                self.logger.info(
                    "Shopify %s: waiting %.2f s for the cost budget of %s",
                    doc.name,
                    wait,
                    self.domain,
                )
                self._wait(wait)
            try:
                return self._send(doc, body, token)
            except AuthenticationError:
                if self._token_provider is None or refreshed:
                    raise
                refreshed = True
                self.logger.info("Shopify %s: token refused, requesting a new one", doc.name)
                token = self._token(force_refresh=True)
            except _Retry as retry:
                error = retry.error
                if not (retry.not_sent or retry_ambiguous):
                    error.details["maybe_applied"] = True
                    error.message += " The change may or may not have been applied."
                    raise error from None
                if retries >= self.max_retries:
                    if retries:
                        error.message += f" Gave up after {retries} retries."
                    raise error from None
                retries += 1
                self.stats["retries"] += 1
                delay = retry.delay
                if delay is None:
                    delay = backoff_delay(retries, self._rng)
                self.logger.warning(
                    "Shopify %s: %s Retry %d of %d in %.2f s.",
                    doc.name,
                    error.message,
                    retries,
                    self.max_retries,
                    delay,
                )
                self._wait(delay)

    def mutate(self, doc, variables, payload_key, raise_user_errors=True):
        """Run a mutation and return ``data[payload_key]``.

        Non-empty ``userErrors`` raise :class:`UserErrorsError`, unless
        ``raise_user_errors`` is false (the caller then reads them per item).
        """
        data = self.execute(doc, variables)
        payload = data.get(payload_key)
        if payload is None:
            raise GraphQLQueryError(
                f"Shopify's answer to {doc.name} has no {payload_key!r} payload.",
                errors=[],
                document=doc.name,
            )
        user_errors = [
            {"field": e.get("field"), "message": e.get("message"), "code": e.get("code")}
            for e in payload.get("userErrors") or ()
        ]
        if user_errors and raise_user_errors:
            summary = "; ".join(str(e["message"]) for e in user_errors[:5])
            raise UserErrorsError(
                f"Shopify refused {doc.name}: {summary}",
                user_errors=user_errors,
                document=doc.name,
            )
        return payload

    def paginate(self, doc, variables=None, path=(), after=None):
        """Yield every node of the connection at ``path`` in ``data``, page after page.

        ``doc`` selects ``nodes`` (or ``edges { node }``) and ``pageInfo
        { hasNextPage endCursor }`` and takes an ``$after`` variable.
        """
        path = (path,) if isinstance(path, str) else tuple(path)
        variables = dict(variables or {})
        seen = set()
        while True:
            data = self.execute(doc, {**variables, "after": after})
            connection = _dig(data, path)
            if connection is None:
                return
            yield from connection_nodes(connection)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")
            if not after or after in seen:
                raise GraphQLQueryError(
                    f"Shopify's answer to {doc.name} announces a next page without a new cursor.",
                    errors=[],
                    document=doc.name,
                )
            seen.add(after)

    def complete_nested(self, node, field, doc, path, variables=None, id_value=None):
        """All items of ``node[field]``, fetching the pages the first answer left out.

        ``doc`` reads the nested connection of one parent by ``$id`` from
        ``$after`` (e.g. ``order(id: $id) { lineItems(first: 50, after: $after)
        {...} }`` with ``path=("order", "lineItems")``).
        """
        connection = node.get(field) or {}
        items = list(connection_nodes(connection))
        info = connection.get("pageInfo") or {}
        if info.get("hasNextPage"):
            follow_up = {**(variables or {}), "id": id_value or node["id"]}
            items.extend(self.paginate(doc, follow_up, path, after=info.get("endCursor")))
        return items

    # -- internals ----------------------------------------------------------

    def _token(self, force_refresh=False):
        provider = self._token_provider
        if provider is None:
            return self._access_token
        getter = getattr(provider, "get_token", None)
        if getter is not None:
            return getter(force_refresh=force_refresh)
        return provider()

    def _wait(self, seconds):
        self.stats["waited_seconds"] += seconds
        self._sleep(seconds)

    def _send(self, doc, body, token):
        headers = {
            "X-Shopify-Access-Token": token,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        started = self._clock()
        sent_at = datetime.now(timezone.utc)
        self.stats["calls"] += 1
        try:
            response = http_request(
                "POST",
                self.endpoint,
                headers=headers,
                json=body,
                timeout=self.timeout,
                session=self.session,
            )
        except NetworkError as error:
            self._log(doc, "network error", None, started)
            raise _Retry(error, not_sent=error.details.get("not_sent", False)) from None
        self.last_answered_at = answer_time(response, sent_at)
        try:
            payload = response.json()
        except (ValueError, RecursionError):  # not JSON, or nested too deeply
            payload = None
        cost = None
        if isinstance(payload, dict):
            cost = (payload.get("extensions") or {}).get("cost")
        self._record_cost(doc, cost)
        self._log(doc, response.status_code, cost, started)
        if response.status_code == 200:
            return self._graphql_data(doc, payload, cost)
        raise self._http_error(response, payload)

    def _record_cost(self, doc, cost):
        if not isinstance(cost, dict):
            return
        self.last_cost = cost
        self.stats["requested_points"] += cost.get("requestedQueryCost") or 0
        self.stats["actual_points"] += cost.get("actualQueryCost") or 0
        self.throttle.observe(cost, self._clock(), doc.name)

    def _log(self, doc, status, cost, started):
        cost = cost or {}
        self.logger.info(
            "Shopify %s %s: HTTP %s, cost %s requested / %s actual, %.0f ms",
            self.domain,
            doc.name,
            status,
            cost.get("requestedQueryCost", "-"),
            cost.get("actualQueryCost", "-"),
            (self._clock() - started) * 1000,
        )

    def _http_error(self, response, payload):
        status = response.status_code
        domain = self.domain
        if status == 401:
            return AuthenticationError(
                f"Shopify rejected the access token for {domain} (HTTP 401): the token is "
                "invalid, expired or revoked, or the app is no longer installed.",
                status=status,
            )
        if status == 402:
            return ShopUnavailableError(
                f"The shop {domain} is frozen (HTTP 402 Payment Required): "
                "its Shopify plan has not been paid.",
                status=status,
            )
        if status == 403:
            scope = _scope_in(_error_text(payload))
            return AccessDeniedError(
                f"Shopify denied access to {domain} (HTTP 403): the app lacks a required "
                "permission (access scope)" + (f" ({scope})." if scope else "."),
                status=status,
                scope=scope,
            )
        if status == 404:
            return ShopNotFoundError(
                f"No Shopify shop answers at {domain} (HTTP 404): check the shop domain; "
                "the shop may have been closed.",
                status=status,
            )
        if status == 423:
            return ShopUnavailableError(
                f"The shop {domain} is locked (HTTP 423); its owner must contact Shopify.",
                status=status,
            )
        if status == 429:
            self.stats["throttled"] += 1
            error = ThrottledError(
                f"Shopify rate limit reached for {domain} (HTTP 429).", status=status
            )
            return _Retry(error, _retry_after(response), not_sent=True)
        if status >= 500:
            error = ServerError(f"Shopify answered HTTP {status} for {domain}.", status=status)
            return _Retry(error)
        return RequestError(f"Shopify answered HTTP {status} for {domain}.", status=status)

    def _graphql_data(self, doc, payload, cost):
        if not isinstance(payload, dict):
            raise _Retry(ServerError(f"Shopify's answer to {doc.name} is not JSON."))
        errors = payload.get("errors")
        if errors:
            if not isinstance(errors, list):
                errors = [{"message": str(errors)}]
            codes = {
                (e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)
            }
            if "THROTTLED" in codes:
                self.stats["throttled"] += 1
                error = ThrottledError(
                    f"Shopify throttled {doc.name} for {self.domain} (cost budget exhausted).",
                    cost=cost,
                )
                raise _Retry(error, self._throttled_wait(doc, cost), not_sent=True)
            if "ACCESS_DENIED" in codes:
                raise _access_denied(doc, errors)
            if "INTERNAL_SERVER_ERROR" in codes:
                raise _Retry(ServerError(f"Shopify had an internal error running {doc.name}."))
            messages = "; ".join(_message(e) for e in errors[:3])
            raise GraphQLQueryError(
                f"Shopify rejected {doc.name}: {messages}", errors=errors, document=doc.name
            )
        data = payload.get("data")
        if not isinstance(data, dict):
            raise GraphQLQueryError(
                f"Shopify's answer to {doc.name} holds no data.", errors=[], document=doc.name
            )
        return data

    def _throttled_wait(self, doc, cost):
        cost = cost if isinstance(cost, dict) else {}
        status = cost.get("throttleStatus") or {}
        requested = cost.get("requestedQueryCost") or self.throttle.expected_cost(doc.name)
        try:
            missing = requested - float(status["currentlyAvailable"])
            return max(MIN_THROTTLE_WAIT, missing / float(status["restoreRate"]))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return None  # unknown budget: exponential backoff


def _dig(data, path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def connection_nodes(connection):
    """The nodes of a connection dict selected as ``nodes`` or ``edges { node }``."""
    if connection.get("nodes") is not None:
        return list(connection["nodes"])
    return [edge["node"] for edge in connection.get("edges") or ()]


def answer_time(response, sent_at):
    """When Shopify answered: the response's ``Date`` header (aware UTC), else
    ``sent_at`` (the local clock when the request was sent)."""
    value = response.headers.get("Date")
    if value:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(timezone.utc)
    return sent_at


def _retry_after(response):
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def _message(error):
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)


def _error_text(payload):
    if isinstance(payload, dict):
        return str(payload.get("errors", ""))
    return ""


def _scope_in(text):
    match = _SCOPE_RE.search(text or "")
    return match.group(1) if match else None


def _access_denied(doc, errors):
    denied = next(e for e in errors if (e.get("extensions") or {}).get("code") == "ACCESS_DENIED")
    extensions = denied.get("extensions") or {}
    scope = _scope_in(str(extensions.get("requiredAccess", ""))) or _scope_in(_message(denied))
    field = ".".join(str(p) for p in denied.get("path") or ()) or None
    return AccessDeniedError(
        f"Shopify denied {doc.name} access to {field or 'a field'}: the app lacks the "
        + (f"{scope} permission (access scope)." if scope else "required access scope."),
        field=field,
        scope=scope,
        errors=errors,
        document=doc.name,
    )
