"""A real board's flow through cpoemu (`--host-program cmis+firmware`, host_role.c): from dark
(`--start power-on`) the CMIS host leaves LowPwr, applies DPInit and waits while the engine's
firmware answers DPInit (OE CAL_REQ -> calibration -> CAL_DONE), enables Tx and waits for
Activated; the firmware then supervises to the end. Every lane of the default profile ends
DPActivated through CMIS, calibrated by the firmware (CAL_DONE written by it: the result's
calibration record, no TX_LOL, nothing left requested), its BER within KP4 with the margin
stated; the event_hash is the same over inproc and ipc. A lane whose ring heater is open from
the start cannot be calibrated: the run fails naming the lane and the cause, and the CMIS flags
a host would see carry that lane's Tx loss of lock. An engine lit before the firmware boots
(`--start calibrated`) is adopted as found, not lit again, and carries traffic within KP4.

The same cold flow on mzm-6.4t (--64): 64 lanes in eight CMIS banks over two D2D modules, each
lane calibrated by the firmware in DPInit and Activated through CMIS, within KP4.

usage: test_fw_board.py [--long | --64]   (--long: the two fault runs, D2D repair and the lane
that cannot lock, instead of the cold flow; --64: the 64-lane cold flow)"""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

KP4_BER = 2.4e-4
LONG = "--long" in sys.argv
WIDE = "--64" in sys.argv
LANES = 0xFF
# PwrUp (200 ms, seen at the next 10 ms poll), DPInit (20 ms minimum; the calibration, ~1.6 ms
# of it, starts at the first poll that sees CAL_REQ), TxTurnOn (5 ms): DPActivated at 229.386 ms
# (3.046 G cycles), all of it parked; then ~0.27 ms (3.6 M cycles) streaming for the BER count
# and the end-of-run reads (the host's reserve).
CYCLES = 3_050_200_000
RUN = ["run", "--start", "power-on", "--host-program", "cmis+firmware", "--cycles", str(CYCLES)]
# mzm-6.4t at 53.125 GBd (150.6 ps a cycle): DPActivated at 226.439 ms (1.5033 G cycles); then
# ~0.46 ms (3.1 M cycles) streaming for the BER count and the host's end-of-run reads of 64 lanes.
RUN_64 = RUN[:-1] + ["1506400000", "--profile", "mzm-6.4t"]
ACTIVATED = re.compile(r"CMIS bring-up from dark: (\d+) lanes DPActivated on AppSel 1 in "
                       r"([\d.]+) ms of simulated time, DPInit answered by the firmware")
DPINIT = re.compile(r"host: fw: DPInit: (\d+) calibrations?, lanes requested 0x([0-9a-f]+), "
                    r"calibrated 0x([0-9a-f]+) \(CAL_DONE\), failed 0x([0-9a-f]+)")

D2D = re.compile(r"host: fw: D2D: (\d+) trainings? to ACTIVE, (\d+) retrains?, (\d+) wires? "
                 r"repaired")


def masks(res):
  """The result's calibration masks (hex strings: 64 lanes do not fit a JSON integer)."""
  return {k: int(v, 16) for k, v in res["calibration"].items()}


def board(extra=(), timeout=1800):
  return cp.run_json(RUN + list(extra), timeout=timeout)


def check_cold_flow(test, code, res, out, err, lanes):
  """Every one of @lanes activated through CMIS, calibrated by the firmware, within KP4."""
  what = out + err
  test.assertEqual(code, 0, what)
  m = ACTIVATED.search(out)
  test.assertIsNotNone(m, what)
  test.assertEqual(int(m[1]), lanes, what)
  d = DPINIT.search(out)
  test.assertIsNotNone(d, what)
  every = (1 << lanes) - 1
  test.assertEqual((int(d[2], 16), int(d[3], 16), int(d[4], 16)), (every, every, 0), what)
  # what the hardware holds at the end: CAL_DONE from the firmware, no alarm, none waiting
  test.assertEqual(masks(res), {"cal_done": every, "tx_lol": 0, "cal_req": 0})
  print(f"\nCMIS bring-up from dark in {float(m[2]):.1f} ms simulated, "
        f"{res['wall_s']:.1f} s wall (the whole run)")
  test.assertEqual(len(res["lanes"]), lanes, what)
  for lane in res["lanes"]:
    bits, errors = lane["bits"], lane["errors"]
    test.assertTrue(lane["locked"], what)
    test.assertGreater(bits, 1_000_000, what)
    bound = max(errors, 3) / bits  # 3 / bits (95 %) when none are counted
    print(f"  lane {lane['lane']}: {errors} errors in {bits} bits: BER <= {bound:.2e}, "
          f"{KP4_BER / bound:.0f}x below KP4")
    test.assertLess(bound, KP4_BER)


@unittest.skipIf(LONG or WIDE, "the cold flow is the default run's")
class ColdBoardFlow(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.code, cls.res, cls.out, cls.err = board()

  def test_every_lane_activated_through_cmis_calibrated_by_the_firmware_within_kp4(self):
    check_cold_flow(self, self.code, self.res, self.out, self.err, 8)

  def test_event_hash_is_the_same_over_ipc(self):
    self.assertEqual(self.code, 0, self.out + self.err)
    code, res, out, err = board(["--transport", "ipc"])
    self.assertEqual(code, 0, out + err)
    self.assertEqual(res["event_hash"], self.res["event_hash"])
    self.assertEqual(res["lanes"], self.res["lanes"])


@unittest.skipUnless(WIDE, "--64: the 64-lane cold flow")
class ColdBoardFlow64(unittest.TestCase):

  def test_64_lanes_activated_through_cmis_calibrated_by_the_firmware_within_kp4(self):
    code, res, out, err = cp.run_json(RUN_64, timeout=1800)
    check_cold_flow(self, code, res, out, err, 64)


@unittest.skipIf(LONG or WIDE, "the calibrated start is the default run's")
class CalibratedStartAdopted(unittest.TestCase):

  def test_a_lit_engine_is_adopted_and_its_lanes_carry_traffic_within_kp4(self):
    # --start calibrated: the lasers are on when the firmware boots; it takes the engine as
    # found (no calibration run, CAL_DONE as found) and the lanes carry traffic once Activated
    code, res, out, err = board(["--start", "calibrated"])
    what = out + err
    self.assertEqual(code, 0, what)
    self.assertIn(
        "host: fw: adopted an engine lit before the firmware: lanes 0xff taken as "
        "locked and calibrated", out)
    d = DPINIT.search(out)
    self.assertIsNotNone(d, what)
    self.assertEqual(int(d[1]), 0, what)  # nothing calibrated again
    self.assertEqual(int(d[3], 16), LANES, what)
    for lane in res["lanes"]:
      self.assertTrue(lane["locked"], what)
      self.assertGreater(lane["bits"], 1_000_000, what)
      self.assertLess(max(lane["errors"], 3) / lane["bits"], KP4_BER, what)


@unittest.skipUnless(LONG, "long: a fault run")
class D2dRepairReported(unittest.TestCase):

  def test_a_d2d_wire_stuck_in_service_is_repaired_and_the_firmware_reports_it(self):
    with tempfile.TemporaryDirectory() as tmp:
      ini = os.path.join(tmp, "stuck.ini")
      with open(ini, "w") as f:  # 50 us after every lane is DPActivated and streaming
        f.write("[event.stuck]\nat = 229436us\nwhat = d2d_wire_stuck\ndirection = a2o\n"
                "wire = 5\nvalue = 1\n")
      code, res, out, err = cp.run_json(["run", ini] + RUN[1:], timeout=1800)
    what = out + err
    self.assertEqual(code, 0, what)
    m = D2D.search(out)
    self.assertIsNotNone(m, what)
    print(f"\n{m[0]}")
    self.assertGreaterEqual(int(m[2]), 1, what)  # retrains
    self.assertGreaterEqual(int(m[3]), 1, what)  # wires repaired
    self.assertGreaterEqual(sum(bin(d["rx_bad"]).count("1") for d in res["d2d"]), 1, what)


@unittest.skipUnless(LONG, "long: a fault run")
class UncalibratableLane(unittest.TestCase):

  def test_a_lane_that_cannot_lock_fails_the_run_named_with_its_cause_and_cmis_flags(self):
    with tempfile.TemporaryDirectory() as tmp:
      ini = os.path.join(tmp, "heater.ini")
      with open(ini, "w") as f:
        f.write("[event.heater]\nat = 0 cycles\nwhat = heater_fail\nlane = 3\n")
      # the CMIS host waits MaxDurationDPInit (1 s) for lane 4 (CMIS numbers lanes from 1)
      code, res, out, err = cp.run_json(["run", ini] + RUN[1:-1] + ["20000000000"], timeout=1800)
    what = out + err
    self.assertNotEqual(code, 0, what)
    self.assertIn("lane 3: ring not locked: no resonance found", what)
    self.assertRegex(what, r"CMIS bring-up: lane 4: .*DPInit")
    self.assertRegex(out, r"CMIS flags: .*lane 4: [^;]*Tx CDR LOL")
    self.assertEqual(masks(res)["tx_lol"], 1 << 3, what)
    self.assertEqual(masks(res)["cal_done"], LANES & ~(1 << 3), what)


if __name__ == "__main__":
  unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[1:] if a not in ("--long", "--64")],
                verbosity=2)
