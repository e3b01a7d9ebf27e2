-- spec/bench/clients/p1_get.lua: P1, N sequential authenticated gets of
-- one Lead over one keep-alive connection.
--   luaforce run p1_get.lua INSTANCE_URL TOKEN LEAD_ID N
-- Prints "n=N loop_s=SECONDS" (the timed loop, after one warm-up get).
local salesforce = require "salesforce"

local url, token, id, n = arg[1], arg[2], arg[3], math.tointeger(tonumber(arg[4]))
assert(url and token and id and n, "usage: p1_get.lua INSTANCE_URL TOKEN LEAD_ID N")

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua") -- date(1), outside the loop

local sf = assert(salesforce.connect{ instance_url = url, access_token = token,
  allow_loopback = true, version = "62.0" })
local rec = assert(sf:get("Lead", id)) -- warm-up: opens the connection
assert(rec.Id == id, "the Lead has another Id")

local t0 = now()
for _ = 1, n do
  local err
  rec, err = sf:get("Lead", id)
  if not rec then error(tostring(err)) end
end
local t1 = now()
assert(rec.Id == id)
print(string.format("n=%d loop_s=%.6f", n, t1 - t0))
sf:close()
