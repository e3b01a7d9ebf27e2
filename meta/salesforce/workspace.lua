---@meta salesforce.workspace
-- LuaLS annotations for `require "salesforce.workspace"`: the authorization
-- model of a workspace directory (system app and custom OAuth v2 profiles,
-- pre-authorized or per-end-user token sets, authorization links), as the
-- `luaforce auth` commands use it. Methods return nil, err (a
-- salesforce.Error) on failure.

---@class salesforce.workspace
---@field SYSTEM "system" the system app's profile name
---@field STATE_TTL integer seconds an authorization link stays valid (600)
---@field PRUNE_BATCH integer pending states begin() and complete() look at to prune (32)
---@field PRUNE_GRACE integer seconds an expired state is kept (its callback says it expired)
---@field SUPPORTED string the org editions luaforce supports, as a sentence
---@field USER_MAX integer the longest end-user id, in bytes (65536); any bytes but NUL
---The profile fields, each a list { name, required, max length, kind } with
---kind "text", "secret" or "url".
---@field PROFILE_FIELDS table[]
---System app field -> the environment variable that overrides it.
---@field SYSTEM_ENV table<string, string>
---@field DEFAULT_LOGIN_URL string "https://login.salesforce.com"
---@field DEFAULT_CALLBACK string "http://localhost:1717/callback"
---@field DEFAULT_SCOPE string "api refresh_token"
---@field Workspace salesforce.Workspace the class table
local workspace = {}

---@class salesforce.workspace.OpenOptions
---@field dir? string default $LUAFORCE_HOME, else ./.luaforce
---@field key? string store key text; default $LUAFORCE_STORE_KEY (none: plain files)
---@field http? salesforce.HttpOptions options of the workspace's HTTP runtime
---Default true. false: a caller that only reads; when the directory does
---not exist, an empty workspace in memory (`missing` true), nothing created.
---@field create? boolean

---The fields of a custom OAuth v2 profile (the seed's authorization
---profile). URLs are https, or http on a loopback host.
---@class salesforce.ProfileFields
---@field kind? salesforce.ProfileKind default "salesforce"
---@field identity_provider string required, at most 255 characters
---@field client_id string required
---@field client_secret? string (not with client_auth "none")
---@field client_auth? salesforce.ClientAuth default "client_secret_post"
---@field authorization_url string required
---@field token_url string required
---@field refresh_url? string
---RFC 7009 endpoint. Default for the salesforce kind: /services/oauth2/revoke
---on the token URL's host; for oauth2 none (never guessed): nothing can be
---revoked
---@field revocation_url? string
---The server's issuer: a redirect whose `iss` (RFC 9207) differs is
---refused; default the token URL's origin (for the Salesforce kind also
---any host an instance URL may be on).
---@field issuer? string
---"login", "consent" or "select_account" (space-separated combinations
---too), sent as `prompt` with the authorization request.
---@field prompt? string
---@field callback_url? string default DEFAULT_CALLBACK
---@field scope? string
---@field description? string

---@class salesforce.WorkspaceSettings
---@field ca_file? string trusted CA bundle ($LUAFORCE_CA_FILE overrides)
---@field allow_loopback? boolean ($LUAFORCE_ALLOW_LOOPBACK=1 overrides)
---@field allowed_domains? string[]

---The system app: its stored fields, overridden by $LUAFORCE_SYSTEM_*.
---@class salesforce.SystemApp
---@field client_id? string
---@field client_secret? string
---@field login_url? string
---@field callback_url? string
---@field scope? string
---Per field, where its value came from: "workspace" or the variable's name.
---@field source table<string, string>

---The workspace configuration as stored.
---@class salesforce.WorkspaceConfig
---@field version integer
---@field profiles table<string, salesforce.ProfileFields>
---@field settings salesforce.WorkspaceSettings
---@field system? table<string, string>

---What is known of an authorized org (never a token).
---@class salesforce.OrgInfo
---@field org_id string
---@field org_name string
---@field edition string OrganizationType, e.g. "Developer Edition"
---@field sandbox boolean
---@field instance string InstanceName
---@field api_version string the newest API version, with a "v": "v62.0"
---@field username? string from the identity document
---@field profile? string
---@field user? string the end-user id; nil for the workspace's token set
---@field authorized_at? integer seconds since the epoch

---A stored authorization, as Workspace:status lists it (never a token). The
---org fields are those stored when it was authorized.
---@class salesforce.AuthorizationStatus
---@field profile string
---@field user? string the end-user id; nil for the workspace's token set
---@field workspace? true for the workspace's (pre-authorized) token set
---@field org_id? string
---@field org_name? string
---@field edition? string
---@field sandbox? boolean
---@field instance? string
---@field api_version? string
---@field username? string
---@field authorized_at? integer seconds since the epoch
---@field token_age? integer seconds since the tokens were obtained
---@field has_refresh_token? boolean
---Why the refresh token is no longer sent (refused, answer lost, or its
---new tokens refused): authorize again. Absent when it can be renewed.
---@field renewal_failure? string

---@class salesforce.workspace.BeginOptions
---@field ttl? integer seconds the link stays valid; default STATE_TTL
---@field extra? string appended to the authorization URL's query as is
---A name (a dialog session) whose previous link, for the same profile and
---user, this one replaces: that one stops working at once.
---@field slot? string

---A workspace (salesforce.workspace.open). Close it with close() or a
---to-be-closed variable; it is also closed by the garbage collector.
---Using it after close() raises.
---@class salesforce.Workspace
---@field dir string the workspace directory
---@field missing? true opened with create = false where no workspace exists
---@field http salesforce.Http|nil (advanced) the runtime, once made
---@field private store salesforce.Store
---@field private http_opts salesforce.HttpOptions
local Workspace = {}

---Splits a URL with libcurl's URL API: scheme and host (lower case; an
---IPv6 host in brackets), port (or nil when the URL names none) and path
---(at least "/", without the query or fragment). nil, err when it is not a
---URL with a host (libcurl's reason: a port out of range, a space, a NUL
---byte, ...) or carries user information. Raises when url is not a string.
---@param url string
---@return string|nil scheme
---@return string|salesforce.Error host or the error
---@return integer|nil port
---@return string|nil path
function workspace.parse_url(url) end

---Whether `host` (as parse_url gives it) names the loopback, where the
---redirect listeners listen: "127.0.0.1", "localhost" or "[::1]".
---@param host string
---@return boolean
function workspace.is_loopback(host) end

---The origin "scheme://host[:port]" of a URL (parsed as parse_url does),
---or nil, err.
---@param url string
---@return string|nil origin
---@return salesforce.Error? err
function workspace.origin(url) end

---Validates custom profile fields; returns the normalised copy (empty
---strings dropped), or nil and a message (a string, not an error object).
---@param name string 1-64 letters, digits, '-' and '_', not starting with '_'
---@param fields salesforce.ProfileFields|table<string, string>
---@return salesforce.ProfileFields|nil profile
---@return string? message
function workspace.validate_profile(name, fields) end

---"********" for a set secret, "(not set)" otherwise.
---Never fails.
---@param secret? string
---@return string
function workspace.mask(secret) end

---The workspace directory: `dir`, else $LUAFORCE_HOME, else ./.luaforce.
---Never fails.
---@param dir? string
---@return string
function workspace.default_dir(dir) end

---Opens a workspace, creating its directory and store. Returns nil, err when
---the store cannot be opened (a wrong key, ...) or its configuration read.
---@param opts? salesforce.workspace.OpenOptions
---@return salesforce.Workspace|nil ws
---@return salesforce.Error? err
function workspace.open(opts) end

---Parses the query of a URL, or of a request target ("/path?..."): the
---query part libcurl finds, split on '&' and '=', names and values
---decoded ('+' a space). nil, err when it is not a URL. Raises when url is
---not a string.
---@param url string
---@return table<string, string>|nil query
---@return salesforce.Error? err
function workspace.parse_query(url) end

---Closes the workspace's runtime and store. Idempotent.
---Never fails.
function Workspace:close() end

---The configuration, read fresh from the store.
---nil, err when the store cannot be read or holds bad JSON.
---@return salesforce.WorkspaceConfig|nil config
---@return salesforce.Error? err
function Workspace:config() end

---(advanced) Read-modify-write of the configuration under the store lock:
---fn(config) changes it and returns a value to save it (nil, err to
---abandon). Returns fn's result, or nil, err.
---@generic T
---@param fn fun(config: salesforce.WorkspaceConfig): T|nil, salesforce.Error?
---@return T|nil result
---@return salesforce.Error? err
function Workspace:update(fn) end

---The settings, with the environment's overrides applied.
---nil, err when the configuration cannot be read.
---@return salesforce.WorkspaceSettings|nil settings
---@return salesforce.Error? err
function Workspace:settings() end

---Stores settings (ca_file, allow_loopback, allowed_domains); a value of
---salesforce.null removes one. nil, err (kind "config") for an unknown
---setting or a wrong type.
---@param values salesforce.WorkspaceSettings|table<string, any>
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:set_settings(values) end

---The system app: stored values overridden by $LUAFORCE_SYSTEM_*, with the
---source of each.
---nil, err when the configuration cannot be read.
---@return salesforce.SystemApp|nil app
---@return salesforce.Error? err
function Workspace:system() end

---Stores fields of the system app (client_id, client_secret, login_url,
---callback_url, scope; "" removes one). nil, err (kind "config") for an
---unknown field, a bad URL or a value over 3000 characters.
---@param fields table<string, string>
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:set_system(fields) end

---Adds or replaces a custom profile. nil, err (kind "config") when
---validate_profile refuses it.
---@param name string
---@param fields salesforce.ProfileFields
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:add_profile(name, fields) end

---Removes a custom profile and forgets its stored authorizations. Returns
---true and how many were forgotten; nil, err (kind "not_found") when there
---is no such profile.
---@param name string
---@return true|nil ok
---@return integer|salesforce.Error count_or_err
function Workspace:remove_profile(name) end

---Profile names, sorted, "system" first when the system app is configured.
---nil, err when the configuration cannot be read.
---@return string[]|nil names
---@return salesforce.Error? err
function Workspace:profiles() end

---The app the core uses for a profile ("system" by default). nil, err
---(kind "config" or "not_found") when it is not configured.
---@param profile? string
---@return salesforce.OAuthApp|nil app
---@return salesforce.Error? err
function Workspace:app(profile) end

---(advanced) The workspace's HTTP runtime, made on first use.
---nil, err when it cannot be made; raises for a bad option type.
---@return salesforce.Http|nil http
---@return salesforce.Error? err
function Workspace:runtime() end

---The instance URL policy from the settings.
---Never fails (no settings: the default policy).
---@return salesforce.Policy
function Workspace:policy() end

---Reads the Organization of freshly issued tokens; refuses Trial orgs
---(nil, err of kind "unsupported_org"). A failing read is nil, err whose
---message names the URL called and what failed.
---@param tokens salesforce.Tokens
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:check_org(tokens) end

---(advanced) Checks the org and stores the tokens of (profile, user); a
---refused org's tokens are revoked. The login methods end with it. For an
---oauth2 profile nothing is read: the tokens are stored and the result is
---{ kind = "oauth2", profile, user, authorized_at, flow, scope }.
---nil, err as check_org, or when the store cannot write.
---@param profile string
---@param user string|nil an end-user id; nil for the workspace's token set
---@param app salesforce.OAuthApp
---@param tokens salesforce.Tokens
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:finish(profile, user, app, tokens) end

---(advanced) Runs again the flow the tokens of (profile, user) were
---obtained with, when it gives no refresh token (client credentials, JWT
---bearer), and returns the new tokens unsaved: a session's refresh calls it
---under the store lock and stores them. nil, err (kind "oauth") when the
---flow cannot be run again without the user.
---@param profile? string default "system"
---@param user? string an end-user id; nil for the workspace's token set
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Workspace:renew(profile, user) end

---The command that authorizes (profile, user) again as it was authorized
---(`luaforce auth login` with its flow's options, or `luaforce auth link`
---for an end user); clients add it to renewal errors.
---@param profile? string default "system"
---@param user? string an end-user id; nil for the workspace's token set
---@return string command
function Workspace:login_command(profile, user) end

---(advanced) A session of (profile, user) (default "system" and the
---workspace's token set) for requests with refresh; close it when done.
---nil, err when the profile is not configured.
---@param profile? string
---@param user? string
---@return salesforce.Session|nil session
---@return salesforce.Error? err
function Workspace:session(profile, user) end

---Starts an authorization (web-server flow): returns the URL to open and
---its state. `user` nil pre-authorizes the workspace; an end-user id makes
---a link for that user only. The state expires after opts.ttl seconds and
---works once; with opts.slot it replaces the slot's previous link at once.
---Also prunes a few long-expired states (prune_states(PRUNE_BATCH)).
---nil, err (kind "config") for a bad user id or profile, or a store failure.
---@param profile? string default "system"
---@param user? string an end-user id (1 to USER_MAX bytes, any but NUL)
---@param opts? salesforce.workspace.BeginOptions
---@return string|nil url
---@return string|salesforce.Error state_or_err
function Workspace:begin(profile, user, opts) end

---Completes an authorization from the redirect URL: checks the state
---(known, unexpired, used once, bound to its profile and user) and the
---redirect's `iss` when present (RFC 9207: kind "state" when it names
---another server than the profile's issuer), exchanges the code, checks
---the org (Salesforce kind) and stores the tokens of that user only.
---nil, err (kind "state", "oauth", "unsupported_org", ...) on failure.
---Raises when redirect_url is not a string.
---@param redirect_url string
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:complete(redirect_url) end

---Forgets the pending link of a slot (BeginOptions.slot) of (profile,
---user), when there is one: its callback is refused from now on. nil, err
---(kind "config") for a bad user id; raises when slot is not a string.
---@param profile? string default "system"
---@param user? string an end-user id; nil for the workspace
---@param slot string
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:forget_link(profile, user, slot) end

---Removes pending authorization states that expired over PRUNE_GRACE
---seconds ago, and damaged ones; returns how many. With `max`, looks at no
---more than `max` states, from a random place in the list (begin() and
---complete() call it with PRUNE_BATCH). Never fails.
---@param max? integer
---@return integer
function Workspace:prune_states(max) end

---Pre-authorizes the workspace with the JWT bearer flow (audience: the
---login URL).
---nil, err when the profile, grant or org check fails.
---@param profile? string default "system"
---@param key_file string PEM RSA private key
---@param username string
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:login_jwt(profile, key_file, username) end

---Pre-authorizes the workspace with the client credentials flow.
---nil, err when the profile, grant or org check fails.
---@param profile? string default "system"
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:login_client_credentials(profile) end

---Pre-authorizes the workspace with the legacy username-password flow.
---nil, err when the profile, grant or org check fails.
---@param profile? string default "system"
---@param username string
---@param password string the password followed by the security token
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:login_password(profile, username, password) end

---Pre-authorizes the workspace with the device flow: on_code(codes) is
---called once (show user_code and verification_uri); polling blocks,
---honours interval and slow_down, and gives up after `timeout` seconds
---(default 600; nil, err of kind "timeout").
---@param profile? string default "system"
---@param on_code fun(codes: salesforce.DeviceCode)
---@param timeout? integer seconds
---@return salesforce.OrgInfo|nil org
---@return salesforce.Error? err
function Workspace:login_device(profile, on_code, timeout) end

---Every stored authorization (with `only`, those of that profile), never a
---token.
---nil, err when the configuration cannot be read.
---@param only? string a profile
---@return salesforce.AuthorizationStatus[]|nil list
---@return salesforce.Error? err
function Workspace:status(only) end

---The stored authorization of (profile, user) as status() lists it,
---reading that one only; nil when there is none (nil, err for a bad id).
---@param profile? string default "system"
---@param user? string an end-user id; nil for the workspace's token set
---@return salesforce.AuthorizationStatus|nil entry
---@return salesforce.Error? err
function Workspace:authorization(profile, user) end

---Forgets the tokens of (profile, user) locally (default "system" and the
---workspace's token set).
---nil, err (kind "not_found") when nothing is stored.
---@param profile? string
---@param user? string
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:logout(profile, user) end

---Revokes the tokens of (profile, user) at the profile's revocation URL
---(with client authentication), then forgets them (an already invalid token
---is not an error).
---nil, err when nothing is stored, the server refuses, or the profile has
---no revocation URL (kind "unsupported"; nothing is revoked or forgotten).
---@param profile? string
---@param user? string
---@return true|nil ok
---@return salesforce.Error? err
function Workspace:revoke(profile, user) end

---Whether the tokens of `profile` can be revoked at the server (it names a
---revocation URL).
---@param profile? string default "system"
---@return boolean
function Workspace:can_revoke(profile) end

return workspace
