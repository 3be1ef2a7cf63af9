"""Transactions and payouts in Shopify's shape, for the accounting tests."""


def transaction(
    number,
    amount,
    kind="SALE",
    gateway="shopify_payments",
    status="SUCCESS",
    at="2026-03-02T09:15:30Z",
    currency="EUR",
):
    return {
        "id": f"gid://shopify/OrderTransaction/{number}",
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "processedAt": at,
        "createdAt": at,
        "amountSet": {"shopMoney": {"amount": amount, "currencyCode": currency}},
        "parentTransaction": None,
    }


def payouts_page(*payouts):
    return {
        "shopifyPaymentsAccount": {
            "payouts": {
                "nodes": list(payouts),
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
        }
    }


def payout(number, net, currency="EUR", issued="2026-03-05T06:00:00Z"):
    return {
        "id": f"gid://shopify/ShopifyPaymentsPayout/{number}",
        "legacyResourceId": str(number),
        "issuedAt": issued,
        "status": "PAID",
        "transactionType": "DEPOSIT",
        "net": {"amount": net, "currencyCode": currency},
    }


def balance_transactions_page(*items):
    return {
        "shopifyPaymentsAccount": {
            "balanceTransactions": {
                "nodes": list(items),
                "pageInfo": {"hasNextPage": False, "endCursor": None},
            }
        }
    }


def balance_transaction(number, kind, amount, fee, source=None, order=None, currency="EUR"):
    net = f"{float(amount) - float(fee):.2f}"
    return {
        "id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{number}",
        "type": kind,
        "test": False,
        "transactionDate": "2026-03-04T06:00:00Z",
        "sourceType": kind.lower(),
        "sourceOrderTransactionId": source,
        "adjustmentReason": None,
        "amount": {"amount": amount, "currencyCode": currency},
        "fee": {"amount": fee, "currencyCode": currency},
        "net": {"amount": net, "currencyCode": currency},
        "associatedOrder": {"id": "gid://shopify/Order/1", "name": order} if order else None,
    }
