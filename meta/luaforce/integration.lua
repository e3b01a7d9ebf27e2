---@meta luaforce.integration
-- LuaLS annotations for `require "luaforce.integration"`: the lifecycle of
-- a bot's Salesforce integration in its workspace, and the callback of an
-- end user's authorization link that resumes a paused dialog session. See
-- README.md, "The Salesforce integration".

---@class luaforce.integration.Status
---@field name "salesforce"
---@field state "available"|"configured"|"disabled"|"error"
---@field mode? "pre-authorize"|"allow-users"
---@field app? string "system" or a profile
---@field org? string the org's name (allow-users: the end users' orgs, ", " between)
---@field edition? string e.g. "Developer Edition" (allow-users: as org)
---@field users? integer allow-users: how many end users have authorized
---@field reason? string why it is in error
---@field fix? string the commands that fix the error

---@class luaforce.integration
---@field NAMES string[] the known integrations
---@field TEMPORARY_TTL integer seconds a temporary session is kept after its last turn (7 days)
local integration = {}

---The status of an integration; nil, err when the workspace cannot be read.
---@param ws table an open salesforce.workspace
---@param name "salesforce"
---@return luaforce.integration.Status|nil, table? err
function integration.status(ws, name) end

---The status of every integration.
---@param ws table
---@return luaforce.integration.Status[]|nil, table? err
function integration.list(ws) end

---Enables (again, or with a new mode or app). Pre-authorize needs a stored
---authorization of the app of a supported, non-Trial org.
---@param ws table
---@param name "salesforce"
---@param opts {mode: "pre-authorize"|"allow-users", app?: string}
---@return luaforce.integration.Status|nil, table? err
function integration.enable(ws, name, opts) end

---Disables: tokens kept, dialog tasks answer with `integration_disabled`.
---@param ws table
---@param name "salesforce"
---@return luaforce.integration.Status|nil, table? err
function integration.disable(ws, name) end

---Revokes every token of the integration's app at Salesforce, forgets
---them; the integration is available again.
---@param ws table
---@param name "salesforce"
---@return luaforce.integration.Status|nil, table? err
function integration.delete(ws, name) end

---Records that the pre-authorization was found lost (status "error").
---@param ws table
---@param name "salesforce"
---@param reason string
---@return true|nil, table? err
function integration.mark_error(ws, name, reason) end

---Completes an end user's authorization from the redirect URL and resumes
---the saved dialog session waiting for that link. Returns the org facts
---and the resumed session's messages; nil, err for a refused callback
---(replayed, expired, another session's or an older link).
---@param ws table
---@param redirect_url string
---@param opts? {log?: fun(msg: string), trace?: fun(task: string, node: string)}
---@return table|nil org, table[]|table|nil messages_or_err
function integration.callback(ws, redirect_url, opts) end

---The fields (sf, integration, authorize) a dialog runner's env takes for
---a session of the bot at `path`; none when the integration is not enabled.
---@param ws table
---@param path string
---`opts.link_ttl`: seconds a link stays valid (default $LUAFORCE_LINK_TTL,
---else 600).
---@param opts {user?: string, session?: string, profile?: string, link_ttl?: integer}
---@return table|nil fields, table? err
function integration.dialog_env(ws, path, opts) end

---The key of a saved dialog session in the store's "dialog-state".
---@param bot_name string
---@param user? string
---@param session string
---@return string
function integration.session_key(bot_name, user, session) end

---A fresh name for a temporary session ("run-..."): `luaforce dialog run`
---in allow-users mode without --session keeps one while it runs (saved
---with TEMPORARY_TTL, so that one a killed run leaves expires).
---@return string
function integration.temporary_session() end

---Removes the expired temporary sessions of every bot and user of the
---workspace `ws`; `st` is a dialog store over its store.
---@param ws table
---@param st table luaforce.dialog.store over ws.store
function integration.sweep_temporary(ws, st) end

return integration
