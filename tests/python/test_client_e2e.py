#!/usr/bin/python3
"""End to end: the Python Client against the real C side, over ipc.

Starts `cpoemu rtl --with-host` and `cpoemu model` on one ipc endpoint, then as the host: reads
the lanes block's ID register, writes and reads back SCRATCH, sleeps and checks that simulated
time advanced by exactly the requested cycles, detaches with BYE; finally both processes must
exit 0 and the ipc socket file must be gone.

usage: test_client_e2e.py --cpoemu PATH --regs PATH/lanes_regs.py [--workdir DIR]
       [--lanes-base ADDR]
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host",
                                "python"))
import cpoemu_client as cc  # noqa: E402

ARGS = None
ID_MAGIC = 0x43504F45  # "CPOE", the lanes block's ID register
RUN = ["--cycles", "200000", "--latency", "64", "--quantum", "16"]


def load_regs(path):
  spec = importlib.util.spec_from_file_location("lanes_regs", path)
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod


class ClientEndToEnd(unittest.TestCase):

  def setUp(self):
    self.sockdir = tempfile.mkdtemp(prefix="cpo_e2e_")  # short path: ipc paths are < 108 bytes
    self.sock = os.path.join(self.sockdir, "rtl.sock")
    self.endpoint = f"ipc://{self.sock}"
    self.workdir = ARGS.workdir or self.sockdir
    os.makedirs(self.workdir, exist_ok=True)
    self.json_path = os.path.join(self.workdir, "python_client_e2e.json")
    if os.path.exists(self.json_path):
      os.unlink(self.json_path)
    self.procs = {}
    self.logs = {}

  def tearDown(self):
    for p in self.procs.values():
      if p.poll() is None:
        p.kill()
        p.wait()
    for f in self.logs.values():
      f.close()
    shutil.rmtree(self.sockdir, ignore_errors=True)

  def spawn(self, role, *extra):
    log = open(os.path.join(self.workdir, f"python_client_e2e_{role}.log"), "w+")
    self.logs[role] = log
    self.procs[role] = subprocess.Popen(
        [ARGS.cpoemu, role, "--endpoint", self.endpoint, *RUN, *extra],
        stdout=log, stderr=subprocess.STDOUT)

  def log_text(self):
    out = []
    for role, f in self.logs.items():
      f.flush()
      f.seek(0)
      out.append(f"--- {role} (exit {self.procs[role].poll()}) ---\n{f.read()[-3000:]}")
    return "\n".join(out)

  def test_client_reads_writes_and_sleeps_against_the_real_rtl(self):
    regs = load_regs(ARGS.regs)
    id_addr = ARGS.lanes_base + regs.REGISTERS["ID"]["offset"]
    scratch_addr = ARGS.lanes_base + regs.REGISTERS["SCRATCH"]["offset"]

    self.spawn("rtl", "--with-host", "--json", self.json_path)
    self.spawn("model")
    try:
      with cc.Client(self.endpoint, timeout_ms=10000) as c:
        self.assertEqual((c.config.latency_cycles, c.config.quantum_cycles,
                          c.config.total_cycles), (64, 16, 200000))
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

    for role, p in self.procs.items():
      try:
        rc = p.wait(timeout=120)
      except subprocess.TimeoutExpired:
        self.fail(f"{role} did not exit after the host detached\n{self.log_text()}")
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{self.log_text()}")
    self.assertFalse(os.path.exists(self.sock), "the rtl left its ipc socket file behind")
    with open(self.json_path) as f:
      json.load(f)  # the run summary must at least be valid JSON


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ap.add_argument("--regs", required=True)
  ap.add_argument("--workdir")
  ap.add_argument("--lanes-base", type=lambda s: int(s, 0), default=0)
  ARGS, rest = ap.parse_known_args()
  unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
