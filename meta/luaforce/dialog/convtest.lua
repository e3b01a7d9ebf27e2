---@meta luaforce.dialog.convtest
-- LuaLS annotations for `require "luaforce.dialog.convtest"`: conversation
-- tests (`luaforce dialog test`). See README.md, "Conversation tests",
-- for the file format:
--   @bot PATH, @workspace, @test NAME, @user ID, @lang LANG,
--   user: TEXT, bot: TEXT, bot~ PATTERN,
--   @as ID, @integration ARGS, @query SOQL, @emulator METHOD /PATH [JSON],
--   authorize: USER (emulator only), out: TEXT, out~ PATTERN.

---@class luaforce.dialog.convtest.Step
---@field line integer
---@field user? string what the user says
---@field bot? string a reply the bot gives (text, or a pattern)
---@field out? string a line the directive before says (text, or a pattern)
---@field pattern? boolean bot/out is a Lua pattern (bot~, out~)
---@field action? "@as"|"@integration"|"@query"|"@emulator"|"authorize"
---@field arg? string the action's argument

---@class luaforce.dialog.convtest.Test
---@field name string
---@field user? string the end user (@user)
---@field lang? string
---@field line integer
---@field steps luaforce.dialog.convtest.Step[]

---@class luaforce.dialog.convtest.File
---@field bot string the bot folder or task file
---@field workspace? true the tests run in the workspace (@workspace)
---@field tests luaforce.dialog.convtest.Test[]

---@class luaforce.dialog.convtest
local convtest = {}

---Parses the text of a test file; `dir` resolves a relative @bot.
---@param text string
---@param file string the name used in messages ("file:line: problem")
---@param dir string
---@return luaforce.dialog.convtest.File|nil spec, string? problem
function convtest.parse(text, file, dir) end

---Plays the test files, writing "ok"/"FAIL" lines and each task's node
---coverage to `out`. `connect` gives a Salesforce client (or nil, err);
---opts.workspace is the workspace of files with @workspace (default: as
---luaforce finds it). Returns the number of failed tests.
---@param paths string[]
---@param connect fun(): (salesforce.Client|nil), table?
---@param out file*
---@param opts? {workspace?: string}
---@return integer failed
function convtest.run(paths, connect, out, opts) end

---A message as the tests compare it: its text, then a line a button
---("[Title] url").
---@param message table
---@return string
function convtest.text_of(message) end

return convtest
