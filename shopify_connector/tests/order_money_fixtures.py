"""Orders in Shopify's shape with amounts computed as Shopify computes them.

Shopify rounds half up per line: a line's original total (unit price x
quantity, or the converted amount in a foreign presentment currency), each
discount allocated to it, and its tax (the included share ``net x r / (1 + r)``
when prices include tax, else ``net x r``); fewer current units than ordered
get the pro rata share of each. The order's totals are the sums.
"""

from decimal import ROUND_HALF_UP, Decimal

from .order_fixtures import order_node

CENT = Decimal("0.01")


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount, currency):
    return {"shopMoney": {"amount": str(cents(amount)), "currencyCode": currency}}


def _tax(net, rate, included):
    rate = Decimal(str(rate)) / 100
    return cents(net * rate / (1 + rate)) if included else cents(net * rate)


def line_spec(sku, unit, quantity, rates=(19,), discounts=(), current=None, total=None):
    """One line: ``rates`` in percent, ``discounts`` the allocated amounts
    (stacked), ``current`` the units left after an edit, ``total`` Shopify's
    original total when it is not unit x quantity (presentment currency)."""
    return {
        "sku": sku,
        "unit": Decimal(unit),
        "quantity": quantity,
        "rates": rates,
        "discounts": [Decimal(d) for d in discounts],
        "current": quantity if current is None else current,
        "total": Decimal(total) if total is not None else None,
    }


def _share(amount, part, whole):
    return amount if part == whole else cents(amount * part / whole)


def shopify_order(number, lines, shipping="4.90", shipping_discount="0", ship_rates=(19,),
                  included=True, currency="EUR", presentment=None, **changes):  # fmt: skip
    """(order node, Shopify's figures) for ``lines`` (``line_spec`` dicts).

    Figures: ``total``, ``tax``, ``current_total``, ``current_tax`` and per
    line gid ``{"net", "tax"}`` for the current units.
    """
    node = order_node("simple_paid")
    node.update(
        id=f"gid://shopify/Order/{6200000000000 + number}",
        legacyResourceId=str(6200000000000 + number),
        name=f"#{number}",
        currencyCode=currency,
        presentmentCurrencyCode=presentment or currency,
        taxesIncluded=included,
        **changes,
    )
    items, figures = [], {"lines": {}}
    subtotal = tax = current_subtotal = current_tax = discounts = Decimal(0)
    for n, spec in enumerate(lines, start=1):
        gid = f"gid://shopify/LineItem/{number}{n:02d}"
        original = spec["total"] if spec["total"] is not None else spec["unit"] * spec["quantity"]
        net = original - sum(spec["discounts"], Decimal(0))
        taxes = [_tax(net, rate, included) for rate in spec["rates"]]
        qty, current = spec["quantity"], spec["current"]
        current_net = _share(original, current, qty) - sum(
            (_share(d, current, qty) for d in spec["discounts"]), Decimal(0)
        )
        current_taxes = [_share(t, current, qty) for t in taxes]
        subtotal += net
        tax += sum(taxes, Decimal(0))
        current_subtotal += current_net
        current_tax += sum(current_taxes, Decimal(0))
        discounts += sum(spec["discounts"], Decimal(0))
        figures["lines"][gid] = {"net": current_net, "tax": sum(current_taxes, Decimal(0))}
        items.append(
            {
                "id": gid,
                "name": spec["sku"],
                "title": spec["sku"],
                "sku": spec["sku"],
                "quantity": qty,
                "currentQuantity": current,
                "unfulfilledQuantity": current,
                "requiresShipping": True,
                "isGiftCard": False,
                "variant": None,
                "product": None,
                "originalUnitPriceSet": _money(spec["unit"], currency),
                "originalTotalSet": _money(original, currency),
                "discountAllocations": [
                    {"allocatedAmountSet": _money(d, currency)} for d in spec["discounts"]
                ],
                "taxLines": [
                    {
                        "rate": float(Decimal(str(rate)) / 100),
                        "ratePercentage": float(rate),
                        "title": f"MwSt {rate} %",
                        "priceSet": _money(amount, currency),
                    }
                    for rate, amount in zip(spec["rates"], taxes, strict=True)
                ],
            }
        )
    ship_price, ship_discount = Decimal(shipping), Decimal(shipping_discount)
    ship_net = ship_price - ship_discount
    ship_taxes = [_tax(ship_net, rate, included) for rate in ship_rates]
    ship = {
        "id": f"gid://shopify/ShippingLine/{number}",
        "title": "DHL Paket",
        "code": "DHL",
        "originalPriceSet": _money(ship_price, currency),
        "discountedPriceSet": _money(ship_net, currency),
        "taxLines": [
            {
                "rate": float(Decimal(str(rate)) / 100),
                "ratePercentage": float(rate),
                "title": f"MwSt {rate} %",
                "priceSet": _money(amount, currency),
            }
            for rate, amount in zip(ship_rates, ship_taxes, strict=True)
        ],
        "discountAllocations": [{"allocatedAmountSet": _money(ship_discount, currency)}]
        if ship_discount
        else [],
    }
    ship_tax = sum(ship_taxes, Decimal(0))
    total = subtotal + ship_net + (0 if included else tax + ship_tax)
    current_total = current_subtotal + ship_net + (0 if included else current_tax + ship_tax)
    node["lineItems"] = {"nodes": items, "pageInfo": {"hasNextPage": False, "endCursor": None}}
    node["shippingLines"] = {
        "nodes": [ship],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
    node["totalPriceSet"] = _money(total, currency)
    if presentment:
        node["totalPriceSet"]["presentmentMoney"] = {
            "amount": str(cents(total * Decimal("0.94"))),
            "currencyCode": presentment,
        }
    node["subtotalPriceSet"] = _money(subtotal, currency)
    node["totalTaxSet"] = _money(tax + ship_tax, currency)
    node["totalDiscountsSet"] = _money(discounts + ship_discount, currency)
    node["totalShippingPriceSet"] = _money(ship_price, currency)
    node["totalTipReceivedSet"] = _money(0, currency)
    node["currentTotalPriceSet"] = _money(current_total, currency)
    figures.update(
        included=included,
        total=total,
        tax=tax + ship_tax,
        current_total=current_total,
        current_tax=current_tax + ship_tax,
    )
    return node, figures
