-- hello.lua: the smallest luaforce script. Prints a greeting for each
-- argument and the versions of the libraries luaforce runs on.
--   luaforce run scripts/examples/hello.lua Ada Grace
local salesforce = require "salesforce"
local cjson = require "cjson"

local names = { ... }
if #names == 0 then names = { "world" } end
for _, name in ipairs(names) do
  print("hello, " .. name)
end
print("arguments: " .. cjson.encode(names))
print("running on " .. salesforce._VERSION .. " with libcurl "
  .. salesforce.versions().libcurl)
