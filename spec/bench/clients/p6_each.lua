-- spec/bench/clients/p6_each.lua: P6, iterating ROWS records of a query
-- with sf:each (pages of 200 chained by nextRecordsUrl).
--   luaforce run p6_each.lua INSTANCE_URL TOKEN ROWS
-- Prints "n=ROWS loop_s=SECONDS lua_kb=K" (K: the Lua heap at the end).
local salesforce = require "salesforce"

local url, token, rows = arg[1], arg[2], math.tointeger(tonumber(arg[3]))
assert(url and token and rows, "usage: p6_each.lua INSTANCE_URL TOKEN ROWS")

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua") -- date(1), outside the loop

local sf = assert(salesforce.connect{ instance_url = url, access_token = token,
  allow_loopback = true, version = "62.0" })

local t0 = now()
local n, bytes = 0, 0
for rec in sf:each("SELECT Id, FirstName, LastName, Company, Email, Status, CreatedDate "
    .. "FROM Lead LIMIT " .. rows) do
  n = n + 1
  bytes = bytes + #rec.Id -- touch every record
end
local t1 = now()
assert(n == rows, string.format("%d records iterated, %d expected", n, rows))
assert(bytes == 18 * rows)
print(string.format("n=%d loop_s=%.6f lua_kb=%d", n, t1 - t0,
  math.floor(collectgarbage("count"))))
sf:close()
