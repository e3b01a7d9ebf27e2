-- salesforce.soql and salesforce.sosl against the emulator's parsers: every
-- nasty string, once bound, finds its own Lead and nothing else; LIKE
-- patterns match the user's % and _ literally; SOSL phrases with reserved
-- characters and operator words are accepted and find exactly the seeded
-- record. Requests go through python3's urllib, not the C module, so the
-- check does not depend on the transport.
local helper = require "spec.helper"
local cjson = require "cjson"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local soql = require "salesforce.soql"
local sosl = require "salesforce.sosl"

-- A login (password grant) or a batch of GET /query|/search calls; JSON in
-- on stdin, JSON out. One process per batch keeps the spec fast.
local CLIENT = [[
import json, sys, urllib.error, urllib.parse, urllib.request
job = json.loads(sys.stdin.buffer.read().decode("utf-8"))

def call(req):
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read().decode("utf-8") or "null")
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8")
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text

if "login" in job:
    form = urllib.parse.urlencode(job["login"]).encode()
    status, body = call(urllib.request.Request(
        job["base"] + "/services/oauth2/token", data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"}))
    result = {"status": status, "body": body}
else:
    result = []
    for r in job["requests"]:
        url = "%s/services/data/v62.0/%s?q=%s" % (
            job["base"], r["resource"], urllib.parse.quote(r["q"], safe=""))
        status, body = call(urllib.request.Request(
            url, headers={"Authorization": "Bearer " + job["token"]}))
        result.append({"status": status, "body": body})
print(json.dumps(result))
]]

local function python(job)
  local out, err, status = helper.run({ "python3", "-c", CLIENT }, { stdin = cjson.encode(job) })
  assert(status == 0, err)
  return out
end

local function login(emu)
  local out = python({ base = emu.url, login = {
    grant_type = "password", client_id = "luaforce-test-client",
    client_secret = "luaforce-test-secret", username = "dev@example.com",
    password = "password1TOKEN" } })
  local answer = cjson.decode(out)
  assert(answer.status == 200, out)
  return answer.body.access_token, answer.body.instance_url
end

--- Sends { {resource = "query"|"search", q = text}, ... }; returns
-- { {status =, body =}, ... } in order.
local function send(ctx, requests)
  if #requests == 0 then return {} end
  return cjson.decode(python({ base = ctx.base, token = ctx.token, requests = requests }))
end

local function seed(ctx, records)
  local res, code = ctx.emu.call("POST", "/seed", { records = records })
  assert(code == 200 or code == 201, cjson.encode(res))
  return res.ids
end

local function lead(last, company)
  return { attributes = { type = "Lead" }, LastName = last, Company = company }
end

--- The records of a query or search answer (searchRecords from v36).
local function records(answer)
  local body = answer.body
  if type(body) == "table" and body.searchRecords then return body.searchRecords end
  return type(body) == "table" and body.records or {}
end

--- Sorted LastNames of an answer's records, for comparing sets.
local function names(answer)
  local out = {}
  for _, r in ipairs(records(answer)) do out[#out + 1] = r.LastName end
  table.sort(out)
  return out
end

local function sorted(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  table.sort(out)
  return out
end

--- A printable form of a test string.
local function show(s)
  return (string.format("%q", s):gsub("\\\n", "\\n"))
end

-- Where the emulator reads a literal differently from Salesforce's rules:
-- spec/emulator/soql.py _read_string turns `\\` into one backslash but
-- keeps the `\_` and `\%` escapes as two characters, so afterwards a real
-- backslash before _ or % looks like an escape: `=` compares 'a\\_b' as
-- "a_b" and LIKE 'x\\%' reads its wildcard as a literal %. Those checks
-- are reported pending, with what came back, until the emulator is fixed;
-- the literals themselves are pinned in spec/unit/soql_spec.lua.
local function emulator_divergence(s)
  return s:find("\\[_%%]") ~= nil
end

-- ---- the data ------------------------------------------------------------------

-- LastNames that a broken quote would turn into syntax or another query.
local NASTY = {
  "O'Brien", "' OR Id != '", "' OR LastName LIKE '%", "\\", "trailing\\", "\\'", "\\\\'",
  "it\\'s", "\\' OR Id != \\'", "50% off", "a_b", "%", "_", "line\nbreak", "tab\tcr\rff\f",
  "bell\7bs\8esc\27del\127", "Zoë Ünïcödé é", "中文", "😀 emoji 🎉", "} OR {",
  ") OR (LastName != '", "'; DELETE FROM Lead; --", ":name", "LAST_N_DAYS:30",
  "\"double\"", "\\n", "\\u0041", "NULL", "TRUE", "a\\_b", "100\\%",
}
-- What a broken quote would find instead of, or as well as, the above.
local DECOYS = { "A", "OBrien", "axb", "50 off", "100%", "line", "n", "x" }

local LIKE_NAMES = { "50% sale", "50 percent sale", "500 sale", "c_d", "cxd", "cd",
  "under_score_", "99%", "x\\y", "O'Neil%" }
local LIKE_CASES = { -- text, mode, expected; known = emulator divergence
  { "50%", "prefix", { "50% sale" } },
  { "%", "contains", { "50% sale", "99%", "O'Neil%" } },
  { "_", "contains", { "c_d", "under_score_" } },
  { "c_d", "exact", { "c_d" } },
  { "_d", "suffix", { "c_d" } },
  { "0% SALE", "contains", { "50% sale" } },
  { "'", "contains", { "O'Neil%" } },
  { "\\y", "suffix", { "x\\y" } },
  { "x\\", "prefix", { "x\\y" }, known = true },
  { "\\", "contains", { "x\\y" }, known = true },
  { "", "contains", LIKE_NAMES },
}

local RESERVED_NAME = "Smith & Sons (UK) [Ltd] {Est} ~^!:+- \"q\" 'a' \\ | end"
local SEARCH_NAMES = { RESERVED_NAME, "rock or roll", "rock", "roll band",
  "alpha and not beta", "alpha gamma", "wilson", "wil card", "} RETURNING Account(Id",
  "中文 测试", "Zoë", "trail\\", "new\nline", "O'Connor" }
local SEARCH_CASES = { -- user text, LastNames it must find (and no others)
  { RESERVED_NAME, { RESERVED_NAME } },
  { "rock OR roll", { "rock or roll" } },         -- not an OR: "rock" is not found
  { "\"rock\" OR \"roll", { "rock or roll" } },   -- quotes cannot break out
  { "alpha AND NOT beta", { "alpha and not beta" } },
  { "wil*", { "wil card" } },                     -- not a wildcard: no "wilson"
  { "wil?on", {} },
  { "} RETURNING Account(Id", { "} RETURNING Account(Id" } },
  { "中文", { "中文 测试" } },
  { "zoë", { "Zoë" } },
  { "trail\\", { "trail\\" } },
  { "new\nline", { "new\nline" } },
  { "O'Connor", { "O'Connor" } },
}
local SEARCH_CO = "Search'Co}"

describe("against the emulator", function()
  local ctx = {}

  setup(function()
    ctx.emu = helper.emulator({})
    ctx.token, ctx.base = login(ctx.emu)
    local recs = {}
    for _, s in ipairs(NASTY) do recs[#recs + 1] = lead(s, "Nasty") end
    for _, s in ipairs(DECOYS) do recs[#recs + 1] = lead(s, "Nasty") end
    for _, s in ipairs(LIKE_NAMES) do recs[#recs + 1] = lead(s, "LikeCo") end
    for _, s in ipairs(SEARCH_NAMES) do recs[#recs + 1] = lead(s, SEARCH_CO) end
    recs[#recs + 1] = lead("rock", "Elsewhere") -- outside the searches' bound WHERE
    ctx.ids = seed(ctx, recs)
  end)

  teardown(function()
    if ctx.emu then ctx.emu.stop() end
  end)

  describe("soql", function()
    local answers = {} -- per NASTY string: { eq =, ne = }
    local plain = {}   -- the NASTY strings the emulator reads as Salesforce does
    local in_answer

    setup(function()
      local reqs = {}
      for _, s in ipairs(NASTY) do
        reqs[#reqs + 1] = { resource = "query", q = soql.bind(
          "SELECT Id, LastName FROM Lead WHERE LastName = :name", { name = s }) }
        reqs[#reqs + 1] = { resource = "query", q = soql.bind(
          "SELECT Id, LastName FROM Lead WHERE LastName != :name AND Company = :co",
          { name = s, co = "Nasty" }) }
        if not emulator_divergence(s) then plain[#plain + 1] = s end
      end
      reqs[#reqs + 1] = { resource = "query", q = soql.bind(
        "SELECT Id, LastName FROM Lead WHERE LastName IN :names", { names = plain }) }
      local res = send(ctx, reqs)
      for i = 1, #NASTY do answers[i] = { eq = res[2 * i - 1], ne = res[2 * i] } end
      in_answer = res[#res]
    end)

    for i, s in ipairs(NASTY) do
      it("finds LastName = " .. show(s) .. " exactly once, and != all the others", function()
        local eq, ne = answers[i].eq, answers[i].ne
        assert.are.equal(200, eq.status, cjson.encode(eq.body))
        assert.are.equal(200, ne.status, cjson.encode(ne.body))
        local got = records(eq)
        local ok = #got == 1 and got[1].Id == ctx.ids[i] and got[1].LastName == s
          and ne.body.totalSize == #NASTY + #DECOYS - 1
        if not ok and emulator_divergence(s) then
          pending("emulator divergence (backslash before _ or %): = " .. soql.quote(s)
            .. " found " .. cjson.encode(names(eq)))
        end
        assert.are.equal(1, #got)
        assert.are.equal(ctx.ids[i], got[1].Id)
        assert.are.equal(s, got[1].LastName)
        assert.are.equal(#NASTY + #DECOYS - 1, ne.body.totalSize)
      end)
    end

    it("finds every nasty string with IN :names and nothing else", function()
      assert.are.equal(200, in_answer.status, cjson.encode(in_answer.body))
      assert.are.same(sorted(plain), names(in_answer))
    end)

    it("is needed: the emulator refuses or misreads naive concatenation", function()
      local res = send(ctx, {
        { resource = "query", q = "SELECT Id FROM Lead WHERE LastName = 'O'Brien'" },
        { resource = "query", q = "SELECT Id FROM Lead WHERE LastName = '' OR LastName != ''" },
      })
      assert.are.equal(400, res[1].status)
      assert.are.equal("MALFORMED_QUERY", res[1].body[1].errorCode)
      assert.are.equal(200, res[2].status)
      assert.is_true(res[2].body.totalSize > #NASTY)
    end)

    it("runs soql.select with bound where, order, limit and offset", function()
      local q = soql.select{ sobject = "Lead", fields = { "Id", "LastName", "Company" },
        where = "Company = :co AND LastName IN :n", binds = { co = "Nasty", n = { "A", "x", "n" } },
        order_by = "LastName DESC", limit = 2, offset = 1 }
      local res = send(ctx, { { resource = "query", q = q } })[1]
      assert.are.equal(200, res.status, cjson.encode(res.body))
      local got = {}
      for _, r in ipairs(records(res)) do got[#got + 1] = r.LastName end
      assert.are.same({ "n", "A" }, got)
    end)

    it("accepts typed values, date literals, NULL and numbers", function()
      local q = soql.bind("SELECT Id FROM Lead WHERE Company = :co AND CreatedDate > :dt"
        .. " AND CreatedDate = LAST_N_DAYS:3 AND CreatedDate < :tomorrow"
        .. " AND IsConverted = :no AND (ConvertedDate = :null OR ConvertedDate > :day)"
        .. " AND (AnnualRevenue = NULL OR AnnualRevenue < :big) AND NumberOfEmployees != :n",
        { co = "Nasty", dt = soql.datetime("2000-01-01T00:00:00.000+05:30"),
          tomorrow = soql.date_literal("TOMORROW"), no = false, null = soql.null,
          day = soql.date(2000, 2, 29), big = 1e20, n = -3 })
      local res = send(ctx, { { resource = "query", q = q } })[1]
      assert.are.equal(200, res.status, q .. " -> " .. cjson.encode(res.body))
      assert.are.equal(#NASTY + #DECOYS, res.body.totalSize)
    end)
  end)

  describe("soql.like", function()
    it("matches the user's % and _ literally, in every mode", function()
      local reqs = {}
      for i, c in ipairs(LIKE_CASES) do
        reqs[i] = { resource = "query", q = "SELECT Id, LastName FROM Lead WHERE"
          .. " Company = 'LikeCo' AND LastName LIKE " .. soql.like(c[1], c[2]) }
      end
      local res = send(ctx, reqs)
      local known = {}
      for i, c in ipairs(LIKE_CASES) do
        assert.are.equal(200, res[i].status, cjson.encode(res[i].body))
        local got, want = names(res[i]), sorted(c[3])
        if c.known and table.concat(got, "\0") ~= table.concat(want, "\0") then
          known[#known + 1] = soql.like(c[1], c[2]) .. " found " .. cjson.encode(got)
        else
          assert.are.same(want, got, reqs[i].q)
        end
      end
      if #known > 0 then
        pending("emulator divergence (literal backslash before a wildcard): "
          .. table.concat(known, "; "))
      end
    end)

    it("binds soql.pattern values", function()
      local q = soql.bind("SELECT Id, LastName FROM Lead WHERE Company = :co"
        .. " AND LastName LIKE :p", { co = "LikeCo", p = soql.pattern("neil%", "suffix") })
      local res = send(ctx, { { resource = "query", q = q } })[1]
      assert.are.equal(200, res.status, cjson.encode(res.body))
      assert.are.same({ "O'Neil%" }, names(res))
    end)
  end)

  describe("sosl", function()
    it("accepts every phrase and finds exactly the seeded record", function()
      local reqs = {}
      for i, c in ipairs(SEARCH_CASES) do
        reqs[i] = { resource = "search", q = sosl.build{ text = c[1],
          returning = { { sobject = "Lead", fields = { "Id", "LastName" },
            where = "Company = :co", binds = { co = SEARCH_CO } } } } }
      end
      local res = send(ctx, reqs)
      for i, c in ipairs(SEARCH_CASES) do
        assert.are.equal(200, res[i].status, reqs[i].q .. " -> " .. cjson.encode(res[i].body))
        assert.are.same(sorted(c[2]), names(res[i]), reqs[i].q)
        for _, r in ipairs(records(res[i])) do
          assert.are.equal("Lead", r.attributes.type)
        end
      end
    end)

    it("searches IN NAME FIELDS with order, limits and an overall limit", function()
      local q = sosl.build{ text = "rock", scope = "NAME", limit = 5,
        returning = { { sobject = "Lead", fields = { "Id", "LastName", "Company" },
          order_by = "LastName DESC", limit = 2 } } }
      local res = send(ctx, { { resource = "search", q = q } })[1]
      assert.are.equal(200, res.status, q .. " -> " .. cjson.encode(res.body))
      local got = {}
      for _, r in ipairs(records(res)) do got[#got + 1] = r.LastName end
      assert.are.same({ "rock or roll", "rock" }, got)
    end)

    it("accepts sosl.escape of every reserved character inside FIND {}", function()
      local q = "FIND {" .. sosl.escape("x?&|!{}[]()^~*:\\\"'+-y") .. "} RETURNING Lead(Id)"
      local raw = "FIND {a&b} RETURNING Lead(Id)"
      local res = send(ctx, { { resource = "search", q = q }, { resource = "search", q = raw } })
      assert.are.equal(200, res[1].status, q .. " -> " .. cjson.encode(res[1].body))
      -- unescaped, the emulator refuses it as Salesforce does
      assert.are.equal(400, res[2].status)
      assert.are.equal("MALFORMED_SEARCH", res[2].body[1].errorCode)
    end)
  end)
end)
