/*
 * testserver.c - the scripted loopback server of the C tests: one thread
 * accepts, one thread per connection reads requests and answers from the
 * queue. Everything shared is under one mutex.
 */
#define _GNU_SOURCE /* memmem */
#include "testserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_CONNS 256
#define MAX_HEAD 65536

struct ts_server {
  int fd;
  int port;
  char url[64];
  SSL_CTX *ctx;
  pthread_t acceptor;
  volatile int stopping;
  pthread_mutex_t mu;
  ts_response *queue;
  int qhead, qlen, qcap;
  ts_request *reqs;
  int nreqs, reqcap;
  int nconns;
  int tls_failures;
  pthread_t threads[MAX_CONNS];
  int fds[MAX_CONNS];
};

typedef struct conn {
  ts_server *s;
  int fd;
  int id;
  SSL *ssl;
  char buf[MAX_HEAD];
  size_t len;
} conn;

static char *dupn(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (p && n)
    memcpy(d, p, n);
  d[n] = '\0';
  return d;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static long io_read(conn *c, char *p, size_t n) {
  if (c->ssl) {
    int r = SSL_read(c->ssl, p, (int)n);
    return r > 0 ? r : -1;
  }
  return (long)recv(c->fd, p, n, 0);
}

static int io_write(conn *c, const char *p, size_t n) {
  while (n) {
    long w = c->ssl ? SSL_write(c->ssl, p, (int)n)
                    : (long)send(c->fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads more bytes into the buffer; returns 0 on EOF or error. */
static int fill(conn *c) {
  long r;
  if (c->len >= sizeof c->buf)
    return 0;
  r = io_read(c, c->buf + c->len, sizeof c->buf - c->len);
  if (r <= 0)
    return 0;
  c->len += (size_t)r;
  return 1;
}

static void consume(conn *c, size_t n) {
  memmove(c->buf, c->buf + n, c->len - n);
  c->len -= n;
}

int ts_header(const ts_request *req, const char *name, char *out, size_t size) {
  size_t nl = strlen(name);
  const char *line = req->head;
  while (line && *line) {
    const char *end = strstr(line, "\r\n");
    size_t ll = end ? (size_t)(end - line) : strlen(line);
    if (ll > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
      const char *v = line + nl + 1;
      size_t vl;
      while (*v == ' ')
        v++;
      vl = (size_t)(line + ll - v);
      if (vl >= size)
        vl = size - 1;
      memcpy(out, v, vl);
      out[vl] = '\0';
      return 0;
    }
    line = end ? end + 2 : NULL;
  }
  return -1;
}

/* Reads one request; records it. Returns 1, or 0 when the peer is gone. */
static int read_request(conn *c, ts_request *req) {
  char *eoh, *sp1, *sp2, clen[32];
  size_t head_len, body_len = 0;
  memset(req, 0, sizeof *req);
  while (!(c->len && (eoh = memmem(c->buf, c->len, "\r\n\r\n", 4))))
    if (!fill(c))
      return 0;
  head_len = (size_t)(eoh - c->buf) + 4;
  *eoh = '\0';
  sp1 = strchr(c->buf, ' ');
  sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
  if (!sp1 || !sp2)
    return 0;
  snprintf(req->method, sizeof req->method, "%.*s", (int)(sp1 - c->buf),
           c->buf);
  snprintf(req->target, sizeof req->target, "%.*s", (int)(sp2 - sp1 - 1),
           sp1 + 1);
  req->head =
      dupn(strstr(c->buf, "\r\n") ? strstr(c->buf, "\r\n") + 2 : "",
           strlen(strstr(c->buf, "\r\n") ? strstr(c->buf, "\r\n") + 2 : ""));
  if (ts_header(req, "Content-Length", clen, sizeof clen) == 0)
    body_len = strtoul(clen, NULL, 10);
  consume(c, head_len);
  while (c->len < body_len)
    if (!fill(c)) {
      free(req->head);
      return 0;
    }
  req->body = dupn(c->buf, body_len);
  req->body_len = body_len;
  consume(c, body_len);
  req->conn_id = c->id;
  return 1;
}

/* Records `req` and takes the next response; returns 1 when the response's
 * strings are owned copies the caller frees. */
static int record(ts_server *s, const ts_request *req, ts_response *resp) {
  int owned = 0;
  pthread_mutex_lock(&s->mu);
  if (s->nreqs == s->reqcap) {
    s->reqcap = s->reqcap ? s->reqcap * 2 : 16;
    s->reqs = realloc(s->reqs, (size_t)s->reqcap * sizeof *s->reqs);
  }
  s->reqs[s->nreqs++] = *req;
  if (s->qlen) {
    *resp = s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % s->qcap;
    s->qlen--;
    owned = 1;
  } else {
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    resp->body = "{}";
  }
  pthread_mutex_unlock(&s->mu);
  return owned;
}

static void release(const ts_response *r) {
  free((char *)r->headers);
  free((char *)r->body);
}

static void *serve(void *arg) {
  conn *c = arg;
  ts_server *s = c->s;
  ts_request req;
  ts_response r;
  char head[1024];
  if (s->ctx) {
    c->ssl = SSL_new(s->ctx);
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_accept(c->ssl) != 1) {
      pthread_mutex_lock(&s->mu);
      s->tls_failures++;
      pthread_mutex_unlock(&s->mu);
      goto done;
    }
  }
  while (!s->stopping && read_request(c, &req)) {
    char conn_hdr[32] = "";
    size_t blen;
    int failed;
    char *body;
    int close_after =
        ts_header(&req, "Connection", conn_hdr, sizeof conn_hdr) == 0 &&
        strcasecmp(conn_hdr, "close") == 0;
    int owned = record(s, &req, &r);
    for (; r.delay_ms > 0 && !s->stopping; r.delay_ms -= 10)
      sleep_ms(r.delay_ms < 10 ? r.delay_ms : 10); /* stop stays quick */
    if (r.status == 0) {
      if (owned)
        release(&r);
      break; /* drop the connection without answering */
    }
    blen = r.body && !r.body_size ? strlen(r.body) : r.body_size;
    body = r.body ? (char *)r.body : malloc(blen + 1);
    if (!r.body)
      memset(body, 'x', blen);
    if (r.no_length)
      snprintf(head, sizeof head,
               "HTTP/1.1 %d Test\r\nConnection: close\r\n%s\r\n", r.status,
               r.headers ? r.headers : "");
    else
      snprintf(head, sizeof head,
               "HTTP/1.1 %d Test\r\nContent-Length: %zu\r\n%s\r\n", r.status,
               blen, r.headers ? r.headers : "");
    failed = io_write(c, head, strlen(head)) ||
             (strcmp(req.method, "HEAD") != 0 && io_write(c, body, blen));
    if (!r.body)
      free(body);
    if (owned)
      release(&r);
    if (failed || r.no_length || close_after)
      break;
  }
done:
  if (c->ssl) {
    SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
  }
  shutdown(c->fd, SHUT_RDWR);
  free(c);
  return NULL;
}

static void *acceptor(void *arg) {
  ts_server *s = arg;
  while (!s->stopping) {
    struct pollfd p = {s->fd, POLLIN, 0};
    int fd;
    conn *c;
    if (poll(&p, 1, 50) <= 0)
      continue;
    fd = accept(s->fd, NULL, NULL);
    if (fd < 0)
      continue;
    pthread_mutex_lock(&s->mu);
    if (s->nconns >= MAX_CONNS) {
      pthread_mutex_unlock(&s->mu);
      close(fd);
      continue;
    }
    c = calloc(1, sizeof *c);
    c->s = s;
    c->fd = fd;
    c->id = s->nconns + 1;
    s->fds[s->nconns] = fd;
    pthread_create(&s->threads[s->nconns], NULL, serve, c);
    s->nconns++;
    pthread_mutex_unlock(&s->mu);
  }
  return NULL;
}

ts_server *ts_start(const char *cert_file, const char *key_file) {
  ts_server *s = calloc(1, sizeof *s);
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int one = 1;
  /* SSL_write to a client that hung up (one that refused the certificate)
   * raises SIGPIPE, which would kill the test process: the error is enough */
  signal(SIGPIPE, SIG_IGN);
  pthread_mutex_init(&s->mu, NULL);
  if (cert_file) {
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (!s->ctx ||
        SSL_CTX_use_certificate_file(s->ctx, cert_file, SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_use_PrivateKey_file(s->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(s->ctx);
      free(s);
      return NULL;
    }
  }
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 64) ||
      getsockname(s->fd, (struct sockaddr *)&a, &alen)) {
    close(s->fd);
    SSL_CTX_free(s->ctx);
    free(s);
    return NULL;
  }
  s->port = ntohs(a.sin_port);
  snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d",
           s->ctx ? "https" : "http", s->port);
  pthread_create(&s->acceptor, NULL, acceptor, s);
  return s;
}

void ts_stop(ts_server *s) {
  int i;
  if (!s)
    return;
  s->stopping = 1;
  pthread_join(s->acceptor, NULL);
  for (i = 0; i < s->nconns; i++)
    shutdown(s->fds[i], SHUT_RDWR);
  for (i = 0; i < s->nconns; i++) {
    pthread_join(s->threads[i], NULL);
    close(s->fds[i]);
  }
  close(s->fd);
  for (i = 0; i < s->nreqs; i++) {
    free(s->reqs[i].head);
    free(s->reqs[i].body);
  }
  for (i = 0; i < s->qlen; i++)
    release(&s->queue[(s->qhead + i) % s->qcap]);
  free(s->reqs);
  free(s->queue);
  SSL_CTX_free(s->ctx);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

int ts_port(const ts_server *s) {
  return s->port;
}
const char *ts_url(const ts_server *s) {
  return s->url;
}

void ts_push(ts_server *s, const ts_response *r) {
  ts_response copy = *r;
  int i;
  if (r->headers)
    copy.headers = dupn(r->headers, strlen(r->headers));
  if (r->body)
    copy.body = dupn(r->body, r->body_size ? r->body_size : strlen(r->body));
  pthread_mutex_lock(&s->mu);
  if (s->qlen == s->qcap) {
    int ncap = s->qcap ? s->qcap * 2 : 8;
    ts_response *q = malloc((size_t)ncap * sizeof *q);
    for (i = 0; i < s->qlen; i++)
      q[i] = s->queue[(s->qhead + i) % s->qcap];
    free(s->queue);
    s->queue = q;
    s->qcap = ncap;
    s->qhead = 0;
  }
  s->queue[(s->qhead + s->qlen) % s->qcap] = copy;
  s->qlen++;
  pthread_mutex_unlock(&s->mu);
}

int ts_request_count(ts_server *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->nreqs;
  pthread_mutex_unlock(&s->mu);
  return n;
}

int ts_connection_count(ts_server *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->nconns;
  pthread_mutex_unlock(&s->mu);
  return n;
}

int ts_tls_failures(ts_server *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->tls_failures;
  pthread_mutex_unlock(&s->mu);
  return n;
}

int ts_request_at(ts_server *s, int i, ts_request *out) {
  int rc = -1;
  pthread_mutex_lock(&s->mu);
  if (i >= 0 && i < s->nreqs) {
    *out = s->reqs[i];
    rc = 0;
  }
  pthread_mutex_unlock(&s->mu);
  return rc;
}
