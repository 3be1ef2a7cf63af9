"""Shopify's product import CSV, written from plain product dicts.

Column layout of Shopify's current product import template (Products >
Import > sample CSV).  The template's rules:
- one row per variant; all rows of a product share its ``URL handle``;
- product fields (title, description, vendor, category, type, tags,
  published, status, option names, image, gift card, SEO) only on the first
  row of a handle; later rows hold the handle, the option values and the
  variant fields;
- a product without options has one variant with ``Option1 name`` "Title"
  and ``Option1 value`` "Default Title";
- weights are given in grams (``Weight value (grams)``), prices as plain
  decimals with a dot.
"""

import csv
import io

COLUMNS = (
    "Title",
    "URL handle",
    "Description",
    "Vendor",
    "Product category",
    "Type",
    "Tags",
    "Published on online store",
    "Status",
    "SKU",
    "Barcode",
    "Option1 name",
    "Option1 value",
    "Option2 name",
    "Option2 value",
    "Option3 name",
    "Option3 value",
    "Price",
    "Compare-at price",
    "Cost per item",
    "Charge tax",
    "Inventory tracker",
    "Inventory quantity",
    "Continue selling when out of stock",
    "Weight value (grams)",
    "Weight unit for display",
    "Requires shipping",
    "Fulfillment service",
    "Product image URL",
    "Image position",
    "Image alt text",
    "Gift card",
    "SEO title",
    "SEO description",
)

PRODUCT_COLUMNS = (
    "Title",
    "Description",
    "Vendor",
    "Product category",
    "Type",
    "Tags",
    "Published on online store",
    "Status",
    "Option1 name",
    "Option2 name",
    "Option3 name",
    "Product image URL",
    "Image position",
    "Image alt text",
    "Gift card",
    "SEO title",
    "SEO description",
)

DEFAULT_OPTION = ("Title", "Default Title")


def _bool(value):
    return "TRUE" if value else "FALSE"


def _number(value):
    """Decimals and strings as given; ints and floats without trailing zeros."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        text = format(float(value), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return format(value, "f")


def product_rows(product):
    """The CSV rows (dicts keyed by :data:`COLUMNS`) of one product.

    ``product``: ``handle, title, description_html, vendor, product_type,
    tags, published, status, options [(name, values)], image_url, variants``;
    each variant: ``sku, barcode, options [(name, value)], price, compare_at,
    cost, taxable, tracked, quantity, continue_selling, grams,
    requires_shipping``.
    """
    options = list(product.get("options") or ())
    names = [name for name, _values in options] or [DEFAULT_OPTION[0]]
    rows = []
    for index, variant in enumerate(product["variants"]):
        pairs = dict(variant.get("options") or ())
        row = dict.fromkeys(COLUMNS, "")
        row["URL handle"] = product["handle"]
        for position, name in enumerate(names[:3], 1):
            if options:
                row[f"Option{position} value"] = pairs.get(name, "")
            else:
                row[f"Option{position} value"] = DEFAULT_OPTION[1]
        row.update(
            {
                "SKU": variant.get("sku") or "",
                "Barcode": variant.get("barcode") or "",
                "Price": _number(variant.get("price")),
                "Compare-at price": _number(variant.get("compare_at")),
                "Cost per item": _number(variant.get("cost")),
                "Charge tax": _bool(variant.get("taxable", True)),
                "Inventory tracker": "shopify" if variant.get("tracked", True) else "",
                "Inventory quantity": _number(variant.get("quantity"))
                if variant.get("tracked", True)
                else "",
                "Continue selling when out of stock": "CONTINUE"
                if variant.get("continue_selling")
                else "DENY",
                "Weight value (grams)": _number(variant.get("grams")),
                "Weight unit for display": variant.get("weight_unit") or "g",
                "Requires shipping": _bool(variant.get("requires_shipping", True)),
                "Fulfillment service": "manual",
            }
        )
        if index == 0:
            row.update(
                {
                    "Title": product["title"],
                    "Description": product.get("description_html") or "",
                    "Vendor": product.get("vendor") or "",
                    "Product category": product.get("category") or "",
                    "Type": product.get("product_type") or "",
                    "Tags": ", ".join(product.get("tags") or ()),
                    "Published on online store": _bool(product.get("published", True)),
                    "Status": (product.get("status") or "active").lower(),
                    "Gift card": "FALSE",
                    "SEO title": product.get("seo_title") or "",
                    "SEO description": product.get("seo_description") or "",
                }
            )
            for position, name in enumerate(names[:3], 1):
                row[f"Option{position} name"] = name
            if product.get("image_url"):
                row["Product image URL"] = product["image_url"]
                row["Image position"] = "1"
                row["Image alt text"] = product["title"]
        rows.append(row)
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A cell that a spreadsheet cannot take for a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading apostrophe (the usual spreadsheet-safe escape); numbers
    such as ``-1.5`` stay as they are, so that Shopify's import reads them.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def write_csv(products):
    """The CSV text (UTF-8 with a byte order mark is left to the caller)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for product in products:
        writer.writerows(
            {key: _cell(value) for key, value in row.items()} for row in product_rows(product)
        )
    return buffer.getvalue()


def read_csv(text):
    """Rows of a product CSV as dicts (for checking an export)."""
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
