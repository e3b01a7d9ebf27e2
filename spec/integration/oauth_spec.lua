-- OAuth end to end through the binding against the HTTPS emulator: every
-- grant, what the client sent (read back from the emulator's request log),
-- each refusal as a clear error, sessions with the single-flight refresh
-- (also across 20 processes), and debug logs that never show a secret.
local helper = require "spec.helper"
local cjson = require "cjson"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local core = require "salesforce.core"

local quote = helper.quote

local CLIENT_ID = "luaforce-test-client"
local SECRET = "luaforce-test-secret"
local USER, PASSWORD, SECURITY_TOKEN = "dev@example.com", "password1", "TOKEN"
local REDIRECT = "http://127.0.0.1:8765/callback"
local POLICY = { allow_loopback = true }
local API = "/services/data/v62.0"

-- ---- helpers ---------------------------------------------------------------

--- An emulator, a runtime trusting its CA, and the default app.
local function start()
  local emu = helper.emulator({ https = true })
  local ctx = { emu = emu, http = assert(core.http_new({ ca_file = emu.ca })) }
  ctx.app = {
    client_id = CLIENT_ID,
    client_secret = SECRET,
    authorize_url = emu.url .. "/services/oauth2/authorize",
    token_url = emu.url .. "/services/oauth2/token",
    revoke_url = emu.url .. "/services/oauth2/revoke",
    redirect_uri = REDIRECT,
    scope = "api refresh_token openid",
  }
  return ctx
end

local function stop(ctx)
  if ctx then
    ctx.http:close()
    ctx.emu.stop()
  end
end

--- A copy of `t` with the fields of `over` replaced (false removes).
local function with(t, over)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  for k, v in pairs(over or {}) do
    if v == false then out[k] = nil else out[k] = v end
  end
  return out
end

local function url_decode(s)
  return (s:gsub("%+", " "):gsub("%%(%x%x)", function(h)
    return string.char(tonumber(h, 16))
  end))
end

local function parse_query(q)
  local out = {}
  for pair in (q or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    out[url_decode(k)] = url_decode(v)
  end
  return out
end

local NO_REDIRECT = [[
import ssl, sys, urllib.error, urllib.request
class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
ctx = ssl.create_default_context(cafile=sys.argv[2])
opener = urllib.request.build_opener(Stay, urllib.request.HTTPSHandler(context=ctx))
try:
    r = opener.open(sys.argv[1])
    print(r.status); print(r.headers.get("Location") or "")
except urllib.error.HTTPError as e:
    print(e.code); print(e.headers.get("Location") or "")
]]

--- The browser's step: GET the authorization URL without following the
-- redirect; returns the status and the Location header.
local function browse(ctx, url)
  local out, err, status = helper.run({ "python3", "-c", NO_REDIRECT, url, ctx.emu.ca })
  assert(status == 0, err)
  local code, location = out:match("^(%d+)\n(.-)\n?$")
  return tonumber(code), location
end

--- Runs the authorize step with PKCE and state; returns code, verifier.
local function authorize(ctx, app)
  app = app or ctx.app
  local verifier, challenge = core.oauth_pkce()
  local state = core.oauth_random_state()
  local status, location = browse(ctx, core.oauth_authorize_url(app, state, challenge))
  assert.are.equal(302, status)
  local base, query = location:match("^([^?]*)%?(.*)$")
  assert.are.equal(app.redirect_uri, base)
  local params = parse_query(query)
  assert.are.equal(state, params.state)
  assert.truthy(params.code and #params.code > 0)
  return params.code, verifier, state, challenge
end

--- The whole web-server flow; returns the token set.
local function web_tokens(ctx, app)
  app = app or ctx.app
  local code, verifier = authorize(ctx, app)
  return assert(core.oauth_exchange_code(ctx.http, app, POLICY, code, verifier))
end

local function log_of(ctx, path)
  return ctx.emu.call("GET", "/log?path=" .. path).requests
end

local function token_log(ctx)
  return log_of(ctx, "/services/oauth2/token")
end

local function clear_log(ctx)
  ctx.emu.call("DELETE", "/log")
end

local function count_grants(entries, grant_type)
  local n = 0
  for _, e in ipairs(entries) do
    if e.form and e.form.grant_type == grant_type then n = n + 1 end
  end
  return n
end

--- Every request of `entries` authenticated in the form, not a header.
local function assert_no_authorization(entries)
  for _, e in ipairs(entries) do
    assert.is_nil(e.headers.authorization)
    assert.are.equal("application/x-www-form-urlencoded", e.headers["content-type"])
  end
end

--- nil, err from a failed call: the kind, the OAuth code, and a message
-- that reads as one line.
local function assert_error(expected, ok, err)
  assert.is_nil(ok)
  assert.are.equal("table", type(err), "expected an error object")
  assert.are.equal(expected.kind, err.kind)
  assert.are.equal(expected.remote_code, err.remote_code)
  assert.are.equal(expected.status, err.status)
  local text = tostring(err)
  if expected.text then assert.are.equal(expected.text, text) end
  assert.matches("^" .. expected.kind .. " error", text)
  assert.not_matches("\n", text)
  assert.not_matches("table: 0x", text)
  return err
end

local function signature(secret, id, issued_at)
  local out, err, status = helper.run({ "python3", "-c", [[
import base64, hashlib, hmac, sys
mac = hmac.new(sys.argv[1].encode(), (sys.argv[2] + sys.argv[3]).encode(), hashlib.sha256)
print(base64.b64encode(mac.digest()).decode())]], secret, id, issued_at })
  assert(status == 0, err)
  return (out:gsub("%s+$", ""))
end

local function tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -m 700 " .. quote(dir)))
  return dir
end

local function rmdir(dir)
  if dir then os.execute("rm -rf " .. quote(dir)) end
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- ---- the grants ----------------------------------------------------------------

describe("OAuth grants against the emulator", function()
  local ctx

  setup(function() ctx = start() end)
  teardown(function() stop(ctx) end)
  before_each(function() ctx.emu.call("POST", "/reset") end)

  it("runs the web-server flow with PKCE S256 and state", function()
    local code, verifier, state, challenge = authorize(ctx)
    local t = assert(core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code, verifier))
    assert.matches("^00D%w+!", t.access_token)
    assert.truthy(t.refresh_token)
    assert.are.equal(ctx.emu.url, t.instance_url)
    assert.matches("^" .. ctx.emu.url:gsub("%p", "%%%0") .. "/id/00D%w+/005%w+$", t.id)
    assert.are.equal("Bearer", t.token_type)
    assert.matches("%f[%w]api%f[^%w]", t.scope)
    assert.truthy(t.id_token)
    assert.matches("^%d+$", t.issued_at)
    assert.is_true(t.signature_verified)
    assert.is_true(math.abs(t.obtained_at - os.time()) < 60)
    -- what the browser sent to the authorize endpoint
    local auth = log_of(ctx, "/services/oauth2/authorize")
    assert.are.equal(1, #auth)
    local q = parse_query(auth[1].query)
    assert.are.same({ response_type = "code", client_id = CLIENT_ID, redirect_uri = REDIRECT,
      scope = "api refresh_token openid", state = state, code_challenge = challenge,
      code_challenge_method = "S256" }, q)
    -- what the client sent to the token endpoint
    local sent = token_log(ctx)
    assert.are.equal(1, #sent)
    assert.are.same({ grant_type = "authorization_code", code = code, client_id = CLIENT_ID,
      client_secret = SECRET, redirect_uri = REDIRECT, code_verifier = verifier }, sent[1].form)
    assert_no_authorization(sent)
    assert.are.equal("POST", sent[1].method)
  end)

  it("refreshes without rotation and keeps the refresh token", function()
    local t = web_tokens(ctx)
    clear_log(ctx)
    local r = assert(core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
    assert.are_not.equal(t.access_token, r.access_token)
    assert.are.equal(t.refresh_token, r.refresh_token)
    assert.is_true(r.signature_verified)
    local sent = token_log(ctx)
    assert.are.equal(1, #sent)
    assert.are.same({ grant_type = "refresh_token", refresh_token = t.refresh_token,
      client_id = CLIENT_ID, client_secret = SECRET }, sent[1].form)
    assert_no_authorization(sent)
    -- the old refresh token still works
    assert.truthy(core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
  end)

  it("refreshes with rotation and takes the new refresh token", function()
    ctx.emu.call("POST", "/app", { refresh_token_rotation = true })
    local t = web_tokens(ctx)
    local r = assert(core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
    assert.truthy(r.refresh_token)
    assert.are_not.equal(t.refresh_token, r.refresh_token)
    local r2 = assert(core.oauth_refresh(ctx.http, ctx.app, POLICY, r.refresh_token))
    assert.are_not.equal(r.refresh_token, r2.refresh_token)
    assert.are.equal(2, count_grants(token_log(ctx), "refresh_token"))
  end)

  it("runs the client credentials flow", function()
    local t = assert(core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    assert.truthy(t.access_token)
    assert.is_nil(t.refresh_token)
    assert.is_true(t.signature_verified)
    local sent = token_log(ctx)
    assert.are.same({ grant_type = "client_credentials", client_id = CLIENT_ID,
      client_secret = SECRET, scope = "api refresh_token openid" }, sent[1].form)
    assert_no_authorization(sent)
    -- the token works on the REST API
    local body = assert(core.oauth_get(ctx.http, ctx.emu.url .. API .. "/limits", t.access_token))
    assert.truthy(cjson.decode(body).DailyApiRequests)
  end)

  it("runs the JWT bearer flow with the emulator's key", function()
    local key = ctx.emu.call("GET", "/jwt-key")
    local config = ctx.emu.call("GET", "/config")
    assert.are.equal(key.private_key_path, config.apps[1].jwt.private_key_path)
    local app = { client_id = CLIENT_ID, token_url = ctx.app.token_url }
    local t = assert(core.oauth_jwt_bearer(ctx.http, app, POLICY, key.private_key_path, USER))
    assert.truthy(t.access_token)
    assert.is_nil(t.refresh_token)
    assert.is_false(t.signature_verified)
    -- an explicit audience Salesforce accepts
    assert.truthy(core.oauth_jwt_bearer(ctx.http, app, POLICY, key.private_key_path, USER,
      "https://login.salesforce.com"))
    local sent = token_log(ctx)
    assert.are.equal(2, #sent)
    for _, e in ipairs(sent) do
      assert.are.equal("urn:ietf:params:oauth:grant-type:jwt-bearer", e.form.grant_type)
      assert.matches("^[%w_-]+%.[%w_-]+%.[%w_-]+$", e.form.assertion)
      assert.is_nil(e.form.client_secret)
    end
    assert_no_authorization(sent)
    local body = assert(core.oauth_get(ctx.http, t.id, t.access_token))
    assert.are.equal(USER, cjson.decode(body).username)
  end)

  it("runs the device flow: pending, slow down, approved", function()
    local d = assert(core.oauth_device_start(ctx.http, ctx.app))
    assert.truthy(d.device_code)
    assert.matches("^%w+$", d.user_code)
    assert.are.equal(ctx.emu.url .. "/setup/connect", d.verification_uri)
    assert.are.equal(5, d.interval)
    assert_error({ kind = "pending", remote_code = "authorization_pending", status = 400 },
      core.oauth_device_poll(ctx.http, ctx.app, POLICY, d.device_code))
    -- polling again at once is too fast (no sleeping here: it is the point)
    assert_error({ kind = "pending", remote_code = "slow_down", status = 400 },
      core.oauth_device_poll(ctx.http, ctx.app, POLICY, d.device_code))
    local ok, code = ctx.emu.call("POST", "/device/approve",
      { user_code = d.user_code, username = USER })
    assert.are.equal(200, code, cjson.encode(ok))
    local t = assert(core.oauth_device_poll(ctx.http, ctx.app, POLICY, d.device_code))
    assert.truthy(t.access_token)
    assert.truthy(t.refresh_token)
    assert.is_true(t.signature_verified)
    local sent = token_log(ctx)
    assert.are.equal(4, #sent)
    assert.are.same({ response_type = "device_code", client_id = CLIENT_ID,
      scope = "api refresh_token openid" }, sent[1].form)
    for i = 2, 4 do
      assert.are.same({ grant_type = "device", client_id = CLIENT_ID, client_secret = SECRET,
        code = d.device_code }, sent[i].form)
    end
    assert_no_authorization(sent)
  end)

  it("runs the legacy password flow", function()
    local t = assert(core.oauth_password(ctx.http, ctx.app, POLICY, USER,
      PASSWORD .. SECURITY_TOKEN))
    assert.truthy(t.access_token)
    assert.is_nil(t.refresh_token)
    assert.is_true(t.signature_verified)
    local sent = token_log(ctx)
    assert.are.same({ grant_type = "password", client_id = CLIENT_ID, client_secret = SECRET,
      username = USER, password = PASSWORD .. SECURITY_TOKEN }, sent[1].form)
    assert_no_authorization(sent)
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: authentication failure" },
      core.oauth_password(ctx.http, ctx.app, POLICY, USER, PASSWORD))
    ctx.emu.call("POST", "/org", { allow_password_flow = false })
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400 },
      core.oauth_password(ctx.http, ctx.app, POLICY, USER, PASSWORD .. SECURITY_TOKEN))
  end)

  it("warns on stderr that the password flow is legacy", function()
    local code = string.format([[
      require "salesforce"
      local core = require "salesforce.core"
      local http = core.http_new({ ca_file = %q, log_level = %q })
      local app = { client_id = %q, client_secret = %q, token_url = %q }
      local t, err = core.oauth_password(http, app, { allow_loopback = true }, %q, %q)
      print(t and "tokens" or tostring(err))
    ]], ctx.emu.ca, "%s", CLIENT_ID, SECRET, ctx.app.token_url, USER,
      PASSWORD .. SECURITY_TOKEN)
    local out, err, status = helper.luaforce({ "-e", code:format("warn") })
    assert.are.equal(0, status, err)
    assert.are.equal("tokens\n", out)
    assert.matches("luaforce: [warn] the username-password flow is legacy", err, 1, true)
    assert.not_matches(PASSWORD, err, 1, true)
    -- below the threshold, nothing
    out, err = helper.luaforce({ "-e", code:format("error") })
    assert.are.equal("tokens\n", out)
    assert.are.equal("", err)
  end)

  it("revokes an access token: REST calls with it then fail", function()
    local t = web_tokens(ctx)
    local url = ctx.emu.url .. API .. "/limits"
    assert.truthy(core.oauth_get(ctx.http, url, t.access_token))
    assert.is_true(core.oauth_revoke(ctx.http, ctx.app, t.access_token))
    local sent = log_of(ctx, "/services/oauth2/revoke")
    assert.are.equal(1, #sent)
    -- RFC 7009 2.1: the client authenticates as at the token endpoint
    assert.are.same({ token = t.access_token, client_id = CLIENT_ID, client_secret = SECRET },
      sent[1].form)
    assert.are.equal(200, sent[1].status)
    assert_error({ kind = "oauth", status = 401,
      text = "oauth error (HTTP 401): GET answered HTTP 401" },
      core.oauth_get(ctx.http, url, t.access_token))
    -- revoking it again: the server says the token is invalid
    assert_error({ kind = "oauth", remote_code = "invalid_token", status = 400,
      text = "oauth error (HTTP 400): invalid_token: Token was invalid" },
      core.oauth_revoke(ctx.http, ctx.app, t.access_token))
  end)

  it("reads the identity URL with the bearer token", function()
    local t = web_tokens(ctx)
    local body = assert(core.oauth_get(ctx.http, t.id, t.access_token))
    local who = cjson.decode(body)
    assert.are.equal(USER, who.username)
    assert.are.equal(t.id, who.id)
    local org, user = t.id:match("/id/(%w+)/(%w+)$")
    assert.are.equal(org, who.organization_id)
    assert.are.equal(user, who.user_id)
    local sent = log_of(ctx, "/id/")
    assert.are.equal("Bearer " .. t.access_token, sent[#sent].headers.authorization)
    assert_error({ kind = "oauth", status = 403 }, core.oauth_get(ctx.http, t.id, "bogus"))
  end)

  it("checks URLs and signatures from Lua too", function()
    assert.is_true(core.oauth_check_url(nil, "https://acme.my.salesforce.com"))
    assert_error({ kind = "untrusted_host",
      text = "untrusted_host error: instance_url host evilsalesforce.com is not on the "
        .. "allowed Salesforce domains" },
      core.oauth_check_url(nil, "https://evilsalesforce.com", "instance_url"))
    assert.is_true(core.oauth_check_url({ allowed_domains = { "example.org" } },
      "https://api.example.org"))
    assert.is_true(core.oauth_check_url(POLICY, ctx.emu.url))
    assert.is_true(core.oauth_verify_signature("1955279925675241571",
      "https://login.salesforce.com/id/00Dx0000000BV7zEAG/005x00000012Q9PAAU", "1278448832702",
      "mU0fYmtxE0irVVi6ZEBTgRlbAdhow2e6pEPnnUyElI8="))
    assert.is_false(core.oauth_verify_signature("1955279925675241571",
      "https://login.salesforce.com/id/00Dx0000000BV7zEAG/005x00000012Q9PAAU", "1278448832703",
      "mU0fYmtxE0irVVi6ZEBTgRlbAdhow2e6pEPnnUyElI8="))
    local v, c = core.oauth_pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert.are.equal("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", v)
    assert.are.equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", c)
    assert.has_error(function() core.oauth_pkce("too short") end)
  end)
end)

-- ---- refusals ------------------------------------------------------------------

describe("OAuth refusals are clear errors", function()
  local ctx

  setup(function() ctx = start() end)
  teardown(function() stop(ctx) end)
  before_each(function() ctx.emu.call("POST", "/reset") end)

  it("refuses a PKCE verifier that does not match the challenge", function()
    local code = authorize(ctx)
    local other = core.oauth_pkce()
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: invalid code verifier" },
      core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code, other))
    assert.are.equal(other, token_log(ctx)[1].form.code_verifier)
  end)

  it("refuses an exchange without the verifier when PKCE is required", function()
    ctx.emu.call("POST", "/app", { require_pkce = true })
    local code = authorize(ctx)
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: invalid code verifier" },
      core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code))
    assert.is_nil(token_log(ctx)[1].form.code_verifier)
  end)

  it("refuses a code used twice", function()
    local code, verifier = authorize(ctx)
    assert.truthy(core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code, verifier))
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: invalid authorization code" },
      core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code, verifier))
  end)

  it("refuses an expired code", function()
    local code, verifier = authorize(ctx)
    local r = ctx.emu.call("POST", "/codes/expire")
    assert.are.equal(1, r.expired)
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: expired authorization code" },
      core.oauth_exchange_code(ctx.http, ctx.app, POLICY, code, verifier))
  end)

  it("refuses a wrong client secret and an unknown client id", function()
    local code, verifier = authorize(ctx)
    local wrong = with(ctx.app, { client_secret = "not-the-secret" })
    local err = assert_error({ kind = "oauth", remote_code = "invalid_client", status = 400,
      text = "oauth error (HTTP 400): invalid_client: invalid client credentials" },
      core.oauth_exchange_code(ctx.http, wrong, POLICY, code, verifier))
    assert.not_matches("not-the-secret", err.message, 1, true)
    assert.are.equal("not-the-secret", token_log(ctx)[1].form.client_secret)
    assert_error({ kind = "oauth", remote_code = "invalid_client", status = 400 },
      core.oauth_client_credentials(ctx.http, wrong, POLICY))
    assert_error({ kind = "oauth", remote_code = "invalid_client_id", status = 400,
      text = "oauth error (HTTP 400): invalid_client_id: client identifier invalid" },
      core.oauth_client_credentials(ctx.http, with(ctx.app, { client_id = "no-such-app" }), POLICY))
  end)

  it("refuses a revoked refresh token, and its access tokens with it", function()
    local t = web_tokens(ctx)
    assert.is_true(core.oauth_revoke(ctx.http, ctx.app, t.refresh_token))
    assert.are.same({ token = t.refresh_token, client_id = CLIENT_ID, client_secret = SECRET },
      log_of(ctx, "/services/oauth2/revoke")[1].form)
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: expired access/refresh token" },
      core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
    assert_error({ kind = "oauth", status = 403 }, core.oauth_get(ctx.http, t.id, t.access_token))
  end)

  it("refuses a rotated-out refresh token and revokes the whole chain", function()
    ctx.emu.call("POST", "/app", { refresh_token_rotation = true })
    local t = web_tokens(ctx)
    local r = assert(core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
    -- the old one again: refused, and the reuse burns the chain
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): invalid_grant: expired access/refresh token" },
      core.oauth_refresh(ctx.http, ctx.app, POLICY, t.refresh_token))
    assert_error({ kind = "oauth", remote_code = "invalid_grant", status = 400 },
      core.oauth_refresh(ctx.http, ctx.app, POLICY, r.refresh_token))
    assert_error({ kind = "oauth", status = 403 }, core.oauth_get(ctx.http, r.id, r.access_token))
    assert_error({ kind = "oauth", status = 401 },
      core.oauth_get(ctx.http, ctx.emu.url .. API .. "/limits", r.access_token))
    local states = {}
    for _, rt in ipairs(ctx.emu.call("GET", "/sessions").refresh_tokens) do
      states[rt.refresh_token] = rt.state
    end
    assert.are.same({ [t.refresh_token] = "revoked", [r.refresh_token] = "revoked" }, states)
  end)

  -- The emulator signs every token response with the same secret it checks
  -- the client's against, so no configuration makes it send a response
  -- whose signature fails for a client it accepted: a client with another
  -- secret is refused as invalid_client before any signature, and a second
  -- emulator with another secret would refuse it the same way. What the
  -- signature protects against is a response altered on the way, so the
  -- test plays that part with the emulator's fault injection: a 200 token
  -- response whose identity URL was swapped for another user's, carrying
  -- the genuine signature of the original identity URL. A control run with
  -- the unaltered identity URL passes, so the refusal comes from the check.
  it("refuses a token response whose signature does not match", function()
    local real = assert(core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    local issued_at = tostring(os.time() * 1000)
    local sig = signature(SECRET, real.id, issued_at)
    assert.is_true(core.oauth_verify_signature(SECRET, real.id, issued_at, sig))
    local function forged(id, with_sig)
      return { access_token = real.access_token, signature = with_sig and sig or nil,
        instance_url = ctx.emu.url, id = id, token_type = "Bearer", issued_at = issued_at,
        scope = "api" }
    end
    local function inject(body)
      local f, code = ctx.emu.call("POST", "/faults", { path = "/services/oauth2/token",
        method = "POST", kind = "status", status = 200, json = body, count = 1 })
      assert.are.equal(200, code, cjson.encode(f))
    end
    -- control: genuine
    inject(forged(real.id, true))
    local ok = assert(core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    assert.is_true(ok.signature_verified)
    -- another user's identity URL under the original signature
    inject(forged(real.id:gsub("/005%w+$", "/0055g0000000009AAA"), true))
    assert_error({ kind = "signature",
      text = "signature error: the token response signature does not match (id and "
        .. "issued_at may have been altered); tokens refused" },
      core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    -- no signature at all, while the client knows its secret
    inject(forged(real.id, false))
    assert_error({ kind = "signature",
      text = "signature error: the token response carries no signature; tokens refused" },
      core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    local faults = 0
    for _, e in ipairs(token_log(ctx)) do
      if e.fault == "status" then faults = faults + 1 end
    end
    assert.are.equal(3, faults)
  end)

  it("refuses an instance_url off the allow-list", function()
    -- nil policy: the Salesforce defaults, which refuse the emulator's host
    local err = assert_error({ kind = "untrusted_host",
      text = "untrusted_host error: instance_url host 127.0.0.1 is a loopback address, "
        .. "which is only allowed when configured (allow_loopback)" },
      core.oauth_client_credentials(ctx.http, ctx.app, nil))
    assert.is_false(err.retryable)
    -- a signed response sending the client to a look-alike host
    local real = assert(core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    local issued_at = tostring(os.time() * 1000)
    ctx.emu.call("POST", "/faults", { path = "/services/oauth2/token", status = 200,
      json = { access_token = real.access_token, signature = signature(SECRET, real.id, issued_at),
        instance_url = "https://acme.my.salesforce.com.evil.io", id = real.id,
        token_type = "Bearer", issued_at = issued_at } })
    assert_error({ kind = "untrusted_host",
      text = "untrusted_host error: instance_url host acme.my.salesforce.com.evil.io is not "
        .. "on the allowed Salesforce domains" },
      core.oauth_client_credentials(ctx.http, ctx.app, POLICY))
    -- a custom list without the loopback allowance
    assert_error({ kind = "untrusted_host" },
      core.oauth_client_credentials(ctx.http, ctx.app, { allowed_domains = { "example.org" } }))
  end)

  it("refuses a server whose CA is not trusted", function()
    local http = assert(core.http_new({ max_retries = 0 }))
    local err = assert_error({ kind = "tls" }, core.oauth_client_credentials(http, ctx.app, POLICY))
    assert.matches("certificate", err.message)
    assert.is_false(err.retryable)
    http:close()
    assert.are.equal(0, #token_log(ctx)) -- nothing reached the server
  end)
end)

-- ---- sessions --------------------------------------------------------------------

describe("OAuth sessions", function()
  local ctx, dir

  setup(function() ctx = start() end)
  teardown(function() stop(ctx) end)
  before_each(function()
    ctx.emu.call("POST", "/reset")
    dir = tmpdir()
  end)
  after_each(function() rmdir(dir) end)

  local function stored(store)
    local json = assert(store:get("default", USER))
    return cjson.decode(json)
  end

  it("refreshes an expired session exactly once and replays", function()
    local t = web_tokens(ctx)
    local store = assert(core.store_open(dir))
    local s = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    assert_error({ kind = "not_found" }, s:load())
    assert.is_true(s:save(t))
    clear_log(ctx)
    assert.are.equal(1, ctx.emu.call("POST", "/sessions/expire").expired)
    -- the versions list needs no session: no refresh for it
    assert.are.equal(200, (s:request("GET", "/services/data/")))
    assert.are.equal(0, #token_log(ctx))
    local status, body = s:request("GET", API .. "/")
    assert.are.equal(200, status)
    assert.truthy(cjson.decode(body).limits)
    local sent = token_log(ctx)
    assert.are.equal(1, #sent)
    assert.are.equal(1, count_grants(sent, "refresh_token"))
    assert.are.same({ grant_type = "refresh_token", refresh_token = t.refresh_token,
      client_id = CLIENT_ID, client_secret = SECRET }, sent[1].form)
    -- first with the old token (401), then the replay with the new one
    local calls = log_of(ctx, API .. "/")
    assert.are.equal(2, #calls)
    assert.are.equal(401, calls[1].status)
    assert.are.equal("Bearer " .. t.access_token, calls[1].headers.authorization)
    assert.are.equal(200, calls[2].status)
    local now = s:tokens()
    assert.are_not.equal(t.access_token, now.access_token)
    assert.are.equal("Bearer " .. now.access_token, calls[2].headers.authorization)
    -- without rotation the stored refresh token is the same one
    assert.are.equal(t.refresh_token, stored(store).refresh_token)
    assert.are.equal(now.access_token, stored(store).access_token)
    -- nothing more to do: the next request needs no refresh
    assert.are.equal(200, (s:request("GET", API .. "/limits")))
    assert.are.equal(1, #token_log(ctx))
    store:close()
  end)

  it("stores the rotated refresh token durably", function()
    ctx.emu.call("POST", "/app", { refresh_token_rotation = true })
    local t = web_tokens(ctx)
    local store = assert(core.store_open(dir))
    local s = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    assert.is_true(s:save(t))
    ctx.emu.call("POST", "/sessions/expire")
    clear_log(ctx)
    assert.are.equal(200, (s:request("GET", API .. "/limits")))
    assert.are.equal(1, count_grants(token_log(ctx), "refresh_token"))
    local active
    for _, rt in ipairs(ctx.emu.call("GET", "/sessions").refresh_tokens) do
      if rt.state == "active" then
        assert.is_nil(active)
        active = rt.refresh_token
      end
    end
    assert.truthy(active)
    assert.are_not.equal(t.refresh_token, active)
    assert.are.equal(active, stored(store).refresh_token)
    -- a new handle on the same directory sees it too
    local again = assert(core.store_open(dir))
    assert.are.equal(active, stored(again).refresh_token)
    again:close()
    store:close()
  end)

  it("refreshes on demand, once per stale token", function()
    local t = web_tokens(ctx)
    local store = assert(core.store_open(dir))
    local a = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    local b = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    assert_error({ kind = "not_found" }, b:tokens())
    assert.is_true(a:save(t))
    assert.are.equal(t.access_token, assert(b:load()).access_token)
    clear_log(ctx)
    assert.is_true(a:refresh(t.access_token))
    -- b met the same stale token: it adopts a's set and sends nothing
    assert.is_false(b:refresh(t.access_token, 1000))
    assert.are.equal(a:tokens().access_token, b:tokens().access_token)
    assert.are.equal(1, count_grants(token_log(ctx), "refresh_token"))
    store:close()
  end)

  it("reports a refresh that fails, keeps the stored set and never resends it", function()
    local t = web_tokens(ctx)
    local store = assert(core.store_open(dir))
    local s = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    assert.is_true(s:save(t))
    assert.is_true(core.oauth_revoke(ctx.http, ctx.app, t.refresh_token))
    clear_log(ctx)
    local refused = { kind = "oauth", remote_code = "invalid_grant", status = 400,
      text = "oauth error (HTTP 400): the token endpoint refused the refresh token of "
        .. "profile 'default' (invalid_grant: expired access/refresh token), so it is not "
        .. "sent again: authorize again" }
    assert_error(refused, s:request("GET", API .. "/limits"))
    assert.are.equal(t.refresh_token, stored(store).refresh_token)
    assert.are.equal(t.access_token, stored(store).access_token)
    -- recorded: the same error again, and no second refresh is sent
    assert_error(refused, s:refresh(t.access_token))
    assert.are.equal(1, #token_log(ctx))
    -- a new authorization clears the record
    local t2 = web_tokens(ctx)
    assert.is_true(s:save(t2))
    assert.is_nil(stored(store).renewal_failure)
    -- the lock was released
    assert.is_true(store:lock("default", USER, 0))
    assert.is_true(store:unlock("default", USER))
    store:close()
  end)

  it("refreshes once for 20 processes that meet an expired session at once", function()
    local N = 20
    ctx.emu.call("POST", "/app", { refresh_token_rotation = true })
    local t = web_tokens(ctx)
    local store = assert(core.store_open(dir))
    local s = assert(core.session_new(ctx.http, store, ctx.app, POLICY, "default", USER))
    assert.is_true(s:save(t))
    ctx.emu.call("POST", "/sessions/expire")
    clear_log(ctx)
    local child = helper.tempfile(helper.GATE_WAIT .. string.format([[
      local dir, url, ca, gate, ready = ...
      local ok, session = pcall(function()
        require "salesforce"
        local core = require "salesforce.core"
        local http = assert(core.http_new({ ca_file = ca }))
        local store = assert(core.store_open(dir))
        local app = { client_id = %q, client_secret = %q,
          token_url = url .. "/services/oauth2/token" }
        local s = assert(core.session_new(http, store, app, { allow_loopback = true },
          "default", %q))
        assert(s:load())
        return s
      end)
      gate_wait(gate, ready)
      if not ok then
        print("setup failed: " .. tostring(session))
        os.exit(1)
      end
      local status, body = session:request("GET", %q)
      print(status)
      if status ~= 200 then print(body) end
    ]], CLIENT_ID, SECRET, USER, API .. "/limits"))
    local outs, arrived = helper.run_together(N, dir, function()
      return { helper.bin, "run", child, dir, ctx.emu.url, ctx.emu.ca }
    end)
    os.remove(child)
    assert.is_true(arrived)
    for i = 1, N do
      assert.are.equal("200\n", outs[i], "process " .. i)
    end
    -- exactly one refresh reached the emulator; every process met the 401
    local sent = token_log(ctx)
    assert.are.equal(1, #sent)
    assert.are.equal(1, count_grants(sent, "refresh_token"))
    assert.are.equal(t.refresh_token, sent[1].form.refresh_token)
    local statuses = {}
    for _, e in ipairs(log_of(ctx, API .. "/limits")) do
      statuses[e.status] = (statuses[e.status] or 0) + 1
    end
    assert.are.same({ [401] = N, [200] = N }, statuses)
    -- the store holds the newest refresh token, the only active one
    local active = {}
    for _, rt in ipairs(ctx.emu.call("GET", "/sessions").refresh_tokens) do
      if rt.state == "active" then active[#active + 1] = rt.refresh_token end
    end
    assert.are.equal(1, #active)
    assert.are_not.equal(t.refresh_token, active[1])
    assert.are.equal(active[1], stored(store).refresh_token)
    store:close()
  end)
end)

-- ---- logs ------------------------------------------------------------------------

describe("OAuth debug logs", function()
  local ctx, dir

  setup(function()
    ctx = start()
    dir = tmpdir()
  end)
  teardown(function()
    stop(ctx)
    rmdir(dir)
  end)

  it("never show a token, secret, code or password", function()
    ctx.emu.call("POST", "/app", { refresh_token_rotation = true, device_interval = 0 })
    local code, verifier = authorize(ctx)
    local key = ctx.emu.call("GET", "/jwt-key").private_key_path
    -- the child calls the control API through this, not the product
    local control = helper.tempfile([[
import json, ssl, sys, urllib.request
url, ca, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method="POST", data=body.encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)).read()
]], ".py")
    local secrets_file = dir .. "/secrets"
    local input = dir .. "/input.json"
    local f = assert(io.open(input, "w"))
    f:write(cjson.encode({ url = ctx.emu.url, ca = ctx.emu.ca, code = code, verifier = verifier,
      key = key, store = dir .. "/store", control = control, secrets = secrets_file,
      client_id = CLIENT_ID, secret = SECRET, user = USER,
      password = PASSWORD .. SECURITY_TOKEN, redirect = REDIRECT }))
    f:close()
    local script = helper.tempfile([[
      local cjson = require "cjson"
      require "salesforce"
      local core = require "salesforce.core"
      local f = assert(io.open(..., "r"))
      local cfg = cjson.decode(f:read("a"))
      f:close()
      local policy = { allow_loopback = true }
      local http = assert(core.http_new({ ca_file = cfg.ca, log_level = "debug" }))
      local app = { client_id = cfg.client_id, client_secret = cfg.secret,
        token_url = cfg.url .. "/services/oauth2/token", redirect_uri = cfg.redirect,
        revoke_url = cfg.url .. "/services/oauth2/revoke",
        authorize_url = cfg.url .. "/services/oauth2/authorize" }
      local secrets = { cfg.code, cfg.verifier }
      local function keep(t)
        for _, k in ipairs({ "access_token", "refresh_token", "id_token" }) do
          if t[k] then secrets[#secrets + 1] = t[k] end
        end
        return t
      end
      local function control(path, body)
        assert(os.execute(string.format("python3 %q %q %q %q", cfg.control,
          cfg.url .. "/__emulator" .. path, cfg.ca, cjson.encode(body))))
      end
      local function fact(name, ok, err)
        print(name, ok and "ok" or tostring(err))
      end
      local t = keep(assert(core.oauth_exchange_code(http, app, policy, cfg.code, cfg.verifier)))
      fact("exchange", t)
      fact("exchange again", core.oauth_exchange_code(http, app, policy, cfg.code, cfg.verifier))
      local r = keep(assert(core.oauth_refresh(http, app, policy, t.refresh_token)))
      fact("refresh", r)
      fact("refresh rotated-out", core.oauth_refresh(http, app, policy, t.refresh_token))
      local bad = {}
      for k, v in pairs(app) do bad[k] = v end
      bad.client_secret = "wrong-secret-XYZ"
      secrets[#secrets + 1] = bad.client_secret
      fact("wrong secret", core.oauth_client_credentials(http, bad, policy))
      fact("client credentials", keep(assert(core.oauth_client_credentials(http, app, policy))))
      fact("password", keep(assert(core.oauth_password(http, app, policy, cfg.user,
        cfg.password))))
      fact("wrong password", core.oauth_password(http, app, policy, cfg.user, "password1WRONG"))
      local japp = { client_id = cfg.client_id, token_url = app.token_url }
      fact("jwt", keep(assert(core.oauth_jwt_bearer(http, japp, policy, cfg.key, cfg.user))))
      local d = assert(core.oauth_device_start(http, app))
      secrets[#secrets + 1] = d.device_code
      fact("device pending", core.oauth_device_poll(http, app, policy, d.device_code))
      control("/device/approve", { user_code = d.user_code })
      local dt = keep(assert(core.oauth_device_poll(http, app, policy, d.device_code)))
      fact("device", dt)
      fact("identity", core.oauth_get(http, dt.id, dt.access_token))
      local store = assert(core.store_open(cfg.store))
      local s = assert(core.session_new(http, store, app, policy, "leak", cfg.user))
      assert(s:save(dt))
      control("/sessions/expire", {})
      print("session", (s:request("GET", "/services/data/v62.0/limits")))
      keep(s:tokens())
      fact("revoke", core.oauth_revoke(http, app, dt.refresh_token))
      fact("refresh revoked", core.oauth_refresh(http, app, policy, dt.refresh_token))
      f = assert(io.open(cfg.secrets, "w"))
      f:write(table.concat(secrets, "\n"), "\n")
      f:close()
    ]])
    local out, err, status = helper.luaforce({ "run", script, input })
    os.remove(script)
    os.remove(control)
    assert.are.equal(0, status, err)
    -- the script ran every flow, and the errors read well
    assert.matches("exchange\tok\n", out, 1, true)
    assert.matches("exchange again\toauth error (HTTP 400): invalid_grant: invalid "
      .. "authorization code\n", out, 1, true)
    assert.matches("refresh rotated-out\toauth error (HTTP 400): invalid_grant: expired "
      .. "access/refresh token\n", out, 1, true)
    assert.matches("wrong secret\toauth error (HTTP 400): invalid_client", out, 1, true)
    assert.matches("device pending\tpending error (HTTP 400): authorization_pending", out, 1, true)
    assert.matches("session\t200\n", out, 1, true)
    assert.matches("revoke\tok\n", out, 1, true)
    assert.matches("refresh revoked\toauth error", out, 1, true)
    -- the log is there, and busy
    assert.matches("luaforce: [debug] > POST " .. ctx.emu.url, err, 1, true)
    assert.matches("luaforce: [warn] the username-password flow is legacy", err, 1, true)
    local all = out .. err
    local secrets = {}
    for line in slurp(secrets_file):gmatch("[^\n]+") do secrets[#secrets + 1] = line end
    for _, s in ipairs({ SECRET, PASSWORD, PASSWORD .. SECURITY_TOKEN }) do
      secrets[#secrets + 1] = s
    end
    assert.is_true(#secrets >= 15)
    local function encoded(s)
      return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
    end
    for _, s in ipairs(secrets) do
      assert.is_true(#s >= 8, s)
      assert.is_nil(all:find(s, 1, true), "a secret appears in the output: " .. s)
      assert.is_nil(all:find(encoded(s), 1, true), "an encoded secret appears: " .. s)
    end
  end)
end)
