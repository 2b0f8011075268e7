#!/usr/bin/python3
"""Scenario timelines (testbenches/timeline.h) and the verdict on them, through `cpoemu run`:
- a bad timeline is refused before anything starts (exit 2) with its file, line and reason;
- an expectation missed fails the run (exit 1), the RESULT line naming the expectation first
  and stderr the command that reproduces the run;
- each lane's BER against the calibrated snapshot's of the same seed and profile (JSON,
  tables), and ber_vs_snapshot failing on a lane under KP4 but far above the snapshot's, by its
  counted errors or, with none counted, by the model's exact figure (JSON media_lanes);
- a timeline with model-side and rtl-side events gives one event_hash over inproc, ipc and
  tcp and two quanta, and a different one from the same run without its events.

usage: test_timeline.py   (environment: CPOEMU, CPO_SOURCE_DIR)
"""
import os
import re
import sys
import tempfile
import unittest

SRC = os.environ.get("CPO_SOURCE_DIR",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "cosim"))
import cpoemu_proc as cp  # noqa: E402

SHORT = "[run]\ncycles = 200000\n[host]\nprogram = none\n"


class Timeline(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.TemporaryDirectory()
    self.addCleanup(self.tmp.cleanup)
    self.env = cp.env_with_tmpdir(self.tmp.name)

  def scenario(self, text, name="s.ini"):
    path = os.path.join(self.tmp.name, name)
    with open(path, "w") as f:
      f.write(text)
    return path

  def refused(self, text, pattern, extra=()):
    """`cpoemu run` of @text exits 2 before anything runs, stderr matching file:line: pattern."""
    path = self.scenario(text)
    code, out, err = cp.run(["run", path, "--quiet", *extra], env=self.env)
    self.assertEqual(code, 2, out + err)
    self.assertRegex(err, re.escape(path) + ":" + pattern)
    self.assertNotIn("RESULT", out)

  def test_refusals_name_file_line_and_reason(self):
    ev = SHORT + "[event.e]\n"
    self.refused(ev + "at = 10us\nwhat = meteor\n", r"7: \[event.e\] what = 'meteor': expected "
                 r"ambient_step, ")
    self.refused(ev + "what = heater_fail\nlane = 1\n", r"6: \[event.e\] has no 'at'")
    self.refused(ev + "at = 5 parsecs\n", r"6: \[event.e\] at = '5 parsecs': expected a time")
    self.refused(ev + "at = 1us\nwhat = heater_fail\n", r"6: \[event.e\] what = heater_fail needs "
                 "'lane'")
    self.refused(ev + "at = 1us\nwhat = heater_fail\nlane = 1\nloss_db = 3\n",
                 r"9: \[event.e\] 'loss_db' does not apply to what = heater_fail")
    self.refused(ev + "at = 1us\nat = 2us\n", r"7: \[event.e\] at given twice: here and on line 6")
    self.refused(ev + "at = 1s\nwhat = peer_reset\n", r"6: \[event.e\] at cycle \d+, not within "
                 "the run's 200000 cycles")
    self.refused(ev + "at = 1us\nwhat = heater_fail\nlane = 9\n",
                 r"6: \[event.e\] lane 9: the run has lanes 0 to 7")
    self.refused(ev + "at = 1us\nwhat = d2d_wire_stuck\nwire = 1\n", r"6: \[event.e\] what = "
                 r"d2d_wire_stuck needs the engine design", ["--design", "lanes"])
    self.refused(ev + "at = 1us\nwhat = peer_reset\nmodule = 1\n",
                 r"6: \[event.e\] D2D module 1: the run's design has 1")
    self.refused(ev + "at = 1us\nwhat = lanes_park\nlane = 2\n",
                 r"8: \[event.e\] 'lane' does not apply to what = lanes_park")
    self.refused(ev + "at = 1us\nwhat = counters_clear\n", r"6: \[event.e\] what = "
                 r"counters_clear needs the engine design", ["--design", "lanes"])
    # the ELS lane events: a source's lanes only, played by the timeline as the CMIS host
    els = ev + "at = 1us\nwhat = els_disable\nlaser = 1\n"
    self.refused(els, r"8: \[event.e\] what = els_disable laser 1: the source has ELS lanes 0 to 0")
    self.refused(
        els, r"6: \[event.e\] what = els_disable needs an engine profile with an "
        r"external laser source \(els_ambient_k set, as mrm-els-8x200g and oif-3.2t\): "
        r"mzm-6.4t has none", ["--profile", "mzm-6.4t"])
    self.refused(
        els.replace("program = none", "program = cmis"), r"6: \[event.e\] what = "
        r"els_disable plays the CMIS host itself: only with \[host\] program = firmware "
        r"or none", ["--profile", "oif-3.2t"])
    self.refused(
        els, r"6: \[event.e\] what = els_disable plays the CMIS host itself: .* no host "
        r"attaching mid-run \(--allow-attach\)", ["--profile", "oif-3.2t", "--allow-attach"])

  def test_missed_expectation_fails_naming_it_with_the_reproduce_line(self):
    # lane 2's connector goes dark, but the scenario expects every lane locked
    path = self.scenario(SHORT + "[event.dirt]\nat = 5us\nwhat = connector_dirt\nlane = 2\n"
                         "loss_db = 30\n[expect]\nmax_lane_ber = 2.4e-4\nmin_repaired_wires = 1\n")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertRegex(out, r"RESULT: FAIL \(7 of 8 lanes locked \(not at the end: lane 2\)")
    # no D2D fault, so no repair reported: the expectation of one is missed, by name
    self.assertIn("[expect] min_repaired_wires: 0 D2D wires reported bad, expected at least 1", out)
    self.assertIn("reproduce with:\n  ", err)
    self.assertIn(path, err.split("reproduce with:")[1])
    # expected dark, it passes; and the per-lane table shows the physics and the D2D state
    path = self.scenario(
        SHORT + "[event.dirt]\nat = 5us\nwhat = connector_dirt\nlane = 2\n"
        "loss_db = 30\n[expect]\nunlocked_lanes = 0x4\nd2d_state = active\n", "pass.ini")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 0, out + err)
    self.assertIn("RESULT: PASS", out)
    self.assertRegex(out, r"\n +2 +NO .* ACTIVE / ACTIVE\n")
    self.assertIn("each lane's physics at the end", out)
    self.assertIn("D2D module 0: width 8 / 8 lanes", out)

  def test_ber_over_a_window_after_parking_and_streaming_again(self):
    # parked from 3 to 6 us, the checkers count errors as the lanes stop and start again (some
    # 50 a lane, 2e-5 over the run); the counters cleared at 10 us, the BER is the window's (no
    # error in ~1 M bits a lane)
    park = ("[event.park]\nat = 3us\nwhat = lanes_park\n"
            "[event.stream]\nat = 6us\nwhat = lanes_stream\n")
    expect = "[expect]\nmax_lane_ber = 1e-5\nmin_bits = 1000000\n"
    path = self.scenario(SHORT + park + expect, "dirty.ini")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertIn("[expect] max_lane_ber: lane ", out)
    path = self.scenario(
        SHORT + park + "[event.clear]\nat = 10us\nwhat = counters_clear\n" + expect, "clean.ini")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 0, out + err)
    self.assertIn("RESULT: PASS", out)

  def test_ber_against_the_calibrated_snapshot_per_lane(self):
    # a calibrated start: every lane reaches its snapshot's quality (no errors against ~1e-10),
    # each lane's snapshot BER and ratio in the JSON and both tables
    expect = "[expect]\nmax_lane_ber = 2.4e-4\nber_vs_snapshot = 2\n"
    code, res, out, err = cp.run_json(
        ["run", self.scenario(SHORT + expect, "snap.ini"), "--quiet"], env=self.env)
    self.assertEqual(code, 0, out + err)
    for lane in res["lanes"]:
      self.assertTrue(0 < lane["ber_snapshot"] < 2.4e-4, lane)
      self.assertEqual(lane["ber_vs_snapshot"],
                       lane["errors"] / lane["bits"] / lane["ber_snapshot"])
    self.assertIn("snapshot BER  x snapshot", out)
    self.assertRegex(
        out, r"expected BER \(exact, from each lane's eye at the end\) at most "
        r"[\d.]+x the calibrated snapshot's")
    # the model's exact figures per media lane (its MODEL_REPORT) in the JSON and the result
    self.assertEqual([m["lane"] for m in res["media_lanes"]], list(range(8)))
    for m in res["media_lanes"]:
      self.assertTrue(0 < m["expected_ber"] < 2.4e-4, m)
      self.assertEqual(m["expected_ber_vs_snapshot"], m["expected_ber"] / m["snapshot_ber"])
      self.assertLess(m["expected_ber_vs_snapshot"], 2, m)
      self.assertGreater(m["laser_current_a"], 0, m)
      self.assertGreater(m["rx_w"], 0, m)
    self.assertRegex(
        out, r"expected BER \(exact, the model's from each media lane's eye at the end\): at "
        r"most [\d.]+x the calibrated snapshot's \(media lane \d")
    # 1 dB of connector dirt on lane 2: no error counted in the run, yet its eye is some 10x the
    # snapshot's BER: the exact figure fails the expectation, naming the media lane
    dirt = "[event.dirt]\nat = 5us\nwhat = connector_dirt\nlane = 2\nloss_db = 1\n"
    code, res, out, err = cp.run_json(
        ["run", self.scenario(SHORT + dirt + expect, "dirt1.ini"), "--quiet"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertEqual(res["lanes"][2]["errors"], 0)
    self.assertGreater(res["media_lanes"][2]["expected_ber_vs_snapshot"], 2)
    self.assertRegex(
        out, r"RESULT: FAIL \(\[expect\] ber_vs_snapshot: media lane 2's expected BER \(exact, "
        r"from its eye at the end\) [\d.e+-]+ is [\d.e+-]+x the calibrated snapshot's "
        r"[\d.e+-]+, above 2x \(PAM4 margin q [\d.]+, below 98 % of the snapshot's [\d.]+\)\)")
    # the same dirt while every lane is parked, to the end: the model builds the parked lanes'
    # eyes for its report, so lane 2's figure is the dirty eye's, not the one from before it
    # parked (which was the snapshot's quality: a stale PASS)
    park = "[event.park]\nat = 3us\nwhat = lanes_park\n"
    code, res, out, err = cp.run_json([
        "run",
        self.scenario(SHORT + park + dirt + "[expect]\nmin_locked_lanes = 0\nmax_ber = 1\n",
                      "dirt_parked.ini"), "--quiet"
    ],
                                      env=self.env)
    self.assertEqual(code, 0, out + err)
    media = res["media_lanes"]
    self.assertGreater(media[2]["expected_ber_vs_snapshot"], 2, media[2])
    for m in media[:2] + media[3:]:
      self.assertLess(m["expected_ber_vs_snapshot"], 2, m)
    # 5 dB of connector dirt on lane 2: locked, under KP4 (some 3e-5), yet far above the
    # snapshot's: the expectation names the lane, its BER, the snapshot's and the ratio
    dirt = "[event.dirt]\nat = 5us\nwhat = connector_dirt\nlane = 2\nloss_db = 5\n"
    code, out, err = cp.run(
        ["run", self.scenario(SHORT + dirt + expect, "dirt.ini"), "--quiet"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertNotIn("max_lane_ber", out)
    self.assertRegex(
        out, r"RESULT: FAIL \(\[expect\] ber_vs_snapshot: lane 2 BER [\d.e+-]+ \(\d+ errors in \d+ "
        r"bits, at least [\d.e+-]+ beyond counting noise\) is [\d.e+-]+x the calibrated snapshot's "
        r"[\d.e+-]+, above 2x \(PAM4 margin q [\d.]+, below 98 % of the snapshot's [\d.]+\)\)")
    # no snapshot without an engine profile; a factor below 1 is refused with file and line
    code, out, err = cp.run(
        ["run", self.scenario(SHORT + expect, "lb.ini"), "--quiet", "--profile", "loopback"],
        env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertIn("[expect] ber_vs_snapshot: this run has no calibrated snapshot", out)
    self.assertNotIn("media lane", out)  # the loopback has no physics to report
    # nor in a --direct run (no model, no optics): it fails rather than pass having compared none
    code, out, err = cp.run(
        ["run", self.scenario(SHORT + expect, "direct.ini"), "--quiet", "--direct"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertIn("[expect] ber_vs_snapshot: a --direct run has no optics", out)
    self.refused(SHORT + "[expect]\nber_vs_snapshot = 0.5\n",
                 r"6: \[expect\] ber_vs_snapshot = '0.5': expected none, or a number from 1")

  def test_cmis_managed_parks_every_lane_until_a_host_activates_it(self):
    # the same short run with and without the event: by STREAM_EN every lane carries traffic;
    # managed by CMIS from cycle 0 (and no CMIS host), every data path stays Deactivated and
    # no lane carries a bit
    text = SHORT + "[expect]\nmin_bits = 0\nmin_locked_lanes = 0\n"
    code, res, out, err = cp.run_json(["run", self.scenario(text, "bypass.ini"), "--quiet"],
                                      env=self.env)
    self.assertEqual(code, 0, out + err)
    self.assertTrue(all(lane["bits"] > 0 for lane in res["lanes"]), out)
    managed = text + "[event.board]\nat = 0 cycles\nwhat = cmis_managed\n"
    code, res, out, err = cp.run_json(
        ["run", self.scenario(managed, "managed.ini"), "--quiet"], env=self.env)
    self.assertEqual(code, 0, out + err)
    self.assertEqual([lane["bits"] for lane in res["lanes"]], [0] * len(res["lanes"]), out)

  def test_python_host_failing_fails_the_run(self):
    script = self.scenario("import sys\nprint('bad host', flush=True)\nsys.exit(4)\n", "bad.py")
    path = self.scenario(SHORT.replace("none", "python") + f"script = {script}\n")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 3, out + err)
    self.assertIn("bad host", out)
    self.assertIn(f"the host script {script} exited with 4", err)
    # a relative script path is beside the scenario, whatever the working directory
    self.scenario("import sys\nprint('host beside', flush=True)\nsys.exit(5)\n", "beside.py")
    path = self.scenario(SHORT.replace("none", "python") + "script = beside.py\n", "rel.ini")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env, cwd="/")
    self.assertEqual(code, 3, out + err)
    self.assertIn("host beside", out)
    self.assertIn(f"the host script {os.path.join(self.tmp.name, 'beside.py')} exited with 5", err)
    code, out, err = cp.run(
        ["run", self.scenario("[host]\nprogram = python\n", "noscript.ini")], env=self.env)
    self.assertEqual(code, 2, out + err)
    self.assertIn("[host] program = python needs [host] script", err)

  def test_cmis_expectations_read_at_the_end_name_lane_and_flag(self):
    # no CMIS host ran: the module is in ModuleLowPwr, every data path DPDeactivated, no flag
    path = self.scenario(SHORT + "[expect]\ncmis_module_state = ready\ncmis_dp_state = activated\n"
                         "cmis_tx_fault_lanes = 0x8\ncmis_rx_los_lanes = 0x40\n")
    code, out, err = cp.run(["run", path, "--quiet"], env=self.env)
    self.assertEqual(code, 1, out + err)
    self.assertIn(
        "RESULT: FAIL ([expect] cmis_module_state: ModuleLowPwr (fault cause 0x00), expected "
        "ModuleReady; [expect] cmis_dp_state: CMIS lane 0 DPDeactivated, expected DPActivated; "
        "[expect] cmis_tx_fault_lanes: CMIS lane 3: Tx fault not raised (page 11h bank 0 byte 135: "
        "0x00); [expect] cmis_rx_los_lanes: CMIS lane 6: Rx LOS not raised", out)
    self.assertIn(
        "CMIS at the end: ModuleLowPwr (fault cause 0x00); latched Tx fault: lanes none; "
        "Rx LOS: lanes none\n  CMIS data path: lanes 0-7 DPDeactivated\n", out)
    as_found = [
        "--expect-cmis-module-state", "lowpwr", "--expect-cmis-dp-state", "deactivated",
        "--expect-cmis-tx-fault-lanes", "0", "--expect-cmis-rx-los-lanes", "0"
    ]
    code, out, err = cp.run(["run", path, "--quiet", *as_found], env=self.env)
    self.assertEqual(code, 0, out + err)
    self.assertRegex(
        out, r"BER margin: worst lane \d: 0 errors in \d+ bits, BER below [0-9.e-]+ "
        r"\(95 % bound\), \d+x below the expected 2.40e-04")

  def test_print_scenario_prints_the_events_and_reads_back(self):
    events = ("[event.warm]\nat = 3us\nwhat = ambient_ramp\ntemp_c = 46.5\nover = 5us\n"
              "[event.stuck]\nat = 4000 cycles\nwhat = d2d_wire_stuck\nwire = 5\ndirection = o2a\n"
              "[event.dark]\nat = 0.25ms\nwhat = laser_fail\nlaser = all\n")
    path = self.scenario(SHORT.replace("200000", "4000000") + events)
    code, out, err = cp.run(["run", path, "--print-scenario"], env=self.env)
    self.assertEqual(code, 0, out + err)
    for section in ("[event.warm]\nat = 3us\nwhat = ambient_ramp\ntemp_c = 46.5\nover = 5us\n",
                    "[event.stuck]\nat = 4000 cycles\nwhat = d2d_wire_stuck\nwire = 5\n"
                    "direction = o2a\n",
                    "[event.dark]\nat = 250us\nwhat = laser_fail\nlaser = all\n"):
      self.assertIn(section, out)
    # what it prints is a scenario that prints the same again
    again = self.scenario(out, "again.ini")
    code, out2, err = cp.run(["run", again, "--print-scenario"], env=self.env)
    self.assertEqual(code, 0, out2 + err)
    strip = lambda text: text.split("\n", 1)[1]  # the reproduce line names the file
    self.assertEqual(strip(out2), strip(out))

  def test_same_event_hash_over_transports_and_quanta(self):
    # model-side and rtl-side events while streaming, then the lanes parked by a timeline write
    # (its effect must land on a chunk's edge whatever the quantum) and the ELS lane disabled
    # and enabled through CMIS while parked (bus times the run skips to), streaming again at
    # the end
    path = self.scenario(
        SHORT.replace("cycles = 200000", "cycles = 1600000") +
        "[event.warm]\nat = 3us\nwhat = ambient_ramp\ntemp_c = 46\nover = 5us\n"
        "[event.stuck]\nat = 4us\nwhat = d2d_wire_stuck\nwire = 5\n"
        "[event.dirt]\nat = 6000 cycles\nwhat = connector_dirt\nlane = 1\nloss_db = 2\n"
        "[event.park]\nat = 9us\nwhat = lanes_park\n"
        "[event.off]\nat = 10us\nwhat = els_disable\nlaser = 0\n"
        "[event.on]\nat = 60us\nwhat = els_enable\nlaser = all\n"
        "[event.stream]\nat = 115us\nwhat = lanes_stream\n")
    hashes = {}
    for transport, q in (("inproc", "L/4"), ("ipc", "1000"), ("tcp", "L/4"), ("inproc", "777")):
      code, res, out, err = cp.run_json(
          ["run", path, "--quiet", "--transport", transport, "--quantum", q], env=self.env)
      self.assertIn(code, (0, 1), out + err)
      hashes[(transport, q)] = res["event_hash"]
    self.assertEqual(len(set(hashes.values())), 1, hashes)
    # the events changed what happened
    plain = self.scenario(SHORT, "plain.ini")
    code, res, out, err = cp.run_json(["run", plain, "--quiet"], env=self.env)
    self.assertNotEqual(res["event_hash"], hashes[("inproc", "L/4")])


if __name__ == "__main__":
  unittest.main(verbosity=2)
