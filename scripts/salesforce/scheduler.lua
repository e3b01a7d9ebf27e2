-- salesforce.scheduler: concurrency without threads. salesforce.spawn runs
-- a function in a coroutine; when it makes a Salesforce call, the call
-- starts the request and yields here; wait() drives the HTTP runtimes'
-- libcurl multi handles and resumes each coroutine when its request has
-- completed. Outside a spawned coroutine the same calls block. Coroutines
-- are resumed only from Lua code here, never from inside libcurl.
local coroutine, debug, error, ipairs, next, pairs, select, setmetatable, table, tostring,
  type =
  coroutine, debug, error, ipairs, next, pairs, select, setmetatable, table, tostring, type

local _M = {}

local AWAIT = {}        -- the value a task yields while its request is in flight
local tasks = {}        -- coroutine -> task, for running tasks
-- how many tasks run: with none, a call cannot be in one (checked by the
-- client before in_task, which costs a call)
local live = { n = 0 }
_M.live = live
local waiting = {}      -- request -> task
local runtime_of = {}   -- request -> its runtime, while a task waits for it
local runtimes = {}     -- http runtime -> true while it has requests of tasks
local ready = {}        -- tasks whose request completed, to resume in order

local Task = {}
Task.__index = Task

--- "running", "done" or "failed".
function Task:status() return self.state end

--- The task's return values; raises the task's error if it failed (a
-- structured error as it was raised, other errors with the task's
-- traceback; task.traceback has the traceback in both cases).
function Task:result()
  if self.state == "running" then error("the task is still running", 2) end
  if self.state == "failed" then error(self.error, 2) end
  return table.unpack(self.results, 1, self.results.n)
end

local function resume(t, ...)
  local res = table.pack(coroutine.resume(t.co, ...))
  if not res[1] then
    t.state = "failed"
    -- a structured error stays the object it was; anything else gets the
    -- task's traceback, which would otherwise be lost with the coroutine
    t.traceback = debug.traceback(t.co, tostring(res[2]))
    t.error = type(res[2]) == "table" and res[2] or t.traceback
    tasks[t.co], live.n = nil, live.n - 1
  elseif coroutine.status(t.co) == "dead" then
    t.state = "done"
    t.results = table.pack(select(2, table.unpack(res, 1, res.n)))
    tasks[t.co], live.n = nil, live.n - 1
  elseif res[2] ~= AWAIT then
    t.state = "failed"
    t.error = "a salesforce task yielded outside a Salesforce call"
    tasks[t.co], live.n = nil, live.n - 1
  end
end

--- Runs fn(...) in a new task; it starts at once and runs until its first
-- Salesforce call. Returns the task.
function _M.spawn(fn, ...)
  local co = coroutine.create(fn)
  local t = setmetatable({ co = co, state = "running" }, Task)
  tasks[co], live.n = t, live.n + 1
  resume(t, ...)
  return t
end

--- True when the caller is a task of this scheduler.
function _M.in_task()
  local co = coroutine.running()
  return tasks[co] ~= nil
end

local function wake(r)
  local t = waiting[r]
  if t then
    waiting[r] = nil
    runtime_of[r] = nil
    ready[#ready + 1] = t
  end
end

local function collect(done)
  if not done then return end
  for _, r in ipairs(done) do wake(r) end
end

-- A runtime closed under waiting tasks: its requests are done (aborted);
-- the tasks resume and see the error. The runtime is forgotten.
local function forget(rt)
  runtimes[rt] = nil
  for r, owner in pairs(runtime_of) do
    if owner == rt then wake(r) end
  end
end

--- Waits until `req` (started on runtime `rt`) completes: yields when
-- called from a task, otherwise drives the runtime until it is done
-- (completions of tasks' requests are kept for the next wait()).
function _M.await(req, rt)
  local t = tasks[coroutine.running()]
  if t then
    waiting[req] = t
    runtime_of[req] = rt
    runtimes[rt] = true
    coroutine.yield(AWAIT)
    return
  end
  -- in C: completions of tasks' requests stay queued for the next step
  req:wait()
  if not next(runtime_of) and not rt:closed() and rt:pending() == 0 then runtimes[rt] = nil end
end

local function drive()
  local n = 0
  for _ in pairs(runtimes) do n = n + 1 end
  for rt in pairs(runtimes) do
    if rt:closed() then
      forget(rt)
    else
      local done, pending = rt:step(n > 1 and 5 or 1000)
      collect(done)
      if pending == 0 then runtimes[rt] = nil end
    end
  end
end

local function all_done(list)
  if list then
    for _, t in ipairs(list) do
      if t.state == "running" then return false end
    end
    return true
  end
  return next(tasks) == nil
end

--- Waits for the given tasks (all tasks when none is given). Returns the
-- first result of each given task, in order (use task:result() for all of
-- them), or true when no task was given; raises the error of the first
-- given task that failed.
function _M.wait(...)
  local list = select("#", ...) > 0 and { ... } or nil
  while not all_done(list) do
    while #ready > 0 do
      resume(table.remove(ready, 1))
    end
    if all_done(list) then break end
    if next(waiting) == nil then
      error("salesforce.wait: the tasks wait for nothing this scheduler drives", 2)
    end
    drive()
  end
  if not list then return true end
  local out = {}
  for i, t in ipairs(list) do
    if t.state == "failed" then error(t.error, 2) end
    out[i] = t.results[1]
  end
  return table.unpack(out, 1, #list)
end

--- Waits until one of the given tasks finishes; returns that task.
function _M.wait_any(...)
  local list = { ... }
  while true do
    for _, t in ipairs(list) do
      if t.state ~= "running" then return t end
    end
    while #ready > 0 do resume(table.remove(ready, 1)) end
    local finished = false
    for _, t in ipairs(list) do finished = finished or t.state ~= "running" end
    if not finished then
      if next(waiting) == nil then
        error("salesforce.wait_any: the tasks wait for nothing this scheduler drives", 2)
      end
      drive()
    end
  end
end

return _M
