#!/usr/bin/python3
"""D2D faults injected mid-run with the optics in the path: `cpoemu rtl --with-host` (the engine
design) + `cpoemu model` (default profile, statistical fidelity) over ipc, driven by the Python
client as host through the ENGINE address space.

Each fault class the RTL-only engine test (tests/engine/test_engine.cpp) injects gets its own
co-simulated run: the host waits (simulated cycles, bounded) for both ends ACTIVE, checks the
host lanes error-free, injects the fault through ENGINE_CHANNEL, waits (bounded) and checks the
outcome the D2D tests expect, with both ends' training logs:
- one stuck data wire: PHYRETRAIN, MBTRAIN.REPAIR onto the spare, full width, traffic clean;
- an error burst: one PHYRETRAIN at both ends, back to ACTIVE, traffic clean;
- eyes closed at the top speed: retrained one speed step down, traffic clean;
- too many bad wires: width degraded to half, the lanes in use clean;
- a dead sideband and a retrain request: TRAINERROR (residency timeout), a link reset recovers.
The stuck-wire run gives the same event_hash over ipc and tcp.

usage: test_d2d_faults.py   (environment: CPOEMU, CPO_SOURCE_DIR, PYTHONPATH with the
generated registers)
"""
import json
import os
import socket
import sys
import unittest

SRC = os.environ.get("CPO_SOURCE_DIR",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "host", "python"))
import addrmap as am  # noqa: E402  (generated)
import cpoemu_client as cc  # noqa: E402
import cpoemu_proc  # noqa: E402  (beside this file)
import d2d_regs as d2d  # noqa: E402  (generated)
import d2dch_regs as ch  # noqa: E402  (generated)
import oe_regs as oe  # noqa: E402  (generated)
import traffic_regs as tr  # noqa: E402  (generated)

CPOEMU = cpoemu_proc.CPOEMU
SCENARIO = os.path.join(SRC, "testbenches", "scenarios", "default.ini")
ACTIVE, TRAIN_ERROR = d2d.LtsmState.ACTIVE, d2d.LtsmState.TRAIN_ERROR
TRAIN_CYCLES = 200_000  # a clean training takes ~10k cycles (as tests/engine)
POLL = 64  # cycles between two looks at the state registers
TRAFFIC = 4_000  # cycles of traffic checked
TIMER_SHIFT = 12  # the dead-sideband case scales the D2D timers (a test option, as tests/engine)
# The D2D timers count real time at the run's clock: the default profile's 106.25 GBd over 8
# symbols per cycle is 13281.25 cycles per microsecond.
CYCLES_PER_US = 106.25e9 / 8 / 1e6


def field(v, mask, shift):
  return (v & mask) >> shift


def state_name(code):
  try:
    return d2d.LtsmState(code).name
  except ValueError:
    return f"0x{code:02x}"


def free_tcp_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


class Engine:
  """The engine design and the models as two processes, a Python host attached to the rtl."""

  def __init__(self, cycles, transport="ipc"):
    self.roles = cpoemu_proc.Roles(CPOEMU)
    if transport == "tcp":
      self.roles.endpoint = f"tcp://127.0.0.1:{free_tcp_port()}"
    self.json = os.path.join(self.roles.dir, "rtl.json")
    run = [SCENARIO, "--cycles", str(cycles), "--quiet"]
    self.roles.spawn("rtl", *run, "--with-host", "--json", self.json)
    self.roles.spawn("model", *run)
    self.host = cc.Client(self.roles.endpoint, timeout_ms=20000)
    try:
      self.host.connect()
    except BaseException:
      self.close()
      raise
    cfg = self.rd(self.at_oe(am.CPO_ADDRMAP_OE_MGMT_BASE + oe.CPO_OE_CONFIG_OFFSET))
    self.lanes = field(cfg, oe.CPO_OE_CONFIG_HOST_LANES_MASK, oe.CPO_OE_CONFIG_HOST_LANES_SHIFT)
    mods = self.rd(self.at_oe(am.CPO_ADDRMAP_OE_MGMT_BASE + oe.CPO_OE_D2D_OFFSET))
    self.modules = field(mods, oe.CPO_OE_D2D_MODULES_MASK, oe.CPO_OE_D2D_MODULES_SHIFT)
    self.module_lanes = field(mods, oe.CPO_OE_D2D_MODULE_LANES_MASK,
                              oe.CPO_OE_D2D_MODULE_LANES_SHIFT)
    self.logs = {"asic": [], "oe": []}  # every entry popped so far, per end

  # addresses in the ENGINE space (module 0: the default profile has one)
  @staticmethod
  def at_oe(oe_addr):
    return am.CPO_ADDRMAP_ENGINE_OE_BASE + oe_addr

  @staticmethod
  def at_d2d(end, off):
    return (am.CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE +
            off if end == "asic" else Engine.at_oe(am.CPO_ADDRMAP_OE_D2D_BASE + off))

  @staticmethod
  def at_ch(off):
    return am.CPO_ADDRMAP_ENGINE_CHANNEL_BASE + off

  @staticmethod
  def at_traffic(off):
    return am.CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + off

  def rd(self, addr):
    return self.host.read(addr)

  def wr(self, addr, v):
    self.host.write(addr, v)

  def status(self, end, mask=d2d.CPO_D2D_STATUS_STATE_MASK, shift=d2d.CPO_D2D_STATUS_STATE_SHIFT):
    return field(self.rd(self.at_d2d(end, d2d.CPO_D2D_STATUS_OFFSET)), mask, shift)

  def retrains(self, end):
    """Times this end entered PHYRETRAIN (a state it may pass between two looks)."""
    return field(self.rd(self.at_d2d(end, d2d.CPO_D2D_TRAIN_CNT_OFFSET)),
                 d2d.CPO_D2D_TRAIN_CNT_RETRAINS_MASK, d2d.CPO_D2D_TRAIN_CNT_RETRAINS_SHIFT)

  def wait_until(self, cond, max_cycles, what):
    """Look at cond() every POLL simulated cycles until it holds; fail after max_cycles."""
    end = self.host.now() + max_cycles
    while not cond():
      if self.host.now() >= end:
        raise AssertionError(f"not within {max_cycles} cycles: {what} (at cycle "
                             f"{self.host.now()}: ASIC {state_name(self.status('asic'))}, OE "
                             f"{state_name(self.status('oe'))})")
      self.host.sleep_cycles(POLL)

  def both(self, code):
    return self.status("asic") == code and self.status("oe") == code

  def drain_logs(self):
    """Pop both ends' training logs; returns {end: [(cycle, from, to)]} of this drain."""
    out = {}
    for end in ("asic", "oe"):
      entries = []
      while self.rd(self.at_d2d(end,
                                d2d.CPO_D2D_LOG_STATUS_OFFSET)) & d2d.CPO_D2D_LOG_STATUS_VALID_MASK:
        cyc = self.rd(self.at_d2d(end, d2d.CPO_D2D_LOG_CYCLE_OFFSET))
        ent = self.rd(self.at_d2d(end, d2d.CPO_D2D_LOG_ENTRY_OFFSET))
        entries.append(
            (cyc, field(ent, d2d.CPO_D2D_LOG_ENTRY_FROM_MASK, d2d.CPO_D2D_LOG_ENTRY_FROM_SHIFT),
             field(ent, d2d.CPO_D2D_LOG_ENTRY_TO_MASK, d2d.CPO_D2D_LOG_ENTRY_TO_SHIFT)))
        self.wr(self.at_d2d(end, d2d.CPO_D2D_CMD_OFFSET), d2d.CPO_D2D_CMD_LOG_POP_MASK)
        if len(entries) > 1024:
          raise AssertionError(f"{end} training log never empties")
      self.logs[end] += entries
      out[end] = entries
    return out

  def train(self, what="both ends ACTIVE"):
    """Wait for both ends ACTIVE; returns both ends' log entries since the last drain."""
    self.wait_until(lambda: self.both(ACTIVE), TRAIN_CYCLES, what)
    return self.drain_logs()

  def check_traffic(self, lanes=None):
    """Clear every counter, run, and check each of the first @lanes host lanes locked, counting
    bits, without one error (as tests/engine's check_traffic)."""
    lanes = self.lanes if lanes is None else lanes
    # The link's first words make the optical round trip (L: the path's latency here) first:
    # until then the checkers see the loopback's idle zeros, lock on them and hunt again.
    self.host.sleep_cycles(3 * self.host.config.latency_cycles + 1000)
    self.wr(self.at_traffic(tr.CPO_TRAFFIC_CNT_CLEAR_OFFSET), tr.CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK)
    for end in ("asic", "oe"):
      self.wr(self.at_d2d(end, d2d.CPO_D2D_CMD_OFFSET), d2d.CPO_D2D_CMD_CNT_CLEAR_MASK)
    self.host.sleep_cycles(TRAFFIC)
    locked = self.rd(self.at_traffic(tr.CPO_TRAFFIC_LOCKED_LO_OFFSET))
    seen = [(l, (locked >> l) & 1, self.rd(self.at_traffic(tr.CPO_TRAFFIC_LANE_BITS_OFFSET_N(l))),
             self.rd(self.at_traffic(tr.CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l)))) for l in range(lanes)]
    bad = [s for s in seen if not s[1] or s[2] == 0 or s[3] != 0]
    if bad:
      raise AssertionError("host lanes not error-free (lane, locked, bits, errors): " + str(bad))
    for end in ("asic", "oe"):
      errs = self.rd(self.at_d2d(end, d2d.CPO_D2D_ACTIVE_ERRS_OFFSET))
      if errs:
        raise AssertionError(f"{end} counted {errs} errors in ACTIVE")
    return sum(s[2] for s in seen)

  def set_wire(self,
               a2o,
               wire,
               eye_w=ch.CPO_D2DCH_A2O_WIRE_EYE_W_RESET,
               stuck=None,
               open_=False,
               err_en=False):
    """One wire's skew 0, eye width, stuck (None, 0 or 1), open and bit-error enable."""
    v = eye_w << ch.CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT
    if stuck is not None:
      v |= ch.CPO_D2DCH_A2O_WIRE_STUCK_EN_MASK | (ch.CPO_D2DCH_A2O_WIRE_STUCK_VAL_MASK
                                                  if stuck else 0)
    v |= ch.CPO_D2DCH_A2O_WIRE_OPEN_MASK if open_ else 0
    v |= ch.CPO_D2DCH_A2O_WIRE_ERR_EN_MASK if err_en else 0
    off = ch.CPO_D2DCH_A2O_WIRE_OFFSET_N(wire) if a2o else ch.CPO_D2DCH_O2A_WIRE_OFFSET_N(wire)
    self.wr(self.at_ch(off), v)

  def finish(self):
    """Detach, let the run end, return the rtl's JSON result."""
    self.host.close()
    for role, rc in self.roles.wait().items():
      if rc not in (0, 1):  # 1: the run's own expectations (every lane locked), which faults miss
        raise AssertionError(f"{role} exited {rc}\n{self.roles.log_text()}")
    with open(self.json) as f:
      result = json.load(f)
    # the optics were in the path: the engine design with the default profile's models
    cfg = result["config"]
    got = (cfg["design"], cfg["profile"], cfg["fidelity"], cfg["topology"])
    if got != ("engine", "mrm-els-8x200g", "statistical", "loopback") or not result["adc_samples"]:
      raise AssertionError(f"not the engine with its optics: {got}, {result['adc_samples']} ADC "
                           "samples")
    return result

  def close(self):
    self.host.close()
    self.roles.close()


def report(what, logs, bits=None):
  """What a fault did, for the test's output: both ends' log entries since the fault."""
  print(f"\n# {what}:", file=sys.stderr)
  for end, entries in logs.items():
    print(f"#   {end}: " + " -> ".join(f"{state_name(t)} @{c}" for c, _, t in entries),
          file=sys.stderr)
  if bits is not None:
    print(f"#   afterwards every host lane in use error-free: {bits} bits", file=sys.stderr)


def steps(entries):
  return [(state_name(f), state_name(t)) for _, f, t in entries]


class D2DFaultsWithOptics(unittest.TestCase):
  CYCLES = 120_000  # each run's length: its script's cycles and a margin

  def start(self, cycles=None, transport="ipc"):
    e = Engine(cycles or self.CYCLES, transport)
    self.addCleanup(e.close)
    return e

  def run_script(self, e, script):
    """The run up to the fault: trained, traffic clean; then @script; failures show the logs."""
    try:
      logs = e.train("initial training")
      self.assertEqual(logs["asic"][-1][2], ACTIVE)
      self.assertEqual(logs["oe"][-1][2], ACTIVE)
      e.check_traffic()
      script(e)
    except (AssertionError, cc.CpoError) as err:
      raise AssertionError(f"{err}\nlogs so far: ASIC {steps(e.logs['asic'])}\n"
                           f"OE {steps(e.logs['oe'])}\n{e.roles.log_text()}") from None

  # -- the fault classes ------------------------------------------------------------------------

  def stuck_wire_repaired(self, e):
    dead = e.module_lanes // 2 + 1
    e.set_wire(True, dead, stuck=1)
    e.wait_until(lambda: e.retrains("oe") == 1, 4000, "OE leaves ACTIVE for PHYRETRAIN")
    logs = e.train("ACTIVE again after the repair")
    self.assertIn(("ACTIVE", "PHY_RETRAIN"), steps(logs["oe"]))
    self.assertIn(("MBTRAIN_LINK_SPEED", "MBTRAIN_REPAIR"), steps(logs["oe"]))
    self.assertEqual(logs["oe"][-1][2], ACTIVE)
    self.assertEqual(e.rd(e.at_d2d("oe", d2d.CPO_D2D_RX_BAD_LO_OFFSET)), 1 << dead)
    for end in ("asic", "oe"):
      self.assertEqual(e.status(end, d2d.CPO_D2D_STATUS_WIDTH_MASK, d2d.CPO_D2D_STATUS_WIDTH_SHIFT),
                       e.module_lanes, f"{end} width after the repair")
    bits = e.check_traffic()  # every host lane, the one on the repaired wire included
    report(f"A2O wire {dead} stuck at 1: repaired onto the spare", logs, bits)

  def error_burst_retrains(self, e):
    for w in range(4):
      e.set_wire(True, w, err_en=True)
    e.wr(e.at_ch(ch.CPO_D2DCH_A2O_BER_OFFSET), 0x40000000)
    ctrl = e.rd(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET)) & ~ch.CPO_D2DCH_A2O_CTRL_ERR_MODE_MASK
    e.wr(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET), ctrl | (2 << ch.CPO_D2DCH_A2O_CTRL_ERR_MODE_SHIFT))
    e.wr(e.at_ch(ch.CPO_D2DCH_A2O_BURST_OFFSET), 300 | ch.CPO_D2DCH_A2O_BURST_START_MASK)
    e.wait_until(lambda: e.retrains("oe") == 1, 4000, "OE leaves ACTIVE for PHYRETRAIN")
    logs = e.train("ACTIVE again after the burst")
    for end in ("asic", "oe"):
      self.assertIn(("ACTIVE", "PHY_RETRAIN"), steps(logs[end]), end)
      self.assertEqual(logs[end][-1][2], ACTIVE, end)
      self.assertEqual(e.retrains(end), 1, end)
    report("A2O error burst of 300 cycles: retrained", logs, e.check_traffic())

  def marginal_eye_degrades_speed(self, e):
    # closed at the top speed, open one step down (EYE_STEP): the retrain lowers the speed
    for a2o in (True, False):
      for w in range(e.module_lanes + 3):
        e.set_wire(a2o, w, eye_w=0)
    e.wait_until(lambda: e.retrains("asic") + e.retrains("oe") > 0, 4000, "the link retrains")
    logs = e.train("ACTIVE again one speed step down")
    self.assertIn(("MBTRAIN_LINK_SPEED", "MBTRAIN_SPEED_IDLE"), steps(logs["asic"]))
    for end in ("asic", "oe"):
      self.assertEqual(e.status(end, d2d.CPO_D2D_STATUS_SPEED_MASK, d2d.CPO_D2D_STATUS_SPEED_SHIFT),
                       d2d.CPO_D2D_CAP_MAX_SPEED_RESET - 1, f"{end} speed")
    report("eyes closed at the top speed: one speed step down", logs, e.check_traffic())

  def bad_wires_degrade_width(self, e):
    # two lower lanes stuck and an upper one open: only the upper half plus the spare is whole
    half = e.module_lanes // 2
    e.set_wire(True, 1, stuck=0)
    e.set_wire(True, 2, stuck=1)
    e.set_wire(True, half + 1, open_=True)
    e.wait_until(lambda: e.retrains("oe") > 0, 4000, "OE leaves ACTIVE")
    logs = e.train("ACTIVE again at half width")
    for end in ("asic", "oe"):
      self.assertEqual(e.status(end, d2d.CPO_D2D_STATUS_WIDTH_MASK, d2d.CPO_D2D_STATUS_WIDTH_SHIFT),
                       half, f"{end} width")
    # the logical lanes still in use carry their host lanes error-free
    report(f"A2O wires 1, 2 stuck, {half + 1} open: width {half}", logs, e.check_traffic(half))

  def dead_sideband_trainerror(self, e):
    # the ASIC -> OE sideband dies, then the ASIC asks for a retrain: PHYRETRAIN cannot be
    # exchanged and the ASIC outstays the (scaled) residency timeout
    e.wr(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET),
         e.rd(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET)) | ch.CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK)
    e.wr(e.at_d2d("asic", d2d.CPO_D2D_CMD_OFFSET), d2d.CPO_D2D_CMD_RETRAIN_MASK)
    residency = int(8000 * CYCLES_PER_US) >> TIMER_SHIFT
    e.wait_until(lambda: e.status("asic") == TRAIN_ERROR, 3 * residency, "ASIC in TRAINERROR")
    err = e.rd(e.at_d2d("asic", d2d.CPO_D2D_ERR_STATUS_OFFSET))
    self.assertEqual(
        field(err, d2d.CPO_D2D_ERR_STATUS_CAUSE_MASK, d2d.CPO_D2D_ERR_STATUS_CAUSE_SHIFT), 1,
        "cause: residency timeout")
    logs = e.drain_logs()
    self.assertIn(("ACTIVE", "PHY_RETRAIN"), steps(logs["asic"]))
    self.assertEqual(state_name(logs["asic"][-1][2]), "TRAIN_ERROR")
    report(
        "A2O sideband dead, ASIC asks for a retrain: TRAINERROR (residency timeout); the OE, "
        f"told nothing, is in {state_name(e.status('oe'))}", logs)
    # the sideband is back: a link reset from the host side retrains both ends
    e.wr(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET),
         e.rd(e.at_ch(ch.CPO_D2DCH_A2O_CTRL_OFFSET)) & ~ch.CPO_D2DCH_A2O_CTRL_SB_DEAD_MASK)
    e.wr(e.at_d2d("asic", d2d.CPO_D2D_CMD_OFFSET), d2d.CPO_D2D_CMD_LINK_RESET_MASK)
    logs = e.train("ACTIVE again after the link reset")
    self.assertEqual(logs["asic"][-1][2], ACTIVE)
    report("sideband back, link reset: trained again", logs, e.check_traffic())

  # -- the runs ---------------------------------------------------------------------------------

  def test_stuck_data_wire_repaired_onto_spare_same_hash_over_ipc_and_tcp(self):
    """The repair, run twice: over ipc and over tcp, the same event_hash (faults included)."""
    hashes = {}
    for transport in ("ipc", "tcp"):
      e = self.start(transport=transport)
      self.run_script(e, self.stuck_wire_repaired)
      hashes[transport] = e.finish()["event_hash"]
    self.assertEqual(hashes["ipc"], hashes["tcp"])

  def test_error_burst_retrains(self):
    e = self.start()
    self.run_script(e, self.error_burst_retrains)
    e.finish()

  def test_marginal_eye_degrades_speed(self):
    e = self.start()
    self.run_script(e, self.marginal_eye_degrades_speed)
    e.finish()

  def test_too_many_bad_wires_degrade_width(self):
    e = self.start()
    self.run_script(e, self.bad_wires_degrade_width)
    e.finish()

  def test_dead_sideband_trainerror_and_link_reset_recovers(self):
    e = self.start(cycles=250_000)

    def scaled(e):
      for end in ("asic", "oe"):
        e.wr(e.at_d2d(end, d2d.CPO_D2D_TIMER_OFFSET),
             d2d.CPO_D2D_TIMER_USE_SHIFT_MASK | (TIMER_SHIFT << d2d.CPO_D2D_TIMER_SHIFT_SHIFT))
      self.dead_sideband_trainerror(e)

    self.run_script(e, scaled)
    e.finish()


if __name__ == "__main__":
  unittest.main(verbosity=2)
