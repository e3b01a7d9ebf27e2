-- luaforce.chunk: loading and running user code (files, standard input,
-- -e strings) the way lua.c does: the global `arg`, the arguments as `...`,
-- load errors as one clear line, runtime errors raised to the host (which
-- prints them with a traceback).
local host = require "luaforce.host"

local debug, error, getmetatable, io, load, loadfile, setmetatable,
  table, tostring, type, xpcall =
  debug, error, getmetatable, io, load, loadfile, setmetatable,
  table, tostring, type, xpcall

local _M = {}

-- An error already formatted with its traceback; the host prints it as is.
local Reported = {
  __tostring = function(self) return self[1] end,
}

local function traceback(msg)
  if msg == "interrupted" then return msg end -- Ctrl-C (the host's): no traceback
  local mt = getmetatable(msg)
  if type(msg) ~= "string" and not (mt and mt.__tostring) then
    msg = "(error object is a " .. type(msg) .. " value)"
  end
  local tb = debug.traceback(tostring(msg), 2)
  -- drop the frames of luaforce itself, below the user's code
  local cut = tb:find("\n%s*%[C%]: in function 'xpcall'")
  if cut then tb = tb:sub(1, cut - 1) end
  return tb
end

-- Calls fn(...) and re-raises an error with the traceback of the user's
-- code only.
local function call(fn, ...)
  local ok, err = xpcall(fn, traceback, ...)
  if not ok then error(setmetatable({ err }, Reported), 0) end
end

local function report(msg)
  io.stderr:write(host.progname, ": ", msg, "\n")
  return 1
end

--- True when `path` names a readable file.
function _M.exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

--- Runs Lua source `code` named `chunkname`; returns an exit status.
function _M.run_string(code, chunkname)
  local fn, msg = load(code, chunkname, "t")
  if not fn then return report(msg) end
  call(fn)
  return 0
end

--- Runs the file at `path` (nil: standard input) with `args` as `...` and
-- the global `arg` (arg[0] = path, arg[-1] = the program). Returns an exit
-- status: 1 when the file cannot be loaded; runtime errors are raised.
function _M.run_file(path, args, progname)
  local fn, msg = loadfile(path)
  if not fn then
    return report(msg)
  end
  local a = table.move(args, 1, #args, 1, {})
  a[0] = path or "-"
  a[-1] = progname
  _G.arg = a
  call(fn, table.unpack(args, 1, #args))
  return 0
end

return _M
