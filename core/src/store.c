/*
 * store.c - the token store's API. File backend: one file per (profile,
 * user) named with libcurl's escape, or with the SHA-256 of the user when
 * that name would be too long (the user then kept in the file), replaced
 * atomically and locked with flock (store_fs.c), optionally sealed
 * (store_crypto.c). Memory backend: a list with the same contract.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "internal.h"
#include "sf/store.h"

#define PROFILE_MAX 64
/* End-user ids of any script and length a host meets (a 64 KiB id and
 * the keys built of it fit); the file is named by a hash past 255 bytes. */
#define USER_MAX (256 * 1024)
#define VALUE_MAX ((size_t)16 * 1024 * 1024)
/* Longest file name: NAME_MAX of ext4, xfs, btrfs, tmpfs and APFS. */
#define FILE_NAME_MAX 255
#define VALUE_SUFFIX ".tok"
#define LOCK_SUFFIX ".lock"
/* A hashed file starts with this, the user and a NUL, then the value. */
#define USER_HEADER "SFUSER1 "
#define USER_HEADER_LEN (sizeof USER_HEADER - 1)

/*
 * One key of the store: a value (memory backend, `values` list) or a lock
 * this handle holds (`locks` list, both backends). `profile` holds the
 * profile, a NUL and the user; `user` points at the latter.
 */
typedef struct node {
  struct node *next;
  char *user;
  unsigned char *data; /* memory value, len bytes (NULL when len is 0) */
  size_t len;
  int fd; /* file backend lock: the flocked descriptor; else -1 */
  char profile[];
} node;

struct sf_store {
  char *dir; /* NULL for the memory backend */
  int sealed;
  unsigned char key[SF_STORE_KEY_BYTES];
  node *values;
  node *locks;
};

/* ---- helpers ---------------------------------------------------------- */

static int valid_profile(const char *p) {
  size_t n;
  for (n = 0; p[n]; n++) {
    char c = p[n];
    if (n == PROFILE_MAX ||
        !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return 0;
  }
  return n > 0;
}

static sf_code bad_profile(sf_error *err) {
  return sf__error_set(err, SF_E_INVALID_ARG,
                       "invalid profile name: use 1 to 64 of A-Z, a-z, 0-9, "
                       "'_' and '-'");
}

static sf_code not_found(sf_error *err, const char *profile, const char *user) {
  return sf__error_set(err, SF_E_NOT_FOUND,
                       "nothing stored for user \"%s\" of profile %s", user,
                       profile);
}

/* Checks the handle and the key of a call. */
static sf_code check_key(const sf_store *s, const char *profile,
                         const char *user, sf_error *err) {
  size_t n;
  if (!s)
    return sf__error_set(err, SF_E_INVALID_ARG, "no store handle");
  if (!profile || !valid_profile(profile))
    return bad_profile(err);
  n = user ? strlen(user) : 0;
  if (n == 0 || n > USER_MAX)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "invalid user name: use 1 to 262144 bytes");
  return SF_OK;
}

static node *node_new(const char *profile, const char *user) {
  size_t plen = strlen(profile), ulen = strlen(user);
  node *n = malloc(sizeof *n + plen + ulen + 2);
  if (!n)
    return NULL;
  n->next = NULL;
  n->data = NULL;
  n->len = 0;
  n->fd = -1;
  memcpy(n->profile, profile, plen + 1);
  n->user = n->profile + plen + 1;
  memcpy(n->user, user, ulen + 1);
  return n;
}

/* The link that points at the node of (profile, user), or at the NULL
 * that ends the list. */
static node **node_find(node **list, const char *profile, const char *user) {
  while (*list && (strcmp((*list)->profile, profile) != 0 ||
                   strcmp((*list)->user, user) != 0))
    list = &(*list)->next;
  return list;
}

static void node_free(node *n) {
  if (n->data) {
    OPENSSL_cleanse(n->data, n->len);
    free(n->data);
  }
  if (n->fd >= 0)
    close(n->fd);
  free(n);
}

/*
 * The path of a key's file: "<dir>/<profile>=<escaped user><suffix>". The
 * escape (libcurl's) leaves only [A-Za-z0-9._~-] and %XX, so no '=' and
 * no '/' can come from the user name and the name parses back uniquely.
 * When that name would be over FILE_NAME_MAX bytes, the file is
 * "<profile>#<hex SHA-256 of the user><suffix>" and *hashed is set: the
 * user is then written inside the file (USER_HEADER).
 */
static sf_code key_path(const sf_store *s, const char *profile,
                        const char *user, const char *suffix, char **out,
                        int *hashed, sf_error *err) {
  char *esc = curl_easy_escape(NULL, user, (int)strlen(user));
  char *name = NULL;
  char sep = '=';
  size_t elen, plen = strlen(profile);
  sf_code rc = SF_E_NOMEM;
  *out = NULL;
  *hashed = 0;
  if (!esc)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  elen = strlen(esc);
  if (plen + 1 + elen + sizeof LOCK_SUFFIX - 1 > FILE_NAME_MAX) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)user, strlen(user), md);
    /* fits: the escape was longer than the 64 hex digits and a NUL */
    if (!OPENSSL_buf2hexstr_ex(esc, elen + 1, NULL, md, sizeof md, '\0')) {
      sf__error_set(err, SF_E_INTERNAL, "cannot name the file of a user");
      goto done;
    }
    elen = 2 * sizeof md;
    sep = '#';
    *hashed = 1;
  }
  name = malloc(plen + 1 + elen + strlen(suffix) + 1);
  if (!name) {
    sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  memcpy(name, profile, plen);
  name[plen] = sep;
  memcpy(name + plen + 1, esc, elen);
  memcpy(name + plen + 1 + elen, suffix, strlen(suffix) + 1);
  *out = sf__store_join(s->dir, name);
  if (!*out) {
    sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  rc = SF_OK;
done:
  free(name);
  curl_free(esc);
  return rc;
}

/* ---- opening ---------------------------------------------------------- */

sf_code sf_store_open_dir(sf_store **out, const char *dir,
                          const unsigned char *key, sf_error *err) {
  sf_store *s = NULL;
  sf_code rc;
  sf_error_clear(err);
  if (!out)
    return sf__error_set(err, SF_E_INVALID_ARG, "no output handle");
  *out = NULL;
  if (!dir || !*dir)
    return sf__error_set(err, SF_E_INVALID_ARG, "no token directory given");
  rc = sf__store_make_dir(dir, err);
  if (rc != SF_OK)
    return rc;
  rc = sf__store_sweep(dir, err);
  if (rc != SF_OK)
    return rc;
  s = calloc(1, sizeof *s);
  if (!s)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  rc = sf__store_absolute(dir, &s->dir, err);
  if (rc != SF_OK) {
    free(s);
    return rc;
  }
  if (key) {
    memcpy(s->key, key, SF_STORE_KEY_BYTES);
    s->sealed = 1;
  }
  *out = s;
  return SF_OK;
}

sf_code sf_store_open_memory(sf_store **out) {
  if (!out)
    return SF_E_INVALID_ARG;
  *out = calloc(1, sizeof **out);
  return *out ? SF_OK : SF_E_NOMEM;
}

void sf_store_free(sf_store *store) {
  node *n;
  if (!store)
    return;
  while ((n = store->locks) != NULL) {
    store->locks = n->next;
    node_free(n); /* closing the descriptor releases the flock */
  }
  while ((n = store->values) != NULL) {
    store->values = n->next;
    node_free(n);
  }
  OPENSSL_cleanse(store->key, sizeof store->key);
  free(store->dir);
  free(store);
}

/* ---- reading ---------------------------------------------------------- */

static sf_code file_get(sf_store *s, const char *profile, const char *user,
                        char **data, size_t *len, sf_error *err) {
  char *path = NULL;
  unsigned char *raw = NULL, *plain = NULL;
  size_t rawlen = 0, plainlen = 0, ulen = strlen(user);
  int sealed, hashed;
  sf_code rc = key_path(s, profile, user, VALUE_SUFFIX, &path, &hashed, err);
  if (rc != SF_OK)
    return rc;
  rc = sf__store_read(path, VALUE_MAX + SF__SEAL_OVERHEAD + USER_MAX + 16, &raw,
                      &rawlen, err);
  if (rc == SF_E_NOT_FOUND)
    not_found(err, profile, user);
  if (rc != SF_OK)
    goto done;
  if (hashed) { /* the user written in the file must be this one */
    if (rawlen < USER_HEADER_LEN + ulen + 1 ||
        memcmp(raw, USER_HEADER, USER_HEADER_LEN) != 0 ||
        memcmp(raw + USER_HEADER_LEN, user, ulen + 1) != 0) {
      rc = not_found(err, profile, user);
      goto done;
    }
    rawlen -= USER_HEADER_LEN + ulen + 1;
    memmove(raw, raw + USER_HEADER_LEN + ulen + 1, rawlen);
  }
  sealed = sf__seal_is_sealed(raw, rawlen);
  if (s->sealed && !sealed) {
    rc = sf__error_set(err, SF_E_CRYPTO,
                       "token file %s is not sealed but a store key is set: "
                       "unset LUAFORCE_STORE_KEY to read it, or delete the "
                       "file and log in again",
                       path);
  } else if (!s->sealed && sealed) {
    rc = sf__error_set(err, SF_E_CRYPTO,
                       "token file %s is sealed and no store key is set: set "
                       "LUAFORCE_STORE_KEY to the key it was written with",
                       path);
  } else if (!s->sealed) {
    plain = raw;
    plainlen = rawlen;
    raw = NULL;
  } else {
    plain = malloc(rawlen + 1);
    if (!plain) {
      rc = sf__error_set(err, SF_E_NOMEM, NULL);
      goto done;
    }
    rc = sf__unseal(s->key, profile, user, raw, rawlen, plain, &plainlen, path,
                    err);
    if (rc != SF_OK) {
      free(plain); /* wiped by sf__unseal */
      plain = NULL;
    }
  }
  if (plain) {
    plain[plainlen] = '\0';
    *data = (char *)plain;
    if (len)
      *len = plainlen;
  }
done:
  if (raw) {
    OPENSSL_cleanse(raw, rawlen);
    free(raw);
  }
  free(path);
  return rc;
}

sf_code sf_store_get(sf_store *store, const char *profile, const char *user,
                     char **data, size_t *len, sf_error *err) {
  node *n;
  char *copy;
  sf_code rc;
  sf_error_clear(err);
  if (data)
    *data = NULL;
  if (len)
    *len = 0;
  rc = check_key(store, profile, user, err);
  if (rc != SF_OK)
    return rc;
  if (!data)
    return sf__error_set(err, SF_E_INVALID_ARG, "no output buffer");
  if (store->dir)
    return file_get(store, profile, user, data, len, err);
  n = *node_find(&store->values, profile, user);
  if (!n)
    return not_found(err, profile, user);
  copy = malloc(n->len + 1);
  if (!copy)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  if (n->len)
    memcpy(copy, n->data, n->len);
  copy[n->len] = '\0';
  *data = copy;
  if (len)
    *len = n->len;
  return SF_OK;
}

/* ---- writing ---------------------------------------------------------- */

static sf_code file_put(sf_store *s, const char *profile, const char *user,
                        const unsigned char *data, size_t len, sf_error *err) {
  char *path = NULL;
  unsigned char *buf = NULL;
  size_t hlen = 0, blen;
  int hashed;
  sf_code rc;
  if (!s->sealed && sf__seal_is_sealed(data, len))
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "a value that starts with \"" SF__SEAL_MAGIC
                         "\" cannot be stored unsealed");
  rc = key_path(s, profile, user, VALUE_SUFFIX, &path, &hashed, err);
  if (rc != SF_OK)
    return rc;
  if (hashed)
    hlen = USER_HEADER_LEN + strlen(user) + 1;
  blen = hlen + len + (s->sealed ? SF__SEAL_OVERHEAD : 0);
  buf = malloc(blen ? blen : 1);
  if (!buf) {
    rc = sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  if (hashed) {
    memcpy(buf, USER_HEADER, USER_HEADER_LEN);
    memcpy(buf + USER_HEADER_LEN, user, hlen - USER_HEADER_LEN);
  }
  if (s->sealed) {
    rc = sf__seal(s->key, profile, user, data, len, buf + hlen, err);
    if (rc != SF_OK)
      goto done;
  } else if (len) {
    memcpy(buf + hlen, data, len);
  }
  rc = sf__store_replace(s->dir, path, buf, blen, err);
done:
  if (buf) {
    OPENSSL_cleanse(buf, blen);
    free(buf);
  }
  free(path);
  return rc;
}

sf_code sf_store_put(sf_store *store, const char *profile, const char *user,
                     const char *data, size_t len, sf_error *err) {
  node **link, *n;
  unsigned char *copy = NULL;
  sf_code rc;
  sf_error_clear(err);
  rc = check_key(store, profile, user, err);
  if (rc != SF_OK)
    return rc;
  if (!data && len)
    return sf__error_set(err, SF_E_INVALID_ARG, "no value given");
  if (len > VALUE_MAX)
    return sf__error_set(err, SF_E_INVALID_ARG,
                         "value of %zu bytes over the %zu-byte limit", len,
                         VALUE_MAX);
  if (store->dir)
    return file_put(store, profile, user, (const unsigned char *)data, len,
                    err);
  if (len) {
    copy = malloc(len);
    if (!copy)
      return sf__error_set(err, SF_E_NOMEM, NULL);
    memcpy(copy, data, len);
  }
  link = node_find(&store->values, profile, user);
  n = *link;
  if (!n) {
    n = node_new(profile, user);
    if (!n) {
      free(copy);
      return sf__error_set(err, SF_E_NOMEM, NULL);
    }
    *link = n;
  } else if (n->data) {
    OPENSSL_cleanse(n->data, n->len);
    free(n->data);
  }
  n->data = copy;
  n->len = len;
  return SF_OK;
}

sf_code sf_store_delete(sf_store *store, const char *profile, const char *user,
                        sf_error *err) {
  node **link, *n;
  char *path = NULL;
  int hashed;
  sf_code rc;
  sf_error_clear(err);
  rc = check_key(store, profile, user, err);
  if (rc != SF_OK)
    return rc;
  if (!store->dir) {
    link = node_find(&store->values, profile, user);
    if (!*link)
      return not_found(err, profile, user);
    n = *link;
    *link = n->next;
    node_free(n);
    return SF_OK;
  }
  rc = key_path(store, profile, user, VALUE_SUFFIX, &path, &hashed, err);
  if (rc != SF_OK)
    return rc;
  if (unlink(path) != 0) {
    if (errno == ENOENT)
      rc = not_found(err, profile, user);
    else
      rc = sf__store_sys_error(err, "delete the token file", path, errno);
  } else {
    rc = sf__store_sync_dir(store->dir, err);
  }
  free(path);
  return rc;
}

/* ---- listing ---------------------------------------------------------- */

/*
 * The user written at the start of the hashed file `name` of `s` (as a
 * new string, free), or NULL when the file does not start as file_put
 * writes it.
 */
static char *hashed_user(const sf_store *s, const char *name, int *nomem) {
  char *path = sf__store_join(s->dir, name), *user = NULL;
  const size_t cap = USER_HEADER_LEN + USER_MAX + 1;
  unsigned char *head = NULL;
  size_t n = 0;
  FILE *f;
  if (!path || !(head = malloc(cap))) {
    *nomem = 1;
    goto done;
  }
  f = fopen(path, "rb");
  if (!f)
    goto done;
  n = fread(head, 1, cap, f);
  fclose(f);
  if (n > USER_HEADER_LEN && memcmp(head, USER_HEADER, USER_HEADER_LEN) == 0) {
    const unsigned char *end =
        memchr(head + USER_HEADER_LEN, '\0', n - USER_HEADER_LEN);
    if (end && end > head + USER_HEADER_LEN) {
      user = strdup((const char *)head + USER_HEADER_LEN);
      if (!user)
        *nomem = 1;
    }
  }
done:
  free(path);
  free(head);
  return user;
}

/*
 * The user of a directory entry of `profile`, as a new string (free), or
 * NULL when the entry is not one of the profile's values: another
 * profile, a lock or temp file, or a name this store would not have
 * written (not the canonical escape of a valid user name, or a hashed
 * name whose file names another user).
 */
static char *entry_user(const sf_store *s, const char *name,
                        const char *profile, int *nomem) {
  size_t plen = strlen(profile), nlen = strlen(name);
  size_t slen = sizeof VALUE_SUFFIX - 1, mlen;
  const char *mid = name + plen + 1;
  char *user, *esc, *copy = NULL;
  int ulen = 0, ok, hashed;
  if (nlen <= plen + 1 + slen || strncmp(name, profile, plen) != 0 ||
      (name[plen] != '=' && name[plen] != '#') ||
      strcmp(name + nlen - slen, VALUE_SUFFIX) != 0)
    return NULL;
  if (name[plen] == '#') {
    /* the file's name must be the one its user gives */
    char *path = NULL;
    const char *base;
    sf_error err;
    user = hashed_user(s, name, nomem);
    if (!user)
      return NULL;
    if (!valid_profile(profile) || strlen(user) > USER_MAX ||
        key_path(s, profile, user, VALUE_SUFFIX, &path, &hashed, &err) !=
            SF_OK) {
      free(user);
      return NULL;
    }
    base = strrchr(path, '/');
    ok = hashed && strcmp(base ? base + 1 : path, name) == 0;
    free(path);
    if (!ok) {
      free(user);
      return NULL;
    }
    return user;
  }
  mlen = nlen - plen - 1 - slen;
  user = curl_easy_unescape(NULL, mid, (int)mlen, &ulen);
  if (!user) {
    *nomem = 1;
    return NULL;
  }
  ok = ulen > 0 && ulen <= USER_MAX && !memchr(user, '\0', (size_t)ulen);
  if (ok) {
    esc = curl_easy_escape(NULL, user, ulen);
    if (!esc)
      *nomem = 1;
    ok = esc && strlen(esc) == mlen && memcmp(esc, mid, mlen) == 0;
    curl_free(esc);
  }
  if (ok) {
    copy = strdup(user);
    if (!copy)
      *nomem = 1;
  }
  curl_free(user);
  return copy;
}

static sf_code file_list(sf_store *s, const char *profile,
                         int (*fn)(const char *user, void *ud), void *ud,
                         sf_error *err) {
  DIR *d = opendir(s->dir);
  struct dirent *de;
  int nomem = 0, stop = 0, e;
  if (!d)
    return sf__store_sys_error(err, "read the token directory", s->dir, errno);
  while (!stop) {
    char *user;
    errno = 0;
    de = readdir(d);
    if (!de)
      break;
    user = entry_user(s, de->d_name, profile, &nomem);
    if (nomem) {
      closedir(d);
      return sf__error_set(err, SF_E_NOMEM, NULL);
    }
    if (user) {
      stop = fn(user, ud);
      free(user);
    }
  }
  e = stop ? 0 : errno;
  closedir(d);
  if (e != 0)
    return sf__store_sys_error(err, "read the token directory", s->dir, e);
  return SF_OK;
}

/* The memory backend lists a snapshot, so that fn may change the store. */
static sf_code memory_list(sf_store *s, const char *profile,
                           int (*fn)(const char *user, void *ud), void *ud,
                           sf_error *err) {
  node *n, *snap = NULL, **tail = &snap;
  sf_code rc = SF_OK;
  for (n = s->values; n; n = n->next) {
    if (strcmp(n->profile, profile) != 0)
      continue;
    *tail = node_new(n->profile, n->user);
    if (!*tail) {
      rc = sf__error_set(err, SF_E_NOMEM, NULL);
      goto done;
    }
    tail = &(*tail)->next;
  }
  for (n = snap; n; n = n->next)
    if (fn(n->user, ud) != 0)
      break;
done:
  while ((n = snap) != NULL) {
    snap = n->next;
    node_free(n);
  }
  return rc;
}

sf_code sf_store_list(sf_store *store, const char *profile,
                      int (*fn)(const char *user, void *ud), void *ud,
                      sf_error *err) {
  sf_error_clear(err);
  if (!store || !fn)
    return sf__error_set(err, SF_E_INVALID_ARG, "no store or no callback");
  if (!profile || !valid_profile(profile))
    return bad_profile(err);
  if (store->dir)
    return file_list(store, profile, fn, ud, err);
  return memory_list(store, profile, fn, ud, err);
}

/* ---- locks ------------------------------------------------------------ */

/* Takes the flock of n's lock file, waiting at most `timeout_ms`. */
static sf_code file_lock(sf_store *s, node *n, long timeout_ms, sf_error *err) {
  char *path = NULL;
  int hashed;
  sf_code rc =
      key_path(s, n->profile, n->user, LOCK_SUFFIX, &path, &hashed, err);
  if (rc != SF_OK)
    return rc;
  rc = sf__store_flock(path, timeout_ms, &n->fd, err);
  if (rc == SF_E_LOCKED)
    sf__error_set(err, SF_E_LOCKED,
                  "the lock of user \"%s\" of profile %s is held elsewhere; "
                  "gave up after %ld ms",
                  n->user, n->profile, timeout_ms);
  free(path);
  return rc;
}

sf_code sf_store_lock(sf_store *store, const char *profile, const char *user,
                      long timeout_ms, sf_error *err) {
  node **link, *n;
  sf_code rc;
  sf_error_clear(err);
  rc = check_key(store, profile, user, err);
  if (rc != SF_OK)
    return rc;
  if (timeout_ms < 0)
    return sf__error_set(err, SF_E_INVALID_ARG, "negative lock timeout");
  link = node_find(&store->locks, profile, user);
  if (*link)
    return sf__error_set(err, SF_E_BUSY,
                         "this handle already holds the lock of user \"%s\" "
                         "of profile %s",
                         user, profile);
  n = node_new(profile, user);
  if (!n)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  if (store->dir) {
    rc = file_lock(store, n, timeout_ms, err);
    if (rc != SF_OK) {
      node_free(n);
      return rc;
    }
  }
  *link = n;
  return SF_OK;
}

sf_code sf_store_unlock(sf_store *store, const char *profile,
                        const char *user) {
  node **link, *n;
  if (!store || !profile || !user)
    return SF_E_INVALID_ARG;
  link = node_find(&store->locks, profile, user);
  if (!*link)
    return SF_E_INVALID_ARG;
  n = *link;
  *link = n->next;
  node_free(n); /* closes the descriptor: the flock goes with it */
  return SF_OK;
}
