"""The GraphQL documents of the stock push: reading levels at a location (all
of them in pages, or some items by ID) and writing quantities (compare-and-swap
sets, corrections by difference, activating and tracking items).

Each document is registered with its name (see ``documents.py``) and costed
in ``document_costs.py``.
"""

from .documents import document

MAX_QUANTITIES_PER_CALL = 250
LEVELS_PAGE_SIZE = 250

# 2 + 250 x (level + item + quantities) + location = 754 points.
LOCATION_LEVELS = document(
    "StockLocationLevels",
    """
    query StockLocationLevels($locationId: ID!, $first: Int!, $after: String) {
      location(id: $locationId) {
        inventoryLevels(first: $first, after: $after) {
          nodes {
            item { id tracked }
            quantities(names: ["available", "committed", "on_hand"]) { name quantity }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """,
    {"first": LEVELS_PAGE_SIZE, "locationId": "gid://shopify/Location/1"},
)

ITEM_LEVELS = document(
    "StockItemLevels",
    """
    query StockItemLevels($ids: [ID!]!, $locationId: ID!) {
      nodes(ids: $ids) {
        ... on InventoryItem {
          id
          tracked
          inventoryLevel(locationId: $locationId) {
            quantities(names: ["available", "committed", "on_hand"]) { name quantity }
          }
        }
      }
    }
    """,
    {"ids": ["gid://shopify/InventoryItem/1"], "locationId": "gid://shopify/Location/1"},
)

SET_QUANTITIES = document(
    "StockSetQuantities",
    """
    mutation StockSetQuantities(
      $input: InventorySetQuantitiesInput!
      $idempotencyKey: String!
    ) {
      inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
        inventoryAdjustmentGroup { id }
        userErrors { field message code }
      }
    }
    """,
)

ACTIVATE = document(
    "StockActivate",
    """
    mutation StockActivate($inventoryItemId: ID!, $locationId: ID!, $idempotencyKey: String!) {
      inventoryActivate(inventoryItemId: $inventoryItemId, locationId: $locationId)
        @idempotent(key: $idempotencyKey) {
        inventoryLevel { id }
        userErrors { field message }
      }
    }
    """,
)

ADJUST_QUANTITIES = document(
    "StockAdjustQuantities",
    """
    mutation StockAdjustQuantities(
      $input: InventoryAdjustQuantitiesInput!
      $idempotencyKey: String!
    ) {
      inventoryAdjustQuantities(input: $input) @idempotent(key: $idempotencyKey) {
        inventoryAdjustmentGroup { id }
        userErrors { field message code }
      }
    }
    """,
)

TRACK_ITEM = document(
    "StockTrackItem",
    """
    mutation StockTrackItem($id: ID!) {
      inventoryItemUpdate(id: $id, input: {tracked: true}) {
        inventoryItem { id tracked }
        userErrors { field message }
      }
    }
    """,
)
