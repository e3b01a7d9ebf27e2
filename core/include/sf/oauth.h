/*
 * sf/oauth.h - Salesforce OAuth 2.0: the grants (authorization code with
 * PKCE, refresh token, client credentials, JWT bearer, device, legacy
 * password), revoke, identity, token-response checks (signature, allowed
 * hosts), and sf_session: a token set bound to (profile, user) in a store,
 * with a single-flight refresh shared by every process using that store.
 * Every function is blocking and uses the given sf_http runtime.
 */
#ifndef SF_OAUTH_H
#define SF_OAUTH_H

#include <stddef.h>

#include "sf/error.h"
#include "sf/http.h"
#include "sf/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which kind of server an app talks to. SF_OAUTH_SALESFORCE (0, the
 * default): a token response must carry instance_url (checked against the
 * policy, as is id when present) and, when the app has a client secret, a
 * signature for the grants that Salesforce signs. SF_OAUTH_GENERIC: any
 * RFC 6749 server: only access_token is required; a signature, instance_url
 * or id that does come is still checked. */
typedef enum sf_oauth_kind {
  SF_OAUTH_SALESFORCE = 0,
  SF_OAUTH_GENERIC = 1
} sf_oauth_kind;

/* How the client authenticates at the token and revocation endpoints.
 * SF_CLIENT_SECRET_POST (0, the default): client_id and client_secret in
 * the form body. SF_CLIENT_SECRET_BASIC: HTTP Basic with both
 * form-urlencoded first (RFC 6749 section 2.3.1), and client_id alone in
 * the body only where a grant requires it. SF_CLIENT_NONE: a public client
 * (PKCE): client_id in the body, the secret never sent. */
typedef enum sf_client_auth {
  SF_CLIENT_SECRET_POST = 0,
  SF_CLIENT_SECRET_BASIC = 1,
  SF_CLIENT_NONE = 2
} sf_client_auth;

/*
 * A connected app (system) or an OAuth v2 profile (custom). All strings
 * are borrowed for the duration of each call. NULL fields are optional:
 * client_secret (public clients), refresh_url (defaults to token_url),
 * revoke_url (no default: without it sf_oauth_revoke refuses, since the
 * server offers no revocation that we know of), redirect_uri (needed by
 * the web-server flow only), scope. A zeroed struct is a Salesforce app
 * with client_secret_post.
 */
typedef struct sf_oauth_app {
  const char *client_id;
  const char *client_secret;
  const char *authorize_url;
  const char *token_url;
  const char *refresh_url;
  const char *revoke_url;
  const char *redirect_uri;
  const char *scope;
  sf_oauth_kind kind;
  sf_client_auth client_auth;
} sf_oauth_app;

/*
 * Which hosts a token response may send us to. instance_url and the
 * identity URL must be https on a host equal to or under one of
 * `allowed_domains` (NULL: the Salesforce defaults salesforce.com,
 * force.com, salesforce.mil, cloudforce.com, database.com,
 * salesforce-sites.com, site.com, sfcrmapps.cn, sfcrmproducts.cn).
 * Loopback hosts (127.0.0.1, localhost, ::1) are refused unless
 * `allow_loopback` is set, and then accepted over http too (tests).
 */
typedef struct sf_oauth_policy {
  const char *const *allowed_domains; /* NULL-terminated, or NULL */
  int allow_loopback;
} sf_oauth_policy;

/*
 * A token set. Every string is owned by the struct (NULL when absent) and
 * released, secrets wiped first, by sf_tokens_clear. Initialise with
 * {0} or sf_tokens_clear before first use.
 */
typedef struct sf_tokens {
  char *access_token;
  char *refresh_token;
  char *instance_url;
  char *id;        /* identity URL .../id/<org18>/<user18> */
  char *issued_at; /* milliseconds since the epoch, as sent */
  char *scope;
  char *token_type;
  char *id_token;
  long long obtained_at;  /* seconds since the epoch, set by the client */
  long long expires_in;   /* lifetime in seconds as sent; 0: not sent */
  int signature_verified; /* 1 when the response signature was checked */
} sf_tokens;

/* Frees and wipes the strings of `t` and zeroes it. NULL is harmless. */
void sf_tokens_clear(sf_tokens *t);

/* Deep copy: *dst (cleared first) becomes a copy of *src. */
sf_code sf_tokens_copy(sf_tokens *dst, const sf_tokens *src);

/*
 * Serialises `t` to JSON (for a token store). *json is a new string the
 * caller frees with free() (it holds secrets: wipe it if it matters).
 */
sf_code sf_tokens_to_json(const sf_tokens *t, char **json);

/* Parses what sf_tokens_to_json wrote into *t (cleared first). */
sf_code sf_tokens_from_json(const char *json, size_t len, sf_tokens *t,
                            sf_error *err);

/*
 * Whether the access token of `t` expires within `skew_s` seconds of
 * `now` (seconds since the epoch): 1 when t->expires_in is set and
 * obtained_at + expires_in - skew <= now, else 0 (also for NULL). The
 * skew is capped at half the lifetime, so a token that lives shorter
 * than the skew is not renewed at every use.
 */
int sf_tokens_expiring(const sf_tokens *t, long long skew_s, long long now);

/* The org id (18 characters) and user id from t->id, or NULL. The strings
 * are copied into org[19] and user[19]. Returns SF_OK or
 * SF_E_INVALID_ARG when the identity URL has another shape. */
sf_code sf_tokens_ids(const sf_tokens *t, char org[19], char user[19]);

/* ---- building blocks ------------------------------------------------- */

/*
 * A PKCE pair: a fresh random code verifier (43 characters, base64url of
 * 32 random bytes) and its S256 challenge (BASE64URL(SHA256(verifier))).
 * Both buffers need 44 bytes.
 */
sf_code sf_oauth_pkce(char verifier[44], char challenge[44]);

/* The S256 challenge of a given verifier (for tests and checks). */
sf_code sf_oauth_pkce_challenge(const char *verifier, char challenge[44]);

/* A fresh random `state` value: 43 base64url characters; out[44]. */
sf_code sf_oauth_random_state(char out[44]);

/*
 * The authorization URL of the web-server flow: authorize_url with
 * response_type=code, client_id, redirect_uri, scope (when set), state,
 * code_challenge and code_challenge_method=S256, all URL-encoded.
 * `extra` (may be NULL) is appended as is (already encoded, such as
 * "prompt=login"). *url is new; the caller frees it with free().
 */
sf_code sf_oauth_authorize_url(const sf_oauth_app *app, const char *state,
                               const char *challenge, const char *extra,
                               char **url);

/*
 * Checks a URL against the policy: SF_OK, or SF_E_UNTRUSTED_HOST with a
 * message naming the host. A URL with user information, a query or a
 * fragment is refused whatever its host. `what` names it in the message
 * ("instance_url").
 */
sf_code sf_oauth_check_url(const sf_oauth_policy *policy, const char *url,
                           const char *what, sf_error *err);

/*
 * Verifies a token response signature: base64(HMAC-SHA256(secret,
 * id + issued_at)) compared in constant time. SF_OK or SF_E_SIGNATURE.
 */
sf_code sf_oauth_verify_signature(const char *client_secret, const char *id,
                                  const char *issued_at, const char *signature);

/* ---- the grants ------------------------------------------------------- */
/*
 * Each grant POSTs a form to the app's token URL, authenticating the
 * client as app->client_auth says, and, on success, fills *out (cleared
 * first) from the response after checking it: access_token present (and
 * instance_url for the Salesforce kind: SF_E_PROTOCOL naming the missing
 * field); a signature, when one comes and the client secret is known, must
 * verify (SF_E_SIGNATURE); the Salesforce kind also requires one when the
 * secret is known, except for JWT bearer, where Salesforce omits it;
 * instance_url and id, when present, against `policy` (NULL: defaults).
 * Tokens refused by these checks after the server issued them are revoked
 * (except by the refresh grant, below) before the error returns, by
 * sf_oauth_revoke_refused (with the client authentication of the token
 * endpoint; without a revoke_url the message says they were not revoked).
 * OAuth refusals are
 * SF_E_OAUTH with err->remote_code the OAuth `error` and the message its
 * description. Secrets never appear in err or logs.
 */

sf_code sf_oauth_exchange_code(sf_http *http, const sf_oauth_app *app,
                               const sf_oauth_policy *policy, const char *code,
                               const char *verifier, sf_tokens *out,
                               sf_error *err);

/* With rotation the response carries a new refresh token; without, the
 * old one is kept in out->refresh_token. When the issued tokens fail a
 * check (SF_E_PROTOCOL for a missing field, SF_E_SIGNATURE,
 * SF_E_UNTRUSTED_HOST), *out holds them anyway, not
 * for use: the caller keeps a rotated refresh token (the old one is
 * spent) and revokes the access token; out->refresh_token is NULL when
 * the response carried none. The caller clears *out in every case. */
sf_code sf_oauth_refresh(sf_http *http, const sf_oauth_app *app,
                         const sf_oauth_policy *policy,
                         const char *refresh_token, sf_tokens *out,
                         sf_error *err);

sf_code sf_oauth_client_credentials(sf_http *http, const sf_oauth_app *app,
                                    const sf_oauth_policy *policy,
                                    sf_tokens *out, sf_error *err);

/*
 * JWT bearer: signs {"alg":"RS256"} . {iss: client_id, sub: username,
 * aud: audience, exp: now + lifetime_s} with the PEM private key in
 * `key_file` (RSA). `audience` NULL: the token URL's origin.
 * lifetime_s <= 0: 180.
 */
sf_code sf_oauth_jwt_bearer(sf_http *http, const sf_oauth_app *app,
                            const sf_oauth_policy *policy, const char *key_file,
                            const char *username, const char *audience,
                            long lifetime_s, sf_tokens *out, sf_error *err);

/* Legacy username-password flow: works, and logs a warning that
 * Salesforce is retiring it. `password` includes the security token. */
sf_code sf_oauth_password(sf_http *http, const sf_oauth_app *app,
                          const sf_oauth_policy *policy, const char *username,
                          const char *password, sf_tokens *out, sf_error *err);

/* The device flow's first answer. Strings owned; free with
 * sf_device_clear. */
typedef struct sf_device {
  char *device_code;
  char *user_code;
  char *verification_uri;
  long interval_s;
} sf_device;

void sf_device_clear(sf_device *d);

/* Starts the device flow (response_type=device_code). */
sf_code sf_oauth_device_start(sf_http *http, const sf_oauth_app *app,
                              sf_device *out, sf_error *err);

/*
 * Polls once (grant_type=device). SF_E_PENDING while the user has not
 * approved (err->remote_code "authorization_pending" or "slow_down"; on
 * slow_down the caller adds 5 s to its interval); SF_OK with *out filled.
 */
sf_code sf_oauth_device_poll(sf_http *http, const sf_oauth_app *app,
                             const sf_oauth_policy *policy,
                             const char *device_code, sf_tokens *out,
                             sf_error *err);

/* Revokes an access or refresh token (a refresh token takes its access
 * tokens with it) at app->revoke_url (RFC 7009), authenticating the client
 * as the token endpoint does (client_id at least). No revoke_url:
 * SF_E_INVALID_ARG, nothing sent. */
sf_code sf_oauth_revoke(sf_http *http, const sf_oauth_app *app,
                        const char *token, sf_error *err);

/*
 * Revokes tokens the client refused after the server issued them (best
 * effort, errors ignored): the access token, then the refresh token (a
 * server other than Salesforce need not take the access tokens with the
 * refresh token), each when set, as sf_oauth_revoke does. Without a
 * revoke_url nothing is sent and "; not revoked: no revocation URL" is
 * added to err's message (err may be NULL). Used by the grants, and by a
 * caller of sf_oauth_refresh that keeps none of the tokens handed back.
 */
void sf_oauth_revoke_refused(sf_http *http, const sf_oauth_app *app,
                             const sf_tokens *t, sf_error *err);

/*
 * The `error` of the Bearer challenge in a WWW-Authenticate header value
 * (RFC 6750 section 3), e.g. "invalid_token" from `Bearer realm="x",
 * error="invalid_token"`: copied (truncated) into out[size] and 1
 * returned; 0 (out "") when there is no Bearer challenge with an error,
 * or the value is malformed. NULL challenge: 0.
 */
int sf_oauth_bearer_error(const char *challenge, char *out, size_t size);

/* How long before an access token's expiry (expires_in) a session and the
 * Lua client renew it, in seconds (at most half the token's lifetime). */
#define SF_TOKEN_REFRESH_SKEW 60

/*
 * GETs `url` (the identity URL, userinfo, or any URL of the instance)
 * with the bearer token; on HTTP 200, *body is the response (free with
 * free()). Other statuses: SF_E_OAUTH (401/403) or SF_E_HTTP.
 */
sf_code sf_oauth_get(sf_http *http, const char *url, const char *token,
                     char **body, size_t *len, sf_error *err);

/* ---- sessions ---------------------------------------------------------- */

typedef struct sf_session sf_session;

/*
 * A session: the token set of (profile, user) in `store`, refreshed with
 * `app`. `http`, `store`, `app` and `policy` must outlive the session;
 * strings are copied (the app's strings too). Loads nothing yet.
 */
sf_code sf_session_new(sf_session **out, sf_http *http, sf_store *store,
                       const sf_oauth_app *app, const sf_oauth_policy *policy,
                       const char *profile, const char *user);

void sf_session_free(sf_session *s);

/* Loads the stored token set. SF_E_NOT_FOUND when never authorised. */
sf_code sf_session_load(sf_session *s, sf_error *err);

/* Stores `t` durably and makes it the session's token set. Sets
 * t->obtained_at when 0. */
sf_code sf_session_save(sf_session *s, const sf_tokens *t, sf_error *err);

/* The current token set (owned by the session), or NULL before load. */
const sf_tokens *sf_session_tokens(const sf_session *s);

/*
 * Runs a grant again for a token set without a refresh token (client
 * credentials, JWT bearer): fills *out (cleared, owned by the caller) or
 * returns an error code with err filled. Called under the store lock.
 */
typedef sf_code (*sf_session_grant_fn)(void *ud, sf_tokens *out, sf_error *err);

/*
 * The single-flight renewal, after `stale_token` met 401
 * INVALID_SESSION_ID or an RFC 6750 invalid_token challenge, or came
 * within SF_TOKEN_REFRESH_SKEW of its expires_in. Takes the store lock of
 * (profile, user) (waiting at most lock_timeout_ms) and re-reads the stored
 * set: when another process already replaced `stale_token`, adopts that set and
 * sends nothing. When a refresh of that set was refused (invalid_grant) or its
 * answer was lost after it was sent (SF_E_OUTCOME_UNKNOWN; unless the app is
 * known not to rotate refresh tokens), returns the recorded error and sends
 * nothing: that refresh token is never sent twice. Otherwise renews (the
 * refresh grant when the set holds a refresh token, else `regrant(ud)`
 * when not NULL, else SF_E_OAUTH), stores the result durably and only then
 * releases the lock (a renewal that names no instance, as a generic
 * server's, keeps the stored instance_url; the Salesforce kind requires
 * one). A refusal or lost answer of the refresh grant is
 * recorded in the store first, and err is the recorded error (naming the
 * profile, the cause, and that it must be authorized again). Sets
 * *renewed (may be NULL) to 1 when this call renewed over the network.
 */
sf_code sf_session_renew(sf_session *s, const char *stale_token,
                         long lock_timeout_ms, sf_session_grant_fn regrant,
                         void *ud, int *renewed, sf_error *err);

/* sf_session_renew without a regrant (the refresh grant only). */
sf_code sf_session_refresh(sf_session *s, const char *stale_token,
                           long lock_timeout_ms, int *refreshed, sf_error *err);

/*
 * An authorised request to the session's instance: `path` is appended to
 * instance_url ("/services/data/v62.0/..."), or used as is when it is an
 * absolute URL on the instance. On 401 INVALID_SESSION_ID (other than the
 * "not valid for use with the REST API" scope refusal) or a 401 whose
 * Bearer challenge says invalid_token (RFC 6750) the session is refreshed
 * once (sf_session_refresh, single-flight) and the request replayed once;
 * a token within SF_TOKEN_REFRESH_SKEW of its expires_in is refreshed the
 * same way before the request goes out.
 * `content_type` and `body` may be NULL. On return *req is the completed
 * request (the caller reads status, body, headers, then frees it), also
 * when the result is not SF_OK (then it may be NULL).
 */
sf_code sf_session_request(sf_session *s, const char *method, const char *path,
                           const char *content_type, const char *body,
                           size_t body_len, sf_http_request **req,
                           sf_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SF_OAUTH_H */
