"""Shopify webhooks: signature, delivery headers and payload, subscriptions.

Plain data in, plain data out (no Odoo): the route and the models call these.

- A delivery is genuine when ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256
  of the raw body with the app's client secret (for an app made in the
  Shopify admin: its webhook signing secret); compared in constant time.
- A delivery is identified by ``X-Shopify-Event-Id`` (the same on every retry
  and duplicate of the event), else ``X-Shopify-Webhook-Id``, else a digest of
  topic and body: the store keeps one event per identifier.
- Order events are not imported from their (REST-shaped) payload: the order is
  read again by ID with :data:`ORDER_BY_ID`, the selection of the scheduled
  fetch, and imported by the same code.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import urlsplit

from .documents import document
from .order_queries import ORDERS_PAGE

# Largest body accepted (bytes); Shopify's order payloads are far smaller.
MAX_BODY = 1024 * 1024
# Largest payload stored with an event (characters); a longer one is reduced
# to the identifiers the processing needs.
PAYLOAD_MAX = 64 * 1024
# Processing: tries of an event before it is given up (the scheduled fetch
# then catches the order), and the longest wait between two tries.
MAX_ATTEMPTS = 8
MAX_RETRY_DELAY = 3600

# The route of the deliveries; the shop's record ID follows. The URL carries
# no secret: the signature authenticates a delivery.
ROUTE_PREFIX = "/shopify_connector/webhook/"

# REST topic (header X-Shopify-Topic) -> GraphQL WebhookSubscriptionTopic.
TOPICS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/paid": "ORDERS_PAID",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/edited": "ORDERS_EDITED",
    "orders/fulfilled": "ORDERS_FULFILLED",
    "orders/partially_fulfilled": "ORDERS_PARTIALLY_FULFILLED",
    "refunds/create": "REFUNDS_CREATE",
    "fulfillments/create": "FULFILLMENTS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
    "inventory_levels/update": "INVENTORY_LEVELS_UPDATE",
    "app/uninstalled": "APP_UNINSTALLED",
}
TOPIC_OF_ENUM = {enum: topic for topic, enum in TOPICS.items()}
# Topics whose event is about an order (re-read and imported).
ORDER_TOPICS = frozenset(
    topic for topic in TOPICS if topic.startswith(("orders/", "refunds/", "fulfillments/"))
)


# -- signature ---------------------------------------------------------------


def sign(body, secret):
    """The ``X-Shopify-Hmac-Sha256`` value of ``body`` (bytes) for ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body, secret, header):
    """Whether ``header`` is the signature of ``body`` with ``secret`` (constant time)."""
    if not secret or not header or not isinstance(body, bytes):
        return False
    expected = sign(body, secret).encode("ascii")
    try:
        given = header.strip().encode("ascii")
    except (AttributeError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(expected, given)


# -- delivery ----------------------------------------------------------------


def _header(headers, name):
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    value = (value or "").strip()
    return value[:255] or None


def parse_timestamp(value):
    """ISO 8601 (any offset) -> naive UTC datetime, None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _gid(type_name, value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return f"gid://shopify/{type_name}/{value}"
    if isinstance(value, str) and value.isdigit():
        return f"gid://shopify/{type_name}/{int(value)}"
    if isinstance(value, str) and value.startswith(f"gid://shopify/{type_name}/"):
        return value
    return None


def resource_of(topic, payload):
    """(resource GID, order GID or None, updated_at or None) of a delivery's payload."""
    if not isinstance(payload, dict):
        return None, None, None
    own = payload.get("admin_graphql_api_id")
    own = own if isinstance(own, str) and own.startswith("gid://shopify/") else None
    updated_at = parse_timestamp(payload.get("updated_at"))
    if topic.startswith("orders/"):
        order = _gid("Order", own) or _gid("Order", payload.get("id"))
        return order, order, updated_at
    if topic in ORDER_TOPICS:  # refunds/create, fulfillments/create
        return own, _gid("Order", payload.get("order_id")), None
    if topic == "products/update":
        return own or _gid("Product", payload.get("id")), None, updated_at
    if topic == "inventory_levels/update":
        return own or _gid("InventoryItem", payload.get("inventory_item_id")), None, updated_at
    if topic == "app/uninstalled":
        return _gid("Shop", payload.get("id")), None, None
    return own, None, updated_at


def _bounded_payload(text, payload):
    if len(text) <= PAYLOAD_MAX:
        return text
    keep = ("id", "admin_graphql_api_id", "order_id", "name", "updated_at")
    reduced = {key: payload[key] for key in keep if isinstance(payload, dict) and key in payload}
    reduced["_truncated"] = len(text)
    return json.dumps(reduced)


def parse_delivery(headers, body):
    """A signed delivery -> the values of its event (plain dict).

    ``headers``: a mapping of the request's headers; ``body``: its raw bytes.
    A body that is not JSON is kept as an event without payload (``error``).
    """
    topic = (_header(headers, "X-Shopify-Topic") or "").lower()
    error = None
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        text, payload, error = "", None, "The delivery's body is not JSON."
    resource_gid, order_gid, updated_at = resource_of(topic, payload)
    event_id = _header(headers, "X-Shopify-Event-Id") or _header(headers, "X-Shopify-Webhook-Id")
    if not event_id:
        event_id = "sha256:" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()
    return {
        "topic": topic or "?",
        "event_id": event_id,
        "webhook_id": _header(headers, "X-Shopify-Webhook-Id"),
        "api_version": _header(headers, "X-Shopify-API-Version"),
        "triggered_at": parse_timestamp(_header(headers, "X-Shopify-Triggered-At")),
        "resource_gid": resource_gid,
        "order_gid": order_gid,
        "resource_updated_at": updated_at,
        "payload": _bounded_payload(text, payload) if text else None,
        "error": error,
    }


def retry_delay(attempts):
    """Seconds to wait before the next try after ``attempts`` failed tries."""
    return min(MAX_RETRY_DELAY, 30 * 2 ** max(0, attempts - 1))


# -- orders ------------------------------------------------------------------


def _order_selection():
    """The selection of an order node in ORDERS_PAGE (the scheduled fetch's)."""
    text = ORDERS_PAGE.text
    start = text.index("{", text.index("nodes", text.index("orders(")))
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index].strip()
    raise ValueError("ORDERS_PAGE has no order selection")


_NESTED_SIZES = {
    name: size for name, size in ORDERS_PAGE.variables.items() if name not in ("first", "after")
}

ORDER_BY_ID = document(
    "OrderById",
    "query OrderById($id: ID!, "
    + ", ".join(f"${name}: Int!" for name in _NESTED_SIZES)
    + ") {\n  order(id: $id) {\n    "
    + _order_selection()
    + "\n  }\n}",
    variables=_NESTED_SIZES,
)


def order_filter_refusal(node, tags_required=(), tags_excluded=(), include_test=False):
    """Why an order not imported yet is not for this shop (its tag and test
    settings, as the scheduled fetch's search applies them), or None.

    The payment status is decided by the importer, as for a fetched order.
    """
    if not isinstance(node, dict):
        return None
    if node.get("test") and not include_test:
        return "test"
    tags = {str(tag).strip().lower() for tag in node.get("tags") or () if str(tag).strip()}
    required = {str(tag).strip().lower() for tag in tags_required if str(tag).strip()}
    excluded = {str(tag).strip().lower() for tag in tags_excluded if str(tag).strip()}
    if required and not tags & required:
        return "tags_required"
    if tags & excluded:
        return "tags_excluded"
    return None


# -- subscriptions -----------------------------------------------------------

SUBSCRIPTIONS_PER_PAGE = 100

WEBHOOK_SUBSCRIPTIONS = document(
    "WebhookSubscriptions",
    """
query WebhookSubscriptions($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}""",
    variables={"first": SUBSCRIPTIONS_PER_PAGE},
)

WEBHOOK_SUBSCRIPTION_CREATE = document(
    "WebhookSubscriptionCreate",
    """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!,
                                   $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}""",
)

WEBHOOK_SUBSCRIPTION_UPDATE = document(
    "WebhookSubscriptionUpdate",
    """
mutation WebhookSubscriptionUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}""",
)

WEBHOOK_SUBSCRIPTION_DELETE = document(
    "WebhookSubscriptionDelete",
    """
mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}""",
)


def callback_url(base_url, shop_id):
    """The address Shopify delivers a shop's events to."""
    return f"{(base_url or '').rstrip('/')}{ROUTE_PREFIX}{int(shop_id)}"


def is_own(uri):
    """Whether a subscription's address is one of this connector's routes
    (of any Odoo address or shop record); others are never touched."""
    path = urlsplit(uri or "").path
    return path.startswith(ROUTE_PREFIX)


def plan_subscriptions(existing, topics, uri):
    """What to change so that each of ``topics`` (GraphQL enum names) is
    delivered once to ``uri``.

    ``existing``: the app's subscriptions ``{"id", "topic", "uri"}``. Only own
    ones (:func:`is_own`) are changed: one per wanted topic is kept (its
    address fixed where wrong), the others are deleted.
    Returns ``{"create": [topic], "update": [(id, topic)], "delete": [(id, topic)],
    "keep": [topic]}``.
    """
    plan = {"create": [], "update": [], "delete": [], "keep": []}
    own = [sub for sub in existing if is_own(sub.get("uri"))]
    wanted = list(dict.fromkeys(topics))
    for topic in wanted:
        mine = [sub for sub in own if sub.get("topic") == topic]
        exact = [sub for sub in mine if sub.get("uri") == uri]
        if exact:
            plan["keep"].append(topic)
            keep = exact[0]
        elif mine:
            keep = mine[0]
            plan["update"].append((keep["id"], topic))
        else:
            plan["create"].append(topic)
            keep = None
        plan["delete"].extend((sub["id"], topic) for sub in mine if sub is not keep)
    plan["delete"].extend(
        (sub["id"], sub.get("topic")) for sub in own if sub.get("topic") not in wanted
    )
    return plan
