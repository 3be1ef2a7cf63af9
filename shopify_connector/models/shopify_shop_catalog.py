import base64
import html
import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..shopify_api import errors as api_errors
from ..shopify_api import prices, product_csv, products
from ..shopify_api.matching import variant_from_node

_logger = logging.getLogger(__name__)

# Errors after which the next request would fail the same way: stop the run.
_FATAL_ERRORS = (
    api_errors.AuthenticationError,
    api_errors.AccessDeniedError,
    api_errors.ShopNotFoundError,
    api_errors.ShopUnavailableError,
    api_errors.NetworkError,
    api_errors.ThrottledError,
    api_errors.ServerError,
)
# "Own price" in a pricelist: an item for this very variant or its template.
OWN_PRICE_APPLIED_ON = ("0_product_variant", "1_product")
REFERENCES_SHOWN = 20
PRICE_CHUNK = 200  # products per pricelist computation


class ShopifyShop(models.Model):
    """Prices and catalog of a shop: price push, product CSV, product export
    and the first product import.

    Price rule: the shop's pricelist computes each variant's price for
    quantity 1 in the pricelist's currency, which must be the shop's
    currency.  The amount is sent as it is: Odoo does not add or remove taxes,
    so the pricelist holds gross prices when the shop's prices include tax
    ("Prices include tax" from Test connection) and net prices otherwise.
    """

    _inherit = "shopify.shop"

    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Decides the prices pushed to Shopify, in the shop's currency. Its prices are "
        "sent as they are: gross if the shop's prices include tax, net otherwise. Only "
        "products with a price of their own in it (an item for the product or the variant) "
        "are pushed, unless 'Push every mapped variant' is set.",
    )
    compare_at_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Compare-at pricelist",
        check_company=True,
        help="Leave empty to never touch the compare-at ('was') prices kept in Shopify. When "
        "set, its price is pushed as compare-at price; one equal to or below the price is "
        "cleared.",
    )
    price_push_all_mapped = fields.Boolean(
        "Push every mapped variant",
        help="Push the pricelist's price of every linked variant, also of products without a "
        "price of their own in the pricelist (they get the price the pricelist computes from "
        "categories, global rules or the sales price).",
    )
    last_price_push_at = fields.Datetime("Last price update", readonly=True, copy=False)
    last_product_export_at = fields.Datetime("Last product export", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _job_configured(self, job):
        if job in ("prices", "prices_all") and not self.pricelist_id:
            return False
        return super()._job_configured(job)

    def action_update_prices(self):
        """Push the prices that differ from what Shopify was last told."""
        self.ensure_one()
        run = self._run_job("prices")
        return self._run_result(run)

    def action_push_all_prices(self):
        """Push the price of every priced variant, changed or not."""
        self.ensure_one()
        run = self._run_job("prices_all")
        return self._run_result(run)

    def action_export_products(self):
        self.ensure_one()
        run = self._run_job("product_export")
        return self._run_result(run)

    def action_import_products(self):
        self.ensure_one()
        run = self._run_job("product_import")
        return self._run_result(run)

    def action_export_product_csv(self):
        """Build the product CSV of the shop products and download it."""
        self.ensure_one()
        self._check_job_rights("csv_export")
        run = (
            self.env["shopify.run"]
            .sudo()
            .create({"shop_id": self.id, "job": "csv_export", "trigger": "manual"})
        )
        templates = self._shop_product_templates()
        data = self._csv_products(templates, run)
        text = product_csv.write_csv(data)
        filename = f"shopify_products_{products.slug(self.name) or self.id}.csv"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "type": "binary",
                    "mimetype": "text/csv",
                    "raw": ("\ufeff" + text).encode("utf-8"),
                    "res_model": "shopify.run",
                    "res_id": run.id,
                }
            )
        )
        variant_count = sum(len(p["variants"]) for p in data)
        run.write({"count_created": variant_count})
        run._finish(
            summary=self.env._(
                "%(products)s products with %(variants)s variants written to %(file)s.",
                products=len(data),
                variants=variant_count,
                file=filename,
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Prices
    # ------------------------------------------------------------------
    def _push_prices_changed(self, run, client):
        self._push_prices(run, client, changed_only=True)

    def _push_prices_all(self, run, client):
        self._push_prices(run, client, changed_only=False)

    def _price_mappings(self):
        return self.env["shopify.variant"].search(
            [("shop_id", "=", self.id), ("product_id", "!=", False)]
        )

    def _check_pricelist_currency(self, pricelist):
        """None when ``pricelist`` prices are in the shop's currency, else a reason."""
        if not pricelist or pricelist.currency_id.name == self.shopify_currency:
            return None
        return self.env._(
            "The pricelist '%(pricelist)s' is in %(currency)s, the shop sells in %(shop)s.",
            pricelist=pricelist.display_name,
            currency=pricelist.currency_id.name,
            shop=self.shopify_currency,
        )

    def _shopify_prices(self, product_list, pricelist=None, own_only=None):
        """``{product id: Decimal price or None}`` of the shop's pricelist (set-based).

        None: no own price (an item applying to the variant or its template)
        while only own prices count.
        """
        self.ensure_one()
        pricelist = pricelist or self.pricelist_id
        if own_only is None:
            own_only = not self.price_push_all_mapped
        digits = pricelist.currency_id.decimal_places
        pricelist = pricelist.with_company(self.company_id)
        computed = {}
        # _compute_price_rule tries, for each product, the rules of all the products
        # given: with one item per product that is quadratic.  Chunks keep it linear.
        for start in range(0, len(product_list), PRICE_CHUNK):
            chunk = product_list[start : start + PRICE_CHUNK]
            computed.update(pricelist._compute_price_rule(chunk, 1.0))
        rule_ids = {rule_id for _price, rule_id in computed.values() if rule_id}
        applied_on = {
            rule.id: rule.applied_on
            for rule in self.env["product.pricelist.item"].browse(rule_ids)
        }
        result = {}
        for product_id, (price, rule_id) in computed.items():
            own = applied_on.get(rule_id) in OWN_PRICE_APPLIED_ON
            result[product_id] = prices.to_decimal(price, digits) if own or not own_only else None
        return result

    def _price_items(self, mappings):
        """One :class:`prices.PriceItem` per mapping, with prices from the pricelists."""
        self.ensure_one()
        if not self.pricelist_id:
            raise UserError(
                self.env._(
                    "Choose the pricelist of the shop '%(shop)s' (tab 'Prices & catalog') "
                    "before pushing prices.",
                    shop=self.name,
                )
            )
        if not self.shopify_currency:
            raise UserError(
                self.env._(
                    "The currency of the shop '%(shop)s' is not known yet. Test the connection "
                    "first.",
                    shop=self.name,
                )
            )
        compare_list = self.compare_at_pricelist_id
        skip_reason = self._check_pricelist_currency(self.pricelist_id) or (
            self._check_pricelist_currency(compare_list)
        )
        product_list = mappings.product_id
        wanted = {} if skip_reason else self._shopify_prices(product_list)
        compare = {}
        if compare_list and not skip_reason:
            compare = self._shopify_prices(product_list, compare_list, own_only=False)
        digits = self.pricelist_id.currency_id.decimal_places
        items = []
        for mapping in mappings:
            told = bool(mapping.shopify_price_pushed_at)
            product_id = mapping.product_id.id
            items.append(
                prices.PriceItem(
                    variant_gid=mapping.shopify_variant_gid,
                    product_gid=mapping.shopify_product_gid,
                    price=wanted.get(product_id),
                    compare_at=compare.get(product_id),
                    last_price=prices.to_decimal(mapping.shopify_price_pushed, digits)
                    if told
                    else None,
                    last_compare_at=prices.to_decimal(mapping.shopify_compare_at_pushed, digits)
                    or None,
                    last_compare_at_told=mapping.shopify_compare_at_told,
                    reference=mapping.sku or mapping.product_id.display_name,
                    skip_reason=prices.SKIP_CURRENCY if skip_reason else None,
                    key=mapping.id,
                )
            )
        return items, skip_reason

    def _push_prices(self, run, client, changed_only=True):
        self.ensure_one()
        mappings = self._price_mappings()
        items, currency_problem = self._price_items(mappings)
        manage_compare_at = bool(self.compare_at_pricelist_id)
        plan = prices.plan_prices(
            items, manage_compare_at=manage_compare_at, changed_only=changed_only
        )
        self._log_price_skips(run, plan.skipped, currency_problem)
        pushed, failed = self._send_price_plan(run, client, plan, manage_compare_at)
        now = fields.Datetime.now()
        run.write(
            {
                "count_updated": pushed,
                "count_unchanged": len(plan.unchanged),
                "count_skipped": len(plan.skipped),
                "count_failed": failed,
                "summary": self.env._(
                    "%(pushed)s prices pushed, %(unchanged)s unchanged, %(skipped)s skipped, "
                    "%(failed)s failed, in %(calls)s requests.",
                    pushed=pushed,
                    unchanged=len(plan.unchanged),
                    skipped=len(plan.skipped),
                    failed=failed,
                    calls=client.stats["calls"],
                ),
            }
        )
        self.last_price_push_at = now

    def _log_price_skips(self, run, skipped, currency_problem):
        by_reason = defaultdict(list)
        for item, reason in skipped:
            by_reason[reason].append(item.reference)
        texts = {
            prices.SKIP_NO_PRICE: self.env._(
                "%(count)s variants skipped: no price of their own in the pricelist "
                "'%(pricelist)s' (%(refs)s).",
            ),
            prices.SKIP_CURRENCY: self.env._(
                "%(count)s variants skipped: currency mismatch. %(problem)s",
            ),
            prices.SKIP_NO_PRODUCT: self.env._(
                "%(count)s variants skipped: the Shopify product is unknown; match the "
                "products again (%(refs)s).",
            ),
        }
        for reason, references in by_reason.items():
            shown = ", ".join(str(r) for r in references[:REFERENCES_SHOWN])
            if len(references) > REFERENCES_SHOWN:
                shown += ", ..."
            run._log(
                texts[reason]
                % {
                    "count": len(references),
                    "pricelist": self.pricelist_id.display_name,
                    "refs": shown,
                    "problem": currency_problem or "",
                },
                level="warning" if reason == prices.SKIP_CURRENCY else "info",
            )

    def _send_price_plan(self, run, client, plan, manage_compare_at):
        """Send the plan's batches; store what Shopify was told.  Returns counts."""
        pushed_total = failed_total = 0
        requests = prices.batch_requests(prices.product_calls(plan.updates))
        for index, (doc, variables, chunk) in enumerate(requests):
            try:
                data = client.execute(doc, variables)
            except api_errors.ShopifyError as exc:
                message = self._shopify_error_message(exc)
                stop = isinstance(exc, _FATAL_ERRORS)
                rest = requests[index:] if stop else [(doc, variables, chunk)]
                count = sum(len(v) for _d, _v, c in rest for _p, v in c)
                failed_total += count
                run._log(
                    self.env._(
                        "%(count)s prices not pushed: %(message)s",
                        count=count,
                        message=message,
                    )
                )
                if stop:
                    break
                continue
            pushed, failed = prices.read_results(data, chunk)
            self._store_pushed_prices(plan, pushed, manage_compare_at)
            pushed_total += len(pushed)
            failed_total += len(failed)
            for gid, _product_gid, message in failed:
                item = plan.items[gid]
                run._log(
                    self.env._("Price not pushed: %(message)s", message=message),
                    reference=item.reference,
                )
        return pushed_total, failed_total

    def _store_pushed_prices(self, plan, pushed_gids, manage_compare_at):
        """Remember the prices sent (grouped writes: one per distinct value pair)."""
        now = fields.Datetime.now()
        groups = defaultdict(list)
        for gid in pushed_gids:
            item = plan.items[gid]
            compare_at = (
                prices.effective_compare_at(item.price, item.compare_at)
                if manage_compare_at
                else None
            )
            groups[(item.price, compare_at)].append(item.key)
        Mapping = self.env["shopify.variant"]
        for (price, compare_at), ids in groups.items():
            values = {"shopify_price_pushed": float(price), "shopify_price_pushed_at": now}
            if manage_compare_at:
                values["shopify_compare_at_pushed"] = float(compare_at or 0.0)
                values["shopify_compare_at_told"] = True
            Mapping.browse(ids).write(values)

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
