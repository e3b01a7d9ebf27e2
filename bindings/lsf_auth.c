/*
 * lsf_auth.c - the binding of the core's HTTP runtime, token store, OAuth
 * grants and sessions. Userdata are created closed and checked by one
 * function that rejects closed handles; __gc, __close and close() share one
 * idempotent close. Anything the core allocates for a call lives in a
 * GC-owned box, so a Lua error can never leak it. Failures return
 * nil, err (a salesforce.Error); misuse raises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lsf_internal.h"
#include "sf/oauth.h"
#include "sf/sf.h"

#define SESSION_MT "salesforce.Session"
#define TOKENS_MT "salesforce.TokensBox"

/* ---- errors ------------------------------------------------------------- */

static int lsf_error_tostring(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "status");
  lua_getfield(L, 1, "message");
  if (lua_isinteger(L, -2))
    lua_pushfstring(L, "%s error (HTTP %d): %s", lua_tostring(L, -3),
                    (int)lua_tointeger(L, -2), lua_tostring(L, -1));
  else
    lua_pushfstring(L, "%s error: %s", lua_tostring(L, -3),
                    lua_tostring(L, -1));
  return 1;
}

void lsf_push_error(lua_State *L, const sf_error *err) {
  const char *name = sf_code_name(err->code);
  char kind[48];
  size_t i;
  if (strncmp(name, "SF_E_", 5) == 0)
    name += 5;
  for (i = 0; name[i] && i < sizeof kind - 1; i++)
    kind[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
  kind[i] = '\0';
  lua_createtable(L, 0, 6);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushinteger(L, err->code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, err->message[0] ? err->message : sf_strerror(err->code));
  lua_setfield(L, -2, "message");
  if (err->http_status) {
    lua_pushinteger(L, err->http_status);
    lua_setfield(L, -2, "status");
  }
  if (err->remote_code[0]) {
    lua_pushstring(L, err->remote_code);
    lua_setfield(L, -2, "remote_code");
  }
  lua_pushboolean(L, err->code == SF_E_CONNECT || err->code == SF_E_TIMEOUT ||
                         err->code == SF_E_NETWORK ||
                         err->code == SF_E_LOCKED || err->http_status == 429 ||
                         err->http_status == 503);
  lua_setfield(L, -2, "retryable");
  luaL_setmetatable(L, LSF_ERROR_MT);
}

int lsf_fail(lua_State *L, const sf_error *err) {
  luaL_pushfail(L);
  lsf_push_error(L, err);
  return 2;
}

/* ---- token sets: a GC-owned box, then a plain Lua table -------------------
 */

typedef struct lsf_tokens_box {
  sf_tokens t;
  sf_device d;
} lsf_tokens_box;

static int lsf_tokens_box_gc(lua_State *L) {
  lsf_tokens_box *b = lua_touserdata(L, 1);
  sf_tokens_clear(&b->t);
  sf_device_clear(&b->d);
  return 0;
}

static lsf_tokens_box *new_tokens_box(lua_State *L) {
  lsf_tokens_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, TOKENS_MT)) {
    lua_pushcfunction(L, lsf_tokens_box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

static void set_str(lua_State *L, const char *key, const char *v) {
  if (v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
  }
}

static void push_tokens(lua_State *L, const sf_tokens *t) {
  lua_createtable(L, 0, 10);
  set_str(L, "access_token", t->access_token);
  set_str(L, "refresh_token", t->refresh_token);
  set_str(L, "instance_url", t->instance_url);
  set_str(L, "id", t->id);
  set_str(L, "issued_at", t->issued_at);
  set_str(L, "scope", t->scope);
  set_str(L, "token_type", t->token_type);
  set_str(L, "id_token", t->id_token);
  lua_pushinteger(L, t->obtained_at);
  lua_setfield(L, -2, "obtained_at");
  if (t->expires_in > 0) {
    lua_pushinteger(L, t->expires_in);
    lua_setfield(L, -2, "expires_in");
  }
  lua_pushboolean(L, t->signature_verified);
  lua_setfield(L, -2, "signature_verified");
}

/* Reads a token table at idx into t; its strings are borrowed from Lua. */
static void read_tokens(lua_State *L, int idx, sf_tokens *t) {
  luaL_checktype(L, idx, LUA_TTABLE);
  memset(t, 0, sizeof *t);
  t->access_token = (char *)lsf_opt_string(L, idx, "access_token");
  t->refresh_token = (char *)lsf_opt_string(L, idx, "refresh_token");
  t->instance_url = (char *)lsf_opt_string(L, idx, "instance_url");
  t->id = (char *)lsf_opt_string(L, idx, "id");
  t->issued_at = (char *)lsf_opt_string(L, idx, "issued_at");
  t->scope = (char *)lsf_opt_string(L, idx, "scope");
  t->token_type = (char *)lsf_opt_string(L, idx, "token_type");
  t->id_token = (char *)lsf_opt_string(L, idx, "id_token");
  t->obtained_at = lsf_opt_int(L, idx, "obtained_at", 0);
  t->expires_in = lsf_opt_int(L, idx, "expires_in", 0);
  lua_getfield(L, idx, "signature_verified");
  t->signature_verified = lua_toboolean(L, -1);
  lua_pop(L, 1);
}

/* ---- apps and policies ------------------------------------------------------
 */

/* Profile kinds and client authentication methods, in enum order. */
static const char *const kinds[] = {"salesforce", "oauth2", NULL};
static const char *const auths[] = {"client_secret_post", "client_secret_basic",
                                    "none", NULL};

static void read_app(lua_State *L, int idx, sf_oauth_app *app) {
  luaL_checktype(L, idx, LUA_TTABLE);
  memset(app, 0, sizeof *app);
  app->client_id = lsf_opt_string(L, idx, "client_id");
  app->client_secret = lsf_opt_string(L, idx, "client_secret");
  app->authorize_url = lsf_opt_string(L, idx, "authorize_url");
  app->token_url = lsf_opt_string(L, idx, "token_url");
  app->refresh_url = lsf_opt_string(L, idx, "refresh_url");
  app->revoke_url = lsf_opt_string(L, idx, "revoke_url");
  app->redirect_uri = lsf_opt_string(L, idx, "redirect_uri");
  app->scope = lsf_opt_string(L, idx, "scope");
  if (!app->client_id || !app->token_url)
    luaL_error(L, "an OAuth app needs client_id and token_url");
  lua_getfield(L, idx, "kind");
  app->kind = (sf_oauth_kind)luaL_checkoption(L, -1, "salesforce", kinds);
  lua_getfield(L, idx, "client_auth");
  app->client_auth =
      (sf_client_auth)luaL_checkoption(L, -1, "client_secret_post", auths);
  lua_pop(L, 2);
}

#define MAX_DOMAINS 32

typedef struct policy_buf {
  sf_oauth_policy policy;
  const char *domains[MAX_DOMAINS + 1];
} policy_buf;

/* Reads {allowed_domains = {...}, allow_loopback = bool} (or nil). */
static const sf_oauth_policy *read_policy(lua_State *L, int idx,
                                          policy_buf *pb) {
  lua_Integer i, n;
  memset(pb, 0, sizeof *pb);
  if (lua_isnoneornil(L, idx))
    return NULL;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_getfield(L, idx, "allow_loopback");
  pb->policy.allow_loopback = lua_toboolean(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, idx, "allowed_domains");
  if (lua_istable(L, -1)) {
    n = luaL_len(L, -1);
    if (n > MAX_DOMAINS)
      luaL_error(L, "at most %d allowed_domains", MAX_DOMAINS);
    for (i = 1; i <= n; i++) {
      /* only strings: a converted number would not stay anchored */
      if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
        luaL_error(L, "allowed_domains must be a list of strings");
      pb->domains[i - 1] = lua_tostring(L, -1);
      lua_pop(L, 1); /* anchored by the list */
    }
    pb->domains[n] = NULL;
    pb->policy.allowed_domains = pb->domains;
  }
  lua_pop(L, 1);
  return &pb->policy;
}

/* ---- OAuth grants: (http, app, policy, ...) -> tokens | nil, err -------- */

/* The arguments every grant takes (http, app, policy), the box its tokens
 * go into and its error record. */
typedef struct grant {
  sf_http *http;
  sf_oauth_app app;
  policy_buf pb;
  const sf_oauth_policy *policy;
  lsf_tokens_box *box;
  sf_error err;
} grant;

/* Reads arguments 1-3 into g and puts the tokens box above the `nargs`
 * arguments (the grant's own ones are read after, from 4 to nargs). */
static void begin_grant(lua_State *L, grant *g, int nargs) {
  g->http = lsf_check_http(L, 1);
  read_app(L, 2, &g->app);
  g->policy = read_policy(L, 3, &g->pb);
  lua_settop(L, nargs);
  g->box = new_tokens_box(L);
  sf_error_clear(&g->err);
}

/* The grant's result: a token table, or nil, err. */
static int finish_grant(lua_State *L, sf_code rc, grant *g) {
  int n = lsf_failed(L, rc, &g->err);
  if (n)
    return n;
  push_tokens(L, &g->box->t);
  sf_tokens_clear(&g->box->t);
  return 1;
}

/* (http, app, policy, code [, verifier]) */
static int lsf_oauth_exchange_code(lua_State *L) {
  grant g;
  const char *code, *verifier;
  begin_grant(L, &g, 5);
  code = lsf_check_cstring(L, 4);
  verifier = lsf_opt_cstring(L, 5);
  return finish_grant(L,
                      sf_oauth_exchange_code(g.http, &g.app, g.policy, code,
                                             verifier, &g.box->t, &g.err),
                      &g);
}

/* (http, app, policy, refresh_token) */
static int lsf_oauth_refresh(lua_State *L) {
  grant g;
  const char *rt;
  sf_code rc;
  begin_grant(L, &g, 4);
  rt = lsf_check_cstring(L, 4);
  rc = sf_oauth_refresh(g.http, &g.app, g.policy, rt, &g.box->t, &g.err);
  /* tokens issued but refused come back; the caller gets none of them */
  if (rc != SF_OK)
    sf_oauth_revoke_refused(g.http, &g.app, &g.box->t, &g.err);
  return finish_grant(L, rc, &g);
}

/* (http, app, policy) */
static int lsf_oauth_client_credentials(lua_State *L) {
  grant g;
  begin_grant(L, &g, 3);
  return finish_grant(
      L,
      sf_oauth_client_credentials(g.http, &g.app, g.policy, &g.box->t, &g.err),
      &g);
}

/* (http, app, policy, key_file, username [, audience]) */
static int lsf_oauth_jwt_bearer(lua_State *L) {
  grant g;
  const char *key_file, *user, *aud;
  begin_grant(L, &g, 6);
  key_file = lsf_check_cstring(L, 4);
  user = lsf_check_cstring(L, 5);
  aud = lsf_opt_cstring(L, 6);
  return finish_grant(L,
                      sf_oauth_jwt_bearer(g.http, &g.app, g.policy, key_file,
                                          user, aud, 0, &g.box->t, &g.err),
                      &g);
}

/* (http, app, policy, username, password) */
static int lsf_oauth_password(lua_State *L) {
  grant g;
  const char *user, *password;
  begin_grant(L, &g, 5);
  user = lsf_check_cstring(L, 4);
  password = lsf_check_cstring(L, 5);
  return finish_grant(L,
                      sf_oauth_password(g.http, &g.app, g.policy, user,
                                        password, &g.box->t, &g.err),
                      &g);
}

static int lsf_oauth_device_start(lua_State *L) {
  sf_http *http = lsf_check_http(L, 1);
  sf_oauth_app app;
  lsf_tokens_box *b;
  sf_error err;
  int n;
  read_app(L, 2, &app);
  b = new_tokens_box(L);
  sf_error_clear(&err);
  if ((n = lsf_failed(L, sf_oauth_device_start(http, &app, &b->d, &err), &err)))
    return n;
  lua_createtable(L, 0, 4);
  set_str(L, "device_code", b->d.device_code);
  set_str(L, "user_code", b->d.user_code);
  set_str(L, "verification_uri", b->d.verification_uri);
  lua_pushinteger(L, b->d.interval_s);
  lua_setfield(L, -2, "interval");
  sf_device_clear(&b->d);
  return 1;
}

/* (http, app, policy, device_code) */
static int lsf_oauth_device_poll(lua_State *L) {
  grant g;
  const char *dc;
  begin_grant(L, &g, 4);
  dc = lsf_check_cstring(L, 4);
  return finish_grant(
      L, sf_oauth_device_poll(g.http, &g.app, g.policy, dc, &g.box->t, &g.err),
      &g);
}

static int lsf_oauth_revoke(lua_State *L) {
  sf_http *http = lsf_check_http(L, 1);
  sf_oauth_app app;
  const char *token;
  sf_error err;
  read_app(L, 2, &app);
  token = lsf_check_cstring(L, 3);
  sf_error_clear(&err);
  return lsf_ok_or_fail(L, sf_oauth_revoke(http, &app, token, &err), &err);
}

/* get(http, url, access_token) -> body | nil, err */
static int lsf_oauth_get(lua_State *L) {
  sf_http *http = lsf_check_http(L, 1);
  const char *url = lsf_check_cstring(L, 2);
  const char *token = lsf_check_cstring(L, 3);
  lsf_buf *b = lsf_new_buf(L);
  size_t len = 0;
  sf_error err;
  int n;
  sf_error_clear(&err);
  if ((n = lsf_failed(L, sf_oauth_get(http, url, token, &b->p, &len, &err),
                      &err)))
    return n;
  lua_pushlstring(L, b->p, len);
  return 1;
}

static int lsf_oauth_pkce(lua_State *L) {
  char verifier[44], challenge[44];
  if (lua_isstring(L, 1)) {
    if (sf_oauth_pkce_challenge(lua_tostring(L, 1), challenge) != SF_OK)
      return luaL_argerror(L, 1, "not a valid PKCE verifier");
    lua_pushvalue(L, 1);
    lua_pushstring(L, challenge);
    return 2;
  }
  if (sf_oauth_pkce(verifier, challenge) != SF_OK)
    return luaL_error(L, "no randomness for PKCE");
  lua_pushstring(L, verifier);
  lua_pushstring(L, challenge);
  return 2;
}

static int lsf_oauth_random_state(lua_State *L) {
  char state[44];
  if (sf_oauth_random_state(state) != SF_OK)
    return luaL_error(L, "no randomness for state");
  lua_pushstring(L, state);
  return 1;
}

/* authorize_url(app, state, challenge [, extra]) */
static int lsf_oauth_authorize_url(lua_State *L) {
  sf_oauth_app app;
  const char *state, *challenge, *extra;
  lsf_buf *b;
  read_app(L, 1, &app);
  state = lsf_check_cstring(L, 2);
  challenge = lsf_check_cstring(L, 3);
  extra = lsf_opt_cstring(L, 4);
  if (!app.authorize_url || !app.redirect_uri)
    return luaL_error(L, "the app needs authorize_url and redirect_uri");
  b = lsf_new_buf(L);
  if (sf_oauth_authorize_url(&app, state, challenge, extra, &b->p) != SF_OK)
    return luaL_error(L, "cannot build the authorization URL");
  lua_pushstring(L, b->p);
  return 1;
}

/* check_url(policy, url [, what]) -> true | nil, err */
static int lsf_oauth_check_url(lua_State *L) {
  policy_buf pb;
  const sf_oauth_policy *policy = read_policy(L, 1, &pb);
  size_t len;
  const char *url = luaL_checklstring(L, 2, &len);
  const char *what = lsf_opt_cstring(L, 3);
  sf_error err;
  sf_error_clear(&err);
  if (strlen(url) != len) { /* C would see only the part before the NUL */
    err.code = SF_E_UNTRUSTED_HOST;
    snprintf(err.message, sizeof err.message, "%s contains a NUL byte",
             what ? what : "URL");
    return lsf_fail(L, &err);
  }
  if (sf_oauth_check_url(policy, url, what ? what : "URL", &err) != SF_OK)
    return lsf_fail(L, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* verify_signature(secret, id, issued_at, signature) -> boolean */
static int lsf_oauth_verify_signature(lua_State *L) {
  lua_pushboolean(L, sf_oauth_verify_signature(
                         lsf_check_cstring(L, 1), lsf_check_cstring(L, 2),
                         lsf_check_cstring(L, 3),
                         lsf_check_cstring(L, 4)) == SF_OK);
  return 1;
}

/* bearer_error(www_authenticate) -> the RFC 6750 error | nil */
static int lsf_oauth_bearer_error(lua_State *L) {
  char code[64];
  if (!sf_oauth_bearer_error(luaL_optstring(L, 1, NULL), code, sizeof code))
    return 0;
  lua_pushstring(L, code);
  return 1;
}

/* ---- salesforce.Session -----------------------------------------------------
 */

typedef struct lsf_session {
  sf_session *s;
  policy_buf pb; /* the policy's strings are anchored in uservalue 3 */
} lsf_session;

static sf_session *check_session(lua_State *L, int idx) {
  lsf_session *s = luaL_checkudata(L, idx, SESSION_MT);
  if (!s->s)
    luaL_error(L, "attempt to use a closed session");
  return s->s;
}

/* session_new(http, store, app, policy, profile, user) */
static int lsf_session_new(lua_State *L) {
  sf_http *http = lsf_check_http(L, 1);
  sf_store *store = lsf_check_store(L, 2);
  sf_oauth_app app;
  const char *profile, *user;
  lsf_session *s;
  policy_buf pb;
  const sf_oauth_policy *policy;
  sf_code rc;
  read_app(L, 3, &app);
  policy = read_policy(L, 4, &pb);
  profile = lsf_check_cstring(L, 5);
  user = lsf_check_cstring(L, 6);
  s = lua_newuserdatauv(L, sizeof *s, 3);
  s->s = NULL;
  s->pb = pb;
  if (policy)
    s->pb.policy.allowed_domains =
        pb.policy.allowed_domains ? s->pb.domains : NULL;
  luaL_setmetatable(L, SESSION_MT);
  /* keep the runtime, the store and the policy table alive */
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, -2, 2);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, -2, 3);
  rc = sf_session_new(&s->s, http, store, &app, policy ? &s->pb.policy : NULL,
                      profile, user);
  if (rc != SF_OK)
    return lsf_fail_code(L, rc, NULL);
  return 1;
}

static int lsf_session_close(lua_State *L) {
  lsf_session *s = luaL_checkudata(L, 1, SESSION_MT);
  sf_session_free(s->s);
  s->s = NULL;
  return 0;
}

static int lsf_session_load(lua_State *L) {
  sf_session *s = check_session(L, 1);
  sf_error err;
  int n;
  sf_error_clear(&err);
  if ((n = lsf_failed(L, sf_session_load(s, &err), &err)))
    return n;
  push_tokens(L, sf_session_tokens(s));
  return 1;
}

static int lsf_session_save(lua_State *L) {
  sf_session *s = check_session(L, 1);
  sf_tokens t;
  sf_error err;
  read_tokens(L, 2, &t);
  sf_error_clear(&err);
  return lsf_ok_or_fail(L, sf_session_save(s, &t, &err), &err);
}

static int lsf_session_tokens(lua_State *L) {
  const sf_tokens *t = sf_session_tokens(check_session(L, 1));
  if (!t)
    return lsf_fail_code(L, SF_E_NOT_FOUND, "the session is not loaded");
  push_tokens(L, t);
  return 1;
}

/*
 * A Lua function the core calls, under the store lock, to renew a set
 * without a refresh token. It runs under lua_pcall; what it raised, or
 * the err of its nil, err, is left on the stack and handed on once the
 * core has returned (never unwinding through the core's frames).
 */
typedef struct regrant_call {
  lua_State *L;
  int fn;     /* stack index of the function */
  int failed; /* 1: nil, err on the stack top; 2: an error raised */
} regrant_call;

/* (tokens table, sf_tokens *) -> copies the table into the sf_tokens */
static int regrant_read(lua_State *L) {
  sf_tokens *out = lua_touserdata(L, 2);
  sf_tokens t;
  read_tokens(L, 1, &t);
  if (sf_tokens_copy(out, &t) != SF_OK)
    return luaL_error(L, "not enough memory");
  return 0;
}

static sf_code regrant(void *ud, sf_tokens *out, sf_error *err) {
  regrant_call *c = ud;
  lua_State *L = c->L;
  lua_pushvalue(L, c->fn);
  if (lua_pcall(L, 0, 2, 0) != LUA_OK) {
    c->failed = 2;
    return SF_E_INTERNAL;
  }
  if (!lua_istable(L, -2)) {
    lua_remove(L, -2); /* the err stays */
    c->failed = 1;
    if (err)
      err->code = SF_E_OAUTH;
    return SF_E_OAUTH;
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, regrant_read);
  lua_insert(L, -2);
  lua_pushlightuserdata(L, out);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    c->failed = 2;
    return SF_E_INTERNAL;
  }
  return SF_OK;
}

/* refresh([stale_token [, lock_timeout_ms [, regrant]]]) -> renewed |
 * nil, err. `regrant()` returns new tokens or nil, err, for a set without
 * a refresh token; it runs under the store lock. */
static int lsf_session_refresh(lua_State *L) {
  sf_session *s = check_session(L, 1);
  const char *stale = lsf_opt_cstring(L, 2);
  long timeout = (long)luaL_optinteger(L, 3, 30000);
  regrant_call c = {L, 4, 0};
  int refreshed = 0;
  sf_error err;
  sf_code rc;
  int n;
  if (!lua_isnoneornil(L, 4))
    luaL_checktype(L, 4, LUA_TFUNCTION);
  lua_settop(L, 4);
  sf_error_clear(&err);
  rc = sf_session_renew(s, stale, timeout, lua_isnil(L, 4) ? NULL : regrant, &c,
                        &refreshed, &err);
  if (c.failed == 2)
    return lua_error(L);
  if (c.failed == 1) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  if ((n = lsf_failed(L, rc, &err)))
    return n;
  lua_pushboolean(L, refreshed);
  return 1;
}

/* A GC-owned completed request. */
typedef struct lsf_req_box {
  sf_http_request *req;
} lsf_req_box;

static int lsf_req_box_gc(lua_State *L) {
  lsf_req_box *b = lua_touserdata(L, 1);
  sf_http_request_free(b->req);
  b->req = NULL;
  return 0;
}

/* request(method, path [, body [, content_type]]) -> status, body, headers */
static int lsf_session_request(lua_State *L) {
  sf_session *s = check_session(L, 1);
  const char *method = lsf_check_cstring(L, 2);
  const char *path = lsf_check_cstring(L, 3);
  size_t blen = 0;
  const char *body = luaL_optlstring(L, 4, NULL, &blen);
  const char *ctype = lua_isnoneornil(L, 5) ? (body ? "application/json" : NULL)
                                            : lsf_check_cstring(L, 5);
  lsf_req_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  static const char *const hdrs[] = {"Sforce-Limit-Info", "Retry-After",
                                     "Location",          "Content-Type",
                                     "WWW-Authenticate",  NULL};
  sf_error err;
  int n;
  size_t len;
  const char *resp;
  int i;
  b->req = NULL;
  if (luaL_newmetatable(L, "salesforce.ReqBox")) {
    lua_pushcfunction(L, lsf_req_box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  sf_error_clear(&err);
  if ((n = lsf_failed(L,
                      sf_session_request(s, method, path, ctype, body, blen,
                                         &b->req, &err),
                      &err)))
    return n;
  lua_pushinteger(L, sf_http_response_status(b->req));
  resp = sf_http_response_body(b->req, &len);
  lua_pushlstring(L, resp, len);
  lua_createtable(L, 0, 4);
  for (i = 0; hdrs[i]; i++)
    set_str(L, hdrs[i], sf_http_response_header(b->req, hdrs[i]));
  sf_http_request_free(b->req);
  b->req = NULL;
  return 3;
}

/* ---- registration ----------------------------------------------------------
 */

void lsf_new_class(lua_State *L, const char *name, const luaL_Reg *methods,
                   lua_CFunction close) {
  luaL_newmetatable(L, name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "close");
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__close");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
}

static const luaL_Reg session_methods[] = {
    {"load", lsf_session_load},       {"save", lsf_session_save},
    {"tokens", lsf_session_tokens},   {"refresh", lsf_session_refresh},
    {"request", lsf_session_request}, {NULL, NULL}};

static const luaL_Reg auth_funcs[] = {
    {"session_new", lsf_session_new},
    {"oauth_exchange_code", lsf_oauth_exchange_code},
    {"oauth_refresh", lsf_oauth_refresh},
    {"oauth_client_credentials", lsf_oauth_client_credentials},
    {"oauth_jwt_bearer", lsf_oauth_jwt_bearer},
    {"oauth_password", lsf_oauth_password},
    {"oauth_device_start", lsf_oauth_device_start},
    {"oauth_device_poll", lsf_oauth_device_poll},
    {"oauth_revoke", lsf_oauth_revoke},
    {"oauth_get", lsf_oauth_get},
    {"oauth_pkce", lsf_oauth_pkce},
    {"oauth_random_state", lsf_oauth_random_state},
    {"oauth_authorize_url", lsf_oauth_authorize_url},
    {"oauth_check_url", lsf_oauth_check_url},
    {"oauth_verify_signature", lsf_oauth_verify_signature},
    {"oauth_bearer_error", lsf_oauth_bearer_error},
    {NULL, NULL}};

void lsf_open_auth(lua_State *L) {
  luaL_newmetatable(L, LSF_ERROR_MT);
  lua_pushcfunction(L, lsf_error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lsf_new_class(L, SESSION_MT, session_methods, lsf_session_close);
  luaL_setfuncs(L, auth_funcs, 0); /* into the core table on the stack */
}
