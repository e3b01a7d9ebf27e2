---@meta salesforce.scheduler
-- LuaLS annotations for `require "salesforce.scheduler"`: concurrency
-- without threads. salesforce.spawn/wait/wait_any are these functions; the
-- Task class is annotated in meta/salesforce.lua.

---@class salesforce.scheduler
local scheduler = {}

---Runs fn(...) in a new task (a coroutine); it starts at once and runs until
---its first Salesforce call. A task that yields outside a Salesforce call
---fails. Never raises for the task's own errors: see Task:status and wait.
---@param fn fun(...: any): any
---@param ... any arguments for fn
---@return salesforce.Task
function scheduler.spawn(fn, ...) end

---True when the caller runs in a task of this scheduler.
---Never fails.
---@return boolean
function scheduler.in_task() end

---(advanced) Waits until `req`, started on runtime `rt`, completes: yields
---when called from a task, otherwise drives the runtime until it is done.
---Raises when the request fails to complete in a way the runtime reports.
---@param req salesforce.Request
---@param rt salesforce.Http
function scheduler.await(req, rt) end

---Waits for the given tasks (every task when none is given). With tasks,
---returns the first result of each, in order; with none, returns true.
---Raises when a given task failed (its error and traceback, as a string) or
---when the tasks wait for nothing this scheduler drives (a deadlock).
---@param ... salesforce.Task
---@return any ... the first result of each task
---@overload fun(): true
function scheduler.wait(...) end

---Waits until one of the given tasks has finished (done or failed) and
---returns it. Raises when the tasks wait for nothing this scheduler drives.
---@param ... salesforce.Task
---@return salesforce.Task
function scheduler.wait_any(...) end

return scheduler
