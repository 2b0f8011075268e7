"""Waveforms and plots as a person reads them, read back from the files (fst2vcd, Debian's
gtkwave; python3-matplotlib): the FST's timescale is 1 fs and its stamps are the real simulated
time of the run's datapath clock (engine and lanes designs differ); the D2D link's ACTIVE is
where the README says; --trace-window bounds the file in cycles or in time; the RTL, each lane's
split-out words and counters and the model's quantities are in one file; the GTKWave view names
only signals the file has; a run stopped by SIGINT leaves a readable trace; a run's PNG plots."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "cosim"))
sys.path.insert(0, os.path.join(SRC, "host", "python"))
import cpoemu_proc as cp  # noqa: E402

DEADLINE_S = 300  # generous: a busy machine may stall a tracing run for a long time
# not a test of timeouts: a busy machine may stall a tracing role for seconds
SLOW_PEERS = ["--timeout-ms", "60000"]
D2D_ACTIVE = 0x17  # cpo_d2d_ltsm_state_t ACTIVE
ACTIVE_CYCLE = 9673  # README: "ACTIVE at cycle 9,673 with its real timers"


def read_vcd(fst, wanted=None):
  """fst2vcd's view of fst: (timescale, {full name: (id, width)}, [times],
    {id: [(time, value)]} for the ids of the names in wanted (all if None))."""
  text = subprocess.run(["fst2vcd", fst], capture_output=True, text=True, check=True).stdout
  head, _, body = text.partition("$enddefinitions")
  timescale = re.search(r"\$timescale\s+(\S+)\s+\$end", head).group(1)
  names, scopes = {}, []
  for line in head.splitlines():
    tok = line.split()
    if tok[:1] == ["$scope"]:
      scopes.append(tok[2])
    elif tok[:1] == ["$upscope"]:
      scopes.pop()
    elif tok[:1] == ["$var"]:
      names[".".join(scopes + [tok[4]])] = (tok[3], int(tok[2]))
  ids = None if wanted is None else {names[n][0] for n in wanted if n in names}
  times, changes, t = [], {}, 0
  for line in body.splitlines()[1:]:
    if not line or line.startswith("$"):
      continue
    if line[0] == "#":
      t = int(line[1:])
      times.append(t)
      continue
    if line[0] in "br":
      value, code = line[1:].split()
    else:
      value, code = line[0], line[1:]
    if ids is None or code in ids:
      changes.setdefault(code, []).append((t, value))
  return timescale, names, times, changes


def fs_of_half_cycle(units, symbols, baud):
  """The trace's stamp (fs) of clock phase `units` (2 per cycle): floor(units * T / 2)."""
  return units * symbols * 10**15 // (2 * baud)


class Trace(unittest.TestCase):

  def setUp(self):
    self.tmp = tempfile.TemporaryDirectory(prefix="cpo-trace-")
    self.dir = self.tmp.name
    self.env = cp.env_with_tmpdir(self.dir)

  def tearDown(self):
    self.tmp.cleanup()

  def run_traced(self, args):
    fst, js = os.path.join(self.dir, "run.fst"), os.path.join(self.dir, "run.json")
    code, out, err = cp.run(["run", "--quiet", "--trace", fst, "--json", js] + SLOW_PEERS + args,
                            timeout=DEADLINE_S,
                            env=self.env)
    self.assertEqual(code, 0, err)
    with open(js) as f:
      return fst, json.load(f)

  def test_engine_time_axis_window_and_one_file(self):
    fst, run = self.run_traced([
        "--cycles", "14000", "--trace-window", "9000:11000", "--expect-min-locked-lanes", "0",
        "--expect-min-bits", "0"
    ])  # short: the lanes lock later
    cfg = run["config"]
    sym, baud = cfg["symbols_per_cycle"], cfg["baud_hz"]
    self.assertEqual((sym, baud), (8, 106250000000))  # a cycle is 75.29 ps
    state = "top.cpo_engine_top.asic_state_o"
    tx, tx0 = "top.cpo_engine_top.media_tx_o", "lanes.media0.tx_word"
    ts, names, times, ch = read_vcd(fst, [state, tx, tx0])
    self.assertEqual(ts, "1fs")
    # The window: from the first phase of cycle 9000 to the last of cycle 10999.
    self.assertEqual(times[0], fs_of_half_cycle(2 * 9000, sym, baud))
    self.assertEqual(max(times), fs_of_half_cycle(2 * 11000 - 1, sym, baud))
    # Every stamp is a clock phase's real time (up to the model's 50 ns grid, also on it).
    phases = {fs_of_half_cycle(u, sym, baud) for u in range(2 * 9000, 2 * 11000)}
    self.assertTrue(set(times) <= phases, sorted(set(times) - phases)[:5])
    # A known event: the D2D link is ACTIVE from cycle 9673 on: the state register takes it at
    # the rising edge in the middle of cycle 9672 (phase 2 * 9672 + 1).
    sid = names[state][0]
    active = [t for t, v in ch[sid] if int(v, 2) == D2D_ACTIVE]
    self.assertTrue(active, "the trace shows the D2D link ACTIVE")
    self.assertEqual(active[0], fs_of_half_cycle(2 * ACTIVE_CYCLE - 1, sym, baud))
    # One file: the RTL, each lane split out, the model's quantities.
    for n in [
        "top.clk_i", "lanes.host0.errors", "lanes.host7.locked", "lanes.media7.rx_word",
        "model.lane0.detuning_pm", "model.lane7.heater_w", "model.lane3.temp_k",
        "model.lane0.rx_power_w"
    ]:
      self.assertIn(n, names)
    self.assertFalse(os.path.exists(os.path.join(self.dir, "run.model.fst")))
    # The split lane words are the packed port's slices, at every change.
    packed = dict(ch[names[tx][0]])
    for t, v in ch[names[tx0][0]]:
      self.assertEqual(int(v, 2), int(packed[t], 2) & 0xFFFF)
    # The GTKWave view: beside the file, naming it and only signals it has.
    with open(os.path.join(self.dir, "run.gtkw")) as f:
      gtkw = f.read()
    self.assertIn(f'[dumpfile] "{os.path.realpath(fst)}"', gtkw)
    listed = [l for l in gtkw.splitlines() if l and l[0] not in "[@-*"]
    self.assertGreater(len(listed), 20)
    for l in listed:
      self.assertIn(re.sub(r"\[\d+:\d+\]$", "", l), names, l)

  def test_lanes_design_window_in_time(self):
    fst, run = self.run_traced(
        ["--design", "lanes", "--no-host", "--cycles", "12000", "--trace-window", "1us:1.2us"])
    cfg = run["config"]
    sym, baud = cfg["symbols_per_cycle"], cfg["baud_hz"]
    self.assertEqual(sym, 16)  # 16 symbols a cycle: 150.6 ps, twice the engine's
    ts, names, times, _ = read_vcd(fst, [])
    self.assertEqual(ts, "1fs")
    cycle_fs = sym * 10**15 / baud
    first = -(-10**9 * baud // (sym * 10**15))  # the first cycle at or after 1 us
    self.assertEqual(times[0], fs_of_half_cycle(2 * first, sym, baud))
    self.assertGreaterEqual(times[0], 10**9)
    self.assertLess(times[0], 10**9 + cycle_fs)
    self.assertLess(max(times), 1.2e9)
    self.assertGreater(max(times), 1.2e9 - cycle_fs)
    self.assertIn("lanes.media0.rx_word", names)
    self.assertEqual(names["lanes.media0.rx_word"][1], 32)

  def test_sigint_leaves_a_readable_trace(self):
    fst, js = os.path.join(self.dir, "run.fst"), os.path.join(self.dir, "run.json")
    p = cp.start(["run", "--cycles", "2000000", "--trace", fst, "--json", js] + SLOW_PEERS,
                 env=self.env)
    try:
      # Mid-run: the progress line when the D2D link comes up (printed at once).
      cp.wait_for_line(p.stderr, "D2D ACTIVE", DEADLINE_S)
      p.send_signal(signal.SIGINT)
      _, err = p.communicate(timeout=DEADLINE_S)
    finally:
      if p.poll() is None:
        p.kill()
        p.wait()
    self.assertEqual(p.returncode, 3, err)
    with open(js) as f:
      run = json.load(f)
    self.assertEqual(run["result"], "interrupted")
    ts, names, times, _ = read_vcd(fst, [])
    self.assertEqual(ts, "1fs")
    cfg = run["config"]
    # Recorded up to about where it stopped (the model's last grid point may be ahead a bit).
    self.assertGreater(max(times), fs_of_half_cycle(2 * ACTIVE_CYCLE, 8, 106250000000))
    self.assertLessEqual(max(times), (run["cycles"] + 10**5) * 8 * 10**15 // cfg["baud_hz"])
    self.assertIn("model.lane0.detuning_pm", names)
    self.assertTrue(os.path.exists(os.path.join(self.dir, "run.gtkw")))

  def test_plots_of_a_run(self):
    import cpoemu_plots
    from matplotlib import image
    fst, run = self.run_traced(["--cycles", "24000", "--trace-window", "8000:9000"])
    self.assertIn("series", run)
    self.assertEqual(run["series"]["d2d_states"][-1]["state"], "ACTIVE")
    # The firmware leaves CMIS alone here: the module stays in low power, every lane
    # deactivated, from cycle 0 on.
    cmis = run["series"]["cmis_states"]
    self.assertEqual(cmis[0]["cycle"], 0)
    self.assertEqual({c["module"] for c in cmis}, {"ModuleLowPwr"})
    self.assertEqual(cmis[-1]["dp"], ["DPDeactivated"] * run["config"]["lanes"])
    out = os.path.join(self.dir, "plots")
    made = cpoemu_plots.make_plots(os.path.join(self.dir, "run.json"), out)
    want = {"ber.png", "ring.png", "laser.png", "states.png", "cmis.png", "eye.png"}
    self.assertEqual({os.path.basename(p) for p in made}, want)
    for name in want:
      path = os.path.join(out, name)
      with open(path, "rb") as f:
        self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", name)
      pixels = image.imread(path)
      self.assertGreater(pixels.shape[0] * pixels.shape[1], 100 * 100, name)
    # The command line, as a user runs it.
    r = subprocess.run([
        sys.executable,
        os.path.join(SRC, "host", "python", "cpoemu_plots.py"),
        os.path.join(self.dir, "run.json"), out + "2"
    ],
                       capture_output=True,
                       text=True)
    self.assertEqual(r.returncode, 0, r.stderr)
    self.assertEqual(len(r.stdout.split()), len(want))


if __name__ == "__main__":
  unittest.main(verbosity=2)
