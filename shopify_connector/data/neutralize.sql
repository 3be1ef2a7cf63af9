-- A neutralized copy (staging, test) must never talk to the live shops:
-- blank every secret and cached token, and deactivate the shops.
UPDATE shopify_shop
   SET access_token = NULL,
       client_secret = NULL,
       webhook_secret = NULL,
       active = FALSE;
DELETE FROM shopify_access_token;
