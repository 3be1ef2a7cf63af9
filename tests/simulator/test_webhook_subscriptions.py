"""The simulator's webhook subscriptions, driven by the connector's own documents."""

from shopify_api import webhooks
from shopify_simulator import Simulator

URI = "https://odoo.example.com/shopify_connector/webhook/1"


def run(sim, doc, variables=None):
    body = sim.execute(doc.text, dict(doc.variables, **(variables or {})))
    assert "errors" not in body, body
    return body["data"]


def subscriptions(sim):
    data = run(sim, webhooks.WEBHOOK_SUBSCRIPTIONS)
    return data["webhookSubscriptions"]["nodes"]


def create(sim, topic, uri=URI):
    variables = {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}}
    return run(sim, webhooks.WEBHOOK_SUBSCRIPTION_CREATE, variables)["webhookSubscriptionCreate"]


def test_subscriptions_are_created_listed_updated_and_deleted():
    sim = Simulator(seed=1, products=2, orders=0)
    assert subscriptions(sim) == []
    created = create(sim, "ORDERS_CREATE")
    assert created["userErrors"] == []
    sub = created["webhookSubscription"]
    assert (sub["topic"], sub["uri"]) == ("ORDERS_CREATE", URI)
    assert subscriptions(sim) == [sub]

    moved = "https://new.example.com/shopify_connector/webhook/1"
    variables = {"id": sub["id"], "webhookSubscription": {"uri": moved}}
    updated = run(sim, webhooks.WEBHOOK_SUBSCRIPTION_UPDATE, variables)
    assert updated["webhookSubscriptionUpdate"]["webhookSubscription"]["uri"] == moved

    deleted = run(sim, webhooks.WEBHOOK_SUBSCRIPTION_DELETE, {"id": sub["id"]})
    assert deleted["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub["id"]
    assert subscriptions(sim) == []
    again = run(sim, webhooks.WEBHOOK_SUBSCRIPTION_DELETE, {"id": sub["id"]})
    assert again["webhookSubscriptionDelete"]["userErrors"]


def test_the_same_topic_and_address_is_refused_and_a_bad_address_too():
    sim = Simulator(seed=1, products=2, orders=0)
    assert create(sim, "ORDERS_PAID")["userErrors"] == []
    assert create(sim, "ORDERS_PAID")["userErrors"][0]["message"].endswith("already been taken")
    assert create(sim, "ORDERS_PAID", uri="not a url")["userErrors"]
    assert len(subscriptions(sim)) == 1


def test_the_connectors_plan_converges_on_the_simulator():
    sim = Simulator(seed=1, products=2, orders=0)
    create(sim, "ORDERS_CREATE", uri="https://old.example.com/shopify_connector/webhook/1")
    create(sim, "CARTS_CREATE")
    create(sim, "ORDERS_UPDATED", uri="https://another-app.example.com/hooks")
    topics = list(webhooks.TOPICS.values())
    plan = webhooks.plan_subscriptions(subscriptions(sim), topics, URI)
    for topic in plan["create"]:
        assert create(sim, topic)["userErrors"] == []
    for sub_id, _topic in plan["update"]:
        variables = {"id": sub_id, "webhookSubscription": {"uri": URI}}
        run(sim, webhooks.WEBHOOK_SUBSCRIPTION_UPDATE, variables)
    for sub_id, _topic in plan["delete"]:
        run(sim, webhooks.WEBHOOK_SUBSCRIPTION_DELETE, {"id": sub_id})
    after = subscriptions(sim)
    mine = sorted(s["topic"] for s in after if s["uri"] == URI)
    assert mine == sorted(topics)
    assert any(s["uri"] == "https://another-app.example.com/hooks" for s in after)
    again = webhooks.plan_subscriptions(after, topics, URI)
    assert again["create"] == again["update"] == again["delete"] == []
