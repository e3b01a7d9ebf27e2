-- luaforce.dialog.convsteps: the directives of conversation tests that act
-- outside the conversation (see luaforce.dialog.convtest): the bot's
-- integration (`@integration`, as `luaforce integration` does it), the org
-- (`@query`), the local emulator's control API (`@emulator`) and an end
-- user following the authorization link the bot sent (`authorize:`). Each
-- returns the lines it says (checked by `out:` lines) and whether it
-- succeeded. `@emulator` and `authorize:` need the emulator and say so
-- against a real org.
local ipairs, pairs, require, table, tostring, type = ipairs, pairs, require, table, tostring,
  type

local _M = {}

-- The lines of `text` (without the last newline's empty one).
local function lines_of(text)
  local out = {}
  for line in text:gmatch("([^\n]*)\n") do out[#out + 1] = line end
  return out
end

-- A writer that keeps what is written (for a command's output).
local function collector()
  local parts = {}
  return { write = function(self, ...)
    for _, s in ipairs{ ... } do parts[#parts + 1] = tostring(s) end
    return self
  end, text = function() return table.concat(parts) end }
end

--- `@integration ARGS`: `luaforce integration ARGS` in the workspace `ws`;
-- its output and errors are the lines.
function _M.integration(ws, text)
  local argv = {}
  for word in text:gmatch("%S+") do argv[#argv + 1] = word end
  argv[#argv + 1] = "--workspace"
  argv[#argv + 1] = ws.dir
  local out = collector()
  local status = require("luaforce.commands.integration").run(argv, { out = out, err = out })
  return lines_of(out:text()), status == 0
end

-- The app the workspace's Salesforce integration uses (else "system").
local function app_of(ws)
  local st = require("luaforce.integration").status(ws, "salesforce")
  return st and st.app or require("salesforce.workspace").SYSTEM
end

-- The value of a record's field as a line shows it; nested records
-- (relationships) as "Rel.Field".
local function flatten(record, prefix, out)
  for k, v in pairs(record) do
    if k ~= "attributes" then
      if type(v) == "table" then
        flatten(v, prefix .. k .. ".", out)
      else
        out[#out + 1] = prefix .. k .. "=" .. (type(v) == "userdata" and "null" or tostring(v))
      end
    end
  end
  return out
end

--- `@query SOQL`: the query with the workspace's own authorization (the
-- integration's app); lines: "N records", then each record's fields as
-- "Field=value" in name order.
function _M.query(ws, soql)
  local sf, e = require("salesforce").connect{ profile = app_of(ws), workspace = ws.dir }
  if not sf then return { "error: " .. tostring(e) }, false end
  local res
  res, e = sf:query(soql)
  sf:close()
  if not res then return { "error: " .. tostring(e) }, false end
  local out = { tostring(res.totalSize) .. " records" }
  for _, r in ipairs(res.records or {}) do
    local fields = flatten(r, "", {})
    table.sort(fields)
    out[#out + 1] = table.concat(fields, ", ")
  end
  return out, true
end

-- The base URL of the emulator the workspace's app logs in at, or nil
-- and why not (a real org).
local function emulator(ws)
  local app, e = ws:app(app_of(ws))
  if not app then return nil, tostring(e) end
  local base = tostring(app.login_url or ""):gsub("/+$", "")
  local http
  http, e = ws:runtime()
  if not http then return nil, tostring(e) end
  local status, body = http:call("GET", base .. "/__emulator/config", nil, nil, nil, nil, true,
    10000, true)
  if status ~= 200 or type(body) ~= "table" or not body.base_url then
    return nil, "this step needs the local emulator (spec/emulator), but the workspace's "
      .. "app logs in at " .. base
  end
  return base, http
end

--- `@emulator METHOD PATH [JSON]`: a call of the emulator's control API
-- (spec/emulator/README.md); the line is its JSON answer.
function _M.emulator(ws, text)
  local method, path, body = text:match("^(%u+)%s+(/%S*)%s*(.-)%s*$")
  if not method then return { "error: @emulator takes METHOD /PATH [JSON]" }, false end
  local base, http = emulator(ws)
  if not base then return { "error: " .. http }, false end
  local status, res = http:call(method, base .. "/__emulator" .. path, nil,
    body ~= "" and body or nil, body ~= "" and "application/json" or nil, nil, false, 30000,
    false)
  if not status then return { "error: " .. tostring(res) }, false end
  local line = tostring(res):gsub("\n+$", ""):gsub("\n", " ")
  if status >= 300 then return { "error: HTTP " .. status .. ": " .. line }, false end
  return { line }, true
end

--- The URL of the last button of `messages` (the bot's last reply), or nil.
function _M.last_link(messages)
  for i = #messages, 1, -1 do
    local buttons = messages[i].rich and messages[i].rich.buttons or {}
    for j = #buttons, 1, -1 do
      if buttons[j].url then return buttons[j].url end
    end
  end
  return nil
end

--- The redirect the emulator's authorize page sends the org user `user`
-- to (login_hint) for `link`, without delivering it; or nil and why.
function _M.redirect_of(ws, link, user)
  if not link then return nil, "the bot sent no link to follow" end
  local base, http = emulator(ws)
  if not base then return nil, http end
  local url = link .. (link:find("?", 1, true) and "&" or "?") .. "login_hint="
    .. require("salesforce.core").url_escape(user)
  local status, body, _, _, location = http:call("GET", url, nil, nil, nil, nil, true, 30000,
    false, "Location")
  if not status then return nil, "the authorize page did not answer: " .. tostring(body) end
  if status ~= 302 or not location then
    return nil, "the authorize page answered HTTP " .. status .. " without a redirect"
  end
  return location
end

--- `authorize: USER`: the end user follows `link` (the authorization link
-- the bot sent) to the emulator's authorize page, signed in as the org
-- user USER, and the redirect is delivered as `luaforce auth callback URL`
-- does (luaforce.integration.callback, which resumes the paused session;
-- `opts` are its options). Returns the resumed session's messages, or nil
-- and why.
function _M.authorize(ws, link, user, opts)
  local location, why = _M.redirect_of(ws, link, user)
  if not location then return nil, why end
  local org, messages = require("luaforce.integration").callback(ws, location, opts)
  if not org then return nil, "the callback was refused: " .. tostring(messages) end
  return messages or {}
end

return _M
