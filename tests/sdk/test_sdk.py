#!/usr/bin/python3
"""The SDK as a firmware developer gets it: `cmake --install` of the build tree into a temporary
prefix, then, against that prefix only,

* every installed header compiles on its own include path, and the HAL library exports only the
  project's names;
* examples/firmware/identify.c built out of tree with `pkg-config --cflags --libs cpoemu`, and
  again with the example's CMake project (find_package(cpoemu CONFIG), cpoemu::hal), each run
  against a session of the installed `cpoemu` (rtl and model roles on an ipc endpoint) and
  checked by what it prints and by every role exiting 0;
* the Python package's wheel pip-installed offline into a venv made with --system-site-packages
  (Debian's python3-zmq its only dependency), which imports the client, the analog helpers and
  the register modules from the venv alone and talks to a session of the installed `cpoemu`.

Every wait is on a process or a condition with a generous deadline.

usage: test_sdk.py --build-dir BUILD --source-dir SRC --libdir LIBDIR --datadir DATADIR
                   --version V --cmake CMAKE --python /usr/bin/python3 --cc CC
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cosim"))
import cpoemu_proc  # noqa: E402

ARGS = None
DEADLINE_S = 600  # for a build step or a session on a busy machine
SESSION = ["--cycles", "200000"]  # long enough for the Python check's 5 us sleep
ID_MAGIC = 0x43504F4F  # "CPOO", the engine's OE controller's ID register
ID_AT_0 = 0x44324445  # "D2DE", the engine's ASIC D2D endpoint's ID register, at address 0
# Only what the developer's shell would have: no build tree on any search path.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("PYTHONPATH", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH", "CMAKE_PREFIX_PATH")
}


def run(cmd, what, env=None, cwd=None):
  """Run cmd; fail naming what it was for, with its output, unless it exits 0. Returns stdout."""
  p = subprocess.run(cmd,
                     capture_output=True,
                     text=True,
                     env=env or CLEAN_ENV,
                     cwd=cwd,
                     timeout=DEADLINE_S)
  if p.returncode != 0:
    raise AssertionError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n"
                         f"{p.stdout[-4000:]}{p.stderr[-4000:]}")
  return p.stdout


class Sdk(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.dir = tempfile.mkdtemp(prefix="cpo_sdk_")
    cls.prefix = os.path.join(cls.dir, "prefix")
    run([ARGS.cmake, "--install", ARGS.build_dir, "--prefix", cls.prefix], "cmake --install")
    cls.cpoemu = os.path.join(cls.prefix, "bin", "cpoemu")
    cls.libdir = os.path.join(cls.prefix, ARGS.libdir)
    cls.include = os.path.join(cls.prefix, "include")
    cls.example = os.path.join(ARGS.source_dir, "examples", "firmware")

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.dir, ignore_errors=True)

  def session(self, client, env=None):
    """Run the command @p client, with the rtl's endpoint for its "ENDPOINT" argument (appended
    when it has none), as the host of a session of the installed cpoemu; its stdout, once it
    and both roles have exited 0."""
    roles = cpoemu_proc.Roles(self.cpoemu)
    try:
      roles.spawn("rtl", "--with-host", *SESSION)
      roles.spawn("model", *SESSION)
      cmd = [roles.endpoint if a == "ENDPOINT" else a for a in client]
      if "ENDPOINT" not in client:
        cmd.append(roles.endpoint)
      p = subprocess.run(cmd,
                         capture_output=True,
                         text=True,
                         env=env or CLEAN_ENV,
                         timeout=DEADLINE_S)
      self.assertEqual(
          p.returncode, 0,
          f"{client[-1]}: exit {p.returncode}\n{p.stdout}{p.stderr}\n{roles.log_text()}")
      for role, rc in roles.wait(DEADLINE_S).items():
        self.assertEqual(rc, 0, f"{role} exited {rc}\n{roles.log_text()}")
      return p.stdout
    finally:
      roles.close()

  def check_identify(self, out):
    self.assertRegex(out, r"profile mrm-els-8x200g: 8 lanes at 106250000000 Bd")
    self.assertRegex(
        out,
        rf"engine id 0x{ID_MAGIC:08x} \(cpoemu OE\), 8 host lanes over 8 media lanes, D2D [A-Z]")

  def test_tree_headers_and_exports(self):
    for path in ("bin/cpoemu", f"{ARGS.libdir}/libcpoemu-hal.so",
                 f"{ARGS.libdir}/pkgconfig/cpoemu.pc",
                 f"{ARGS.libdir}/cmake/cpoemu/cpoemuConfig.cmake",
                 f"{ARGS.libdir}/cmake/cpoemu/cpoemuConfigVersion.cmake",
                 f"{ARGS.datadir}/cpoemu/python/cpoemu-{ARGS.version}-py3-none-any.whl",
                 "include/cpo/hal.h", "include/cpo/addrmap.h", "include/cpo/lanes_regs.h",
                 "include/cpo/analog_channels.h", "include/cpo/protocol_consts.h"):
      self.assertTrue(os.path.exists(os.path.join(self.prefix, path)), f"not installed: {path}")
    # Each header on its own, with nothing but the prefix's include directory: none needs a
    # header the SDK lacks.
    headers = sorted(os.listdir(os.path.join(self.include, "cpo")))
    for h in headers:
      run([
          ARGS.cc, "-std=c11", "-Wall", "-Werror", "-fsyntax-only", "-I", self.include, "-x", "c",
          "-include", f"cpo/{h}", "/dev/null"
      ], f"compiling cpo/{h} alone")
    # Only cpo_* names: the program's interposers (accept, accept4) must not reach firmware.
    out = run(["nm", "-D", "--defined-only",
               os.path.join(self.libdir, "libcpoemu-hal.so")], "listing the HAL's symbols")
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    self.assertIn("cpo_hal_open", names)
    self.assertEqual([n for n in names if not n.startswith("cpo_")], [])

  def test_example_built_with_pkg_config(self):
    env = dict(CLEAN_ENV, PKG_CONFIG_PATH=os.path.join(self.libdir, "pkgconfig"))
    pc = ["pkg-config", "cpoemu"]
    self.assertEqual(run([*pc, "--modversion"], "pkg-config", env).strip(), ARGS.version)
    flags = run([*pc, "--cflags", "--libs"], "pkg-config --cflags --libs", env).split()
    self.assertIn("-lcpoemu-hal", flags)
    incs = [f[2:] for f in flags if f.startswith("-I")]
    self.assertIn(os.path.realpath(self.include), [os.path.realpath(i) for i in incs])
    # A static link needs the HAL's own dependencies, libzmq's (libsodium) among them.
    static = run([*pc, "--static", "--libs"], "pkg-config --static --libs", env).split()
    for lib in ("-lzmq", "-lsodium", "-linih", "-pthread"):
      self.assertIn(lib, static)

    exe = os.path.join(self.dir, "identify-pc")
    run([
        ARGS.cc, "-Wall", "-Wextra", "-Werror",
        os.path.join(self.example, "identify.c"), "-o", exe, *flags
    ], "cc identify.c", env)
    out = self.session([exe], env=dict(CLEAN_ENV, LD_LIBRARY_PATH=self.libdir))
    self.check_identify(out)

  def test_example_built_with_find_package(self):
    build = os.path.join(self.dir, "identify-cmake")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    run([
        ARGS.cmake, "-S", self.example, "-B", build, *gen, f"-DCMAKE_C_COMPILER={ARGS.cc}",
        f"-DCMAKE_PREFIX_PATH={self.prefix}"
    ], "configuring examples/firmware")
    with open(os.path.join(build, "CMakeCache.txt")) as f:
      found = re.search(r"^cpoemu_DIR:PATH=(.*)$", f.read(), re.M).group(1)
    self.assertEqual(os.path.realpath(found),
                     os.path.realpath(os.path.join(self.libdir, "cmake", "cpoemu")))
    run([ARGS.cmake, "--build", build], "building examples/firmware")
    out = self.session([os.path.join(build, "identify")])  # its RUNPATH finds the HAL
    self.check_identify(out)

  def test_python_package_in_a_venv(self):
    venv = os.path.join(self.dir, "venv")
    run([ARGS.python, "-m", "venv", "--system-site-packages", venv],
        "python3 -m venv (scripts/install-deps installs python3-venv)")
    py = os.path.join(venv, "bin", "python")
    wheel = os.path.join(self.prefix, ARGS.datadir, "cpoemu", "python",
                         f"cpoemu-{ARGS.version}-py3-none-any.whl")
    # Offline: no index, no build isolation, no cache outside the test's directory.
    pip_env = dict(CLEAN_ENV, PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    run([py, "-m", "pip", "install", "--no-index", "--no-build-isolation", wheel],
        "pip install of the SDK's wheel", pip_env)
    script = os.path.join(HERE, "sdk_python_host.py")
    out = self.session([py, script, venv])
    self.assertRegex(out, rf"profile mrm-els-8x200g, id 0x{ID_AT_0:08x}")
    self.assertRegex(out, r"laser 0 temperature [0-9.]+ K")
    # The package's command, as README.md runs it.
    cli = os.path.join(venv, "bin", "cpoemu-client")
    out = self.session([cli, "--endpoint", "ENDPOINT", "read", "0x0"])
    self.assertEqual(out.strip(), f"0x{ID_AT_0:08x}")

  def test_readme_shows_the_example(self):
    """README.md's SDK section shows the program this test builds, as it is."""
    with open(os.path.join(self.example, "identify.c")) as f:
      program = f.read()
    with open(os.path.join(ARGS.source_dir, "README.md")) as f:
      self.assertIn(f"```c\n{program}```", f.read(),
                    "README.md's copy of examples/firmware/identify.c differs from the file")


if __name__ == "__main__":
  ap = argparse.ArgumentParser()
  ap.add_argument("--build-dir", required=True)
  ap.add_argument("--source-dir", required=True)
  ap.add_argument("--libdir", required=True)
  ap.add_argument("--datadir", required=True)
  ap.add_argument("--version", required=True)
  ap.add_argument("--cmake", required=True)
  ap.add_argument("--python", required=True)
  ap.add_argument("--cc", required=True)
  ARGS, rest = ap.parse_known_args()
  unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
