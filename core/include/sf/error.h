/*
 * sf/error.h - stable result codes and the fixed-size error record.
 * Every fallible core function returns an sf_code; handles carry an
 * sf_error with the details (HTTP status, Salesforce or OAuth code, text).
 */
#ifndef SF_ERROR_H
#define SF_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Result codes. Values are stable: new codes are appended, none is ever
 * renumbered or reused.
 */
typedef enum sf_code {
  SF_OK = 0,
  SF_E_INVALID_ARG = 1,      /* a NULL, empty or malformed argument */
  SF_E_NOMEM = 2,            /* an allocation failed */
  SF_E_INIT = 3,             /* a library could not be initialised */
  SF_E_CONNECT = 4,          /* could not resolve or connect; nothing sent */
  SF_E_TIMEOUT = 5,          /* connect or total timeout expired */
  SF_E_TLS = 6,              /* TLS handshake or certificate check failed */
  SF_E_NETWORK = 7,          /* the connection failed while in use */
  SF_E_OUTCOME_UNKNOWN = 8,  /* a non-idempotent request was sent, then the
                                connection failed: it may have been applied */
  SF_E_TOO_LARGE = 9,        /* response over the configured size cap */
  SF_E_PROTOCOL = 10,        /* malformed HTTP or an unexpected reply */
  SF_E_BUSY = 11,            /* the handle is in use (request in flight) */
  SF_E_ABORTED = 12,         /* cancelled by the caller */
  SF_E_HTTP = 13,            /* the server answered with an error status */
  SF_E_INTERNAL = 14,        /* a library reported an unexpected failure */
  SF_E_NOT_FOUND = 15,       /* no such record, token set or profile */
  SF_E_STORE = 16,           /* the token store cannot be read or written */
  SF_E_CRYPTO = 17,          /* wrong key, or data that fails to decrypt */
  SF_E_LOCKED = 18,          /* a lock was not obtained in time */
  SF_E_OAUTH = 19,           /* the OAuth server refused (remote_code says
                                why: invalid_grant, invalid_client, ...) */
  SF_E_SIGNATURE = 20,       /* a token response signature did not verify */
  SF_E_UNTRUSTED_HOST = 21,  /* an instance or login URL not allowed */
  SF_E_STATE = 22,           /* OAuth state missing, wrong, replayed or
                                expired */
  SF_E_PENDING = 23,         /* device flow: the user has not approved yet */
  SF_E_SALESFORCE = 24,      /* the REST API answered with an error */
  SF_E_UNSUPPORTED_ORG = 25, /* a Trial org (or another refused edition) */
  SF_CODE_LAST_ = 26         /* one past the last code; not a result */
} sf_code;

/* Sizes of the fixed buffers of sf_error (including the NUL). */
#define SF_ERROR_CODE_MAX 64
#define SF_ERROR_MESSAGE_MAX 512

/*
 * The error record. Plain data, filled on failure; never allocates.
 * `code` is the sf_code; `http_status` is 0 when no response came;
 * `remote_code` holds a Salesforce errorCode ("INVALID_SESSION_ID") or an
 * OAuth error ("invalid_grant"), empty when there is none; `message` is a
 * readable sentence that never contains a secret.
 */
typedef struct sf_error {
  sf_code code;
  long http_status;
  char remote_code[SF_ERROR_CODE_MAX];
  char message[SF_ERROR_MESSAGE_MAX];
} sf_error;

/*
 * A short English description of `code` ("could not connect").
 * Returns a static string; never NULL, also for unknown values.
 */
const char *sf_strerror(sf_code code);

/*
 * The symbolic name of `code` ("SF_E_CONNECT"), or "SF_E_UNKNOWN".
 * Returns a static string; never NULL.
 */
const char *sf_code_name(sf_code code);

/* Resets `err` to SF_OK with empty strings. `err` may be NULL. */
void sf_error_clear(sf_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SF_ERROR_H */
