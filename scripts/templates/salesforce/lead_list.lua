-- List All Leads (Salesforce action template): the newest leads, five at
-- a time ("more" shows the next ones), each status by its label.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

local FIELDS = { "Company", "Status" }

return dialog.task{
  name = "lead_list",
  display_name = "List All Leads",
  description = "Kore.ai intent List All Lead",
  utterances = { "list all leads", "list leads", "show me leads", "show all leads",
    "List All Lead" },
  integration = "salesforce",
  nodes = {
    { name = "listAllLeadsService", type = "service",
      query = "SELECT Id, Name, Company, toLabel(Status) FROM Lead "
        .. "ORDER BY CreatedDate DESC, Id DESC LIMIT 200",
      on_failure = "listAllLeadsMessage", next = "listAllLeadsPage" },
    { name = "listAllLeadsPage", type = "script", script = function(context)
        sf.next_page(context, "listAllLeadsService", FIELDS, "leads", "lead")
      end, next = "listAllLeadsMessage" },
    { name = "listAllLeadsMessage", type = "message", script = function(context)
        local res = context.listAllLeadsService.response
        print(sf.ok(res) and context.page.text or sf.failure(res, "lead"))
      end,
      next = { { when = { "context.page.more", "==", true }, go = "showMore" } } },
    { name = "showMore", type = "message", wait = true,
      text = "{{context.page.left}} more: say 'more' to see them, or anything else to stop.",
      next = { { when = { "context.input", "contains", "more" }, go = "listAllLeadsPage" } } },
  },
}
