/*
 * lsf_json.cc - decodes REST response bodies straight into Lua values with
 * simdjson (the one C++ file of the binding: simdjson has no C API).
 *
 * Objects and arrays become tables created at their final size (simdjson
 * counts the members before we build anything), strings keep embedded
 * NULs, integers that fit become Lua integers and other numbers floats,
 * and null becomes the NULL light userdata, which is cjson.null (what
 * salesforce.null is). Input must be valid UTF-8 JSON (RFC 8259). A text
 * with a number beyond 64 bits, which simdjson refuses, is read by a strict
 * lua-cjson instead (every number a float there, as before).
 *
 * Each Lua state owns one simdjson parser, kept in the registry: its
 * buffers are reused from one body to the next and freed with the state.
 * Object keys repeat (every record of a page has the same fields), so
 * the parser also keeps the Lua strings of recent keys: a key found there
 * is pushed without Lua hashing and interning it again.
 *
 * Nothing here throws: simdjson is used through error codes, and Lua's
 * memory errors unwind only frames whose locals are trivially
 * destructible (views into the parser).
 */
#include <cstring>
#include <new>

#include <simdjson.h>

extern "C" {
#include "lsf_internal.h"
}

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

/* A parser that grew past this for one big body is dropped afterwards,
 * so that one large page does not pin its buffers for the state's life. */
constexpr size_t KEEP_CAPACITY = 1 << 20;

/*
 * The key cache, for keys up to Lua's short-string length. Slots are
 * given out in the order keys are first met (round robin), so the keys of
 * a record sit in consecutive slots, and the next key is looked for in the
 * slot after the last one first: records repeat their keys in the same
 * order. Other keys are found through a direct-mapped index of slots. A
 * slot keeps the key's bytes, to compare without touching the Lua string;
 * the string itself is at index slot + 1 of the box's uservalue table,
 * which keeps it alive. What a record's keys touch is then a few
 * consecutive cache lines instead of three scattered ones per key.
 */
constexpr unsigned KEY_SLOTS = 256;
constexpr unsigned KEY_INDEX = 512;
constexpr size_t KEY_MAX = 40;

struct key_slot {
  unsigned char len; /* 0: free */
  unsigned short at; /* its entry in the index */
  char bytes[KEY_MAX];
};

struct lsf_parser {
  simdjson::dom::parser *p;
  int busy;                        /* a walk of its document is under way */
  int finalized;                   /* its __gc ran: nothing may stay in it */
  unsigned next;                   /* the slot to give out next */
  unsigned last;                   /* the slot of the last key pushed */
  unsigned short index[KEY_INDEX]; /* slot + 1, or 0 */
  key_slot keys[KEY_SLOTS];
};

/* What a walk needs besides the Lua state. */
struct walk {
  lua_State *L;
  lsf_parser *box;
  int keys; /* stack index of the key table */
};

const char PARSER_MT[] = "salesforce.JsonParser";
char parser_key; /* its address keys the state's parser in the registry */

int parser_gc(lua_State *L) {
  lsf_parser *box = static_cast<lsf_parser *>(lua_touserdata(L, 1));
  delete box->p;
  box->p = nullptr;
  /* a finalizer run later while the state closes may still decode
   * through this box; its __gc will not run again */
  box->finalized = 1;
  return 0;
}

/* Pushes a new, empty parser box (freed by the GC). */
lsf_parser *new_box(lua_State *L) {
  lsf_parser *box =
      static_cast<lsf_parser *>(lua_newuserdatauv(L, sizeof *box, 1));
  std::memset(box, 0, sizeof *box);
  if (luaL_newmetatable(L, PARSER_MT)) {
    lua_pushcfunction(L, parser_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  lua_createtable(L, KEY_SLOTS, 0);
  lua_setiuservalue(L, -2, 1);
  return box;
}

/* The state's parser box, created on first use (not left on the stack). */
lsf_parser *state_parser(lua_State *L) {
  lsf_parser *box;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &parser_key) == LUA_TUSERDATA) {
    box = static_cast<lsf_parser *>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return box;
  }
  lua_pop(L, 1);
  box = new_box(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &parser_key);
  return box;
}

/* Pushes an object key, from the cache when it is there. */
void push_key(walk *w, std::string_view k) {
  size_t len = k.size();
  const char *s = k.data();
  lsf_parser *box = w->box;
  unsigned i, at;
  key_slot *slot;
  if (len == 0 || len > KEY_MAX) {
    lua_pushlstring(w->L, s, len);
    return;
  }
  i = (box->last + 1) % KEY_SLOTS; /* the key after the last one */
  slot = &box->keys[i];
  if (slot->len != len || std::memcmp(slot->bytes, s, len) != 0) {
    at = (static_cast<unsigned>(len) * 31u +
          static_cast<unsigned char>(s[0]) * 7u +
          static_cast<unsigned char>(s[len / 2]) * 131u +
          static_cast<unsigned char>(s[len - 1])) %
         KEY_INDEX;
    i = box->index[at] ? box->index[at] - 1u : 0u;
    slot = &box->keys[i];
    if (!box->index[at] || slot->len != len ||
        std::memcmp(slot->bytes, s, len) != 0) {
      /* a new key: the next slot, whatever it held before */
      i = box->next;
      box->next = (i + 1) % KEY_SLOTS;
      slot = &box->keys[i];
      if (slot->len && box->index[slot->at] == i + 1)
        box->index[slot->at] = 0;
      slot->len = 0; /* (until the string is stored) */
      lua_pushlstring(w->L, s, len);
      lua_pushvalue(w->L, -1);
      lua_rawseti(w->L, w->keys, static_cast<lua_Integer>(i) + 1);
      std::memcpy(slot->bytes, s, len);
      slot->len = static_cast<unsigned char>(len);
      slot->at = static_cast<unsigned short>(at);
      box->index[at] = static_cast<unsigned short>(i + 1);
      box->last = i;
      return;
    }
  }
  box->last = i;
  lua_rawgeti(w->L, w->keys, static_cast<lua_Integer>(i) + 1);
}

/* Pushes the value of e (recursion bounded by the parser's depth, 1024). */
void push_value(walk *w, element e) {
  lua_State *L = w->L;
  switch (e.type()) {
  case element_type::OBJECT: {
    simdjson::dom::object o = e.get_object().value_unsafe();
    luaL_checkstack(L, 3, "JSON nesting");
    lua_createtable(L, 0, static_cast<int>(o.size()));
    for (simdjson::dom::key_value_pair kv : o) {
      push_key(w, kv.key);
      push_value(w, kv.value);
      lua_rawset(L, -3);
    }
    break;
  }
  case element_type::ARRAY: {
    simdjson::dom::array a = e.get_array().value_unsafe();
    lua_Integer i = 0;
    luaL_checkstack(L, 3, "JSON nesting");
    lua_createtable(L, static_cast<int>(a.size()), 0);
    for (element v : a) {
      push_value(w, v);
      lua_rawseti(L, -2, ++i);
    }
    break;
  }
  case element_type::STRING: {
    std::string_view s = e.get_string().value_unsafe();
    lua_pushlstring(L, s.data(), s.size());
    break;
  }
  case element_type::INT64:
    lua_pushinteger(L, static_cast<lua_Integer>(e.get_int64().value_unsafe()));
    break;
  case element_type::UINT64: /* above INT64_MAX */
    lua_pushnumber(L, static_cast<lua_Number>(e.get_uint64().value_unsafe()));
    break;
  case element_type::DOUBLE:
    lua_pushnumber(L, e.get_double().value_unsafe());
    break;
  case element_type::BOOL:
    lua_pushboolean(L, e.get_bool().value_unsafe());
    break;
  case element_type::NULL_VALUE:
    lua_pushlightuserdata(L, nullptr);
    break;
  }
}

/* simdjson refuses numbers beyond 64 bits (integers past 2^64, floats past
 * 1e308): valid JSON, which lua-cjson reads as floats (or inf). Such a text
 * is decoded by a strict lua-cjson instance instead (no NaN, hex or leading
 * zeros), every number a float, so that it is not lost; 1 when that worked
 * (the value pushed). */
char cjson_key; /* its address keys that instance's decode in the registry */

int decode_with_cjson(lua_State *L, const char *buf, size_t len) {
  int top = lua_gettop(L);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cjson_key) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    if (luaL_loadstring(L, "local c = require('cjson.safe').new()\n"
                           "c.decode_invalid_numbers(false)\n"
                           "return c.decode") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK || !lua_isfunction(L, -1)) {
      lua_settop(L, top);
      return 0;
    }
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &cjson_key);
  }
  lua_pushlstring(L, buf, len);
  lua_call(L, 1, 1); /* cjson.safe: nil for what it cannot read either */
  if (lua_isnil(L, -1)) {
    lua_settop(L, top);
    return 0;
  }
  return 1;
}

} // namespace

static_assert(SF_HTTP_BODY_PADDING >= simdjson::SIMDJSON_PADDING,
              "transport bodies carry simdjson's padding");

/* The state's parser box is made when the module opens, with its
 * finalizer registered: made during lua_close (a first decode from a
 * finalizer) it would have none, and its parser would never be freed. */
extern "C" void lsf_open_json(lua_State *L) {
  state_parser(L);
}

extern "C" int lsf_json_push(lua_State *L, const char *buf, size_t len,
                             int padded, const char **why) {
  walk w;
  element doc;
  simdjson::error_code rc;
  lsf_parser *box = state_parser(L);
  /* A finalizer run by an allocation of the walk below may decode too:
   * it gets a parser of its own, as the walk reads the state's parser's
   * buffers. (A walk cut short by a memory error leaves `busy` set; the
   * state then decodes with temporary parsers, correctly but slower.) */
  int temp = box->busy;
  if (temp)
    box = new_box(L);
  if (!box->p) {
    box->p = new (std::nothrow) simdjson::dom::parser();
    if (!box->p)
      return luaL_error(L, "not enough memory");
  }
  /* without readable padding after the text simdjson copies it into its
   * own padded buffer first */
  rc = box->p->parse(buf, len, !padded).get(doc);
  if (rc == simdjson::SUCCESS) {
    if (temp)
      lua_getiuservalue(L, -1, 1);
    else {
      lua_rawgetp(L, LUA_REGISTRYINDEX, &parser_key);
      lua_getiuservalue(L, -1, 1);
      lua_remove(L, -2);
    }
    w.L = L;
    w.box = box;
    w.keys = lua_gettop(L);
    box->busy = 1;
    push_value(&w, doc);
    box->busy = 0;
    lua_remove(L, w.keys);
  }
  /* a temporary box is used once, and a finalized one (a decode from a
   * finalizer while the state closes) keeps nothing: while lua_close runs
   * no new finalizer is registered, so a parser left in either would
   * never be freed */
  if (temp || box->finalized || box->p->capacity() > KEEP_CAPACITY) {
    delete box->p;
    box->p = nullptr;
  }
  if (temp)
    lua_remove(L, rc == simdjson::SUCCESS ? -2 : -1);
  if (rc == simdjson::SUCCESS)
    return 1;
  if (rc == simdjson::NUMBER_ERROR && decode_with_cjson(L, buf, len))
    return 1;
  if (why)
    *why = simdjson::error_message(rc);
  return 0;
}
