"""The Shopify client against `responses`: errors, retries, throttling, paging, logs."""

import json
import logging
import pathlib
import re

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from shopify_api import errors
from shopify_api.auth import ClientCredentialsTokenProvider
from shopify_api.client import (
    DEFAULT_EXPECTED_COST,
    MIN_THROTTLE_WAIT,
    ShopifyClient,
    backoff_delay,
    reset_throttle_states,
    throttle_state,
)
from shopify_api.document_costs import COSTS as DOCUMENT_COSTS
from shopify_api.documents import document
from shopify_api.order_queries import ORDERS_PAGE as REAL_ORDERS_PAGE
from shopify_api.shop_documents import SHOP_INFO

URL = "https://myshop.myshopify.com/admin/api/2026-10/graphql.json"
TOKEN = "shpat_secret_token_value"
CLIENT_SECRET = "shpss_client_secret_value"

ORDERS_PAGE = document(
    "TestClientOrdersPage",
    """
    query TestClientOrdersPage($first: Int!, $after: String) {
      orders(first: $first, after: $after) {
        nodes {
          id
          name
          lineItems(first: 2) { nodes { id sku } pageInfo { hasNextPage endCursor } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    {"first": 2},
)
ORDER_LINE_ITEMS = document(
    "TestClientOrderLineItems",
    """
    query TestClientOrderLineItems($id: ID!, $first: Int!, $after: String) {
      order(id: $id) {
        lineItems(first: $first, after: $after) {
          nodes { id sku }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """,
    {"first": 2},
)
SET_QUANTITIES = document(
    "TestClientSetQuantities",
    """
    mutation TestClientSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
      inventorySetQuantities(input: $input) @idempotent(key: $key) {
        userErrors { field message code }
      }
    }
    """,
)
UPDATE_VARIANTS = document(
    "TestClientUpdateVariants",
    """
    mutation TestClientUpdateVariants($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $productId, variants: $variants) {
        userErrors { field message code }
      }
    }
    """,
)


class FakeTime:
    """A clock that the injected sleep advances: tests run instantly."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def fresh_throttle_states():
    reset_throttle_states()
    yield
    reset_throttle_states()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(fake_time):
    def make(**kwargs):
        kwargs.setdefault("access_token", TOKEN)
        return ShopifyClient(
            kwargs.pop("domain", "myshop"),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            rng=lambda: 0.5,
            **kwargs,
        )

    return make


@pytest.fixture
def client(make_client):
    return make_client()


def cost(requested=10, actual=None, available=1990, maximum=2000, rate=100):
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": requested if actual is None else actual,
        "throttleStatus": {
            "maximumAvailable": maximum,
            "currentlyAvailable": available,
            "restoreRate": rate,
        },
    }


def answer(data, status=200, **cost_kwargs):
    responses.add(
        responses.POST,
        URL,
        json={"data": data, "extensions": {"cost": cost(**cost_kwargs)}},
        status=status,
    )


def answer_errors(errors_, status=200, data=None, **cost_kwargs):
    body = {"errors": errors_, "extensions": {"cost": cost(**cost_kwargs)}}
    if data is not None:
        body["data"] = data
    responses.add(responses.POST, URL, json=body, status=status)


def throttled(requested=310, available=10, rate=100):
    answer_errors(
        [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        requested=requested,
        actual=0,
        available=available,
        rate=rate,
    )


def refused_connection():
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.ConnectionError(MaxRetryError(None, URL, reason))


def sent_bodies():
    return [json.loads(call.request.body) for call in responses.calls]


# -- requests and answers --------------------------------------------------------


@responses.activate
def test_execute_posts_the_document_with_token_and_returns_data(client):
    answer({"shop": {"name": "My Shop"}}, requested=4, actual=3)
    data = client.execute(SHOP_INFO)
    assert data == {"shop": {"name": "My Shop"}}
    request = responses.calls[0].request
    assert request.url == URL
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    assert "odoo-shopify-connector" in request.headers["User-Agent"]
    assert json.loads(request.body) == {"query": SHOP_INFO.text, "variables": {}}
    assert client.last_cost["requestedQueryCost"] == 4
    assert client.stats["calls"] == 1
    assert client.stats["requested_points"] == 4
    assert client.stats["actual_points"] == 3


@responses.activate
def test_document_variables_are_defaults_under_the_given_ones(client):
    answer({"orders": {"nodes": [], "pageInfo": {"hasNextPage": False}}})
    client.execute(ORDERS_PAGE, {"after": "abc"})
    assert sent_bodies()[0]["variables"] == {"first": 2, "after": "abc"}


def test_every_request_carries_a_timeout(fake_time):
    seen = {}

    class RecordingSession(requests.Session):
        def request(self, method, url, **kwargs):
            seen.update(kwargs)
            return super().request(method, url, **kwargs)

    client = ShopifyClient(
        "myshop", access_token=TOKEN, session=RecordingSession(), timeout=(3, 7)
    )
    with responses.RequestsMock() as mocked:
        mocked.add(responses.POST, URL, json={"data": {"shop": {"name": "x"}}})
        client.execute(SHOP_INFO)
    assert seen["timeout"] == (3, 7)


def test_raw_query_strings_are_refused(client):
    with pytest.raises(TypeError):
        client.execute("{ shop { name } }")


def test_exactly_one_credential_is_required():
    with pytest.raises(ValueError):
        ShopifyClient("myshop")
    with pytest.raises(ValueError):
        ShopifyClient("myshop", access_token=TOKEN, token_provider=lambda: TOKEN)


def test_the_domain_is_normalised_and_checked():
    assert ShopifyClient("MyShop", access_token=TOKEN).endpoint == URL
    simulator = ShopifyClient("myshop", access_token=TOKEN, base_url="http://127.0.0.1:8765/")
    assert simulator.endpoint == "http://127.0.0.1:8765/admin/api/2026-10/graphql.json"
    with pytest.raises(errors.InvalidDomainError):
        ShopifyClient("shop.example.com", access_token=TOKEN)


# -- errors that are not retried ---------------------------------------------------


@responses.activate
def test_401_raises_authentication_error_without_retry(client, fake_time):
    responses.add(
        responses.POST, URL, json={"errors": "Invalid API key or access token"}, status=401
    )
    with pytest.raises(errors.AuthenticationError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "authentication"
    assert TOKEN not in str(info.value)
    assert len(responses.calls) == 1
    assert fake_time.sleeps == []


@responses.activate
def test_401_with_a_token_provider_refreshes_once_and_retries(make_client):
    class Provider:
        def __init__(self):
            self.calls = []

        def get_token(self, force_refresh=False):
            self.calls.append(force_refresh)
            return "new" if force_refresh else "old"

    provider = Provider()
    responses.add(responses.POST, URL, status=401)
    answer({"shop": {"name": "x"}})
    client = make_client(access_token=None, token_provider=provider)
    assert client.execute(SHOP_INFO) == {"shop": {"name": "x"}}
    assert provider.calls == [False, True]
    tokens = [call.request.headers["X-Shopify-Access-Token"] for call in responses.calls]
    assert tokens == ["old", "new"]


@responses.activate
def test_401_after_a_refreshed_token_is_final(make_client):
    responses.add(responses.POST, URL, status=401)
    client = make_client(access_token=None, token_provider=lambda: "tok")
    with pytest.raises(errors.AuthenticationError):
        client.execute(SHOP_INFO)
    assert len(responses.calls) == 2


@responses.activate
def test_403_raises_access_denied(client):
    responses.add(responses.POST, URL, json={"errors": "requires write_inventory"}, status=403)
    with pytest.raises(errors.AccessDeniedError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "access_denied"
    assert info.value.scope == "write_inventory"
    assert len(responses.calls) == 1


@responses.activate
def test_graphql_access_denied_names_the_field_and_scope(client):
    answer_errors(
        [
            {
                "message": "Access denied for orders field.",
                "path": ["orders"],
                "extensions": {
                    "code": "ACCESS_DENIED",
                    "requiredAccess": "`read_orders` access scope.",
                },
            }
        ],
        data={"orders": None},
    )
    with pytest.raises(errors.AccessDeniedError) as info:
        client.execute(ORDERS_PAGE)
    assert info.value.field == "orders"
    assert info.value.scope == "read_orders"
    assert "read_orders" in str(info.value)
    assert len(responses.calls) == 1


@responses.activate
def test_404_raises_shop_not_found(client):
    responses.add(responses.POST, URL, body="Not Found", status=404)
    with pytest.raises(errors.ShopNotFoundError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "shop_not_found"
    assert "myshop.myshopify.com" in str(info.value)
    assert len(responses.calls) == 1


@pytest.mark.parametrize("status, word", [(402, "frozen"), (423, "locked")])
@responses.activate
def test_frozen_or_locked_shop_raises_shop_unavailable(client, status, word):
    responses.add(responses.POST, URL, status=status)
    with pytest.raises(errors.ShopUnavailableError) as info:
        client.execute(SHOP_INFO)
    assert word in str(info.value)
    assert info.value.status == status


@responses.activate
def test_other_4xx_raise_request_error(client):
    responses.add(responses.POST, URL, status=400)
    with pytest.raises(errors.RequestError):
        client.execute(SHOP_INFO)
    assert len(responses.calls) == 1


@responses.activate
def test_graphql_validation_errors_raise_without_retry(client, fake_time):
    problems = [
        {
            "message": "Field 'nope' doesn't exist on type 'Shop'",
            "extensions": {"code": "undefinedField"},
        }
    ]
    answer_errors(problems)
    with pytest.raises(errors.GraphQLQueryError) as info:
        client.execute(SHOP_INFO)
    assert info.value.errors == problems
    assert info.value.error_codes == ["undefinedField"]
    assert "nope" in str(info.value)
    assert len(responses.calls) == 1
    assert fake_time.sleeps == []


@responses.activate
def test_user_errors_raise_with_their_codes(client):
    answer(
        {
            "inventorySetQuantities": {
                "userErrors": [
                    {"field": ["input"], "message": "Stale", "code": "CHANGE_FROM_QUANTITY_STALE"}
                ]
            }
        }
    )
    with pytest.raises(errors.UserErrorsError) as info:
        client.mutate(SET_QUANTITIES, {"input": {}, "key": "k"}, "inventorySetQuantities")
    assert info.value.codes == ["CHANGE_FROM_QUANTITY_STALE"]
    assert info.value.user_errors[0]["field"] == ["input"]
    assert info.value.code == "user_errors"


@responses.activate
def test_user_errors_can_be_returned_to_the_caller(client):
    user_error = {"field": None, "message": "Stale", "code": "CHANGE_FROM_QUANTITY_STALE"}
    answer({"inventorySetQuantities": {"userErrors": [user_error]}})
    payload = client.mutate(
        SET_QUANTITIES,
        {"input": {}, "key": "k"},
        "inventorySetQuantities",
        raise_user_errors=False,
    )
    assert payload["userErrors"] == [user_error]


@responses.activate
def test_mutation_without_user_errors_returns_the_payload(client):
    answer({"inventorySetQuantities": {"userErrors": []}})
    payload = client.mutate(SET_QUANTITIES, {"input": {}, "key": "k"}, "inventorySetQuantities")
    assert payload == {"userErrors": []}


# -- retries -------------------------------------------------------------------------


@responses.activate
def test_5xx_then_success_retries_with_backoff(client, fake_time):
    responses.add(responses.POST, URL, status=502)
    responses.add(responses.POST, URL, status=503)
    answer({"shop": {"name": "x"}})
    assert client.execute(SHOP_INFO) == {"shop": {"name": "x"}}
    assert fake_time.sleeps == [backoff_delay(1, lambda: 0.5), backoff_delay(2, lambda: 0.5)]
    assert fake_time.sleeps == [0.375, 0.75]
    assert client.stats["retries"] == 2


@responses.activate
def test_5xx_exhausted_raises_server_error(make_client, fake_time):
    responses.add(responses.POST, URL, status=500)
    client = make_client(max_retries=3)
    with pytest.raises(errors.ServerError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "server_error"
    assert "3 retries" in str(info.value)
    assert len(responses.calls) == 4
    assert fake_time.sleeps == [0.375, 0.75, 1.5]


def test_backoff_grows_exponentially_up_to_the_cap():
    assert backoff_delay(1, lambda: 0.0) == 0.25
    assert backoff_delay(1, lambda: 1.0) == 0.5
    assert backoff_delay(4, lambda: 1.0) == 4.0
    assert backoff_delay(20, lambda: 1.0) == 30.0
    assert backoff_delay(20, lambda: 0.0) == 15.0


@responses.activate
def test_429_honours_retry_after(client, fake_time):
    responses.add(responses.POST, URL, status=429, headers={"Retry-After": "2.0"})
    answer({"shop": {"name": "x"}})
    assert client.execute(SHOP_INFO) == {"shop": {"name": "x"}}
    assert fake_time.sleeps == [2.0]
    assert client.stats["throttled"] == 1


@responses.activate
def test_throttled_then_success_waits_for_the_missing_points(client, fake_time):
    throttled(requested=310, available=10, rate=100)
    answer({"shop": {"name": "x"}})
    assert client.execute(SHOP_INFO) == {"shop": {"name": "x"}}
    # (requested - currentlyAvailable) / restoreRate; no second wait afterwards
    assert fake_time.sleeps == [pytest.approx(3.0)]
    assert client.stats["throttled"] == 1
    assert client.stats["waited_seconds"] == pytest.approx(3.0)


@responses.activate
def test_throttled_wait_has_a_minimum(client, fake_time):
    throttled(requested=50, available=49, rate=100)
    answer({"shop": {"name": "x"}})
    client.execute(SHOP_INFO)
    assert fake_time.sleeps == [MIN_THROTTLE_WAIT]


@responses.activate
def test_throttled_exhausted_raises_throttled_error(make_client):
    throttled()
    client = make_client(max_retries=2)
    with pytest.raises(errors.ThrottledError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "throttled"
    assert len(responses.calls) == 3


@responses.activate
def test_connection_error_then_success(client, fake_time):
    responses.add(responses.POST, URL, body=requests.ConnectionError("reset"))
    answer({"shop": {"name": "x"}})
    assert client.execute(SHOP_INFO) == {"shop": {"name": "x"}}
    assert fake_time.sleeps == [0.375]


@responses.activate
def test_network_errors_exhausted_raise_network_error(make_client, fake_time):
    responses.add(responses.POST, URL, body=requests.ReadTimeout("slow"))
    client = make_client(max_retries=2)
    with pytest.raises(errors.NetworkError) as info:
        client.execute(SHOP_INFO)
    assert info.value.code == "network"
    assert "myshop.myshopify.com" in str(info.value)
    assert len(responses.calls) == 3


@responses.activate
def test_idempotent_mutation_is_retried_after_a_5xx(client):
    responses.add(responses.POST, URL, status=502)
    answer({"inventorySetQuantities": {"userErrors": []}})
    client.mutate(SET_QUANTITIES, {"input": {}, "key": "k"}, "inventorySetQuantities")
    assert len(responses.calls) == 2
    assert sent_bodies()[0] == sent_bodies()[1]  # same idempotency key


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 502},
        {"body": requests.ReadTimeout("no answer")},
        {"body": requests.ConnectionError("connection reset by peer")},
    ],
)
@responses.activate
def test_other_mutations_are_not_retried_after_ambiguous_failures(client, failure):
    responses.add(responses.POST, URL, **failure)
    with pytest.raises((errors.ServerError, errors.NetworkError)) as info:
        client.mutate(UPDATE_VARIANTS, {"productId": "p", "variants": []}, "x")
    assert info.value.details["maybe_applied"] is True
    assert "may or may not" in str(info.value)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        lambda: responses.add(responses.POST, URL, body=refused_connection()),
        lambda: responses.add(responses.POST, URL, body=requests.ConnectTimeout("connect")),
        lambda: responses.add(responses.POST, URL, status=429),
        throttled,
    ],
)
@responses.activate
def test_other_mutations_are_retried_when_not_processed(client, failure):
    failure()
    answer({"productVariantsBulkUpdate": {"userErrors": []}})
    payload = client.mutate(
        UPDATE_VARIANTS, {"productId": "p", "variants": []}, "productVariantsBulkUpdate"
    )
    assert payload == {"userErrors": []}
    assert len(responses.calls) == 2


# -- cost-aware throttling ---------------------------------------------------------


@responses.activate
def test_waits_before_sending_when_the_bucket_lacks_the_expected_cost(client, fake_time):
    answer({"shop": {"name": "x"}}, requested=300, available=100, maximum=1000, rate=50)
    answer({"shop": {"name": "x"}}, requested=300, available=700, maximum=1000, rate=50)
    client.execute(SHOP_INFO)
    assert fake_time.sleeps == []
    client.execute(SHOP_INFO)
    # expected 300 (last requested cost of this document), predicted 100 now
    assert fake_time.sleeps == [pytest.approx((300 - 100) / 50)]


@responses.activate
def test_points_restored_since_the_last_answer_are_counted(client, fake_time):
    answer({"shop": {"name": "x"}}, requested=300, available=100, maximum=1000, rate=50)
    client.execute(SHOP_INFO)
    fake_time.now += 3  # 150 points restored: 250 available, 50 missing
    client.execute(SHOP_INFO)
    assert fake_time.sleeps == [pytest.approx(1.0)]


@responses.activate
def test_unseen_documents_expect_their_computed_cost_capped_at_the_maximum(client, fake_time):
    answer({"shop": {"name": "x"}}, requested=1, available=0, maximum=1000, rate=50)
    client.execute(SHOP_INFO)
    state = throttle_state(client.base_url, client.domain)
    assert state.expected_cost("NeverSent") == DEFAULT_EXPECTED_COST
    computed = DOCUMENT_COSTS["OrdersPage"]
    assert computed > DEFAULT_EXPECTED_COST
    assert state.expected_cost("OrdersPage") == computed
    # the first call of a costly document waits for its computed points, so
    # that Shopify does not answer it THROTTLED
    client.execute(REAL_ORDERS_PAGE, {"first": 10})
    assert fake_time.sleeps == [pytest.approx(computed / 50)]
    fake_time.sleeps.clear()
    client.execute(ORDERS_PAGE)  # a document of unknown cost: the default guess
    assert fake_time.sleeps == [pytest.approx(DEFAULT_EXPECTED_COST / 50)]
    state.observe(cost(maximum=20, available=20, rate=1), fake_time.now)
    assert state.expected_cost("NeverSent") == 20


@responses.activate
def test_the_bucket_is_shared_by_the_clients_of_one_shop(make_client, fake_time):
    answer({"shop": {"name": "x"}}, requested=300, available=100, maximum=1000, rate=50)
    make_client().execute(SHOP_INFO)
    other_client = make_client()
    other_client.execute(SHOP_INFO)
    assert fake_time.sleeps == [pytest.approx(4.0)]
    other_shop = make_client(domain="othershop")
    assert other_shop.throttle is not other_client.throttle


def test_concurrent_requests_book_their_points():
    state = throttle_state("https://x.myshopify.com", "x.myshopify.com")
    state.observe(cost(requested=100, available=100, maximum=1000, rate=50), 0.0, "Doc")
    assert state.reserve("Doc", 0.0) == 0.0
    assert state.reserve("Doc", 0.0) == pytest.approx(2.0)
    assert state.reserve("Doc", 0.0) == pytest.approx(4.0)


# -- paging --------------------------------------------------------------------------


def orders_page(ids, next_cursor=None):
    return {
        "orders": {
            "nodes": [{"id": f"gid://shopify/Order/{i}", "name": f"#{i}"} for i in ids],
            "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
        }
    }


@responses.activate
def test_paginate_follows_cursors_across_pages(client):
    answer(orders_page([1, 2], "c1"))
    answer(orders_page([3, 4], "c2"))
    answer(orders_page([5, 6], "c3"))
    answer(orders_page([7]))
    names = [node["name"] for node in client.paginate(ORDERS_PAGE, {}, ("orders",))]
    assert names == ["#1", "#2", "#3", "#4", "#5", "#6", "#7"]
    assert [body["variables"]["after"] for body in sent_bodies()] == [None, "c1", "c2", "c3"]
    assert all(body["variables"]["first"] == 2 for body in sent_bodies())


@responses.activate
def test_paginate_is_lazy_and_reads_edges_too(client):
    responses.add(
        responses.POST,
        URL,
        json={
            "data": {
                "orders": {
                    "edges": [{"node": {"id": "a"}}, {"node": {"id": "b"}}],
                    "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
                }
            }
        },
    )
    pages = client.paginate(ORDERS_PAGE, path="orders")
    assert next(pages) == {"id": "a"}
    assert len(responses.calls) == 1


@responses.activate
def test_paginate_stops_on_a_repeated_cursor(client):
    answer(orders_page([1], "same"))
    answer(orders_page([2], "same"))
    with pytest.raises(errors.GraphQLQueryError):
        list(client.paginate(ORDERS_PAGE, {}, ("orders",)))


@responses.activate
def test_complete_nested_fetches_the_remaining_pages_of_a_nested_connection(client):
    def lines(ids, next_cursor=None):
        return {
            "nodes": [{"id": f"gid://shopify/LineItem/{i}", "sku": f"S{i}"} for i in ids],
            "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
        }

    order = {"id": "gid://shopify/Order/9", "lineItems": lines([1, 2], "l1")}
    answer({"order": {"lineItems": lines([3, 4], "l2")}})
    answer({"order": {"lineItems": lines([5, 6], "l3")}})
    answer({"order": {"lineItems": lines([7])}})
    items = client.complete_nested(order, "lineItems", ORDER_LINE_ITEMS, ("order", "lineItems"))
    assert [item["sku"] for item in items] == [f"S{i}" for i in range(1, 8)]
    assert [body["variables"] for body in sent_bodies()] == [
        {"first": 2, "id": "gid://shopify/Order/9", "after": cursor}
        for cursor in ("l1", "l2", "l3")
    ]


def test_complete_nested_sends_nothing_when_the_first_page_is_complete(client):
    order = {"id": "o", "lineItems": {"nodes": [{"id": 1}], "pageInfo": {"hasNextPage": False}}}
    assert client.complete_nested(
        order, "lineItems", ORDER_LINE_ITEMS, ("order", "lineItems")
    ) == [{"id": 1}]


# -- logging -------------------------------------------------------------------------


@responses.activate
def test_logs_one_line_per_request_and_never_a_secret(fake_time, caplog):
    caplog.set_level(logging.DEBUG)
    token_url = "https://myshop.myshopify.com/admin/oauth/access_token"
    responses.add(responses.POST, token_url, json={"access_token": TOKEN, "expires_in": 86399})
    responses.add(responses.POST, token_url, json={"access_token": TOKEN, "expires_in": 86399})
    responses.add(responses.POST, URL, status=401)
    throttled()
    responses.add(responses.POST, URL, body=requests.ConnectionError(f"boom {TOKEN}"))
    answer({"shop": {"name": "x"}}, requested=4)
    responses.add(responses.POST, URL, status=502)
    provider = ClientCredentialsTokenProvider(
        "myshop", "client-id", CLIENT_SECRET, clock=lambda: fake_time.now
    )
    client = ShopifyClient(
        "myshop",
        token_provider=provider,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        max_retries=3,
    )
    client.execute(SHOP_INFO)
    with pytest.raises(errors.ShopifyError) as info:
        client.execute(SHOP_INFO)
    request_lines = [r for r in caplog.records if "ShopInfo: HTTP" in r.getMessage()]
    assert len(request_lines) == client.stats["calls"] == 4 + 4
    assert isinstance(info.value, errors.ServerError)
    assert any("HTTP 200, cost 4 requested" in r.getMessage() for r in request_lines)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info)
        assert TOKEN not in text
        assert CLIENT_SECRET not in text
    assert TOKEN not in str(info.value) and CLIENT_SECRET not in str(info.value)
    assert TOKEN not in repr(client)


def test_every_error_has_a_distinct_stable_code():
    classes = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, Exception)
    ]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)) >= 12
    assert errors.ServerError("x", status=500).status == 500


def test_the_client_is_the_only_module_importing_requests():
    addon = pathlib.Path(__file__).resolve().parent.parent / "shopify_connector"
    pattern = re.compile(r"^\s*(?:import requests|from requests\b)", re.MULTILINE)
    importers = sorted(
        str(path.relative_to(addon))
        for path in addon.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert importers == ["shopify_api/client.py"]
