"""The analog boundary's converters, for Python firmware: channel numbers, units and code
scaling (model/include/cpo/analog_channels.h: tests/python/test_analog_tables.py checks that
these tables agree with it), and where the lane design maps them (host/include/cpo/lanes_afe.h,
rtl/lanes/README.md)::

    import cpoemu_analog as afe
    c.write(afe.dac_addr("heater", lane), afe.dac_code("heater", 2e-3))   # 2 mW
    temp_k = afe.adc_value("mod_temp", c.read(afe.adc_addr("mod_temp", lane)))

`index` is the lane, or the laser number for the per-laser channels.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Channel:
  number: int
  unit: str       # SI unit of code * lsb
  lsb: float
  signed: bool
  per_laser: bool


DAC = {
    "laser_current": Channel(0, "A", 10e-6, False, True),
    "mod_bias": Channel(1, "V", 1e-3, True, False),
    "heater": Channel(2, "W", 1e-6, False, False),
    "driver_swing": Channel(3, "V", 1e-3, False, False),
    "tx_ffe_post": Channel(4, "1", 1.0 / 1024, True, False),
    "rx_ffe_post": Channel(5, "1", 1.0 / 1024, True, False),
    "rx_threshold_lo": Channel(6, "1", 1.0 / 4096, False, False),
    "rx_threshold_mid": Channel(7, "1", 1.0 / 4096, False, False),
    "rx_threshold_hi": Channel(8, "1", 1.0 / 4096, False, False),
}

ADC = {
    "tap_pd": Channel(0, "A", 10e-9, False, False),
    "drop_pd": Channel(1, "A", 10e-9, False, False),
    "mod_temp": Channel(2, "K", 10e-3, False, False),
    "rx_power": Channel(3, "W", 0.1e-6, False, False),
    "laser_power": Channel(4, "W", 10e-6, False, True),
    "laser_temp": Channel(5, "K", 10e-3, False, True),
}

DAC_BASE = 0x1000  # read/write, bits [15:0]
ADC_BASE = 0x2000  # read-only, bits [15:0]
CHANNEL_STRIDE = 0x100
INDEX_STRIDE = 4


def dac_addr(name: str, index: int) -> int:
  return DAC_BASE + DAC[name].number * CHANNEL_STRIDE + index * INDEX_STRIDE


def adc_addr(name: str, index: int) -> int:
  return ADC_BASE + ADC[name].number * CHANNEL_STRIDE + index * INDEX_STRIDE


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
