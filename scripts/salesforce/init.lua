-- salesforce: the Lua half of the `salesforce` module. The C binding runs
-- this chunk with the table of C functions (`core`) and returns what it
-- returns. Helpers written in Lua live beside it as salesforce.<name>.
local core = ...

local package, require, rawset, setmetatable = package, require, rawset, setmetatable

-- The C functions, for the submodules (as socket.core is for socket).
package.loaded["salesforce.core"] = core

local _M = {
  _VERSION = "luaforce " .. core.versions().luaforce,
}

--- Versions of luaforce and the libraries it runs on.
-- @return table { luaforce, lua, libcurl, openssl, jansson }
function _M.versions()
  return core.versions()
end

-- Submodules load on first use: salesforce.oauth is require "salesforce.oauth".
local SUBMODULES = { oauth = true }
return setmetatable(_M, {
  __index = function(t, name)
    if SUBMODULES[name] then
      local m = require("salesforce." .. name)
      rawset(t, name, m)
      return m
    end
  end,
})
