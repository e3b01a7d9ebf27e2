"""A SOQL subset: SELECT fields (with parent paths such as Account.Name),
child-relationship subqueries ((SELECT ... FROM Contacts ...)), COUNT(),
aggregate functions (COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX) with
GROUP BY, FROM, WHERE (= != <> < > <= >= LIKE IN NOT IN,
AND OR NOT, parentheses, NULL, TRUE/FALSE, dates, date literals), ORDER BY
(ASC/DESC, NULLS FIRST/LAST), LIMIT, OFFSET. Errors are worded as
Salesforce words them (salesforce-api.md 2.5, 3.3)."""

import datetime
import operator
import re

import ids
import records
from store import ApiError

_TOKEN = re.compile(r"""
  (?P<ws>\s+)
| (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?
               (?:Z|[+-]\d{2}:?\d{2}))
| (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
| (?P<number>-?(?:\d+\.?\d*|\.\d+))
| (?P<string>')
| (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
| (?P<op>!=|<>|<=|>=|=|<|>)
| (?P<punct>[(),:])
""", re.X)

# Salesforce documents \n \r \t \b \f and their upper-case forms \N \R \T
# \B \F with the same meanings, plus \" \' \\ and \uXXXX. (\b is "Bell" in
# the documentation; it is read as backspace here, as Java would.)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f",
            "N": "\n", "T": "\t", "R": "\r", "B": "\b", "F": "\f",
            '"': '"', "'": "'", "\\": "\\"}
# \_ and \% are documented as "LIKE expression only": a literal _ or %.
_LIKE_ONLY = ("_", "%")

KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "like",
            "order", "by", "asc", "desc", "nulls", "first", "last", "limit",
            "offset", "null", "true", "false", "group", "having", "with",
            "for", "using", "includes", "excludes", "returning", "find"}

COLUMN_HINT = ("If you are attempting to use a custom field, be sure to "
               "append the '__c' after the custom field name. Please "
               "reference your WSDL or the describe call for the "
               "appropriate names.")


class Tok:
    __slots__ = ("kind", "value", "text", "pos")

    def __init__(self, kind, value, text, pos):
        self.kind, self.value, self.text, self.pos = kind, value, text, pos

    def kw(self, *words):
        return self.kind == "ident" and self.value.lower() in words


class QueryError(ApiError):
    pass


def located(source, pos, code, message):
    """Salesforce's caret layout: the query, a caret under the column,
    ERROR at Row:R:Column:C, then the message."""
    row = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return QueryError(400, code, "\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s"
                      % (source, " " * (col - 1), row, col, message))


def tokenize(source, start=0, end=None, code="MALFORMED_QUERY"):
    end = len(source) if end is None else end
    toks, pos = [], start
    while pos < end:
        m = _TOKEN.match(source, pos, end)
        if not m:
            raise located(source, pos, code, "line 1:%d no viable "
                          "alternative at character '%s'"
                          % (pos, source[pos]))
        kind = m.lastgroup
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "string":
            value, pos2 = _read_string(source, pos, end, code)
            toks.append(Tok("string", value, source[pos:pos2], pos))
            pos = pos2
            continue
        text = m.group()
        toks.append(Tok(kind, text, text, pos))
        pos = m.end()
    toks.append(Tok("eof", None, "<EOF>", end))
    return toks


class StringLiteral:
    r"""A string literal decoded once into pieces: (character, wildcard)
    pairs. A wildcard piece is a bare % or _ (meaningful only to LIKE);
    every character written as an escape sequence (\\ \' \n \uXXXX \_ \%
    ...) is literal. So 'x\\%' is x, a literal backslash, then a wildcard,
    and '%\\%' means "contains a backslash"."""

    __slots__ = ("pieces", "raw", "like_only")

    def __init__(self, pieces, raw, like_only):
        self.pieces = pieces        # [(char, is_wildcard)]
        self.raw = raw              # the source text between the quotes
        self.like_only = like_only  # the first \_ or \% escape, or None

    def text(self):
        """The value that = != < > IN compare (callers reject literals
        with LIKE-only escapes first)."""
        return "".join(c for c, _ in self.pieces)

    def like_regex(self):
        out = []
        for c, wild in self.pieces:
            if wild:
                out.append(".*" if c == "%" else ".")
            else:
                out.append(re.escape(c))
        return re.compile("^" + "".join(out) + "$", re.S | re.I)


def _raw_literal(source, pos, end):
    """The text between a literal's quotes (up to `end` if unterminated)."""
    i = pos + 1
    while i < end and source[i] != "'":
        i += 2 if source[i] == "\\" else 1
    return source[pos + 1:min(i, end)]


def invalid_literal(source, pos, end, code, seq):
    r"""Salesforce's wording, as recorded in restforce issue #632:
    "Invalid string literal 'Anne\-Marie'. Illegal character sequence '\-'
    in string literal.", located at the literal (the recording's column is
    the literal's, not the backslash's)."""
    return located(source, pos, code, "Invalid string literal '%s'. Illegal "
                   "character sequence '%s' in string literal."
                   % (_raw_literal(source, pos, end), seq))


def _read_string(source, pos, end, code):
    """Decode the literal opening at source[pos] -> (StringLiteral, end)."""
    pieces, like_only, i = [], None, pos + 1
    while i < end:
        c = source[i]
        if c == "\\":
            nxt = source[i + 1:i + 2]
            if nxt in _ESCAPES:
                pieces.append((_ESCAPES[nxt], False))
            elif nxt in _LIKE_ONLY:
                # Valid lexically; rejected later unless the literal is a
                # LIKE pattern (Parser._value).
                pieces.append((nxt, False))
                like_only = like_only or "\\" + nxt
            elif nxt == "u" and re.match(r"[0-9a-fA-F]{4}",
                                          source[i + 2:i + 6]):
                # A % or _ written as \uXXXX counts as a literal character,
                # not a wildcard (UNCONFIRMED: the documentation is silent).
                pieces.append((chr(int(source[i + 2:i + 6], 16)), False))
                i += 4
            else:
                raise invalid_literal(source, pos, end, code, "\\" + nxt)
            i += 2
            continue
        if c == "'":
            return StringLiteral(pieces, source[pos + 1:i], like_only), i + 1
        pieces.append((c, c in "%_"))
        i += 1
    raise located(source, pos, code, "line 1:%d mismatched character "
                  "'<EOF>' expecting '''" % end)


# ---- date literals ----------------------------------------------------------
def _month_start(d, add=0):
    m = d.month - 1 + add
    return datetime.date(d.year + m // 12, m % 12 + 1, 1)


def _quarter_start(d, add=0):
    return _month_start(datetime.date(d.year, (d.month - 1) // 3 * 3 + 1, 1),
                        3 * add)


def _week_start(d):
    return d - datetime.timedelta(days=(d.weekday() + 1) % 7)   # Sunday


# The fiscal year is Salesforce's default standard fiscal year, which starts
# in January: fiscal quarters and years are then the calendar ones. (Orgs
# can move the start month or define custom fiscal years; not emulated.)
FISCAL_YEAR_START_MONTH = 1


def _fiscal_quarter_start(d, add=0):
    return _month_start(d, -((d.month - FISCAL_YEAR_START_MONTH) % 3) +
                        3 * add)


def _fiscal_year_start(d, add=0):
    return _month_start(d, -((d.month - FISCAL_YEAR_START_MONTH) % 12) +
                        12 * add)


def date_range(name, n, today):
    """[start, end) dates for a date literal, or None if unknown. UTC is
    the org time zone here (real orgs use the user's time zone)."""
    day = datetime.timedelta(days=1)
    w = _week_start(today)

    def year(add):
        return datetime.date(today.year + add, 1, 1)

    def fq(add):
        return _fiscal_quarter_start(today, add)

    def fy(add):
        return _fiscal_year_start(today, add)
    fixed = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "THIS_WEEK": (w, w + 7 * day),
        "LAST_WEEK": (w - 7 * day, w),
        "NEXT_WEEK": (w + 7 * day, w + 14 * day),
        "THIS_MONTH": (_month_start(today), _month_start(today, 1)),
        "LAST_MONTH": (_month_start(today, -1), _month_start(today)),
        "NEXT_MONTH": (_month_start(today, 1), _month_start(today, 2)),
        "THIS_QUARTER": (_quarter_start(today), _quarter_start(today, 1)),
        "LAST_QUARTER": (_quarter_start(today, -1), _quarter_start(today)),
        "NEXT_QUARTER": (_quarter_start(today, 1), _quarter_start(today, 2)),
        "THIS_YEAR": (year(0), year(1)),
        "LAST_YEAR": (year(-1), year(0)),
        "NEXT_YEAR": (year(1), year(2)),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "THIS_FISCAL_QUARTER": (fq(0), fq(1)),
        "LAST_FISCAL_QUARTER": (fq(-1), fq(0)),
        "NEXT_FISCAL_QUARTER": (fq(1), fq(2)),
        "THIS_FISCAL_YEAR": (fy(0), fy(1)),
        "LAST_FISCAL_YEAR": (fy(-1), fy(0)),
        "NEXT_FISCAL_YEAR": (fy(1), fy(2)),
    }
    if n is None:
        return fixed.get(name)
    # Computed only for the literal asked for: a large n that is fine for
    # one unit (days) may be out of range for another (years).
    param = {
        # LAST_N_DAYS:n covers the past n days and today (Salesforce
        # counts today in); NEXT_N_DAYS:n starts tomorrow.
        "LAST_N_DAYS": lambda: (today - n * day, today + day),
        "NEXT_N_DAYS": lambda: (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": lambda: (today - n * day, today - (n - 1) * day),
        # LAST_N_<unit>:n: the n whole units before the current one;
        # NEXT_N_<unit>:n: the n after it; N_<unit>_AGO:n: the one unit
        # that started n units before the current one.
        "LAST_N_WEEKS": lambda: (w - 7 * n * day, w),
        "NEXT_N_WEEKS": lambda: (w + 7 * day, w + 7 * (n + 1) * day),
        "N_WEEKS_AGO": lambda: (w - 7 * n * day, w - 7 * (n - 1) * day),
        "LAST_N_MONTHS": lambda: (_month_start(today, -n),
                                  _month_start(today)),
        "NEXT_N_MONTHS": lambda: (_month_start(today, 1),
                                  _month_start(today, n + 1)),
        "N_MONTHS_AGO": lambda: (_month_start(today, -n),
                                 _month_start(today, 1 - n)),
        "LAST_N_QUARTERS": lambda: (_quarter_start(today, -n),
                                    _quarter_start(today)),
        "NEXT_N_QUARTERS": lambda: (_quarter_start(today, 1),
                                    _quarter_start(today, n + 1)),
        "N_QUARTERS_AGO": lambda: (_quarter_start(today, -n),
                                   _quarter_start(today, 1 - n)),
        "LAST_N_YEARS": lambda: (year(-n), year(0)),
        "NEXT_N_YEARS": lambda: (year(1), year(n + 1)),
        "N_YEARS_AGO": lambda: (year(-n), year(1 - n)),
        "LAST_N_FISCAL_QUARTERS": lambda: (fq(-n), fq(0)),
        "NEXT_N_FISCAL_QUARTERS": lambda: (fq(1), fq(n + 1)),
        "N_FISCAL_QUARTERS_AGO": lambda: (fq(-n), fq(1 - n)),
        "LAST_N_FISCAL_YEARS": lambda: (fy(-n), fy(0)),
        "NEXT_N_FISCAL_YEARS": lambda: (fy(1), fy(n + 1)),
        "N_FISCAL_YEARS_AGO": lambda: (fy(-n), fy(1 - n)),
    }
    make = param.get(name)
    return make() if make else None


_PARAM_LITERALS = {"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS",
                   "NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS",
                   "NEXT_N_MONTHS", "N_MONTHS_AGO", "LAST_N_QUARTERS",
                   "NEXT_N_QUARTERS", "N_QUARTERS_AGO", "LAST_N_YEARS",
                   "NEXT_N_YEARS", "N_YEARS_AGO", "LAST_N_FISCAL_QUARTERS",
                   "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
                   "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS",
                   "N_FISCAL_YEARS_AGO"}


# ---- field paths ------------------------------------------------------------
class Path:
    """A resolved field reference: relationship hops then a field."""

    def __init__(self, hops, fld, display):
        self.hops = hops            # [(reference field name, parent SObject)]
        self.field = fld
        self.display = display      # canonical dotted name

    def getter(self, org):
        name = self.field.name
        if not self.hops:
            return lambda rec: rec.get(name)
        tables = [(ref, org.table(parent.name)) for ref, parent in self.hops]

        def get(rec):
            for ref, table in tables:
                rec = table.get(rec.get(ref))
                if rec is None:
                    return None
            return rec.get(name)
        return get


class Parser:
    """Recursive descent over tokens; `code` is MALFORMED_QUERY for SOQL
    and MALFORMED_SEARCH when SOSL reuses the clauses."""

    def __init__(self, state, source, toks, code="MALFORMED_QUERY"):
        self.state = state
        self.schema = state.schema
        self.source = source
        self.toks = toks
        self.i = 0
        self.code = code

    @property
    def tok(self):
        return self.toks[self.i]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def unexpected(self, tok=None):
        tok = tok or self.tok
        return located(self.source, tok.pos, self.code,
                       "unexpected token: '%s'" % tok.text)

    def expect_kw(self, *words):
        if not self.tok.kw(*words):
            raise self.unexpected()
        return self.next()

    def expect(self, kind, text=None):
        t = self.tok
        if t.kind != kind or (text is not None and t.value != text):
            raise self.unexpected()
        return self.next()

    def accept(self, kind, text):
        if self.tok.kind == kind and self.tok.value == text:
            return self.next()
        return None

    # -- names --
    def relationship(self, parent):
        """The FROM of a subquery: a child relationship of parent ->
        (child SObject, the child's field referencing parent, name)."""
        t = self.tok
        found = self.schema.child_relationship(parent, t.value) \
            if t.kind == "ident" and "." not in t.value else None
        if found is None:
            raise located(self.source, t.pos, "INVALID_TYPE",
                          "Didn't understand relationship '%s' in FROM part "
                          "of query call. If you are attempting to use a "
                          "custom relationship, be sure to append the '__r' "
                          "after the custom relationship name. Please "
                          "reference your WSDL or the describe call for the "
                          "appropriate names." % t.text)
        self.next()
        return found

    def sobject(self):
        t = self.tok
        if t.kind != "ident" or "." in t.value:
            raise self.unexpected()
        obj = self.schema.get(t.value)
        if obj is None:
            raise located(self.source, t.pos, "INVALID_TYPE",
                          "sObject type '%s' is not supported. If you are "
                          "attempting to use a custom object, be sure to "
                          "append the '__c' after the entity name. Please "
                          "reference your WSDL or the describe call for the "
                          "appropriate names." % t.value)
        self.next()
        return obj

    def path(self, obj, tok=None):
        tok = tok or self.next()
        if tok.kind != "ident" or tok.value.lower() in KEYWORDS:
            raise self.unexpected(tok)
        parts = tok.value.split(".")
        if len(parts) > 1 and self.schema.get(parts[0]) is obj:
            parts = parts[1:]       # SELECT Lead.Name FROM Lead is legal
        hops, names, cur = [], [], obj
        for rel in parts[:-1]:
            ref = cur.rels.get(rel.lower())
            parent = self.schema.get(ref.ref[0]) if ref and ref.ref else None
            if parent is None:
                raise located(self.source, tok.pos, "INVALID_FIELD",
                              "Didn't understand relationship '%s' in field "
                              "path. If you are attempting to use a custom "
                              "relationship, be sure to append the '__r' "
                              "after the custom relationship name. Please "
                              "reference your WSDL or the describe call for "
                              "the appropriate names." % rel)
            hops.append((ref.name, parent))
            names.append(ref.rel)
            cur = parent
        fld = cur.field(parts[-1])
        if fld is None:
            raise located(self.source, tok.pos, "INVALID_FIELD",
                          "No such column '%s' on entity '%s'. %s"
                          % (parts[-1], cur.name, COLUMN_HINT))
        names.append(fld.name)
        return Path(hops, fld, ".".join(names))

    # -- WHERE --
    def condition(self, obj, org):
        """AND / OR / NOT over comparisons. Like Salesforce, mixing AND and
        OR at one level without parentheses is a syntax error."""
        terms = [self._unary(obj, org)]
        joiner = None
        while self.tok.kw("and", "or"):
            word = self.tok.value.lower()
            if joiner is None:
                joiner = word
            elif joiner != word:
                raise self.unexpected()
            self.next()
            terms.append(self._unary(obj, org))
        if len(terms) == 1:
            return terms[0]
        if joiner == "and":
            return lambda rec: all(t(rec) for t in terms)
        return lambda rec: any(t(rec) for t in terms)

    def _unary(self, obj, org):
        if self.tok.kw("not"):
            self.next()
            inner = self._unary(obj, org)
            return lambda rec: not inner(rec)
        if self.accept("punct", "("):
            inner = self.condition(obj, org)
            self.expect("punct", ")")
            return inner
        return self._comparison(obj, org)

    def _comparison(self, obj, org):
        ftok = self.tok
        path = self.path(obj)
        self.capable(path, ftok, "filtered")
        get = path.getter(org)
        fld = path.field
        if self.tok.kw("like"):
            self.next()
            vt = self.expect("string")
            rx = vt.value.like_regex()
            return lambda rec: (lambda v: v is not None and
                                rx.match(str(v)) is not None)(get(rec))
        negate = False
        if self.tok.kw("not"):
            self.next()
            negate = True
            if not self.tok.kw("in"):
                raise self.unexpected()
        if self.tok.kw("in"):
            self.next()
            self.expect("punct", "(")
            values = [self._value(fld, ftok)]
            while self.accept("punct", ","):
                values.append(self._value(fld, ftok))
            self.expect("punct", ")")
            wanted = set(_key(fld, v) for v in values if not
                         isinstance(v, tuple))
            if negate:
                return lambda rec: _key(fld, get(rec)) not in wanted
            return lambda rec: _key(fld, get(rec)) in wanted
        if self.tok.kind != "op":
            raise self.unexpected()
        op = self.next().value
        op = "!=" if op == "<>" else op
        value = self._value(fld, ftok)
        return _compare(fld, get, op, value)

    def _value(self, fld, ftok):
        t = self.next()
        name = fld.name
        t_type = fld.type

        def wrong(kind, quoted):
            return located(self.source, t.pos, "INVALID_FIELD",
                           "value of filter criterion for field '%s' must be "
                           "of type %s and should %sbe enclosed in quotes"
                           % (name, kind, "" if quoted else "not "))
        if t.kw("null"):
            return None
        if t.kw("true", "false"):
            if t_type != "boolean":
                raise wrong(_type_word(t_type), t_type in records_text())
            return t.value.lower() == "true"
        if t.kind == "string":
            lit = t.value
            if lit.like_only:
                # \_ and \% are documented as valid in LIKE only. The
                # wording is UNCONFIRMED: Salesforce's message for other
                # illegal escapes ("Invalid string literal '...'. Illegal
                # character sequence '\_' in string literal.").
                raise invalid_literal(self.source, t.pos, len(self.source),
                                      self.code, lit.like_only)
            text = lit.text()
            if t_type in ("id", "reference"):
                norm = ids.normalize(text)
                if norm is None:
                    raise located(self.source, t.pos,
                                  "INVALID_QUERY_FILTER_OPERATOR",
                                  "invalid ID field: %s" % text)
                return norm
            if t_type in ("int", "double", "currency", "percent", "boolean",
                          "date", "datetime"):
                raise wrong(_type_word(t_type), False)
            return text
        if t.kind == "number":
            if t_type not in ("int", "double", "currency", "percent"):
                raise wrong(_type_word(t_type), t_type in records_text())
            return float(t.value)
        if t.kind == "date":
            if t_type != "date":
                raise wrong(_type_word(t_type), t_type in records_text())
            if not records.valid_date(t.value):
                raise self.unexpected(t)
            return t.value
        if t.kind == "datetime":
            if t_type != "datetime":
                raise wrong(_type_word(t_type), t_type in records_text())
            return records.normalize_datetime(t.value)
        if t.kind == "ident" and "." not in t.value:
            lit = t.value.upper()
            n = None
            if lit in _PARAM_LITERALS:
                self.expect("punct", ":")
                nt = self.expect("number")
                n = int(float(nt.value))
            today = datetime.datetime.fromtimestamp(
                self.state.now(), datetime.timezone.utc).date()
            rng = date_range(lit, n, today)
            if rng is not None:
                if t_type not in ("date", "datetime"):
                    raise wrong(_type_word(t_type), t_type in records_text())
                if t_type == "date":
                    return (rng[0].isoformat(), rng[1].isoformat())
                return tuple(d.isoformat() + "T00:00:00.000+0000"
                             for d in rng)
        raise self.unexpected(t)

    # -- ORDER BY --
    def order_by(self, obj, org):
        keys = []
        while True:
            ptok = self.tok
            path = self.path(obj)
            self.capable(path, ptok, "sorted")
            desc = False
            if self.tok.kw("asc", "desc"):
                desc = self.next().value.lower() == "desc"
            # Default: nulls first ascending, last descending (nulls sort
            # as the lowest value). UNCONFIRMED in the reference.
            nulls_first = not desc
            if self.tok.kw("nulls"):
                self.next()
                nulls_first = self.expect_kw("first", "last").value.lower() \
                    == "first"
            keys.append((path.getter(org), path.field, desc, nulls_first))
            if not self.accept("punct", ","):
                return keys

    def integer(self):
        t = self.expect("number")
        if not t.value.isdigit():
            raise self.unexpected(t)
        return int(t.value)

    def capable(self, path, tok, what):
        """Compound and long text fields cannot be filtered or sorted."""
        f = path.field
        ok = f.type != "address" and not (f.type == "textarea" and
                                           f.length > 255)
        if not ok:
            raise located(self.source, tok.pos, "INVALID_FIELD",
                          "field '%s' can not be %s in a query call"
                          % (f.name, what))


def records_text():
    return ("string", "textarea", "picklist", "email", "phone", "url",
            "id", "reference", "multipicklist")


def _type_word(t):
    return {"int": "integer", "double": "double", "currency": "currency",
            "percent": "percent", "boolean": "boolean", "date": "date",
            "datetime": "dateTime", "id": "id", "reference": "id"}.get(
                t, "string")


def _key(fld, v):
    if isinstance(v, str) and fld.type not in ("id", "reference"):
        return v.lower()
    return v


def _compare(fld, get, op, value):
    if isinstance(value, tuple):                   # date literal range
        lo, hi = value
        tests = {"=": lambda v: lo <= v < hi, "!=": lambda v: not lo <= v < hi,
                 "<": lambda v: v < lo, "<=": lambda v: v < hi,
                 ">": lambda v: v >= hi, ">=": lambda v: v >= lo}
        test = tests[op]
        return lambda rec: (lambda v: v is not None and test(v))(get(rec))
    if value is None:
        if op == "=":
            return lambda rec: get(rec) is None
        if op == "!=":
            return lambda rec: get(rec) is not None
        return lambda rec: False
    want = _key(fld, value)
    if op == "=":
        return lambda rec: _key(fld, get(rec)) == want
    if op == "!=":
        return lambda rec: _key(fld, get(rec)) != want
    fn = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
          ">=": operator.ge}[op]

    def test(rec):
        v = get(rec)
        return v is not None and fn(_key(fld, v), want)
    return test


_ZERO = {"int": 0, "double": 0.0, "currency": 0.0, "percent": 0.0,
         "boolean": False}


def sort_records(rows, keys):
    for get, fld, desc, nulls_first in reversed(keys):
        zero = _ZERO.get(fld.type, "")
        null_rank = 0 if nulls_first != desc else 1

        def k(rec, get=get, zero=zero, null_rank=null_rank, fld=fld):
            v = get(rec)
            if v is None:
                return (null_rank, zero)
            if isinstance(v, dict):
                v = str(v)
            return (1 - null_rank, _key(fld, v))
        rows.sort(key=k, reverse=desc)
    return rows


class Query:
    """A compiled SELECT. In an aggregate query (aggregate functions or
    GROUP BY) `select` lists (key, Path or Aggregate) in order and rows
    are AggregateResults; otherwise `items` lists the Paths and SubQuerys
    that project each record."""

    def __init__(self, obj, items, where, order, limit, offset, count_only,
                 aggregates, groups=None, select=None):
        self.obj = obj
        self.items = items              # [Path or SubQuery]
        self.where = where
        self.order = order
        self.limit = limit
        self.offset = offset
        self.count_only = count_only
        self.aggregates = aggregates    # [Aggregate]
        self.groups = groups            # [Path] of GROUP BY, or None
        self.select = select or []      # [(key, Path or Aggregate)]

    @property
    def aggregated(self):
        return bool(self.aggregates) or self.groups is not None

    def run(self, org, include_deleted, match=None):
        """The matching records, sorted, after OFFSET and LIMIT (in an
        aggregate query those apply to the groups: aggregate_rows)."""
        table = org.table(self.obj.name).values()
        where = self.where
        rows = [r for r in table
                if (include_deleted or not r.get("IsDeleted")) and
                (match is None or match(r)) and (where is None or where(r))]
        if self.aggregated:
            return rows
        if self.order:
            sort_records(rows, self.order)
        if self.offset:
            rows = rows[self.offset:]
        if self.limit is not None:
            rows = rows[:self.limit]
        return rows

    def project(self, org, rec, version):
        out = {"attributes": records.attributes(self.obj.name, rec["Id"],
                                                version)}
        for item in self.items:
            if isinstance(item, SubQuery):
                out[item.name] = item.render(org, rec["Id"], version)
            else:
                _put(org, out, rec, item, version)
        return out


class SubQuery:
    """A child-relationship subquery, (SELECT ... FROM Contacts ...): for
    each parent record, {totalSize, done, records} of its children, or
    None when it has none (as Salesforce answers)."""

    def __init__(self, name, query, link):
        self.name = name        # the relationship name, as described
        self.query = query      # a Query over the child sObject
        self.link = link        # the child's field referencing the parent

    def render(self, org, parent_id, version):
        link = self.link
        rows = self.query.run(org, False, lambda r: r.get(link) == parent_id)
        if not rows:
            return None
        return {"totalSize": len(rows), "done": True,
                "records": [self.query.project(org, r, version)
                            for r in rows]}


AGGREGATE_FUNCTIONS = ("count", "count_distinct", "sum", "avg", "min", "max")
_NUMERIC = ("int", "double", "currency", "percent")


class Aggregate:
    """COUNT(f), COUNT_DISTINCT(f), SUM(f), AVG(f), MIN(f) or MAX(f) over
    the records of one group."""

    def __init__(self, fn, path):
        self.fn = fn
        self.path = path

    def value(self, org, rows):
        get, fld = self.path.getter(org), self.path.field
        values = [v for v in map(get, rows) if v is not None]
        if self.fn == "count":
            return len(values)
        if self.fn == "count_distinct":
            return len(set(_key(fld, v) for v in values))
        if not values:
            return None
        if self.fn == "sum":
            return sum(values)
        if self.fn == "avg":
            return sum(values) / len(values)
        pick = min if self.fn == "min" else max
        return pick(values, key=lambda v: _key(fld, v))


def _shown(path, value):
    """A value as selected: toLabel(f) gives a picklist value's label."""
    if value is None or not getattr(path, "to_label", False):
        return value
    for e in path.field.entries():
        if e["value"] == value:
            return e["label"]
    return value


def _put(org, out, rec, path, version):
    if not path.hops:
        out[path.field.name] = _shown(path, rec.get(path.field.name))
        return
    names = path.display.split(".")
    cur_out, cur_rec = out, rec
    for (ref, parent), rel in zip(path.hops, names):
        if rel in cur_out and cur_out[rel] is None:
            return
        prec = org.table(parent.name).get(cur_rec.get(ref))
        if prec is None:
            cur_out[rel] = None
            return
        if rel not in cur_out:
            cur_out[rel] = {"attributes": records.attributes(
                parent.name, prec["Id"], version)}
        cur_out, cur_rec = cur_out[rel], prec
    cur_out[path.field.name] = _shown(path, cur_rec.get(path.field.name))


def compile_query(state, org, source):
    """Parse source into a Query; raise ApiError (MALFORMED_QUERY etc.)."""
    return _compile(state, org, source, tokenize(source), None)


def _select_end(p):
    """Skip the select list up to its FROM: items (a name, a function
    call and its alias, or a parenthesised subquery) separated by
    commas."""
    while True:
        if p.tok.kind == "punct" and p.tok.value == "(":
            p.i = _closing(p.toks, p.i, p.source) + 1
        else:
            if p.tok.kind != "ident" or p.tok.kw("from"):
                raise p.unexpected()
            p.next()
            if p.tok.kind == "punct" and p.tok.value == "(":
                p.i = _closing(p.toks, p.i, p.source) + 1
                if p.tok.kind == "ident" and not p.tok.kw("from"):
                    p.next()            # an alias
        if not p.accept("punct", ","):
            return p.i


def _closing(toks, i, source, code="MALFORMED_QUERY"):
    """The index of the ")" that closes the "(" at toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind == "punct" and toks[j].value in "()":
            depth += 1 if toks[j].value == "(" else -1
            if depth == 0:
                return j
    raise located(source, toks[-1].pos, code, "unexpected token: '%s'"
                  % toks[-1].text)


def _select_list(state, org, source, q, obj, parent):
    """The items of a select list -> [(kind, item, alias token)]."""
    out = []
    while q.tok.kind != "eof":
        t = q.tok
        if t.kind == "punct" and t.value == "(":
            if parent is not None or not q.toks[q.i + 1].kw("select"):
                raise q.unexpected()
            j = _closing(q.toks, q.i, source)
            sub = q.toks[q.i + 1:j] + [Tok("eof", None, ")", q.toks[j].pos)]
            out.append(("sub", _compile(state, org, source, sub, obj), None))
            q.i = j + 1
        else:
            q.next()
            if t.kind == "ident" and t.value.lower() == "tolabel" and \
                    q.accept("punct", "("):
                ftok = q.tok
                arg = q.path(obj)
                if arg.field.type not in ("picklist", "multipicklist"):
                    raise located(source, ftok.pos, "INVALID_FIELD",
                                  "toLabel() can only be used on picklist "
                                  "fields: %s" % arg.display)
                arg.to_label = True
                q.expect("punct", ")")
                item = ("path", arg, None)
            elif t.kind == "ident" and q.accept("punct", "("):
                if t.value.lower() not in AGGREGATE_FUNCTIONS:
                    raise q.unexpected(t)
                ftok = q.tok
                arg = q.path(obj)
                if t.value.lower() in ("sum", "avg") and \
                        arg.field.type not in _NUMERIC:
                    raise located(source, ftok.pos, "INVALID_FIELD",
                                  "field %s does not support aggregate "
                                  "operator %s" % (arg.display,
                                                   t.value.upper()))
                q.expect("punct", ")")
                alias = q.next() if q.tok.kind == "ident" else None
                item = ("agg", Aggregate(t.value.lower(), arg), alias)
            else:
                item = ("path", q.path(obj, t), None)
            out.append(item)
        if q.tok.kind != "eof":
            q.expect("punct", ",")
            if q.tok.kind == "eof":
                raise q.unexpected()
    return out


def _compile(state, org, source, toks, parent):
    """A SELECT over toks. parent: None at the top level; the parent
    SObject for a subquery, whose FROM names a child relationship."""
    p = Parser(state, source, toks)
    p.expect_kw("select")
    select_start = p.i
    count_only = False
    if p.tok.kw("count") and p.toks[p.i + 1].value == "(" and \
            p.toks[p.i + 2].value == ")":
        p.i += 3
        count_only = True
    else:
        # Paths are resolved after FROM is known: remember the tokens.
        _select_end(p)
    select_end = p.i
    p.expect_kw("from")
    link = rel_name = None
    if parent is None:
        obj = p.sobject()
    else:
        obj, link, rel_name = p.relationship(parent)
    listed = []
    if not count_only:
        q = Parser(state, source, toks[select_start:select_end] +
                   [Tok("eof", None, "FROM", toks[select_end].pos)])
        listed = _select_list(state, org, source, q, obj, parent)
    where = order = limit = groups = None
    offset = 0
    if p.tok.kw("using"):           # USING SCOPE x: accepted, ignored
        p.next()
        p.expect_kw("scope")
        p.expect("ident")
    if p.tok.kw("where"):
        p.next()
        where = p.condition(obj, org)
    if p.tok.kw("with"):            # WITH SECURITY_ENFORCED etc.: ignored
        p.next()
        p.expect("ident")
    if p.tok.kw("group") and parent is None and not count_only:
        p.next()
        p.expect_kw("by")
        groups = [p.path(obj)]
        while p.accept("punct", ","):
            groups.append(p.path(obj))
    if p.tok.kw("order"):
        p.next()
        p.expect_kw("by")
        order = p.order_by(obj, org)
    if p.tok.kw("limit"):
        p.next()
        limit = p.integer()
    if p.tok.kw("offset"):
        p.next()
        t = p.tok
        offset = p.integer()
        if offset > 2000:
            raise located(source, t.pos, "NUMBER_OUTSIDE_VALID_RANGE",
                          "Maximum SOQL offset allowed is 2000")
    if p.tok.kw("for"):             # FOR VIEW / REFERENCE / UPDATE
        p.next()
        p.expect_kw("view", "reference", "update")
    if p.tok.kind != "eof":
        raise p.unexpected()
    query = _query_of(source, toks[select_start].pos, obj, listed, groups)
    query.where, query.order, query.limit, query.offset = \
        where, order, limit, offset
    query.count_only = count_only
    if parent is not None:
        return SubQuery(rel_name, query, link)
    return query


def _query_of(source, pos, obj, listed, groups):
    """The Query of a select list: plain (paths and subqueries) or, with
    aggregate functions or GROUP BY, aggregate (every plain field grouped;
    an unaliased aggregate is named expr0, expr1, ...)."""
    aggregates = [item for kind, item, _ in listed if kind == "agg"]
    if not aggregates and groups is None:
        items, seen = [], set()
        for kind, item, _ in listed:
            key = item.name.lower() if kind == "sub" else \
                item.display.lower()
            if key not in seen:
                seen.add(key)
                items.append(item)
        return Query(obj, items, None, None, None, 0, False, [])
    grouped = {g.display.lower() for g in groups or []}
    select, n = [], 0
    for kind, item, alias in listed:
        if kind == "sub" or (kind == "path" and
                             item.display.lower() not in grouped):
            raise located(source, pos, "MALFORMED_QUERY",
                          "Field must be grouped or aggregated: %s"
                          % (item.name if kind == "sub" else item.display))
        if alias is not None:
            key = alias.value
        elif kind == "agg":
            key, n = "expr%d" % n, n + 1
        else:
            key = item.field.name
        select.append((key, item))
    return Query(obj, [], None, None, None, 0, False, aggregates, groups,
                 select)


def aggregate_rows(query, org, rows):
    """The AggregateResult rows of an aggregate query: one per group (in
    the order each group first appears, or ORDER BY), or one for all
    records without GROUP BY; OFFSET and LIMIT count groups."""
    if query.groups is None:
        buckets = [rows]
    else:
        getters = [(g.field, g.getter(org)) for g in query.groups]
        by_key = {}
        for r in rows:
            key = tuple(_key(f, get(r)) for f, get in getters)
            by_key.setdefault(key, []).append(r)
        buckets = list(by_key.values())
        if query.order:
            first = {id(b[0]): b for b in buckets}
            buckets = [first[id(r)] for r in
                       sort_records([b[0] for b in buckets], query.order)]
        buckets = buckets[query.offset:]
        if query.limit is not None:
            buckets = buckets[:query.limit]
    out = []
    for bucket in buckets:
        rec = {"attributes": {"type": "AggregateResult"}}
        for key, item in query.select:
            if isinstance(item, Aggregate):
                rec[key] = item.value(org, bucket)
            else:
                rec[key] = item.getter(org)(bucket[0])
        out.append(rec)
    return out
