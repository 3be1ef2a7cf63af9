"""The simulator delivers webhooks as Shopify does: to a real HTTP receiver,
signed, with Shopify's headers, retried with backoff on the (fake) clock,
and with the delivery faults a receiver must survive."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shopify_api import webhooks
from shopify_simulator import FakeClock, Simulator, SimulatorServer
from shopify_simulator.webhook_delivery import RETRY_DELAYS

HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
)


class Receiver:
    """An HTTP endpoint that records deliveries and answers ``statuses`` in turn
    (the last one for every further delivery)."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.received = []
        self.hold = None  # a threading.Event the answer waits for
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.hold is not None:
                    receiver.hold.wait(4)
                receiver.received.append((dict(self.headers), body))
                status = (
                    receiver.statuses.pop(0)
                    if len(receiver.statuses) > 1
                    else receiver.statuses[0]
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/shopify_connector/webhook/1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def topics(self):
        return [headers["X-Shopify-Topic"] for headers, _body in self.received]

    def payloads(self, topic=None):
        return [
            json.loads(body)
            for headers, body in self.received
            if topic is None or headers["X-Shopify-Topic"] == topic
        ]


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def shop():
    return Simulator(seed=3, products=6, variants_per_product=(1, 1), orders=0, clock=FakeClock())


def subscribe(sim, uri, *topics):
    doc = webhooks.WEBHOOK_SUBSCRIPTION_CREATE
    for topic in topics:
        variables = {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}}
        body = sim.execute(doc.text, variables)
        assert body["data"]["webhookSubscriptionCreate"]["userErrors"] == [], body


def subscriptions(sim):
    doc = webhooks.WEBHOOK_SUBSCRIPTIONS
    return sim.execute(doc.text, doc.variables)["data"]["webhookSubscriptions"]["nodes"]


def sku(sim, index=0):
    return sim.store.all("ProductVariant")[index]["sku"]


def place(sim, quantity=1, **kwargs):
    return sim.place_order(lines=[{"sku": sku(sim), "quantity": quantity}], **kwargs)


def test_a_placed_paid_order_is_delivered_signed_with_shopifys_headers(shop, receiver):
    subscribe(shop, receiver.url, "ORDERS_CREATE", "ORDERS_PAID", "PRODUCTS_UPDATE")
    order_gid = place(shop)
    assert receiver.received == []  # nothing is sent inside the call
    assert shop.webhooks.deliver_due() == 2
    assert receiver.topics() == ["orders/create", "orders/paid"]
    order = shop.order(order_gid)
    event_ids = set()
    for headers, body in receiver.received:
        assert all(headers.get(name) for name in HEADERS), headers
        assert webhooks.verify(body, shop.client_secret, headers["X-Shopify-Hmac-Sha256"])
        assert headers["X-Shopify-Shop-Domain"] == shop.shop_domain
        assert headers["X-Shopify-API-Version"] == "2026-10"
        payload = json.loads(body)
        assert payload["admin_graphql_api_id"] == order_gid
        assert str(payload["id"]) == order_gid.rsplit("/", 1)[1]
        assert (payload["name"], payload["updated_at"]) == (order["name"], order["updatedAt"])
        assert payload["line_items"][0]["sku"] == sku(shop)
        parsed = webhooks.parse_delivery(headers, body)
        assert (parsed["order_gid"], parsed["topic"]) == (order_gid, headers["X-Shopify-Topic"])
        event_ids.add(parsed["event_id"])
    assert len(event_ids) == 2  # two events, one ID each
    assert shop.webhooks.counters["delivered"] == 2


def test_each_change_sends_its_topics_with_the_ids_a_receiver_needs(shop, receiver):
    subscribe(shop, receiver.url, *webhooks.TOPICS.values())
    order_gid = place(shop, quantity=2, financial_status="PENDING")
    shop.mark_paid(order_gid)
    shop.fulfill(order_gid, lines={sku(shop): 1})
    shop.fulfill(order_gid)
    shop.refund(order_gid, [{"sku": sku(shop), "quantity": 1}])
    shop.cancel(place(shop))
    shop.set_price(sku(shop, 1), "19.90")
    shop.set_quantity(sku(shop, 2), 7)
    shop.webhooks.deliver_due()
    assert receiver.topics() == [
        "orders/create",
        "orders/paid",
        "orders/updated",
        "fulfillments/create",
        "orders/partially_fulfilled",
        "orders/updated",
        "fulfillments/create",
        "orders/fulfilled",
        "orders/updated",
        "refunds/create",
        "orders/updated",
        "orders/create",
        "orders/paid",
        "orders/cancelled",
        "orders/updated",
        "products/update",
        "inventory_levels/update",
    ]
    order_number = int(order_gid.rsplit("/", 1)[1])
    refund = receiver.payloads("refunds/create")[0]
    assert refund["order_id"] == order_number
    assert refund["refund_line_items"][0]["quantity"] == 1
    assert {f["order_id"] for f in receiver.payloads("fulfillments/create")} == {order_number}
    assert receiver.payloads("orders/cancelled")[0]["cancelled_at"]
    assert receiver.payloads("orders/paid")[0]["financial_status"] == "paid"
    product = receiver.payloads("products/update")[0]
    assert product["variants"][0]["price"] == "19.90"
    assert receiver.payloads("inventory_levels/update")[0]["available"] == 7
    for headers, body in receiver.received:
        parsed = webhooks.parse_delivery(headers, body)
        if headers["X-Shopify-Topic"] in webhooks.ORDER_TOPICS:
            assert parsed["order_gid"], headers["X-Shopify-Topic"]
        assert parsed["resource_gid"], headers["X-Shopify-Topic"]


def test_uninstalling_the_app_sends_app_uninstalled_and_revokes_its_tokens(shop, receiver):
    subscribe(shop, receiver.url, "APP_UNINSTALLED", "ORDERS_CREATE")
    token = shop.access_token
    shop.uninstall_app()
    shop.webhooks.deliver_due()
    assert receiver.topics() == ["app/uninstalled"]
    assert receiver.payloads()[0]["myshopify_domain"] == shop.shop_domain
    assert shop.execute("{ shop { name } }", token=token)["status"] == 401


def test_a_refused_delivery_is_retried_with_backoff_then_the_subscription_deleted(shop, receiver):
    receiver.statuses = [500]
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    place(shop)
    assert shop.webhooks.deliver_due() == 1
    for delay in RETRY_DELAYS:
        shop.clock.advance(delay - 1)
        assert shop.webhooks.deliver_due() == 0  # not due yet
        shop.clock.advance(1)
        assert shop.webhooks.deliver_due() == 1
    assert len(receiver.received) == 1 + 8
    assert sum(RETRY_DELAYS) >= 3.5 * 3600
    assert len({h["X-Shopify-Webhook-Id"] for h, _b in receiver.received}) == 1
    assert len({h["X-Shopify-Event-Id"] for h, _b in receiver.received}) == 1
    assert subscriptions(shop) == []
    assert shop.webhooks.counters["subscriptions_removed"] == 1
    assert shop.webhooks.pending() == 0
    place(shop)  # no subscription left: nothing is queued
    assert shop.webhooks.pending() == 0


def test_a_retry_is_delivered_once_the_receiver_answers_again(shop, receiver):
    receiver.statuses = [503, 401, 200]
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    place(shop)
    shop.webhooks.deliver_due()
    for delay in RETRY_DELAYS[:2]:
        shop.clock.advance(delay)
        shop.webhooks.deliver_due()
    assert len(receiver.received) == 3
    assert shop.webhooks.counters["delivered"] == 1
    assert shop.webhooks.pending() == 0
    assert len(subscriptions(shop)) == 1


def test_an_unreachable_address_is_a_failed_try(shop, receiver):
    url = receiver.url
    receiver.close()  # nothing listens there any more
    subscribe(shop, url, "ORDERS_CREATE")
    place(shop)
    assert shop.webhooks.deliver_due() == 1
    assert shop.webhooks.counters["failed_tries"] == 1
    assert shop.webhooks.pending() == 1  # queued for its first retry
    assert shop.webhooks.log[-1]["status"] == "ConnectionError"


def test_duplicates_repeat_the_event_id_and_drops_lose_the_event(shop, receiver):
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    shop.webhooks.configure(duplicates=1.0)
    place(shop)
    shop.webhooks.deliver_due()
    first, second = (headers for headers, _body in receiver.received)
    assert first["X-Shopify-Event-Id"] == second["X-Shopify-Event-Id"]
    assert first["X-Shopify-Webhook-Id"] != second["X-Shopify-Webhook-Id"]
    shop.webhooks.configure(drops=1.0)
    place(shop)
    assert shop.webhooks.deliver_due() == 0
    assert shop.webhooks.counters["dropped"] == 1
    assert len(receiver.received) == 2


def test_a_forged_copy_is_not_signed_with_the_apps_secret(shop, receiver):
    receiver.statuses = [401]  # what a receiver checking signatures answers
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    shop.webhooks.configure(forged=1.0)
    place(shop)
    shop.webhooks.deliver_due()
    assert len(receiver.received) == 2
    genuine = [
        webhooks.verify(body, shop.client_secret, headers["X-Shopify-Hmac-Sha256"])
        for headers, body in receiver.received
    ]
    assert sorted(genuine) == [False, True]
    # the genuine one is retried after the 401, the forgery never
    assert shop.webhooks.counters["forged_refused"] == 1
    assert shop.webhooks.pending() == 1


def test_delays_and_shuffling_reorder_deliveries_and_lose_none(shop, receiver):
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    shop.webhooks.configure(delay=60, shuffle=True, seed=5)
    placed = [place(shop) for _ in range(12)]
    shop.clock.advance(60)
    assert shop.webhooks.deliver_due() == 12
    arrived = [p["admin_graphql_api_id"] for p in receiver.payloads()]
    assert sorted(arrived) == sorted(placed)
    assert arrived != placed


def test_an_outage_holds_deliveries_until_it_is_over(shop, receiver):
    subscribe(shop, receiver.url, "ORDERS_CREATE")
    shop.webhooks.outage(120)
    place(shop)
    assert shop.webhooks.deliver_due() == 0
    shop.clock.advance(120)
    assert shop.webhooks.deliver_due() == 1


def test_the_servers_thread_delivers_after_the_order_call_has_answered(receiver):
    sim = Simulator(seed=4, products=3, variants_per_product=(1, 1), orders=0)
    subscribe(sim, receiver.url, "ORDERS_CREATE")
    receiver.hold = threading.Event()
    with SimulatorServer(sim) as server:
        answer = requests.post(
            f"{server.base_url}/_simulator/place_order",
            json={"lines": [{"sku": sku(sim), "quantity": 1}]},
            timeout=10,
        )
        assert answer.status_code == 200
        # the order call answered while the receiver still holds the delivery
        assert receiver.received == []
        receiver.hold.set()
        assert sim.webhooks.wait_idle(10)
        status = requests.get(f"{server.base_url}/_simulator/webhooks", timeout=10).json()
    assert receiver.payloads()[0]["admin_graphql_api_id"] == answer.json()["result"]
    assert status["result"]["counters"]["delivered"] == 1


def test_faults_are_set_over_the_control_api(receiver):
    sim = Simulator(seed=4, products=3, variants_per_product=(1, 1), orders=0, clock=FakeClock())
    with SimulatorServer(sim) as server:
        url = f"{server.base_url}/_simulator/webhooks"
        answer = requests.post(url, json={"drops": 0.2, "forged": 0.1}, timeout=10).json()
        assert (answer["result"]["drops"], answer["result"]["forged"]) == (0.2, 0.1)
        held = requests.post(f"{url}/outage", json={"seconds": 30}, timeout=10).json()
        assert held["result"]["held_until"] == sim.clock.monotonic() + 30
        assert requests.get(f"{url}/log", timeout=10).json() == {"result": []}
