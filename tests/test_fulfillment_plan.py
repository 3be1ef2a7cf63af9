"""Fulfilment planning (pure) and the fulfilment documents against the simulator."""

import pytest

from shopify_api import fulfillment as ff
from shopify_api.client import ShopifyClient, reset_throttle_states
from shopify_simulator import Simulator, SimulatorServer

HERE = "gid://shopify/Location/1"
THERE = "gid://shopify/Location/2"


def fo(gid, status="OPEN", location=HERE, **remaining):
    return {
        "gid": gid,
        "status": status,
        "location_gid": location,
        "lines": [
            {"gid": f"{gid}/{line}", "line_gid": line, "remaining": qty, "total": qty}
            for line, qty in remaining.items()
        ],
    }


def test_a_delivery_ships_its_quantities_from_one_fulfillment_order():
    plan = ff.plan_fulfillment([fo("F1", A=3, B=1)], {"A": 2, "B": 1})
    assert plan["missing"] == {}
    [group] = plan["groups"]
    assert group["location_gid"] == HERE
    assert group["fulfillment_orders"] == [
        {
            "gid": "F1",
            "status": "OPEN",
            "items": [{"id": "F1/A", "quantity": 2}, {"id": "F1/B", "quantity": 1}],
        }
    ]


def test_never_more_than_remains_and_the_rest_is_reported_missing():
    plan = ff.plan_fulfillment([fo("F1", A=1)], {"A": 3, "X": 1, "Z": 0})
    assert plan["groups"][0]["fulfillment_orders"][0]["items"] == [{"id": "F1/A", "quantity": 1}]
    assert plan["missing"] == {"A": 2, "X": 1}


def test_closed_fulfillment_orders_are_skipped_and_the_connected_location_comes_first():
    orders = [
        fo("F0", status="CLOSED", A=5),
        fo("F1", location=THERE, A=2),
        fo("F2", location=HERE, A=2),
    ]
    plan = ff.plan_fulfillment(orders, {"A": 3}, location_gid=HERE)
    assert [
        (g["location_gid"], [f["gid"] for f in g["fulfillment_orders"]]) for g in plan["groups"]
    ] == [
        (HERE, ["F2"]),
        (THERE, ["F1"]),
    ]
    assert plan["groups"][0]["fulfillment_orders"][0]["items"][0]["quantity"] == 2
    assert plan["groups"][1]["fulfillment_orders"][0]["items"][0]["quantity"] == 1


def test_a_fulfillment_order_on_hold_is_planned_so_that_shopify_gives_its_reason():
    plan = ff.plan_fulfillment([fo("F1", status="ON_HOLD", A=1)], {"A": 1})
    assert plan["groups"][0]["fulfillment_orders"][0]["status"] == "ON_HOLD"


def test_what_shopify_shipped_beyond_the_known_deliveries_is_not_shipped_again():
    shipped = ff.fulfilled_quantities(
        [
            {"gid": "f1", "status": "SUCCESS", "lines": {"A": 2}},
            {"gid": "f2", "status": "CANCELLED", "lines": {"A": 5}},
        ]
    )
    assert shipped == {"A": 2}
    # the first delivery (2 x A) was pushed but its answer lost: nothing to send
    assert ff.still_to_ship({"A": 2}, shipped, {}) == {"A": 0}
    # known already: the backorder ships in full
    assert ff.still_to_ship({"A": 1}, shipped, {"A": 2}) == {"A": 1}


def test_fulfillment_input_with_tracking_and_notification():
    value = ff.fulfillment_input(
        [{"gid": "F1", "items": [{"id": "F1/A", "quantity": 1}]}],
        {"company": "DHL", "number": "00340434", "url": None},
        notify_customer=True,
    )
    assert value == {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": "F1",
                "fulfillmentOrderLineItems": [{"id": "F1/A", "quantity": 1}],
            }
        ],
        "notifyCustomer": True,
        "trackingInfo": {"company": "DHL", "number": "00340434"},
    }
    assert "trackingInfo" not in ff.fulfillment_input([], {"company": "DHL"})


@pytest.fixture
def sim_client():
    reset_throttle_states()
    sim = Simulator(seed=5, products=3, variants_per_product=(1, 1), orders=0)
    with SimulatorServer(sim) as server:
        client = ShopifyClient(
            domain=sim.shop_domain,
            base_url=server.base_url,
            access_token=sim.access_token,
            sleep=lambda s: None,
        )
        yield sim, client


def test_partial_then_rest_against_the_simulator(sim_client):
    sim, client = sim_client
    sku = sim.store.all("ProductVariant")[0]["sku"]
    order = sim.place_order(lines=[{"sku": sku, "quantity": 3}])
    committed = sim.quantity(sku, "committed")
    line_gid = sim.order(order)["lineItems"][0]
    orders = ff.fetch_fulfillment_orders(client, order)
    assert [len(o["lines"]) for o in orders] == [1]
    plan = ff.plan_fulfillment(orders, {line_gid: 2}, orders[0]["location_gid"])
    payload = client.mutate(
        ff.FULFILLMENT_CREATE,
        {
            "fulfillment": ff.fulfillment_input(
                plan["groups"][0]["fulfillment_orders"], {"company": "DHL", "number": "1"}
            )
        },
        "fulfillmentCreate",
    )
    assert payload["fulfillment"]["trackingInfo"][0]["number"] == "1"
    assert sim.quantity(sku, "committed") == committed - 2
    shipped = ff.fulfilled_quantities(ff.fetch_fulfillments(client, order))
    assert shipped == {line_gid: 2}
    orders = ff.fetch_fulfillment_orders(client, order)
    assert orders[0]["lines"][0]["remaining"] == 1
    plan = ff.plan_fulfillment(orders, {line_gid: 1})
    client.mutate(
        ff.FULFILLMENT_CREATE,
        {"fulfillment": ff.fulfillment_input(plan["groups"][0]["fulfillment_orders"])},
        "fulfillmentCreate",
    )
    assert sim.quantity(sku, "committed") == committed - 3
    assert ff.fulfilled_quantities(ff.fetch_fulfillments(client, order)) == {line_gid: 3}
