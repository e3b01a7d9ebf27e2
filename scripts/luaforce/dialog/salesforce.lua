-- luaforce.dialog.salesforce: what the Salesforce action templates share,
-- as task files see it (require "luaforce.dialog.salesforce" in the
-- sandbox): the end user's message for each way a call can fail, the
-- record card with its View button, and the paged list of records.
local ipairs, math, table, tostring, type = ipairs, math, table, tostring, type

local _M = {}

--- Records shown at once by list and search templates ("show more" pages on).
_M.PAGE = 5

--- The subDomainService's call: the org's instance URL (for View buttons).
function _M.subdomain(client)
  return { instance_url = client.instance_url }
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
-- the field), a duplicate rule, a rate limit, authorization needed, the
-- integration disabled, no permission, a server error.
function _M.failure(response, what)
  local status = type(response) == "table" and response.statusCode or 0
  local e = first_error(response)
  local code, msg = tostring(e.errorCode or ""), tostring(e.message or "")
  what = what or "record"
  if code == "INTEGRATION_DISABLED" then
    return "The Salesforce integration is disabled, so I cannot do that right now."
  elseif AUTH[code] or status == 401 then
    return "I need you to authorize Salesforce again before I can do that."
  elseif status == 404 or code == "NOT_FOUND" or code == "ENTITY_IS_DELETED" then
    return "I could not find that " .. what .. " in Salesforce (404 - No Record Found)."
  elseif code == "DUPLICATES_DETECTED" then
    return "Salesforce found a duplicate " .. what .. ": " .. msg
  elseif RATE[code] or status == 429 then
    return "Salesforce is busy (its API request limit was reached). Please try again later."
  elseif VALIDATION[code] then
    local fields = type(e.fields) == "table" and table.concat(e.fields, ", ") or ""
    return "Salesforce did not accept the " .. what
      .. (fields ~= "" and (" (" .. fields .. ")") or "") .. ": " .. msg
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
  return "Salesforce refused that (" .. (code ~= "" and code or ("HTTP " .. status)) .. "): "
    .. msg
end

--- The value of a record's field as shown to the end user (nothing for null).
function _M.show(v)
  if v == nil or type(v) == "userdata" or v == "" then return "-" end
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

--- A record's summary: its Name and Id, then "Label: value" per field.
function _M.summary(record, fields)
  local out = { _M.show(record.Name) .. " (" .. tostring(record.Id) .. ")" }
  for _, f in ipairs(fields) do out[#out + 1] = f .. ": " .. _M.show(record[f]) end
  return table.concat(out, "\n")
end

--- The next page of a list or search service's records, kept at
-- context.page: { text, more, offset } (call it from a script node).
function _M.next_page(context, service, fields, what)
  local body = context[service].response.body
  local records = body.records or body
  local offset = context.page and (context.page.offset + _M.PAGE) or 0
  local lines, more, left = _M.page(records, offset, fields, body.totalSize or #records, what)
  context.page = { text = table.concat(lines, "\n"), more = more, left = left,
    offset = offset }
end

--- The page of `records` from `offset` (0-based): the lines to print and
-- whether more are left, and how many. `total` is the number found.
function _M.page(records, offset, fields, total, what)
  local out = {}
  offset = offset or 0
  local last = math.min(#records, offset + _M.PAGE)
  total = total or #records
  if total == 0 then return { "I found no " .. what .. "." }, false end
  if offset == 0 then
    out[1] = "I found " .. total .. " " .. what .. ":"
  end
  for i = offset + 1, last do
    out[#out + 1] = i .. ". " .. _M.line(records[i], fields)
  end
  return out, last < #records, #records - last
end

return _M
