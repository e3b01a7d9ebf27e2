-- luaforce.terminal: reading the user's lines. On a terminal (standard
-- input and output both) through luaforce.lineedit, the host's libedit:
-- arrow keys, history, Ctrl-D ends; otherwise plain reads of standard
-- input, so that piped input and tests see no escape sequences.
local host = require "luaforce.host"

local io, package, require = io, package, require

local _M = {}

--- A function read(prompt [, typed]) -> the next line (without its
-- newline), or nil at the end of input, and whether lines are edited.
-- Lines read on a terminal go into the history. `typed` true says the line
-- was typed already, after the prompt, while the terminal echoed it (dialog
-- run's wait for a redirect): it is read as it is, not edited and shown
-- again.
function _M.reader()
  local edit = host.interactive and package.preload["luaforce.lineedit"]
    and require "luaforce.lineedit"
  if edit then
    return function(prompt, typed)
      local line
      if typed then line = io.stdin:read("l") else line = edit.readline(prompt) end
      if line then edit.add_history(line) end
      return line
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
