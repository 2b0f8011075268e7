// Simulation speed of cpo_lanes_top: cycles per wall second with tx_data_o looped back to
// rx_data_i, all lanes running PRBS31 and locked. Not a test (no thresholds); run by hand:
//   build/tests/rtl/rtl_lanes_speed [cycles]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "lanes_dut.h"

int main(int argc, char **argv) {
  unsigned long long cycles = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 2000000ull;
  cpo::harness::setArgs(argc, argv);
  LanesDut dut;
  dut.run(100); // lock
  for (unsigned l = 0; l < LanesDut::kLanes; l++)
    if (!dut.locked(l)) {
      std::fprintf(stderr, "lane %u did not lock\n", l);
      return 1;
    }
  auto t0 = std::chrono::steady_clock::now();
  std::clock_t c0 = std::clock();
  for (unsigned long long i = 0; i < cycles; i++)
    dut.tick();
  std::clock_t c1 = std::clock();
  auto t1 = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double>(t1 - t0).count();
  double cpu_s = double(c1 - c0) / CLOCKS_PER_SEC; // less sensitive to other processes
  unsigned long long errors = 0;
  for (unsigned l = 0; l < LanesDut::kLanes; l++)
    errors += dut.errors(l);
  std::printf("cpo_lanes_top %u lanes x %u bits, loopback: %llu cycles in %.3f s wall = %.0f "
              "cycles/s (%.0f cycles per CPU second; %.2f Gbit/s checked, %llu errors)\n",
              LanesDut::kLanes, LanesDut::kWordBits, cycles, s, cycles / s, cycles / cpu_s,
              cycles / s * LanesDut::kLanes * LanesDut::kWordBits / 1e9, errors);
  return errors == 0 ? 0 : 1;
}
