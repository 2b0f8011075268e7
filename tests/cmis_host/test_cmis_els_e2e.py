#!/usr/bin/python3
"""End to end, the external laser source's CMIS pages 1Ah/1Bh through cpoemu (needs the
verilated engine): `cpoemu rtl --with-host` + `cpoemu model`, with the Python driver
(cpoemu_cmis.Cmis) or the C tool (`cpoemu cmis`) as the host.

- mrm-els-8x200g (one ELS laser feeding all 8 media lanes), calibrated start: the driver finds 1
  ELS lane; 1Ah says it is ON, enabled and fibre-checked at the profile's 1311 nm; 1Bh's monitors
  read a drive and a power above 0 at a sane temperature. Setpoints and the control mode reach
  the OE's ELS_SETPOINT/ELS_CTRL (what the firmware obeys). Disabling the lane: the bias monitor
  reads 0 at the next monitor sample (10 ms of simulated time) and every media lane latches Rx
  LOS; re-enabled, the lane stays dark (no firmware runs to ramp it: the bias monitor 0, Rx LOS
  latching) until a drive is written to its laser, then the drive is back and Rx LOS stops.
- mzm-6.4t (its lasers its own): the page select refuses 1Ah (byte 127 keeps its value), the
  driver finds no ELS and every ELS call says "no external laser source".
- The C tool: `cpoemu cmis dump` prints the "External laser source" section (mrm-els-8x200g) or
  one "none" line (mzm-6.4t); `cpoemu cmis peek 0 1Ah 128` reads the ELS lanes, or names the
  refused page.

The lanes are parked (OE STREAM_EN 0) in the Python runs: the monitors need no traffic and the run
skips the cycles between accesses; the datapath runs at 10 MHz (a CMIS byte costs ~40 us of
simulated time at any clock, far fewer cycles at this one).

Skips (exit 77) while the engine has no CMIS block: byte 0 answers a bus error.

usage: test_cmis_els_e2e.py --cpoemu PATH [--timeout-s S] [unittest args]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import addrmap  # noqa: E402  (generated: BUILD/rtl/generated)
import analog_channels  # noqa: E402
import cpoemu_client as cc  # noqa: E402
import cpoemu_cmis  # noqa: E402
import cpoemu_proc  # noqa: E402
import oe_regs  # noqa: E402

ARGS = None
m = cpoemu_cmis.m
CLOCK_MHZ = 10
# profile: (the engine design's symbols per cycle, ELS lanes, media lanes)
PROFILES = {"mrm-els-8x200g": (8, 1, 8), "mzm-6.4t": (8, 0, 64)}
MON_MS = 10  # the module's monitor period (MonPeriodUs)
FREQ_THZ = 299792458 / 1.311e-6 / 1e12  # mrm-els-8x200g's laser at its reference temperature
NO_CMIS = "the engine has no CMIS block"
OE = addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + addrmap.CPO_ADDRMAP_OE_MGMT_BASE


def _run_args(profile, run_ms, lanes=None):
  spc = PROFILES[profile][0]
  return (["--lanes", str(lanes)] if lanes else []) + [
      "--profile", profile, "--quiet", "--expect-min-locked-lanes", "0", "--expect-min-bits", "0",
      "--expect-max-ber", "1", "--baud-hz",
      str(CLOCK_MHZ * 1000000 * spc), "--cycles",
      str(run_ms * 1000 * CLOCK_MHZ)
  ]


def _field(v, reg, field):
  mask, shift = (getattr(oe_regs, f"CPO_OE_{reg}_{field}_{k}") for k in ("MASK", "SHIFT"))
  return (v & mask) >> shift


class ElsE2e(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="cpo_cmis_els_")
    self.addCleanup(shutil.rmtree, self.dir, True)

  def _roles(self, profile, run_ms, lanes=None):
    self.json_path = os.path.join(self.dir, f"{profile}.json")
    roles = cpoemu_proc.Roles(ARGS.cpoemu)
    self.addCleanup(roles.close)
    run = _run_args(profile, run_ms, lanes)
    roles.spawn("rtl", "--with-host", "--json", self.json_path, *run)
    roles.spawn("model", *run)
    return roles

  def _finish(self, roles):
    for role, rc in roles.wait(timeout_s=ARGS.timeout_s).items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{roles.log_text()}")

  def _python(self, profile, run_ms, body):
    roles = self._roles(profile, run_ms)
    try:
      with cc.Client(roles.endpoint, timeout_ms=10000) as client:
        cmis = cpoemu_cmis.Cmis(client)
        try:
          cmis.present()
        except cc.CpoError as e:
          self.skipTest(f"{NO_CMIS} yet (byte 0 answers PSLVERR): {e}")
        client.write(OE + oe_regs.CPO_OE_STREAM_EN_LO_OFFSET, 0)  # parked: the run skips
        client.write(OE + oe_regs.CPO_OE_STREAM_EN_HI_OFFSET, 0)
        body(cmis, client)
        cmis.hold_to_end()
    except cc.CpoError as e:
      self.fail(f"{e}\n{roles.log_text()}")
    self._finish(roles)

  def _tool(self, profile, run_ms, *args, lanes=None):
    """`cpoemu cmis ARGS --endpoint` as the host: (exit code, stdout, stderr). The tool's run
    streams (a tool cannot park it): @lanes fewer than the profile's keep it short."""
    roles = self._roles(profile, run_ms, lanes)
    p = subprocess.run([ARGS.cpoemu, "cmis", *args, "--endpoint", roles.endpoint],
                       capture_output=True,
                       text=True,
                       timeout=ARGS.timeout_s)
    if p.returncode != 0 and NO_CMIS in p.stderr:
      self.skipTest(f"{NO_CMIS} yet (byte 0 answers PSLVERR): {p.stderr.strip()}")
    self._finish(roles)
    return p.returncode, p.stdout, p.stderr

  # -- the Python driver ---------------------------------------------------------------------
  def test_els_pages_enable_and_setpoints_mrm_els(self):

    def body(cmis, client):
      info = cmis.probe()
      self.assertEqual(cmis.els_lanes(), 1)
      self.assertEqual(info["els_modes"], 0x03)
      client.sleep_ns(int(1.2 * MON_MS * 1e6))  # a monitor sample of converted values
      (l0,) = cmis.els()
      self.assertEqual(l0["state"], m.ElsLaneState.ON, f"a calibrated start: {l0}")
      self.assertTrue(l0["enabled"] and l0["fibre_checked"], f"a calibrated start: {l0}")
      self.assertEqual((l0["mode"], l0["bias_setpoint_a"], l0["power_setpoint_w"]),
                       ("power", 0.0, 0.0), f"the reset values: {l0}")
      self.assertAlmostEqual(l0["freq_thz"], FREQ_THZ, delta=0.0101)
      self.assertGreater(l0["bias_a"], 0.1, f"the laser is driven: {l0}")
      self.assertGreater(l0["power_w"], 0.0, f"the laser emits: {l0}")
      self.assertTrue(15.0 < l0["temp_degc"] < 90.0, f"the laser's temperature: {l0}")
      ctrl = client.read(OE + oe_regs.CPO_OE_ELS_CTRL_OFFSET)
      config = client.read(OE + oe_regs.CPO_OE_ELS_CONFIG_OFFSET)
      self.assertEqual((_field(config, "ELS_CONFIG", "LANES"), _field(
          ctrl, "ELS_CTRL", "ENABLE"), _field(ctrl, "ELS_CTRL", "POWER_MODE")), (1, 0x01, 0x01))

      # Setpoints and the mode, as the firmware sees them (OE ELS_SETPOINT, ELS_CTRL).
      cmis.set_els_setpoint(0, bias_a=0.3, power_w=0.05, mode="current")
      (l0s,) = cmis.els()
      self.assertEqual(l0s["mode"], "current")
      self.assertAlmostEqual(l0s["bias_setpoint_a"], 0.3)
      self.assertAlmostEqual(l0s["power_setpoint_w"], 0.05)
      sp = client.read(OE + oe_regs.CPO_OE_ELS_SETPOINT_OFFSET_N(0))
      self.assertEqual((_field(sp, "ELS_SETPOINT", "BIAS"), _field(sp, "ELS_SETPOINT", "POWER")),
                       (30000, 5000))
      ctrl = client.read(OE + oe_regs.CPO_OE_ELS_CTRL_OFFSET)
      self.assertEqual(_field(ctrl, "ELS_CTRL", "POWER_MODE") & 1, 0)
      cmis.set_els_setpoint(0, bias_a=0, power_w=0, mode="power")  # back to the product's own
      self.assertEqual(client.read(OE + oe_regs.CPO_OE_ELS_SETPOINT_OFFSET_N(0)), 0)

      # Disabled: dark at once; the next monitor sample reads no drive, the lanes lose light.
      every = (1 << PROFILES["mrm-els-8x200g"][2]) - 1
      cmis.flags()  # clear what latched so far
      cmis.set_els_enable(0x00)
      ctrl = client.read(OE + oe_regs.CPO_OE_ELS_CTRL_OFFSET)
      self.assertEqual(_field(ctrl, "ELS_CTRL", "ENABLE"), 0)
      client.sleep_ns(MON_MS * 1000000)
      (dark,) = cmis.els()
      self.assertEqual((dark["enabled"], dark["bias_a"]), (False, 0.0), f"disabled: {dark}")
      rx_los = cmis.flags()["rx_los"]
      if rx_los != every:  # the Rx power ADC a conversion behind the drive: one more sample
        client.sleep_ns(MON_MS * 1000000)
        rx_los |= cmis.flags()["rx_los"]
      self.assertEqual(rx_los, every, "every media lane of the ELS's latches Rx LOS")

      # Re-enabled: nothing lights by itself (laser safety: the firmware's ramp drives a lane
      # again, after its fibre check; no firmware runs here), so the lanes stay dark ...
      cmis.set_els_enable(0xFF)
      client.sleep_ns(int(1.2 * MON_MS * 1e6))
      (still,) = cmis.els()
      self.assertEqual((still["enabled"], still["bias_a"]), (True, 0.0), f"enabled: {still}")
      cmis.flags()
      client.sleep_ns(int(1.2 * MON_MS * 1e6))
      self.assertEqual(cmis.flags()["rx_los"], every, "enabled alone: the lanes still dark")
      # ... until a drive is written, as the firmware's ramp ends: the DAC register kept the
      # calibrated code through it all, and now it goes through
      laser0 = OE + oe_regs.CPO_OE_DAC_OFFSET_N(analog_channels.DAC["laser_current"].number, 0)
      client.write(laser0, client.read(laser0))
      client.sleep_ns(int(1.2 * MON_MS * 1e6))
      (lit,) = cmis.els()
      self.assertAlmostEqual(lit["bias_a"], l0["bias_a"], delta=0.01 * l0["bias_a"])
      cmis.flags()  # what latched while the light came back
      client.sleep_ns(int(1.2 * MON_MS * 1e6))
      self.assertEqual(cmis.flags()["rx_los"], 0, "the light back: no Rx LOS at a sample")

    self._python("mrm-els-8x200g", 120, body)
    with open(self.json_path) as f:
      self.assertEqual(json.load(f)["result"], "pass")

  def test_no_els_the_page_select_refuses_1ah_mzm(self):

    def body(cmis, client):
      sel = cpoemu_cmis.ENGINE_BASE + 4 * m.CPO_CMIS_LOWER_PAGE_SELECT_OFFSET
      client.write(sel, m.CPO_CMIS_PAGE_P01)
      client.write(sel, m.CPO_CMIS_PAGE_P1A)
      self.assertEqual(client.read(sel), m.CPO_CMIS_PAGE_P01, "the select of 1Ah refused")
      client.write(sel, m.CPO_CMIS_PAGE_P1B)
      self.assertEqual(client.read(sel), m.CPO_CMIS_PAGE_P01, "the select of 1Bh refused")
      config = client.read(OE + oe_regs.CPO_OE_ELS_CONFIG_OFFSET)
      self.assertEqual(_field(config, "ELS_CONFIG", "LANES"), 0, "OE ELS_CONFIG: no ELS lanes")
      cmis2 = cpoemu_cmis.Cmis(client)  # the selection written by hand: a fresh driver
      self.assertEqual(cmis2.els_lanes(), 0)
      for call in (cmis2.els, lambda: cmis2.set_els_enable(0)):
        with self.assertRaises(cpoemu_cmis.CmisError) as e:
          call()
        self.assertEqual(str(e.exception), cpoemu_cmis.NO_ELS)
      f = cmis2.flags()
      self.assertEqual((f["els_state_changed"], f["els_lane_fault"]), (0, 0))

    self._python("mzm-6.4t", 60, body)

  # -- the C tool ------------------------------------------------------------------------------
  def test_tool_dump_and_peek_mrm_els(self):
    rc, out, err = self._tool("mrm-els-8x200g", 40, "dump", "--hold-to-end")
    self.assertEqual(rc, 0, err)
    for row in ("External laser source lanes", "ELS lane state (Lane 1)", "ELS frequency (Lane 1)",
                "ELS laser bias current (Lane 1)", "ELS laser output power (Lane 1)",
                "ELS laser temperature (Lane 1)"):
      self.assertIn(row, out)
    line = next(l for l in out.splitlines() if "ELS lane state (Lane 1)" in l)
    self.assertTrue(line.endswith(": ON"), line)
    self.assertNotIn("(Lane 2)", "\n".join(l for l in out.splitlines() if "ELS" in l))
    rc, out, err = self._tool("mrm-els-8x200g", 10, "peek", "0", "1Ah", "128", "--hold-to-end")
    self.assertEqual(rc, 0, err)
    self.assertIn("bank 0 page 1ah byte 128", out)
    self.assertTrue(out.strip().endswith("0x01"), out)

  def test_tool_dump_and_peek_mzm_no_els(self):
    # mzm-6.4t's lasers on 8 of its lanes (the 8-lane design): no external source either
    rc, out, err = self._tool("mzm-6.4t", 40, "dump", "--hold-to-end", lanes=8)
    self.assertEqual(rc, 0, err)
    self.assertRegex(out, r"External laser source\s+: none \(pages 1Ah/1Bh not advertised\)")
    self.assertNotIn("ELS lane", out)
    rc, out, err = self._tool("mzm-6.4t", 10, "peek", "0", "1Ah", "128", lanes=8)
    self.assertEqual(rc, 1, f"{out}{err}")
    self.assertIn("refused page 0x1a", err)


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ap.add_argument("--timeout-s", type=float, default=900)
  ARGS, rest = ap.parse_known_args()
  result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
  if not result.wasSuccessful():
    sys.exit(1)
  sys.exit(77 if result.skipped and len(result.skipped) == result.testsRun else 0)
