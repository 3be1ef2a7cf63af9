"""GraphQL execution: errors, paging, search, nodes, money and cost extensions."""

from decimal import Decimal

PRODUCTS = """query($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    edges { cursor node { id title variants(first: 10) { nodes { sku price } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def test_invalid_document_has_shopify_error_shape(client):
    body = client.gql("{ shop { nameX } }")
    assert "data" not in body
    error = body["errors"][0]
    assert "nameX" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 10}]
    assert error["extensions"]["code"] == "undefinedField"
    assert "cost" in body["extensions"]


def test_syntax_error_and_bad_variables_do_not_crash(client):
    body = client.gql("{ shop { name ")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    body = client.gql("query($id: ID!) { order(id: $id) { name } }", {})
    assert body["errors"] and "$id" in body["errors"][0]["message"]


def test_unsupported_root_field_is_a_clear_error(client):
    body = client.gql("{ collections(first: 1) { nodes { id } } }")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_SUPPORTED"
    assert "collections" in error["message"]


def test_paging_with_cursors_covers_every_product_once(client, sim):
    seen, after, pages = [], None, 0
    while True:
        body = client.gql(PRODUCTS, {"first": 15, "after": after})
        connection = body["data"]["products"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        assert connection["pageInfo"]["hasPreviousPage"] == (after is not None)
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
        assert after == connection["edges"][-1]["cursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 40
    last = client.gql("{ products(last: 5) { nodes { id } } }")["data"]["products"]["nodes"]
    assert [n["id"] for n in last] == seen[-5:]


def test_first_above_250_is_refused(client):
    body = client.gql("{ products(first: 251) { nodes { id } } }")
    assert body["errors"][0]["extensions"]["code"] == "MAX_PAGE_SIZE_EXCEEDED"
    assert body.get("data") is None


def test_cost_extension_and_actual_cost_below_requested(client):
    body = client.gql("{ locations(first: 50) { nodes { id name } } }")
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 52
    assert cost["actualQueryCost"] == 4  # 2 locations x 1 + 2
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] == 2000 - 4


def test_node_and_nodes_by_gid(client, sim):
    variant = sim.variant("SKU-00001-1")
    body = client.gql(
        "query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on ProductVariant { sku } } "
        "nodes(ids: $ids) { __typename id } }",
        {
            "id": variant["id"],
            "ids": [variant["id"], variant["inventoryItem"], "gid://shopify/Order/999999"],
        },
    )
    assert body["data"]["node"] == {"id": variant["id"], "sku": "SKU-00001-1"}
    assert [n and n["__typename"] for n in body["data"]["nodes"]] == [
        "ProductVariant",
        "InventoryItem",
        None,
    ]


def test_variant_by_sku_and_inventory_levels(client, sim):
    body = client.gql("""{ productVariants(first: 5, query: "sku:SKU-00002-1") {
        nodes { sku barcode price inventoryItem { id tracked
          inventoryLevels(first: 5) { nodes { location { id }
            quantities(names: ["available", "on_hand", "committed"]) { name quantity }
        } } } } } }""")
    nodes = body["data"]["productVariants"]["nodes"]
    assert len(nodes) == 1 and nodes[0]["sku"] == "SKU-00002-1"
    barcode = nodes[0]["barcode"]
    checksum = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(barcode[:12]))
    assert len(barcode) == 13 and (10 - checksum % 10) % 10 == int(barcode[12])
    levels = nodes[0]["inventoryItem"]["inventoryLevels"]["nodes"]
    assert len(levels) == 2
    for level in levels:
        q = {x["name"]: x["quantity"] for x in level["quantities"]}
        assert q["available"] == sim.available("SKU-00002-1", level["location"]["id"])
        assert q["on_hand"] >= q["available"] + q["committed"]


def test_location_inventory_levels_page(client, sim):
    location = sim.locations()[0]["id"]
    query = """query($id: ID!, $after: String) { location(id: $id) {
        inventoryLevels(first: 50, after: $after) { nodes { item { id sku } }
        pageInfo { hasNextPage endCursor } } } }"""
    after, items = None, []
    while True:
        page = client.gql(query, {"id": location, "after": after})["data"]["location"]
        items += [n["item"]["id"] for n in page["inventoryLevels"]["nodes"]]
        if not page["inventoryLevels"]["pageInfo"]["hasNextPage"]:
            break
        after = page["inventoryLevels"]["pageInfo"]["endCursor"]
    assert len(items) == len(set(items)) == len(sim.store.all("InventoryItem"))


ORDER_FIELDS = """id name updatedAt displayFinancialStatus displayFulfillmentStatus tags test
  cancelledAt taxesIncluded
  subtotalPriceSet { shopMoney { amount } } totalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } } totalShippingPriceSet { shopMoney { amount } }
  currentTotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount } }
  shippingLines(first: 1) { nodes { title originalPriceSet { shopMoney { amount } }
    taxLines { rate priceSet { shopMoney { amount } } } } }
  lineItems(first: 6) { nodes { sku quantity currentQuantity refundableQuantity
    originalUnitPriceSet { shopMoney { amount } } discountedTotalSet { shopMoney { amount } }
    discountAllocations { allocatedAmountSet { shopMoney { amount } } }
    taxLines { rate ratePercentage title priceSet { shopMoney { amount } } } variant { id } } }"""


def _all_orders(client, query="", sort="UPDATED_AT", reverse=False):
    out, after = [], None
    while True:
        body = client.gql(
            "query($q: String, $after: String, $sort: OrderSortKeys, $rev: Boolean) { "
            "orders(first: 5, after: $after, query: $q, sortKey: $sort, reverse: $rev) { "
            f"nodes {{ {ORDER_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}",
            {"q": query, "after": after, "sort": sort, "rev": reverse},
        )
        assert "errors" not in body, body["errors"]
        connection = body["data"]["orders"]
        out += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            return out
        after = connection["pageInfo"]["endCursor"]


def test_order_totals_are_consistent_to_the_cent(client):
    orders = _all_orders(client)
    assert len(orders) == 30
    for order in orders:
        amount = lambda bag: Decimal(bag["shopMoney"]["amount"])  # noqa: E731
        lines = order["lineItems"]["nodes"]
        originals = sum(amount(li["originalUnitPriceSet"]) * li["quantity"] for li in lines)
        discounts = sum(
            amount(a["allocatedAmountSet"]) for li in lines for a in li["discountAllocations"]
        )
        subtotal = sum(amount(li["discountedTotalSet"]) for li in lines)
        assert originals - discounts == subtotal == amount(order["subtotalPriceSet"])
        shipping = amount(order["totalShippingPriceSet"])
        taxes = sum(amount(t["priceSet"]) for li in lines for t in li["taxLines"]) + sum(
            amount(t["priceSet"]) for s in order["shippingLines"]["nodes"] for t in s["taxLines"]
        )
        assert taxes == amount(order["totalTaxSet"])
        assert amount(order["totalPriceSet"]) == subtotal + shipping
        assert order["currentTotalPriceSet"]["shopMoney"]["currencyCode"] == "EUR"
        assert all(li["refundableQuantity"] == li["currentQuantity"] for li in lines)


def test_seeded_orders_cover_the_variety(client):
    orders = _all_orders(client, "status:any")
    statuses = {o["displayFinancialStatus"] for o in orders}
    assert {"PAID", "PENDING", "AUTHORIZED"} <= statuses
    assert any(o["cancelledAt"] for o in orders)
    assert any(
        li["variant"] is None and li["sku"] for o in orders for li in o["lineItems"]["nodes"]
    )


def test_orders_search_filters(client, sim):
    every = _all_orders(client)
    paid = _all_orders(client, "financial_status:paid")
    assert paid and all(o["displayFinancialStatus"] == "PAID" for o in paid)
    either = _all_orders(client, "financial_status:paid,pending")
    assert {o["displayFinancialStatus"] for o in either} <= {"PAID", "PENDING"}
    assert len(either) == len(
        _all_orders(client, "financial_status:paid OR financial_status:pending")
    )
    unshipped = _all_orders(client, "fulfillment_status:unshipped")
    assert all(o["displayFulfillmentStatus"] == "UNFULFILLED" for o in unshipped)
    cut = sorted(o["updatedAt"] for o in every)[len(every) // 2]
    newer = _all_orders(client, f"updated_at:>'{cut}'")
    assert newer and all(o["updatedAt"] > cut for o in newer)
    assert len(_all_orders(client, f"updated_at:>={cut}")) == len(newer) + sum(
        o["updatedAt"] == cut for o in every
    )
    cancelled = _all_orders(client, "status:cancelled")
    assert cancelled and all(o["cancelledAt"] for o in cancelled)
    open_orders = _all_orders(client, "status:open test:false")
    assert all(not o["cancelledAt"] and not o["test"] for o in open_orders)
    gid = sim.place_order([{"sku": "SKU-00003-1", "quantity": 1}], tags=["Lieferung: 2026-12-01"])
    tagged = _all_orders(client, "tag:'Lieferung: 2026-12-01'")
    assert gid in [o["id"] for o in tagged]
    untagged = _all_orders(client, "tag_not:'Lieferung: 2026-12-01'")
    assert gid not in [o["id"] for o in untagged]
    assert len(tagged) + len(untagged) == len(every) + 1


def test_updated_at_sort_and_cursor_stability(client, sim, clock):
    orders = _all_orders(client)
    stamps = [(o["updatedAt"], int(o["id"].rsplit("/", 1)[1])) for o in orders]
    assert stamps == sorted(stamps)
    reverse = _all_orders(client, reverse=True)
    assert [o["id"] for o in reverse] == [o["id"] for o in orders][::-1]
    first = client.gql(
        "{ orders(first: 5, sortKey: UPDATED_AT) { nodes { id } pageInfo { endCursor } } }"
    )["data"]["orders"]
    moved = first["nodes"][0]["id"]
    clock.advance(60)
    sim.touch(moved)  # changes while paging: the order moves to the end
    rest, after = [], first["pageInfo"]["endCursor"]
    while after:
        page = client.gql(
            "query($a: String) { orders(first: 10, after: $a, sortKey: UPDATED_AT)"
            " { nodes { id } pageInfo { hasNextPage endCursor } } }",
            {"a": after},
        )["data"]["orders"]
        rest += [n["id"] for n in page["nodes"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    seen = [n["id"] for n in first["nodes"]] + rest
    assert set(seen) == {o["id"] for o in orders}
    assert rest[-1] == moved  # seen again at the end, nothing skipped


def test_products_updated_at_search(client, sim, clock):
    clock.advance(3600)
    cut = sim.now()
    clock.advance(1)
    sim.set_price("SKU-00004-1", "12.34")
    body = client.gql(
        "query($q: String) { products(first: 50, query: $q) { nodes { id "
        "variants(first: 5) { nodes { sku price } } } } }",
        {"q": f"updated_at:>'{cut}'"},
    )
    nodes = body["data"]["products"]["nodes"]
    assert len(nodes) == 1
    assert {"sku": "SKU-00004-1", "price": "12.34"} in nodes[0]["variants"]["nodes"]


def test_shop_and_app_installation(client, sim):
    body = client.gql(
        "{ shop { name myshopifyDomain currencyCode ianaTimezone taxesIncluded "
        "weightUnit plan { displayName } } currentAppInstallation { "
        "accessScopes { handle } } }"
    )
    shop = body["data"]["shop"]
    assert shop["myshopifyDomain"] == "simulator-shop.myshopify.com"
    assert shop["currencyCode"] == "EUR" and shop["taxesIncluded"] is True
    handles = {s["handle"] for s in body["data"]["currentAppInstallation"]["accessScopes"]}
    assert {"read_orders", "write_inventory"} <= handles
