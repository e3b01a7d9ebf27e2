-- Create an Opportunity (Salesforce action template): the name, the close
-- date and the stage (from the org's picklist), then a View Opportunity
-- button. A value Salesforce refuses (a validation rule naming its field)
-- is asked again and the create retried.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "opportunity_create",
  display_name = "Create an Opportunity",
  description = "Kore.ai intent Create Opportunity",
  utterances = { "create an opportunity", "create opportunity", "new opportunity",
    "add an opportunity", "Create Opportunity" },
  integration = "salesforce",
  nodes = {
    { name = "OpportunityName", type = "entity", entity_type = "string",
      prompt = "What is the opportunity's name?", rules = { max_length = 120 },
      next = "ClosedDate" },
    { name = "ClosedDate", type = "entity", entity_type = "date",
      prompt = "When should it close? (a date)", next = "StageOfOpportunity" },
    { name = "StageOfOpportunity", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Opportunity", field = "StageName" },
      synonyms = { ["Closed Won"] = { "won" }, ["Closed Lost"] = { "lost" } },
      prompt = "Which stage is it in?", next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "createOpportunityMessage", next = "CreateOpportunityService" },
    { name = "CreateOpportunityService", type = "service", method = "POST",
      path = "/sobjects/Opportunity",
      body = { Name = "{{context.entities.OpportunityName}}",
        CloseDate = "{{context.entities.ClosedDate}}",
        StageName = "{{context.entities.StageOfOpportunity}}" },
      headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
      on_failure = "createOpportunityMessage", next = "createOpportunityMessage" },
    { name = "createOpportunityMessage", type = "message", script = function(context)
        local e = context.entities
        local res = sf.response(context, "CreateOpportunityService")
        context.fix = nil
        if sf.ok(res) and res.body.id then
          print(sf.card(context.subDomainService.response.body.instance_url, "Opportunity",
            res.body.id, "Opportunity " .. e.OpportunityName .. " ("
              .. sf.label(context, "StageOfOpportunity", e.StageOfOpportunity)
              .. ", closes " .. e.ClosedDate .. ") was created. ID: " .. res.body.id))
        else
          print(sf.failed(context, res, "opportunity", "Opportunity"))
          context.fix = sf.field_to_fix(res, { Name = "OpportunityName",
            CloseDate = "ClosedDate", StageName = "StageOfOpportunity" })
        end
      end,
      next = { { when = { "context.fix", "exists" }, go = "fixValue" } } },
    { name = "fixValue", type = "script", script = sf.forget_refused,
      next = { { when = { "context.fix", "==", "OpportunityName" }, go = "OpportunityName" },
        { when = { "context.fix", "==", "ClosedDate" }, go = "ClosedDate" },
        { go = "StageOfOpportunity" } } },
  },
}
