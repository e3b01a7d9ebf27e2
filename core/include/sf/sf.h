/*
 * sf/sf.h - the umbrella header of the luaforce core, and process-wide
 * set-up. Include this one header to use the whole core.
 */
#ifndef SF_SF_H
#define SF_SF_H

#include "sf/error.h"
#include "sf/http.h"
#include "sf/log.h"
#include "sf/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SF_VERSION "0.1.0"

/*
 * Initialises the libraries the core uses (libcurl, OpenSSL). Call once
 * per process before any other function, while only one thread runs.
 * Calls nest: each successful call needs one sf_global_cleanup.
 * Returns SF_OK or SF_E_INIT.
 */
sf_code sf_global_init(void);

/* Undoes one sf_global_init; the last one releases the libraries. */
void sf_global_cleanup(void);

/* The core's version string, SF_VERSION. Static; never NULL. */
const char *sf_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SF_SF_H */
