-- luaforce.dialog.convtest: conversation tests, as Kore's conversation
-- testing: a transcript of user lines and the bot's expected replies,
-- played against a bot; each turn's replies must match in number and in
-- text (exactly, or a Lua pattern); the nodes each task ran give its
-- coverage.
--
-- File format (one directive a line; '#' starts a comment line):
--   @bot PATH        the bot folder or task file, relative to the test file
--   @workspace       the tests run in the workspace as `dialog run` does:
--                    its Salesforce integration decides whose tokens are
--                    used (and answers disabled/error); needed by the
--                    directives below
--   @test NAME       starts a test: a new session
--   @user ID / @lang LANG   for the tests that follow
--   user: TEXT       what the user says
--   bot: TEXT        a reply, exactly
--   bot~ PATTERN     a reply matching a Lua pattern (anchored at both ends)
--   @as ID           the end user ID speaks from here on (their own session)
--   @integration ARGS   `luaforce integration ARGS` in the workspace
--   @query SOQL      a query with the workspace's own authorization
--   @emulator METHOD /PATH [JSON]   the local emulator's control API
--   authorize: USER  the end user follows the bot's last link, signed in
--                    as the org user USER (emulator only), and the
--                    callback is delivered as `luaforce auth callback` does
--   out: TEXT / out~ PATTERN   a line the directive before said (all of
--                    them, when any is listed; none listed: it must succeed)
local dialog = require "luaforce.dialog"
local runner = require "luaforce.dialog.runner"
local steps_mod = require "luaforce.dialog.convsteps"
local store = require "luaforce.dialog.store"

local io, ipairs, pairs, pcall, require, string, table, tostring, type =
  io, ipairs, pairs, pcall, require, string, table, tostring, type

local _M = {}

local ANONYMOUS = {} -- the key of the session of a test without @user

-- The directives that act (they are steps of a test).
local ACTIONS = { ["@as"] = true, ["@integration"] = true, ["@query"] = true,
  ["@emulator"] = true, authorize = true }

--- Parses test file text; `dir` resolves @bot. Returns { bot = path,
-- tests = { {name, user, lang, steps = { {user = text} | {bot = text,
-- pattern = bool} }} } }, or nil and "file:line: problem".
function _M.parse(text, file, dir)
  local spec = { tests = {} }
  local cur, user, lang, needs_ws
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("\r$", "")
    local where = file .. ":" .. n .. ": "
    if line:match("^%s*$") or line:match("^%s*#") then -- luacheck: ignore 542
    elseif line:match("^@bot%s") then
      local p = line:match("^@bot%s+(.-)%s*$")
      spec.bot = p:sub(1, 1) == "/" and p or (dir .. "/" .. p)
    elseif line:match("^@test%s") then
      cur = { name = line:match("^@test%s+(.-)%s*$"), user = user, lang = lang, steps = {},
        line = n }
      spec.tests[#spec.tests + 1] = cur
    elseif line:match("^@user%s") then
      user = line:match("^@user%s+(.-)%s*$")
    elseif line:match("^@lang%s") then
      lang = line:match("^@lang%s+(.-)%s*$")
    elseif line:match("^@workspace%s*$") then
      spec.workspace = true
    elseif line:match("^user:") then
      if not cur then return nil, where .. "a user line before the first @test" end
      cur.steps[#cur.steps + 1] = { user = line:match("^user:%s?(.*)$"), line = n }
    elseif line:match("^bot[:~]") or line:match("^out[:~]") then
      if not cur then
        return nil, where .. "a " .. line:sub(1, 3) .. " line before the first @test"
      end
      local pattern = line:sub(4, 4) == "~"
      local want = line:match("^...[:~]%s?(.*)$")
      if pattern and not pcall(string.find, "", want) then
        return nil, where .. "not a valid Lua pattern: " .. want
      end
      cur.steps[#cur.steps + 1] = { [line:sub(1, 3)] = want, pattern = pattern, line = n }
    elseif line:match("^authorize:") or line:match("^@%l+%s") then
      if not cur then return nil, where .. "a directive before the first @test" end
      local name, arg = line:match("^(@%l+)%s+(.-)%s*$")
      if not name then name, arg = "authorize", line:match("^authorize:%s*(.-)%s*$") end
      if not ACTIONS[name] or arg == "" then
        return nil, where .. "expected user:, bot:, bot~, out:, out~, authorize: USER or an "
          .. "@ directive (@as, @integration, @query, @emulator with an argument)"
      end
      cur.steps[#cur.steps + 1] = { action = name, arg = arg, line = n }
      needs_ws = needs_ws or n
    else
      return nil, where .. "expected user:, bot:, bot~ or an @ directive"
    end
  end
  if not spec.bot then return nil, file .. ": no @bot line" end
  if #spec.tests == 0 then return nil, file .. ": no @test" end
  if needs_ws and not spec.workspace then
    return nil, file .. ":" .. needs_ws .. ": this directive needs @workspace (before the tests)"
  end
  return spec
end

local function matches(want, pattern, got)
  if pattern then return got:find("^" .. want .. "$") ~= nil end
  return got == want
end

local function text_of(m)
  if m.rich and m.rich.type ~= "quick_replies" then -- (quick replies: the text names them)
    local lines = { m.rich.text or m.rich.title }
    for _, b in ipairs(m.rich.buttons or {}) do
      lines[#lines + 1] = "[" .. tostring(b.title) .. "] " .. tostring(b.url or b.payload or "")
    end
    return table.concat(lines, "\n")
  end
  return m.text or ""
end
_M.text_of = text_of

-- The lines of the messages (a button is a line of its own).
local function lines_of(messages)
  local lines = {}
  for _, m in ipairs(messages) do
    for line in (text_of(m) .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  end
  return lines
end

-- Plays one test; returns nil or the failure ("line N: ..."). `ctx`:
-- env(user, session) gives a turn's env (or nil, why), after(env,
-- session) runs after each turn; with @workspace also ws (the workspace),
-- callback_opts (a callback's options), reload(session) (its state once a
-- callback resumed it) and finish(sessions).
local function play(test, bot, ctx, is_task)
  local steps, i = test.steps, 1
  -- `lines` are the `kind` ("bot" or "out") lines that follow
  local function expect(kind, lines, after)
    for _, got in ipairs(lines) do
      local step = steps[i]
      if not step or not step[kind] then
        return string.format("line %d: unexpected %s after %s: %q",
          step and step.line or (steps[#steps] and steps[#steps].line or test.line),
          kind == "bot" and "reply" or "output", after, got)
      end
      if not matches(step[kind], step.pattern, got) then
        return string.format("line %d: expected %s%q, got %q", step.line,
          step.pattern and "a match of " or "", step[kind], got)
      end
      i = i + 1
    end
    if steps[i] and steps[i][kind] then
      return string.format("line %d: expected %q, the %s said nothing more", steps[i].line,
        steps[i][kind], kind == "bot" and "bot" or "directive")
    end
  end
  -- one session per end user (@as switches), test.user's first
  local sessions, current = {}, test.user or ANONYMOUS
  local function turn(user, input, after)
    local sess = sessions[user]
    local env, why = ctx.env(sess.user, sess)
    if not env then return why end
    local messages
    sess.state, messages = runner.turn(sess.state, input, env)
    ctx.after(env, sess)
    sess.last = messages
    return expect("bot", lines_of(messages), after)
  end
  local function open(user)
    local id = user ~= ANONYMOUS and user or nil
    sessions[user] = { name = "convtest-" .. require("salesforce.core").oauth_random_state(),
      user = id, state = dialog.new{ user = { id = id }, lang = test.lang } }
    return turn(user, { event = "start", task = is_task and bot.order[1] or nil }, "the start")
  end
  -- a session starts at its first line (directives may come before)
  local failure
  while not failure and steps[i] do
    local step = steps[i]
    if not sessions[current] and (step.bot or step.user or step.action == "authorize") then
      failure = open(current)
      step = nil
    else
      i = i + 1
    end
    if not step then -- luacheck: ignore 542
    elseif step.bot or step.out then
      failure = string.format("line %d: a %s line that nothing before it answers", step.line,
        step.bot and "bot" or "out")
    elseif step.user then -- (a secret answer is not repeated in a failure)
      failure = turn(current, { text = step.user },
        "'" .. dialog.shown(bot, sessions[current].state, step.user) .. "'")
    elseif step.action == "@as" then
      current = step.arg
    elseif step.action == "authorize" then
      local sess = sessions[current]
      local messages, why = steps_mod.authorize(ctx.ws, steps_mod.last_link(sess.last or {}),
        step.arg, ctx.callback_opts)
      if messages then
        sess.state = ctx.reload(sess)
        sess.last = messages
        failure = expect("bot", lines_of(messages), "authorize: " .. step.arg)
      elseif steps[i] and steps[i].out then
        failure = expect("out", { "error: " .. why }, "authorize: " .. step.arg)
      else
        failure = string.format("line %d: authorize: %s", step.line, why)
      end
    else
      local lines, ok = steps_mod[step.action:sub(2)](ctx.ws, step.arg)
      if steps[i] and steps[i].out then
        failure = expect("out", lines, step.action)
      elseif not ok then
        failure = string.format("line %d: %s failed: %s", step.line, step.action,
          table.concat(lines, " / "))
      end
    end
  end
  if not failure and #steps == 0 then failure = open(current) end
  if ctx.finish then ctx.finish(sessions) end
  return failure
end

-- The env of a test without @workspace: the caller's connection, memory
-- stores; `connect` and `entry` as run() has them.
local function plain_ctx(entry, connect)
  local env = { bot = entry.bot, sf = connect, store = store.memory(),
    trace = function(task, node) entry.seen[task .. ":" .. node] = true end,
    log = function(msg) io.stderr:write(msg, "\n") end }
  return { env = function() return env end, after = function() end, shared = env }
end

-- The env of a test with @workspace: as `dialog run --session` has it,
-- the bot's integration read at each turn, the state saved in the
-- workspace's store (a callback resumes it there). `bot_path` absolute.
local function workspace_ctx(entry, connect, ws, bot_path, authorized)
  local integration = require "luaforce.integration"
  local wstore = store.wrap(ws.store)
  local trace = function(task, node) entry.seen[task .. ":" .. node] = true end
  local log = function(msg) io.stderr:write(msg, "\n") end
  local function key(sess) return integration.session_key(entry.bot.name, sess.user, sess.name) end
  local ctx = { ws = ws, callback_opts = { trace = trace, log = log } }
  function ctx.env(user, sess)
    local env = { bot = entry.bot, sf = connect, store = wstore, trace = trace, log = log }
    local fields, e = integration.dialog_env(ws, bot_path, { user = user, session = sess.name })
    if not fields then return nil, tostring(e) end
    for k, v in pairs(fields) do env[k] = v end
    env.made = type(env.sf) == "function"
    return env
  end
  function ctx.after(env, sess)
    if env.made and type(env.sf) == "table" then env.sf:close() end
    wstore:put("dialog-state", key(sess), sess.state)
  end
  function ctx.reload(sess)
    return wstore:get("dialog-state", key(sess)) or sess.state
  end
  function ctx.finish(sessions)
    for _, sess in pairs(sessions) do
      wstore:delete("dialog-state", key(sess))
      if sess.user then authorized[sess.user] = true end
    end
  end
  return ctx
end

-- What a file with @workspace changes in the workspace, undone when it
-- ends: the integration's record is put back, and the tokens of the end
-- users who spoke in it are revoked (so that the next run asks them again).
local function snapshot(ws)
  local cfg = ws:config() or {}
  local saved = type(cfg.integrations) == "table" and cfg.integrations.salesforce or nil
  local authorized = {}
  return authorized, function()
    local app = require("luaforce.integration").status(ws, "salesforce")
    app = app and app.app or "system"
    for user in pairs(authorized) do
      if not ws:revoke(app, user) then ws:logout(app, user) end
    end
    ws:update(function(c)
      c.integrations = type(c.integrations) == "table" and c.integrations or {}
      c.integrations.salesforce = saved
      return true
    end)
  end
end

--- Runs the test files `paths`, writing results to `out` (a file).
-- `connect` returns a Salesforce client (or nil, err); opts.workspace is
-- the workspace of the files with @workspace (default: as luaforce finds
-- it). Returns the number of failed tests (a file that cannot be read or
-- parsed counts as one).
function _M.run(paths, connect, out, opts)
  opts = opts or {}
  local failed = 0
  local bots = {}
  local ws
  for _, path in ipairs(paths) do
    local f, err = io.open(path, "r")
    local spec
    if f then
      local text = f:read("a")
      f:close()
      spec, err = _M.parse(text, path, path:match("^(.*)/[^/]*$") or ".")
    end
    if spec and spec.workspace and not ws then
      local wsmod = require "salesforce.workspace"
      local dir = wsmod.default_dir(opts.workspace)
      if require("lfs").attributes(dir, "mode") ~= "directory" then
        spec, err = nil, path .. ": @workspace: there is no workspace at " .. dir
          .. " (see 'luaforce auth')"
      else
        ws, err = wsmod.open{ dir = dir }
        if not ws then spec = nil end
      end
    end
    if not spec then
      out:write("FAIL ", tostring(err), "\n")
      failed = failed + 1
    else
      local entry = bots[spec.bot]
      if not entry then
        local bot, problems = dialog.load(spec.bot)
        entry = { bot = bot, problems = problems, seen = {} }
        bots[spec.bot] = entry
        bots[#bots + 1] = spec.bot
      end
      if not entry.bot then
        out:write("FAIL ", path, ": the bot does not load:\n  ",
          table.concat(entry.problems, "\n  "), "\n")
        failed = failed + 1
      else
        local authorized, restore
        if spec.workspace then authorized, restore = snapshot(ws) end
        local bot_path = spec.bot:sub(1, 1) == "/" and spec.bot
          or (require("lfs").currentdir() .. "/" .. spec.bot)
        for _, test in ipairs(spec.tests) do
          local ctx = spec.workspace and workspace_ctx(entry, connect, ws, bot_path, authorized)
            or plain_ctx(entry, connect)
          local failure = play(test, entry.bot, ctx, spec.bot:match("%.lua$") ~= nil)
          if ctx.shared and type(ctx.shared.sf) == "table" then connect = ctx.shared.sf end
          if failure then
            failed = failed + 1
            out:write("FAIL ", path, ": ", test.name, ": ", failure, "\n")
          else
            out:write("ok   ", path, ": ", test.name, "\n")
          end
        end
        if restore then restore() end
      end
    end
  end
  if ws then ws:close() end
  for _, name in ipairs(bots) do
    local entry = bots[name]
    if entry.bot then
      for _, tname in ipairs(entry.bot.order) do
        local task = entry.bot.tasks[tname]
        local missing, hit = {}, 0
        for _, node in ipairs(task.nodes) do
          if entry.seen[tname .. ":" .. node.name] then
            hit = hit + 1
          else
            missing[#missing + 1] = node.name
          end
        end
        out:write(string.format("coverage %s: %d/%d nodes (%d%%)%s\n", tname, hit, #task.nodes,
          hit * 100 // #task.nodes, #missing > 0 and ("; not run: "
          .. table.concat(missing, ", ")) or ""))
      end
    end
  end
  return failed
end

return _M
