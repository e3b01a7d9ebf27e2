-- Update an Opportunity (Salesforce action template, beyond the documented
-- seven): the id (read first: an unknown one is said at once), which
-- field to change, then the new value typed by field (the stage from the
-- org's picklist, by label, synonym or close match); a value Salesforce
-- refuses, naming the field, is asked again.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

-- The fields the user can change, as AskOptions offers them; each answered
-- by the entity ENTITY names (else Text).
local OPTIONS = { { value = "StageName", display = "stage" },
  { value = "Amount", display = "amount", synonyms = { "value", "size" } },
  { value = "CloseDate", display = "close date", synonyms = { "closing date" } },
  { value = "Name", display = "name" }, { value = "NextStep", display = "next step" } }
local ENTITY = { StageName = "StageOfOpportunity", Amount = "Amount", CloseDate = "CloseDate" }

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
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which opportunity? (its id, starting with 006)" },
      next = "getOpportunityService" },
    { name = "getOpportunityService", type = "service", method = "GET",
      path = "/sobjects/Opportunity/{{context.entities.Id}}",
      on_failure = "getOpportunityMessage", next = "AskOptions" },
    { name = "getOpportunityMessage", type = "message", script = function(context)
        print(sf.failure(context.getOpportunityService.response, "opportunity"))
      end },
    { name = "AskOptions", type = "entity", entity_type = "picklist",
      prompt = "Which field should I change: stage, amount, close date, name or next step?",
      values = OPTIONS, next = "nameField" },
    { name = "nameField", type = "script", script = function(context)
        sf.field_name(context, OPTIONS)
      end,
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
      prompt = "The new {{context.fieldName}}?", next = "updateOpportunityScript" },
    { name = "updateOpportunityScript", type = "script", script = function(context)
        sf.update_payload(context, ENTITY)
      end, next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "updateOpportunityMessage", next = "updateOpportunityService" },
    { name = "updateOpportunityService", type = "service", method = "PATCH",
      path = "/sobjects/Opportunity/{{context.entities.Id}}", body = "{{context.payload}}",
      headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
      on_failure = "updateOpportunityMessage", next = "updateOpportunityMessage" },
    { name = "updateOpportunityMessage", type = "message", script = function(context)
        local res = sf.response(context, "updateOpportunityService")
        context.fix = nil
        if sf.ok(res) then
          local name = sf.updated_name(context.getOpportunityService.response.body,
            context.payload)
          print(sf.card(context.subDomainService.response.body.instance_url, "Opportunity",
            context.entities.Id, "Opportunity " .. sf.show(name) .. " ("
              .. context.entities.Id .. ") was updated: " .. context.fieldName .. " is now "
              .. context.newValue .. "."))
        else
          print(sf.failed(context, res, "opportunity", "Opportunity"))
          context.fix = sf.refused_entity(res, context, ENTITY) -- asked again
        end
      end,
      next = { { when = { "context.fix", "exists" }, go = "fixValue" } } },
    { name = "fixValue", type = "script", script = sf.forget_refused, next = "nameField" },
  },
}
