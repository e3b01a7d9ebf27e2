---@meta salesforce.client
-- LuaLS annotations for `require "salesforce.client"`: the module that makes
-- REST clients. Scripts get clients from salesforce.connect; the class and
-- its methods (salesforce.Client) are annotated in meta/salesforce.lua.

---@class salesforce.client
---@field Client salesforce.Client the class table shared by every client
---Seconds before expiry (obtained_at + expires_in) at which a token is
---renewed before use, single-flight (at most half its lifetime): 60.
---@field REFRESH_SKEW integer
local client = {}

---@class salesforce.ClientNewOptions
---Pinned API version, "62.0" or "v62.0"; default: one GET of /services/data/
---picks the newest the org offers.
---@field version? string|number
---A session (stored tokens, single-flight refresh) to refresh through.
---@field session? salesforce.Session
---Runs the grant again when the token set has no refresh token (JWT
---bearer, client credentials): the session calls it under its store lock,
---so that one process renews and the others use what it stored.
---@field reauth? fun(): salesforce.Tokens|nil, salesforce.Error?
---Close `http` with the client.
---@field owns_http? boolean

---(advanced) Builds a client over an HTTP runtime and a token set (at least
---access_token and instance_url: tokens without an instance give nil, err
---of kind "config"). Without opts.version, looks the newest API
---version up (and on failure closes what it owns and returns nil, err).
---Raises for a malformed version (like "62.0").
---@param http salesforce.Http
---@param tokens salesforce.Tokens|{ access_token: string, instance_url: string }
---@param opts? salesforce.ClientNewOptions
---@return salesforce.Client|nil client
---@return salesforce.Error? err
function client.new(http, tokens, opts) end

return client
