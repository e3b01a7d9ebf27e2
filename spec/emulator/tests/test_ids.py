"""Record id checksums (vectors from salesforce-api.md 4.3) and the id
generator, tested directly (no server)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import ids  # noqa: E402

VECTORS = [("001D000000IqhSL", "IAZ"), ("00190000001pPvH", "AAU"),
           ("a00D0000008pQRA", "IA2"), ("00Di0000000icUB", "EAY"),
           ("a0BA0000000L2ZC", "MA0"), ("ABCDEFGHIJKLMNO", "555"),
           ("AAaAAbbBBBCcCCC", "123"), ("70130000001tcyI", "AAQ"),
           ("00558000001N0Ke", "AAK"), ("a0D30000001n7Pi", "EAI")]


class Ids(unittest.TestCase):
    def test_checksum_vectors(self):
        for id15, suffix in VECTORS:
            self.assertEqual(ids.checksum(id15), suffix, id15)
            self.assertEqual(ids.to18(id15), id15 + suffix)

    def test_normalize(self):
        self.assertEqual(ids.normalize("001D000000IqhSL"),
                         "001D000000IqhSLIAZ")
        self.assertEqual(ids.normalize("001d000000iqhsliaz"),
                         "001D000000IqhSLIAZ")
        # The suffix says which letters are upper case: AAA names the
        # all-lower-case id, a different (valid) record.
        self.assertEqual(ids.normalize("001D000000IqhSLAAA"),
                         "001d000000iqhslAAA")
        self.assertIsNone(ids.normalize("001D000000IqhSLZZZ"))
        self.assertIsNone(ids.normalize("001D000000IqhS"))
        self.assertIsNone(ids.normalize("001D000000IqhSL!AZ"))

    def test_generator(self):
        g = ids.IdGenerator()
        made = [g.new("00Q") for _ in range(20000)]
        self.assertEqual(made, sorted(made))        # creation order
        self.assertEqual(len(set(made)), len(made))
        for x in made:
            self.assertEqual(ids.to18(x[:15]), x)
            self.assertTrue(x.startswith("00Q"))


if __name__ == "__main__":
    unittest.main()
