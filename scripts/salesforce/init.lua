-- salesforce: the Lua half of the `salesforce` module. The C binding runs
-- this chunk with the table of C functions (`core`) and returns what it
-- returns. Helpers written in Lua live beside it as salesforce.<name> and
-- load on first use, so `require "salesforce"` stays cheap.
local core = ...

local error, package, require, rawset, setmetatable, type =
  error, package, require, rawset, setmetatable, type

-- The C functions, for the submodules (as socket.core is for socket).
package.loaded["salesforce.core"] = core

local _M = {
  _VERSION = "luaforce " .. core.versions().luaforce,
}

--- Versions of luaforce and the libraries it runs on.
-- @return table { luaforce, lua, libcurl, openssl, jansson }
function _M.versions()
  return core.versions()
end

local function http_options(opts)
  return {
    ca_file = opts.ca_file, timeout_ms = opts.timeout_ms,
    connect_timeout_ms = opts.connect_timeout_ms, max_retries = opts.max_retries,
    retry_base_ms = opts.retry_base_ms, max_host_connections = opts.max_connections,
    log_level = opts.log_level,
  }
end

-- Runs a non-interactive flow; returns a function that runs it again.
local function flow_runner(http, app, policy, opts)
  local flow = opts.flow
  if flow == "client_credentials" then
    return function() return core.oauth_client_credentials(http, app, policy) end
  elseif flow == "jwt" then
    if type(opts.key_file) ~= "string" or type(opts.username) ~= "string" then
      error("flow 'jwt' needs key_file and username", 3)
    end
    return function()
      return core.oauth_jwt_bearer(http, app, policy, opts.key_file, opts.username,
        opts.audience or app.login_url)
    end
  elseif flow == "password" then
    if type(opts.username) ~= "string" or type(opts.password) ~= "string" then
      error("flow 'password' needs username and password", 3)
    end
    return function()
      return core.oauth_password(http, app, policy, opts.username, opts.password)
    end
  elseif flow == "refresh_token" then
    if type(opts.refresh_token) ~= "string" then
      error("flow 'refresh_token' needs refresh_token", 3)
    end
    return function() return core.oauth_refresh(http, app, policy, opts.refresh_token) end
  end
  error("unknown flow " .. tostring(flow)
    .. " (client_credentials, jwt, password or refresh_token)", 3)
end

--- Connects to Salesforce and returns a client, or nil and an error.
--   { profile = "system", user = nil, workspace = dir }   a stored authorization
--   { instance_url = ..., access_token = ... }           a token you already have
--   { flow = "client_credentials"|"jwt"|"password"|"refresh_token",
--     client_id, client_secret, login_url, key_file, username, password,
--     refresh_token }                                   a non-interactive flow
--     (also token_url, audience for jwt; revoke_url, where tokens refused
--     after they were issued are revoked: default login_url's
--     /services/oauth2/revoke, none when only token_url is given)
-- Common options: version ("62.0"; default: the newest the org offers),
-- ca_file, allow_loopback, allowed_domains (override a workspace's
-- settings), store_key (a workspace's key; default $LUAFORCE_STORE_KEY),
-- max_connections (per host), timeout_ms, connect_timeout_ms, max_retries,
-- retry_base_ms, log_level.
function _M.connect(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("salesforce.connect needs a table of options", 2) end
  local client = require "salesforce.client"
  local policy = { allow_loopback = opts.allow_loopback == true,
    allowed_domains = opts.allowed_domains }
  if opts.access_token or opts.instance_url then
    if type(opts.access_token) ~= "string" or type(opts.instance_url) ~= "string" then
      error("connecting with a token needs access_token and instance_url", 2)
    end
    local ok, err = core.oauth_check_url(policy, opts.instance_url, "instance_url")
    if not ok then return nil, err end
    local http, herr = core.http_new(http_options(opts))
    if not http then return nil, herr end
    return client.new(http, { access_token = opts.access_token,
      instance_url = opts.instance_url }, { version = opts.version, owns_http = true })
  end
  if opts.flow then
    if type(opts.client_id) ~= "string" then error("a flow needs client_id", 2) end
    local login = (opts.login_url or "https://login.salesforce.com"):gsub("/+$", "")
    -- a Salesforce app: it revokes at its login host (known when the token
    -- URL is not given alone), as salesforce.oauth.new does; no URL is guessed
    local app = { client_id = opts.client_id, client_secret = opts.client_secret,
      token_url = opts.token_url or (login .. "/services/oauth2/token"), login_url = login,
      revoke_url = opts.revoke_url or ((opts.login_url or not opts.token_url)
        and login .. "/services/oauth2/revoke" or nil) }
    local http, herr = core.http_new(http_options(opts))
    if not http then return nil, herr end
    local run = flow_runner(http, app, policy, opts)
    local tokens, err = run()
    if not tokens then
      http:close()
      return nil, err
    end
    -- a memory store gives the client the same single-flight refresh
    local store = core.store_open()
    local session = core.session_new(http, store, app, policy, "connect", "_connect")
    session:save(tokens)
    return client.new(http, tokens, { session = session, version = opts.version,
      owns_http = true, reauth = not tokens.refresh_token and run or nil })
  end
  local workspace = require "salesforce.workspace"
  local ws, err = workspace.open{ dir = opts.workspace, key = opts.store_key,
    http = http_options(opts), allow_loopback = opts.allow_loopback,
    allowed_domains = opts.allowed_domains, create = false }
  if not ws then return nil, err end
  if ws.missing then
    ws:close()
    return nil, core.new_error{ kind = "config", message = "no workspace at " .. ws.dir
      .. ": authorize first ('luaforce auth login'), or name the workspace "
      .. "(workspace = DIR, $LUAFORCE_HOME)" }
  end
  local session
  session, err = ws:session(opts.profile, opts.user)
  if not session then
    ws:close()
    return nil, err
  end
  local tokens
  tokens, err = session:load()
  if not tokens then
    ws:close()
    return nil, err
  end
  local c
  -- client credentials and JWT give no refresh token: run the flow again
  local profile, user = opts.profile, opts.user
  c, err = client.new(ws:runtime(), tokens, { session = session, version = opts.version,
    reauth = function() return ws:renew(profile, user) end })
  if c then c.renewal_hint = "to authorize again, run: " .. ws:login_command(profile, user) end
  if not c then
    ws:close()
    return nil, err
  end
  c.workspace = ws -- owns the runtime and the store
  local close = c.close
  c.close = function(self)
    close(self)
    if self.workspace then self.workspace:close() self.workspace = nil end
  end
  return c
end

-- Concurrency: see salesforce.scheduler.
function _M.spawn(fn, ...) return require("salesforce.scheduler").spawn(fn, ...) end
function _M.wait(...) return require("salesforce.scheduler").wait(...) end
function _M.wait_any(...) return require("salesforce.scheduler").wait_any(...) end

-- Submodules load on first use: salesforce.oauth is require "salesforce.oauth".
local SUBMODULES = { oauth = true, soql = true, sosl = true, errors = true,
  workspace = true, scheduler = true, client = true }
return setmetatable(_M, {
  __index = function(t, name)
    if SUBMODULES[name] then
      local m = require("salesforce." .. name)
      rawset(t, name, m)
      return m
    elseif name == "null" then
      local null = require("cjson").null
      rawset(t, "null", null)
      return null
    elseif name == "quote" then
      local quote = require("salesforce.soql").quote
      rawset(t, "quote", quote)
      return quote
    end
  end,
})
