/*
 * lsf_internal.h - what the C files of the binding share. Nothing here is
 * exported from the module.
 */
#ifndef LSF_INTERNAL_H
#define LSF_INTERNAL_H

#include <lauxlib.h>
#include <lua.h>

#include "sf/sf.h"

#define LSF_ERROR_MT "salesforce.Error"

/* Pushes a structured error (kind, code, message, status, remote_code,
 * retryable) with the salesforce.Error metatable. */
void lsf_push_error(lua_State *L, const sf_error *err);

/* Pushes fail (nil) and the error; returns 2. */
int lsf_fail(lua_State *L, const sf_error *err);

/* nil, err (returning 2) when rc failed, else 0; err->code defaults to
 * rc. */
int lsf_failed(lua_State *L, sf_code rc, sf_error *err);

/* true, or nil, err. */
int lsf_ok_or_fail(lua_State *L, sf_code rc, sf_error *err);

/* nil and an error of `code` with `msg` (NULL: sf_strerror). */
int lsf_fail_code(lua_State *L, sf_code code, const char *msg);

/* A GC-owned box for a NUL-terminated buffer: the core (or libcurl) writes
 * into box->p, and __gc releases it, so Lua errors cannot leak it. A
 * malloc'd buffer is wiped (it may hold a secret) and freed; with
 * `from_curl` set it is given back with curl_free. */
typedef struct lsf_buf {
  char *p;
  int from_curl;
} lsf_buf;
lsf_buf *lsf_new_buf(lua_State *L);

/* Registers metatable `name` with `methods` as __index (plus close) and
 * `close` as __gc and __close. */
void lsf_new_class(lua_State *L, const char *name, const luaL_Reg *methods,
                   lua_CFunction close);

/* Argument `arg` as a C string: raises (as luaL_checkstring does for a
 * missing one) when it is not a string or holds a NUL byte, which C would
 * silently cut it at. */
const char *lsf_check_cstring(lua_State *L, int arg);

/* As lsf_check_cstring, or NULL when the argument is absent or nil. */
const char *lsf_opt_cstring(lua_State *L, int arg);

/* Option `key` of the table at idx: a string (anchored by the table) or
 * NULL when absent; raises for another type or a NUL byte in it. */
const char *lsf_opt_string(lua_State *L, int idx, const char *key);

/* Option `key` of the table at idx as an integer, or `dflt`. */
lua_Integer lsf_opt_int(lua_State *L, int idx, const char *key,
                        lua_Integer dflt);

/* Pushes the Lua value of the JSON text buf[0, len) and returns 1: tables
 * sized up front, integers as integers, null as cjson.null. Or pushes
 * nothing, points *why at a static reason and returns 0 when the text is
 * not UTF-8 JSON. Numbers beyond 64 bits: see lsf_json.cc. Raises only on
 * memory errors. `padded`: SF_HTTP_BODY_PADDING readable bytes follow the
 * text (a transport body), which is then read in place rather than copied.
 * (lsf_json.cc, simdjson) */
int lsf_json_push(lua_State *L, const char *buf, size_t len, int padded,
                  const char **why);

/* Makes the state's JSON parser box (lsf_json.cc), so that its finalizer
 * is registered before any decode. */
void lsf_open_json(lua_State *L);

/* Registers salesforce.Http and salesforce.Request; adds http_new. */
void lsf_open_http(lua_State *L);

/* Registers salesforce.Store; adds store_open to the table on top. */
void lsf_open_store(lua_State *L);

/* The open handle at idx; raises for a closed or wrong one. */
sf_http *lsf_check_http(lua_State *L, int idx);
sf_store *lsf_check_store(lua_State *L, int idx);

/* Registers the classes and adds the auth functions to the table on top
 * of the stack. */
void lsf_open_auth(lua_State *L);

/* Adds listen_once, sleep and new_error to the table on top of the
 * stack. */
void lsf_open_util(lua_State *L);

#endif
