/*
 * lsf_http.c - the binding of the HTTP runtime (salesforce.Http) and of
 * requests in flight (salesforce.Request). A request is started without
 * waiting; the runtime's done callback (plain C, no Lua) appends it to a
 * completion list, and http:step() hands the completed requests to Lua,
 * where the scheduler resumes the coroutines that wait for them. Outside a
 * coroutine the Lua side simply steps until its request is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lsf_internal.h"
#include "sf/oauth.h"
#include "sf/sf.h"

#define HTTP_MT "salesforce.Http"
#define REQUEST_MT "salesforce.Request"
#define CALL_SLOTS 4

typedef struct lsf_request lsf_request;

typedef struct lsf_http {
  sf_http *http;
  lsf_request *inflight; /* doubly linked: started, not yet handed back */
  lsf_request *done_head, *done_tail; /* completed, not yet handed back */
  /* the requests of http:call() under way, owned here so that a Lua error
   * cannot leak them; more than one when a finalizer run during a call
   * makes a call too. A slot left by a memory error is freed at __gc. */
  sf_http_request *calls[CALL_SLOTS];
  /* the request of the last http:call, made new for the next one
   * (sf_http_request_reuse); `spare_auth` is its Authorization value when
   * its headers are only what every call adds (then kept), else NULL */
  sf_http_request *spare;
  char *spare_auth;
} lsf_http;

struct lsf_request {
  sf_http_request *req;
  lsf_http *owner;          /* valid while `ref` is held (uservalue 1 too) */
  int ref;                  /* registry reference while in flight, else NOREF */
  int done;                 /* the transport completed it */
  lsf_request *prev, *next; /* in owner->inflight */
  lsf_request *done_next;   /* in owner's completion list */
};

/* ---- the runtime ----------------------------------------------------------
 */

static void log_to_stderr(void *ud, sf_log_level level, const char *line) {
  (void)ud;
  fprintf(stderr, "luaforce: [%s] %s\n", sf_log_level_name(level), line);
}

static int parse_level(const char *s) {
  static const char *const names[] = {"error", "warn", "info", "debug", NULL};
  int i;
  for (i = 0; names[i]; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

static lsf_http *check_http(lua_State *L, int idx) {
  lsf_http *h = luaL_checkudata(L, idx, HTTP_MT);
  if (!h->http)
    luaL_error(L, "attempt to use a closed HTTP runtime");
  return h;
}

sf_http *lsf_check_http(lua_State *L, int idx) {
  return check_http(L, idx)->http;
}

/* http_new{ca_file, user_agent, connect_timeout_ms, timeout_ms,
 * max_retries, retry_base_ms, max_host_connections, log_level} */
static int lsf_http_new(lua_State *L) {
  sf_http_config cfg;
  lsf_http *h;
  const char *level;
  sf_code rc;
  sf_http_config_init(&cfg);
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    cfg.ca_file = lsf_opt_string(L, 1, "ca_file");
    cfg.user_agent = lsf_opt_string(L, 1, "user_agent");
    cfg.connect_timeout_ms =
        (long)lsf_opt_int(L, 1, "connect_timeout_ms", cfg.connect_timeout_ms);
    cfg.timeout_ms = (long)lsf_opt_int(L, 1, "timeout_ms", cfg.timeout_ms);
    cfg.max_retries = (int)lsf_opt_int(L, 1, "max_retries", cfg.max_retries);
    cfg.retry_base_ms =
        (long)lsf_opt_int(L, 1, "retry_base_ms", cfg.retry_base_ms);
    cfg.max_host_connections = (long)lsf_opt_int(L, 1, "max_host_connections",
                                                 cfg.max_host_connections);
    level = lsf_opt_string(L, 1, "log_level");
    if (level) {
      int lv = parse_level(level);
      if (lv < 0)
        return luaL_error(L, "log_level must be error, warn, info or debug");
      cfg.log = log_to_stderr;
      cfg.log_level = (sf_log_level)lv;
    }
  }
  h = lua_newuserdatauv(L, sizeof *h, 0);
  memset(h, 0, sizeof *h); /* closed until created */
  luaL_setmetatable(L, HTTP_MT);
  rc = sf_http_new(&h->http, &cfg);
  if (rc != SF_OK)
    return lsf_fail_code(
        L, rc, rc == SF_E_INVALID_ARG ? "invalid HTTP option value" : NULL);
  return 1;
}

/* Forgets a request handed back or aborted: drops its registry reference
 * so that the GC may collect it. */
static void release(lua_State *L, lsf_request *q) {
  if (q->ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, q->ref);
    q->ref = LUA_NOREF;
  }
  q->owner = NULL;
}

static void unlink_inflight(lsf_http *h, lsf_request *q) {
  if (q->prev)
    q->prev->next = q->next;
  else if (h->inflight == q)
    h->inflight = q->next;
  if (q->next)
    q->next->prev = q->prev;
  q->prev = q->next = NULL;
}

static int lsf_http_close(lua_State *L) {
  lsf_http *h = luaL_checkudata(L, 1, HTTP_MT);
  lsf_request *q;
  /* requests still in flight are aborted by sf_http_free (which calls no
   * callback): they are done now, with result SF_E_ABORTED */
  while ((q = h->inflight)) {
    unlink_inflight(h, q);
    q->done = 1;
    release(L, q);
  }
  while ((q = h->done_head)) {
    h->done_head = q->done_next;
    q->done_next = NULL;
    release(L, q);
  }
  h->done_tail = NULL;
  sf_http_request_free(h->spare);
  h->spare = NULL;
  free(h->spare_auth);
  h->spare_auth = NULL;
  /* the requests of calls under way stay valid (aborted): the calls free
   * them */
  sf_http_free(h->http);
  h->http = NULL;
  return 0;
}

/* __gc: close, and free what calls cut short by an error left behind (no
 * call can be under way: it would hold the runtime) */
static int lsf_http_gc(lua_State *L) {
  lsf_http *h = luaL_checkudata(L, 1, HTTP_MT);
  int i;
  lsf_http_close(L);
  for (i = 0; i < CALL_SLOTS; i++) {
    sf_http_request_free(h->calls[i]);
    h->calls[i] = NULL;
  }
  return 0;
}

static int lsf_http_stats(lua_State *L) {
  sf_http_stats st;
  sf_http_get_stats(lsf_check_http(L, 1), &st);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, st.requests);
  lua_setfield(L, -2, "requests");
  lua_pushinteger(L, st.attempts);
  lua_setfield(L, -2, "attempts");
  lua_pushinteger(L, st.retries);
  lua_setfield(L, -2, "retries");
  lua_pushinteger(L, st.connections);
  lua_setfield(L, -2, "connections");
  return 1;
}

/* ---- requests ---------------------------------------------------------------
 */

/* The transport's completion callback: C only, no Lua. */
static void on_done(sf_http_request *r, void *ud) {
  lsf_request *q = ud;
  lsf_http *h = q->owner;
  (void)r;
  q->done = 1;
  if (!h)
    return;
  unlink_inflight(h, q);
  q->done_next = NULL;
  if (h->done_tail)
    h->done_tail->done_next = q;
  else
    h->done_head = q;
  h->done_tail = q;
}

static lsf_request *check_request(lua_State *L, int idx) {
  lsf_request *q = luaL_checkudata(L, idx, REQUEST_MT);
  if (!q->req)
    luaL_error(L, "attempt to use a closed request");
  return q;
}

static int lsf_request_gc(lua_State *L) {
  lsf_request *q = luaL_checkudata(L, 1, REQUEST_MT);
  /* in flight, a request is referenced from the registry: never here */
  sf_http_request_free(q->req);
  q->req = NULL;
  return 0;
}

/* Raises unless the value at idx is nil or a table of string names and
 * values that a header line can hold (no NUL, CR or LF), before anything
 * is allocated. */
static void check_headers(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx))
    return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t nl, vl;
    const char *name, *value;
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "headers must map names to string values");
    name = lua_tolstring(L, -2, &nl);
    value = lua_tolstring(L, -1, &vl);
    if (strlen(name) != nl || strlen(value) != vl || strpbrk(name, "\r\n") ||
        strpbrk(value, "\r\n"))
      luaL_error(L, "bad request header '%s': a NUL, CR or LF byte in it",
                 name);
    lua_pop(L, 1);
  }
}

/* Adds the headers of the table at idx (checked by check_headers). */
static sf_code add_headers(lua_State *L, int idx, sf_http_request *req) {
  sf_code rc = SF_OK;
  if (lua_isnoneornil(L, idx))
    return SF_OK;
  lua_pushnil(L);
  while (rc == SF_OK && lua_next(L, idx)) {
    rc = sf_http_request_add_header(req, lua_tostring(L, -2),
                                    lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  if (rc != SF_OK)
    lua_pop(L, 1); /* the key left by the interrupted traversal */
  return rc;
}

/* The Authorization value of the http:call under way when its headers
 * are only those of every call (Authorization, Accept): no body, content
 * type or headers among its arguments 4-7; else NULL. */
static const char *plain_auth(lua_State *L) {
  const char *auth = lua_tostring(L, 4);
  return auth && *auth && lua_isnoneornil(L, 5) && lua_isnoneornil(L, 6) &&
                 lua_isnoneornil(L, 7)
             ? auth
             : NULL;
}

/* Creates and configures the request of arguments 2-9 (method, url,
 * authorization, body, content_type, headers, idempotent, timeout_ms) and
 * argument `dl` (deadline_ms: the whole request's limit, retries included) into
 * *out, which the caller owns at once (even on failure). With `reuse` the
 * runtime's spare request is made new for it when there is one, keeping
 * its header list when that is the one these arguments make. Bad
 * arguments raise; SF_E_INVALID_ARG means a bad header or option value. */
static sf_code new_request(lua_State *L, lsf_http *h, sf_http_request **out,
                           int reuse, int dl) {
  const char *method = lsf_check_cstring(L, 2);
  const char *url = lsf_check_cstring(L, 3);
  const char *auth = lsf_opt_cstring(L, 4);
  size_t blen = 0;
  const char *body = luaL_optlstring(L, 5, NULL, &blen);
  const char *ctype = lsf_opt_cstring(L, 6);
  lua_Integer timeout = luaL_optinteger(L, 9, 0);
  lua_Integer deadline = luaL_optinteger(L, dl, 0);
  sf_http_request *req;
  sf_code rc = SF_E_ABORTED;
  int kept = 0;
  check_headers(L, 7);
  if (reuse && h->spare) {
    const char *plain = plain_auth(L);
    *out = h->spare; /* the caller's now */
    h->spare = NULL;
    kept = plain && h->spare_auth && strcmp(h->spare_auth, plain) == 0;
    rc = sf_http_request_reuse(*out, method, url, kept);
    if (rc != SF_OK && rc != SF_E_INVALID_ARG) { /* a new one instead */
      sf_http_request_free(*out);
      *out = NULL;
      kept = 0;
    }
  }
  if (!*out)
    rc = sf_http_request_new(out, h->http, method, url);
  if (rc == SF_E_INVALID_ARG && strlen(url) > SF_HTTP_URL_MAX)
    luaL_error(L,
               "bad request: the URL is %I bytes long, over the "
               "transport's limit of %d",
               (lua_Integer)strlen(url), SF_HTTP_URL_MAX);
  if (rc == SF_E_INVALID_ARG)
    luaL_error(L, "bad request: method %s, URL '%s'", method, url);
  req = *out;
  if (rc == SF_OK && auth && !kept)
    rc = sf_http_request_add_header(req, "Authorization", auth);
  if (rc == SF_OK && !kept)
    rc = sf_http_request_add_header(req, "Accept", "application/json");
  if (rc == SF_OK)
    rc = add_headers(L, 7, req);
  if (rc == SF_OK && (body || ctype))
    rc = sf_http_request_set_body(req, body, blen,
                                  ctype ? ctype : "application/json");
  if (rc == SF_OK && !lua_isnoneornil(L, 8))
    rc = sf_http_request_set_idempotent(req, lua_toboolean(L, 8));
  if (rc == SF_OK && timeout > 0)
    rc = sf_http_request_set_timeout(req, (long)timeout);
  if (rc == SF_OK && deadline > 0)
    rc = sf_http_request_set_deadline(req, (long)deadline);
  return rc;
}

/* nil, err for a request that could not start: the core's error record
 * (its message says why), else the code's text. */
static int fail_request(lua_State *L, sf_code rc, const sf_http_request *req) {
  sf_error err;
  sf_error_clear(&err);
  if (req)
    err = *sf_http_request_error(req);
  return lsf_failed(L, rc, &err);
}

/*
 * http:start(method, url [, authorization [, body [, content_type
 *            [, headers [, idempotent [, timeout_ms [, deadline_ms]]]]]]])
 *   -> request
 * Starts a request (Accept: application/json). `authorization` is the
 * whole header value ("Bearer ..."); `idempotent` overrides the method's;
 * timeout_ms bounds each attempt, deadline_ms the whole request.
 * Bad arguments raise; a request that cannot start returns nil, err.
 */
static int lsf_http_start(lua_State *L) {
  lsf_http *h = check_http(L, 1);
  lsf_request *q;
  sf_code rc;
  lua_settop(L, 10); /* the arguments keep their places below the request */
  q = lua_newuserdatauv(L, sizeof *q, 1);
  memset(q, 0, sizeof *q);
  q->ref = LUA_NOREF;
  luaL_setmetatable(L, REQUEST_MT);
  rc = new_request(L, h, &q->req, 0, 10); /* q owns it from now on */
  if (rc == SF_E_INVALID_ARG)
    return luaL_error(L, "bad request header or option");
  if (rc == SF_OK)
    rc = sf_http_start(q->req, on_done, q);
  if (rc != SF_OK)
    return fail_request(L, rc, q->req);
  /* keep the runtime alive as long as the request, and the request alive
   * while it is in flight */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  q->owner = h;
  q->next = h->inflight;
  if (h->inflight)
    h->inflight->prev = q;
  h->inflight = q;
  lua_pushvalue(L, -1);
  q->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 1;
}

/*
 * http:step([timeout_ms]) -> completed, pending
 * Drives the transfers, waiting at most timeout_ms (default 1000) when
 * nothing is ready. `completed` is a list of the requests that finished
 * (or nil when none); `pending` counts those still in flight.
 */
static int lsf_http_step(lua_State *L) {
  lsf_http *h = check_http(L, 1);
  lua_Integer timeout = luaL_optinteger(L, 2, 1000);
  lsf_request *q;
  int n = 0;
  if (!h->done_head)
    sf_http_step(h->http, (long)(timeout < 0 ? 0 : timeout));
  if (h->done_head) {
    lua_newtable(L);
    while ((q = h->done_head)) {
      lua_rawgeti(L, LUA_REGISTRYINDEX, q->ref);
      lua_rawseti(L, -2, ++n);
      h->done_head = q->done_next;
      if (!h->done_head)
        h->done_tail = NULL;
      q->done_next = NULL;
      release(L, q); /* the table holds it now */
    }
  } else {
    lua_pushnil(L);
  }
  lua_pushinteger(L, sf_http_pending(h->http));
  return 2;
}

/* http:closed() -> boolean (never raises) */
static int lsf_http_closed(lua_State *L) {
  lsf_http *h = luaL_checkudata(L, 1, HTTP_MT);
  lua_pushboolean(L, h->http == NULL);
  return 1;
}

static int lsf_http_pending(lua_State *L) {
  lua_pushinteger(L, sf_http_pending(lsf_check_http(L, 1)));
  return 1;
}

/* request:done() -> boolean */
static int lsf_request_done(lua_State *L) {
  lua_pushboolean(L, check_request(L, 1)->done);
  return 1;
}

/* Pushes the error of the Bearer challenge of a 401, if it has one. */
static int push_bearer_error(lua_State *L, sf_http_request *req) {
  char code[64];
  if (!sf_oauth_bearer_error(sf_http_response_header(req, "WWW-Authenticate"),
                             code, sizeof code))
    return 0;
  lua_pushstring(L, code);
  return 1;
}

/* Pushes the outcome of the completed `req`: status, body, is_json, why,
 * header, retry_after_ms (see http:call); or nil, err. */
static int push_outcome(lua_State *L, sf_http_request *req, int decode,
                        const char *header) {
  size_t len;
  const char *body, *why = "empty body", *value;
  long status, retry_after;
  sf_error err;
  sf_code rc = sf_http_request_result(req);
  if (rc != SF_OK) {
    err = *sf_http_request_error(req);
    return lsf_failed(L, rc, &err);
  }
  status = sf_http_response_status(req);
  lua_pushinteger(L, status);
  body = sf_http_response_body(req, &len);
  if (decode && len > 0 && lsf_json_push(L, body, len, 1, &why)) {
    lua_pushboolean(L, 1);
    lua_pushnil(L);
  } else {
    lua_pushlstring(L, body, len);
    lua_pushboolean(L, 0);
    if (decode)
      lua_pushstring(L, why);
    else
      lua_pushnil(L);
  }
  value = header ? sf_http_response_header(req, header) : NULL;
  if (value)
    lua_pushstring(L, value);
  else
    lua_pushnil(L);
  /* Retry-After means something with 3xx, 429 and 503 (RFC 9110) */
  retry_after = status >= 300 ? sf_http_response_retry_after_ms(req) : -1;
  if (retry_after >= 0)
    lua_pushinteger(L, retry_after);
  else
    lua_pushnil(L);
  /* a 401's RFC 6750 error ("invalid_token"), for the refresh decision */
  if (status == 401 && push_bearer_error(L, req))
    return 7;
  return 6;
}

/* After http:call: `req` becomes the runtime's spare request unless
 * there is one already (a call made meanwhile), the runtime was closed or
 * its answer was large (its buffer is not kept past SPARE_BODY_MAX). Its
 * header list is reused as is for a next call with the same plain_auth. */
#define SPARE_BODY_MAX (1 << 20)
static void keep_spare(lua_State *L, lsf_http *h, sf_http_request *req) {
  const char *auth = plain_auth(L);
  size_t len = 0;
  sf_http_response_body(req, &len);
  if (!h->http || h->spare || len > SPARE_BODY_MAX) {
    sf_http_request_free(req);
    return;
  }
  h->spare = req;
  if (auth && h->spare_auth && strcmp(h->spare_auth, auth) == 0)
    return;
  free(h->spare_auth);
  h->spare_auth = NULL; /* (then the next call adds its headers again) */
  if (auth) {
    size_t n = strlen(auth) + 1;
    if ((h->spare_auth = malloc(n)) != NULL)
      memcpy(h->spare_auth, auth, n);
  }
}

static void on_call_done(sf_http_request *r, void *ud) {
  (void)r;
  *(int *)ud = 1;
}

/*
 * http:call(method, url [, authorization [, body [, content_type
 *           [, headers [, idempotent [, timeout_ms [, decode
 *           [, header [, deadline_ms]]]]]]]]]])
 *   -> status, body, is_json, why, header_value, retry_after_ms
 *      [, bearer_error] | nil, err
 * Starts a request as http:start does and drives the runtime until it is
 * done (the blocking call, outside the scheduler's tasks; completions of
 * other requests stay queued for http:step). With `decode` the JSON body
 * comes decoded (is_json true) straight from the transport's buffer; a body
 * that is empty or not JSON comes as text, with `why`. `header` names a
 * response header to return; retry_after_ms is the Retry-After of a status
 * of 300 or more; bearer_error, on a 401 only, the `error` of its
 * WWW-Authenticate Bearer challenge (RFC 6750). Without a Request object: the
 * request is freed before this returns.
 */
static int lsf_http_call(lua_State *L) {
  lsf_http *h = check_http(L, 1);
  int decode = lua_toboolean(L, 10), done = 0, slot, n;
  const char *header = lsf_opt_cstring(L, 11);
  sf_http_request *req;
  sf_code rc;
  for (slot = 0; slot < CALL_SLOTS && h->calls[slot]; slot++)
    ;
  if (slot == CALL_SLOTS)
    return luaL_error(L, "too many calls under way on this HTTP runtime");
  rc = new_request(L, h, &h->calls[slot], 1, 12);
  req = h->calls[slot];
  if (rc == SF_OK)
    rc = sf_http_start(req, on_call_done, &done);
  if (rc != SF_OK) {
    /* (the slot owns `req` until it is freed, should pushing raise) */
    n = rc == SF_E_INVALID_ARG ? 0 : fail_request(L, rc, req);
    sf_http_request_free(req);
    h->calls[slot] = NULL;
    if (rc == SF_E_INVALID_ARG)
      return luaL_error(L, "bad request header or option");
    return n;
  }
  /* no Lua runs in here; the runtime closed later aborts the request */
  while (!done && h->http)
    sf_http_step(h->http, 1000);
  /* Lua may run from here on (finalizers during allocations): it may even
   * close the runtime or call again, but not free `req`, this call's */
  n = push_outcome(L, req, decode, header);
  h->calls[slot] = NULL;
  keep_spare(L, h, req);
  return n;
}

/* request:finish([decode [, header]]) -> what http:call returns; frees the
 * request (as close) in every case. */
static int lsf_request_finish(lua_State *L) {
  lsf_request *q = check_request(L, 1);
  int n;
  if (!q->done)
    return luaL_error(L, "the request is still in flight");
  lua_settop(L, 3);
  n = push_outcome(L, q->req, lua_toboolean(L, 2), lsf_opt_cstring(L, 3));
  sf_http_request_free(q->req);
  q->req = NULL;
  return n;
}

/* request:wait(): drives the request's runtime until this request is done
 * (outside the scheduler's tasks). Completions of other requests stay
 * queued for the next http:step(). */
static int lsf_request_wait(lua_State *L) {
  lsf_request *q = check_request(L, 1);
  lsf_http *h;
  while (!q->done && (h = q->owner) != NULL && h->http)
    sf_http_step(h->http, 1000);
  h = q->owner;
  if (q->done && h) { /* hand it back: out of the completion list */
    lsf_request **pp = &h->done_head, *prev = NULL;
    while (*pp && *pp != q) {
      prev = *pp;
      pp = &(*pp)->done_next;
    }
    if (*pp) {
      *pp = q->done_next;
      if (h->done_tail == q)
        h->done_tail = prev;
      q->done_next = NULL;
    }
    release(L, q);
  }
  return 0;
}

/* request:close(): frees the request now (its easy handle goes back to the
 * runtime's pool) instead of at garbage collection; idempotent. Raises
 * while it is in flight. */
static int lsf_request_close(lua_State *L) {
  lsf_request *q = luaL_checkudata(L, 1, REQUEST_MT);
  if (q->req && !q->done && q->ref != LUA_NOREF)
    return luaL_error(L, "cannot close a request in flight");
  sf_http_request_free(q->req);
  q->req = NULL;
  return 0;
}

static int lsf_request_attempts(lua_State *L) {
  lua_pushinteger(L, sf_http_request_attempts(check_request(L, 1)->req));
  return 1;
}

/* ---- registration
 * ------------------------------------------------------------ */

static const luaL_Reg http_methods[] = {{"stats", lsf_http_stats},
                                        {"start", lsf_http_start},
                                        {"call", lsf_http_call},
                                        {"step", lsf_http_step},
                                        {"pending", lsf_http_pending},
                                        {"closed", lsf_http_closed},
                                        {NULL, NULL}};

static const luaL_Reg request_methods[] = {
    {"done", lsf_request_done},     {"wait", lsf_request_wait},
    {"finish", lsf_request_finish}, {"attempts", lsf_request_attempts},
    {"close", lsf_request_close},   {NULL, NULL}};

void lsf_open_http(lua_State *L) {
  lsf_new_class(L, HTTP_MT, http_methods, lsf_http_close);
  luaL_getmetatable(L, HTTP_MT);
  lua_pushcfunction(L, lsf_http_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, REQUEST_MT);
  lua_newtable(L);
  luaL_setfuncs(L, request_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lsf_request_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lua_pushcfunction(L, lsf_http_new);
  lua_setfield(L, -2, "http_new");
}
