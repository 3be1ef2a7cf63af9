"""Shopify order transactions: what money moved for an order.

Plain data in, plain data out.  The selection is read with the orders page
(``order_queries.ORDERS_PAGE``: a list, cheap); amounts are read in the
shop's currency (``shopMoney``) as :class:`~decimal.Decimal`, like the order.

Only successful money movements are booked: a sale or a capture brings money
in, a refund pays money back.  Authorisations, voids, failures and pending
transactions move no money.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from .errors import ShopifyError

TRANSACTION_FIELDS = (
    "id kind status gateway processedAt createdAt "
    "amountSet { shopMoney { amount currencyCode } } parentTransaction { id }"
)
MONEY_IN = frozenset({"SALE", "CAPTURE"})
MONEY_OUT = frozenset({"REFUND"})
# gateways whose money is the shop's debt to the customer, not cash
LIABILITY_GATEWAYS = frozenset({"gift_card", "shopify_store_credit", "store_credit"})
_MAX_AMOUNT = Decimal(10) ** 12
# a refund's transactions are processed within moments of the refund
_SLACK = timedelta(seconds=60)


class TransactionPayloadError(ShopifyError, ValueError):
    """A transaction of an order cannot be read."""

    code = "bad_transaction"


def gateway_key(value):
    """Shopify's gateway name as a mapping key: ``"Shopify Payments"`` and
    ``"shopify_payments"`` are the same gateway."""
    text = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    return text or "manual"


def _amount(value, what):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= _MAX_AMOUNT or number < 0:
        raise TransactionPayloadError(f"{what} is not a valid amount ({value!r}).")
    return number


def _when(value):
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def normalize_transactions(node):
    """The money movements of an order node, or None when the node holds none
    (not read).  Returns a list of ``{"gid", "kind", "direction" ("in" |
    "out"), "gateway", "amount", "currency", "processed_at", "parent_gid"}``.
    """
    raw = node.get("transactions") if isinstance(node, dict) else None
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = raw.get("nodes")
    if not isinstance(raw, list):
        raise TransactionPayloadError("The transactions of the order are unreadable.")
    result = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise TransactionPayloadError("A transaction of the order has no ID.")
        kind = str(item.get("kind") or "").upper()
        if str(item.get("status") or "").upper() != "SUCCESS":
            continue
        if kind not in MONEY_IN and kind not in MONEY_OUT:
            continue
        money = (item.get("amountSet") or {}).get("shopMoney") or {}
        what = f"The amount of the transaction {item['id']}"
        parent = item.get("parentTransaction")
        result.append(
            {
                "gid": item["id"],
                "kind": kind,
                "direction": "in" if kind in MONEY_IN else "out",
                "gateway": gateway_key(item.get("gateway")),
                "amount": _amount(money.get("amount"), what),
                "currency": money.get("currencyCode"),
                "processed_at": _when(item.get("processedAt") or item.get("createdAt")),
                "parent_gid": parent.get("id") if isinstance(parent, dict) else None,
            }
        )
    return result


def assign_refund_transactions(refunds, transactions):
    """``{refund gid: [money-out transactions]}``: each refund gets the refund
    transactions processed from its creation until the next refund's (Shopify
    pays a refund back when it is created)."""
    outs = sorted(
        (t for t in transactions if t["direction"] == "out"),
        key=lambda t: t["processed_at"] or datetime.min.replace(tzinfo=timezone.utc),
    )
    ordered = sorted(
        refunds, key=lambda r: r["created_at"] or datetime.min.replace(tzinfo=timezone.utc)
    )
    result = {refund["gid"]: [] for refund in ordered}
    for transaction in outs:
        owner = ordered[0] if ordered else None
        for refund in ordered:
            if (
                refund["created_at"]
                and transaction["processed_at"]
                and refund["created_at"] - _SLACK <= transaction["processed_at"]
            ):
                owner = refund
        if owner is not None:
            result[owner["gid"]].append(transaction)
    return result
