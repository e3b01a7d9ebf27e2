-- Salesforce's answers kept whole, against the HTTPS emulator answering
-- as Salesforce does: the 401 of a client made from a token alone, calls
-- without an Authorization header (and INVALID_AUTH_HEADER, never
-- refreshed), per-app usage in limit_info, single-object errors, every
-- problem of a create, subqueries and aggregate queries through query and
-- each, search wildcards by choice, and the methods for sObject
-- Collections retrieve and upsert and the updated / deleted resources.
-- Each test asserts what was sent, from the emulator's request log.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local core = require "salesforce.core"
local soql = require "salesforce.soql"

local CLIENT_ID, SECRET = "luaforce-test-client", "luaforce-test-secret"
local API = "/services/data/v62.0"
local FAKE_ID = "00Q5g0000000099EAA" -- well formed, never created

local emu
local opened = {}

local function control(...) return emu.control(...) end
local function sent(prefix) return emu.sent(prefix) end
local function clear_log() control("DELETE", "/log") end
local params, raises = helper.query_params, helper.raises

local function track(sf)
  opened[#opened + 1] = sf
  return sf
end

local function connect(over)
  local o = { flow = "password", client_id = CLIENT_ID, client_secret = SECRET,
    login_url = emu.url, username = "dev@example.com", password = "password1TOKEN",
    ca_file = emu.ca, allow_loopback = true }
  for k, v in pairs(over or {}) do o[k] = v end
  return track(assert(salesforce.connect(o)))
end

local function with_token(token)
  return track(assert(salesforce.connect({ instance_url = emu.url, access_token = token,
    ca_file = emu.ca, allow_loopback = true })))
end


local function seed(sobject, records)
  return control("POST", "/seed", { sobject = sobject, records = records }).ids
end

local function leads(n, prefix, ext)
  local out = {}
  for i = 1, n do
    out[i] = { LastName = prefix .. i, Company = "Co", Ext_Id__c = ext and (ext .. i) or nil }
  end
  return out
end

describe("Salesforce's answers", function()
  setup(function()
    emu = helper.emulator({ https = true })
  end)

  teardown(function()
    emu.stop()
  end)

  before_each(function()
    control("POST", "/reset")
  end)

  after_each(function()
    for _, sf in ipairs(opened) do sf:close() end
    opened = {}
  end)

  describe("a 401", function()
    it("keeps INVALID_SESSION_ID and its message for a token-only client, and says what to do",
      function()
        local sf = with_token("00D5g0000000001!bogus")
        clear_log()
        local res, err = sf:create("Lead", { LastName = "X", Company = "C" })
        assert.is_nil(res)
        assert.are.equal("auth", err.kind)
        assert.are.equal(401, err.status)
        assert.are.equal("INVALID_SESSION_ID", err.error_code)
        assert.are.same({ { errorCode = "INVALID_SESSION_ID",
          message = "Session expired or invalid" } }, err.errors)
        assert.is_false(err.retryable)
        assert.are.equal("auth error (HTTP 401): INVALID_SESSION_ID: Session expired or invalid "
          .. "(this client was connected with an access token only and cannot renew it: "
          .. "connect again with a new access token, or with a stored authorization or a flow "
          .. "that can refresh)", tostring(err))
        local log = sent()
        assert.are.equal(1, #log) -- not replayed, no token request
        assert.are.equal("Bearer 00D5g0000000001!bogus", log[1].headers.authorization)
      end)

    it("refreshes on a single-object INVALID_SESSION_ID as on the array", function()
      local sf = connect()
      control("POST", "/faults", { kind = "status", status = 401, method = "GET",
        path = API .. "/limits", json = { errorCode = "INVALID_SESSION_ID",
          message = "Session expired or invalid" } })
      clear_log()
      assert.truthy(sf:limits())
      local log = sent()
      assert.are.same({ API .. "/limits", "/services/oauth2/token", API .. "/limits" },
        { log[1].path, log[2].path, log[3].path })
      assert.are.equal("password", log[2].form.grant_type)
    end)
  end)

  describe("a client without a token", function()
    it("sends no Authorization header, and INVALID_AUTH_HEADER is not refreshed", function()
      clear_log()
      local sf = with_token("")
      assert.are.equal("62.0", sf.version) -- the versions list needs no token
      local versions = assert(sf:request({ path = "/services/data/" }))
      assert.are.equal("31.0", versions[1].version)
      local res, err = sf:limits()
      assert.is_nil(res)
      assert.are.equal("salesforce", err.kind)
      assert.are.equal(401, err.status)
      assert.are.equal("INVALID_AUTH_HEADER", err.error_code)
      local log = sent()
      assert.are.equal(3, #log)
      for _, e in ipairs(log) do assert.is_nil(e.headers.authorization, e.path) end
      assert.are.equal(API .. "/limits", log[3].path)
      -- a client that could refresh does not either: the header is missing,
      -- not stale
      local other = connect()
      other.access_token = ""
      clear_log()
      res, err = other:limits()
      assert.is_nil(res)
      assert.are.equal("INVALID_AUTH_HEADER", err.error_code)
      assert.are.equal(1, #sent())
    end)

    it("http:call sends no header for an empty authorization", function()
      local http = assert(core.http_new({ ca_file = emu.ca }))
      clear_log()
      local status = http:call("GET", emu.url .. "/services/data/", "")
      http:close()
      assert.are.equal(200, status)
      local log = sent()
      assert.are.equal(1, #log)
      assert.is_nil(log[1].headers.authorization)
    end)
  end)

  describe("limit_info", function()
    it("reads the per-app usage when the app has an allocation", function()
      local sf = connect()
      assert.truthy(sf:limits())
      local info = sf:limit_info()
      assert.is_nil(info.per_app)
      control("POST", "/app", { api_limit = 250, name = "sample app" })
      assert.truthy(sf:limits())
      info = sf:limit_info()
      assert.are.same({ name = "sample app", used = 2, max = 250 }, info.per_app)
      assert.are.equal(2, info.used)
      assert.are.equal(15000, info.max)
      assert.are.equal("api-usage=2/15000; per-app-api-usage=2/250(appName=sample app)",
        info.header)
      assert.are.equal("integer", math.type(info.per_app.used))
    end)

    it("reads a per-app usage header as Salesforce words it", function()
      local sf = connect()
      control("POST", "/faults", { kind = "status", status = 200, method = "GET",
        path = API .. "/limits", json = {}, headers = { ["Sforce-Limit-Info"] =
          "api-usage=4906/15000; per-app-api-usage=17/250(appName=sample-app)" } })
      assert.truthy(sf:limits())
      assert.are.same({ used = 4906, max = 15000, header = "api-usage=4906/15000; "
        .. "per-app-api-usage=17/250(appName=sample-app)",
        per_app = { name = "sample-app", used = 17, max = 250 } }, sf:limit_info())
    end)

    it("a spent per-app allocation is a 429 whose single error object is read", function()
      local sf = connect({ max_retries = 0 })
      control("POST", "/app", { api_limit = 1, name = "tiny" })
      assert.truthy(sf:limits())
      clear_log()
      local res, err = sf:limits()
      assert.is_nil(res)
      assert.are.equal("salesforce", err.kind)
      assert.are.equal(429, err.status)
      assert.are.equal("REQUEST_LIMIT_EXCEEDED", err.error_code)
      assert.are.same({ { errorCode = "REQUEST_LIMIT_EXCEEDED",
        message = "API request limit exceeded for connected app tiny." } }, err.errors)
      assert.is_true(err.retryable)
      assert.are.same({ name = "tiny", used = 1, max = 1 }, sf:limit_info().per_app)
      assert.are.equal(1, #sent())
    end)
  end)

  describe("a create with several problems", function()
    it("keeps every error Salesforce returns", function()
      local sf = connect()
      local res, err = sf:create("Lead", { LastName = "X", Email = "nope",
        Title = string.rep("t", 200) })
      assert.is_nil(res)
      assert.are.equal(400, err.status)
      local codes = {}
      for i, e in ipairs(err.errors) do codes[i] = e.errorCode end
      assert.are.equal(codes[1], err.error_code)
      -- (the two value errors in the order of the body's keys, then the
      -- missing field)
      assert.are.same({ "Company" }, err.errors[3].fields)
      table.sort(codes)
      assert.are.same({ "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING", "STRING_TOO_LONG" },
        codes)
      assert.truthy(tostring(err):find("(and 2 more)", 1, true))
      local results = assert(sf:create_many("Lead", { { Email = "nope" } }))
      assert.is_false(results[1].success)
      assert.are.equal(2, #results[1].errors)
      assert.are.equal("REQUIRED_FIELD_MISSING", results[1].errors[2].statusCode)
    end)
  end)

  describe("query and each", function()
    it("return child-relationship subqueries, with null for no children", function()
      local sf = connect()
      local acme, bolt = table.unpack(seed("Account", { { Name = "Acme" }, { Name = "Bolt" } }))
      seed("Contact", { { LastName = "Cole", AccountId = acme },
        { LastName = "Able", AccountId = acme } })
      local q = "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
        .. "ORDER BY Name"
      clear_log()
      local page = assert(sf:query(q))
      assert.are.equal(q, params(sent(API .. "/query")[1]).q)
      local a, b = page.records[1], page.records[2]
      assert.are.equal(2, a.Contacts.totalSize)
      assert.is_true(a.Contacts.done)
      assert.are.same({ "Able", "Cole" }, { a.Contacts.records[1].LastName,
        a.Contacts.records[2].LastName })
      assert.are.equal("Contact", a.Contacts.records[1].attributes.type)
      assert.are.equal(salesforce.null, b.Contacts)
      local seen = {}
      for rec in sf:each(q) do seen[#seen + 1] = rec end
      assert.are.equal(2, #seen)
      assert.are.equal(acme, page.records[1].attributes.url:match("([^/]+)$"))
      assert.are.equal(bolt, seen[2].attributes.url:match("([^/]+)$"))
      assert.are.equal(salesforce.null, seen[2].Contacts)
    end)

    it("return AggregateResult rows of GROUP BY queries", function()
      local sf = connect()
      seed("Lead", { { LastName = "A", Company = "C", LeadSource = "Web", NumberOfEmployees = 3 },
        { LastName = "B", Company = "C", LeadSource = "Web", NumberOfEmployees = 4 },
        { LastName = "D", Company = "C", LeadSource = "Other" } })
      local q = "SELECT LeadSource, COUNT(Id), SUM(NumberOfEmployees) staff FROM Lead "
        .. "GROUP BY LeadSource ORDER BY LeadSource"
      local page = assert(sf:query(q))
      assert.are.equal(2, page.totalSize)
      local rows = {}
      for row in sf:each(q) do rows[#rows + 1] = row end
      assert.are.same(page.records, rows)
      assert.are.same({ attributes = { type = "AggregateResult" }, LeadSource = "Other",
        expr0 = 1, staff = salesforce.null }, rows[1])
      assert.are.same({ attributes = { type = "AggregateResult" }, LeadSource = "Web",
        expr0 = 2, staff = 7 }, rows[2])
      assert.are.equal("integer", math.type(rows[2].expr0))
      assert.are.equal(3, sf:count("Lead"))
    end)
  end)

  describe("search", function()
    it("escapes * and ? by default and keeps them as wildcards on request", function()
      local sf = connect()
      seed("Lead", { { LastName = "Zed", Company = "Acmeco" } })
      clear_log()
      local hits = assert(sf:search({ text = "acm*", sobject = "Lead", fields = { "LastName" } }))
      assert.are.same({}, hits)
      hits = assert(sf:search({ text = "acm*", wildcards = true, sobject = "Lead",
        fields = { "LastName" } }))
      assert.are.equal(1, #hits)
      assert.are.equal("Zed", hits[1].LastName)
      local log = sent(API .. "/search")
      assert.are.equal('FIND {"acm"} IN ALL FIELDS RETURNING Lead(LastName)', params(log[1]).q)
      assert.are.equal('FIND {"acm*"} IN ALL FIELDS RETURNING Lead(LastName)', params(log[2]).q)
      -- the other reserved characters stay escaped; the words stay words
      clear_log()
      assert.truthy(sf:search({ text = "ac?e OR {x}", wildcards = true, sobject = "Lead" }))
      assert.are.equal('FIND {"ac?e OR \\{x\\}"} IN ALL FIELDS RETURNING Lead(Id)',
        params(sent(API .. "/search")[1]).q)
      raises("wildcards must be a boolean", sf.search, sf, { text = "acme", sobject = "Lead",
        wildcards = "yes" })
      local sosl = require "salesforce.sosl"
      assert.are.equal('"a\\-b*"', sosl.phrase("a-b*", true))
      assert.are.equal('"a\\-b"', sosl.phrase("a-b*"))
      raises("bad argument #2 to 'phrase'", sosl.phrase, "ab", 1)
      assert.are.equal('FIND {"ab*"} IN NAME FIELDS', sosl.build({ text = "ab*", scope = "NAME",
        wildcards = true }))
      raises("wildcards must be a boolean", sosl.build, { text = "ab", wildcards = 1 })
    end)
  end)

  describe("retrieve_many", function()
    it("reads records in one GET, in order, null for an unknown id", function()
      local sf = connect()
      local ids = seed("Lead", leads(2, "R"))
      clear_log()
      local recs = assert(sf:retrieve_many("Lead", { ids[2], FAKE_ID, ids[1] },
        { "LastName", "Company" }))
      assert.are.equal(3, #recs)
      assert.are.equal("R2", recs[1].LastName)
      assert.are.equal(salesforce.null, recs[2])
      assert.are.equal("R1", recs[3].LastName)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal("GET", log[1].method)
      assert.are.equal(API .. "/composite/sobjects/Lead", log[1].path)
      assert.are.same({ ids = ids[2] .. "," .. FAKE_ID .. "," .. ids[1],
        fields = "LastName,Company" }, params(log[1]))
      assert.are.same({}, sf:retrieve_many("Lead", {}, { "Id" }))
    end)

    it("POSTs 2000 ids a call when a GET would not fit", function()
      local sf = connect()
      local ids = seed("Lead", leads(3, "P"))
      local all = {}
      for i = 1, 2500 do all[i] = string.format("00Q9z%010d", i) end
      all[1], all[2001], all[2500] = ids[1], ids[2], ids[3]
      clear_log()
      local recs = assert(sf:retrieve_many("Lead", all, { "LastName" }))
      assert.are.equal(2500, #recs)
      assert.are.same({ "P1", "P2", "P3" }, { recs[1].LastName, recs[2001].LastName,
        recs[2500].LastName })
      assert.are.equal(salesforce.null, recs[2])
      local log = sent()
      assert.are.equal(2, #log)
      for i, n in ipairs({ 2000, 500 }) do
        assert.are.equal("POST", log[i].method)
        assert.are.equal(API .. "/composite/sobjects/Lead", log[i].path)
        assert.are.equal(n, #log[i].json.ids)
        assert.are.same({ "LastName" }, log[i].json.fields)
      end
      assert.are.equal(all[2001], log[2].json.ids[1])
    end)

    it("returns nil, err when refused, and raises on misuse, sending nothing", function()
      local sf = connect()
      local res, err = sf:retrieve_many("Lead", { FAKE_ID }, { "Nope" })
      assert.is_nil(res)
      assert.are.equal("INVALID_FIELD", err.error_code)
      clear_log()
      raises("bad argument #2 to 'retrieve_many' (list of record ids expected, got number at "
        .. "index 1)", sf.retrieve_many, sf, "Lead", { 1 }, { "Id" })
      raises("bad argument #3 to 'retrieve_many' (list of field names expected, got string)",
        sf.retrieve_many, sf, "Lead", { FAKE_ID }, "Id")
      raises("bad argument #3 to 'retrieve_many' (at least one field expected)",
        sf.retrieve_many, sf, "Lead", { FAKE_ID }, {})
      raises("bad sObject name", sf.retrieve_many, sf, "Le/ad", { FAKE_ID }, { "Id" })
      assert.are.equal(0, #sent())
    end)
  end)

  describe("upsert_many", function()
    it("upserts 450 records by external id in exactly 3 calls, then updates them", function()
      local sf = connect()
      local records = leads(450, "U", "X-")
      clear_log()
      local results = assert(sf:upsert_many("Lead", "Ext_Id__c", records))
      assert.are.equal(450, #results)
      for _, r in ipairs(results) do assert.is_true(r.success and r.created) end
      local log = sent()
      assert.are.equal(3, #log)
      for i, n in ipairs({ 200, 200, 50 }) do
        assert.are.equal("PATCH", log[i].method)
        assert.are.equal(API .. "/composite/sobjects/Lead/Ext_Id__c", log[i].path)
        assert.are.equal(n, #log[i].json.records)
        assert.is_false(log[i].json.allOrNone)
        assert.are.same({ type = "Lead" }, log[i].json.records[1].attributes)
      end
      assert.are.equal("X-201", log[2].json.records[1].Ext_Id__c)
      records[1].LastName = "Changed"
      results = assert(sf:upsert_many("Lead", "Ext_Id__c", { records[1] }))
      assert.is_false(results[1].created)
      assert.are.equal("Changed", assert(sf:get("Lead", results[1].id)).LastName)
    end)

    it("with all_or_none over 250 records: one composite call, nothing saved", function()
      local sf = connect()
      local records = leads(250, "A", "Y-")
      records[240].Email = "nope"
      clear_log()
      local results = assert(sf:upsert_many("Lead", "Ext_Id__c", records,
        { all_or_none = true }))
      assert.are.equal(250, #results)
      assert.is_false(results[1].success)
      local log = sent()
      assert.are.equal(1, #log)
      assert.are.equal(API .. "/composite", log[1].path)
      assert.are.equal(2, #log[1].json.compositeRequest)
      assert.are.equal(API .. "/composite/sobjects/Lead/Ext_Id__c",
        log[1].json.compositeRequest[1].url)
      assert.are.equal(0, control("GET", "/records?sobject=Lead").totalSize)
    end)

    it("returns nil, err when refused, and raises on misuse, sending nothing", function()
      local sf = connect()
      local res, err = sf:upsert_many("Lead", "Nope__c", { { Nope__c = "1" } })
      assert.is_nil(res)
      assert.are.equal(404, err.status)
      assert.are.equal("NOT_FOUND", err.error_code)
      clear_log()
      raises("bad argument #3 to 'upsert_many' (list of record tables with Ext_Id__c expected, "
        .. "got table at index 2)", sf.upsert_many, sf, "Lead", "Ext_Id__c",
        { { Ext_Id__c = "a" }, { LastName = "no id" } })
      raises("bad external id field name", sf.upsert_many, sf, "Lead", "Ext/Id", {})
      assert.are.equal(0, #sent())
    end)
  end)

  describe("updated and deleted", function()
    it("list what changed between two times, sending them as Salesforce reads them", function()
      local sf = connect()
      local t0 = os.time() - 60
      local a = assert(sf:create("Lead", { LastName = "A", Company = "C" }))
      local b = assert(sf:create("Lead", { LastName = "B", Company = "C" }))
      assert.truthy(sf:delete("Lead", b))
      control("POST", "/clock", { advance = 120 })
      clear_log()
      local changed = assert(sf:updated("Lead", t0, t0 + 3600))
      assert.are.same({ a }, changed.ids)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:00%.000%+0000$", changed.latestDateCovered)
      local gone = assert(sf:deleted("Lead", os.date("!%Y-%m-%dT%H:%M:%SZ", t0),
        "2999-01-01T00:00:00+00:00"))
      assert.are.equal(1, #gone.deletedRecords)
      assert.are.equal(b, gone.deletedRecords[1].id)
      assert.is_string(gone.earliestDateAvailable)
      local log = sent()
      assert.are.equal(2, #log)
      assert.are.equal(API .. "/sobjects/Lead/updated/", log[1].path)
      assert.are.same({ start = tostring(soql.datetime(t0)),
        ["end"] = tostring(soql.datetime(t0 + 3600)) }, params(log[1]))
      assert.are.equal(API .. "/sobjects/Lead/deleted/", log[2].path)
      assert.are.same({ start = os.date("!%Y-%m-%dT%H:%M:%SZ", t0),
        ["end"] = "2999-01-01T00:00:00+00:00" }, params(log[2]))
      -- the end defaults to now
      clear_log()
      local before = os.time()
      assert.truthy(sf:updated("Lead", t0))
      local candidates = {}
      for t = before, os.time() do candidates[tostring(soql.datetime(t))] = true end
      local sent_end = params(sent()[1])["end"]
      assert.truthy(candidates[sent_end], sent_end)
    end)

    it("return nil, err when refused, and raise on misuse, sending nothing", function()
      local sf = connect()
      local now = os.time()
      local res, err = sf:updated("Lead", now, now - 3600)
      assert.is_nil(res)
      assert.are.equal(400, err.status)
      assert.are.equal("INVALID_REPLICATION_DATE", err.error_code)
      res, err = sf:deleted("Lead", now - 20 * 86400, now)
      assert.is_nil(res)
      assert.are.equal("INVALID_REPLICATION_DATE", err.error_code)
      clear_log()
      raises("bad argument #2 to 'updated' (a time expected: seconds since the epoch or ISO "
        .. "8601 text, got \"yesterday\")", sf.updated, sf, "Lead", "yesterday")
      raises("bad argument #3 to 'deleted' (a time expected: seconds since the epoch or ISO "
        .. "8601 text, got table)", sf.deleted, sf, "Lead", now, {})
      raises("bad sObject name", sf.updated, sf, "Lead/x", now)
      assert.are.equal(0, #sent())
    end)
  end)
end)
