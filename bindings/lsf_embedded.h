/*
 * lsf_embedded.h - the pure-Lua half of the salesforce module
 * (the .lua files of scripts/salesforce), compiled into the binding at build
 * time so that salesforce.so and the luaforce host are self-contained.
 */
#ifndef LSF_EMBEDDED_H
#define LSF_EMBEDDED_H

#include <stddef.h>

typedef struct lsf_embedded_chunk {
  const char *module; /* "salesforce" or "salesforce.<name>" */
  const char *chunkname;
  const char *data;
  size_t size;
} lsf_embedded_chunk;

/* Terminated by an entry whose module is NULL. */
extern const lsf_embedded_chunk lsf_embedded[];

#endif /* LSF_EMBEDDED_H */
