"""The control API: default configuration, seeding, reset, the request
log (what the client sent, connection ids for keep-alive), latency, every
fault kind (status + Retry-After, dropped connection, truncated body, slow
body), concurrency, and HTTP details (HEAD, chunked bodies, Connection:
close)."""

import http.client
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import (EmulatorTestCase, CLIENT_ID, CLIENT_SECRET,  # noqa
                    USERNAME, PASSWORD, V)

LEAD = {"LastName": "Doe", "Company": "Acme"}


class Config(EmulatorTestCase):
    def test_default_configuration(self):
        cfg = self.emu.control("GET", "/config")
        self.assertEqual(cfg["base_url"], self.emu.base)
        self.assertEqual(cfg["instance_url"], self.emu.base)
        self.assertIsNone(cfg["ca"])
        (org,) = cfg["orgs"]
        self.assertEqual(org["edition"], "Developer Edition")
        self.assertEqual(org["daily_api_limit"], 15000)
        self.assertEqual(len(org["id"]), 18)
        (user,) = org["users"]
        self.assertEqual((user["username"], user["password"],
                          user["security_token"]),
                         ("dev@example.com", "password1", "TOKEN"))
        self.assertEqual(user["approved_apps"], [CLIENT_ID])
        (app,) = cfg["apps"]
        self.assertEqual((app["client_id"], app["client_secret"]),
                         (CLIENT_ID, CLIENT_SECRET))
        self.assertIn("http://127.0.0.1/callback", app["callback_urls"])
        self.assertFalse(app["refresh_token_rotation"])
        self.assertTrue(os.path.exists(app["jwt"]["private_key_path"]))
        self.assertTrue(os.path.exists(app["jwt"]["certificate_path"]))

    def test_unknown_endpoint_and_bad_input(self):
        r = self.emu.request("GET", "/__emulator/nope")
        self.assertEqual(r.status, 404)
        self.assertIn("error", r.json)
        r = self.emu.request("POST", "/__emulator/faults",
                             json_body={"kind": "explode"})
        self.assertEqual(r.status, 400)
        r = self.emu.request("POST", "/__emulator/seed",
                             json_body={"records": [{"attributes": {
                                 "type": "Lead"}, "Company": "x"}]})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["errorCode"], "REQUIRED_FIELD_MISSING")

    def test_org_app_limits_clock(self):
        out = self.emu.control("POST", "/org", {"edition":
                                                "Enterprise Edition"})
        self.assertEqual(out["organization"]["OrganizationType"],
                         "Enterprise Edition")
        self.assertEqual(self.emu.control("GET", "/org")["edition"],
                         "Enterprise Edition")
        app = self.emu.control("POST", "/app", {"refresh_token_rotation":
                                                True})
        self.assertTrue(app["refresh_token_rotation"])
        self.emu.control("POST", "/app", {"bogus": 1}, expect=400)
        self.assertEqual(self.emu.control("POST", "/limits", {"max": 10}),
                         {"org": self.emu.control("GET", "/config")["orgs"][
                             0]["id"], "max": 10, "used": 0})
        c = self.emu.control("POST", "/clock", {"advance": 3600})
        self.assertEqual(c["offset"], 3600.0)
        self.emu.control("POST", "/reset")
        self.assertEqual(self.emu.control("GET", "/org")["edition"],
                         "Developer Edition")
        self.assertEqual(self.emu.control("POST", "/clock", {})["offset"], 0)


class Seeding(EmulatorTestCase):
    def test_seed_list_generator_records_reset(self):
        tok = self.emu.password_token()
        out = self.emu.control("POST", "/seed", {"records": [
            {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C",
             "CreatedDate": "2020-02-02T00:00:00Z", "IsDeleted": True}]})
        self.assertEqual(out["created"], 1)
        rec = self.emu.control("GET", "/records/" + out["ids"][0])
        self.assertEqual(rec["sobject"], "Lead")
        self.assertEqual(rec["record"]["CreatedDate"],
                         "2020-02-02T00:00:00.000+0000")
        out = self.emu.control("POST", "/seed", {
            "sobject": "Opportunity", "count": 5, "start": 10, "template": {
                "Name": "Deal {n}", "StageName": "Prospecting",
                "CloseDate": "2024-01-01", "Amount": "{n}"}})
        self.assertEqual(len(out["ids"]), 5)
        body = self.emu.query("SELECT Name, Amount, Probability FROM "
                              "Opportunity ORDER BY Name", tok).json
        self.assertEqual([(r["Name"], r["Amount"]) for r in body["records"]],
                         [("Deal %d" % n, float(n)) for n in range(10, 15)])
        self.assertEqual(body["records"][0]["Probability"], 10.0)
        all_leads = self.emu.request(
            "GET", "/__emulator/records?sobject=Lead").json
        self.assertEqual(all_leads["totalSize"], 1)
        self.emu.control("POST", "/reset")
        self.assertEqual(self.emu.request(
            "GET", "/__emulator/records?sobject=Lead").json["totalSize"], 0)


class Log(EmulatorTestCase):
    def test_log_records_what_was_sent(self):
        self.emu.password_token()
        log = self.emu.control("GET", "/log")["requests"]
        self.assertEqual(len(log), 1)      # control calls are not logged
        e = log[0]
        self.assertEqual((e["method"], e["path"], e["status"]),
                         ("POST", "/services/oauth2/token", 200))
        self.assertEqual(e["form"], {"grant_type": "password",
                                     "client_id": CLIENT_ID,
                                     "client_secret": CLIENT_SECRET,
                                     "username": USERNAME,
                                     "password": PASSWORD})
        self.assertEqual(e["headers"]["content-type"],
                         "application/x-www-form-urlencoded")
        self.assertIn(["Content-Type", "application/x-www-form-urlencoded"],
                      e["raw_headers"])
        tok = self.emu.password_token()
        self.emu.post("/sobjects/Lead?x=1", tok, LEAD)
        last = self.emu.control("GET", "/log?since=%d" % e["seq"])
        e2 = last["requests"][-1]
        self.assertEqual(e2["headers"]["authorization"], "Bearer " + tok)
        self.assertEqual(e2["query"], "x=1")
        self.assertEqual(e2["json"], LEAD)
        self.assertEqual(e2["status"], 201)
        self.emu.control("DELETE", "/log")
        self.assertEqual(self.emu.control("GET", "/log")["requests"], [])

    def test_connection_ids_show_keep_alive(self):
        tok = self.emu.password_token()
        conn = self.emu.connection()
        for _ in range(3):
            self.assertEqual(self.emu.get("/limits", tok, conn=conn).status,
                             200)
        conn.close()
        self.emu.get("/limits", tok)
        log = [e for e in self.emu.control("GET", "/log")["requests"]
               if e["path"].endswith("/limits")]
        ids = [e["connection"] for e in log]
        self.assertEqual(len(set(ids[:3])), 1)
        self.assertNotEqual(ids[3], ids[0])

    def test_connection_close_is_honoured(self):
        conn = self.emu.connection()
        r = self.emu.request("GET", "/services/data/", conn=conn,
                             headers={"Connection": "close"})
        self.assertEqual(r.headers.get("connection"), "close")
        conn.close()


class Faults(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def fault(self, **kw):
        return self.emu.control("POST", "/faults", kw)

    def test_status_with_retry_after_for_n_requests(self):
        self.fault(kind="status", status=503, retry_after=2, count=2,
                   method="GET", path="/services/data/%s/limits" % V,
                   json=[{"errorCode": "SERVER_UNAVAILABLE",
                          "message": "down"}])
        for _ in range(2):
            r = self.emu.get("/limits", self.tok)
            self.assertEqual(r.status, 503)
            self.assertEqual(r.headers["retry-after"], "2")
            self.assertEqual(r.json[0]["errorCode"], "SERVER_UNAVAILABLE")
        self.assertEqual(self.emu.get("/limits", self.tok).status, 200)
        self.assertEqual(self.emu.control("GET", "/faults")["faults"], [])
        log = self.emu.control("GET", "/log")["requests"]
        self.assertEqual([e["fault"] for e in log[-3:]],
                         ["status", "status", None])

    def test_method_and_regex_matching(self):
        self.fault(kind="status", status=429, method="POST",
                   regex=r"/sobjects/Lead$")
        self.assertEqual(self.emu.get("/sobjects/Lead", self.tok).status,
                         200)
        self.assertEqual(self.emu.post("/sobjects/Lead", self.tok,
                                       LEAD).status, 429)
        self.fault(kind="status", status=500, body="oops",
                   content_type="text/plain")
        r = self.emu.get("/limits", self.tok)
        self.assertEqual((r.status, r.text, r.headers["content-type"]),
                         (500, "oops", "text/plain"))
        self.fault(kind="status", status=502, count=5)
        self.emu.control("DELETE", "/faults")
        self.assertEqual(self.emu.get("/limits", self.tok).status, 200)

    def test_dropped_connection(self):
        self.fault(kind="drop", path="/services/data/")
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            self.emu.get("/limits", self.tok)
        self.assertEqual(self.emu.get("/limits", self.tok).status, 200)
        # when=after: the request takes effect but the answer is lost
        self.fault(kind="drop", when="after", method="POST")
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            self.emu.post("/sobjects/Lead", self.tok, LEAD)
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Lead",
                                        self.tok).json["totalSize"], 1)

    def test_truncated_body(self):
        self.fault(kind="truncate", bytes=10)
        conn = self.emu.connection()
        conn.request("GET", "/services/data/%s/limits" % V,
                     headers={"Authorization": "Bearer " + self.tok})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        length = int(resp.getheader("Content-Length"))
        self.assertGreater(length, 10)
        with self.assertRaises(http.client.IncompleteRead) as cm:
            resp.read()
        self.assertEqual(len(cm.exception.partial), 10)
        conn.close()

    def test_slow_body(self):
        self.fault(kind="slow", chunk=100, delay_ms=50)
        t0 = time.monotonic()
        r = self.emu.get("/limits", self.tok)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertIn("DailyApiRequests", r.json)
        pieces = (len(r.body) + 99) // 100
        self.assertGreaterEqual(elapsed, pieces * 0.05 * 0.9)

    def test_latency_global_and_per_path(self):
        self.emu.control("POST", "/latency", {"ms": 150,
                                              "path": "/services/data/"})
        t0 = time.monotonic()
        self.emu.get("/limits", self.tok)
        self.assertGreaterEqual(time.monotonic() - t0, 0.14)
        t0 = time.monotonic()
        self.emu.request("GET", "/.well-known/openid-configuration")
        self.assertLess(time.monotonic() - t0, 0.14)
        self.emu.control("DELETE", "/latency")
        self.emu.control("POST", "/latency", {"ms": 100})
        t0 = time.monotonic()
        self.emu.request("GET", "/.well-known/openid-configuration")
        self.assertGreaterEqual(time.monotonic() - t0, 0.09)
        self.assertEqual(self.emu.control("GET", "/latency")["ms"], 100)


class Http(EmulatorTestCase):
    def test_chunked_request_body_and_unknown_path(self):
        tok = self.emu.password_token()
        conn = self.emu.connection()
        body = b'{"LastName":"Chunk","Company":"C"}'
        conn.putrequest("POST", "/services/data/%s/sobjects/Lead" % V)
        conn.putheader("Authorization", "Bearer " + tok)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        resp = conn.getresponse()
        self.assertEqual(resp.status, 201, resp.read())
        resp.read()
        conn.close()
        r = self.emu.request("GET", "/nowhere")
        self.assertError(r, 404, "NOT_FOUND")

    def test_raw_keep_alive_socket(self):
        s = socket.create_connection((self.emu.host, self.emu.port))
        req = b"GET /services/data/ HTTP/1.1\r\nHost: x\r\n\r\n"
        s.sendall(req + req)
        data = b""
        while data.count(b"HTTP/1.1 200") < 2:
            chunk = s.recv(65536)
            self.assertTrue(chunk)
            data += chunk
        s.close()

    def test_concurrent_requests(self):
        tok = self.emu.password_token()
        errors, ids = [], []
        lock = threading.Lock()

        def worker():
            conn = self.emu.connection()
            try:
                for _ in range(20):
                    r = self.emu.post("/sobjects/Lead", tok, LEAD, conn=conn)
                    with lock:
                        if r.status != 201:
                            errors.append(r)
                        else:
                            ids.append(r.json["id"])
            finally:
                conn.close()
        threads = [threading.Thread(target=worker) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(set(ids)), 200)
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Lead",
                                        tok).json["totalSize"], 200)


if __name__ == "__main__":
    unittest.main()
