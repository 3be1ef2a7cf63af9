"""Shopify Payments: balance transactions, payouts, and the account that lists them.

Every successful Shopify Payments money movement of an order
(:mod:`shopify_simulator.transactions`) is a balance transaction: a sale or
capture a CHARGE (fee 1.9 % + 0.25, rounded half-up to the cent), a refund a
REFUND (negative, no fee back).  A payout (:func:`create_payout`) carries the
balance transactions not paid out yet of the orders given: its net is the sum
of their nets, to the cent, and a TRANSFER balance transaction moves that net
to the bank (``hideTransfers: true`` leaves it out, as on Shopify).

``shopifyPaymentsAccount { payouts balanceTransactions }`` answer with
Shopify's search terms ``status:``, ``issued_at:`` (payouts) and
``payments_transfer_id:``, ``payout_status:``, ``transaction_type:``
(balance transactions); other terms are ignored.
"""

import re
from decimal import Decimal

from shopify_simulator import transactions as order_transactions
from shopify_simulator.resolvers import connection, custom
from shopify_simulator.state import bag_amount, gid_number, money, money_v2, round_cents

ACCOUNT_ID = "gid://shopify/ShopifyPaymentsAccount/1"
FEE_RATE = Decimal("0.019")
FEE_FIXED = Decimal("0.25")
SUMMARY_KEYS = (
    "adjustmentsFee",
    "adjustmentsGross",
    "advanceFees",
    "advanceGross",
    "chargesFee",
    "chargesGross",
    "refundsFee",
    "refundsFeeGross",
    "reservedFundsFee",
    "reservedFundsGross",
    "retriedPayoutsFee",
    "retriedPayoutsGross",
    "usdcRebateCreditAmount",
)
_TERM = re.compile(r"(\w+):(>=|<=|>|<)?'?([^'\s]+)'?")


def fee_of(amount):
    return round_cents(amount * FEE_RATE + FEE_FIXED)


def _balance_transaction(store, order, transaction, currency):
    amount = bag_amount(transaction["amountSet"])
    if transaction["kind"] == "REFUND":
        kind, amount, fee = "REFUND", -amount, Decimal(0)
    else:
        kind, fee = "CHARGE", fee_of(amount)
    number = gid_number(transaction["id"])
    return store.create(
        "ShopifyPaymentsBalanceTransaction",
        type=kind,
        sourceType=kind,
        sourceId=str(number),
        sourceOrderTransactionId=str(number),
        test=bool(order["test"]),
        transactionDate=transaction["processedAt"],
        adjustmentReason=None,
        adjustmentsOrders=[],
        amount=money_v2(amount, currency),
        fee=money_v2(fee, currency),
        net=money_v2(amount - fee, currency),
        associatedOrder={
            "__typename": "ShopifyPaymentsAssociatedOrder",
            "id": order["id"],
            "name": order["name"],
        },
        associatedPayout={"id": None, "status": "PENDING"},
        _payout=None,
    )


def balance_transactions(store, order):
    """The balance transactions of ``order``'s Shopify Payments money (made once)."""
    order_transactions.settle(store, order)
    currency = order["currencyCode"]
    made = []
    for gid_value in order.get("transactions") or ():
        transaction = store.objects[gid_value]
        if (
            transaction["gateway"] != order_transactions.PAYMENTS
            or transaction["status"] != "SUCCESS"
            or transaction["kind"] not in ("SALE", "CAPTURE", "REFUND")
        ):
            continue
        if not transaction.get("_balance"):
            transaction["_balance"] = _balance_transaction(store, order, transaction, currency)[
                "id"
            ]
        made.append(store.objects[transaction["_balance"]])
    return made


def create_payout(store, orders, issued_at, status="PAID"):
    """A payout of the balance transactions of ``orders`` not paid out yet
    (None when there are none)."""
    currency = store.shop["currencyCode"]
    items = [
        item
        for order in orders
        for item in balance_transactions(store, order)
        if item["_payout"] is None
    ]
    if not items:
        return None
    payout_id = store.new_id("ShopifyPaymentsPayout")
    sums = dict.fromkeys(SUMMARY_KEYS, Decimal(0))
    net = Decimal(0)
    for item in items:
        amount, fee = Decimal(item["amount"]["amount"]), Decimal(item["fee"]["amount"])
        if item["type"] == "CHARGE":
            sums["chargesGross"] += amount
            sums["chargesFee"] += fee
        else:
            sums["refundsFeeGross"] += amount
            sums["refundsFee"] += fee
        net += amount - fee
        item["_payout"] = payout_id
        item["associatedPayout"] = {"id": payout_id, "status": status}
    transfer = store.create(
        "ShopifyPaymentsBalanceTransaction",
        type="TRANSFER",
        sourceType="TRANSFER",
        sourceId=str(gid_number(payout_id)),
        sourceOrderTransactionId=None,
        test=False,
        transactionDate=issued_at,
        adjustmentReason=None,
        adjustmentsOrders=[],
        amount=money_v2(-net, currency),
        fee=money_v2(0, currency),
        net=money_v2(-net, currency),
        associatedOrder=None,
        associatedPayout={"id": payout_id, "status": status},
        _payout=payout_id,
    )
    gross = sums["chargesGross"] + sums["refundsFeeGross"]
    return store.add(
        {
            "__typename": "ShopifyPaymentsPayout",
            "id": payout_id,
            "issuedAt": issued_at,
            "status": status,
            "transactionType": "DEPOSIT" if net >= 0 else "WITHDRAWAL",
            "net": money_v2(abs(net), currency),
            "gross": money_v2(abs(gross), currency),
            "summary": {key: money_v2(value, currency) for key, value in sums.items()},
            "bankAccount": None,
            "externalTraceId": None,
            "_transfer": transfer["id"],
        }
    )


def paid_out_orders(store, created_before):
    """The orders a seeded payout carries: paid (in part refunded) by Shopify
    Payments, neither test nor cancelled, created before ``created_before``."""
    chosen = []
    for order in store.all("Order"):
        if (
            order["test"]
            or order["cancelledAt"]
            or order["displayFinancialStatus"] not in ("PAID", "PARTIALLY_REFUNDED")
            or order["createdAt"] >= created_before
        ):
            continue
        if balance_transactions(store, order):
            chosen.append(order)
    return chosen


# -- search ---------------------------------------------------------------------


def _terms(text):
    found = _TERM.finditer(text or "")
    return [(m.group(1).lower(), m.group(2) or "=", m.group(3)) for m in found]


def _compare(value, op, wanted):
    if value is None:
        return False
    value = str(value)[: len(wanted)] if op in (">=", "<=", ">", "<") else str(value)
    return {
        "=": value.lower() == wanted.lower(),
        ">=": value >= wanted,
        "<=": value <= wanted,
        ">": value > wanted,
        "<": value < wanted,
    }[op]


def _payout_matches(payout, terms):
    for name, op, wanted in terms:
        if name == "status" and not _compare(payout["status"], "=", wanted):
            return False
        if name in ("issued_at", "date") and not _compare(payout["issuedAt"], op, wanted):
            return False
    return True


def _balance_matches(item, terms):
    for name, __, wanted in terms:
        payout_id = item["_payout"]
        if name in ("payments_transfer_id", "payout_id"):
            if not payout_id or str(gid_number(payout_id)) != wanted:
                return False
        elif name == "payout_status":
            if not _compare(item["associatedPayout"]["status"], "=", wanted):
                return False
        elif name in ("transaction_type", "type") and not _compare(item["type"], "=", wanted):
            return False
    return True


# -- resolvers ------------------------------------------------------------------


@custom("QueryRoot", "shopifyPaymentsAccount")
def _account(source, info):
    store = info.context.store
    currency = store.shop["currencyCode"]
    pending = sum(
        (
            Decimal(item["net"]["amount"])
            for item in store.all("ShopifyPaymentsBalanceTransaction")
            if item["_payout"] is None
        ),
        Decimal(0),
    )
    return {
        "__typename": "ShopifyPaymentsAccount",
        "id": ACCOUNT_ID,
        "activated": True,
        "onboardable": False,
        "country": "DE",
        "defaultCurrency": currency,
        "accountOpenerName": store.shop.get("shopOwnerName"),
        "balance": [{"amount": money(pending), "currencyCode": currency}],
        "payoutSchedule": {"interval": "DAILY", "monthlyAnchor": None, "weeklyAnchor": None},
        "payoutStatementDescriptor": store.shop["name"][:10].upper(),
        "chargeStatementDescriptor": store.shop["name"][:22].upper(),
    }


@custom("ShopifyPaymentsAccount", "payouts")
def _payouts(source, info, **args):
    terms = _terms(args.get("query"))
    kind = args.get("transactionType")
    items = [
        payout
        for payout in info.context.store.all("ShopifyPaymentsPayout")
        if _payout_matches(payout, terms) and (not kind or payout["transactionType"] == kind)
    ]
    return connection(info, items, args)


@custom("ShopifyPaymentsAccount", "balanceTransactions")
def _balance_transactions(source, info, **args):
    terms = _terms(args.get("query"))
    items = [
        item
        for item in info.context.store.all("ShopifyPaymentsBalanceTransaction")
        if _balance_matches(item, terms)
        and not (args.get("hideTransfers") and item["type"] == "TRANSFER")
    ]
    return connection(info, items, args)
