---@meta salesforce.errors
-- LuaLS annotations for `require "salesforce.errors"`: constructors of the
-- structured error (salesforce.Error, annotated in meta/salesforce.lua) that
-- every `nil, err` carries.

---@class salesforce.errors
local errors = {}

---Extra fields of errors.new.
---@class salesforce.ErrorExtra
---@field status? integer
---@field error_code? string
---@field fields? string[]
---@field errors? salesforce.ErrorDetail[]
---@field retryable? boolean default false
---@field retry_after? number seconds
---@field matches? string[]
---@field [string] any

---A new error of `kind` with `message` and the fields of `extra`
---(retryable defaults to false), with the salesforce.Error metatable (its
---tostring). Raises when kind or message is not a string.
---@param kind salesforce.ErrorKind|string
---@param message string a readable sentence; never put a secret in it
---@param extra? salesforce.ErrorExtra
---@return salesforce.Error
function errors.new(kind, message, extra) end

---The error of an HTTP answer: `status`, the decoded body (Salesforce's
---list of {errorCode, message, fields}, one such table, a string or nil) and
---the Retry-After in milliseconds. Kind "salesforce"; error_code, fields and
---errors from the body; retryable for 420, 429, 5xx, REQUEST_LIMIT_EXCEEDED
---and UNABLE_TO_LOCK_ROW. Never raises.
---@param status integer
---@param body? table|string
---@param retry_after_ms? integer
---@return salesforce.Error
function errors.from_response(status, body, retry_after_ms) end

---True when a 401 answer means an expired or invalid session that a refresh
---may cure (INVALID_SESSION_ID, not a token refused for lack of the api
---scope; or `bearer_error` "invalid_token", the error of the answer's
---`WWW-Authenticate: Bearer` challenge, RFC 6750). `body` is the text or the
---decoded list.
---Never raises.
---@param status integer
---@param body table|string|nil
---@param bearer_error? string
---@return boolean
function errors.session_expired(status, body, bearer_error) end

---(advanced) Marks a transport error from the core: "outcome_unknown" is
---made not retryable and its message says to check before retrying.
---Returns the same table, changed in place.
---Never raises.
---@param err salesforce.Error
---@return salesforce.Error
function errors.transport(err) end

return errors
