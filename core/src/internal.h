/*
 * internal.h - helpers shared by the files of the core; not installed.
 * Everything here has hidden visibility in the static library's users'
 * eyes by convention: the sf__ prefix marks it internal.
 */
#ifndef SF_INTERNAL_H
#define SF_INTERNAL_H

#include <stddef.h>

#include "sf/sf.h"

#if defined(__GNUC__)
#define SF__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SF__PRINTF(a, b)
#endif

/* Sets err->code and a formatted message (NULL fmt: sf_strerror). Returns
 * `code`. Never allocates; the message is truncated to fit. */
sf_code sf__error_set(sf_error *err, sf_code code, const char *fmt, ...)
    SF__PRINTF(3, 4);

/* strlcpy: copies at most size-1 bytes and always terminates (size > 0). */
void sf__strlcpy(char *dst, const char *src, size_t size);

/* Non-zero once sf_global_init succeeded. */
int sf__global_ready(void);

/* Monotonic clock in milliseconds. */
long long sf__now_ms(void);

/*
 * Log sink shared by the core's objects. `fn` NULL disables logging.
 */
typedef struct sf__logger {
  sf_log_fn fn;
  void *userdata;
  sf_log_level level;
} sf__logger;

/* Formats and emits one line when `level` is enabled. Lines longer than
 * 1 KiB are truncated with "...". Callers redact secrets first. */
void sf__log(const sf__logger *lg, sf_log_level level, const char *fmt, ...)
    SF__PRINTF(3, 4);

/* Non-zero when `level` would be emitted (to skip costly formatting). */
int sf__log_enabled(const sf__logger *lg, sf_log_level level);

/*
 * Redaction. Each writes a NUL-terminated copy of `in` into out[size]
 * (truncated to fit) with secret values replaced by "[REDACTED]".
 */
/* A header line "Name: value": the value of Authorization, Cookie, etc. */
void sf__redact_header(const char *in, char *out, size_t size);
/* A form body or query string "a=1&b=2": values of secret keys. */
void sf__redact_form(const char *in, size_t len, char *out, size_t size);
/* A URL: its query string as sf__redact_form does. */
void sf__redact_url(const char *in, char *out, size_t size);
/* Non-zero when `key` (len bytes) names a secret form field. */
int sf__is_secret_key(const char *key, size_t len);

#endif /* SF_INTERNAL_H */
