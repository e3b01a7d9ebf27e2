---@meta luaforce.lineedit
-- LuaLS annotations for `require "luaforce.lineedit"`: the luaforce
-- host's line editing (libedit's readline-compatible API), built into the
-- host only. Use it when standard input is a terminal (luaforce.terminal
-- does); without one it reads plain lines.

---@class luaforce.lineedit
local lineedit = {}

---Reads a line with editing (arrow keys, history). Raises when prompt is
---not a string. Ctrl-C drops the line: nil, "interrupted".
---@param prompt? string
---@return string|nil line without its newline; nil at the end of input (Ctrl-D)
---@return "interrupted"? why
function lineedit.readline(prompt) end

---Reads a line with the terminal's echo off (a password, a token); never
---put in the history. Ctrl-C: nil, "interrupted".
---@param prompt? string
---@return string|nil line
---@return "interrupted"? why
function lineedit.read_secret(prompt) end

---Keeps the history to `max` lines (1-100000, else raises) and adds the
---lines of `path` (a file save_history wrote; none when it is missing).
---@param path string
---@param max integer
---@return true|nil ok
---@return string? err
function lineedit.load_history(path, max) end

---Writes the history to `path`, created 0600 (its missing folders 0700).
---@param path string
---@return true|nil ok
---@return string? err
function lineedit.save_history(path) end

---Adds a line to the history, unless it is blank or repeats the last entry.
---@param line string
function lineedit.add_history(line) end

---The history, oldest first.
---@return string[]
function lineedit.history() end

return lineedit
