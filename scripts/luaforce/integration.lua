-- luaforce.integration: the lifecycle of a bot's Salesforce integration
-- (after Kore.ai's actions): available -> configured <-> disabled ->
-- deleted (available again), and error when a pre-authorization is lost.
-- The record lives in the workspace configuration, written under the
-- store lock and atomically (salesforce.workspace's update); never a secret.
local workspace = require "salesforce.workspace"

local error, ipairs, os, pairs, require, tostring, type =
  error, ipairs, os, pairs, require, tostring, type

local _M = {}

_M.NAMES = { "salesforce" }
_M.MODES = { ["pre-authorize"] = true, ["allow-users"] = true }

local function fail(kind, message)
  return nil, require("salesforce.errors").new(kind, message)
end

-- Raises, naming the caller of `fname`, unless ws is a workspace and
-- name a known integration.
local function check_args(ws, name, fname)
  if type(ws) ~= "table" or type(ws.config) ~= "function" then
    error(fname .. ": bad argument #1 (a workspace expected)", 3)
  end
  if name ~= "salesforce" then
    error(fname .. ": bad argument #2 (unknown integration '" .. tostring(name)
      .. "'; known: salesforce)", 3)
  end
end

-- The stored record of `name`, or nil (available).
local function record(ws, name)
  local cfg, e = ws:config()
  if not cfg then return nil, e end
  local r = type(cfg.integrations) == "table" and cfg.integrations[name] or nil
  return type(r) == "table" and r or false
end

-- Why the pre-authorization of `app` is unusable, or nil when it is there.
local function lost(ws, app)
  local a = ws:authorization(app, nil)
  if not a then
    return "there is no stored authorization of app '" .. app .. "' for the workspace"
  end
  if a.renewal_failure then return "it cannot be renewed: " .. a.renewal_failure end
  return nil
end

-- In allow-users mode: how many end users have authorized `app`, and the
-- org and edition they authorized (several joined by ", "), or nil.
local function end_users(ws, app)
  local n, orgs, editions, seen = 0, {}, {}, {}
  for _, a in ipairs(ws:status(app) or {}) do
    if not a.workspace then
      n = n + 1
      local org = type(a.org_name) == "string" and a.org_name or nil
      if org and not seen[org] then
        seen[org] = true
        orgs[#orgs + 1] = org
        editions[#editions + 1] = tostring(a.edition or "-")
      end
    end
  end
  if #orgs == 0 then return n end
  return n, table.concat(orgs, ", "), table.concat(editions, ", ")
end

-- The status of `name` (_M.status's) without what the end users have
-- authorized: the dialog's hot path reads no end user's tokens.
local function state_of(ws, name)
  local r, e = record(ws, name)
  if r == nil then return nil, e end
  if not r then return { name = name, state = "available" } end
  local st = { name = name, state = r.state, mode = r.mode, app = r.app, org = r.org,
    edition = r.edition }
  local why = r.error
  if not why and r.mode == "pre-authorize" then why = lost(ws, r.app) end
  if why then
    st.state, st.reason = "error", why
    st.fix = ws:login_command(r.app) .. ", then luaforce integration enable " .. name
      .. " --mode " .. r.mode .. " --app " .. r.app
  end
  return st
end

--- The status of `name`: {name, state ("available", "configured",
-- "disabled" or "error"), mode, app, org, edition, users (allow-users: how
-- many end users have authorized; org and edition are theirs), reason and
-- fix (in the error state)}; or nil, err. Never a token or a secret.
function _M.status(ws, name)
  check_args(ws, name, "status")
  local st, e = state_of(ws, name)
  if st and st.mode == "allow-users" then
    st.users, st.org, st.edition = end_users(ws, st.app)
  end
  return st, e
end

--- The status of every integration (a list).
function _M.list(ws)
  if type(ws) ~= "table" or type(ws.config) ~= "function" then
    error("list: bad argument #1 (a workspace expected)", 2)
  end
  local out = {}
  for i, name in ipairs(_M.NAMES) do
    local st, e = _M.status(ws, name)
    if not st then return nil, e end
    out[i] = st
  end
  return out
end

-- The org of the pre-authorization of `app`, checked now (Trial orgs are
-- refused by the workspace's org check); or nil, err.
local function checked_org(ws, app)
  local session, e = ws:session(app, nil)
  if not session then return nil, e end
  local tokens = session:load()
  if not tokens then
    session:close()
    return fail("not_authorized", "pre-authorize mode needs a stored authorization of app '"
      .. app .. "': run '" .. ws:login_command(app) .. "' first")
  end
  local org
  org, e = ws:check_org(tokens)
  if not org and e.kind ~= "unsupported_org" then -- maybe an expired access token
    local renewed
    renewed, e = session:refresh(tokens.access_token, nil, function()
      return ws:renew(app, nil)
    end)
    if renewed ~= nil then org, e = ws:check_org(session:tokens()) end
  end
  session:close()
  if not org and e.kind ~= "unsupported_org" then
    return fail("not_authorized", "the authorization of app '" .. app .. "' cannot be used ("
      .. tostring(e.message or e) .. "): run '" .. ws:login_command(app) .. "'")
  end
  return org, e
end

--- Enables `name` (again, or with a new mode or app): opts.mode
-- "pre-authorize" or "allow-users", opts.app "system" (default) or a
-- profile. Pre-authorize needs a stored authorization of the app and a
-- supported (non-Trial) org. Returns the status, or nil, err.
function _M.enable(ws, name, opts)
  check_args(ws, name, "enable")
  if type(opts) ~= "table" or not _M.MODES[opts.mode] then
    error("enable: bad argument #3 (mode is 'pre-authorize' or 'allow-users')", 2)
  end
  local app = opts.app or workspace.SYSTEM
  if type(app) ~= "string" then error("enable: bad argument #3 (app is a string)", 2) end
  local appcfg, e = ws:app(app)
  if not appcfg then return nil, e end
  local rec = { state = "configured", mode = opts.mode, app = app, enabled_at = os.time() }
  if opts.mode == "pre-authorize" then
    local org
    org, e = checked_org(ws, app)
    if not org then return nil, e end
    rec.org, rec.edition, rec.org_id = org.org_name, org.edition, org.org_id
  end
  local ok
  ok, e = ws:update(function(cfg)
    cfg.integrations = type(cfg.integrations) == "table" and cfg.integrations or {}
    cfg.integrations[name] = rec
    return true
  end)
  if not ok then return nil, e end
  return _M.status(ws, name)
end

-- Sets the state of a configured or disabled integration.
local function set_state(ws, name, fname, want, from)
  local r, e = record(ws, name)
  if r == nil then return nil, e end
  if not r then
    return fail("state", "the " .. name .. " integration is not enabled: run "
      .. "'luaforce integration enable " .. name .. " --mode pre-authorize|allow-users'")
  end
  if r.state ~= from and r.state ~= want then
    return fail("state", "cannot " .. fname .. " the " .. name .. " integration: it is "
      .. tostring(r.state))
  end
  local ok
  ok, e = ws:update(function(cfg)
    cfg.integrations[name].state = want
    return true
  end)
  if not ok then return nil, e end
  return _M.status(ws, name)
end

--- Disables `name`: authorizations are kept; tasks answer with the bot's
-- "integration disabled" response. Returns the status, or nil, err.
function _M.disable(ws, name)
  check_args(ws, name, "disable")
  return set_state(ws, name, "disable", "disabled", "configured")
end

--- Records that the pre-authorization was found lost at run time
-- (`reason`, no secret); the status is then "error" until an enable.
function _M.mark_error(ws, name, reason)
  check_args(ws, name, "mark_error")
  return ws:update(function(cfg)
    local r = type(cfg.integrations) == "table" and cfg.integrations[name]
    if type(r) ~= "table" then return nil end
    r.error = tostring(reason)
    return true
  end)
end

--- Deletes `name`: every token of its app is revoked at Salesforce and
-- forgotten; the integration is available again. Returns the status, or
-- nil, err (nothing forgotten when a revocation failed).
function _M.delete(ws, name)
  check_args(ws, name, "delete")
  local r, e = record(ws, name)
  if r == nil then return nil, e end
  if not r then return fail("state", "the " .. name .. " integration is not enabled") end
  for _, a in ipairs(ws:status() or {}) do
    if a.profile == r.app then
      local ok, rerr = ws:revoke(a.profile, a.user)
      if not ok and rerr.kind ~= "not_found" then return nil, rerr end
    end
  end
  local ok
  ok, e = ws:update(function(cfg)
    cfg.integrations[name] = nil
    return true
  end)
  if not ok then return nil, e end
  return _M.status(ws, name)
end

-- ---- dialogs ------------------------------------------------------------------

--- The key a dialog session's state is saved under in the workspace's
-- store ("dialog-state" namespace): bot, end user and session name, the
-- user and the session percent-encoded (a '/' in one cannot make the key
-- of another user's session).
function _M.session_key(bot_name, user, session)
  local esc = require("salesforce.core").url_escape
  return bot_name .. "/" .. (user and esc(user) or "") .. "/" .. esc(session)
end

--- Seconds a temporary session (`luaforce dialog run` in allow-users mode
-- without --session) is kept after its last turn: one that a killed run
-- (a closed terminal) could not forget expires, and a later temporary run
-- removes it (sweep_temporary).
_M.TEMPORARY_TTL = 7 * 24 * 3600

-- A temporary session's name: "run-" and a random state (which
-- session_key's escaping leaves as it is).
local TEMPORARY = "run%-[%w_%-]+"

--- A fresh temporary session name.
function _M.temporary_session()
  return "run-" .. require("salesforce.core").oauth_random_state()
end

-- Whether `session` is a temporary session's name.
local function temporary(session)
  return type(session) == "string" and session:match("^" .. TEMPORARY .. "$") ~= nil
end

--- Removes the expired temporary sessions of every bot and user from the
-- workspace `ws`: `st`, a dialog store over it, drops what it reads expired.
function _M.sweep_temporary(ws, st)
  for _, key in ipairs(ws.store:list("dialog-state") or {}) do
    if key:find("/" .. TEMPORARY .. "$") then st:get("dialog-state", key) end
  end
end

-- The link slot of a session (salesforce.workspace begin's opts.slot): a
-- session's fresh link replaces its older one at once.
local function link_slot(path, session)
  return #path .. ":" .. path .. session
end

--- What the dialog runner needs of the workspace `ws` for a session of
-- the bot at `path`: the fields to add to its env. opts: user
-- (the end user's id), profile (without an integration), session (the
-- saved session's name, which links made for the user resume), link_ttl
-- (seconds a link stays valid; default $LUAFORCE_LINK_TTL, else
-- salesforce.workspace.STATE_TTL, 10 minutes). Returns
-- the fields { sf, integration, authorize, forget_link } (none when the
-- integration is not enabled), or nil, err.
function _M.dialog_env(ws, path, opts)
  local salesforce = require "salesforce"
  local st, e = state_of(ws, "salesforce")
  if not st then return nil, e end
  local out = {}
  if not st.mode then return out end -- not enabled: the caller's own connection
  out.integration = { state = st.state, mode = st.mode, app = st.app,
    lost = function(reason) _M.mark_error(ws, "salesforce", reason) end }
  if st.mode == "pre-authorize" then
    out.sf = function() return salesforce.connect{ profile = st.app, workspace = ws.dir } end
    return out
  end
  if not opts.user then
    return nil, require("salesforce.errors").new("config",
      "the integration is in allow-users mode: give the end user's id (--user)")
  end
  -- the end user's own tokens, never the workspace's or another user's
  out.sf = function()
    return salesforce.connect{ profile = st.app, user = opts.user, workspace = ws.dir }
  end
  out.authorize = function()
    local link = require("salesforce.core").oauth_random_state()
    local bind = { link = link, bot = path, user = opts.user }
    if opts.session then bind.session = opts.session end
    local ttl = opts.link_ttl or tonumber(os.getenv("LUAFORCE_LINK_TTL") or "")
    local url = ws:begin(st.app, opts.user, { bind = bind, ttl = ttl,
      slot = opts.session and link_slot(path, opts.session) })
    if not url then return nil end
    return url, link
  end
  -- the session's pending link, if any, stops working (a session that ends)
  out.forget_link = function()
    if opts.session then ws:forget_link(st.app, opts.user, link_slot(path, opts.session)) end
  end
  return out
end

--- Completes an end user's authorization from the redirect URL (the host's
-- callback handler, `luaforce auth callback`, the loopback listener) and
-- resumes the saved dialog session that waits for it, at the node that
-- needed the tokens. A callback for another user or session, an older
-- link or a replayed one is refused before the code is exchanged. Returns
-- the org facts and, when a session resumed, its messages; or nil, err.
function _M.callback(ws, redirect_url, opts)
  opts = opts or {}
  local dialog = require "luaforce.dialog"
  local runner = require "luaforce.dialog.runner"
  local store = require("luaforce.dialog.store").wrap(ws.store)
  local bot, state
  local org, e = ws:complete(redirect_url, { accept = function(bind, user)
    if type(bind) ~= "table" or not bind.session then return true end -- a plain link
    local problems
    bot, problems = dialog.load(bind.bot)
    if not bot then return nil, "the bot of this link does not load: " .. tostring(problems[1]) end
    local serr
    state, serr = store:get("dialog-state", _M.session_key(bot.name, bind.user, bind.session))
    if serr then return nil, tostring(serr) end
    local a = type(state) == "table" and state.authorization
    if bind.user ~= user or type(state) ~= "table" or state.await ~= "authorization"
      or type(a) ~= "table" or a.link ~= bind.link then
      return nil, "this authorization link is not the one the session waits for "
        .. "(another session's, or an older one): nothing resumed"
    end
    return true
  end })
  if not org then return nil, e end
  local bind = org.bind
  if type(bind) ~= "table" or not bind.session then return org end
  local env = { bot = bot, store = store, log = opts.log, trace = opts.trace }
  local fields
  fields, e = _M.dialog_env(ws, bind.bot, { user = bind.user, session = bind.session })
  if not fields then return nil, e end
  for k, v in pairs(fields) do env[k] = v end
  local messages
  state, messages = runner.authorized(state, bind.link, env)
  if type(env.sf) == "table" then env.sf:close() end
  if not state then return nil, require("salesforce.errors").new("state", messages) end
  local ok
  ok, e = store:put("dialog-state", _M.session_key(bot.name, bind.user, bind.session), state,
    temporary(bind.session) and _M.TEMPORARY_TTL or nil)
  if not ok then return nil, e end
  return org, messages
end

return _M
