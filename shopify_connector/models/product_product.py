from odoo import Command, api, fields, models

from .sale_order_checks import OrderImportError


class ProductProduct(models.Model):
    _inherit = "product.product"

    shopify_variant_ids = fields.One2many(
        "shopify.variant",
        "product_id",
        string="Shopify variants",
        help="The Shopify variants linked to this product, with the quantity Odoo "
        "publishes, what was last pushed and Shopify's own figures.",
    )

    @api.model
    def _shopify_prefetch(self, importer, orders):
        """Look up, once per page, the products the order lines may need.

        Fills ``importer.mappings`` (variant gid -> shopify.variant),
        ``products_by_sku``, ``products_by_barcode`` and ``products_by_name``
        (items without SKU and variant created earlier).
        """
        lines = [line for order in orders for line in order["lines"]]
        gids = {line["variant_gid"] for line in lines if line["variant_gid"]}
        gids -= set(importer.mappings)
        if gids:
            mappings = self.env["shopify.variant"].search(
                [("shop_id", "=", importer.shop.id), ("shopify_variant_gid", "in", list(gids))]
            )
            for mapping in mappings:
                importer.mappings[mapping.shopify_variant_gid] = mapping
        unlinked = [
            importer.mappings[gid]
            for gid in gids
            if gid in importer.mappings and not importer.mappings[gid].product_id
        ]
        skus = {line["sku"] for line in lines if line["sku"]} | {m.sku for m in unlinked if m.sku}
        skus -= set(importer.products_by_sku)
        barcodes = {m.barcode for m in unlinked if m.barcode} - set(importer.products_by_barcode)
        company = [False, importer.company.id]
        if skus or barcodes:
            products = self.search(
                [
                    "|",
                    ("default_code", "in", list(skus)),
                    ("barcode", "in", list(barcodes)),
                    ("company_id", "in", company),
                ],
                order="id",
            )
            for product in products:
                if product.default_code in skus:
                    importer.products_by_sku.setdefault(product.default_code, product)
                if product.barcode in barcodes:
                    importer.products_by_barcode.setdefault(product.barcode, product)
        names = {
            self._shopify_custom_name(line)
            for line in lines
            if not line["sku"] and not line["variant_gid"]
        } - set(importer.products_by_name)
        if names:
            for product in self.search(
                [
                    ("shopify_shop_product", "=", True),
                    ("default_code", "=", False),
                    ("name", "in", list(names)),
                    ("company_id", "in", company),
                ],
                order="id",
            ):
                importer.products_by_name.setdefault(product.name, product)

    @api.model
    def _shopify_custom_name(self, line):
        return self.env._(
            "%(title)s (Shopify item without SKU)", title=line["title"] or line["name"]
        )

    @api.model
    def _shopify_line_product(self, importer, order, line, taxes):
        """(product, created) for an order line: variant mapping, SKU, barcode, else new.

        A custom item (no variant, no product) with a SKU is created like any
        missing product; without SKU it gets a product of its own name, reused
        by later orders.  A line whose variant was deleted while its product
        still exists in Shopify must find its Odoo product by SKU, else the
        order cannot be imported (a product made up from it would never be
        linked to Shopify again).
        """
        mapping = importer.mappings.get(line["variant_gid"]) if line["variant_gid"] else None
        if mapping and mapping.product_id:
            return mapping.product_id, False
        sku = line["sku"] or (mapping.sku if mapping else None)
        product = importer.products_by_sku.get(sku) if sku else None
        if not product and mapping and mapping.barcode:
            product = importer.products_by_barcode.get(mapping.barcode)
        if product:
            return product, False
        if not line["variant_gid"] and line["product_gid"]:
            # The product still exists in Shopify, its variant does not.
            raise OrderImportError(
                self.env._(
                    "the line %(line)s (SKU %(sku)s) refers to a product variant that no "
                    "longer exists in Shopify, and Odoo has no product with this SKU. "
                    "Create the product in Odoo with this internal reference, then fetch "
                    "the orders again.",
                    line=line["name"],
                    sku=sku or "-",
                )
            )
        if line["variant_gid"] or sku:  # custom items with a SKU too
            name = line["title"] or line["name"]
        else:
            name = self._shopify_custom_name(line)
            product = importer.products_by_name.get(name)
            if product:
                return product, False
        product = self.create(
            {
                "name": name,
                "default_code": sku or False,
                "list_price": float(line["unit_price"]),
                "taxes_id": [Command.set(taxes.ids)],
                "uom_id": self.env.ref("uom.product_uom_unit").id,
                "type": "consu",
                "is_storable": True,
                "sale_ok": True,
                "shopify_shop_product": True,
            }
        )
        if sku:
            importer.remember(importer.products_by_sku, sku, product)
        else:
            importer.remember(importer.products_by_name, name, product)
        if line["variant_gid"]:
            self._shopify_link_variant(importer, order, line, mapping, product)
        return product, True

    @api.model
    def _shopify_link_variant(self, importer, order, line, mapping, product):
        if mapping:
            mapping.product_id = product
            return
        mapping = self.env["shopify.variant"].create(
            {
                "shop_id": importer.shop.id,
                "shopify_variant_gid": line["variant_gid"],
                "shopify_product_gid": line["product_gid"],
                "sku": line["sku"] or False,
                "product_title": line["title"],
                "title": line["name"],
                "product_id": product.id,
                "match_state": "matched",
                "match_note": self.env._(
                    "Product created from order %(order)s", order=order["name"]
                ),
            }
        )
        importer.remember(importer.mappings, line["variant_gid"], mapping)
