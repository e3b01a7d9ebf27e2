-- salesforce.oauth: Salesforce (and standard) OAuth 2.0 from Lua, over the
-- C core. Every grant checks the token response (for the Salesforce kind:
-- instance_url on an allowed Salesforce domain, the signature when the
-- secret is known) and returns a token table, or nil and a structured
-- error. The workspace model (profiles, stored
-- authorizations, end-user links) is salesforce.workspace, built on this.
--
--   local oauth = require "salesforce.oauth"
--   local client = oauth.new{ client_id = ..., client_secret = ...,
--     login_url = "https://login.salesforce.com",
--     redirect_uri = "http://localhost:1717/callback", scope = "api refresh_token" }
--   local url, pending = client:authorize_url()      -- open url; keep pending
--   local tokens = assert(client:exchange_code(code, pending.verifier))
require "salesforce" -- registers salesforce.core and the embedded submodules
local core = require "salesforce.core"
local cjson = require "cjson.safe"

local error, setmetatable, type = error, setmetatable, type

local _M = {}

local Client = {}
Client.__index = Client

--- A client of one connected app. opts: client_id (required),
-- client_secret, login_url (default https://login.salesforce.com) or
-- authorize_url/token_url/revoke_url (no revoke_url with token_url: the
-- server offers no revocation, and revoke() says so), refresh_url,
-- redirect_uri, scope; kind ("salesforce", the default, or "oauth2": any
-- standard OAuth 2.0 server, no Salesforce field demanded); client_auth
-- ("client_secret_post", the default, "client_secret_basic" or "none");
-- policy {allow_loopback, allowed_domains}; http (options for the
-- transport: ca_file, timeout_ms, log_level, ...).
function _M.new(opts)
  if type(opts) ~= "table" or type(opts.client_id) ~= "string" then
    error("salesforce.oauth.new needs a table with client_id", 2)
  end
  local login = (opts.login_url or "https://login.salesforce.com"):gsub("/+$", "")
  local app = {
    client_id = opts.client_id, client_secret = opts.client_secret,
    authorize_url = opts.authorize_url or (login .. "/services/oauth2/authorize"),
    token_url = opts.token_url or (login .. "/services/oauth2/token"),
    refresh_url = opts.refresh_url,
    revoke_url = opts.revoke_url or (not opts.token_url and (login .. "/services/oauth2/revoke")
      or nil),
    redirect_uri = opts.redirect_uri, scope = opts.scope,
    kind = opts.kind, client_auth = opts.client_auth,
  }
  local http, err = core.http_new(opts.http)
  if not http then return nil, err end
  return setmetatable({ app = app, policy = opts.policy, http = http, login_url = login },
    Client)
end

-- The open runtime; a closed client raises as every closed handle does.
function Client:runtime()
  if not self.http then error("attempt to use a closed OAuth client", 3) end
  return self.http
end

--- A fresh PKCE pair (verifier, S256 challenge); with a verifier, its
-- challenge.
_M.pkce = core.oauth_pkce
--- A fresh random state value.
_M.random_state = core.oauth_random_state
--- Checks base64(HMAC-SHA256(secret, id .. issued_at)) in constant time.
_M.verify_signature = core.oauth_verify_signature

--- The authorization URL (web-server flow) and what to keep until the
-- redirect comes back: { state, verifier }. `extra` is appended as is.
function Client:authorize_url(extra)
  local verifier, challenge = core.oauth_pkce()
  local state = core.oauth_random_state()
  return core.oauth_authorize_url(self.app, state, challenge, extra),
    { state = state, verifier = verifier }
end

function Client:exchange_code(code, verifier)
  return core.oauth_exchange_code(self:runtime(), self.app, self.policy, code, verifier)
end

function Client:refresh(refresh_token)
  return core.oauth_refresh(self:runtime(), self.app, self.policy, refresh_token)
end

function Client:client_credentials()
  return core.oauth_client_credentials(self:runtime(), self.app, self.policy)
end

--- JWT bearer: `key_file` is a PEM RSA key; audience defaults to the
-- login URL.
function Client:jwt_bearer(key_file, username, audience)
  return core.oauth_jwt_bearer(self:runtime(), self.app, self.policy, key_file, username,
    audience or self.login_url)
end

--- Legacy username-password flow (password includes the security token).
function Client:password(username, password)
  return core.oauth_password(self:runtime(), self.app, self.policy, username, password)
end

--- Device flow: start() -> {device_code, user_code, verification_uri,
-- interval}; poll(device_code) -> tokens, or nil, err with err.kind
-- "pending" (err.remote_code "slow_down": wait 5 s longer).
function Client:device_start()
  return core.oauth_device_start(self:runtime(), self.app)
end

function Client:device_poll(device_code)
  return core.oauth_device_poll(self:runtime(), self.app, self.policy, device_code)
end

function Client:revoke(token)
  return core.oauth_revoke(self:runtime(), self.app, token)
end

-- GETs `url` with the bearer token of `tokens`; the decoded document.
local function get_json(self, url, tokens, what)
  local body, err = core.oauth_get(self:runtime(), url, tokens.access_token)
  if not body then return nil, err end
  local doc = cjson.decode(body)
  if type(doc) ~= "table" then
    return nil, core.new_error{ kind = "protocol", message = what .. " answered no JSON" }
  end
  return doc
end

--- The identity document of tokens (a table), or nil, err.
function Client:identity(tokens)
  return get_json(self, tokens.id, tokens, "the identity URL")
end

--- The OpenID Connect userinfo of tokens (a table), or nil, err.
function Client:userinfo(tokens)
  return get_json(self, tokens.instance_url:gsub("/+$", "") .. "/services/oauth2/userinfo",
    tokens, "userinfo")
end

function Client:close()
  if self.http then self.http:close() self.http = nil end
end
Client.__close = Client.close

return _M
