from . import shopify_access_token, shopify_location, shopify_run, shopify_shop
from . import shopify_shop_identity
from . import shopify_shop_jobs, shopify_variant
from . import shopify_schedule
from . import shopify_shop_orders, sale_order, shopify_refund, sale_order_line, res_partner
from . import shopify_shop_order_fetch, shopify_order_failure
from . import shopify_shop_order_rules
from . import shopify_shop_order_money, shopify_shop_order_lock
from . import shopify_payment_gateway, shopify_transaction, sale_order_invoice
from . import stock_picking_invoice, shopify_payout
from . import sale_order_identity, sale_order_display
from . import product_template, product_product
from . import shopify_variant_price, shopify_shop_catalog
from . import shopify_shop_product_export, shopify_shop_product_import
from . import shopify_shop_stock, shopify_shop_stock_quantities, shopify_shop_stock_log
from . import shopify_stock_route, shopify_stock_discrepancy
from . import stock_picking, delivery_carrier
from . import shopify_shop_webhooks, shopify_shop_webhook_stock, shopify_webhook_event
from . import shopify_shop_webhook_catalog, shopify_shop_webhook_health
