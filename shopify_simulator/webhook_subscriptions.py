"""Webhook subscriptions: the ``webhookSubscriptions`` query and the
``webhookSubscriptionCreate`` / ``Update`` / ``Delete`` mutations.

Subscriptions are those of the calling app (the simulator has one). As on
Shopify, a topic may have one subscription per address: a second one to the
same address answers "Address for this topic has already been taken"; an
address must be an absolute http(s) URL. Delivering events to the
subscribed addresses is not simulated yet.
"""

from urllib.parse import urlsplit

from shopify_simulator.mutations import _error, _mutation
from shopify_simulator.resolvers import CUSTOM, root_list

TYPE = "WebhookSubscription"

CUSTOM[("QueryRoot", "webhookSubscriptions")] = root_list(TYPE)


def _address_error(uri):
    parts = urlsplit(uri or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _error(["webhookSubscription", "callbackUrl"], "Address is invalid")
    return None


def _taken(store, topic, uri, exclude=None):
    return any(
        sub["topic"] == topic and sub["uri"] == uri and sub["id"] != exclude
        for sub in store.all(TYPE)
    )


def _uri(data):
    return data.get("uri") or data.get("callbackUrl")


@_mutation("webhookSubscriptionCreate")
def webhook_subscription_create(source, info, topic, webhookSubscription):
    ctx = info.context
    store = ctx.store
    uri = _uri(webhookSubscription)
    error = _address_error(uri)
    if error is None and _taken(store, topic, uri):
        error = _error(["address"], "Address for this topic has already been taken")
    if error is not None:
        return {"webhookSubscription": None, "userErrors": [error]}
    now = ctx.now()
    sub = store.create(
        TYPE,
        topic=topic,
        uri=uri,
        callbackUrl=uri,
        format=webhookSubscription.get("format") or "JSON",
        filter=webhookSubscription.get("filter"),
        includeFields=list(webhookSubscription.get("includeFields") or ()),
        metafieldNamespaces=list(webhookSubscription.get("metafieldNamespaces") or ()),
        name=webhookSubscription.get("name"),
        createdAt=now,
        updatedAt=now,
    )
    return {"webhookSubscription": sub, "userErrors": []}


@_mutation("webhookSubscriptionUpdate")
def webhook_subscription_update(source, info, id, webhookSubscription):
    ctx = info.context
    sub = ctx.store.get(id, TYPE)
    if sub is None:
        return {
            "webhookSubscription": None,
            "userErrors": [_error(["id"], "Webhook subscription does not exist")],
        }
    uri = _uri(webhookSubscription) or sub["uri"]
    error = _address_error(uri)
    if error is None and _taken(ctx.store, sub["topic"], uri, exclude=sub["id"]):
        error = _error(["address"], "Address for this topic has already been taken")
    if error is not None:
        return {"webhookSubscription": None, "userErrors": [error]}
    sub.update(uri=uri, callbackUrl=uri, updatedAt=ctx.now())
    for key in ("format", "filter", "name"):
        if key in webhookSubscription:
            sub[key] = webhookSubscription[key]
    return {"webhookSubscription": sub, "userErrors": []}


@_mutation("webhookSubscriptionDelete")
def webhook_subscription_delete(source, info, id):
    store = info.context.store
    sub = store.get(id, TYPE)
    if sub is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [_error(["id"], "Webhook subscription does not exist")],
        }
    del store.objects[sub["id"]]
    store.by_type[TYPE].remove(sub["id"])
    return {"deletedWebhookSubscriptionId": sub["id"], "userErrors": []}
