"""Record writes and reads: value checks and coercion per field type,
defaults, derived fields (Name, compound addresses, Opportunity stage
values), and rendering a record in Salesforce's JSON shape. Error codes
and messages follow salesforce-api.md 3.3."""

import datetime
import re

import ids
import shapes
from store import ApiError, UTC, fmt_datetime, raise_all
from schema import STAGES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$")
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_datetime(text):
    """ISO 8601 text -> epoch seconds (float), or None when malformed."""
    m = _DATETIME.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime.datetime(int(y), int(mo), int(d), int(h or 0),
                               int(mi or 0), int(s or 0), tzinfo=UTC)
    except ValueError:
        return None
    epoch = dt.timestamp() + (float("0." + frac) if frac else 0.0)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        tz = tz[1:].replace(":", "")
        epoch -= sign * (int(tz[:2]) * 3600 + int(tz[2:]) * 60)
    return epoch


def normalize_datetime(text):
    epoch = parse_datetime(text)
    return None if epoch is None else fmt_datetime(epoch)


def valid_date(text):
    if not isinstance(text, str) or not _DATE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class Locator:
    """Where a key's value starts in the raw JSON text, for Jackson-style
    `at [line:L, column:C]` suffixes. Approximate: UNCONFIRMED layout."""

    def __init__(self, raw):
        self.raw = raw or ""

    def at(self, key):
        idx = self.raw.find('"%s"' % key)
        if idx < 0:
            return "[line:1, column:1]"
        idx = self.raw.find(":", idx + len(key) + 2)
        idx += 1
        while idx < len(self.raw) and self.raw[idx] in " \t\r\n":
            idx += 1
        line = self.raw.count("\n", 0, idx) + 1
        col = idx - (self.raw.rfind("\n", 0, idx) + 1) + 1
        return "[line:%d, column:%d]" % (line, col)


def _deser(kind, value, key, loc):
    token = "VALUE_STRING" if isinstance(value, str) else (
        "START_OBJECT" if isinstance(value, dict) else
        "START_ARRAY" if isinstance(value, list) else
        "VALUE_TRUE" if value is True else "VALUE_FALSE" if value is False
        else "VALUE_NUMBER_INT")
    shown = value if isinstance(value, str) else (
        "{" if isinstance(value, dict) else "[" if isinstance(value, list)
        else str(value).lower() if isinstance(value, bool) else value)
    return ApiError(400, "JSON_PARSER_ERROR",
                    "Cannot deserialize instance of %s from %s value %s or "
                    "request may be missing a required field at %s"
                    % (kind, token, shown, loc.at(key)))


def coerce(state, org, fld, value, loc):
    """Check and normalise one incoming value for fld; raise ApiError."""
    if value is None:
        return None
    t = fld.type
    name = fld.name
    if t in ("address",):
        raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                       "Unable to create/update fields: %s. Please check the "
                       "security settings of this field and verify that it "
                       "is read/write for your profile or permission set."
                       % name, [name])
    if t == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _deser("boolean", value, name, loc)
    if t in ("int", "double", "currency", "percent"):
        kind = "int" if t == "int" else "double"
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise _deser(kind, value, name, loc)
        if isinstance(value, str):
            if not _NUM.match(value.strip()):
                raise _deser(kind, value, name, loc)
            value = float(value)
        if t == "int":
            if isinstance(value, float) and not value.is_integer():
                raise _deser(kind, value, name, loc)
            return int(value)
        return float(value)
    if t == "date":
        if not valid_date(value):
            raise _deser("date", value, name, loc)
        return value
    if t == "datetime":
        norm = normalize_datetime(value) if isinstance(value, str) else None
        if norm is None:
            raise _deser("datetime", value, name, loc)
        return norm
    if isinstance(value, (dict, list)):
        raise _deser("string", value, name, loc)
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif not isinstance(value, str):
        value = str(value)
    if t in ("reference", "id"):
        return _reference(state, org, fld, value)
    if fld.length and len(value) > fld.length:
        # Label prefix as in the other field errors; UNCONFIRMED (one
        # captured message in the reference shows no prefix).
        raise ApiError(400, "STRING_TOO_LONG",
                       "%s: data value too large: %s (max length=%d)"
                       % (fld.label, value, fld.length), [name])
    if t == "email" and value and not _EMAIL.match(value):
        raise ApiError(400, "INVALID_EMAIL_ADDRESS",
                       "%s: invalid email address: %s" % (fld.label, value),
                       [name])
    if t == "picklist" and fld.restricted and value not in fld.picklist:
        raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                       "%s: bad value for restricted picklist field: %s"
                       % (fld.label, value), [name])
    return value


def _reference(state, org, fld, value):
    norm = ids.normalize(value)
    targets = [state.schema.get(r) for r in fld.ref]
    emulated = [o for o in targets if o is not None]
    bad = ApiError(400, "MALFORMED_ID", "%s: id value of incorrect type: %s"
                   % (fld.label, value), [fld.name])
    if norm is None:
        raise bad
    if emulated and len(emulated) == len(targets):
        if norm[:3] not in [o.key_prefix for o in emulated]:
            raise bad
        rec = org.table(state.schema.by_prefix[norm[:3]].name).get(norm)
        if rec is None or rec.get("IsDeleted"):
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY",
                           "invalid cross reference id", [fld.name])
    return norm


def _parent_by_external_id(state, org, obj, key, value):
    """Body key like "Account": {"Ext_Id__c": "A-1"} -> (field, id)."""
    fld = obj.rels.get(key.lower())
    parent = state.schema.get(fld.ref[0]) if fld and fld.ref else None
    if parent is None or not isinstance(value, dict):
        return None
    pairs = [(k, v) for k, v in value.items() if k != "attributes"]
    pfld = parent.field(pairs[0][0]) if len(pairs) == 1 else None
    if pfld is None or not (pfld.external or pfld.name == "Id"):
        raise ApiError(400, "INVALID_FIELD",
                       "Invalid foreign key relationship name %s" % key)
    matches = find_by_field(org, parent.name, pfld.name, pairs[0][1])
    if len(matches) != 1:
        raise ApiError(400, "INVALID_FIELD",
                       "Foreign key external ID: %s %s for field %s in "
                       "entity %s" % (pairs[0][1], "not found" if not matches
                                      else "matches multiple records",
                                      pfld.name, parent.name))
    return fld, matches[0]["Id"]


def find_by_field(org, obj_name, field_name, value):
    """Live records whose field equals value (text compared without case,
    as external ids are case-insensitive by default)."""
    want = value.lower() if isinstance(value, str) else value
    out = []
    for rec in org.table(obj_name).values():
        if rec.get("IsDeleted"):
            continue
        v = rec.get(field_name)
        if isinstance(v, str):
            v = v.lower()
        if v is not None and v == want:
            out.append(rec)
    return out


def _readonly_error(names):
    return ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "Unable to create/update fields: %s. Please check the "
                    "security settings of this field and verify that it is "
                    "read/write for your profile or permission set."
                    % ", ".join(names), list(names))


def _apply_body(state, org, obj, body, raw, creating):
    if not isinstance(body, dict):
        kind, shown = ("START_ARRAY", "[") if isinstance(body, list) else (
            ("VALUE_NULL", "null") if body is None else
            ("VALUE_STRING", body))
        raise ApiError(400, "JSON_PARSER_ERROR",
                       "Cannot deserialize instance of %s from %s value %s "
                       "at [line:1, column:1]"
                       % (obj.name.lower(), kind, shown))
    loc = Locator(raw)
    values, readonly = {}, []
    for key, value in body.items():
        if key == "attributes":
            continue
        fld = obj.field(key)
        if fld is None:
            ref = _parent_by_external_id(state, org, obj, key, value)
            if ref is None:
                raise ApiError(400, "INVALID_FIELD",
                               "No such column '%s' on sobject of type %s"
                               % (key, obj.name))
            values[ref[0].name] = ref[1]
            continue
        if fld.name == "Id":
            if creating:
                raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                               "Record ID: cannot specify Id in an insert "
                               "call", ["Id"])
            continue
        if not (fld.createable if creating else fld.updateable):
            readonly.append(fld.name)
            continue
        values[fld.name] = value
    # Past JSON binding, Salesforce checks every field and reports each
    # problem: these are collected, not raised one at a time.
    problems = [_readonly_error(readonly)] if readonly else []
    for name, value in list(values.items()):
        try:
            values[name] = coerce(state, org, obj.field(name), value, loc)
        except ApiError as e:
            if e.code == "JSON_PARSER_ERROR":
                raise
            problems.append(e)
            del values[name]
    return values, problems


def _required_check(obj, rec, problems, bad=()):
    """Raise every problem found: those of the values, then the required
    fields missing (a field whose value was refused is not missing)."""
    missing = [f.name for f in obj.fields
               if f.createable and not f.nillable and rec.get(f.name) is None
               and not f.defaulted and f.name not in bad]
    if missing:
        problems = problems + [ApiError(400, "REQUIRED_FIELD_MISSING",
                                        "Required fields are missing: [%s]"
                                        % ", ".join(missing), missing)]
    raise_all(problems)


def _fields_of(problems):
    return {f for e in problems for f in (e.fields or [])}


def build_new(state, org, obj, body, user_id, raw=None):
    """A validated new record (not stored yet); raise ApiError."""
    if not obj.createable:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION",
                       "entity type %s does not support create" % obj.name)
    values, problems = _apply_body(state, org, obj, body, raw, True)
    rec = {"Id": None}
    for f in obj.fields:
        if f.default is not None and values.get(f.name) is None:
            rec[f.name] = f.default
        elif f.type == "boolean":
            rec[f.name] = False
    rec.update({k: v for k, v in values.items() if v is not None})
    if obj.field("OwnerId") and rec.get("OwnerId") is None:
        rec["OwnerId"] = user_id
    problems = problems + shapes.dependent_problems(obj, rec, rec)
    _required_check(obj, rec, problems, _fields_of(problems))
    rec["Id"] = state.idgen.new(obj.key_prefix)
    if obj.field("IsDeleted"):
        rec["IsDeleted"] = False
    if obj.name == "Lead":
        rec.setdefault("IsUnreadByOwner", True)
    state.stamp(rec, user_id, state.now())
    derive(obj, rec, values)
    return rec


def build_update(state, org, obj, current, body, user_id, raw=None):
    """The updated copy of current (not stored yet); raise ApiError."""
    if not obj.updateable:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION",
                       "entity type %s does not support update" % obj.name)
    values, problems = _apply_body(state, org, obj, body, raw, False)
    rec = dict(current)
    for k, v in values.items():
        if v is None:
            rec.pop(k, None)
        else:
            rec[k] = v
    problems = problems + shapes.dependent_problems(obj, rec, values)
    _required_check(obj, rec, problems, _fields_of(problems))
    ts = fmt_datetime(state.now())
    rec["LastModifiedDate"] = rec["SystemModstamp"] = ts
    rec["LastModifiedById"] = user_id
    derive(obj, rec, values)
    return rec


def derive_inputs(obj):
    """Fields whose value feeds a derived field of obj."""
    out = {"FirstName", "LastName"} if obj.computed_name else set()
    for comp in obj.address_fields:
        p = comp[:-len("Address")]
        out.update(p + x for x in ("City", "Country", "PostalCode", "State",
                                   "Street"))
    if obj.name == "Opportunity":
        out.update(("StageName", "Amount", "Probability", "CloseDate"))
    return out


def derive(obj, rec, changed=None):
    """Fields Salesforce computes: Name, compound addresses, and the
    Opportunity values that follow from StageName, Amount and CloseDate."""
    if obj.computed_name:
        name = " ".join(x for x in (rec.get("FirstName"),
                                    rec.get("LastName")) if x)
        rec["Name"] = name or None
    for comp in obj.address_fields:
        p = comp[:-len("Address")]
        parts = {"city": rec.get(p + "City"),
                 "country": rec.get(p + "Country"),
                 "geocodeAccuracy": None, "latitude": None,
                 "longitude": None,
                 "postalCode": rec.get(p + "PostalCode"),
                 "state": rec.get(p + "State"),
                 "street": rec.get(p + "Street")}
        if any(v is not None for v in parts.values()):
            rec[comp] = parts
        else:
            rec.pop(comp, None)
    if obj.name == "Opportunity":
        stage = stage_values(obj, rec.get("StageName"))
        if stage:
            prob, cat, catname, closed, won = stage
            if rec.get("Probability") is None or (
                    changed and "StageName" in changed
                    and "Probability" not in changed):
                rec["Probability"] = float(prob)
            rec["ForecastCategory"] = cat
            rec["ForecastCategoryName"] = catname
            rec["IsClosed"], rec["IsWon"] = closed, won
        amount, prob = rec.get("Amount"), rec.get("Probability")
        if amount is not None and prob is not None:
            rec["ExpectedRevenue"] = round(amount * prob / 100.0, 2)
        else:
            rec.pop("ExpectedRevenue", None)
        close = rec.get("CloseDate")
        if close:
            year, month = int(close[:4]), int(close[5:7])
            quarter = (month - 1) // 3 + 1
            rec["FiscalYear"], rec["FiscalQuarter"] = year, quarter
            rec["Fiscal"] = "%d %d" % (year, quarter)


FORECAST_NAMES = {"Omitted": "Omitted", "Pipeline": "Pipeline",
                  "BestCase": "Best Case", "MostLikely": "Most Likely",
                  "Forecast": "Commit", "Closed": "Closed"}


def stage_values(obj, stage):
    """(probability, forecast category, its name, closed, won) of an
    Opportunity stage: a configured stage's (README "Org shapes"), or the
    standard one's; None for a stage without them."""
    fld = obj.field("StageName")
    for e in (fld.custom_entries or []) if fld else []:
        if e["value"] == stage and e.get("probability") is not None:
            cat = e.get("forecast_category") or (
                "Closed" if e.get("won") else
                "Omitted" if e.get("closed") else "Pipeline")
            return (e["probability"], cat, FORECAST_NAMES[cat],
                    bool(e.get("closed")), bool(e.get("won")))
    return STAGES.get(stage)


def attributes(obj_name, record_id, version):
    return {"type": obj_name, "url": "/services/data/v%s/sobjects/%s/%s"
            % (version, obj_name, record_id)}


def render(obj, rec, version, field_names=None):
    """A record as GET /sobjects/X/id returns it: all fields in describe
    order, or the requested ones (in request order) with Id appended."""
    out = {"attributes": attributes(obj.name, rec["Id"], version)}
    if field_names is None:
        for f in obj.fields:
            out[f.name] = rec.get(f.name)
    else:
        for name in field_names:
            out[name] = rec.get(name)
        out.setdefault("Id", rec["Id"])
    return out
