-- luacheck configuration: Lua 5.4, no globals, unused and shadowed names
-- reported. Specs run under busted.
std = "lua54"
max_line_length = 100
codes = true

files["spec/**/*_spec.lua"] = { std = "+busted" }
files["spec/bench/**/*.lua"] = { globals = { "arg" } }
-- The host sets `arg` for the scripts it runs, as lua.c does.
files["scripts/luaforce/chunk.lua"] = { globals = { "arg" } }
exclude_files = { "build/**", "spec/emulator/**" }
-- LuaLS annotation stubs: empty functions whose arguments only carry
-- ---@param docs, on class tables that are filled but never read.
files["meta/**/*.lua"] = { unused_args = false, ignore = { "241" } }
