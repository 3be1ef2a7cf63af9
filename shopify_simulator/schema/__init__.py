"""Shopify's official Admin GraphQL schema (2026-10), loaded once per process.

See ``PROVENANCE.md`` beside this file for where the schema comes from.
"""

import functools
import gzip
import json
import os

from graphql import GraphQLSchema, build_client_schema

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "admin_2026-10.json.gz")


@functools.lru_cache(maxsize=1)
def load_schema() -> GraphQLSchema:
    """Return the 2026-10 Admin API schema (built once, then cached)."""
    with gzip.open(SCHEMA_PATH, "rt", encoding="utf-8") as handle:
        introspection = json.load(handle)
    return build_client_schema(introspection["data"])
