/*
 * json_dom.cc - the decoding half of curl_loop_dom (curl_loop.c built with
 * CURL_LOOP_DECODE): parses each body with simdjson's DOM, what a C client
 * that returns records does at the least, and reads every field of the
 * top-level object. Not part of luaforce: a limit for P1 that decodes.
 */
#include <cstddef>

#include <simdjson.h>

extern "C" long bench_decode(const char *p, size_t n) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object obj;
  long fields = 0;
  if (parser.parse(p, n, true).get(doc) || doc.get(obj))
    return -1;
  for (simdjson::dom::key_value_pair kv : obj) {
    (void)kv.value.type();
    fields++;
  }
  return fields;
}
