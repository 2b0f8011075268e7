"""Cold bring-up by the built-in firmware (host/fw, issue 14), a row per profile (the default
profile's 8 lanes and mzm-6.4t's 64): from
`--start power-on` to every lane locked and equalised, through cpoemu (rtl, models, host).
Reports the simulated time the bring-up takes (the firmware's own "done" cycle: the same every
run, it is deterministic), the wall time of a run that ends there (target <= 30 s for the 8
lanes), and the simulated time per wall second in its two phases: parked (lasers and rings,
the media lanes parked) and streaming (equalisation on PRBS error counts).

How: rounds of two runs in a shuffled order, one ending when the rings are locked and one when
the bring-up is done (the cycles taken from a first run's report); the streaming phase's wall
time is their difference within a round. Medians over rounds with a 95 % bootstrap interval
(this machine's speed moves from second to second: paired rounds keep the phases comparable).

usage: bench_fw_bringup.py CPOEMU OUT_DIR [--rounds N] [--profile P[,P...]]"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

TARGET_WALL_S = {8: 30.0, 64: 120.0}
SEED = 1
REPORT = re.compile(r"host: fw: bring-up from dark done: .*rings locked at ([\d.]+) us, done at "
                    r"([\d.]+) us \(cycle (\d+)\)")


def run(cpoemu, profile, cycles):
  with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "r.json")
    # a generous silence bound: 64 lanes' firmware steps on a busy machine outlast the default
    p = subprocess.run([
        cpoemu, "run", "--profile", profile, "--start", "power-on", "--cycles",
        str(cycles), "--json", path, "--timeout-ms", "120000"
    ],
                       capture_output=True,
                       text=True,
                       timeout=3600)
    with open(path) as f:
      return p.stdout, json.load(f)


def interval(xs, rng):
  meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(2000))
  return meds[50], meds[1949]


def bench(cpoemu, profile, rounds):
  """One profile's row: the bring-up's simulated time, its wall time and each phase's speed."""
  # where the phases end: runs of doubling length until one holds a finished bring-up (a run
  # too short for it ends early, its lanes never streaming: cheap)
  cycles = 25_000_000
  while True:
    out, res = run(cpoemu, profile, cycles)
    m = REPORT.search(out)
    if m:
      break
    if "out of time" not in out or cycles > 2_000_000_000:
      sys.exit(f"bench_fw_bringup: the bring-up did not finish:\n{out}")
    cycles *= 2
  cycle_s = res["sim_time_s"] / res["cycles"]  # the run's own clock (oif-3.2t: 32 symbols)
  locked_cycle = int(round(float(m[1]) * 1e-6 / cycle_s))
  done_cycle = int(m[3])
  end = {"locked": locked_cycle + 2000, "done": done_cycle + 2000}
  rng = random.Random(SEED)
  walls = {"locked": [], "done": []}
  for _ in range(rounds):
    order = list(end)
    rng.shuffle(order)
    for k in order:
      walls[k].append(run(cpoemu, profile, end[k])[1]["wall_s"])
  streaming = [d - l for d, l in zip(walls["done"], walls["locked"])]
  lanes = res["config"]["lanes"] if "config" in res and "lanes" in res["config"] else 8
  sim_parked_s = end["locked"] * cycle_s
  sim_stream_s = (end["done"] - end["locked"]) * cycle_s
  return {
      "profile": profile,
      "lanes": lanes,
      "rounds": rounds,
      "bringup_sim_s": done_cycle * cycle_s,
      "bringup_wall_s_median": statistics.median(walls["done"]),
      "bringup_wall_s_95": interval(walls["done"], rng),
      "target_wall_s": TARGET_WALL_S.get(lanes),
      "parked_phase_sim_s_per_wall_s": sim_parked_s / statistics.median(walls["locked"]),
      "streaming_phase_sim_s_per_wall_s": sim_stream_s / max(1e-9, statistics.median(streaming)),
      "walls": walls,
  }


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("cpoemu")
  ap.add_argument("out_dir")
  ap.add_argument("--rounds", type=int, default=3)
  ap.add_argument("--profile", default="mrm-els-8x200g,mzm-6.4t", help="profiles, comma-separated")
  a = ap.parse_args()
  rows = [bench(a.cpoemu, p, a.rounds) for p in a.profile.split(",")]
  os.makedirs(a.out_dir, exist_ok=True)
  with open(os.path.join(a.out_dir, "fw_bringup.json"), "w") as f:
    json.dump({"rows": rows}, f, indent=2)
  for out in rows:
    lo, hi = out["bringup_wall_s_95"]
    print(f"fw bring-up ({out['profile']}, {out['lanes']} lanes): "
          f"{out['bringup_sim_s'] * 1e3:.3f} ms simulated in {out['bringup_wall_s_median']:.1f} s "
          f"wall (95 %: {lo:.1f}..{hi:.1f}; target <= {out['target_wall_s']} s); parked phase "
          f"{out['parked_phase_sim_s_per_wall_s']:.3g} simulated s per wall s, streaming phase "
          f"{out['streaming_phase_sim_s_per_wall_s']:.3g}")


if __name__ == "__main__":
  main()
