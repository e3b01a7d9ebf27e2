-- luaforce.dialog.store over the core's stores (memory and a folder),
-- and session variables in scripts: reads through the store, writes as
-- effects the runner applies.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local store = require "luaforce.dialog.store"
local dialog = require "luaforce.dialog"
local runner = require "luaforce.dialog.runner"

describe("dialog stores", function()
  local clock = 1000
  local function now() return clock end

  local function contract(s)
    assert.is_nil(s:get("ns", "k"))
    assert.is_true(s:put("ns", "k", { a = 1, list = { 1, 2 } }))
    assert.are.same({ a = 1, list = { 1, 2 } }, s:get("ns", "k"))
    assert.is_true(s:put("ns", "t", "soon gone", 60))
    clock = clock + 59
    assert.are.equal("soon gone", s:get("ns", "t"))
    clock = clock + 1
    assert.is_nil(s:get("ns", "t"))
    assert.is_true(s:delete("ns", "k"))
    assert.is_nil(s:get("ns", "k"))
    assert.is_true(s:delete("ns", "k")) -- absent is fine
    assert.is_true(s:cas("ns", "c", nil, 1))
    assert.is_false(s:cas("ns", "c", 2, 3))
    assert.is_true(s:cas("ns", "c", 1, { x = true }))
    assert.are.same({ x = true }, s:get("ns", "c"))
    assert.has_error(function() s:put("bad ns", "k", 1) end)
    assert.has_error(function() s:put("ns", "k", function() end) end)
  end

  it("memory: get, put with a TTL, delete, compare-and-set", function()
    contract(store.memory(now))
  end)

  it("a folder: the same, and the values survive the process", function()
    require "salesforce"
    local core = require "salesforce.core"
    local dir = os.tmpname()
    os.remove(dir)
    contract(store.wrap(assert(core.store_open(dir)), now))
    local s = store.wrap(assert(core.store_open(dir)), now)
    assert.are.same({ x = true }, s:get("ns", "c"))
    helper.remove_tree(dir)
  end)
end)

describe("session variables", function()
  local dir
  before_each(function()
    dir = helper.bot_dir{ ["s.lua"] = [[
      return dialog.task{ name = "s", utterances = { "remember" }, nodes = {
        { name = "a", type = "script", script = function(context)
            local n = (BotUserSession.get("visits") or 0) + 1
            BotUserSession.put("visits", n, 10)
            EnterpriseContext.put("last", UserContext.get("id"))
            context.seen = BotUserSession.get("visits")
          end, next = "b" },
        { name = "b", type = "message",
          text = "visit {{context.seen}} of {{context.session.UserContext.id}}" },
        } }
    ]] }
  end)
  after_each(function() helper.remove_tree(dir) end)

  it("reads the store, writes through the runner, per user", function()
    local bot = assert(dialog.load(dir))
    local env = { bot = bot, store = store.memory() }
    local function visit(user)
      local _, msgs, failures = runner.turn(dialog.new{ user = { id = user } },
        { text = "remember" }, env)
      assert.are.same({}, failures)
      return msgs[1].text
    end
    assert.are.equal("visit 1 of ada", visit("ada"))
    assert.are.equal("visit 2 of ada", visit("ada"))
    assert.are.equal("visit 1 of bob", visit("bob"))
    assert.are.equal("bob", env.store:get("dialog-enterprise", "last"))
    -- the task's environment keeps no session's objects between turns
    assert.is_nil(rawget(bot.tasks.s.env, "BotUserSession"))
    assert.are.equal(2, env.store:get("dialog-botuser", "bot/ada/visits"))
  end)

  it("emits the writes as effects and applies none of a failed turn", function()
    local bot = assert(dialog.load(dir))
    local env = { bot = bot }
    local _, _, effects = dialog.turn(dialog.new{ user = { id = "ada" } }, { text = "remember" },
      env)
    assert.are.same({ type = "store", op = "put", ns = "dialog-botuser", key = "bot/ada/visits",
      value = 1, ttl = 600 }, effects[1])
    assert.are.same({ type = "store", op = "put", ns = "dialog-enterprise", key = "last",
      value = "ada" }, effects[2])
  end)
end)
