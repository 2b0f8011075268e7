"""event_hash must be identical across transports and quanta for one seed, and differ for
another seed (ARCHITECTURE.md section 2: determinism is an invariant)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cosim"))
import cpoemu_proc as cp  # noqa: E402

LATENCY = 256
BASE = ["--latency", str(LATENCY), "--cycles", "60000", "--noise-sigma", "0.13", "--quiet",
        "--timeout-ms", "5000"]


class Determinism(unittest.TestCase):
    def result(self, transport, quantum, seed):
        code, res, out, err = cp.run_json(["run", "--transport", transport, "--quantum", str(quantum),
                                           "--seed", str(seed)] + BASE)
        self.assertEqual(code, 0, f"{transport} Q={quantum}: exit {code}\n{out}\n{err}")
        return res

    def test_event_hash_identical_across_transports_and_quanta(self):
        ref = self.result("inproc", LATENCY // 4, 11)
        self.assertGreater(sum(l["errors"] for l in ref["lanes"]), 0,
                           "noise should cause some errors, or the hash proves little")
        self.assertGreater(ref["reg_accesses"], 0)
        for transport in ("inproc", "ipc", "tcp"):
            for q in (1, LATENCY // 4, LATENCY // 2, LATENCY):
                with self.subTest(transport=transport, quantum=q):
                    res = self.result(transport, q, 11)
                    self.assertEqual(res["event_hash"], ref["event_hash"])
                    self.assertEqual(res["lanes"], ref["lanes"])
                    self.assertEqual(res["cycles"], ref["cycles"])

    def test_event_hash_differs_for_another_seed(self):
        a = self.result("inproc", LATENCY // 4, 11)
        b = self.result("inproc", LATENCY // 4, 12)
        self.assertNotEqual(a["event_hash"], b["event_hash"])

    def test_same_seed_same_hash_twice(self):
        self.assertEqual(self.result("ipc", 7, 5)["event_hash"], self.result("ipc", 7, 5)["event_hash"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
