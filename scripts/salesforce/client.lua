-- salesforce.client: the REST API client returned by salesforce.connect.
-- Every call goes through Client:call (one place for the version prefix,
-- the bearer token, the Sforce-Limit-Info header, the one refresh and
-- replay on 401 INVALID_SESSION_ID, and error mapping). Bodies are decoded
-- once, in C (simdjson), straight from the transport's buffer into Lua
-- tables; JSON null stays salesforce.null (cjson.null), distinct from a
-- missing field; integers stay integers. lua-cjson encodes request bodies.
require "salesforce"
local core = require "salesforce.core"
local cjson = require "cjson.safe"
local errors = require "salesforce.errors"
local scheduler = require "salesforce.scheduler"
local in_task, live_tasks = scheduler.in_task, scheduler.live

local pcall, require = pcall, require
local error, ipairs, math, next, os, pairs, setmetatable, string, table, tonumber,
  tostring, type =
  error, ipairs, math, next, os, pairs, setmetatable, string, table, tonumber,
  tostring, type

local _M = {}

local Client = {}
Client.__index = Client
Client.__name = "salesforce.Client"
_M.Client = Client

local NO_OPTS = setmetatable({}, { __newindex = function() error("read-only", 2) end })
local byte = string.byte

local COLLECTION_MAX = 200   -- records per sObject Collections call
local COMPOSITE_MAX = 25     -- subrequests per composite call

local function check_open(self)
  if not self.http then error("attempt to use a closed Salesforce client", 3) end
end

-- Raises "bad argument #n to 'fname' (msg)" at the caller of the public
-- method, as the standard library words it (the number does not count
-- self); `depth` counts the helpers between that method and this call.
local function argerror(n, fname, msg, depth)
  error(string.format("bad argument #%d to '%s' (%s)", n, fname, msg), 3 + (depth or 0))
end

-- Raises unless `list` is a list whose every item passes `ok`, naming
-- the argument (#argn of fname) and the first bad item; `depth` as for
-- argerror, counting the helpers between the public method and this one.
local function check_list(list, argn, fname, what, ok, depth)
  depth = 1 + (depth or 0)
  if type(list) ~= "table" then
    argerror(argn, fname, "list of " .. what .. " expected, got " .. type(list), depth)
  end
  for i = 1, #list do
    if not ok(list[i]) then
      argerror(argn, fname, string.format("list of %s expected, got %s at index %d", what,
        type(list[i]), i), depth)
    end
  end
end

-- A value for an error message: a long one cut, a non-string named by type.
local function shown(v)
  if type(v) ~= "string" then return type(v) end
  if #v > 60 then return string.format("%q... (%d bytes)", v:sub(1, 40), #v) end
  return string.format("%q", v)
end

-- Salesforce's longest URI (HTTP 414 beyond it)
local URI_MAX = 16384
local NAME_MAX = 255 -- far above any API name (40 characters and a namespace)

-- names that passed check_name (sObject and field names are few; bounded)
local good_names, n_good = {}, 0

local function check_name(name, what, level)
  if good_names[name] then return end
  if type(name) ~= "string" or #name > NAME_MAX or not name:match("^[%a][%w_]*$") then
    error(string.format("bad %s name %s", what, shown(name)), level or 3)
  end
  if n_good < 1000 then good_names[name], n_good = true, n_good + 1 end
end

-- Why `path` (a path, optionally with a query, that a caller wrote) cannot
-- be sent as it is, or nil: what libcurl or the server would cut or read
-- otherwise (NUL, controls, spaces, '#', '\', bytes beyond ASCII, a
-- malformed %-escape) or a "." or ".." segment, %-encoded too, which
-- would change which resource is called.
local function bad_path(path)
  if path:find("[%z\1-\32\127-\255#\\]") then
    return "a NUL, control, space, '#', '\\' or non-ASCII byte"
  end
  local p = path:match("^[^?]*")
  if p:find("%", 1, true) then
    if path:find("%%%X") or path:find("%%%x%X") or path:find("%%%x?$") then
      return "a malformed %-escape"
    end
    p = p:gsub("%%2[eE]", ".")
  end
  if (p .. "/"):find("/%.%.?/") then return "a '.' or '..' segment" end
  return nil
end

-- A value as one path segment (string or number), percent-encoded by
-- libcurl so that '/', '?', '#', '%' and every other reserved or
-- non-ASCII byte stay inside it. "" , "." and ".." cannot be one
-- segment: nil and the reason.
local function segment(value)
  if type(value) == "number" then value = tostring(math.tointeger(value) or value) end
  if value == "" or value == "." or value == ".." then
    return nil, string.format("%q cannot be sent as a path segment", value)
  end
  return core.url_escape(value)
end

local is_record_id = core.is_record_id

local function check_id(id, level)
  if not is_record_id(id) then
    error("bad record id " .. shown(id) .. " (15 or 18 letters and digits)", level or 3)
  end
end

-- Sforce-Limit-Info: "api-usage=18/15000", followed by
-- "; per-app-api-usage=17/250(appName=sample-app)" when the connected app
-- has a per-app allocation.
local function parse_limit_info(v)
  local used, max = v:match("%f[%w%-]api%-usage=(%d+)/(%d+)")
  if not used then return nil end
  local info = { used = tonumber(used), max = tonumber(max), header = v }
  local app_used, app_max, app = v:match("per%-app%-api%-usage=(%d+)/(%d+)%(appName=([^)]*)%)")
  if app_used then
    info.per_app = { name = app, used = tonumber(app_used), max = tonumber(app_max) }
  end
  return info
end

-- ---- construction ------------------------------------------------------------

--- Seconds before an access token's expiry (its expires_in) at which it
-- is renewed before use (at most half its lifetime), as the core's
-- SF_TOKEN_REFRESH_SKEW.
_M.REFRESH_SKEW = 60

-- When the token of `t` should be renewed, or nil (no expires_in sent).
local function expires_at(t)
  local n = tonumber(t.expires_in)
  if not n or n <= 0 then return nil end
  return (tonumber(t.obtained_at) or os.time()) + n - math.min(_M.REFRESH_SKEW, n // 2)
end

--- Builds a client over `http` (a runtime) and an auth source: `session`
-- (a core session: stored tokens, single-flight refresh) and/or a
-- `reauth` function that runs a flow again (flows without a refresh
-- token). opts: version (pinned, "62.0" or "v62.0"), session, reauth,
-- owns_http (close the runtime with the client).
function _M.new(http, tokens, opts)
  opts = opts or {}
  if type(tokens.instance_url) ~= "string" then
    return nil, errors.new("config", "these tokens name no Salesforce instance (an oauth2 "
      .. "profile's tokens are for its own API, not for a Salesforce client)")
  end
  local self = setmetatable({
    http = http, session = opts.session, reauth = opts.reauth,
    access_token = tokens.access_token, instance_url = tokens.instance_url:gsub("/+$", ""),
    describe_cache = {}, limit = nil, owns_http = opts.owns_http,
    expires_at = expires_at(tokens),
  }, Client)
  local version = opts.version
  if version then
    version = tostring(version):gsub("^v", "")
    if not version:match("^%d+%.%d$") then
      error("bad API version " .. tostring(opts.version) .. " (like \"62.0\")", 2)
    end
  else
    local list, err = self:call("GET", "/services/data/")
    if not list then
      self:close()
      return nil, err
    end
    local best
    for _, v in ipairs(list) do
      if not best or tonumber(v.version) > tonumber(best) then best = v.version end
    end
    if not best then
      self:close()
      return nil, errors.new("protocol", "the instance lists no API version")
    end
    version = best
  end
  self.version = version
  self.base = "/services/data/v" .. version
  return self
end

-- ---- the one call path ---------------------------------------------------------

-- The renewal failures that authorizing again cures.
local FIXED_BY_LOGIN = { oauth = true, outcome_unknown = true, signature = true,
  untrusted_host = true }

-- Renews after `stale` met 401: the session's single-flight renewal under
-- the store lock (the refresh grant, or for a set without a refresh token
-- the flow again, through `reauth`), or the flow again without a session.
-- `wait_ms` bounds the wait for the store lock (default 30 s). Returns true
-- or nil, err.
function Client:refresh(stale, wait_ms)
  check_open(self)
  local t, err
  if self.session then
    local renewed
    renewed, err = self.session:refresh(stale or self.access_token, wait_ms, self.reauth)
    -- false: another process or task had renewed
    if renewed ~= nil then t = self.session:tokens() end
  elseif self.reauth then
    t, err = self.reauth()
  end
  if t then
    self.access_token = t.access_token
    self.instance_url = t.instance_url:gsub("/+$", "")
    self.expires_at = expires_at(t)
    return true
  end
  if err then
    if self.renewal_hint and type(err) == "table" and FIXED_BY_LOGIN[err.kind] then
      err.message = err.message .. " (" .. self.renewal_hint .. ")"
    end
    return nil, err
  end
  return nil, errors.new("auth",
    "the session expired and this client cannot refresh it (connected with an access "
      .. "token only)", { status = 401 })
end

local monotonic_ms = core.monotonic_ms

-- The error of a call whose deadline passed before it could (again) be
-- sent: a timeout, as the transport's own.
local function past_deadline(deadline_at, own)
  return errors.new("timeout", own == deadline_at and "the call's deadline passed before it "
    .. "could be sent" or "the deadline of these calls (Client:within) passed before this one "
    .. "could be sent", { retryable = true })
end

-- The longest wait for the store lock of a renewal (another process's).
local LOCK_WAIT_MS = 30000

-- A renewal within the call's deadline (a monotonic time, or nil): none
-- starts once it has passed, and the wait for the store lock (another
-- process renewing) ends with it. The grant itself, once sent, runs to
-- its answer (bounded by the transport's timeouts): cut, a rotated
-- refresh token's answer would be lost and the authorization with it
-- (see README, "deadline_ms"). Returns true or nil, err.
local function renew_within(self, stale, deadline_at, own)
  local wait = LOCK_WAIT_MS
  if deadline_at then
    wait = deadline_at - monotonic_ms()
    if wait <= 0 then return nil, past_deadline(deadline_at, own) end
    wait = math.min(wait, LOCK_WAIT_MS)
  end
  local ok, err = self:refresh(stale, wait)
  if not ok and deadline_at and type(err) == "table" and err.kind == "locked"
    and wait < LOCK_WAIT_MS then
    return nil, errors.new("timeout", "the deadline passed while another renewal of the "
      .. "session held the store lock", { retryable = true })
  end
  return ok, err
end

-- The one request path, for a full URL on the instance: the bearer token,
-- the Sforce-Limit-Info header, one refresh and replay on 401
-- INVALID_SESSION_ID, error mapping. `text` is the body (a string) or nil.
-- Blocking calls go through http:call; in a task the request is started
-- and the task waits in the scheduler. Returns the decoded body (true for
-- an empty one) and the status; or nil, err.
local function call_url(self, method, url, text, ctype, opts)
  if #url > URI_MAX then
    return nil, errors.new("uri_too_long", string.format(
      "the request URI is %d characters, over Salesforce's limit of 16,384; nothing was "
        .. "sent%s", #url, opts.too_long_hint or ""), { length = #url })
  end
  local replayed = false
  -- the call's deadline (a monotonic time): its own deadline_ms, or the
  -- view's (Client:within) when that is sooner
  local deadline_at = self.deadline_at
  local dl = opts.deadline_ms
  if dl then
    dl = monotonic_ms() + dl
    if not deadline_at or dl < deadline_at then deadline_at = dl end
  end
  -- renewed shortly before it expires, by the same single-flight refresh
  local renew_at = self.expires_at
  if renew_at and (self.session or self.reauth) and os.time() >= renew_at then
    local ok, rerr = renew_within(self, self.access_token, deadline_at, dl)
    if not ok then return nil, rerr end
  end
  while true do
    local token = self.access_token
    local auth = self.auth_header
    if self.auth_token ~= token then
      -- no token, no header: the calls that need none (the versions list,
      -- a public endpoint) must be possible
      auth = token and token ~= "" and "Bearer " .. token or nil
      self.auth_header, self.auth_token = auth, token
    end
    -- (a replay: a finalizer may have closed the client meanwhile)
    local http = self.http
    if not http then error("attempt to use a closed Salesforce client", 3) end
    local left -- of the deadline, which bounds the transport's retries too
    if deadline_at then
      left = deadline_at - monotonic_ms()
      if left <= 0 then return nil, past_deadline(deadline_at, dl) end
    end
    -- decoded straight from the transport's buffer unless raw is asked for
    local status, resp, is_json, why, limit, retry_after, bearer
    if live_tasks.n == 0 or not in_task() then
      status, resp, is_json, why, limit, retry_after, bearer = http:call(method, url, auth, text,
        ctype, opts.headers, opts.idempotent, opts.timeout_ms, not opts.raw, "Sforce-Limit-Info",
        left)
    else
      local req, err = http:start(method, url, auth, text, ctype, opts.headers, opts.idempotent,
        opts.timeout_ms, left)
      if not req then return nil, err end
      scheduler.await(req, http)
      status, resp, is_json, why, limit, retry_after, bearer = req:finish(not opts.raw,
        "Sforce-Limit-Info")
    end
    if not status then return nil, errors.transport(resp) end
    if limit then
      local last = self.limit
      if not last or last.header ~= limit then self.limit = parse_limit_info(limit) or last end
    end
    if status < 300 and is_json then return resp, status end -- the common case
    if status == 401 and not replayed and errors.session_expired(status, resp, bearer) then
      -- (a client made from a token alone keeps Salesforce's answer)
      if not (self.session or self.reauth) then return nil, errors.session_lost(status, resp) end
      local ok, rerr = renew_within(self, token, deadline_at, dl)
      if not ok then return nil, rerr end
      replayed = true
    else
      local decoded = resp -- the value; or the text when raw or not JSON
      if not is_json then
        if resp == "" then
          decoded = true
        elseif not opts.raw and status < 400 then
          return nil, errors.new("protocol", "the answer is not JSON (HTTP " .. status .. "): "
            .. tostring(why), { status = status })
        end
      end
      if status >= 400 or (status == 300 and not opts.accept_300) then
        return nil, errors.from_response(status, decoded, status >= 400 and retry_after or nil)
      end
      return decoded, status
    end
  end
end

--- The one request path. `path` starts with "/" (the instance's path) or
-- is a full URL on the instance. `body` is a table (JSON-encoded) or a
-- string. opts: headers, idempotent, timeout_ms, raw (return the body
-- text undecoded). Returns the decoded body (true for an empty one) and
-- the status; or nil, err.
function Client:call(method, path, body, opts)
  check_open(self)
  if type(method) ~= "string" then argerror(1, "call", "method expected, got " .. type(method)) end
  if type(path) ~= "string" then argerror(2, "call", "path expected, got " .. type(path)) end
  local url
  if byte(path, 1) == 47 then -- "/"
    url = self.instance_url .. path
  elseif path:sub(1, self.instance_url:len() + 1) == self.instance_url .. "/" then
    url = path
    path = path:sub(self.instance_url:len() + 1)
  else
    argerror(2, "call", "path must start with '/' or be a URL on the instance: " .. shown(path))
  end
  local why = bad_path(path)
  if why then argerror(2, "call", "the path holds " .. why .. ": " .. shown(path)) end
  opts = opts or NO_OPTS
  local text, ctype
  if type(body) == "table" then
    text = cjson.encode(body)
    if not text then error("the body cannot be encoded as JSON", 2) end
    ctype = "application/json"
  elseif body ~= nil then
    text, ctype = tostring(body), opts.content_type or "application/json"
  end
  return call_url(self, method, url, text, ctype, opts)
end

-- A versioned path: "/services/data/vXX.X" .. rest.
function Client:path(rest)
  return self.base .. rest
end

-- the options in milliseconds that a call takes: each attempt's limit, and
-- the whole call's (retries and their waits included)
local MS_OPTS = { "timeout_ms", "deadline_ms" }

local METHODS = { GET = true, HEAD = true, POST = true, PUT = true, PATCH = true,
  DELETE = true, OPTIONS = true }
local QUERY_VALUE = { string = true, number = true, boolean = true }

-- The path of request{path = ...}: a string as written, or a list of
-- segments, each encoded as one. Raises naming the bad part.
local function request_path(path)
  if type(path) == "table" then
    local parts = {}
    for i = 1, #path do
      local v = path[i]
      if type(v) ~= "string" and type(v) ~= "number" then
        argerror(1, "request", string.format("path segment %d must be a string or number, got %s",
          i, type(v)), 1)
      end
      local seg, why = segment(v)
      if not seg then argerror(1, "request", "path segment " .. i .. ": " .. why, 1) end
      parts[i] = seg
    end
    if #parts == 0 then argerror(1, "request", "path has no segment", 1) end
    return "/" .. table.concat(parts, "/")
  end
  if path:sub(1, 1) ~= "/" then path = "/" .. path end
  local why = bad_path(path)
  if why then
    argerror(1, "request", "path holds " .. why .. " (a list of segments and a query table "
      .. "are encoded): " .. shown(path), 1)
  end
  return path
end

-- A non-empty table whose keys are exactly 1..#t?
local function is_list(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n > 0 and n == #t
end

-- The query string of request{query = ...}: names sorted; a value is a
-- string, number or boolean, or a list of them (the name repeated).
local function query_string(query)
  local parts = {}
  for k, v in pairs(query) do
    if type(k) ~= "string" then
      argerror(1, "request", "query names must be strings, got " .. type(k), 1)
    end
    local list = type(v) == "table" and v or { v }
    if type(v) == "table" and not is_list(v) then
      argerror(1, "request", "query value '" .. k .. "' must be a string, number, boolean or "
        .. "a list of them, got a table that is not a non-empty list", 1)
    end
    for _, item in ipairs(list) do
      if not QUERY_VALUE[type(item)] then
        argerror(1, "request", "query value '" .. k .. "' must be a string, number, boolean or "
          .. "a list of them, got " .. type(item), 1)
      end
      parts[#parts + 1] = core.url_escape(k) .. "=" .. core.url_escape(tostring(item))
    end
  end
  table.sort(parts)
  return table.concat(parts, "&")
end

--- Generic request: {method = "GET", path = "/sobjects/Lead/describe" (relative to the
-- versioned base unless it starts with "/services/"; or a list of segments such as
-- {"sobjects", name, "describe"}, each encoded as one), query = {k = v or {v1, v2}},
-- body = table|string, headers = {...}}. Returns decoded, status.
function Client:request(t)
  check_open(self)
  if type(t) ~= "table" then argerror(1, "request", "table expected, got " .. type(t)) end
  local method = t.method or "GET"
  if type(method) ~= "string" or not METHODS[method:upper()] then
    argerror(1, "request", "method must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS, got "
      .. shown(method))
  end
  method = method:upper()
  if type(t.path) ~= "string" and type(t.path) ~= "table" then
    argerror(1, "request", "path expected (a string or a list of segments), got "
      .. type(t.path))
  end
  local path = request_path(t.path)
  if not path:match("^/services/") then path = self.base .. path end
  if t.query ~= nil then
    if type(t.query) ~= "table" then
      argerror(1, "request", "query must be a table, got " .. type(t.query))
    end
    local q = query_string(t.query)
    if q ~= "" then path = path .. (path:find("?", 1, true) and "&" or "?") .. q end
  end
  if t.headers ~= nil then
    if type(t.headers) ~= "table" then
      argerror(1, "request", "headers must be a table, got " .. type(t.headers))
    end
    for k, v in pairs(t.headers) do
      if type(k) ~= "string" or type(v) ~= "string" or k:find("[%z\r\n:]")
        or v:find("[%z\r\n]") then
        argerror(1, "request", "header " .. shown(k) .. " must be a name and a string value "
          .. "without NUL, CR or LF")
      end
    end
  end
  if t.body ~= nil and type(t.body) ~= "table" and type(t.body) ~= "string" then
    argerror(1, "request", "body must be a table or a string, got " .. type(t.body))
  end
  for _, k in ipairs(MS_OPTS) do
    local v = t[k]
    if v ~= nil and (math.type(v) ~= "integer" or v < 1) then
      argerror(1, "request", k .. " must be a positive integer, got "
        .. (type(v) == "number" and tostring(v) or shown(v)))
    end
  end
  local decoded, status = self:call(method, path, t.body, { headers = t.headers,
    idempotent = t.idempotent, timeout_ms = t.timeout_ms, deadline_ms = t.deadline_ms,
    raw = t.raw, accept_300 = true })
  if decoded == nil then return nil, status end
  return decoded, status
end

--- The latest Sforce-Limit-Info: {used, max, header}, or nil before any call.
function Client:limit_info()
  check_open(self)
  return self.limit
end

-- The public result of a call: the value, or nil and the error; never the
-- status and request that Client:call also returns.
local function result(res, err)
  if res == nil then return nil, err end
  return res
end

-- ---- records ---------------------------------------------------------------------

-- A misuse error raised by a helper module, re-raised at the caller of the
-- public method (level 3 from here), without the helper's position.
local function rethrow(msg)
  error((tostring(msg):gsub("^[^\n]-:%d+: ", "")), 4)
end

local FIELDS_OPTS = { too_long_hint = ": ask for fewer fields" }

--- Creates a record; returns its id.
function Client:create(sobject, fields)
  check_open(self)
  check_name(sobject, "sObject")
  if type(fields) ~= "table" then error("create needs a table of fields", 2) end
  local res, err = self:call("POST", self:path("/sobjects/" .. sobject .. "/"), fields)
  if not res then
    if err.kind == "outcome_unknown" and err.status == 201 then
      err.message = string.format("the %s record was created (HTTP 201), but its answer was "
        .. "cut off, so its id is unknown; it was not re-sent", sobject)
    end
    return nil, err
  end
  return res.id
end

--- Reads a record (all fields, or the listed ones).
function Client:get(sobject, id, fields)
  -- (the checks' calls only when they fail: this is the hot path)
  if not self.http then check_open(self) end
  if not good_names[sobject] then check_name(sobject, "sObject") end
  if not is_record_id(id) then check_id(id) end
  local url = self.instance_url .. self.base .. "/sobjects/" .. sobject .. "/" .. id
  if fields then
    if type(fields) ~= "table" then error("fields must be a list of names", 2) end
    local soql = require "salesforce.soql"
    for i, f in ipairs(fields) do
      if type(f) ~= "string" then
        argerror(3, "get", "list of field names expected, got " .. type(f) .. " at index " .. i)
      end
      local ok, msg = pcall(soql.identifier, f)
      if not ok then error((tostring(msg):gsub("^[^\n]-:%d+: ", "")), 2) end
    end
    url = url .. "?fields=" .. core.url_escape(table.concat(fields, ","))
  end
  local res, err = call_url(self, "GET", url, nil, nil, FIELDS_OPTS)
  if res == nil then return nil, err end
  return res
end

--- Updates fields of a record; returns true.
function Client:update(sobject, id, fields)
  check_open(self)
  check_name(sobject, "sObject")
  check_id(id)
  if type(fields) ~= "table" or next(fields) == nil then
    error("update needs a non-empty table of fields", 2)
  end
  local res, err = self:call("PATCH", self:path("/sobjects/" .. sobject .. "/" .. id), fields,
    { idempotent = true })
  if not res then return nil, err end
  return true
end

--- Upserts by external id; returns {id = ..., created = true|false}. Several
-- matching records are an error of kind "multiple_matches" whose
-- `matches` lists their URLs.
function Client:upsert(sobject, field, value, fields)
  check_open(self)
  check_name(sobject, "sObject")
  check_name(field, "external id field")
  if type(value) ~= "string" and type(value) ~= "number" then
    error("the external id value must be a string or number", 2)
  end
  if type(fields) ~= "table" then error("upsert needs a table of fields", 2) end
  -- the value is one path segment whatever it holds ('/', '?', '%', ...)
  local seg, why = segment(value)
  if not seg then
    return nil, errors.new("invalid_value", "the external id value " .. why
      .. "; nothing was sent")
  end
  local path = self:path("/sobjects/" .. sobject .. "/" .. field .. "/" .. seg)
  local res, status = self:call("PATCH", path, fields, { idempotent = true, accept_300 = true })
  if not res then return nil, status end
  if status == 300 then
    local matches = type(res) == "table" and res or {}
    return nil, errors.new("multiple_matches", string.format(
      "%d %s records have %s = %s: %s", #matches, sobject, field, tostring(value),
      table.concat(matches, ", ")), { status = 300, matches = matches })
  end
  if res == true then  -- 204 of older versions: an update
    return { created = false }
  end
  return { id = res.id, created = status == 201 or res.created == true }
end

--- Deletes a record; returns true.
function Client:delete(sobject, id)
  check_open(self)
  check_name(sobject, "sObject")
  check_id(id)
  local res, err = self:call("DELETE", self:path("/sobjects/" .. sobject .. "/" .. id))
  if not res then return nil, err end
  return true
end

-- Per-call options {timeout_ms, deadline_ms} (argument `pos` of `fname`),
-- merged into `base` (the call's own options) when given.
local function call_opts(opts, pos, fname, base)
  if opts == nil then return base end
  if type(opts) ~= "table" then
    argerror(pos, fname, "options table expected, got " .. type(opts), 1)
  end
  local out = {}
  for _, k in ipairs(MS_OPTS) do
    local t = opts[k]
    if t ~= nil and (math.type(t) ~= "integer" or t < 1) then
      argerror(pos, fname, k .. " must be a positive integer, got "
        .. (type(t) == "number" and tostring(t) or shown(t)), 1)
    end
    out[k] = t
  end
  for k, v in pairs(base or {}) do out[k] = v end
  return out
end

--- The describe of an sObject, cached for the life of the client.
-- opts: timeout_ms (each attempt), deadline_ms (the whole call, retries
-- included), when not cached.
function Client:describe(sobject, opts)
  check_open(self)
  check_name(sobject, "sObject")
  opts = call_opts(opts, 2, "describe")
  local cached = self.describe_cache[sobject]
  if cached then return cached end
  local res, err = self:call("GET", self:path("/sobjects/" .. sobject .. "/describe"), nil, opts)
  if not res then return nil, err end
  self.describe_cache[sobject] = res
  return res
end

--- describeGlobal: every sObject of the org (cached).
function Client:describe_global()
  check_open(self)
  if self.global_cache then return self.global_cache end
  local res, err = self:call("GET", self:path("/sobjects/"))
  if not res then return nil, err end
  self.global_cache = res
  return res
end

--- The org's limits (/limits).
function Client:limits()
  check_open(self)
  return result(self:call("GET", self:path("/limits")))
end

-- ---- queries ---------------------------------------------------------------------


local function bound(query, binds, fname)
  if type(query) ~= "string" then
    argerror(1, fname, "the query must be a string, got " .. type(query), 1)
  end
  if query:find("%z") then argerror(1, fname, "the query holds a NUL byte", 1) end
  if binds ~= nil then
    if type(binds) ~= "table" then error("binds must be a table", 3) end
    local ok, q = pcall(require("salesforce.soql").bind, query, binds)
    if not ok then rethrow(q) end
    return q
  end
  return query
end

local function query_path(self, resource, q)
  return self:path("/" .. resource .. "/?q=" .. core.url_escape(q))
end

local QUERY_OPTS = { too_long_hint = ": shorten the query (split a long IN list over "
  .. "several queries)" }

--- Runs SOQL with named binds (":name", quoted by type); returns the first
-- page {totalSize, done, records, nextRecordsUrl}. opts: timeout_ms,
-- deadline_ms (as for describe).
function Client:query(query, binds, opts)
  check_open(self)
  opts = call_opts(opts, 3, "query", QUERY_OPTS)
  return result(self:call("GET", query_path(self, "query", bound(query, binds, "query")), nil,
    opts))
end

--- As query, including deleted and archived records.
function Client:query_all(query, binds, opts)
  check_open(self)
  opts = call_opts(opts, 3, "query_all", QUERY_OPTS)
  return result(self:call("GET",
    query_path(self, "queryAll", bound(query, binds, "query_all")), nil, opts))
end

--- The next page of a query result (its nextRecordsUrl).
function Client:query_more(next_url)
  check_open(self)
  if type(next_url) ~= "string" then
    argerror(1, "query_more", "the nextRecordsUrl expected, got " .. type(next_url))
  end
  local p = next_url:sub(1, 1) == "/" and next_url
    or next_url:sub(self.instance_url:len() + 1)
  local why = bad_path(p)
  if why then
    argerror(1, "query_more", "the nextRecordsUrl holds " .. why .. ": " .. shown(next_url))
  elseif not p:match("^/services/data/v[%d.]+/query") then
    argerror(1, "query_more", "not a nextRecordsUrl of this instance: " .. shown(next_url))
  end
  return result(self:call("GET", next_url))
end

--- The number of records: a SELECT COUNT() query, or (sobject, where, binds).
function Client:count(query, binds, more)
  check_open(self)
  if type(query) ~= "string" then error("count needs a query or an sObject name", 2) end
  if query:match("^[%a][%w_]*$") then
    if binds ~= nil and type(binds) ~= "string" then
      argerror(2, "count", "a WHERE condition (string) expected, got " .. type(binds))
    end
    local where = binds
    query = "SELECT COUNT() FROM " .. query .. (where and (" WHERE " .. where) or "")
    binds = more
  end
  local res, err = self:query(query, binds)
  if not res then return nil, err end
  return math.tointeger(res.totalSize) or res.totalSize
end

--- Iterates the records of a query, following nextRecordsUrl lazily: only
-- one page is held at a time. opts: all (queryAll), batch_size (200-2000).
-- A failure while fetching a page raises the structured error.
function Client:each(query, binds, opts)
  check_open(self)
  if opts ~= nil and type(opts) ~= "table" then
    argerror(3, "each", "options table expected, got " .. type(opts))
  end
  opts = opts or {}
  local q = bound(query, binds, "each")
  local headers
  if opts.batch_size then
    local n = math.tointeger(opts.batch_size)
    if not n or n < 200 or n > 2000 then error("batch_size must be 200 to 2000", 2) end
    headers = { ["Sforce-Query-Options"] = "batchSize=" .. n }
  end
  local page, i, url = nil, 0, query_path(self, opts.all and "queryAll" or "query", q)
  return function()
    while true do
      if page then
        i = i + 1
        local rec = page.records[i]
        if rec ~= nil then return rec end
        if page.done or not page.nextRecordsUrl then return nil end
        url = page.nextRecordsUrl
        page = nil
      end
      local res, err = self:call("GET", url, nil, { headers = headers,
        too_long_hint = QUERY_OPTS.too_long_hint })
      if not res then error(err, 2) end
      page, i = res, 0
    end
  end
end

-- ---- search ------------------------------------------------------------------------

local SEARCH_OPTS = { too_long_hint = ": sf:parameterized_search sends the search in a "
  .. "POST body" }

--- SOSL built from user text, every reserved character escaped:
-- {text, sobject, or sobjects = {name or {sobject, fields, where, binds,
-- limit}, ...}, fields = {...}, where, binds, limit (per object),
-- total_limit, scope = "ALL"|"NAME"|"EMAIL"|"PHONE"|"SIDEBAR", wildcards
-- (true: * and ? in the text are SOSL wildcards)}. Returns a list of
-- records.
function Client:search(t)
  check_open(self)
  if type(t) ~= "table" then
    argerror(1, "search", "search needs a table, got " .. type(t))
  end
  local returning = {}
  local objects = t.sobjects or { t.sobject }
  if type(objects) ~= "table" then
    argerror(1, "search", "sobjects must be a list, got " .. type(objects))
  end
  for i, obj in ipairs(objects) do
    if type(obj) ~= "string" and type(obj) ~= "table" then
      argerror(1, "search", "sobjects must list names or tables, got " .. type(obj)
        .. " at index " .. i)
    end
    if type(obj) == "string" then
      returning[#returning + 1] = { sobject = obj, fields = t.fields or { "Id" },
        where = t.where, binds = t.binds, limit = t.limit }
    else
      returning[#returning + 1] = obj
    end
  end
  if #returning == 0 then argerror(1, "search", "search needs sobject or sobjects") end
  if type(t.text) ~= "string" then
    argerror(1, "search", "search needs text (a string), got " .. type(t.text))
  end
  if t.wildcards ~= nil and type(t.wildcards) ~= "boolean" then
    argerror(1, "search", "wildcards must be a boolean, got " .. type(t.wildcards))
  end
  local sosl = require "salesforce.sosl"
  -- the text comes from end users: a text that cannot be searched is a
  -- failure to report, not a programming error
  local usable, why = pcall(sosl.phrase, t.text, t.wildcards)
  if not usable then
    local msg = tostring(why):gsub("^[^\n]-:%d+: ", "")
    msg = msg:match("^bad argument #%d+ to '[^']+' %((.*)%)$") or msg
    return nil, errors.new("invalid_search", msg)
  end
  local ok, q = pcall(sosl.build, { text = t.text, scope = t.scope or "ALL",
    returning = returning, limit = t.total_limit, wildcards = t.wildcards })
  if not ok then error((tostring(q):gsub("^[^\n]-:%d+: ", "")), 2) end
  local res, err = self:call("GET", self:path("/search/?q=" .. core.url_escape(q)), nil,
    SEARCH_OPTS)
  if not res then return nil, err end
  if type(res) == "table" and res.searchRecords then return res.searchRecords end
  return res
end

--- parameterizedSearch (POST): {q = text, sobjects = {{name=, fields={...}}}, fields,
-- in = "ALL", overallLimit = n, ...} passed as Salesforce documents it.
function Client:parameterized_search(params)
  check_open(self)
  if type(params) ~= "table" or type(params.q) ~= "string" then
    error("parameterized_search needs a table with q", 2)
  end
  local res, err = self:call("POST", self:path("/parameterizedSearch/"), params,
    { idempotent = true })
  if not res then return nil, err end
  if type(res) == "table" and res.searchRecords then return res.searchRecords end
  return res
end

-- ---- many records: sObject Collections, 200 a call --------------------------------------

local function chunks(list, n)
  local out = {}
  for i = 1, #list, n do
    out[#out + 1] = table.move(list, i, math.min(i + n - 1, #list), 1, {})
  end
  return out
end

local ATOMIC_MAX = 5 * COLLECTION_MAX -- collections one composite call may hold

-- Runs collection calls for `parts` (lists of at most 200); url(part) and
-- body(part) build each call. Returns the per-record results in order.
-- With all_or_none over more than one part, the parts go as collection
-- subrequests of one composite call with allOrNone, so that Salesforce
-- rolls all of them back together.
local function collect_results(self, method, url, parts, body, opts)
  local results = {}
  if opts.all_or_none and #parts > 1 then
    local subrequests = {}
    for i, part in ipairs(parts) do
      subrequests[i] = { method = method, url = url(part), referenceId = "part" .. i,
        body = body(part) }
    end
    local res, err = self:call("POST", self:path("/composite"),
      { allOrNone = true, collateSubrequests = false, compositeRequest = subrequests })
    if not res then return nil, err end
    for i, sub in ipairs(res.compositeResponse or {}) do
      if type(sub.body) == "table" and sub.body[1] and sub.body[1].success ~= nil then
        for _, r in ipairs(sub.body) do results[#results + 1] = r end
      else
        -- a subrequest refused whole: every record of its part failed
        local errs = type(sub.body) == "table" and sub.body or {}
        for _ = 1, #parts[i] do
          results[#results + 1] = { success = false, errors = errs }
        end
      end
    end
    return results
  end
  for _, part in ipairs(parts) do
    local res, err = self:call(method, url(part), body(part), opts)
    if not res then return nil, err, results end
    for _, r in ipairs(res) do results[#results + 1] = r end
  end
  return results
end

-- Splits `list` for collection calls; all_or_none is atomic only up to
-- ATOMIC_MAX records.
local function parts_of(list, opts)
  if opts.all_or_none and #list > ATOMIC_MAX then
    error(string.format("all_or_none covers at most %d records in one call (%d given)",
      ATOMIC_MAX, #list), 3)
  end
  return chunks(list, COLLECTION_MAX)
end

-- Raises unless `list` is a list of tables (argument n of fname).
local function is_table(v) return type(v) == "table" end
local function check_records(list, n, fname)
  check_list(list, n, fname, "record tables", is_table, 1)
end

-- Raises unless opts is nil or a table (argument n of fname).
local function check_opts(opts, n, fname)
  if opts ~= nil and type(opts) ~= "table" then
    argerror(n, fname, "options table expected, got " .. type(opts), 1)
  end
end

-- The body builder of a collection call: each record typed as `sobject`.
local function typed_records(sobject, opts)
  return function(part)
    local recs = {}
    for i, r in ipairs(part) do
      local copy = { attributes = { type = sobject } }
      for k, v in pairs(r) do copy[k] = v end
      recs[i] = copy
    end
    return { allOrNone = opts.all_or_none == true, records = recs }
  end
end

--- Creates records through sObject Collections (200 a call); returns the
-- per-record results {id, success, errors} in order. opts.all_or_none.
function Client:create_many(sobject, records, opts)
  check_open(self)
  check_name(sobject, "sObject")
  check_records(records, 2, "create_many")
  check_opts(opts, 3, "create_many")
  opts = opts or {}
  local path = self:path("/composite/sobjects")
  return collect_results(self, "POST", function() return path end,
    parts_of(records, opts), typed_records(sobject, opts), { all_or_none = opts.all_or_none })
end

--- Updates records (each with Id) through sObject Collections.
function Client:update_many(sobject, records, opts)
  check_open(self)
  check_name(sobject, "sObject")
  check_records(records, 2, "update_many")
  check_opts(opts, 3, "update_many")
  for _, r in ipairs(records) do check_id(r.Id) end
  opts = opts or {}
  local path = self:path("/composite/sobjects")
  return collect_results(self, "PATCH", function() return path end,
    parts_of(records, opts), typed_records(sobject, opts),
    { idempotent = true, all_or_none = opts.all_or_none })
end

--- Deletes records by id through sObject Collections.
function Client:delete_many(ids, opts)
  check_open(self)
  if type(ids) ~= "table" then
    argerror(1, "delete_many", "list of record ids expected, got " .. type(ids))
  end
  check_opts(opts, 2, "delete_many")
  for i = 1, #ids do check_id(ids[i]) end
  opts = opts or {}
  return collect_results(self, "DELETE", function(part)
    return self:path("/composite/sobjects?ids=" .. table.concat(part, ",")
      .. "&allOrNone=" .. tostring(opts.all_or_none == true))
  end, parts_of(ids, opts), function() return nil end,
    { all_or_none = opts.all_or_none })
end

-- ---- reading and upserting many records; what changed ----------------------------

local RETRIEVE_MAX = 2000  -- ids per POST of sObject Collections retrieve
local RETRIEVE_GET_MAX = 800 -- ids Salesforce takes in a retrieve GET

--- Reads records by id through sObject Collections: one GET when its URL
-- fits (at most 800 ids and Salesforce's 16,384 characters), else POSTs
-- of up to 2000 ids. `fields` lists the fields to read. Returns the
-- records in the order of `ids`, salesforce.null for an id that matches
-- no record the user can see; on a failed call nil, err and the records
-- read before it.
function Client:retrieve_many(sobject, ids, fields)
  check_open(self)
  check_name(sobject, "sObject")
  check_list(ids, 2, "retrieve_many", "record ids", is_record_id)
  check_list(fields, 3, "retrieve_many", "field names", function(f)
    return type(f) == "string" and f:match("^[%a][%w_]*$") ~= nil
  end)
  if fields[1] == nil then
    error("bad argument #3 to 'retrieve_many' (at least one field expected)", 2)
  end
  if #ids == 0 then return {} end
  local path = self:path("/composite/sobjects/" .. sobject)
  local get = path .. "?ids=" .. table.concat(ids, ",") .. "&fields="
    .. core.url_escape(table.concat(fields, ","))
  if #ids <= RETRIEVE_GET_MAX and #self.instance_url + #get <= URI_MAX then
    return collect_results(self, "GET", function() return get end, { ids },
      function() return nil end, NO_OPTS)
  end
  return collect_results(self, "POST", function() return path end, chunks(ids, RETRIEVE_MAX),
    function(part) return { ids = part, fields = fields } end, { idempotent = true })
end

--- Upserts records by the external id `field` (each record carries its
-- value) through sObject Collections, 200 a call; returns the per-record
-- results {id, success, errors, created} in order. opts.all_or_none, as
-- create_many.
function Client:upsert_many(sobject, field, records, opts)
  check_open(self)
  check_name(sobject, "sObject")
  check_name(field, "external id field")
  check_list(records, 3, "upsert_many", "record tables with " .. field, function(r)
    return type(r) == "table" and (type(r[field]) == "string" or type(r[field]) == "number")
  end)
  opts = opts or {}
  local path = self:path("/composite/sobjects/" .. sobject .. "/" .. field)
  return collect_results(self, "PATCH", function() return path end,
    parts_of(records, opts), typed_records(sobject, opts),
    { idempotent = true, all_or_none = opts.all_or_none })
end

-- A time for the replication resources: seconds since the epoch or ISO
-- 8601 text (checked by salesforce.soql.datetime), as Salesforce's text.
local function replication_time(value, argn, fname)
  local ok, dt = pcall(require("salesforce.soql").datetime, value)
  if not ok or (type(value) ~= "number" and type(value) ~= "string") then
    error(string.format("bad argument #%d to '%s' (a time expected: seconds since the epoch "
      .. "or ISO 8601 text, got %s)", argn, fname,
      type(value) == "string" and string.format("%q", value) or type(value)), 4)
  end
  return tostring(dt)
end

local function replication(self, which, sobject, start, finish)
  check_name(sobject, "sObject", 4)
  local from = replication_time(start, 2, which)
  local to = replication_time(finish == nil and os.time() or finish, 3, which)
  return result(self:call("GET", self:path("/sobjects/" .. sobject .. "/" .. which
    .. "/?start=" .. core.url_escape(from) .. "&end=" .. core.url_escape(to))))
end

--- The ids of the `sobject` records created or changed between `start`
-- and `finish` (default now): {ids = {...}, latestDateCovered = text}.
-- Times are seconds since the epoch or ISO 8601 text; Salesforce ignores
-- their seconds and looks back 30 days at most.
function Client:updated(sobject, start, finish)
  check_open(self)
  return replication(self, "updated", sobject, start, finish)
end

--- The `sobject` records deleted between `start` and `finish` (default
-- now): {deletedRecords = {{id, deletedDate}, ...}, earliestDateAvailable,
-- latestDateCovered}. As updated; Salesforce looks back 15 days at most.
function Client:deleted(sobject, start, finish)
  check_open(self)
  return replication(self, "deleted", sobject, start, finish)
end

--- A composite request: subrequests {method, url, referenceId, body} (url
-- relative to the versioned base unless it starts with /services/;
-- references like "@{ref.id}" are resolved by Salesforce). Returns the
-- compositeResponse list. opts.all_or_none.
function Client:composite(subrequests, opts)
  check_open(self)
  if type(subrequests) ~= "table" or #subrequests == 0 then
    error("composite needs a list of subrequests", 2)
  end
  if #subrequests > COMPOSITE_MAX then
    error("composite takes at most " .. COMPOSITE_MAX .. " subrequests", 2)
  end
  check_opts(opts, 2, "composite")
  opts = opts or {}
  local list = {}
  for i, s in ipairs(subrequests) do
    if type(s) ~= "table" then
      argerror(1, "composite", "list of subrequest tables expected, got " .. type(s)
        .. " at index " .. i)
    end
    if type(s.method or "GET") ~= "string" then
      argerror(1, "composite", "subrequest " .. i .. " has a method that is not a string")
    end
    if type(s.url) ~= "string" or type(s.referenceId) ~= "string" then
      error("subrequest " .. i .. " needs url and referenceId", 2)
    end
    local url = s.url
    if not url:match("^/services/") then
      url = self.base .. (url:sub(1, 1) == "/" and "" or "/") .. url
    end
    list[i] = { method = (s.method or "GET"):upper(), url = url, referenceId = s.referenceId,
      body = s.body, httpHeaders = s.httpHeaders }
  end
  local res, err = self:call("POST", self:path("/composite"),
    { allOrNone = opts.all_or_none == true, compositeRequest = list })
  if not res then return nil, err end
  return res.compositeResponse
end

-- ---- lifecycle ---------------------------------------------------------------------

--- A view of this client whose calls, together, end within `ms`
-- milliseconds from now: each call's attempts, retries, Retry-After waits
-- and a replay after a refresh; a call that would start past it fails at
-- once with a timeout. The view shares everything else with the client
-- (token, caches, connections); closing it closes the client.
function Client:within(ms)
  check_open(self)
  if math.type(ms) ~= "integer" or ms < 1 then
    argerror(1, "within", "milliseconds expected (a positive integer), got "
      .. (type(ms) == "number" and tostring(ms) or shown(ms)))
  end
  local at = monotonic_ms() + ms
  local outer = rawget(self, "deadline_at")
  if outer and outer < at then at = outer end
  local client = rawget(self, "view_of") or self
  return setmetatable({ deadline_at = at, view_of = client },
    { __index = client, __newindex = client, __name = Client.__name })
end

--- Closes the client (idempotent); its runtime too when it owns it.
function Client:close()
  if self.session then self.session:close() self.session = nil end
  if self.http and self.owns_http then self.http:close() end
  self.http = nil
end
Client.__close = Client.close
Client.__gc = Client.close

return _M
