"""Process fault drills: a killed or frozen peer is detected, the survivor exits non-zero
naming the peer within 2x the configured timeout, no process or ipc file is left behind."""
import glob
import os
import re
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

TIMEOUT_MS = 1000
LIMIT_S = 2 * TIMEOUT_MS / 1000
LONG = ["--cycles", "100000000000", "--latency", "1024", "--quantum", "256",
        "--timeout-ms", str(TIMEOUT_MS)]


class Drills(unittest.TestCase):
    def setUp(self):
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            for stream in (p.stdout, p.stderr):
                stream.close()

    def start(self, args):
        p = cp.start(args)
        self.procs.append(p)
        return p

    def test_killed_model_stops_the_run_naming_it(self):
        before = set(glob.glob("/tmp/cpoemu-*"))
        sup = self.start(["run", "--transport", "ipc"] + LONG)
        lines = cp.wait_for_line(sup.stderr, "model pid", 30)
        pids = dict(re.findall(r"(rtl|model|host) pid (\d+)", "".join(lines)))
        cp.wait_for_line(sup.stderr, "cpoemu: cycle", 30)  # mid-run
        t0 = time.monotonic()
        os.kill(int(pids["model"]), signal.SIGKILL)
        rtl_gone = cp.wait_gone(int(pids["rtl"]), 10)
        self.assertIsNotNone(rtl_gone, "the rtl did not stop after its model was killed")
        self.assertLessEqual(time.monotonic() - t0, LIMIT_S)
        _, err = sup.communicate(timeout=10)
        self.assertNotEqual(sup.returncode, 0)
        self.assertIn("model", err)
        self.assertRegex(err, r"last agreed cycle \d+")
        for role, pid in pids.items():
            self.assertFalse(cp.alive(int(pid)), f"{role} process {pid} left behind")
        self.assertEqual(set(glob.glob("/tmp/cpoemu-*")), before, "ipc directory left behind")

    def test_killed_rtl_stops_the_waiting_host_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            ep = f"ipc://{d}/bridge.sock"
            rtl = self.start(["rtl", "--endpoint", ep, "--with-host", "--quiet"] + LONG)
            model = self.start(["model", "--endpoint", ep] + LONG)
            host = self.start(["host", "--endpoint", ep] + LONG)
            cp.wait_for_line(host.stdout, "engine id", 30)  # the host now sleeps: it waits on the rtl
            t0 = time.monotonic()
            rtl.kill()
            _, herr = host.communicate(timeout=10)
            self.assertLessEqual(time.monotonic() - t0, LIMIT_S)
            self.assertNotEqual(host.returncode, 0)
            self.assertIn("rtl", herr)
            self.assertRegex(herr, r"last agreed cycle \d+")
            _, merr = model.communicate(timeout=10)
            self.assertNotEqual(model.returncode, 0)
            self.assertIn("rtl", merr)

    def test_frozen_model_is_declared_dead(self):
        with tempfile.TemporaryDirectory() as d:
            ep = f"ipc://{d}/bridge.sock"
            rtl = self.start(["rtl", "--endpoint", ep, "--no-host"] + LONG)
            model = self.start(["model", "--endpoint", ep] + LONG)
            cp.wait_for_line(rtl.stderr, "cpoemu: cycle", 30)
            t0 = time.monotonic()
            os.kill(model.pid, signal.SIGSTOP)
            _, err = rtl.communicate(timeout=10)
            self.assertLessEqual(time.monotonic() - t0, LIMIT_S)
            self.assertNotEqual(rtl.returncode, 0)
            self.assertIn("peer model silent", err)
            os.kill(model.pid, signal.SIGCONT)
            self.assertFalse(os.path.exists(f"{d}/bridge.sock"), "ipc socket file left behind")

    def assert_scenario_refused(self, text, line, name):
        """`cpoemu run` on a scenario file holding @text exits 2 naming the file, @line and @name."""
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write(text)
        try:
            code, out, err = cp.run(["run", f.name])
            self.assertEqual(code, 2)
            self.assertIn(f"{f.name}:{line}", err)
            self.assertIn(name, err)
        finally:
            os.unlink(f.name)

    def test_bad_scenario_is_refused_naming_line_and_key(self):
        self.assert_scenario_refused("[run]\ncycles = 1000\n[link]\nlanes = 8\nlatencyy_cycles = 5\n", 5,
                                     "latencyy_cycles")

    def test_quantum_over_the_message_limit_is_refused(self):
        code, out, err = cp.run(["run", "--quantum", "1000000", "--latency", "1000000"])
        self.assertEqual(code, 2)
        self.assertIn("limit", err)

    def test_quantum_above_latency_is_refused(self):
        code, out, err = cp.run(["run", "--quantum", "2048", "--latency", "1024"])
        self.assertEqual(code, 2)
        self.assertIn("quantum", err)

    def test_bad_topology_is_refused_naming_it(self):
        code, out, err = cp.run(["run", "--topology", "ring"])
        self.assertEqual(code, 2)
        self.assertIn("--topology ring: expected loopback or two-engines", err)
        code, out, err = cp.run(["run", "--profile", "loopback", "--topology", "two-engines"])
        self.assertEqual(code, 2)
        self.assertIn("two-engines needs an engine profile", err)
        self.assert_scenario_refused("[model]\ntopology = star\n", 2, "topology")


if __name__ == "__main__":
    unittest.main(verbosity=2)
