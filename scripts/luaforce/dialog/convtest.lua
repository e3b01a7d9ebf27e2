-- luaforce.dialog.convtest: conversation tests, as Kore's conversation
-- testing: a transcript of user lines and the bot's expected replies,
-- played against a bot; each turn's replies must match in number and in
-- text (exactly, or a Lua pattern); the nodes each task ran give its
-- coverage.
--
-- File format (one directive a line; '#' starts a comment line):
--   @bot PATH        the bot folder or task file, relative to the test file
--   @test NAME       starts a test: a new session
--   @user ID / @lang LANG   for the tests that follow
--   user: TEXT       what the user says
--   bot: TEXT        a reply, exactly
--   bot~ PATTERN     a reply matching a Lua pattern (anchored at both ends)
local dialog = require "luaforce.dialog"
local runner = require "luaforce.dialog.runner"
local store = require "luaforce.dialog.store"

local io, ipairs, pcall, string, table, tostring, type =
  io, ipairs, pcall, string, table, tostring, type

local _M = {}

--- Parses test file text; `dir` resolves @bot. Returns { bot = path,
-- tests = { {name, user, lang, steps = { {user = text} | {bot = text,
-- pattern = bool} }} } }, or nil and "file:line: problem".
function _M.parse(text, file, dir)
  local spec = { tests = {} }
  local cur, user, lang
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
    elseif line:match("^user:") then
      if not cur then return nil, where .. "a user line before the first @test" end
      cur.steps[#cur.steps + 1] = { user = line:match("^user:%s?(.*)$"), line = n }
    elseif line:match("^bot:") or line:match("^bot~") then
      if not cur then return nil, where .. "a bot line before the first @test" end
      local pattern = line:sub(4, 4) == "~"
      local want = line:match("^bot.%s?(.*)$")
      if pattern and not pcall(string.find, "", want) then
        return nil, where .. "not a valid Lua pattern: " .. want
      end
      cur.steps[#cur.steps + 1] = { bot = want, pattern = pattern, line = n }
    else
      return nil, where .. "expected user:, bot:, bot~ or an @ directive"
    end
  end
  if not spec.bot then return nil, file .. ": no @bot line" end
  if #spec.tests == 0 then return nil, file .. ": no @test" end
  return spec
end

local function matches(step, got)
  if step.pattern then return got:find("^" .. step.bot .. "$") ~= nil end
  return got == step.bot
end

local function text_of(m)
  if m.rich then
    local lines = { m.rich.text or m.rich.title }
    for _, b in ipairs(m.rich.buttons or {}) do
      lines[#lines + 1] = "[" .. tostring(b.title) .. "] " .. tostring(b.url or b.payload or "")
    end
    return table.concat(lines, "\n")
  end
  return m.text or ""
end
_M.text_of = text_of

-- Plays one test; returns nil or the failure ("line N: ...").
local function play(test, bot, env, is_task)
  local state = dialog.new{ user = { id = test.user }, lang = test.lang }
  local steps, i = test.steps, 1
  -- each line of a reply is one bot: line (a button is a line of its own)
  local function check_replies(messages, after)
    local lines = {}
    for _, m in ipairs(messages) do
      for line in (text_of(m) .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    end
    for _, got in ipairs(lines) do
      local step = steps[i]
      if not step or not step.bot then
        return string.format("line %d: unexpected reply after %s: %q",
          step and step.line or (steps[#steps] and steps[#steps].line or test.line), after, got)
      end
      if not matches(step, got) then
        return string.format("line %d: expected %s%q, got %q", step.line,
          step.pattern and "a match of " or "", step.bot, got)
      end
      i = i + 1
    end
    if steps[i] and steps[i].bot then
      return string.format("line %d: expected %q, the bot said nothing more", steps[i].line,
        steps[i].bot)
    end
  end
  local messages
  state, messages = runner.turn(state, { event = "start", task = is_task and bot.order[1] or nil },
    env)
  local failure = check_replies(messages, "the start")
  if failure then return failure end
  while steps[i] do
    local step = steps[i]
    i = i + 1
    state, messages = runner.turn(state, { text = step.user }, env)
    failure = check_replies(messages, "'" .. step.user .. "'")
    if failure then return failure end
  end
  return nil
end

--- Runs the test files `paths`, writing results to `out` (a file).
-- `connect` returns a Salesforce client (or nil, err). Returns the number
-- of failed tests (a file that cannot be read or parsed counts as one).
function _M.run(paths, connect, out)
  local failed = 0
  local bots = {}
  for _, path in ipairs(paths) do
    local f, err = io.open(path, "r")
    local spec
    if f then
      local text = f:read("a")
      f:close()
      spec, err = _M.parse(text, path, path:match("^(.*)/[^/]*$") or ".")
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
        for _, test in ipairs(spec.tests) do
          local env = { bot = entry.bot, sf = connect, store = store.memory(),
            trace = function(task, node) entry.seen[task .. ":" .. node] = true end,
            log = function(msg) io.stderr:write(msg, "\n") end }
          local failure = play(test, entry.bot, env, spec.bot:match("%.lua$") ~= nil)
          if type(env.sf) == "table" then connect = env.sf end
          if failure then
            failed = failed + 1
            out:write("FAIL ", path, ": ", test.name, ": ", failure, "\n")
          else
            out:write("ok   ", path, ": ", test.name, "\n")
          end
        end
      end
    end
  end
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
