---@meta luaforce.lineedit
-- LuaLS annotations for `require "luaforce.lineedit"`: the luaforce
-- host's line editing (libedit's readline-compatible API), built into the
-- host only. Use it when standard input is a terminal (luaforce.terminal
-- does); without one it reads plain lines.

---@class luaforce.lineedit
local lineedit = {}

---Reads a line with editing (arrow keys, history). Raises when prompt is
---not a string.
---@param prompt? string
---@return string|nil line without its newline; nil at the end of input (Ctrl-D)
function lineedit.readline(prompt) end

---Adds a line to the history, unless it is blank or repeats the last entry.
---@param line string
function lineedit.add_history(line) end

---The history, oldest first.
---@return string[]
function lineedit.history() end

return lineedit
