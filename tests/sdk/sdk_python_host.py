"""A Python host on the installed SDK, run by test_sdk.py with a venv's interpreter: every
module from that venv (none from a build tree), Debian's zmq from the system; attach to the
session at ENDPOINT, identify the engine, read a monitor ADC through cpoemu_analog, detach.

usage: VENV/bin/python sdk_python_host.py VENV ENDPOINT
"""
import os
import sys

import cpoemu_analog as afe
import cpoemu_client as cc
import cpoemu_proto
import cpoemu_regs.d2d_regs as d2d

venv, endpoint = os.path.realpath(sys.argv[1]), sys.argv[2]
for mod in (afe, cc, cpoemu_proto, d2d, afe._tables, afe._regs, afe._addrmap):
  if not os.path.realpath(mod.__file__).startswith(venv + os.sep):
    sys.exit(f"{mod.__name__} comes from {mod.__file__}, not from the venv {venv}")

with cc.Client(endpoint, timeout_ms=10000) as c:
  ident = c.read(d2d.REGISTERS["ID"]["offset"])  # the engine's ASIC D2D endpoint, at 0
  print(f"profile {c.config.profile}, id 0x{ident:08x}")
  c.sleep_ns(5000)  # a few of the engine's 1 us monitor conversions
  temp_k = afe.adc_value("laser_temp", c.read(afe.adc_addr("laser_temp", 0)))
  if temp_k <= 0:
    sys.exit(f"laser 0 temperature reads {temp_k} K: no conversion reached the ADC register")
  print(f"laser 0 temperature {temp_k:.1f} K")
