/*
 * lsf_util.c - what the binding's files share (nil, err results, GC-owned
 * buffers, class registration) and small host services the Lua side
 * cannot do alone: a one-shot loopback listener for the OAuth redirect of
 * the web-server flow, a sleep for polling loops (device flow), and the
 * constructor of structured errors raised in Lua, the body decoder for
 * text already in Lua, base64 (picklist validFor bitmaps), and URL parsing
 * with libcurl's URL API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <lauxlib.h>
#include <lua.h>

#include "lsf_internal.h"

#define REQ_MAX 16384

/* Pushes nil, err and returns 2 when rc is a failure (err->code defaults
 * to rc); returns 0 on success, so callers write
 * `if ((n = lsf_failed(L, rc, &err))) return n;`. */
int lsf_failed(lua_State *L, sf_code rc, sf_error *err) {
  if (rc == SF_OK)
    return 0;
  if (!err->code)
    err->code = rc;
  return lsf_fail(L, err);
}

/* Pushes true, or nil, err. */
int lsf_ok_or_fail(lua_State *L, sf_code rc, sf_error *err) {
  int n = lsf_failed(L, rc, err);
  if (n)
    return n;
  lua_pushboolean(L, 1);
  return 1;
}

int lsf_fail_code(lua_State *L, sf_code code, const char *msg) {
  sf_error e;
  sf_error_clear(&e);
  e.code = code;
  snprintf(e.message, sizeof e.message, "%s", msg ? msg : sf_strerror(code));
  return lsf_fail(L, &e);
}

static int lsf_buf_gc(lua_State *L) {
  lsf_buf *b = lua_touserdata(L, 1);
  if (b->p && b->from_curl) {
    curl_free(b->p);
  } else if (b->p) {
    memset(b->p, 0, strlen(b->p));
    free(b->p);
  }
  b->p = NULL;
  return 0;
}

lsf_buf *lsf_new_buf(lua_State *L) {
  lsf_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->p = NULL;
  b->from_curl = 0;
  if (luaL_newmetatable(L, "salesforce.Buf")) {
    lua_pushcfunction(L, lsf_buf_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* core.monotonic_ms() -> milliseconds of a clock that never goes back
 * (for deadlines; its origin is unspecified) */
static int lsf_monotonic_ms(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)now_ms());
  return 1;
}

static int fail_errno(lua_State *L, const char *what) {
  luaL_pushfail(L);
  lua_pushfstring(L, "%s: %s", what, strerror(errno));
  return 2;
}

static void reply(int fd, const char *status, const char *html) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n"
                   "Cache-Control: no-store\r\n\r\n",
                   status, strlen(html));
  if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n)
    send(fd, html, strlen(html), MSG_NOSIGNAL);
}

/* A listening socket on the loopback address of `family` (AF_INET:
 * 127.0.0.1, AF_INET6: ::1 only), or -1 with errno set. */
static int open_listener(int family, int port) {
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  struct sockaddr *a;
  socklen_t alen;
  int fd = socket(family, SOCK_STREAM, 0), one = 1, e;
  if (fd < 0)
    return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((unsigned short)port);
    a6.sin6_addr = in6addr_loopback;
    a = (struct sockaddr *)&a6;
    alen = sizeof a6;
  } else {
    memset(&a4, 0, sizeof a4);
    a4.sin_family = AF_INET;
    a4.sin_port = htons((unsigned short)port);
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a = (struct sockaddr *)&a4;
    alen = sizeof a4;
  }
  if (bind(fd, a, alen) || listen(fd, 8)) {
    e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* Reads one request head from `fd`; returns its target when it is a GET of
 * `path` with a query (pushed on the Lua stack), answering it with `html`,
 * or, when the value at `respond` is a function, with what it returns for
 * the target (called protected while the browser waits; pushed after the
 * target, an error included); otherwise answers 404 and returns 0. */
static int serve_one(lua_State *L, int fd, const char *path, const char *html,
                     int respond) {
  char buf[REQ_MAX + 1], *sp1, *sp2;
  size_t len = 0, plen = strlen(path);
  /* read the request head (a browser sends it in one go) */
  while (len < REQ_MAX) {
    struct pollfd q = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&q, 1, 5000) <= 0)
      break;
    r = recv(fd, buf + len, REQ_MAX - len, 0);
    if (r <= 0)
      break;
    len += (size_t)r;
    buf[len] = '\0';
    if (strstr(buf, "\r\n\r\n"))
      break;
  }
  buf[len] = '\0';
  sp1 = strchr(buf, ' ');
  sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
  if (sp1 && sp2 && strncmp(buf, "GET ", 4) == 0 &&
      strncmp(sp1 + 1, path, plen) == 0 && sp1[1 + plen] == '?') {
    lua_pushlstring(L, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    if (!respond) {
      reply(fd, "200 OK", html);
      return 1;
    }
    lua_pushvalue(L, respond);
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
      reply(fd, "500 Internal Server Error",
            "<html><body><p>luaforce: the redirect could not be handled; "
            "see the terminal.</p></body></html>");
      return 2; /* the target and the error */
    }
    reply(fd, "200 OK", lua_isstring(L, -1) ? lua_tostring(L, -1) : html);
    lua_pop(L, 1);
    return 1;
  }
  reply(fd, "404 Not Found", "<html><body>not found</body></html>");
  return 0;
}

/*
 * listen_once(port, path, timeout_ms [, html | respond [, wake_fd]])
 *   -> target | false | nil, message
 * Listens on 127.0.0.1:port and, where the machine has IPv6, [::1]:port
 * (a browser may resolve "localhost" to either), and answers requests
 * until one for `path` carries a query (the OAuth redirect: code and
 * state, or an error); that one gets `html`, or the page that
 * respond(target) returns (it runs while the browser waits, so the page
 * can tell how the authorization ended; an error it raises is raised
 * again once the sockets are closed), and its request target is
 * returned. Other requests get 404. port 0 is not allowed: the redirect
 * URI names a fixed port. With `wake_fd` (a file descriptor, such as 0
 * for standard input), false is returned as soon as it is readable (or
 * closed) before a redirect came: nothing of it is read.
 */
static int lsf_listen_once(lua_State *L) {
  lua_Integer port = luaL_checkinteger(L, 1);
  const char *path = luaL_checkstring(L, 2);
  lua_Integer timeout = luaL_checkinteger(L, 3);
  int respond = lua_isfunction(L, 4) ? 4 : 0;
  const char *html =
      respond ? "<html><body><p>luaforce: done.</p></body></html>"
              : luaL_optstring(L, 4,
                               "<html><body><p>luaforce: authorization "
                               "received; you may close this window.</p>"
                               "</body></html>");
  lua_Integer wake = luaL_optinteger(L, 5, -1);
  long long deadline = now_ms() + timeout;
  struct pollfd p[3];
  int n = 0, i, got = 0, woken = 0;
  luaL_argcheck(L, port > 0 && port < 65536, 1, "port out of range");
  luaL_argcheck(L, wake >= -1 && wake < 65536, 5, "not a file descriptor");
  p[0].fd = open_listener(AF_INET, (int)port);
  if (p[0].fd < 0)
    return fail_errno(L, "cannot listen for the redirect on 127.0.0.1");
  n = 1;
  p[1].fd = open_listener(AF_INET6, (int)port); /* optional */
  if (p[1].fd >= 0)
    n = 2;
  for (i = 0; i < n; i++)
    p[i].events = POLLIN;
  p[n].fd = (int)wake; /* last, never closed here; -1 is ignored by poll */
  p[n].events = POLLIN;
  while (!got && !woken) {
    long long left = deadline - now_ms();
    if (left <= 0)
      break;
    p[n].revents = 0;
    if (poll(p, (nfds_t)n + 1, (int)(left > 1000 ? 1000 : left)) <= 0)
      continue;
    woken = p[n].fd >= 0 &&
            (p[n].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL));
    for (i = 0; i < n && !got && !woken; i++) {
      int fd;
      if (!(p[i].revents & POLLIN))
        continue;
      fd = accept(p[i].fd, NULL, NULL);
      if (fd < 0)
        continue;
      got = serve_one(L, fd, path, html, respond);
      close(fd);
    }
  }
  for (i = 0; i < n; i++)
    close(p[i].fd);
  if (got == 2)
    return lua_error(L);
  if (got)
    return 1;
  if (woken) {
    lua_pushboolean(L, 0);
    return 1;
  }
  luaL_pushfail(L);
  lua_pushliteral(L, "timed out waiting for the authorization redirect");
  return 2;
}

/* sleep(ms): blocks the thread (for polling loops outside coroutines). */
static int lsf_sleep(lua_State *L) {
  lua_Integer ms = luaL_checkinteger(L, 1);
  struct timespec ts;
  if (ms <= 0)
    return 0;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
  return 0;
}

/* new_error{kind=, message=, ...} -> the table, as a salesforce.Error */
static int lsf_new_error(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "message");
  if (!lua_isstring(L, 2) || !lua_isstring(L, 3))
    return luaL_error(L, "an error needs a kind and a message");
  lua_pop(L, 2);
  luaL_setmetatable(L, LSF_ERROR_MT);
  return 1;
}

/* ---- argument and option helpers (option strings stay anchored in the
 * table at `idx`) ------------------------------------------------------- */

const char *lsf_check_cstring(lua_State *L, int arg) {
  size_t n;
  const char *s = luaL_checklstring(L, arg, &n);
  if (strlen(s) != n)
    luaL_argerror(L, arg, "string contains a NUL byte");
  return s;
}

const char *lsf_opt_cstring(lua_State *L, int arg) {
  return lua_isnoneornil(L, arg) ? NULL : lsf_check_cstring(L, arg);
}

const char *lsf_opt_string(lua_State *L, int idx, const char *key) {
  const char *s;
  size_t n;
  lua_getfield(L, idx, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "option '%s' must be a string", key);
  s = lua_tolstring(L, -1, &n);
  if (strlen(s) != n)
    luaL_error(L, "option '%s' contains a NUL byte", key);
  lua_pop(L, 1); /* still referenced by the table */
  return s;
}

lua_Integer lsf_opt_int(lua_State *L, int idx, const char *key,
                        lua_Integer dflt) {
  lua_Integer v;
  int isnum;
  lua_getfield(L, idx, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  v = lua_tointegerx(L, -1, &isnum);
  if (!isnum)
    luaL_error(L, "option '%s' must be an integer", key);
  lua_pop(L, 1);
  return v;
}

/* url_escape(s): percent-encodes all but the RFC 3986 unreserved
 * characters (libcurl's curl_easy_escape). */
static int lsf_url_escape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lsf_buf *c = lsf_new_buf(L);
  luaL_argcheck(L, n < (size_t)1 << 30, 1, "string too long");
  c->from_curl = 1;
  c->p = curl_easy_escape(NULL, s, (int)n);
  if (!c->p)
    return luaL_error(L, "out of memory");
  lua_pushstring(L, c->p);
  return 1;
}

/* url_unescape(s [, plus]): decodes %XX; with `plus` true, '+' is a space
 * first (form and query strings). */
static int lsf_url_unescape(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int plus = lua_toboolean(L, 2);
  lsf_buf *c;
  int len = 0;
  luaL_argcheck(L, n < (size_t)1 << 30, 1, "string too long");
  if (plus) {
    luaL_gsub(L, s, "+", " ");
    s = lua_tolstring(L, -1, &n);
  }
  c = lsf_new_buf(L);
  c->from_curl = 1;
  c->p = curl_easy_unescape(NULL, s, (int)n, &len);
  if (!c->p)
    return luaL_error(L, "out of memory");
  lua_pushlstring(L, c->p, (size_t)len);
  return 1;
}

/* ---- url_parse: libcurl's URL API (the one URL parser of the project) -- */

#define URL_MT "salesforce.URL"

enum {
  P_SCHEME,
  P_HOST,
  P_PORT,
  P_PATH,
  P_QUERY,
  P_FRAGMENT,
  P_USER,
  P_PASSWORD,
  P_OPTIONS,
  P_COUNT
};

/* The parsed URL and its parts, owned by a userdata so that nothing leaks
 * when a push raises (out of memory); freed by url_box_gc. */
typedef struct url_box {
  CURLU *u;
  char *part[P_COUNT];
} url_box;

static int url_box_gc(lua_State *L) {
  url_box *b = luaL_checkudata(L, 1, URL_MT);
  int i;
  for (i = 0; i < P_COUNT; i++) {
    curl_free(b->part[i]);
    b->part[i] = NULL;
  }
  curl_url_cleanup(b->u);
  b->u = NULL;
  return 0;
}

static void lower_ascii(char *s) {
  for (; s && *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

static void set_part(lua_State *L, const char *key, const char *v) {
  if (v) {
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
  }
}

/* "<what>: <libcurl's reason>" as nil, err (kind invalid_arg). */
static int url_fail(lua_State *L, const char *what, CURLUcode rc) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, curl_url_strerror(rc));
  return lsf_fail_code(L, SF_E_INVALID_ARG, msg);
}

/*
 * url_parse(url [, base]) -> { scheme, host, port, path, query, fragment,
 * userinfo } | nil, err
 * Parses an absolute URL with libcurl (curl_url), or, with `base`, a
 * reference resolved against that absolute URL (a request target such as
 * "/callback?code=..."). scheme and host are lower-cased (an IPv6 host
 * keeps its brackets, "[::1]"); port is a number only when the URL names
 * one; path is at least "/"; query and fragment are nil when absent and
 * are not decoded; userinfo is true when the URL carries a user, a
 * password or login options. A URL libcurl refuses (no host, a port out
 * of range, a space or control character, a NUL byte, a scheme it does
 * not know) is nil, err whose message gives libcurl's reason.
 */
static int lsf_url_parse(lua_State *L) {
  static const CURLUPart parts[P_COUNT] = {
      CURLUPART_SCHEME, CURLUPART_HOST,     CURLUPART_PORT,
      CURLUPART_PATH,   CURLUPART_QUERY,    CURLUPART_FRAGMENT,
      CURLUPART_USER,   CURLUPART_PASSWORD, CURLUPART_OPTIONS};
  size_t n;
  const char *url = luaL_checklstring(L, 1, &n);
  const char *base = luaL_optstring(L, 2, NULL);
  url_box *b;
  CURLUcode rc;
  size_t sl;
  int i;
  lua_settop(L, 2);
  if (strlen(url) != n)
    return lsf_fail_code(L, SF_E_INVALID_ARG,
                         "not a valid URL: it contains a NUL byte");
  b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, URL_MT)) {
    lua_pushcfunction(L, url_box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  b->u = curl_url();
  if (!b->u)
    return luaL_error(L, "out of memory");
  if (base && (rc = curl_url_set(b->u, CURLUPART_URL, base, 0)) != CURLUE_OK)
    return url_fail(L, "not a valid base URL", rc);
  if ((rc = curl_url_set(b->u, CURLUPART_URL, url, 0)) != CURLUE_OK)
    return url_fail(L, "not a valid URL", rc);
  for (i = 0; i < P_COUNT; i++) {
    rc = curl_url_get(b->u, parts[i], &b->part[i], 0);
    /* CURLUE_NO_<part>: absent; anything else is a failure of libcurl */
    if (rc != CURLUE_OK && rc != CURLUE_NO_SCHEME && rc != CURLUE_NO_HOST &&
        rc != CURLUE_NO_PORT && rc != CURLUE_NO_QUERY &&
        rc != CURLUE_NO_FRAGMENT && rc != CURLUE_NO_USER &&
        rc != CURLUE_NO_PASSWORD && rc != CURLUE_NO_OPTIONS)
      return url_fail(L, "cannot read the URL", rc);
  }
  if (!b->part[P_SCHEME] || !b->part[P_HOST] || !*b->part[P_HOST])
    return lsf_fail_code(L, SF_E_INVALID_ARG, "not a valid URL: no host");
  lower_ascii(b->part[P_SCHEME]);
  lower_ascii(b->part[P_HOST]);
  /* libcurl (as browsers) reads "https:/host" and "https:///host" as
   * https://host/; a URL with a scheme must name its host after exactly
   * two slashes, so that every reader finds the same host */
  sl = strlen(b->part[P_SCHEME]);
  if (strncasecmp(url, b->part[P_SCHEME], sl) == 0 && url[sl] == ':' &&
      (url[sl + 1] != '/' || url[sl + 2] != '/' || url[sl + 3] == '/'))
    return lsf_fail_code(L, SF_E_INVALID_ARG,
                         "not a valid URL: no host after the scheme's "
                         "\"//\"");
  lua_createtable(L, 0, 7);
  set_part(L, "scheme", b->part[P_SCHEME]);
  set_part(L, "host", b->part[P_HOST]);
  if (b->part[P_PORT]) {
    lua_pushinteger(L, (lua_Integer)strtol(b->part[P_PORT], NULL, 10));
    lua_setfield(L, -2, "port");
  }
  set_part(L, "path", b->part[P_PATH] ? b->part[P_PATH] : "/");
  set_part(L, "query", b->part[P_QUERY]);
  set_part(L, "fragment", b->part[P_FRAGMENT]);
  lua_pushboolean(L,
                  b->part[P_USER] || b->part[P_PASSWORD] || b->part[P_OPTIONS]);
  lua_setfield(L, -2, "userinfo");
  lua_pushcfunction(L, url_box_gc); /* free now rather than at the next GC */
  lua_pushvalue(L, 3);
  lua_call(L, 1, 0);
  return 1;
}

/* json_decode(text) -> value | nil, reason: the decoder of response
 * bodies (lsf_json.cc), for bodies read another way */
static int lsf_json_decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len), *why = NULL;
  if (lsf_json_push(L, text, len, 0, &why))
    return 1;
  luaL_pushfail(L);
  lua_pushstring(L, why);
  return 2;
}

/* is_record_id(v) -> boolean: a string of 15 or 18 ASCII letters and
 * digits (a Salesforce id; the client's check before an id goes in a
 * URL path). */
static int lsf_is_record_id(lua_State *L) {
  size_t n = 0, i;
  const char *s =
      lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &n) : NULL;
  int ok = s && (n == 15 || n == 18);
  for (i = 0; ok && i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z');
  }
  lua_pushboolean(L, ok);
  return 1;
}

/* core.base64_decode(text): the bytes of standard base64 `text` (padding
 * required, as Salesforce's picklist validFor), or nil for text that is not
 * base64. At most 64 KB of text. */
static int lsf_base64_decode(lua_State *L) {
  size_t n = 0, pad = 0, i;
  const char *s = luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  unsigned char *out;
  int got;
  luaL_argcheck(L, n <= 65536, 1, "base64 text over 64 KB");
  if (n >= 1 && s[n - 1] == '=')
    pad++;
  if (n >= 2 && s[n - 2] == '=' && pad)
    pad++;
  /* EVP_DecodeBlock skips blanks and takes '=' anywhere: refuse those */
  for (i = 0; i < n - pad; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '+' || c == '/'))
      break;
  }
  if (n % 4 != 0 || i < n - pad) {
    lua_pushnil(L);
    return 1;
  }
  out = (unsigned char *)luaL_buffinitsize(L, &b, n / 4 * 3 + 1);
  got = n ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : 0;
  if (got < 0 || (size_t)got < pad) {
    lua_pushnil(L);
    return 1;
  }
  luaL_pushresultsize(&b, (size_t)got - pad);
  return 1;
}

/* Plain data nests no deeper than this (a dialog state: a few levels). */
#define PLAIN_DEPTH_MAX 100

/* Pushes a deep copy of the table at `idx` (absolute), each table made at
 * its size at once; values other than tables are copied as they are. */
static void copy_plain(lua_State *L, int idx, int depth) {
  lua_Integer narr = (lua_Integer)lua_rawlen(L, idx), n = 0;
  if (depth > PLAIN_DEPTH_MAX)
    luaL_error(L, "plain data nested deeper than %d levels (a cycle?)",
               PLAIN_DEPTH_MAX);
  luaL_checkstack(L, 4, "plain data");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    n++;
    lua_pop(L, 1);
  }
  lua_createtable(L, (int)narr, (int)(n > narr ? n - narr : 0));
  lua_pushnil(L);
  while (lua_next(L, idx)) { /* copy, key, value */
    if (lua_type(L, -1) == LUA_TTABLE) {
      copy_plain(L, lua_gettop(L), depth + 1);
      lua_remove(L, -2);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
}

/* plain_copy(v) -> a deep copy of plain data `v` (tables of strings,
 * numbers, booleans and tables; another value is kept as it is, a
 * metatable is not copied). Raises past 100 levels (a cycle). */
static int lsf_plain_copy(lua_State *L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  if (lua_type(L, 1) == LUA_TTABLE)
    copy_plain(L, 1, 1);
  return 1;
}

static const luaL_Reg util_funcs[] = {{"url_escape", lsf_url_escape},
                                      {"plain_copy", lsf_plain_copy},
                                      {"is_record_id", lsf_is_record_id},
                                      {"url_unescape", lsf_url_unescape},
                                      {"url_parse", lsf_url_parse},
                                      {"listen_once", lsf_listen_once},
                                      {"sleep", lsf_sleep},
                                      {"monotonic_ms", lsf_monotonic_ms},
                                      {"new_error", lsf_new_error},
                                      {"json_decode", lsf_json_decode},
                                      {"base64_decode", lsf_base64_decode},
                                      {NULL, NULL}};

void lsf_open_util(lua_State *L) {
  luaL_setfuncs(L, util_funcs, 0);
}
