"""Shopify global IDs (``gid://shopify/Product/123``) in one place."""

import re

_GID_RE = re.compile(
    r"^gid://shopify/(?P<type>[A-Za-z][A-Za-z0-9]*)/(?P<id>[^/?#\s]+)(?:\?[^#\s]*)?$"
)
_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _parse(gid):
    if not isinstance(gid, str):
        raise ValueError(f"not a Shopify global ID: {gid!r}")
    match = _GID_RE.match(gid.strip())
    if not match:
        raise ValueError(f"not a Shopify global ID: {gid!r}")
    return match["type"], match["id"]


def to_gid(resource, id) -> str:
    """``to_gid("Product", 123) -> "gid://shopify/Product/123"``.

    A global ID of the same resource is returned unchanged.
    """
    if not isinstance(resource, str) or not _TYPE_RE.match(resource):
        raise ValueError(f"not a Shopify resource name: {resource!r}")
    if isinstance(id, str) and id.startswith("gid://"):
        if gid_type(id) != resource:
            raise ValueError(f"{id!r} is not a {resource} global ID")
        return id
    if isinstance(id, bool) or not isinstance(id, (int, str)):
        raise ValueError(f"not a Shopify ID: {id!r}")
    text = str(id).strip()
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"not a Shopify ID: {id!r}")
    return f"gid://shopify/{resource}/{int(text)}"


def from_gid(gid) -> int:
    """``from_gid("gid://shopify/InventoryItem/1?x=y") -> 1`` (the legacy ID)."""
    _type, value = _parse(gid)
    if not value.isdigit():
        raise ValueError(f"Shopify global ID without a numeric ID: {gid!r}")
    return int(value)


def gid_type(gid) -> str:
    """``gid_type("gid://shopify/Order/5") -> "Order"``."""
    return _parse(gid)[0]
