-- luaforce.commands.auth: `luaforce auth ...`, the authorization of a
-- workspace: OAuth profiles, the system app, logins (web server with PKCE,
-- JWT bearer, client credentials, device, legacy password), end-user
-- links and callbacks, status, logout and revoke. All the work is done by
-- salesforce.workspace; this file parses arguments and prints.
local auth = require "salesforce.workspace"
local args = require "luaforce.args"

local io, ipairs, next, os, string, table, tonumber, tostring =
  io, ipairs, next, os, string, table, tonumber, tostring

local out = io.stdout

local USAGE = [=[
luaforce auth [--workspace DIR] SUBCOMMAND ...

  profile add NAME --client-id ID --authorization-url URL --token-url URL
              [--kind salesforce|oauth2] [--client-secret SECRET|-]
              [--client-auth client_secret_post|client_secret_basic|none]
              [--identity-provider NAME] [--refresh-url URL]
              [--revocation-url URL] [--callback-url URL] [--scope SCOPES]
              [--issuer URL] [--prompt login|consent|select_account]
              [--description TEXT]
  profile list | show NAME | remove NAME
  system set [--client-id ID] [--client-secret SECRET|-] [--login-url URL]
             [--callback-url URL] [--scope SCOPES]
  system show
  settings [--ca-file FILE] [--allow-loopback | --no-allow-loopback]
           [--allowed-domain DOMAIN]...
  login [--profile NAME] [--paste] [--timeout SECONDS]
  login [--profile NAME] --jwt KEYFILE --user USERNAME
  login [--profile NAME] --client-credentials
  login [--profile NAME] --device
  login [--profile NAME] --password-flow --user USERNAME   (password on stdin)
  link --user USER [--profile NAME]
  callback URL
  status
  logout [--profile NAME] [--user USER]
  revoke [--profile NAME] [--user USER]]=]

local HELP = [=[
A workspace (--workspace DIR, else $LUAFORCE_HOME, else ./.luaforce) holds
the configuration and the token store: files of mode 0600, written
atomically, sealed with AES-256-GCM when $LUAFORCE_STORE_KEY is set (64 hex
digits or base64 of 32 bytes).

Apps. The system app is the operator's connected app (system set, or
$LUAFORCE_SYSTEM_CLIENT_ID, _CLIENT_SECRET, _LOGIN_URL, _CALLBACK_URL,
_SCOPE); its profile name is "system" and it is the default. Custom OAuth v2
profiles carry the fields of an authorization profile: identity provider,
client id and secret (at most 255 characters), authorization URL, token
request URL and refresh token URL (at most 3000, https except on loopback),
callback URL and scope, and:
  --kind           salesforce (the default: a connected app; the token
                   response must carry instance_url, its signature is
                   checked when the app has a secret, the org is read and
                   Trial orgs refused) or oauth2 (any standard OAuth 2.0
                   server: none of that is demanded)
  --client-auth    client_secret_post (the default: id and secret in the
                   form), client_secret_basic (HTTP Basic, RFC 6749 2.3.1)
                   or none (a public client: PKCE only, no secret)
  --revocation-url where 'revoke' revokes tokens (RFC 7009, with the same
                   client authentication); default for the salesforce
                   kind: /services/oauth2/revoke on the token URL's host;
                   an oauth2 profile without it revokes nothing
  --issuer         the server's issuer: a redirect whose 'iss' (RFC 9207)
                   names another server is refused (default: the token
                   URL's origin; for the salesforce kind also any host an
                   instance URL may be on)
  --prompt         login, consent or select_account (space-separated
                   combinations too), sent with the authorization request
Secrets are always shown masked; give '-' to read a secret from standard
input instead of the command line.

Modes. 'login' pre-authorizes the workspace: one token set that every
script and dialog of the workspace uses. 'link --user U' prints an
authorization link for one end user; its state is bound to that user,
expires after 10 minutes and works once; 'callback URL' completes it (or
any authorization) from the redirect URL and stores that user's tokens only.

login (web server flow with PKCE S256 and state) prints the URL to open.
When the callback URL is http on a loopback host with a port, luaforce
listens there for the redirect; otherwise, or with --paste, paste the URL
the browser was sent to. Every authorization reads the org and refuses
Trial orgs: luaforce supports Developer and Enterprise (or above) editions.

status lists the stored authorizations (profile, user, org, edition, token
age), never a token. logout forgets tokens locally (they stay valid at the
server until they expire); revoke also revokes them at the server, and says
so when the profile names no revocation URL (then nothing is revoked).

Settings: --ca-file trusts a CA bundle (also $LUAFORCE_CA_FILE);
--allow-loopback accepts a loopback instance URL (tests against the local
emulator; also $LUAFORCE_ALLOW_LOOPBACK=1); --allowed-domain adds to the
Salesforce domains an instance URL may be on.]=]

-- Text as HTML character data or an attribute value (the listener's page;
-- no well-kept Debian Lua package does only this: lua-cgi is an alpha,
-- Penlight's pl.xml is deprecated).
local HTML = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
  ["'"] = "&#39;" }
local function html_escape(text)
  return (text:gsub("[&<>\"']", HTML))
end

local function fail(e)
  io.stderr:write("luaforce: auth: ", tostring(e), "\n")
  return 1
end

local function usage_error(msg)
  io.stderr:write("luaforce: auth: ", msg, " (see 'luaforce help auth')\n")
  return 2
end

local function secret_value(v)
  if v == "-" then return args.read_stdin_line() end
  return v
end

local function describe_org(org)
  return string.format("%s (%s%s)%s", tostring(org.org_name), tostring(org.edition),
    org.sandbox and ", sandbox" or "",
    org.username and (" as " .. org.username) or "")
end

local function authorized(org)
  local who = org.user == nil and "the workspace" or ("user " .. org.user)
  if org.kind == "oauth2" then
    out:write(string.format("Authorized %s with profile '%s' (OAuth 2.0%s)\n", who,
      org.profile, org.scope and (", scope " .. org.scope) or ""))
    return 0
  end
  out:write(string.format("Authorized %s with profile '%s': org %s\n", who, org.profile,
    describe_org(org)))
  return 0
end

local function age(seconds)
  if not seconds then return "-" end
  if seconds < 120 then return seconds .. "s" end
  if seconds < 7200 then return (seconds // 60) .. "m" end
  if seconds < 172800 then return (seconds // 3600) .. "h" end
  return (seconds // 86400) .. "d"
end

-- ---- subcommands ---------------------------------------------------------------

local sub = {}

-- What `profile show` says for an unset field.
local DEFAULTS = {
  kind = function() return "salesforce (default)" end,
  client_auth = function(p)
    return p.client_secret and "client_secret_post (default)" or "none (no secret)"
  end,
  revocation_url = function(p)
    local url = auth.default_revocation_url(p)
    return url and url .. " (Salesforce's, on the token URL's host)"
      or "(none: tokens cannot be revoked at the server)"
  end,
  issuer = function(p)
    return auth.origin(p.token_url) .. " (the token URL's origin)"
  end,
}

function sub.profile(ws, rest)
  local action = rest[1]
  if action == "list" then
    local names, e = ws:profiles()
    if not names then return fail(e) end
    if #names == 0 then
      out:write("No profiles. Add one with 'luaforce auth profile add' or 'auth system set'.\n")
    end
    local cfg = ws:config()
    for _, name in ipairs(names) do
      local p = cfg.profiles[name]
      out:write(string.format("%-20s %s\n", name,
        p and (p.identity_provider .. "  " .. p.token_url) or "(system app)"))
    end
    return 0
  elseif action == "show" then
    local name = rest[2]
    if not name then return usage_error("profile show needs NAME") end
    if name == auth.SYSTEM then return sub.system(ws, { "show" }) end
    local cfg, e = ws:config()
    if not cfg then return fail(e) end
    local p = cfg.profiles[name]
    if not p then return fail("no profile named '" .. name .. "'") end
    out:write("name:               ", name, "\n")
    for _, f in ipairs(auth.PROFILE_FIELDS) do
      local key = f[1]
      local v = p[key]
      if f[4] == "secret" then v = auth.mask(v) end
      if key == "refresh_url" and not v then v = p.token_url .. " (the token URL)" end
      if key == "callback_url" and not v then v = auth.DEFAULT_CALLBACK .. " (default)" end
      if not v and DEFAULTS[key] then v = DEFAULTS[key](p) end
      out:write(string.format("%-19s %s\n", key:gsub("_", " ") .. ":", v or "-"))
    end
    return 0
  elseif action == "add" then
    local o, pos = args.parse(table.move(rest, 2, #rest, 1, {}), {
      ["--client-id"] = "value", ["--client-secret"] = "value",
      ["--authorization-url"] = "value", ["--token-url"] = "value",
      ["--refresh-url"] = "value", ["--callback-url"] = "value", ["--scope"] = "value",
      ["--identity-provider"] = "value", ["--description"] = "value",
      ["--kind"] = "value", ["--client-auth"] = "value", ["--revocation-url"] = "value",
      ["--issuer"] = "value", ["--prompt"] = "value",
    })
    if not o then return usage_error(pos) end
    if #pos ~= 1 then return usage_error("profile add needs exactly one NAME") end
    o.identity_provider = o.identity_provider or "Salesforce"
    if o.client_secret then o.client_secret = secret_value(o.client_secret) end
    local ok, e = ws:add_profile(pos[1], o)
    if not ok then return fail(e) end
    out:write("Profile '", pos[1], "' saved.\n")
    return 0
  elseif action == "remove" then
    local name = rest[2]
    if not name then return usage_error("profile remove needs NAME") end
    local ok, n = ws:remove_profile(name)
    if not ok then return fail(n) end
    out:write("Profile '", name, "' removed", n > 0 and
      string.format(" with its %d stored authorization(s)", n) or "", ".\n")
    return 0
  end
  return usage_error("profile needs add, list, show or remove")
end

function sub.system(ws, rest)
  local action = rest[1]
  if action == "show" then
    local sys, e = ws:system()
    if not sys then return fail(e) end
    local function line(k, v)
      local src = sys.source[k]
      out:write(string.format("%-14s %s%s\n", k:gsub("_", " ") .. ":", v or "-",
        src and src ~= "workspace" and ("  (from " .. src .. ")") or ""))
    end
    line("client_id", sys.client_id)
    line("client_secret", auth.mask(sys.client_secret))
    line("login_url", sys.login_url or (auth.DEFAULT_LOGIN_URL .. " (default)"))
    line("callback_url", sys.callback_url or (auth.DEFAULT_CALLBACK .. " (default)"))
    line("scope", sys.scope or (auth.DEFAULT_SCOPE .. " (default)"))
    return 0
  elseif action == "set" then
    local o, pos = args.parse(table.move(rest, 2, #rest, 1, {}), {
      ["--client-id"] = "value", ["--client-secret"] = "value", ["--login-url"] = "value",
      ["--callback-url"] = "value", ["--scope"] = "value",
    })
    if not o then return usage_error(pos) end
    if #pos > 0 then return usage_error("unexpected argument '" .. pos[1] .. "'") end
    if not next(o) then return usage_error("system set needs at least one option") end
    if o.client_secret then o.client_secret = secret_value(o.client_secret) end
    local ok, e = ws:set_system(o)
    if not ok then return fail(e) end
    out:write("System app saved.\n")
    return 0
  end
  return usage_error("system needs set or show")
end

function sub.settings(ws, rest)
  local o, pos = args.parse(rest, {
    ["--ca-file"] = "value", ["--allow-loopback"] = "flag", ["--no-allow-loopback"] = "flag",
    ["--allowed-domain"] = "list",
  })
  if not o then return usage_error(pos) end
  if #pos > 0 then return usage_error("unexpected argument '" .. pos[1] .. "'") end
  local values = {}
  if o.ca_file then values.ca_file = o.ca_file end
  if o.allow_loopback then values.allow_loopback = true end
  if o.no_allow_loopback then values.allow_loopback = false end
  if o.allowed_domain then values.allowed_domains = o.allowed_domain end
  if next(values) then
    local ok, e = ws:set_settings(values)
    if not ok then return fail(e) end
  end
  local s = ws:settings()
  out:write("ca_file:         ", s.ca_file or "(system store)", "\n")
  out:write("allow_loopback:  ", tostring(s.allow_loopback == true), "\n")
  out:write("allowed_domains: ", s.allowed_domains and table.concat(s.allowed_domains, " ")
    or "(Salesforce defaults)", "\n")
  return 0
end

-- The web-server flow of `login` and its redirect.
local function web_login(ws, profile, o)
  local url, e0 = ws:begin(profile, nil)
  if not url then return fail(e0) end
  local app = ws:app(profile)
  out:write("Open this URL in a browser to authorize:\n\n  ", url, "\n\n")
  out:flush()
  local scheme, host, port, path = auth.parse_url(app.redirect_uri)
  local redirect
  local listen = not o.paste and scheme == "http" and port and auth.is_loopback(host)
  if listen then
    out:write("Waiting for the redirect on ", app.redirect_uri, " ...\n")
    out:flush()
    local core = require "salesforce.core"
    -- the page says how it ended: only a completed exchange is "received"
    local org, cerr
    local target, e = core.listen_once(port, path, 1000 *
      (tonumber(o.timeout) or 300), function(t)
        org, cerr = ws:complete(t)
        if org then
          return "<html><body><p>luaforce: authorization received; you may close this "
            .. "window.</p></body></html>"
        end
        return "<html><body><p>luaforce: authorization failed: "
          .. html_escape(tostring(cerr)) .. "</p></body></html>"
      end)
    if not target then return fail(e) end
    if not org then return fail(cerr) end
    return authorized(org)
  else
    out:write("Paste the URL your browser was redirected to: ")
    out:flush()
    redirect = args.read_stdin_line()
    if not redirect or redirect == "" then return fail("no redirect URL given") end
  end
  local org, e = ws:complete(redirect)
  if not org then return fail(e) end
  return authorized(org)
end

function sub.login(ws, rest)
  local o, pos = args.parse(rest, {
    ["--profile"] = "value", ["--paste"] = "flag", ["--timeout"] = "value",
    ["--jwt"] = "value", ["--user"] = "value", ["--client-credentials"] = "flag",
    ["--device"] = "flag", ["--password-flow"] = "flag",
  })
  if not o then return usage_error(pos) end
  if #pos > 0 then return usage_error("unexpected argument '" .. pos[1] .. "'") end
  local profile = o.profile or auth.SYSTEM
  local org, e
  if o.jwt then
    if not o.user then return usage_error("--jwt needs --user USERNAME") end
    org, e = ws:login_jwt(profile, o.jwt, o.user)
  elseif o.client_credentials then
    org, e = ws:login_client_credentials(profile)
  elseif o.device then
    org, e = ws:login_device(profile, function(info)
      out:write("To authorize, open ", info.verification_uri, " and enter the code ",
        info.user_code, "\nWaiting for approval ...\n")
      out:flush()
    end, tonumber(o.timeout))
  elseif o.password_flow then
    if not o.user then return usage_error("--password-flow needs --user USERNAME") end
    io.stderr:write("luaforce: auth: warning: the username-password flow is legacy and "
      .. "being retired by Salesforce\n")
    local password = os.getenv("LUAFORCE_PASSWORD") or args.read_stdin_line()
    if not password then return fail("no password on standard input") end
    org, e = ws:login_password(profile, o.user, password)
  else
    return web_login(ws, profile, o)
  end
  if not org then return fail(e) end
  return authorized(org)
end

function sub.link(ws, rest)
  local o, pos = args.parse(rest, { ["--user"] = "value", ["--profile"] = "value",
    ["--ttl"] = "value" })
  if not o then return usage_error(pos) end
  if #pos > 0 then return usage_error("unexpected argument '" .. pos[1] .. "'") end
  if not o.user then return usage_error("link needs --user USER") end
  local url, e = ws:begin(o.profile or auth.SYSTEM, o.user, { ttl = tonumber(o.ttl) })
  if not url then return fail(e) end
  out:write(url, "\n")
  return 0
end

function sub.callback(ws, rest)
  if #rest ~= 1 then return usage_error("callback needs the redirect URL") end
  -- a link sent in a dialog also resumes the session that waits for it
  local org, e = require("luaforce.integration").callback(ws, rest[1],
    { log = function(msg) io.stderr:write(msg, "\n") end })
  if not org then return fail(e) end
  local status = authorized(org)
  for _, m in ipairs(e or {}) do out:write("bot: ", m.text or "", "\n") end
  return status
end

function sub.status(ws, rest)
  if #rest > 0 then return usage_error("status takes no arguments") end
  local list, e = ws:status()
  if not list then return fail(e) end
  if #list == 0 then
    out:write("No stored authorizations", ws.missing and (" (no workspace at " .. ws.dir
      .. " yet)") or "", ". Run 'luaforce auth login'.\n")
    return 0
  end
  out:write(string.format("%-12s %-24s %-24s %-20s %-28s %s\n", "PROFILE", "USER", "ORG",
    "EDITION", "USERNAME", "TOKEN AGE"))
  for _, a in ipairs(list) do
    out:write(string.format("%-12s %-24s %-24s %-20s %-28s %s\n", a.profile,
      a.workspace and "(workspace)" or a.user, tostring(a.org_name or "-"),
      tostring(a.edition or "-"), tostring(a.username or "-"), age(a.token_age)))
    if a.renewal_failure then
      out:write("  cannot be renewed: ", a.renewal_failure, "\n")
    end
  end
  return 0
end

local function forget(ws, rest, revoke)
  local o, pos = args.parse(rest, { ["--profile"] = "value", ["--user"] = "value" })
  if not o then return usage_error(pos) end
  if #pos > 0 then return usage_error("unexpected argument '" .. pos[1] .. "'") end
  local profile, user = o.profile or auth.SYSTEM, o.user
  local ok, e
  if revoke then ok, e = ws:revoke(profile, user) else ok, e = ws:logout(profile, user) end
  if not ok then
    if e.kind == "not_found" then
      return fail("no stored authorization for profile '" .. profile .. "'" ..
        (user and (" and user " .. user) or ""))
    end
    return fail(e)
  end
  local whose = "the tokens of profile '" .. profile .. "'" ..
    (user and (" for user " .. user) or "")
  if revoke then
    out:write("Revoked and forgot ", whose, ".\n")
  elseif ws:can_revoke(profile) then
    out:write("Forgot ", whose, " here; they stay valid at the server until they expire "
      .. "('luaforce auth revoke' revokes them).\n")
  else
    out:write("Forgot ", whose, " here. Profile '", profile, "' names no revocation URL: "
      .. "the server offers no revocation, so they stay valid there until they expire.\n")
  end
  return 0
end

function sub.logout(ws, rest) return forget(ws, rest, false) end
function sub.revoke(ws, rest) return forget(ws, rest, true) end

-- Whether subcommand `name` with arguments `rest` stores something.
local function writes(name, rest)
  if name == "profile" then return rest[1] == "add" or rest[1] == "remove" end
  if name == "system" then return rest[1] == "set" end
  if name == "settings" then return rest[1] ~= nil end
  return name == "login" or name == "link"
end

return {
  summary = "manage OAuth profiles and authorize Salesforce orgs",
  usage = USAGE,
  help = HELP,
  run = function(argv)
    local i, dir = 1, nil
    while argv[i] and argv[i]:match("^%-%-workspace") do
      dir = argv[i]:match("^%-%-workspace=(.*)$")
      if not dir then
        dir = argv[i + 1]
        if not dir then return usage_error("--workspace needs a directory") end
        i = i + 1
      end
      i = i + 1
    end
    local name = argv[i]
    if not name then return usage_error("missing subcommand") end
    local fn = sub[name]
    if not fn then return usage_error("unknown subcommand '" .. name .. "'") end
    local rest = table.move(argv, i + 1, #argv, 1, {})
    -- only the subcommands that store something create the workspace
    local ws, e = auth.open{ dir = dir, create = writes(name, rest) }
    if not ws then return fail(e) end
    local status = fn(ws, rest)
    ws:close()
    return status
  end,
}
