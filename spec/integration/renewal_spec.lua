-- Token renewal across processes: 20 `luaforce` processes share one
-- workspace and meet an expired session at the same moment. Renewal of
-- every kind (client credentials, JWT bearer, refresh token) is single
-- flight under the store lock; a refresh token that was refused, or whose
-- answer was lost after it was sent, is recorded so that no process sends
-- it again, and every process reports the cause and the command that
-- fixes it. Grant counts come from the emulator's request log.
local helper = require "spec.helper"
local cjson = require "cjson"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local workspace = require "salesforce.workspace"

local N = 20
local CLIENT_ID, SECRET = "luaforce-test-client", "luaforce-test-secret"
local API = "/services/data/v62.0"
local JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

-- Each child connects to the shared workspace, waits for the common
-- start, then makes one call; it prints "ok" or the error.
local CHILD = helper.GATE_WAIT .. [[
local dir, gate, ready = ...
local salesforce = require "salesforce"
local sf, err = salesforce.connect({ profile = "system", workspace = dir, version = "62.0" })
gate_wait(gate, ready)
if not sf then
  print("setup failed: " .. tostring(err))
  os.exit(1)
end
local limits
limits, err = sf:limits()
print(limits and "ok" or tostring(err))
]]

describe("renewal across 20 processes", function()
  local emu, dir, child

  local function lf(args, stdin)
    local all = { "auth", "--workspace", dir }
    for _, a in ipairs(args) do all[#all + 1] = a end
    local out, err, status = helper.luaforce(all, { stdin = stdin })
    assert(status == 0, out .. err)
    return out
  end

  -- The requests that reached the emulator since the last reset: the
  -- token grants, and the statuses of the calls to `path` (counted).
  local function sent(path)
    local grants, statuses = {}, {}
    for _, e in ipairs(emu.call("GET", "/log").requests) do
      if e.path == "/services/oauth2/token" then grants[#grants + 1] = e end
      if e.path:sub(1, #path) == path then statuses[e.status] = (statuses[e.status] or 0) + 1 end
    end
    return grants, statuses
  end

  -- What the store holds for the workspace's authorization, decoded.
  local function stored()
    local ws = assert(workspace.open({ dir = dir }))
    local raw = assert(ws.store:get("system", "_workspace"))
    ws:close()
    return cjson.decode(raw)
  end

  -- Runs the 20 children; returns their outputs.
  local function run_children()
    local outs, arrived = helper.run_together(N, dir, function()
      return { helper.bin, "run", child, dir }
    end)
    assert.is_true(arrived)
    return outs
  end

  setup(function()
    emu = helper.emulator({ https = true })
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -m 700 " .. helper.quote(dir)))
    child = helper.tempfile(CHILD)
    lf({ "settings", "--ca-file", emu.ca, "--allow-loopback" })
    lf({ "system", "set", "--client-id", CLIENT_ID, "--client-secret", "-",
      "--login-url", emu.url }, SECRET .. "\n")
  end)

  teardown(function()
    emu.stop()
    os.remove(child)
    helper.run({ "rm", "-rf", dir })
  end)

  -- (each test authorizes the workspace again, replacing what was stored)
  before_each(function() emu.call("POST", "/reset") end)

  -- Expires every session, runs the children; each must succeed, after
  -- exactly one grant of `grant_type` that all of them use.
  local function renews_once(grant_type)
    emu.call("POST", "/sessions/expire")
    local outs = run_children()
    for i = 1, N do assert.are.equal("ok\n", outs[i], "process " .. i) end
    -- the login's grant, then exactly one renewal
    local grants, statuses = sent(API .. "/limits")
    assert.are.equal(2, #grants)
    assert.are.equal(grant_type, grants[1].form.grant_type)
    assert.are.equal(grant_type, grants[2].form.grant_type)
    -- every process met the 401 once, then used the one new token
    assert.are.same({ [401] = N, [200] = N }, statuses)
    local active = {}
    for _, t in ipairs(emu.call("GET", "/sessions").access_tokens) do
      if t.active then active[#active + 1] = t.access_token end
    end
    assert.are.equal(1, #active)
    assert.are.equal(active[1], stored().access_token)
  end

  it("makes exactly one client-credentials grant", function()
    lf({ "login", "--client-credentials" })
    renews_once("client_credentials")
  end)

  it("makes exactly one JWT bearer grant", function()
    local key = emu.call("GET", "/jwt-key").private_key_path
    lf({ "login", "--jwt", key, "--user", "dev@example.com" })
    renews_once(JWT_GRANT)
  end)

  -- The refresh grants among `grants`.
  local function refreshes(grants)
    local out = {}
    for _, g in ipairs(grants) do
      if g.form.grant_type == "refresh_token" then out[#out + 1] = g end
    end
    return out
  end

  -- Authorizes the workspace with the web-server flow (a refresh token).
  local function web_login()
    local ws = assert(workspace.open({ dir = dir }))
    local url = assert(ws:begin("system"))
    local location = assert(helper.browse(url, emu.ca))
    assert(ws:complete(location))
    ws:close()
    local rt = stored().refresh_token
    assert.is_string(rt)
    return rt
  end

  it("sends a refresh token whose answer was lost once, and says so 20 times", function()
    emu.call("POST", "/app", { refresh_token_rotation = true })
    local rt = web_login()
    emu.call("POST", "/sessions/expire")
    emu.call("POST", "/faults", { kind = "drop", when = "after",
      path = "/services/oauth2/token" })
    local outs = run_children()
    local rts = refreshes(sent(API))
    assert.are.equal(1, #rts)
    assert.are.equal(rt, rts[1].form.refresh_token)
    assert.are.equal("drop", rts[1].fault)
    for i = 1, N do
      assert.matches("^outcome_unknown error: the answer to the refresh of profile 'system' "
        .. "was lost after it was sent %(.+%); the server may have rotated its refresh "
        .. "token, which is therefore not sent again: authorize again %(to authorize again, "
        .. "run: luaforce auth login%)\n$", outs[i], "process " .. i)
    end
    -- the server applied it: the chain lives on (nobody reused the old token)
    local states = {}
    for _, t in ipairs(emu.call("GET", "/sessions").refresh_tokens) do
      states[t.state] = (states[t.state] or 0) + 1
    end
    assert.are.same({ rotated = 1, active = 1 }, states)
    local s = stored()
    assert.are.equal(rt, s.refresh_token)
    assert.are.equal(8, s.renewal_failure.code) -- SF_E_OUTCOME_UNKNOWN
  end)

  it("reports the endpoint's refusal of a refresh token in every process", function()
    web_login()
    emu.call("POST", "/sessions/expire", { refresh_tokens = true })
    local outs = run_children()
    assert.are.equal(1, #refreshes(sent(API)))
    for i = 1, N do
      assert.are.equal("oauth error (HTTP 400): the token endpoint refused the refresh "
        .. "token of profile 'system' (invalid_grant: expired access/refresh token), so it "
        .. "is not sent again: authorize again (to authorize again, run: luaforce auth "
        .. "login)\n", outs[i], "process " .. i)
    end
    assert.are.equal("invalid_grant", stored().renewal_failure.remote_code)
    -- and `auth status` says so
    assert.matches("\n  cannot be renewed: the token endpoint refused the refresh token of "
      .. "profile 'system' %(invalid_grant: ", lf({ "status" }))
  end)

  it("keeps the rotated refresh token when the new tokens fail a check", function()
    emu.call("POST", "/app", { refresh_token_rotation = true })
    local rt = web_login()
    emu.call("POST", "/sessions/expire")
    -- a session whose policy refuses the loopback instance URL it gets back
    local core = require "salesforce.core"
    local ws = assert(workspace.open({ dir = dir }))
    local app = assert(ws:app("system"))
    local s = assert(core.session_new(assert(ws:runtime()), ws.store, app,
      { allow_loopback = false }, "system", "_workspace"))
    local old = assert(s:load()).access_token
    local ok, err = s:refresh(old)
    assert.is_nil(ok)
    assert.are.equal("untrusted_host", err.kind)
    assert.matches("the tokens a refresh of profile 'system' gave were refused %(instance_url",
      err.message)
    -- one refresh, then the refused access token revoked; nothing re-sent
    assert.is_nil(s:refresh(old))
    s:close()
    ws:close()
    local grants = sent(API)
    local rts = refreshes(grants)
    assert.are.equal(1, #rts)
    local revoked = emu.call("GET", "/log?path=/services/oauth2/revoke").requests
    assert.are.equal(1, #revoked)
    -- the chain is not lost: the store holds its live refresh token
    local active, revoked_access = {}, 0
    local sessions = emu.call("GET", "/sessions")
    for _, t in ipairs(sessions.refresh_tokens) do
      if t.state == "active" then active[#active + 1] = t.refresh_token end
    end
    for _, t in ipairs(sessions.access_tokens) do
      if t.revoked then revoked_access = revoked_access + 1 end
    end
    assert.are.equal(1, #active)
    assert.are_not.equal(rt, active[1])
    assert.are.equal(active[1], stored().refresh_token)
    assert.are.equal(1, revoked_access)
  end)

  it("renews within a call's deadline: no lock wait and no replay past it", function()
    emu.call("POST", "/app", { refresh_token_rotation = true })
    web_login()
    local salesforce = require "salesforce"
    local now = require("salesforce.core").monotonic_ms
    local sf = assert(salesforce.connect({ profile = "system", workspace = dir,
      version = "62.0" }))
    local q = "SELECT Id FROM Lead"
    -- another process renews (holds the store lock): the wait ends with the
    -- deadline, not after the lock's 30 s
    emu.call("POST", "/sessions/expire")
    local other = assert(workspace.open({ dir = dir }))
    assert(other.store:lock("system", "_workspace", 0))
    local t0 = now()
    local res, err = sf:query(q, nil, { deadline_ms = 800 })
    local took = now() - t0
    assert(other.store:unlock("system", "_workspace"))
    other:close()
    assert.is_nil(res)
    assert.are.equal("timeout", err.kind)
    assert.matches("the deadline passed while another renewal of the session held the store "
      .. "lock", err.message, 1, true)
    assert.is_true(took >= 700 and took < 3000, "took " .. took)
    assert.are.equal(0, #refreshes(sent(API))) -- nothing was sent to the token endpoint
    -- a slow token endpoint: the refresh, once sent, is not cut (its rotated
    -- token would be lost with its answer), but the replay is not sent past
    -- the deadline; the next call uses the new token without a refresh
    sf:close()
    emu.call("POST", "/reset")
    emu.call("POST", "/app", { refresh_token_rotation = true })
    local rt = web_login()
    sf = assert(salesforce.connect({ profile = "system", workspace = dir, version = "62.0" }))
    emu.call("POST", "/sessions/expire")
    emu.call("DELETE", "/log") -- (the login's calls)
    emu.call("POST", "/latency", { ms = 1200, path = "/services/oauth2/token" })
    t0 = now()
    res, err = sf:query(q, nil, { deadline_ms = 600 })
    took = now() - t0
    emu.call("DELETE", "/latency")
    assert.is_nil(res)
    assert.are.equal("timeout", err.kind)
    assert.matches("deadline passed before it could be sent", err.message, 1, true)
    assert.is_true(took >= 1100 and took < 4000, "took " .. took)
    local grants, statuses = sent(API .. "/query")
    assert.are.same({ [401] = 1 }, statuses) -- no replay
    assert.are.equal(1, #refreshes(grants))
    assert.are.equal(rt, refreshes(grants)[1].form.refresh_token)
    assert.is_nil(stored().renewal_failure) -- the rotated token was kept
    assert.truthy(sf:query(q))
    grants, statuses = sent(API .. "/query")
    assert.are.same({ [401] = 1, [200] = 1 }, statuses)
    assert.are.equal(1, #refreshes(grants))
    sf:close()
  end)

  it("renews a refresh token again after a lost answer when the app does not rotate", function()
    local rt = web_login()
    -- one refresh that answers teaches the workspace that tokens do not rotate
    emu.call("POST", "/sessions/expire")
    local out = helper.luaforce({ "run", child, dir, "/dev/null", "/dev/null" })
    assert.are.equal("ok\n", out)
    assert.is_false(stored().refresh_rotates)
    emu.call("POST", "/sessions/expire")
    emu.call("POST", "/faults", { kind = "drop", when = "after",
      path = "/services/oauth2/token" })
    out = helper.luaforce({ "run", child, dir, "/dev/null", "/dev/null" })
    assert.matches("^outcome_unknown error: ", out)
    assert.is_nil(stored().renewal_failure)
    out = helper.luaforce({ "run", child, dir, "/dev/null", "/dev/null" })
    assert.are.equal("ok\n", out)
    -- the same refresh token, three times (the second answer was lost)
    local rts = refreshes(sent(API))
    assert.are.equal(3, #rts)
    for i = 1, 3 do assert.are.equal(rt, rts[i].form.refresh_token) end
  end)
end)
