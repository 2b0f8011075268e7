#!/usr/bin/python3
"""The Python converter tables (host/python/cpoemu_analog.py) against the single source,
model/include/cpo/analog_channels.h: same names, numbers, units, LSBs, signedness and
per-laser flags, and the same window addresses as host/include/cpo/lanes_afe.h."""
import os
import re
import sys
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "host", "python"))
import cpoemu_analog as afe  # noqa: E402

X_ENTRY = re.compile(r'X\((\w+),\s*(\d+),\s*"(\w+)",\s*"([^"]*)",\s*([^,]+),\s*(true|false),\s*(true|false)\)')


def c_list(text, macro):
  body = text.split(f"#define {macro}(X)")[1].split("\n\n")[0]
  out = {}
  for m in X_ENTRY.finditer(body):
    _, num, name, unit, lsb, signed, per_laser = m.groups()
    out[name] = afe.Channel(int(num), unit, float(eval(lsb, {"__builtins__": {}})), signed == "true",
                            per_laser == "true")
  return out


class AnalogTables(unittest.TestCase):

  def setUp(self):
    with open(os.path.join(ROOT, "model", "include", "cpo", "analog_channels.h")) as f:
      self.header = f.read()

  def test_dac_channels_agree_with_the_c_header(self):
    self.assertEqual(c_list(self.header, "CPO_DAC_LIST"), afe.DAC)

  def test_adc_channels_agree_with_the_c_header(self):
    self.assertEqual(c_list(self.header, "CPO_ADC_LIST"), afe.ADC)

  def test_window_addresses_agree_with_the_c_header(self):
    with open(os.path.join(ROOT, "host", "include", "cpo", "lanes_afe.h")) as f:
      h = f.read()
    value = lambda name: int(re.search(rf"#define {name} (0x[0-9a-fA-F]+|\d+)u", h).group(1), 0)
    self.assertEqual(value("CPO_LANES_DAC_BASE"), afe.DAC_BASE)
    self.assertEqual(value("CPO_LANES_ADC_BASE"), afe.ADC_BASE)
    self.assertEqual(value("CPO_LANES_AFE_CH_STRIDE"), afe.CHANNEL_STRIDE)
    self.assertEqual(value("CPO_LANES_AFE_INDEX_STRIDE"), afe.INDEX_STRIDE)
    self.assertEqual(afe.dac_addr("heater", 3), 0x1000 + 2 * 0x100 + 3 * 4)
    self.assertEqual(afe.adc_addr("laser_temp", 0), 0x2000 + 5 * 0x100)

  def test_codes_round_trip_and_saturate(self):
    self.assertEqual(afe.dac_code("heater", 2e-3), 2000)
    self.assertEqual(afe.dac_code("mod_bias", -1.0), (-1000) & 0xFFFF)
    self.assertAlmostEqual(afe.dac_value("mod_bias", afe.dac_code("mod_bias", -1.0)), -1.0)
    self.assertEqual(afe.dac_code("heater", 1.0), 0xFFFF)          # saturates at 65.535 mW
    self.assertEqual(afe.dac_code("mod_bias", -100.0), 0x8000)     # and at -32.768 V
    self.assertAlmostEqual(afe.adc_value("mod_temp", 30000), 300.0)


if __name__ == "__main__":
  unittest.main(verbosity=2)
