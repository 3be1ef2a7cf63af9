"""Product export (Odoo -> Shopify) and first import (Shopify -> Odoo).

Documents and pure planning; the Odoo layer turns templates into plain
product dicts and applies the results.

Export rules:
- A product not in Shopify yet is created with ``productSet`` and
  ``identifier: {handle}``.  ``productSet`` with a handle is an upsert: a
  retry after a timeout (the product was created but Odoo never heard back)
  finds the product by its handle and sets it again instead of creating a
  second one.  The handle is stable: the slug of the template name plus the
  Odoo id (``blue-mug-42``), or the Shopify handle once mapped.
- A product already in Shopify is updated field by field: ``productSet`` with
  ``identifier: {id}`` and only the scalar fields Odoo owns (title,
  description, vendor, type, tags, status; no ``variants``, ``productOptions``
  or ``files``, which productSet would replace), then
  ``productVariantsBulkUpdate`` for the mapped variants (SKU, barcode, price,
  weight, tracked; never ``compareAtPrice``) and ``productVariantsBulkCreate``
  for Odoo variants Shopify lacks.
- One main image, sent as a file URL when the product is created; later
  exports leave Shopify's media alone.
"""

import re
import unicodedata

from .documents import document

MAX_OPTIONS = 3
MAX_VARIANTS = 250  # variants given in one productSet / bulk call
DEFAULT_OPTION = ("Title", "Default Title")

PRODUCT_SET = document(
    "ProductExportSet",
    """
    mutation ProductExportSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
      productSet(input: $input, identifier: $identifier, synchronous: true) {
        product {
          id
          handle
          variants(first: 250) {
            nodes { id sku title selectedOptions { name value } inventoryItem { id } }
          }
        }
        userErrors { field message code }
      }
    }
    """,
)

VARIANTS_UPDATE = document(
    "ProductExportVariantsUpdate",
    """
    mutation ProductExportVariantsUpdate(
      $productId: ID!, $variants: [ProductVariantsBulkInput!]!
    ) {
      productVariantsBulkUpdate(productId: $productId, variants: $variants) {
        productVariants { id sku title selectedOptions { name value } inventoryItem { id } }
        userErrors { field message code }
      }
    }
    """,
)

VARIANTS_CREATE = document(
    "ProductExportVariantsCreate",
    """
    mutation ProductExportVariantsCreate(
      $productId: ID!, $variants: [ProductVariantsBulkInput!]!
    ) {
      productVariantsBulkCreate(productId: $productId, variants: $variants) {
        productVariants { id sku title selectedOptions { name value } inventoryItem { id } }
        userErrors { field message code }
      }
    }
    """,
)

IMPORT_PRODUCTS_PAGE_SIZE = 100
IMPORT_PRODUCTS = document(
    "ProductImportProducts",
    """
    query ProductImportProducts($first: Int!, $after: String) {
      products(first: $first, after: $after) {
        nodes {
          id title handle vendor productType tags status descriptionHtml
          options { name position values }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    {"first": IMPORT_PRODUCTS_PAGE_SIZE},
)

# Six objects per variant (variant, selectedOptions, product, inventoryItem,
# measurement, weight): 2 + 150 x 6 + 1 = 903 points.
IMPORT_VARIANTS_PAGE_SIZE = 150
IMPORT_VARIANTS = document(
    "ProductImportVariants",
    """
    query ProductImportVariants($first: Int!, $after: String) {
      productVariants(first: $first, after: $after) {
        nodes {
          id sku barcode title price position
          selectedOptions { name value }
          product { id title handle }
          inventoryItem { id tracked measurement { weight { unit value } } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    {"first": IMPORT_VARIANTS_PAGE_SIZE},
)


# -- handles -------------------------------------------------------------------


def slug(text):
    """Shopify-style handle text: lowercase ASCII letters, digits and dashes."""
    text = unicodedata.normalize("NFKD", str(text or "")).replace("ß", "ss")
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def stable_handle(name, odoo_id, mapped_handle=None):
    """The handle of an Odoo template: Shopify's when mapped, else ``<slug>-<id>``."""
    if mapped_handle:
        return mapped_handle
    base = slug(name)[:200] or "product"
    return f"{base}-{odoo_id}"


# -- export -------------------------------------------------------------------------


def check_product(product):
    """Reasons (plain English) why ``product`` cannot be exported; empty if fine."""
    problems = []
    if len(product.get("options") or ()) > MAX_OPTIONS:
        problems.append(
            f"{len(product['options'])} variant attributes; Shopify allows {MAX_OPTIONS} options"
        )
    if len(product.get("variants") or ()) > MAX_VARIANTS:
        problems.append(f"more than {MAX_VARIANTS} variants")
    if not product.get("variants"):
        problems.append("no active variant")
    return problems


def _option_values(product, variant):
    pairs = variant.get("options") or ()
    if not product.get("options"):
        pairs = [DEFAULT_OPTION]
    return [{"optionName": name, "name": value} for name, value in pairs]


def _inventory_item(variant, with_sku):
    item = {"tracked": bool(variant.get("tracked", True))}
    if with_sku:
        item["sku"] = variant.get("sku") or ""
    if variant.get("grams") is not None:
        item["measurement"] = {"weight": {"unit": "GRAMS", "value": float(variant["grams"])}}
    return item


def variant_set_input(product, variant):
    """A ``ProductVariantSetInput`` (creation through productSet)."""
    data = {
        "optionValues": _option_values(product, variant),
        "sku": variant.get("sku") or None,
        "barcode": variant.get("barcode") or None,
        "inventoryItem": _inventory_item(variant, with_sku=False),
        "taxable": bool(variant.get("taxable", True)),
    }
    if variant.get("price") is not None:
        data["price"] = variant["price"]
    return data


def variant_bulk_input(product, variant, gid=None):
    """A ``ProductVariantsBulkInput``: update (``gid``) or creation; no compare-at."""
    data = {
        "barcode": variant.get("barcode") or None,
        "inventoryItem": _inventory_item(variant, with_sku=True),
    }
    if gid:
        data["id"] = gid
    else:
        data["optionValues"] = _option_values(product, variant)
    if variant.get("price") is not None:
        data["price"] = variant["price"]
    return data


def product_fields(product):
    """The scalar product fields Odoo owns (a ``ProductSetInput`` without lists of
    variants, options or files)."""
    return {
        "title": product["title"],
        "descriptionHtml": product.get("description_html") or "",
        "vendor": product.get("vendor") or None,
        "productType": product.get("product_type") or "",
        "tags": list(product.get("tags") or ()),
        "status": product.get("status") or "ACTIVE",
    }


def creation_input(product):
    """``(input, identifier)`` of the productSet that creates ``product``."""
    options = product.get("options") or []
    if options:
        product_options = [
            {"name": name, "position": position, "values": [{"name": v} for v in values]}
            for position, (name, values) in enumerate(options, 1)
        ]
    else:
        product_options = [
            {"name": DEFAULT_OPTION[0], "position": 1, "values": [{"name": DEFAULT_OPTION[1]}]}
        ]
    data = dict(
        product_fields(product),
        handle=product["handle"],
        productOptions=product_options,
        variants=[variant_set_input(product, v) for v in product["variants"]],
    )
    if product.get("image_url"):
        data["files"] = [
            {
                "originalSource": product["image_url"],
                "contentType": "IMAGE",
                "alt": product["title"],
            }
        ]
    return data, {"handle": product["handle"]}


def option_key(pairs):
    """A comparable key of ``[(name, value)]`` or ``[{name, value}]`` option pairs."""
    out = []
    for pair in pairs or ():
        name, value = (pair["name"], pair["value"]) if isinstance(pair, dict) else pair
        out.append((str(name).strip().casefold(), str(value).strip().casefold()))
    if not out or out == [tuple(s.casefold() for s in DEFAULT_OPTION)]:
        return ()
    return tuple(sorted(out))


def pair_variants(product, shopify_variants):
    """``{odoo variant key: shopify variant node}`` by options, then by SKU."""
    by_options = {option_key(node.get("selectedOptions")): node for node in shopify_variants}
    by_sku = {(n.get("sku") or "").strip(): n for n in shopify_variants if n.get("sku")}
    pairs = {}
    used = set()
    for variant in product["variants"]:
        key = () if not product.get("options") else option_key(variant.get("options"))
        node = by_options.get(key)
        if node is None or node["id"] in used:
            node = by_sku.get((variant.get("sku") or "").strip())
        if node is not None and node["id"] not in used:
            pairs[variant["key"]] = node
            used.add(node["id"])
    return pairs


# -- first import ---------------------------------------------------------------------


def group_import(products, variants):
    """Shopify products with their variants: ``[product node + "variants": [...]]``,
    in Shopify's order; variants of products not listed are grouped under a stub."""
    by_gid = {p["id"]: dict(p, variants=[]) for p in products}
    for variant in variants:
        parent = variant.get("product") or {}
        gid = parent.get("id")
        if gid not in by_gid:
            by_gid[gid] = {
                "id": gid,
                "title": parent.get("title"),
                "handle": parent.get("handle"),
                "options": [],
                "variants": [],
            }
        by_gid[gid]["variants"].append(variant)
    for product in by_gid.values():
        product["variants"].sort(key=lambda v: v.get("position") or 0)
    return list(by_gid.values())


def real_options(product):
    """``[(name, [values])]`` of a Shopify product, without the default 'Title' option."""
    options = []
    for option in sorted(product.get("options") or (), key=lambda o: o.get("position") or 0):
        values = list(option.get("values") or ())
        if option.get("name") == DEFAULT_OPTION[0] and values == [DEFAULT_OPTION[1]]:
            continue
        options.append((option["name"], values))
    if not options:
        # Options not read (stub): derive them from the variants.
        names = []
        for variant in product.get("variants") or ():
            for pair in variant.get("selectedOptions") or ():
                if (pair["name"], pair["value"]) == DEFAULT_OPTION:
                    continue
                if pair["name"] not in names:
                    names.append(pair["name"])
        for name in names:
            values = []
            for variant in product["variants"]:
                for pair in variant.get("selectedOptions") or ():
                    if pair["name"] == name and pair["value"] not in values:
                        values.append(pair["value"])
            options.append((name, values))
    return options


def grams(weight):
    """Grams of a Shopify ``Weight`` dict ``{unit, value}`` (None when unknown)."""
    if not weight or weight.get("value") is None:
        return None
    factor = {"GRAMS": 1.0, "KILOGRAMS": 1000.0, "OUNCES": 28.349523125, "POUNDS": 453.59237}
    return float(weight["value"]) * factor.get(weight.get("unit") or "GRAMS", 1.0)
