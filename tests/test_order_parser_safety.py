"""The order parser keeps what Shopify sends storable and bounded, and refuses
orders whose lines repeat an ID."""

import copy
import json
import os

import pytest

from shopify_api.orders import (
    NOTE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TEXT_MAX,
    OrderPayloadError,
    normalize_order,
)
from shopify_api.text import REPLACEMENT, TRUNCATED, clean_text, safe_str

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "orders")


def load(name="simple_paid"):
    with open(os.path.join(FIXTURES, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def storable_in_postgres(text):
    """PostgreSQL stores text that encodes as UTF-8 and holds no NUL."""
    text.encode("utf-8")
    return "\x00" not in text


def test_lone_surrogate_in_the_name_is_replaced_and_the_order_reads():
    node = load()
    # as json.loads gives it for "#10\udc80" in Shopify's answer
    node["name"] = json.loads('"#10\\udc80"')
    node["lineItems"]["nodes"][0]["title"] = "Shirt \ud800"
    order = normalize_order(node)
    assert order["name"] == "#10" + REPLACEMENT
    assert order["lines"][0]["title"] == "Shirt " + REPLACEMENT
    assert storable_in_postgres(order["name"])


def test_nul_is_dropped_and_controls_replaced_but_tabs_and_newlines_kept():
    node = load()
    node["note"] = "Bitte\x00 klingeln\x07\n\tHinterhaus"
    node["lineItems"]["nodes"][0]["sku"] = "TSHIRT-BLK-M\x00"
    order = normalize_order(node)
    assert order["note"] == f"Bitte klingeln{REPLACEMENT}\n\tHinterhaus"
    assert order["lines"][0]["sku"] == "TSHIRT-BLK-M"


def test_usual_texts_are_kept_as_they_are():
    node = load()
    node["note"] = "Grüße 🎁 <b>bitte</b> klingeln"
    node["tags"] = ["VIP", "Lieferung: 2026-12-01"]
    order = normalize_order(node)
    assert order["note"] == node["note"]
    assert order["tags"] == ["VIP", "Lieferung: 2026-12-01"]
    assert order["lines"][0]["name"] == "Bio-T-Shirt - Schwarz / M"
    assert order["truncated"] == []


def test_huge_note_title_and_tags_are_shortened_with_a_marker_and_reported():
    node = load()
    node["note"] = "n" * (5 * 1024 * 1024)
    node["lineItems"]["nodes"][1]["title"] = "t" * 300_000
    node["lineItems"]["nodes"][1]["name"] = "m" * 300_000
    node["tags"] = ["VIP", "x" * 100_000, *(f"tag {n}" for n in range(400))]
    order = normalize_order(node)
    assert len(order["note"]) == NOTE_MAX
    assert order["note"].endswith(TRUNCATED)
    line = order["lines"][1]
    assert len(line["title"]) == TEXT_MAX and line["title"].endswith(TRUNCATED)
    assert len(line["name"]) == TEXT_MAX
    assert len(order["tags"]) == TAGS_MAX
    assert order["tags"][0] == "VIP"
    assert len(order["tags"][1]) == TAG_MAX and order["tags"][1].endswith(TRUNCATED)
    assert max(len(tag) for tag in order["tags"]) == TAG_MAX
    reported = {(item["kind"], item["path"]): item for item in order["truncated"]}
    assert reported["note", "note"]["length"] == 5 * 1024 * 1024
    assert reported["note", "note"]["limit"] == NOTE_MAX
    assert reported["tags", "tags"]["length"] == 402
    assert reported["tag", "tags[1]"]["length"] == 100_000
    assert reported["text", "lines[1].title"]["length"] == 300_000
    assert reported["text", "lines[1].name"]["limit"] == TEXT_MAX
    # identifiers are never shortened
    assert line["gid"] == node["lineItems"]["nodes"][1]["id"]


def test_customer_and_address_texts_are_bounded_too():
    node = load()
    node["customer"]["firstName"] = "A" * 5000
    node["shippingAddress"]["address1"] = "S" * 5000
    order = normalize_order(node)
    strings = []

    def collect(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect({k: v for k, v in order.items() if k != "note"})
    assert max(len(s) for s in strings) <= TEXT_MAX
    assert any(item["path"].startswith("customer.") for item in order["truncated"])


def test_shortened_tags_that_coincide_are_kept_once():
    node = load()
    node["tags"] = ["y" * 1000 + "a", "y" * 1000 + "b"]
    order = normalize_order(node)
    assert order["tags"] == ["y" * (TAG_MAX - len(TRUNCATED)) + TRUNCATED]


def test_repeated_line_id_fails_the_order_with_a_clear_message():
    node = load()
    lines = node["lineItems"]["nodes"]
    lines.append(copy.deepcopy(lines[0]))
    with pytest.raises(OrderPayloadError) as caught:
        normalize_order(node)
    assert caught.value.code == "duplicate_line"
    assert lines[0]["id"] in caught.value.message
    assert "more than once" in caught.value.message


def test_distinct_line_ids_still_read():
    node = load()
    lines = node["lineItems"]["nodes"]
    lines.append(dict(copy.deepcopy(lines[0]), id="gid://shopify/LineItem/99"))
    assert len(normalize_order(node)["lines"]) == 3


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text")

    def __repr__(self):
        raise RuntimeError("no repr")


def test_clean_text_never_fails_and_bounds_the_length():
    assert safe_str(Unprintable()) == "<Unprintable>"
    assert clean_text(Unprintable()) == "<Unprintable>"
    assert clean_text("a\x00b\udc80c") == f"a{REPLACEMENT}b{REPLACEMENT}c"
    long = clean_text("z" * 50, limit=10)
    assert long == "z" * (10 - len(TRUNCATED)) + TRUNCATED
    assert len(long) == 10
    assert clean_text(None) is None
    assert clean_text(12) == "12"
