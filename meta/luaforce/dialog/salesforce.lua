---@meta luaforce.dialog.salesforce
-- LuaLS annotations for `require "luaforce.dialog.salesforce"`: what the
-- Salesforce action templates share (failure messages, the View button,
-- paged lists). See README.md, "Action templates".

---@class luaforce.dialog.salesforce
---Records shown at once by the list and search templates (5).
---@field PAGE integer
local salesforce = {}

---A service response: its HTTP status and body (on failure, Salesforce's
---error list, or one error object).
---@class luaforce.dialog.Response
---@field statusCode integer 0 when Salesforce was not reached
---@field body any

---The subDomainService's call: `{ instance_url = ... }`, the org's host as
---the authorized user's identity says it (the instance's userinfo:
---`urls.custom_domain`, else the host of `urls.rest`), read once per
---client; an access token refused there (403) is renewed once; without an
---identity, the instance URL of the token response.
---@param client salesforce.Client
---@return {instance_url: string}
function salesforce.subdomain(client) end

---The response a message node reports: service `name`'s, or the
---subDomainService's when that call failed first.
---@param context table
---@param name string
---@return luaforce.dialog.Response
function salesforce.response(context, name) end

---True when the response is a success (2xx).
---@param response luaforce.dialog.Response|nil
---@return boolean
function salesforce.ok(response) end

---`<instance>/lightning/r/<Object>/<id>/view`.
---@param instance string
---@param sobject string
---@param id string
---@return string
function salesforce.view_url(instance, sobject, id) end

---A rich message: `text` with a "View <label or sobject>" URL button to the record.
---@param instance string the org's instance URL
---@param sobject string
---@param id string
---@param text string
---@param label? string
---@return table
function salesforce.card(instance, sobject, id, text, label) end

---The end user's message for a failed call: authorization needed (401,
---INVALID_SESSION_ID), not found (404), a
---duplicate rule (DUPLICATES_DETECTED), a rate limit
---(REQUEST_LIMIT_EXCEEDED, 429), a validation error (Salesforce's
---message and the fields named), no permission, a server error (5xx), no
---answer; `what` names the record ("lead"). (A disabled integration makes
---no call: the bot's `integration_disabled` response answers.)
---@param response luaforce.dialog.Response
---@param what? string
---@return string
function salesforce.failure(response, what) end

---A field's value as shown ("-" for null or empty).
---@param v any
---@return string
function salesforce.show(v) end

---One line for a record: "Name (Id), field, field".
---@param record table
---@param fields? string[]
---@return string
function salesforce.line(record, fields) end

---"Name (Id)" then "Label: value" lines, the label the field's name in
---words ("Mobile Phone") unless `labels` names it.
---@param record table
---@param fields string[]
---@param labels? table<string, string>
---@return string
function salesforce.summary(record, fields, labels) end

---How the end user knows picklist `value` of entity `entity` (values from
---describe): its label; other values as they are.
---@param context table
---@param entity string
---@param value any
---@return any
function salesforce.label(context, entity, value) end

---`records` (a search's) with their picklist `fields` shown by label, from
---the describe of `sobject` (cached by the client); unchanged when it fails.
---@param client salesforce.Client
---@param sobject string
---@param records table[]
---@param fields string[]
---@return table[] records
function salesforce.labelled(client, sobject, records, fields) end

---For an update template: context.fieldName, the field its AskOptions
---entity chose as the user knows it (the display of `options`).
---@param context table
---@param options {value: string, display?: string}[]
function salesforce.field_name(context, options) end

---For an update template: context.payload = { [field] = value } from the
---entity `entities[field]` (else "Text"), and context.newValue (a picklist
---value's label).
---@param context table
---@param entities table<string, string>
function salesforce.update_payload(context, entities) end

---For an update template whose call failed: the entity to ask again when
---Salesforce refused the value naming the field.
---@param response luaforce.dialog.Response
---@param context table
---@param entities table<string, string>
---@return string?
function salesforce.refused_entity(response, context, entities) end

---A script node's function: forgets the entity at context.fix, to ask it
---again.
---@param context table
function salesforce.forget_refused(context) end

---What a create or update's message prints when its call failed: the
---failure's sentence, with a "View <sobject>" button to the record a
---duplicate rule matched.
---@param context table
---@param response luaforce.dialog.Response
---@param what string
---@param sobject string
---@return string|table
function salesforce.failed(context, response, what, sobject) end

---The entity to ask again after Salesforce refused a value the user can
---correct (a validation error naming a field): `entities` maps field names
---to the task's entity names; nil when the error names none of them.
---@param response luaforce.dialog.Response
---@param entities table<string, string>
---@return string?
function salesforce.field_to_fix(response, entities) end

---From a script node: the next page of a list or search service's records
---at context.page = { text, more, left, offset }.
---@param context table
---@param service string the service node's name
---@param fields string[]
---@param what string what was found ("leads")
---@param one? string one of them ("lead"), said when one was found
function salesforce.next_page(context, service, fields, what, one) end

---The lines of the page of `records` from `offset` (0-based), whether more
---are left and how many.
---@param records table[]
---@param offset? integer
---@param fields? string[]
---@param total? integer
---@param what string
---@param one? string
---@return string[] lines
---@return boolean more
---@return integer? left
function salesforce.page(records, offset, fields, total, what, one) end

return salesforce
