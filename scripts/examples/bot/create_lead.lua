-- Create a Lead: asks the names and the company, confirms, then POSTs the
-- Lead and answers with a button to view it.
local dialog = require "luaforce.dialog"

return dialog.task{
  name = "create_lead",
  display_name = "create a lead",
  utterances = { "create a lead", "new lead", "add a lead" },
  integration = "salesforce",
  nodes = {
    { name = "lastName", type = "entity", entity_type = "string",
      prompt = "What is the lead's last name?", next = "company" },
    { name = "company", type = "entity", entity_type = "string",
      prompt = "Which company is {{context.entities.lastName}} with?", next = "email" },
    { name = "email", type = "entity", entity_type = "email", mode = "optional",
      prompt = "Their email address? (or 'skip')", next = "confirm" },
    { name = "confirm", type = "confirmation",
      prompt = "Create {{context.entities.lastName}} at {{context.entities.company}}?",
      yes = "createLeadService", no = "cancelled" },
    { name = "createLeadService", type = "service", method = "POST", path = "/sobjects/Lead",
      body = { LastName = "{{context.entities.lastName}}",
        Company = "{{context.entities.company}}", Email = "{{context.entities.email}}" },
      on_failure = "failed", next = "created" },
    { name = "created", type = "message", script = function(context)
        local id = context.createLeadService.response.body.id
        print{ type = "button", text = "Lead " .. context.entities.lastName .. " created: " .. id,
          buttons = { { type = "postback", title = "View Lead", payload = "view lead " .. id } } }
      end },
    { name = "failed", type = "message", script = function(context)
        local r = context.createLeadService.response
        print("Salesforce said no (HTTP ", r.statusCode, "): ", r.body[1].message)
      end },
    { name = "cancelled", type = "message", text = "OK, no lead created." },
  },
}
