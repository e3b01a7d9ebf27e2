---@meta salesforce.oauth
-- LuaLS annotations for `require "salesforce.oauth"`: Salesforce OAuth 2.0
-- grants for one connected app, over the C core. Every grant checks the
-- token response (its signature when the secret is known, instance_url on
-- an allowed domain) and returns a salesforce.Tokens, or nil and a
-- salesforce.Error. The workspace model (profiles, stored tokens, links)
-- is salesforce.workspace, built on this.

---@class salesforce.oauth
local oauth = {}

---Options of the HTTP runtime (salesforce.oauth.new{ http = ... },
---salesforce.workspace.open{ http = ... }). A wrong type raises.
---@class salesforce.HttpOptions
---@field ca_file? string trusted CA bundle (PEM)
---@field user_agent? string
---@field connect_timeout_ms? integer default 10000
---@field timeout_ms? integer one whole attempt; default 120000
---@field max_retries? integer default 3
---@field retry_base_ms? integer first backoff; default 250
---@field max_host_connections? integer per host; default 20, 0: no limit
---@field log_level? salesforce.LogLevel

---Where instance URLs may point. Default: https on Salesforce's domains.
---@class salesforce.Policy
---@field allow_loopback? boolean allow http and loopback hosts (the emulator)
---@field allowed_domains? string[] domains allowed instead (at most 32)

---"salesforce" (a connected app: instance_url required, signature checked
---and, with a secret, required) or "oauth2" (a standard OAuth 2.0 server:
---only access_token required; a signature that comes is still checked).
---@alias salesforce.ProfileKind "salesforce"|"oauth2"

---How the client authenticates at the token and revocation endpoints:
---id and secret in the form (the default), HTTP Basic of the
---form-urlencoded id and secret (RFC 6749 2.3.1), or a public client
---(client_id only; the secret is never sent).
---@alias salesforce.ClientAuth "client_secret_post"|"client_secret_basic"|"none"

---A connected app as the core sees it. A kind or client_auth not in the
---lists raises ("bad argument ... invalid option").
---@class salesforce.OAuthApp
---@field kind? salesforce.ProfileKind default "salesforce"
---@field client_auth? salesforce.ClientAuth default "client_secret_post"
---@field client_id string
---@field client_secret? string
---@field authorize_url? string
---@field token_url string
---@field refresh_url? string
---RFC 7009 endpoint; none: revoke fails with nothing sent (never guessed)
---@field revoke_url? string
---@field redirect_uri? string
---@field scope? string
---@field login_url? string

---Options of salesforce.oauth.new.
---@class salesforce.oauth.Options
---@field client_id string the consumer key (required)
---@field client_secret? string the consumer secret
---Default "https://login.salesforce.com"; the endpoints below default to
---its /services/oauth2/authorize, /token and /revoke.
---@field login_url? string
---@field authorize_url? string
---@field token_url? string
---Default login_url .. "/services/oauth2/revoke"; with a custom token_url,
---none (then revoke() fails with kind "invalid_arg": no revocation URL).
---@field revoke_url? string
---@field kind? salesforce.ProfileKind default "salesforce"
---@field client_auth? salesforce.ClientAuth default "client_secret_post"
---@field refresh_url? string token endpoint for refreshes, if not token_url
---@field redirect_uri? string the callback URL (web-server flow)
---@field scope? string e.g. "api refresh_token"
---@field policy? salesforce.Policy
---@field http? salesforce.HttpOptions

---What to keep from authorize_url until the redirect comes back.
---@class salesforce.oauth.Pending
---@field state string compare with the redirect's state
---@field verifier string the PKCE verifier for exchange_code

---The device flow's codes (Client:device_start).
---@class salesforce.DeviceCode
---@field device_code string poll with it
---@field user_code string the code the user enters
---@field verification_uri string where the user enters it
---@field interval integer seconds between polls

---A client of one connected app (salesforce.oauth.new). Grants return a
---token set, or nil and an error. Closed by close() or a to-be-closed
---variable; using it after close() raises.
---@class salesforce.oauth.Client
---@field app salesforce.OAuthApp
---@field policy? salesforce.Policy
---@field login_url string
---@field http salesforce.Http|nil (advanced) nil once closed
local Client = {}

---A client of one connected app. Raises when opts is not a table with a
---string client_id or an http option has a wrong type; returns nil, err when
---the HTTP runtime cannot be created.
---@param opts salesforce.oauth.Options
---@return salesforce.oauth.Client|nil client
---@return salesforce.Error? err
function oauth.new(opts) end

---A fresh PKCE pair (verifier, S256 challenge); with a verifier, that
---verifier and its challenge. Raises for an invalid verifier.
---@param verifier? string
---@return string verifier
---@return string challenge
function oauth.pkce(verifier) end

---A fresh random state value for the web-server flow.
---Raises only when the system has no randomness.
---@return string
function oauth.random_state() end

---Checks a token response's signature, base64(HMAC-SHA256(secret, id ..
---issued_at)), in constant time.
---Raises when an argument is not a string.
---@param secret string the consumer secret
---@param id string the identity URL
---@param issued_at string
---@param signature string
---@return boolean
function oauth.verify_signature(secret, id, issued_at, signature) end

---The authorization URL of the web-server flow (PKCE S256 and a fresh
---state) and what to keep until the redirect comes back. `extra` is
---appended to the query as is ("prompt=login"). Raises when the app has no
---redirect_uri.
---@param extra? string
---@return string url
---@return salesforce.oauth.Pending pending
function Client:authorize_url(extra) end

---Exchanges the redirect's code (with the pending PKCE verifier).
---nil, err when the server refuses it (kind "oauth") or the answer fails a check.
---@param code string
---@param verifier? string
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:exchange_code(code, verifier) end

---Refresh token grant (the answer may carry a rotated refresh token).
---nil, err (kind "oauth", remote_code "invalid_grant" when revoked or expired).
---@param refresh_token string
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:refresh(refresh_token) end

---Client credentials grant (the connected app's run-as user).
---nil, err when the server refuses it or the answer fails a check.
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:client_credentials() end

---JWT bearer grant: `key_file` is a PEM RSA private key; audience defaults
---to the login URL.
---nil, err when the key cannot be read or the server refuses it.
---@param key_file string
---@param username string
---@param audience? string
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:jwt_bearer(key_file, username, audience) end

---Legacy username-password grant (password followed by the security token).
---nil, err when the server refuses it or the answer fails a check.
---@param username string
---@param password string
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:password(username, password) end

---Starts the device flow: show user_code and verification_uri, then poll.
---nil, err when the server refuses it.
---@return salesforce.DeviceCode|nil codes
---@return salesforce.Error? err
function Client:device_start() end

---Polls the device flow once: the tokens, or nil, err with err.kind
---"pending" while the user has not approved (err.remote_code "slow_down":
---wait 5 s longer between polls).
---@param device_code string
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Client:device_poll(device_code) end

---Revokes a token (a refresh token revokes its access tokens too) at
---revoke_url (RFC 7009), authenticating the client as the token endpoint does.
---nil, err when the server refuses it.
---@param token string
---@return true|nil ok
---@return salesforce.Error? err
function Client:revoke(token) end

---The identity document of a token set (tokens.id), as JSON text (not
---decoded). Raises when tokens has no id or access_token.
---@param tokens salesforce.Tokens
---@return string|nil json
---@return salesforce.Error? err
function Client:identity(tokens) end

---Closes the client's HTTP runtime. Idempotent.
---Never fails.
function Client:close() end

return oauth
