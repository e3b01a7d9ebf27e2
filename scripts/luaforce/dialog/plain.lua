-- luaforce.dialog.plain: a session's state is plain data; this copies it
-- (tables of strings, numbers, booleans), so a turn never changes the
-- state it was given.
local pairs, type = pairs, type

local _M = {}

--- A deep copy of plain data `v`.
local function copy(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = copy(x) end
  return c
end
_M.copy = copy

return _M
