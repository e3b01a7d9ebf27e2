-- spec/bench/clients/p4_dialog.lua: P4, the dialog engine. Three figures:
-- bytes per idle session (states held after five answered entities),
-- entity-only turns per second (one core), and SESSIONS sessions each
-- making one Salesforce call through the runner, all at once over CONC
-- connections, against the delay server.
--   luaforce run p4_dialog.lua INSTANCE_URL TOKEN LEAD_ID SESSIONS CONC TURNS
-- Prints "n=SESSIONS loop_s=SECONDS bytes_per_session=B entity_turns_per_s=T
-- entity_turns_per_cpu_s=C" (loop_s: from the first turn of the calls to the
-- last answer; T of the wall clock, C of the process's CPU time).
local salesforce = require "salesforce"
local dialog = require "luaforce.dialog"
local runner = require "luaforce.dialog.runner"

local url, token, id = arg[1], arg[2], arg[3]
local sessions, conc = math.tointeger(tonumber(arg[4])), math.tointeger(tonumber(arg[5]))
local turns = math.tointeger(tonumber(arg[6]))
assert(url and token and id and sessions and conc and turns,
  "usage: p4_dialog.lua INSTANCE_URL TOKEN LEAD_ID SESSIONS CONC TURNS")

local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua")

-- the bot: five entities, and a view by id
local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir '" .. dir .. "'"))
local function write(name, text)
  local f = assert(io.open(dir .. "/" .. name, "w"))
  f:write('local dialog = require "luaforce.dialog"\n', text)
  f:close()
end
write("form.lua", [[
return dialog.task{ name = "form", utterances = { "fill the form" }, nodes = {
  { name = "first", type = "entity", prompt = "First name?", next = "last" },
  { name = "last", type = "entity", prompt = "Last name?", next = "age" },
  { name = "age", type = "entity", entity_type = "number", prompt = "Age?", next = "mail" },
  { name = "mail", type = "entity", entity_type = "email", prompt = "Email?", next = "day" },
  { name = "day", type = "entity", entity_type = "date", prompt = "When?", next = "wait" },
  { name = "wait", type = "entity", prompt = "Anything else?" },
} } ]])
write("view.lua", [[
return dialog.task{ name = "view", utterances = { "view lead" }, nodes = {
  { name = "id", type = "entity", prompt = "Which?", next = "get" },
  { name = "get", type = "service", path = "/sobjects/Lead/{{context.entities.id}}",
    next = "show" },
  { name = "show", type = "message", text = "{{context.get.response.body.Name}}" },
} } ]])
local bot = assert(dialog.load(dir))
os.execute("rm -rf '" .. dir .. "'")

local ANSWERS = { "fill the form", "Ada", "Lovelace", "36", "ada@example.com", "2026-12-10" }

-- 1. bytes per idle session, after five answered entities (after one
-- session has warmed up the grammars and caches)
local env = { bot = bot }
do
  local w = dialog.new()
  for _, a in ipairs(ANSWERS) do w = dialog.turn(w, { text = a }, env) end
end
collectgarbage("collect")
collectgarbage("collect")
local before = collectgarbage("count")
local held = {}
for i = 1, sessions do
  local s = dialog.new{ user = { id = "u" .. i } }
  for _, a in ipairs(ANSWERS) do s = dialog.turn(s, { text = a }, env) end
  held[i] = s
end
collectgarbage("collect")
collectgarbage("collect")
local per_session = (collectgarbage("count") - before) * 1024 / sessions
assert(held[sessions].node == "wait", "the sessions did not reach the sixth prompt")
for i = 1, sessions do held[i] = nil end -- the other figures run without them (a live heap
-- slows every GC cycle)
collectgarbage("collect")

-- 2. entity-only turns per second: of the process's CPU time (os.clock:
-- one core, whatever else the machine runs) and of the wall clock
local s = dialog.new()
local t0, c0 = now(), os.clock()
local done = 0
while done < turns do
  for _, a in ipairs(ANSWERS) do s = dialog.turn(s, { text = a }, env) end
  s = dialog.turn(s, { text = "cancel" }, env)
  done = done + #ANSWERS + 1
end
local turns_per_cpu_s = done / (os.clock() - c0)
local turns_per_s = done / (now() - t0)

-- 3. SESSIONS sessions, one call each: each session is at the id prompt
-- and its answer's turn makes the call. CONC worker tasks take the
-- sessions' turns in turn (as a host bounds the turns in flight by its
-- connections; a libcurl multi handle with hundreds of queued transfers
-- walks them all at every step)
local sf = assert(salesforce.connect{ instance_url = url, access_token = token,
  allow_loopback = true, version = "62.0", max_connections = conc })
local cenv = { bot = bot, sf = sf }
local states, tasks = {}, {}
for i = 1, sessions do states[i] = dialog.turn(dialog.new(), { text = "view lead" }, cenv) end
local answers = {}
local t1 = now()
for w = 1, conc do
  tasks[w] = salesforce.spawn(function()
    for i = w, sessions, conc do
      local st, msgs = runner.turn(states[i], { text = id }, cenv)
      states[i] = st
      answers[i] = msgs[1] and msgs[1].text
    end
  end)
end
salesforce.wait(table.unpack(tasks))
local t2 = now()
for i = 1, sessions do
  assert(answers[i] and answers[i] ~= "" and states[i].task == nil,
    "session " .. i .. " did not finish: " .. tostring(answers[i]))
end
print(string.format("n=%d loop_s=%.6f bytes_per_session=%d entity_turns_per_s=%d "
  .. "entity_turns_per_cpu_s=%d", sessions, t2 - t1, math.floor(per_session + 0.5),
  math.floor(turns_per_s), math.floor(turns_per_cpu_s)))
sf:close()
