"""End-to-end runs of `cpoemu run`: the default scenario, the JSON result, the printed
reproduction line, and the RTL's error counters against the channel's noise."""
import configparser
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


def print_scenario(args):
  """`cpoemu run ARGS --print-scenario`: the parameters as read, as a scenario file."""
  code, out, err = cp.run(["run"] + args + ["--print-scenario"])
  assert code == 0, f"{args}: exit {code}\n{err}"
  return out


def parse_ini(text):
  """{(section, key): value} of a scenario file's text."""
  ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
  ini.read_string(text)
  return {(s, k): ini[s][k] for s in ini.sections() for k in ini[s]}


def help_parameters():
  """The parameters `cpoemu run --help` lists: {(section, key): (options, expected, default)}."""
  out = cp.run(["run", "--help"])[1]
  # "  --opt METAVAR   help..." (maybe wrapped), then "   [section] key: expected; default D"
  text = re.sub(r"\n {31}(?!\[\w+\] \w+:)", " ", out)
  found = {}
  for m in re.finditer(r"^  (--\S+)(?: \| (--\S+))?.*\n {31}\[(\w+)\] (\w+): (.*); default (\S+)$",
                       text, re.M):
    found[(m[3], m[4])] = ([o for o in (m[1], m[2]) if o], m[5], m[6])
  return found


def other_value(expected, default):
  """A valid value other than @default, from the help's "expected" text."""
  m = re.search(r"from (\S+) to (\S+)$", expected)
  if m:
    low, high = m[1], m[2]
    if "whole" in expected:  # 1e+15 as 1000000000000000; 2^64 - 1 exactly, not through a float
      low, high = (x if x.isdigit() else str(int(float(x))) for x in (low, high))
    return high if re.fullmatch(r"[\d.e+-]+", default) and float(low) == float(default) else low
  words = re.split(r", or |, | or ", re.sub(r"^one of ", "", expected))
  return next(w for w in words if w != default and not w.startswith("a "))


def out_of_range(expected):
  """A value just outside the range the help names, or None for a list of words."""
  m = re.search(r"from (\S+) to (\S+)$", expected)
  if not m:
    return None
  if "whole" in expected:
    return str(int(float(m[2])) + 1) if float(m[1]) == 0 else str(int(float(m[1])) - 1)
  return repr(float(m[2]) * 1.5 + 1)


class Parameters(unittest.TestCase):
  """One table of parameters (testbenches/params.def): each is in --help, a scenario key and an
    option, read alike in both, and carried whole by the reproduce line."""

  def setUp(self):
    self.params = help_parameters()
    self.defaults = parse_ini(print_scenario([]))
    self.tmp = tempfile.TemporaryDirectory()
    self.addCleanup(self.tmp.cleanup)

  def scenario(self, section, key, value):
    path = os.path.join(self.tmp.name, "s.ini")
    with open(path, "w") as f:
      f.write(f"[{section}]\n{key} = {value}\n")
    return path

  def test_every_parameter_is_in_help(self):
    self.assertEqual(set(self.params), set(self.defaults))
    for (section, key), (options, expected, default) in self.params.items():
      printed = self.defaults[(section, key)]
      same = printed == default or (re.fullmatch(r"[\d.e+-]+", default) and
                                    float(printed) == float(default))
      self.assertTrue(same, f"{key}: --help says default {default}, the parser {printed}")

  def test_every_parameter_is_a_scenario_key_and_an_option_read_alike(self):
    for (section, key), (options, expected, default) in self.params.items():
      value = other_value(expected, default)
      if key == "script":  # a relative one in a file is beside the file: an absolute path reads
        value = "/" + value  # alike both ways (test_timeline checks the relative one)
      with self.subTest(key=key, value=value):
        from_file = parse_ini(print_scenario([self.scenario(section, key, value)]))
        option = ([o for o in options if not o.startswith("--with-")]
                  if len(options) > 1 else options + [value])
        from_option = parse_ini(print_scenario(option))
        self.assertEqual(from_file, from_option)
        self.assertNotEqual(from_file[(section, key)], self.defaults[(section, key)])
        changed = {k for k in from_file if from_file[k] != self.defaults[k]}
        # the loopback is always bit-true: choosing it changes the fidelity too
        self.assertTrue(changed <= {(section, key), ("model", "fidelity")}, changed)

  def test_ranges_are_the_same_in_files_and_options(self):
    for (section, key), (options, expected, default) in self.params.items():
      bad = out_of_range(expected) or "no-such-word"
      with self.subTest(key=key, value=bad):
        code_f, out_f, err_f = cp.run(["run", self.scenario(section, key, bad), "--print-scenario"])
        code_o, out_o, err_o = cp.run(["run", options[0], bad, "--print-scenario"]
                                      if len(options) == 1 else ["run", options[0] + "=" + bad])
        self.assertEqual(code_f, 2, err_f)
        self.assertEqual(code_o, 2, err_o)
        if len(options) == 1:
          self.assertIn(f"{key} = '{bad}': expected {expected}", err_f)
          self.assertIn(f"{options[0]} {bad}: expected {expected}", err_o)

  def test_range_ends_are_accepted_in_files_and_options(self):
    """noise_sigma = 10 was refused though the message said "from 0 to 10"."""
    self.assertEqual(
        parse_ini(print_scenario(["--noise-sigma", "10"]))[("model", "noise_sigma")], "10")
    path = self.scenario("model", "noise_sigma", "10")
    self.assertEqual(parse_ini(print_scenario([path]))[("model", "noise_sigma")], "10")

  def test_reproduce_line_carries_every_parameter(self):
    args = []
    for (section, key), (options, expected, default) in self.params.items():
      if key == "profile":
        continue  # the loopback would make the fidelity bit-true: keep the engine
      value = other_value(expected, default)
      args += [o for o in options if not o.startswith("--with-")
              ] if len(options) > 1 else [options[0], value]
    out = print_scenario(args + ["--direct", "--allow-attach"])
    line = re.search(r"^; reproduce with: (.*)$", out, re.M)[1]
    again = cp.run(shlex.split(line)[1:] + ["--print-scenario"])[1]
    self.assertEqual(parse_ini(again), parse_ini(out))
    self.assertNotEqual(parse_ini(out), self.defaults)
    self.assertIn("--direct --allow-attach", line)


class Run(unittest.TestCase):

  def test_default_scenario_passes_and_reports(self):
    code, res, out, err = cp.run_json(["run", DEFAULT_INI, "--quiet"])
    self.assertEqual(code, 0, out + err)
    self.assertIn("RESULT: PASS", out)
    for key in ("seed", "cycles", "sim_time_s", "wall_s", "model_wait_s", "event_hash", "lanes",
                "reproduce"):
      self.assertIn(key, res)
    self.assertTrue(0 <= res["model_wait_s"] <= res["wall_s"], res)
    self.assertEqual(res["cycles"], 2000000)
    self.assertEqual(res["config"]["profile"], "mrm-els-8x200g")
    # the engine's 16-bit media word: 8 PAM4 symbols per cycle
    self.assertEqual(res["config"]["design"], "engine")
    self.assertEqual(res["config"]["symbols_per_cycle"], 8)
    self.assertAlmostEqual(res["sim_time_s"], 2000000 * 8 / 106.25e9, places=12)
    self.assertEqual(len(res["lanes"]), 8)
    self.assertTrue(all(l["locked"] for l in res["lanes"]))
    self.assertTrue(all(l["bits"] > 30000000 for l in res["lanes"]))
    self.assertTrue(all(l["errors"] == 0 for l in res["lanes"]))
    self.assertIn('host: engine: ASIC D2D "D2DE", OE controller "CPOO"', out)
    # the D2D link trained at both ends, as the D2D tests see it, and the host read the logs
    for end in ("asic", "oe "):
      line = next(l for l in out.splitlines() if l.startswith(f"host: d2d 0 {end}"))
      self.assertIn("ACTIVE, link up", line)
      self.assertIn("RESET -> SBINIT", line)
      self.assertIn("-> LINK_INIT", line)
      self.assertTrue(line.endswith(" -> ACTIVE @9673"), line)
    self.assertIn("host: laser 0:", out)  # the OE's monitor ADCs, read through its port

  def test_lanes_design_still_runs(self):
    code, res, out, err = cp.run_json(["run", "--design", "lanes", "--cycles", "300000", "--quiet"])
    self.assertEqual(code, 0, out + err)
    self.assertEqual(res["config"]["design"], "lanes")
    self.assertEqual(res["config"]["symbols_per_cycle"], 16)
    self.assertIn("host: engine id 0x43504f45", out)

  def test_direct_baseline_never_waits_for_a_model(self):
    code, res, out, err = cp.run_json(
        ["rtl", "--direct", "--cycles", "30000", "--no-host", "--quiet"])
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
      ca, ra, _, _ = cp.run_json(
          ["run", DEFAULT_INI, "--cycles", "30000", "--quiet", "--start", start])
      cb, rb, _, _ = cp.run_json(["run", "--cycles", "30000", "--quiet", "--start", start])
      self.assertEqual((ca, ra["result"], ra["error"]), (cb, rb["result"], rb["error"]), start)

  def test_power_on_start_without_bring_up_fails_naming_why(self):
    """The built-in host does not bring a dark engine up: no lane locks, no bit is checked."""
    code, res, out, err = cp.run_json(
        ["run", "--start", "power-on", "--cycles", "30000", "--quiet"])
    self.assertEqual(code, 1, out + err)
    self.assertEqual(res["result"], "fail")
    self.assertRegex(out,
                     r"RESULT: FAIL \(0 of 8 lanes locked .*expected all 8; 0 PRBS bits checked")

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
    """default.ini writes every parameter's default (params.def), and nothing else: the file
        read as a scenario is exactly the built-in defaults."""
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read(DEFAULT_INI)
    built_in = parse_ini(print_scenario([]))
    self.assertEqual({(s, k) for s in ini.sections() for k in ini[s]}, set(built_in))
    self.assertEqual(parse_ini(print_scenario([DEFAULT_INI])), built_in)

  def test_printed_command_reproduces_the_run(self):
    code, res, out, err = cp.run_json([
        "run", "--cycles", "40000", "--seed", "9", "--transport", "ipc", "--quantum", "100",
        "--quiet"
    ])
    self.assertEqual(code, 0, out + err)
    line = re.search(r"reproduce with: (.*)", out).group(1)
    args = shlex.split(line)[1:]
    code2, res2, _, _ = cp.run_json(args)
    self.assertEqual(code2, 0)
    self.assertEqual(res2["event_hash"], res["event_hash"])

  def test_noise_free_link_has_no_errors_and_noisy_link_has_some(self):
    clean = cp.run_json(
        ["run", LOOPBACK_INI, "--cycles", "100000", "--noise-sigma", "0", "--quiet"])[1]
    self.assertEqual(sum(l["errors"] for l in clean["lanes"]), 0)
    self.assertTrue(all(l["locked"] for l in clean["lanes"]))
    sigma = 0.16  # eye units: Q = 0.5 / sigma
    expected = 0.5 * math.erfc((0.5 / sigma) / math.sqrt(2))  # 8.9e-4
    noisy = cp.run_json([
        "run", LOOPBACK_INI, "--cycles", "100000", "--noise-sigma",
        str(sigma), "--quiet", "--no-host"
    ])[1]
    bits = sum(l["bits"] for l in noisy["lanes"])
    errors = sum(l["errors"] for l in noisy["lanes"])
    # ~22000 expected errors: 5 standard deviations is under 4 %
    self.assertAlmostEqual(errors / bits, expected, delta=5 * math.sqrt(expected * bits) / bits)

  def test_json_names_the_transport_that_ran_and_the_revision(self):
    for transport in ("inproc", "ipc", "tcp"):
      code, res, out, err = cp.run_json(
          ["run", "--transport", transport, "--cycles", "30000", "--quiet"])
      self.assertEqual(code, 0, out + err)
      self.assertEqual(res["transport"], transport)
      self.assertIn(f"--transport {transport} ", res["reproduce"])
      self.assertEqual(res["revision"], cp.run(["--version"])[1].split("git ")[1].rstrip(")\n"))

  def test_every_command_answers_help_with_its_own_options(self):
    own = {
        "run": "--transport",
        "rtl": "--direct",
        "model": "--model-trace",
        "host": "--endpoint",
        "keygen": "--force"
    }
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
        code, out, err = cp.run([
            "run", "--transport", transport, "--curve-key", key, "--curve-authorized", key + ".pub",
            "--cycles", "30000"
        ])
        self.assertEqual(code, 2, out + err)
        self.assertIn("CURVE", err)
        self.assertNotIn("reproduce with", out)

  def test_expectation_failure_exits_1_with_reason(self):
    for transport in ("inproc", "ipc"):
      code, res, out, err = cp.run_json([
          "run", LOOPBACK_INI, "--cycles", "50000", "--noise-sigma", "0.2", "--quiet",
          "--transport", transport
      ])
      self.assertEqual(code, 1, f"{transport}: {out}{err}")
      self.assertEqual(res["result"], "fail")
      self.assertIn("BER", res["error"])


if __name__ == "__main__":
  unittest.main(verbosity=2)
