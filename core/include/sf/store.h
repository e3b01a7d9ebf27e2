/*
 * sf/store.h - the durable token store, keyed by (profile, user). Two
 * backends: a directory of files (mode 0600, written atomically with fsync
 * and rename, optionally sealed with AES-256-GCM) and memory. Values are
 * opaque bytes (the OAuth layer stores JSON). A per-key lock, exclusive
 * across processes, lets one process refresh while the others wait.
 * An sf_store is not thread-safe; use one per thread or serialise.
 *
 * On disk (file backend), in the store directory:
 *   <profile>=<user>.tok    the value; <user> escaped by libcurl's
 *                           curl_easy_escape (all but A-Za-z0-9-._~ as
 *                           %XX), e.g. "prod=alice%40example.com.tok"
 *   <profile>=<user>.lock   the lock file of the key (empty; kept)
 *   .tmp.XXXXXX             a write in progress, or one a crash cut short
 *                           (removed by the next open after 60 s)
 * A plain .tok file holds the value's bytes as they are. A sealed one is
 *   "LFTS1" | version 0x01 | 12-byte nonce | ciphertext | 16-byte tag
 * (AES-256-GCM, a fresh random nonce per write; the header, the profile,
 * a NUL and the user are the additional authenticated data, so a file
 * renamed to another key does not open).
 *
 * Every function taking an `err` resets it first; `err` may be NULL.
 */
#ifndef SF_STORE_H
#define SF_STORE_H

#include <stddef.h>

#include "sf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sf_store sf_store;

#define SF_STORE_KEY_BYTES 32

/*
 * Opens (creating it, mode 0700, when missing) the file store in `dir`.
 * `key` NULL: values are stored as they are; otherwise 32 bytes of an
 * AES-256 key used to seal every value (copied). Reading a file sealed
 * with another key, or a sealed file without a key, or a plain file with
 * a key, fails with SF_E_CRYPTO and a message that says which; nothing is
 * ever dropped or overwritten silently. `err` (may be NULL) gets the
 * details on failure. Writes the handle to *out (NULL on failure); free
 * it with sf_store_free.
 *
 * Missing parent directories are created too (mode 0700); an existing
 * directory is used with the mode it has. Temp files of writers that died
 * more than 60 s ago are removed; younger ones are left to their writer.
 * Returns SF_OK; SF_E_INVALID_ARG (NULL `out`, NULL or empty `dir`);
 * SF_E_STORE when `dir` exists and is not a directory, or cannot be
 * created or read (the message names the path and the system's reason);
 * SF_E_NOMEM. Needs no sf_global_init.
 */
sf_code sf_store_open_dir(sf_store **out, const char *dir,
                          const unsigned char *key, sf_error *err);

/*
 * Opens an empty in-memory store (for tests and embedders): the same
 * contract as the file store, values living until sf_store_free; locks
 * only exclude within the handle (SF_E_BUSY), never SF_E_LOCKED. Returns
 * SF_OK, SF_E_INVALID_ARG (NULL `out`) or SF_E_NOMEM.
 */
sf_code sf_store_open_memory(sf_store **out);

/*
 * Releases locks still held and frees the handle (key material and
 * in-memory values are wiped). NULL is harmless. After fork(), a child
 * freeing an inherited handle does not release the parent's locks.
 */
void sf_store_free(sf_store *store);

/*
 * Decodes a store key given as text: 64 hexadecimal digits (either case)
 * or the standard base64 of 32 bytes (44 characters ending in one '=').
 * White space around the text (a key file's newline) is ignored. Returns
 * SF_OK, or SF_E_INVALID_ARG when it is neither (or an argument is NULL),
 * leaving `key` untouched. Temporary copies of the key are wiped.
 */
sf_code sf_store_key_decode(const char *text,
                            unsigned char key[SF_STORE_KEY_BYTES]);

/*
 * Profile names: 1-64 of [A-Za-z0-9_-]. User names: 1-262144 bytes, any
 * text without NUL ("" is not allowed; the workspace's own token set uses
 * a fixed name chosen by the caller, such as "_workspace"). Anything else
 * is SF_E_INVALID_ARG.
 * The file backend names a key's file "<profile>=<escaped user>.tok";
 * when that name would be over 255 bytes, "<profile>#<SHA-256 of the
 * user, hex>.tok" instead, with the user written at the start of the file
 * (so sf_store_list still gives the real names). Files written by earlier
 * versions keep their names and are read as before.
 */

/*
 * Reads the value of (profile, user). On success *data is a new
 * NUL-terminated buffer the caller frees with free(), and *len its length
 * (without the NUL; `len` may be NULL). On failure *data is NULL and *len
 * 0. SF_E_NOT_FOUND when absent; SF_E_STORE when unreadable (the message
 * names the file and the reason); SF_E_CRYPTO as described above;
 * SF_E_INVALID_ARG; SF_E_NOMEM. Messages never contain the value.
 */
sf_code sf_store_get(sf_store *store, const char *profile, const char *user,
                     char **data, size_t *len, sf_error *err);

/*
 * Writes the value of (profile, user) durably: when this returns SF_OK the
 * new value survives a crash or power loss; if the process dies during the
 * call, the store holds either the old or the new value, never a mix.
 * `data` is borrowed for the call (NULL only when `len` is 0); at most
 * 16 MiB. Without a key, a value starting with "LFTS1" (the sealed-file
 * magic) is refused with SF_E_INVALID_ARG, as it would read back as a
 * sealed file. SF_E_STORE when the file cannot be written; if only the
 * final sync of the directory failed, the new value is in place but may
 * not survive a power loss. Does not take or check the lock.
 */
sf_code sf_store_put(sf_store *store, const char *profile, const char *user,
                     const char *data, size_t len, sf_error *err);

/*
 * Removes (profile, user), durably. SF_E_NOT_FOUND when it was absent;
 * SF_E_STORE, SF_E_INVALID_ARG. The key's lock file stays (another
 * process may be waiting on it).
 */
sf_code sf_store_delete(sf_store *store, const char *profile, const char *user,
                        sf_error *err);

/*
 * Calls fn(user, ud) for every user stored under `profile`, in no
 * particular order; the string is valid during the call only. A non-zero
 * return from fn stops the listing. fn may put and delete; whether a key
 * added during the listing is seen is unspecified. Lock files, temp files
 * and names the store would not write are skipped. Returns SF_OK,
 * SF_E_STORE, SF_E_INVALID_ARG (bad profile, NULL fn) or SF_E_NOMEM.
 */
sf_code sf_store_list(sf_store *store, const char *profile,
                      int (*fn)(const char *user, void *ud), void *ud,
                      sf_error *err);

/*
 * Takes the exclusive lock of (profile, user), waiting at most
 * `timeout_ms` (>= 0; 0 tries once; the wait polls every 5 ms). The lock
 * is held across processes and across handles of one process (file
 * backend: flock on a lock file beside the value) and is released by
 * sf_store_unlock, by sf_store_free, or when the process dies. Locks are
 * advisory: get, put and delete neither take nor check them. Locks do
 * not nest: locking a key this handle already holds is SF_E_BUSY.
 * SF_E_LOCKED on timeout; SF_E_STORE when the lock file cannot be opened;
 * SF_E_INVALID_ARG (also for a negative timeout).
 */
sf_code sf_store_lock(sf_store *store, const char *profile, const char *user,
                      long timeout_ms, sf_error *err);

/* Releases the lock of (profile, user) held by this handle; SF_OK, or
 * SF_E_INVALID_ARG if it does not hold it (or an argument is NULL). */
sf_code sf_store_unlock(sf_store *store, const char *profile, const char *user);

#ifdef __cplusplus
}
#endif

#endif /* SF_STORE_H */
