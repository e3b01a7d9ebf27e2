---@meta luaforce.terminal
-- LuaLS annotations for `require "luaforce.terminal"`: reading the user's
-- lines in the luaforce host, edited on a terminal, plain otherwise.

---@class luaforce.terminal
local terminal = {}

---A reader: read(prompt [, typed]) returns the next line without its
---newline, or nil at the end of input; the second result is true when
---lines are edited. On a terminal (standard input and output) lines are
---edited with luaforce.lineedit and kept in its history; otherwise the
---prompt is written and standard input read. `typed` true (edited lines
---only) says the line was already typed after a prompt the caller showed,
---echoed by the terminal: it is read as it is (into the history), not
---edited and shown again.
---@return fun(prompt?: string, typed?: boolean): string|nil read
---@return boolean? edited
function terminal.reader() end

return terminal
