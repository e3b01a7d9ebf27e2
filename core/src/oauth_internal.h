/*
 * oauth_internal.h - what oauth.c, oauth_crypto.c and session.c share.
 */
#ifndef SF_OAUTH_INTERNAL_H
#define SF_OAUTH_INTERNAL_H

#include <stddef.h>

#include "sf/oauth.h"

/* Base64url without padding; out needs 4 * ((len + 2) / 3) + 1 bytes.
 * Returns the length written. */
size_t sf__base64url(const unsigned char *in, size_t len, char *out);

/* An RS256-signed JWT assertion; *jwt is new (free with free()). */
sf_code sf__jwt_assertion(const char *key_file, const char *issuer,
                          const char *subject, const char *audience,
                          long lifetime_s, char **jwt, sf_error *err);

#endif
