#!/usr/bin/python3
"""The wire protocol's numbers come from one source (bridge/protocol.toml, and the status codes
of common/include/cpo/status.h) for both codecs:

* the C codec, as compiled, and the Python client agree on every number (constants, message
  types and their payload sizes, ERROR codes and texts, roles, status codes);
* the Python client uses the module the build generated, and the build's generated files are
  what the generator makes from the sources now (none is stale or edited by hand);
* PROTOCOL.md's tables say the same;
* the generator refuses a malformed description with a message naming the problem.

usage: test_protocol_consts.py --helper PATH/interop_codec --c-header PATH --py-module PATH
       [unittest args]
"""
import importlib
import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(ROOT, "bridge", "gen_protocol.py")
TOML = os.path.join(ROOT, "bridge", "protocol.toml")
STATUS_H = os.path.join(ROOT, "common", "include", "cpo", "status.h")
sys.path.insert(0, os.path.join(ROOT, "host", "python"))
ARGS = {}


def c_numbers():
  r = subprocess.run([ARGS["--helper"], "consts"], capture_output=True, text=True, timeout=60)
  assert r.returncode == 0, r.stderr
  out = {"const": {}, "type": {}, "werr": {}, "role": {}, "status": {}, "name": {}}
  for line in r.stdout.splitlines():
    kind, rest = line.split(" ", 1)
    if kind == "const":
      name, value = rest.split()
      out["const"][name] = int(value)
    elif kind == "type":
      name, value, size = rest.split()
      out["type"][int(value)] = (name, int(size))
    elif kind == "name":
      name, value = rest.split()
      out["name"][name] = int(value)
    else:
      value, text = rest.split(" ", 1)
      out[kind][int(value)] = text
  return out


def run_gen(toml=TOML, status=STATUS_H, outdir=None):
  outdir = outdir or tempfile.mkdtemp()
  c_out, py_out = os.path.join(outdir, "cpo", "protocol_consts.h"), os.path.join(outdir, "p.py")
  r = subprocess.run(
      [sys.executable, GEN, toml, "--status", status, "--c-out", c_out, "--py-out", py_out],
      capture_output=True,
      text=True,
      timeout=60)
  return r, c_out, py_out


class ProtocolConstants(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.proto = importlib.import_module("cpoemu_proto")
    cls.cc = importlib.import_module("cpoemu_client")
    cls.c = c_numbers()

  def test_python_client_uses_the_module_the_build_generated(self):
    self.assertTrue(os.path.samefile(self.proto.__file__, ARGS["--py-module"]),
                    f"cpoemu_proto imported from {self.proto.__file__}")
    shared = [n for n in dir(self.proto) if n[0].isupper() and hasattr(self.cc, n)]
    for name in ("MsgType", "WireError", "Role", "STATUS_TEXT", "MAGIC", "VERSION", "MAX_LANES",
                 "MAX_PAYLOAD_BYTES", "PROFILE_BYTES", "SEQ_NONE", "HEADER_BYTES"):
      self.assertIn(name, shared)
    for name in shared:
      self.assertIs(getattr(self.cc, name), getattr(self.proto, name), name)

  def test_c_and_python_constants_agree(self):
    py = {
        n: getattr(self.proto, n)
        for n in dir(self.proto)
        if re.match(r"^[A-Z][A-Z0-9_]*$", n) and isinstance(getattr(self.proto, n), int)
    }
    self.assertEqual(self.c["const"], py)

  def test_c_and_python_message_types_and_sizes_agree(self):
    p = self.proto
    py = {int(t): (t.name, p.PAYLOAD_BYTES.get(t, p.FIXED_PART_BYTES.get(t))) for t in p.MsgType}
    self.assertEqual(self.c["type"], py)
    self.assertEqual(set(p.PAYLOAD_BYTES) | set(p.FIXED_PART_BYTES), set(p.MsgType))
    self.assertFalse(set(p.PAYLOAD_BYTES) & set(p.FIXED_PART_BYTES))

  def test_c_and_python_error_codes_roles_and_status_codes_agree(self):
    p = self.proto
    self.assertEqual(self.c["werr"], {int(k): v for k, v in p.WIRE_ERROR_TEXT.items()})
    self.assertEqual(self.c["role"], {int(k): v for k, v in p.ROLE_TEXT.items()})
    self.assertEqual(self.c["status"], p.STATUS_TEXT)
    names = {f"CPO_WERR_{e.name}": int(e) for e in p.WireError}
    names.update({f"CPO_ROLE_{r.name}": int(r) for r in p.Role})
    self.assertEqual(self.c["name"], names)

  def test_build_outputs_are_what_the_generator_makes_from_the_sources(self):
    with tempfile.TemporaryDirectory() as d:
      r, c_out, py_out = run_gen(outdir=d)
      self.assertEqual(r.returncode, 0, r.stderr)
      for fresh, built in ((c_out, ARGS["--c-header"]), (py_out, ARGS["--py-module"])):
        with open(fresh, "rb") as a, open(built, "rb") as b:
          self.assertEqual(a.read(), b.read(), f"{built} is not what {GEN} makes now")

  def test_protocol_md_tables_agree(self):
    p = self.proto
    with open(os.path.join(ROOT, "bridge", "PROTOCOL.md"), encoding="utf-8") as f:
      md = f.read()
    rows = re.findall(r"^\| (\d+) \| ([A-Z_]+) \| (\d+)[^|]*\| [^|]+\|$", md, re.M)
    types = {int(v): (n, int(b)) for v, n, b in rows if n in p.MsgType.__members__}
    self.assertEqual(
        types,
        {int(t): (t.name, p.PAYLOAD_BYTES.get(t, p.FIXED_PART_BYTES.get(t))) for t in p.MsgType})
    codes = dict(re.findall(r"^\| (\d+) \| ([A-Z_]+) \| [^|]+\|$", md, re.M))
    codes = {int(v): n for v, n in codes.items() if n in p.WireError.__members__}
    self.assertEqual(codes, {int(e): e.name for e in p.WireError if e != p.WireError.NONE})
    roles = re.findall(r"^\| (rtl|model|host) \| (\d) \|", md, re.M)
    self.assertEqual({int(v): n for n, v in roles}, p.ROLE_TEXT)
    # the numbers PROTOCOL.md writes in its prose and smaller tables
    for text in (f"`0x{p.MAGIC:08X}`", f"# The cpoemu wire protocol, version {p.VERSION}",
                 f"## 2. Header ({p.HEADER_BYTES} bytes)",
                 f"| payload | <= 16 MiB ({p.MAX_PAYLOAD_BYTES} bytes)",
                 f"| analog entries | <= {p.MAX_ANALOG_ENTRIES} per message |",
                 f"| ERROR / BYE text | <= {p.MAX_TEXT_BYTES} bytes |",
                 f"| profile | <= {p.PROFILE_BYTES - 1} characters |",
                 f"| lanes | 1..{p.MAX_LANES} |",
                 f"| symbols_per_cycle | 1..{p.SYMBOLS_PER_CYCLE_MAX} |",
                 f"| bits_per_symbol | 1..{p.BITS_PER_SYMBOL_MAX} |",
                 f"a `cpo_status_t` code -1..{min(p.STATUS_TEXT)} ",
                 f"section 5, 1..{max(p.WireError)};"):
      self.assertTrue(text in md, f"PROTOCOL.md does not say {text!r}")

  def test_generator_refuses_malformed_input_naming_the_problem(self):
    with open(TOML, encoding="utf-8") as f:
      good = f.read()
    with open(STATUS_H, encoding="utf-8") as f:
      status = f.read()
    bad_tomls = {
        "value used twice":
            good.replace('name = "SLEEP_DONE"\nvalue = 37', 'name = "SLEEP_DONE"\nvalue = 36'),
        "exactly one of payload_bytes, fixed_part_bytes":
            good.replace("value = 37\npayload_bytes = 0", "value = 37"),
        "unknown key(s)":
            good.replace("value = 37\n", "value = 37\nsize = 1\n"),
        "not a non-negative integer":
            good.replace("version = { value = 6,", "version = { value = -6,"),
        "at line":
            good + "\n[[message]\n",
        "does not fit its wire field (at most 65535)":
            good.replace('name = "UNEXPECTED"\nvalue = 15', 'name = "UNEXPECTED"\nvalue = 65536'),
        "does not fit its wire field (at most 255)":
            good.replace('name = "HOST"\nvalue = 3', 'name = "HOST"\nvalue = 256'),
    }
    with tempfile.TemporaryDirectory() as d:
      for want, text in bad_tomls.items():
        with self.subTest(want):
          path = os.path.join(d, "bad.toml")
          with open(path, "w", encoding="utf-8") as f:
            f.write(text)
          r, _, _ = run_gen(toml=path, outdir=d)
          self.assertEqual(r.returncode, 1)
          self.assertIn(want, r.stderr)
          self.assertIn("bad.toml", r.stderr)
      # a status list line this reader does not understand is refused, not skipped
      path = os.path.join(d, "status.h")
      with open(path, "w", encoding="utf-8") as f:
        f.write(
            status.replace('X(CPO_ERR_IO, -3, "input/output error")',
                           'X(CPO_ERR_IO, -3, "input/output error", 1)'))
      r, _, _ = run_gen(status=path, outdir=d)
      self.assertEqual(r.returncode, 1)
      self.assertIn("status.h:", r.stderr)
      self.assertIn("CPO_ERR_IO", r.stderr)


if __name__ == "__main__":
  args = sys.argv[1:]
  while len(args) >= 2 and args[0] in ("--helper", "--c-header", "--py-module"):
    ARGS[args[0]] = args[1]
    args = args[2:]
  if len(ARGS) != 3:
    sys.exit(__doc__.split("usage: ")[1])
  unittest.main(argv=[sys.argv[0], *args], verbosity=2)
