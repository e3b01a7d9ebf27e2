"""Emulator configuration: the built-in default (one Developer Edition org,
one connected app, one user) and the --config JSON format, validated and
filled with defaults. CONFIG_HELP is printed by --help."""

import copy
import json
import os
import textwrap

DEFAULT_CLIENT_ID = "luaforce-test-client"
DEFAULT_SCOPES = ["api", "refresh_token", "offline_access", "id", "profile",
                  "email", "address", "phone", "openid", "web", "full",
                  "chatter_api", "visualforce", "custom_permissions"]
# Developer Edition's daily API allowance is 15,000 (reference 2.2);
# Enterprise's base allowance is 100,000.
EDITION_LIMITS = {"Developer Edition": 15000, "Enterprise Edition": 100000}

CONFIG_HELP = """\
Default configuration (used when --config is not given):
  org    "Luaforce Dev", Developer Edition, not a sandbox, no trial,
         daily API limit 15000, username-password flow allowed
  app    client_id luaforce-test-client, client_secret luaforce-test-secret,
         callback http://127.0.0.1/callback (and http://localhost/callback);
         a registered loopback callback (http, host 127.0.0.1, localhost or
         [::1], no port) also matches the same path on ANY port and any of
         those loopback hosts, e.g. http://127.0.0.1:53124/callback or
         http://localhost:8080/callback.  Everything else must match exactly.
         Scopes: %(scopes)s.
         Access tokens live 7200 s, codes 900 s, refresh tokens forever,
         rotation off, PKCE optional, secret required for the code flow,
         authorize auto-approves, device-flow polling interval 5 s.
         JWT bearer: checked against a test RSA key pair generated at
         start-up; the private key PEM path is in GET /__emulator/config
         (apps[0].jwt.private_key_path) and GET /__emulator/jwt-key.
         Client credentials run as dev@example.com.
  user   dev@example.com, password "password1", security token "TOKEN"
         (the password grant takes password1TOKEN), has approved the app.
  The instance URL, the login host, the My Domain host and the issuer are
  all this server's own origin (http[s]://127.0.0.1:PORT).

--config FILE is JSON; every key is optional and gets the default above:
{
  "orgs": [{
    "name": "Luaforce Dev",
    "id": "00D5g0000000001",            15 or 18 chars; generated if absent
    "edition": "Developer Edition",     OrganizationType: "Enterprise
                                        Edition", "Unlimited Edition", ...
    "trial": false,                     true: TrialExpirationDate = now+30d
    "trial_expiration_date": null,      or an explicit datetime string
    "is_sandbox": false,
    "instance_name": "USA1",
    "daily_api_limit": 15000,           DailyApiRequests Max
    "api_usage": 0,                     requests already used today
    "allow_password_flow": true,        false: grant_type=password refused
    "api_enabled": true,                false: REST answers 403
                                        API_DISABLED_FOR_ORG
    "users": [{
      "username": "dev@example.com", "password": "password1",
      "security_token": "TOKEN", "first_name": "Dev", "last_name": "User",
      "email": "dev@example.com", "active": true,
      "approved_apps": ["luaforce-test-client"],
      "object_access": {"Lead": "read"}     "edit" (default), "read", "none"
    }]
  }],
  "apps": [{
    "client_id": "luaforce-test-client",
    "client_secret": "luaforce-test-secret",
    "callback_urls": ["http://127.0.0.1/callback"],
    "scopes": [...],                    the app's selected OAuth scopes
    "access_token_lifetime": 7200,      seconds
    "refresh_token_lifetime": null,     seconds, null = until revoked
    "refresh_token_rotation": false,
    "code_lifetime": 900,               authorization codes, seconds
    "require_secret": true,             code flow needs client_secret
    "require_pkce": false,
    "auto_approve": true,               false: authorize shows a login form
    "jwt_certificate": "generated",     PEM certificate or public key path
                                        (relative to the config file), or
                                        "generated", or null (no JWT flow)
    "jwt_audiences": null,              extra accepted "aud" values
    "client_credentials_user": "dev@example.com",   null disables the flow
    "device_interval": 5,               seconds between device polls
    "device_code_lifetime": 600,
    "name": "luaforce-test-app",       the app's name in Sforce-Limit-Info
    "api_limit": null,                  per-app API allocation (daily
                                        calls), null = none
    "provider": "salesforce",           "oauth2": a generic OAuth 2.0 server
                                        (RFC 6749/6750/7009/9207): token
                                        responses without instance_url,
                                        id, signature, issued_at, with
                                        expires_in; REST 401s as RFC 6750
                                        Bearer challenges; revocation needs
                                        client authentication; iss on the
                                        authorization redirect
    "client_auth": "any"                how the client must authenticate:
                                        "any" (form or HTTP Basic),
                                        "client_secret_basic" or
                                        "client_secret_post"
  }],
  "custom_fields": {"Lead": [{"name": "Score__c", "type": "double",
                              "external_id": false}]},
  "api_versions": {"min": "31.0", "max": "62.0"},
  "shapes": {"picklists": {...}, "validation_rules": {...},
             "duplicate_rules": {...}}      see README.md, "Org shapes"
}
Users given in a config file default to password "password1", security
token "TOKEN" and no approved apps. Each object also has a built-in
Ext_Id__c text external id field.
""" % {"scopes": textwrap.fill(" ".join(DEFAULT_SCOPES), 60,
                               subsequent_indent=" " * 17)}


def default_user():
    return {"username": "dev@example.com", "password": "password1",
            "security_token": "TOKEN", "first_name": "Dev",
            "last_name": "User", "email": "dev@example.com", "active": True,
            "approved_apps": [DEFAULT_CLIENT_ID], "object_access": {},
            "id": None}


def default_org():
    return {"name": "Luaforce Dev", "id": None,
            "edition": "Developer Edition", "trial": False,
            "trial_expiration_date": None, "is_sandbox": False,
            "instance_name": "USA1", "daily_api_limit": None,
            "api_usage": 0, "allow_password_flow": True,
            "api_enabled": True, "users": [default_user()]}


def default_app():
    return {"client_id": DEFAULT_CLIENT_ID,
            "client_secret": "luaforce-test-secret",
            "callback_urls": ["http://127.0.0.1/callback",
                              "http://localhost/callback"],
            "scopes": list(DEFAULT_SCOPES),
            "access_token_lifetime": 7200, "refresh_token_lifetime": None,
            "refresh_token_rotation": False, "code_lifetime": 900,
            "require_secret": True, "require_pkce": False,
            "auto_approve": True, "jwt_certificate": "generated",
            "jwt_audiences": None,
            "client_credentials_user": "dev@example.com",
            "device_interval": 5, "device_code_lifetime": 600,
            "name": "luaforce-test-app", "api_limit": None,
            "provider": "salesforce", "client_auth": "any"}


def _merge(defaults, given, where):
    unknown = set(given) - set(defaults)
    if unknown:
        raise ValueError("%s: unknown keys %s" % (where, sorted(unknown)))
    out = copy.deepcopy(defaults)
    out.update(copy.deepcopy(given))
    return out


def _user_defaults(username):
    u = default_user()
    u["approved_apps"] = []
    u["username"] = username
    u["email"] = username
    return u


def normalize(raw, base_dir="."):
    """Fill defaults into a parsed --config document; raise ValueError."""
    if not isinstance(raw, dict):
        raise ValueError("config must be a JSON object")
    known = {"orgs", "apps", "custom_fields", "api_versions", "shapes"}
    if set(raw) - known:
        raise ValueError("config: unknown keys %s" % sorted(set(raw) - known))
    orgs = []
    for i, o in enumerate(raw.get("orgs") or [{}]):
        org = _merge(default_org(), o, "orgs[%d]" % i)
        if "users" in o:
            users = []
            for j, u in enumerate(o["users"]):
                base = _user_defaults(u.get("username",
                                            "user%d@example.com" % j))
                users.append(_merge(base, u, "orgs[%d].users[%d]" % (i, j)))
            org["users"] = users
        if not org["users"]:
            raise ValueError("orgs[%d]: needs at least one user" % i)
        if org["daily_api_limit"] is None:
            org["daily_api_limit"] = EDITION_LIMITS.get(org["edition"],
                                                        100000)
        orgs.append(org)
    apps = []
    for i, a in enumerate(raw.get("apps") or [{}]):
        base = default_app()
        if "client_id" in a and a["client_id"] != DEFAULT_CLIENT_ID:
            base["client_credentials_user"] = None
            base["jwt_certificate"] = None
        app = _merge(base, a, "apps[%d]" % i)
        if app["provider"] not in ("salesforce", "oauth2"):
            raise ValueError("apps[%d].provider: salesforce or oauth2" % i)
        if app["client_auth"] not in ("any", "client_secret_basic",
                                      "client_secret_post"):
            raise ValueError("apps[%d].client_auth: any, "
                             "client_secret_basic or client_secret_post"
                             % i)
        cert = app["jwt_certificate"]
        if cert not in (None, "generated"):
            app["jwt_certificate"] = os.path.join(base_dir, cert)
        apps.append(app)
    versions = raw.get("api_versions") or {}
    return {"orgs": orgs, "apps": apps,
            "custom_fields": raw.get("custom_fields") or {},
            "shapes": raw.get("shapes") or {},
            "api_versions": {"min": str(versions.get("min", "31.0")),
                             "max": str(versions.get("max", "62.0"))}}


def load(path):
    if path is None:
        return normalize({})
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return normalize(raw, os.path.dirname(os.path.abspath(path)))
