"""Key material made with the `openssl` command: the throwaway CA and
server certificate for --https, the test RSA key pair of the default app's
JWT bearer flow, the key that signs id_tokens, and RS256 sign / verify.
Python's standard library has no RSA, hence the command-line tool."""

import base64
import os
import shutil
import subprocess
import tempfile
import threading

OPENSSL = "openssl"


def _run(args, data=None):
    return subprocess.run([OPENSSL] + args, input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)


def _check(proc, what):
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s"
                           % (what, proc.stderr.decode(errors="replace")))
    return proc


def make_tls(directory):
    """CA + server certificate (EC P-256, SAN 127.0.0.1 and localhost).
    Returns (ca_cert, server_cert, server_key) paths."""
    ca_key = os.path.join(directory, "ca.key")
    ca = os.path.join(directory, "ca.pem")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    crt = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _check(_run(["req", "-x509"] + ec + [
        "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=luaforce emulator test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"]), "CA")
    _check(_run(["req"] + ec + ["-keyout", key, "-out", csr,
                                "-subj", "/CN=127.0.0.1"]), "CSR")
    with open(ext, "w", encoding="ascii") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid,issuer\n")
    _check(_run(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", crt, "-days", "2",
                 "-extfile", ext]), "server certificate")
    return ca, crt, key


class RsaKeyPair:
    """A 2048-bit RSA key generated in the background at start-up (it
    takes a few hundred ms, too long to delay the ready line). Every user
    calls wait() first."""

    def __init__(self, directory, name):
        self.private_key_path = os.path.join(directory, name + "-private.pem")
        self.public_key_path = os.path.join(directory, name + "-public.pem")
        self.certificate_path = os.path.join(directory, name + "-cert.pem")
        self._name = name
        self._done = threading.Event()
        self._error = None
        self._proc = None
        self._lock = threading.Lock()

    def start(self):
        """Launch openssl (at a lower priority: it must not slow down the
        start-up of this or any other emulator on the machine)."""
        with self._lock:
            if self._proc is None:
                nice = ["nice", "-n", "5"] if shutil.which("nice") else []
                self._proc = subprocess.Popen(
                    nice + [OPENSSL, "genpkey", "-algorithm", "RSA",
                            "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                            self.private_key_path],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def wait(self):
        self.start()
        with self._lock:
            if not self._done.is_set():
                try:
                    self._finish()
                except Exception as exc:   # reported to every caller
                    self._error = exc
                self._done.set()
        if self._error:
            raise self._error
        return self

    def _finish(self):
        _, err = self._proc.communicate()
        if self._proc.returncode != 0:
            raise RuntimeError("openssl genpkey failed: %s" % err.decode())
        os.chmod(self.private_key_path, 0o600)
        _check(_run(["pkey", "-in", self.private_key_path, "-pubout",
                     "-out", self.public_key_path]), "pkey")
        _check(_run(["req", "-x509", "-new", "-key", self.private_key_path,
                     "-out", self.certificate_path, "-days", "30",
                     "-subj", "/CN=luaforce emulator %s" % self._name]),
               "self-signed certificate")
        mod = _check(_run(["rsa", "-in", self.private_key_path, "-noout",
                           "-modulus"]), "modulus").stdout.decode()
        self.modulus = bytes.fromhex(mod.strip().split("=", 1)[1])

    def sign(self, data):
        """RS256 (SHA256withRSA, PKCS#1 v1.5) signature of data."""
        self.wait()
        proc = _check(_run(["dgst", "-sha256", "-sign",
                            self.private_key_path], data), "sign")
        return proc.stdout

    def private_pem(self):
        self.wait()
        with open(self.private_key_path, encoding="ascii") as f:
            return f.read()

    def stop(self):
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def public_key_from_file(path, directory):
    """Accept a PEM certificate or public key; return a public key path."""
    with open(path, "rb") as f:
        pem = f.read()
    if b"BEGIN PUBLIC KEY" in pem:
        return path
    out = os.path.join(directory, "jwt-%d.pub" % abs(hash(path)))
    _check(_run(["x509", "-in", path, "-pubkey", "-noout", "-out", out]),
           "x509 -pubkey")
    return out


def verify_rs256(public_key_path, data, signature, directory):
    """True when signature is a valid RS256 signature of data."""
    fd, sig_path = tempfile.mkstemp(dir=directory, suffix=".sig")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(signature)
        proc = _run(["dgst", "-sha256", "-verify", public_key_path,
                     "-signature", sig_path], data)
        return proc.returncode == 0
    finally:
        os.unlink(sig_path)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
