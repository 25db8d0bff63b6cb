#!/usr/bin/env python3
"""Whether a lab's namespaces outlive it, without mistaking another lab's.

  NS_PATTERN=P NS_DIR=D NS_OWNER=PID namespaces.py hold
      note the namespaces of the processes whose command line matches P (a regex),
      and hold them open until `left`, or until process PID (the test) is gone
  NS_DIR=D namespaces.py left
      print each noted namespace that a process other than the holders still has,
      as its namespace or through a descriptor
  NS_DIR=D namespaces.py release
      let the held ones go

The arguments come in the environment so that no command line of a holder
matches the test's own `pgrep -f`.

A namespace lives as long as a process is in it or holds it. Its number is
reused once it is freed, by the next namespace any lab makes, so the noted
ones are held open until they are checked: a number seen afterwards is
still the lab's, never a neighbour's under ctest -j8.
"""
import os
import re
import signal
import sys
import time


def links(pid, kinds=("ns", "fd")):
    for kind in kinds:
        d = f"/proc/{pid}/{kind}"
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            try:
                yield f"{d}/{n}", os.readlink(f"{d}/{n}")
            except OSError:
                pass


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def hold(pattern, folder, owner):
    own = {t for _, t in links(os.getpid(), ("ns",))}
    rx = re.compile(pattern)
    held, fds = set(), []
    for pid in pids():
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not rx.search(cmd):
            continue
        for path, target in links(pid, ("ns",)):
            if target in own or target in held:
                continue
            try:
                fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
                held.add(target)
            except OSError:
                pass
    child = os.fork()
    if child:
        with open(os.path.join(folder, "holders"), "a") as f:
            f.write(f"{child}\n")
        with open(os.path.join(folder, "namespaces"), "a") as f:
            f.writelines(t + "\n" for t in sorted(held))
        return
    os.setsid()
    for fd in (0, 1, 2):
        os.close(fd)
    while True:  # until `left` lets them go (SIGTERM), or the test is gone
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(0)
        time.sleep(0.5)


def left(folder):
    try:
        with open(os.path.join(folder, "namespaces")) as f:
            noted = set(f.read().split())
        with open(os.path.join(folder, "holders")) as f:
            holders = {int(p) for p in f.read().split()}
    except OSError:
        return
    found = set()
    for pid in pids():
        if pid in holders or pid == os.getpid():
            continue
        for path, target in links(pid):
            if target in noted:
                found.add(f"{target} (pid {pid}: {path})")
    for line in sorted(found):
        print(line)


def release(folder):
    try:
        with open(os.path.join(folder, "holders")) as f:
            holders = {int(p) for p in f.read().split()}
    except OSError:
        return
    for p in holders:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass


if __name__ == "__main__":
    os.makedirs(os.environ["NS_DIR"], exist_ok=True)
    if sys.argv[1] == "hold":
        hold(os.environ["NS_PATTERN"], os.environ["NS_DIR"], int(os.environ["NS_OWNER"]))
    elif sys.argv[1] == "left":
        left(os.environ["NS_DIR"])
    else:
        release(os.environ["NS_DIR"])
