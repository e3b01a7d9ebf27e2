-- spec/helper.lua: what the specs share: where the build put things, and
-- running a command to collect its stdout, stderr and exit status.
local _M = {}

local cwd = os.getenv("PWD") or "."
_M.source_dir = os.getenv("LUAFORCE_SOURCE_DIR") or cwd
_M.bin = os.getenv("LUAFORCE_BIN") or (_M.source_dir .. "/build/luaforce")
_M.module_dir = os.getenv("LUAFORCE_MODULE_DIR") or (_M.source_dir .. "/build")
_M.lua = os.getenv("LUA") or "lua5.4"

--- Quotes `s` for /bin/sh.
function _M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

--- Runs argv (a list; argv[1] is the program) with optional `stdin` text
-- and `env` (a table of NAME = value). Returns stdout, stderr, status.
function _M.run(argv, opts)
  opts = opts or {}
  local out, err, input = os.tmpname(), os.tmpname(), os.tmpname()
  local f = assert(io.open(input, "wb"))
  f:write(opts.stdin or "")
  f:close()
  local parts = {}
  for name, value in pairs(opts.env or {}) do
    parts[#parts + 1] = name .. "=" .. _M.quote(value)
  end
  for _, a in ipairs(argv) do parts[#parts + 1] = _M.quote(a) end
  local cmd = table.concat(parts, " ") .. " <" .. input .. " >" .. out .. " 2>" .. err
  if opts.cwd then cmd = "cd " .. _M.quote(opts.cwd) .. " && " .. cmd end
  local ok, how, code = os.execute(cmd)
  local status = (how == "exit") and code or 128 + (code or 0)
  if ok == true then status = 0 end
  local o, e = slurp(out), slurp(err)
  os.remove(out)
  os.remove(err)
  os.remove(input)
  return o, e, status
end

--- Runs the luaforce host with the given arguments.
function _M.luaforce(args, opts)
  local argv = { _M.bin }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return _M.run(argv, opts)
end

--- Writes `text` to a new temporary file; returns its path.
function _M.tempfile(text, suffix)
  local path = os.tmpname() .. (suffix or ".lua")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

return _M
