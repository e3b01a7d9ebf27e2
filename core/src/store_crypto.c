/*
 * store_crypto.c - the sealing of token-store files with AES-256-GCM
 * (OpenSSL EVP), bound to their (profile, user) as additional
 * authenticated data, and the decoding of store keys from hex or base64.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "internal.h"
#include "sf/store.h"

/*
 * Layout of a sealed file:
 *   "LFTS1" | version (1) | nonce (12) | ciphertext (n) | tag (16)
 * The additional authenticated data is the 6-byte header, the profile, a
 * NUL and the user: a file moved to another key's name, or given another
 * version byte, fails the tag check.
 */

int sf__seal_is_sealed(const unsigned char *buf, size_t len) {
  return len >= SF__SEAL_MAGIC_LEN &&
         memcmp(buf, SF__SEAL_MAGIC, SF__SEAL_MAGIC_LEN) == 0;
}

/* Feeds the additional authenticated data to a GCM context. */
static int add_aad(EVP_CIPHER_CTX *ctx, int enc, const unsigned char *hdr,
                   const char *profile, const char *user) {
  int n;
  int (*update)(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *,
                int) = enc ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  return update(ctx, NULL, &n, hdr, SF__SEAL_MAGIC_LEN + 1) == 1 &&
         update(ctx, NULL, &n, (const unsigned char *)profile,
                (int)strlen(profile) + 1) == 1 &&
         update(ctx, NULL, &n, (const unsigned char *)user,
                (int)strlen(user)) == 1;
}

sf_code sf__seal(const unsigned char *key, const char *profile,
                 const char *user, const unsigned char *in, size_t len,
                 unsigned char *out, sf_error *err) {
  EVP_CIPHER_CTX *ctx = NULL;
  unsigned char *nonce = out + SF__SEAL_MAGIC_LEN + 1;
  unsigned char *ct = out + SF__SEAL_HEADER;
  int n, total;
  sf_code rc = SF_E_CRYPTO;
  if (len > (size_t)INT_MAX - SF__SEAL_OVERHEAD)
    return sf__error_set(err, SF_E_INVALID_ARG, "value too large to seal");
  memcpy(out, SF__SEAL_MAGIC, SF__SEAL_MAGIC_LEN);
  out[SF__SEAL_MAGIC_LEN] = SF__SEAL_VERSION;
  if (RAND_bytes(nonce, SF__SEAL_NONCE) != 1) {
    sf__error_set(err, SF_E_CRYPTO, "the random generator failed");
    goto done;
  }
  ctx = EVP_CIPHER_CTX_new();
  if (!ctx) {
    rc = sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SF__SEAL_NONCE, NULL) !=
          1 ||
      EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
      !add_aad(ctx, 1, out, profile, user) ||
      EVP_EncryptUpdate(ctx, ct, &n, in, (int)len) != 1)
    goto fail;
  total = n;
  if (EVP_EncryptFinal_ex(ctx, ct + total, &n) != 1)
    goto fail;
  total += n;
  if ((size_t)total != len || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                                                  SF__SEAL_TAG, ct + len) != 1)
    goto fail;
  rc = SF_OK;
  goto done;
fail:
  sf__error_set(err, SF_E_CRYPTO, "AES-256-GCM encryption failed in OpenSSL");
done:
  EVP_CIPHER_CTX_free(ctx);
  return rc;
}

sf_code sf__unseal(const unsigned char *key, const char *profile,
                   const char *user, const unsigned char *in, size_t len,
                   unsigned char *out, size_t *outlen, const char *what,
                   sf_error *err) {
  EVP_CIPHER_CTX *ctx = NULL;
  const unsigned char *nonce = in + SF__SEAL_MAGIC_LEN + 1;
  const unsigned char *ct = in + SF__SEAL_HEADER;
  unsigned char tag[SF__SEAL_TAG];
  size_t ctlen;
  int n, total;
  sf_code rc = SF_E_CRYPTO;
  if (len < SF__SEAL_OVERHEAD || !sf__seal_is_sealed(in, len))
    return sf__error_set(err, SF_E_CRYPTO,
                         "token file %s is truncated or damaged: delete it "
                         "and log in again",
                         what);
  if (in[SF__SEAL_MAGIC_LEN] != SF__SEAL_VERSION)
    return sf__error_set(err, SF_E_CRYPTO,
                         "token file %s has sealed-format version %u, which "
                         "this luaforce does not know: upgrade luaforce",
                         what, (unsigned)in[SF__SEAL_MAGIC_LEN]);
  ctlen = len - SF__SEAL_OVERHEAD;
  if (ctlen > (size_t)INT_MAX)
    return sf__error_set(err, SF_E_CRYPTO, "token file %s is too large", what);
  memcpy(tag, ct + ctlen, SF__SEAL_TAG);
  ctx = EVP_CIPHER_CTX_new();
  if (!ctx) {
    rc = sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SF__SEAL_NONCE, NULL) !=
          1 ||
      EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
      !add_aad(ctx, 0, in, profile, user) ||
      EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SF__SEAL_TAG, tag) != 1) {
    sf__error_set(err, SF_E_CRYPTO, "AES-256-GCM decryption failed in OpenSSL");
    goto done;
  }
  total = n;
  if (EVP_DecryptFinal_ex(ctx, out + total, &n) != 1) {
    /* The tag does not match: nothing of the plaintext may be used. */
    OPENSSL_cleanse(out, ctlen);
    sf__error_set(err, SF_E_CRYPTO,
                  "token file %s does not decrypt with the configured key: "
                  "LUAFORCE_STORE_KEY is not the key it was written with, "
                  "or the file was altered or renamed",
                  what);
    goto done;
  }
  total += n;
  *outlen = (size_t)total;
  rc = SF_OK;
done:
  EVP_CIPHER_CTX_free(ctx);
  return rc;
}

/* ---- key decoding ---------------------------------------------------- */

/* The base64 alphabet, in ASCII whatever the locale. */
static int is_b64(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

sf_code sf_store_key_decode(const char *text,
                            unsigned char key[SF_STORE_KEY_BYTES]) {
  unsigned char buf[48]; /* EVP_DecodeBlock writes 33 bytes for 44 chars */
  char pair[3];
  size_t len, i;
  sf_code rc = SF_E_INVALID_ARG;
  if (!text || !key)
    return SF_E_INVALID_ARG;
  /* Surrounding white space (a newline from a key file) is ignored. */
  while (*text && isspace((unsigned char)*text))
    text++;
  len = strlen(text);
  while (len > 0 && isspace((unsigned char)text[len - 1]))
    len--;
  if (len == 2 * SF_STORE_KEY_BYTES) {
    for (i = 0; i < len; i++)
      if (!isxdigit((unsigned char)text[i]))
        goto done;
    pair[2] = '\0';
    for (i = 0; i < SF_STORE_KEY_BYTES; i++) {
      pair[0] = text[2 * i];
      pair[1] = text[2 * i + 1];
      buf[i] = (unsigned char)strtoul(pair, NULL, 16);
    }
  } else if (len == 44) {
    /* 32 bytes are 43 characters of base64 and one '=' of padding. */
    for (i = 0; i < 43; i++)
      if (!is_b64((unsigned char)text[i]))
        goto done;
    if (text[43] != '=' ||
        EVP_DecodeBlock(buf, (const unsigned char *)text, 44) != 33)
      goto done;
  } else {
    goto done;
  }
  memcpy(key, buf, SF_STORE_KEY_BYTES);
  rc = SF_OK;
done:
  OPENSSL_cleanse(buf, sizeof buf);
  OPENSSL_cleanse(pair, sizeof pair);
  return rc;
}
