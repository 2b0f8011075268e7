#include "sc_design.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "EngineSc8.h"

// The engine variants this build verilated with --sc (CPOEMU_SYSTEMC_DESIGNS), each made by the
// maker engine_design.cpp defines for it.
#define CPO_SC_DESIGN(name)                                                                        \
  std::unique_ptr<CpoDesign> cpo_design_create_sc_##name(const cpo_design_trace_t *trace,          \
                                                         uint32_t cycles_per_us_q16);
#include "cpo_sc_designs.inc"
#undef CPO_SC_DESIGN

namespace {
struct ScDesign {
  const char *name;
  std::unique_ptr<CpoDesign> (*create)(const cpo_design_trace_t *, uint32_t);
};
#define CPO_SC_DESIGN(name) {#name, cpo_design_create_sc_##name},
const ScDesign s_sc_designs[] = {
#include "cpo_sc_designs.inc"
};
#undef CPO_SC_DESIGN

const ScDesign *s_find(const char *name) {
  for (const ScDesign &d : s_sc_designs)
    if (std::strcmp(d.name, name) == 0)
      return &d;
  return nullptr;
}
} // namespace

extern "C" bool cpo_systemc_has_design(const cpo_design_info_t *d, char *why, size_t why_len) {
  if (s_find(d->name))
    return true;
  std::string built;
  for (const ScDesign &sd : s_sc_designs)
    built += std::string(built.empty() ? "" : ", ") + sd.name;
  std::snprintf(why, why_len,
                "this build's SystemC harness has no %s design (%u host / %u media lanes); it has "
                "%s (CMake option CPOEMU_SYSTEMC_DESIGNS): use --harness cpp or rebuild with it",
                d->name, d->host_lanes, d->media_lanes, built.c_str());
  return false;
}

std::unique_ptr<CpoDesign> cpo_systemc_design_create(const cpo_design_info_t *d,
                                                     const cpo_design_trace_t *trace,
                                                     uint32_t cycles_per_us_q16, char *why,
                                                     size_t why_len) {
  if (!cpo_systemc_has_design(d, why, why_len))
    return nullptr;
  // The kernel's banner would land on stdout, among the run's output.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) {
    std::snprintf(why, why_len,
                  "this process's SystemC kernel has run already: one SystemC design per process");
    return nullptr;
  }
  return s_find(d->name)->create(trace, cycles_per_us_q16);
}

std::unique_ptr<CpoDesign> cpo_systemc_platform_design_create(uint32_t cycles_per_us_q16, char *why,
                                                              size_t why_len) {
  const cpo_design_info_t *d = cpo_designs_find(CPO_DESIGN_ENGINE, 8, 8, why, why_len);
  if (!d)
    return nullptr;
  cpo::harness::Sim<EngineSc8>::deferReset(true);
  std::unique_ptr<CpoDesign> made =
      cpo_systemc_design_create(d, nullptr, cycles_per_us_q16, why, why_len);
  cpo::harness::Sim<EngineSc8>::deferReset(false);
  return made;
}

// libsystemc's main() calls sc_main. A program with a main of its own (cpoemu, the tests) never
// runs it but must still link it: this weak one, which a platform's own sc_main replaces.
__attribute__((weak)) int sc_main(int, char **) {
  std::fprintf(stderr, "this program has no sc_main of its own\n");
  return 2;
}
