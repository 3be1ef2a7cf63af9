"""Requested query cost, per Shopify's documented rules."""

import graphql
import pytest

from shopify_simulator.cost import requested_cost
from shopify_simulator.schema import load_schema


@pytest.fixture(scope="module")
def schema():
    return load_schema()


def cost(schema, text, variables=None, operation_name=None):
    return requested_cost(schema, text, variables, operation_name)


def test_load_schema_is_cached(schema):
    assert load_schema() is schema
    assert schema.query_type.name == "QueryRoot"


def test_scalars_cost_nothing_and_objects_one_each(schema):
    assert cost(schema, "{ shop { name currencyCode } }") == 1
    assert cost(schema, "{ shop { name plan { displayName } } }") == 2
    assert cost(schema, "{ __typename shop { __typename } }") == 1


def test_connection_costs_two_plus_first_times_one_node(schema):
    text = "{ products(first: 10) { nodes { id title } } }"
    assert cost(schema, text) == 2 + 10 * 1


def test_page_info_is_counted_once(schema):
    text = "{ products(first: 10) { nodes { id } pageInfo { hasNextPage endCursor } } }"
    assert cost(schema, text) == 2 + 10 * 1 + 1


def test_edges_node_counts_like_nodes(schema):
    edges = "{ products(first: 5) { edges { cursor node { id featuredMedia { id } } } } }"
    nodes = "{ products(first: 5) { nodes { id featuredMedia { id } } } }"
    assert cost(schema, edges) == cost(schema, nodes) == 2 + 5 * 2


def test_nested_connections_multiply(schema):
    text = """{ orders(first: 10) { nodes { id
        lineItems(first: 5) { nodes { id originalUnitPriceSet { shopMoney { amount } } } } } } }"""
    # one line item: object 1 + MoneyBag 1 + MoneyV2 1 = 3
    assert cost(schema, text) == 2 + 10 * (1 + (2 + 5 * 3))


def test_page_size_from_variables_then_default_then_zero(schema):
    text = "query($first: Int = 20) { products(first: $first) { nodes { id } } }"
    assert cost(schema, text) == 22
    assert cost(schema, text, {"first": 100}) == 102
    assert cost(schema, "query($n: Int) { products(first: $n) { nodes { id } } }") == 2
    assert cost(schema, "{ products(last: 7) { nodes { id } } }") == 9


def test_each_mutation_root_field_costs_ten(schema):
    text = """mutation {
      a: productDelete(input: {id: "gid://shopify/Product/1"}) { userErrors { field } }
      b: productDelete(input: {id: "gid://shopify/Product/2"}) { deletedProductId }
    }"""
    assert cost(schema, text) == 20


def test_fragments_and_inline_fragments(schema):
    text = """
    fragment P on Product { title featuredMedia { id } }
    { product(id: "gid://shopify/Product/1") { ...P ... on Product { seo { title } } } }
    """
    assert cost(schema, text) == 1 + 1 + 1


def test_abstract_types_take_the_most_expensive_type(schema):
    text = """{ node(id: "x") {
        id
        ... on Order { customer { id } lineItems(first: 3) { nodes { id } } }
        ... on Product { featuredMedia { id } }
    } }"""
    assert cost(schema, text) == 1 + max(1 + (2 + 3 * 1), 1)


def test_parsed_documents_and_operation_names(schema):
    document = graphql.parse(
        "query A { shop { name } } query B { products(first: 2) { nodes { id } } }"
    )
    assert cost(schema, document, operation_name="A") == 1
    assert cost(schema, document, operation_name="B") == 4
    with pytest.raises(ValueError):
        cost(schema, document)
    with pytest.raises(ValueError):
        cost(schema, document, operation_name="C")
