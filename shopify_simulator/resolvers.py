"""Generic field resolution over the dict store.

One ``field_resolver`` serves every field of the schema.  For each
(parent type, field) it picks, once, a plan:

1. a custom resolver registered in :data:`CUSTOM` (root fields, computed
   fields such as ``InventoryLevel.quantities``);
2. a generic connection resolver when the field's type name ends in
   ``Connection`` (the parent dict holds a list of gids or dicts);
3. a dereferencing resolver when the field's type is an object, interface or
   union (the parent dict holds a gid string, a dict, or a list of those);
4. a plain ``dict.get`` for scalars and enums; a missing ``fooSet`` money
   bag's ``foo`` (Money scalar or MoneyV2) is derived from it, a missing
   ``legacyResourceId`` from the id, and a missing list is empty.

Adding a field is usually adding a key to the seeded dicts; adding a root
field is one function in :data:`CUSTOM` (plus its scope in
:data:`ROOT_SCOPES`).  Root fields without a resolver answer a clear
``NOT_SUPPORTED`` error.
"""

from graphql import GraphQLError, GraphQLList, GraphQLNonNull, get_named_type, is_composite_type

from shopify_simulator import search
from shopify_simulator.connections import id_key, paginate
from shopify_simulator.state import gid_number, gid_type, quantity

ROOT_TYPES = ("QueryRoot", "Mutation")

# root field -> scopes of which one is needed (write_x implies read_x)
ROOT_SCOPES = {
    "orders": ("read_orders",),
    "order": ("read_orders",),
    "fulfillmentOrders": (
        "read_merchant_managed_fulfillment_orders",
        "read_orders",
        "read_assigned_fulfillment_orders",
    ),
    "fulfillmentOrder": (
        "read_merchant_managed_fulfillment_orders",
        "read_orders",
        "read_assigned_fulfillment_orders",
    ),
    "products": ("read_products",),
    "product": ("read_products",),
    "productVariants": ("read_products",),
    "productVariant": ("read_products",),
    "inventoryItems": ("read_inventory",),
    "inventoryItem": ("read_inventory",),
    "inventoryLevel": ("read_inventory",),
    "locations": ("read_locations",),
    "location": ("read_locations",),
    "customers": ("read_customers",),
    "customer": ("read_customers",),
    "inventorySetQuantities": ("write_inventory",),
    "inventoryActivate": ("write_inventory",),
    "inventoryAdjustQuantities": ("write_inventory",),
    "productVariantsBulkUpdate": ("write_products",),
    "productSet": ("write_products",),
    "productCreate": ("write_products",),
    "productVariantsBulkCreate": ("write_products",),
    "productUpdate": ("write_products",),
    "fulfillmentCreate": (
        "write_merchant_managed_fulfillment_orders",
        "write_fulfillments",
        "write_assigned_fulfillment_orders",
    ),
    "orderCancel": ("write_orders",),
    "refundCreate": ("write_orders",),
    "orderMarkAsPaid": ("write_orders",),
    "shopifyPaymentsAccount": ("read_shopify_payments_payouts",),
}
NODE_SCOPES = {
    "Order": ("read_orders",),
    "LineItem": ("read_orders",),
    "FulfillmentOrder": ROOT_SCOPES["fulfillmentOrder"],
    "Fulfillment": ("read_orders",),
    "Refund": ("read_orders",),
    "OrderTransaction": ("read_orders",),
    "Product": ("read_products",),
    "ProductVariant": ("read_products",),
    "InventoryItem": ("read_inventory",),
    "InventoryLevel": ("read_inventory",),
    "Location": ("read_locations",),
    "Customer": ("read_customers",),
}

CUSTOM = {}


def custom(type_name, field_name):
    def register(func):
        CUSTOM[(type_name, field_name)] = func
        return func

    return register


def has_scope(granted, needed):
    for scope in needed:
        if scope in granted:
            return True
        if scope.startswith("read_") and "write_" + scope[5:] in granted:
            return True
    return False


def access_denied(field_name, needed):
    required = f"`{needed[0]}` access scope"
    if len(needed) > 1:
        required = " or ".join(f"`{s}`" for s in needed) + " access scope"
    return GraphQLError(
        f"Access denied for {field_name} field. Required access: {required}.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": "https://shopify.dev/api/usage/access-scopes",
            "requiredAccess": f"{required}.",
        },
    )


# -- plans ----------------------------------------------------------------

_PLANS = {}


def _unwrap_list(type_):
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _plan(info):
    parent, name = info.parent_type.name, info.field_name
    key = (parent, name)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    func = CUSTOM.get(key)
    named = get_named_type(info.return_type)
    if func is not None:
        plan = func
    elif parent in ROOT_TYPES:
        plan = _unsupported_root
    elif named.name.endswith("Connection") and not _unwrap_list(info.return_type):
        plan = _child_connection
    elif is_composite_type(named):
        plan = _deref_list if _unwrap_list(info.return_type) else _deref
    elif named.name in ("Money", "MoneyV2") or name == "legacyResourceId":
        plan = _scalar_derived
    elif _unwrap_list(info.return_type):
        plan = _list_default
    else:
        plan = _get
    if parent in ROOT_TYPES and name in ROOT_SCOPES:
        plan = _scoped(plan, ROOT_SCOPES[name])
    _PLANS[key] = plan
    return plan


def _scoped(plan, needed):
    def resolve(source, info, **args):
        if not has_scope(info.context.scopes, needed):
            raise access_denied(info.field_name, needed)
        return plan(source, info, **args)

    return resolve


def field_resolver(source, info, **args):
    return _plan(info)(source, info, **args)


def type_resolver(value, info, abstract_type):
    if isinstance(value, dict):
        return value.get("__typename")
    return None


def _unsupported_root(source, info, **args):
    kind = "mutation" if info.parent_type.name == "Mutation" else "query"
    raise GraphQLError(
        f"The {kind} field '{info.field_name}' is part of Shopify's schema but is not "
        "supported by the Shopify simulator.",
        extensions={"code": "NOT_SUPPORTED"},
    )


def _get(source, info, **args):
    if isinstance(source, dict):
        return source.get(info.field_name)
    return getattr(source, info.field_name, None)


def _list_default(source, info, **args):
    value = source.get(info.field_name) if isinstance(source, dict) else None
    if value is None and isinstance(info.return_type, GraphQLNonNull):
        return []
    return value


def _scalar_derived(source, info, **args):
    name = info.field_name
    value = source.get(name)
    if value is not None:
        return value
    if name == "legacyResourceId":
        return str(gid_number(source["id"])) if source.get("id") else None
    money_bag = source.get(name + "Set")
    if money_bag is None:
        return None
    if get_named_type(info.return_type).name == "Money":
        return money_bag["shopMoney"]["amount"]
    return money_bag["shopMoney"]


def _deref_value(store, value):
    if isinstance(value, str):
        return store.get(value)
    return value


def _deref(source, info, **args):
    value = source.get(info.field_name) if isinstance(source, dict) else None
    if value is None and isinstance(source, dict):
        value = source.get(info.field_name + "Set")
        if value is not None and get_named_type(info.return_type).name == "MoneyV2":
            return value["shopMoney"]
        value = None
    return _deref_value(info.context.store, value)


def _deref_list(source, info, **args):
    values = source.get(info.field_name) if isinstance(source, dict) else None
    if values is None:
        return [] if isinstance(info.return_type, GraphQLNonNull) else None
    store = info.context.store
    return [_deref_value(store, v) for v in values]


def _child_connection(source, info, **args):
    values = source.get(info.field_name) or [] if isinstance(source, dict) else []
    store = info.context.store
    pairs = [(i, _deref_value(store, v)) for i, v in enumerate(values)]
    return connection(info, pairs, args, key=_pos_key, presorted=True, unwrap=True)


def _pos_key(pair):
    return (pair[0],)


def connection(info, items, args, key=id_key, presorted=False, unwrap=False):
    result, slots, returned = paginate(info.field_name, items, args, key, presorted)
    if unwrap:
        result["nodes"] = [p[1] for p in result["nodes"]]
        for edge in result["edges"]:
            edge["node"] = edge["node"][1]
    info.context.record_connection(info, slots, returned)
    return result


# -- root queries -----------------------------------------------------------

SORT_KEYS = {
    "ID": None,
    "CREATED_AT": "createdAt",
    "UPDATED_AT": "updatedAt",
    "PROCESSED_AT": "processedAt",
    "TITLE": "title",
    "SKU": "sku",
    "NAME": "name",
    "ORDER_NUMBER": "number",
    "POSITION": "position",
    "VENDOR": "vendor",
    "PRODUCT_TYPE": "productType",
}


def _sort_key(sort_key):
    field = SORT_KEYS.get(sort_key or "ID")
    if field is None:
        return id_key, True

    def key(obj):
        value = obj.get(field)
        return (value if value is not None else "", gid_number(obj["id"]))

    return key, False


def root_list(type_name, items=None, extra_filter=None):
    def resolve(source, info, **args):
        store = info.context.store
        objects = store.all(type_name) if items is None else items(store, args)
        text = args.get("query")
        if text:
            fast = _sku_fast_path(store, type_name, text)
            if fast is not None:
                objects = fast
            else:
                predicate = search.matcher(text, type_name, store)
                if predicate is not None:
                    objects = [o for o in objects if predicate(o)]
        if extra_filter is not None:
            objects = [o for o in objects if extra_filter(o, args)]
        key, presorted = _sort_key(args.get("sortKey"))
        return connection(info, objects, args, key=key, presorted=presorted)

    return resolve


def _sku_fast_path(store, type_name, text):
    """``sku:X`` alone on variants or inventory items: use the SKU index."""
    if type_name not in ("ProductVariant", "InventoryItem"):
        return None
    tree = search.parse(text)
    if tree[0] == "and" and len(tree[1]) == 1:
        tree = tree[1][0]
    if tree[0] != "term" or tree[1] != "sku" or tree[2] != "=" or "*" in tree[3][0]:
        return None
    found = []
    for sku in tree[3]:
        variant = store.variant_by_sku(sku)
        if variant is None or variant["sku"] != sku:
            continue
        found.append(
            variant if type_name == "ProductVariant" else store.objects[variant["inventoryItem"]]
        )
    return found


def by_id(type_name):
    def resolve(source, info, id=None, **args):
        return info.context.store.get(id, type_name) if id else None

    return resolve


for _type, _field in (
    ("Order", "order"),
    ("Product", "product"),
    ("ProductVariant", "productVariant"),
    ("InventoryItem", "inventoryItem"),
    ("InventoryLevel", "inventoryLevel"),
    ("Customer", "customer"),
    ("FulfillmentOrder", "fulfillmentOrder"),
):
    CUSTOM[("QueryRoot", _field)] = by_id(_type)

CUSTOM[("QueryRoot", "orders")] = root_list("Order")
CUSTOM[("QueryRoot", "products")] = root_list("Product")
CUSTOM[("QueryRoot", "productVariants")] = root_list("ProductVariant")
CUSTOM[("QueryRoot", "inventoryItems")] = root_list("InventoryItem")
CUSTOM[("QueryRoot", "customers")] = root_list("Customer")
CUSTOM[("QueryRoot", "locations")] = root_list(
    "Location", extra_filter=lambda o, a: o["isActive"] or a.get("includeInactive")
)
CUSTOM[("QueryRoot", "fulfillmentOrders")] = root_list(
    "FulfillmentOrder",
    extra_filter=lambda o, a: a.get("includeClosed") or o["status"] not in ("CLOSED", "CANCELLED"),
)


@custom("QueryRoot", "location")
def _location(source, info, id=None):
    store = info.context.store
    if id:
        return store.get(id, "Location")
    return next((loc for loc in store.all("Location") if loc["isPrimary"]), None)


@custom("QueryRoot", "shop")
def _shop(source, info):
    return info.context.store.shop


@custom("QueryRoot", "currentAppInstallation")
def _installation(source, info):
    scopes = sorted(info.context.scopes)
    return {
        "id": "gid://shopify/AppInstallation/1",
        "accessScopes": [{"handle": s, "description": s.replace("_", " ")} for s in scopes],
        "app": {
            "id": "gid://shopify/App/1",
            "title": "Shopify Connector",
            "handle": "shopify-connector",
            "apiKey": info.context.client_id,
        },
        "launchUrl": "https://admin.shopify.com/",
        "uninstallUrl": None,
        "activeSubscriptions": [],
        "subscriptions": [],
    }


def _node_checked(info, value):
    store = info.context.store
    obj = store.get(value)
    if obj is None:
        return None
    needed = NODE_SCOPES.get(obj["__typename"])
    if needed and not has_scope(info.context.scopes, needed):
        raise access_denied(obj["__typename"], needed)
    return obj


@custom("QueryRoot", "node")
def _node(source, info, id):
    return _node_checked(info, id)


@custom("QueryRoot", "nodes")
def _nodes(source, info, ids):
    if len(ids) > 250:
        raise GraphQLError(
            "The ids argument must not contain more than 250 items.",
            extensions={"code": "BAD_REQUEST"},
        )
    return [_node_checked(info, value) for value in ids]


# -- computed fields -------------------------------------------------------


@custom("InventoryLevel", "quantities")
def _quantities(source, info, names):
    return [
        {
            "id": f"{source['id']}&name={n}",
            "name": n,
            "quantity": quantity(source, n),
            "updatedAt": source["updatedAt"],
        }
        for n in names
    ]


@custom("InventoryItem", "inventoryLevel")
def _item_level(source, info, locationId, includeInactive=False):
    return info.context.store.level(source["id"], locationId)


@custom("Location", "inventoryLevel")
def _location_level(source, info, inventoryItemId, includeInactive=False):
    return info.context.store.level(inventoryItemId, source["id"])


@custom("InventoryItem", "inventoryLevels")
def _item_levels(source, info, **args):
    levels = info.context.store.levels_by_item.get(source["id"], [])
    return _level_connection(info, levels, args)


@custom("Location", "inventoryLevels")
def _location_levels(source, info, **args):
    levels = info.context.store.levels_by_location.get(source["id"], [])
    return _level_connection(info, levels, args)


def _level_key(level):
    return (int(level["id"].split("/")[-1].split("?")[0]),)


def _level_connection(info, levels, args):
    if args.get("query"):
        predicate = search.matcher(args["query"], "InventoryLevel", info.context.store)
        if predicate is not None:
            levels = [lv for lv in levels if predicate(lv)]
    return connection(info, levels, args, key=_level_key, presorted=True)


@custom("InventoryItem", "locationsCount")
def _locations_count(source, info, **args):
    count = len(info.context.store.levels_by_item.get(source["id"], []))
    return {"count": count, "precision": "EXACT"}


def _variant_available(store, variant):
    levels = store.levels_by_item.get(variant["inventoryItem"], [])
    return sum(quantity(level, "available") for level in levels)


@custom("ProductVariant", "inventoryQuantity")
def _inventory_quantity(source, info):
    return _variant_available(info.context.store, source)


@custom("ProductVariant", "sellableOnlineQuantity")
def _sellable(source, info):
    return max(0, _variant_available(info.context.store, source))


@custom("Product", "totalInventory")
def _total_inventory(source, info):
    store = info.context.store
    return sum(_variant_available(store, store.objects[v]) for v in source["variants"])


@custom("Product", "totalVariants")
def _total_variants(source, info):
    return len(source["variants"])


@custom("Product", "variantsCount")
def _variants_count(source, info, **args):
    return {"count": len(source["variants"]), "precision": "EXACT"}


@custom("Product", "hasOutOfStockVariants")
def _out_of_stock(source, info):
    store = info.context.store
    return any(_variant_available(store, store.objects[v]) <= 0 for v in source["variants"])


@custom("Product", "priceRangeV2")
def _price_range(source, info):
    store = info.context.store
    prices = sorted((store.objects[v]["price"] for v in source["variants"]), key=float)
    currency = store.shop["currencyCode"]
    return {
        "minVariantPrice": {"amount": prices[0], "currencyCode": currency},
        "maxVariantPrice": {"amount": prices[-1], "currencyCode": currency},
    }


@custom("Order", "fulfillmentsCount")
def _fulfillments_count(source, info, **args):
    return {"count": len(source["fulfillments"]), "precision": "EXACT"}


@custom("Order", "legacyResourceId")
def _order_legacy(source, info):
    return str(gid_number(source["id"]))


def _default_cursor(source, info):
    from shopify_simulator.connections import encode_cursor

    return encode_cursor(id_key(source))


CUSTOM[("Product", "defaultCursor")] = _default_cursor
CUSTOM[("ProductVariant", "defaultCursor")] = _default_cursor

# resolvers of their own files (transactions, Shopify Payments), registered on import
from shopify_simulator import payouts, transactions  # noqa: E402, F401

__all__ = ["CUSTOM", "field_resolver", "gid_type", "type_resolver"]
