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

--- Lua source of `gate_wait(gate, ready)`, for the children of
-- run_together: says it is ready, then waits for the common start.
_M.GATE_WAIT = [[
local function gate_wait(gate, ready)
  local g = assert(io.open(gate, "r"))
  local r = assert(io.open(ready, "w"))
  r:write("x")
  r:close()
  g:read("a")
  g:close()
end
]]

--- Runs `n` processes that start their work at the same moment, and
-- waits for them. argv_of(i) is the argv of process i; the paths of two
-- FIFOs in `dir`, gate and ready, are added to it, and the child calls
-- gate_wait (GATE_WAIT) with them once set up. Returns the list of their
-- outputs (stdout and stderr) and whether every one reached the start.
function _M.run_together(n, dir, argv_of)
  -- The start line: every child opens `gate` for reading, says so with
  -- one byte on `ready`, then reads `gate` to EOF. We open both FIFOs
  -- read-write (which never blocks on Linux) only after spawning the
  -- children, so that no child inherits a writer of `gate`. Once n bytes
  -- have arrived we close our end: every child sees EOF at the same
  -- moment. No polling, no sleeping. A child that dies early still sends
  -- its byte (from the shell), so a crash cannot hang the test.
  local gate, ready = dir .. "/gate", dir .. "/ready"
  assert(os.execute("mkfifo " .. _M.quote(gate) .. " " .. _M.quote(ready)))
  local jobs = {}
  for i = 1, n do
    local argv = argv_of(i)
    argv[#argv + 1], argv[#argv + 2] = gate, ready
    local quoted = {}
    for j, a in ipairs(argv) do quoted[j] = _M.quote(a) end
    jobs[i] = string.format("( %s >%s 2>&1; printf y >%s ) &", table.concat(quoted, " "),
      _M.quote(dir .. "/out." .. i), _M.quote(ready))
  end
  local sh = assert(io.popen("sh -c " .. _M.quote(table.concat(jobs, "\n") .. "\nwait")))
  local gate_w = assert(io.open(gate, "r+"))
  local ready_r = assert(io.open(ready, "r+"))
  local arrived = pcall(function()
    for _ = 1, n do assert(ready_r:read(1)) end
  end)
  gate_w:close()
  sh:read("a")
  sh:close()
  ready_r:close()
  os.remove(gate)
  os.remove(ready)
  local outs = {}
  for i = 1, n do
    outs[i] = slurp(dir .. "/out." .. i)
    os.remove(dir .. "/out." .. i)
  end
  return outs, arrived
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

--- fn(...) raises an error whose message contains `text` (plain); returns
-- the message.
function _M.raises(text, fn, ...)
  local ok, msg = pcall(fn, ...)
  assert(not ok, "expected an error containing: " .. tostring(text))
  if text then
    assert(tostring(msg):find(text, 1, true),
      "expected an error containing '" .. text .. "', got: " .. tostring(msg))
  end
  return msg
end

--- The decoded query parameters of an emulator log entry (name -> value).
function _M.query_params(entry)
  local core = require "salesforce.core"
  local out = {}
  for pair in (entry.query or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    out[core.url_unescape(k, true)] = core.url_unescape(v, true)
  end
  return out
end

-- The control co-process of emulator objects: JSON lines of {method,
-- path, body} in, {status, body} out.
local CONTROL = [[
import http.client, json, ssl, sys, urllib.parse
base, ca, requests, answers = sys.argv[1:5]
url = urllib.parse.urlparse(base)
ctx = ssl.create_default_context(cafile=ca) if ca else None
with open(requests) as rq, open(answers, "w") as rs:
    for line in rq:
        m = json.loads(line)
        if ctx:
            conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx, timeout=120)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        body = m.get("body")
        conn.request(m["method"], "/__emulator" + m["path"],
                     body=body.encode() if body else None,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        rs.write(json.dumps({"status": r.status, "body": r.read().decode()}) + "\n")
        rs.flush()
        conn.close()
]]

--- A new temporary bot folder from { ["name.lua"] = source }: each file
-- starts with `local dialog = require "luaforce.dialog"`. Returns its
-- path; remove it with helper.remove_tree.
function _M.bot_dir(files)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir " .. _M.quote(dir)))
  for name, src in pairs(files) do
    local f = assert(io.open(dir .. "/" .. name, "w"))
    f:write('local dialog = require "luaforce.dialog"\n', src)
    f:close()
  end
  return dir
end

--- Removes a folder and what is in it.
function _M.remove_tree(dir)
  os.execute("rm -rf " .. _M.quote(dir))
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
  -- Control calls that must succeed go through a python3 co-process fed
  -- over two FIFOs (one interpreter for the whole file instead of one per
  -- call, which would take most of a suite's time); like emu.call they
  -- never use the product's transport.
  local channel -- { dir, send (file), recv (file) }, opened on first use
  local function open_channel()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -m 700 " .. _M.quote(dir) .. " && mkfifo "
      .. _M.quote(dir .. "/rq") .. " " .. _M.quote(dir .. "/rs")))
    local argv = { "python3", "-c", CONTROL, emu.url, emu.ca or "", dir .. "/rq", dir .. "/rs" }
    for i, a in ipairs(argv) do argv[i] = _M.quote(a) end
    assert(os.execute(table.concat(argv, " ") .. " </dev/null >/dev/null 2>&1 &"))
    -- opening a FIFO waits for the other end: python opens rq, then rs
    local send = assert(io.open(dir .. "/rq", "w"))
    local recv = assert(io.open(dir .. "/rs", "r"))
    channel = { dir = dir, send = send, recv = recv }
  end
  local function close_channel()
    if not channel then return end
    channel.send:close() -- python sees the end of its input and exits
    channel.recv:close()
    _M.run({ "rm", "-rf", channel.dir })
    channel = nil
  end
  --- A control call that must succeed; returns the decoded answer.
  function emu.control(method, path, body)
    local cjson = require "cjson"
    if not channel then open_channel() end
    channel.send:write(cjson.encode({ method = method, path = path,
      body = body and cjson.encode(body) or nil }), "\n")
    channel.send:flush()
    local line = assert(channel.recv:read("l"), "the control co-process died")
    local answer = cjson.decode(line)
    local res, status = cjson.decode(answer.body), answer.status
    assert(status and status < 300, "control " .. method .. " " .. path .. ": "
      .. tostring(status) .. " " .. cjson.encode(res))
    return res
  end
  local stop = emu.stop
  function emu.stop()
    close_channel()
    stop()
  end
  --- The request log, optionally only the paths starting with `prefix`.
  function emu.sent(prefix)
    local path = "/log"
    if prefix then path = path .. "?path=" .. require("salesforce.core").url_escape(prefix) end
    return emu.control("GET", path).requests
  end
  return emu
end

--- A new workspace authorized against `emu` as `tools/dev demo` does
-- (the system app set, then the client credentials flow). Returns the
-- environment (LUAFORCE_HOME and the emulator's CA and loopback settings)
-- to run luaforce with, and the workspace's folder.
function _M.authorized_workspace(emu)
  local ws = os.tmpname()
  os.remove(ws)
  local env = { LUAFORCE_HOME = ws, LUAFORCE_CA_FILE = emu.ca, LUAFORCE_ALLOW_LOOPBACK = "1" }
  local _, err, status = _M.luaforce({ "auth", "system", "set", "--client-id",
    "luaforce-test-client", "--client-secret", "-", "--login-url", emu.url },
    { env = env, stdin = "luaforce-test-secret\n" })
  assert(status == 0, err)
  _, err, status = _M.luaforce({ "auth", "login", "--client-credentials" }, { env = env })
  assert(status == 0, err)
  return env, ws
end

--- Resets the emulator `emu` (a fresh org: no records, tokens or log)
-- and authorizes the workspace of `env` (helper.authorized_workspace's)
-- again with the client credentials flow.
function _M.fresh_org(emu, env)
  emu.control("POST", "/reset")
  local _, err, status = _M.luaforce({ "auth", "login", "--client-credentials" }, { env = env })
  assert(status == 0, err)
  emu.control("DELETE", "/log")
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

--- How many times plain `text` is in `s`.
function _M.count(s, text)
  local n, at = 0, 1
  while true do
    local _, e = s:find(text, at, true)
    if not e then return n end
    n, at = n + 1, e + 1
  end
end

--- A real terminal for a spec: a tmux pane on a tmux server of its own
-- (its own socket, never the user's). term.start(argv, env) runs argv in a
-- fresh 100x30 pane that stays after it ends, showing "[exit N]";
-- term.keys(...) types (tmux key names: "Enter", "C-d", text);
-- term.screen() is what the pane shows (capture-pane drops the blanks
-- that end a line); term.wait_for(text [, n]) polls until plain `text` is
-- on it `n` times (default 1) and returns the screen, failing after 10 s;
-- term.stop() ends the pane, term.close() the server.
function _M.terminal()
  local socket = "luaforce-spec-" .. os.time() .. "-" .. math.random(1e9)
  local term = {}
  local function tmux(...)
    local out, err, status = _M.run({ "tmux", "-L", socket, ... })
    assert(status == 0, "tmux " .. table.concat({ ... }, " ") .. ": " .. err)
    return out
  end
  function term.stop() _M.run({ "tmux", "-L", socket, "kill-session", "-t", "t" }) end
  function term.start(argv, env)
    term.stop()
    local parts = { "env" }
    for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. _M.quote(v) end
    for _, a in ipairs(argv) do parts[#parts + 1] = _M.quote(a) end
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", table.concat(parts, " ")
      .. "; echo '[exit '$?']'; sleep 30")
  end
  function term.keys(...) tmux("send-keys", "-t", "t", ...) end
  function term.screen() return tmux("capture-pane", "-p", "-J", "-t", "t") end
  function term.wait_for(text, n)
    local deadline = os.time() + 10
    while os.time() <= deadline do
      local s = term.screen()
      if _M.count(s, text) >= (n or 1) then return s end
      _M.run({ "sleep", "0.05" }) -- a poll interval, not a wait for an event
    end
    error("not on the screen after 10 s: " .. text .. "\n---\n" .. term.screen())
  end
  function term.close() _M.run({ "tmux", "-L", socket, "kill-server" }) end
  return term
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
