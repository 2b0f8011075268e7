"""Engine profiles as data, run end to end: a user's profile file (--profile FILE) that only
renames a shipped one gives its event_hash and is traced to its file in the JSON; a file with a
bad value, an unknown, missing or repeated key is refused naming its file, line and reason; each
shipped profile runs with its own lane counts (mzm-6.4t: 64 lanes on the 64-lane design) or is
refused naming the designs this build has (oif-3.2t, until the 32/8-lane gearbox design lands)."""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import cpoemu_proc as cp  # noqa: E402

SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SHIPPED = os.path.join(SRC, "model", "profiles")
SHORT = ["--cycles", "40000", "--latency", "256", "--quantum", "64", "--quiet", "--no-host"]


def shipped_text(name):
  with open(os.path.join(SHIPPED, name + ".ini")) as f:
    return f.read()


class Profiles(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.mkdtemp()

  def tearDown(self):
    for f in os.listdir(self.tmp):
      os.unlink(os.path.join(self.tmp, f))
    os.rmdir(self.tmp)

  def write(self, name, text):
    path = os.path.join(self.tmp, name)
    with open(path, "w") as f:
      f.write(text)
    return path

  def refused(self, args, *needles):
    code, out, err = cp.run(args)
    self.assertEqual(code, 2, f"{args}: exit {code}\n{out}\n{err}")
    for n in needles:
      self.assertIn(n, err)
    return err

  def test_user_file_renaming_a_shipped_profile_gives_its_event_hash(self):
    text = shipped_text("mrm-els-8x200g").replace("name = mrm-els-8x200g", "name = my-engine")
    path = self.write("my-engine.ini", text)
    code, ref, out, err = cp.run_json(["run"] + SHORT)
    self.assertEqual(code, 0, err)
    code, mine, out, err = cp.run_json(["run", "--profile", path] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(mine["event_hash"], ref["event_hash"])
    self.assertEqual(mine["lanes"], ref["lanes"])
    self.assertEqual(mine["profile"]["name"], "my-engine")
    self.assertEqual(mine["profile"]["file"], path)
    self.assertFalse(mine["profile"]["shipped"])
    self.assertRegex(mine["profile"]["content_fnv1a64"], r"^0x[0-9a-f]{16}$")
    self.assertNotEqual(mine["profile"]["content_fnv1a64"], ref["profile"]["content_fnv1a64"])
    self.assertTrue(ref["profile"]["shipped"])
    self.assertIn(f"--profile {path}", mine["reproduce"])
    # the same in three processes: each role reads the file
    code, ipc, out, err = cp.run_json(["run", "--transport", "ipc", "--profile", path] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(ipc["event_hash"], ref["event_hash"])

  def test_bad_files_are_refused_with_file_line_and_reason(self):
    text = shipped_text("mrm-els-8x200g")
    lines = text.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("slope_w_per_a ="))
    bad = self.write("bad.ini", text.replace(lines[at], "slope_w_per_a = -3"))
    self.refused(["run", "--profile", bad] + SHORT,
                 f"{bad}:{at + 1}: laser.slope_w_per_a = -3: must be in (0, 1.6] W/A")
    unknown = self.write("unknown.ini", text.replace("[laser]\n", "[laser]\nthreshold_ma = 30\n"))
    self.refused(["run", "--profile", unknown] + SHORT, f"{unknown}:",
                 "unknown key laser.threshold_ma")
    missing = self.write("missing.ini", re.sub(r"\nt0_k = [^\n]*", "", text))
    self.refused(["run", "--profile", missing] + SHORT, f"{missing}:", "laser.t0_k missing")
    twice = self.write("twice.ini", text.replace("[laser]\n", "[laser]\nt0_k = 61\n"))
    self.refused(["run", "--profile", twice] + SHORT, f"{twice}:", "laser.t0_k given twice")
    # a scenario naming the file is refused the same way
    scenario = self.write("s.ini", f"[model]\nprofile = {bad}\n")
    self.refused(["run", scenario] + SHORT, f"{bad}:{at + 1}: laser.slope_w_per_a = -3")

  def test_unknown_name_lists_the_shipped_profiles(self):
    self.refused(["run", "--profile", "no-such-engine"] + SHORT, "mrm-els-8x200g", "mzm-6.4t",
                 "oif-3.2t")

  def test_a_profile_file_sets_the_runs_clock(self):
    # a user's engine at 53.125 GBd runs at it, unless the run names another
    text = shipped_text("mrm-els-8x200g").replace("baud_hz = 106.25e9", "baud_hz = 53.125e9")
    path = self.write("slow-engine.ini", text)
    code, res, out, err = cp.run_json(["run", "--profile", path] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(res["config"]["baud_hz"], 53125000000)
    self.assertAlmostEqual(res["sim_time_s"], res["cycles"] * 8 / 53.125e9, places=15)
    code, res, out, err = cp.run_json(["run", "--profile", path, "--baud-hz", "106.25e9"] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(res["config"]["baud_hz"], 106250000000)

  def test_mzm_6p4t_runs_64_lanes(self):
    code, res, out, err = cp.run_json(["run", "--profile", "mzm-6.4t"] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(len(res["lanes"]), 64)
    self.assertEqual(res["config"]["lanes"], 64)
    self.assertEqual(res["profile"]["host_lanes"], 64)
    for lane in res["lanes"]:
      self.assertTrue(lane["locked"], lane)
      self.assertGreater(lane["bits"], 0, lane)
    self.assertIn("--lanes 64", res["reproduce"])
    # its own clock: 64 x 100G PAM4 at 53.125 GBd (a run names another with --baud-hz)
    self.assertEqual(res["config"]["baud_hz"], 53125000000)
    self.assertIn("--baud-hz 53125000000", res["reproduce"])

  def test_oif_3p2t_runs_32_host_lanes_through_the_gearbox(self):
    code, res, out, err = cp.run_json(["run", "--profile", "oif-3.2t"] + SHORT)
    self.assertEqual(code, 0, err)
    self.assertEqual(res["config"]["lanes"], 8)  # media lanes: what crosses the bridge
    self.assertEqual(res["config"]["symbols_per_cycle"], 32)  # 4 x 16-bit host words
    self.assertEqual(len(res["lanes"]), 32)  # the ASIC's host lanes, each checked
    self.assertEqual(res["config"]["baud_hz"], 212500000000)  # its own clock: 400G PAM4 lanes
    for lane in res["lanes"]:
      self.assertTrue(lane["locked"], lane)
      self.assertGreater(lane["bits"], 0, lane)
      self.assertEqual(lane["errors"], 0, lane)

  def test_a_design_the_build_lacks_is_refused_naming_the_designs(self):
    err = self.refused(["run", "--profile", "oif-3.2t", "--design", "lanes"] + SHORT,
                       "32 host lanes over 8 media lanes", "engine8", "engine32x8", "engine64",
                       "lanes8", "lanes64")
    self.assertIn("oif-3.2t", err)


if __name__ == "__main__":
  unittest.main(verbosity=2)
