"""Imported orders get their shop's identity key (``sale.order.shopify_shop_key``).

The shops' Shopify IDs are not known yet (Test connection reads them), so the
key is the shop's myshopify.com domain; Test connection turns it into the ID
later (``shopify.shop._set_shopify_identity``). Where two shop records of
the same domain (formerly allowed in two companies) imported the same order,
only the oldest sale order gets the key: the unique key admits one.
Orders whose shop record was deleted keep no key: nothing says which shop
they came from.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE sale_order so
           SET shopify_shop_key = COALESCE(shop.shopify_shop_gid, shop.domain)
          FROM shopify_shop shop
         WHERE shop.id = so.shopify_shop_id
           AND so.shopify_order_gid IS NOT NULL
           AND so.shopify_shop_key IS NULL
           AND so.id IN (
               SELECT DISTINCT ON (COALESCE(s.shopify_shop_gid, s.domain), o.shopify_order_gid)
                      o.id
                 FROM sale_order o
                 JOIN shopify_shop s ON s.id = o.shopify_shop_id
                WHERE o.shopify_order_gid IS NOT NULL
                ORDER BY COALESCE(s.shopify_shop_gid, s.domain), o.shopify_order_gid, o.id)
        """
    )
