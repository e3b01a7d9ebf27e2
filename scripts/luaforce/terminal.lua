-- luaforce.terminal: reading the user's lines. On a terminal (standard
-- input and output both) through luaforce.lineedit, the host's libedit:
-- arrow keys, a history kept between runs, Ctrl-C drops the line (twice
-- in a row ends), Ctrl-D ends; otherwise plain reads of standard input, so
-- that piped input and tests see no escape sequences.
local host = require "luaforce.host"

local io, os, package, require = io, os, package, require

local _M = {}

--- The exit status of a run that Ctrl-C ended: 128 + SIGINT, as shells
-- expect (the host exits with it too when Ctrl-C stops running code).
_M.INTERRUPTED = 130

--- Lines the history file keeps (the oldest go first).
_M.HISTORY_MAX = 500

--- The history file: LUAFORCE_HISTORY (a path; "off", "0" or "" for
-- none), else $XDG_STATE_HOME/luaforce/history, else
-- ~/.local/state/luaforce/history; nil when there is none.
function _M.history_path()
  local v = os.getenv("LUAFORCE_HISTORY")
  if v == "" or v == "off" or v == "0" then return nil end
  if v then return v end
  local state = os.getenv("XDG_STATE_HOME")
  if not state or state == "" then
    local home = os.getenv("HOME")
    if not home or home == "" then return nil end
    state = home .. "/.local/state"
  end
  return state .. "/luaforce/history"
end

local HINT = "(Ctrl-C again or Ctrl-D to quit)"

--- A function read(prompt [, secret [, typed]]) -> the next line (without
-- its newline), or nil at the end of input (nil, "interrupted" after a
-- second Ctrl-C in a row: the caller exits with INTERRUPTED); and whether
-- lines are edited.
-- On a terminal the lines go into the history (saved to history_path()
-- after each), except a secret one, read without echo; Ctrl-C drops the
-- line being typed and prompts again, a second Ctrl-C in a row ends the
-- input. `typed` true says the line was typed already, after the prompt,
-- while the terminal echoed it (dialog run's wait for a redirect): it is
-- read as it is, not edited and shown again. `warn(message)` (default: to
-- stderr) hears of a history file that cannot be read or written.
function _M.reader(warn)
  local edit = host.interactive and package.preload["luaforce.lineedit"]
    and require "luaforce.lineedit"
  if edit then
    warn = warn or function(m) io.stderr:write("luaforce: ", m, "\n") end
    local path = _M.history_path()
    if path then
      local ok, err = edit.load_history(path, _M.HISTORY_MAX)
      if not ok then
        warn(err .. "; this session's lines are not saved")
        path = nil
      end
    end
    local interrupts = 0
    return function(prompt, secret, typed)
      while true do
        local line, why
        if typed then
          line = io.stdin:read("l")
        elseif secret then
          line, why = edit.read_secret(prompt)
        else
          line, why = edit.readline(prompt)
        end
        if why ~= "interrupted" then
          interrupts = 0
          if line and not secret then
            edit.add_history(line)
            if path then
              local ok, err = edit.save_history(path)
              if not ok then
                warn(err)
                path = nil
              end
            end
          end
          return line
        end
        interrupts = interrupts + 1
        if interrupts >= 2 then
          io.stdout:write("\n")
          return nil, "interrupted"
        end
        io.stdout:write("\n", HINT, "\n")
      end
    end, true
  end
  return function(prompt)
    if prompt then
      io.stdout:write(prompt)
      io.stdout:flush()
    end
    return io.stdin:read("l")
  end
end

return _M
