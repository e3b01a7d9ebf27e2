-- luaforce.dialog.graph: a task's flow as Mermaid or Graphviz DOT text:
-- each node with its type, each transition with its condition, as a
-- developer would see it on Kore's canvas.
local cjson = require "cjson"
local loader = require "luaforce.dialog.loader"

local ipairs, string, table, tostring, type = ipairs, string, table, tostring, type

local _M = {}

local OP_TEXT = { exists = "exists", not_exists = "does not exist", eq = "==", ne = "~=",
  lt = "<", gt = ">", le = "<=", ge = ">=", contains = "contains" }

--- A condition as text: "entities.n > 10", "all(a, b)".
function _M.condition(cond)
  if cond.all or cond.any then
    local parts = {}
    for i, c in ipairs(cond.all or cond.any) do parts[i] = _M.condition(c) end
    return table.concat(parts, cond.all and " AND " or " OR ")
  end
  local op = OP_TEXT[loader.OPS[cond[2]]] or tostring(cond[2])
  local rhs = cond[3]
  if op == "exists" or op == "does not exist" then return cond[1] .. " " .. op end
  if type(rhs) == "table" and rhs.ref then
    rhs = rhs.ref
  else
    rhs = cjson.encode(rhs)
  end
  return cond[1] .. " " .. op .. " " .. rhs
end

local function describe(node)
  local what = node.type
  if node.type == "entity" then
    what = what .. ": " .. (node.entity_type or "string")
    if node.mode and node.mode ~= "mandatory" then what = what .. ", " .. node.mode end
  elseif node.type == "service" then
    what = what .. ": " .. (node.call and "function" or node.query and "query"
      or ((node.method or "GET"):upper() .. " " .. node.path))
  elseif node.type == "dialog" then
    what = what .. ": " .. node.task
  end
  return what
end

-- Every edge of a task: { from, to, label or nil }.
local function edges(task)
  local out = {}
  for _, node in ipairs(task.nodes) do
    local function add(to, label) out[#out + 1] = { node.name, to, label } end
    if type(node.next) == "string" then
      add(node.next)
    elseif type(node.next) == "table" then
      for _, rule in ipairs(node.next) do
        add(rule.go, rule.when and _M.condition(rule.when) or "else")
      end
    end
    if node.type == "confirmation" then
      if node.yes then add(node.yes, "yes") end
      if node.no then add(node.no, "no") end
    end
    if node.on_failure and node.on_failure ~= "end" then add(node.on_failure, "failure") end
    if node.on_retries_exceeded and node.on_retries_exceeded ~= "end" then
      add(node.on_retries_exceeded, "retries exceeded")
    end
  end
  return out
end

local function mermaid_text(s)
  return '"' .. s:gsub('"', "#quot;") .. '"'
end

local function dot_text(s)
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

--- The flow of `task` (loaded) in `format`, "mermaid" (default) or "dot".
function _M.render(task, format)
  local lines = {}
  if format == "dot" then
    lines[1] = "digraph " .. dot_text(task.name) .. " {"
    lines[#lines + 1] = "  start [shape=point];"
    lines[#lines + 1] = "  start -> " .. dot_text(task.start) .. ";"
    for _, node in ipairs(task.nodes) do
      lines[#lines + 1] = string.format("  %s [label=%s];", dot_text(node.name),
        dot_text(node.name .. "\n" .. describe(node)))
    end
    for _, e in ipairs(edges(task)) do
      lines[#lines + 1] = string.format("  %s -> %s%s;", dot_text(e[1]), dot_text(e[2]),
        e[3] and (" [label=" .. dot_text(e[3]) .. "]") or "")
    end
    lines[#lines + 1] = "}"
  else
    lines[1] = "flowchart TD"
    lines[#lines + 1] = "  start((" .. task.name .. ")) --> n_" .. task.start
    for _, node in ipairs(task.nodes) do
      lines[#lines + 1] = "  n_" .. node.name .. "[" .. mermaid_text(node.name .. "<br/>"
        .. describe(node)) .. "]"
    end
    for _, e in ipairs(edges(task)) do
      lines[#lines + 1] = "  n_" .. e[1] .. " -->" .. (e[3] and ("|" .. mermaid_text(e[3]) .. "|")
        or "") .. " n_" .. e[2]
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

return _M
