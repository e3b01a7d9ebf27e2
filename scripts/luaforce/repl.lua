-- luaforce.repl: the interactive prompt (as lua.c's): reads a line, tries
-- it as an expression first, keeps reading while the statement is
-- incomplete, prints results and errors, ends at end of input. On a
-- terminal, lines are edited with the host's libedit (luaforce.terminal).
local host = require "luaforce.host"

local debug, io, load, print, select, string, table, tostring, xpcall =
  debug, io, load, print, select, string, table, tostring, xpcall

local _M = {}

local function incomplete(msg)
  return msg and msg:sub(-5) == "<eof>"
end

-- Compiles `src`: as `return src` first, then as a statement.
local function compile(src)
  local fn = load("return " .. src, "=stdin", "t")
  if fn then return fn end
  return load(src, "=stdin", "t")
end

local function show(ok, ...)
  if not ok then
    io.stderr:write(tostring((...)), "\n")
    return
  end
  if select("#", ...) > 0 then
    local out = {}
    for i = 1, select("#", ...) do out[i] = tostring((select(i, ...))) end
    print(table.concat(out, "\t"))
  end
end

function _M.run()
  io.stdout:write(require("luaforce.cli").version_string(), "\n")
  local terminal = require "luaforce.terminal"
  local read = terminal.reader()
  while true do
    local line, why = read("> ")
    if not line then
      io.stdout:write("\n")
      return why == "interrupted" and terminal.INTERRUPTED or 0
    end
    local src = line:gsub("^%s*=", "return ") .. "\n"
    local fn, msg = compile(src)
    while not fn and incomplete(msg) do
      local more, mwhy = read(">> ")
      if not more then return mwhy == "interrupted" and terminal.INTERRUPTED or 0 end
      src = src .. more .. "\n"
      fn, msg = compile(src)
    end
    if fn then
      show(xpcall(fn, debug.traceback))
    else
      io.stderr:write(host.progname, ": ", string.format("%s", msg), "\n")
    end
  end
end

return _M
