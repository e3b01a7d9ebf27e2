/*
 * lsf_store.c - the binding of the token store (salesforce.Store): a
 * directory of sealed or plain files, or memory, keyed by (profile, user),
 * with cross-process locks. Values read come back through GC-owned boxes.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lsf_internal.h"
#include "sf/sf.h"

#define STORE_MT "salesforce.Store"

/* ---- salesforce.Store ------------------------------------------------------
 */

typedef struct lsf_store {
  sf_store *store;
} lsf_store;

sf_store *lsf_check_store(lua_State *L, int idx) {
  lsf_store *s = luaL_checkudata(L, idx, STORE_MT);
  if (!s->store)
    luaL_error(L, "attempt to use a closed token store");
  return s->store;
}

/* store_open(dir [, key_text]) / store_open() for memory */
static int lsf_store_open(lua_State *L) {
  const char *dir = lsf_opt_cstring(L, 1);
  const char *key_text = lsf_opt_cstring(L, 2);
  unsigned char key[SF_STORE_KEY_BYTES];
  lsf_store *s;
  sf_error err;
  sf_code rc;
  sf_error_clear(&err);
  if (key_text && sf_store_key_decode(key_text, key) != SF_OK)
    return lsf_fail_code(L, SF_E_CRYPTO,
                         "the store key must be 64 hex digits or the base64 "
                         "of 32 bytes");
  s = lua_newuserdatauv(L, sizeof *s, 0);
  s->store = NULL;
  luaL_setmetatable(L, STORE_MT);
  rc = dir ? sf_store_open_dir(&s->store, dir, key_text ? key : NULL, &err)
           : sf_store_open_memory(&s->store);
  memset(key, 0, sizeof key);
  if (rc != SF_OK) {
    if (!err.code)
      err.code = rc;
    return lsf_fail(L, &err);
  }
  return 1;
}

static int lsf_store_close(lua_State *L) {
  lsf_store *s = luaL_checkudata(L, 1, STORE_MT);
  sf_store_free(s->store);
  s->store = NULL;
  return 0;
}

static int lsf_store_get(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  const char *user = lsf_check_cstring(L, 3);
  lsf_buf *b = lsf_new_buf(L);
  size_t len = 0;
  sf_error err;
  int n;
  sf_error_clear(&err);
  if ((n = lsf_failed(L, sf_store_get(st, profile, user, &b->p, &len, &err),
                      &err)))
    return n;
  lua_pushlstring(L, b->p, len);
  return 1;
}

static int lsf_store_put(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  const char *user = lsf_check_cstring(L, 3);
  size_t len;
  const char *data = luaL_checklstring(L, 4, &len);
  sf_error err;
  sf_error_clear(&err);
  return lsf_ok_or_fail(L, sf_store_put(st, profile, user, data, len, &err),
                        &err);
}

static int lsf_store_delete(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  const char *user = lsf_check_cstring(L, 3);
  sf_error err;
  sf_error_clear(&err);
  return lsf_ok_or_fail(L, sf_store_delete(st, profile, user, &err), &err);
}

/* The listing callback collects into a Lua table without raising: names
 * go into a C array first (bounded), then into Lua. */
typedef struct list_acc {
  char **names;
  size_t n, cap;
  int failed;
} list_acc;

static int collect_user(const char *user, void *ud) {
  list_acc *a = ud;
  char *copy;
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    char **p = realloc(a->names, cap * sizeof *p);
    if (!p) {
      a->failed = 1;
      return 1;
    }
    a->names = p;
    a->cap = cap;
  }
  copy = malloc(strlen(user) + 1);
  if (!copy) {
    a->failed = 1;
    return 1;
  }
  strcpy(copy, user);
  a->names[a->n++] = copy;
  return 0;
}

typedef struct lsf_list_box {
  list_acc acc;
} lsf_list_box;

static int lsf_list_box_gc(lua_State *L) {
  lsf_list_box *b = lua_touserdata(L, 1);
  size_t i;
  for (i = 0; i < b->acc.n; i++)
    free(b->acc.names[i]);
  free(b->acc.names);
  memset(&b->acc, 0, sizeof b->acc);
  return 0;
}

static int lsf_store_list(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  lsf_list_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  sf_error err;
  sf_code rc;
  size_t i;
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, "salesforce.ListBox")) {
    lua_pushcfunction(L, lsf_list_box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  sf_error_clear(&err);
  rc = sf_store_list(st, profile, collect_user, &b->acc, &err);
  if (rc == SF_OK && b->acc.failed)
    rc = err.code = SF_E_NOMEM;
  if (rc != SF_OK) {
    if (!err.code)
      err.code = rc;
    return lsf_fail(L, &err);
  }
  lua_createtable(L, (int)b->acc.n, 0);
  for (i = 0; i < b->acc.n; i++) {
    lua_pushstring(L, b->acc.names[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int lsf_store_lock(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  const char *user = lsf_check_cstring(L, 3);
  long timeout = (long)luaL_optinteger(L, 4, 30000);
  sf_error err;
  sf_error_clear(&err);
  return lsf_ok_or_fail(L, sf_store_lock(st, profile, user, timeout, &err),
                        &err);
}

static int lsf_store_unlock(lua_State *L) {
  sf_store *st = lsf_check_store(L, 1);
  const char *profile = lsf_check_cstring(L, 2);
  const char *user = lsf_check_cstring(L, 3);
  sf_code rc = sf_store_unlock(st, profile, user);
  if (rc != SF_OK)
    return lsf_fail_code(L, rc, "the lock is not held");
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg store_methods[] = {{"get", lsf_store_get},
                                         {"put", lsf_store_put},
                                         {"delete", lsf_store_delete},
                                         {"list", lsf_store_list},
                                         {"lock", lsf_store_lock},
                                         {"unlock", lsf_store_unlock},
                                         {NULL, NULL}};

/* Registers salesforce.Store and adds store_open to the table on top. */
void lsf_open_store(lua_State *L) {
  lsf_new_class(L, STORE_MT, store_methods, lsf_store_close);
  lua_pushcfunction(L, lsf_store_open);
  lua_setfield(L, -2, "store_open");
}
