/*
 * testcert.c - a throwaway CA and server certificate (EC P-256), made with
 * OpenSSL's X509 API, written as PEM files in a temporary folder.
 */
#include "testcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509_EXTENSION *ext;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext)
    return -1;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, long serial, int is_ca) {
  X509 *c = X509_new();
  X509_NAME *name;
  if (!c)
    return NULL;
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 86400L);
  X509_set_pubkey(c, key);
  name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
  if (is_ca) {
    if (add_ext(c, issuer ? issuer : c, NID_basic_constraints,
                "critical,CA:TRUE") ||
        add_ext(c, issuer ? issuer : c, NID_key_usage,
                "critical,keyCertSign,cRLSign"))
      goto fail;
  } else {
    if (add_ext(c, issuer, NID_basic_constraints, "CA:FALSE") ||
        add_ext(c, issuer, NID_subject_alt_name,
                "IP:127.0.0.1,DNS:localhost") ||
        add_ext(c, issuer, NID_ext_key_usage, "serverAuth"))
      goto fail;
  }
  if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()))
    goto fail;
  return c;
fail:
  X509_free(c);
  return NULL;
}

static int write_pem(const char *path, X509 *cert, EVP_PKEY *key) {
  FILE *f = fopen(path, "w");
  int ok;
  if (!f)
    return -1;
  ok = cert ? PEM_write_X509(f, cert)
            : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
  return fclose(f) == 0 && ok ? 0 : -1;
}

int tc_make(tc_files *out) {
  EVP_PKEY *ca_key = NULL, *key = NULL;
  X509 *ca = NULL, *cert = NULL;
  int rc = -1;
  memset(out, 0, sizeof *out);
  snprintf(out->dir, sizeof out->dir, "/tmp/sf-testcert-XXXXXX");
  if (!mkdtemp(out->dir))
    return -1;
  snprintf(out->ca, sizeof out->ca, "%s/ca.pem", out->dir);
  snprintf(out->cert, sizeof out->cert, "%s/cert.pem", out->dir);
  snprintf(out->key, sizeof out->key, "%s/key.pem", out->dir);
  ca_key = EVP_EC_gen("P-256");
  key = EVP_EC_gen("P-256");
  if (!ca_key || !key)
    goto done;
  ca = make_cert(ca_key, "luaforce test CA", NULL, NULL, 1, 1);
  if (!ca)
    goto done;
  cert = make_cert(key, "127.0.0.1", ca, ca_key, 2, 0);
  if (!cert)
    goto done;
  if (write_pem(out->ca, ca, NULL) || write_pem(out->cert, cert, NULL) ||
      write_pem(out->key, NULL, key))
    goto done;
  rc = 0;
done:
  X509_free(ca);
  X509_free(cert);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  if (rc)
    tc_remove(out);
  return rc;
}

void tc_remove(const tc_files *files) {
  unlink(files->ca);
  unlink(files->cert);
  unlink(files->key);
  rmdir(files->dir);
}
