---@meta luaforce.terminal
-- LuaLS annotations for `require "luaforce.terminal"`: reading the user's
-- lines in the luaforce host, edited on a terminal, plain otherwise.

---@class luaforce.terminal
local terminal = {}

---The exit status of a run Ctrl-C ended (128 + SIGINT), as shells expect.
terminal.INTERRUPTED = 130

---Lines the history file keeps.
terminal.HISTORY_MAX = 500

---The history file: LUAFORCE_HISTORY (a path; "off", "0" or "" for none),
---else $XDG_STATE_HOME/luaforce/history, else
---~/.local/state/luaforce/history; nil when there is none.
---@return string|nil
function terminal.history_path() end

---A reader: read(prompt [, secret [, typed]]) returns the next line
---without its newline, or nil at the end of input; the second result is
---true when lines are edited. On a terminal (standard input and output)
---lines are edited with luaforce.lineedit and kept in its history, saved
---to history_path() after each line (a secret line is read without echo
---and kept out); Ctrl-C drops the line and prompts again, a second in a
---row ends the input with nil, "interrupted". Otherwise the prompt is
---written and standard input read. `typed` true (edited lines only) says
---the line was already typed after a prompt the caller showed, echoed by
---the terminal: it is read as it is (into the history), not edited and
---shown again. `warn` hears of a history file that cannot be used
---(default: stderr).
---@param warn? fun(message: string)
---@return fun(prompt?: string, secret?: boolean, typed?: boolean): string|nil, string? read
---@return boolean? edited
function terminal.reader(warn) end

return terminal
