/* The designs the SystemC harness runs (engine_sc.h): the engine rows of the design table this
 * build verilated with --sc (CPOEMU_SYSTEMC_DESIGNS, testbenches/systemc/CMakeLists.txt). */
#ifndef CPO_SYSTEMC_SC_DESIGN_H
#define CPO_SYSTEMC_SC_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "designs.h"

#ifdef __cplusplus
#include <memory>
extern "C" {
#endif

/** True if the SystemC harness has design @p d; false with @p why naming those it has. */
bool cpo_systemc_has_design(const cpo_design_info_t *d, char *why, size_t why_len);

#ifdef __cplusplus
}

/** Design @p d under the SystemC harness, or null with @p why saying why not: it is not a design
 *  the harness has, or this process's SystemC kernel has run already (one per process). */
std::unique_ptr<CpoDesign> cpo_systemc_design_create(const cpo_design_info_t *d,
                                                     const cpo_design_trace_t *trace,
                                                     uint32_t cycles_per_us_q16, char *why,
                                                     size_t why_len);

/** engine8 for a SystemC virtual platform (tlm_target.h): made during elaboration, before the
 *  platform's other modules, it resets once the kernel runs. Null with @p why as above. */
std::unique_ptr<CpoDesign> cpo_systemc_platform_design_create(uint32_t cycles_per_us_q16, char *why,
                                                              size_t why_len);
#endif

#endif
