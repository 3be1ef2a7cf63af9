"""Price push planning: which variant prices go to Shopify, and in which calls.

Plain data in, plain data out.  The Odoo layer computes the prices with the
shop's pricelists and passes one :class:`PriceItem` per mapped variant; this
module decides what is pushed, unchanged or skipped, and packs the updates
into as few requests as Shopify allows.

Rules:
- Only ``{id, price}`` is sent, plus ``compareAtPrice`` when the shop has a
  compare-at pricelist (``manage_compare_at``).  A field left out is kept by
  Shopify, so without a compare-at pricelist the merchant's compare-at prices
  stay as they are.
- A compare-at price equal to or below the price is cleared (``null``), never
  sent as 0.
- "Changed only" sends a variant when its price (or managed compare-at price)
  differs from what Shopify was last told; "all" sends every priced variant.
- ``productVariantsBulkUpdate`` takes one product and at most 250 variants.
  Several products go in ONE request as aliased mutation fields
  (``p0: productVariantsBulkUpdate(...) p1: ...``).  Each mutation field
  costs 10 points; a request may cost at most 1000, so the documents are
  declared for fixed batch sizes (:data:`BATCH_SIZES`) and the registry's cost
  check covers each of them.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .documents import document

MAX_VARIANTS_PER_CALL = 250  # input arrays hold at most 250 items
MAX_VARIANTS_PER_REQUEST = 2500  # keeps one request's body and runtime moderate
BATCH_SIZES = (90, 50, 20, 10, 5, 2, 1)  # products (mutation fields) per request: 10 points each

PUSHED = "pushed"
UNCHANGED = "unchanged"
SKIP_NO_PRICE = "no_price"
SKIP_CURRENCY = "currency"
SKIP_NO_PRODUCT = "no_product"

_VARIANT_SELECTION = (
    "userErrors { field message code } productVariants { id price compareAtPrice }"
)


def _batch_document(size):
    args = ", ".join(f"$p{i}: ID!, $v{i}: [ProductVariantsBulkInput!]!" for i in range(size))
    fields = "\n".join(
        f"  u{i}: productVariantsBulkUpdate(productId: $p{i}, variants: $v{i}, "
        f"allowPartialUpdates: true) {{ {_VARIANT_SELECTION} }}"
        for i in range(size)
    )
    return document(
        f"PriceUpdateBatch{size}",
        f"mutation PriceUpdateBatch{size}({args}) {{\n{fields}\n}}",
    )


PRICE_UPDATE_DOCUMENTS = {size: _batch_document(size) for size in BATCH_SIZES}


# -- money ---------------------------------------------------------------------


def to_decimal(value, digits=2):
    """``value`` (float, str, Decimal or None) rounded half-up to ``digits`` places."""
    if value is None or value is False:
        return None
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def money_text(value):
    """Shopify's ``Money`` input: a decimal string such as ``"12.50"``."""
    return None if value is None else format(value, "f")


def effective_compare_at(price, compare_at):
    """The compare-at price to publish: None (clear) when absent or not above the price."""
    if compare_at is None or price is None or compare_at <= price:
        return None
    return compare_at


# -- planning ------------------------------------------------------------------


@dataclass
class PriceItem:
    """One mapped variant with its wanted and last-told prices (Decimals).

    ``price`` None means the pricelist gives no price for it (skipped);
    ``skip_reason`` forces a skip (e.g. currency mismatch).  ``compare_at``
    is the compare-at pricelist's price (None: none); ``last_compare_at_told``
    says whether ``last_compare_at`` (None = cleared) was ever sent.
    """

    variant_gid: str
    product_gid: str
    price: Decimal = None
    compare_at: Decimal = None
    last_price: Decimal = None
    last_compare_at: Decimal = None
    last_compare_at_told: bool = False
    reference: str = ""
    skip_reason: str = None
    key: object = None  # the caller's handle (e.g. the mapping record id)


@dataclass
class PricePlan:
    """What to send, per product, and what was left out and why."""

    updates: dict = field(default_factory=dict)  # product gid -> [variant input dicts]
    items: dict = field(default_factory=dict)  # variant gid -> PriceItem sent
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (PriceItem, reason)

    @property
    def variant_count(self):
        return sum(len(v) for v in self.updates.values())


def plan_prices(items, *, manage_compare_at=False, changed_only=True):
    """Decide, for each :class:`PriceItem`, whether it is sent, unchanged or skipped."""
    plan = PricePlan()
    for item in items:
        if item.skip_reason:
            plan.skipped.append((item, item.skip_reason))
            continue
        if not item.product_gid:
            plan.skipped.append((item, SKIP_NO_PRODUCT))
            continue
        if item.price is None:
            plan.skipped.append((item, SKIP_NO_PRICE))
            continue
        entry = {"id": item.variant_gid, "price": money_text(item.price)}
        changed = item.last_price is None or item.last_price != item.price
        if manage_compare_at:
            compare_at = effective_compare_at(item.price, item.compare_at)
            entry["compareAtPrice"] = money_text(compare_at)
            if not item.last_compare_at_told or item.last_compare_at != compare_at:
                changed = True
        if changed_only and not changed:
            plan.unchanged.append(item)
            continue
        plan.updates.setdefault(item.product_gid, []).append(entry)
        plan.items[item.variant_gid] = item
    return plan


def product_calls(updates):
    """``[(product_gid, [variant inputs])]``: one entry per mutation field, each
    with at most :data:`MAX_VARIANTS_PER_CALL` variants of one product."""
    calls = []
    for product_gid, variants in updates.items():
        for start in range(0, len(variants), MAX_VARIANTS_PER_CALL):
            calls.append((product_gid, variants[start : start + MAX_VARIANTS_PER_CALL]))
    return calls


def batch_requests(calls, sizes=BATCH_SIZES, max_variants=MAX_VARIANTS_PER_REQUEST):
    """Pack product calls into requests: ``[(document, variables, calls)]``.

    Each request uses the largest declared batch size that the remaining calls
    fill completely (documents have required variables, so a batch is never
    padded) and holds at most ``max_variants`` variants.
    """
    sizes = sorted(sizes, reverse=True)
    requests = []
    index = 0
    while index < len(calls):
        remaining = len(calls) - index
        count = 0
        variants = 0
        while count < min(remaining, sizes[0]):
            size = len(calls[index + count][1])
            if count and variants + size > max_variants:
                break
            variants += size
            count += 1
        size = next(s for s in sizes if s <= count)
        chunk = calls[index : index + size]
        variables = {}
        for position, (product_gid, variant_inputs) in enumerate(chunk):
            variables[f"p{position}"] = product_gid
            variables[f"v{position}"] = variant_inputs
        requests.append((PRICE_UPDATE_DOCUMENTS[size], variables, chunk))
        index += size
    return requests


def _variant_index(error_field):
    """The variant position a userError's ``field`` path names, or None."""
    path = list(error_field or ())
    if len(path) >= 2 and path[0] == "variants":
        try:
            return int(path[1])
        except (TypeError, ValueError):
            return None
    return None


def read_results(data, chunk):
    """Outcome of one batch answer: ``(pushed_gids, failed)``.

    ``failed`` is ``[(variant_gid, product_gid, message)]``: a userError that
    names a variant position fails that variant; one that does not (e.g. an
    unknown product) fails every variant of the call.
    """
    pushed, failed = [], []
    for position, (product_gid, variant_inputs) in enumerate(chunk):
        payload = (data or {}).get(f"u{position}")
        gids = [v["id"] for v in variant_inputs]
        if payload is None:
            failed.extend((gid, product_gid, "Shopify returned no result") for gid in gids)
            continue
        bad = {}
        general = []
        for error in payload.get("userErrors") or ():
            index = _variant_index(error.get("field"))
            message = str(error.get("message") or error.get("code") or "refused")
            if index is not None and 0 <= index < len(gids):
                bad.setdefault(gids[index], []).append(message)
            else:
                general.append(message)
        for gid in gids:
            if general:
                failed.append((gid, product_gid, "; ".join(general)))
            elif gid in bad:
                failed.append((gid, product_gid, "; ".join(bad[gid])))
            else:
                pushed.append(gid)
    return pushed, failed
