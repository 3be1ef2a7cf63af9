"""Shop domains and the client-credentials token provider."""

import threading
import urllib.parse

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st

from shopify_api.auth import (
    ClientCredentialsTokenProvider,
    InMemoryTokenStore,
    default_base_url,
    normalize_domain,
)
from shopify_api.errors import AuthenticationError, InvalidDomainError, ShopNotFoundError

TOKEN_URL = "https://myshop.myshopify.com/admin/oauth/access_token"
SECRET = "shpss_very_secret_value"


@pytest.mark.parametrize(
    "value",
    [
        "myshop",
        "MyShop",
        "MyShop.myshopify.com",
        "  myshop.myshopify.com/  ",
        "https://myshop.myshopify.com/admin",
        "https://myshop.myshopify.com/admin/",
        "http://MYSHOP.myshopify.com",
        "myshop.myshopify.com/admin/products",
        "https://admin.shopify.com/store/myshop",
        "admin.shopify.com/store/myshop/orders",
    ],
)
def test_normalize_domain_accepts_handles_hosts_and_urls(value):
    assert normalize_domain(value) == "myshop.myshopify.com"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        None,
        "shop.example.com",
        "my shop",
        "https://evil.com/x.myshopify.com",
        "https://myshop.myshopify.com@evil.com/",
        "myshop.myshopify.com.evil.com",
        "https://myshop.myshopify.com:8443",
        "ftp://myshop.myshopify.com",
        "-myshop.myshopify.com",
        "a.b.myshopify.com",
        "myshopify.com",
    ],
)
def test_normalize_domain_refuses_other_hosts(value):
    with pytest.raises(InvalidDomainError) as info:
        normalize_domain(value)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "invalid_domain"
    assert "myshopify.com" in str(info.value)


@given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True))
def test_normalised_domains_are_stable(handle):
    domain = normalize_domain(handle)
    assert domain == handle + ".myshopify.com"
    assert (
        normalize_domain(domain) == normalize_domain(f"https://{domain.upper()}/admin/") == domain
    )


def test_default_base_url():
    assert default_base_url("MyShop") == "https://myshop.myshopify.com"


class FakeClock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def grant(token="tok-1", expires_in=86399, status=200):
    responses.add(
        responses.POST,
        TOKEN_URL,
        json={
            "access_token": token,
            "scope": "read_orders,write_inventory",
            "expires_in": expires_in,
        },
        status=status,
    )


def provider(clock=None, store=None, **kwargs):
    return ClientCredentialsTokenProvider(
        "myshop", "client-id", SECRET, clock=clock or FakeClock(), store=store, **kwargs
    )


@responses.activate
def test_token_is_requested_once_and_cached():
    grant()
    tokens = provider()
    assert [tokens.get_token() for _ in range(5)] == ["tok-1"] * 5
    assert len(responses.calls) == 1
    form = urllib.parse.parse_qs(responses.calls[0].request.body)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-id"],
        "client_secret": [SECRET],
    }
    assert tokens.scope == "read_orders,write_inventory"


@responses.activate
def test_token_is_renewed_shortly_before_expiry():
    grant("tok-1", expires_in=3600)
    grant("tok-2", expires_in=3600)
    clock = FakeClock()
    store = InMemoryTokenStore()
    tokens = provider(clock, store, margin=300)
    assert tokens.get_token() == "tok-1"
    assert store.load() == ("tok-1", clock.now + 3600)
    clock.now += 3600 - 301
    assert tokens.get_token() == "tok-1"
    clock.now += 2  # now within the margin
    assert tokens.get_token() == "tok-2"
    assert len(responses.calls) == 2


@responses.activate
def test_a_fresh_token_in_the_store_is_used_without_a_request():
    clock = FakeClock()
    store = InMemoryTokenStore()
    store.save("stored", clock.now + 7200, "read_orders")
    assert provider(clock, store).get_token() == "stored"
    assert len(responses.calls) == 0


@responses.activate
def test_force_refresh_takes_a_token_another_worker_renewed_meanwhile():
    grant("tok-1")
    clock = FakeClock()
    store = InMemoryTokenStore()
    tokens = provider(clock, store)
    assert tokens.get_token() == "tok-1"
    store.save("tok-other", clock.now + 7200, None)
    assert tokens.get_token(force_refresh=True) == "tok-other"
    assert len(responses.calls) == 1


@responses.activate
def test_force_refresh_renews_the_rejected_token():
    grant("tok-1")
    grant("tok-2")
    tokens = provider()
    assert tokens.get_token() == "tok-1"
    assert tokens.get_token(force_refresh=True) == "tok-2"


@responses.activate
def test_concurrent_renewal_posts_exactly_once():
    grant("shared")
    store = InMemoryTokenStore()
    clock = FakeClock()
    start = threading.Barrier(8)
    results = []

    def worker():
        tokens = provider(clock, store)  # one provider per worker, one shared store
        start.wait()
        results.append(tokens.get_token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["shared"] * 8
    assert len(responses.calls) == 1


@pytest.mark.parametrize("status", [400, 401])
@responses.activate
def test_refused_grant_raises_authentication_error(status):
    responses.add(
        responses.POST,
        TOKEN_URL,
        json={"error": "invalid_client", "error_description": "Client credentials are invalid"},
        status=status,
    )
    with pytest.raises(AuthenticationError) as info:
        provider().get_token()
    message = str(info.value)
    assert "client ID and secret" in message
    assert "installed" in message
    assert "invalid_client" in message
    assert SECRET not in message
    assert info.value.code == "authentication"


@responses.activate
def test_a_refusal_echoing_the_secret_is_not_quoted():
    responses.add(responses.POST, TOKEN_URL, json={"error": SECRET}, status=401)
    with pytest.raises(AuthenticationError) as info:
        provider().get_token()
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value.details)


@responses.activate
def test_unknown_shop_raises_shop_not_found():
    responses.add(responses.POST, TOKEN_URL, status=404)
    with pytest.raises(ShopNotFoundError):
        provider().get_token()


def test_provider_requires_id_and_secret():
    with pytest.raises(AuthenticationError):
        ClientCredentialsTokenProvider("myshop", "client-id", "")


def test_repr_hides_the_secret():
    assert SECRET not in repr(provider())
