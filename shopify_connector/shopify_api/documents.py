"""Registry of every GraphQL document the connector sends to Shopify.

The client only sends :class:`Document` instances, and every instance is
registered here when its module is imported.  The test suite enumerates
:data:`REGISTRY` and validates each document against Shopify's official
schema and computes its requested cost, so a new query cannot skip the check.

Page sizes are part of the document (as default values of ``$first``-style
variables) so that the cost check sees the sizes the code really uses.
"""

REGISTRY = {}


class Document:
    """A named GraphQL document (one operation)."""

    __slots__ = ("name", "text", "variables")

    def __init__(self, name, text, variables=None):
        if name in REGISTRY:
            raise ValueError(f"GraphQL document {name!r} is defined twice")
        self.name = name
        self.text = text.strip()
        # Variables the cost check uses (the sizes really sent), e.g. {"first": 50}.
        self.variables = dict(variables or {})
        REGISTRY[name] = self

    def __repr__(self):
        return f"<Document {self.name}>"


def document(name, text, variables=None):
    """Declare and register a document; returns it."""
    return Document(name, text, variables)
