#!/usr/bin/python3
"""End to end: the Python Client against the real C side, over ipc.

Starts `cpoemu rtl --with-host` and `cpoemu model` on one ipc endpoint, then as the host: reads
the lanes block's ID register, writes and reads back SCRATCH, sleeps and checks that simulated
time advanced by exactly the requested cycles, detaches with BYE; finally both processes must
exit 0 and the ipc socket file must be gone.

usage: test_client_e2e.py --cpoemu PATH --regs PATH/lanes_regs.py
       [--lanes-base ADDR]
"""
import argparse
import importlib.util
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import cpoemu_client as cc  # noqa: E402
import cpoemu_proc  # noqa: E402

ARGS = None
ID_MAGIC = 0x43504F45  # "CPOE", the lanes block's ID register
# the lanes design: its block (ID, SCRATCH) at address 0, as --lanes-base says
RUN = ["--design", "lanes", "--cycles", "200000", "--latency", "64", "--quantum", "16"]
IDLE_TIMEOUT_MS = 3000


def load_regs(path):
  spec = importlib.util.spec_from_file_location("lanes_regs", path)
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod


class ClientEndToEnd(unittest.TestCase):

  def setUp(self):
    # Everything in the test's own directory: a second suite beside this one shares nothing.
    self.roles = cpoemu_proc.Roles(ARGS.cpoemu)
    self.sock = self.roles.sock
    self.endpoint = self.roles.endpoint
    self.json_path = os.path.join(self.roles.dir, "python_client_e2e.json")

  def tearDown(self):
    self.roles.close()

  def spawn(self, role, *extra):
    self.roles.spawn(role, *RUN, *extra)

  def log_text(self):
    return self.roles.log_text()

  def test_client_reads_writes_and_sleeps_against_the_real_rtl(self):
    regs = load_regs(ARGS.regs)
    id_addr = ARGS.lanes_base + regs.REGISTERS["ID"]["offset"]
    scratch_addr = ARGS.lanes_base + regs.REGISTERS["SCRATCH"]["offset"]

    self.spawn("rtl", "--with-host", "--json", self.json_path)
    self.spawn("model")
    try:
      with cc.Client(self.endpoint, timeout_ms=10000) as c:
        self.assertEqual((c.config.latency_cycles, c.config.quantum_cycles, c.config.total_cycles),
                         (64, 16, 200000))
        self.assertEqual(c.read(id_addr), ID_MAGIC)
        for value in (0xA5A5F00D, 0x5A5A0FF0):  # two values: a stale read cannot pass
          c.write(scratch_addr, value)
          self.assertEqual(c.read(scratch_addr), value)
        t0 = c.now()
        c.sleep_cycles(1000)
        self.assertEqual(c.now(), t0 + 1000)
        t1 = c.now()
        c.sleep_ns(100)
        self.assertEqual(c.now(), t1 + c.ns_to_cycles(100))
        self.assertGreater(c.now(), t1)
        t2 = c.now()
        self.assertEqual(c.read(id_addr), ID_MAGIC)
        self.assertGreater(c.now(), t2)  # a bus access takes simulated time
    except cc.CpoError as e:
      self.fail(f"{e}\n{self.log_text()}")

    for role, rc in self.roles.wait().items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")
    self.assertFalse(os.path.exists(self.sock), "the rtl left its ipc socket file behind")
    with open(self.json_path) as f:
      json.load(f)  # the run summary must at least be valid JSON

  def test_idle_host_outlives_the_rtl_timeout(self):
    """A script that pauses between calls (a person at a prompt, a long computation) is not
    declared dead: its keep-alive thread heartbeats while simulated time stands still.
    The timeout is 3 s, not less: on a loaded machine a thread can wait a second for a CPU, and
    this test is about idling, not about scheduling latency."""
    self.spawn("rtl", "--with-host", "--timeout-ms", str(IDLE_TIMEOUT_MS))
    self.spawn("model", "--timeout-ms", str(IDLE_TIMEOUT_MS))
    try:
      with cc.Client(self.endpoint, timeout_ms=IDLE_TIMEOUT_MS) as c:
        self.assertEqual(c.read(ARGS.lanes_base), ID_MAGIC)
        t0 = c.now()
        # Idle until the keep-alive thread has taken 8 of the rtl's HEARTBEATs (one per
        # timeout/4: two timeouts). Wall time passing is the point; the rtl staying alive and
        # the client's receive state advancing are the condition (the deadline is generous).
        seq0, deadline = c._rx.next_seq, time.monotonic() + 120
        while c._rx.next_seq < seq0 + 8:
          self.assertLess(time.monotonic(), deadline,
                          "the rtl's heartbeats stopped reaching the idle client")
          time.sleep(0.05)
        self.assertEqual(c.now(), t0)
        self.assertEqual(c.read(ARGS.lanes_base), ID_MAGIC)
    except cc.CpoError as e:
      self.fail(f"{e}\n{self.log_text()}")
    for role, rc in self.roles.wait().items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")
    self.assertNotIn("silent", self.log_text())

  def test_a_refused_message_leaves_the_session_usable_to_its_bye(self):
    """The rtl refuses a message no host may send (SLEEP_DONE: UNEXPECTED) and changes nothing:
    exactly one of the next two calls raises the refusal, the session goes on, and close()
    detaches with BYE, so the run ends on time and clean (not "peer host silent")."""
    self.spawn("rtl", "--with-host", "--timeout-ms", str(IDLE_TIMEOUT_MS))
    self.spawn("model", "--timeout-ms", str(IDLE_TIMEOUT_MS))
    refusals = []
    with cc.Client(self.endpoint, timeout_ms=10000) as c:
      with c._lock:
        c._send(cc.Message(cc.MsgType.SLEEP_DONE))
      for _ in range(2):
        try:
          self.assertEqual(c.read(ARGS.lanes_base), ID_MAGIC)
        except cc.CpoError as e:
          refusals.append(str(e))
      self.assertEqual(len(refusals), 1, refusals)
      self.assertRegex(refusals[0], "UNEXPECTED.*SLEEP_DONE")
      self.assertEqual(c.read(ARGS.lanes_base), ID_MAGIC)
    for role, rc in self.roles.wait().items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")
    self.assertNotIn("silent", self.log_text())
    self.assertIn("SLEEP_DONE is not a host request", self.log_text())

  def test_run_without_host_refuses_a_host_unless_it_allows_an_attach(self):
    """Only the session's peers affect a run: a --no-host rtl refuses a host HELLO by name; one
    started with --allow-attach serves it mid-run and lists the attach and detach in its JSON."""
    self.spawn("rtl", "--no-host", "--cycles", "200000", "--profile", "loopback")
    self.spawn("model", "--cycles", "200000", "--profile", "loopback")
    with self.assertRaisesRegex(cc.CpoError, "--allow-attach"):
      with cc.Client(self.endpoint, timeout_ms=10000):
        pass
    for role, rc in self.roles.wait().items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")

  def test_host_attaches_mid_run_when_allowed_and_is_on_record(self):
    self.spawn("rtl", "--no-host", "--allow-attach", "--cycles", "200000", "--profile", "loopback",
               "--json", self.json_path)
    self.spawn("model", "--cycles", "200000", "--profile", "loopback")
    try:
      with cc.Client(self.endpoint, timeout_ms=10000) as c:
        self.assertEqual(c.read(ARGS.lanes_base), ID_MAGIC)  # the first request is not refused
        attached_at = c.now()
    except cc.CpoError as e:
      self.fail(f"{e}\n{self.log_text()}")
    for role, rc in self.roles.wait().items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")
    with open(self.json_path) as f:
      res = json.load(f)
    peers = res["peers"]
    hosts = [p for p in peers if p["role"] == "host"]
    self.assertEqual([p["event"] for p in hosts], ["attach", "detach"], peers)
    self.assertLessEqual(hosts[0]["cycle"], attached_at)
    # the model's final detach, after the last quantum, is on the record too
    self.assertEqual([(p["event"], p["cycle"]) for p in peers if p["role"] == "model"],
                     [("attach", 0), ("detach", 200000)], peers)
    self.assertIn("host attached at cycle", self.log_text())
    self.assertIn("host detached at cycle", self.log_text())
    self.assertIn("--allow-attach", res["reproduce"])

  def test_direct_rtl_with_an_endpoint_refuses_a_model_by_name(self):
    """A direct run has no model: one that tries to join is told so, not left to time out."""
    self.spawn("rtl", "--direct", "--no-host", "--cycles", "100000000", "--profile", "loopback")
    with self.assertRaisesRegex(cc.CpoError, "--allow-attach"):
      with cc.Client(self.endpoint, timeout_ms=10000):
        pass
    self.roles.spawn("model", *RUN, "--profile", "loopback")
    rc = self.roles.procs["model"].wait(timeout=120)
    self.assertEqual(rc, 3, self.log_text())
    self.assertIn("direct", self.log_text())

  def test_direct_run_with_and_without_host(self):
    """`run --direct` runs the design alone (no model); with the built-in host it serves it."""
    import subprocess
    for extra in ([], ["--no-host"]):
      path = os.path.join(ARGS.workdir or self.roles.dir, "direct.json")
      p = subprocess.run(
          [ARGS.cpoemu, "run", "--direct", "--cycles", "20000", "--quiet", "--json", path, *extra],
          capture_output=True,
          text=True,
          timeout=120)
      self.assertEqual(p.returncode, 0, f"{extra}: {p.stdout}{p.stderr}")
      with open(path) as f:
        self.assertEqual(json.load(f)["result"], "pass")


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ap.add_argument("--regs", required=True)
  ap.add_argument("--workdir")  # accepted for old command lines; each test has its own directory
  ap.add_argument("--lanes-base", type=lambda s: int(s, 0), default=0)
  ARGS, rest = ap.parse_known_args()
  unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
