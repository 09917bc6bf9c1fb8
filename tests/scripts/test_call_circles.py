#!/usr/bin/env python3
"""Unit test of scripts/call_circles.py: the circle logic over fixture graphs, and the
whole tool over three tiny object files compiled here (nm reading included)."""

import io
import os
import subprocess
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.environ.get("FOTA_SCRIPTS_DIR",
                                  os.path.join(os.path.dirname(__file__), "../../scripts")))
import call_circles as cc  # noqa: E402


class Circles(unittest.TestCase):
    def test_largest_component(self):
        # a <-> b <-> c form a circle of 3; d -> a and c -> e hang off it; f <-> g is 2.
        g = {"a": {"b"}, "b": {"c", "a"}, "c": {"a", "e"}, "d": {"a"}, "e": set(),
             "f": {"g"}, "g": {"f"}}
        self.assertEqual(cc.largest_circle(g), ["a", "b", "c"])
        comps = sorted(cc.strongly_connected(g))
        self.assertEqual(comps, [["a", "b", "c"], ["d"], ["e"], ["f", "g"]])

    def test_no_circle_is_one(self):
        self.assertEqual(len(cc.largest_circle({"a": {"b"}, "b": {"c"}, "c": set()})), 1)
        self.assertEqual(cc.largest_circle({}), [])

    def test_deep_chain_closed(self):
        # 5000 files in one ring: no recursion limit.
        n = 5000
        g = {f"f{i}": {f"f{(i + 1) % n}"} for i in range(n)}
        self.assertEqual(len(cc.largest_circle(g)), n)

    def test_graph_from_symbols_ignores_outcome_switch(self):
        defines = {"slot.c": {"fota_slot_next", "fota_slot_open"},
                   "attempt.c": {"fota_attempt_run"},
                   "probe.c": {"fota_probe_run"}}
        uses = {"slot.c": {"fota_attempt_run", "fota_probe_run", "malloc"},
                "attempt.c": {"fota_slot_next"},          # the outcome: not counted
                "probe.c": {"fota_slot_open"}}            # a real call back
        g = cc.build_graph(defines, uses)
        self.assertEqual(g["attempt.c"], set())
        self.assertEqual(cc.largest_circle(g), ["probe.c", "slot.c"])
        g = cc.build_graph(defines, uses, ignore=())
        self.assertEqual(cc.largest_circle(g), ["attempt.c", "probe.c", "slot.c"])

    def test_source_name(self):
        d = os.path.join("b", "station")
        o = os.path.join(d, "CMakeFiles", "fota_station_lib.dir", "slot", "slot.c.o")
        self.assertEqual(cc.source_name(o, d), "slot/slot.c")


class Tool(unittest.TestCase):
    """The tool end to end: real objects, real nm, the exit status a CI job reads."""

    FILES = {
        "a.c": "void fota_b(void); void fota_a(void) { fota_b(); }",
        "x/b.c": "void fota_a(void); void fota_slot_next(void);"
                 " void fota_b(void) { fota_a(); fota_slot_next(); }",
        "x/c.c": "void fota_b(void); void fota_slot_next(void) { fota_b(); }",
    }

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "src")
        self.obj = os.path.join(self.tmp.name, "build", "CMakeFiles", "lib.dir")
        for rel, text in self.FILES.items():
            for base in (self.src, self.obj):
                os.makedirs(os.path.join(base, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(self.src, rel), "w") as f:
                f.write(text + "\n")
            subprocess.run(["cc", "-c", "-o", os.path.join(self.obj, rel + ".o"),
                            os.path.join(self.src, rel)], check=True)

    def tearDown(self):
        self.tmp.cleanup()

    def run_tool(self, *args):
        out = io.StringIO()
        with redirect_stdout(out):
            rc = cc.main(["--objects", os.path.join(self.tmp.name, "build"), *args])
        return rc, out.getvalue()

    def test_circle_size_and_bound(self):
        rc, out = self.run_tool()
        self.assertEqual(rc, 0)
        self.assertIn("largest call circle: 2 files", out)
        self.assertIn("  a.c\n  x/b.c\n", out)
        self.assertEqual(self.run_tool("--max", "2")[0], 0)
        rc, out = self.run_tool("--max", "1")
        self.assertEqual(rc, 1)
        self.assertIn("(limit 1: FAIL)", out)
        # counting calls of the outcome switch, c.c joins the circle
        rc, out = self.run_tool("--ignore", "none")
        self.assertIn("largest call circle: 3 files", out)

    def test_layout_checks_separate(self):
        rc, out = self.run_tool("--src", self.src, "--max-per-folder", "2")
        self.assertEqual(rc, 0)
        self.assertIn("most .c files in one folder: 2 (limit 2: ok)", out)
        self.assertNotIn("root .c files", out)
        rc, out = self.run_tool("--src", self.src, "--max-per-folder", "1")
        self.assertEqual(rc, 1)
        self.assertIn("  x: 2", out)
        rc, out = self.run_tool("--src", self.src, "--no-root-c")
        self.assertEqual(rc, 1)
        self.assertIn("root .c files: 1 (limit 0: FAIL)\n  a.c", out)

    def test_stale_object_skipped_with_src(self):
        # x/c.c renamed away: its object stays in the build folder until a clean
        os.remove(os.path.join(self.src, "x", "c.c"))
        rc, out = self.run_tool("--ignore", "none")
        self.assertIn("largest call circle: 3 files", out)
        rc, out = self.run_tool("--ignore", "none", "--src", self.src)
        self.assertIn("largest call circle: 2 files", out)

    def test_forbidden_include(self):
        with open(os.path.join(self.src, "x", "d.h"), "w") as f:
            f.write("#include <stdio.h>\n#  include \"sqlite3.h\"\n")
        rc, out = self.run_tool("--src", self.src, "--no-include", "sqlite3.h")
        self.assertEqual(rc, 1)
        self.assertIn("files including sqlite3.h: 1 (limit 0: FAIL)\n  x/d.h", out)
        with redirect_stdout(io.StringIO()):
            rc = cc.main(["--src", self.src, "--no-include", "libpq-fe.h"])
        self.assertEqual(rc, 0)

    def test_no_objects_is_an_error(self):
        with redirect_stdout(io.StringIO()):
            self.assertEqual(cc.main(["--objects", self.src]), 2)


if __name__ == "__main__":
    unittest.main()
