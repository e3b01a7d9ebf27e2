-- luaforce.dialog.entities: the entity types. Each type parses a whole
-- answer (parse) and finds a value inside a longer utterance (find, for
-- values the user volunteered). Grammars are LPeg (and its re module);
-- a parse returns the value, or nil and the reason shown to the developer.
local lpeg = require "lpeg"
local re = require "re"

local ipairs, math, os, pairs, setmetatable, string, table, tonumber, tostring, type, utf8 =
  ipairs, math, os, pairs, setmetatable, string, table, tonumber, tostring, type, utf8

local P, R, S, C, Cc, Ct, Cp = lpeg.P, lpeg.R, lpeg.S, lpeg.C, lpeg.Cc, lpeg.Ct, lpeg.Cp

local _M = {}

local space = S(" \t\r\n") ^ 1
local sp = S(" \t\r\n") ^ 0
local digit = R"09"
local alpha = R("az", "AZ")
local alnum = alpha + digit

-- A word, case-insensitive: ci"next" matches "Next" and "NEXT".
local function ci(word)
  local p = P(true)
  for ch in word:gmatch(".") do
    p = p * S(ch:lower() .. ch:upper())
  end
  return p
end

-- Alternatives from a { word = value } table, longest first so that
-- "thirteen" is not read as "three".
local function choice(words, wrap)
  local list = {}
  for w in pairs(words) do list[#list + 1] = w end
  table.sort(list, function(a, b) return #a > #b or (#a == #b and a < b) end)
  local p = P(false)
  for _, w in ipairs(list) do
    p = p + ci(w) * -alnum * Cc(words[w])
  end
  return wrap and wrap(p) or p
end

-- ---- number ----------------------------------------------------------------

local UNITS = { zero = 0, oh = 0, one = 1, two = 2, three = 3, four = 4, five = 5, six = 6,
  seven = 7, eight = 8, nine = 9, ten = 10, eleven = 11, twelve = 12, thirteen = 13,
  fourteen = 14, fifteen = 15, sixteen = 16, seventeen = 17, eighteen = 18, nineteen = 19 }
local TENS = { twenty = 20, thirty = 30, forty = 40, fifty = 50, sixty = 60, seventy = 70,
  eighty = 80, ninety = 90 }
local SCALES = { thousand = 1e3, million = 1e6, billion = 1e9, trillion = 1e12 }
local SUFFIX = { k = 1e3, K = 1e3, m = 1e6, M = 1e6, b = 1e9, B = 1e9, bn = 1e9,
  thousand = 1e3, million = 1e6, billion = 1e9 }

-- tokens: { "u", n } unit or ten, { "h" } hundred, { "s", n } scale
local unit_w = choice(UNITS) / function(n) return { "u", n } end
local tens_w = choice(TENS) * (P"-" * choice(UNITS) + Cc(0))
  / function(t, u) return { "u", t + u } end
local hundred_w = ci"hundred" * -alnum * Cc({ "h" })
local scale_w = choice(SCALES) / function(n) return { "s", n } end
local a_w = ci"a" * space * #hundred_w -- "a hundred"
local and_w = ci"and" * space * #(tens_w + unit_w)
local word_tok = tens_w + unit_w + hundred_w + scale_w
local words = Ct(a_w ^ -1 * word_tok * (space * and_w ^ -1 * word_tok) ^ 0)

-- The value of a list of number words: "one two three" is 123 (digits
-- spoken one by one), "two hundred and five thousand" 205000.
local function words_value(toks)
  local digits_only = #toks > 1
  for _, t in ipairs(toks) do
    if t[1] ~= "u" or t[2] > 9 then digits_only = false end
  end
  if digits_only then
    local s = {}
    for i, t in ipairs(toks) do s[i] = tostring(t[2]) end
    return table.concat(s)
  end
  local total, current, last = 0, 0, nil
  for _, t in ipairs(toks) do
    if t[1] == "u" then
      -- "twenty five" adds up; "five six" and "twenty five six" do not
      if last and not (last >= 20 and last % 10 == 0 and t[2] < 10) then return nil end
      current = current + t[2]
    elseif t[1] == "h" then
      current = (current == 0 and 1 or current) * 100
    else
      total = total + (current == 0 and 1 or current) * t[2]
      current = 0
    end
    last = t[1] == "u" and t[2] or nil
  end
  return total + current
end

local sign = C(S"+-" ^ -1)
local grouped = digit ^ -3 * ("," * digit * digit * digit) ^ 1 + digit ^ 1
local numeral = sign * C(grouped * ("." * digit ^ 1) ^ -1 + "." * digit ^ 1)
  * (sp * (choice(SUFFIX) + C(S"kKmMbB") * -alnum / SUFFIX) + Cc(1))
  / function(s, n, mult)
    return (s == "-" and "-" or "") .. n:gsub(",", ""), mult
  end

local number_p = numeral * -alnum + (words / words_value) * Cc(1)

-- Turns (text of digits or a value, multiplier) into a Lua number;
-- counts the digits of the integer part against the limit of 18.
local function to_number(v, mult)
  if v == nil then return nil, "not a number" end
  local s = tostring(v)
  local int = s:match("^%-?0*(%d*)")
  if mult == 1 and #int > 18 then return nil, "more than 18 digits" end
  local n = tonumber(s)
  if not n then return nil, "not a number" end
  n = n * mult
  if math.abs(n) >= 1e18 then return nil, "more than 18 digits" end
  return math.tointeger(n) or n
end

-- ---- helpers ---------------------------------------------------------------

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end
_M.trim = trim

-- `patt` against the whole text (surrounding spaces allowed); built once
-- per pattern (building a pattern costs far more than matching it).
local wholes = setmetatable({}, { __mode = "k" })
local function whole(patt)
  local w = wholes[patt]
  if not w then
    w = sp * patt * sp * -1
    wholes[patt] = w
  end
  return w
end

-- Finds the first match of `patt` that starts a word: value(s), start, end.
local function finder(patt)
  local at = Cp() * patt * Cp() * #(-alnum)
  return function(text)
    local init = 1
    while init <= #text do
      local res = { lpeg.match(at, text, init) }
      if res[1] then
        local s, e = res[1], res[#res] - 1
        return s, e, table.unpack(res, 2, #res - 1)
      end
      init = (text:find("[^%w]%w", init) or #text) + 1
    end
    return nil
  end
end

-- ---- dates -----------------------------------------------------------------

local MONTHS = { january = 1, jan = 1, february = 2, feb = 2, march = 3, mar = 3, april = 4,
  apr = 4, may = 5, june = 6, jun = 6, july = 7, jul = 7, august = 8, aug = 8,
  september = 9, sep = 9, sept = 9, october = 10, oct = 10, november = 11, nov = 11,
  december = 12, dec = 12 }
local WEEKDAYS = { sunday = 1, sun = 1, monday = 2, mon = 2, tuesday = 3, tue = 3, tues = 3,
  wednesday = 4, wed = 4, thursday = 5, thu = 5, thur = 5, thurs = 5, friday = 6, fri = 6,
  saturday = 7, sat = 7 }

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end
local function days_in(y, m)
  return ({ 31, leap(y) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 })[m]
end

-- The calendar date of `t` (epoch seconds) as { year, month, day, wday }.
local function civil(t)
  local d = os.date("!*t", t)
  return { year = d.year, month = d.month, day = d.day, wday = d.wday }
end

-- The host's zone at `t`: minutes east of UTC (daylight saving included).
local function host_offset(t)
  local l, u = os.date("*t", t), os.date("!*t", t)
  u.isdst = l.isdst
  return math.floor(os.difftime(os.time(l), os.time(u)) / 60)
end

-- The session's zone, in minutes east of UTC: env.utc_offset (the
-- session's, else the host's as set by the caller), else the host's own.
local function zone(env, now)
  return env and env.utc_offset or host_offset(now)
end

-- Today in the session's clock: env.now() seconds in the session's zone.
local function today(env)
  local now = env and env.now and env.now() or os.time()
  local off = zone(env, now)
  return civil(now + off * 60), now + off * 60
end

local function add_days(env, n)
  local _, t = today(env)
  return civil(t + n * 86400)
end

local function ymd(y, m, d)
  if not (y and m and d) or m < 1 or m > 12 or d < 1 or d > days_in(y, m) then
    return nil
  end
  return string.format("%04d-%02d-%02d", y, m, d)
end

local int = C(digit ^ 1) / tonumber
local d12 = C(digit * digit ^ -1) / tonumber
local d4 = C(digit * digit * digit * digit) / tonumber
local d2 = C(digit * digit) / tonumber
local d14 = C(digit * digit ^ -3) / tonumber
local ordinal = d12 * (ci"st" + ci"nd" + ci"rd" + ci"th") ^ -1
local month_w = choice(MONTHS) * P"." ^ -1
local weekday_w = choice(WEEKDAYS)

-- Each alternative captures a function of env that gives y, m, d.
local function relative(n) return function(env) local c = add_days(env, n)
  return c.year, c.month, c.day end end

local function weekday(which)
  return function(wd)
    return function(env)
      local now = today(env)
      local ahead = (wd - now.wday) % 7
      if which == "next" and ahead == 0 then ahead = 7 end
      if which == "last" then ahead = ahead == 0 and -7 or ahead - 7 end
      local c = add_days(env, ahead)
      return c.year, c.month, c.day
    end
  end
end

-- "31 Aug" without a year: this year's, or next year's when it has passed.
local function day_month(d, m, y)
  return function(env)
    if y then return y, m, d end
    local now = today(env)
    local year = now.year
    if m < now.month or (m == now.month and d < now.day) then year = year + 1 end
    return year, m, d
  end
end

local function numeric(a, b, c)
  return function(_, order)
    order = order or "mdy"
    if a > 31 then return a, b, c end -- 2026/08/31: always y m d
    if c < 100 then c = 2000 + c end
    if order == "dmy" then return c, b, a end
    if order == "ymd" then return a, b, c end
    return c, a, b
  end
end

local sep = S"/-."
local date_p =
  (d4 * "-" * d12 * "-" * d12) / function(y, m, d) return function() return y, m, d end end
  + (ci"today" * Cc(0) + ci"tomorrow" * Cc(1) + ci"yesterday" * Cc(-1)
    + ci"the day after tomorrow" * Cc(2) + ci"day after tomorrow" * Cc(2)) * -alnum / relative
  + ci"in" * space * int * space * (ci"days" + ci"day") * -alnum / relative
  + ci"in" * space * int * space * (ci"weeks" + ci"week") * -alnum
    / function(n) return relative(7 * n) end
  + ci"next" * space * weekday_w / weekday("next")
  + ci"last" * space * weekday_w / weekday("last")
  + ((ci"this" + ci"coming" + ci"on") * space) ^ -1 * weekday_w / weekday("this")
  + (ordinal * space * (ci"of" * space) ^ -1 * month_w * ((P"," + space) * sp * d4 + Cc(nil)))
    / day_month
  + (month_w * space * ordinal * ((P"," * sp + space) * d4 + Cc(nil)))
    / function(m, d, y) return day_month(d, m, y) end
  + (d14 * sep * d12 * sep * d14) / numeric

-- ---- times (for datetime) ---------------------------------------------------

local ampm = sp * (ci"am" * Cc(0) + ci"pm" * Cc(12)) * -alnum
local time_p = (d12 * ":" * d2 * (":" * d2 + Cc(0)) * (ampm + Cc(nil))
  + d12 * Cc(0) * Cc(0) * ampm)
  / function(h, mi, s, half)
    if half then
      if h < 1 or h > 12 then return nil end
      h = h % 12 + half
    end
    return { h, mi, s }
  end
  + ci"noon" * Cc({ 12, 0, 0 }) + ci"midnight" * Cc({ 0, 0, 0 })

-- A zone designator, in minutes east of UTC (false when none was given):
-- Z, UTC, GMT, +02:00, -0500, +5.
local zone_p = S"Zz" * Cc(0) + sp * (ci"utc" + ci"gmt") * -alnum * Cc(0)
  + sp * (C(S"+-") * d12 * (P":" ^ -1 * d2 + Cc(0))) / function(pm, h, m)
    if h > 14 or m > 59 then return math.huge end -- not a zone: refused below
    return (pm == "-" and -1 or 1) * (h * 60 + m)
  end
  + Cc(false)

local datetime_p = date_p * (S"Tt" + space * (ci"at" * space) ^ -1) * time_p * zone_p

-- ---- the other grammars ------------------------------------------------------

local atext = alnum + S"!#$%&'*+/=?^_`{|}~-"
local label = alnum * (P"-" ^ 0 * alnum) ^ 0
local email_p = C(atext ^ 1 * ("." * atext ^ 1) ^ 0 * "@" * (label * ".") ^ 1 * alpha * alpha ^ 1)

local phone_p = C(P"+" ^ -1 * (S"(" ^ -1 * digit ^ 1 * S")" ^ -1
  * (S" .-" ^ -1 * S"(" ^ -1 * digit ^ 1 * S")" ^ -1) ^ 0))

local url_p = re.compile([[
  url    <- { (scheme '://' / 'www.') host port? path? }
  scheme <- [hH][tT][tT][pP][sS]?
  host   <- label ('.' label)*
  label  <- [a-zA-Z0-9] ('-'* [a-zA-Z0-9])*
  port   <- ':' [0-9]+
  path   <- [/?#] (!%s .)*
]])

local CURRENCY_SIGNS = { ["$"] = "USD", ["€"] = "EUR", ["£"] = "GBP", ["¥"] = "JPY",
  ["₹"] = "INR" }
local CURRENCY_WORDS = { dollars = "USD", dollar = "USD", usd = "USD", euros = "EUR",
  euro = "EUR", eur = "EUR", pounds = "GBP", pound = "GBP", gbp = "GBP", yen = "JPY",
  jpy = "JPY", rupees = "INR", inr = "INR", cad = "CAD", aud = "AUD", chf = "CHF" }
local sign_p = P(false)
for s, code in pairs(CURRENCY_SIGNS) do sign_p = sign_p + P(s) * Cc(code) end
local code_p = choice(CURRENCY_WORDS)
local currency_p =
  (sign_p * sp * number_p) / function(code, v, m) return code, v, m end
  + (code_p * sp * number_p) / function(code, v, m) return code, v, m end
  + (number_p * sp * (code_p + sign_p)) / function(v, m, code) return code, v, m end
  + Cc(nil) * number_p

local percent_p = number_p * sp * (P"%" + ci"percent" * -alnum + ci"per cent" * -alnum)
  * Cc(true) + number_p * Cc(false)

local YES = { "yes", "yeah", "yep", "yup", "ya", "y", "sure", "of course", "ok", "okay",
  "right", "correct", "affirmative", "absolutely", "definitely", "certainly",
  "go ahead", "please do", "do it", "sounds good", "true", "👍", "✅" }
local NO = { "no", "nope", "nah", "n", "never", "no way", "don't", "do not",
  "negative", "cancel that", "wrong", "incorrect", "false", "not really", "👎", "❌" }
_M.YES, _M.NO = YES, NO

-- ---- the confirmation reader: the earliest yes or no wins ---------------------

local function normalise(s)
  return " " .. s:lower():gsub("[%.,!?;:]", " "):gsub("%s+", " ") .. " "
end
_M.normalise = normalise

--- "yes", "no" or nil for `text`: the synonym (built-in plus `extra`,
-- {yes = {...}, no = {...}}) that starts earliest in the text wins;
-- "of course not" is no, because "not" is found... after "of course":
-- at the same start the longer synonym wins.
function _M.yes_no(text, extra)
  local t = normalise(text)
  local best, best_at, best_len
  local function scan(list, answer)
    for _, w in ipairs(list) do
      local needle = normalise(w)
      local at = t:find(needle, 1, true)
      if at and (not best_at or at < best_at or (at == best_at and #needle > best_len)) then
        best, best_at, best_len = answer, at, #needle
      end
    end
  end
  scan(YES, "yes")
  scan(NO, "no")
  if extra then
    scan(extra.yes or {}, "yes")
    scan(extra.no or {}, "no")
  end
  -- a negation right after a yes word turns it round ("of course not")
  if best == "yes" then
    local after = t:sub(best_at + best_len - 1)
    if after:match("^ not ") then best = "no" end
  end
  return best
end

-- ---- Salesforce ids -----------------------------------------------------------

local ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

--- The 18-character form of a 15-character id.
function _M.id18(id15)
  local out = {}
  for chunk = 0, 2 do
    local flags = 0
    for j = 0, 4 do
      local b = id15:byte(chunk * 5 + j + 1)
      if b >= 65 and b <= 90 then flags = flags | (1 << j) end
    end
    out[#out + 1] = ID_SUFFIX:sub(flags + 1, flags + 1)
  end
  return id15 .. table.concat(out)
end

local id_p = C(alnum * alnum * alnum * alnum * alnum * alnum * alnum * alnum * alnum
  * alnum * alnum * alnum * alnum * alnum * alnum * (alnum * alnum * alnum) ^ -1) * -alnum

-- The objects of the key prefixes a user is likely to paste, to say what
-- an id of the wrong kind is.
local PREFIX_OBJECT = { ["001"] = "an Account", ["003"] = "a Contact", ["005"] = "a User",
  ["006"] = "an Opportunity", ["00Q"] = "a Lead", ["500"] = "a Case", ["701"] = "a Campaign",
  ["00T"] = "a Task", ["00U"] = "an Event", ["015"] = "a Document", ["00D"] = "an Organization" }

-- "a Lead id (00Q)", or "an id starting a0B" for a prefix not in the list.
local function id_kind(prefix)
  local o = PREFIX_OBJECT[prefix]
  return o and (o .. " id (" .. prefix .. ")") or ("an id starting " .. prefix)
end

local function check_id(id, opts)
  local full
  if #id == 15 then
    full = _M.id18(id)
  else
    full = _M.id18(id:sub(1, 15))
    if full:sub(16):upper() ~= id:sub(16):upper() then
      return nil, "its checksum (the last 3 characters) does not match the first 15: a "
        .. "character may be mistyped"
    end
    full = id:sub(1, 15) .. id:sub(16):upper()
  end
  if opts.prefix and full:sub(1, 3) ~= opts.prefix then
    return nil, "it is " .. id_kind(full:sub(1, 3)) .. ", not " .. id_kind(opts.prefix)
  end
  return full
end

-- ---- picklists ------------------------------------------------------------------

-- Damerau-Levenshtein distance (optimal string alignment), for close
-- matches: "wroking" is one edit from "working".
local function distance(a, b)
  if a == b then return 0 end
  local before, prev = {}, {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    local ai = a:byte(i)
    for j = 1, #b do
      local cost = ai == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and ai == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        cur[j] = math.min(cur[j], before[j - 2] + 1) -- a transposition
      end
    end
    before, prev = prev, cur
  end
  return prev[#b]
end

local function key(s) return trim(s:lower():gsub("%s+", " ")) end

-- The entries of a picklist: { value, names = {normalised names} }.
local function entries(values)
  local out = {}
  for _, v in ipairs(values or {}) do
    if type(v) ~= "table" then v = { value = v } end
    local e = { value = v.value, display = v.display or tostring(v.value), names = {} }
    e.names[#e.names + 1] = key(tostring(v.value))
    if v.display then e.names[#e.names + 1] = key(v.display) end
    for _, syn in ipairs(v.synonyms or {}) do e.names[#e.names + 1] = key(syn) end
    out[#out + 1] = e
  end
  return out
end
_M.picklist_entries = entries

-- The entries whose label has the words said ("closed": Closed Won and
-- Closed Lost; "negotiation": Negotiation/Review), for 5 characters or more.
local function having_words(list, text)
  local function words_of(x) return normalise((x:gsub("[/%-]", " "))) end
  local said, having = words_of(text), {}
  for _, e in ipairs(list) do
    if #said > 4 and words_of(e.display):find(said, 1, true) then
      having[#having + 1] = e
    end
  end
  return having
end

--- The picklist entries `text` could mean when it names words of several
-- values' labels ("closed"): a list of two or more, else nil.
function _M.picklist_which(values, text)
  local having = having_words(entries(values), text)
  return #having > 1 and having or nil
end

local function picklist(text, opts)
  local list = entries(opts.values)
  local k = key(text)
  for _, e in ipairs(list) do
    for _, n in ipairs(e.names) do
      if n == k then return e.value end
    end
  end
  -- the closest name, when similar enough and not tied with another value
  local threshold = opts.threshold or 0.8
  local best, best_score, tie
  for _, e in ipairs(list) do
    for _, n in ipairs(e.names) do
      local score = 1 - distance(n, k) / math.max(#n, #k, 1)
      if not best_score or score > best_score then
        best, best_score, tie = e, score, false
      elseif score == best_score and e ~= best then
        tie = true
      end
    end
  end
  if best and best_score >= threshold and not tie then return best.value end
  -- words of one value's label ("negotiation"), or which of several ("closed")
  local having = having_words(list, text)
  if #having == 1 then return having[1].value end
  local names = {}
  for i, e in ipairs(#having > 1 and having or list) do names[i] = e.display end
  if #having > 1 then
    return nil, "which one: " .. table.concat(names, ", ", 1, #names - 1) .. " or "
      .. names[#names] .. "?"
  end
  return nil, "not one of: " .. table.concat(names, ", ")
end

local function find_picklist(text, opts)
  local t = normalise(text)
  local best, best_at, best_len, best_name
  for _, e in ipairs(entries(opts.values)) do
    for _, n in ipairs(e.names) do
      local at = t:find(" " .. n .. " ", 1, true)
      if at and (not best_at or at < best_at or (at == best_at and #n > best_len)) then
        best, best_at, best_len, best_name = e, at, #n, n
      end
    end
  end
  if not best then return nil end
  -- positions in the original text: the name's words case-insensitively,
  -- whatever spaces and punctuation normalising removed between them
  local parts = {}
  for w in best_name:gmatch("%S+") do parts[#parts + 1] = (w:gsub("%p", "%%%0")) end
  local s, e = text:lower():find(table.concat(parts, "[%s%.,!?;:]+"))
  return s or 1, e or #text, best.value
end

-- ---- the type table ---------------------------------------------------------------

local function number_parse(text)
  local v, mult = lpeg.match(whole(number_p), text)
  if v == nil then return nil, "not a number" end
  return to_number(v, mult)
end

local function date_value(fn, env, opts)
  local y, m, d = fn(env, opts.order)
  local s = ymd(y, m, d)
  if not s then return nil, "not a valid date" end
  return s
end

-- ISO 8601 with a zone designator: the one given, else the session's.
local function datetime_value(fn, tm, off, env, opts)
  local date, why = date_value(fn, env, opts)
  if not date then return nil, why end
  if not tm or tm[1] > 23 or tm[2] > 59 or tm[3] > 59 then return nil, "not a valid time" end
  if off == math.huge then return nil, "not a valid time zone" end
  if not off then off = zone(env, env and env.now and env.now() or os.time()) end
  local designator = off == 0 and "Z"
    or string.format("%s%02d:%02d", off < 0 and "-" or "+", math.abs(off) // 60,
      math.abs(off) % 60)
  return string.format("%sT%02d:%02d:%02d%s", date, tm[1], tm[2], tm[3], designator)
end

local function phone_value(s)
  local digits = s:gsub("%D", "")
  if #digits < 3 or #digits > 12 then return nil, "a phone number has 3 to 12 digits" end
  return (s:sub(1, 1) == "+" and "+" or "") .. digits
end

local function currency_value(code, v, mult, opts)
  local amount, why = to_number(v, mult)
  if not amount then return nil, why end
  return { code = code or opts.currency or "USD", amount = amount }
end

local function percent_value(v, mult, marked)
  local n, why = to_number(v, mult)
  if not n then return nil, why end
  if not marked and n >= 0 and n <= 1 and math.type(n) == "float" then return n end
  return n / 100
end

local search_number = finder(number_p)
local search_date = finder(date_p)
local search_datetime = finder(datetime_p)
local search_email = finder(email_p)
local search_phone = finder(phone_p)
local search_url = finder(url_p)
local search_id = finder(id_p)
local search_currency = finder(currency_p)
local search_percent = finder(number_p * sp * (P"%" + ci"percent" * -alnum) * Cc(true))

_M.types = {}
local T = _M.types

T.string = {
  parse = function(text)
    local s = trim(text)
    if s == "" then return nil, "empty" end
    return s
  end,
}
T.description = T.string

T.number = {
  parse = number_parse,
  find = function(text)
    local s, e, v, mult = search_number(text)
    if not s then return nil end
    local n = to_number(v, mult)
    if n == nil then return nil end
    return s, e, n
  end,
}

T.date = {
  parse = function(text, opts, env)
    local fn = lpeg.match(whole(date_p), text)
    if not fn then return nil, "not a date" end
    return date_value(fn, env, opts)
  end,
  find = function(text, opts, env)
    local s, e, fn = search_date(text)
    if not s then return nil end
    local v = date_value(fn, env, opts)
    if v then return s, e, v end
  end,
}

T.datetime = {
  parse = function(text, opts, env)
    local fn, tm, off = lpeg.match(whole(datetime_p), text)
    if not fn then return nil, "not a date and time" end
    return datetime_value(fn, tm, off, env, opts)
  end,
  find = function(text, opts, env)
    local s, e, fn, tm, off = search_datetime(text)
    if not s then return nil end
    local v = datetime_value(fn, tm, off, env, opts)
    if v then return s, e, v end
  end,
}

T.email = {
  parse = function(text)
    local v = lpeg.match(whole(email_p), text)
    if not v then return nil, "not an email address" end
    local user, domain = v:match("^(.*)@(.*)$")
    return user .. "@" .. domain:lower()
  end,
  find = function(text)
    local s, e, v = search_email(text)
    if s then
      local user, domain = v:match("^(.*)@(.*)$")
      return s, e, user .. "@" .. domain:lower()
    end
  end,
}

T.phone = {
  parse = function(text)
    local v = lpeg.match(whole(phone_p), text)
    if not v then return nil, "not a phone number" end
    return phone_value(v)
  end,
  find = function(text)
    local s, e, v = search_phone(text)
    if s then
      local p = phone_value(v)
      if p and #p:gsub("%D", "") >= 7 then return s, e, p end -- fewer: a number, not a phone
    end
  end,
}

T.url = {
  parse = function(text)
    local v = lpeg.match(whole(url_p), text)
    if not v then return nil, "not a URL" end
    return v
  end,
  find = function(text) return search_url(text) end,
}

T.picklist = {
  parse = function(text, opts) return picklist(text, opts) end,
  find = function(text, opts) return find_picklist(text, opts) end,
}

T.currency = {
  parse = function(text, opts)
    local res = { lpeg.match(whole(currency_p), text) }
    if res[2] == nil then return nil, "not an amount of money" end
    return currency_value(res[1], res[2], res[3], opts)
  end,
  find = function(text, opts)
    local s, e, code, v, mult = search_currency(text)
    if s and code then
      local c = currency_value(code, v, mult, opts)
      if c then return s, e, c end
    end
  end,
}

T.percentage = {
  parse = function(text)
    local v, mult, marked = lpeg.match(whole(percent_p), text)
    if v == nil then return nil, "not a percentage" end
    return percent_value(v, mult, marked)
  end,
  find = function(text)
    local s, e, v, mult = search_percent(text)
    if s then
      local n = percent_value(v, mult, true)
      if n then return s, e, n end
    end
  end,
}

T.boolean = {
  parse = function(text, opts)
    local yn = _M.yes_no(text, opts.synonyms)
    if yn == nil then return nil, "not yes or no" end
    return yn == "yes"
  end,
}

T.salesforce_id = {
  parse = function(text, opts)
    local v = lpeg.match(whole(id_p), text)
    if not v then
      local word = text:match("^%s*(%w+)%s*$")
      if word and word:find("%d") then -- an id of the wrong length
        return nil, string.format("a Salesforce id has 15 or 18 letters and digits, this has %d",
          #word)
      end
      return nil, "not a Salesforce id (15 or 18 letters and digits)"
    end
    return check_id(v, opts)
  end,
  -- (past the ids found: nil and the reason the first id-like word was
  -- not taken, for the user)
  find = function(text, opts)
    local init, bad = 1, nil
    while true do
      local s, e, v = search_id(text:sub(init))
      if not s then return nil, nil, nil, bad end
      -- an id has a digit; a long plain word is not one
      if v:find("%d") then
        local id, why = check_id(v, opts)
        if id then return s + init - 1, e + init - 1, id end
        bad = bad or why
      end
      init = init + e
    end
  end,
}

T.custom = {
  parse = function(text, opts, env)
    local s = trim(text)
    if opts.pattern then
      if not s:find(opts.pattern) then return nil, "does not match the expected form" end
      return s
    end
    if opts.validate and env and env.call then
      return env.call(opts.validate, s)
    end
    return s
  end,
  find = function(text, opts)
    if opts.pattern and not opts.pattern:find("^%^") then
      local s, e = text:find(opts.pattern)
      if s then return s, e, text:sub(s, e) end
    end
  end,
}

-- ---- rules and multi-item values -----------------------------------------------------

local function compare_value(v)
  if type(v) == "table" then return v.amount end
  return v
end

--- Checks a parsed value against the entity's rules (min, max, digits,
-- min_length, max_length). Returns the value or nil and the reason.
function _M.check_rules(v, rules)
  if not rules then return v end
  local c = compare_value(v)
  if rules.min ~= nil and c < rules.min then
    return nil, "less than " .. tostring(rules.min)
  end
  if rules.max ~= nil and c > rules.max then
    return nil, "more than " .. tostring(rules.max)
  end
  if rules.digits and type(c) == "number" then
    local n = #tostring(math.tointeger(math.abs(c)) or math.abs(c)):gsub("%D", "")
    if n ~= rules.digits then return nil, "not " .. rules.digits .. " digits" end
  end
  if type(c) == "string" then
    local n = utf8.len(c) or #c
    if rules.min_length and n < rules.min_length then return nil, "too short" end
    if rules.max_length and n > rules.max_length then return nil, "too long" end
  end
  return v
end

--- Parses `text` as entity `spec` (type, rules, multi, values, ...).
-- Returns the value (a list for multi-item entities) or nil and a reason.
function _M.parse(spec, text, env)
  local t = T[spec.entity_type or "string"]
  local function one(s)
    local v, why = t.parse(s, spec, env)
    if v == nil then return nil, why end
    return _M.check_rules(v, spec.rules)
  end
  if not spec.multi then return one(text) end
  local items = {}
  local src = text:gsub("%s+and%s+", ",")
  for part in src:gmatch("[^,;]+") do
    if trim(part) ~= "" then
      local v, why = one(part)
      if v == nil then return nil, why end
      items[#items + 1] = v
    end
  end
  if #items == 0 then return nil, "empty" end
  return items
end

--- Finds a value of entity `spec` in a longer text: start, end, value; or
-- nil (types without a finder are never volunteered).
function _M.find(spec, text, env)
  local t = T[spec.entity_type or "string"]
  if not t.find then return nil end
  local s, e, v, why = t.find(text, spec, env)
  if s == nil or v == nil then return nil, nil, nil, why end
  if _M.check_rules(v, spec.rules) == nil then return nil end
  return s, e, v
end

--- True when `name` is a known entity type.
function _M.known(name) return T[name] ~= nil end

return _M
