/*
 * sf/log.h - the log callback. The core never prints: it hands log lines
 * to a callback the host installs. Lines never contain secrets; the core
 * redacts tokens, secrets, passwords and codes before formatting them.
 */
#ifndef SF_LOG_H
#define SF_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sf_log_level {
  SF_LOG_ERROR = 0,
  SF_LOG_WARN = 1,
  SF_LOG_INFO = 2,
  SF_LOG_DEBUG = 3
} sf_log_level;

/*
 * A log sink. `line` is a NUL-terminated line without a trailing newline,
 * valid only for the duration of the call. Called on the thread that
 * drives the handle that logs.
 */
typedef void (*sf_log_fn)(void *userdata, sf_log_level level, const char *line);

/* "error", "warn", "info" or "debug"; "?" for other values. */
const char *sf_log_level_name(sf_log_level level);

#ifdef __cplusplus
}
#endif

#endif /* SF_LOG_H */
