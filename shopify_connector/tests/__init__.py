from . import test_matching, test_shop
