-- spec/bench/report.lua: the table of a benchmark run, from its raw.tsv.
--   lua5.4 report.lua OUT_DIR MODE KEY=VALUE...
-- KEY: P3_IDEAL (seconds), P3_CONC, P4_IDEAL (seconds), P5_CALLS, P6_BIG, P6_SMALL. Prints
-- markdown: the issue's targets with the medians and whether each is met,
-- then every measurement as min / median / max. Exit status 0 when every
-- target measured is met, 3 when one is missed.
local out_dir, mode = arg[1], arg[2]
assert(out_dir and mode, "usage: report.lua OUT_DIR MODE KEY=VALUE...")
local opts = {}
for i = 3, #arg do
  local k, v = arg[i]:match("^([%w_]+)=(.*)$")
  if k then opts[k] = tonumber(v) or v end
end

-- ---- reading ----------------------------------------------------------------

local function split(line)
  local fields = {}
  for f in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = f end
  return fields
end

local rows = {}
do
  local f = assert(io.open(out_dir .. "/raw.tsv"))
  local header = split(f:read("l"))
  for line in f:lines() do
    local r, extra = {}, {}
    for i, v in ipairs(split(line)) do
      local name = header[i]
      if name == "extra" then
        for k, x in v:gmatch("([%w_]+)=(%S+)") do extra[k] = tonumber(x) or x end
      elseif name then
        r[name] = tonumber(v) or (v ~= "" and v or nil)
      end
    end
    r.extra = extra
    rows[#rows + 1] = r
  end
  f:close()
end

-- the rows of one figure, client (and size)
local function pick(fig, client, size)
  local list = {}
  for _, r in ipairs(rows) do
    if r.figure == fig and r.client == client and (not size or r.size == size) then
      list[#list + 1] = r
    end
  end
  return list
end

-- min, median, max of f(row) over rows (nil when no row has a value)
local function stats(list, f)
  local v = {}
  for _, r in ipairs(list) do
    local x = f(r)
    if x then v[#v + 1] = x end
  end
  if #v == 0 then return nil end
  table.sort(v)
  local n = #v
  local median = n % 2 == 1 and v[(n + 1) // 2] or (v[n // 2] + v[n // 2 + 1]) / 2
  return { min = v[1], median = median, max = v[n], n = n, all = v }
end

local function rate(r) return r.loop_s and r.loop_s > 0 and r.size / r.loop_s or nil end
local function cpu(r) return r.user_s and r.sys_s and r.user_s + r.sys_s or nil end
local function rss_mb(r) return r.maxrss_kb and r.maxrss_kb / 1024 or nil end

-- ---- formatting -------------------------------------------------------------

local function num(x, digits)
  if x == nil then return "-" end
  if digits then return string.format("%." .. digits .. "f", x) end
  local s = string.format("%d", math.floor(x + 0.5))
  repeat
    local k
    s, k = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until k == 0
  return s
end

local function mmm(s, digits)
  if not s then return "-" end
  if s.n == 1 then return num(s.median, digits) end
  return num(s.min, digits) .. " / " .. num(s.median, digits) .. " / " .. num(s.max, digits)
end

local lines = {}
local function put(s) lines[#lines + 1] = s end

-- ---- targets ------------------------------------------------------------------

local targets, missed = {}, 0
local function target(figure, goal, measured, met)
  targets[#targets + 1] = string.format("| %s | %s | %s | %s |", figure, goal, measured,
    met == nil and "n/a" or (met and "**met**" or "**MISSED**"))
  if met == false then missed = missed + 1 end
end

local p1 = {}
for _, c in ipairs({ "raw", "luaforce", "lf-text", "lf-decode", "raw-dom", "jsforce" }) do
  local list = pick("P1", c)
  if #list > 0 then p1[c] = { rate = stats(list, rate), rss = stats(list, rss_mb), list = list } end
end
if p1.luaforce and p1.raw then
  local ratio = p1.luaforce.rate.median / p1.raw.rate.median
  target("P1 requests/s vs the raw libcurl loop", ">= 0.85x", string.format(
    "%.2fx (%s vs %s req/s)", ratio, num(p1.luaforce.rate.median), num(p1.raw.rate.median)),
    ratio >= 0.85)
end
if p1.luaforce then
  target("P1 peak RSS of luaforce", "<= 15 MB", string.format("%.1f MB",
    p1.luaforce.rss.median), p1.luaforce.rss.median <= 15)
end
-- instructions per get (callgrind), not a target of the issue: the same
-- comparison without the host's noise, as a rate would see it
local p1i = {}
for _, c in ipairs({ "raw", "raw-dom", "luaforce" }) do
  local list = pick("P1i", c)
  if #list > 0 then p1i[c] = list[1].extra.instructions_per_get end
end
if p1i.raw and p1i.luaforce then
  target("P1 instructions per get, raw loop's over luaforce's (callgrind)", "(not a target)",
    string.format("%.2fx (%s vs %s%s)", p1i.raw / p1i.luaforce, num(p1i.luaforce),
      num(p1i.raw), p1i["raw-dom"] and ("; the decoding loop " .. num(p1i["raw-dom"])) or ""),
    nil)
end

local p2 = { lua = stats(pick("P2", "lua5.4"), function(r) return r.wall_s end),
  luaforce = stats(pick("P2", "luaforce"), function(r) return r.wall_s end) }
if p2.lua and p2.luaforce then
  local ratio = p2.luaforce.median / p2.lua.median
  target("P2 `luaforce run empty.lua` vs `lua5.4 -e ''`", "<= 2x", string.format(
    "%.2fx (%.2f vs %.2f ms)", ratio, p2.luaforce.median * 1000, p2.lua.median * 1000),
    ratio <= 2)
end

local p3 = pick("P3", "luaforce")
if #p3 > 0 then
  local loop = stats(p3, function(r) return r.loop_s end)
  local ideal = opts.P3_IDEAL
  target(string.format("P3 wall vs the ideal %.2f s", ideal), "<= 1.08x", string.format(
    "%.3fx (%.3f s)", loop.median / ideal, loop.median), loop.median <= 1.08 * ideal)
  local conns = stats(p3, function(r) return r.extra.connections end)
  local exact = conns and conns.min == opts.P3_CONC and conns.max == opts.P3_CONC
  target("P3 connections opened", "= " .. opts.P3_CONC, conns and
    (mmm(conns) .. (exact and " (every run)" or "")) or "-", exact)
end

local p4 = pick("P4", "luaforce")
if #p4 > 0 then
  local bytes = stats(p4, function(r) return r.extra.bytes_per_session end)
  target("P4 bytes per idle dialog session", "<= 8,192", mmm(bytes),
    bytes and bytes.median <= 8192)
  -- on one core: turns per second of the process's CPU time (robust to
  -- other work on the machine); the wall-clock rate is shown beside it
  local tps = stats(p4, function(r) return r.extra.entity_turns_per_cpu_s end)
  local wall = stats(p4, function(r) return r.extra.entity_turns_per_s end)
  target("P4 entity-only dialog turns/s (CPU time)", ">= 50,000", mmm(tps)
    .. " (wall " .. mmm(wall) .. ")", tps and tps.median >= 50000)
  local loop = stats(p4, function(r) return r.loop_s end)
  local ideal = opts.P4_IDEAL
  target(string.format("P4 %s sessions' calls vs the ideal %.2f s", num(p4[1].size), ideal),
    "<= 1.1x", string.format("%.3fx (%.3f s)", loop.median / ideal, loop.median),
    loop.median <= 1.1 * ideal)
end

local p5 = pick("P5", "luaforce")
if #p5 > 0 then
  local calls = stats(p5, function(r) return r.extra.api_calls end)
  local exact = calls and calls.min == opts.P5_CALLS and calls.max == opts.P5_CALLS
  target(string.format("P5 API calls of create_many(%s)", num(p5[1].size)), "= " .. opts.P5_CALLS,
    calls and (mmm(calls) .. (exact and " (every run)" or "")) or "-", exact)
end

local p6big, p6small = pick("P6", "luaforce", opts.P6_BIG), pick("P6", "luaforce",
  opts.P6_SMALL)
if #p6big > 0 then
  local r = stats(p6big, rate)
  target(string.format("P6 records/s iterating %s with each", num(opts.P6_BIG)),
    ">= 150,000", num(r.median), r.median >= 150000)
  if #p6small > 0 then
    local big, small = stats(p6big, rss_mb), stats(p6small, rss_mb)
    local ratio = big.median / small.median
    target(string.format("P6 peak RSS at %s vs at %s", num(opts.P6_BIG), num(opts.P6_SMALL)),
      "<= 1.2x", string.format("%.2fx (%.1f vs %.1f MB)", ratio, big.median, small.median),
      ratio <= 1.2)
  end
end

-- ---- the output -------------------------------------------------------------------

put("## luaforce benchmarks (" .. mode .. " run)")
put("")
do
  local f = io.open(out_dir .. "/env.txt")
  if f then
    for l in f:lines() do put("    " .. l) end
    f:close()
  end
end
put("")
if mode == "smoke" then
  put("Smoke sizes: the targets below are the issue's, shown for form only.")
  put("")
end
put("| Figure | Target | Measured (median) | |")
put("|---|---|---|---|")
for _, t in ipairs(targets) do put(t) end
put("")
put("Every measurement, min / median / max over the runs (rate = N / timed loop;")
put("wall, CPU and peak RSS are of the whole process, from /usr/bin/time -v):")
put("")
put("| Figure | Client | N | Rate /s | Loop s | Wall s | CPU s | Peak RSS MB | Notes |")
put("|---|---|---|---|---|---|---|---|---|")

local function row(fig, client, size, list, notes)
  put(string.format("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", fig, client, num(size),
    mmm(stats(list, rate)), mmm(stats(list, function(r) return r.loop_s end), 3),
    mmm(stats(list, function(r) return r.wall_s end), 3), mmm(stats(list, cpu), 2),
    mmm(stats(list, rss_mb), 1), notes or ""))
end

local function ratio_note(a, b, what)
  if not (a and b) then return nil end
  return string.format("%.2fx %s", a / b, what)
end

local P1_NAMES = { raw = "raw libcurl", ["lf-text"] = "luaforce `http:call`, body as text",
  ["lf-decode"] = "luaforce `http:call`, body decoded",
  ["raw-dom"] = "raw libcurl + simdjson DOM parse" }
-- the ratio of each run to the raw loop's run of the same round (they run
-- one after the other), whose median moves less with the host's load
local function paired(list)
  local raw = {}
  for _, r in ipairs(p1.raw and p1.raw.list or {}) do raw[r.run] = rate(r) end
  return stats(list, function(r)
    local x = rate(r)
    return x and raw[r.run] and x / raw[r.run] or nil
  end)
end

for _, c in ipairs({ "raw", "luaforce", "lf-text", "lf-decode", "raw-dom", "jsforce" }) do
  if p1[c] then
    local notes = {}
    if c ~= "raw" and p1.raw then
      notes[#notes + 1] = ratio_note(p1[c].rate.median, p1.raw.rate.median, "raw's rate")
      local pr = paired(p1[c].list)
      if pr and pr.n > 1 then
        notes[#notes + 1] = "per round " .. mmm(pr, 2) .. "x"
      end
    end
    if c == "luaforce" and p1["raw-dom"] then
      notes[#notes + 1] = ratio_note(p1[c].rate.median, p1["raw-dom"].rate.median,
        "the decoding loop's rate")
    end
    if c == "luaforce" and p1.jsforce then
      notes[#notes + 1] = ratio_note(p1[c].rate.median, p1.jsforce.rate.median, "jsforce's rate")
    end
    row("P1", P1_NAMES[c] or c, p1[c].list[1].size, p1[c].list,
      table.concat(notes, "; "))
  end
end
for _, c in ipairs({ "lua5.4", "luaforce" }) do
  local list = pick("P2", c)
  if #list > 0 then
    local rss = stats(pick("P2rss", c), rss_mb)
    put(string.format("| P2 | %s | %d %s | - | - | %s ms | - | %s | %s |",
      c == "lua5.4" and "`lua5.4 -e ''`" or "`luaforce run empty.lua`", #list,
      list[1].extra.tool == "hyperfine" and "runs" or "batches",
      mmm(stats(list, function(r) return r.wall_s * 1000 end), 2), mmm(rss, 1),
      list[1].extra.tool == "hyperfine" and "hyperfine" or "means of batches of 10 runs"))
  end
end
for _, c in ipairs({ "luaforce", "jsforce" }) do
  local list = pick("P3", c)
  if #list > 0 then
    row("P3", c, list[1].size, list, string.format("ideal %.2f s; connections %s",
      opts.P3_IDEAL, mmm(stats(list, function(r) return r.extra.connections end))))
  end
end
do
  local list = pick("P4", "luaforce")
  if #list > 0 then
    row("P4", "luaforce", list[1].size, list, string.format("ideal %.2f s; connections %s; "
      .. "bytes/session %s; entity turns/s %s CPU, %s wall", opts.P4_IDEAL,
      mmm(stats(list, function(r) return r.extra.connections end)),
      mmm(stats(list, function(r) return r.extra.bytes_per_session end)),
      mmm(stats(list, function(r) return r.extra.entity_turns_per_cpu_s end)),
      mmm(stats(list, function(r) return r.extra.entity_turns_per_s end))))
  end
end
for _, c in ipairs({ "luaforce", "jsforce" }) do
  local list = pick("P5", c)
  if #list > 0 then
    row("P5", c, list[1].size, list, string.format("API calls %s (collections %s, token %s)",
      mmm(stats(list, function(r) return r.extra.api_calls end)),
      mmm(stats(list, function(r) return r.extra.collections_calls end)),
      mmm(stats(list, function(r) return r.extra.oauth_calls end))))
  end
end
for _, c in ipairs({ "luaforce", "jsforce" }) do
  for _, size in ipairs({ opts.P6_BIG, opts.P6_SMALL }) do
    local list = pick("P6", c, size)
    if #list > 0 then
      local note
      if c == "jsforce" then
        local lf = pick("P6", "luaforce", size)
        if #lf > 0 then
          note = ratio_note(stats(lf, rate).median, stats(list, rate).median,
            "luaforce's rate over jsforce's")
        end
      elseif list[1].extra.lua_kb then
        note = "Lua heap at the end " .. mmm(stats(list, function(r) return r.extra.lua_kb end))
          .. " KB"
      end
      row("P6", c, size, list, note)
    end
  end
end

local text = table.concat(lines, "\n") .. "\n"
io.write(text)
os.exit(missed == 0 and 0 or 3)
