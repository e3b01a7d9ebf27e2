-- Line editing on a terminal: `luaforce dialog run` and the interactive
-- prompt driven in a tmux pane (a real terminal) with arrow keys, history
-- and Ctrl-D, read back with capture-pane; and the luaforce.lineedit
-- module (libedit) without a terminal.
local helper = require "spec.helper"

-- a tmux pane on this spec's own tmux server (helper.terminal)
local term = helper.terminal()
local start, keys, wait_for = term.start, term.keys, term.wait_for

describe("line editing on a terminal", function()
  local dir, ws

  setup(function()
    ws = helper.bot_dir{} -- an empty folder: the session's workspace
    dir = helper.bot_dir{
      ["bot.lua"] = 'return dialog.bot{ welcome = "Hi! Say echo." }',
      ["echo.lua"] = [[return dialog.task{ name = "echo", utterances = { "echo" }, nodes = {
        { name = "words", type = "entity", prompt = "Say something?", next = "said" },
        { name = "said", type = "message", text = "You said <{{context.entities.words}}>." } } }]],
    }
  end)

  teardown(function()
    term.close()
    helper.remove_tree(dir)
    helper.remove_tree(ws)
  end)

  after_each(function()
    term.stop()
  end)

  it("edits the line of dialog run with arrows and history; Ctrl-D ends", function()
    start({ helper.bin, "dialog", "run", dir }, { LUAFORCE_HOME = ws, TERM = "xterm" })
    wait_for("Hi! Say echo.")
    keys("echo", "Enter")
    wait_for("Say something?")
    keys("hello world", "Enter")
    wait_for("You said <hello world>.")
    keys("echo", "Enter")
    wait_for("bot: Say something?\n>", 2)
    -- Up twice: "hello world" again; Left five times, then insert
    keys("Up", "Up")
    wait_for("> hello world")
    keys("Left", "Left", "Left", "Left", "Left", "big ", "Enter")
    wait_for("You said <hello big world>.")
    keys("C-d")
    local s = wait_for("[exit 0]")
    assert.not_matches("\27", s) -- no stray escape sequences in what the bot got
  end)

  it("drops the line on Ctrl-C and prompts again; a second Ctrl-C ends (status 130)",
    function()
    start({ helper.bin, "dialog", "run", dir }, { LUAFORCE_HOME = ws, TERM = "xterm",
      LUAFORCE_HISTORY = "off" })
    wait_for("Hi! Say echo.")
    keys("ech")
    wait_for("> ech")
    keys("C-c")
    wait_for("(Ctrl-C again or Ctrl-D to quit)\n>")
    keys("echo", "Enter") -- the dropped "ech" is not in front of it
    wait_for("Say something?")
    keys("C-c")
    wait_for("(Ctrl-C again or Ctrl-D to quit)", 2)
    keys("still here", "Enter")
    wait_for("You said <still here>.")
    keys("C-c")
    wait_for("(Ctrl-C again or Ctrl-D to quit)", 3)
    keys("C-c")
    local s = wait_for("[exit 130]") -- as shells expect of a command Ctrl-C ended
    assert.are.equal(3, helper.count(s, "(Ctrl-C again")) -- (the two in a row ended it)
    assert.not_matches("traceback", s)
    assert.not_matches("interrupted", s)
  end)

  it("ends the interactive prompt on two Ctrl-C in a row with status 130", function()
    start({ helper.bin }, { TERM = "xterm", LUAFORCE_HISTORY = "off" })
    wait_for("(Lua 5.4") -- the version line (capture-pane drops the prompt's blank)
    keys("C-c")
    wait_for("(Ctrl-C again or Ctrl-D to quit)")
    keys("C-c")
    local s = wait_for("[exit 130]")
    assert.not_matches("traceback", s)
  end)

  it("ends running code on Ctrl-C with the message on a line of its own", function()
    start({ helper.bin, "-e", "print('ready') while true do end" }, { TERM = "xterm" })
    wait_for("ready")
    keys("C-c")
    local s = wait_for("[exit 130]")
    assert.matches("\nluaforce: interrupted\n%[exit 130%]", s)
    assert.not_matches("traceback", s)
  end)

  it("keeps the history between runs in a 0600 file, but not a secret answer", function()
    local state = helper.bot_dir{} -- XDG_STATE_HOME
    local secret_bot = helper.bot_dir{
      ["bot.lua"] = 'return dialog.bot{ welcome = "Hi." }',
      ["login.lua"] = [[return dialog.task{ name = "login", utterances = { "log in" }, nodes = {
        { name = "token", type = "entity", prompt = "Token?", secret = true, next = "ok" },
        { name = "ok", type = "message", text = "Got {{context.entities.token}}." } } }]],
    }
    local env = { LUAFORCE_HOME = ws, TERM = "xterm", XDG_STATE_HOME = state }
    start({ helper.bin, "dialog", "run", secret_bot }, env)
    wait_for("Hi.")
    keys("log in", "Enter")
    wait_for("Token?")
    keys("hunter2", "Enter")
    local s = wait_for("Got hunter2.")
    assert.are.equal(1, helper.count(s, "hunter2")) -- not echoed as it was typed
    keys("C-d")
    wait_for("[exit 0]")
    term.stop()
    local file = state .. "/luaforce/history"
    assert.are.equal("600\n", (helper.run({ "stat", "-c", "%a", file })))
    assert.are.equal("700\n", (helper.run({ "stat", "-c", "%a", state .. "/luaforce" })))
    local f = assert(io.open(file))
    local text = f:read("a")
    f:close()
    assert.matches("log", text)
    assert.not_matches("hunter2", text)
    -- the next run has it: Up brings back "log in"
    start({ helper.bin, "dialog", "run", secret_bot }, env)
    wait_for("Hi.")
    keys("Up")
    wait_for("> log in")
    keys("Enter")
    wait_for("Token?", 1)
    keys("C-d") -- (at a secret prompt too, Ctrl-D ends)
    wait_for("[exit 0]")
    -- LUAFORCE_HISTORY=off: none kept
    term.stop()
    env.LUAFORCE_HISTORY = "off"
    start({ helper.bin, "dialog", "run", dir }, env)
    wait_for("Hi! Say echo.")
    keys("Up")
    helper.run({ "sleep", "0.3" }) -- (nothing to wait for: Up must change nothing)
    assert.not_matches("log in", term.screen())
    keys("echo", "Enter")
    wait_for("Say something?")
    keys("C-d")
    wait_for("[exit 0]")
    f = assert(io.open(file))
    assert.are.equal(text, f:read("a"))
    f:close()
    helper.remove_tree(state)
    helper.remove_tree(secret_bot)
  end)

  it("edits the interactive prompt's lines", function()
    start({ helper.bin }, { LUAFORCE_HOME = ws, TERM = "xterm" })
    wait_for(")\n>")
    keys("20 + 1", "Enter")
    wait_for("\n21\n")
    keys("Up", "BSpace", "2", "Enter")
    wait_for("\n22\n")
    keys("C-d")
    wait_for("[exit 0]")
  end)
end)

describe("luaforce.lineedit without a terminal", function()
  it("reads lines to the end of input and keeps a history without repeats", function()
    local out, err, status = helper.luaforce({ "-e", [[
      local e = require "luaforce.lineedit"
      print(e.readline("> "), e.readline(), e.readline())
      for _, l in ipairs{ "a", "a", "  ", "", "b", "a" } do e.add_history(l) end
      print(table.concat(e.history(), ","))
      print(pcall(e.readline, {}))
      print(pcall(e.add_history))
      print(require("luaforce.host").interactive)
    ]] }, { stdin = "one\ntwo words\n" })
    assert.are.equal(0, status, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.are.equal("one\ttwo words\tnil", lines[1])
    assert.are.equal("a,b,a", lines[2])
    assert.matches("^false\tbad argument #1 to '[%w.]*readline' %(string expected, got table%)",
      lines[3])
    assert.matches("^false\tbad argument #1 to '[%w.]*add_history' %(string expected, got no "
      .. "value%)", lines[4])
    assert.are.equal("false", lines[5])
  end)

  it("saves and loads a bounded history file, created 0600 with its folders", function()
    local dir = helper.bot_dir{}
    local file = dir .. "/a/b/history"
    local out, err, status = helper.luaforce({ "-e", (([[
      local e = require "luaforce.lineedit"
      assert(e.load_history("FILE", 3)) -- none yet: an empty history
      for _, l in ipairs{ "one", "two", "three", "four" } do e.add_history(l) end
      assert(e.save_history("FILE"))
      print(table.concat(e.history(), ","))
      print(e.load_history("FILE", 0) == nil)
    ]]):gsub("FILE", file)) })
    assert.are.equal(1, status, out) -- max 0 raises
    assert.matches("bad argument #2 to '[%w.]*load_history' %(1 to 100000 lines%)", err)
    assert.are.equal("two,three,four\n", out)
    -- a secret line: read (no echo on a terminal), never in the history
    out, err, status = helper.luaforce({ "-e", [[
      local e = require "luaforce.lineedit"
      local line = e.read_secret("Token? ")
      print(line, #e.history(), e.read_secret())
    ]] }, { stdin = "s3cret\n" })
    assert.are.equal(0, status, err)
    assert.are.equal("Token? \n\ns3cret\t0\tnil\n", out) -- (each read ends its line)
    assert.are.equal("600\n", (helper.run({ "stat", "-c", "%a", file })))
    out, err, status = helper.luaforce({ "-e", (([[
      local e = require "luaforce.lineedit"
      assert(e.load_history("FILE", 500))
      print(table.concat(e.history(), ","))
      print(e.save_history("FILE/x"))
    ]]):gsub("FILE", file)) })
    assert.are.equal(0, status, err)
    assert.matches("^two,three,four\nnil\tcannot write the history [^\n]+/history/x: ", out)
    helper.remove_tree(dir)
  end)

  it("names where the history goes: LUAFORCE_HISTORY, XDG_STATE_HOME, HOME", function()
    local function path(env)
      local out = helper.luaforce({ "-e",
        "print(require('luaforce.terminal').history_path())" }, { env = env })
      return out
    end
    assert.are.equal("/x/h\n", path{ LUAFORCE_HISTORY = "/x/h", XDG_STATE_HOME = "/s" })
    assert.are.equal("nil\n", path{ LUAFORCE_HISTORY = "off" })
    assert.are.equal("/s/luaforce/history\n", path{ XDG_STATE_HOME = "/s", HOME = "/h" })
    assert.are.equal("/h/.local/state/luaforce/history\n", path{ XDG_STATE_HOME = "",
      HOME = "/h" })
  end)

  it("ends on Ctrl-C while code runs with a message, not a traceback", function()
    local dir = helper.bot_dir{}
    -- (the Ctrl-C once it runs: polled for at most 10 s)
    local out, err = helper.run({ "sh", "-c", helper.quote(helper.bin)
      .. " -e 'io.stdout:write(\"ready\\n\") io.stdout:flush() while true do end' >"
      .. dir .. "/out & pid=$!; i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ];"
      .. " do sleep 0.05; i=$((i+1)); done; kill -INT $pid; wait $pid; echo status $?" })
    helper.remove_tree(dir)
    assert.are.equal("status 130\n", out) -- 128 + SIGINT, as shells expect
    assert.are.equal("luaforce: interrupted\n", err)
  end)

  it("leaves dialog run's piped input to plain reads", function()
    local out, err, status = helper.luaforce({ "dialog", "run",
      helper.source_dir .. "/scripts/examples/bot" }, { stdin = "new lead\n" })
    assert.are.equal(0, status, err)
    assert.are.equal("bot: Hi! I can create a lead or show one.\n"
      .. "> bot: What is the lead's last name?\n> ", out)
  end)
end)
