"""Order transactions: the money of each order, consistent to the cent.

An order gets its transactions when it is built (:func:`opening`), by its
payment status:

- paid (PAID, PARTIALLY_REFUNDED, REFUNDED): a successful SALE on
  ``shopify_payments`` (mostly), on ``paypal`` (some), an AUTHORIZATION and
  its CAPTURE (some), or a ``gift_card`` part plus a card SALE for the rest
  (some); test orders pay on Shopify's test gateway ``bogus``;
- AUTHORIZED: a successful AUTHORIZATION (no money moved yet);
- PENDING: a PENDING SALE on ``bank_deposit`` (manual payment); when the
  merchant marks the order paid (:func:`mark_paid`, the ``orderMarkAsPaid``
  mutation) a successful SALE of the outstanding amount is added.

The amounts are settled from the order's ``totalPriceSet`` (which never
changes after the order is built) the first time they are needed
(:func:`settle`).  A refund adds REFUND transactions of exactly what it
refunds (:func:`refunded`), taken from the card first, then the gift card;
a paid order cancelled gets a REFUND of what is left, an authorised one a
VOID.  Choices are deterministic (seeded by the order's number).
"""

import random
from decimal import Decimal

from shopify_simulator.resolvers import _deref_list, _scalar_derived, custom
from shopify_simulator.state import bag, bag_amount, gid_number, round_cents
from shopify_simulator.totals import recompute

PAID = ("PAID", "PARTIALLY_REFUNDED", "REFUNDED")
PAYMENTS = "shopify_payments"
PAYPAL = "paypal"
GIFT_CARD = "gift_card"
BANK = "bank_deposit"
TEST_GATEWAY = "bogus"
MONEY_IN = ("SALE", "CAPTURE")
GATEWAY_TITLES = {
    PAYMENTS: "Shopify Payments",
    PAYPAL: "PayPal",
    GIFT_CARD: "Gift card",
    BANK: "Bank Deposit",
    TEST_GATEWAY: "Bogus",
}


def _new(store, order_id, kind, gateway, status, at, test, parent=None):
    values = {
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "formattedGateway": GATEWAY_TITLES.get(gateway, gateway),
        "manualPaymentGateway": gateway == BANK,
        "manuallyCapturable": False,
        "multiCapturable": False,
        "test": bool(test),
        "createdAt": at,
        "processedAt": at,
        "order": order_id,
        "parentTransaction": parent,
        "authorizationCode": f"A{gid_number(order_id)}" if gateway == PAYMENTS else None,
        "errorCode": None,
        "fees": [],
        "paymentId": None,
        "receiptJson": "{}",
    }
    return store.create("OrderTransaction", **values)


def _plan(order_id, status, test):
    """[(kind, gateway, status, share)] of a new order."""
    if status in PAID:
        if test:
            return [("SALE", TEST_GATEWAY, "SUCCESS", "all")]
        roll = random.Random(gid_number(order_id)).random()
        if roll < 0.12:
            return [
                ("AUTHORIZATION", PAYMENTS, "SUCCESS", "all"),
                ("CAPTURE", PAYMENTS, "SUCCESS", "all"),
            ]
        if roll < 0.24:
            return [("SALE", PAYPAL, "SUCCESS", "all")]
        if roll < 0.32:
            return [("SALE", GIFT_CARD, "SUCCESS", "gift"), ("SALE", PAYMENTS, "SUCCESS", "rest")]
        return [("SALE", PAYMENTS, "SUCCESS", "all")]
    if status == "AUTHORIZED":
        return [("AUTHORIZATION", TEST_GATEWAY if test else PAYMENTS, "SUCCESS", "all")]
    if status == "PENDING":
        return [("SALE", BANK, "PENDING", "all")]
    return []


def opening(store, order_id, status, created_at, test=False):
    """The transaction gids of a new order (amounts settled later, see :func:`settle`)."""
    ids, parent = [], None
    for kind, gateway, state, share in _plan(order_id, status, test):
        transaction = _new(
            store,
            order_id,
            kind,
            gateway,
            state,
            created_at,
            test,
            parent=parent if kind == "CAPTURE" else None,
        )
        transaction["_share"] = share
        if kind == "AUTHORIZATION":
            parent = transaction["id"]
        ids.append(transaction["id"])
    return ids


def _transactions(store, order):
    return [store.objects[g] for g in order.get("transactions") or ()]


def settle(store, order):
    """Give the order's transactions their amounts (once) and a cancelled
    order its REFUND or VOID (once)."""
    currency = order["currencyCode"]
    pending = [t for t in _transactions(store, order) if "amountSet" not in t]
    if pending:
        total = bag_amount(order["totalPriceSet"])
        gift = min(Decimal("20.00"), round_cents(total / 2))
        for transaction in pending:
            share = transaction.pop("_share", "all")
            amount = gift if share == "gift" else total - gift if share == "rest" else total
            transaction["amountSet"] = bag(amount, currency)
    if order.get("cancelledAt") and not order.get("_cancel_settled"):
        order["_cancel_settled"] = True
        if order["displayFinancialStatus"] == "REFUNDED":
            _refund(store, order, _refundable(store, order), order["cancelledAt"])
        for transaction in _transactions(store, order):
            if transaction["kind"] == "AUTHORIZATION" and not _children(store, order, transaction):
                void = _new(
                    store,
                    order["id"],
                    "VOID",
                    transaction["gateway"],
                    "SUCCESS",
                    order["cancelledAt"],
                    transaction["test"],
                    parent=transaction["id"],
                )
                void["amountSet"] = bag(bag_amount(transaction["amountSet"]), currency)
                order["transactions"].append(void["id"])


def _children(store, order, transaction):
    return [t for t in _transactions(store, order) if t["parentTransaction"] == transaction["id"]]


def _money_in(store, order):
    return [
        t
        for t in _transactions(store, order)
        if t["kind"] in MONEY_IN and t["status"] == "SUCCESS"
    ]


def _refunded_from(store, order, transaction):
    return sum(
        (
            bag_amount(t["amountSet"])
            for t in _transactions(store, order)
            if t["kind"] == "REFUND"
            and t["status"] == "SUCCESS"
            and t["parentTransaction"] == transaction["id"]
        ),
        Decimal(0),
    )


def _refundable(store, order):
    return sum(
        (
            bag_amount(t["amountSet"]) - _refunded_from(store, order, t)
            for t in _money_in(store, order)
        ),
        Decimal(0),
    )


def _refund(store, order, amount, now):
    """REFUND transactions paying ``amount`` back: card money first, then gift card."""
    sources = sorted(_money_in(store, order), key=lambda t: t["gateway"] == GIFT_CARD)
    created = []
    for source in sources:
        if amount <= 0:
            break
        left = bag_amount(source["amountSet"]) - _refunded_from(store, order, source)
        take = min(left, amount)
        if take <= 0:
            continue
        transaction = _new(
            store,
            order["id"],
            "REFUND",
            source["gateway"],
            "SUCCESS",
            now,
            source["test"],
            parent=source["id"],
        )
        transaction["amountSet"] = bag(take, order["currencyCode"])
        order["transactions"].append(transaction["id"])
        created.append(transaction["id"])
        amount -= take
    return created


def refunded(store, order, amount, now):
    """The REFUND transaction gids of a refund of ``amount`` of lines (the spot
    in :func:`shopify_simulator.orders.refund`, after the order's totals are
    recomputed); none when nothing was paid.

    What is paid back is what the order's ``totalRefundedSet`` grew by: the
    lines, and the shipping too when the refund leaves nothing of the order.
    """
    settle(store, order)
    if order["displayFinancialStatus"] not in PAID:
        return []
    received = sum((bag_amount(t["amountSet"]) for t in _money_in(store, order)), Decimal(0))
    back = received - _refundable(store, order)
    due = max(bag_amount(order["totalRefundedSet"]) - back, amount)
    return _refund(store, order, min(due, _refundable(store, order)), now)


def mark_paid(store, order, now, gateway=BANK):
    """The merchant marks a pending order paid: a SALE of the outstanding amount."""
    settle(store, order)
    if order["displayFinancialStatus"] not in ("PENDING", "PARTIALLY_PAID"):
        return None
    outstanding = bag_amount(order["currentTotalPriceSet"]) - sum(
        (bag_amount(t["amountSet"]) for t in _money_in(store, order)), Decimal(0)
    )
    transaction = _new(store, order["id"], "SALE", gateway, "SUCCESS", now, order["test"])
    transaction["amountSet"] = bag(max(outstanding, Decimal(0)), order["currencyCode"])
    order["transactions"].append(transaction["id"])
    order["displayFinancialStatus"] = "PAID"
    recompute(store, order)
    order["updatedAt"] = now
    return transaction


# -- resolvers ----------------------------------------------------------------


@custom("Order", "transactions")
def _order_transactions(source, info, first=None, capturable=None, manuallyResolvable=None):
    settle(info.context.store, source)
    result = _deref_list(source, info)
    if capturable:
        result = [t for t in result if t["kind"] == "AUTHORIZATION" and t["status"] == "SUCCESS"]
    return result[:first] if first is not None else result


def _settled(source, info):
    store = info.context.store
    if "amountSet" not in source and store.get(source.get("order")):
        settle(store, store.objects[source["order"]])
    return source


@custom("OrderTransaction", "amountSet")
def _amount_set(source, info):
    return _settled(source, info).get("amountSet")


@custom("OrderTransaction", "amount")
def _amount(source, info):
    return _scalar_derived(_settled(source, info), info)


@custom("OrderTransaction", "amountV2")
def _amount_v2(source, info):
    return _settled(source, info)["amountSet"]["shopMoney"]


@custom("Mutation", "orderMarkAsPaid")
def _order_mark_as_paid(source, info, input):
    ctx = info.context
    order = ctx.store.get(input["id"], "Order")
    if order is None:
        return {"order": None, "userErrors": [{"field": ["id"], "message": "Order not found"}]}
    if mark_paid(ctx.store, order, ctx.now()) is None:
        return {
            "order": order,
            "userErrors": [{"field": ["id"], "message": "Order cannot be marked as paid."}],
        }
    return {"order": order, "userErrors": []}
