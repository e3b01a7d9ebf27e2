/*
 * luaforce_lineedit.h - the host's line editing module (libedit), opened
 * through package.preload["luaforce.lineedit"].
 */
#ifndef LUAFORCE_LINEEDIT_H
#define LUAFORCE_LINEEDIT_H

#include <lua.h>

/* The lua_CFunction that makes the module table: readline([prompt]) ->
 * line | nil at end of input | nil, "interrupted" (Ctrl-C);
 * read_secret([prompt]) (no echo, no history) -> the same;
 * add_history(line); history() -> lines; load_history(path, max) and
 * save_history(path) (created 0600) -> true | nil, err. */
int luaforce_open_lineedit(lua_State *L);

#endif /* LUAFORCE_LINEEDIT_H */
