"""What Odoo publishes for one variant at a Shopify location, and how messages
about many variants are grouped. Plain numbers in, plain numbers out.

Committed units, order by order
-------------------------------
Shopify reports one committed figure per item.  Odoo knows, for each of the
shop's imported orders, the units Shopify still counts as committed (not
fulfilled in Shopify, not removed) and the units Odoo has reserved for it.
Only the units covered by both, order by order, are already out of Odoo's
free quantity; every other committed unit (orders not imported, filtered
out, unconfirmed, or not reserved by Odoo) is subtracted in full.  Odoo's
reservations for an order Shopify has shipped cover nothing
(:func:`unimported_committed`).
"""

import math

# Shopify's fulfilment statuses of an order (displayFulfillmentStatus) under
# which none of its units are committed any more, or an unknown part of them.
NOTHING_COMMITTED = frozenset({"FULFILLED", "RESTOCKED"})
PART_COMMITTED = frozenset({"PARTIALLY_FULFILLED"})


def order_committed(ordered, shipped=0, status=None, cancelled=False, unfulfilled=None):
    """Units Shopify still counts as committed for one imported order's lines
    of a product, as far as Odoo knows (a lower bound: when in doubt, fewer).

    ``ordered``: the units sold (ordered minus removed, as imported);
    ``shipped``: units Odoo knows to be fulfilled in Shopify (deliveries pushed
    to or shipped in Shopify); ``status``: the order's fulfilment status in
    Shopify at its last import; ``unfulfilled``: Shopify's own unfulfilled
    units of the lines, when the import stored them.
    """
    if cancelled:
        return 0.0
    left = max(0.0, float(ordered or 0) - float(shipped or 0))
    if unfulfilled is not None:
        return min(left, max(0.0, float(unfulfilled)))
    if (status or "").upper() in NOTHING_COMMITTED | PART_COMMITTED:
        return 0.0
    return left


def unimported_committed(committed, orders=()):
    """Units Shopify committed that Odoo has not reserved for the same order
    (never below 0).

    ``orders``: ``(shopify_committed, odoo_reserved)`` per imported order of
    the product.  An order covers at most the smaller of the two: Odoo's
    reservation for an order Shopify no longer counts (shipped there) covers
    nothing, and units of orders Odoo has not imported are never covered.
    """
    covered = sum(
        min(max(0.0, float(mine or 0)), max(0.0, float(reserved or 0)))
        for mine, reserved in orders
    )
    return max(0.0, float(committed or 0) - covered)


def target_quantity(free, committed=0, orders=(), buffer_units=0.0, buffer_percent=0.0):
    """The quantity to publish: what Odoo can really deliver, never below 0.

    ``free``: on hand minus reserved over the source warehouses (may be
    negative); ``committed``: Shopify's committed units at the location;
    ``orders``: as in :func:`unimported_committed`.  A percentage buffer is
    taken from the free quantity; every fraction is rounded down (when in
    doubt, publish less).
    """
    free = float(free or 0)
    if buffer_percent and free > 0:
        free -= free * float(buffer_percent) / 100.0
    free -= float(buffer_units or 0)
    free -= unimported_committed(committed, orders)
    # 1e-9: 2.9999999 computed from float quantities is still 3.
    return max(0, math.floor(free + 1e-9))


def group_messages(items, examples=3):
    """Group ``(message, reference)`` pairs by message, in first-seen order.

    Returns ``[(message, count, [first references])]``: a push that fails the
    same way for 1,000 variants says so once, with a count and examples.
    """
    groups = {}
    for message, reference in items:
        group = groups.setdefault(message, [0, []])
        group[0] += 1
        if reference and len(group[1]) < examples:
            group[1].append(reference)
    return [(message, count, refs) for message, (count, refs) in groups.items()]
