-- Search Leads (Salesforce action template): a keyword searched with
-- SOSL (every reserved character escaped), five results at a time, each
-- status by its label.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

local FIELDS = { "Company", "Email", "Status" }

return dialog.task{
  name = "lead_search",
  display_name = "Search Leads",
  description = "Kore.ai intent Search Leads",
  utterances = { "search leads", "find leads", "search for leads", "find a lead",
    "Search Leads" },
  integration = "salesforce",
  nodes = {
    { name = "Keyword", type = "entity", entity_type = "string",
      prompt = "What should I search the leads for?", rules = { min_length = 2 },
      volunteer = { "named", "called", "matching", "for", "with" },
      next = "searchLeadsService" },
    { name = "searchLeadsService", type = "service", call = function(client, context)
        local hits, err = client:search{ text = context.entities.Keyword, sobject = "Lead",
          fields = { "Id", "Name", "Company", "Email", "Status" }, limit = 200 }
        if not hits then return nil, err end
        return sf.labelled(client, "Lead", hits, { "Status" })
      end, on_failure = "searchLeadsMessage", next = "searchLeadsPage" },
    { name = "searchLeadsPage", type = "script", script = function(context)
        local matching = " matching '" .. context.entities.Keyword .. "'"
        sf.next_page(context, "searchLeadsService", FIELDS, "leads" .. matching,
          "lead" .. matching)
      end, next = "searchLeadsMessage" },
    { name = "searchLeadsMessage", type = "message", script = function(context)
        local res = context.searchLeadsService.response
        print(sf.ok(res) and context.page.text or sf.failure(res, "lead"))
      end,
      next = { { when = { "context.page.more", "==", true }, go = "showMore" } } },
    { name = "showMore", type = "message", wait = true,
      text = "{{context.page.left}} more: say 'more' to see them, or anything else to stop.",
      next = { { when = { "context.input", "contains", "more" }, go = "searchLeadsPage" } } },
  },
}
