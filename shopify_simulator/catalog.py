"""Creating and updating products and variants (mutations and control API).

A new variant always gets a tracked inventory item; stock is activated at
the locations given in its input (``inventoryQuantities``), or at the
primary location when none is given (Shopify stocks new variants at the
default location).
"""

from decimal import Decimal, InvalidOperation

from shopify_simulator.state import money


def slug(text):
    out = "".join(c.lower() if c.isalnum() else "-" for c in text or "")
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-") or "product"


def valid_money(value):
    try:
        return Decimal(str(value)) >= 0
    except (InvalidOperation, ValueError):
        return False


def build_options(store, option_inputs):
    options = []
    for position, option in enumerate(option_inputs or (), 1):
        values = [v.get("name") for v in option.get("values") or () if v.get("name")]
        options.append(
            {
                "id": store.new_id("ProductOption"),
                "name": option.get("name") or f"Option{position}",
                "position": position,
                "values": values,
                "translations": [],
                "optionValues": [
                    {"id": store.new_id("ProductOptionValue"), "name": v, "hasVariants": False}
                    for v in values
                ],
            }
        )
    return options


def create_product(store, now, fields, option_inputs=None):
    title = fields.get("title") or "Neues Produkt"
    handle = fields.get("handle") or slug(title)
    taken = {p["handle"] for p in store.all("Product")}
    base, n = handle, 1
    while handle in taken:
        n += 1
        handle = f"{base}-{n}"
    options = build_options(store, option_inputs)
    product = store.create(
        "Product",
        title=title,
        handle=handle,
        vendor=fields.get("vendor") or store.shop["name"],
        productType=fields.get("productType") or "",
        status=fields.get("status") or "ACTIVE",
        tags=list(fields.get("tags") or []),
        descriptionHtml=fields.get("descriptionHtml") or "",
        description=fields.get("descriptionHtml") or "",
        createdAt=now,
        updatedAt=now,
        publishedAt=now,
        options=options,
        variants=[],
        isGiftCard=bool(fields.get("giftCard")),
        hasOnlyDefaultVariant=True,
        requiresSellingPlan=False,
        templateSuffix=None,
        giftCardTemplateSuffix=None,
        category=None,
        tracksInventory=True,
        seo={"title": None, "description": None},
        onlineStoreUrl=None,
        featuredImage=None,
        featuredMedia=None,
    )
    return product


def ensure_option_values(store, product, selected):
    """Add option values (and options) that ``selected`` [{name, value}] introduces."""
    for pair in selected:
        option = next((o for o in product["options"] if o["name"] == pair["name"]), None)
        if option is None:
            option = {
                "id": store.new_id("ProductOption"),
                "name": pair["name"],
                "position": len(product["options"]) + 1,
                "values": [],
                "optionValues": [],
                "translations": [],
            }
            product["options"].append(option)
        if pair["value"] not in option["values"]:
            option["values"].append(pair["value"])
            option["optionValues"].append(
                {
                    "id": store.new_id("ProductOptionValue"),
                    "name": pair["value"],
                    "hasVariants": True,
                }
            )


def selected_from_input(product, option_values):
    selected = []
    for index, value in enumerate(option_values or ()):
        name = value.get("optionName")
        if not name and value.get("optionId"):
            name = next(
                (o["name"] for o in product["options"] if o["id"] == value["optionId"]), None
            )
        if not name:
            name = (
                product["options"][index]["name"]
                if index < len(product["options"])
                else f"Option{index + 1}"
            )
        selected.append({"name": name, "value": value.get("name") or ""})
    return selected


def create_variant(store, now, product, data, locations_quantities=None):
    """Create a variant from a ProductVariantsBulkInput/ProductVariantSetInput-like dict."""
    selected = selected_from_input(product, data.get("optionValues"))
    if not selected:
        selected = [{"name": "Title", "value": "Default Title"}]
    ensure_option_values(store, product, selected)
    item_input = data.get("inventoryItem") or {}
    sku = data.get("sku") if data.get("sku") is not None else item_input.get("sku")
    variant_id = store.new_id("ProductVariant")
    weight = ((item_input.get("measurement") or {}).get("weight")) or {
        "unit": "GRAMS",
        "value": 0.0,
    }
    item = store.create(
        "InventoryItem",
        sku=sku,
        tracked=item_input.get("tracked", True) is not False,
        requiresShipping=item_input.get("requiresShipping", True) is not False,
        createdAt=now,
        updatedAt=now,
        variant=variant_id,
        measurement={
            "id": store.new_id("InventoryItemMeasurement"),
            "weight": {"unit": weight["unit"], "value": float(weight["value"])},
        },
        unitCost={"amount": money(item_input["cost"]), "currencyCode": store.shop["currencyCode"]}
        if item_input.get("cost") is not None
        else None,
        countryCodeOfOrigin=item_input.get("countryCodeOfOrigin"),
        harmonizedSystemCode=item_input.get("harmonizedSystemCode"),
        provinceCodeOfOrigin=None,
        duplicateSkuCount=0,
        inventoryHistoryUrl=None,
    )
    title = " / ".join(s["value"] for s in selected)
    variant = store.add(
        {
            "__typename": "ProductVariant",
            "id": variant_id,
            "product": product["id"],
            "title": title,
            "displayName": f"{product['title']} - {title}",
            "sku": sku,
            "barcode": data.get("barcode"),
            "price": money(data.get("price") or 0),
            "compareAtPrice": money(data["compareAtPrice"])
            if data.get("compareAtPrice")
            else None,
            "position": len(product["variants"]) + 1,
            "selectedOptions": selected,
            "inventoryItem": item["id"],
            "inventoryPolicy": data.get("inventoryPolicy") or "DENY",
            "taxable": data.get("taxable", True) is not False,
            "taxCode": data.get("taxCode"),
            "availableForSale": True,
            "requiresComponents": False,
            "showUnitPrice": False,
            "createdAt": now,
            "updatedAt": now,
            "image": None,
            "_grams": int(weight["value"]) if weight["unit"] == "GRAMS" else 0,
            "_reduced": False,
        }
    )
    store.index_sku(variant)
    product["variants"].append(variant_id)
    product["hasOnlyDefaultVariant"] = len(product["variants"]) == 1 and title == "Default Title"
    product["updatedAt"] = now
    quantities = locations_quantities
    if not quantities:
        primary = next(loc for loc in store.all("Location") if loc["isPrimary"])
        quantities = [(primary["id"], 0)]
    for location_id, available in quantities:
        store.activate(item["id"], location_id, now, available)
    return variant


def update_variant(store, now, variant, data):
    """Apply the fields present in ``data`` (absent means unchanged, null clears)."""
    if "price" in data and data["price"] is not None:
        variant["price"] = money(data["price"])
    if "compareAtPrice" in data:
        value = data["compareAtPrice"]
        variant["compareAtPrice"] = money(value) if value not in (None, "") else None
    for key in ("barcode", "inventoryPolicy", "taxable", "taxCode"):
        if key in data:
            variant[key] = data[key]
    item_input = data.get("inventoryItem")
    if item_input:
        item = store.objects[variant["inventoryItem"]]
        if "sku" in item_input:
            variant["sku"] = item["sku"] = item_input["sku"]
            store.index_sku(variant)
        if "tracked" in item_input:
            item["tracked"] = bool(item_input["tracked"])
        if item_input.get("cost") is not None:
            item["unitCost"] = {
                "amount": money(item_input["cost"]),
                "currencyCode": store.shop["currencyCode"],
            }
        item["updatedAt"] = now
    if data.get("optionValues"):
        product = store.objects[variant["product"]]
        selected = selected_from_input(product, data["optionValues"])
        ensure_option_values(store, product, selected)
        variant["selectedOptions"] = selected
        variant["title"] = " / ".join(s["value"] for s in selected)
    variant["updatedAt"] = now
    store.objects[variant["product"]]["updatedAt"] = now


def delete_variant(store, variant):
    product = store.objects[variant["product"]]
    product["variants"].remove(variant["id"])
    store.by_type["ProductVariant"].remove(variant["id"])
    if variant.get("sku") and store.sku_index.get(variant["sku"]) == variant["id"]:
        del store.sku_index[variant["sku"]]
    del store.objects[variant["id"]]
