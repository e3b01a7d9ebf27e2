/*
 * test_http.c - the transport against the scripted loopback server:
 * connection reuse, timeouts, the retry policy (Retry-After, no re-send of
 * a POST), TLS trust, the response size cap, redaction in logs,
 * concurrency and the argument contract.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sf/sf.h"
#include "sftest.h"
#include "sftest_log.h"
#include "testcert.h"
#include "testserver.h"

/* ---- helpers ------------------------------------------------------------ */

static sf_http *runtime(sf_http_config *cfg) {
  sf_http *h = NULL;
  sf_http_config dflt;
  if (!cfg) {
    sf_http_config_init(&dflt);
    dflt.retry_base_ms = 10;
    cfg = &dflt;
  }
  if (sf_http_new(&h, cfg) != SF_OK)
    return NULL;
  return h;
}

static char url_buf[4096];
static const char *url(ts_server *s, const char *path) {
  snprintf(url_buf, sizeof url_buf, "%s%s", ts_url(s), path);
  return url_buf;
}

/* One request; returns its result, leaves status in *status. */
static sf_code do_request(sf_http *h, const char *method, const char *u,
                          const char *body, long *status,
                          sf_http_request **keep) {
  sf_http_request *req = NULL;
  sf_code rc = sf_http_request_new(&req, h, method, u);
  if (rc != SF_OK)
    return rc;
  if (body)
    sf_http_request_set_body(req, body, strlen(body), "application/json");
  rc = sf_http_send(req);
  if (status)
    *status = sf_http_response_status(req);
  if (keep)
    *keep = req;
  else
    sf_http_request_free(req);
  return rc;
}

/* A port whose listen queue is full: connecting to it hangs. Returns the
 * listening socket in *lfd and the filler sockets in fillers[4]. */
static int blackhole(int *lfd, int fillers[4]) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int i;
  *lfd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(*lfd, (struct sockaddr *)&a, sizeof a);
  listen(*lfd, 0);
  getsockname(*lfd, (struct sockaddr *)&a, &alen);
  for (i = 0; i < 4; i++) {
    fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
    fcntl(fillers[i], F_SETFL, O_NONBLOCK);
    connect(fillers[i], (struct sockaddr *)&a, sizeof a);
  }
  return ntohs(a.sin_port);
}

/* How many times header `name` is in the request. */
static int count_headers(const ts_request *req, const char *name) {
  const char *p = req->head;
  size_t n = strlen(name);
  int count = 0;
  while (p && *p) {
    if (strncasecmp(p, name, n) == 0 && p[n] == ':')
      count++;
    p = strstr(p, "\r\n");
    if (p)
      p += 2;
  }
  return count;
}

/* The User-Agent and Accept-Encoding headers: the runtime's unless the
 * request sets its own, once; answers are decoded (gzip). */
static void default_headers_and_decoding(void) {
  static const unsigned char gz[] = {
      0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
      0x03, 0xab, 0x56, 0x4a, 0x54, 0xb2, 0x32, 0xac, 0x05,
      0x00, 0xaf, 0xac, 0x1b, 0x56, 0x07, 0x00, 0x00, 0x00}; /* {"a":1} */
  char body[sizeof gz + 1];
  ts_server *s = ts_start(NULL, NULL);
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  ts_request seen;
  ts_response zipped = {200, "Content-Encoding: gzip\r\n", body, sizeof gz, 0,
                        0};
  char v[256];
  long status = 0;
  memcpy(body, gz, sizeof gz);
  body[sizeof gz] = '\0';
  sf_http_config_init(&cfg);
  cfg.user_agent = "bad\r\nX-Injected: 1";
  CHECK_INT(sf_http_new(&h, &cfg), SF_E_INVALID_ARG);
  cfg.user_agent = "agent/1.0";
  CHECK_INT(sf_http_new(&h, &cfg), SF_OK);
  ts_push(s, &zipped);
  CHECK_INT(do_request(h, "GET", url(s, "/z"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 200);
  CHECK_STR(sf_http_response_body(req, NULL), "{\"a\":1}");
  sf_http_request_free(req);
  CHECK_INT(ts_request_at(s, 0, &seen), 0);
  CHECK_INT(ts_header(&seen, "User-Agent", v, sizeof v), 0);
  CHECK_STR(v, "agent/1.0");
  CHECK_INT(ts_header(&seen, "Accept-Encoding", v, sizeof v), 0);
  CHECK(strstr(v, "gzip") != NULL);
  CHECK(strstr(v, "deflate") != NULL);
  /* the request's own, instead of the runtime's */
  CHECK_INT(sf_http_request_new(&req, h, "GET", url(s, "/own")), SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "user-agent", "mine/2"), SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "Accept-Encoding", "identity"),
            SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK); /* sent again: still once each */
  sf_http_request_free(req);
  CHECK_INT(ts_request_at(s, 2, &seen), 0);
  CHECK_INT(count_headers(&seen, "User-Agent"), 1);
  CHECK_INT(count_headers(&seen, "Accept-Encoding"), 1);
  CHECK_INT(ts_header(&seen, "User-Agent", v, sizeof v), 0);
  CHECK_STR(v, "mine/2");
  CHECK_INT(ts_header(&seen, "Accept-Encoding", v, sizeof v), 0);
  CHECK_STR(v, "identity");
  sf_http_free(h);
  ts_stop(s);
}

/* ---- cases ----------------------------------------------------------------
 */

static void reuses_one_connection(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  sf_http_stats st;
  long status = 0;
  int i;
  for (i = 0; i < 20; i++) {
    CHECK_INT(do_request(h, "GET", url(s, "/r"), NULL, &status, NULL), SF_OK);
    CHECK_INT(status, 200);
  }
  CHECK_INT(ts_request_count(s), 20);
  CHECK_INT(ts_connection_count(s), 1);
  sf_http_get_stats(h, &st);
  CHECK_INT(st.connections, 1);
  CHECK_INT(st.requests, 20);
  sf_http_free(h);
  ts_stop(s);
}

static void sends_method_headers_and_body(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  ts_request seen;
  char v[256];
  ts_response r = {201, "X-Answer: 42\r\n", "{\"id\":\"1\"}", 0, 0, 0};
  ts_push(s, &r);
  CHECK_INT(sf_http_request_new(&req, h, "PATCH", url(s, "/a/b?q=1")), SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "X-Test", "yes"), SF_OK);
  CHECK_INT(sf_http_request_set_body(req, "{\"a\":1}", 7, "text/plain"), SF_OK);
  /* set_body replaces the Content-Type */
  CHECK_INT(sf_http_request_set_body(req, "{\"a\":2}", 7, "application/json"),
            SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_response_status(req), 201);
  CHECK_STR(sf_http_response_body(req, NULL), "{\"id\":\"1\"}");
  CHECK_STR(sf_http_response_header(req, "x-answer"), "42");
  CHECK(sf_http_response_header(req, "X-Missing") == NULL);
  CHECK_INT(sf_http_request_attempts(req), 1);
  CHECK_INT(ts_request_at(s, 0, &seen), 0);
  CHECK_STR(seen.method, "PATCH");
  CHECK_STR(seen.target, "/a/b?q=1");
  CHECK_STR(seen.body, "{\"a\":2}");
  CHECK_INT(ts_header(&seen, "X-Test", v, sizeof v), 0);
  CHECK_STR(v, "yes");
  CHECK_INT(ts_header(&seen, "Content-Type", v, sizeof v), 0);
  CHECK_STR(v, "application/json");
  CHECK(strstr(seen.head, "text/plain") == NULL);
  CHECK_INT(ts_header(&seen, "Accept-Encoding", v, sizeof v), 0);
  CHECK(strstr(v, "gzip") != NULL);
  CHECK_INT(ts_header(&seen, "User-Agent", v, sizeof v), 0);
  CHECK(strncmp(v, "luaforce/", 9) == 0);
  CHECK(ts_header(&seen, "Expect", v, sizeof v) != 0);
  CHECK_INT(count_headers(&seen, "User-Agent"), 1);
  CHECK_INT(count_headers(&seen, "Accept-Encoding"), 1);
  {
    size_t len = 0;
    char *body = sf_http_response_take_body(req, &len);
    CHECK_INT(len, 10);
    CHECK_STR(body, "{\"id\":\"1\"}");
    free(body);
    CHECK_STR(sf_http_response_body(req, &len), "");
    CHECK_INT(len, 0);
  }
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

/* Pooled easy handles keep the runtime's options, not the last request's:
 * a GET after a PATCH with a body, a HEAD and a DELETE is a plain GET. */
static void pooled_handles_forget_the_last_request(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  const char *methods[] = {"PATCH",  "GET", "HEAD", "GET",
                           "DELETE", "GET", "POST", "GET"};
  ts_request seen;
  char v[64];
  int i;
  for (i = 0; i < 8; i++) {
    sf_http_request *req = NULL;
    CHECK_INT(sf_http_request_new(&req, h, methods[i], url(s, "/m")), SF_OK);
    if (strcmp(methods[i], "GET") != 0 && strcmp(methods[i], "HEAD") != 0) {
      CHECK_INT(sf_http_request_add_header(req, "X-Only-Once", "1"), SF_OK);
      CHECK_INT(
          sf_http_request_set_body(req, "{\"a\":1}", 7, "application/json"),
          SF_OK);
    }
    CHECK_INT(sf_http_send(req), SF_OK);
    sf_http_request_free(req); /* back to the pool */
  }
  for (i = 0; i < 8; i++) {
    CHECK_INT(ts_request_at(s, i, &seen), 0);
    CHECK_STR(seen.method, methods[i]);
    if (strcmp(methods[i], "GET") == 0) {
      CHECK_INT(seen.body_len, 0);
      CHECK(ts_header(&seen, "X-Only-Once", v, sizeof v) != 0);
      CHECK(ts_header(&seen, "Content-Type", v, sizeof v) != 0);
    } else if (strcmp(methods[i], "HEAD") != 0) {
      CHECK_STR(seen.body, "{\"a\":1}");
    }
  }
  CHECK_INT(ts_connection_count(s), 1);
  sf_http_free(h);
  ts_stop(s);
}

static void connect_refused_is_connect_error(void) {
  ts_server *s = ts_start(NULL, NULL);
  char u[128];
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  snprintf(u, sizeof u, "%s/x", ts_url(s));
  ts_stop(s); /* nothing listens there now */
  sf_http_config_init(&cfg);
  cfg.retry_base_ms = 5;
  cfg.max_retries = 2;
  h = runtime(&cfg);
  /* a POST that never left may be retried; it still fails in the end */
  CHECK_INT(do_request(h, "POST", u, "{}", NULL, &req), SF_E_CONNECT);
  CHECK_INT(sf_http_request_attempts(req), 3);
  CHECK_INT(sf_http_request_error(req)->code, SF_E_CONNECT);
  CHECK_INT(sf_http_request_error(req)->http_status, 0);
  CHECK(sf_http_request_error(req)->message[0] != '\0');
  CHECK_INT(sf_http_response_status(req), 0);
  sf_http_request_free(req);
  sf_http_free(h);
}

static void connect_timeout(void) {
  int lfd, fillers[4], i, port;
  long long t0;
  char u[128];
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  port = blackhole(&lfd, fillers);
  snprintf(u, sizeof u, "http://127.0.0.1:%d/x", port);
  sf_http_config_init(&cfg);
  cfg.connect_timeout_ms = 300;
  cfg.max_retries = 0;
  h = runtime(&cfg);
  t0 = sf__now_ms();
  CHECK_INT(do_request(h, "GET", u, NULL, NULL, &req), SF_E_TIMEOUT);
  CHECK(sf__now_ms() - t0 < 2000);
  CHECK(sf__now_ms() - t0 >= 250);
  CHECK_INT(sf_http_request_attempts(req), 1);
  sf_http_request_free(req);
  sf_http_free(h);
  for (i = 0; i < 4; i++)
    close(fillers[i]);
  close(lfd);
}

static void total_timeout(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response slow = {200, NULL, "{}", 0, 3000, 0};
  sf_http_config cfg;
  sf_http *h;
  long long t0;
  sf_http_request *req = NULL;
  ts_push(s, &slow);
  sf_http_config_init(&cfg);
  cfg.timeout_ms = 300;
  h = runtime(&cfg);
  t0 = sf__now_ms();
  CHECK_INT(do_request(h, "GET", url(s, "/slow"), NULL, NULL, &req), SF_OK);
  CHECK(sf__now_ms() - t0 < 2000);
  /* a GET is idempotent: its attempt that timed out after it reached the
   * server is sent again (within the retry budget), and the next answers */
  CHECK_INT(sf_http_request_attempts(req), 2);
  CHECK_INT(ts_request_count(s), 2);
  sf_http_request_free(req);
  /* a POST that reached the server is not: its outcome is unknown */
  ts_push(s, &slow);
  CHECK_INT(do_request(h, "POST", url(s, "/slow"), "{}", NULL, &req),
            SF_E_OUTCOME_UNKNOWN);
  CHECK_INT(sf_http_request_attempts(req), 1);
  CHECK_INT(ts_request_count(s), 3);
  sf_http_request_free(req);
  sf_http_free(h);
  /* a per-request timeout overrides the runtime's (bounds far apart, so
   * that a loaded machine cannot blur them: 100 ms vs 3 s vs 20 s) */
  cfg.timeout_ms = 20000;
  cfg.max_retries = 0;
  h = runtime(&cfg);
  ts_push(s, &slow);
  CHECK_INT(sf_http_request_new(&req, h, "GET", url(s, "/slow")), SF_OK);
  CHECK_INT(sf_http_request_set_timeout(req, 100), SF_OK);
  t0 = sf__now_ms();
  CHECK_INT(sf_http_send(req), SF_E_TIMEOUT);
  CHECK(sf__now_ms() - t0 < 1500);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

/* A deadline bounds the whole run: attempts cut to what is left, no
 * retry whose wait would end past it (bounds far apart for a loaded
 * machine: 800 ms vs the 4 x 500 ms attempts and backoffs without it). */
static void deadline_bounds_the_retries(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response slow = {200, NULL, "{}", 0, 3000, 0};
  ts_response busy = {503, "Retry-After: 2\r\n", "[]", 0, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  long long t0;
  sf_http_request *req = NULL;
  int i;
  for (i = 0; i < 2; i++)
    ts_push(s, &slow);
  sf_http_config_init(&cfg);
  cfg.timeout_ms = 500;
  cfg.retry_base_ms = 10;
  h = runtime(&cfg);
  CHECK_INT(sf_http_request_new(&req, h, "GET", url(s, "/slow")), SF_OK);
  CHECK_INT(sf_http_request_set_deadline(req, -1), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_set_deadline(req, 800), SF_OK);
  t0 = sf__now_ms();
  CHECK_INT(sf_http_send(req), SF_E_TIMEOUT);
  CHECK(sf__now_ms() - t0 >= 750);
  CHECK(sf__now_ms() - t0 < 1500);
  CHECK_INT(sf_http_request_attempts(req), 2); /* 500 ms, then the rest */
  CHECK(strstr(sf_http_request_error(req)->message, "deadline of 800 ms") !=
        NULL);
  sf_http_request_free(req);
  ts_stop(s);
  /* a Retry-After past the deadline: the 503 comes back at once */
  s = ts_start(NULL, NULL);
  ts_push(s, &busy);
  CHECK_INT(sf_http_request_new(&req, h, "GET", url(s, "/busy")), SF_OK);
  CHECK_INT(sf_http_request_set_deadline(req, 1000), SF_OK);
  t0 = sf__now_ms();
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_response_status(req), 503);
  CHECK(sf__now_ms() - t0 < 900);
  CHECK_INT(sf_http_request_attempts(req), 1);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void get_retried_on_503_after_retry_after(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {503, "Retry-After: 1\r\n", "[]", 0, 0, 0};
  ts_response ok = {200, NULL, "{\"ok\":true}", 0, 0, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  long status = 0;
  long long t0;
  ts_push(s, &busy);
  ts_push(s, &ok);
  t0 = sf__now_ms();
  CHECK_INT(do_request(h, "GET", url(s, "/busy"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 200);
  CHECK(sf__now_ms() - t0 >= 950); /* waited as Retry-After said */
  CHECK(sf__now_ms() - t0 < 3000);
  CHECK_INT(sf_http_request_attempts(req), 2);
  CHECK_INT(ts_request_count(s), 2);
  CHECK_STR(sf_http_response_body(req, NULL), "{\"ok\":true}");
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void retry_after_beyond_limit_returns_the_answer(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {429, "Retry-After: 120\r\n", "[]", 0, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  long status = 0;
  ts_push(s, &busy);
  sf_http_config_init(&cfg);
  cfg.retry_max_delay_ms = 5000;
  h = runtime(&cfg);
  CHECK_INT(do_request(h, "GET", url(s, "/limited"), NULL, &status, &req),
            SF_OK);
  CHECK_INT(status, 429);
  CHECK_INT(sf_http_response_retry_after_ms(req), 120000);
  CHECK_INT(sf_http_request_attempts(req), 1);
  CHECK_INT(sf_http_request_error(req)->http_status, 429);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

/* A body that fills the first buffer to its last byte still has its
 * padding (under ASan a read past the buffer would stop the test). */
static void body_padding_at_buffer_edges(void) {
  static const size_t sizes[] = {4095, 4096 - 1 - SF_HTTP_BODY_PADDING, 8191,
                                 1};
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  size_t k, i, len;
  long status = 0;
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    ts_response r = {200, NULL, NULL, sizes[k], 0, 0};
    const char *b;
    ts_push(s, &r);
    CHECK_INT(do_request(h, "GET", url(s, "/b"), NULL, &status, &req), SF_OK);
    b = sf_http_response_body(req, &len);
    CHECK_INT(len, sizes[k]);
    CHECK_INT(b[len - 1], 'x');
    for (i = 0; i <= SF_HTTP_BODY_PADDING; i++)
      CHECK_INT(b[len + i], 0);
    sf_http_request_free(req);
  }
  sf_http_free(h);
  ts_stop(s);
}

/* Statuses that are not retried have their Retry-After read when asked
 * for; none without the header. */
static void retry_after_of_other_statuses(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response moved = {301, "Retry-After: 7\r\nLocation: /x\r\n", "", 0, 0, 0};
  ts_response fine = {200, "Retry-After: 2\r\n", "{}", 0, 0, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  long status = 0;
  ts_push(s, &moved);
  ts_push(s, &fine);
  CHECK_INT(do_request(h, "GET", url(s, "/m"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 301);
  CHECK_INT(sf_http_response_retry_after_ms(req), 7000);
  sf_http_request_free(req);
  CHECK_INT(do_request(h, "GET", url(s, "/f"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 200);
  CHECK_INT(sf_http_response_retry_after_ms(req), 2000);
  sf_http_request_free(req);
  CHECK_INT(do_request(h, "GET", url(s, "/n"), NULL, &status, &req), SF_OK);
  CHECK_INT(sf_http_response_retry_after_ms(req), -1);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void retries_are_bounded_in_count(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {502, NULL, "[]", 0, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  sf_http_stats st;
  long status = 0;
  int i;
  for (i = 0; i < 10; i++)
    ts_push(s, &busy);
  sf_http_config_init(&cfg);
  cfg.retry_base_ms = 1;
  cfg.max_retries = 2;
  h = runtime(&cfg);
  CHECK_INT(do_request(h, "DELETE", url(s, "/x"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 502);
  CHECK_INT(sf_http_request_attempts(req), 3);
  CHECK_INT(ts_request_count(s), 3);
  sf_http_get_stats(h, &st);
  CHECK_INT(st.retries, 2);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void retries_are_bounded_in_time(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {503, "Retry-After: 1\r\n", "[]", 0, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  long status = 0;
  int i;
  for (i = 0; i < 10; i++)
    ts_push(s, &busy);
  sf_http_config_init(&cfg);
  cfg.max_retries = 10;
  cfg.retry_budget_ms = 1500; /* room for one 1 s wait, not two */
  h = runtime(&cfg);
  CHECK_INT(do_request(h, "GET", url(s, "/x"), NULL, &status, &req), SF_OK);
  CHECK_INT(status, 503);
  CHECK_INT(sf_http_request_attempts(req), 2);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void post_is_not_retried_on_503(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {503, "Retry-After: 0\r\n", "[]", 0, 0, 0};
  sf_http *h = runtime(NULL);
  long status = 0;
  ts_push(s, &busy);
  CHECK_INT(do_request(h, "POST", url(s, "/create"), "{}", &status, NULL),
            SF_OK);
  CHECK_INT(status, 503);
  CHECK_INT(ts_request_count(s), 1);
  sf_http_free(h);
  ts_stop(s);
}

static void post_dropped_after_send_is_not_resent(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response drop = {0, NULL, NULL, 0, 0, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  ts_request seen;
  /* on a fresh connection */
  ts_push(s, &drop);
  CHECK_INT(do_request(h, "POST", url(s, "/create"), "{\"n\":1}", NULL, &req),
            SF_E_OUTCOME_UNKNOWN);
  CHECK(strstr(sf_http_request_error(req)->message, "not re-sent") != NULL);
  CHECK_INT(sf_http_request_attempts(req), 1);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(s), 1);
  /* on a reused connection, where libcurl itself would re-send */
  CHECK_INT(do_request(h, "GET", url(s, "/warm"), NULL, NULL, NULL), SF_OK);
  ts_push(s, &drop);
  CHECK_INT(do_request(h, "POST", url(s, "/create"), "{\"n\":2}", NULL, NULL),
            SF_E_OUTCOME_UNKNOWN);
  CHECK_INT(ts_request_count(s), 3);
  CHECK_INT(ts_request_at(s, 2, &seen), 0);
  CHECK_STR(seen.body, "{\"n\":2}");
  sf_http_free(h);
  ts_stop(s);
}

static void post_answer_cut_keeps_its_status(void) {
  ts_server *s = ts_start(NULL, NULL);
  /* the status line and headers of a 201, then 9 of 100 body bytes */
  ts_response cut = {201, "Content-Length: 100\r\n", "{\"id\":\"001", 0, 0, 1};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  const sf_error *err;
  ts_push(s, &cut);
  CHECK_INT(do_request(h, "POST", url(s, "/create"), "{}", NULL, &req),
            SF_E_OUTCOME_UNKNOWN);
  err = sf_http_request_error(req);
  CHECK_INT(err->http_status, 201);
  CHECK(strstr(err->message, "answered HTTP 201") != NULL);
  CHECK(strstr(err->message, "applied") != NULL);
  CHECK_INT(sf_http_response_status(req), 0); /* no response to read */
  CHECK_INT(sf_http_request_attempts(req), 1);
  CHECK_INT(ts_request_count(s), 1);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void long_url_refused(void) {
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  size_t n = SF_HTTP_URL_MAX + 1;
  char *u = malloc(n + 1);
  memcpy(u, "https://example.com/", 20);
  memset(u + 20, 'a', n - 20);
  u[n] = '\0';
  CHECK_INT(sf_http_request_new(&req, h, "GET", u), SF_E_INVALID_ARG);
  CHECK(req == NULL);
  u[n - 1] = '\0'; /* SF_HTTP_URL_MAX bytes: taken */
  CHECK_INT(sf_http_request_new(&req, h, "GET", u), SF_OK);
  sf_http_request_free(req);
  free(u);
  sf_http_free(h);
}

static void get_dropped_is_retried(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response drop = {0, NULL, NULL, 0, 0, 0};
  sf_http *h = runtime(NULL);
  long status = 0;
  ts_push(s, &drop);
  CHECK_INT(do_request(h, "GET", url(s, "/r"), NULL, &status, NULL), SF_OK);
  CHECK_INT(status, 200);
  CHECK_INT(ts_request_count(s), 2);
  sf_http_free(h);
  ts_stop(s);
}

static void idempotency_can_be_declared(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {503, "Retry-After: 0\r\n", "[]", 0, 0, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  ts_push(s, &busy);
  CHECK_INT(sf_http_request_new(&req, h, "PATCH", url(s, "/u")), SF_OK);
  CHECK_INT(sf_http_request_set_idempotent(req, 1), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_response_status(req), 200);
  CHECK_INT(ts_request_count(s), 2);
  sf_http_request_free(req);
  sf_http_free(h);
  ts_stop(s);
}

static void tls_trust(void) {
  struct timespec tick = {0, 5000000};
  int i;
  tc_files certs;
  ts_server *s;
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  long status = 0;
  CHECK_INT(tc_make(&certs), 0);
  s = ts_start(certs.cert, certs.key);
  CHECK(s != NULL);
  if (!s)
    return;
  /* an unknown CA is refused, and not retried */
  sf_http_config_init(&cfg);
  cfg.retry_base_ms = 1;
  h = runtime(&cfg);
  CHECK_INT(do_request(h, "GET", url(s, "/t"), NULL, NULL, &req), SF_E_TLS);
  CHECK_INT(sf_http_request_attempts(req), 1);
  CHECK(strlen(sf_http_request_error(req)->message) > 0);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(s), 0);
  /* the server thread records the refused handshake a moment later */
  for (i = 0; i < 400 && ts_tls_failures(s) < 1; i++)
    nanosleep(&tick, NULL);
  CHECK(ts_tls_failures(s) >= 1);
  sf_http_free(h);
  /* trusted once the CA file is configured */
  cfg.ca_file = certs.ca;
  h = runtime(&cfg);
  CHECK_INT(do_request(h, "GET", url(s, "/t"), NULL, &status, NULL), SF_OK);
  CHECK_INT(status, 200);
  CHECK_INT(ts_request_count(s), 1);
  sf_http_free(h);
  ts_stop(s);
  tc_remove(&certs);
}

static void response_size_cap(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response big = {200, NULL, NULL, 5000, 0, 0};
  ts_response big_unsized = {200, NULL, NULL, 5000, 0, 1};
  ts_response fits = {200, NULL, NULL, 1000, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  size_t len = 0;
  sf_http_config_init(&cfg);
  cfg.max_response_bytes = 1000;
  h = runtime(&cfg);
  ts_push(s, &big);
  ts_push(s, &big_unsized);
  ts_push(s, &fits);
  CHECK_INT(do_request(h, "GET", url(s, "/big"), NULL, NULL, &req),
            SF_E_TOO_LARGE);
  CHECK(strstr(sf_http_request_error(req)->message, "1000") != NULL);
  sf_http_request_free(req);
  CHECK_INT(do_request(h, "GET", url(s, "/big"), NULL, NULL, NULL),
            SF_E_TOO_LARGE);
  CHECK_INT(do_request(h, "GET", url(s, "/fits"), NULL, NULL, &req), SF_OK);
  sf_http_response_body(req, &len);
  CHECK_INT(len, 1000);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(s), 3); /* the cap is not retried */
  sf_http_free(h);
  ts_stop(s);
}

static void logs_redact_secrets(void) {
  static log_capture cap;
  ts_server *s = ts_start(NULL, NULL);
  ts_response busy = {503, "Retry-After: 0\r\n", "[]", 0, 0, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *req = NULL;
  const char *form = "grant_type=refresh_token&client_id=cid"
                     "&client_secret=SECRET-CS&refresh_token=SECRET-RT"
                     "&code=SECRET-CODE&code_verifier=SECRET-CV"
                     "&password=SECRET-PW&assertion=SECRET-JWT";
  memset(&cap, 0, sizeof cap);
  sf_http_config_init(&cfg);
  cfg.log = capture;
  cfg.log_userdata = &cap;
  cfg.log_level = SF_LOG_DEBUG;
  cfg.retry_base_ms = 1;
  h = runtime(&cfg);
  ts_push(s, &busy);
  CHECK_INT(sf_http_request_new(&req, h, "GET",
                                url(s, "/revoke?token=SECRET-QT&x=1")),
            SF_OK);
  CHECK_INT(
      sf_http_request_add_header(req, "Authorization", "Bearer SECRET-AT"),
      SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "Cookie", "sid=SECRET-CK"), SF_OK);
  CHECK_INT(sf_http_request_set_body(req, form, strlen(form),
                                     "application/x-www-form-urlencoded"),
            SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  sf_http_request_free(req);
  CHECK(cap.len > 0);
  CHECK(strstr(cap.text, "SECRET") == NULL);
  CHECK(strstr(cap.text, "[REDACTED]") != NULL);
  CHECK(strstr(cap.text, "grant_type=refresh_token") != NULL);
  CHECK(strstr(cap.text, "client_id=cid") != NULL);
  CHECK(strstr(cap.text, "x=1") != NULL);
  CHECK(strstr(cap.text, "retrying GET") != NULL);
  if (strstr(cap.text, "SECRET"))
    fprintf(stderr, "%s", cap.text);
  /* what the server got was not redacted */
  {
    ts_request seen;
    CHECK_INT(ts_request_at(s, 0, &seen), 0);
    CHECK(strstr(seen.body, "client_secret=SECRET-CS") != NULL);
  }
  sf_http_free(h);
  ts_stop(s);
}

typedef struct counter {
  int done;
  int ok;
} counter;

static void on_done(sf_http_request *req, void *ud) {
  counter *c = ud;
  c->done++;
  if (sf_http_request_result(req) == SF_OK &&
      sf_http_response_status(req) == 200)
    c->ok++;
}

static void requests_run_concurrently(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response slow = {200, NULL, "{}", 0, 600, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *reqs[8];
  counter c = {0, 0};
  long long t0;
  int i;
  for (i = 0; i < 8; i++)
    ts_push(s, &slow);
  t0 = sf__now_ms();
  for (i = 0; i < 8; i++) {
    CHECK_INT(sf_http_request_new(&reqs[i], h, "GET", url(s, "/slow")), SF_OK);
    CHECK_INT(sf_http_start(reqs[i], on_done, &c), SF_OK);
  }
  CHECK_INT(sf_http_pending(h), 8);
  CHECK_INT(sf_http_start(reqs[0], on_done, &c), SF_E_BUSY);
  while (sf_http_pending(h) > 0)
    CHECK_INT(sf_http_step(h, 1000), SF_OK);
  CHECK_INT(c.done, 8);
  CHECK_INT(c.ok, 8);
  CHECK(sf__now_ms() - t0 < 3000); /* one after another: 8 x 600 ms */
  CHECK_INT(ts_connection_count(s), 8);
  for (i = 0; i < 8; i++)
    sf_http_request_free(reqs[i]);
  sf_http_free(h);
  ts_stop(s);
}

static void host_connection_limit(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response slow = {200, NULL, "{}", 0, 100, 0};
  sf_http_config cfg;
  sf_http *h;
  sf_http_request *reqs[6];
  counter c = {0, 0};
  int i;
  sf_http_config_init(&cfg);
  cfg.max_host_connections = 2;
  h = runtime(&cfg);
  for (i = 0; i < 6; i++) {
    ts_push(s, &slow);
    sf_http_request_new(&reqs[i], h, "GET", url(s, "/slow"));
    sf_http_start(reqs[i], on_done, &c);
  }
  while (sf_http_pending(h) > 0)
    sf_http_step(h, 1000);
  CHECK_INT(c.ok, 6);
  CHECK_INT(ts_connection_count(s), 2);
  for (i = 0; i < 6; i++)
    sf_http_request_free(reqs[i]);
  sf_http_free(h);
  ts_stop(s);
}

/* A callback may free other requests, including completed ones. */
static sf_http_request *victim;
static void free_victim(sf_http_request *req, void *ud) {
  (void)req;
  (void)ud;
  sf_http_request_free(victim);
  victim = NULL;
}

static void callbacks_may_free_requests(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  sf_http_request *a = NULL;
  CHECK_INT(sf_http_request_new(&a, h, "GET", url(s, "/a")), SF_OK);
  CHECK_INT(sf_http_request_new(&victim, h, "GET", url(s, "/b")), SF_OK);
  CHECK_INT(sf_http_start(a, free_victim, NULL), SF_OK);
  CHECK_INT(sf_http_start(victim, free_victim, NULL), SF_OK);
  while (sf_http_pending(h) > 0)
    CHECK_INT(sf_http_step(h, 1000), SF_OK);
  CHECK(victim == NULL);
  sf_http_request_free(a);
  sf_http_free(h);
  ts_stop(s);
}

static void runtime_freed_with_requests_in_flight(void) {
  ts_server *s = ts_start(NULL, NULL);
  ts_response slow = {200, NULL, "{}", 0, 200, 0};
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  ts_push(s, &slow);
  CHECK_INT(sf_http_request_new(&req, h, "GET", url(s, "/slow")), SF_OK);
  CHECK_INT(sf_http_start(req, NULL, NULL), SF_OK);
  sf_http_step(h, 10);
  sf_http_free(h);
  CHECK_INT(sf_http_request_result(req), SF_E_ABORTED);
  CHECK_INT(sf_http_start(req, NULL, NULL), SF_E_ABORTED);
  sf_http_request_free(req);
  ts_stop(s);
}

static void argument_contract(void) {
  sf_http *h = runtime(NULL);
  sf_http_request *req = (sf_http_request *)&req;
  sf_http_config cfg;
  sf_http *bad = (sf_http *)&bad;
  CHECK_INT(sf_http_request_new(&req, h, "BREW", "http://x/"),
            SF_E_INVALID_ARG);
  CHECK(req == NULL);
  CHECK_INT(sf_http_request_new(&req, h, "GET", "ftp://x/"), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_new(&req, NULL, "GET", "http://x/"),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_new(NULL, h, "GET", "http://x/"), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_new(&req, h, "GET", "http://x/"), SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "X", "a\r\nInjected: 1"),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_add_header(req, "X:Y", "a"), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_add_header(req, "", "a"), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_set_body(req, NULL, 3, NULL), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_set_body(req, NULL, 0, NULL), SF_OK);
  CHECK_INT(sf_http_request_set_timeout(req, 0), SF_E_INVALID_ARG);
  sf_http_request_free(req);
  sf_http_request_free(NULL);
  sf_http_free(NULL);
  sf_http_config_init(&cfg);
  cfg.timeout_ms = 0;
  CHECK_INT(sf_http_new(&bad, &cfg), SF_E_INVALID_ARG);
  CHECK(bad == NULL);
  sf_http_config_init(&cfg);
  cfg.max_retries = -1;
  CHECK_INT(sf_http_new(&bad, &cfg), SF_E_INVALID_ARG);
  CHECK_INT(sf_http_new(NULL, NULL), SF_E_INVALID_ARG);
  CHECK_STR(sf_code_name(SF_E_TIMEOUT), "SF_E_TIMEOUT");
  CHECK_STR(sf_code_name((sf_code)999), "SF_E_UNKNOWN");
  CHECK_STR(sf_strerror(SF_OK), "no error");
  CHECK_STR(sf_strerror((sf_code)-1), "unknown error");
  CHECK_STR(sf_log_level_name(SF_LOG_WARN), "warn");
  CHECK_STR(sf_version(), SF_VERSION);
  sf_http_free(h);
}

static void redaction_helpers(void) {
  char out[256];
  sf__redact_header("authorization: Bearer abc", out, sizeof out);
  CHECK_STR(out, "authorization: [REDACTED]");
  sf__redact_header("Content-Type: text/plain", out, sizeof out);
  CHECK_STR(out, "Content-Type: text/plain");
  sf__redact_form("a=1&password=p&&token", 21, out, sizeof out);
  CHECK_STR(out, "a=1&password=[REDACTED]&&token");
  sf__redact_url("https://h/p?code=c&state=s#frag", out, sizeof out);
  CHECK_STR(out, "https://h/p?code=[REDACTED]&state=s");
  sf__redact_url("https://h/p", out, sizeof out);
  CHECK_STR(out, "https://h/p");
  sf__redact_form("access_token=abcdef", 19, out, 8);
  CHECK(strstr(out, "abc") == NULL); /* truncated, never leaking */
}

/* The URL a request reaches the server with: a plain path and query
 * (the fast path: a parsed origin and the path set as it is) as written;
 * anything else as libcurl's own parse makes it (dot segments resolved,
 * the fragment dropped, percent-encodings kept as they are). */
static void urls_reach_the_server_as_written(void) {
  static const char *const cases[][2] = {
      {"/services/data/v62.0/sobjects/Lead/00Q5g00000BENCH001",
       "/services/data/v62.0/sobjects/Lead/00Q5g00000BENCH001"},
      {"/q?q=SELECT+Id,Name+FROM+Lead&x=a:b@c;d!$'()*~",
       "/q?q=SELECT+Id,Name+FROM+Lead&x=a:b@c;d!$'()*~"},
      {"/p?next=/a/../b?c", "/p?next=/a/../b?c"},
      /* dot segments are sent, not removed (CURLOPT_PATH_AS_IS): what is
       * built is what is called */
      {"/a/./b/../c?x=%2C", "/a/./b/../c?x=%2C"},
      {"/a/b/..", "/a/b/.."},
      {"/a/.", "/a/."},
      {"/a/.hidden/..x", "/a/.hidden/..x"},
      {"/x#fragment", "/x"},
      {"/%7Euser/p?q=%2c", "/%7Euser/p?q=%2c"},
      {"/", "/"},
  };
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  ts_request seen;
  long status = 0;
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_INT(do_request(h, "GET", url(s, cases[i][0]), NULL, &status, NULL),
              SF_OK);
    CHECK_INT(status, 200);
    CHECK_INT(ts_request_at(s, (int)i, &seen), 0);
    CHECK_STR(seen.target, cases[i][1]);
  }
  /* the host spelled another way is another origin; both work */
  snprintf(url_buf, sizeof url_buf, "http://localhost:%d/by/name?x=1",
           ts_port(s));
  CHECK_INT(do_request(h, "GET", url_buf, NULL, &status, NULL), SF_OK);
  CHECK_INT(ts_request_at(s, (int)i, &seen), 0);
  CHECK_STR(seen.target, "/by/name?x=1");
  CHECK_INT(do_request(h, "GET", url(s, "/again"), NULL, &status, NULL), SF_OK);
  CHECK_INT(ts_request_at(s, (int)i + 1, &seen), 0);
  CHECK_STR(seen.target, "/again");
  sf_http_free(h);
  ts_stop(s);
}

/* A request made new is the request sf_http_request_new would make: the
 * last one's method, body, Content-Type, headers (unless kept), query,
 * answer and errors are gone, whatever the URLs (of the same origin or
 * not, longer, or not on the parsed fast path), and one connection per
 * origin serves them. Refused while in flight and once the runtime is
 * freed, and a bad method or URL leaves the request as it was. */
static void reused_requests_start_afresh(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h = runtime(NULL);
  sf_http_request *req = NULL;
  ts_request seen;
  char v[256], other[256];
  ts_response r = {201, "X-Answer: 42\r\n", "{\"id\":\"1\"}", 0, 0, 0};
  long status = 0;
  size_t len = 0;
  ts_push(s, &r);
  CHECK_INT(sf_http_request_new(&req, h, "POST", url(s, "/a?q=1")), SF_OK);
  CHECK_INT(sf_http_request_add_header(req, "X-Test", "yes"), SF_OK);
  CHECK_INT(sf_http_request_set_body(req, "{\"a\":1}", 7, "text/plain"), SF_OK);
  CHECK_INT(sf_http_request_set_timeout(req, 5000), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_response_status(req), 201);
  /* GET of the same origin, headers dropped */
  CHECK_INT(sf_http_request_reuse(req, "GET", url(s, "/b"), 0), SF_OK);
  CHECK_INT(sf_http_response_status(req), 0);
  CHECK_STR(sf_http_response_body(req, &len), "");
  CHECK_INT(len, 0);
  CHECK(sf_http_response_header(req, "X-Answer") == NULL);
  CHECK_INT(sf_http_request_attempts(req), 0);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_response_status(req), 200);
  CHECK_INT(ts_request_at(s, 1, &seen), 0);
  CHECK_STR(seen.method, "GET");
  CHECK_STR(seen.target, "/b");
  CHECK_INT(seen.body_len, 0);
  CHECK(ts_header(&seen, "X-Test", v, sizeof v) != 0);
  CHECK(ts_header(&seen, "Content-Type", v, sizeof v) != 0);
  CHECK_INT(count_headers(&seen, "User-Agent"), 1);
  CHECK_INT(count_headers(&seen, "Accept-Encoding"), 1);
  /* headers kept, a longer URL with a query, then one without */
  CHECK_INT(sf_http_request_add_header(req, "X-Kept", "1"), SF_OK);
  CHECK_INT(sf_http_request_reuse(
                req, "DELETE",
                url(s, "/a/much/longer/path/than/the/first/one?x=2&y=3"), 1),
            SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_request_reuse(req, "GET", url(s, "/c"), 1), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(ts_request_at(s, 2, &seen), 0);
  CHECK_STR(seen.method, "DELETE");
  CHECK_STR(seen.target, "/a/much/longer/path/than/the/first/one?x=2&y=3");
  CHECK_INT(count_headers(&seen, "X-Kept"), 1);
  CHECK_INT(count_headers(&seen, "User-Agent"), 1);
  CHECK_INT(ts_request_at(s, 3, &seen), 0);
  CHECK_STR(seen.method, "GET");
  CHECK_STR(seen.target, "/c");
  CHECK_INT(count_headers(&seen, "X-Kept"), 1);
  /* another origin (the host by name), then a URL libcurl must parse */
  snprintf(other, sizeof other, "http://localhost:%d/by/name?n=1", ts_port(s));
  CHECK_INT(sf_http_request_reuse(req, "GET", other, 0), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_request_reuse(req, "GET", url(s, "/a/./b/../c?x=%2C"), 0),
            SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(sf_http_request_reuse(req, "PUT", url(s, "/d"), 0), SF_OK);
  CHECK_INT(sf_http_request_set_body(req, "x", 1, "text/plain"), SF_OK);
  CHECK_INT(sf_http_send(req), SF_OK);
  CHECK_INT(ts_request_at(s, 4, &seen), 0);
  CHECK_STR(seen.target, "/by/name?n=1");
  CHECK_INT(ts_header(&seen, "Host", v, sizeof v), 0);
  CHECK(strncmp(v, "localhost:", 10) == 0);
  CHECK_INT(ts_request_at(s, 5, &seen), 0);
  CHECK_STR(seen.target, "/a/./b/../c?x=%2C");
  CHECK_INT(ts_request_at(s, 6, &seen), 0);
  CHECK_STR(seen.method, "PUT");
  CHECK_STR(seen.target, "/d");
  CHECK_STR(seen.body, "x");
  /* refused: a bad method or URL (the request unchanged), in flight */
  CHECK_INT(sf_http_request_reuse(req, "BREW", url(s, "/e"), 0),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_reuse(req, "GET", "ftp://127.0.0.1/", 0),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_http_request_reuse(NULL, "GET", url(s, "/e"), 0),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_http_response_status(req), 200);
  CHECK_INT(sf_http_start(req, NULL, NULL), SF_OK);
  CHECK_INT(sf_http_request_reuse(req, "GET", url(s, "/e"), 0), SF_E_BUSY);
  while (sf_http_request_result(req) == SF_E_BUSY)
    sf_http_step(h, 1000);
  CHECK_INT(ts_request_at(s, 7, &seen), 0);
  CHECK_STR(seen.method, "PUT");
  CHECK_STR(seen.target, "/d");
  CHECK_INT(ts_connection_count(s), 2); /* 127.0.0.1 and localhost */
  CHECK_INT(do_request(h, "GET", url(s, "/f"), NULL, &status, NULL), SF_OK);
  sf_http_free(h);
  CHECK_INT(sf_http_request_reuse(req, "GET", url(s, "/e"), 0), SF_E_ABORTED);
  sf_http_request_free(req);
  ts_stop(s);
}

/* The proxy variables are read when the runtime is made, as libcurl reads
 * them: http_proxy for http, https_proxy for https, all_proxy for both,
 * no_proxy exempts hosts. The test server stands in for the proxy. */
static void proxy_from_the_environment(void) {
  ts_server *s = ts_start(NULL, NULL);
  sf_http *h;
  ts_request seen;
  long status = 0;
  char target[64];
  int i;
  setenv("http_proxy", ts_url(s), 1);
  setenv("no_proxy", "direct.invalid", 1);
  h = runtime(NULL);
  unsetenv("http_proxy"); /* read already */
  unsetenv("no_proxy");
  /* more origins than the runtime keeps parsed, each twice */
  for (i = 0; i < 12; i++) {
    snprintf(url_buf, sizeof url_buf, "http://h%d.invalid:%d/p%d?i=%d", i % 6,
             8000 + i % 6, i, i);
    CHECK_INT(do_request(h, "GET", url_buf, NULL, &status, NULL), SF_OK);
    CHECK_INT(status, 200);
    CHECK_INT(ts_request_at(s, i, &seen), 0);
    CHECK_STR(seen.target, url_buf); /* the absolute form, to a proxy */
  }
  CHECK_INT(do_request(h, "GET", "http://direct.invalid/x", NULL, NULL, NULL),
            SF_E_CONNECT);
  CHECK_INT(ts_request_count(s), 12);
  sf_http_free(h);

  /* https through an http proxy: a CONNECT tunnel */
  setenv("all_proxy", ts_url(s), 1);
  h = runtime(NULL);
  unsetenv("all_proxy");
  CHECK(do_request(h, "GET", "https://tls.invalid/x", NULL, NULL, NULL) !=
        SF_OK);
  CHECK_INT(ts_request_at(s, 12, &seen), 0);
  CHECK_STR(seen.method, "CONNECT");
  snprintf(target, sizeof target, "tls.invalid:443");
  CHECK_STR(seen.target, target);
  sf_http_free(h);

  /* without the variables: no proxy */
  h = runtime(NULL);
  CHECK_INT(do_request(h, "GET", "http://h0.invalid:8000/p", NULL, NULL, NULL),
            SF_E_CONNECT);
  sf_http_free(h);
  ts_stop(s);
}

int main(void) {
  if (sf_global_init() != SF_OK)
    return 1;
  TEST(argument_contract);
  TEST(redaction_helpers);
  TEST(reuses_one_connection);
  TEST(sends_method_headers_and_body);
  TEST(pooled_handles_forget_the_last_request);
  TEST(urls_reach_the_server_as_written);
  TEST(reused_requests_start_afresh);
  TEST(default_headers_and_decoding);
  TEST(proxy_from_the_environment);
  TEST(connect_refused_is_connect_error);
  TEST(connect_timeout);
  TEST(total_timeout);
  TEST(deadline_bounds_the_retries);
  TEST(get_retried_on_503_after_retry_after);
  TEST(retry_after_beyond_limit_returns_the_answer);
  TEST(retry_after_of_other_statuses);
  TEST(body_padding_at_buffer_edges);
  TEST(retries_are_bounded_in_count);
  TEST(retries_are_bounded_in_time);
  TEST(post_is_not_retried_on_503);
  TEST(post_dropped_after_send_is_not_resent);
  TEST(post_answer_cut_keeps_its_status);
  TEST(long_url_refused);
  TEST(get_dropped_is_retried);
  TEST(idempotency_can_be_declared);
  TEST(tls_trust);
  TEST(response_size_cap);
  TEST(logs_redact_secrets);
  TEST(requests_run_concurrently);
  TEST(host_connection_limit);
  TEST(callbacks_may_free_requests);
  TEST(runtime_freed_with_requests_in_flight);
  sf_global_cleanup();
  return TEST_DONE();
}
