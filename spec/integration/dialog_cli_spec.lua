-- `luaforce dialog` against the HTTPS emulator: the example bot over an
-- answers file and over the JSON-lines protocol, with the requests its
-- service nodes sent read back from the emulator's log; service failures
-- on their failure paths; `dialog check`.
local helper = require "spec.helper"
local cjson = require "cjson"
local system = require "system"

local BOT = helper.source_dir .. "/scripts/examples/bot"

describe("luaforce dialog", function()
  local emu, ws, env

  setup(function()
    emu = helper.emulator{ https = true }
    env, ws = helper.authorized_workspace(emu)
  end)

  teardown(function()
    emu.stop()
    helper.run({ "rm", "-rf", ws })
  end)

  before_each(function()
    emu.call("DELETE", "/log")
    emu.call("DELETE", "/faults")
  end)

  -- `dialog run TARGET --answers` (TARGET: the example bot by default)
  -- with these user lines and more arguments; returns out, err, status.
  local function answers(lines, target, ...)
    local path = helper.tempfile(#lines > 0 and (table.concat(lines, "\n") .. "\n") or "",
      ".txt")
    local out, err, status = helper.luaforce({ "dialog", "run", target or BOT, "--answers", path,
      ... }, { env = env })
    os.remove(path)
    return out, err, status
  end

  -- A task file of this source (after the require line), run with these lines.
  local function run_task(source, lines)
    local task = helper.tempfile('local dialog = require "luaforce.dialog"\n' .. source)
    local out, err, status = answers(lines, task)
    os.remove(task)
    return out, err, status
  end

  local function sent(path_prefix)
    local log = emu.call("GET", "/log?path=" .. path_prefix)
    return log.requests
  end

  it("creates a lead from an answers file and prints the conversation", function()
    local out, err, status = answers{ "new lead", "O'Neil", "Orbit Labs", "kate@orbit.example",
      "yes" }
    assert.are.equal(0, status, err)
    local reqs = sent("/services/data/v62.0/sobjects/Lead")
    assert.are.equal(1, #reqs)
    assert.are.equal("POST", reqs[1].method)
    assert.are.same({ LastName = "O'Neil", Company = "Orbit Labs", Email = "kate@orbit.example" },
      reqs[1].json)
    local id = reqs[1].json and emu.call("GET", "/records?sobject=Lead").records[1].Id
    assert.are.equal(table.concat({
      "bot: Hi! I can create a lead or show one.",
      "user: new lead",
      "bot: What is the lead's last name?",
      "user: O'Neil",
      "bot: Which company is O'Neil with?",
      "user: Orbit Labs",
      "bot: Their email address? (or 'skip')",
      "user: kate@orbit.example",
      "bot: Create O'Neil at Orbit Labs?",
      "user: yes",
      "bot: Lead O'Neil created: " .. id,
      "     [View Lead] view lead " .. id,
    }, "\n") .. "\n", out)
  end)

  it("takes a volunteered id and escapes it as one path segment", function()
    local out, err, status = answers{ "view lead 00Q5g0000000099" }
    assert.are.equal(0, status, err)
    local reqs = sent("/services/data/v62.0/sobjects/Lead/")
    assert.are.equal(1, #reqs)
    assert.are.equal("GET", reqs[1].method)
    assert.are.equal("/services/data/v62.0/sobjects/Lead/00Q5g0000000099EAA", reqs[1].path)
    assert.matches("bot: I could not find that lead in Salesforce %(404 %- No Record Found%)%.\n$",
      out)
  end)

  it("says what is wrong with a lead id: its checksum, its kind or its length", function()
    local out, err, status = answers{ "show lead", "00Q5g00000DZ0d4EAA", "0015g00000DZ0d4",
      "00Q5g00000DZ", "cancel" }
    assert.are.equal(0, status, err)
    local again = " Which lead? (its id, 00Q…)"
    assert.are.equal(table.concat({
      "bot: Hi! I can create a lead or show one.",
      "user: show lead",
      "bot: Which lead? (its id)",
      "user: 00Q5g00000DZ0d4EAA",
      "bot: That is not a lead id: its checksum (the last 3 characters) does not match the "
        .. "first 15: a character may be mistyped." .. again,
      "user: 0015g00000DZ0d4",
      "bot: That is not a lead id: it is an Account id (001), not a Lead id (00Q)." .. again,
      "user: 00Q5g00000DZ",
      "bot: That is not a lead id: a Salesforce id has 15 or 18 letters and digits, this has "
        .. "12." .. again,
      "user: cancel",
      "bot: OK, I have cancelled that.",
    }, "\n") .. "\n", out)
    assert.are.equal(0, #sent("/services/data/v62.0/sobjects/Lead/"))
    -- an id of another kind in the first utterance: said why, not silently asked again
    out, err, status = answers{ "show lead 0015g00000DZ0d4" }
    assert.are.equal(0, status, err)
    assert.matches("\nbot: That is not a lead id: it is an Account id (001), not a Lead id "
      .. "(00Q)." .. again .. "\n", out, 1, true)
  end)

  it("takes the failure path on a 4xx with Salesforce's error list", function()
    emu.call("POST", "/faults", { kind = "status", status = 400, method = "POST",
      path = "/services/data/v62.0/sobjects/Lead",
      json = { { errorCode = "REQUIRED_FIELD_MISSING", message = "Required fields are missing",
        fields = { "LastName" } } } })
    local out, err, status = answers{ "new lead", "X", "Y", "skip", "yes" }
    assert.are.equal(0, status, err)
    assert.matches("bot: Salesforce said no %(HTTP 400%): Required fields are missing\n$", out)
  end)

  it("takes the failure path on a 5xx after the retries", function()
    emu.call("POST", "/faults", { kind = "status", status = 503, count = 10,
      path = "/services/data/v62.0/sobjects/Lead/" })
    local out, err, status = answers{ "view lead 00Q5g0000000099" }
    assert.are.equal(0, status, err)
    assert.matches("bot: Salesforce had a problem %(HTTP 503%)%. Please try again later%.\n$", out)
    assert.is_true(#sent("/services/data/v62.0/sobjects/Lead/") > 1) -- GETs are retried
  end)

  it("finishes in another process a session saved in the middle of a task", function()
    local function run(lines)
      local out, err, status = answers(lines, BOT, "--session", "s1", "--user", "ada")
      assert.are.equal(0, status, err)
      return out
    end
    local first = run{ "new lead", "Turing" }
    assert.matches("bot: Which company is Turing with%?\n$", first)
    local second = run{ "Bletchley", "skip", "yes" }
    assert.matches("^user: Bletchley\nbot: Their email address%?", second)
    local reqs = sent("/services/data/v62.0/sobjects/Lead")
    assert.are.equal(1, #reqs, second)
    assert.are.same({ LastName = "Turing", Company = "Bletchley" }, reqs[1].json)
    assert.matches("bot: Lead Turing created: 00Q%w+\n", second)
  end)

  -- The seconds that running this task with these lines took.
  local function timed(source, lines)
    local t0 = system.monotime()
    local out, err, status = run_task(source, lines)
    return system.monotime() - t0, out, err, status
  end

  -- (bounds with room for a loaded machine: a run of luaforce with nothing
  -- slow takes well under 0.5 s; without the deadline these take 7.5 s and
  -- more, the describe over 20 s)
  it("bounds a service call by its timeout as the user waits, retries included", function()
    emu.call("POST", "/latency", { ms = 3000, path = "/services/data/v62.0/limits" })
    local took, out, err, status = timed([[
      return dialog.task{ name = "slow", nodes = {
        { name = "svc", type = "service", path = "/limits", timeout = 1.5,
          on_failure = "late", next = "fine" },
        { name = "fine", type = "message", text = "fine" },
        { name = "late", type = "message",
          text = "late: {{context.svc.response.statusCode}}" } } } ]], {})
    emu.call("DELETE", "/latency")
    assert.are.equal(0, status, err)
    assert.are.equal("bot: late: 0\n", out)
    -- (each attempt bounded alone: four 1.5 s attempts and the backoffs)
    assert.is_true(took >= 1.4 and took < 4.5, "took " .. took)
    assert.is_true(#sent("/services/data/v62.0/limits") >= 1)
  end)

  it("gives every call of a Lua service node the node's one timeout", function()
    emu.call("POST", "/latency", { ms = 1000, regex = "/query" })
    local took, out, err, status = timed([[
      return dialog.task{ name = "slow", nodes = {
        { name = "svc", type = "service", timeout = 1.5, call = function(sf)
            assert(sf:query("SELECT Id FROM Lead"))
            local page, e = sf:query("SELECT Id FROM Lead")
            if not page then return nil, e end
            return page, 200
          end, on_failure = "late", next = "fine" },
        { name = "fine", type = "message", text = "fine" },
        { name = "late", type = "message", text = "late: {{context.svc.response.body.1.errorCode}}"
          } } } ]], {})
    emu.call("DELETE", "/latency")
    assert.are.equal(0, status, err)
    assert.are.equal("bot: late: timeout\n", out)
    assert.is_true(took >= 1.4 and took < 4.5, "took " .. took)
    assert.are.equal(2, #sent("/services/data/v62.0/query"))
  end)

  it("bounds a picklist's describe by values_from.timeout (default 20 s)", function()
    emu.call("POST", "/latency", { ms = 3000, regex = "/describe" })
    local took, out, err, status = timed([[
      return dialog.task{ name = "pick", nodes = {
        { name = "status", type = "entity", entity_type = "picklist", prompt = "Status?",
          values_from = { sobject = "Lead", field = "Status", timeout = 1.5 }, next = "done" },
        { name = "done", type = "message", text = "{{context.entities.status}}" } } } ]], {})
    emu.call("DELETE", "/latency")
    assert.are.equal(0, status, err)
    assert.are.equal("bot: Sorry, something went wrong. Please try again later.\n", out)
    assert.is_true(took >= 1.4 and took < 4.5, "took " .. took)
    -- without the latency, the values come and the question is asked (as
    -- it was: four values, more than show_values)
    out, err, status = run_task([[
      return dialog.task{ name = "pick", nodes = {
        { name = "status", type = "entity", entity_type = "picklist", prompt = "Status?",
          show_values = 3,
          values_from = { sobject = "Lead", field = "Status", timeout = 1.5 }, next = "done" },
        { name = "done", type = "message", text = "{{context.entities.status}}" } } } ]],
      { "working - contacted" })
    assert.are.equal(0, status, err)
    assert.matches("^bot: Status%?\nuser: working %- contacted\nbot: Working %- Contacted\n$", out)
  end)

  it("gives the failure path an error list when the answer had none (an empty 503)", function()
    emu.call("POST", "/faults", { kind = "status", status = 503, count = 10, method = "POST" })
    local out, err, status = answers{ "new lead", "Doe", "Initech", "skip", "yes" }
    emu.call("DELETE", "/faults")
    assert.are.equal(0, status, err)
    assert.are.equal("", err)
    assert.matches("user: yes\nbot: Salesforce said no %(HTTP 503%): [^\n]+\n$", out)
    assert.are.equal(1, #sent("/services/data/v62.0/sobjects/Lead"))
  end)

  it("gives a query service its timeout too", function()
    emu.call("POST", "/latency", { ms = 3000, regex = "/query" })
    local took, out, err, status = timed([[
      return dialog.task{ name = "slow", nodes = {
        { name = "svc", type = "service", query = "SELECT Id FROM Lead", timeout = 1.5,
          on_failure = "late", next = "fine" },
        { name = "fine", type = "message", text = "fine" },
        { name = "late", type = "message", text = "late: {{context.svc.response.statusCode}} "
          .. "{{context.svc.response.body.1.errorCode}}" } } } ]], {})
    emu.call("DELETE", "/latency")
    assert.are.equal(0, status, err)
    assert.are.equal("bot: late: 0 timeout\n", out)
    assert.is_true(took >= 1.4 and took < 4.5, "took " .. took) -- (as above)
    assert.is_true(#sent("/services/data/v62.0/query") >= 1)
  end)

  it("runs a query service with the user's text only in binds, and a Lua service", function()
    local out, err, status = run_task([[
      return dialog.task{ name = "find", nodes = {
        { name = "company", type = "entity", prompt = "Company?", next = "findService" },
        { name = "findService", type = "service",
          query = "SELECT Id, Name FROM Lead WHERE Company = :co",
          binds = { co = "{{context.entities.company}}" }, next = "count" },
        { name = "count", type = "service", call = function(sf, context)
            local n = assert(sf:count("Lead"))
            return { n = n, found = context.findService.response.body.totalSize }, 200
          end, next = "say" },
        { name = "say", type = "message",
          text = "{{context.count.response.body.found}} of {{context.count.response.body.n}}" },
      } } ]], { "x' OR Name LIKE '%" })
    assert.are.equal(0, status, err)
    local q = sent("/services/data/v62.0/query")
    assert.are.equal(2, #q)
    package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
    require "salesforce"
    local unescape = require("salesforce.core").url_unescape
    assert.are.equal("q=SELECT Id, Name FROM Lead WHERE Company = 'x\\' OR Name LIKE \\'%'",
      unescape(q[1].query))
    assert.matches("bot: 0 of %d+\n$", out)
  end)

  it("reads a picklist's values from the field's describe, once", function()
    local out, err, status = run_task([[
      return dialog.task{ name = "status", nodes = {
        { name = "status", type = "entity", entity_type = "picklist",
          values_from = { sobject = "Lead", field = "Status" },
          prompt = "Which status?", next = "say" },
        { name = "say", type = "message", text = "ok: {{context.entities.status}}" } } } ]],
      { "pending", "closed - converted" })
    assert.are.equal(0, status, err)
    assert.are.equal(table.concat({
      "bot: Which status? Open - Not Contacted, Working - Contacted, Closed - Converted or "
        .. "Closed - Not Converted",
      "user: pending",
      "bot: That does not look right (not one of: Open - Not Contacted, Working - Contacted, "
        .. "Closed - Converted, Closed - Not Converted). Which status?",
      "user: closed - converted",
      "bot: ok: Closed - Converted",
    }, "\n") .. "\n", out)
    assert.are.equal(1, #sent("/services/data/v62.0/sobjects/Lead/describe"))
  end)

  it("offers a picklist's values as buttons over --jsonl; a button press takes one", function()
    local task = helper.tempfile([[local dialog = require "luaforce.dialog"
      return dialog.task{ name = "status", nodes = {
        { name = "status", type = "entity", entity_type = "picklist",
          values_from = { sobject = "Lead", field = "Status" },
          prompt = "Which status?", next = "say" },
        { name = "say", type = "message", text = "ok: {{context.entities.status}}" } } } ]])
    local VALUES = { "Open - Not Contacted", "Working - Contacted", "Closed - Converted",
      "Closed - Not Converted" }
    local buttons = {}
    for i, v in ipairs(VALUES) do buttons[i] = { type = "postback", title = v, payload = v } end
    for _, press in ipairs{ { event = "postback", payload = "Closed - Converted" },
      { text = "Closed - Converted" } } do
      local out, err, status = helper.luaforce({ "dialog", "run", task, "--jsonl" },
        { env = env, stdin = cjson.encode(press) .. "\n" })
      assert.are.equal(0, status, err)
      local lines = {}
      for line in out:gmatch("[^\n]+") do lines[#lines + 1] = cjson.decode(line) end
      assert.are.same({
        { type = "message", text = "Which status? Open - Not Contacted, Working - Contacted, "
          .. "Closed - Converted or Closed - Not Converted",
          rich = { type = "quick_replies", text = "Which status?", buttons = buttons } },
        { type = "turn_end", task = "status", node = "status" },
        { type = "message", text = "ok: Closed - Converted" },
        { type = "turn_end", task = cjson.null, node = cjson.null },
      }, lines)
    end
    local _, err, status = helper.luaforce({ "dialog", "run", task, "--jsonl" },
      { env = env, stdin = '{"event": "postback"}\n' })
    os.remove(task)
    assert.are.equal(1, status)
    assert.matches('jsonl: line 1: a postback is {"event": "postback", "payload": "..."}', err,
      1, true)
  end)

  -- A bot with these allow_hosts whose task calls the emulator ("versions",
  -- "yes") or evil.example.org ("elsewhere", "no"); returns out, err, status.
  local function url_bot(hosts, lines)
    local dir = helper.bot_dir{
      ["bot.lua"] = ("return dialog.bot{ allow_hosts = %s }"):format(hosts),
      ["t.lua"] = ([[
      return dialog.task{ name = "t", utterances = { "versions", "elsewhere" }, nodes = {
        { name = "pick", type = "confirmation", prompt = "Local?", yes = "local", no = "far" },
        { name = "local", type = "service", url = "URL/services/data/",
          on_failure = "failed", next = "ok" },
        { name = "far", type = "service", url = "https://evil.example.org/x", on_failure = "failed",
          next = "ok" },
        { name = "ok", type = "message", script = function(context)
            local r = (context["local"] or context.far).response
            print(r.statusCode, " ", r.body[1] and r.body[1].version or "?")
          end },
        { name = "failed", type = "message", script = function(context)
            local r = (context["local"] or context.far).response
            print("failed: ", r.statusCode, " ", r.body[1].errorCode)
            context.why = r.body[1].message
          end, next = "why" },
        { name = "why", type = "message", text = "{{context.why}}" },
      } } ]]):gsub("URL", emu.url) }
    local out, err, status = answers(lines, dir)
    helper.remove_tree(dir)
    return out, err, status
  end

  it("calls another host only when it is on the bot's allow_hosts", function()
    assert.matches("^https://127%.0%.0%.1:", emu.url)
    local out, err, status = url_bot('{ "api.example.com", "127.0.0.1" }',
      { "versions", "yes", "elsewhere", "no" })
    assert.are.equal(0, status, err)
    -- the emulator (loopback, allowed by LUAFORCE_ALLOW_LOOPBACK) got its
    -- one request, without the Salesforce authorization; evil.example.org none
    local reqs = sent("/services/data/")
    assert.are.equal(1, #reqs)
    assert.is_nil(reqs[1].headers.authorization)
    assert.matches("user: yes\nbot: 200 %d+%.0\n", out)
    assert.matches("user: no\nbot: failed: 0 HOST_NOT_ALLOWED\n", out)
    -- the message names the list that refused it: the bot's, not Salesforce's domains
    assert.matches("bot: refused by the bot's allow_hosts (bot.lua): url host evil.example.org "
      .. "is not on the allowed domains given (api.example.com, 127.0.0.1)\n", out, 1, true)
  end)

  it("calls a loopback host only when it is on allow_hosts, LUAFORCE_ALLOW_LOOPBACK or not",
    function()
    assert.are.equal("1", env.LUAFORCE_ALLOW_LOOPBACK)
    local out, err, status = url_bot('{ "api.example.com", "localhost" }', { "versions", "yes" })
    assert.are.equal(0, status, err)
    assert.are.equal(0, #sent("/services/data/"))
    assert.matches("user: yes\nbot: failed: 0 HOST_NOT_ALLOWED\n", out)
  end)

  it("speaks the JSON-lines protocol and nothing else on stdout", function()
    local input = cjson.encode{ text = "new lead" } .. "\n" .. cjson.encode{ text = "cancel" }
      .. "\n"
    local out, err, status = helper.luaforce({ "dialog", "run", BOT, "--jsonl" },
      { env = env, stdin = input })
    assert.are.equal(0, status, err)
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = cjson.decode(line) end
    assert.are.same({
      { type = "message", text = "Hi! I can create a lead or show one." },
      { type = "turn_end", task = cjson.null, node = cjson.null },
      { type = "message", text = "What is the lead's last name?" },
      { type = "turn_end", task = "create_lead", node = "lastName" },
      { type = "message", text = "OK, I have cancelled that." },
      { type = "turn_end", task = cjson.null, node = cjson.null },
    }, lines)
  end)

  it("refuses a line that is not a JSON object with text or event, and goes on", function()
    local out, err, status = helper.luaforce({ "dialog", "run", BOT, "--jsonl" },
      { env = env, stdin = table.concat({ '{"text": "new lead"}', "my secret 1234", "",
        '{"event": "reboot"}', '{"text": "Ada"}' }, "\n") .. "\n" })
    assert.are.equal(1, status)
    local bad = "jsonl: line 2: each line is a JSON object, {\"text\": ...} or {\"event\": ...}"
    local unknown = "jsonl: line 4: unknown event 'reboot' (start, authorized or postback)"
    assert.matches(bad, err, 1, true)
    assert.matches(unknown, err, 1, true)
    -- the line is not repeated (it may be a secret); the conversation went on
    assert.is_nil((out .. err):find("my secret", 1, true))
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = cjson.decode(l) end
    assert.are.same({ type = "error", message = bad }, lines[#lines - 3])
    assert.are.same({ type = "error", message = unknown }, lines[#lines - 2])
    assert.are.same({ type = "message", text = "Which company is Ada with?" }, lines[#lines - 1])
  end)

  it("test plays conversation tests and prints each result and the coverage", function()
    local file = helper.source_dir .. "/scripts/examples/bot/tests/leads.dialogtest"
    local out, err, status = helper.luaforce({ "dialog", "test", file }, { env = env })
    assert.are.equal(0, status, out .. err)
    assert.are.equal(table.concat({
      "ok   " .. file .. ": creates a lead",
      "ok   " .. file .. ": says no",
      "ok   " .. file .. ": a lead that does not exist",
      "coverage create_lead: 7/8 nodes (87%); not run: failed",
      "coverage view_lead: 3/4 nodes (75%); not run: show",
    }, "\n") .. "\n", out)
    local posts = 0
    for _, r in ipairs(sent("/services/data/v62.0/sobjects/Lead")) do
      if r.method == "POST" then posts = posts + 1 end
    end
    assert.are.equal(1, posts)
  end)

  it("test fails a conversation that does not go as written", function()
    local file = helper.tempfile(table.concat({
      "@bot " .. BOT,
      "@test wrong reply",
      "bot: Hi! I can create a lead or show one.",
      "user: new lead",
      "bot: What is the lead's first name?",
      "@test one reply too many",
      "bot: Hi! I can create a lead or show one.",
      "user: hello there",
      "@test pattern",
      "bot~ Hi!.*",
    }, "\n") .. "\n", ".dialogtest")
    local out, err, status = helper.luaforce({ "dialog", "test", file }, { env = env })
    os.remove(file)
    assert.are.equal(1, status, err)
    assert.matches("FAIL " .. file .. ": wrong reply: line 5: expected \"What is the lead's "
      .. "first name?\", got \"What is the lead's last name?\"\n", out, 1, true)
    assert.matches("FAIL " .. file .. ": one reply too many: line 8: unexpected reply after "
      .. "'hello there': \"Sorry, I did not understand.", out, 1, true)
    assert.matches("ok   " .. file .. ": pattern\n", out, 1, true)
  end)

  -- A bot whose task asks a secret entity (a PIN) between two plain ones.
  local SECRET_BOT = {
    ["bot.lua"] = 'return dialog.bot{ welcome = "Hi." }',
    ["pin.lua"] = [[return dialog.task{ name = "pin", utterances = { "set pin" }, nodes = {
      { name = "who", type = "entity", prompt = "Who?", next = "pin" },
      { name = "pin", type = "entity", entity_type = "number", prompt = "PIN?", secret = true,
        next = "done" },
      { name = "done", type = "message", text = "Saved for {{context.entities.who}}." } } }]],
  }

  it("masks a secret entity's answer in the --answers transcript", function()
    local dir = helper.bot_dir(SECRET_BOT)
    local out, err, status = answers({ "set pin", "Ada", "my pin", "4711" }, dir)
    helper.remove_tree(dir)
    assert.are.equal(0, status, err)
    assert.are.equal(table.concat({ "bot: Hi.", "user: set pin", "bot: Who?", "user: Ada",
      "bot: PIN?", "user: ****",
      "bot: That does not look right (not a number). PIN?", "user: ****",
      "bot: Saved for Ada." }, "\n") .. "\n", out)
    assert.not_matches("4711", out .. err)
  end)

  it("test does not repeat a secret answer in a failure", function()
    local dir = helper.bot_dir(SECRET_BOT)
    local file = helper.tempfile(table.concat({ "@bot " .. dir, "@test pin",
      "bot: Hi.", "user: set pin", "bot: Who?", "user: Ada", "bot: PIN?", "user: 4711",
      "@test name", "bot: Hi.", "user: set pin", "bot: Who?", "user: Ada",
    }, "\n") .. "\n", ".dialogtest")
    local out, err, status = helper.luaforce({ "dialog", "test", file }, { env = env })
    os.remove(file)
    helper.remove_tree(dir)
    assert.are.equal(1, status, err)
    assert.matches("FAIL " .. file .. ": pin: line 8: unexpected reply after '****': "
      .. "\"Saved for Ada.\"\n", out, 1, true)
    assert.not_matches("4711", out .. err)
    -- a plain answer is still named
    assert.matches("FAIL " .. file .. ": name: line 13: unexpected reply after 'Ada': "
      .. "\"PIN?\"\n", out, 1, true)
  end)

  it("graph prints the flow as Mermaid or DOT", function()
    local out, err, status = helper.luaforce({ "dialog", "graph",
      BOT .. "/create_lead.lua" })
    assert.are.equal(0, status, err)
    assert.matches("^flowchart TD\n  start%(%(create_lead%)%) %-%-> n_lastName\n", out)
    assert.matches('  n_confirm %-%->|"yes"| n_createLeadService\n', out)
    assert.matches('  n_createLeadService%["createLeadService<br/>service: POST /sobjects/Lead"%]',
      out)
    out, err, status = helper.luaforce({ "dialog", "graph", BOT .. "/view_lead.lua",
      "--format", "dot" })
    assert.are.equal(0, status, err)
    assert.matches('"viewLeadService" %-> "notFound" %[label="failure"%];', out)
    local _, err2, status2 = helper.luaforce({ "dialog", "graph", BOT, "--format", "png" })
    assert.are.equal(2, status2)
    assert.matches("--format is mermaid or dot", err2, 1, true)
  end)

  it("check validates a bot and reports file:node problems", function()
    local out, err, status = helper.luaforce({ "dialog", "check", BOT })
    assert.are.equal(0, status, err)
    assert.are.equal("ok: 2 tasks (create_lead, view_lead)\n", out)
    local bad = helper.tempfile([[
      local dialog = require "luaforce.dialog"
      return dialog.task{ name = "t", nodes = {
        { name = "a", type = "entity", entity_type = "number", next = "b" } } } ]])
    out, err, status = helper.luaforce({ "dialog", "check", bad })
    os.remove(bad)
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.matches(bad .. ":a: next goes to unknown node 'b'\n", err, 1, true)
    assert.matches(bad .. ":a: no prompt\n", err, 1, true)
  end)
end)
