"""Shopify orders: the GraphQL documents, complete fetching and the search query.

Plain data in, plain data out; what an order node means is in ``orders.py``.
"""

import re
from datetime import datetime, timedelta, timezone

from .documents import document
from .transactions import TRANSACTION_FIELDS

# -- GraphQL documents --------------------------------------------------------
# Page sizes keep the requested cost of ORDERS_PAGE under Shopify's 1000 points
# (tests/test_orders.py prints the figures).  Nested connections that have more
# items than these are completed with the follow-up documents below.
ORDERS_PER_PAGE = 8
LINES_PER_ORDER = 4
SHIPPING_LINES_PER_ORDER = 2
REFUND_LINES_PER_REFUND = 5
FOLLOW_UP_PAGE_SIZE = 50

_MONEY = "shopMoney { amount currencyCode }"
_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_TAX_LINES = f"taxLines {{ rate ratePercentage title priceSet {{ {_MONEY} }} }}"
_DISCOUNTS = f"discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}"
_ADDRESS = (
    "firstName lastName name company address1 address2 zip city province provinceCode "
    "countryCodeV2 phone"
)
_LINE = (
    "id name title sku quantity currentQuantity unfulfilledQuantity requiresShipping isGiftCard "
    f"variant {{ id }} product {{ id }} originalUnitPriceSet {{ {_MONEY} }} "
    f"originalTotalSet {{ {_MONEY} }} "
    f"{_DISCOUNTS} {_TAX_LINES}"
)
_SHIPPING_LINE = (
    f"id title code originalPriceSet {{ {_MONEY} }} discountedPriceSet {{ {_MONEY} }} "
    f"{_TAX_LINES} {_DISCOUNTS}"
)
_REFUND_LINE = "quantity restockType lineItem { id }"

# ``refunds`` is a plain list, not a connection: without ``first`` Shopify
# returns every refund, and the cost rules count a list once.  Its
# ``refundLineItems`` connection is paged like the others.

ORDERS_PAGE = document(
    "OrdersPage",
    f"""
query OrdersPage($first: Int!, $after: String, $query: String,
                 $lineItemsFirst: Int!, $shippingLinesFirst: Int!, $refundLineItemsFirst: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    nodes {{
      id legacyResourceId name createdAt processedAt updatedAt cancelledAt cancelReason
      closed test tags note email phone currencyCode presentmentCurrencyCode taxesIncluded
      displayFinancialStatus displayFulfillmentStatus sourceName
      retailLocation {{ id }}
      risk {{ recommendation assessments {{ riskLevel }} }}
      customer {{
        id firstName lastName displayName
        defaultEmailAddress {{ emailAddress }} defaultPhoneNumber {{ phoneNumber }}
      }}
      billingAddress {{ {_ADDRESS} }}
      shippingAddress {{ {_ADDRESS} }}
      lineItems(first: $lineItemsFirst) {{ nodes {{ {_LINE} }} {_PAGE_INFO} }}
      shippingLines(first: $shippingLinesFirst) {{ nodes {{ {_SHIPPING_LINE} }} {_PAGE_INFO} }}
      refunds {{
        id createdAt
        refundLineItems(first: $refundLineItemsFirst) {{ nodes {{ {_REFUND_LINE} }} {_PAGE_INFO} }}
      }}
      transactions {{ {TRANSACTION_FIELDS} }}
      totalPriceSet {{ {_MONEY} presentmentMoney {{ amount currencyCode }} }}
      subtotalPriceSet {{ {_MONEY} }}
      totalTaxSet {{ {_MONEY} }}
      totalDiscountsSet {{ {_MONEY} }}
      totalShippingPriceSet {{ {_MONEY} }}
      totalTipReceivedSet {{ {_MONEY} }}
      currentTotalPriceSet {{ {_MONEY} }}
    }}
    {_PAGE_INFO}
  }}
}}""",
    variables={
        "first": ORDERS_PER_PAGE,
        "lineItemsFirst": LINES_PER_ORDER,
        "shippingLinesFirst": SHIPPING_LINES_PER_ORDER,
        "refundLineItemsFirst": REFUND_LINES_PER_REFUND,
    },
)


def _follow_up(name, root, connection, fields):
    return document(
        name,
        f"""
query {name}($id: ID!, $first: Int!, $after: String) {{
  {root}(id: $id) {{
    {connection}(first: $first, after: $after) {{ nodes {{ {fields} }} {_PAGE_INFO} }}
  }}
}}""",
        variables={"first": FOLLOW_UP_PAGE_SIZE},
    )


ORDER_LINE_ITEMS = _follow_up("OrderLineItems", "order", "lineItems", _LINE)
ORDER_SHIPPING_LINES = _follow_up("OrderShippingLines", "order", "shippingLines", _SHIPPING_LINE)
REFUND_LINE_ITEMS = _follow_up("RefundLineItems", "refund", "refundLineItems", _REFUND_LINE)


# -- fetching -----------------------------------------------------------------


def fetch_orders(client, query):
    """Yield every order matching ``query``, each with all nested items loaded."""
    variables = dict(ORDERS_PAGE.variables, query=query)
    for node in client.paginate(ORDERS_PAGE, variables, ("orders",)):
        yield complete_order(client, node)


def complete_order(client, node):
    """Return ``node`` with every nested connection read to its last page."""
    if not isinstance(node, dict):
        return node
    node = dict(node)
    _complete(client, node, "lineItems", ORDER_LINE_ITEMS, "order")
    _complete(client, node, "shippingLines", ORDER_SHIPPING_LINES, "order")
    if isinstance(node.get("refunds"), list):
        node["refunds"] = [
            _complete(client, dict(r), "refundLineItems", REFUND_LINE_ITEMS, "refund")
            if isinstance(r, dict)
            else r
            for r in node["refunds"]
        ]
    return node


def _complete(client, parent, key, doc, root):
    """Append the pages after the first one to ``parent[key]``; return ``parent``."""
    connection = parent.get(key)
    page_info = connection.get("pageInfo") if isinstance(connection, dict) else None
    if not (isinstance(page_info, dict) and page_info.get("hasNextPage") and parent.get("id")):
        return parent
    variables = dict(doc.variables, id=parent["id"])
    more = client.paginate(doc, variables, (root, key), after=page_info.get("endCursor"))
    parent[key] = {
        "nodes": list(connection.get("nodes") or ()) + list(more),
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
    return parent


# -- search query -------------------------------------------------------------

_STATUS_RE = re.compile(r"^[a-z_]+$")


def _search_value(value):
    """Quote a search value (single quotes, or double quotes around an apostrophe).

    Backslashes and, inside single quotes, apostrophes are escaped with ``\\``.
    """
    text = str(value).strip().replace("\\", "\\\\")
    if "'" in text and '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "\\'") + "'"


def _timestamp(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):
        raise ValueError(f"not a date and time: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0)


def _any_of(terms):
    terms = list(terms)
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _statuses(field, values):
    for value in values:
        status = str(value).strip().lower()
        if not _STATUS_RE.match(status):
            raise ValueError(f"not a Shopify {field}: {value!r}")
        yield f"{field}:{status}"


def build_order_query(
    since=None,
    overlap_seconds=120,
    financial_statuses=("paid",),
    fulfillment_statuses=(),
    tags_required=(),
    tags_excluded=(),
    include_test=False,
    until=None,
) -> str:
    """Shopify search query for the orders to import.

    ``since`` (datetime or ISO string; naive means UTC) minus ``overlap_seconds``
    bounds ``updated_at`` so that orders updated during the previous run are
    read again.  Several statuses are alternatives (OR); an order needs at
    least one of ``tags_required`` and none of ``tags_excluded``.
    No ``status:`` term: the GraphQL ``orders`` field has no default status
    filter, so cancelled and closed orders come through for the lifecycle
    (``status:any`` is a REST parameter, not a documented search value).
    """
    terms = []
    if since is not None:
        start = _timestamp(since) - timedelta(seconds=overlap_seconds or 0)
        terms.append(f"updated_at:>={_search_value(start.strftime('%Y-%m-%dT%H:%M:%SZ'))}")
    if until is not None:
        end = _timestamp(until)
        terms.append(f"updated_at:<={_search_value(end.strftime('%Y-%m-%dT%H:%M:%SZ'))}")
    for field, values in (
        ("financial_status", financial_statuses),
        ("fulfillment_status", fulfillment_statuses),
    ):
        if values:
            terms.append(_any_of(_statuses(field, values)))
    required = [f"tag:{_search_value(t)}" for t in tags_required if str(t).strip()]
    if required:
        terms.append(_any_of(required))
    terms.extend(f"tag_not:{_search_value(t)}" for t in tags_excluded if str(t).strip())
    if not include_test:
        terms.append("test:false")
    return " AND ".join(terms)


# -- normalisation ------------------------------------------------------------
