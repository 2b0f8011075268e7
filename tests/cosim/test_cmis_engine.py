#!/usr/bin/python3
"""CMIS through cpoemu: `cpoemu rtl --with-host` (the default design, the engine) and
`cpoemu model` over ipc, the Python client as host. CMIS byte k is the word at ENGINE address
ENGINE_OE_BASE + CMIS_BASE + 4k (rtl/addrmap.toml, block CMIS: rtl/cmis in the OE controller):
byte 0 is the SFF-8024 identifier 0x80 (co-packaged), byte 1 the CMIS revision 0x52 (5.2). Each
read costs its two-wire bus time in simulated time (39 us, 9 us for the next byte), which the
run's length leaves room for.

usage: test_cmis_engine.py   (environment: CPOEMU, CPO_SOURCE_DIR, PYTHONPATH with the
generated addrmap.py and cmis_map.py)
"""
import json
import os
import sys
import unittest

SRC = os.environ.get("CPO_SOURCE_DIR",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "host", "python"))
import addrmap  # noqa: E402  (generated: PYTHONPATH)
import cmis_map  # noqa: E402  (generated: PYTHONPATH)
import cpoemu_client as cc  # noqa: E402
import cpoemu_proc  # noqa: E402  (beside this file)

SCENARIO = os.path.join(SRC, "testbenches", "scenarios", "default.ini")
# At the default profile's ~13 cycles per ns, the two reads take ~650k cycles.
CYCLES = 1_500_000


def cmis_addr(byte):
  return addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + addrmap.CPO_ADDRMAP_CMIS_BASE + 4 * byte


class CmisThroughCpoemu(unittest.TestCase):

  def setUp(self):
    self.roles = cpoemu_proc.Roles()
    self.json = os.path.join(self.roles.dir, "rtl.json")
    run = [SCENARIO, "--cycles", str(CYCLES), "--quiet"]
    self.roles.spawn("rtl", *run, "--with-host", "--json", self.json)
    self.roles.spawn("model", *run)

  def tearDown(self):
    self.roles.close()

  def test_identifier_and_revision_read_through_the_engine_address(self):
    host = cc.Client(self.roles.endpoint, timeout_ms=60000).connect()
    t0 = host.now_ns()
    ident = host.read(cmis_addr(cmis_map.CPO_CMIS_LOWER_IDENTIFIER_OFFSET))
    rev = host.read(cmis_addr(cmis_map.CPO_CMIS_LOWER_REVISION_OFFSET))
    took_ns = host.now_ns() - t0
    host.close()
    codes = self.roles.wait(timeout_s=300)
    self.assertEqual(codes["rtl"], 0, self.roles.log_text())
    self.assertEqual(codes["model"], 0, self.roles.log_text())
    self.assertEqual(ident, 0x80, self.roles.log_text())
    self.assertEqual(rev, 0x52)
    # the management bus's cost: a random read (39 bit times) and the next byte (9) at 1 MHz
    self.assertGreaterEqual(took_ns, (39 + 9) * 1000)
    with open(self.json) as f:
      self.assertEqual(json.load(f)["cycles"], CYCLES)


if __name__ == "__main__":
  unittest.main()
