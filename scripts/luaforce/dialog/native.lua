-- luaforce.dialog.native: what the dialog engine takes from the
-- salesforce module's C core: user values in service paths (a placeholder
-- becomes exactly one URL path segment, "/", "?", "#" and the rest
-- percent-encoded by libcurl's escaper, never by hand), and the JSON
-- decoder that keeps integers integers (cjson makes every number a float).
local require = require

local _M = {}

local core

local function load_core()
  if not core then
    require "salesforce"
    core = require "salesforce.core"
  end
  return core
end

--- `s` percent-encoded as one path segment (RFC 3986 unreserved kept).
function _M.segment(s)
  return (core or load_core()).url_escape(s)
end

--- The value of JSON `text` (integers as integers, null as
-- salesforce.null), or nil and a message.
function _M.json_decode(text)
  return (core or load_core()).json_decode(text)
end

return _M
