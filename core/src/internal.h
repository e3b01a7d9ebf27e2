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

/* Non-zero when `url` has the scheme, host and port of `origin` and no
 * user information (so a bearer token sent to it stays on that host). */
int sf__same_origin(const char *url, const char *origin);

/* The logger of an HTTP runtime, for the layers built on it. */
const sf__logger *sf__http_logger(const sf_http *http);

/* Wipes and frees a NUL-terminated secret. NULL is harmless. */
void sf__free_secret(char *s);

/* malloc'd copy of s (NULL stays NULL). */
char *sf__strdup(const char *s);

/*
 * Sealing of token-store files (store_crypto.c). A sealed file is
 * "LFTS1", a version byte, a 12-byte nonce, the AES-256-GCM ciphertext
 * and the 16-byte tag; profile and user are authenticated with it.
 */
#define SF__SEAL_MAGIC "LFTS1"
#define SF__SEAL_MAGIC_LEN 5
#define SF__SEAL_VERSION 1
#define SF__SEAL_NONCE 12
#define SF__SEAL_TAG 16
#define SF__SEAL_HEADER (SF__SEAL_MAGIC_LEN + 1 + SF__SEAL_NONCE)
#define SF__SEAL_OVERHEAD (SF__SEAL_HEADER + SF__SEAL_TAG)

/* Non-zero when buf[len] starts with SF__SEAL_MAGIC. */
int sf__seal_is_sealed(const unsigned char *buf, size_t len);

/* Seals in[len] under the 32-byte key for (profile, user) with a fresh
 * random nonce; out receives len + SF__SEAL_OVERHEAD bytes. SF_OK,
 * SF_E_CRYPTO, SF_E_NOMEM or SF_E_INVALID_ARG (too large). */
sf_code sf__seal(const unsigned char *key, const char *profile,
                 const char *user, const unsigned char *in, size_t len,
                 unsigned char *out, sf_error *err);

/* Opens sealed in[len] of (profile, user); out (len bytes at least) gets
 * the plaintext and *outlen its length. SF_E_CRYPTO, naming `what` (the
 * file), when truncated, of an unknown version, or when the tag does not
 * verify (then out is wiped). */
sf_code sf__unseal(const unsigned char *key, const char *profile,
                   const char *user, const unsigned char *in, size_t len,
                   unsigned char *out, size_t *outlen, const char *what,
                   sf_error *err);

/*
 * The file work of the token store (store_fs.c), by path. Failures are
 * SF_E_STORE naming the path and the system's reason, unless noted.
 */
/* SF_E_STORE "cannot <what> <path>: <strerror(e)>"; returns it. */
sf_code sf__store_sys_error(sf_error *err, const char *what, const char *path,
                            int e);
/* "<dir>/<name>" as a new string; NULL when out of memory. */
char *sf__store_join(const char *dir, const char *name);
/* Makes `dir` and missing parents (mode 0700), or checks the existing
 * one is a directory (its mode is left alone). */
sf_code sf__store_make_dir(const char *dir, sf_error *err);
/* `dir` prefixed with the working directory when relative (new string). */
sf_code sf__store_absolute(const char *dir, char **out, sf_error *err);
/* Removes temp files of writers dead for 60 s; checks `dir` is readable. */
sf_code sf__store_sweep(const char *dir, sf_error *err);
/* fsync of a directory (EINVAL, a file system without it, is ignored). */
sf_code sf__store_sync_dir(const char *dir, sf_error *err);
/* The whole file as a new buffer with a spare byte (*len its length).
 * SF_E_NOT_FOUND (generic message) when absent; SF_E_STORE when larger
 * than `max`, not a regular file or unreadable; SF_E_NOMEM. */
sf_code sf__store_read(const char *path, size_t max, unsigned char **buf,
                       size_t *len, sf_error *err);
/* Durably and atomically replaces `path` (in `dir`) with bytes[len],
 * mode 0600: temp file, fsync, rename, fsync of `dir`. */
sf_code sf__store_replace(const char *dir, const char *path,
                          const unsigned char *bytes, size_t len,
                          sf_error *err);
/* Opens (creating, 0600) the lock file `path` and takes its flock,
 * polling until `timeout_ms` passed; *fd holds it. SF_E_LOCKED (generic
 * message) on timeout. */
sf_code sf__store_flock(const char *path, long timeout_ms, int *fd,
                        sf_error *err);

#endif /* SF_INTERNAL_H */
