-- luaforce.dialog.session: the session variables scripts see for one
-- turn (BotUserSession, UserSession, BotContext, EnterpriseContext with
-- get/put/delete, and the read-only UserContext), scoped as in Kore: get
-- reads the store, put and delete become effects the runner writes.
local error, ipairs, tonumber, tostring, type = error, ipairs, tonumber, tostring, type

local _M = {}

local copy = require("luaforce.dialog.plain").copy

-- Where a scope's key lives in the store: namespace and key.
local function store_key(S, env, scope, k)
  local bot, user = env.bot.name, tostring(S.user.id or "anonymous")
  if scope == "EnterpriseContext" then return "dialog-enterprise", k end
  if scope == "BotContext" then return "dialog-bot", bot .. "/" .. k end
  if scope == "UserSession" then return "dialog-user", user .. "/" .. k end
  return "dialog-botuser", bot .. "/" .. user .. "/" .. k
end

local SCOPES = { "BotUserSession", "UserSession", "BotContext", "EnterpriseContext" }

-- The scripts' session objects for one turn: get reads the store (through
-- what this turn wrote); put and delete are effects for the runner, and
-- mirror into context.session.<Scope> so templates can read them.
function _M.objects(S, env, out)
  local api = {}
  local function mirror(scope, k, v)
    S.context.session = S.context.session or {}
    S.context.session[scope] = S.context.session[scope] or {}
    S.context.session[scope][k] = copy(v)
  end
  local function root_key(k, level)
    if type(k) ~= "string" or k == "" or k:find(".", 1, true) then
      error("a session key is a root-level name: " .. tostring(k), level + 1)
    end
  end
  for _, scope in ipairs(SCOPES) do
    local written = {}
    api[scope] = {
      get = function(k)
        root_key(k, 2)
        local w = written[k]
        if w then return copy(w.value) end
        if not env.store then return nil end
        local v = env.store:get(store_key(S, env, scope, k))
        return v
      end,
      put = function(k, v, ttl_minutes)
        root_key(k, 2)
        local ttl = ttl_minutes and tonumber(ttl_minutes)
        if ttl_minutes ~= nil and not (ttl and ttl > 0) then
          error("put: ttl_minutes must be a positive number", 2)
        end
        local ns, key = store_key(S, env, scope, k)
        written[k] = { value = copy(v) }
        mirror(scope, k, v)
        out.effects[#out.effects + 1] = { type = "store", op = "put", ns = ns, key = key,
          value = copy(v), ttl = ttl and ttl * 60 or nil }
      end,
      delete = function(k)
        root_key(k, 2)
        local ns, key = store_key(S, env, scope, k)
        written[k] = { value = nil }
        mirror(scope, k, nil)
        out.effects[#out.effects + 1] = { type = "store", op = "delete", ns = ns, key = key }
      end,
    }
  end
  -- read-only: the user's profile as the host gave it
  api.UserContext = { get = function(k) return copy(S.user[k]) end,
    put = function() error("UserContext is read-only", 2) end,
    delete = function() error("UserContext is read-only", 2) end }
  return api
end

return _M
