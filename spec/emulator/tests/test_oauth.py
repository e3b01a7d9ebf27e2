"""Every OAuth grant and its errors: authorization code + PKCE, implicit,
refresh (with and without rotation), client credentials, JWT bearer,
device flow, password; revoke, userinfo, identity URL, introspection,
discovery; token lifetime and the REST 401s that follow."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import (EmulatorTestCase, CLIENT_ID, CLIENT_SECRET,  # noqa
                    USERNAME, PASSWORD, pkce_pair)

CALLBACK = "http://127.0.0.1:53124/callback"
TOKEN_KEYS = ["access_token", "refresh_token", "signature", "scope",
              "id_token", "instance_url", "id", "token_type", "issued_at"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_jwt(claims, key_path, header=None):
    """RS256 with the openssl command (independent of the emulator)."""
    head = b64url(json.dumps(header or {"alg": "RS256"}).encode())
    body = b64url(json.dumps(claims).encode())
    signing_input = (head + "." + body).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path],
                         input=signing_input, stdout=subprocess.PIPE,
                         check=True).stdout
    return head + "." + body + "." + b64url(sig)


def rs256_valid(token, n, e):
    """PKCS#1 v1.5 SHA-256 check with pow() (test-side, no openssl)."""
    head, body, sig = token.split(".")
    k = (n.bit_length() + 7) // 8
    m = pow(int.from_bytes(unb64url(sig), "big"), e, n).to_bytes(k, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420")
    digest = hashlib.sha256((head + "." + body).encode()).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(digest_info) - 32) + \
        b"\x00" + digest_info + digest
    return m == expected


class OAuthBase(EmulatorTestCase):
    @classmethod
    def config_json(cls):
        dev = {"username": USERNAME, "password": "password1",
               "security_token": "TOKEN", "first_name": "Dev",
               "last_name": "User", "approved_apps": [CLIENT_ID]}
        return {
            "orgs": [
                {"users": [dev,
                           {"username": "noapp@example.com",
                            "password": "pw", "security_token": "",
                            "last_name": "NoApp"},
                           {"username": "gone@example.com", "password": "pw",
                            "security_token": "", "last_name": "Gone",
                            "active": False, "approved_apps": [CLIENT_ID]}]},
                {"name": "Other Org", "edition": "Enterprise Edition",
                 "is_sandbox": True,
                 "users": [{"username": "ent@example.com", "password": "pw2",
                            "security_token": "", "last_name": "Ent",
                            "approved_apps": [CLIENT_ID]}]}],
            "apps": [{}, {"client_id": "second-app", "client_secret": "s2",
                          "callback_urls": ["https://app.example.com/cb"],
                          "scopes": ["api", "id"]}]}

    def authorize(self, **params):
        p = {"response_type": "code", "client_id": CLIENT_ID,
             "redirect_uri": CALLBACK}
        p.update(params)
        p = {k: v for k, v in p.items() if v is not None}
        return self.emu.request("GET", "/services/oauth2/authorize?" +
                                urllib.parse.urlencode(p))

    def get_code(self, **params):
        r = self.authorize(**params)
        self.assertEqual(r.status, 302, r)
        loc = r.headers["location"]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        return q["code"][0], q, loc

    def exchange(self, code, verifier=None, **extra):
        form = {"grant_type": "authorization_code", "code": code,
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "redirect_uri": CALLBACK}
        if verifier:
            form["code_verifier"] = verifier
        form.update(extra)
        return self.emu.token_request({k: v for k, v in form.items()
                                       if v is not None})

    def code_tokens(self, scope=None):
        verifier, challenge = pkce_pair()
        code, _, _ = self.get_code(code_challenge=challenge,
                                   code_challenge_method="S256", scope=scope)
        r = self.exchange(code, verifier)
        self.assertEqual(r.status, 200, r)
        return r.json

    def refresh(self, rt, **extra):
        form = {"grant_type": "refresh_token", "refresh_token": rt,
                "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        form.update(extra)
        return self.emu.token_request(form)

    def rest_status(self, token):
        return self.emu.get("/limits", token).status


class AuthorizationCode(OAuthBase):
    def test_pkce_flow_and_token_shape(self):
        verifier, challenge = pkce_pair()
        self.assertEqual(challenge,
                         "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        code, q, loc = self.get_code(code_challenge=challenge,
                                     code_challenge_method="S256",
                                     state="s t&ate")
        self.assertTrue(loc.startswith(CALLBACK + "?code="))
        self.assertEqual(q["state"], ["s t&ate"])
        self.assertIn("%", loc.split("&")[0])    # code must be URL-decoded
        r = self.exchange(code, verifier)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"],
                         "application/json;charset=UTF-8")
        body = r.json
        self.assertEqual(list(body), TOKEN_KEYS)
        base = self.emu.base
        self.assertEqual(body["instance_url"], base)
        self.assertRegex(body["id"], r"^%s/id/00D\w{15}/005\w{15}$" % base)
        self.assertRegex(body["issued_at"], r"^\d{13}$")
        self.assertEqual(body["token_type"], "Bearer")
        org15 = body["id"].split("/")[-2][:15]
        self.assertTrue(body["access_token"].startswith(org15 + "!"))
        mac = hmac.new(CLIENT_SECRET.encode(),
                       (body["id"] + body["issued_at"]).encode(),
                       hashlib.sha256).digest()
        self.assertEqual(body["signature"], base64.b64encode(mac).decode())
        self.assertIn("api", body["scope"].split())
        self.assertEqual(self.rest_status(body["access_token"]), 200)
        # id_token: RS256 under the key published at /id/keys
        head = json.loads(unb64url(body["id_token"].split(".")[0]))
        claims = json.loads(unb64url(body["id_token"].split(".")[1]))
        self.assertEqual(head["alg"], "RS256")
        self.assertEqual((claims["aud"], claims["sub"]),
                         (CLIENT_ID, body["id"]))
        jwk = self.emu.request("GET", "/id/keys").json["keys"][0]
        n = int.from_bytes(unb64url(jwk["n"]), "big")
        e = int.from_bytes(unb64url(jwk["e"]), "big")
        self.assertTrue(rs256_valid(body["id_token"], n, e))

    def test_code_is_single_use_and_expires(self):
        code, _, _ = self.get_code()
        self.assertEqual(self.exchange(code).status, 200)
        self.assertOAuthError(self.exchange(code), "invalid_grant",
                              "invalid authorization code")
        code, _, _ = self.get_code()
        self.assertEqual(self.emu.control("POST", "/codes/expire"),
                         {"expired": 1})
        self.assertOAuthError(self.exchange(code), "invalid_grant",
                              "expired authorization code")
        self.emu.control("POST", "/app", {"code_lifetime": 1})
        code, _, _ = self.get_code()
        self.emu.control("POST", "/clock", {"advance": 2})
        self.assertOAuthError(self.exchange(code), "invalid_grant",
                              "expired authorization code")

    def test_token_errors(self):
        verifier, challenge = pkce_pair()
        code, _, _ = self.get_code(code_challenge=challenge)
        self.assertOAuthError(self.exchange(code, "wrong-verifier"),
                              "invalid_grant", "invalid code verifier")
        code, _, _ = self.get_code(code_challenge=challenge)
        self.assertOAuthError(self.exchange(code), "invalid_grant",
                              "invalid code verifier")
        code, _, _ = self.get_code()
        self.assertOAuthError(self.exchange(
            code, redirect_uri="http://127.0.0.1:9/callback"),
            "redirect_uri_mismatch", "redirect_uri must match configuration")
        self.assertOAuthError(self.exchange(code, client_secret="nope"),
                              "invalid_client", "invalid client credentials")
        self.assertOAuthError(self.exchange(code, client_id="nobody"),
                              "invalid_client_id",
                              "client identifier invalid")
        self.assertOAuthError(self.exchange("bogus"), "invalid_grant",
                              "invalid authorization code")

    def test_basic_client_auth(self):
        code, _, _ = self.get_code()
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET))
                                 .encode()).decode()
        r = self.emu.token_request(
            {"grant_type": "authorization_code", "code": code,
             "redirect_uri": CALLBACK},
            headers={"Authorization": "Basic " + basic})
        self.assertEqual(r.status, 200, r)

    def test_redirect_rules(self):
        for uri in ("http://127.0.0.1:1/callback",
                    "http://localhost:8080/callback",
                    "http://127.0.0.1/callback"):
            self.assertEqual(self.authorize(redirect_uri=uri).status, 302,
                             uri)
        for uri in ("http://127.0.0.1:1/other", "https://127.0.0.1/callback",
                    "http://example.com/callback", None):
            r = self.authorize(redirect_uri=uri)
            self.assertEqual(r.status, 400, uri)
            self.assertIn("error=redirect_uri_mismatch", r.text)
        r = self.authorize(client_id="nobody")
        self.assertEqual(r.status, 400)
        self.assertIn("error=invalid_client_id&amp;error_description=client"
                      "%20identifier%20invalid", r.text)

    def test_authorize_errors_redirect(self):
        def err(r):
            self.assertEqual(r.status, 302)
            return urllib.parse.parse_qs(urllib.parse.urlsplit(
                r.headers["location"]).query)
        q = err(self.authorize(response_type="bogus", state="S"))
        self.assertEqual((q["error"], q["state"]),
                         (["unsupported_response_type"], ["S"]))
        q = err(self.authorize(scope="api nosuchscope"))
        self.assertEqual(q["error"], ["invalid_scope"])
        q = err(self.authorize(code_challenge="x",
                               code_challenge_method="plain"))
        self.assertEqual(q["error"], ["invalid_request"])
        self.emu.control("POST", "/app", {"require_pkce": True})
        q = err(self.authorize())
        self.assertEqual(q["error"], ["invalid_request"])

    def test_login_form_and_denial(self):
        self.emu.control("POST", "/app", {"auto_approve": False})
        r = self.authorize(state="xyz")
        self.assertEqual(r.status, 200)
        self.assertIn("<form", r.text)
        form = {"response_type": "code", "client_id": CLIENT_ID,
                "redirect_uri": CALLBACK, "state": "xyz",
                "username": USERNAME, "password": "password1",
                "action": "allow"}
        r = self.emu.request("POST", "/services/oauth2/authorize", form=form)
        self.assertEqual(r.status, 302)
        self.assertIn("code=", r.headers["location"])
        r = self.emu.request("POST", "/services/oauth2/authorize",
                             form=dict(form, password="bad"))
        self.assertEqual(r.status, 200)
        self.assertIn("check your username and password", r.text)
        r = self.emu.request("POST", "/services/oauth2/authorize",
                             form=dict(form, action="deny"))
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.headers["location"]).query)
        self.assertEqual(q["error"], ["access_denied"])
        self.assertEqual(q["error_description"],
                         ["end-user denied authorization"])
        self.assertEqual(q["state"], ["xyz"])

    def test_login_hint_picks_user_and_other_org(self):
        code, _, _ = self.get_code(login_hint="ent@example.com")
        body = self.exchange(code).json
        tok = body["access_token"]
        org = self.emu.query("SELECT Name, IsSandbox FROM Organization",
                             tok).json["records"][0]
        self.assertEqual((org["Name"], org["IsSandbox"]), ("Other Org", True))

    def test_implicit_flow(self):
        r = self.authorize(response_type="token", state="st")
        self.assertEqual(r.status, 302)
        frag = urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.headers["location"]).fragment)
        self.assertEqual(frag["token_type"], ["Bearer"])
        self.assertEqual(frag["state"], ["st"])
        self.assertEqual(self.rest_status(frag["access_token"][0]), 200)

    def test_scope_without_refresh_token(self):
        body = self.code_tokens(scope="api id")
        self.assertNotIn("refresh_token", body)
        self.assertNotIn("id_token", body)
        self.assertEqual(body["scope"], "api id")

    def test_scope_without_api_is_rejected_by_rest(self):
        body = self.code_tokens(scope="id refresh_token")
        r = self.emu.get("/limits", body["access_token"])
        self.assertError(r, 401, "INVALID_SESSION_ID", "This session is not "
                         "valid for use with the REST API")

    def test_urlencoded_format(self):
        code, _, _ = self.get_code()
        r = self.exchange(code, format="urlencoded")
        self.assertEqual(r.headers["content-type"],
                         "application/x-www-form-urlencoded")
        self.assertIn("access_token", urllib.parse.parse_qs(r.text))


class Refresh(OAuthBase):
    def test_without_rotation(self):
        first = self.code_tokens()
        rt = first["refresh_token"]
        for _ in range(2):
            r = self.refresh(rt)
            self.assertEqual(r.status, 200, r)
            self.assertNotIn("refresh_token", r.json)
            self.assertEqual(list(r.json), [k for k in TOKEN_KEYS
                                            if k != "refresh_token"])
            self.assertEqual(self.rest_status(r.json["access_token"]), 200)
        self.assertOAuthError(self.refresh("bogus"), "invalid_grant",
                              "expired access/refresh token")
        self.assertOAuthError(self.refresh(rt, client_secret="x"),
                              "invalid_client", "invalid client credentials")
        self.assertOAuthError(self.refresh(rt, client_id="nobody"),
                              "invalid_client_id")

    def test_rotation_and_reuse_revokes_chain(self):
        self.emu.control("POST", "/app", {"refresh_token_rotation": True})
        first = self.code_tokens()
        r1 = self.refresh(first["refresh_token"])
        self.assertEqual(r1.status, 200)
        rt2 = r1.json["refresh_token"]
        self.assertNotEqual(rt2, first["refresh_token"])
        r2 = self.refresh(rt2)
        rt3, at3 = r2.json["refresh_token"], r2.json["access_token"]
        self.assertEqual(self.rest_status(at3), 200)
        # Replaying a rotated-out token kills the whole family.
        self.assertOAuthError(self.refresh(rt2), "invalid_grant",
                              "expired access/refresh token")
        self.assertOAuthError(self.refresh(rt3), "invalid_grant")
        self.assertEqual(self.rest_status(at3), 401)
        self.assertEqual(self.rest_status(first["access_token"]), 401)

    def test_refresh_token_lifetime(self):
        self.emu.control("POST", "/app", {"refresh_token_lifetime": 60})
        rt = self.code_tokens()["refresh_token"]
        self.emu.control("POST", "/clock", {"advance": 61})
        self.assertOAuthError(self.refresh(rt), "invalid_grant",
                              "expired access/refresh token")

    def test_access_token_expiry_gives_401_then_refresh_works(self):
        self.emu.control("POST", "/app", {"access_token_lifetime": 5})
        body = self.code_tokens()
        self.assertEqual(self.rest_status(body["access_token"]), 200)
        self.emu.control("POST", "/clock", {"advance": 6})
        self.assertError(self.emu.get("/limits", body["access_token"]), 401,
                         "INVALID_SESSION_ID", "Session expired or invalid")
        new = self.refresh(body["refresh_token"]).json["access_token"]
        self.assertEqual(self.rest_status(new), 200)

    def test_expire_all_sessions(self):
        body = self.code_tokens()
        out = self.emu.control("POST", "/sessions/expire")
        self.assertGreaterEqual(out["expired"], 1)
        self.assertEqual(self.rest_status(body["access_token"]), 401)
        self.assertEqual(self.refresh(body["refresh_token"]).status, 200)
        self.emu.control("POST", "/sessions/expire", {"refresh_tokens": True})
        self.assertEqual(self.refresh(body["refresh_token"]).status, 400)


class OtherGrants(OAuthBase):
    def test_password(self):
        r = self.emu.token_request({
            "grant_type": "password", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "username": USERNAME,
            "password": PASSWORD})
        self.assertEqual(r.status, 200)
        self.assertEqual(list(r.json), ["access_token", "signature", "scope",
                                        "instance_url", "id", "token_type",
                                        "issued_at"])
        for pw in ("password1", "wrongTOKEN"):
            self.assertOAuthError(self.emu.token_request({
                "grant_type": "password", "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET, "username": USERNAME,
                "password": pw}), "invalid_grant", "authentication failure")
        self.assertOAuthError(self.emu.token_request({
            "grant_type": "password", "client_id": CLIENT_ID,
            "username": USERNAME, "password": PASSWORD}), "invalid_client")
        self.assertOAuthError(self.emu.token_request({
            "grant_type": "password", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "username": "gone@example.com",
            "password": "pw"}), "invalid_grant", "inactive user")
        self.emu.control("POST", "/org", {"allow_password_flow": False})
        self.assertOAuthError(self.emu.token_request({
            "grant_type": "password", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "username": USERNAME,
            "password": PASSWORD}), "invalid_grant", "authentication failure")

    def test_client_credentials(self):
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET))
                                 .encode()).decode()
        r = self.emu.token_request({"grant_type": "client_credentials"},
                                   headers={"Authorization": "Basic " + basic})
        self.assertEqual(r.status, 200, r)
        body = r.json
        self.assertNotIn("refresh_token", body)
        self.assertEqual(list(body), ["access_token", "signature", "scope",
                                      "instance_url", "id", "token_type",
                                      "issued_at"])
        self.assertEqual(self.rest_status(body["access_token"]), 200)
        self.assertOAuthError(self.emu.token_request({
            "grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": "bad"}), "invalid_client",
            "invalid client credentials")
        self.assertOAuthError(self.emu.token_request({
            "grant_type": "client_credentials", "client_id": "second-app",
            "client_secret": "s2"}), "invalid_grant",
            "no client credentials user enabled")

    def test_unknown_and_missing_grant(self):
        self.assertOAuthError(self.emu.token_request({"grant_type": "magic"}),
                              "unsupported_grant_type",
                              "grant type not supported")
        self.assertOAuthError(self.emu.token_request({"client_id": "x"}),
                              "invalid_request", "grant type is missing")
        r = self.emu.request("GET", "/services/oauth2/token")
        self.assertOAuthError(r, "invalid_request")


class Jwt(OAuthBase):
    def setUp(self):
        super().setUp()
        cfg = self.emu.control("GET", "/config")
        self.key = cfg["apps"][0]["jwt"]["private_key_path"]
        self.claims = {"iss": CLIENT_ID, "sub": USERNAME,
                       "aud": self.emu.base, "exp": int(time.time()) + 180}

    def grant(self, assertion):
        return self.emu.token_request({
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": assertion})

    def test_success(self):
        for aud in (self.emu.base, "https://login.salesforce.com"):
            r = self.grant(sign_jwt(dict(self.claims, aud=aud), self.key))
            self.assertEqual(r.status, 200, r)
            self.assertEqual(list(r.json), ["access_token", "scope",
                                            "instance_url", "id",
                                            "token_type"])
            self.assertEqual(self.rest_status(r.json["access_token"]), 200)

    def test_key_endpoint_and_sign_helper(self):
        k = self.emu.control("GET", "/jwt-key")
        self.assertIn("BEGIN PRIVATE KEY", k["private_key_pem"])
        self.assertEqual(k["private_key_path"], self.key)
        a = self.emu.control("POST", "/jwt/sign",
                             {"claims": self.claims})["assertion"]
        self.assertEqual(self.grant(a).status, 200)

    def test_errors(self):
        _, other_key = tempfile.mkstemp()
        try:
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                            "-pkeyopt", "rsa_keygen_bits:1024", "-out",
                            other_key], check=True, stderr=subprocess.DEVNULL)
            self.assertOAuthError(self.grant(sign_jwt(self.claims,
                                                      other_key)),
                                  "invalid_grant", "invalid assertion")
        finally:
            os.unlink(other_key)
        self.assertOAuthError(self.grant("not-a-jwt"), "invalid_grant")
        self.assertOAuthError(self.grant(sign_jwt(
            self.claims, self.key, {"alg": "HS256"})), "invalid_grant")
        self.assertOAuthError(self.grant(sign_jwt(
            dict(self.claims, aud="https://evil.example.com"), self.key)),
            "invalid_grant", "audience is invalid")
        self.assertOAuthError(self.grant(sign_jwt(
            dict(self.claims, aud="https://test.salesforce.com"), self.key)),
            "invalid_grant", "audience is invalid")
        self.assertOAuthError(self.grant(sign_jwt(
            dict(self.claims, exp=int(time.time()) - 10), self.key)),
            "invalid_grant", "expired authorization code")
        self.assertOAuthError(self.grant(sign_jwt(
            dict(self.claims, iss="nobody"), self.key)),
            "invalid_client_id", "client identifier invalid")
        self.assertOAuthError(self.grant(sign_jwt(
            dict(self.claims, sub="noapp@example.com"), self.key)),
            "invalid_grant", "user hasn't approved this consumer")
        # prn wins over sub (legacy claim)
        r = self.grant(sign_jwt(dict(self.claims, sub="noapp@example.com",
                                     prn=USERNAME), self.key))
        self.assertEqual(r.status, 200)


class GenericProvider(OAuthBase):
    """The app as a standard OAuth 2.0 server (provider "oauth2")."""

    def setUp(self):
        super().setUp()
        self.emu.control("POST", "/app", {"provider": "oauth2",
                                          "client_auth":
                                          "client_secret_basic"})
        self.basic = {"Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()}

    def basic_code_tokens(self):
        code, q, _ = self.get_code()
        r = self.emu.token_request(
            {"grant_type": "authorization_code", "code": code,
             "redirect_uri": CALLBACK}, headers=self.basic)
        self.assertEqual(r.status, 200, r)
        return r.json, q

    def test_token_response_and_iss(self):
        body, q = self.basic_code_tokens()
        self.assertEqual(q["iss"], [self.emu.base])
        for k in ("instance_url", "id", "signature", "issued_at"):
            self.assertNotIn(k, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 7200)
        self.assertIn("refresh_token", body)

    def test_basic_is_required(self):
        code, _, _ = self.get_code()
        r = self.exchange(code)          # credentials in the form
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["error"], "invalid_client")
        self.assertIn("Basic", r.headers["www-authenticate"])

    def test_rfc6750_errors(self):
        body, _ = self.basic_code_tokens()
        self.assertEqual(self.rest_status(body["access_token"]), 200)
        self.emu.control("POST", "/sessions/expire", {})
        r = self.emu.get("/limits", body["access_token"])
        self.assertEqual(r.status, 401)
        self.assertIn('error="invalid_token"', r.headers["www-authenticate"])
        self.assertEqual(r.json["error"], "invalid_token")

    def test_revocation_needs_client_authentication(self):
        body, _ = self.basic_code_tokens()
        rt = body["refresh_token"]
        r = self.emu.request("POST", "/services/oauth2/revoke",
                             form={"token": rt})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["error"], "invalid_client")
        r = self.emu.request("POST", "/services/oauth2/revoke",
                             form={"token": rt}, headers=self.basic)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.refresh(rt, headers=None).status, 401)
        r = self.emu.token_request({"grant_type": "refresh_token",
                                    "refresh_token": rt}, headers=self.basic)
        self.assertEqual(r.json["error"], "invalid_grant")
        # RFC 7009 2.2: an unknown token is not an error
        r = self.emu.request("POST", "/services/oauth2/revoke",
                             form={"token": "nonsense"}, headers=self.basic)
        self.assertEqual(r.status, 200, r)


class Device(OAuthBase):
    def start(self, **extra):
        form = {"response_type": "device_code", "client_id": CLIENT_ID,
                "scope": "api refresh_token"}
        form.update(extra)
        r = self.emu.token_request(form)
        self.assertEqual(r.status, 200, r)
        return r.json

    def poll(self, device_code):
        return self.emu.token_request({"grant_type": "device",
                                       "client_id": CLIENT_ID,
                                       "code": device_code})

    def test_pending_slow_down_then_approved(self):
        d = self.start()
        self.assertEqual(list(d), ["device_code", "user_code",
                                   "verification_uri", "interval"])
        self.assertEqual(d["verification_uri"],
                         self.emu.base + "/setup/connect")
        self.assertEqual(d["interval"], 5)
        self.assertEqual(self.poll(d["device_code"]).json,
                         {"error": "authorization_pending"})
        r = self.poll(d["device_code"])     # too fast
        self.assertOAuthError(r, "slow_down")
        self.emu.control("POST", "/device/approve",
                         {"user_code": d["user_code"]})
        r = self.poll(d["device_code"])
        self.assertEqual(r.status, 200, r)
        self.assertIn("refresh_token", r.json)
        self.assertEqual(self.rest_status(r.json["access_token"]), 200)
        self.assertOAuthError(self.poll(d["device_code"]), "invalid_grant")

    def test_verification_page_and_denial(self):
        self.emu.control("POST", "/app", {"device_interval": 0})
        d = self.start()
        page = self.emu.request("GET", "/setup/connect")
        self.assertIn("<form", page.text)
        r = self.emu.request("POST", "/setup/connect", form={
            "user_code": d["user_code"], "username": USERNAME,
            "password": "password1", "action": "allow"})
        self.assertIn("connected", r.text)
        self.assertEqual(self.poll(d["device_code"]).status, 200)
        d = self.start()
        self.emu.control("POST", "/device/approve",
                         {"user_code": d["user_code"], "deny": True})
        self.assertOAuthError(self.poll(d["device_code"]), "access_denied")
        self.emu.control("POST", "/device/approve",
                         {"user_code": "NOPE"}, expect=400)
        self.assertOAuthError(self.poll("bogus"), "invalid_grant")
        self.assertOAuthError(self.emu.token_request({
            "response_type": "device_code", "client_id": "nobody"}),
            "invalid_client_id")

    def test_device_code_expiry(self):
        d = self.start()
        self.emu.control("POST", "/clock", {"advance": 601})
        self.assertOAuthError(self.poll(d["device_code"]), "invalid_grant")


class TokenHolders(OAuthBase):
    def test_revoke_access_and_refresh(self):
        body = self.code_tokens()
        r = self.emu.request("POST", "/services/oauth2/revoke",
                             form={"token": body["access_token"]})
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(self.rest_status(body["access_token"]), 401)
        new = self.refresh(body["refresh_token"]).json["access_token"]
        r = self.emu.request("GET", "/services/oauth2/revoke?token=" +
                             urllib.parse.quote(body["refresh_token"]))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.rest_status(new), 401)
        self.assertEqual(self.refresh(body["refresh_token"]).status, 400)
        r = self.emu.request("POST", "/services/oauth2/revoke",
                             form={"token": "bogus"})
        self.assertOAuthError(r, "invalid_token", "Token was invalid")

    def test_userinfo_and_identity(self):
        body = self.code_tokens()
        tok = body["access_token"]
        r = self.emu.request("GET", "/services/oauth2/userinfo", token=tok)
        info = r.json
        self.assertEqual(info["sub"], body["id"])
        self.assertEqual(info["preferred_username"], USERNAME)
        self.assertEqual(info["email"], "dev@example.com")
        self.assertIn("rest", info["urls"])
        ident_path = urllib.parse.urlsplit(body["id"]).path
        r = self.emu.request("GET", ident_path, token=tok)
        self.assertEqual(r.json["username"], USERNAME)
        self.assertEqual(r.json["id"], body["id"])
        r = self.emu.request("GET", "/services/oauth2/userinfo", token="bad")
        self.assertEqual((r.status, r.text), (403, "Bad_OAuth_Token"))
        r = self.emu.request("GET", "/services/oauth2/userinfo")
        self.assertEqual(r.status, 403)
        r = self.emu.request("GET", "/id/00D000000000001AAA/"
                             "005000000000001AAA", token=tok)
        self.assertEqual((r.status, r.text), (403, "Bad_Id"))

    def test_introspect(self):
        body = self.code_tokens()
        auth = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        r = self.emu.request("POST", "/services/oauth2/introspect",
                             form=dict(auth, token=body["access_token"],
                                       token_type_hint="access_token"))
        info = r.json
        self.assertTrue(info["active"])
        self.assertEqual((info["client_id"], info["username"],
                          info["token_type"]),
                         (CLIENT_ID, USERNAME, "access_token"))
        self.assertEqual(info["sub"], body["id"])
        for k in ("exp", "iat", "nbf"):
            self.assertIsInstance(info[k], int)
        r = self.emu.request("POST", "/services/oauth2/introspect",
                             form=dict(auth, token=body["refresh_token"]))
        self.assertEqual(r.json["token_type"], "refresh_token")
        r = self.emu.request("POST", "/services/oauth2/introspect",
                             form=dict(auth, token="bogus"))
        self.assertEqual(r.json, {"active": False})
        r = self.emu.request("POST", "/services/oauth2/introspect",
                             form={"token": "x", "client_id": CLIENT_ID})
        self.assertOAuthError(r, "invalid_client")

    def test_discovery(self):
        d = self.emu.request("GET", "/.well-known/openid-configuration").json
        self.assertEqual(d["issuer"], self.emu.base)
        self.assertEqual(d["token_endpoint"],
                         self.emu.base + "/services/oauth2/token")
        self.assertEqual(d["response_types_supported"],
                         ["code", "token", "token id_token"])
        self.assertNotIn("code_challenge_methods_supported", d)
        self.assertIn("client_secret_basic",
                      d["token_endpoint_auth_methods_supported"])


if __name__ == "__main__":
    unittest.main()
