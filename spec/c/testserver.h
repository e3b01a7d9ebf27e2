/*
 * testserver.h - a scripted loopback HTTP/1.1 server for the C tests
 * (plain or TLS). It answers from a queue of canned responses, records
 * every request it reads (method, path, headers, body, connection) and
 * counts connections, so a test can assert exactly what the client sent.
 */
#ifndef TESTSERVER_H
#define TESTSERVER_H

#include <stddef.h>

typedef struct ts_server ts_server;

typedef struct ts_response {
  int status;          /* 0: read the request, then close without answer */
  const char *headers; /* extra lines, each ending in "\r\n"; or NULL */
  const char *body;    /* NULL: body_size bytes of 'x' */
  size_t body_size;    /* with body: its length (binary), 0 for strlen */
  long delay_ms;       /* wait before answering */
  int no_length;       /* no Content-Length; the body ends with the close */
} ts_response;

typedef struct ts_request {
  char method[16];
  char target[2048]; /* path and query as sent */
  char *head;        /* the header lines, CRLF separated */
  char *body;        /* NUL-terminated; body_len bytes */
  size_t body_len;
  int conn_id; /* 1-based number of the connection it came on */
} ts_request;

/* Starts a server on 127.0.0.1, port chosen by the kernel. With cert and
 * key (PEM files) it speaks TLS. Returns NULL on failure. */
ts_server *ts_start(const char *cert_file, const char *key_file);

/* Stops the server, closes every connection and frees it. NULL is ok. */
void ts_stop(ts_server *s);

int ts_port(const ts_server *s);

/* "http://127.0.0.1:PORT" or https; static per server. */
const char *ts_url(const ts_server *s);

/* Queues a response (copied). Unqueued requests get 200 "{}". */
void ts_push(ts_server *s, const ts_response *r);

/* Requests read so far, connections accepted, TLS handshakes failed. */
int ts_request_count(ts_server *s);
int ts_connection_count(ts_server *s);
int ts_tls_failures(ts_server *s);

/* A copy of request i (0-based) into *out; its strings stay owned by the
 * server. Returns 0, or -1 when there is no such request. */
int ts_request_at(ts_server *s, int i, ts_request *out);

/* The value of header `name` in `req` (case-insensitive) copied to out, or
 * -1 when absent. */
int ts_header(const ts_request *req, const char *name, char *out, size_t size);

#endif
