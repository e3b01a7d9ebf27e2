"""Token-holder endpoints of the OAuth server: revoke, userinfo, the
identity URL (/id/org/user), introspection, JWKS (/id/keys) and OpenID
discovery. Shapes follow salesforce-api.md 1.1 and 1.10."""

import re

import keys
import oauth
import web
from config import DEFAULT_SCOPES


def _bearer(req):
    auth = req.header("authorization", "")
    if auth[:7].lower() == "bearer " or auth[:6].lower() == "oauth ":
        return auth.split(" ", 1)[1].strip()
    return req.arg("oauth_token") or req.arg("access_token")


def _forbidden(text):
    # Salesforce's identity service answers bad tokens with a plain-text
    # 403 such as "Bad_OAuth_Token" (UNCONFIRMED status and text).
    return web.text_response(403, text)


def revoke(state, req):
    form = req.form() if req.method == "POST" else {}
    token = form.get("token") or req.arg("token")
    s = state.access_tokens.get(token or "")
    rt = state.refresh_tokens.get(token or "")
    owner = state.apps.get((s or rt).client_id) if (s or rt) else None
    try:
        named = state.apps.get(oauth._client_auth(req, form)[0] or "")
    except oauth.OAuthError:
        named = None
    generic = any(a is not None and a.get("provider") == "oauth2"
                  for a in (owner, named))
    if generic:
        # RFC 7009 2.1: the client authenticates, and may revoke only its
        # own tokens; an unknown token is still a 200 (2.2)
        try:
            cid, secret = oauth._client_auth(req, form, state)
            oauth._app(state, cid, secret, require_secret=True)
        except oauth.OAuthError as e:
            if e.error == "invalid_client_id":
                e = oauth.OAuthError("invalid_client",
                                     "client authentication failed", 401)
            return e.response()
        if owner is None or cid != owner["client_id"]:
            return web.empty(200, oauth.NO_CACHE)
    if s is not None and not s.revoked:
        s.revoked = True
    elif rt is not None and rt.state != "revoked":
        state.revoke_family(rt.family)
        rt.state = "revoked"
    else:
        return oauth.OAuthError("invalid_token",
                                "Token was invalid").response()
    return web.empty(200, oauth.NO_CACHE)


def _urls(state, org_id, user_id):
    b = state.base_url
    v = "{version}"
    return {
        "enterprise": "%s/services/Soap/c/%s/%s" % (b, v, org_id[:15]),
        "metadata": "%s/services/Soap/m/%s/%s" % (b, v, org_id[:15]),
        "partner": "%s/services/Soap/u/%s/%s" % (b, v, org_id[:15]),
        "rest": "%s/services/data/v%s/" % (b, v),
        "sobjects": "%s/services/data/v%s/sobjects/" % (b, v),
        "search": "%s/services/data/v%s/search/" % (b, v),
        "query": "%s/services/data/v%s/query/" % (b, v),
        "recent": "%s/services/data/v%s/recent/" % (b, v),
        "tooling_soap": "%s/services/Soap/T/%s/%s" % (b, v, org_id[:15]),
        "tooling_rest": "%s/services/data/v%s/tooling/" % (b, v),
        "profile": "%s/%s" % (b, user_id),
        "feeds": "%s/services/data/v%s/chatter/feeds" % (b, v),
        "groups": "%s/services/data/v%s/chatter/groups" % (b, v),
        "users": "%s/services/data/v%s/chatter/users" % (b, v),
        "feed_items": "%s/services/data/v%s/chatter/feed-items" % (b, v),
        "feed_elements": "%s/services/data/v%s/chatter/feed-elements"
        % (b, v),
        "custom_domain": b,
    }


def _photos(state, user_id):
    b = state.base_url + "/profilephoto/005/"
    return {"picture": b + "F", "thumbnail": b + "T"}


def userinfo(state, req):
    token = _bearer(req)
    if not token:
        return _forbidden("Missing_OAuth_Token")
    s = state.session(token)
    if s is None:
        return _forbidden("Bad_OAuth_Token")
    org = state.orgs[s.org_id]
    user = state.user_cfg(org, s.user_id)
    rec = org.table("User")[s.user_id]
    body = {
        "sub": state.identity_url(org.id, s.user_id),
        "user_id": s.user_id, "organization_id": org.id,
        "preferred_username": user["username"],
        "nickname": rec.get("CommunityNickname"), "name": rec.get("Name"),
        "email": user["email"], "email_verified": True,
        "given_name": user.get("first_name"),
        "family_name": user["last_name"],
        "zoneinfo": "America/Los_Angeles",
        "photos": _photos(state, s.user_id),
        "profile": "%s/%s" % (state.base_url, s.user_id),
        "picture": _photos(state, s.user_id)["picture"],
        "address": {}, "is_salesforce_integration_user": False,
        "urls": _urls(state, org.id, s.user_id), "active": True,
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "utcOffset": -28800000, "updated_at": rec["LastModifiedDate"][:19]
        + "Z", "is_app_installed": True,
    }
    return web.json_response(200, body)


def identity_url(state, req):
    m = re.match(r"^/id/([A-Za-z0-9]{15,18})/([A-Za-z0-9]{15,18})/?$",
                 req.path)
    token = _bearer(req)
    if not token:
        return _forbidden("Missing_OAuth_Token")
    s = state.session(token)
    if s is None:
        return _forbidden("Bad_OAuth_Token")
    if not m or (m.group(1)[:15], m.group(2)[:15]) != (s.org_id[:15],
                                                       s.user_id[:15]):
        return _forbidden("Bad_Id")
    org = state.orgs[s.org_id]
    user = state.user_cfg(org, s.user_id)
    rec = org.table("User")[s.user_id]
    body = {
        "id": state.identity_url(org.id, s.user_id), "asserted_user": True,
        "user_id": s.user_id, "organization_id": org.id,
        "username": user["username"],
        "nick_name": rec.get("CommunityNickname"),
        "display_name": rec.get("Name"), "email": user["email"],
        "email_verified": True, "first_name": user.get("first_name"),
        "last_name": user["last_name"], "timezone": "America/Los_Angeles",
        "photos": _photos(state, s.user_id), "addr_street": None,
        "addr_city": None, "addr_state": None, "addr_country": None,
        "addr_zip": None, "mobile_phone": None,
        "mobile_phone_verified": False, "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": _urls(state, org.id, s.user_id), "active": True,
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US",
        "utcOffset": -28800000,
        "last_modified_date": rec["LastModifiedDate"],
        "is_app_installed": True,
    }
    return web.json_response(200, body)


def introspect(state, req):
    if req.method != "POST":
        return oauth.OAuthError("invalid_request",
                                "must use HTTP POST").response()
    form = req.form()
    try:
        cid, secret = oauth._client_auth(req, form)
        oauth._app(state, cid, secret, require_secret=True)
    except oauth.OAuthError as e:
        return e.response()
    token = form.get("token") or ""
    s = state.session(token)
    rt = state.refresh_tokens.get(token)
    if s is not None:
        kind, subject = "access_token", s
        exp = int(s.expires) if s.expires else None
    elif rt is not None and rt.state == "active" and (
            rt.expires is None or state.now() < rt.expires):
        kind, subject = "refresh_token", rt
        exp = int(rt.expires) if rt.expires else None
    else:
        # Inactive body per RFC 7662 (UNCONFIRMED for Salesforce).
        return web.json_response(200, {"active": False})
    org = state.orgs[subject.org_id]
    user = state.user_cfg(org, subject.user_id)
    body = {"active": True, "scope": " ".join(subject.scopes),
            "client_id": subject.client_id, "username": user["username"],
            "sub": state.identity_url(org.id, subject.user_id),
            "token_type": kind}
    if exp is not None:
        body["exp"] = exp
    body["iat"] = int(subject.issued)
    body["nbf"] = int(subject.issued)
    return web.json_response(200, body)


def jwks(state, req):
    pair = state.keys["idtoken"].wait()
    return web.json_response(200, {"keys": [{
        "kty": "RSA", "n": keys.b64url(pair.modulus), "e": "AQAB",
        "alg": "RS256", "use": "sig", "kid": "228"}]})


def openid_configuration(state, req):
    b = state.base_url
    o = b + "/services/oauth2/"
    return web.json_response(200, {
        "issuer": b,
        "authorization_endpoint": o + "authorize",
        "token_endpoint": o + "token",
        "revocation_endpoint": o + "revoke",
        "userinfo_endpoint": o + "userinfo",
        "jwks_uri": b + "/id/keys",
        "registration_endpoint": o + "register",
        "introspection_endpoint": o + "introspect",
        "scopes_supported": DEFAULT_SCOPES,
        "response_types_supported": ["code", "token", "token id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page", "popup", "touch"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post", "client_secret_basic", "private_key_jwt"],
        "claims_supported": ["active", "address", "email", "email_verified",
                             "family_name", "given_name", "is_app_installed",
                             "language", "locale", "name", "nickname",
                             "organization_id", "phone_number",
                             "phone_number_verified", "photos", "picture",
                             "preferred_username", "profile", "sub",
                             "updated_at", "urls", "user_id", "user_type",
                             "zoneinfo"],
    })
