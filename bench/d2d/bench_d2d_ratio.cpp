/* The 8-lane D2D link's streaming speed as a ratio of the bare PRBS lanes design's (issue 12's
 * streaming target: >= 0.4, floor 0.25), measured side by side: many short paired rounds, each
 * running both designs for the same number of cycles in alternating order, so that a busy
 * machine slows both halves of a pair alike. Prints the median ratio with a 95 % bootstrap
 * interval and writes d2d_ratio.json (cpo_bench_report).
 *
 *   bench_d2d_ratio [--rounds N] [--cycles N]
 *
 * The link trains once (timers scaled by 2^-8) and then streams payload both ways in every
 * round; the lanes design runs looped back, as in bench_d2d. */
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "Vcpo_d2d_link.h"
#include "Vcpo_lanes_top.h"
#include "cpo/d2d_regs.h"
#include "cpo/harness/sim.h"

extern "C" {
#include "bench_report.h"
}

namespace {

using Link = cpo::harness::Sim<Vcpo_d2d_link>;
using Lanes = cpo::harness::Sim<Vcpo_lanes_top>;

/* Cycles per second of @p cycles ticks of @p sim, @p each called before every tick. */
template <typename S, typename F> double rate(S &sim, unsigned cycles, F each) {
  const double t0 = cpo_bench_now_s();
  for (unsigned c = 0; c < cycles; c++) {
    each(sim.top());
    sim.tick();
  }
  return cycles / (cpo_bench_now_s() - t0);
}

/* Both endpoints' timers scaled, then ticks until both ends are ACTIVE; false if they never are.
 * The buses hook into the simulation's edges: they live as long as it does. */
template <typename Bus> bool train(Link &sim, Bus &asic, Bus &oe) {
  Vcpo_d2d_link &t = sim.top();
  t.rmt_pready_i = 1;
  t.rmt_pslverr_i = 1;
  sim.reset(4);
  const uint32_t timer = CPO_D2D_TIMER_USE_SHIFT_MASK | (8u << CPO_D2D_TIMER_SHIFT_SHIFT);
  if (asic.write32(CPO_D2D_TIMER_OFFSET, timer) != CPO_OK ||
      oe.write32(CPO_D2D_TIMER_OFFSET, timer) != CPO_OK)
    return false;
  for (int c = 0; c < 2000000 && !(t.asic_link_up_o && t.oe_link_up_o); c++)
    sim.tick();
  return t.asic_link_up_o && t.oe_link_up_o;
}

/* Payload both ways: a counter in every 16-bit lane word, offered whenever the link is ready. */
void stream(Vcpo_d2d_link &t) {
  static uint32_t n = 0;
  n += 0x9e37;
  for (unsigned i = 0; i < sizeof t.a2o_tx_data_i / sizeof(uint32_t); i++) {
    t.a2o_tx_data_i[i] = n ^ (n << 16);
    t.o2a_tx_data_i[i] = ~n;
  }
  t.a2o_tx_valid_i = t.a2o_tx_ready_o;
  t.o2a_tx_valid_i = t.o2a_tx_ready_o;
}

/* The median of @p xs and a 95 % interval for it (bench_report's, as every benchmark's). */
void median_ci(std::vector<double> xs, double *med, double *lo, double *hi) {
  *med = cpo_bench_median(xs.data(), xs.size());
  cpo_bench_median_interval95(xs.data(), xs.size(), lo, hi);
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  unsigned rounds = 40, cycles = 20000;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc && std::atoi(argv[i + 1]) > 1) {
      rounds = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--cycles") && i + 1 < argc && std::atoi(argv[i + 1]) > 0) {
      cycles = static_cast<unsigned>(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N>1] [--cycles N>0]\n", argv[0]);
      return 2;
    }
  }
  // The link is destroyed first: the other order hangs in Verilator 5.006's scope teardown.
  Lanes lanes;
  Link link;
  lanes.reset(4);
  link.top().cycles_per_us_i = 1000u << 16; // the 1 GHz clock the scaled timers assume
  cpo::harness::CycleInput<Vcpo_d2d_link> cycle_in(link);
  cpo::harness::Apb3LoopBus asic(link, CPO_HARNESS_APB3_PINS(link.top(), asic_), 100);
  cpo::harness::Apb3LoopBus oe(link, CPO_HARNESS_APB3_PINS(link.top(), oe_), 100);
  if (!train(link, asic, oe)) {
    std::fprintf(stderr, "bench_d2d_ratio: the link did not train\n");
    return 1;
  }
  auto loop = [](Vcpo_lanes_top &t) { t.rx_data_i = t.tx_data_o; };
  std::vector<double> ratios, link_rates, lanes_rates;
  for (unsigned r = 0; r < rounds; r++) {
    double l, d;
    if (r % 2) {
      d = rate(link, cycles, stream);
      l = rate(lanes, cycles, loop);
    } else {
      l = rate(lanes, cycles, loop);
      d = rate(link, cycles, stream);
    }
    link_rates.push_back(d);
    lanes_rates.push_back(l);
    ratios.push_back(d / l);
  }
  if (!(link.top().asic_link_up_o && link.top().oe_link_up_o)) {
    std::fprintf(stderr, "bench_d2d_ratio: the link left ACTIVE while streaming\n");
    return 1;
  }
  double med, lo, hi, dmed, dlo, dhi, lmed, llo, lhi;
  median_ci(ratios, &med, &lo, &hi);
  median_ci(link_rates, &dmed, &dlo, &dhi);
  median_ci(lanes_rates, &lmed, &llo, &lhi);
  std::printf("# bench_d2d_ratio: %u paired rounds of %u cycles\n", rounds, cycles);
  std::printf("d2d x8 link   %.0f cycles/s (95%% CI %.0f..%.0f)\n", dmed, dlo, dhi);
  std::printf("lanes design  %.0f cycles/s (95%% CI %.0f..%.0f)\n", lmed, llo, lhi);
  std::printf("link / lanes  %.4f (95%% CI %.4f..%.4f; target >= 0.4, floor 0.25)\n", med, lo, hi);
  cpo_bench_report_t *rep = cpo_bench_report_create("d2d_ratio");
  if (!rep)
    return 1;
  cpo_bench_report_add(rep, "d2d_x8_cycles_per_s", dmed, "cycles/s", false, 0, CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "lanes_cycles_per_s", lmed, "cycles/s", false, 0, CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "d2d_x8_over_lanes_ratio", med, "ratio", true, 0.4, CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "d2d_x8_over_lanes_ratio_ci_low", lo, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(rep, "d2d_x8_over_lanes_ratio_ci_high", hi, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  const int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc == 0 ? 0 : 1;
}
