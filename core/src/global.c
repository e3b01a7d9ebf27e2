/*
 * global.c - process-wide initialisation of libcurl (which initialises
 * OpenSSL), reference-counted so several embedders can share a process.
 */
#include <curl/curl.h>

#include "internal.h"

static int init_count;

sf_code sf_global_init(void) {
  if (init_count == 0) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      return SF_E_INIT;
  }
  init_count++;
  return SF_OK;
}

void sf_global_cleanup(void) {
  if (init_count == 0)
    return;
  if (--init_count == 0)
    curl_global_cleanup();
}

int sf__global_ready(void) {
  return init_count > 0;
}

const char *sf_version(void) {
  return SF_VERSION;
}
