#!/usr/bin/python3
"""cpoemu_cmis's pure logic and CmisEeprom on a fake client (a select pair that refuses pages
above 0x20 and banks above 1, and a byte store per (bank, page)): no simulation."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "python"))
import cpoemu_cmis as cm  # noqa: E402

m = cm.m


class FakeClient:
  """Registers at ENGINE_BASE + 4k answer CMIS byte k of the selected view."""

  def __init__(self):
    self.bank = self.page = 0
    self.mem = {}
    self.log = []

  def _key(self, k):
    if k < 128:
      return (None, None, k)
    return (self.bank if self.page >= 0x10 else 0, self.page, k)

  def read(self, addr):
    k = (addr - cm.ENGINE_BASE) // 4
    self.log.append(("r", k))
    if k == 126:
      return self.bank
    if k == 127:
      return self.page
    return self.mem.get(self._key(k), 0)

  def write(self, addr, v):
    k = (addr - cm.ENGINE_BASE) // 4
    self.log.append(("w", k, v))
    if k == 126:
      self.bank = v if v < 2 else self.bank
    elif k == 127:
      self.page = v if v <= 0x20 else self.page
    else:
      self.mem[self._key(k)] = v


class PureLogic(unittest.TestCase):

  def test_checksums_match_the_c_driver(self):
    self.assertEqual(cm.cdb_chk([0] * 8), 0xFF)
    self.assertEqual(cm.cdb_chk([1, 0, 0, 0, 0, 0x77, 0, 0]), 0xFE)
    self.assertEqual(cm.cdb_chk([1, 0, 0, 0, 3, 0, 0, 0], bytes([0x80, 0x80, 5])), 0xF6)
    self.assertEqual(cm.rpl_chk(bytes([7, 1, 1, 0, 0, 0])), 0xF6)

  def test_threshold_bytes_match_the_c_driver(self):
    # cpo_cmis_thresholds_encode: rounded half away from zero, saturated
    self.assertEqual(cm._put16(0.4e-3, 0.1e-6, False), (4000).to_bytes(2, "big"))
    self.assertEqual(cm._put16(-5.0, 1.0 / 256, True), bytes([0xFB, 0x00]))
    self.assertEqual(cm._put16(1.0, 0.1e-6, False), bytes([0xFF, 0xFF]))
    self.assertEqual(cm._put16(-1.0, 2e-6, False), bytes([0, 0]))

  def test_durations_and_apps(self):
    p01 = bytearray(256)
    p01[m.CPO_CMIS_P01_DUR_DP_OFFSET] = 0x06
    p01[m.CPO_CMIS_P01_DUR_MODULE_OFFSET] = 0x25
    p01[m.CPO_CMIS_P01_DUR_TX_OFFSET] = 0xF2
    d = cm.parse_durations(p01)
    self.assertEqual((d["dp_init_ms"], d["dp_deinit_ms"], d["module_pwr_up_ms"],
                      d["module_pwr_dn_ms"], d["dp_tx_on_ms"], d["dp_tx_off_ms"]),
                     (1000, 1, 500, 10, 10, 6000000))
    lower = bytearray(256)
    lower[86:91] = bytes([0x80, 0x73, 0x11, 0xFF, 0xFF])
    self.assertEqual(cm.parse_apps(lower, p01), [(0x80, 0x73, 1, 1, 0xFF, 0)])

  def test_monitor_units(self):
    self.assertEqual(cm.temp_degc(bytes([0xFB, 0x00]), 0), -5.0)
    self.assertAlmostEqual(cm.vcc_v(bytes([0x80, 0xE8]), 0), 3.3)
    self.assertAlmostEqual(cm.power_w(bytes([0x27, 0x10]), 0), 1e-3)
    self.assertAlmostEqual(cm.tx_bias_a(bytes([0x9C, 0x40]), 0), 80e-3)


class DataPaths(unittest.TestCase):

  def test_dp_plan_as_the_c_driver(self):
    apps = [(0x80, 0x73, 1, 1, 0xFF, 0xFF), (0x4B, 0x73, 4, 1, 0x11, 0xFF),
            (0x4B, 0x73, 4, 1, 0x01, 0xFF)]
    self.assertEqual(cm.dp_plan(apps, 1, 16), list(range(16)))
    self.assertEqual(cm.dp_plan(apps, 2, 32), [l - l % 4 for l in range(32)])
    with self.assertRaisesRegex(cm.CmisError,
                                "cannot start on lane 5 \\(host lane options 0x01\\)"):
      cm.dp_plan(apps, 3, 32)
    with self.assertRaisesRegex(cm.CmisError, "AppSel 4: the module advertises applications 1-3"):
      cm.dp_plan(apps, 4, 32)


class PythonStack:
  """How an existing Python CMIS stack (e.g. SONiC's sonic_platform_base CmisApi over an
  XcvrEeprom) reads a module: read(offset, n) over the linear space, the identifier at 0, the
  module state at byte 3, the vendor name at page 00h bytes 129-144 (linear 129-144: page 00h's
  upper half follows the lower page), and writes page selects only through the EEPROM."""

  def __init__(self, eeprom):
    self.e = eeprom

  def identifier(self):
    return {0x18: "QSFP-DD", 0x19: "OSFP", 0x80: "CPO"}.get(self.e.read(0, 1)[0], "unknown")

  def module_state(self):
    return {
        1: "LowPwr",
        2: "PwrUp",
        3: "Ready",
        4: "PwrDn",
        5: "Fault"
    }[(self.e.read(3, 1)[0] >> 1) & 7]

  def vendor_name(self):
    return self.e.read(129, 16).decode("ascii").strip()

  def dp_state(self, lane):  # lane from 1; bank (lane - 1) // 8, page 11h bytes 128-131
    bank, l = divmod(lane - 1, 8)
    b = self.e.read((bank * 256 + 0x11) * 128 + 128 + l // 2, 1)[0]
    return b >> 4 if l % 2 else b & 0x0F


class Eeprom(unittest.TestCase):

  def test_a_python_stack_decodes_identity_and_state(self):
    c = FakeClient()
    c.mem[(None, None, 0)] = 0x80
    c.mem[(None, None, 3)] = 1 << 1  # ModuleLowPwr
    for k, ch in enumerate(b"CPOEMU          "):
      c.mem[(0, 0, 129 + k)] = ch
    c.mem[(1, 0x11, 129)] = 0x47  # bank 1, page 11h: lanes 11 (7) and 12 (4)
    stack = PythonStack(cm.CmisEeprom(c))
    self.assertEqual((stack.identifier(), stack.module_state(), stack.vendor_name()),
                     ("CPO", "LowPwr", "CPOEMU"))
    self.assertEqual((stack.dp_state(11), stack.dp_state(12)), (7, 4))
    self.assertEqual((c.bank, c.page), (1, 0x11))  # the EEPROM selected them, read back

  def test_linear_reads_and_writes_select_once_and_verify(self):
    c = FakeClient()
    e = cm.CmisEeprom(c)
    c.mem[(1, 0x11, 130)] = 0xAB
    self.assertEqual(e.read(m.linear(1, 0x11, 130), 1), b"\xab")
    self.assertEqual(c.log, [("w", 126, 1), ("w", 127, 0x11), ("r", 126), ("r", 127), ("r", 130)])
    c.log.clear()
    self.assertEqual(e.read(m.linear(1, 0x11, 131), 1), b"\x00")
    self.assertEqual(c.log, [("r", 131)])  # selected already
    e.write(m.linear(0, 0x1F, 254), b"\x01\x02\x03\x04")  # crosses into page 20h
    self.assertEqual((c.mem[(0, 0x1F, 255)], c.mem[(0, 0x20, 128)], c.mem[(0, 0x20, 129)]),
                     (2, 3, 4))
    self.assertEqual(e.read(5, 1), b"\x00")  # the lower page: no select
    with self.assertRaisesRegex(cm.CmisError, "refused page 0x9f: byte 127 reads back 0x20"):
      e.read(m.linear(0, 0x9F, 128), 1)
    with self.assertRaisesRegex(cm.CmisError, "refused bank 0x02"):
      e.read(m.linear(2, 0x10, 128), 1)


if __name__ == "__main__":
  unittest.main()
