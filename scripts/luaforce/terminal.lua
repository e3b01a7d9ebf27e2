-- luaforce.terminal: reading the user's lines. On a terminal (standard
-- input and output both) through luaforce.lineedit, the host's libedit:
-- arrow keys, history, Ctrl-D ends; otherwise plain reads of standard
-- input, so that piped input and tests see no escape sequences.
local host = require "luaforce.host"

local io, package, require = io, package, require

local _M = {}

--- A function read(prompt) -> the next line (without its newline), or nil
-- at the end of input. Lines read on a terminal go into the history.
function _M.reader()
  local edit = host.interactive and package.preload["luaforce.lineedit"]
    and require "luaforce.lineedit"
  if edit then
    return function(prompt)
      local line = edit.readline(prompt)
      if line then edit.add_history(line) end
      return line
    end
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
