-- luaforce.dialog.sandbox: what task code can reach, and the per-turn
-- budgets that stop it.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local sandbox = require "luaforce.dialog.sandbox"

local function run(code, limits)
  local env = sandbox.env()
  local fn = assert(sandbox.compile(code, "=task.lua", env))
  return sandbox.call(sandbox.new_budget(limits), fn)
end

describe("the dialog sandbox", function()
  it("has no os, io, debug or package, and string.dump is gone", function()
    local ok, v = run("return os, io, debug, package, string.dump")
    assert.is_true(ok)
    assert.is_nil(v)
    for _, code in ipairs{ "os.execute('true')", "io.open('/etc/passwd')" } do
      local ok2, err = run(code)
      assert.is_false(ok2)
      assert.matches("attempt to index a nil value", err)
    end
  end)

  it("requires only modules of the allow-list", function()
    local ok, err = run("require 'ffi'")
    assert.is_false(ok)
    assert.matches("module 'ffi' is not available in a dialog task", err, 1, true)
    assert.is_true((run("return require('json').encode({1}) == '[1]' or error('x')")))
    assert.is_true((run("local s = require 'salesforce.soql'; assert(s.quote('a') == \"'a'\")")))
  end)

  it("refuses to load bytecode", function()
    local bytecode = string.dump(function() return 1 end)
    local env = sandbox.env()
    env.code = bytecode
    local fn = assert(sandbox.compile("return load(code, 'x', 'b')", "=t", env))
    local ok, err = sandbox.call(sandbox.new_budget(), fn)
    assert.is_false(ok)
    assert.matches("only text chunks", err, 1, true)
    fn = assert(sandbox.compile("return load(code)", "=t", env))
    local ok2, f, msg = sandbox.call(sandbox.new_budget(), fn)
    assert.is_true(ok2)
    assert.is_nil(f)
    assert.matches("binary", msg)
  end)

  it("stops an infinite loop, even one that calls pcall", function()
    local ok, err = run("local n = 0\nwhile true do n = n + 1 end", { instructions = 100000 })
    assert.is_false(ok)
    assert.is_true(sandbox.is_budget_error(err))
    assert.are.equal("task.lua:2: instruction budget exceeded (100000 a turn)", tostring(err))
    ok, err = run("while true do pcall(function() while true do end end) end",
      { instructions = 100000 })
    assert.is_false(ok)
    assert.is_true(sandbox.is_budget_error(err))
    ok, err = run("local co = coroutine.wrap(function() while true do end end) co()",
      { instructions = 100000 })
    assert.is_false(ok)
    assert.is_true(sandbox.is_budget_error(err))
  end)

  it("stops a memory bomb, built up or in one call", function()
    local ok, err = run("local t = {} for i = 1, 1e8 do t[i] = {} end", { memory_kb = 4096 })
    assert.is_false(ok)
    assert.matches("memory budget exceeded", tostring(err), 1, true)
    ok, err = run("local s = ('x'):rep(1e9)", { memory_kb = 4096 })
    assert.is_false(ok)
    assert.are.equal("task.lua:1: memory budget exceeded (4096 KB a turn)", tostring(err))
    ok, err = run("local s = string.rep('x', 1e9)", { memory_kb = 4096 })
    assert.is_false(ok)
    assert.matches("memory budget exceeded", tostring(err), 1, true)
  end)

  it("lets code yield only inside its own coroutines", function()
    local co = coroutine.create(function() return run("coroutine.yield(1)") end)
    local ok, inner_ok, err = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_false(inner_ok)
    assert.matches("attempt to yield outside a coroutine of the task", err, 1, true)
    assert.is_true((run([[
      local co = coroutine.wrap(function() coroutine.yield(1) return 2 end)
      assert(co() == 1 and co() == 2)]])))
  end)

  it("keeps each coroutine's budget across the yields of another", function()
    -- a service function yields inside its budget while other code runs
    local env = sandbox.env()
    env.pause = coroutine.yield
    local fn = assert(sandbox.compile("pause() local s = ('x'):rep(1e8)", "=svc.lua", env))
    local co = coroutine.create(function()
      return sandbox.call(sandbox.new_budget{ memory_kb = 4096 }, fn)
    end)
    assert.is_true(coroutine.resume(co)) -- yielded in pause()
    assert.are.equal(1e7, #("y"):rep(1e7)) -- the host meanwhile: no budget applies
    local ok, inner_ok, err = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_false(inner_ok)
    assert.are.equal("svc.lua:1: memory budget exceeded (4096 KB a turn)", tostring(err))
  end)

  it("leaves the host as it was", function()
    run("while true do end", { instructions = 10000 })
    assert.is_nil(debug.gethook())
    assert.are.equal(("x"):rep(3), "xxx")
    assert.are.equal(2 ^ 24, #("x"):rep(2 ^ 24)) -- no budget outside sandboxed code
    local ok = run("return getmetatable('') == nil or error('string metatable reachable')")
    assert.is_true(ok)
  end)
end)
