"""Shopify semantics: stock, idempotency, prices, throttling, faults, auth, seeding."""

import subprocess
import sys
import time

import pytest
import requests

from shopify_simulator import FakeClock, Simulator, SimulatorServer

SET = """mutation($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange item { id } } }
    userErrors { field message code } } }"""


def _level_input(sim, sku, quantity, change_from=..., location=None):
    variant = sim.variant(sku)
    entry = {
        "inventoryItemId": variant["inventoryItem"],
        "locationId": location or sim.locations()[0]["id"],
        "quantity": quantity,
    }
    if change_from is not ...:
        entry["changeFromQuantity"] = change_from
    return entry


def test_order_placement_commits_and_fulfilment_releases(client, sim):
    before = sim.quantity("SKU-00005-1", "available", sim.locations()[0]["id"])
    committed = sim.quantity("SKU-00005-1", "committed", sim.locations()[0]["id"])
    on_hand = sim.quantity("SKU-00005-1", "on_hand", sim.locations()[0]["id"])
    order = sim.place_order(
        [
            {"sku": "SKU-00005-1", "quantity": 3},
            {"sku": "NOT-IN-CATALOGUE", "quantity": 1, "price": "9.99"},
        ]
    )
    loc = sim.locations()[0]["id"]
    assert sim.available("SKU-00005-1", loc) == before - 3
    assert sim.quantity("SKU-00005-1", "committed", loc) == committed + 3
    assert sim.quantity("SKU-00005-1", "on_hand", loc) == on_hand
    body = client.gql(
        """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
        fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id } }
        lineItems(first: 10) { nodes { id sku remainingQuantity } } } } } }""",
        {"id": order},
    )
    fo = body["data"]["order"]["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "OPEN" and fo["assignedLocation"]["location"]["id"] == loc
    line = next(li for li in fo["lineItems"]["nodes"] if li["sku"] == "SKU-00005-1")
    result = client.gql(
        """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
        fulfillment { id status trackingInfo { number company } }
        userErrors { field message } } }""",
        {
            "f": {
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo["id"],
                        "fulfillmentOrderLineItems": [{"id": line["id"], "quantity": 2}],
                    }
                ],
                "trackingInfo": {"number": "123", "company": "DHL"},
                "notifyCustomer": False,
            }
        },
    )
    payload = result["data"]["fulfillmentCreate"]
    assert payload["userErrors"] == [] and payload["fulfillment"]["status"] == "SUCCESS"
    assert sim.quantity("SKU-00005-1", "committed", loc) == committed + 1
    assert sim.quantity("SKU-00005-1", "on_hand", loc) == on_hand - 2
    stored = sim.order(order)
    assert stored["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert sim.store.objects[fo["id"]]["status"] == "IN_PROGRESS"
    sim.cancel(order, restock=True)
    assert sim.quantity("SKU-00005-1", "committed", loc) == committed
    assert sim.available("SKU-00005-1", loc) == before - 2


def test_on_hold_fulfillment_order_is_refused(client, sim):
    order = sim.place_order([{"sku": "SKU-00006-1", "quantity": 1}], on_hold=True)
    fo = sim.order(order)["fulfillmentOrders"][0]
    result = client.gql(
        """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
        fulfillment { id } userErrors { field message } } }""",
        {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}},
    )
    payload = result["data"]["fulfillmentCreate"]
    assert payload["fulfillment"] is None and "on hold" in payload["userErrors"][0]["message"]


def test_refund_restock_types(sim):
    loc = sim.locations()[0]["id"]
    start = sim.available("SKU-00007-1", loc)
    order = sim.place_order([{"sku": "SKU-00007-1", "quantity": 4}])
    sim.refund(order, [{"sku": "SKU-00007-1", "quantity": 1}], restock_type="CANCEL")
    assert sim.available("SKU-00007-1", loc) == start - 3
    sim.fulfill(order)
    sim.refund(order, [{"sku": "SKU-00007-1", "quantity": 1}], restock_type="RETURN")
    assert sim.available("SKU-00007-1", loc) == start - 2
    sim.refund(order, [{"sku": "SKU-00007-1", "quantity": 1}], restock_type="NO_RESTOCK")
    assert sim.available("SKU-00007-1", loc) == start - 2
    stored = sim.order(order)
    assert stored["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    totals = sim.order_totals(order)
    line = sim.store.objects[stored["lineItems"][0]]
    assert line["currentQuantity"] == 1
    assert float(totals["totalRefundedSet"]) > 0


def test_inventory_set_quantities_and_compare_and_swap(client, sim):
    loc = sim.locations()[0]["id"]
    current = sim.available("SKU-00008-1", loc)
    other = sim.available("SKU-00009-1", loc)
    stale = client.gql(
        SET % "k-stale",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": "odoo://x",
                "quantities": [
                    _level_input(sim, "SKU-00008-1", 5, current),
                    _level_input(sim, "SKU-00009-1", 6, other + 1),
                ],
            }
        },
    )
    payload = stale["data"]["inventorySetQuantities"]
    assert payload["inventoryAdjustmentGroup"] is None
    assert payload["userErrors"] == [
        {
            "field": ["input", "quantities", "1", "changeFromQuantity"],
            "message": "The changeFromQuantity value does not match persisted value.",
            "code": "CHANGE_FROM_QUANTITY_STALE",
        }
    ]
    assert sim.available("SKU-00008-1", loc) == current  # whole call refused
    ok = client.gql(
        SET % "k-ok",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    _level_input(sim, "SKU-00008-1", 5, current),
                    _level_input(sim, "SKU-00009-1", 6, None),
                ],
            }
        },
    )
    group = ok["data"]["inventorySetQuantities"]["inventoryAdjustmentGroup"]
    assert {(c["name"], c["quantityAfterChange"]) for c in group["changes"]} >= {
        ("available", 5),
        ("available", 6),
    }
    assert sim.available("SKU-00008-1", loc) == 5 and sim.available("SKU-00009-1", loc) == 6
    missing = client.gql(
        SET % "k-missing",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [_level_input(sim, "SKU-00008-1", 7)],
            }
        },
    )
    assert (
        missing["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "COMPARE_QUANTITY_REQUIRED"
    )


def test_idempotency_key_required_and_replayed(client, sim):
    loc = sim.locations()[0]["id"]
    query = SET.replace(' @idempotent(key: "%s")', "")
    entry = _level_input(sim, "SKU-00010-1", 11, None)
    body = client.gql(
        query, {"input": {"name": "available", "reason": "correction", "quantities": [entry]}}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "@idempotent" in body["errors"][0]["message"]
    current = sim.available("SKU-00010-1", loc)
    variables = {
        "input": {
            "name": "available",
            "reason": "correction",
            "quantities": [_level_input(sim, "SKU-00010-1", current + 5, current)],
        }
    }
    first = client.gql(SET % "same-key", variables)
    sim.set_quantity("SKU-00010-1", 1, location=loc)  # an order or a person changes it
    again = client.gql(SET % "same-key", variables)
    assert again["data"] == first["data"]
    assert sim.available("SKU-00010-1", loc) == 1  # not applied twice
    variables["input"]["quantities"][0]["quantity"] = 99
    mismatch = client.gql(SET % "same-key", variables)
    assert (
        mismatch["data"]["inventorySetQuantities"]["userErrors"][0]["code"]
        == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    )
    assert sim.counters["idempotent_replays"] == 1


def test_not_stocked_and_too_many_quantities(client, sim):
    item = sim.variant("SKU-00011-1")["inventoryItem"]
    loc = sim.locations()[1]["id"]
    sim.store.levels.pop((item, loc))
    sim.store.levels_by_item[item] = [
        lv for lv in sim.store.levels_by_item[item] if lv["location"] != loc
    ]
    body = client.gql(
        SET % "ns",
        {
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": loc,
                        "quantity": 1,
                        "changeFromQuantity": None,
                    }
                ],
            }
        },
    )
    error = body["data"]["inventorySetQuantities"]["userErrors"][0]
    assert error["code"] == "INVALID_LOCATION" and "not stocked" in error["message"]
    activate = client.gql(
        """mutation($i: ID!, $l: ID!) { inventoryActivate(inventoryItemId: $i,
        locationId: $l, available: 4) @idempotent(key: "act-1") { inventoryLevel {
        quantities(names: ["available"]) { quantity } } userErrors { message } } }""",
        {"i": item, "l": loc},
    )
    level = activate["data"]["inventoryActivate"]["inventoryLevel"]
    assert level["quantities"] == [{"quantity": 4}]
    many = [
        {"inventoryItemId": item, "locationId": loc, "quantity": 1, "changeFromQuantity": None}
    ] * 251
    body = client.gql(
        SET % "many", {"input": {"name": "available", "reason": "correction", "quantities": many}}
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


BULK = """mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $p, variants: $v) {
    productVariants { id price compareAtPrice } userErrors { field message code } } }"""


def test_variants_bulk_update_keeps_unsent_fields(client, sim):
    variant = sim.variant("SKU-00012-1")
    sim.set_price("SKU-00012-1", "20.00", compare_at_price="25.00")
    body = client.gql(
        BULK, {"p": variant["product"], "v": [{"id": variant["id"], "price": "19.50"}]}
    )
    assert body["data"]["productVariantsBulkUpdate"]["productVariants"] == [
        {"id": variant["id"], "price": "19.50", "compareAtPrice": "25.00"}
    ]
    body = client.gql(
        BULK, {"p": variant["product"], "v": [{"id": variant["id"], "compareAtPrice": None}]}
    )
    assert body["data"]["productVariantsBulkUpdate"]["productVariants"][0] == {
        "id": variant["id"],
        "price": "19.50",
        "compareAtPrice": None,
    }
    foreign = sim.variant("SKU-00013-1")
    body = client.gql(
        BULK, {"p": variant["product"], "v": [{"id": foreign["id"], "price": "1.00"}]}
    )
    payload = body["data"]["productVariantsBulkUpdate"]
    assert payload["productVariants"] is None
    assert payload["userErrors"][0]["code"] == "MUST_BE_FOR_THIS_PRODUCT"
    assert sim.variant("SKU-00013-1")["price"] == foreign["price"]


def test_product_set_creates_product_with_variants(client, sim):
    body = client.gql(
        """mutation($input: ProductSetInput!) { productSet(input: $input) {
        product { id title variants(first: 5) { nodes { sku price inventoryItem { tracked } } } }
        userErrors { message } } }""",
        {
            "input": {
                "title": "Odoo Export",
                "productOptions": [{"name": "Größe", "values": [{"name": "S"}, {"name": "M"}]}],
                "variants": [
                    {
                        "optionValues": [{"optionName": "Größe", "name": "S"}],
                        "sku": "ODOO-1-S",
                        "price": "10.00",
                    },
                    {
                        "optionValues": [{"optionName": "Größe", "name": "M"}],
                        "sku": "ODOO-1-M",
                        "price": "11.00",
                    },
                ],
            }
        },
    )
    product = body["data"]["productSet"]["product"]
    assert [v["sku"] for v in product["variants"]["nodes"]] == ["ODOO-1-S", "ODOO-1-M"]
    assert sim.available("ODOO-1-M") == 0


def test_throttling_with_fake_clock():
    clock = FakeClock()
    sim = Simulator(seed=3, products=5, orders=2, clock=clock, bucket_size=20, restore_rate=10)
    query = "{ products(first: 5) { nodes { id } } }"  # requested 7 = actual 7
    results = [sim.execute(query) for _ in range(3)]
    assert all("data" in r for r in results[:2])
    assert results[2]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 6
    assert results[2]["errors"][0] == {
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }
    assert "data" not in results[2]
    assert sim.counters["throttled"] == 1
    clock.advance(0.05)
    assert "errors" in sim.execute(query)  # 6.5 points < 7
    clock.advance(0.5)
    assert "data" in sim.execute(query)
    status = sim.execute(query)["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 20 and status["restoreRate"] == 10


def test_max_cost_is_refused_whole(sim):
    before = sim.bucket.status()["currentlyAvailable"]
    body = sim.execute(
        "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { sku } } } } }"
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["message"].startswith("Query cost is ")
    assert "data" not in body and sim.bucket.status()["currentlyAvailable"] == before


def test_faults_on_call_numbers(server, sim, client):
    sim.faults.on_calls({1: "500", 2: "429", 3: "throttled", 4: "drop", 5: "503"})
    query = "{ shop { name } }"
    assert client.post(query).status_code == 500
    response = client.post(query)
    assert response.status_code == 429 and float(response.headers["Retry-After"]) > 0
    body = client.post(query).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            server.graphql_url,
            json={"query": query},
            timeout=5,
            headers={"X-Shopify-Access-Token": sim.access_token},
        )
    assert client.post(query).status_code == 503
    assert client.post(query).json()["data"]["shop"]["name"]
    assert sim.counters["faults"] == 5


def test_faults_only_for_one_root_field_and_rates(sim):
    sim.faults.on_calls({1: "500"}, only="orders")
    assert "data" in sim.execute("{ shop { name } }")
    assert sim.execute("{ orders(first: 1) { nodes { id } } }")["status"] == 500
    sim.faults.configure(rates={"502": 1.0})
    assert sim.execute("{ shop { name } }")["status"] == 502
    sim.faults.clear()
    assert "data" in sim.execute("{ shop { name } }")


def test_latency_fault_and_control_endpoint():
    sim = Simulator(seed=2, products=3, orders=1)
    with SimulatorServer(sim) as server:
        url = server.base_url + "/_simulator/faults"
        assert requests.post(url, json={"calls": {"1": "latency:0.3"}}, timeout=5).ok
        started = time.monotonic()
        response = requests.post(
            server.graphql_url,
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": sim.access_token},
            timeout=5,
        )
        assert response.ok and time.monotonic() - started >= 0.3
        requests.delete(url, timeout=5)
        assert sim.faults.describe()["calls"] == {}


def test_auth_errors(server, sim, client):
    response = client.post("{ shop { name } }", token="shpat_wrong")
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }
    grant = server.base_url + "/admin/oauth/access_token"
    bad = requests.post(
        grant,
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": "nope",
        },
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    good = requests.post(
        grant,
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
        timeout=5,
    ).json()
    assert good["expires_in"] == 86399 and "read_orders" in good["scope"].split(",")
    assert client.post("{ shop { name } }", token=good["access_token"]).status_code == 200
    sim.clock.advance(86400)
    assert client.post("{ shop { name } }", token=good["access_token"]).status_code == 401
    sim.add_token("shpat_products_only", scopes=["read_products"])
    body = client.post(
        "{ orders(first: 1) { nodes { id } } products(first: 1) { nodes { id } } }",
        token="shpat_products_only",
    ).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "ACCESS_DENIED" and error["path"] == ["orders"]
    denied = client.post(
        """mutation { inventorySetQuantities(input: {name: "available",
        reason: "correction", quantities: []}) @idempotent(key: "a") {
        userErrors { message } } }""",
        token="shpat_products_only",
    ).json()
    assert denied["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_control_http_endpoints(server, sim):
    base = server.base_url + "/_simulator/"
    order = requests.post(
        base + "place_order",
        json={"lines": [{"sku": "SKU-00014-1", "quantity": 1}], "tags": ["Lieferung: 2026-12-01"]},
        timeout=5,
    ).json()["result"]
    assert order.startswith("gid://shopify/Order/")
    available = requests.get(base + "available", params={"sku": "SKU-00014-1"}, timeout=5).json()[
        "result"
    ]
    assert available == sim.available("SKU-00014-1")
    assert requests.post(base + "fulfill", json={"order_gid": order}, timeout=5).ok
    assert sim.order(order)["displayFulfillmentStatus"] == "FULFILLED"
    counters = requests.get(base + "counters", timeout=5).json()
    assert set(counters) >= {
        "calls",
        "points_requested",
        "points_actual",
        "throttled",
        "faults",
        "mutations",
    }
    info = requests.get(base + "info", timeout=5).json()
    assert info["shop_domain"] == sim.shop_domain and info["base_url"] == server.base_url
    assert requests.post(base + "nope", json={}, timeout=5).status_code == 404


def test_deterministic_seeding():
    one = Simulator(seed=11, products=20, orders=15, clock=FakeClock())
    two = Simulator(seed=11, products=20, orders=15, clock=FakeClock())
    three = Simulator(seed=12, products=20, orders=15, clock=FakeClock())
    assert one.snapshot() == two.snapshot() != three.snapshot()
    assert one.access_token == two.access_token


def test_command_line_prints_connection_details():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopify_simulator",
            "--port",
            "0",
            "--products",
            "3",
            "--orders",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = dict(process.stdout.readline().strip().split("=", 1) for _ in range(5))
        assert lines["shop_domain"] == "simulator-shop.myshopify.com"
        response = requests.post(
            lines["base_url"] + "/admin/api/2026-10/graphql.json",
            json={"query": "{ shop { name } }"},
            timeout=5,
            headers={"X-Shopify-Access-Token": lines["access_token"]},
        )
        assert response.json()["data"]["shop"]["name"] == "simulator-shop"
    finally:
        process.terminate()
        process.wait(timeout=5)
