"""The HTTP(S) server: a threading HTTP/1.1 server with keep-alive, the
request log, latency and fault injection (status, dropped connection,
truncated body, slow body) around the handlers, and path dispatch."""

import email.utils
import http.server
import socket
import ssl
import sys
import threading
import time
import traceback

import control
import identity
import oauth
import rest
import web

_REASONS = {s.value: s.phrase for s in http.HTTPStatus}
_REASONS.update({300: "Multiple Choices", 420: "Method Failure"})


def dispatch(state, req):
    """Route a (non-control) request to its handler under the state lock."""
    path = req.path
    if path.startswith(("/services/oauth2/", "/id/")):
        # Make sure background key generation is over before taking the
        # lock, so that other requests are not held up behind it.
        state.keys["idtoken"].wait()
        state.keys["jwt"].wait()
    with state.lock:
        try:
            if path == "/services/data" or path.startswith("/services/data/"):
                return rest.handle(state, req)
            if path == "/services/oauth2/token":
                return oauth.token_endpoint(state, req)
            if path == "/services/oauth2/authorize":
                return oauth.authorize(state, req)
            if path == "/services/oauth2/revoke":
                return identity.revoke(state, req)
            if path == "/services/oauth2/userinfo":
                return identity.userinfo(state, req)
            if path == "/services/oauth2/introspect":
                return identity.introspect(state, req)
            if path == "/id/keys":
                return identity.jwks(state, req)
            if path.startswith("/id/"):
                return identity.identity_url(state, req)
            if path == "/.well-known/openid-configuration":
                return identity.openid_configuration(state, req)
            if path == "/setup/connect":
                return oauth.verification_page(state, req)
        except Exception:           # a bug in the emulator: say so loudly
            traceback.print_exc(file=sys.stderr)
            return web.json_response(500, [{
                "errorCode": "UNKNOWN_EXCEPTION",
                "message": "An unexpected error occurred in the emulator."}])
    return web.json_response(404, [{"errorCode": "NOT_FOUND", "message":
                                    "The requested resource does not exist"}])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120           # idle keep-alive connections are closed after
    server_version = "luaforce-emulator"

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP,
                                       socket.TCP_NODELAY, 1)
        except OSError:
            pass
        state = self.server.state
        with state.lock:
            state.conn_seq += 1
            self.conn_id = state.conn_seq

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("emulator: %s %s\n" % (self.address_string(),
                                                    fmt % args))

    def do_GET(self):
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # ---- request ------------------------------------------------------------
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self):
        state = self.server.state
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        req = web.Request(self.command, self.path, self.headers.items(), body,
                          state.base_url, self.conn_id, self.server.tls)
        if req.path.startswith("/__emulator/"):
            self._send(control.handle(state, req, self.server.ca_path), req)
            return
        entry = control.log_entry(state, req)
        delay = control.latency_for(state, req.method, req.path, req.target)
        if delay > 0:
            time.sleep(delay / 1000.0)
        fault = control.take_fault(state, req.method, req.path, req.target)
        if fault:
            entry["fault"] = fault["kind"]
        if fault and fault["kind"] == "status":
            resp = web.Response(fault["status"], fault["body"].encode(),
                                list(fault["headers"].items()))
            if fault["content_type"]:
                resp.set_header("Content-Type", fault["content_type"])
        elif fault and fault["kind"] == "drop" and fault["when"] == "before":
            self._drop()
            return
        else:
            resp = dispatch(state, req)
        entry["status"] = resp.status
        if fault and fault["kind"] == "drop":
            self._drop()
        elif fault and fault["kind"] == "truncate":
            self._send_truncated(resp, req, fault)
        elif fault and fault["kind"] == "slow":
            self._send_slow(resp, req, fault)
        else:
            self._send(resp, req)

    # ---- response -----------------------------------------------------------
    def _head(self, resp, req, length):
        lines = ["HTTP/1.1 %d %s" % (resp.status,
                                     _REASONS.get(resp.status, "Unknown")),
                 "Date: " + email.utils.formatdate(usegmt=True)]
        for k, v in resp.headers:
            if k.lower() not in ("content-length", "connection", "date"):
                lines.append("%s: %s" % (k, v))
        if resp.status not in (204, 304) and not 100 <= resp.status < 200:
            lines.append("Content-Length: %d" % length)
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _body(self, resp, req):
        if req.method == "HEAD" or resp.status in (204, 304):
            return b""
        return resp.body

    def _send(self, resp, req):
        head = self._head(resp, req, len(resp.body))
        try:
            self.wfile.write(head + self._body(resp, req))
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self):
        """Close the connection without answering."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_truncated(self, resp, req, fault):
        body = self._body(resp, req)
        cut = fault["bytes"]
        cut = len(body) // 2 if cut is None else min(int(cut), len(body))
        if len(body) == 0:
            body = b"{}"
            cut = 1
        self.close_connection = True
        try:
            self.wfile.write(self._head(resp, req, len(body)) + body[:cut])
            self.wfile.flush()
        except OSError:
            pass
        self._drop()

    def _send_slow(self, resp, req, fault):
        body = self._body(resp, req)
        step = max(1, fault["chunk"])
        delay = fault["delay_ms"] / 1000.0
        try:
            self.wfile.write(self._head(resp, req, len(body)))
            self.wfile.flush()
            for i in range(0, len(body), step):
                time.sleep(delay)
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
        except OSError:
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, port, ssl_ctx=None, verbose=False):
        super().__init__(("127.0.0.1", port), Handler)
        self.ssl_ctx = ssl_ctx
        self.tls = ssl_ctx is not None
        self.verbose = verbose
        self.ca_path = None
        self.state = None           # set once the base URL is known

    @property
    def base_url(self):
        scheme = "https" if self.tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.server_address[1])

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, on the connection's own thread,
        # so that a slow client cannot stall the accept loop.
        if self.ssl_ctx is not None:
            try:
                request.settimeout(30)
                request = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            if self.ssl_ctx is not None:
                try:
                    request.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        if self.verbose:
            traceback.print_exc(file=sys.stderr)


def serve_in_thread(server):
    t = threading.Thread(target=server.serve_forever, kwargs={
        "poll_interval": 0.2}, daemon=True)
    t.start()
    return t
