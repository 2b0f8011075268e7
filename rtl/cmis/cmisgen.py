#!/usr/bin/python3
"""cpoemu CMIS map generator: rtl/cmis/cmis.toml -> SV package, C header, Python, Markdown.

Usage:
  cmisgen.py rtl/cmis/cmis.toml --outdir DIR [--analog rtl/lanes/analog_channels.toml]
             [--src-name PATH] [--stamp FILE]

Writes, into DIR:
  cpo_cmis_pkg.sv   byte offsets, field masks, enums, durations, monitor scales, the storage
                    slots of the writable and latched bytes and cmis_decode(page, bank, byte)
  cpo_cmis.vlt      lint waiver for the package's unused constants
  cpo/cmis_map.h    C: the same names (CPO_CMIS_...), enums, the linear address helpers
  cmis_map.py       Python: the same names, IntEnums, BYTES, linear()/split_linear()
  cmis_map.md       the Markdown reference

The description format is documented at the top of rtl/cmis/cmis.toml.
"""

import argparse
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reggen"))
import reggen  # noqa: E402
from reggen import (  # noqa: E402
    RegError, _check_keys, _named_table, _parse_bits, _parse_enum, c_comment, md_cell, read_toml,
    source_name, write_outputs)

PREFIX = "CPO_CMIS"
ACCESS = ("ro", "rw", "rwsc", "cor")
TOP_KEYS = {"cmis", "linear", "duration", "enum", "page", "monitor"}
CMIS_KEYS = {"desc", "lanes_per_bank", "max_banks"}
PAGE_KEYS = {"name", "page", "lower", "banked", "els", "desc", "byte"}
BYTE_KEYS = {
    "name", "offset", "count", "lane_bytes", "access", "reset", "source", "signed", "wmask",
    "fields", "desc"
}
MON_KEYS = {"name", "adc", "dac", "lsb", "unit", "offset", "desc"}
# Decode kinds (cmis_kind_e in the package).
KINDS = ("RESERVED", "CONST", "HW", "RW", "COR")


class Byte:
  """A byte or a run of bytes of one page."""

  def __init__(self, page, raw, where):
    self.page = page
    self.name, bwhere = _named_table(raw, "[[page.byte]]", "byte", BYTE_KEYS, where)
    self.where = bwhere
    self.offset = reggen._required_int(raw, "offset", bwhere)
    self.count = reggen._int(raw.get("count", 1), "count", bwhere)
    self.lane_bytes = reggen._int(raw.get("lane_bytes", 0), "lane_bytes", bwhere)
    self.access = raw.get("access")
    if self.access not in ACCESS:
      raise RegError(f"{bwhere}: access must be one of {', '.join(ACCESS)}")
    self.source = raw.get("source")
    if self.source not in (None, "hw"):
      raise RegError(f"{bwhere}: source must be \"hw\"")
    if self.source and self.access != "ro":
      raise RegError(f"{bwhere}: only ro bytes have a hardware source")
    self.signed = bool(raw.get("signed", False))
    self.wmask = reggen._int(raw.get("wmask", 0xff), "wmask", bwhere)
    self.desc = raw.get("desc", "")
    lo, hi = (0, 127) if page.lower else (128, 255)
    if self.count < 1 or not (lo <= self.offset and self.offset + self.count - 1 <= hi):
      raise RegError(f"{bwhere}: bytes {self.offset}..{self.offset + self.count - 1} are outside "
                     f"the page's {lo}..{hi}")
    if self.lane_bytes and self.count != page.lanes_per_bank * self.lane_bytes:
      raise RegError(f"{bwhere}: a per-lane array of {self.lane_bytes} byte(s) per lane has "
                     f"count {page.lanes_per_bank * self.lane_bytes}")
    self.values = self._reset(raw.get("reset", 0), bwhere)
    self.fields = []
    for f in raw.get("fields", []):
      fname, fwhere = _named_table(f, "field", "field", {"name", "bits", "desc", "enum"}, bwhere)
      hi_bit, lo_bit = _parse_bits(f.get("bits"), fwhere)
      if hi_bit >= 8 * min(self.count, 2):
        raise RegError(f"{fwhere}: bits {hi_bit}:{lo_bit} exceed the byte(s)")
      enum = f.get("enum")
      if enum is not None and enum not in page.enums:
        raise RegError(f"{fwhere}: enum '{enum}' is not an [[enum]]")
      self.fields.append(
          types.SimpleNamespace(name=fname, hi=hi_bit, lo=lo_bit, enum=enum, desc=f.get("desc",
                                                                                        "")))

  def _reset(self, reset, where):
    """The reset bytes, in address order."""
    if isinstance(reset, str):
      if len(reset) > self.count or not reset.isascii():
        raise RegError(f"{where}: reset '{reset}' is not ASCII of at most {self.count} chars")
      return list(reset.ljust(self.count).encode("ascii"))
    if isinstance(reset, list):  # 16-bit big-endian values
      if 2 * len(reset) != self.count:
        raise RegError(f"{where}: {len(reset)} 16-bit reset values for {self.count} bytes")
      out = []
      for v in reset:
        v = reggen._int(v, "reset value", where)
        if not -0x8000 <= v <= 0xffff:
          raise RegError(f"{where}: reset value {v} does not fit 16 bits")
        out += [(v >> 8) & 0xff, v & 0xff]
      return out
    value = reggen._int(reset, "reset", where)
    each = self.lane_bytes or self.count  # a per-lane array: the reset of each lane
    if not 0 <= value < 1 << (8 * each):
      raise RegError(f"{where}: reset 0x{value:x} does not fit {each} byte(s)")
    return list(value.to_bytes(each, "big")) * (self.count // each)

  @property
  def cname(self):
    return f"{PREFIX}_{self.page.name}_{self.name}"

  @property
  def stored(self):
    return self.access in ("rw", "rwsc", "cor")

  @property
  def reset_int(self):
    return int.from_bytes(bytes(self.values), "big")


class Page:

  def __init__(self, raw, cmis, enums, where):
    self.name, pwhere = _named_table(raw, "[[page]]", "page", PAGE_KEYS, where)
    self.lower = bool(raw.get("lower", False))
    self.banked = bool(raw.get("banked", False))
    self.els = bool(raw.get("els", False))  # advertised only with an external laser source
    self.number = None if self.lower else reggen._required_int(raw, "page", pwhere)
    if self.number is not None and not 0 <= self.number <= 0xff:
      raise RegError(f"{pwhere}: page 0x{self.number:x} out of range")
    self.desc = raw.get("desc", "")
    self.lanes_per_bank, self.enums = cmis["lanes_per_bank"], enums
    self.bytes = [Byte(self, b, pwhere) for b in raw.get("byte", [])]
    owner = {}
    for b in self.bytes:
      for a in range(b.offset, b.offset + b.count):
        if a in owner:
          raise RegError(f"{b.where}: byte {a} is also '{owner[a]}'")
        owner[a] = b.name


class Monitor:

  def __init__(self, raw, analog, where):
    self.name, mwhere = _named_table(raw, "[[monitor]]", "monitor", MON_KEYS, where)
    self.desc = raw.get("desc", "")
    kinds = [k for k in ("adc", "dac", "lsb") if k in raw]
    if len(kinds) != 1:
      raise RegError(f"{mwhere}: needs exactly one of adc, dac (a channel) or lsb")
    if kinds[0] == "lsb":
      self.lsb_text, self.channel = raw["lsb"], None
    else:
      chans = {c["name"]: c for c in analog.get(kinds[0], [])}
      if raw[kinds[0]] not in chans:
        raise RegError(f"{mwhere}: {kinds[0]} '{raw[kinds[0]]}' is not a channel of the analog "
                       "channel list")
      self.channel = f"{kinds[0]} {raw[kinds[0]]}"
      self.lsb_text = chans[raw[kinds[0]]]["lsb"]
    self.unit_text = raw.get("unit")
    lsb, unit = _quotient(self.lsb_text, mwhere), _quotient(self.unit_text, mwhere)
    offset = float(raw.get("offset", 0.0))
    self.scale_q16 = round(lsb / unit * 65536)
    self.offset_q16 = round(offset / unit * 65536)


def _quotient(text, where):
  """A decimal number or "a / b", as analog_channels.toml writes an lsb."""
  try:
    parts = [float(p) for p in str(text).split("/")]
  except ValueError:
    raise RegError(f"{where}: '{text}' is not a number or a quotient a / b") from None
  if len(parts) > 2 or (len(parts) == 2 and parts[1] == 0):
    raise RegError(f"{where}: '{text}' is not a number or a quotient a / b")
  return parts[0] / parts[1] if len(parts) == 2 else parts[0]


class Map:

  def __init__(self, doc, analog, src):
    _check_keys(doc, TOP_KEYS, f"{src}: top level")
    self.src = src
    head = doc.get("cmis", {})
    _check_keys(head, CMIS_KEYS, f"{src}: [cmis]")
    self.desc = head.get("desc", "")
    self.lanes_per_bank = reggen._required_int(head, "lanes_per_bank", f"{src}: [cmis]")
    self.max_banks = reggen._required_int(head, "max_banks", f"{src}: [cmis]")
    self.linear_desc = doc.get("linear", {}).get("desc", "")
    durs = doc.get("duration", [])
    if len(durs) != 1 or not durs[0].get("values"):
      raise RegError(f"{src}: needs one [[duration]] with its values (ms per code)")
    self.durations_ms = [
        reggen._int(v, "duration", f"{src}: [[duration]]") for v in durs[0]["values"]
    ]
    self.enums = {}
    for raw in doc.get("enum", []):
      e = _parse_enum(raw, None, src)
      self.enums[e.name] = e
    self.pages = [Page(p, head, self.enums, src) for p in doc.get("page", [])]
    if [p for p in self.pages if p.lower] != self.pages[:1]:
      raise RegError(f"{src}: the first [[page]] (and only it) is the lower page")
    self.monitors = [Monitor(m, analog, src) for m in doc.get("monitor", [])]
    self._assign_slots()
    # reggen's enum generators take a block: a prefix, a name and the enums with their users
    for p in self.pages:
      for b in p.bytes:
        for f in b.fields:
          if f.enum:
            self.enums[f.enum].fields.append(f"{p.name}.{b.name}.{f.name}")
    self.block = types.SimpleNamespace(prefix=PREFIX, name="cmis", enums=list(self.enums.values()))

  def _assign_slots(self):
    """Storage slots: a writable (rw/rwsc) or latched (cor) byte of a banked page has one per
    bank (slot = base + bank * count + i), of any other page one."""
    self.rw_slots, self.cor_slots = [], []
    for p in self.pages:
      for b in p.bytes:
        if not b.stored:
          continue
        slots = self.cor_slots if b.access == "cor" else self.rw_slots
        b.slot = len(slots)
        for _ in range(self.max_banks if p.banked else 1):
          slots += [(b, i) for i in range(b.count)]

  @property
  def numbered(self):
    return [p for p in self.pages if not p.lower]


# ---------------------------------------------------------------------------------------------
# Outputs


def banner(m, comment):
  return f"{comment} generated by rtl/cmis/cmisgen.py from {m.src}, do not edit"


def _constants(m, enums=True):
  """(name, value, comment) of every plain integer constant, the same in SV, C and Python (C and
  Python have the enum values from reggen's enum generators instead)."""
  out = [(f"{PREFIX}_LANES_PER_BANK", m.lanes_per_bank, "lanes per bank of pages 10h/11h"),
         (f"{PREFIX}_MAX_BANKS", m.max_banks, "banks the map has room for"),
         (f"{PREFIX}_NUM_DURATIONS", len(m.durations_ms), "duration codes")]
  for p in m.numbered:
    out.append((f"{PREFIX}_PAGE_{p.name}", p.number, p.desc))
  for p in m.pages:
    for b in p.bytes:
      out.append((f"{b.cname}_OFFSET", b.offset, b.desc))
      out.append((f"{b.cname}_COUNT", b.count, None))
      if b.lane_bytes:
        out.append((f"{b.cname}_LANE_BYTES", b.lane_bytes, None))
        if not b.source:
          out.append((f"{b.cname}_LANE_RESET", int.from_bytes(bytes(b.values[:b.lane_bytes]),
                                                              "big"), "each lane's"))
      if b.count <= 4 and not (b.access == "ro" and b.source):
        out.append((f"{b.cname}_RESET", b.reset_int, None))
      if b.access in ("rw", "rwsc"):
        out.append((f"{b.cname}_WMASK", b.wmask, None))
      if b.stored:
        out.append((f"{b.cname}_SLOT", b.slot, None))
      for f in b.fields:
        out.append((f"{b.cname}_{f.name}_SHIFT", f.lo, None))
        out.append((f"{b.cname}_{f.name}_MASK", ((1 << (f.hi - f.lo + 1)) - 1) << f.lo, f.desc))
        if b.count <= 2 and not (b.access == "ro" and b.source) and b.access != "cor":
          out.append((f"{b.cname}_{f.name}_RESET",
                      (b.reset_int >> f.lo) & ((1 << (f.hi - f.lo + 1)) - 1), None))
  out += [(f"{PREFIX}_NUM_RW_SLOTS", len(m.rw_slots), None),
          (f"{PREFIX}_NUM_COR_SLOTS", len(m.cor_slots), None)]
  for e in m.enums.values() if enums else []:
    for v in e.values:
      out.append((f"{PREFIX}_{e.name}_{v.name}", v.value, v.desc))
  for mon in m.monitors:
    out.append((f"{PREFIX}_MON_{mon.name}_SCALE_Q16", mon.scale_q16, mon.desc))
    out.append((f"{PREFIX}_MON_{mon.name}_OFFSET_Q16", mon.offset_q16, None))
  return out


def _sv_lit(value):
  return f"-64'sd{-value}" if value < 0 else f"64'sd{value}"


def _sv_sources(m):
  return [b for p in m.pages for b in p.bytes if b.source]


def _sv_src_name(b):
  camel = "".join(w.capitalize() for w in f"{b.page.name}_{b.name}".split("_"))
  return f"CmisSrc{camel}"


def _sv_decode_item(m, p, b, i):
  addr = b.offset + i
  if b.access == "cor" or b.access in ("rw", "rwsc"):
    kind = "CmisCor" if b.access == "cor" else "CmisRw"
    base = f"{b.cname}_SLOT"
    slot = f"10'({base} + {i})" if not p.banked else f"10'({base} + 32'(bank) * {b.count} + {i})"
    return f"{addr}: loc = '{{kind: {kind}, value: 8'h00, slot: {slot}, src: CmisSrcNone, idx: 7'd{i}}};"
  if b.source:
    return (f"{addr}: loc = '{{kind: CmisHw, value: 8'h00, slot: '0, src: {_sv_src_name(b)}, "
            f"idx: 7'd{i}}};")
  return (f"{addr}: loc = '{{kind: CmisConst, value: 8'h{b.values[i]:02x}, slot: '0, "
          f"src: CmisSrcNone, idx: 7'd{i}}};")


def _sv_decode(m):
  out = [
      "  // Where byte @addr (0-255) of the current view is: lower page (addr < 128), else",
      "  // byte addr of @page (an advertised page; cmis_page_ok) in @bank (banked pages).",
      "  function automatic cmis_loc_t cmis_decode(logic [7:0] page, logic [2:0] bank,",
      "                                            logic [7:0] addr);", "    cmis_loc_t loc;",
      "    loc = '{kind: CmisReserved, value: 8'h00, slot: '0, src: CmisSrcNone, idx: '0};",
      "    if (!addr[7]) begin", "      unique case (addr)"
  ]
  lower = m.pages[0]
  for b in lower.bytes:
    out += [f"        {_sv_decode_item(m, lower, b, i)}" for i in range(b.count)]
  out += [
      "        default: ;", "      endcase", "    end else begin", "      unique case (32'(page))"
  ]
  for p in m.numbered:
    out.append(f"        {PREFIX}_PAGE_{p.name}: begin")
    out.append("          unique case (addr)")
    for b in p.bytes:
      out += [f"            {_sv_decode_item(m, p, b, i)}" for i in range(b.count)]
    out += ["            default: ;", "          endcase", "        end"]
  out += ["        default: ;", "      endcase", "    end", "    return loc;", "  endfunction", ""]
  return out


def gen_sv_pkg(m):
  out = [banner(m, "//"), f"// {m.desc}", "package cpo_cmis_pkg;", ""]
  for name, value, _ in _constants(m):
    # monitor scales and offsets are 64-bit signed (cpo_cmis's longint parameters)
    out.append(f"  parameter longint {name} = {_sv_lit(value)};" if "_MON_" in
               name else f"  parameter int unsigned {name} = {value};")
  out.append("")
  durs = ", ".join(str(d) for d in m.durations_ms)
  out.append(
      f"  parameter int unsigned {PREFIX}_DURATION_MS [{len(m.durations_ms)}] = '{{{durs}}};")
  rw = ", ".join(f"8'h{b.values[i]:02x}" for b, i in m.rw_slots)
  out.append(f"  parameter logic [7:0] {PREFIX}_RW_RESET [{len(m.rw_slots)}] = '{{{rw}}};")
  wm = ", ".join(f"8'h{b.wmask:02x}" for b, _ in m.rw_slots)
  out.append(f"  parameter logic [7:0] {PREFIX}_RW_WMASK [{len(m.rw_slots)}] = '{{{wm}}};")
  for p in m.pages:  # 16-bit values (thresholds) as words, first word at index 0
    for b in p.bytes:
      if b.name.endswith("_THRESH"):
        words = ", ".join(
            f"16'h{(b.values[2 * k] << 8) | b.values[2 * k + 1]:04x}" for k in range(b.count // 2))
        out.append(f"  parameter logic [15:0] {b.cname}_WORDS [{b.count // 2}] = '{{{words}}};")
  out += ["", "  typedef enum logic [2:0] {"]
  out.append(",\n".join(f"    Cmis{k.capitalize()} = 3'd{i}" for i, k in enumerate(KINDS)))
  out += [
      "  } cmis_kind_e;", "", "  // The bytes whose value the block computes (source = \"hw\")",
      "  typedef enum logic [5:0] {", "    CmisSrcNone = 6'd0,"
  ]
  srcs = _sv_sources(m)
  out.append(",\n".join(f"    {_sv_src_name(b)} = 6'd{i + 1}" for i, b in enumerate(srcs)))
  out += [
      "  } cmis_src_e;", "", "  typedef struct packed {", "    cmis_kind_e kind;",
      "    logic [7:0] value;", "    logic [9:0] slot;", "    cmis_src_e src;",
      "    logic [6:0] idx;", "  } cmis_loc_t;", ""
  ]
  out += [
      "  // The advertised upper pages (@els: the engine has an external laser source), and those",
      "  // with a copy per bank.",
      "  function automatic logic cmis_page_ok(logic [7:0] page, logic els);", "    return " +
      " || ".join(f"page == 8'h{p.number:02x}" + (" && els" if p.els else "") for p in m.numbered) +
      ";", "  endfunction", "  function automatic logic cmis_page_banked(logic [7:0] page);",
      "    return " +
      (" || ".join(f"page == 8'h{p.number:02x}" for p in m.numbered if p.banked) or "1'b0") + ";",
      "  endfunction", ""
  ]
  out += _sv_decode(m)
  out += ["endpackage : cpo_cmis_pkg", ""]
  return "\n".join(out)


def gen_vlt(m):
  return "\n".join([
      "`verilator_config",
      banner(m, "//"),
      "// The package is the map's SV API: it defines every offset, mask and code, including those",
      "// the RTL happens not to use.", 'lint_off -rule UNUSEDPARAM -file "*cpo_cmis_pkg.sv"', ""
  ])


def gen_c_header(m):
  out = [
      banner(m, "/*") + " */", f"/* {c_comment(m.desc)} */", "#ifndef CPO_CMIS_MAP_H",
      "#define CPO_CMIS_MAP_H", "", "#include <stdint.h>", ""
  ]
  for name, value, comment in _constants(m, enums=False):
    note = f" /* {c_comment(comment)} */" if comment else ""
    out.append(f"#define {name} ({value})" if value < 0 else f"#define {name} 0x{value:x}u{note}")
  for p in m.pages:
    for b in p.bytes:
      if b.lane_bytes:
        out.append(
            f"#define {b.cname}_OFFSET_N(lane) ({b.cname}_OFFSET + (lane) * {b.lane_bytes}u)")
  out.append("")
  out += reggen._c_enums(m.block)
  durs = ", ".join(str(d) for d in m.durations_ms)
  out += [
      "/* Duration codes of page 01h (MaxDuration...), in ms. */",
      f"#define {PREFIX}_DURATION_MS_LIST {{{durs}}}",
      "static inline uint32_t cpo_cmis_duration_ms(unsigned code) {",
      f"  static const uint32_t ms[] = {PREFIX}_DURATION_MS_LIST;",
      "  return code < sizeof ms / sizeof ms[0] ? ms[code] : 0u;", "}", "",
      f"/* {c_comment(m.linear_desc)} */", f"#define {PREFIX}_LINEAR(bank, page, byte) \\",
      "  ((((uint32_t)(bank) * 256u + (uint32_t)(page)) * 128u) + (uint32_t)(byte))",
      "/* Splits a linear address into (bank, page, byte); byte < 128 is the lower page (bank",
      "   and page 0). Returns 0, or -1 when the address is not one of the form. */",
      "static inline int cpo_cmis_linear_split(uint32_t linear, unsigned *bank, unsigned *page,",
      "                                        unsigned *byte) {", "  if (linear < 128u) {",
      "    *bank = 0u; *page = 0u; *byte = linear;", "    return 0;", "  }",
      "  const uint32_t row = linear / 128u - 1u; /* bank * 256 + page */",
      "  if (row / 256u >= 256u)", "    return -1;",
      "  *bank = row / 256u; *page = row % 256u; *byte = 128u + linear % 128u;", "  return 0;", "}",
      "", "/* The byte's 32-bit word in the CMIS window of the OE space. */",
      f"#define {PREFIX}_WORD_OFFSET(byte) ((uint32_t)(byte) * 4u)", "",
      "/* Every byte entry: X(page name, name, page number (-1 lower page), offset, count, access) */",
      f"#define {PREFIX}_BYTE_LIST(X) \\"
  ]
  for p in m.pages:
    num = -1 if p.lower else p.number
    for b in p.bytes:
      out.append(f"  X({p.name}, {b.name}, {num}, {b.offset}u, {b.count}u, \"{b.access}\") \\")
  out += ["  /* end of the list */", "", "#endif", ""]
  return "\n".join(out)


def gen_python(m):
  out = ['"""' + banner(m, "#")[2:] + '"""', "", "import enum", ""]
  for name, value, _ in _constants(m, enums=False):
    out.append(f"{name} = {value}")
  out += reggen._py_enums(m.block)
  out += [
      f"DURATION_MS = {m.durations_ms!r}", "", "", "def duration_ms(code):",
      "  return DURATION_MS[code] if 0 <= code < len(DURATION_MS) else 0", "", "",
      "def linear(bank, page, byte):", f"  {m.linear_desc!r}", "  if byte < 128:",
      "    return byte", "  if not (0 <= bank < 256 and 0 <= page < 256 and byte < 256):",
      "    raise ValueError(f'({bank}, {page}, {byte}) is not a CMIS byte')",
      "  return (bank * 256 + page) * 128 + byte", "", "", "def split_linear(addr):",
      "  \"\"\"(bank, page, byte) of a linear address.\"\"\"", "  if addr < 128:",
      "    return 0, 0, addr", "  row, byte = divmod(addr - 128, 128)",
      "  bank, page = divmod(row, 256)", "  if bank >= 256:",
      "    raise ValueError(f'{addr} is beyond the linear CMIS space')",
      "  return bank, page, 128 + byte", "", "",
      "# Every byte entry: (page name, name, page number or None, offset, count, access, signed)",
      "BYTES = ["
  ]
  for p in m.pages:
    for b in p.bytes:
      out.append(f"    ({p.name!r}, {b.name!r}, {p.number!r}, {b.offset}, {b.count}, "
                 f"{b.access!r}, {b.signed!r}),")
  out += ["]", ""]
  return "\n".join(out)


def gen_markdown(m):
  out = [
      f"<!-- {banner(m, '')[1:]} -->", "", "# CMIS memory map", "", m.desc, "",
      f"Linear addressing: {m.linear_desc}", "",
      "Access: ro (constant, or computed when the source is hw), rw, rwsc (self-clearing), "
      "cor (latched, clear on read). Bytes not listed read 0 and ignore writes.", ""
  ]
  for p in m.pages:
    title = "Lower page" if p.lower else f"Page {p.number:02X}h" + (
        " (banked)" if p.banked else "") + (
            " (only with an external laser source)" if p.els else "")
    out += [
        f"## {title}: {p.name}", "", p.desc, "", "| byte | name | access | reset | meaning |",
        "|---|---|---|---|---|"
    ]
    for b in p.bytes:
      span = str(b.offset) if b.count == 1 else f"{b.offset}-{b.offset + b.count - 1}"
      reset = "hw" if b.source else ("0" if b.access == "cor" else
                                     (f"0x{b.reset_int:x}" if b.count <= 4 else "see desc"))
      out.append(f"| {span} | {b.name} | {b.access} | {reset} | {md_cell(b.desc)} |")
    out.append("")
  out += [
      "## Monitors", "", "| monitor | from | scale (Q16) | offset (Q16) | meaning |",
      "|---|---|---|---|---|"
  ]
  for mon in m.monitors:
    out.append(f"| {mon.name} | {mon.channel or 'lsb ' + mon.lsb_text} | {mon.scale_q16} | "
               f"{mon.offset_q16} | {md_cell(mon.desc)} |")
  out += [
      "", "Duration codes (ms): " + ", ".join(f"{i}: {d}" for i, d in enumerate(m.durations_ms)), ""
  ]
  return "\n".join(out)


def main(argv=None):
  ap = argparse.ArgumentParser(description="cpoemu CMIS map generator")
  ap.add_argument("toml")
  ap.add_argument("--outdir", required=True)
  ap.add_argument("--analog", default=os.path.join(HERE, "..", "lanes", "analog_channels.toml"))
  ap.add_argument("--src-name")
  ap.add_argument("--stamp")
  args = ap.parse_args(argv)
  src = args.src_name or source_name(args.toml)
  try:
    m = Map(read_toml(args.toml, src), read_toml(args.analog, args.analog), src)
  except RegError as exc:
    print(f"cmisgen: error: {exc}", file=sys.stderr)
    return 1
  write_outputs(
      args.outdir, {
          "cpo_cmis_pkg.sv": gen_sv_pkg(m),
          "cpo_cmis.vlt": gen_vlt(m),
          os.path.join("cpo", "cmis_map.h"): gen_c_header(m),
          "cmis_map.py": gen_python(m),
          "cmis_map.md": gen_markdown(m),
      }, args.stamp, src)
  return 0


if __name__ == "__main__":
  sys.exit(main())
