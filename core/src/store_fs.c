/*
 * store_fs.c - the POSIX file work of the token store, by path: making
 * the directory, the durable atomic replace (temp file, fsync, rename,
 * fsync of the directory), whole-file reads, the sweep of temp files left
 * by dead writers, and polled flock locks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "internal.h"

#define TEMP_PREFIX ".tmp."
#define TEMP_TEMPLATE TEMP_PREFIX "XXXXXX"
/* A temp file untouched this long belongs to a writer that died. */
#define TEMP_STALE_S 60
#define LOCK_POLL_MS 5

/* strerror into a caller's buffer (thread-safe; never allocates). */
static const char *errtext(int e, char *buf, size_t size) {
  if (strerror_r(e, buf, size) != 0)
    snprintf(buf, size, "error %d", e);
  return buf;
}

sf_code sf__store_sys_error(sf_error *err, const char *what, const char *path,
                            int e) {
  char buf[128];
  return sf__error_set(err, SF_E_STORE, "cannot %s %s: %s", what, path,
                       errtext(e, buf, sizeof buf));
}

char *sf__store_join(const char *dir, const char *name) {
  size_t dlen = strlen(dir), nlen = strlen(name);
  char *p = malloc(dlen + nlen + 2);
  if (!p)
    return NULL;
  memcpy(p, dir, dlen);
  p[dlen] = '/';
  memcpy(p + dlen + 1, name, nlen + 1);
  return p;
}

sf_code sf__store_sync_dir(const char *dir, sf_error *err) {
  int fd, r, e;
  do {
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return sf__store_sys_error(err, "open the directory", dir, errno);
  do {
    r = fsync(fd);
  } while (r != 0 && errno == EINTR);
  e = errno;
  close(fd);
  /* EINVAL: a file system that cannot sync directories; nothing to do. */
  if (r != 0 && e != EINVAL)
    return sf__store_sys_error(err, "sync the directory", dir, e);
  return SF_OK;
}

/* ---- the directory ---------------------------------------------------- */

/* Syncs the parent of `path` (which has no trailing '/'). */
static sf_code sync_parent(char *path, sf_error *err) {
  char *slash = strrchr(path, '/');
  sf_code rc;
  if (!slash)
    return sf__store_sync_dir(".", err);
  if (slash == path)
    return sf__store_sync_dir("/", err);
  *slash = '\0';
  rc = sf__store_sync_dir(path, err);
  *slash = '/';
  return rc;
}

sf_code sf__store_make_dir(const char *dir, sf_error *err) {
  struct stat st;
  char *path = NULL, *p;
  size_t len;
  sf_code rc = SF_OK;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return sf__error_set(err, SF_E_STORE,
                           "token store %s exists and is not a directory", dir);
    return SF_OK;
  }
  if (errno != ENOENT)
    return sf__store_sys_error(err, "use the token directory", dir, errno);
  len = strlen(dir);
  path = malloc(len + 1);
  if (!path)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  memcpy(path, dir, len + 1);
  while (len > 1 && path[len - 1] == '/')
    path[--len] = '\0';
  /* Each missing component, the last one included. */
  for (p = path + 1;; p++) {
    int last = *p == '\0';
    if (*p != '/' && !last)
      continue;
    *p = '\0';
    if (mkdir(path, 0700) == 0) {
      /* The umask may have taken bits away: the store needs exactly rwx
       * for the owner (and the parent's entry must be durable). */
      if (last && chmod(path, 0700) != 0) {
        rc = sf__store_sys_error(err, "set the mode of", path, errno);
        goto done;
      }
      rc = sync_parent(path, err);
      if (rc != SF_OK)
        goto done;
    } else if (errno != EEXIST) {
      rc = sf__store_sys_error(err, "create the directory", path, errno);
      goto done;
    }
    if (last)
      break;
    *p = '/';
  }
  /* Someone may have made it at the same time: it must be a directory. */
  if (stat(path, &st) != 0)
    rc = sf__store_sys_error(err, "use the token directory", path, errno);
  else if (!S_ISDIR(st.st_mode))
    rc = sf__error_set(err, SF_E_STORE,
                       "token store %s exists and is not a directory", path);
done:
  free(path);
  return rc;
}

sf_code sf__store_absolute(const char *dir, char **out, sf_error *err) {
  char *cwd = NULL, *grown;
  size_t size = 256;
  sf_code rc;
  if (dir[0] == '/') {
    size = strlen(dir) + 1;
    *out = malloc(size);
    if (!*out)
      return sf__error_set(err, SF_E_NOMEM, NULL);
    memcpy(*out, dir, size);
    return SF_OK;
  }
  for (;;) {
    grown = realloc(cwd, size);
    if (!grown) {
      rc = sf__error_set(err, SF_E_NOMEM, NULL);
      goto done;
    }
    cwd = grown;
    if (getcwd(cwd, size))
      break;
    if (errno != ERANGE || size > 65536) {
      rc = sf__store_sys_error(err, "resolve the token directory", dir, errno);
      goto done;
    }
    size *= 2;
  }
  *out = sf__store_join(cwd, dir);
  rc = *out ? SF_OK : sf__error_set(err, SF_E_NOMEM, NULL);
done:
  free(cwd);
  return rc;
}

/*
 * Only temp files untouched for TEMP_STALE_S go: a younger one may belong
 * to another process writing right now.
 */
sf_code sf__store_sweep(const char *dir, sf_error *err) {
  DIR *d = opendir(dir);
  struct dirent *de;
  struct stat st;
  time_t now = time(NULL);
  int e;
  if (!d)
    return sf__store_sys_error(err, "read the token directory", dir, errno);
  for (;;) {
    errno = 0;
    de = readdir(d);
    if (!de)
      break;
    if (strncmp(de->d_name, TEMP_PREFIX, sizeof TEMP_PREFIX - 1) != 0 ||
        strlen(de->d_name) != sizeof TEMP_TEMPLATE - 1)
      continue;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && now - st.st_mtime > TEMP_STALE_S)
      unlinkat(dirfd(d), de->d_name, 0); /* best effort: may be gone */
  }
  e = errno;
  closedir(d);
  if (e != 0)
    return sf__store_sys_error(err, "read the token directory", dir, e);
  return SF_OK;
}

/* ---- files ------------------------------------------------------------ */

sf_code sf__store_read(const char *path, size_t max, unsigned char **buf,
                       size_t *len, sf_error *err) {
  struct stat st;
  unsigned char *b = NULL;
  size_t size = 0, got = 0;
  ssize_t n;
  int fd;
  sf_code rc = SF_E_STORE;
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT)
      return sf__error_set(err, SF_E_NOT_FOUND, NULL);
    return sf__store_sys_error(err, "open the token file", path, errno);
  }
  if (fstat(fd, &st) != 0) {
    sf__store_sys_error(err, "stat the token file", path, errno);
    goto done;
  }
  if (!S_ISREG(st.st_mode)) {
    sf__error_set(err, SF_E_STORE, "token file %s is not a regular file", path);
    goto done;
  }
  if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
    sf__error_set(err, SF_E_STORE, "token file %s is too large", path);
    goto done;
  }
  size = (size_t)st.st_size;
  b = malloc(size + 1);
  if (!b) {
    rc = sf__error_set(err, SF_E_NOMEM, NULL);
    goto done;
  }
  /* Files are replaced by rename, never rewritten: the size holds. */
  while (got < size) {
    n = read(fd, b + got, size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      sf__store_sys_error(err, "read the token file", path, errno);
      goto done;
    }
    if (n == 0)
      break;
    got += (size_t)n;
  }
  *buf = b;
  *len = got;
  b = NULL;
  rc = SF_OK;
done:
  if (b) {
    OPENSSL_cleanse(b, size);
    free(b);
  }
  close(fd);
  return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/*
 * A temp file in the same directory holds the complete bytes and is
 * synced before it is renamed over the old file, and the rename is synced
 * through the directory. A crash at any point leaves the old file or the
 * new one, and at worst a stale temp file.
 */
sf_code sf__store_replace(const char *dir, const char *path,
                          const unsigned char *bytes, size_t len,
                          sf_error *err) {
  char *tmp = sf__store_join(dir, TEMP_TEMPLATE);
  int fd = -1, r, created = 0;
  sf_code rc = SF_E_STORE;
  if (!tmp)
    return sf__error_set(err, SF_E_NOMEM, NULL);
  fd = mkstemp(tmp);
  if (fd < 0) {
    sf__store_sys_error(err, "create a temporary file in", dir, errno);
    goto done;
  }
  created = 1;
  /* mkstemp's 0600 is reduced by the umask; make it exactly 0600. */
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0600) != 0) {
    sf__store_sys_error(err, "set up the temporary file", tmp, errno);
    goto done;
  }
  if (write_all(fd, bytes, len) != 0) {
    sf__store_sys_error(err, "write", tmp, errno);
    goto done;
  }
  do {
    r = fsync(fd);
  } while (r != 0 && errno == EINTR);
  if (r != 0) {
    sf__store_sys_error(err, "sync", tmp, errno);
    goto done;
  }
  r = close(fd);
  fd = -1;
  if (r != 0) {
    sf__store_sys_error(err, "close", tmp, errno);
    goto done;
  }
  if (rename(tmp, path) != 0) {
    sf__store_sys_error(err, "rename the temporary file to", path, errno);
    goto done;
  }
  created = 0;
  rc = sf__store_sync_dir(dir, err);
done:
  if (fd >= 0)
    close(fd);
  if (created)
    unlink(tmp);
  free(tmp);
  return rc;
}

/* ---- locks ------------------------------------------------------------ */

sf_code sf__store_flock(const char *path, long timeout_ms, int *out,
                        sf_error *err) {
  long long now = sf__now_ms(), deadline;
  int fd;
  deadline = timeout_ms > LLONG_MAX - now ? LLONG_MAX : now + timeout_ms;
  /* Read-only is enough for flock, and works whatever the umask left. */
  do {
    fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return sf__store_sys_error(err, "open the lock file", path, errno);
  for (;;) {
    struct timespec ts;
    long wait_ms;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
      break;
    if (errno == EINTR)
      continue;
    if (errno != EWOULDBLOCK && errno != EAGAIN) {
      int e = errno;
      close(fd);
      return sf__store_sys_error(err, "lock", path, e);
    }
    now = sf__now_ms();
    if (now >= deadline) {
      close(fd);
      return sf__error_set(err, SF_E_LOCKED, NULL);
    }
    wait_ms =
        deadline - now < LOCK_POLL_MS ? (long)(deadline - now) : LOCK_POLL_MS;
    ts.tv_sec = 0;
    ts.tv_nsec = wait_ms * 1000000L;
    nanosleep(&ts, NULL);
  }
  *out = fd;
  return SF_OK;
}
