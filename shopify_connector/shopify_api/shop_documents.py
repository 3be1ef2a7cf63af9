"""GraphQL documents of the foundation: shop facts, locations, variants, scopes."""

from .documents import document

SHOP_INFO = document(
    "ShopInfo",
    """
    query ShopInfo {
      shop {
        id
        name
        myshopifyDomain
        currencyCode
        plan { publicDisplayName partnerDevelopment shopifyPlus }
        ianaTimezone
        taxesIncluded
        weightUnit
      }
      currentAppInstallation { accessScopes { handle } }
    }
    """,
)

LOCATIONS_PAGE_SIZE = 250
LOCATIONS = document(
    "Locations",
    """
    query Locations($first: Int!, $after: String) {
      locations(first: $first, after: $after, includeInactive: false) {
        nodes { id name isActive fulfillsOnlineOrders }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    {"first": LOCATIONS_PAGE_SIZE},
)

# Four objects per variant (variant, selectedOptions, product, inventoryItem):
# 2 + 250 x 4 + 1 would exceed the 1000-point limit; 200 leaves headroom.
PRODUCT_VARIANTS_PAGE_SIZE = 200
PRODUCT_VARIANTS = document(
    "ProductVariants",
    """
    query ProductVariants($first: Int!, $after: String, $query: String) {
      productVariants(first: $first, after: $after, query: $query) {
        nodes {
          id
          sku
          barcode
          title
          price
          compareAtPrice
          selectedOptions { name value }
          product { id title handle status }
          inventoryItem { id tracked }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """,
    {"first": PRODUCT_VARIANTS_PAGE_SIZE},
)

# Access scopes the connector needs (write_x implies read_x, see missing_scopes).
REQUIRED_SCOPES = (
    "read_orders",  # import orders
    "read_customers",  # order customers and addresses
    "read_locations",  # pick the shop's location
    "read_products",
    "write_products",  # match, create and price variants
    "read_inventory",
    "write_inventory",  # push stock
    "read_merchant_managed_fulfillment_orders",
    "write_merchant_managed_fulfillment_orders",  # report deliveries
)
# Useful but not required: without read_all_orders only the last 60 days of
# orders are readable.
RECOMMENDED_SCOPES = ("read_all_orders",)


def _implied(scope):
    """A scope and the read scope a write scope implies."""
    yield scope
    if scope.startswith("write_"):
        yield "read_" + scope[len("write_") :]
    elif scope.startswith("unauthenticated_write_"):
        yield "unauthenticated_read_" + scope[len("unauthenticated_write_") :]


def missing_scopes(granted, required=REQUIRED_SCOPES) -> list:
    """Required scopes not covered by ``granted`` (handles or a comma-separated string)."""
    if isinstance(granted, str):
        granted = granted.split(",")
    covered = {implied for scope in granted for implied in _implied(scope.strip())}
    return [scope for scope in required if scope not in covered]


def granted_scopes(shop_info_data) -> list:
    """The scope handles in a :data:`SHOP_INFO` answer."""
    installation = shop_info_data.get("currentAppInstallation") or {}
    return [scope["handle"] for scope in installation.get("accessScopes") or ()]
