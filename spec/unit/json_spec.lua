-- The body decoder (bindings/lsf_json.cc, simdjson): what it builds must
-- be what lua-cjson built before (except integers, which stay integers),
-- bad input gets nil and a reason, and neither deep nesting, a key cache
-- full of collisions, big bodies nor a finalizer that decodes during a
-- decode can corrupt it. Also run under AddressSanitizer (lua.unit.json.asan).
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local core = require "salesforce.core"
local cjson = require "cjson"

local decode = core.json_decode

-- deep equality where 1 == 1.0 (cjson decodes every number as a float)
local function same(a, b, path)
  path = path or "$"
  if type(a) ~= "table" or type(b) ~= "table" then
    if a ~= b and not (a ~= a and b ~= b) then
      return false, string.format("%s: %s ~= %s", path, tostring(a), tostring(b))
    end
    return true
  end
  for k, v in pairs(a) do
    local ok, why = same(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, why end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. " missing" end
  end
  return true
end

local function assert_like_cjson(text)
  local mine = decode(text)
  local ok, why = same(mine, cjson.decode(text))
  assert(ok, why)
  return mine
end

local LEAD = [[{"attributes":{"type":"Lead",
"url":"/services/data/v62.0/sobjects/Lead/00Q5g00000BENCH001"},"Id":"00Q5g00000BENCH001",
"IsDeleted":false,"MasterRecordId":null,"LastName":"Lovelace",
"Street":"12 St James's Square","AnnualRevenue":1500000.0,"NumberOfEmployees":42,
"Description":"line 1\nline 2\t\"quoted\" \\ back\/slash","Country":"Fran\u00e7e \ud83d\ude00"}]]

describe("json_decode", function()
  it("builds what lua-cjson builds from records, pages and nesting", function()
    local lead = assert_like_cjson(LEAD)
    assert.equal("Lovelace", lead.LastName)
    assert.equal("line 1\nline 2\t\"quoted\" \\ back/slash", lead.Description)
    assert.equal("Fran\xc3\xa7e \xf0\x9f\x98\x80", lead.Country)
    local recs = {}
    for i = 1, 200 do
      recs[i] = string.format('{"attributes":{"type":"Lead"},"Id":"00Q%015d","N":%d,"X":null}',
        i, i)
    end
    local page = assert_like_cjson('{"totalSize":400,"done":false,"nextRecordsUrl":'
      .. '"/services/data/v62.0/query/01g-200","records":[' .. table.concat(recs, ",") .. "]}")
    assert.equal(200, #page.records)
    assert.equal("00Q000000000000200", page.records[200].Id)
    assert_like_cjson('[[], {}, [[1, [2, [3]]]], {"a": {"b": {"c": [true, false, null]}}}]')
    assert_like_cjson('[0, -0, 1.5, -2.25e-3, 1E3, 123456789012]')
  end)

  it("agrees with lua-cjson on random documents and on broken ones", function()
    math.randomseed(6)
    local pieces = { "a", "Z", " ", "\\\"", "\\\\", "\\n", "\\t", "\\/", "\\u00e9",
      "\\ud83d\\ude00", "\xc3\xa9", "\xe2\x82\xac", "0", "~", "\\u0000" }
    local function str()
      local t = {}
      for i = 1, math.random(0, 12) do t[i] = pieces[math.random(#pieces)] end
      return '"' .. table.concat(t) .. '"'
    end
    -- (not 2^53 + 1: integers stay exact here, lua-cjson rounds them)
    local numbers = { "0", "-0", "7", "-12", "3.25", "-0.5e-3", "1E9", "2e+2",
      "9007199254740992", "123456789", "1.0" }
    local function value(depth)
      local k = math.random(depth > 4 and 4 or 7)
      if k == 1 then return str()
      elseif k == 2 then return numbers[math.random(#numbers)]
      elseif k == 3 then return ({ "true", "false", "null" })[math.random(3)]
      elseif k == 4 then return str()
      elseif k == 5 or k == 6 then
        local t = {}
        for i = 1, math.random(0, 6) do t[i] = str() .. " : " .. value(depth + 1) end
        return "{" .. table.concat(t, ",") .. "}"
      else
        local t = {}
        for i = 1, math.random(0, 6) do t[i] = value(depth + 1) end
        return "[ " .. table.concat(t, ", ") .. " ]"
      end
    end
    local agreed, broken_ok = 0, 0
    for _ = 1, 400 do
      local doc = value(0)
      assert_like_cjson(doc)
      agreed = agreed + 1
      -- broken: cut, or a byte replaced; whatever simdjson accepts, lua-cjson
      -- reads the same (lua-cjson accepts more: invalid UTF-8, "inf")
      local at = math.random(#doc)
      for _, bad in ipairs({ doc:sub(1, at - 1),
          doc:sub(1, at - 1) .. string.char(math.random(0, 255)) .. doc:sub(at + 1) }) do
        local mine, why = decode(bad)
        if mine ~= nil then
          local ok, diff = same(mine, cjson.decode(bad))
          assert(ok, diff)
          broken_ok = broken_ok + 1
        else
          assert.is_string(why)
        end
      end
    end
    assert.equal(400, agreed)
    assert.truthy(broken_ok < 800) -- most broken documents are refused
  end)

  it("keeps integers as integers and other numbers as floats", function()
    assert.equal("integer", math.type(decode("42")))
    assert.equal("float", math.type(decode("42.0")))
    assert.equal("float", math.type(decode("1e2")))
    assert.equal(9007199254740993, decode("9007199254740993"))
    assert.equal(math.maxinteger, decode("9223372036854775807"))
    assert.equal(math.mininteger, decode("-9223372036854775808"))
    -- above the integers: the nearest float, as lua-cjson gives
    assert.equal("float", math.type(decode("9223372036854775808")))
    assert.equal(9223372036854775808.0, decode("9223372036854775808"))
    assert.equal(42, decode('{"n":42}').n)
    -- beyond 64 bits simdjson refuses the number; lua-cjson reads the text
    -- then (every number a float), so that valid JSON is never refused
    local big = decode('{"big":123456789012345678901234567890,"n":1,"huge":[1e400]}')
    assert.equal(1.2345678901234568e29, big.big)
    assert.equal("float", math.type(big.n))
    assert.equal(math.huge, big.huge[1])
    assert.is_nil(decode("[123456789012345678901234567890,]"))
    assert.is_nil(decode("[123456789012345678901234567890, 01]"))
    assert.is_nil(decode("[123456789012345678901234567890, NaN]"))
  end)

  it("gives null as cjson.null, distinct from a missing field", function()
    local t = decode('{"a":null,"b":[null,1]}')
    assert.equal(cjson.null, t.a)
    assert.equal(cjson.null, t.b[1])
    assert.equal(2, #t.b)
    assert.is_nil(t.c)
    assert.equal(cjson.null, decode("null"))
  end)

  it("decodes top-level scalars, empty containers and odd keys", function()
    assert.equal(true, decode("true"))
    assert.equal(false, decode(" false "))
    assert.equal("x", decode('"x"'))
    assert.same({}, decode("{}"))
    assert.same({}, decode("[]"))
    local t = decode('{"":1,"a\\u0000b":"c\\u0000d","k":1,"k":2}')
    assert.equal(1, t[""])
    assert.equal("c\0d", t["a\0b"])
    assert.equal(2, t.k) -- the last of duplicate keys, as lua-cjson
  end)

  it("returns nil and a reason for what is not JSON", function()
    for _, bad in ipairs({ "", " ", "{", "[1,]", "{'a':1}", "nul", "{} x", "[1 2]",
        '{"a"}', '"\xff"', '"\xc3"', "01", "NaN", '{"a":1,}', "\"tab\there\"" }) do
      local v, why = decode(bad)
      assert.is_nil(v, bad)
      assert.is_string(why, bad)
      assert.truthy(#why > 0)
    end
  end)

  it("bounds nesting: 1024 levels decode, deeper is an error, not a crash", function()
    local ok = decode(string.rep("[", 1024) .. string.rep("]", 1024))
    local depth, t = 0, ok
    while type(t) == "table" do depth, t = depth + 1, t[1] end
    assert.equal(1024, depth) -- the innermost array too
    local v, why = decode(string.rep("[", 5000) .. string.rep("]", 5000))
    assert.is_nil(v)
    assert.is_string(why)
    v = decode(string.rep('{"a":', 1100) .. "1" .. string.rep("}", 1100))
    assert.is_nil(v)
  end)

  it("gets every key right when the key cache collides and overflows", function()
    local parts, want = {}, {}
    for i = 1, 3000 do
      -- same length, same first/middle/last bytes in groups: many collisions
      local k = string.format("k%04dk", i % 10 == 0 and i or (i % 7) * 1000 + i % 1000)
      if i > 2000 then k = string.rep("L", 41) .. i end -- longer than the cache takes
      parts[#parts + 1] = string.format('"%s":%d', k, i)
      want[k] = i
    end
    local text = "{" .. table.concat(parts, ",") .. "}"
    for _ = 1, 3 do
      local t = decode(text)
      for k, v in pairs(want) do assert.equal(v, t[k], k) end
      for k in pairs(t) do assert.not_nil(want[k], k) end
    end
  end)

  it("decodes big bodies and goes on afterwards", function()
    local recs = {}
    for i = 1, 20000 do recs[i] = string.format('{"Id":"%018d","Name":"record %d"}', i, i) end
    local text = '{"records":[' .. table.concat(recs, ",") .. "]}" -- ~0.8 MB
    local big = decode(text .. string.rep(" ", 2 * 1024 * 1024)) -- past the kept capacity
    assert.equal(20000, #big.records)
    assert.equal("record 20000", big.records[20000].Name)
    assert.equal(7, decode('{"a":7}').a)
    assert.equal(20000, #decode(text).records)
  end)

  it("stays right when a finalizer decodes in the middle of a decode", function()
    -- the finalizer's body is bigger than the one being walked: decoded
    -- with the same parser, it would reallocate the buffers under the walk
    -- (ASan reports that at once; the plain build sees wrong values)
    local function doc(n, tag)
      local recs = {}
      for i = 1, n do recs[i] = string.format('{"Id":"%018d","V":[%d,"%s%d"]}', i, i, tag, i) end
      return "[" .. table.concat(recs, ",") .. "]"
    end
    local outer, inner = doc(1000, "o"), doc(3000, "i")
    local inner_ok, inner_runs = true, 0
    local mt = { __gc = function()
      local t = decode(inner)
      inner_runs = inner_runs + 1
      if not (t and #t == 3000 and t[3000].V[2] == "i3000") then inner_ok = false end
    end }
    local pause = collectgarbage("setpause", 0) -- collect all the time
    for _ = 1, 4 do
      for _ = 1, 10 do setmetatable({}, mt) end
      local t = decode(outer)
      assert.equal(1000, #t)
      for i = 1, 1000 do
        assert.equal(string.format("%018d", i), t[i].Id)
        assert.equal("o" .. i, t[i].V[2])
      end
    end
    collectgarbage("setpause", pause)
    collectgarbage("collect")
    assert.truthy(inner_runs > 0)
    assert.is_true(inner_ok)
  end)

  -- A finalizer that decodes while the state closes: the parser must be
  -- freed (the box made during lua_close would have no finalizer) and never
  -- used after its box was finalized. The child process is checked for
  -- leaks by LeakSanitizer (the sanitized module, lua.unit.json.asan) or by
  -- valgrind's memcheck (the plain module).
  it("frees its parser when a finalizer decodes while the state closes", function()
    local asan = (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true)
    local valgrind = helper.run({ "sh", "-c", "command -v valgrind" }) ~= ""
    if not asan and not valgrind then
      pending("needs valgrind or the sanitized module")
      return
    end
    -- (anchored, so that only the closing of the state finalizes it)
    local finalizer = [[
KEPT = KEPT or {}
KEPT[#KEPT + 1] = setmetatable({}, { __gc = function()
  local v = assert(core.json_decode('{"a":[1,2,{"b":"c"}]}'))
  assert(v.a[3].b == "c")
end })
]]
    local cases = {
      -- the first decode of the state happens in the finalizer
      first = finalizer,
      -- the state decoded before; after a full collection the finalizers
      -- run newest first: the object made before the module's parser box
      -- decodes after that box was finalized
      before = "assert(core.json_decode('[1]'))\ncollectgarbage()\n" .. finalizer,
    }
    for name, body in pairs(cases) do
      local script = helper.tempfile("package.cpath = " .. string.format("%q", helper.module_dir
        .. "/?.so;") .. " .. package.cpath\n"
        .. (name == "before" and finalizer or "")
        .. "require 'salesforce'\nlocal core = require 'salesforce.core'\n"
        .. "_G.core = core\n" .. body)
      local argv = { helper.lua, script }
      local env = {}
      if asan then
        env.ASAN_OPTIONS = "detect_leaks=1:abort_on_error=0:exitcode=99"
      else
        argv = { "valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite",
          "--error-exitcode=99", helper.lua, script }
      end
      local _, err, status = helper.run(argv, { env = env })
      os.remove(script)
      assert.are.equal(0, status, name .. ": " .. err)
    end
  end)
end)
