from odoo.exceptions import ValidationError

from .common import ShopifyCase


class TestGermanTranslation(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(
            ["shopify_connector"], ["de_DE"], overwrite=True
        )

    def test_field_labels_and_selections_are_german(self):
        Shop = self.env["shopify.shop"].with_context(lang="de_DE")
        field = Shop._fields["domain"]
        self.assertNotEqual(field._description_string(Shop.env), "Shop domain")
        states = dict(
            self.env["shopify.run"]
            .with_context(lang="de_DE")
            ._fields["state"]
            ._description_selection(Shop.env)
        )
        self.assertNotEqual(states["partial"], "Finished partially")

    def test_messages_from_python_are_german(self):
        with self.assertRaises(ValidationError) as ctx:
            self.env["shopify.shop"].with_context(lang="de_DE").create(
                {"name": "X", "domain": "shop.example.com"}
            )
        self.assertNotIn("is not a Shopify shop address", str(ctx.exception))
        self.assertIn("shop.example.com", str(ctx.exception))
