"""A SOSL subset: FIND {term} [IN ALL|NAME|EMAIL|PHONE|SIDEBAR FIELDS]
[RETURNING Obj[(fields [WHERE ...] [ORDER BY ...] [LIMIT n] [OFFSET n])],
...] [LIMIT n], with *, ? wildcards, "phrases", AND / OR / AND NOT and the
reserved-character rule; plus the parameterizedSearch resource's inputs.
Matching is whole-word and case-insensitive (no relevance ranking)."""

import re

import soql
from schema import NAME_SEARCH
from store import ApiError

# Reserved characters that must be escaped with a backslash inside braces.
# *, ? are wildcards and ", (, ) are term syntax, so they are allowed bare.
RESERVED = set("&|!{}[]^~:\\'+-")
SEARCHABLE = ["Account", "Contact", "Lead", "Opportunity", "User"]
_WORD = re.compile(r"[^\W_]+", re.U)
_PATTERN = re.compile(r"[^\W_*?]*[*?][^\W_*?]*|[^\W_]+", re.U)
# An escaped reserved character stands for itself. Outside letters and
# digits every character only separates words (records are tokenized by
# _WORD), so \* and \? become a plain separator here and can no longer act
# as wildcards: {wil\*} is the word "wil", {"a\*b"} the phrase "a b".
_LITERAL_WILDCARD = " "


def _unescape(ch):
    return _LITERAL_WILDCARD if ch in "*?" else ch


def malformed(message):
    return ApiError(400, "MALFORMED_SEARCH", message)


def no_term():
    return malformed("No search term found. The search term must be "
                     "enclosed in braces.")


# ---- the search term --------------------------------------------------------
def _term_tokens(text, offset):
    """Words, phrases, parentheses and operators of a braces term."""
    toks, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append((c, c))
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                    buf.append(_unescape(text[j]))
                else:
                    buf.append(text[j])
                j += 1
            if j >= n:
                raise malformed("line 1:%d mismatched character '<EOF>' "
                                "expecting '\"'" % (offset + n))
            toks.append(("phrase", "".join(buf)))
            i = j + 1
        else:
            j, buf = i, []
            while j < n and not text[j].isspace() and text[j] not in '()"':
                ch = text[j]
                if ch == "\\":
                    if j + 1 >= n:
                        raise malformed("line 1:%d no viable alternative at "
                                        "character '\\'" % (offset + j))
                    buf.append(_unescape(text[j + 1]))
                    j += 2
                    continue
                if ch in RESERVED:
                    # UNCONFIRMED wording: Salesforce's lexer message style.
                    raise malformed("line 1:%d no viable alternative at "
                                    "character '%s'" % (offset + j, ch))
                buf.append(ch)
                j += 1
            word = "".join(buf)
            if word.upper() in ("AND", "OR", "NOT"):
                toks.append(("op", word.upper()))
            else:
                toks.append(("word", word))
            i = j
    return toks


def _word_matcher(word):
    """A word or phrase -> list of per-token tests (consecutive tokens)."""
    tests = []
    for piece in _PATTERN.findall(word.lower()):
        if "*" in piece or "?" in piece:
            rx = re.compile("^" + re.escape(piece).replace(r"\*", ".*")
                            .replace(r"\?", ".") + "$")
            tests.append(rx.match)
        else:
            tests.append(piece.__eq__)
    return tests


def _phrase_in(tests, fields):
    k = len(tests)
    for toks in fields:
        for start in range(len(toks) - k + 1):
            if all(tests[i](toks[start + i]) for i in range(k)):
                return True
    return False


class _TermParser:
    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def parse(self):
        expr = self._or()
        if self.i != len(self.toks):
            raise malformed("unexpected token: '%s'" % self.peek()[1])
        return expr

    def _or(self):
        terms = [self._and()]
        while self.peek() == ("op", "OR"):
            self.i += 1
            terms.append(self._and())
        return terms[0] if len(terms) == 1 else \
            (lambda f: any(t(f) for t in terms))

    def _and(self):
        terms = [self._unary()]
        while True:
            kind, val = self.peek()
            if kind == "op" and val == "AND":
                self.i += 1
                if self.peek() == ("op", "NOT"):
                    self.i += 1
                    inner = self._unary()
                    terms.append(lambda f, inner=inner: not inner(f))
                else:
                    terms.append(self._unary())
            elif kind in ("word", "phrase", "("):
                terms.append(self._unary())        # implicit AND
            else:
                break
        return terms[0] if len(terms) == 1 else \
            (lambda f: all(t(f) for t in terms))

    def _unary(self):
        kind, val = self.peek()
        if kind == "(":
            self.i += 1
            inner = self._or()
            if self.peek()[0] != ")":
                raise malformed("unexpected token: '%s'"
                                % (self.peek()[1] or "<EOF>"))
            self.i += 1
            return inner
        if kind in ("word", "phrase"):
            self.i += 1
            tests = _word_matcher(val)
            if not tests:
                return lambda f: False
            return lambda f: _phrase_in(tests, f)
        raise malformed("unexpected token: '%s'" % (val or "<EOF>"))


class Term:
    """A compiled search term: `matches(token lists)` plus the literal
    fragments of which at least one must occur in a matching record (a
    cheap pre-filter: SOSL has no bare NOT, so every match contains one
    positive word)."""

    def __init__(self, matcher, fragments):
        self.matches = matcher
        self.fragments = fragments

    def may_match(self, text):
        return any(f in text for f in self.fragments)


def compile_term(text, offset=0):
    """Braces content -> Term."""
    toks = _term_tokens(text, offset)
    letters = sum(len(w) for k, v in toks if k in ("word", "phrase")
                  for w in _WORD.findall(v))
    if letters < 2:
        raise ApiError(400, "INVALID_SEARCH",
                       "search term must be longer than one character")
    fragments = []
    for k, v in toks:
        if k in ("word", "phrase"):
            runs = _WORD.findall(v.lower().replace("*", " ")
                                 .replace("?", " "))
            if runs:
                fragments.append(max(runs, key=len))
    return Term(_TermParser(toks).parse(), fragments or [""])


def escape_plain(text):
    """parameterizedSearch `q` is plain text: escape reserved characters
    (other than wildcards, quotes and parentheses). UNCONFIRMED: the
    reference does not say how Salesforce treats them there."""
    return "".join("\\" + c if c in RESERVED else c for c in text)


# ---- the rest of the statement ----------------------------------------------
class Target:
    """One RETURNING object with its field list and clauses."""

    def __init__(self, obj):
        self.obj = obj
        self.items = []
        self.where = None
        self.order = None
        self.limit = None
        self.offset = 0


def _scope_fields(obj, scope):
    if scope == "NAME":
        names = NAME_SEARCH.get(obj.name, [obj.name_field])
        return [obj.field(n) for n in names]
    if scope == "EMAIL":
        return [f for f in obj.fields if f.type == "email"]
    if scope == "PHONE":
        return [f for f in obj.fields if f.type == "phone"]
    return [f for f in obj.fields
            if f.type in ("string", "textarea", "email", "phone", "url")]


class Search:
    def __init__(self, matcher, scope, targets, limit):
        self.matcher = matcher
        self.scope = scope
        self.targets = targets
        self.limit = limit

    def run(self, org, version):
        out = []
        remaining = self.limit
        for t in self.targets:
            fields = _scope_fields(t.obj, self.scope)
            rows = []
            for rec in org.table(t.obj.name).values():
                if rec.get("IsDeleted"):
                    continue
                if t.where is not None and not t.where(rec):
                    continue
                if self.matcher.may_match(_text(rec, fields)) and \
                        self.matcher.matches(_tokens(rec, fields)):
                    rows.append(rec)
            if t.order:
                soql.sort_records(rows, t.order)
            rows = rows[t.offset:]
            if t.limit is not None:
                rows = rows[:t.limit]
            rows = rows[:remaining]
            remaining -= len(rows)
            q = soql.Query(t.obj, t.items, None, None, None, 0, False, [])
            out.extend(q.project(org, r, version) for r in rows)
            if remaining <= 0:
                break
        return out


def _text(rec, fields):
    parts = []
    for f in fields:
        v = rec.get(f.name)
        if v:
            parts.append(str(v))
            if f.type == "phone":
                parts.append("".join(ch for ch in v if ch.isdigit()))
    return " ".join(parts).lower()


def _tokens(rec, fields):
    out = []
    for f in fields:
        v = rec.get(f.name)
        if not v:
            continue
        toks = _WORD.findall(str(v).lower())
        out.append(toks)
        if f.type == "phone":
            out.append(["".join(ch for ch in v if ch.isdigit())])
    return out


def _default_items(parser, obj):
    return [parser.path(obj, soql.Tok("ident", "Id", "Id", 0))]


def compile_search(state, org, source):
    """Parse a SOSL statement; raise ApiError (MALFORMED_SEARCH etc.)."""
    m = re.match(r"\s*FIND\b\s*", source, re.I)
    if not m:
        toks = soql.tokenize(source, code="MALFORMED_SEARCH")
        raise soql.located(source, toks[0].pos, "MALFORMED_SEARCH",
                           "unexpected token: '%s'" % toks[0].text)
    i = m.end()
    if i >= len(source) or source[i] != "{":
        raise no_term()
    j = i + 1
    while j < len(source) and source[j] != "}":
        if source[j] == "\\":
            j += 1
        elif source[j] == "{":
            raise malformed("line 1:%d no viable alternative at character "
                            "'{'" % j)
        j += 1
    if j >= len(source):
        raise no_term()
    matcher = compile_term(source[i + 1:j], i + 1)
    toks = soql.tokenize(source, j + 1, code="MALFORMED_SEARCH")
    p = soql.Parser(state, source, toks, code="MALFORMED_SEARCH")
    scope = "ALL"
    if p.tok.kw("in"):
        p.next()
        scope = p.expect_kw("all", "name", "email", "phone",
                            "sidebar").value.upper()
        p.expect_kw("fields")
    targets = []
    if p.tok.kw("returning"):
        p.next()
        while True:
            targets.append(_target(p, org))
            if not p.accept("punct", ","):
                break
    else:
        for name in SEARCHABLE:
            if state.schema.get(name) is None:
                continue        # an object the user cannot read
            t = Target(state.schema.get(name))
            t.items = _default_items(p, t.obj)
            targets.append(t)
    limit = 2000
    if p.tok.kw("with"):        # WITH SNIPPET / NETWORK ...: ignored
        p.next()
        p.expect("ident")
    if p.tok.kw("limit"):
        p.next()
        limit = min(p.integer(), 2000)
    if p.tok.kind != "eof":
        raise p.unexpected()
    return Search(matcher, scope, targets, limit)


def _target(p, org):
    obj = p.sobject()
    t = Target(obj)
    if not p.accept("punct", "("):
        t.items = _default_items(p, obj)
        return t
    while True:
        t.items.append(p.path(obj))
        if not p.accept("punct", ","):
            break
    if p.tok.kw("where"):
        p.next()
        t.where = p.condition(obj, org)
    if p.tok.kw("order"):
        p.next()
        p.expect_kw("by")
        t.order = p.order_by(obj, org)
    if p.tok.kw("limit"):
        p.next()
        t.limit = p.integer()
    if p.tok.kw("offset"):
        p.next()
        t.offset = p.integer()
    p.expect("punct", ")")
    return t


def parameterized(state, org, spec):
    """parameterizedSearch inputs (GET params or POST body, normalised by
    the caller into spec) -> Search."""
    q = spec.get("q")
    if not q or not str(q).strip():
        # UNCONFIRMED: wording of the missing-q error.
        raise ApiError(400, "MISSING_ARGUMENT",
                       "Missing required parameter: q")
    matcher = compile_term(escape_plain(str(q)))
    scope = str(spec.get("in") or "ALL").upper()
    if scope not in ("ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR"):
        raise malformed("Invalid search scope: %s" % scope)
    default_fields = spec.get("fields") or ["Id"]
    default_limit = spec.get("defaultLimit")
    targets = []
    objs = spec.get("sobjects") or [{"name": n} for n in SEARCHABLE]
    for o in objs:
        obj = state.schema.get(o.get("name"))
        if obj is None:
            raise ApiError(400, "INVALID_TYPE",
                           "sObject type '%s' is not supported."
                           % o.get("name"))
        t = Target(obj)
        names = o.get("fields") or default_fields
        text = ", ".join(names)
        toks = soql.tokenize(text, code="MALFORMED_SEARCH")
        p = soql.Parser(state, text, toks, code="MALFORMED_SEARCH")
        while p.tok.kind != "eof":
            t.items.append(p.path(obj))
            p.accept("punct", ",")
        if o.get("where"):
            wtext = o["where"]
            wp = soql.Parser(state, wtext, soql.tokenize(wtext))
            t.where = wp.condition(obj, org)
            if wp.tok.kind != "eof":
                raise wp.unexpected()
        lim = o.get("limit", default_limit)
        t.limit = int(lim) if lim not in (None, "") else None
        targets.append(t)
    overall = spec.get("overallLimit")
    limit = min(int(overall), 2000) if overall not in (None, "") else 2000
    return Search(matcher, scope, targets, limit)
