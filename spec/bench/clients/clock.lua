-- spec/bench/clients/clock.lua: the wall clock the Lua clients time their
-- loop with (Lua has none): date(1), read outside the timed loop.
--   local now = dofile(arg[0]:match("^(.*/)") .. "clock.lua")
return function()
  local p = assert(io.popen("date +%s.%N"))
  local t = p:read("n")
  p:close()
  return t
end
