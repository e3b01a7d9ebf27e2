/*
 * oauth.c - the OAuth 2.0 grants against a Salesforce token endpoint:
 * form bodies (encoded by libcurl), token responses parsed with jansson and
 * checked (signature, allowed hosts), OAuth errors mapped to sf_error, and
 * token sets (de)serialised for the store.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "oauth_internal.h"
#include "sf/oauth.h"

/* ---- token sets ------------------------------------------------------- */

void sf_tokens_clear(sf_tokens *t) {
  if (!t)
    return;
  sf__free_secret(t->access_token);
  sf__free_secret(t->refresh_token);
  sf__free_secret(t->id_token);
  free(t->instance_url);
  free(t->id);
  free(t->issued_at);
  free(t->scope);
  free(t->token_type);
  memset(t, 0, sizeof *t);
}

sf_code sf_tokens_copy(sf_tokens *dst, const sf_tokens *src) {
  sf_tokens t;
  if (!dst || !src)
    return SF_E_INVALID_ARG;
  memset(&t, 0, sizeof t);
#define COPY(f)                                                                \
  if (src->f && !(t.f = sf__strdup(src->f)))                                   \
    goto nomem;
  COPY(access_token)
  COPY(refresh_token)
  COPY(instance_url)
  COPY(id)
  COPY(issued_at)
  COPY(scope)
  COPY(token_type)
  COPY(id_token)
#undef COPY
  t.obtained_at = src->obtained_at;
  t.expires_in = src->expires_in;
  t.signature_verified = src->signature_verified;
  sf_tokens_clear(dst);
  *dst = t;
  return SF_OK;
nomem:
  sf_tokens_clear(&t);
  return SF_E_NOMEM;
}

static const char *const token_fields[] = {
    "access_token", "refresh_token", "instance_url", "id",
    "issued_at",    "scope",         "token_type",   "id_token"};

static char **token_field(sf_tokens *t, int i) {
  char **f[] = {&t->access_token, &t->refresh_token, &t->instance_url,
                &t->id,           &t->issued_at,     &t->scope,
                &t->token_type,   &t->id_token};
  return f[i];
}

sf_code sf_tokens_to_json(const sf_tokens *t, char **json) {
  json_t *o;
  int i;
  if (!t || !json)
    return SF_E_INVALID_ARG;
  *json = NULL;
  o = json_object();
  if (!o)
    return SF_E_NOMEM;
  for (i = 0; i < 8; i++) {
    const char *v = *token_field((sf_tokens *)t, i);
    if (v && json_object_set_new(o, token_fields[i], json_string(v)))
      goto nomem;
  }
  if (t->expires_in > 0 &&
      json_object_set_new(o, "expires_in", json_integer(t->expires_in)))
    goto nomem;
  if (json_object_set_new(o, "obtained_at", json_integer(t->obtained_at)) ||
      json_object_set_new(o, "signature_verified",
                          json_boolean(t->signature_verified)))
    goto nomem;
  *json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  return *json ? SF_OK : SF_E_NOMEM;
nomem:
  json_decref(o);
  return SF_E_NOMEM;
}

/* expires_in as a positive number of seconds: RFC 6749 says a number,
 * some servers send a string of digits; anything else is 0 (not sent). */
static long long expires_in_of(json_t *o) {
  json_t *v = json_object_get(o, "expires_in");
  long long n = 0;
  const char *p;
  if (json_is_integer(v))
    n = (long long)json_integer_value(v);
  else if (json_is_string(v)) {
    for (p = json_string_value(v); *p >= '0' && *p <= '9' && n < 1000000000;
         p++)
      n = n * 10 + (*p - '0');
    if (*p)
      n = 0;
  }
  return n > 0 ? n : 0;
}

/* Fills t from the string members of o (and expires_in); unknown members
 * are ignored. */
static sf_code tokens_from_object(json_t *o, sf_tokens *t) {
  int i;
  t->expires_in = expires_in_of(o);
  for (i = 0; i < 8; i++) {
    json_t *v = json_object_get(o, token_fields[i]);
    if (json_is_string(v)) {
      char **f = token_field(t, i);
      *f = sf__strdup(json_string_value(v));
      if (!*f)
        return SF_E_NOMEM;
    }
  }
  return SF_OK;
}

sf_code sf_tokens_from_json(const char *json, size_t len, sf_tokens *t,
                            sf_error *err) {
  json_error_t jerr;
  json_t *o;
  sf_code rc;
  if (!json || !t)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  sf_tokens_clear(t);
  o = json_loadb(json, len, 0, &jerr);
  if (!json_is_object(o)) {
    json_decref(o);
    return sf__error_set(err, SF_E_STORE,
                         "stored token set is not a JSON object (line %d)",
                         jerr.line);
  }
  rc = tokens_from_object(o, t);
  t->obtained_at = json_integer_value(json_object_get(o, "obtained_at"));
  t->signature_verified =
      json_is_true(json_object_get(o, "signature_verified"));
  json_decref(o);
  if (rc != SF_OK) {
    sf_tokens_clear(t);
    return sf__error_set(err, rc, NULL);
  }
  if (!t->access_token) {
    sf_tokens_clear(t);
    return sf__error_set(err, SF_E_STORE,
                         "stored token set lacks "
                         "access_token");
  }
  return SF_OK;
}

int sf_tokens_expiring(const sf_tokens *t, long long skew_s, long long now) {
  if (!t || t->expires_in <= 0)
    return 0;
  if (skew_s > t->expires_in / 2)
    skew_s = t->expires_in / 2;
  return t->obtained_at + t->expires_in - skew_s <= now;
}

sf_code sf_tokens_ids(const sf_tokens *t, char org[19], char user[19]) {
  const char *p;
  size_t n;
  if (!t || !t->id || !org || !user)
    return SF_E_INVALID_ARG;
  p = strstr(t->id, "/id/");
  if (!p)
    return SF_E_INVALID_ARG;
  p += 4;
  n = strcspn(p, "/");
  if (n != 18 || p[18] != '/' || strlen(p + 19) != 18)
    return SF_E_INVALID_ARG;
  memcpy(org, p, 18);
  org[18] = '\0';
  memcpy(user, p + 19, 18);
  user[18] = '\0';
  return SF_OK;
}

void sf_device_clear(sf_device *d) {
  if (!d)
    return;
  sf__free_secret(d->device_code);
  free(d->user_code);
  free(d->verification_uri);
  memset(d, 0, sizeof *d);
}

/* ---- URLs and policy ---------------------------------------------------- */

static const char *const default_domains[] = {
    "salesforce.com",   "force.com",
    "salesforce.mil",   "cloudforce.com",
    "database.com",     "salesforce-sites.com",
    "site.com",         "sfcrmapps.cn",
    "sfcrmproducts.cn", NULL};

static int is_loopback(const char *host) {
  return strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 ||
         strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

static int under_domain(const char *host, const char *domain) {
  size_t h = strlen(host), d = strlen(domain);
  if (h == d)
    return strcasecmp(host, domain) == 0;
  return h > d && host[h - d - 1] == '.' &&
         strcasecmp(host + h - d, domain) == 0;
}

/* Does the parsed URL have this part (user, query, fragment, ...)? */
static int has_part(CURLU *u, CURLUPart what) {
  char *part = NULL;
  int has = curl_url_get(u, what, &part, 0) == CURLUE_OK;
  curl_free(part);
  return has;
}

sf_code sf_oauth_check_url(const sf_oauth_policy *policy, const char *url,
                           const char *what, sf_error *err) {
  CURLU *u;
  char *scheme = NULL, *host = NULL;
  const char *const *d;
  sf_code rc = SF_OK;
  if (!what)
    what = "URL";
  if (!url)
    return sf__error_set(err, SF_E_UNTRUSTED_HOST, "%s is missing", what);
  u = curl_url();
  if (!u)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    rc = sf__error_set(err, SF_E_UNTRUSTED_HOST, "%s is not a valid URL", what);
    goto done;
  }
  /* other parsers read "https://evil.com\@acme.my.salesforce.com" as a
   * URL on evil.com (libcurl: user "evil.com\"): a URL that is handed on
   * must mean one thing to every reader */
  if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
      has_part(u, CURLUPART_OPTIONS) || has_part(u, CURLUPART_QUERY) ||
      has_part(u, CURLUPART_FRAGMENT)) {
    rc = sf__error_set(err, SF_E_UNTRUSTED_HOST,
                       "%s must not carry user information, a query or a "
                       "fragment",
                       what);
    goto done;
  }
  if (is_loopback(host) && !(policy && policy->loopback_listed)) {
    if (!policy || !policy->allow_loopback)
      rc = sf__error_set(err, SF_E_UNTRUSTED_HOST,
                         "%s host %s is a loopback address, which is only "
                         "allowed when configured (allow_loopback)",
                         what, host);
    goto done;
  }
  /* a listed loopback host: http only when allow_loopback */
  if (strcmp(scheme, "https") != 0 &&
      !(is_loopback(host) && policy->allow_loopback)) {
    rc = sf__error_set(err, SF_E_UNTRUSTED_HOST, "%s must use https, not %s",
                       what, scheme);
    goto done;
  }
  for (d = policy && policy->allowed_domains ? policy->allowed_domains
                                             : default_domains;
       *d; d++)
    if (under_domain(host, *d))
      goto done;
  if (policy && policy->allowed_domains) {
    /* the caller's own list: say which it is (the message is bounded) */
    char list[160];
    size_t n = 0;
    list[0] = '\0';
    for (d = policy->allowed_domains; *d && n < sizeof list; d++)
      n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
                            d == policy->allowed_domains ? "" : ", ", *d);
    rc = sf__error_set(err, SF_E_UNTRUSTED_HOST,
                       "%s host %s is not on the allowed domains given (%s%s)",
                       what, host, list, n >= sizeof list ? "..." : "");
  } else {
    rc = sf__error_set(err, SF_E_UNTRUSTED_HOST,
                       "%s host %s is not on the allowed Salesforce domains",
                       what, host);
  }
done:
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return rc;
}

/* One part of a parsed URL, lower-cased for the host and scheme; *out is
 * curl_free'd by the caller. Ports come back normalised (443 for https). */
static int url_part(CURLU *u, CURLUPart what, char **out) {
  unsigned int flags = what == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0;
  *out = NULL;
  return curl_url_get(u, what, out, flags) == CURLUE_OK;
}

int sf__same_origin(const char *url, const char *origin) {
  CURLU *a = curl_url(), *b = curl_url();
  char *pa[3] = {NULL, NULL, NULL}, *pb[3] = {NULL, NULL, NULL};
  char *user = NULL;
  static const CURLUPart parts[3] = {CURLUPART_SCHEME, CURLUPART_HOST,
                                     CURLUPART_PORT};
  int same = 0, i;
  if (!a || !b || curl_url_set(a, CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_set(b, CURLUPART_URL, origin, 0) != CURLUE_OK)
    goto done;
  /* user information in the URL ("https://host@elsewhere/") is refused */
  if (curl_url_get(a, CURLUPART_USER, &user, 0) == CURLUE_OK)
    goto done;
  for (i = 0; i < 3; i++)
    if (!url_part(a, parts[i], &pa[i]) || !url_part(b, parts[i], &pb[i]) ||
        strcasecmp(pa[i], pb[i]) != 0)
      goto done;
  same = 1;
done:
  for (i = 0; i < 3; i++) {
    curl_free(pa[i]);
    curl_free(pb[i]);
  }
  curl_free(user);
  curl_url_cleanup(a);
  curl_url_cleanup(b);
  return same;
}

/* ---- form bodies -------------------------------------------------------- */

typedef struct form {
  char *buf;
  size_t len, cap;
  int failed;
} form;

/* Appends key=value (value URL-encoded by libcurl). */
static void form_add(form *f, const char *key, const char *value) {
  char *enc;
  size_t kl, vl, need;
  if (f->failed || !value)
    return;
  enc = curl_easy_escape(NULL, value, 0);
  if (!enc) {
    f->failed = 1;
    return;
  }
  kl = strlen(key);
  vl = strlen(enc);
  need = f->len + (f->len ? 1 : 0) + kl + 1 + vl + 1;
  if (need > f->cap) {
    size_t cap = f->cap ? f->cap : 256;
    char *p;
    while (cap < need)
      cap *= 2;
    p = malloc(cap);
    if (!p) {
      OPENSSL_cleanse(enc, vl);
      curl_free(enc);
      f->failed = 1;
      return;
    }
    if (f->buf) {
      memcpy(p, f->buf, f->len);
      OPENSSL_cleanse(f->buf, f->cap);
      free(f->buf);
    }
    f->buf = p;
    f->cap = cap;
  }
  if (f->len)
    f->buf[f->len++] = '&';
  memcpy(f->buf + f->len, key, kl);
  f->len += kl;
  f->buf[f->len++] = '=';
  memcpy(f->buf + f->len, enc, vl);
  f->len += vl;
  f->buf[f->len] = '\0';
  OPENSSL_cleanse(enc, vl);
  curl_free(enc);
}

static void form_free(form *f) {
  if (f->buf) {
    OPENSSL_cleanse(f->buf, f->cap);
    free(f->buf);
  }
  memset(f, 0, sizeof *f);
}

/* ---- the token endpoint ---------------------------------------------------
 */

/* Copies the transport's failure into err. */
static sf_code transport_error(sf_http_request *req, sf_error *err) {
  const sf_error *e = sf_http_request_error(req);
  if (err)
    *err = *e;
  return e->code;
}

/* Maps a non-200 answer of an OAuth endpoint to err. */
static sf_code oauth_error(sf_http_request *req, sf_error *err) {
  long status = sf_http_response_status(req);
  size_t len;
  const char *body = sf_http_response_body(req, &len);
  json_t *o = json_loadb(body, len, 0, NULL);
  json_t *code = json_object_get(o, "error");
  json_t *desc = json_object_get(o, "error_description");
  sf_code rc;
  if (json_is_string(code)) {
    const char *c = json_string_value(code);
    rc = strcmp(c, "authorization_pending") == 0 || strcmp(c, "slow_down") == 0
             ? SF_E_PENDING
             : SF_E_OAUTH;
    sf__error_set(err, rc, "%s: %s", c,
                  json_is_string(desc) ? json_string_value(desc)
                                       : "(no description)");
    if (err)
      sf__strlcpy(err->remote_code, c, sizeof err->remote_code);
  } else {
    rc = sf__error_set(err, SF_E_HTTP,
                       "the OAuth endpoint answered HTTP %ld without an "
                       "OAuth error",
                       status);
  }
  if (err)
    err->http_status = status;
  json_decref(o);
  return rc;
}

/* The Authorization header of client_secret_basic: "Basic " and the
 * base64 (OpenSSL) of form-urlencoded (libcurl) id ":" secret, as RFC 6749
 * section 2.3.1 says. Added to req; the buffers are wiped. */
static sf_code add_basic_auth(sf_http_request *req, const sf_oauth_app *app) {
  char *id = curl_easy_escape(NULL, app->client_id, 0);
  char *secret = curl_easy_escape(NULL, app->client_secret, 0);
  char *plain = NULL, *header = NULL;
  size_t n, hn;
  sf_code rc = SF_E_NOMEM;
  if (!id || !secret)
    goto done;
  n = strlen(id) + 1 + strlen(secret);
  hn = 6 + 4 * ((n + 2) / 3) + 1;
  plain = malloc(n + 1);
  header = malloc(hn);
  if (!plain || !header)
    goto done;
  snprintf(plain, n + 1, "%s:%s", id, secret);
  memcpy(header, "Basic ", 6);
  EVP_EncodeBlock((unsigned char *)header + 6, (unsigned char *)plain, (int)n);
  rc = sf_http_request_add_header(req, "Authorization", header);
done:
  if (id)
    OPENSSL_cleanse(id, strlen(id));
  if (secret)
    OPENSSL_cleanse(secret, strlen(secret));
  curl_free(id);
  curl_free(secret);
  sf__free_secret(plain);
  sf__free_secret(header);
  return rc;
}

/* POSTs `f` to `url` (with HTTP Basic client authentication when the
 * app asks for it); on 200 leaves the parsed object in *obj. */
static sf_code post_form(sf_http *http, const sf_oauth_app *app,
                         const char *url, form *f, json_t **obj,
                         sf_error *err) {
  sf_http_request *req = NULL;
  sf_code rc;
  size_t len;
  const char *body;
  if (obj)
    *obj = NULL;
  if (f->failed)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  rc = sf_http_request_new(&req, http, "POST", url);
  if (rc != SF_OK)
    return sf__error_set(err, rc, "bad token endpoint URL");
  if (app && app->client_auth == SF_CLIENT_SECRET_BASIC && app->client_secret &&
      (rc = add_basic_auth(req, app)) != SF_OK) {
    sf_http_request_free(req);
    return sf__error_set(err, rc, NULL);
  }
  if ((rc = sf_http_request_add_header(req, "Accept", "application/json")) !=
          SF_OK ||
      (rc = sf_http_request_set_body(req, f->buf, f->len,
                                     "application/x-www-form-urlencoded")) !=
          SF_OK) {
    sf_http_request_free(req);
    return sf__error_set(err, rc, NULL);
  }
  rc = sf_http_send(req);
  if (rc != SF_OK) {
    rc = transport_error(req, err);
  } else if (sf_http_response_status(req) != 200) {
    rc = oauth_error(req, err);
  } else if (obj) {
    body = sf_http_response_body(req, &len);
    *obj = json_loadb(body, len, 0, NULL);
    if (!json_is_object(*obj)) {
      json_decref(*obj);
      *obj = NULL;
      rc = sf__error_set(err, SF_E_PROTOCOL,
                         "the token endpoint answered 200 without a JSON "
                         "object");
    }
  }
  sf_http_request_free(req);
  return rc;
}

enum { SIG_REQUIRED = 1, SIG_OPTIONAL = 0, KEEP_REFUSED = 2 };

static sf_code revoke_with(sf_http *http, const sf_oauth_app *app,
                           const char *token, sf_error *err);

void sf_oauth_revoke_refused(sf_http *http, const sf_oauth_app *app,
                             const sf_tokens *t, sf_error *err) {
  size_t n;
  if (!http || !app || !t || (!t->access_token && !t->refresh_token))
    return;
  if (!app->revoke_url || !app->client_id) {
    if (err && (n = strlen(err->message)) < sizeof err->message)
      snprintf(err->message + n, sizeof err->message - n,
               "; not revoked: no revocation URL");
    return;
  }
  if (t->access_token)
    revoke_with(http, app, t->access_token, NULL);
  if (t->refresh_token)
    revoke_with(http, app, t->refresh_token, NULL);
}

/*
 * Tokens issued but refused by a check (a missing field, the signature,
 * the instance or identity URL): with KEEP_REFUSED they go to *out for the
 * caller (a refresh keeps the rotated refresh token and revokes the rest);
 * otherwise they are revoked here, so that nothing issued stays alive
 * unknown to anyone.
 */
static void refused(sf_http *http, const sf_oauth_app *app, int flags,
                    sf_tokens *t, sf_tokens *out, sf_error *err) {
  if (flags & KEEP_REFUSED) {
    sf_tokens_clear(out);
    *out = *t;
    memset(t, 0, sizeof *t);
  } else {
    sf_oauth_revoke_refused(http, app, t, err);
  }
}

/* Runs a grant: POST, parse, check; fills *out. */
static sf_code grant(sf_http *http, const sf_oauth_app *app,
                     const sf_oauth_policy *policy, const char *url, form *f,
                     int sig, sf_tokens *out, sf_error *err) {
  json_t *o = NULL;
  json_t *sigv;
  sf_tokens t;
  sf_code rc;
  int salesforce = app->kind != SF_OAUTH_GENERIC, issued = 0;
  memset(&t, 0, sizeof t);
  rc = post_form(http, app, url, f, &o, err);
  form_free(f);
  if (rc != SF_OK)
    return rc;
  rc = tokens_from_object(o, &t);
  if (rc != SF_OK) {
    sf__error_set(err, rc, NULL);
    goto done;
  }
  issued = 1;
  if (!t.access_token) {
    rc = sf__error_set(err, SF_E_PROTOCOL,
                       "the token response lacks access_token");
    goto done;
  }
  if (salesforce && !t.instance_url) {
    rc = sf__error_set(err, SF_E_PROTOCOL,
                       "the token response lacks instance_url, which a "
                       "Salesforce token endpoint always sends (for "
                       "another OAuth 2.0 server use the oauth2 profile "
                       "kind); tokens refused");
    goto done;
  }
  if (t.instance_url && (rc = sf_oauth_check_url(policy, t.instance_url,
                                                 "instance_url", err)) != SF_OK)
    goto done;
  if (t.id &&
      (rc = sf_oauth_check_url(policy, t.id, "identity URL", err)) != SF_OK)
    goto done;
  sigv = json_object_get(o, "signature");
  if (app->client_secret && json_is_string(sigv)) {
    rc = sf_oauth_verify_signature(app->client_secret, t.id, t.issued_at,
                                   json_string_value(sigv));
    if (rc != SF_OK) {
      sf__error_set(err, rc,
                    "the token response signature does not match (id and "
                    "issued_at may have been altered); tokens refused");
      goto done;
    }
    t.signature_verified = 1;
  } else if (salesforce && app->client_secret &&
             app->client_auth != SF_CLIENT_NONE && (sig & SIG_REQUIRED)) {
    rc = sf__error_set(err, SF_E_SIGNATURE,
                       "the token response carries no signature; tokens "
                       "refused");
    goto done;
  }
  t.obtained_at = (long long)time(NULL);
  sf_tokens_clear(out);
  *out = t;
  memset(&t, 0, sizeof t);
done:
  if (rc != SF_OK && issued)
    refused(http, app, sig, &t, out, err);
  sf_tokens_clear(&t);
  json_decref(o);
  return rc;
}

static sf_code check_app(const sf_oauth_app *app, sf_tokens *out,
                         sf_error *err) {
  if (!app || !app->client_id || !app->token_url || !out)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "an OAuth app needs client_id and token_url");
  return SF_OK;
}

/* Client authentication in the form body: client_id unless HTTP Basic
 * carries it, client_secret only with client_secret_post. */
static void add_client(form *f, const sf_oauth_app *app) {
  if (app->client_auth != SF_CLIENT_SECRET_BASIC || !app->client_secret)
    form_add(f, "client_id", app->client_id);
  if (app->client_auth == SF_CLIENT_SECRET_POST)
    form_add(f, "client_secret", app->client_secret);
}

sf_code sf_oauth_exchange_code(sf_http *http, const sf_oauth_app *app,
                               const sf_oauth_policy *policy, const char *code,
                               const char *verifier, sf_tokens *out,
                               sf_error *err) {
  form f = {0};
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!code || !*code || !app->redirect_uri)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "the code exchange needs a code and redirect_uri");
  form_add(&f, "grant_type", "authorization_code");
  form_add(&f, "code", code);
  add_client(&f, app);
  form_add(&f, "redirect_uri", app->redirect_uri);
  form_add(&f, "code_verifier", verifier);
  return grant(http, app, policy, app->token_url, &f, SIG_REQUIRED, out, err);
}

sf_code sf_oauth_refresh(sf_http *http, const sf_oauth_app *app,
                         const sf_oauth_policy *policy,
                         const char *refresh_token, sf_tokens *out,
                         sf_error *err) {
  form f = {0};
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!refresh_token || !*refresh_token)
    return sf__error_set(err, SF_E_INVALID_ARG, "no refresh token");
  form_add(&f, "grant_type", "refresh_token");
  form_add(&f, "refresh_token", refresh_token);
  add_client(&f, app);
  rc = grant(http, app, policy,
             app->refresh_url ? app->refresh_url : app->token_url, &f,
             SIG_REQUIRED | KEEP_REFUSED, out, err);
  if (rc == SF_OK && !out->refresh_token) {
    /* no rotation: the refresh token stays valid */
    out->refresh_token = sf__strdup(refresh_token);
    if (!out->refresh_token) {
      sf_tokens_clear(out);
      return sf__error_set(err, SF_E_NOMEM, NULL);
    }
  }
  return rc;
}

sf_code sf_oauth_client_credentials(sf_http *http, const sf_oauth_app *app,
                                    const sf_oauth_policy *policy,
                                    sf_tokens *out, sf_error *err) {
  form f = {0};
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!app->client_secret || app->client_auth == SF_CLIENT_NONE)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "the client credentials flow needs a client "
                         "secret (not a public client)");
  form_add(&f, "grant_type", "client_credentials");
  add_client(&f, app);
  form_add(&f, "scope", app->scope);
  return grant(http, app, policy, app->token_url, &f, SIG_REQUIRED, out, err);
}

/* The origin (scheme://host[:port]) of url; *out is new. */
static sf_code url_origin(const char *url, char **out) {
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL;
  size_t n;
  sf_code rc = SF_E_INVALID_ARG;
  *out = NULL;
  if (!u)
    return SF_E_NOMEM;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    n = strlen(scheme) + strlen(host) + (port ? strlen(port) : 0) + 5;
    *out = malloc(n);
    rc = *out ? SF_OK : SF_E_NOMEM;
    if (*out)
      snprintf(*out, n, "%s://%s%s%s", scheme, host, port ? ":" : "",
               port ? port : "");
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

sf_code sf_oauth_jwt_bearer(sf_http *http, const sf_oauth_app *app,
                            const sf_oauth_policy *policy, const char *key_file,
                            const char *username, const char *audience,
                            long lifetime_s, sf_tokens *out, sf_error *err) {
  form f = {0};
  char *jwt = NULL, *aud = NULL;
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!key_file || !username || !*username)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "the JWT bearer flow needs a key file and a "
                         "username");
  if (!audience) {
    rc = url_origin(app->token_url, &aud);
    if (rc != SF_OK)
      return sf__error_set(err, rc, "bad token URL");
  }
  rc = sf__jwt_assertion(key_file, app->client_id, username,
                         audience ? audience : aud,
                         lifetime_s > 0 ? lifetime_s : 180, &jwt, err);
  free(aud);
  if (rc != SF_OK)
    return rc;
  form_add(&f, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
  form_add(&f, "assertion", jwt);
  sf__free_secret(jwt);
  return grant(http, app, policy, app->token_url, &f, SIG_OPTIONAL, out, err);
}

sf_code sf_oauth_password(sf_http *http, const sf_oauth_app *app,
                          const sf_oauth_policy *policy, const char *username,
                          const char *password, sf_tokens *out, sf_error *err) {
  form f = {0};
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!username || !password)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "the password flow needs a username and password");
  sf__log(sf__http_logger(http), SF_LOG_WARN,
          "the username-password flow is legacy: Salesforce blocks it in "
          "new orgs and is retiring it; use the web-server, JWT bearer or "
          "client credentials flow");
  form_add(&f, "grant_type", "password");
  add_client(&f, app);
  form_add(&f, "username", username);
  form_add(&f, "password", password);
  return grant(http, app, policy, app->token_url, &f, SIG_REQUIRED, out, err);
}

sf_code sf_oauth_device_start(sf_http *http, const sf_oauth_app *app,
                              sf_device *out, sf_error *err) {
  form f = {0};
  json_t *o = NULL, *v;
  sf_code rc;
  if (!app || !app->client_id || !app->token_url || !out)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  sf_device_clear(out);
  form_add(&f, "response_type", "device_code");
  form_add(&f, "client_id", app->client_id);
  form_add(&f, "scope", app->scope);
  rc = post_form(http, NULL, app->token_url, &f, &o, err);
  form_free(&f);
  if (rc != SF_OK)
    return rc;
  v = json_object_get(o, "device_code");
  out->device_code = sf__strdup(json_string_value(v));
  out->user_code =
      sf__strdup(json_string_value(json_object_get(o, "user_code")));
  out->verification_uri =
      sf__strdup(json_string_value(json_object_get(o, "verification_uri")));
  v = json_object_get(o, "interval");
  out->interval_s = json_is_integer(v) ? (long)json_integer_value(v) : 5;
  json_decref(o);
  if (!out->device_code || !out->user_code || !out->verification_uri) {
    sf_device_clear(out);
    return sf__error_set(err, SF_E_PROTOCOL,
                         "the device answer lacks device_code, user_code "
                         "or verification_uri");
  }
  return SF_OK;
}

sf_code sf_oauth_device_poll(sf_http *http, const sf_oauth_app *app,
                             const sf_oauth_policy *policy,
                             const char *device_code, sf_tokens *out,
                             sf_error *err) {
  form f = {0};
  sf_code rc = check_app(app, out, err);
  if (rc != SF_OK)
    return rc;
  if (!device_code)
    return sf__error_set(err, SF_E_INVALID_ARG, "no device code");
  form_add(&f, "grant_type", "device");
  add_client(&f, app);
  form_add(&f, "code", device_code);
  return grant(http, app, policy, app->token_url, &f, SIG_REQUIRED, out, err);
}

/* POSTs token= to the app's revoke_url with client authentication. */
static sf_code revoke_with(sf_http *http, const sf_oauth_app *app,
                           const char *token, sf_error *err) {
  form f = {0};
  sf_code rc;
  form_add(&f, "token", token);
  add_client(&f, app);
  rc = post_form(http, app, app->revoke_url, &f, NULL, err);
  form_free(&f);
  return rc;
}

sf_code sf_oauth_revoke(sf_http *http, const sf_oauth_app *app,
                        const char *token, sf_error *err) {
  if (!app || !token || !app->client_id)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  if (!app->revoke_url)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "no revocation URL (revoke_url): the server "
                         "offers no token revocation that we know of");
  return revoke_with(http, app, token, err);
}

/* ---- RFC 6750 challenges ------------------------------------------------ */

static int is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == ',')
    p++;
  return p;
}

int sf_oauth_bearer_error(const char *challenge, char *out, size_t size) {
  const char *p = challenge, *name;
  size_t nlen, n;
  int bearer = 0;
  if (!out || size == 0)
    return 0;
  out[0] = '\0';
  if (!p)
    return 0;
  for (p = skip_ows(p); *p; p = skip_ows(p)) {
    for (name = p; is_tchar(*p); p++)
      ;
    nlen = (size_t)(p - name);
    if (nlen == 0)
      return 0; /* not a challenge list */
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p != '=') { /* an auth-scheme starts a challenge */
      bearer = nlen == 6 && strncasecmp(name, "Bearer", 6) == 0;
      continue;
    }
    p++; /* an auth-param: name = token / quoted-string */
    while (*p == ' ' || *p == '\t')
      p++;
    n = 0;
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
          p++;
        if (bearer && nlen == 5 && strncasecmp(name, "error", 5) == 0 &&
            n + 1 < size)
          out[n++] = *p;
      }
      if (*p != '"')
        return (out[0] = '\0', 0); /* unterminated */
      p++;
    } else {
      for (; is_tchar(*p); p++)
        if (bearer && nlen == 5 && strncasecmp(name, "error", 5) == 0 &&
            n + 1 < size)
          out[n++] = *p;
    }
    if (bearer && nlen == 5 && strncasecmp(name, "error", 5) == 0) {
      out[n] = '\0';
      return n > 0;
    }
  }
  return 0;
}

sf_code sf_oauth_get(sf_http *http, const char *url, const char *token,
                     char **body, size_t *len, sf_error *err) {
  sf_http_request *req = NULL;
  sf_code rc;
  char *auth;
  long status;
  if (!url || !token || !body)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  *body = NULL;
  rc = sf_http_request_new(&req, http, "GET", url);
  if (rc != SF_OK)
    return sf__error_set(err, rc, "bad URL");
  auth = malloc(strlen(token) + 8);
  if (!auth) {
    sf_http_request_free(req);
    return sf__error_set(err, SF_E_NOMEM, NULL);
  }
  memcpy(auth, "Bearer ", 7);
  strcpy(auth + 7, token);
  rc = sf_http_request_add_header(req, "Authorization", auth);
  sf__free_secret(auth);
  if (rc == SF_OK)
    rc = sf_http_request_add_header(req, "Accept", "application/json");
  if (rc != SF_OK) {
    sf_http_request_free(req);
    return sf__error_set(err, rc, NULL);
  }
  rc = sf_http_send(req);
  if (rc != SF_OK) {
    rc = transport_error(req, err);
  } else if ((status = sf_http_response_status(req)) != 200) {
    rc = sf__error_set(err,
                       status == 401 || status == 403 ? SF_E_OAUTH : SF_E_HTTP,
                       "GET answered HTTP %ld", status);
    if (err)
      err->http_status = status;
  } else {
    *body = sf_http_response_take_body(req, len);
    if (!*body)
      rc = sf__error_set(err, SF_E_NOMEM, NULL);
  }
  sf_http_request_free(req);
  return rc;
}

sf_code sf_oauth_authorize_url(const sf_oauth_app *app, const char *state,
                               const char *challenge, const char *extra,
                               char **url) {
  form f = {0};
  size_t n;
  if (!app || !app->authorize_url || !app->client_id || !app->redirect_uri ||
      !state || !challenge || !url)
    return SF_E_INVALID_ARG;
  *url = NULL;
  form_add(&f, "response_type", "code");
  form_add(&f, "client_id", app->client_id);
  form_add(&f, "redirect_uri", app->redirect_uri);
  form_add(&f, "scope", app->scope);
  form_add(&f, "state", state);
  form_add(&f, "code_challenge", challenge);
  form_add(&f, "code_challenge_method", "S256");
  if (f.failed) {
    form_free(&f);
    return SF_E_NOMEM;
  }
  n = strlen(app->authorize_url) + 1 + f.len + (extra ? strlen(extra) + 1 : 0) +
      1;
  *url = malloc(n);
  if (*url)
    snprintf(*url, n, "%s%c%s%s%s", app->authorize_url,
             strchr(app->authorize_url, '?') ? '&' : '?', f.buf,
             extra ? "&" : "", extra ? extra : "");
  form_free(&f);
  return *url ? SF_OK : SF_E_NOMEM;
}
