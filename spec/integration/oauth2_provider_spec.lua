-- The library against the emulator as a generic OAuth 2.0 provider (an
-- identity provider in front of the API: no instance_url, id or signature,
-- client_secret_basic, RFC 6750 challenges): an `oauth2` app's grants, the
-- refresh an RFC 6750 invalid_token triggers, and the renewal shortly
-- before expires_in runs out, each asserted on what the emulator received.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local core = require "salesforce.core"
local client = require "salesforce.client"

local CLIENT_ID, SECRET = "luaforce-test-client", "luaforce-test-secret"
local POLICY = { allow_loopback = true }
local API = "/services/data/v62.0"

local emu, http, app, store, dir

local function basic_header()
  local out = helper.run({ "python3", "-c", "import base64;print(base64.b64encode("
    .. "b'" .. CLIENT_ID .. ":" .. SECRET .. "').decode())" })
  return "Basic " .. out:gsub("%s+$", "")
end

local function log_of(path)
  return emu.call("GET", "/log?path=" .. path).requests
end

--- Tokens of the web-server flow, exchanged by the oauth2 app.
local function web_tokens()
  local verifier, challenge = core.oauth_pkce()
  local location = assert(helper.browse(
    core.oauth_authorize_url(app, core.oauth_random_state(), challenge), emu.ca))
  local code = core.url_unescape(assert(location:match("[?&]code=([^&]+)")))
  return assert(core.oauth_exchange_code(http, app, POLICY, code, verifier))
end

--- A Salesforce client over a session of the oauth2 app whose stored
-- tokens are `t` plus the API's base URL (the identity provider names none).
local function client_over(t, over)
  local session = assert(core.session_new(http, store, app, POLICY, "idp", "u1"))
  local saved = { instance_url = emu.url }
  for k, v in pairs(t) do saved[k] = v end
  for k, v in pairs(over or {}) do saved[k] = v end
  assert(session:save(saved))
  return assert(client.new(http, assert(session:load()), { session = session,
    version = "62.0" })), session
end

describe("a generic OAuth 2.0 provider", function()
  setup(function()
    emu = helper.emulator({ https = true })
    http = assert(core.http_new({ ca_file = emu.ca }))
    app = { kind = "oauth2", client_auth = "client_secret_basic", client_id = CLIENT_ID,
      client_secret = SECRET, authorize_url = emu.url .. "/services/oauth2/authorize",
      token_url = emu.url .. "/services/oauth2/token",
      revoke_url = emu.url .. "/services/oauth2/revoke",
      redirect_uri = "http://127.0.0.1:8765/callback", scope = "api refresh_token" }
  end)

  teardown(function()
    http:close()
    emu.stop()
  end)

  before_each(function()
    emu.call("POST", "/reset")
    emu.call("POST", "/app", { provider = "oauth2", client_auth = "client_secret_basic" })
    dir = os.tmpname()
    os.remove(dir)
    store = assert(core.store_open(dir))
  end)

  after_each(function()
    store:close()
    helper.run({ "rm", "-rf", dir })
  end)

  it("exchanges a code with HTTP Basic and keeps expires_in", function()
    local t = web_tokens()
    assert.is_nil(t.instance_url)
    assert.are.equal(7200, t.expires_in)
    assert.is_false(t.signature_verified)
    local sent = log_of("/services/oauth2/token")
    assert.are.equal(1, #sent)
    assert.are.equal(basic_header(), sent[1].headers.authorization)
    assert.is_nil(sent[1].form.client_secret)
    -- as a Salesforce-kind app the same answer is refused, naming the field
    local sf_app = {}
    for k, v in pairs(app) do sf_app[k] = v end
    sf_app.kind = nil
    local res, err = core.oauth_refresh(http, sf_app, POLICY, t.refresh_token)
    assert.is_nil(res)
    assert.are.equal("protocol", err.kind)
    assert.matches("lacks instance_url", err.message)
    -- and the access token it was issued was revoked, with client authentication
    local rv = log_of("/services/oauth2/revoke")
    assert.are.equal(1, #rv)
    assert.are.equal(basic_header(), rv[1].headers.authorization)
    local revoked = rv[1].form.token
    for _, s in ipairs(emu.call("GET", "/sessions").access_tokens) do
      if s.access_token == revoked then assert.is_false(s.active) end
    end
    -- misuse names the bad field
    local ok, msg = pcall(core.oauth_refresh, http,
      { client_id = "x", token_url = app.token_url, kind = "oidc" }, POLICY, "r")
    assert.is_false(ok)
    assert.matches("invalid option 'oidc'", msg)
  end)

  it("refreshes once on a 401 whose Bearer challenge says invalid_token", function()
    local sf = client_over(web_tokens())
    assert.truthy(sf:call("GET", API .. "/limits"))
    emu.call("POST", "/sessions/expire", {})
    emu.call("DELETE", "/log")
    local limits = assert(sf:call("GET", API .. "/limits"))
    assert.is_table(limits.DailyApiRequests)
    local sent = emu.call("GET", "/log").requests
    assert.are.equal(3, #sent)
    assert.are.equal(401, sent[1].status)
    assert.are.equal("/services/oauth2/token", sent[2].path)
    assert.are.equal("refresh_token", sent[2].form.grant_type)
    assert.are.equal(basic_header(), sent[2].headers.authorization)
    assert.are.equal(200, sent[3].status)
    assert.are_not.equal(sent[1].headers.authorization, sent[3].headers.authorization)
    -- the challenge is read by the core the same way
    assert.are.equal("invalid_token",
      core.oauth_bearer_error('Bearer realm="emulator", error="invalid_token"'))
    assert.is_nil(core.oauth_bearer_error('Basic realm="x"'))
  end)

  it("renews a token shortly before expires_in runs out, and not earlier", function()
    local t = web_tokens()
    -- 200 s left: more than the skew, no refresh
    local sf = client_over(t, { obtained_at = os.time() - 7000 })
    emu.call("DELETE", "/log")
    assert.truthy(sf:call("GET", API .. "/limits"))
    assert.are.same({}, log_of("/services/oauth2/token"))
    -- 30 s left: within the skew (client.REFRESH_SKEW), renewed before the call
    sf = client_over(t, { obtained_at = os.time() - 7200 + 30 })
    emu.call("DELETE", "/log")
    assert.truthy(sf:call("GET", API .. "/limits"))
    local sent = emu.call("GET", "/log").requests
    assert.are.equal(2, #sent)
    assert.are.equal("/services/oauth2/token", sent[1].path)
    assert.are.equal("refresh_token", sent[1].form.grant_type)
    assert.are.equal(200, sent[2].status)
    assert.are_not.equal("Bearer " .. t.access_token, sent[2].headers.authorization)
    -- the renewed set is stored, with its new expires_in
    local stored = assert(core.session_new(http, store, app, POLICY, "idp", "u1")):load()
    assert.are.equal(7200, stored.expires_in)
    assert.is_true(stored.obtained_at >= os.time() - 5)
    assert.are.equal(60, client.REFRESH_SKEW)
  end)

  it("renews before expires_in by the single-flight renewal, which records a refusal",
    function()
      local t = web_tokens()
      local near = { obtained_at = os.time() - 7200 + 30 }
      -- two clients (as two processes would) over the same stored set
      local a = client_over(t, near)
      local b = client_over(t, near)
      emu.call("DELETE", "/log")
      assert.truthy(a:call("GET", API .. "/limits"))
      assert.truthy(b:call("GET", API .. "/limits"))
      local sent = emu.call("GET", "/log").requests
      assert.are.equal(3, #sent) -- one refresh, then both calls
      assert.are.equal("/services/oauth2/token", sent[1].path)
      assert.are.equal(sent[2].headers.authorization, sent[3].headers.authorization)
      -- a refused refresh token is recorded under the lock: sent once only
      assert.is_true(core.oauth_revoke(http, app, t.refresh_token))
      local c = client_over(t, near)
      local d = client_over(t, near)
      emu.call("DELETE", "/log")
      local res, err = c:call("GET", API .. "/limits")
      assert.is_nil(res)
      assert.are.equal("invalid_grant", err.remote_code)
      assert.matches("refused the refresh token of profile 'idp'", err.message)
      local res2, err2 = d:call("GET", API .. "/limits")
      assert.is_nil(res2)
      assert.are.equal(err.message, err2.message)
      assert.are.equal(1, #emu.call("GET", "/log").requests)
    end)

  it("a salesforce client refuses tokens that name no instance", function()
    local res, err = client.new(http, web_tokens(), { version = "62.0" })
    assert.is_nil(res)
    assert.are.equal("config", err.kind)
    assert.matches("name no Salesforce instance", err.message)
    assert.truthy(salesforce)
  end)
end)
