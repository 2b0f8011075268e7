"""`cpoemu regress`: the shard partition, a failing run's JUnit and its reproduction, hung runs
(a wall-time watchdog, a stopped run) killed and reported as hung, bad list files, and shards
merged into what one local run of the matrix reports. One behaviour per test; pick with
`test_regress.py NAME` (CTest runs each as its own test)."""
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regress_common as rc  # noqa: E402


def wait_until(condition, timeout_s, what):
  deadline = time.monotonic() + timeout_s
  while not condition():
    if time.monotonic() > deadline:
      raise AssertionError(f"not within {timeout_s} s: {what}")
    time.sleep(0.05)


class Regress(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.TemporaryDirectory(prefix="regress-")
    self.dir = self.tmp.name
    self.env = dict(os.environ, TMPDIR=self.dir)

  def tearDown(self):
    self.tmp.cleanup()

  def path(self, name):
    return os.path.join(self.dir, name)

  def test_shards_partition_the_matrix(self):
    """Every N: the shards' runs together are the matrix's, each exactly once, in its order."""
    lst = rc.write_list(self.path("m.lst"), [
        "# two scenarios, seven seeds each, and one with options", "default seeds=1-7",
        "loopback seeds=3,9,11-14 --cycles 60000", "default seeds=2 --fidelity bit-true"
    ])

    def runs(args):
      p = rc.regress([lst, "--dry-run"] + args, env=self.env)
      self.assertEqual(p.returncode, 0, p.stderr)
      return [tuple(l.split("\t")) for l in p.stdout.splitlines()]

    matrix = runs([])
    self.assertEqual(len(matrix), 7 + 6 + 1)
    self.assertEqual([int(r[0]) for r in matrix], list(range(len(matrix))))
    for n in list(range(1, 7)) + [len(matrix), len(matrix) + 1]:  # the last: an empty shard
      shards = [runs(["--shard", f"{k}/{n}"]) for k in range(1, n + 1)]
      union = sorted((r for s in shards for r in s), key=lambda r: int(r[0]))
      self.assertEqual(union, matrix, f"{n} shards")
      self.assertEqual(sum(len(s) for s in shards), len(matrix), f"{n} shards: a run twice")
    for bad in ("0/2", "3/2", "1/0", "x", "1/2/3"):
      p = rc.regress([lst, "--dry-run", "--shard", bad], env=self.env)
      self.assertEqual(p.returncode, 2, bad)
      self.assertIn("--shard", p.stderr)

  def test_library_is_the_default_list(self):
    """Without a list: every *.ini of the library, subdirectories too, in name order."""
    lib = self.path("lib")
    os.makedirs(os.path.join(lib, "sub", "deeper"))
    for name in ("b.ini", "a.ini", "sub/c.ini", "sub/deeper/d.ini", "sub/notes.txt"):
      with open(os.path.join(lib, name), "w") as f:
        f.write("[run]\ncycles = 60000\n")
    p = rc.regress(["--scenarios", lib, "--seeds", "4,7", "--dry-run"], env=self.env)
    self.assertEqual(p.returncode, 0, p.stderr)
    got = [tuple(l.split("\t")[1:3]) for l in p.stdout.splitlines()]
    self.assertEqual(got, [(n, s) for n in "abcd" for s in ("4", "7")])
    os.remove(os.path.join(lib, "sub", "deeper", "d.ini"))
    with open(os.path.join(lib, "sub", "bad.ini"), "w") as f:
      f.write("[run]\nno_such_key = 1\n")
    p = rc.regress(["--scenarios", lib, "--dry-run"], env=self.env)
    self.assertEqual(p.returncode, 2)
    self.assertIn(os.path.join(lib, "sub", "bad.ini") + ": ", p.stderr)
    self.assertIn("no_such_key", p.stderr)

  def test_failure_names_expectation_and_reproduces(self):
    """A failing scenario: a JUnit failure naming the first failed expectation, whose
    reproduction command, run, fails the same way."""
    lst = rc.write_list(self.path("f.lst"), [f"{rc.FAILS_INI} seeds=3 " + " ".join(rc.SHORT)])
    out = self.path("out")
    p = rc.regress([lst, "--out", out, "-j", "1"], env=self.env)
    self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
    root = rc.check_junit_shape(os.path.join(out, "junit.xml"), self)
    case = root.find("testsuite/testcase")
    self.assertEqual(root.find("testsuite").get("name"), "fails")
    failure = case.find("failure")
    self.assertIsNotNone(failure, "no <failure>")
    message = failure.get("message")
    self.assertRegex(message, r"^\d+ PRBS bits checked, expected at least 1000000000000000000$")
    repro = next(l for l in case.find("system-out").text.splitlines()
                 if l.startswith("reproduce: "))[len("reproduce: "):]
    summary = rc.load_summary(out)
    self.assertEqual(summary["runs"][0]["status"], "fail")
    self.assertEqual(summary["runs"][0]["message"], message)
    again = subprocess.run(shlex.split(repro),
                           capture_output=True,
                           text=True,
                           timeout=600,
                           env=self.env,
                           cwd="/")
    self.assertEqual(again.returncode, 1, again.stdout + again.stderr)
    result = next(l for l in again.stdout.splitlines() if "RESULT:" in l)
    self.assertIn(f"RESULT: FAIL ({message}", result)
    with open(os.path.join(out, "report.md")) as f:
      report = f.read()
    self.assertIn("FAIL, 0 of 1 passed, 1 fail", report)
    self.assertIn(repro, report)

  def _hung(self, extra, stop, transport="inproc"):
    """Run one long run under @p extra watchdog options (stopping its process group first if
    @p stop); return the summary's run; the run's whole group must be gone."""
    lst = rc.write_list(self.path("h.lst"),
                        [f"default --transport {transport} --cycles 2000000000"])
    out = self.path("out")
    p = subprocess.Popen([rc.CPOEMU, "regress", lst, "--out", out, "-j", "1"] + extra,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         text=True,
                         env=self.env)
    try:
      pgids = set()

      def child_running():  # the run, not the check of the list before it
        pgids.update(pid for pid in rc.children_of(p.pid) if "--json" in rc.cmdline(pid))
        return bool(pgids) or p.poll() is not None

      wait_until(child_running, 120, "regress starts its run")
      if stop:
        log = os.path.join(out, "runs", "0000-default-s1", "output.log")

        def progressing():
          if p.poll() is not None:
            return True
          try:
            with open(log) as f:
              return "cpoemu: cycle " in f.read()
          except OSError:
            return False

        wait_until(progressing, 300, "the run's first progress line")
        for g in pgids:
          try:
            os.killpg(g, signal.SIGSTOP)
          except ProcessLookupError:
            pass
      stdout, stderr = p.communicate(timeout=900)
    finally:
      if p.poll() is None:
        p.kill()
        p.wait()
    self.assertEqual(p.returncode, 1, stdout + stderr)
    self.assertEqual(rc.process_groups_alive(pgids), [], "the hung run's process group lives on")
    root = rc.check_junit_shape(os.path.join(out, "junit.xml"), self)
    case = root.find("testsuite/testcase")
    self.assertIsNone(case.find("failure"), "a hung run is not a failed one")
    error = case.find("error")
    self.assertIsNotNone(error)
    self.assertEqual(error.get("type"), "hung")
    run = rc.load_summary(out)["runs"][0]
    self.assertEqual(run["status"], "hung")
    self.assertEqual(rc.load_summary(out)["totals"]["hung"], 1)
    self.assertEqual(error.get("message"), run["message"])
    self.assertIn("killed", run["message"])
    return run

  def test_wall_watchdog_kills_hung_run(self):
    """A run longer than the wall-time watchdog is killed, with its group, and reported hung."""
    # over ipc: the run is three processes (its roles) in its group
    run = self._hung(["--wall-timeout", "2", "--stall-timeout", "3600"],
                     stop=False,
                     transport="ipc")
    self.assertIn("wall-time watchdog", run["message"])

  def test_stall_watchdog_kills_stopped_run(self):
    """A run whose simulated time stops advancing (SIGSTOP) is killed and reported hung."""
    run = self._hung(["--wall-timeout", "3600", "--stall-timeout", "3"], stop=True)
    self.assertIn("simulated time did not advance", run["message"])

  def test_bad_list_is_refused_with_file_and_line(self):
    """A bad list line is refused before anything runs, naming the file, the line and why."""
    cases = [
        ("nosuch.ini", "scenario 'nosuch.ini' not found"),
        ("default seeds=5-1", "bad seeds '5-1'"),
        ("default seeds=1,,2", "bad seeds"),
        ("default --no-such-option", "no-such-option"),
        ("default --cycles -5", "cycles"),
        ("default --seed 4", "use seeds=LIST"),
        ("default junk", "unexpected 'junk'"),
    ]
    for line, why in cases:
      lst = rc.write_list(self.path("bad.lst"), ["# fine so far", "default seeds=1", line])
      out = self.path("never")
      p = rc.regress([lst, "--out", out], env=self.env)
      self.assertEqual(p.returncode, 2, line)
      self.assertIn(f"{lst}:3: ", p.stderr, line)
      self.assertIn(why, p.stderr, line)
      self.assertFalse(os.path.exists(os.path.join(out, "runs")), f"{line}: something ran")
    p = rc.regress([self.path("missing.lst")], env=self.env)
    self.assertEqual(p.returncode, 2)
    self.assertIn("missing.lst: cannot read", p.stderr)
    empty = rc.write_list(self.path("empty.lst"), ["# nothing"])
    p = rc.regress([empty], env=self.env)
    self.assertEqual(p.returncode, 2)
    self.assertIn("no runs", p.stderr)

  def test_merged_shards_equal_local_run(self):
    """Two shards run apart and merged report what one local run of the matrix reports."""
    lst = rc.write_list(self.path("m.lst"), [
        "default seeds=1,2 " + " ".join(rc.SHORT), f"{rc.FAILS_INI} seeds=5 " + " ".join(rc.SHORT)
    ])
    local = self.path("local")
    p = rc.regress([lst, "--out", local, "-j", "2"], env=self.env)
    self.assertEqual(p.returncode, 1, p.stdout + p.stderr)  # fails.ini fails
    shards = []
    for k in (1, 2):
      d = self.path(f"shard{k}")
      p = rc.regress([lst, "--out", d, "-j", "1", "--shard", f"{k}/2"], env=self.env)
      self.assertEqual(p.returncode, 1 if k == 1 else 0, p.stdout + p.stderr)
      shards.append(d)
    merged = self.path("merged")
    p = rc.regress(["--merge"] + shards + ["--out", merged], env=self.env)
    self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
    self.assertEqual(rc.comparable_summary(rc.load_summary(merged)),
                     rc.comparable_summary(rc.load_summary(local)))
    self.assertEqual(rc.comparable_junit(os.path.join(merged, "junit.xml")),
                     rc.comparable_junit(os.path.join(local, "junit.xml")))
    # the merged report's links reach the shards' artefacts
    for run in rc.load_summary(merged)["runs"]:
      for f in run["artefacts"]["files"]:
        self.assertTrue(os.path.exists(os.path.join(merged, f)), f)
    p = rc.regress(["--merge", shards[0], "--out", self.path("half")], env=self.env)
    self.assertEqual(p.returncode, 2)
    self.assertIn("shard 2/2 is missing", p.stderr)
    p = rc.regress(["--merge", shards[0], shards[0], "--out", self.path("twice")], env=self.env)
    self.assertEqual(p.returncode, 2)
    self.assertIn("given twice", p.stderr)


if __name__ == "__main__":
  unittest.main(argv=[sys.argv[0]] + [f"Regress.{n}" for n in sys.argv[1:]])
