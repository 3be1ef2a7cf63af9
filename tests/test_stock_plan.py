"""Stock formula and push against the local simulator (no database)."""

import json

import pytest
import requests

from shopify_api import stock, stock_formula
from shopify_api.client import ShopifyClient, reset_throttle_states
from shopify_api.errors import ShopifyError
from shopify_simulator import Simulator, SimulatorServer

LOCATION = "gid://shopify/Location/1001"


# -- the formula -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"free": 10}, 10),
        ({"free": 10, "buffer_units": 3}, 7),
        ({"free": 10, "buffer_percent": 25}, 7),  # 7.5 rounded down
        ({"free": 2, "buffer_units": 5}, 0),
        ({"free": -4}, 0),
        ({"free": 10, "committed": 3}, 7),  # order not imported yet
        ({"free": 10, "committed": 3, "orders": [(3, 3)]}, 10),  # imported and reserved
        ({"free": 10, "committed": 3, "orders": [(3, 1)]}, 8),  # partly reserved
        ({"free": 10, "committed": 1, "orders": [(1, 4)]}, 10),  # never adds
        # shipped in Shopify (commits nothing) while Odoo still reserves 1, beside
        # an order Odoo has not imported: its unit is subtracted in full
        ({"free": 10, "committed": 1, "orders": [(0, 1)]}, 9),
        # two imported orders, only one reserved by Odoo: the other's units count
        ({"free": 10, "committed": 5, "orders": [(2, 2), (3, 0)]}, 7),
        ({"free": 2.9999999999}, 3),
        ({"free": 3.5}, 3),
    ],
)
def test_target_quantity(kwargs, expected):
    assert stock_formula.target_quantity(**kwargs) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"ordered": 3}, 3),  # unfulfilled in Shopify
        ({"ordered": 3, "status": "UNFULFILLED"}, 3),
        ({"ordered": 3, "shipped": 1, "status": "UNFULFILLED"}, 2),  # one pushed since
        ({"ordered": 3, "status": "FULFILLED"}, 0),
        ({"ordered": 3, "status": "PARTIALLY_FULFILLED"}, 0),  # unknown part: fewer
        ({"ordered": 3, "status": "PARTIALLY_FULFILLED", "unfulfilled": 1}, 1),
        ({"ordered": 3, "shipped": 2, "unfulfilled": 3}, 1),
        ({"ordered": 3, "cancelled": True}, 0),
        ({"ordered": 2, "shipped": 5}, 0),
    ],
)
def test_order_committed_is_a_lower_bound(kwargs, expected):
    assert stock_formula.order_committed(**kwargs) == expected


def test_unimported_committed_is_per_order():
    # Netting per SKU would give max(0, 1 - 1) = 0 and oversell the unit.
    assert stock_formula.unimported_committed(1, [(0, 1)]) == 1
    assert stock_formula.unimported_committed(4, [(1, 3), (2, 2)]) == 1
    assert stock_formula.unimported_committed(0, [(2, 2)]) == 0
    assert stock_formula.unimported_committed(2) == 2


def test_repeated_messages_are_grouped_with_count_and_examples():
    items = [("Not sent: 503", f"SKU-{n}") for n in range(1690)] + [("Other", "X")]
    groups = stock_formula.group_messages(items)
    assert groups == [("Not sent: 503", 1690, ["SKU-0", "SKU-1", "SKU-2"]), ("Other", 1, ["X"])]


# -- against the simulator -----------------------------------------------------------


class FaultySession(requests.Session):
    """Lets a chosen call reach the simulator, then loses its answer (HTTP 500)."""

    def __init__(self):
        super().__init__()
        self.lose_answer_of = set()  # operation names
        self.sent = []

    def request(self, method, url, **kwargs):
        response = super().request(method, url, **kwargs)
        body = kwargs.get("json") or {}
        query = body.get("query", "")
        name = next((n for n in self.lose_answer_of if n in query), None)
        self.sent.append(query.split("(")[0].split()[-1] if query else "")
        if name:
            self.lose_answer_of.discard(name)
            lost = requests.Response()
            lost.status_code = 500
            lost._content = json.dumps({"errors": "Internal Server Error"}).encode()
            return lost
        return response


@pytest.fixture
def sim():
    reset_throttle_states()
    simulator = Simulator(seed=3, products=250, variants_per_product=(3, 3), orders=0, plan="plus")
    with SimulatorServer(simulator) as server:
        simulator.base_url = server.base_url
        yield simulator


def make_client(sim, session=None):
    return ShopifyClient(
        sim.shop_domain,
        access_token=sim.access_token,
        base_url=sim.base_url,
        session=session,
        sleep=lambda s: None,
    )


def variants(sim, count=None):
    found = [v for v in sim.store.all("ProductVariant") if v.get("sku")]
    tracked = [v for v in found if sim.store.get(v["inventoryItem"])["tracked"]]
    return tracked[:count] if count else tracked


def lines_for(sim, chosen, free=20):
    return [
        stock.StockLine(key=v["id"], item_gid=v["inventoryItem"], sku=v["sku"], free=free)
        for v in chosen
    ]


def settings(**kwargs):
    return stock.PushSettings(location_gid=LOCATION, key_parts=("test", 1), **kwargs)


def test_first_push_reads_then_writes_and_counts(sim):
    chosen = variants(sim, 5)
    lines = lines_for(sim, chosen)
    result = stock.push_stock(make_client(sim), settings(), lines)
    assert result.error is None
    assert [line.outcome for line in lines] == [stock.PUSHED] * 5
    assert all(sim.available(v["sku"], LOCATION) == 20 for v in chosen)
    assert result.calls == {"set": 1, "read": 1, "activate": 0, "track": 0}


def test_unchanged_changed_push_sends_no_mutation(sim):
    chosen = variants(sim, 5)
    lines = lines_for(sim, chosen)
    stock.push_stock(make_client(sim), settings(), lines)
    sim.reset_counters()
    again = lines_for(sim, chosen)
    for old, new in zip(lines, again, strict=True):
        new.available, new.committed, new.state = old.available, old.committed, old.state
        new.last_pushed = old.last_pushed
    result = stock.push_stock(make_client(sim), settings(), again)
    assert sim.counters["calls"] == 0
    assert result.count(stock.UNCHANGED) == 5


def test_600_variants_go_in_three_calls(sim):
    chosen = variants(sim, 600)
    assert len(chosen) == 600
    lines = lines_for(sim, chosen, free=7)
    for line, variant in zip(lines, chosen, strict=True):
        line.available = sim.available(variant["sku"], LOCATION)
        line.committed, line.state = 0, stock.STOCKED
    sim.reset_counters()
    result = stock.push_stock(make_client(sim), settings(mode="all"), lines)
    assert result.calls["set"] == 3
    assert result.calls["read"] == 0
    assert sim.counters["mutations"] == 3
    assert sim.counters["quantities_set"] == 600
    assert result.count(stock.PUSHED) == 600


def test_order_during_push_is_stale_reread_and_recomputed(sim):
    chosen = variants(sim, 3)
    lines = lines_for(sim, chosen, free=10)
    for line, variant in zip(lines, chosen, strict=True):
        line.available = sim.available(variant["sku"], LOCATION)
        line.committed, line.state = 0, stock.STOCKED
    # A customer buys 2 of the second variant after Odoo read Shopify.
    sim.place_order(lines=[{"sku": chosen[1]["sku"], "quantity": 2}], location=LOCATION)
    result = stock.push_stock(make_client(sim), settings(mode="all"), lines)
    assert result.error is None
    assert [line.target for line in lines] == [10, 8, 10]
    assert sim.available(chosen[1]["sku"], LOCATION) == 8
    assert sim.quantity(chosen[1]["sku"], "committed", LOCATION) == 2
    assert result.calls["set"] == 2  # refused once (whole call), then resent
    assert result.calls["read"] == 1


def test_lost_answer_is_retried_with_the_same_key_and_applied_once(sim):
    chosen = variants(sim, 4)
    lines = lines_for(sim, chosen, free=5)
    for line, variant in zip(lines, chosen, strict=True):
        line.available = sim.available(variant["sku"], LOCATION)
        line.committed, line.state = 0, stock.STOCKED
    session = FaultySession()
    session.lose_answer_of.add("StockSetQuantities")
    sim.reset_counters()
    result = stock.push_stock(make_client(sim, session), settings(mode="all"), lines)
    assert result.error is None
    assert result.count(stock.PUSHED) == 4
    assert sim.counters["idempotent_replays"] == 1
    assert sim.counters["quantities_set"] == 4
    assert all(sim.available(v["sku"], LOCATION) == 5 for v in chosen)


def _unstock(sim, variant):
    level = sim.store.level(variant["inventoryItem"], LOCATION)
    sim.store.levels.pop((variant["inventoryItem"], LOCATION))
    sim.store.levels_by_item[variant["inventoryItem"]].remove(level)
    sim.store.levels_by_location[LOCATION].remove(level)
    sim.store.objects.pop(level["id"], None)


def test_unstocked_variant_is_reported_or_activated(sim):
    chosen = variants(sim, 2)
    _unstock(sim, chosen[0])
    lines = lines_for(sim, chosen, free=4)
    stock.push_stock(make_client(sim), settings(), lines)
    assert lines[0].outcome == stock.SKIPPED
    assert lines[0].reason == stock.NOT_STOCKED_HERE
    assert lines[1].outcome == stock.PUSHED

    lines = lines_for(sim, chosen, free=4)
    result = stock.push_stock(make_client(sim), settings(activate_unstocked=True), lines)
    assert lines[0].outcome == stock.PUSHED
    assert result.calls["activate"] == 1
    assert sim.available(chosen[0]["sku"], LOCATION) == 4


def test_variant_unstocked_since_last_push_is_activated_on_the_refusal(sim):
    chosen = variants(sim, 2)
    lines = lines_for(sim, chosen, free=4)
    for line in lines:
        line.available, line.committed, line.state = 0, 0, stock.STOCKED
    _unstock(sim, chosen[0])
    sim.set_quantity(chosen[1]["sku"], 0, location=LOCATION)
    result = stock.push_stock(
        make_client(sim), settings(mode="all", activate_unstocked=True), lines
    )
    assert [line.outcome for line in lines] == [stock.PUSHED, stock.PUSHED]
    assert result.calls["activate"] == 1
    assert sim.available(chosen[0]["sku"], LOCATION) == 4


def test_untracked_variant_is_skipped_or_switched_to_tracked(sim):
    chosen = variants(sim, 2)
    sim.store.get(chosen[0]["inventoryItem"])["tracked"] = False
    lines = lines_for(sim, chosen, free=3)
    stock.push_stock(make_client(sim), settings(), lines)
    assert lines[0].outcome == stock.SKIPPED
    assert lines[0].reason == stock.NOT_TRACKED

    # The simulator does not implement inventoryItemUpdate yet: answer it here.
    client = make_client(sim)
    mutate = client.mutate
    tracked_ids = []

    def track(doc, variables, payload_key, raise_user_errors=True):
        if doc is not stock.TRACK_ITEM:
            return mutate(doc, variables, payload_key, raise_user_errors)
        tracked_ids.append(variables["id"])
        sim.store.get(variables["id"])["tracked"] = True
        return {"inventoryItem": {"id": variables["id"], "tracked": True}, "userErrors": []}

    client.mutate = track
    lines = lines_for(sim, chosen, free=3)
    result = stock.push_stock(client, settings(track_untracked=True), lines)
    assert result.calls["track"] == 1
    assert tracked_ids == [chosen[0]["inventoryItem"]]
    assert lines[0].outcome == stock.PUSHED
    assert sim.store.get(chosen[0]["inventoryItem"])["tracked"] is True


def test_refusals_carry_a_reason_code_and_shopify_s_own_text(sim):
    chosen = variants(sim, 3)
    client = make_client(sim)
    mutate = client.mutate

    refused = []

    def refuse(doc, variables, payload_key, raise_user_errors=True):
        if doc is not stock.SET_QUANTITIES or refused:
            return mutate(doc, variables, payload_key, raise_user_errors)
        refused.append(variables)  # the second item once; the others are sent again
        errors = [
            {"field": ["input", "quantities", "1", "quantity"], "message": "Zu groß", "code": "X"}
        ]
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}

    client.mutate = refuse
    lines = lines_for(sim, chosen, free=4)
    stock.push_stock(client, settings(mode="all"), lines)
    assert [line.outcome for line in lines] == [stock.PUSHED, stock.FAILED, stock.PUSHED]
    assert lines[1].reason == stock.LINE_REFUSED
    assert lines[1].reason_args == {"errors": "Zu groß"}
    assert lines[0].reason is None

    def refuse_all(doc, variables, payload_key, raise_user_errors=True):
        errors = [{"field": ["input"], "message": "Try again later", "code": "INTERNAL"}]
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}

    client.mutate = refuse_all
    lines = lines_for(sim, chosen, free=5)
    stock.push_stock(client, settings(mode="all"), lines)
    assert {(line.reason, line.reason_args["errors"]) for line in lines} == {
        (stock.BATCH_REFUSED, "Try again later")
    }


def test_a_push_stopped_by_shopify_names_the_error_on_every_line_left(sim):
    chosen = variants(sim, 2)
    client = make_client(sim)
    stopped = ShopifyError("Shopify is unavailable.")

    def unavailable(doc, variables, payload_key, raise_user_errors=True):
        raise stopped

    client.mutate = unavailable
    lines = lines_for(sim, chosen, free=2)
    result = stock.push_stock(client, settings(mode="all"), lines)
    assert result.error is stopped
    assert [(line.outcome, line.reason) for line in lines] == [(stock.FAILED, stock.NOT_SENT)] * 2
    assert lines[0].reason_args == {"error": stopped}
    assert lines[0].target == 2, "what Odoo would publish, for the stock differences"


def test_stale_to_the_end_is_corrected_by_difference_and_cannot_oversell(sim, monkeypatch):
    chosen = variants(sim, 2)
    lines = lines_for(sim, chosen, free=9)
    for line, variant in zip(lines, chosen, strict=True):
        line.available = sim.available(variant["sku"], LOCATION)
        line.committed, line.state = 0, stock.STOCKED
    original = stock.read_item_levels

    def read_then_sell(client, location_gid, item_gids):
        # a customer buys right after every read: every compare-and-swap is stale
        states = original(client, location_gid, item_gids)
        sim.place_order(lines=[{"sku": chosen[0]["sku"], "quantity": 1}], location=LOCATION)
        return states

    monkeypatch.setattr(stock, "read_item_levels", read_then_sell)
    sim.place_order(lines=[{"sku": chosen[0]["sku"], "quantity": 1}], location=LOCATION)
    sim.reset_counters()
    result = stock.push_stock(make_client(sim), settings(mode="all"), lines)
    sku = chosen[0]["sku"]
    committed = sim.quantity(sku, "committed", LOCATION)
    # Odoo holds 9; Shopify committed units for orders Odoo has not imported
    assert sim.available(sku, LOCATION) == 9 - committed
    assert lines[0].outcome == stock.PUSHED
    assert lines[0].adjusted
    assert lines[0].available is None  # unknown: read and written first next time
    assert lines[1].outcome == stock.PUSHED
    assert result.calls["set"] == stock.MAX_STALE_ROUNDS + 3
    assert sim.counters["mutations"] == stock.MAX_STALE_ROUNDS + 3

    # the next push reads the line and writes it first
    again = lines_for(sim, chosen, free=9)
    for old, new in zip(lines, again, strict=True):
        new.available, new.committed, new.state = old.available, old.committed, old.state
        new.last_pushed, new.repair = old.last_pushed, old.available is None
    monkeypatch.setattr(stock, "read_item_levels", original)
    sim.set_quantity(sku, 50, location=LOCATION)  # a merchant's edit meanwhile
    stock.push_stock(make_client(sim), settings(), again)
    assert again[0].read and again[0].outcome == stock.PUSHED
    assert sim.available(sku, LOCATION) == 9 - committed


def test_changed_push_writes_what_it_reads_differently_from_the_target(sim):
    chosen = variants(sim, 2)
    lines = lines_for(sim, chosen, free=6)
    stock.push_stock(make_client(sim), settings(), lines)
    sim.set_quantity(chosen[0]["sku"], 53, location=LOCATION)  # raised by hand
    again = lines_for(sim, chosen, free=6)
    for old, new in zip(lines, again, strict=True):
        new.committed, new.state, new.last_pushed = old.committed, old.state, old.last_pushed
    again[1].available = lines[1].available
    # the first is read (unknown), the second trusted: same target as pushed last
    result = stock.push_stock(make_client(sim), settings(), again)
    assert [line.outcome for line in again] == [stock.PUSHED, stock.UNCHANGED]
    assert sim.available(chosen[0]["sku"], LOCATION) == 6
    assert result.calls == {"set": 1, "read": 1, "activate": 0, "track": 0}


def test_location_levels_are_read_in_pages(sim):
    client = make_client(sim)
    levels = dict(stock.read_location_levels(client, LOCATION))
    assert len(levels) == len(sim.store.levels_by_location[LOCATION])
    assert client.stats["calls"] == -(-len(levels) // stock.LEVELS_PAGE_SIZE)
    item, state = next(iter(levels.items()))
    assert state["available"] == sim.available(item, LOCATION)
