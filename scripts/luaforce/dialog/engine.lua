-- luaforce.dialog.engine: the reducer. turn(state, input, env) returns the
-- next state, the bot's messages and the effects the runner must carry
-- out (service calls). State is plain data (JSON-serialisable); the
-- task's code lives in env.bot, never in the state.
local cjson = require "cjson"
local entities = require "luaforce.dialog.entities"
local loader = require "luaforce.dialog.loader"
local routing = require "luaforce.dialog.routing"
local sandbox = require "luaforce.dialog.sandbox"
local sessions = require("luaforce.dialog.session").objects

local error, getmetatable, ipairs, math, next, pairs, pcall, require, select, setmetatable,
  string, table, tonumber, tostring, type =
  error, getmetatable, ipairs, math, next, pairs, pcall, require, select, setmetatable,
  string, table, tonumber, tostring, type

local _M = {}

_M.MAX_STATE_BYTES = 1024 * 1024
_M.HISTORY = 50
local MAX_STEPS = 1000 -- nodes run in one turn (a loop that waits for nothing)

local json = cjson.new()
json.encode_sparse_array(true)

-- ---- plain data --------------------------------------------------------------

local copy = require("luaforce.dialog.plain").copy
_M.copy = copy

--- A new session state. opts: lang (else the user's lang, else "en"),
-- user ({id, name, channel, lang}), seed.
function _M.new(opts)
  opts = opts or {}
  local lang = opts.lang or (type(opts.user) == "table" and opts.user.lang) or "en"
  local user_zone = type(opts.user) == "table" and opts.user.utc_offset or nil
  return { v = 1, lang = lang, seed = opts.seed or 1, retries = 0,
    utc_offset = opts.utc_offset or (math.type(user_zone) == "integer" and user_zone or nil),
    context = { entities = {}, history = {} }, stack = {}, unused = {}, filled = {},
    user = copy(opts.user) or {} }
end

-- A deterministic generator kept in the state (an LCG), for picking one
-- of several prompts: the same seed gives the same conversation.
local function pick(S, list)
  if #list <= 1 then return list[1] end
  S.seed = (S.seed * 1103515245 + 12345) % 2147483648
  return list[S.seed % #list + 1]
end

-- ---- context paths and templates -------------------------------------------------

--- The value at `path` ("context.entities.x" or "entities.x") in `context`.
function _M.lookup(context, path)
  local v = context
  local p = path:gsub("^context%.", "")
  for seg in p:gmatch("[^%.]+") do
    if type(v) ~= "table" then return nil end
    local n = tonumber(seg)
    local x = v[seg]
    if x == nil and n then x = v[math.tointeger(n) or n] end
    v = x
  end
  return v
end

local function set_path(context, path, value)
  local p = path:gsub("^context%.", "")
  local segs = {}
  for seg in p:gmatch("[^%.]+") do segs[#segs + 1] = seg end
  local t = context
  for i = 1, #segs - 1 do
    if type(t[segs[i]]) ~= "table" then t[segs[i]] = {} end
    t = t[segs[i]]
  end
  t[segs[#segs]] = value
end

local function render(v)
  if v == nil or v == cjson.null then return "" end
  if type(v) == "table" then return json.encode(v) end
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2 ^ 53 then
    return string.format("%d", v) -- 25.0 reads as 25
  end
  return tostring(v)
end

--- Replaces {{context.path}} (and {{name}} from `vars`) in `text`.
function _M.fill(text, context, vars)
  return (text:gsub("{{%s*([%w_%.]+)%s*}}", function(path)
    if vars and vars[path] ~= nil then return render(vars[path]) end
    if path:match("^context%.") then return render(_M.lookup(context, path)) end
    return nil
  end))
end

-- The value of a template: a string that is one placeholder keeps the
-- value's type (a number stays a number in a body).
local function fill_value(v, context, escape)
  if type(v) == "string" then
    local only = v:match("^{{%s*(context%.[%w_%.]+)%s*}}$")
    if only and not escape then return copy(_M.lookup(context, only)) end
    if escape then
      return (v:gsub("{{%s*(context%.[%w_%.]+)%s*}}", function(p)
        return escape(render(_M.lookup(context, p)))
      end))
    end
    return _M.fill(v, context)
  elseif type(v) == "table" then
    local out = {}
    for k, x in pairs(v) do out[k] = fill_value(x, context) end
    return out
  end
  return v
end

-- Text in the session's language: a string, a list (one picked), or a
-- table by language ({ en = ..., de = ... }).
local function localise(S, v)
  if type(v) == "table" and v[1] == nil then v = v[S.lang] or v.en or select(2, next(v)) end
  if type(v) == "table" then v = pick(S, v) end
  return v
end

-- ---- output ------------------------------------------------------------------------

local function say(out, S, text, vars)
  text = localise(S, text)
  if text == nil then return end
  out.messages[#out.messages + 1] = { text = (_M.fill(text, S.context, vars):gsub(" +$", "")) }
end

local function respond(out, S, env, name, vars)
  say(out, S, env.bot.responses[name], vars)
end

local function record(S, node, state)
  local h = S.context.history
  h[#h + 1] = { node = node.name, type = node.type, state = state, time = S.now }
  if #h > _M.HISTORY then table.remove(h, 1) end
end

-- ---- running the developer's code --------------------------------------------------

-- A developer's failure: names task, node and line; ends the task.
local Failure = {}
local function fail(S, node, e)
  error(setmetatable({ task = S.task, node = node and node.name, message = tostring(e) },
    Failure), 0)
end


local function run_code(S, env, node, fn, printer, ...)
  local task = env.bot.tasks[S.task]
  -- the session objects, made on the first code of the turn
  if not env.session then env.session = sessions(S, env, env.out) end
  for scope, obj in pairs(env.session) do task.env[scope] = obj end
  if type(fn) == "string" then
    local compiled, msg = sandbox.compile(fn, "=" .. task.file .. ":" .. node.name, task.env)
    if not compiled then fail(S, node, msg) end
    fn = compiled
  end
  local res = table.pack(sandbox.with_print(task.env, printer, env.budget, fn, ...))
  -- the env is the task's, shared by every session: no session's objects stay
  for scope in pairs(env.session) do task.env[scope] = nil end
  if not res[1] then fail(S, node, res[2]) end
  return table.unpack(res, 2, res.n)
end

-- ---- transitions --------------------------------------------------------------------

local function compare(op, a, b)
  if op == "exists" then return a ~= nil and a ~= cjson.null end
  if op == "not_exists" then return a == nil or a == cjson.null end
  if op == "eq" then return a == b end
  if op == "ne" then return a ~= b end
  if op == "contains" then
    if type(a) == "string" then return type(b) == "string" and a:find(b, 1, true) ~= nil end
    if type(a) == "table" then
      for _, x in pairs(a) do if x == b then return true end end
    end
    return false
  end
  if type(a) ~= type(b) or (type(a) ~= "number" and type(a) ~= "string") then return false end
  if op == "lt" then return a < b end
  if op == "gt" then return a > b end
  if op == "le" then return a <= b end
  if op == "ge" then return a >= b end
  return false
end

--- True when condition `cond` holds in `context`.
function _M.holds(cond, context)
  if cond.all then
    for _, c in ipairs(cond.all) do if not _M.holds(c, context) then return false end end
    return true
  elseif cond.any then
    for _, c in ipairs(cond.any) do if _M.holds(c, context) then return true end end
    return false
  end
  local rhs = cond[3]
  if type(rhs) == "table" and rhs.ref then rhs = _M.lookup(context, rhs.ref) end
  return compare(loader.OPS[cond[2]], _M.lookup(context, cond[1]), rhs)
end

-- The node after `node`: its next (a name, or the first rule that holds).
local function follow(node, context)
  local n = node.next
  if type(n) ~= "table" then return n end
  for _, rule in ipairs(n) do
    if rule.when == nil or _M.holds(rule.when, context) then return rule.go end
  end
  return nil
end

-- ---- tasks ------------------------------------------------------------------------------

local function start_task(S, env, name, utterance)
  S.task, S.node, S.await, S.retries = name, env.bot.tasks[name].start, nil, 0
  S.filled = {}
  S.context = { entities = {}, history = {}, session = S.context.session }
  S.unused = utterance and { utterance } or {}
end

-- Forgets the answers to the running task's secret entities: kept in
-- the context only while the task runs (they would stay in the state).
-- Without env (a task put on hold) they are kept.
local function forget_secrets(S, env)
  local task = env and S.task and env.bot.tasks[S.task]
  if not task then return end
  if not task.secrets then -- (found once per loaded task)
    task.secrets = {}
    for _, node in ipairs(task.nodes) do
      if node.secret then task.secrets[#task.secrets + 1] = node.name end
    end
  end
  for _, name in ipairs(task.secrets) do S.context.entities[name] = nil end
end

local function idle(S, env)
  forget_secrets(S, env)
  S.task, S.node, S.await, S.retries, S.stack, S.unused = nil, nil, nil, 0, {}, {}
  S.filled = {}
  S.held, S.switch_to, S.switch_text, S.switch_said = nil, nil, nil, nil
end

-- Ends the running task: back to the task that called it, or idle.
local function end_task(S, env)
  forget_secrets(S, env)
  local frame = table.remove(S.stack)
  if not frame then
    local held = S.held -- a task on hold outlives the one that ends
    idle(S, env)
    S.held = held
    return nil
  end
  local sub = S.context
  S.task, S.context, S.retries, S.await = frame.task, frame.context, 0, nil
  S.filled = frame.filled or {}
  S.context[frame.node] = { entities = sub.entities }
  return frame.node
end

-- ---- nodes ----------------------------------------------------------------------------------

local function prompt_of(S, node) return localise(S, node.prompt) end

local offer_values -- (below, with the picklists' values)

-- Says the node's prompt; a picklist entity's offers its values.
local function say_prompt(S, env, out, node)
  local n = #out.messages
  say(out, S, node.prompt)
  if #out.messages > n and node.entity_type == "picklist" then
    offer_values(S, env, out.messages[#out.messages], node)
  end
end

local function ask(S, env, out, node)
  say_prompt(S, env, out, node)
  S.node, S.await = node.name, "input"
  record(S, node, "waitingForUserInput")
  return "wait"
end

local function entity_env(S, env, node)
  local e = { now = env.now, utc_offset = S.utc_offset or env.utc_offset }
  e.call = function(fn, text)
    return run_code(S, env, node, fn, nil, text, S.context)
  end
  return e
end

-- A value after one of the entity's `volunteer` words in `text` ("find
-- leads named Smith": "named"): start, end, value; or nil. The words of
-- the task's own utterance found there ("search for leads") are no
-- keyword; the value is checked as an answer would be.
local function after_keyword(S, env, node, text)
  local low, from = text:lower(), 1
  for _, u in ipairs(env.bot.tasks[S.task].utterances or {}) do
    local _, e = low:find(u:lower(), 1, true)
    if e and e + 1 > from then from = e + 1 end
  end
  for _, word in ipairs(node.volunteer) do
    local s, _, vs, ve = low:find("%f[%w]" .. word:lower():gsub("%p", "%%%0")
      .. "%s+()%S.-()%s*$", from)
    if s then
      local v = entities.parse(node, text:sub(vs, ve - 1), entity_env(S, env, node))
      if v ~= nil then return s, #text, v end
    end
  end
  return nil
end

-- A value for entity `node` in what the user said before and no entity
-- took: the span found is removed from that text. Else nil and why a value
-- said there was not taken (an id of another kind), if one was.
local function volunteered(S, env, node)
  if node.volunteer == false then return nil end
  local keywords = type(node.volunteer) == "table"
  local bad
  for i, text in ipairs(S.unused) do
    local s, e, v, why = entities.find(node, text, env)
    if not s and keywords then s, e, v = after_keyword(S, env, node, text) end
    if s then
      S.unused[i] = text:sub(1, s - 1) .. text:sub(e + 1)
      return v
    end
    bad = bad or why
  end
  return nil, bad
end

-- Whether picklist value `v` (from describe) may be offered: a dependent
-- one only when valid for the controlling value, the entity of the
-- controller's name, else the field of the record at values_from.record;
-- unknown (neither there), it is not filtered.
local function valid_here(S, node, v)
  if not v.controller then return true end
  local ctl = S.context.entities[v.controller]
  if ctl == nil and node.values_from.record then
    local rec = _M.lookup(S.context, node.values_from.record)
    if type(rec) ~= "table" then return true end
    ctl = rec[v.controller]
  end
  if ctl == nil then return true end
  for _, c in ipairs(v.valid_for or {}) do
    if c == ctl then return true end
  end
  return false
end

-- The entity's spec for this turn: its picklist values when they come
-- from a script or a describe, and its rules merged with those a script
-- set at context.entityRules.<name> (as Kore's entity rules).
local function with_values(S, env, node)
  local over = S.context.entityRules and S.context.entityRules[node.name]
  if not node.values_from and type(node.values) ~= "function" and type(over) ~= "table" then
    return node
  end
  local spec = setmetatable({}, { __index = node })
  if node.values_from then
    -- the describe's values, with the task's synonyms ({[value] = {...}});
    -- of a dependent picklist those valid for the controlling value
    local syn = type(node.synonyms) == "table" and node.synonyms or {}
    spec.values = {}
    for _, v in ipairs(S.context.picklists and S.context.picklists[node.name] or {}) do
      if valid_here(S, node, v) then
        spec.values[#spec.values + 1] = { value = v.value, display = v.display,
          synonyms = syn[v.value] }
      end
    end
  elseif type(node.values) == "function" then
    spec.values = run_code(S, env, node, node.values, nil, S.context)
  end
  if type(over) == "table" then
    local rules = {}
    for k, v in pairs(node.rules or {}) do rules[k] = v end
    for k, v in pairs(over) do rules[k] = v end
    spec.rules = rules
  end
  return spec
end

--- Picklist values offered with an entity's prompt when there are at
-- most this many (the entity's show_values, or false for none).
_M.SHOW_VALUES = 10

-- The values picklist entity `node` would take now (active, valid for the
-- controlling value) offered with its prompt, message `m`: in its text
-- (the offer_values response) and as a rich message with a postback
-- button each, whose payload is what the entity takes for it; not when
-- there are more than show_values of them.
-- Picklist entries `list` said ("A, B or C") and as postback buttons.
local function values_of(S, env, list)
  local names, buttons = {}, {}
  for i, e in ipairs(list) do
    names[i] = e.display
    buttons[i] = { type = "postback", title = e.display, payload = tostring(e.value) }
  end
  local values = names[1]
  if #names > 1 then
    values = table.concat(names, ", ", 1, #names - 1) .. " "
      .. (localise(S, env.bot.responses.values_or) or "or") .. " " .. names[#names]
  end
  return values, buttons, names
end

function offer_values(S, env, m, node)
  local most = node.show_values
  if most == false then return end
  local list = entities.picklist_entries(with_values(S, env, node).values)
  if #list == 0 or #list > (most or _M.SHOW_VALUES) then return end
  local values, buttons, names = values_of(S, env, list)
  local prompt = m.text
  -- (a prompt that names every value already, "Which field: status,
  -- title or email?", keeps its text)
  local named, low = true, prompt:lower()
  for _, name in ipairs(names) do
    named = named and low:find(name:lower(), 1, true) ~= nil
  end
  if not named then
    m.text = (_M.fill(localise(S, env.bot.responses.offer_values) or "{{prompt}} {{values}}",
      S.context, { prompt = prompt, values = values }):gsub(" +$", ""))
  end
  m.rich = { type = "quick_replies", text = prompt, buttons = buttons }
end

local enter = {}
local tell_invalid -- (below, with the answers)

-- A service call's limit in ms: `seconds` (1-60; default 20) for the whole
-- call as the user waits, retries included (the runner's deadline).
local function timeout_ms(seconds)
  return math.floor((seconds or 20) * 1000)
end

enter.entity = function(S, env, out, node)
  if S.context.entities[node.name] ~= nil or S.filled[node.name] then
    return follow(node, S.context)
  end
  -- a picklist read from a Salesforce field: the describe first (the
  -- client caches it for the process; the values stay in the context)
  if node.values_from and not (S.context.picklists and S.context.picklists[node.name]) then
    out.effects[#out.effects + 1] = { type = "service", task = S.task, node = node.name,
      request = { kind = "describe", sobject = node.values_from.sobject,
        field = node.values_from.field, timeout_ms = timeout_ms(node.values_from.timeout) } }
    S.node, S.await = node.name, "service"
    record(S, node, "waitingForServerResponse")
    return "wait"
  end
  local spec = with_values(S, env, node)
  local v, bad = volunteered(S, env, spec)
  if v ~= nil then
    S.context.entities[node.name] = v
    return follow(node, S.context)
  end
  if node.mode == "hidden" then
    S.context.entities[node.name] = copy(node.default)
    S.filled[node.name] = true
    return follow(node, S.context)
  end
  S.retries = 0
  if bad then -- "show lead 001…": why that id was not taken, with the prompt
    tell_invalid(S, env, out, node, bad)
    S.node, S.await = node.name, "input"
    record(S, node, "waitingForUserInput")
    return "wait"
  end
  return ask(S, env, out, node)
end

enter.confirmation = function(S, env, out, node)
  S.retries = 0
  return ask(S, env, out, node)
end

enter.message = function(S, env, out, node)
  if node.script then
    -- print output is one text message; a table printed is a rich one,
    -- after the text printed before it
    local text = {}
    local function flush()
      if #text > 0 then
        out.messages[#out.messages + 1] = { text = table.concat(text) }
        text = {}
      end
    end
    local function printer(...)
      for i = 1, select("#", ...) do
        local v = select(i, ...)
        if type(v) == "table" then
          flush()
          out.messages[#out.messages + 1] = { rich = copy(v), text = v.text }
        else
          text[#text + 1] = tostring(v)
        end
      end
    end
    run_code(S, env, node, node.script, printer, S.context)
    flush()
  else
    say(out, S, node.text)
  end
  if node.wait then
    S.node, S.await = node.name, "input"
    record(S, node, "waitingForUserInput")
    return "wait"
  end
  return follow(node, S.context)
end

enter.script = function(S, env, _, node)
  run_code(S, env, node, node.script, nil, S.context)
  return follow(node, S.context)
end

enter.logic = function(S, _, _, node)
  for path, v in pairs(node.set or {}) do set_path(S.context, path, fill_value(v, S.context)) end
  for _, path in ipairs(node.delete or {}) do set_path(S.context, path, nil) end
  return follow(node, S.context)
end

enter["end"] = function(S, _, out, node)
  if node.text then say(out, S, node.text) end
  return "end"
end

enter.dialog = function(S, env, _, node)
  S.stack[#S.stack + 1] = { task = S.task, node = node.name, context = S.context,
    filled = S.filled }
  S.filled = {}
  local session = S.context.session
  S.task, S.retries = node.task, 0
  S.context = { entities = {}, history = {}, session = session }
  return env.bot.tasks[node.task].start
end

enter.service = function(S, env, out, node)
  if node.pre then run_code(S, env, node, node.pre, nil, S.context) end
  local req = { timeout_ms = timeout_ms(node.timeout) }
  if node.url then
    req.kind = "http"
    req.method = (node.method or "GET"):upper()
    req.url = fill_value(node.url, S.context, require("luaforce.dialog.native").segment)
    req.body = node.body and fill_value(node.body, S.context) or nil
    req.headers = node.headers and fill_value(node.headers, S.context) or nil
  elseif node.call then
    req.kind = "call"
  elseif node.query then
    req.kind = "query"
    req.soql = node.query
    req.binds = fill_value(node.binds or {}, S.context)
  else
    req.kind = "rest"
    req.method = (node.method or "GET"):upper()
    req.path = fill_value(node.path, S.context, require("luaforce.dialog.native").segment)
    req.body = node.body and fill_value(node.body, S.context) or nil
    req.headers = node.headers and fill_value(node.headers, S.context) or nil
  end
  out.effects[#out.effects + 1] = { type = "service", task = S.task, node = node.name,
    request = req }
  S.node, S.await = node.name, "service"
  record(S, node, "waitingForServerResponse")
  return "wait"
end

-- Back to the task put on hold by a switch: its node runs again (an
-- entity asks its prompt again). Returns that node.
local function resume_held(S, env, out)
  local h = S.held
  S.held = nil
  S.task, S.node, S.context, S.stack, S.unused, S.retries, S.await =
    h.task, h.node, h.context, h.stack, h.unused, 0, nil
  S.filled = h.filled or {}
  respond(out, S, env, "resume_task", { task = env.bot.tasks[h.task].display_name })
  return h.node
end

-- Runs nodes from `name` until one waits or the task ends.
local function run(S, env, out, name)
  local steps = 0
  while true do
    if name == nil or name == "end" then
      local back = end_task(S, env)
      if not back then
        if not S.held then return end
        name = resume_held(S, env, out)
      else
        local task = env.bot.tasks[S.task]
        name = follow(task.by_name[back], S.context)
      end
    else
      steps = steps + 1
      if steps > MAX_STEPS then
        fail(S, nil, "more than " .. MAX_STEPS .. " nodes in one turn without user input")
      end
      local node = env.bot.tasks[S.task].by_name[name]
      S.node = name
      if env.trace then env.trace(S.task, name) end
      local nxt = enter[node.type](S, env, out, node)
      if node.type ~= "entity" and node.type ~= "confirmation" and nxt ~= "wait" then
        record(S, node, "processed")
      end
      if nxt == "wait" then return end
      name = nxt
    end
  end
end

-- ---- answers ----------------------------------------------------------------------------------

local leave_out

-- The error prompt for `reason` (the retry's, in order), else the
-- invalid_value response with the prompt.
function tell_invalid(S, env, out, node, reason, which)
  if which then -- "closed": which of the values it could mean, as buttons too
    local values, buttons = values_of(S, env, which)
    respond(out, S, env, "which_value", { values = values })
    local m = out.messages[#out.messages]
    if m then m.rich = { type = "quick_replies", text = m.text, buttons = buttons } end
    return
  end
  local errs = node.error_prompts
  if errs then
    errs = localise(S, type(errs) == "table" and errs[1] == nil and errs or { errs })
    -- error prompts in retry order: the n-th retry gets the n-th (the last repeats)
    if type(errs) == "table" then errs = errs[math.min(math.max(S.retries, 1), #errs)] end
    say(out, S, errs, { reason = reason or "not valid" }) -- (may say {{reason}})
  else
    respond(out, S, env, "invalid_value", { reason = reason or "not valid",
      prompt = _M.fill(prompt_of(S, node) or "", S.context) })
  end
end

local function retry(S, env, out, node, reason, which)
  S.retries = S.retries + 1
  local optional = node.type == "entity" and node.mode == "optional"
  if optional and S.retries > (node.retries or 1) then
    respond(out, S, env, "optional_left_out", { reason = reason or "not valid" })
    return leave_out(S, env, out, node)
  end
  if S.retries > (node.retries or 5) then
    local go = node.on_retries_exceeded
    if go and go ~= "end" then return run(S, env, out, go) end
    respond(out, S, env, "retries_exceeded")
    while S.task do end_task(S, env) end
    if S.held then return run(S, env, out, resume_held(S, env, out)) end
    return
  end
  return tell_invalid(S, env, out, node, reason, which)
end

-- An answer that is not valid here but asks for another task by one of
-- its utterances: offers to switch (the current task is held). True when
-- it did.
local function offer_switch(S, env, out, text)
  local other = routing.phrase(env.bot, text)
  if other and other ~= S.task then
    S.switch_to, S.switch_said, S.await = other, text, "switch"
    respond(out, S, env, "switch_task", { task = env.bot.tasks[other].display_name })
    return true
  end
  return false
end

local answer = {}

-- A blank answer (Enter alone) is no attempt: the prompt again, no retry
-- counted (an optional entity takes it as "skip").
local function blank(S, env, out, node, text)
  if text:match("%S") or node.mode == "optional" then return false end
  say_prompt(S, env, out, node)
  return true
end

-- What leaves an optional entity out (a string entity would take it as its
-- value; a boolean one takes "no" as false).
local SKIP = { skip = true, none = true, no = true, nope = true, ["no thanks"] = true,
  ["n/a"] = true, pass = true, ["not now"] = true }

-- An optional entity left out: its default, and the flow goes on.
function leave_out(S, env, out, node)
  S.context.entities[node.name] = copy(node.default)
  S.filled[node.name] = true
  S.await = nil
  record(S, node, "processed")
  return run(S, env, out, follow(node, S.context))
end

-- Entity types that take any text: an answer that asks for another task
-- by one of its utterances is not taken without asking.
local FREE_TEXT = { string = true, description = true }

answer.entity = function(S, env, out, node, text, as_is)
  if blank(S, env, out, node, text) then return end
  if node.mode == "optional" and not text:match("%S") then return leave_out(S, env, out, node) end
  -- a secret answer is the entity's value or nothing: never held for a
  -- switch of task, kept as a leftover or handed to another task
  if node.secret then as_is = true end
  if not as_is and FREE_TEXT[node.entity_type or "string"] then
    if offer_switch(S, env, out, text) then
      S.switch_text = text -- the value after all when the user says no
      return
    end
    -- the task's own command again ("new lead" at its last name): not a
    -- value; the user is told where they are (no retry counted)
    if routing.is_utterance(env.bot.tasks[S.task], text) then
      return respond(out, S, env, "same_task", { task = env.bot.tasks[S.task].display_name,
        prompt = _M.fill(prompt_of(S, node) or "", S.context) })
    end
  end
  local spec = with_values(S, env, node)
  local eenv = entity_env(S, env, node)
  local skipped = node.mode == "optional"
    and SKIP[entities.normalise(text):match("^%s*(.-)%s*$")]
  local v, why
  if skipped and node.entity_type == "boolean" then
    v, why = entities.parse(spec, text, eenv)
    skipped = v == nil
  end
  if not skipped then v, why = entities.parse(spec, text, eenv) end
  local rest
  if v == nil and not skipped then
    local s, e, found = entities.find(spec, text, eenv)
    if s then v, rest = found, text:sub(1, s - 1) .. text:sub(e + 1) end
  end
  if v == nil then
    if skipped then return leave_out(S, env, out, node) end
    -- (an optional entity too: the user is told and asked again, within its
    -- retries, default 1; past them it is left out, not the task ended)
    record(S, node, "error")
    if not node.secret and offer_switch(S, env, out, text) then return end
    local which = node.entity_type == "picklist" and entities.picklist_which(spec.values, text)
    return retry(S, env, out, node, why, which or nil)
  end
  if rest and rest:match("%S") and not node.secret then S.unused[#S.unused + 1] = rest end
  S.context.entities[node.name] = v
  S.await = nil
  record(S, node, "processed")
  return run(S, env, out, follow(node, S.context))
end

answer.confirmation = function(S, env, out, node, text)
  if blank(S, env, out, node, text) then return end
  local yn = entities.yes_no(text, node.synonyms)
  if not yn then
    record(S, node, "error")
    if offer_switch(S, env, out, text) then return end
    return retry(S, env, out, node, "not yes or no")
  end
  S.context.entities[node.name] = yn == "yes"
  S.await = nil
  record(S, node, "processed")
  local go = follow(node, S.context)
  if go == nil then go = node[yn] end
  return run(S, env, out, go)
end

-- An answer that no transition of a waiting message takes ("more" is
-- expected) and that asks for another task starts that task.
answer.message = function(S, env, out, node, text)
  S.context.input = text
  S.await = nil
  local go = follow(node, S.context)
  if go == nil and #S.stack == 0 then
    local other = routing.route(env.bot, text)
    if other then
      end_task(S, env)
      start_task(S, env, other, text)
      return run(S, env, out, S.node)
    end
  end
  return run(S, env, out, go)
end

-- ---- amending a value given before --------------------------------------------

-- "lastName" reads "last name".
local function spoken(name)
  return name:gsub("(%l)(%u)", "%1 %2"):gsub("_", " "):lower()
end

local lpeg = require "lpeg"

-- The grammar of an amendment for the given entity names:
-- "change the company to Acme", "no, the last name is Smith",
-- "set email = a@b.c"; captures the name and the new value.
local function amend_grammar(names)
  local P, S_, C = lpeg.P, lpeg.S, lpeg.C
  local sp, space = S_" \t" ^ 0, S_" \t" ^ 1
  local function ci(w)
    local p = P(true)
    for ch in w:gmatch(".") do p = p * S_(ch:lower() .. ch:upper()) end
    return p
  end
  table.sort(names, function(a, b) return #a[1] > #b[1] end)
  local name = P(false)
  for _, n in ipairs(names) do name = name + ci(n[1]) * lpeg.Cc(n[2]) end
  local the = (ci"the" * space) ^ -1
  local value = sp * C(P(1) ^ 1)
  local verb = (ci"change" + ci"set" + ci"update" + ci"make") * space
  local to = space * (ci"to" + ci"is" + ci"should be") * -lpeg.R("az", "AZ") + sp * P"="
  local lead = ((ci"no" + ci"sorry" + ci"actually") * sp * S_",." ^ -1 * sp) ^ -1
  return lead * (verb * the * name * to + the * name * to) * value
end

-- Tries `text` as an amendment of a value the task already has: the
-- value is parsed and validated as its entity's, and the flow runs again
-- from that entity. Returns true when it was one.
local function amend(S, env, out, text)
  local task = env.bot.tasks[S.task]
  local names = {}
  for _, node in ipairs(task.nodes) do
    if node.type == "entity" and S.context.entities[node.name] ~= nil then
      names[#names + 1] = { spoken(node.name), node.name }
      if node.display_name then names[#names + 1] = { node.display_name:lower(), node.name } end
    end
  end
  if #names == 0 then return false end
  -- the grammar of these names, built once per task and set of names
  local cache_key = {}
  for i, n in ipairs(names) do cache_key[i] = n[1] .. "=" .. n[2] end
  cache_key = table.concat(cache_key, "\0")
  task.amend_grammars = task.amend_grammars or {}
  task.amend_grammars_keys = task.amend_grammars_keys or {}
  local grammar = task.amend_grammars[cache_key]
  if not grammar then
    grammar = amend_grammar(names)
    if #task.amend_grammars_keys >= 64 then -- bounded: start again
      task.amend_grammars, task.amend_grammars_keys = {}, {}
    end
    task.amend_grammars[cache_key] = grammar
    task.amend_grammars_keys[#task.amend_grammars_keys + 1] = cache_key
  end
  local name, value = grammar:match(text)
  if not name then return false end
  local node = task.by_name[name]
  local spec = with_values(S, env, node)
  local v, why = entities.parse(spec, value, entity_env(S, env, node))
  if v == nil then
    local current = task.by_name[S.node]
    respond(out, S, env, "invalid_value", { reason = why or "not valid",
      prompt = _M.fill(prompt_of(S, current) or "", S.context) })
    return true
  end
  S.context.entities[name] = v
  S.retries, S.await = 0, nil
  record(S, node, "amended")
  run(S, env, out, follow(node, S.context))
  return true
end

local INTERRUPT = { cancel = "cancel", stop = "cancel", ["start over"] = "restart",
  restart = "restart" }

-- ---- the turn -----------------------------------------------------------------------------------

local function step(S, input, env, out)
  local bot = env.bot
  if input.event == "start" then
    if input.task then
      start_task(S, env, input.task, input.text)
      return run(S, env, out, S.node)
    end
    return respond(out, S, env, "welcome", { tasks = routing.task_names(bot) })
  end
  if input.event == "authorized" then
    -- the user has authorized: the service node that waited runs again
    if S.await ~= "authorization" then return end
    return run(S, env, out, S.node)
  end
  if input.event == "service_result" then
    if S.await ~= "service" or input.node ~= S.node then
      error("a service result for node " .. tostring(input.node) .. " that nothing waits for", 0)
    end
    local node = bot.tasks[S.task].by_name[S.node]
    if input.unauthorized then
      S.await = "authorization"
      record(S, node, "pause")
      respond(out, S, env, "needs_authorization", { url = input.url or "" })
      local m = out.messages[#out.messages]
      if m and input.url then -- a button to the user's own authorization link
        m.rich = { text = m.text, buttons = { { title = "Authorize", url = input.url } } }
      end
      return
    end
    if input.integration then -- disabled, or its pre-authorization lost
      record(S, node, "error")
      respond(out, S, env, "integration_" .. input.integration)
      while S.task do end_task(S, env) end
      return
    end
    local resp = copy(input.response) or {}
    if node.type == "entity" then -- the values of a picklist
      S.await = nil
      if input.failed then
        respond(out, S, env, "task_failed")
        while S.task do end_task(S, env) end
        return
      end
      S.context.picklists = S.context.picklists or {}
      S.context.picklists[node.name] = resp.body
      return run(S, env, out, node.name)
    end
    S.context[node.name] = { response = resp }
    S.await = nil
    if node.post then run_code(S, env, node, node.post, nil, S.context) end
    if input.failed then
      record(S, node, "error")
      if node.on_failure and node.on_failure ~= "end" then
        return run(S, env, out, node.on_failure)
      end
      respond(out, S, env, "task_failed")
      while S.task do end_task(S, env) end
      if S.held then return run(S, env, out, resume_held(S, env, out)) end
      return
    end
    record(S, node, "processed")
    return run(S, env, out, follow(node, S.context))
  end
  local text = input.text
  if type(text) ~= "string" then error("an input needs text or an event", 0) end
  if S.await == "service" then error("a turn while a service call is in flight", 0) end
  if S.await == "authorization" then
    local cmd = INTERRUPT[entities.normalise(text):sub(2, -2)]
    if cmd == "cancel" then
      respond(out, S, env, "task_cancelled")
      return idle(S, env)
    end
    return respond(out, S, env, "needs_authorization", { url = "" })
  end
  if S.task and S.await == "input" then
    local said = entities.normalise(text):sub(2, -2)
    local cmd = (bot.interruptions or INTERRUPT)[said] or INTERRUPT[said]
    if cmd == "cancel" then
      respond(out, S, env, "task_cancelled")
      idle(S, env)
      return
    elseif cmd == "restart" then
      local first = S.stack[1] and S.stack[1].task or S.task
      idle(S, env)
      start_task(S, env, first)
      return run(S, env, out, S.node)
    end
    local node = bot.tasks[S.task].by_name[S.node]
    -- (a secret answer is no amendment: it would go into another entity)
    if not node.secret and amend(S, env, out, text) then return end
    return answer[node.type](S, env, out, node, text)
  end
  if S.task and S.await == "switch" then
    local yn = entities.yes_no(text)
    local other, pending, said = S.switch_to, S.switch_text, S.switch_said
    S.switch_to, S.switch_text, S.switch_said, S.await = nil, nil, nil, "input"
    if yn == "yes" then
      if bot.hold_tasks ~= false then
        S.held = { task = S.task, node = S.node, context = S.context, stack = S.stack,
          unused = S.unused, filled = S.filled }
      end
      local held = S.held
      -- (a held task keeps its secrets; a dropped one forgets them)
      idle(S, bot.hold_tasks == false and env or nil)
      S.held = held
      start_task(S, env, other, said) -- what it said fills the task's entities
      return run(S, env, out, S.node)
    end
    local node = bot.tasks[S.task].by_name[S.node]
    if pending and yn == "no" then return answer.entity(S, env, out, node, pending, true) end
    return say_prompt(S, env, out, node)
  end
  local name, candidates = routing.route(bot, text)
  if not name then
    if candidates then
      return respond(out, S, env, "which_task", { tasks = routing.task_names(bot, candidates) })
    end
    return respond(out, S, env, "did_not_understand", { tasks = routing.task_names(bot) })
  end
  start_task(S, env, name, text)
  return run(S, env, out, S.node)
end

--- One turn. `input` is {text = ...}, {event = "postback", payload = text}
-- (a button pressed), {event = "start", task = name?,
-- text = utterance?} or {event = "service_result", node, response =
-- {statusCode, body}, failed = bool}. `env`: bot (loaded), now (clock),
-- utc_offset, limits ({instructions, memory_kb}), log (function).
-- Returns the new state, the messages ({text} or {rich, text}) and the
-- effects; on a developer's error or a state past MAX_STATE_BYTES, the
-- previous state's task is ended (or the previous state kept) and a
-- fourth value describes the failure.
function _M.turn(state, input, env)
  input = _M.postback(input)
  local S = copy(state or _M.new())
  local out = { messages = {}, effects = {} }
  env.budget = sandbox.new_budget(env.limits)
  env.session, env.out = nil, out
  S.now = env.now and env.now() or nil
  S.filled = S.filled or {}
  S.context.session = S.context.session or {}
  S.context.session.UserContext = copy(S.user)
  local ok, err = pcall(step, S, input, env, out)
  env.budget, env.session, env.out = nil, nil, nil
  if not ok then
    if getmetatable(err) ~= Failure then error(err, 0) end
    local where = (err.task or "?") .. ":" .. (err.node or "?")
    if env.log then env.log("dialog: " .. where .. ": " .. err.message) end
    S = copy(state or _M.new())
    idle(S, env)
    out = { messages = {}, effects = {} }
    respond(out, S, env, "task_failed")
    return S, out.messages, out.effects, { kind = "script", task = err.task, node = err.node,
      message = err.message }
  end
  local encoded_ok, encoded = pcall(json.encode, S)
  if not encoded_ok then
    local msg = "the session state is not plain data: " .. tostring(encoded)
    if env.log then
      env.log("dialog: " .. tostring(S.task) .. ":" .. tostring(S.node) .. ": " .. msg)
    end
    local prev = copy(state or _M.new())
    out = { messages = {}, effects = {} }
    respond(out, prev, env, "task_failed")
    idle(prev, env)
    return prev, out.messages, {}, { kind = "state", message = msg }
  end
  if #encoded > (env.max_state_bytes or _M.MAX_STATE_BYTES) then
    local msg = string.format("the session state would be %d bytes, more than the %d allowed",
      #encoded, env.max_state_bytes or _M.MAX_STATE_BYTES)
    if env.log then env.log("dialog: " .. msg) end
    local prev = copy(state or _M.new())
    out = { messages = {}, effects = {} }
    respond(out, prev, env, "task_failed")
    return prev, out.messages, {}, { kind = "state_too_large", message = msg }
  end
  return S, out.messages, out.effects
end

--- The input a button press is: a postback ({event = "postback", payload
-- = text}) is the text of its payload, as if the user had said it; any
-- other input is returned as it is.
function _M.postback(input)
  if type(input) ~= "table" or input.event ~= "postback" then return input end
  if type(input.payload) ~= "string" then
    error("a postback input needs its payload (a string), got " .. type(input.payload), 2)
  end
  return { text = input.payload }
end

--- What runners show for a user line that answers an entity marked
-- secret (the --answers transcript, a conversation test's failure).
_M.MASK = "****"

--- Whether `state` waits for the answer to an entity marked secret.
function _M.awaits_secret(bot, state)
  local task = state and state.task and bot.tasks[state.task]
  local node = task and state.node and task.by_name[state.node]
  return node ~= nil and node.secret == true and state.await == "input"
end

--- The user line `text`, said in `state`, as a runner echoes it: MASK for
-- the answer to a secret entity.
function _M.shown(bot, state, text)
  if _M.awaits_secret(bot, state) then return _M.MASK end
  return text
end

--- The task an utterance asks for (see luaforce.dialog.routing).
_M.route = routing.route

--- The state as JSON text, and back (numbers keep their Lua subtype).
function _M.encode(state) return json.encode(state) end
function _M.decode(text) return require("luaforce.dialog.native").json_decode(text) end

return _M
