"""SOSL escaped reserved characters are literals: \\* and \\? are the
characters themselves, never wildcards, in words and in "phrases"; the
bare * and ? stay wildcards."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402

NAMES = ["wilson", "wil card", "a*b", "ab", "what? now", "whatnow",
         "zed*qux", "zedxqux"]


class SoslEscapes(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()
        self.emu.control("POST", "/seed", {"sobject": "Lead", "records": [
            {"LastName": n, "Company": "Esc"} for n in NAMES]})

    def names(self, term):
        sosl = "FIND {%s} IN NAME FIELDS RETURNING Lead(LastName)" % term
        r = self.emu.request("GET", "/services/data/%s/search?q=%s" % (
            V, urllib.parse.quote(sosl)), token=self.tok)
        self.assertEqual(r.status, 200, r)
        return sorted(x["LastName"] for x in r.json["searchRecords"])

    def test_escaped_asterisk_is_literal(self):
        self.assertEqual(self.names("wil*"), ["wil card", "wilson"])
        self.assertEqual(self.names("wil\\*"), ["wil card"])
        self.assertEqual(self.names('"wil\\*"'), ["wil card"])
        self.assertEqual(self.names('"a\\*b"'), ["a*b"])
        self.assertEqual(self.names("a\\*b"), ["a*b"])
        self.assertEqual(self.names('"zed\\*qux"'), ["zed*qux"])
        # unescaped, * is a wildcard inside one word
        self.assertEqual(self.names("zed*qux"), ["zedxqux"])
        self.assertEqual(self.names("zed*"), ["zed*qux", "zedxqux"])

    def test_escaped_question_mark_is_literal(self):
        self.assertEqual(self.names("wils?n"), ["wilson"])
        self.assertEqual(self.names("wils\\?n"), [])
        self.assertEqual(self.names('"what\\? now"'), ["what? now"])
        self.assertEqual(self.names("what\\?"), ["what? now"])
        self.assertEqual(self.names("what?ow"), ["whatnow"])
        self.assertEqual(self.names("what\\?now"), ["what? now"])


if __name__ == "__main__":
    unittest.main()
