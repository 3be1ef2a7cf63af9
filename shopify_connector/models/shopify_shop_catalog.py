from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

from ..shopify_api import errors as api_errors
from ..shopify_api import prices, product_csv, products

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
