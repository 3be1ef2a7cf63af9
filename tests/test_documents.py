"""Every registered GraphQL document validates against Shopify's schema and fits
the 1000-point requested-cost limit; no query text bypasses the registry."""

import ast
import importlib
import pathlib
import pkgutil
import re

import graphql
import pytest

import shopify_api
from shopify_api.documents import REGISTRY
from shopify_simulator.cost import requested_cost
from shopify_simulator.schema import load_schema

MAX_REQUESTED_COST = 1000
ADDON_DIR = pathlib.Path(__file__).resolve().parent.parent / "shopify_connector"


def _import_every_module():
    """Import the whole package so that every module's documents are registered."""
    names = [shopify_api.__name__]
    for module in pkgutil.walk_packages(shopify_api.__path__, shopify_api.__name__ + "."):
        names.append(module.name)
    for name in names:
        importlib.import_module(name)
    return names


IMPORTED_MODULES = _import_every_module()


def check_document(schema, text, variables=None):
    """Problems of one document: validation errors, then an excessive cost."""
    try:
        parsed = graphql.parse(text)
    except graphql.GraphQLError as exc:
        return [f"syntax: {exc.message}"], None
    problems = [error.message for error in graphql.validate(schema, parsed)]
    if problems:
        return problems, None
    cost = requested_cost(schema, parsed, variables)
    if cost > MAX_REQUESTED_COST:
        problems.append(f"requested cost {cost} > {MAX_REQUESTED_COST}")
    return problems, cost


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def test_the_registry_holds_the_foundation_documents():
    assert "shopify_api.shop_documents" in IMPORTED_MODULES
    assert {"ShopInfo", "Locations", "ProductVariants"} <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_document_validates_and_fits_the_cost_limit(schema, name):
    doc = REGISTRY[name]
    problems, cost = check_document(schema, doc.text, doc.variables)
    print(f"{name}: requested cost {cost}")
    assert problems == []


def test_an_invalid_document_is_caught(schema):
    problems, _cost = check_document(schema, "query { shop { name noSuchField } }")
    assert any("noSuchField" in problem for problem in problems)
    problems, _cost = check_document(schema, "query { shop { name }")
    assert problems and problems[0].startswith("syntax")


def test_an_over_cost_document_is_caught(schema):
    text = """query($first: Int!) {
      productVariants(first: $first) {
        nodes { id product { id } inventoryItem { id } selectedOptions { name } }
        pageInfo { hasNextPage }
      }
    }"""
    problems, cost = check_document(schema, text, {"first": 250})
    assert cost == 2 + 250 * 4 + 1
    assert problems == [f"requested cost {cost} > {MAX_REQUESTED_COST}"]
    assert check_document(schema, text, {"first": 200})[0] == []


# -- no GraphQL text outside document(...) ------------------------------------------

_OPERATION_RE = re.compile(r"^\s*(?:query|mutation|subscription|fragment)\b[^{}]*\{")


def stray_operations(source, filename="<source>"):
    """GraphQL operation strings of ``source`` that are not arguments of document()."""
    tree = ast.parse(source, filename)
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("document", "Document"):
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    allowed.update(id(sub) for sub in ast.walk(argument))
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            allowed.update(id(v) for v in node.values)
        else:
            continue
        if _OPERATION_RE.match(text):
            found.append(f"{filename}:{node.lineno}: {text.strip()[:60]!r}")
    return found


def test_no_graphql_operation_bypasses_the_registry():
    found = []
    for path in sorted(ADDON_DIR.rglob("*.py")):
        found += stray_operations(path.read_text(encoding="utf-8"), str(path))
    assert found == []


def test_the_scan_finds_a_query_sent_without_document():
    source = '''
from .documents import document

GOOD = document("Good", """query Good { shop { name } }""")
BAD = """
    query Bad($id: ID!) { order(id: $id) { name } }
"""
def send(client, key):
    client.session.post("/graphql.json", json={"query": f"mutation {{ x(key: {key}) }}"})
'''
    found = stray_operations(source)
    assert len(found) == 2
    assert "query Bad" in found[0]
    assert "mutation" in found[1]


# -- the cost table the client's throttle uses -----------------------------------


def test_the_cost_table_matches_every_document(schema):
    """The client books a document's computed cost before Shopify has answered
    it once (no THROTTLED first call); the table must follow the documents."""
    from shopify_api.document_costs import COSTS

    for name, doc in sorted(REGISTRY.items()):
        if name.startswith("Test"):  # documents of the tests themselves
            continue
        assert name in COSTS, f"{name} has no cost: run python3 scripts/document_costs.py"
        cost = requested_cost(schema, doc.text, doc.variables)
        assert COSTS[name] == cost, f"{name}: run python3 scripts/document_costs.py"
    assert all(name in REGISTRY for name in COSTS), "run python3 scripts/document_costs.py"
