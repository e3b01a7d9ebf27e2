-- Search Opportunities (Salesforce action template, beyond the documented
-- seven): a keyword searched with SOSL (every reserved character
-- escaped), five results at a time.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

local FIELDS = { "StageName", "CloseDate" }

return dialog.task{
  name = "opportunity_search",
  display_name = "Search Opportunities",
  description = "an extension of the documented templates",
  utterances = { "search opportunities", "find opportunities", "search for opportunities",
    "find an opportunity" },
  integration = "salesforce",
  nodes = {
    { name = "Keyword", type = "entity", entity_type = "string",
      prompt = "What should I search the opportunities for?", rules = { min_length = 2 },
      volunteer = { "named", "called", "matching", "for", "with" },
      next = "searchOpportunitiesService" },
    { name = "searchOpportunitiesService", type = "service", call = function(client, context)
        local hits, err = client:search{ text = context.entities.Keyword,
          sobject = "Opportunity", fields = { "Id", "Name", "StageName", "CloseDate" },
          limit = 200 }
        if not hits then return nil, err end
        return sf.labelled(client, "Opportunity", hits, { "StageName" })
      end, on_failure = "searchOpportunitiesMessage", next = "searchOpportunitiesPage" },
    { name = "searchOpportunitiesPage", type = "script", script = function(context)
        local matching = " matching '" .. context.entities.Keyword .. "'"
        sf.next_page(context, "searchOpportunitiesService", FIELDS, "opportunities" .. matching,
          "opportunity" .. matching)
      end, next = "searchOpportunitiesMessage" },
    { name = "searchOpportunitiesMessage", type = "message", script = function(context)
        local res = context.searchOpportunitiesService.response
        print(sf.ok(res) and context.page.text or sf.failure(res, "opportunity"))
      end,
      next = { { when = { "context.page.more", "==", true }, go = "showMore" } } },
    { name = "showMore", type = "message", wait = true,
      text = "{{context.page.left}} more: say 'more' to see them, or anything else to stop.",
      next = { { when = { "context.input", "contains", "more" },
        go = "searchOpportunitiesPage" } } },
  },
}
