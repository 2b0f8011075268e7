"""The co-simulation benchmark (bench/cosim/bench_cosim.py) still runs and writes its verdict in
the bench format, and its statistics say what they claim. Timing is never asserted here."""
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("CPO_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(SRC, "bench", "cosim", "bench_cosim.py")
sys.path.insert(0, os.path.dirname(BENCH))
import bench_cosim  # noqa: E402


class MedianWithCi(unittest.TestCase):

  def test_interval_brackets_the_median_within_the_data(self):
    xs = [0.81, 0.95, 0.90, 1.02, 0.88, 0.93, 0.97, 0.85, 0.91]
    med, low, high = bench_cosim.median_with_ci(xs, random.Random(1))
    self.assertEqual(med, 0.91)
    self.assertTrue(min(xs) <= low <= med <= high <= max(xs), (low, med, high))
    self.assertLess(low, high)

  def test_same_seed_same_interval(self):
    xs = [random.Random(7).random() for _ in range(25)]
    self.assertEqual(bench_cosim.median_with_ci(xs, random.Random(3)),
                     bench_cosim.median_with_ci(xs, random.Random(3)))

  def test_constant_data_has_no_spread(self):
    self.assertEqual(bench_cosim.median_with_ci([0.9] * 10, random.Random(1)), (0.9, 0.9, 0.9))


class Smoke(unittest.TestCase):

  def test_short_run_writes_the_verdict_in_the_bench_format(self):
    with tempfile.TemporaryDirectory() as d:
      p = subprocess.run([
          sys.executable, BENCH, os.environ["CPOEMU"], d, "--rounds", "2", "--cycles", "40000",
          "--no-sweep"
      ],
                         capture_output=True,
                         text=True,
                         timeout=280)
      self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
      with open(os.path.join(d, "cosim_throughput.json")) as f:
        res = json.load(f)
    self.assertEqual(res["benchmark"], "cosim_throughput")
    m = {x["name"]: x for x in res["metrics"]}
    for transport in ("ipc", "inproc"):
      ratio = m[f"{transport}_cosim_over_bare_ratio"]
      self.assertEqual((ratio["target"], ratio["better"], ratio["unit"]), (0.9, "higher", "ratio"))
      self.assertTrue(m[f"{transport}_cosim_over_bare_ratio_ci95_low"]["value"] <= ratio["value"] <=
                      m[f"{transport}_cosim_over_bare_ratio_ci95_high"]["value"])
      self.assertGreater(m[f"{transport}_cosim_cycles_per_s"]["value"], 0)
      self.assertTrue(0 <= m[f"{transport}_model_wait_fraction"]["value"] <= 1)
    self.assertIn("target >= 0.9", p.stdout)


if __name__ == "__main__":
  unittest.main()
