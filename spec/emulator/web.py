"""Request and response values passed between the HTTP server and the
handlers (OAuth, REST, control), plus JSON and form helpers. Handlers never
touch sockets: they turn a Request into a Response."""

import email.parser
import email.policy
import json
import urllib.parse

from store import ApiError

JSON_TYPE = "application/json;charset=UTF-8"


class Request:
    def __init__(self, method, target, headers, body, base_url,
                 conn_id=0, tls=False):
        self.method = method.upper()
        path, _, qs = target.partition("?")
        self.target = target
        self.path = path
        self.query_string = qs
        self.query = urllib.parse.parse_qs(qs, keep_blank_values=True)
        # headers: list of (name, value) in arrival order
        self.header_list = list(headers)
        self.headers = {}
        for k, v in self.header_list:
            k = k.lower()
            self.headers[k] = (self.headers[k] + ", " + v
                               if k in self.headers else v)
        self.body = body or b""
        self.base_url = base_url
        self.conn_id = conn_id
        self.tls = tls
        self._form = None

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def arg(self, name, default=None):
        vals = self.query.get(name)
        return vals[0] if vals else default

    def form(self):
        """Form fields (url-encoded or multipart), first value each."""
        if self._form is None:
            ctype = self.header("content-type", "")
            if ctype.lower().startswith("multipart/form-data"):
                self._form = _multipart(ctype, self.body)
            else:
                pairs = urllib.parse.parse_qsl(
                    self.body.decode("utf-8", "replace"),
                    keep_blank_values=True)
                self._form = {}
                for k, v in pairs:
                    self._form.setdefault(k, v)
        return self._form

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        """Parsed JSON body; Salesforce's JSON_PARSER_ERROR otherwise."""
        text = self.text()
        if not text.strip():
            raise ApiError(400, "JSON_PARSER_ERROR",
                           "The HTTP entity body is required, but this "
                           "request has no entity body.")
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ApiError(400, "JSON_PARSER_ERROR", jackson_message(e))


_JACKSON = {
    "Expecting ':' delimiter":
        "was expecting a colon to separate field name and value",
    "Expecting property name enclosed in double quotes":
        "was expecting double-quote to start field name",
    "Expecting ',' delimiter":
        "was expecting comma to separate Object entries",
    "Expecting value":
        "expected a valid value (JSON String, Number, Array, Object or "
        "token 'null', 'true' or 'false')",
}


def jackson_message(e):
    """Python's JSON error in the words of Salesforce's parser (Jackson).
    The exact text differs case by case; the shape is what matters."""
    if e.pos >= len(e.doc):
        return ("Unexpected end-of-input: expected close marker for OBJECT "
                "at [line:%d, column:%d]" % (e.lineno, e.colno))
    ch = e.doc[e.pos]
    return "Unexpected character ('%s' (code %d)): %s at [line:%d, " \
        "column:%d]" % (ch, ord(ch), _JACKSON.get(e.msg, e.msg), e.lineno,
                        e.colno)


def _multipart(ctype, body):
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    out = {}
    if msg.is_multipart():
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                out.setdefault(name, part.get_payload(decode=True)
                               .decode("utf-8", "replace"))
    return out


class Response:
    def __init__(self, status, body=b"", headers=None, obj=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        self.obj = obj          # the JSON value, kept for composite

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers
                        if k.lower() != name.lower()]
        self.headers.append((name, value))


def dumps(obj, pretty=False):
    if pretty:
        return json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8")
    return json.dumps(obj, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def json_response(status, obj, headers=None, pretty=False):
    h = [("Content-Type", JSON_TYPE)] + list(headers or [])
    return Response(status, dumps(obj, pretty), h, obj)


def error_response(err, headers=None):
    return json_response(err.status, err.body(), headers)


def empty(status, headers=None):
    return Response(status, b"", headers)


def text_response(status, text, ctype="text/plain;charset=UTF-8",
                  headers=None):
    return Response(status, text.encode("utf-8"),
                    [("Content-Type", ctype)] + list(headers or []))


def redirect(location):
    return Response(302, b"", [("Location", location),
                               ("Cache-Control", "no-cache,must-revalidate,"
                                "max-age=0,no-store,private")])
