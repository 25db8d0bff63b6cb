#!/usr/bin/python3
"""netclient: a minimal Business Continuity client that speaks no session protocol.

Written from docs/ alone (protocol.md, SPEC.md, client-profile.md), as a vendor's
client would be, to show that bcsim judges such a client fairly on the wire. It
shares no code with bcsim or its reference client, and is in another language.

What it does:
  * It verifies the BC config: the signer must hash to the thumbprint, the
    ECDSA P-256 / SHA-256 signature (DER) must verify over the decoded payload.
    A config that fails is refused: exit 3, nothing contacted.
  * Enrolled (the state dir holds enrollment.json): it watches the cloud with a
    TLS handshake to the broker (SNI and name = the broker, chain to the cloud
    CA of the enrollment) every second, or every keepalive if that is longer.
    A failed check is retried after the backoff; 2 x retries failures in a row
    (the documented two tries for each of two Service Edges) mean the cloud is
    lost.
  * New user: a TLS handshake with the cloud SP (the machine's trust store).
    If that fails, one with the BC SP (the host of sp_url, resolved with the
    system resolver; the BC SP CA from the verified config), then BC.
  * Business Continuity: it resolves the PCC DNS name with the system resolver
    and opens verified TLS (SNI c2 when enrolled, c2site when new; TLS 1.2 or
    newer; chain to the BC SP CA; name = SNI) to each address in turn, and
    holds the first that works until it closes or goes silent (TCP
    keepalives). Lookups and rounds that fail back off (x2 each time, at most
    16 x backoff).

--defect breaks it on purpose, so the suite can show it is caught on the wire:
  first-pcc-only  tries only the first PCC address (BC-FO-04)
  wrong-sni       sends the other SNI (BC-TLS-02)
  skip-verify     accepts any certificate (BC-TLS-03)
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

DEFECTS = ("first-pcc-only", "wrong-sni", "skip-verify")


def log(msg):
    sys.stderr.write("[%.3f] netclient: %s\n" % (time.monotonic(), msg))
    sys.stderr.flush()


class Refused(Exception):
    pass


def verify_config(path, thumbprint):
    """The settings of a signed BC config, or Refused."""
    with open(path, "rb") as f:
        doc = json.load(f)
    try:
        payload = base64.b64decode(doc["payload"], validate=True)
        signature = base64.b64decode(doc["signature"], validate=True)
        signer = base64.b64decode(doc["signer"], validate=True)
    except (KeyError, ValueError, TypeError) as e:
        raise Refused("not a signed BC config: %s" % e)
    if thumbprint is not None:
        got = base64.b64encode(hashlib.sha256(signer).digest()).decode()
        if got != thumbprint:
            raise Refused("the signer %s does not match the thumbprint %s" % (got, thumbprint))
    with tempfile.TemporaryDirectory() as d:
        files = {"spki.der": signer, "sig.der": signature, "payload": payload}
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        pem = os.path.join(d, "signer.pem")
        conv = subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", os.path.join(d, "spki.der"),
                               "-out", pem], capture_output=True)
        ok = conv.returncode == 0 and subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", pem, "-signature", os.path.join(d, "sig.der"),
             os.path.join(d, "payload")], capture_output=True).returncode == 0
    if not ok:
        raise Refused("the signature does not verify over the payload")
    return json.loads(payload)


def tls_context(ca_pem, verify=True):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if verify:
        ctx.load_verify_locations(cadata=ca_pem)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def resolve(name):
    """Every address of name, in the resolver's order, or [] if it does not resolve."""
    try:
        infos = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    except OSError as e:
        log("resolving %s failed: %s" % (name, e))
        return []
    seen = []
    for info in infos:
        if info[4][0] not in seen:
            seen.append(info[4][0])
    return seen


def handshake(addr, sni, ctx, timeout):
    """A verified TLS connection to addr with SNI sni, or None."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((addr, 443))
        return ctx.wrap_socket(sock, server_hostname=sni)
    except (OSError, ssl.SSLError) as e:
        log("TLS to %s (%s) failed: %s" % (addr, sni, e))
        sock.close()
        return None


class Client:
    def __init__(self, args, settings):
        self.a = args
        self.s = settings
        self.timeout = args.timeout / 1000.0
        self.backoff = args.backoff / 1000.0
        self.enrolled = os.path.exists(os.path.join(args.state, "enrollment.json"))
        self.bc_ctx = tls_context(settings["sp_ca_pem"], verify=args.defect != "skip-verify")
        if self.enrolled:
            with open(os.path.join(args.state, "enrollment.json")) as f:
                enr = json.load(f)
            self.cloud_name, cloud_ca = enr["broker"], enr["cloud_ca_pem"]
        else:
            self.cloud_name = settings["cloud_sp"]
            with open(args.trust) as f:
                cloud_ca = f.read()
        self.cloud_ctx = tls_context(cloud_ca)
        new_user = not self.enrolled
        if args.defect == "wrong-sni":
            new_user = not new_user
        self.sni = settings["pcc_sni_new"] if new_user else settings["pcc_sni_enrolled"]

    def cloud_ok(self, addrs):
        conn = handshake(addrs[0], self.cloud_name, self.cloud_ctx, self.timeout)
        if conn:
            conn.close()
        return conn is not None

    def watch_cloud(self):
        """Returns when the cloud is lost."""
        addrs = resolve(self.cloud_name)  # learnt while healthy: public names may fail in an outage
        limit = 2 * self.a.retries
        failures = 0
        while True:
            if addrs and self.cloud_ok(addrs):
                failures = 0
                time.sleep(max(self.a.keepalive / 1000.0, 1.0))
                continue
            failures += 1
            if failures >= limit:
                log("the cloud failed %d checks in a row: entering Business Continuity" % failures)
                return
            time.sleep(self.backoff)

    def bc_sp(self):
        host = self.s["sp_url"].split("://", 1)[-1].split("/", 1)[0]
        for addr in resolve(host):
            conn = handshake(addr, host, self.bc_ctx, self.timeout)
            if conn:
                log("the BC SP %s answered at %s" % (host, addr))
                conn.close()
                return True
        return False

    def business_continuity(self):
        delay = self.backoff
        while True:
            addrs = resolve(self.s["pcc_dns_name"])
            if self.a.defect == "first-pcc-only":
                addrs = addrs[:1]
            held = False
            for addr in addrs:
                conn = handshake(addr, self.sni, self.bc_ctx, self.timeout)
                if conn:
                    log("connected to PCC %s with SNI %s: holding it" % (addr, self.sni))
                    self.hold(conn)
                    held = True
                    break
            if held:
                delay = self.backoff
            else:
                delay = min(delay * 2, 16 * self.backoff)
            time.sleep(delay)

    @staticmethod
    def hold(conn):
        # Without a protocol of its own to ping with, TCP keepalives notice a PCC that went silent.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 2)
        conn.settimeout(None)
        try:
            while conn.recv(4096):
                pass
        except (OSError, ssl.SSLError):
            pass
        conn.close()
        log("the PCC connection closed")

    def run(self):
        if self.enrolled:
            self.watch_cloud()
        else:
            addrs = resolve(self.cloud_name)
            if addrs and self.cloud_ok(addrs):
                log("the cloud SP answers: staying with the cloud")
                self.watch_cloud()
            while not self.bc_sp():
                time.sleep(self.backoff)
        self.business_continuity()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--thumbprint")
    p.add_argument("--trust", required=True)
    for name in ("keepalive", "timeout", "backoff"):
        p.add_argument("--" + name, type=int, required=True, help="milliseconds")
    p.add_argument("--retries", type=int, required=True)
    p.add_argument("--defect", choices=DEFECTS)
    args = p.parse_args()
    enrolled = os.path.exists(os.path.join(args.state, "enrollment.json"))
    if not enrolled and not args.thumbprint:
        log("a new user needs the thumbprint")
        return 2
    try:
        settings = verify_config(args.config, args.thumbprint)
    except Refused as e:
        log("refusing the BC config: %s" % e)
        return 3
    log("started (%s, defect %s)" % ("enrolled" if enrolled else "new user", args.defect))
    Client(args, settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
