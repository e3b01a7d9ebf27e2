/*
 * delay_server.c - the P3 server: answers every HTTP/1.1 request with a
 * canned Salesforce Lead after a fixed delay, on as many keep-alive
 * connections as clients open (epoll, one thread, a timerfd for the
 * earliest due answer), and counts the connections it accepted.
 *
 *   delay_server DELAY_MS BODY_FILE
 *
 * Listens on 127.0.0.1 on a port the kernel picks and prints
 * "ready PORT" on stdout. On SIGTERM or SIGINT it prints
 * "connections=C requests=R max_open=M" and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define IN_CAP 16384

typedef struct {
  int fd;          /* -1: free slot */
  char in[IN_CAP]; /* bytes read, not yet consumed */
  size_t in_len;
  size_t req_len;  /* > 0: a whole request is waiting for its answer */
  long long due;   /* when to answer it (ns, CLOCK_MONOTONIC) */
  int close_after; /* "Connection: close" */
  char *out;       /* unsent rest of an answer */
  size_t out_len, out_off;
} conn;

static conn conns[MAX_CONNS];
static char *answer;
static size_t answer_len;
static long long delay_ns;
static long accepted, requests, open_now, max_open;
static int nslots; /* slots in use are below this index */

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void drop(int ep, conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->out);
  c->out = NULL;
  c->fd = -1;
  open_now--;
}

/* Length of the first whole request in c->in (headers and body), or 0. */
static size_t whole_request(conn *c) {
  char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4), *p;
  size_t head, body = 0;
  if (!end)
    return 0;
  head = (size_t)(end - c->in) + 4;
  c->close_after = 0;
  for (p = c->in; p && p < end;) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (strncasecmp(p, "Content-Length:", 15) == 0)
      body = strtoul(p + 15, NULL, 10);
    else if (strncasecmp(p, "Connection: close", 17) == 0)
      c->close_after = 1;
    p = nl ? nl + 1 : NULL;
  }
  return head + body <= c->in_len ? head + body : 0;
}

/* Sends what is left of c->out; returns -1 when the connection failed. */
static int flush_out(int ep, conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0 && errno == EAGAIN) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
      epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
      return 0;
    }
    if (n <= 0)
      return -1;
    c->out_off += (size_t)n;
  }
  free(c->out);
  c->out = NULL;
  c->out_len = c->out_off = 0;
  return 0;
}

static void respond(int ep, conn *c) {
  requests++;
  c->out = malloc(answer_len);
  memcpy(c->out, answer, answer_len);
  c->out_len = answer_len;
  c->out_off = 0;
  memmove(c->in, c->in + c->req_len, c->in_len - c->req_len);
  c->in_len -= c->req_len;
  c->req_len = 0;
  if (flush_out(ep, c) < 0 || (c->close_after && !c->out)) {
    drop(ep, c);
    return;
  }
  if ((c->req_len = whole_request(c)) > 0) /* pipelined */
    c->due = now_ns() + delay_ns;
}

static void on_readable(int ep, conn *c) {
  for (;;) {
    ssize_t n;
    if (c->in_len == IN_CAP) {
      drop(ep, c); /* a request larger than we accept */
      return;
    }
    n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
    if (n < 0 && errno == EAGAIN)
      break;
    if (n <= 0) {
      drop(ep, c);
      return;
    }
    c->in_len += (size_t)n;
  }
  if (!c->req_len && (c->req_len = whole_request(c)) > 0)
    c->due = now_ns() + delay_ns;
}

static void arm(int tfd) {
  long long next = 0;
  struct itimerspec its;
  int i;
  for (i = 0; i < nslots; i++)
    if (conns[i].fd >= 0 && conns[i].req_len && !conns[i].out &&
        (!next || conns[i].due < next))
      next = conns[i].due;
  memset(&its, 0, sizeof its);
  if (next) {
    its.it_value.tv_sec = next / 1000000000LL;
    its.it_value.tv_nsec = next % 1000000000LL;
  }
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int load_answer(const char *path) {
  FILE *f = fopen(path, "rb");
  char body[65536], head[512];
  size_t blen;
  int hlen;
  if (!f)
    return -1;
  blen = fread(body, 1, sizeof body, f);
  fclose(f);
  hlen = snprintf(head, sizeof head,
                  "HTTP/1.1 200 OK\r\n"
                  "Content-Type: application/json;charset=UTF-8\r\n"
                  "Sforce-Limit-Info: api-usage=25/15000\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  blen);
  answer_len = (size_t)hlen + blen;
  answer = malloc(answer_len);
  memcpy(answer, head, (size_t)hlen);
  memcpy(answer + hlen, body, blen);
  return 0;
}

int main(int argc, char **argv) {
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  struct epoll_event ev, events[256];
  sigset_t mask;
  int lfd, ep, tfd, sfd, one = 1, i, running = 1;
  static char lmark, tmark, smark; /* epoll tags of the three fds */
  if (argc != 3) {
    fprintf(stderr, "usage: delay_server DELAY_MS BODY_FILE\n");
    return 2;
  }
  delay_ns = strtoll(argv[1], NULL, 10) * 1000000LL;
  if (load_answer(argv[2]) < 0) {
    perror(argv[2]);
    return 1;
  }
  for (i = 0; i < MAX_CONNS; i++)
    conns[i].fd = -1;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  sfd = signalfd(-1, &mask, SFD_NONBLOCK);
  lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      listen(lfd, 4096) < 0 ||
      getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
    perror("delay_server: listen");
    return 1;
  }
  ep = epoll_create1(0);
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  ev.events = EPOLLIN;
  ev.data.ptr = &lmark;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.ptr = &tmark;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
  ev.data.ptr = &smark;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  printf("ready %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  while (running) {
    int n = epoll_wait(ep, events, 256, -1);
    long long now;
    for (i = 0; i < n; i++) {
      void *tag = events[i].data.ptr;
      if (tag == &smark) {
        running = 0;
      } else if (tag == &lmark) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          int k;
          for (k = 0; k < MAX_CONNS && conns[k].fd >= 0; k++)
            ;
          accepted++;
          if (k == MAX_CONNS) {
            close(fd);
            continue;
          }
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns[k].fd = fd;
          if (k >= nslots)
            nslots = k + 1;
          conns[k].in_len = conns[k].req_len = 0;
          if (++open_now > max_open)
            max_open = open_now;
          ev.events = EPOLLIN;
          ev.data.ptr = &conns[k];
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
      } else if (tag == &tmark) {
        unsigned long long ticks;
        if (read(tfd, &ticks, sizeof ticks) < 0) {
          /* spurious wake-up: the loop below checks the due times */
        }
      } else {
        conn *c = tag;
        if (c->fd < 0)
          continue;
        if ((events[i].events & EPOLLOUT) && c->out) {
          if (flush_out(ep, c) < 0) {
            drop(ep, c);
            continue;
          }
          if (!c->out) {
            ev.events = EPOLLIN;
            ev.data.ptr = c;
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
          }
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
          on_readable(ep, c);
      }
    }
    now = now_ns();
    for (i = 0; i < nslots; i++)
      if (conns[i].fd >= 0 && conns[i].req_len && !conns[i].out &&
          conns[i].due <= now)
        respond(ep, &conns[i]);
    arm(tfd);
  }
  printf("connections=%ld requests=%ld max_open=%ld\n", accepted, requests,
         max_open);
  fflush(stdout);
  return 0;
}
