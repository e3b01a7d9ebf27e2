-- Misuse and oversized input: every public function of the client (and
-- the workspace's) names the bad argument as the standard library does,
-- before anything is sent; oversized values get a clear error that says
-- which limit, never "nomem" or "internal"; a GET whose answer was too slow
-- is retried within the budget; a create whose 201 answer was cut keeps
-- its status and says the record was created.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local core = require "salesforce.core"
local workspace = require "salesforce.workspace"

local API = "/services/data/v62.0"
local FAKE_ID = "00Q5g0000000099EAA"
local BIG = ("A"):rep(10 * 1024 * 1024)

local emu, sf

local function control(...) return emu.control(...) end

local function sent() return control("GET", "/log").requests end

--- fn(...) raises exactly `message` after the position prefix.
local function raises(message, fn, ...)
  local ok, msg = pcall(fn, ...)
  assert.is_false(ok, "expected: " .. message)
  msg = tostring(msg):gsub("^[^\n]-:%d+: ", "")
  assert.are.equal(message, msg)
end

describe("misuse and oversized input", function()
  setup(function()
    emu = helper.emulator({ https = true })
    sf = emu.client()
  end)

  teardown(function()
    if sf then sf:close() end
    emu.stop()
  end)

  before_each(function() -- (not a reset: it would drop the client's session)
    control("DELETE", "/faults")
    control("DELETE", "/log")
  end)

  it("names the bad argument of the calls the issue lists", function()
    raises("bad argument #2 to 'create_many' (list of record tables expected, got number "
      .. "at index 1)", sf.create_many, sf, "Lead", { 1, 2, 3 })
    raises("bad argument #1 to 'request' (method must be GET, HEAD, POST, PUT, PATCH, DELETE "
      .. "or OPTIONS, got number)", sf.request, sf, { method = 5, path = "/limits" })
    raises("bad argument #2 to 'call' (path expected, got nil)", sf.call, sf, "GET", nil)
    local dir = os.tmpname()
    os.remove(dir)
    local ws = assert(workspace.open({ dir = dir }))
    raises("bad argument #1 to 'complete' (redirect URL expected, got nil)", ws.complete, ws,
      nil)
    ws:close()
    helper.run({ "rm", "-rf", dir })
    assert.are.equal(0, #sent())
  end)

  it("names the bad argument of every other call, sending nothing", function()
    local cases = {
      { "bad argument #1 to 'call' (method expected, got table)", sf.call, sf, {}, "/x" },
      { "bad argument #1 to 'request' (table expected, got nil)", sf.request, sf },
      { "bad argument #1 to 'request' (path expected (a string or a list of segments), "
        .. "got number)", sf.request, sf, { path = 5 } },
      { "bad argument #1 to 'request' (query must be a table, got string)", sf.request, sf,
        { path = "/limits", query = "a=1" } },
      { "bad argument #1 to 'request' (query value 'a' must be a string, number, boolean or "
        .. "a list of them, got a table that is not a non-empty list)", sf.request, sf,
        { path = "/limits", query = { a = {} } } },
      { "bad argument #1 to 'request' (query value 'a' must be a string, number, boolean or "
        .. "a list of them, got function)", sf.request, sf,
        { path = "/limits", query = { a = { "x", print } } } },
      { "bad argument #1 to 'request' (body must be a table or a string, got number)",
        sf.request, sf, { path = "/limits", body = 5 } },
      { "bad argument #1 to 'request' (path segment 2: \"..\" cannot be sent as a path "
        .. "segment)", sf.request, sf, { path = { "sobjects", ".." } } },
      { "bad argument #2 to 'update_many' (list of record tables expected, got string at "
        .. "index 2)", sf.update_many, sf, "Lead", { { Id = FAKE_ID }, "x" } },
      { "bad argument #3 to 'create_many' (options table expected, got boolean)",
        sf.create_many, sf, "Lead", {}, true },
      { "bad argument #1 to 'delete_many' (list of record ids expected, got nil)",
        sf.delete_many, sf },
      { "bad argument #1 to 'composite' (list of subrequest tables expected, got number at "
        .. "index 1)", sf.composite, sf, { 1 } },
      { "bad argument #3 to 'get' (list of field names expected, got number at index 1)",
        sf.get, sf, "Lead", FAKE_ID, { 1 } },
      { "bad argument #1 to 'query' (the query must be a string, got nil)", sf.query, sf },
      { "bad argument #1 to 'query' (the query holds a NUL byte)", sf.query, sf,
        "SELECT Id FROM Lead\0 WHERE" },
      { "bad argument #1 to 'query_more' (the nextRecordsUrl expected, got nil)",
        sf.query_more, sf },
      { "bad argument #3 to 'each' (options table expected, got number)", sf.each, sf,
        "SELECT Id FROM Lead", nil, 5 },
      { "bad argument #1 to 'search' (search needs text (a string), got nil)", sf.search, sf,
        { sobject = "Lead" } },
      { "bad argument #1 to 'search' (sobjects must list names or tables, got number at "
        .. "index 1)", sf.search, sf, { text = "x", sobjects = { 1 } } },
      { "bad sObject name \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"... (10485760 bytes)",
        sf.describe, sf, BIG },
      { "bad record id \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"... (10485760 bytes) (15 "
        .. "or 18 letters and digits)", sf.get, sf, "Lead", BIG },
    }
    for _, c in ipairs(cases) do raises(table.unpack(c)) end
    assert.are.equal(0, #sent())
  end)

  it("takes every string into C with its length: a NUL is an error, not a cut", function()
    local http = assert(core.http_new({ ca_file = emu.ca }))
    local app = { client_id = "luaforce-test-client", client_secret = "luaforce-test-secret",
      token_url = emu.url .. "/services/oauth2/token" }
    local function nul(fn, ...)
      local ok, msg = pcall(fn, ...)
      assert.is_false(ok)
      assert.truthy(tostring(msg):find("NUL", 1, true), msg)
    end
    -- the user "dev@example.com" would be authorized if the rest were cut
    nul(core.oauth_password, http, app, { allow_loopback = true }, "dev@example.com\0.x",
      "password1TOKEN")
    nul(http.call, http, "GET", emu.url .. "/services/data/\0/x")
    nul(http.call, http, "GET", emu.url .. "/services/data/", "Bearer a\0b")
    nul(http.call, http, "GET\0", emu.url .. "/services/data/")
    nul(http.call, http, "GET", emu.url .. "/services/data/", nil, nil, nil, { X = "a\0b" })
    nul(core.http_new, { user_agent = "ua\0x" })
    local dir = os.tmpname()
    nul(core.store_open, dir .. "\0/elsewhere")
    os.remove(dir)
    http:close()
    assert.are.equal(0, #sent())
  end)

  it("decodes base64 (picklist validFor), nil for what is not base64", function()
    assert.are.equal("\136", core.base64_decode("iA=="))
    assert.are.equal("\0\0\0", core.base64_decode("AAAA"))
    assert.are.equal("ab", core.base64_decode("YWI="))
    assert.are.equal("", core.base64_decode(""))
    assert.is_nil(core.base64_decode("abc"))
    assert.is_nil(core.base64_decode("a!c="))
    assert.is_nil(core.base64_decode("===="))
    raises("bad argument #1 to 'salesforce.core.base64_decode' (string expected, got table)",
      core.base64_decode, {})
    raises("bad argument #1 to 'salesforce.core.base64_decode' (base64 text over 64 KB)",
      core.base64_decode, ("A"):rep(65540))
  end)

  it("refuses oversized text with the limit it exceeds, never nomem", function()
    local _, err = sf:query(BIG)
    assert.are.equal("uri_too_long", err.kind)
    assert.truthy(err.message:find("over Salesforce's limit of 16,384", 1, true), err.message)
    _, err = sf:query("SELECT Id FROM Lead WHERE Name = :n", { n = BIG })
    assert.are.equal("uri_too_long", err.kind)
    _, err = sf:search{ text = ("word "):rep(4000), sobject = "Lead" }
    assert.are.equal("uri_too_long", err.kind, tostring(err))
    assert.truthy(err.message:find("parameterized_search", 1, true), err.message)
    assert.are.equal(0, #sent())
    -- the transport below says so too, in its own words, rather than
    -- libcurl's "out of memory" or "internal error"
    local http = assert(core.http_new({ ca_file = emu.ca }))
    local ok, msg = pcall(http.call, http, "GET", emu.url .. "/" .. BIG)
    http:close()
    assert.is_false(ok)
    assert.truthy(tostring(msg):find("bytes long, over the transport's limit of 65536", 1,
      true), msg)
  end)

  it("retries a GET whose answer was slower than its timeout", function()
    control("POST", "/faults", { kind = "slow", delay_ms = 400, chunk = 16, count = 1,
      method = "GET", path = API .. "/limits" })
    local res, err = sf:request{ path = "/limits", timeout_ms = 300 }
    assert.truthy(res, tostring(err))
    local log = sent()
    assert.are.equal(2, #log) -- the timed-out attempt, and the retry that answered
    assert.are.equal("slow", log[1].fault)
    assert.are.equal(API .. "/limits", log[2].path)
  end)

  it("keeps the 201 of a create whose answer was cut, and says the record exists", function()
    control("POST", "/faults", { kind = "truncate", bytes = 5, count = 1, method = "POST",
      path = API .. "/sobjects/Lead" })
    local id, err = sf:create("Lead", { LastName = "Cut", Company = "C" })
    assert.is_nil(id)
    assert.are.equal("outcome_unknown", err.kind)
    assert.are.equal(201, err.status)
    assert.truthy(err.message:find("Lead record was created (HTTP 201)", 1, true), err.message)
    assert.is_false(err.retryable)
    -- it was created, once
    local stored = control("GET", "/records?sobject=Lead").records
    assert.are.equal(1, #stored)
    assert.are.equal("Cut", stored[1].LastName)
    assert.are.equal(1, #sent())
  end)
end)
