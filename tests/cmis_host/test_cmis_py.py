#!/usr/bin/python3
"""cpoemu_cmis's pure logic and CmisEeprom on a fake client (a select pair that refuses pages
above 0x20 and banks above 1, and a byte store per (bank, page)), and its external laser source
calls on a fake paged module, access for access as the C driver (test_cmis_decode.c): no
simulation."""
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

  def test_a_probed_driver_trusts_an_advertised_bank(self):
    """After a probe, a bank page 01h advertises is selected without reading it back (the page
    still is); a bank beyond them is read back and refused. The C driver does the same."""
    c = FakeClient()
    c.mem[(0, 1, m.CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET)] = 1  # banks 0-1
    d = cm.Cmis(c)
    self.assertEqual(d.probe()["banks"], 2)
    c.log.clear()
    d.read(1, 0x11, 130)
    self.assertEqual(c.log, [("w", 126, 1), ("w", 127, 0x11), ("r", 127), ("r", 130)])
    c.log.clear()
    with self.assertRaisesRegex(cm.CmisError, "refused bank 0x02: byte 126 reads back 0x01"):
      d.read(2, 0x11, 130)
    self.assertEqual(c.log, [("w", 126, 2), ("r", 126)])

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


# ---- The external laser source: pages 1Ah/1Bh -------------------------------------------------


def els_images():
  """test_cmis_decode.c's s_els_images: 6 ELS lanes, every state in both state bytes."""
  p1a, p1b = bytearray(256), bytearray(256)
  p1a[m.CPO_CMIS_P1A_ELS_LANES_OFFSET] = 6
  p1a[m.CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET] = 0x03
  p1a[m.CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + 1] = 0x04
  p1a[m.CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET] = 0x2D
  p1a[m.CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET:m.CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET + 2] = b"\x92\xc9"
  p1a[m.CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET] = 0x05
  p1a[m.CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET:m.CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET + 2] = b"\x59\x54"
  p1a[m.CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET] = 0x01
  p1a[m.CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET] = 0x20

  def put(off, v):
    p1b[off:off + 2] = v.to_bytes(2, "big")

  put(m.CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET + 2, 40000)
  put(m.CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET + 10, 10000)
  p1b[m.CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET] = 0xFE
  put(m.CPO_CMIS_P1B_ELS_BIAS_OFFSET, 37000)
  put(m.CPO_CMIS_P1B_ELS_POWER_OFFSET, 0xFFFF)
  put(m.CPO_CMIS_P1B_ELS_TEMP_OFFSET, 0xF380)
  put(m.CPO_CMIS_P1B_ELS_TEMP_OFFSET + 10, 0x2340)
  return p1a, p1b


class FakeModule:
  """test_cmis_decode.c's fake module: every CMIS byte of one bank, a page select that refuses
  what the module does not advertise (1Ah/1Bh only with els), latched 1Ah 200-201, and the same
  compact access log ("rFIRST-LAST" for consecutive reads, "wB=VV")."""

  def __init__(self, els):
    self.els = els
    self.bank = self.page = 0
    self.lower = bytearray(128)
    self.upper = {p: bytearray(128) for p in range(256)}
    self.lower[m.CPO_CMIS_LOWER_IDENTIFIER_OFFSET] = 0x80
    self.lower[m.CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET] = 0xFF
    if els:
      p1a, p1b = els_images()
      self.upper[m.CPO_CMIS_PAGE_P1A][:] = p1a[128:]
      self.upper[m.CPO_CMIS_PAGE_P1B][:] = p1b[128:]
    self.reset_log()

  def reset_log(self):
    self.items, self._run = [], None

  @property
  def log(self):
    return " ".join(self.items)

  def _page_ok(self, page):
    return page in (0, 1, 2, 0x10, 0x11, 0x9F) or (self.els and page in (0x1A, 0x1B))

  def read(self, addr):
    k = (addr - cm.ENGINE_BASE) // 4
    if self._run is not None and k == self._run[1] + 1:
      self._run[1] = k
      self.items[-1] = f"r{self._run[0]}-{k}"
    else:
      self._run = [k, k]
      self.items.append(f"r{k}")
    if k == m.CPO_CMIS_LOWER_BANK_SELECT_OFFSET:
      return self.bank
    if k == m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET:
      return self.page
    if k < 128:
      return self.lower[k]
    v = self.upper[self.page][k - 128]
    if self.page == m.CPO_CMIS_PAGE_P1A and k in (m.CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET,
                                                  m.CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET):
      self.upper[self.page][k - 128] = 0  # latched: clear on read
    return v

  def write(self, addr, v):
    k = (addr - cm.ENGINE_BASE) // 4
    self.items.append(f"w{k}={v:02x}")
    self._run = None
    if k == m.CPO_CMIS_LOWER_BANK_SELECT_OFFSET:
      self.bank = v if v == 0 else self.bank
    elif k == m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET:
      self.page = v if self._page_ok(v) else self.page
    elif k < 128:
      self.lower[k] = v
    else:
      self.upper[self.page][k - 128] = v


# The accesses each call makes: test_cmis_decode.c's S_TRACE_* for the C driver, string for string
# (the two drivers' register traces stay equal).
ELS_TRACE = {
    "probe": "r0-2 r86-117 w127=01 r127-255",
    "els_lanes": "w126=00 w127=1a r127-129",
    "read": "r208-209 r220-223 r232-247 w127=1b r127-160 r184-231",
    "enable": "w127=1a r127 w220=00",
    "setpoint": "w127=1b r127 w128=75 w129=30 w144=27 w145=10 r160 w160=ff",
    "flags": "r8-9 w127=11 r127 r134-152 w127=1a r127 r200-201",
    "els_lanes_no_els": "w126=00 w127=1a r127",
}


class Els(unittest.TestCase):

  def test_pages_decode(self):
    p1a, p1b = els_images()
    lanes = cm.decode_els(p1a, p1b)
    self.assertEqual(len(lanes), 6)
    S = m.ElsLaneState
    self.assertEqual([cm.els_state_of(p1a, l) for l in range(8)],
                     [S.ON, S.OFF, S.RAMPING, S.ON, S.RAMPING, S.ON, S.OFF, 3])
    self.assertEqual([d["state"] for d in lanes], [S.ON, S.OFF, S.RAMPING, S.ON, S.RAMPING, S.ON])
    self.assertEqual([d["enabled"] for d in lanes], [True, False, True, True, False, True])
    self.assertEqual([d["fibre_checked"] for d in lanes], [True, False, True, False, False, False])
    self.assertEqual([d["mode"] for d in lanes], ["current"] + ["power"] * 5)
    l0, l1, l5 = lanes[0], lanes[1], lanes[5]
    self.assertAlmostEqual(l0["freq_thz"], 228.68)
    self.assertEqual((l0["bias_setpoint_a"], l0["power_setpoint_w"]), (0.0, 0.0))
    self.assertAlmostEqual(l1["bias_setpoint_a"], 0.4)
    self.assertAlmostEqual(l5["power_setpoint_w"], 0.1)
    self.assertAlmostEqual(l0["bias_a"], 0.37)
    self.assertAlmostEqual(l0["power_w"], 0.65535)  # unsigned
    self.assertEqual((l0["temp_degc"], l5["temp_degc"]), (-12.5, 35.25))  # signed
    p1a[m.CPO_CMIS_P1A_ELS_LANES_OFFSET] = 9
    self.assertEqual(len(cm.decode_els(p1a, p1b)), 8)

  def test_setpoints_encode_as_the_c_driver(self):
    self.assertEqual([cm.els_setpoint_code(v) for v in (0.37, 0.123456, 0.65535, 0.0)],
                     [37000, 12346, 0xFFFF, 0])
    for v in (0.655355, -1e-3, float("nan"), float("inf")):
      self.assertIsNone(cm.els_setpoint_code(v))

  def test_driver_calls_and_their_accesses(self):
    mod = FakeModule(els=True)
    cmis = cm.Cmis(mod)
    info = cmis.probe()
    self.assertEqual(mod.log, ELS_TRACE["probe"])  # the probe leaves page 1Ah alone
    mod.reset_log()
    self.assertEqual(cmis.els_lanes(), 6)
    self.assertEqual(mod.log, ELS_TRACE["els_lanes"])
    mod.reset_log()
    self.assertEqual(cmis.els_lanes(), 6)  # answered: no access
    self.assertEqual(mod.log, "")
    self.assertEqual((info["els_lanes"], info["els_modes"]), (6, 3))
    mod.reset_log()
    lanes = cmis.els()
    self.assertEqual(mod.log, ELS_TRACE["read"])  # not 200-201: the flags stay latched
    self.assertEqual((len(lanes), lanes[5]["state"], lanes[0]["temp_degc"]),
                     (6, m.ElsLaneState.ON, -12.5))
    mod.reset_log()
    cmis.set_els_enable(0x00)
    self.assertEqual(mod.log, ELS_TRACE["enable"])
    mod.reset_log()
    cmis.set_els_setpoint(0, bias_a=0.3, power_w=0.1, mode="power")
    self.assertEqual(mod.log, ELS_TRACE["setpoint"])
    mod.reset_log()
    cmis.set_els_setpoint(0, mode="power")
    self.assertEqual(mod.log, "r160")
    mod.reset_log()
    cmis.set_els_setpoint(0, mode="current")
    self.assertEqual(mod.log, "r160 w160=fe")
    mod.reset_log()
    f = cmis.flags()
    self.assertEqual(mod.log, ELS_TRACE["flags"])
    self.assertEqual((f["els_state_changed"], f["els_lane_fault"]), (0x01, 0x20))
    f = cmis.flags()
    self.assertEqual((f["els_state_changed"], f["els_lane_fault"]), (0, 0))  # cleared
    # Refusals change nothing: checked before the first write.
    mod.reset_log()
    with self.assertRaisesRegex(cm.CmisError, "^ELS lane 7: the source has lanes 1-6$"):
      cmis.set_els_setpoint(6, bias_a=0.3)
    with self.assertRaisesRegex(
        cm.CmisError, r"^ELS lane 2: power setpoint 0.7 W is not within 0-0.65535 W "
        r"\(10 uW steps\)$"):
      cmis.set_els_setpoint(1, bias_a=0.3, power_w=0.7, mode="power")
    with self.assertRaisesRegex(cm.CmisError,
                                r"^page 1Ah byte 202 is not an ELS flag \(200-201\)$"):
      cmis.set_els_flag_mask(202, 0x01)
    self.assertEqual(mod.log, "")
    mod.upper[m.CPO_CMIS_PAGE_P1A][m.CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET - 128] = 0x01
    cmis.probe()  # current control only
    with self.assertRaisesRegex(cm.CmisError, r"control mode 2 not advertised \(modes 0x01\)"):
      cmis.set_els_setpoint(0, mode="power")
    mod.reset_log()
    cmis.set_els_flag_mask(m.CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET, 0x21)
    self.assertEqual(mod.log, "w209=21")

  def test_refused_page_means_no_external_laser_source(self):
    mod = FakeModule(els=False)
    cmis = cm.Cmis(mod)
    cmis.probe()
    mod.reset_log()
    self.assertEqual(cmis.els_lanes(), 0)
    self.assertEqual(mod.log, ELS_TRACE["els_lanes_no_els"])
    self.assertEqual(mod.page, 0x01)  # the select of 1Ah was refused
    mod.reset_log()
    for call in (cmis.els, lambda: cmis.set_els_enable(0), lambda: cmis.set_els_setpoint(0, 0.3),
                 lambda: cmis.set_els_flag_mask(200, 0)):
      with self.assertRaisesRegex(cm.CmisError,
                                  "^" + cm.NO_ELS.replace("(", r"\(").replace(")", r"\)") + "$"):
        call()
    self.assertEqual(mod.log, "")
    f = cmis.flags()  # page 1Ah left alone
    self.assertEqual(mod.log, "r8-9 w127=11 r127 r134-152")
    self.assertEqual((f["els_state_changed"], f["els_lane_fault"]), (0, 0))


if __name__ == "__main__":
  unittest.main()
