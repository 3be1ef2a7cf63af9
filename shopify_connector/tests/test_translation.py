import os

import polib

from odoo.exceptions import ValidationError
from odoo.tools.translate import TranslationModuleReader

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

    def test_every_term_of_the_code_has_a_german_translation(self):
        """The shipped de.po covers what the installed code really has (run
        `make i18n` after adding a string, then translate the new terms)."""
        path = os.path.join(os.path.dirname(__file__), "..", "i18n", "de.po")
        german = {e.msgid for e in polib.pofile(path) if e.msgstr and not e.fuzzy}
        terms = {
            source
            for _module, _type, _name, _res_id, source, _value, _comments in (
                TranslationModuleReader(self.env.cr, ["shopify_connector"])
            )
            if source
        }
        missing = sorted(terms - german)
        self.assertFalse(missing, f"{len(missing)} terms without German translation")
