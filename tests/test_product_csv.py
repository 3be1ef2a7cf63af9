"""The product CSV follows the rules of Shopify's product import template."""

from decimal import Decimal

from shopify_api import product_csv
from shopify_api.product_csv import COLUMNS, PRODUCT_COLUMNS


def shirt():
    return {
        "handle": "shirt-7",
        "title": "Shirt",
        "description_html": '<p>Soft, "organic" cotton</p>',
        "vendor": "Acme",
        "product_type": "Clothes",
        "tags": ["summer", "cotton"],
        "status": "ACTIVE",
        "options": [("Size", ["S", "M"]), ("Colour", ["Red"])],
        "image_url": "https://odoo.example.com/web/content/5/shirt.png",
        "variants": [
            {
                "sku": "SHIRT-S",
                "barcode": "123",
                "options": [("Size", "S"), ("Colour", "Red")],
                "price": Decimal("25.00"),
                "compare_at": Decimal("30.00"),
                "quantity": 4,
                "grams": 250.0,
            },
            {
                "sku": "SHIRT-M",
                "options": [("Size", "M"), ("Colour", "Red")],
                "price": "26.50",
                "quantity": 0,
                "grams": 260.0,
                "tracked": False,
            },
        ],
    }


def mug():
    return {
        "handle": "mug-8",
        "title": "Mug",
        "options": [],
        "variants": [{"sku": "MUG", "price": "9.90", "quantity": 3, "grams": 350}],
    }


def test_header_is_the_template_layout():
    text = product_csv.write_csv([])
    assert text.splitlines() == [",".join(COLUMNS)]
    assert set(PRODUCT_COLUMNS) <= set(COLUMNS)


def test_one_row_per_variant_sharing_the_handle():
    rows = product_csv.read_csv(product_csv.write_csv([shirt(), mug()]))
    assert [r["URL handle"] for r in rows] == ["shirt-7", "shirt-7", "mug-8"]
    assert [r["SKU"] for r in rows] == ["SHIRT-S", "SHIRT-M", "MUG"]


def test_product_fields_only_on_the_first_row_of_a_handle():
    first, second = product_csv.read_csv(product_csv.write_csv([shirt()]))
    assert first["Title"] == "Shirt"
    assert first["Description"] == '<p>Soft, "organic" cotton</p>'
    assert first["Tags"] == "summer, cotton"
    assert first["Status"] == "active"
    assert first["Option1 name"] == "Size" and first["Option2 name"] == "Colour"
    assert first["Product image URL"].endswith("shirt.png")
    assert first["Image position"] == "1"
    for column in PRODUCT_COLUMNS:
        assert second[column] == "", column
    assert (second["Option1 value"], second["Option2 value"]) == ("M", "Red")


def test_variant_fields_on_every_row():
    first, second = product_csv.read_csv(product_csv.write_csv([shirt()]))
    assert (first["Price"], first["Compare-at price"]) == ("25.00", "30.00")
    assert (second["Price"], second["Compare-at price"]) == ("26.50", "")
    assert first["Weight value (grams)"] == "250"
    assert first["Inventory tracker"] == "shopify" and first["Inventory quantity"] == "4"
    assert second["Inventory tracker"] == "" and second["Inventory quantity"] == ""
    assert first["Continue selling when out of stock"] == "DENY"


def test_a_product_without_options_uses_the_default_title():
    (row,) = product_csv.read_csv(product_csv.write_csv([mug()]))
    assert (row["Option1 name"], row["Option1 value"]) == ("Title", "Default Title")
    assert row["Option2 name"] == row["Option2 value"] == ""
    assert row["Weight value (grams)"] == "350"


def test_text_cells_cannot_become_spreadsheet_formulas():
    product = shirt()
    product["title"] = '=HYPERLINK("https://evil.example","click")'
    product["vendor"] = "@SUM(1+1)"
    product["tags"] = ["+cmd"]
    product["variants"][0]["sku"] = "-2+3"
    rows = product_csv.read_csv(product_csv.write_csv([product]))
    assert rows[0]["Title"] == "'" + product["title"]
    assert rows[0]["Vendor"] == "'@SUM(1+1)"
    assert rows[0]["Tags"] == "'+cmd"
    assert rows[0]["SKU"] == "'-2+3"
    # ordinary values are written as they are, so Shopify's import reads them
    assert rows[0]["Price"] == "25.00"
    assert rows[1]["SKU"] == "SHIRT-M"
    assert product_csv._cell("-1.5") == "-1.5"
