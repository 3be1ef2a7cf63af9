"""Price push planning: what is sent, kept, skipped, and how it is batched."""

from decimal import Decimal

import graphql
import pytest

from shopify_api import prices
from shopify_api.prices import PriceItem
from shopify_simulator.cost import requested_cost
from shopify_simulator.schema import load_schema

D = Decimal


def item(n, price="10.00", product=None, **kw):
    return PriceItem(
        variant_gid=f"gid://shopify/ProductVariant/{n}",
        product_gid=f"gid://shopify/Product/{n}" if product is None else product,
        price=None if price is None else D(price),
        reference=f"SKU-{n}",
        key=n,
        **kw,
    )


def test_money_is_rounded_half_up_to_the_currency_digits():
    assert prices.to_decimal(12.345) == D("12.35")
    assert prices.to_decimal(0.1 + 0.2) == D("0.30")
    assert prices.to_decimal(5, 0) == D("5")
    assert prices.to_decimal(None) is None
    assert prices.money_text(D("12.50")) == "12.50"


def test_compare_at_not_above_the_price_is_cleared():
    assert prices.effective_compare_at(D("10"), D("12")) == D("12")
    assert prices.effective_compare_at(D("10"), D("10")) is None
    assert prices.effective_compare_at(D("10"), D("9")) is None
    assert prices.effective_compare_at(D("10"), None) is None
    assert prices.effective_compare_at(D("10"), D("0")) is None


def test_only_id_and_price_are_sent_without_a_compare_at_pricelist():
    plan = prices.plan_prices([item(1, compare_at=D("99"))])
    assert plan.updates == {
        "gid://shopify/Product/1": [{"id": "gid://shopify/ProductVariant/1", "price": "10.00"}]
    }


def test_managed_compare_at_is_sent_or_cleared_with_null():
    plan = prices.plan_prices(
        [item(1, compare_at=D("12.00")), item(2, compare_at=D("5.00")), item(3)],
        manage_compare_at=True,
    )
    sent = {e["id"][-1]: e for v in plan.updates.values() for e in v}
    assert sent["1"]["compareAtPrice"] == "12.00"
    assert sent["2"]["compareAtPrice"] is None
    assert sent["3"]["compareAtPrice"] is None


def test_unchanged_prices_are_not_sent_unless_all_are_pushed():
    same = item(1, last_price=D("10.00"))
    changed = item(2, last_price=D("9.00"))
    plan = prices.plan_prices([same, changed])
    assert [i.key for i in plan.unchanged] == [1]
    assert list(plan.items) == ["gid://shopify/ProductVariant/2"]
    plan = prices.plan_prices([same, changed], changed_only=False)
    assert plan.variant_count == 2


def test_a_compare_at_change_alone_sends_the_variant():
    told = {"last_price": D("10.00"), "last_compare_at": D("12.00"), "last_compare_at_told": True}
    assert prices.plan_prices(
        [item(1, compare_at=D("12"), **told)], manage_compare_at=True
    ).unchanged
    plan = prices.plan_prices([item(1, compare_at=D("13"), **told)], manage_compare_at=True)
    assert plan.variant_count == 1
    # never told: a cleared compare-at is sent once, to clear the merchant's value
    never = item(1, last_price=D("10.00"))
    assert prices.plan_prices([never], manage_compare_at=True).variant_count == 1
    assert prices.plan_prices([never], manage_compare_at=False).unchanged


def test_skips_carry_their_reason():
    plan = prices.plan_prices(
        [item(1, price=None), item(2, skip_reason=prices.SKIP_CURRENCY), item(3, product="")]
    )
    assert [(i.key, reason) for i, reason in plan.skipped] == [
        (1, prices.SKIP_NO_PRICE),
        (2, prices.SKIP_CURRENCY),
        (3, prices.SKIP_NO_PRODUCT),
    ]
    assert plan.updates == {}


def test_a_product_with_more_than_250_variants_is_split_into_calls():
    updates = {"P": [{"id": str(n), "price": "1"} for n in range(600)]}
    calls = prices.product_calls(updates)
    assert [len(v) for _p, v in calls] == [250, 250, 100]
    assert {p for p, _v in calls} == {"P"}


def test_products_are_packed_into_the_largest_full_batches():
    calls = [(f"P{n}", [{"id": f"V{n}", "price": "1"}]) for n in range(123)]
    requests = prices.batch_requests(calls)
    assert [len(chunk) for _doc, _vars, chunk in requests] == [90, 20, 10, 2, 1]
    doc, variables, _chunk = requests[-1]
    assert doc.name == "PriceUpdateBatch1"
    assert variables == {"p0": "P122", "v0": [{"id": "V122", "price": "1"}]}


def test_a_request_holds_a_bounded_number_of_variants():
    calls = [(f"P{n}", [{"id": f"V{n}-{m}"} for m in range(250)]) for n in range(30)]
    requests = prices.batch_requests(calls)
    assert all(sum(len(v) for _p, v in chunk) <= 2500 for _d, _v, chunk in requests)
    assert sum(len(chunk) for _d, _v, chunk in requests) == 30


@pytest.mark.parametrize("size", prices.BATCH_SIZES)
def test_every_batch_document_is_valid_and_within_the_cost_limit(size):
    schema = load_schema()
    doc = prices.PRICE_UPDATE_DOCUMENTS[size]
    parsed = graphql.parse(doc.text)
    assert graphql.validate(schema, parsed) == []
    assert requested_cost(schema, parsed, {}) == 10 * size <= 1000


def test_user_errors_fail_the_named_variant_or_the_whole_product():
    chunk = [
        ("P1", [{"id": "V1"}, {"id": "V2"}]),
        ("P2", [{"id": "V3"}]),
        ("P3", [{"id": "V4"}]),
    ]
    data = {
        "u0": {
            "userErrors": [{"field": ["variants", "1", "price"], "message": "bad price"}],
            "productVariants": [],
        },
        "u1": {
            "userErrors": [{"field": ["productId"], "message": "Product does not exist"}],
            "productVariants": None,
        },
        "u2": {"userErrors": [], "productVariants": []},
    }
    pushed, failed = prices.read_results(data, chunk)
    assert pushed == ["V1", "V4"]
    assert failed == [("V2", "P1", "bad price"), ("V3", "P2", "Product does not exist")]


def test_a_missing_alias_fails_its_variants():
    pushed, failed = prices.read_results({}, [("P1", [{"id": "V1"}])])
    assert pushed == []
    assert failed[0][0] == "V1"
