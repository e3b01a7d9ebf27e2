"""/composite (references, allOrNone, PROCESSING_HALTED, 25-subrequest
limit), /composite/batch (haltOnError) and /composite/sobjects collections
(create, update, upsert, retrieve, delete, allOrNone, per-record errors)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402

BASE = "/services/data/%s" % V
ROLLED_BACK = ("The transaction was rolled back since another operation in "
               "the same transaction failed.")


class Composite(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def composite(self, subs, all_or_none=False, status=200):
        r = self.emu.post("/composite", self.tok, {
            "allOrNone": all_or_none, "compositeRequest": subs})
        self.assertEqual(r.status, status, r)
        return r

    def count(self, obj):
        return self.emu.query("SELECT COUNT() FROM %s" % obj,
                              self.tok).json["totalSize"]

    def test_references(self):
        r = self.composite([
            {"method": "POST", "url": BASE + "/sobjects/Account",
             "referenceId": "refAccount", "body": {"Name": "Sample"}},
            {"method": "POST", "url": BASE + "/sobjects/Contact",
             "referenceId": "refContact",
             "body": {"LastName": "Smith", "AccountId": "@{refAccount.id}"}},
            {"method": "GET", "url": BASE + "/sobjects/Contact/"
             "@{refContact.id}?fields=AccountId,LastName",
             "referenceId": "getContact"},
            {"method": "PATCH", "url": BASE + "/sobjects/Account/"
             "@{refAccount.id}", "referenceId": "upd",
             "body": {"Description": "of @{getContact.LastName}"}},
            {"method": "GET", "url": BASE + "/query?q=SELECT+Id,Description+"
             "FROM+Account", "referenceId": "q"},
            {"method": "DELETE", "url": BASE + "/sobjects/Contact/"
             "@{q.records[0].Id}", "referenceId": "del"},
        ])
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=1/15000")
        out = r.json["compositeResponse"]
        self.assertEqual(list(out[0]), ["body", "httpHeaders",
                                        "httpStatusCode", "referenceId"])
        acc = out[0]["body"]["id"]
        self.assertEqual(out[0]["httpStatusCode"], 201)
        self.assertEqual(out[0]["httpHeaders"], {
            "Location": BASE + "/sobjects/Account/" + acc})
        self.assertEqual(out[2]["body"]["AccountId"], acc)
        self.assertEqual(out[3], {"body": None, "httpHeaders": {},
                                  "httpStatusCode": 204,
                                  "referenceId": "upd"})
        self.assertEqual(out[4]["body"]["records"][0]["Description"],
                         "of Smith")
        # the DELETE used an Account id on /sobjects/Contact: its error
        self.assertEqual(out[5]["httpStatusCode"], 400)
        self.assertEqual(out[5]["body"][0]["errorCode"], "MALFORMED_ID")

    def test_all_or_none_rolls_back(self):
        r = self.composite([
            {"method": "POST", "url": BASE + "/sobjects/Account",
             "referenceId": "a", "body": {"Name": "Kept?"}},
            {"method": "POST", "url": BASE + "/sobjects/Contact",
             "referenceId": "bad", "body": {"Email": "x@example.com"}},
            {"method": "POST", "url": BASE + "/sobjects/Account",
             "referenceId": "c", "body": {"Name": "Never"}},
        ], all_or_none=True)
        out = r.json["compositeResponse"]
        self.assertEqual([o["httpStatusCode"] for o in out], [400, 400, 400])
        self.assertEqual(out[0]["body"], [{"errorCode": "PROCESSING_HALTED",
                                           "message": ROLLED_BACK}])
        self.assertEqual(out[1]["body"][0]["errorCode"],
                         "REQUIRED_FIELD_MISSING")
        self.assertEqual(out[2]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(self.count("Account"), 0)

    def test_independent_failure_and_bad_reference(self):
        r = self.composite([
            {"method": "POST", "url": BASE + "/sobjects/Contact",
             "referenceId": "refContact", "body": {"Email": "bad"}},
            {"method": "POST", "url": BASE + "/sobjects/Account",
             "referenceId": "ok", "body": {"Name": "Kept"}},
            {"method": "GET", "url": BASE + "/sobjects/Contact/"
             "@{refContact.id}", "referenceId": "dep"},
            {"method": "GET", "url": BASE + "/sobjects/Account/@{ok.id}"
             "?fields=@{ok.nothing}", "referenceId": "dep2"},
        ])
        out = r.json["compositeResponse"]
        self.assertEqual([o["httpStatusCode"] for o in out],
                         [400, 201, 400, 400])
        self.assertEqual(out[2]["body"], [{
            "errorCode": "PROCESSING_HALTED",
            "message": "Invalid reference specified. No value for "
            "refContact.id found in refContact. Provided referenceId "
            "('refContact.id') must start with a letter or a number, and it "
            "can contain only letters, numbers and underscores ('_')."}])
        self.assertEqual(self.count("Account"), 1)

    def test_request_errors(self):
        sub = {"method": "GET", "url": BASE + "/limits", "referenceId": "r"}
        many = [dict(sub, referenceId="r%d" % i) for i in range(26)]
        self.assertError(self.composite(many, status=400), 400,
                         "LIMIT_EXCEEDED")
        self.assertEqual(len(self.composite(many[:25]).json[
            "compositeResponse"]), 25)
        self.composite([dict(sub, referenceId="bad-id")], status=400)
        self.composite([sub, sub], status=400)
        self.composite([dict(sub, method="get")], status=400)
        self.composite([dict(sub, url="/limits")], status=400)
        r = self.emu.post("/composite", self.tok, {"nope": []})
        self.assertEqual(r.status, 400)

    def test_composite_map(self):
        body = self.emu.get("/composite", self.tok).json
        self.assertEqual(body["batch"], BASE + "/composite/batch")
        self.assertEqual(set(body), {"tree", "batch", "sobjects", "graph"})


class Batch(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()
        self.acc = self.emu.post("/sobjects/Account", self.tok,
                                 {"Name": "A"}).json["id"]

    def test_batch(self):
        r = self.emu.post("/composite/batch", self.tok, {"batchRequests": [
            {"method": "PATCH", "url": V + "/sobjects/account/" + self.acc,
             "richInput": {"Name": "NewName"}},
            {"method": "GET", "url": V + "/sobjects/account/%s?fields=Name,"
             "BillingPostalCode" % self.acc},
            {"method": "GET", "url": V + "/sobjects/Nope/x"},
        ]})
        body = r.json
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=4/15000")
        self.assertTrue(body["hasErrors"])
        self.assertEqual(body["results"][0], {"statusCode": 204,
                                              "result": None})
        self.assertEqual(body["results"][1], {"statusCode": 200, "result": {
            "attributes": {"type": "Account", "url": BASE +
                           "/sobjects/Account/" + self.acc},
            "Name": "NewName", "BillingPostalCode": None, "Id": self.acc}})
        self.assertEqual(body["results"][2]["statusCode"], 404)

    def test_halt_on_error(self):
        r = self.emu.post("/composite/batch", self.tok, {
            "haltOnError": True, "batchRequests": [
                {"method": "POST", "url": V + "/sobjects/Account",
                 "richInput": {}},
                {"method": "GET", "url": V + "/limits"}]})
        res = r.json["results"]
        self.assertEqual(res[0]["statusCode"], 400)
        self.assertEqual(res[1], {"statusCode": 412, "result": [{
            "errorCode": "BATCH_PROCESSING_HALTED",
            "message": "Batch processing halted per request"}]})
        many = [{"method": "GET", "url": V + "/limits"}] * 26
        self.assertEqual(self.emu.post("/composite/batch", self.tok, {
            "batchRequests": many}).status, 400)


class Collections(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def test_create_mixed_and_all_or_none(self):
        recs = [{"attributes": {"type": "Account"}, "Name": "A1"},
                {"attributes": {"type": "Contact"}, "Email": "x@y.com"},
                {"attributes": {"type": "Lead"}, "LastName": "L",
                 "Company": "C"}]
        r = self.emu.post("/composite/sobjects", self.tok,
                          {"allOrNone": False, "records": recs})
        self.assertEqual(r.status, 200)
        out = r.json
        self.assertTrue(out[0]["success"])
        self.assertTrue(out[0]["id"].startswith("001"))
        self.assertEqual(out[1], {"success": False, "errors": [{
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [LastName]",
            "fields": ["LastName"]}]})
        self.assertTrue(out[2]["id"].startswith("00Q"))
        r = self.emu.post("/composite/sobjects", self.tok,
                          {"allOrNone": True, "records": recs})
        out = r.json
        self.assertEqual(out[0], {"success": False, "errors": [{
            "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "message": "Record rolled back because not all records were "
            "valid and the request was using AllOrNone header",
            "fields": []}]})
        self.assertEqual(out[1]["errors"][0]["statusCode"],
                         "REQUIRED_FIELD_MISSING")
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Account",
                                        self.tok).json["totalSize"], 1)
        big = [{"attributes": {"type": "Account"}, "Name": "x"}] * 201
        self.assertEqual(self.emu.post("/composite/sobjects", self.tok,
                                       {"records": big}).status, 400)
        self.assertEqual(len(self.emu.post("/composite/sobjects", self.tok,
                                           {"records": big[:200]}).json),
                         200)

    def test_update_retrieve_delete(self):
        ids = [self.emu.post("/sobjects/Account", self.tok,
                             {"Name": "A%d" % i}).json["id"] for i in
               range(3)]
        r = self.emu.patch("/composite/sobjects", self.tok, {"records": [
            {"attributes": {"type": "Account"}, "id": ids[0], "Name": "Z"},
            {"attributes": {"type": "Account"}, "Name": "no id"}]})
        self.assertEqual(r.json[0], {"id": ids[0], "success": True,
                                     "errors": []})
        self.assertEqual(r.json[1]["errors"][0]["statusCode"],
                         "MISSING_ARGUMENT")
        r = self.emu.get("/composite/sobjects/Account?ids=%s,%s,001000000000"
                         "000AAA&fields=id,name" % (ids[0], ids[1]), self.tok)
        self.assertEqual([x and x["Name"] for x in r.json], ["Z", "A1",
                                                              None])
        r = self.emu.post("/composite/sobjects/Account", self.tok,
                          {"ids": ids[:1], "fields": ["Name"]})
        self.assertEqual(r.json[0]["Name"], "Z")
        r = self.emu.delete("/composite/sobjects?ids=%s,%s,001RM000003oLrB000"
                            % (ids[0], ids[1]), self.tok)
        self.assertEqual(r.json[:2], [
            {"id": ids[0], "success": True, "errors": []},
            {"id": ids[1], "success": True, "errors": []}])
        self.assertEqual(r.json[2], {"success": False, "errors": [{
            "statusCode": "MALFORMED_ID",
            "message": "malformed id 001RM000003oLrB000", "fields": []}]})
        r = self.emu.delete("/composite/sobjects?allOrNone=true&ids=%s,%s"
                            % (ids[2], ids[0]), self.tok)
        self.assertEqual(r.json[0]["errors"][0]["statusCode"],
                         "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(r.json[1]["errors"][0]["statusCode"],
                         "ENTITY_IS_DELETED")
        self.assertEqual(self.emu.get("/sobjects/Account/" + ids[2],
                                      self.tok).status, 200)

    def test_upsert(self):
        recs = [{"attributes": {"type": "Lead"}, "Ext_Id__c": "E1",
                 "LastName": "One", "Company": "C"},
                {"attributes": {"type": "Lead"}, "Ext_Id__c": "E2",
                 "LastName": "Two", "Company": "C"}]
        r = self.emu.patch("/composite/sobjects/Lead/Ext_Id__c", self.tok,
                           {"allOrNone": False, "records": recs})
        self.assertEqual([x["created"] for x in r.json], [True, True])
        self.assertEqual(list(r.json[0]), ["id", "success", "errors",
                                           "created"])
        r = self.emu.patch("/composite/sobjects/Lead/Ext_Id__c", self.tok,
                           {"records": [dict(recs[0], LastName="Uno")]})
        self.assertEqual(r.json[0]["created"], False)
        self.assertError(self.emu.patch("/composite/sobjects/Lead/Bogus",
                                        self.tok, {"records": recs}), 404,
                         "NOT_FOUND")

    def test_inside_composite_all_or_none(self):
        r = self.emu.post("/composite", self.tok, {
            "allOrNone": True, "compositeRequest": [
                {"method": "POST", "url": BASE + "/composite/sobjects",
                 "referenceId": "coll", "body": {"records": [
                     {"attributes": {"type": "Account"}, "Name": "In"}]}},
                {"method": "POST", "url": BASE + "/sobjects/Account",
                 "referenceId": "bad", "body": {}}]})
        out = r.json["compositeResponse"]
        self.assertEqual(out[0]["body"][0]["errorCode"], "PROCESSING_HALTED")
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Account",
                                        self.tok).json["totalSize"], 0)

    def test_failed_collection_rolls_back_an_all_or_none_composite(self):
        # The outer allOrNone overrides the collections' own flag (false
        # here), and a collection with a failed record fails the composite.
        good = {"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C"}
        bad = {"attributes": {"type": "Lead"}, "Company": "no last name"}
        r = self.emu.post("/composite", self.tok, {
            "allOrNone": True, "collateSubrequests": False,
            "compositeRequest": [
                {"method": "POST", "url": BASE + "/composite/sobjects",
                 "referenceId": "p1", "body": {"allOrNone": False,
                                               "records": [good, good]}},
                {"method": "POST", "url": BASE + "/composite/sobjects",
                 "referenceId": "p2", "body": {"allOrNone": False,
                                               "records": [good, bad]}}]})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Lead",
                                        self.tok).json["totalSize"], 0)
        # without the outer flag, each collection keeps its own
        r = self.emu.post("/composite", self.tok, {
            "allOrNone": False, "compositeRequest": [
                {"method": "POST", "url": BASE + "/composite/sobjects",
                 "referenceId": "p1", "body": {"allOrNone": False,
                                               "records": [good, bad]}}]})
        self.assertEqual(self.emu.query("SELECT COUNT() FROM Lead",
                                        self.tok).json["totalSize"], 1)


if __name__ == "__main__":
    unittest.main()
