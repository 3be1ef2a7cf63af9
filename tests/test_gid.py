"""Global IDs and idempotency keys."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_api.gid import from_gid, gid_type, to_gid
from shopify_api.idempotency import idempotency_key


def test_to_gid_builds_global_ids():
    assert to_gid("Product", 123) == "gid://shopify/Product/123"
    assert to_gid("InventoryItem", "45") == "gid://shopify/InventoryItem/45"
    assert to_gid("Order", "gid://shopify/Order/7") == "gid://shopify/Order/7"


@pytest.mark.parametrize(
    "resource, value",
    [
        ("Product", 0),
        ("Product", -1),
        ("Product", "abc"),
        ("Product", None),
        ("Product", True),
        ("bad name", 1),
        ("", 1),
        ("Order", "gid://shopify/Product/7"),
    ],
)
def test_to_gid_refuses_invalid_input(resource, value):
    with pytest.raises(ValueError):
        to_gid(resource, value)


def test_from_gid_and_gid_type_read_global_ids():
    assert from_gid("gid://shopify/Product/123") == 123
    assert gid_type("gid://shopify/Product/123") == "Product"


def test_gids_with_query_strings_are_understood():
    gid = "gid://shopify/InventoryItem/1?x=y"
    assert from_gid(gid) == 1
    assert gid_type(gid) == "InventoryItem"
    level = "gid://shopify/InventoryLevel/99?inventory_item_id=5"
    assert from_gid(level) == 99


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123",
        "gid://shopify/Product/",
        "gid://other/Product/1",
        "gid://shopify/Product/abc",
        "https://shop/Product/1",
        None,
        12,
    ],
)
def test_from_gid_refuses_invalid_values(value):
    with pytest.raises(ValueError):
        from_gid(value)


def test_round_trip():
    assert from_gid(to_gid("Location", 987654321)) == 987654321


def test_idempotency_key_is_deterministic_per_work_item():
    first = idempotency_key("stock", 1, 42, 3)
    assert first == idempotency_key("stock", 1, 42, 3)
    assert first != idempotency_key("stock", 1, 42, 4)
    # parts are kept apart: ("a", "bc") is not ("ab", "c")
    assert idempotency_key("a", "bc") != idempotency_key("ab", "c")
    assert len(first) == 36


def test_idempotency_key_needs_a_part():
    with pytest.raises(ValueError):
        idempotency_key()


@given(
    st.integers(min_value=1, max_value=2**63), st.sampled_from(["Product", "Order", "Location"])
)
def test_any_positive_id_survives_the_round_trip(value, resource):
    gid = to_gid(resource, value)
    assert from_gid(gid) == value
    assert gid_type(gid + "?a=b") == resource
