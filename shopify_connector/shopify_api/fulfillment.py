"""Fulfilment: GraphQL documents, reading an order's fulfilment state, planning.

Everything here is plain data in, plain data out.

Shopify ships through *fulfillment orders*: each order has one or more, each
assigned to a location and holding fulfillment order line items (one per order
line, with the quantity that remains to be shipped).  ``fulfillmentCreate``
ships quantities of such line items, at most their ``remainingQuantity``, of
fulfillment orders of one location.

:func:`plan_fulfillment` decides which line items get which quantities for a
delivery made in Odoo; :func:`fulfilled_quantities` sums what Shopify has
shipped per order line, which the Odoo layer compares with what Odoo shipped,
so that a delivery is never fulfilled twice (also when an earlier attempt
created the fulfilment but its answer was lost).
"""

from .documents import document

FULFILLMENT_ORDERS_PER_PAGE = 5
LINE_ITEMS_PER_FULFILLMENT_ORDER = 50
FULFILLMENTS_PER_ORDER = 10
LINES_PER_FULFILLMENT = 30

# Statuses whose remaining quantities can still be shipped.  ON_HOLD and
# SCHEDULED are kept: Shopify then refuses with its own reason (a hold to be
# released by the merchant), which the merchant sees on the sale order.
FULFILLABLE_STATUSES = frozenset({"OPEN", "IN_PROGRESS"})
BLOCKED_STATUSES = frozenset({"ON_HOLD", "SCHEDULED"})
# Fulfilments that shipped nothing.
VOID_FULFILLMENT_STATUSES = frozenset({"CANCELLED", "ERROR", "FAILURE"})

_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_FO_LINE = "id remainingQuantity totalQuantity lineItem { id }"

ORDER_FULFILLMENT_ORDERS = document(
    "OrderFulfillmentOrders",
    f"""
query OrderFulfillmentOrders($id: ID!, $first: Int!, $after: String, $linesFirst: Int!) {{
  order(id: $id) {{
    fulfillmentOrders(first: $first, after: $after) {{
      nodes {{
        id status
        assignedLocation {{ location {{ id }} }}
        lineItems(first: $linesFirst) {{ nodes {{ {_FO_LINE} }} {_PAGE_INFO} }}
      }}
      {_PAGE_INFO}
    }}
  }}
}}""",
    variables={
        "first": FULFILLMENT_ORDERS_PER_PAGE,
        "linesFirst": LINE_ITEMS_PER_FULFILLMENT_ORDER,
    },
)

FULFILLMENT_ORDER_LINE_ITEMS = document(
    "FulfillmentOrderLineItems",
    f"""
query FulfillmentOrderLineItems($id: ID!, $first: Int!, $after: String) {{
  fulfillmentOrder(id: $id) {{
    lineItems(first: $first, after: $after) {{ nodes {{ {_FO_LINE} }} {_PAGE_INFO} }}
  }}
}}""",
    variables={"first": LINE_ITEMS_PER_FULFILLMENT_ORDER},
)

ORDER_FULFILLMENTS = document(
    "OrderFulfillments",
    f"""
query OrderFulfillments($id: ID!, $first: Int!, $linesFirst: Int!) {{
  order(id: $id) {{
    id displayFulfillmentStatus
    fulfillments(first: $first) {{
      id name status createdAt
      trackingInfo {{ company number }}
      fulfillmentLineItems(first: $linesFirst) {{
        nodes {{ quantity lineItem {{ id }} }}
        {_PAGE_INFO}
      }}
    }}
  }}
}}""",
    variables={"first": FULFILLMENTS_PER_ORDER, "linesFirst": LINES_PER_FULFILLMENT},
)

FULFILLMENT_CREATE = document(
    "FulfillmentCreate",
    """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id name status trackingInfo { company number url } }
    userErrors { field message }
  }
}""",
)


class IncompleteFulfillmentData(ValueError):
    """Shopify's answer holds more items than the connector read."""


# -- reading ------------------------------------------------------------------


def _nodes(connection):
    if isinstance(connection, dict):
        return [n for n in connection.get("nodes") or () if isinstance(n, dict)]
    if isinstance(connection, list):
        return [n for n in connection if isinstance(n, dict)]
    return []


def fetch_fulfillment_orders(client, order_gid):
    """The fulfillment orders of an order, normalised (see :func:`normalize_fulfillment_order`)."""
    variables = dict(ORDER_FULFILLMENT_ORDERS.variables, id=order_gid)
    result = []
    for node in client.paginate(
        ORDER_FULFILLMENT_ORDERS, variables, ("order", "fulfillmentOrders")
    ):
        lines = client.complete_nested(
            node, "lineItems", FULFILLMENT_ORDER_LINE_ITEMS, ("fulfillmentOrder", "lineItems")
        )
        result.append(normalize_fulfillment_order(dict(node, lineItems={"nodes": lines})))
    return result


def normalize_fulfillment_order(node):
    """``{gid, status, location_gid, lines: [{gid, line_gid, remaining, total}]}``."""
    location = ((node.get("assignedLocation") or {}).get("location") or {}).get("id")
    lines = []
    for item in _nodes(node.get("lineItems")):
        lines.append(
            {
                "gid": item["id"],
                "line_gid": (item.get("lineItem") or {}).get("id"),
                "remaining": int(item.get("remainingQuantity") or 0),
                "total": int(item.get("totalQuantity") or 0),
            }
        )
    return {
        "gid": node["id"],
        "status": (node.get("status") or "").upper(),
        "location_gid": location,
        "lines": lines,
    }


def fetch_fulfillments(client, order_gid):
    """The order's fulfilments as ``[{gid, name, status, lines: {line_gid: qty}}]``."""
    data = client.execute(ORDER_FULFILLMENTS, {"id": order_gid})
    order = data.get("order")
    if order is None:
        return None
    return normalize_fulfillments(order.get("fulfillments"))


def normalize_fulfillments(fulfillments):
    result = []
    for node in fulfillments or ():
        if not isinstance(node, dict):
            continue
        connection = node.get("fulfillmentLineItems") or {}
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            raise IncompleteFulfillmentData(
                f"The fulfilment {node.get('name') or node.get('id')} has more than "
                f"{LINES_PER_FULFILLMENT} lines."
            )
        lines = {}
        for item in _nodes(connection):
            gid = (item.get("lineItem") or {}).get("id")
            if gid:
                lines[gid] = lines.get(gid, 0) + int(item.get("quantity") or 0)
        result.append(
            {
                "gid": node.get("id"),
                "name": node.get("name"),
                "status": (node.get("status") or "").upper(),
                "lines": lines,
            }
        )
    return result


def fulfilled_quantities(fulfillments):
    """``{line_gid: quantity}`` shipped by the fulfilments that did not fail."""
    totals = {}
    for fulfillment in fulfillments:
        if fulfillment["status"] in VOID_FULFILLMENT_STATUSES:
            continue
        for gid, quantity in fulfillment["lines"].items():
            totals[gid] = totals.get(gid, 0) + quantity
    return totals


# -- planning -----------------------------------------------------------------


def plan_fulfillment(fulfillment_orders, wanted, location_gid=None):
    """Which fulfillment order line items ship which quantities.

    ``wanted``: ``{line_gid: quantity}`` shipped by one Odoo delivery.  The
    quantities go to fulfillment orders that are open (or on hold: Shopify
    then refuses with its reason), those at ``location_gid`` first, each line
    item at most its remaining quantity.

    Returns ``{"groups": [{"location_gid", "fulfillment_orders": [{"gid",
    "status", "items": [{"id", "quantity"}]}]}], "missing": {line_gid: qty}}``:
    one group per location (one ``fulfillmentCreate`` each), and what no
    fulfillment order has left to ship (already shipped in Shopify, removed,
    or not a Shopify line).
    """
    usable = [
        fo for fo in fulfillment_orders if fo["status"] in FULFILLABLE_STATUSES | BLOCKED_STATUSES
    ]
    # connected location first, then open before blocked, then Shopify's order
    usable.sort(
        key=lambda fo: (
            bool(location_gid) and fo["location_gid"] != location_gid,
            fo["status"] not in FULFILLABLE_STATUSES,
        )
    )
    left = {gid: int(qty) for gid, qty in wanted.items() if int(qty) > 0}
    taken = {}
    for fo in usable:
        for line in fo["lines"]:
            need = left.get(line["line_gid"], 0)
            quantity = min(need, line["remaining"])
            if quantity <= 0:
                continue
            left[line["line_gid"]] = need - quantity
            taken.setdefault(fo["gid"], (fo, []))[1].append(
                {"id": line["gid"], "quantity": quantity}
            )
    groups = {}
    for fo, items in taken.values():
        group = groups.setdefault(
            fo["location_gid"], {"location_gid": fo["location_gid"], "fulfillment_orders": []}
        )
        group["fulfillment_orders"].append(
            {"gid": fo["gid"], "status": fo["status"], "items": items}
        )
    return {
        "groups": list(groups.values()),
        "missing": {gid: qty for gid, qty in left.items() if qty > 0},
    }


def still_to_ship(wanted, shipped_in_shopify, accounted):
    """Part of ``wanted`` that Shopify has not shipped yet.

    ``shipped_in_shopify``: :func:`fulfilled_quantities`; ``accounted``: the
    quantities of Odoo deliveries already known in Shopify (pushed earlier, or
    shipped in Shopify and validated in Odoo).  What Shopify shipped beyond
    ``accounted`` (a fulfilment whose answer was lost, or one made in
    Shopify for this very delivery) is taken off ``wanted``.
    """
    result = {}
    for gid, quantity in wanted.items():
        extra = max(0, shipped_in_shopify.get(gid, 0) - accounted.get(gid, 0))
        result[gid] = max(0, int(quantity) - extra)
    return result


def fulfillment_input(fulfillment_orders, tracking=None, notify_customer=False):
    """The ``FulfillmentInput`` of one group of :func:`plan_fulfillment`.

    ``tracking``: ``{"company", "number", "url"}`` (empty values left out).
    """
    value = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo["gid"], "fulfillmentOrderLineItems": fo["items"]}
            for fo in fulfillment_orders
        ],
        "notifyCustomer": bool(notify_customer),
    }
    info = {key: val for key, val in (tracking or {}).items() if val}
    if info.get("number"):
        value["trackingInfo"] = info
    return value
