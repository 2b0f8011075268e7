/* RTL simulation speed of the D2D link at 8, 16 and 32 lanes (training, then payload traffic
 * both ways), against the foundation's bare PRBS lanes design (cpo_lanes_top, looped back) in the
 * same run; and, with --build SRC, the clean build time of rtl/'s verilated models.
 *
 *   bench_d2d [--traffic-cycles N] [--build SRC_DIR BUILD_DIR]
 *
 * Writes d2d_sim.json (cpo_bench_report). Lane-bits: payload bits the data lanes carry, both
 * directions for the link; the bare design's lanes carry one direction each. The D2D timers run
 * scaled by 2^-8 (TIMER register), as in the tests. */
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

#include "Vcpo_d2d_link.h"
#include "Vcpo_d2d_link16.h"
#include "Vcpo_d2d_link32.h"
#include "Vcpo_lanes_top.h"
#include "cpo/d2d_regs.h"
#include "cpo/harness/sim.h"
#include "cpo/harness/wide.h"

extern "C" {
#include "bench_report.h"
}

namespace {

constexpr unsigned kWordBits = 16; // bits per D2D lane per cycle
constexpr unsigned kTimerShift = 8;

struct Speed {
  uint64_t train_cycles = 0;
  double train_cycles_per_s = 0;
  double traffic_cycles_per_s = 0;
  double traffic_cycles_per_cpu_s = 0;
  double lane_bits_per_s = 0;
  bool ok = false;
};

double cpu_s() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

/* The endpoints answer in their access cycle; a transfer waiting this long has failed. */
constexpr uint32_t kApbMaxWaitCycles = 100;

template <typename W> void set16(W &w, unsigned lane, uint16_t v) {
  cpo::harness::laneSet(w, lane, kWordBits, v);
}

template <typename V> Speed run_d2d(unsigned lanes, uint64_t traffic_cycles) {
  Speed s;
  cpo::harness::Sim<V> sim;
  V *t = &sim.top();
  cpo::harness::Apb3LoopBus asic(sim, CPO_HARNESS_APB3_PINS(*t, asic_), kApbMaxWaitCycles);
  cpo::harness::Apb3LoopBus oe(sim, CPO_HARNESS_APB3_PINS(*t, oe_), kApbMaxWaitCycles);
  t->rmt_pready_i = 1;
  t->rmt_pslverr_i = 1;
  t->cycles_per_us_i = 1000u << 16; // the 1 GHz clock kTimerShift's figures assume
  cpo::harness::CycleInput<V> cycle_in(sim);
  sim.reset(4);
  const uint32_t timer = CPO_D2D_TIMER_USE_SHIFT_MASK | (kTimerShift << CPO_D2D_TIMER_SHIFT_SHIFT);
  if (asic.write32(CPO_D2D_TIMER_OFFSET, timer) != CPO_OK ||
      oe.write32(CPO_D2D_TIMER_OFFSET, timer) != CPO_OK)
    return s;

  // training: from here to both ends ACTIVE
  double w0 = cpo_bench_now_s();
  uint64_t cycles = 0;
  while (!(t->asic_link_up_o && t->oe_link_up_o) && cycles < 1000000) {
    sim.tick();
    cycles++;
  }
  double w1 = cpo_bench_now_s();
  if (!(t->asic_link_up_o && t->oe_link_up_o))
    return s;
  s.train_cycles = cycles;
  s.train_cycles_per_s = cycles / (w1 - w0);

  // traffic: seeded payload on every lane, both ways; the receivers must deliver it all
  uint64_t x = 0x9e3779b97f4a7c15ull, sent = 0, received = 0;
  w0 = cpo_bench_now_s();
  const double c0 = cpu_s();
  for (uint64_t c = 0; c < traffic_cycles; c++) {
    for (unsigned l = 0; l < lanes; l++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      set16(t->a2o_tx_data_i, l, static_cast<uint16_t>(x));
      set16(t->o2a_tx_data_i, l, static_cast<uint16_t>(x >> 16));
    }
    t->a2o_tx_valid_i = t->a2o_tx_ready_o;
    t->o2a_tx_valid_i = t->o2a_tx_ready_o;
    sent += t->a2o_tx_ready_o + t->o2a_tx_ready_o;
    sim.tick();
    received += t->a2o_rx_valid_o + t->o2a_rx_valid_o;
  }
  w1 = cpo_bench_now_s();
  const double c1 = cpu_s();
  s.traffic_cycles_per_s = traffic_cycles / (w1 - w0);
  s.traffic_cycles_per_cpu_s = traffic_cycles / (c1 - c0);
  s.lane_bits_per_s = s.traffic_cycles_per_s * lanes * kWordBits * 2;
  // everything sent but the few words still in flight arrived
  s.ok = received + 64 >= sent && received > 0;
  return s;
}

struct Bare {
  double cycles_per_s = 0;
  double lane_bits_per_s = 0;
  unsigned bits_per_cycle = 0; // all lanes' bits per cycle
};

Bare run_bare(uint64_t cycles) {
  Bare b;
  cpo::harness::Sim<Vcpo_lanes_top> sim;
  Vcpo_lanes_top *t = &sim.top();
  sim.reset(4);
  const double w0 = cpo_bench_now_s();
  for (uint64_t c = 0; c < cycles; c++) {
    t->rx_data_i = t->tx_data_o; // loopback
    sim.tick();
  }
  const double w1 = cpo_bench_now_s();
  b.bits_per_cycle = static_cast<unsigned>(sizeof(t->tx_data_o) * 8); // NumLanes x WordBits
  b.cycles_per_s = cycles / (w1 - w0);
  b.lane_bits_per_s = b.cycles_per_s * b.bits_per_cycle;
  return b;
}

/* Clean configure and build of rtl/'s verilated models in a fresh directory. */
bool build_time(const std::string &src, const std::string &dir, double *configure_s,
                double *build_s) {
  const std::string rm = "rm -rf '" + dir + "'";
  if (std::system(rm.c_str()) != 0)
    return false;
  const std::string cfg = "cmake -S '" + src + "' -B '" + dir +
                          "' -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > '" + dir + ".log' 2>&1";
  const std::string bld = "cmake --build '" + dir +
                          "' -j2 --target cpo_d2d_rtl cpo_d2d_rtl16 cpo_d2d_rtl32 cpo_d2d_rtl_cov "
                          "cpo_lanes_rtl >> '" +
                          dir + ".log' 2>&1";
  double t0 = cpo_bench_now_s();
  if (std::system(cfg.c_str()) != 0)
    return false;
  double t1 = cpo_bench_now_s();
  if (std::system(bld.c_str()) != 0)
    return false;
  double t2 = cpo_bench_now_s();
  *configure_s = t1 - t0;
  *build_s = t2 - t1;
  std::system(rm.c_str());
  return true;
}

struct Args {
  uint64_t traffic_cycles = 100000;
  const char *src = nullptr, *build_dir = nullptr; // --build: time a clean build
};

/* The command line into @p a; false if it is not understood (said so). */
bool parse_args(int argc, char **argv, Args *a) {
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--traffic-cycles") && i + 1 < argc) {
      a->traffic_cycles = std::strtoull(argv[++i], nullptr, 0);
    } else if (!std::strcmp(argv[i], "--build") && i + 2 < argc) {
      a->src = argv[++i];
      a->build_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--traffic-cycles N] [--build SRC_DIR BUILD_DIR]\n", argv[0]);
      return false;
    }
  }
  return true;
}

/* The simulation speeds: the bare lanes design's, each link width's, and the link against the
 * bare lanes (same run, same lane count). */
void report_speeds(cpo_bench_report_t *r, const Bare &bare, const Speed &x8, const Speed &x16,
                   const Speed &x32) {
  cpo_bench_report_add(r, "lanes_bare_cycles_per_s", bare.cycles_per_s, "cycles/s", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "lanes_bare_lane_bits_per_s", bare.lane_bits_per_s, "bit/s", false, 0,
                       CPO_BETTER_HIGHER);
  const struct {
    const char *name;
    const Speed *s;
  } rows[] = {{"x8", &x8}, {"x16", &x16}, {"x32", &x32}};
  char name[96];
  for (const auto &row : rows) {
    std::snprintf(name, sizeof name, "d2d_%s_train_cycles", row.name);
    cpo_bench_report_add(r, name, static_cast<double>(row.s->train_cycles), "cycles", false, 0,
                         CPO_BETTER_LOWER);
    std::snprintf(name, sizeof name, "d2d_%s_train_cycles_per_s", row.name);
    cpo_bench_report_add(r, name, row.s->train_cycles_per_s, "cycles/s", false, 0,
                         CPO_BETTER_HIGHER);
    std::snprintf(name, sizeof name, "d2d_%s_traffic_cycles_per_s", row.name);
    cpo_bench_report_add(r, name, row.s->traffic_cycles_per_s, "cycles/s", false, 0,
                         CPO_BETTER_HIGHER);
    std::snprintf(name, sizeof name, "d2d_%s_traffic_cycles_per_cpu_s", row.name);
    cpo_bench_report_add(r, name, row.s->traffic_cycles_per_cpu_s, "cycles/s", false, 0,
                         CPO_BETTER_HIGHER);
    std::snprintf(name, sizeof name, "d2d_%s_traffic_lane_bits_per_s", row.name);
    cpo_bench_report_add(r, name, row.s->lane_bits_per_s, "bit/s", false, 0, CPO_BETTER_HIGHER);
  }
  cpo_bench_report_add(r, "d2d_x8_vs_bare_cycles_ratio",
                       x8.traffic_cycles_per_s / bare.cycles_per_s, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  cpo_bench_report_add(r, "d2d_x8_vs_bare_lane_bits_ratio",
                       x8.lane_bits_per_s / bare.lane_bits_per_s, "ratio", false, 0,
                       CPO_BETTER_HIGHER);
  // simulated time per wall second at the 1 GHz datapath clock
  cpo_bench_report_add(r, "d2d_x8_sim_us_per_s", x8.traffic_cycles_per_s / 1e3, "us/s", false, 0,
                       CPO_BETTER_HIGHER);
}

/* The clean build's times; false if it failed (said so). */
bool report_build(cpo_bench_report_t *r, const char *src, const char *build_dir) {
  double cfg_s = 0, bld_s = 0;
  if (!build_time(src, build_dir, &cfg_s, &bld_s)) {
    std::fprintf(stderr, "bench_d2d: the clean build failed (log: %s.log)\n", build_dir);
    return false;
  }
  cpo_bench_report_add(r, "rtl_clean_configure_s", cfg_s, "s", false, 0, CPO_BETTER_LOWER);
  cpo_bench_report_add(r, "rtl_clean_build_s", bld_s, "s", false, 0, CPO_BETTER_LOWER);
  cpo_bench_report_add(r, "rtl_clean_total_s", cfg_s + bld_s, "s", false, 0, CPO_BETTER_LOWER);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  cpo::harness::setArgs(argc, argv);
  Args a;
  if (!parse_args(argc, argv, &a))
    return 2;
  std::printf("# bench_d2d: timers scaled by 2^-%u, %" PRIu64 " traffic cycles per lane count\n",
              kTimerShift, a.traffic_cycles);
  cpo_bench_report_t *r = cpo_bench_report_create("d2d_sim");
  if (!r)
    return 1;

  const Bare bare = run_bare(a.traffic_cycles * 4);
  std::printf("# bare lanes design: %u lane bits per cycle\n", bare.bits_per_cycle);
  const Speed x8 = run_d2d<Vcpo_d2d_link>(8, a.traffic_cycles);
  const Speed x16 = run_d2d<Vcpo_d2d_link16>(16, a.traffic_cycles);
  const Speed x32 = run_d2d<Vcpo_d2d_link32>(32, a.traffic_cycles);
  if (!x8.ok || !x16.ok || !x32.ok) {
    std::fprintf(stderr, "bench_d2d: a link did not train or lost traffic (x8 %d x16 %d x32 %d)\n",
                 x8.ok, x16.ok, x32.ok);
    cpo_bench_report_destroy(&r);
    return 1;
  }
  report_speeds(r, bare, x8, x16, x32);
  if (a.src && !report_build(r, a.src, a.build_dir)) {
    cpo_bench_report_destroy(&r);
    return 1;
  }
  const int rc = cpo_bench_report_write(r);
  cpo_bench_report_destroy(&r);
  return rc == 0 ? 0 : 1;
}
