/* D2D link functional coverage: every scenario of the suite runs on the --coverage build and
 * writes its coverage data (Harness::pass); the last test reads the data back and checks that
 * the suite reached every LTSM state except the power states L1/L2 (cover points
 * StateReached_C in cpo_d2d_ltsm, one per state code, in both endpoints). */
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "d2d_harness.h"
#include "d2d_scenarios.h"

using namespace cpo_d2d;

namespace {

std::string cov_dir() {
  const char *d = std::getenv("CPO_D2D_COVERAGE_DIR");
  return d ? d : ".";
}

/* Value of key @p key in a coverage record ("\x01key\x02value..."). */
std::string record_field(const std::string &rec, const std::string &key) {
  const std::string tag = std::string("\x01") + key + "\x02";
  const size_t at = rec.find(tag);
  if (at == std::string::npos) return "";
  const size_t start = at + tag.size();
  const size_t end = rec.find('\x01', start);
  return rec.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void test_d2d_coverage_every_ltsm_state_reached(void **state) {
  (void)state;
  // hits[state code] summed over every scenario's data and both endpoints
  std::map<unsigned, unsigned long long> hits;
  unsigned files = 0;
  for (const auto &entry : std::filesystem::directory_iterator(cov_dir())) {
    if (entry.path().extension() != ".dat" || entry.path().filename() == "merged.dat") continue;
    files++;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("C '", 0) != 0 || line.find("StateReached_C") == std::string::npos) continue;
      const size_t q = line.rfind('\'');
      const std::string rec = line.substr(3, q - 3);
      const unsigned long long count = std::strtoull(line.c_str() + q + 1, nullptr, 10);
      // the generate index in the hierarchy is the state code: ...g_cov[12]...
      const std::string hier = record_field(rec, "h");
      const size_t b = hier.find("g_cov[");
      if (b == std::string::npos) continue;
      hits[static_cast<unsigned>(std::strtoul(hier.c_str() + b + 6, nullptr, 10))] += count;
    }
  }
  std::printf("# %u coverage files in %s\n", files, cov_dir().c_str());
  assert_true(files >= 10);
  unsigned missing = 0;
  for (unsigned s = kReset; s <= kTrainError; s++) {
    std::printf("#   %-26s %10llu cycles\n", state_name(s), hits[s]);
    if (hits[s] == 0) missing++;
  }
  assert_int_equal(missing, 0);
}

}  // namespace

int main(int argc, char **argv) {
  set_args(argc, argv);
  // start from an empty coverage directory: only this run's scenarios count
  std::filesystem::create_directories(cov_dir());
  for (const auto &entry : std::filesystem::directory_iterator(cov_dir())) {
    if (entry.path().extension() == ".dat") std::filesystem::remove(entry.path());
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_d2d_trains_to_active_with_ucie_sequence),
      cmocka_unit_test(test_d2d_traffic_passes_error_free),
      cmocka_unit_test(test_d2d_param_settles_on_common_subset),
      cmocka_unit_test(test_d2d_skewed_lanes_trained_to_their_centres),
      cmocka_unit_test(test_d2d_stuck_lane_repaired_onto_spare),
      cmocka_unit_test(test_d2d_lane_reversal_detected_and_undone),
      cmocka_unit_test(test_d2d_too_many_bad_lanes_degrade_width),
      cmocka_unit_test(test_d2d_marginal_eye_degrades_speed),
      cmocka_unit_test(test_d2d_lane_failing_at_speed_repaired),
      cmocka_unit_test(test_d2d_clock_fault_is_trainerror_and_reset_recovers),
      cmocka_unit_test(test_d2d_residency_timeout_goes_to_trainerror),
      cmocka_unit_test(test_d2d_error_burst_in_active_retrains),
      cmocka_unit_test(test_d2d_sideband_bad_parity_dropped_and_counted),
      cmocka_unit_test(test_d2d_tunnel_register_access_reads_back),
      cmocka_unit_test(test_d2d_prbs_every_polynomial_in_lanes),
      cmocka_unit_test(test_d2d_coverage_every_ltsm_state_reached),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
