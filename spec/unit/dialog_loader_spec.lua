-- luaforce.dialog.loader: task files load in the sandbox and every
-- problem is reported as file:node: problem.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local loader = require "luaforce.dialog.loader"

local function task_file(body)
  return helper.tempfile('local dialog = require "luaforce.dialog"\nreturn dialog.task{\n'
    .. body .. "\n}\n")
end

local function problems(body)
  local path = task_file(body)
  local task, errs = loader.load_task(path)
  os.remove(path)
  assert.is_nil(task, "the task loaded")
  return table.concat(errs, "\n"), path
end

describe("dialog task validation", function()
  it("loads a valid task", function()
    local path = task_file([[
      name = "t", utterances = { "do it" },
      nodes = { { name = "a", type = "entity", entity_type = "number", prompt = "How many?",
                  next = "b" },
                { name = "b", type = "message", text = "ok" } } ]])
    local task = assert(loader.load_task(path))
    os.remove(path)
    assert.are.equal("t", task.name)
    assert.are.equal("a", task.start)
  end)

  it("names file and node for each problem", function()
    local msg, path = problems([[
      name = "t",
      nodes = {
        { name = "a", type = "entity", entity_type = "colour", next = "nowhere" },
        { name = "a", type = "message", text = "dup" },
        { name = "s", type = "service", next = "a" },
        { name = "m", type = "message", txt = "typo" },
      } ]])
    assert.matches(path .. ":a: next goes to unknown node 'nowhere'", msg, 1, true)
    assert.matches(path .. ":a: duplicate node name", msg, 1, true)
    assert.matches(path .. ":a: unknown entity type 'colour'", msg, 1, true)
    assert.matches(path .. ":a: no prompt", msg, 1, true)
    assert.matches(path .. ":s: a service node has nothing to call", msg, 1, true)
    assert.matches(path .. ":m: unknown field 'txt' for a message node", msg, 1, true)
  end)

  it("checks an entity's volunteer words and values_from.record", function()
    local msg, path = problems([[
      name = "t", utterances = { "find" },
      nodes = { { name = "a", type = "entity", prompt = "Who?", volunteer = { "named", 3 },
                  next = "b" },
                { name = "b", type = "entity", prompt = "What?", volunteer = "named",
                  next = "c" },
                { name = "c", type = "entity", entity_type = "picklist", prompt = "Which?",
                  values_from = { sobject = "Lead", field = "Industry", record = 1 } } } ]])
    assert.matches(path .. ":a: volunteer is true, false or a list of words", msg, 1, true)
    assert.matches(path .. ":b: volunteer is true, false or a list of words", msg, 1, true)
    assert.matches(path .. ":c: values_from.record is a context path", msg, 1, true)
  end)

  it("reports an unknown integration and a node name that is no context path", function()
    local msg, path = problems([[
      name = "t", integration = "hubspot",
      nodes = { { name = "a b", type = "message", text = "hi" } } ]])
    assert.matches(path .. ": unknown integration 'hubspot' (salesforce)", msg, 1, true)
    assert.matches(path .. ":a b: a node name is letters, digits and _", msg, 1, true)
  end)

  it("runs the task file in the sandbox and checks service timeouts and retries", function()
    local msg, path = problems([[
      name = "t", nodes = { { name = "a", type = "message", text = os.execute("id") } } ]])
    assert.are.equal(path .. ":3: attempt to index a nil value (global 'os')", msg)
    msg, path = problems([[
      name = "t", nodes = {
        { name = "s", type = "service", path = "/limits", timeout = 61, next = "e" },
        { name = "e", type = "entity", prompt = "x", retries = 9, next = "p" },
        { name = "p", type = "entity", entity_type = "picklist", prompt = "x",
          values_from = { sobject = "Lead", field = "Status", timeout = 0.5 }, next = "k" },
        { name = "k", type = "entity", prompt = "Key?", secret = "yes", next = "v" },
        { name = "v", type = "entity", entity_type = "picklist", values = { "a" },
          prompt = "x", show_values = 0 } } ]])
    assert.matches(path .. ":s: timeout is 1 to 60 seconds", msg, 1, true)
    assert.matches(path .. ":e: retries is 1 to 5", msg, 1, true)
    assert.matches(path .. ":p: values_from.timeout is 1 to 60 seconds", msg, 1, true)
    assert.matches(path .. ":k: secret is true or false", msg, 1, true)
    assert.matches(path .. ":v: show_values is false or a number of values (1 or more)", msg, 1,
      true)
  end)

  it("reports unreachable nodes", function()
    local msg, path = problems([[
      name = "t",
      nodes = { { name = "a", type = "message", text = "hi" },
                { name = "lost", type = "message", text = "never" } } ]])
    assert.matches(path .. ":lost: unreachable from the start node", msg, 1, true)
  end)

  it("reports a loop of transitions that waits for no input", function()
    local msg, path = problems([[
      name = "t",
      nodes = { { name = "a", type = "message", text = "hi", next = "b" },
                { name = "b", type = "script", script = "context.n = 1", next = {
                    { when = { "context.n", ">", 5 }, go = "c" }, { go = "a" } } },
                { name = "c", type = "end" } } ]])
    assert.matches(path .. ":a: a loop of transitions waits for no user input (a -> b -> a)",
      msg, 1, true)
  end)

  it("accepts a loop through a node that waits", function()
    local path = task_file([[
      name = "t",
      nodes = { { name = "a", type = "confirmation", prompt = "again?", yes = "a", no = "b" },
                { name = "b", type = "end" } } ]])
    assert.truthy(loader.load_task(path))
    os.remove(path)
  end)

  it("reports unknown operators and a file that returns no task", function()
    local msg = problems([[
      name = "t",
      nodes = { { name = "a", type = "message", text = "x", next = {
        { when = { "context.x", "like", 1 }, go = "a" } } } } ]])
    assert.matches("unknown operator 'like'", msg, 1, true)
    local path = helper.tempfile("return { name = 'x' }")
    local _, errs = loader.load_task(path)
    os.remove(path)
    assert.matches("does not return dialog.task", errs[1], 1, true)
  end)
end)

describe("a bot folder", function()
  it("reports the texts that lack a language the bot declares", function()
    local dir = helper.bot_dir{
      ["bot.lua"] = 'return dialog.bot{ languages = { "en", "de" } }',
      ["t.lua"] = [[return dialog.task{ name = "t", nodes = {
        { name = "a", type = "entity", prompt = { en = "Name?" }, next = "b" },
        { name = "b", type = "message", text = "Bye" } } }]] }
    local bot = assert(loader.load(dir))
    assert.are.same({ dir .. "/t.lua:a: no 'de' prompt", dir .. "/t.lua:b: no 'de' text" },
      { table.unpack(bot.warnings, 1, 2) })
    local _, err, status = helper.luaforce({ "dialog", "check", dir })
    assert.are.equal(1, status)
    assert.matches("t.lua:a: no 'de' prompt", err, 1, true)
    helper.remove_tree(dir)
  end)

  it("reports the standard responses that lack a language the bot declares", function()
    local dir = helper.bot_dir{
      ["bot.lua"] = [[return dialog.bot{ languages = { "en", "de" },
        welcome = { en = "Hi!", de = "Hallo!" },
        responses = { task_failed = "Sorry.", task_cancelled = { en = "Cancelled.",
          de = "Abgebrochen." }, which_task = { de = "Welche: {{tasks}}?" } } }]],
      ["t.lua"] = [[return dialog.task{ name = "t", nodes = {
        { name = "a", type = "message", text = { en = "Bye", de = "Tschüss" } } } }]] }
    local bot = assert(loader.load(dir))
    local want = {}
    for _, k in ipairs{ "did_not_understand", "integration_disabled", "integration_error",
      "invalid_value", "needs_authorization", "offer_values", "optional_left_out",
      "resume_task", "retries_exceeded", "same_task", "switch_task", "values_or",
      "which_value" } do
      want[k] = dir .. "/bot.lua: no 'de' standard response '" .. k
        .. "' (the default is in English only)"
    end
    want.task_failed = dir .. "/bot.lua: no 'de' standard response 'task_failed'"
    want.which_task = dir .. "/bot.lua: no 'en' standard response 'which_task'"
    local got = {}
    for _, w in ipairs(bot.warnings) do got[w:match("'([%w_]+)'[^']*$")] = w end
    assert.are.same(want, got)
    assert.are.equal(15, #bot.warnings)
    local _, err, status = helper.luaforce({ "dialog", "check", dir })
    assert.are.equal(1, status)
    assert.matches("bot.lua: no 'de' standard response 'task_failed'\n", err)
    helper.remove_tree(dir)
  end)

  it("loads bot.lua with overridden responses and every task", function()
    local bot = assert(loader.load(helper.source_dir .. "/scripts/examples/bot"))
    assert.are.same({ "create_lead", "view_lead" }, bot.order)
    assert.are.equal("Hi! I can create a lead or show one.", bot.responses.welcome)
    assert.are.equal(loader.RESPONSES.which_task, bot.responses.which_task)
  end)
end)
