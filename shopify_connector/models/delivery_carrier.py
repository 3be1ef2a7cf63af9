from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    shopify_company = fields.Char(
        "Carrier in Shopify",
        help="The carrier's name as Shopify knows it (e.g. 'DHL Express', 'DPD', 'UPS', "
        "'Deutsche Post'), sent with the tracking number when a delivery is fulfilled in "
        "Shopify. Shopify then links the tracking number to the carrier's tracking page. "
        "Empty: the carrier's name in Odoo.",
    )
