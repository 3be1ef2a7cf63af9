"""Shopify Payments payouts and their balance transactions.

Plain data in, plain data out.  A payout moves the net of its balance
transactions from the Shopify Payments balance to the merchant's bank; each
balance transaction is a charge (a customer payment), a refund, an
adjustment (chargeback, reserve, ...) with its fee.  Amounts are in the
payout's currency.
"""

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from .documents import document
from .errors import ShopifyError
from .gid import to_gid

PAYOUTS_PER_PAGE = 50
BALANCE_TRANSACTIONS_PER_PAGE = 100

_MONEY = "amount currencyCode"
_PAGE_INFO = "pageInfo { hasNextPage endCursor }"

PAYOUTS_PAGE = document(
    "ShopifyPayouts",
    f"""
query ShopifyPayouts($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    payouts(first: $first, after: $after, query: $query, reverse: true) {{
      nodes {{
        id legacyResourceId issuedAt status transactionType
        net {{ {_MONEY} }}
      }}
      {_PAGE_INFO}
    }}
  }}
}}""",
    variables={"first": PAYOUTS_PER_PAGE},
)

BALANCE_TRANSACTIONS_PAGE = document(
    "ShopifyPayoutTransactions",
    f"""
query ShopifyPayoutTransactions($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    balanceTransactions(first: $first, after: $after, query: $query) {{
      nodes {{
        id type test transactionDate sourceType sourceOrderTransactionId adjustmentReason
        amount {{ {_MONEY} }} fee {{ {_MONEY} }} net {{ {_MONEY} }}
        associatedOrder {{ id name }}
      }}
      {_PAGE_INFO}
    }}
  }}
}}""",
    variables={"first": BALANCE_TRANSACTIONS_PER_PAGE},
)

# balance transaction types booked against the customer payments they carry
CHARGE_TYPES = frozenset({"CHARGE"})
REFUND_TYPES = frozenset({"REFUND"})
# the payout itself, as a balance transaction of the payout (minus its net)
TRANSFER_TYPES = frozenset({"TRANSFER"})


class PayoutPayloadError(ShopifyError, ValueError):
    """A payout or one of its balance transactions cannot be read."""

    code = "bad_payout"


def _money(bag, what):
    if not isinstance(bag, dict):
        raise PayoutPayloadError(f"{what} is missing.")
    try:
        amount = Decimal(str(bag.get("amount")).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise PayoutPayloadError(f"{what} is not a valid amount ({bag.get('amount')!r}).")
    return amount, bag.get("currencyCode")


def _when(value):
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def payouts_query(since=None):
    """Search query: paid payouts, issued on or after ``since`` (a date)."""
    terms = ["status:paid"]
    if since:
        terms.append(f"issued_at:>={since.isoformat()}")
    return " AND ".join(terms)


def normalize_payout(node):
    if not isinstance(node, dict) or not isinstance(node.get("id"), str):
        raise PayoutPayloadError("A payout without ID.")
    net, currency = _money(node.get("net"), f"The net amount of the payout {node['id']}")
    return {
        "gid": node["id"],
        "legacy_id": str(node.get("legacyResourceId") or node["id"].rsplit("/", 1)[-1]),
        "issued_at": _when(node.get("issuedAt")),
        "status": str(node.get("status") or "").upper(),
        "withdrawal": str(node.get("transactionType") or "").upper() == "WITHDRAWAL",
        "net": net,
        "currency": currency,
    }


def normalize_balance_transaction(node):
    if not isinstance(node, dict) or not isinstance(node.get("id"), str):
        raise PayoutPayloadError("A balance transaction without ID.")
    what = f"the balance transaction {node['id']}"
    amount, currency = _money(node.get("amount"), f"The amount of {what}")
    fee, __ = _money(node.get("fee"), f"The fee of {what}")
    net, __ = _money(node.get("net"), f"The net amount of {what}")
    if amount - fee != net:
        raise PayoutPayloadError(
            f"The amounts of {what} do not add up: {amount} - {fee} is not {net}."
        )
    source = node.get("sourceOrderTransactionId")
    order = node.get("associatedOrder") if isinstance(node.get("associatedOrder"), dict) else {}
    return {
        "gid": node["id"],
        "type": str(node.get("type") or "").upper(),
        "test": bool(node.get("test")),
        "amount": amount,
        "fee": fee,
        "net": net,
        "currency": currency,
        "transaction_gid": to_gid("OrderTransaction", source) if source else None,
        "order_gid": order.get("id"),
        "order_name": order.get("name"),
        "reason": node.get("adjustmentReason"),
    }


def fetch_payouts(client, since=None):
    """Yield the paid payouts issued since ``since``, newest first."""
    variables = dict(PAYOUTS_PAGE.variables, query=payouts_query(since))
    for node in client.paginate(PAYOUTS_PAGE, variables, ("shopifyPaymentsAccount", "payouts")):
        yield normalize_payout(node)


def fetch_balance_transactions(client, payout):
    """The balance transactions a payout pays out (a list), without the
    payout's own transfer line."""
    variables = dict(
        BALANCE_TRANSACTIONS_PAGE.variables, query=f"payments_transfer_id:{payout['legacy_id']}"
    )
    path = ("shopifyPaymentsAccount", "balanceTransactions")
    lines = (
        normalize_balance_transaction(node)
        for node in client.paginate(BALANCE_TRANSACTIONS_PAGE, variables, path)
    )
    return [line for line in lines if line["type"] not in TRANSFER_TYPES]
