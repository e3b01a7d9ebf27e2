/*
 * http.c - the transport: one libcurl multi handle per runtime, a pool of
 * easy handles, the retry policy (one place: finish_attempt) and the
 * loop that drives transfers. Logs go through the runtime's callback with
 * secrets redacted.
 */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "internal.h"

#define POOL_MAX 64
#define ORIGINS 4 /* parsed origins kept for the URL fast path */
#define DEFAULT_MAX_RESPONSE ((size_t)64 * 1024 * 1024)

enum req_state { REQ_IDLE, REQ_RUNNING, REQ_WAITING, REQ_DONE };

struct sf_http {
  CURLM *multi;
  /* the DNS cache, in a share of the runtime's own: libcurl walks the
   * whole cache after every transfer, and a share's has 23 buckets where
   * a multi handle's has 71 */
  CURLSH *share;
  sf__logger log;
  char *ca_file;
  char *user_agent;
  char *accept_encoding; /* what libcurl can decode, as it would list it */
  /* the proxy environment, read once (libcurl would read it per request):
   * NULL for none */
  char *http_proxy, *https_proxy, *no_proxy;
  long connect_timeout_ms;
  long timeout_ms;
  size_t max_response_bytes;
  int max_retries;
  long retry_base_ms;
  long retry_max_delay_ms;
  long retry_budget_ms;
  sf_http_stats stats;
  CURL *pool[POOL_MAX];
  int npool;
  sf_http_request *requests;  /* every live request, doubly linked */
  int pending;                /* started and not completed */
  int in_step;                /* re-entrancy guard (callbacks) */
  sf_http_request *done_head; /* completed, callback not yet called */
  sf_http_request *done_tail;
  uint64_t rng; /* jitter only; not for secrets */
  struct {
    char *origin; /* "scheme://authority", as the URLs spell it */
    size_t len;
    CURLU *url; /* origin + "/", parsed by libcurl */
  } origins[ORIGINS];
  int next_origin;
};

struct sf_http_request {
  sf_http *http; /* NULL once the runtime was freed */
  sf_http_request *prev, *next;
  sf_http_request *done_next; /* runtime's completion queue */
  int queued;                 /* on that queue */
  CURL *easy;
  char method[8];
  char *url;
  size_t url_cap;    /* its allocation (sf_http_request_reuse) */
  CURLU *curlu;      /* the URL parsed by the fast path (see url_handle) */
  size_t origin_len; /* curlu: where the path starts in `url` */
  int curlu_stale;   /* curlu: its origin's, but another URL's path and query */
  struct curl_slist *headers;
  int defaults_in; /* User-Agent and Accept-Encoding settled in `headers` */
  int easy_ready;  /* the easy handle's pointers into this request are set */
  char *body;
  size_t body_len;
  int is_form;
  int idempotent;
  long timeout_ms;
  long deadline_ms; /* > 0: the limit of a whole run, retries included */
  enum req_state state;
  sf_http_done_fn done;
  void *userdata;
  /* the current run */
  int attempts;
  int prereq_calls;   /* per attempt: > 0 means the request went out */
  int resend_blocked; /* curl wanted to re-send a non-idempotent request */
  int too_large;
  long long started_ms;
  long long due_ms; /* REQ_WAITING: when the retry starts */
  long status;
  long retry_after_ms;
  sf_code result;
  char *resp;
  size_t resp_len, resp_cap;
  /* last: the text buffers, which a new request does not zero (~850
   * bytes: see sf_http_request_new) */
  sf_error err;
  char errbuf[CURL_ERROR_SIZE];
};

static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                      "PATCH", "DELETE", "OPTIONS", NULL};

/* ---- configuration ---------------------------------------------------- */

void sf_http_config_init(sf_http_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_timeout_ms = 10000;
  cfg->timeout_ms = 120000;
  cfg->max_response_bytes = DEFAULT_MAX_RESPONSE;
  cfg->max_retries = 3;
  cfg->retry_base_ms = 250;
  cfg->retry_max_delay_ms = 30000;
  cfg->retry_budget_ms = 60000;
  cfg->max_host_connections = 20;
  cfg->max_total_connections = 0;
  cfg->log_level = SF_LOG_INFO;
}

static int has_crlf(const char *s) {
  return strpbrk(s, "\r\n") != NULL;
}

/* The value of environment variable a, else b's; NULL when unset or
 * empty (as curl_getenv). Sets *failed when out of memory. */
static char *env_copy(const char *a, const char *b, int *failed) {
  const char *v = getenv(a);
  char *copy;
  if ((!v || !*v) && b)
    v = getenv(b);
  if (!v || !*v)
    return NULL;
  copy = sf__strdup(v);
  if (!copy)
    *failed = 1;
  return copy;
}

/*
 * libcurl's proxy variables, read when the runtime is made instead of by
 * libcurl at every request (five getenv calls per request): http_proxy
 * (lower case only, as libcurl: CGI sets HTTP_PROXY from a request
 * header), https_proxy or HTTPS_PROXY, else all_proxy or ALL_PROXY, and
 * no_proxy or NO_PROXY, which libcurl still applies.
 */
static sf_code read_proxy_env(sf_http *h) {
  int failed = 0;
  h->http_proxy = env_copy("http_proxy", NULL, &failed);
  h->https_proxy = env_copy("https_proxy", "HTTPS_PROXY", &failed);
  if (!h->http_proxy)
    h->http_proxy = env_copy("all_proxy", "ALL_PROXY", &failed);
  if (!h->https_proxy)
    h->https_proxy = env_copy("all_proxy", "ALL_PROXY", &failed);
  h->no_proxy = env_copy("no_proxy", "NO_PROXY", &failed);
  return failed ? SF_E_NOMEM : SF_OK;
}

/* The encodings this libcurl decodes, as CURLOPT_ACCEPT_ENCODING "" would
 * list them in Accept-Encoding; malloc'd, NULL when out of memory. */
static char *accept_encodings(void) {
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  char list[64] = "";
  if (v->features & CURL_VERSION_LIBZ)
    strcat(list, ", deflate, gzip");
  if (v->features & CURL_VERSION_BROTLI)
    strcat(list, ", br");
  if (v->features & CURL_VERSION_ZSTD)
    strcat(list, ", zstd");
  return sf__strdup(*list ? list + 2 : "identity");
}

sf_code sf_http_new(sf_http **out, const sf_http_config *cfg) {
  sf_http_config defaults;
  sf_http *h;
  if (!out)
    return SF_E_INVALID_ARG;
  *out = NULL;
  if (!cfg) {
    sf_http_config_init(&defaults);
    cfg = &defaults;
  }
  if (cfg->connect_timeout_ms <= 0 || cfg->timeout_ms <= 0 ||
      cfg->max_response_bytes == 0 || cfg->max_retries < 0 ||
      cfg->retry_base_ms < 0 || cfg->retry_max_delay_ms < 0 ||
      cfg->retry_budget_ms < 0 || cfg->max_host_connections < 0 ||
      cfg->max_total_connections < 0 ||
      (cfg->user_agent && has_crlf(cfg->user_agent)))
    return SF_E_INVALID_ARG;
  if (!sf__global_ready())
    return SF_E_INIT;
  h = calloc(1, sizeof *h);
  if (!h)
    return SF_E_NOMEM;
  h->multi = curl_multi_init();
  h->share = curl_share_init();
  if (!h->multi || !h->share ||
      curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) !=
          CURLSHE_OK) {
    sf_http_free(h);
    return SF_E_INIT;
  }
  if (read_proxy_env(h) != SF_OK) {
    sf_http_free(h);
    return SF_E_NOMEM;
  }
  h->ca_file = sf__strdup(cfg->ca_file);
  h->user_agent =
      sf__strdup(cfg->user_agent ? cfg->user_agent : "luaforce/" SF_VERSION);
  h->accept_encoding = accept_encodings();
  if ((cfg->ca_file && !h->ca_file) || !h->user_agent || !h->accept_encoding) {
    sf_http_free(h);
    return SF_E_NOMEM;
  }
  h->log.fn = cfg->log;
  h->log.userdata = cfg->log_userdata;
  h->log.level = cfg->log_level;
  h->connect_timeout_ms = cfg->connect_timeout_ms;
  h->timeout_ms = cfg->timeout_ms;
  h->max_response_bytes = cfg->max_response_bytes;
  h->max_retries = cfg->max_retries;
  h->retry_base_ms = cfg->retry_base_ms;
  h->retry_max_delay_ms = cfg->retry_max_delay_ms;
  h->retry_budget_ms = cfg->retry_budget_ms;
  if (RAND_bytes((unsigned char *)&h->rng, sizeof h->rng) != 1 || !h->rng)
    h->rng = (uint64_t)time(NULL) * 2654435761u + 1;
  curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    cfg->max_host_connections);
  curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    cfg->max_total_connections);
  /* keep enough idle connections for the concurrency allowed per host */
  curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS,
                    cfg->max_host_connections > 16 ? cfg->max_host_connections
                                                   : 16L);
  *out = h;
  return SF_OK;
}

static void detach_easy(sf_http_request *req);
static void unqueue(sf_http *h, sf_http_request *req);

void sf_http_free(sf_http *h) {
  int i;
  if (!h)
    return;
  while (h->requests) {
    sf_http_request *req = h->requests;
    detach_easy(req);
    if (req->state == REQ_RUNNING || req->state == REQ_WAITING) {
      req->state = REQ_DONE;
      req->result = SF_E_ABORTED;
      sf__error_set(&req->err, SF_E_ABORTED, "the runtime was closed");
    }
    h->requests = req->next;
    req->prev = req->next = NULL;
    req->http = NULL;
  }
  for (i = 0; i < h->npool; i++)
    curl_easy_cleanup(h->pool[i]);
  for (i = 0; i < ORIGINS; i++) {
    free(h->origins[i].origin);
    curl_url_cleanup(h->origins[i].url);
  }
  if (h->multi)
    curl_multi_cleanup(h->multi);
  if (h->share)
    curl_share_cleanup(h->share);
  free(h->ca_file);
  free(h->user_agent);
  free(h->accept_encoding);
  free(h->http_proxy);
  free(h->https_proxy);
  free(h->no_proxy);
  free(h);
}

void sf_http_get_stats(const sf_http *h, sf_http_stats *stats) {
  if (h && stats)
    *stats = h->stats;
}

int sf_http_pending(const sf_http *h) {
  return h ? h->pending : 0;
}

const sf__logger *sf__http_logger(const sf_http *h) {
  return h ? &h->log : NULL;
}

/* ---- requests --------------------------------------------------------- */

/* A method sf_http_request_new takes, and an http or https URL of at
 * most SF_HTTP_URL_MAX bytes? */
static int valid_target(const char *method, const char *url) {
  int i;
  if (!method || !url || strnlen(url, SF_HTTP_URL_MAX + 1) > SF_HTTP_URL_MAX)
    return 0;
  for (i = 0; methods[i]; i++)
    if (strcmp(methods[i], method) == 0)
      break;
  return methods[i] && (strncasecmp(url, "http://", 7) == 0 ||
                        strncasecmp(url, "https://", 8) == 0);
}

/* A request's state as made for `method`: every field up to the text
 * buffers zeroed (not those ~850 bytes: their first byte suffices), then
 * what is not zero. The caller sets what it keeps or owns afterwards. */
static void init_request(sf_http_request *req, const char *method) {
  memset(req, 0, offsetof(sf_http_request, err));
  sf_error_clear(&req->err);
  req->errbuf[0] = '\0';
  sf__strlcpy(req->method, method, sizeof req->method);
  req->idempotent = strcmp(method, "POST") != 0 && strcmp(method, "PATCH");
  req->state = REQ_IDLE;
  req->result = SF_OK;
  req->retry_after_ms = -1;
}

sf_code sf_http_request_new(sf_http_request **out, sf_http *h,
                            const char *method, const char *url) {
  sf_http_request *req;
  if (!out)
    return SF_E_INVALID_ARG;
  *out = NULL;
  if (!h || !valid_target(method, url))
    return SF_E_INVALID_ARG;
  req = malloc(sizeof *req);
  if (!req)
    return SF_E_NOMEM;
  init_request(req, method);
  req->url = sf__strdup(url);
  if (!req->url) {
    free(req);
    return SF_E_NOMEM;
  }
  req->url_cap = strlen(url) + 1;
  req->http = h;
  req->next = h->requests;
  if (h->requests)
    h->requests->prev = req;
  h->requests = req;
  *out = req;
  return SF_OK;
}

/* Returns the easy handle to the pool (or frees it). */
static void detach_easy(sf_http_request *req) {
  sf_http *h = req->http;
  if (!req->easy)
    return;
  if (req->state == REQ_RUNNING && h)
    curl_multi_remove_handle(h->multi, req->easy);
  if (h && h->npool < POOL_MAX) {
    /* pooled handles keep the runtime's options (see new_easy); only the
     * pointers into this request are cleared */
    curl_easy_setopt(req->easy, CURLOPT_PRIVATE, NULL);
    curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(req->easy, CURLOPT_PREREQDATA, NULL);
    curl_easy_setopt(req->easy, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(req->easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(req->easy, CURLOPT_URL, NULL);
    curl_easy_setopt(req->easy, CURLOPT_CURLU, NULL);
    h->pool[h->npool++] = req->easy;
  } else {
    curl_easy_cleanup(req->easy);
  }
  req->easy = NULL;
  req->easy_ready = 0;
}

void sf_http_request_free(sf_http_request *req) {
  sf_http *h;
  if (!req)
    return;
  h = req->http;
  if (h) {
    if (req->state == REQ_RUNNING || req->state == REQ_WAITING)
      h->pending--;
    unqueue(h, req);
    detach_easy(req);
    if (req->prev)
      req->prev->next = req->next;
    else
      h->requests = req->next;
    if (req->next)
      req->next->prev = req->prev;
  } else if (req->easy) {
    curl_easy_cleanup(req->easy);
  }
  curl_slist_free_all(req->headers);
  curl_url_cleanup(req->curlu);
  free(req->url);
  free(req->body);
  free(req->resp);
  free(req);
}

static int in_flight(const sf_http_request *req) {
  return req->state == REQ_RUNNING || req->state == REQ_WAITING;
}

sf_code sf_http_request_reuse(sf_http_request *req, const char *method,
                              const char *url, int keep_headers) {
  sf_http_request kept;
  size_t len;
  if (!req || !valid_target(method, url))
    return SF_E_INVALID_ARG;
  if (!req->http)
    return SF_E_ABORTED;
  if (in_flight(req))
    return SF_E_BUSY;
  len = strlen(url);
  if (len >= req->url_cap) {
    char *p = realloc(req->url, len + 1);
    if (!p)
      return SF_E_NOMEM;
    req->url = p;
    req->url_cap = len + 1;
  }
  /* the parsed URL stays for a URL of the same origin (url_handle sets
   * its path and query again) */
  if (req->curlu && (strncmp(req->url, url, req->origin_len) != 0 ||
                     url[req->origin_len] != '/')) {
    curl_url_cleanup(req->curlu);
    req->curlu = NULL;
  }
  memcpy(req->url, url, len + 1);
  unqueue(req->http, req);
  if (!keep_headers) {
    curl_slist_free_all(req->headers);
    req->headers = NULL;
  }
  free(req->body);
  /* what sf_http_request_new makes, but for what the request keeps: the
   * runtime and its list, the easy handle (and its pointers here), the
   * buffers, the parsed origin and (asked) the header list */
  memcpy(&kept, req, offsetof(sf_http_request, err)); /* (not the texts) */
  init_request(req, method);
  req->http = kept.http;
  req->prev = kept.prev;
  req->next = kept.next;
  req->easy = kept.easy;
  req->easy_ready = kept.easy_ready;
  req->url = kept.url;
  req->url_cap = kept.url_cap;
  req->curlu = kept.curlu;
  req->origin_len = kept.origin_len;
  req->curlu_stale = 1;
  req->headers = kept.headers;
  req->defaults_in = kept.headers ? kept.defaults_in : 0;
  req->resp = kept.resp;
  req->resp_cap = kept.resp_cap;
  if (req->resp)
    req->resp[0] = '\0';
  return SF_OK;
}

/* Appends "name: value" to the request's header list. */
static sf_code append_header(sf_http_request *req, const char *name,
                             const char *value) {
  size_t nl = strlen(name), vl = strlen(value);
  char small[256]; /* most lines: no allocation (curl_slist_append copies) */
  char *line = nl + vl + 3 <= sizeof small ? small : malloc(nl + vl + 3);
  struct curl_slist *l;
  if (!line)
    return SF_E_NOMEM;
  memcpy(line, name, nl);
  line[nl] = ':';
  line[nl + 1] = ' ';
  memcpy(line + nl + 2, value, vl + 1);
  l = curl_slist_append(req->headers, line);
  if (line != small)
    free(line);
  if (!l)
    return SF_E_NOMEM;
  req->headers = l;
  return SF_OK;
}

sf_code sf_http_request_add_header(sf_http_request *req, const char *name,
                                   const char *value) {
  if (!req || !name || !value || !*name || has_crlf(name) || has_crlf(value) ||
      strchr(name, ':'))
    return SF_E_INVALID_ARG;
  if (in_flight(req))
    return SF_E_BUSY;
  return append_header(req, name, value);
}

/* Drops any Content-Type header from the list (set_body replaces it). */
static sf_code drop_content_type(sf_http_request *req) {
  struct curl_slist *l, *kept = NULL, *tmp;
  for (l = req->headers; l; l = l->next) {
    if (strncasecmp(l->data, "Content-Type:", 13) == 0)
      continue;
    tmp = curl_slist_append(kept, l->data);
    if (!tmp) {
      curl_slist_free_all(kept);
      return SF_E_NOMEM;
    }
    kept = tmp;
  }
  curl_slist_free_all(req->headers);
  req->headers = kept;
  return SF_OK;
}

sf_code sf_http_request_set_body(sf_http_request *req, const void *data,
                                 size_t len, const char *content_type) {
  char *copy = NULL;
  sf_code rc;
  if (!req || (!data && len) || (content_type && has_crlf(content_type)))
    return SF_E_INVALID_ARG;
  if (in_flight(req))
    return SF_E_BUSY;
  if (len) {
    copy = malloc(len);
    if (!copy)
      return SF_E_NOMEM;
    memcpy(copy, data, len);
  }
  rc = drop_content_type(req);
  if (rc == SF_OK && content_type)
    rc = append_header(req, "Content-Type", content_type);
  if (rc != SF_OK) {
    free(copy);
    return rc;
  }
  free(req->body);
  req->body = copy;
  req->body_len = len;
  req->is_form =
      content_type &&
      strncasecmp(content_type, "application/x-www-form-urlencoded", 33) == 0;
  return SF_OK;
}

sf_code sf_http_request_set_idempotent(sf_http_request *req, int idempotent) {
  if (!req)
    return SF_E_INVALID_ARG;
  if (in_flight(req))
    return SF_E_BUSY;
  req->idempotent = idempotent != 0;
  return SF_OK;
}

sf_code sf_http_request_set_timeout(sf_http_request *req, long timeout_ms) {
  if (!req || timeout_ms <= 0)
    return SF_E_INVALID_ARG;
  if (in_flight(req))
    return SF_E_BUSY;
  req->timeout_ms = timeout_ms;
  return SF_OK;
}

sf_code sf_http_request_set_deadline(sf_http_request *req, long deadline_ms) {
  if (!req || deadline_ms < 0)
    return SF_E_INVALID_ARG;
  if (in_flight(req))
    return SF_E_BUSY;
  req->deadline_ms = deadline_ms;
  return SF_OK;
}

/* ---- callbacks from libcurl (no Lua, no re-entry into the runtime) ---- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud) {
  sf_http_request *req = ud;
  size_t n = size * nmemb, need, cap;
  char *p;
  if (!req->http)
    return 0;
  need = req->resp_len + n + 1 + SF_HTTP_BODY_PADDING;
  if (req->resp_len + n > req->http->max_response_bytes) {
    req->too_large = 1;
    return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
  }
  if (need > req->resp_cap) {
    cap = req->resp_cap ? req->resp_cap : 4096;
    while (cap < need)
      cap *= 2;
    p = realloc(req->resp, cap);
    if (!p)
      return 0;
    req->resp = p;
    req->resp_cap = cap;
  }
  memcpy(req->resp + req->resp_len, data, n);
  req->resp_len += n;
  memset(req->resp + req->resp_len, 0, 1 + SF_HTTP_BODY_PADDING);
  return n;
}

/*
 * Called right before the request goes out on a connection. libcurl
 * transparently re-sends a request whose reused connection died without
 * an answer; for a non-idempotent request that could apply it twice, so
 * the second call aborts the transfer and the outcome is reported unknown.
 */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip,
                     int conn_primary_port, int conn_local_port) {
  sf_http_request *req = ud;
  (void)conn_primary_ip;
  (void)conn_local_ip;
  (void)conn_primary_port;
  (void)conn_local_port;
  req->prereq_calls++;
  if (req->prereq_calls > 1 && !req->idempotent) {
    req->resend_blocked = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

/* ---- starting attempts ------------------------------------------------ */

static void log_request(sf_http_request *req) {
  sf_http *h = req->http;
  char line[1024];
  struct curl_slist *l;
  if (!sf__log_enabled(&h->log, SF_LOG_DEBUG))
    return;
  sf__redact_url(req->url, line, sizeof line);
  sf__log(&h->log, SF_LOG_DEBUG, "> %s %s (attempt %d)", req->method, line,
          req->attempts);
  for (l = req->headers; l; l = l->next) {
    sf__redact_header(l->data, line, sizeof line);
    sf__log(&h->log, SF_LOG_DEBUG, "> %s", line);
  }
  if (req->body_len && req->is_form) {
    sf__redact_form(req->body, req->body_len, line, sizeof line);
    sf__log(&h->log, SF_LOG_DEBUG, "> body: %s", line);
  } else if (req->body_len) {
    sf__log(&h->log, SF_LOG_DEBUG, "> body: %zu bytes", req->body_len);
  }
}

#define SETOPT(opt, val)                                                       \
  do {                                                                         \
    if (rc == CURLE_OK)                                                        \
      rc = curl_easy_setopt(e, opt, val);                                      \
  } while (0)

/*
 * A new easy handle with the options every request of the runtime shares,
 * set once: pooled handles keep them, so a request pays only for its own
 * options (configure_request). NULL with *why set when libcurl refuses
 * (CURLE_OUT_OF_MEMORY when it could not make one).
 */
static CURL *new_easy(sf_http *h, CURLcode *why) {
  CURL *e = curl_easy_init();
  CURLcode rc = CURLE_OK;
  *why = CURLE_OUT_OF_MEMORY;
  if (!e)
    return NULL;
  SETOPT(CURLOPT_SHARE, h->share);
  SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
  SETOPT(CURLOPT_NOSIGNAL, 1L);
  SETOPT(CURLOPT_WRITEFUNCTION, on_write);
  SETOPT(CURLOPT_PREREQFUNCTION, on_prereq);
  SETOPT(CURLOPT_ACCEPT_ENCODING, "");
  /* HTTP/2 over TLS where libcurl has it; HTTP/1.1 otherwise */
  if (rc == CURLE_OK &&
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) !=
          CURLE_OK)
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
  SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
  if (h->ca_file)
    SETOPT(CURLOPT_CAINFO, h->ca_file);
  SETOPT(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
  SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response_bytes);
  SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
  /* the path goes out as built: libcurl would otherwise remove "." and
   * ".." segments, and a value in a path could change which resource is
   * called */
  SETOPT(CURLOPT_PATH_AS_IS, 1L);
  /* "" rather than unset: libcurl then reads no environment */
  SETOPT(CURLOPT_NOPROXY, h->no_proxy ? h->no_proxy : "");
  if (rc != CURLE_OK) {
    *why = rc;
    curl_easy_cleanup(e);
    return NULL;
  }
  return e;
}

/*
 * The URL fast path. libcurl parses the URL string of every transfer
 * again (curl_url_set: ~7k instructions, as much as decoding half a
 * record); given a parsed CURLU it only copies it. The runtime keeps the
 * parsed origins ("https://host:port") of recent URLs, and a request on
 * one of them copies it and sets its path and query, which libcurl takes
 * as they are. That is the parse's result only for a plain path and
 * query, so anything else (no path, a fragment, percent-encodings, which
 * libcurl would lower-case, dot segments, spaces, controls or other bytes
 * a parse could reject or change) takes CURLOPT_URL as before.
 */
/* Bit c of the masks: byte c may appear as it is in a plain path and
 * query (RFC 3986 unreserved and sub-delims, ':', '@', '/', '?'), and in
 * a plain origin (a host name or IPv4 address and a port). */
static const uint64_t PATH_MASK[2] = {0xafffffd200000000ull,
                                      0x47fffffe87ffffffull};
static const uint64_t ORIGIN_MASK[2] = {0x07ff600000000000ull,
                                        0x07fffffe87fffffeull};

static int in_mask(const uint64_t mask[2], unsigned char c) {
  return c < 128 && (mask[c >> 6] >> (c & 63) & 1);
}

/* The origin's length and the offset of the query ('?'), or 0 when the
 * URL is not plain. */
static size_t plain_url(const char *url, size_t *query) {
  const char *p = strstr(url, "://");
  size_t i, path;
  *query = 0;
  if (!p)
    return 0;
  for (i = (size_t)(p + 3 - url); url[i] != '/'; i++)
    if (!in_mask(ORIGIN_MASK, (unsigned char)url[i]))
      return 0; /* the end, credentials, IPv6 literals: let libcurl parse */
  path = i;
  if (path == (size_t)(p + 3 - url))
    return 0;
  for (; url[i]; i++) {
    if (!in_mask(PATH_MASK, (unsigned char)url[i]))
      return 0;
    if (url[i] == '?' && !*query) {
      if (!url[i + 1])
        return 0; /* an empty query, which libcurl keeps */
      *query = i;
    }
    /* a "." or ".." segment of the path */
    if (!*query && url[i] == '/' && url[i + 1] == '.' &&
        (!url[i + 2] || url[i + 2] == '/' || url[i + 2] == '?' ||
         (url[i + 2] == '.' &&
          (!url[i + 3] || url[i + 3] == '/' || url[i + 3] == '?'))))
      return 0;
  }
  return path;
}

/* The parsed origin of `url` (its first `len` bytes), from the runtime's
 * cache or parsed now; NULL when libcurl refuses it or out of memory. */
static CURLU *origin_handle(sf_http *h, const char *url, size_t len) {
  int i;
  char *origin;
  CURLU *u;
  for (i = 0; i < ORIGINS; i++)
    if (h->origins[i].len == len && memcmp(h->origins[i].origin, url, len) == 0)
      return h->origins[i].url;
  origin = malloc(len + 2);
  u = curl_url();
  if (!origin || !u) {
    free(origin);
    curl_url_cleanup(u);
    return NULL;
  }
  memcpy(origin, url, len);
  origin[len] = '/';
  origin[len + 1] = '\0';
  if (curl_url_set(u, CURLUPART_URL, origin, CURLU_NON_SUPPORT_SCHEME)) {
    free(origin);
    curl_url_cleanup(u);
    return NULL;
  }
  origin[len] = '\0';
  i = h->next_origin;
  h->next_origin = (i + 1) % ORIGINS;
  free(h->origins[i].origin);
  curl_url_cleanup(h->origins[i].url);
  h->origins[i].origin = origin;
  h->origins[i].len = len;
  h->origins[i].url = u;
  return u;
}

/* The request's parsed URL (made once), or NULL for CURLOPT_URL. */
static CURLU *url_handle(sf_http_request *req) {
  size_t query, len;
  CURLU *base, *u;
  CURLUcode uc;
  if (req->curlu && !req->curlu_stale)
    return req->curlu;
  len = plain_url(req->url, &query);
  u = req->curlu; /* a made-new request's, of the same origin: or NULL */
  if (u && len != req->origin_len) {
    curl_url_cleanup(u);
    u = req->curlu = NULL;
  }
  if (!u && (!len || !(base = origin_handle(req->http, req->url, len)) ||
             !(u = curl_url_dup(base))))
    return NULL;
  if (query)
    req->url[query] = '\0'; /* the path alone, for a moment */
  uc = curl_url_set(u, CURLUPART_PATH, req->url + len, 0);
  if (query) {
    req->url[query] = '?';
    if (!uc)
      uc = curl_url_set(u, CURLUPART_QUERY, req->url + query + 1, 0);
  } else if (!uc && u == req->curlu) {
    uc = curl_url_set(u, CURLUPART_QUERY, NULL, 0); /* the last URL's */
  }
  if (uc) {
    curl_url_cleanup(u);
    req->curlu = NULL;
    return NULL;
  }
  req->curlu = u;
  req->origin_len = len;
  req->curlu_stale = 0;
  return u;
}

/*
 * User-Agent and Accept-Encoding go in the request's own header list
 * unless the caller set them. libcurl would build them itself from
 * CURLOPT_USERAGENT and CURLOPT_ACCEPT_ENCODING at every transfer, each
 * byte twice through its printf (~3k instructions a request); the bytes
 * sent are the same. CURLOPT_ACCEPT_ENCODING stays set: it is what makes
 * libcurl decode the answer.
 */
static sf_code default_header(sf_http_request *req, const char *name,
                              const char *value) {
  size_t n = strlen(name);
  struct curl_slist *l;
  for (l = req->headers; l; l = l->next)
    if (strncasecmp(l->data, name, n) == 0 && l->data[n] == ':')
      return SF_OK;
  return append_header(req, name, value);
}

/* Sets the options of one run of the request (method, URL, body, headers,
 * timeout and the pointers back to it); everything else is the runtime's
 * (new_easy). */
static sf_code configure_request(sf_http_request *req) {
  sf_http *h = req->http;
  CURL *e = req->easy;
  CURLcode rc = CURLE_OK;
  int is_post = strcmp(req->method, "POST") == 0;
  CURLU *u = url_handle(req);
  const char *proxy;
  /* Both: a CURLU overrides the string (CURLOPT_CURLU(3)), and with the
   * string set libcurl does not print the CURLU back into one at every
   * transfer (curl_url_get: ~6k instructions); the string is then the
   * effective URL, which the parse's parts equal on the fast path. */
  SETOPT(CURLOPT_URL, req->url);
  SETOPT(CURLOPT_CURLU, u);
  proxy =
      strncasecmp(req->url, "https:", 6) == 0 ? h->https_proxy : h->http_proxy;
  SETOPT(CURLOPT_PROXY, proxy ? proxy : "");
  if (!req->easy_ready) { /* (a request made new keeps its easy handle) */
    SETOPT(CURLOPT_PRIVATE, (void *)req);
    SETOPT(CURLOPT_ERRORBUFFER, req->errbuf);
    SETOPT(CURLOPT_WRITEDATA, (void *)req);
    SETOPT(CURLOPT_PREREQDATA, (void *)req);
    req->easy_ready = rc == CURLE_OK;
  }
  SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : h->timeout_ms);
  /* back to a plain GET (no body, no NOBODY, no custom verb) first */
  SETOPT(CURLOPT_HTTPGET, 1L);
  SETOPT(CURLOPT_CUSTOMREQUEST, NULL);
  if (strcmp(req->method, "HEAD") == 0) {
    SETOPT(CURLOPT_NOBODY, 1L);
  } else if (is_post || req->body_len) {
    SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    SETOPT(CURLOPT_POSTFIELDS, req->body ? req->body : "");
    if (!is_post)
      SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
  } else if (strcmp(req->method, "GET") != 0) {
    SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
  }
  if (rc == CURLE_OK && !req->defaults_in) {
    if (default_header(req, "User-Agent", h->user_agent) != SF_OK ||
        default_header(req, "Accept-Encoding", h->accept_encoding) != SF_OK)
      return sf__error_set(&req->err, SF_E_NOMEM, NULL);
    req->defaults_in = 1;
  }
  SETOPT(CURLOPT_HTTPHEADER, req->headers);
  if (rc != CURLE_OK)
    return sf__error_set(&req->err, SF_E_INTERNAL, "libcurl option: %s",
                         curl_easy_strerror(rc));
  return SF_OK;
}
#undef SETOPT

/* Starts one attempt: resets the per-attempt state, adds to the multi. */
static sf_code start_attempt(sf_http_request *req) {
  sf_http *h = req->http;
  CURLMcode mrc;
  req->attempts++;
  req->prereq_calls = 0;
  req->resend_blocked = 0;
  req->too_large = 0;
  req->resp_len = 0;
  if (req->resp)
    req->resp[0] = '\0';
  req->errbuf[0] = '\0';
  req->status = 0;
  req->retry_after_ms = -1;
  if (req->deadline_ms > 0) { /* this attempt gets what is left of it */
    long per = req->timeout_ms ? req->timeout_ms : h->timeout_ms;
    long long left = req->started_ms + req->deadline_ms - sf__now_ms();
    if (left < per)
      per = left > 1 ? (long)left : 1;
    curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, per);
  }
  h->stats.attempts++;
  if (req->attempts > 1)
    h->stats.retries++;
  log_request(req);
  mrc = curl_multi_add_handle(h->multi, req->easy);
  if (mrc != CURLM_OK)
    return sf__error_set(&req->err, SF_E_INTERNAL, "libcurl multi: %s",
                         curl_multi_strerror(mrc));
  req->state = REQ_RUNNING;
  return SF_OK;
}

sf_code sf_http_start(sf_http_request *req, sf_http_done_fn done,
                      void *userdata) {
  sf_http *h;
  sf_code rc;
  if (!req)
    return SF_E_INVALID_ARG;
  h = req->http;
  if (!h)
    return SF_E_ABORTED;
  if (in_flight(req))
    return SF_E_BUSY;
  unqueue(h, req);
  sf_error_clear(&req->err);
  if (!req->easy) {
    CURLcode why = CURLE_OK;
    req->easy = h->npool ? h->pool[--h->npool] : new_easy(h, &why);
    if (!req->easy)
      return why == CURLE_OUT_OF_MEMORY
                 ? sf__error_set(&req->err, SF_E_NOMEM, NULL)
                 : sf__error_set(&req->err, SF_E_INTERNAL,
                                 "libcurl refused an option: %s",
                                 curl_easy_strerror(why));
  }
  rc = configure_request(req);
  if (rc != SF_OK)
    return rc;
  req->done = done;
  req->userdata = userdata;
  req->attempts = 0;
  req->started_ms = sf__now_ms();
  rc = start_attempt(req);
  if (rc != SF_OK)
    return rc;
  h->pending++;
  return SF_OK;
}

/* ---- finishing attempts: the retry policy ----------------------------- */

static long parse_retry_after(const char *v) {
  char *end;
  long secs;
  time_t when;
  while (*v == ' ')
    v++;
  if (isdigit((unsigned char)*v)) {
    secs = strtol(v, &end, 10);
    if (secs < 0 || secs > 86400 * 7)
      return -1;
    return secs * 1000;
  }
  when = curl_getdate(v, NULL);
  if (when == -1)
    return -1;
  when -= time(NULL);
  return when > 0 ? (long)when * 1000 : 0;
}

static int retryable_status(long status) {
  return status == 420 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504;
}

static uint64_t next_random(sf_http *h) {
  /* xorshift64*: backoff jitter only */
  h->rng ^= h->rng >> 12;
  h->rng ^= h->rng << 25;
  h->rng ^= h->rng >> 27;
  return h->rng * 2685821657736338717ull;
}

/* The backoff before retry number `n` (1-based): half fixed, half random. */
static long backoff_ms(sf_http *h, int n) {
  long d = h->retry_base_ms;
  int i;
  for (i = 1; i < n && d < h->retry_max_delay_ms; i++)
    d *= 2;
  if (d > h->retry_max_delay_ms)
    d = h->retry_max_delay_ms;
  if (d <= 1)
    return d;
  return d / 2 + (long)(next_random(h) % (uint64_t)(d / 2 + 1));
}

static sf_code map_curl_code(sf_http_request *req, CURLcode rc) {
  if (req->too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return SF_E_TOO_LARGE;
  if (req->resend_blocked)
    return SF_E_OUTCOME_UNKNOWN;
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
    return SF_E_CONNECT;
  case CURLE_OPERATION_TIMEDOUT:
    return SF_E_TIMEOUT;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_SHUTDOWN_FAILED:
    return SF_E_TLS;
  case CURLE_OUT_OF_MEMORY:
    return SF_E_NOMEM;
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_BAD_CONTENT_ENCODING:
    return SF_E_PROTOCOL;
  default:
    return SF_E_NETWORK;
  }
}

/* Marks the request complete and queues it for its callback. */
static void complete(sf_http_request *req, sf_code result) {
  sf_http *h = req->http;
  req->state = REQ_DONE;
  req->result = result;
  req->err.code = result;
  req->err.http_status = req->status;
  h->pending--;
  h->stats.requests++;
  req->done_next = NULL;
  req->queued = 1;
  if (h->done_tail)
    h->done_tail->done_next = req;
  else
    h->done_head = req;
  h->done_tail = req;
}

/* Takes `req` off the runtime's completion queue, if it is there. */
static void unqueue(sf_http *h, sf_http_request *req) {
  sf_http_request **pp, *prev = NULL;
  if (!req->queued)
    return;
  for (pp = &h->done_head; *pp; prev = *pp, pp = &(*pp)->done_next) {
    if (*pp == req) {
      *pp = req->done_next;
      if (h->done_tail == req)
        h->done_tail = prev;
      break;
    }
  }
  req->queued = 0;
  req->done_next = NULL;
}

/* Puts the request on the waiting list for `delay` ms. */
static void schedule_retry(sf_http_request *req, long delay, const char *why) {
  sf_http *h = req->http;
  char url[512];
  req->state = REQ_WAITING;
  req->due_ms = sf__now_ms() + delay;
  if (sf__log_enabled(&h->log, SF_LOG_INFO)) {
    sf__redact_url(req->url, url, sizeof url);
    sf__log(&h->log, SF_LOG_INFO, "retrying %s %s in %ld ms after %s",
            req->method, url, delay, why);
  }
}

/* May the request be retried after `delay` ms, within count and budget? */
static int may_retry(sf_http_request *req, long delay) {
  sf_http *h = req->http;
  long long spent;
  if (req->attempts > h->max_retries)
    return 0;
  if (delay > h->retry_max_delay_ms)
    return 0;
  spent = sf__now_ms() - req->started_ms;
  /* (a retry that would start at the deadline could not get an answer) */
  if (req->deadline_ms > 0 && spent + delay >= req->deadline_ms)
    return 0;
  return spent + delay <= h->retry_budget_ms;
}

/*
 * The one place that decides what happens after an attempt: complete the
 * request, or retry it. Retries only when that is safe (idempotent, or the
 * request never left) and only for connection failures, timeouts, 420, 429
 * and 5xx, within the retry count and budget.
 */
static void finish_attempt(sf_http_request *req, CURLcode rc) {
  sf_http *h = req->http;
  long conns = 0, delay, got;
  struct curl_header *hdr;
  sf_code code;
  int sent = req->prereq_calls > 0;

  curl_easy_getinfo(req->easy, CURLINFO_NUM_CONNECTS, &conns);
  h->stats.connections += conns;
  curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status);

  if (rc == CURLE_OK) {
    /* (other answers' Retry-After is read when asked for) */
    if (retryable_status(req->status) &&
        curl_easy_header(req->easy, "Retry-After", 0, CURLH_HEADER, -1, &hdr) ==
            CURLHE_OK)
      req->retry_after_ms = parse_retry_after(hdr->value);
    sf__log(&h->log, SF_LOG_DEBUG, "< %ld (%zu bytes)", req->status,
            req->resp_len);
    if (retryable_status(req->status) && req->idempotent) {
      delay = req->retry_after_ms >= 0 ? req->retry_after_ms
                                       : backoff_ms(h, req->attempts);
      if (may_retry(req, delay)) {
        char why[32];
        snprintf(why, sizeof why, "status %ld", req->status);
        schedule_retry(req, delay, why);
        return;
      }
    }
    if (req->status >= 400)
      sf__error_set(&req->err, SF_OK, "HTTP status %ld", req->status);
    complete(req, SF_OK);
    return;
  }

  code = map_curl_code(req, rc);
  if (!req->idempotent && sent &&
      (code == SF_E_NETWORK || code == SF_E_TIMEOUT))
    code = SF_E_OUTCOME_UNKNOWN;
  /* a status line that arrived before the failure stays on the error (a
   * 201 whose body was cut: the record exists), not on the response */
  got = req->status;
  req->status = 0;
  if (code == SF_E_TOO_LARGE)
    sf__error_set(&req->err, code, "response larger than the %zu-byte limit",
                  h->max_response_bytes);
  else if (code == SF_E_OUTCOME_UNKNOWN && got >= 200 && got < 300)
    sf__error_set(&req->err, code,
                  "%s: the server answered HTTP %ld, so the request was "
                  "applied, but the connection was lost before the whole "
                  "answer arrived; it was not re-sent",
                  req->method, got);
  else if (code == SF_E_OUTCOME_UNKNOWN)
    /* libcurl's own text would be about the aborted re-send; say what
     * happened to the request instead */
    sf__error_set(&req->err, code,
                  "%s: the connection was lost after the request was sent, "
                  "so it may or may not have been applied; it was not "
                  "re-sent",
                  req->method);
  else
    sf__error_set(&req->err, code, "%s",
                  req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc));
  sf__log(&h->log, SF_LOG_DEBUG, "< failed: %s", req->err.message);

  /* an idempotent request may be sent again whatever became of the last
   * attempt (a timeout after it left too); another only if it never left */
  if ((code == SF_E_CONNECT || code == SF_E_NETWORK || code == SF_E_TIMEOUT) &&
      (req->idempotent || !sent)) {
    delay = backoff_ms(h, req->attempts);
    if (may_retry(req, delay)) {
      schedule_retry(req, delay, sf_strerror(code));
      return;
    }
    /* the deadline, not the count, stopped it: say so */
    if (code == SF_E_TIMEOUT && req->deadline_ms > 0 &&
        req->attempts <= h->max_retries)
      sf__error_set(&req->err, code,
                    "no answer within the request's deadline of %ld ms "
                    "(%d attempt%s)",
                    req->deadline_ms, req->attempts,
                    req->attempts == 1 ? "" : "s");
  }
  complete(req, code);
  req->err.http_status = got;
}

/* ---- the loop --------------------------------------------------------- */

/* Re-adds the waiting requests whose time has come; returns the earliest
 * remaining due time, or LLONG_MAX. */
static long long start_due(sf_http *h) {
  long long now = sf__now_ms(), next = LLONG_MAX;
  sf_http_request *req;
  for (req = h->requests; req; req = req->next) {
    if (req->state != REQ_WAITING)
      continue;
    if (req->due_ms <= now) {
      if (start_attempt(req) != SF_OK)
        complete(req, req->err.code);
    } else if (req->due_ms < next) {
      next = req->due_ms;
    }
  }
  return next;
}

static void perform(sf_http *h) {
  int running, left;
  CURLMsg *msg;
  curl_multi_perform(h->multi, &running);
  while ((msg = curl_multi_info_read(h->multi, &left))) {
    sf_http_request *req = NULL;
    CURLcode rc;
    if (msg->msg != CURLMSG_DONE)
      continue;
    rc = msg->data.result;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
    curl_multi_remove_handle(h->multi, req->easy);
    req->state = REQ_IDLE;
    finish_attempt(req, rc);
  }
}

sf_code sf_http_step(sf_http *h, long timeout_ms) {
  sf_http_request *req;
  long long next, now;
  if (!h)
    return SF_E_INVALID_ARG;
  if (h->in_step)
    return SF_E_BUSY;
  h->in_step = 1;
  start_due(h);
  perform(h);
  if (!h->done_head && timeout_ms > 0) {
    now = sf__now_ms();
    next = start_due(h);
    if (next != LLONG_MAX && next - now < timeout_ms)
      timeout_ms = next > now ? (long)(next - now) : 0;
    if (!h->done_head) {
      curl_multi_poll(h->multi, NULL, 0, (int)timeout_ms, NULL);
      start_due(h);
      perform(h);
    }
  }
  /* callbacks in completion order; they may start or free requests */
  while ((req = h->done_head)) {
    h->done_head = req->done_next;
    if (!h->done_head)
      h->done_tail = NULL;
    req->done_next = NULL;
    req->queued = 0;
    if (req->done)
      req->done(req, req->userdata);
  }
  h->in_step = 0;
  return SF_OK;
}

sf_code sf_http_send(sf_http_request *req) {
  sf_code rc;
  if (!req)
    return SF_E_INVALID_ARG;
  if (req->http && req->http->in_step)
    return SF_E_BUSY;
  rc = sf_http_start(req, NULL, NULL);
  if (rc != SF_OK)
    return rc;
  while (req->state != REQ_DONE && req->http) {
    rc = sf_http_step(req->http, 1000);
    if (rc != SF_OK)
      return rc;
  }
  return req->result;
}

/* ---- results ---------------------------------------------------------- */

sf_code sf_http_request_result(const sf_http_request *req) {
  if (!req)
    return SF_E_INVALID_ARG;
  return in_flight(req) ? SF_E_BUSY : req->result;
}

const sf_error *sf_http_request_error(const sf_http_request *req) {
  static const sf_error invalid = {SF_E_INVALID_ARG, 0, "", "no request"};
  return req ? &req->err : &invalid;
}

int sf_http_request_attempts(const sf_http_request *req) {
  return req ? req->attempts : 0;
}

long sf_http_response_status(const sf_http_request *req) {
  return req && req->state == REQ_DONE ? req->status : 0;
}

const char *sf_http_response_body(const sf_http_request *req, size_t *len) {
  if (len)
    *len = req && req->resp ? req->resp_len : 0;
  return req && req->resp ? req->resp : "";
}

char *sf_http_response_take_body(sf_http_request *req, size_t *len) {
  char *p;
  if (len)
    *len = 0;
  if (!req)
    return NULL;
  if (!req->resp)
    return calloc(1, 1);
  p = req->resp;
  if (len)
    *len = req->resp_len;
  req->resp = NULL;
  req->resp_len = req->resp_cap = 0;
  return p;
}

const char *sf_http_response_header(sf_http_request *req, const char *name) {
  struct curl_header *hdr;
  size_t amount;
  if (!req || !name || !req->easy || req->state != REQ_DONE || req->status == 0)
    return NULL;
  if (curl_easy_header(req->easy, name, 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
    return NULL;
  amount = hdr->amount;
  if (amount > 1 && curl_easy_header(req->easy, name, amount - 1, CURLH_HEADER,
                                     -1, &hdr) != CURLHE_OK)
    return NULL;
  return hdr->value;
}

long sf_http_response_retry_after_ms(const sf_http_request *req) {
  struct curl_header *hdr;
  if (!req)
    return -1;
  if (req->retry_after_ms >= 0 || retryable_status(req->status) || !req->easy ||
      req->state != REQ_DONE || req->status == 0)
    return req->retry_after_ms;
  if (curl_easy_header(req->easy, "Retry-After", 0, CURLH_HEADER, -1, &hdr) !=
      CURLHE_OK)
    return -1;
  return parse_retry_after(hdr->value);
}
