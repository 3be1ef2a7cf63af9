"""Reliability of the client and of the stock push under the simulator's faults.

No database: the pure client (``shopify_api``) against the simulator served
over real HTTP on a loopback port.  The client's waits are recorded instead of
slept, except where a test needs real time (a read timeout).
"""

import logging
import time

import pytest

from shopify_api import errors, stock
from shopify_api.client import ShopifyClient, reset_throttle_states
from shopify_api.prices import PRICE_UPDATE_DOCUMENTS
from shopify_api.shop_documents import SHOP_INFO
from shopify_simulator import Simulator, SimulatorServer

LOCATION = "gid://shopify/Location/1001"
TRANSIENT = ("500", "502", "503", "504", "429", "throttled", "drop")


@pytest.fixture
def sim():
    reset_throttle_states()
    return Simulator(seed=5, products=30, variants_per_product=(1, 1), orders=0, plan="plus")


@pytest.fixture
def server(sim):
    with SimulatorServer(sim) as running:
        yield running


def make_client(server, sim, sleeps, **kwargs):
    kwargs.setdefault("sleep", sleeps.append)
    return ShopifyClient(
        sim.shop_domain, access_token=sim.access_token, base_url=server.base_url, **kwargs
    )


def stocked_items(sim):
    return [
        (v["sku"], v["inventoryItem"])
        for v in sim.store.all("ProductVariant")
        if sim.store.get(v["inventoryItem"])["tracked"]
        and sim.store.level(v["inventoryItem"], LOCATION) is not None
    ]


@pytest.mark.parametrize("kind", TRANSIENT)
def test_transient_faults_are_retried_until_shopify_answers(server, sim, kind):
    """Invariant: a query hit by two consecutive transient faults (5xx, 429,
    THROTTLED, dropped connection) still returns Shopify's data, after exactly
    two retries; a 429 waits what its Retry-After asks."""
    sim.faults.configure(calls={1: kind, 2: kind}, retry_after=2.5)
    sleeps = []
    client = make_client(server, sim, sleeps)
    data = client.execute(SHOP_INFO)
    assert data["shop"]["myshopifyDomain"] == sim.shop_domain
    assert client.stats["retries"] == 2
    assert client.stats["calls"] == 3
    assert len(sleeps) >= 2
    if kind == "429":
        assert sleeps.count(2.5) == 2


def test_read_timeout_is_retried_for_a_query(server, sim):
    """Invariant: an answer slower than the client's read timeout is given up
    and the query sent again; the second, prompt answer is returned."""
    sim.faults.configure(calls={1: "latency:1.0"})
    client = make_client(server, sim, [], timeout=(2, 0.3))
    started = time.monotonic()
    assert client.execute(SHOP_INFO)["shop"]["name"]
    assert client.stats["retries"] == 1
    assert time.monotonic() - started < 5


def test_persistent_fault_ends_with_a_typed_error_after_bounded_retries(server, sim):
    """Invariant: a shop that keeps failing does not make the client loop: after
    ``max_retries`` retries it raises a typed error that says so."""
    sim.faults.set_rates({"503": 1.0})
    client = make_client(server, sim, [], max_retries=3)
    with pytest.raises(errors.ServerError) as raised:
        client.execute(SHOP_INFO)
    assert "Gave up after 3 retries" in raised.value.message
    assert client.stats["calls"] == 4
    sim.faults.clear()
    sim.faults.set_rates({"throttled": 1.0})
    with pytest.raises(errors.ThrottledError):
        make_client(server, sim, [], max_retries=2).execute(SHOP_INFO)


def test_throttled_storm_is_ridden_out(server, sim):
    """Invariant: under a storm of THROTTLED answers (60% of calls), every
    query eventually succeeds and the client waits between tries."""
    sim.faults.set_rates({"throttled": 0.6})
    sleeps = []
    client = make_client(server, sim, sleeps, max_retries=10)
    for _ in range(20):
        assert client.execute(SHOP_INFO)["shop"]["name"]
    assert client.stats["throttled"] > 5
    assert all(s > 0 for s in sleeps)


def test_mutation_without_idempotency_key_is_not_resent_after_a_lost_answer(server, sim):
    """Invariant: a price update (no @idempotent key) whose answer is lost after
    Shopify applied it is never sent twice; the error says the change may
    have been applied, and the value in Shopify is the one sent."""
    variant = sim.store.all("ProductVariant")[0]
    sim.faults.configure(calls={1: "latency:1.0"}, only="PriceUpdateBatch1")
    client = make_client(server, sim, [], timeout=(2, 0.3))
    variables = {"p0": variant["product"], "v0": [{"id": variant["id"], "price": "12.34"}]}
    with pytest.raises(errors.NetworkError) as raised:
        client.execute(PRICE_UPDATE_DOCUMENTS[1], variables)
    assert raised.value.details.get("maybe_applied")
    assert "may or may not have been applied" in raised.value.message
    assert client.stats["calls"] == 1
    time.sleep(1.0)  # the simulator finishes the slow answer
    assert sim.counters["mutations"] == 1
    assert sim.variant(variant["sku"])["price"] == "12.34"


def push(client, lines, key):
    settings = stock.PushSettings(location_gid=LOCATION, mode="all", key_parts=("t", key))
    return stock.push_stock(client, settings, lines)


def test_stock_write_whose_answer_is_lost_is_applied_once(server, sim):
    """Invariant: an idempotent stock write whose answer is lost (timeout after
    Shopify applied it, or a dropped connection) is resent with the same key
    and applied exactly once; Shopify ends with the quantities Odoo wanted."""
    items = stocked_items(sim)[:10]
    lines = [
        stock.StockLine(key=n, item_gid=gid, sku=sku, free=n + 3)
        for n, (sku, gid) in enumerate(items)
    ]
    sim.faults.configure(calls={1: "latency:1.0", 2: "drop"}, only="StockSetQuantities")
    client = make_client(server, sim, [], timeout=(2, 0.3))
    result = push(client, lines, "lost")
    assert result.error is None
    assert result.count(stock.PUSHED) == len(lines)
    time.sleep(1.0)
    assert sim.counters["idempotent_replays"] == 1
    # applied once: the replay answers from the key, the drop never reached Shopify
    assert sim.counters["quantities_set"] == len(lines)
    for n, (sku, _gid) in enumerate(items):
        assert sim.available(sku, LOCATION) == n + 3


def test_stock_push_under_random_faults_converges(server, sim):
    """Invariant: with 25% of all calls failing (every transient kind), a push
    either completes or stops with an error; a re-run without faults then
    leaves exactly Odoo's quantities in Shopify, and nothing failed as stale
    because of the connector's own earlier writes."""
    items = stocked_items(sim)
    lines = [
        stock.StockLine(key=n, item_gid=gid, sku=sku, free=(n * 7) % 40)
        for n, (sku, gid) in enumerate(items)
    ]
    sim.faults.set_rates({kind: 0.25 / len(TRANSIENT) for kind in TRANSIENT})
    client = make_client(server, sim, [], max_retries=4)
    settings = stock.PushSettings(
        location_gid=LOCATION, mode="all", key_parts=("r", 1), batch_size=5
    )
    first = stock.push_stock(client, settings, lines)
    assert first.error is None or isinstance(first.error, errors.ShopifyError)
    sim.faults.clear()
    for line in lines:  # what the mappings keep between runs
        line.read = line.pushed = False
        line.outcome = line.reason = None
    settings = stock.PushSettings(
        location_gid=LOCATION, mode="all", key_parts=("r", 2), batch_size=5
    )
    second = stock.push_stock(client, settings, lines)
    assert second.error is None
    assert second.count(stock.FAILED) == 0
    for line in lines:
        assert sim.available(line.sku, LOCATION) == line.target


def test_wrong_token_is_a_clear_error_and_never_logged(server, sim, caplog):
    """Invariant: a refused token raises AuthenticationError with a message for
    people, and neither the wrong nor the right token appears in any log
    record, even at DEBUG."""
    caplog.set_level(logging.DEBUG)
    wrong = "shpat_0123456789abcdef_wrong_secret"
    client = ShopifyClient(sim.shop_domain, access_token=wrong, base_url=server.base_url)
    with pytest.raises(errors.AuthenticationError) as raised:
        client.execute(SHOP_INFO)
    assert "access token" in raised.value.message
    assert wrong not in raised.value.message
    good = make_client(server, sim, [])
    good.execute(SHOP_INFO)
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the client logs its calls"
    assert wrong not in text
    assert sim.access_token not in text
