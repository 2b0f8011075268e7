"""The SystemC harness's port list of a verilated top, generated from the top's SystemVerilog
header, so that the harness (engine_sc.h) binds exactly the ports the RTL has.

usage: gen_sc_ports.py TOP.sv MODULE OUT.h PACKAGE.sv...

It reads MODULE's parameter and ANSI port lists in TOP.sv and writes OUT.h with:
- `template <uint32_t Param...> struct <Module>Params`: the module's parameters (template
  arguments, in order, those without a default first-class value included), its localparams,
  and every package constant the widths use (from the PACKAGE.sv files), as static constexpr
  members, in dependency order;
- CPO_SC_<MODULE>_INPUTS(X, P) and CPO_SC_<MODULE>_OUTPUTS(X, P) (MODULE without its cpo_): X(name, width) per port, in
  declaration order, the width a C++ expression over P (a <Module>Params instantiation).

Widths are products of packed dimensions [hi:lo]; expressions may use integers, names,
+ - * / % and parentheses. Anything else (an unpacked dimension, $clog2, a port without a
type) is an error naming the file, the port and what was found: a new construct is taught here
rather than guessed."""
import os
import re
import sys

_EXPR_OK = re.compile(r"^[\w\s+\-*/%()]*$")
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def _fail(where, msg):
  sys.exit(f"gen_sc_ports: {where}: {msg}")


def _strip_comments(text):
  text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
  return re.sub(r"//[^\n]*", "", text)


def _cxx_expr(expr, where):
  """@p expr (an SV constant expression) as C++, or an error naming @p where."""
  expr = expr.strip()
  if not _EXPR_OK.match(expr):
    _fail(where, f"cannot translate the expression '{expr}' (integers, names, + - * / % only)")
  return re.sub(r"\b(\d[\d_]*)\b", lambda m: m.group(1).replace("_", "") + "u", expr)


def _module_header(text, module, path):
  m = re.search(r"\bmodule\s+" + re.escape(module) + r"\b(.*?)\)\s*;", text, flags=re.S)
  if not m:
    _fail(path, f"no module {module}")
  header = m.group(1)
  params, ports = "", header
  p = re.search(r"#\s*\((.*?)\)\s*\(", header, flags=re.S)
  if p:
    params, ports = p.group(1), header[p.end():]
  else:
    ports = header[header.index("(") + 1:]
  return params, ports


def _params(params, path):
  """[(kind, name, expr)] of the header's parameter list."""
  out = []
  for item in params.split(","):
    item = item.strip()
    if not item:
      continue
    m = re.match(r"(parameter|localparam)\s+int(?:\s+unsigned)?\s+(\w+)\s*=\s*(.+)$", item, re.S)
    if not m:
      _fail(path, f"cannot read the parameter '{item}' (int [unsigned] NAME = EXPR expected)")
    out.append((m.group(1), m.group(2), m.group(3).strip()))
  return out


def _ports(ports, path):
  """[(direction, name, [(hi, lo)])] of the header's ANSI port list."""
  out = []
  for item in ports.split(","):
    item = item.strip()
    if not item:
      continue
    m = re.match(r"(input|output)\s+logic\s*((?:\[[^\]]+\]\s*)*)(\w+)\s*((?:\[[^\]]*\])?)$", item,
                 re.S)
    if not m:
      _fail(
          path, f"cannot read the port '{' '.join(item.split())}' "
          "(input|output logic [packed dims] name expected)")
    if m.group(4):
      _fail(
          path, f"port {m.group(3)}: unpacked dimension {m.group(4)}: the harness has no pins "
          "for arrays of ports")
    dims = [tuple(d.split(":")) for d in re.findall(r"\[([^\]]+)\]", m.group(2))]
    for d in dims:
      if len(d) != 2:
        _fail(path, f"port {m.group(3)}: dimension [{':'.join(d)}] is not [hi:lo]")
    out.append((m.group(1), m.group(3), dims))
  return out


def _package_constants(paths):
  """{name: (expr, package file)} of every int parameter/localparam in the packages."""
  consts = {}
  for path in paths:
    with open(path, encoding="utf-8") as f:
      text = _strip_comments(f.read())
    for m in re.finditer(r"\bpackage\s+(\w+)\s*;(.*?)\bendpackage\b", text, flags=re.S):
      for c in re.finditer(
          r"\b(?:parameter|localparam)\s+int(?:\s+unsigned)?\s+(\w+)\s*=\s*([^;]+);", m.group(2)):
        consts.setdefault(c.group(1),
                          (c.group(2).strip(), f"{m.group(1)}, {os.path.basename(path)}"))
  return consts


def main(argv):
  if len(argv) < 4:
    sys.exit(__doc__)
  top, module, out_path, packages = argv[1], argv[2], argv[3], argv[4:]
  with open(top, encoding="utf-8") as f:
    params, ports = _module_header(_strip_comments(f.read()), module, top)
  params, ports = _params(params, top), _ports(ports, top)
  consts = _package_constants(packages)
  known = {name for _, name, _ in params}
  template_args = [name for kind, name, _ in params if kind == "parameter"]

  members = []  # (name, C++ expression, where it came from), dependencies first
  emitted = set(known)

  def need(expr, where, stack=()):
    for name in _IDENT.findall(expr):
      if name in emitted:
        continue
      if name not in consts:
        _fail(
            where, f"'{name}' is neither a parameter of {module} nor an int constant of the "
            "packages given")
      if name in stack:
        _fail(where, f"'{name}' is defined in terms of itself")
      cexpr, origin = consts[name]
      need(cexpr, origin, stack + (name,))
      members.append((name, _cxx_expr(cexpr, origin), origin))
      emitted.add(name)

  local = []
  for kind, name, expr in params:
    if kind == "localparam":
      need(expr, f"{top}: {name}")
      local.append((name, _cxx_expr(expr, f"{top}: {name}")))
  for direction, name, dims in ports:
    for hi, lo in dims:
      need(hi + " " + lo, f"{top}: port {name}")

  def member(expr):
    """Members are the SV names with a k (and never a C macro's name: the widths' names include
    the address map's CPO_ADDRMAP_* constants, which C headers define as macros)."""
    return _IDENT.sub(lambda m: "k" + m.group(0), expr)

  def qualified(expr):
    return _IDENT.sub(lambda m: "P::k" + m.group(0), expr)

  defaults = {name: expr for kind, name, expr in params if kind == "parameter"}
  template_params = [
      f"uint32_t T{a}" + (f" = {_cxx_expr(defaults[a], a)}" if defaults[a].isdigit() else "")
      for a in template_args
  ]
  struct = "".join(w.capitalize() for w in module.split("_")) + "Params"
  macro = re.sub(r"^CPO_", "", module.upper())
  lines = [
      f"/* Generated by gen_sc_ports.py from {module} ({os.path.basename(top)}): do not edit.",
      " * Its parameters and the SystemC harness's port list (engine_sc.h). */", "#pragma once",
      "#include <cstdint>", "", f"template <{', '.join(template_params)}> struct {struct} {{"
  ]
  for name in template_args:
    lines.append(f"  static constexpr uint32_t k{name} = T{name};")
  for name, cexpr, origin in members:
    lines.append(f"  static constexpr uint32_t k{name} = {member(cexpr)}; // {origin}")
  for name, cexpr in local:
    lines.append(f"  static constexpr uint32_t k{name} = {member(cexpr)};")
  lines.append("};")
  lines.append("")
  for direction in ("input", "output"):
    rows = [(n, d) for dr, n, d in ports if dr == direction]
    lines.append(f"#define CPO_SC_{macro}_{direction.upper()}S(X, P) \\")
    for i, (name, dims) in enumerate(rows):
      width = " * ".join(
          f"({qualified(_cxx_expr(hi, name))} - {qualified(_cxx_expr(lo, name))} + 1u)"
          for hi, lo in dims) or "1u"
      tail = " \\" if i + 1 < len(rows) else ""
      lines.append(f"  X({name}, ({width})){tail}")
    lines.append("")
  text = "\n".join(lines)
  try:
    with open(out_path, encoding="utf-8") as f:
      if f.read() == text:
        return  # unchanged: keep the timestamp, nothing rebuilds
  except FileNotFoundError:
    pass
  with open(out_path, "w", encoding="utf-8") as f:
    f.write(text)


if __name__ == "__main__":
  main(sys.argv)
