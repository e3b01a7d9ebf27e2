-- Create a Lead (Salesforce action template): asks the first name, the
-- last name and the company, creates the Lead and answers with a View
-- Lead button. A value Salesforce refuses (a validation rule naming its
-- field) is asked again and the create retried. Edit freely: `luaforce
-- templates status` shows the change.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "lead_create",
  display_name = "Create a Lead",
  description = "Kore.ai intent Createlead",
  utterances = { "create a lead", "create lead", "new lead", "add a lead", "Createlead" },
  integration = "salesforce",
  nodes = {
    { name = "firstName", type = "entity", entity_type = "string",
      prompt = "What is the lead's first name?", rules = { max_length = 40 },
      next = "lastName" },
    { name = "lastName", type = "entity", entity_type = "string",
      prompt = "And the last name?", rules = { max_length = 80 }, next = "companyName" },
    { name = "companyName", type = "entity", entity_type = "string",
      prompt = "Which company is {{context.entities.firstName}} "
        .. "{{context.entities.lastName}} with?", next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "createLeadMessage", next = "CreateLeadService" },
    { name = "CreateLeadService", type = "service", method = "POST", path = "/sobjects/Lead",
      body = { FirstName = "{{context.entities.firstName}}",
        LastName = "{{context.entities.lastName}}",
        Company = "{{context.entities.companyName}}" },
      headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
      on_failure = "createLeadMessage", next = "createLeadMessage" },
    { name = "createLeadMessage", type = "message", script = function(context)
        local e = context.entities
        local res = sf.response(context, "CreateLeadService")
        context.fix = nil
        if sf.ok(res) and res.body.id then
          print(sf.card(context.subDomainService.response.body.instance_url, "Lead",
            res.body.id, "Lead " .. e.firstName .. " " .. e.lastName .. " ("
              .. e.companyName .. ") was created. ID: " .. res.body.id))
        else
          print(sf.failed(context, res, "lead", "Lead"))
          context.fix = sf.field_to_fix(res, { FirstName = "firstName", LastName = "lastName",
            Company = "companyName" })
        end
      end,
      next = { { when = { "context.fix", "exists" }, go = "fixValue" } } },
    { name = "fixValue", type = "script", script = sf.forget_refused,
      next = { { when = { "context.fix", "==", "firstName" }, go = "firstName" },
        { when = { "context.fix", "==", "lastName" }, go = "lastName" },
        { go = "companyName" } } },
  },
}
