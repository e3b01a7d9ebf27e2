-- salesforce.workspace: the authorization model of a workspace (after Kore.ai's
-- Salesforce action). A workspace directory holds a token store; the
-- store also keeps the workspace configuration (the system app, custom
-- OAuth v2 profiles, settings), pending authorization states and what is
-- known of each authorized org, so all of it is written atomically, with
-- mode 0600, and sealed when LUAFORCE_STORE_KEY is set.
--
-- Profiles: "system" (the operator's connected app) and custom profiles.
-- Modes: pre-authorize (one token set for the workspace: user nil) or
-- allow users to authorize (a link per end user, whose
-- state is bound to that user and expires). Every authorization checks the
-- org and refuses Trial orgs.
require "salesforce"
local core = require "salesforce.core"
local cjson = require "cjson.safe"

local error, ipairs, math, os, pairs, rawget, setmetatable, string, table, tostring, type =
  error, ipairs, math, os, pairs, rawget, setmetatable, string, table, tostring, type

local _M = {}

_M.SYSTEM = "system"               -- the system app's profile name
_M.STATE_TTL = 600                 -- seconds an authorization link stays valid
_M.SUPPORTED = "Developer Edition and Enterprise Edition (or above: "
  .. "Unlimited, Performance) orgs"

_M.PRUNE_BATCH = 32                -- pending states begin() and complete() look at
_M.PRUNE_GRACE = 3600              -- seconds an expired state still says "expired"

local WORKSPACE = "_workspace"     -- the store name of the pre-authorized token set
local CONFIG = { WORKSPACE, "config" }
local STATES = "_states"
local LINKS = "_links"             -- a slot's current state (begin's opts.slot)
local META = "_meta"
local API_VERSION_FALLBACK = "v62.0"

local function err(kind, fmt, ...)
  return nil, core.new_error{ kind = kind, message = string.format(fmt, ...) }
end

-- Misuse: raises "bad argument #n to 'fname' (expected, got <type>)" at
-- the caller of the public method, unless value has type `want`.
local function check_arg(value, want, n, fname, expected)
  if type(value) ~= want then
    error(string.format("bad argument #%d to '%s' (%s expected, got %s)", n, fname, expected,
      type(value)), 3)
  end
end

-- ---- field validation (the seed's OAuth v2 profile fields) --------------

-- The profile kinds, client authentication methods and prompt values.
_M.KINDS = { "salesforce", "oauth2" }
_M.CLIENT_AUTH = { "client_secret_post", "client_secret_basic", "none" }
_M.PROMPTS = { "login", "consent", "select_account" }

local FIELDS = {
  -- name, required, max length, kind (text, secret, url or a list of choices)
  { "kind", false, 16, _M.KINDS },
  { "identity_provider", true, 255, "text" },
  { "client_id", true, 255, "text" },
  { "client_secret", false, 255, "secret" },
  { "client_auth", false, 32, _M.CLIENT_AUTH },
  { "authorization_url", true, 3000, "url" },
  { "token_url", true, 3000, "url" },
  { "refresh_url", false, 3000, "url" },
  { "revocation_url", false, 3000, "url" },
  { "callback_url", false, 3000, "url" },
  { "scope", false, 1000, "text" },
  { "issuer", false, 3000, "url" },
  { "prompt", false, 64, _M.PROMPTS },
  { "description", false, 1000, "text" },
}
_M.PROFILE_FIELDS = FIELDS

-- The choice list as "a, b or c".
local function choices(list)
  return table.concat(list, ", ", 1, #list - 1) .. " or " .. list[#list]
end

-- Is every space-separated word of v in list (prompt takes several)?
local function chosen(v, list, several)
  local n = 0
  for word in v:gmatch("%S+") do
    local ok = false
    for _, c in ipairs(list) do ok = ok or c == word end
    if not ok then return false end
    n = n + 1
  end
  return n == 1 or (several and n > 1)
end

local LOOPBACK = { ["127.0.0.1"] = true, localhost = true, ["[::1]"] = true }

--- Whether `host` (as parse_url gives it) names this machine's loopback:
-- 127.0.0.1, localhost or [::1], where core.listen_once listens.
function _M.is_loopback(host)
  return LOOPBACK[host] == true
end

--- Splits a URL with libcurl's URL API (core.url_parse): scheme and host
-- lower-cased (an IPv6 host in brackets), port (a number, or nil when the
-- URL names none), path (at least "/", without query or fragment); or
-- nil, err when it is not a URL or carries user information (which
-- parsers read differently: refused).
function _M.parse_url(url)
  local u, e = core.url_parse(url)
  if not u then return nil, e end
  if u.userinfo then
    return err("invalid_arg", "not a valid URL: it carries user information (user@host)")
  end
  return u.scheme, u.host, u.port, u.path
end

--- The origin of a URL, "scheme://host[:port]" (the port when it names
-- one), or nil, err.
function _M.origin(url)
  local scheme, host, port = _M.parse_url(url)
  if not scheme then return nil, host end
  return scheme .. "://" .. host .. (port and (":" .. port) or "")
end

-- https everywhere; http only on a loopback host (redirects and tests).
local function check_url(name, value)
  local scheme, host = _M.parse_url(value)
  if not scheme then
    -- libcurl's reason: no host, a port out of range, a space, ...
    return nil, string.format("%s is not a valid URL (%s): %s", name,
      host.message:gsub("^not a valid URL: ", ""), value)
  end
  if scheme ~= "https" and scheme ~= "http" then
    return nil, name .. " is not an http(s) URL: " .. value
  end
  if scheme == "http" and not LOOPBACK[host] then
    return nil, name .. " must use https (http is allowed only for loopback hosts)"
  end
  return true
end

--- Validates profile fields; returns the normalised copy or nil, message.
function _M.validate_profile(name, fields)
  if type(name) ~= "string" or not name:match("^[%w-][%w_-]*$") or #name > 64 then
    return nil, "profile names are 1-64 letters, digits, '-' and '_', not starting with '_'"
  end
  if name == _M.SYSTEM then
    return nil, "'system' is the system app; set it with 'luaforce auth system set'"
  end
  if type(fields) ~= "table" then return nil, "profile fields must be a table" end
  local out = {}
  for _, f in ipairs(FIELDS) do
    local key, required, max, kind = f[1], f[2], f[3], f[4]
    local v = fields[key]
    if v == "" then v = nil end
    if v == nil and required then
      return nil, "missing " .. key:gsub("_", " ")
    end
    if v ~= nil then
      if type(v) ~= "string" then return nil, key .. " must be a string" end
      if #v > max and type(kind) ~= "table" then
        return nil, string.format("%s is longer than %d characters", key:gsub("_", " "), max)
      end
      if v:find("[%c]") then return nil, key .. " contains control characters" end
      if kind == "url" then
        local ok, msg = check_url(key:gsub("_", " "), v)
        if not ok then return nil, msg end
      elseif type(kind) == "table" and not chosen(v, kind, key == "prompt") then
        return nil, string.format("%s must be %s, not '%s'", key:gsub("_", " "),
          choices(kind), v)
      end
      out[key] = v
    end
  end
  for key in pairs(fields) do
    local known = false
    for _, f in ipairs(FIELDS) do known = known or f[1] == key end
    if not known then return nil, "unknown profile field " .. tostring(key) end
  end
  if out.client_auth == "none" and out.client_secret then
    return nil, "a public client (client auth none) has no client secret"
  end
  return out
end

--- "********" for a set secret, "(not set)" otherwise.
function _M.mask(secret)
  if secret == nil or secret == "" then return "(not set)" end
  return "********"
end

-- ---- the workspace -------------------------------------------------------

local Workspace = {}
Workspace.__index = Workspace

--- The workspace directory: `dir`, else $LUAFORCE_HOME, else ./.luaforce.
function _M.default_dir(dir)
  return dir or os.getenv("LUAFORCE_HOME") or "./.luaforce"
end

--- Opens (creating) a workspace. opts: dir, key (store key text; default
-- $LUAFORCE_STORE_KEY), http (options for the HTTP runtime),
-- allow_loopback / allowed_domains to override the stored settings, and
-- create (default true): false for a caller that only reads, which gets,
-- when the directory does not exist, an empty workspace in memory with
-- `missing` true (nothing is created). Returns the workspace or nil, err.
function _M.open(opts)
  opts = opts or {}
  local dir = _M.default_dir(opts.dir)
  local key = opts.key or os.getenv("LUAFORCE_STORE_KEY")
  if key == "" then key = nil end
  local missing = opts.create == false and require("lfs").attributes(dir, "mode") == nil
  local store, e
  if missing then store, e = core.store_open() else store, e = core.store_open(dir, key) end
  if not store then return nil, e end
  local ws = setmetatable({ dir = dir, store = store, http_opts = opts.http or {},
    missing = missing or nil,
    policy_override = { allow_loopback = opts.allow_loopback,
      allowed_domains = opts.allowed_domains } }, Workspace)
  local cfg
  cfg, e = ws:config()
  if not cfg then
    store:close()
    return nil, e
  end
  return ws
end

-- The open store; a closed workspace raises as every closed handle does.
local function open_store(self)
  local st = rawget(self, "store")
  if not st then error("attempt to use a closed workspace", 3) end
  return st
end

function Workspace:close()
  if self.http then self.http:close() self.http = nil end
  if self.store then self.store:close() self.store = nil end
end
Workspace.__close = Workspace.close
Workspace.__gc = Workspace.close

--- The configuration (a table), read fresh from the store.
function Workspace:config()
  local raw, e = open_store(self):get(CONFIG[1], CONFIG[2])
  if not raw then
    if e.kind == "not_found" then
      return { version = 1, profiles = {}, settings = {} }
    end
    return nil, e
  end
  local cfg = cjson.decode(raw)
  if type(cfg) ~= "table" then
    return err("store", "the workspace configuration in %s is not valid JSON", self.dir)
  end
  cfg.profiles = cfg.profiles or {}
  cfg.settings = cfg.settings or {}
  return cfg
end

-- Read-modify-write of the configuration under the store lock.
function Workspace:update(fn)
  local ok, e = open_store(self):lock(CONFIG[1], CONFIG[2], 10000)
  if not ok then return nil, e end
  local cfg
  cfg, e = self:config()
  local result, ferr
  if cfg then
    result, ferr = fn(cfg)
    if result ~= nil then
      local saved, serr = open_store(self):put(CONFIG[1], CONFIG[2], cjson.encode(cfg))
      if not saved then result, ferr = nil, serr end
    end
  else
    ferr = e
  end
  open_store(self):unlock(CONFIG[1], CONFIG[2])
  return result, ferr
end

-- ---- settings, system app, profiles ------------------------------------

local SETTINGS = { ca_file = "string", allow_loopback = "boolean", allowed_domains = "table" }

--- Settings: ca_file (trusted CA bundle), allow_loopback, allowed_domains.
-- $LUAFORCE_CA_FILE and $LUAFORCE_ALLOW_LOOPBACK=1 override the stored ones.
function Workspace:settings()
  local cfg, e = self:config()
  if not cfg then return nil, e end
  local s = {}
  for k, v in pairs(cfg.settings) do s[k] = v end
  local ca = os.getenv("LUAFORCE_CA_FILE")
  if ca and ca ~= "" then s.ca_file = ca end
  local lb = os.getenv("LUAFORCE_ALLOW_LOOPBACK")
  if lb and lb ~= "" then s.allow_loopback = lb == "1" or lb == "true" end
  return s
end

function Workspace:set_settings(values)
  check_arg(values, "table", 1, "set_settings", "table of settings")
  for k, v in pairs(values) do
    if SETTINGS[k] == nil then return err("config", "unknown setting %s", tostring(k)) end
    if v ~= cjson.null and type(v) ~= SETTINGS[k] then
      return err("config", "setting %s must be a %s", k, SETTINGS[k])
    end
  end
  return self:update(function(cfg)
    for k, v in pairs(values) do
      if v == cjson.null then v = nil end
      cfg.settings[k] = v
    end
    return true
  end)
end

local SYSTEM_ENV = {
  client_id = "LUAFORCE_SYSTEM_CLIENT_ID",
  client_secret = "LUAFORCE_SYSTEM_CLIENT_SECRET",
  login_url = "LUAFORCE_SYSTEM_LOGIN_URL",
  callback_url = "LUAFORCE_SYSTEM_CALLBACK_URL",
  scope = "LUAFORCE_SYSTEM_SCOPE",
}
_M.SYSTEM_ENV = SYSTEM_ENV
_M.DEFAULT_LOGIN_URL = "https://login.salesforce.com"
_M.DEFAULT_CALLBACK = "http://localhost:1717/callback"
_M.DEFAULT_SCOPE = "api refresh_token"

--- The system app: stored values, overridden by $LUAFORCE_SYSTEM_*.
-- Returns a table with the fields set, and `source` per field.
function Workspace:system()
  local cfg, e = self:config()
  if not cfg then return nil, e end
  local sys, source = {}, {}
  for k, v in pairs(cfg.system or {}) do sys[k] = v source[k] = "workspace" end
  for k, var in pairs(SYSTEM_ENV) do
    local v = os.getenv(var)
    if v and v ~= "" then sys[k] = v source[k] = var end
  end
  sys.source = source
  return sys
end

function Workspace:set_system(fields)
  check_arg(fields, "table", 1, "set_system", "table of fields")
  for k in pairs(fields) do
    if not SYSTEM_ENV[k] then return err("config", "unknown system app field %s", tostring(k)) end
  end
  for _, k in ipairs({ "login_url", "callback_url" }) do
    if fields[k] then
      local ok, msg = check_url(k:gsub("_", " "), fields[k])
      if not ok then return err("config", "%s", msg) end
    end
  end
  for k, v in pairs(fields) do
    if #v > 3000 then return err("config", "%s is too long", k) end
  end
  return self:update(function(cfg)
    cfg.system = cfg.system or {}
    for k, v in pairs(fields) do cfg.system[k] = v ~= "" and v or nil end
    return true
  end)
end

function Workspace:add_profile(name, fields)
  local p, msg = _M.validate_profile(name, fields)
  if not p then return err("config", "%s", msg) end
  return self:update(function(cfg)
    cfg.profiles[name] = p
    return true
  end)
end

function Workspace:remove_profile(name)
  local removed, e = self:update(function(cfg)
    if not cfg.profiles[name] then return nil end
    cfg.profiles[name] = nil
    return true
  end)
  if removed == nil and e == nil then
    return err("not_found", "no profile named '%s'", name)
  end
  if not removed then return nil, e end
  -- its stored authorizations go with it
  local users = open_store(self):list(name) or {}
  for _, user in ipairs(users) do self:logout(name, user) end
  return true, #users
end

--- Profile names (sorted), "system" first when it is configured.
function Workspace:profiles()
  local cfg, e = self:config()
  if not cfg then return nil, e end
  local names = {}
  for name in pairs(cfg.profiles) do names[#names + 1] = name end
  table.sort(names)
  local sys = self:system()
  if sys and sys.client_id then table.insert(names, 1, _M.SYSTEM) end
  return names
end

--- The app table the core uses for `profile` ("system" or a custom one).
function Workspace:app(profile)
  profile = profile or _M.SYSTEM
  if profile == _M.SYSTEM then
    local sys, e = self:system()
    if not sys then return nil, e end
    if not sys.client_id then
      return err("config", "the system app is not configured: run 'luaforce auth system set "
        .. "--client-id ID --client-secret SECRET' or set LUAFORCE_SYSTEM_CLIENT_ID")
    end
    local login = (sys.login_url or _M.DEFAULT_LOGIN_URL):gsub("/+$", "")
    return {
      client_id = sys.client_id, client_secret = sys.client_secret,
      authorize_url = login .. "/services/oauth2/authorize",
      token_url = login .. "/services/oauth2/token",
      revoke_url = login .. "/services/oauth2/revoke",
      redirect_uri = sys.callback_url or _M.DEFAULT_CALLBACK,
      scope = sys.scope or _M.DEFAULT_SCOPE,
      login_url = login,
    }
  end
  local cfg, e = self:config()
  if not cfg then return nil, e end
  local p = cfg.profiles[profile]
  if not p then return err("not_found", "no profile named '%s'", profile) end
  return {
    kind = p.kind or "salesforce", client_auth = p.client_auth,
    client_id = p.client_id, client_secret = p.client_secret,
    authorize_url = p.authorization_url, token_url = p.token_url,
    refresh_url = p.refresh_url, revoke_url = p.revocation_url or _M.default_revocation_url(p),
    redirect_uri = p.callback_url or _M.DEFAULT_CALLBACK,
    scope = p.scope, issuer = p.issuer, prompt = p.prompt,
    login_url = _M.origin(p.token_url),
  }
end

--- The revocation URL of a profile (its fields, `p`) that names none: for
-- the salesforce kind, Salesforce's revoke endpoint on the token URL's host
-- (its login host); for oauth2 none (nil), since a standard server's is
-- not guessable: nothing is then revoked.
function _M.default_revocation_url(p)
  if (p.kind or "salesforce") ~= "salesforce" then return nil end
  return _M.origin(p.token_url) .. "/services/oauth2/revoke"
end

-- ---- runtime pieces --------------------------------------------------------

function Workspace:runtime()
  if self.http then return self.http end
  local s, e = self:settings()
  if not s then return nil, e end
  local opts = {}
  for k, v in pairs(self.http_opts) do opts[k] = v end
  opts.ca_file = opts.ca_file or s.ca_file
  -- LUAFORCE_LOG=debug|info|warn|error: transport logs on stderr (redacted)
  local level = os.getenv("LUAFORCE_LOG")
  if not opts.log_level and level and level ~= "" then opts.log_level = level end
  local http
  http, e = core.http_new(opts)
  if not http then return nil, e end
  self.http = http
  return http
end

--- The instance URL policy: the workspace's settings, unless open() was
-- given allow_loopback or allowed_domains.
function Workspace:policy()
  local s = self:settings() or {}
  local o = self.policy_override or {}
  local loopback = o.allow_loopback
  if loopback == nil then loopback = s.allow_loopback or false end
  return { allow_loopback = loopback, allowed_domains = o.allowed_domains or s.allowed_domains }
end

--- The longest end-user id, in bytes (any script; the token store names
-- files by a hash of long ids).
_M.USER_MAX = 65536

-- Token sets are stored under a name per user: the workspace's (user nil)
-- is WORKSPACE; an end user's is their id, with one more '_' in front when
-- it starts with '_' ("_workspace" the end user is "__workspace"). Ids not
-- starting with '_' keep the names that earlier versions, which refused
-- the others, gave them. Returns the store name of `user`, or nil and a
-- message for a bad id.
local function check_user(user)
  if user == nil then return WORKSPACE end
  if type(user) ~= "string" or user == "" or #user > _M.USER_MAX then
    return nil, "end-user ids are 1 to " .. _M.USER_MAX .. " bytes (got "
      .. (type(user) == "string" and (#user .. " bytes") or type(user)) .. ")"
  end
  if user:find("\0", 1, true) then
    return nil, "an end-user id cannot contain a NUL byte"
  end
  if user:sub(1, 1) == "_" then return "_" .. user end
  return user
end

-- The user of a store name (check_user's inverse): the end-user id, nil
-- for the workspace's, or false for a name that holds no user's tokens.
local function user_of(name)
  if name == WORKSPACE then return nil end
  if name:sub(1, 2) == "__" then return name:sub(2) end
  if name:sub(1, 1) == "_" then return false end
  return name
end

-- check_user as an error of kind "config".
local function store_name(user)
  local name, msg = check_user(user)
  if not name then return err("config", "%s", msg) end
  return name
end

-- `s` as one word of a POSIX shell command line.
local function shell_word(s)
  if s:match("^[%w@%%+=:,./_-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- "the workspace" or "user <id>", for messages.
local function whose(user)
  return user == nil and "the workspace" or ("user " .. user)
end

-- ---- the org check ------------------------------------------------------------

local function query_url(base, version, soql)
  return base .. "/services/data/" .. version .. "/query?q=" .. core.url_escape(soql)
end

--- Reads the Organization of freshly issued tokens; refuses Trial orgs.
-- Returns the org facts, or nil, err (kind "unsupported_org").
function Workspace:check_org(tokens)
  local http, e = self:runtime()
  if not http then return nil, e end
  local version = API_VERSION_FALLBACK
  local body = core.oauth_get(http, tokens.instance_url .. "/services/data/", tokens.access_token)
  local versions = body and cjson.decode(body)
  if type(versions) == "table" and #versions > 0 then
    version = "v" .. versions[#versions].version
  end
  local soql = "SELECT Id, Name, OrganizationType, IsSandbox, TrialExpirationDate, "
    .. "InstanceName FROM Organization"
  local url = query_url(tokens.instance_url, version, soql)
  body, e = core.oauth_get(http, url, tokens.access_token)
  if not body then
    e.message = string.format("the org check (GET %s) failed: %s", url, e.message)
    return nil, e
  end
  local res = cjson.decode(body)
  local org = type(res) == "table" and type(res.records) == "table" and res.records[1]
  if type(org) ~= "table" then
    return err("protocol", "the org check (GET %s) answered no Organization record", url)
  end
  local trial = org.TrialExpirationDate
  if trial ~= nil and trial ~= cjson.null and not org.IsSandbox then
    return err("unsupported_org",
      "org '%s' is a Trial org (%s, trial ends %s): Trial orgs cannot be authorized; "
        .. "luaforce supports %s", tostring(org.Name), tostring(org.OrganizationType),
      tostring(trial), _M.SUPPORTED)
  end
  return {
    org_id = org.Id, org_name = org.Name, edition = org.OrganizationType,
    sandbox = org.IsSandbox == true, instance = org.InstanceName,
    api_version = version:gsub("^v", ""),
  }
end

--- Stores the tokens of (profile, user) durably (user nil: the
-- workspace's); true or nil, err.
function Workspace:save_tokens(profile, user, tokens)
  local session, e = self:session(profile, user)
  if not session then return nil, e end
  local ok
  ok, e = session:save(tokens)
  session:close()
  if not ok then return nil, e end
  return true
end

-- Checks the org, then stores tokens of (profile, user) (user nil: the
-- workspace's) and what is known of them, with how they were obtained
-- (`how`: {flow = ..., key_file, username} for the flows renew() can run
-- again). A refused org's tokens are revoked, not stored.
function Workspace:finish(profile, user, app, tokens, how)
  local name, e = store_name(user)
  if not name then return nil, e end
  if app.kind == "oauth2" then return self:finish_oauth2(profile, user, tokens, how) end
  local org
  org, e = self:check_org(tokens)
  if not org then
    if e.kind == "unsupported_org" then
      core.oauth_revoke(self.http, app, tokens.refresh_token or tokens.access_token)
    end
    return nil, e
  end
  local ok
  ok, e = self:save_tokens(profile, user, tokens)
  if not ok then return nil, e end
  local identity = core.oauth_get(self.http, tokens.id or "", tokens.access_token)
  identity = identity and cjson.decode(identity)
  org.username = type(identity) == "table" and identity.username or nil
  org.profile, org.user, org.authorized_at = profile, user, os.time()
  org.flow = how and how.flow or "web"
  if how and how.flow == "jwt" then org.key_file, org.jwt_user = how.key_file, how.username end
  open_store(self):put(META, profile .. "/" .. name, cjson.encode(org))
  return org
end

-- An oauth2 profile's tokens: no org to check, no identity URL to read.
function Workspace:finish_oauth2(profile, user, tokens, how)
  local ok, e = self:save_tokens(profile, user, tokens)
  if not ok then return nil, e end
  local meta = { kind = "oauth2", profile = profile, user = user, authorized_at = os.time(),
    flow = how and how.flow or "web", scope = tokens.scope }
  open_store(self):put(META, profile .. "/" .. check_user(user), cjson.encode(meta))
  return meta
end

--- Runs again the flow the tokens of (profile, user) were obtained with,
-- for those that give no refresh token (client credentials, JWT bearer).
-- Returns the new tokens, unsaved (the session's renewal, which calls
-- this under the store lock, stores them), or nil, err (kind "oauth" when
-- the flow cannot be run again: authorize again).
function Workspace:renew(profile, user)
  profile = profile or _M.SYSTEM
  local name, e = store_name(user)
  if not name then return nil, e end
  local raw = open_store(self):get(META, profile .. "/" .. name)
  local meta = raw and cjson.decode(raw)
  local how = type(meta) == "table" and meta.flow or nil
  if how ~= "client_credentials" and how ~= "jwt" then
    return err("oauth", "the authorization of profile '%s' cannot be renewed without "
      .. "the user: authorize again", profile)
  end
  local app
  app, e = self:app(profile)
  if not app then return nil, e end
  local http
  http, e = self:runtime()
  if not http then return nil, e end
  if how == "jwt" then
    return core.oauth_jwt_bearer(http, app, self:policy(), meta.key_file, meta.jwt_user,
      app.login_url)
  end
  return core.oauth_client_credentials(http, app, self:policy())
end

--- The command that authorizes (profile, user) again, as it was
-- authorized (the flow, the JWT key and user), for error messages: a shell
-- command line, whatever the characters of the end-user id.
function Workspace:login_command(profile, user)
  profile = profile or _M.SYSTEM
  local opt = profile ~= _M.SYSTEM and (" --profile " .. profile) or ""
  if user ~= nil then
    return "luaforce auth link" .. opt .. " " .. shell_word("--user=" .. tostring(user))
  end
  local raw = open_store(self):get(META, profile .. "/" .. WORKSPACE)
  local meta = raw and cjson.decode(raw)
  local how = type(meta) == "table" and meta.flow or "web"
  local cmd = "luaforce auth login" .. opt
  if how == "client_credentials" then
    cmd = cmd .. " --client-credentials"
  elseif how == "jwt" then
    cmd = cmd .. " --jwt " .. shell_word(tostring(meta.key_file)) .. " --user "
      .. shell_word(tostring(meta.jwt_user))
  elseif how == "device" then
    cmd = cmd .. " --device"
  end
  return cmd
end

--- A core session of (profile, user) for requests with refresh (user
-- nil: the workspace's token set).
function Workspace:session(profile, user)
  profile = profile or _M.SYSTEM
  local name, e = store_name(user)
  if not name then return nil, e end
  local app
  app, e = self:app(profile)
  if not app then return nil, e end
  local http
  http, e = self:runtime()
  if not http then return nil, e end
  return core.session_new(http, open_store(self), app, self:policy(), profile, name)
end

-- ---- the web-server flow: links, states, callbacks -----------------------------

-- The LINKS key of a slot of (profile, user): each part length-prefixed,
-- so that no two triples share a key.
local function slot_key(profile, user, slot)
  return #profile .. ":" .. profile .. #user .. ":" .. user .. slot
end

-- Forgets a pending state and, when it is its slot's current one, the slot.
local function drop_state(st, state, pending)
  st:delete(STATES, state)
  if type(pending) == "table" and type(pending.slot) == "string"
    and st:get(LINKS, pending.slot) == state then
    st:delete(LINKS, pending.slot)
  end
end

--- Starts an authorization: returns the URL to open and the state. `user`
-- nil pre-authorizes the workspace; an end-user id makes a link for that
-- user only. The state expires after STATE_TTL seconds and works once.
-- With opts.slot (a string: a dialog session), the link replaces the
-- previous link of the same profile, user and slot: that one no longer
-- works. Each call also prunes a few long-expired states (PRUNE_BATCH).
function Workspace:begin(profile, user, opts)
  opts = opts or {}
  profile = profile or _M.SYSTEM
  local u, msg = check_user(user)
  if not u then return err("config", "%s", msg) end
  local app, e = self:app(profile)
  if not app then return nil, e end
  if not app.authorize_url then
    return err("config", "profile '%s' has no authorization URL", profile)
  end
  local extra = opts.extra
  if app.prompt then
    local p = "prompt=" .. core.url_escape(app.prompt)
    extra = extra and (extra .. "&" .. p) or p
  end
  local verifier, challenge = core.oauth_pkce()
  local state = core.oauth_random_state()
  local pending = {
    profile = profile, user = u, verifier = verifier,
    redirect_uri = app.redirect_uri, expires_at = os.time() + (opts.ttl or _M.STATE_TTL),
    ttl = opts.ttl or _M.STATE_TTL,
    bind = opts.bind,
    slot = opts.slot and slot_key(profile, u, opts.slot),
  }
  local st = open_store(self)
  self:prune_states(_M.PRUNE_BATCH)
  local ok
  ok, e = st:put(STATES, state, cjson.encode(pending))
  if not ok then return nil, e end
  if pending.slot then
    -- the slot's previous link stops working now, not when it expires
    local old = st:get(LINKS, pending.slot)
    ok, e = st:put(LINKS, pending.slot, state)
    if not ok then
      st:delete(STATES, state)
      return nil, e
    end
    if old and old ~= state then st:delete(STATES, old) end
  end
  return core.oauth_authorize_url(app, state, challenge, extra), state
end

--- Forgets the pending link of a slot (begin's opts.slot) of (profile,
-- user), when there is one: its callback is refused from now on. Returns
-- true, or nil, err for a bad user id.
function Workspace:forget_link(profile, user, slot)
  check_arg(slot, "string", 3, "forget_link", "slot name")
  local u, msg = check_user(user)
  if not u then return err("config", "%s", msg) end
  local st = open_store(self)
  local key = slot_key(profile or _M.SYSTEM, u, slot)
  local state = st:get(LINKS, key)
  if state then drop_state(st, state, { slot = key }) end
  return true
end

--- Parses the query of a redirect URL, or of a request target ("/path?...",
-- read against a loopback origin): the query part from core.url_parse,
-- split on '&' and '=', each name and value unescaped ('+' a space). nil,
-- err when it is not a URL.
function _M.parse_query(url)
  local u, e = core.url_parse(url, "http://localhost/")
  if not u then return nil, e end
  local out = {}
  for pair in (u.query or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    out[core.url_unescape(k, true)] = core.url_unescape(v, true)
  end
  return out
end

-- Whether `iss` names the profile's server: its issuer when set, else the
-- token URL's origin; for the Salesforce kind also a host the instance
-- policy allows (a My Domain host may answer for login.salesforce.com).
local function issuer_ok(self, app, iss)
  if app.issuer then return iss == app.issuer end
  if iss == app.login_url then return true end
  return app.kind ~= "oauth2" and core.oauth_check_url(self:policy(), iss, "issuer") == true
end

--- Completes an authorization from the redirect URL: checks the state
-- (known, unexpired, used once, bound to its profile and user), exchanges
-- the code with the PKCE verifier, checks the org and stores the tokens of
-- that user only. `opts.accept(bind, user)`, when given, is asked before
-- the exchange about the plain data `bind` that begin() was given (a
-- dialog session waiting for this link): nil and a message refuse the
-- callback. Returns the org facts (with `bind`) or nil, err.
function Workspace:complete(redirect_url, opts)
  check_arg(redirect_url, "string", 1, "complete", "redirect URL")
  local q, qerr = _M.parse_query(redirect_url)
  if not q then
    return err("state", "the redirect is not a URL (%s); paste the whole address the "
      .. "browser was sent to", qerr.message)
  end
  if not q.state or q.state == "" then
    return err("state", "the redirect carries no state; start the authorization again")
  end
  if not q.state:match("^[%w_-]+$") or #q.state > 128 then
    return err("state", "the redirect's state is not one luaforce issued")
  end
  local st = open_store(self)
  local raw = st:get(STATES, q.state)
  if not raw then
    return err("state", "unknown or already used state: this authorization link was not "
      .. "issued by this workspace, was completed already or was replaced by a newer link; "
      .. "start again")
  end
  -- one use only, whatever happens next
  local pending = cjson.decode(raw)
  drop_state(st, q.state, pending)
  self:prune_states(_M.PRUNE_BATCH)
  -- a state keeps the user's store name (as earlier versions did)
  local user = type(pending) == "table" and type(pending.user) == "string"
    and user_of(pending.user)
  if user == false or not pending.verifier then
    return err("state", "the pending authorization is damaged; start again")
  end
  if os.time() > (pending.expires_at or 0) then
    local ttl = math.max(0, math.tointeger(pending.ttl) or _M.STATE_TTL)
    return err("state", "the authorization link expired (links are valid for %s); start "
      .. "again (in a dialog, the end user's next message sends a fresh link)",
      (ttl > 0 and ttl % 60 == 0) and ((ttl // 60) .. " minutes") or (ttl .. " seconds"))
  end
  local app, e = self:app(pending.profile)
  if not app then return nil, e end
  -- RFC 9207: a response naming another server is a mix-up attack
  if q.iss and not issuer_ok(self, app, q.iss) then
    return err("state", "the redirect names issuer '%s', but profile '%s' expects '%s': "
      .. "refused (another server answered; check the profile's issuer)", q.iss,
      pending.profile, app.issuer or app.login_url)
  end
  if q.error then
    return err("oauth", "authorization refused: %s%s", q.error,
      q.error_description and (" (" .. q.error_description .. ")") or "")
  end
  if not q.code or q.code == "" then
    return err("state", "the redirect carries no authorization code")
  end
  if opts and opts.accept then
    local ok, why = opts.accept(pending.bind, user)
    if not ok then return err("state", "%s", tostring(why)) end
  end
  app.redirect_uri = pending.redirect_uri
  local http
  http, e = self:runtime()
  if not http then return nil, e end
  local tokens
  tokens, e = core.oauth_exchange_code(http, app, self:policy(), q.code, pending.verifier)
  if not tokens then return nil, e end
  local org
  org, e = self:finish(pending.profile, user, app, tokens)
  if org then org.bind = pending.bind end
  return org, e
end

--- Removes pending states that expired over PRUNE_GRACE seconds ago (until
-- then their callback still says the link expired) and damaged ones;
-- returns how many. With `max`, looks at no more than `max` states, from
-- a random place in the list, so that repeated calls reach all of them.
function Workspace:prune_states(max)
  if max ~= nil then check_arg(max, "number", 1, "prune_states", "number") end
  local st = open_store(self)
  local names = st:list(STATES) or {}
  local count = #names
  local checked = math.min(max or count, count)
  local first = checked < count and math.random(count) or 1
  local n = 0
  for i = 0, checked - 1 do
    local state = names[(first - 1 + i) % count + 1]
    local raw = st:get(STATES, state)
    local p = raw and cjson.decode(raw)
    if raw and (type(p) ~= "table" or type(p.expires_at) ~= "number"
      or os.time() > p.expires_at + _M.PRUNE_GRACE) then
      drop_state(st, state, p)
      n = n + 1
    end
  end
  return n
end

-- ---- the other flows (pre-authorize the workspace) -----------------------------

local function flow(self, profile, how, run)
  profile = profile or _M.SYSTEM
  local app, e = self:app(profile)
  if not app then return nil, e end
  local http
  http, e = self:runtime()
  if not http then return nil, e end
  local tokens
  tokens, e = run(http, app, self:policy())
  if not tokens then return nil, e end
  return self:finish(profile, nil, app, tokens, how)
end

--- JWT bearer for `username` with a PEM RSA key; audience: the login URL.
function Workspace:login_jwt(profile, key_file, username)
  -- renew() may run later from another directory
  if type(key_file) == "string" and key_file:sub(1, 1) ~= "/" then
    key_file = (os.getenv("PWD") or ".") .. "/" .. key_file
  end
  local how = { flow = "jwt", key_file = key_file, username = username }
  return flow(self, profile, how, function(http, app, policy)
    return core.oauth_jwt_bearer(http, app, policy, key_file, username, app.login_url)
  end)
end

function Workspace:login_client_credentials(profile)
  return flow(self, profile, { flow = "client_credentials" }, function(http, app, policy)
    return core.oauth_client_credentials(http, app, policy)
  end)
end

--- Legacy username-password flow (the core logs a warning through the
-- runtime's log; Salesforce is retiring the flow).
function Workspace:login_password(profile, username, password)
  return flow(self, profile, { flow = "password" }, function(http, app, policy)
    return core.oauth_password(http, app, policy, username, password)
  end)
end

--- Device flow. `on_code(info)` is called once with {user_code,
-- verification_uri, interval}; polling honours interval and slow_down and
-- gives up after `timeout` seconds (default 600).
function Workspace:login_device(profile, on_code, timeout)
  check_arg(on_code, "function", 2, "login_device", "function")
  return flow(self, profile, { flow = "device" }, function(http, app, policy)
    local info, e = core.oauth_device_start(http, app)
    if not info then return nil, e end
    on_code(info)
    local interval = (info.interval or 5) * 1000
    local deadline = os.time() + (timeout or 600)
    while os.time() < deadline do
      core.sleep(interval)
      local tokens, perr = core.oauth_device_poll(http, app, policy, info.device_code)
      if tokens then return tokens end
      if perr.kind ~= "pending" then return nil, perr end
      if perr.remote_code == "slow_down" then interval = interval + 5000 end
    end
    return err("timeout", "the device code expired before it was approved")
  end)
end

-- ---- status, logout, revoke ------------------------------------------------------

-- status()'s entry of the token set of `user` stored as `name`, or nil
-- when none is stored.
local function authorization(st, profile, name, user)
  local raw = st:get(profile, name)
  if not raw then return nil end
  local entry = {}
  local meta = st:get(META, profile .. "/" .. name)
  meta = meta and cjson.decode(meta)
  if type(meta) == "table" then
    for k, v in pairs(meta) do entry[k] = v end
  end
  entry.profile, entry.user, entry.workspace = profile, user, user == nil or nil
  local t = cjson.decode(raw)
  if type(t) == "table" and t.obtained_at then
    entry.token_age = math.floor(os.time() - t.obtained_at)
    entry.has_refresh_token = t.refresh_token ~= nil
  end
  if type(t) == "table" and type(t.renewal_failure) == "table" then
    entry.renewal_failure = t.renewal_failure.message
  end
  return entry
end

--- The stored authorization of (profile, user) (user nil: the
-- workspace's) as status() lists it, or nil when there is none (nil, err
-- for a bad user id). Reads that one only.
function Workspace:authorization(profile, user)
  profile = profile or _M.SYSTEM
  local name, e = store_name(user)
  if not name then return nil, e end
  return authorization(open_store(self), profile, name, user)
end

--- Every stored authorization: {profile, user (the end-user id; nil for
-- the workspace's), workspace (true for the workspace's), org_name,
-- edition, username, token_age (seconds), authorized_at, renewal_failure
-- (why its refresh token is no longer sent, when it is not)}. Never a
-- token. With `only` (a profile), those of that profile only.
function Workspace:status(only)
  local names, e
  if only ~= nil then names = { only } else names, e = self:profiles() end
  if not names then return nil, e end
  local st, out = open_store(self), {}
  for _, profile in ipairs(names) do
    for _, name in ipairs(st:list(profile) or {}) do
      local user = user_of(name)
      -- (nil: forgotten since it was listed)
      if user ~= false then out[#out + 1] = authorization(st, profile, name, user) end
    end
  end
  return out
end

-- A store error about (profile, user): "not_found" names them, not the
-- store name.
local function store_error(e, profile, user)
  if e.kind == "not_found" then
    return err("not_found", "no stored authorization of profile '%s' for %s", profile,
      whose(user))
  end
  return nil, e
end

--- Forgets the tokens of (profile, user) locally (user nil: the
-- workspace's).
function Workspace:logout(profile, user)
  profile = profile or _M.SYSTEM
  local name, e = store_name(user)
  if not name then return nil, e end
  local ok
  ok, e = open_store(self):delete(profile, name)
  open_store(self):delete(META, profile .. "/" .. name)
  if not ok then return store_error(e, profile, user) end
  return true
end

--- Revokes the tokens of (profile, user) at Salesforce (user nil: the
-- workspace's), then forgets them.
function Workspace:revoke(profile, user)
  profile = profile or _M.SYSTEM
  local name, e = store_name(user)
  if not name then return nil, e end
  local raw
  raw, e = open_store(self):get(profile, name)
  if not raw then return store_error(e, profile, user) end
  local t = cjson.decode(raw) or {}
  local app
  app, e = self:app(profile)
  if not app then return nil, e end
  local http
  http, e = self:runtime()
  if not http then return nil, e end
  if not app.revoke_url then
    return err("unsupported", "profile '%s' names no revocation URL: the server offers no "
      .. "token revocation, so nothing was revoked; 'luaforce auth logout' forgets the "
      .. "tokens here (they stay valid at the server until they expire)", profile)
  end
  local ok
  ok, e = core.oauth_revoke(http, app, t.refresh_token or t.access_token or "")
  if not ok and e.remote_code ~= "invalid_token" then return nil, e end
  return self:logout(profile, user)
end

--- Whether tokens of `profile` can be revoked at the server (it has a
-- revocation URL).
function Workspace:can_revoke(profile)
  local app = self:app(profile or _M.SYSTEM)
  return app ~= nil and app.revoke_url ~= nil
end

_M.Workspace = Workspace
return _M
