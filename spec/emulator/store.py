"""All mutable emulator state behind one lock: orgs and their records,
OAuth artefacts (codes, tokens, device codes), query cursors, the request
log, faults, latency rules and the clock. Handlers hold `state.lock` while
they touch any of it."""

import collections
import copy
import datetime
import threading
import time

import ids
import shapes

UTC = datetime.timezone.utc


class ApiError(Exception):
    """A REST error: HTTP status + Salesforce errorCode + message."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self):
        """Top-level REST shape (errorCode)."""
        item = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]

    def save_error(self):
        """Per-record shape inside SaveResults (statusCode)."""
        return {"statusCode": self.code, "message": self.message,
                "fields": self.fields if self.fields is not None else []}

    def save_errors(self):
        return [self.save_error()]


class ApiErrors(ApiError):
    """Several problems found in one request: Salesforce reports each of
    them (one array item, or one SaveResult error, a problem), not only
    the first. The status and code are the first one's."""

    def __init__(self, errors):
        first = errors[0]
        super().__init__(first.status, first.code, first.message,
                         first.fields)
        self.errors = errors

    def body(self):
        return [e.body()[0] for e in self.errors]

    def save_errors(self):
        return [e.save_error() for e in self.errors]


def raise_all(errors):
    """Raise the problems collected (one ApiError, or ApiErrors)."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ApiErrors(errors)


def fmt_datetime(epoch):
    """Salesforce datetime text: 2024-05-01T12:34:56.000+0000 (UTC)."""
    dt = datetime.datetime.fromtimestamp(epoch, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (
        dt.microsecond // 1000)


def fmt_date(epoch):
    return datetime.datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


class Org:
    def __init__(self, org_id, cfg):
        self.id = org_id
        self.cfg = cfg
        self.records = {}           # sObject name -> {id18: record dict}
        self.recent = collections.OrderedDict()     # id -> sObject name
        self.api_usage = cfg["api_usage"]
        self.api_max = cfg["daily_api_limit"]
        self.app_usage = {}         # client id -> calls (per-app limits)
        self.user_ids = []

    def table(self, name):
        return self.records.setdefault(name, {})

    def find(self, record_id):
        """(sObject name, record) for an 18-char id, or (None, None)."""
        for name, table in self.records.items():
            rec = table.get(record_id)
            if rec is not None:
                return name, rec
        return None, None

    def touch_recent(self, obj_name, record_id):
        self.recent.pop(record_id, None)
        self.recent[record_id] = obj_name
        while len(self.recent) > 200:
            self.recent.popitem(last=False)


class Txn:
    """Undo log for allOrNone work: remember the previous version of every
    record written, and put them back on rollback."""

    def __init__(self):
        self.undo = []

    def remember(self, table, record_id):
        self.undo.append((table, record_id, table.get(record_id)))

    def rollback(self):
        for table, record_id, previous in reversed(self.undo):
            if previous is None:
                table.pop(record_id, None)
            else:
                table[record_id] = previous
        self.undo = []


class Session:
    """An access token."""
    __slots__ = ("token", "org_id", "user_id", "client_id", "scopes",
                 "issued", "expires", "family", "revoked")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


class RefreshToken:
    __slots__ = ("token", "org_id", "user_id", "client_id", "scopes",
                 "issued", "expires", "family", "state")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))
        self.state = kw.get("state", "active")     # active|rotated|revoked


class State:
    def __init__(self, cfg, schema, base_url, tmpdir, keys):
        self.lock = threading.RLock()
        self.cfg = cfg
        self.schema = schema
        self.base_url = base_url
        self.tmpdir = tmpdir
        self.keys = keys            # {"jwt": RsaKeyPair, "idtoken": ...}
        self.jwt_public_keys = {}   # client_id -> public key path
        self.log_seq = 0
        self.conn_seq = 0
        self.started = time.time()
        self.base_shapes = shapes.normalize(schema, cfg.get("shapes"))
        # describe's Last-Modified: moved by the control API's changes to
        # the metadata (shapes, object access), and by a reset undoing them
        self.metadata_modified = self.started
        self.metadata_dirty = False
        self.reset()

    # ---- lifecycle -------------------------------------------------------
    def reset(self):
        """Back to the configuration as loaded: every record, token, log
        entry, fault, latency rule and clock offset is dropped."""
        with self.lock:
            self.clock_offset = 0.0
            self.idgen = ids.IdGenerator()
            self.apps = {a["client_id"]: copy.deepcopy(a)
                         for a in self.cfg["apps"]}
            self.orgs = collections.OrderedDict()
            self.users = {}          # lower-case username -> (org, user id)
            self.access_tokens = {}
            self.refresh_tokens = {}
            self.families = {}       # family id -> set of tokens
            self.codes = {}
            self.device_codes = {}
            self.user_codes = {}
            self.cursors = collections.OrderedDict()
            self.log = collections.deque(maxlen=20000)
            self.faults = []
            self.fault_seq = 0
            self.latency = {"ms": 0, "rules": []}
            self.approvals = set()   # (user id, client id)
            if self.metadata_dirty:
                self.metadata_modified = time.time()
                self.metadata_dirty = False
            self.shapes = copy.deepcopy(self.base_shapes)
            shapes.apply_picklists(self.schema, self.shapes)
            for org_cfg in self.cfg["orgs"]:
                self._add_org(copy.deepcopy(org_cfg))

    def _add_org(self, cfg):
        org_id = ids.normalize(cfg["id"]) if cfg.get("id") else \
            self.idgen.new("00D")
        if org_id is None:
            raise ValueError("bad org id %r" % cfg["id"])
        org = Org(org_id, cfg)
        self.orgs[org_id] = org
        now = self.now()
        for u in cfg["users"]:
            uid = ids.normalize(u["id"]) if u.get("id") else \
                self.idgen.new("005")
            org.user_ids.append(uid)
            self.users[u["username"].lower()] = (org, uid)
            for client_id in u.get("approved_apps", []):
                self.approvals.add((uid, client_id))
            first, last = u.get("first_name"), u["last_name"]
            org.table("User")[uid] = self.stamp({
                "Id": uid, "Username": u["username"], "FirstName": first,
                "LastName": last,
                "Name": " ".join(x for x in (first, last) if x),
                "Email": u["email"], "IsActive": bool(u["active"]),
                "Alias": (((first or "")[:1] + last)[:8]).lower(),
                "CommunityNickname": u["username"].split("@")[0],
                "TimeZoneSidKey": "America/Los_Angeles",
                "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "ProfileId": ids.to18("00e" + ids.POD + "0000000001"),
                "UserType": "Standard", "CompanyName": cfg["name"],
            }, uid, now)
        self.refresh_org_record(org)

    def refresh_org_record(self, org):
        """(Re)build the Organization row from the org's configuration."""
        cfg = org.cfg
        trial = cfg.get("trial_expiration_date")
        if trial is None and cfg.get("trial"):
            trial = fmt_datetime(self.now() + 30 * 86400)[:11] + \
                "00:00:00.000+0000"
            cfg["trial_expiration_date"] = trial
        owner = org.user_ids[0]
        table = org.table("Organization")
        old = table.get(org.id)
        rec = {"Id": org.id, "Name": cfg["name"],
               "OrganizationType": cfg["edition"],
               "TrialExpirationDate": trial,
               "IsSandbox": bool(cfg["is_sandbox"]),
               "InstanceName": cfg["instance_name"], "NamespacePrefix": None,
               "Country": "US", "DefaultLocaleSidKey": "en_US",
               "TimeZoneSidKey": "America/Los_Angeles",
               "LanguageLocaleKey": "en_US"}
        if old:
            rec = dict(old, **rec)
            rec["LastModifiedDate"] = rec["SystemModstamp"] = \
                fmt_datetime(self.now())
        else:
            rec = self.stamp(rec, owner, self.now())
        table[org.id] = rec

    @staticmethod
    def stamp(rec, user_id, now):
        ts = fmt_datetime(now)
        rec.setdefault("CreatedDate", ts)
        rec.setdefault("LastModifiedDate", ts)
        rec.setdefault("SystemModstamp", ts)
        rec.setdefault("CreatedById", user_id)
        rec.setdefault("LastModifiedById", user_id)
        return rec

    def metadata_changed(self):
        """Picklists, rules or object access changed now (emulator time)."""
        self.metadata_modified = self.now()
        self.metadata_dirty = True

    # ---- clock -----------------------------------------------------------
    def now(self):
        """Emulator time (seconds); the control API can move it forward."""
        return time.time() + self.clock_offset

    def now_ms(self):
        return int(self.now() * 1000)

    # ---- lookups ---------------------------------------------------------
    def default_org(self):
        return next(iter(self.orgs.values()))

    def org_for(self, key):
        """An org by id (15/18) or name; None means the first org."""
        if key is None:
            return self.default_org()
        norm = ids.normalize(key) if ids.looks_like_id(key) else None
        if norm in self.orgs:
            return self.orgs[norm]
        for org in self.orgs.values():
            if org.cfg["name"] == key:
                return org
        return None

    def user_cfg(self, org, user_id):
        idx = org.user_ids.index(user_id)
        return org.cfg["users"][idx]

    def find_user(self, username):
        return self.users.get((username or "").lower(), (None, None))

    def identity_url(self, org_id, user_id):
        return "%s/id/%s/%s" % (self.base_url, org_id, user_id)

    # ---- tokens ----------------------------------------------------------
    def session(self, token):
        """The live Session for an access token, or None."""
        s = self.access_tokens.get(token)
        if s is None or s.revoked:
            return None
        if s.expires is not None and self.now() >= s.expires:
            return None
        return s

    def revoke_family(self, family):
        for tok in self.families.get(family, ()):
            if tok in self.access_tokens:
                self.access_tokens[tok].revoked = True
            if tok in self.refresh_tokens:
                self.refresh_tokens[tok].state = "revoked"

    def add_to_family(self, family, token):
        if family is not None:
            self.families.setdefault(family, set()).add(token)

    # ---- API limits ------------------------------------------------------
    def app_limit(self, client_id):
        """The connected app's per-app API allocation (None: none set)."""
        app = self.apps.get(client_id)
        return app.get("api_limit") if app else None

    def limit_header(self, org, client_id=None):
        """Sforce-Limit-Info: the org's usage, and the calling app's when
        the app has a per-app allocation (reference 2.8)."""
        out = "api-usage=%d/%d" % (org.api_usage, org.api_max)
        app_max = self.app_limit(client_id)
        if app_max is not None:
            out += "; per-app-api-usage=%d/%d(appName=%s)" % (
                org.app_usage.get(client_id, 0), app_max,
                self.apps[client_id]["name"])
        return out
