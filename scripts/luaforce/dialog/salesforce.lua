-- luaforce.dialog.salesforce: what the Salesforce action templates share,
-- as task files see it (require "luaforce.dialog.salesforce" in the
-- sandbox): the end user's message for each way a call can fail, the
-- record card with its View button, and the paged list of records.
local ipairs, math, pairs, setmetatable, table, tostring, type =
  ipairs, math, pairs, setmetatable, table, tostring, type

local _M = {}

--- Records shown at once by list and search templates ("show more" pages on).
_M.PAGE = 5

-- The org's own host per client, from its identity: { [client] = {url, for_instance} }.
local hosts = setmetatable({}, { __mode = "k" })

-- The origin ("https://host") of an identity `urls` entry.
local function origin(url)
  return type(url) == "string" and url:match("^(https://[^/]+)") or nil
end

--- The subDomainService's call: the org's host for View buttons, as the
-- identity of the authorized user says it (`urls.custom_domain`, the My
-- Domain, else the host of `urls.rest`), read from the instance's
-- userinfo endpoint once per client; { instance_url = "https://..." }.
-- An access token the identity service refuses (403: Bad_OAuth_Token when
-- it expired) is renewed once; without an identity (a token without the
-- id scope) the instance URL of the token response is used.
function _M.subdomain(client)
  local known = hosts[client]
  if known and known.for_instance == client.instance_url then
    return { instance_url = known.url }
  end
  local who, err = client:call("GET", "/services/oauth2/userinfo")
  if not who and type(err) == "table" and err.status == 403 and client:refresh() then
    who = client:call("GET", "/services/oauth2/userinfo")
  end
  local urls = type(who) == "table" and type(who.urls) == "table" and who.urls or {}
  local url = origin(urls.custom_domain) or origin(urls.rest) or client.instance_url
  hosts[client] = { url = url, for_instance = client.instance_url }
  return { instance_url = url }
end

--- The response a message node reports: service `name`'s, or the
-- subDomainService's when that call failed first (it runs before).
function _M.response(context, name)
  local r = context[name]
  return r and r.response or context.subDomainService.response
end

--- True when a service response is a success (2xx).
function _M.ok(response)
  local s = type(response) == "table" and response.statusCode
  return type(s) == "number" and s >= 200 and s < 300
end

--- The record's page in Lightning: <instance>/lightning/r/<Object>/<id>/view.
function _M.view_url(instance, sobject, id)
  return tostring(instance or ""):gsub("/+$", "") .. "/lightning/r/" .. sobject .. "/"
    .. tostring(id) .. "/view"
end

--- A rich message: `text` and a "View <label>" button to the record.
-- `instance` is the org's instance URL (the subDomainService's answer).
function _M.card(instance, sobject, id, text, label)
  return { type = "button", text = text,
    buttons = { { type = "url", title = "View " .. (label or sobject),
      url = _M.view_url(instance, sobject, id) } } }
end

-- The first Salesforce error of a failed response ({errorCode, message,
-- fields}); a single error object (as a 429 sends) counts as a list of one.
local function first_error(response)
  local body = type(response) == "table" and response.body or nil
  if type(body) ~= "table" then return {} end
  if body.errorCode or body.message then return body end
  return type(body[1]) == "table" and body[1] or {}
end

-- The records a DUPLICATES_DETECTED error matched, for the end user:
-- "Ada Lovelace (00Q...)" (the name when the request asked for record
-- details), at most three and how many more; nil when it names none.
local function matches(e)
  local dup = type(e.duplicateResult) == "table" and e.duplicateResult or {}
  local names = {}
  for _, m in ipairs(type(dup.matchResults) == "table" and dup.matchResults or {}) do
    for _, r in ipairs(type(m.matchRecords) == "table" and m.matchRecords or {}) do
      local rec = type(r.record) == "table" and r.record or {}
      if rec.Id then
        names[#names + 1] = (type(rec.Name) == "string" and (rec.Name .. " (" .. rec.Id .. ")"))
          or tostring(rec.Id)
      end
    end
  end
  if #names == 0 then return nil end
  local shown = table.concat(names, ", ", 1, math.min(3, #names))
  return "it matches " .. shown .. (#names > 3 and (" and " .. (#names - 3) .. " more") or "")
end

local RATE = { REQUEST_LIMIT_EXCEEDED = true, TOO_MANY_REQUESTS = true }
local AUTH = { INVALID_SESSION_ID = true, INVALID_AUTH_HEADER = true, invalid_grant = true,
  auth = true }
local VALIDATION = { FIELD_CUSTOM_VALIDATION_EXCEPTION = true, REQUIRED_FIELD_MISSING = true,
  STRING_TOO_LONG = true, INVALID_EMAIL_ADDRESS = true, FIELD_INTEGRITY_EXCEPTION = true,
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST = true, INVALID_TYPE_ON_FIELD_IN_RECORD = true,
  NUMBER_OUTSIDE_VALID_RANGE = true, MALFORMED_ID = true, INVALID_FIELD = true }

--- The end user's message for a failed call `response` ({statusCode, body}
-- with Salesforce's error list); `what` names the record ("lead").
-- Covers: not found, a validation error (Salesforce's message, naming
-- the field), a duplicate rule, a rate limit, authorization needed, no
-- permission, a server error. (A disabled integration makes no call: the
-- bot's integration_disabled response answers instead.)
function _M.failure(response, what)
  local status = type(response) == "table" and response.statusCode or 0
  local e = first_error(response)
  local code, msg = tostring(e.errorCode or ""), tostring(e.message or "")
  what = what or "record"
  if AUTH[code] or status == 401 then
    return "I need you to authorize Salesforce again before I can do that."
  elseif status == 404 or code == "NOT_FOUND" or code == "ENTITY_IS_DELETED" then
    return "I could not find that " .. what .. " in Salesforce (404 - No Record Found)."
  elseif code == "DUPLICATES_DETECTED" then
    local matched = matches(e)
    return "Salesforce found a duplicate " .. what .. ": "
      .. (matched and (matched .. ". ") or "") .. msg
  elseif RATE[code] or status == 429 then
    return "Salesforce is busy (its API request limit was reached). Please try again later."
  elseif VALIDATION[code] then
    local fields = type(e.fields) == "table" and table.concat(e.fields, ", ") or ""
    return "Salesforce did not accept the " .. what
      .. (fields ~= "" and (" (" .. fields .. ")") or "") .. ": " .. msg
  elseif code == "API_DISABLED_FOR_ORG" then
    return "Your organization's Salesforce API is not enabled, so I cannot reach Salesforce. "
      .. "Please ask your Salesforce administrator."
  elseif code == "INVALID_TYPE" then
    return "You do not have access to " .. what .. " records in Salesforce."
  elseif code == "INSUFFICIENT_ACCESS_OR_READONLY" or code == "INSUFFICIENT_ACCESS"
      or status == 403 then
    return "You do not have permission to do that in Salesforce: " .. msg
  elseif status >= 500 then
    return "Salesforce had a problem (HTTP " .. status .. "). Please try again later."
  elseif status == 0 and code == "timeout" then
    return "Salesforce did not answer in time. Please try again later."
  elseif status == 0 then
    return "I could not reach Salesforce. Please try again later."
  end
  -- a message of several lines (a query's position report) is for the
  -- developer's log, not the end user
  local shown = (msg:find("\n", 1, true) or msg == "") and "." or (": " .. msg)
  return "Salesforce refused that (" .. (code ~= "" and code or ("HTTP " .. status)) .. ")"
    .. shown
end

--- For an update template whose `AskOptions` entity chose the field and
-- `options` (its picklist values) name the fields: context.fieldName, the
-- chosen field as the user knows it ("mobile phone").
function _M.field_name(context, options)
  local field = context.entities.AskOptions
  for _, o in ipairs(options) do
    if o.value == field then context.fieldName = o.display or field end
  end
end

--- For an update template, once the new value is answered: the entity
-- `entities[field]` (else "Text") holds the value of the field AskOptions
-- chose; sets context.payload = { [field] = value } and context.newValue
-- (as the user knows it: a picklist value's label).
function _M.update_payload(context, entities)
  local field = context.entities.AskOptions
  local entity = entities[field] or "Text"
  local value = context.entities[entity]
  context.payload = { [field] = value }
  context.newValue = tostring(_M.label(context, entity, value))
end

--- The name of `record` (as read before an update) once `payload` is
-- applied: its new Name, or its first and last names with the new ones.
function _M.updated_name(record, payload)
  if payload.Name ~= nil then return payload.Name end
  if payload.FirstName == nil and payload.LastName == nil then return record.Name end
  local parts = {}
  for _, f in ipairs({ "FirstName", "LastName" }) do
    local v = payload[f]
    if v == nil then v = record[f] end
    if type(v) == "string" and v ~= "" then parts[#parts + 1] = v end
  end
  return table.concat(parts, " ")
end

--- For an update template whose call failed: the entity to ask again
-- when Salesforce refused the value naming the field (see field_to_fix).
function _M.refused_entity(response, context, entities)
  local field = context.entities.AskOptions
  return _M.field_to_fix(response, { [field] = entities[field] or "Text" })
end

--- A script node's function: forgets the value of the entity at
-- context.fix (the one Salesforce refused), so that it is asked again.
function _M.forget_refused(context)
  if context.fix then context.entities[context.fix] = nil end
end

--- The entity to ask again after Salesforce refused a value the user can
-- correct (a validation rule's or a field check's error naming a field):
-- `entities` maps field names to the task's entity names ({CloseDate =
-- "ClosedDate"}); nil when the error names none of them.
function _M.field_to_fix(response, entities)
  local e = first_error(response)
  if not VALIDATION[tostring(e.errorCode or "")] or type(e.fields) ~= "table" then
    return nil
  end
  for _, f in ipairs(e.fields) do
    if entities[f] then return entities[f] end
  end
  return nil
end

--- How the end user knows picklist `value` of entity `entity` (whose
-- values came from describe): its label; other values as they are.
function _M.label(context, entity, value)
  for _, v in ipairs(context.picklists and context.picklists[entity] or {}) do
    if v.value == value then return v.display or value end
  end
  return value
end

--- `records` with their picklist `fields` shown by label, as SOQL's
-- toLabel() gives them (SOSL results have the values): the labels from
-- the describe of `sobject` (cached by the client); a describe that fails
-- leaves the values. Returns `records`.
function _M.labelled(client, sobject, records, fields)
  local d = client:describe(sobject)
  if type(d) ~= "table" or type(records) ~= "table" then return records end
  local labels = {}
  for _, f in ipairs(d.fields or {}) do
    for _, want in ipairs(fields) do
      if f.name == want then
        labels[want] = {}
        for _, v in ipairs(f.picklistValues or {}) do labels[want][v.value] = v.label end
      end
    end
  end
  for _, r in ipairs(records) do
    for field, map in pairs(labels) do
      if map[r[field]] then r[field] = map[r[field]] end
    end
  end
  return records
end

--- What a create or update's message prints when the call failed: the
-- failure's sentence, and for a duplicate rule that matched a record a
-- card with a "View <sobject>" button to it (the org's host from the
-- subDomainService).
function _M.failed(context, response, what, sobject)
  local text = _M.failure(response, what)
  local e = first_error(response)
  local dup = e.errorCode == "DUPLICATES_DETECTED" and type(e.duplicateResult) == "table"
    and e.duplicateResult or {}
  local m = type(dup.matchResults) == "table" and dup.matchResults[1]
  local r = type(m) == "table" and type(m.matchRecords) == "table" and m.matchRecords[1]
  local id = type(r) == "table" and type(r.record) == "table" and r.record.Id
  local sub = context.subDomainService and context.subDomainService.response
  local instance = sub and type(sub.body) == "table" and sub.body.instance_url
  if type(id) ~= "string" or not instance then return text end
  return _M.card(instance, sobject, id, text)
end

--- The value of a record's field as shown to the end user (nothing for null).
function _M.show(v)
  if v == nil or type(v) == "userdata" or v == "" then return "-" end
  if math.type(v) == "float" and v == math.floor(v) and v > -1e15 and v < 1e15 then
    return tostring(math.tointeger(v)) -- 2500.0 reads 2500
  end
  return tostring(v)
end

--- One line for a record: its Name, then the given fields in brackets.
function _M.line(record, fields)
  local parts = {}
  for _, f in ipairs(fields or {}) do
    if record[f] ~= nil and type(record[f]) ~= "userdata" and record[f] ~= "" then
      parts[#parts + 1] = tostring(record[f])
    end
  end
  local s = _M.show(record.Name) .. " (" .. tostring(record.Id) .. ")"
  if #parts > 0 then s = s .. ", " .. table.concat(parts, ", ") end
  return s
end

--- A record's summary: its Name and Id, then "Label: value" per field
-- (the field's name in words: "Mobile Phone"; `labels` may name them).
function _M.summary(record, fields, labels)
  local out = { _M.show(record.Name) .. " (" .. tostring(record.Id) .. ")" }
  for _, f in ipairs(fields) do
    local label = labels and labels[f] or f:gsub("(%l)(%u)", "%1 %2")
    out[#out + 1] = label .. ": " .. _M.show(record[f])
  end
  return table.concat(out, "\n")
end

--- The next page of a list or search service's records, kept at
-- context.page: { text, more, offset } (call it from a script node).
-- `what` names the records ("leads"), `one` a single one ("lead").
function _M.next_page(context, service, fields, what, one)
  local body = context[service].response.body
  local records = body.records or body
  local offset = context.page and (context.page.offset + _M.PAGE) or 0
  local lines, more, left = _M.page(records, offset, fields, body.totalSize or #records, what,
    one)
  context.page = { text = table.concat(lines, "\n"), more = more, left = left,
    offset = offset }
end

--- The page of `records` from `offset` (0-based): the lines to print and
-- whether more are left, and how many. `total` is the number found;
-- `what` names them ("leads"), `one` one of them ("lead", for a total of 1).
function _M.page(records, offset, fields, total, what, one)
  local out = {}
  offset = offset or 0
  local last = math.min(#records, offset + _M.PAGE)
  total = total or #records
  if total == 0 then return { "I found no " .. what .. "." }, false end
  if offset == 0 then
    out[1] = "I found " .. total .. " " .. (total == 1 and one or what) .. ":"
  end
  for i = offset + 1, last do
    out[#out + 1] = i .. ". " .. _M.line(records[i], fields)
  end
  return out, last < #records, #records - last
end

return _M
