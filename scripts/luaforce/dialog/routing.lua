-- luaforce.dialog.routing: which task an utterance asks for. Normalised
-- text; a task whose utterance (or display name) is in what was said wins
-- ("phrase"), else the best share of an utterance's words said, at or
-- above the bot's threshold ("overlap"); a tie is ambiguous.
local entities = require "luaforce.dialog.entities"

local ipairs, math, setmetatable, table, type = ipairs, math, setmetatable, table, type

local _M = {}

local function words(text)
  local out = {}
  for w in entities.normalise(text):gmatch("%S+") do out[#out + 1] = w end
  return out
end

-- A task's utterances and its display name (the name the bot lists when
-- it did not understand, so saying it starts the task), once per task.
local said_as = setmetatable({}, { __mode = "k" })
local function phrases_of(task)
  local list = said_as[task]
  if not list then
    list = {}
    for i, u in ipairs(task.utterances) do list[i] = u end
    if type(task.display_name) == "string" and task.display_name:match("%S") then
      list[#list + 1] = task.display_name
    end
    said_as[task] = list
  end
  return list
end

-- Those phrases normalised, made once per task (routing runs at every
-- answer that may ask for another task).
local normalised = setmetatable({}, { __mode = "k" })
local function utterances_of(task)
  local list = normalised[task]
  if not list then
    list = {}
    for i, u in ipairs(phrases_of(task)) do list[i] = entities.normalise(u) end
    normalised[task] = list
  end
  return list
end

-- The tasks one of whose utterances is in the normalised text.
local function phrase_matches(bot, norm)
  local phrase = {}
  for _, name in ipairs(bot.order) do
    for _, nu in ipairs(utterances_of(bot.tasks[name])) do
      if norm:find(nu, 1, true) then
        phrase[#phrase + 1] = name
        break
      end
    end
  end
  return phrase
end

--- The one task one of whose utterances is in `text`, or nil (none, or
-- more than one).
function _M.phrase(bot, text)
  local phrase = phrase_matches(bot, entities.normalise(text))
  return #phrase == 1 and phrase[1] or nil
end

--- Whether `text` is, normalised, exactly one of `task`'s utterances.
function _M.is_utterance(task, text)
  local trim = "^%s*(.-)%s*$"
  local norm = entities.normalise(text):match(trim)
  for _, nu in ipairs(utterances_of(task)) do
    if norm == nu:match(trim) then return true end
  end
  return false
end

--- The task an utterance asks for: name, or nil and the candidates when
-- it is ambiguous (a list) or matches nothing (nil).
function _M.route(bot, text)
  local phrase = phrase_matches(bot, entities.normalise(text))
  if #phrase == 1 then return phrase[1], nil, "phrase" end
  if #phrase > 1 then return nil, phrase end
  local threshold = bot.routing.threshold or 0.6
  local said = {}
  for _, w in ipairs(words(text)) do said[w] = true end
  local best, scores = 0, {}
  for _, name in ipairs(bot.order) do
    local top = 0
    for _, u in ipairs(phrases_of(bot.tasks[name])) do
      local ws = words(u)
      local hit = 0
      for _, w in ipairs(ws) do if said[w] then hit = hit + 1 end end
      top = math.max(top, #ws > 0 and hit / #ws or 0)
    end
    scores[name] = top
    best = math.max(best, top)
  end
  if best < threshold then return nil end
  local top = {}
  for _, name in ipairs(bot.order) do
    if scores[name] == best then top[#top + 1] = name end
  end
  if #top == 1 then return top[1], nil, "overlap" end
  return nil, top
end

--- The display names of `list` (default: every task), joined by commas.
function _M.task_names(bot, list)
  local names = {}
  for i, name in ipairs(list or bot.order) do names[i] = bot.tasks[name].display_name end
  return table.concat(names, ", ")
end

return _M
