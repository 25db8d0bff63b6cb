#!/usr/bin/env python3
"""layers.py LAYERS SRC [OVERLAY]: fails on an edge between bcsim's libraries
that the architecture does not allow (docs/architecture.md, "Layers").

LAYERS is the file CMake writes (build/layers.txt): per library, its sources
and the libraries it links. An edge is a link, or an #include "..." in a
source or in a header it includes, of a file another library owns. OVERLAY,
if given, is a folder whose files replace SRC's of the same path (the test
plants a forbidden include there to show that it is caught)."""
import os
import re
import sys

# The one home of the rule: which libraries each library may use.
ALLOWED = {
    "bcbase": set(),
    "bcmap": set(),
    "bcdecode": {"bcbase"},
    "bcworld": {"bcmap", "bcdecode", "bcbase"},
    "bcjudge": {"bcmap", "bcbase"},
    "bcplay": {"bcjudge", "bcworld", "bcmap", "bcdecode", "bcbase"},
    "bcreports": {"bcjudge", "bcbase"},
    "bcclient": set(),
}
# Header-only files belong to the library of their folder.
FOLDER_OWNER = {"base/": "bcbase"}


def read_layers(path):
    libs = {}
    for line in open(path):
        name, kind, items = (line.rstrip("\n").split("\t") + ["", ""])[:3]
        lib = libs.setdefault(name, {"sources": [], "links": []})
        lib[kind] = [x for x in items.split(";") if x]
    return libs


def text(rel, src, overlay):
    for root in ([overlay] if overlay else []) + [src]:
        p = os.path.join(root, rel)
        if os.path.exists(p):
            return open(p, errors="replace").read()
    return None


def main():
    layers, src = sys.argv[1], os.path.abspath(sys.argv[2])
    overlay = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    libs = read_layers(layers)
    unknown = set(libs) - set(ALLOWED)
    if unknown:
        print(f"layers: libraries with no rule in {sys.argv[0]}: {' '.join(sorted(unknown))}")
        return 1
    owner = {}
    for name, lib in libs.items():
        for s in lib["sources"]:
            rel = os.path.relpath(os.path.join(src, s), src)
            if rel.endswith(".c"):
                owner[rel[:-2] + ".h"] = name
                owner[rel] = name
    bad = []
    for name, lib in libs.items():
        for dep in lib["links"]:
            dep = dep.split("::")[-1] if dep.startswith("bc") else dep
            if dep in ALLOWED and dep != name and dep not in ALLOWED[name]:
                bad.append(f"{name} links {dep}")
        seen, todo = set(), [os.path.relpath(os.path.join(src, s), src) for s in lib["sources"] if s.endswith(".c")]
        while todo:
            rel = todo.pop()
            if rel in seen:
                continue
            seen.add(rel)
            body = text(rel, src, overlay)
            if body is None:
                continue
            for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', body, re.M):
                dep = owner.get(inc) or next((o for f, o in FOLDER_OWNER.items() if inc.startswith(f)), None)
                if dep is None:
                    continue  # generated (spec_levels.inc, bcsim_commit.h) or outside the libraries
                if dep != name and dep not in ALLOWED[name]:
                    bad.append(f"{name}: {rel} includes {inc} ({dep})")
                if dep == name:
                    todo.append(inc)
    for b in bad:
        print("layers: forbidden edge:", b)
    print(f"layers: {len(libs)} libraries, {len(bad)} forbidden edge(s)")
    return 1 if bad else 0


sys.exit(main())
