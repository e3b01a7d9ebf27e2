/*
 * error.c - names and descriptions of the stable sf_code values, and the
 * helpers that fill an sf_error without allocating.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h"

static const struct {
  const char *name;
  const char *text;
} codes[SF_CODE_LAST_] = {
    [SF_OK] = {"SF_OK", "no error"},
    [SF_E_INVALID_ARG] = {"SF_E_INVALID_ARG", "invalid argument"},
    [SF_E_NOMEM] = {"SF_E_NOMEM", "out of memory"},
    [SF_E_INIT] = {"SF_E_INIT", "initialisation failed"},
    [SF_E_CONNECT] = {"SF_E_CONNECT", "could not connect"},
    [SF_E_TIMEOUT] = {"SF_E_TIMEOUT", "timed out"},
    [SF_E_TLS] = {"SF_E_TLS", "TLS failure"},
    [SF_E_NETWORK] = {"SF_E_NETWORK", "connection failed"},
    [SF_E_OUTCOME_UNKNOWN] = {"SF_E_OUTCOME_UNKNOWN",
                              "connection failed after the request was "
                              "sent; its outcome is unknown"},
    [SF_E_TOO_LARGE] = {"SF_E_TOO_LARGE", "response too large"},
    [SF_E_PROTOCOL] = {"SF_E_PROTOCOL", "protocol error"},
    [SF_E_BUSY] = {"SF_E_BUSY", "handle busy"},
    [SF_E_ABORTED] = {"SF_E_ABORTED", "aborted"},
    [SF_E_HTTP] = {"SF_E_HTTP", "HTTP error status"},
    [SF_E_INTERNAL] = {"SF_E_INTERNAL", "internal error"},
    [SF_E_NOT_FOUND] = {"SF_E_NOT_FOUND", "not found"},
    [SF_E_STORE] = {"SF_E_STORE", "token store failure"},
    [SF_E_CRYPTO] = {"SF_E_CRYPTO", "decryption failed (wrong key?)"},
    [SF_E_LOCKED] = {"SF_E_LOCKED", "lock not obtained in time"},
    [SF_E_OAUTH] = {"SF_E_OAUTH", "OAuth error"},
    [SF_E_SIGNATURE] = {"SF_E_SIGNATURE", "token signature does not verify"},
    [SF_E_UNTRUSTED_HOST] = {"SF_E_UNTRUSTED_HOST", "host not allowed"},
    [SF_E_STATE] = {"SF_E_STATE", "OAuth state invalid"},
    [SF_E_PENDING] = {"SF_E_PENDING", "authorization pending"},
    [SF_E_SALESFORCE] = {"SF_E_SALESFORCE", "Salesforce error"},
    [SF_E_UNSUPPORTED_ORG] = {"SF_E_UNSUPPORTED_ORG",
                              "org edition not supported"},
};

const char *sf_strerror(sf_code code) {
  if ((int)code < 0 || code >= SF_CODE_LAST_ || !codes[code].text)
    return "unknown error";
  return codes[code].text;
}

const char *sf_code_name(sf_code code) {
  if ((int)code < 0 || code >= SF_CODE_LAST_ || !codes[code].name)
    return "SF_E_UNKNOWN";
  return codes[code].name;
}

void sf_error_clear(sf_error *err) {
  if (!err)
    return;
  err->code = SF_OK;
  err->http_status = 0;
  err->remote_code[0] = '\0';
  err->message[0] = '\0';
}

sf_code sf__error_set(sf_error *err, sf_code code, const char *fmt, ...) {
  va_list ap;
  if (!err)
    return code;
  /* a record reused across calls holds only the last failure */
  err->code = code;
  err->http_status = 0;
  err->remote_code[0] = '\0';
  if (fmt) {
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  } else {
    snprintf(err->message, sizeof err->message, "%s", sf_strerror(code));
  }
  return code;
}

void sf__strlcpy(char *dst, const char *src, size_t size) {
  size_t n;
  if (size == 0)
    return;
  n = src ? strlen(src) : 0;
  if (n >= size)
    n = size - 1;
  if (n)
    memcpy(dst, src, n);
  dst[n] = '\0';
}

const char *sf_log_level_name(sf_log_level level) {
  switch (level) {
  case SF_LOG_ERROR:
    return "error";
  case SF_LOG_WARN:
    return "warn";
  case SF_LOG_INFO:
    return "info";
  case SF_LOG_DEBUG:
    return "debug";
  }
  return "?";
}

char *sf__strdup(const char *s) {
  size_t n;
  char *p;
  if (!s)
    return NULL;
  n = strlen(s) + 1;
  p = malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

void sf__free_secret(char *s) {
  if (!s)
    return;
  OPENSSL_cleanse(s, strlen(s));
  free(s);
}
