-- spec/bench/clients/p1_layers.lua: P1 without the client, to show where
-- the time goes: N sequential GETs of the Lead through the binding's
-- http:call (the transport: libcurl multi, the request, the response
-- copied out), with the body as text or decoded into a table.
--   luaforce run p1_layers.lua text|decode INSTANCE_URL TOKEN LEAD_ID N
-- Prints "n=N loop_s=SECONDS" (the timed loop, after one warm-up get).
require "salesforce"
local core = require "salesforce.core"

local mode, url, token, id, n = arg[1], arg[2], arg[3], arg[4], math.tointeger(tonumber(arg[5]))
assert((mode == "text" or mode == "decode") and url and token and id and n,
  "usage: p1_layers.lua text|decode INSTANCE_URL TOKEN LEAD_ID N")
local decode = mode == "decode"

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua") -- date(1), outside the loop

local http = core.http_new({})
local lead_url = url .. "/services/data/v62.0/sobjects/Lead/" .. id
local auth = "Bearer " .. token
local function get()
  local status, body = http:call("GET", lead_url, auth, nil, nil, nil, nil, nil, decode)
  if status ~= 200 then error("HTTP " .. tostring(status) .. ": " .. tostring(body)) end
  return body
end

local body = get() -- warm-up: opens the connection
local t0 = now()
for _ = 1, n do body = get() end
local t1 = now()
assert((decode and body.Id or body:match('"Id":"(%w+)"')) == id)
print(string.format("n=%d loop_s=%.6f", n, t1 - t0))
http:close()
