#!/usr/bin/python3
"""cpoemu address map generator: where each register block sits in each address space.

Usage:
  addrmap.py rtl/addrmap.toml --outdir DIR [--src-name PATH] [--stamp FILE]

Writes, into DIR:
  cpo/addrmap.h              C: per space _ADDR_BITS; per block _BASE, _SIZE, _ADDR(offset);
                             per window of a placed block its absolute _BASE and _SIZE
  cpo_addrmap_pkg.sv         the same constants for SV
  cpo_addrmap_<space>_dec.sv one decoder per space: a select per top-level block, none_o
  cpo_addrmap.vlt            lint waiver for the package's unused constants
  addrmap.py, addrmap.md     Python constants (same names) and the Markdown reference

Description format (TOML):

  [map]
  desc = "..."

  [[space]]                    # an address space (a bus port)
  name = "OE"                  # upper-case identifier
  addr_bits = 24               # address width, 1..32
  desc = "..."

  [[block]]                    # a block placed in a space, or inside another block
  name = "OE_D2D"              # upper-case identifier, unique over the whole map
  space = "OE"                 # the space (top-level block), or
  parent = "OE_CTRL"           # the enclosing block (decoded by the design behind it)
  base = 0x000000              # absolute address in the space, a multiple of 4
  size = 0x010000              # bytes
  regs = "d2d/d2d.regs.toml"   # optional: its register description (path relative to this
                               # file); its registers and windows must fit in size
  reserved = true              # optional: a range kept for a block to come (no regs)
  desc = "..."

Blocks of one space (or one parent) must not overlap; a child lies inside its parent. A block
whose size is a power of two and whose base is a multiple of it is decoded on the address bits
above its size, any other by range comparison.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reggen  # noqa: E402
from reggen import (
    RegError,
    _check_keys,
    _named_table,
    _required_int,
    name_claimer,  # noqa: E402
    read_toml)

PREFIX = "CPO_ADDRMAP"
MAP_KEYS = {"desc"}
SPACE_KEYS = {"name", "addr_bits", "desc"}
BLOCK_KEYS = {"name", "space", "parent", "base", "size", "regs", "reserved", "desc"}


class Space:

  def __init__(self, name, addr_bits, desc):
    self.name, self.addr_bits, self.desc = name, addr_bits, desc
    self.blocks = []  # top-level blocks, by base

  @property
  def sv_name(self):
    return self.name.lower()


class Block:

  def __init__(self, name, space, parent, base, size, regs, reserved, desc):
    self.name, self.space, self.parent, self.base, self.size = name, space, parent, base, size
    self.regs, self.reserved, self.desc = regs, reserved, desc  # regs: a reggen.Block or None
    self.children = []

  @property
  def end(self):
    return self.base + self.size

  @property
  def span(self):
    return f"0x{self.base:06x}-0x{self.end - 1:06x}"

  def natural(self):
    """Power-of-two size at a multiple of it: decoded on the bits above the size."""
    return self.size & (self.size - 1) == 0 and self.base % self.size == 0


class AddrMap:

  def __init__(self, desc, spaces, blocks, src):
    self.desc, self.spaces, self.blocks, self.src = desc, spaces, blocks, src


# ---------------------------------------------------------------------------------------------
# Parsing and validation


def _str(raw, key, where):
  value = raw.get(key, "")
  if not isinstance(value, str):
    raise RegError(f"{where}: {key} must be a string")
  return value


def _parse_space(raw, where):
  name, swhere = _named_table(raw, "[[space]]", "space", SPACE_KEYS, where)
  bits = _required_int(raw, "addr_bits", swhere)
  if not 1 <= bits <= 32:
    raise RegError(f"{swhere}: addr_bits {bits} out of range 1..32")
  return Space(name, bits, _str(raw, "desc", swhere))


def _load_regs(rel, map_path, where):
  path = os.path.join(os.path.dirname(os.path.abspath(map_path)), rel)
  src = os.path.relpath(os.path.abspath(path), os.path.dirname(os.path.dirname(HERE)))
  try:
    return reggen.load(path, None, src)
  except RegError as exc:
    raise RegError(f"{where}: regs '{rel}': {exc}") from None


def _parse_block(raw, spaces, map_path, where):
  _, bwhere = _named_table(raw, "[[block]]", "block", BLOCK_KEYS, where)
  if ("space" in raw) == ("parent" in raw):
    raise RegError(f"{bwhere}: needs exactly one of space (top level) or parent")
  space = raw.get("space")
  if space is not None and space not in spaces:
    raise RegError(f"{bwhere}: space '{space}' is not a [[space]] "
                   f"(known: {', '.join(spaces) or 'none'})")
  base = _required_int(raw, "base", bwhere)
  size = _required_int(raw, "size", bwhere)
  if base < 0 or base % 4:
    raise RegError(f"{bwhere}: base 0x{base:x} is not a non-negative multiple of 4")
  if size < 4 or size % 4:
    raise RegError(f"{bwhere}: size 0x{size:x} is not a positive multiple of 4")
  reserved = raw.get("reserved", False)
  if not isinstance(reserved, bool):
    raise RegError(f"{bwhere}: reserved must be true or false")
  regs = None
  if "regs" in raw:
    if reserved:
      raise RegError(f"{bwhere}: a reserved block has no regs")
    regs = _load_regs(_str(raw, "regs", bwhere), map_path, bwhere)
    extent = max([r.offsets()[-1] + 4 for r in regs.registers] + [w.end for w in regs.windows])
    if extent > size:
      raise RegError(f"{bwhere}: its registers and windows ({regs.src}) reach 0x{extent:x}, "
                     f"beyond its size 0x{size:x}")
  return Block(raw["name"], space, raw.get("parent"), base, size, regs, reserved,
               _str(raw, "desc", bwhere))


def _check_siblings(blocks, inside, where):
  for i, b in enumerate(blocks):
    for o in blocks[:i]:
      if b.base < o.end and o.base < b.end:
        raise RegError(f"{where}: block '{b.name}' ({b.span}) overlaps block '{o.name}' "
                       f"({o.span}) {inside}")


def load(path, src_name=None):
  """Parse and validate the map and every register description it names."""
  where = src_name or path
  doc = read_toml(path, where)
  _check_keys(doc, {"map", "space", "block"}, f"{where}: top level")
  head = doc.get("map", {})
  if not isinstance(head, dict):
    raise RegError(f"{where}: [map] must be a table")
  _check_keys(head, MAP_KEYS, f"{where}: [map]")
  spaces = {}
  for raw in doc.get("space", []):
    s = _parse_space(raw, where)
    if s.name in spaces:
      raise RegError(f"{where}: space '{s.name}' is defined twice")
    spaces[s.name] = s
  if not spaces:
    raise RegError(f"{where}: no [[space]] entries")
  blocks = {}
  for raw in doc.get("block", []):
    b = _parse_block(raw, spaces, path, where)
    if b.name in blocks:
      raise RegError(f"{where}: block '{b.name}' is defined twice")
    blocks[b.name] = b
  for b in blocks.values():
    bwhere = f"{where}: block '{b.name}'"
    if b.parent is not None:
      parent = blocks.get(b.parent)
      if parent is None:
        raise RegError(f"{bwhere}: parent '{b.parent}' is not a block of the map")
      if parent.regs is not None or parent.reserved:
        raise RegError(f"{bwhere}: parent '{b.parent}' has registers or is reserved; only a "
                       "port (a block without regs) holds blocks")
      if not (parent.base <= b.base and b.end <= parent.end):
        raise RegError(f"{bwhere}: {b.span} is outside its parent '{parent.name}' "
                       f"({parent.span})")
      parent.children.append(b)
  for b in blocks.values():  # the space of a child is its top-level ancestor's
    top, seen = b, set()
    while top.parent is not None:
      if top.name in seen:
        raise RegError(f"{where}: block '{b.name}': its parents form a loop")
      seen.add(top.name)
      top = blocks[top.parent]
    b.space = top.space
    space = spaces[b.space]
    if b.end > 1 << space.addr_bits:
      raise RegError(f"{where}: block '{b.name}': {b.span} is beyond the {space.addr_bits}-bit "
                     f"space '{space.name}'")
  for s in spaces.values():
    s.blocks = sorted((b for b in blocks.values() if b.parent is None and b.space == s.name),
                      key=lambda b: b.base)
    _check_siblings(s.blocks, f"in space '{s.name}'", where)
  for b in blocks.values():
    b.children.sort(key=lambda c: c.base)
    _check_siblings(b.children, f"inside '{b.name}'", where)
  order = list(spaces)
  amap = AddrMap(head.get("desc", ""), spaces,
                 sorted(blocks.values(), key=lambda b: (order.index(b.space), b.base)), where)
  _check_names(amap)
  return amap


def _check_names(amap):
  """Two elements must not generate one name (block A_B window C vs block A window B_C)."""
  claim = name_claimer(amap.src)
  for s in amap.spaces.values():
    claim(f"{PREFIX}_{s.name}_ADDR_BITS", f"space '{s.name}'")
  for b in amap.blocks:
    for suffix in ("BASE", "SIZE", "ADDR"):
      claim(f"{PREFIX}_{b.name}_{suffix}", f"block '{b.name}'")
    for w in windows(b):
      for suffix in ("BASE", "SIZE"):
        claim(f"{PREFIX}_{b.name}_{w.name}_{suffix}", f"window '{b.name}.{w.name}'")


def windows(block):
  return block.regs.windows if block.regs is not None else []


# ---------------------------------------------------------------------------------------------
# Outputs


def banner(amap, comment):
  return f"{comment} generated by rtl/reggen/addrmap.py from {amap.src}, do not edit"


def where_text(b):
  return f"space {b.space}" + (f", inside {b.parent}" if b.parent else "")


def what_text(b):
  if b.reserved:
    return "reserved"
  return f"registers: {b.regs.src}" if b.regs is not None else "port, decoded behind it"


def gen_c_header(amap):
  c = reggen.c_comment
  out = [
      f"/* {banner(amap, '').strip()} */", f"/* Address map: {c(amap.desc)} */",
      "/* Per block: _BASE (absolute address in its space), _SIZE in bytes, and _ADDR(offset),",
      "   the absolute address of an offset of the block's own header (cpo/<block>_regs.h);",
      "   per window of a placed block, its absolute _BASE and _SIZE. */", "#ifndef CPO_ADDRMAP_H",
      "#define CPO_ADDRMAP_H", ""
  ]
  for s in amap.spaces.values():
    out.append(f"#define {PREFIX}_{s.name}_ADDR_BITS {s.addr_bits}u  /* {c(s.desc)} */")
  out.append("")
  for b in amap.blocks:
    n = f"{PREFIX}_{b.name}"
    out.append(f"/* {b.name} ({where_text(b)}; {what_text(b)}): {c(b.desc)} */")
    out.append(f"#define {n}_BASE 0x{b.base:06x}u")
    out.append(f"#define {n}_SIZE 0x{b.size:x}u")
    out.append(f"#define {n}_ADDR(offset) ({n}_BASE + (unsigned)(offset))")
    for w in windows(b):
      out.append(f"#define {n}_{w.name}_BASE 0x{b.base + w.offset:06x}u  /* window {w.name} */")
      out.append(f"#define {n}_{w.name}_SIZE 0x{w.size:x}u")
    out.append("")
  out.append("#endif /* CPO_ADDRMAP_H */")
  return "\n".join(out) + "\n"


def gen_python(amap):
  out = [f"# {banner(amap, '').strip()}", f'"""Address map: {amap.desc}"""', ""]
  for s in amap.spaces.values():
    out.append(f"{PREFIX}_{s.name}_ADDR_BITS = {s.addr_bits}")
  out.append("")
  blocks = []
  for b in amap.blocks:
    n = f"{PREFIX}_{b.name}"
    out += [
        f"# {b.name} ({where_text(b)}; {what_text(b)}): {b.desc}", f"{n}_BASE = 0x{b.base:06x}",
        f"{n}_SIZE = 0x{b.size:x}"
    ]
    for w in windows(b):
      out += [f"{n}_{w.name}_BASE = 0x{b.base + w.offset:06x}", f"{n}_{w.name}_SIZE = 0x{w.size:x}"]
    out.append("")
    blocks.append(f"  {b.name!r}: {{'space': {b.space!r}, 'parent': {b.parent!r}, "
                  f"'base': 0x{b.base:06x}, 'size': 0x{b.size:x}, 'reserved': {b.reserved}, "
                  f"'regs': {b.regs.name if b.regs is not None else None!r}}},")
  out += [
      "# Every block, for scripts that walk the map.", "BLOCKS = {", *blocks, "}", "", "",
      "def addr(block, offset):",
      '  """Absolute address of an offset of a block (its own register header\'s offsets)."""',
      "  b = BLOCKS[block]", "  if not 0 <= offset < b['size']:",
      "    raise IndexError(f\"offset 0x{offset:x} is outside block {block} \"",
      "                     f\"(size 0x{b['size']:x})\")", "  return b['base'] + offset"
  ]
  return "\n".join(out) + "\n"


def gen_sv_pkg(amap):
  out = [
      banner(amap, "//"), "//", f"// Address map: {amap.desc}", "", "package cpo_addrmap_pkg;", ""
  ]
  for s in amap.spaces.values():
    out.append(f"  parameter int unsigned {PREFIX}_{s.name}_ADDR_BITS = {s.addr_bits};")
  out.append("")
  for b in amap.blocks:
    bits = amap.spaces[b.space].addr_bits
    n = f"{PREFIX}_{b.name}"
    out.append(f"  // {b.name} ({where_text(b)}; {what_text(b)})")
    out.append(f"  parameter logic [{bits - 1}:0] {n}_BASE = {bits}'h{b.base:x};")
    out.append(f"  parameter longint unsigned {n}_SIZE = 'h{b.size:x};")
    for w in windows(b):
      out.append(f"  parameter logic [{bits - 1}:0] {n}_{w.name}_BASE = "
                 f"{bits}'h{b.base + w.offset:x};")
      out.append(f"  parameter longint unsigned {n}_{w.name}_SIZE = 'h{w.size:x};")
  out += ["", "endpackage : cpo_addrmap_pkg"]
  return "\n".join(out) + "\n"


def sv_hit(b, bits, addr="paddr_i"):
  """SV expression true when addr is inside block b (of a bits-wide space)."""
  n = f"{PREFIX}_{b.name}_BASE"
  if b.natural():
    low = b.size.bit_length() - 1
    if low >= bits:
      return "1'b1"
    return f"{addr}[{bits - 1}:{low}] == {n}[{bits - 1}:{low}]"
  terms = []
  if b.base > 0:
    terms.append(f"{addr} >= {n}")
  if b.end < 1 << bits:
    terms.append(f"{bits + 1}'({addr}) < {bits + 1}'({n}) + {bits + 1}'({PREFIX}_{b.name}_SIZE)")
  return " && ".join(terms) or "1'b1"


def gen_sv_dec(amap, space):
  s = amap.spaces[space]
  bits = s.addr_bits
  mod = f"cpo_addrmap_{s.sv_name}_dec"
  out = [
      banner(amap, "//"), "//", f"// Address decoder of space {s.name} ({bits}-bit): {s.desc}",
      "// One select per block placed at the top level of the space (blocks inside a port are",
      "// decoded behind it); none_o when the address is in no block.", "", f"module {mod}",
      "  import cpo_addrmap_pkg::*;", "(", f"  input  logic [{bits - 1}:0] paddr_i,"
  ]
  for b in s.blocks:
    out.append(f"  output logic {b.name.lower()}_o,   // {b.span}")
  out += ["  output logic none_o", ");", ""]
  hits = [sv_hit(b, bits) for b in s.blocks]
  for b, hit in zip(s.blocks, hits):
    out.append(f"  assign {b.name.lower()}_o = {hit};")
  if all(h == "1'b1" for h in hits):
    out += [
        "  logic unused_paddr;  // one block fills the space", "  assign unused_paddr = ^paddr_i;"
    ]
  sel = " | ".join(f"{b.name.lower()}_o" for b in s.blocks) or "1'b0"
  out += [f"  assign none_o = ~({sel});", "", f"endmodule : {mod}"]
  return "\n".join(out) + "\n"


def gen_markdown(amap):
  out = [
      f"<!-- {banner(amap, '').strip()} -->", "", "# Address map", "", amap.desc, "",
      f"C (`cpo/addrmap.h`), Python (`addrmap.py`) and SV (`cpo_addrmap_pkg`): "
      f"`{PREFIX}_<BLOCK>_BASE/_SIZE`, `{PREFIX}_<BLOCK>_ADDR(offset)` (C), "
      f"`{PREFIX}_<BLOCK>_<WINDOW>_BASE/_SIZE`; offsets inside a block come from its own "
      "register header. Decoders: `cpo_addrmap_<space>_dec`.", ""
  ]
  for s in amap.spaces.values():
    out += [
        f"## Space {s.name} ({s.addr_bits}-bit)", "", s.desc, "",
        "| Range | Block | Contents | Description |", "|---|---|---|---|"
    ]

    def rows(blocks, depth):
      for b in blocks:
        name = ("&nbsp;&nbsp;" * depth) + f"`{b.name}`"
        out.append(f"| {b.span} | {name} | {what_text(b)} | {reggen.md_cell(b.desc)} |")
        for w in windows(b):
          out.append(f"| 0x{b.base + w.offset:06x}-0x{b.base + w.end - 1:06x} | "
                     f"{'&nbsp;&nbsp;' * (depth + 1)}`{b.name}.{w.name}` | window, {w.access} | "
                     f"{reggen.md_cell(reggen.first_sentence(w.desc))} |")
        rows(b.children, depth + 1)

    rows(s.blocks, 0)
    out.append("")
  return "\n".join(out)


def gen_vlt(amap):
  return "\n".join([
      "`verilator_config",
      banner(amap, "//"), "// The package is the map's SV API: every base and size, used or not.",
      'lint_off -rule UNUSEDPARAM -file "*cpo_addrmap_pkg.sv"', ""
  ])


def outputs(amap):
  out = {
      os.path.join("cpo", "addrmap.h"): gen_c_header(amap),
      "cpo_addrmap_pkg.sv": gen_sv_pkg(amap),
      "cpo_addrmap.vlt": gen_vlt(amap),
      "addrmap.py": gen_python(amap),
      "addrmap.md": gen_markdown(amap)
  }
  for s in amap.spaces.values():
    out[f"cpo_addrmap_{s.sv_name}_dec.sv"] = gen_sv_dec(amap, s.name)
  return out


def main(argv=None):
  ap = argparse.ArgumentParser(description="cpoemu address map generator")
  ap.add_argument("toml", help="address map (TOML)")
  ap.add_argument("--outdir", required=True, help="directory for the generated files")
  ap.add_argument("--src-name", help="name of the map in banners and messages")
  ap.add_argument("--stamp", help="file to touch after a successful run")
  args = ap.parse_args(argv)
  src = args.src_name or reggen.source_name(args.toml)
  try:
    amap = load(args.toml, src)
  except RegError as exc:
    print(f"addrmap: error: {exc}", file=sys.stderr)
    return 1
  reggen.write_outputs(args.outdir, outputs(amap), args.stamp, src)
  return 0


if __name__ == "__main__":
  sys.exit(main())
