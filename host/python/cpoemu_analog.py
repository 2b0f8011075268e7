"""The analog boundary's converters, for Python firmware: channel numbers, units and code
scaling (generated from rtl/lanes/analog_channels.toml, as the C header is: see
tests/python/test_analog_tables.py), and where each design maps their windows (generated from
rtl/lanes/lanes.regs.toml and rtl/addrmap.toml; C: host/include/cpo/lanes_afe.h)::

    import cpoemu_analog as afe
    c.write(afe.dac_addr("heater", lane), afe.dac_code("heater", 2e-3))   # 2 mW
    temp_k = afe.adc_value("mod_temp", c.read(afe.adc_addr("mod_temp", lane)))

`index` is the (media) lane, or the laser number for the per-laser channels. `design` is the
run's (`--design`): "engine" (the default: the OE controller's windows, behind the engine's
ENGINE_OE port) or "lanes" (the lanes block's, at address 0); both windows have one layout.
"""
import importlib


def _generated(name):
  """A module the build generates: from a build tree, BUILD/rtl/generated on PYTHONPATH (as
  cpoemu_client finds cpoemu_proto); installed (the SDK's wheel), the package cpoemu_regs."""
  for qualified in (name, f"cpoemu_regs.{name}"):
    try:
      return importlib.import_module(qualified)
    except ModuleNotFoundError as e:
      if e.name not in (name, "cpoemu_regs", qualified):
        raise  # the module is there, but something it imports is not
  raise ImportError(f"cpoemu_analog: the generated module {name}.py is not on sys.path: install "
                    "cpoemu's Python package, or build the project and put BUILD/rtl/generated on "
                    "PYTHONPATH")


_tables = _generated("analog_channels")  # rtl/lanes/analog_channels.toml
_regs = _generated("lanes_regs")  # rtl/lanes/lanes.regs.toml
_addrmap = _generated("addrmap")  # rtl/addrmap.toml

Channel = _tables.Channel
CODE_BITS = _tables.CODE_BITS
DAC = _tables.DAC
ADC = _tables.ADC

DAC_BASE = _regs.CPO_LANES_DAC_OFFSET  # the lanes design's; read/write, bits [15:0]
ADC_BASE = _regs.CPO_LANES_ADC_OFFSET  # the lanes design's; read-only, bits [15:0]
CHANNEL_STRIDE = _regs.CPO_LANES_DAC_CH_STRIDE
INDEX_STRIDE = _regs.CPO_LANES_DAC_IDX_STRIDE
# (DAC window, ADC window) of each design
WINDOWS = {
    "lanes": (DAC_BASE, ADC_BASE),
    "engine": (_addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + _addrmap.CPO_ADDRMAP_OE_MGMT_DAC_BASE,
               _addrmap.CPO_ADDRMAP_ENGINE_OE_BASE + _addrmap.CPO_ADDRMAP_OE_MGMT_ADC_BASE),
}


def dac_addr(name: str, index: int, design: str = "engine") -> int:
  return WINDOWS[design][0] + _regs.CPO_LANES_DAC_OFFSET_N(DAC[name].number, index) - DAC_BASE


def adc_addr(name: str, index: int, design: str = "engine") -> int:
  return WINDOWS[design][1] + _regs.CPO_LANES_ADC_OFFSET_N(ADC[name].number, index) - ADC_BASE


def dac_code(name: str, value: float) -> int:
  """The nearest 16-bit code for an SI value, saturated (two's complement when signed)."""
  ch = DAC[name]
  c = round(value / ch.lsb)
  lo, hi = (-32768, 32767) if ch.signed else (0, 65535)
  return max(lo, min(hi, c)) & 0xFFFF


def dac_value(name: str, code: int) -> float:
  ch = DAC[name]
  code &= 0xFFFF
  if ch.signed and code >= 0x8000:
    code -= 0x10000
  return code * ch.lsb


def adc_value(name: str, code: int) -> float:
  return (code & 0xFFFF) * ADC[name].lsb
