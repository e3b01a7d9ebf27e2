/*
 * test_oauth.c - the OAuth layer without the emulator: PKCE and state, the
 * token-response signature, the host allow-list, token sets, the
 * authorization URL, the exact form every grant sends (captured by the
 * scripted loopback server), the RS256 JWT assertion (verified here with
 * OpenSSL), the error mapping, and sessions over a memory store.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, ptsname */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sf/oauth.h"
#include "sf/sf.h"
#include "sftest.h"
#include "sftest_log.h"
#include "testserver.h"

/* ---- fixtures ------------------------------------------------------------ */

#define B64URL_CHARS                                                           \
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define ORG18 "00Dx0000000BV7zEAG"
#define USER18 "005x00000012Q9PAAU"
#define ISSUED "1278448832702"
#define SECRET "s3cr3t/value+="
#define SECRET_ENC "s3cr3t%2Fvalue%2B%3D"
#define CLIENT "3MVG9.cid_x"
/* base64("3MVG9.cid_x:" SECRET_ENC), computed apart (RFC 6749 2.3.1) */
#define BASIC_CREDENTIALS "M01WRzkuY2lkX3g6czNjcjN0JTJGdmFsdWUlMkIlM0Q="
#define REDIRECT "http://127.0.0.1:8765/callback"
#define REDIRECT_ENC "http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define JSON_CT "Content-Type: application/json;charset=UTF-8\r\n"
#define FORM_CT "application/x-www-form-urlencoded"

/* A loopback token server, a runtime that logs everything to `log`, and an
 * app whose every URL points at the server. */
typedef struct fixture {
  ts_server *s;
  sf_http *h;
  log_capture log;
  char token_url[128];
  char revoke_url[128];
  char instance[64];
  char id[192];
  sf_oauth_app app;
  sf_oauth_policy policy;
} fixture;

static fixture F;

static int setup(void) {
  sf_http_config cfg;
  memset(&F, 0, sizeof F);
  F.s = ts_start(NULL, NULL);
  if (!F.s)
    return -1;
  sf_http_config_init(&cfg);
  cfg.max_retries = 0;
  cfg.retry_base_ms = 5;
  cfg.log = capture;
  cfg.log_userdata = &F.log;
  cfg.log_level = SF_LOG_DEBUG;
  if (sf_http_new(&F.h, &cfg) != SF_OK)
    return -1;
  snprintf(F.token_url, sizeof F.token_url, "%s/services/oauth2/token",
           ts_url(F.s));
  snprintf(F.revoke_url, sizeof F.revoke_url, "%s/services/oauth2/revoke",
           ts_url(F.s));
  snprintf(F.instance, sizeof F.instance, "%s", ts_url(F.s));
  snprintf(F.id, sizeof F.id, "%s/id/" ORG18 "/" USER18, ts_url(F.s));
  F.app.client_id = CLIENT;
  F.app.client_secret = SECRET;
  F.app.authorize_url =
      "https://login.salesforce.com/services/oauth2/authorize";
  F.app.token_url = F.token_url;
  F.app.revoke_url = F.revoke_url;
  F.app.redirect_uri = REDIRECT;
  F.app.scope = "api refresh_token";
  F.policy.allow_loopback = 1;
  return 0;
}

static void teardown(void) {
  sf_http_free(F.h);
  ts_stop(F.s);
  F.h = NULL;
  F.s = NULL;
}

/* base64(HMAC-SHA256(secret, id + issued_at)), as Salesforce signs. */
static void sign(const char *secret, const char *id, const char *at,
                 char out[64]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  char msg[512];
  snprintf(msg, sizeof msg, "%s%s", id, at);
  HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)msg,
       strlen(msg), mac, &n);
  EVP_EncodeBlock((unsigned char *)out, mac, (int)n);
}

/* Queues a 200 token response from F's instance, signed with `secret`
 * (NULL: no signature), with a refresh token when `refresh` is set. */
static void push_tokens(const char *access, const char *refresh,
                        const char *secret) {
  char body[2048], sig[64], sigf[96] = "", rt[256] = "";
  ts_response r = {200, JSON_CT, NULL, 0, 0, 0};
  if (secret) {
    sign(secret, F.id, ISSUED, sig);
    snprintf(sigf, sizeof sigf, "\"signature\":\"%s\",", sig);
  }
  if (refresh)
    snprintf(rt, sizeof rt, "\"refresh_token\":\"%s\",", refresh);
  snprintf(body, sizeof body,
           "{\"access_token\":\"%s\",%s%s\"scope\":\"api refresh_token\","
           "\"instance_url\":\"%s\",\"id\":\"%s\",\"token_type\":\"Bearer\","
           "\"issued_at\":\"" ISSUED "\"}",
           access, rt, sigf, F.instance, F.id);
  r.body = body;
  ts_push(F.s, &r);
}

static void push(int status, const char *headers, const char *body) {
  ts_response r = {status, headers, body, 0, 0, 0};
  ts_push(F.s, &r);
}

/* The last request the server saw. */
static ts_request last_request(void) {
  ts_request q;
  memset(&q, 0, sizeof q);
  ts_request_at(F.s, ts_request_count(F.s) - 1, &q);
  return q;
}

/* Checks that `q` is a token-endpoint POST of exactly `body`, with the
 * client authenticated by HTTP Basic of `basic` (or, NULL, not with a
 * header). */
static void check_form_post_auth(const ts_request *q, const char *path,
                                 const char *body, const char *basic) {
  char v[256];
  CHECK_STR(q->method, "POST");
  CHECK_STR(q->target, path);
  CHECK_STR(q->body, body);
  CHECK_INT(ts_header(q, "Content-Type", v, sizeof v), 0);
  CHECK_STR(v, FORM_CT);
  CHECK_INT(ts_header(q, "Accept", v, sizeof v), 0);
  CHECK_STR(v, "application/json");
  if (basic) {
    CHECK_INT(ts_header(q, "Authorization", v, sizeof v), 0);
    CHECK_STR(v, basic);
  } else {
    CHECK(ts_header(q, "Authorization", v, sizeof v) != 0);
  }
}

/* The same, the client authenticated in the form (client_secret_post) or
 * not at all. */
static void check_form_post(const ts_request *q, const char *path,
                            const char *body) {
  check_form_post_auth(q, path, body, NULL);
}

static int contains(const char *hay, const char *needle) {
  return hay && needle && *needle && strstr(hay, needle) != NULL;
}

/* Decodes base64url (no padding) into out; returns the length or -1. */
static int b64url_decode(const char *in, size_t n, unsigned char *out) {
  char buf[4096];
  size_t i, m = n;
  int len;
  if (n + 4 >= sizeof buf)
    return -1;
  for (i = 0; i < n; i++)
    buf[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
  while (m % 4)
    buf[m++] = '=';
  buf[m] = '\0';
  len = EVP_DecodeBlock(out, (unsigned char *)buf, (int)m);
  return len < 0 ? -1 : len - (int)(m - n);
}

/* ---- PKCE and state ------------------------------------------------------ */

static void pkce_rfc7636_vector(void) {
  char challenge[44];
  CHECK_INT(sf_oauth_pkce_challenge(RFC_VERIFIER, challenge), SF_OK);
  CHECK_STR(challenge, RFC_CHALLENGE);
}

static void pkce_rejects_bad_verifiers(void) {
  char v[200], challenge[44] = "untouched";
  memset(v, 'a', sizeof v);
  v[43] = '\0';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_OK); /* 43: shortest */
  CHECK(strspn(challenge, B64URL_CHARS) == 43 && strlen(challenge) == 43);
  memset(v, '~', 128);
  v[128] = '\0';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_OK); /* 128: longest */
  v[129 - 1] = '~';
  v[129] = '\0';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  memset(v, 'a', 42);
  v[42] = '\0';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_pkce_challenge("", challenge), SF_E_INVALID_ARG);
  /* characters outside [A-Za-z0-9-._~] */
  snprintf(v, sizeof v, "%s", RFC_VERIFIER);
  v[10] = '+';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  v[10] = '/';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  v[10] = ' ';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  v[10] = '=';
  CHECK_INT(sf_oauth_pkce_challenge(v, challenge), SF_E_INVALID_ARG);
  CHECK_INT(
      sf_oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEj\xc3"
                              "\xa9XX",
                              challenge),
      SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_pkce_challenge(NULL, challenge), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_pkce_challenge(RFC_VERIFIER, NULL), SF_E_INVALID_ARG);
}

static void pkce_pairs_are_random(void) {
  enum { N = 64 };
  char verifiers[N][44], challenge[44];
  int i, j, dup = 0;
  for (i = 0; i < N; i++) {
    char c[44];
    CHECK_INT(sf_oauth_pkce(verifiers[i], c), SF_OK);
    CHECK_INT(strlen(verifiers[i]), 43);
    CHECK_INT(strspn(verifiers[i], B64URL_CHARS), 43);
    CHECK_INT(strlen(c), 43);
    CHECK_INT(strspn(c, B64URL_CHARS), 43);
    /* the challenge is the S256 of the verifier */
    CHECK_INT(sf_oauth_pkce_challenge(verifiers[i], challenge), SF_OK);
    CHECK_STR(c, challenge);
    CHECK(strcmp(c, verifiers[i]) != 0);
  }
  for (i = 0; i < N; i++)
    for (j = i + 1; j < N; j++)
      dup += strcmp(verifiers[i], verifiers[j]) == 0;
  CHECK_INT(dup, 0);
  CHECK_INT(sf_oauth_pkce(NULL, challenge), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_pkce(verifiers[0], NULL), SF_E_INVALID_ARG);
}

static void random_state_shape_and_uniqueness(void) {
  enum { N = 64 };
  char states[N][44];
  int i, j, dup = 0;
  for (i = 0; i < N; i++) {
    CHECK_INT(sf_oauth_random_state(states[i]), SF_OK);
    CHECK_INT(strlen(states[i]), 43);
    CHECK_INT(strspn(states[i], B64URL_CHARS), 43);
  }
  for (i = 0; i < N; i++)
    for (j = i + 1; j < N; j++)
      dup += strcmp(states[i], states[j]) == 0;
  CHECK_INT(dup, 0);
  CHECK_INT(sf_oauth_random_state(NULL), SF_E_INVALID_ARG);
}

/* ---- the token-response signature ---------------------------------------- */

#define SIG_ID                                                                 \
  "https://login.salesforce.com/id/00Dx0000000BV7zEAG/005x00000012Q9PAAU"
#define SIG_SECRET "1955279925675241571"
#define SIG_VALUE "mU0fYmtxE0irVVi6ZEBTgRlbAdhow2e6pEPnnUyElI8="

static void signature_reference_vector(void) {
  char computed[64];
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", SIG_VALUE),
      SF_OK);
  /* and the test's own signer agrees, so the grant tests below sign right */
  sign(SIG_SECRET, SIG_ID, "1278448832702", computed);
  CHECK_STR(computed, SIG_VALUE);
}

static void signature_tampering_is_refused(void) {
  char sig[64];
  /* another user id, another org id */
  CHECK_INT(sf_oauth_verify_signature(
                SIG_SECRET,
                "https://login.salesforce.com/id/00Dx0000000BV7zEAG/"
                "005x00000012Q9PAAV",
                "1278448832702", SIG_VALUE),
            SF_E_SIGNATURE);
  CHECK_INT(sf_oauth_verify_signature(
                SIG_SECRET,
                "https://evil.example.com/id/00Dx0000000BV7zEAG/"
                "005x00000012Q9PAAU",
                "1278448832702", SIG_VALUE),
            SF_E_SIGNATURE);
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832703", SIG_VALUE),
      SF_E_SIGNATURE);
  CHECK_INT(sf_oauth_verify_signature("1955279925675241572", SIG_ID,
                                      "1278448832702", SIG_VALUE),
            SF_E_SIGNATURE);
  /* one flipped character of the signature */
  snprintf(sig, sizeof sig, "%s", SIG_VALUE);
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", sig),
            SF_E_SIGNATURE);
  /* short, long, unpadded, garbage, base64url alphabet, empty */
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702",
                                "mU0fYmtxE0irVVi6ZEBTgRlbAdhow2e6pEPnnUyE"),
      SF_E_SIGNATURE);
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702",
                                      SIG_VALUE "AAAA"),
            SF_E_SIGNATURE);
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702",
                                "mU0fYmtxE0irVVi6ZEBTgRlbAdhow2e6pEPnnUyElI8"),
      SF_E_SIGNATURE);
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702",
                                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!="),
      SF_E_SIGNATURE);
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", ""),
            SF_E_SIGNATURE);
  /* a MAC over id alone, or over issued_at + id, is not the signature */
  sign(SIG_SECRET, SIG_ID, "", sig);
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", sig),
            SF_E_SIGNATURE);
  sign(SIG_SECRET, "1278448832702", SIG_ID, sig);
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", sig),
            SF_E_SIGNATURE);
  /* missing parts */
  CHECK_INT(sf_oauth_verify_signature(NULL, SIG_ID, "1278448832702", SIG_VALUE),
            SF_E_SIGNATURE);
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, NULL, "1278448832702", SIG_VALUE),
      SF_E_SIGNATURE);
  CHECK_INT(sf_oauth_verify_signature(SIG_SECRET, SIG_ID, NULL, SIG_VALUE),
            SF_E_SIGNATURE);
  CHECK_INT(
      sf_oauth_verify_signature(SIG_SECRET, SIG_ID, "1278448832702", NULL),
      SF_E_SIGNATURE);
}

/* ---- the host allow-list ---------------------------------------------------
 */

static sf_code check(const sf_oauth_policy *p, const char *url) {
  sf_error err;
  sf_error_clear(&err);
  return sf_oauth_check_url(p, url, "instance_url", &err);
}

static void check_url_salesforce_defaults(void) {
  static const char *const ok[] = {
      "https://login.salesforce.com",
      "https://test.salesforce.com/services/oauth2/token",
      "https://acme.my.salesforce.com",
      "https://acme--dev.sandbox.my.salesforce.com/services/data/",
      "https://LOGIN.SALESFORCE.COM/",
      "HTTPS://acme.my.salesforce.com",
      "https://salesforce.com",
      "https://acme.lightning.force.com",
      "https://acme.my.site.com",
      "https://acme.my.salesforce-sites.com",
      "https://na1.salesforce.mil",
      "https://x.cloudforce.com",
      "https://x.database.com",
      "https://x.sfcrmapps.cn",
      "https://x.sfcrmproducts.cn",
      "https://acme.my.salesforce.com:443/id/" ORG18 "/" USER18,
      NULL};
  int i;
  for (i = 0; ok[i]; i++)
    if (check(NULL, ok[i]) != SF_OK) {
      fprintf(stderr, "  refused: %s\n", ok[i]);
      CHECK(0);
    }
}

static void check_url_refuses_lookalikes_and_http(void) {
  static const char *const bad[] = {
      "https://evilsalesforce.com",
      "https://salesforce.com.evil.io",
      "https://login.salesforce.com.evil.io/services",
      "https://evil.io/login.salesforce.com",
      "https://evil.io/?h=.salesforce.com",
      "https://evil.io#.salesforce.com",
      "https://login.salesforce.com@evil.io/",
      "https://mysalesforce-sites.com",
      "https://xforce.com",
      "https://salesforce.co",
      "https://salesforce.com-evil.io",
      "http://login.salesforce.com",
      "http://acme.my.salesforce.com/services/data",
      "ftp://login.salesforce.com/",
      "wss://login.salesforce.com/",
      NULL};
  sf_error err;
  int i;
  for (i = 0; bad[i]; i++)
    if (check(NULL, bad[i]) != SF_E_UNTRUSTED_HOST) {
      fprintf(stderr, "  accepted: %s\n", bad[i]);
      CHECK(0);
    }
  /* the message names what was checked and the host */
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_check_url(NULL, "https://salesforce.com.evil.io/x",
                               "instance_url", &err),
            SF_E_UNTRUSTED_HOST);
  CHECK_INT(err.code, SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "instance_url"));
  CHECK(contains(err.message, "salesforce.com.evil.io"));
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_check_url(NULL, "http://login.salesforce.com/",
                               "identity URL", &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "identity URL"));
  CHECK(contains(err.message, "https"));
  /* `what` NULL still gives a sentence */
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_check_url(NULL, "https://evil.io", NULL, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(err.message[0] != '\0');
  /* err NULL is allowed */
  CHECK_INT(sf_oauth_check_url(NULL, "https://evil.io", "x", NULL),
            SF_E_UNTRUSTED_HOST);
}

static void check_url_loopback_only_when_allowed(void) {
  static const char *const loop[] = {"http://127.0.0.1:8080",
                                     "https://127.0.0.1:8443/services/data",
                                     "http://localhost:1/",
                                     "http://LOCALHOST/x",
                                     "https://[::1]:4443/x",
                                     "http://127.0.0.1/id/" ORG18 "/" USER18,
                                     NULL};
  sf_oauth_policy allow = {NULL, 1, 0}, deny = {NULL, 0, 0};
  sf_error err;
  int i;
  for (i = 0; loop[i]; i++) {
    if (check(NULL, loop[i]) != SF_E_UNTRUSTED_HOST ||
        check(&deny, loop[i]) != SF_E_UNTRUSTED_HOST) {
      fprintf(stderr, "  accepted without allow_loopback: %s\n", loop[i]);
      CHECK(0);
    }
    if (check(&allow, loop[i]) != SF_OK) {
      fprintf(stderr, "  refused with allow_loopback: %s\n", loop[i]);
      CHECK(0);
    }
  }
  sf_error_clear(&err);
  CHECK_INT(
      sf_oauth_check_url(NULL, "https://127.0.0.1:9/", "instance_url", &err),
      SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "127.0.0.1"));
  CHECK(contains(err.message, "allow_loopback"));
  /* allowing loopback does not open anything else */
  CHECK_INT(check(&allow, "https://evil.io"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&allow, "http://login.salesforce.com"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&allow, "http://127.0.0.1.evil.io/"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&allow, "https://localhost.evil.io/"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&allow, "http://127.0.0.1@evil.io/"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&allow, "https://login.salesforce.com"), SF_OK);
}

static void check_url_custom_domains(void) {
  static const char *const domains[] = {"example.org", "Corp.Example.NET",
                                        NULL};
  sf_oauth_policy p = {domains, 0, 0};
  CHECK_INT(check(&p, "https://example.org"), SF_OK);
  CHECK_INT(check(&p, "https://api.example.org/x"), SF_OK);
  CHECK_INT(check(&p, "https://a.b.corp.example.net"), SF_OK);
  CHECK_INT(check(&p, "https://badexample.org"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&p, "https://example.org.evil.io"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&p, "https://example.net"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&p, "http://api.example.org"), SF_E_UNTRUSTED_HOST);
  /* the list replaces the Salesforce defaults */
  CHECK_INT(check(&p, "https://login.salesforce.com"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&p, "http://127.0.0.1:1"), SF_E_UNTRUSTED_HOST);
}

/* A host allow-list (a bot's allow_hosts): a loopback host only when it is
 * listed; allow_loopback then only permits http to it. */
static void check_url_loopback_listed(void) {
  static const char *const hosts[] = {"api.example.org", "127.0.0.1", NULL};
  sf_oauth_policy strict = {hosts, 0, 1}, relaxed = {hosts, 1, 1};
  sf_error err;
  CHECK_INT(check(&strict, "https://127.0.0.1:8443/x"), SF_OK);
  CHECK_INT(check(&strict, "http://127.0.0.1:8080/x"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&relaxed, "http://127.0.0.1:8080/x"), SF_OK);
  CHECK_INT(check(&relaxed, "https://api.example.org/x"), SF_OK);
  CHECK_INT(check(&relaxed, "http://api.example.org/x"), SF_E_UNTRUSTED_HOST);
  /* other loopback names are not listed: allow_loopback does not open them */
  CHECK_INT(check(&relaxed, "http://localhost:8080/x"), SF_E_UNTRUSTED_HOST);
  CHECK_INT(check(&relaxed, "https://[::1]:4443/x"), SF_E_UNTRUSTED_HOST);
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_check_url(&relaxed, "http://localhost:1/", "url", &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "localhost is not on the allowed"));
  /* a refusal by the caller's list names that list, not Salesforce's */
  sf_error_clear(&err);
  CHECK_INT(
      sf_oauth_check_url(&relaxed, "https://evil.example.com/", "url", &err),
      SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "url host evil.example.com is not on the "
                              "allowed domains given (api.example.org, "
                              "127.0.0.1)"));
}

static void check_url_garbage(void) {
  static const char *const junk[] = {"",
                                     "not a url",
                                     "https://",
                                     "https:///path",
                                     "://login.salesforce.com",
                                     "login.salesforce.com",
                                     "javascript:alert(1)",
                                     "https://exa mple.com/",
                                     NULL};
  sf_oauth_policy allow = {NULL, 1, 0};
  sf_error err;
  int i;
  for (i = 0; junk[i]; i++)
    if (check(NULL, junk[i]) != SF_E_UNTRUSTED_HOST ||
        check(&allow, junk[i]) != SF_E_UNTRUSTED_HOST) {
      fprintf(stderr, "  accepted: '%s'\n", junk[i]);
      CHECK(0);
    }
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_check_url(NULL, NULL, "instance_url", &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "instance_url"));
}

/* ---- token sets -----------------------------------------------------------
 */

static void fill(sf_tokens *t) {
  memset(t, 0, sizeof *t);
  t->access_token = strdup("00Dx!AQ.access");
  t->refresh_token = strdup("5Aep861.refresh");
  t->instance_url = strdup("https://acme.my.salesforce.com");
  t->id = strdup("https://login.salesforce.com/id/" ORG18 "/" USER18);
  t->issued_at = strdup(ISSUED);
  t->scope = strdup("api refresh_token");
  t->token_type = strdup("Bearer");
  t->id_token = strdup("eyJ.a\"b\\c.d");
  t->obtained_at = 1700000000LL;
  t->signature_verified = 1;
}

/* Both NULL, or equal strings. */
#define CHECK_SAME(a, b)                                                       \
  do {                                                                         \
    if ((a) || (b))                                                            \
      CHECK_STR(a, b);                                                         \
  } while (0)

static void same_tokens(const sf_tokens *a, const sf_tokens *b) {
  CHECK_SAME(a->access_token, b->access_token);
  CHECK_SAME(a->refresh_token, b->refresh_token);
  CHECK_SAME(a->instance_url, b->instance_url);
  CHECK_SAME(a->id, b->id);
  CHECK_SAME(a->issued_at, b->issued_at);
  CHECK_SAME(a->scope, b->scope);
  CHECK_SAME(a->token_type, b->token_type);
  CHECK_SAME(a->id_token, b->id_token);
  CHECK_INT(a->obtained_at, b->obtained_at);
  CHECK_INT(a->signature_verified, b->signature_verified);
}

static void tokens_json_round_trip(void) {
  sf_tokens a, b = {0};
  sf_error err;
  char *json = NULL;
  fill(&a);
  CHECK_INT(sf_tokens_to_json(&a, &json), SF_OK);
  CHECK(json != NULL);
  CHECK(contains(json, "\"access_token\":\"00Dx!AQ.access\""));
  CHECK(contains(json, "\"obtained_at\":1700000000"));
  CHECK(contains(json, "\"signature_verified\":true"));
  sf_error_clear(&err);
  /* b holds something already: from_json clears it first (ASan: no leak) */
  b.access_token = strdup("stale");
  b.scope = strdup("stale scope");
  CHECK_INT(sf_tokens_from_json(json, strlen(json), &b, &err), SF_OK);
  same_tokens(&a, &b);
  free(json);
  /* absent fields stay NULL, and survive the trip as absent */
  sf_tokens_clear(&a);
  a.access_token = strdup("A");
  a.instance_url = strdup("https://x.my.salesforce.com");
  CHECK_INT(sf_tokens_to_json(&a, &json), SF_OK);
  CHECK_STR(json, "{\"access_token\":\"A\",\"instance_url\":"
                  "\"https://x.my.salesforce.com\",\"obtained_at\":0,"
                  "\"signature_verified\":false}");
  CHECK_INT(sf_tokens_from_json(json, strlen(json), &b, &err), SF_OK);
  same_tokens(&a, &b);
  CHECK(b.refresh_token == NULL && b.id == NULL && b.id_token == NULL);
  free(json);
  /* unknown members and members of other types are ignored */
  {
    const char *j = "{\"access_token\":\"A\",\"instance_url\":\"https://i\","
                    "\"scope\":42,\"extra\":{\"x\":1}}";
    CHECK_INT(sf_tokens_from_json(j, strlen(j), &b, &err), SF_OK);
    CHECK_STR(b.access_token, "A");
    CHECK(b.scope == NULL);
  }
  /* len is honoured: trailing bytes after len are not read */
  {
    const char *j = "{\"access_token\":\"A\",\"instance_url\":\"https://i\"}"
                    "GARBAGE";
    CHECK_INT(sf_tokens_from_json(j, strlen(j) - 7, &b, &err), SF_OK);
  }
  CHECK_INT(sf_tokens_to_json(NULL, &json), SF_E_INVALID_ARG);
  CHECK_INT(sf_tokens_to_json(&a, NULL), SF_E_INVALID_ARG);
  sf_tokens_clear(&a);
  sf_tokens_clear(&b);
}

static void tokens_from_json_errors(void) {
  static const char *const bad[] = {
      "",
      "not json",
      "[]",
      "\"text\"",
      "42",
      "null",
      "{\"access_token\":\"A\"", /* truncated */
      "{\"instance_url\":\"https://i\"}",
      "{\"access_token\":7,\"instance_url\":\"https://i\"}",
      NULL};
  sf_tokens t = {0};
  sf_error err;
  int i;
  for (i = 0; bad[i]; i++) {
    sf_error_clear(&err);
    t.access_token = strdup("previous");
    if (sf_tokens_from_json(bad[i], strlen(bad[i]), &t, &err) != SF_E_STORE ||
        err.code != SF_E_STORE || err.message[0] == '\0') {
      fprintf(stderr, "  not refused as SF_E_STORE: '%s'\n", bad[i]);
      CHECK(0);
    }
    /* a failure leaves nothing behind, not even the previous set */
    CHECK(t.access_token == NULL && t.instance_url == NULL);
  }
  sf_error_clear(&err);
  CHECK_INT(sf_tokens_from_json(NULL, 0, &t, &err), SF_E_INVALID_ARG);
  CHECK_INT(err.code, SF_E_INVALID_ARG);
  CHECK_INT(sf_tokens_from_json("{}", 2, NULL, NULL), SF_E_INVALID_ARG);
  sf_tokens_clear(&t);
}

static void tokens_copy_and_clear(void) {
  sf_tokens a, b = {0}, empty = {0};
  fill(&a);
  b.access_token = strdup("to be replaced"); /* ASan: freed by the copy */
  CHECK_INT(sf_tokens_copy(&b, &a), SF_OK);
  same_tokens(&a, &b);
  CHECK(b.access_token != a.access_token); /* deep */
  CHECK(b.id_token != a.id_token);
  sf_tokens_clear(&a);
  CHECK(a.access_token == NULL && a.obtained_at == 0 &&
        a.signature_verified == 0);
  CHECK_STR(b.access_token, "00Dx!AQ.access"); /* the copy lives on */
  sf_tokens_clear(&a);                         /* twice is harmless */
  sf_tokens_clear(NULL);
  /* copying an empty set empties the destination */
  CHECK_INT(sf_tokens_copy(&b, &empty), SF_OK);
  CHECK(b.access_token == NULL && b.refresh_token == NULL);
  CHECK_INT(sf_tokens_copy(NULL, &a), SF_E_INVALID_ARG);
  CHECK_INT(sf_tokens_copy(&b, NULL), SF_E_INVALID_ARG);
  sf_tokens_clear(&b);
  sf_device_clear(NULL);
}

static void tokens_ids(void) {
  sf_tokens t = {0};
  char org[19], user[19];
  t.id = "https://login.salesforce.com/id/" ORG18 "/" USER18;
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_OK);
  CHECK_STR(org, ORG18);
  CHECK_STR(user, USER18);
  t.id = "https://127.0.0.1:9/id/00D5g0000000001EAA/0055g0000000001AAA";
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_OK);
  CHECK_STR(org, "00D5g0000000001EAA");
  CHECK_STR(user, "0055g0000000001AAA");
  t.id = "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P";
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG); /* 15 chars */
  t.id = "https://login.salesforce.com/id/" ORG18 "/" USER18 "/";
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG);
  t.id = "https://login.salesforce.com/id/" ORG18;
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG);
  t.id = "https://login.salesforce.com/" ORG18 "/" USER18;
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG);
  t.id = "";
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG);
  t.id = NULL;
  CHECK_INT(sf_tokens_ids(&t, org, user), SF_E_INVALID_ARG);
  CHECK_INT(sf_tokens_ids(NULL, org, user), SF_E_INVALID_ARG);
  t.id = "https://login.salesforce.com/id/" ORG18 "/" USER18;
  CHECK_INT(sf_tokens_ids(&t, NULL, user), SF_E_INVALID_ARG);
  CHECK_INT(sf_tokens_ids(&t, org, NULL), SF_E_INVALID_ARG);
}

/* ---- the authorization URL -------------------------------------------------
 */

static void authorize_url_encoding(void) {
  sf_oauth_app app = {0};
  char *url = NULL;
  app.client_id = "3MVG9 id+x";
  app.authorize_url = "https://login.salesforce.com/services/oauth2/authorize";
  app.token_url = "https://login.salesforce.com/services/oauth2/token";
  app.redirect_uri = REDIRECT;
  app.scope = "api refresh_token openid";
  CHECK_INT(sf_oauth_authorize_url(&app, "a+b&c=d e/?#%", RFC_CHALLENGE,
                                   "prompt=login&login_hint=u%40x.com", &url),
            SF_OK);
  CHECK_STR(url,
            "https://login.salesforce.com/services/oauth2/authorize"
            "?response_type=code&client_id=3MVG9%20id%2Bx"
            "&redirect_uri=" REDIRECT_ENC "&scope=api%20refresh_token%20openid"
            "&state=a%2Bb%26c%3Dd%20e%2F%3F%23%25"
            "&code_challenge=" RFC_CHALLENGE "&code_challenge_method=S256"
            "&prompt=login&login_hint=u%40x.com");
  free(url);
  /* no scope, no extra; an authorize URL with a query gets '&' */
  app.scope = NULL;
  app.authorize_url = "https://acme.my.salesforce.com/authorize?display=touch";
  CHECK_INT(sf_oauth_authorize_url(&app, "s", "c", NULL, &url), SF_OK);
  CHECK_STR(url, "https://acme.my.salesforce.com/authorize?display=touch"
                 "&response_type=code&client_id=3MVG9%20id%2Bx"
                 "&redirect_uri=" REDIRECT_ENC "&state=s&code_challenge=c"
                 "&code_challenge_method=S256");
  free(url);
}

static void authorize_url_contract(void) {
  sf_oauth_app app = {0};
  char *url = (char *)"sentinel";
  app.client_id = CLIENT;
  app.authorize_url = "https://login.salesforce.com/services/oauth2/authorize";
  app.redirect_uri = REDIRECT;
  CHECK_INT(sf_oauth_authorize_url(&app, "s", "c", NULL, NULL),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_authorize_url(NULL, "s", "c", NULL, &url),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_authorize_url(&app, NULL, "c", NULL, &url),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_authorize_url(&app, "s", NULL, NULL, &url),
            SF_E_INVALID_ARG);
  app.redirect_uri = NULL;
  CHECK_INT(sf_oauth_authorize_url(&app, "s", "c", NULL, &url),
            SF_E_INVALID_ARG);
  app.redirect_uri = REDIRECT;
  app.authorize_url = NULL;
  CHECK_INT(sf_oauth_authorize_url(&app, "s", "c", NULL, &url),
            SF_E_INVALID_ARG);
  app.authorize_url = "https://login.salesforce.com/services/oauth2/authorize";
  app.client_id = NULL;
  CHECK_INT(sf_oauth_authorize_url(&app, "s", "c", NULL, &url),
            SF_E_INVALID_ARG);
}

/* ---- the grants: what is sent, what comes back ------------------------------
 */

static void exchange_code_sends_exact_form(void) {
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  time_t before = time(NULL);
  CHECK_INT(setup(), 0);
  push_tokens("00Dx!AQ.code-access", "5Aep861.code-refresh", SECRET);
  sf_error_clear(&err);
  /* a real code is base64 with '+', '/' and '=': it must be encoded */
  CHECK_INT(sf_oauth_exchange_code(F.h, &F.app, &F.policy,
                                   "aPrx4+sgoM/2Nd==", RFC_VERIFIER, &t, &err),
            SF_OK);
  CHECK_INT(ts_request_count(F.s), 1);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=authorization_code&code=aPrx4%2BsgoM%2F2Nd%3D%3D"
                  "&client_id=3MVG9.cid_x&client_secret=" SECRET_ENC
                  "&redirect_uri=" REDIRECT_ENC "&code_verifier=" RFC_VERIFIER);
  CHECK_STR(t.access_token, "00Dx!AQ.code-access");
  CHECK_STR(t.refresh_token, "5Aep861.code-refresh");
  CHECK_STR(t.instance_url, F.instance);
  CHECK_STR(t.id, F.id);
  CHECK_STR(t.issued_at, ISSUED);
  CHECK_STR(t.scope, "api refresh_token");
  CHECK_STR(t.token_type, "Bearer");
  CHECK(t.id_token == NULL);
  CHECK_INT(t.signature_verified, 1);
  CHECK(t.obtained_at >= before && t.obtained_at <= time(NULL));
  sf_tokens_clear(&t);
  teardown();
}

static void exchange_code_public_client(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  app = F.app;
  app.client_secret = NULL;
  /* no secret: nothing to verify the signature with, and none is needed */
  push_tokens("00Dx!AQ.public", NULL, NULL);
  CHECK_INT(
      sf_oauth_exchange_code(F.h, &app, &F.policy, "c0de", NULL, &t, &err),
      SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=authorization_code&code=c0de"
                  "&client_id=3MVG9.cid_x&redirect_uri=" REDIRECT_ENC);
  CHECK_STR(t.access_token, "00Dx!AQ.public");
  CHECK_INT(t.signature_verified, 0);
  sf_tokens_clear(&t);
  teardown();
}

static void grants_argument_contract(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_device d = {0};
  sf_error err;
  CHECK_INT(setup(), 0);
  app = F.app;
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, NULL, "", "v", &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(err.code, SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, NULL, NULL, "v", &t, &err),
            SF_E_INVALID_ARG);
  app.redirect_uri = NULL;
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, NULL, "c", "v", &t, &err),
            SF_E_INVALID_ARG);
  CHECK(contains(err.message, "redirect_uri"));
  app = F.app;
  app.client_id = NULL;
  CHECK_INT(sf_oauth_refresh(F.h, &app, NULL, "rt", &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, NULL, &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_device_start(F.h, &app, &d, &err), SF_E_INVALID_ARG);
  app = F.app;
  app.token_url = NULL;
  CHECK_INT(sf_oauth_password(F.h, &app, NULL, "u", "p", &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_device_poll(F.h, &app, NULL, "dc", &t, &err),
            SF_E_INVALID_ARG);
  app = F.app;
  CHECK_INT(sf_oauth_refresh(F.h, &app, NULL, "", &t, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_refresh(F.h, &app, NULL, NULL, &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_refresh(F.h, NULL, NULL, "rt", &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_refresh(F.h, &app, NULL, "rt", NULL, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_password(F.h, &app, NULL, NULL, "p", &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_password(F.h, &app, NULL, "u", NULL, &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_device_poll(F.h, &app, NULL, NULL, &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_device_start(F.h, &app, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_revoke(F.h, &app, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_revoke(F.h, NULL, "t", &err), SF_E_INVALID_ARG);
  app.client_secret = NULL;
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, NULL, &t, &err),
            SF_E_INVALID_ARG);
  CHECK(contains(err.message, "secret"));
  /* err may be NULL */
  CHECK_INT(sf_oauth_refresh(F.h, &app, NULL, "", &t, NULL), SF_E_INVALID_ARG);
  /* none of these reached the network */
  CHECK_INT(ts_request_count(F.s), 0);
  teardown();
}

static void refresh_keeps_token_without_rotation(void) {
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push_tokens("00Dx!AQ.new-access", NULL, SECRET);
  CHECK_INT(sf_oauth_refresh(F.h, &F.app, &F.policy, "5Aep861.rt+1", &t, &err),
            SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=refresh_token&refresh_token=5Aep861.rt%2B1"
                  "&client_id=3MVG9.cid_x&client_secret=" SECRET_ENC);
  CHECK_STR(t.access_token, "00Dx!AQ.new-access");
  /* no rotation: the refresh token stays valid and is kept */
  CHECK_STR(t.refresh_token, "5Aep861.rt+1");
  CHECK_INT(t.signature_verified, 1);
  sf_tokens_clear(&t);
  teardown();
}

static void refresh_takes_the_rotated_token(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  char url[160];
  CHECK_INT(setup(), 0);
  /* refresh_url, when set, is where the refresh goes */
  snprintf(url, sizeof url, "%s/services/oauth2/refresh-here", F.instance);
  app = F.app;
  app.refresh_url = url;
  push_tokens("00Dx!AQ.rotated-access", "5Aep861.rt2", SECRET);
  CHECK_INT(sf_oauth_refresh(F.h, &app, &F.policy, "5Aep861.rt1", &t, &err),
            SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/refresh-here",
                  "grant_type=refresh_token&refresh_token=5Aep861.rt1"
                  "&client_id=3MVG9.cid_x&client_secret=" SECRET_ENC);
  CHECK_STR(t.access_token, "00Dx!AQ.rotated-access");
  CHECK_STR(t.refresh_token, "5Aep861.rt2");
  sf_tokens_clear(&t);
  teardown();
}

static void client_credentials_sends_exact_form(void) {
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push_tokens("00Dx!AQ.cc", NULL, SECRET);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=client_credentials&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC "&scope=api%20refresh_token");
  CHECK_STR(t.access_token, "00Dx!AQ.cc");
  CHECK(t.refresh_token == NULL);
  CHECK_INT(t.signature_verified, 1);
  sf_tokens_clear(&t);
  teardown();
}

static void password_sends_exact_form_and_warns(void) {
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push_tokens("00Dx!AQ.pw", NULL, SECRET);
  CHECK_INT(sf_oauth_password(F.h, &F.app, &F.policy, "dev@example.com",
                              "p&ss=word1TOKEN", &t, &err),
            SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=password&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC "&username=dev%40example.com"
                  "&password=p%26ss%3Dword1TOKEN");
  CHECK_STR(t.access_token, "00Dx!AQ.pw");
  /* the legacy flow says so, at warn level */
  CHECK(contains(F.log.text, "warn the username-password flow is legacy"));
  CHECK(!contains(F.log.text, "p&ss=word1TOKEN"));
  CHECK(!contains(F.log.text, "p%26ss%3Dword1TOKEN"));
  sf_tokens_clear(&t);
  teardown();
}

static void device_flow_sends_exact_forms(void) {
  sf_device d = {0};
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push(200, JSON_CT,
       "{\"device_code\":\"DEV+code/1\",\"user_code\":\"BCDF2345\","
       "\"verification_uri\":\"https://login.salesforce.com/setup/connect\","
       "\"interval\":7}");
  CHECK_INT(sf_oauth_device_start(F.h, &F.app, &d, &err), SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "response_type=device_code&client_id=3MVG9.cid_x"
                  "&scope=api%20refresh_token");
  CHECK_STR(d.device_code, "DEV+code/1");
  CHECK_STR(d.user_code, "BCDF2345");
  CHECK_STR(d.verification_uri, "https://login.salesforce.com/setup/connect");
  CHECK_INT(d.interval_s, 7);
  /* pending, then slow_down: both SF_E_PENDING with the OAuth code */
  push(400, JSON_CT, "{\"error\":\"authorization_pending\"}");
  sf_error_clear(&err);
  CHECK_INT(
      sf_oauth_device_poll(F.h, &F.app, &F.policy, d.device_code, &t, &err),
      SF_E_PENDING);
  CHECK_INT(err.code, SF_E_PENDING);
  CHECK_STR(err.remote_code, "authorization_pending");
  CHECK_INT(err.http_status, 400);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=device&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC "&code=DEV%2Bcode%2F1");
  push(400, JSON_CT, "{\"error\":\"slow_down\"}");
  CHECK_INT(
      sf_oauth_device_poll(F.h, &F.app, &F.policy, d.device_code, &t, &err),
      SF_E_PENDING);
  CHECK_STR(err.remote_code, "slow_down");
  CHECK(t.access_token == NULL);
  /* denied is a refusal, not pending */
  push(400, JSON_CT,
       "{\"error\":\"access_denied\",\"error_description\":\"end-user "
       "denied authorization\"}");
  CHECK_INT(
      sf_oauth_device_poll(F.h, &F.app, &F.policy, d.device_code, &t, &err),
      SF_E_OAUTH);
  CHECK_STR(err.remote_code, "access_denied");
  push_tokens("00Dx!AQ.device", "5Aep861.device", SECRET);
  CHECK_INT(
      sf_oauth_device_poll(F.h, &F.app, &F.policy, d.device_code, &t, &err),
      SF_OK);
  CHECK_STR(t.access_token, "00Dx!AQ.device");
  CHECK_STR(t.refresh_token, "5Aep861.device");
  sf_tokens_clear(&t);
  sf_device_clear(&d);
  CHECK(d.device_code == NULL && d.user_code == NULL);
  /* no interval: 5 s; a missing field is a protocol error */
  push(200, JSON_CT,
       "{\"device_code\":\"D\",\"user_code\":\"U\","
       "\"verification_uri\":\"https://v\"}");
  CHECK_INT(sf_oauth_device_start(F.h, &F.app, &d, &err), SF_OK);
  CHECK_INT(d.interval_s, 5);
  push(200, JSON_CT, "{\"device_code\":\"D\",\"verification_uri\":\"x\"}");
  CHECK_INT(sf_oauth_device_start(F.h, &F.app, &d, &err), SF_E_PROTOCOL);
  CHECK(d.device_code == NULL);
  push(400, JSON_CT,
       "{\"error\":\"invalid_client_id\",\"error_description\":\"client "
       "identifier invalid\"}");
  CHECK_INT(sf_oauth_device_start(F.h, &F.app, &d, &err), SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_client_id");
  sf_device_clear(&d);
  teardown();
}

static void revoke_sends_client_authentication(void) {
  sf_oauth_app app;
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  /* client_secret_post: the client authenticates in the body (RFC 7009) */
  push(200, NULL, "");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_revoke(F.h, &F.app, "5Aep861.rt+/=", &err), SF_OK);
  CHECK_INT(err.code, SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/revoke",
                  "token=5Aep861.rt%2B%2F%3D&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC);
  /* client_secret_basic: in the Authorization header, not the body */
  app = F.app;
  app.client_auth = SF_CLIENT_SECRET_BASIC;
  push(200, NULL, "");
  CHECK_INT(sf_oauth_revoke(F.h, &app, "tok", &err), SF_OK);
  q = last_request();
  check_form_post_auth(&q, "/services/oauth2/revoke", "token=tok",
                       "Basic " BASIC_CREDENTIALS);
  /* a public client names itself, and never sends a secret */
  app.client_auth = SF_CLIENT_NONE;
  push(200, NULL, "");
  CHECK_INT(sf_oauth_revoke(F.h, &app, "tok", &err), SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/revoke",
                  "token=tok&client_id=3MVG9.cid_x");
  /* no revocation URL: refused with nothing sent, never guessed */
  app = F.app;
  app.revoke_url = NULL;
  CHECK_INT(sf_oauth_revoke(F.h, &app, "tok", &err), SF_E_INVALID_ARG);
  CHECK(contains(err.message, "no revocation URL"));
  CHECK_INT(ts_request_count(F.s), 3);
  /* refusals */
  push(400, JSON_CT,
       "{\"error\":\"invalid_token\",\"error_description\":\"Token was "
       "invalid\"}");
  CHECK_INT(sf_oauth_revoke(F.h, &F.app, "gone", &err), SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_token");
  CHECK_INT(err.http_status, 400);
  push(500, NULL, "oops");
  CHECK_INT(sf_oauth_revoke(F.h, &F.app, "t", &err), SF_E_HTTP);
  CHECK_INT(err.http_status, 500);
  teardown();
}

/* client_secret_basic at the token endpoint: HTTP Basic of the
 * form-urlencoded id and secret (RFC 6749 2.3.1), neither in the body. */
static void grant_with_client_secret_basic(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  app = F.app;
  app.client_auth = SF_CLIENT_SECRET_BASIC;
  push_tokens("00Dx!AQ.basic", "5Aep861.basic", SECRET);
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_refresh(F.h, &app, &F.policy, "5Aep861.old", &t, &err),
            SF_OK);
  q = last_request();
  check_form_post_auth(&q, "/services/oauth2/token",
                       "grant_type=refresh_token&refresh_token=5Aep861.old",
                       "Basic " BASIC_CREDENTIALS);
  CHECK_STR(t.access_token, "00Dx!AQ.basic");
  /* the header is a secret: never in the log */
  CHECK(!contains(F.log.text, BASIC_CREDENTIALS));
  /* a public client sends client_id alone, even when a secret is set */
  app.client_auth = SF_CLIENT_NONE;
  push_tokens("00Dx!AQ.public", NULL, NULL);
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, &F.policy, "c0de", "v", &t, &err),
            SF_OK);
  q = last_request();
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=authorization_code&code=c0de"
                  "&client_id=3MVG9.cid_x&redirect_uri=" REDIRECT_ENC
                  "&code_verifier=v");
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(ts_request_count(F.s), 2);
  sf_tokens_clear(&t);
  teardown();
}

/* A standard OAuth 2.0 server: no instance_url, id or signature; only
 * access_token is required, and expires_in is kept. */
static void generic_kind_token_response(void) {
  sf_oauth_app app;
  sf_tokens t = {0}, back = {0};
  sf_error err;
  char *json = NULL;
  CHECK_INT(setup(), 0);
  app = F.app;
  app.kind = SF_OAUTH_GENERIC;
  push(200, JSON_CT,
       "{\"access_token\":\"gen-access\",\"token_type\":\"Bearer\","
       "\"expires_in\":3600,\"refresh_token\":\"gen-refresh\"}");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, &F.policy, "c", NULL, &t, &err),
            SF_OK);
  CHECK_STR(t.access_token, "gen-access");
  CHECK(t.instance_url == NULL);
  CHECK_INT(t.expires_in, 3600);
  CHECK_INT(t.signature_verified, 0);
  /* expires_in survives the store */
  CHECK_INT(sf_tokens_to_json(&t, &json), SF_OK);
  CHECK_INT(sf_tokens_from_json(json, strlen(json), &back, &err), SF_OK);
  CHECK_INT(back.expires_in, 3600);
  free(json);
  /* a string of digits is read too; anything else is "not sent" */
  push(200, JSON_CT, "{\"access_token\":\"a\",\"expires_in\":\"120\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err), SF_OK);
  CHECK_INT(t.expires_in, 120);
  push(200, JSON_CT, "{\"access_token\":\"a\",\"expires_in\":\"12x\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err), SF_OK);
  CHECK_INT(t.expires_in, 0);
  /* a signature that does come is still verified */
  push(200, JSON_CT,
       "{\"access_token\":\"a\",\"issued_at\":\"1\","
       "\"signature\":\"AAAA\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err),
            SF_E_SIGNATURE);
  /* the message names the missing field */
  push(200, JSON_CT, "{\"token_type\":\"Bearer\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  CHECK_STR(err.message, "the token response lacks access_token");
  sf_tokens_clear(&t);
  sf_tokens_clear(&back);
  teardown();
}

/* The Salesforce kind demands instance_url and, with a secret, the
 * signature; tokens it refuses after they were issued are revoked, the
 * access token and then the refresh token, with the client authentication
 * of the token endpoint (refused(): a missing field counts); a refresh
 * hands them back instead (its caller keeps a rotated refresh token). */
static void salesforce_kind_refusals_revoke(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push(200, JSON_CT,
       "{\"access_token\":\"sf-access\",\"refresh_token\":\"sf-refresh\"}");
  push(200, NULL, "");
  push(200, NULL, "");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_exchange_code(F.h, &F.app, &F.policy, "c", NULL, &t, &err),
            SF_E_PROTOCOL);
  CHECK(contains(err.message, "lacks instance_url"));
  CHECK(!contains(err.message, "access_token"));
  CHECK(!contains(err.message, "not revoked"));
  CHECK(t.access_token == NULL);
  CHECK_INT(ts_request_count(F.s), 3);
  CHECK_INT(ts_request_at(F.s, 1, &q), 0);
  check_form_post(&q, "/services/oauth2/revoke",
                  "token=sf-access&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC);
  CHECK_INT(ts_request_at(F.s, 2, &q), 0);
  check_form_post(&q, "/services/oauth2/revoke",
                  "token=sf-refresh&client_id=3MVG9.cid_x"
                  "&client_secret=" SECRET_ENC);
  /* a refresh without a signature (a known secret): handed back, nothing
   * revoked here */
  push_tokens("00Dx!AQ.unsigned", NULL, NULL);
  CHECK_INT(sf_oauth_refresh(F.h, &F.app, &F.policy, "5Aep861.r", &t, &err),
            SF_E_SIGNATURE);
  CHECK_STR(t.access_token, "00Dx!AQ.unsigned");
  CHECK(t.refresh_token == NULL); /* none came: the old one is not spent */
  CHECK_INT(ts_request_count(F.s), 4);
  sf_tokens_clear(&t);
  /* client_secret_basic: the refused tokens are revoked with HTTP Basic */
  app = F.app;
  app.client_auth = SF_CLIENT_SECRET_BASIC;
  push_tokens("00Dx!AQ.unsigned2", "5Aep861.u2", NULL);
  push(200, NULL, "");
  push(200, NULL, "");
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, &F.policy, "c", NULL, &t, &err),
            SF_E_SIGNATURE);
  CHECK_INT(ts_request_count(F.s), 7);
  CHECK_INT(ts_request_at(F.s, 5, &q), 0);
  check_form_post_auth(&q, "/services/oauth2/revoke",
                       "token=00Dx%21AQ.unsigned2", "Basic " BASIC_CREDENTIALS);
  CHECK_INT(ts_request_at(F.s, 6, &q), 0);
  check_form_post_auth(&q, "/services/oauth2/revoke", "token=5Aep861.u2",
                       "Basic " BASIC_CREDENTIALS);
  /* an oauth2 app without a revocation URL revokes nothing, and says so */
  app.kind = SF_OAUTH_GENERIC;
  app.revoke_url = NULL;
  push(200, JSON_CT,
       "{\"access_token\":\"gen-a\",\"refresh_token\":\"gen-r\","
       "\"instance_url\":\"https://evil.example.com\"}");
  CHECK_INT(sf_oauth_exchange_code(F.h, &app, &F.policy, "c", NULL, &t, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "; not revoked: no revocation URL"));
  CHECK_INT(ts_request_count(F.s), 8);
  CHECK(t.access_token == NULL);
  sf_tokens_clear(&t);
  teardown();
}

static void tokens_expiring_and_bearer_challenges(void) {
  sf_tokens t = {0};
  char e[32];
  CHECK_INT(sf_tokens_expiring(NULL, 60, 0), 0);
  t.obtained_at = 1000;
  CHECK_INT(sf_tokens_expiring(&t, 60, 999999), 0); /* no expires_in */
  t.expires_in = 3600;
  CHECK_INT(sf_tokens_expiring(&t, 60, 1000 + 3600 - 61), 0);
  CHECK_INT(sf_tokens_expiring(&t, 60, 1000 + 3600 - 60), 1);
  /* the skew is at most half the lifetime */
  t.expires_in = 30;
  CHECK_INT(sf_tokens_expiring(&t, 60, 1014), 0);
  CHECK_INT(sf_tokens_expiring(&t, 60, 1015), 1);
  CHECK_INT(sf_oauth_bearer_error(
                "Bearer realm=\"example\", error=\"invalid_token\", "
                "error_description=\"The access token expired\"",
                e, sizeof e),
            1);
  CHECK_STR(e, "invalid_token");
  CHECK_INT(
      sf_oauth_bearer_error("bearer error=insufficient_scope", e, sizeof e), 1);
  CHECK_STR(e, "insufficient_scope");
  /* another scheme's error is not the Bearer one */
  CHECK_INT(sf_oauth_bearer_error("Basic realm=\"x\", error=\"invalid_token\"",
                                  e, sizeof e),
            0);
  CHECK_INT(sf_oauth_bearer_error("Basic realm=\"x\", Bearer "
                                  "error=\"in\\\"valid\"",
                                  e, sizeof e),
            1);
  CHECK_STR(e, "in\"valid");
  CHECK_INT(sf_oauth_bearer_error("Bearer realm=\"x\"", e, sizeof e), 0);
  CHECK_INT(sf_oauth_bearer_error("Bearer error=\"unterminated", e, sizeof e),
            0);
  CHECK_STR(e, "");
  CHECK_INT(sf_oauth_bearer_error(NULL, e, sizeof e), 0);
  CHECK_INT(
      sf_oauth_bearer_error("Bearer error=\"invalid_token_and_more\"", e, 8),
      1);
  CHECK_STR(e, "invalid");
}

/* A revoke whose answer cannot be read must not claim the token is gone:
 * here the server says 400 but the body is not the gzip it claims to be. */
static void revoke_unreadable_answer_is_not_success(void) {
  sf_error err;
  CHECK_INT(setup(), 0);
  push(400, "Content-Encoding: gzip\r\n", "this is not gzip at all");
  sf_error_clear(&err);
  CHECK(sf_oauth_revoke(F.h, &F.app, "5Aep861.rt", &err) != SF_OK);
  CHECK_INT(ts_request_count(F.s), 1);
  teardown();
}

static void get_sends_the_bearer_token(void) {
  char *body = (char *)"sentinel", v[256];
  size_t len = 0;
  sf_error err;
  ts_request q;
  CHECK_INT(setup(), 0);
  push(200, JSON_CT, "{\"user_id\":\"" USER18 "\"}");
  CHECK_INT(sf_oauth_get(F.h, F.id, "00Dx!AQ.bearer", &body, &len, &err),
            SF_OK);
  CHECK_STR(body, "{\"user_id\":\"" USER18 "\"}");
  CHECK_INT(len, strlen(body));
  free(body);
  q = last_request();
  CHECK_STR(q.method, "GET");
  CHECK_STR(q.target, "/id/" ORG18 "/" USER18);
  CHECK_INT(ts_header(&q, "Authorization", v, sizeof v), 0);
  CHECK_STR(v, "Bearer 00Dx!AQ.bearer");
  CHECK(!contains(F.log.text, "00Dx!AQ.bearer"));
  /* an empty 200 is an empty body, not a failure */
  push(200, NULL, "");
  CHECK_INT(sf_oauth_get(F.h, F.id, "t", &body, &len, &err), SF_OK);
  CHECK(body != NULL && body[0] == '\0');
  CHECK_INT(len, 0);
  free(body);
  push(403, NULL, "Bad_OAuth_Token");
  CHECK_INT(sf_oauth_get(F.h, F.id, "t", &body, &len, &err), SF_E_OAUTH);
  CHECK_INT(err.http_status, 403);
  CHECK(body == NULL);
  push(401, JSON_CT, "[{\"errorCode\":\"INVALID_SESSION_ID\"}]");
  CHECK_INT(sf_oauth_get(F.h, F.id, "t", &body, &len, &err), SF_E_OAUTH);
  CHECK_INT(err.http_status, 401);
  push(404, NULL, "");
  CHECK_INT(sf_oauth_get(F.h, F.id, "t", &body, &len, &err), SF_E_HTTP);
  CHECK_INT(err.http_status, 404);
  CHECK_INT(sf_oauth_get(F.h, NULL, "t", &body, &len, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_get(F.h, F.id, NULL, &body, &len, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_get(F.h, F.id, "t", NULL, &len, &err), SF_E_INVALID_ARG);
  teardown();
}

/* ---- the grants: answers that are refused -----------------------------------
 */

static void oauth_refusal_maps_to_remote_code(void) {
  sf_tokens t = {0};
  sf_error err;
  CHECK_INT(setup(), 0);
  push(400, JSON_CT,
       "{\"error\":\"invalid_grant\",\"error_description\":\"expired "
       "access/refresh token\"}");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_refresh(F.h, &F.app, &F.policy, "5Aep861.dead", &t, &err),
            SF_E_OAUTH);
  CHECK_INT(err.code, SF_E_OAUTH);
  CHECK_INT(err.http_status, 400);
  CHECK_STR(err.remote_code, "invalid_grant");
  CHECK_STR(err.message, "invalid_grant: expired access/refresh token");
  CHECK(!contains(err.message, "5Aep861.dead"));
  CHECK(t.access_token == NULL);
  /* no description: still a sentence */
  push(400, JSON_CT, "{\"error\":\"invalid_client\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_client");
  CHECK(contains(err.message, "invalid_client"));
  CHECK(!contains(err.message, SECRET));
  /* an error status without an OAuth error is SF_E_HTTP */
  sf_error_clear(&err);
  push(400, "Content-Type: text/html\r\n", "<html>Bad Request</html>");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_HTTP);
  CHECK_INT(err.http_status, 400);
  CHECK_STR(err.remote_code, "");
  push(503, NULL, "");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_HTTP);
  CHECK_INT(err.http_status, 503);
  /* a redirect is not followed: the form (with the secret) goes nowhere
   * else */
  push(302, "Location: http://127.0.0.1:9/elsewhere\r\n", "");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_HTTP);
  CHECK_INT(err.http_status, 302);
  CHECK_INT(ts_request_count(F.s), 5);
  CHECK(t.access_token == NULL);
  teardown();
}

/* The error record describes the failure at hand only: a caller that
 * reuses one sf_error must not read the OAuth code or HTTP status of an
 * earlier failure (error.h: remote_code is "empty when there is none"). */
static void error_record_holds_only_the_last_failure(void) {
  sf_tokens t = {0};
  sf_error err;
  CHECK_INT(setup(), 0);
  sf_error_clear(&err);
  push(400, JSON_CT,
       "{\"error\":\"invalid_client\",\"error_description\":\"invalid "
       "client credentials\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_client");
  /* the same record, a failure without an OAuth code */
  push(502, "Content-Type: text/html\r\n", "<html>Bad Gateway</html>");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_HTTP);
  CHECK_INT(err.http_status, 502);
  CHECK_STR(err.remote_code, "");
  /* and a failure without any HTTP answer */
  push_tokens("00Dx!AQ.loop", NULL, SECRET);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, NULL, &t, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK_INT(err.http_status, 0);
  CHECK_STR(err.remote_code, "");
  teardown();
}

static void malformed_200_is_a_protocol_error(void) {
  sf_tokens t = {0};
  sf_error err;
  char body[512];
  CHECK_INT(setup(), 0);
  push(200, "Content-Type: text/html\r\n", "<html>login</html>");
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  CHECK_INT(err.code, SF_E_PROTOCOL);
  CHECK(err.message[0] != '\0');
  push(200, JSON_CT, "[\"not\",\"an\",\"object\"]");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  push(200, JSON_CT, "");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  /* JSON without access_token or instance_url */
  snprintf(body, sizeof body, "{\"instance_url\":\"%s\"}", F.instance);
  push(200, JSON_CT, body);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  push(200, JSON_CT, "{\"access_token\":\"00Dx!AQ.x\"}");
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_PROTOCOL);
  CHECK(contains(err.message, "instance_url"));
  CHECK(!contains(err.message, "00Dx!AQ.x"));
  CHECK(t.access_token == NULL);
  teardown();
}

static void signature_is_required_with_a_secret(void) {
  sf_tokens t = {0};
  sf_error err;
  char body[1024], sig[64];
  ts_request q;
  int n;
  CHECK_INT(setup(), 0);
  /* missing */
  push_tokens("00Dx!AQ.unsigned", "5Aep861.u", NULL);
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_exchange_code(F.h, &F.app, &F.policy, "c", RFC_VERIFIER,
                                   &t, &err),
            SF_E_SIGNATURE);
  CHECK_INT(err.code, SF_E_SIGNATURE);
  CHECK(err.message[0] != '\0');
  CHECK(t.access_token == NULL && t.refresh_token == NULL);
  /* what was issued and refused is revoked: the refresh token */
  q = last_request();
  CHECK(contains(q.target, "/services/oauth2/revoke"));
  CHECK(contains(q.body, "token=5Aep861.u"));
  n = ts_request_count(F.s);
  /* signed with another secret: a refresh hands the refused set back (its
   * caller keeps a rotated refresh token) and revokes nothing itself */
  push_tokens("00Dx!AQ.forged", "5Aep861.rotated", "another-secret");
  CHECK_INT(sf_oauth_refresh(F.h, &F.app, &F.policy, "rt", &t, &err),
            SF_E_SIGNATURE);
  CHECK_STR(t.access_token, "00Dx!AQ.forged");
  CHECK_STR(t.refresh_token, "5Aep861.rotated");
  CHECK_INT(ts_request_count(F.s), n + 1);
  sf_tokens_clear(&t);
  /* a genuine signature, but the identity URL was swapped for another
   * user's: the check is what catches it */
  sign(SECRET, F.id, ISSUED, sig);
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.swapped\",\"signature\":\"%s\","
           "\"instance_url\":\"%s\",\"id\":\"%s/id/" ORG18
           "/005x00000012Q9QAAU\",\"token_type\":\"Bearer\","
           "\"issued_at\":\"" ISSUED "\"}",
           sig, F.instance, F.instance);
  push(200, JSON_CT, body);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_SIGNATURE);
  /* and a signature without the issued_at it covers */
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.noat\",\"signature\":\"%s\","
           "\"instance_url\":\"%s\",\"id\":\"%s\"}",
           sig, F.instance, F.id);
  push(200, JSON_CT, body);
  CHECK_INT(sf_oauth_password(F.h, &F.app, &F.policy, "u", "p", &t, &err),
            SF_E_SIGNATURE);
  push_tokens("00Dx!AQ.device", NULL, NULL);
  CHECK_INT(sf_oauth_device_poll(F.h, &F.app, &F.policy, "dc", &t, &err),
            SF_E_SIGNATURE);
  CHECK(t.access_token == NULL);
  q = last_request();
  CHECK(contains(q.body, "token=00Dx%21AQ.device") ||
        contains(q.body, "token=00Dx!AQ.device"));
  CHECK(!contains(err.message, SECRET));
  teardown();
}

static void untrusted_hosts_are_refused(void) {
  sf_tokens t = {0};
  sf_error err;
  char body[1024], sig[64];
  static const char *const domains[] = {"example.org", NULL};
  sf_oauth_policy custom = {domains, 1, 0};
  CHECK_INT(setup(), 0);
  /* the Salesforce defaults refuse the loopback test server */
  push_tokens("00Dx!AQ.loop", NULL, SECRET);
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, NULL, &t, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK_INT(err.code, SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "instance_url"));
  CHECK(contains(err.message, "127.0.0.1"));
  CHECK(t.access_token == NULL);
  /* an instance_url off the list, even with loopback allowed */
  sign(SECRET, F.id, ISSUED, sig);
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.evil\",\"signature\":\"%s\","
           "\"instance_url\":\"https://acme.my.salesforce.com.evil.io\","
           "\"id\":\"%s\",\"token_type\":\"Bearer\",\"issued_at\":\"" ISSUED
           "\"}",
           sig, F.id);
  push(200, JSON_CT, body);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "acme.my.salesforce.com.evil.io"));
  CHECK(!contains(err.message, "00Dx!AQ.evil"));
  /* an identity URL off the list */
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.evilid\","
           "\"instance_url\":\"%s\",\"id\":\"http://evil.example.com/id/" ORG18
           "/" USER18 "\",\"token_type\":\"Bearer\"}",
           F.instance);
  push(200, JSON_CT, body);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &F.policy, &t, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "identity URL"));
  /* a custom list: the loopback instance passes with allow_loopback */
  push_tokens("00Dx!AQ.custom", NULL, SECRET);
  CHECK_INT(sf_oauth_client_credentials(F.h, &F.app, &custom, &t, &err), SF_OK);
  CHECK_STR(t.access_token, "00Dx!AQ.custom");
  sf_tokens_clear(&t);
  teardown();
}

static void transport_failures_pass_through(void) {
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  char url[160];
  CHECK_INT(setup(), 0);
  app = F.app;
  snprintf(url, sizeof url, "%s", F.token_url);
  app.token_url = url;
  ts_stop(F.s); /* nothing listens there any more */
  F.s = NULL;
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err),
            SF_E_CONNECT);
  CHECK_INT(err.code, SF_E_CONNECT);
  CHECK(err.message[0] != '\0');
  CHECK_INT(sf_oauth_revoke(F.h, &app, "t", &err), SF_E_CONNECT);
  app.token_url = "not a url at all";
  CHECK(sf_oauth_client_credentials(F.h, &app, &F.policy, &t, &err) != SF_OK);
  CHECK(t.access_token == NULL);
  teardown();
}

/* ---- JWT bearer -------------------------------------------------------------
 */

static int write_key(EVP_PKEY *key, char path[64]) {
  int fd;
  FILE *f;
  int ok;
  snprintf(path, 64, "/tmp/sf-test-key-XXXXXX");
  fd = mkstemp(path);
  if (fd < 0)
    return -1;
  f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return -1;
  }
  ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
  fclose(f);
  return ok ? 0 : -1;
}

/* The value of `key` in the captured form body (no decoding needed for
 * base64url and the grant type checked literally). */
static int form_value(const char *body, const char *key, char *out,
                      size_t size) {
  size_t kl = strlen(key);
  const char *p = body;
  while (p && *p) {
    if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
      size_t n = strcspn(p + kl + 1, "&");
      if (n >= size)
        return -1;
      memcpy(out, p + kl + 1, n);
      out[n] = '\0';
      return 0;
    }
    p = strchr(p, '&');
    if (p)
      p++;
  }
  return -1;
}

/* Checks the captured assertion: shape, header, claims, RS256 signature
 * with `key`. Returns the claims (caller decrefs) or NULL. */
static json_t *check_assertion(const ts_request *q, EVP_PKEY *key) {
  static char jwt[8192];
  unsigned char part[4096], sig[1024];
  char *dot1, *dot2;
  int n, siglen;
  json_t *claims;
  EVP_MD_CTX *md;
  if (form_value(q->body, "assertion", jwt, sizeof jwt) != 0)
    return NULL;
  CHECK_INT(strspn(jwt, B64URL_CHARS "."), strlen(jwt));
  dot1 = strchr(jwt, '.');
  dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (!dot1 || !dot2 || strchr(dot2 + 1, '.')) {
    CHECK(!"three base64url parts");
    return NULL;
  }
  CHECK(dot1 > jwt && dot2 > dot1 + 1 && dot2[1] != '\0');
  n = b64url_decode(jwt, (size_t)(dot1 - jwt), part);
  CHECK(n > 0);
  part[n > 0 ? n : 0] = '\0';
  CHECK_STR((char *)part, "{\"alg\":\"RS256\"}");
  n = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), part);
  CHECK(n > 0);
  claims = json_loadb((char *)part, n > 0 ? (size_t)n : 0, 0, NULL);
  CHECK(json_is_object(claims));
  siglen = b64url_decode(dot2 + 1, strlen(dot2 + 1), sig);
  CHECK_INT(siglen, 256); /* RSA 2048 */
  md = EVP_MD_CTX_new();
  CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1);
  CHECK(EVP_DigestVerify(md, sig, (size_t)siglen, (unsigned char *)jwt,
                         (size_t)(dot2 - jwt)) == 1);
  /* and the check is not vacuous: one changed byte fails it */
  EVP_MD_CTX_free(md);
  md = EVP_MD_CTX_new();
  jwt[dot1 - jwt + 3] ^= 1;
  CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1);
  CHECK(EVP_DigestVerify(md, sig, (size_t)siglen, (unsigned char *)jwt,
                         (size_t)(dot2 - jwt)) != 1);
  EVP_MD_CTX_free(md);
  return claims;
}

#define JWT_PREFIX                                                             \
  "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"           \
  "&assertion="

static void push_jwt_tokens(void) {
  char body[1024];
  /* what Salesforce sends for JWT bearer: no signature, no issued_at */
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.jwt\",\"scope\":\"api\","
           "\"instance_url\":\"%s\",\"id\":\"%s\",\"token_type\":\"Bearer\"}",
           F.instance, F.id);
  push(200, JSON_CT, body);
}

static void jwt_assertion_is_rs256_signed(void) {
  EVP_PKEY *key = EVP_RSA_gen(2048);
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  json_t *claims;
  char path[64], grant[128];
  long long now;
  CHECK(key != NULL);
  CHECK_INT(write_key(key, path), 0);
  CHECK_INT(setup(), 0);
  app = F.app;
  app.client_secret = NULL; /* a JWT app needs none */
  push_jwt_tokens();
  now = (long long)time(NULL);
  CHECK_INT(sf_oauth_jwt_bearer(F.h, &app, &F.policy, path, "dev@example.com",
                                NULL, 0, &t, &err),
            SF_OK);
  CHECK_STR(t.access_token, "00Dx!AQ.jwt");
  CHECK(t.refresh_token == NULL);
  CHECK_INT(t.signature_verified, 0);
  q = last_request();
  CHECK_STR(q.method, "POST");
  CHECK_STR(q.target, "/services/oauth2/token");
  CHECK_INT(form_value(q.body, "grant_type", grant, sizeof grant), 0);
  CHECK_STR(grant, "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
  CHECK(strncmp(q.body, JWT_PREFIX, strlen(JWT_PREFIX)) == 0);
  CHECK(!contains(q.body, "client_secret")); /* only the assertion */
  CHECK(!contains(q.body, "client_id"));
  claims = check_assertion(&q, key);
  if (claims) {
    /* audience NULL: the token URL's origin */
    CHECK_STR(json_string_value(json_object_get(claims, "iss")), CLIENT);
    CHECK_STR(json_string_value(json_object_get(claims, "sub")),
              "dev@example.com");
    CHECK_STR(json_string_value(json_object_get(claims, "aud")), F.instance);
    CHECK(json_is_integer(json_object_get(claims, "exp")));
    {
      long long exp = json_integer_value(json_object_get(claims, "exp"));
      CHECK(exp >= now + 178 && exp <= now + 185); /* 180 s by default */
    }
    CHECK_INT(json_object_size(claims), 4);
    json_decref(claims);
  }
  /* an explicit audience and lifetime; a secret on the app does not make
   * the (absent) signature mandatory for this flow */
  app.client_secret = SECRET;
  push_jwt_tokens();
  now = (long long)time(NULL);
  CHECK_INT(sf_oauth_jwt_bearer(F.h, &app, &F.policy, path, "u@example.com",
                                "https://login.salesforce.com", 60, &t, &err),
            SF_OK);
  q = last_request();
  claims = check_assertion(&q, key);
  if (claims) {
    CHECK_STR(json_string_value(json_object_get(claims, "aud")),
              "https://login.salesforce.com");
    CHECK_STR(json_string_value(json_object_get(claims, "sub")),
              "u@example.com");
    {
      long long exp = json_integer_value(json_object_get(claims, "exp"));
      CHECK(exp >= now + 58 && exp <= now + 65);
    }
    json_decref(claims);
  }
  /* the private key never reaches the log; the assertion is redacted */
  CHECK(!contains(F.log.text, "PRIVATE KEY"));
  CHECK(contains(F.log.text, "assertion=[REDACTED]"));
  sf_tokens_clear(&t);
  teardown();
  unlink(path);
  EVP_PKEY_free(key);
}

static void jwt_refuses_bad_keys(void) {
  EVP_PKEY *ec = EVP_EC_gen("P-256");
  sf_tokens t = {0};
  sf_error err;
  char path[64], garbage[] = "/tmp/sf-test-garbage-XXXXXX";
  int fd;
  CHECK(ec != NULL);
  CHECK_INT(write_key(ec, path), 0);
  fd = mkstemp(garbage);
  CHECK(fd >= 0);
  CHECK(write(fd, "-----BEGIN PRIVATE KEY-----\nAAAA\n", 33) == 33);
  close(fd);
  CHECK_INT(setup(), 0);
  sf_error_clear(&err);
  CHECK_INT(sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, "/nonexistent/key.pem",
                                "u", NULL, 0, &t, &err),
            SF_E_INVALID_ARG);
  CHECK(contains(err.message, "/nonexistent/key.pem"));
  CHECK_INT(
      sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, path, "u", NULL, 0, &t, &err),
      SF_E_INVALID_ARG); /* EC: RS256 needs RSA */
  CHECK(contains(err.message, "RSA"));
  CHECK_INT(sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, garbage, "u", NULL, 0,
                                &t, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(
      sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, NULL, "u", NULL, 0, &t, &err),
      SF_E_INVALID_ARG);
  CHECK_INT(sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, path, NULL, NULL, 0, &t,
                                &err),
            SF_E_INVALID_ARG);
  CHECK_INT(
      sf_oauth_jwt_bearer(F.h, &F.app, &F.policy, path, "", NULL, 0, &t, &err),
      SF_E_INVALID_ARG);
  CHECK_INT(ts_request_count(F.s), 0);
  CHECK(t.access_token == NULL);
  teardown();
  unlink(path);
  unlink(garbage);
  EVP_PKEY_free(ec);
}

/* Runs sf_oauth_jwt_bearer with `key_file` in a child process whose
 * controlling terminal is a fresh pseudo-terminal, as when a user runs a
 * script from a shell. Copies what the child wrote to that terminal into
 * tty (NUL-terminated) and returns the call's result, or -1 when the child
 * had to be killed (it waited for input). Never waits more than 5 s. */
static int jwt_on_a_terminal(const char *key_file, char *tty, size_t size) {
  int master = posix_openpt(O_RDWR | O_NOCTTY), res[2], code = -1;
  size_t got = 0;
  pid_t pid;
  int waited;
  tty[0] = '\0';
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
      pipe(res) != 0)
    return -2;
  fflush(NULL);
  pid = fork();
  if (pid == 0) {
    sf_http *h = NULL;
    sf_http_config cfg;
    sf_oauth_app app = {0};
    sf_oauth_policy policy = {NULL, 1, 0};
    sf_tokens t = {0};
    sf_error err;
    int slave, rc;
    setsid();
    slave = open(ptsname(master), O_RDWR); /* the controlling terminal */
    close(res[0]);
    sf_http_config_init(&cfg);
    sf_http_new(&h, &cfg);
    app.client_id = CLIENT;
    app.token_url = "http://127.0.0.1:9/services/oauth2/token";
    rc =
        sf_oauth_jwt_bearer(h, &app, &policy, key_file, "u", NULL, 0, &t, &err);
    if (write(res[1], &rc, sizeof rc) < 0 || slave < 0)
      _exit(1);
    _exit(0);
  }
  close(res[1]);
  for (waited = 0; pid > 0 && waited < 5000; waited += 50) {
    struct pollfd p[2] = {{master, POLLIN, 0}, {res[0], POLLIN, 0}};
    if (poll(p, 2, 50) <= 0)
      continue;
    if (p[0].revents & POLLIN) {
      ssize_t n = read(master, tty + got, size - 1 - got);
      if (n > 0)
        got += (size_t)n;
      tty[got] = '\0';
      if (strstr(tty, "phrase"))
        break; /* it asks: no need to wait for the timeout */
    }
    if ((p[1].revents & (POLLIN | POLLHUP)) &&
        read(res[0], &code, sizeof code) == (ssize_t)sizeof code)
      break;
  }
  if (pid > 0) {
    if (code == -1)
      kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  close(master);
  close(res[0]);
  return code;
}

/* An encrypted private key must fail with a clear error: the core never
 * prompts for a pass phrase on the user's terminal (STYLE rule 4, and a
 * prompt blocks a headless script that happens to run under a terminal). */
static void jwt_never_prompts_for_a_pass_phrase(void) {
  EVP_PKEY *key = EVP_RSA_gen(2048);
  char path[64], tty[512];
  int fd, rc;
  FILE *f;
  snprintf(path, sizeof path, "/tmp/sf-test-enc-XXXXXX");
  fd = mkstemp(path);
  f = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(f != NULL);
  if (!f || !key) {
    EVP_PKEY_free(key);
    return;
  }
  CHECK(PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(),
                             (unsigned char *)"pass-phrase", 11, NULL,
                             NULL) == 1);
  fclose(f);
  rc = jwt_on_a_terminal(path, tty, sizeof tty);
  if (rc == -2) {
    printf("# no pseudo-terminal here: skipped\n");
  } else {
    if (tty[0])
      fprintf(stderr, "  the terminal showed: %s\n", tty);
    CHECK(strstr(tty, "phrase") == NULL);
    CHECK_INT(rc, SF_E_INVALID_ARG);
  }
  unlink(path);
  EVP_PKEY_free(key);
}

/* ---- secrets stay out of the log and of error messages
 * ------------------------ */

static void secrets_never_logged(void) {
  sf_tokens t = {0};
  sf_device d = {0};
  sf_error err;
  char *body = NULL;
  size_t len;
  static const char *const secrets[] = {
      SECRET,          SECRET_ENC,        "aPrx4+sgoM/2Nd==",
      "aPrx4%2BsgoM",  RFC_VERIFIER,      "00Dx!AQ.leak-access",
      "5Aep861.leak",  "hunter2TOKEN",    "DEV-code-leak",
      "00Dx!AQ.leak2", "5Aep861.revoked", NULL};
  int i;
  CHECK_INT(setup(), 0);
  push_tokens("00Dx!AQ.leak-access", "5Aep861.leak", SECRET);
  sf_oauth_exchange_code(F.h, &F.app, &F.policy,
                         "aPrx4+sgoM/2Nd==", RFC_VERIFIER, &t, &err);
  push_tokens("00Dx!AQ.leak2", NULL, SECRET);
  sf_oauth_refresh(F.h, &F.app, &F.policy, "5Aep861.leak", &t, &err);
  push(400, JSON_CT,
       "{\"error\":\"invalid_grant\",\"error_description\":\"authentication "
       "failure\"}");
  CHECK_INT(
      sf_oauth_password(F.h, &F.app, &F.policy, "u", "hunter2TOKEN", &t, &err),
      SF_E_OAUTH);
  CHECK(!contains(err.message, "hunter2"));
  push(200, JSON_CT,
       "{\"device_code\":\"DEV-code-leak\",\"user_code\":\"U\","
       "\"verification_uri\":\"https://v\"}");
  sf_oauth_device_start(F.h, &F.app, &d, &err);
  push(400, JSON_CT, "{\"error\":\"authorization_pending\"}");
  sf_oauth_device_poll(F.h, &F.app, &F.policy, "DEV-code-leak", &t, &err);
  CHECK(!contains(err.message, "DEV-code-leak"));
  push(200, NULL, "");
  sf_oauth_revoke(F.h, &F.app, "5Aep861.revoked", &err);
  push(200, JSON_CT, "{}");
  sf_oauth_get(F.h, F.id, "00Dx!AQ.leak2", &body, &len, &err);
  free(body);
  CHECK_INT(ts_request_count(F.s), 7);
  /* the log is not empty: it shows the requests, redacted */
  CHECK(contains(F.log.text, "debug > POST"));
  CHECK(contains(F.log.text, "client_secret=[REDACTED]"));
  for (i = 0; secrets[i]; i++)
    if (contains(F.log.text, secrets[i])) {
      fprintf(stderr, "  the log shows '%s'\n", secrets[i]);
      CHECK(0);
    }
  sf_tokens_clear(&t);
  sf_device_clear(&d);
  teardown();
}

/* ---- sessions
 * ---------------------------------------------------------------- */

#define EXPIRED_BODY                                                           \
  "[{\"message\":\"Session expired or invalid\",\"errorCode\":"                \
  "\"INVALID_SESSION_ID\"}]"

/* Saves a token set for (p, u) of F's instance. */
static void save_initial(sf_session *s, const char *access,
                         const char *refresh) {
  sf_tokens t = {0};
  sf_error err;
  t.access_token = (char *)access;
  t.refresh_token = (char *)refresh;
  t.instance_url = F.instance;
  t.id = F.id;
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
}

static void session_contract(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_tokens t = {0};
  sf_http_request *req = (sf_http_request *)&t;
  sf_error err;
  const sf_tokens *cur;
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(NULL, F.h, st, &F.app, &F.policy, "p", "u"),
            SF_E_INVALID_ARG);
  s = (sf_session *)&t;
  CHECK_INT(sf_session_new(&s, NULL, st, &F.app, &F.policy, "p", "u"),
            SF_E_INVALID_ARG);
  CHECK(s == NULL);
  CHECK_INT(sf_session_new(&s, F.h, NULL, &F.app, NULL, "p", "u"),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_session_new(&s, F.h, st, NULL, NULL, "p", "u"),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, NULL, NULL, "u"),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, NULL, "p", NULL),
            SF_E_INVALID_ARG);
  sf_session_free(NULL);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u@x.com"),
            SF_OK);
  CHECK(sf_session_tokens(s) == NULL);
  CHECK(sf_session_tokens(NULL) == NULL);
  sf_error_clear(&err);
  CHECK_INT(sf_session_load(s, &err), SF_E_NOT_FOUND);
  CHECK(contains(err.message, "dev"));
  CHECK(sf_session_tokens(s) == NULL);
  /* a request before any authorisation: not found, nothing sent */
  CHECK_INT(sf_session_request(s, "GET", "/x", NULL, NULL, 0, &req, &err),
            SF_E_NOT_FOUND);
  CHECK(req == NULL);
  CHECK_INT(sf_session_request(s, "GET", "/x", NULL, NULL, 0, NULL, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_session_request(NULL, "GET", "/x", NULL, NULL, 0, &req, &err),
            SF_E_INVALID_ARG);
  CHECK_INT(sf_session_load(NULL, &err), SF_E_INVALID_ARG);
  /* save needs access_token and instance_url */
  t.access_token = "A";
  CHECK_INT(sf_session_save(s, &t, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_session_save(s, NULL, &err), SF_E_INVALID_ARG);
  t.instance_url = F.instance;
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  cur = sf_session_tokens(s);
  CHECK(cur != NULL && cur != &t);
  if (cur) {
    CHECK_STR(cur->access_token, "A");
    CHECK(cur->access_token != t.access_token);
    CHECK(cur->obtained_at > 0); /* set when 0 */
  }
  /* durable: a second session over the same store loads it */
  {
    sf_session *s2 = NULL;
    CHECK_INT(sf_session_new(&s2, F.h, st, &F.app, &F.policy, "dev", "u@x.com"),
              SF_OK);
    CHECK_INT(sf_session_load(s2, &err), SF_OK);
    CHECK_STR(sf_session_tokens(s2)->access_token, "A");
    sf_session_free(s2);
  }
  CHECK_INT(sf_session_refresh(NULL, "A", 100, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(ts_request_count(F.s), 0);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

static void session_refreshes_once_and_replays(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_http_request *req = NULL;
  sf_error err;
  ts_request q;
  char v[256], *json = NULL;
  sf_tokens stored = {0};
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.old", "5Aep861.keep");
  push(401, JSON_CT, EXPIRED_BODY);
  push_tokens("00Dx!AQ.fresh", NULL, SECRET);
  push(200, JSON_CT, "{\"DailyApiRequests\":{}}");
  sf_error_clear(&err);
  CHECK_INT(sf_session_request(s, "POST", "/services/data/v62.0/x",
                               "application/json", "{\"a\":1}", 7, &req, &err),
            SF_OK);
  CHECK(req != NULL);
  if (req) {
    CHECK_INT(sf_http_response_status(req), 200);
    CHECK_STR(sf_http_response_body(req, NULL), "{\"DailyApiRequests\":{}}");
  }
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 3);
  ts_request_at(F.s, 0, &q);
  CHECK_STR(q.method, "POST");
  CHECK_STR(q.target, "/services/data/v62.0/x");
  CHECK_INT(ts_header(&q, "Authorization", v, sizeof v), 0);
  CHECK_STR(v, "Bearer 00Dx!AQ.old");
  ts_request_at(F.s, 1, &q);
  check_form_post(&q, "/services/oauth2/token",
                  "grant_type=refresh_token&refresh_token=5Aep861.keep"
                  "&client_id=3MVG9.cid_x&client_secret=" SECRET_ENC);
  /* the replay: same method, path and body, the new token */
  ts_request_at(F.s, 2, &q);
  CHECK_STR(q.method, "POST");
  CHECK_STR(q.target, "/services/data/v62.0/x");
  CHECK_STR(q.body, "{\"a\":1}");
  CHECK_INT(ts_header(&q, "Authorization", v, sizeof v), 0);
  CHECK_STR(v, "Bearer 00Dx!AQ.fresh");
  CHECK_INT(ts_header(&q, "Content-Type", v, sizeof v), 0);
  CHECK_STR(v, "application/json");
  /* the store holds the new set, with the kept refresh token */
  CHECK_INT(sf_store_get(st, "dev", "u", &json, NULL, &err), SF_OK);
  CHECK_INT(sf_tokens_from_json(json, strlen(json), &stored, &err), SF_OK);
  CHECK_STR(stored.access_token, "00Dx!AQ.fresh");
  CHECK_STR(stored.refresh_token, "5Aep861.keep");
  CHECK_STR(sf_session_tokens(s)->access_token, "00Dx!AQ.fresh");
  free(json);
  sf_tokens_clear(&stored);
  /* a second 401 after the replay is returned, not refreshed again */
  push(401, JSON_CT, EXPIRED_BODY);
  push_tokens("00Dx!AQ.fresher", NULL, SECRET);
  push(401, JSON_CT, EXPIRED_BODY);
  CHECK_INT(sf_session_request(s, "GET", "/services/data/v62.0/y", NULL, NULL,
                               0, &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 401);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 6);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

/* An oauth2 app's session: tokens without an instance are stored (not for
 * a Salesforce app); a request renews a token about to expire before it
 * goes out, refreshes on an RFC 6750 invalid_token challenge, and keeps
 * the instance a generic provider does not name. */
static void session_generic_provider(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_http_request *req = NULL;
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  char v[256];
  CHECK_INT(setup(), 0);
  app = F.app;
  app.kind = SF_OAUTH_GENERIC;
  app.client_auth = SF_CLIENT_SECRET_BASIC;
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  /* a Salesforce app's session wants an instance; an oauth2 one does not */
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "sf", "u"), SF_OK);
  t.access_token = "gen-A";
  CHECK_INT(sf_session_save(s, &t, &err), SF_E_INVALID_ARG);
  CHECK(contains(err.message, "instance_url"));
  sf_session_free(s);
  CHECK_INT(sf_session_new(&s, F.h, st, &app, &F.policy, "gen", "u"), SF_OK);
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  CHECK_INT(sf_session_request(s, "GET", "/x", NULL, NULL, 0, &req, &err),
            SF_E_INVALID_ARG);
  CHECK(contains(err.message, "name no instance"));
  CHECK_INT(ts_request_count(F.s), 0);
  /* 30 s of 3600 left: renewed (HTTP Basic) before the request */
  t.refresh_token = "gen-R";
  t.instance_url = F.instance;
  t.expires_in = 3600;
  t.obtained_at = (long long)time(NULL) - 3600 + 30;
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  push(200, JSON_CT,
       "{\"access_token\":\"gen-B\",\"token_type\":\"Bearer\","
       "\"expires_in\":3600}");
  push(200, JSON_CT, "{}");
  CHECK_INT(sf_session_request(s, "GET", "/api/x", NULL, NULL, 0, &req, &err),
            SF_OK);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 2);
  ts_request_at(F.s, 0, &q);
  check_form_post_auth(&q, "/services/oauth2/token",
                       "grant_type=refresh_token&refresh_token=gen-R",
                       "Basic " BASIC_CREDENTIALS);
  ts_request_at(F.s, 1, &q);
  CHECK_STR(q.target, "/api/x");
  CHECK_INT(ts_header(&q, "Authorization", v, sizeof v), 0);
  CHECK_STR(v, "Bearer gen-B");
  /* the instance is kept although the provider named none */
  CHECK_STR(sf_session_tokens(s)->instance_url, F.instance);
  CHECK_INT(sf_session_tokens(s)->expires_in, 3600);
  /* an RFC 6750 challenge: refreshed once and replayed */
  push(401,
       "WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\"\r\n",
       "{\"error\":\"invalid_token\"}");
  push(200, JSON_CT, "{\"access_token\":\"gen-C\"}");
  push(200, JSON_CT, "{}");
  CHECK_INT(sf_session_request(s, "GET", "/api/y", NULL, NULL, 0, &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 200);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 5);
  q = last_request();
  CHECK_INT(ts_header(&q, "Authorization", v, sizeof v), 0);
  CHECK_STR(v, "Bearer gen-C");
  /* another Bearer error is not cured by a refresh */
  push(401, "WWW-Authenticate: Bearer error=\"insufficient_scope\"\r\n", "");
  CHECK_INT(sf_session_request(s, "GET", "/api/z", NULL, NULL, 0, &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 401);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 6);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

static void session_scope_refusal_is_not_refreshed(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_http_request *req = NULL;
  sf_error err;
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.webonly", "5Aep861.rt");
  push(401, JSON_CT,
       "[{\"message\":\"This session is not valid for use with the REST API\","
       "\"errorCode\":\"INVALID_SESSION_ID\"}]");
  CHECK_INT(sf_session_request(s, "GET", "/services/data/v62.0/", NULL, NULL, 0,
                               &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 401);
  sf_http_request_free(req);
  /* other 401s are not refreshed either */
  push(401, JSON_CT,
       "[{\"message\":\"x\",\"errorCode\":\"INVALID_AUTH_HEADER\"}]");
  CHECK_INT(sf_session_request(s, "GET", "/services/data/v62.0/", NULL, NULL, 0,
                               &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 401);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(F.s), 2);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

static void session_adopts_a_newer_stored_set(void) {
  sf_store *st = NULL;
  sf_session *a = NULL, *b = NULL;
  sf_error err;
  int refreshed = -1;
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&a, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  CHECK_INT(sf_session_new(&b, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(a, "00Dx!AQ.one", "5Aep861.rt");
  CHECK_INT(sf_session_load(b, &err), SF_OK);
  /* a refreshes for real */
  push_tokens("00Dx!AQ.two", NULL, SECRET);
  CHECK_INT(sf_session_refresh(a, "00Dx!AQ.one", 1000, &refreshed, &err),
            SF_OK);
  CHECK_INT(refreshed, 1);
  CHECK_INT(ts_request_count(F.s), 1);
  /* b met a 401 with the old token: it adopts a's set, sends nothing */
  CHECK_INT(sf_session_refresh(b, "00Dx!AQ.one", 1000, &refreshed, &err),
            SF_OK);
  CHECK_INT(refreshed, 0);
  CHECK_INT(ts_request_count(F.s), 1);
  CHECK_STR(sf_session_tokens(b)->access_token, "00Dx!AQ.two");
  /* no stale token: just re-read */
  CHECK_INT(sf_session_refresh(b, NULL, 1000, NULL, &err), SF_OK);
  CHECK_INT(ts_request_count(F.s), 1);
  sf_session_free(a);
  sf_session_free(b);
  sf_store_free(st);
  teardown();
}

static void session_refresh_failure_keeps_the_store(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_error err;
  int refreshed = -1;
  char *json = NULL;
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.one", "5Aep861.revoked");
  push(400, JSON_CT,
       "{\"error\":\"invalid_grant\",\"error_description\":\"expired "
       "access/refresh token\"}");
  sf_error_clear(&err);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.one", 1000, &refreshed, &err),
            SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_grant");
  CHECK_INT(refreshed, 0);
  CHECK(contains(err.message, "profile 'dev'"));
  CHECK(contains(err.message, "expired access/refresh token"));
  CHECK_INT(sf_store_get(st, "dev", "u", &json, NULL, &err), SF_OK);
  CHECK(contains(json, "00Dx!AQ.one"));
  CHECK(contains(json, "\"renewal_failure\""));
  free(json);
  /* recorded: the refused token is never sent again, the cause stays */
  sf_error_clear(&err);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.one", 1000, &refreshed, &err),
            SF_E_OAUTH);
  CHECK_STR(err.remote_code, "invalid_grant");
  CHECK_INT(err.http_status, 400);
  CHECK(contains(err.message, "expired access/refresh token"));
  CHECK_INT(ts_request_count(F.s), 1);
  /* the lock was released */
  CHECK_INT(sf_store_lock(st, "dev", "u", 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(st, "dev", "u"), SF_OK);
  /* no refresh token at all: a clear error, nothing sent */
  save_initial(s, "00Dx!AQ.norefresh", NULL);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.norefresh", 1000, NULL, &err),
            SF_E_OAUTH);
  CHECK(contains(err.message, "refresh token"));
  CHECK_INT(ts_request_count(F.s), 1);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

/* A refresh whose new tokens fail the signature check: the new access
 * token is revoked, the rotated refresh token replaces the spent one, the
 * refusal is recorded and nothing is sent again. */
static void session_refused_refresh_keeps_the_rotated_token(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_error err;
  ts_request q;
  char *json = NULL, other[256], sig[64], body[1024];
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.old", "5Aep861.spent");
  push_tokens("00Dx!AQ.forged", "5Aep861.next", "another-secret");
  push(200, NULL, "");
  sf_error_clear(&err);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.old", 1000, NULL, &err),
            SF_E_SIGNATURE);
  CHECK(contains(err.message, "profile 'dev'"));
  CHECK(contains(err.message, "signature"));
  CHECK_INT(ts_request_count(F.s), 2);
  ts_request_at(F.s, 1, &q);
  CHECK(contains(q.target, "/services/oauth2/revoke"));
  CHECK(contains(q.body, "00Dx"));
  CHECK(contains(q.body, "AQ.forged"));
  CHECK_INT(sf_store_get(st, "dev", "u", &json, NULL, &err), SF_OK);
  CHECK(contains(json, "5Aep861.next"));
  CHECK(!contains(json, "5Aep861.spent"));
  CHECK(!contains(json, "AQ.forged"));
  CHECK(contains(json, "\"renewal_failure\""));
  free(json);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.old", 1000, NULL, &err),
            SF_E_SIGNATURE);
  CHECK_INT(ts_request_count(F.s), 2);
  /* a genuine answer, but for another org: refused the same way */
  save_initial(s, "00Dx!AQ.mine", "5Aep861.mine");
  snprintf(other, sizeof other, "%s/id/00Dx0000000OTHERAA/" USER18, F.instance);
  sign(SECRET, other, ISSUED, sig);
  snprintf(body, sizeof body,
           "{\"access_token\":\"00Dx!AQ.elsewhere\",\"signature\":\"%s\","
           "\"instance_url\":\"%s\",\"id\":\"%s\",\"token_type\":"
           "\"Bearer\",\"issued_at\":\"" ISSUED "\"}",
           sig, F.instance, other);
  push(200, JSON_CT, body);
  push(200, NULL, "");
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.mine", 1000, NULL, &err),
            SF_E_PROTOCOL);
  CHECK(contains(err.message, "00Dx0000000OTHERAA"));
  CHECK(contains(err.message, ORG18));
  CHECK_INT(ts_request_count(F.s), 4);
  ts_request_at(F.s, 3, &q);
  CHECK(contains(q.target, "/services/oauth2/revoke"));
  CHECK(contains(q.body, "AQ.elsewhere"));
  CHECK_INT(sf_store_get(st, "dev", "u", &json, NULL, &err), SF_OK);
  CHECK(contains(json, "5Aep861.mine")); /* not rotated: the same one */
  CHECK(!contains(json, "AQ.elsewhere"));
  free(json);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

/* A refusal whose description fills the error record, cut wherever the
 * UTF-8 sequences fall, is recorded all the same: nothing is re-sent. */
static void session_long_refusal_is_recorded(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_error err;
  char body[4096], desc[2048];
  int pad, i;
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  for (pad = 0; pad < 3; pad++) {
    save_initial(s, "00Dx!AQ.long", "5Aep861.long");
    memset(desc, 'x', (size_t)pad);
    for (i = 0; i < 600; i++) /* U+20AC, three bytes */
      memcpy(desc + pad + 3 * i, "\xe2\x82\xac", 3);
    desc[pad + 1800] = '\0';
    snprintf(body, sizeof body,
             "{\"error\":\"invalid_grant\",\"error_description\":\"%s\"}",
             desc);
    push(400, JSON_CT, body);
    sf_error_clear(&err);
    CHECK_INT(sf_session_refresh(s, "00Dx!AQ.long", 1000, NULL, &err),
              SF_E_OAUTH);
    CHECK_INT(sf_session_refresh(s, "00Dx!AQ.long", 1000, NULL, &err),
              SF_E_OAUTH);
    CHECK_STR(err.remote_code, "invalid_grant");
    CHECK(contains(err.message, "profile 'dev'"));
    CHECK_INT(ts_request_count(F.s), pad + 1);
  }
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

/* The regrant of sf_session_renew: counts its calls, gives `access`. */
typedef struct regrant_state {
  int calls;
  const char *access;
  sf_code fail;
  int no_instance; /* 1: the answer names no instance (a generic server) */
} regrant_state;

static sf_code test_regrant(void *ud, sf_tokens *out, sf_error *err) {
  regrant_state *r = ud;
  r->calls++;
  if (r->fail != SF_OK) {
    err->code = r->fail;
    return r->fail;
  }
  sf_tokens_clear(out);
  out->access_token = strdup(r->access);
  out->instance_url = r->no_instance ? NULL : strdup(F.instance);
  return out->access_token && (r->no_instance || out->instance_url)
             ? SF_OK
             : SF_E_NOMEM;
}

/* A set without a refresh token is renewed by the regrant, under the
 * lock, once: a stale token that was replaced adopts the stored set. */
static void session_renew_runs_the_regrant_once(void) {
  sf_store *st = NULL;
  sf_session *s = NULL, *s2 = NULL;
  sf_error err;
  int renewed = -1;
  regrant_state r = {0, "00Dx!AQ.again", SF_OK, 0};
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  CHECK_INT(sf_session_new(&s2, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.cc", NULL);
  sf_error_clear(&err);
  CHECK_INT(
      sf_session_renew(s, "00Dx!AQ.cc", 1000, test_regrant, &r, &renewed, &err),
      SF_OK);
  CHECK_INT(r.calls, 1);
  CHECK_INT(renewed, 1);
  CHECK_STR(sf_session_tokens(s)->access_token, "00Dx!AQ.again");
  /* another session with the same stale token: the stored set, no call */
  CHECK_INT(sf_session_renew(s2, "00Dx!AQ.cc", 1000, test_regrant, &r, &renewed,
                             &err),
            SF_OK);
  CHECK_INT(r.calls, 1);
  CHECK_INT(renewed, 0);
  CHECK_STR(sf_session_tokens(s2)->access_token, "00Dx!AQ.again");
  /* a failing regrant: its error, nothing stored, the lock released */
  r.fail = SF_E_OAUTH;
  CHECK_INT(sf_session_renew(s, "00Dx!AQ.again", 1000, test_regrant, &r,
                             &renewed, &err),
            SF_E_OAUTH);
  CHECK_INT(r.calls, 2);
  CHECK_INT(renewed, 0);
  CHECK_INT(sf_session_load(s2, &err), SF_OK);
  CHECK_STR(sf_session_tokens(s2)->access_token, "00Dx!AQ.again");
  CHECK_INT(sf_store_lock(st, "dev", "u", 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(st, "dev", "u"), SF_OK);
  CHECK_INT(ts_request_count(F.s), 0);
  sf_session_free(s);
  sf_session_free(s2);
  sf_store_free(st);
  teardown();
}

/* An oauth2 app's session (HTTP Basic): the tokens of a refresh that are
 * refused have their access token revoked with the client's
 * authentication (the rotated refresh token kept), or, without a
 * revocation URL, nothing is sent and the error says so; a regrant that
 * names no instance keeps the stored one, which the Salesforce kind
 * refuses. */
static void session_generic_refusals_and_regrant(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_oauth_app app;
  sf_tokens t = {0};
  sf_error err;
  ts_request q;
  char *json = NULL;
  const char *refused = "{\"access_token\":\"gen-B\",\"refresh_token\":"
                        "\"gen-R2\",\"instance_url\":"
                        "\"https://evil.example.com\"}";
  regrant_state r = {0, "gen-again", SF_OK, 1};
  int renewed = 0;
  CHECK_INT(setup(), 0);
  app = F.app;
  app.kind = SF_OAUTH_GENERIC;
  app.client_auth = SF_CLIENT_SECRET_BASIC;
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &app, &F.policy, "gen", "u"), SF_OK);
  t.access_token = "gen-A";
  t.refresh_token = "gen-R";
  t.instance_url = F.instance;
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  push(200, JSON_CT, refused);
  push(200, NULL, "");
  sf_error_clear(&err);
  CHECK_INT(sf_session_refresh(s, "gen-A", 1000, NULL, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message, "its access token was revoked"));
  CHECK_INT(ts_request_count(F.s), 2);
  ts_request_at(F.s, 1, &q);
  check_form_post_auth(&q, "/services/oauth2/revoke", "token=gen-B",
                       "Basic " BASIC_CREDENTIALS);
  CHECK_INT(sf_store_get(st, "gen", "u", &json, NULL, &err), SF_OK);
  CHECK(contains(json, "gen-R2"));
  free(json);
  sf_session_free(s);
  /* no revocation URL */
  app.revoke_url = NULL;
  CHECK_INT(sf_session_new(&s, F.h, st, &app, &F.policy, "norv", "u"), SF_OK);
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  push(200, JSON_CT, refused);
  CHECK_INT(sf_session_refresh(s, "gen-A", 1000, NULL, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(contains(err.message,
                 "its access token was not revoked (no revocation URL)"));
  CHECK_INT(ts_request_count(F.s), 3);
  sf_session_free(s);
  /* a regrant (client credentials) without an instance */
  CHECK_INT(sf_session_new(&s, F.h, st, &app, &F.policy, "cc", "u"), SF_OK);
  t.refresh_token = NULL;
  CHECK_INT(sf_session_save(s, &t, &err), SF_OK);
  CHECK_INT(
      sf_session_renew(s, "gen-A", 1000, test_regrant, &r, &renewed, &err),
      SF_OK);
  CHECK_INT(renewed, 1);
  CHECK_STR(sf_session_tokens(s)->access_token, "gen-again");
  CHECK_STR(sf_session_tokens(s)->instance_url, F.instance);
  sf_session_free(s);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "sf", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.cc", NULL);
  CHECK_INT(
      sf_session_renew(s, "00Dx!AQ.cc", 1000, test_regrant, &r, &renewed, &err),
      SF_E_PROTOCOL);
  CHECK(contains(err.message, "gave no instance_url"));
  CHECK_STR(sf_session_tokens(s)->access_token, "00Dx!AQ.cc");
  CHECK_INT(r.calls, 2);
  CHECK_INT(ts_request_count(F.s), 3);
  sf_session_free(s);
  sf_store_free(st);
  teardown();
}

/* Another holder of the store lock (here a second handle on the same
 * directory, as another process would have) makes the refresh wait, then
 * give up with SF_E_LOCKED, sending nothing. */
static void session_refresh_waits_for_the_lock(void) {
  char dir[] = "/tmp/sf-test-store-XXXXXX", cmd[64];
  sf_store *st = NULL, *other = NULL;
  sf_session *s = NULL;
  sf_error err;
  struct timespec t0, t1;
  long ms;
  CHECK(mkdtemp(dir) != NULL);
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_dir(&st, dir, NULL, &err), SF_OK);
  CHECK_INT(sf_store_open_dir(&other, dir, NULL, &err), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.one", "5Aep861.rt");
  CHECK_INT(sf_store_lock(other, "dev", "u", 0, &err), SF_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  sf_error_clear(&err);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.one", 200, NULL, &err), SF_E_LOCKED);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  CHECK(ms >= 150 && ms < 5000);
  CHECK_INT(ts_request_count(F.s), 0);
  /* released: the refresh goes through */
  CHECK_INT(sf_store_unlock(other, "dev", "u"), SF_OK);
  push_tokens("00Dx!AQ.two", NULL, SECRET);
  CHECK_INT(sf_session_refresh(s, "00Dx!AQ.one", 200, NULL, &err), SF_OK);
  CHECK_INT(ts_request_count(F.s), 1);
  sf_session_free(s);
  sf_store_free(st);
  sf_store_free(other);
  teardown();
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_INT(system(cmd), 0);
}

/* An absolute URL is used only when it is on the session's instance. A
 * prefix match is not enough: "http://127.0.0.1:P@127.0.0.1:Q/x" starts
 * with the instance URL but goes to port Q (the same trick as
 * https://acme.my.salesforce.com.evil.io for a real instance). */
static void session_absolute_urls_stay_on_the_instance(void) {
  sf_store *st = NULL;
  sf_session *s = NULL;
  sf_http_request *req = NULL;
  sf_error err;
  ts_server *other = ts_start(NULL, NULL);
  char url[256];
  CHECK_INT(setup(), 0);
  CHECK_INT(sf_store_open_memory(&st), SF_OK);
  CHECK_INT(sf_session_new(&s, F.h, st, &F.app, &F.policy, "dev", "u"), SF_OK);
  save_initial(s, "00Dx!AQ.abs", "5Aep861.rt");
  push(200, JSON_CT, "{}");
  snprintf(url, sizeof url, "%s/services/data/v62.0/query/01g-2000",
           F.instance);
  CHECK_INT(sf_session_request(s, "GET", url, NULL, NULL, 0, &req, &err),
            SF_OK);
  CHECK_INT(req ? sf_http_response_status(req) : 0, 200);
  sf_http_request_free(req);
  req = NULL;
  CHECK_INT(ts_request_count(F.s), 1);
  /* another host entirely */
  CHECK_INT(sf_session_request(s, "GET", "https://evil.example.com/x", NULL,
                               NULL, 0, &req, &err),
            SF_E_UNTRUSTED_HOST);
  CHECK(req == NULL);
  /* the prefix trick */
  snprintf(url, sizeof url, "%s@127.0.0.1:%d/steal", F.instance,
           ts_port(other));
  CHECK_INT(sf_session_request(s, "GET", url, NULL, NULL, 0, &req, &err),
            SF_E_UNTRUSTED_HOST);
  sf_http_request_free(req);
  CHECK_INT(ts_request_count(other), 0); /* the token never left */
  if (ts_request_count(other) > 0) {
    ts_request q;
    char v[256] = "";
    ts_request_at(other, 0, &q);
    ts_header(&q, "Authorization", v, sizeof v);
    fprintf(stderr, "  port %d received %s %s with Authorization: %s\n",
            ts_port(other), q.method, q.target, v);
  }
  sf_session_free(s);
  sf_store_free(st);
  teardown();
  ts_stop(other);
}

int main(void) {
  if (sf_global_init() != SF_OK)
    return 1;
  TEST(pkce_rfc7636_vector);
  TEST(pkce_rejects_bad_verifiers);
  TEST(pkce_pairs_are_random);
  TEST(random_state_shape_and_uniqueness);
  TEST(signature_reference_vector);
  TEST(signature_tampering_is_refused);
  TEST(check_url_salesforce_defaults);
  TEST(check_url_refuses_lookalikes_and_http);
  TEST(check_url_loopback_only_when_allowed);
  TEST(check_url_custom_domains);
  TEST(check_url_loopback_listed);
  TEST(check_url_garbage);
  TEST(tokens_json_round_trip);
  TEST(tokens_from_json_errors);
  TEST(tokens_copy_and_clear);
  TEST(tokens_ids);
  TEST(authorize_url_encoding);
  TEST(authorize_url_contract);
  TEST(exchange_code_sends_exact_form);
  TEST(exchange_code_public_client);
  TEST(grants_argument_contract);
  TEST(refresh_keeps_token_without_rotation);
  TEST(refresh_takes_the_rotated_token);
  TEST(client_credentials_sends_exact_form);
  TEST(password_sends_exact_form_and_warns);
  TEST(device_flow_sends_exact_forms);
  TEST(revoke_sends_client_authentication);
  TEST(grant_with_client_secret_basic);
  TEST(generic_kind_token_response);
  TEST(salesforce_kind_refusals_revoke);
  TEST(tokens_expiring_and_bearer_challenges);
  TEST(revoke_unreadable_answer_is_not_success);
  TEST(get_sends_the_bearer_token);
  TEST(oauth_refusal_maps_to_remote_code);
  TEST(error_record_holds_only_the_last_failure);
  TEST(malformed_200_is_a_protocol_error);
  TEST(signature_is_required_with_a_secret);
  TEST(untrusted_hosts_are_refused);
  TEST(transport_failures_pass_through);
  TEST(jwt_assertion_is_rs256_signed);
  TEST(jwt_refuses_bad_keys);
  TEST(jwt_never_prompts_for_a_pass_phrase);
  TEST(secrets_never_logged);
  TEST(session_contract);
  TEST(session_refreshes_once_and_replays);
  TEST(session_generic_provider);
  TEST(session_scope_refusal_is_not_refreshed);
  TEST(session_adopts_a_newer_stored_set);
  TEST(session_refresh_failure_keeps_the_store);
  TEST(session_renew_runs_the_regrant_once);
  TEST(session_generic_refusals_and_regrant);
  TEST(session_long_refusal_is_recorded);
  TEST(session_refused_refresh_keeps_the_rotated_token);
  TEST(session_refresh_waits_for_the_lock);
  TEST(session_absolute_urls_stay_on_the_instance);
  sf_global_cleanup();
  return TEST_DONE();
}
