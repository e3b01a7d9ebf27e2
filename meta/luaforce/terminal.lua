---@meta luaforce.terminal
-- LuaLS annotations for `require "luaforce.terminal"`: reading the user's
-- lines in the luaforce host, edited on a terminal, plain otherwise.

---@class luaforce.terminal
local terminal = {}

---A reader: read(prompt) returns the next line without its newline, or
---nil at the end of input. On a terminal (standard input and output) lines
---are edited with luaforce.lineedit and kept in its history; otherwise the
---prompt is written and standard input read.
---@return fun(prompt?: string): string|nil
function terminal.reader() end

return terminal
