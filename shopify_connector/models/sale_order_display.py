"""How a Shopify order reads on the sale order: the link to the order in the
Shopify admin, and Shopify's statuses as words in the user's language."""

from odoo import api, fields, models

from ..shopify_api.gid import from_gid

# Shopify's OrderDisplayFinancialStatus and OrderDisplayFulfillmentStatus
# (Admin API 2026-10), with the words the Shopify admin shows.
PAYMENT_STATUSES = [
    ("AUTHORIZED", "Authorized"),
    ("EXPIRED", "Expired"),
    ("PAID", "Paid"),
    ("PARTIALLY_PAID", "Partially paid"),
    ("PARTIALLY_REFUNDED", "Partially refunded"),
    ("PENDING", "Payment pending"),
    ("REFUNDED", "Refunded"),
    ("VOIDED", "Voided"),
]
FULFILLMENT_STATUSES = [
    ("FULFILLED", "Fulfilled"),
    ("FULFILLMENT_NOT_REQUIRED", "Fulfilment not required"),
    ("IN_PROGRESS", "In progress"),
    ("ON_HOLD", "On hold"),
    ("OPEN", "Open"),
    ("PARTIALLY_FULFILLED", "Partially fulfilled"),
    ("PENDING_FULFILLMENT", "Fulfilment pending"),
    ("REQUEST_DECLINED", "Request declined"),
    ("RESTOCKED", "Restocked"),
    ("SCHEDULED", "Scheduled"),
    ("UNFULFILLED", "Unfulfilled"),
]
ADMIN_ORDER_URL = "https://admin.shopify.com/store/{handle}/orders/{id}"


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    shopify_admin_url = fields.Char("Order in Shopify", compute="_compute_shopify_admin_url")
    shopify_payment_status = fields.Selection(
        PAYMENT_STATUSES,
        string="Payment in Shopify",
        compute="_compute_shopify_status_labels",
        help="The order's payment status in Shopify when it was last read.",
    )
    shopify_delivery_status = fields.Selection(
        FULFILLMENT_STATUSES,
        string="Fulfilment in Shopify",
        compute="_compute_shopify_status_labels",
        help="The order's fulfilment status in Shopify when it was last read.",
    )

    @api.depends("shopify_order_gid", "shopify_shop_id.domain")
    def _compute_shopify_admin_url(self):
        for order in self:
            url = False
            domain = order.shopify_shop_id.domain
            if order.shopify_order_gid and domain:
                try:
                    legacy_id = from_gid(order.shopify_order_gid)
                except ValueError:
                    legacy_id = None
                if legacy_id:
                    handle = domain.removesuffix(".myshopify.com")
                    url = ADMIN_ORDER_URL.format(handle=handle, id=legacy_id)
            order.shopify_admin_url = url

    @api.depends("shopify_financial_status", "shopify_fulfillment_status")
    def _compute_shopify_status_labels(self):
        """Shopify's codes as a selection (labels translated); a code this
        version does not know shows as empty, the code stays in the raw field."""
        payments = dict(PAYMENT_STATUSES)
        fulfilments = dict(FULFILLMENT_STATUSES)
        for order in self:
            payment = (order.shopify_financial_status or "").upper()
            fulfilment = (order.shopify_fulfillment_status or "").upper()
            order.shopify_payment_status = payment if payment in payments else False
            order.shopify_delivery_status = fulfilment if fulfilment in fulfilments else False
