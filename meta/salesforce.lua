---@meta salesforce
-- LuaLS (lua-language-server) annotations for `require "salesforce"`: the
-- module table, salesforce.connect and its options, the REST client, the
-- structured error, tasks and the shapes of what the API returns. Never
-- loaded at run time; see meta/README.md for pointing LuaLS at this folder.
--
-- Conventions: misuse (a wrong argument type, a bad name or id, a closed
-- client) raises a Lua error; failures of the network, OAuth or Salesforce
-- return `nil, err` where err is a salesforce.Error. Success never returns
-- nil first.

-- ---- aliases -----------------------------------------------------------------

---A record as decoded from JSON: field name -> value. JSON null is
---salesforce.null, distinct from a field that is absent; JSON integers are
---Lua integers, other numbers floats.
---@alias salesforce.Record table<string, any>

---Values of `:name` binds in SOQL (see salesforce.soql.quote for what a
---value may be: string, number, boolean, salesforce.null, a list, or a
---soql.date/datetime/date_literal/pattern value).
---@alias salesforce.Binds table<string, any>

---@alias salesforce.HttpMethod "GET"|"POST"|"PATCH"|"PUT"|"DELETE"|"HEAD"

---Non-interactive OAuth flows of salesforce.connect{ flow = ... }.
---@alias salesforce.Flow
---| "client_credentials" # the connected app's own user; needs client_secret
---| "jwt"                # JWT bearer: key_file (PEM RSA key) and username
---| "password"           # legacy username-password: username and password
---| "refresh_token"      # a refresh token you already hold: refresh_token

---Transport log level (logs go to stderr, secrets redacted).
---@alias salesforce.LogLevel "error"|"warn"|"info"|"debug"

---The `kind` of a salesforce.Error. Errors built by the C core take the
---name of their sf_code (SF_E_CONNECT -> "connect"); the Lua half adds
---"auth", "config", "multiple_matches", "uri_too_long", "invalid_value" and
---"invalid_search".
---@alias salesforce.ErrorKind
---| "salesforce"       # the REST API answered with an error status (see error_code)
---| "connect"          # could not resolve or connect; nothing was sent
---| "timeout"          # connect or total timeout expired
---| "tls"              # TLS handshake or certificate check failed
---| "network"          # the connection failed while in use
---| "outcome_unknown"  # a non-idempotent request was sent, then the connection failed
---                    # (status set when the answer's status line came: a 201 was applied)
---| "too_large"        # the response is over the size cap
---| "protocol"         # malformed HTTP, or an answer that is not what the API documents
---| "http"             # the server answered with an error status (core requests)
---| "oauth"            # the OAuth server refused (remote_code: invalid_grant, ...)
---| "auth"             # the session expired and this client cannot refresh it
---| "signature"        # a token response signature did not verify
---| "untrusted_host"   # an instance or login URL outside the allowed domains
---| "state"            # OAuth state missing, unknown, replayed or expired
---| "pending"          # device flow: the user has not approved yet
---| "unsupported_org"  # a Trial org (or another refused edition)
---| "multiple_matches" # upsert: several records have the external id (see matches)
---| "uri_too_long"     # the URI would be over Salesforce's 16,384 characters; nothing sent
---| "invalid_value"    # a value that cannot be one path segment ("", ".", ".."); nothing sent
---| "invalid_search"   # search text with nothing searchable in it; nothing sent
---| "not_found"        # no such token set, profile or record in the store
---| "store"            # the token store cannot be read or written
---| "crypto"           # wrong store key, or data that fails to decrypt
---| "locked"           # a store lock was not obtained in time
---| "config"           # bad or missing workspace configuration
---| "busy"             # the handle is in use
---| "aborted"          # cancelled
---| "invalid_arg"      # an argument the core refused
---| "nomem"            # out of memory
---| "init"             # a library could not be initialised
---| "internal"         # a library reported an unexpected failure

---@alias salesforce.TaskStatus "running"|"done"|"failed"

-- ---- the module --------------------------------------------------------------

---The `salesforce` module: `local salesforce = require "salesforce"`.
---Submodules load on first use (salesforce.soql is require "salesforce.soql").
---@class salesforce
---@field _VERSION string "luaforce X.Y.Z"
---The JSON null of decoded bodies (cjson.null, a light userdata): compare
---fields with it, put it in a record to clear a field, or bind it for NULL.
---@field null lightuserdata
---@field oauth salesforce.oauth OAuth 2.0 grants of one connected app (lower level).
---@field soql salesforce.soql SOQL quoting, binds and SELECT building.
---@field sosl salesforce.sosl SOSL escaping and statement building.
---@field errors salesforce.errors Constructors of structured errors.
---@field workspace salesforce.workspace Workspaces: profiles and stored authorizations.
---@field scheduler salesforce.scheduler Coroutine tasks (spawn, wait).
---@field client salesforce.client The REST client class (salesforce.connect builds one).
local salesforce = {}

---Versions of luaforce and the libraries it runs on. Never fails.
---@return salesforce.Versions
function salesforce.versions() end

---Connects to Salesforce and returns a client. Three modes, by the options
---given: a token you already have (`access_token` + `instance_url`), a
---non-interactive flow (`flow` + `client_id` ...), else a stored
---authorization of a workspace (`profile`, `user`, `workspace`; all optional).
---Without `version`, one GET lists the org's API versions and the newest is
---used.
---Raises for misuse: opts not a table, only one of access_token and
---instance_url, a flow without client_id or the options it needs, an
---unknown flow, a malformed `version`, a bad option type or log level.
---Returns nil, err when the URL is not allowed, the flow or the stored
---authorization fails, or the version lookup fails.
---@param opts? salesforce.ConnectOptions
---@return salesforce.Client|nil client
---@return salesforce.Error? err
function salesforce.connect(opts) end

---Runs fn(...) in a new task (a coroutine). It starts at once and runs until
---its first Salesforce call; its calls then overlap with other tasks'.
---Never raises for the task's own errors: see Task:status and wait.
---@param fn fun(...: any): any
---@param ... any arguments for fn
---@return salesforce.Task
function salesforce.spawn(fn, ...) end

---Waits for the given tasks (every task when none is given), driving their
---requests. With tasks, returns the first result of each, in order; with
---none, returns true. Raises when a given task failed (its error with a
---traceback, as a string) or when the tasks wait for nothing the scheduler
---drives (a deadlock).
---@param ... salesforce.Task
---@return any ... the first result of each task
---@overload fun(): true
function salesforce.wait(...) end

---Waits until one of the given tasks has finished (done or failed) and
---returns it. Raises when the tasks wait for nothing the scheduler drives.
---@param ... salesforce.Task
---@return salesforce.Task
function salesforce.wait_any(...) end

---salesforce.soql.quote: a SOQL literal for a Lua value (strings quoted and
---escaped, numbers, booleans, nil/null as NULL, lists for IN, soql values).
---Raises for a value that cannot be quoted.
---@param v any
---@return string literal
function salesforce.quote(v) end

---@class salesforce.Versions
---@field luaforce string
---@field lua string e.g. "Lua 5.4.4"
---@field libcurl string
---@field openssl string
---@field jansson string

-- ---- connect options ---------------------------------------------------------

---Options of salesforce.connect. The mode is chosen by the fields present:
---`access_token`/`instance_url` (a token), else `flow`, else a stored
---authorization of a workspace.
---@class salesforce.ConnectOptions
---Stored authorization: the profile, "system" (default) or a custom one.
---@field profile? string
---Stored authorization: the end-user id; default the workspace's
---pre-authorized token set.
---@field user? string
---Stored authorization: the workspace directory; default $LUAFORCE_HOME,
---else ./.luaforce. The store key comes from $LUAFORCE_STORE_KEY.
---@field workspace? string
---Token mode: a valid access token (needs instance_url too).
---@field access_token? string
---Token mode: the instance, e.g. "https://acme.my.salesforce.com" (https on a
---Salesforce domain unless allowed_domains / allow_loopback say otherwise).
---@field instance_url? string
---Flow mode: which grant to run.
---@field flow? salesforce.Flow
---Flow mode: the connected app's consumer key (required with flow).
---@field client_id? string
---Flow mode: the consumer secret (client_credentials; verifies signatures).
---@field client_secret? string
---Flow mode: default "https://login.salesforce.com" (test.salesforce.com for
---sandboxes, or a My Domain URL).
---@field login_url? string
---Flow mode: the token endpoint; default login_url .. "/services/oauth2/token".
---@field token_url? string
---Flow mode: where tokens refused after they were issued (a bad signature,
---an instance URL off the allow-list) are revoked (RFC 7009, with the
---client authentication); default login_url .. "/services/oauth2/revoke",
---none when token_url is given without login_url (then nothing is revoked).
---@field revoke_url? string
---Flow "jwt": path of the PEM RSA private key.
---@field key_file? string
---Flow "jwt" and "password": the Salesforce username.
---@field username? string
---Flow "password": the password followed by the security token.
---@field password? string
---Flow "refresh_token": the refresh token.
---@field refresh_token? string
---Flow "jwt": the audience; default login_url.
---@field audience? string
---Pinned API version, "62.0" (or "v62.0"); default: the newest the org offers.
---@field version? string|number
---Trusted CA bundle (PEM) instead of the system's.
---@field ca_file? string
---Allow http and loopback hosts for instance URLs (the local emulator).
---Token and flow modes only: a workspace uses its stored settings.
---@field allow_loopback? boolean
---Domains allowed for instance URLs instead of Salesforce's. Token and flow
---modes only: a workspace uses its stored settings.
---@field allowed_domains? string[]
---Connections per host (default 20; 0: no limit).
---@field max_connections? integer
---Time of one whole attempt, in milliseconds (default 120000).
---@field timeout_ms? integer
---Connect timeout in milliseconds (default 10000).
---@field connect_timeout_ms? integer
---Retries of idempotent (or unsent) requests on connection failures,
---timeouts, 420, 429 and 5xx (default 3).
---@field max_retries? integer
---First retry delay in milliseconds (default 250; exponential backoff, jitter).
---@field retry_base_ms? integer
---@field log_level? salesforce.LogLevel

-- ---- tokens ------------------------------------------------------------------

---A token set, as the OAuth grants return it. Secret: never log it.
---@class salesforce.Tokens
---@field access_token string
---@field refresh_token? string absent for client_credentials and JWT bearer
---@field instance_url? string the Salesforce instance (absent from an oauth2 server's tokens)
---@field id? string the identity URL
---@field issued_at? string milliseconds since the epoch, as text
---@field scope? string
---@field token_type? string
---@field id_token? string
---@field obtained_at integer seconds since the epoch when luaforce got it
---@field expires_in? integer the access token's lifetime in seconds, when the server sent it
---@field signature_verified boolean true when the response signature was checked

-- ---- the client --------------------------------------------------------------

---The REST API client of salesforce.connect. Every call returns its value,
---or nil and a salesforce.Error; misuse raises (a closed client: "attempt
---to use a closed Salesforce client"). A call made inside a task
---(salesforce.spawn) yields until its answer comes; elsewhere it blocks.
---A 401 INVALID_SESSION_ID (or a 401 whose `WWW-Authenticate: Bearer`
---challenge says error="invalid_token", RFC 6750) is refreshed once and the
---request replayed; a token whose expires_in is known is renewed
---salesforce.client.REFRESH_SKEW seconds before it runs out, by the same
---single-flight renewal. A client made from an access token alone cannot
---refresh and returns the 401 as an error of kind "auth" keeping
---Salesforce's error_code, message and errors. With an empty access_token
---no Authorization header is sent (the versions list and public endpoints
---need none; others answer 401 INVALID_AUTH_HEADER, which is never
---refreshed).
---Closed by close(), by a to-be-closed variable (`local sf <close> = ...`)
---or by the garbage collector.
---@class salesforce.Client
---@field instance_url string the instance, without a trailing slash
---@field version string the API version in use, "62.0" (no "v")
---@field base string the versioned path, "/services/data/v62.0"
---@field access_token string the current bearer token (secret: never log it)
---(advanced) The HTTP runtime; nil once the client is closed.
---@field http salesforce.Http|nil
---(advanced) The session (stored tokens, single-flight refresh), if any.
---@field session salesforce.Session|nil
---The workspace, when connected with a stored authorization (closed with
---the client).
---@field workspace salesforce.Workspace|nil
---@field private limit salesforce.LimitInfo|nil
---@field private reauth (fun(): salesforce.Tokens|nil, salesforce.Error?)|nil
---@field private describe_cache table<string, table>
---@field private global_cache table|nil
---@field private owns_http boolean|nil
local Client = {}

---The latest Sforce-Limit-Info (API calls used of the daily maximum, and
---the connected app's share when it has a per-app allocation), or nil
---before any call. Never raises.
---@return salesforce.LimitInfo|nil
function Client:limit_info() end

---Creates a record; returns its id. Raises for a bad sObject name or
---fields that are not a table.
---nil, err when Salesforce refuses it or the request fails.
---@param sobject string API name, e.g. "Lead"
---@param fields salesforce.Record
---@return string|nil id
---@return salesforce.Error? err
function Client:create(sobject, fields) end

---Reads a record: all fields, or the listed ones. Raises for a bad sObject
---name, id (15 or 18 letters and digits) or field name.
---nil, err (status 404, kind "salesforce") when there is no such record.
---@param sobject string
---@param id string
---@param fields? string[] field API names
---@return salesforce.Record|nil record
---@return salesforce.Error? err
function Client:get(sobject, id, fields) end

---Updates fields of a record; returns true. Raises for a bad name or id or
---an empty table of fields. Use salesforce.null to clear a field.
---nil, err when Salesforce refuses it or the request fails.
---@param sobject string
---@param id string
---@param fields salesforce.Record
---@return true|nil ok
---@return salesforce.Error? err
function Client:update(sobject, id, fields) end

---Upserts by external id. Several matching records are an error of kind
---"multiple_matches" whose `matches` lists their URLs. Raises for a bad
---name, a value that is not a string or number, or fields not a table.
---The value is sent as one path segment, percent-encoded ('/', '?', '%'
---and the rest stay inside it); "", "." and ".." cannot be one: nil, err
---of kind "invalid_value", nothing sent. Other failures: nil, err.
---@param sobject string
---@param field string the external id field, e.g. "Ext_Id__c"
---@param value string|number the external id value
---@param fields salesforce.Record
---@return salesforce.UpsertResult|nil result
---@return salesforce.Error? err
function Client:upsert(sobject, field, value, fields) end

---Deletes a record; returns true. Raises for a bad name or id.
---nil, err when Salesforce refuses it or the request fails.
---@param sobject string
---@param id string
---@return true|nil ok
---@return salesforce.Error? err
function Client:delete(sobject, id) end

---The describe of an sObject (fields, picklists, ...), cached for the life
---of the client. Raises for a bad name.
---nil, err on failure (not cached).
---@param sobject string
---@param opts? salesforce.CallOpts raises when not a table or an option is not a positive integer
---@return table|nil describe
---@return salesforce.Error? err
function Client:describe(sobject, opts) end

---describeGlobal: the org's sObjects ({ encoding, maxBatchSize, sobjects }),
---cached for the life of the client.
---nil, err on failure; raises when the client is closed.
---@return table|nil describe
---@return salesforce.Error? err
function Client:describe_global() end

---The org's limits (/limits): { DailyApiRequests = { Max, Remaining }, ... }.
---nil, err on failure; raises when the client is closed.
---@return table<string, table>|nil limits
---@return salesforce.Error? err
function Client:limits() end

---Runs SOQL with named binds (`:name`, quoted by type with
---salesforce.soql.bind) and returns the first page. Raises when the query
---is not a string, binds is not a table, or a bind is missing or cannot be
---quoted (use salesforce.null for NULL).
---nil, err when Salesforce refuses the query or the request fails.
---@param query string
---@param binds? salesforce.Binds
---@param opts? salesforce.CallOpts raises when not a table or an option is not a positive integer
---@return salesforce.QueryResult|nil page
---@return salesforce.Error? err
function Client:query(query, binds, opts) end

---As query, including deleted and archived records (queryAll).
---Raises and fails as query.
---@param query string
---@param binds? salesforce.Binds
---@param opts? salesforce.CallOpts
---@return salesforce.QueryResult|nil page
---@return salesforce.Error? err
function Client:query_all(query, binds, opts) end

---Options of one call.
---@class salesforce.CallOpts
---@field timeout_ms? integer each attempt's limit (the transport retries a timed-out GET)
---@field deadline_ms? integer the whole call's limit: retries, their backoff and Retry-After
---waits, the wait for another renewal's store lock and a replay after a refresh included
---(a refresh grant once sent is not cut); past it a `timeout` error

---The next page of a query: pass the previous page's nextRecordsUrl.
---Raises when it is not a query locator path (or URL) on the instance, or
---holds a NUL, control, space, '#', '\' or non-ASCII byte or a dot segment.
---nil, err on failure.
---@param next_url string
---@return salesforce.QueryResult|nil page
---@return salesforce.Error? err
function Client:query_more(next_url) end

---The number of records: a "SELECT COUNT() FROM ..." query with binds, or
---count(sobject, where, binds) where `where` is SOQL text (put user values
---in binds, never in `where`). Raises as query does.
---nil, err on failure.
---@param query string a SELECT COUNT() query, or an sObject name
---@param binds? salesforce.Binds|string the binds, or (with an sObject) the WHERE text
---@param more? salesforce.Binds (with an sObject) the binds of `where`
---@return integer|nil count
---@return salesforce.Error? err
function Client:count(query, binds, more) end

---Iterates the records of a query, following nextRecordsUrl lazily (one
---page held at a time): `for rec in sf:each(q, binds) do ... end`.
---A failure while fetching a page RAISES the salesforce.Error (a table);
---wrap the loop in pcall to handle it. Raises at once for a bad query,
---binds or batch_size.
---@param query string
---@param binds? salesforce.Binds
---@param opts? salesforce.EachOptions
---@return fun(): salesforce.Record? iterator
function Client:each(query, binds, opts) end

---SOSL search for user text, every reserved character escaped (see
---salesforce.sosl.build). Returns the list of matching records (each with
---attributes.type). Raises for bad options (no sobject, bad names, ...).
---nil, err on failure.
---@param t salesforce.SearchOptions
---@return salesforce.Record[]|nil records
---@return salesforce.Error? err
function Client:search(t) end

---parameterizedSearch (POST /parameterizedSearch): the table is sent as
---Salesforce documents it ({ q = text, sobjects = {...}, fields = {...},
---["in"] = "ALL", overallLimit = n, ... }). Returns the searchRecords list.
---Raises when params.q is not a string.
---nil, err on failure.
---@param params salesforce.ParameterizedSearch
---@return salesforce.Record[]|nil records
---@return salesforce.Error? err
function Client:parameterized_search(params) end

---Creates records through sObject Collections, 200 a call; returns the
---per-record results in order. On a failed call, returns nil, err and the
---results of the calls that succeeded before it (their records exist).
---all_or_none applies to each call of 200, not across calls. Raises for a
---bad name or records not a table.
---@param sobject string
---@param records salesforce.Record[]
---@param opts? salesforce.CollectionOptions
---@return salesforce.SaveResult[]|nil results
---@return salesforce.Error? err
---@return salesforce.SaveResult[]? done the results before the failed call
function Client:create_many(sobject, records, opts) end

---Updates records (each with its Id) through sObject Collections, 200 a
---call; as create_many. Raises for a bad name or a record without a valid Id.
---nil, err (and the earlier results) on a failed call.
---@param sobject string
---@param records salesforce.Record[]
---@param opts? salesforce.CollectionOptions
---@return salesforce.SaveResult[]|nil results
---@return salesforce.Error? err
---@return salesforce.SaveResult[]? done the results before the failed call
function Client:update_many(sobject, records, opts) end

---Deletes records by id through sObject Collections, 200 a call; as
---create_many. Raises for a bad id.
---nil, err (and the earlier results) on a failed call.
---@param ids string[]
---@param opts? salesforce.CollectionOptions
---@return salesforce.SaveResult[]|nil results
---@return salesforce.Error? err
---@return salesforce.SaveResult[]? done the results before the failed call
function Client:delete_many(ids, opts) end

---Reads records by id through sObject Collections: one GET when its URL
---fits (at most 800 ids and Salesforce's 16,384 characters), else POSTs of
---up to 2000 ids a call. Returns the records in the order of `ids`, with
---salesforce.null for an id that matches no record the user can see. On a
---failed call, nil, err and the records read before it. Raises for a bad
---name, a list that is not of ids, or no field.
---@param sobject string
---@param ids string[] record ids (15 or 18 characters)
---@param fields string[] the fields to read, e.g. { "Name", "Email" }
---@return (salesforce.Record|lightuserdata)[]|nil records salesforce.null where none
---@return salesforce.Error? err
---@return (salesforce.Record|lightuserdata)[]? done the records before the failed call
function Client:retrieve_many(sobject, ids, fields) end

---Upserts records by the external id `field` (each record carries its
---value) through sObject Collections, 200 a call; returns the per-record
---results (with `created`) in order; as create_many. Raises for a bad name
---or a record without a string or number value of `field`.
---@param sobject string
---@param field string the external id field, e.g. "Ext_Id__c"
---@param records salesforce.Record[]
---@param opts? salesforce.CollectionOptions
---@return salesforce.SaveResult[]|nil results
---@return salesforce.Error? err
---@return salesforce.SaveResult[]? done the results before the failed call
function Client:upsert_many(sobject, field, records, opts) end

---The ids of the records of `sobject` created or changed between `start`
---and `finish` (sObject Get Updated). Times are seconds since the epoch
---(os.time()) or ISO 8601 text; Salesforce ignores their seconds and looks
---back 30 days at most (older: nil, err INVALID_REPLICATION_DATE). Raises
---for a bad name or time.
---@param sobject string
---@param start integer|string
---@param finish? integer|string default now
---@return salesforce.UpdatedResult|nil result
---@return salesforce.Error? err
function Client:updated(sobject, start, finish) end

---The records of `sobject` deleted between `start` and `finish` (sObject
---Get Deleted); as updated, looking back 15 days at most.
---@param sobject string
---@param start integer|string
---@param finish? integer|string default now
---@return salesforce.DeletedResult|nil result
---@return salesforce.Error? err
function Client:deleted(sobject, start, finish) end

---A composite request (at most 25 subrequests; "@{ref.id}" references are
---resolved by Salesforce). Returns the compositeResponse list: check each
---httpStatusCode, a subrequest can fail while the call succeeds. Raises for
---an empty or too long list or a subrequest without url or referenceId.
---nil, err when the composite call itself fails.
---@param subrequests salesforce.CompositeSubrequest[]
---@param opts? salesforce.CollectionOptions
---@return salesforce.CompositeResult[]|nil results
---@return salesforce.Error? err
function Client:composite(subrequests, opts) end

---Generic request: { method = "GET", path = "/sobjects/Lead/describe"
---(relative to the versioned base unless it starts with "/services/"; or
---a list of segments, { "sobjects", name, "describe" }, each sent
---percent-encoded as one segment), query = { k = v or { v1, v2 } },
---body = table|string, headers = {...} }. Returns the decoded body (true
---for an empty one) and the status; a 300 is returned, not an error.
---Raises, naming what is wrong ("bad argument #1 to 'request' (...)"),
---for a method that is not GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS;
---a missing path; a string path with a NUL, control, space, '#', '\',
---non-ASCII byte, malformed %-escape or "." / ".." segment (%-encoded
---too); a segment "", "." or ".."; a query value that is not a string,
---number, boolean or a non-empty list of them; a header with NUL, CR or
---LF; a body that is not a table or string. A URI over 16,384 characters
---is nil, err of kind "uri_too_long", nothing sent.
---nil, err on failure (an error status included).
---@param t salesforce.RequestSpec
---@return table|string|true|nil body
---@return integer|salesforce.Error status_or_err the HTTP status, or the error
function Client:request(t) end

---(advanced) The one request path. `path` starts with "/" (a path on the
---instance, not versioned: see Client:path) or is a full URL on the
---instance; a table body is sent as JSON. Returns the decoded body (true
---for an empty one; the text with opts.raw) and the status (the latest
---Sforce-Limit-Info is in Client:limit_info()).
---Raises ("bad argument #n to 'call' (...)") for a method that is not a
---string, a path that is not a string, is elsewhere, or holds what
---Client:request refuses in a string path, or a body that cannot be
---encoded as JSON.
---nil, err on failure (an error status included).
---@param method salesforce.HttpMethod
---@param path string
---@param body? table|string
---@param opts? salesforce.CallOptions
---@return table|string|true|nil body
---@return integer|salesforce.Error status_or_err the HTTP status, or the error
function Client:call(method, path, body, opts) end

---(advanced) A versioned path: "/services/data/v62.0" .. rest.
---Never fails.
---@param rest string
---@return string
function Client:path(rest) end

---(advanced) Refreshes the access token after `stale` met a 401: the
---session's single-flight refresh, or the flow again. Returns true, or
---nil, err (kind "auth" when the client was made from a bare token).
---Raises when the client is closed.
---@param stale? string the token that was refused
---@param wait_ms? integer the longest wait for the store lock (default 30000)
---@return true|nil ok
---@return salesforce.Error? err
function Client:refresh(stale, wait_ms) end

---A view of this client whose calls together end within `ms` milliseconds
---from now (each call's attempts, retries, Retry-After waits, the wait for
---another renewal's store lock and a replay after a refresh; a refresh
---grant once sent is not cut); a call that would start past it fails at once with a
---`timeout` error. It shares the token, caches and connections; a view of
---a view keeps the sooner deadline. Raises unless ms is a positive integer.
---@param ms integer
---@return salesforce.Client view
function Client:within(ms) end

---Closes the client, and its runtime and workspace when it owns them.
---Idempotent; later calls raise.
function Client:close() end

-- ---- what the client returns -------------------------------------------------

---@class salesforce.LimitInfo
---@field used integer API calls of the org in the last 24 hours
---@field max integer the org's daily maximum
---The calling connected app's share, when an administrator gave it a
---per-app allocation (nil otherwise).
---@field per_app? salesforce.PerAppLimit
---@field header string the Sforce-Limit-Info header as received

---@class salesforce.PerAppLimit
---@field name string the connected app's name (appName)
---@field used integer API calls of the app in the last 24 hours
---@field max integer the app's allocation

---The answer of Client:updated.
---@class salesforce.UpdatedResult
---@field ids string[] the records created or changed
---@field latestDateCovered string the last time covered, e.g. "2024-05-08T21:20:00.000+0000"

---The answer of Client:deleted.
---@class salesforce.DeletedResult
---@field deletedRecords { id: string, deletedDate: string }[]
---@field earliestDateAvailable string the oldest time deletions are known from
---@field latestDateCovered string

---A page of a query (query, query_all, query_more).
---@class salesforce.QueryResult
---@field totalSize integer records matching the query (all pages)
---@field done boolean true on the last page
---@field records salesforce.Record[] this page's records (each with attributes)
---@field nextRecordsUrl? string the next page, for query_more (absent when done)

---@class salesforce.UpsertResult
---The record id (absent when an older API version answered 204 to an update).
---@field id? string
---@field created boolean true when the record was inserted

---The per-record result of create_many, update_many, upsert_many and
---delete_many.
---@class salesforce.SaveResult
---@field id? string the record id (absent when the record failed to insert)
---@field success boolean
---@field errors salesforce.CollectionError[] empty on success; every problem of the record
---@field created? boolean upsert_many: true when the record was inserted

---@class salesforce.CollectionError
---@field statusCode string e.g. "REQUIRED_FIELD_MISSING"
---@field message string
---@field fields string[]

---@class salesforce.CollectionOptions
---Roll back the whole call (of up to 200 records, or the composite request)
---when one part fails.
---@field all_or_none? boolean

---@class salesforce.EachOptions
---@field all? boolean include deleted and archived records (queryAll)
---@field batch_size? integer records per page, 200 to 2000 (a hint to Salesforce)

---A subrequest of Client:composite.
---@class salesforce.CompositeSubrequest
---@field method? salesforce.HttpMethod|string default "GET"
---Relative to the versioned base ("/sobjects/Account") unless it starts with
---"/services/"; may reference earlier results: "/sobjects/Account/@{acc.id}".
---@field url string
---@field referenceId string
---@field body? table

---@class salesforce.CompositeResult
---@field body any the subrequest's decoded body (a list of errors on failure)
---@field httpHeaders table<string, string>
---@field httpStatusCode integer
---@field referenceId string

---@class salesforce.SearchOptions
---@field text string the user's text (searched as one phrase)
---@field sobject? string one sObject to return
---sObjects to return: names (taking fields, where, binds and limit from
---this table) or full RETURNING items of salesforce.sosl.build.
---@field sobjects? (string|salesforce.sosl.Returning)[]
---@field fields? string[] fields of each named sObject; default { "Id" }
---@field where? string SOQL condition for each named sObject (values in binds)
---@field binds? salesforce.Binds
---@field limit? integer records per named sObject (0..2000)
---@field scope? salesforce.sosl.Scope default "ALL"
---@field total_limit? integer records in all (0..2000)
---true: * and ? in text are SOSL wildcards ("acm*" finds Acme); every other
---reserved character is still escaped. Default false: they are removed.
---@field wildcards? boolean

---@class salesforce.ParameterizedSearch
---@field q string the search text (Salesforce applies its own rules)
---@field fields? string[]
---@field sobjects? { name: string, fields?: string[], limit?: integer }[]
---@field overallLimit? integer
---@field defaultLimit? integer
---@field [string] any other parameters, e.g. ["in"] = "ALL"

---@class salesforce.RequestSpec
---@field method? salesforce.HttpMethod|string default "GET"
---Relative to the versioned base unless it starts with "/services/"; a
---list: one percent-encoded segment each.
---@field path string|(string|number)[]
---URL-encoded, sorted by name; a list repeats the name.
---@field query? table<string, string|number|boolean|(string|number|boolean)[]>
---@field body? table|string a table is sent as JSON
---@field headers? table<string, string>
---@field idempotent? boolean whether a failed attempt may be retried
---@field timeout_ms? integer each attempt's limit
---@field deadline_ms? integer the whole call's limit, retries and their waits included

---@class salesforce.CallOptions
---@field headers? table<string, string>
---@field idempotent? boolean override the method's (GET, PUT, DELETE are)
---@field timeout_ms? integer each attempt's limit
---@field deadline_ms? integer the whole call's limit, retries and their waits included
---@field raw? boolean return the body text undecoded
---@field content_type? string for a string body; default "application/json"
---@field accept_300? boolean return a 300 answer instead of an error

-- ---- errors ------------------------------------------------------------------

---A structured error, the `err` of every `nil, err`. tostring(err) reads
---"salesforce error (HTTP 400): REQUIRED_FIELD_MISSING: ..." (or
---"<kind> error: <message>" when no response came), so `assert(...)` shows
---it well. Its message never contains a secret.
---@class salesforce.Error
---@field kind salesforce.ErrorKind what failed
---@field message string a readable sentence
---@field retryable boolean whether trying again later may succeed
---@field status? integer the HTTP status, when a response came
---Salesforce's errorCode (the first one) of a REST error, e.g.
---"REQUIRED_FIELD_MISSING" (errors made by the Lua client).
---@field error_code? string
---The remote code of errors made by the C core: an OAuth error
---("invalid_grant", "slow_down") or a Salesforce errorCode.
---@field remote_code? string
---@field code? integer the sf_code number (errors made by the C core)
---@field fields? string[] the fields the first error names
---Every error Salesforce returned (it reports each problem of a request;
---an answer that is a single object instead of a list gives one).
---@field errors? salesforce.ErrorDetail[]
---@field retry_after? number seconds the server asked to wait (429, 503)
---@field matches? string[] kind "multiple_matches": URLs of the matching records

---@class salesforce.ErrorDetail
---@field errorCode string
---@field message? string
---@field fields? string[]
---@field duplicateResult? table DUPLICATES_DETECTED: the rule and its matchResults

-- ---- tasks -------------------------------------------------------------------

---A task of salesforce.spawn.
---@class salesforce.Task
local Task = {}

---"running", "done" or "failed". Never raises.
---@return salesforce.TaskStatus
function Task:status() end

---The task's return values (all of them). Raises while the task is still
---running, and re-raises the task's error (a string with its traceback)
---when it failed.
---@return any ...
function Task:result() end

-- ---- advanced: the HTTP runtime and requests -----------------------------------

---(advanced) An HTTP runtime: one libcurl multi handle, its connection pool
---and retry policy (client.http, workspace:runtime()). Every method raises
---once it is closed. Scripts normally never touch it.
---@class salesforce.Http
local Http = {}

---Starts a request without waiting (Accept: application/json). Bad
---arguments raise; a request that cannot start returns nil, err.
---@param method salesforce.HttpMethod
---@param url string
---@param authorization? string the whole header value, "Bearer ..."
---@param body? string
---@param content_type? string default "application/json" when there is a body
---@param headers? table<string, string>
---@param idempotent? boolean overrides the method's
---@param timeout_ms? integer each attempt's limit
---@param deadline_ms? integer the whole request's limit, retries and their waits included
---@return salesforce.Request|nil request
---@return salesforce.Error? err
function Http:start(method, url, authorization, body, content_type, headers, idempotent,
                    timeout_ms, deadline_ms) end

---Makes a request and waits for it (the blocking call, outside tasks; other
---requests' completions stay queued for Http:step). With `decode` a JSON
---body comes decoded straight from the transport's buffer (is_json true);
---a body that is empty or not JSON comes as text, with `why`. `header`
---names a response header to return. Bad arguments raise; a transport
---failure returns nil, err.
---@param method salesforce.HttpMethod
---@param url string
---@param authorization? string the whole header value, "Bearer ..."
---@param body? string
---@param content_type? string default "application/json" when there is a body
---@param headers? table<string, string>
---@param idempotent? boolean overrides the method's
---@param timeout_ms? integer
---@param decode? boolean
---@param header? string
---@param deadline_ms? integer the whole request's limit, retries and their waits included
---@return integer|nil status
---@return any|salesforce.Error body the decoded value, the text, or the error
---@return boolean? is_json
---@return string? why why the body is text although decode was asked for
---@return string? header_value
---@return integer? retry_after_ms
function Http:call(method, url, authorization, body, content_type, headers, idempotent,
                   timeout_ms, decode, header, deadline_ms) end

---Drives the transfers, waiting at most timeout_ms (default 1000) when
---nothing is ready. Returns the requests that completed (nil when none) and
---how many are still in flight.
---@param timeout_ms? integer
---@return salesforce.Request[]|nil completed
---@return integer pending
function Http:step(timeout_ms) end

---Requests in flight.
---Raises once closed.
---@return integer
function Http:pending() end

---Counters: { requests, attempts, retries, connections }.
---Raises once closed.
---@return { requests: integer, attempts: integer, retries: integer, connections: integer }
function Http:stats() end

---Closes the runtime, aborting requests in flight. Idempotent.
---Never fails.
function Http:close() end

---(advanced) A request started by Http:start.
---@class salesforce.Request
local Request = {}

---Whether the transport has completed it.
---Never fails.
---@return boolean
function Request:done() end

---Drives the runtime until this request is done (outside tasks).
---Raises for a closed request.
function Request:wait() end

---What Http:call returns, for this completed request; then frees it (as
---close). Raises while the request is in flight.
---@param decode? boolean
---@param header? string
---@param deadline_ms? integer the whole request's limit, retries and their waits included
---@return integer|nil status
---@return any|salesforce.Error body
---@return boolean? is_json
---@return string? why
---@return string? header_value
---@return integer? retry_after_ms
function Request:finish(decode, header) end

---How many attempts the transport made.
---Never fails.
---@return integer
function Request:attempts() end

---Frees the request now, returning its easy handle to the runtime's pool,
---instead of at garbage collection. Idempotent; raises while in flight.
function Request:close() end

-- ---- advanced: sessions ----------------------------------------------------------

---(advanced) A session: the token set of one (profile, user) in a store,
---with a refresh that runs once across tasks and processes (a store lock).
---From Workspace:session; Client uses one. Methods raise once closed.
---@class salesforce.Session
local Session = {}

---Loads the stored token set; nil, err (kind "not_found") when there is none.
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Session:load() end

---Stores a token set durably.
---nil, err when the store cannot write it.
---@param tokens salesforce.Tokens
---@return true|nil ok
---@return salesforce.Error? err
function Session:save(tokens) end

---The loaded token set; nil, err when none is loaded.
---@return salesforce.Tokens|nil tokens
---@return salesforce.Error? err
function Session:tokens() end

---Renews under the store lock unless another process or task already
---replaced `stale`: true when this call renewed, false when another had.
---A set with a refresh token is refreshed; one without is renewed by
---`regrant` (run under the lock: it returns new tokens, which are stored,
---or nil, err). A refresh token the endpoint refused (invalid_grant), whose
---answer was lost after it was sent (kind "outcome_unknown", unless the
---app is known not to rotate refresh tokens), or whose new tokens failed a
---check (the new access token is revoked, a rotated refresh token kept) is
---recorded in the store: every later call returns that same error and
---sends nothing, until a new authorization is saved.
---nil, err when the renewal fails; what `regrant` raises is raised.
---@param stale? string the access token that was refused
---@param lock_timeout_ms? integer default 30000
---@param regrant? fun(): salesforce.Tokens|nil, salesforce.Error?
---@return boolean|nil renewed
---@return salesforce.Error? err
function Session:refresh(stale, lock_timeout_ms, regrant) end

---A blocking request on the instance with the session's token (refresh and
---replay on 401). Returns the status, the body text and some headers
---(Sforce-Limit-Info, Retry-After, Location, Content-Type).
---nil, err on a transport or auth failure; an HTTP error status is returned as is.
---@param method salesforce.HttpMethod
---@param path string
---@param body? string
---@param content_type? string
---@return integer|nil status
---@return string|salesforce.Error body_or_err
---@return table<string, string>? headers
function Session:request(method, path, body, content_type) end

---Closes the session. Idempotent.
---Never fails.
function Session:close() end

---(internal) The token store of a workspace: use the Workspace methods.
---@class salesforce.Store: userdata

return salesforce
