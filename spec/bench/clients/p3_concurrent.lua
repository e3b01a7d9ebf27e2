-- spec/bench/clients/p3_concurrent.lua: P3, TOTAL gets spread over CONC
-- tasks (salesforce.spawn) with a connection limit of CONC, against the
-- delay server.
--   luaforce run p3_concurrent.lua INSTANCE_URL TOKEN LEAD_ID TOTAL CONC
-- Prints "n=TOTAL loop_s=SECONDS" (from the first spawn to the last answer).
local salesforce = require "salesforce"

local url, token, id = arg[1], arg[2], arg[3]
local total, conc = math.tointeger(tonumber(arg[4])), math.tointeger(tonumber(arg[5]))
assert(url and token and id and total and conc,
  "usage: p3_concurrent.lua INSTANCE_URL TOKEN LEAD_ID TOTAL CONC")

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua") -- date(1), outside the loop

local sf = assert(salesforce.connect{ instance_url = url, access_token = token,
  allow_loopback = true, version = "62.0", max_connections = conc })

local function worker(count)
  local got = 0
  for _ = 1, count do
    local rec = assert(sf:get("Lead", id))
    if rec.Id == id then got = got + 1 end
  end
  return got
end

local t0 = now()
local tasks = {}
for i = 1, conc do
  local count = total // conc + (i <= total % conc and 1 or 0)
  tasks[i] = salesforce.spawn(worker, count)
end
local results = { salesforce.wait(table.unpack(tasks)) }
local t1 = now()
local got = 0
for _, g in ipairs(results) do got = got + g end
assert(got == total, string.format("%d of %d gets answered the Lead", got, total))
print(string.format("n=%d loop_s=%.6f", total, t1 - t0))
sf:close()
