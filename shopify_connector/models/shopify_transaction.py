from odoo import fields, models


class ShopifyTransaction(models.Model):
    """A Shopify order transaction booked in Odoo, once.

    A capture or sale becomes a customer payment (or, for a gift card, an
    entry on the liability account), a refund a refund payment; the
    Shopify transaction ID is unique, so reading an order again books nothing
    twice.
    """

    _name = "shopify.transaction"
    _description = "Shopify transaction booked"
    _order = "processed_at desc, id desc"

    sale_order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    shop_id = fields.Many2one("shopify.shop", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="sale_order_id.company_id", store=True)
    transaction_gid = fields.Char("Shopify transaction ID", required=True, readonly=True)
    kind = fields.Char(readonly=True)
    gateway = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    processed_at = fields.Datetime("Processed in Shopify", readonly=True)
    payment_id = fields.Many2one("account.payment", readonly=True, index=True)
    move_id = fields.Many2one("account.move", "Journal entry", readonly=True, index=True)
    payout_id = fields.Many2one("shopify.payout", readonly=True, index=True)

    _shopify_transaction_unique = models.Constraint(
        "UNIQUE(transaction_gid)", "This Shopify transaction has been booked already."
    )

    def _outstanding_line(self):
        """The line of the booked entry that a payout settles (Shopify Payments)."""
        self.ensure_one()
        payment = self.payment_id
        if not payment or not payment.move_id:
            return self.env["account.move.line"]
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )
