"""The SystemC harness's speed against the C++ harness's (issue 15): cycles/s of the engine8
design alone (`cpoemu rtl --direct`: RX = TX delayed by L in-process, no model), clocked by the
C++ loop (--harness cpp) and by the SystemC kernel (--harness systemc), in paired rounds of one
run each in alternating order (bench/cosim's method: short runs, many rounds, the median of the
rounds' ratios with a 95 % bootstrap interval, because this machine's speed changes from one
second to the next). Also the SystemC kernel's cost per cycle, 1/sc - 1/cpp, and both event
hashes (they must agree: a difference fails the benchmark). No target: the issue asks for the
measurement.

usage: bench_systemc.py CPOEMU OUT_DIR [--cycles N] [--rounds N]"""
import argparse
import json
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cosim"))
from bench_cosim import Metrics, median_with_ci, result, speed  # noqa: E402

SEED = 1


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("cpoemu")
  ap.add_argument("out_dir")
  ap.add_argument("--cycles", type=int, default=200_000)
  ap.add_argument("--rounds", type=int, default=12)
  a = ap.parse_args()
  print(f"bench_systemc: {a.cycles} cycles per run, {a.rounds} paired rounds", flush=True)
  rng = random.Random(SEED)
  speeds = {"cpp": [], "systemc": []}
  hashes = set()
  for i in range(a.rounds):
    for h in (("cpp", "systemc") if i % 2 == 0 else ("systemc", "cpp")):
      r = result(a.cpoemu, ["rtl", "--direct", "--cycles", str(a.cycles), "--harness", h])
      speeds[h].append(speed(r))
      hashes.add(r["event_hash"])
  if len(hashes) != 1:
    sys.exit(f"bench_systemc: the harnesses disagree: event hashes {sorted(hashes)}")
  m = Metrics()
  m.add("cpp_harness_cycles_per_s", statistics.median(speeds["cpp"]), "cycles/s")
  m.add("systemc_harness_cycles_per_s", statistics.median(speeds["systemc"]), "cycles/s")
  med, low, high = median_with_ci([s / c for s, c in zip(speeds["systemc"], speeds["cpp"])], rng)
  m.add("systemc_over_cpp_ratio", med, "ratio")
  m.add("systemc_over_cpp_ratio_ci95_low", low, "ratio")
  m.add("systemc_over_cpp_ratio_ci95_high", high, "ratio")
  cost = [1e9 / s - 1e9 / c for s, c in zip(speeds["systemc"], speeds["cpp"])]
  m.add("systemc_cost_per_cycle_ns", statistics.median(cost), "ns", better="lower")
  os.makedirs(a.out_dir, exist_ok=True)
  path = os.path.join(a.out_dir, "systemc_harness.json")
  with open(path, "w") as f:
    json.dump({"benchmark": "systemc_harness", "metrics": m}, f, indent=2)
  print(f"wrote {path}")


if __name__ == "__main__":
  main()
