-- salesforce.soql: each function's results and errors, and the property
-- that matters most: whatever the user's text, a reader that follows
-- Salesforce's documented literal rules gets back exactly that text, in
-- one literal, with wildcards only where soql.like put them.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local soql = require "salesforce.soql"

local concat = table.concat

-- ---- a reference reader, written from Salesforce's documentation ------------------

-- \n \r \t \b \f \" \' \\ and \uXXXX; \_ and \% in LIKE only; any other
-- backslash sequence is an error.
local ESCAPES = { n = "\n", r = "\r", t = "\t", b = "\b", f = "\f", ['"'] = '"',
  ["'"] = "'", ["\\"] = "\\" }

--- Reads the literal starting at q[i] ("'"). Returns a list of items
-- ({ lit = char } or { wild = "%" | "_" } when `like`) and the position
-- after the closing quote.
local function read_literal(q, i, like)
  assert(q:sub(i, i) == "'", "a literal starts with '")
  local out, j = {}, i + 1
  while true do
    local c = q:sub(j, j)
    if c == "" then error("unterminated literal in " .. q) end
    if c == "'" then return out, j + 1 end
    if c == "\\" then
      local n = q:sub(j + 1, j + 1)
      local hex = q:match("^u(%x%x%x%x)", j + 1)
      if ESCAPES[n] then
        out[#out + 1] = { lit = ESCAPES[n] }
        j = j + 2
      elseif hex then
        out[#out + 1] = { lit = utf8.char(tonumber(hex, 16)) }
        j = j + 6
      elseif like and (n == "_" or n == "%") then
        out[#out + 1] = { lit = n }
        j = j + 2
      else
        error("illegal escape \\" .. n .. " in " .. q)
      end
    elseif like and (c == "%" or c == "_") then
      out[#out + 1] = { wild = c }
      j = j + 1
    else
      out[#out + 1] = { lit = c }
      j = j + 1
    end
  end
end

--- The text of a whole-string literal.
local function unquote(q)
  local items, after = read_literal(q, 1, false)
  assert(after == #q + 1, "text after the literal: " .. q)
  local out = {}
  for i, it in ipairs(items) do out[i] = it.lit end
  return concat(out)
end

--- A LIKE literal as { wildcards before, text, wildcards after }; errors
-- if a wildcard sits between literal characters.
local function read_like(q)
  local items, after = read_literal(q, 1, true)
  assert(after == #q + 1, "text after the literal: " .. q)
  local before, text, after_w, seen_text = {}, {}, {}, false
  for _, it in ipairs(items) do
    if it.wild then
      if #text > 0 then after_w[#after_w + 1] = it.wild
      else before[#before + 1] = it.wild end
    else
      if #after_w > 0 then error("wildcard inside the text: " .. q) end
      text[#text + 1] = it.lit
      seen_text = true
    end
  end
  assert(seen_text or #before + #after_w <= 2)
  return concat(before), concat(text), concat(after_w)
end

--- Tokens of a query: "s:" .. decoded literal, "w:" .. word, "p:" .. punctuation.
local function tokens(q)
  local out, i = {}, 1
  while i <= #q do
    local c = q:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == "'" then
      local items, j = read_literal(q, i, false)
      local s = {}
      for k, it in ipairs(items) do s[k] = it.lit end
      out[#out + 1] = "s:" .. concat(s)
      i = j
    elseif c:match("[%w_]") or (c == "-" and q:match("^%-%d", i)) then
      local w = q:match("^%-?[%w_%.:%-%+]+", i)
      out[#out + 1] = "w:" .. w
      i = i + #w
    else
      out[#out + 1] = "p:" .. c
      i = i + 1
    end
  end
  return out
end

--- Calls fn, which must raise a message containing `text` blamed on this
-- file (the caller), as luaL_argerror would.
local function raises(fn, text)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error: " .. text)
  assert.is_string(err)
  assert.truthy(err:find(text, 1, true), "expected '" .. text .. "' in: " .. err)
  assert.truthy(err:match("^.-soql_spec%.lua:%d+: "), "not blamed on the caller: " .. err)
end

-- Strings that would end a literal, start an escape, or mean something to
-- a SOQL parser if they got out of their quotes.
local NASTY = {
  "", "plain", "O'Brien", "' OR Id != '", "' OR Name LIKE '%", "\\", "trailing\\", "\\'",
  "\\\\'", "it\\'s", "\\' OR Id != \\'", "''", "'''", "\\\\", "50% off", "a_b", "%", "_",
  "%%__", "line\nbreak", "cr\r", "tab\t", "ff\f", "bs\b", "bell\a", "esc\27", "del\127",
  "\1\2\3\31", "\"double\"", "Zoë Ünïcödé é", "中文", "😀 emoji 🎉", "} OR {",
  ") OR (Name != '", "'; DELETE FROM Lead; --", ":name", ":x :y", "LAST_N_DAYS:30",
  "\\n", "\\u0041", "\\N", "NULL", "TRUE", "a\\_b", "100\\%", "\\%\\_", "\u{2028}\u{85}",
  "\u{FEFF}bom", "\u{10FFFF}",
}

-- A deterministic stream of random strings made of dangerous pieces.
local PIECES = { "'", "\\", '"', "%", "_", "\n", "\r", "\t", "\a", "\b", "\f", "\27",
  "\127", ":", "{", "}", "(", ")", ",", "a", "Z", "0", " ", "é", "中", "😀", "*", "?", "&",
  "|", "!", "[", "]", "^", "~", "+", "-", "AND", "OR", "NOT", "\\'", "\\\\", "\\u0041",
  ":n", "LAST_N_DAYS:1" }
local function random_strings(n, seed)
  local state = seed
  local function rand(m) -- a small LCG: the same strings on every run
    state = (state * 1103515245 + 12345) % 2147483648
    return state % m + 1
  end
  local out = {}
  for i = 1, n do
    local parts = {}
    for k = 1, rand(12) - 1 do parts[k] = PIECES[rand(#PIECES)] end
    out[i] = concat(parts)
  end
  return out
end

-- ---- quote -------------------------------------------------------------------------

describe("soql.quote", function()
  it("quotes strings so that the documented reader gets them back", function()
    for _, s in ipairs(NASTY) do
      local q = soql.quote(s)
      assert.are.equal(s, unquote(q), q)
    end
    for _, s in ipairs(random_strings(3000, 7)) do
      assert.are.equal(s, unquote(soql.quote(s)))
    end
  end)

  it("escapes exactly what it must, and nothing else", function()
    assert.are.equal("'abc'", soql.quote("abc"))
    assert.are.equal("'O\\'Brien'", soql.quote("O'Brien"))
    assert.are.equal("'\\\\'", soql.quote("\\"))
    assert.are.equal("'trailing\\\\'", soql.quote("trailing\\"))
    assert.are.equal("'\\\\\\''", soql.quote("\\'"))
    assert.are.equal("'\\' OR Id != \\''", soql.quote("' OR Id != '"))
    assert.are.equal("'a\\nb\\rc\\td\\fe'", soql.quote("a\nb\rc\td\fe"))
    -- \b is "Bell" in the documentation and backspace in Java: neither is used
    assert.are.equal("'\\u0007\\u0008\\u001b\\u007f\\u0001'", soql.quote("\a\b\27\127\1"))
    -- quotes, %, _ and : mean nothing inside = literals
    assert.are.equal([['"x" 50% a_b :n']], soql.quote([["x" 50% a_b :n]]))
    assert.are.equal("'é 中文 😀'", soql.quote("é 中文 😀"))
  end)

  it("never leaves a raw control character or an unescaped quote", function()
    for _, s in ipairs(random_strings(2000, 11)) do
      local q = soql.quote(s)
      assert.is_nil(q:find("[%z\1-\31\127]"), q)
      -- with escapes removed, the only quotes are the two delimiters
      local stripped = q:sub(2, -2):gsub("\\.", "")
      assert.is_nil(stripped:find("'", 1, true), q)
    end
  end)

  it("writes integers as they are", function()
    assert.are.equal("0", soql.quote(0))
    assert.are.equal("-5", soql.quote(-5))
    assert.are.equal("9223372036854775807", soql.quote(math.maxinteger))
    assert.are.equal("-9223372036854775808", soql.quote(math.mininteger))
  end)

  it("writes floats in plain decimal notation that reads back exactly", function()
    local cases = {
      { 0.1, "0.1" }, { 1.5, "1.5" }, { -2.25, "-2.25" }, { 3.0, "3" }, { -0.0, "0" },
      { 1e20, "100000000000000000000" }, { 1e-7, "0.0000001" },
      { 123456789.125, "123456789.125" }, { 1 / 3, "0.3333333333333333" },
      { 2 ^ 63, "9223372036854776000" }, { -1.5e-10, "-0.00000000015" },
    }
    for _, c in ipairs(cases) do assert.are.equal(c[2], soql.quote(c[1])) end
    local x = 1.2345e-300
    for _ = 1, 600 do
      local q = soql.quote(x)
      assert.truthy(q:match("^%-?%d+%.?%d*$"), q)
      assert.are.equal(x, tonumber(q) * 1.0) -- read as a double
      x = -x * 3.7
    end
    assert.truthy(soql.quote(5e-324):match("^0%.0+5$"))
    assert.truthy(soql.quote(1.7976931348623157e308):match("^17976931348623157%d+$"))
  end)

  it("refuses NaN and infinities", function()
    raises(function() soql.quote(0 / 0) end,
      "bad argument #1 to 'quote' (NaN is not a SOQL number)")
    raises(function() soql.quote(math.huge) end, "(infinity is not a SOQL number)")
    raises(function() soql.quote(-math.huge) end, "(infinity is not a SOQL number)")
  end)

  it("writes booleans and NULL", function()
    assert.are.equal("TRUE", soql.quote(true))
    assert.are.equal("FALSE", soql.quote(false))
    assert.are.equal("NULL", soql.quote(nil))
    assert.are.equal("NULL", soql.quote())
    assert.are.equal("NULL", soql.quote(soql.null))
  end)

  it("treats cjson.null as NULL (soql.null is cjson.null)", function()
    local cjson = require "cjson"
    assert.are.equal(cjson.null, soql.null)
    assert.are.equal("NULL", soql.quote(cjson.null))
  end)

  it("writes lists for IN", function()
    assert.are.equal("('a')", soql.quote({ "a" }))
    assert.are.equal("('a', 'O\\'Brien', 1, 2.5, TRUE, NULL, 2024-01-31)",
      soql.quote({ "a", "O'Brien", 1, 2.5, true, soql.null, soql.date(2024, 1, 31) }))
    local list = {}
    for i, s in ipairs(NASTY) do list[i] = s end
    local q = soql.quote(list)
    local toks = tokens(q)
    assert.are.equal("p:(", toks[1])
    assert.are.equal("p:)", toks[#toks])
    for i, s in ipairs(NASTY) do
      assert.are.equal("s:" .. s, toks[2 * i])
      assert.are.equal(i < #NASTY and "p:," or "p:)", toks[2 * i + 1])
    end
  end)

  it("refuses lists Salesforce or SOQL cannot take", function()
    raises(function() soql.quote({}) end, "(empty list: Salesforce rejects IN ())")
    raises(function() soql.quote({ "a", { "b" } }) end, "(element 2: lists cannot be nested)")
    raises(function() soql.quote({ "a", "b\0" }) end, "(element 2: string contains a NUL byte)")
    raises(function() soql.quote({ 1, 0 / 0 }) end, "(element 2: NaN is not a SOQL number)")
    raises(function() soql.quote({ [1] = "a", [3] = "c" }) end, "list has holes")
    raises(function() soql.quote({ "a", x = 1 }) end,
      "(table is neither a list nor a soql value (key x))")
    raises(function() soql.quote({ [0] = "a" }) end, "(table is neither a list")
    raises(function() soql.quote({ [1.5] = "a" }) end, "(table is neither a list")
    raises(function() soql.quote({ print }) end, "(element 1: cannot quote a function)")
  end)

  it("refuses other types, NUL bytes and invalid UTF-8", function()
    raises(function() soql.quote(print) end, "bad argument #1 to 'quote' (cannot quote a function)")
    raises(function() soql.quote(coroutine.create(print)) end, "(cannot quote a thread)")
    raises(function() soql.quote(io.stdout) end, "(cannot quote a userdata)")
    raises(function() soql.quote("a\0b") end, "(string contains a NUL byte)")
    raises(function() soql.quote("\255") end, "(string is not valid UTF-8 (byte 1))")
    raises(function() soql.quote("ok\xC0\xAF") end, "(string is not valid UTF-8 (byte 3))")
    raises(function() soql.quote("\xED\xA0\x80") end, "not valid UTF-8") -- a surrogate
    raises(function() soql.quote("\xC3'") end, "not valid UTF-8") -- lead byte eating a quote
  end)

  it("cannot be fooled by a table that looks like a typed value", function()
    local fake = { kind = "date", literal = "2024-01-01 OR Id != NULL" }
    raises(function() soql.quote(fake) end, "neither a list nor a soql value")
    local fake2 = setmetatable({}, { __tostring = function() return "TRUE OR TRUE" end })
    raises(function() soql.quote(fake2) end, "empty list")
  end)
end)

-- ---- like and pattern -------------------------------------------------------------

describe("soql.like", function()
  it("adds wildcards per mode", function()
    assert.are.equal("'%abc%'", soql.like("abc"))
    assert.are.equal("'%abc%'", soql.like("abc", "contains"))
    assert.are.equal("'abc%'", soql.like("abc", "prefix"))
    assert.are.equal("'%abc'", soql.like("abc", "suffix"))
    assert.are.equal("'abc'", soql.like("abc", "exact"))
    assert.are.equal("'%%'", soql.like(""))
  end)

  it("escapes the user's % and _ and everything quote escapes", function()
    assert.are.equal("'50\\%\\_off%'", soql.like("50%_off", "prefix"))
    assert.are.equal("'%O\\'Brien%'", soql.like("O'Brien"))
    assert.are.equal("'x\\\\%'", soql.like("x\\", "prefix"))
    assert.are.equal("'%\\\\\\%%'", soql.like("\\%"))
    assert.are.equal("'%a\\nb\\u0007%'", soql.like("a\nb\a"))
  end)

  it("puts wildcards only where the mode says, for any text", function()
    local modes = { contains = { "%", "%" }, prefix = { "", "%" }, suffix = { "%", "" },
      exact = { "", "" } }
    local texts = random_strings(1500, 3)
    for _, s in ipairs(NASTY) do texts[#texts + 1] = s end
    for _, s in ipairs(texts) do
      for mode, ends in pairs(modes) do
        local before, text, after = read_like(soql.like(s, mode))
        if s ~= "" then
          assert.are.same({ ends[1], s, ends[2] }, { before, text, after })
        else
          assert.are.equal(ends[1] .. ends[2], before .. after)
        end
      end
    end
  end)

  it("raises on misuse", function()
    raises(function() soql.like(nil) end, "bad argument #1 to 'like' (string expected, got nil)")
    raises(function() soql.like(5) end, "(string expected, got integer)")
    raises(function() soql.like("a\0") end, "(string contains a NUL byte)")
    raises(function() soql.like("\255") end, "not valid UTF-8")
    raises(function() soql.like("a", "middle") end,
      "bad argument #2 to 'like' (mode must be 'contains', 'prefix', 'suffix' or 'exact')")
  end)
end)

describe("soql.pattern", function()
  it("is soql.like as a value for binds", function()
    local p = soql.pattern("50%", "prefix")
    assert.are.equal("pattern", p.kind)
    assert.are.equal("'50\\%%'", tostring(p))
    assert.are.equal("'50\\%%'", soql.quote(p))
    assert.are.equal("Name LIKE '50\\%%'", soql.bind("Name LIKE :p", { p = p }))
    assert.are.equal("'%x%'", soql.quote(soql.pattern("x")))
  end)

  it("raises on misuse", function()
    raises(function() soql.pattern({}) end, "bad argument #1 to 'pattern' (string expected")
    raises(function() soql.pattern("a", "all") end, "bad argument #2 to 'pattern' (mode must")
  end)
end)

-- ---- typed values ------------------------------------------------------------------

describe("soql.date", function()
  it("makes unquoted dates from parts or text", function()
    assert.are.equal("2024-01-31", soql.quote(soql.date(2024, 1, 31)))
    assert.are.equal("2024-02-29", soql.quote(soql.date(2024, 2, 29)))
    assert.are.equal("2000-02-29", soql.quote(soql.date("2000-02-29")))
    assert.are.equal("0001-01-01", soql.quote(soql.date(1, 1, 1.0)))
    local d = soql.date("2024-12-31")
    assert.are.equal("date", d.kind)
    assert.are.equal("2024-12-31", d.literal)
    assert.are.equal("2024-12-31", tostring(d))
  end)

  it("checks the calendar", function()
    raises(function() soql.date(2023, 2, 29) end,
      "bad argument #3 to 'date' (day 29 out of range 1..28)")
    raises(function() soql.date(1900, 2, 29) end, "(day 29 out of range 1..28)")
    raises(function() soql.date(2024, 4, 31) end, "(day 31 out of range 1..30)")
    raises(function() soql.date(2024, 13, 1) end,
      "bad argument #2 to 'date' (month 13 out of range 1..12)")
    raises(function() soql.date(0, 1, 1) end,
      "bad argument #1 to 'date' (year 0 out of range 1..9999)")
    raises(function() soql.date(10000, 1, 1) end, "(year 10000 out of range 1..9999)")
    raises(function() soql.date(2024, 1.5, 1) end, "(month must be an integer, got float)")
    raises(function() soql.date(2024, "1", 1) end, "(month must be an integer, got string)")
    raises(function() soql.date() end, "(year must be an integer, got nil)")
  end)

  it("checks date text", function()
    for _, bad in ipairs({ "2024-1-31", "2024-01-31T00:00:00Z", " 2024-01-31", "2024/01/31",
      "TODAY", "2024-01-31' OR '", "" }) do
      raises(function() soql.date(bad) end, "bad argument #1 to 'date' (date must be YYYY-MM-DD")
    end
    raises(function() soql.date("2023-02-29") end, "bad argument #1 to 'date' (day 29 out of range")
    raises(function() soql.date("2023-00-10") end, "(month 0 out of range")
  end)

  it("is read-only", function()
    local d = soql.date(2024, 1, 1)
    raises(function() d.literal = "x" end, "soql values are read-only")
    assert.are.equal("salesforce.soql.value", getmetatable(d))
  end)
end)

describe("soql.datetime", function()
  it("makes UTC datetimes from parts", function()
    assert.are.equal("2024-01-31T00:00:00Z", soql.quote(soql.datetime(2024, 1, 31)))
    assert.are.equal("2024-01-31T09:05:07Z", soql.quote(soql.datetime(2024, 1, 31, 9, 5, 7)))
    assert.are.equal("2024-01-31T23:59:59.042Z",
      soql.quote(soql.datetime(2024, 1, 31, 23, 59, 59, 42)))
  end)

  it("makes UTC datetimes from os.time() numbers", function()
    assert.are.equal("1970-01-01T00:00:00Z", tostring(soql.datetime(0)))
    assert.are.equal("2024-01-31T09:30:00Z", tostring(soql.datetime(1706693400)))
    assert.are.equal("2024-01-31T09:30:00.500Z", tostring(soql.datetime(1706693400.5)))
    assert.are.equal("1969-12-31T23:59:59Z", tostring(soql.datetime(-1)))
    assert.are.equal("2000-02-29T12:00:00Z", tostring(soql.datetime(951825600)))
    assert.are.equal("9999-12-31T23:59:59Z", tostring(soql.datetime(253402300799)))
    -- agrees with os.date for a spread of times
    for t = -2 ^ 31, 2 ^ 33, 987654321 do
      local want = os.date("!%Y-%m-%dT%H:%M:%SZ", t)
      if want:match("^%d%d%d%d%-") then assert.are.equal(want, tostring(soql.datetime(t))) end
    end
  end)

  it("checks and keeps ISO text", function()
    for _, s in ipairs({ "2024-01-31T09:30:00Z", "2024-01-31T09:30:00.123Z",
      "2024-01-31T09:30:00+05:30", "2024-01-31T09:30:00-08:00",
      "2024-01-31T09:30:00.000+14:00" }) do
      assert.are.equal(s, soql.quote(soql.datetime(s)))
    end
  end)

  it("refuses malformed or impossible datetimes", function()
    for _, bad in ipairs({ "2024-01-31", "2024-01-31T09:30:00", "2024-01-31 09:30:00Z",
      "2024-01-31T09:30Z", "2024-01-31T09:30:00.1Z", "2024-01-31T09:30:00+0530",
      "2024-01-31T09:30:00z", "2024-01-31T09:30:00Z OR Id != NULL", "" }) do
      raises(function() soql.datetime(bad) end, "bad argument #1 to 'datetime' (datetime must be")
    end
    raises(function() soql.datetime("2024-01-31T24:00:00Z") end, "(hour 24 out of range 0..23)")
    raises(function() soql.datetime("2024-01-31T09:60:00Z") end, "(minute 60 out of range")
    raises(function() soql.datetime("2024-01-31T09:00:60Z") end, "(second 60 out of range")
    raises(function() soql.datetime("2024-01-31T09:00:00+15:00") end, "(zone hour 15 out of range")
    raises(function() soql.datetime("2023-02-29T09:00:00Z") end, "(day 29 out of range")
    raises(function() soql.datetime(2024, 1, 31, 24) end, "bad argument #4 to 'datetime' (hour 24")
    raises(function() soql.datetime(2024, 1, 31, 1, 2, 3, 1000) end,
      "bad argument #7 to 'datetime' (millisecond 1000 out of range 0..999)")
    raises(function() soql.datetime(2024, 1, 32) end, "bad argument #3 to 'datetime' (day 32")
    raises(function() soql.datetime(0 / 0) end, "(time must be a finite number)")
    raises(function() soql.datetime(1e300) end, "out of range")
    raises(function() soql.datetime(253402300800) end, "(time out of range (years 1..9999))")
    raises(function() soql.datetime({}) end,
      "bad argument #1 to 'datetime' (year must be an integer")
  end)
end)

describe("soql.date_literal", function()
  it("makes Salesforce's date literals", function()
    assert.are.equal("TODAY", soql.quote(soql.date_literal("TODAY")))
    assert.are.equal("THIS_FISCAL_YEAR", tostring(soql.date_literal("this_fiscal_year")))
    assert.are.equal("LAST_N_DAYS:30", soql.quote(soql.date_literal("LAST_N_DAYS", 30)))
    assert.are.equal("N_DAYS_AGO:0", soql.quote(soql.date_literal("n_days_ago", 0)))
    assert.are.equal("NEXT_N_FISCAL_YEARS:2",
      tostring(soql.date_literal("NEXT_N_FISCAL_YEARS", 2.0)))
    assert.are.equal("date_literal", soql.date_literal("TODAY").kind)
  end)

  it("takes only listed names and non-negative integers", function()
    raises(function() soql.date_literal("NOW") end,
      "bad argument #1 to 'date_literal' (unknown date literal 'NOW')")
    raises(function() soql.date_literal("TODAY OR Id != NULL") end, "unknown date literal")
    raises(function() soql.date_literal("LAST_N_DAYS:30") end, "unknown date literal")
    raises(function() soql.date_literal(nil) end, "(string expected, got nil)")
    raises(function() soql.date_literal("TODAY", 1) end,
      "bad argument #2 to 'date_literal' (TODAY takes no number)")
    raises(function() soql.date_literal("LAST_N_DAYS") end,
      "bad argument #2 to 'date_literal' (LAST_N_DAYS needs a non-negative integer, got nil)")
    raises(function() soql.date_literal("LAST_N_DAYS", -1) end, "non-negative integer, got -1")
    raises(function() soql.date_literal("LAST_N_DAYS", 1.5) end, "non-negative integer, got 1.5")
    raises(function() soql.date_literal("LAST_N_DAYS", "30") end, "non-negative integer, got 30")
  end)
end)

-- ---- bind --------------------------------------------------------------------------

describe("soql.bind", function()
  it("replaces binds with quoted values", function()
    assert.are.equal("SELECT Id FROM Lead WHERE LastName = 'O\\'Brien' AND NumberOfEmployees > 5",
      soql.bind("SELECT Id FROM Lead WHERE LastName = :name AND NumberOfEmployees > :n",
        { name = "O'Brien", n = 5 }))
    assert.are.equal("x IN ('a', 'b') AND y = 'a' OR z = 'a'",
      soql.bind("x IN :ids AND y = :v OR z = :v", { ids = { "a", "b" }, v = "a" }))
    assert.are.equal("f(1,TRUE)", soql.bind("f(:a_1,:_b)", { a_1 = 1, _b = true }))
    assert.are.equal("x = 1", soql.bind("x = :a", { a = 1, unused = "ignored" }))
    assert.are.equal("x = FALSE AND y = NULL", soql.bind("x = :f AND y = :n",
      { f = false, n = soql.null }))
    assert.are.equal("d = 2024-01-31 AND t > 2024-01-31T00:00:00Z AND c = LAST_N_DAYS:7",
      soql.bind("d = :d AND t > :t AND c = :c", { d = soql.date(2024, 1, 31),
        t = soql.datetime(2024, 1, 31), c = soql.date_literal("LAST_N_DAYS", 7) }))
    assert.are.equal("no binds", soql.bind("no binds"))
    assert.are.equal("", soql.bind("", {}))
  end)

  it("copies the query's own literals, escapes and all", function()
    local q = [[Name = 'it\'s :x' AND Title = 'a\\' AND City = :x AND S = '\\\'' AND T = ':y']]
    assert.are.equal([[Name = 'it\'s :x' AND Title = 'a\\' AND City = 'X' ]]
      .. [[AND S = '\\\'' AND T = ':y']], soql.bind(q, { x = "X" }))
    assert.are.equal("Name = '' AND x = 1", soql.bind("Name = '' AND x = :v", { v = 1 }))
  end)

  it("leaves date literals and lone colons alone", function()
    assert.are.equal("CreatedDate = LAST_N_DAYS:30 AND x = 'v'",
      soql.bind("CreatedDate = LAST_N_DAYS:30 AND x = :v", { v = "v" }))
    assert.are.equal("a : b :1 ::", soql.bind("a : b :1 ::", {}))
  end)

  it("binds the n of a date literal as a count", function()
    assert.are.equal("CreatedDate = NEXT_N_DAYS:3 AND d < last_n_weeks:0",
      soql.bind("CreatedDate = NEXT_N_DAYS:n AND d < last_n_weeks:z", { n = 3, z = 0.0 }))
    raises(function() soql.bind("d = LAST_N_DAYS:n", { n = "3 OR Id != NULL" }) end,
      "bad argument #2 to 'bind' (bind :n: LAST_N_DAYS needs a non-negative integer, got string)")
    raises(function() soql.bind("d = LAST_N_DAYS:n", { n = -1 }) end, "got integer")
    raises(function() soql.bind("d = LAST_N_DAYS:n", { n = 1.5 }) end, "got float")
    -- not a date literal: an ordinary bind
    assert.are.equal("X_N_DAYS'v'", soql.bind("X_N_DAYS:n", { n = "v" }))
  end)

  it("keeps every value in exactly one literal", function()
    local values = random_strings(1500, 5)
    for _, s in ipairs(NASTY) do values[#values + 1] = s end
    for _, s in ipairs(values) do
      local q = soql.bind("SELECT Id FROM Lead WHERE LastName = :v AND Company != :v", { v = s })
      assert.are.same({ "w:SELECT", "w:Id", "w:FROM", "w:Lead", "w:WHERE", "w:LastName", "p:=",
        "s:" .. s, "w:AND", "w:Company", "p:!", "p:=", "s:" .. s }, tokens(q))
    end
  end)

  it("raises on a missing bind, a bad value or an unterminated literal", function()
    raises(function() soql.bind("x = :name", {}) end,
      "bad argument #2 to 'bind' (missing bind :name)")
    raises(function() soql.bind("x = :name", { name = nil }) end, "(missing bind :name)")
    raises(function() soql.bind("x = :a", nil) end, "(missing bind :a)")
    raises(function() soql.bind("x = :v", { v = print }) end, "(bind :v: cannot quote a function)")
    raises(function() soql.bind("x IN :v", { v = {} }) end, "(bind :v: empty list")
    raises(function() soql.bind("x = :v", { v = "a\0" }) end,
      "(bind :v: string contains a NUL byte)")
    raises(function() soql.bind("x = 'abc AND y = :v", { v = 1 }) end,
      "bad argument #1 to 'bind' (unterminated string literal at byte 5)")
    raises(function() soql.bind("x = 'abc\\'", {}) end, "unterminated string literal")
    raises(function() soql.bind(nil, {}) end,
      "bad argument #1 to 'bind' (string expected, got nil)")
    raises(function() soql.bind("x", "binds") end,
      "bad argument #2 to 'bind' (table of binds expected, got string)")
  end)
end)

-- ---- identifier --------------------------------------------------------------------

describe("soql.identifier", function()
  it("accepts API names and relationship paths", function()
    for _, name in ipairs({ "Id", "Name", "Lead", "Account.Name", "Account.Owner.Name",
      "My_Field__c", "ns__My_Field__c", "Parent__r.Name", "ns__Parent__r.ns__Field__c",
      "Geo__latitude__s", "ns__Geo__latitude__s", "Group", "Order", "a1", "X", "Field2__c",
      "Custom__mdt", "Event__e" }) do
      assert.are.equal(name, soql.identifier(name))
    end
  end)

  it("refuses anything else", function()
    local cases = {
      { "", "empty name part" }, { "1abc", "not an API name" }, { "_x", "not an API name" },
      { "x_", "bad underscores" }, { "a___b", "bad underscores" }, { "a__", "bad underscores" },
      { "a b", "not an API name" }, { "Name;", "not an API name" },
      { "Name,Id", "not an API name" }, { "Name--", "not an API name" },
      { "a..b", "empty name part" }, { ".a", "empty name part" }, { "a.", "empty name part" },
      { "FROM", "reserved word" }, { "select", "reserved word" },
      { "Account.Limit", "reserved word" },
      { "Id'", "not an API name" }, { "é", "not an API name" }, { "Name\n", "not an API name" },
      { "a__b__c__d__e", "too many __ parts" }, { "Name FROM Lead", "not an API name" },
      { "Id) FROM User WHERE (Id", "not an API name" }, { "Name:x", "not an API name" },
      { ("a"):rep(256), "name longer than 255 bytes" },
    }
    for _, c in ipairs(cases) do
      raises(function() soql.identifier(c[1]) end, "bad argument #1 to 'identifier' (")
      raises(function() soql.identifier(c[1]) end, c[2])
    end
    raises(function() soql.identifier(nil) end, "(string expected, got nil)")
    raises(function() soql.identifier(12) end, "(string expected, got integer)")
  end)
end)

-- ---- select ------------------------------------------------------------------------

describe("soql.select", function()
  it("builds a query from checked parts", function()
    assert.are.equal("SELECT Id FROM Lead", soql.select{ sobject = "Lead", fields = { "Id" } })
    assert.are.equal("SELECT Id, Name, Account.Owner.Name FROM Contact WHERE Name = 'O\\'Brien'"
      .. " AND CreatedDate = LAST_N_DAYS:7 ORDER BY Name DESC NULLS LAST, Id LIMIT 10 OFFSET 20",
      soql.select{ sobject = "Contact", fields = { "Id", "Name", "Account.Owner.Name" },
        where = "Name = :n AND CreatedDate = LAST_N_DAYS:7", binds = { n = "O'Brien" },
        order_by = "Name desc nulls last, Id", limit = 10, offset = 20 })
    assert.are.equal("SELECT Id FROM Lead ORDER BY Name ASC, Company NULLS FIRST LIMIT 0",
      soql.select{ sobject = "Lead", fields = { "Id" },
        order_by = { "Name ASC", "Company NULLS FIRST" }, limit = 0 })
    assert.are.equal("SELECT Id FROM Lead WHERE IsConverted = FALSE",
      soql.select{ sobject = "Lead", fields = { "Id" }, where = "IsConverted = FALSE" })
  end)

  it("keeps user values inside the WHERE literals", function()
    for _, s in ipairs(NASTY) do
      local q = soql.select{ sobject = "Lead", fields = { "Id" }, where = "LastName = :v",
        binds = { v = s }, limit = 1 }
      assert.are.same({ "w:SELECT", "w:Id", "w:FROM", "w:Lead", "w:WHERE", "w:LastName", "p:=",
        "s:" .. s, "w:LIMIT", "w:1" }, tokens(q))
    end
  end)

  it("raises on bad parts", function()
    local function sel(t) return function() soql.select(t) end end
    local ok = { sobject = "Lead", fields = { "Id" } }
    local function with(over)
      local t = {}
      for k, v in pairs(ok) do t[k] = v end
      for k, v in pairs(over) do t[k] = v end
      return t
    end
    raises(sel(nil), "bad argument #1 to 'select' (table expected, got nil)")
    raises(sel(with({ order = "Name" })), "(unknown option 'order')")
    raises(sel({ fields = { "Id" } }), "(sobject: string expected, got nil)")
    raises(sel(with({ sobject = "Account.Name" })),
      "(sobject: invalid name 'Account.Name' (no dots")
    raises(sel(with({ sobject = "Lead WHERE" })), "(sobject: invalid name")
    raises(sel(with({ fields = {} })), "(fields must be a non-empty list of names)")
    raises(sel(with({ fields = "Id" })), "(fields must be a non-empty list of names)")
    raises(sel(with({ fields = { "Id", x = "Name" } })), "(fields must be a list)")
    raises(sel(with({ fields = { "Id", "Name FROM User" } })), "(fields[2]: invalid name")
    raises(sel(with({ where = 5 })), "(where must be a string)")
    raises(sel(with({ binds = { a = 1 } })), "(binds given without where)")
    raises(sel(with({ where = "Name = :n" })), "(where: missing bind :n)")
    raises(sel(with({ where = "Name = :n", binds = { n = {} } })), "(where: bind :n: empty list")
    raises(sel(with({ where = "Name = 'x" })), "(where: unterminated string literal")
    raises(sel(with({ order_by = "Name; DELETE" })), "(order_by item 1: invalid name")
    raises(sel(with({ order_by = "Name DESC DESC" })), "(order_by item 1: unexpected 'DESC')")
    raises(sel(with({ order_by = "Name NULLS" })), "(order_by item 1: unexpected 'NULLS')")
    raises(sel(with({ order_by = "Name, " })), "(order_by item 2: invalid name")
    raises(sel(with({ order_by = {} })), "(order_by must be a string or a list of strings)")
    raises(sel(with({ order_by = { 1 } })), "(order_by must be a list of strings)")
    raises(sel(with({ limit = -1 })), "(limit must be an integer from 0 to")
    raises(sel(with({ limit = 1.5 })), "(limit must be an integer")
    raises(sel(with({ limit = "10" })), "(limit must be an integer")
    raises(sel(with({ offset = 2001 })), "(offset must be an integer from 0 to 2000, got 2001)")
  end)
end)
