-- luaforce.commands.templates: `luaforce templates list|install|status`:
-- the Salesforce action templates (scripts/templates/salesforce/) copied
-- into a bot as editable task files; an edited file is never overwritten
-- without --force, and status shows which installed tasks were edited.
local args = require "luaforce.args"
local cjson = require "cjson"
local host = require "luaforce.host"
local loader = require "luaforce.dialog.loader"

local io, ipairs, os, pcall, require, table, tostring =
  io, ipairs, os, pcall, require, table, tostring

local USAGE = [=[
luaforce templates list [--json]
luaforce templates install NAME...|--all [--into BOT_DIR] [--force]
                          [--fields FIELD,...] [--workspace DIR] [--profile NAME]
luaforce templates status [--into BOT_DIR]]=]

local HELP = [=[
list names the shipped Salesforce action templates (--json: a JSON array
of {name, title, file}).

install copies each named template (or --all) into BOT_DIR (default: the
current folder) as an editable task file, and writes a bot.lua with the
standard responses when the folder has none, so that the bot runs at once.
A file already there that differs from the shipped template (the
developer edited it) is left alone unless --force is given; exit status 1
then. --fields FirstName,LastName,Company,... chooses the fields that
lead_capture asks for; each is typed from the org's describe of Lead
(read with the workspace's authorization, --profile default "system"),
and the fields Salesforce requires are added when missing.

status prints each installed template as "same" or "edited".]=]

local function err(msg) io.stderr:write("luaforce: templates: ", msg, "\n") end

local function usage_error(msg)
  err(msg .. " (see 'luaforce help templates')")
  return 2
end

local BOT_LUA = [=[
-- A bot made of the Salesforce action templates (luaforce templates
-- install). Edit the responses freely.
local dialog = require "luaforce.dialog"

return dialog.bot{
  name = "salesforce",
  -- {{tasks}}: the tasks installed, by display name
  welcome = "Hi! I can help you with Salesforce: {{tasks}}.",
  responses = {
    needs_authorization = "User needs to authorize or re-authorize: please sign in to "
      .. "Salesforce with the Authorize button first.",
    integration_disabled = "The Salesforce integration is disabled, so I cannot do that "
      .. "now.",
    integration_error = "I cannot reach Salesforce at the moment. Please try again later.",
    task_failed = "Sorry, something went wrong with Salesforce. Please try again later.",
  },
}
]=]

-- The entity type for each Salesforce field type (the others: string).
local TYPES = { email = "email", phone = "phone", url = "url", picklist = "picklist",
  date = "date", datetime = "datetime", boolean = "boolean", double = "number",
  int = "number", long = "number", currency = "number", percent = "number" }

-- lead_capture's FIELDS block for `names` (a comma list), typed from the
-- describe of Lead; or nil and a message.
local function capture_fields(names, opts)
  local salesforce = require "salesforce"
  local client, e = salesforce.connect{ profile = opts.profile or "system",
    workspace = opts.workspace }
  if not client then return nil, "cannot connect to Salesforce: " .. tostring(e) end
  local d, derr = client:describe("Lead")
  client:close()
  if not d then return nil, "cannot describe Lead: " .. tostring(derr) end
  local by_name, wanted, seen = {}, {}, {}
  for _, f in ipairs(d.fields or {}) do by_name[f.name:lower()] = f end
  for n in names:gmatch("[^,%s]+") do
    local f = by_name[n:lower()]
    if not f then return nil, "Lead has no field '" .. n .. "'" end
    if not f.createable then return nil, "Lead's field " .. f.name .. " cannot be set" end
    if not seen[f.name] then wanted[#wanted + 1], seen[f.name] = f, true end
  end
  for _, f in ipairs(d.fields or {}) do -- what Salesforce requires on create
    if f.createable and not f.nillable and not f.defaultedOnCreate and not seen[f.name]
        and f.type ~= "boolean" then
      wanted[#wanted + 1], seen[f.name] = f, true
    end
  end
  if #wanted == 0 then return nil, "--fields names no field" end
  local out = { "local FIELDS = {" }
  for _, f in ipairs(wanted) do
    local optional = f.nillable or f.defaultedOnCreate
    out[#out + 1] = ("  { name = %q, label = %q, type = %q%s },"):format(f.name, f.label,
      TYPES[f.type] or "string", optional and ", optional = true" or "")
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n")
end

local BEGIN, END = "-- fields: begin\n", "\n-- fields: end"

-- The text of a template with its FIELDS block replaced by `block`.
local function with_fields(text, block)
  local a = text:find(BEGIN, 1, true)
  local b = a and text:find(END, a, true)
  if not b then return text end
  return text:sub(1, a + #BEGIN - 1) .. block .. text:sub(b)
end

local function dir() return host.scripts .. "/templates/salesforce" end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- The shipped templates, sorted: { {name, title, file} }.
local function shipped()
  local lfs = require "lfs"
  local out = {}
  for name in lfs.dir(dir()) do
    if name:match("%.lua$") then
      local file = dir() .. "/" .. name
      local task = loader.load_task(file)
      out[#out + 1] = { name = name:sub(1, -5), title = task and task.display_name or "",
        file = file }
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

local function list(opts)
  local t = shipped()
  if opts.json then
    io.stdout:write(cjson.encode(t), "\n")
  else
    for _, e in ipairs(t) do io.stdout:write(("%-20s %s\n"):format(e.name, e.title)) end
  end
  return 0
end

local function write(path, text)
  local tmp = path .. ".tmp"
  local f, e = io.open(tmp, "wb")
  if not f then return nil, e end
  f:write(text)
  f:close()
  return os.rename(tmp, path)
end

local function install(pos, opts)
  local into = opts.into or "."
  local by_name, chosen = {}, {}
  for _, e in ipairs(shipped()) do by_name[e.name] = e end
  if opts.all then
    chosen = shipped()
  else
    if #pos == 0 then return usage_error("name the templates to install, or --all") end
    for _, n in ipairs(pos) do
      if not by_name[n] then return usage_error("no template '" .. n .. "' (see 'list')") end
      chosen[#chosen + 1] = by_name[n]
    end
  end
  local lfs = require "lfs"
  if lfs.attributes(into, "mode") == nil then
    local ok, e = lfs.mkdir(into)
    if not ok then err("cannot create " .. into .. ": " .. tostring(e)) return 1 end
  end
  local status = 0
  if lfs.attributes(into .. "/bot.lua", "mode") == nil then
    local ok, e = write(into .. "/bot.lua", BOT_LUA)
    if not ok then err(tostring(e)) return 1 end
    io.stdout:write("created ", into, "/bot.lua\n")
  end
  local block
  if opts.fields then
    local why
    block, why = capture_fields(opts.fields, opts)
    if not block then err(why) return 1 end
  end
  for _, e in ipairs(chosen) do
    local src, target = read(e.file), into .. "/" .. e.name .. ".lua"
    if block and e.name == "lead_capture" then src = with_fields(src, block) end
    local have = read(target)
    if have ~= nil and have ~= src and not opts.force then
      err(target .. " was edited: kept (--force overwrites it)")
      status = 1
    elseif have ~= src then
      local ok, why = write(target, src)
      if not ok then err(tostring(why)) return 1 end
      io.stdout:write("installed ", target, "\n")
    end
  end
  return status
end

local function status(opts)
  local into = opts.into or "."
  for _, e in ipairs(shipped()) do
    local have = read(into .. "/" .. e.name .. ".lua")
    if have ~= nil then
      -- lead_capture's fields are the developer's choice at install
      local same = with_fields(have, "") == with_fields(read(e.file), "")
      io.stdout:write(("%-20s %s\n"):format(e.name, same and "same" or "edited"))
    end
  end
  return 0
end

return {
  summary = "list the Salesforce action templates; install them into a bot",
  usage = USAGE,
  help = HELP,
  run = function(argv)
    local sub = argv[1]
    local rest = table.move(argv, 2, #argv, 1, {})
    local opts, pos = args.parse(rest, { ["--json"] = "flag", ["--all"] = "flag",
      ["--into"] = "value", ["--force"] = "flag", ["--fields"] = "value",
      ["--workspace"] = "value", ["--profile"] = "value" })
    if not opts then return usage_error(pos) end
    local ok, lfs_ok = pcall(require, "lfs")
    if not ok or not lfs_ok then err("lua-filesystem is needed") return 1 end
    if sub == "list" then return list(opts) end
    if sub == "install" then return install(pos, opts) end
    if sub == "status" then return status(opts) end
    if sub == nil then return usage_error("missing subcommand (list, install or status)") end
    return usage_error("unknown subcommand '" .. tostring(sub) .. "'")
  end,
}
