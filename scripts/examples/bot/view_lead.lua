-- View a Lead by id: "view lead 00Q..." asks nothing more.
local dialog = require "luaforce.dialog"

return dialog.task{
  name = "view_lead",
  display_name = "show a lead",
  utterances = { "view lead", "show lead", "view a lead by id" },
  integration = "salesforce",
  nodes = {
    { name = "id", type = "entity", entity_type = "salesforce_id", prefix = "00Q",
      prompt = "Which lead? (its id)",
      error_prompts = { "That is not a lead id: {{reason}}. Which lead? (its id, 00Q…)" },
      next = "viewLeadService" },
    { name = "viewLeadService", type = "service", method = "GET",
      path = "/sobjects/Lead/{{context.entities.id}}", on_failure = "notFound",
      next = "show" },
    { name = "show", type = "message",
      text = "{{context.viewLeadService.response.body.Name}} at "
        .. "{{context.viewLeadService.response.body.Company}}" },
    { name = "notFound", type = "message", script = function(context)
        -- what went wrong, in the end user's words (not found, busy, no answer, ...)
        print(require("luaforce.dialog.salesforce").failure(context.viewLeadService.response,
          "lead"))
      end },
  },
}
