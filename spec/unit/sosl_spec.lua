-- salesforce.sosl: escape, phrase and build, their errors, and the
-- property that user text stays one literal phrase inside FIND {...},
-- checked with a reader written from Salesforce's reserved-character rule.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local sosl = require "salesforce.sosl"

local concat = table.concat

-- ---- a reference reader ------------------------------------------------------------

local RESERVED = "?&|!{}[]()^~*:\\\"'+-"

--- Reads escaped text as SOSL does inside braces: \x is the literal x; an
-- unescaped reserved character is an error. Returns the literal text.
local function unescape(text)
  local out, j = {}, 1
  while j <= #text do
    local c = text:sub(j, j)
    if c == "\\" then
      local n = text:sub(j + 1, j + 1)
      if n == "" then error("dangling backslash in " .. text) end
      out[#out + 1] = n
      j = j + 2
    elseif RESERVED:find(c, 1, true) then
      error("unescaped " .. c .. " in " .. text)
    else
      out[#out + 1] = c
      j = j + 1
    end
  end
  return concat(out)
end

--- Reads a phrase term "...": returns its literal text; errors when the
-- quotes do not enclose everything, or a reserved character is bare.
local function read_phrase(term)
  assert(term:sub(1, 1) == '"', "a phrase starts with a double quote: " .. term)
  local j = 2
  while j <= #term do
    local c = term:sub(j, j)
    if c == "\\" then
      j = j + 2
    elseif c == '"' then
      assert(j == #term, "text after the closing quote: " .. term)
      return unescape(term:sub(2, j - 1))
    else
      j = j + 1
    end
  end
  error("unterminated phrase: " .. term)
end

--- Splits a FIND statement into its braces term and the rest, scanning as
-- Salesforce does: \x is skipped, the first bare } closes the term.
local function split_find(q)
  assert(q:sub(1, 6) == "FIND {", q)
  local j = 7
  while j <= #q do
    local c = q:sub(j, j)
    if c == "\\" then j = j + 2
    elseif c == "}" then return q:sub(7, j - 1), q:sub(j + 1)
    else j = j + 1 end
  end
  error("no closing brace: " .. q)
end

--- What phrase() promises to keep of a text: wildcards gone, control
-- characters and white space runs one space, trimmed.
local function normal(s)
  s = s:gsub("[%*%?]", " "):gsub("[%z\1-\32\127]+", " ")
  return (s:gsub("^ ", ""):gsub(" $", ""))
end

local function raises(fn, text)
  local ok, err = pcall(fn)
  assert.is_false(ok, "expected an error: " .. text)
  assert.is_string(err)
  assert.truthy(err:find(text, 1, true), "expected '" .. text .. "' in: " .. err)
  assert.truthy(err:match("^.-sosl_spec%.lua:%d+: "), "not blamed on the caller: " .. err)
end

local NASTY = {
  "O'Brien", "Smith & Sons", "rock OR roll", "alpha AND NOT beta", "NOT me", "and or",
  "wil*", "wil?on", "*x*y*", "\"quoted\"", "\"", "a\"b", "} RETURNING Account(Id", "{x}",
  "[a] (b) ^c ~d :e +f -g !h |i &j", "trailing\\", "\\", "\\\"", "\\}", "a\\*b",
  "line\nbreak", "tab\tcr\r", "bell\a del\127", "Zoë", "中文", "😀 emoji ok", "' OR Id != '",
  "x} IN ALL FIELDS RETURNING User(Id) LIMIT 1 //", "AND", "OR", "NOT", "a -b", "-x -y",
}

local PIECES = { "'", "\\", '"', "%", "_", "\n", "\t", "\a", "\127", ":", "{", "}", "(", ")",
  "a", "Z", "0", " ", "é", "中", "😀", "*", "?", "&", "|", "!", "[", "]", "^", "~", "+", "-",
  "AND", "OR", "NOT", " AND NOT ", "\\\"", "\\}" }
local function random_strings(n, seed)
  local state = seed
  local function rand(m)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % m + 1
  end
  local out = {}
  for i = 1, n do
    local parts = { "ab" } -- always enough letters for a phrase
    for k = 1, rand(12) - 1 do parts[k + 1] = PIECES[rand(#PIECES)] end
    out[i] = concat(parts)
  end
  return out
end

-- ---- escape ------------------------------------------------------------------------

describe("sosl.escape", function()
  it("escapes every reserved character", function()
    assert.are.equal("\\?\\&\\|\\!\\{\\}\\[\\]\\(\\)\\^\\~\\*\\:\\\\\\\"\\'\\+\\-",
      sosl.escape(RESERVED))
    assert.are.equal("O\\'Brien \\& Sons", sosl.escape("O'Brien & Sons"))
    assert.are.equal("trailing\\\\", sosl.escape("trailing\\"))
  end)

  it("leaves other text alone, operator words included", function()
    assert.are.equal("abc XYZ 123 é 中文 😀 % _ , . ; / @ # $ = < >",
      sosl.escape("abc XYZ 123 é 中文 😀 % _ , . ; / @ # $ = < >"))
    assert.are.equal("rock AND roll OR NOT", sosl.escape("rock AND roll OR NOT"))
    assert.are.equal("", sosl.escape(""))
  end)

  it("gives text that reads back exactly, with no bare reserved character", function()
    local texts = random_strings(2000, 17)
    for _, s in ipairs(NASTY) do texts[#texts + 1] = s end
    for _, s in ipairs(texts) do
      assert.are.equal(s, unescape(sosl.escape(s)))
    end
  end)

  it("raises on misuse", function()
    raises(function() sosl.escape(nil) end,
      "bad argument #1 to 'escape' (string expected, got nil)")
    raises(function() sosl.escape(1) end, "(string expected, got integer)")
    raises(function() sosl.escape("a\0b") end, "(string contains a NUL byte)")
    raises(function() sosl.escape("\255") end, "(string is not valid UTF-8 (byte 1))")
  end)
end)

-- ---- phrase ------------------------------------------------------------------------

describe("sosl.phrase", function()
  it("makes the text one quoted, escaped phrase", function()
    assert.are.equal('"O\\\'Brien \\& Sons"', sosl.phrase("O'Brien & Sons"))
    assert.are.equal('"rock OR roll"', sosl.phrase("rock OR roll"))
    assert.are.equal('"alpha AND NOT beta"', sosl.phrase("alpha AND NOT beta"))
    assert.are.equal('"\\"quoted\\""', sosl.phrase('"quoted"'))
    assert.are.equal('"trailing\\\\"', sosl.phrase("trailing\\"))
    assert.are.equal('"\\} RETURNING Account\\(Id"', sosl.phrase("} RETURNING Account(Id"))
    assert.are.equal('"中文"', sosl.phrase("中文"))
    assert.are.equal('"Zoë"', sosl.phrase("Zoë"))
  end)

  it("drops wildcards and tidies white space", function()
    assert.are.equal('"wil"', sosl.phrase("wil*"))
    assert.are.equal('"wil on"', sosl.phrase("wil?on"))
    assert.are.equal('"x y"', sosl.phrase("*x*y*"))
    assert.are.equal('"line break"', sosl.phrase("line\nbreak"))
    assert.are.equal('"a b c"', sosl.phrase("  a \t\r\n b\a\127c  "))
  end)

  it("keeps any text inside one phrase that reads back as the text", function()
    local texts = random_strings(2000, 23)
    for _, s in ipairs(NASTY) do texts[#texts + 1] = s end
    for _, s in ipairs(texts) do
      local ok, term = pcall(sosl.phrase, s)
      if ok then
        local text = read_phrase(term)
        assert.are.equal(normal(s), text)
        assert.is_nil(text:find("[%*%?]"), term) -- no wildcard, even escaped
      else
        assert.truthy(term:find("letters or digits", 1, true), term)
      end
    end
  end)

  it("refuses text with nothing to search for", function()
    raises(function() sosl.phrase("") end, "bad argument #1 to 'phrase' (search text is empty)")
    raises(function() sosl.phrase(" \t\n ") end, "(search text is empty)")
    raises(function() sosl.phrase("*?*") end, "(search text is empty)")
    raises(function() sosl.phrase("a") end,
      "bad argument #1 to 'phrase' (search text needs at least 2 letters or digits)")
    raises(function() sosl.phrase("a*") end, "needs at least 2 letters or digits")
    raises(function() sosl.phrase("!! -- ''") end, "needs at least 2 letters or digits")
    raises(function() sosl.phrase("😀😀") end, "needs at least 2 letters or digits")
    raises(function() sosl.phrase("a —") end, "needs at least 2 letters or digits")
    raises(function() sosl.phrase("中") end, "needs at least 2 letters or digits")
    assert.are.equal('"a1"', sosl.phrase("a1"))
    assert.are.equal('"é ü"', sosl.phrase("é ü"))
  end)

  it("raises on misuse", function()
    raises(function() sosl.phrase(nil) end,
      "bad argument #1 to 'phrase' (string expected, got nil)")
    raises(function() sosl.phrase({}) end, "(string expected, got table)")
    raises(function() sosl.phrase("ab\0") end, "(string contains a NUL byte)")
    raises(function() sosl.phrase("ab\xff") end, "(string is not valid UTF-8 (byte 3))")
  end)
end)

-- ---- build -------------------------------------------------------------------------

describe("sosl.build", function()
  it("builds a complete statement", function()
    assert.are.equal("FIND {\"O\\'Brien \\& Sons\"} IN NAME FIELDS RETURNING "
      .. "Lead(Id, Name WHERE Company = 'A\\'}' ORDER BY Name DESC LIMIT 5 OFFSET 1), "
      .. "Contact(Id) LIMIT 20",
      sosl.build{ text = "O'Brien & Sons", scope = "name", limit = 20, returning = {
        { sobject = "Lead", fields = { "Id", "Name" }, where = "Company = :co",
          binds = { co = "A'}" }, order_by = "Name DESC", limit = 5, offset = 1 },
        { sobject = "Contact" } } })
  end)

  it("has defaults: scope ALL, no RETURNING, fields Id", function()
    assert.are.equal('FIND {"acme"} IN ALL FIELDS', sosl.build{ text = "acme" })
    assert.are.equal('FIND {"acme"} IN EMAIL FIELDS RETURNING Lead(Id) LIMIT 0',
      sosl.build{ text = "acme", scope = "EMAIL", returning = { { sobject = "Lead" } },
        limit = 0 })
    for _, scope in ipairs({ "ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR", "phone" }) do
      assert.are.equal('FIND {"acme"} IN ' .. scope:upper() .. " FIELDS",
        sosl.build{ text = "acme", scope = scope })
    end
  end)

  it("keeps the user's text inside the braces and the phrase", function()
    local texts = random_strings(1000, 29)
    for _, s in ipairs(NASTY) do texts[#texts + 1] = s end
    for _, s in ipairs(texts) do
      local ok, q = pcall(sosl.build, { text = s,
        returning = { { sobject = "Lead", fields = { "Id", "Name" } } } })
      if ok then
        local term, rest = split_find(q)
        assert.are.equal(normal(s), read_phrase(term))
        assert.are.equal(" IN ALL FIELDS RETURNING Lead(Id, Name)", rest)
      else
        assert.truthy(q:find("letters or digits", 1, true), q)
      end
    end
  end)

  it("raises on bad parts", function()
    local function b(t) return function() sosl.build(t) end end
    local lead = { sobject = "Lead", fields = { "Id" } }
    raises(b(nil), "bad argument #1 to 'build' (table expected, got nil)")
    raises(b({ text = "ab", sobject = "Lead" }), "(unknown option 'sobject')")
    raises(b({}), "(text: string expected, got nil)")
    raises(b({ text = "a" }), "(text: search text needs at least 2 letters or digits)")
    raises(b({ text = "  " }), "(text: search text is empty)")
    raises(b({ text = "ab\0" }), "(text: string contains a NUL byte)")
    raises(b({ text = "ab", scope = "ALL FIELDS RETURNING User" }),
      "(scope must be ALL, NAME, EMAIL, PHONE or SIDEBAR)")
    raises(b({ text = "ab", scope = 1 }), "(scope must be")
    raises(b({ text = "ab", returning = {} }), "(returning must be a non-empty list)")
    raises(b({ text = "ab", returning = lead }), "(returning must be a non-empty list)")
    raises(b({ text = "ab", returning = { "Lead" } }), "(returning[1]: table expected, got string)")
    raises(b({ text = "ab", returning = { lead, { sobject = "Lead", field = { "Id" } } } }),
      "(returning[2]: unknown option 'field')")
    raises(b({ text = "ab", returning = { { sobject = "Lead(Id), User" } } }),
      "(returning[1]: sobject: invalid name")
    raises(b({ text = "ab", returning = { { sobject = "Lead", fields = {} } } }),
      "(returning[1]: fields must be a non-empty list of names)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", fields = { "Id", n = 1 } } } }),
      "(returning[1]: fields must be a list)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", fields = { "Id)" } } } }),
      "(returning[1]: fields[1]: invalid name 'Id)'")
    raises(b({ text = "ab", returning = { { sobject = "Lead", where = 1 } } }),
      "(returning[1]: where must be a string)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", where = "Name = :n" } } }),
      "(returning[1]: where: missing bind :n)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", binds = {} } } }),
      "(returning[1]: binds given without where)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", order_by = "Name;" } } }),
      "(returning[1]: order_by item 1: invalid name")
    raises(b({ text = "ab", returning = { { sobject = "Lead", limit = 2001 } } }),
      "(returning[1]: limit must be an integer from 0 to 2000, got 2001)")
    raises(b({ text = "ab", returning = { { sobject = "Lead", offset = -1 } } }),
      "(returning[1]: offset must be an integer from 0 to 2000, got -1)")
    raises(b({ text = "ab", limit = "5" }), "(limit must be an integer from 0 to 2000, got 5)")
  end)
end)
