/*
 * test_store.c - the token store: the contract of every function on both
 * backends, file modes, sealing (wrong key, missing key, renamed and
 * tampered files), key decoding, locks across handles and processes, and
 * SIGKILL of a writer mid-put (the store must hold one whole value).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "internal.h"
#include "sf/sf.h"
#include "sftest.h"

/* ---- helpers ------------------------------------------------------------ */

static char root[256]; /* this run's scratch directory */
static int dir_seq;

/* A fresh path under the scratch directory (not created). */
static const char *fresh_dir(char *buf, size_t size) {
  snprintf(buf, size, "%s/s%d", root, ++dir_seq);
  return buf;
}

static void rm_rf(const char *path) {
  struct stat st;
  DIR *d;
  struct dirent *de;
  char sub[1024];
  if (lstat(path, &st) != 0)
    return;
  if (S_ISDIR(st.st_mode)) {
    chmod(path, 0700);
    d = opendir(path);
    while (d && (de = readdir(d)) != NULL) {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
      rm_rf(sub);
    }
    if (d)
      closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

static const unsigned char key1[SF_STORE_KEY_BYTES] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const unsigned char key2[SF_STORE_KEY_BYTES] = {
    31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
    15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1,  0};

static sf_store *open_dir(const char *dir, const unsigned char *key) {
  sf_store *s = NULL;
  sf_error err;
  if (sf_store_open_dir(&s, dir, key, &err) != SF_OK) {
    fprintf(stderr, "  open %s: %s\n", dir, err.message);
    return NULL;
  }
  return s;
}

static sf_code put_str(sf_store *s, const char *profile, const char *user,
                       const char *value) {
  return sf_store_put(s, profile, user, value, strlen(value), NULL);
}

/* Reads (profile, user) and compares it with `want` (NULL: expect `rc`). */
static void check_get(sf_store *s, const char *profile, const char *user,
                      const char *want, sf_code rc) {
  char *data = (char *)"unchanged";
  size_t len = 99;
  sf_error err;
  CHECK_INT(sf_store_get(s, profile, user, &data, &len, &err),
            want ? SF_OK : rc);
  if (want) {
    CHECK_STR(data, want);
    CHECK_INT(len, strlen(want));
  } else {
    CHECK(data == NULL);
    CHECK_INT(len, 0);
    CHECK_INT(err.code, rc);
    CHECK(err.message[0] != '\0');
  }
  free(data);
}

static char file_buf[1024];
static const char *file_in(const char *dir, const char *name) {
  if (snprintf(file_buf, sizeof file_buf, "%s/%s", dir, name) >=
      (int)sizeof file_buf)
    return "(too long)";
  return file_buf;
}

static int file_mode(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Reads a whole small file; returns its length or -1. */
static long slurp(const char *path, unsigned char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  long got = 0;
  ssize_t n;
  if (fd < 0)
    return -1;
  while ((n = read(fd, buf + got, size - (size_t)got)) > 0)
    got += n;
  close(fd);
  return got;
}

static int spit(const char *path, const unsigned char *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int ok = fd >= 0 && write(fd, buf, len) == (ssize_t)len;
  if (fd >= 0)
    close(fd);
  return ok ? 0 : -1;
}

static int contains(const void *hay, size_t hlen, const char *needle) {
  size_t nlen = strlen(needle), i;
  for (i = 0; i + nlen <= hlen; i++)
    if (memcmp((const char *)hay + i, needle, nlen) == 0)
      return 1;
  return 0;
}

/* Collects list output as "a|b|..." sorted, for comparison. */
typedef struct names {
  char *v[64];
  int n;
  int stop_after; /* 0: never */
} names;

static int collect(const char *user, void *ud) {
  names *ns = ud;
  size_t len = strlen(user) + 1;
  if (ns->n < 64 && (ns->v[ns->n] = malloc(len)) != NULL)
    memcpy(ns->v[ns->n++], user, len);
  return ns->stop_after && ns->n >= ns->stop_after;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *joined(names *ns, char *buf, size_t size) {
  int i;
  size_t len = 0;
  qsort(ns->v, (size_t)ns->n, sizeof ns->v[0], cmp_str);
  buf[0] = '\0';
  for (i = 0; i < ns->n; i++) {
    len +=
        (size_t)snprintf(buf + len, size - len, "%s%s", i ? "|" : "", ns->v[i]);
    free(ns->v[i]);
  }
  ns->n = 0;
  return buf;
}

static const char *list_of(sf_store *s, const char *profile) {
  static char buf[4096];
  names ns = {{0}, 0, 0};
  if (sf_store_list(s, profile, collect, &ns, NULL) != SF_OK)
    return "(error)";
  return joined(&ns, buf, sizeof buf);
}

static long long elapsed_since(long long t0) {
  return sf__now_ms() - t0;
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* ---- key decoding ------------------------------------------------------- */

static void key_decode(void) {
  unsigned char k[SF_STORE_KEY_BYTES], zero[SF_STORE_KEY_BYTES] = {0};
  char hex[80], b64[64];
  int i;
  for (i = 0; i < SF_STORE_KEY_BYTES; i++)
    snprintf(hex + 2 * i, 3, "%02x", key1[i]);
  memset(k, 0xee, sizeof k);
  CHECK_INT(sf_store_key_decode(hex, k), SF_OK);
  CHECK(memcmp(k, key1, sizeof k) == 0);
  for (i = 0; hex[i]; i++)
    if (hex[i] >= 'a')
      hex[i] = (char)(hex[i] - 'a' + 'A');
  memset(k, 0xee, sizeof k);
  CHECK_INT(sf_store_key_decode(hex, k), SF_OK);
  CHECK(memcmp(k, key1, sizeof k) == 0);

  /* base64 of key1, spelt out (not produced by the code under test) */
  memset(k, 0xee, sizeof k);
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", k),
      SF_OK);
  CHECK(memcmp(k, key1, sizeof k) == 0);
  CHECK_INT(
      sf_store_key_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", k),
      SF_OK);
  CHECK(memcmp(k, zero, sizeof k) == 0);
  /* and agreeing with OpenSSL's encoder for another key */
  EVP_EncodeBlock((unsigned char *)b64, key2, SF_STORE_KEY_BYTES);
  CHECK_INT(strlen(b64), 44);
  CHECK_INT(sf_store_key_decode(b64, k), SF_OK);
  CHECK(memcmp(k, key2, sizeof k) == 0);
  /* surrounding white space, as from a key file, is ignored */
  snprintf(b64 + 44, sizeof b64 - 44, "\n");
  CHECK_INT(sf_store_key_decode(b64, k), SF_OK);
  CHECK(memcmp(k, key2, sizeof k) == 0);

  /* failures leave the key alone */
  memset(k, 0x5a, sizeof k);
  CHECK_INT(sf_store_key_decode(NULL, k), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_key_decode(hex, NULL), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_key_decode("", k), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_key_decode("   ", k), SF_E_INVALID_ARG);
  hex[63] = '\0'; /* 63 digits */
  CHECK_INT(sf_store_key_decode(hex, k), SF_E_INVALID_ARG);
  hex[63] = 'F';
  hex[64] = 'F'; /* 65 digits */
  hex[65] = '\0';
  CHECK_INT(sf_store_key_decode(hex, k), SF_E_INVALID_ARG);
  hex[64] = '\0';
  hex[10] = 'g'; /* not a digit */
  CHECK_INT(sf_store_key_decode(hex, k), SF_E_INVALID_ARG);
  hex[10] = ' ';
  CHECK_INT(sf_store_key_decode(hex, k), SF_E_INVALID_ARG);
  hex[10] = '-';
  CHECK_INT(sf_store_key_decode(hex, k), SF_E_INVALID_ARG);
  /* 16 bytes (a 128-bit key) in hex */
  CHECK_INT(sf_store_key_decode("000102030405060708090a0b0c0d0e0f", k),
            SF_E_INVALID_ARG);
  /* base64 of 31 and of 33 bytes, both 44 characters */
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", k),
      SF_E_INVALID_ARG);
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", k),
      SF_E_INVALID_ARG);
  /* no padding, a bad character, the URL-safe alphabet */
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", k),
      SF_E_INVALID_ARG);
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw*Hh8=", k),
      SF_E_INVALID_ARG);
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw_Hh8=", k),
      SF_E_INVALID_ARG);
  CHECK_INT(
      sf_store_key_decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw Hh8=", k),
      SF_E_INVALID_ARG);
  for (i = 0; i < SF_STORE_KEY_BYTES; i++)
    CHECK_INT(k[i], 0x5a);
}

/* ---- the contract, on both backends ------------------------------------- */

static void contract(sf_store *s) {
  sf_error err;
  char *data = NULL;
  size_t len = 0;
  names ns = {{0}, 0, 1};
  char buf[256];

  check_get(s, "default", "alice", NULL, SF_E_NOT_FOUND);
  CHECK_INT(put_str(s, "default", "alice", "{\"v\":1}"), SF_OK);
  check_get(s, "default", "alice", "{\"v\":1}", SF_OK);
  CHECK_INT(put_str(s, "default", "alice", "{\"v\":2, \"longer\":true}"),
            SF_OK);
  check_get(s, "default", "alice", "{\"v\":2, \"longer\":true}", SF_OK);
  CHECK_INT(put_str(s, "default", "alice", "3"), SF_OK);
  check_get(s, "default", "alice", "3", SF_OK);
  /* the same user in another profile is another key */
  check_get(s, "other", "alice", NULL, SF_E_NOT_FOUND);
  CHECK_INT(put_str(s, "other", "alice", "o"), SF_OK);
  check_get(s, "default", "alice", "3", SF_OK);
  check_get(s, "other", "alice", "o", SF_OK);

  /* binary values with NUL bytes, and the empty value */
  CHECK_INT(sf_store_put(s, "default", "bin", "a\0b\0", 4, &err), SF_OK);
  CHECK_INT(sf_store_get(s, "default", "bin", &data, &len, &err), SF_OK);
  CHECK_INT(len, 4);
  CHECK(data && memcmp(data, "a\0b\0", 5) == 0); /* and NUL-terminated */
  free(data);
  CHECK_INT(sf_store_put(s, "default", "empty", NULL, 0, &err), SF_OK);
  CHECK_INT(sf_store_get(s, "default", "empty", &data, NULL, &err), SF_OK);
  CHECK_STR(data, "");
  free(data);

  CHECK_STR(list_of(s, "default"), "alice|bin|empty");
  CHECK_STR(list_of(s, "other"), "alice");
  CHECK_STR(list_of(s, "nobody"), "");
  /* a non-zero return stops the listing */
  CHECK_INT(sf_store_list(s, "default", collect, &ns, &err), SF_OK);
  CHECK_INT(ns.n, 1);
  joined(&ns, buf, sizeof buf);

  CHECK_INT(sf_store_delete(s, "default", "bin", &err), SF_OK);
  check_get(s, "default", "bin", NULL, SF_E_NOT_FOUND);
  CHECK_INT(sf_store_delete(s, "default", "bin", &err), SF_E_NOT_FOUND);
  CHECK_INT(err.code, SF_E_NOT_FOUND);
  CHECK_INT(sf_store_delete(s, "default", "empty", NULL), SF_OK);
  CHECK_STR(list_of(s, "default"), "alice");
  CHECK_INT(sf_store_delete(s, "other", "alice", NULL), SF_OK);
  CHECK_STR(list_of(s, "other"), "");
  check_get(s, "default", "alice", "3", SF_OK);

  /* locks within one handle */
  CHECK_INT(sf_store_lock(s, "default", "alice", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(s, "default", "alice", 50, &err), SF_E_BUSY);
  CHECK_INT(err.code, SF_E_BUSY);
  CHECK_INT(sf_store_lock(s, "default", "bob", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(s, "other", "alice", 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(s, "default", "alice"), SF_OK);
  CHECK_INT(sf_store_unlock(s, "default", "alice"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_lock(s, "default", "alice", 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(s, "default", "alice"), SF_OK);
  CHECK_INT(sf_store_unlock(s, "default", "bob"), SF_OK);
  CHECK_INT(sf_store_unlock(s, "nobody", "x"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_lock(s, "default", "x", -1, &err), SF_E_INVALID_ARG);
  /* locks are not listed; ("other", "alice") stays held until free */
  CHECK_STR(list_of(s, "other"), "");
}

/* Argument checks shared by both backends. */
static void bad_arguments(sf_store *s) {
  static const char *bad_profiles[] = {"",  "a b", "a/b",      "a=b", "..",
                                       ".", "a.b", "\xc3\xa9", "a%b", NULL};
  static char long_user[256 * 1024 + 2];
  char long_profile[66];
  char *data = (char *)"x";
  sf_error err;
  int i;
  memset(long_profile, 'p', 65);
  long_profile[65] = '\0';
  memset(long_user, 'u', 256 * 1024 + 1); /* one byte over the limit */
  long_user[256 * 1024 + 1] = '\0';
  for (i = 0; bad_profiles[i]; i++) {
    CHECK_INT(put_str(s, bad_profiles[i], "u", "v"), SF_E_INVALID_ARG);
    CHECK_INT(sf_store_get(s, bad_profiles[i], "u", &data, NULL, &err),
              SF_E_INVALID_ARG);
    CHECK(strstr(err.message, "profile") != NULL);
    CHECK_INT(sf_store_delete(s, bad_profiles[i], "u", &err), SF_E_INVALID_ARG);
    CHECK_INT(sf_store_list(s, bad_profiles[i], collect, NULL, &err),
              SF_E_INVALID_ARG);
    CHECK_INT(sf_store_lock(s, bad_profiles[i], "u", 0, &err),
              SF_E_INVALID_ARG);
  }
  CHECK_INT(put_str(s, long_profile, "u", "v"), SF_E_INVALID_ARG);
  long_profile[64] = '\0'; /* 64 is the longest allowed */
  CHECK_INT(put_str(s, long_profile, "u", "v"), SF_OK);
  check_get(s, long_profile, "u", "v", SF_OK);
  CHECK_INT(sf_store_delete(s, long_profile, "u", NULL), SF_OK);
  CHECK_INT(put_str(s, "Az09_-", "u", "v"), SF_OK);
  CHECK_INT(sf_store_delete(s, "Az09_-", "u", NULL), SF_OK);

  CHECK_INT(put_str(s, NULL, "u", "v"), SF_E_INVALID_ARG);
  CHECK_INT(put_str(s, "p", "", "v"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_put(s, "p", NULL, "v", 1, &err), SF_E_INVALID_ARG);
  CHECK(strstr(err.message, "user") != NULL);
  CHECK_INT(put_str(s, "p", long_user, "v"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_put(s, "p", "u", NULL, 3, &err), SF_E_INVALID_ARG);
  /* over the 16 MiB cap: refused before the bytes are read */
  CHECK_INT(sf_store_put(s, "p", "u", "v", (size_t)16 * 1024 * 1024 + 1, &err),
            SF_E_INVALID_ARG);
  CHECK(strstr(err.message, "limit") != NULL);
  CHECK_INT(sf_store_get(s, "p", "", &data, NULL, &err), SF_E_INVALID_ARG);
  CHECK(data == NULL);
  CHECK_INT(sf_store_get(s, "p", "u", NULL, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_delete(s, "p", NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_list(s, "p", NULL, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_lock(s, "p", long_user, 0, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_unlock(s, NULL, "u"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_unlock(s, "p", NULL), SF_E_INVALID_ARG);

  CHECK_INT(sf_store_put(NULL, "p", "u", "v", 1, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_get(NULL, "p", "u", &data, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_delete(NULL, "p", "u", &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_list(NULL, "p", collect, NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_lock(NULL, "p", "u", 0, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_unlock(NULL, "p", "u"), SF_E_INVALID_ARG);
  CHECK_STR(list_of(s, "p"), "");
}

/* User names that are awkward in file names survive, and list back. */
static const char *const odd_users[] = {
    "alice@example.com",
    "a/b",
    "../../etc/passwd",
    "..",
    ".",
    "with space",
    "\xc3\xa9l\xc3\xa8ve \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
    "100%",
    "a=b",
    "x.lock",
    "y.tok",
    ".tmp.abcdef",
    "tab\there",
    NULL};

static void odd_user_names(sf_store *s) {
  char want[4096], value[64];
  names ns = {{0}, 0, 0};
  const char *sorted[16];
  size_t n = 0, len = 0, i;
  for (i = 0; odd_users[i]; i++) {
    snprintf(value, sizeof value, "value %zu", i);
    CHECK_INT(put_str(s, "odd", odd_users[i], value), SF_OK);
    sorted[n++] = odd_users[i];
  }
  for (i = 0; odd_users[i]; i++) {
    snprintf(value, sizeof value, "value %zu", i);
    check_get(s, "odd", odd_users[i], value, SF_OK);
  }
  qsort(sorted, n, sizeof sorted[0], cmp_str);
  want[0] = '\0';
  for (i = 0; i < n; i++)
    len += (size_t)snprintf(want + len, sizeof want - len, "%s%s", i ? "|" : "",
                            sorted[i]);
  CHECK_STR(list_of(s, "odd"), want);
  /* locks of odd names work too, and are not listed */
  CHECK_INT(sf_store_lock(s, "odd", "a/b", 0, NULL), SF_OK);
  CHECK_INT(sf_store_lock(s, "odd", "..", 0, NULL), SF_OK);
  CHECK_STR(list_of(s, "odd"), want);
  CHECK_INT(sf_store_unlock(s, "odd", "a/b"), SF_OK);
  CHECK_INT(sf_store_unlock(s, "odd", ".."), SF_OK);
  for (i = 0; odd_users[i]; i++)
    CHECK_INT(sf_store_delete(s, "odd", odd_users[i], NULL), SF_OK);
  CHECK_INT(sf_store_list(s, "odd", collect, &ns, NULL), SF_OK);
  CHECK_INT(ns.n, 0);
}

static void memory_backend(void) {
  sf_store *s = NULL, *t = NULL;
  char *data = NULL;
  names ns = {{0}, 0, 0};
  char buf[256];
  CHECK_INT(sf_store_open_memory(NULL), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_open_memory(&s), SF_OK);
  CHECK(s != NULL);
  contract(s);
  bad_arguments(s);
  odd_user_names(s);
  /* a value starting with the sealed-file magic is just bytes here */
  CHECK_INT(put_str(s, "p", "m", "LFTS1\x01xyz"), SF_OK);
  check_get(s, "p", "m", "LFTS1\x01xyz", SF_OK);
  /* two memory stores are independent */
  CHECK_INT(sf_store_open_memory(&t), SF_OK);
  CHECK_INT(sf_store_get(t, "p", "m", &data, NULL, NULL), SF_E_NOT_FOUND);
  CHECK_INT(sf_store_lock(t, "default", "alice", 0, NULL), SF_OK);
  /* the listing is a snapshot: the callback may delete */
  CHECK_INT(put_str(s, "snap", "a", "1"), SF_OK);
  CHECK_INT(put_str(s, "snap", "b", "2"), SF_OK);
  CHECK_INT(sf_store_list(s, "snap", collect, &ns, NULL), SF_OK);
  CHECK_STR(joined(&ns, buf, sizeof buf), "a|b");
  sf_store_free(t); /* with a lock held */
  sf_store_free(s); /* with values and a lock held */
  sf_store_free(NULL);
}

static int delete_each(const char *user, void *ud) {
  return sf_store_delete(ud, "snap", user, NULL) != SF_OK;
}

static void memory_list_callback_may_delete(void) {
  sf_store *s = NULL;
  int i;
  char user[8];
  CHECK_INT(sf_store_open_memory(&s), SF_OK);
  for (i = 0; i < 5; i++) {
    snprintf(user, sizeof user, "u%d", i);
    CHECK_INT(put_str(s, "snap", user, "v"), SF_OK);
  }
  CHECK_INT(sf_store_list(s, "snap", delete_each, s, NULL), SF_OK);
  CHECK_STR(list_of(s, "snap"), "");
  sf_store_free(s);
}

/* ---- the file backend --------------------------------------------------- */

static void file_backend(void) {
  char dir[512], user[8];
  int i;
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL), *t;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  contract(s);
  bad_arguments(s);
  odd_user_names(s);
  /* a second handle on the same directory sees the same data */
  t = open_dir(dir, NULL);
  CHECK(t != NULL);
  check_get(t, "default", "alice", "3", SF_OK);
  CHECK_INT(put_str(t, "default", "alice", "from t"), SF_OK);
  check_get(s, "default", "alice", "from t", SF_OK);
  CHECK_STR(list_of(t, "default"), "alice");
  /* the listing callback may delete */
  for (i = 0; i < 5; i++) {
    snprintf(user, sizeof user, "u%d", i);
    CHECK_INT(put_str(s, "snap", user, "v"), SF_OK);
  }
  CHECK_INT(sf_store_list(s, "snap", delete_each, s, NULL), SF_OK);
  CHECK_STR(list_of(t, "snap"), "");
  sf_store_free(t);
  sf_store_free(s); /* with ("other", "alice") still locked */
}

static void file_names_and_modes(void) {
  char parent[512], nested[1024], dir[1024];
  sf_store *s;
  mode_t old = umask(0); /* the store's modes must not depend on it */
  long n;
  unsigned char buf[64];
  snprintf(parent, sizeof parent, "%s/n%d", root, ++dir_seq);
  snprintf(nested, sizeof nested, "%s/a/b/", parent);
  s = open_dir(nested, NULL);
  umask(old);
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  snprintf(dir, sizeof dir, "%s/a/b", parent);
  CHECK_INT(file_mode(dir), 0700);
  CHECK_INT(file_mode(parent) & 077, 0);
  old = umask(0);
  CHECK_INT(put_str(s, "prod", "alice@example.com", "{\"t\":1}"), SF_OK);
  CHECK_INT(sf_store_lock(s, "prod", "alice@example.com", 0, NULL), SF_OK);
  umask(old);
  /* the escaped names, libcurl's encoding; values are the raw bytes */
  CHECK_INT(file_mode(file_in(dir, "prod=alice%40example.com.tok")), 0600);
  CHECK_INT(file_mode(file_in(dir, "prod=alice%40example.com.lock")), 0600);
  n = slurp(file_in(dir, "prod=alice%40example.com.tok"), buf, sizeof buf);
  CHECK_INT(n, 7);
  CHECK(n == 7 && memcmp(buf, "{\"t\":1}", 7) == 0);
  CHECK_INT(put_str(s, "prod", "a/b c", "x"), SF_OK);
  CHECK_INT(file_mode(file_in(dir, "prod=a%2Fb%20c.tok")), 0600);
  /* overwriting keeps the mode, also under a restrictive umask */
  old = umask(0277);
  CHECK_INT(put_str(s, "prod", "a/b c", "y"), SF_OK);
  umask(old);
  CHECK_INT(file_mode(file_in(dir, "prod=a%2Fb%20c.tok")), 0600);
  check_get(s, "prod", "a/b c", "y", SF_OK);
  /* deleting the value leaves the lock file (it may be in use) */
  CHECK_INT(sf_store_unlock(s, "prod", "alice@example.com"), SF_OK);
  CHECK_INT(sf_store_delete(s, "prod", "alice@example.com", NULL), SF_OK);
  CHECK_INT(file_mode(file_in(dir, "prod=alice%40example.com.tok")), -1);
  CHECK_INT(file_mode(file_in(dir, "prod=alice%40example.com.lock")), 0600);
  sf_store_free(s);
  /* an existing directory is used as it is */
  CHECK_INT(chmod(dir, 0750), 0);
  s = open_dir(dir, NULL);
  CHECK(s != NULL);
  CHECK_INT(file_mode(dir), 0750);
  sf_store_free(s);
}

/* A relative path names the directory it meant at open, whatever the
 * process's working directory becomes. */
static void relative_dir(void) {
  char cwd[1024], path[1024];
  sf_store *s = NULL;
  if (!getcwd(cwd, sizeof cwd) || chdir(root) != 0) {
    CHECK(!"chdir");
    return;
  }
  s = open_dir("rel/store", NULL);
  CHECK_INT(chdir("/"), 0);
  CHECK(s != NULL);
  CHECK_INT(put_str(s, "p", "u", "v"), SF_OK);
  check_get(s, "p", "u", "v", SF_OK);
  CHECK_INT(sf_store_lock(s, "p", "u", 0, NULL), SF_OK);
  snprintf(path, sizeof path, "%s/rel/store/p=u.tok", root);
  CHECK_INT(file_mode(path), 0600);
  sf_store_free(s);
  CHECK_INT(chdir(cwd), 0);
}

/* The hashed file of `user` in profile "p" of `dir` (its SHA-256 in hex). */
static const char *hashed_file(const char *dir, const char *user) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  char name[80];
  SHA256((const unsigned char *)user, strlen(user), md);
  memcpy(name, "p#", 2);
  OPENSSL_buf2hexstr_ex(name + 2, 65, NULL, md, sizeof md, '\0');
  strcat(name, ".tok");
  return file_in(dir, name);
}

/* sf_store_list callback: counts the users equal to want->user. */
typedef struct {
  const char *user;
  int seen;
} wanted;

static int count_same(const char *user, void *ud) {
  wanted *want = ud;
  if (strcmp(user, want->user) == 0)
    want->seen++;
  return 0;
}

/* End-user ids of 64 KiB (and of 10 KiB of e-acute, which escaping
 * makes 60 KiB) are stored, read, locked and listed back. */
static void huge_user_names(void) {
  char dir[512];
  static char user[64 * 1024 + 1], accented[10 * 1024 + 1];
  wanted want;
  size_t i;
  sf_error err;
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  memset(user, 'u', sizeof user - 1);
  for (i = 0; i + 2 <= sizeof accented - 1; i += 2)
    memcpy(accented + i, "\xc3\xa9", 2);
  CHECK_INT(put_str(s, "p", user, "big"), SF_OK);
  CHECK_INT(put_str(s, "p", accented, "acc"), SF_OK);
  check_get(s, "p", user, "big", SF_OK);
  check_get(s, "p", accented, "acc", SF_OK);
  CHECK_INT(sf_store_lock(s, "p", user, 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(s, "p", user), SF_OK);
  want.user = user;
  want.seen = 0;
  CHECK_INT(sf_store_list(s, "p", count_same, &want, &err), SF_OK);
  CHECK_INT(want.seen, 1);
  want.user = accented;
  want.seen = 0;
  CHECK_INT(sf_store_list(s, "p", count_same, &want, &err), SF_OK);
  CHECK_INT(want.seen, 1);
  sf_store_free(s);
}

static void long_user_names(void) {
  char dir[512], user[257], profile[65], other[257];
  unsigned char buf[1024];
  long n;
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  sf_error err;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  /* 64 + 1 + 185 + ".lock" is 255: the longest escaped name */
  memset(profile, 'p', 64);
  profile[64] = '\0';
  memset(user, 'u', 185);
  user[185] = '\0';
  CHECK_INT(put_str(s, profile, user, "v"), SF_OK);
  check_get(s, profile, user, "v", SF_OK);
  CHECK_INT(sf_store_lock(s, profile, user, 0, &err), SF_OK);
  /* one byte more: the file is named by the user's hash */
  user[185] = 'u';
  user[186] = '\0';
  CHECK_INT(put_str(s, profile, user, "w"), SF_OK);
  check_get(s, profile, user, "w", SF_OK);
  CHECK_INT(sf_store_lock(s, profile, user, 0, &err), SF_OK);
  CHECK_INT(sf_store_unlock(s, profile, user), SF_OK);
  user[185] = '\0';
  check_get(s, profile, user, "v", SF_OK); /* the other one is untouched */
  /* 256 bytes that escaping triples, of another alphabet, list back */
  memset(user, '@', 256);
  user[256] = '\0';
  CHECK_INT(put_str(s, "p", user, "at"), SF_OK);
  check_get(s, "p", user, "at", SF_OK);
  memcpy(other, user, sizeof other);
  for (n = 0; n + 2 <= 256; n += 2)
    memcpy(other + n, "\xc3\xa9", 2); /* e-acute, 128 times */
  CHECK_INT(put_str(s, "p", other, "e"), SF_OK);
  check_get(s, "p", other, "e", SF_OK);
  CHECK_INT(strlen(list_of(s, "p")), 256 + 1 + 256);
  CHECK(strstr(list_of(s, "p"), user) != NULL);
  CHECK(strstr(list_of(s, "p"), other) != NULL);
  /* the file keeps the user; a file whose user is another is not theirs */
  n = slurp(hashed_file(dir, user), buf, sizeof buf);
  CHECK_INT(n, 8 + 256 + 1 + 2);
  CHECK(memcmp(buf, "SFUSER1 ", 8) == 0);
  CHECK(memcmp(buf + 8, user, 257) == 0);
  CHECK_INT(unlink(hashed_file(dir, other)), 0);
  {
    char from[1024];
    snprintf(from, sizeof from, "%s", hashed_file(dir, user));
    CHECK_INT(rename(from, hashed_file(dir, other)), 0);
  }
  check_get(s, "p", other, NULL, SF_E_NOT_FOUND);
  CHECK_INT(strcmp(list_of(s, "p"), ""), 0);
  CHECK_INT(sf_store_delete(s, "p", other, &err), SF_OK);
  check_get(s, "p", user, NULL, SF_E_NOT_FOUND);
  sf_store_free(s);
}

static void open_dir_errors(void) {
  char dir[512], file[1024];
  sf_store *s = (sf_store *)&s;
  sf_error err;
  CHECK_INT(sf_store_open_dir(NULL, "x", NULL, &err), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_open_dir(&s, NULL, NULL, &err), SF_E_INVALID_ARG);
  CHECK(s == NULL);
  CHECK_INT(sf_store_open_dir(&s, "", NULL, NULL), SF_E_INVALID_ARG);
  /* a path that exists and is not a directory is refused, not replaced */
  snprintf(file, sizeof file, "%s/plainfile", fresh_dir(dir, sizeof dir));
  CHECK_INT(mkdir(dir, 0700), 0);
  CHECK_INT(spit(file, (const unsigned char *)"keep", 4), 0);
  s = (sf_store *)&s;
  CHECK_INT(sf_store_open_dir(&s, file, NULL, &err), SF_E_STORE);
  CHECK(s == NULL);
  CHECK_INT(err.code, SF_E_STORE);
  CHECK(strstr(err.message, "not a directory") != NULL);
  CHECK(strstr(err.message, file) != NULL);
  CHECK_INT(file_mode(file), 0600);
  /* nor can a directory be made under a file */
  strcat(file, "/sub");
  CHECK_INT(sf_store_open_dir(&s, file, NULL, &err), SF_E_STORE);
  CHECK(strstr(err.message, "Not a directory") != NULL);
  if (geteuid() != 0) { /* root reads everything */
    snprintf(file, sizeof file, "%s/closed", dir);
    CHECK_INT(mkdir(file, 0), 0);
    CHECK_INT(sf_store_open_dir(&s, file, NULL, &err), SF_E_STORE);
    CHECK(strstr(err.message, file) != NULL);
    CHECK(strstr(err.message, "Permission denied") != NULL);
  }
}

static void unreadable_files(void) {
  char dir[512], path[1024];
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  char *data = NULL;
  sf_error err;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  /* a directory where the file should be */
  CHECK_INT(mkdir(file_in(dir, "p=dir.tok"), 0700), 0);
  CHECK_INT(sf_store_get(s, "p", "dir", &data, NULL, &err), SF_E_STORE);
  CHECK(data == NULL);
  CHECK(strstr(err.message, "p=dir.tok") != NULL);
  /* the put does not destroy it either */
  CHECK_INT(sf_store_put(s, "p", "dir", "v", 1, &err), SF_E_STORE);
  CHECK(strstr(err.message, "p=dir.tok") != NULL);
  CHECK_INT(file_mode(file_in(dir, "p=dir.tok")), 0700);
  if (geteuid() != 0) {
    CHECK_INT(put_str(s, "p", "closed", "secret-value"), SF_OK);
    strcpy(path, file_in(dir, "p=closed.tok"));
    CHECK_INT(chmod(path, 0), 0);
    CHECK_INT(sf_store_get(s, "p", "closed", &data, NULL, &err), SF_E_STORE);
    CHECK(strstr(err.message, path) != NULL);
    CHECK(strstr(err.message, "Permission denied") != NULL);
    CHECK(strstr(err.message, "secret-value") == NULL);
  }
  /* the directory vanishing is reported, not hidden */
  rm_rf(dir);
  CHECK_INT(sf_store_put(s, "p", "u", "v", 1, &err), SF_E_STORE);
  CHECK(strstr(err.message, "No such file") != NULL);
  CHECK_INT(sf_store_list(s, "p", collect, NULL, &err), SF_E_STORE);
  CHECK(strstr(err.message, strrchr(dir, '/')) != NULL);
  CHECK_INT(sf_store_get(s, "p", "u", &data, NULL, &err), SF_E_NOT_FOUND);
  sf_store_free(s);
}

/* Leftover temp files: stale ones go on open, fresh ones stay; neither
 * kind, nor lock files or foreign names, are listed. */
static void temp_files_and_foreign_names(void) {
  char dir[512], old_tmp[1024], new_tmp[1024];
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  struct timespec times[2];
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  CHECK_INT(put_str(s, "p", "real", "v"), SF_OK);
  sf_store_free(s);
  snprintf(old_tmp, sizeof old_tmp, "%s/.tmp.AAAAAA", dir);
  snprintf(new_tmp, sizeof new_tmp, "%s/.tmp.BBBBBB", dir);
  CHECK_INT(spit(old_tmp, (const unsigned char *)"partial", 7), 0);
  CHECK_INT(spit(new_tmp, (const unsigned char *)"partial", 7), 0);
  times[0].tv_sec = times[1].tv_sec = time(NULL) - 61;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  CHECK_INT(utimensat(AT_FDCWD, old_tmp, times, 0), 0);
  times[0].tv_sec = times[1].tv_sec = time(NULL) - 50;
  CHECK_INT(utimensat(AT_FDCWD, new_tmp, times, 0), 0);
  /* names this store does not write */
  CHECK_INT(spit(file_in(dir, "p=%61.tok"), (const unsigned char *)"v", 1), 0);
  CHECK_INT(spit(file_in(dir, "p=%00.tok"), (const unsigned char *)"v", 1), 0);
  CHECK_INT(spit(file_in(dir, "p=.tok"), (const unsigned char *)"v", 1), 0);
  CHECK_INT(spit(file_in(dir, "p=x.tok~"), (const unsigned char *)"v", 1), 0);
  CHECK_INT(spit(file_in(dir, "pp=x.tok"), (const unsigned char *)"v", 1), 0);
  CHECK_INT(spit(file_in(dir, "p=lk.lock"), (const unsigned char *)"", 0), 0);
  s = open_dir(dir, NULL);
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  CHECK_INT(file_mode(old_tmp), -1);
  CHECK_INT(file_mode(new_tmp), 0600);
  CHECK_STR(list_of(s, "p"), "real");
  CHECK_STR(list_of(s, "pp"), "x");
  sf_store_free(s);
}

/* ---- sealing ------------------------------------------------------------ */

static const char *secret_value = "{\"access_token\":\"00Dxx!SECRET\"}";

static void check_no_secret(const sf_error *err) {
  CHECK(strstr(err->message, "SECRET") == NULL);
  CHECK(strstr(err->message, "00010203") == NULL);
  CHECK(strstr(err->message, "AAECAwQF") == NULL);
}

static void sealed_round_trip(void) {
  char dir[512];
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), key1);
  unsigned char a[256], b[256];
  long na, nb;
  char *data = NULL;
  size_t len = 0;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  contract(s);
  odd_user_names(s);
  CHECK_INT(put_str(s, "p", "alice", secret_value), SF_OK);
  check_get(s, "p", "alice", secret_value, SF_OK);
  na = slurp(file_in(dir, "p=alice.tok"), a, sizeof a);
  CHECK_INT(na, (long)strlen(secret_value) + 5 + 1 + 12 + 16);
  CHECK(na > 6 && memcmp(a, "LFTS1\x01", 6) == 0);
  CHECK(!contains(a, (size_t)na, "SECRET"));
  CHECK_INT(file_mode(file_in(dir, "p=alice.tok")), 0600);
  /* a fresh nonce per write: the same value seals differently */
  CHECK_INT(put_str(s, "p", "alice", secret_value), SF_OK);
  nb = slurp(file_in(dir, "p=alice.tok"), b, sizeof b);
  CHECK_INT(nb, na);
  CHECK(memcmp(a + 6, b + 6, 12) != 0);
  CHECK(memcmp(a + 18, b + 18, (size_t)na - 18) != 0);
  /* a value that looks sealed is fine when sealing */
  CHECK_INT(put_str(s, "p", "m", "LFTS1\x01xyz"), SF_OK);
  check_get(s, "p", "m", "LFTS1\x01xyz", SF_OK);
  /* empty and binary values */
  CHECK_INT(sf_store_put(s, "p", "e", "", 0, NULL), SF_OK);
  CHECK_INT(sf_store_get(s, "p", "e", &data, &len, NULL), SF_OK);
  CHECK_INT(len, 0);
  CHECK_STR(data, "");
  free(data);
  CHECK_INT(file_mode(file_in(dir, "p=e.tok")), 0600);
  sf_store_free(s);
  /* another handle with the same key reads it */
  s = open_dir(dir, key1);
  check_get(s, "p", "alice", secret_value, SF_OK);
  sf_store_free(s);
}

static void sealed_failures(void) {
  char dir[512], path[1024], other[1024];
  sf_store *sealed = open_dir(fresh_dir(dir, sizeof dir), key1);
  sf_store *wrong = open_dir(dir, key2), *plain = open_dir(dir, NULL);
  unsigned char buf[256];
  char *data = NULL;
  sf_error err;
  long n;
  if (!sealed || !wrong || !plain) {
    CHECK(!"stores open");
    goto done;
  }
  CHECK_INT(put_str(sealed, "p", "alice", secret_value), SF_OK);
  CHECK_INT(put_str(sealed, "p", "bob", secret_value), SF_OK);
  CHECK_INT(put_str(plain, "p", "carol", secret_value), SF_OK);

  /* wrong key */
  CHECK_INT(sf_store_get(wrong, "p", "alice", &data, NULL, &err), SF_E_CRYPTO);
  CHECK(data == NULL);
  CHECK(strstr(err.message, "does not decrypt") != NULL);
  CHECK(strstr(err.message, "LUAFORCE_STORE_KEY") != NULL);
  CHECK(strstr(err.message, "p=alice.tok") != NULL);
  check_no_secret(&err);
  /* sealed file, no key */
  CHECK_INT(sf_store_get(plain, "p", "alice", &data, NULL, &err), SF_E_CRYPTO);
  CHECK(strstr(err.message, "no store key") != NULL);
  CHECK(strstr(err.message, "set LUAFORCE_STORE_KEY") != NULL);
  check_no_secret(&err);
  /* plain file, key set */
  CHECK_INT(sf_store_get(sealed, "p", "carol", &data, NULL, &err), SF_E_CRYPTO);
  CHECK(strstr(err.message, "not sealed") != NULL);
  CHECK(strstr(err.message, "p=carol.tok") != NULL);
  check_no_secret(&err);
  check_get(plain, "p", "carol", secret_value, SF_OK);
  /* a plain value that would read back as sealed is refused */
  CHECK_INT(sf_store_put(plain, "p", "m", "LFTS1\x01", 6, &err),
            SF_E_INVALID_ARG);
  CHECK(strstr(err.message, "LFTS1") != NULL);

  /* a file moved to another user's name fails authentication */
  strcpy(path, file_in(dir, "p=alice.tok"));
  strcpy(other, file_in(dir, "p=bob.tok"));
  CHECK_INT(rename(path, other), 0);
  CHECK_INT(sf_store_get(sealed, "p", "bob", &data, NULL, &err), SF_E_CRYPTO);
  CHECK(strstr(err.message, "renamed") != NULL);
  check_no_secret(&err);
  /* ... and to another profile's */
  strcpy(path, file_in(dir, "q=bob.tok"));
  CHECK_INT(rename(other, path), 0);
  CHECK_INT(sf_store_get(sealed, "q", "bob", &data, NULL, &err), SF_E_CRYPTO);
  CHECK_INT(rename(path, other), 0);
  CHECK_INT(put_str(sealed, "p", "bob", secret_value), SF_OK);
  check_get(sealed, "p", "bob", secret_value, SF_OK);

  /* tampering: every region of the file is covered */
  strcpy(path, file_in(dir, "p=bob.tok"));
  n = slurp(path, buf, sizeof buf);
  CHECK(n > 40);
  {
    static const long offsets[] = {0, 5, 6, 17, 18, 30, -1, -16};
    size_t i;
    for (i = 0; n > 40 && i < sizeof offsets / sizeof offsets[0]; i++) {
      long at = offsets[i] < 0 ? n + offsets[i] : offsets[i];
      buf[at] ^= 0x01;
      CHECK_INT(spit(path, buf, (size_t)n), 0);
      CHECK_INT(sf_store_get(sealed, "p", "bob", &data, NULL, &err),
                SF_E_CRYPTO);
      CHECK(data == NULL);
      check_no_secret(&err);
      buf[at] ^= 0x01;
    }
    /* version byte: said so */
    buf[5] = 2;
    CHECK_INT(spit(path, buf, (size_t)n), 0);
    CHECK_INT(sf_store_get(sealed, "p", "bob", &data, NULL, &err), SF_E_CRYPTO);
    CHECK(strstr(err.message, "version 2") != NULL);
    buf[5] = 1;
    /* truncated */
    CHECK_INT(spit(path, buf, 20), 0);
    CHECK_INT(sf_store_get(sealed, "p", "bob", &data, NULL, &err), SF_E_CRYPTO);
    CHECK(strstr(err.message, "truncated") != NULL);
    CHECK_INT(spit(path, buf, (size_t)n - 1), 0);
    CHECK_INT(sf_store_get(sealed, "p", "bob", &data, NULL, &err), SF_E_CRYPTO);
    CHECK_INT(spit(path, buf, (size_t)n), 0);
    check_get(sealed, "p", "bob", secret_value, SF_OK);
  }
  /* nothing was dropped along the way */
  CHECK_STR(list_of(plain, "p"), "bob|carol");
done:
  sf_store_free(sealed);
  sf_store_free(wrong);
  sf_store_free(plain);
}

/* ---- locks -------------------------------------------------------------- */

static void lock_between_handles(void) {
  char dir[512];
  sf_store *a = open_dir(fresh_dir(dir, sizeof dir), NULL);
  sf_store *b = open_dir(dir, key1); /* the key does not matter */
  sf_error err;
  long long t0, ms;
  if (!a || !b) {
    CHECK(!"stores open");
    goto done;
  }
  CHECK_INT(sf_store_lock(a, "p", "u@x", 1000, &err), SF_OK);
  t0 = sf__now_ms();
  CHECK_INT(sf_store_lock(b, "p", "u@x", 150, &err), SF_E_LOCKED);
  ms = elapsed_since(t0);
  CHECK(ms >= 150 && ms < 150 + 1500); /* generous: loaded CI machines */
  CHECK_INT(err.code, SF_E_LOCKED);
  CHECK(strstr(err.message, "u@x") != NULL);
  t0 = sf__now_ms();
  CHECK_INT(sf_store_lock(b, "p", "u@x", 0, &err), SF_E_LOCKED);
  CHECK(elapsed_since(t0) < 1000); /* no waiting: one try */
  /* another key is independent */
  CHECK_INT(sf_store_lock(b, "p", "other", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(b, "q", "u@x", 0, &err), SF_OK);
  /* a failed attempt leaves nothing held: unlock says so */
  CHECK_INT(sf_store_unlock(b, "p", "u@x"), SF_E_INVALID_ARG);
  CHECK_INT(sf_store_unlock(a, "p", "u@x"), SF_OK);
  CHECK_INT(sf_store_lock(b, "p", "u@x", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(a, "p", "u@x", 20, &err), SF_E_LOCKED);
  /* freeing a handle releases its locks */
  sf_store_free(b);
  b = NULL;
  CHECK_INT(sf_store_lock(a, "p", "u@x", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(a, "p", "other", 0, &err), SF_OK);
  CHECK_INT(sf_store_lock(a, "p", "other", 0, &err), SF_E_BUSY);
  /* the longest timeout does not overflow the deadline */
  CHECK_INT(sf_store_lock(a, "p", "forever", LONG_MAX, &err), SF_OK);
done:
  sf_store_free(a);
  sf_store_free(b);
}

/* A child takes the lock, says so on a pipe, holds it for hold_ms, then
 * releases it by unlock (mode 0), by _exit (1) or waits to be killed
 * (2). Returns the child's pid, or -1. */
static pid_t lock_holder(const char *dir, int mode, long hold_ms, int *ready_fd,
                         int *release_fd) {
  int ready[2], release[2];
  pid_t pid;
  if (pipe(ready) != 0 || pipe(release) != 0)
    return -1;
  pid = fork();
  if (pid == 0) {
    sf_store *s = NULL;
    char c = 1;
    close(ready[0]);
    close(release[1]);
    if (sf_store_open_dir(&s, dir, NULL, NULL) != SF_OK ||
        sf_store_lock(s, "p", "shared", 0, NULL) != SF_OK)
      _exit(3);
    if (write(ready[1], &c, 1) != 1)
      _exit(4);
    if (mode == 0) {
      sleep_ms(hold_ms);
      sf_store_unlock(s, "p", "shared");
      sf_store_free(s);
      _exit(0);
    }
    /* wait for the parent, then die holding the lock */
    while (read(release[0], &c, 1) < 0 && errno == EINTR)
      ;
    if (mode == 1)
      _exit(0);
    for (;;)
      pause();
  }
  close(ready[1]);
  close(release[0]);
  *ready_fd = ready[0];
  *release_fd = release[1];
  return pid;
}

static void lock_across_processes(void) {
  char dir[512];
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  int ready, release, status = -1;
  char c = 0;
  long long t0, ms;
  pid_t pid;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  pid = lock_holder(dir, 0, 200, &ready, &release);
  CHECK(pid > 0);
  CHECK_INT(read(ready, &c, 1), 1);
  t0 = sf__now_ms();
  CHECK_INT(sf_store_lock(s, "p", "shared", 0, NULL), SF_E_LOCKED);
  CHECK_INT(sf_store_lock(s, "p", "shared", 5000, NULL), SF_OK);
  ms = elapsed_since(t0);
  CHECK(ms >= 150 && ms < 2000);
  CHECK_INT(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(ready);
  close(release);
  /* and the other way round: the child cannot take what we hold */
  pid = fork();
  if (pid == 0) {
    sf_store *t = NULL;
    int rc = sf_store_open_dir(&t, dir, NULL, NULL) == SF_OK &&
             sf_store_lock(t, "p", "shared", 50, NULL) == SF_E_LOCKED;
    sf_store_free(t);
    _exit(rc ? 0 : 1);
  }
  CHECK_INT(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK_INT(sf_store_unlock(s, "p", "shared"), SF_OK);
  sf_store_free(s);
}

static void lock_released_when_holder_dies(void) {
  char dir[512];
  sf_store *s = open_dir(fresh_dir(dir, sizeof dir), NULL);
  int ready, release, status = -1, mode;
  char c = 0;
  long long t0;
  pid_t pid;
  if (!s) {
    CHECK(s != NULL);
    return;
  }
  for (mode = 1; mode <= 2; mode++) {
    pid = lock_holder(dir, mode, 0, &ready, &release);
    CHECK(pid > 0);
    CHECK_INT(read(ready, &c, 1), 1);
    CHECK_INT(sf_store_lock(s, "p", "shared", 30, NULL), SF_E_LOCKED);
    if (mode == 1)
      close(release); /* the child _exits without unlocking */
    else
      kill(pid, SIGKILL);
    t0 = sf__now_ms();
    CHECK_INT(sf_store_lock(s, "p", "shared", 5000, NULL), SF_OK);
    CHECK(elapsed_since(t0) < 2000);
    CHECK_INT(waitpid(pid, &status, 0), pid);
    if (mode == 1)
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    else
      CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_INT(sf_store_unlock(s, "p", "shared"), SF_OK);
    close(ready);
    if (mode == 2)
      close(release);
  }
  sf_store_free(s);
}

/* ---- SIGKILL during writes ---------------------------------------------- */

#define CRASH_VALUES 4
static char *crash_values[CRASH_VALUES];
static size_t crash_lens[CRASH_VALUES];

static void crash_values_make(void) {
  static const size_t lens[CRASH_VALUES] = {3, 100 * 1024, 11, 100 * 1024 + 17};
  size_t i, j;
  for (i = 0; i < CRASH_VALUES; i++) {
    crash_lens[i] = lens[i];
    crash_values[i] = malloc(lens[i]);
    for (j = 0; j < lens[i]; j++)
      crash_values[i][j] = (char)('a' + (i * 7 + j) % 26);
  }
}

static void crash_values_free(void) {
  size_t i;
  for (i = 0; i < CRASH_VALUES; i++)
    free(crash_values[i]);
}

/* The child: write the values round-robin from `start`, as fast as it
 * can, forever; one byte on `ready` once the first put is complete. */
static void crash_writer(const char *dir, const unsigned char *key, int ready,
                         unsigned long start) {
  sf_store *s = NULL;
  unsigned long i;
  char c = 1;
  if (sf_store_open_dir(&s, dir, key, NULL) != SF_OK)
    _exit(3);
  for (i = start;; i++) {
    size_t v = i % CRASH_VALUES;
    if (sf_store_put(s, "crash", "user@example.com", crash_values[v],
                     crash_lens[v], NULL) != SF_OK)
      _exit(4);
    if (i == start && write(ready, &c, 1) != 1)
      _exit(5);
  }
}

static int count_temp_files(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  int n = 0;
  char path[1024];
  while (d && (de = readdir(d)) != NULL) {
    if (strncmp(de->d_name, ".tmp.", 5) == 0) {
      n++;
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      unlink(path); /* or 400 of them pile up */
    }
  }
  if (d)
    closedir(d);
  return n;
}

static unsigned long long rng_state;
static unsigned long long rng_next(void) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return rng_state >> 33;
}

static void crash_loop(const unsigned char *key) {
  char dir[512];
  /* SF_TEST_QUICK=1 (for valgrind only): 20 kills instead of 200 */
  int kills = getenv("SF_TEST_QUICK") ? 20 : 200;
  int i, bad = 0, torn_writes = 0, hits[CRASH_VALUES] = {0};
  long long t0 = sf__now_ms();
  fresh_dir(dir, sizeof dir);
  for (i = 0; i < kills && bad < 5; i++) {
    int ready[2], status = 0;
    char c;
    struct timespec delay;
    sf_store *s = NULL;
    sf_error err;
    char *data = NULL;
    size_t len = 0, v;
    pid_t pid;
    if (pipe(ready) != 0) {
      CHECK(!"pipe");
      return;
    }
    pid = fork();
    if (pid == 0) {
      close(ready[0]);
      crash_writer(dir, key, ready[1], (unsigned long)i);
      _exit(6);
    }
    close(ready[1]);
    if (pid < 0 || read(ready[0], &c, 1) != 1) {
      fprintf(stderr, "  writer %d did not start\n", i);
      bad++;
    }
    close(ready[0]);
    delay.tv_sec = 0;
    delay.tv_nsec = (long)(rng_next() % 3000001ULL); /* 0 to 3 ms */
    nanosleep(&delay, NULL);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
        fprintf(stderr, "  writer %d ended by itself (status %d)\n", i, status);
        bad++;
      }
    }
    torn_writes += count_temp_files(dir) > 0;
    if (sf_store_open_dir(&s, dir, key, &err) != SF_OK ||
        sf_store_get(s, "crash", "user@example.com", &data, &len, &err) !=
            SF_OK) {
      fprintf(stderr, "  after kill %d: %s\n", i, err.message);
      bad++;
    } else {
      for (v = 0; v < CRASH_VALUES; v++)
        if (len == crash_lens[v] && memcmp(data, crash_values[v], len) == 0)
          break;
      if (v == CRASH_VALUES) {
        fprintf(stderr,
                "  after kill %d: a value of %zu bytes that was "
                "never written\n",
                i, len);
        bad++;
      } else {
        hits[v]++;
      }
      if (strcmp(list_of(s, "crash"), "user@example.com") != 0) {
        fprintf(stderr, "  after kill %d: listing is wrong\n", i);
        bad++;
      }
    }
    free(data);
    sf_store_free(s);
  }
  CHECK_INT(bad, 0);
  CHECK_INT(i, kills);
  /* some kills did land inside a put (and left its temp file behind) */
  if (kills >= 100)
    CHECK(torn_writes > 0);
  printf("# %s: %d kills in %lld ms, %d mid-write; values seen %d/%d/%d/%d\n",
         key ? "sealed" : "plain", i, elapsed_since(t0), torn_writes, hits[0],
         hits[1], hits[2], hits[3]);
  rm_rf(dir);
}

static void crash_during_put_plain(void) {
  crash_loop(NULL);
}

static void crash_during_put_sealed(void) {
  crash_loop(key1);
}

/* ------------------------------------------------------------------------- */

int main(void) {
  const char *tmp = getenv("TMPDIR");
  int rc;
  if (sf_global_init() != SF_OK)
    return 1;
  snprintf(root, sizeof root, "%s/sfstore.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  rng_state =
      (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
  printf("# scratch %s, seed %llu\n", root, rng_state);
  crash_values_make();
  TEST(key_decode);
  TEST(memory_backend);
  TEST(memory_list_callback_may_delete);
  TEST(file_backend);
  TEST(file_names_and_modes);
  TEST(relative_dir);
  TEST(long_user_names);
  TEST(huge_user_names);
  TEST(open_dir_errors);
  TEST(unreadable_files);
  TEST(temp_files_and_foreign_names);
  TEST(sealed_round_trip);
  TEST(sealed_failures);
  TEST(lock_between_handles);
  TEST(lock_across_processes);
  TEST(lock_released_when_holder_dies);
  TEST(crash_during_put_plain);
  TEST(crash_during_put_sealed);
  crash_values_free();
  rc = TEST_DONE();
  if (rc == 0)
    rm_rf(root);
  else
    printf("# kept %s\n", root);
  sf_global_cleanup();
  return rc;
}
