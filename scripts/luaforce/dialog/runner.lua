-- luaforce.dialog.runner: carries out the effects a turn asks for. Each
-- service call runs in a salesforce.spawn task, so the calls of many
-- sessions share one libcurl multi handle; their results go back into the
-- reducer as service_result inputs until the session waits for the user.
local cjson = require "cjson"
local engine = require "luaforce.dialog.engine"
local sandbox = require "luaforce.dialog.sandbox"

local ipairs, os, require, table, tostring, type = ipairs, os, require, table, tostring, type

local _M = {}

-- The response of a failed call: Salesforce's status and error list (one
-- made from the error when the answer had none, e.g. an empty 503).
local function failure(err)
  local body = type(err) == "table" and err.errors or nil
  if type(body) ~= "table" or body[1] == nil then
    body = { { errorCode = type(err) == "table" and (err.error_code or err.kind) or "ERROR",
      message = tostring(type(err) == "table" and err.message or err) } }
  end
  return { statusCode = type(err) == "table" and err.status or 0, body = body },
    { kind = type(err) == "table" and err.kind or "error", message = tostring(err) }
end

-- The controlling values a dependent picklist value is valid for: bit i
-- of its validFor (base64; the most significant bit of the first byte
-- first) stands for the controller's i-th value as describe lists them
-- (false then true for a checkbox).
local function valid_for(bits, controls)
  local bytes = type(bits) == "string" and require("salesforce.core").base64_decode(bits)
  local out = {}
  for i, c in ipairs(controls) do
    local byte = bytes and bytes:byte((i - 1) // 8 + 1) or 0
    if byte & (0x80 >> ((i - 1) % 8)) ~= 0 then out[#out + 1] = c end
  end
  return out
end

-- The active values of a picklist field, from the sObject's describe
-- (cached by the client): { {value, display} }, each of a dependent
-- picklist also with its controller (field name) and valid_for (the
-- controlling values it is valid for); or nil and an error.
local function picklist_values(sf, sobject, field, timeout_ms)
  local d, err = sf:describe(sobject, { timeout_ms = timeout_ms, deadline_ms = timeout_ms })
  if not d then return nil, err end
  local by_name = {}
  for _, f in ipairs(d.fields or {}) do by_name[f.name] = f end
  local f = by_name[field]
  if f then
    local ctl = type(f.controllerName) == "string" and by_name[f.controllerName]
    local controls = {}
    if ctl and ctl.type == "boolean" then
      controls = { false, true }
    elseif ctl then
      for _, c in ipairs(ctl.picklistValues or {}) do
        if c.active ~= false then controls[#controls + 1] = c.value end
      end
    end
    local out = {}
    for _, v in ipairs(f.picklistValues or {}) do
      if v.active ~= false then
        out[#out + 1] = { value = v.value, display = v.label, controller = ctl and ctl.name or nil,
          valid_for = ctl and valid_for(v.validFor, controls) or nil }
      end
    end
    return out, 200
  end
  local msg = sobject .. " has no field " .. field
  return nil, require("salesforce.errors").new("salesforce", msg,
    { error_code = "INVALID_FIELD", errors = { { errorCode = "INVALID_FIELD", message = msg } } })
end

-- A plain HTTP call to a host on the bot's allow_hosts (https; a loopback
-- host only when listed there too, and over http only when
-- env.allow_loopback or LUAFORCE_ALLOW_LOOPBACK=1), on env.http (a runtime, or a function
-- making one). Returns the decoded body (or text) and the status; or nil
-- and an error, whose body is the answer's when there was one.
local function http_call(env, req)
  require "salesforce"
  local core = require "salesforce.core"
  local hosts = env.bot.allow_hosts
  if type(hosts) ~= "table" or #hosts == 0 then
    return nil, require("salesforce.errors").new("untrusted_host",
      "the bot has no allow_hosts for HTTP calls", { error_code = "HOST_NOT_ALLOWED" })
  end
  local loopback = env.allow_loopback
  if loopback == nil then loopback = os.getenv("LUAFORCE_ALLOW_LOOPBACK") == "1" end
  local ok, herr = core.oauth_check_url({ allowed_domains = hosts,
    allow_loopback = loopback == true, loopback_listed = true }, req.url, "url")
  if not ok then
    return nil, require("salesforce.errors").new("untrusted_host", "refused by the bot's "
      .. "allow_hosts (bot.lua): " .. tostring(herr.message or herr),
      { error_code = "HOST_NOT_ALLOWED" })
  end
  local http = env.http
  if http == nil then -- the environment's CA file, as luaforce's other commands
    http = function()
      require "salesforce"
      return core.http_new{ ca_file = os.getenv("LUAFORCE_CA_FILE") }
    end
  end
  if type(http) == "function" then
    local e
    http, e = http()
    if not http then return nil, e end
    env.http = http
  end
  local text, ctype
  if type(req.body) == "table" then
    text, ctype = cjson.encode(req.body), "application/json"
  elseif req.body ~= nil then
    text, ctype = tostring(req.body), "text/plain"
  end
  local idempotent = req.method == "GET" or req.method == "HEAD"
  local status, resp, is_json, why
  if require("salesforce.scheduler").in_task() then
    local r, e = http:start(req.method, req.url, nil, text, ctype, req.headers, idempotent,
      req.timeout_ms, req.timeout_ms)
    if not r then return nil, e end
    require("salesforce.scheduler").await(r, http)
    status, resp, is_json, why = r:finish(true)
  else
    status, resp, is_json, why = http:call(req.method, req.url, nil, text, ctype, req.headers,
      idempotent, req.timeout_ms, true, nil, req.timeout_ms)
  end
  if not status then return nil, resp end
  if status >= 400 then
    return nil, require("salesforce.errors").new("http", "HTTP " .. status,
      { status = status, errors = resp, error_code = tostring(why or "") })
  end
  return resp ~= "" and resp or cjson.null, status, is_json
end

-- "disabled" or "error" when env.integration (the bot's Salesforce
-- integration, see luaforce.integration) stops Salesforce calls; else nil.
local function gate(env)
  local st = env.integration and env.integration.state
  if st == "disabled" or st == "error" then return st end
  return nil
end

-- An error that authorizing again cures: the tokens were revoked or cannot
-- be refreshed.
local function lost_authorization(err)
  return type(err) == "table" and (err.kind == "oauth" or err.kind == "auth")
end

-- A call that met a lost authorization: in allow-users mode the end user
-- authorizes again; a lost pre-authorization puts the integration in the
-- error state (env.integration.lost records it).
local function authorization_lost(effect, env, err)
  local ig = env.integration
  if ig.mode == "allow-users" then
    return { event = "service_result", node = effect.node, unauthorized = true,
      error = { kind = "auth", message = tostring(err.message or err) } }
  end
  ig.state = "error"
  if ig.lost then ig.lost(tostring(err.message or err)) end
  return { event = "service_result", node = effect.node, integration = "error" }
end

-- One service call, in a task: returns the service_result input.
local function call(effect, sf, env, state)
  local req = effect.request
  local body, status
  if req.kind == "http" then
    body, status = http_call(env, req)
  elseif gate(env) then -- the integration is disabled, or in error: no call
    return { event = "service_result", node = effect.node, integration = gate(env) }
  elseif not sf then
    -- no authorization: the session waits for the user to authorize
    return { event = "service_result", node = effect.node, unauthorized = true,
      error = { kind = "auth", message = tostring(env.connect_error or "not connected") } }
  elseif req.kind == "rest" then
    body, status = sf:request{ method = req.method, path = req.path, body = req.body,
      headers = req.headers, timeout_ms = req.timeout_ms, deadline_ms = req.timeout_ms }
  elseif req.kind == "query" then
    body, status = sf:query(req.soql, req.binds, { timeout_ms = req.timeout_ms,
      deadline_ms = req.timeout_ms })
    if body then status = 200 end
  elseif req.kind == "describe" then
    body, status = picklist_values(sf, req.sobject, req.field, req.timeout_ms)
  else
    local task = env.bot.tasks[effect.task]
    local node = task.by_name[effect.node]
    -- every call the function makes shares the node's timeout
    local res = table.pack(sandbox.call(sandbox.new_budget(env.limits), node.call,
      sf:within(req.timeout_ms), engine.copy(state.context)))
    if not res[1] then
      if env.log then
        env.log("dialog: " .. effect.task .. ":" .. effect.node .. ": " .. tostring(res[2]))
      end
      return { event = "service_result", node = effect.node, failed = true,
        response = { statusCode = 0, body = { { errorCode = "SCRIPT_ERROR",
          message = "the service function failed" } } } }
    end
    body, status = res[2], res[3]
    if body ~= nil and type(status) ~= "number" then status = 200 end
  end
  if body == nil and lost_authorization(status) and env.integration then
    return authorization_lost(effect, env, status)
  end
  if body == nil then
    local response, why = failure(status)
    return { event = "service_result", node = effect.node, failed = true, response = response,
      error = why }
  end
  if body == true then body = cjson.null end
  return { event = "service_result", node = effect.node,
    response = { statusCode = status, body = body } }
end

--- Runs the effects of one session; returns the service_result inputs in
-- the effects' order. `sf` is a client (or nil: each call fails). Called
-- inside a salesforce task (a host driving many sessions spawns one per
-- session turn), the calls run in that task, which waits without blocking
-- the others.
function _M.run_effects(effects, sf, env, state)
  local salesforce = require "salesforce"
  if require("salesforce.scheduler").in_task() then
    local out = {}
    for i, effect in ipairs(effects) do out[i] = call(effect, sf, env, state) end
    return out
  end
  local tasks = {}
  for i, effect in ipairs(effects) do
    tasks[i] = salesforce.spawn(call, effect, sf, env, state)
  end
  salesforce.wait(table.unpack(tasks))
  local out = {}
  for i, t in ipairs(tasks) do out[i] = t:result() end
  return out
end

--- Writes the store effects to env.store (a luaforce.dialog.store);
-- returns the other effects. A write that fails is added to `failures`.
function _M.apply_stores(effects, env, failures)
  local rest = {}
  for _, e in ipairs(effects) do
    if e.type == "store" then
      if env.store then
        local ok, err
        if e.op == "put" then
          ok, err = env.store:put(e.ns, e.key, e.value, e.ttl)
        else
          ok, err = env.store:delete(e.ns, e.key)
        end
        if not ok then
          failures[#failures + 1] = { kind = "store", message = tostring(err) }
          if env.log then env.log("dialog: store: " .. tostring(err)) end
        end
      end
    else
      rest[#rest + 1] = e
    end
  end
  return rest
end

--- One user turn and the service calls it leads to. Returns the new
-- state, all the messages, and the failures (a list, maybe empty).
-- `env.sf` is a client or a function returning one (called once, on the
-- first call).
function _M.turn(state, input, env)
  input = engine.postback(input)
  local messages, failures = {}, {}
  local function take(s, msgs, effects, failed)
    for _, m in ipairs(msgs) do messages[#messages + 1] = m end
    if failed then failures[#failures + 1] = failed end
    return s, effects
  end
  if env.authorize and state and state.await == "authorization" and input.text then
    -- what the user says while the session waits for their authorization:
    -- unless they cancel, the node runs again (with the tokens that have
    -- come meanwhile; else with a fresh link, the older one refused)
    local s = engine.turn(state, input, env)
    if s.await == "authorization" then input = { event = "authorized" } end
  end
  local s, effects = take(engine.turn(state, input, env))
  effects = _M.apply_stores(effects, env, failures)
  while #effects > 0 do
    local sf = env.sf
    local needs_sf = false
    for _, e in ipairs(effects) do needs_sf = needs_sf or e.request.kind ~= "http" end
    if type(sf) == "function" and needs_sf and not gate(env) then
      local c, err = sf()
      env.sf, env.connect_error = c, err -- a failed connection is not retried this run
      sf = c
      if not c and env.integration and env.integration.mode == "pre-authorize"
        and lost_authorization(err) then
        authorization_lost({}, env, err)
      end
    end
    local results = _M.run_effects(effects, sf, env, s)
    effects = {}
    for _, result in ipairs(results) do
      local more
      if result.unauthorized and env.authorize then
        -- a link for this user and this session only; a later callback of
        -- it resumes the session (see _M.authorized)
        local url, link = env.authorize(s)
        if url then
          s = engine.copy(s)
          s.authorization = { link = link }
          result.url = url
        end
      end
      s, more = take(engine.turn(s, result, env))
      for _, e in ipairs(_M.apply_stores(more, env, failures)) do effects[#effects + 1] = e end
    end
  end
  return s, messages, failures
end

--- Resumes a session paused for authorization once the callback of the
-- link it was sent (`link`, the id env.authorize gave) has completed: the
-- service node that waited runs again with the user's new tokens.
-- Returns what turn() does; or nil and a reason when the session does not
-- wait for that link (another session's, an older or a replayed one).
function _M.authorized(state, link, env)
  local a = type(state) == "table" and state.authorization
  if state.await ~= "authorization" or type(a) ~= "table" or a.link ~= link then
    return nil, "this authorization is not the one the session waits for"
  end
  local s = engine.copy(state)
  s.authorization = nil
  return _M.turn(s, { event = "authorized" }, env)
end

return _M
