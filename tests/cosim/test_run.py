"""End-to-end runs of `cpoemu run`: the default scenario, the JSON result, the printed
reproduction line, and the RTL's error counters against the channel's noise."""
import math
import os
import re
import shlex
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import cpoemu_proc as cp  # noqa: E402

SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_INI = os.path.join(SRC, "testbenches", "scenarios", "default.ini")
LOOPBACK_INI = os.path.join(SRC, "testbenches", "scenarios", "loopback.ini")


class Run(unittest.TestCase):
    def test_default_scenario_passes_and_reports(self):
        code, res, out, err = cp.run_json(["run", DEFAULT_INI, "--quiet"])
        self.assertEqual(code, 0, out + err)
        self.assertIn("RESULT: PASS", out)
        for key in ("seed", "cycles", "sim_time_s", "wall_s", "model_wait_s", "event_hash", "lanes", "reproduce"):
            self.assertIn(key, res)
        self.assertTrue(0 <= res["model_wait_s"] <= res["wall_s"], res)
        self.assertEqual(res["cycles"], 2000000)
        self.assertEqual(res["config"]["profile"], "mrm-els-8x200g")
        self.assertAlmostEqual(res["sim_time_s"], 2000000 * 16 / 106.25e9, places=12)
        self.assertEqual(len(res["lanes"]), 8)
        self.assertTrue(all(l["locked"] for l in res["lanes"]))
        self.assertTrue(all(l["bits"] > 60000000 for l in res["lanes"]))
        self.assertIn("host: engine id 0x43504f45", out)

    def test_direct_baseline_never_waits_for_a_model(self):
        code, res, out, err = cp.run_json(["rtl", "--direct", "--cycles", "30000", "--no-host", "--quiet"])
        self.assertEqual(code, 0, out + err)
        self.assertEqual(res["model_wait_s"], 0.0)
        self.assertNotIn("waited", out)

    def test_two_engines_scenario_passes(self):
        ini = os.path.join(SRC, "testbenches", "scenarios", "two-engines.ini")
        code, res, out, err = cp.run_json(["run", ini, "--cycles", "300000", "--quiet"])
        self.assertEqual(code, 0, out + err)
        self.assertEqual(res["config"]["topology"], "two-engines")
        self.assertTrue(all(l["locked"] for l in res["lanes"]))
        self.assertIn("host: laser 1:", out)  # engine B's laser

    def test_built_in_defaults_equal_default_ini(self):
        a = cp.run_json(["run", DEFAULT_INI, "--cycles", "30000", "--quiet"])[1]
        b = cp.run_json(["run", "--cycles", "30000", "--quiet"])[1]
        self.assertEqual(a["event_hash"], b["event_hash"])

    def test_printed_command_reproduces_the_run(self):
        code, res, out, err = cp.run_json(["run", "--cycles", "40000", "--seed", "9", "--transport", "ipc",
                                           "--quantum", "100", "--quiet"])
        self.assertEqual(code, 0, out + err)
        line = re.search(r"reproduce with: (.*)", out).group(1)
        args = shlex.split(line)[1:]
        code2, res2, _, _ = cp.run_json(args)
        self.assertEqual(code2, 0)
        self.assertEqual(res2["event_hash"], res["event_hash"])

    def test_noise_free_link_has_no_errors_and_noisy_link_has_some(self):
        clean = cp.run_json(["run", LOOPBACK_INI, "--cycles", "100000", "--noise-sigma", "0", "--quiet"])[1]
        self.assertEqual(sum(l["errors"] for l in clean["lanes"]), 0)
        self.assertTrue(all(l["locked"] for l in clean["lanes"]))
        sigma = 0.16  # eye units: Q = 0.5 / sigma
        expected = 0.5 * math.erfc((0.5 / sigma) / math.sqrt(2))  # 8.9e-4
        noisy = cp.run_json(["run", LOOPBACK_INI, "--cycles", "100000", "--noise-sigma", str(sigma),
                             "--quiet", "--no-host"])[1]
        bits = sum(l["bits"] for l in noisy["lanes"])
        errors = sum(l["errors"] for l in noisy["lanes"])
        # ~22000 expected errors: 5 standard deviations is under 4 %
        self.assertAlmostEqual(errors / bits, expected, delta=5 * math.sqrt(expected * bits) / bits)

    def test_expectation_failure_exits_1_with_reason(self):
        code, res, out, err = cp.run_json(["run", LOOPBACK_INI, "--cycles", "50000",
                                           "--noise-sigma", "0.2", "--quiet"])
        self.assertEqual(code, 1)
        self.assertEqual(res["result"], "fail")
        self.assertIn("BER", res["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
