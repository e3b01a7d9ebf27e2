-- `luaforce auth` against the emulator over HTTPS: profiles and their
-- validation, the system app, every login flow, end-user links and
-- callbacks with their state checks, the Trial-org refusal, status without
-- tokens, logout, revoke and the sealed store.
local helper = require "spec.helper"
local cjson = require "cjson"

local emu, ws, env

-- Secrets that must never appear in what luaforce prints, even with the
-- transport's debug log on: the app secret, the password, and every token
-- the workspace has stored so far.
local NEVER = { "luaforce-test-secret", "password1" }

local function read_tokens_seen()
  local seen = {}
  local p = io.popen("cat " .. helper.quote(ws) .. "/system=*.tok 2>/dev/null")
  local text = p:read("a")
  p:close()
  for _, field in ipairs({ "access_token", "refresh_token" }) do
    for v in text:gmatch('"' .. field .. '":"([^"]+)"') do seen[#seen + 1] = v end
  end
  return seen
end

local function lf(args, opts)
  opts = opts or {}
  local e = { LUAFORCE_LOG = "debug" }
  for k, v in pairs(env) do e[k] = v end
  for k, v in pairs(opts.env or {}) do e[k] = v end
  opts.env = e
  local out, err, status = helper.luaforce(args, opts)
  for _, secret in ipairs(NEVER) do
    assert(not (out .. err):find(secret, 1, true), "a secret was printed: " .. out .. err)
  end
  for _, token in ipairs(read_tokens_seen()) do
    assert(not (out .. err):find(token, 1, true), "a token was printed")
  end
  return out, err, status
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function stored(profile, user)
  local name = profile .. "=" .. user:gsub("[^%w%-._~]", function(c)
    return string.format("%%%02X", c:byte())
  end) .. ".tok"
  return read(ws .. "/" .. name)
end

local function token_requests()
  local log = emu.call("GET", "/log?path=/services/oauth2/token")
  return log.requests
end

local function system_set(port)
  local _, err, status = lf({ "auth", "system", "set", "--client-id", "luaforce-test-client",
    "--client-secret", "-", "--login-url", emu.url,
    "--callback-url", "http://127.0.0.1:" .. (port or 1717) .. "/callback" },
    { stdin = "luaforce-test-secret\n" })
  assert(status == 0, err)
end

-- Starts `luaforce auth ARGS` in the background; returns a reader of its
-- output and a function that waits for it and returns the exit status.
local function background(args)
  local out = os.tmpname()
  local parts = {}
  for k, v in pairs(env) do parts[#parts + 1] = k .. "=" .. helper.quote(v) end
  parts[#parts + 1] = helper.quote(helper.bin)
  for _, a in ipairs(args) do parts[#parts + 1] = helper.quote(a) end
  local cmd = table.concat(parts, " ") .. " >" .. out .. " 2>&1; echo $? >" .. out .. ".rc"
  os.execute("(" .. cmd .. ") </dev/null &")
  local function wait_for(pattern)
    for _ = 1, 400 do
      local text = read(out) or ""
      local m = text:match(pattern)
      if m then return m, text end
      os.execute("sleep 0.025")
    end
    error("timed out waiting for " .. pattern .. " in: " .. tostring(read(out)))
  end
  local function finish()
    wait_for(".") -- output started
    for _ = 1, 800 do
      local rc = read(out .. ".rc")
      if rc and rc:match("%d") then
        local text = read(out)
        os.remove(out)
        os.remove(out .. ".rc")
        return tonumber(rc), text
      end
      os.execute("sleep 0.025")
    end
    error("the background luaforce did not finish")
  end
  return wait_for, finish
end

describe("luaforce auth", function()
  setup(function()
    emu = helper.emulator{ https = true }
  end)

  teardown(function()
    emu.stop()
  end)

  before_each(function()
    ws = os.tmpname()
    os.remove(ws)
    env = { LUAFORCE_HOME = ws, LUAFORCE_CA_FILE = emu.ca, LUAFORCE_ALLOW_LOOPBACK = "1" }
    emu.call("POST", "/reset")
  end)

  after_each(function()
    helper.run({ "rm", "-rf", ws })
  end)

  it("commands that only read create no workspace; the first that stores does", function()
    local function exists() return require("lfs").attributes(ws, "mode") ~= nil end
    local _
    local out, err, status = lf({ "auth", "status" })
    assert.are.equal(0, status, err)
    assert.are.equal("No stored authorizations (no workspace at " .. ws .. " yet). Run "
      .. "'luaforce auth login'.\n", out)
    for _, args in ipairs{ { "auth", "profile", "list" }, { "auth", "system", "show" },
      { "auth", "settings" }, { "integration", "status" }, { "integration", "list", "--json" } } do
      _, err, status = lf(args)
      assert.are.equal(0, status, err)
    end
    _, err, status = lf({ "auth", "logout" })
    assert.are.equal(1, status)
    assert.matches("no stored authorization for profile 'system'", err, 1, true)
    _, err, status = lf({ "-e", "assert(require('salesforce').connect{})" })
    assert.are.equal(1, status)
    assert.matches("no workspace at " .. ws .. ": authorize first ('luaforce auth login')", err,
      1, true)
    assert.is_false(exists())
    system_set()
    assert.is_true(exists())
    assert.matches("No stored authorizations. Run", (lf({ "auth", "status" })))
  end)

  describe("profiles", function()
    local base = { "auth", "profile", "add", "crm", "--client-id", "abc",
      "--authorization-url", "https://login.salesforce.com/services/oauth2/authorize",
      "--token-url", "https://login.salesforce.com/services/oauth2/token" }

    local function with(...)
      local a = {}
      for i, v in ipairs(base) do a[i] = v end
      for _, v in ipairs({ ... }) do a[#a + 1] = v end
      return a
    end

    it("adds, lists, shows with the secret masked, and removes", function()
      local out, err, status = lf(with("--client-secret", "-", "--scope", "api refresh_token"),
        { stdin = "s3cr3t-value\n" })
      assert.are.equal(0, status, err)
      assert.matches("Profile 'crm' saved", out)
      local _
      out = lf({ "auth", "profile", "list" })
      assert.matches("^crm%s+Salesforce%s+https://login.salesforce.com/services/oauth2/token\n",
        out)
      out, _, status = lf({ "auth", "profile", "show", "crm" })
      assert.are.equal(0, status)
      assert.matches("client secret:%s+%*%*%*%*%*%*%*%*\n", out)
      assert.matches(
        "refresh url:%s+https://login.salesforce.com/services/oauth2/token %(the token URL%)", out)
      assert.not_matches("s3cr3t", out)
      -- the secret is stored, not echoed, and not in any file in clear text
      out, _, status = lf({ "auth", "profile", "remove", "crm" })
      assert.are.equal(0, status)
      assert.matches("Profile 'crm' removed", out)
      _, err, status = lf({ "auth", "profile", "show", "crm" })
      assert.are.equal(1, status)
      assert.matches("no profile named 'crm'", err)
    end)

    it("rejects bad fields with clear messages", function()
      local cases = {
        { { "auth", "profile", "add", "crm", "--authorization-url",
            "https://x.salesforce.com/a", "--token-url", "https://x.salesforce.com/t" },
          "missing client id" },
        { with("--refresh-url", "http://example.com/token"), "must use https" },
        { with("--callback-url", "ftp://example.com/cb"), "not an http%(s%) URL" },
        { with("--client-secret", string.rep("x", 256)), "client secret is longer than 255" },
        { { "auth", "profile", "add", "bad name!", "--client-id", "a" }, "profile names are" },
        { { "auth", "profile", "add", "system", "--client-id", "a" },
          "'system' is the system app" },
        { with("--token-url"), "option '%-%-token%-url' needs a value" },
        { with("--bogus", "1"), "unknown option '%-%-bogus'" },
      }
      for _, c in ipairs(cases) do
        local _, err, status = lf(c[1])
        assert.is_true(status == 1 or status == 2, err)
        assert.matches(c[2], err)
      end
      local long = "https://login.salesforce.com/" .. string.rep("a", 3000)
      local _, err = lf(with("--authorization-url", long))
      assert.matches("longer than 3000", err)
      -- loopback redirect over http is fine
      local _, err2, status2 = lf(with("--callback-url", "http://localhost:8080/cb"))
      assert.are.equal(0, status2, err2)
    end)
  end)

  describe("the system app", function()
    it("is set once, shown masked, and overridden by the environment", function()
      system_set()
      local out = lf({ "auth", "system", "show" })
      assert.matches("client id:%s+luaforce%-test%-client\n", out)
      assert.matches("client secret:%s+%*%*%*%*%*%*%*%*\n", out)
      assert.not_matches("luaforce%-test%-secret", out)
      out = lf({ "auth", "system", "show" },
        { env = { LUAFORCE_SYSTEM_CLIENT_ID = "from-env" } })
      assert.matches("client id:%s+from%-env  %(from LUAFORCE_SYSTEM_CLIENT_ID%)", out)
    end)

    it("is needed before logging in", function()
      local _, err, status = lf({ "auth", "login", "--client-credentials" })
      assert.are.equal(1, status)
      assert.matches("the system app is not configured", err)
    end)
  end)

  describe("logins", function()
    it("web server flow: PKCE and state, redirect received by the listener", function()
      local port = helper.random_port()
      system_set(port)
      local wait_for, finish = background({ "auth", "login" })
      local url = wait_for("(https://%S+/services/oauth2/authorize%?%S+)")
      wait_for("Waiting for the redirect")
      assert.matches("code_challenge_method=S256", url, 1, true)
      assert.matches("&state=[%w_-]+", url)
      local location, body = helper.browse(url, emu.ca, true)
      assert.matches("^http://127.0.0.1:" .. port .. "/callback%?code=", location)
      assert.matches("authorization received", body)
      local status, out = finish()
      assert.are.equal(0, status, out)
      assert.matches("Authorized the workspace with profile 'system': org Luaforce Dev "
        .. "%(Developer Edition%) as dev@example.com", out)
      -- what was sent to the token endpoint
      local sent = token_requests()
      assert.are.equal(1, #sent)
      assert.are.equal("authorization_code", sent[1].form.grant_type)
      assert.matches("^[%w_-]+$", sent[1].form.code_verifier)
      assert.are.equal("http://127.0.0.1:" .. port .. "/callback", sent[1].form.redirect_uri)
      assert.is_nil(sent[1].headers.authorization)
      -- stored for the workspace, status shows no token
      local raw = stored("system", "_workspace")
      assert.truthy(raw)
      local tokens = cjson.decode(raw)
      local st = lf({ "auth", "status" })
      assert.matches(
        "system%s+%(workspace%)%s+Luaforce Dev%s+Developer Edition%s+dev@example.com", st)
      assert.not_matches(tokens.access_token, st, 1, true)
      assert.not_matches(tokens.refresh_token, st, 1, true)
    end)

    it("web server flow with a pasted redirect URL", function()
      system_set(9) -- port 9 is never listened on: --paste reads stdin
      local fifo = os.tmpname()
      os.remove(fifo)
      os.execute("mkfifo " .. fifo)
      local out = os.tmpname()
      local parts = {}
      for k, v in pairs(env) do parts[#parts + 1] = k .. "=" .. helper.quote(v) end
      os.execute("(" .. table.concat(parts, " ") .. " " .. helper.bin ..
        " auth login --paste <" .. fifo .. " >" .. out .. " 2>&1; echo $? >>" .. out .. ") &")
      local w = io.open(fifo, "w")
      local url
      for _ = 1, 400 do
        url = (read(out) or ""):match("(https://%S+authorize%S+)")
        if url then break end
        os.execute("sleep 0.025")
      end
      assert.truthy(url)
      local location = helper.browse(url, emu.ca)
      w:write(location, "\n")
      w:close()
      local text
      for _ = 1, 400 do
        text = read(out) or ""
        if text:match("\n%d+\n$") then break end
        os.execute("sleep 0.025")
      end
      os.remove(fifo)
      os.remove(out)
      assert.matches("Paste the URL", text)
      assert.matches("Authorized the workspace", text)
      assert.matches("\n0\n$", text)
    end)

    it("JWT bearer with the app's certificate key", function()
      system_set()
      local key = emu.call("GET", "/jwt-key").private_key_path
      local out, err, status = lf({ "auth", "login", "--jwt", key, "--user", "dev@example.com" })
      assert.are.equal(0, status, err)
      assert.matches("Authorized the workspace", out)
      local sent = token_requests()
      assert.are.equal("urn:ietf:params:oauth:grant-type:jwt-bearer", sent[1].form.grant_type)
      assert.is_nil(sent[1].form.client_secret)
      local _, err2, status2 = lf({ "auth", "login", "--jwt", "/nonexistent.pem", "--user", "x" })
      assert.are.equal(1, status2)
      assert.matches("cannot open the JWT private key file /nonexistent.pem", err2)
    end)

    it("client credentials", function()
      system_set()
      local out, err, status = lf({ "auth", "login", "--client-credentials" })
      assert.are.equal(0, status, err)
      assert.matches("Authorized the workspace", out)
      assert.are.equal("client_credentials", token_requests()[1].form.grant_type)
    end)

    it("device flow: code shown, approved, then authorized", function()
      system_set()
      emu.call("POST", "/app", { device_interval = 1 })
      local wait_for, finish = background({ "auth", "login", "--device" })
      local code = wait_for("enter the code (%S+)")
      local polls_before = #token_requests()
      emu.call("POST", "/device/approve", { user_code = code, username = "dev@example.com" })
      local status, out = finish()
      assert.are.equal(0, status, out)
      assert.matches("Authorized the workspace", out)
      assert.truthy(polls_before >= 1)
    end)

    it("legacy password flow, with a warning", function()
      system_set()
      local _
      local out, err, status = lf({ "auth", "login", "--password-flow", "--user",
        "dev@example.com" }, { stdin = "password1TOKEN\n" })
      assert.are.equal(0, status, err)
      assert.matches("legacy", err)
      assert.not_matches("password1", err .. out)
      assert.matches("Authorized the workspace", out)
      _, err, status = lf({ "auth", "login", "--password-flow", "--user", "dev@example.com" },
        { stdin = "wrong\n" })
      assert.are.equal(1, status)
      assert.matches("invalid_grant: authentication failure", err)
    end)

    it("refuses a Trial org and stores nothing", function()
      system_set()
      emu.call("POST", "/org", { trial = true })
      local _, err, status = lf({ "auth", "login", "--client-credentials" })
      emu.call("POST", "/org", { trial = false })
      assert.are.equal(1, status)
      assert.matches("is a Trial org", err)
      assert.matches("Developer Edition and Enterprise Edition", err)
      assert.is_nil(stored("system", "_workspace"))
      local out = lf({ "auth", "status" })
      assert.matches("No stored authorizations", out)
    end)

    it("refuses an untrusted CA and a loopback instance unless allowed", function()
      system_set()
      local _, err, status = lf({ "auth", "login", "--client-credentials" },
        { env = { LUAFORCE_CA_FILE = "" } })
      assert.are.equal(1, status)
      assert.matches("tls error", err)
      _, err, status = lf({ "auth", "login", "--client-credentials" },
        { env = { LUAFORCE_ALLOW_LOOPBACK = "0" } })
      assert.are.equal(1, status)
      assert.matches("untrusted_host error: instance_url host 127.0.0.1 is a loopback", err)
    end)
  end)

  describe("end users", function()
    local function link(user, extra)
      local args = { "auth", "link", "--user", user }
      for _, a in ipairs(extra or {}) do args[#args + 1] = a end
      local out, err, status = lf(args)
      assert.are.equal(0, status, err)
      return (out:gsub("\n$", ""))
    end

    it("authorize through a link bound to them, once", function()
      system_set()
      local _
      local location = helper.browse(link("alice@example.com"), emu.ca)
      local out, err, status = lf({ "auth", "callback", location })
      assert.are.equal(0, status, err)
      assert.matches("Authorized user alice@example.com with profile 'system'", out)
      assert.truthy(stored("system", "alice@example.com"))
      assert.is_nil(stored("system", "_workspace"))
      assert.is_nil(stored("system", "bob@example.com"))
      -- replayed state
      _, err, status = lf({ "auth", "callback", location })
      assert.are.equal(1, status)
      assert.matches("unknown or already used state", err)
      local st = lf({ "auth", "status" })
      assert.matches("system%s+alice@example.com%s+Luaforce Dev", st)
    end)

    it("refuse a wrong, missing or expired state", function()
      system_set()
      local location = helper.browse(link("bob@example.com"), emu.ca)
      local forged = location:gsub("state=[%w_-]+", "state=forged-state")
      local _, err, status = lf({ "auth", "callback", forged })
      assert.are.equal(1, status)
      assert.matches("state error: unknown or already used state", err)
      _, err = lf({ "auth", "callback", (location:gsub("&?state=[%w_-]+", "")) })
      assert.matches("carries no state", err)
      local expired = helper.browse(link("carol@example.com", { "--ttl", "-1" }), emu.ca)
      _, err, status = lf({ "auth", "callback", expired })
      assert.are.equal(1, status)
      assert.matches("the authorization link expired", err)
      assert.is_nil(stored("system", "carol@example.com"))
    end)

    it("make a link of the end user '_workspace', not of the workspace", function()
      system_set()
      local location = helper.browse(link("_workspace"), emu.ca)
      local out, err, status = lf({ "auth", "callback", location })
      assert.are.equal(0, status, err)
      assert.matches("Authorized user _workspace with profile 'system'", out, 1, true)
      assert.truthy(stored("system", "__workspace"))
      assert.is_nil(stored("system", "_workspace"))
    end)
  end)

  describe("logout and revoke", function()
    it("logout forgets locally; revoke also revokes at Salesforce", function()
      system_set()
      assert.are.equal(0, select(3, lf({ "auth", "login", "--client-credentials" })))
      local _
      local out, status
      out, _, status = lf({ "auth", "logout" })
      assert.are.equal(0, status)
      assert.matches("Forgot the tokens of profile 'system'", out)
      assert.is_nil(stored("system", "_workspace"))
      local err
      _, err = lf({ "auth", "logout" })
      assert.matches("no stored authorization for profile 'system'", err)

      assert.are.equal(0, select(3, lf({ "auth", "login", "--client-credentials" })))
      local token = cjson.decode(stored("system", "_workspace")).access_token
      out, _, status = lf({ "auth", "revoke" })
      assert.are.equal(0, status)
      assert.matches("Revoked and forgot", out)
      local revoked
      for _, s in ipairs(emu.call("GET", "/sessions").access_tokens) do
        if s.access_token == token then revoked = s.revoked end
      end
      assert.is_true(revoked)
    end)
  end)

  describe("profile kinds: a generic OAuth 2.0 provider", function()
    -- The emulator's app as a standard OAuth 2.0 server.
    local function generic_provider()
      emu.call("POST", "/app", { provider = "oauth2", client_auth = "client_secret_basic" })
    end

    local function add_profile(name, port, extra)
      local args = { "auth", "profile", "add", name, "--kind", "oauth2",
        "--identity-provider", "Acme IdP", "--client-id", "luaforce-test-client",
        "--client-secret", "-", "--client-auth", "client_secret_basic",
        "--authorization-url", emu.url .. "/services/oauth2/authorize",
        "--token-url", emu.url .. "/services/oauth2/token",
        "--callback-url", "http://127.0.0.1:" .. port .. "/callback" }
      for _, a in ipairs(extra or {}) do args[#args + 1] = a end
      local out, err, status = lf(args, { stdin = "luaforce-test-secret\n" })
      assert.are.equal(0, status, err)
      return out
    end

    -- Adds profile "gen" on a fresh port and starts its web login; returns
    -- the authorization URL (once the listener waits) and finish().
    local function start_login(extra)
      generic_provider()
      add_profile("gen", helper.random_port(), extra)
      local wait_for, finish = background({ "auth", "login", "--profile", "gen" })
      local url = wait_for("(https://%S+/services/oauth2/authorize%?%S+)")
      wait_for("Waiting for the redirect")
      return url, finish
    end

    local function basic_header()
      local out = helper.run({ "python3", "-c", "import base64;print(base64.b64encode("
        .. "b'luaforce-test-client:luaforce-test-secret').decode())" })
      return "Basic " .. out:gsub("%s+$", "")
    end

    it("profile add takes every field; show masks the secret; bad values are named", function()
      add_profile("gen", 1717, { "--revocation-url", emu.url .. "/services/oauth2/revoke",
        "--issuer", "https://idp.example.com", "--prompt", "login consent" })
      local out = lf({ "auth", "profile", "show", "gen" })
      assert.matches("kind:%s+oauth2\n", out)
      assert.matches("client secret:%s+%*%*%*%*%*%*%*%*\n", out)
      assert.matches("client auth:%s+client_secret_basic\n", out)
      local revocation = emu.url:gsub("%p", "%%%0") .. "/services/oauth2/revoke\n"
      assert.matches("revocation url:%s+" .. revocation, out)
      assert.matches("issuer:%s+https://idp.example.com\n", out)
      assert.matches("prompt:%s+login consent\n", out)
      -- the defaults say what they are
      lf({ "auth", "profile", "add", "plain", "--client-id", "x", "--authorization-url",
        "https://a.example.com/auth", "--token-url", "https://a.example.com/token" })
      out = lf({ "auth", "profile", "show", "plain" })
      assert.matches("kind:%s+salesforce %(default%)\n", out)
      assert.matches("client auth:%s+none %(no secret%)\n", out)
      assert.matches("revocation url:%s+https://a%.example%.com/services/oauth2/revoke "
        .. "%(Salesforce's, on the token URL's host%)\n", out)
      lf({ "auth", "profile", "add", "plain2", "--kind", "oauth2", "--client-id", "x",
        "--authorization-url", "https://a.example.com/auth", "--token-url",
        "https://a.example.com/token" })
      out = lf({ "auth", "profile", "show", "plain2" })
      assert.matches("revocation url:%s+%(none: tokens cannot be revoked at the server%)\n", out)
      assert.matches("issuer:%s+https://a.example.com %(the token URL's origin%)\n", out)
      for _, bad in ipairs({
        { { "--kind", "oidc" }, "kind must be salesforce or oauth2, not 'oidc'" },
        { { "--client-auth", "private_key_jwt" }, "client auth must be client_secret_post, "
          .. "client_secret_basic or none, not 'private_key_jwt'" },
        { { "--prompt", "none" }, "prompt must be login, consent or select_account, not 'none'" },
        { { "--revocation-url", "http://evil.example.com/revoke" },
          "revocation url must use https" },
        { { "--client-auth", "none", "--client-secret", "s" }, "a public client %(client auth "
          .. "none%) has no client secret" },
      }) do
        local args = { "auth", "profile", "add", "bad", "--client-id", "x", "--authorization-url",
          "https://a.example.com/auth", "--token-url", "https://a.example.com/token" }
        for _, a in ipairs(bad[1]) do args[#args + 1] = a end
        local _, err, status = lf(args)
        assert.are.equal(1, status)
        assert.matches(bad[2], err)
      end
    end)

    it("web login: basic client authentication, prompt, iss checked, no org check", function()
      local url, finish = start_login({ "--prompt", "consent", "--revocation-url",
        emu.url .. "/services/oauth2/revoke" })
      assert.matches("&prompt=consent$", url)
      local location, body = helper.browse(url, emu.ca, true)
      assert.matches("[?&]iss=", location)
      assert.matches("authorization received", body)
      local status, out = finish()
      assert.are.equal(0, status, out)
      assert.matches("Authorized the workspace with profile 'gen' %(OAuth 2.0, scope ", out)
      local sent = token_requests()
      assert.are.equal(1, #sent)
      assert.are.equal(basic_header(), sent[1].headers.authorization)
      assert.is_nil(sent[1].form.client_secret)
      assert.is_nil(sent[1].form.client_id)
      -- the tokens are kept with expires_in; Salesforce's fields are not asked for
      local tokens = cjson.decode(stored("gen", "_workspace"))
      assert.are.equal(7200, tokens.expires_in)
      assert.is_nil(tokens.instance_url)
      assert.are.same({}, emu.call("GET", "/log?path=/services/data").requests)
      assert.are.same({}, emu.call("GET", "/log?path=/id/").requests)
      -- revoke: RFC 7009 with the same client authentication
      local err
      out, err, status = lf({ "auth", "revoke", "--profile", "gen" })
      assert.are.equal(0, status, err)
      assert.matches("Revoked and forgot the tokens of profile 'gen'", out)
      local rv = emu.call("GET", "/log?path=/services/oauth2/revoke").requests
      assert.are.equal(1, #rv)
      assert.are.equal(basic_header(), rv[1].headers.authorization)
      assert.are.same({ token = tokens.refresh_token }, rv[1].form)
      assert.is_nil(stored("gen", "_workspace"))
    end)

    it("the listener's page shows the error when the exchange fails (iss of another server)",
      function()
        local url, finish = start_login({ "--issuer", "https://idp.example.com" })
        local _, body = helper.browse(url, emu.ca, true)
        assert.not_matches("authorization received", body)
        assert.matches("authorization failed: state error: the redirect names issuer &#39;"
          .. emu.url:gsub("%p", "%%%0") .. "&#39;, but profile &#39;gen&#39; expects "
          .. "&#39;https://idp.example.com&#39;", body)
        local status, out = finish()
        assert.are.equal(1, status)
        assert.matches("expects 'https://idp.example.com'", out)
        assert.are.same({}, token_requests()) -- no code was exchanged
        assert.is_nil(stored("gen", "_workspace"))
      end)

    it("the listener's page escapes the error description (<, >, &, quotes)", function()
      local url, finish = start_login()
      package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
      require "salesforce"
      local esc = require("salesforce.core").url_escape
      local q = assert(require("salesforce.workspace").parse_query(url))
      local desc = [[<script>alert("x" & 'y')</script>]]
      local _, code, body = helper.browse(q.redirect_uri .. "?state=" .. esc(q.state)
        .. "&error=access_denied&error_description=" .. esc(desc))
      assert.are.equal(200, code)
      assert.matches("<p>luaforce: authorization failed: oauth error: authorization refused: "
        .. "access_denied (&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;)"
        .. "</p>", body, 1, true)
      assert.is_nil(body:find("<script", 1, true))
      local status, out = finish()
      assert.are.equal(1, status)
      assert.matches(desc, out, 1, true) -- the terminal shows it as it is
      assert.are.same({}, token_requests())
    end)

    it("a Salesforce-kind profile against it names the missing field and revokes", function()
      local url, finish = start_login({ "--kind", "salesforce", "--revocation-url",
        emu.url .. "/services/oauth2/revoke" })
      local _, body = helper.browse(url, emu.ca, true)
      assert.matches("authorization failed: protocol error: the token response lacks "
        .. "instance_url", body)
      local status, out = finish()
      assert.are.equal(1, status)
      assert.matches("lacks instance_url", out)
      assert.not_matches("access_token or", out)
      -- the tokens issued were revoked, not just dropped
      local rv = emu.call("GET", "/log?path=/services/oauth2/revoke").requests
      assert.are.equal(2, #rv)
      local sessions = emu.call("GET", "/sessions")
      for _, t in ipairs(sessions.access_tokens) do assert.is_false(t.active) end
      for _, t in ipairs(sessions.refresh_tokens) do assert.is_false(t.active) end
    end)

    it("a Salesforce-kind redirect's iss must be the login host or a Salesforce host", function()
      system_set()
      local function callback(iss)
        local link = lf({ "auth", "link", "--user", "alice" })
        local state = link:match("[?&]state=([%w_-]+)")
        return lf({ "auth", "callback", "http://127.0.0.1:1717/callback?code=bad&state=" .. state
          .. "&iss=" .. iss })
      end
      local _, err, status = callback("https%3A%2F%2Fevil.example.com")
      assert.are.equal(1, status)
      assert.matches("the redirect names issuer 'https://evil.example.com', but profile "
        .. "'system' expects '" .. emu.url:gsub("%p", "%%%0") .. "'", err)
      assert.are.same({}, token_requests())
      -- a My Domain host passes the issuer check (the bad code then fails)
      _, err, status = callback("https%3A%2F%2Facme.my.salesforce.com")
      assert.are.equal(1, status)
      assert.matches("invalid_grant", err)
      assert.are.equal(1, #token_requests())
    end)

    it("a failing org check names the URL it called and what failed", function()
      system_set()
      emu.call("POST", "/faults", { kind = "status", status = 403, count = 5, method = "GET",
        path = "/services/data/v62.0/query" })
      local _, err, status = lf({ "auth", "login", "--client-credentials" })
      assert.are.equal(1, status)
      assert.matches("the org check %(GET " .. emu.url:gsub("%p", "%%%0")
        .. "/services/data/v62.0/query%?q=SELECT%%20Id%%2C%%20Name[^)]*%) failed: GET answered "
        .. "HTTP 403", err)
      assert.is_nil(stored("system", "_workspace"))
    end)

    it("logout and revoke say whether the server offers revocation", function()
      generic_provider()
      add_profile("norv", 1717)
      lf({ "auth", "login", "--profile", "norv", "--client-credentials" })
      assert.truthy(stored("norv", "_workspace"))
      local _, err, status = lf({ "auth", "revoke", "--profile", "norv" })
      assert.are.equal(1, status)
      assert.matches("profile 'norv' names no revocation URL: the server offers no token "
        .. "revocation, so nothing was revoked", err)
      assert.truthy(stored("norv", "_workspace"))
      local out
      out, err, status = lf({ "auth", "logout", "--profile", "norv" })
      assert.are.equal(0, status, err)
      assert.matches("Forgot the tokens of profile 'norv' here. Profile 'norv' names no "
        .. "revocation URL: the server offers no revocation, so they stay valid there until "
        .. "they expire.", out)
      emu.call("POST", "/app", { provider = "salesforce", client_auth = "any" })
      system_set()
      lf({ "auth", "login", "--client-credentials" })
      out = lf({ "auth", "logout" })
      assert.matches("Forgot the tokens of profile 'system' here; they stay valid at the "
        .. "server until they expire %('luaforce auth revoke' revokes them%)", out)
    end)
  end)

  describe("a sealed store", function()
    it("keeps tokens encrypted and refuses a wrong key", function()
      local key = string.rep("ab", 32)
      system_set()
      local _, err, status = lf({ "auth", "login", "--client-credentials" },
        { env = { LUAFORCE_STORE_KEY = key } })
      -- the system app was stored before the key was set: a clear error
      assert.are.equal(1, status)
      assert.matches("crypto error", err)
      helper.run({ "rm", "-rf", ws })
      env.LUAFORCE_STORE_KEY = key
      system_set()
      _, err, status = lf({ "auth", "login", "--client-credentials" })
      assert.are.equal(0, status, err)
      local raw = stored("system", "_workspace")
      assert.truthy(raw)
      assert.not_matches("access_token", raw, 1, true)
      local out = lf({ "auth", "status" })
      assert.matches("Luaforce Dev", out)
      _, err, status = lf({ "auth", "status" },
        { env = { LUAFORCE_STORE_KEY = string.rep("cd", 32) } })
      assert.are.equal(1, status)
      assert.matches("crypto error", err)
    end)
  end)
end)
