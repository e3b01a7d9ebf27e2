"""Salesforce record ids: 15-char case-sensitive ids, the 3-char
case-safe checksum that makes them 18 chars, and a deterministic generator.
Reference: salesforce-api.md section 4.3 (algorithm verified there)."""

import re
import string

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_SHAPE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?$")

# Chars 4-5 of a real id are the pod; any fixed pair will do for tests.
POD = "5g"


_UPPER_BITS = str.maketrans({c: ("1" if c in string.ascii_uppercase else "0")
                             for c in _BASE62})


def checksum(id15):
    """The 3 suffix chars for a 15-char id: for each 5-char chunk, bit i
    is set when char i is upper case (A-Z)."""
    b = id15.translate(_UPPER_BITS)
    a = _CHECKSUM_ALPHABET
    return a[int(b[4::-1], 2)] + a[int(b[9:4:-1], 2)] + a[int(b[14:9:-1], 2)]


def to18(id15):
    return id15 + checksum(id15)


def looks_like_id(text):
    """True when text has the shape of a 15- or 18-char id (not checked)."""
    return bool(_ID_SHAPE.match(text or ""))


def normalize(text):
    """Return the canonical 18-char id for a 15- or 18-char id, or None.

    An 18-char id is case-insensitive as a whole: the suffix encodes which
    of the first 15 chars are upper case, so the case is restored from it
    and the result is compared with the checksum of the restored id."""
    if not looks_like_id(text):
        return None
    if len(text) == 15:
        return to18(text)
    suffix = text[15:].upper()
    chars = list(text[:15])
    for chunk in range(3):
        try:
            bits = _CHECKSUM_ALPHABET.index(suffix[chunk])
        except ValueError:
            return None
        for i in range(5):
            pos = chunk * 5 + i
            c = chars[pos]
            if c.isalpha():
                chars[pos] = c.upper() if bits & (1 << i) else c.lower()
            elif bits & (1 << i):
                return None         # a digit cannot be upper case
    id15 = "".join(chars)
    return id15 + checksum(id15)


def base62(n, width):
    digits = []
    for _ in range(width):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    if n:
        raise OverflowError("id sequence exhausted")
    return "".join(reversed(digits))


class IdGenerator:
    """Monotonic ids per key prefix, so that id order is creation order
    (as on a real pod, where default query order follows the id)."""

    def __init__(self, start=1):
        self._start = start
        self._next = {}
        self._high = {}         # prefix -> (seq // 3844, its 8 chars)

    def new(self, prefix):
        seq = self._next.get(prefix, self._start)
        self._next[prefix] = seq + 1
        # The 8 high chars change every 3844 ids: cache them (seeding
        # 200,000 records should take a second, not several).
        # Only the last chunk's checksum char depends on the low 2 chars.
        hi, lo = divmod(seq, 3844)
        cached = self._high.get(prefix)
        if cached is None or cached[0] != hi:
            head = prefix + POD + base62(hi, 8)
            sums = checksum(head + "00")
            bits = int(head[10:13].translate(_UPPER_BITS)[::-1], 2)
            cached = (hi, head, sums[:2], bits)
            self._high[prefix] = cached
        _, head, sums, bits = cached
        return head + _PAIRS[lo] + sums + \
            _CHECKSUM_ALPHABET[bits | _PAIR_BITS[lo]]


_PAIRS = [a + b for a in _BASE62 for b in _BASE62]
_PAIR_BITS = [int(p.translate(_UPPER_BITS)[::-1], 2) << 3 for p in _PAIRS]
