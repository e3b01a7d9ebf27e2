/*
 * luaforce.c - the host executable, modelled on Lua's lua.c: a state with
 * the standard libraries, the scripts folder on package.path and the
 * folder of salesforce.so first on package.cpath (the module, with libcurl
 * and OpenSSL, loads only when a script requires it), and everything else
 * (commands, `run`, -e, the prompt) handed to scripts/luaforce/cli.lua
 * under lua_pcall with a traceback.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#ifdef LUAFORCE_MIMALLOC
#include <mimalloc.h>
#endif

#include "luaforce_lineedit.h"

#define PROGNAME "luaforce"

static lua_State *global_L; /* for the SIGINT handler only */

/* ---- interruption (as lua.c: a hook set from the signal handler) ------ */

/* The error of a Ctrl-C: reported as it is, without a traceback (the
 * user asked for it; it is no fault in the code that was running). */
static const char INTERRUPTED[] = "interrupted";

/* The exit status of a process ended by Ctrl-C: 128 + SIGINT. */
#define EXIT_INTERRUPTED (128 + SIGINT)

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  lua_pushstring(L, INTERRUPTED);
  lua_error(L);
}

static void on_sigint(int sig) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  signal(sig, SIG_DFL); /* a second Ctrl-C kills the process */
  lua_sethook(global_L, stop_hook, flag, 1);
}

/* ---- error reporting --------------------------------------------------- */

/* Message handler: adds a traceback to the error (any value). */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg && strcmp(msg, INTERRUPTED) == 0)
    return 1;
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1; /* objects with __tostring report themselves */
    msg =
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Prints the error on the stack top and pops it; returns the exit status:
 * 130 (128 + SIGINT, as shells expect) for a Ctrl-C, else EXIT_FAILURE. */
static int report(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  int interrupted;
  if (!msg)
    msg = "(error object is not a string)";
  interrupted = strcmp(msg, INTERRUPTED) == 0;
  /* on a terminal, after the "^C" it echoed, on a line of its own */
  if (interrupted && isatty(STDERR_FILENO))
    fputc('\n', stderr);
  fprintf(stderr, "%s: %s\n", PROGNAME, msg);
  fflush(stderr);
  lua_pop(L, 1);
  return interrupted ? EXIT_INTERRUPTED : EXIT_FAILURE;
}

/* ---- locating the scripts --------------------------------------------- */

static int is_dir_with_cli(const char *dir) {
  char path[PATH_MAX];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/luaforce/cli.lua", dir) >=
      (int)sizeof path)
    return 0;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The scripts folder: $LUAFORCE_SCRIPTS when set; else the installed
 * layout next to the executable (<prefix>/share/luaforce/scripts); else
 * the source tree the build tree was configured from.
 */
static int find_scripts(char *out, size_t size) {
  const char *env = getenv("LUAFORCE_SCRIPTS");
  char exe[PATH_MAX];
  ssize_t n;
  char *slash;
  if (env && *env) {
    snprintf(out, size, "%s", env);
    return is_dir_with_cli(out);
  }
  n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      slash = strrchr(exe, '/');
      if (slash) {
        *slash = '\0';
        if (snprintf(out, size, "%s/%s", exe, LUAFORCE_SHARE_REL) < (int)size &&
            is_dir_with_cli(out))
          return 1;
      }
    }
  }
  snprintf(out, size, "%s", LUAFORCE_SOURCE_SCRIPTS);
  return is_dir_with_cli(out);
}

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The folder of salesforce.so: next to the executable in the build tree,
 * <prefix>/<libdir>/lua/5.4 when installed; "" when neither has it (then
 * the usual package.cpath applies).
 */
static void find_module_dir(char *out, size_t size) {
  char exe[PATH_MAX], path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char *slash;
  out[0] = '\0';
  if (n <= 0)
    return;
  exe[n] = '\0';
  slash = strrchr(exe, '/');
  if (!slash)
    return;
  *slash = '\0';
  if (snprintf(path, sizeof path, "%s/salesforce.so", exe) < (int)sizeof path &&
      is_file(path)) {
    if (snprintf(out, size, "%s", exe) >= (int)size)
      out[0] = '\0';
    return;
  }
  slash = strrchr(exe, '/');
  if (!slash)
    return;
  *slash = '\0';
  if (snprintf(path, sizeof path, "%s/%s/salesforce.so", exe,
               LUAFORCE_MODULE_REL) < (int)sizeof path &&
      is_file(path) &&
      snprintf(out, size, "%s/%s", exe, LUAFORCE_MODULE_REL) >= (int)size)
    out[0] = '\0';
}

/* Prepends the scripts folder to package.path and the module folder to
 * package.cpath. */
static void set_path(lua_State *L, const char *scripts, const char *modules) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  /* no "?/init.lua": scripts/salesforce/init.lua is the module's Lua half,
   * compiled into salesforce.so, not a module of its own */
  lua_pushfstring(L, "%s/?.lua;%s", scripts, lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 1);
  if (modules[0]) {
    lua_getfield(L, -1, "cpath");
    lua_pushfstring(L, "%s/?.so;%s", modules, lua_tostring(L, -1));
    lua_setfield(L, -3, "cpath");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* package.loaded["luaforce.host"]: what the Lua side knows of the host. */
static void set_host_info(lua_State *L, const char *scripts) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_createtable(L, 0, 5);
  lua_pushliteral(L, PROGNAME);
  lua_setfield(L, -2, "progname");
  lua_pushliteral(L, LUAFORCE_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushstring(L, scripts);
  lua_setfield(L, -2, "scripts");
  lua_pushboolean(L, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
  lua_setfield(L, -2, "interactive");
  /* the process's malloc (mimalloc, linked to replace it, or libc's) */
#ifdef LUAFORCE_MIMALLOC
  lua_pushfstring(L, "mimalloc %d.%d.%d", mi_version() / 100,
                  mi_version() / 10 % 10, mi_version() % 10);
#else
  lua_pushliteral(L, "libc malloc");
#endif
  lua_setfield(L, -2, "malloc");
  lua_setfield(L, -2, "luaforce.host");
  lua_pop(L, 1);
  /* line editing on the terminal (libedit), loaded when required */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaforce_open_lineedit);
  lua_setfield(L, -2, "luaforce.lineedit");
  lua_pop(L, 1);
}

/* ---- main ------------------------------------------------------------- */

/* Runs in protected mode with argc and argv as arguments; returns the
 * exit status as an integer. */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  char scripts[PATH_MAX], modules[PATH_MAX];
  int i, status, handler;

  luaL_checkversion(L);
  luaL_openlibs(L);

  if (!find_scripts(scripts, sizeof scripts))
    return luaL_error(L, "cannot find the luaforce scripts (looked for %s)",
                      scripts);
  find_module_dir(modules, sizeof modules);
  set_path(L, scripts, modules);
  set_host_info(L, scripts);

  lua_pushcfunction(L, msghandler);
  handler = lua_gettop(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "luaforce.cli");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_remove(L, -2);
  lua_createtable(L, argc, 1);
  for (i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_pushstring(L, argv[0] ? argv[0] : PROGNAME);
  lua_rawseti(L, -2, 0);
  global_L = L;
  signal(SIGINT, on_sigint);
  status = lua_pcall(L, 1, 1, handler);
  signal(SIGINT, SIG_DFL);
  if (status != LUA_OK)
    return lua_error(L); /* the traceback is already attached */
  lua_pushinteger(L, lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  int status, code = EXIT_FAILURE;
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", PROGNAME);
    return EXIT_FAILURE;
  }
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  if (status == LUA_OK) {
    lua_Integer n = lua_tointeger(L, -1);
    code = n < 0 || n > 255 ? EXIT_FAILURE : (int)n;
  } else {
    code = report(L);
  }
  fflush(stdout);
  lua_close(L);
  return code;
}
