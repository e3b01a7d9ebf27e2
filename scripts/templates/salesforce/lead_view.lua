-- View a Lead by Id (Salesforce action template): "view lead 00Q..."
-- shows the lead's summary (its status by label) with a View Lead button.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

-- What the summary shows after the name, the status by its label.
local SHOWN = { "Company", "Title", "Status", "Email", "Phone", "MobilePhone" }
local FIELDS = { "Id", "Name" }
for _, f in ipairs(SHOWN) do FIELDS[#FIELDS + 1] = f end

return dialog.task{
  name = "lead_view",
  display_name = "View a Lead by Id",
  description = "Kore.ai intent View Lead by Id",
  utterances = { "view lead", "show lead", "view a lead by id", "get lead", "View Lead by Id" },
  integration = "salesforce",
  nodes = {
    { name = "ID", type = "entity", entity_type = "salesforce_id", prefix = "00Q",
      prompt = "Which lead? (its id, starting with 00Q)",
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which lead? (its id, starting with 00Q)" },
      next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "viewLeadbyIdMessage", next = "viewLeadbyIdService" },
    { name = "viewLeadbyIdService", type = "service", call = function(client, context)
        local r, err = client:get("Lead", context.entities.ID, FIELDS)
        if not r then return nil, err end
        return sf.labelled(client, "Lead", { r }, { "Status" })[1]
      end, on_failure = "viewLeadbyIdMessage", next = "viewLeadbyIdMessage" },
    { name = "viewLeadbyIdMessage", type = "message", script = function(context)
        local res = sf.response(context, "viewLeadbyIdService")
        if sf.ok(res) then
          local r = res.body
          print(sf.card(context.subDomainService.response.body.instance_url, "Lead", r.Id,
            sf.summary(r, SHOWN)))
        else
          print(sf.failure(res, "lead"))
        end
      end },
  },
}
