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
  local base = os.tmpname()
  os.remove(base) -- os.tmpname creates the file; ours has a suffix
  local path = base .. (suffix or ".lua")
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

--- Starts the emulator (spec/emulator/emulator.py) and waits for its
-- ready line. opts: https (bool), config (path). Returns an object with
-- url, ca (path or nil), pid, and methods stop() and call(method, path,
-- body_table) for the /__emulator control API. Control calls go through
-- python3's urllib, not the product's transport, so a transport bug cannot
-- hide itself from the tests.
function _M.emulator(opts)
  opts = opts or {}
  local args = { "python3", _M.source_dir .. "/spec/emulator/emulator.py" }
  if opts.https then args[#args + 1] = "--https" end
  if opts.config then
    args[#args + 1] = "--config"
    args[#args + 1] = opts.config
  end
  local quoted = {}
  for i, a in ipairs(args) do quoted[i] = _M.quote(a) end
  -- the shell prints the emulator's pid, then execs it
  local p = assert(io.popen("echo $$; exec " .. table.concat(quoted, " ") .. " 2>/dev/null"))
  local pid = assert(tonumber(p:read("l")), "emulator did not start")
  local ready = p:read("l")
  assert(ready and ready:match("^ready "), "emulator did not say ready: " .. tostring(ready))
  local emu = { pid = pid, pipe = p }
  emu.url = ready:match("^ready (%S+)")
  emu.ca = ready:match(" ca=(%S+)")
  function emu.stop()
    if emu.pipe then
      os.execute("kill " .. emu.pid .. " 2>/dev/null")
      emu.pipe:close()
      emu.pipe = nil
    end
  end
  --- A control call that must succeed; returns the decoded answer.
  function emu.control(method, path, body)
    local res, status = emu.call(method, path, body)
    assert(status and status < 300, "control " .. method .. " " .. path .. ": "
      .. tostring(status))
    return res
  end
  --- A client of the emulator's test app by the password flow; `extra`
  -- adds connect options (max_retries, ...).
  function emu.client(extra)
    local salesforce = require "salesforce"
    local o = { flow = "password", client_id = "luaforce-test-client",
      client_secret = "luaforce-test-secret", login_url = emu.url,
      username = "dev@example.com", password = "password1TOKEN", ca_file = emu.ca,
      allow_loopback = true }
    for k, v in pairs(extra or {}) do o[k] = v end
    return assert(salesforce.connect(o))
  end
  --- A control call; returns the decoded JSON answer and the status.
  function emu.call(method, path, body)
    local cjson = require "cjson"
    local script = [[
import json, ssl, sys, urllib.request
url, method, body, ca = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca) if ca else None
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, context=ctx) as r:
        print(r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
]]
    local out, err, status = _M.run({ "python3", "-c", script, emu.url .. "/__emulator" .. path,
      method, body and cjson.encode(body) or "", emu.ca or "" })
    assert(status == 0, err)
    local code, json = out:match("^(%d+)\n(.*)$")
    return cjson.decode(json), tonumber(code)
  end
  return emu
end

--- Plays the browser for the web-server flow: GETs `url` (trusting `ca`)
-- without following redirects. Returns the Location it was sent to, or
-- nil and the status and body. With `follow` true, also GETs that
-- location (the luaforce redirect listener) and returns its body second.
function _M.browse(url, ca, follow)
  local script = [[
import ssl, sys, urllib.request, urllib.error
url, ca, follow = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
ctx = ssl.create_default_context(cafile=ca) if ca else None
op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
try:
    r = op.open(url)
    print("status", r.status); print(r.read().decode())
except urllib.error.HTTPError as e:
    if e.code not in (301, 302, 303, 307):
        print("status", e.code); print(e.read().decode()); sys.exit(0)
    loc = e.headers["Location"]
    print("location", loc)
    if follow:
        print(urllib.request.urlopen(loc, timeout=10).read().decode())
]]
  local out, err, status = _M.run({ "python3", "-c", script, url, ca or "", follow and "1" or "0" })
  assert(status == 0, err)
  local kind, first, rest = out:match("^(%a+) ([^\n]*)\n?(.*)$")
  if kind == "location" then return first, rest end
  return nil, tonumber(first), rest
end

--- A TCP port that is free on 127.0.0.1 and [::1] right now (the kernel
-- picks it), for a listener that needs a fixed port.
function _M.random_port()
  local out, err, status = _M.run({ "python3", "-c", [[
import socket
while True:
    s4 = socket.socket(socket.AF_INET)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", port))
        s6.close()
    except OSError as e:
        if e.errno == 98:   # in use on ::1: try another
            s4.close()
            continue
    s4.close()
    print(port)
    break
]] })
  assert(status == 0, err)
  return assert(tonumber(out))
end

return _M
