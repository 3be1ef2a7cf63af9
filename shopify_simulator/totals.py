"""Order totals and statuses derived from the lines (see :mod:`shopify_simulator.orders`)."""

from decimal import Decimal

from shopify_simulator.state import bag, bag_amount, money, quantity, round_cents


def _tax_line(amount, rate, title, currency):
    return {
        "title": title,
        "rate": float(rate),
        "ratePercentage": float(rate * 100),
        "priceSet": bag(amount, currency),
        "price": money(amount),
        "source": "Shopify",
        "channelLiable": False,
    }


def _current_amounts(line):
    qty, current = line["quantity"], line["currentQuantity"]
    total = bag_amount(line["discountedTotalSet"])
    tax = Decimal(line["_tax"])
    if current == qty:
        return total, tax
    return round_cents(total * current / qty), round_cents(tax * current / qty)


def recompute(store, order):
    """Derive statuses and every total of ``order`` from its lines."""
    currency = order["currencyCode"]
    lines = [store.objects[g] for g in order["lineItems"]]
    included = order["taxesIncluded"]
    subtotal = cur_subtotal = tax = cur_tax = disc = cur_disc = Decimal(0)
    qty = cur_qty = 0
    tax_groups, cur_groups = {}, {}
    for line in lines:
        line_total = bag_amount(line["discountedTotalSet"])
        line_tax = Decimal(line["_tax"])
        cur_total, cur_line_tax = _current_amounts(line)
        subtotal += line_total
        cur_subtotal += cur_total
        tax += line_tax
        cur_tax += cur_line_tax
        alloc = bag_amount(line["totalDiscountSet"])
        disc += alloc
        cur_disc += round_cents(alloc * line["currentQuantity"] / line["quantity"])
        qty += line["quantity"]
        cur_qty += line["currentQuantity"]
        for tl in line["taxLines"]:
            for groups, amount in ((tax_groups, line_tax), (cur_groups, cur_line_tax)):
                key = (tl["title"], tl["rate"])
                groups[key] = groups.get(key, Decimal(0)) + amount
        foli = store.objects.get(line.get("_foli")) if line.get("_foli") else None
        remaining = foli["remainingQuantity"] if foli else 0
        line["fulfillableQuantity"] = remaining
        line["unfulfilledQuantity"] = remaining
        line["nonFulfillableQuantity"] = line["quantity"] - remaining - line["_fulfilled"]
        line["refundableQuantity"] = line["currentQuantity"]
        line["restockable"] = line["canRestock"] = bool(line["variant"])
        unit = bag_amount(line["discountedTotalSet"]) / line["quantity"]
        line["unfulfilledDiscountedTotalSet"] = bag(round_cents(unit * remaining), currency)
        line["unfulfilledOriginalTotalSet"] = bag(
            bag_amount(line["originalUnitPriceSet"]) * remaining, currency
        )
        line["fulfillmentStatus"] = (
            "fulfilled"
            if line["_fulfilled"] and not remaining
            else "partial"
            if line["_fulfilled"]
            else "unfulfilled"
        )
    ship_price = Decimal(order["_ship_price"])
    ship_tax = Decimal(order["_ship_tax"])
    shipping_line = store.objects[order["shippingLine"]]
    for tl in shipping_line["taxLines"]:
        for groups in (tax_groups, cur_groups):
            key = (tl["title"], tl["rate"])
            groups[key] = groups.get(key, Decimal(0)) + ship_tax
    cur_ship = ship_price if cur_qty else Decimal(0)
    cur_ship_tax = ship_tax if cur_qty else Decimal(0)
    total = subtotal + ship_price + (Decimal(0) if included else tax + ship_tax)
    cur_total = cur_subtotal + cur_ship + (Decimal(0) if included else cur_tax + cur_ship_tax)
    status = order["displayFinancialStatus"]
    paid = status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED")
    refunded = total - cur_total if paid else Decimal(0)
    received = total if paid else Decimal(0)
    outstanding = Decimal(0) if paid or status == "VOIDED" else cur_total
    order.update(
        {
            "subtotalPriceSet": bag(subtotal, currency),
            "currentSubtotalPriceSet": bag(cur_subtotal, currency),
            "totalPriceSet": bag(total, currency),
            "originalTotalPriceSet": bag(total, currency),
            "currentTotalPriceSet": bag(cur_total, currency),
            "totalTaxSet": bag(tax + ship_tax, currency),
            "currentTotalTaxSet": bag(cur_tax + cur_ship_tax, currency),
            "totalDiscountsSet": bag(disc, currency),
            "currentTotalDiscountsSet": bag(cur_disc, currency),
            "cartDiscountAmountSet": bag(0, currency),
            "currentCartDiscountAmountSet": bag(0, currency),
            "totalShippingPriceSet": bag(ship_price, currency),
            "currentShippingPriceSet": bag(cur_ship, currency),
            "totalRefundedSet": bag(refunded, currency),
            "totalRefundedShippingSet": bag(ship_price - cur_ship if paid else 0, currency),
            "totalReceivedSet": bag(received, currency),
            "netPaymentSet": bag(received - refunded, currency),
            "totalOutstandingSet": bag(outstanding, currency),
            "totalCapturableSet": bag(cur_total if status == "AUTHORIZED" else 0, currency),
            "totalTipReceivedSet": bag(0, currency),
            "refundDiscrepancySet": bag(0, currency),
            "taxLines": [
                _tax_line(a, Decimal(str(r)), t, currency) for (t, r), a in tax_groups.items()
            ],
            "currentTaxLines": [
                _tax_line(a, Decimal(str(r)), t, currency) for (t, r), a in cur_groups.items()
            ],
            "subtotalLineItemsQuantity": qty,
            "currentSubtotalLineItemsQuantity": cur_qty,
            "currentTotalWeight": order["totalWeight"],
            "fullyPaid": paid,
            "unpaid": status in ("PENDING", "AUTHORIZED", "EXPIRED"),
            "capturable": status == "AUTHORIZED",
            "canMarkAsPaid": status == "PENDING",
            "refundable": paid and cur_total > 0,
            "restockable": True,
        }
    )
    fulfilled = sum(li["_fulfilled"] for li in lines if li["requiresShipping"])
    remaining = sum(li.get("unfulfilledQuantity", 0) for li in lines)
    shippable = any(li["requiresShipping"] for li in lines)
    if not shippable or (fulfilled and not remaining):
        fstatus = "FULFILLED"
    elif fulfilled:
        fstatus = "PARTIALLY_FULFILLED"
    else:
        fstatus = "UNFULFILLED"
    order["displayFulfillmentStatus"] = fstatus
    order["fulfillable"] = remaining > 0 and not order["cancelledAt"]
    for fo_id in order["fulfillmentOrders"]:
        fo = store.objects[fo_id]
        if fo["status"] in ("ON_HOLD", "CANCELLED"):
            continue
        items = [store.objects[g] for g in fo["lineItems"]]
        left = sum(i["remainingQuantity"] for i in items)
        done = sum(i["totalQuantity"] - i["remainingQuantity"] for i in items)
        fo["status"] = "CLOSED" if not left else "IN_PROGRESS" if done else "OPEN"
    if (fstatus == "FULFILLED" and paid) or order["cancelledAt"]:
        order["closed"] = True
        order["closedAt"] = order["closedAt"] or order["updatedAt"]


def committed_units(store, level):
    """Helper for checks: ``level`` committed quantity (for tests)."""
    return quantity(level, "committed")
