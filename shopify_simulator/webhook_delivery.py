"""Webhook deliveries: what the simulator sends to the subscribed addresses.

As Shopify does:

- one event per change (``X-Shopify-Event-Id``), one delivery per
  subscription of its topic (``X-Shopify-Webhook-Id``, the same on each retry
  of that delivery); headers ``X-Shopify-Topic``, ``X-Shopify-Hmac-Sha256``
  (base64 HMAC-SHA256 of the raw body with the app's client secret),
  ``X-Shopify-Shop-Domain``, ``X-Shopify-API-Version``,
  ``X-Shopify-Triggered-At``;
- a POST with a 1 s connect and a 5 s response timeout; any answer but 2xx
  (or no answer) is a failed try, retried 8 times over about 4 hours
  (:data:`RETRY_DELAYS`, on the simulator's clock: a fake clock makes them
  pass at once); after the last failed retry the subscription is deleted.

Deliveries are sent by a background thread (:meth:`WebhookDelivery.start`,
started by :class:`~shopify_simulator.server.SimulatorServer`), never inside
the call that changed the shop; without it, :meth:`WebhookDelivery.deliver_due`
sends what is due.

Faults on demand (:meth:`WebhookDelivery.configure`, seeded so runs repeat):
``duplicates`` (rate of events delivered twice, same event ID, another
delivery ID), ``drops`` (rate of events never delivered), ``delay`` (each
delivery waits a random 0..``delay`` seconds, which also reorders them),
``shuffle`` (what is due at once goes out in random order), ``forged`` (rate
of events followed by a forged copy: a changed body signed with a wrong
key, never retried); :meth:`WebhookDelivery.outage` holds every delivery for a
while (Shopify not delivering).
"""

import base64
import hashlib
import hmac
import json
import random
import threading
import uuid
from collections import Counter, deque

import requests

API_VERSION = "2026-10"
CONNECT_TIMEOUT = 1.0
RESPONSE_TIMEOUT = 5.0
# Waits before the 1st..8th retry (seconds): 8 retries over about 4 hours.
RETRY_DELAYS = (10, 30, 60, 300, 900, 1800, 3600, 7200)
# REST topic -> GraphQL WebhookSubscriptionTopic.
TOPIC_ENUMS = {
    "orders/create": "ORDERS_CREATE",
    "orders/updated": "ORDERS_UPDATED",
    "orders/paid": "ORDERS_PAID",
    "orders/cancelled": "ORDERS_CANCELLED",
    "orders/edited": "ORDERS_EDITED",
    "orders/fulfilled": "ORDERS_FULFILLED",
    "orders/partially_fulfilled": "ORDERS_PARTIALLY_FULFILLED",
    "refunds/create": "REFUNDS_CREATE",
    "fulfillments/create": "FULFILLMENTS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
    "inventory_levels/update": "INVENTORY_LEVELS_UPDATE",
    "app/uninstalled": "APP_UNINSTALLED",
}
LOG_SIZE = 20000


def sign(body, secret):
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class Delivery:
    """One event for one subscription (its tries share the delivery ID)."""

    __slots__ = (
        "attempts",
        "body",
        "due",
        "event_id",
        "forged",
        "headers",
        "subscription",
        "topic",
        "uri",
        "webhook_id",
    )

    def __init__(self, subscription, topic, uri, body, headers, due, forged=False):
        self.subscription = subscription
        self.topic = topic
        self.uri = uri
        self.body = body
        self.headers = headers
        self.event_id = headers["X-Shopify-Event-Id"]
        self.webhook_id = headers["X-Shopify-Webhook-Id"]
        self.due = due
        self.attempts = 0
        self.forged = forged


class WebhookDelivery:
    """The webhook queue of one simulator (thread-safe)."""

    def __init__(self, sim, seed=0):
        self.sim = sim
        self._seed = seed
        self._cond = threading.Condition()
        self._queue = []
        self._in_flight = 0
        self._thread = None
        self._stopping = False
        self.log = deque(maxlen=LOG_SIZE)
        self.counters = Counter()
        self.session = requests.Session()
        self.configure()

    # -- configuration ---------------------------------------------------
    def configure(
        self, duplicates=0.0, drops=0.0, delay=0.0, shuffle=False, forged=0.0, seed=None
    ):
        """Replace the fault plan (rates 0..1, ``delay`` in seconds)."""
        with self._cond:
            self.duplicates = float(duplicates)
            self.drops = float(drops)
            self.delay = float(delay)
            self.shuffle = bool(shuffle)
            self.forged = float(forged)
            self.held_until = None
            self.rng = random.Random(self._seed if seed is None else seed)
        return self.describe()

    def outage(self, seconds):
        """Deliver nothing for ``seconds`` (clock time); then catch up."""
        with self._cond:
            self.held_until = self.sim.clock.monotonic() + float(seconds)
            self._cond.notify_all()
        return self.describe()

    def describe(self):
        with self._cond:
            return {
                "duplicates": self.duplicates,
                "drops": self.drops,
                "delay": self.delay,
                "shuffle": self.shuffle,
                "forged": self.forged,
                "held_until": self.held_until,
                "queued": len(self._queue),
                "counters": dict(self.counters),
            }

    # -- events ----------------------------------------------------------
    def _subscriptions(self, topic):
        enum = TOPIC_ENUMS.get(topic)
        return [sub for sub in self.sim.store.all("WebhookSubscription") if sub["topic"] == enum]

    def emit(self, topic, payload):
        """Queue ``topic`` with ``payload`` for every subscription of the topic
        (call under the simulator's lock, right after the change). Returns the
        event ID, or None when nothing subscribes to the topic."""
        subscriptions = self._subscriptions(topic)
        if not subscriptions:
            return None
        sim = self.sim
        event_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        now = sim.clock.monotonic()
        with self._cond:
            self.counters["events"] += 1
            for sub in subscriptions:
                if self.rng.random() < self.drops:
                    self.counters["dropped"] += 1
                    self._record(None, "dropped", topic=topic, event_id=event_id)
                    continue
                copies = 2 if self.rng.random() < self.duplicates else 1
                self.counters["duplicated"] += copies - 1
                for _ in range(copies):
                    self._queue.append(
                        Delivery(
                            sub["id"],
                            topic,
                            sub["uri"],
                            body,
                            self._headers(topic, body, event_id, sim.client_secret),
                            now + self.rng.uniform(0, self.delay),
                        )
                    )
                if self.rng.random() < self.forged:
                    self._queue.append(self._forgery(sub, topic, payload, event_id, now))
            self._cond.notify_all()
        return event_id

    def _headers(self, topic, body, event_id, secret):
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, secret),
            "X-Shopify-Shop-Domain": self.sim.shop_domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": self.sim.now(),
        }

    def _forgery(self, sub, topic, payload, event_id, now):
        """A copy an attacker made: another event ID, a changed body, a wrong key."""
        fake = dict(payload, note="forged", updated_at="2099-01-01T00:00:00Z")
        body = json.dumps(fake, separators=(",", ":")).encode("utf-8")
        forged_id = str(uuid.UUID(int=self.rng.getrandbits(128)))
        headers = self._headers(topic, body, forged_id, "not-the-apps-secret")
        delivery = Delivery(sub["id"], topic, sub["uri"], body, headers, now, forged=True)
        delivery.due = now + self.rng.uniform(0, self.delay)
        self.counters["forged_queued"] += 1
        return delivery

    # -- sending ---------------------------------------------------------
    def _take_due(self):
        with self._cond:
            now = self.sim.clock.monotonic()
            if self.held_until is not None and now < self.held_until:
                return []
            due = [d for d in self._queue if d.due <= now]
            if not due:
                return []
            taken = set(map(id, due))
            self._queue = [d for d in self._queue if id(d) not in taken]
            if self.shuffle:
                self.rng.shuffle(due)
            else:
                due.sort(key=lambda d: d.due)
            self._in_flight += len(due)
            return due

    def deliver_due(self):
        """Send every delivery that is due now; returns how many were tried."""
        due = self._take_due()
        for delivery in due:
            try:
                self._send(delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()
        return len(due)

    def _send(self, delivery):
        delivery.attempts += 1
        try:
            response = self.session.post(
                delivery.uri,
                data=delivery.body,
                headers=delivery.headers,
                timeout=(CONNECT_TIMEOUT, RESPONSE_TIMEOUT),
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
        except requests.RequestException as exc:
            status = type(exc).__name__
        ok = isinstance(status, int) and 200 <= status < 300
        with self._cond:
            self._record(delivery, status)
            if delivery.forged:
                self.counters["forged_accepted" if ok else "forged_refused"] += 1
                return
            if ok:
                self.counters["delivered"] += 1
                return
            self.counters["failed_tries"] += 1
            retry = delivery.attempts - 1
            if retry < len(RETRY_DELAYS):
                delivery.due = self.sim.clock.monotonic() + RETRY_DELAYS[retry]
                self._queue.append(delivery)
                return
            self.counters["given_up"] += 1
        self._remove_subscription(delivery.subscription)

    def _remove_subscription(self, sub_id):
        """After the last failed retry Shopify deletes the subscription."""
        with self.sim.lock:
            store = self.sim.store
            if store.objects.pop(sub_id, None) is not None:
                store.by_type["WebhookSubscription"].remove(sub_id)
        with self._cond:
            self._queue = [d for d in self._queue if d.subscription != sub_id]
            self.counters["subscriptions_removed"] += 1

    def _record(self, delivery, status, **extra):
        entry = dict(extra, status=status, at=self.sim.now())
        if delivery is not None:
            entry.update(
                topic=delivery.topic,
                event_id=delivery.event_id,
                webhook_id=delivery.webhook_id,
                attempt=delivery.attempts,
                forged=delivery.forged,
                uri=delivery.uri,
            )
        self.log.append(entry)

    # -- background thread -------------------------------------------------
    def pending(self):
        """Deliveries queued (due or not) or being sent."""
        with self._cond:
            return len(self._queue) + self._in_flight

    def wait_idle(self, timeout=30.0):
        """Wait (real time) until nothing is due or being sent; True if so."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def _idle(self):
        now = self.sim.clock.monotonic()
        held = self.held_until is not None and now < self.held_until
        return self._in_flight == 0 and (held or not any(d.due <= now for d in self._queue))

    def start(self):
        with self._cond:
            if self._thread is not None:
                return self
            self._stopping = False
            self._thread = threading.Thread(
                target=self._loop, name="shopify-simulator-webhooks", daemon=True
            )
        self._thread.start()
        return self

    def stop(self):
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=10)

    def _loop(self):
        while True:
            with self._cond:
                if self._stopping:
                    return
            if not self.deliver_due():
                # a fake clock moves without telling: look again soon
                with self._cond:
                    if not self._stopping:
                        self._cond.wait(0.02)

    # -- control API (``/_simulator/webhooks...``) ------------------------
    def control(self, method, name, body):
        """(status, JSON) of a control call; ``name`` starts with "webhooks"."""
        action = name[len("webhooks") :].strip("/")
        if method == "GET" and action == "":
            return 200, {"result": self.describe()}
        if method == "GET" and action == "log":
            return 200, {"result": list(self.log)}
        if method == "POST" and action == "":
            return 200, {"result": self.configure(**body)}
        if method == "POST" and action == "outage":
            return 200, {"result": self.outage(body.get("seconds", 0))}
        if method == "POST" and action == "deliver":
            return 200, {"result": self.deliver_due()}
        return 404, {"errors": f"unknown control endpoint {name!r}"}
