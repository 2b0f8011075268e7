"""Process fault drills: a killed or frozen peer is detected, the survivor exits non-zero
naming the peer (the supervisor: naming the first cause), no process or ipc file is left behind;
an interrupted run still writes its results; every configuration error is refused (exit 2)
before anything starts, naming what is wrong.

Each test owns its directory (TMPDIR for the runs it starts), so runs beside it (another test,
another scripts/test) cannot change what it sees; waits are on conditions, with generous
deadlines, never on elapsed time."""
import glob
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

# Fault drills wait for a timeout to expire: 3 s, long enough that a busy machine (a thread
# waiting a second for a CPU) never expires it by accident. Runs that are not about timeouts
# get 30 s, which nothing here ever waits out.
TIMEOUT_MS = 3000
QUIET_TIMEOUT_MS = 30000
DEADLINE_S = 120  # generous: "named before the deadline", never a timing threshold
RUN = ["--cycles", "100000000000", "--latency", "1024", "--quantum", "256"]
LONG = RUN + ["--timeout-ms", str(TIMEOUT_MS)]
CALM = RUN + ["--timeout-ms", str(QUIET_TIMEOUT_MS)]
SHORT = ["--cycles", "30000", "--no-host", "--quiet"]  # short enough for old binaries to finish


class Drill(unittest.TestCase):

  def setUp(self):
    self.procs = []
    self.tmp = tempfile.mkdtemp(prefix="drill-")
    self.env = cp.env_with_tmpdir(self.tmp)

  def tearDown(self):
    for p in self.procs:
      if p.poll() is None:
        p.kill()
        p.wait()
      for stream in (p.stdout, p.stderr):
        stream.close()
    shutil.rmtree(self.tmp, ignore_errors=True)

  def start(self, args):
    p = cp.start(args, env=self.env)
    self.procs.append(p)
    return p

  def run_cpoemu(self, args):
    return cp.run(args, env=self.env, timeout=DEADLINE_S * 5)

  def path(self, name):
    return os.path.join(self.tmp, name)

  def private_dirs(self):
    return glob.glob(os.path.join(self.tmp, "cpoemu-*"))

  def pids(self, lines):
    return {r: int(p) for r, p in re.findall(r"(rtl|model|host) pid (\d+)", "".join(lines))}


class Faults(Drill):

  def test_killed_model_stops_the_run_naming_it_first(self):
    sup = self.start(["run", "--transport", "ipc"] + LONG)
    pids = self.pids(cp.wait_for_line(sup.stderr, "model pid", DEADLINE_S))
    cp.wait_for_line(sup.stderr, "cpoemu: cycle", DEADLINE_S)  # mid-run
    os.kill(pids["model"], signal.SIGKILL)
    self.assertIsNotNone(cp.wait_gone(pids["rtl"], DEADLINE_S),
                         "the rtl did not stop after its model was killed")
    _, err = sup.communicate(timeout=DEADLINE_S)
    self.assertEqual(sup.returncode, 3, err)
    self.assertRegex(err, r"last agreed cycle \d+")
    # The verdict names the first cause (which process, which signal, when), not a consequence.
    verdict = [l for l in err.splitlines() if "run failed" in l][-1]
    self.assertRegex(
        verdict, r"first cause: the model process \(pid \d+\) was killed by signal 9 "
        r"\(Killed\), [\d.]+ s into the run", err)
    for role, pid in pids.items():
      self.assertFalse(cp.alive(pid), f"{role} process {pid} left behind")
    self.assertEqual(self.private_dirs(), [], "ipc directory left behind")

  def test_frozen_host_is_named_and_the_run_ends(self):
    sup = self.start(["run", "--transport", "ipc", "--json", self.path("r.json")] + LONG)
    pids = self.pids(cp.wait_for_line(sup.stderr, "host pid", DEADLINE_S))
    cp.wait_for_line(sup.stdout, "host: engine", DEADLINE_S)  # the host now sleeps: the rtl runs
    os.kill(pids["host"], signal.SIGSTOP)
    try:
      _, err = sup.communicate(timeout=DEADLINE_S)
    finally:
      if cp.alive(pids["host"]):
        os.kill(pids["host"], signal.SIGCONT)
    self.assertEqual(sup.returncode, 3, err)
    self.assertRegex(err, r"first cause: the host process \(pid \d+\) was frozen")
    with open(self.path("r.json")) as f:
      res = json.load(f)
    self.assertEqual(res["result"], "error")
    self.assertIn("host process", res["error"])
    for role, pid in pids.items():
      self.assertFalse(cp.alive(pid), f"{role} process {pid} left behind")

  def test_killed_rtl_stops_the_waiting_host_naming_it(self):
    ep = f"ipc://{self.tmp}/bridge.sock"
    rtl = self.start(["rtl", "--endpoint", ep, "--with-host", "--quiet"] + LONG)
    model = self.start(["model", "--endpoint", ep] + LONG)
    host = self.start(["host", "--endpoint", ep] + LONG)
    cp.wait_for_line(host.stdout, "host: engine",
                     DEADLINE_S)  # the host now sleeps: it waits on the rtl
    rtl.kill()
    _, herr = host.communicate(timeout=DEADLINE_S)
    self.assertNotEqual(host.returncode, 0)
    self.assertIn("rtl", herr)
    self.assertRegex(herr, r"last agreed cycle \d+")
    _, merr = model.communicate(timeout=DEADLINE_S)
    self.assertNotEqual(model.returncode, 0)
    self.assertIn("rtl", merr)

  def test_frozen_model_is_declared_dead(self):
    ep = f"ipc://{self.tmp}/bridge.sock"
    rtl = self.start(["rtl", "--endpoint", ep, "--no-host"] + LONG)
    model = self.start(["model", "--endpoint", ep] + LONG)
    cp.wait_for_line(rtl.stderr, "cpoemu: cycle", DEADLINE_S)
    os.kill(model.pid, signal.SIGSTOP)
    try:
      _, err = rtl.communicate(timeout=DEADLINE_S)
    finally:
      os.kill(model.pid, signal.SIGCONT)
    self.assertEqual(rtl.returncode, 3)
    self.assertIn("peer model silent", err)
    self.assertFalse(os.path.exists(f"{self.tmp}/bridge.sock"), "ipc socket file left behind")


class Interrupts(Drill):
  """SIGINT, SIGTERM, SIGHUP or a closed stdout: the run stops as "interrupted", with its
    summary and JSON, exit 3, and nothing left behind."""

  def interrupt(self, transport, how, extra=()):
    json_path = self.path(f"{transport}-{how}.json")
    sup = self.start(["run", "--transport", transport, "--json", json_path, *extra] + CALM)
    cp.wait_for_line(sup.stderr, "cpoemu: cycle", DEADLINE_S)  # mid-run
    if how == "stdout":
      sup.stdout.close()
      _, err = sup.communicate(timeout=DEADLINE_S)
      out = err  # with stdout gone, the summary goes to stderr
    else:
      sup.send_signal(how)
      out, err = sup.communicate(timeout=DEADLINE_S)
    self.assertEqual(sup.returncode, 3, f"{transport} {how}: {err}")
    self.assertRegex(out, r"RESULT: INTERRUPTED \(interrupted at cycle \d+\)", f"{transport} {how}")
    with open(json_path) as f:
      res = json.load(f)
    self.assertEqual(res["result"], "interrupted")
    self.assertGreater(res["cycles"], 0)
    self.assertEqual(self.private_dirs(), [], "a private directory left behind")

  def test_signals_interrupt_inproc_runs(self):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
      with self.subTest(signal=sig.name):
        self.interrupt("inproc", sig)

  def test_signals_interrupt_process_runs(self):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
      with self.subTest(signal=sig.name):
        self.interrupt("ipc", sig)

  def test_closed_stdout_interrupts_runs(self):
    for transport in ("inproc", "ipc"):
      with self.subTest(transport=transport):
        self.interrupt(transport, "stdout")

  def test_direct_runs_are_interrupted_alike(self):
    # No model to end the session: the rtl itself stops at the next quantum.
    for transport in ("inproc", "ipc"):
      for extra in (["--direct"], ["--direct", "--no-host"]):
        for how in (signal.SIGINT, signal.SIGHUP, "stdout"):
          with self.subTest(transport=transport, extra=extra, how=how):
            self.interrupt(transport, how, extra)

  def test_killed_supervisor_leaves_no_directory(self):
    sup = self.start(["run", "--transport", "ipc"] + CALM)
    pids = self.pids(cp.wait_for_line(sup.stderr, "model pid", DEADLINE_S))
    cp.wait_for_line(sup.stderr, "cpoemu: cycle", DEADLINE_S)
    self.assertEqual(len(self.private_dirs()), 1, "the run's private directory is not in TMPDIR")
    sup.kill()
    sup.wait()
    for role, pid in pids.items():
      self.assertIsNotNone(cp.wait_gone(pid, DEADLINE_S), f"{role} outlived its supervisor")
    cp.wait_until(lambda: not self.private_dirs(), DEADLINE_S, "the private directory removed")


class Configuration(Drill):
  """Found before anything starts: exit 2, the problem named, no run started."""

  def assert_refused(self, args, *needles):
    code, out, err = self.run_cpoemu(args)
    self.assertEqual(code, 2, f"{args}: exit {code}\n{out}\n{err}")
    self.assertNotIn("reproduce with", out, "a run started before the error was found")
    for needle in needles:
      self.assertIn(needle, err)
    return err

  def scenario(self, text, mode="w"):
    path = self.path("s.ini")
    with open(path, mode) as f:
      f.write(text)
    return path

  def assert_scenario_refused(self, text, line, *needles):
    """`cpoemu run` on a scenario holding @text exits 2 naming the file, @line and @needles."""
    path = self.scenario(text)
    return self.assert_refused(["run", path] + SHORT, f"{path}:{line}: ", *needles)

  def test_bad_scenario_is_refused_naming_line_and_key(self):
    self.assert_scenario_refused("[run]\ncycles = 1000\n[link]\nlanes = 8\nlatencyy_cycles = 5\n",
                                 5, "latencyy_cycles")

  def test_scenario_error_names_the_line_and_reason_of_the_same_error(self):
    err = self.assert_scenario_refused("[run]\nseedd = 2\ncycles = 0\n", 2, "seedd")
    self.assertNotIn("cycles", err)

  def test_long_comment_is_not_an_error(self):
    path = self.scenario("[run]\n; " + "x" * 300 + "\ncycles = 1000\n[host]\nenabled = false\n"
                         "[expect]\nmin_locked_lanes = 0\nmin_bits = 0\n")
    code, out, err = self.run_cpoemu(["run", path, "--quiet"])
    self.assertEqual(code, 0, out + err)

  def test_continuation_line_is_refused(self):
    self.assert_scenario_refused("[run]\nseed = 2\n  3\n", 3, "indented")

  def test_empty_nul_and_directory_scenarios_are_refused(self):
    self.assert_refused(["run", self.scenario("")] + SHORT, "no settings")
    self.assert_refused(["run", self.scenario(b"\0" * 64, "wb")] + SHORT, "NUL")
    self.assert_refused(["run", self.tmp] + SHORT, "is a directory")

  def test_baud_rate_must_be_a_whole_number_in_range(self):
    for baud in ("1.9", "1e30"):
      self.assert_scenario_refused(f"[link]\nbaud_hz = {baud}\n", 2, "baud_hz", baud)

  def test_cycles_beyond_the_signed_range_are_refused(self):
    self.assert_scenario_refused("[run]\ncycles = 9223372036854775808\n", 2, "cycles")
    self.assert_refused(["run", "--transport", "ipc", "--cycles", "9223372036854775808"],
                        "--cycles")

  def test_latency_above_the_optical_path_is_refused(self):
    # the default engine's path: 491.6 ns = 6528 of its 75.3 ps cycles
    self.assert_refused(["run", "--latency", "6529"] + SHORT, "exceeds the physical path latency")

  def test_unwritable_results_are_refused(self):
    missing = self.path("no/such/dir/x")
    self.assert_refused(["run", "--json", missing + ".json"] + SHORT, "--json", "cannot write")
    self.assert_refused(["run", "--trace", missing + ".fst"] + SHORT, "--trace", "cannot write")
    os.mkdir(self.path("d"))
    self.assert_refused(["run", "--trace", self.path("d")] + SHORT, "--trace", "is a directory")
    self.assertEqual(os.listdir(self.tmp), ["d"], "a trace was written beside the directory")

  def test_seed_with_a_leading_zero_is_decimal(self):
    code, res, out, err = cp.run_json(
        ["run", "--seed", "010", "--cycles", "1000", "--no-host", "--quiet"], env=self.env)
    self.assertIsNotNone(res, out + err)
    self.assertEqual(res["seed"], 10)

  def test_run_too_short_for_the_host_is_refused(self):
    self.assert_refused(["run", "--cycles", "200", "--quiet"], "too short for the built-in host")

  def test_quantum_over_the_message_limit_is_refused(self):
    self.assert_refused(["run", "--quantum", "1000000", "--latency", "1000000"], "limit")

  def test_quantum_above_latency_is_refused(self):
    self.assert_refused(["run", "--quantum", "2048", "--latency", "1024"], "quantum")

  def test_roles_with_a_remote_endpoint_and_no_curve_are_refused(self):
    for role in ("rtl", "model", "host"):
      err = self.assert_refused([role, "--endpoint", "tcp://192.0.2.1:5555"] + SHORT,
                                "not a loopback address: CURVE is required")
      self.assertNotIn("CPU placement", err, "the role went on before the error was found")

  def test_els_ambient_needs_an_external_laser(self):
    self.assert_refused(
        ["run", self.scenario("[model]\nprofile = loopback\nels_ambient_k = 310\n")] + SHORT,
        "els_ambient_k", "no external laser")

  def test_bad_topology_is_refused_naming_it(self):
    self.assert_refused(["run", "--topology", "ring"],
                        "--topology ring: expected loopback or two-engines")
    self.assert_refused(["run", "--profile", "loopback", "--topology", "two-engines"],
                        "two-engines needs an engine profile")
    self.assert_scenario_refused("[model]\ntopology = star\n", 2, "topology")


if __name__ == "__main__":
  unittest.main(verbosity=2)
