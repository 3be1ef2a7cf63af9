"""Products from Odoo to Shopify: the product data shared by the CSV and the
export, and the product export itself (see shopify_shop_catalog.py)."""

import base64
import html

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..shopify_api import errors as api_errors
from ..shopify_api import prices, products
from .shopify_shop_catalog import _FATAL_ERRORS


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Product data (shared by the CSV and the export)
    # ------------------------------------------------------------------
    def _shop_product_templates(self):
        Template = self.env["product.template"]
        if "shopify_shop_product" not in Template._fields:
            raise UserError(self.env._("Products cannot be flagged as shop products yet."))
        return Template.search(
            [
                ("shopify_shop_product", "=", True),
                ("company_id", "in", [False, self.company_id.id]),
            ],
            order="id",
        )

    def _shopify_quantities(self, product_list):
        """Quantities for the CSV: the free quantity (on hand minus reserved) of the
        shop's source warehouses when the stock settings name them, else the
        quantity on hand."""
        warehouses = self["stock_warehouse_ids"] if "stock_warehouse_ids" in self._fields else None
        if warehouses and hasattr(self, "_stock_free_quantities"):
            free = self._stock_free_quantities(warehouses, product_list.ids)
            return {p.id: free.get(p.id, 0.0) for p in product_list}
        return {p.id: p.qty_available for p in product_list}

    def _product_grams(self, product):
        weight_uom = product.product_tmpl_id._get_weight_uom_id_from_ir_config_parameter()
        gram = self.env.ref("uom.product_uom_gram", raise_if_not_found=False)
        if not product.weight:
            return 0
        if gram and weight_uom and weight_uom != gram:
            return round(weight_uom._compute_quantity(product.weight, gram, round=False), 2)
        return round(product.weight * (1 if weight_uom == gram else 1000), 2)

    @api.model
    def _template_options(self, template):
        """``[(attribute name, [value names])]`` of the attributes that make variants."""
        options = []
        for line in template.attribute_line_ids:
            if line.attribute_id.create_variant == "no_variant":
                continue
            options.append((line.attribute_id.name, line.value_ids.mapped("name")))
        return options

    @api.model
    def _variant_options(self, variant):
        return [
            (value.attribute_id.name, value.name)
            for value in variant.product_template_variant_value_ids
        ]

    def _description_html(self, template):
        if template.description and not html.unescape(str(template.description)).isspace():
            return str(template.description)
        if template.description_sale:
            return "<p>" + html.escape(template.description_sale).replace("\n", "<br/>") + "</p>"
        return ""

    def _template_handles(self, templates):
        """``{template id: Shopify handle}`` of templates mapped in this shop."""
        handles = {}
        mappings = self.env["shopify.variant"].search(
            [
                ("shop_id", "=", self.id),
                ("product_id.product_tmpl_id", "in", templates.ids),
                ("shopify_product_handle", "!=", False),
            ]
        )
        for mapping in mappings:
            handles.setdefault(
                mapping.product_id.product_tmpl_id.id, mapping.shopify_product_handle
            )
        return handles

    def _image_url(self, template):
        """A public URL of the template's main image (a public attachment), or None."""
        if not template.image_1920:
            return None
        Attachment = self.env["ir.attachment"].sudo()
        name = f"shopify_image_{template.id}.png"
        attachment = Attachment.search(
            [("res_model", "=", "shopify.shop"), ("res_id", "=", self.id), ("name", "=", name)],
            limit=1,
        )
        raw = base64.b64decode(template.sudo().with_context(bin_size=False).image_1920)
        if attachment and attachment.raw != raw:
            attachment.raw = raw
        elif not attachment:
            attachment = Attachment.create(
                {
                    "name": name,
                    "raw": raw,
                    "public": True,
                    "res_model": "shopify.shop",
                    "res_id": self.id,
                }
            )
        base_url = self.get_base_url()
        return f"{base_url}/web/content/{attachment.id}/{name}"

    def _product_data(self, templates, with_images=False):
        """Plain product dicts (see :mod:`..shopify_api.products`) of ``templates``."""
        self.ensure_one()
        handles = self._template_handles(templates)
        variants = templates.product_variant_ids
        price_list = self.pricelist_id
        wanted = self._shopify_prices(variants, own_only=False) if price_list else {}
        compare = {}
        if self.compare_at_pricelist_id:
            compare = self._shopify_prices(variants, self.compare_at_pricelist_id, own_only=False)
        digits = (price_list.currency_id or self.company_id.currency_id).decimal_places
        company = self.company_id.name
        data = []
        for template in templates:
            tmpl_variants = template.product_variant_ids
            seller = template.seller_ids[:1].partner_id.name
            item = {
                "template": template,
                "handle": products.stable_handle(
                    template.name, template.id, handles.get(template.id)
                ),
                "title": template.name,
                "description_html": self._description_html(template),
                "vendor": seller or company,
                "product_type": template.categ_id.name or "",
                "tags": template.product_tag_ids.mapped("name"),
                "status": "ACTIVE" if template.sale_ok else "DRAFT",
                "published": template.sale_ok,
                "options": self._template_options(template),
                "image_url": self._image_url(template) if with_images else None,
                "variants": [],
            }
            for variant in tmpl_variants:
                price = wanted.get(variant.id)
                if price is None:
                    price = prices.to_decimal(variant.lst_price, digits)
                compare_at = prices.effective_compare_at(price, compare.get(variant.id))
                item["variants"].append(
                    {
                        "key": variant.id,
                        "record": variant,
                        "sku": variant.default_code or "",
                        "barcode": variant.barcode or "",
                        "options": self._variant_options(variant),
                        "price": prices.money_text(price),
                        "compare_at": prices.money_text(compare_at),
                        "cost": prices.money_text(
                            prices.to_decimal(variant.standard_price, digits)
                        )
                        if variant.standard_price
                        else None,
                        "taxable": bool(variant.taxes_id),
                        "tracked": bool(variant.is_storable),
                        "grams": self._product_grams(variant),
                        "requires_shipping": variant.type != "service",
                    }
                )
            data.append(item)
        return data

    def _csv_products(self, templates, run):
        data = self._product_data(templates, with_images=True)
        quantities = self._shopify_quantities(templates.product_variant_ids)
        for item in data:
            for variant in item["variants"]:
                variant["quantity"] = int(max(0.0, quantities.get(variant["key"], 0.0)))
        return data

    # ------------------------------------------------------------------
    # Product export
    # ------------------------------------------------------------------
    def _export_products(self, run, client):
        self.ensure_one()
        templates = self._shop_product_templates()
        Mapping = self.env["shopify.variant"]
        mapped = Mapping.search(
            [("shop_id", "=", self.id), ("product_id.product_tmpl_id", "in", templates.ids)]
        )
        by_product = {m.product_id.id: m for m in mapped}
        created = updated = failed = skipped = 0
        for item in self._product_data(templates, with_images=True):
            template = item.pop("template")
            problems = products.check_product(item)
            if problems:
                skipped += 1
                run._log(
                    self.env._("Not exported: %(reason)s", reason="; ".join(problems)),
                    level="warning",
                    reference=template.display_name,
                    record=template,
                )
                continue
            product_gid = next(
                (
                    by_product[v["key"]].shopify_product_gid
                    for v in item["variants"]
                    if v["key"] in by_product and by_product[v["key"]].shopify_product_gid
                ),
                None,
            )
            try:
                with self.env.cr.savepoint():
                    if product_gid:
                        self._export_update(client, item, product_gid, by_product)
                        updated += 1
                    else:
                        self._export_create(client, item, by_product)
                        created += 1
            except api_errors.ShopifyError as exc:
                failed += 1
                run._log(
                    self._shopify_error_message(exc),
                    reference=template.display_name,
                    record=template,
                )
                if isinstance(exc, _FATAL_ERRORS):
                    break
        run.write(
            {
                "count_created": created,
                "count_updated": updated,
                "count_skipped": skipped,
                "count_failed": failed,
                "summary": self.env._(
                    "%(created)s products created in Shopify, %(updated)s updated, "
                    "%(skipped)s skipped, %(failed)s failed.",
                    created=created,
                    updated=updated,
                    skipped=skipped,
                    failed=failed,
                ),
            }
        )
        self.last_product_export_at = fields.Datetime.now()

    def _export_create(self, client, item, by_product):
        data, identifier = products.creation_input(item)
        payload = client.mutate(
            products.PRODUCT_SET, {"input": data, "identifier": identifier}, "productSet"
        )
        product = payload["product"]
        nodes = product["variants"]["nodes"]
        self._link_exported(item, product["id"], product["handle"], nodes, by_product)

    def _export_update(self, client, item, product_gid, by_product):
        client.mutate(
            products.PRODUCT_SET,
            {"input": products.product_fields(item), "identifier": {"id": product_gid}},
            "productSet",
        )
        handle = next(
            (
                by_product[v["key"]].shopify_product_handle
                for v in item["variants"]
                if v["key"] in by_product
            ),
            None,
        )
        existing = [v for v in item["variants"] if v["key"] in by_product]
        missing = [v for v in item["variants"] if v["key"] not in by_product]
        nodes = []
        if existing:
            payload = client.mutate(
                products.VARIANTS_UPDATE,
                {
                    "productId": product_gid,
                    "variants": [
                        products.variant_bulk_input(
                            item, v, by_product[v["key"]].shopify_variant_gid
                        )
                        for v in existing
                    ],
                },
                "productVariantsBulkUpdate",
            )
            nodes += payload.get("productVariants") or []
        if missing:
            payload = client.mutate(
                products.VARIANTS_CREATE,
                {
                    "productId": product_gid,
                    "variants": [products.variant_bulk_input(item, v) for v in missing],
                },
                "productVariantsBulkCreate",
            )
            nodes += payload.get("productVariants") or []
        self._link_exported(item, product_gid, handle, nodes, by_product)

    def _link_exported(self, item, product_gid, handle, nodes, by_product):
        """Fill the variant mapping from an export's answer; remember the price sent."""
        Mapping = self.env["shopify.variant"]
        pairs = products.pair_variants(item, nodes)
        now = fields.Datetime.now()
        for variant in item["variants"]:
            node = pairs.get(variant["key"])
            if node is None:
                continue
            values = {
                "shopify_product_gid": product_gid,
                "shopify_product_handle": handle,
                "inventory_item_gid": (node.get("inventoryItem") or {}).get("id"),
                "sku": variant["sku"] or False,
                "barcode": variant["barcode"] or False,
                "title": node.get("title"),
                "product_title": item["title"],
                "product_id": variant["key"],
                "match_state": "matched",
                "match_note": False,
                "shopify_price_pushed": float(variant["price"]),
                "shopify_price_pushed_at": now,
            }
            mapping = by_product.get(variant["key"]) or Mapping.search(
                [("shop_id", "=", self.id), ("shopify_variant_gid", "=", node["id"])], limit=1
            )
            if mapping:
                mapping.write(values)
            else:
                by_product[variant["key"]] = Mapping.create(
                    dict(values, shop_id=self.id, shopify_variant_gid=node["id"])
                )
