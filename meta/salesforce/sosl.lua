---@meta salesforce.sosl
-- LuaLS annotations for `require "salesforce.sosl"`: user text made safe for
-- SOSL's FIND {...}, and whole statements built from checked parts. Every
-- function raises on what it cannot render safely; none returns nil.

---@class salesforce.sosl
local sosl = {}

---Which fields FIND searches (case-insensitive).
---@alias salesforce.sosl.Scope "ALL"|"NAME"|"EMAIL"|"PHONE"|"SIDEBAR"

---One RETURNING item: Obj(fields [WHERE ...] [ORDER BY ...] [LIMIT n]
---[OFFSET n]). Unknown keys raise.
---@class salesforce.sosl.Returning
---@field sobject string an sObject API name
---@field fields? string[] default { "Id" }
---@field where? string developer-written condition with :name binds
---@field binds? salesforce.Binds
---@field order_by? string|string[] as salesforce.soql.SelectSpec.order_by
---@field limit? integer 0..2000
---@field offset? integer 0..2000

---The parts of sosl.build. Unknown keys raise.
---@class salesforce.sosl.BuildSpec
---@field text string the user's text, searched as one phrase (sosl.phrase)
---@field scope? salesforce.sosl.Scope default "ALL"
---@field returning? salesforce.sosl.Returning[]
---@field limit? integer records in all, 0..2000
---true: * and ? in text stay SOSL wildcards (see sosl.phrase)
---@field wildcards? boolean

---Text with every SOSL reserved character backslash-escaped, for use inside
---FIND {...}. AND, OR and NOT stay operators: for user text use sosl.phrase.
---Raises for a non-string, a NUL byte or invalid UTF-8.
---@param text string
---@return string
function sosl.escape(text) end

---The user's text as one literal search term for FIND {...}: wildcards
---removed, white space collapsed, reserved characters escaped, the whole in
---double quotes so that AND / OR / NOT are plain words. Raises as escape,
---and when fewer than 2 letters or digits are left (Salesforce's minimum).
---With `wildcards` true, * and ? stay SOSL wildcards ("acm*" finds Acme);
---every other reserved character is still escaped. Raises when
---`wildcards` is neither nil nor a boolean.
---@param text string
---@param wildcards? boolean
---@return string term
function sosl.phrase(text, wildcards) end

---A SOSL statement: FIND {"..."} IN <scope> FIELDS [RETURNING ...]
---[LIMIT n]. Names are checked with soql.identifier, where clauses bound
---with soql.bind. Raises for any bad part (see BuildSpec).
---@param t salesforce.sosl.BuildSpec
---@return string statement
function sosl.build(t) end

return sosl
