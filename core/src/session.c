/*
 * session.c - a token set bound to (profile, user) in a store, and the
 * single-flight renewal: under the store's lock, re-read what is stored
 * (another process may have renewed already, or recorded why its refresh
 * token must not be sent again), renew only if not, store the result
 * durably, then release. Authorised requests replay once after a renewal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"
#include "sf/oauth.h"

struct sf_session {
  sf_http *http;
  sf_store *store;
  const sf_oauth_policy *policy;
  sf_oauth_app app; /* strings below are owned copies */
  char *strs[8];
  char *profile;
  char *user;
  sf_tokens tokens;
  int loaded;
};

sf_code sf_session_new(sf_session **out, sf_http *http, sf_store *store,
                       const sf_oauth_app *app, const sf_oauth_policy *policy,
                       const char *profile, const char *user) {
  sf_session *s;
  const char *src[8];
  const char **dst[8];
  int i;
  if (!out)
    return SF_E_INVALID_ARG;
  *out = NULL;
  if (!http || !store || !app || !profile || !user)
    return SF_E_INVALID_ARG;
  s = calloc(1, sizeof *s);
  if (!s)
    return SF_E_NOMEM;
  s->http = http;
  s->store = store;
  s->policy = policy;
  s->app.kind = app->kind;
  s->app.client_auth = app->client_auth;
  src[0] = app->client_id;
  src[1] = app->client_secret;
  src[2] = app->authorize_url;
  src[3] = app->token_url;
  src[4] = app->refresh_url;
  src[5] = app->revoke_url;
  src[6] = app->redirect_uri;
  src[7] = app->scope;
  dst[0] = &s->app.client_id;
  dst[1] = &s->app.client_secret;
  dst[2] = &s->app.authorize_url;
  dst[3] = &s->app.token_url;
  dst[4] = &s->app.refresh_url;
  dst[5] = &s->app.revoke_url;
  dst[6] = &s->app.redirect_uri;
  dst[7] = &s->app.scope;
  for (i = 0; i < 8; i++) {
    if (src[i] && !(s->strs[i] = sf__strdup(src[i])))
      goto nomem;
    *dst[i] = s->strs[i];
  }
  s->profile = sf__strdup(profile);
  s->user = sf__strdup(user);
  if (!s->profile || !s->user)
    goto nomem;
  *out = s;
  return SF_OK;
nomem:
  sf_session_free(s);
  return SF_E_NOMEM;
}

void sf_session_free(sf_session *s) {
  int i;
  if (!s)
    return;
  for (i = 0; i < 8; i++)
    sf__free_secret(s->strs[i]);
  free(s->profile);
  free(s->user);
  sf_tokens_clear(&s->tokens);
  free(s);
}

const sf_tokens *sf_session_tokens(const sf_session *s) {
  return s && s->loaded ? &s->tokens : NULL;
}

/*
 * Beside the token set, the stored object keeps what renewal learned:
 * "renewal_failure", the refusal (or lost answer) of its refresh token, so
 * that no process sends that token again, and "refresh_rotates", whether
 * a refresh answered with a new refresh token. Both go when a new set is
 * saved (sf_session_save).
 */
typedef struct stored_extra {
  sf_error failure; /* code SF_OK: none */
  int rotates;      /* -1: not known yet */
} stored_extra;

static const char *str_or_empty(json_t *v) {
  return json_is_string(v) ? json_string_value(v) : "";
}

static void extra_from_json(const char *data, size_t len, stored_extra *x) {
  json_t *o = json_loadb(data, len, 0, NULL);
  json_t *f = json_object_get(o, "renewal_failure");
  json_t *rot = json_object_get(o, "refresh_rotates");
  sf_error_clear(&x->failure);
  x->rotates = json_is_boolean(rot) ? json_is_true(rot) : -1;
  if (json_is_object(f) && json_is_integer(json_object_get(f, "code"))) {
    x->failure.code = (sf_code)json_integer_value(json_object_get(f, "code"));
    x->failure.http_status =
        (long)json_integer_value(json_object_get(f, "status"));
    sf__strlcpy(x->failure.remote_code,
                str_or_empty(json_object_get(f, "remote_code")),
                sizeof x->failure.remote_code);
    sf__strlcpy(x->failure.message, str_or_empty(json_object_get(f, "message")),
                sizeof x->failure.message);
  }
  json_decref(o);
}

/* Reads the stored set into *t, and what renewal learned into *x (may be
 * NULL). */
static sf_code read_stored(sf_session *s, sf_tokens *t, stored_extra *x,
                           sf_error *err) {
  char *data = NULL;
  size_t len = 0;
  sf_code rc = sf_store_get(s->store, s->profile, s->user, &data, &len, err);
  if (rc != SF_OK)
    return rc;
  rc = sf_tokens_from_json(data, len, t, err);
  if (rc == SF_OK && x)
    extra_from_json(data, len, x);
  sf__free_secret(data);
  return rc;
}

sf_code sf_session_load(sf_session *s, sf_error *err) {
  sf_tokens t = {0};
  sf_code rc;
  if (!s)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  rc = read_stored(s, &t, NULL, err);
  if (rc == SF_E_NOT_FOUND)
    return sf__error_set(err, rc,
                         "profile '%s' has no stored authorization for "
                         "this user; authorize first",
                         s->profile);
  if (rc != SF_OK)
    return rc;
  sf_tokens_clear(&s->tokens);
  s->tokens = t;
  s->loaded = 1;
  return SF_OK;
}

/* A JSON string of an error message, which truncation to the error
 * record's size may have cut inside a UTF-8 sequence: the cut sequence is
 * dropped (jansson takes valid UTF-8 only). */
static json_t *message_json(const sf_error *e) {
  size_t n = strlen(e->message);
  json_t *v = NULL;
  int i;
  for (i = 0; i < 4 && n > 0 && !(v = json_stringn(e->message, n)); i++)
    n--;
  return v ? v : json_string(sf_strerror(e->code));
}

/* Adds what renewal learned to the serialised set *json (replaced). */
static sf_code extra_to_json(const stored_extra *x, char **json) {
  json_t *o = json_loads(*json, 0, NULL), *f = NULL;
  char *out;
  if (!o)
    return SF_E_NOMEM;
  if (x->rotates >= 0 &&
      json_object_set_new(o, "refresh_rotates", json_boolean(x->rotates)))
    goto nomem;
  if (x->failure.code != SF_OK) {
    f = json_pack("{s:i, s:I, s:s, s:o}", "code", (int)x->failure.code,
                  "status", (json_int_t)x->failure.http_status, "remote_code",
                  x->failure.remote_code, "message", message_json(&x->failure));
    if (!f || json_object_set_new(o, "renewal_failure", f))
      goto nomem;
  }
  out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  if (!out)
    return SF_E_NOMEM;
  sf__free_secret(*json);
  *json = out;
  return SF_OK;
nomem:
  json_decref(o);
  return SF_E_NOMEM;
}

/* Stores t, and x when not NULL, durably (the lock, if needed, is the
 * caller's). */
static sf_code write_stored(sf_session *s, const sf_tokens *t,
                            const stored_extra *x, sf_error *err) {
  char *json = NULL;
  sf_code rc = sf_tokens_to_json(t, &json);
  if (rc == SF_OK && x)
    rc = extra_to_json(x, &json);
  if (rc != SF_OK) {
    sf__free_secret(json);
    return sf__error_set(err, rc, NULL);
  }
  rc = sf_store_put(s->store, s->profile, s->user, json, strlen(json), err);
  sf__free_secret(json);
  return rc;
}

sf_code sf_session_save(sf_session *s, const sf_tokens *t, sf_error *err) {
  sf_tokens copy = {0};
  sf_code rc;
  if (!s || !t || !t->access_token)
    return sf__error_set(err, SF_E_INVALID_ARG, "no access_token to save");
  if (!t->instance_url && s->app.kind != SF_OAUTH_GENERIC)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "no instance_url to save (a Salesforce profile)");
  rc = sf_tokens_copy(&copy, t);
  if (rc != SF_OK)
    return sf__error_set(err, rc, NULL);
  if (!copy.obtained_at)
    copy.obtained_at = (long long)time(NULL);
  rc = write_stored(s, &copy, NULL, err);
  if (rc != SF_OK) {
    sf_tokens_clear(&copy);
    return rc;
  }
  sf_tokens_clear(&s->tokens);
  s->tokens = copy;
  s->loaded = 1;
  return SF_OK;
}

/*
 * Records why the stored refresh token must not be sent again, after the
 * token endpoint refused it (invalid_grant), its answer was lost once the
 * request had left (with rotation, the server may have spent it; a
 * second use would revoke the whole chain), or the tokens it issued
 * were refused by a check (`issued`, from keep_refused: 2 when their
 * access token could not be revoked). Not after an answer was lost when
 * the app is known not to rotate: the token is still good. The caller's
 * error becomes the recorded one, the same for every process.
 */
static void record_failure(sf_session *s, const sf_tokens *stored,
                           stored_extra *x, int issued, sf_error *err) {
  sf_error e;
  if (err->code == SF_E_OAUTH && strcmp(err->remote_code, "invalid_grant") == 0)
    sf__error_set(&e, SF_E_OAUTH,
                  "the token endpoint refused the refresh token of profile "
                  "'%s' (%s), so it is not sent again: authorize again",
                  s->profile, err->message);
  else if (err->code == SF_E_OUTCOME_UNKNOWN && x->rotates != 0)
    sf__error_set(&e, SF_E_OUTCOME_UNKNOWN,
                  "the answer to the refresh of profile '%s' was lost after "
                  "it was sent (%s); the server may have rotated its refresh "
                  "token, which is therefore not sent again: authorize again",
                  s->profile, err->message);
  else if (issued)
    sf__error_set(&e, err->code,
                  "the tokens a refresh of profile '%s' gave were refused "
                  "(%s); its access token was %s and its refresh token "
                  "kept, so that revoking the authorization reaches it: "
                  "authorize again",
                  s->profile, err->message,
                  issued == 2 ? "not revoked (no revocation URL)" : "revoked");
  else
    return;
  e.http_status = err->http_status;
  sf__strlcpy(e.remote_code, err->remote_code, sizeof e.remote_code);
  x->failure = e;
  /* if this write fails, the next process sends the token again */
  write_stored(s, stored, x, NULL);
  *err = e;
}

/* A refresh stays in the org it was authorised for. */
static sf_code check_same_org(const sf_tokens *stored, const sf_tokens *fresh,
                              sf_error *err) {
  char org[19], user[19], org2[19], user2[19];
  if (sf_tokens_ids(stored, org, user) != SF_OK ||
      sf_tokens_ids(fresh, org2, user2) != SF_OK || strcmp(org, org2) == 0)
    return SF_OK;
  return sf__error_set(err, SF_E_PROTOCOL,
                       "the refresh answered for org %s, not the authorized "
                       "org %s",
                       org2, org);
}

/*
 * Tokens a refresh issued that were then refused: the access token is
 * revoked (when the app has a revocation URL); a rotated refresh token
 * replaces the spent one in *stored (written by record_failure), so that
 * the chain is not lost but can be revoked with it. Returns 0 when no
 * access token was issued, 1 when it was revoked, 2 when it could not be
 * (no revocation URL).
 */
static int keep_refused(sf_session *s, sf_tokens *stored, sf_tokens *fresh,
                        stored_extra *x) {
  char *spent;
  int kept = 1;
  if (!fresh->access_token)
    return 0;
  if (!s->app.revoke_url)
    kept = 2;
  else
    sf_oauth_revoke(s->http, &s->app, fresh->access_token, NULL);
  if (fresh->refresh_token &&
      strcmp(fresh->refresh_token, stored->refresh_token) != 0) {
    spent = stored->refresh_token;
    stored->refresh_token = fresh->refresh_token;
    fresh->refresh_token = spent;
    x->rotates = 1;
  }
  return kept;
}

sf_code sf_session_renew(sf_session *s, const char *stale_token,
                         long lock_timeout_ms, sf_session_grant_fn regrant,
                         void *ud, int *renewed, sf_error *err) {
  sf_tokens stored = {0}, fresh = {0};
  stored_extra x;
  sf_error local;
  sf_code rc, urc;
  if (!err)
    err = &local; /* record_failure needs the cause */
  if (renewed)
    *renewed = 0;
  if (!s)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  rc = sf_store_lock(s->store, s->profile, s->user, lock_timeout_ms, err);
  if (rc != SF_OK)
    return rc;
  rc = read_stored(s, &stored, &x, err);
  if (rc != SF_OK)
    goto done;
  if (!stale_token || strcmp(stored.access_token, stale_token) != 0) {
    /* another process (or an earlier call) renewed already */
    sf_tokens_clear(&s->tokens);
    s->tokens = stored;
    memset(&stored, 0, sizeof stored);
    s->loaded = 1;
    goto done;
  }
  if (x.failure.code != SF_OK) {
    /* refused or spent: report why, send nothing */
    if (err)
      *err = x.failure;
    rc = x.failure.code;
    goto done;
  }
  if (stored.refresh_token) {
    rc = sf_oauth_refresh(s->http, &s->app, s->policy, stored.refresh_token,
                          &fresh, err);
    if (rc == SF_OK)
      rc = check_same_org(&stored, &fresh, err);
    if (rc != SF_OK) {
      record_failure(s, &stored, &x, keep_refused(s, &stored, &fresh, &x), err);
      goto done;
    }
    x.rotates = strcmp(fresh.refresh_token, stored.refresh_token) != 0;
  } else if (regrant) {
    rc = regrant(ud, &fresh, err);
    if (rc == SF_OK && !fresh.access_token)
      rc = sf__error_set(err, SF_E_PROTOCOL,
                         "the renewal of profile '%s' gave no access_token",
                         s->profile);
    else if (rc == SF_OK && !fresh.instance_url &&
             s->app.kind != SF_OAUTH_GENERIC)
      rc = sf__error_set(err, SF_E_PROTOCOL,
                         "the renewal of profile '%s' gave no instance_url",
                         s->profile);
    if (rc != SF_OK)
      goto done;
    x.rotates = -1;
  } else {
    rc = sf__error_set(err, SF_E_OAUTH,
                       "the session expired and profile '%s' holds no "
                       "refresh token; authorize again",
                       s->profile);
    goto done;
  }
  if (renewed)
    *renewed = 1;
  /* a generic provider names no instance: the API base stays the same */
  if (!fresh.instance_url && stored.instance_url &&
      !(fresh.instance_url = sf__strdup(stored.instance_url))) {
    rc = sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  /* durable before anyone uses the new (possibly rotated) refresh token */
  rc = write_stored(s, &fresh, &x, err);
  if (rc != SF_OK)
    goto done;
  sf_tokens_clear(&s->tokens);
  s->tokens = fresh;
  memset(&fresh, 0, sizeof fresh);
  s->loaded = 1;
done:
  urc = sf_store_unlock(s->store, s->profile, s->user);
  if (rc == SF_OK && urc != SF_OK)
    rc = sf__error_set(err, urc, "could not release the token store lock");
  sf_tokens_clear(&stored);
  sf_tokens_clear(&fresh);
  return rc;
}

sf_code sf_session_refresh(sf_session *s, const char *stale_token,
                           long lock_timeout_ms, int *refreshed,
                           sf_error *err) {
  return sf_session_renew(s, stale_token, lock_timeout_ms, NULL, NULL,
                          refreshed, err);
}

/* Is this 401 an expired or invalid session that a refresh may cure? */
static int session_expired(sf_http_request *req) {
  size_t len;
  const char *body;
  json_t *o, *first, *code, *msg;
  int expired = 0;
  char bearer[32];
  if (sf_http_response_status(req) != 401)
    return 0;
  /* RFC 6750: a standard resource server says so in the challenge */
  if (sf_oauth_bearer_error(sf_http_response_header(req, "WWW-Authenticate"),
                            bearer, sizeof bearer) &&
      strcmp(bearer, "invalid_token") == 0)
    return 1;
  body = sf_http_response_body(req, &len);
  o = json_loadb(body, len, 0, NULL);
  first = json_is_array(o) ? json_array_get(o, 0) : o;
  code = json_object_get(first, "errorCode");
  msg = json_object_get(first, "message");
  if (json_is_string(code) &&
      strcmp(json_string_value(code), "INVALID_SESSION_ID") == 0)
    /* a token without the api scope is refused this way: no refresh */
    expired = !(json_is_string(msg) &&
                strstr(json_string_value(msg), "not valid for use with the "
                                               "REST API"));
  json_decref(o);
  return expired;
}

/* Builds and sends one attempt with the current access token. */
static sf_code send_once(sf_session *s, const char *method, const char *url,
                         const char *content_type, const char *body,
                         size_t body_len, sf_http_request **out,
                         sf_error *err) {
  sf_http_request *req = NULL;
  char *auth;
  sf_code rc = sf_http_request_new(&req, s->http, method, url);
  if (rc != SF_OK)
    return sf__error_set(err, rc, "bad method or URL");
  auth = malloc(strlen(s->tokens.access_token) + 8);
  if (!auth) {
    sf_http_request_free(req);
    return sf__error_set(err, SF_E_NOMEM, NULL);
  }
  memcpy(auth, "Bearer ", 7);
  strcpy(auth + 7, s->tokens.access_token);
  rc = sf_http_request_add_header(req, "Authorization", auth);
  sf__free_secret(auth);
  if (rc == SF_OK)
    rc = sf_http_request_add_header(req, "Accept", "application/json");
  if (rc == SF_OK && (body || content_type))
    rc = sf_http_request_set_body(req, body, body ? body_len : 0, content_type);
  if (rc != SF_OK) {
    sf_http_request_free(req);
    return sf__error_set(err, rc, NULL);
  }
  rc = sf_http_send(req);
  if (rc != SF_OK && err)
    *err = *sf_http_request_error(req);
  *out = req;
  return rc;
}

sf_code sf_session_request(sf_session *s, const char *method, const char *path,
                           const char *content_type, const char *body,
                           size_t body_len, sf_http_request **req,
                           sf_error *err) {
  char *url = NULL, *stale = NULL;
  size_t n;
  sf_code rc;
  if (!req)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  *req = NULL;
  if (!s || !method || !path)
    return sf__error_set(err, SF_E_INVALID_ARG, NULL);
  if (!s->loaded && (rc = sf_session_load(s, err)) != SF_OK)
    return rc;
  if (!s->tokens.instance_url)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "the tokens of profile '%s' name no instance "
                         "(not a Salesforce authorization)",
                         s->profile);
  /* renewed shortly before it expires, single-flight as after a 401 */
  if (sf_tokens_expiring(&s->tokens, SF_TOKEN_REFRESH_SKEW,
                         (long long)time(NULL)) &&
      s->tokens.refresh_token) {
    if (!(stale = sf__strdup(s->tokens.access_token)))
      return sf__error_set(err, SF_E_NOMEM, NULL);
    rc = sf_session_refresh(s, stale, 30000, NULL, err);
    sf__free_secret(stale);
    stale = NULL;
    if (rc != SF_OK)
      return rc;
  }
  if (strncmp(path, "https://", 8) == 0 || strncmp(path, "http://", 7) == 0) {
    url = sf__strdup(path);
  } else {
    n = strlen(s->tokens.instance_url) + strlen(path) + 2;
    url = malloc(n);
    if (url)
      snprintf(url, n, "%s%s%s", s->tokens.instance_url,
               path[0] == '/' ? "" : "/", path);
  }
  if (!url)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  /* the bearer token goes to the instance and nowhere else */
  if (!sf__same_origin(url, s->tokens.instance_url)) {
    free(url);
    return sf__error_set(err, SF_E_UNTRUSTED_HOST,
                         "the URL is not on the session's instance; the "
                         "access token is sent only there");
  }
  rc = send_once(s, method, url, content_type, body, body_len, req, err);
  if (rc == SF_OK && session_expired(*req)) {
    stale = sf__strdup(s->tokens.access_token);
    sf_http_request_free(*req);
    *req = NULL;
    if (!stale) {
      rc = sf__error_set(err, SF_E_NOMEM, NULL);
    } else {
      rc = sf_session_refresh(s, stale, 30000, NULL, err);
      if (rc == SF_OK)
        rc = send_once(s, method, url, content_type, body, body_len, req, err);
    }
    sf__free_secret(stale);
  }
  free(url);
  return rc;
}
