-- luaforce.dialog.plain: a session's state is plain data; this copies it
-- (tables of strings, numbers, booleans), so a turn never changes the
-- state it was given.
local next, type = next, type

local _M = {}

-- A deep copy of table `t`; leaves are copied in the loop, not by a call
-- each (the copy at the start of every turn is the reducer's main cost).
local function copy_table(t)
  local c = {}
  for k, x in next, t do
    if type(x) == "table" then c[k] = copy_table(x) else c[k] = x end
  end
  return c
end

--- A deep copy of plain data `v`.
function _M.copy(v)
  if type(v) ~= "table" then return v end
  return copy_table(v)
end

return _M
