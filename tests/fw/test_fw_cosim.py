"""The bring-up firmware through cpoemu (rtl, models and the built-in host): a cold bring-up of
the default profile from `--start power-on` ends with every lane locked, its BER (counted from
the firmware's counter clear on) below the KP4 threshold with the margin stated, and each
ring at the calibrated snapshot's operating point (its drop/tap monitor ratio, which fixes the
detuning, within 0.3 % of the snapshot run's: ~0.25 pm). The exact BER ratio to the snapshot
is test_fw_bringup_model's (a BER of ~1e-11 is not countable in a test's run). With --long:
the firmware's decisions, hence the event_hash, are the same over ipc and at another Q.

usage: test_fw_cosim.py [--long]"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

KP4_BER = 2.4e-4
# A bring-up takes ~21.1 M cycles (1.6 ms: ~1.4 ms parked, ~0.15 ms of equalisation streaming);
# ~1.5 M cycles more stream for the BER count.
CYCLES = 22_600_000
LONG = "--long" in sys.argv
DONE = re.compile(r"host: fw: bring-up from dark (done|FAILED): (\d+) of (\d+) lanes lit, (\d+) "
                  r"locked;.* \(cycle (\d+)\)(.*)")
MONITOR = re.compile(r"^host: +(\d+) +([\d.]+) +([\d.]+) +[\d.-]+ +[\d.-]+$", re.M)


def ratios(out):
  """Each lane's drop/tap monitor ratio from the end-of-run monitor table."""
  return {int(m[1]): float(m[3]) / float(m[2]) for m in MONITOR.finditer(out)}


def cold(extra=()):
  code, res, out, err = cp.run_json(["run", "--start", "power-on", "--cycles",
                                     str(CYCLES)] + list(extra),
                                    timeout=1800)
  return code, res, out, err


class ColdBringUp(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.code, cls.res, cls.out, cls.err = cold()

  def test_every_lane_locked_below_kp4_at_the_snapshots_operating_point(self):
    what = self.out + self.err
    self.assertEqual(self.code, 0, what)
    m = DONE.search(self.out)
    self.assertIsNotNone(m, what)
    self.assertEqual(m[1], "done", what)
    lanes = int(m[3])
    self.assertEqual((int(m[2]), int(m[4])), (lanes, lanes), what)
    done_cycle = int(m[5])
    counted = CYCLES - done_cycle
    self.assertGreater(counted, 1_000_000, "too few cycles left to count errors")
    print(f"\ncold bring-up done at cycle {done_cycle} "
          f"({done_cycle * 8 / 106.25e9 * 1e3:.3f} ms simulated) in {self.res['wall_s']:.1f} s "
          f"wall (the whole run)")
    for lane in self.res["lanes"]:
      bits, errors = lane["bits"], lane["errors"]
      self.assertTrue(lane["locked"], what)
      self.assertGreater(bits, 10_000_000, what)
      # no errors expected at ~1e-11: the bound is 3 / bits (95 %) when none are counted
      bound = max(errors, 3) / bits
      print(f"  lane {lane['lane']}: {errors} errors in {bits} bits: BER <= {bound:.2e}, "
            f"{KP4_BER / bound:.0f}x below KP4")
      self.assertLess(bound, KP4_BER)
      # at the expected ~1e-11 a count of this length holds no error (~1e-3 expected): a few
      # mean a probe's setting was counted, or the operating point is off
      self.assertLessEqual(errors, 2, f"lane {lane['lane']}")
    # the calibrated snapshot's monitors, same seed
    code, _, snap_out, snap_err = cp.run_json(["run", "--cycles", "20000"])
    self.assertEqual(code, 0, snap_out + snap_err)
    fw, snap = ratios(self.out), ratios(snap_out)
    self.assertEqual(sorted(fw), list(range(lanes)), what)
    for lane in range(lanes):
      print(f"  lane {lane}: drop/tap {fw[lane]:.4f}, snapshot {snap[lane]:.4f}")
      self.assertLess(abs(fw[lane] / snap[lane] - 1), 3e-3, f"lane {lane}")

  @unittest.skipUnless(LONG, "long: two more cold bring-ups")
  def test_event_hash_is_the_same_over_ipc_and_another_quantum(self):
    for extra in (["--transport", "ipc"], ["--quantum", "816"]):
      code, res, out, err = cold(extra)
      self.assertEqual(code, 0, out + err)
      self.assertEqual(res["event_hash"], self.res["event_hash"], extra)
      self.assertEqual(res["lanes"], self.res["lanes"], extra)


if __name__ == "__main__":
  unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[1:] if a != "--long"], verbosity=2)
