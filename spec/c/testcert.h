/*
 * testcert.h - makes a throwaway CA and a server certificate for
 * 127.0.0.1 / localhost with OpenSSL, for the TLS tests.
 */
#ifndef TESTCERT_H
#define TESTCERT_H

#include <limits.h>

typedef struct tc_files {
  char dir[64];
  char ca[PATH_MAX];   /* the CA certificate (PEM) to trust */
  char cert[PATH_MAX]; /* the server certificate (PEM), signed by the CA */
  char key[PATH_MAX];  /* the server private key (PEM) */
} tc_files;

/* Creates a temporary folder with the files; returns 0 or -1. */
int tc_make(tc_files *out);

/* Removes the files and the folder. */
void tc_remove(const tc_files *files);

#endif
