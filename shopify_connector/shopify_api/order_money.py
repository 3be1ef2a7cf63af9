"""An order line's money as Shopify computed it, for any sold quantity.

Plain data in, plain data out.  Shopify rounds every amount per line: the
line's original total (unit price x quantity, in the shop's currency even
when the customer paid in another one), the discounts allocated to it
(line discounts and its share of order discounts, stacked) and each tax of
the line.  The sale order takes these amounts as they are, never unit price x
quantity recomputed by Odoo, so that its tax, untaxed amount and total are
Shopify's to the cent.

For fewer units than ordered (removed by an edit, refunded before shipping)
every amount is Shopify's pro rata share, rounded half up per line, as
Shopify computes what it refunds or removes.
"""

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def share(amount, part, whole):
    """``amount`` x ``part`` / ``whole`` rounded half up to the cent (exact for all units)."""
    if part == whole:
        return amount
    if not whole:
        return Decimal(0)
    return (amount * part / whole).quantize(_CENT, rounding=ROUND_HALF_UP)


def line_amounts(line, quantity, taxes_included):
    """Shopify's amounts for ``quantity`` units of a normalised order line.

    Returns ``{"gross", "discount", "net", "taxes", "untaxed"}``: the
    original total, the discounts, what the customer pays for the units
    (taxes included when the shop's prices include them), one amount per tax
    line of the line, and the amount without tax.
    """
    ordered = line["ordered_quantity"]
    gross = share(line["original_total"], quantity, ordered)
    discount = share(line["discount"], quantity, ordered)
    taxes = [share(tax["amount"], quantity, ordered) for tax in line["taxes"]]
    return _amounts(gross, discount, taxes, taxes_included)


def shipping_amounts(ship, taxes_included):
    """Shopify's amounts of a normalised shipping line (see ``line_amounts``)."""
    taxes = [tax["amount"] for tax in ship["taxes"]]
    return _amounts(ship["price"], ship["discount"], taxes, taxes_included)


def _amounts(gross, discount, taxes, taxes_included):
    net = gross - discount
    untaxed = net - sum(taxes, Decimal(0)) if taxes_included else net
    return {"gross": gross, "discount": discount, "net": net, "taxes": taxes, "untaxed": untaxed}


def discount_percent(discount, gross):
    """The discount as Odoo's line discount (percent of the original total)."""
    if not gross or not discount:
        return 0.0
    return float(discount * 100 / gross)
