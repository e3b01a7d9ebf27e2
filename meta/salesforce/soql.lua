---@meta salesforce.soql
-- LuaLS annotations for `require "salesforce.soql"`: the only way luaforce
-- puts values into SOQL. Lua values become SOQL literals (quote, like),
-- `:name` binds are replaced by them (bind), and names from configuration
-- are checked (identifier, select). Every function raises on a value it
-- cannot render safely ("bad argument #n to 'f' (why)"); none returns nil.

---@class salesforce.soql
---The value rendered as NULL: cjson.null (salesforce.null) when lua-cjson is
---there, which it always is under luaforce.
---@field null lightuserdata|table
---@field private _try table the non-raising cores, for salesforce.sosl
local soql = {}

---A typed value made by soql.date, datetime, date_literal or pattern:
---rendered as its literal by quote and bind, read-only, not forgeable.
---@class salesforce.soql.Value
---@field kind "date"|"datetime"|"date_literal"|"pattern"
---@field literal string the SOQL text it renders as

---@alias salesforce.soql.LikeMode
---| "contains" # %text% (the default)
---| "prefix"   # text%
---| "suffix"   # %text
---| "exact"    # text, with its own % and _ escaped

---Salesforce's date literals (case-insensitive); the _N_ ones take a number.
---@alias salesforce.soql.DateLiteral
---| "YESTERDAY" | "TODAY" | "TOMORROW"
---| "LAST_WEEK" | "THIS_WEEK" | "NEXT_WEEK"
---| "LAST_MONTH" | "THIS_MONTH" | "NEXT_MONTH"
---| "LAST_90_DAYS" | "NEXT_90_DAYS"
---| "THIS_QUARTER" | "LAST_QUARTER" | "NEXT_QUARTER"
---| "THIS_YEAR" | "LAST_YEAR" | "NEXT_YEAR"
---| "THIS_FISCAL_QUARTER" | "LAST_FISCAL_QUARTER" | "NEXT_FISCAL_QUARTER"
---| "THIS_FISCAL_YEAR" | "LAST_FISCAL_YEAR" | "NEXT_FISCAL_YEAR"
---| "LAST_N_DAYS" | "NEXT_N_DAYS" | "N_DAYS_AGO"
---| "LAST_N_WEEKS" | "NEXT_N_WEEKS" | "N_WEEKS_AGO"
---| "LAST_N_MONTHS" | "NEXT_N_MONTHS" | "N_MONTHS_AGO"
---| "LAST_N_QUARTERS" | "NEXT_N_QUARTERS" | "N_QUARTERS_AGO"
---| "LAST_N_YEARS" | "NEXT_N_YEARS" | "N_YEARS_AGO"
---| "LAST_N_FISCAL_QUARTERS" | "NEXT_N_FISCAL_QUARTERS" | "N_FISCAL_QUARTERS_AGO"
---| "LAST_N_FISCAL_YEARS" | "NEXT_N_FISCAL_YEARS" | "N_FISCAL_YEARS_AGO"

---The parts of soql.select. Unknown keys raise.
---@class salesforce.soql.SelectSpec
---@field sobject string an sObject API name (no dots)
---@field fields string[] field names, dotted for relationships (Account.Name)
---@field where? string developer-written condition with :name binds
---@field binds? salesforce.Binds values of the binds in `where`
---ORDER BY: "Name", "Name DESC", "Name ASC NULLS LAST", several separated by
---commas, or a list of such strings.
---@field order_by? string|string[]
---@field limit? integer 0 or more
---@field offset? integer 0..2000

---A SOQL literal for a Lua value: strings quoted and escaped, integers as
---is, floats in plain decimal notation, booleans TRUE/FALSE, nil and
---soql.null NULL, a list as ('a', 'b') for IN, and soql values. Raises on
---anything else (functions, NaN, infinity, strings with NUL or invalid
---UTF-8, empty or nested lists, tables that are not lists).
---@param v any
---@return string literal
function soql.quote(v) end

---A quoted LIKE pattern for user text: its % and _ match only themselves,
---and wildcards are added per mode. Use as `"Name LIKE " .. soql.like(t)`;
---for a bind, use soql.pattern. Raises for a non-string, bad text or mode.
---@param text string
---@param mode? salesforce.soql.LikeMode default "contains"
---@return string literal
function soql.like(text, mode) end

---soql.like as a value for binds: `Name LIKE :p` with { p = soql.pattern(t) }.
---Raises as soql.like.
---@param text string
---@param mode? salesforce.soql.LikeMode default "contains"
---@return salesforce.soql.Value
function soql.pattern(text, mode) end

---A date, unquoted in SOQL: soql.date(2024, 1, 31) or
---soql.date("2024-01-31"). The calendar is checked (leap years too); raises
---for an invalid date.
---@param year integer 1..9999
---@param month integer 1..12
---@param day integer
---@return salesforce.soql.Value
---@overload fun(iso: string): salesforce.soql.Value
function soql.date(year, month, day) end

---A datetime, unquoted in SOQL: soql.datetime(y, mo, d[, h, mi, s[, ms]]) in
---UTC; soql.datetime(os.time()) (seconds since the epoch; a fraction becomes
---milliseconds); or soql.datetime("2024-01-31T09:30:00Z") (also .sss and
---+hh:mm / -hh:mm), checked and kept as written. Raises for an invalid one.
---@param year integer
---@param month integer
---@param day integer
---@param hour? integer 0..23
---@param minute? integer 0..59
---@param second? integer 0..59
---@param ms? integer 0..999
---@return salesforce.soql.Value
---@overload fun(epoch: number): salesforce.soql.Value
---@overload fun(iso: string): salesforce.soql.Value
function soql.datetime(year, month, day, hour, minute, second, ms) end

---A date literal: soql.date_literal("TODAY"), soql.date_literal("LAST_N_DAYS",
---30) -> LAST_N_DAYS:30. Raises for an unknown name, or a number missing
---from (or given to) a literal that takes (or takes none).
---@param name salesforce.soql.DateLiteral|string
---@param n? integer a non-negative integer, for the _N_ literals only
---@return salesforce.soql.Value
function soql.date_literal(name, n) end

---Replaces every :name bind outside the query's string literals with
---soql.quote(binds[name]). Raises when a bind is missing (use soql.null for
---NULL) or cannot be quoted, or a literal is unterminated. Unused binds are
---ignored. LAST_N_DAYS:30 is not a bind; LAST_N_DAYS:n binds n after the
---colon (a non-negative integer, else it raises).
---@param query string
---@param binds? salesforce.Binds
---@return string query
function soql.bind(query, binds) end

---Checks an sObject or field name from configuration and returns it: API
---names (letters, digits, underscores, __c/__r and namespace parts) joined
---by dots for relationships (Account.Owner.Name). Raises on anything else,
---SOQL keywords included.
---@param name string
---@return string name
function soql.identifier(name) end

---A SELECT built from checked parts: SELECT fields FROM sobject [WHERE ...]
---[ORDER BY ...] [LIMIT n] [OFFSET n]. Raises for an unknown key, a bad
---name, binds without where, or a bad limit or offset.
---@param t salesforce.soql.SelectSpec
---@return string query
function soql.select(t) end

return soql
