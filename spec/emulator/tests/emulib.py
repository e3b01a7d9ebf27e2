"""Test helper: start the emulator as a child process (port 0), read its
ready line, talk to it with http.client, and stop it with SIGTERM.
Shared by the test_*.py files in this folder; standard library only."""

import base64
import hashlib
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(os.path.dirname(HERE), "emulator.py")
CLIENT_ID = "luaforce-test-client"
CLIENT_SECRET = "luaforce-test-secret"
USERNAME = "dev@example.com"
PASSWORD = "password1TOKEN"
V = "v62.0"


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # lower-case name -> value
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8")

    def __repr__(self):
        return "<Reply %d %r>" % (self.status, self.body[:300])


class Emulator:
    def __init__(self, https=False, config=None, extra_args=()):
        self.https = https
        self.config = config
        self.extra_args = list(extra_args)
        self.proc = None
        self.cfg_path = None
        self.ca = None
        self.base = None

    def start(self):
        args = [sys.executable, EMULATOR, "--port", "0"]
        if self.https:
            args.append("--https")
        if self.config:
            args += ["--config", self.config]
        args += self.extra_args
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        killer = threading.Timer(15, self.proc.kill)    # never hang a run
        killer.start()
        try:
            line = self.proc.stdout.readline()
        finally:
            killer.cancel()
        self.startup_seconds = time.monotonic() - t0
        if not line.startswith("ready "):
            err = self.proc.stderr.read()
            raise RuntimeError("emulator did not start: %r %s" % (line, err))
        parts = line.split()
        self.base = parts[1]
        for p in parts[2:]:
            if p.startswith("ca="):
                self.ca = p[3:]
        u = urllib.parse.urlsplit(self.base)
        self.host, self.port = u.hostname, u.port
        # Poll readiness (the ready line already means listening).
        for _ in range(200):
            try:
                if self.control("GET", "/health")["ok"]:
                    break
            except OSError:
                time.sleep(0.01)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()
        return self.proc.returncode if self.proc else None

    # ---- HTTP ---------------------------------------------------------------
    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        return ctx

    def connection(self, timeout=20):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port,
                                               timeout=timeout,
                                               context=self.ssl_context())
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=None,
                json_body=None, form=None, conn=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if json_body is not None:
            body = json.dumps(json_body)
            h.setdefault("Content-Type", "application/json")
        if form is not None:
            body = urllib.parse.urlencode(form)
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if isinstance(body, str):
            body = body.encode("utf-8")
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            return Reply(resp.status, headers, data)
        finally:
            if own:
                conn.close()

    def control(self, method, path, data=None, expect=200):
        r = self.request(method, "/__emulator" + path,
                         json_body=data if data is not None else None)
        if expect is not None and r.status != expect:
            raise AssertionError("control %s %s -> %r" % (method, path, r))
        return r.json

    def get(self, path, token, **kw):
        return self.request("GET", "/services/data/%s%s" % (V, path),
                            token=token, **kw)

    def post(self, path, token, data, **kw):
        return self.request("POST", "/services/data/%s%s" % (V, path),
                            token=token, json_body=data, **kw)

    def patch(self, path, token, data, **kw):
        return self.request("PATCH", "/services/data/%s%s" % (V, path),
                            token=token, json_body=data, **kw)

    def delete(self, path, token, **kw):
        return self.request("DELETE", "/services/data/%s%s" % (V, path),
                            token=token, **kw)

    def query(self, soql, token, all_rows=False, headers=None):
        res = "queryAll" if all_rows else "query"
        return self.get("/%s?q=%s" % (res, urllib.parse.quote(soql)), token,
                        headers=headers)

    # ---- OAuth shortcuts ----------------------------------------------------
    def token_request(self, form, headers=None):
        return self.request("POST", "/services/oauth2/token", form=form,
                            headers=headers)

    def password_token(self, username=USERNAME, password=PASSWORD,
                       scope=None):
        form = {"grant_type": "password", "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "username": username,
                "password": password}
        if scope:
            form["scope"] = scope
        r = self.token_request(form)
        if r.status != 200:
            raise AssertionError("password grant failed: %r" % r)
        return r.json["access_token"]


def pkce_pair(verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"):
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


_RUNNING = {}


def _stop_all():
    for key, emu in list(_RUNNING.items()):
        code = emu.stop()
        del _RUNNING[key]
        if emu.cfg_path:
            os.unlink(emu.cfg_path)
        if code != 0:
            raise AssertionError("emulator exited with %r" % code)


def shared_emulator(https=False, config=None):
    """One emulator per (https, config) for the whole test file; it is
    stopped (and its exit status checked) when the module's tests end."""
    key = (https, json.dumps(config, sort_keys=True))
    if key not in _RUNNING:
        path = None
        if config is not None:
            import tempfile
            fd, path = tempfile.mkstemp(suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(config, f)
        emu = Emulator(https=https, config=path)
        emu.cfg_path = path
        if not _RUNNING:
            unittest.addModuleCleanup(_stop_all)
        _RUNNING[key] = emu.start()
    return _RUNNING[key]


class EmulatorTestCase(unittest.TestCase):
    """Tests against the file's shared emulator; state reset before each."""
    https = False

    @classmethod
    def config_json(cls):
        return None

    @classmethod
    def setUpClass(cls):
        cls.emu = shared_emulator(cls.https, cls.config_json())

    def setUp(self):
        self.emu.control("POST", "/reset")

    # assertion helpers
    def assertError(self, reply, status, code, message=None):
        self.assertEqual(reply.status, status, reply)
        body = reply.json
        self.assertIsInstance(body, list, reply)
        self.assertEqual(body[0]["errorCode"], code, reply)
        if message is not None:
            self.assertEqual(body[0]["message"], message, reply)
        return body[0]

    def assertOAuthError(self, reply, error, description=None, status=400):
        self.assertEqual(reply.status, status, reply)
        body = reply.json
        self.assertEqual(body["error"], error, reply)
        if description is not None:
            self.assertEqual(body.get("error_description"), description,
                             reply)
        return body
