-- Delete a Lead (Salesforce action template): asks the id, reads the lead
-- (an unknown one is said at once), confirms naming it, deletes it.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

return dialog.task{
  name = "lead_delete",
  display_name = "Delete a Lead",
  description = "Kore.ai intent Delete Lead",
  utterances = { "delete lead", "delete a lead", "remove lead", "Delete Lead" },
  integration = "salesforce",
  nodes = {
    { name = "ID", type = "entity", entity_type = "salesforce_id", prefix = "00Q",
      prompt = "Which lead should I delete? (its id, starting with 00Q)",
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which lead should I delete? (its id, starting with 00Q)" },
      next = "getLeadService" },
    { name = "getLeadService", type = "service", method = "GET",
      path = "/sobjects/Lead/{{context.entities.ID}}", on_failure = "getLeadMessage",
      next = "confirmDelete" },
    { name = "getLeadMessage", type = "message", script = function(context)
        print(sf.failure(context.getLeadService.response, "lead"))
      end },
    { name = "confirmDelete", type = "confirmation",
      prompt = "Delete lead {{context.getLeadService.response.body.Name}} "
        .. "({{context.entities.ID}})? This cannot be undone here.",
      yes = "deleteLeadService", no = "keptMessage" },
    { name = "deleteLeadService", type = "service", method = "DELETE",
      path = "/sobjects/Lead/{{context.entities.ID}}",
      on_failure = "deleteLeadMessage", next = "deleteLeadMessage" },
    { name = "deleteLeadMessage", type = "message", script = function(context)
        local res = context.deleteLeadService.response
        if sf.ok(res) then
          print("Lead " .. sf.show(context.getLeadService.response.body.Name) .. " ("
            .. context.entities.ID .. ") was deleted.")
        else
          print(sf.failure(res, "lead"))
        end
      end },
    { name = "keptMessage", type = "message", text = "OK, the lead stays." },
  },
}
