"""Start-up contract: the ready line (HTTP and HTTPS with a CA made at
start-up), start-up time, TLS verification for 127.0.0.1 and localhost,
keep-alive over TLS, clean exit on SIGTERM/SIGINT, --help, bad and custom
configurations (several orgs and apps, a JWT certificate file)."""

import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EMULATOR, Emulator, EmulatorTestCase  # noqa: E402
from test_oauth import sign_jwt  # noqa: E402


class Https(EmulatorTestCase):
    https = True

    def test_ready_line_and_ca(self):
        self.assertTrue(self.emu.base.startswith("https://127.0.0.1:"))
        self.assertTrue(os.path.isfile(self.emu.ca))
        self.assertEqual(self.emu.control("GET", "/config")["ca"],
                         self.emu.ca)

    def test_token_and_rest_over_tls_with_keep_alive(self):
        tok = self.emu.password_token()
        conn = self.emu.connection()
        for _ in range(3):
            r = self.emu.get("/limits", tok, conn=conn)
            self.assertEqual(r.status, 200)
        conn.close()
        log = self.emu.control("GET", "/log")["requests"]
        self.assertTrue(all(e["tls"] for e in log))
        self.assertEqual(len({e["connection"] for e in log[-3:]}), 1)
        self.assertEqual(self.emu.password_token().split("!")[0],
                         tok.split("!")[0])

    def test_certificate_names(self):
        import http.client
        for host in ("127.0.0.1", "localhost"):
            ctx = ssl.create_default_context(cafile=self.emu.ca)
            conn = http.client.HTTPSConnection(host, self.emu.port,
                                               context=ctx, timeout=10)
            conn.request("GET", "/services/data/")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
        ctx = ssl.create_default_context()      # system CAs only: refused
        conn = http.client.HTTPSConnection("127.0.0.1", self.emu.port,
                                           context=ctx, timeout=10)
        with self.assertRaises(ssl.SSLError):
            conn.request("GET", "/services/data/")
        conn.close()


def best_startup(https):
    """Fastest of up to 3 start-ups (time from exec to the ready line):
    the contract is about the emulator, not about a loaded test machine."""
    best = None
    for _ in range(3):
        emu = Emulator(https=https).start()
        emu.stop()
        best = min(best or emu.startup_seconds, emu.startup_seconds)
        if best < 1.0:
            break
    return best


class Lifecycle(unittest.TestCase):
    def test_startup_time(self):
        self.assertLess(best_startup(False), 1.0)
        self.assertLess(best_startup(True), 1.0)

    def test_http_start_and_clean_exit(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            emu = Emulator().start()
            self.assertRegex(emu.base, r"^http://127\.0\.0\.1:\d+$")
            emu.proc.send_signal(sig)
            self.assertEqual(emu.proc.wait(10), 0)
            self.assertEqual(emu.proc.stdout.read(), "")   # only ready line
            emu.stop()

    def test_https_temp_files_removed(self):
        emu = Emulator(https=True).start()
        ca = emu.ca
        self.assertTrue(os.path.exists(ca))
        self.assertEqual(emu.stop(), 0)
        self.assertFalse(os.path.exists(os.path.dirname(ca)))

    def test_help_documents_contract(self):
        out = subprocess.run([sys.executable, EMULATOR, "--help"],
                             stdout=subprocess.PIPE, text=True, check=True)
        for needle in ("ready https://127.0.0.1:PORT ca=PATH",
                       "luaforce-test-client", "luaforce-test-secret",
                       "dev@example.com", "password1", "TOKEN",
                       "/__emulator/jwt-key", "--config", "Developer Edition",
                       "refresh_token_rotation", "daily_api_limit",
                       "jwt_certificate", "access_token_lifetime"):
            self.assertIn(needle, out.stdout)

    def test_bad_config(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json",
                                         delete=False) as f:
            f.write('{"orgs": [{"bogus": 1}]}')
        try:
            p = subprocess.run([sys.executable, EMULATOR, "--config",
                                f.name], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stdout, "")
            self.assertIn("bogus", p.stderr)
        finally:
            os.unlink(f.name)


class CustomConfig(unittest.TestCase):
    def test_several_orgs_apps_and_jwt_certificate(self):
        d = tempfile.mkdtemp()
        key, cert = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                        "-subj", "/CN=test"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cfg = {"orgs": [
            {"name": "Ent", "edition": "Enterprise Edition",
             "daily_api_limit": 5,
             "users": [{"username": "e@x.com", "password": "p",
                        "security_token": "", "last_name": "E",
                        "approved_apps": ["app2"]}]},
            {"name": "Trial", "edition": "Enterprise Edition", "trial": True,
             "users": [{"username": "t@x.com", "password": "p",
                        "last_name": "T"}]}],
            "apps": [{"client_id": "app2", "client_secret": "s",
                      "jwt_certificate": "c.pem",
                      "access_token_lifetime": 60}],
            "custom_fields": {"Lead": [{"name": "Score__c",
                                        "type": "double"}]}}
        path = os.path.join(d, "cfg.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        emu = Emulator(config=path).start()
        try:
            r = emu.token_request({"grant_type": "urn:ietf:params:oauth:"
                                   "grant-type:jwt-bearer",
                                   "assertion": sign_jwt({
                                       "iss": "app2", "sub": "e@x.com",
                                       "aud": emu.base,
                                       "exp": int(time.time()) + 60}, key)})
            self.assertEqual(r.status, 200, r)
            tok = r.json["access_token"]
            org = emu.query("SELECT OrganizationType, TrialExpirationDate "
                            "FROM Organization", tok).json["records"][0]
            self.assertEqual(org["OrganizationType"], "Enterprise Edition")
            self.assertIsNone(org["TrialExpirationDate"])
            self.assertEqual(emu.get("/limits", tok).json[
                "DailyApiRequests"]["Max"], 5)
            r = emu.post("/sobjects/Lead", tok, {"LastName": "x",
                                                 "Company": "y",
                                                 "Score__c": 2.5})
            self.assertEqual(r.status, 201)
            r = emu.token_request({"grant_type": "password",
                                   "client_id": "app2",
                                   "client_secret": "s",
                                   "username": "t@x.com",
                                   "password": "pTOKEN"})
            trial = emu.query("SELECT TrialExpirationDate FROM Organization",
                              r.json["access_token"]).json["records"][0]
            self.assertIsNotNone(trial["TrialExpirationDate"])
        finally:
            self.assertEqual(emu.stop(), 0)
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))
            os.rmdir(d)


if __name__ == "__main__":
    unittest.main()
