"""The OAuth 2.0 server: authorize (code and token), the token endpoint
(authorization_code + PKCE, refresh_token with optional rotation,
client_credentials, JWT bearer, device flow, password), revoke, userinfo,
the identity URL, introspection, JWKS and OpenID discovery. Shapes and
error texts follow salesforce-api.md section 1."""

import base64
import hashlib
import hmac
import html
import json
import os
import secrets
import urllib.parse

import keys
import web
from store import RefreshToken, Session

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEVICE_GRANTS = ("device", "urn:ietf:params:oauth:grant-type:device_code")
NO_CACHE = [("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,"
             "private"), ("Pragma", "no-cache")]
_TOKEN_CHARS = str.maketrans("-", ".")


class OAuthError(Exception):
    def __init__(self, error, description=None, status=400):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status

    def response(self):
        body = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        extra = [("WWW-Authenticate", 'Basic realm="emulator"')] \
            if self.status == 401 else []
        return web.json_response(self.status, body, NO_CACHE + extra)


def _bad_token():
    return OAuthError("invalid_grant", "expired access/refresh token")


# ---- helpers ----------------------------------------------------------------
def _random_token(n):
    return secrets.token_urlsafe(n).translate(_TOKEN_CHARS)


def _code():
    # Real codes are standard base64 with '+', '/' and '=' (reference 1.2),
    # so a client that forgets to URL-decode the redirect will fail here.
    return base64.b64encode(os.urandom(49)).decode("ascii")


def signature(secret, identity, issued_at):
    mac = hmac.new(secret.encode(), (identity + issued_at).encode(),
                   hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def _client_auth(req, form, state=None):
    """(client_id, client_secret) from HTTP Basic or the form body; with
    `state`, the method the app requires (its client_auth) is enforced."""
    auth = req.header("authorization", "")
    basic = auth[:6].lower() == "basic "
    if state is not None:
        cid = form.get("client_id")
        if basic:
            try:
                raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
                cid = urllib.parse.unquote_plus(raw.partition(":")[0])
            except (ValueError, UnicodeDecodeError):
                pass
        need = state.apps.get(cid or "", {}).get("client_auth", "any")
        if (need == "client_secret_basic" and (
                not basic or "client_secret" in form)) or (
                need == "client_secret_post" and basic):
            # RFC 6749 5.2: 401 with a challenge for the method to use
            raise OAuthError("invalid_client", "client authentication "
                             "must use %s" % need, status=401)
    if basic:
        try:
            raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
            cid, _, secret = raw.partition(":")
            return (urllib.parse.unquote_plus(cid),
                    urllib.parse.unquote_plus(secret))
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials")
    return form.get("client_id"), form.get("client_secret")


def _app(state, client_id, secret=None, require_secret=False):
    app = state.apps.get(client_id or "")
    if app is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if secret is not None and not hmac.compare_digest(
            secret.encode(), app["client_secret"].encode()):
        # HTTP status for invalid_client is UNCONFIRMED; 400 like the
        # other token errors.
        raise OAuthError("invalid_client", "invalid client credentials")
    if require_secret and secret is None:
        raise OAuthError("invalid_client", "invalid client credentials")
    return app


def _scopes(app, requested):
    """Requested scopes (space-separated) checked against the app's."""
    if not requested or not requested.strip():
        return list(app["scopes"])
    wanted = requested.split()
    for s in wanted:
        if s not in app["scopes"]:
            raise OAuthError("invalid_scope",
                             "the requested scope is not allowed")
    return wanted


def redirect_allowed(app, uri):
    """Exact match with a callback URL, or the loopback rule: a registered
    http callback on 127.0.0.1, localhost or [::1] without a port matches
    the same path on any port and any of those three hosts."""
    if not uri:
        return False
    if uri in app["callback_urls"]:
        return True
    try:
        got = urllib.parse.urlsplit(uri)
        got_port = got.port
    except ValueError:
        return False
    loop = ("127.0.0.1", "localhost", "::1")
    if got.scheme != "http" or got.hostname not in loop:
        return False
    for cb in app["callback_urls"]:
        reg = urllib.parse.urlsplit(cb)
        if reg.scheme == "http" and reg.hostname in loop and reg.port is None \
                and (reg.path or "/") == (got.path or "/") \
                and reg.query == got.query and got_port is not None:
            return True
    return False


def _user_ok(state, org, uid):
    user = state.user_cfg(org, uid)
    rec = org.table("User").get(uid)
    if not user.get("active", True) or not (rec or {}).get("IsActive", True):
        raise OAuthError("invalid_grant", "inactive user")
    return user


# ---- issuing ----------------------------------------------------------------
def _id_token(state, org, uid, app, nonce, access_token):
    user = state.user_cfg(org, uid)
    now = int(state.now())
    half = hashlib.sha256(access_token.encode()).digest()[:16]
    claims = {"at_hash": keys.b64url(half),
              "sub": state.identity_url(org.id, uid),
              "aud": app["client_id"], "iss": state.base_url, "exp": now + 300,
              "iat": now, "name": " ".join(x for x in (user.get("first_name"),
                                                        user["last_name"])
                                            if x),
              "given_name": user.get("first_name"),
              "family_name": user["last_name"],
              "preferred_username": user["username"],
              "email": user["email"], "email_verified": True}
    if nonce:
        claims["nonce"] = nonce
    head = {"kid": "228", "typ": "JWT", "alg": "RS256"}
    signing_input = (keys.b64url(json.dumps(head, separators=(",", ":"))
                                 .encode()) + "." +
                     keys.b64url(json.dumps(claims, separators=(",", ":"))
                                 .encode()))
    sig = state.keys["idtoken"].sign(signing_input.encode())
    return signing_input + "." + keys.b64url(sig)


def issue(state, org, uid, app, scopes, refresh=None, family=None,
          nonce=None, minimal=False, with_id_token=True):
    """Create an access token (and a refresh token when refresh is True
    or a string to reuse) and return the token response body."""
    now = state.now()
    issued = str(int(now * 1000))
    access = org.id[:15] + "!AR" + _random_token(72)
    lifetime = app["access_token_lifetime"]
    if refresh is True:
        family = family or secrets.token_hex(8)
        refresh = "5Aep861" + _random_token(64)
        exp = app["refresh_token_lifetime"]
        state.refresh_tokens[refresh] = _new_refresh(
            refresh, org, uid, app, scopes, now, exp, family)
        state.add_to_family(family, refresh)
    state.access_tokens[access] = Session(
        token=access, org_id=org.id, user_id=uid,
        client_id=app["client_id"], scopes=list(scopes), issued=now,
        expires=now + lifetime if lifetime else None, family=family,
        revoked=False)
    state.add_to_family(family, access)
    state.approvals.add((uid, app["client_id"]))
    identity = state.identity_url(org.id, uid)
    if app.get("provider") == "oauth2":
        # a standard OAuth 2.0 server (RFC 6749 5.1): no Salesforce fields
        body = {"access_token": access, "token_type": "Bearer"}
        if lifetime:
            body["expires_in"] = int(lifetime)
        if isinstance(refresh, str):
            body["refresh_token"] = refresh
        body["scope"] = " ".join(scopes)
        if with_id_token and "openid" in scopes:
            body["id_token"] = _id_token(state, org, uid, app, nonce, access)
        return body
    if minimal:         # JWT bearer: exactly these five keys (reference 1.5)
        return {"access_token": access, "scope": " ".join(scopes),
                "instance_url": state.base_url, "id": identity,
                "token_type": "Bearer"}
    body = {"access_token": access}
    if isinstance(refresh, str):
        body["refresh_token"] = refresh
    body["signature"] = signature(app["client_secret"], identity, issued)
    body["scope"] = " ".join(scopes)
    if with_id_token and "openid" in scopes:
        body["id_token"] = _id_token(state, org, uid, app, nonce, access)
    body.update({"instance_url": state.base_url, "id": identity,
                 "token_type": "Bearer", "issued_at": issued})
    return body


def _new_refresh(token, org, uid, app, scopes, now, lifetime, family):
    return RefreshToken(token=token, org_id=org.id, user_id=uid,
                        client_id=app["client_id"], scopes=list(scopes),
                        issued=now, expires=now + lifetime if lifetime
                        else None, family=family)


def _wants_refresh(scopes):
    return "refresh_token" in scopes or "offline_access" in scopes


# ---- /services/oauth2/token -------------------------------------------------
def token_endpoint(state, req):
    if req.method != "POST":
        return OAuthError("invalid_request", "must use HTTP POST").response()
    form = req.form()
    try:
        grant = form.get("grant_type")
        if not grant:
            if form.get("response_type") == "device_code":
                body = _device_start(state, req, form)
            else:
                # Wording UNCONFIRMED (reference 1.9).
                raise OAuthError("invalid_request", "grant type is missing")
        elif grant == "authorization_code":
            body = _grant_code(state, req, form)
        elif grant == "refresh_token":
            body = _grant_refresh(state, req, form)
        elif grant == "password":
            body = _grant_password(state, req, form)
        elif grant == "client_credentials":
            body = _grant_client_credentials(state, req, form)
        elif grant == JWT_GRANT:
            body = _grant_jwt(state, req, form)
        elif grant in DEVICE_GRANTS:
            body = _grant_device(state, req, form)
        else:
            # Wording UNCONFIRMED (reference 1.9).
            raise OAuthError("unsupported_grant_type",
                             "grant type not supported")
    except OAuthError as e:
        return e.response()
    fmt = form.get("format") or ""
    if fmt == "urlencoded" or (not fmt and "application/x-www-form-urlencoded"
                               in req.header("accept", "")):
        return web.Response(200, urllib.parse.urlencode(body).encode(),
                            [("Content-Type",
                              "application/x-www-form-urlencoded")]
                            + NO_CACHE)
    return web.json_response(200, body, NO_CACHE)


def _grant_code(state, req, form):
    cid, secret = _client_auth(req, form, state)
    app = _app(state, cid, secret, state.apps.get(cid or "", {}).get(
        "require_secret", False))
    code = state.codes.get(form.get("code") or "")
    if code is None or code["used"] or code["client_id"] != cid:
        raise OAuthError("invalid_grant", "invalid authorization code")
    if state.now() >= code["expires"]:
        # Wording UNCONFIRMED ("expired authorization code" is what
        # Salesforce says for expired JWT assertions).
        raise OAuthError("invalid_grant", "expired authorization code")
    if form.get("redirect_uri") != code["redirect_uri"]:
        raise OAuthError("redirect_uri_mismatch",
                         "redirect_uri must match configuration")
    if code["challenge"]:
        verifier = form.get("code_verifier") or ""
        digest = keys.b64url(hashlib.sha256(verifier.encode()).digest())
        if not verifier or not hmac.compare_digest(digest,
                                                   code["challenge"]):
            raise OAuthError("invalid_grant", "invalid code verifier")
    # A verifier sent for a code issued without a challenge is ignored
    # (UNCONFIRMED).
    code["used"] = True
    org = state.orgs[code["org_id"]]
    _user_ok(state, org, code["user_id"])
    return issue(state, org, code["user_id"], app, code["scopes"],
                 refresh=_wants_refresh(code["scopes"]),
                 nonce=code.get("nonce"))


def _grant_refresh(state, req, form):
    cid, secret = _client_auth(req, form, state)
    app = _app(state, cid, secret)
    rt = state.refresh_tokens.get(form.get("refresh_token") or "")
    if rt is None or rt.client_id != cid:
        raise _bad_token()
    if rt.state == "rotated":
        # Reuse of a rotated-out token: invalidate the whole chain
        # (reference 1.3).
        state.revoke_family(rt.family)
        raise _bad_token()
    if rt.state != "active" or (rt.expires is not None and
                                state.now() >= rt.expires):
        raise _bad_token()
    org = state.orgs[rt.org_id]
    _user_ok(state, org, rt.user_id)
    if app["refresh_token_rotation"]:
        rt.state = "rotated"
        return issue(state, org, rt.user_id, app, rt.scopes, refresh=True,
                     family=rt.family)
    return issue(state, org, rt.user_id, app, rt.scopes, family=rt.family)


def _grant_password(state, req, form):
    cid, secret = _client_auth(req, form, state)
    app = _app(state, cid, secret, require_secret=True)
    org, uid = state.find_user(form.get("username"))
    if org is None or not org.cfg.get("allow_password_flow", True):
        raise OAuthError("invalid_grant", "authentication failure")
    user = state.user_cfg(org, uid)
    expected = user["password"] + (user.get("security_token") or "")
    if not hmac.compare_digest((form.get("password") or "").encode(),
                               expected.encode()):
        raise OAuthError("invalid_grant", "authentication failure")
    _user_ok(state, org, uid)
    scopes = _scopes(app, form.get("scope"))
    return issue(state, org, uid, app, scopes, with_id_token=False)


def _grant_client_credentials(state, req, form):
    cid, secret = _client_auth(req, form, state)
    app = _app(state, cid, secret, require_secret=True)
    # Salesforce only allows this flow on the My Domain host; here the
    # login host and the My Domain host are the same origin, so it is
    # always allowed ("request not supported on this domain" never occurs).
    org, uid = state.find_user(app.get("client_credentials_user"))
    if org is None:
        # error code UNCONFIRMED (reference 1.4).
        raise OAuthError("invalid_grant", "no client credentials user "
                         "enabled")
    _user_ok(state, org, uid)
    scopes = [s for s in _scopes(app, form.get("scope"))
              if s not in ("refresh_token", "offline_access", "openid")]
    return issue(state, org, uid, app, scopes, with_id_token=False)


def _grant_jwt(state, req, form):
    invalid = OAuthError("invalid_grant", "invalid assertion")  # UNCONFIRMED
    parts = (form.get("assertion") or "").split(".")
    if len(parts) != 3:
        raise invalid
    try:
        header = json.loads(keys.b64url_decode(parts[0]))
        claims = json.loads(keys.b64url_decode(parts[1]))
        sig = keys.b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise invalid
    if not isinstance(header, dict) or not isinstance(claims, dict) or \
            header.get("alg") != "RS256":
        raise invalid
    app = _app(state, claims.get("iss"))
    pub = state.jwt_public_keys.get(app["client_id"])
    if pub is None:
        if app.get("jwt_certificate") == "generated":
            pub = state.keys["jwt"].wait().public_key_path
        if pub is None:
            raise invalid
    signing_input = (parts[0] + "." + parts[1]).encode()
    if not keys.verify_rs256(pub, signing_input, sig, state.tmpdir):
        raise invalid
    org, uid = state.find_user(claims.get("prn") or claims.get("sub"))
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(a in _audiences(state, app, org) for a in auds):
        raise OAuthError("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or state.now() >= exp:
        # Observed wording for an expired assertion (reference 1.5).
        raise OAuthError("invalid_grant", "expired authorization code")
    if org is None:
        raise invalid
    if (uid, app["client_id"]) not in state.approvals:
        raise OAuthError("invalid_grant", "user hasn't approved this "
                         "consumer")
    _user_ok(state, org, uid)
    scopes = [s for s in app["scopes"]
              if s not in ("refresh_token", "offline_access", "openid")]
    return issue(state, org, uid, app, scopes, minimal=True)


def _audiences(state, app, org):
    """This server (the login host here), plus login.salesforce.com for
    production orgs and test.salesforce.com for sandboxes."""
    base = state.base_url
    out = {base, base + "/", base.replace("127.0.0.1", "localhost"),
           base.replace("127.0.0.1", "localhost") + "/"}
    sandbox = bool(org and org.cfg.get("is_sandbox"))
    out.add("https://test.salesforce.com" if sandbox
            else "https://login.salesforce.com")
    out.update(app.get("jwt_audiences") or [])
    return out


# ---- device flow ------------------------------------------------------------
_USER_CODE_CHARS = "BCDFGHJKLMNPQRSTVWXZ23456789"


def _device_start(state, req, form):
    cid, _ = _client_auth(req, form)
    app = _app(state, cid)
    scopes = _scopes(app, form.get("scope"))
    device_code = _random_token(48)
    user_code = "".join(secrets.choice(_USER_CODE_CHARS) for _ in range(8))
    state.device_codes[device_code] = {
        "client_id": cid, "scopes": scopes, "user_code": user_code,
        "status": "pending", "org_id": None, "user_id": None,
        "interval": app["device_interval"], "last_poll": None,
        "expires": state.now() + app["device_code_lifetime"]}
    state.user_codes[user_code] = device_code
    # verification_uri path and interval are UNCONFIRMED (reference 1.6).
    return {"device_code": device_code, "user_code": user_code,
            "verification_uri": state.base_url + "/setup/connect",
            "interval": app["device_interval"]}


def _grant_device(state, req, form):
    cid, secret = _client_auth(req, form, state)
    app = _app(state, cid, secret)
    dev = state.device_codes.get(form.get("code") or
                                 form.get("device_code") or "")
    if dev is None or dev["client_id"] != cid:
        raise OAuthError("invalid_grant", "invalid device code")
    now = state.now()
    if now >= dev["expires"]:
        raise OAuthError("invalid_grant", "expired authorization code")
    if dev["status"] == "pending":
        # authorization_pending carries no description (sfdx-core test);
        # slow_down (+5 s, as RFC 8628 says) is UNCONFIRMED for Salesforce.
        last, dev["last_poll"] = dev["last_poll"], now
        if last is not None and now - last < dev["interval"]:
            dev["interval"] += 5
            raise OAuthError("slow_down")
        raise OAuthError("authorization_pending")
    state.device_codes.pop(form.get("code") or form.get("device_code"), None)
    state.user_codes.pop(dev["user_code"], None)
    if dev["status"] == "denied":
        raise OAuthError("access_denied", "end-user denied authorization")
    org = state.orgs[dev["org_id"]]
    _user_ok(state, org, dev["user_id"])
    return issue(state, org, dev["user_id"], app, dev["scopes"],
                 refresh=_wants_refresh(dev["scopes"]))


def device_decide(state, user_code, username=None, deny=False):
    """Approve or deny a pending device code (verification page and the
    control API). Returns None or an error text."""
    device_code = state.user_codes.get((user_code or "").strip().upper())
    dev = state.device_codes.get(device_code or "")
    if dev is None or dev["status"] != "pending":
        return "unknown or already used user code"
    app = state.apps[dev["client_id"]]
    org, uid = state.find_user(username or _default_username(state, app))
    if org is None:
        return "unknown user"
    dev.update(status="denied" if deny else "approved", org_id=org.id,
               user_id=uid)
    return None


def _default_username(state, app):
    org = state.default_org()
    return org.cfg["users"][0]["username"]


def verification_page(state, req):
    """/setup/connect: the page a device-flow user opens."""
    msg = ""
    if req.method == "POST":
        form = req.form()
        org, uid = state.find_user(form.get("username"))
        if form.get("username") and (org is None or (
                state.user_cfg(org, uid)["password"] != form.get("password"))):
            msg = "Please check your username and password."
        else:
            err = device_decide(state, form.get("user_code"),
                                form.get("username"),
                                form.get("action") == "deny")
            if err is None:
                return web.text_response(
                    200, _html("Connected", "<p>You're connected. You can "
                               "close this window.</p>"),
                    "text/html;charset=UTF-8")
            msg = "Invalid code: " + err
    body = ("<p>%s</p><form method='post' action='/setup/connect'>"
            "<label>Code <input name='user_code' value='%s'></label>"
            "<label>Username <input name='username'></label>"
            "<label>Password <input name='password' type='password'></label>"
            "<button name='action' value='allow'>Connect</button>"
            "<button name='action' value='deny'>Deny</button></form>"
            % (html.escape(msg), html.escape(req.arg("user_code", ""))))
    return web.text_response(200, _html("Connect Your Device", body),
                             "text/html;charset=UTF-8")


def _html(title, body):
    return ("<!DOCTYPE html><html><head><title>%s</title></head><body>"
            "<h1>%s</h1>%s</body></html>" % (title, title, body))


# ---- /services/oauth2/authorize ---------------------------------------------
def _error_page(error, description):
    # Salesforce shows these on a page instead of redirecting, because the
    # redirect_uri cannot be trusted. Status and layout are UNCONFIRMED.
    text = "error=%s&error_description=%s" % (
        error, urllib.parse.quote(description))
    return web.text_response(400, _html("Error", "<p>%s</p>"
                                        % html.escape(text)),
                             "text/html;charset=UTF-8")


def _redirect_with(uri, params, fragment=False):
    query = urllib.parse.urlencode({k: v for k, v in params.items()
                                    if v is not None})
    if fragment:
        return web.redirect(uri + "#" + query)
    return web.redirect(uri + ("&" if "?" in uri else "?") + query)


def authorize(state, req):
    p = dict(req.query and {k: v[0] for k, v in req.query.items()})
    if req.method == "POST":
        p.update(req.form())
    app = state.apps.get(p.get("client_id") or "")
    if app is None:
        return _error_page("invalid_client_id", "client identifier invalid")
    uri = p.get("redirect_uri")
    if not redirect_allowed(app, uri):
        return _error_page("redirect_uri_mismatch",
                           "redirect_uri must match configuration")
    rtype = p.get("response_type")
    st = p.get("state")
    implicit = rtype == "token"

    def fail(error, description):
        return _redirect_with(uri, {"error": error, "error_description":
                                    description, "state": st}, implicit)
    if rtype not in ("code", "token"):
        return fail("unsupported_response_type", "response type not "
                    "supported")
    try:
        scopes = _scopes(app, p.get("scope"))
    except OAuthError as e:
        return fail(e.error, e.description)
    challenge = p.get("code_challenge")
    method = p.get("code_challenge_method") or ("S256" if challenge else None)
    # Only S256 is known to work; missing method defaults to S256 (jsforce
    # omits it). Rejecting "plain" and the PKCE-required wording are
    # UNCONFIRMED.
    if challenge and method != "S256":
        return fail("invalid_request", "unsupported code challenge method")
    if rtype == "code" and app["require_pkce"] and not challenge:
        return fail("invalid_request", "missing required code challenge")
    user = _authorize_user(state, req, p, app)
    if isinstance(user, web.Response):
        return user
    if user == "deny":
        return fail("access_denied", "end-user denied authorization")
    org, uid = user
    if rtype == "token":
        body = issue(state, org, uid, app, scopes,
                     refresh=_wants_refresh(scopes), nonce=p.get("nonce"))
        body["state"] = st
        return _redirect_with(uri, body, fragment=True)
    code = _code()
    state.codes[code] = {"client_id": app["client_id"], "redirect_uri": uri,
                         "scopes": scopes, "org_id": org.id, "user_id": uid,
                         "challenge": challenge, "nonce": p.get("nonce"),
                         "expires": state.now() + app["code_lifetime"],
                         "used": False}
    state.approvals.add((uid, app["client_id"]))
    params = {"code": code, "state": st}
    if app.get("provider") == "oauth2":
        params["iss"] = state.base_url     # RFC 9207
    return _redirect_with(uri, params)


def _authorize_user(state, req, p, app):
    """(org, user id), "deny", or the login page as a Response."""
    if req.method == "POST" and "username" in p:
        if p.get("action") == "deny":
            return "deny"
        org, uid = state.find_user(p.get("username"))
        if org is not None:
            user = state.user_cfg(org, uid)
            if hmac.compare_digest((p.get("password") or "").encode(),
                                   user["password"].encode()) and \
                    user.get("active", True):
                return org, uid
        return _login_page(p, "Please check your username and password. If "
                           "you still can't log in, contact your Salesforce "
                           "administrator.")
    prompt = (p.get("prompt") or "").split()
    if app["auto_approve"] and "login" not in prompt:
        hint = p.get("login_hint")
        org, uid = state.find_user(hint) if hint else (None, None)
        if org is None:
            org, uid = state.find_user(_default_username(state, app))
        return org, uid
    return _login_page(p, "")


def _login_page(p, message):
    hidden = "".join("<input type='hidden' name='%s' value='%s'>"
                     % (html.escape(k), html.escape(v)) for k, v in p.items()
                     if k not in ("username", "password", "action"))
    body = ("<p>%s</p><form method='post' action='/services/oauth2/"
            "authorize'>%s<label>Username <input name='username'></label>"
            "<label>Password <input name='password' type='password'>"
            "</label><button name='action' value='allow'>Allow</button>"
            "<button name='action' value='deny'>Deny</button></form>"
            % (html.escape(message), hidden))
    return web.text_response(200, _html("Login | Salesforce", body),
                             "text/html;charset=UTF-8")
