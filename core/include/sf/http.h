/*
 * sf/http.h - the HTTP transport of the core, on one libcurl multi handle.
 * An sf_http runtime owns the multi handle, the connection pool and the
 * retry policy; an sf_http_request is one logical request (which may take
 * several attempts). Not thread-safe: drive each sf_http from one thread.
 */
#ifndef SF_HTTP_H
#define SF_HTTP_H

#include <stddef.h>

#include "sf/error.h"
#include "sf/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sf_http sf_http;
typedef struct sf_http_request sf_http_request;

/* The longest URL a request takes, in bytes: well above what servers
 * accept (Salesforce's limit is 16,384 characters), below the lengths at
 * which libcurl refuses a request line with a misleading code. */
#define SF_HTTP_URL_MAX 65536

/*
 * Runtime configuration. Fill with sf_http_config_init, then change what
 * you need. Strings are borrowed for the duration of sf_http_new and
 * copied.
 */
typedef struct sf_http_config {
  const char *ca_file;        /* PEM bundle to trust; NULL: system store */
  const char *user_agent;     /* NULL: "luaforce/<version>" */
  long connect_timeout_ms;    /* > 0; default 10000 */
  long timeout_ms;            /* > 0; whole attempt; default 120000 */
  size_t max_response_bytes;  /* > 0; default 64 MiB */
  int max_retries;            /* >= 0 retries after the first attempt;
                                 default 3 */
  long retry_base_ms;         /* >= 0; first backoff; default 250 */
  long retry_max_delay_ms;    /* >= 0; cap on one wait, Retry-After
                                 included; default 30000 */
  long retry_budget_ms;       /* >= 0; total time one request may spend
                                 retrying; default 60000 */
  long max_host_connections;  /* >= 0; per host, 0 = no limit; default 20 */
  long max_total_connections; /* >= 0; 0 = no limit; default 0 */
  sf_log_fn log;              /* NULL: no logging */
  void *log_userdata;
  sf_log_level log_level; /* most verbose level passed to `log` */
} sf_http_config;

/* Counters of a runtime, for tests and benchmarks. */
typedef struct sf_http_stats {
  long requests;    /* requests completed (any outcome) */
  long attempts;    /* attempts started, retries included */
  long retries;     /* attempts that were retries */
  long connections; /* new connections opened */
} sf_http_stats;

/* Called when a started request completes (success or failure). */
typedef void (*sf_http_done_fn)(sf_http_request *req, void *userdata);

/* Fills `cfg` with the defaults documented above. `cfg` must not be NULL. */
void sf_http_config_init(sf_http_config *cfg);

/*
 * Creates a runtime. `cfg` NULL means defaults. On success writes the
 * handle to *out (the caller frees it with sf_http_free). On failure *out
 * is NULL and the code says why (SF_E_INVALID_ARG for a bad value, such as
 * a user agent with CR or LF; SF_E_NOMEM, SF_E_INIT). sf_global_init must
 * have been called. The proxy environment variables (libcurl's: http_proxy,
 * https_proxy, all_proxy, no_proxy and their upper-case forms but
 * HTTP_PROXY) are read here, once, not at every request.
 */
sf_code sf_http_new(sf_http **out, const sf_http_config *cfg);

/*
 * Frees a runtime. Requests still in flight are aborted without calling
 * their callbacks; they stay valid and must still be freed by their owner
 * with sf_http_request_free (which is then safe). NULL is harmless.
 */
void sf_http_free(sf_http *http);

/* Copies the counters into *stats. */
void sf_http_get_stats(const sf_http *http, sf_http_stats *stats);

/*
 * Drives the transfers of `http`: performs pending I/O, completes finished
 * requests (calling their callbacks) and starts due retries. Waits at most
 * `timeout_ms` (0 = do not wait) for activity when nothing is ready.
 * Returns SF_OK, or SF_E_BUSY when called from inside a done callback.
 */
sf_code sf_http_step(sf_http *http, long timeout_ms);

/* Number of requests started and not yet completed. */
int sf_http_pending(const sf_http *http);

/*
 * Creates a request on `http` for `method` (GET, HEAD, POST, PUT, PATCH,
 * DELETE or OPTIONS) and absolute `url` (http or https, at most
 * SF_HTTP_URL_MAX bytes, else SF_E_INVALID_ARG). Both strings are copied;
 * the URL is sent as it is (no "." or ".." segment is removed). GET, HEAD, PUT,
 * DELETE and OPTIONS are treated as idempotent; change that with
 * sf_http_request_set_idempotent. Writes the request to *out; free it with
 * sf_http_request_free.
 */
sf_code sf_http_request_new(sf_http_request **out, sf_http *http,
                            const char *method, const char *url);

/*
 * Makes `req`, which is not in flight, a new request for `method` and
 * `url`, as sf_http_request_new would (no body, no timeout of its own,
 * idempotence by the method), but keeps what it holds: its libcurl handle
 * (no trip through the runtime's pool), its buffers and, with
 * `keep_headers`, its header list, for a caller that would add the same
 * headers again (a body's Content-Type is in that list too). Cheaper than
 * freeing it and creating another. On failure (SF_E_INVALID_ARG for a bad
 * method or URL, SF_E_BUSY in flight, SF_E_ABORTED once the runtime was
 * freed, SF_E_NOMEM) the request is left as it was.
 */
sf_code sf_http_request_reuse(sf_http_request *req, const char *method,
                              const char *url, int keep_headers);

/*
 * Frees a request; a request in flight is cancelled first (its callback is
 * not called). NULL is harmless.
 */
void sf_http_request_free(sf_http_request *req);

/*
 * Adds a request header `name: value` (both copied; neither may contain
 * CR or LF). Authorization and other secret headers are redacted in logs.
 * SF_E_BUSY while the request is in flight.
 */
sf_code sf_http_request_add_header(sf_http_request *req, const char *name,
                                   const char *value);

/*
 * Sets the body (copied; `len` bytes; `data` may be NULL when len is 0)
 * and its Content-Type (copied; NULL for none). Form bodies
 * (application/x-www-form-urlencoded) are logged with secret fields
 * redacted; other bodies are logged by size only.
 */
sf_code sf_http_request_set_body(sf_http_request *req, const void *data,
                                 size_t len, const char *content_type);

/* Overrides the idempotency the method implies (non-zero = idempotent). */
sf_code sf_http_request_set_idempotent(sf_http_request *req, int idempotent);

/* Overrides the runtime's per-attempt timeout for this request (> 0). */
sf_code sf_http_request_set_timeout(sf_http_request *req, long timeout_ms);

/*
 * Bounds the whole run of the request (> 0 ms from sf_http_start): every
 * attempt's timeout is cut to what is left, and no retry starts whose wait
 * (backoff or Retry-After) would end past it. A run that reaches it fails
 * with SF_E_TIMEOUT. 0 = none (as a new or reused request has).
 */
sf_code sf_http_request_set_deadline(sf_http_request *req, long deadline_ms);

/*
 * Starts `req` without waiting; `done` (may be NULL) is called from
 * sf_http_step when it completes. A completed request may be started
 * again (its response is reset). SF_E_BUSY if already in flight.
 */
sf_code sf_http_start(sf_http_request *req, sf_http_done_fn done,
                      void *userdata);

/*
 * Sends `req` and drives the runtime until it completes (other requests in
 * flight progress too). Returns the request's result: SF_OK when a final
 * response arrived, whatever its status, else the failure code with the
 * details in sf_http_request_error. Must not be called from a callback.
 */
sf_code sf_http_send(sf_http_request *req);

/* The result of the last completed run (SF_E_BUSY while in flight). */
sf_code sf_http_request_result(const sf_http_request *req);

/* The error record of the request; owned by it. Never NULL. */
const sf_error *sf_http_request_error(const sf_http_request *req);

/* Attempts made by the last run (1 when there was no retry). */
int sf_http_request_attempts(const sf_http_request *req);

/* HTTP status of the final response, 0 when none arrived. */
long sf_http_response_status(const sf_http_request *req);

/* Readable zero bytes after a non-empty response body (and its NUL): a
 * parser such as simdjson can read it in place. */
#define SF_HTTP_BODY_PADDING 64

/*
 * The response body, NUL-terminated (the NUL is not counted in *len; `len`
 * may be NULL) and, when not empty, followed by SF_HTTP_BODY_PADDING zero
 * bytes. Owned by the request; valid until it is started again or freed.
 * Never NULL (empty when there was no body).
 */
const char *sf_http_response_body(const sf_http_request *req, size_t *len);

/*
 * Takes the response body out of the request: the caller owns the
 * returned buffer (free with free()); the request's body becomes empty.
 * NULL only when out of memory.
 */
char *sf_http_response_take_body(sf_http_request *req, size_t *len);

/*
 * The value of the last response header `name` (case-insensitive), or
 * NULL. Owned by the request; valid until the next call of this function
 * on the same request, or until it is started again or freed.
 */
const char *sf_http_response_header(sf_http_request *req, const char *name);

/*
 * The server's Retry-After on the final response in milliseconds, or -1
 * when it sent none.
 */
long sf_http_response_retry_after_ms(const sf_http_request *req);

#ifdef __cplusplus
}
#endif

#endif /* SF_HTTP_H */
