#!/usr/bin/python3
"""The SystemC harness gives the C++ harness's results bit for bit: the same event_hash (and
cycles, bits, errors) from `cpoemu run --harness cpp` and `--harness systemc` on
- the default scenario (the built-in host firmware, in one process);
- a run whose Python host parks every media lane for 300k cycles (skipped, not clocked) and
  unparks them, another seed, the roles as processes over ipc;
- a run with a D2D fault: an error burst on the ASIC-to-OE wires, retrained (as
  tests/cosim/test_d2d_faults.py's error_burst_retrains, whose script it runs);
- each other engine variant this build verilated with --sc (CPO_SC_DESIGNS: the 32/8 gearbox
  of oif-3.2t, the 64 lanes of mzm-6.4t), a short run of its profile;
and a design the SystemC harness does not have is refused by name before any role starts; and
--trace under SystemC writes the C++ harness's waveforms, value for value.

usage: test_harness_hash.py   (environment: CPOEMU, CPO_SOURCE_DIR, CPO_SC_DESIGNS (the
build's CPOEMU_SYSTEMC_DESIGNS, ','-separated), PYTHONPATH with the generated registers)
"""
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("CPO_SOURCE_DIR",
                     os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "cosim"))
import cpoemu_proc  # noqa: E402
import test_d2d_faults as faults  # noqa: E402
import addrmap as am  # noqa: E402  (generated)
import oe_regs as oe  # noqa: E402  (generated)

HARNESSES = ("cpp", "systemc")
SAME = ("event_hash", "cycles", "reg_accesses", "quanta", "dac_writes", "adc_samples")


class HarnessRoles(cpoemu_proc.Roles):
  """Roles whose rtl runs under HarnessRoles.harness, every role with HarnessRoles.extra."""
  harness = "cpp"
  extra = ()

  def spawn(self, role, *args):
    args = args + HarnessRoles.extra
    if role == "rtl":
      args = args + ("--harness", HarnessRoles.harness)
    return super().spawn(role, *args)


faults.cpoemu_proc.Roles = HarnessRoles  # Engine makes its roles through this name


def vcd_changes(vcd):
  """{full signal name: [(time, value), ...]} of a VCD text (fst2vcd's)."""
  names, scope, values, t = {}, [], {}, 0
  for line in vcd.splitlines():
    w = line.split()
    if not w:
      continue
    if w[0] == "$scope":
      scope.append(w[2])
    elif w[0] == "$upscope":
      scope.pop()
    elif w[0] == "$var":
      names.setdefault(w[3], []).append(".".join(scope + [w[4]]))
    elif w[0][0] == "#":
      t = int(w[0][1:])
    elif len(w) == 1 and w[0][0] in "01xzXZ":
      values.setdefault(w[0][1:], []).append((t, w[0][0]))
    elif len(w) == 2 and w[0][0] in "brBR":
      values.setdefault(w[1], []).append((t, w[0]))
  return {n: values.get(i, []) for i, ns in names.items() for n in ns}


def lanes_of(result):
  return [(l.get("bits"), l.get("errors"), l.get("locked")) for l in result.get("lanes", [])]


class SameResultsBothHarnesses(unittest.TestCase):

  def assert_same(self, results):
    cpp, sc = results["cpp"], results["systemc"]
    for key in SAME:
      self.assertEqual(cpp.get(key), sc.get(key), f"{key}: cpp {cpp.get(key)}, systemc "
                       f"{sc.get(key)}")
    self.assertEqual(lanes_of(cpp), lanes_of(sc), "per-lane bits, errors, lock")
    print(f"# both harnesses: event_hash {cpp['event_hash']}, {cpp['cycles']} cycles",
          file=sys.stderr)

  def test_default_scenario(self):
    results = {}
    for h in HARNESSES:
      code, result, out, err = cpoemu_proc.run_json(["run", "--quiet", "--harness", h],
                                                    timeout=1800)
      self.assertEqual(code, 0, f"--harness {h} exited {code}: {err}")
      results[h] = result
    self.assert_same(results)

  def test_other_variants(self):
    built = os.environ.get("CPO_SC_DESIGNS", "engine8").split(",")
    for profile, design, host_lanes in (("oif-3.2t", "engine32x8", 32), ("mzm-6.4t", "engine64",
                                                                         64)):
      with self.subTest(profile=profile):
        if design not in built:
          self.skipTest(f"{design} not built for SystemC (CPOEMU_SYSTEMC_DESIGNS)")
        results = {}
        for h in HARNESSES:
          code, result, out, err = cpoemu_proc.run_json(
              ["run", "--quiet", "--harness", h, "--profile", profile, "--cycles", "120000"],
              timeout=1800)
          self.assertEqual(code, 0, f"{profile} --harness {h} exited {code}: {err}")
          results[h] = result
        self.assertEqual(results["systemc"]["profile"]["host_lanes"], host_lanes)
        self.assert_same(results)

  def test_other_designs_refused_by_name(self):
    code, out, err = cpoemu_proc.run(
        ["run", "--cycles", "1000", "--harness", "systemc", "--design", "lanes"])
    self.assertEqual(code, 2, f"exit {code}\n{err}")
    self.assertIn("this build's SystemC harness has no lanes8 design", err)
    self.assertIn("it has engine8", err)

  def test_trace_is_the_cpp_harness_trace(self):
    # the same waveforms, value for value: the RTL's hierarchy, the lanes split out of the ports
    # and the models' quantities on one time axis. The C++ model also traces the top's ports in
    # "top" (an --sc model's ports are SystemC's): each equals the instance's port.
    changes = {}
    with tempfile.TemporaryDirectory() as d:
      for h in HARNESSES:
        fst = os.path.join(d, f"{h}.fst")
        code, out, err = cpoemu_proc.run(
            ["run", "--quiet", "--cycles", "20000", "--no-host", "--harness", h, "--trace", fst])
        self.assertEqual(code, 0, f"--harness {h} --trace exited {code}\n{err}")
        self.assertTrue(os.path.exists(os.path.join(d, f"{h}.gtkw")), f"{h}: no .gtkw")
        changes[h] = vcd_changes(
            subprocess.run(["fst2vcd", fst], capture_output=True, text=True, check=True).stdout)
    cpp, sc = changes["cpp"], changes["systemc"]
    self.assertGreater(len(sc), 1000, "signals traced under SystemC")
    self.assertTrue(any(n.startswith("lanes.") for n in sc), "the lanes' scope")
    self.assertEqual(sorted(set(sc) - set(cpp)), [], "signals only the SystemC trace has")
    for name, values in sc.items():
      self.assertEqual(values, cpp[name], f"{name}: the two harnesses' values differ")
    for name in set(cpp) - set(sc):
      inst = name.replace("top.", "top.cpo_engine_top.", 1)
      self.assertTrue(
          name.count(".") == 1 and sc.get(inst) == cpp[name],
          f"{name}: only the C++ trace has it, and it is not a top port equal to {inst}")

  def park_script(self, e):
    at_oe = lambda off: e.at_oe(am.CPO_ADDRMAP_OE_MGMT_BASE + off)  # noqa: E731
    e.host.sleep_cycles(20_000)
    e.wr(at_oe(oe.CPO_OE_STREAM_EN_LO_OFFSET), 0)  # every media lane parked
    e.host.sleep_cycles(300_000)
    e.wr(at_oe(oe.CPO_OE_STREAM_EN_LO_OFFSET), 0xFF)
    e.host.sleep_cycles(20_000)

  def test_park_unpark_other_seed(self):
    results = {}
    HarnessRoles.extra = ("--seed", "7")
    self.addCleanup(setattr, HarnessRoles, "extra", ())
    for h in HARNESSES:
      HarnessRoles.harness = h
      e = faults.Engine(400_000)
      self.addCleanup(e.close)
      try:
        self.park_script(e)
      except BaseException:
        print(e.roles.log_text(), file=sys.stderr)
        raise
      results[h] = e.finish()
    self.assert_same(results)

  def test_d2d_error_burst(self):
    results = {}
    script = faults.D2DFaultsWithOptics("test_error_burst_retrains")
    for h in HARNESSES:
      HarnessRoles.harness = h
      e = faults.Engine(faults.D2DFaultsWithOptics.CYCLES)
      self.addCleanup(e.close)
      script.run_script(e, script.error_burst_retrains)
      results[h] = e.finish()
    self.assert_same(results)


if __name__ == "__main__":
  unittest.main(verbosity=2)
