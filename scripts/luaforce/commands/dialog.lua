-- luaforce.commands.dialog: `luaforce dialog run|check ...`: talks to a
-- bot or a task on a terminal, from an answers file or over JSON lines,
-- and validates task files. The engine is luaforce.dialog.
local args = require "luaforce.args"
local cjson = require "cjson"
local dialog = require "luaforce.dialog"
local runner = require "luaforce.dialog.runner"

local io, ipairs, pairs, pcall, require, table, tostring, type =
  io, ipairs, pairs, pcall, require, table, tostring, type

local USAGE = [=[
luaforce dialog run BOT|TASK [--answers FILE | --jsonl] [--user ID] [--lang LANG]
                            [--session NAME] [--workspace DIR] [--profile NAME]
luaforce dialog check PATH
luaforce dialog graph TASK [--format mermaid|dot]
luaforce dialog test FILE...]=]

local HELP = [=[
BOT is a folder of task files with a bot.lua; TASK is one task file (the
conversation starts in it). Salesforce calls use the workspace's stored
authorization (see 'luaforce auth'): --profile (default "system") and
--user pick it.

When the bot's Salesforce integration is in allow-users mode (see
'luaforce integration'), --user is needed, and a user who must authorize
gets a link; while the session waits, luaforce listens on the app's
callback URL (http on a loopback host with a port) and the redirect of
the link resumes the session where it paused ('luaforce auth callback
URL' does too). A line typed meanwhile is answered as usual.

--session NAME keeps the conversation in the workspace: its state is saved
after every turn (atomically, in the workspace's store) and a later run
with the same bot, --user and NAME, in any process, resumes it where it
was. Session variables (BotUserSession, UserSession, BotContext,
EnterpriseContext) live in the workspace's store with --session, in
memory otherwise.

run talks on the terminal; with --answers FILE it reads one user line a
line from FILE and prints the conversation as "user: ..." and "bot: ..."
lines; with --jsonl it reads one JSON object a line on standard input,
{"text": "..."}, {"event": "postback", "payload": "..."} (a button
pressed: as if its payload were said) or {"event": "..."}, and writes one
JSON object a line:
{"type": "message", "text": "..."} (with "rich": {...} for a rich
message) for each bot message, then {"type": "turn_end", "task": NAME or
null, "node": NAME or null} after each turn; a line it cannot take gets
{"type": "error", "message": "..."} instead (the conversation goes on; the
run then ends with status 1). Nothing else goes to standard output;
diagnostics go to standard error.

A session resumed with --session while it waits for the end user's
authorization runs the node that waited again: with the tokens when they
have come, else with a fresh link (the older one stops working).

check loads a task file or a bot folder and prints every problem as
"file:node: problem"; exit status 1 when there is one.

graph prints the flow of a task (or of each task of a bot): its nodes
with their types and its transitions with their conditions, as a Mermaid
flowchart (default) or Graphviz DOT.

test plays conversation tests (see README.md, "Conversation tests")
against the bot they name, with the workspace's authorization, prints
"ok" or "FAIL" for each test and the node coverage of each task, and
exits with status 1 when a test failed. A file with @workspace runs in
the workspace (--workspace) as 'dialog run --session' does, and its tests
can change the integration (@integration), query the org (@query), drive
the local emulator (@emulator), let an end user authorize (authorize:)
and switch end users (@as).]=]

local function err(msg)
  io.stderr:write("luaforce: dialog: ", msg, "\n")
end

local function usage_error(msg)
  err(msg .. " (see 'luaforce help dialog')")
  return 2
end

-- A rich message as text: its text, then each button as [Title] target;
-- quick replies (a picklist's values) as the text that names them.
local function render(m)
  if not m.rich or m.rich.type == "quick_replies" then return m.text or "" end
  local r = m.rich
  local lines = { r.text or r.title }
  for _, b in ipairs(r.buttons or {}) do
    lines[#lines + 1] = "[" .. tostring(b.title) .. "] " .. tostring(b.url or b.payload or "")
  end
  for _, item in ipairs(r.items or r.elements or {}) do
    lines[#lines + 1] = "- " .. tostring(type(item) == "table" and (item.title or item.text)
      or item)
  end
  return table.concat(lines, "\n")
end

local function load(path)
  local bot, problems = dialog.load(path)
  if not bot then
    for _, p in ipairs(problems) do io.stderr:write(p, "\n") end
    return nil
  end
  return bot
end

local function check(rest)
  if not rest[1] then return usage_error("check: missing PATH") end
  local bot = load(rest[1])
  if not bot then return 1 end
  if #bot.warnings > 0 then
    for _, w in ipairs(bot.warnings) do io.stderr:write(w, "\n") end
    return 1
  end
  io.stdout:write("ok: ", #bot.order, " task", #bot.order == 1 and "" or "s", " (",
    table.concat(bot.order, ", "), ")\n")
  return 0
end

local function graph(rest, opts)
  if not rest[1] then return usage_error("graph: missing TASK") end
  local format = opts.format or "mermaid"
  if format ~= "mermaid" and format ~= "dot" then
    return usage_error("graph: --format is mermaid or dot")
  end
  local bot = load(rest[1])
  if not bot then return 1 end
  local draw = require("luaforce.dialog.graph").render
  for _, name in ipairs(bot.order) do io.stdout:write(draw(bot.tasks[name], format)) end
  return 0
end

-- The end user's own authorization when there is one, else the
-- workspace's (pre-authorized).
local function connector(opts)
  return function()
    local salesforce = require "salesforce"
    local profile = opts.profile or "system"
    local c, e
    if opts.user then
      c, e = salesforce.connect{ profile = profile, user = opts.user, workspace = opts.workspace }
    end
    if not c then
      c, e = salesforce.connect{ profile = profile, workspace = opts.workspace }
    end
    if not c then err("cannot connect to Salesforce: " .. tostring(e)) end
    return c, e
  end
end

-- The pages the browser gets from the redirect listener.
local PAGE_DONE = "<html><body><p>luaforce: authorization received; you may close this "
  .. "window and go back to the conversation.</p></body></html>"
local PAGE_FAILED = "<html><body><p>luaforce: the authorization failed; the conversation "
  .. "says why.</p></body></html>"

-- The listener of the redirects of end users' links when the app's
-- callback URL is http on a loopback host with a port: { listen(respond)
-- -> target | false (standard input is readable) | nil, err }; or nil.
local function redirect_listener(ws, fields)
  local app = ws:app(fields.integration.app)
  local workspace = require "salesforce.workspace"
  local scheme, host, port, path = workspace.parse_url(app and app.redirect_uri or "")
  if scheme ~= "http" or not port or not workspace.is_loopback(host) then
    return nil
  end
  -- read standard input unbuffered: a line read ahead would wait behind the listener
  io.stdin:setvbuf("no")
  local core = require "salesforce.core"
  return { listen = function(respond)
    return core.listen_once(port, path, 24 * 3600 * 1000, respond, 0)
  end }
end

local function test(rest, opts)
  if not rest[1] then return usage_error("test: missing FILE") end
  local failed = require("luaforce.dialog.convtest").run(rest, connector(opts), io.stdout,
    { workspace = opts.workspace })
  return failed > 0 and 1 or 0
end

local function run(rest, opts)
  local path = rest[1]
  if not path then return usage_error("run: missing BOT or TASK") end
  if opts.answers and opts.jsonl then
    return usage_error("run: --answers and --jsonl cannot go together")
  end
  local bot = load(path)
  if not bot then return 1 end
  local env = { bot = bot, log = function(msg) io.stderr:write(msg, "\n") end }
  env.sf = connector(opts)
  local state = dialog.new{ lang = opts.lang, user = { id = opts.user,
    channel = opts.jsonl and "jsonl" or opts.answers and "answers" or "terminal" } }
  local store = require "luaforce.dialog.store"
  local integration = require "luaforce.integration"
  local ws, saved_key, resumed, temporary, listener
  local wsdir = require("salesforce.workspace").default_dir(opts.workspace)
  if opts.session or require("lfs").attributes(wsdir, "mode") == "directory" then
    local e
    ws, e = require("salesforce.workspace").open{ dir = opts.workspace }
    if not ws then
      err(tostring(e))
      return 1
    end
    -- the bot's Salesforce integration decides whose tokens calls use
    local abs = path:sub(1, 1) == "/" and path or (require("lfs").currentdir() .. "/" .. path)
    local fields
    fields, e = integration.dialog_env(ws, abs, opts)
    if fields and fields.authorize and not opts.session then
      -- allow-users: the session is kept in the workspace while this runs,
      -- so that a callback (the listener below, `luaforce auth callback`)
      -- resumes it; forgotten at the end
      opts.session = integration.temporary_session()
      temporary = true
      fields, e = integration.dialog_env(ws, abs, opts)
    end
    if not fields then
      err(tostring(e))
      return 1
    end
    for k, v in pairs(fields) do env[k] = v end
    if fields.authorize and not opts.answers then listener = redirect_listener(ws, fields) end
  end
  if opts.session then
    env.store = store.wrap(ws.store)
    if temporary then integration.sweep_temporary(ws, env.store) end
    saved_key = integration.session_key(bot.name, opts.user, opts.session)
    local saved, serr = env.store:get("dialog-state", saved_key)
    if serr then
      err(tostring(serr))
      return 1
    end
    if saved then state, resumed = saved, true end
  else
    env.store = store.memory()
  end
  local function save()
    if not saved_key then return true end
    local ok, e = env.store:put("dialog-state", saved_key, state,
      temporary and integration.TEMPORARY_TTL or nil)
    if not ok then err("cannot save the session: " .. tostring(e)) end
    return ok
  end
  local input = io.stdin
  if opts.answers then
    local f, e = io.open(opts.answers, "r")
    if not f then
      err(tostring(e))
      return 1
    end
    input = f
  end

  local function show(messages)
    for _, m in ipairs(messages) do
      if opts.jsonl then
        io.stdout:write(cjson.encode{ type = "message", text = m.text or render(m),
          rich = m.rich }, "\n")
      else
        io.stdout:write("bot: ", render(m):gsub("\n", "\n     "), "\n")
      end
    end
    if opts.jsonl then
      io.stdout:write(cjson.encode{ type = "turn_end", task = state.task or cjson.null,
        node = state.node or cjson.null }, "\n")
    end
    io.stdout:flush()
  end

  -- While the session waits for the end user's authorization, the
  -- redirect of their link (the browser, on the app's loopback callback
  -- URL) resumes it; a line typed meanwhile is read as usual. With
  -- `prompt` (a terminal whose lines are edited) the prompt is shown while
  -- waiting, and the terminal echoes what is typed after it: true is
  -- returned when a line is there to read (not to be edited and shown again).
  local function await_redirect(prompt)
    local shown = false
    local function end_prompt()
      if shown then io.stdout:write("\n") io.stdout:flush() end
      shown = false
    end
    while listener and state.await == "authorization" do
      if not opts.jsonl then
        io.stderr:write("(waiting for the authorization in the browser; or type to go on)\n")
      end
      if prompt then
        io.stdout:write(prompt)
        io.stdout:flush()
        shown = true
      end
      local resumed_messages
      local target, lerr = listener.listen(function(t)
        end_prompt()
        local ok, org, res = pcall(integration.callback, ws, t, { log = env.log })
        if ok and org then
          resumed_messages = res
          return PAGE_DONE
        end
        err("the authorization redirect was refused: " .. tostring(ok and res or org))
        return PAGE_FAILED
      end)
      if target == false then return shown end -- a line to read
      end_prompt()
      if not target then
        err("no longer listening for the authorization redirect: " .. tostring(lerr)
          .. " ('luaforce auth callback URL' still resumes the session)")
        listener = nil
        return
      end
      if resumed_messages then
        state = env.store:get("dialog-state", saved_key) or state
        show(resumed_messages)
      end
    end
  end

  local first = { event = "start" }
  if path:match("%.lua$") then first.task = bot.order[1] end -- a task file starts at once
  local messages
  if not resumed then
    state, messages = runner.turn(state, first, env)
    save()
    show(messages)
  elseif state.await == "authorization" and env.authorize then
    -- a session resumed while it waits for the user's authorization: the
    -- node runs again (with the tokens come meanwhile, else a fresh link)
    state, messages = runner.turn(state, { event = "authorized" }, env)
    save()
    show(messages)
  end
  -- on a terminal: line editing and history (libedit), Ctrl-D ends; the
  -- answer to a secret entity is read without echo and kept out of it
  local read, edited
  if not opts.answers and not opts.jsonl then
    read, edited = require("luaforce.terminal").reader()
  end
  local status = 0
  -- a --jsonl line refused: said (by its number: the line may hold a
  -- secret) on standard output and standard error, the line skipped and the
  -- conversation kept; the run ends with status 1
  local lines = 0
  local function refuse(msg)
    msg = "jsonl: line " .. lines .. ": " .. msg
    err(msg)
    io.stdout:write(cjson.encode{ type = "error", message = msg }, "\n")
    io.stdout:flush()
    status = 1
  end
  while true do
    local line, typed, why
    if input == io.stdin then typed = await_redirect(edited and "> ") end
    if read then
      line, why = read("> ", dialog.awaits_secret(bot, state), typed)
    else
      line = input:read("l")
    end
    if line == nil then
      -- two Ctrl-C in a row end as shells expect of an interrupted command
      if why == "interrupted" then status = require("luaforce.terminal").INTERRUPTED end
      break
    end
    line = line:gsub("\r$", "")
    lines = lines + 1
    local turn_input
    if opts.jsonl and not line:match("%S") then -- a blank line: nothing said
      turn_input = nil
    elseif opts.jsonl then
      local ok, v = pcall(cjson.decode, line)
      if not ok or type(v) ~= "table" or (type(v.text) ~= "string" and type(v.event) ~= "string")
      then
        refuse("each line is a JSON object, {\"text\": ...} or {\"event\": ...}")
      elseif v.event ~= nil and v.event ~= "start" and v.event ~= "authorized"
        and v.event ~= "postback" then
        refuse("unknown event '" .. tostring(v.event) .. "' (start, authorized or postback)")
      elseif v.event == "postback" and type(v.payload) ~= "string" then
        refuse("a postback is {\"event\": \"postback\", \"payload\": \"...\"}")
      else
        turn_input = { text = v.text, event = v.event, task = v.task, payload = v.payload }
      end
    else
      turn_input = { text = line }
      -- (the answer to a secret entity is masked)
      if opts.answers then io.stdout:write("user: ", dialog.shown(bot, state, line), "\n") end
    end
    if turn_input then
      if saved_key then -- a callback in another process may have resumed the session
        local saved = env.store:get("dialog-state", saved_key)
        if saved then state = saved end
      end
      state, messages = runner.turn(state, turn_input, env)
      if not save() then return 1 end
      show(messages)
    end
  end
  if input ~= io.stdin then input:close() end
  if temporary then -- forgotten, with the link it may wait on
    env.store:delete("dialog-state", saved_key)
    env.forget_link()
  end
  if type(env.sf) == "table" then env.sf:close() end
  if ws then ws:close() end
  return status
end

return {
  summary = "talk to a bot or a dialog task; check, graph and test them",
  usage = USAGE,
  help = HELP,
  run = function(argv)
    local sub = argv[1]
    local rest = table.move(argv, 2, #argv, 1, {})
    local opts, pos = args.parse(rest, { ["--answers"] = "value", ["--jsonl"] = "flag",
      ["--user"] = "value", ["--lang"] = "value", ["--workspace"] = "value",
      ["--profile"] = "value", ["--session"] = "value", ["--format"] = "value" })
    if not opts then return usage_error(pos) end
    if sub == "run" then return run(pos, opts) end
    if sub == "check" then return check(pos) end
    if sub == "graph" then return graph(pos, opts) end
    if sub == "test" then return test(pos, opts) end
    if sub == nil then return usage_error("missing subcommand (run, check, graph or test)") end
    return usage_error("unknown subcommand '" .. tostring(sub) .. "'")
  end,
}
