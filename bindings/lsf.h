/*
 * lsf.h - shared declarations of the salesforce Lua binding. Only
 * luaopen_salesforce is exported from the module; everything else is
 * hidden.
 */
#ifndef LSF_H
#define LSF_H

#include <lua.h>

#if defined(__GNUC__)
#define LSF_EXPORT __attribute__((visibility("default")))
#else
#define LSF_EXPORT
#endif

/* Opens the module: `require "salesforce"` and package.preload use it. */
LSF_EXPORT int luaopen_salesforce(lua_State *L);

#endif /* LSF_H */
