"""The simulator: state, GraphQL pipeline, auth, cost, faults and control API.

Pipeline of one ``POST /admin/api/<version>/graphql.json``:

1. auth: unknown or expired ``X-Shopify-Access-Token`` -> HTTP 401;
2. fault injection (5xx, 429, THROTTLED, dropped connection, latency);
3. parse + validate against the 2026-10 schema (cached per document text):
   errors answer HTTP 200 ``{"errors": [{message, locations, extensions:
   {code}}]}``;
4. requested cost (``shopify_simulator.cost.requested_cost``): above 1000 ->
   ``MAX_COST_EXCEEDED``, nothing executed;
5. leaky bucket: fewer points than requested -> ``THROTTLED``, nothing
   executed;
6. execution under the state lock; the actual cost is the requested cost
   minus the unused slots of every connection (``(first - returned) x cost of
   one node``), never more than requested; the difference is given back.

Every GraphQL answer carries ``extensions.cost``.

Simulated root fields: see ``resolvers.ROOT_SCOPES`` and ``resolvers.CUSTOM``
(orders, order, products, product, productVariants, productVariant,
inventoryItems, inventoryItem, inventoryLevel, locations, location,
fulfillmentOrders, fulfillmentOrder, customers, customer, node, nodes, shop,
currentAppInstallation) and the mutations in :mod:`shopify_simulator.mutations`.

Webhooks: :mod:`shopify_simulator.webhook_events` (what raises them) and
:mod:`shopify_simulator.webhook_delivery` (sending, retries, faults).

Not simulated: bulk operations, REST endpoints, metafields, media,
markets/multi-currency presentment, the 60-day limit without
``read_all_orders``, search warnings, API version differences (every version
path is answered with the 2026-10 schema).
"""

import hashlib
import secrets
import threading
from collections import Counter, OrderedDict
from datetime import timedelta

from graphql import GraphQLError, execute, parse, validate

from shopify_simulator import (  # noqa: F401  (register resolvers)
    mutations,
    product_mutations,
    webhook_subscriptions,
)
from shopify_simulator.clock import RealClock
from shopify_simulator.context import Context, Result
from shopify_simulator.control import ControlMixin
from shopify_simulator.cost import requested_cost
from shopify_simulator.faults import Faults
from shopify_simulator.resolvers import field_resolver, type_resolver
from shopify_simulator.schema import load_schema
from shopify_simulator.seed import TS, default_start, seed_store
from shopify_simulator.throttle import PLANS, LeakyBucket
from shopify_simulator.webhook_delivery import WebhookDelivery
from shopify_simulator.webhook_events import WebhookEventsMixin

MAX_QUERY_COST = 1000
ALL_SCOPES = (
    "read_orders",
    "write_orders",
    "read_all_orders",
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_locations",
    "read_customers",
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",
    "read_fulfillments",
    "write_fulfillments",
)
_VALIDATION_CODES = (
    ("Cannot query field", "undefinedField"),
    ("Unknown argument", "argumentNotAccepted"),
    ("Unknown type", "undefinedType"),
    ("is required, but it was not provided", "missingRequiredArguments"),
    ("is never used", "variableNotUsed"),
    ("is not defined", "variableNotDefined"),
    ("must have a selection of subfields", "selectionMismatch"),
    ("must not have a selection", "selectionMismatch"),
    ("Unknown fragment", "undefinedFragment"),
    ("Unknown directive", "undefinedDirective"),
)


class Simulator(WebhookEventsMixin, ControlMixin):
    """A seeded Shopify shop answering the Admin GraphQL API.

    Sizes: ``products``, ``variants_per_product`` (min, max), ``customers``,
    ``orders``, ``locations``.  ``plan`` picks the bucket (standard, advanced,
    plus, enterprise) unless ``bucket_size``/``restore_rate`` are given.
    ``clock`` may be a :class:`~shopify_simulator.clock.FakeClock`.
    """

    def __init__(
        self,
        seed=1,
        products=300,
        variants_per_product=(1, 4),
        orders=40,
        customers=None,
        locations=2,
        plan="standard",
        bucket_size=None,
        restore_rate=None,
        shop_name="simulator-shop",
        currency="EUR",
        taxes_included=True,
        clock=None,
        start_time=None,
        access_token=None,
        scopes=ALL_SCOPES,
        client_id=None,
        client_secret=None,
        expires_in=86399,
        max_query_cost=MAX_QUERY_COST,
    ):
        self.config = {
            "seed": seed,
            "products": products,
            "variants_per_product": tuple(variants_per_product),
            "orders": orders,
            "customers": customers if customers is not None else max(5, orders // 2 + 5),
            "locations": max(1, locations),
            "plan": plan,
            "shop_name": shop_name,
            "currency": currency,
            "taxes_included": taxes_included,
            "start_time": start_time or default_start(),
        }
        self.clock = clock or RealClock()
        self.lock = threading.RLock()
        self.schema = load_schema()
        self.max_query_cost = max_query_cost
        maximum, rate = PLANS.get(plan, PLANS["standard"])
        self.bucket = LeakyBucket(self.clock, bucket_size or maximum, restore_rate or rate)
        self.faults = Faults(seed)
        self.webhooks = WebhookDelivery(self, seed)
        digest = hashlib.sha256(f"shopify-simulator-{seed}".encode()).hexdigest()
        self.access_token = access_token or f"shpat_{digest[:32]}"
        self.client_id = client_id or digest[32:64]
        self.client_secret = client_secret or f"shpss_{digest[:32][::-1]}"
        self.expires_in = expires_in
        self.app_scopes = tuple(scopes)
        self.tokens = {self.access_token: (frozenset(scopes), None)}
        self._documents = OrderedDict()
        self._counters = Counter()
        self._idempotency = {}
        self._t0 = self.clock.monotonic()
        self.store = seed_store(self.config)
        self._epoch = self.config["start_time"]

    # -- time ------------------------------------------------------------
    def now(self):
        """Simulated wall-clock time (start_time + elapsed clock time), ISO 8601 Z."""
        elapsed = self.clock.monotonic() - self._t0
        return (self._epoch + timedelta(seconds=elapsed)).strftime(TS)

    @property
    def shop_domain(self):
        return self.store.shop["myshopifyDomain"]

    # -- auth --------------------------------------------------------------
    def add_token(self, token, scopes=ALL_SCOPES, expires_in=None):
        expiry = self.clock.monotonic() + expires_in if expires_in is not None else None
        with self.lock:
            self.tokens[token] = (frozenset(scopes), expiry)
        return token

    def revoke_token(self, token):
        with self.lock:
            self.tokens.pop(token, None)

    def scopes_for(self, token):
        entry = self.tokens.get(token or "")
        if entry is None:
            return None
        scopes, expiry = entry
        if expiry is not None and self.clock.monotonic() >= expiry:
            return None
        return scopes

    def grant(self, form):
        """The client-credentials grant: returns (status, body)."""
        if form.get("grant_type") != "client_credentials":
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "The authorization grant type is not supported "
                "by the authorization server.",
            }
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            str(form.get("client_secret", "")), self.client_secret
        ):
            return 400, {
                "error": "invalid_client",
                "error_description": "Client authentication failed due to unknown "
                "client, no client authentication included, or "
                "unsupported authentication method.",
            }
        token = "shpca_" + secrets.token_hex(16)
        self.add_token(token, self.app_scopes, self.expires_in)
        return 200, {
            "access_token": token,
            "scope": ",".join(self.app_scopes),
            "expires_in": self.expires_in,
        }

    # -- GraphQL -------------------------------------------------------------
    def _document(self, text):
        entry = self._documents.get(text)
        if entry is not None:
            self._documents.move_to_end(text)
            return entry
        try:
            document = parse(text)
        except GraphQLError as exc:
            entry = (None, [_format(exc, "GRAPHQL_PARSE_FAILED")], ())
        else:
            errors = validate(self.schema, document)
            names = set()
            for definition in document.definitions:
                if definition.kind == "operation_definition":
                    if definition.name:
                        names.add(definition.name.value)
                    for selection in definition.selection_set.selections:
                        if selection.kind == "field":
                            names.add(selection.name.value)
            entry = (
                document,
                [_format(e, _validation_code(e.message)) for e in errors],
                frozenset(names),
            )
        with self.lock:
            self._documents[text] = entry
            if len(self._documents) > 512:
                self._documents.popitem(last=False)
        return entry

    def _cost_extension(self, requested, actual):
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    def graphql(self, body, token):
        """Answer one GraphQL request; returns a :class:`Result`."""
        scopes = self.scopes_for(token)
        if scopes is None:
            return Result(
                401,
                {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
            )
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return Result(400, {"errors": {"query": "Required parameter missing or invalid"}})
        text = body["query"]
        variables = body.get("variables") or {}
        operation_name = body.get("operationName")
        document, errors, names = self._document(text)
        with self.lock:
            self._counters["calls"] += 1
        fault, latency = self.faults.decide(names)
        if fault is not None:
            with self.lock:
                self._counters["faults"] += 1
            result = self._fault_result(fault)
            if result is not None:
                result.latency += latency
                return result
            latency += fault.seconds
        result = self._answer(document, errors, variables, operation_name, scopes)
        result.latency += latency
        return result

    def _fault_result(self, fault):
        kind = fault.kind
        if kind == "drop":
            return Result(drop=True)
        if kind == "429":
            retry = self.faults.retry_after
            return Result(
                429,
                {
                    "errors": "Exceeded 2 calls per second for api client. Reduce "
                    "request rates to resume uninterrupted service."
                },
                {"Retry-After": f"{retry:.1f}"},
            )
        if kind in ("500", "502", "503", "504"):
            return Result(
                int(kind),
                {"errors": "Internal Server Error" if kind == "500" else "Service Unavailable"},
            )
        if kind == "throttled":
            with self.lock:
                self._counters["throttled"] += 1
            return Result(200, _throttled(self._cost_extension(0, 0)))
        return None

    def _answer(self, document, errors, variables, operation_name, scopes):
        if errors:
            with self.lock:
                self._counters["errors"] += 1
            return Result(200, {"errors": errors, "extensions": self._cost_extension(0, 0)})
        try:
            requested = requested_cost(self.schema, document, variables, operation_name)
        except (ValueError, TypeError, KeyError) as exc:
            return Result(
                200,
                {
                    "errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}],
                    "extensions": self._cost_extension(0, 0),
                },
            )
        with self.lock:
            self._counters["points_requested"] += requested
        if requested > self.max_query_cost:
            with self.lock:
                self._counters["max_cost"] += 1
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({self.max_query_cost}).\n\nSee https://shopify.dev/concepts/about-apis/"
                "rate-limits for more information on how the\ncost of a query is calculated.\n\n"
                "To query larger amounts of data with fewer limits, bulk operations should be "
                "used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-"
                "admin-api for usage details.\n"
            )
            return Result(
                200,
                {
                    "errors": [
                        {
                            "message": message,
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": self.max_query_cost,
                            },
                        }
                    ],
                    "extensions": self._cost_extension(requested, 0),
                },
            )
        if not self.bucket.take(requested):
            with self.lock:
                self._counters["throttled"] += 1
            return Result(200, _throttled(self._cost_extension(requested, 0)))
        context = Context(self, scopes, variables)
        with self.lock:
            try:
                outcome = execute(
                    self.schema,
                    document,
                    context_value=context,
                    variable_values=variables,
                    operation_name=operation_name,
                    field_resolver=field_resolver,
                    type_resolver=type_resolver,
                )
            except GraphQLError as exc:
                outcome = None
                failure = [_format(exc, "BAD_REQUEST")]
            if document.definitions and any(
                getattr(d, "operation", None) is not None and d.operation.value == "mutation"
                for d in document.definitions
            ):
                self._counters["mutations"] += 1
        if outcome is None:
            actual = 0
            body = {"errors": failure}
        else:
            actual = max(0, min(requested, requested - context.unused))
            body = {}
            if outcome.errors:
                body["errors"] = [
                    _format(
                        e,
                        "INTERNAL_SERVER_ERROR"
                        if e.original_error and not isinstance(e.original_error, GraphQLError)
                        else "BAD_REQUEST",
                    )
                    for e in outcome.errors
                ]
            if outcome.data is not None or not outcome.errors:
                body["data"] = outcome.data
        self.bucket.give_back(requested - actual)
        with self.lock:
            self._counters["points_actual"] += actual
        body["extensions"] = self._cost_extension(requested, actual)
        return Result(200, body)

    def execute(self, query, variables=None, token=None, operation_name=None):
        """Run a document in-process (no HTTP, no latency); returns the JSON body."""
        body = {"query": query, "variables": variables, "operationName": operation_name}
        result = self.graphql(body, token or self.access_token)
        if result.drop:
            raise ConnectionError("fault injected: connection dropped")
        return (
            result.body
            if result.status == 200
            else {"status": result.status, **(result.body or {})}
        )


def _throttled(extensions):
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": extensions,
    }


def _validation_code(message):
    for needle, code in _VALIDATION_CODES:
        if needle in message:
            return code
    return "GRAPHQL_VALIDATION_FAILED"


def _format(error, default_code):
    formatted = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error.path:
        formatted["path"] = list(error.path)
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", default_code)
    formatted["extensions"] = extensions
    return formatted


__all__ = ["Result", "Simulator"]
