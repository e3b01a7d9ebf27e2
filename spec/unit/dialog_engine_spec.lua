-- luaforce.dialog.engine: the reducer, without a network. Each test loads
-- task files from a temporary bot folder and drives turns, checking the
-- messages, the effects and that the state stays plain data.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local dialog = require "luaforce.dialog"
local engine = require "luaforce.dialog.engine"

local dirs = {}
local _

-- A bot folder from { ["name.lua"] = source }; returns the loaded bot.
local function bot_of(files)
  local dir = helper.bot_dir(files)
  dirs[#dirs + 1] = dir
  local bot, problems = dialog.load(dir)
  assert(bot, problems and table.concat(problems, "\n"))
  return bot
end

after_each(function()
  for _, d in ipairs(dirs) do helper.remove_tree(d) end
  dirs = {}
end)

-- A conversation: feeds lines, returns the state and each turn's texts.
local function talk(bot, lines, opts)
  opts = opts or {}
  local logs = {}
  local env = { bot = bot, log = function(m) logs[#logs + 1] = m end, now = opts.now,
    limits = opts.limits, max_state_bytes = opts.max_state_bytes }
  local state = opts.state or dialog.new()
  local replies, effects_seen, failures = {}, {}, {}
  for i, line in ipairs(lines) do
    local input = type(line) == "table" and line or { text = line }
    local msgs, effects, failed
    state, msgs, effects, failed = dialog.turn(state, input, env)
    local texts = {}
    for _, m in ipairs(msgs) do texts[#texts + 1] = m.rich or m.text end
    replies[i] = texts
    effects_seen[i] = effects
    failures[i] = failed
    -- every state between two turns is plain data that survives JSON
    state = dialog.decode(dialog.encode(state))
  end
  return state, replies, effects_seen, failures, logs
end

local ASK_NUMBER = [[
return dialog.task{ name = "count", utterances = { "count things" },
  nodes = {
    { name = "n", type = "entity", entity_type = "number", prompt = "How many?",
      error_prompts = { "A number, please.", "Digits, please." }, retries = 2, next = "done" },
    { name = "done", type = "message", text = "You said {{context.entities.n}}." },
  } }
]]

describe("entity nodes", function()
  it("prompts, gives error prompts in retry order, then the value", function()
    local bot = bot_of{ ["count.lua"] = ASK_NUMBER }
    local state, r = talk(bot, { "count things", "lots", "many", "twenty five" })
    assert.are.same({ { "How many?" }, { "A number, please." }, { "Digits, please." },
      { "You said 25." } }, r)
    assert.is_nil(state.task)
    assert.are.equal(25, state.context.entities.n)
  end)

  it("asks again after a blank answer, without an error or a retry counted", function()
    local bot = bot_of{ ["count.lua"] = ASK_NUMBER }
    local state, r = talk(bot, { "count things", "", "   ", "lots", "\t", "many", "7" })
    assert.are.same({ { "How many?" }, { "How many?" }, { "How many?" },
      { "A number, please." }, { "How many?" }, { "Digits, please." }, { "You said 7." } }, r)
    assert.are.equal(7, state.context.entities.n)
    bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "ok", type = "confirmation", prompt = "Sure?", yes = "y", no = "n" },
        { name = "y", type = "message", text = "Yes." },
        { name = "n", type = "message", text = "No." } } } ]] }
    _, r = talk(bot, { "go", "", "yes" })
    assert.are.same({ { "Sure?" }, { "Sure?" }, { "Yes." } }, r)
  end)

  it("ends the task past the allowed retries, or goes to the configured node", function()
    local bot = bot_of{ ["count.lua"] = ASK_NUMBER }
    local state, r = talk(bot, { "count things", "a", "b", "c" })
    assert.are.same({ dialog.RESPONSES.retries_exceeded }, r[4])
    local _
    assert.is_nil(state.task)
    bot = bot_of{ ["count.lua"] = ASK_NUMBER:gsub("retries = 2,",
      "retries = 1, on_retries_exceeded = 'giveup',"):gsub("} }\n$",
      "{ name = 'giveup', type = 'message', text = 'Never mind.' } } }\n") }
    _, r = talk(bot, { "count things", "a", "b" })
    assert.are.same({ "Never mind." }, r[3])
  end)

  it("defaults to five retries", function()
    local bot = bot_of{ ["count.lua"] = ASK_NUMBER:gsub("retries = 2, ", "") }
    local state = talk(bot, { "count things", "x", "x", "x", "x", "x" })
    assert.are.equal("count", state.task)
    local _, r = talk(bot, { "x" }, { state = state })
    assert.are.same({ dialog.RESPONSES.retries_exceeded }, r[1])
  end)

  it("asks an optional entity once and takes its default; never asks a hidden one", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "h", type = "entity", entity_type = "string", mode = "hidden",
          default = "hid", next = "o" },
        { name = "o", type = "entity", entity_type = "email", mode = "optional",
          default = "none@example.com", prompt = "Email?", next = "m" },
        { name = "m", type = "message",
          text = "{{context.entities.h}} {{context.entities.o}}" },
      } } ]] }
    local _, r = talk(bot, { "go", "no thanks" })
    assert.are.same({ { "Email?" }, { "hid none@example.com" } }, r)
  end)

  it("tells the user an answer to an optional entity was not understood, and asks again",
    function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "o", type = "entity", entity_type = "email", mode = "optional",
          default = "none@example.com", prompt = "Email? (or 'skip')", next = "b" },
        { name = "b", type = "entity", entity_type = "boolean", mode = "optional",
          prompt = "Subscribe?", next = "m" },
        { name = "m", type = "message",
          text = "{{context.entities.o}} {{context.entities.b}}" },
      } } ]] }
    local _, r = talk(bot, { "go", "kate@orbit", "kate@orbit.example", "no" })
    assert.are.same({ { "Email? (or 'skip')" },
      { "That does not look right (not an email address). Email? (or 'skip')" },
      { "Subscribe?" }, { "kate@orbit.example false" } }, r)
    -- past its retries (default 1) it is left out, saying so; the task goes on
    local state
    state, r = talk(bot, { "go", "kate@orbit", "still wrong" })
    assert.are.same({ "That does not look right either (not an email address), so I will "
      .. "leave it out.", "Subscribe?" }, r[3])
    assert.are.equal("t", state.task)
    _, r = talk(bot, { "Yes" }, { state = state })
    assert.are.same({ "none@example.com true" }, r[1])
    -- Enter alone, 'no thanks' and 'n/a' leave it out at once
    for _, line in ipairs{ "", "No thanks!", "n/a" } do
      _, r = talk(bot, { "go", line })
      assert.are.same({ "Subscribe?" }, r[2], line)
    end
  end)

  it("skips an optional string entity on 'skip' instead of taking the word", function()
    local bot = bot_of{ ["s.lua"] = [[
      return dialog.task{ name = "s", utterances = { "go" }, nodes = {
        { name = "first", type = "entity", entity_type = "string", mode = "optional",
          prompt = "First name? (or 'skip')", next = "m" },
        { name = "m", type = "script", script = function(context)
            context.shown = context.entities.first == nil and "none" or context.entities.first
          end, next = "t" },
        { name = "t", type = "message", text = "{{context.shown}}" },
      } } ]] }
    local _, r = talk(bot, { "go", "Skip" })
    assert.are.same({ { "First name? (or 'skip')" }, { "none" } }, r)
    _, r = talk(bot, { "go", "Ada" })
    assert.are.same({ "Ada" }, r[2])
  end)

  it("takes volunteered values from the first utterance and earlier answers", function()
    local bot = bot_of{ ["v.lua"] = [[
      return dialog.task{ name = "v", utterances = { "view lead" }, nodes = {
        { name = "id", type = "entity", entity_type = "salesforce_id", prompt = "Which id?",
          next = "name" },
        { name = "name", type = "entity", entity_type = "string", prompt = "Your name?",
          next = "email" },
        { name = "email", type = "entity", entity_type = "email", prompt = "Email?",
          next = "m" },
        { name = "m", type = "message",
          text = "{{context.entities.id}} {{context.entities.email}}" },
      } } ]] }
    local _, r = talk(bot, { "view lead 00Q5g00000DZ0d4", "Ada" })
    assert.are.same({ { "Your name?" }, { "Email?" } }, r)
    _, r = talk(bot, { "view lead", "00Q5g00000DZ0d4 and ada@example.com", "Ada" })
    assert.are.same({ { "Which id?" }, { "Your name?" }, { "00Q5g00000DZ0d4EAD ada@example.com" } },
      r)
  end)
end)

describe("transitions", function()
  local function route_bot(cond)
    return bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "n", type = "entity", entity_type = "number", prompt = "n?", next = "s" },
        { name = "s", type = "script", script = function(context)
            context.limit = 10
            context.tags = { "a", "b" }
          end, next = {
          { when = ]] .. cond .. [[, go = "yes" },
          { go = "no" } } },
        { name = "yes", type = "message", text = "yes" },
        { name = "no", type = "message", text = "no" },
      } } ]] }
  end
  local function answer(cond, n)
    local _, r = talk(route_bot(cond), { "go", n })
    return r[2][1]
  end

  it("supports every operator, a context path on the right, AND and OR", function()
    assert.are.equal("yes", answer('{ "context.entities.n", "exists" }', "1"))
    assert.are.equal("yes", answer('{ "context.entities.zz", "not exists" }', "1"))
    assert.are.equal("yes", answer('{ "entities.n", "==", 5 }', "5"))
    assert.are.equal("no", answer('{ "entities.n", "==", 5 }', "6"))
    assert.are.equal("yes", answer('{ "entities.n", "~=", 5 }', "6"))
    assert.are.equal("yes", answer('{ "entities.n", "<", dialog.ref("context.limit") }', "9"))
    assert.are.equal("no", answer('{ "entities.n", "<", dialog.ref("context.limit") }', "10"))
    assert.are.equal("yes", answer('{ "entities.n", "<=", 10 }', "10"))
    assert.are.equal("yes", answer('{ "entities.n", ">", 10 }', "11"))
    assert.are.equal("yes", answer('{ "entities.n", ">=", 11 }', "11"))
    assert.are.equal("yes", answer('{ "context.tags", "contains", "b" }', "1"))
    assert.are.equal("no", answer('{ "context.tags", "contains", "c" }', "1"))
    local all = '{ all = { { "entities.n", ">", 1 }, { "entities.n", "<", 3 } } }'
    local any = '{ any = { { "entities.n", "==", 1 }, { "entities.n", "==", 3 } } }'
    assert.are.equal("yes", answer(all, "2"))
    assert.are.equal("no", answer(all, "3"))
    assert.are.equal("yes", answer(any, "3"))
    assert.are.equal("no", answer(any, "2"))
  end)
end)

describe("confirmation, message, logic and dialog nodes", function()
  local bot
  before_each(function()
    bot = bot_of{
      ["main.lua"] = [[
        return dialog.task{ name = "main", utterances = { "start main" }, nodes = {
          { name = "ok", type = "confirmation", prompt = "Sure?", yes = "sub", no = "nope",
            synonyms = { yes = { "jawohl" } } },
          { name = "sub", type = "dialog", task = "inner", next = "after" },
          { name = "after", type = "logic",
            set = { ["context.seen"] = "{{context.sub.entities.x}}" }, next = "show" },
          { name = "show", type = "message", script = function(context)
              print("got ", context.seen)
              print{ type = "button", text = "Open",
                buttons = { { title = "View", url = "https://x" } } }
            end },
          { name = "nope", type = "message", text = { "Fine.", "OK then." } },
        } } ]],
      ["inner.lua"] = [[
        return dialog.task{ name = "inner", nodes = {
          { name = "x", type = "entity", entity_type = "string", prompt = "x?" } } } ]],
    }
  end)

  it("reads yes and no synonyms, the earliest match winning", function()
    local _, r = talk(bot, { "start main", "maybe", "of course not" })
    assert.are.same({ "Sure?" }, r[1])
    assert.matches("not yes or no", r[2][1], 1, true)
    assert.truthy(r[3][1] == "Fine." or r[3][1] == "OK then.")
    _, r = talk(bot, { "start main", "jawohl" })
    assert.are.same({ "x?" }, r[2])
  end)

  it("runs a sub-dialog and comes back; print makes text and rich messages", function()
    local state, r = talk(bot, { "start main", "yes", "hello" })
    assert.are.same({ "got hello", { type = "button", text = "Open",
      buttons = { { title = "View", url = "https://x" } } } }, { r[3][1], r[3][2] })
    assert.is_nil(state.task)
    assert.are.equal("hello", state.context.seen)
  end)
end)

describe("service nodes", function()
  local bot
  before_each(function()
    bot = bot_of{ ["s.lua"] = [[
      return dialog.task{ name = "s", utterances = { "show" }, nodes = {
        { name = "name", type = "entity", entity_type = "string", prompt = "Name?", next = "svc" },
        { name = "svc", type = "service", method = "get",
          path = "/sobjects/Lead/{{context.entities.name}}", timeout = 5,
          pre = function(context) context.before = true end,
          post = function(context)
            context.after = context.svc.response.statusCode
          end,
          on_failure = "bad", next = "good" },
        { name = "good", type = "message",
          text = "{{context.svc.response.body.Name}} {{context.before}} {{context.after}}" },
        { name = "bad", type = "message", script = function(context)
            print(context.svc.response.statusCode, " ", context.svc.response.body[1].errorCode)
          end },
      } } ]] }
  end)

  it("asks the runner for the call with each placeholder one path segment", function()
    local state, _, effects = talk(bot, { "show", "a/b?c=d#e f" })
    assert.are.same({ { type = "service", task = "s", node = "svc", request = { kind = "rest",
      method = "GET", path = "/sobjects/Lead/a%2Fb%3Fc%3Dd%23e%20f", timeout_ms = 5000 } } },
      effects[2])
    assert.are.equal("service", state.await)
    local _, r = talk(bot, { { event = "service_result", node = "svc",
      response = { statusCode = 200, body = { Name = "Ada" } } } }, { state = state })
    assert.are.same({ "Ada true 200" }, r[1]) -- the pre script ran before, the post after
  end)

  it("pauses for authorization and runs the call again once authorized", function()
    local state = talk(bot, { "show", "x" })
    local s2, r = talk(bot, { { event = "service_result", node = "svc", unauthorized = true },
      "hello?", { event = "authorized" } }, { state = state })
    assert.are.same({ (dialog.RESPONSES.needs_authorization:gsub(" {{url}}", "")) }, r[1])
    assert.are.same(r[1], r[2])
    assert.are.same({}, r[3])
    assert.are.equal("service", s2.await)
    assert.are.equal("svc", s2.node)
  end)

  it("keeps the response on failure and takes the failure path", function()
    local state = talk(bot, { "show", "x" })
    local s2, r = talk(bot, { { event = "service_result", node = "svc", failed = true,
      response = { statusCode = 404, body = { { errorCode = "NOT_FOUND", message = "gone" } } } } },
      { state = state })
    assert.are.same({ "404 NOT_FOUND" }, r[1])
    assert.are.equal(404, s2.context.svc.response.statusCode)
  end)
end)

describe("failures of the developer's code and of the state", function()
  local function bot_with(script)
    return bot_of{ ["f.lua"] = [[
      return dialog.task{ name = "f", utterances = { "run it" }, nodes = {
        { name = "s", type = "script", script = function(context) ]] .. script .. [[ end } } } ]],
      ["ok.lua"] = [[
      return dialog.task{ name = "ok", utterances = { "hello" }, nodes = {
        { name = "m", type = "message", text = "hi" } } } ]] }
  end

  for what, script in pairs{
    ["an infinite loop"] = "while true do end",
    ["a memory bomb"] = "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end",
    ["os.execute"] = "os.execute('touch /tmp/pwned')",
    ["io.open"] = "io.open('/etc/passwd')",
    ["require 'ffi'"] = "require 'ffi'",
    ["load of bytecode"] = "load('\\27Lua', 'x', 'b')",
  } do
    it("fails the task for " .. what .. " and answers the next turn", function()
      local state, r, _, failures, logs = talk(bot_with(script), { "run it", "hello" },
        { limits = { instructions = 200000, memory_kb = 8192 } })
      assert.are.same({ dialog.RESPONSES.task_failed }, r[1])
      assert.are.equal("f", failures[1].task)
      assert.are.equal("s", failures[1].node)
      assert.matches("^dialog: f:s: ", logs[1])
      assert.are.same({ "hi" }, r[2])
      assert.is_nil(state.task)
    end)
  end

  it("names the line of the task file in the log", function()
    local _, _, _, _, logs = talk(bot_with("error('boom')"), { "run it" })
    assert.matches("f%.lua:3: boom", logs[1])
  end)

  it("keeps the previous state when the next would pass the size bound", function()
    local bot = bot_with("context.big = ('x'):rep(2000)")
    local before = dialog.new()
    local state, r, _, failures = talk(bot, { "run it" }, { state = before,
      max_state_bytes = 1000 })
    assert.are.equal("state_too_large", failures[1].kind)
    assert.matches("more than the 1000 allowed", failures[1].message, 1, true)
    assert.are.same({ dialog.RESPONSES.task_failed }, r[1])
    assert.are.same(dialog.decode(dialog.encode(before)), state)
  end)

  it("refuses a state that is not plain data", function()
    local _, _, _, failures = talk(bot_with("context.f = function() end"), { "run it" })
    assert.are.equal("state", failures[1].kind)
  end)

  it("copies states deeply (the core's copy), each table its own", function()
    local plain = require "luaforce.dialog.plain"
    local core = require "salesforce.core"
    assert.are.equal(core.plain_copy, plain.copy) -- the fast one, not the Lua fallback
    local null = require("cjson").null
    local v = { 1, "two", { 3, { four = 4.5 } }, x = { y = { z = true } }, n = null,
      [10] = "sparse", [2.5] = "float key" }
    local c = plain.copy(v)
    assert.are.same(v, c)
    assert.are_not.equal(v, c)
    assert.are_not.equal(v[3], c[3])
    assert.are_not.equal(v[3][2], c[3][2])
    assert.are_not.equal(v.x.y, c.x.y)
    assert.are.equal(null, c.n)
    c.x.y.z, c[3][2].four = false, 0
    assert.is_true(v.x.y.z)
    assert.are.equal(4.5, v[3][2].four)
    assert.are.equal("s", plain.copy("s"))
    assert.is_nil(plain.copy(nil))
    local loop = {}
    loop.self = loop
    assert.has_error(function() plain.copy(loop) end,
      "plain data nested deeper than 100 levels (a cycle?)")
  end)
end)

describe("routing and interruptions", function()
  local bot
  before_each(function()
    bot = bot_of{
      ["a.lua"] = [[return dialog.task{ name = "create_lead", display_name = "create a lead",
        utterances = { "create a lead", "new lead" }, nodes = {
        { name = "x", type = "entity", entity_type = "string", prompt = "Name?" } } } ]],
      ["b.lua"] = [[return dialog.task{ name = "delete_lead", display_name = "delete a lead",
        utterances = { "delete a lead", "remove lead" }, nodes = {
        { name = "y", type = "entity", entity_type = "string", prompt = "Which?" } } } ]],
    }
  end)

  it("routes by phrase, then by word overlap; asks when ambiguous; lists tasks on none", function()
    assert.are.equal("create_lead", engine.route(bot, "please create a lead now"))
    assert.are.equal("delete_lead", engine.route(bot, "Remove that lead"))
    local none, candidates = engine.route(bot, "lead")
    assert.is_nil(none)
    assert.is_nil(candidates)
    local _, r = talk(bot, { "the weather?", "a lead" })
    assert.are.same({ "Sorry, I did not understand. I can help you with: create a lead, "
      .. "delete a lead." }, r[1])
    assert.are.same({ "Which one did you mean: create a lead, delete a lead?" }, r[2])
  end)

  it("routes by a task's display name, the name the bot lists", function()
    local b = bot_of{
      ["c.lua"] = [[return dialog.task{ name = "capture", display_name = "Lead Capture",
        utterances = { "talk to sales" }, nodes = {
        { name = "x", type = "entity", entity_type = "string", prompt = "Your name?" } } } ]],
      ["d.lua"] = [[return dialog.task{ name = "create_lead", display_name = "Create a Lead",
        utterances = { "new lead" }, nodes = {
        { name = "y", type = "entity", entity_type = "string", prompt = "Name?" } } } ]],
    }
    assert.are.equal("capture", engine.route(b, "lead capture please"))
    assert.are.equal("create_lead", engine.route(b, "Create a lead"))
    local _, r = talk(b, { "hello", "Lead Capture" })
    assert.are.same({ "Sorry, I did not understand. I can help you with: Lead Capture, "
      .. "Create a Lead." }, r[1])
    assert.are.same({ "Your name?" }, r[2])
  end)

  it("names the tasks in a welcome that says {{tasks}}", function()
    local b = bot_of{
      ["bot.lua"] = [[return dialog.bot{ name = "b", welcome = "Hi! I do: {{tasks}}." }]],
      ["c.lua"] = [[return dialog.task{ name = "capture", display_name = "Lead Capture",
        utterances = { "talk to sales" }, nodes = {
        { name = "x", type = "entity", entity_type = "string", prompt = "Your name?" } } } ]],
      ["d.lua"] = [[return dialog.task{ name = "view_lead", nodes = {
        { name = "y", type = "entity", entity_type = "string", prompt = "Id?" } } } ]],
    }
    local _, r = talk(b, { { event = "start" } })
    assert.are.same({ "Hi! I do: Lead Capture, view lead." }, r[1])
  end)

  it("cancels and starts over at a prompt", function()
    local state, r = talk(bot, { "new lead", "cancel" })
    assert.are.same({ dialog.RESPONSES.task_cancelled }, r[2])
    assert.is_nil(state.task)
    state, r = talk(bot, { "new lead", "start over" })
    assert.are.same({ "Name?" }, r[2])
    assert.are.equal("create_lead", state.task)
  end)
end)

describe("amending, switching tasks and languages", function()
  local LEAD = [[
    return dialog.task{ name = "lead", display_name = "create a lead",
      utterances = { "create a lead" }, nodes = {
      { name = "lastName", type = "entity", entity_type = "string", prompt = "Last name?",
        next = "company" },
      { name = "company", type = "entity", entity_type = "string", prompt = "Company?",
        next = "size" },
      { name = "size", type = "entity", entity_type = "number", display_name = "employees",
        prompt = "How many employees?", next = "ok" },
      { name = "ok", type = "confirmation",
        prompt = "{{context.entities.lastName}} at {{context.entities.company}} "
          .. "({{context.entities.size}})?", yes = "done", no = "done" },
      { name = "done", type = "message", text = "done" },
    } } ]]

  it("amends a value at a later prompt and at a confirmation, validated", function()
    local bot = bot_of{ ["lead.lua"] = LEAD }
    local state, r = talk(bot, { "create a lead", "Smith", "change the last name to Jones",
      "Acme", "40", "no, the company is Initech", "set employees to lots",
      "update employees to 45" })
    assert.are.same({ "Company?" }, r[3]) -- amended; company still to ask
    assert.are.same({ "How many employees?" }, r[4])
    assert.are.same({ "Jones at Acme (40)?" }, r[5])
    assert.are.same({ "Jones at Initech (40)?" }, r[6])
    assert.matches("not a number", r[7][1], 1, true)
    assert.are.same({ "Jones at Initech (45)?" }, r[8])
    assert.are.equal("ok", state.node)
  end)

  it("offers to switch when an invalid answer asks for another task, and resumes", function()
    local bot = bot_of{ ["lead.lua"] = LEAD, ["other.lua"] = [[
      return dialog.task{ name = "weather", display_name = "check the weather",
        utterances = { "what is the weather" }, nodes = {
        { name = "w", type = "message", text = "Sunny." } } } ]] }
    local state, r = talk(bot, { "create a lead", "Smith", "Acme",
      "what is the weather in Paris", "yes", "12" })
    assert.are.same({ "Do you want to stop this and check the weather instead?" }, r[4])
    assert.are.same({ "Sunny.", "Let's get back to create a lead.", "How many employees?" }, r[5])
    assert.are.same({ "Smith at Acme (12)?" }, r[6])
    assert.are.equal("lead", state.task)
    _, r = talk(bot, { "create a lead", "Smith", "Acme", "what is the weather", "no" })
    assert.are.same({ "How many employees?" }, r[5])
    -- at a confirmation too
    state, r = talk(bot, { "create a lead", "Smith", "Acme", "12", "what is the weather",
      "yes" })
    assert.are.same({ "Do you want to stop this and check the weather instead?" }, r[5])
    assert.are.same({ "Sunny.", "Let's get back to create a lead.", "Smith at Acme (12)?" }, r[6])
    assert.are.equal("ok", state.node)
  end)

  it("gives the task it switches to what was said: its values are not asked again",
    function()
    local bot = bot_of{ ["lead.lua"] = LEAD, ["view.lua"] = [[
      return dialog.task{ name = "view", display_name = "show a lead",
        utterances = { "show lead" }, nodes = {
        { name = "id", type = "entity", entity_type = "salesforce_id", prompt = "Which lead?",
          next = "m" },
        { name = "m", type = "message", text = "Lead {{context.entities.id}}." } } } ]] }
    local state, r = talk(bot, { "create a lead", "Smith", "show lead 00Q5g00000DZ0d4", "yes" })
    assert.are.same({ "Do you want to stop this and show a lead instead?" }, r[3])
    assert.are.same({ "Lead 00Q5g00000DZ0d4EAD.", "Let's get back to create a lead.",
      "Company?" }, r[4])
    assert.are.equal("lead", state.task)
    assert.is_nil(state.switch_said)
    assert.is_nil(state.context.entities.id) -- (the held task's context is its own)
  end)

  it("does not take the task's own command as a free-text value", function()
    local bot = bot_of{ ["lead.lua"] = LEAD }
    local state, r = talk(bot, { "create a lead", "Create a lead!", "Create a lead company" })
    assert.are.same({ "We are doing that now (create a lead). Last name?" }, r[2])
    assert.are.equal("Create a lead company", state.context.entities.lastName) -- (not exact)
    assert.are.equal(0, state.retries)
  end)

  it("asks before a free-text entity takes another task's utterance; no keeps it", function()
    local bot = bot_of{ ["lead.lua"] = LEAD, ["other.lua"] = [[
      return dialog.task{ name = "weather", display_name = "check the weather",
        utterances = { "what is the weather" }, nodes = {
        { name = "w", type = "message", text = "Sunny." } } } ]] }
    local _, r = talk(bot, { "create a lead", "Smith", "what is the weather today", "yes",
      "Acme", "7" })
    assert.are.same({ "Do you want to stop this and check the weather instead?" }, r[3])
    assert.are.same({ "Sunny.", "Let's get back to create a lead.", "Company?" }, r[4])
    assert.are.same({ "Smith at Acme (7)?" }, r[6])
    local state
    state, r = talk(bot, { "create a lead", "Smith", "What Is The Weather Ltd", "no", "7" })
    assert.are.same({ "Do you want to stop this and check the weather instead?" }, r[3])
    assert.are.same({ "How many employees?" }, r[4])
    assert.are.equal("What Is The Weather Ltd", state.context.entities.company)
    assert.are.same({ "What Is The Weather Ltd at What Is The Weather Ltd (7)?" },
      select(2, talk(bot, { "create a lead", "What Is The Weather Ltd", "no",
        "What Is The Weather Ltd", "no", "7" }))[6])
    -- neither "yes" nor "no": the prompt again, nothing taken
    state, r = talk(bot, { "create a lead", "Smith", "what is the weather", "hmm" })
    assert.are.same({ "Company?" }, r[4])
    assert.is_nil(state.context.entities.company)
    assert.is_nil(state.switch_text)
  end)

  it("speaks the session's language, English by default", function()
    local bot = bot_of{ ["bot.lua"] = [[
      return dialog.bot{ languages = { "en", "de" },
        responses = { task_cancelled = { en = "Cancelled.", de = "Abgebrochen." } } } ]],
      ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go", "los" }, nodes = {
        { name = "n", type = "entity", entity_type = "number",
          prompt = { en = "How many?", de = "Wie viele?" } } } } ]] }
    local _, r = talk(bot, { "los", "cancel" }, { state = dialog.new{ lang = "de" } })
    assert.are.same({ { "Wie viele?" }, { "Abgebrochen." } }, r)
    _, r = talk(bot, { "go", "cancel" })
    assert.are.same({ { "How many?" }, { "Cancelled." } }, r)
    _, r = talk(bot, { "go" }, { state = dialog.new{ user = { id = "u", lang = "de" } } })
    assert.are.same({ { "Wie viele?" } }, r) -- the user context's language
    for _, w in ipairs(bot.warnings) do -- only the standard responses left in English
      assert.matches("bot.lua: no 'de' standard response '[%w_]+' %(the default", w)
      assert.not_matches("task_cancelled", w)
    end
  end)
end)

describe("a secret entity", function()
  local FILES = {
    ["login.lua"] = [[
      return dialog.task{ name = "login", display_name = "log in", utterances = { "log in" },
        nodes = {
        { name = "user", type = "entity", prompt = "User?", next = "password" },
        { name = "password", type = "entity", prompt = "Password?", secret = true,
          next = "done" },
        { name = "done", type = "message", text = "Logged in as {{context.entities.user}}." },
      } } ]],
    ["lead.lua"] = [[
      return dialog.task{ name = "lead", display_name = "create a lead",
        utterances = { "create a lead" }, nodes = {
        { name = "n", type = "entity", prompt = "Name?" } } } ]],
  }

  it("takes the answer as the value: no switch, no amendment, nothing left over", function()
    local bot = bot_of(FILES)
    -- another task's utterance, then an amendment's shape: each the password
    for _, said in ipairs{ "create a lead", "change the user to mallory" } do
      local state, r = talk(bot, { "log in", "ada", said })
      assert.are.same({ "Logged in as ada." }, r[3])
      local text = dialog.encode(state)
      assert.is_nil(text:find(said, 1, true)) -- the task ended: nothing keeps it
    end
    -- held in the context while the task needs it, and only there
    local state = talk(bot, { "log in", "ada" })
    assert.is_true(dialog.awaits_secret(bot, state))
    assert.are.equal("****", dialog.shown(bot, state, "hunter2"))
    local bot2 = bot_of{ ["login.lua"] = FILES["login.lua"]:gsub('next = "done"',
      'next = "more"'):gsub('{ name = "done"',
      '{ name = "more", type = "entity", prompt = "More?", next = "done" },\n{ name = "done"') }
    state = talk(bot2, { "log in", "ada", "hunter2 and more" })
    assert.is_false(dialog.awaits_secret(bot2, state))
    assert.are.equal("plain", dialog.shown(bot2, state, "plain"))
    assert.are.equal("hunter2 and more", state.context.entities.password)
    local text = dialog.encode(state)
    local _, n = text:gsub("hunter2", "")
    assert.are.equal(1, n, text) -- the entity; not the history, not a leftover
    for _, h in ipairs(state.context.history) do
      for _, v in pairs(h) do assert.not_matches("hunter2", tostring(v)) end
    end
  end)
end)

describe("more of the model", function()
  it("gives datetimes the session's zone: its own, the user context's or the host's", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "meet" }, nodes = {
        { name = "at", type = "entity", entity_type = "datetime", prompt = "When?",
          next = "ok" },
        { name = "ok", type = "message", text = "At {{context.entities.at}}." } } } ]] }
    local function at(state, env_offset)
      local env = { bot = bot, utc_offset = env_offset }
      local _, msgs
      state = dialog.turn(state, { text = "meet" }, env)
      _, msgs = dialog.turn(state, { text = "2026-08-31 14:30" }, env)
      return msgs[1].text
    end
    assert.are.equal("At 2026-08-31T14:30:00+01:00.", at(dialog.new{ utc_offset = 60 }, 0))
    assert.are.equal("At 2026-08-31T14:30:00-03:30.",
      at(dialog.new{ user = { id = "u", utc_offset = -210 } }, 0))
    assert.are.equal("At 2026-08-31T14:30:00+09:00.", at(dialog.new(), 540))
    assert.are.equal("At 2026-08-31T14:30:00Z.", at(dialog.new(), 0))
  end)

  it("takes entity rules a script sets at context.entityRules", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "s", type = "script", script = function(context)
            context.entityRules = { n = { max = 10 } }
          end, next = "n" },
        { name = "n", type = "entity", entity_type = "number", prompt = "n?",
          rules = { min = 1 }, next = "m" },
        { name = "m", type = "message", text = "{{context.entities.n}}" } } } ]] }
    local _, r = talk(bot, { "go", "11", "0", "7" })
    assert.matches("more than 10", r[2][1], 1, true)
    assert.matches("less than 1", r[3][1], 1, true)
    assert.are.same({ "7" }, r[4])
  end)

  it("picks one of several prompts by the session's seed, the same seed the same", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "n", type = "entity", prompt = { "A?", "B?", "C?", "D?" } } } } ]] }
    local seen = {}
    for seed = 1, 12 do
      local _, r1 = talk(bot, { "go" }, { state = dialog.new{ seed = seed } })
      local _, r2 = talk(bot, { "go" }, { state = dialog.new{ seed = seed } })
      assert.are.same(r1, r2)
      seen[r1[1][1]] = true
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.is_true(n > 1)
  end)

  it("takes the bot's own interruption words; hold_tasks = false drops the held task", function()
    local bot = bot_of{ ["bot.lua"] = [[
      return dialog.bot{ interruptions = { ["never mind"] = "cancel" }, hold_tasks = false } ]],
      ["a.lua"] = [[return dialog.task{ name = "a", utterances = { "start a" }, nodes = {
        { name = "n", type = "entity", entity_type = "number", prompt = "n?" } } } ]],
      ["b.lua"] = [[return dialog.task{ name = "b", utterances = { "start b" }, nodes = {
        { name = "m", type = "message", text = "b done" } } } ]] }
    local state, r = talk(bot, { "start a", "never mind" })
    assert.are.same({ dialog.RESPONSES.task_cancelled }, r[2])
    assert.is_nil(state.task)
    state, r = talk(bot, { "start a", "start b", "yes" })
    assert.are.same({ "b done" }, r[3])
    assert.is_nil(state.task)
  end)

  it("validates a custom entity with the task's function", function()
    local bot = bot_of{ ["t.lua"] = [[
      local function even(text)
        local n = tonumber(text)
        if not n or n % 2 ~= 0 then return nil, "not an even number" end
        return n
      end
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "n", type = "entity", entity_type = "custom", validate = even,
          prompt = "Even?", next = "m" },
        { name = "m", type = "message", text = "{{context.entities.n}}" } } } ]] }
    local _, r = talk(bot, { "go", "3", "4" })
    assert.matches("not an even number", r[2][1], 1, true)
    assert.are.same({ "4" }, r[3])
  end)

  it("keeps the last 50 history records", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "a", type = "confirmation", prompt = "again?", yes = "a", no = "b" },
        { name = "b", type = "end" } } } ]] }
    local lines = { "go" }
    for i = 2, 40 do lines[i] = "yes" end
    local state = talk(bot, lines)
    assert.are.equal(50, #state.context.history)
    assert.are.same({ node = "a", type = "confirmation", state = "waitingForUserInput" },
      state.context.history[50])
  end)

  it("refuses a write to UserContext", function()
    local bot = bot_of{ ["t.lua"] = [[
      return dialog.task{ name = "t", utterances = { "go" }, nodes = {
        { name = "s", type = "script", script = function() UserContext.put("id", "x") end } } }
    ]] }
    local _, r, _, failures = talk(bot, { "go" })
    assert.are.same({ dialog.RESPONSES.task_failed }, r[1])
    assert.matches("UserContext is read%-only", failures[1].message)
  end)
end)

describe("a picklist from a field's describe", function()
  local STATUS = [[
return dialog.task{ name = "status", utterances = { "set status" },
  nodes = {
    { name = "s", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Lead", field = "Status" },
      synonyms = { ["Working - Contacted"] = { "working", "in progress" } },
      prompt = "Which status?", next = "done" },
    { name = "done", type = "message", text = "Status {{context.entities.s}}." },
  } }
]]
  local VALUES = { { value = "Open - Not Contacted", display = "Open" },
    { value = "Working - Contacted", display = "Working (contacted)" } }

  it("takes the task's synonyms of a value, its label and a close match", function()
    local bot = bot_of{ ["status.lua"] = STATUS }
    for answer, want in pairs{ ["in progress"] = "Working - Contacted",
      ["Open"] = "Open - Not Contacted", ["workin"] = "Working - Contacted" } do
      local _, replies, effects = talk(bot, { "set status",
        { event = "service_result", node = "s", response = { statusCode = 200,
          body = VALUES } }, answer })
      assert.are.equal("describe", effects[1][1].request.kind)
      assert.are.equal("Which status?", replies[2][1].text)
      assert.are.same({ "Status " .. want .. "." }, replies[3])
    end
  end)

  -- The messages of one turn (text and rich) after these inputs.
  local function last_turn(bot, inputs)
    local env = { bot = bot }
    local state, msgs = dialog.new()
    for _, input in ipairs(inputs) do state, msgs = dialog.turn(state, input, env) end
    return msgs, state
  end
  local function described(body)
    return { event = "service_result", node = "s", response = { statusCode = 200, body = body } }
  end

  it("offers the values with the prompt: in its text, and a postback button each", function()
    local bot = bot_of{ ["status.lua"] = STATUS }
    local msgs = last_turn(bot, { { text = "set status" }, described(VALUES) })
    assert.are.same({ { text = "Which status? Open or Working (contacted)",
      rich = { type = "quick_replies", text = "Which status?", buttons = {
        { type = "postback", title = "Open", payload = "Open - Not Contacted" },
        { type = "postback", title = "Working (contacted)", payload = "Working - Contacted" },
      } } } }, msgs)
    -- a button pressed (a postback of its payload) takes its value
    local state
    msgs, state = last_turn(bot, { { text = "set status" }, described(VALUES),
      { event = "postback", payload = "Working - Contacted" } })
    assert.are.same({ { text = "Status Working - Contacted." } }, msgs)
    assert.is_nil(state.task)
    assert.has_error(function()
      dialog.turn(dialog.new(), { event = "postback" }, { bot = bot })
    end, "a postback input needs its payload (a string), got nil")
    -- the prompt asked again (a blank answer) offers them again
    msgs = last_turn(bot, { { text = "set status" }, described(VALUES), { text = "" } })
    assert.are.equal(2, #msgs[1].rich.buttons)
  end)

  it("asks which value words of several labels mean, with a button each", function()
    local bot = bot_of{ ["stage.lua"] = [[
      return dialog.task{ name = "stage", utterances = { "set stage" }, nodes = {
        { name = "Stage", type = "entity", entity_type = "picklist", show_values = false,
          values = { "Prospecting", "Closed Won", "Closed Lost" }, prompt = "Stage?",
          next = "m" },
        { name = "m", type = "message", text = "Stage {{context.entities.Stage}}." } } } ]] }
    local msgs, state = last_turn(bot, { { text = "set stage" }, { text = "closed" } })
    assert.are.same({ { text = "Which one: Closed Won or Closed Lost?",
      rich = { type = "quick_replies", text = "Which one: Closed Won or Closed Lost?",
        buttons = { { type = "postback", title = "Closed Won", payload = "Closed Won" },
          { type = "postback", title = "Closed Lost", payload = "Closed Lost" } } } } }, msgs)
    assert.are.equal(1, state.retries) -- (a retry: asking forever is not an option)
    msgs = last_turn(bot, { { text = "set stage" }, { text = "closed" },
      { event = "postback", payload = "Closed Lost" } })
    assert.are.same({ { text = "Stage Closed Lost." } }, msgs)
    -- a value of one label's words, or none, is no question
    msgs = last_turn(bot, { { text = "set stage" }, { text = "prospecting" } })
    assert.are.same({ { text = "Stage Prospecting." } }, msgs)
    msgs = last_turn(bot, { { text = "set stage" }, { text = "whenever" } })
    assert.are.same({ { text = "That does not look right (not one of: Prospecting, Closed Won, "
      .. "Closed Lost). Stage?" } }, msgs)
  end)

  it("offers a dependent picklist's values valid for the controlling value only", function()
    local bot = bot_of{ ["lead.lua"] = [[
      return dialog.task{ name = "lead", utterances = { "rate lead" }, nodes = {
        { name = "Rating", type = "entity", entity_type = "picklist",
          values = { "Hot", "Cold" }, prompt = "Rating?", next = "s" },
        { name = "s", type = "entity", entity_type = "picklist", prompt = "Why?",
          values_from = { sobject = "Lead", field = "Reason__c" }, next = "done" },
        { name = "done", type = "message", text = "{{context.entities.s}}" } } } ]] }
    local body = {
      { value = "Budget", display = "Has budget", controller = "Rating", valid_for = { "Hot" } },
      { value = "Urgent", display = "Urgent", controller = "Rating", valid_for = { "Hot" } },
      { value = "NoNeed", display = "No need", controller = "Rating", valid_for = { "Cold" } },
    }
    local first = last_turn(bot, { { text = "rate lead" } })
    assert.are.same({ "Hot", "Cold" }, { first[1].rich.buttons[1].title,
      first[1].rich.buttons[2].title })
    assert.are.equal("Rating? Hot or Cold", first[1].text)
    local msgs = last_turn(bot, { { text = "rate lead" }, { text = "cold" }, described(body) })
    assert.are.same({ { text = "Why? No need", rich = { type = "quick_replies", text = "Why?",
      buttons = { { type = "postback", title = "No need", payload = "NoNeed" } } } } }, msgs)
    msgs = last_turn(bot, { { text = "rate lead" }, { text = "hot" }, described(body) })
    assert.are.equal("Why? Has budget or Urgent", msgs[1].text)
    assert.are.same({ "Budget", "Urgent" }, { msgs[1].rich.buttons[1].payload,
      msgs[1].rich.buttons[2].payload })
  end)

  it("leaves the prompt as it is past show_values (default 10) values, or with false",
    function()
    local many = {}
    for i = 1, 11 do many[i] = { value = "V" .. i, display = "Value " .. i } end
    local bot = bot_of{ ["status.lua"] = STATUS }
    assert.are.same({ { text = "Which status?" } },
      (last_turn(bot, { { text = "set status" }, described(many) })))
    table.remove(many)
    local msgs = last_turn(bot, { { text = "set status" }, described(many) })
    assert.are.equal(10, #msgs[1].rich.buttons)
    for _, sv in ipairs{ "1", "false" } do
      bot = bot_of{ ["status.lua"] = STATUS:gsub('prompt = "Which status%?"',
        'prompt = "Which status?", show_values = ' .. sv) }
      assert.are.same({ { text = "Which status?" } },
        (last_turn(bot, { { text = "set status" }, described(VALUES) })))
    end
    -- (two values, at most two: offered)
    bot = bot_of{ ["status.lua"] = STATUS:gsub('prompt = "Which status%?"',
      'prompt = "Which status?", show_values = 2') }
    msgs = last_turn(bot, { { text = "set status" }, described({ VALUES[1] }) })
    assert.are.equal("Which status? Open", msgs[1].text)
    -- a prompt that names every value already keeps its text (the buttons come)
    bot = bot_of{ ["status.lua"] = STATUS:gsub('prompt = "Which status%?"',
      'prompt = "Which status: open or working (contacted)?"') }
    msgs = last_turn(bot, { { text = "set status" }, described(VALUES) })
    assert.are.equal("Which status: open or working (contacted)?", msgs[1].text)
    assert.are.equal(2, #msgs[1].rich.buttons)
  end)
end)
