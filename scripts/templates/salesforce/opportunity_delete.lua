-- Delete an Opportunity (Salesforce action template, beyond the
-- documented seven): asks the id, reads the opportunity (an unknown one is
-- said at once), confirms naming it, deletes it.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "opportunity_delete",
  display_name = "Delete an Opportunity",
  description = "an extension of the documented templates",
  utterances = { "delete opportunity", "delete an opportunity", "remove opportunity" },
  integration = "salesforce",
  nodes = {
    { name = "ID", type = "entity", entity_type = "salesforce_id", prefix = "006",
      prompt = "Which opportunity should I delete? (its id, starting with 006)",
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which opportunity should I delete? (its id, starting with 006)" },
      next = "getOpportunityService" },
    { name = "getOpportunityService", type = "service", method = "GET",
      path = "/sobjects/Opportunity/{{context.entities.ID}}", on_failure = "getOpportunityMessage",
      next = "confirmDelete" },
    { name = "getOpportunityMessage", type = "message", script = function(context)
        print(sf.failure(context.getOpportunityService.response, "opportunity"))
      end },
    { name = "confirmDelete", type = "confirmation",
      prompt = "Delete opportunity {{context.getOpportunityService.response.body.Name}} "
        .. "({{context.entities.ID}})? This cannot be undone here.",
      yes = "deleteOpportunityService", no = "keptMessage" },
    { name = "deleteOpportunityService", type = "service", method = "DELETE",
      path = "/sobjects/Opportunity/{{context.entities.ID}}",
      on_failure = "deleteOpportunityMessage", next = "deleteOpportunityMessage" },
    { name = "deleteOpportunityMessage", type = "message", script = function(context)
        local res = context.deleteOpportunityService.response
        if sf.ok(res) then
          print("Opportunity " .. sf.show(context.getOpportunityService.response.body.Name) .. " ("
            .. context.entities.ID .. ") was deleted.")
        else
          print(sf.failure(res, "opportunity"))
        end
      end },
    { name = "keptMessage", type = "message", text = "OK, the opportunity stays." },
  },
}
