-- luaforce.dialog.api: what task files and bot.lua see as
-- require "luaforce.dialog" in the sandbox: dialog.task{...},
-- dialog.bot{...} and dialog.ref(path) (a context path on the right side
-- of a transition condition).
local error, setmetatable, type = error, setmetatable, type

local _M = {}

local kinds = setmetatable({}, { __mode = "k" })

--- Declares a dialog task (the value a task file returns).
function _M.task(t)
  if type(t) ~= "table" then error("dialog.task: bad argument #1 (a table expected)", 2) end
  kinds[t] = "task"
  return t
end

--- Declares a bot (the value bot.lua returns).
function _M.bot(t)
  if type(t) ~= "table" then error("dialog.bot: bad argument #1 (a table expected)", 2) end
  kinds[t] = "bot"
  return t
end

--- A context path as the right side of a condition: dialog.ref("context.entities.max").
function _M.ref(path)
  if type(path) ~= "string" then error("dialog.ref: bad argument #1 (a path expected)", 2) end
  return { ref = path }
end

--- "task", "bot" or nil: what `t` was declared as.
function _M.kind(t) return kinds[t] end

return _M
