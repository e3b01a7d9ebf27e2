-- Update an Opportunity (Salesforce action template, beyond the documented
-- seven): the id, which field to change, then the new value typed by
-- field (the stage from the org's picklist).
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "opportunity_update",
  display_name = "Update an Opportunity",
  description = "an extension of the documented templates",
  utterances = { "update opportunity", "update an opportunity", "change opportunity",
    "edit opportunity" },
  integration = "salesforce",
  nodes = {
    { name = "Id", type = "entity", entity_type = "salesforce_id", prefix = "006",
      prompt = "Which opportunity? (its id, starting with 006)",
      error_prompts = { "An opportunity id has 15 or 18 characters and starts with 006." },
      next = "AskOptions" },
    { name = "AskOptions", type = "entity", entity_type = "picklist",
      prompt = "Which field should I change: stage, amount, close date, name or next step?",
      values = { { value = "StageName", display = "stage" },
        { value = "Amount", display = "amount", synonyms = { "value", "size" } },
        { value = "CloseDate", display = "close date", synonyms = { "closing date" } },
        { value = "Name", display = "name" }, { value = "NextStep", display = "next step" } },
      next = {
        { when = { "context.entities.AskOptions", "==", "StageName" },
          go = "StageOfOpportunity" },
        { when = { "context.entities.AskOptions", "==", "Amount" }, go = "Amount" },
        { when = { "context.entities.AskOptions", "==", "CloseDate" }, go = "CloseDate" },
        { go = "Text" } } },
    { name = "StageOfOpportunity", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Opportunity", field = "StageName" },
      synonyms = { ["Closed Won"] = { "won" }, ["Closed Lost"] = { "lost" } },
      prompt = "Which stage?", next = "updateOpportunityScript" },
    { name = "Amount", type = "entity", entity_type = "number", rules = { min = 0 },
      prompt = "The new amount?", next = "updateOpportunityScript" },
    { name = "CloseDate", type = "entity", entity_type = "date",
      prompt = "The new close date?", next = "updateOpportunityScript" },
    { name = "Text", type = "entity", entity_type = "string",
      prompt = "The new value?", next = "updateOpportunityScript" },
    { name = "updateOpportunityScript", type = "script", script = function(context)
        local e = context.entities
        local value = e.StageOfOpportunity or e.Amount or e.CloseDate or e.Text
        context.payload = { [e.AskOptions] = value }
        context.newValue = value
      end, next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "updateOpportunityMessage", next = "updateOpportunityService" },
    { name = "updateOpportunityService", type = "service", method = "PATCH",
      path = "/sobjects/Opportunity/{{context.entities.Id}}", body = "{{context.payload}}",
      headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
      on_failure = "updateOpportunityMessage", next = "updateOpportunityMessage" },
    { name = "updateOpportunityMessage", type = "message", script = function(context)
        local res = sf.response(context, "updateOpportunityService")
        if sf.ok(res) then
          print(sf.card(context.subDomainService.response.body.instance_url, "Opportunity",
            context.entities.Id, "Opportunity " .. context.entities.Id .. " was updated: "
              .. context.entities.AskOptions .. " is now " .. tostring(context.newValue) .. "."))
        else
          print(sf.failure(res, "opportunity"))
        end
      end },
  },
}
