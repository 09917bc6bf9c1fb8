#!/usr/bin/env python3
"""Measures the call structure of station/ (docs/development.md, "Structure checks").

A call circle is a set of source files that call each other round (a strongly
connected component of the file graph: file A -> file B when A uses a function B
defines). One idea per file only holds when the circles stay small, so the tool
prints the largest circle and, with --max N, fails when it has more than N files.

Who defines and who uses each function is read from the build's object files with
`nm` (an undefined symbol in A that B defines as a function is an edge A -> B), so
the graph is exactly what the linker sees: no parsing of C, macros included.
Calls of the outcome switch (a function named `slot_next`, or `<prefix>_slot_next`)
are not counted: every step of the slot machine hands its outcome there by design.

Layout checks read the source tree (--src), each reported on its own line and
each failing only when its flag is given:
  --no-root-c          no .c file directly in station/ (every file sits in a layer folder)
  --max-per-folder N   at most N .c files in any one folder
  --no-include H       no .c or .h file includes header H (e.g. sqlite3.h: station/
                       reaches the results file only through reports/)

Exit status: 0 all asked checks hold, 1 a check failed, 2 bad use (no objects found).
"""

import argparse
import os
import subprocess
import sys
from collections import defaultdict

DEFAULT_IGNORE = ("slot_next",)


def ignored(symbol, ignore):
    return any(symbol == name or symbol.endswith("_" + name) for name in ignore)


def build_graph(defines, uses, ignore=DEFAULT_IGNORE):
    """defines: {file: set of function symbols it defines};
    uses: {file: set of symbols it leaves undefined}.
    Returns {file: set of files it calls} (no self edges)."""
    owner = {}
    for f, syms in defines.items():
        for s in syms:
            owner.setdefault(s, f)
    graph = {f: set() for f in set(defines) | set(uses)}
    for f, syms in uses.items():
        for s in syms:
            if ignored(s, ignore):
                continue
            g = owner.get(s)
            if g is not None and g != f:
                graph[f].add(g)
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm without recursion (a deep graph must not hit Python's
    recursion limit). Returns the components as sorted lists."""
    index, low, on_stack = {}, {}, set()
    stack, out, counter = [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            pushed = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    pushed = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if pushed:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def largest_circle(graph):
    """The largest component (ties: the first by name); a lone file is a circle of 1."""
    comps = strongly_connected(graph)
    if not comps:
        return []
    return sorted(comps, key=lambda c: (-len(c), c))[0]


def object_files(objdir):
    found = []
    for dirpath, _, names in os.walk(objdir):
        found += [os.path.join(dirpath, n) for n in names if n.endswith(".c.o")]
    return sorted(found)


def source_name(obj, objdir):
    """build/station/CMakeFiles/<target>.dir/slot/slot.c.o -> slot/slot.c"""
    rel = os.path.relpath(obj, objdir).split(os.sep)
    while rel and not rel[0].endswith(".dir"):
        rel = rel[1:]
    return "/".join(rel[1:])[: -len(".o")]


def read_symbols(objs, objdir, nm):
    defines, uses = defaultdict(set), defaultdict(set)
    for obj in objs:
        name = source_name(obj, objdir)
        text = subprocess.run([nm, "-P", obj], check=True, capture_output=True,
                              text=True).stdout
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            sym, kind = parts[0], parts[1]
            if kind == "T":
                defines[name].add(sym)
            elif kind == "U":
                uses[name].add(sym)
        defines.setdefault(name, set())
    return defines, uses


def c_files_by_folder(srcdir):
    folders = defaultdict(list)
    for dirpath, _, names in os.walk(srcdir):
        rel = os.path.relpath(dirpath, srcdir)
        for n in names:
            if n.endswith(".c"):
                folders["." if rel == "." else rel.replace(os.sep, "/")].append(n)
    return folders


def includers(srcdir, header):
    """The .c/.h files under srcdir with an #include of header (<> or "")."""
    import re
    pat = re.compile(r'^\s*#\s*include\s*[<"]' + re.escape(header) + r'[>"]', re.M)
    hits = []
    for dirpath, _, names in os.walk(srcdir):
        for n in names:
            if n.endswith((".c", ".h")):
                path = os.path.join(dirpath, n)
                with open(path, errors="replace") as f:
                    if pat.search(f.read()):
                        hits.append(os.path.relpath(path, srcdir).replace(os.sep, "/"))
    return sorted(hits)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objects",
                    help="build folder of station/ (its .c.o files are searched recursively);"
                         " without it no circle is measured")
    ap.add_argument("--src", help="station/ source folder: the layout checks read it, and"
                                  " objects whose source is gone (renamed) are skipped")
    ap.add_argument("--max", type=int, help="fail when the largest circle has more files")
    ap.add_argument("--max-per-folder", type=int,
                    help="fail when a folder of --src holds more .c files")
    ap.add_argument("--no-root-c", action="store_true",
                    help="fail when a .c file sits directly in --src")
    ap.add_argument("--no-include", action="append", metavar="HEADER",
                    help="fail when a file of --src includes HEADER; repeatable")
    ap.add_argument("--ignore", action="append",
                    help="function not counted as a call (default: slot_next); repeatable")
    ap.add_argument("--nm", default=os.environ.get("NM", "nm"))
    a = ap.parse_args(argv)

    failed = False
    if a.objects:
        objs = object_files(a.objects)
        if not objs:
            print(f"call_circles: no object files under {a.objects} (build first)",
                  file=sys.stderr)
            return 2
        if a.src:  # an object left behind by a renamed or removed source is not code
            objs = [o for o in objs
                    if os.path.exists(os.path.join(a.src, source_name(o, a.objects)))]
        defines, uses = read_symbols(objs, a.objects, a.nm)
        circle = largest_circle(build_graph(defines, uses, tuple(a.ignore or DEFAULT_IGNORE)))
        verdict = ""
        if a.max is not None:
            ok = len(circle) <= a.max
            failed |= not ok
            verdict = f" (limit {a.max}: {'ok' if ok else 'FAIL'})"
        print(f"largest call circle: {len(circle)} files{verdict}")
        for f in circle:
            print(f"  {f}")

    if not a.objects and not (a.no_root_c or a.max_per_folder is not None or a.no_include):
        print("call_circles: nothing to check (give --objects, or --src with a layout check)",
              file=sys.stderr)
        return 2
    if a.no_root_c or a.max_per_folder is not None or a.no_include:
        if not a.src:
            print("call_circles: --no-root-c, --max-per-folder and --no-include need --src",
                  file=sys.stderr)
            return 2
        folders = c_files_by_folder(a.src)
    if a.no_root_c:
        root = sorted(folders.get(".", []))
        failed |= bool(root)
        print(f"root .c files: {len(root)} (limit 0: {'FAIL' if root else 'ok'})"
              + "".join(f"\n  {n}" for n in root))
    if a.max_per_folder is not None:
        over = sorted((f, len(n)) for f, n in folders.items() if len(n) > a.max_per_folder)
        failed |= bool(over)
        most = max((len(n) for n in folders.values()), default=0)
        print(f"most .c files in one folder: {most} (limit {a.max_per_folder}: "
              f"{'FAIL' if over else 'ok'})" + "".join(f"\n  {f}: {n}" for f, n in over))
    for header in a.no_include or ():
        hits = includers(a.src, header)
        failed |= bool(hits)
        print(f"files including {header}: {len(hits)} (limit 0: {'FAIL' if hits else 'ok'})"
              + "".join(f"\n  {h}" for h in hits))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
