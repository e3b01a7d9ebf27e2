"""Org shapes: duplicate rules (DUPLICATES_DETECTED and its
duplicateResult, allowSave), validation rules (FIELD_CUSTOM_VALIDATION_
EXCEPTION), picklists with labels, inactive and dependent values (validFor),
a read-only or absent object for one user (INSUFFICIENT_ACCESS_OR_READONLY,
describe and queries), an org with the API disabled; each set through
--config and through the control API, and undone by a reset."""

import base64
import email.utils
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EMULATOR, EmulatorTestCase, V  # noqa: E402

EMAIL_RULE = {"duplicate_rules": {"Lead": [{
    "name": "Lead_Email_Rule", "match_rule": "Lead_Email_Match",
    "fields": ["Email"]}]}}
WEB_PHONE = {"validation_rules": {"Lead": [{
    "name": "Web_Needs_Phone", "field": "Phone",
    "message": "Web leads need a phone number",
    "when": [{"field": "LeadSource", "equals": "Web"},
             {"field": "Phone", "blank": True}]}]}}
STATUSES = {"picklists": {"Lead": {"Status": [
    {"value": "Open - Not Contacted", "label": "New", "default": True},
    {"value": "Working - Contacted", "label": "Working"},
    {"value": "Nurturing", "active": False},
    {"value": "Closed - Not Converted", "label": "Closed"}]}}}


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Base(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.token = self.emu.password_token()

    def reset(self):
        """A reset drops the tokens too: a fresh one after it."""
        self.emu.control("POST", "/reset")
        self.token = self.emu.password_token()

    def shapes(self, data, expect=200):
        return self.emu.control("POST", "/shapes", data, expect)

    def create(self, body, headers=None):
        return self.emu.post("/sobjects/Lead/", self.token, body,
                             headers=headers)

    def field(self, obj, name):
        d = self.emu.get("/sobjects/%s/describe/" % obj, self.token)
        self.assertEqual(d.status, 200, d)
        return next(f for f in d.json["fields"] if f["name"] == name)

    def stored(self, obj="Lead"):
        return self.emu.control("GET", "/records?sobject=" + obj)["records"]


class DuplicateRules(Base):
    def test_block_rule_answers_as_salesforce(self):
        self.shapes(EMAIL_RULE)
        first = self.create({"LastName": "Doe", "Company": "Acme",
                             "Email": "ada@example.com"}).json["id"]
        r = self.create({"LastName": "Roe", "Company": "Beta",
                         "Email": "ADA@Example.com"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.body, compact([{
            "duplicateResult": {
                "allowSave": False,
                "duplicateRule": "Lead_Email_Rule",
                "duplicateRuleEntityType": "Lead",
                "errorMessage": "Use one of these records?",
                "matchResults": [{
                    "entityType": "Lead", "errors": [],
                    "matchEngine": "FuzzyMatchEngine",
                    "matchRecords": [{
                        "additionalInformation": [], "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {"attributes": {
                            "type": "Lead", "url": "/services/data/%s/"
                            "sobjects/Lead/%s" % (V, first)},
                            "Id": first}}],
                    "rule": "Lead_Email_Match", "size": 1,
                    "success": True}]},
            "errorCode": "DUPLICATES_DETECTED",
            "message": "Use one of these records?"}]))
        self.assertEqual(len(self.stored()), 1)
        # allowSave=true does not get past a blocking rule
        r = self.create({"LastName": "Roe", "Company": "Beta",
                         "Email": "ada@example.com"},
                        {"Sforce-Duplicate-Rule-Header": "allowSave=true"})
        self.assertError(r, 400, "DUPLICATES_DETECTED")

    def test_alert_rule_saves_with_allow_save_header(self):
        self.shapes({"duplicate_rules": {"Lead": [{
            "fields": ["LastName", "Company"], "action": "allow"}]}})
        self.create({"LastName": "Doe", "Company": "Acme"})
        r = self.create({"LastName": "doe", "Company": "ACME"})
        err = self.assertError(
            r, 400, "DUPLICATES_DETECTED", "You're creating a duplicate "
            "record. We recommend you use an existing record instead.")
        result = err["duplicateResult"]
        self.assertIs(result["allowSave"], True)
        self.assertEqual(result["duplicateRule"],
                         "Standard_Lead_Duplicate_Rule")
        self.assertEqual(result["matchResults"][0]["rule"],
                         "Standard_Lead_Match_Rule_v1_0")
        r = self.create({"LastName": "doe", "Company": "ACME"}, {
            "Sforce-Duplicate-Rule-Header":
            "allowSave=true; includeRecordDetails=false"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(self.stored()), 2)

    def test_record_details_and_updates(self):
        self.shapes(EMAIL_RULE)
        a = self.create({"LastName": "Doe", "Company": "Acme",
                         "Email": "a@example.com"}).json["id"]
        b = self.create({"LastName": "Roe", "Company": "Beta",
                         "Email": "b@example.com"}).json["id"]
        # a record is not its own duplicate
        r = self.emu.patch("/sobjects/Lead/" + a, self.token,
                           {"Email": "a@example.com", "Title": "CEO"})
        self.assertEqual(r.status, 204, r)
        r = self.emu.patch("/sobjects/Lead/" + b, self.token,
                           {"Email": "a@example.com"}, headers={
                               "Sforce-Duplicate-Rule-Header":
                               "includeRecordDetails=true"})
        err = self.assertError(r, 400, "DUPLICATES_DETECTED")
        record = err["duplicateResult"]["matchResults"][0][
            "matchRecords"][0]["record"]
        self.assertEqual((record["Id"], record["Name"], record["Email"]),
                         (a, "Doe", "a@example.com"))
        self.assertEqual(self.emu.control("GET", "/records/" + b)[
            "record"]["Email"], "b@example.com")

    def test_blank_values_inactive_rules_and_operations(self):
        self.shapes({"duplicate_rules": {"Lead": [
            {"fields": ["Email"], "operations": ["create"]},
            {"fields": ["Company"], "active": False}]}})
        self.create({"LastName": "Doe", "Company": "Acme"})
        r = self.create({"LastName": "Doe", "Company": "Acme"})
        self.assertEqual(r.status, 201, r)      # no email: no match
        self.create({"LastName": "X", "Company": "Y", "Email": "x@y.com"})
        r = self.emu.patch("/sobjects/Lead/" + r.json["id"], self.token,
                           {"Email": "x@y.com"})
        self.assertEqual(r.status, 204, r)      # the rule runs on create

    def test_collections_report_the_save_error(self):
        self.shapes(EMAIL_RULE)
        self.create({"LastName": "Doe", "Company": "Acme",
                     "Email": "a@example.com"})
        r = self.emu.post("/composite/sobjects", self.token, {
            "allOrNone": False, "records": [
                {"attributes": {"type": "Lead"}, "LastName": "X",
                 "Company": "Y", "Email": "A@example.com"},
                {"attributes": {"type": "Lead"}, "LastName": "Z",
                 "Company": "Y"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json[0], {"success": False, "errors": [{
            "statusCode": "DUPLICATES_DETECTED",
            "message": "Use one of these records?", "fields": []}]})
        self.assertIs(r.json[1]["success"], True)

    def test_reset_and_delete_drop_runtime_rules(self):
        self.shapes(EMAIL_RULE)
        self.emu.control("DELETE", "/shapes")
        self.assertEqual(self.emu.control("GET", "/shapes")[
            "duplicate_rules"], {})
        self.shapes(EMAIL_RULE)
        self.reset()
        for _ in range(2):
            r = self.create({"LastName": "D", "Company": "A",
                             "Email": "a@example.com"})
            self.assertEqual(r.status, 201, r)


class ValidationRules(Base):
    def test_failing_rule_names_the_field(self):
        self.shapes(WEB_PHONE)
        r = self.create({"LastName": "Doe", "Company": "Acme",
                         "LeadSource": "Web"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.body, compact([{
            "message": "Web leads need a phone number",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Phone"]}]))
        self.assertEqual(self.stored(), [])
        for body in ({"LeadSource": "Web", "Phone": "555 0100"},
                     {"LeadSource": "Other"}, {}):
            r = self.create(dict(body, LastName="Doe", Company="Acme"))
            self.assertEqual(r.status, 201, r)

    def test_rules_on_update_and_several_at_once(self):
        self.shapes({"validation_rules": {"Lead": WEB_PHONE[
            "validation_rules"]["Lead"] + [
                {"message": "Email must be a company address",
                 "when": [{"field": "Email",
                           "matches": r"(?i).*@(gmail|yahoo)\.com"}]},
                {"field": "Title", "message": "never", "active": False,
                 "when": [{"field": "Title", "blank": True}]},
                {"field": "NumberOfEmployees", "message": "Too small",
                 "when": [{"field": "NumberOfEmployees",
                           "less_than": 5}]}]}})
        rid = self.create({"LastName": "Doe", "Company": "Acme",
                           "NumberOfEmployees": 10}).json["id"]
        r = self.emu.patch("/sobjects/Lead/" + rid, self.token, {
            "LeadSource": "Web", "Email": "doe@GMAIL.com",
            "NumberOfEmployees": 2})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json, [
            {"message": "Web leads need a phone number",
             "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
             "fields": ["Phone"]},
            {"message": "Email must be a company address",
             "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
             "fields": []},
            {"message": "Too small",
             "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
             "fields": ["NumberOfEmployees"]}])
        rec = self.emu.control("GET", "/records/" + rid)["record"]
        self.assertIsNone(rec.get("LeadSource"))

    def test_system_errors_come_first(self):
        self.shapes(WEB_PHONE)
        r = self.create({"LastName": "Doe", "LeadSource": "Web"})
        self.assertError(r, 400, "REQUIRED_FIELD_MISSING")

    def test_bad_rules_are_refused(self):
        for bad in ({"validation_rules": {"Lead": [{"message": "m"}]}},
                    {"validation_rules": {"Nope": []}},
                    {"validation_rules": {"Lead": [{
                        "message": "m", "when": [{"field": "Phone",
                                                  "like": "x"}]}]}},
                    {"duplicate_rules": {"Lead": [{"fields": ["Email"],
                                                   "action": "warn"}]}}):
            self.assertIn("error", self.shapes(bad, expect=400))


class Picklists(Base):
    def test_labels_inactive_values_and_default(self):
        self.shapes(STATUSES)
        status = self.field("Lead", "Status")
        self.assertEqual(status["picklistValues"], [
            {"active": True, "defaultValue": True, "label": "New",
             "validFor": None, "value": "Open - Not Contacted"},
            {"active": True, "defaultValue": False, "label": "Working",
             "validFor": None, "value": "Working - Contacted"},
            {"active": True, "defaultValue": False, "label": "Closed",
             "validFor": None, "value": "Closed - Not Converted"}])
        self.assertEqual(status["defaultValue"], "Open - Not Contacted")
        self.assertIs(status["restrictedPicklist"], True)
        for value in ("Nurturing", "Working"):     # inactive; a label
            r = self.create({"LastName": "D", "Company": "A",
                             "Status": value})
            self.assertError(r, 400, "INVALID_OR_NULL_FOR_RESTRICTED_"
                             "PICKLIST", "Status: bad value for restricted "
                             "picklist field: %s" % value)
        rid = self.create({"LastName": "D", "Company": "A"}).json["id"]
        self.assertEqual(self.emu.control("GET", "/records/" + rid)[
            "record"]["Status"], "Open - Not Contacted")
        r = self.create({"LastName": "D", "Company": "A",
                         "Status": "Working - Contacted"})
        self.assertEqual(r.status, 201, r)

    def test_stages_unrestricted_and_restored(self):
        self.shapes({"picklists": {"Opportunity": {"StageName": {
            "restricted": False, "values": [
                {"value": "Discovery", "label": "Discover"},
                {"value": "Won", "label": "Closed Won"}]}}}})
        stage = self.field("Opportunity", "StageName")
        self.assertEqual([(v["label"], v["value"]) for v in
                          stage["picklistValues"]],
                         [("Discover", "Discovery"), ("Closed Won", "Won")])
        self.assertIs(stage["restrictedPicklist"], False)
        r = self.emu.post("/sobjects/Opportunity/", self.token, {
            "Name": "O", "StageName": "Anything", "CloseDate": "2026-12-31"})
        self.assertEqual(r.status, 201, r)
        self.reset()
        stage = self.field("Opportunity", "StageName")
        self.assertEqual(len(stage["picklistValues"]), 10)
        self.assertIs(stage["restrictedPicklist"], True)
        self.assertEqual(self.field("Lead", "Status")["picklistValues"][0][
            "label"], "Open - Not Contacted")

    def test_configured_stages_set_probability_and_forecast(self):
        self.shapes({"picklists": {"Opportunity": {"StageName": [
            {"value": "Discovery", "probability": 15},
            {"value": "Signed", "label": "Won", "probability": 100,
             "closed": True, "won": True},
            {"value": "Lost", "probability": 0, "closed": True},
            {"value": "Commit", "probability": 80,
             "forecast_category": "Forecast"},
            "Parked"]}}})
        got = {}
        for stage in ("Discovery", "Signed", "Lost", "Commit", "Parked"):
            r = self.emu.post("/sobjects/Opportunity/", self.token, {
                "Name": stage, "StageName": stage, "Amount": 1000,
                "CloseDate": "2026-12-31"})
            self.assertEqual(r.status, 201, r)
            rec = self.emu.control("GET", "/records/" + r.json["id"])[
                "record"]
            got[stage] = tuple(rec.get(k) for k in (
                "Probability", "ForecastCategory", "ForecastCategoryName",
                "IsClosed", "IsWon", "ExpectedRevenue"))
        self.assertEqual(got, {
            "Discovery": (15.0, "Pipeline", "Pipeline", False, False, 150.0),
            "Signed": (100.0, "Closed", "Closed", True, True, 1000.0),
            "Lost": (0.0, "Omitted", "Omitted", True, False, 0.0),
            "Commit": (80.0, "Forecast", "Commit", False, False, 800.0),
            "Parked": (None, None, None, False, False, None)})
        bad = {"picklists": {"Opportunity": {"StageName": [
            {"value": "X", "probability": "high"}]}}}
        self.assertIn("error", self.shapes(bad, expect=400))

    def test_dependent_picklists_carry_valid_for(self):
        self.shapes({"picklists": {"Lead": {
            "Industry": {"controller": "LeadSource", "values": [
                {"value": "Banking", "valid_for": ["Web", "Other"]},
                {"value": "Retail", "valid_for": ["Purchased List"]},
                {"value": "Media", "valid_for": []}]},
            "Rating": {"controller": "DoNotCall", "values": [
                {"value": "Hot", "valid_for": [False]},
                {"value": "Cold", "valid_for": [False, True]}]}}}})
        industry = self.field("Lead", "Industry")
        self.assertEqual((industry["controllerName"],
                          industry["dependentPicklist"]),
                         ("LeadSource", True))
        # LeadSource: Web, Phone Inquiry, Partner Referral, Purchased
        # List, Other -> bits 10001, 00010, 00000
        self.assertEqual([v["validFor"] for v in
                          industry["picklistValues"]],
                         ["iA==", "EA==", "AA=="])
        self.assertEqual(base64.b64decode("iA=="), bytes([0b10001000]))
        rating = self.field("Lead", "Rating")
        self.assertEqual([v["validFor"] for v in rating["picklistValues"]],
                         ["gA==", "wA=="])
        source = self.field("Lead", "LeadSource")
        self.assertEqual((source["controllerName"],
                          source["dependentPicklist"]), (None, False))

    def test_a_restricted_dependent_picklist_is_enforced_on_write(self):
        self.shapes({"picklists": {"Lead": {"Industry": {
            "controller": "LeadSource", "restricted": True, "values": [
                {"value": "Banking", "valid_for": ["Web", "Other"]},
                {"value": "Retail", "valid_for": ["Purchased List"]}]}}}})
        bad = "Industry: bad value for restricted picklist field: Retail"
        r = self.create({"LastName": "Doe", "Company": "Acme",
                         "LeadSource": "Web", "Industry": "Retail"})
        self.assertEqual((r.status, r.json), (400, [{
            "message": bad, "errorCode":
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "fields": ["Industry"]}]))
        # no controlling value is valid for none
        r = self.create({"LastName": "Doe", "Company": "Acme",
                         "Industry": "Banking"})
        self.assertEqual(r.status, 400, r)
        r = self.create({"LastName": "Doe", "Company": "Acme",
                         "LeadSource": "Web", "Industry": "Banking"})
        self.assertEqual(r.status, 201, r)
        lead = "/sobjects/Lead/" + r.json["id"]
        # changing the controller checks the value kept
        r = self.emu.patch(lead, self.token, {"LeadSource": "Purchased List"})
        self.assertEqual((r.status, r.json[0]["fields"]), (400,
                                                           ["Industry"]))
        r = self.emu.patch(lead, self.token, {"LeadSource": "Purchased List",
                                              "Industry": "Retail"})
        self.assertEqual(r.status, 204, r)
        # unrestricted: not enforced
        self.shapes({"picklists": {"Lead": {"Industry": {
            "controller": "LeadSource", "restricted": False, "values": [
                {"value": "Banking", "valid_for": ["Web"]}]}}}})
        r = self.create({"LastName": "Doe", "Company": "Acme",
                         "LeadSource": "Other", "Industry": "Banking"})
        self.assertEqual(r.status, 201, r)

    def test_describe_is_modified_by_a_change(self):
        now = email.utils.formatdate(time.time(), usegmt=True)
        ims = {"If-Modified-Since": now}
        for path in ("/sobjects/", "/sobjects/Lead/describe/"):
            r = self.emu.get(path, self.token, headers=ims)
            self.assertEqual(r.status, 304, r)
        self.emu.control("POST", "/clock", {"advance": 3600})
        self.shapes(STATUSES)
        for path in ("/sobjects/", "/sobjects/Lead/describe/"):
            r = self.emu.get(path, self.token, headers=ims)
            self.assertEqual(r.status, 200, r)

    def test_to_label_selects_a_picklist_value_s_label(self):
        self.shapes(STATUSES)
        self.assertEqual(self.create({"LastName": "Doe", "Company": "Acme",
                                      "Status": "Working - Contacted"}).status,
                         201)
        self.create({"LastName": "Roe", "Company": "Acme"})
        r = self.emu.query("SELECT LastName, toLabel(Status) FROM Lead "
                           "ORDER BY LastName", self.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(x["LastName"], x["Status"]) for x in
                          r.json["records"]],
                         [("Doe", "Working"), ("Roe", "New")])
        r = self.emu.query("SELECT toLabel(Company) FROM Lead", self.token)
        self.assertEqual((r.status, r.json[0]["errorCode"]),
                         (400, "INVALID_FIELD"))

    def test_bad_picklists_are_refused(self):
        for bad in ({"picklists": {"Lead": {"LastName": ["a"]}}},
                    {"picklists": {"Lead": {"Rating": {
                        "controller": "Company", "values": []}}}},
                    {"picklists": {"Lead": {"Rating": {
                        "controller": "LeadSource", "values": ["Hot"]}}}}):
            self.assertIn("error", self.shapes(bad, expect=400))


class ObjectAccess(Base):
    def test_read_only_object(self):
        rid = self.create({"LastName": "D", "Company": "A"}).json["id"]
        self.emu.control("POST", "/user", {
            "username": "dev@example.com", "object_access": {"lead": "read"}})
        no_create = ("You do not have the level of access necessary to "
                     "perform the operation you requested. Please contact "
                     "the owner of the record or your administrator if "
                     "access is necessary.")
        r = self.create({"LastName": "E", "Company": "A"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.body, compact([{
            "message": no_create,
            "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY", "fields": []}]))
        for r in (self.emu.patch("/sobjects/Lead/" + rid, self.token,
                                 {"Title": "x"}),
                  self.emu.delete("/sobjects/Lead/" + rid, self.token)):
            self.assertError(r, 400, "INSUFFICIENT_ACCESS_OR_READONLY",
                             "insufficient access rights on object id")
        r = self.emu.delete("/composite/sobjects?ids=" + rid, self.token)
        self.assertEqual(r.json, [{"id": rid, "success": False, "errors": [{
            "statusCode": "INSUFFICIENT_ACCESS_OR_READONLY",
            "message": "insufficient access rights on object id",
            "fields": []}]}])
        self.assertEqual(len(self.stored()), 1)
        self.assertEqual(self.emu.get("/sobjects/Lead/" + rid,
                                      self.token).status, 200)
        q = self.emu.query("SELECT Id FROM Lead", self.token)
        self.assertEqual(q.json["totalSize"], 1)
        d = self.emu.get("/sobjects/Lead/describe/", self.token).json
        self.assertEqual((d["createable"], d["updateable"], d["deletable"]),
                         (False, False, False))
        g = self.emu.get("/sobjects/", self.token).json["sobjects"]
        lead = next(o for o in g if o["name"] == "Lead")
        self.assertIs(lead["createable"], False)
        opp = next(o for o in g if o["name"] == "Opportunity")
        self.assertIs(opp["createable"], True)

    def test_object_without_access(self):
        self.emu.control("POST", "/seed", {"sobject": "Opportunity",
                                           "records": [{
                                               "Name": "Big",
                                               "StageName": "Prospecting",
                                               "CloseDate": "2026-12-31"}]})
        oid = self.stored("Opportunity")[0]["Id"]
        self.emu.control("POST", "/user", {
            "username": "dev@example.com",
            "object_access": {"Opportunity": "none"}})
        for r in (self.emu.get("/sobjects/Opportunity/describe/",
                               self.token),
                  self.emu.get("/sobjects/Opportunity/" + oid, self.token),
                  self.emu.post("/sobjects/Opportunity/", self.token,
                                {"Name": "x"})):
            self.assertError(r, 404, "NOT_FOUND",
                             "The requested resource does not exist")
        r = self.emu.get("/composite/sobjects/Opportunity?ids=%s&fields=Name"
                         % oid, self.token)
        self.assertError(r, 404, "NOT_FOUND")
        names = [o["name"] for o in self.emu.get(
            "/sobjects/", self.token).json["sobjects"]]
        self.assertNotIn("Opportunity", names)
        self.assertIn("Lead", names)
        r = self.emu.query("SELECT Id FROM Opportunity", self.token)
        err = self.assertError(r, 400, "INVALID_TYPE")
        self.assertIn("sObject type 'Opportunity' is not supported",
                      err["message"])
        r = self.emu.get("/search?q=" + urllib.parse.quote(
            "FIND {Big} RETURNING Opportunity(Id)"), self.token)
        self.assertError(r, 400, "INVALID_TYPE")
        r = self.emu.get("/search?q=" + urllib.parse.quote("FIND {Big}"),
                         self.token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["searchRecords"], [])
        self.emu.control("POST", "/user", {"username": "dev@example.com",
                                           "object_access": {
                                               "Opportunity": "edit"}})
        r = self.emu.get("/search?q=" + urllib.parse.quote("FIND {Big}"),
                         self.token)
        self.assertEqual(len(r.json["searchRecords"]), 1)

    def test_bad_access_is_refused(self):
        for bad in ({"username": "dev@example.com",
                     "object_access": {"Lead": "write"}},
                    {"username": "nobody@example.com"},
                    {"username": "dev@example.com", "profile": "x"}):
            r = self.emu.request("POST", "/__emulator/user", json_body=bad)
            self.assertIn(r.status, (400, 404), r)


class ApiDisabled(Base):
    def test_every_call_refused_and_not_counted(self):
        before = self.emu.control("GET", "/limits")["used"]
        self.emu.control("POST", "/org", {"api_enabled": False})
        for r in (self.emu.get("/sobjects/", self.token),
                  self.emu.query("SELECT Id FROM Lead", self.token),
                  self.create({"LastName": "D", "Company": "A"})):
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.body, compact([{
                "message": "API is not enabled for this Organization or "
                "Partner", "errorCode": "API_DISABLED_FOR_ORG"}]))
        self.assertEqual(self.emu.control("GET", "/limits")["used"], before)
        self.assertEqual(self.emu.request("GET", "/services/data/").status,
                         200)
        self.emu.control("POST", "/org", {"api_enabled": True})
        self.assertEqual(self.emu.get("/sobjects/", self.token).status, 200)


class FromConfig(Base):
    @classmethod
    def config_json(cls):
        shapes = dict(EMAIL_RULE, **STATUSES)
        return {"shapes": shapes, "orgs": [
            {"users": [{"username": "dev@example.com",
                        "approved_apps": ["luaforce-test-client"]},
                       {"username": "reader@example.com",
                        "object_access": {"Lead": "read",
                                          "Opportunity": "none"}}]},
            {"name": "Closed Org", "api_enabled": False,
             "users": [{"username": "closed@example.com"}]}]}

    def test_configured_shapes_survive_reset(self):
        self.reset()
        self.assertEqual(self.field("Lead", "Status")["picklistValues"][0][
            "label"], "New")
        self.create({"LastName": "D", "Company": "A",
                     "Email": "a@example.com"})
        r = self.create({"LastName": "E", "Company": "A",
                         "Email": "a@example.com"})
        self.assertError(r, 400, "DUPLICATES_DETECTED")
        self.shapes({"duplicate_rules": {"Lead": []}})
        r = self.create({"LastName": "E", "Company": "A",
                         "Email": "a@example.com"})
        self.assertEqual(r.status, 201, r)

    def test_configured_users_and_orgs(self):
        reader = self.emu.password_token("reader@example.com")
        r = self.emu.post("/sobjects/Lead/", reader,
                          {"LastName": "D", "Company": "A"})
        self.assertError(r, 400, "INSUFFICIENT_ACCESS_OR_READONLY")
        self.assertEqual(self.emu.get("/sobjects/Opportunity/describe/",
                                      reader).status, 404)
        self.assertEqual(self.emu.get("/sobjects/Opportunity/describe/",
                                      self.token).status, 200)
        closed = self.emu.password_token("closed@example.com")
        self.assertError(self.emu.get("/sobjects/", closed), 403,
                         "API_DISABLED_FOR_ORG")
        org = self.emu.control("GET", "/org?org=Closed%20Org")
        self.assertIs(org["api_enabled"], False)


class BadConfig(unittest.TestCase):
    def test_bad_shapes_exit_2(self):
        for shapes in ({"picklists": {"Lead": {"Nope__c": ["a"]}}},
                       {"validation_rules": {"Lead": [{"when": []}]}}):
            with tempfile.NamedTemporaryFile("w", suffix=".json",
                                             delete=False) as f:
                json.dump({"shapes": shapes}, f)
            try:
                p = subprocess.run([sys.executable, EMULATOR, "--config",
                                    f.name], capture_output=True, text=True,
                                   timeout=15)
            finally:
                os.unlink(f.name)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("bad configuration", p.stderr)
            self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    unittest.main()
