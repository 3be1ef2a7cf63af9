import { registry } from "@web/core/registry";

// Opens a shop connected to the local Shopify simulator, clicks
// "Synchronize shop" and follows the runs it made in the run log.
registry.category("web_tour.tours").add("shopify_synchronize_tour", {
    steps: () => [
        {
            content: "the shop form is open",
            trigger: ".o_form_view .o_field_widget[name='domain']",
        },
        {
            content: "synchronize the shop",
            trigger: ".o_statusbar_buttons button[name='action_synchronize_shop']",
            run: "click",
        },
        {
            content: "the result is shown: the order fetch finished",
            trigger: ".o_notification:contains('Fetch orders')",
        },
        {
            content: "open the shop's runs",
            trigger: "button[name='action_open_runs']",
            run: "click",
        },
        {
            content: "the price update is listed",
            trigger: ".o_list_view .o_data_row td:contains('Update prices')",
        },
        {
            content: "the stock push is listed as finished",
            trigger: ".o_list_view .o_data_row:contains('Sync changed stock'):contains('Finished')",
        },
        {
            content: "the order fetch is listed as finished",
            trigger: ".o_list_view .o_data_row:contains('Fetch orders'):contains('Finished')",
        },
    ],
});
