-- The salesforce module's Client against the HTTPS emulator: the three
-- ways to connect, then the success and failure contract of every public
-- function, with what was sent read back from the emulator's request log;
-- misuse that raises before anything is sent; pagination in flat memory;
-- a refresh in the middle of pagination; retries and the POST that is
-- never re-sent; concurrency bounded by connections; bulk and composite
-- calls; injection attempts that never change a query's meaning.
local helper = require "spec.helper"
local cjson = require "cjson"
local system = require "system"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local core = require "salesforce.core"
local soql = require "salesforce.soql"

local CLIENT_ID, SECRET = "luaforce-test-client", "luaforce-test-secret"
local API = "/services/data/v62.0"
local FAKE_ID = "00Q5g0000000099EAA" -- well formed, never created

local emu            -- one HTTPS emulator for the file, reset before each test
local opened = {}    -- clients to close after each test

-- ---- helpers -------------------------------------------------------------------

local function now() return system.monotime() end

--- A control call that must succeed (through helper's co-process, one
-- python3 for the whole file); returns the decoded answer.
local function control(method, path, body) return emu.control(method, path, body) end

--- The request log, optionally only the paths starting with `prefix`.
local function sent(prefix) return emu.sent(prefix) end

local function clear_log() control("DELETE", "/log") end

local function fault(f) control("POST", "/faults", f) end

--- Seeds records ({sobject = {fields}, ...} or generator options); returns ids.
local function seed(sobject, records)
  if records[1] == nil then
    local body = { sobject = sobject }
    for k, v in pairs(records) do body[k] = v end
    return control("POST", "/seed", body).ids
  end
  return control("POST", "/seed", { sobject = sobject, records = records }).ids
end

--- The records the emulator holds (deleted ones excluded), by id.
local function stored(sobject)
  local out, n = {}, 0
  local path = "/records?include_deleted=false&sobject=" .. sobject
  for _, r in ipairs(control("GET", path).records) do
    out[r.Id] = r
    n = n + 1
  end
  return out, n
end

local params = helper.query_params

local function count_grants(grant_type)
  local n = 0
  for _, e in ipairs(sent("/services/oauth2/token")) do
    if e.form and e.form.grant_type == grant_type then n = n + 1 end
  end
  return n
end

local function options(over)
  local o = { flow = "password", client_id = CLIENT_ID, client_secret = SECRET,
    login_url = emu.url, username = "dev@example.com", password = "password1TOKEN",
    ca_file = emu.ca, allow_loopback = true }
  for k, v in pairs(over or {}) do
    if v == false then o[k] = nil else o[k] = v end
  end
  return o
end

local function track(sf)
  opened[#opened + 1] = sf
  return sf
end

--- A client by the password flow (options overridable; false removes).
local function connect(over)
  local sf, err = salesforce.connect(options(over))
  assert(sf, "connect failed: " .. tostring(err))
  return track(sf)
end

--- A refresh token, by the web-server flow driven with the core functions.
local function web_refresh_token()
  local http = assert(core.http_new({ ca_file = emu.ca }))
  local app = { client_id = CLIENT_ID, client_secret = SECRET,
    authorize_url = emu.url .. "/services/oauth2/authorize",
    token_url = emu.url .. "/services/oauth2/token",
    redirect_uri = "http://127.0.0.1:8765/callback", scope = "api refresh_token" }
  local verifier, challenge = core.oauth_pkce()
  local location = assert(helper.browse(
    core.oauth_authorize_url(app, core.oauth_random_state(), challenge), emu.ca))
  local code = core.url_unescape(assert(location:match("[?&]code=([^&]+)")))
  local t = assert(core.oauth_exchange_code(http, app, { allow_loopback = true }, code,
    verifier))
  http:close()
  assert(t.refresh_token, "the web-server flow gave no refresh token")
  return t.refresh_token
end

--- A client that holds a refresh token.
local function connect_refreshable(over)
  local o = { flow = "refresh_token", refresh_token = web_refresh_token(),
    username = false, password = false }
  for k, v in pairs(over or {}) do o[k] = v end
  return connect(o)
end

--- nil, err from a failed call: a structured error of the expected kind
-- (status, error_code) whose tostring reads "<kind> error ...".
local function failed(expected, res, err)
  assert.is_nil(res)
  assert.are.equal("table", type(err), "expected an error object, got " .. tostring(err))
  assert.are.equal(expected.kind, err.kind, tostring(err))
  if expected.status then assert.are.equal(expected.status, err.status, tostring(err)) end
  if expected.code then assert.are.equal(expected.code, err.error_code, tostring(err)) end
  local text = tostring(err)
  assert.are.equal(1, text:find(expected.kind .. " error", 1, true), text)
  assert.is_nil(text:find("table: 0x", 1, true))
  return err
end

local raises = helper.raises

local function names_of(records, field)
  local out = {}
  for i, r in ipairs(records) do out[i] = r[field or "LastName"] end
  table.sort(out)
  return out
end

local function distinct_connections(entries)
  local seen, n = {}, 0
  for _, e in ipairs(entries) do
    if not seen[e.connection] then seen[e.connection], n = true, n + 1 end
  end
  return n
end

local function leads(n, prefix)
  local out = {}
  for i = 1, n do out[i] = { LastName = (prefix or "M") .. i, Company = "Co" } end
  return out
end

-- ---- the suite -------------------------------------------------------------------

describe("salesforce client", function()
  setup(function()
    emu = helper.emulator({ https = true })
  end)

  teardown(function()
    pcall(salesforce.wait) -- no task may outlive the file
    emu.stop()
  end)

  before_each(function()
    control("POST", "/reset")
  end)

  after_each(function()
    for _, sf in ipairs(opened) do sf:close() end
    opened = {}
  end)

  -- ---- connect ------------------------------------------------------------------

  describe("connect", function()
    it("runs a flow, then asks the org for the newest API version", function()
      local sf = connect()
      assert.are.equal("62.0", sf.version)
      local log = sent()
      assert.are.equal(2, #log)
      assert.are.equal("POST", log[1].method)
      assert.are.equal("/services/oauth2/token", log[1].path)
      assert.are.same({ grant_type = "password", client_id = CLIENT_ID, client_secret = SECRET,
        username = "dev@example.com", password = "password1TOKEN" }, log[1].form)
      assert.are.equal("GET", log[2].method)
      assert.are.equal("/services/data/", log[2].path)
      clear_log()
      assert.truthy(sf:create("Lead", { LastName = "V", Company = "C" }))
      assert.are.equal(API .. "/sobjects/Lead/", sent()[1].path)
    end)

    it("picks the newest version the org lists, whatever it is", function()
      local config = helper.tempfile(cjson.encode({ api_versions = { min = "31.0",
        max = "58.0" } }), ".json")
      local other = helper.emulator({ https = true, config = config })
      local ok, err = pcall(function()
        local sf = track(assert(salesforce.connect(options({ login_url = other.url,
          ca_file = other.ca }))))
        assert.are.equal("58.0", sf.version)
        assert.truthy(sf:limits())
        local log = other.call("GET", "/log?path=/services/data/v").requests
        assert.are.equal("/services/data/v58.0/limits", log[1].path)
      end)
      other.stop()
      os.remove(config)
      assert(ok, err)
    end)

    it("uses a pinned version without asking (60.0 and v60.0)", function()
      for _, v in ipairs({ "60.0", "v60.0" }) do
        clear_log()
        local sf = connect({ version = v })
        assert.are.equal("60.0", sf.version)
        assert.truthy(sf:create("Lead", { LastName = "P", Company = "C" }))
        assert.truthy(sf:limits())
        local log = sent()
        assert.are.equal(3, #log) -- token, create, limits: no GET /services/data/
        assert.are.equal("/services/data/v60.0/sobjects/Lead/", log[2].path)
        assert.are.equal("/services/data/v60.0/limits", log[3].path)
      end
      raises("bad API version", salesforce.connect, options({ version = "sixty" }))
    end)

    it("connects with an access token and an instance URL", function()
      local token = connect().access_token
      clear_log()
      local sf = track(assert(salesforce.connect({ instance_url = emu.url,
        access_token = token, ca_file = emu.ca, allow_loopback = true })))
      assert.are.equal("62.0", sf.version)
      assert.truthy(sf:create("Lead", { LastName = "T", Company = "C" }))
      local log = sent()
      assert.are.equal(2, #log) -- discovery and the create; no token request
      assert.are.equal("Bearer " .. token, log[2].headers.authorization)
    end)

    it("connects with a stored authorization of a workspace", function()
      local dir = os.tmpname()
      os.remove(dir)
      local function lf(args, stdin)
        local all = { "auth", "--workspace", dir }
        for _, a in ipairs(args) do all[#all + 1] = a end
        local out, err, status = helper.luaforce(all, { stdin = stdin })
        assert(status == 0, out .. err)
      end
      local ok, err = pcall(function()
        lf({ "settings", "--ca-file", emu.ca, "--allow-loopback" })
        lf({ "system", "set", "--client-id", CLIENT_ID, "--client-secret", "-",
          "--login-url", emu.url }, SECRET .. "\n")
        lf({ "login", "--client-credentials" })
        clear_log()
        local sf = track(assert(salesforce.connect({ profile = "system", workspace = dir })))
        assert.truthy(sf:create("Lead", { LastName = "W", Company = "C" }))
        local log = sent()
        assert.are.equal(0, #sent("/services/oauth2/token")) -- the stored token is used
        local tokens = control("GET", "/sessions").access_tokens
        assert.are.equal(1, #tokens)
        assert.are.equal("Bearer " .. tokens[1].access_token, log[#log].headers.authorization)
        -- client credentials give no refresh token: when the session
        -- expires, the stored authorization is renewed with the same flow
        control("POST", "/sessions/expire")
        clear_log()
        assert.truthy(sf:create("Lead", { LastName = "W2", Company = "C" }))
        local grants = sent("/services/oauth2/token")
        assert.are.equal(1, #grants)
        assert.are.equal("client_credentials", grants[1].form.grant_type)
        local creates = sent("/services/data/v62.0/sobjects/Lead")
        assert.are.same({ 401, 201 }, { creates[1].status, creates[2].status })
        sf:close()
        -- the renewed tokens were stored: a new client uses them at once
        clear_log()
        local sf2 = track(assert(salesforce.connect({ profile = "system", workspace = dir })))
        assert.truthy(sf2:get("Lead", select(1, sf2:query("SELECT Id FROM Lead").records[1].Id)))
        assert.are.equal(0, #sent("/services/oauth2/token"))
        sf2:close()
        -- failures: an unknown profile, a user without an authorization
        failed({ kind = "not_found" }, salesforce.connect({ profile = "nope", workspace = dir }))
        failed({ kind = "not_found" }, salesforce.connect({ profile = "system", user = "u1",
          workspace = dir }))
      end)
      helper.run({ "rm", "-rf", dir })
      assert(ok, err)
    end)

    it("refuses an instance URL that is not https or not allowed", function()
      failed({ kind = "untrusted_host" }, salesforce.connect({
        instance_url = "http://example.my.salesforce.com", access_token = "x" }))
      failed({ kind = "untrusted_host" }, salesforce.connect({
        instance_url = "https://evil.example.com", access_token = "x" }))
      -- the emulator's loopback origin needs allow_loopback
      failed({ kind = "untrusted_host" }, salesforce.connect({ instance_url = emu.url,
        access_token = "x", ca_file = emu.ca }))
      assert.are.equal(0, #sent())
    end)

    it("a flow's tokens refused after they were issued are revoked at the login host",
      function()
        -- the emulator's loopback instance URL, not allowed: the tokens are refused
        local err = failed({ kind = "untrusted_host" },
          salesforce.connect(options({ allow_loopback = false })))
        assert.not_matches("not revoked", err.message)
        local revoked = sent("/services/oauth2/revoke")
        assert.are.equal(1, #revoked)
        assert.are.same({ token = revoked[1].form.token, client_id = CLIENT_ID,
          client_secret = SECRET }, revoked[1].form)
        for _, t in ipairs(control("GET", "/sessions").access_tokens) do
          assert.is_false(t.active)
        end
        -- a token URL given alone names no login host: nothing is revoked, and
        -- the error says so
        clear_log()
        err = failed({ kind = "untrusted_host" }, salesforce.connect(options({
          allow_loopback = false, login_url = false,
          token_url = emu.url .. "/services/oauth2/token" })))
        assert.matches("; not revoked: no revocation URL$", err.message)
        assert.are.equal(0, #sent("/services/oauth2/revoke"))
      end)

    it("returns nil, err of kind oauth for wrong credentials", function()
      local err = failed({ kind = "oauth", status = 400 },
        salesforce.connect(options({ password = "wrong" })))
      assert.are.equal("invalid_grant", err.remote_code)
      assert.is_nil(tostring(err):find("wrong", 1, true)) -- no secret in the message
      failed({ kind = "oauth" }, salesforce.connect(options({ client_secret = "nope" })))
      assert.are.equal(2, #sent("/services/oauth2/token"))
      assert.are.equal(0, #sent("/services/data"))
    end)

    it("raises on misuse", function()
      raises("needs a table of options", salesforce.connect, "system")
      raises("needs access_token and instance_url", salesforce.connect,
        { instance_url = emu.url })
      raises("needs access_token and instance_url", salesforce.connect,
        { access_token = "x", instance_url = 42 })
      raises("a flow needs client_id", salesforce.connect, options({ client_id = false }))
      raises("unknown flow", salesforce.connect, options({ flow = "magic" }))
      raises("needs username and password", salesforce.connect, options({ password = false }))
      raises("needs refresh_token", salesforce.connect, options({ flow = "refresh_token" }))
      raises("needs key_file and username", salesforce.connect, options({ flow = "jwt" }))
      assert.are.equal(0, #sent())
    end)
  end)

  -- ---- call and request ---------------------------------------------------------------

  describe("call and request", function()
    it("http:call sends each call's own headers and body, whatever came before", function()
      -- the runtime makes the last call's request new for the next one
      -- and keeps its headers only when they would be the same
      local rt = assert(core.http_new({ ca_file = emu.ca }))
      local url = emu.url .. "/services/data/"
      local calls = {
        { "GET", url, "Bearer a" },
        { "GET", url, "Bearer a" },
        { "GET", url .. "?x=1", "Bearer a", nil, nil, { ["X-Custom"] = "1" } },
        { "GET", url, "Bearer a" },
        { "POST", url, "Bearer a", '{"a":1}', "text/plain" },
        { "GET", url, "Bearer a" },
        { "GET", url, "Bearer b" },
        { "GET", url },
        { "GET", url, "Bearer b" },
      }
      clear_log()
      for _, c in ipairs(calls) do
        assert.is_number((rt:call(c[1], c[2], c[3], c[4], c[5], c[6])))
      end
      rt:close()
      local log = sent("/services/data/")
      assert.are.equal(#calls, #log)
      for i, c in ipairs(calls) do
        local e, count = log[i], {}
        for _, kv in ipairs(e.raw_headers) do
          count[kv[1]:lower()] = (count[kv[1]:lower()] or 0) + 1
        end
        assert.are.equal(c[1], e.method, "call " .. i)
        assert.are.equal(c[2]:match("^https?://[^/]+(.*)$"), e.target, "call " .. i)
        assert.are.equal(c[3], e.headers.authorization, "call " .. i)
        assert.are.equal(c[6] and "1" or nil, e.headers["x-custom"], "call " .. i)
        assert.are.equal(c[5], e.headers["content-type"], "call " .. i)
        assert.are.equal(c[4] or "", e.body, "call " .. i)
        assert.are.equal("application/json", e.headers.accept, "call " .. i)
        for _, name in ipairs({ "accept", "user-agent", "accept-encoding", "host" }) do
          assert.are.equal(1, count[name], name .. " in call " .. i)
        end
        assert.are.equal(c[3] and 1 or nil, count.authorization, "call " .. i)
      end
    end)

    it("call sends one versioned request and returns body and status", function()
      local sf = connect()
      clear_log()
      local body, status, extra = sf:call("GET", sf:path("/limits"))
      assert.are.equal(200, status)
      assert.is_nil(extra)
      assert.truthy(body.DailyApiRequests)
      assert.matches("^api%-usage=%d+/15000$", sf:limit_info().header)
      local id = assert(sf:call("POST", emu.url .. API .. "/sobjects/Lead/",
        { LastName = "Full", Company = "URL" })).id
      local log = sent()
      assert.are.equal(2, #log)
      assert.are.equal(API .. "/limits", log[1].path)
      assert.are.equal("Bearer " .. sf.access_token, log[1].headers.authorization)
      assert.are.equal("application/json", log[1].headers.accept)
      assert.are.same({ LastName = "Full", Company = "URL" }, log[2].json)
      assert.are.equal("application/json", log[2].headers["content-type"])
      assert.truthy(stored("Lead")[id])
      -- failure: nil, structured error
      failed({ kind = "salesforce", status = 404, code = "NOT_FOUND" },
        sf:call("GET", sf:path("/sobjects/Nope/describe")))
    end)

    it("call raises on misuse, sending nothing", function()
      local sf = connect()
      clear_log()
      raises("path must start with '/'", sf.call, sf, "GET", "limits")
      raises("path must start with '/'", sf.call, sf, "GET",
        "https://evil.example.com/services/data/")
      raises("cannot be encoded as JSON", sf.call, sf, "POST", sf:path("/sobjects/Lead/"),
        { LastName = print })
      assert.are.equal(0, #sent())
    end)

    it("request GETs with query parameters", function()
      local sf = connect()
      seed("Lead", { { LastName = "Q1", Company = "C" }, { LastName = "Q2", Company = "C" } })
      clear_log()
      local res, status = sf:request({ path = "/query",
        query = { q = "SELECT LastName FROM Lead ORDER BY LastName" } })
      assert.are.equal(200, status)
      assert.are.same({ "Q1", "Q2" }, names_of(res.records))
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal("GET", log[1].method)
      assert.are.equal(API .. "/query", log[1].path)
      assert.are.same({ q = "SELECT LastName FROM Lead ORDER BY LastName" }, params(log[1]))
      -- a path under /services/ is taken as is
      res, status = sf:request({ path = "/services/data/" })
      assert.are.equal(200, status)
      assert.are.equal("/services/data/", sent()[2].path)
      assert.truthy(#res > 0)
    end)

    it("request POSTs and PATCHes a body with headers", function()
      local sf = connect()
      clear_log()
      local res, status = sf:request({ method = "post", path = "sobjects/Lead/",
        body = { LastName = "Body", Company = "C" } })
      assert.are.equal(201, status)
      assert.is_true(res.success)
      res, status = sf:request({ method = "PATCH", path = "/sobjects/Lead/" .. res.id,
        body = '{"Company":"Text body"}', headers = { ["Sforce-Auto-Assign"] = "FALSE" } })
      assert.are.equal(204, status)
      assert.is_true(res) -- an empty answer
      local log = sent()
      assert.are.equal("POST", log[1].method)
      assert.are.equal(API .. "/sobjects/Lead/", log[1].path)
      assert.are.same({ LastName = "Body", Company = "C" }, log[1].json)
      assert.are.equal("PATCH", log[2].method)
      assert.are.equal('{"Company":"Text body"}', log[2].body)
      assert.are.equal("FALSE", log[2].headers["sforce-auto-assign"])
      local rec = select(2, stored("Lead"))
      assert.are.equal(1, rec)
    end)

    it("request returns nil, err for an error answer and raises on misuse", function()
      local sf = connect()
      failed({ kind = "salesforce", status = 404, code = "NOT_FOUND" },
        sf:request({ path = "/sobjects/Lead/nope" }))
      clear_log()
      raises("bad argument #1 to 'request' (table expected, got string)", sf.request, sf,
        "/limits")
      raises("bad argument #1 to 'request' (path expected", sf.request, sf, {})
      assert.are.equal(0, #sent())
    end)
  end)

  -- ---- limit_info --------------------------------------------------------------------

  describe("limit_info", function()
    it("is nil before any versioned call, then the latest Sforce-Limit-Info", function()
      local sf = connect()
      assert.is_nil(sf:limit_info()) -- /services/data/ has no limit header
      control("POST", "/limits", { max = 15000, used = 1000 })
      assert.truthy(sf:limits())
      assert.are.same({ used = 1001, max = 15000, header = "api-usage=1001/15000" },
        sf:limit_info())
      control("POST", "/limits", { max = 20000, used = 5 })
      failed({ kind = "salesforce", status = 404 }, sf:describe("Nope"))
      assert.are.same({ used = 6, max = 20000, header = "api-usage=6/20000" }, sf:limit_info())
    end)
  end)

  -- ---- records --------------------------------------------------------------------------

  describe("create", function()
    it("POSTs the fields and returns the new id", function()
      local sf = connect()
      clear_log()
      local id = assert(sf:create("Lead", { LastName = "Doe", Company = "Acme",
        NumberOfEmployees = 12 }))
      assert.matches("^00Q%w+$", id)
      assert.are.equal(18, #id)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal("POST", log[1].method)
      assert.are.equal(API .. "/sobjects/Lead/", log[1].path)
      assert.are.same({ LastName = "Doe", Company = "Acme", NumberOfEmployees = 12 }, log[1].json)
      assert.are.equal("Doe", stored("Lead")[id].LastName)
    end)

    it("returns a structured error naming the missing fields", function()
      local sf = connect()
      local err = failed({ kind = "salesforce", status = 400, code = "REQUIRED_FIELD_MISSING" },
        sf:create("Lead", { FirstName = "No" }))
      assert.are.same({ "LastName", "Company" }, err.fields)
      assert.are.equal(1, #err.errors)
      assert.are.equal("REQUIRED_FIELD_MISSING", err.errors[1].errorCode)
      assert.is_false(err.retryable)
      assert.are.equal("salesforce error (HTTP 400): REQUIRED_FIELD_MISSING: Required fields "
        .. "are missing: [LastName, Company] [fields: LastName, Company]", tostring(err))
      assert.are.equal(0, select(2, stored("Lead")))
    end)
  end)

  describe("get", function()
    it("reads every field, or the listed ones, keeping JSON null apart from missing", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "Get", Company = "C", Email = "g@example.com",
        NumberOfEmployees = 42, AnnualRevenue = 1.5 } })[1]
      clear_log()
      local rec = assert(sf:get("Lead", id))
      assert.are.equal(id, rec.Id)
      assert.are.equal("g@example.com", rec.Email)
      assert.are.equal(salesforce.null, rec.Phone) -- JSON null
      assert.is_nil(rec.NoSuchField__c)            -- missing
      assert.are.equal(42, rec.NumberOfEmployees)  -- integers stay integers
      assert.are.equal("integer", math.type(rec.NumberOfEmployees))
      assert.are.equal(1.5, rec.AnnualRevenue)
      rec = assert(sf:get("Lead", id:sub(1, 15), { "LastName", "Phone" }))
      assert.are.equal("Get", rec.LastName)
      assert.are.equal(salesforce.null, rec.Phone)
      assert.is_nil(rec.Email) -- not asked for
      local log = sent()
      assert.are.equal(API .. "/sobjects/Lead/" .. id, log[1].path)
      assert.are.equal(API .. "/sobjects/Lead/" .. id:sub(1, 15), log[2].path)
      assert.are.same({ fields = "LastName,Phone" }, params(log[2]))
    end)

    it("returns nil, err for an unknown record or field", function()
      local sf = connect()
      failed({ kind = "salesforce", status = 404, code = "NOT_FOUND" }, sf:get("Lead", FAKE_ID))
      local id = seed("Lead", { { LastName = "G", Company = "C" } })[1]
      failed({ kind = "salesforce", status = 400, code = "INVALID_FIELD" },
        sf:get("Lead", id, { "Bogus__c" }))
    end)
  end)

  describe("update", function()
    it("PATCHes the fields; salesforce.null clears a field", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "U", Company = "C", Email = "u@example.com" } })[1]
      clear_log()
      assert.is_true(sf:update("Lead", id, { Company = "New", Email = salesforce.null }))
      local log = sent()
      assert.are.equal("PATCH", log[1].method)
      assert.are.equal(API .. "/sobjects/Lead/" .. id, log[1].path)
      assert.truthy(log[1].body:find('"Email":null', 1, true), log[1].body)
      assert.are.equal("New", log[1].json.Company)
      local rec = assert(sf:get("Lead", id, { "Company", "Email" }))
      assert.are.equal("New", rec.Company)
      assert.are.equal(salesforce.null, rec.Email)
    end)

    it("returns nil, err for a bad field or an unknown record", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "U", Company = "C" } })[1]
      local err = failed({ kind = "salesforce", status = 400, code = "INVALID_FIELD" },
        sf:update("Lead", id, { Bogus__c = 1 }))
      assert.truthy(err.message:find("Bogus__c", 1, true))
      failed({ kind = "salesforce", status = 404 }, sf:update("Lead", FAKE_ID, { Company = "X" }))
    end)
  end)

  describe("upsert", function()
    it("creates (201), then updates (200) by external id", function()
      local sf = connect()
      clear_log()
      local r = assert(sf:upsert("Lead", "Ext_Id__c", "X-1/a b", { LastName = "Up",
        Company = "C" }))
      assert.is_true(r.created)
      assert.matches("^00Q", r.id)
      local r2 = assert(sf:upsert("Lead", "Ext_Id__c", "X-1/a b", { LastName = "Up2" }))
      assert.are.same({ id = r.id, created = false }, r2)
      local log = sent()
      assert.are.equal(2, #log)
      assert.are.equal("PATCH", log[1].method)
      assert.are.equal(API .. "/sobjects/Lead/Ext_Id__c/X-1%2Fa%20b", log[1].target)
      assert.are.same({ LastName = "Up2" }, log[2].json)
      assert.are.equal(201, log[1].status)
      assert.are.equal(200, log[2].status)
      local rec = stored("Lead")[r.id]
      assert.are.equal("Up2", rec.LastName)
      assert.are.equal("X-1/a b", rec.Ext_Id__c)
    end)

    it("reports several matches as kind multiple_matches listing them", function()
      local sf = connect()
      local ids = seed("Lead", { { LastName = "A", Company = "C", Ext_Id__c = "DUP" },
        { LastName = "B", Company = "C", Ext_Id__c = "DUP" } })
      local err = failed({ kind = "multiple_matches", status = 300 },
        sf:upsert("Lead", "Ext_Id__c", "DUP", { LastName = "Z" }))
      assert.are.same({ API .. "/sobjects/Lead/" .. ids[1], API .. "/sobjects/Lead/" .. ids[2] },
        err.matches)
      assert.truthy(err.message:find(ids[1], 1, true))
      assert.truthy(err.message:find(ids[2], 1, true))
      assert.are.equal("A", stored("Lead")[ids[1]].LastName) -- nothing changed
      failed({ kind = "salesforce", status = 404, code = "NOT_FOUND" },
        sf:upsert("Lead", "Nope__c", "x", { LastName = "Z" }))
    end)
  end)

  describe("delete", function()
    it("DELETEs the record; a second delete fails", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "D", Company = "C" } })[1]
      clear_log()
      assert.is_true(sf:delete("Lead", id))
      local log = sent()
      assert.are.equal("DELETE", log[1].method)
      assert.are.equal(API .. "/sobjects/Lead/" .. id, log[1].path)
      assert.is_nil(stored("Lead")[id])
      failed({ kind = "salesforce", status = 404, code = "ENTITY_IS_DELETED" },
        sf:delete("Lead", id))
      failed({ kind = "salesforce", status = 404 }, sf:delete("Lead", FAKE_ID))
    end)
  end)

  describe("record functions", function()
    it("raise on bad sObject names, ids, fields and values, sending nothing", function()
      local sf = connect()
      clear_log()
      for _, name in ipairs({ 42, "", "Lead/../limits", "Lead?x=1", "Lead Name", "1Lead",
        "Le'ad" }) do
        raises("bad sObject name", sf.create, sf, name, { LastName = "x" })
        raises("bad sObject name", sf.get, sf, name, FAKE_ID)
        raises("bad sObject name", sf.update, sf, name, FAKE_ID, { LastName = "x" })
        raises("bad sObject name", sf.upsert, sf, name, "Ext_Id__c", "x", {})
        raises("bad sObject name", sf.delete, sf, name, FAKE_ID)
        raises("bad sObject name", sf.describe, sf, name)
      end
      for _, id in ipairs({ 42, "", "00Q5g00000000", "00Q' OR ''='", "../../../limits",
        FAKE_ID .. "x", "00Q5g0000000099EA%", 123456789012345, "00Q5g00000\195\169ABC",
        "00Q5g0000000\0ABCDE", "00Q5g000000009-" }) do
        raises("bad record id", sf.get, sf, "Lead", id)
        raises("bad record id", sf.update, sf, "Lead", id, { LastName = "x" })
        raises("bad record id", sf.delete, sf, "Lead", id)
      end
      raises("create needs a table of fields", sf.create, sf, "Lead", "LastName=x")
      raises("fields must be a list of names", sf.get, sf, "Lead", FAKE_ID, "Name")
      raises("invalid name", sf.get, sf, "Lead", FAKE_ID, { "Name,Id" })
      raises("update needs a non-empty table of fields", sf.update, sf, "Lead", FAKE_ID, {})
      raises("update needs a non-empty table of fields", sf.update, sf, "Lead", FAKE_ID, "x")
      raises("bad external id field name", sf.upsert, sf, "Lead", "Ext_Id__c/x", "v", {})
      raises("must be a string or number", sf.upsert, sf, "Lead", "Ext_Id__c", { 1 }, {})
      raises("upsert needs a table of fields", sf.upsert, sf, "Lead", "Ext_Id__c", "v")
      assert.are.equal(0, #sent())
    end)
  end)

  -- ---- describe and limits ------------------------------------------------------------

  describe("describe", function()
    it("is cached per client: one request for two calls", function()
      local sf = connect()
      clear_log()
      local d1 = assert(sf:describe("Lead"))
      local d2 = assert(sf:describe("Lead"))
      assert.are.equal(d1, d2)
      assert.are.equal("Lead", d1.name)
      assert.truthy(#d1.fields > 10)
      assert.are.equal(1, #sent(API .. "/sobjects/Lead/describe"))
      -- another client asks again
      local other = connect()
      clear_log()
      assert.are.equal("Lead", assert(other:describe("Lead")).name)
      assert.are.equal(1, #sent(API .. "/sobjects/Lead/describe"))
    end)

    it("returns nil, err for an unknown sObject, and does not cache it", function()
      local sf = connect()
      clear_log()
      failed({ kind = "salesforce", status = 404, code = "NOT_FOUND" }, sf:describe("Nope"))
      failed({ kind = "salesforce", status = 404 }, sf:describe("Nope"))
      assert.are.equal(2, #sent(API .. "/sobjects/Nope/describe"))
    end)
  end)

  describe("describe_global", function()
    it("lists the sObjects once per client", function()
      local sf = connect()
      clear_log()
      local g = assert(sf:describe_global())
      assert.are.equal(g, sf:describe_global())
      local names = {}
      for _, o in ipairs(g.sobjects) do names[o.name] = o.keyPrefix end
      assert.are.equal("00Q", names.Lead)
      assert.are.equal("006", names.Opportunity)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal(API .. "/sobjects/", log[1].path)
    end)

    it("returns nil, err when refused", function()
      local sf = connect()
      fault({ kind = "status", status = 403, method = "GET", path = API .. "/sobjects/",
        json = { { errorCode = "INSUFFICIENT_ACCESS", message = "no access" } } })
      failed({ kind = "salesforce", status = 403, code = "INSUFFICIENT_ACCESS" },
        sf:describe_global())
      assert.truthy(sf:describe_global()) -- the failure was not cached
    end)
  end)

  describe("limits", function()
    it("reads /limits, or returns nil, err", function()
      local sf = connect()
      control("POST", "/limits", { max = 15000, used = 42 })
      clear_log()
      local l = assert(sf:limits())
      assert.are.equal(15000, l.DailyApiRequests.Max)
      assert.are.equal(15000 - 43, l.DailyApiRequests.Remaining)
      assert.are.equal(API .. "/limits", sent()[1].path)
      fault({ kind = "status", status = 403, method = "GET", path = API .. "/limits",
        json = { { errorCode = "INSUFFICIENT_ACCESS", message = "View Setup needed" } } })
      failed({ kind = "salesforce", status = 403, code = "INSUFFICIENT_ACCESS" }, sf:limits())
    end)
  end)

  -- ---- queries ---------------------------------------------------------------------------

  describe("query", function()
    it("binds values of every type, sending them as SOQL literals", function()
      local sf = connect()
      local ids = seed("Lead", {
        { LastName = "Match", Company = "C1", NumberOfEmployees = 42, DoNotCall = true,
          Email = salesforce.null },
        { LastName = "Decoy", Company = "C2", NumberOfEmployees = 43, DoNotCall = false,
          Email = "d@example.com" } })
      local opp = seed("Opportunity", {
        { Name = "Match", StageName = "Prospecting", CloseDate = "2024-02-29", Amount = 1234.5,
          CreatedDate = "2024-01-15T10:00:00.000+0000" },
        { Name = "Decoy", StageName = "Prospecting", CloseDate = "2999-03-01", Amount = 99,
          CreatedDate = "2020-01-15T10:00:00.000+0000" } })
      local cases = {
        { "Lead", "LastName = :v", "match", "LastName = 'match'" },
        { "Lead", "NumberOfEmployees = :v", 42, "NumberOfEmployees = 42" },
        { "Lead", "DoNotCall = :v", true, "DoNotCall = TRUE" },
        { "Lead", "Email = :v", salesforce.null, "Email = NULL" },
        { "Lead", "Company IN :v", { "C1", "C9" }, "Company IN ('C1', 'C9')" },
        { "Lead", "LastName LIKE :v", soql.pattern("mat", "prefix"), "LastName LIKE 'mat%'" },
        { "Lead", "Id = :v", ids[1], "Id = '" .. ids[1] .. "'" },
        { "Opportunity", "Amount = :v", 1234.5, "Amount = 1234.5" },
        { "Opportunity", "CloseDate = :v", soql.date(2024, 2, 29), "CloseDate = 2024-02-29" },
        { "Opportunity", "CreatedDate > :v", soql.datetime(2022, 1, 1),
          "CreatedDate > 2022-01-01T00:00:00Z" },
        { "Opportunity", "CloseDate < :v", soql.date_literal("LAST_N_DAYS", 30),
          "CloseDate < LAST_N_DAYS:30" },
      }
      for _, c in ipairs(cases) do
        clear_log()
        local field = c[1] == "Lead" and "LastName" or "Name"
        local q = "SELECT " .. field .. " FROM " .. c[1] .. " WHERE " .. c[2]
        local res = assert(sf:query(q, { v = c[3] }))
        assert.are.same({ "Match" }, names_of(res.records, field), c[4])
        assert.are.equal(1, res.totalSize)
        local log = sent()
        assert.are.equal(1, #log)
        assert.are.equal(API .. "/query/", log[1].path)
        assert.are.equal("SELECT " .. field .. " FROM " .. c[1] .. " WHERE " .. c[4],
          params(log[1]).q)
      end
      assert.are.equal(2, #opp)
    end)

    it("returns nil, err for bad SOQL, and raises on bad binds", function()
      local sf = connect()
      failed({ kind = "salesforce", status = 400, code = "MALFORMED_QUERY" },
        sf:query("SELECT Id FRM Lead"))
      failed({ kind = "salesforce", status = 400, code = "INVALID_FIELD" },
        sf:query("SELECT Bogus__c FROM Lead"))
      clear_log()
      raises("the query must be a string", sf.query, sf, 42)
      raises("binds must be a table", sf.query, sf, "SELECT Id FROM Lead", "x")
      raises("missing bind :n", sf.query, sf, "SELECT Id FROM Lead WHERE LastName = :n", {})
      raises("cannot quote a function", sf.query, sf, "SELECT Id FROM Lead WHERE LastName = :n",
        { n = print })
      raises("NUL", sf.query, sf, "SELECT Id FROM Lead WHERE LastName = :n", { n = "a\0b" })
      assert.are.equal(0, #sent())
    end)
  end)

  describe("per-call timeout_ms", function()
    it("bounds a query, a queryAll and a describe, and is checked", function()
      local sf = connect()
      control("POST", "/latency", { ms = 2500, regex = "/query|/queryAll|/describe" })
      local cases = {
        { "query", function(o) return sf:query("SELECT Id FROM Lead", nil, o) end },
        { "queryAll", function(o) return sf:query_all("SELECT Id FROM Lead", nil, o) end },
        { "sobjects/Contact/describe", function(o) return sf:describe("Contact", o) end },
      }
      for _, c in ipairs(cases) do
        clear_log()
        local t0 = now()
        local res, err = c[2]{ timeout_ms = 300 }
        assert.is_nil(res, c[1])
        assert.are.equal("timeout", err.kind, c[1])
        -- each attempt (the transport retries a timed-out GET) ends at 300 ms
        local attempts = #sent(API .. "/" .. c[1])
        assert.is_true(attempts >= 1, c[1])
        assert.is_true(now() - t0 < attempts * 2.5, c[1])
      end
      control("DELETE", "/latency")
      -- the query's own options stay (too_long_hint) and a cached describe needs no call
      assert.truthy(sf:query("SELECT Id FROM Lead", nil, { timeout_ms = 5000 }))
      assert.are.equal("Lead", sf:describe("Lead", { timeout_ms = 5000 }).name)
      clear_log()
      assert.are.equal("Lead", sf:describe("Lead", { timeout_ms = 1 }).name)
      assert.are.equal(0, #sent())
      raises("bad argument #3 to 'query' (options table expected, got string)", sf.query, sf,
        "SELECT Id FROM Lead", nil, "fast")
      raises("bad argument #3 to 'query_all' (timeout_ms must be a positive integer, got 0)",
        sf.query_all, sf, "SELECT Id FROM Lead", nil, { timeout_ms = 0 })
      raises("bad argument #2 to 'describe' (timeout_ms must be a positive integer",
        sf.describe, sf, "Lead", { timeout_ms = 1.5 })
      assert.are.equal(0, #sent())
    end)
  end)

  describe("deadline_ms and within", function()
    it("bound the whole call, the transport's retries and their waits included", function()
      local sf = connect()
      control("POST", "/latency", { ms = 1500, regex = "/query" })
      clear_log()
      local t0 = now()
      local res, err = sf:query("SELECT Id FROM Lead", nil, { timeout_ms = 400,
        deadline_ms = 1000 })
      local took = now() - t0
      assert.is_nil(res)
      assert.are.equal("timeout", err.kind)
      assert.matches("deadline of 1000 ms %(%d attempts%)", err.message)
      -- (without the deadline: four 400 ms attempts and the backoffs, over 2.4 s;
      -- the bound leaves room for a loaded machine)
      assert.is_true(took >= 0.9 and took < 2.2, "took " .. took)
      assert.is_true(#sent(API .. "/query") >= 2) -- retried within it
      control("DELETE", "/latency")
      -- a Retry-After that would end past the deadline is not waited for
      fault{ kind = "status", status = 503, retry_after = 5, path = API .. "/sobjects/Lead/" }
      clear_log()
      t0 = now()
      res, err = sf:request{ path = { "sobjects", "Lead", FAKE_ID }, deadline_ms = 2000 }
      assert.is_nil(res)
      assert.are.equal(503, err.status)
      assert.is_true(now() - t0 < 1.5)
      assert.are.equal(1, #sent(API .. "/sobjects/Lead/"))
      raises("bad argument #3 to 'query' (deadline_ms must be a positive integer, got 0)",
        sf.query, sf, "SELECT Id FROM Lead", nil, { deadline_ms = 0 })
      raises("bad argument #1 to 'request' (deadline_ms must be a positive integer, got 1.5)",
        sf.request, sf, { path = "/limits", deadline_ms = 1.5 })
    end)

    it("gives every call of a view one deadline, sharing the client", function()
      local m0 = core.monotonic_ms()
      assert.are.equal("integer", math.type(m0))
      local sf = connect()
      assert.is_true(core.monotonic_ms() >= m0)
      control("POST", "/latency", { ms = 700, regex = "/query" })
      local view = sf:within(1000)
      local t0 = now()
      assert.truthy(view:query("SELECT Id FROM Lead"))
      local res, err = view:query("SELECT Id FROM Lead")
      local took = now() - t0
      assert.is_nil(res)
      assert.are.equal("timeout", err.kind)
      assert.is_true(took >= 0.9 and took < 2.2, "took " .. took)
      -- spent: a call now fails at once, without sending
      clear_log()
      res, err = view:query("SELECT Id FROM Lead")
      assert.is_nil(res)
      assert.matches("deadline of these calls %(Client:within%) passed", err.message)
      assert.are.equal(0, #sent())
      control("DELETE", "/latency")
      -- the client itself has no deadline; a view of a view keeps the sooner one
      assert.truthy(sf:query("SELECT Id FROM Lead"))
      assert.are.equal(sf.access_token, view.access_token)
      assert.is_nil(view:within(60000):query("SELECT Id FROM Lead"))
      raises("bad argument #1 to 'within' (milliseconds expected (a positive integer), got 0)",
        sf.within, sf, 0)
    end)
  end)

  describe("query_all", function()
    it("sees deleted records that query does not", function()
      local sf = connect()
      local ids = seed("Lead", { { LastName = "Kept", Company = "C" },
        { LastName = "Gone", Company = "C" } })
      assert.is_true(sf:delete("Lead", ids[2]))
      clear_log()
      local q = "SELECT LastName, IsDeleted FROM Lead WHERE Id IN :ids"
      assert.are.same({ "Kept" }, names_of(assert(sf:query(q, { ids = ids })).records))
      local all = assert(sf:query_all(q, { ids = ids }))
      assert.are.same({ "Gone", "Kept" }, names_of(all.records))
      for _, r in ipairs(all.records) do assert.are.equal(r.LastName == "Gone", r.IsDeleted) end
      local log = sent()
      assert.are.equal(API .. "/queryAll/", log[2].path)
      assert.are.equal("SELECT LastName, IsDeleted FROM Lead WHERE Id IN ('" .. ids[1] .. "', '"
        .. ids[2] .. "')", params(log[2]).q)
      failed({ kind = "salesforce", status = 400, code = "MALFORMED_QUERY" },
        sf:query_all("SELECT FROM"))
      raises("the query must be a string", sf.query_all, sf, nil)
    end)
  end)

  describe("query_more", function()
    it("follows nextRecordsUrl, or returns nil, err for a bad locator", function()
      local sf = connect()
      seed("Lead", { count = 2100, template = { LastName = "L{n}", Company = "C" },
        return_ids = false })
      local first = assert(sf:query("SELECT Id FROM Lead"))
      assert.is_false(first.done)
      assert.are.equal(2000, #first.records)
      assert.are.equal(2100, first.totalSize)
      clear_log()
      local second = assert(sf:query_more(first.nextRecordsUrl))
      assert.is_true(second.done)
      assert.are.equal(100, #second.records)
      assert.are.equal(first.nextRecordsUrl, sent()[1].path)
      failed({ kind = "salesforce", status = 400, code = "INVALID_QUERY_LOCATOR" },
        sf:query_more(API .. "/query/01g5g0000000009AAA-2000"))
      clear_log()
      raises(nil, sf.query_more, sf, 42)
      raises("bad argument #1 to 'query_more' (not a nextRecordsUrl of this instance",
        sf.query_more, sf,
        "https://evil.example.com" .. first.nextRecordsUrl)
      assert.are.equal(0, #sent())
    end)
  end)

  describe("count", function()
    it("counts with SELECT COUNT(), an sObject name, or a where clause with binds", function()
      local sf = connect()
      seed("Lead", { { LastName = "A", Company = "Acme" }, { LastName = "B", Company = "Acme" },
        { LastName = "C", Company = "O'Hara & Co" } })
      clear_log()
      assert.are.equal(3, sf:count("Lead"))
      assert.are.equal(1, sf:count("Lead", "Company = :co", { co = "O'Hara & Co" }))
      assert.are.equal(2, sf:count("SELECT COUNT() FROM Lead WHERE Company = :co",
        { co = "Acme" }))
      local log = sent()
      assert.are.equal("SELECT COUNT() FROM Lead", params(log[1]).q)
      assert.are.equal("SELECT COUNT() FROM Lead WHERE Company = 'O\\'Hara & Co'",
        params(log[2]).q)
      failed({ kind = "salesforce", status = 400, code = "INVALID_TYPE" }, sf:count("Nope"))
      raises("count needs a query or an sObject name", sf.count, sf, 42)
    end)

    it("returns an integer", function()
      local sf = connect()
      seed("Lead", { { LastName = "A", Company = "C" } })
      local n = sf:count("Lead")
      assert.are.equal("integer", math.type(n), "count returned " .. tostring(n))
    end)
  end)

  describe("each", function()
    it("pages 5,000 records lazily, 200 a GET, in flat memory", function()
      local sf = connect()
      seed("Lead", { count = 5000, template = { LastName = "L{n}", Company = "C{i}" },
        return_ids = false })
      clear_log()
      local function full_gc()
        collectgarbage("collect")
        collectgarbage("collect")
        return collectgarbage("count")
      end
      -- seen[k] for record Lk, allocated up front so that marking records
      -- does not grow the heap being measured
      local seen, n, dups = {}, 0, 0
      for k = 1, 5000 do seen[k] = false end
      local before = full_gc()
      local m500, m5000
      local iter = sf:each("SELECT Id, LastName, Company FROM Lead", nil, { batch_size = 200 })
      assert.are.equal(0, #sent()) -- lazy: nothing until the first record is asked for
      for rec in iter do
        n = n + 1
        local k = tonumber(rec.LastName:match("^L(%d+)$"))
        if seen[k] ~= false then dups = dups + 1 else seen[k] = true end
        if n == 1 then assert.are.equal(1, #sent()) end
        if n == 500 then m500 = full_gc() end
        if n == 5000 then m5000 = full_gc() end
      end
      assert.are.equal(5000, n)
      assert.are.equal(0, dups)
      -- Both points hold one page of 200 decoded records (about 125 KB
      -- here). Keeping the records already seen would add ~4,500 records
      -- (~2.5 MB) by the end; the bounds allow 25% of the heap and less
      -- than one page of growth, far below that and far above the noise
      -- (well under 1 KB when measured).
      local page = m500 - before
      assert.is_true(m5000 < m500 * 1.25, ("%.0f KB -> %.0f KB"):format(m500, m5000))
      assert.is_true(m5000 - m500 < page, ("grew %.0f KB; a page is %.0f KB"):format(
        m5000 - m500, page))
      local log = sent()
      assert.are.equal(25, #log)
      for i, e in ipairs(log) do
        assert.are.equal("GET", e.method)
        assert.are.equal("batchSize=200", e.headers["sforce-query-options"])
        if i == 1 then
          assert.are.equal(API .. "/query/", e.path)
          assert.are.equal("SELECT Id, LastName, Company FROM Lead", params(e).q)
        else
          assert.matches("^" .. API:gsub("%p", "%%%0") .. "/query/%w+%-" .. (i - 1) * 200 .. "$",
            e.path)
        end
      end
    end)

    it("iterates queryAll with all = true, and raises the error of a failed page", function()
      local sf = connect()
      local ids = seed("Lead", { count = 450, template = { LastName = "E{n}", Company = "C" } })
      assert.is_true(sf:delete("Lead", ids[1]))
      local n = 0
      for _ in sf:each("SELECT Id FROM Lead", nil, { all = true, batch_size = 200 }) do
        n = n + 1
      end
      assert.are.equal(450, n)
      -- a refused second page raises the structured error out of the loop
      fault({ kind = "status", status = 403, method = "GET", regex = "/query/01g",
        json = { { errorCode = "INSUFFICIENT_ACCESS", message = "no" } } })
      n = 0
      local ok, err = pcall(function()
        for _ in sf:each("SELECT Id FROM Lead", nil, { batch_size = 200 }) do n = n + 1 end
      end)
      assert.is_false(ok)
      assert.are.equal(200, n)
      assert.are.equal("table", type(err))
      assert.are.equal("salesforce", err.kind)
      assert.are.equal(403, err.status)
      assert.are.equal("INSUFFICIENT_ACCESS", err.error_code)
      raises("batch_size must be 200 to 2000", sf.each, sf, "SELECT Id FROM Lead", nil,
        { batch_size = 100 })
      raises("the query must be a string", sf.each, sf, 42)
    end)

    it("refreshes once when the session expires mid-pagination", function()
      local sf = connect_refreshable()
      seed("Lead", { count = 1000, template = { LastName = "S{n}", Company = "C" },
        return_ids = false })
      clear_log()
      local seen, n = {}, 0
      local before = sf.access_token
      for rec in sf:each("SELECT Id FROM Lead", nil, { batch_size = 200 }) do
        n = n + 1
        assert.is_nil(seen[rec.Id], "a record was seen twice")
        seen[rec.Id] = true
        if n == 1 then
          assert.is_true(control("POST", "/sessions/expire", {}).expired > 0)
        end
      end
      assert.are.equal(1000, n)
      assert.are.equal(1, count_grants("refresh_token"))
      assert.are.equal(1, #sent("/services/oauth2/token"))
      assert.are_not.equal(before, sf.access_token)
      local pages = sent(API .. "/query")
      assert.are.equal(6, #pages) -- 5 pages and the replay of the one refused
      assert.are.equal(401, pages[2].status)
      assert.are.equal(pages[2].path, pages[3].path)
      assert.are.equal("Bearer " .. before, pages[2].headers.authorization)
      for i = 3, 6 do
        assert.are.equal("Bearer " .. sf.access_token, pages[i].headers.authorization)
      end
    end)
  end)

  -- ---- search ------------------------------------------------------------------------------

  describe("search", function()
    it("sends the user's text as one escaped phrase and returns the records", function()
      local sf = connect()
      seed("Lead", { { LastName = "Acme Smith", Company = "C" },
        { LastName = "Jones", Company = "Other" } })
      clear_log()
      local hits = assert(sf:search({ text = "acme smith", sobject = "Lead",
        fields = { "Id", "LastName" }, limit = 5 }))
      assert.are.same({ "Acme Smith" }, names_of(hits))
      local log = sent()
      assert.are.equal(API .. "/search/", log[1].path)
      assert.are.equal('FIND {"acme smith"} IN ALL FIELDS RETURNING Lead(Id, LastName LIMIT 5)',
        params(log[1]).q)
      hits = assert(sf:search({ text = "Jones", sobjects = { "Lead", { sobject = "Contact" } },
        scope = "NAME" }))
      assert.are.equal(1, #hits)
      assert.are.equal('FIND {"Jones"} IN NAME FIELDS RETURNING Lead(Id), Contact(Id)',
        params(sent()[2]).q)
    end)

    it("returns nil, err for an unknown sObject, and raises on misuse", function()
      local sf = connect()
      failed({ kind = "salesforce", status = 400, code = "INVALID_TYPE" },
        sf:search({ text = "Acme", sobject = "Nope" }))
      clear_log()
      raises("search needs a table", sf.search, sf, "Acme")
      raises("search needs sobject or sobjects", sf.search, sf, { text = "Acme" })
      raises("search needs text (a string)", sf.search, sf, { text = 42, sobject = "Lead" })
      -- text from end users that cannot be searched is a failure, not misuse
      local res, err = sf:search({ text = "a!", sobject = "Lead" })
      assert.is_nil(res)
      assert.are.equal("invalid_search", err.kind)
      assert.are.equal("search text needs at least 2 letters or digits", err.message)
      res, err = sf:search({ text = " * ", sobject = "Lead" })
      assert.is_nil(res)
      assert.are.equal("invalid_search", err.kind)
      assert.matches("search text is empty", err.message)
      assert.are.equal(0, #sent())
    end)
  end)

  describe("parameterized_search", function()
    it("POSTs the parameters as Salesforce documents them", function()
      local sf = connect()
      seed("Lead", { { LastName = "Smith", Company = "C" }, { LastName = "Jones", Company = "C" } })
      clear_log()
      local p = { q = "Smith", sobjects = { { name = "Lead", fields = { "Id", "LastName" } } },
        overallLimit = 10 }
      local hits = assert(sf:parameterized_search(p))
      assert.are.same({ "Smith" }, names_of(hits))
      local log = sent()
      assert.are.equal("POST", log[1].method)
      assert.are.equal(API .. "/parameterizedSearch/", log[1].path)
      assert.are.same(p, log[1].json)
    end)

    it("returns nil, err when Salesforce refuses, and raises without q", function()
      local sf = connect()
      failed({ kind = "salesforce", status = 400, code = "INVALID_TYPE" },
        sf:parameterized_search({ q = "Acme", sobjects = { { name = "Nope" } } }))
      failed({ kind = "salesforce", status = 400, code = "INVALID_SEARCH" },
        sf:parameterized_search({ q = "A" }))
      raises("needs a table with q", sf.parameterized_search, sf, {})
      raises("needs a table with q", sf.parameterized_search, sf, "Acme")
    end)
  end)

  describe("user text through the module", function()
    -- quotes, backslashes, % and _, SOSL reserved characters and words, a
    -- newline, non-ASCII letters and a symbol
    local NASTY = "O'Brien \\ \"OR\" Smith 50%_x {ü} ; DROP--\nJr. ☃"
    local LIKE_DECOY = (NASTY:gsub("50%%_x", "50abcx")) -- matched by an unescaped % and _

    it("never changes a query's or a search's meaning", function()
      local sf = connect()
      local ids = seed("Lead", { { LastName = NASTY, Company = "Nasty" },
        { LastName = "Smith", Company = "Decoy" }, { LastName = "O'Brien", Company = "Decoy" },
        { LastName = LIKE_DECOY, Company = "Decoy" } })
      local function ids_of(res)
        local out = {}
        for i, r in ipairs(res.records or res) do out[i] = r.Id end
        return out
      end
      local q = "SELECT Id FROM Lead WHERE LastName "
      assert.are.same({ ids[1] }, ids_of(assert(sf:query(q .. "= :n", { n = NASTY }))))
      assert.are.same({ ids[1] }, ids_of(assert(sf:query(q .. "LIKE :p",
        { p = soql.pattern(NASTY, "exact") }))))
      assert.are.same({ ids[1] }, ids_of(assert(sf:query(q .. "LIKE :p",
        { p = soql.pattern("50%_x {ü}") }))))
      assert.are.same({ ids[1] }, ids_of(assert(sf:query(q .. "LIKE "
        .. soql.like("%_x {ü} ; DROP--\nJr", "contains")))))
      assert.are.same({ ids[1] }, ids_of(assert(sf:query(q .. "= " .. salesforce.quote(NASTY)))))
      -- attempts to close the literal or widen the match find nothing
      for _, evil in ipairs({ "x' OR LastName != '", "x\\' OR LastName != \\'", "%", "_%",
        "Smith' OR Name LIKE '%" }) do
        assert.are.same({}, ids_of(assert(sf:query(q .. "= :n", { n = evil }))), evil)
        assert.are.same({}, ids_of(assert(sf:query(q .. "LIKE :p",
          { p = soql.pattern(evil, "exact") }))), evil)
      end
      -- SOSL: the whole text as one phrase
      local function search(text)
        return ids_of(assert(sf:search({ text = text, sobject = "Lead", fields = { "Id" } })))
      end
      assert.are.same({ ids[1] }, search(NASTY))
      local broke_out = search('Brien" OR "Smith') -- OR stays a word inside the phrase
      table.sort(broke_out)
      local want = { ids[1], ids[4] }
      table.sort(want)
      assert.are.same(want, broke_out)
      assert.are.same({}, search("Smi*"))        -- no wildcard from user text
      assert.are.same({}, search("Smith} OR {Jones"))
      assert.are.same({}, search("Nobody OR Smith"))
      -- what was sent: the text escaped, on one line
      local log = sent(API .. "/search")
      local first = params(log[1]).q
      assert.is_nil(first:find("\n", 1, true))
      assert.truthy(first:find('\\"OR\\"', 1, true), first)
      assert.truthy(first:find("\\{ü\\}", 1, true), first)
    end)
  end)

  -- ---- many records ---------------------------------------------------------------------

  describe("create_many", function()
    it("creates 450 records in exactly 3 collection calls, results in order", function()
      local sf = connect()
      clear_log()
      local res = assert(sf:create_many("Lead", leads(450)))
      assert.are.equal(450, #res)
      local log = sent()
      assert.are.equal(3, #log)
      for i, size in ipairs({ 200, 200, 50 }) do
        assert.are.equal("POST", log[i].method)
        assert.are.equal(API .. "/composite/sobjects", log[i].path)
        assert.are.equal(size, #log[i].json.records)
        assert.is_false(log[i].json.allOrNone)
        assert.are.same({ type = "Lead" }, log[i].json.records[1].attributes)
      end
      assert.are.equal("M201", log[2].json.records[1].LastName)
      local db = stored("Lead")
      for i, r in ipairs(res) do
        assert.is_true(r.success)
        assert.are.equal("M" .. i, db[r.id].LastName)
      end
    end)

    it("without all_or_none: a bad record gets its own error, the others are saved", function()
      local sf = connect()
      local recs = leads(450)
      recs[300].Company = nil
      local res = assert(sf:create_many("Lead", recs))
      assert.are.equal(450, #res)
      assert.is_false(res[300].success)
      assert.are.equal("REQUIRED_FIELD_MISSING", res[300].errors[1].statusCode)
      assert.are.same({ "Company" }, res[300].errors[1].fields)
      for i, r in ipairs(res) do
        if i ~= 300 then assert.is_true(r.success, "record " .. i) end
      end
      assert.are.equal(449, select(2, stored("Lead")))
    end)

    it("with all_or_none: one bad record fails the whole call (one chunk)", function()
      local sf = connect()
      local recs = leads(3)
      recs[2].Company = nil
      clear_log()
      local res, err = sf:create_many("Lead", recs, { all_or_none = true })
      assert.is_true(sent()[1].json.allOrNone)
      if res then
        for _, r in ipairs(res) do assert.is_false(r.success) end
        assert.are.equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", res[1].errors[1].statusCode)
      else
        assert.are.equal("table", type(err))
      end
      assert.are.equal(0, select(2, stored("Lead")))
    end)

    it("with all_or_none: one bad record among 450 saves nothing", function()
      local sf = connect()
      local recs = leads(450)
      recs[300].Company = nil
      local res, err = sf:create_many("Lead", recs, { all_or_none = true })
      local _, n = stored("Lead")
      assert.are.equal(0, n, n .. " records were saved although all_or_none was asked for")
      if res then
        for i, r in ipairs(res) do assert.is_false(r.success, "record " .. i) end
      else
        assert.are.equal("table", type(err))
      end
    end)

    it("returns nil, err when a call fails, and raises on misuse", function()
      local sf = connect()
      fault({ kind = "status", status = 400, method = "POST", path = API .. "/composite/sobjects",
        json = { { errorCode = "JSON_PARSER_ERROR", message = "bad" } } })
      failed({ kind = "salesforce", status = 400, code = "JSON_PARSER_ERROR" },
        sf:create_many("Lead", leads(2)))
      clear_log()
      raises("bad argument #2 to 'create_many' (list of record tables expected, got string)",
        sf.create_many, sf, "Lead", "x")
      raises("bad sObject name", sf.create_many, sf, "Le/ad", leads(1))
      assert.are.equal(0, #sent())
    end)
  end)

  describe("update_many", function()
    it("updates 450 records in exactly 3 collection calls, results in order", function()
      local sf = connect()
      local ids = seed("Lead", { count = 450, template = { LastName = "L{n}", Company = "C" } })
      local recs = {}
      for i, id in ipairs(ids) do recs[i] = { Id = id, Company = "U" .. i } end
      clear_log()
      local res = assert(sf:update_many("Lead", recs))
      assert.are.equal(450, #res)
      local log = sent()
      assert.are.equal(3, #log)
      for i, size in ipairs({ 200, 200, 50 }) do
        assert.are.equal("PATCH", log[i].method)
        assert.are.equal(API .. "/composite/sobjects", log[i].path)
        assert.are.equal(size, #log[i].json.records)
      end
      local db = stored("Lead")
      for i, r in ipairs(res) do
        assert.is_true(r.success)
        assert.are.equal(ids[i], r.id)
        assert.are.equal("U" .. i, db[ids[i]].Company)
      end
    end)

    it("reports a bad record alone, or fails all of them with all_or_none", function()
      local sf = connect()
      local ids = seed("Lead", { count = 3, template = { LastName = "L{n}", Company = "C" } })
      local recs = { { Id = ids[1], Company = "X1" }, { Id = ids[2], Status = "Bogus" },
        { Id = ids[3], Company = "X3" } }
      local res = assert(sf:update_many("Lead", recs, { all_or_none = true }))
      for _, r in ipairs(res) do assert.is_false(r.success) end
      assert.are.equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", res[2].errors[1].statusCode)
      assert.are.equal("C", stored("Lead")[ids[1]].Company)
      res = assert(sf:update_many("Lead", recs))
      assert.are.same({ true, false, true }, { res[1].success, res[2].success, res[3].success })
      assert.are.equal("X1", stored("Lead")[ids[1]].Company)
      clear_log()
      raises("bad record id", sf.update_many, sf, "Lead", { { LastName = "no id" } })
      raises("bad argument #2 to 'update_many' (list of record tables expected, got number)",
        sf.update_many, sf, "Lead", 42)
      assert.are.equal(0, #sent())
    end)
  end)

  describe("delete_many", function()
    it("deletes 450 records in exactly 3 collection calls, results in order", function()
      local sf = connect()
      local ids = seed("Lead", { count = 450, template = { LastName = "L{n}", Company = "C" } })
      clear_log()
      local res = assert(sf:delete_many(ids))
      assert.are.equal(450, #res)
      local log = sent()
      assert.are.equal(3, #log)
      for i, range in ipairs({ { 1, 200 }, { 201, 400 }, { 401, 450 } }) do
        assert.are.equal("DELETE", log[i].method)
        assert.are.equal(API .. "/composite/sobjects", log[i].path)
        assert.are.same({ ids = table.concat(ids, ",", range[1], range[2]), allOrNone = "false" },
          params(log[i]))
      end
      for i, r in ipairs(res) do
        assert.is_true(r.success)
        assert.are.equal(ids[i], r.id)
      end
      assert.are.equal(0, select(2, stored("Lead")))
    end)

    it("reports a bad id alone, or deletes nothing with all_or_none", function()
      local sf = connect()
      local ids = seed("Lead", { count = 2, template = { LastName = "L{n}", Company = "C" } })
      local res = assert(sf:delete_many({ ids[1], FAKE_ID }, { all_or_none = true }))
      assert.are.same({ false, false }, { res[1].success, res[2].success })
      assert.are.equal(2, select(2, stored("Lead")))
      assert.are.equal("true", params(sent()[#sent()]).allOrNone)
      res = assert(sf:delete_many({ ids[1], FAKE_ID }))
      assert.are.same({ true, false }, { res[1].success, res[2].success })
      assert.are.equal(1, select(2, stored("Lead")))
      clear_log()
      raises("bad record id", sf.delete_many, sf, { "x" })
      raises("bad record id", sf.delete_many, sf, { ids[2] .. ",001000000000000" })
      raises("bad argument #1 to 'delete_many' (list of record ids expected, got string)",
        sf.delete_many, sf, "x")
      assert.are.equal(0, #sent())
    end)
  end)

  describe("composite", function()
    it("resolves @{ref.id} references in one call", function()
      local sf = connect()
      clear_log()
      local res = assert(sf:composite({
        { method = "POST", url = "/sobjects/Account", referenceId = "acc",
          body = { Name = "Acme" } },
        { method = "post", url = "sobjects/Contact", referenceId = "con",
          body = { LastName = "Smith", AccountId = "@{acc.id}" } },
        { url = API .. "/sobjects/Contact/@{con.id}", referenceId = "read" },
      }))
      assert.are.equal(3, #res)
      assert.are.equal(201, res[1].httpStatusCode)
      assert.are.equal(201, res[2].httpStatusCode)
      assert.are.equal(200, res[3].httpStatusCode)
      assert.are.equal(res[1].body.id, res[3].body.AccountId)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal("POST", log[1].method)
      assert.are.equal(API .. "/composite", log[1].path)
      local body = log[1].json
      assert.is_false(body.allOrNone)
      assert.are.same({ method = "POST", url = API .. "/sobjects/Contact", referenceId = "con",
        body = { LastName = "Smith", AccountId = "@{acc.id}" } }, body.compositeRequest[2])
      assert.are.same({ method = "GET", url = API .. "/sobjects/Contact/@{con.id}",
        referenceId = "read" }, body.compositeRequest[3])
    end)

    it("with all_or_none rolls everything back when one subrequest fails", function()
      local sf = connect()
      local res = assert(sf:composite({
        { method = "POST", url = "/sobjects/Lead", referenceId = "ok",
          body = { LastName = "A", Company = "C" } },
        { method = "POST", url = "/sobjects/Lead", referenceId = "bad", body = { LastName = "B" } },
      }, { all_or_none = true }))
      assert.are.equal("PROCESSING_HALTED", res[1].body[1].errorCode)
      assert.are.equal("REQUIRED_FIELD_MISSING", res[2].body[1].errorCode)
      assert.are.equal(0, select(2, stored("Lead")))
      assert.is_true(sent(API .. "/composite")[1].json.allOrNone)
    end)

    it("takes at most 25 subrequests", function()
      local sf = connect()
      local list = {}
      for i = 1, 25 do list[i] = { url = "/limits", referenceId = "r" .. i } end
      assert.are.equal(25, #assert(sf:composite(list)))
      list[26] = { url = "/limits", referenceId = "r26" }
      clear_log()
      raises("at most 25 subrequests", sf.composite, sf, list)
      raises("composite needs a list of subrequests", sf.composite, sf, {})
      raises("needs url and referenceId", sf.composite, sf, { { url = "/limits" } })
      assert.are.equal(0, #sent())
    end)

    it("returns nil, err when the call itself fails", function()
      local sf = connect()
      fault({ kind = "status", status = 400, method = "POST", path = API .. "/composite",
        json = { { errorCode = "LIMIT_EXCEEDED", message = "too many" } } })
      failed({ kind = "salesforce", status = 400, code = "LIMIT_EXCEEDED" },
        sf:composite({ { url = "/limits", referenceId = "l" } }))
    end)
  end)

  -- ---- refresh and close -----------------------------------------------------------------

  describe("refresh", function()
    it("runs the refresh-token grant once and uses the new token", function()
      local sf = connect_refreshable()
      local before = sf.access_token
      clear_log()
      assert.is_true(sf:refresh())
      assert.are_not.equal(before, sf.access_token)
      assert.are.equal(1, count_grants("refresh_token"))
      assert.truthy(sf:limits())
      assert.are.equal("Bearer " .. sf.access_token, sent(API)[1].headers.authorization)
    end)

    it("re-runs a flow that has no refresh token when the session expires", function()
      local sf = connect()
      control("POST", "/sessions/expire", {})
      clear_log()
      assert.truthy(sf:create("Lead", { LastName = "R", Company = "C" }))
      assert.are.equal(1, count_grants("password"))
      assert.are.equal(2, #sent(API .. "/sobjects/Lead")) -- 401, then the replay
    end)

    it("fails with kind auth for a token-only client, oauth for a revoked chain", function()
      local sf = track(assert(salesforce.connect({ instance_url = emu.url,
        access_token = "00D5g0000000001!bogus", ca_file = emu.ca, allow_loopback = true })))
      clear_log()
      failed({ kind = "auth", status = 401 }, sf:create("Lead", { LastName = "X",
        Company = "C" }))
      assert.are.equal(1, #sent()) -- not replayed
      failed({ kind = "auth" }, sf:refresh())
      local r = connect_refreshable()
      control("POST", "/sessions/expire", { refresh_tokens = true })
      failed({ kind = "oauth" }, r:refresh())
      failed({ kind = "oauth" }, r:limits())
    end)
  end)

  describe("close", function()
    local function all_calls(id)
      return {
        call = function(c) return c:call("GET", "/services/data/") end,
        request = function(c) return c:request({ path = "/limits" }) end,
        limit_info = function(c) return c:limit_info() end,
        create = function(c) return c:create("Lead", { LastName = "X", Company = "C" }) end,
        get = function(c) return c:get("Lead", id) end,
        update = function(c) return c:update("Lead", id, { Company = "Y" }) end,
        upsert = function(c) return c:upsert("Lead", "Ext_Id__c", "e", { LastName = "X" }) end,
        delete = function(c) return c:delete("Lead", id) end,
        describe = function(c) return c:describe("Lead") end,
        describe_global = function(c) return c:describe_global() end,
        limits = function(c) return c:limits() end,
        query = function(c) return c:query("SELECT Id FROM Lead") end,
        query_all = function(c) return c:query_all("SELECT Id FROM Lead") end,
        query_more = function(c) return c:query_more(API .. "/query/01g5g0000000001AAA-200") end,
        count = function(c) return c:count("Lead") end,
        each = function(c) return c:each("SELECT Id FROM Lead") end,
        search = function(c) return c:search({ text = "Acme", sobject = "Lead" }) end,
        parameterized_search = function(c) return c:parameterized_search({ q = "Acme" }) end,
        create_many = function(c) return c:create_many("Lead", leads(1)) end,
        update_many = function(c) return c:update_many("Lead", { { Id = id } }) end,
        delete_many = function(c) return c:delete_many({ id }) end,
        composite = function(c) return c:composite({ { url = "/limits", referenceId = "a" } }) end,
        refresh = function(c) return c:refresh() end,
      }
    end

    it("is idempotent, and every later use raises", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "C", Company = "C" } })[1]
      assert.truthy(sf:limits()) -- limit_info has something to show
      sf:close()
      sf:close()
      clear_log()
      local silent = {}
      for name, fn in pairs(all_calls(id)) do
        local ok, msg = pcall(fn, sf)
        if ok or not tostring(msg):find("attempt to use a closed Salesforce client", 1, true) then
          silent[#silent + 1] = name .. " (" .. tostring(msg) .. ")"
        end
      end
      table.sort(silent)
      assert.are.same({}, silent)
      assert.are.equal(0, #sent())
    end)

    it("closes at the end of a <close> scope and with the client's runtime", function()
      local http
      do
        local sf <close> = connect()
        http = sf.http
        assert.truthy(sf:limits())
      end
      raises("attempt to use a closed HTTP runtime", http.step, http, 0)
    end)
  end)

  -- ---- errors, retries, a POST never re-sent ------------------------------------------------

  describe("errors and retries", function()
    it("retries a GET that met 503 after its Retry-After", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "R", Company = "C" } })[1]
      fault({ kind = "status", status = 503, retry_after = 1, method = "GET",
        path = API .. "/sobjects/Lead/", count = 1 })
      clear_log()
      local t0 = now()
      local rec = assert(sf:get("Lead", id))
      local elapsed = now() - t0
      assert.are.equal("R", rec.LastName)
      local log = sent()
      assert.are.equal(2, #log)
      assert.are.equal(503, log[1].status)
      assert.are.equal("status", log[1].fault)
      assert.are.equal(200, log[2].status)
      assert.are.equal(log[1].path, log[2].path)
      assert.is_true(elapsed >= 0.95, "retried after " .. elapsed .. " s")
      assert.is_true(elapsed < 5, "retried after " .. elapsed .. " s")
    end)

    it("never re-sends a create whose connection dropped after sending", function()
      local sf = connect()
      fault({ kind = "drop", when = "after", method = "POST", path = API .. "/sobjects/Lead/",
        count = 1 })
      clear_log()
      local err = failed({ kind = "outcome_unknown" },
        sf:create("Lead", { LastName = "Once", Company = "C" }))
      assert.is_false(err.retryable)
      assert.truthy(err.message:find("may or may not have been applied", 1, true), err.message)
      assert.truthy(err.message:find("not re-sent", 1, true), err.message)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal("POST", log[1].method)
      assert.are.equal("drop", log[1].fault)
      -- the request did take effect: exactly once
      assert.are.equal(1, select(2, stored("Lead")))
    end)

    it("marks 503 retryable and gives retry_after for 429", function()
      local sf = connect()
      fault({ kind = "status", status = 503, method = "POST", path = API .. "/sobjects/Lead/" })
      local err = failed({ kind = "salesforce", status = 503 },
        sf:create("Lead", { LastName = "X", Company = "C" }))
      assert.is_true(err.retryable)
      fault({ kind = "status", status = 429, retry_after = 5, method = "POST",
        path = API .. "/sobjects/Lead/",
        json = { { errorCode = "REQUEST_LIMIT_EXCEEDED", message = "ConcurrentPerOrgLongTxn" } } })
      err = failed({ kind = "salesforce", status = 429, code = "REQUEST_LIMIT_EXCEEDED" },
        sf:create("Lead", { LastName = "X", Company = "C" }))
      assert.is_true(err.retryable)
      assert.are.equal(5, err.retry_after)
      assert.are.equal(2, #sent(API .. "/sobjects/Lead/")) -- POSTs are not retried
      -- a GET that keeps meeting 503 gives up after max_retries
      local once = connect({ max_retries = 0 })
      fault({ kind = "status", status = 503, method = "GET", path = API .. "/limits", count = 5 })
      clear_log()
      err = failed({ kind = "salesforce", status = 503 }, once:limits())
      assert.is_true(err.retryable)
      assert.are.equal(1, #sent())
    end)

    it("structures Salesforce's error list", function()
      local sf = connect()
      fault({ kind = "status", status = 400, method = "POST", path = API .. "/sobjects/Lead/",
        json = { { errorCode = "INVALID_EMAIL_ADDRESS", message = "Email: invalid email address",
          fields = { "Email" } }, { errorCode = "STRING_TOO_LONG", message = "too long",
          fields = { "Title" } } } })
      local err = failed({ kind = "salesforce", status = 400, code = "INVALID_EMAIL_ADDRESS" },
        sf:create("Lead", { LastName = "X", Company = "C" }))
      assert.are.same({ "Email" }, err.fields)
      assert.are.equal(2, #err.errors)
      assert.are.same({ errorCode = "STRING_TOO_LONG", message = "too long",
        fields = { "Title" } }, err.errors[2])
      assert.are.equal("salesforce error (HTTP 400): INVALID_EMAIL_ADDRESS: Email: invalid "
        .. "email address [fields: Email] (and 1 more)", tostring(err))
      -- a gateway's single object, and a body that is not JSON
      fault({ kind = "status", status = 403, method = "GET", path = API .. "/limits",
        json = { errorCode = "REQUEST_LIMIT_EXCEEDED",
          message = "TotalRequests Limit exceeded." } })
      err = failed({ kind = "salesforce", status = 403, code = "REQUEST_LIMIT_EXCEEDED" },
        sf:limits())
      assert.is_true(err.retryable)
      fault({ kind = "status", status = 404, method = "GET", path = API .. "/limits",
        body = "<html>gone</html>", content_type = "text/html" })
      err = failed({ kind = "salesforce", status = 404 }, sf:limits())
      assert.are.equal("salesforce error (HTTP 404): HTTP 404: <html>gone</html>", tostring(err))
      -- a success that is not JSON is a protocol error that says why
      fault({ kind = "status", status = 200, method = "GET", path = API .. "/limits",
        body = '{"DailyApiRequests": {"Max": 15000', content_type = "application/json" })
      err = failed({ kind = "protocol", status = 200 }, sf:limits())
      assert.matches("^the answer is not JSON %(HTTP 200%): %S", err.message)
    end)
  end)

  -- ---- concurrency ---------------------------------------------------------------------------

  describe("spawn, wait and wait_any", function()
    it("runs 200 gets over at most 20 connections in about a second", function()
      local sf = connect({ max_connections = 20 })
      local ids = seed("Lead", { count = 200, template = { LastName = "L{n}", Company = "C" } })
      control("POST", "/latency", { ms = 100 })
      clear_log()
      local tasks = {}
      local t0 = now()
      for i = 1, 200 do
        tasks[i] = salesforce.spawn(function(id) return assert(sf:get("Lead", id)).LastName end,
          ids[i])
      end
      local names = table.pack(salesforce.wait(table.unpack(tasks)))
      local elapsed = now() - t0
      assert.are.equal(200, names.n)
      for i = 1, 200 do assert.are.equal("L" .. i, names[i]) end
      -- 200 / 20 x 100 ms = 1 s; one at a time would be 20 s
      assert.is_true(elapsed < 5, ("200 gets took %.2f s"):format(elapsed))
      local log = sent()
      assert.are.equal(200, #log)
      local paths = {}
      for _, e in ipairs(log) do paths[e.path] = true end
      for _, id in ipairs(ids) do assert.truthy(paths[API .. "/sobjects/Lead/" .. id]) end
      assert.is_true(distinct_connections(log) <= 20, distinct_connections(log) .. " connections")
    end)

    it("returns results in the order given, whatever order they finish in", function()
      local sf = connect()
      local ids = seed("Lead", { count = 3, template = { LastName = "L{n}", Company = "C" } })
      control("POST", "/latency", { ms = 300, path = API .. "/sobjects/Lead/" .. ids[1] })
      local function name(id) return assert(sf:get("Lead", id)).LastName end
      local order = {}
      local tasks = {}
      for i = 1, 3 do
        tasks[i] = salesforce.spawn(function(id)
          local n = name(id)
          order[#order + 1] = n
          return n, "second value"
        end, ids[i])
      end
      assert.are.equal("running", tasks[1]:status())
      local live = require("salesforce.scheduler").live -- what the client checks first
      assert.are.equal(3, live.n)
      assert.are.same({ "L1", "L2", "L3" }, { salesforce.wait(tasks[1], tasks[2], tasks[3]) })
      assert.are.equal(0, live.n)
      assert.are.equal("L1", order[3]) -- the slow one finished last
      assert.are.equal("done", tasks[1]:status())
      assert.are.same({ "L1", "second value" }, { tasks[1]:result() })
    end)

    it("wait_any returns the first task to finish", function()
      local sf = connect()
      local ids = seed("Lead", { count = 2, template = { LastName = "L{n}", Company = "C" } })
      control("POST", "/latency", { ms = 500, path = API .. "/sobjects/Lead/" .. ids[1] })
      local slow = salesforce.spawn(function() return sf:get("Lead", ids[1]).LastName end)
      local fast = salesforce.spawn(function() return sf:get("Lead", ids[2]).LastName end)
      local first = salesforce.wait_any(slow, fast)
      assert.are.equal(fast, first)
      assert.are.equal("L2", first:result())
      assert.are.equal("running", slow:status())
      raises("still running", slow.result, slow)
      assert.are.equal(slow, salesforce.wait_any(slow))
      assert.are.equal("L1", slow:result())
    end)

    it("raises a failed task's error with its traceback from wait", function()
      local sf = connect()
      local id = seed("Lead", { { LastName = "F", Company = "C" } })[1]
      local function explode(rec) error("task failed on " .. rec.LastName) end
      local bad = salesforce.spawn(function() explode(assert(sf:get("Lead", id))) end)
      local good = salesforce.spawn(function() return sf:get("Lead", id).LastName end)
      local msg = raises("task failed on F", salesforce.wait, good, bad)
      assert.truthy(msg:find("stack traceback:", 1, true), msg)
      assert.truthy(msg:find("explode", 1, true), msg)
      assert.are.equal("failed", bad:status())
      assert.are.equal("F", good:result())
      raises("task failed on F", bad.result, bad)
      -- a task may only yield inside a Salesforce call
      local odd = salesforce.spawn(function() coroutine.yield("x") end)
      assert.are.equal("failed", odd:status())
      raises("yielded outside a Salesforce call", salesforce.wait, odd)
    end)

    it("lets blocking calls outside tasks work while tasks are in flight", function()
      local sf = connect()
      local ids = seed("Lead", { count = 3, template = { LastName = "L{n}", Company = "C" } })
      control("POST", "/latency", { ms = 300, path = API .. "/sobjects/Lead/" .. ids[1] })
      local task = salesforce.spawn(function() return sf:get("Lead", ids[1]).LastName end)
      assert.are.equal("L2", assert(sf:get("Lead", ids[2])).LastName)
      local other = connect()
      assert.are.equal("L3", assert(other:get("Lead", ids[3])).LastName)
      assert.are.equal("L1", salesforce.wait(task))
      assert.is_true(salesforce.wait()) -- nothing left
    end)
  end)

  describe("module helpers", function()
    it("null is JSON null and quote makes SOQL literals", function()
      assert.are.equal(cjson.null, salesforce.null)
      assert.are.equal("'O\\'Brien \\\\ x'", salesforce.quote("O'Brien \\ x"))
      assert.are.equal("NULL", salesforce.quote(salesforce.null))
      assert.are.equal("('a', 1, TRUE)", salesforce.quote({ "a", 1, true }))
      raises("cannot quote a function", salesforce.quote, print)
    end)
  end)

  describe("the scheduler after a client is closed", function()
    -- Each test runs on a fresh copy of the module, with its own
    -- scheduler: when one of them breaks its scheduler, the scheduler that
    -- every other test of this Lua state shares is not the one broken.
    local function fresh_module(fn)
      return function()
        local saved = {}
        local function unload()
          for name in pairs(package.loaded) do
            if name == "salesforce" or name:find("^salesforce%.") then
              package.loaded[name] = nil
            end
          end
        end
        for name, m in pairs(package.loaded) do
          if name == "salesforce" or name:find("^salesforce%.") then saved[name] = m end
        end
        unload()
        local ok, err = pcall(fn, require "salesforce")
        unload()
        for name, m in pairs(saved) do package.loaded[name] = m end
        if not ok then error(err, 0) end
      end
    end

    local function connect_with(module)
      return track(assert(module.connect(options())))
    end

    it("keeps working for other clients once a task's client is closed", fresh_module(
    function(salesforce) -- luacheck: ignore 431
      local sf, other = connect_with(salesforce), connect_with(salesforce)
      control("POST", "/latency", { ms = 300, path = API .. "/sobjects/Lead/describe" })
      local task = salesforce.spawn(function() return (sf:limits()) ~= nil end)
      -- a slower blocking call on the same runtime completes the task's
      -- request while it waits
      assert.truthy(sf:describe("Lead"))
      assert.are.equal("running", task:status())
      assert.is_true(salesforce.wait(task))
      sf:close()
      local later = salesforce.spawn(function() return (other:limits()) ~= nil end)
      local ok, err = pcall(salesforce.wait, later)
      assert.is_true(ok, tostring(err))
      assert.is_true(err)
    end))

    it("fails the tasks of a client closed under them, not the scheduler", fresh_module(
    function(salesforce) -- luacheck: ignore 431
      local sf, other = connect_with(salesforce), connect_with(salesforce)
      control("POST", "/latency", { ms = 200, path = API .. "/limits" })
      local stranded = salesforce.spawn(function() return sf:limits() end)
      sf:close()
      local later = salesforce.spawn(function() return (other:describe("Lead")).name end)
      local ok, res = pcall(salesforce.wait, later)
      assert.is_true(ok, tostring(res))
      assert.are.equal("Lead", res)
      -- the stranded call ends: nil and an error, as for any failed request
      ok, res = pcall(salesforce.wait, stranded)
      assert.is_true(ok, tostring(res))
      local _, err = stranded:result()
      assert.are.equal("table", type(err))
    end))
  end)
end)
