-- List Opportunities (Salesforce action template, beyond the documented
-- seven): the newest opportunities, five at a time ("more" shows the next
-- ones).
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

local FIELDS = { "StageName", "CloseDate" }

return dialog.task{
  name = "opportunity_list",
  display_name = "List Opportunities",
  description = "an extension of the documented templates",
  utterances = { "list all opportunities", "list opportunities", "show me opportunities",
    "show all opportunities" },
  integration = "salesforce",
  nodes = {
    { name = "listOpportunitiesService", type = "service",
      query = "SELECT Id, Name, toLabel(StageName), CloseDate FROM Opportunity "
        .. "ORDER BY CreatedDate DESC, Id DESC LIMIT 200",
      on_failure = "listOpportunitiesMessage", next = "listOpportunitiesPage" },
    { name = "listOpportunitiesPage", type = "script", script = function(context)
        sf.next_page(context, "listOpportunitiesService", FIELDS, "opportunities",
          "opportunity")
      end, next = "listOpportunitiesMessage" },
    { name = "listOpportunitiesMessage", type = "message", script = function(context)
        local res = context.listOpportunitiesService.response
        print(sf.ok(res) and context.page.text or sf.failure(res, "opportunity"))
      end,
      next = { { when = { "context.page.more", "==", true }, go = "showMore" } } },
    { name = "showMore", type = "message", wait = true,
      text = "{{context.page.left}} more: say 'more' to see them, or anything else to stop.",
      next = { { when = { "context.input", "contains", "more" },
        go = "listOpportunitiesPage" } } },
  },
}
