/*
 * oauth_crypto.c - the cryptography of OAuth, all through OpenSSL: PKCE
 * (S256), random state values, the token-response signature check
 * (HMAC-SHA256, constant-time compare) and RS256 JWT assertions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "internal.h"
#include "oauth_internal.h"
#include "sf/oauth.h"

/*
 * Base64url without padding, from OpenSSL's base64: the alphabet change
 * and the padding strip are the only differences (RFC 4648 section 5).
 * `out` needs 4 * ((len + 2) / 3) + 1 bytes. Returns the length.
 */
size_t sf__base64url(const unsigned char *in, size_t len, char *out) {
  int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
  int i;
  while (n > 0 && out[n - 1] == '=')
    n--;
  out[n] = '\0';
  for (i = 0; i < n; i++) {
    if (out[i] == '+')
      out[i] = '-';
    else if (out[i] == '/')
      out[i] = '_';
  }
  return (size_t)n;
}

sf_code sf_oauth_pkce_challenge(const char *verifier, char challenge[44]) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  size_t n;
  if (!verifier || !challenge)
    return SF_E_INVALID_ARG;
  n = strlen(verifier);
  /* RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~] */
  if (n < 43 || n > 128 ||
      strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                       "opqrstuvwxyz0123456789-._~") != n)
    return SF_E_INVALID_ARG;
  SHA256((const unsigned char *)verifier, n, digest);
  sf__base64url(digest, sizeof digest, challenge);
  return SF_OK;
}

static sf_code random_token(char out[44]) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return SF_E_INTERNAL;
  sf__base64url(raw, sizeof raw, out);
  OPENSSL_cleanse(raw, sizeof raw);
  return SF_OK;
}

sf_code sf_oauth_pkce(char verifier[44], char challenge[44]) {
  sf_code rc;
  if (!verifier || !challenge)
    return SF_E_INVALID_ARG;
  rc = random_token(verifier);
  if (rc != SF_OK)
    return rc;
  return sf_oauth_pkce_challenge(verifier, challenge);
}

sf_code sf_oauth_random_state(char out[44]) {
  if (!out)
    return SF_E_INVALID_ARG;
  return random_token(out);
}

sf_code sf_oauth_verify_signature(const char *client_secret, const char *id,
                                  const char *issued_at,
                                  const char *signature) {
  unsigned char mac[EVP_MAX_MD_SIZE], given[64];
  unsigned int mac_len = 0;
  char *msg;
  size_t id_len, at_len, sig_len;
  int given_len, ok;
  if (!client_secret || !id || !issued_at || !signature)
    return SF_E_SIGNATURE;
  id_len = strlen(id);
  at_len = strlen(issued_at);
  sig_len = strlen(signature);
  /* base64 of a 32-byte MAC is 44 characters */
  if (sig_len != 44)
    return SF_E_SIGNATURE;
  msg = malloc(id_len + at_len + 1);
  if (!msg)
    return SF_E_NOMEM;
  memcpy(msg, id, id_len);
  memcpy(msg + id_len, issued_at, at_len + 1);
  ok = HMAC(EVP_sha256(), client_secret, (int)strlen(client_secret),
            (const unsigned char *)msg, id_len + at_len, mac, &mac_len) != NULL;
  free(msg);
  if (!ok)
    return SF_E_INTERNAL;
  given_len =
      EVP_DecodeBlock(given, (const unsigned char *)signature, (int)sig_len);
  /* EVP_DecodeBlock counts the padding bytes: 44 chars -> 33, one pad */
  if (given_len != 33 || signature[43] != '=' || mac_len != 32)
    return SF_E_SIGNATURE;
  return CRYPTO_memcmp(mac, given, 32) == 0 ? SF_OK : SF_E_SIGNATURE;
}

/* Encodes a JSON object as base64url; *out is new. */
static sf_code b64_json(json_t *obj, char **out) {
  char *text = json_dumps(obj, JSON_COMPACT);
  size_t n;
  if (!text)
    return SF_E_NOMEM;
  n = strlen(text);
  *out = malloc(4 * ((n + 2) / 3) + 1);
  if (!*out) {
    free(text);
    return SF_E_NOMEM;
  }
  sf__base64url((const unsigned char *)text, n, *out);
  free(text);
  return SF_OK;
}

/* A pass-phrase callback that refuses: the core never prompts. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *u) {
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return -1;
}

sf_code sf__jwt_assertion(const char *key_file, const char *issuer,
                          const char *subject, const char *audience,
                          long lifetime_s, char **jwt, sf_error *err) {
  FILE *f = NULL;
  EVP_PKEY *key = NULL;
  EVP_MD_CTX *md = NULL;
  json_t *header = NULL, *claims = NULL;
  char *h64 = NULL, *c64 = NULL, *input = NULL;
  unsigned char *sig = NULL;
  size_t sig_len = 0, in_len;
  sf_code rc = SF_E_NOMEM;

  *jwt = NULL;
  f = fopen(key_file, "r");
  if (!f) {
    rc = sf__error_set(err, SF_E_INVALID_ARG,
                       "cannot open the JWT private key file %s", key_file);
    goto done;
  }
  key = PEM_read_PrivateKey(f, NULL, no_pass_phrase, NULL);
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    rc = sf__error_set(err, SF_E_INVALID_ARG,
                       "%s is not an unencrypted PEM RSA private key "
                       "(RS256 needs one)",
                       key_file);
    goto done;
  }
  header = json_pack("{s:s}", "alg", "RS256");
  claims = json_pack("{s:s,s:s,s:s,s:I}", "iss", issuer, "sub", subject, "aud",
                     audience, "exp", (json_int_t)time(NULL) + lifetime_s);
  if (!header || !claims)
    goto done;
  if ((rc = b64_json(header, &h64)) != SF_OK ||
      (rc = b64_json(claims, &c64)) != SF_OK)
    goto done;
  rc = SF_E_NOMEM;
  in_len = strlen(h64) + 1 + strlen(c64);
  input = malloc(in_len + 1);
  if (!input)
    goto done;
  snprintf(input, in_len + 1, "%s.%s", h64, c64);
  md = EVP_MD_CTX_new();
  if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
      EVP_DigestSign(md, NULL, &sig_len, (unsigned char *)input, in_len) != 1) {
    rc = sf__error_set(err, SF_E_INTERNAL, "RS256 signing failed");
    goto done;
  }
  sig = malloc(sig_len);
  if (!sig)
    goto done;
  if (EVP_DigestSign(md, sig, &sig_len, (unsigned char *)input, in_len) != 1) {
    rc = sf__error_set(err, SF_E_INTERNAL, "RS256 signing failed");
    goto done;
  }
  *jwt = malloc(in_len + 1 + 4 * ((sig_len + 2) / 3) + 1);
  if (!*jwt)
    goto done;
  memcpy(*jwt, input, in_len);
  (*jwt)[in_len] = '.';
  sf__base64url(sig, sig_len, *jwt + in_len + 1);
  rc = SF_OK;
done:
  if (rc == SF_E_NOMEM)
    sf__error_set(err, rc, NULL);
  if (f)
    fclose(f);
  EVP_PKEY_free(key);
  EVP_MD_CTX_free(md);
  json_decref(header);
  json_decref(claims);
  free(h64);
  free(c64);
  free(input);
  free(sig);
  return rc;
}
