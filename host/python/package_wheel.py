#!/usr/bin/python3
"""Build the Python package of cpoemu's SDK: stage its modules (the client, its analog helpers,
the protocol constants the build generates) and the generated register modules (as the package
cpoemu_regs) with pyproject.toml, then build the wheel with setuptools, offline (no isolation,
no registry: Debian's python3-setuptools and python3-wheel).

usage: package_wheel.py --stage DIR --dist DIR --pyproject pyproject.toml.in --version V
                        --modules FILE... --regs FILE...
"""
import argparse
import os
import shutil
import subprocess
import sys

REGS_INIT = '''"""Generated from cpoemu's register descriptions (rtl/): the address map (addrmap), the
analog channels (analog_channels) and each register block (<block>_regs)."""
'''


def stage(args):
  shutil.rmtree(args.stage, ignore_errors=True)
  regs_dir = os.path.join(args.stage, "cpoemu_regs")
  os.makedirs(regs_dir)
  for f in args.modules:
    shutil.copy(f, args.stage)
  for f in args.regs:
    shutil.copy(f, regs_dir)
  with open(os.path.join(regs_dir, "__init__.py"), "w") as f:
    f.write(REGS_INIT)
  names = [os.path.splitext(os.path.basename(f))[0] for f in args.modules]
  with open(args.pyproject) as f:
    text = f.read()
  text = text.replace("@VERSION@", args.version).replace("@MODULES@", repr(names))
  with open(os.path.join(args.stage, "pyproject.toml"), "w") as f:
    f.write(text)


def build_wheel(args):
  """The wheel, by setuptools' PEP 517 backend in a child (it prints, and changes directory)."""
  os.makedirs(args.dist, exist_ok=True)
  for old in os.listdir(args.dist):
    os.remove(os.path.join(args.dist, old))
  code = "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))"
  p = subprocess.run(
      [sys.executable, "-c", code, os.path.abspath(args.dist)],
      cwd=args.stage,
      capture_output=True,
      text=True)
  if p.returncode != 0:
    sys.exit(f"package_wheel: setuptools could not build the wheel in {args.stage} "
             f"(python3-setuptools and python3-wheel installed?):\n{p.stdout}{p.stderr}")
  wheel = p.stdout.strip().splitlines()[-1]
  expected = f"cpoemu-{args.version}-py3-none-any.whl"
  if wheel != expected:
    sys.exit(f"package_wheel: setuptools built {wheel}, expected {expected}")


def main():
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--stage", required=True)
  ap.add_argument("--dist", required=True)
  ap.add_argument("--pyproject", required=True)
  ap.add_argument("--version", required=True)
  ap.add_argument("--modules", nargs="+", required=True)
  ap.add_argument("--regs", nargs="+", required=True)
  args = ap.parse_args()
  stage(args)
  build_wheel(args)


if __name__ == "__main__":
  main()
