"""Order payloads in Shopify's shape (tests/fixtures/orders) for the Odoo tests."""

import copy
import json
import os

FIXTURES = os.path.join(
    os.path.dirname(__file__), os.pardir, os.pardir, "tests", "fixtures", "orders"
)


def order_node(name, **changes):
    """A fixture order (deep copy), with top-level keys replaced by ``changes``."""
    with open(os.path.join(FIXTURES, f"{name}.json"), encoding="utf-8") as handle:
        node = json.load(handle)
    node.update(copy.deepcopy(changes))
    return node


def orders_page(*nodes, has_next=False, cursor="c1"):
    """The data of one OrdersPage answer."""
    return {
        "orders": {
            "nodes": list(nodes),
            "pageInfo": {"hasNextPage": has_next, "endCursor": cursor if has_next else None},
        }
    }
