"""Invoice at delivery: a shop's paid order is invoiced once all of it is delivered."""

import logging

from odoo import models

from ..shopify_api.text import safe_str
from .sale_order_invoice import PAID_STATUSES

_logger = logging.getLogger(__name__)


class StockPicking(models.Model):
    _inherit = "stock.picking"  # pylint: disable=consider-merging-classes-inherited

    def _action_done(self):
        result = super()._action_done()
        sales = self.sale_id.filtered(
            lambda sale: (
                sale.shopify_shop_id.invoice_policy == "delivery"
                and (sale.shopify_financial_status or "").upper() in PAID_STATUSES
                and sale.state == "sale"
            )
        )
        for sale in sales:
            pickings = sale._shopify_deliveries()
            if pickings.filtered(lambda p: p.state not in ("done", "cancel")):
                continue  # the rest is still to deliver
            try:
                with self.env.cr.savepoint():
                    sale._shopify_invoice()
                    sale._shopify_reconcile()
            except Exception as exc:  # the delivery stays done; the invoice waits
                _logger.info("Invoicing %s at delivery failed", sale.name, exc_info=True)
                sale.message_post(
                    body=self.env._(
                        "The order is delivered, but its invoice could not be created "
                        "(%(reason)s). Create it from the sale order.",
                        reason=safe_str(exc),
                    )
                )
        return result
