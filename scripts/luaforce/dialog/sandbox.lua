-- luaforce.dialog.sandbox: where everything a bot developer writes runs
-- (task files, bot.lua, message scripts, script nodes, pre/post scripts).
-- No os, io, debug or package; load of text only; require of an
-- allow-list; and per turn an instruction budget (a count hook) and a
-- memory-growth budget (checked in the same hook and by string.rep).
local cjson = require "cjson"

local collectgarbage, coroutine, debug, error, getmetatable, ipairs, load, math, next,
  pairs, pcall, rawequal, rawget, rawlen, rawset, select, setmetatable, string, table,
  tonumber, tostring, type, utf8, xpcall =
  collectgarbage, coroutine, debug, error, getmetatable, ipairs, load, math, next,
  pairs, pcall, rawequal, rawget, rawlen, rawset, select, setmetatable, string, table,
  tonumber, tostring, type, utf8, xpcall

local _M = {}

--- Per-turn budgets: VM instructions, and growth of the Lua heap in KB
-- (garbage is collected before the growth counts as exceeded).
_M.DEFAULTS = { instructions = 10000000, memory_kb = 32768 }

local HOOK_EVERY = 1000

-- The budget of the sandboxed call running in each coroutine (a service
-- function yields in its Salesforce calls while other sessions' code
-- runs in other coroutines): coroutine -> budget.
local actives = setmetatable({}, { __mode = "k" })
local running = coroutine.running

-- The error raised when a budget is exceeded: a table, so that the
-- engine tells it from the developer's errors.
local Exceeded = {}
Exceeded.__index = Exceeded
Exceeded.__tostring = function(self) return self.message end

local HERE = debug.getinfo(1, "S").source

-- "file:line: " of the developer's code that runs now: the first Lua
-- frame up the stack that is not this file's.
local function where()
  for level = 3, 12 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.source ~= HERE and info.currentline and info.currentline > 0 then
      return info.short_src .. ":" .. info.currentline .. ": "
    end
  end
  return ""
end

-- Raises the budget error, naming where the code was.
local function exceeded(b, what)
  if not b.failed then
    b.failed = setmetatable({ kind = what, message = where() .. (what == "instructions"
      and ("instruction budget exceeded (" .. b.instructions .. " a turn)")
      or ("memory budget exceeded (" .. b.memory_kb .. " KB a turn)")) }, Exceeded)
  end
  error(b.failed, 0)
end

local function check_memory(b, extra_kb)
  if collectgarbage("count") + (extra_kb or 0) - b.base_kb > b.memory_kb then
    collectgarbage("collect")
    if collectgarbage("count") + (extra_kb or 0) - b.base_kb > b.memory_kb then
      exceeded(b, "memory")
    end
  end
end

local function hook()
  local b = actives[running()]
  if not b then return end
  if b.failed then error(b.failed, 0) end
  b.used = b.used + HOOK_EVERY
  if b.used > b.instructions then exceeded(b, "instructions") end
  check_memory(b)
end

--- True when `e` is a budget error.
function _M.is_budget_error(e)
  return getmetatable(e) == Exceeded
end

-- ---- the environment -------------------------------------------------------

local safe_string = {}
for k, v in pairs(string) do
  if k ~= "dump" then safe_string[k] = v end
end
-- one call could allocate past any hook: the result counts first
function safe_string.rep(s, n, sep)
  local b = actives[running()]
  if b then
    local len = (#tostring(s) + (sep and #tostring(sep) or 0)) * (tonumber(n) or 0)
    check_memory(b, len / 1024)
  end
  return string.rep(s, n, sep)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Coroutines made by sandboxed code run under the same hook; they may
-- yield, the code itself may not (it would yield the host's task).
local made = setmetatable({}, { __mode = "k" })
local safe_coroutine = copy(coroutine)
function safe_coroutine.create(fn)
  local co = coroutine.create(fn)
  debug.sethook(co, hook, "", HOOK_EVERY)
  made[co] = true
  actives[co] = actives[running()] -- the budget of the code that made it
  return co
end
function safe_coroutine.yield(...)
  if not made[coroutine.running()] then
    error("attempt to yield outside a coroutine of the task", 2)
  end
  return coroutine.yield(...)
end
function safe_coroutine.wrap(fn)
  local co = safe_coroutine.create(fn)
  return function(...)
    local res = table.pack(coroutine.resume(co, ...))
    if not res[1] then error(res[2], 0) end
    return table.unpack(res, 2, res.n)
  end
end

-- pcall cannot swallow an exceeded budget.
local function rethrow(ok, ...)
  local b = actives[running()]
  if b and b.failed then error(b.failed, 0) end
  return ok, ...
end
local function safe_pcall(...) return rethrow(pcall(...)) end
local function safe_xpcall(...) return rethrow(xpcall(...)) end

-- Strings' methods ("x"):rep(n) are the guarded ones for the whole
-- process: the guard only counts in a coroutine that runs sandboxed code,
-- so the host's own calls are unchanged (and a yield in a service
-- function cannot leave the guard unset for the code that resumes).
local string_mt = getmetatable("")
string_mt.__index = safe_string

-- env -> the printer of the message script that runs in it
local printers = setmetatable({}, { __mode = "k" })

local function safe_getmetatable(v)
  if type(v) == "string" then return nil end
  return getmetatable(v)
end

local json = {
  encode = function(v) return cjson.encode(v) end,
  decode = function(s) return cjson.decode(s) end,
  null = cjson.null,
}

--- The modules `require` gives in the sandbox, by name: each a function
-- returning the module (copied, so a task cannot change it for others).
_M.ALLOWED = {
  json = function() return copy(json) end,
  string = function() return safe_string end,
  table = function() return table end,
  math = function() return math end,
  utf8 = function() return utf8 end,
  ["salesforce.soql"] = function() return copy(require "salesforce.soql") end,
  ["salesforce.sosl"] = function() return copy(require "salesforce.sosl") end,
  ["luaforce.dialog"] = function() return copy(require "luaforce.dialog.api") end,
  ["luaforce.dialog.salesforce"] = function()
    return copy(require "luaforce.dialog.salesforce")
  end,
}

local function readonly(t)
  return setmetatable({}, { __index = t, __newindex = function()
    error("attempt to change a library table", 2)
  end, __metatable = false })
end

--- A new global environment for one file of a bot. `print` writes through
-- env's current printer (see with_print).
function _M.env()
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
    select = select, setmetatable = setmetatable, getmetatable = safe_getmetatable,
    tonumber = tonumber, tostring = tostring, type = type,
    pcall = safe_pcall, xpcall = safe_xpcall,
    string = readonly(safe_string), table = readonly(table), math = readonly(math),
    utf8 = readonly(utf8), coroutine = readonly(safe_coroutine),
    _VERSION = _VERSION,
  }
  env._G = env
  env.require = function(name)
    local make = type(name) == "string" and _M.ALLOWED[name]
    if not make then
      error("module '" .. tostring(name) .. "' is not available in a dialog task", 2)
    end
    return make()
  end
  env.load = function(chunk, name, mode, e)
    if mode ~= nil and mode ~= "t" then
      error("load: only text chunks can be loaded in a dialog task", 2)
    end
    return load(chunk, name, "t", e or env)
  end
  env.print = function(...) -- replaced while a message script runs
    local p = printers[env]
    if p then p(...) end
  end
  return env
end

--- Compiles Lua text in `env` (text only, never bytecode). Returns the
-- function, or nil and the message.
function _M.compile(text, chunkname, env)
  return load(text, chunkname, "t", env)
end

--- Runs fn(...) under the budgets `b` (a table from new_budget, shared by
-- the calls of one turn). Returns true and fn's results, or false and the
-- error (a budget error, or the developer's error with its traceback).
function _M.call(b, fn, ...)
  local co = running()
  local outer, prev_hook, prev_mask, prev_count = actives[co], debug.gethook()
  actives[co] = b
  debug.sethook(hook, "", HOOK_EVERY)
  local res = table.pack(xpcall(fn, function(e)
    if getmetatable(e) == Exceeded then return e end
    -- the developer's frames only: the traceback stops where ours start
    local tb = debug.traceback(tostring(e), 2)
    local cut = tb:find("\n%s*%[C%]: in function 'xpcall'")
    return cut and tb:sub(1, cut - 1) or tb
  end, ...))
  debug.sethook(prev_hook, prev_mask, prev_count)
  actives[co] = outer
  if not res[1] and b.failed then res[2] = b.failed end
  return table.unpack(res, 1, res.n)
end

--- A budget for one turn: { instructions, memory_kb } override DEFAULTS.
function _M.new_budget(limits)
  limits = limits or _M.DEFAULTS
  return { instructions = limits.instructions or _M.DEFAULTS.instructions,
    memory_kb = limits.memory_kb or _M.DEFAULTS.memory_kb, used = 0,
    base_kb = collectgarbage("count") }
end

--- Sets the printer of `env` for the duration of fn (print(...) output of
-- a message script); returns what _M.call returns.
function _M.with_print(env, printer, b, fn, ...)
  local prev = printers[env]
  printers[env] = printer
  local res = table.pack(_M.call(b, fn, ...))
  printers[env] = prev
  return table.unpack(res, 1, res.n)
end

return _M
