---@meta luaforce.dialog
-- LuaLS annotations for `require "luaforce.dialog"`: declaring tasks and
-- bots (what task files see in the sandbox), loading them, and the turn
-- reducer a host drives. See README.md, "Dialog tasks".

---@class luaforce.dialog
---The standard responses and their default texts.
---@field RESPONSES table<string, string>
local dialog = {}

---A transition condition: `{ "context.entities.n", ">", 10 }`, with the
---right side a constant or dialog.ref(path); `{ all = {...} }` (AND) or
---`{ any = {...} }` (OR).
---@alias luaforce.dialog.Condition table

---@class luaforce.dialog.Rule
---@field when? luaforce.dialog.Condition no `when`: the Else
---@field go string the node to go to

---A text: a string, a list (one picked), or a table by language.
---@alias luaforce.dialog.Text string|string[]|table<string, string|string[]>

---@alias luaforce.dialog.EntityType
---| "string" | "description" | "number" | "date" | "datetime" | "email" | "phone"
---| "url" | "picklist" | "currency" | "percentage" | "boolean" | "salesforce_id"
---| "custom"

---@class luaforce.dialog.Rules
---@field min? number
---@field max? number
---@field digits? integer
---@field min_length? integer
---@field max_length? integer

---@class luaforce.dialog.Choice
---@field value any
---@field display? string
---@field synonyms? string[]

---@alias luaforce.dialog.Values (string|luaforce.dialog.Choice)[]|fun(context: table): table

---@class luaforce.dialog.Node
---@field name string letters, digits and _
---@field type "entity"|"message"|"script"|"confirmation"|"logic"|"dialog"|"end"|"service"
---@field next? string|luaforce.dialog.Rule[] none: the task ends after the node
---@field display_name? string
---@field description? string
---entity
---@field entity_type? luaforce.dialog.EntityType
---@field prompt? luaforce.dialog.Text
---@field error_prompts? luaforce.dialog.Text in retry order
---@field retries? integer 1-5, default 5 (1 for an optional entity)
---@field on_retries_exceeded? string a node, or "end"
---optional: asked once; skip/none/no/n/a/Enter leave it out (default); an
---invalid answer is asked again within retries, then left out
---@field mode? "mandatory"|"optional"|"hidden"
---@field default? any
---@field rules? luaforce.dialog.Rules
---@field multi? boolean
---A string entity's `volunteer` may be a list of words after which the
---utterance that started the task gives the value ("named": "find leads
---named Smith"). A dependent picklist of `values_from` offers the values
---valid for the controlling value: the entity named as the controlling
---field, else that field of the record at the context path `record`. The
---describe is bounded by `values_from.timeout` (1-60 s, default 20).
---@field volunteer? boolean|string[] default true
---A `secret` answer is read without echo, kept out of the history, echoed "****" by the
---runners, never taken as a switch or an amendment, and kept in context.entities only
---while its task runs.
---@field secret? boolean
---@field values? luaforce.dialog.Values picklist
---A picklist's prompt offers its values (in its text and as postback buttons, a
---"quick_replies" rich message) when there are at most this many; false: never.
---@field show_values? integer|false default 10
---@field values_from? {sobject: string, field: string, record?: string, timeout?: number}
---@field threshold? number picklist close matches, default 0.8
---@field order? "mdy"|"dmy"|"ymd" numeric dates
---@field currency? string the code when none is said, default "USD"
---@field prefix? string salesforce_id key prefix, e.g. "00Q"
---@field pattern? string custom: a Lua pattern
---@field validate? fun(text: string, context: table): any, string? custom
---@field synonyms? {yes?: string[], no?: string[]} boolean and confirmation
---message
---@field text? luaforce.dialog.Text message and end
---@field script? string|fun(context: table) message (print makes the message) and script
---@field wait? boolean message: wait for the user (context.input)
---confirmation
---@field yes? string
---@field no? string
---logic
---@field set? table<string, any> context paths and values ("{{context.x}}" allowed)
---@field delete? string[] context paths
---dialog
---@field task? string the task to run and come back from
---service
---@field method? string default "GET"
---@field path? string relative to /services/data/vXX.X; placeholders are one segment each
---@field body? table placeholders filled; a lone placeholder keeps its type
---@field headers? table<string, string>
---@field query? string SOQL with :binds
---@field binds? table<string, any> values (placeholders) for the query's binds
---@field call? fun(sf: salesforce.Client, context: table): any, integer|salesforce.Error?
---@field url? string a plain HTTP call (https) to a host on the bot's allow_hosts
---@field pre? string|fun(context: table)
---@field post? string|fun(context: table)
---1-60 seconds, default 20: the whole call as the user waits, retries
---included (for call, every call through its sf together)
---@field timeout? number
---@field on_failure? string a node, or "end" (the default: the task-failed response)

---@class luaforce.dialog.TaskSpec
---@field name string
---@field display_name? string the name the bot lists and routes by; default: name, "_" a space
---@field description? string
---@field utterances? string[]
---@field integration? string e.g. "salesforce"
---@field start? string default: the first node
---@field nodes luaforce.dialog.Node[]

---@class luaforce.dialog.BotSpec
---@field name? string
---@field welcome? luaforce.dialog.Text "{{tasks}}" in it: the tasks' display names
---@field languages? string[] default { "en" }
---@field responses? table<string, luaforce.dialog.Text>
---@field hold_tasks? boolean default true: a task left for another resumes after it
---@field interruptions? table<string, "cancel"|"restart"> extra words
---@field routing? {threshold?: number} word overlap, default 0.6
---@field allow_hosts? string[] the hosts service nodes may call by url

---Declares a dialog task: what a task file returns.
---@param spec luaforce.dialog.TaskSpec
---@return luaforce.dialog.TaskSpec
function dialog.task(spec) end

---Declares a bot: what bot.lua returns.
---@param spec luaforce.dialog.BotSpec
---@return luaforce.dialog.BotSpec
function dialog.bot(spec) end

---A context path as the right side of a condition.
---@param path string "context.entities.max"
---@return {ref: string}
function dialog.ref(path) end

---A loaded, validated bot.
---@class luaforce.dialog.Bot
---@field name string
---@field order string[] task names
---@field tasks table<string, table>
---@field responses table<string, luaforce.dialog.Text>
---@field warnings string[] texts and standard responses lacking a declared language

---Loads a bot folder or a single task file in the sandbox and validates it.
---@param path string
---@param limits? {instructions?: integer, memory_kb?: integer}
---@return luaforce.dialog.Bot|nil bot
---@return string[]? problems "file:node: problem"
function dialog.load(path, limits) end

---A session's state: plain, JSON-serialisable data.
---@alias luaforce.dialog.State table

---A new session state.
---utc_offset: the session's zone in minutes east of UTC (datetimes and
---"today"); else the user's utc_offset, else env.utc_offset, else the host's.
---user: {id, name, channel, lang, utc_offset}.
---@param opts? {lang?: string, user?: table, seed?: integer, utc_offset?: integer}
---@return luaforce.dialog.State
function dialog.new(opts) end

---@class luaforce.dialog.Message
---@field text? string
---@field rich? table a printed table (buttons, list, card); a picklist's prompt:
---{type = "quick_replies", text = prompt, buttons = {{type = "postback", title, payload}}}

---@class luaforce.dialog.Effect
---@field type "service"|"store"
---@field task? string
---@field node? string
---service: kind ("rest"|"query"|"call"), method, path, body, headers, soql,
---binds, timeout_ms
---@field request? table
---@field op? "put"|"delete" store
---@field ns? string
---@field key? string
---@field value? any
---@field ttl? number seconds

---@class luaforce.dialog.Env
---@field bot luaforce.dialog.Bot
---@field now? fun(): integer the clock (seconds), for dates
---@field utc_offset? integer the host's zone, minutes east of UTC (default: the local zone)
---@field limits? {instructions?: integer, memory_kb?: integer} per turn
---@field max_state_bytes? integer default 1,048,576
---@field store? table a luaforce.dialog.store (session variables)
---@field log? fun(msg: string)
---@field trace? fun(task: string, node: string) each node run

---One turn. input: {text = ...}, {event = "postback", payload = text} (a
---button pressed: as if its payload were said), {event = "start", task? = name},
---{event = "service_result", node, response = {statusCode, body}, failed?,
---unauthorized?} or {event = "authorized"}. Returns the next state, the
---messages and the effects; a fourth value {kind, message, task?, node?}
---when the developer's code failed (the task ends with the task-failed
---response) or the state would not be plain data or pass the size bound
---(the previous state is kept).
---@param state luaforce.dialog.State|nil
---@param input table
---@param env luaforce.dialog.Env
---@return luaforce.dialog.State state
---@return luaforce.dialog.Message[] messages
---@return luaforce.dialog.Effect[] effects
---@return table? failure
function dialog.turn(state, input, env) end

---What runners show for the answer to a secret entity.
dialog.MASK = "****"

---Whether `state` waits for the answer to an entity marked `secret`.
---@param bot luaforce.dialog.Bot
---@param state luaforce.dialog.State
---@return boolean
function dialog.awaits_secret(bot, state) end

---The user line `text`, said in `state`, as a runner echoes it (MASK for
---the answer to a secret entity).
---@param bot luaforce.dialog.Bot
---@param state luaforce.dialog.State
---@param text string
---@return string
function dialog.shown(bot, state, text) end

---The state as JSON text.
---@param state luaforce.dialog.State
---@return string
function dialog.encode(state) end

---A state from JSON text (integers stay integers).
---@param text string
---@return luaforce.dialog.State|nil
---@return string? err
function dialog.decode(text) end

return dialog
