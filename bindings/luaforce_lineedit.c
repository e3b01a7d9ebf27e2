/*
 * luaforce_lineedit.c - line editing for the host's terminal prompts
 * (`luaforce dialog run`, the interactive prompt): libedit's
 * readline-compatible API (arrow keys, history, Ctrl-D ends) as the Lua
 * module luaforce.lineedit, registered in package.preload by the host.
 * Callers use it only when standard input and output are a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

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

/* Ctrl-C at the prompt: set by the handler that stands in for the host's
 * while a line is read, so that the read ends instead of Lua being
 * interrupted later. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

/* libedit's input: a read that a Ctrl-C ends (EOF to libedit). */
static int getc_interruptible(FILE *f) {
  unsigned char c;
  for (;;) {
    ssize_t n = read(fileno(f), &c, 1);
    if (n == 1)
      return c;
    if (n < 0 && errno == EINTR && !interrupted)
      continue;
    return EOF;
  }
}

/* Runs SIGINT into `interrupted` (no SA_RESTART: the read ends); `old`
 * receives the disposition to restore. */
static void catch_interrupt(struct sigaction *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  interrupted = 0;
  sigaction(SIGINT, &sa, old);
}

/* readline([prompt]) -> line without its newline | nil at end of input |
 * nil, "interrupted" on Ctrl-C (the line is dropped) */
static int le_readline(lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "");
  line_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  struct sigaction old;
  b->line = NULL;
  luaL_setmetatable(L, BOX_MT);
  fflush(stdout); /* what Lua wrote before the prompt comes first */
  catch_interrupt(&old);
  b->line = readline(prompt);
  sigaction(SIGINT, &old, NULL);
  if (interrupted) {
    free(b->line);
    b->line = NULL;
    lua_pushnil(L);
    lua_pushliteral(L, "interrupted");
    return 2;
  }
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

/* read_secret([prompt]) -> line | nil at end of input | nil, "interrupted":
 * a line read with the terminal's echo off (a password, a token), never
 * put in the history. */
static int le_read_secret(lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "");
  struct termios tio, saved;
  struct sigaction old;
  int fd = fileno(stdin), echo_off;
  char buf[1024];
  size_t n = 0;
  int c;
  fputs(prompt, stdout);
  fflush(stdout);
  echo_off = tcgetattr(fd, &saved) == 0;
  if (echo_off) {
    tio = saved;
    tio.c_lflag &= ~(tcflag_t)ECHO;
    tio.c_lflag |= ICANON | ISIG;
    tcsetattr(fd, TCSAFLUSH, &tio);
  }
  catch_interrupt(&old);
  while ((c = getc_interruptible(stdin)) != EOF && c != '\n')
    if (n < sizeof buf - 1)
      buf[n++] = (char)c;
  sigaction(SIGINT, &old, NULL);
  if (echo_off)
    tcsetattr(fd, TCSAFLUSH, &saved);
  fputs("\n", stdout); /* the Enter that was not echoed */
  fflush(stdout);
  if (interrupted || (c == EOF && n == 0)) {
    memset(buf, 0, sizeof buf);
    lua_pushnil(L);
    if (!interrupted)
      return 1;
    lua_pushliteral(L, "interrupted");
    return 2;
  }
  lua_pushlstring(L, buf, n);
  memset(buf, 0, sizeof buf);
  return 1;
}

/* Makes the directories of `path` (0700), as mkdir -p its dirname. */
static int make_parents(const char *path) {
  char dir[PATH_MAX];
  char *p;
  if (strlen(path) >= sizeof dir)
    return -1;
  strcpy(dir, path);
  for (p = dir + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return 0;
}

/* load_history(path, max) -> true | nil, err: the history kept to `max`
 * lines, and the lines of `path` (a file write_history wrote) added; a
 * missing file is an empty history. */
static int le_load_history(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer max = luaL_checkinteger(L, 2);
  luaL_argcheck(L, max > 0 && max <= 100000, 2, "1 to 100000 lines");
  stifle_history((int)max);
  if (access(path, F_OK) != 0 && errno == ENOENT) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (read_history(path) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "cannot read the history %s", path);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* save_history(path) -> true | nil, err: the history to `path`, created
 * 0600 (its directories 0700) and kept so. */
static int le_save_history(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int fd;
  if (make_parents(path) != 0)
    goto fail;
  fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    goto fail;
  if (fchmod(fd, 0600) != 0) {
    close(fd);
    goto fail;
  }
  close(fd);
  if (write_history(path) != 0)
    goto fail;
  lua_pushboolean(L, 1);
  return 1;
fail:
  luaL_pushfail(L);
  lua_pushfstring(L, "cannot write the history %s: %s", path, strerror(errno));
  return 2;
}

int luaforce_open_lineedit(lua_State *L) {
  static const luaL_Reg funcs[] = {{"readline", le_readline},
                                   {"read_secret", le_read_secret},
                                   {"add_history", le_add_history},
                                   {"history", le_history},
                                   {"load_history", le_load_history},
                                   {"save_history", le_save_history},
                                   {NULL, NULL}};
  if (luaL_newmetatable(L, BOX_MT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  rl_readline_name = "luaforce"; /* for ~/.editrc */
  /* Ctrl-C is ours (catch_interrupt), read through a read it can end; set
   * before using_history, which initialises libedit with them */
  rl_catch_signals = 0;
  rl_getc_function = getc_interruptible;
  using_history();
  luaL_newlib(L, funcs);
  return 1;
}
