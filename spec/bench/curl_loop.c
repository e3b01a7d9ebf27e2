/*
 * curl_loop.c - the limit for P1: N sequential authenticated GETs of one
 * URL on one reused libcurl easy handle (one keep-alive connection), the
 * same request headers as luaforce sends, bodies collected in memory and
 * not decoded. Prints "n=N loop_s=SECONDS status=S bytes=B connects=C".
 *
 *   curl_loop URL TOKEN N [EXPECTED_STATUS]
 *
 * One warm-up request (which opens the connection) precedes the timed
 * loop. Exits 1 when any answer has another status than expected (200).
 * Built with CURL_LOOP_DECODE and json_dom.cc it is curl_loop_dom, which
 * also decodes each body (a limit that decodes, for comparison).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

typedef struct {
  char *data;
  size_t len, cap;
} buffer;

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud) {
  buffer *b = ud;
  size_t n = size * nmemb;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *p;
    while (cap < b->len + n + 1)
      cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
      return 0;
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return n;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#ifdef CURL_LOOP_DECODE
/* json_dom.cc: parses the body with simdjson's DOM; the number of fields
 * of the top-level object, or -1 when it is not one */
long bench_decode(const char *p, size_t n);
#endif

/* One request; returns its status, or -1 with a message on stderr. Built
 * with CURL_LOOP_DECODE (curl_loop_dom), a 200 body is decoded too. */
static long get(CURL *e, buffer *b) {
  CURLcode rc;
  long status = 0;
  b->len = 0;
  rc = curl_easy_perform(e);
  if (rc != CURLE_OK) {
    fprintf(stderr, "curl_loop: %s\n", curl_easy_strerror(rc));
    return -1;
  }
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
#ifdef CURL_LOOP_DECODE
  if (status == 200 && bench_decode(b->data, b->len) < 0) {
    fprintf(stderr, "curl_loop: the body is not a JSON object\n");
    return -1;
  }
#endif
  return status;
}

int main(int argc, char **argv) {
  CURL *e;
  struct curl_slist *headers = NULL;
  buffer body = {NULL, 0, 0};
  char auth[1024];
  long n, i, status, expected, bad = 0, connects = 0;
  double t0, t1;
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: curl_loop URL TOKEN N [EXPECTED_STATUS]\n");
    return 2;
  }
  n = strtol(argv[3], NULL, 10);
  expected = argc == 5 ? strtol(argv[4], NULL, 10) : 200;
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[2]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  e = curl_easy_init();
  headers = curl_slist_append(headers, auth);
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(e, CURLOPT_URL, argv[1]);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "curl_loop");
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)&body);
  status = get(e, &body); /* warm-up: opens the connection */
  if (status != expected) {
    fprintf(stderr, "curl_loop: warm-up answered %ld, expected %ld\n", status,
            expected);
    return 1;
  }
  t0 = now_s();
  for (i = 0; i < n; i++)
    if (get(e, &body) != expected)
      bad++;
  t1 = now_s();
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  printf("n=%ld loop_s=%.6f status=%ld bytes=%zu connects=%ld\n", n, t1 - t0,
         status, body.len, connects);
  curl_slist_free_all(headers);
  curl_easy_cleanup(e);
  curl_global_cleanup();
  free(body.data);
  if (bad) {
    fprintf(stderr, "curl_loop: %ld answers were not %ld\n", bad, expected);
    return 1;
  }
  return 0;
}
