"""End-to-end runs of `cpoemu run`: the default scenario, the JSON result, the printed
reproduction line, and the RTL's error counters against the channel's noise."""
import configparser
import json
import math
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
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

    def test_run_direct_runs_without_a_model_on_every_transport(self):
        for args in (["--no-host"], ["--no-host", "--transport", "ipc"], ["--transport", "ipc"]):
            code, res, out, err = cp.run_json(["run", "--direct", "--cycles", "30000", "--quiet"] + args)
            self.assertEqual((code, res["result"]), (0, "pass"), f"{args}: {out}{err}")
            self.assertEqual(res["model_wait_s"], 0.0)

    def test_rtl_direct_with_a_host_needs_an_endpoint(self):
        code, out, err = cp.run(["rtl", "--direct", "--cycles", "30000", "--quiet"])
        self.assertEqual(code, 2, out + err)
        self.assertIn("--endpoint URL is required", err)

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
        self.assertEqual(a["config"], b["config"])
        # ... and judged alike: default.ini's expectations are the built-in ones
        for start in ("calibrated", "power-on"):
            ca, ra, _, _ = cp.run_json(["run", DEFAULT_INI, "--cycles", "30000", "--quiet", "--start", start])
            cb, rb, _, _ = cp.run_json(["run", "--cycles", "30000", "--quiet", "--start", start])
            self.assertEqual((ca, ra["result"], ra["error"]), (cb, rb["result"], rb["error"]), start)

    def test_power_on_start_without_bring_up_fails_naming_why(self):
        """The built-in host does not bring a dark engine up: no lane locks, no bit is checked."""
        code, res, out, err = cp.run_json(["run", "--start", "power-on", "--cycles", "30000", "--quiet"])
        self.assertEqual(code, 1, out + err)
        self.assertEqual(res["result"], "fail")
        self.assertRegex(out, r"RESULT: FAIL \(0 of 8 lanes locked .*expected all 8; 0 PRBS bits checked")

    def test_a_scenario_may_expect_no_lock(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "dark.ini")
            with open(path, "w") as f:
                f.write("[model]\nstart = power-on\n[expect]\nmin_locked_lanes = 0\nmin_bits = 0\n")
            code, res, out, err = cp.run_json(["run", path, "--cycles", "30000", "--quiet"])
        self.assertEqual(code, 0, out + err)
        self.assertEqual(res["result"], "pass")

    def test_runs_shorter_than_start_up_never_pass(self):
        """About 300 cycles pass before the lanes lock and the host has read them: a shorter
        run is judged (FAIL, naming why) or refused up front (exit 2), never passed."""
        for cycles in (1, 100, 299):
            for host in ([], ["--no-host"]):
                code, res, out, err = cp.run_json(["run", "--cycles", str(cycles), "--quiet"] + host)
                what = f"{cycles} cycles {host}: exit {code}\n{out}{err}"
                self.assertIn(code, (1, 2), what)
                self.assertNotIn("PASS", out, what)
                if code == 1:
                    self.assertIn("lanes locked", res["error"], what)
                else:
                    self.assertIn("too short for the built-in host", err, what)

    def test_default_ini_sets_every_key(self):
        """Every key the parser knows has its default in default.ini (the built-in defaults are
        that file): a key left out would fail cpoemu at start-up, which this run would show."""
        ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
        ini.read(DEFAULT_INI)
        self.assertIn("min_bits", ini["expect"])
        self.assertEqual(cp.run(["run", "--cycles", "1000", "--no-host", "--quiet"])[0], 1)

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

    def test_json_names_the_transport_that_ran_and_the_revision(self):
        for transport in ("inproc", "ipc", "tcp"):
            code, res, out, err = cp.run_json(["run", "--transport", transport, "--cycles", "30000", "--quiet"])
            self.assertEqual(code, 0, out + err)
            self.assertEqual(res["transport"], transport)
            self.assertIn(f"--transport {transport} ", res["reproduce"])
            self.assertEqual(res["revision"], cp.run(["--version"])[1].split("git ")[1].rstrip(")\n"))

    def test_every_command_answers_help_with_its_own_options(self):
        own = {"run": "--transport", "rtl": "--direct", "model": "--model-trace", "host": "--endpoint",
               "keygen": "--force"}
        cpoemu = os.path.abspath(shutil.which(cp.CPOEMU) or cp.CPOEMU)
        with tempfile.TemporaryDirectory() as d:
            for cmd, option in own.items():
                p = subprocess.run([cpoemu, cmd, "--help"], capture_output=True, text=True, cwd=d)
                self.assertEqual(p.returncode, 0, f"{cmd}: {p.stderr}")
                self.assertIn(f"usage: cpoemu {cmd}", p.stdout)
                self.assertIn(option, p.stdout, cmd)
            self.assertEqual(os.listdir(d), [], "--help wrote files")

    def test_version_names_the_revision(self):
        code, out, err = cp.run(["--version"])
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^cpoemu \d+\.\d+\.\d+ \(git [0-9a-f]{7,}(-dirty)?\)$")
        self.assertEqual(cp.run(["run", "--version"])[1], out)

    def test_keygen_writes_the_secret_for_its_owner_only_and_never_overwrites(self):
        with tempfile.TemporaryDirectory() as d:
            key = os.path.join(d, "k")
            self.assertEqual(cp.run(["keygen", key])[0], 0)
            self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
            with open(key) as f:
                first = f.read()
            code, out, err = cp.run(["keygen", key])
            self.assertEqual(code, 2)
            self.assertIn("exists", err)
            with open(key) as f:
                self.assertEqual(f.read(), first)
            self.assertEqual(cp.run(["keygen", "--force", key])[0], 0)
            with open(key) as f:
                self.assertNotEqual(f.read(), first)
            self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)

    def test_run_refuses_curve_options_up_front(self):
        with tempfile.TemporaryDirectory() as d:
            key = os.path.join(d, "k")
            cp.run(["keygen", key])
            for transport in ("tcp", "ipc"):
                code, out, err = cp.run(["run", "--transport", transport, "--curve-key", key,
                                         "--curve-authorized", key + ".pub", "--cycles", "30000"])
                self.assertEqual(code, 2, out + err)
                self.assertIn("CURVE", err)
                self.assertNotIn("reproduce with", out)

    def test_expectation_failure_exits_1_with_reason(self):
        for transport in ("inproc", "ipc"):
            code, res, out, err = cp.run_json(["run", LOOPBACK_INI, "--cycles", "50000", "--noise-sigma", "0.2",
                                               "--quiet", "--transport", transport])
            self.assertEqual(code, 1, f"{transport}: {out}{err}")
            self.assertEqual(res["result"], "fail")
            self.assertIn("BER", res["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
