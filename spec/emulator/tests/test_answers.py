"""Answers shaped as Salesforce shapes them where they used to differ:
child-relationship subqueries and aggregate queries (GROUP BY), the
missing Authorization header, every problem of a create reported, the
per-app part of Sforce-Limit-Info (and the single-object 429 of a spent
per-app allocation), and the updated / deleted replication resources."""

import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402


class QueryCase(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def q(self, soql):
        r = self.emu.query(soql, self.tok)
        self.assertEqual(r.status, 200, r)
        return r.json


class Relationships(QueryCase):
    def setUp(self):
        super().setUp()
        seed = self.emu.control("POST", "/seed", {"sobject": "Account",
                                                  "records": [
                                                      {"Name": "Acme"},
                                                      {"Name": "Bolt"}]})
        self.acme, self.bolt = seed["ids"]
        self.contacts = self.emu.control("POST", "/seed", {
            "sobject": "Contact", "records": [
                {"LastName": "Cole", "AccountId": self.acme},
                {"LastName": "Able", "AccountId": self.acme},
                {"LastName": "Lone"}]})["ids"]

    def test_child_subquery(self):
        body = self.q("SELECT Name, (SELECT LastName FROM Contacts ORDER BY "
                      "LastName) FROM Account ORDER BY Name")
        acme, bolt = body["records"]
        self.assertEqual(list(acme), ["attributes", "Name", "Contacts"])
        self.assertEqual(acme["Contacts"]["totalSize"], 2)
        self.assertTrue(acme["Contacts"]["done"])
        self.assertEqual([c["LastName"] for c in acme["Contacts"]["records"]],
                         ["Able", "Cole"])
        self.assertEqual(acme["Contacts"]["records"][0]["attributes"], {
            "type": "Contact", "url": "/services/data/%s/sobjects/Contact/%s"
            % (V, self.contacts[1])})
        self.assertIsNone(bolt["Contacts"])     # no children: null
        # WHERE and LIMIT inside; the relationship name is case-insensitive
        body = self.q("SELECT Id, (SELECT Id FROM contacts WHERE LastName "
                      "= 'Cole' LIMIT 1) FROM Account WHERE Name = 'Acme'")
        kids = body["records"][0]["Contacts"]
        self.assertEqual([c["Id"] for c in kids["records"]],
                         [self.contacts[0]])

    def test_subquery_errors(self):
        r = self.emu.query("SELECT Id, (SELECT Id FROM Leads) FROM Account",
                           self.tok)
        err = self.assertError(r, 400, "INVALID_TYPE")
        self.assertIn("Didn't understand relationship 'Leads'",
                      err["message"])
        r = self.emu.query("SELECT Id, (SELECT Id FROM Contacts FROM Account",
                           self.tok)
        self.assertError(r, 400, "MALFORMED_QUERY")


class Aggregates(QueryCase):
    def setUp(self):
        super().setUp()
        rows = [("Web", 10), ("Web", 30), ("Phone Inquiry", 5), (None, None)]
        self.emu.control("POST", "/seed", {"sobject": "Lead", "records": [
            {"LastName": "L%d" % i, "Company": "C", "LeadSource": src,
             "NumberOfEmployees": n} for i, (src, n) in enumerate(rows)]})

    def test_group_by(self):
        body = self.q("SELECT LeadSource, COUNT(Id), SUM(NumberOfEmployees) "
                      "total, MAX(NumberOfEmployees) FROM Lead GROUP BY "
                      "LeadSource ORDER BY LeadSource")
        self.assertEqual(body["totalSize"], 3)
        self.assertTrue(body["done"])
        first = body["records"][0]
        self.assertEqual(first["attributes"], {"type": "AggregateResult"})
        self.assertEqual(list(first), ["attributes", "LeadSource", "expr0",
                                       "total", "expr1"])
        got = [(r["LeadSource"], r["expr0"], r["total"], r["expr1"])
               for r in body["records"]]
        self.assertEqual(got, [(None, 1, None, None),
                               ("Phone Inquiry", 1, 5, 5),
                               ("Web", 2, 40, 30)])
        body = self.q("SELECT COUNT_DISTINCT(LeadSource) n, "
                      "AVG(NumberOfEmployees) FROM Lead")
        self.assertEqual(body["records"], [{
            "attributes": {"type": "AggregateResult"}, "n": 2, "expr0": 15}])
        body = self.q("SELECT LeadSource FROM Lead GROUP BY LeadSource "
                      "ORDER BY LeadSource LIMIT 1 OFFSET 1")
        self.assertEqual(body["records"], [{
            "attributes": {"type": "AggregateResult"},
            "LeadSource": "Phone Inquiry"}])

    def test_errors(self):
        r = self.emu.query("SELECT Company, COUNT(Id) FROM Lead GROUP BY "
                           "LeadSource", self.tok)
        err = self.assertError(r, 400, "MALFORMED_QUERY")
        self.assertTrue(err["message"].endswith(
            "Field must be grouped or aggregated: Company"), err)
        r = self.emu.query("SELECT SUM(Company) FROM Lead", self.tok)
        self.assertError(r, 400, "INVALID_FIELD")


class Answers(QueryCase):

    def test_missing_header_is_not_a_stale_session(self):
        self.assertError(self.emu.get("/limits", None), 401,
                         "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
        self.emu.control("POST", "/sessions/expire", {})
        self.assertError(self.emu.get("/limits", self.tok), 401,
                         "INVALID_SESSION_ID", "Session expired or invalid")

    def test_every_problem_of_a_create(self):
        r = self.emu.post("/sobjects/Lead/", self.tok, {
            "LastName": "X", "Email": "not-an-email", "Title": "t" * 200})
        self.assertEqual(r.status, 400, r)
        self.assertEqual([(e["errorCode"], e["fields"]) for e in r.json], [
            ("INVALID_EMAIL_ADDRESS", ["Email"]),
            ("STRING_TOO_LONG", ["Title"]),
            ("REQUIRED_FIELD_MISSING", ["Company"])])
        # one problem stays one error; a collection keeps them all per record
        r = self.emu.post("/sobjects/Lead/", self.tok, {"LastName": "X"})
        self.assertEqual(len(r.json), 1, r)
        r = self.emu.post("/composite/sobjects", self.tok, {"records": [{
            "attributes": {"type": "Lead"}, "Email": "bad"}]})
        self.assertEqual(r.status, 200, r)
        errs = r.json[0]["errors"]
        self.assertEqual([e["statusCode"] for e in errs], [
            "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"])

    def test_per_app_usage(self):
        r = self.emu.get("/limits", self.tok)
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=1/15000")
        self.emu.control("POST", "/app", {"api_limit": 3,
                                          "name": "Sample App"})
        r = self.emu.get("/limits", self.tok)
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=2/15000; "
                         "per-app-api-usage=2/3(appName=Sample App)")
        self.assertEqual(self.emu.get("/limits", self.tok).status, 200)
        r = self.emu.get("/limits", self.tok)
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json, {
            "errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "API request "
            "limit exceeded for connected app Sample App."})
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=3/15000; "
                         "per-app-api-usage=3/3(appName=Sample App)")


def iso(epoch):
    import datetime
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Replication(QueryCase):

    def span(self, which, start, end, obj="Lead"):
        return self.emu.get("/sobjects/%s/%s/?%s" % (obj, which,
                            urllib.parse.urlencode({"start": start,
                                                    "end": end})), self.tok)

    def test_updated_and_deleted(self):
        now = time.time()
        ids = [self.emu.post("/sobjects/Lead/", self.tok, {
            "LastName": "R%d" % i, "Company": "C"}).json["id"]
            for i in range(3)]
        self.assertEqual(self.emu.delete("/sobjects/Lead/%s" % ids[2],
                                         self.tok).status, 204)
        self.emu.control("POST", "/clock", {"advance": 120})
        later = now + 120
        r = self.span("updated", iso(now - 60), iso(later + 3600))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json), ["ids", "latestDateCovered"])
        self.assertEqual(r.json["ids"], ids[:2])
        self.assertEqual(r.json["latestDateCovered"][16:],
                         ":00.000+0000")       # whole minutes
        r = self.span("deleted", iso(now - 60), iso(later))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json), ["deletedRecords",
                                        "earliestDateAvailable",
                                        "latestDateCovered"])
        self.assertEqual([d["id"] for d in r.json["deletedRecords"]],
                         [ids[2]])
        self.assertRegex(r.json["deletedRecords"][0]["deletedDate"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        # a span that ends before the records were made finds none
        r = self.span("updated", iso(now - 7200), iso(now - 3600))
        self.assertEqual(r.json["ids"], [])

    def test_errors(self):
        now = time.time()
        self.assertError(self.span("updated", iso(now), iso(now - 3600)),
                         400, "INVALID_REPLICATION_DATE",
                         "startDate must chronologically precede endDate")
        self.assertError(self.span("deleted", iso(now - 20 * 86400),
                                   iso(now)), 400, "INVALID_REPLICATION_DATE",
                         "startDate cannot be more than 15 days ago")
        self.assertError(self.span("updated", "yesterday", iso(now)),
                         400, "INVALID_REPLICATION_DATE")
        r = self.emu.get("/sobjects/Lead/updated/?start=%s"
                         % urllib.parse.quote(iso(now)), self.tok)
        self.assertError(r, 400, "MISSING_ARGUMENT")
        r = self.emu.post("/sobjects/Lead/updated/", self.tok, {})
        self.assertError(r, 405, "METHOD_NOT_ALLOWED")


if __name__ == "__main__":
    unittest.main()
