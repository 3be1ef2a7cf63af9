"""Shopify orders: what an order node means (normalisation, totals, lines).

The documents that read orders and the search query are in ``order_queries.py``.

Everything here is plain data in, plain data out.  Money is read in the shop's
currency (``shopMoney``) as :class:`~decimal.Decimal`, never in the currency the
customer saw (presentment), which is kept for information only.
"""

import re
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .customers import normalize_address, normalize_customer, normalize_email, normalize_phone
from .errors import ShopifyError
from .order_money import line_amounts, shipping_amounts
from .order_rules import read_channel
from .text import shorten, storable


class OrderPayloadError(ShopifyError, ValueError):
    """An order from Shopify cannot be read; ``code`` says which kind of problem.

    Codes: missing_field, bad_amount, bad_quantity, negative_quantity,
    unknown_currency, currency_mismatch, bad_line, duplicate_line, bad_date.
    """

    code = "bad_payload"

    def __init__(self, order, message, code=None):
        self.order = order
        if code:
            self.code = code
        super().__init__(f"Order {order}: {message}", order=order)


_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_MAX_QUANTITY = 2**31 - 1
_MAX_AMOUNT = Decimal(10) ** 12
_CENT = Decimal("0.01")
_RATE = Decimal("0.0001")
RESTOCK_TYPES_NOT_SOLD = frozenset({"CANCEL"})
# Longest texts kept from an order (characters); longer ones are shortened,
# end with text.TRUNCATED and are listed in the order's ``truncated``.
# Shopify itself allows 5,000 characters of note and 250 tags of 40.
NOTE_MAX = 64 * 1024
TEXT_MAX = 1000
TAG_MAX = 255
TAGS_MAX = 250
# Identifiers are compared, never shortened.
_IDENTIFIERS = frozenset({"gid", "legacy_id", "variant_gid", "product_gid", "line_gid"})


class _Reader:
    """Reads one order node and raises OrderPayloadError naming the order."""

    def __init__(self, node):
        self.label = "(without name or ID)"
        for key in ("name", "id", "legacyResourceId"):
            value = node.get(key) if isinstance(node, dict) else None
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
                self.label = str(value)
                break
        self.currency = None

    def fail(self, code, message):
        raise OrderPayloadError(self.label, message, code)

    def obj(self, parent, key, what, required=True):
        value = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(value, dict):
            return value
        if value is None and not required:
            return None
        self.fail("missing_field", f"{what} is missing in the data Shopify sent.")

    def items(self, parent, key, what):
        """Nodes of a connection or the items of a list (required)."""
        value = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(value, dict):
            value = value.get("nodes")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail("missing_field", f"{what} are missing in the data Shopify sent.")
        return value

    def text(self, parent, key, what, required=False):
        value = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is not None and not isinstance(value, str):
            self.fail("missing_field", f"{what} has an unexpected value.")
        if required:
            self.fail("missing_field", f"{what} is missing.")
        return None

    def flag(self, parent, key, default=False):
        value = parent.get(key) if isinstance(parent, dict) else None
        return value if isinstance(value, bool) else default

    def when(self, parent, key, what, required=False):
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None and not required:
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except (AttributeError, TypeError, ValueError):
            self.fail("bad_date", f"{what} is not a valid date ({value!r}).")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        try:
            return moment.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            self.fail("bad_date", f"{what} is not a valid date ({value!r}).")

    def currency_code(self, value, what):
        if not isinstance(value, str) or not _CURRENCY_RE.match(value):
            self.fail("unknown_currency", f"{what} {value!r} is not a known currency code.")
        return value

    def money(self, bag, what, required=True):
        """Shop-currency amount of a MoneyBag as Decimal (None -> 0 if optional)."""
        if bag is None and not required:
            return Decimal(0)
        if not isinstance(bag, dict):
            self.fail("missing_field", f"{what} is missing in the data Shopify sent.")
        money = self.obj(bag, "shopMoney", what)
        currency = money.get("currencyCode")
        if currency is not None:
            self.currency_code(currency, f"The currency of {what}")
            if self.currency and currency != self.currency:
                self.fail(
                    "currency_mismatch",
                    f"{what} is in {currency}, the order in {self.currency}.",
                )
        return self.amount(money.get("amount"), what)

    def amount(self, value, what):
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite() and abs(number) < _MAX_AMOUNT:
                return number
        self.fail("bad_amount", f"{what} is not a valid amount ({value!r}).")

    def quantity(self, parent, key, what):
        value = parent.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value > _MAX_QUANTITY:
            self.fail("bad_quantity", f"{what} is not a valid quantity ({value!r}).")
        if value < 0:
            self.fail("negative_quantity", f"{what} is negative ({value}).")
        return value

    def rate(self, tax):
        for key, factor in (("ratePercentage", 1), ("rate", 100)):
            value = tax.get(key)
            if value is not None:
                return (self.amount(value, "A tax rate") * factor).quantize(_RATE)
        return None

    def taxes(self, parent, what):
        taxes = []
        for tax in self.items(parent, "taxLines", f"The taxes of {what}"):
            taxes.append(
                {
                    "rate": self.rate(tax),
                    "title": self.text(tax, "title", "A tax title") or "",
                    "amount": self.money(tax.get("priceSet"), f"A tax of {what}"),
                }
            )
        return taxes

    def discount(self, parent, what):
        total = Decimal(0)
        for allocation in self.items(parent, "discountAllocations", f"The discounts of {what}"):
            total += self.money(allocation.get("allocatedAmountSet"), f"A discount of {what}")
        return total


def _storable(value):
    """``value`` with every string storable: NUL characters (valid in JSON,
    refused by PostgreSQL, never meaningful in an order) removed, lone
    surrogates (a JSON escape such as ``\\udc80``, not encodable in UTF-8) and
    other control characters replaced by U+FFFD."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _bound_texts(result):
    """Shorten the over-long texts of a normalised order in place; return what
    was shortened: ``{"kind": "note" | "tags" | "tag" | "text", "path", "length",
    "limit"}`` (``tags``: the number of tags)."""
    truncated = []

    def cut(text, path, kind, limit):
        if len(text) <= limit:
            return text
        truncated.append({"kind": kind, "path": path, "length": len(text), "limit": limit})
        return shorten(text, limit)

    if result["note"]:
        result["note"] = cut(result["note"], "note", "note", NOTE_MAX)
    tags = result["tags"]
    if len(tags) > TAGS_MAX:
        truncated.append({"kind": "tags", "path": "tags", "length": len(tags), "limit": TAGS_MAX})
        tags = tags[:TAGS_MAX]
    bounded = (cut(tag, f"tags[{n}]", "tag", TAG_MAX) for n, tag in enumerate(tags))
    result["tags"] = list(dict.fromkeys(bounded))  # shortened tags may coincide

    def walk(value, path, skip=()):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in list(items):
            where = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
            if key in skip:
                continue
            if isinstance(item, str):
                if key not in _IDENTIFIERS:
                    value[key] = cut(item, where.lstrip("."), "text", TEXT_MAX)
            elif isinstance(item, (dict, list)):
                walk(item, where)

    walk(result, "", skip=("note", "tags"))
    return truncated


def normalize_order(node, shop_currency=None) -> dict:
    """Shopify order node (as ORDERS_PAGE returns it, completed) -> plain dict.

    Raises :class:`OrderPayloadError` for data that cannot be imported safely.
    """
    node = _storable(node)
    if not isinstance(node, dict):
        raise OrderPayloadError(
            "(without name or ID)", "Shopify sent no order data.", "missing_field"
        )
    r = _Reader(node)
    gid = r.text(node, "id", "The Shopify ID", required=True)
    name = r.text(node, "name", "The order number", required=True)
    currency = r.currency_code(node.get("currencyCode"), "The currency")
    if shop_currency and currency != shop_currency:
        r.fail(
            "currency_mismatch",
            f"The order is in {currency}, but the shop's currency is {shop_currency}.",
        )
    r.currency = currency
    presentment = node.get("presentmentCurrencyCode")
    presentment = r.currency_code(presentment, "The customer's currency") if presentment else None
    taxes_included = r.flag(node, "taxesIncluded")

    billing_raw = r.obj(node, "billingAddress", "The billing address", required=False)
    shipping_raw = r.obj(node, "shippingAddress", "The shipping address", required=False)
    country = next((a.get("countryCodeV2") for a in (shipping_raw, billing_raw) if a), None)
    country = country if isinstance(country, str) else None
    email = normalize_email(node.get("email"))
    raw_phone = r.text(node, "phone", "The phone number")
    customer = _customer(r, node, country)
    if email is None and customer:
        email = customer["email"]

    lines = [_line(r, line) for line in r.items(node, "lineItems", "The order lines")]
    seen = set()
    for line in lines:
        if line["gid"] in seen:
            r.fail(
                "duplicate_line",
                f"The order line {line['gid']} appears more than once in the order.",
            )
        seen.add(line["gid"])
    refunds = [_refund(r, refund) for refund in r.items(node, "refunds", "The refunds")]
    _apply_sold_quantities(lines, refunds)
    shipping = [_shipping(r, s) for s in r.items(node, "shippingLines", "The shipping lines")]
    total_bag = r.obj(node, "totalPriceSet", "The order total")
    result = {
        "gid": gid,
        "legacy_id": r.text(node, "legacyResourceId", "The legacy ID"),
        "name": name,
        "created_at": r.when(node, "createdAt", "The creation date", required=True),
        "processed_at": r.when(node, "processedAt", "The processing date"),
        "updated_at": r.when(node, "updatedAt", "The update date", required=True),
        "cancelled": node.get("cancelledAt") is not None,
        "cancelled_at": r.when(node, "cancelledAt", "The cancellation date"),
        "cancel_reason": r.text(node, "cancelReason", "The cancellation reason"),
        "closed": r.flag(node, "closed"),
        "test": r.flag(node, "test"),
        "tags": _tags(node.get("tags")),
        "note": node.get("note") if isinstance(node.get("note"), str) else None,
        "email": email,
        "phone": normalize_phone(raw_phone, country) or raw_phone,
        "currency": currency,
        "presentment_currency": presentment,
        "taxes_included": taxes_included,
        "financial_status": r.text(node, "displayFinancialStatus", "The payment status"),
        "fulfillment_status": r.text(node, "displayFulfillmentStatus", "The fulfilment status"),
        "customer": customer,
        "billing_address": normalize_address(billing_raw, email),
        "shipping_address": normalize_address(shipping_raw, email),
        "lines": lines,
        "shipping_lines": shipping,
        "tips": r.money(node.get("totalTipReceivedSet"), "The tips", required=False),
        "totals": {
            key: r.money(node.get(field), label, required=key != "total")
            for key, field, label in _TOTALS
        },
        "refunds": refunds,
        # read by the invoicing (shopify_api/transactions.py), not checked here
        "transactions": node.get("transactions"),
        # sales channel and risk: source_name, retail_location_gid, risk_level, ...
        **read_channel(node),
    }
    presentment_total = total_bag.get("presentmentMoney")
    if isinstance(presentment_total, dict) and presentment_total.get("amount") is not None:
        amount = r.amount(presentment_total["amount"], "The total in the customer's currency")
    else:
        amount = None
    result["totals"]["presentment_total"] = amount
    result["truncated"] = _bound_texts(result)
    return result


_TOTALS = (
    ("total", "totalPriceSet", "The order total"),
    ("subtotal", "subtotalPriceSet", "The subtotal"),
    ("tax", "totalTaxSet", "The tax total"),
    ("shipping", "totalShippingPriceSet", "The shipping total"),
    ("discount", "totalDiscountsSet", "The discount total"),
    ("current_total", "currentTotalPriceSet", "The current total"),
)


def _tags(value):
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [t.strip() for t in value if isinstance(t, str) and t.strip()]


def _customer(r, node, country):
    raw = r.obj(node, "customer", "The customer", required=False)
    customer = normalize_customer(raw, country)
    if customer is not None and not customer["gid"]:
        r.fail("missing_field", "The customer's ID is missing.")
    return customer


def _line(r, line):
    gid = r.text(line, "id", "The ID of an order line", required=True)
    sku = r.text(line, "sku", "The SKU of a line")
    title = r.text(line, "title", "The product title of a line")
    if not sku and not title:
        r.fail("bad_line", f"The line {gid} has neither a product title nor a SKU.")
    what = f"the line {sku or title}"
    ordered = r.quantity(line, "quantity", f"The quantity of {what}")
    current = r.quantity(line, "currentQuantity", f"The current quantity of {what}")
    if current > ordered:
        r.fail("bad_quantity", f"The current quantity of {what} exceeds the ordered quantity.")
    variant = r.obj(line, "variant", "The variant", required=False)
    product = r.obj(line, "product", "The product", required=False)
    unit_price = r.money(line.get("originalUnitPriceSet"), f"The price of {what}")
    # Shopify's own line total: in a foreign presentment currency it is not
    # the rounded unit price x quantity
    original_total = (
        r.money(line["originalTotalSet"], f"The total of {what}")
        if line.get("originalTotalSet") is not None
        else unit_price * ordered
    )
    unfulfilled = (
        r.quantity(line, "unfulfilledQuantity", f"The unfulfilled quantity of {what}")
        if line.get("unfulfilledQuantity") is not None
        else None
    )
    return {
        "gid": gid,
        "sku": sku,
        "name": r.text(line, "name", "The name of a line") or title or sku,
        "title": title,
        "variant_gid": r.text(variant, "id", "The variant ID") if variant else None,
        "product_gid": r.text(product, "id", "The product ID") if product else None,
        "ordered_quantity": ordered,
        "current_quantity": current,
        "quantity": current,
        "unit_price": unit_price,
        "original_total": original_total,
        "discount": r.discount(line, what),
        "taxes": r.taxes(line, what),
        "unfulfilled_quantity": unfulfilled,
        "requires_shipping": r.flag(line, "requiresShipping", default=True),
        "is_gift_card": r.flag(line, "isGiftCard"),
    }


def _refund(r, refund):
    lines = []
    for item in r.items(refund, "refundLineItems", "The lines of a refund"):
        line = r.obj(item, "lineItem", "The order line of a refunded line")
        restock = item.get("restockType")
        if not isinstance(restock, str) or not restock.strip():
            r.fail("missing_field", "The restock type of a refunded line is missing.")
        lines.append(
            {
                "line_gid": r.text(line, "id", "The ID of a refunded line", required=True),
                "quantity": r.quantity(item, "quantity", "A refunded quantity"),
                "restock_type": restock.strip().upper(),
            }
        )
    return {
        "gid": r.text(refund, "id", "The ID of a refund", required=True),
        "created_at": r.when(refund, "createdAt", "The refund date"),
        "lines": lines,
    }


def _apply_sold_quantities(lines, refunds):
    """Set each line's ``quantity`` to the SOLD quantity.

    Rule: sold = currentQuantity + units refunded with a restock type other
    than CANCEL, capped at the ordered quantity.  Shopify's ``currentQuantity``
    excludes every refunded unit and every unit removed by an order edit.
    Units removed by an edit or refunded with CANCEL were taken out before
    fulfilment: Odoo must not deliver them.  Units refunded with RETURN,
    LEGACY_RESTOCK or NO_RESTOCK were shipped (or written off) and stay on
    the sale order; Odoo handles them as a return / credit note, so its
    delivered and invoiced quantities stay true.
    """
    returned = {}
    for refund in refunds:
        for item in refund["lines"]:
            if item["restock_type"] not in RESTOCK_TYPES_NOT_SOLD:
                returned[item["line_gid"]] = returned.get(item["line_gid"], 0) + item["quantity"]
    for line in lines:
        sold = line["current_quantity"] + returned.get(line["gid"], 0)
        line["quantity"] = min(line["ordered_quantity"], sold)


def _shipping(r, line):
    title = r.text(line, "title", "The title of a shipping line") or ""
    what = f"the shipping {title}".strip()
    price = r.money(line.get("originalPriceSet"), f"The price of {what}")
    discount = r.discount(line, what)
    discounted = line.get("discountedPriceSet")
    if discounted is not None:
        # Since 2024-07 the discounted price also carries cart-level discounts.
        discount = max(discount, price - r.money(discounted, f"The price of {what}"))
    return {
        "title": title,
        "code": r.text(line, "code", "The code of a shipping line"),
        "price": price,
        "discount": discount,
        "taxes": r.taxes(line, what),
    }


# -- checks and rules ---------------------------------------------------------


def expected_total(normalized, sold=False) -> Decimal:
    """Order total recomputed from Shopify's line amounts, shipping, tips and taxes.

    With ``sold=False`` it uses the ordered quantities, like Shopify's
    ``totalPriceSet`` (before returns).  With ``sold=True`` it uses the sold
    quantities, discounts and taxes pro rata: what the sale order should total.
    Taxes are added only when prices exclude them.
    """
    included = normalized["taxes_included"]
    total = normalized["tips"]
    parts = [
        line_amounts(line, line["quantity"] if sold else line["ordered_quantity"], included)
        for line in normalized["lines"]
    ]
    parts += [shipping_amounts(ship, included) for ship in normalized["shipping_lines"]]
    for amounts in parts:
        total += amounts["net"]
        if not included:
            total += sum(amounts["taxes"], Decimal(0))
    return total


def total_difference(normalized) -> Decimal:
    """``expected_total`` minus Shopify's total (0 when they agree to the cent)."""
    expected = expected_total(normalized).quantize(_CENT, rounding=ROUND_HALF_UP)
    return expected - normalized["totals"]["total"].quantize(_CENT, rounding=ROUND_HALF_UP)


def delivery_date_from_tags(tags, pattern="Lieferung: YYYY-MM-DD"):
    """Date given by a tag such as ``"Lieferung: 2026-12-01"``, or None.

    YYYY, MM and DD in ``pattern`` are placeholders; tags are stripped and
    compared without regard to case; invalid dates are ignored; the first
    valid tag wins.
    """
    if not all(pattern.count(p) == 1 for p in ("YYYY", "MM", "DD")):
        raise ValueError(f"the pattern {pattern!r} needs YYYY, MM and DD once each")
    regex = re.escape(pattern.strip())
    for placeholder, group in (
        ("YYYY", r"(?P<y>\d{4})"),
        ("MM", r"(?P<m>\d{1,2})"),
        ("DD", r"(?P<d>\d{1,2})"),
    ):
        regex = regex.replace(placeholder, group)
    regex = regex.replace(r"\ ", r"\s*")
    matcher = re.compile(regex, re.IGNORECASE)
    for tag in _tags(tags):
        match = matcher.fullmatch(tag)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
    return None


def should_confirm(normalized, statuses=("PAID",)) -> bool:
    """Whether the sale order is confirmed: payment status allowed, not cancelled."""
    status = (normalized.get("financial_status") or "").upper()
    wanted = {str(s).strip().upper() for s in statuses}
    return bool(status) and status in wanted and not normalized.get("cancelled")


def lines_to_import(normalized, only_shipping=True):
    """Lines for the sale order; with ``only_shipping`` no gift cards, no digital goods."""
    return [
        line
        for line in normalized["lines"]
        if not only_shipping or (line["requires_shipping"] and not line["is_gift_card"])
    ]
