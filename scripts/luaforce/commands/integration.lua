-- luaforce.commands.integration: `luaforce integration ...`: enables,
-- disables and deletes a bot's Salesforce integration in its workspace
-- and shows its status. The work is done by luaforce.integration.
local args = require "luaforce.args"
local cjson = require "cjson"
local integration = require "luaforce.integration"

local io, ipairs, table, tostring = io, ipairs, table, tostring

local USAGE = [=[
luaforce integration list|status [--json] [--workspace DIR]
luaforce integration enable salesforce --mode pre-authorize|allow-users
                                       [--app system|PROFILE] [--workspace DIR]
luaforce integration disable|delete salesforce [--workspace DIR]]=]

local HELP = [=[
The Salesforce integration of the bot whose workspace is DIR (default
$LUAFORCE_HOME, else ./.luaforce) is available, configured (enabled),
disabled (authorizations kept; dialog tasks answer with the bot's
"integration disabled" response instead of calling Salesforce) or in
error (the pre-authorization is lost: status says why and the command
that fixes it). delete revokes every token of its app at Salesforce,
forgets them, and makes it available again.

enable --mode pre-authorize needs a stored authorization of the app
('luaforce auth login') of a supported, non-Trial org; --mode
allow-users needs only the app: each end user authorizes in the
conversation. --app is "system" (default) or a profile of 'luaforce auth
profile add'. Enabling again with other values switches mode or app.]=]

-- Where the command writes: standard output and error, or the writers
-- run() was given (conversation tests collect what it says).
local stdout, stderr

local function fail(e)
  stderr:write("luaforce: integration: ", tostring(e), "\n")
  return 1
end

local function usage_error(msg)
  stderr:write("luaforce: integration: ", msg, " (see 'luaforce help integration')\n")
  return 2
end

local function show(st)
  local line = { st.name, st.state }
  if st.mode then
    line[#line + 1] = "mode=" .. st.mode
    line[#line + 1] = "app=" .. st.app
    line[#line + 1] = "org=" .. tostring(st.org or "-")
    line[#line + 1] = "edition=" .. tostring(st.edition or "-")
    if st.users then line[#line + 1] = "users=" .. st.users end
  end
  stdout:write(table.concat(line, "  "), "\n")
  if st.reason then
    stdout:write("  ", st.reason, "\n  fix: ", st.fix, "\n")
  end
end

--- Runs `luaforce integration ARGV`; writes to ctx.out and ctx.err
-- (objects with a write method; default standard output and error).
-- Returns the exit status.
local function run(argv, ctx)
  stdout = ctx and ctx.out or io.stdout
  stderr = ctx and ctx.err or io.stderr
  local opts, pos = args.parse(argv, { ["--json"] = "flag", ["--workspace"] = "value",
    ["--mode"] = "value", ["--app"] = "value" })
  if not opts then return usage_error(pos) end
  local sub, name = pos[1], pos[2]
  if sub == nil then return usage_error("missing subcommand") end
  local known = { list = true, status = true, enable = true, disable = true, delete = true }
  if not known[sub] then return usage_error("unknown subcommand '" .. sub .. "'") end
  if sub ~= "list" and sub ~= "status" then
    if name ~= "salesforce" then
      return usage_error(sub .. " needs the integration's name: salesforce")
    end
    if pos[3] then return usage_error("unexpected argument '" .. pos[3] .. "'") end
  elseif name ~= nil and name ~= "salesforce" then
    return usage_error("unknown integration '" .. name .. "'")
  end
  if sub == "enable" and not integration.MODES[opts.mode or ""] then
    return usage_error("enable needs --mode pre-authorize or --mode allow-users")
  end
  if sub ~= "enable" and (opts.mode or opts.app) then
    return usage_error("--mode and --app go with enable")
  end
  -- (list and status create no workspace)
  local ws, e = require("salesforce.workspace").open{ dir = opts.workspace,
    create = sub ~= "list" and sub ~= "status" }
  if not ws then return fail(e) end
  local res
  if sub == "list" or sub == "status" then
    res, e = integration.list(ws)
  elseif sub == "enable" then
    res, e = integration.enable(ws, name, { mode = opts.mode, app = opts.app })
  else
    res, e = integration[sub](ws, name)
  end
  ws:close()
  if not res then return fail(e) end
  if res.name then res = { res } end
  if opts.json then
    stdout:write(cjson.encode(res), "\n")
  else
    for _, st in ipairs(res) do show(st) end
  end
  return 0
end

return {
  summary = "show, enable, disable or delete the Salesforce integration of a bot",
  usage = USAGE,
  help = HELP,
  run = run,
}
