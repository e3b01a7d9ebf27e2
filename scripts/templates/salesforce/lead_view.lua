-- View a Lead by Id (Salesforce action template): "view lead 00Q..."
-- shows the lead's summary with a View Lead button.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "lead_view",
  display_name = "View a Lead by Id",
  description = "Kore.ai intent View Lead by Id",
  utterances = { "view lead", "show lead", "view a lead by id", "get lead", "View Lead by Id" },
  integration = "salesforce",
  nodes = {
    { name = "ID", type = "entity", entity_type = "salesforce_id", prefix = "00Q",
      prompt = "Which lead? (its id, starting with 00Q)",
      error_prompts = { "A lead id has 15 or 18 characters and starts with 00Q." },
      next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "viewLeadbyIdMessage", next = "viewLeadbyIdService" },
    { name = "viewLeadbyIdService", type = "service", method = "GET",
      path = "/sobjects/Lead/{{context.entities.ID}}",
      on_failure = "viewLeadbyIdMessage", next = "viewLeadbyIdMessage" },
    { name = "viewLeadbyIdMessage", type = "message", script = function(context)
        local res = sf.response(context, "viewLeadbyIdService")
        if sf.ok(res) then
          local r = res.body
          print(sf.card(context.subDomainService.response.body.instance_url, "Lead", r.Id,
            sf.summary(r, { "Company", "Title", "Status", "Email", "Phone", "MobilePhone" })))
        else
          print(sf.failure(res, "lead"))
        end
      end },
  },
}
