"""The route Shopify delivers webhooks to.

One address per shop (``/shopify_connector/webhook/<shop record ID>``): it
carries no secret, since the signature of each delivery proves it comes from
Shopify; the record ID only says which shop's secret checks it. The route
checks and stores, nothing else: the import is done by the processing cron,
so that Shopify gets its answer at once.
"""

from odoo import http
from odoo.http import request

from ..shopify_api.webhooks import MAX_BODY, ROUTE_PREFIX


class ShopifyWebhookController(http.Controller):
    @http.route(
        f"{ROUTE_PREFIX}<int:shop_id>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def shopify_webhook(self, shop_id, **_kwargs):
        httprequest = request.httprequest
        length = httprequest.content_length
        # A declared oversized body is not even read; a chunked one (no length)
        # is read within Odoo's own request size limit and then measured.
        if length is not None and length > MAX_BODY:
            body = None
        else:
            body = httprequest.get_data(cache=False)
        Event = request.env["shopify.webhook.event"].sudo()
        status = Event._receive(shop_id, httprequest.headers, body)
        return request.make_response("", status=status)
