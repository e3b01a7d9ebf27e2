-- leads.lua: create, query, update, search and delete leads with the
-- workspace's stored authorization, printing each step.
--   luaforce auth login ...            (once)
--   luaforce run scripts/examples/leads.lua
local salesforce = require "salesforce"

local sf = assert(salesforce.connect{ profile = os.getenv("LUAFORCE_PROFILE") })
print(string.format("Connected to %s (API v%s)", sf.instance_url, sf.version))

-- create
local people = {
  { FirstName = "Ada", LastName = "Lovelace", Company = "Analytical Engines" },
  { FirstName = "Grace", LastName = "Hopper", Company = "Compilers & Co" },
  { FirstName = "Katherine", LastName = "O'Neil", Company = "Orbit Labs" },
}
local ids = {}
for _, p in ipairs(people) do
  local id = assert(sf:create("Lead", p))
  ids[#ids + 1] = id
  print(string.format("created lead %s  %s %s, %s", id, p.FirstName, p.LastName, p.Company))
end

-- query with a bind: the name with a quote in it is quoted safely
local page = assert(sf:query("SELECT Id, Name, Company FROM Lead WHERE LastName = :last",
  { last = "O'Neil" }))
for _, rec in ipairs(page.records) do
  print(string.format("query found %s  %s at %s", rec.Id, rec.Name, rec.Company))
end

-- update
assert(sf:update("Lead", ids[1], { Status = "Working - Contacted", Title = "Countess" }))
local ada = assert(sf:get("Lead", ids[1], { "Name", "Status", "Title" }))
print(string.format("updated %s: status %s, title %s", ada.Name, ada.Status, ada.Title))

-- search (SOSL, user text escaped)
local hits = assert(sf:search{ text = "Compilers & Co", sobject = "Lead",
  fields = { "Id", "Name", "Company" } })
for _, rec in ipairs(hits) do
  print(string.format("search found %s  %s at %s", rec.Id, rec.Name, rec.Company))
end

-- every lead, page by page
local n = 0
for _ in sf:each("SELECT Id FROM Lead") do n = n + 1 end
print(string.format("the org has %d leads (%d API calls used of %d today)", n,
  sf:limit_info().used, sf:limit_info().max))

-- delete
for _, id in ipairs(ids) do
  assert(sf:delete("Lead", id))
  print("deleted lead " .. id)
end
sf:close()
