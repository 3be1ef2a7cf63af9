"""Orders: building them with consistent totals, and the stock semantics of
placing, fulfilling, cancelling and refunding them.

Totals are computed with ``decimal.Decimal`` and rounded half-up to the cent:

- line: ``originalTotal = unit price x quantity``; ``discountedTotal =
  originalTotal - discount allocations``; tax per line is the included share
  ``round(discountedTotal x r / (1 + r))`` when the shop's prices include tax
  (the default), else ``round(discountedTotal x r)``;
- shipping: one shipping line, taxed at the standard rate of the destination;
- ``subtotal = sum(discountedTotal)``, ``total = subtotal + shipping
  (+ tax when prices exclude tax)``;
- ``current*`` totals follow refunds and cancellations proportionally per
  line (``round(x x currentQuantity / quantity)``), so refunded amounts
  telescope exactly to the original amounts.

Stock (only for variants whose inventory item is tracked and stocked at the
fulfillment order's location): placing an order moves units from
``available`` to ``committed``; fulfilling removes them from ``committed``
(so ``on_hand`` drops); cancelling with restock, and refunds with restock type
CANCEL (or LEGACY_RESTOCK of unfulfilled units), move them back to
``available``; RETURN adds returned units to ``available``; NO_RESTOCK of
unfulfilled units releases them from ``committed`` without restocking.

Not simulated: multi-currency presentment (presentment = shop currency),
duties, tips, order edits, payment transactions, several fulfillment orders
per order (one per order, assigned to the location that fulfils online
orders), shipping refunds.
"""

from decimal import Decimal

from shopify_simulator import transactions as order_transactions
from shopify_simulator.state import bag, bag_amount, money, round_cents
from shopify_simulator.totals import _current_amounts, _tax_line, recompute

TAX_RATES = {  # country -> (standard, reduced, title)
    "DE": (Decimal("0.19"), Decimal("0.07"), "MwSt"),
    "AT": (Decimal("0.20"), Decimal("0.10"), "USt"),
    "CH": (Decimal("0.081"), Decimal("0.026"), "MWST"),
    "US": (Decimal("0"), Decimal("0"), "Sales Tax"),
}
# Shopify's recommendation for an order of an assessed risk level
RISK_RECOMMENDATIONS = {"HIGH": "CANCEL", "MEDIUM": "INVESTIGATE"}


def _tax(amount, rate, included):
    if not rate:
        return Decimal(0)
    if included:
        return round_cents(amount * rate / (1 + rate))
    return round_cents(amount * rate)


def build_order(
    store,
    shop,
    *,
    number,
    lines,
    customer,
    location,
    created_at,
    now,
    financial_status="PAID",
    tags=(),
    test=False,
    discount=None,
    shipping_price=None,
    shipping_title="Standardversand",
    email=None,
    note=None,
    on_hold=False,
    source_name="web",
    retail_location=None,
    risk_level="LOW",
):
    """Create an order (plus line items and a fulfillment order) in ``store``.

    ``lines``: dicts ``{variant, sku, title, variant_title, price, quantity,
    requires_shipping, reduced_tax}``; ``variant`` may be None (custom item).
    ``source_name`` "pos" with a ``retail_location`` (a Location's gid) is an
    order of a shop's POS; ``risk_level`` is Shopify's assessment (LOW, MEDIUM, HIGH).
    Stock is not touched here: call :func:`commit_stock` for a new order.
    """
    currency = shop["currencyCode"]
    included = shop["taxesIncluded"]
    address = customer["defaultAddress"] if customer else None
    country = (address or {}).get("countryCode", "DE")
    standard, reduced, tax_title = TAX_RATES.get(country, TAX_RATES["DE"])
    order_id = store.new_id("Order")
    applications = []
    if discount:
        if discount.get("percentage") is not None:
            value = {
                "__typename": "PricingPercentageValue",
                "percentage": float(discount["percentage"]),
            }
        else:
            value = {
                "__typename": "MoneyV2",
                "amount": money(discount["amount"]),
                "currencyCode": currency,
            }
        app = {
            "__typename": "DiscountCodeApplication"
            if discount.get("code")
            else "ManualDiscountApplication",
            "index": 0,
            "allocationMethod": "ACROSS",
            "targetSelection": "ALL",
            "targetType": "LINE_ITEM",
            "value": value,
            "code": discount.get("code"),
            "title": discount.get("title", discount.get("code") or "Rabatt"),
            "description": None,
        }
        applications.append(app)
    originals = [round_cents(Decimal(str(spec["price"])) * spec["quantity"]) for spec in lines]
    allocations = [Decimal(0)] * len(lines)
    if applications:
        if discount.get("percentage") is not None:
            pct = Decimal(str(discount["percentage"])) / 100
            allocations = [round_cents(o * pct) for o in originals]
        else:
            amount = min(Decimal(str(discount["amount"])), sum(originals))
            total = sum(originals) or Decimal(1)
            allocations = [round_cents(amount * o / total) for o in originals]
            allocations[-1] += amount - sum(allocations)
    line_ids, weight_total = [], 0
    for spec, original, alloc in zip(lines, originals, allocations):
        variant = spec.get("variant")
        rate = reduced if spec.get("reduced_tax") else standard
        qty = int(spec["quantity"])
        unit = Decimal(str(spec["price"]))
        discounted = original - alloc
        tax = _tax(discounted, rate, included)
        grams = spec.get("grams", 0)
        weight_total += grams * qty
        variant_title = spec.get("variant_title")
        title = spec["title"]
        line = store.create(
            "LineItem",
            title=title,
            variantTitle=variant_title,
            name=f"{title} - {variant_title}" if variant_title else title,
            sku=spec.get("sku"),
            quantity=qty,
            currentQuantity=qty,
            requiresShipping=spec.get("requires_shipping", True),
            taxable=bool(rate),
            isGiftCard=False,
            vendor=spec.get("vendor"),
            merchantEditable=True,
            variant=variant["id"] if variant else None,
            product=variant["product"] if variant else None,
            originalUnitPriceSet=bag(unit, currency),
            originalTotalSet=bag(original, currency),
            discountedUnitPriceSet=bag(round_cents(discounted / qty), currency),
            discountedUnitPriceAfterAllDiscountsSet=bag(round_cents(discounted / qty), currency),
            discountedTotalSet=bag(discounted, currency),
            totalDiscountSet=bag(alloc, currency),
            taxLines=[_tax_line(tax, rate, f"{tax_title} {float(rate * 100):g}%", currency)]
            if rate
            else [],
            discountAllocations=[
                {
                    "allocatedAmountSet": bag(alloc, currency),
                    "discountApplication": applications[0],
                }
            ]
            if alloc
            else [],
            customAttributes=[],
            duties=[],
            weight={"unit": "GRAMS", "value": float(grams)},
            _order=order_id,
            _tax=str(tax),
            _fulfilled=0,
            _rate=str(rate),
        )
        line_ids.append(line["id"])
    ship_price = Decimal(str(shipping_price if shipping_price is not None else "4.90"))
    ship_tax = _tax(ship_price, standard, included)
    shipping_line = {
        "__typename": "ShippingLine",
        "id": store.new_id("ShippingLine"),
        "title": shipping_title,
        "code": shipping_title,
        "source": "shopify",
        "custom": False,
        "isRemoved": False,
        "carrierIdentifier": None,
        "originalPriceSet": bag(ship_price, currency),
        "discountedPriceSet": bag(ship_price, currency),
        "currentDiscountedPriceSet": bag(ship_price, currency),
        "taxLines": [
            _tax_line(ship_tax, standard, f"{tax_title} {float(standard * 100):g}%", currency)
        ]
        if standard
        else [],
        "discountAllocations": [],
        "_tax": str(ship_tax),
    }
    store.objects[shipping_line["id"]] = shipping_line
    order = {
        "__typename": "Order",
        "id": order_id,
        "name": f"#{number}",
        "number": number,
        "createdAt": created_at,
        "processedAt": created_at,
        "updatedAt": created_at,
        "cancelledAt": None,
        "cancelReason": None,
        "closed": False,
        "closedAt": None,
        "confirmed": True,
        "test": bool(test),
        "tags": list(tags),
        "note": note,
        "email": email or (customer or {}).get("email"),
        "phone": (customer or {}).get("phone"),
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "taxesIncluded": included,
        "taxExempt": False,
        "dutiesIncluded": False,
        "estimatedTaxes": False,
        "edited": False,
        "sourceName": source_name,
        "retailLocation": retail_location,
        "customer": customer["id"] if customer else None,
        "billingAddress": dict(address) if address else None,
        "shippingAddress": dict(address) if address else None,
        "displayAddress": dict(address) if address else None,
        "billingAddressMatchesShippingAddress": True,
        "customerAcceptsMarketing": False,
        "customerLocale": "de",
        "displayFinancialStatus": financial_status,
        "lineItems": line_ids,
        "shippingLines": [shipping_line["id"]],
        "shippingLine": shipping_line["id"],
        "discountApplications": applications,
        "discountCodes": [discount["code"]] if discount and discount.get("code") else [],
        "discountCode": discount.get("code") if discount else None,
        "fulfillments": [],
        "refunds": [],
        "fulfillmentOrders": [],
        "paymentGatewayNames": ["shopify_payments"],
        "customAttributes": [],
        "additionalFees": [],
        "alerts": [],
        "disputes": [],
        "transactions": order_transactions.opening(
            store, order_id, financial_status, created_at, test
        ),
        "risks": [],
        "merchantEditableErrors": [],
        "hasTimelineComment": False,
        "merchantEditable": True,
        "productNetwork": False,
        "canNotifyCustomer": True,
        "returnStatus": "NO_RETURN",
        "riskLevel": risk_level,
        "risk": {
            "recommendation": RISK_RECOMMENDATIONS.get(risk_level, "ACCEPT"),
            "assessments": [{"riskLevel": risk_level, "facts": [], "provider": None}],
        },
        "requiresShipping": any(s.get("requires_shipping", True) for s in lines),
        "statusPageUrl": f"https://{shop['myshopifyDomain']}/orders/{order_id[-8:]}",
        "totalWeight": str(weight_total),
        "_ship_tax": str(ship_tax),
        "_ship_price": str(ship_price),
        "_location": location["id"],
    }
    store.add(order)
    _add_fulfillment_order(store, order, location, now, on_hold)
    recompute(store, order)
    return order


def _add_fulfillment_order(store, order, location, now, on_hold):
    fo_id = store.new_id("FulfillmentOrder")
    foli_ids = []
    for line_id in order["lineItems"]:
        line = store.objects[line_id]
        if not line["requiresShipping"]:
            continue
        variant = store.objects.get(line["variant"]) if line["variant"] else None
        foli = store.create(
            "FulfillmentOrderLineItem",
            lineItem=line_id,
            totalQuantity=line["quantity"],
            remainingQuantity=line["quantity"],
            sku=line["sku"],
            inventoryItemId=variant["inventoryItem"] if variant else None,
            variant=line["variant"],
            productTitle=line["title"],
            variantTitle=line["variantTitle"],
            vendor=line["vendor"],
            requiresShipping=True,
            originalUnitPriceSet=line["originalUnitPriceSet"],
            weight=line["weight"],
            warnings=[],
            financialSummaries=[],
            _fo=fo_id,
        )
        foli_ids.append(foli["id"])
        line["_foli"] = foli["id"]
    if not foli_ids:
        return None
    address = location.get("address", {})
    fo = {
        "__typename": "FulfillmentOrder",
        "id": fo_id,
        "order": order["id"],
        "orderId": order["id"],
        "orderName": order["name"],
        "orderProcessedAt": order["processedAt"],
        "createdAt": order["createdAt"],
        "updatedAt": now,
        "status": "ON_HOLD" if on_hold else "OPEN",
        "requestStatus": "UNSUBMITTED",
        "lineItems": foli_ids,
        "fulfillments": [],
        "fulfillmentHolds": [{"reason": "OTHER", "reasonNotes": "Auf Zahlung warten"}]
        if on_hold
        else [],
        "supportedActions": [],
        "fulfillAt": order["createdAt"],
        "fulfillBy": None,
        "deliveryMethod": {"methodType": "SHIPPING"},
        "channelId": None,
        "assignedLocation": {
            "location": location["id"],
            "name": location["name"],
            "address1": address.get("address1"),
            "address2": None,
            "city": address.get("city"),
            "zip": address.get("zip"),
            "countryCode": address.get("countryCode", "DE"),
            "province": None,
            "phone": None,
        },
        "destination": None,
    }
    store.add(fo)
    order["fulfillmentOrders"].append(fo_id)
    return fo


def _level_for(store, order, foli):
    item = foli.get("inventoryItemId")
    if not item:
        return None
    inventory_item = store.objects.get(item)
    if not inventory_item or not inventory_item.get("tracked"):
        return None
    fo = store.objects[foli["_fo"]]
    return store.level(item, fo["assignedLocation"]["location"])


def commit_stock(store, order):
    """New order: move the ordered units from available to committed."""
    for fo_id in order["fulfillmentOrders"]:
        for foli_id in store.objects[fo_id]["lineItems"]:
            foli = store.objects[foli_id]
            level = _level_for(store, order, foli)
            if level is not None:
                level["_q"]["available"] -= foli["remainingQuantity"]
                level["_q"]["committed"] += foli["remainingQuantity"]


def _release(level, qty, restock):
    if level is None or qty <= 0:
        return
    q = level["_q"]
    q["committed"] = max(0, q["committed"] - qty)
    if restock:
        q["available"] += qty


def fulfill(store, order, fo, items, now, tracking=None, notify=False):
    """Fulfil ``items`` [(foli, qty)] of fulfillment order ``fo``; returns the Fulfillment."""
    currency = order["currencyCode"]
    number = len(order["fulfillments"]) + 1
    flis, total = [], 0
    for foli, qty in items:
        if qty <= 0:
            continue
        foli["remainingQuantity"] -= qty
        line = store.objects[foli["lineItem"]]
        line["_fulfilled"] += qty
        _release(_level_for(store, order, foli), qty, restock=False)
        unit = bag_amount(line["originalUnitPriceSet"])
        disc_unit = bag_amount(line["discountedTotalSet"]) / line["quantity"]
        flis.append(
            {
                "id": store.new_id("FulfillmentLineItem"),
                "lineItem": line["id"],
                "quantity": qty,
                "originalTotalSet": bag(unit * qty, currency),
                "discountedTotalSet": bag(round_cents(disc_unit * qty), currency),
            }
        )
        total += qty
    tracking = tracking or {}
    info = []
    if tracking.get("number") or tracking.get("numbers"):
        numbers = tracking.get("numbers") or [tracking["number"]]
        for idx, num in enumerate(numbers):
            urls = tracking.get("urls") or [tracking.get("url")]
            info.append(
                {
                    "company": tracking.get("company"),
                    "number": num,
                    "url": urls[idx] if idx < len(urls) else None,
                }
            )
    fulfillment = store.create(
        "Fulfillment",
        name=f"{order['name']}.{number}",
        status="SUCCESS",
        displayStatus="FULFILLED",
        createdAt=now,
        updatedAt=now,
        order=order["id"],
        location=fo["assignedLocation"]["location"],
        trackingInfo=info,
        fulfillmentLineItems=flis,
        fulfillmentOrders=[fo["id"]],
        totalQuantity=total,
        requiresShipping=True,
        events=[],
        deliveredAt=None,
        inTransitAt=None,
        estimatedDeliveryAt=None,
        service=None,
        _notify=bool(notify),
    )
    fo["fulfillments"].append(fulfillment["id"])
    order["fulfillments"].append(fulfillment["id"])
    fo["updatedAt"] = now
    recompute(store, order)
    order["updatedAt"] = now
    return fulfillment


def cancel(store, order, now, restock=True, reason="CUSTOMER"):
    for fo_id in order["fulfillmentOrders"]:
        fo = store.objects[fo_id]
        for foli_id in fo["lineItems"]:
            foli = store.objects[foli_id]
            remaining = foli["remainingQuantity"]
            _release(_level_for(store, order, foli), remaining, restock)
            foli["remainingQuantity"] = 0
            line = store.objects[foli["lineItem"]]
            line["currentQuantity"] = max(0, line["currentQuantity"] - remaining)
        fo["status"] = "CLOSED"
        fo["updatedAt"] = now
    for line_id in order["lineItems"]:
        line = store.objects[line_id]
        if not line["requiresShipping"]:
            line["currentQuantity"] = 0
    order["cancelledAt"] = now
    order["cancelReason"] = reason
    order["closed"] = True
    order["closedAt"] = now
    status = order["displayFinancialStatus"]
    order["displayFinancialStatus"] = (
        "REFUNDED" if status in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED") else "VOIDED"
    )
    recompute(store, order)
    order["updatedAt"] = now


def refund(store, order, items, now, note=None):
    """Refund ``items`` [(line, qty, restock_type, location_gid)]; returns the Refund."""
    currency = order["currencyCode"]
    before = {line["id"]: _current_amounts(line) for line, *_ in items}
    rlis = []
    for line, qty, restock_type, location in items:
        qty = min(qty, line["currentQuantity"])
        if qty <= 0:
            continue
        foli = store.objects.get(line.get("_foli")) if line.get("_foli") else None
        unfulfilled = foli["remainingQuantity"] if foli else 0
        restocked = False
        if restock_type in ("CANCEL", "NO_RESTOCK", "LEGACY_RESTOCK") and unfulfilled:
            take = min(qty, unfulfilled)
            foli["remainingQuantity"] -= take
            restock = restock_type != "NO_RESTOCK"
            _release(_level_for(store, order, foli), take, restock)
            restocked = restock
        elif restock_type in ("RETURN", "LEGACY_RESTOCK") and foli:
            level = _level_for(store, order, foli)
            if location and foli.get("inventoryItemId"):
                level = store.level(foli["inventoryItemId"], location) or level
            if level is not None:
                level["_q"]["available"] += qty
                restocked = True
        line["currentQuantity"] -= qty
        rlis.append(
            {
                "line": line,
                "qty": qty,
                "restockType": restock_type,
                "restocked": restocked,
                "location": location,
            }
        )
    recompute(store, order)
    refund_items, total = [], Decimal(0)
    for entry in rlis:
        line = entry["line"]
        old_total, old_tax = before[line["id"]]
        new_total, new_tax = _current_amounts(line)
        subtotal, tax = old_total - new_total, old_tax - new_tax
        before[line["id"]] = (new_total, new_tax)
        line_total = subtotal if order["taxesIncluded"] else subtotal + tax
        total += line_total
        refund_items.append(
            {
                "id": store.new_id("RefundLineItem"),
                "lineItem": line["id"],
                "quantity": entry["qty"],
                "restockType": entry["restockType"],
                "restocked": entry["restocked"],
                "location": entry["location"],
                "priceSet": line["discountedUnitPriceSet"],
                "subtotalSet": bag(subtotal, currency),
                "totalTaxSet": bag(tax, currency),
            }
        )
    refund_obj = store.create(
        "Refund",
        createdAt=now,
        processedAt=now,
        updatedAt=now,
        note=note,
        order=order["id"],
        refundLineItems=refund_items,
        refundShippingLines=[],
        orderAdjustments=[],
        transactions=order_transactions.refunded(store, order, total, now),
        duties=[],
        totalRefundedSet=bag(total, currency),
    )
    order["refunds"].append(refund_obj["id"])
    lines = [store.objects[g] for g in order["lineItems"]]
    order["displayFinancialStatus"] = (
        "REFUNDED" if all(li["currentQuantity"] == 0 for li in lines) else "PARTIALLY_REFUNDED"
    )
    recompute(store, order)
    order["updatedAt"] = now
    return refund_obj
