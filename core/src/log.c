/*
 * log.c - the core's log plumbing (formatting into a fixed buffer and
 * handing the line to the host's callback) and redaction of the secrets
 * that may appear in headers, form bodies and URLs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"

#define LOG_LINE_MAX 1024
#define REDACTED "[REDACTED]"

long long sf__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sf__log_enabled(const sf__logger *lg, sf_log_level level) {
  return lg && lg->fn && level <= lg->level;
}

void sf__log(const sf__logger *lg, sf_log_level level, const char *fmt, ...) {
  char line[LOG_LINE_MAX];
  va_list ap;
  int n;
  if (!sf__log_enabled(lg, level))
    return;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof line)
    memcpy(line + sizeof line - 4, "...", 4);
  lg->fn(lg->userdata, level, line);
}

/* Form fields and query parameters whose values are secrets. */
static const char *const secret_keys[] = {
    "access_token",  "refresh_token", "id_token",
    "client_secret", "password",      "code",
    "code_verifier", "assertion",     "client_assertion",
    "token",         "device_code",   "secret",
    "sid",           "session_id",    NULL};

/* Headers whose values are secrets. */
static const char *const secret_headers[] = {
    "authorization", "proxy-authorization", "cookie",
    "set-cookie",    "x-sfdc-session",      NULL};

int sf__is_secret_key(const char *key, size_t len) {
  size_t i;
  for (i = 0; secret_keys[i]; i++) {
    if (strlen(secret_keys[i]) == len &&
        strncasecmp(secret_keys[i], key, len) == 0)
      return 1;
  }
  return 0;
}

/* Appends len bytes of s to out[*pos], keeping room for the NUL. */
static void put(char *out, size_t size, size_t *pos, const char *s,
                size_t len) {
  if (*pos + 1 >= size)
    return;
  if (len > size - 1 - *pos)
    len = size - 1 - *pos;
  memcpy(out + *pos, s, len);
  *pos += len;
  out[*pos] = '\0';
}

void sf__redact_header(const char *in, char *out, size_t size) {
  const char *colon = strchr(in, ':');
  size_t pos = 0, i;
  if (size == 0)
    return;
  out[0] = '\0';
  if (colon) {
    size_t nlen = (size_t)(colon - in);
    for (i = 0; secret_headers[i]; i++) {
      if (strlen(secret_headers[i]) == nlen &&
          strncasecmp(secret_headers[i], in, nlen) == 0) {
        put(out, size, &pos, in, nlen + 1);
        put(out, size, &pos, " " REDACTED, strlen(REDACTED) + 1);
        return;
      }
    }
  }
  put(out, size, &pos, in, strlen(in));
}

void sf__redact_form(const char *in, size_t len, char *out, size_t size) {
  size_t pos = 0, i = 0;
  if (size == 0)
    return;
  out[0] = '\0';
  while (i < len) {
    size_t start = i, eq, end;
    while (i < len && in[i] != '&')
      i++;
    end = i;
    for (eq = start; eq < end && in[eq] != '='; eq++)
      ;
    if (eq < end && sf__is_secret_key(in + start, eq - start)) {
      put(out, size, &pos, in + start, eq - start + 1);
      put(out, size, &pos, REDACTED, strlen(REDACTED));
    } else {
      put(out, size, &pos, in + start, end - start);
    }
    if (i < len) {
      put(out, size, &pos, "&", 1);
      i++;
    }
  }
}

void sf__redact_url(const char *in, char *out, size_t size) {
  const char *q = strchr(in, '?');
  const char *frag;
  size_t pos = 0, qlen;
  if (size == 0)
    return;
  out[0] = '\0';
  if (!q) {
    put(out, size, &pos, in, strlen(in));
    return;
  }
  put(out, size, &pos, in, (size_t)(q - in) + 1);
  frag = strchr(q, '#');
  qlen = frag ? (size_t)(frag - q - 1) : strlen(q + 1);
  sf__redact_form(q + 1, qlen, out + pos, size - pos);
}
