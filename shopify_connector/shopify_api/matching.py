"""Match Shopify variants to Odoo products by SKU, then by barcode.

Plain data in, plain data out: the Odoo layer passes the Shopify variants and
the candidate products as dicts and applies the decisions.

Rules:
- A variant already linked to a product keeps that link (a person may have
  linked it by hand; re-running the match changes nothing).
- A SKU (or barcode) matches when exactly one Odoo product carries it and
  exactly one Shopify variant carries it. Two Odoo products with the same SKU,
  or two Shopify variants with the same SKU, are *ambiguous*: never linked
  silently, reported for a person to decide.
- SKUs compare after stripping surrounding blanks, case-sensitively (Shopify
  and Odoo both keep case); barcodes compare after stripping blanks.
- An Odoo product already linked to another variant of the same shop is not
  linked a second time (that would make the stock push publish it twice).
"""

from collections import defaultdict

MATCHED_SKU = "sku"
MATCHED_BARCODE = "barcode"
KEPT = "kept"
AMBIGUOUS = "ambiguous"
UNMATCHED = "unmatched"


def variant_from_node(node):
    """The plain variant dict of a ``ProductVariant`` node (PRODUCT_VARIANTS
    and the product import read the same fields)."""
    product = node.get("product") or {}
    return {
        "gid": node["id"],
        "sku": node.get("sku"),
        "barcode": node.get("barcode"),
        "title": node.get("title"),
        "product_gid": product.get("id"),
        "product_title": product.get("title"),
        "inventory_item_gid": (node.get("inventoryItem") or {}).get("id"),
        "price": node.get("price"),
    }


def _clean(value):
    value = (value or "").strip()
    return value or None


def _index(records, key):
    index = defaultdict(list)
    for record in records:
        value = _clean(record.get(key))
        if value:
            index[value].append(record)
    return index


def match_variants(variants, products, linked=None):
    """Decide, for each Shopify variant, which Odoo product it maps to.

    :param variants: dicts with ``gid``, ``sku``, ``barcode``
    :param products: dicts with ``id``, ``default_code``, ``barcode``
    :param linked: ``{variant_gid: product_id}`` of the links that exist already
    :return: ``{variant_gid: (status, product_id or None, reason)}`` where
        status is one of KEPT, MATCHED_SKU, MATCHED_BARCODE, AMBIGUOUS, UNMATCHED
        and reason explains an ambiguous or missing match (plain English,
        the caller translates by status).
    """
    linked = dict(linked or {})
    taken = set(linked.values())
    products_by_sku = _index(products, "default_code")
    products_by_barcode = _index(products, "barcode")
    variants_by_sku = _index(variants, "sku")
    variants_by_barcode = _index(variants, "barcode")

    decisions = {}
    for variant in variants:
        gid = variant["gid"]
        if linked.get(gid):
            decisions[gid] = (KEPT, linked[gid], None)
            continue
        decision = None
        ambiguity = None
        for key, status, by_product, by_variant in (
            ("sku", MATCHED_SKU, products_by_sku, variants_by_sku),
            ("barcode", MATCHED_BARCODE, products_by_barcode, variants_by_barcode),
        ):
            value = _clean(variant.get(key))
            if not value:
                continue
            candidates = by_product.get(value, [])
            if not candidates:
                continue
            if len(candidates) > 1:
                ids = sorted(p["id"] for p in candidates)
                ambiguity = ambiguity or (
                    f"{len(candidates)} Odoo products have the {key} {value!r} "
                    f"(ids {', '.join(map(str, ids))})"
                )
                continue
            siblings = by_variant.get(value, [])
            if len(siblings) > 1:
                ambiguity = ambiguity or (
                    f"{len(siblings)} Shopify variants have the {key} {value!r}"
                )
                continue
            product_id = candidates[0]["id"]
            if product_id in taken:
                ambiguity = ambiguity or (
                    f"the Odoo product with the {key} {value!r} is linked to another variant"
                )
                continue
            decision = (status, product_id, None)
            break
        if decision:
            taken.add(decision[1])
            decisions[gid] = decision
        elif ambiguity:
            decisions[gid] = (AMBIGUOUS, None, ambiguity)
        else:
            decisions[gid] = (UNMATCHED, None, "no Odoo product has this SKU or barcode")
    return decisions
