/* D2D link functional coverage: every scenario of the suite runs on the --coverage build and
 * writes its coverage data (Harness::pass); the last test reads the data back and checks that
 * the suite reached every LTSM state except the power states L1/L2 (cover points
 * ReachedXX_C in cpo_d2d_ltsm, XX the state code; both endpoints count). */
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
  return d ? d : "d2d_cov";
}

/* Value of key @p key in a coverage record ("\x01key\x02value..."). */
std::string record_field(const std::string &rec, const std::string &key) {
  const std::string tag = std::string("\x01") + key + "\x02";
  const size_t at = rec.find(tag);
  if (at == std::string::npos)
    return "";
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
    const std::string fname = entry.path().filename().string();
    if (entry.path().extension() != ".dat" || fname.rfind("d2d_", 0) != 0)
      continue;
    files++;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("C '", 0) != 0)
        continue;
      const size_t q = line.rfind('\'');
      const std::string rec = line.substr(3, q - 3);
      // cover points ReachedXX_C of cpo_d2d_ltsm, XX the state code in hex
      const std::string name = record_field(rec, "o");
      if (name.size() != 11 || name.rfind("Reached", 0) != 0 || name.substr(9) != "_C")
        continue;
      const unsigned code =
          static_cast<unsigned>(std::strtoul(name.substr(7, 2).c_str(), nullptr, 16));
      hits[code] += std::strtoull(line.c_str() + q + 1, nullptr, 10);
    }
  }
  std::printf("# %u coverage files in %s\n", files, cov_dir().c_str());
  assert_true(files >= 10);
  unsigned missing = 0;
  for (unsigned s = CPO_D2D_LTSM_STATE_RESET; s <= CPO_D2D_LTSM_STATE_TRAIN_ERROR; s++) {
    std::printf("#   %-26s %10llu cycles\n", state_name(s), hits[s]);
    if (hits[s] == 0)
      missing++;
  }
  assert_int_equal(missing, 0);
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  // start without earlier scenario data: only this run's scenarios count
  std::filesystem::create_directories(cov_dir());
  for (const auto &entry : std::filesystem::directory_iterator(cov_dir())) {
    const std::string fname = entry.path().filename().string();
    if (entry.path().extension() == ".dat" && fname.rfind("d2d_", 0) == 0) {
      std::filesystem::remove(entry.path());
    }
  }
  const struct CMUnitTest tests[] = {
      CPO_D2D_NOMINAL(CPO_D2D_UNIT_TEST) CPO_D2D_FAULT_CLASSES(CPO_D2D_UNIT_TEST)
          CPO_D2D_SIDEBAND(CPO_D2D_UNIT_TEST) CPO_D2D_PRBS(CPO_D2D_UNIT_TEST)
              cmocka_unit_test(test_d2d_coverage_every_ltsm_state_reached),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
