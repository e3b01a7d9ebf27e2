-- Hostile values against every call that builds a path or a query (get,
-- update, upsert, delete, describe, a blob download, query, query_more,
-- search, raw request and call): each value either arrives at the
-- emulator as exactly the path and query expected (read back from its
-- request log) or is refused with a clear error and nothing is sent. A
-- value never changes which resource is called.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local core = require "salesforce.core"
local soql = require "salesforce.soql"
local sosl = require "salesforce.sosl"

local API = "/services/data/v62.0"
local FAKE_ID = "00Q5g0000000099EAA"
local BIG = ("A"):rep(10 * 1024 * 1024)

-- at least 60 values: dot segments, separators, escapes, controls, big,
-- non-UTF-8, homoglyph quotes, and values that are not strings at all
local VALUES = {
  ".", "..", "...", "./x", "../x", "a/../b", "a/./b", "a/b", "/", "//", "//evil.com/x",
  "%2e", "%2e%2e", "%2E%2E", "%2f", "%2F..", "%252e%252e", "%00", "%", "%zz", "%2",
  "?x=1", "a?b=c", "#f", "a#b", "&a=b", "=", "+", ";", ",", "@", "@evil.com",
  "http://evil.com", ":", "~", "$", "{}", "[]", "()", "<script>", "*", "'",
  "\"", "' OR '1'='1", "\\'", "\\", "a\\b", "..\\..", "\0", "a\0b", "describe\0/../../limits",
  "\r\n", "a\r\nX-Injected: 1", "\n", "\t", " ", "a b", "\127", BIG, ("x"):rep(20000),
  "\xff\xfe", "\xc3\x28", "\xe2\x80\x99", "\xe2\x80\x9c", "\xef\xbc\x87", "\xca\xbc",
  "\xe2\x80\xae", "\xf0\x9f\x98\x80", "é", "日本", "", "Lead", "00Q5g0000000099EAA",
  {}, { "a" }, print, true, 42, -1, 1.5, 0 / 0, math.huge,
}

local emu, sf

local function control(...) return emu.control(...) end

-- A printable name for a value in assertion messages.
local function label(v)
  if type(v) ~= "string" then return type(v) .. " " .. tostring(v) end
  if #v > 40 then return string.format("%q... (%d bytes)", v:sub(1, 20), #v) end
  return string.format("%q", v)
end

--- Runs `fn(v)` for every value and classifies it: "raised" (misuse,
-- a short message about the argument), "failed" (nil, err of one of the
-- `unsent` kinds, which are refused before sending) or "sent" (an answer,
-- or Salesforce's error). `expect(v)` returns the path and query that
-- must arrive for a value that is sent. Then reads the request log once:
-- exactly the sent values arrived, in order, each as expected; nothing
-- else did.
local function drive(name, fn, expect, unsent)
  control("DELETE", "/log")
  local wanted, counts = {}, { raised = 0, failed = 0, sent = 0 }
  for _, v in ipairs(VALUES) do
    local ok, res, err = pcall(fn, v)
    if not ok then
      counts.raised = counts.raised + 1
      local msg = tostring(res)
      assert.truthy(msg:find("bad ", 1, true) or msg:find("must", 1, true)
        or msg:find("expected", 1, true), name .. " " .. label(v) .. ": " .. msg)
      assert.is_nil(msg:find("attempt to", 1, true), name .. " " .. label(v) .. ": " .. msg)
      assert.is_true(#msg < 1000, name .. " " .. label(v) .. ": a message of " .. #msg)
    elseif res == nil and err and (unsent or {})[err.kind] then
      counts.failed = counts.failed + 1
      assert.is_true(#err.message < 1000)
    else
      counts.sent = counts.sent + 1
      local path, query = expect(v)
      wanted[#wanted + 1] = { v = v, path = path, query = query or "" }
    end
  end
  local log = control("GET", "/log").requests
  assert.are.equal(#wanted, #log, name .. ": requests that arrived")
  for i, w in ipairs(wanted) do
    assert.are.equal(w.path, log[i].path, name .. " " .. label(w.v))
    assert.are.equal(w.query, log[i].query, name .. " " .. label(w.v))
  end
  return counts
end

-- The path and query of a target as the emulator logs them.
local function split(target)
  return target:match("^([^?]*)%??(.*)$")
end

local function escaped(v)
  if type(v) == "number" then v = tostring(math.tointeger(v) or v) end
  return core.url_escape(v)
end

describe("hostile values", function()
  setup(function()
    emu = helper.emulator({ https = true })
    sf = emu.client({ max_retries = 0 }) -- (a retry would be logged twice)
  end)

  teardown(function()
    if sf then sf:close() end
    emu.stop()
  end)

  it("cannot change the path of get, update, delete or describe", function()
    local c = drive("get sobject", function(v) return sf:get(v, FAKE_ID) end,
      function(v) return API .. "/sobjects/" .. v .. "/" .. FAKE_ID end)
    assert.are.equal(1, c.sent) -- "Lead" alone
    c = drive("get id", function(v) return sf:get("Lead", v) end,
      function(v) return API .. "/sobjects/Lead/" .. v end)
    assert.are.equal(1, c.sent) -- the well-formed id alone
    c = drive("get fields", function(v) return sf:get("Lead", FAKE_ID, { v }) end,
      function(v) return API .. "/sobjects/Lead/" .. FAKE_ID, "fields=" .. v end)
    assert.are.equal(1, c.sent)
    c = drive("update", function(v) return sf:update("Lead", v, { Company = "C" }) end,
      function(v) return API .. "/sobjects/Lead/" .. v end)
    assert.are.equal(1, c.sent)
    c = drive("delete", function(v) return sf:delete("Lead", v) end,
      function(v) return API .. "/sobjects/Lead/" .. v end)
    assert.are.equal(1, c.sent)
    c = drive("describe", function(v) return sf:describe(v) end,
      function(v) return API .. "/sobjects/" .. v .. "/describe" end)
    assert.are.equal(1, c.sent)
  end)

  it("sends an upsert's external id value as one path segment", function()
    local c = drive("upsert", function(v)
      return sf:upsert("Lead", "Ext_Id__c", v, { LastName = "H", Company = "C" })
    end, function(v)
      return API .. "/sobjects/Lead/Ext_Id__c/" .. escaped(v)
    end, { invalid_value = true, uri_too_long = true })
    assert.is_true(c.sent >= 60)
    -- "", "." and ".." are refused; the 10 MB and 20,000-byte values are
    -- over the URI limit
    assert.are.equal(5, c.failed)
    local _, err = sf:upsert("Lead", "Ext_Id__c", "..", { LastName = "H" })
    assert.are.equal("invalid_value", err.kind)
    assert.truthy(err.message:find('".."', 1, true), err.message)
  end)

  it("downloads a blob only from the path its segments name", function()
    local c = drive("blob", function(v)
      return sf:request{ path = { "sobjects", "Attachment", v, "Body" }, raw = true }
    end, function(v)
      return API .. "/sobjects/Attachment/" .. escaped(v) .. "/Body"
    end, { uri_too_long = true })
    assert.is_true(c.sent >= 60)
  end)

  it("binds any value into a query, and refuses what cannot be sent", function()
    local q = "SELECT Id FROM Lead WHERE LastName = :v"
    local c = drive("query", function(v) return sf:query(q, { v = v }) end,
      function(v)
        return API .. "/query/", "q=" .. core.url_escape(soql.bind(q, { v = v }))
      end, { uri_too_long = true })
    assert.is_true(c.sent >= 50)
    c = drive("query text", function(v) return sf:query(v) end,
      function(v) return API .. "/query/", "q=" .. core.url_escape(v) end,
      { uri_too_long = true })
    assert.is_true(c.sent >= 50)
    c = drive("query_all", function(v) return sf:query_all(q, { v = v }) end,
      function(v)
        return API .. "/queryAll/", "q=" .. core.url_escape(soql.bind(q, { v = v }))
      end, { uri_too_long = true })
    assert.is_true(c.sent >= 50)
  end)

  it("follows only a nextRecordsUrl, as it is written", function()
    local c = drive("query_more", function(v)
      return sf:query_more(API .. "/query/01gXX0000000001AAA-2000" .. tostring(v))
    end, function(v)
      return split(API .. "/query/01gXX0000000001AAA-2000" .. tostring(v))
    end, { uri_too_long = true })
    assert.is_true(c.sent > 0 and c.raised > 0)
    -- the NUL of the issue: refused, not cut
    assert.has_error(function() sf:query_more(API .. "/query/01g\0x") end)
  end)

  it("escapes search text, or says why it cannot be searched", function()
    local c = drive("search", function(v)
      return sf:search{ text = v, sobject = "Lead", fields = { "Id" } }
    end, function(v)
      local q = sosl.build{ text = v, scope = "ALL",
        returning = { { sobject = "Lead", fields = { "Id" } } } }
      return API .. "/search/", "q=" .. core.url_escape(q)
    end, { invalid_search = true, uri_too_long = true })
    assert.is_true(c.sent >= 20, "sent " .. c.sent .. ", refused " .. c.failed)
  end)

  it("keeps each value of a raw request in its segment, query or header", function()
    local c = drive("request segments", function(v)
      return sf:request{ path = { "sobjects", v, "describe" } }
    end, function(v)
      return API .. "/sobjects/" .. escaped(v) .. "/describe"
    end, { uri_too_long = true })
    assert.is_true(c.sent >= 60)
    c = drive("request path", function(v)
      return sf:request{ path = "/sobjects/" .. tostring(v) .. "/describe" }
    end, function(v)
      return split(API .. "/sobjects/" .. tostring(v) .. "/describe")
    end, { uri_too_long = true })
    assert.is_true(c.sent > 0 and c.raised > 0)
    c = drive("request query", function(v)
      return sf:request{ path = "/limits", query = { v = v } }
    end, function(v)
      local parts = {}
      for i, item in ipairs(type(v) == "table" and v or { v }) do
        parts[i] = "v=" .. core.url_escape(tostring(item))
      end
      return API .. "/limits", table.concat(parts, "&")
    end, { uri_too_long = true })
    assert.is_true(c.sent >= 60)
    c = drive("call", function(v)
      return sf:call("GET", API .. "/sobjects/" .. tostring(v) .. "/describe")
    end, function(v)
      return split(API .. "/sobjects/" .. tostring(v) .. "/describe")
    end, { uri_too_long = true })
    assert.is_true(c.sent > 0 and c.raised > 0)
  end)

  it("refuses the NUL bytes of the issue before anything is sent", function()
    control("DELETE", "/log")
    local cases = {
      function() return sf:request{ path = "/sobjects/Lead/describe\0/../../limits" } end,
      function() return sf:call("GET", "/services/data/v62.0/limits\0/x") end,
      function() return sf:query_more("/services/data/v62.0/query/01g\0x") end,
      function() return sf:request{ path = "/limits", headers = { ["X-A"] = "a\0b" } } end,
      function() return sf:request{ path = "/limits", headers = { ["X-A"] = "a\r\nX-B: c" } } end,
    }
    for i, f in ipairs(cases) do
      local ok, msg = pcall(f)
      assert.is_false(ok, "case " .. i)
      assert.truthy(tostring(msg):find("bad argument #%d to '%a[%w_]*' %(.*NUL"),
        "case " .. i .. ": " .. tostring(msg))
    end
    local ok, err = salesforce.connect{ instance_url = "https://acme.my.salesforce.com\0.evil.com",
      access_token = "x" }
    assert.is_nil(ok)
    assert.are.equal("untrusted_host", err.kind)
    assert.truthy(err.message:find("NUL", 1, true))
    assert.are.equal(0, #control("GET", "/log").requests)
  end)

  it("refuses an instance URL with user information, a query or a fragment", function()
    for _, url in ipairs({ "https://evil.com\\@acme.my.salesforce.com",
      "https://evil.com@acme.my.salesforce.com", "https://u:p@acme.my.salesforce.com",
      "https://acme.my.salesforce.com?x=1", "https://acme.my.salesforce.com/#f",
      "https://acme.my.salesforce.com/?" }) do
      local ok, err = salesforce.connect{ instance_url = url, access_token = "x" }
      assert.is_nil(ok, url)
      assert.are.equal("untrusted_host", err.kind, url)
      assert.truthy(err.message:find("user information, a query or a fragment", 1, true),
        url .. ": " .. err.message)
    end
  end)

  it("says a URI is over Salesforce's limit, with what to do instead", function()
    control("DELETE", "/log")
    local long = ("x"):rep(17000)
    local _, err = sf:query("SELECT Id FROM Lead WHERE LastName = :v", { v = long })
    assert.are.equal("uri_too_long", err.kind)
    assert.truthy(err.message:find("16,384", 1, true), err.message)
    assert.truthy(err.message:find("shorten the query", 1, true), err.message)
    _, err = sf:search{ text = long:sub(1, 9000) .. " " .. long:sub(1, 9000), sobject = "Lead" }
    assert.are.equal("uri_too_long", err.kind, tostring(err))
    assert.truthy(err.message:find("parameterized_search", 1, true), err.message)
    assert.has_error(function() sf:describe(("A"):rep(300)) end,
      'bad sObject name "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"... (300 bytes)')
    _, err = sf:request{ path = "/sobjects/" .. BIG }
    assert.are.equal("uri_too_long", err.kind)
    assert.is_nil(tostring(err):find("nomem", 1, true))
    assert.are.equal(0, #control("GET", "/log").requests)
  end)
end)
