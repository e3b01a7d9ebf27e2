-- luaforce.cli: the command line of the `luaforce` host. The C host calls
-- main(argv) under lua_pcall with a traceback handler; commands live in
-- luaforce.commands.<name> and are loaded on demand, so new commands need
-- no C change: add the module and its name to COMMANDS.
local host = require "luaforce.host"
local chunk = require "luaforce.chunk"

local io, ipairs, pcall, require, string, table =
  io, ipairs, pcall, require, string, table

local _M = {}

-- Known commands, in the order `luaforce help` lists them.
_M.COMMANDS = { "run", "auth", "dialog", "integration", "templates", "help", "version" }

local USAGE = [=[
usage: luaforce [options] [COMMAND [ARGS...]]
       luaforce [options] FILE [ARGS...]

Scripting runtime for Salesforce CRM: runs Lua 5.4 scripts with the
`salesforce` and `cjson` modules, dialog tasks and action templates.

Options:
  -e CODE        run CODE (may be repeated; runs before any command)
  -i             enter the interactive prompt after running the options
  -v, --version  print the version of luaforce and its libraries
  -h, --help     print this help
  --             stop handling options
  -              run the script read from standard input

With no arguments on a terminal, luaforce starts an interactive prompt;
with no arguments and standard input not a terminal, it runs standard
input as a script.

Commands:
%s
Run 'luaforce help COMMAND' for the details of one command.]=]

local function err(fmt, ...)
  io.stderr:write(host.progname, ": ", string.format(fmt, ...), "\n")
end
_M.err = err

-- Loads a command module, or nil and a message.
local function command(name)
  if not name:match("^[%a][%w_-]*$") then
    return nil, "unknown command '" .. name .. "'"
  end
  local ok, mod = pcall(require, "luaforce.commands." .. name:gsub("-", "_"))
  if not ok then
    if tostring(mod):find("module 'luaforce.commands.", 1, true) then
      return nil, "unknown command '" .. name .. "'"
    end
    error(mod, 0)
  end
  return mod
end

local function command_list()
  local lines = {}
  for _, name in ipairs(_M.COMMANDS) do
    local mod = command(name)
    lines[#lines + 1] = string.format("  %-12s %s", name, mod and mod.summary or "")
  end
  return table.concat(lines, "\n")
end

function _M.usage()
  return string.format(USAGE, command_list())
end

function _M.version_string()
  local v = require("salesforce").versions()
  return string.format("luaforce %s (%s, libcurl %s, %s, jansson %s%s)",
    host.version, v.lua, v.libcurl, v.openssl, v.jansson,
    host.malloc and ", " .. host.malloc or "")
end

-- Prints the help of one command; returns an exit status.
function _M.help(name)
  if not name then
    io.stdout:write(_M.usage(), "\n")
    return 0
  end
  local mod, msg = command(name)
  if not mod then
    err("%s (see 'luaforce --help')", msg)
    return 2
  end
  io.stdout:write("usage: ", mod.usage or ("luaforce " .. name), "\n\n",
    mod.summary or "", "\n")
  if mod.help then io.stdout:write("\n", mod.help, "\n") end
  return 0
end

local function is_help(a) return a == "-h" or a == "--help" end

--- Entry point. argv[0] is the program path, argv[1..] the arguments.
-- Returns the process exit status.
function _M.main(argv)
  local i, n = 1, #argv
  local interactive, ran = false, false
  while i <= n do
    local a = argv[i]
    if a == "-e" then
      local code = argv[i + 1]
      if not code then
        err("'-e' needs an argument (see 'luaforce --help')")
        return 2
      end
      local status = chunk.run_string(code, "=(command line)")
      if status ~= 0 then return status end
      ran = true
      i = i + 2
    elseif a == "-i" then
      interactive = true
      i = i + 1
    elseif a == "-v" or a == "--version" then
      io.stdout:write(_M.version_string(), "\n")
      return 0
    elseif is_help(a) then
      return _M.help()
    elseif a == "--" then
      i = i + 1
      break
    elseif a ~= "-" and a:sub(1, 1) == "-" then
      err("unrecognized option '%s' (see 'luaforce --help')", a)
      return 2
    else
      break
    end
  end

  local name = argv[i]
  if name == nil then
    if interactive or (not ran and host.interactive) then
      return require("luaforce.repl").run()
    end
    if ran then return 0 end
    return chunk.run_file(nil, {}, argv[0])   -- standard input
  end

  local rest = table.move(argv, i + 1, n, 1, {})
  if name == "-" then
    return chunk.run_file(nil, rest, argv[0])
  end
  local mod, msg = command(name)
  if not mod then
    if chunk.exists(name) then
      return chunk.run_file(name, rest, argv[0])
    end
    err("%s (see 'luaforce --help')", msg)
    return 2
  end
  if is_help(rest[1]) then return _M.help(name) end
  local status = mod.run(rest, { progname = argv[0], cli = _M }) or 0
  if interactive and status == 0 then
    return require("luaforce.repl").run()
  end
  return status
end

return _M
