"""event_hash must be identical across transports and quanta for one seed, and differ for
another seed (ARCHITECTURE.md section 2: determinism is an invariant)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

LATENCY = 256
SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
LOOPBACK_INI = os.path.join(SRC, "testbenches", "scenarios", "loopback.ini")
COMMON = ["--latency", str(LATENCY), "--cycles", "60000", "--quiet", "--timeout-ms", "5000"]
# The noisy NRZ loopback, and the default engine's physics in both fidelity modes and both
# fibre topologies, lit and dark, on the engine design (the default: its D2D link trains in
# the first ~10k cycles); and the lanes design once.
MODELS = {
    "loopback": [LOOPBACK_INI, "--noise-sigma", "0.11"],  # BER 2.7e-6: ~40 errors
    "lanes-statistical": ["--design", "lanes", "--fidelity", "statistical"],
    "engine-statistical": ["--fidelity", "statistical"],
    "engine-bit-true": ["--fidelity", "bit-true"],
    "two-engines": ["--fidelity", "statistical", "--topology", "two-engines"],
    # dark lanes: the statistical mode decides every symbol (one draw each)
    "engine-power-on": [
        "--fidelity", "statistical", "--start", "power-on", "--expect-min-locked-lanes", "0",
        "--expect-min-bits", "0"
    ],
}


class Determinism(unittest.TestCase):

  def result(self, transport, quantum, seed, model="loopback", extra=()):
    code, res, out, err = cp.run_json(
        ["run", "--transport", transport, "--quantum",
         str(quantum), "--seed",
         str(seed)] + COMMON + MODELS[model] + list(extra))
    self.assertEqual(code, 0, f"{model} {transport} Q={quantum}: exit {code}\n{out}\n{err}")
    return res

  def test_event_hash_identical_across_transports_and_quanta(self):
    for model in MODELS:
      ref = self.result("inproc", LATENCY // 4, 11, model)
      self.assertGreater(ref["reg_accesses"], 0)
      if model == "loopback":
        self.assertGreater(sum(l["errors"] for l in ref["lanes"]), 0,
                           "noise should cause some errors, or the hash proves little")
      for transport in ("inproc", "ipc", "tcp"):
        for q in (1, LATENCY // 4, LATENCY // 2, LATENCY):
          with self.subTest(model=model, transport=transport, quantum=q):
            res = self.result(transport, q, 11, model)
            self.assertEqual(res["event_hash"], ref["event_hash"])
            self.assertEqual(res["lanes"], ref["lanes"])
            self.assertEqual(res["cycles"], ref["cycles"])

  def test_event_hash_differs_for_another_seed(self):
    for model in MODELS:
      a = self.result("inproc", LATENCY // 4, 11, model)
      b = self.result("inproc", LATENCY // 4, 12, model)
      self.assertNotEqual(a["event_hash"], b["event_hash"], model)

  def test_cpu_placement_changes_nothing(self):
    for transport in ("inproc", "ipc"):
      ref = self.result(transport, LATENCY // 4, 11, "engine-statistical")
      cpus = sorted(os.sched_getaffinity(0))[:2]  # the CPUs this machine lets us name
      for placement in ["off"] + [str(c) for c in cpus]:
        with self.subTest(transport=transport, placement=placement):
          res = self.result(transport, LATENCY // 4, 11, "engine-statistical",
                            ["--cpu-placement", placement])
          self.assertEqual(res["event_hash"], ref["event_hash"])
          self.assertEqual(res["lanes"], ref["lanes"])

  def test_event_hash_references(self):
    """The recorded event_hash of each reference run (references.json): a change of results
        shows here, named by run; one made on purpose updates the file and says why."""
    with open(os.path.join(os.path.dirname(__file__), "references.json")) as f:
      refs = json.load(f)
    for name, ref in refs.items():
      if name.startswith("_"):
        continue
      with self.subTest(run=name):
        code, res, out, err = cp.run_json(["run"] + ref["args"])
        self.assertEqual(code, 0, f"{name}: exit {code}\n{out}\n{err}")
        self.assertEqual(res["event_hash"], ref["event_hash"], name)
        self.assertEqual(len(res["lanes"]), ref["lanes"], name)

  def test_same_seed_same_hash_twice(self):
    self.assertEqual(self.result("ipc", 7, 5)["event_hash"], self.result("ipc", 7, 5)["event_hash"])


if __name__ == "__main__":
  unittest.main(verbosity=2)
