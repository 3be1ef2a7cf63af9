"""REST-style JSON bodies of webhook deliveries, per topic, built from the store.

Shopify's webhook payloads are shaped like the REST Admin API resources
(snake_case, numeric ``id`` plus ``admin_graphql_api_id``, lower-case
statuses, amounts as strings). These carry the fields a receiver needs to
identify and order what changed (IDs, ``admin_graphql_api_id``,
``updated_at``, ``name``) and the usual summary fields; not every field of
Shopify's payloads.
"""

from shopify_simulator.state import bag_amount, gid_number


def _id(gid_value):
    return gid_number(gid_value) if gid_value else None


def _money(bag):
    return str(bag_amount(bag)) if bag else "0.00"


def _line_item(store, line_gid):
    line = store.objects[line_gid]
    return {
        "id": _id(line["id"]),
        "admin_graphql_api_id": line["id"],
        "sku": line.get("sku"),
        "title": line.get("title"),
        "name": line.get("name"),
        "quantity": line.get("quantity"),
        "current_quantity": line.get("currentQuantity"),
        "price": _money(line.get("originalUnitPriceSet")),
        "variant_id": _id(line.get("variant")),
        "product_id": _id(line.get("product")),
        "requires_shipping": line.get("requiresShipping"),
        "fulfillable_quantity": max(
            0, (line.get("currentQuantity") or 0) - (line.get("_fulfilled") or 0)
        ),
    }


def order_payload(store, order):
    """orders/create, updated, paid, cancelled, edited, fulfilled, partially_fulfilled."""
    fulfillment = order.get("displayFulfillmentStatus")
    return {
        "id": _id(order["id"]),
        "admin_graphql_api_id": order["id"],
        "name": order["name"],
        "order_number": order["number"],
        "created_at": order["createdAt"],
        "updated_at": order["updatedAt"],
        "processed_at": order.get("processedAt"),
        "cancelled_at": order.get("cancelledAt"),
        "cancel_reason": (order.get("cancelReason") or "").lower() or None,
        "closed_at": order.get("closedAt"),
        "email": order.get("email"),
        "currency": order.get("currencyCode"),
        "financial_status": (order.get("displayFinancialStatus") or "").lower() or None,
        "fulfillment_status": None
        if fulfillment in (None, "UNFULFILLED")
        else fulfillment.lower().replace("partially_fulfilled", "partial"),
        "test": bool(order.get("test")),
        "tags": ", ".join(order.get("tags") or ()),
        "taxes_included": order.get("taxesIncluded"),
        "total_price": _money(order.get("totalPriceSet")),
        "subtotal_price": _money(order.get("subtotalPriceSet")),
        "total_tax": _money(order.get("totalTaxSet")),
        "current_total_price": _money(order.get("currentTotalPriceSet")),
        "customer": {"id": _id(order["customer"]), "admin_graphql_api_id": order["customer"]}
        if order.get("customer")
        else None,
        "line_items": [_line_item(store, line) for line in order["lineItems"]],
        "fulfillments": [_id(f) for f in order.get("fulfillments") or ()],
        "refunds": [_id(r) for r in order.get("refunds") or ()],
    }


def refund_payload(store, refund):
    """refunds/create."""
    return {
        "id": _id(refund["id"]),
        "admin_graphql_api_id": refund["id"],
        "order_id": _id(refund["order"]),
        "created_at": refund["createdAt"],
        "processed_at": refund.get("processedAt"),
        "note": refund.get("note"),
        "refund_line_items": [
            {
                "id": _id(item["id"]),
                "line_item_id": _id(item["lineItem"]),
                "quantity": item["quantity"],
                "restock_type": (item.get("restockType") or "").lower(),
                "subtotal": _money(item.get("subtotalSet")),
                "total_tax": _money(item.get("totalTaxSet")),
            }
            for item in refund.get("refundLineItems") or ()
        ],
    }


def fulfillment_payload(store, fulfillment):
    """fulfillments/create."""
    return {
        "id": _id(fulfillment["id"]),
        "admin_graphql_api_id": fulfillment["id"],
        "order_id": _id(fulfillment["order"]),
        "name": fulfillment.get("name"),
        "status": (fulfillment.get("status") or "").lower(),
        "created_at": fulfillment["createdAt"],
        "updated_at": fulfillment["updatedAt"],
        "location_id": _id(fulfillment.get("location")),
        "tracking_numbers": [t["number"] for t in fulfillment.get("trackingInfo") or ()],
        "line_items": [
            dict(_line_item(store, item["lineItem"]), quantity=item["quantity"])
            for item in fulfillment.get("fulfillmentLineItems") or ()
        ],
    }


def product_payload(store, product):
    """products/update."""
    return {
        "id": _id(product["id"]),
        "admin_graphql_api_id": product["id"],
        "title": product.get("title"),
        "handle": product.get("handle"),
        "updated_at": product.get("updatedAt"),
        "status": (product.get("status") or "").lower(),
        "variants": [
            {
                "id": _id(variant["id"]),
                "admin_graphql_api_id": variant["id"],
                "sku": variant.get("sku"),
                "barcode": variant.get("barcode"),
                "price": variant.get("price"),
                "inventory_item_id": _id(variant.get("inventoryItem")),
                "updated_at": variant.get("updatedAt"),
            }
            for variant in (store.objects[v] for v in product.get("variants") or ())
        ],
    }


def inventory_level_payload(level, available):
    """inventory_levels/update."""
    return {
        "inventory_item_id": _id(level["item"]),
        "location_id": _id(level["location"]),
        "available": available,
        "updated_at": level["updatedAt"],
        "admin_graphql_api_id": level["id"],
    }


def shop_payload(shop):
    """app/uninstalled (the shop resource)."""
    return {
        "id": _id(shop["id"]),
        "name": shop.get("name"),
        "domain": shop.get("myshopifyDomain"),
        "myshopify_domain": shop.get("myshopifyDomain"),
        "email": shop.get("email"),
    }
