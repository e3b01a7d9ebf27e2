-- salesforce.sosl: user text made safe for SOSL's FIND {...}, and whole
-- SOSL statements built from checked parts. Plain user text becomes one
-- quoted phrase, so its AND / OR / NOT, wildcards, braces and quotes
-- search for themselves instead of changing the search.
--
--   local sosl = require "salesforce.sosl"
--   sosl.build{ text = user_text, scope = "NAME",
--     returning = { { sobject = "Lead", fields = { "Id", "Name" }, limit = 20 } } }
--   --> FIND {"..."} IN NAME FIELDS RETURNING Lead(Id, Name LIMIT 20)
local soql = require "salesforce.soql"

local concat, error, format, gsub, pairs = table.concat, error, string.format, string.gsub,
  pairs
local tostring, type, upper, utf8codes = tostring, type, string.upper, utf8.codes

local try = soql._try

local _M = {}

-- Salesforce's reserved characters in a search term, each escaped with a
-- backslash: ? & | ! { } [ ] ( ) ^ ~ * : \ " ' + -
local RESERVED = "[%?&|!{}%[%]%(%)%^~%*:\\\"'%+%-]"
-- ... but for * and ?, when the caller asked for SOSL wildcards
local RESERVED_BUT_WILDCARDS = "[&|!{}%[%]%(%)%^~:\\\"'%+%-]"

local function check_text(text, fname)
  if type(text) ~= "string" then
    error(format("bad argument #1 to '%s' (string expected, got %s)", fname,
      try.describe(text)), 3)
  end
  local why = try.bad_text(text)
  if why then error(format("bad argument #1 to '%s' (%s)", fname, why), 3) end
end

--- Text with every SOSL reserved character backslash-escaped, for use
-- inside FIND {...}. Words such as AND, OR and NOT stay operators: for
-- user text use sosl.phrase.
function _M.escape(text)
  check_text(text, "escape")
  return (gsub(text, RESERVED, "\\%0"))
end

-- Code points that are not letters or digits to the search tokenizer, as
-- far as Salesforce's two-character minimum goes: Latin-1 punctuation,
-- general punctuation to miscellaneous symbols (arrows, dingbats, ...),
-- CJK punctuation, variation selectors, emoji, tags. An approximation:
-- any other non-ASCII character counts as a letter.
local SYMBOLS = {
  { 0x80, 0xBF }, { 0xD7, 0xD7 }, { 0xF7, 0xF7 }, { 0x2000, 0x2BFF }, { 0x3000, 0x303F },
  { 0xFE00, 0xFE0F }, { 0xFFF0, 0xFFFF }, { 0x1F000, 0x1FAFF }, { 0xE0000, 0xE007F },
}

local function letters(s)
  local n = 0
  for _, c in utf8codes(s) do
    if c < 0x80 then
      if (c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122) then
        n = n + 1
      end
    else
      local symbol = false
      for _, r in pairs(SYMBOLS) do
        if c >= r[1] and c <= r[2] then symbol = true break end
      end
      if not symbol then n = n + 1 end
    end
  end
  return n
end

local function try_phrase(text, wildcards)
  -- * and ? go (unless asked for as wildcards): escaped they would be
  -- literal characters, which the tokenizer drops like any punctuation,
  -- so removing them matches the same records and cannot turn into a
  -- wildcard in any parser. Control characters and runs of white space
  -- become one space (they separate words either way, and keep the
  -- statement on one line).
  local s = wildcards and text or gsub(text, "[%*%?]", " ")
  s = gsub(s, "[%z\1-\32\127]+", " ")
  s = gsub(gsub(s, "^ ", ""), " $", "")
  if s == "" then return nil, "search text is empty" end
  if letters(s) < 2 then
    return nil, "search text needs at least 2 letters or digits"
  end
  -- Inside double quotes AND, OR and NOT are words of the phrase.
  return '"' .. gsub(s, wildcards and RESERVED_BUT_WILDCARDS or RESERVED, "\\%0") .. '"'
end

--- The user's text as one literal search term for FIND {...}: wildcards
-- (* ?) removed, white space collapsed, reserved characters escaped, and
-- the whole wrapped in double quotes so that AND / OR / NOT are plain
-- words. With `wildcards` true, * and ? stay SOSL wildcards ("acm*"
-- finds Acme); every other reserved character is still escaped. Raises
-- if nothing searchable is left (fewer than 2 letters or digits,
-- Salesforce's minimum).
function _M.phrase(text, wildcards)
  check_text(text, "phrase")
  if wildcards ~= nil and type(wildcards) ~= "boolean" then
    error("bad argument #2 to 'phrase' (boolean expected, got " .. try.describe(wildcards)
      .. ")", 2)
  end
  local s, why = try_phrase(text, wildcards)
  if not s then error("bad argument #1 to 'phrase' (" .. why .. ")", 2) end
  return s
end

-- ---- build -----------------------------------------------------------------------

local SCOPES = { ALL = true, NAME = true, EMAIL = true, PHONE = true, SIDEBAR = true }
local BUILD_KEYS = { text = true, scope = true, returning = true, limit = true,
  wildcards = true }
local TARGET_KEYS = { sobject = true, fields = true, where = true, binds = true,
  order_by = true, limit = true, offset = true }
-- Salesforce returns at most 2,000 records from a search.
local MAX_ROWS = 2000

local function unknown_key(t, known)
  for k in pairs(t) do
    if not known[k] then return k end
  end
  return nil
end

-- One RETURNING item: Obj(fields [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n]).
local function try_target(r)
  if type(r) ~= "table" then return nil, "table expected, got " .. try.describe(r) end
  local k = unknown_key(r, TARGET_KEYS)
  if k ~= nil then return nil, "unknown option '" .. tostring(k) .. "'" end
  local obj, why = try.identifier(r.sobject, false)
  if not obj then return nil, "sobject: " .. why end
  local fields = r.fields or { "Id" }
  if type(fields) ~= "table" or fields[1] == nil then
    return nil, "fields must be a non-empty list of names"
  end
  local n = 0
  for _ in pairs(fields) do n = n + 1 end
  if n ~= #fields then return nil, "fields must be a list" end
  for i = 1, n do
    local _, why2 = try.identifier(fields[i], true)
    if why2 then return nil, format("fields[%d]: %s", i, why2) end
  end
  local out = { obj, "(", concat(fields, ", ") }
  if r.where ~= nil then
    if type(r.where) ~= "string" then return nil, "where must be a string" end
    local w, _, why2 = try.bind(r.where, r.binds)
    if not w then return nil, "where: " .. why2 end
    out[#out + 1] = " WHERE " .. w
  elseif r.binds ~= nil then
    return nil, "binds given without where"
  end
  if r.order_by ~= nil then
    local o, why2 = try.order_by(r.order_by)
    if not o then return nil, why2 end
    out[#out + 1] = " ORDER BY " .. o
  end
  if r.limit ~= nil then
    local v, why2 = try.count(r.limit, MAX_ROWS, "limit")
    if not v then return nil, why2 end
    out[#out + 1] = " LIMIT " .. v
  end
  if r.offset ~= nil then
    local v, why2 = try.count(r.offset, MAX_ROWS, "offset")
    if not v then return nil, why2 end
    out[#out + 1] = " OFFSET " .. v
  end
  out[#out + 1] = ")"
  return concat(out)
end

local function try_build(t)
  if type(t) ~= "table" then return nil, "table expected, got " .. try.describe(t) end
  local k = unknown_key(t, BUILD_KEYS)
  if k ~= nil then return nil, "unknown option '" .. tostring(k) .. "'" end
  if type(t.text) ~= "string" then
    return nil, "text: string expected, got " .. try.describe(t.text)
  end
  local why = try.bad_text(t.text)
  if why then return nil, "text: " .. why end
  local term
  if t.wildcards ~= nil and type(t.wildcards) ~= "boolean" then
    return nil, "wildcards must be a boolean"
  end
  term, why = try_phrase(t.text, t.wildcards)
  if not term then return nil, "text: " .. why end
  local scope = t.scope or "ALL"
  if type(scope) ~= "string" or not SCOPES[upper(scope)] then
    return nil, "scope must be ALL, NAME, EMAIL, PHONE or SIDEBAR"
  end
  local q = { "FIND {", term, "} IN ", upper(scope), " FIELDS" }
  local returning = t.returning
  if returning ~= nil then
    if type(returning) ~= "table" or returning[1] == nil then
      return nil, "returning must be a non-empty list"
    end
    local items = {}
    for i = 1, #returning do
      local item, why2 = try_target(returning[i])
      if not item then return nil, format("returning[%d]: %s", i, why2) end
      items[i] = item
    end
    q[#q + 1] = " RETURNING " .. concat(items, ", ")
  end
  if t.limit ~= nil then
    local v
    v, why = try.count(t.limit, MAX_ROWS, "limit")
    if not v then return nil, why end
    q[#q + 1] = " LIMIT " .. v
  end
  return concat(q)
end

--- A SOSL statement: { text = user text (made a phrase with sosl.phrase;
-- wildcards = true keeps its * and ? as wildcards),
-- scope = "ALL" (default) | "NAME" | "EMAIL" | "PHONE" | "SIDEBAR",
-- returning = { { sobject =, fields = { ... } (default { "Id" }),
-- where = (bound with soql.bind), binds =, order_by =, limit =, offset = },
-- ... }, limit = n } -> FIND {"..."} IN ALL FIELDS RETURNING Lead(Id ...)
-- LIMIT n. Names are checked with soql.identifier; limits are 0..2000.
function _M.build(t)
  local s, why = try_build(t)
  if not s then error("bad argument #1 to 'build' (" .. why .. ")", 2) end
  return s
end

return _M
