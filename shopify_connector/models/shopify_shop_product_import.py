"""The first product import: products created in Odoo from Shopify's
(see shopify_shop_catalog.py)."""

from odoo import fields, models
from odoo.exceptions import UserError

from ..shopify_api import products
from ..shopify_api.matching import variant_from_node


class ShopifyShop(models.Model):
    # one file per concern of the shop, as the design asks
    _inherit = "shopify.shop"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # First import
    # ------------------------------------------------------------------
    def _import_products(self, run, client):
        self.ensure_one()
        product_nodes = list(client.paginate(products.IMPORT_PRODUCTS, {}, ("products",)))
        variant_nodes = list(client.paginate(products.IMPORT_VARIANTS, {}, ("productVariants",)))
        shopify_products = products.group_import(product_nodes, variant_nodes)
        handles = {p["id"]: p.get("handle") for p in shopify_products}
        flat = [variant_from_node(node) for node in variant_nodes]
        Mapping = self.env["shopify.variant"]
        Mapping._apply_match(self, flat, run)
        matched_counts = {
            "linked": run.count_created,
            "unchanged": run.count_unchanged,
        }
        mappings = {m.shopify_variant_gid: m for m in Mapping.search([("shop_id", "=", self.id)])}
        for mapping in mappings.values():
            handle = handles.get(mapping.shopify_product_gid)
            if handle and mapping.shopify_product_handle != handle:
                mapping.shopify_product_handle = handle
        created = skipped = 0
        for product in shopify_products:
            states = {mappings[v["id"]].match_state for v in product["variants"]}
            if not states or states == {"matched"}:
                continue
            if states != {"unmatched"}:
                skipped += 1
                run._log(
                    self.env._(
                        "Not created in Odoo: some of its variants are linked or ambiguous; "
                        "link the others by hand on the variant mapping.",
                    ),
                    level="warning",
                    reference=product.get("title") or product["id"],
                )
                continue
            try:
                with self.env.cr.savepoint():
                    self._create_from_shopify(product, mappings, run)
                    created += 1
            except (UserError, ValueError) as exc:
                skipped += 1
                run._log(
                    self.env._("Not created in Odoo: %(error)s", error=str(exc)),
                    reference=product.get("title") or product["id"],
                )
        unmatched = Mapping.search_count(
            [("shop_id", "=", self.id), ("match_state", "!=", "matched")]
        )
        run.write(
            {
                "count_created": created,
                "count_updated": matched_counts["linked"],
                "count_unchanged": matched_counts["unchanged"],
                "count_skipped": skipped,
                "summary": self.env._(
                    "%(products)s Shopify products and %(variants)s variants read: "
                    "%(linked)s variants newly linked to existing products, %(created)s "
                    "products created in Odoo, %(skipped)s products skipped; %(open)s "
                    "variants remain unlinked.",
                    products=len(shopify_products),
                    variants=len(variant_nodes),
                    linked=matched_counts["linked"],
                    created=created,
                    skipped=skipped,
                    open=unmatched,
                ),
            }
        )

    def _import_attribute_values(self, options):
        """``{(option name, value): product.attribute.value}``, created when missing."""
        Attribute = self.env["product.attribute"]
        Value = self.env["product.attribute.value"]
        result = {}
        for name, values in options:
            attribute = Attribute.search(
                [("name", "=ilike", name), ("create_variant", "=", "always")], limit=1
            ) or Attribute.create({"name": name, "create_variant": "always"})
            for value in values:
                record = attribute.value_ids.filtered(
                    lambda v, value=value: v.name.casefold() == value.casefold()
                )[:1] or Value.create({"name": value, "attribute_id": attribute.id})
                result[(name, value)] = record
        return result

    def _create_from_shopify(self, product, mappings, run):
        """Create the Odoo template of a Shopify product and link its variants."""
        options = products.real_options(product)
        values = self._import_attribute_values(options)
        variants = product["variants"]
        first_price = min(float(v.get("price") or 0.0) for v in variants)
        template_values = {
            "name": product.get("title") or product.get("handle"),
            "description_sale": False,
            "list_price": first_price,
            "type": "consu",
            "is_storable": any((v.get("inventoryItem") or {}).get("tracked") for v in variants),
            "company_id": self.company_id.id,
            "attribute_line_ids": [
                fields.Command.create(
                    {
                        "attribute_id": values[(name, vals[0])].attribute_id.id,
                        "value_ids": [fields.Command.set([values[(name, v)].id for v in vals])],
                    }
                )
                for name, vals in options
                if vals
            ],
        }
        if "shopify_shop_product" in self.env["product.template"]._fields:
            template_values["shopify_shop_product"] = True
        template = self.env["product.template"].create(template_values)
        by_key = {
            products.option_key(self._variant_options(v)): v for v in template.product_variant_ids
        }
        used = self.env["product.product"]
        gram = self.env.ref("uom.product_uom_gram", raise_if_not_found=False)
        for node in variants:
            key = products.option_key(node.get("selectedOptions")) if options else ()
            odoo_variant = by_key.get(key)
            if odoo_variant is None or odoo_variant in used:
                raise UserError(
                    self.env._(
                        "no Odoo variant for the options %(options)s",
                        options=node.get("title"),
                    )
                )
            used |= odoo_variant
            weight = products.grams(
                ((node.get("inventoryItem") or {}).get("measurement") or {}).get("weight")
            )
            variant_values = {
                "default_code": (node.get("sku") or "").strip() or False,
                "barcode": (node.get("barcode") or "").strip() or False,
            }
            if weight:
                weight_uom = template._get_weight_uom_id_from_ir_config_parameter()
                variant_values["weight"] = (
                    gram._compute_quantity(weight, weight_uom, round=False)
                    if gram and weight_uom
                    else weight / 1000.0
                )
            odoo_variant.write(variant_values)
            mappings[node["id"]].write({"product_id": odoo_variant.id, "match_state": "matched"})
        # Combinations Shopify does not sell are archived.
        (template.product_variant_ids - used).write({"active": False})
        if len({v.get("price") for v in variants}) > 1:
            run._log(
                self.env._(
                    "Created with the sales price %(price)s; its variants have different "
                    "prices in Shopify: give them their own prices in the shop's pricelist.",
                    price=first_price,
                ),
                level="info",
                reference=template.display_name,
                record=template,
            )
        return template
