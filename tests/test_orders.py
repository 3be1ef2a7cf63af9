"""Order documents, complete fetching, search query and normalisation."""

import copy
import gzip
import importlib.util
import json
import os
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import responses
from graphql import (
    build_client_schema,
    is_enum_type,
    is_list_type,
    is_non_null_type,
    is_scalar_type,
    parse,
    validate,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopify_api import order_queries
from shopify_api.client import ShopifyClient
from shopify_api.order_queries import (
    ORDER_LINE_ITEMS,
    ORDER_SHIPPING_LINES,
    ORDERS_PAGE,
    REFUND_LINE_ITEMS,
    build_order_query,
    fetch_orders,
)
from shopify_api.orders import (
    OrderPayloadError,
    delivery_date_from_tags,
    expected_total,
    lines_to_import,
    normalize_order,
    should_confirm,
    total_difference,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "orders")
SCHEMA_PATH = os.path.join(ROOT, "shopify_simulator", "schema", "admin_2026-10.json.gz")
ALL = sorted(f[:-5] for f in os.listdir(FIXTURES) if f.endswith(".json"))
VALID = [n for n in ALL if not n.startswith("malformed_")]
MALFORMED = [n for n in ALL if n.startswith("malformed_")]
DOCUMENTS = [ORDERS_PAGE, ORDER_LINE_ITEMS, ORDER_SHIPPING_LINES, REFUND_LINE_ITEMS]
D = Decimal


def load(name):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def currency_of(name):
    return "USD" if name == "tax_excluded_us" else "EUR"


@pytest.fixture(scope="module")
def schema():
    try:
        from shopify_simulator.schema import load_schema
    except ImportError:  # the simulator package is not importable: read the file
        with gzip.open(SCHEMA_PATH, "rt", encoding="utf-8") as handle:
            return build_client_schema(json.load(handle)["data"])
    return load_schema()


def _load_cost_function():
    """Shopify's requested-cost rules, as the simulator implements them."""
    try:
        from shopify_simulator.cost import requested_cost
    except ImportError:  # the simulator package is not importable: load the module file
        path = os.path.join(ROOT, "shopify_simulator", "cost.py")
        spec = importlib.util.spec_from_file_location("_simulator_cost", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        requested_cost = module.requested_cost
    return requested_cost


# -- documents ----------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.name)
def test_document_validates_against_schema(schema, doc):
    assert validate(schema, parse(doc.text)) == []


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.name)
def test_document_requested_cost_within_limit(schema, doc):
    cost = _load_cost_function()(schema, doc.text, doc.variables)
    print(f"{doc.name}: requested cost {cost} with {doc.variables}")
    assert 0 < cost <= 1000


def test_orders_page_cost_figures(schema):
    """ORDERS_PAGE: 8 orders x (4 lines, 2 shipping lines, 5 refund lines, transactions,
    channel and risk) = 979."""
    requested_cost = _load_cost_function()
    assert requested_cost(schema, ORDERS_PAGE.text, ORDERS_PAGE.variables) == 979
    one_line_more = dict(ORDERS_PAGE.variables, lineItemsFirst=5)
    assert requested_cost(schema, ORDERS_PAGE.text, one_line_more) > 1000


# -- fixtures: exactly the shape ORDERS_PAGE returns ----------------------------

_SCALARS = {
    "Int": int,
    "Float": (int, float),
    "Boolean": bool,
}


def _order_selection(schema):
    operation = parse(ORDERS_PAGE.text).definitions[0]
    orders_field = operation.selection_set.selections[0]
    nodes = next(f for f in orders_field.selection_set.selections if f.name.value == "nodes")
    return nodes.selection_set, schema.get_type("Order")


def _check_shape(value, type_, selection_set, path, strict):
    if is_non_null_type(type_):
        if strict:
            assert value is not None, f"{path} is null but non-null in the schema"
        type_ = type_.of_type
    if value is None:
        return
    if is_list_type(type_):
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            _check_shape(item, type_.of_type, selection_set, f"{path}[{index}]", strict)
        return
    if is_enum_type(type_):
        assert not strict or value in type_.values, f"{path}: {value!r} not in {type_.name}"
        return
    if is_scalar_type(type_):
        expected = _SCALARS.get(type_.name, str)
        assert not strict or isinstance(value, expected), f"{path}: {value!r} is no {type_.name}"
        return
    assert isinstance(value, dict), path
    selected = {(f.alias or f.name).value: f for f in selection_set.selections}
    assert set(value) == set(selected), f"{path}: keys {sorted(value)} != {sorted(selected)}"
    for key, field in selected.items():
        field_type = type_.fields[field.name.value].type
        _check_shape(value[key], field_type, field.selection_set, f"{path}.{key}", strict)


@pytest.mark.parametrize("name", ALL)
def test_fixture_has_exactly_the_shape_of_orders_page(schema, name):
    selection_set, order_type = _order_selection(schema)
    _check_shape(load(name), order_type, selection_set, name, strict=name in VALID)


# -- normalisation --------------------------------------------------------------


@pytest.mark.parametrize("name", VALID)
def test_normalize_order_shape(name):
    node = load(name)
    order = normalize_order(node, shop_currency=currency_of(name))
    assert order["gid"] == node["id"] and order["name"] == node["name"]
    assert order["legacy_id"] == node["legacyResourceId"]
    for key in ("created_at", "processed_at", "updated_at"):
        assert order[key].tzinfo is not None and order[key].utcoffset() == timedelta(0)
    assert order["currency"] == currency_of(name)
    for line in order["lines"]:
        assert set(line) >= {
            "gid", "sku", "name", "variant_gid", "product_gid", "ordered_quantity", "quantity",
            "unit_price", "discount", "taxes", "requires_shipping", "is_gift_card",
        }  # fmt: skip
        assert 0 <= line["quantity"] <= line["ordered_quantity"]
        assert isinstance(line["unit_price"], Decimal) and isinstance(line["discount"], Decimal)
        for tax in line["taxes"]:
            assert isinstance(tax["rate"], Decimal) and isinstance(tax["amount"], Decimal)
    assert set(order["totals"]) >= {"total", "subtotal", "tax", "shipping", "discount"}
    assert all(
        isinstance(v, Decimal) for k, v in order["totals"].items() if k != "presentment_total"
    )


@pytest.mark.parametrize("name", VALID)
def test_expected_total_matches_shopify_to_the_cent(name):
    order = normalize_order(load(name))
    print(f"{name}: expected {expected_total(order)} Shopify {order['totals']['total']}")
    assert total_difference(order) == 0
    assert expected_total(order) == order["totals"]["total"]


@pytest.mark.parametrize("name", VALID)
def test_totals_agree_with_lines(name):
    order = normalize_order(load(name))
    lines, ships = order["lines"], order["shipping_lines"]
    taxes = sum(t["amount"] for x in lines + ships for t in x["taxes"])
    discounts = sum(x["discount"] for x in lines + ships)
    subtotal = sum(x["unit_price"] * x["ordered_quantity"] - x["discount"] for x in lines)
    assert order["totals"]["tax"] == taxes
    assert order["totals"]["discount"] == discounts
    assert order["totals"]["subtotal"] == subtotal
    assert order["totals"]["shipping"] == sum(s["price"] for s in ships)


def test_simple_paid_order_in_detail():
    order = normalize_order(load("simple_paid"), shop_currency="EUR")
    assert order["created_at"] == datetime(2026, 3, 2, 9, 15, 27, tzinfo=timezone.utc)
    assert order["cancelled"] is False and order["test"] is False
    assert order["financial_status"] == "PAID" and order["fulfillment_status"] == "UNFULFILLED"
    assert order["taxes_included"] is True and order["presentment_currency"] == "EUR"
    assert order["customer"] == {
        "gid": "gid://shopify/Customer/7200000001001",
        "first_name": "Anna",
        "last_name": "Schmidt",
        "name": "Anna Schmidt",
        "email": "anna.schmidt@example.de",
        "phone": "+49301234567",
    }
    assert order["shipping_address"]["street"] == "Torstraße 12"
    assert order["shipping_address"]["phone"] == "+49301234567"
    first = order["lines"][0]
    assert first["sku"] == "TSHIRT-BLK-M" and first["name"] == "Bio-T-Shirt - Schwarz / M"
    assert first["unit_price"] == D("19.99") and first["quantity"] == 2
    assert first["taxes"] == [{"rate": D("19"), "title": "MwSt. 19%", "amount": D("6.38")}]
    assert order["shipping_lines"] == [
        {
            "title": "DHL Paket",
            "code": "DHL_STANDARD",
            "price": D("4.90"),
            "discount": D("0"),
            "taxes": [{"rate": D("19"), "title": "MwSt. 19%", "amount": D("0.78")}],
        }
    ]
    assert order["totals"]["total"] == D("57.38") and order["tips"] == 0


def test_discounts_are_allocated_to_lines_and_shipping():
    pct = normalize_order(load("percentage_discount"))
    assert [x["discount"] for x in pct["lines"]] == [D("4.98"), D("1.50"), D("2.99")]
    fixed = normalize_order(load("fixed_order_discount"))
    assert sum(x["discount"] for x in fixed["lines"]) == D("10.00")
    ship = normalize_order(load("shipping_discount"))["shipping_lines"][0]
    assert (ship["price"], ship["discount"]) == (D("5.90"), D("5.90"))


def test_taxes_included_with_two_rates_and_taxes_excluded_with_three():
    de = normalize_order(load("tax_included_de_19_7"))
    assert {t["rate"] for x in de["lines"] for t in x["taxes"]} == {D("19"), D("7")}
    us = normalize_order(load("tax_excluded_us"), shop_currency="USD")
    assert us["taxes_included"] is False and us["tips"] == D("5.00")
    assert [t["rate"] for t in us["lines"][0]["taxes"]] == [D("4"), D("4.5"), D("0.375")]
    assert us["email"] == "john.miller@example.com"
    assert us["billing_address"]["company"] == "Miller & Sons, Inc."
    assert us["billing_address"]["phone"] == "+12125550199"
    assert us["billing_address"]["state_code"] == "NY"


def test_money_is_read_in_shop_currency_never_presentment():
    order = normalize_order(load("foreign_presentment_chf"), shop_currency="EUR")
    assert order["currency"] == "EUR" and order["presentment_currency"] == "CHF"
    assert order["totals"]["total"] == D("73.50")
    assert order["totals"]["presentment_total"] == D("69.18")
    assert order["shipping_address"]["phone"] == "+41446681800"


def test_sold_quantity_rule():
    order = normalize_order(load("refunds_cancel_and_return"))
    by_sku = {x["sku"]: x for x in order["lines"]}
    # 3 plates, 1 cancelled before shipping: 2 sold.
    assert (by_sku["PLATE-CER"]["ordered_quantity"], by_sku["PLATE-CER"]["quantity"]) == (3, 2)
    # 2 glass sets shipped, 1 returned afterwards: both stay sold.
    assert (by_sku["GLASS-SET"]["ordered_quantity"], by_sku["GLASS-SET"]["quantity"]) == (2, 2)
    # 2 napkins, 1 removed by an order edit (no refund): 1 sold.
    assert (by_sku["NAPKIN-10"]["ordered_quantity"], by_sku["NAPKIN-10"]["quantity"]) == (2, 1)
    assert [
        [(x["quantity"], x["restock_type"]) for x in r["lines"]] for r in order["refunds"]
    ] == [
        [(1, "CANCEL")],
        [(1, "RETURN")],
    ]
    assert order["refunds"][0]["created_at"] == datetime(2026, 3, 2, 15, tzinfo=timezone.utc)
    # Sale order total: cancelled plate (12.00) and removed napkin (4.50) left out.
    assert expected_total(order, sold=True) == order["totals"]["total"] - D("16.50")
    assert order["totals"]["current_total"] == D("51.40")


def test_cancelled_order():
    order = normalize_order(load("cancelled"))
    assert order["cancelled"] is True and order["cancel_reason"] == "CUSTOMER"
    assert order["lines"][0]["quantity"] == 0
    assert should_confirm(order, ("PAID", "REFUNDED")) is False


def test_guest_order_without_customer():
    order = normalize_order(load("guest_order"))
    assert order["customer"] is None
    assert order["email"] == "gast.kunde@example.de"
    assert order["phone"] == "+4915123456789"
    assert order["billing_address"]["company"] == "Mustermann GmbH"
    assert order["shipping_address"]["name"] == "Max Mustermann"
    assert order["shipping_address"]["email"] == "gast.kunde@example.de"


def test_line_without_sku_and_variant():
    line = normalize_order(load("line_without_sku_and_variant"))["lines"][0]
    assert line["sku"] is None and line["variant_gid"] is None and line["product_gid"] is None
    assert line["name"] == "Geschenkverpackung"


def test_delivery_date_from_order_tags():
    order = normalize_order(load("delivery_date_tag"))
    assert order["tags"] == ["Großkunde", "Lieferung: 2026-12-01", "Lieferung: 2026-02-30"]
    assert delivery_date_from_tags(order["tags"]) == date(2026, 12, 1)
    assert order["note"] == "Bitte vorher anrufen."


@pytest.mark.parametrize(
    ("tags", "pattern", "expected"),
    [
        (["Lieferung: 2026-12-01"], "Lieferung: YYYY-MM-DD", date(2026, 12, 1)),
        ("VIP, Lieferung: 2027-01-15 ", "Lieferung: YYYY-MM-DD", date(2027, 1, 15)),
        (["lieferung:2026-12-01"], "Lieferung: YYYY-MM-DD", date(2026, 12, 1)),
        (
            ["Lieferung: 2026-02-30", "Lieferung: 2026-03-01"],
            "Lieferung: YYYY-MM-DD",
            date(2026, 3, 1),
        ),
        (["Lieferung: 2026-13-01"], "Lieferung: YYYY-MM-DD", None),
        (["Lieferung: morgen"], "Lieferung: YYYY-MM-DD", None),
        (["Vorab-Lieferung: 2026-12-01"], "Lieferung: YYYY-MM-DD", None),
        (["Delivery 01.12.2026"], "Delivery DD.MM.YYYY", date(2026, 12, 1)),
        (["Delivery 01x12x2026"], "Delivery DD.MM.YYYY", None),
        ([], "Lieferung: YYYY-MM-DD", None),
        (None, "Lieferung: YYYY-MM-DD", None),
    ],
)
def test_delivery_date_from_tags(tags, pattern, expected):
    assert delivery_date_from_tags(tags, pattern) == expected


def test_delivery_date_pattern_needs_every_placeholder():
    with pytest.raises(ValueError):
        delivery_date_from_tags(["x"], "Lieferung: MM-DD")


@pytest.mark.parametrize("name", VALID)
def test_should_confirm_and_lines_to_import(name):
    order = normalize_order(load(name))
    assert should_confirm(order) is (
        order["financial_status"] == "PAID" and not order["cancelled"]
    )
    kept = lines_to_import(order)
    assert all(x["requires_shipping"] and not x["is_gift_card"] for x in kept)
    assert lines_to_import(order, only_shipping=False) == order["lines"]


def test_gift_cards_and_digital_goods_are_left_out_when_asked():
    order = normalize_order(load("gift_card"))
    assert [x["sku"] for x in lines_to_import(order)] == ["SEEDS-MIX"]
    assert len(lines_to_import(order, only_shipping=False)) == 3
    assert should_confirm(order, statuses=("paid",)) is True
    assert should_confirm(order, statuses=("AUTHORIZED",)) is False


def test_250_and_more_lines_are_fine():
    node = load("simple_paid")
    template = node["lineItems"]["nodes"][1]
    lines = []
    for index in range(300):
        line = copy.deepcopy(template)
        line["id"] = f"gid://shopify/LineItem/{9000 + index}"
        lines.append(line)
    node["lineItems"]["nodes"] = lines
    line_total = D("12.50") * 300
    node["subtotalPriceSet"]["shopMoney"]["amount"] = str(line_total)
    node["totalPriceSet"]["shopMoney"]["amount"] = str(line_total + D("4.90"))
    order = normalize_order(node)
    assert len(order["lines"]) == 300 and total_difference(order) == 0


# -- malformed payloads ---------------------------------------------------------

MALFORMED_CODES = {
    "malformed_missing_name": ("gid://shopify/Order/6100000001901", "missing_field"),
    "malformed_bad_amount": ("#1902", "bad_amount"),
    "malformed_negative_quantity": ("#1903", "negative_quantity"),
    "malformed_unknown_currency": ("#1904", "unknown_currency"),
    "malformed_line_without_title_and_sku": ("#1905", "bad_line"),
}


def test_every_malformed_fixture_has_an_expectation():
    assert set(MALFORMED) == set(MALFORMED_CODES)


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_order_raises_payload_error(name):
    label, code = MALFORMED_CODES[name]
    with pytest.raises(OrderPayloadError) as info:
        normalize_order(load(name))
    assert info.value.code == code and info.value.order == label
    assert str(info.value).startswith(f"Order {label}: ")
    print(info.value)


def _shipping_money(node):
    return node["shippingLines"]["nodes"][0]["originalPriceSet"]["shopMoney"]


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda n: n.pop("id"), "missing_field"),
        (lambda n: n.update(lineItems=None), "missing_field"),
        (lambda n: n.update(totalPriceSet=None), "missing_field"),
        (lambda n: n["lineItems"]["nodes"][0].update(originalUnitPriceSet=None), "missing_field"),
        (lambda n: n["lineItems"]["nodes"][0].update(quantity=2.5), "bad_quantity"),
        (lambda n: n["lineItems"]["nodes"][0].update(currentQuantity=9), "bad_quantity"),
        (lambda n: n.update(createdAt="yesterday"), "bad_date"),
        (lambda n: _shipping_money(n).update(amount="NaN"), "bad_amount"),
        (lambda n: n["totalTaxSet"]["shopMoney"].update(currencyCode="USD"), "currency_mismatch"),
    ],
)
def test_other_payload_problems(mutate, code):
    node = load("simple_paid")
    mutate(node)
    with pytest.raises(OrderPayloadError) as info:
        normalize_order(node)
    assert info.value.code == code
    assert info.value.order in ("#1001", "gid://shopify/Order/6100000001001")


def test_shop_currency_mismatch_and_no_data():
    with pytest.raises(OrderPayloadError) as info:
        normalize_order(load("tax_excluded_us"), shop_currency="EUR")
    assert info.value.code == "currency_mismatch" and "USD" in str(info.value)
    with pytest.raises(OrderPayloadError) as info:
        normalize_order(None)
    assert info.value.code == "missing_field"


# -- property: never another exception ------------------------------------------


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


MUTATIONS = st.one_of(
    st.just("delete"),
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", " ", "1e400", "-0", "ÄÖÜ€", "𝟙𝟚", "\x00", "2026-02-30T00:00:00Z"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.none(), max_size=2),
    st.booleans(),
)


@st.composite
def mutated_orders(draw):
    node = load(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(node) if p]
        path = draw(st.sampled_from(paths))
        parent = node
        for key in path[:-1]:
            parent = parent[key]
        value = draw(MUTATIONS)
        if value == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return node


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_orders())
def test_normalize_order_returns_consistent_dict_or_payload_error(node):
    try:
        order = normalize_order(node)
    except OrderPayloadError as error:
        assert error.code and error.order and str(error).startswith("Order ")
        return
    assert isinstance(order["gid"], str) and isinstance(order["name"], str)
    assert order["created_at"].tzinfo is not None
    assert all(isinstance(t, str) and t == t.strip() and t for t in order["tags"])
    for line in order["lines"]:
        assert isinstance(line["ordered_quantity"], int)
        assert 0 <= line["quantity"] <= line["ordered_quantity"]
        assert line["unit_price"].is_finite() and line["discount"].is_finite()
    assert isinstance(expected_total(order), Decimal)
    assert isinstance(expected_total(order, sold=True), Decimal)
    total_difference(order)
    lines_to_import(order)
    should_confirm(order)
    delivery_date_from_tags(order["tags"])


def _unquote(query, prefix):
    """The value after ``prefix`` in ``query``, read like Shopify's quoted string."""
    rest = query[query.index(prefix) + len(prefix) :]
    quote = rest[0]
    assert quote in "'\""
    value, index = [], 1
    while rest[index] != quote:
        if rest[index] == "\\":
            index += 1
        value.append(rest[index])
        index += 1
    return "".join(value), rest[index + 1 :]


@given(st.text(max_size=40), st.text(max_size=40))
def test_search_values_are_always_quoted(tag, other):
    query = build_order_query(tags_required=[tag], tags_excluded=[other])
    assert query.startswith("financial_status:paid AND ") and query.endswith(" AND test:false")
    for prefix, value in (("tag:", tag), ("tag_not:", other)):
        if value.strip():
            unquoted, rest = _unquote(query, prefix)
            assert unquoted == value.strip()
            assert rest.startswith(" AND ") or rest.startswith(")")
        else:
            assert prefix not in query


# -- search query ---------------------------------------------------------------


def test_default_query():
    assert build_order_query() == "financial_status:paid AND test:false"
    assert build_order_query(financial_statuses=(), include_test=True) == ""


def test_query_with_everything():
    since = datetime(2026, 3, 2, 10, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    query = build_order_query(
        since=since,
        overlap_seconds=120,
        financial_statuses=("PAID", "partially_paid"),
        fulfillment_statuses=("unfulfilled",),
        tags_required=("Großkunde", "B2B"),
        tags_excluded=("Lieferung: später", "it's done", "", "a\\b"),
        include_test=True,
        until="2026-03-02T12:00:00Z",
    )
    assert query == (
        "updated_at:>='2026-03-02T08:58:00Z' "
        "AND updated_at:<='2026-03-02T12:00:00Z' "
        "AND (financial_status:paid OR financial_status:partially_paid) "
        "AND fulfillment_status:unfulfilled AND (tag:'Großkunde' OR tag:'B2B') "
        "AND tag_not:'Lieferung: später' AND tag_not:\"it's done\" AND tag_not:'a\\\\b'"
    )


def test_query_since_naive_means_utc_and_no_status_filter():
    query = build_order_query(
        since="2026-03-02T10:00:00", overlap_seconds=0, financial_statuses=()
    )
    assert query == "updated_at:>='2026-03-02T10:00:00Z' AND test:false"


@pytest.mark.parametrize("status", ["paid OR x", "paid)", "", "tag:x"])
def test_query_refuses_odd_statuses(status):
    with pytest.raises(ValueError):
        build_order_query(financial_statuses=(status,))


# -- fetching: every nested connection read to its end ---------------------------


def _page(items, start, size, cursor_prefix):
    chunk = items[start : start + size]
    more = start + size < len(items)
    return {
        "nodes": chunk,
        "pageInfo": {"hasNextPage": more, "endCursor": f"{cursor_prefix}:{start + size}"},
    }


def _cursor_start(after):
    return int(after.rsplit(":", 1)[1]) if after else 0


class FakeShopify:
    """Answers the order documents from complete orders, page by page."""

    def __init__(self, complete_orders, sizes=None):
        self.orders = complete_orders
        self.sizes = dict(ORDERS_PAGE.variables, **(sizes or {}))
        self.calls = []

    def answer(self, name, variables):
        self.calls.append((name, variables.get("id"), variables.get("after")))
        after = _cursor_start(variables.get("after"))
        if name == "OrdersPage":
            page = _page(self.orders, after, variables["first"], "orders")
            page["nodes"] = [self._first_pages(o, variables) for o in page["nodes"]]
            return {"orders": page}
        if name == "RefundLineItems":
            refund = next(
                r for o in self.orders for r in o["refunds"] if r["id"] == variables["id"]
            )
            items = refund["refundLineItems"]["nodes"]
            page = _page(items, after, variables["first"], "refund")
            return {"refund": {"refundLineItems": page}}
        order = next(o for o in self.orders if o["id"] == variables["id"])
        key = {"OrderLineItems": "lineItems", "OrderShippingLines": "shippingLines"}[name]
        return {"order": {key: _page(order[key]["nodes"], after, variables["first"], key)}}

    def _first_pages(self, order, variables):
        order = copy.deepcopy(order)
        for key, size in (
            ("lineItems", variables["lineItemsFirst"]),
            ("shippingLines", variables["shippingLinesFirst"]),
        ):
            order[key] = _page(order[key]["nodes"], 0, size, key)
        for refund in order["refunds"]:
            items = refund["refundLineItems"]["nodes"]
            size = variables["refundLineItemsFirst"]
            refund["refundLineItems"] = _page(items, 0, size, "refund")
        return order


class FakeClient:
    """The client's interface (execute / paginate) over a FakeShopify."""

    def __init__(self, shop):
        self.shop = shop

    def execute(self, doc, variables=None):
        return self.shop.answer(doc.name, {**doc.variables, **(variables or {})})

    def paginate(self, doc, variables=None, path=(), after=None):
        while True:
            data = self.execute(doc, {**(variables or {}), "after": after})
            for key in path:
                data = data[key]
            yield from data["nodes"]
            if not data["pageInfo"]["hasNextPage"]:
                return
            after = data["pageInfo"]["endCursor"]


def _big_orders(count=11, lines=13, shipping=3, refund_lines=12):
    """Complete orders with more lines, shipping lines and refund lines than one page."""
    result = []
    template = load("refunds_cancel_and_return")
    for number in range(count):
        order = copy.deepcopy(template)
        order["id"] = f"gid://shopify/Order/{700 + number}"
        order["name"] = f"#{700 + number}"
        line = order["lineItems"]["nodes"][0]
        order["lineItems"]["nodes"] = [
            dict(line, id=f"gid://shopify/LineItem/{number}-{i}") for i in range(lines)
        ]
        ship = order["shippingLines"]["nodes"][0]
        order["shippingLines"]["nodes"] = [
            dict(ship, id=f"gid://shopify/ShippingLine/{number}-{i}") for i in range(shipping)
        ]
        refund = order["refunds"][0]
        item = refund["refundLineItems"]["nodes"][0]
        refund["id"] = f"gid://shopify/Refund/{number}"
        refund["refundLineItems"]["nodes"] = [
            {**item, "lineItem": {"id": f"gid://shopify/LineItem/{number}-{i}"}}
            for i in range(refund_lines)
        ]
        order["refunds"] = [refund]
        result.append(order)
    return result


def test_fetch_orders_completes_every_nested_connection():
    complete = _big_orders()
    shop = FakeShopify(complete)
    fetched = list(fetch_orders(FakeClient(shop), "status:any"))
    assert [o["id"] for o in fetched] == [o["id"] for o in complete]
    for got, want in zip(fetched, complete):
        assert got["lineItems"]["nodes"] == want["lineItems"]["nodes"]
        assert got["shippingLines"]["nodes"] == want["shippingLines"]["nodes"]
        assert (
            got["refunds"][0]["refundLineItems"]["nodes"]
            == (want["refunds"][0]["refundLineItems"]["nodes"])
        )
        assert got["lineItems"]["pageInfo"]["hasNextPage"] is False
        normalized = normalize_order(got)
        assert len(normalized["lines"]) == 13
        # Every line got a CANCEL refund of one unit: 3 ordered, 2 current, 2 sold.
        assert [x["quantity"] for x in normalized["lines"][:12]] == [2] * 12
    names = [name for name, _id, _after in shop.calls]
    assert names.count("OrdersPage") == 2  # 11 orders, 8 per page
    # 13 lines: first page of 4, then one follow-up page of 50 per order.
    assert names.count("OrderLineItems") == 11
    assert names.count("OrderShippingLines") == 11
    assert names.count("RefundLineItems") == 11


def test_fetch_orders_follows_several_follow_up_pages(monkeypatch):
    complete = _big_orders(count=2, lines=120, shipping=1, refund_lines=1)
    shop = FakeShopify(complete)
    fetched = list(fetch_orders(FakeClient(shop), "x"))
    assert [len(o["lineItems"]["nodes"]) for o in fetched] == [120, 120]
    lines_calls = [(i, a) for n, i, a in shop.calls if n == "OrderLineItems"]
    assert lines_calls == [
        (complete[0]["id"], "lineItems:4"),
        (complete[0]["id"], "lineItems:54"),
        (complete[0]["id"], "lineItems:104"),
        (complete[1]["id"], "lineItems:4"),
        (complete[1]["id"], "lineItems:54"),
        (complete[1]["id"], "lineItems:104"),
    ]
    assert not any(n in ("OrderShippingLines", "RefundLineItems") for n, _i, _a in shop.calls)


def test_fetch_orders_with_no_orders():
    assert list(fetch_orders(FakeClient(FakeShopify([])), "x")) == []


@responses.activate
def test_fetch_orders_through_the_real_client():
    complete = _big_orders(count=10, lines=7, shipping=1, refund_lines=6)
    shop = FakeShopify(complete)

    def callback(request):
        body = json.loads(request.body)
        name = body["query"].split("query ", 1)[1].split("(", 1)[0].strip()
        data = shop.answer(name, body["variables"])
        cost = {
            "requestedQueryCost": 100,
            "actualQueryCost": 50,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1950.0,
                "restoreRate": 100.0,
            },
        }
        return 200, {}, json.dumps({"data": data, "extensions": {"cost": cost}})

    url = "https://order-tests.myshopify.com/admin/api/2026-10/graphql.json"
    responses.add_callback(responses.POST, url, callback=callback)
    client = ShopifyClient("order-tests.myshopify.com", access_token="token", sleep=lambda s: None)
    fetched = list(fetch_orders(client, build_order_query()))
    assert len(fetched) == 10
    assert all(len(o["lineItems"]["nodes"]) == 7 for o in fetched)
    assert all(len(o["refunds"][0]["refundLineItems"]["nodes"]) == 6 for o in fetched)
    sent = [json.loads(c.request.body) for c in responses.calls]
    assert sent[0]["variables"]["query"] == "financial_status:paid AND test:false"
    assert sent[0]["variables"]["first"] == order_queries.ORDERS_PER_PAGE
