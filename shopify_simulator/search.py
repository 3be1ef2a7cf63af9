"""Shopify's search syntax for the ``query:`` argument of list fields.

Supported: terms ``field:value`` with comparators ``:>``, ``:>=``, ``:<``,
``:<=``; values quoted with ``'...'`` or ``"..."``; comma lists
(``financial_status:paid,pending``, meaning OR); terms separated by spaces
(AND) or by ``OR`` (lower precedence than AND), ``AND`` is accepted, negation
with ``-field:value`` or ``NOT field:value``, parentheses; a bare word
matches the resource's text fields.  Dates compare as UTC timestamps (a bare
date ``2026-01-01`` means its midnight UTC).

Fields are defined per resource in :data:`FIELDS`; unknown fields are
ignored (Shopify ignores them too and adds a search warning, which is not
simulated).
"""

import re
from datetime import datetime, timezone

from shopify_simulator.state import gid_number

_TOKEN = re.compile(
    r"""\s*(\(|\)|-?[\w.]+:(?:[<>]=?)?(?:'[^']*'|"[^"]*"|[^\s()]*)|"[^"]*"|'[^']*'|[^\s()]+)"""
)


def _norm_date(value):
    value = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text):
    """Parse ``text`` into a tree of ("or"|"and", [..]), ("not", x), ("term", f, op, vals)."""
    tokens = [t for t in _TOKEN.findall(text or "") if t.strip()]
    pos = 0

    def parse_or():
        nonlocal pos
        parts = [parse_and()]
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            parts.append(parse_and())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def parse_and():
        nonlocal pos
        parts = []
        while pos < len(tokens) and tokens[pos] not in ("OR", ")"):
            if tokens[pos] == "AND":
                pos += 1
                continue
            parts.append(parse_unary())
        return ("and", parts)

    def parse_unary():
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "NOT" and pos < len(tokens):
            return ("not", parse_unary())
        if token == "(":
            inner = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return inner
        negate = token.startswith("-") and ":" in token
        if negate:
            token = token[1:]
        if ":" in token:
            field, rest = token.split(":", 1)
            op = "="
            for candidate in (">=", "<=", ">", "<"):
                if rest.startswith(candidate):
                    op, rest = candidate, rest[len(candidate) :]
                    break
            if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
                values = [rest[1:-1]]
            else:
                values = list(rest.split(",")) if op == "=" else [rest]
            term = ("term", field.lower(), op, values)
        else:
            term = ("term", None, "=", [token.strip("'\"")])
        return ("not", term) if negate else term

    if not tokens:
        return ("and", [])
    return parse_or()


def _compare(actual, op, wanted):
    if actual is None:
        return False
    if op == "=":
        return actual == wanted
    if op == ">":
        return actual > wanted
    if op == ">=":
        return actual >= wanted
    if op == "<":
        return actual < wanted
    return actual <= wanted


def _match_term(obj, resource, field, op, values, store):
    fields = FIELDS.get(resource, {})
    if field is None:
        text = " ".join(str(g(obj, store) or "") for g in TEXT.get(resource, ())).lower()
        return values[0].lower() in text
    spec = fields.get(field)
    if spec is None:
        return True
    kind, getter = spec
    actual = getter(obj, store)
    for raw in values:
        if kind == "date":
            if raw in ("now",):
                continue
            if _compare(actual, op, _norm_date(raw)):
                return True
        elif kind == "int":
            try:
                wanted = int(raw.rsplit("/", 1)[-1])
            except ValueError:
                continue
            if _compare(actual, op, wanted):
                return True
        elif kind == "list":
            if any(str(a).lower() == raw.lower() for a in actual or ()):
                return True
        elif kind == "special":
            if actual(raw.lower()):
                return True
        elif kind == "bool":
            if str(bool(actual)).lower() == raw.lower():
                return True
        elif op == "=":
            if raw.endswith("*"):
                if actual is not None and str(actual).lower().startswith(raw[:-1].lower()):
                    return True
            elif actual is not None and str(actual).lower() == raw.lower():
                return True
        elif _compare(actual, op, raw):
            return True
    return False


def matcher(text, resource, store):
    """A predicate ``obj -> bool`` for search ``text`` over ``resource``."""
    tree = parse(text)

    def evaluate(node, obj):
        kind = node[0]
        if kind == "and":
            return all(evaluate(n, obj) for n in node[1])
        if kind == "or":
            return any(evaluate(n, obj) for n in node[1])
        if kind == "not":
            return not evaluate(node[1], obj)
        return _match_term(obj, resource, node[1], node[2], node[3], store)

    if tree == ("and", []):
        return None
    return lambda obj: evaluate(tree, obj)


def _fin_status(obj, store):
    status = obj["displayFinancialStatus"] or ""
    return lambda wanted: wanted.upper() == status


_FULFILMENT = {
    "unshipped": ("UNFULFILLED",),
    "unfulfilled": ("UNFULFILLED", "PARTIALLY_FULFILLED"),
    "shipped": ("FULFILLED",),
    "fulfilled": ("FULFILLED",),
    "partial": ("PARTIALLY_FULFILLED",),
    "any": None,
}


def _ful_status(obj, store):
    status = obj["displayFulfillmentStatus"]

    def check(wanted):
        allowed = _FULFILMENT.get(wanted, (wanted.upper(),))
        return allowed is None or status in allowed

    return check


def _order_status(obj, store):
    def check(wanted):
        if wanted == "any":
            return True
        if wanted == "cancelled":
            return bool(obj["cancelledAt"])
        if wanted == "closed":
            return bool(obj["closed"]) and not obj["cancelledAt"]
        if wanted == "open":
            return not obj["closed"] and not obj["cancelledAt"]
        return False

    return check


def _skus(obj, store):
    return [store.objects[g]["sku"] for g in obj["lineItems"] if store.objects[g]["sku"]]


def _variant_skus(obj, store):
    return [store.objects[g]["sku"] for g in obj["variants"]]


def _get(key):
    return lambda obj, store: obj.get(key)


def _num(obj, store):
    return gid_number(obj["id"])


def _tag_not(obj, store):
    tags = {t.lower() for t in obj.get("tags") or ()}
    return lambda wanted: wanted not in tags


COMMON = {
    "id": ("int", _num),
    "updated_at": ("date", _get("updatedAt")),
    "created_at": ("date", _get("createdAt")),
}
FIELDS = {
    "Order": {
        **COMMON,
        "processed_at": ("date", _get("processedAt")),
        "financial_status": ("special", _fin_status),
        "fulfillment_status": ("special", _ful_status),
        "status": ("special", _order_status),
        "tag": ("list", _get("tags")),
        "tag_not": ("special", _tag_not),
        "test": ("bool", _get("test")),
        "name": ("str", lambda o, s: o["name"].lstrip("#")),
        "email": ("str", _get("email")),
        "sku": ("list", _skus),
        "customer_id": ("int", lambda o, s: gid_number(o["customer"]) if o["customer"] else None),
    },
    "Product": {
        **COMMON,
        "title": ("str", _get("title")),
        "handle": ("str", _get("handle")),
        "status": ("str", _get("status")),
        "vendor": ("str", _get("vendor")),
        "product_type": ("str", _get("productType")),
        "tag": ("list", _get("tags")),
        "tag_not": ("special", _tag_not),
        "sku": ("list", _variant_skus),
    },
    "ProductVariant": {
        **COMMON,
        "sku": ("str", _get("sku")),
        "barcode": ("str", _get("barcode")),
        "title": ("str", _get("title")),
        "product_id": ("int", lambda o, s: gid_number(o["product"])),
        "inventory_item_id": ("int", lambda o, s: gid_number(o["inventoryItem"])),
    },
    "InventoryItem": {**COMMON, "sku": ("str", _get("sku"))},
    "Location": {**COMMON, "name": ("str", _get("name")), "active": ("bool", _get("isActive"))},
    "Customer": {
        **COMMON,
        "email": ("str", _get("email")),
        "phone": ("str", _get("phone")),
        "tag": ("list", _get("tags")),
    },
    "FulfillmentOrder": {
        **COMMON,
        "status": ("str", _get("status")),
        "assigned_location_id": (
            "int",
            lambda o, s: gid_number(o["assignedLocation"]["location"]),
        ),
    },
}
TEXT = {
    "Order": (_get("name"), _get("email")),
    "Product": (_get("title"), _get("vendor")),
    "ProductVariant": (_get("sku"), _get("title")),
    "InventoryItem": (_get("sku"),),
    "Customer": (_get("email"), _get("displayName")),
    "Location": (_get("name"),),
}
