-- salesforce.errors: structured errors. Every failure of the network,
-- OAuth or Salesforce is returned as nil, err where err is a table with
--   kind         "salesforce", "connect", "timeout", "tls", "network",
--                "outcome_unknown", "oauth", "auth", "multiple_matches",
--                "protocol", ...
--   message      a readable sentence (never a secret)
--   status       the HTTP status, when a response came
--   error_code   Salesforce's errorCode (the first one), e.g. REQUIRED_FIELD_MISSING
--   fields       the fields the first error names, when it names any
--   errors       every {errorCode, message, fields[, duplicateResult]} Salesforce returned
--   retryable    whether trying again later may succeed
--   retry_after  seconds the server asked us to wait (429, 503)
-- Errors of the transport and of OAuth come from the C core with the same
-- kind/message/status/retryable fields, plus `code` (the core's stable
-- sf_code number) and `remote_code` (the OAuth `error`, e.g. invalid_grant).
-- and tostring(err) reads "salesforce error (HTTP 400): REQUIRED_FIELD_MISSING: ...".
require "salesforce"
local core = require "salesforce.core"
local cjson = require "cjson.safe"

local ipairs, pairs, string, table, tostring, type = ipairs, pairs, string, table, tostring, type

local _M = {}

--- A new error of `kind` with `message` and the optional fields of `extra`.
function _M.new(kind, message, extra)
  local e = { kind = kind, message = message }
  for k, v in pairs(extra or {}) do e[k] = v end
  if e.retryable == nil then e.retryable = false end
  return core.new_error(e)
end

local RETRYABLE_STATUS = { [420] = true, [429] = true, [500] = true, [502] = true,
  [503] = true, [504] = true }

-- Salesforce's errors in a decoded body: an array of {errorCode (or
-- statusCode), message, fields}, or the single object some resources and
-- gateways answer with instead. Returns the list (possibly empty).
local function error_list(body)
  local list = body
  if type(body) == "table" and body.errorCode then list = { body } end
  local errors = {}
  if type(list) == "table" then
    for _, e in ipairs(list) do
      if type(e) == "table" and (e.errorCode or e.statusCode) then
        errors[#errors + 1] = {
          errorCode = e.errorCode or e.statusCode, message = e.message,
          fields = type(e.fields) == "table" and e.fields or nil,
          -- DUPLICATES_DETECTED: the rule and the records it matched
          duplicateResult = type(e.duplicateResult) == "table" and e.duplicateResult or nil,
        }
      end
    end
  end
  return errors
end

--- The error of an HTTP answer `status` with decoded body `body` (a
-- table, a string or nil). `retry_after_ms` from the response, if any.
function _M.from_response(status, body, retry_after_ms)
  local errors = error_list(body)
  local first = errors[1]
  local code = first and first.errorCode or nil
  local message
  if first then
    message = string.format("%s: %s", code, tostring(first.message))
    if first.fields and #first.fields > 0 then
      message = message .. " [fields: " .. table.concat(first.fields, ", ") .. "]"
    end
    if #errors > 1 then
      message = message .. string.format(" (and %d more)", #errors - 1)
    end
  elseif type(body) == "string" and body ~= "" then
    message = "HTTP " .. status .. ": " .. body:sub(1, 200)
  else
    message = "HTTP " .. status
  end
  local retry = RETRYABLE_STATUS[status] == true or code == "REQUEST_LIMIT_EXCEEDED"
    or code == "UNABLE_TO_LOCK_ROW"
  return _M.new("salesforce", message, {
    status = status, error_code = code, fields = first and first.fields or nil,
    errors = errors, retryable = retry,
    retry_after = retry_after_ms and (retry_after_ms / 1000) or nil,
  })
end

--- The error of a 401 INVALID_SESSION_ID met by a client that cannot
-- renew its session (made from an access token alone): kind "auth", with
-- Salesforce's errorCode, message and errors kept, and what to do.
function _M.session_lost(status, body)
  local e = _M.from_response(status, body)
  return _M.new("auth", e.message .. " (this client was connected with an access "
    .. "token only and cannot renew it: connect again with a new access token, or "
    .. "with a stored authorization or a flow that can refresh)", {
      status = status, error_code = e.error_code, errors = e.errors, fields = e.fields })
end

--- True when a 401 answer means an expired or invalid session that a
-- refresh may cure: Salesforce's INVALID_SESSION_ID (not the refusal of a
-- token without the api scope), or a standard resource server's
-- `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 3.1), whose
-- error `bearer_error` is (see core.oauth_bearer_error).
function _M.session_expired(status, body, bearer_error)
  if status ~= 401 then return false end
  if bearer_error == "invalid_token" then return true end
  local list = type(body) == "string" and cjson.decode(body) or body
  local first = type(list) == "table" and (list[1] or list) or nil
  if type(first) ~= "table" or first.errorCode ~= "INVALID_SESSION_ID" then return false end
  local msg = type(first.message) == "string" and first.message or ""
  return not msg:find("not valid for use with the REST API", 1, true)
end

--- A transport error from the core (already structured): an unknown
-- outcome is never retryable without checking first.
function _M.transport(err)
  if err.kind == "outcome_unknown" then err.retryable = false end
  return err
end

return _M
