from . import test_matching, test_shop
from . import test_prices
from . import test_stock_sync
from . import test_access, test_operations
from . import test_product_export
from . import test_order_import
from . import test_product_csv
from . import test_lifecycle
