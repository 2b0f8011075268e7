#!/usr/bin/python3
"""The analog channel list (rtl/lanes/analog_channels.toml) -> C header, SV package, Python table.

Usage:
  gen_analog.py analog_channels.toml --outdir DIR [--src-name PATH] [--stamp FILE]

Writes, into DIR:
  cpo/analog_channels.h   X-macro lists CPO_DAC_LIST/CPO_ADC_LIST, enums cpo_dac_channel_t /
                          cpo_adc_channel_t (CPO_DAC_<NAME>, CPO_DAC_COUNT), CPO_ANALOG_CODE_BITS,
                          cpo_dac_info/cpo_adc_info and the DAC code <-> SI conversions
  cpo_afe_pkg.sv          the converter bank's channel numbers (DacLaserCurrent ...), PerLaser and
                          Signed masks, CodeBits, NumDacCh, NumAdcCh
  analog_channels.py      CODE_BITS, Channel, and the DAC and ADC tables by name

Format: [analog] code_bits = 16; then [[dac]] and [[adc]] tables in channel order, each with
name (lower-case identifier), unit, lsb (a number, or a string "x" or "a / b" copied into C as
written), signed (default false), per ("lane", default, or "laser") and desc.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reggen"))
from reggen import (
    RegError,
    _check_ident,
    _check_keys,
    read_toml,
    source_name,  # noqa
    write_outputs)

CHANNEL_KEYS = {"name", "unit", "lsb", "signed", "per", "desc"}
NUMBER = r"\s*(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*"


class Channel:

  def __init__(self, name, number, unit, lsb_text, lsb, signed, per_laser, desc):
    self.name, self.number, self.unit, self.lsb_text, self.lsb = name, number, unit, lsb_text, lsb
    self.signed, self.per_laser, self.desc = signed, per_laser, desc

  @property
  def macro(self):
    return self.name.upper()

  @property
  def camel(self):
    return "".join(p.capitalize() for p in self.name.split("_"))


def _lsb(value, where):
  """(text for C, the double both C and Python compute from it)."""
  if isinstance(value, bool) or not isinstance(value, (int, float, str)):
    raise RegError(f"{where}: lsb must be a number or a string \"x\" or \"a / b\"")
  if not isinstance(value, str):
    text = repr(float(value))
  else:
    text = " ".join(value.split())
    if not re.fullmatch(f"{NUMBER}(?:/{NUMBER})?", text):
      raise RegError(f"{where}: lsb '{value}' is not a number or a quotient \"a / b\"")
  parts = [float(t) for t in text.split("/")]
  lsb = parts[0] / parts[1] if len(parts) == 2 and parts[1] != 0 else parts[0]
  if len(parts) == 2 and parts[1] == 0 or not lsb > 0:
    raise RegError(f"{where}: lsb '{value}' must be positive")
  return text, lsb


def _parse_channel(raw, kind, number, where):
  if not isinstance(raw, dict):
    raise RegError(f"{where}: each [[{kind}]] must be a table")
  name = raw.get("name")
  cwhere = f"{where}: {kind} '{name}'" if isinstance(name, str) and name else f"{where}: {kind}"
  _check_ident(name, r"[a-z][a-z0-9_]*", "channel", cwhere)
  _check_keys(raw, CHANNEL_KEYS, cwhere)
  for key in ("unit", "lsb"):
    if key not in raw:
      raise RegError(f"{cwhere}: missing {key}")
  unit, desc = raw["unit"], raw.get("desc", "")
  if not isinstance(unit, str) or not unit or '"' in unit:
    raise RegError(f"{cwhere}: unit must be a non-empty string (the SI unit of code * lsb)")
  if not isinstance(desc, str):
    raise RegError(f"{cwhere}: desc must be a string")
  signed = raw.get("signed", False)
  if not isinstance(signed, bool):
    raise RegError(f"{cwhere}: signed must be true or false")
  per = raw.get("per", "lane")
  if per not in ("lane", "laser"):
    raise RegError(f"{cwhere}: per '{per}' must be \"lane\" or \"laser\"")
  text, lsb = _lsb(raw["lsb"], cwhere)
  return Channel(name, number, unit, text, lsb, signed, per == "laser", desc)


def load(path, src):
  doc = read_toml(path, src)
  _check_keys(doc, {"analog", "dac", "adc"}, f"{src}: top level")
  head = doc.get("analog")
  if not isinstance(head, dict):
    raise RegError(f"{src}: missing [analog] table")
  _check_keys(head, {"code_bits"}, f"{src}: [analog]")
  if head.get("code_bits") != 16:
    raise RegError(f"{src}: [analog] code_bits must be 16 (the C conversions and the converter "
                   "bank's registers hold 16-bit codes)")
  lists = {}
  for kind in ("dac", "adc"):
    raw = doc.get(kind)
    if not isinstance(raw, list) or not raw:
      raise RegError(f"{src}: no [[{kind}]] channels")
    chans = [_parse_channel(r, kind, i, src) for i, r in enumerate(raw)]
    seen = set()
    for c in chans:
      if c.name in seen:
        raise RegError(f"{src}: {kind} '{c.name}' is defined twice")
      seen.add(c.name)
    lists[kind] = chans
  return head["code_bits"], lists["dac"], lists["adc"]


# ---------------------------------------------------------------------------------------------


def _c_list(kind, chans):
  macro = f"#define CPO_{kind.upper()}_LIST(X)"
  rows = [
      f"  X({c.macro}, {c.number}, \"{c.name}\", \"{c.unit}\", {c.lsb_text}, "
      f"{'true' if c.signed else 'false'}, {'true' if c.per_laser else 'false'})" +
      (f" /* {c.desc} */" if c.desc else "") for c in chans
  ]
  width = max(len(r) for r in rows + [macro]) + 1
  lines = [macro] + rows
  return "\n".join(l.ljust(width) + "\\" for l in lines[:-1]) + "\n" + lines[-1]


C_TEMPLATE = """\
/* generated by rtl/lanes/gen_analog.py from {src}, do not edit */
/* The analog boundary's DAC and ADC channels: one numbering shared by the models, the RTL
 * register map and the firmware. Each channel is a 16-bit code with a fixed SI step (LSB),
 * listed once ({src}, as the X-macros below) so numbers, names and
 * scalings cannot drift apart.
 *
 * Index: a channel is addressed per lane (0 .. lanes-1, across all engines of the topology)
 * unless marked per laser, in which case the index is the laser number (lane / lanes_per_laser
 * within an engine, engines numbered one after another: see cpo_link_lasers()).
 *
 * Signed channels are two's-complement 16-bit codes. Thresholds are in the receiver's
 * AGC-normalised eye: code 0 is the mean of the lowest level, 4096 the mean of the highest. */
#ifndef CPO_ANALOG_CHANNELS_H
#define CPO_ANALOG_CHANNELS_H

#include <stdbool.h>
#include <stdint.h>

/* X(NAME, number, "name", "unit", lsb, signed, per_laser) */
{dac_list}

{adc_list}

typedef enum {{
#define CPO_DAC_ENUM(name, num, str, unit, lsb, sgn, per_laser) CPO_DAC_##name = num,
  CPO_DAC_LIST(CPO_DAC_ENUM)
#undef CPO_DAC_ENUM
      CPO_DAC_COUNT
}} cpo_dac_channel_t;

typedef enum {{
#define CPO_ADC_ENUM(name, num, str, unit, lsb, sgn, per_laser) CPO_ADC_##name = num,
  CPO_ADC_LIST(CPO_ADC_ENUM)
#undef CPO_ADC_ENUM
      CPO_ADC_COUNT
}} cpo_adc_channel_t;

#define CPO_ANALOG_CODE_BITS {code_bits}

typedef struct {{
  const char *name;
  const char *unit; /* SI unit of code * lsb */
  double lsb;
  bool is_signed;
  bool per_laser;
}} cpo_analog_channel_info_t;

/** Description of DAC channel @p ch, NULL if there is no such channel. */
static inline const cpo_analog_channel_info_t *cpo_dac_info(uint32_t ch) {{
  static const cpo_analog_channel_info_t info[] = {{
#define CPO_DAC_INFO(name, num, str, unit, lsb, sgn, per_laser) {{str, unit, lsb, sgn, per_laser}},
      CPO_DAC_LIST(CPO_DAC_INFO)
#undef CPO_DAC_INFO
  }};
  return ch < CPO_DAC_COUNT ? &info[ch] : (const cpo_analog_channel_info_t *)0;
}}

/** Description of ADC channel @p ch, NULL if there is no such channel. */
static inline const cpo_analog_channel_info_t *cpo_adc_info(uint32_t ch) {{
  static const cpo_analog_channel_info_t info[] = {{
#define CPO_ADC_INFO(name, num, str, unit, lsb, sgn, per_laser) {{str, unit, lsb, sgn, per_laser}},
      CPO_ADC_LIST(CPO_ADC_INFO)
#undef CPO_ADC_INFO
  }};
  return ch < CPO_ADC_COUNT ? &info[ch] : (const cpo_analog_channel_info_t *)0;
}}

/** SI value of a DAC code (sign-extended for signed channels); 0 for an unknown channel. */
static inline double cpo_dac_code_to_si(uint32_t ch, uint32_t code) {{
  const cpo_analog_channel_info_t *i = cpo_dac_info(ch);
  if (!i)
    return 0.0;
  code &= 0xFFFFu;
  return i->lsb * (i->is_signed ? (double)(int16_t)(uint16_t)code : (double)code);
}}

/** Nearest DAC code for an SI value, saturated to the 16-bit range. */
static inline uint32_t cpo_dac_si_to_code(uint32_t ch, double value) {{
  const cpo_analog_channel_info_t *i = cpo_dac_info(ch);
  if (!i || value != value)
    return 0;
  double c = value / i->lsb;
  c = c < 0 ? c - 0.5 : c + 0.5;
  const double lo = i->is_signed ? -32768.0 : 0.0, hi = i->is_signed ? 32767.0 : 65535.0;
  c = c < lo ? lo : (c > hi ? hi : c);
  return (uint32_t)(uint16_t)(int32_t)c;
}}

#endif /* CPO_ANALOG_CHANNELS_H */
"""


def gen_c(src, code_bits, dac, adc):
  return C_TEMPLATE.format(src=src,
                           code_bits=code_bits,
                           dac_list=_c_list("dac", dac),
                           adc_list=_c_list("adc", adc))


def _sv_list(prefix, count_name, chans):
  out = [
      f"  localparam int unsigned {prefix}{c.camel} = {c.number};  // "
      f"{'signed' if c.signed else 'unsigned'}, LSB {c.lsb:g} {c.unit}"
      f"{', index = laser' if c.per_laser else ''}" for c in chans
  ]
  # Bit ch set: the channel is per laser (index = laser number, not lane) / signed.
  for what, flag in (("PerLaser", "per_laser"), ("Signed", "signed")):
    bits = "".join("1" if getattr(c, flag) else "0" for c in reversed(chans))
    out.append(f"  localparam logic [{count_name}-1:0] {prefix}{what} = {len(chans)}'b{bits};")
  return out


def gen_sv(src, code_bits, dac, adc):
  out = [
      f"// generated by rtl/lanes/gen_analog.py from {src}, do not edit", "//",
      "// Channel numbers of the analog front-end converters (DAC: firmware drives the analog "
      "models,",
      "// ADC: monitors). Channels are indexed by lane, or by laser where PerLaser is set.",
      "package cpo_afe_pkg;", "", f"  localparam int unsigned CodeBits = {code_bits};",
      f"  localparam int unsigned NumDacCh = {len(dac)};",
      f"  localparam int unsigned NumAdcCh = {len(adc)};", ""
  ]
  out += _sv_list("Dac", "NumDacCh", dac) + [""] + _sv_list("Adc", "NumAdcCh", adc)
  out += [
      "",
      "  // A completed DAC register write as the converter bank reports it (the cycle after it).",
      "  typedef struct packed {", "    logic                we;",
      "    logic [7:0]          channel;", "    logic [7:0]          index;",
      "    logic [CodeBits-1:0] code;", "  } dac_write_t;"
  ]
  out += ["", "endpackage : cpo_afe_pkg"]
  return "\n".join(out) + "\n"


def gen_python(src, code_bits, dac, adc):
  out = [
      f"# generated by rtl/lanes/gen_analog.py from {src}, do not edit",
      '"""The analog boundary\'s DAC and ADC channels by name (number: position in its list)'
      '."""', "import dataclasses", "", f"CODE_BITS = {code_bits}", "", "",
      "@dataclasses.dataclass(frozen=True)", "class Channel:", "  number: int",
      "  unit: str       # SI unit of code * lsb", "  lsb: float", "  signed: bool",
      "  per_laser: bool", ""
  ]
  for kind, chans in (("DAC", dac), ("ADC", adc)):
    out.append("")
    out.append(f"{kind} = {{")
    for c in chans:
      out.append(f"    {c.name!r}: Channel({c.number}, {c.unit!r}, {c.lsb_text}, {c.signed}, "
                 f"{c.per_laser}),  # {c.desc}")
    out.append("}")
  return "\n".join(out) + "\n"


def main(argv=None):
  ap = argparse.ArgumentParser(description="cpoemu analog channel generator")
  ap.add_argument("toml")
  ap.add_argument("--outdir", required=True)
  ap.add_argument("--src-name")
  ap.add_argument("--stamp")
  args = ap.parse_args(argv)
  src = args.src_name or source_name(args.toml)
  try:
    code_bits, dac, adc = load(args.toml, src)
  except RegError as exc:
    print(f"gen_analog: error: {exc}", file=sys.stderr)
    return 1
  write_outputs(
      args.outdir, {
          os.path.join("cpo", "analog_channels.h"): gen_c(src, code_bits, dac, adc),
          "cpo_afe_pkg.sv": gen_sv(src, code_bits, dac, adc),
          "analog_channels.py": gen_python(src, code_bits, dac, adc),
      }, args.stamp, src)
  return 0


if __name__ == "__main__":
  sys.exit(main())
