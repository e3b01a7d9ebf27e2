-- luaforce.dialog.store: the dialog's key-value stores (session variables
-- and saved session states) with one small interface: get, put with a TTL,
-- delete and compare-and-set. Two backends come from the core's store:
-- memory, and a folder (a workspace's: files written atomically with fsync
-- and rename, sealed when the workspace has a key). A Redis backend only
-- has to offer the same four methods.
local cjson = require "cjson"

local error, os, pairs, pcall, require, setmetatable, tostring, type =
  error, os, pairs, pcall, require, setmetatable, tostring, type

local _M = {}

local Store = {}
Store.__index = Store

local function check_ns(ns)
  if type(ns) ~= "string" or not ns:match("^[%w_%-]+$") or #ns > 64 then
    error("bad namespace (1-64 of A-Z a-z 0-9 _ -): " .. tostring(ns), 3)
  end
end

local function check_key(key)
  if type(key) ~= "string" or key == "" or key:find("\0", 1, true) then
    error("bad key (a non-empty string without NUL): " .. tostring(key), 3)
  end
end

-- A store over a core store handle; `now` gives the time in seconds.
local function wrap(core_store, now)
  return setmetatable({ s = core_store, now = now or os.time }, Store)
end

--- A store in memory (for tests and one process).
function _M.memory(now)
  require "salesforce"
  return wrap(require("salesforce.core").store_open(), now)
end

--- A store over an open core store handle (a workspace's `ws.store`).
function _M.wrap(core_store, now) return wrap(core_store, now) end

--- The value of `key` in namespace `ns`, or nil when absent or expired;
-- nil and an error when the store cannot be read.
function Store:get(ns, key)
  check_ns(ns)
  check_key(key)
  local data, err = self.s:get(ns, key)
  if not data then
    if err and err.kind == "not_found" then return nil end
    return nil, err
  end
  local rec = require("luaforce.dialog.native").json_decode(data)
  if type(rec) ~= "table" then return nil, "a stored value is not JSON: " .. ns end
  if rec.exp and rec.exp <= self.now() then
    self.s:delete(ns, key)
    return nil
  end
  return rec.v
end

--- Stores `value` (plain data) for `ttl` seconds (nil: no expiry).
-- Returns true, or nil and an error.
function Store:put(ns, key, value, ttl)
  check_ns(ns)
  check_key(key)
  if ttl ~= nil and (type(ttl) ~= "number" or ttl <= 0) then
    error("bad ttl (seconds > 0): " .. tostring(ttl), 2)
  end
  local ok, text = pcall(cjson.encode, { v = value, exp = ttl and self.now() + ttl or nil })
  if not ok then error("the value is not plain data: " .. tostring(text), 2) end
  return self.s:put(ns, key, text)
end

--- Removes `key`; true whether or not it was there, or nil and an error.
function Store:delete(ns, key)
  check_ns(ns)
  check_key(key)
  local ok, err = self.s:delete(ns, key)
  if ok or (err and err.kind == "not_found") then return true end
  return nil, err
end

-- Deep equality of plain data.
local function same(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

--- Sets `key` to `new` only when its value is `old` (compared as JSON;
-- nil: absent), under the key's lock (exclusive across processes).
-- Returns true, false when the value was another, or nil and an error.
function Store:cas(ns, key, old, new, ttl)
  check_ns(ns)
  check_key(key)
  local locked, lerr = self.s:lock(ns, key)
  if not locked then return nil, lerr end
  local cur, err = self:get(ns, key)
  local result
  if err then
    result = nil
  elseif not same(cur, old) then
    result = false
  else
    result, err = self:put(ns, key, new, ttl)
  end
  self.s:unlock(ns, key)
  return result, err
end

return _M
