-- View an Opportunity (Salesforce action template, beyond the documented
-- seven): "view opportunity 006..." shows its summary with a View
-- Opportunity button.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

-- What the summary shows after the name, the stage by its label.
local SHOWN = { "StageName", "CloseDate", "Amount", "Probability", "NextStep" }
local FIELDS = { "Id", "Name" }
for _, f in ipairs(SHOWN) do FIELDS[#FIELDS + 1] = f end

return dialog.task{
  name = "opportunity_view",
  display_name = "View an Opportunity",
  description = "an extension of the documented templates",
  utterances = { "view opportunity", "show opportunity", "view an opportunity", "get opportunity" },
  integration = "salesforce",
  nodes = {
    { name = "ID", type = "entity", entity_type = "salesforce_id", prefix = "006",
      prompt = "Which opportunity? (its id, starting with 006)",
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which opportunity? (its id, starting with 006)" },
      next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "viewOpportunityMessage", next = "viewOpportunityService" },
    { name = "viewOpportunityService", type = "service", call = function(client, context)
        local r, err = client:get("Opportunity", context.entities.ID, FIELDS)
        if not r then return nil, err end
        return sf.labelled(client, "Opportunity", { r }, { "StageName" })[1]
      end, on_failure = "viewOpportunityMessage", next = "viewOpportunityMessage" },
    { name = "viewOpportunityMessage", type = "message", script = function(context)
        local res = sf.response(context, "viewOpportunityService")
        if sf.ok(res) then
          local r = res.body
          print(sf.card(context.subDomainService.response.body.instance_url, "Opportunity", r.Id,
            sf.summary(r, SHOWN,
              { StageName = "Stage", Probability = "Probability (%)" })))
        else
          print(sf.failure(res, "opportunity"))
        end
      end },
  },
}
