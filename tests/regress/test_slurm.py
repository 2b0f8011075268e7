"""A small matrix (2 scenarios x 2 seeds, short runs) as a SLURM array job on a one-node cluster
started here (scripts/slurm-cluster: munged, slurmctld, slurmd on localhost, config in a temp
dir, stopped whatever happens), its shards merged (scripts/slurm-regress), must report what a
local `cpoemu regress` of the same matrix reports. Exits 77 (CTest's skip) with the reason
where the daemons cannot start."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regress_common as rc  # noqa: E402

CLUSTER = os.path.join(rc.SRC, "scripts", "slurm-cluster")
SLURM_REGRESS = os.path.join(rc.SRC, "scripts", "slurm-regress")


def main():
  with tempfile.TemporaryDirectory(prefix="regress-slurm-") as tmp:
    os.chmod(tmp, 0o755)  # munged wants every directory above its socket searchable by all
    env = dict(os.environ, TMPDIR=tmp)
    cluster = os.path.join(tmp, "cluster")
    start = subprocess.run([CLUSTER, "start", cluster],
                           capture_output=True,
                           text=True,
                           timeout=300,
                           env=env)
    try:
      if start.returncode == 77:
        print(f"SKIP: {start.stderr.strip()}")
        return 77
      assert start.returncode == 0, f"slurm-cluster start: {start.returncode}\n{start.stderr}"
      env["SLURM_CONF"] = os.path.join(cluster, "slurm.conf")
      lst = rc.write_list(os.path.join(tmp, "m.lst"), [
          "default seeds=1,2",
          f"{rc.FAILS_INI} seeds=1,2",
      ])
      args = [lst, "--"] + rc.SHORT
      local = os.path.join(tmp, "local")
      p = rc.regress(["--out", local, "-j", "2"] + args, env=env)
      assert p.returncode == 1, f"local: exit {p.returncode}\n{p.stdout}{p.stderr}"
      out = os.path.join(tmp, "slurm")
      p = subprocess.run([
          SLURM_REGRESS, "--shards", "2", "--out", out, "--cpoemu", rc.CPOEMU, "--wait",
          "--wait-timeout", "1200"
      ] + args,
                         capture_output=True,
                         text=True,
                         timeout=1300,
                         env=env)
      print(p.stdout, p.stderr)
      assert p.returncode == 1, f"slurm-regress: exit {p.returncode} (expected 1: fails.ini)"
      merged = os.path.join(out, "merged")
      for k in (1, 2):  # each task ran its shard on the cluster
        shard = rc.load_summary(os.path.join(out, f"shard-{k}"))
        assert shard["shard"] == {"k": k, "n": 2}, shard["shard"]
        assert len(shard["runs"]) == 2, shard["runs"]
      got, want = rc.comparable_summary(rc.load_summary(merged)), rc.comparable_summary(
          rc.load_summary(local))
      assert got == want, f"merged summary differs from the local run:\n{got}\n{want}"
      got, want = (rc.comparable_junit(os.path.join(d, "junit.xml")) for d in (merged, local))
      assert got == want, f"merged JUnit differs from the local run:\n{got}\n{want}"
      totals = rc.load_summary(merged)["totals"]
      assert totals["pass"] == 2 and totals["fail"] == 2, totals
      print("merged SLURM array job == local regress:", totals)
      return 0
    finally:
      subprocess.run([CLUSTER, "stop", cluster], timeout=120)


if __name__ == "__main__":
  sys.exit(main())
