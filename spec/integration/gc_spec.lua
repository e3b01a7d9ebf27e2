-- GC stress for the salesforce module: clients that are never closed
-- (flow, token and workspace ones), each() iterators and spawned tasks
-- abandoned mid-way, handles used after close, requests left in flight,
-- and full collections in between. The process must neither crash nor
-- grow. Also run under AddressSanitizer: build-asan with LD_PRELOAD of
-- libasan and libubsan, LUAFORCE_MODULE_DIR and LUAFORCE_BIN pointing at it.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local core = require "salesforce.core"

local CLIENT_ID, SECRET = "luaforce-test-client", "luaforce-test-secret"
local API = "/services/data/v62.0"
local CLOSED = "attempt to use a closed Salesforce client"

-- Under ASan freed memory sits in a quarantine, so the resident size says
-- nothing about leaks there; the Lua heap and the collected clients still do.
local SANITIZED = (os.getenv("LD_PRELOAD") or ""):find("asan", 1, true) ~= nil
  or os.getenv("ASAN_OPTIONS") ~= nil

local function full_gc()
  for _ = 1, 3 do collectgarbage("collect") end
  return collectgarbage("count")
end

local PAGE_KB
local function rss_kb()
  if not PAGE_KB then
    local out = helper.run({ "getconf", "PAGESIZE" })
    PAGE_KB = (tonumber(out) or 4096) / 1024
  end
  local f = assert(io.open("/proc/self/statm", "r"))
  local line = f:read("l")
  f:close()
  return tonumber(line:match("^%d+%s+(%d+)")) * PAGE_KB
end

local raises = helper.raises

describe("the salesforce module under GC stress", function()
  local emu, ids, dir
  local live = setmetatable({}, { __mode = "k" }) -- every client made, weakly

  local function options(over)
    local o = { flow = "password", client_id = CLIENT_ID, client_secret = SECRET,
      login_url = emu.url, username = "dev@example.com", password = "password1TOKEN",
      ca_file = emu.ca, allow_loopback = true }
    for k, v in pairs(over or {}) do o[k] = v end
    return o
  end

  local function remember(sf)
    live[sf] = true
    return sf
  end

  local function connect(over)
    return remember(assert(salesforce.connect(options(over))))
  end

  local function live_clients()
    local n = 0
    for _ in pairs(live) do n = n + 1 end
    return n
  end

  setup(function()
    emu = helper.emulator({ https = true })
    local seeded, status = emu.call("POST", "/seed", { sobject = "Lead", count = 450,
      template = { LastName = "L{n}", Company = "C{i}" } })
    assert(status == 200, "seed failed")
    ids = seeded.ids
    -- task requests stay in flight long enough to be collected around
    emu.call("POST", "/latency", { ms = 50, path = API .. "/sobjects/Lead/" })
    -- a workspace with a stored authorization
    dir = os.tmpname()
    os.remove(dir)
    local function lf(args, stdin)
      local all = { "auth", "--workspace", dir }
      for _, a in ipairs(args) do all[#all + 1] = a end
      local out, err, code = helper.luaforce(all, { stdin = stdin })
      assert(code == 0, out .. err)
    end
    lf({ "settings", "--ca-file", emu.ca, "--allow-loopback" })
    lf({ "system", "set", "--client-id", CLIENT_ID, "--client-secret", "-",
      "--login-url", emu.url }, SECRET .. "\n")
    lf({ "login", "--client-credentials" })
  end)

  teardown(function()
    pcall(salesforce.wait)
    emu.stop()
    if dir then helper.run({ "rm", "-rf", dir }) end
  end)

  --- One round of everything that leaves work to the collector.
  local function round()
    -- clients never closed: by a flow, by an access token, from a workspace
    for _ = 1, 6 do assert(connect():limits()) end
    local token = connect().access_token
    for _ = 1, 3 do
      assert(remember(assert(salesforce.connect({ instance_url = emu.url, access_token = token,
        ca_file = emu.ca, allow_loopback = true, version = "62.0" }))):limits())
    end
    for _ = 1, 3 do
      assert(remember(assert(salesforce.connect({ profile = "system", workspace = dir })))
        :limits())
    end
    -- iterators abandoned in the first and in the second page
    for k = 1, 4 do
      local iter = connect():each("SELECT Id, LastName FROM Lead", nil, { batch_size = 200 })
      for _ = 1, k * 70 do assert(iter()) end
    end
    -- tasks abandoned with their requests in flight; each task keeps its
    -- client alive until it ends
    for _ = 1, 4 do
      local sf = connect()
      for j = 1, 5 do
        salesforce.spawn(function(id) return sf:get("Lead", id) end, ids[j])
      end
    end
    -- handles used after close raise
    local sf = connect()
    local http = sf.http
    sf:close()
    sf:close()
    raises(CLOSED, sf.limits, sf)
    raises(CLOSED, sf.each, sf, "SELECT Id FROM Lead")
    raises(CLOSED, sf.get, sf, "Lead", ids[1])
    raises("attempt to use a closed HTTP runtime", http.step, http, 0)
    raises("attempt to use a closed HTTP runtime", http.start, http, "GET", emu.url)
    -- a raw runtime closed with a request in flight, both then dropped
    local rt = assert(core.http_new({ ca_file = emu.ca }))
    assert(rt:start("GET", emu.url .. "/services/data/"))
    rt:close()
    rt:close()
    -- collect while the tasks are in flight, then let them finish
    full_gc()
    assert.is_true(salesforce.wait())
  end

  it("collects abandoned clients, iterators and tasks, and does not grow", function()
    round()
    round()
    local heap1 = full_gc()
    assert.are.equal(0, live_clients())
    local rss1 = rss_kb()
    for _ = 1, 4 do
      round()
      full_gc()
      assert.are.equal(0, live_clients())
    end
    local heap2 = full_gc()
    local rss2 = rss_kb()
    -- each round makes 27 clients; a client that stayed reachable would
    -- fail live_clients() above, one whose C side leaked (a libcurl multi
    -- handle, TLS state, pooled connections: hundreds of KB) would grow
    -- the resident size by tens of MB over four rounds
    assert.is_true(heap2 < heap1 * 1.1 + 64, ("Lua heap %.0f KB -> %.0f KB"):format(heap1, heap2))
    if not SANITIZED then
      assert.is_true(rss2 - rss1 < 16 * 1024, ("resident %.0f KB -> %.0f KB"):format(rss1, rss2))
    end
  end)

  it("survives collections between the pages of an iteration and inside tasks", function()
    local sf = connect()
    local n = 0
    for _ in sf:each("SELECT Id FROM Lead", nil, { batch_size = 200 }) do
      n = n + 1
      if n % 100 == 0 then collectgarbage("collect") end
    end
    assert.are.equal(450, n)
    local tasks = {}
    for i = 1, 10 do
      tasks[i] = salesforce.spawn(function(id)
        collectgarbage("collect")
        local rec = assert(sf:get("Lead", id))
        collectgarbage("collect")
        return rec.LastName
      end, ids[i])
    end
    collectgarbage("collect")
    local names = { salesforce.wait(table.unpack(tasks)) }
    for i = 1, 10 do assert.are.equal("L" .. i, names[i]) end
    sf = nil -- luacheck: ignore 311
    full_gc()
    assert.are.equal(0, live_clients())
  end)

  it("leaves requests in flight for the final close of the Lua state", function()
    -- never stepped, never closed: lua_close at exit finalizes them, their
    -- runtimes and their clients in whatever order it chooses
    for _ = 1, 3 do
      local rt = assert(core.http_new({ ca_file = emu.ca }))
      for _ = 1, 3 do assert(rt:start("GET", emu.url .. "/services/data/")) end
      rt:step(0)
    end
    local sf = connect()
    salesforce.spawn(function() return sf:get("Lead", ids[1]) end)
    full_gc()
  end)

  it("frees the request of a blocking call that raised, and goes on", function()
    local rt = assert(core.http_new({ ca_file = emu.ca }))
    local url = emu.url .. "/services/data/"
    for _ = 1, 20 do
      -- a header value with a line break is refused after the request exists
      local ok, err = pcall(rt.call, rt, "GET", url, nil, nil, nil, { X = "a\r\nb" })
      assert.is_false(ok)
      assert.matches("bad request header", err)
      ok, err = pcall(rt.call, rt, "GET", url, nil, nil, nil, { X = 1 })
      assert.is_false(ok)
      assert.matches("headers must map names to string values", err)
      local status, list, is_json = rt:call("GET", url, nil, nil, nil, nil, nil, nil, true)
      assert.are.equal(200, status)
      assert.is_true(is_json)
      assert.is_string(list[1].version)
    end
    assert.has_error(function() rt:call("GET", url, nil, nil, nil, { X = "a\nb" }) end)
    -- started, waited for and finished by hand (what a task's call does),
    -- with a second request completing meanwhile, kept for http:step
    local req, other = assert(rt:start("GET", url)), assert(rt:start("GET", url))
    req:wait()
    assert.is_true(req:done())
    local status, list, is_json = req:finish(true)
    assert.are.equal(200, status)
    assert.is_true(is_json)
    assert.is_string(list[1].version)
    assert.has_error(function() req:finish() end, "attempt to use a closed request")
    local done
    repeat done = rt:step(1000) until done
    assert.are.equal(other, done[1])
    assert.are.equal(200, (other:finish()))
    rt:close()
    full_gc()
  end)

  it("survives finalizers that call or close the client during a blocking call", function()
    -- decoding a page of 450 records allocates enough for the collector to
    -- run finalizers in the middle of the call that decodes it
    local sf = connect()
    local nested = 0
    local calls_back = { __gc = function()
      if sf.http and not sf.http:closed() and sf:limits() then nested = nested + 1 end
    end }
    local pause = collectgarbage("setpause", 0) -- finalizers run all the time
    for _ = 1, 8 do
      for _ = 1, 20 do setmetatable({}, calls_back) end
      local page = assert(sf:query("SELECT Id, LastName FROM Lead"))
      assert.are.equal(450, #page.records)
      assert.matches("^L%d+$", page.records[450].LastName)
    end
    -- a finalizer closes the client: the call under way finishes or fails,
    -- and the ones after it raise
    setmetatable({}, { __gc = function() sf:close() end })
    local closed_err
    for _ = 1, 50 do
      local ok, page, err = pcall(sf.query, sf, "SELECT Id, LastName FROM Lead")
      if not ok then closed_err = page break end
      assert.is_true(page ~= nil or err.kind == "aborted", tostring(err))
    end
    collectgarbage("setpause", pause)
    assert.truthy(nested > 0, "no finalizer ran a call")
    assert.matches(CLOSED, tostring(closed_err))
    full_gc()
  end)

  it("reports a request aborted by closing its runtime as failed", function()
    local rt = assert(core.http_new({ ca_file = emu.ca }))
    local req = assert(rt:start("GET", emu.url .. "/services/data/"))
    rt:close()
    collectgarbage("collect")
    assert.is_true(req:done(), "the aborted request never completes")
    local ok, status, err = pcall(req.finish, req)
    assert.is_true(ok, tostring(status))
    assert.is_nil(status)
    assert.are.equal("aborted", err.kind)
  end)

  it("keeps the scheduler working after a client that had tasks is collected", function()
    -- on a fresh copy of the module, so that a scheduler broken here is not
    -- the one the other tests share
    local saved = {}
    for name, m in pairs(package.loaded) do
      if name == "salesforce" or name:find("^salesforce%.") then saved[name] = m end
    end
    for name in pairs(saved) do package.loaded[name] = nil end
    local ok, err = pcall(function()
      local fresh = require "salesforce"
      local a = assert(fresh.connect(options()))
      local b = assert(fresh.connect(options()))
      local task = fresh.spawn(function() return (a:limits()) ~= nil end)
      -- a slower blocking call (50 ms of latency) completes the task's
      -- request while it waits
      assert(a:describe("Lead"))
      assert.are.equal("running", task:status())
      assert.is_true(fresh.wait(task))
      a, task = nil, nil -- luacheck: ignore 311
      full_gc() -- the client's __gc closes its runtime
      local later = fresh.spawn(function() return (b:limits()) ~= nil end)
      local waited, res = pcall(fresh.wait, later)
      b:close()
      assert.is_true(waited, tostring(res))
      assert.is_true(res)
    end)
    for name in pairs(package.loaded) do
      if name == "salesforce" or name:find("^salesforce%.") then package.loaded[name] = nil end
    end
    for name, m in pairs(saved) do package.loaded[name] = m end
    if not ok then error(err, 0) end
  end)
end)
