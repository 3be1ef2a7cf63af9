"""The simulator's money: order transactions and Shopify Payments payouts,
read with the connector's own documents and normalisers."""

from decimal import Decimal

import pytest
import requests

from shopify_api.client import ShopifyClient
from shopify_api.order_queries import ORDERS_PAGE
from shopify_api.payouts import fetch_balance_transactions, fetch_payouts
from shopify_api.transactions import normalize_transactions
from shopify_simulator import Simulator, SimulatorServer
from shopify_simulator.simulator import ALL_SCOPES

PAYOUT_SCOPES = (*ALL_SCOPES, "read_shopify_payments_payouts")
MARK_PAID = """mutation TestMarkPaid($id: ID!) {
  orderMarkAsPaid(input: {id: $id}) {
    order {
      displayFinancialStatus totalPriceSet { shopMoney { amount } }
      transactions { kind status gateway amountSet { shopMoney { amount } } }
    }
    userErrors { message }
  }
}"""


@pytest.fixture
def money_sim(clock):
    return Simulator(seed=7, products=40, orders=40, clock=clock, scopes=PAYOUT_SCOPES)


@pytest.fixture
def money_server(money_sim):
    with SimulatorServer(money_sim) as server:
        yield server


@pytest.fixture
def shop(money_sim, money_server):
    return ShopifyClient(
        money_sim.shop_domain,
        access_token=money_sim.access_token,
        base_url=money_server.base_url,
        clock=money_sim.clock.monotonic,
        sleep=money_sim.clock.sleep,
    )


def _orders(client):
    variables = dict(ORDERS_PAGE.variables, query=None)
    return list(client.paginate(ORDERS_PAGE, variables, "orders"))


def _amount(bag):
    return Decimal(bag["shopMoney"]["amount"])


def test_every_order_has_transactions_consistent_to_the_cent(money_sim, shop):
    gateways = set()
    for node in _orders(shop):
        order = money_sim.order(node["id"])
        moves = normalize_transactions(node)
        received = sum((t["amount"] for t in moves if t["direction"] == "in"), Decimal(0))
        refunded = sum((t["amount"] for t in moves if t["direction"] == "out"), Decimal(0))
        assert received == _amount(order["totalReceivedSet"]), node["name"]
        assert refunded == _amount(order["totalRefundedSet"]), node["name"]
        gateways |= {t["gateway"] for t in moves}
        if node["displayFinancialStatus"] == "PENDING":
            kinds = {(t["kind"], t["status"]) for t in node["transactions"]}
            assert kinds == {("SALE", "PENDING")}
    assert {"shopify_payments", "paypal", "gift_card"} <= gateways


def test_a_refund_pays_back_what_it_refunds(money_sim, shop):
    order = money_sim.place_order([{"sku": "SKU-00003-1", "quantity": 2}])
    money_sim.refund(order, [{"sku": "SKU-00003-1", "quantity": 1}], restock_type="NO_RESTOCK")
    refund = money_sim.store.all("Refund")[-1]
    moves = [money_sim.store.objects[g] for g in refund["transactions"]]
    assert [t["kind"] for t in moves] == ["REFUND"]
    assert _amount(moves[0]["amountSet"]) == _amount(refund["totalRefundedSet"])
    assert moves[0]["parentTransaction"] in money_sim.order(order)["transactions"]


def test_a_pending_order_marked_paid_gets_its_bank_transfer(money_sim, money_server):
    order = money_sim.place_order(
        [{"sku": "SKU-00003-1", "quantity": 1}], financial_status="PENDING"
    )
    response = requests.post(
        money_server.graphql_url,
        json={"query": MARK_PAID, "variables": {"id": order}},
        headers={"X-Shopify-Access-Token": money_sim.access_token},
        timeout=10,
    )
    data = response.json()["data"]
    result = data["orderMarkAsPaid"]
    assert result["userErrors"] == []
    assert result["order"]["displayFinancialStatus"] == "PAID"
    paid = [t for t in result["order"]["transactions"] if t["status"] == "SUCCESS"]
    assert [(t["kind"], t["gateway"]) for t in paid] == [("SALE", "bank_deposit")]
    assert _amount(paid[0]["amountSet"]) == _amount(result["order"]["totalPriceSet"])


def test_the_seeded_payout_adds_up_and_names_the_order_transactions(money_sim, shop):
    payouts = list(fetch_payouts(shop))
    assert len(payouts) == 1
    payout = payouts[0]
    assert payout["status"] == "PAID"
    lines = fetch_balance_transactions(shop, payout)
    assert len(lines) >= 3
    assert sum((line["net"] for line in lines), Decimal(0)) == payout["net"]
    store = money_sim.store
    for line in lines:
        assert line["type"] in ("CHARGE", "REFUND")
        transaction = store.objects[line["transaction_gid"]]
        assert transaction["gateway"] == "shopify_payments"
        assert Decimal(transaction["amountSet"]["shopMoney"]["amount"]) == abs(line["amount"])
        if line["type"] == "CHARGE":
            expected = (line["amount"] * Decimal("0.019") + Decimal("0.25")).quantize(
                Decimal("0.01")
            )
            assert line["fee"] == expected
    # issued_at filter: a later date finds nothing
    assert not list(fetch_payouts(shop, since=payout["issued_at"].date().replace(year=2027)))


def test_payouts_need_their_scope(clock):
    sim = Simulator(seed=7, products=10, orders=5, clock=clock)
    with SimulatorServer(sim) as server:
        client = ShopifyClient(
            sim.shop_domain,
            access_token=sim.access_token,
            base_url=server.base_url,
            clock=clock.monotonic,
            sleep=clock.sleep,
        )
        with pytest.raises(Exception, match="read_shopify_payments_payouts"):
            list(fetch_payouts(client))
