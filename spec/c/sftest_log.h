/*
 * sftest_log.h - a log sink for the C tests that keeps every line the core
 * logs, so a test can assert what was (and was not) logged.
 */
#ifndef SFTEST_LOG_H
#define SFTEST_LOG_H

#include <stdio.h>

#include "sf/log.h"

typedef struct log_capture {
  char text[65536];
  size_t len;
} log_capture;

/* An sf_log_fn: appends "level line\n" to the log_capture `ud`. */
static inline void capture(void *ud, sf_log_level level, const char *line) {
  log_capture *c = ud;
  int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s %s\n",
                   sf_log_level_name(level), line);
  if (n > 0 && c->len + (size_t)n < sizeof c->text)
    c->len += (size_t)n;
}

#endif
