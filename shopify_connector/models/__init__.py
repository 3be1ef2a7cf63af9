from . import shopify_access_token, shopify_location, shopify_run, shopify_shop, shopify_variant
