#!/usr/bin/python3
"""Thresholds through the physics, in a co-simulation: a CMIS monitor pushed past its thresholds
by the world (the engine's case warming, the fibre losing 30 dB) or by a laser's drive current
sets exactly the latched flags it should, on the lanes it should, and each flag clears on read
once the condition is gone.

`cpoemu rtl --with-host` + `cpoemu model` run a scenario written here whose timeline steps the
ambient (and back) and adds fibre loss at fixed simulated times; the Python CMIS host
(cpoemu_cmis.Cmis) sets thresholds around what the monitors read, sleeps in simulated time past
each event (never in wall time), and reads the flags. The lanes are parked (OE STREAM_EN 0): the
monitors need no traffic, and the run skips the cycles between accesses. A laser's drive current
is the host's own lever (OE laser-current DAC 0):
- mrm-els-8x200g: one external laser source feeds all 8 lanes. The engine has no laser per lane,
  so page 01h does not advertise Tx bias: its flags never latch, whatever the thresholds. Each
  lane's Tx power is its tap: the source's drive lowered, every lane's Tx power falls past both
  lows.
- mzm-6.4t: a laser per lane (64, eight banks). Laser 0's drive lowered: lane 0's Tx bias and Tx
  power fall past both lows, and no other lane's.

Exactly: the first read after each push holds the push's own flags (the case's high temperature,
the low Tx bias or power, every lane's low Rx power; a transient of the physics on the way may
add one, e.g. a ring passing its line as the case cools); a monitor period later the latched
flags must equal what the monitors then read against the thresholds, nothing more or less.
Clears on read: once the condition is gone (the drive restored, the case cooled, the Rx
thresholds moved to the new level) one read takes what latched meanwhile and the next shows only
what still holds.

usage: test_cmis_flags_cosim.py --cpoemu PATH [--timeout-s S] [unittest args]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import addrmap  # noqa: E402  (generated: BUILD/rtl/generated)
import cpoemu_analog as afe  # noqa: E402
import cpoemu_client as cc  # noqa: E402
import cpoemu_cmis  # noqa: E402
import cpoemu_proc  # noqa: E402
import oe_regs  # noqa: E402

ARGS = None
CLOCK_MHZ = 100  # cheap bus accesses (a CMIS byte is ~40 us of simulated time at any clock)
SPC = 8  # the engine design's symbols per cycle for this profile
# Flag indices in the per-monitor lists (page 11h bytes 139-152, lower byte 9):
HA, LA, HW, LW = 0, 1, 2, 3
# The timeline (simulated time): the host's setup takes a few ms of bus time before it. The
# own-laser run ends before the first event: it needs only its laser push.
WARM_MS, COOL_MS, LOSS_MS, END_MS = 100, 150, 200, 300
OWN_END_MS = 90
ELS_PROFILE, ELS_LANES = "mrm-els-8x200g", 8  # one external source for 8 lanes, a bank
OWN_PROFILE, OWN_LANES = "mzm-6.4t", 64  # a laser per lane, eight banks
CASE_C = 45.0  # the profile's case temperature
SETTLE_MS = 12  # after an event: the world, its ADC conversions and a monitor period (10 ms)


def _scenario(path, end_ms):
  """The run to @end_ms, with the timeline's events that fall before it."""
  with open(path, "w") as f:
    f.write(f"""[run]
cycles = {end_ms * 1000 * CLOCK_MHZ}
""")
    if end_ms <= WARM_MS:
      return
    f.write(f"""
[event.warm]
at = {WARM_MS}ms
what = ambient_step
temp_c = {CASE_C + 30}

[event.cool]
at = {COOL_MS}ms
what = ambient_step
temp_c = {CASE_C}

[event.bend]
at = {LOSS_MS}ms
what = fibre_loss
loss_db = 30
""")


def _code(key, v):
  lsb, signed = cpoemu_cmis._THRESH_UNITS[key][1:]
  c = round(v / lsb)
  return max(-32768, min(32767, c)) if signed else max(0, min(65535, c))


def _crossed(key, v, th):
  """The flags {HA, LA, HW, LW} value @v sets against thresholds @th, as the module compares:
  16-bit codes."""
  c, t = _code(key, v), [_code(key, x) for x in th]
  return [c > t[HA], c < t[LA], c > t[HW], c < t[LW]]


def _expected(mon, th, tx_bias_monitored):
  """The latched flags (flags()' form, the keys compared) of monitors @mon held steady; Tx bias
  flags only where page 01h advertises its monitor."""
  temp = _crossed("temp_degc", mon["temp_degc"], th["temp_degc"])
  out = {"temp": sum(1 << k for k in range(4) if temp[k])}
  for key, name in (("tx_power", "tx_power_w"), ("tx_bias", "tx_bias_a"), ("rx_power",
                                                                           "rx_power_w")):
    lanes = [_crossed(name, v, th[name]) for v in mon[name]]
    if key == "tx_bias" and not tx_bias_monitored:
      lanes = [[False] * 4 for _ in lanes]
    out[key] = [sum(1 << l for l in range(len(lanes)) if lanes[l][k]) for k in range(4)]
  return out


def _got(f):
  return {
      "temp": f["temp_vcc"] & 0x0F,
      "tx_power": f["tx_power"],
      "tx_bias": f["tx_bias"],
      "rx_power": f["rx_power"]
  }


class FlagsFromPhysics(unittest.TestCase):

  def setUp(self):
    self.dir = tempfile.mkdtemp(prefix="cpo_cmis_flags_")
    self.addCleanup(shutil.rmtree, self.dir, True)

  def _sleep_until_ms(self, client, ms):
    now_ms = client.now_ns() / 1e6
    self.assertLess(now_ms, ms, f"the host's setup ran past the event at {ms} ms")
    client.sleep_ns(int((ms - now_ms) * 1e6))

  def _settle(self, client):
    client.sleep_ns(SETTLE_MS * 1000000)

  def _pushed(self, cmis, client, th, what):
    """After a push: the first read holds what latched on the way (a transient of the physics
    may add a flag); a monitor period after it, a second read must be exactly what the monitors
    cross. Returns the first."""
    f = _got(cmis.flags())
    self._settle(client)
    self._check(cmis, th, what)
    return f

  def _check(self, cmis, th, what):
    """The flags read now (a monitor period or more after the last read) against the monitors read
    after them: equal to what the monitors cross, nothing more, nothing less. Returns them."""
    f = _got(cmis.flags())
    mon = cmis.monitors()
    want = _expected(mon, th, cmis.info["mon_support"] & 1)
    self.assertEqual(f, want, f"{what}: latched flags vs what the monitors cross ({mon})")
    self.assertEqual(cmis.flags()["temp_vcc"] & 0xF0, 0, f"{what}: a Vcc flag latched")
    return f

  def _clears(self, cmis, client, th, what):
    """The condition is gone: one read takes what latched meanwhile; the next, a monitor period
    later, shows only what still holds (a standing condition latches again)."""
    cmis.flags()
    self._settle(client)
    return self._check(cmis, th, what)

  def _setup(self, cmis, client, lanes):
    """Parks the lanes, sets thresholds around what the monitors read and clears what latched
    on the way; returns the thresholds."""
    # The lanes parked (OE STREAM_EN 0): the monitors need no traffic, and the run skips.
    client.write(
        addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + addrmap.CPO_ADDRMAP_OE_MGMT_BASE +
        oe_regs.CPO_OE_STREAM_EN_LO_OFFSET, 0)
    client.write(
        addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + addrmap.CPO_ADDRMAP_OE_MGMT_BASE +
        oe_regs.CPO_OE_STREAM_EN_HI_OFFSET, 0)
    cmis.probe()
    mon = cmis.monitors()
    th = cmis.thresholds()
    t0 = mon["temp_degc"]
    lit = [v for v in mon["rx_power_w"] if v > 0]
    self.assertEqual(len(lit), lanes, f"every lane receives light at the start: {mon}")
    tx = mon["tx_power_w"][:lanes]
    self.assertTrue(all(v > 0 for v in tx), f"every lane's tap sees its laser's light: {mon}")
    bias = [v for v in mon["tx_bias_a"][:lanes] if v > 0] or [1e-3]  # none: not monitored
    th.update({
        "temp_degc": (t0 + 15, t0 - 40, t0 + 10, t0 - 30),
        "tx_bias_a": (max(bias) * 2, min(bias) * 0.6, max(bias) * 1.5, min(bias) * 0.8),
        "tx_power_w": (max(tx) * 4, min(tx) * 0.3, max(tx) * 2, min(tx) * 0.6),
        "rx_power_w": (max(lit) * 4, min(lit) / 8, max(lit) * 2, min(lit) / 2),
    })
    cmis.set_thresholds(th)
    self._settle(client)
    self._clears(cmis, client, th, "before any push")
    return th

  def _lower_laser0(self, cmis, client, th, amps):
    """Laser 0's drive down to @amps, then back: returns the flags the push latched and those
    standing once restored."""
    addr = afe.dac_addr("laser_current", 0)
    code0 = client.read(addr)
    client.write(addr, afe.dac_code("laser_current", amps))
    self._settle(client)
    f = self._pushed(cmis, client, th, "laser 0's drive lowered")
    client.write(addr, code0)  # the drive back: the condition goes
    self._settle(client)
    return f, self._clears(cmis, client, th, "laser 0's drive restored")

  def _run_els(self, cmis, client):
    lanes = ELS_LANES
    th = self._setup(cmis, client, lanes)
    self.assertEqual(cmis.info["mon_support"], 0x06,
                     "an engine fed by an external source advertises Tx power and Rx power only")
    every = (1 << lanes) - 1

    # -- laser current: the source's drive down to 60 mA: every lane's light falls.
    f, after = self._lower_laser0(cmis, client, th, 0.06)
    self.assertEqual((f["tx_power"][LA], f["tx_power"][LW]), (every, every),
                     f"every lane's low Tx power alarm and warning: {f}")
    self.assertEqual(f["tx_bias"], [0] * 4, f"Tx bias flags on an engine without its monitor: {f}")
    self.assertEqual(after["tx_power"], [0] * 4)

    # -- ambient: the case 30 K warmer (timeline), the module's temperature past both highs.
    self._sleep_until_ms(client, WARM_MS + SETTLE_MS)
    f = self._pushed(cmis, client, th, "case 30 K warmer")
    self.assertEqual(f["temp"] & (1 << HA | 1 << HW), 1 << HA | 1 << HW,
                     f"high temperature alarm and warning: {f}")
    self._sleep_until_ms(client, COOL_MS + SETTLE_MS)  # the case back: the condition goes
    self.assertEqual(self._clears(cmis, client, th, "case cooled back")["temp"], 0)

    # -- fibre loss: 30 dB more on every lane, each one's Rx power past both lows.
    self._sleep_until_ms(client, LOSS_MS + SETTLE_MS)
    f = self._pushed(cmis, client, th, "fibre 30 dB lossier")
    self.assertEqual((f["rx_power"][LA], f["rx_power"][LW]), (every, every),
                     f"every lane's low Rx power alarm and warning: {f}")
    rx = cmis.monitors()["rx_power_w"]  # the host moves its thresholds there
    th["rx_power_w"] = (max(rx) * 4, min(rx) / 8, max(rx) * 2, min(rx) / 2)
    cmis.set_thresholds(th)
    self._settle(client)
    self.assertEqual(
        self._clears(cmis, client, th, "Rx thresholds at the new level")["rx_power"], [0] * 4)
    cmis.hold_to_end()

  def _run_own_lasers(self, cmis, client):
    th = self._setup(cmis, client, OWN_LANES)
    self.assertEqual(cmis.info["mon_support"], 0x07, "a laser per lane: every lane monitor")
    # -- laser current: laser 0's drive down to 20 mA: lane 0's bias and light fall, alone.
    f, after = self._lower_laser0(cmis, client, th, 0.02)
    for key in ("tx_bias", "tx_power"):
      self.assertEqual((f[key][LA], f[key][LW]), (1, 1), f"lane 0's low {key}, no other's: {f}")
      self.assertEqual(after[key], [0] * 4)
    cmis.hold_to_end()

  def test_flags_follow_els_drive_ambient_and_fibre_loss(self):
    self._cosim(ELS_PROFILE, self._run_els, END_MS)

  def test_tx_bias_flags_follow_a_lanes_own_laser(self):
    self._cosim(OWN_PROFILE, self._run_own_lasers, OWN_END_MS)

  def _cosim(self, profile, body, end_ms):
    scenario = os.path.join(self.dir, "flags.ini")
    _scenario(scenario, end_ms)
    json_path = os.path.join(self.dir, "rtl.json")
    run = [
        scenario, "--profile", profile, "--baud-hz",
        str(CLOCK_MHZ * 1000000 * SPC), "--quiet", "--expect-min-locked-lanes", "0",
        "--expect-min-bits", "0", "--expect-max-ber", "1"
    ]
    roles = cpoemu_proc.Roles(ARGS.cpoemu)
    self.addCleanup(roles.close)
    roles.spawn("rtl", "--with-host", "--json", json_path, *run)
    roles.spawn("model", *run)
    try:
      with cc.Client(roles.endpoint, timeout_ms=10000) as client:
        body(cpoemu_cmis.Cmis(client), client)
    except cc.CpoError as e:
      self.fail(f"{e}\n{roles.log_text()}")
    for role, rc in roles.wait(timeout_s=ARGS.timeout_s).items():
      self.assertEqual(rc, 0, f"{role} exited {rc}\n{roles.log_text()}")
    with open(json_path) as f:
      self.assertEqual(json.load(f)["result"], "pass")


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--cpoemu", required=True)
  ap.add_argument("--timeout-s", type=float, default=600)
  ARGS, rest = ap.parse_known_args()
  result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
  sys.exit(0 if result.wasSuccessful() else 1)
