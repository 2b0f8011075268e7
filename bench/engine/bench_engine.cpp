/* Streaming speed of the engine design alone (rtl/engine 8 host / 8 media lanes, through its
 * design interface, testbenches/engine_design.h) against the lanes design (the design table's
 * lanes8, testbenches/designs.h), side by side in one run: both with RX = TX delayed by L (as
 * `cpoemu run --direct`), no bridge, no physics, stepped in quanta of Q cycles. Issue 12's
 * target: engine >= 0.4 x the lanes design's cycles/s (0.25 x is the floor). The engine runs in two
 * builds of the same RTL: the test build (cpo_engine_rtl8: assertions on, per-lane modules kept
 * un-inlined) and the speed-run build (cpo_engine_rtl8_fast: no assertions, everything but the
 * per-lane modules inlined, -O2 -march=native by default), whose ratio is the one the target is
 * about.
 *
 *   bench_engine [--rounds N] [--cycles C]
 *
 * Each engine first trains its D2D link (real timer durations, not timed) and runs until its
 * traffic is error-free; then N rounds of C cycles of each of the three, in an order rotated
 * every round, so machine noise hits them alike. Reports each engine's median ratio to the lanes
 * design in the same round and a 95 % interval of it, and each design's median cycles/s. Writes
 * engine_sim.json (cpo_bench_report). */
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "designs.h"
#include "engine_design.h"

extern "C" {
#include "bench_report.h"
}

class Vcpo_engine8_fast;
using EngineDesign8Fast = EngineDesign<Vcpo_engine8_fast, 8, 8>; // bench/engine/CMakeLists.txt

namespace {

constexpr uint32_t kL = 492;    // cycles TX -> RX (about L at 1 GHz)
constexpr uint32_t kQ = kL / 4; // quantum
constexpr uint64_t kMaxTrainCycles = 400000;

/* A design looped back on itself: RX = TX delayed by L, stepped in quanta of at most Q. */
class Loop {
public:
  Loop(cpo_design_ops_t ops, uint32_t lanes)
      : ops_(ops), lanes_(lanes), ring_(size_t{kL} * lanes, 0), rx_(size_t{kQ} * lanes) {}
  void run(uint64_t cycles) {
    while (cycles > 0) {
      const uint64_t slot = cycle_ % kL;
      const auto n = static_cast<uint32_t>(std::min<uint64_t>({cycles, kQ, kL - slot}));
      uint64_t *words = &ring_[slot * lanes_];
      std::copy(words, words + size_t{n} * lanes_, rx_.begin());
      ops_.step(ops_.self, n, rx_.data(), words); // TX of cycle c is RX of c + L
      cycle_ += n;
      cycles -= n;
    }
  }

private:
  cpo_design_ops_t ops_;
  uint32_t lanes_;
  uint64_t cycle_ = 0;
  std::vector<uint64_t> ring_, rx_;
};

/* Wall seconds for @p cycles of @p loop. */
double timed(Loop &loop, uint64_t cycles) {
  const double t0 = cpo_bench_now_s();
  loop.run(cycles);
  return cpo_bench_now_s() - t0;
}

/* Every host lane of @p d locked and error-free over @p cycles more of @p loop. */
template <typename D> bool clean(D &d, Loop &loop, uint64_t cycles) {
  std::vector<uint64_t> e0;
  for (uint32_t l = 0; l < D::kHostLanes; l++)
    e0.push_back(d.laneErrors(l));
  loop.run(cycles);
  for (uint32_t l = 0; l < D::kHostLanes; l++) {
    if (!d.laneLocked(l) || d.laneErrors(l) != e0[l])
      return false;
  }
  return true;
}

double median(std::vector<double> v) {
  return cpo_bench_median(v.data(), v.size());
}

struct Interval {
  double med, lo, hi;
};

/* The median of @p v and its 95 % interval (bench_report's). */
Interval interval(std::vector<double> v) {
  Interval r{cpo_bench_median(v.data(), v.size()), 0, 0};
  cpo_bench_median_interval95(v.data(), v.size(), &r.lo, &r.hi);
  return r;
}

/* Trains @p d's D2D link (untimed, adding its cycles to @p trained), then checks its traffic
 * error-free; false, said on stderr, if it is not. */
template <typename D> bool train(D &d, Loop &loop, uint64_t *trained) {
  uint64_t cycles = 0;
  while (!d.linkUp() && cycles < kMaxTrainCycles) {
    loop.run(1000);
    cycles += 1000;
  }
  loop.run(4 * kL);
  *trained = std::max(*trained, cycles);
  if (!d.linkUp() || !clean(d, loop, 4 * kL)) {
    std::fprintf(stderr,
                 "bench_engine: the engine did not train to error-free traffic in %" PRIu64
                 " cycles\n",
                 cycles);
    return false;
  }
  return true;
}

/* Ends the process with @p rc, its output flushed, its models left to the exit. */
[[noreturn]] void finish(int rc) {
  std::fflush(nullptr);
  std::_Exit(rc);
}

struct Args {
  unsigned rounds = 41;
  uint64_t cycles = 20000;
};

bool parse_args(int argc, char **argv, Args *a) {
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      a->rounds = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 0));
    } else if (!std::strcmp(argv[i], "--cycles") && i + 1 < argc) {
      a->cycles = std::strtoull(argv[++i], nullptr, 0);
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--cycles C]\n", argv[0]);
      return false;
    }
  }
  if (a->rounds < 5 || a->cycles < 1000) {
    std::fprintf(stderr, "bench_engine: --rounds must be >= 5 and --cycles >= 1000\n");
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Args a;
  if (!parse_args(argc, argv, &a))
    return 2;
  // Three models of three contexts: Verilator 5.006's teardown of them deadlocks (in any order
  // tried), so the process ends through finish() without destroying them.
  std::unique_ptr<CpoDesign> lanes = cpo_design_create_lanes8(nullptr);
  EngineDesign8 engine(nullptr);
  EngineDesign8Fast fast(nullptr);
  Loop eloop(engine.ops(), EngineDesign8::kLanes), floop(fast.ops(), EngineDesign8Fast::kLanes),
      lloop(lanes->ops(), lanes->hostLanes());
  uint64_t trained = 0;
  if (!train(engine, eloop, &trained) || !train(fast, floop, &trained))
    finish(1);
  lloop.run(4 * kL);
  std::printf("# bench_engine: 8 lanes, L = %u, Q = %u; engines trained in %" PRIu64
              " cycles; %u rounds of %" PRIu64 " cycles\n",
              kL, kQ, trained, a.rounds, a.cycles);

  Loop *loops[3] = {&lloop, &eloop, &floop};
  std::vector<double> rate[3], ratio_test, ratio_fast;
  for (unsigned i = 0; i < a.rounds; i++) {
    double t[3];
    for (unsigned k = 0; k < 3; k++) {
      const unsigned d = (i + k) % 3;
      t[d] = timed(*loops[d], a.cycles);
    }
    for (unsigned d = 0; d < 3; d++)
      rate[d].push_back(a.cycles / t[d]);
    ratio_test.push_back(t[0] / t[1]); // engine cycles/s over lanes cycles/s
    ratio_fast.push_back(t[0] / t[2]);
  }
  // the engines measured were doing their job throughout
  if (!clean(engine, eloop, 4 * kL) || !clean(fast, floop, 4 * kL)) {
    std::fprintf(stderr, "bench_engine: an engine's traffic had errors after the rounds\n");
    finish(1);
  }

  Interval test = interval(ratio_test), quick = interval(ratio_fast);
  std::printf("# engine (test build) / lanes cycles per second: median %.4f, 95 %% interval "
              "[%.4f, %.4f]\n",
              test.med, test.lo, test.hi);
  std::printf("# engine (speed-run build) / lanes cycles per second: median %.4f, 95 %% interval "
              "[%.4f, %.4f]; target >= 0.4, floor 0.25: %s\n",
              quick.med, quick.lo, quick.hi,
              quick.med >= 0.4    ? "target met"
              : quick.med >= 0.25 ? "floor met"
                                  : "below floor");
  cpo_bench_report_t *r = cpo_bench_report_create("engine_sim");
  if (!r)
    finish(1);
  cpo_bench_report_add(r, "lanes8_cycles_per_s_median", median(rate[0]), "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_cycles_per_s_median", median(rate[1]), "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_fast_cycles_per_s_median", median(rate[2]), "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_vs_lanes8_ratio_median", test.med, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_fast_vs_lanes8_ratio_median", quick.med, "ratio", true, 0.4,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_fast_vs_lanes8_ratio_ci95_lo", quick.lo, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_fast_vs_lanes8_ratio_ci95_hi", quick.hi, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(r);
  cpo_bench_report_destroy(&r);
  finish(rc == 0 ? 0 : 1);
}
