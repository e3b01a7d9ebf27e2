-- luaforce.dialog.entities: every entity type's grammar with its edge
-- cases, rules, multi-item values, and finding volunteered values.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local entities = require "luaforce.dialog.entities"

-- Friday 7 August 2026, noon UTC, in a session on UTC
local env = { now = function() return os.time{ year = 2026, month = 8, day = 7, hour = 12 }
  - (os.time() - os.time(os.date("!*t"))) end, utc_offset = 0 }

local function parse(ty, text, opts)
  opts = opts or {}
  opts.entity_type = ty
  return entities.parse(opts, text, env)
end

local function ok(ty, text, want, opts)
  local v, why = parse(ty, text, opts)
  assert.are.same(want, v, ty .. " '" .. text .. "': " .. tostring(why))
end

local function bad(ty, text, reason, opts)
  local v, why = parse(ty, text, opts)
  assert.is_nil(v, ty .. " '" .. text .. "' was accepted")
  if reason then assert.matches(reason, why, 1, true) end
end

describe("entity type number", function()
  it("reads digits, separators, suffixes and words", function()
    ok("number", "42", 42)
    ok("number", " -7 ", -7)
    ok("number", "1,234.5", 1234.5)
    ok("number", "1.5k", 1500)
    ok("number", "2M", 2000000)
    ok("number", "3 million", 3000000)
    ok("number", "twenty five", 25)
    ok("number", "twenty-five", 25)
    ok("number", "two hundred and five thousand", 205000)
    ok("number", "a hundred", 100)
    ok("number", "one two three", 123)
  end)
  it("refuses more than 18 digits and what is not a number", function()
    ok("number", "123456789012345678", 123456789012345678)
    bad("number", "1234567890123456789", "18 digits")
    bad("number", "abc", "not a number")
    bad("number", "twenty five six")
    bad("number", "12abc")
  end)
  it("applies min, max and digits", function()
    bad("number", "5", "less than 10", { rules = { min = 10 } })
    bad("number", "50", "more than 10", { rules = { max = 10 } })
    ok("number", "1234", 1234, { rules = { digits = 4 } })
    bad("number", "123", "not 4 digits", { rules = { digits = 4 } })
  end)
end)

describe("entity type date", function()
  it("reads ISO, relative days, weekdays and month names (injected clock)", function()
    ok("date", "2026-08-31", "2026-08-31")
    ok("date", "today", "2026-08-07")
    ok("date", "Tomorrow", "2026-08-08")
    ok("date", "yesterday", "2026-08-06")
    ok("date", "in 3 days", "2026-08-10")
    ok("date", "friday", "2026-08-07")
    ok("date", "next friday", "2026-08-14")
    ok("date", "this monday", "2026-08-10")
    ok("date", "last friday", "2026-07-31")
    ok("date", "31 Aug 2026", "2026-08-31")
    ok("date", "Aug 31, 2026", "2026-08-31")
    ok("date", "31st of August", "2026-08-31")
    ok("date", "1 March", "2027-03-01") -- passed this year: next year's
  end)
  it("reads numeric dates in the configured order", function()
    ok("date", "08/31/2026", "2026-08-31")
    ok("date", "31/08/2026", "2026-08-31", { order = "dmy" })
    ok("date", "31.08.26", "2026-08-31", { order = "dmy" })
    ok("date", "2026/08/31", "2026-08-31")
  end)
  it("refuses dates that do not exist", function()
    bad("date", "2026-02-30", "not a valid date")
    ok("date", "2028-02-29", "2028-02-29")
    bad("date", "someday", "not a date")
  end)
end)

describe("entity types datetime, email, phone, url", function()
  it("datetime, with the zone given or the session's", function()
    env.utc_offset = 0
    ok("datetime", "2026-08-31T14:30", "2026-08-31T14:30:00Z")
    ok("datetime", "tomorrow at 3pm", "2026-08-08T15:00:00Z")
    ok("datetime", "today 14:05:09", "2026-08-07T14:05:09Z")
    bad("datetime", "today 25:00")
    env.utc_offset = 120 -- a session two hours east of UTC
    ok("datetime", "2026-08-31 14:30", "2026-08-31T14:30:00+02:00")
    ok("datetime", "2026-08-31T14:30Z", "2026-08-31T14:30:00Z")
    ok("datetime", "2026-08-31T14:30 UTC", "2026-08-31T14:30:00Z")
    ok("datetime", "2026-08-31T14:30-05:00", "2026-08-31T14:30:00-05:00")
    ok("datetime", "31 Aug 2026 at 9am +0530", "2026-08-31T09:00:00+05:30")
    bad("datetime", "2026-08-31T14:30+15:00", "not a valid time zone")
    env.utc_offset = -300 -- "today" is the session's day: 07:00 there at noon UTC
    ok("datetime", "today at noon", "2026-08-07T12:00:00-05:00")
    env.utc_offset = 780 -- and 01:00 on the next day at +13:00
    ok("datetime", "today at noon", "2026-08-08T12:00:00+13:00")
    local v = select(3, entities.find({ entity_type = "datetime" },
      "call me tomorrow at 3pm please", env))
    assert.are.equal("2026-08-09T15:00:00+13:00", v) -- the session's tomorrow
    env.utc_offset = 0
  end)
  it("email", function()
    ok("email", "Ada@Example.COM", "Ada@example.com")
    ok("email", "a.b+c@mail.example.org", "a.b+c@mail.example.org")
    bad("email", "ada@", "not an email")
    bad("email", "ada@example")
  end)
  it("phone: 3 to 12 digits, punctuation stripped", function()
    ok("phone", "(407)-407-4077", "4074074077")
    ok("phone", "407.407.4077", "4074074077")
    ok("phone", "+49 30 1234567", "+49301234567")
    ok("phone", "911", "911")
    bad("phone", "12", "3 to 12 digits")
    bad("phone", "1234567890123", "3 to 12 digits")
  end)
  it("url", function()
    ok("url", "https://example.com/x?y=1", "https://example.com/x?y=1")
    ok("url", "www.example.org", "www.example.org")
    bad("url", "ftp://example.com")
  end)
end)

describe("entity type picklist", function()
  local values = { { value = "Open - Not Contacted", display = "Open", synonyms = { "new" } },
    "Working", "Closed" }
  it("matches values, display names and synonyms case-insensitively", function()
    ok("picklist", "open", "Open - Not Contacted", { values = values })
    ok("picklist", "NEW", "Open - Not Contacted", { values = values })
    ok("picklist", "working", "Working", { values = values })
  end)
  it("corrects close matches above the threshold only", function()
    ok("picklist", "wroking", "Working", { values = values })
    bad("picklist", "wroking", "not one of", { values = values, threshold = 0.95 })
    bad("picklist", "pending", "Open, Working, Closed", { values = values })
  end)
end)

describe("entity types currency, percentage, boolean, custom, string", function()
  it("currency gives {code, amount}", function()
    ok("currency", "$25", { code = "USD", amount = 25 })
    ok("currency", "25 EUR", { code = "EUR", amount = 25 })
    ok("currency", "10.5 dollars", { code = "USD", amount = 10.5 })
    ok("currency", "1.5k", { code = "GBP", amount = 1500 }, { currency = "GBP" })
    bad("currency", "lots")
  end)
  it("percentage gives a fraction", function()
    ok("percentage", "25%", 0.25)
    ok("percentage", "25 percent", 0.25)
    ok("percentage", "0.5", 0.5)
  end)
  it("boolean reads yes and no synonyms; the earliest wins", function()
    ok("boolean", "of course not", false)
    ok("boolean", "yes please", true)
    ok("boolean", "👍", true)
    ok("boolean", "nope", false)
    bad("boolean", "hmm")
    ok("boolean", "jawohl", true, { synonyms = { yes = { "jawohl" } } })
  end)
  it("custom takes a Lua pattern", function()
    ok("custom", "AB-123", "AB-123", { pattern = "^%u%u%-%d%d%d$" })
    bad("custom", "AB123", "expected form", { pattern = "^%u%u%-%d%d%d$" })
  end)
  it("string takes any non-empty text, within its length rules", function()
    ok("string", "  Smith ", "Smith")
    bad("string", "   ", "empty")
    bad("string", "Al", "too short", { rules = { min_length = 3 } })
  end)
end)

describe("entity type salesforce_id", function()
  it("verifies the checksum and normalises to 18 characters", function()
    ok("salesforce_id", "00Q5g00000DZ0d4EAD", "00Q5g00000DZ0d4EAD")
    ok("salesforce_id", "00Q5g00000DZ0d4", "00Q5g00000DZ0d4EAD")
    ok("salesforce_id", "00Q5g00000DZ0d4ead", "00Q5g00000DZ0d4EAD")
    bad("salesforce_id", "00Q5g00000DZ0d4EAA", "its checksum (the last 3 characters) does "
      .. "not match the first 15: a character may be mistyped")
    bad("salesforce_id", "00Q5g00000DZ0d", "a Salesforce id has 15 or 18 letters and digits, "
      .. "this has 14")
    bad("salesforce_id", "lead please", "not a Salesforce id (15 or 18 letters and digits)")
  end)
  it("finds an id in a sentence, or says why the id-like word there is not one", function()
    local spec = { entity_type = "salesforce_id", prefix = "00Q" }
    assert.are.same({ 11, 25, "00Q5g00000DZ0d4EAD" },
      { entities.find(spec, "show lead 00Q5g00000DZ0d4 please") })
    assert.are.same({ nil, nil, nil, "it is an Account id (001), not a Lead id (00Q)" },
      { entities.find(spec, "show lead 0015g00000DZ0d4") })
    assert.are.same({}, { entities.find(spec, "show lead number 12") })
  end)
  it("checks a required key prefix, naming both kinds", function()
    bad("salesforce_id", "00Q5g00000DZ0d4", "it is a Lead id (00Q), not an Opportunity id (006)",
      { prefix = "006" })
    bad("salesforce_id", "a0B5g00000DZ0d4", "it is an id starting a0B, not a Lead id (00Q)",
      { prefix = "00Q" })
    ok("salesforce_id", "00Q5g00000DZ0d4", "00Q5g00000DZ0d4EAD", { prefix = "00Q" })
  end)
end)

describe("multi-item values and finding values in an utterance", function()
  it("splits on commas, semicolons and 'and'", function()
    ok("number", "1, 2 and 3", { 1, 2, 3 }, { multi = true })
    bad("number", "1, two, x", nil, { multi = true })
  end)
  it("finds typed values inside a longer text", function()
    local function find(ty, text, opts)
      opts = opts or {}
      opts.entity_type = ty
      local s, e, v = entities.find(opts, text, env)
      return v, s and text:sub(s, e)
    end
    assert.are.same({ "00Q5g00000DZ0d4EAD", "00Q5g00000DZ0d4EAD" },
      { find("salesforce_id", "view lead 00Q5g00000DZ0d4EAD please") })
    assert.are.same({ "ada@x.org", "ada@x.org" }, { find("email", "mail ada@x.org now") })
    assert.are.same({ 3, "3" }, { find("number", "create 3 leads") })
    assert.are.same({ "2026-08-14", "next friday" }, { find("date", "meet next friday ok") })
    assert.are.same({ "Working", "working" },
      { find("picklist", "set it to working now", { values = { "Working", "Closed" } }) })
    assert.is_nil(find("salesforce_id", "view the leadsandcontacts"))
    assert.is_nil(find("string", "anything"))
  end)
end)
