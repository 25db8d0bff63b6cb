#!/usr/bin/python3
"""hostile: a client under test that attacks the harness instead of failing over.

Each mode is one way a buggy or malicious client can misbehave. The suite runs
every mode (tests/integration/hostile.sh) and requires a verdict within the
scenario's time bound, a harness that stays up, and nothing left running.

  hang        never exits and ignores SIGTERM
  exit        exits at once
  crash       dies of SIGSEGV
  daemon      forks a child that double-forks and calls setsid, then exits
  log-flood   writes to stdout and stderr as fast as it can
  dns-flood   sends DNS queries to the resolver as fast as it can
  syn-flood   opens and drops TCP connections to every service as fast as it can
  many-conns  holds thousands of connections to each service
  garbage     sends malformed DNS, TLS and HTTP to every service
  unknown     contacts addresses that no party of the world has

It learns the world's names from the BC config and its enrollment, as any
client would; it has no address built in.
"""
import json
import os
import random
import resource
import signal
import socket
import ssl
import sys
import time


def names(config_path, state):
    """The names of every service, from what a client is given."""
    import base64
    doc = json.load(open(config_path))
    s = json.loads(base64.b64decode(doc["payload"]))
    bc = s["bc_domain"]
    out = [s["pcc_dns_name"], "bcpsp." + bc, "pse1." + bc, "pse2." + bc, s["cloud_sp"], s["portal"]]
    cloud = s["cloud_sp"].split(".", 1)[1]
    out += ["broker." + cloud, "se1." + cloud, "se2." + cloud]
    return out


def addresses(hosts):
    seen = []
    for h in hosts:
        try:
            for info in socket.getaddrinfo(h, 443, type=socket.SOCK_STREAM):
                if info[4][0] not in seen:
                    seen.append(info[4][0])
        except OSError:
            pass
    return seen


def resolver():
    for line in open("/etc/resolv.conf"):
        if line.startswith("nameserver"):
            return line.split()[1]
    return None


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def dns_flood():
    ns = resolver()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    n = 0
    while True:
        qid = n & 0xFFFF
        name = b"".join(bytes([len(p)]) + p for p in [b"q%d" % n, b"flood", b"example"]) + b"\0"
        msg = qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x01\x00\x01"
        try:
            s.sendto(msg, (ns, 53))
        except OSError:
            pass
        n += 1


def syn_flood(addrs):
    while True:
        for a in addrs:
            s = socket.socket(family(a), socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((a, 443))
            except OSError:
                pass
            s.close()


def many_conns(addrs):
    raise_fd_limit()
    held = []
    for a in addrs:
        for _ in range(2000):
            s = socket.socket(family(a), socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((a, 443))
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                break
            held.append(s)
    print("holding %d connections" % len(held), flush=True)
    time.sleep(3600)


def garbage(addrs, hosts):
    rnd = random.Random(7)
    ns = resolver()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(50):
        u.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 600))), (ns, 53))
    u.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3fthis-label-claims-63-bytes", (ns, 53))
    try:
        t = socket.create_connection((ns, 53), timeout=1)
        t.sendall(b"\xff\xff" + bytes(rnd.getrandbits(8) for _ in range(300)))
        t.close()
    except OSError:
        pass
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for a in addrs:
        for payload in (b"\x16\x03\x01\xff\xff" + b"\x01" * 40, bytes(rnd.getrandbits(8) for _ in range(500))):
            try:
                s = socket.create_connection((a, 443), timeout=1)
                s.sendall(payload)
                s.recv(100)
                s.close()
            except OSError:
                pass
        for sni in hosts:
            try:
                s = ctx.wrap_socket(socket.create_connection((a, 443), timeout=1), server_hostname=sni)
                s.sendall(b"GARBAGE \x00\x01\x02 NOT HTTP\r\n\r\n")
                s.recv(100)
                s.close()
            except OSError:
                pass
    print("garbage sent", flush=True)
    time.sleep(3600)


def unknown(addrs):
    # Next to the world's addresses, but nobody's: .250 of each IPv4 prefix it knows.
    targets = sorted({a.rsplit(".", 1)[0] + ".250" for a in addrs if ":" not in a})
    for t in targets:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect((t, 443))
        except OSError:
            pass
        s.close()
    print("contacted %s" % " ".join(targets), flush=True)
    time.sleep(3600)


def main():
    mode, config, state = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(1)
    if mode == "exit":
        return 0
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "daemon":
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                with open(os.path.join(state, "daemon.pid"), "w") as f:
                    f.write(str(os.getpid()))
                while True:
                    time.sleep(1)
            os._exit(0)
        return 0
    if mode == "log-flood":
        line = b"FLOOD " * 200 + b"\n"
        while True:
            os.write(1, line)
            os.write(2, line)
    hosts = names(config, state)
    addrs = addresses(hosts)
    if mode == "dns-flood":
        dns_flood()
    if mode == "syn-flood":
        syn_flood(addrs)
    if mode == "many-conns":
        many_conns(addrs)
    if mode == "garbage":
        garbage(addrs, hosts)
    if mode == "unknown":
        unknown(addrs)
    return 2


if __name__ == "__main__":
    sys.exit(main())
