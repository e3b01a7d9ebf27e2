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

  it("leaves dialog run's piped input to plain reads", function()
    local out, err, status = helper.luaforce({ "dialog", "run",
      helper.source_dir .. "/scripts/examples/bot" }, { stdin = "new lead\n" })
    assert.are.equal(0, status, err)
    assert.are.equal("bot: Hi! I can create a lead or show one.\n"
      .. "> bot: What is the lead's last name?\n> ", out)
  end)
end)
