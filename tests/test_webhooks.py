"""Webhook deliveries: signature, headers and payload, order filters, subscriptions."""

import base64
import hashlib
import hmac
import json
from datetime import datetime

import pytest

from shopify_api import webhooks
from shopify_api.order_queries import ORDERS_PAGE

SECRET = "app-client-secret"
BODY = json.dumps(
    {
        "id": 6100000001001,
        "admin_graphql_api_id": "gid://shopify/Order/6100000001001",
        "name": "#1001",
        "updated_at": "2026-03-02T10:16:03+01:00",
    }
).encode()


def headers(**extra):
    values = {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Hmac-Sha256": webhooks.sign(BODY, SECRET),
        "X-Shopify-Shop-Domain": "test-shop.myshopify.com",
        "X-Shopify-Webhook-Id": "w-1",
        "X-Shopify-Event-Id": "e-1",
        "X-Shopify-Triggered-At": "2026-03-02T09:16:04.123Z",
        "X-Shopify-API-Version": "2026-10",
    }
    values.update(extra)
    return values


def test_the_signature_is_the_base64_hmac_sha256_of_the_raw_body():
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest())
    assert webhooks.sign(BODY, SECRET) == expected.decode()
    assert webhooks.verify(BODY, SECRET, expected.decode())


@pytest.mark.parametrize(
    "secret, header, body",
    [
        (SECRET, None, BODY),  # missing
        (SECRET, "", BODY),
        (SECRET, "bm90IGl0", BODY),  # wrong
        ("another-shops-secret", webhooks.sign(BODY, SECRET), BODY),
        (SECRET, webhooks.sign(BODY, SECRET), BODY + b" "),  # body changed
        (None, webhooks.sign(BODY, SECRET), BODY),  # shop without secret
        (SECRET, "sïgnature", BODY),  # not ASCII
    ],
)
def test_a_missing_or_wrong_signature_is_refused(secret, header, body):
    assert not webhooks.verify(body, secret, header)


def test_a_delivery_gives_topic_ids_and_times():
    values = webhooks.parse_delivery(headers(), BODY)
    assert values["topic"] == "orders/updated"
    assert values["event_id"] == "e-1"
    assert values["webhook_id"] == "w-1"
    assert values["order_gid"] == values["resource_gid"] == "gid://shopify/Order/6100000001001"
    assert values["resource_updated_at"] == datetime(2026, 3, 2, 9, 16, 3)
    assert values["triggered_at"] == datetime(2026, 3, 2, 9, 16, 4)
    assert json.loads(values["payload"])["name"] == "#1001"
    assert values["error"] is None


def test_the_event_id_falls_back_to_the_delivery_id_then_to_a_digest():
    plain = headers()
    del plain["X-Shopify-Event-Id"]
    assert webhooks.parse_delivery(plain, BODY)["event_id"] == "w-1"
    del plain["X-Shopify-Webhook-Id"]
    first = webhooks.parse_delivery(plain, BODY)["event_id"]
    assert first.startswith("sha256:")
    assert webhooks.parse_delivery(plain, BODY)["event_id"] == first
    assert webhooks.parse_delivery(plain, BODY + b" ")["event_id"] != first


def test_refund_and_fulfilment_events_name_their_order():
    body = json.dumps(
        {"id": 77, "order_id": 6100000001001, "admin_graphql_api_id": "gid://shopify/Refund/77"}
    ).encode()
    for topic in ("refunds/create", "fulfillments/create"):
        values = webhooks.parse_delivery(headers(**{"X-Shopify-Topic": topic}), body)
        assert values["order_gid"] == "gid://shopify/Order/6100000001001"
        assert values["resource_updated_at"] is None


def test_a_body_that_is_not_json_is_kept_with_an_error():
    values = webhooks.parse_delivery(headers(), b"\xff not json")
    assert values["error"] and values["payload"] is None and values["order_gid"] is None


def test_a_large_payload_is_reduced_to_its_identifiers():
    body = json.dumps(
        {"id": 5, "admin_graphql_api_id": "gid://shopify/Order/5", "note": "x" * 100_000}
    ).encode()
    values = webhooks.parse_delivery(headers(), body)
    stored = json.loads(values["payload"])
    assert len(values["payload"]) <= webhooks.PAYLOAD_MAX
    assert stored["admin_graphql_api_id"] == "gid://shopify/Order/5"
    assert stored["_truncated"] == len(body)
    assert "note" not in stored


def test_retries_back_off_up_to_an_hour():
    delays = [webhooks.retry_delay(n) for n in range(1, webhooks.MAX_ATTEMPTS + 1)]
    assert delays == sorted(delays)
    assert delays[0] == 30
    assert delays[-1] == webhooks.MAX_RETRY_DELAY


def test_order_by_id_reads_the_selection_of_the_scheduled_fetch():
    doc = webhooks.ORDER_BY_ID
    assert "order(id: $id)" in doc.text
    # every field the fetch reads of an order is read here too
    for field in ("updatedAt", "displayFinancialStatus", "lineItems(first: $lineItemsFirst)"):
        assert field in ORDERS_PAGE.text and field in doc.text
    assert "first" not in doc.variables
    assert doc.variables["lineItemsFirst"] == ORDERS_PAGE.variables["lineItemsFirst"]


def test_order_filters_of_the_shop_apply_to_a_new_order():
    node = {"test": False, "tags": ["Wholesale", "VIP"]}
    assert webhooks.order_filter_refusal(node) is None
    assert webhooks.order_filter_refusal(dict(node, test=True)) == "test"
    assert webhooks.order_filter_refusal(dict(node, test=True), include_test=True) is None
    assert webhooks.order_filter_refusal(node, tags_required=["vip"]) is None
    assert webhooks.order_filter_refusal(node, tags_required=["B2C"]) == "tags_required"
    assert webhooks.order_filter_refusal(node, tags_excluded=["wholesale"]) == "tags_excluded"


URI = "https://odoo.example.com/shopify_connector/webhook/7"


def test_subscriptions_are_created_fixed_and_removed_but_others_are_kept():
    existing = [
        {"id": "s1", "topic": "ORDERS_CREATE", "uri": URI},
        {
            "id": "s2",
            "topic": "ORDERS_PAID",
            "uri": "https://old.example.com/shopify_connector/webhook/7",
        },
        {
            "id": "s3",
            "topic": "ORDERS_CREATE",
            "uri": "https://old.example.com/shopify_connector/webhook/3",
        },
        {
            "id": "s4",
            "topic": "CARTS_CREATE",
            "uri": "https://odoo.example.com/shopify_connector/webhook/7",
        },
        {"id": "s5", "topic": "ORDERS_CREATE", "uri": "https://other-app.example.com/hooks"},
    ]
    plan = webhooks.plan_subscriptions(
        existing, ["ORDERS_CREATE", "ORDERS_PAID", "REFUNDS_CREATE"], URI
    )
    assert plan["keep"] == ["ORDERS_CREATE"]
    assert plan["update"] == [("s2", "ORDERS_PAID")]
    assert plan["create"] == ["REFUNDS_CREATE"]
    assert sorted(plan["delete"]) == [("s3", "ORDERS_CREATE"), ("s4", "CARTS_CREATE")]
    touched = {sub_id for sub_id, _topic in plan["update"] + plan["delete"]}
    assert "s5" not in touched


def test_subscriptions_in_place_need_no_change():
    existing = [
        {"id": f"s{n}", "topic": t, "uri": URI} for n, t in enumerate(webhooks.TOPICS.values())
    ]
    plan = webhooks.plan_subscriptions(existing, list(webhooks.TOPICS.values()), URI)
    assert plan["create"] == plan["update"] == plan["delete"] == []
    assert len(plan["keep"]) == len(webhooks.TOPICS)


def test_the_callback_url_carries_the_shop_record_and_no_secret():
    assert webhooks.callback_url("https://odoo.example.com/", 7) == URI
    assert webhooks.is_own(URI)
    assert not webhooks.is_own("https://odoo.example.com/payment/webhook")
