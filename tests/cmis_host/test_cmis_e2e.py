#!/usr/bin/python3
"""End to end: CMIS bring-up through cpoemu, from C (`cpoemu cmis bringup`) and from Python
(cpoemu_cmis.Cmis), for the 8-, 32/8- and 64-lane profiles.

For each profile, two runs of `cpoemu rtl --with-host` + `cpoemu model` with the same scenario:
one with the C tool as the host, one with the Python driver. Each must bring every lane the
module advertises to DPActivated (the C tool exits 0 saying so; the Python bringup returns),
both roles must exit 0, and the two runs' JSON must have the same reg_accesses and event_hash:
the C and Python drivers made identical register traces.

Skips (exit 77) while the engine has no CMIS block: the first access of either driver (byte 0)
answers a bus error.

usage: test_cmis_e2e.py --cpoemu PATH
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import cpoemu_client as cc  # noqa: E402
import cpoemu_cmis  # noqa: E402
import cpoemu_proc  # noqa: E402

ARGS = None
PROFILES = ["mrm-els-8x200g", "oif-3.2t", "mzm-6.4t"]
# Long enough for a cold bring-up within the advertised bounds (PwrUp 500 ms, DPInit 1 s, ...)
# at any profile's cycle rate; the host detaching ends nothing early.
CYCLES = "4000000000"
NO_CMIS = "the engine has no CMIS block"


class CmisBringup(unittest.TestCase):

  def _roles(self, profile, json_path):
    roles = cpoemu_proc.Roles(ARGS.cpoemu)
    self.addCleanup(roles.close)
    run = ["--profile", profile, "--cycles", CYCLES, "--quiet"]
    roles.spawn("rtl", "--with-host", "--json", json_path, *run)
    roles.spawn("model", *run)
    return roles

  def _finish(self, roles, json_path):
    for role, rc in roles.wait(timeout_s=1500).items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{roles.log_text()}")
    with open(json_path) as f:
      return json.load(f)

  def _c_run(self, profile, out_dir):
    json_path = os.path.join(out_dir, "c.json")
    roles = self._roles(profile, json_path)
    p = subprocess.run([ARGS.cpoemu, "cmis", "bringup", "--endpoint", roles.endpoint],
                       capture_output=True,
                       text=True,
                       timeout=1500)
    if p.returncode != 0 and NO_CMIS in p.stderr:
      self.skipTest(f"{NO_CMIS} yet (byte 0 answers PSLVERR): {p.stderr.strip()}")
    self.assertEqual(p.returncode, 0, f"{p.stdout}{p.stderr}\n{roles.log_text()}")
    self.assertRegex(p.stdout, r"bring-up: \d+ lanes DPActivated on AppSel 1")
    return self._finish(roles, json_path)

  def _py_run(self, profile, out_dir):
    json_path = os.path.join(out_dir, "py.json")
    roles = self._roles(profile, json_path)
    with cc.Client(roles.endpoint, timeout_ms=10000) as c:
      cmis = cpoemu_cmis.Cmis(c)
      try:
        cmis.present()  # as the C tool: byte 0 first
      except cc.CpoError as e:
        self.skipTest(f"{NO_CMIS} yet (byte 0 answers PSLVERR): {e}")
      cmis.bringup(1)  # raises naming the lane, state and bound unless every lane is Activated
      self.assertGreaterEqual(cmis.info["lanes"], 8)
    return self._finish(roles, json_path)

  def _check(self, profile):
    out_dir = tempfile.mkdtemp(prefix="cpo_cmis_e2e_")
    self.addCleanup(shutil.rmtree, out_dir, True)
    c = self._c_run(profile, out_dir)
    py = self._py_run(profile, out_dir)
    self.assertEqual((c["reg_accesses"], c["event_hash"]), (py["reg_accesses"], py["event_hash"]),
                     "the C and Python drivers' register traces differ")

  def test_bringup_8_lanes(self):
    self._check(PROFILES[0])

  def test_bringup_32_host_8_media_lanes(self):
    self._check(PROFILES[1])

  def test_bringup_64_lanes(self):
    self._check(PROFILES[2])


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ARGS, rest = ap.parse_known_args()
  result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
  if not result.wasSuccessful():
    sys.exit(1)
  sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)
