-- spec/bench/clients/p5_create_many.lua: P5, create_many of N Leads
-- against the emulator (password flow, plain http on loopback).
--   luaforce run p5_create_many.lua EMULATOR_URL N
-- Prints "n=N loop_s=SECONDS created=C".
local salesforce = require "salesforce"

local url, n = arg[1], math.tointeger(tonumber(arg[2]))
assert(url and n, "usage: p5_create_many.lua EMULATOR_URL N")

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua") -- date(1), outside the loop

local sf = assert(salesforce.connect{ flow = "password", login_url = url,
  client_id = "luaforce-test-client", client_secret = "luaforce-test-secret",
  username = "dev@example.com", password = "password1TOKEN",
  allow_loopback = true, version = "62.0" })

local records = {}
for i = 1, n do
  records[i] = { FirstName = "Bench", LastName = "Lead " .. i, Company = "Bench Co " .. i % 97,
    Email = "bench" .. i .. "@example.com" }
end
local t0 = now()
local results = assert(sf:create_many("Lead", records))
local t1 = now()
local created = 0
for _, r in ipairs(results) do
  if r.success then created = created + 1 end
end
assert(created == n, string.format("%d of %d Leads created", created, n))
print(string.format("n=%d loop_s=%.6f created=%d", n, t1 - t0, created))
sf:close()
