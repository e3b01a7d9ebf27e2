/*
 * luaforce_lineedit.c - line editing for the host's terminal prompts
 * (`luaforce dialog run`, the interactive prompt): libedit's
 * readline-compatible API (arrow keys, history, Ctrl-D ends) as the Lua
 * module luaforce.lineedit, registered in package.preload by the host.
 * Callers use it only when standard input and output are a terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>
#include <lauxlib.h>
#include <lua.h>

#include "luaforce_lineedit.h"

#define BOX_MT "luaforce.lineedit.line"

/* Owns a line readline returned (malloc'd) while it is pushed, so that a
 * memory error in lua_pushstring does not leak it. */
typedef struct line_box {
  char *line;
} line_box;

static int box_gc(lua_State *L) {
  line_box *b = luaL_checkudata(L, 1, BOX_MT);
  free(b->line);
  b->line = NULL;
  return 0;
}

/* readline([prompt]) -> line without its newline | nil at end of input */
static int le_readline(lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "");
  line_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->line = NULL;
  luaL_setmetatable(L, BOX_MT);
  fflush(stdout); /* what Lua wrote before the prompt comes first */
  b->line = readline(prompt);
  if (b->line == NULL) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, b->line);
  free(b->line);
  b->line = NULL;
  return 1;
}

/* add_history(line): kept for the arrow keys unless blank or the same as
 * the previous entry. */
static int le_add_history(lua_State *L) {
  const char *line = luaL_checkstring(L, 1);
  HIST_ENTRY *last;
  if (line[strspn(line, " \t")] == '\0')
    return 0;
  last = history_length > 0 ? history_get(history_base + history_length - 1)
                            : NULL;
  if (last && last->line && strcmp(last->line, line) == 0)
    return 0;
  add_history(line);
  return 0;
}

/* history() -> the list of lines kept, oldest first */
static int le_history(lua_State *L) {
  int i, n = 0;
  HIST_ENTRY *h;
  lua_createtable(L, history_length, 0);
  for (i = 0; i < history_length; i++) {
    h = history_get(history_base + i);
    if (h && h->line) {
      lua_pushstring(L, h->line);
      lua_rawseti(L, -2, ++n);
    }
  }
  return 1;
}

int luaforce_open_lineedit(lua_State *L) {
  static const luaL_Reg funcs[] = {{"readline", le_readline},
                                   {"add_history", le_add_history},
                                   {"history", le_history},
                                   {NULL, NULL}};
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  rl_readline_name = "luaforce"; /* for ~/.editrc */
  using_history();
  luaL_newlib(L, funcs);
  return 1;
}
