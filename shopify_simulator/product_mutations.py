"""Mutations on products and orders: productVariantsBulkUpdate,
productVariantsBulkCreate, productCreate, productSet, fulfillmentCreate,
orderCancel, refundCreate.

``productVariantsBulkUpdate`` changes only the fields given (an absent
``compareAtPrice`` stays, an explicit null clears it); a variant of another
product answers ``MUST_BE_FOR_THIS_PRODUCT``; without
``allowPartialUpdates`` one faulty variant refuses the whole call.
``productSet`` replaces the variant list (variants not listed are deleted).
``fulfillmentCreate`` refuses fulfillment orders ON_HOLD or closed.
"""

from shopify_simulator import catalog
from shopify_simulator import orders as order_ops
from shopify_simulator.mutations import _error, _input_size, _mutation

# -- products ---------------------------------------------------------------


@_mutation("productVariantsBulkUpdate")
def product_variants_bulk_update(
    source, info, productId, variants, allowPartialUpdates=False, media=None
):
    ctx = info.context
    store = ctx.store
    _input_size(len(variants), "variants")
    product = store.get(productId, "Product")
    if product is None:
        return {
            "product": None,
            "productVariants": None,
            "userErrors": [
                _error(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")
            ],
        }
    errors, valid = [], []
    for index, data in enumerate(variants):
        base = ["variants", index]
        variant = store.get(data.get("id"), "ProductVariant") if data.get("id") else None
        if not data.get("id"):
            errors.append(
                _error(
                    [*base, "id"],
                    "Product variant is missing ID attribute",
                    "PRODUCT_VARIANT_ID_MISSING",
                )
            )
        elif variant is None:
            errors.append(
                _error(
                    [*base, "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
        elif variant["product"] != productId:
            errors.append(
                _error(
                    [*base, "id"],
                    "Product variant does not belong to this product",
                    "MUST_BE_FOR_THIS_PRODUCT",
                )
            )
        elif any(
            k in data and data[k] is not None and not catalog.valid_money(data[k])
            for k in ("price", "compareAtPrice")
        ):
            errors.append(
                _error(
                    [*base, "price"],
                    "Price must be greater than or equal to 0",
                    "NEGATIVE_PRICE_VALUE",
                )
            )
        elif data.get("inventoryQuantities"):
            errors.append(
                _error(
                    [*base, "inventoryQuantities"],
                    "Inventory quantities can only be provided during create.",
                    "NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE",
                )
            )
        else:
            valid.append((variant, data))
    if errors and not allowPartialUpdates:
        return {"product": product, "productVariants": None, "userErrors": errors}
    now = ctx.now()
    for variant, data in valid:
        catalog.update_variant(store, now, variant, data)
    return {"product": product, "productVariants": [v for v, _ in valid], "userErrors": errors}


def _quantities_input(data, key="inventoryQuantities"):
    out = []
    for entry in data.get(key) or ():
        qty = entry.get("availableQuantity", entry.get("quantity", 0))
        out.append((entry["locationId"], qty))
    return out


@_mutation("productVariantsBulkCreate")
def product_variants_bulk_create(source, info, productId, variants, strategy=None, media=None):
    ctx = info.context
    store = ctx.store
    _input_size(len(variants), "variants")
    product = store.get(productId, "Product")
    if product is None:
        return {
            "product": None,
            "productVariants": None,
            "userErrors": [
                {
                    "field": ["productId"],
                    "message": "Product does not exist",
                    "code": "PRODUCT_DOES_NOT_EXIST",
                }
            ],
        }
    now = ctx.now()
    standalone = [
        store.objects[v]
        for v in product["variants"]
        if store.objects[v]["title"] == "Default Title"
    ]
    created = [
        catalog.create_variant(store, now, product, data, _quantities_input(data))
        for data in variants
    ]
    if strategy == "REMOVE_STANDALONE_VARIANT" or (strategy in (None, "DEFAULT") and standalone):
        for variant in standalone:
            catalog.delete_variant(store, variant)
        product["options"] = [o for o in product["options"] if o["name"] != "Title"]
    product["hasOnlyDefaultVariant"] = False
    return {"product": product, "productVariants": created, "userErrors": []}


@_mutation("productCreate")
def product_create(source, info, product=None, input=None, media=None):
    ctx = info.context
    data = product or input or {}
    now = ctx.now()
    created = catalog.create_product(ctx.store, now, data, data.get("productOptions"))
    first_values = [
        {"optionName": o["name"], "name": o["values"][0]}
        for o in created["options"]
        if o["values"]
    ]
    catalog.create_variant(ctx.store, now, created, {"optionValues": first_values, "price": 0})
    return {"product": created, "shop": ctx.store.shop, "userErrors": []}


@_mutation("productSet")
def product_set(source, info, input, synchronous=True, identifier=None):
    ctx = info.context
    store = ctx.store
    _input_size(len(input.get("variants") or ()), "variants")
    now = ctx.now()
    product = None
    ident = identifier or {}
    target = input.get("id") or ident.get("id")
    if target:
        product = store.get(target, "Product")
        if product is None:
            return {
                "product": None,
                "productSetOperation": None,
                "userErrors": [
                    {
                        "field": ["input", "id"],
                        "message": "Product does not exist",
                        "code": "PRODUCT_DOES_NOT_EXIST",
                    }
                ],
            }
    elif ident.get("handle"):
        product = next((p for p in store.all("Product") if p["handle"] == ident["handle"]), None)
    if product is None:
        product = catalog.create_product(store, now, input, input.get("productOptions"))
    else:
        for key in ("title", "vendor", "productType", "status", "descriptionHtml", "handle"):
            if key in input and input[key] is not None:
                product[key] = input[key]
        if "tags" in input:
            product["tags"] = list(input["tags"] or [])
        if input.get("productOptions") is not None:
            product["options"] = catalog.build_options(store, input["productOptions"])
        product["updatedAt"] = now
    if input.get("variants") is not None:
        keep = set()
        for data in input["variants"]:
            variant = store.get(data.get("id"), "ProductVariant") if data.get("id") else None
            if variant is None and data.get("sku"):
                candidate = store.variant_by_sku(data["sku"])
                if candidate and candidate["product"] == product["id"]:
                    variant = candidate
            if variant is not None:
                catalog.update_variant(
                    store,
                    now,
                    variant,
                    dict(
                        data,
                        inventoryItem=dict(
                            data.get("inventoryItem") or {},
                            **({"sku": data["sku"]} if "sku" in data else {}),
                        ),
                    ),
                )
            else:
                variant = catalog.create_variant(
                    store, now, product, data, _quantities_input(data)
                )
            keep.add(variant["id"])
        for variant_id in list(product["variants"]):
            if variant_id not in keep:
                catalog.delete_variant(store, store.objects[variant_id])
    return {"product": product, "productSetOperation": None, "userErrors": []}


# -- orders -----------------------------------------------------------------


@_mutation("fulfillmentCreate")
def fulfillment_create(source, info, fulfillment, message=None):
    ctx = info.context
    store = ctx.store
    groups = fulfillment["lineItemsByFulfillmentOrder"]
    _input_size(len(groups), "lineItemsByFulfillmentOrder")
    plan, errors, order = [], [], None
    for gi, group in enumerate(groups):
        fo = store.get(group["fulfillmentOrderId"], "FulfillmentOrder")
        field = ["fulfillment", "lineItemsByFulfillmentOrder", str(gi), "fulfillmentOrderId"]
        if fo is None:
            errors.append(_error(field, "Fulfillment order does not exist."))
            continue
        if fo["status"] == "ON_HOLD":
            errors.append(
                _error(field, f"Fulfillment order {fo['id']} is on hold and cannot be fulfilled.")
            )
            continue
        if fo["status"] not in ("OPEN", "IN_PROGRESS"):
            errors.append(
                _error(
                    field,
                    f"Fulfillment order {fo['id']} has an unfulfillable "
                    f"status= {fo['status'].lower()}.",
                )
            )
            continue
        order = store.objects[fo["order"]]
        wanted = group.get("fulfillmentOrderLineItems")
        if not wanted:
            items = [
                (store.objects[g], store.objects[g]["remainingQuantity"]) for g in fo["lineItems"]
            ]
        else:
            items = []
            for entry in wanted:
                foli = store.get(entry["id"], "FulfillmentOrderLineItem")
                if foli is None or foli["_fo"] != fo["id"]:
                    errors.append(_error(field, "Invalid fulfillment order line item id."))
                    continue
                if entry["quantity"] > foli["remainingQuantity"] or entry["quantity"] < 0:
                    errors.append(
                        _error(field, "Invalid fulfillment order line item quantity requested.")
                    )
                    continue
                items.append((foli, entry["quantity"]))
        plan.append((fo, items))
    if not errors and not any(q for _, items in plan for _, q in items):
        errors.append(_error(["fulfillment"], "Nothing to fulfill."))
    if errors:
        return {"fulfillment": None, "userErrors": errors}
    now = ctx.now()
    result = None
    for fo, items in plan:
        result = order_ops.fulfill(
            store,
            order,
            fo,
            items,
            now,
            fulfillment.get("trackingInfo"),
            fulfillment.get("notifyCustomer"),
        )
    return {"fulfillment": result, "userErrors": []}


@_mutation("orderCancel")
def order_cancel(
    source,
    info,
    orderId,
    reason,
    restock,
    refund=None,
    notifyCustomer=None,
    staffNote=None,
    refundMethod=None,
):
    ctx = info.context
    order = ctx.store.get(orderId, "Order")
    if order is None or order["cancelledAt"]:
        error = {
            "field": ["orderId"],
            "message": "Order not found."
            if order is None
            else "Order has already been cancelled.",
            "code": "INVALID",
        }
        return {
            "job": None,
            "jobResult": None,
            "orderCancelUserErrors": [error],
            "userErrors": [{"field": error["field"], "message": error["message"]}],
        }
    order_ops.cancel(ctx.store, order, ctx.now(), restock=restock, reason=reason)
    job = {"id": ctx.store.new_id("Job"), "done": True, "query": {}}
    return {"job": job, "jobResult": None, "orderCancelUserErrors": [], "userErrors": []}


@_mutation("refundCreate", needs_key=True)
def refund_create(source, info, input):
    ctx = info.context
    store = ctx.store
    order = store.get(input["orderId"], "Order")
    if order is None:
        return {
            "refund": None,
            "order": None,
            "userErrors": [_error(["orderId"], "Order does not exist")],
        }
    items = []
    for index, entry in enumerate(input.get("refundLineItems") or ()):
        line = store.get(entry["lineItemId"], "LineItem")
        if line is None or line["_order"] != order["id"]:
            return {
                "refund": None,
                "order": order,
                "userErrors": [
                    _error(["refundLineItems", index, "lineItemId"], "Line item does not exist")
                ],
            }
        if entry["quantity"] > line["currentQuantity"]:
            return {
                "refund": None,
                "order": order,
                "userErrors": [
                    _error(
                        ["refundLineItems", index, "quantity"],
                        "Quantity cannot refund more items than were purchased",
                    )
                ],
            }
        items.append(
            (
                line,
                entry["quantity"],
                entry.get("restockType") or "NO_RESTOCK",
                entry.get("locationId") or order["_location"],
            )
        )
    refund = order_ops.refund(store, order, items, ctx.now(), input.get("note"))
    return {"refund": refund, "order": order, "userErrors": []}
