-- Delete an Opportunity (Salesforce action template, beyond the
-- documented seven): asks the id, confirms, deletes the opportunity.
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
      error_prompts = { "An opportunity id has 15 or 18 characters and starts with 006." },
      next = "confirmDelete" },
    { name = "confirmDelete", type = "confirmation",
      prompt = "Delete opportunity {{context.entities.ID}}? This cannot be undone here.",
      yes = "deleteOpportunityService", no = "keptMessage" },
    { name = "deleteOpportunityService", type = "service", method = "DELETE",
      path = "/sobjects/Opportunity/{{context.entities.ID}}",
      on_failure = "deleteOpportunityMessage", next = "deleteOpportunityMessage" },
    { name = "deleteOpportunityMessage", type = "message", script = function(context)
        local res = context.deleteOpportunityService.response
        if sf.ok(res) then
          print("Opportunity " .. context.entities.ID .. " was deleted.")
        else
          print(sf.failure(res, "opportunity"))
        end
      end },
    { name = "keptMessage", type = "message", text = "OK, the opportunity stays." },
  },
}
