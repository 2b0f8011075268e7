/* Streaming speed of the engine design alone (rtl/engine 8 host / 8 media lanes, through its
 * design interface, testbenches/engine_design.h) against the lanes design (the design table's
 * lanes8, testbenches/designs.h), side by side in one run: both with RX = TX delayed by L (as
 * `cpoemu run --direct`), no bridge, no physics, stepped in quanta of Q cycles. Issue 12's
 * target: engine >= 0.4 x the lanes design's cycles/s (0.25 x is the floor).
 *
 *   bench_engine [--rounds N] [--cycles C]
 *
 * The engine first trains its D2D link (real timer durations, not timed) and runs until its
 * traffic is error-free; then N paired rounds of C cycles each, alternating which design goes
 * first, so machine noise hits both alike. Reports the median ratio and a distribution-free 95 %
 * interval of it (order statistics), and each design's median cycles/s. Writes engine_sim.json
 * (cpo_bench_report). */
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
  // the lanes design first: destroyed after the engine (the other order deadlocks in
  // Verilator's teardown of the two models' contexts, seen with Verilator 5)
  std::unique_ptr<CpoDesign> lanes = cpo_design_create_lanes8(nullptr);
  EngineDesign8 engine(nullptr);
  Loop eloop(engine.ops(), EngineDesign8::kLanes), lloop(lanes->ops(), lanes->hostLanes());

  // train (untimed): the D2D link up, then its traffic error-free
  uint64_t trained = 0;
  while (!engine.linkUp() && trained < kMaxTrainCycles) {
    eloop.run(1000);
    trained += 1000;
  }
  eloop.run(4 * kL);
  lloop.run(4 * kL);
  if (!engine.linkUp() || !clean(engine, eloop, 4 * kL)) {
    std::fprintf(stderr,
                 "bench_engine: the engine did not train to error-free traffic in %" PRIu64
                 " cycles\n",
                 trained);
    return 1;
  }
  std::printf("# bench_engine: 8 lanes, L = %u, Q = %u; engine trained in %" PRIu64
              " cycles; %u paired rounds of %" PRIu64 " cycles\n",
              kL, kQ, trained, a.rounds, a.cycles);

  std::vector<double> ratio, eng_rate, lane_rate;
  for (unsigned i = 0; i < a.rounds; i++) {
    double te = 0, tl = 0;
    if (i % 2 == 0) {
      te = timed(eloop, a.cycles);
      tl = timed(lloop, a.cycles);
    } else {
      tl = timed(lloop, a.cycles);
      te = timed(eloop, a.cycles);
    }
    ratio.push_back(tl / te); // engine cycles/s over lanes cycles/s
    eng_rate.push_back(a.cycles / te);
    lane_rate.push_back(a.cycles / tl);
  }
  // the engine measured was doing its job throughout
  if (!clean(engine, eloop, 4 * kL)) {
    std::fprintf(stderr, "bench_engine: the engine's traffic had errors after the rounds\n");
    return 1;
  }

  double lo = 0, hi = 0;
  const double med = cpo_bench_median(ratio.data(), ratio.size());
  cpo_bench_median_interval95(ratio.data(), ratio.size(), &lo, &hi);
  std::printf("# engine / lanes cycles per second: median %.4f, 95 %% interval [%.4f, %.4f]; "
              "target >= 0.4, floor 0.25: %s\n",
              med, lo, hi,
              med >= 0.4    ? "target met"
              : med >= 0.25 ? "floor met"
                            : "below floor");
  cpo_bench_report_t *r = cpo_bench_report_create("engine_sim");
  if (!r)
    return 1;
  cpo_bench_report_add(r, "lanes8_cycles_per_s_median", median(lane_rate), "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_cycles_per_s_median", median(eng_rate), "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_vs_lanes8_ratio_median", med, "ratio", true, 0.4,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_vs_lanes8_ratio_ci95_lo", lo, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "engine8_vs_lanes8_ratio_ci95_hi", hi, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(r);
  cpo_bench_report_destroy(&r);
  return rc == 0 ? 0 : 1;
}
