-- salesforce: the Lua half of the `salesforce` module. The C binding runs
-- this chunk with the table of C functions (`core`) and returns what it
-- returns. Helpers written in Lua live beside it as salesforce.<name>.
local core = ...

local _M = {
  _VERSION = "luaforce " .. core.versions().luaforce,
}

--- Versions of luaforce and the libraries it runs on.
-- @return table { luaforce, lua, libcurl, openssl, jansson }
function _M.versions()
  return core.versions()
end

return _M
