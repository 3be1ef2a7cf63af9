from . import test_matching, test_shop
from . import test_stock_sync
from . import test_order_import
