/*
 * lsf_module.c - luaopen_salesforce: initialises the core once, registers
 * the embedded pure-Lua submodules in package.preload, and runs the Lua
 * half (scripts/salesforce/init.lua) with the table of C functions.
 */
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "lsf.h"
#include "lsf_embedded.h"
#include "lsf_internal.h"
#include "sf/sf.h"

/* salesforce.versions() -> { luaforce=, lua=, libcurl=, openssl=, jansson= } */
static int lsf_versions(lua_State *L) {
  const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
  lua_createtable(L, 0, 5);
  lua_pushstring(L, sf_version());
  lua_setfield(L, -2, "luaforce");
  lua_pushstring(L, LUA_RELEASE);
  lua_setfield(L, -2, "lua");
  lua_pushstring(L, cv->version);
  lua_setfield(L, -2, "libcurl");
  lua_pushstring(L, OpenSSL_version(OPENSSL_VERSION));
  lua_setfield(L, -2, "openssl");
  lua_pushstring(L, jansson_version_str());
  lua_setfield(L, -2, "jansson");
  return 1;
}

static const luaL_Reg core_funcs[] = {{"versions", lsf_versions}, {NULL, NULL}};

/* package.preload loader for an embedded chunk; upvalue 1 = its index. */
static int load_embedded(lua_State *L) {
  const lsf_embedded_chunk *c =
      &lsf_embedded[lua_tointeger(L, lua_upvalueindex(1))];
  if (luaL_loadbufferx(L, c->data, c->size, c->chunkname, "t") != LUA_OK)
    return lua_error(L);
  lua_pushstring(L, c->module);
  lua_call(L, 1, 1);
  return 1;
}

LSF_EXPORT int luaopen_salesforce(lua_State *L) {
  static int initialised;
  int i, init = -1;
  if (!initialised) {
    if (sf_global_init() != SF_OK)
      return luaL_error(L, "salesforce: cannot initialise libcurl");
    initialised = 1; /* released by the process exit */
  }
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (i = 0; lsf_embedded[i].module; i++) {
    if (strcmp(lsf_embedded[i].module, "salesforce") == 0) {
      init = i;
      continue;
    }
    lua_pushinteger(L, i);
    lua_pushcclosure(L, load_embedded, 1);
    lua_setfield(L, -2, lsf_embedded[i].module);
  }
  lua_pop(L, 1);
  if (init < 0)
    return luaL_error(L, "salesforce: scripts/salesforce/init.lua missing");
  if (luaL_loadbufferx(L, lsf_embedded[init].data, lsf_embedded[init].size,
                       lsf_embedded[init].chunkname, "t") != LUA_OK)
    return lua_error(L);
  luaL_newlib(L, core_funcs);
  lsf_open_http(L);
  lsf_open_auth(L);
  lsf_open_store(L);
  lsf_open_util(L);
  lsf_open_json(L);
  lua_call(L, 1, 1);
  return 1;
}
