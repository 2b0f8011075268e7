#!/usr/bin/python3
"""Unit tests of rtl/reggen/reggen.py: a good description generates consistent SV, C, Python
and Markdown; each class of bad description is rejected with a message naming the problem.

Environment (set by CTest): REGGEN (the generator), CC (C compiler) and VERILATOR (binary);
the C and SV checks are skipped when those are not set.
"""

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REGGEN = os.environ.get("REGGEN") or os.path.join(HERE, "..", "..", "rtl", "reggen", "reggen.py")

GOOD = textwrap.dedent("""\
    [block]
    name = "demo"
    desc = "Every access type, an array sized by a parameter, a latched pair."
    [block.params]
    NumPorts = 4

    [[register]]
    name = "ID"
    offset = 0x0
    desc = "Identification."
    fields = [ { name = "MAGIC", bits = "31:0", access = "const", reset = 0xC0FFEE01, desc = "m" } ]

    [[register]]
    name = "CONFIG"          # an SV keyword once lower-cased
    offset = 0x4
    fields = [
      { name = "PORTS", bits = "7:0", access = "ro" },
      { name = "MODE", bits = "10:9", access = "rw", enum = "MODE_SEL", reset = 2 },
      { name = "KEY", bits = "31:16", access = "wo", reset = 0xbeef },
    ]

    [[register]]
    name = "EVENTS"
    offset = 0x8
    fields = [
      { name = "OVERFLOW", bits = 0, access = "w1c" },
      { name = "SEEN", bits = "4:1", access = "rc", reset = 0 },
      { name = "GO", bits = "31", access = "w1p" },
    ]

    [[register]]
    name = "LINK"
    offset = 0xc
    fields = [ { name = "STATE", bits = "2:0", access = "ro", enum = [
      { name = "DOWN", value = 0, desc = "no link" }, { name = "UP", value = 5 } ] } ]

    [[enum]]
    name = "MODE_SEL"
    desc = "Operating modes."
    values = [
      { name = "OFF", value = 0, desc = "off" },
      { name = "SLOW", value = 1 },
      { name = "FAST", value = 2, desc = "the fast one" },
    ]

    [[register]]
    name = "PORT_CNT_LO"
    offset = 0x100
    count = "NumPorts"
    stride = 0x10
    fields = [ { name = "VALUE", bits = "31:0", access = "ro" } ]

    [[register]]
    name = "PORT_CNT_HI"
    offset = 0x104
    count = "NumPorts"
    stride = 0x10
    latched_by = "PORT_CNT_LO"
    fields = [ { name = "VALUE", bits = "31:0", access = "ro" } ]

    [[register]]
    name = "PORT_CTRL"
    offset = 0x108
    count = "NumPorts"
    stride = 0x10
    fields = [ { name = "EN", bits = "0", access = "rw", reset = 1 } ]

    [[window]]
    name = "MEM"
    offset = 0x1000
    size = 0x1000
    access = "rw"
    validbits = 12
    desc = "A table decoded outside the register block. More text."
    index = [
      { name = "BANK", stride = 0x200, desc = "bank" },
      { name = "IN", stride = 0x8, count = "NumPorts", desc = "a Python keyword once lower-cased" },
    ]

    [[window]]
    name = "ROM"
    offset = 0x400
    size = 0x40
    access = "ro"
    desc = "A flat read-only window."

    [[note]]
    title = "Bit order"
    text = '''
    Bit 0 is **first in time**.
    '''
    """)


def run_reggen(toml_text, outdir, *extra, name="demo.regs.toml"):
  path = os.path.join(outdir, name)
  with open(path, "w") as fh:
    fh.write(toml_text)
  return subprocess.run([sys.executable, REGGEN, path, "--outdir", outdir, *extra],
                        capture_output=True,
                        text=True)


def load_module(path):
  spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
  mod = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(mod)
  return mod


class GeneratedOutputs(unittest.TestCase):
  """A generator run into a fresh directory per test (generate() says which), with checks on
  what it wrote."""

  def setUp(self):
    self.tmp = tempfile.TemporaryDirectory()
    self.out = self.tmp.name
    res = self.generate()
    self.assertEqual(res.returncode, 0, res.stderr)

  def tearDown(self):
    self.tmp.cleanup()

  def read(self, rel):
    with open(os.path.join(self.out, rel)) as fh:
      return fh.read()

  def check_c_header_agrees(self, py_module, prefix, header, extra_checks):
    """Every integer constant of the generated Python module, asserted at compile time in C."""
    cc = os.environ.get("CC")
    if not cc:
      self.skipTest("CC not set")
    m = load_module(os.path.join(self.out, py_module))
    names = [n for n in dir(m) if n.startswith(prefix) and isinstance(getattr(m, n), int)]
    checks = "\n".join(f"_Static_assert({n} == {getattr(m, n)}u, \"{n}\");" for n in names)
    checks += "".join(
        f"\n_Static_assert({expr} == {value}, \"{what}\");" for expr, value, what in extra_checks)
    src = os.path.join(self.out, "check.c")
    with open(src, "w") as fh:
      fh.write(f'#include "{header}"\n{checks}\nint main(void) {{ return 0; }}\n')
    res = subprocess.run([
        cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", self.out, "-o",
        os.path.join(self.out, "check"), src
    ],
                         capture_output=True,
                         text=True)
    self.assertEqual(res.returncode, 0, res.stderr)
    return names

  def check_sv_lint_clean(self, files, tops):
    verilator = os.environ.get("VERILATOR")
    if not verilator:
      self.skipTest("VERILATOR not set")
    # The generated register blocks take cpo_apb_pkg's structs.
    apb = os.path.join(HERE, "..", "..", "rtl", "common", "cpo_apb_pkg.sv")
    files = [apb] + [os.path.join(self.out, f) for f in files]
    for top in tops:
      res = subprocess.run([verilator, "--lint-only", "-Wall", *files, "--top-module", top],
                           capture_output=True,
                           text=True,
                           cwd=self.out)
      self.assertEqual(res.returncode, 0, f"{top}: {res.stderr}")


def check_rejected(test, case, res, input_name, needles, out, output):
  """A bad input was refused with a message naming the file and the problem, nothing written."""
  test.assertNotEqual(res.returncode, 0, f"{case}: accepted")
  test.assertIn(input_name, res.stderr, case)
  for needle in needles:
    test.assertIn(needle, res.stderr, f"{case}: message was {res.stderr!r}")
  test.assertNotIn("Traceback", res.stderr, case)
  test.assertFalse(os.path.exists(os.path.join(out, output)), f"{case}: wrote outputs")


class GoodDescription(GeneratedOutputs):

  def generate(self):
    return run_reggen(GOOD, self.out)

  def test_every_output_has_the_banner(self):
    for rel in ("cpo_demo_reg_pkg.sv", "cpo_demo_reg_top.sv", "cpo_demo_reg.vlt", "cpo/demo_regs.h",
                "demo_regs.md", "demo_regs.py"):
      text = self.read(rel)
      self.assertRegex(text,
                       r"generated by rtl/reggen/reggen.py from \S*demo.regs.toml, do not edit",
                       rel)

  def test_python_constants_match_description(self):
    m = load_module(os.path.join(self.out, "demo_regs.py"))
    self.assertEqual(m.CPO_DEMO_NUM_PORTS, 4)
    self.assertEqual(m.CPO_DEMO_ID_OFFSET, 0)
    self.assertEqual(m.CPO_DEMO_ID_RESET, 0xC0FFEE01)
    self.assertEqual(m.CPO_DEMO_CONFIG_MODE_MASK, 0x600)
    self.assertEqual(m.CPO_DEMO_CONFIG_MODE_SHIFT, 9)
    self.assertEqual(m.CPO_DEMO_CONFIG_MODE_RESET, 2)
    self.assertEqual(m.CPO_DEMO_CONFIG_RESET, (0xbeef << 16) | (2 << 9))
    self.assertEqual(m.CPO_DEMO_EVENTS_GO_MASK, 0x80000000)
    self.assertEqual(m.CPO_DEMO_PORT_CNT_HI_COUNT, 4)
    self.assertEqual(m.CPO_DEMO_PORT_CNT_HI_STRIDE, 0x10)
    self.assertEqual(m.CPO_DEMO_PORT_CNT_HI_OFFSET_N(3), 0x134)
    with self.assertRaises(IndexError):
      m.CPO_DEMO_PORT_CNT_HI_OFFSET_N(4)
    self.assertEqual(set(m.REGISTERS),
                     {"ID", "CONFIG", "EVENTS", "LINK", "PORT_CNT_LO", "PORT_CNT_HI", "PORT_CTRL"})

  def test_enums_in_python(self):
    m = load_module(os.path.join(self.out, "demo_regs.py"))
    self.assertEqual([(v.name, int(v)) for v in m.ModeSel], [("OFF", 0), ("SLOW", 1), ("FAST", 2)])
    self.assertEqual(m.CPO_DEMO_MODE_SEL_FAST, 2)
    self.assertEqual(m.LinkState(5).name, "UP")  # a field's own enum, named <REG>_<FIELD>
    self.assertEqual(m.CPO_DEMO_LINK_STATE_DOWN, 0)
    self.assertIn("CONFIG.MODE", m.ModeSel.__doc__)

  def test_enums_in_c_sv_and_markdown(self):
    h = self.read("cpo/demo_regs.h")
    self.assertIn("  CPO_DEMO_MODE_SEL_FAST = 0x2,  /* the fast one */", h)
    self.assertIn("} cpo_demo_mode_sel_t;", h)
    self.assertIn("static inline const char *cpo_demo_link_state_name(unsigned value) {", h)
    self.assertIn('  case CPO_DEMO_LINK_STATE_UP: return "UP";', h)
    pkg = self.read("cpo_demo_reg_pkg.sv")
    self.assertIn("parameter logic [1:0] CPO_DEMO_MODE_SEL_FAST = 2'h2;", pkg)
    self.assertIn("parameter logic [2:0] CPO_DEMO_LINK_STATE_UP = 3'h5;", pkg)
    md = self.read("demo_regs.md")
    self.assertIn("Values: [MODE_SEL](#mode_sel). |", md)
    sel = md.split("## MODE_SEL\n")[1].split("\n## ")[0]
    self.assertIn("Enum (fields CONFIG.MODE;", sel)
    self.assertIn("| 0x2 | FAST | the fast one |", sel)

  def test_window_decoder(self):
    dec = self.read("cpo_demo_reg_dec.sv")
    self.assertIn("module cpo_demo_reg_dec", dec)
    self.assertIn("assign mem_o = paddr_i[15:12] == CPO_DEMO_MEM_OFFSET[15:12];", dec)
    self.assertIn("assign rom_o = paddr_i[15:6] == CPO_DEMO_ROM_OFFSET[15:6];", dec)
    self.assertIn("assign regs_o = ~(mem_o | rom_o);", dec)
    pkg = self.read("cpo_demo_reg_pkg.sv")
    # The index fields of the window, for a design that decodes them.
    for line in ("CPO_DEMO_MEM_SIZE_BITS = 12;", "CPO_DEMO_MEM_BANK_LSB = 9;",
                 "CPO_DEMO_MEM_BANK_BITS = 3;", "CPO_DEMO_MEM_IN_LSB = 3;",
                 "CPO_DEMO_MEM_IN_BITS = 6;"):
      self.assertIn(line, pkg)

  def test_block_without_windows_has_an_empty_decoder(self):
    text = GOOD.split("[[window]]")[0] + GOOD.split("[[note]]")[1].join(["[[note]]", ""])
    with tempfile.TemporaryDirectory() as out:
      self.assertEqual(run_reggen(text, out).returncode, 0)
      with open(os.path.join(out, "cpo_demo_reg_dec.sv")) as fh:
        self.assertNotIn("module", fh.read())

  def test_python_window_constants(self):
    m = load_module(os.path.join(self.out, "demo_regs.py"))
    self.assertEqual((m.CPO_DEMO_MEM_OFFSET, m.CPO_DEMO_MEM_SIZE, m.CPO_DEMO_MEM_VALIDBITS),
                     (0x1000, 0x1000, 12))
    self.assertEqual((m.CPO_DEMO_MEM_BANK_STRIDE, m.CPO_DEMO_MEM_IN_STRIDE), (0x200, 0x8))
    self.assertEqual(m.CPO_DEMO_MEM_IN_COUNT, 4)
    self.assertFalse(hasattr(m, "CPO_DEMO_MEM_BANK_COUNT"))  # no fixed count: room only
    self.assertEqual(m.CPO_DEMO_MEM_OFFSET_N(3, 2), 0x1000 + 3 * 0x200 + 2 * 8)
    self.assertEqual(m.CPO_DEMO_MEM_OFFSET_N(7, 3), 0x1e18)
    for bad in ((8, 0), (0, 4), (-1, 0)):
      with self.assertRaises(IndexError):
        m.CPO_DEMO_MEM_OFFSET_N(*bad)
    self.assertEqual((m.CPO_DEMO_ROM_OFFSET, m.CPO_DEMO_ROM_SIZE, m.CPO_DEMO_ROM_VALIDBITS),
                     (0x400, 0x40, 32))
    self.assertFalse(hasattr(m, "CPO_DEMO_ROM_OFFSET_N"))
    self.assertEqual(m.WINDOWS["MEM"]["access"], "rw")
    self.assertEqual(m.WINDOWS["ROM"], {
        "offset": 0x400,
        "size": 0x40,
        "access": "ro",
        "validbits": 32,
        "index": []
    })
    self.assertEqual(m.WINDOWS["MEM"]["index"], [{
        "name": "BANK",
        "stride": 0x200,
        "count": None
    }, {
        "name": "IN",
        "stride": 0x8,
        "count": 4
    }])

  def test_c_header_agrees_with_python(self):
    names = self.check_c_header_agrees(
        "demo_regs.py", "CPO_DEMO_", "cpo/demo_regs.h",
        [("CPO_DEMO_PORT_CTRL_OFFSET_N(2)", "0x128u", "OFFSET_N"),
         ("CPO_DEMO_MEM_OFFSET_N(3, 2)", "0x1610u", "window OFFSET_N")])
    self.assertGreater(len(names), 40)

  def test_sv_is_lint_clean(self):
    self.check_sv_lint_clean(
        ("cpo_demo_reg.vlt", "cpo_demo_reg_pkg.sv", "cpo_demo_reg_top.sv", "cpo_demo_reg_dec.sv"),
        ("cpo_demo_reg_top", "cpo_demo_reg_dec"))

  def test_sv_package_matches_description(self):
    pkg = self.read("cpo_demo_reg_pkg.sv")
    self.assertIn("parameter logic [15:0] CPO_DEMO_PORT_CTRL_OFFSET = 16'h108;", pkg)
    self.assertIn("parameter int unsigned CPO_DEMO_PORT_CTRL_COUNT = 4;", pkg)
    self.assertIn("parameter logic [1:0] CPO_DEMO_CONFIG_MODE_RESET = 2'h2;", pkg)
    self.assertIn("parameter logic [15:0] CPO_DEMO_MEM_OFFSET = 16'h1000;", pkg)
    self.assertIn("parameter int unsigned CPO_DEMO_MEM_SIZE = 4096;", pkg)
    self.assertIn("parameter int unsigned CPO_DEMO_MEM_VALIDBITS = 12;", pkg)
    self.assertIn("parameter logic [15:0] CPO_DEMO_MEM_BANK_STRIDE = 16'h200;", pkg)
    self.assertIn("parameter int unsigned CPO_DEMO_MEM_IN_COUNT = 4;", pkg)
    self.assertIn("parameter logic [15:0] CPO_DEMO_ROM_OFFSET = 16'h400;", pkg)
    # reg2hw: what software controls; hw2reg: what hardware reports.
    reg2hw = re.search(r"typedef struct packed \{([^}]*)\} cpo_demo_reg2hw_t;", pkg).group(1)
    hw2reg = re.search(r"typedef struct packed \{([^}]*)\} cpo_demo_hw2reg_t;", pkg).group(1)
    self.assertIn("config_", reg2hw)
    self.assertIn("port_ctrl", reg2hw)
    self.assertNotIn("port_cnt", reg2hw)
    self.assertIn("port_cnt_hi", hw2reg)
    self.assertNotIn("port_ctrl", hw2reg)
    self.assertNotIn(" id", reg2hw + hw2reg)

  def test_markdown_lists_every_register(self):
    md = self.read("demo_regs.md")
    for name, off in (("ID", 0), ("CONFIG", 4), ("EVENTS", 8), ("PORT_CNT_LO", 0x100),
                      ("PORT_CNT_HI", 0x104), ("PORT_CTRL", 0x108)):
      self.assertIn(f"| 0x{off:04x} | [{name}]", md)
      self.assertIn(f"## {name}", md)
    self.assertIn("4 x stride 0x10", md)

  def test_markdown_describes_windows_and_notes(self):
    md = self.read("demo_regs.md")
    self.assertIn(
        "| 0x1000-0x1fff | [MEM](#mem) | window, rw, 0x1000 bytes | - | "
        "A table decoded outside the register block. |", md)
    self.assertIn("| 0x0400-0x043f | [ROM](#rom) | window, ro, 0x40 bytes |", md)
    mem = md.split("## MEM\n")[1].split("\n## ")[0]
    self.assertIn("Window 0x1000-0x1fff (4096 bytes)", mem)
    self.assertIn("More text.", mem)
    self.assertIn(
        "Entry address: `0x1000 + bank * 0x200 + in_ * 0x8` "
        "(`CPO_DEMO_MEM_OFFSET_N(bank, in_)`)", mem)
    self.assertIn("| bank | 0x200 | at most 8 (room in the window) | bank |", mem)
    self.assertIn("| in_ | 0x8 | 4 |", mem)
    self.assertIn(
        "Entries are read/write. Bits [11:0] of each 32-bit entry hold the data; bits "
        "[31:12] read 0 and ignore writes.", mem)
    rom = md.split("## ROM\n")[1]
    self.assertIn("read-only: a write completes with PSLVERR", rom)
    self.assertIn("Each entry is a 32-bit word.", rom)
    self.assertIn("## Bit order\n\nBit 0 is **first in time**.\n", md)

  def test_c_header_window_names(self):
    h = self.read("cpo/demo_regs.h")
    for line in ("#define CPO_DEMO_MEM_OFFSET 0x1000u", "#define CPO_DEMO_MEM_SIZE 0x1000u",
                 "#define CPO_DEMO_MEM_VALIDBITS 12u", "#define CPO_DEMO_MEM_IN_COUNT 4u",
                 "#define CPO_DEMO_MEM_OFFSET_N(bank, in_) (CPO_DEMO_MEM_OFFSET + "
                 "(unsigned)(bank) * CPO_DEMO_MEM_BANK_STRIDE + (unsigned)(in_) * "
                 "CPO_DEMO_MEM_IN_STRIDE)", "#define CPO_DEMO_ROM_SIZE 0x40u"):
      self.assertIn(line, h)
    self.assertNotIn("CPO_DEMO_MEM_BANK_COUNT", h)

  def test_param_override_resizes_arrays_everywhere(self):
    res = run_reggen(GOOD, self.out, "--param", "NumPorts=16")
    self.assertEqual(res.returncode, 0, res.stderr)
    self.assertIn("#define CPO_DEMO_PORT_CTRL_COUNT 16u", self.read("cpo/demo_regs.h"))
    self.assertIn("CPO_DEMO_PORT_CTRL_COUNT = 16;", self.read("cpo_demo_reg_pkg.sv"))
    self.assertIn("CPO_DEMO_PORT_CTRL_COUNT = 16", self.read("demo_regs.py"))
    self.assertIn("16 x stride 0x10", self.read("demo_regs.md"))

  def test_rerun_keeps_unchanged_files(self):
    path = os.path.join(self.out, "cpo_demo_reg_top.sv")
    os.utime(path, (1000, 1000))
    self.assertEqual(run_reggen(GOOD, self.out).returncode, 0)
    self.assertEqual(os.stat(path).st_mtime, 1000)


BAD = [
    # (case, toml text, extra args, substrings the message must contain)
    ("overlapping offsets", GOOD.replace("offset = 0x8\n", "offset = 0x4\n"), [],
     ["register 'EVENTS'", "0x0004", "overlaps CONFIG"]),
    ("array overlaps a register", GOOD.replace('offset = 0x108', 'offset = 0x114'), [],
     ["register 'PORT_CTRL'", "PORT_CTRL[0] at 0x0114 overlaps PORT_CNT_HI[1]"]),
    ("overlapping fields",
     GOOD.replace('bits = "10:9", access = "rw"', 'bits = "8:6", access = "rw"'), [],
     ["register 'CONFIG'", "'PORTS' (7:0)", "'MODE' (8:6)", "overlap"]),
    ("bits out of range",
     GOOD.replace('bits = "31:16", access = "wo"', 'bits = "32:16", access = "wo"'), [],
     ["register 'CONFIG'", "field 'KEY'", "out of range 0..31"]),
    ("bits reversed", GOOD.replace('bits = "4:1"', 'bits = "1:4"'), [], ["field 'SEEN'",
                                                                         "hi < lo"]),
    ("malformed bits", GOOD.replace('bits = "4:1"',
                                    'bits = "4-1"'), [], ["field 'SEEN'", "must be"]),
    ("reset does not fit", GOOD.replace("reset = 2 }", "reset = 4 }"), [],
     ["register 'CONFIG'", "field 'MODE'", "0x4 does not fit in 2 bit(s)"]),
    ("negative reset", GOOD.replace("reset = 2 }",
                                    "reset = -1 }"), [], ["field 'MODE'", "negative"]),
    ("unknown access", GOOD.replace('access = "w1p"', 'access = "w1s"'), [],
     ["register 'EVENTS'", "field 'GO'", "unknown access 'w1s'"]),
    ("missing access", GOOD.replace(', access = "w1p"', ''), [], ["field 'GO'", "missing access"]),
    ("missing register name", GOOD.replace('name = "EVENTS"\n',
                                           ''), [], ["register", "missing register name"]),
    ("missing field name", GOOD.replace('{ name = "SEEN", ',
                                        '{ '), [], ["register 'EVENTS'", "missing field name"]),
    ("bad register name", GOOD.replace('name = "EVENTS"',
                                       'name = "events"'), [], ["'events'", "must match"]),
    ("missing offset", GOOD.replace('offset = 0x8\n',
                                    ''), [], ["register 'EVENTS'", "missing offset"]),
    ("misaligned offset", GOOD.replace('offset = 0x8\n', 'offset = 0x9\n'), [],
     ["register 'EVENTS'", "0x9", "multiple of 4"]),
    ("beyond address space", GOOD.replace('offset = 0x108', 'offset = 0xfff8'), [],
     ["register 'PORT_CTRL'", "beyond the 16-bit address space"]),
    ("duplicate register", GOOD.replace('name = "EVENTS"',
                                        'name = "CONFIG"'), [], ["register 'CONFIG'", "twice"]),
    ("duplicate field", GOOD.replace('name = "SEEN"', 'name = "OVERFLOW"'), [],
     ["register 'EVENTS'", "field 'OVERFLOW' is defined twice"]),
    ("array without stride", GOOD.replace('stride = 0x10\nlatched_by', 'latched_by'), [],
     ["register 'PORT_CNT_HI'", "needs a stride"]),
    ("unknown count parameter",
     GOOD.replace('count = "NumPorts"\nstride = 0x10\nfields = [ { name = "EN"',
                  'count = "NumPort"\nstride = 0x10\nfields = [ { name = "EN"'), [],
     ["register 'PORT_CTRL'", "'NumPort' is not a [block.params] name"]),
    ("unknown key", GOOD.replace('access = "w1c"',
                                 'acess = "w1c"'), [], ["field 'OVERFLOW'", "unknown key 'acess'"]),
    ("latched_by unknown", GOOD.replace('latched_by = "PORT_CNT_LO"', 'latched_by = "PORT_LO"'), [],
     ["register 'PORT_CNT_HI'", "'PORT_LO' is not a register"]),
    ("latched_by on a writable register",
     GOOD.replace(
         'latched_by = "PORT_CNT_LO"\nfields = [ { name = "VALUE", bits = "31:0", '
         'access = "ro" } ]',
         'latched_by = "PORT_CNT_LO"\nfields = [ { name = "VALUE", bits = "31:0", '
         'access = "rw" } ]'), [], ["register 'PORT_CNT_HI'", "every field to be ro"]),
    ("const without reset",
     GOOD.replace('access = "const", reset = 0xC0FFEE01,',
                  'access = "const",'), [], ["register 'ID'", "field 'MAGIC'", "needs a reset"]),
    ("reset on a hardware value",
     GOOD.replace('{ name = "PORTS", bits = "7:0", access = "ro" }',
                  '{ name = "PORTS", bits = "7:0", access = "ro", reset = 1 }'), [],
     ["field 'PORTS'", "no meaning for access 'ro'"]),
    ("no fields",
     GOOD.replace('fields = [ { name = "EN", bits = "0", access = "rw", reset = 1 } ]',
                  'fields = []'), [], ["register 'PORT_CTRL'", "non-empty list of fields"]),
    ("TOML syntax error", GOOD.replace('offset = 0x8\n',
                                       'offset = = 0x8\n'), [], ["TOML syntax error"]),
    ("missing block", GOOD.replace("[block]\n", "[blk]\n"), [], ["unknown top-level key 'blk'"]),
    ("unknown --param", GOOD, ["--param",
                               "NumPort=8"], ["--param NumPort", "not a [block.params] name"]),
    ("name collision in generated macros",
     GOOD.replace('name = "EVENTS"', 'name = "CONFIG_MODE"').replace(
         '{ name = "OVERFLOW", bits = 0, access = "w1c" },',
         '{ name = "OVERFLOW", bits = 0, access = "w1c" }, '
         '{ name = "SHIFT_X", bits = 5, access = "rw" },').replace(
             '{ name = "SEEN", bits = "4:1", access = "rc", reset = 0 },',
             '{ name = "RESET", bits = "6", access = "rc" },'), [],
     ["both generate the name CPO_DEMO_CONFIG_MODE_RESET"]),
    ("window overlaps a register", GOOD.replace("offset = 0x400", "offset = 0x100"), [],
     ["window 'ROM'", "0x0100-0x013f overlaps register PORT_CNT_LO[0] at 0x0100"]),
    ("window overlaps a window",
     GOOD.replace("offset = 0x400\nsize = 0x40", "offset = 0x1040\nsize = 0x40"), [],
     ["window 'ROM'", "0x1040-0x107f overlaps window 'MEM' (0x1000-0x1fff)"]),
    ("window not aligned to its size", GOOD.replace("offset = 0x400", "offset = 0x420"), [],
     ["window 'ROM'", "offset 0x420 is not a non-negative multiple of its size 0x40"]),
    ("window size not a power of two", GOOD.replace("size = 0x40", "size = 0x30"), [],
     ["window 'ROM'", "size 0x30 is not a power of two"]),
    ("window beyond the address space",
     GOOD.replace("offset = 0x1000\nsize = 0x1000", "offset = 0x10000\nsize = 0x1000"), [],
     ["window 'MEM'", "beyond the 16-bit address space"]),
    ("window unknown access",
     GOOD.replace('access = "ro"\ndesc = "A flat', 'access = "w1c"\ndesc = "A flat'), [],
     ["window 'ROM'", "unknown access 'w1c' (one of rw, ro)"]),
    ("window missing size", GOOD.replace("size = 0x40\n", ""), [], ["window 'ROM'",
                                                                    "missing size"]),
    ("window validbits out of range", GOOD.replace("validbits = 12", "validbits = 33"), [],
     ["window 'MEM'", "validbits 33 out of range 1..32"]),
    ("window name taken by a register", GOOD.replace('name = "ROM"', 'name = "EVENTS"'), [],
     ["window 'EVENTS'", "defined twice"]),
    ("window defined twice", GOOD.replace('name = "ROM"',
                                          'name = "MEM"'), [], ["window 'MEM'", "defined twice"]),
    ("window bad name", GOOD.replace('name = "ROM"', 'name = "rom"'), [], ["'rom'", "must match"]),
    ("window unknown key", GOOD.replace("validbits = 12", "validbit = 12"), [],
     ["window 'MEM'", "unknown key 'validbit'"]),
    ("window index stride misaligned", GOOD.replace("stride = 0x8, count", "stride = 0x6, count"),
     [], ["window 'MEM': index 'IN'", "stride 0x6 must be a positive multiple of 4"]),
    ("window index does not fit",
     GOOD.replace('stride = 0x8, count = "NumPorts"', 'stride = 0x8, count = 65'), [],
     ["window 'MEM': index 'IN'", "65 entries of stride 0x8 do not fit in index 'BANK' stride"]),
    ("window indices not outermost first", GOOD.replace('stride = 0x200, desc',
                                                        'stride = 0x4, desc'), [],
     ["window 'MEM'", "index 'IN' stride 0x8 does not divide index 'BANK' stride 0x4"]),
    ("window index stride larger than the window",
     GOOD.replace('stride = 0x200, desc', 'stride = 0x2000, desc'), [],
     ["window 'MEM'", "index 'BANK' stride 0x2000 does not divide size 0x1000"]),
    ("window index unknown count parameter",
     GOOD.replace('count = "NumPorts", desc', 'count = "NumPort", desc'), [],
     ["window 'MEM': index 'IN'", "'NumPort' is not a [block.params] name"]),
    ("window macro collides with a register's",
     GOOD.replace('name = "EVENTS"', 'name = "ROM_BANK"').replace(
         'offset = 0x400\nsize = 0x40\naccess = "ro"',
         'offset = 0x400\nsize = 0x40\naccess = "ro"\nindex = [ { name = "BANK", stride = 4 } ]'),
     [], [
         "window index 'ROM.BANK' and register 'ROM_BANK' both generate the name "
         "CPO_DEMO_ROM_BANK_STRIDE"
     ]),
    ("enum value does not fit its field",
     GOOD.replace('{ name = "FAST", value = 2,', '{ name = "FAST", value = 4,'), [], [
         "register 'CONFIG': field 'MODE'", "enum 'MODE_SEL' value 'FAST' (0x4) does not fit in "
         "2 bit(s)"
     ]),
    ("inline enum value does not fit its field",
     GOOD.replace('{ name = "UP", value = 5 }', '{ name = "UP", value = 8 }'), [], [
         "register 'LINK': field 'STATE'", "enum 'LINK_STATE' value 'UP' (0x8) does not fit in "
         "3 bit(s)"
     ]),
    ("enum unknown", GOOD.replace('enum = "MODE_SEL"', 'enum = "MODE"'), [],
     ["field 'MODE'", "enum 'MODE' is not an [[enum]] of this block (known: MODE_SEL)"]),
    ("enum value unknown key",
     GOOD.replace('{ name = "SLOW", value = 1 }', '{ name = "SLOW", valu = 1 }'), [],
     ["enum 'MODE_SEL': value 'SLOW'", "unknown key 'valu'"]),
    ("enum unknown key", GOOD.replace('desc = "Operating modes."', 'descr = "Operating modes."'),
     [], ["enum 'MODE_SEL'", "unknown key 'descr'"]),
    ("enum value missing", GOOD.replace('{ name = "SLOW", value = 1 }', '{ name = "SLOW" }'), [],
     ["enum 'MODE_SEL': value 'SLOW'", "missing value"]),
    ("enum value twice", GOOD.replace('{ name = "SLOW", value = 1 }',
                                      '{ name = "SLOW", value = 2 }'), [],
     ["enum 'MODE_SEL': value 'FAST'", "value 0x2 is also 'SLOW'"]),
    ("enum without values",
     GOOD.replace(
         'enum = [\n  { name = "DOWN", value = 0, desc = "no link" }, '
         '{ name = "UP", value = 5 } ]',
         'enum = []'), [], ["field 'STATE'", "non-empty list of values"]),
    ("enum value collides with a field's macro",
     GOOD.replace('{ name = "UP", value = 5 }', '{ name = "MASK", value = 5 }'), [],
     ["both generate the name CPO_DEMO_LINK_STATE_MASK"]),
    ("note without text", GOOD.replace("text = '''\nBit 0 is **first in time**.\n'''",
                                       'text = ""'), [], ["note 'Bit order'", "non-empty text"]),
    ("note without title", GOOD.replace('title = "Bit order"\n',
                                        ''), [], ["note", "one-line title"]),
]


class BadDescriptions(unittest.TestCase):

  def test_each_bad_description_is_rejected_with_its_reason(self):
    for case, text, extra, needles in BAD:
      with self.subTest(case=case), tempfile.TemporaryDirectory() as out:
        self.assertTrue(text != GOOD or extra, f"{case}: the edit did not apply")
        res = run_reggen(text, out, *extra, name="bad.regs.toml")
        check_rejected(self, case, res, "bad.regs.toml", needles, out, "cpo_demo_reg_top.sv")


ROOT = os.path.join(HERE, "..", "..")


def read_source(*rel):
  with open(os.path.join(ROOT, *rel)) as fh:
    return fh.read()


def generate_from_tree(generator, rel, outdir):
  """Run @generator on the project's description @rel (a path below the root) into @outdir."""
  res = subprocess.run([sys.executable, generator,
                        os.path.join(ROOT, *rel), "--outdir", outdir],
                       capture_output=True,
                       text=True)
  assert res.returncode == 0, res.stderr


class LanesDescription(unittest.TestCase):
  """rtl/lanes/lanes.regs.toml: its reference shows the converter windows and the PRBS bit
  order, and the windows agree with the hand-written decode and the host-side copies."""

  @classmethod
  def setUpClass(cls):
    cls.tmp = tempfile.TemporaryDirectory()
    generate_from_tree(REGGEN, ("rtl", "lanes", "lanes.regs.toml"), cls.tmp.name)
    with open(os.path.join(cls.tmp.name, "lanes_regs.md")) as fh:
      cls.md = fh.read()
    cls.regs = load_module(os.path.join(cls.tmp.name, "lanes_regs.py"))

  @classmethod
  def tearDownClass(cls):
    cls.tmp.cleanup()

  def source(self, *rel):
    with open(os.path.join(ROOT, *rel)) as fh:
      return fh.read()

  def test_markdown_shows_windows_and_bit_order(self):
    self.assertIn("| 0x1000-0x1fff | [DAC](#dac) | window, rw, 0x1000 bytes |", self.md)
    self.assertIn("| 0x2000-0x2fff | [ADC](#adc) | window, ro, 0x1000 bytes |", self.md)
    self.assertIn("Entry address: `0x1000 + ch * 0x100 + idx * 0x4`", self.md)
    self.assertIn("Entry address: `0x2000 + ch * 0x100 + idx * 0x4`", self.md)
    order = self.md.split("## PRBS bit order\n")[1].split("\n## ")[0]
    for needle in ("Bit 0 of a lane word is first in time", "its LSB (bit 2k) first in time",
                   "O.150", "x^31 + x^28 + 1", "b[n] = b[n-31] ^ b[n-28]", "counted once"):
      self.assertIn(needle, order)

  def test_the_design_uses_the_generated_decode(self):
    # cpo_lanes_top selects the windows with the generated cpo_lanes_reg_dec; cpo_afe_bank takes
    # its channel and index fields from the package (no window offset typed in the RTL).
    top = self.source("rtl", "lanes", "cpo_lanes_top.sv")
    self.assertIn("cpo_lanes_reg_dec u_dec (", top)
    bank = self.source("rtl", "lanes", "cpo_afe_bank.sv")
    self.assertIn("assign ch = paddr[ChLsb+:ChFieldBits];", bank)
    self.assertIn("localparam int unsigned ChLsb = CPO_LANES_DAC_CH_LSB;", bank)
    for text in (top, bank):
      code = "\n".join(l.split("//")[0] for l in text.splitlines())
      self.assertIsNone(re.search(r"\[1[15]:\d+\]|'h[12]\b|\[7:2\]", code))
    self.assertEqual(self.regs.WINDOWS["DAC"]["access"], "rw")
    self.assertEqual(self.regs.WINDOWS["ADC"]["access"], "ro")

  def test_host_helpers_take_the_generated_names(self):
    # host/include/cpo/lanes_afe.h and host/python/cpoemu_analog.py type no address: they use
    # cpo/lanes_regs.h and lanes_regs.py (tests/python/test_analog_tables.py runs both).
    h = self.source("host", "include", "cpo", "lanes_afe.h")
    self.assertIn('#include "cpo/lanes_regs.h"', h)
    self.assertEqual(re.findall(r"0x[0-9a-fA-F]+", h), ["0xFFFF"])  # the code mask only
    py = self.source("host", "python", "cpoemu_analog.py")
    self.assertIsNone(re.search(r"^\w+ = 0x", py, re.M))


ADDRMAP = os.path.join(HERE, "..", "..", "rtl", "reggen", "addrmap.py")

GOOD_MAP = textwrap.dedent("""\
    [map]
    desc = "A test map."

    [[space]]
    name = "HOST"
    addr_bits = 24
    desc = "The host's bus."

    [[space]]
    name = "SIDE"
    addr_bits = 16

    [[block]]
    name = "DEMO_A"
    space = "HOST"
    base = 0x000000
    size = 0x10000
    regs = "demo.regs.toml"
    desc = "First demo block."

    [[block]]
    name = "PORT"
    space = "HOST"
    base = 0x100000
    size = 0xf00000
    desc = "A port with blocks behind it."

    [[block]]
    name = "DEMO_B"
    parent = "PORT"
    base = 0x110000
    size = 0x10000
    regs = "demo.regs.toml"

    [[block]]
    name = "FUTURE"
    parent = "PORT"
    base = 0x800000
    size = 0x800000
    reserved = true

    [[block]]
    name = "ALONE"
    space = "SIDE"
    base = 0x0
    size = 0x10000
    """)


def run_addrmap(map_text, outdir, regs_text=GOOD):
  with open(os.path.join(outdir, "demo.regs.toml"), "w") as fh:
    fh.write(regs_text)
  path = os.path.join(outdir, "map.toml")
  with open(path, "w") as fh:
    fh.write(map_text)
  return subprocess.run([sys.executable, ADDRMAP, path, "--outdir", outdir],
                        capture_output=True,
                        text=True)


class AddressMap(GeneratedOutputs):

  def generate(self):
    return run_addrmap(GOOD_MAP, self.out)

  def test_python_names(self):
    m = load_module(os.path.join(self.out, "addrmap.py"))
    self.assertEqual(m.CPO_ADDRMAP_HOST_ADDR_BITS, 24)
    self.assertEqual((m.CPO_ADDRMAP_DEMO_B_BASE, m.CPO_ADDRMAP_DEMO_B_SIZE), (0x110000, 0x10000))
    # A placed block's windows at their absolute addresses.
    self.assertEqual(m.CPO_ADDRMAP_DEMO_B_MEM_BASE, 0x111000)
    self.assertEqual(m.CPO_ADDRMAP_DEMO_A_ROM_BASE, 0x400)
    self.assertEqual(m.addr("PORT", 0x40), 0x100040)
    with self.assertRaises(IndexError):
      m.addr("DEMO_A", 0x10000)
    self.assertEqual(m.BLOCKS["FUTURE"]["reserved"], True)
    self.assertEqual(m.BLOCKS["DEMO_B"]["space"], "HOST")  # a child is in its parent's space

  def test_c_header_compiles_and_agrees(self):
    names = self.check_c_header_agrees("addrmap.py", "CPO_ADDRMAP_", "cpo/addrmap.h",
                                       [("CPO_ADDRMAP_PORT_ADDR(0x40)", "0x100040u", "ADDR")])
    self.assertGreaterEqual(len(names), 20)

  def test_decoders(self):
    dec = self.read("cpo_addrmap_host_dec.sv")
    # A natural block decodes on the bits above its size; any other by range.
    self.assertIn("assign demo_a_o = paddr_i[23:16] == CPO_ADDRMAP_DEMO_A_BASE[23:16];", dec)
    self.assertIn("assign port_o = paddr_i >= CPO_ADDRMAP_PORT_BASE;", dec)
    self.assertNotIn("demo_b_o", dec)  # behind the port: the port's design decodes it
    self.assertIn("assign none_o = ~(demo_a_o | port_o);", dec)
    self.check_sv_lint_clean(("cpo_addrmap.vlt", "cpo_addrmap_pkg.sv", "cpo_addrmap_host_dec.sv",
                              "cpo_addrmap_side_dec.sv"),
                             ("cpo_addrmap_host_dec", "cpo_addrmap_side_dec"))

  def test_markdown(self):
    md = self.read("addrmap.md")
    self.assertIn("## Space HOST (24-bit)", md)
    self.assertIn("| 0x110000-0x11ffff | &nbsp;&nbsp;`DEMO_B` |", md)
    self.assertIn("| 0x111000-0x111fff | &nbsp;&nbsp;&nbsp;&nbsp;`DEMO_B.MEM` | window, rw |", md)
    self.assertIn("| 0x800000-0xffffff | &nbsp;&nbsp;`FUTURE` | reserved |", md)


BAD_MAP = [
    ("blocks overlap",
     GOOD_MAP.replace('size = 0x10000\nregs = "demo.regs.toml"\ndesc = "First',
                      'size = 0x200000\nregs = "demo.regs.toml"\ndesc = "First'), None,
     [
         "block 'PORT' (0x100000-0xffffff) overlaps block 'DEMO_A' (0x000000-0x1fffff) in space "
         "'HOST'"
     ]),
    ("children overlap", GOOD_MAP.replace("base = 0x800000",
                                          "base = 0x118000").replace("size = 0x800000",
                                                                     "size = 0x8000"), None,
     ["block 'FUTURE' (0x118000-0x11ffff) overlaps block 'DEMO_B'", "inside 'PORT'"]),
    ("child outside its parent", GOOD_MAP.replace("base = 0x110000", "base = 0x0f0000"), None,
     ["block 'DEMO_B'", "0x0f0000-0x0fffff is outside its parent 'PORT' (0x100000-0xffffff)"]),
    ("block beyond its space",
     GOOD_MAP.replace("base = 0x0\nsize = 0x10000", "base = 0x8000\nsize = 0x10000"), None,
     ["block 'ALONE'", "beyond the 16-bit space 'SIDE'"]),
    ("unknown space", GOOD_MAP.replace('space = "SIDE"', 'space = "SIDES"'), None,
     ["block 'ALONE'", "space 'SIDES' is not a [[space]] (known: HOST, SIDE)"]),
    ("unknown parent",
     GOOD_MAP.replace('parent = "PORT"\nbase = 0x110000', 'parent = "PORTS"\nbase = 0x110000'),
     None, ["block 'DEMO_B'", "parent 'PORTS' is not a block of the map"]),
    ("unknown key", GOOD_MAP.replace("reserved = true", "reserve = true"), None,
     ["block 'FUTURE'", "unknown key 'reserve'"]),
    ("space and parent",
     GOOD_MAP.replace('parent = "PORT"\nbase = 0x800000', 'parent = "PORT"\nspace = "HOST"\n'
                      'base = 0x800000'), None,
     ["block 'FUTURE'", "exactly one of space (top level) or parent"]),
    ("reserved block with registers",
     GOOD_MAP.replace("reserved = true", 'reserved = true\nregs = "demo.regs.toml"'), None,
     ["block 'FUTURE'", "a reserved block has no regs"]),
    ("registers larger than the block",
     GOOD_MAP.replace("size = 0x10000\nregs", "size = 0x1000\nregs"), None,
     ["block 'DEMO_A'", "reach 0x2000, beyond its size 0x1000"]),
    ("bad register description", GOOD_MAP, GOOD.replace('offset = 0x8\n', 'offset = 0x4\n'),
     ["block 'DEMO_A': regs 'demo.regs.toml'", "register 'EVENTS'", "overlaps CONFIG"]),
    ("block defined twice", GOOD_MAP.replace('name = "ALONE"', 'name = "PORT"'), None,
     ["block 'PORT' is defined twice"]),
    ("space too wide", GOOD_MAP.replace("addr_bits = 24", "addr_bits = 33"), None,
     ["space 'HOST'", "addr_bits 33 out of range 1..32"]),
    ("generated names collide", GOOD_MAP.replace('name = "ALONE"', 'name = "DEMO_A_ROM"'), None, [
        "block 'DEMO_A_ROM' and window 'DEMO_A.ROM' both generate the name "
        "CPO_ADDRMAP_DEMO_A_ROM_BASE"
    ]),
]


class BadAddressMaps(unittest.TestCase):

  def test_each_bad_map_is_rejected_with_its_reason(self):
    for case, text, regs, needles in BAD_MAP:
      with self.subTest(case=case), tempfile.TemporaryDirectory() as out:
        self.assertTrue(text != GOOD_MAP or regs, f"{case}: the edit did not apply")
        res = run_addrmap(text, out, regs or GOOD)
        check_rejected(self, case, res, "map.toml", needles, out, os.path.join("cpo", "addrmap.h"))


class ProjectMap(unittest.TestCase):
  """rtl/addrmap.toml and rtl/d2d: the map agrees with the hand-written RTL it describes."""

  @classmethod
  def setUpClass(cls):
    cls.tmp = tempfile.TemporaryDirectory()
    generate_from_tree(ADDRMAP, ("rtl", "addrmap.toml"), cls.tmp.name)
    cls.map = load_module(os.path.join(cls.tmp.name, "addrmap.py"))
    generate_from_tree(REGGEN, ("rtl", "d2d", "d2d.regs.toml"), cls.tmp.name)
    cls.d2d = load_module(os.path.join(cls.tmp.name, "d2d_regs.py"))

  @classmethod
  def tearDownClass(cls):
    cls.tmp.cleanup()

  def test_every_block_is_placed(self):
    self.assertEqual(
        set(self.map.BLOCKS), {
            "ASIC_D2D", "OE_D2D", "OE_CTRL", "LANES", "OE_MGMT", "CMIS", "CHANNEL",
            "ENGINE_ASIC_D2D", "ENGINE_TRAFFIC", "ENGINE_CHANNEL", "ENGINE_OE", "OE_D2D1",
            "ENGINE_ASIC_D2D1", "ENGINE_CHANNEL1"
        })
    self.assertFalse(self.map.BLOCKS["CMIS"]["reserved"])  # rtl/cmis, in the OE controller
    self.assertEqual(self.map.CPO_ADDRMAP_LANES_DAC_BASE - self.map.CPO_ADDRMAP_LANES_BASE, 0x1000)

  def test_tunnel_split_agrees_with_the_link(self):
    # cpo_d2d_link sends tunnel addresses outside the OE endpoint to rmt_* (the OE controller).
    # The split is the map's generated OE decoder, not an address typed by hand; rmt_* takes
    # every address outside OE_D2D, so OE_CTRL must fill the rest of the space.
    link = read_source("rtl", "d2d", "cpo_d2d_link.sv")
    m = re.search(
        r"cpo_addrmap_oe_dec \w+ \(\s*\.paddr_i\s*\(oe_m_paddr\),"
        r"\s*\.oe_d2d_o\s*\(tun_local\),", link)
    self.assertIsNotNone(m, "the link's tunnel split is not the map's OE decoder")
    self.assertIsNone(re.search(r"oe_m_paddr\[\d+:\d+\]\s*==", link),
                      "the link decodes a tunnel address by hand")
    self.assertEqual(self.map.CPO_ADDRMAP_OE_D2D_BASE, 0)
    self.assertEqual(self.map.CPO_ADDRMAP_OE_CTRL_BASE, self.map.CPO_ADDRMAP_OE_D2D_SIZE)
    self.assertEqual(self.map.CPO_ADDRMAP_OE_CTRL_BASE + self.map.CPO_ADDRMAP_OE_CTRL_SIZE,
                     1 << self.map.CPO_ADDRMAP_OE_ADDR_BITS)

  def test_ltsm_state_names_in_sv_take_the_generated_codes(self):
    # cpo_d2d_pkg's ltsm_state_e: St<CamelCase> = cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_<NAME>,
    # every value of d2d.regs.toml's LTSM_STATE once, and no code typed by hand.
    pkg = read_source("rtl", "d2d", "cpo_d2d_pkg.sv")
    body = re.search(r"typedef enum logic \[4:0\] \{(.*?)\} ltsm_state_e;", pkg, re.S).group(1)
    items = re.findall(r"(St\w+)\s*=\s*([^,\s]+)", body)
    want = [(f"St{v.name.title().replace('_', '')}",
             f"cpo_d2d_reg_pkg::CPO_D2D_LTSM_STATE_{v.name}") for v in self.d2d.LtsmState]
    self.assertEqual(items, want)


if __name__ == "__main__":
  unittest.main(verbosity=2)
