-- salesforce.soql: the only way luaforce puts values into SOQL. Lua values
-- become SOQL literals (quote, like), `:name` binds are replaced by them
-- (bind), and names taken from configuration are checked (identifier,
-- select). Pure Lua: it runs embedded in the C module and on package.path.
--
--   local soql = require "salesforce.soql"
--   soql.bind("SELECT Id FROM Lead WHERE LastName = :n AND CreatedDate = LAST_N_DAYS:30",
--             { n = user_text })
--   soql.select{ sobject = "Lead", fields = { "Id", "Name" },
--                where = "Company = :co", binds = { co = user_text }, limit = 10 }
local byte, concat, error, find, format = string.byte, table.concat, error, string.find,
  string.format
local gsub, match, next, pairs, pcall = string.gsub, string.match, next, pairs, pcall
local require, select, setmetatable, sub = require, select, setmetatable, string.sub
local tointeger, tonumber, tostring, type, upper = math.tointeger, tonumber, tostring, type,
  string.upper
local floor, huge, mtype, utf8len = math.floor, math.huge, math.type, utf8.len

local _M = {}

-- ---- NULL ----------------------------------------------------------------------

-- nil cannot be a table value, so a bind that must be NULL needs a
-- sentinel. It is cjson.null when lua-cjson is there (what decoded JSON
-- holds, and salesforce.null), so both spellings mean the same thing.
local has_cjson, cjson = pcall(require, "cjson")
--- The value that quote() and bind() render as NULL (cjson.null if present).
_M.null = has_cjson and cjson.null or setmetatable({}, {
  __name = "salesforce.soql.null",
  __tostring = function() return "NULL" end,
})
local null = _M.null

-- ---- typed values --------------------------------------------------------------

-- Dates, datetimes, date literals and LIKE patterns are rendered unquoted
-- (or pre-quoted), so they must not be forgeable: the validated text lives
-- in this weak table, keyed by an empty proxy that the caller holds.
local private = setmetatable({}, { __mode = "k" })

local Value = {
  __name = "salesforce.soql.value",
  __tostring = function(self) return private[self].literal end,
  __index = function(self, key)
    local p = private[self]
    if key == "kind" then return p.kind end
    if key == "literal" then return p.literal end
    return nil
  end,
  __newindex = function() error("soql values are read-only", 2) end,
  __metatable = "salesforce.soql.value",
}

local function new_value(kind, literal)
  local v = setmetatable({}, Value)
  private[v] = { kind = kind, literal = literal }
  return v
end

local function describe(v)
  local p = type(v) == "table" and private[v]
  if p then return "soql." .. p.kind end
  return mtype(v) or type(v)
end

-- ---- strings ---------------------------------------------------------------------

-- SOQL's documented escapes. \b is avoided on purpose: the documentation
-- calls it "Bell" while Java (and the emulator) read it as backspace, so
-- both characters go out as \uXXXX, which nobody reads two ways.
local ESCAPES = {
  ["\\"] = "\\\\", ["'"] = "\\'", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t", ["\f"] = "\\f",
}
local function escape_char(c)
  return ESCAPES[c] or format("\\u%04x", byte(c))
end
local LIKE_ESCAPES = { ["%"] = "\\%", ["_"] = "\\_" }
local function escape_like_char(c)
  return LIKE_ESCAPES[c] or escape_char(c)
end

--- nil, or why `s` cannot be put in a query: NUL bytes and invalid UTF-8
-- (a lenient decoder could merge a stray lead byte with the backslash
-- that follows it).
local function bad_text(s)
  if find(s, "\0", 1, true) then return "string contains a NUL byte" end
  local ok, pos = utf8len(s)
  if not ok then return format("string is not valid UTF-8 (byte %d)", pos) end
  return nil
end

-- Every byte that could end the literal or start an escape is escaped;
-- other control characters too, so a query never carries raw ones.
local function quote_string(s)
  return "'" .. gsub(s, "[%z\1-\31\127\\']", escape_char) .. "'"
end

-- ---- numbers ---------------------------------------------------------------------

-- SOQL numbers have no exponent: a float is printed with the fewest
-- significant digits that read back as the same double, then shifted into
-- plain decimal notation.
local function plain_float(x)
  if x ~= x then return nil, "NaN is not a SOQL number" end
  if x == huge or x == -huge then return nil, "infinity is not a SOQL number" end
  if x == 0 then return "0" end
  local s
  for p = 0, 16 do
    s = format("%." .. p .. "e", x)
    if tonumber(s) == x then break end
  end
  local sign, lead, frac, exp = match(s, "^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  local digits = gsub(lead .. frac, "0+$", "")
  local point = tonumber(exp) + 1 -- digits before the decimal point
  local out
  if point <= 0 then
    out = "0." .. ("0"):rep(-point) .. digits
  elseif point >= #digits then
    out = digits .. ("0"):rep(point - #digits)
  else
    out = sub(digits, 1, point) .. "." .. sub(digits, point + 1)
  end
  return sign .. out
end

-- ---- quote -----------------------------------------------------------------------

local try_quote

local function quote_list(t)
  local n = 0
  for k in next, t do
    n = n + 1
    if mtype(k) ~= "integer" or k < 1 then
      return nil, "table is neither a list nor a soql value (key " .. tostring(k) .. ")"
    end
  end
  if n == 0 then return nil, "empty list: Salesforce rejects IN ()" end
  -- n distinct positive integer keys, none above n: exactly 1..n
  for k in next, t do
    if k > n then return nil, "list has holes" end
  end
  local parts = {}
  for i = 1, n do
    local e = t[i]
    if type(e) == "table" and not private[e] and e ~= null then
      return nil, format("element %d: lists cannot be nested", i)
    end
    local s, why = try_quote(e)
    if not s then return nil, format("element %d: %s", i, why) end
    parts[i] = s
  end
  return "(" .. concat(parts, ", ") .. ")"
end

--- A SOQL literal for v, or nil and why not (the non-raising core).
function try_quote(v)
  local t = type(v)
  if t == "string" then
    local why = bad_text(v)
    if why then return nil, why end
    return quote_string(v)
  elseif t == "number" then
    if mtype(v) == "integer" then return tostring(v) end
    return plain_float(v)
  elseif t == "boolean" then
    return v and "TRUE" or "FALSE"
  elseif v == nil or v == null then
    return "NULL"
  elseif t == "table" then
    local p = private[v]
    if p then return p.literal end
    return quote_list(v)
  end
  return nil, "cannot quote a " .. t
end

--- A SOQL literal for a Lua value: strings quoted and escaped, integers
-- as is, floats in plain decimal notation, booleans TRUE/FALSE, nil and
-- soql.null (cjson.null) NULL, a list as ('a', 'b') for IN, and the values
-- made by soql.date, datetime, date_literal and pattern. Raises on
-- anything else (functions, NaN, strings with NUL, empty lists, ...).
function _M.quote(v)
  local s, why = try_quote(v)
  if not s then error("bad argument #1 to 'quote' (" .. why .. ")", 2) end
  return s
end

-- ---- LIKE ------------------------------------------------------------------------

local LIKE_MODES = {
  contains = { "%", "%" }, prefix = { "", "%" }, suffix = { "%", "" }, exact = { "", "" },
}

local function try_like(text, mode)
  if type(text) ~= "string" then
    return nil, 1, "string expected, got " .. describe(text)
  end
  local why = bad_text(text)
  if why then return nil, 1, why end
  local ends = LIKE_MODES[mode or "contains"]
  if not ends then
    return nil, 2, "mode must be 'contains', 'prefix', 'suffix' or 'exact'"
  end
  -- the user's % and _ are escaped so that only ours are wildcards
  local body = gsub(text, "[%z\1-\31\127\\'%%_]", escape_like_char)
  return "'" .. ends[1] .. body .. ends[2] .. "'"
end

--- A quoted LIKE pattern for user text: its % and _ match only
-- themselves, and wildcards are added per mode: "contains" (default),
-- "prefix", "suffix" or "exact". Use it as `"Name LIKE " .. soql.like(t)`;
-- for a bind, use soql.pattern.
function _M.like(text, mode)
  local s, arg, why = try_like(text, mode)
  if not s then error(format("bad argument #%d to 'like' (%s)", arg, why), 2) end
  return s
end

--- soql.like as a value for binds: `Name LIKE :p` with { p = soql.pattern(t) }.
function _M.pattern(text, mode)
  local s, arg, why = try_like(text, mode)
  if not s then error(format("bad argument #%d to 'pattern' (%s)", arg, why), 2) end
  return new_value("pattern", s)
end

-- ---- dates and datetimes -----------------------------------------------------------

local function leap(y) return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0) end

local function days_in_month(y, m)
  if m == 2 then return leap(y) and 29 or 28 end
  if m == 4 or m == 6 or m == 9 or m == 11 then return 30 end
  return 31
end

local function int_in(v, lo, hi, what)
  local n = type(v) == "number" and tointeger(v)
  if not n then return nil, format("%s must be an integer, got %s", what, describe(v)) end
  if n < lo or n > hi then
    return nil, format("%s %d out of range %d..%d", what, n, lo, hi)
  end
  return n
end

-- Checks year, month, day (arguments 1-3); returns the three integers or
-- nil, argument number, reason.
local function check_ymd(y, m, d)
  local why
  y, why = int_in(y, 1, 9999, "year")
  if not y then return nil, 1, why end
  m, why = int_in(m, 1, 12, "month")
  if not m then return nil, 2, why end
  d, why = int_in(d, 1, days_in_month(y, m), "day")
  if not d then return nil, 3, why end
  return y, m, d
end

local function ymd(y, m, d) return format("%04d-%02d-%02d", y, m, d) end

local function parse_date(s)
  local y, m, d = match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil, "date must be YYYY-MM-DD, got '" .. s .. "'" end
  local ok, _, why = check_ymd(tonumber(y), tonumber(m), tonumber(d))
  if not ok then return nil, why end
  return s
end

--- A date, unquoted in SOQL: soql.date(2024, 1, 31) or
-- soql.date("2024-01-31"). The calendar is checked (leap years too).
function _M.date(y, m, d)
  if type(y) == "string" and m == nil then
    local s, why = parse_date(y)
    if not s then error("bad argument #1 to 'date' (" .. why .. ")", 2) end
    return new_value("date", s)
  end
  local yy, mm, dd = check_ymd(y, m, d)
  if not yy then
    error(format("bad argument #%d to 'date' (%s)", mm, dd), 2) -- argument, reason
  end
  return new_value("date", ymd(yy, mm, dd))
end

-- Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
-- algorithm, with Lua's floor division): no os.date, so no time_t limits.
local function civil(days)
  local z = days + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end

local function datetime_text(y, mo, d, h, mi, s, ms)
  return ymd(y, mo, d) .. format("T%02d:%02d:%02d", h, mi, s) ..
    (ms > 0 and format(".%03d", ms) or "") .. "Z"
end

local function from_epoch(t)
  if t ~= t or t == huge or t == -huge then
    return nil, "time must be a finite number"
  end
  local secs = floor(t)
  local ms = floor((t - secs) * 1000)
  secs = tointeger(secs)
  if not secs then return nil, "time out of range" end
  local y, mo, d = civil(secs // 86400)
  if y < 1 or y > 9999 then return nil, "time out of range (years 1..9999)" end
  local rem = secs % 86400
  return datetime_text(y, mo, d, rem // 3600, rem % 3600 // 60, rem % 60, ms)
end

local function parse_datetime(s)
  local bad = "datetime must be YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm|-hh:mm), got '" .. s .. "'"
  local y, mo, d, h, mi, sec, rest =
    match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil, bad end
  rest = gsub(rest, "^%.%d%d%d", "", 1)
  local zh, zm = match(rest, "^[-+](%d%d):(%d%d)$")
  if rest ~= "Z" and not zh then return nil, bad end
  local ok, _, why = check_ymd(tonumber(y), tonumber(mo), tonumber(d))
  if not ok then return nil, why end
  local checks = { { h, 23, "hour" }, { mi, 59, "minute" }, { sec, 59, "second" },
    { zh or "0", 14, "zone hour" }, { zm or "0", 59, "zone minute" } }
  for k = 1, #checks do
    local c = checks[k]
    ok, why = int_in(tonumber(c[1]), 0, c[2], c[3])
    if not ok then return nil, why end
  end
  return s
end

--- A datetime, unquoted in SOQL. soql.datetime(y, mo, d[, h, mi, s[, ms]])
-- in UTC; soql.datetime(os.time()) (seconds since the epoch, UTC; a
-- fraction becomes milliseconds); or soql.datetime("2024-01-31T09:30:00Z")
-- (also .sss and +hh:mm / -hh:mm), checked and kept as written.
function _M.datetime(...)
  local n, a = select("#", ...), ...
  local s, why
  if n == 1 and type(a) == "string" then
    s, why = parse_datetime(a)
  elseif n == 1 and type(a) == "number" then
    s, why = from_epoch(a)
  else
    local y, mo, d, h, mi, sec, ms = ...
    local arg
    y, arg, why = check_ymd(y, mo, d)
    if not y then
      error(format("bad argument #%d to 'datetime' (%s)", arg, why), 2)
    end
    local parts = { { h, 23, "hour" }, { mi, 59, "minute" }, { sec, 59, "second" },
      { ms, 999, "millisecond" } }
    for i = 1, #parts do
      local p = parts[i]
      local v, why2 = int_in(p[1] == nil and 0 or p[1], 0, p[2], p[3])
      if not v then error(format("bad argument #%d to 'datetime' (%s)", i + 3, why2), 2) end
      parts[i] = v
    end
    s = datetime_text(y, mo, d, parts[1], parts[2], parts[3], parts[4])
  end
  if not s then error("bad argument #1 to 'datetime' (" .. why .. ")", 2) end
  return new_value("datetime", s)
end

-- Salesforce's date literals; the second set takes :n.
local DATE_LITERALS = {}
for w in ([[YESTERDAY TODAY TOMORROW LAST_WEEK THIS_WEEK NEXT_WEEK LAST_MONTH THIS_MONTH
  NEXT_MONTH LAST_90_DAYS NEXT_90_DAYS THIS_QUARTER LAST_QUARTER NEXT_QUARTER THIS_YEAR
  LAST_YEAR NEXT_YEAR THIS_FISCAL_QUARTER LAST_FISCAL_QUARTER NEXT_FISCAL_QUARTER
  THIS_FISCAL_YEAR LAST_FISCAL_YEAR NEXT_FISCAL_YEAR]]):gmatch("%S+") do
  DATE_LITERALS[w] = "fixed"
end
for w in ([[LAST_N_DAYS NEXT_N_DAYS N_DAYS_AGO LAST_N_WEEKS NEXT_N_WEEKS N_WEEKS_AGO
  LAST_N_MONTHS NEXT_N_MONTHS N_MONTHS_AGO LAST_N_QUARTERS NEXT_N_QUARTERS N_QUARTERS_AGO
  LAST_N_YEARS NEXT_N_YEARS N_YEARS_AGO LAST_N_FISCAL_QUARTERS NEXT_N_FISCAL_QUARTERS
  N_FISCAL_QUARTERS_AGO LAST_N_FISCAL_YEARS NEXT_N_FISCAL_YEARS
  N_FISCAL_YEARS_AGO]]):gmatch("%S+") do
  DATE_LITERALS[w] = "n"
end

--- A date literal from Salesforce's list: soql.date_literal("TODAY"),
-- soql.date_literal("LAST_N_DAYS", 30) -> LAST_N_DAYS:30. Names are
-- case-insensitive; n is a non-negative integer, required exactly for the
-- _N_ literals.
function _M.date_literal(name, n)
  if type(name) ~= "string" then
    error("bad argument #1 to 'date_literal' (string expected, got " .. describe(name) .. ")",
      2)
  end
  local lit = upper(name)
  local kind = DATE_LITERALS[lit]
  if not kind then
    error("bad argument #1 to 'date_literal' (unknown date literal '" .. name .. "')", 2)
  end
  if kind == "fixed" then
    if n ~= nil then
      error("bad argument #2 to 'date_literal' (" .. lit .. " takes no number)", 2)
    end
    return new_value("date_literal", lit)
  end
  local v = type(n) == "number" and tointeger(n)
  if not v or v < 0 then
    error(format("bad argument #2 to 'date_literal' (%s needs a non-negative integer, got %s)",
      lit, n == nil and "nil" or tostring(n)), 2)
  end
  return new_value("date_literal", lit .. ":" .. v)
end

-- ---- bind ------------------------------------------------------------------------

--- The query with each :name outside string literals replaced by the
-- quoted binds[name]; or nil and why not.
local function try_bind(query, binds)
  if type(query) ~= "string" then
    return nil, 1, "string expected, got " .. describe(query)
  end
  if binds == nil then binds = {} end
  if type(binds) ~= "table" then
    return nil, 2, "table of binds expected, got " .. describe(binds)
  end
  local out, pos, i = {}, 1, 1
  while true do
    i = find(query, "[':]", i)
    if not i then break end
    if byte(query, i) == 39 then -- "'": copy the literal as is
      local j = i + 1
      while true do
        local c = byte(query, j)
        if not c then
          return nil, 1, format("unterminated string literal at byte %d", i)
        end
        if c == 92 then j = j + 2 -- backslash: skip the escaped byte
        elseif c == 39 then break
        else j = j + 1 end
      end
      i = j + 1
    else
      -- A bind name starts with a letter or _, so LAST_N_DAYS:30 is left alone.
      local name = match(query, "^[A-Za-z_][A-Za-z0-9_]*", i + 1)
      if name then
        local v = binds[name]
        if v == nil then return nil, 2, "missing bind :" .. name end
        -- LAST_N_DAYS:n binds n: the colon stays and n must be a count.
        local word = match(sub(query, 1, i - 1), "([A-Za-z0-9_]+)$")
        local lit = word and upper(word)
        local s, why
        if DATE_LITERALS[lit] == "n" then
          local n = type(v) == "number" and tointeger(v)
          if not n or n < 0 then
            return nil, 2, format("bind :%s: %s needs a non-negative integer, got %s", name,
              lit, describe(v))
          end
          s = ":" .. n
        else
          s, why = try_quote(v)
          if not s then return nil, 2, format("bind :%s: %s", name, why) end
        end
        out[#out + 1] = sub(query, pos, i - 1)
        out[#out + 1] = s
        i = i + 1 + #name
        pos = i
      else
        i = i + 1
      end
    end
  end
  out[#out + 1] = sub(query, pos)
  return concat(out)
end

--- Replaces every :name bind outside the query's string literals with
-- soql.quote(binds[name]). Raises if a bind is missing (use soql.null for
-- NULL) or its value cannot be quoted, or a literal is unterminated.
-- Binds that the query does not use are ignored. LAST_N_DAYS:30 is not a
-- bind; LAST_N_DAYS:n binds n (a non-negative integer) after the colon.
function _M.bind(query, binds)
  local s, arg, why = try_bind(query, binds)
  if not s then error(format("bad argument #%d to 'bind' (%s)", arg, why), 2) end
  return s
end

-- ---- identifiers -----------------------------------------------------------------

-- SOQL keywords that cannot name anything (Salesforce's alias list, less
-- GROUP, which is also an sObject, plus the boolean literals).
local RESERVED = {}
for w in ([[AND ASC DESC EXCLUDES FIRST FROM HAVING IN INCLUDES LAST LIKE LIMIT NOT NULL
  NULLS OR SELECT USING WHERE WITH TRUE FALSE]]):gmatch("%S+") do
  RESERVED[w] = true
end

-- One API name: letters, digits and single underscores, starting with a
-- letter, not ending with _, with at most three __ separators
-- (ns__Name__c, Geo__latitude__s, ns__Geo__latitude__s).
local function bad_segment(seg)
  if seg == "" then return "empty name part" end
  if not find(seg, "^[A-Za-z][A-Za-z0-9_]*$") then return "not an API name" end
  if find(seg, "_$") or find(seg, "___", 1, true) then return "bad underscores" end
  local _, seps = gsub(seg, "__", "")
  if seps > 3 then return "too many __ parts" end
  if RESERVED[upper(seg)] then return "reserved word" end
  return nil
end

local function try_identifier(name, dotted)
  if type(name) ~= "string" then return nil, "string expected, got " .. describe(name) end
  if #name > 255 then return nil, "name longer than 255 bytes" end
  local seg_start = 1
  while true do
    local dot = find(name, ".", seg_start, true)
    if dot and not dotted then
      return nil, format("invalid name '%s' (no dots allowed here)", name)
    end
    local why = bad_segment(sub(name, seg_start, (dot or 0) - 1))
    if why then return nil, format("invalid name '%s' (%s)", name, why) end
    if not dot then break end
    seg_start = dot + 1
  end
  return name
end

--- Checks an sObject or field name from configuration and returns it:
-- API names (letters, digits, underscores, __c/__r and namespace
-- suffixes) joined by dots for relationships (Account.Owner.Name).
-- Raises on anything else, including SOQL keywords.
function _M.identifier(name)
  local s, why = try_identifier(name, true)
  if not s then error("bad argument #1 to 'identifier' (" .. why .. ")", 2) end
  return s
end

-- ---- select ----------------------------------------------------------------------

local function try_names(list, what)
  if type(list) ~= "table" or list[1] == nil then
    return nil, what .. " must be a non-empty list of names"
  end
  local n = 0
  for _ in pairs(list) do n = n + 1 end
  if n ~= #list then return nil, what .. " must be a list" end
  for i = 1, n do
    local _, why = try_identifier(list[i], true)
    if why then return nil, format("%s[%d]: %s", what, i, why) end
  end
  return concat(list, ", ")
end

-- ORDER BY items: "Name", "Name DESC", "Name ASC NULLS LAST", several
-- separated by commas, or a list of such strings.
local function try_order_by(spec)
  local items = spec
  if type(spec) == "string" then
    items = {}
    for item in (spec .. ","):gmatch("([^,]*),") do items[#items + 1] = item end
  elseif type(spec) ~= "table" or spec[1] == nil then
    return nil, "order_by must be a string or a list of strings"
  end
  local out = {}
  for i = 1, #items do
    local item = items[i]
    if type(item) ~= "string" then return nil, "order_by must be a list of strings" end
    local words = {}
    for w in item:gmatch("%S+") do words[#words + 1] = w end
    local field, why = try_identifier(words[1] or "", true)
    if not field then return nil, format("order_by item %d: %s", i, why) end
    local k, dir, nulls = 2, "", ""
    local w = words[k] and upper(words[k])
    if w == "ASC" or w == "DESC" then
      dir, k = " " .. w, k + 1
    end
    w = words[k] and upper(words[k])
    local nw = words[k + 1] and upper(words[k + 1])
    if w == "NULLS" and (nw == "FIRST" or nw == "LAST") then
      nulls, k = " NULLS " .. nw, k + 2
    end
    if words[k] then
      return nil, format("order_by item %d: unexpected '%s'", i, words[k])
    end
    out[i] = field .. dir .. nulls
  end
  return concat(out, ", ")
end

local function try_count(v, max, what)
  local n = type(v) == "number" and tointeger(v)
  if not n or n < 0 or n > max then
    return nil, format("%s must be an integer from 0 to %d, got %s", what, max, tostring(v))
  end
  return n
end

local MAX_INT = math.maxinteger

local SELECT_KEYS = { sobject = true, fields = true, where = true, binds = true,
  order_by = true, limit = true, offset = true }

local function try_select(t)
  if type(t) ~= "table" then return nil, "table expected, got " .. describe(t) end
  for k in pairs(t) do
    if not SELECT_KEYS[k] then return nil, "unknown option '" .. tostring(k) .. "'" end
  end
  local obj, why = try_identifier(t.sobject, false)
  if not obj then return nil, "sobject: " .. why end
  local fields
  fields, why = try_names(t.fields, "fields")
  if not fields then return nil, why end
  local q = { "SELECT ", fields, " FROM ", obj }
  if t.where ~= nil then
    if type(t.where) ~= "string" then return nil, "where must be a string" end
    local w, _, why2 = try_bind(t.where, t.binds)
    if not w then return nil, "where: " .. why2 end
    q[#q + 1] = " WHERE " .. w
  elseif t.binds ~= nil then
    return nil, "binds given without where"
  end
  if t.order_by ~= nil then
    local o
    o, why = try_order_by(t.order_by)
    if not o then return nil, why end
    q[#q + 1] = " ORDER BY " .. o
  end
  if t.limit ~= nil then
    local n
    n, why = try_count(t.limit, MAX_INT, "limit")
    if not n then return nil, why end
    q[#q + 1] = " LIMIT " .. n
  end
  if t.offset ~= nil then
    local n
    n, why = try_count(t.offset, 2000, "offset")
    if not n then return nil, why end
    q[#q + 1] = " OFFSET " .. n
  end
  return concat(q)
end

--- A SELECT from parts: { sobject = "Lead", fields = { "Id", "Name" },
-- where = "Company = :co" (developer text, bound with soql.bind),
-- binds = { co = ... }, order_by = "Name DESC" (or a list), limit = n,
-- offset = n (0..2000) }. Names are checked with soql.identifier.
function _M.select(t)
  local s, why = try_select(t)
  if not s then error("bad argument #1 to 'select' (" .. why .. ")", 2) end
  return s
end

-- The non-raising cores, for salesforce.sosl (not API: each returns the
-- result or nil and a reason; try_bind also returns the argument number).
_M._try = {
  quote = try_quote, bind = try_bind, identifier = try_identifier,
  order_by = try_order_by, count = try_count, describe = describe, bad_text = bad_text,
}

return _M
