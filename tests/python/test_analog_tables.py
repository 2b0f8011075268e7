#!/usr/bin/python3
"""The Python converter helpers (host/python/cpoemu_analog.py, on the generated
analog_channels.py and lanes_regs.py) against the C ones (the generated cpo/analog_channels.h and
host/include/cpo/lanes_afe.h), compiled and run: the same channel names, numbers, units, LSBs
(bit for bit), signedness and per-laser flags, the same code <-> SI conversions and the same
window addresses. Both sides come from rtl/lanes/analog_channels.toml and lanes.regs.toml, so
this checks the generators and the hand-written helpers on each side, not copies.

Environment (set by CTest): CPOEMU_GENERATED (build/rtl/generated), CC (the C compiler).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "host", "python"))
import cpoemu_analog as afe  # noqa: E402

# Prints, as JSON, what the C side says about every channel, a few conversions and addresses.
PROBE_C = r"""
#include <stdio.h>
#include "cpo/lanes_afe.h"

static const double s_values[] = {-100.0, -1.0, -1e-3, 0.0, 1e-6, 2e-3, 0.3, 1.0, 100.0};
static const unsigned s_codes[] = {0u, 1u, 1000u, 0x7fffu, 0x8000u, 0xfc18u, 0xffffu};

static void s_list(const char *kind, unsigned count,
                   const cpo_analog_channel_info_t *(*info)(uint32_t), int is_dac) {
  printf("\"%s\": {", kind);
  for (unsigned ch = 0; ch < count; ch++) {
    const cpo_analog_channel_info_t *i = info(ch);
    printf("%s\"%s\": {\"number\": %u, \"unit\": \"%s\", \"lsb\": \"%a\", \"signed\": %s, "
           "\"per_laser\": %s, \"addr\": %u", ch ? ", " : "", i->name, ch, i->unit, i->lsb,
           i->is_signed ? "true" : "false", i->per_laser ? "true" : "false",
           is_dac ? cpo_lanes_dac_addr((cpo_dac_channel_t)ch, 3)
                  : cpo_lanes_adc_addr((cpo_adc_channel_t)ch, 3));
    if (is_dac) {
      printf(", \"to_code\": [");
      for (unsigned k = 0; k < sizeof s_values / sizeof s_values[0]; k++)
        printf("%s%u", k ? ", " : "", cpo_dac_si_to_code(ch, s_values[k]));
      printf("], \"to_si\": [");
      for (unsigned k = 0; k < sizeof s_codes / sizeof s_codes[0]; k++)
        printf("%s\"%a\"", k ? ", " : "", cpo_dac_code_to_si(ch, s_codes[k]));
      printf("]");
    } else {
      printf(", \"to_si\": [");
      for (unsigned k = 0; k < sizeof s_codes / sizeof s_codes[0]; k++)
        printf("%s\"%a\"", k ? ", " : "", cpo_adc_code_to_si((cpo_adc_channel_t)ch, s_codes[k]));
      printf("]");
    }
    printf("}");
  }
  printf("}");
}

int main(void) {
  printf("{\"code_bits\": %d, ", CPO_ANALOG_CODE_BITS);
  s_list("dac", CPO_DAC_COUNT, cpo_dac_info, 1);
  printf(", ");
  s_list("adc", CPO_ADC_COUNT, cpo_adc_info, 0);
  printf("}\n");
  return 0;
}
"""
VALUES = [-100.0, -1.0, -1e-3, 0.0, 1e-6, 2e-3, 0.3, 1.0, 100.0]
CODES = [0, 1, 1000, 0x7fff, 0x8000, 0xfc18, 0xffff]


def c_side():
  gen = os.environ.get("CPOEMU_GENERATED")
  if not gen or not os.path.isdir(gen):
    raise RuntimeError(f"CPOEMU_GENERATED ({gen!r}) must name build/rtl/generated")
  cc = os.environ.get("CC") or shutil.which("cc")
  if not cc:
    raise RuntimeError("no C compiler: set CC")
  with tempfile.TemporaryDirectory() as tmp:
    src, exe = os.path.join(tmp, "probe.c"), os.path.join(tmp, "probe")
    with open(src, "w") as fh:
      fh.write(PROBE_C)
    subprocess.run([
        cc, "-std=c11", "-Wall", "-Werror", "-I", gen, "-I",
        os.path.join(ROOT, "host", "include"), src, "-o", exe
    ],
                   check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
  return json.loads(out)


class AnalogTables(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.c = c_side()

  def check_channels(self, kind, table):
    c = self.c[kind]
    self.assertEqual(list(c), list(table), f"{kind} channel names and order")
    for name, ch in table.items():
      got = c[name]
      self.assertEqual(
          (got["number"], got["unit"], float.fromhex(got["lsb"]), got["signed"], got["per_laser"]),
          (ch.number, ch.unit, ch.lsb, ch.signed, ch.per_laser), f"{kind} {name}")

  def test_dac_channels_agree_with_c(self):
    self.check_channels("dac", afe.DAC)

  def test_adc_channels_agree_with_c(self):
    self.check_channels("adc", afe.ADC)

  def test_code_bits_agree_with_c(self):
    self.assertEqual(self.c["code_bits"], afe.CODE_BITS)

  def test_conversions_agree_with_c(self):
    for name, got in self.c["dac"].items():
      self.assertEqual(got["to_code"], [afe.dac_code(name, v) for v in VALUES], name)
      self.assertEqual([float.fromhex(x) for x in got["to_si"]],
                       [afe.dac_value(name, k) for k in CODES], name)
    for name, got in self.c["adc"].items():
      self.assertEqual([float.fromhex(x) for x in got["to_si"]],
                       [afe.adc_value(name, k) for k in CODES], name)

  def test_window_addresses_agree_with_c(self):
    for name, got in self.c["dac"].items():
      self.assertEqual(got["addr"], afe.dac_addr(name, 3, "lanes"), name)
    for name, got in self.c["adc"].items():
      self.assertEqual(got["addr"], afe.adc_addr(name, 3, "lanes"), name)
    self.assertEqual(afe.dac_addr("heater", 3, "lanes"),
                     afe.DAC_BASE + 2 * afe.CHANNEL_STRIDE + 3 * afe.INDEX_STRIDE)
    # the engine's OE windows: the same layout behind the OE's management port
    self.assertEqual(afe.dac_addr("heater", 3), 0x1000000 + 0x21000 + 2 * 0x100 + 3 * 4)
    self.assertEqual(
        afe.adc_addr("laser_temp", 0) - afe.adc_addr("laser_temp", 0, "lanes"),
        0x1000000 + 0x22000 - afe.ADC_BASE)

  def test_codes_round_trip_and_saturate(self):
    self.assertEqual(afe.dac_code("heater", 2e-3), 2000)
    self.assertEqual(afe.dac_code("mod_bias", -1.0), (-1000) & 0xFFFF)
    self.assertAlmostEqual(afe.dac_value("mod_bias", afe.dac_code("mod_bias", -1.0)), -1.0)
    self.assertEqual(afe.dac_code("heater", 1.0), 0xFFFF)  # saturates at 65.535 mW
    self.assertEqual(afe.dac_code("mod_bias", -100.0), 0x8000)  # and at -32.768 V
    self.assertAlmostEqual(afe.adc_value("mod_temp", 30000), 300.0)


GEN = os.path.join(ROOT, "rtl", "lanes", "gen_analog.py")
with open(os.path.join(ROOT, "rtl", "lanes", "analog_channels.toml")) as _fh:
  LIST = _fh.read()

BAD = [
    ("unknown key", LIST.replace('per = "laser"\ndesc = "drive', 'pre = "laser"\ndesc = "drive'),
     ["dac 'laser_current'", "unknown key 'pre'"]),
    ("per neither lane nor laser",
     LIST.replace('per = "laser"\ndesc = "drive', 'per = "engine"\ndesc = "drive'),
     ["dac 'laser_current'", "per 'engine' must be \"lane\" or \"laser\""]),
    ("malformed lsb", LIST.replace('lsb = "1.0 / 1024"', 'lsb = "1.0 // 1024"', 1),
     ["dac 'tx_ffe_post'", "lsb '1.0 // 1024' is not a number or a quotient"]),
    ("zero lsb", LIST.replace('lsb = "1e-6"', 'lsb = 0', 1), ["dac 'heater'", "must be positive"]),
    ("missing unit", LIST.replace('unit = "W"\nlsb = "1e-6"',
                                  'lsb = "1e-6"'), ["dac 'heater'", "missing unit"]),
    ("channel twice", LIST.replace('name = "drop_pd"',
                                   'name = "tap_pd"'), ["adc 'tap_pd' is defined twice"]),
    ("code bits", LIST.replace("code_bits = 16", "code_bits = 12"), ["code_bits must be 16"]),
    ("bad name", LIST.replace('name = "heater"', 'name = "Heater"'), ["'Heater'", "must match"]),
]


class BadChannelLists(unittest.TestCase):

  def test_each_bad_list_is_rejected_with_its_reason(self):
    for case, text, needles in BAD:
      with self.subTest(case=case), tempfile.TemporaryDirectory() as out:
        self.assertNotEqual(text, LIST, f"{case}: the edit did not apply")
        path = os.path.join(out, "bad.toml")
        with open(path, "w") as fh:
          fh.write(text)
        res = subprocess.run([sys.executable, GEN, path, "--outdir", out],
                             capture_output=True,
                             text=True)
        self.assertNotEqual(res.returncode, 0, f"{case}: accepted")
        self.assertIn("bad.toml", res.stderr, case)
        for needle in needles:
          self.assertIn(needle, res.stderr, f"{case}: message was {res.stderr!r}")
        self.assertNotIn("Traceback", res.stderr, case)
        self.assertFalse(os.path.exists(os.path.join(out, "cpo_afe_pkg.sv")), case)


if __name__ == "__main__":
  unittest.main(verbosity=2)
