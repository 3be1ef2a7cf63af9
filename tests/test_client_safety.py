"""The client never hands credentials to another host and turns malformed
answers into typed errors (redirects, unusable addresses, deep JSON, huge bodies)."""

import pytest
import requests
import responses

from shopify_api import client as client_module
from shopify_api import errors
from shopify_api.client import ShopifyClient, reset_throttle_states
from shopify_api.shop_documents import SHOP_INFO

URL = "https://myshop.myshopify.com/admin/api/2026-10/graphql.json"
TOKEN = "shpat_secret_token_value"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    reset_throttle_states()
    yield
    reset_throttle_states()


def make_client(**kwargs):
    kwargs.setdefault("access_token", TOKEN)
    return ShopifyClient(
        kwargs.pop("domain", "myshop"), sleep=lambda s: None, rng=lambda: 0.5, **kwargs
    )


@responses.activate
def test_a_redirect_is_an_error_naming_the_target_and_is_not_followed():
    responses.add(
        responses.POST,
        URL,
        status=307,
        headers={"Location": "https://attacker.example.net/steal"},
    )
    responses.add(responses.POST, "https://attacker.example.net/steal", json={"data": {}})
    with pytest.raises(errors.RequestError) as ctx:
        make_client().execute(SHOP_INFO)
    assert "attacker.example.net" in str(ctx.value)
    assert TOKEN not in str(ctx.value)
    assert [c.request.url for c in responses.calls] == [URL]


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("[Errno 111] Connection refused"),
        requests.ConnectTimeout("connect timed out"),
        requests.ConnectionError("connection reset by peer"),
    ],
)
@responses.activate
def test_every_connection_failure_gives_the_same_message(failure):
    responses.add(responses.POST, URL, body=failure)
    with pytest.raises(errors.NetworkError) as ctx:
        make_client().execute(SHOP_INFO)
    text = str(ctx.value)
    assert text.startswith("Shopify could not be reached at myshop.myshopify.com.")
    assert "refused" not in text and "timed out" not in text


def test_a_file_url_is_a_typed_error():
    with pytest.raises(errors.ShopifyError) as ctx:
        make_client(base_url="file:///etc/passwd").execute(SHOP_INFO)
    assert TOKEN not in str(ctx.value)


@responses.activate
def test_deeply_nested_json_is_a_typed_error():
    body = "[" * 200_000 + "]" * 200_000
    responses.add(responses.POST, URL, body=body, content_type="application/json")
    with pytest.raises(errors.ShopifyError):
        make_client().execute(SHOP_INFO)


@responses.activate
def test_invalid_json_is_a_typed_error():
    responses.add(responses.POST, URL, body="{not json", content_type="application/json")
    with pytest.raises(errors.ShopifyError):
        make_client().execute(SHOP_INFO)


@responses.activate
def test_an_oversized_answer_is_refused(monkeypatch):
    monkeypatch.setattr(client_module, "MAX_RESPONSE_BYTES", 1000)
    responses.add(responses.POST, URL, json={"data": {"shop": {"name": "x" * 5000}}})
    with pytest.raises(errors.RequestError) as ctx:
        make_client().execute(SHOP_INFO)
    assert "larger than 1000 bytes" in str(ctx.value)
