#!/usr/bin/env python3
"""docs/station.md's code map names every source file of station/: a file added
without a line there fails this test, naming it."""
import os
import sys

src = sys.argv[1]
doc = open(os.path.join(src, "docs", "station.md"), encoding="utf-8").read()
missing = []
for root, _dirs, files in os.walk(os.path.join(src, "station")):
    for f in sorted(files):
        if f.endswith(".c") and f"`{f}`" not in doc:
            missing.append(os.path.relpath(os.path.join(root, f), src))
for m in missing:
    print(f"docs/station.md: the code map does not name {m}")
sys.exit(1 if missing else 0)
