-- luaforce.dialog.escape: user values in service paths. A placeholder
-- becomes exactly one URL path segment ("/", "?", "#" and the rest
-- percent-encoded) by libcurl's escaper, never by hand.
local require = require

local _M = {}

local escape

--- `s` percent-encoded as one path segment (RFC 3986 unreserved kept).
function _M.segment(s)
  if not escape then
    require "salesforce"
    escape = require("salesforce.core").url_escape
  end
  return escape(s)
end

return _M
