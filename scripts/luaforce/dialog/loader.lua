-- luaforce.dialog.loader: loads task files and bots in the sandbox and
-- validates them as Kong validates a plugin's schema: every problem is
-- reported as "file:node: problem", all of them at once.
local api = require "luaforce.dialog.api"
local entities = require "luaforce.dialog.entities"
local sandbox = require "luaforce.dialog.sandbox"

local error, io, ipairs, math, next, pairs, pcall, require, table, tostring, type =
  error, io, ipairs, math, next, pairs, pcall, require, table, tostring, type

local _M = {}

--- The standard responses; a bot overrides any of them.
_M.RESPONSES = {
  welcome = "Hello! How can I help you?",
  did_not_understand = "Sorry, I did not understand. I can help you with: {{tasks}}.",
  which_task = "Which one did you mean: {{tasks}}?",
  task_cancelled = "OK, I have cancelled that.",
  task_failed = "Sorry, something went wrong. Please try again later.",
  needs_authorization = "User needs to authorize or re-authorize.",
  integration_disabled = "Sorry, the Salesforce integration is disabled, so I cannot do that "
    .. "now. Please contact the bot's administrator.",
  integration_error = "Sorry, I cannot reach Salesforce: the bot's authorization was lost. "
    .. "Please contact the bot's administrator.",
  retries_exceeded = "Sorry, I could not understand that. Let's stop here.",
  invalid_value = "That does not look right ({{reason}}). {{prompt}}",
  optional_left_out = "That does not look right either ({{reason}}), so I will leave it out.",
  switch_task = "Do you want to stop this and {{task}} instead?",
  resume_task = "Let's get back to {{task}}.",
  same_task = "We are doing that now ({{task}}). {{prompt}}",
  offer_values = "{{prompt}} {{values}}",
  values_or = "or",
  which_value = "Which one: {{values}}?",
}

local NODE_TYPES = { entity = true, message = true, script = true, confirmation = true,
  logic = true, dialog = true, ["end"] = true, service = true }

-- The fields each node type takes (besides name, type, next, display_name,
-- description); an unknown field is an error, so a typo cannot pass.
local COMMON = { name = true, type = true, next = true, display_name = true, description = true }
local FIELDS = {
  entity = { entity_type = true, prompt = true, error_prompts = true, retries = true,
    on_retries_exceeded = true, mode = true, default = true, rules = true, multi = true,
    values = true, values_from = true,
    threshold = true, order = true, currency = true, prefix = true,
    pattern = true, validate = true, synonyms = true, volunteer = true, secret = true,
    show_values = true },
  message = { text = true, script = true, wait = true },
  script = { script = true },
  confirmation = { prompt = true, error_prompts = true, retries = true,
    on_retries_exceeded = true, yes = true, no = true, synonyms = true },
  logic = { set = true, delete = true },
  dialog = { task = true },
  ["end"] = { text = true },
  service = { method = true, path = true, url = true, query = true, binds = true, body = true,
    call = true, pre = true, post = true, timeout = true, on_failure = true, headers = true },
}

local OPS = { exists = "exists", ["not exists"] = "not_exists", not_exists = "not_exists",
  ["does not exist"] = "not_exists", ["=="] = "eq", eq = "eq", equals = "eq",
  ["~="] = "ne", ["!="] = "ne", ne = "ne", ["not equals"] = "ne", ["<"] = "lt",
  [">"] = "gt", ["<="] = "le", [">="] = "ge", contains = "contains" }
_M.OPS = OPS

local TASK_FIELDS = { name = true, display_name = true, description = true, utterances = true,
  integration = true, nodes = true, start = true, languages = true }
local BOT_FIELDS = { name = true, welcome = true, responses = true, languages = true,
  interruptions = true, routing = true, allow_hosts = true, hold_tasks = true }

-- Nodes that wait for the user: a loop of transitions must pass one.
local function waits(node)
  if node.type == "entity" then return node.mode ~= "hidden" end
  if node.type == "confirmation" then return true end
  if node.type == "message" then return node.wait == true end
  return false
end

-- The targets of a node: { node name = true } with where each comes from.
local function targets(node)
  local out = {}
  local function add(t, what) if type(t) == "string" then out[#out + 1] = { t, what } end end
  if type(node.next) == "string" then
    add(node.next, "next")
  elseif type(node.next) == "table" then
    for i, rule in ipairs(node.next) do add(rule.go, "next[" .. i .. "].go") end
  end
  add(node.on_retries_exceeded ~= "end" and node.on_retries_exceeded or nil,
    "on_retries_exceeded")
  add(node.on_failure ~= "end" and node.on_failure or nil, "on_failure")
  if node.type == "confirmation" then
    add(node.yes, "yes")
    add(node.no, "no")
  end
  return out
end
_M.targets = targets

local function check_condition(cond, where, problems)
  if type(cond) ~= "table" then
    problems[#problems + 1] = where .. ": a condition is a table"
    return
  end
  local list = cond.all or cond.any
  if list then
    if cond.all and cond.any then
      problems[#problems + 1] = where
        .. ": a condition joins its criteria by all or by any, not both"
    end
    for i, c in ipairs(list) do check_condition(c, where .. "[" .. i .. "]", problems) end
    return
  end
  if type(cond[1]) ~= "string" then
    problems[#problems + 1] = where .. ": a condition starts with a context path"
  end
  if not OPS[cond[2]] then
    problems[#problems + 1] = where .. ": unknown operator '" .. tostring(cond[2]) .. "'"
  end
end

-- A service call's timeout (seconds, 1 to 60; nil for the default 20),
-- which bounds the whole call as the user waits, retries included.
local function check_timeout(v, what, problems)
  if v ~= nil and (type(v) ~= "number" or v < 1 or v > 60) then
    problems[#problems + 1] = what .. " is 1 to 60 seconds"
  end
end

local function check_text(v, what, where, problems, optional)
  if v == nil then
    if not optional then problems[#problems + 1] = where .. ": no " .. what end
    return
  end
  local t = type(v)
  if t ~= "string" and t ~= "table" and t ~= "function" then
    problems[#problems + 1] = where .. ": " .. what .. " is a string, a list or a table by language"
  end
end

-- Validates one node; problems are appended as "file:node: problem".
local function check_node(node, where, names, problems)
  local t = node.type
  if not NODE_TYPES[t] then
    problems[#problems + 1] = where .. ": unknown node type '" .. tostring(t) .. "'"
    return
  end
  for k in pairs(node) do
    if not COMMON[k] and not FIELDS[t][k] then
      problems[#problems + 1] = where .. ": unknown field '" .. tostring(k) .. "' for a "
        .. t .. " node"
    end
  end
  for _, tg in ipairs(targets(node)) do
    if not names[tg[1]] then
      problems[#problems + 1] = where .. ": " .. tg[2] .. " goes to unknown node '" .. tg[1] .. "'"
    end
  end
  if type(node.next) == "table" then
    for i, rule in ipairs(node.next) do
      if rule.when ~= nil then check_condition(rule.when, where .. ": next[" .. i .. "].when",
        problems) end
    end
  elseif node.next ~= nil and type(node.next) ~= "string" then
    problems[#problems + 1] = where .. ": next is a node name or a list of rules"
  end
  if t == "entity" then
    local et = node.entity_type or "string"
    if not entities.known(et) then
      problems[#problems + 1] = where .. ": unknown entity type '" .. tostring(et) .. "'"
    end
    if node.mode ~= nil and node.mode ~= "mandatory" and node.mode ~= "optional"
      and node.mode ~= "hidden" then
      problems[#problems + 1] = where .. ": mode is mandatory, optional or hidden"
    end
    check_text(node.prompt, "prompt", where, problems, node.mode == "hidden")
    if et == "picklist" and type(node.values) ~= "table" and type(node.values) ~= "function"
      and node.values_from == nil then
      problems[#problems + 1] = where .. ": a picklist needs values or values_from"
    end
    if node.values_from ~= nil and (type(node.values_from) ~= "table"
      or type(node.values_from.sobject) ~= "string" or type(node.values_from.field) ~= "string")
    then
      problems[#problems + 1] = where .. ": values_from is { sobject = NAME, field = NAME }"
    end
    if type(node.volunteer) == "table" then
      for _, w in ipairs(node.volunteer) do
        if type(w) ~= "string" or not w:match("%S") then
          problems[#problems + 1] = where .. ": volunteer is true, false or a list of words"
          break
        end
      end
    elseif node.volunteer ~= nil and type(node.volunteer) ~= "boolean" then
      problems[#problems + 1] = where .. ": volunteer is true, false or a list of words"
    end
    if node.values_from ~= nil and type(node.values_from) == "table"
      and node.values_from.record ~= nil and type(node.values_from.record) ~= "string" then
      problems[#problems + 1] = where .. ": values_from.record is a context path"
    end
    if node.secret ~= nil and type(node.secret) ~= "boolean" then
      problems[#problems + 1] = where .. ": secret is true or false"
    end
    local sv = node.show_values
    if sv ~= nil and sv ~= false and not (math.type(sv) == "integer" and sv >= 1) then
      problems[#problems + 1] = where .. ": show_values is false or a number of values (1 or more)"
    end
    if type(node.values_from) == "table" then check_timeout(node.values_from.timeout, where
      .. ": values_from.timeout", problems) end
    if et == "custom" and not node.pattern and type(node.validate) ~= "function" then
      problems[#problems + 1] = where .. ": a custom entity needs a pattern or a validate function"
    end
  elseif t == "confirmation" then
    check_text(node.prompt, "prompt", where, problems)
  elseif t == "message" then
    if node.text == nil and node.script == nil then
      problems[#problems + 1] = where .. ": a message node needs text or a script"
    end
  elseif t == "script" then
    if type(node.script) ~= "function" and type(node.script) ~= "string" then
      problems[#problems + 1] = where .. ": a script node needs a script"
    end
  elseif t == "service" then
    if node.call == nil and node.path == nil and node.query == nil and node.url == nil then
      problems[#problems + 1] = where .. ": a service node has nothing to call"
        .. " (path, query, call or url)"
    end
    check_timeout(node.timeout, where .. ": timeout", problems)
  elseif t == "dialog" then
    if type(node.task) ~= "string" then
      problems[#problems + 1] = where .. ": a dialog node names the task it runs"
    end
  end
  if node.retries ~= nil and (type(node.retries) ~= "number" or node.retries < 1
    or node.retries > 5) then
    problems[#problems + 1] = where .. ": retries is 1 to 5"
  end
end

-- Finds the nodes in a loop of transitions that waits for nothing.
local function find_busy_loop(task)
  local state = {}
  local found
  local function visit(name, path)
    if found then return end
    local node = task.by_name[name]
    if not node or waits(node) then return end
    if state[name] == "open" then
      local loop, on = {}, false
      for _, n in ipairs(path) do
        if n == name then on = true end
        if on then loop[#loop + 1] = n end
      end
      found = loop
      return
    end
    if state[name] == "done" then return end
    state[name] = "open"
    path[#path + 1] = name
    for _, tg in ipairs(targets(node)) do visit(tg[1], path) end
    path[#path] = nil
    state[name] = "done"
  end
  for _, node in ipairs(task.nodes) do visit(node.name, {}) end
  return found
end

-- Checks that `v` was declared as dialog.<kind>{...} with known fields
-- only; appends the problems. False when it was not declared so.
local function declared(v, kind, file, fields, problems)
  if type(v) ~= "table" or api.kind(v) ~= kind then
    problems[#problems + 1] = file .. ": the file does not return dialog." .. kind .. "{...}"
    return false
  end
  for k in pairs(v) do
    if not fields[k] then
      problems[#problems + 1] = file .. ": unknown " .. kind .. " field '" .. tostring(k) .. "'"
    end
  end
  return true
end

--- Validates a task table (as a task file returned it). `file` names it
-- in the problems. Returns the task, or nil and the list of problems.
function _M.check_task(t, file)
  local problems = {}
  if not declared(t, "task", file, TASK_FIELDS, problems) then return nil, problems end
  if type(t.name) ~= "string" or not t.name:match("^[%a_][%w_%-]*$") then
    problems[#problems + 1] = file .. ": the task needs a name (letters, digits, _ and -)"
  end
  if t.integration ~= nil and t.integration ~= "salesforce" then
    problems[#problems + 1] = file .. ": unknown integration '" .. tostring(t.integration)
      .. "' (salesforce)"
  end
  if type(t.nodes) ~= "table" or #t.nodes == 0 then
    problems[#problems + 1] = file .. ": the task has no nodes"
    return nil, problems
  end
  local by_name = {}
  for i, node in ipairs(t.nodes) do
    if type(node) ~= "table" or type(node.name) ~= "string" then
      problems[#problems + 1] = file .. ":#" .. i .. ": a node needs a name"
    elseif not node.name:match("^[%a_][%w_]*$") then
      problems[#problems + 1] = file .. ":" .. node.name
        .. ": a node name is letters, digits and _ (it is a context path)"
    elseif by_name[node.name] then
      problems[#problems + 1] = file .. ":" .. node.name .. ": duplicate node name"
    else
      by_name[node.name] = node
    end
  end
  for _, node in ipairs(t.nodes) do
    if type(node) == "table" and type(node.name) == "string" then
      check_node(node, file .. ":" .. node.name, by_name, problems)
    end
  end
  local start = t.start or (t.nodes[1] and t.nodes[1].name)
  if not by_name[start] then
    problems[#problems + 1] = file .. ": start node '" .. tostring(start) .. "' is unknown"
  end
  if #problems > 0 then return nil, problems end
  local task = { name = t.name, display_name = t.display_name or (t.name:gsub("_", " ")),
    description = t.description, utterances = t.utterances or {},
    integration = t.integration, nodes = t.nodes, by_name = by_name, start = start,
    file = file }
  -- reachable from the start
  local seen, todo = { [start] = true }, { start }
  while #todo > 0 do
    local node = by_name[table.remove(todo)]
    for _, tg in ipairs(targets(node)) do
      if not seen[tg[1]] then
        seen[tg[1]] = true
        todo[#todo + 1] = tg[1]
      end
    end
  end
  for _, node in ipairs(t.nodes) do
    if not seen[node.name] then
      problems[#problems + 1] = file .. ":" .. node.name .. ": unreachable from the start node"
    end
  end
  local loop = find_busy_loop(task)
  if loop then
    problems[#problems + 1] = file .. ":" .. loop[1] .. ": a loop of transitions waits for no "
      .. "user input (" .. table.concat(loop, " -> ") .. " -> " .. loop[1] .. ")"
  end
  if #problems > 0 then return nil, problems end
  return task
end

-- Runs a file of the bot in a fresh sandbox environment. Returns the
-- value it returned and its env, or nil and a problem.
local function run_file(path, limits)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  local env = sandbox.env()
  local fn, msg = sandbox.compile(text, "@" .. path, env)
  if not fn then return nil, msg end
  local res = table.pack(sandbox.call(sandbox.new_budget(limits), fn))
  if not res[1] then -- the message ("file:line: ..."), without the traceback
    return nil, (tostring(res[2]):match("^[^\n]*"))
  end
  return res[2], env
end

--- Loads and validates one task file. Returns the task, or nil and the
-- list of problems.
function _M.load_task(path, limits)
  local t, env = run_file(path, limits)
  if t == nil then return nil, { env } end
  local task, problems = _M.check_task(t, path)
  if not task then return nil, problems end
  task.env = env
  return task
end

local function list_lua(dir)
  local ok, lfs = pcall(require, "lfs")
  if not ok then error("lua-filesystem is needed to read a bot's folder", 0) end
  local files = {}
  for name in lfs.dir(dir) do
    if name:match("%.lua$") and name ~= "bot.lua" then files[#files + 1] = name end
  end
  table.sort(files)
  return files, lfs
end

--- Loads a bot: a folder with bot.lua and task files, or a single task
-- file (a bot of one task with the standard responses). Returns the bot
-- { name, responses, tasks = {name = task}, order = {names} }, or nil
-- and the list of problems.
function _M.load(path, limits)
  local problems = {}
  local bot = { name = "bot", responses = {}, tasks = {}, order = {}, languages = { "en" },
    routing = {}, interruptions = {} }
  for k, v in pairs(_M.RESPONSES) do bot.responses[k] = v end
  local files = { path }
  local lfs_ok, lfs = pcall(require, "lfs")
  local is_dir = lfs_ok and lfs.attributes(path, "mode") == "directory"
  if is_dir then
    local ok, list = pcall(list_lua, path)
    if not ok then return nil, { tostring(list) } end
    files = {}
    for i, name in ipairs(list) do files[i] = path .. "/" .. name end
    local botfile = path .. "/bot.lua"
    if lfs.attributes(botfile, "mode") == "file" then
      local b, err = run_file(botfile, limits)
      if b == nil then
        problems[#problems + 1] = err
      elseif declared(b, "bot", botfile, BOT_FIELDS, problems) then
        bot.name = b.name or bot.name
        bot.file = botfile
        for k, v in pairs(b.responses or {}) do
          if not _M.RESPONSES[k] then
            problems[#problems + 1] = botfile .. ": unknown standard response '" .. k .. "'"
          end
          bot.responses[k] = v
        end
        if b.welcome then bot.responses.welcome = b.welcome end
        bot.languages = b.languages or bot.languages
        bot.routing = b.routing or bot.routing
        bot.interruptions = b.interruptions or bot.interruptions
        bot.allow_hosts = b.allow_hosts
        bot.hold_tasks = b.hold_tasks
      end
    end
  end
  for _, file in ipairs(files) do
    local task, errs = _M.load_task(file, limits)
    if task then
      if bot.tasks[task.name] then
        problems[#problems + 1] = file .. ": a second task named '" .. task.name .. "'"
      else
        bot.tasks[task.name] = task
        bot.order[#bot.order + 1] = task.name
      end
    else
      for _, p in ipairs(errs) do problems[#problems + 1] = p end
    end
  end
  if #problems == 0 then
    for _, task in pairs(bot.tasks) do
      for _, node in ipairs(task.nodes) do
        if node.type == "dialog" and not bot.tasks[node.task] then
          problems[#problems + 1] = task.file .. ":" .. node.name .. ": unknown task '"
            .. node.task .. "'"
        end
      end
    end
  end
  if #problems > 0 then return nil, problems end
  if next(bot.tasks) == nil then return nil, { path .. ": no task files" } end
  bot.warnings = _M.check_languages(bot)
  return bot
end

local TEXT_FIELDS = { "prompt", "error_prompts", "text" }

-- The declared languages that text `v` lacks (a plain string or a list
-- counts as the first language only).
local function missing_langs(v, langs)
  local out = {}
  local by_lang = type(v) == "table" and v[1] == nil
  for i, lang in ipairs(langs) do
    if (by_lang and v[lang] == nil) or (not by_lang and i > 1) then out[#out + 1] = lang end
  end
  return out
end

--- The texts of a bot that lack a language the bot declares (a plain
-- string counts as the first language only): "file:node: ..." lines, then
-- the standard responses (those not overridden are in English only) as
-- "bot.lua: no 'de' standard response 'name'" lines.
function _M.check_languages(bot)
  local out = {}
  local langs = bot.languages or { "en" }
  if #langs < 2 then return out end
  for _, name in ipairs(bot.order) do
    local task = bot.tasks[name]
    for _, node in ipairs(task.nodes) do
      for _, field in ipairs(TEXT_FIELDS) do
        local v = node[field]
        if v ~= nil and type(v) ~= "function" then
          for _, lang in ipairs(missing_langs(v, langs)) do
            out[#out + 1] = task.file .. ":" .. node.name .. ": no '" .. lang .. "' " .. field
          end
        end
      end
    end
  end
  local keys = {}
  for k in pairs(bot.responses) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = bot.responses[k]
    for _, lang in ipairs(missing_langs(v, langs)) do
      out[#out + 1] = (bot.file or "bot.lua") .. ": no '" .. lang .. "' standard response '"
        .. k .. "'" .. (v == _M.RESPONSES[k] and " (the default is in English only)" or "")
    end
  end
  return out
end

return _M
