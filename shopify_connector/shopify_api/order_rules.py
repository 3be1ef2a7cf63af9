"""Shopify orders: where an order was sold and whether a person must review it.

Plain data in, plain data out.  :func:`read_channel` reads the order node's
sales channel and risk (``ORDERS_PAGE`` asks ``sourceName``,
``retailLocation { id }`` and ``risk { recommendation assessments { riskLevel } }``);
the normaliser (``orders.normalize_order``) stores the result in the order.

- A POS order (``sourceName == "pos"``, or an order with a retail location)
  was sold and handed over in a shop: nothing is left to ship.
- An order that Shopify rates HIGH risk (an assessment's ``riskLevel``, or
  the summary's recommendation to cancel it), or whose fulfilment is
  ON_HOLD, waits for a person (a shop setting, on by default).
"""

# Shopify's ``Order.sourceName`` of an order made at a Shopify POS.
POS_SOURCE = "pos"
HIGH_RISK_LEVELS = frozenset({"HIGH"})
HIGH_RISK_RECOMMENDATIONS = frozenset({"CANCEL"})
HOLD_FULFILLMENT_STATUSES = frozenset({"ON_HOLD"})

# Review reasons, in the order they are told.
REVIEW_HIGH_RISK = "high_risk"
REVIEW_ON_HOLD = "on_hold"


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_channel(node):
    """``{"source_name", "retail_location_gid", "risk_level", "risk_recommendation"}``.

    Values Shopify leaves out (an older document, a missing field) are None;
    the highest risk level of the assessments is kept (HIGH > MEDIUM > LOW).
    """
    location = node.get("retailLocation")
    risk = node.get("risk") if isinstance(node.get("risk"), dict) else {}
    assessments = risk.get("assessments")
    levels = [
        _text(item.get("riskLevel"))
        for item in (assessments if isinstance(assessments, list) else ())
        if isinstance(item, dict)
    ]
    order = ("NONE", "PENDING", "LOW", "MEDIUM", "HIGH")
    known = [level.upper() for level in levels if level and level.upper() in order]
    return {
        "source_name": (_text(node.get("sourceName")) or "").lower() or None,
        "retail_location_gid": _text(location.get("id")) if isinstance(location, dict) else None,
        "risk_level": max(known, key=order.index) if known else None,
        "risk_recommendation": (_text(risk.get("recommendation")) or "").upper() or None,
    }


def is_pos(normalized):
    """Whether the order was sold (and handed over) at a Shopify POS location."""
    return (normalized.get("source_name") or "") == POS_SOURCE or bool(
        normalized.get("retail_location_gid")
    )


def review_reasons(normalized):
    """Why a person must look at the order before it is confirmed (codes, may be empty).

    Not for a cancelled order (nothing is confirmed) nor a POS order (the
    customer took the goods already).
    """
    if normalized.get("cancelled") or is_pos(normalized):
        return []
    reasons = []
    if (normalized.get("risk_level") or "") in HIGH_RISK_LEVELS or (
        normalized.get("risk_recommendation") or ""
    ) in HIGH_RISK_RECOMMENDATIONS:
        reasons.append(REVIEW_HIGH_RISK)
    if (normalized.get("fulfillment_status") or "").upper() in HOLD_FULFILLMENT_STATUSES:
        reasons.append(REVIEW_ON_HOLD)
    return reasons


def handed_over(line):
    """Units of a POS order ``line`` the customer took: the sold quantity less
    what Shopify still has to fulfil (items to ship later)."""
    unfulfilled = line.get("unfulfilled_quantity")
    if unfulfilled is None:
        return line["quantity"]
    return max(0, line["quantity"] - unfulfilled)
