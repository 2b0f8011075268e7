/* D2D link scenarios: each is a cmocka test body against a fresh verilated link (see
 * d2d_harness.h). The per-group test programs and the coverage program run them. */
#ifndef CPO_D2D_SCENARIOS_H
#define CPO_D2D_SCENARIOS_H

// cmocka from C++: the headers it expects first, then cmocka itself.
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
extern "C" {
#include <cmocka.h>
}

/* The scenarios of each group, each group run by its own test program (the coverage program
 * runs every group): X(name) per scenario. */
#define CPO_D2D_NOMINAL(X)                                                                         \
  X(test_d2d_trains_to_active_with_ucie_sequence)                                                  \
  X(test_d2d_traffic_passes_error_free)                                                            \
  X(test_d2d_param_settles_on_common_subset)
#define CPO_D2D_FAULT_CLASSES(X)                                                                   \
  X(test_d2d_skewed_lanes_trained_to_their_centres)                                                \
  X(test_d2d_stuck_lane_repaired_onto_spare)                                                       \
  X(test_d2d_lane_reversal_detected_and_undone)                                                    \
  X(test_d2d_too_many_bad_lanes_degrade_width)                                                     \
  X(test_d2d_marginal_eye_degrades_speed)                                                          \
  X(test_d2d_lane_failing_at_speed_repaired)                                                       \
  X(test_d2d_clock_fault_is_trainerror_and_reset_recovers)                                         \
  X(test_d2d_residency_timeout_goes_to_trainerror)                                                 \
  X(test_d2d_error_burst_in_active_retrains)                                                       \
  X(test_d2d_lane_dying_in_active_repaired_by_retrain)
#define CPO_D2D_SIDEBAND(X)                                                                        \
  X(test_d2d_sideband_bad_parity_dropped_and_counted)                                              \
  X(test_d2d_tunnel_register_access_reads_back)
#define CPO_D2D_PRBS(X) X(test_d2d_prbs_every_polynomial_in_lanes)

/* A group's entries in a CMUnitTest array: {CPO_D2D_NOMINAL(CPO_D2D_UNIT_TEST)}. */
#define CPO_D2D_UNIT_TEST(name) cmocka_unit_test(name),

namespace cpo_d2d {

#define CPO_D2D_DECLARE(name) void name(void **state);
CPO_D2D_NOMINAL(CPO_D2D_DECLARE)
CPO_D2D_FAULT_CLASSES(CPO_D2D_DECLARE)
CPO_D2D_SIDEBAND(CPO_D2D_DECLARE)
CPO_D2D_PRBS(CPO_D2D_DECLARE)
#undef CPO_D2D_DECLARE

} // namespace cpo_d2d

#endif
