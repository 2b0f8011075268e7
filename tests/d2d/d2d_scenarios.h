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

namespace cpo_d2d {

// Nominal
void test_d2d_trains_to_active_with_ucie_sequence(void **state);
void test_d2d_traffic_passes_error_free(void **state);
void test_d2d_param_settles_on_common_subset(void **state);
// Fault classes
void test_d2d_skewed_lanes_trained_to_their_centres(void **state);
void test_d2d_stuck_lane_repaired_onto_spare(void **state);
void test_d2d_lane_reversal_detected_and_undone(void **state);
void test_d2d_too_many_bad_lanes_degrade_width(void **state);
void test_d2d_marginal_eye_degrades_speed(void **state);
void test_d2d_lane_failing_at_speed_repaired(void **state);
void test_d2d_clock_fault_is_trainerror_and_reset_recovers(void **state);
void test_d2d_residency_timeout_goes_to_trainerror(void **state);
void test_d2d_error_burst_in_active_retrains(void **state);
void test_d2d_lane_dying_in_active_repaired_by_retrain(void **state);
// Sideband
void test_d2d_sideband_bad_parity_dropped_and_counted(void **state);
void test_d2d_tunnel_register_access_reads_back(void **state);
// PRBS in the lanes
void test_d2d_prbs_every_polynomial_in_lanes(void **state);

} // namespace cpo_d2d

#endif
