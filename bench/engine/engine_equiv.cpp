/* The 8/8 engine's speed-run build (cpo_engine_rtl8_fast) looped back on itself (RX = TX delayed
 * by L, as bench_engine), for two jobs of issue 12's D2D streaming work:
 *
 *   bench_engine_equiv hash [CYCLES]    a fixed scenario of CYCLES cycles (default 600000):
 *       training, register reads of both D2D endpoints and the channel every 4096 cycles, and
 *       channel faults (skew, continuous bit errors, an error burst) and a retrain once the link
 *       is up; prints hashes (the event_hash's word hash) of every media TX word, every host lane's
 * counters in every cycle and every register read (cycle, address, data, error). An RTL change that
 * keeps the behaviour bit for bit keeps the three hashes. bench_engine_equiv stream fast|lanes
 * [CYCLES]   trains (fast) then streams CYCLES cycles (default 25000) of the engine or of the lanes
 * design, with callgrind's instrumentation on only for those cycles: `valgrind --tool=callgrind
 * --instr-atstart=no bench_engine_equiv stream fast 25000` counts the instructions of streaming
 * alone (valgrind refuses AVX-512: build it in a tree configured with -DCPO_FAST_MARCH=x86-64-v3).
 */
#include <valgrind/callgrind.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "designs.h"
#include "engine_design.h"

extern "C" {
#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"
#include "cpo/d2dch_regs.h"
#include "cpo/event_hash.h"
}

class Vcpo_engine8_fast;
using EngineDesign8Fast = EngineDesign<Vcpo_engine8_fast, 8, 8>; // bench/engine/CMakeLists.txt

namespace {

constexpr uint32_t kL = 492; // cycles TX -> RX, as bench_engine
constexpr uint32_t kLanes = EngineDesign8Fast::kLanes;

/* A stream of values hashed as the run's event_hash hashes words (cpo/event_hash.h). */
struct Hash {
  cpo_event_hash_t eh;
  Hash() {
    cpo_event_hash_init(&eh);
  }
  void add(uint64_t v) {
    cpo_event_hash_words(&eh, &v, 1);
  }
};

/* A design looped back on itself, a cycle at a time, hashing what it shows. */
class Probe {
public:
  Probe(EngineDesign8Fast &d) : d_(d), ops_(d.ops()), ring_(size_t{kL} * kLanes, 0) {}

  void cycle() {
    uint64_t *words = &ring_[(cycle_ % kL) * kLanes];
    uint64_t rx[kLanes];
    std::copy(words, words + kLanes, rx);
    ops_.step(ops_.self, 1, rx, words);
    for (uint32_t m = 0; m < kLanes; m++)
      tx.add(words[m]);
    for (uint32_t l = 0; l < EngineDesign8Fast::kHostLanes; l++) {
      lanes.add(d_.laneBits(l));
      lanes.add(d_.laneErrors(l));
      lanes.add(d_.laneLocked(l));
    }
    cycle_++;
  }
  void run(uint64_t n) {
    while (n--)
      cycle();
  }
  uint32_t access(bool write, uint32_t addr, uint32_t wdata) {
    ops_.bus_start(ops_.self, write, addr, wdata);
    uint32_t rdata = 0;
    bool err = false;
    do
      cycle();
    while (!ops_.bus_done(ops_.self, &rdata, &err));
    reads.add(cycle_);
    reads.add(addr);
    reads.add(write ? wdata : rdata);
    reads.add(err);
    return rdata;
  }
  uint32_t rd(uint32_t addr) {
    return access(false, addr, 0);
  }
  void wr(uint32_t addr, uint32_t data) {
    access(true, addr, data);
  }
  uint64_t now() const {
    return cycle_;
  }

  Hash tx, lanes, reads;

private:
  EngineDesign8Fast &d_;
  cpo_design_ops_t ops_;
  uint64_t cycle_ = 0;
  std::vector<uint64_t> ring_;
};

/* Both endpoints' status registers and the channel's counters. */
void read_status(Probe &p) {
  const uint32_t bases[2] = {CPO_ADDRMAP_ENGINE_ASIC_D2D_BASE,
                             CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_D2D_BASE};
  for (uint32_t b : bases) {
    for (uint32_t off = CPO_D2D_CONFIG_OFFSET; off <= CPO_D2D_VLD_ERRS_OFFSET; off += 4)
      p.rd(b + off);
    for (uint32_t r = 0; r < 10; r++) {
      p.rd(b + CPO_D2D_LANE_STAT_OFFSET_N(r));
      p.rd(b + CPO_D2D_LANE_ERRS_OFFSET_N(r));
      p.rd(b + CPO_D2D_LANE_MAP_OFFSET_N(r));
    }
  }
  for (uint32_t off : {CPO_D2DCH_A2O_STAT_OFFSET, CPO_D2DCH_A2O_INJECTED_OFFSET,
                       CPO_D2DCH_O2A_STAT_OFFSET, CPO_D2DCH_O2A_INJECTED_OFFSET})
    p.rd(CPO_ADDRMAP_ENGINE_CHANNEL_ADDR(off));
}

int hash(uint64_t total) {
  EngineDesign8Fast d(nullptr);
  Probe p(d);
  uint64_t up_at = 0; // the first status read with the link up
  unsigned fault = 0;
  const auto ch = [](uint32_t off) { return CPO_ADDRMAP_ENGINE_CHANNEL_ADDR(off); };
  while (p.now() < total) {
    p.run(4096 - p.now() % 4096);
    read_status(p);
    if (!up_at && d.linkUp())
      up_at = p.now();
    if (!up_at)
      continue;
    const uint64_t since = p.now() - up_at;
    if (fault == 0 && since >= 10000) { // a skewed wire and continuous bit errors, ASIC -> OE
      p.wr(ch(CPO_D2DCH_A2O_WIRE_OFFSET_N(2)), (7u << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT) | 0x13u);
      p.wr(ch(CPO_D2DCH_A2O_WIRE_OFFSET_N(4)),
           (7u << CPO_D2DCH_A2O_WIRE_EYE_W_SHIFT) | CPO_D2DCH_A2O_WIRE_ERR_EN_MASK);
      p.wr(ch(CPO_D2DCH_A2O_BER_OFFSET), 0x01000000u);
      p.wr(ch(CPO_D2DCH_A2O_CTRL_OFFSET),
           (4u << CPO_D2DCH_A2O_CTRL_EYE_STEP_SHIFT) | (1u << CPO_D2DCH_A2O_CTRL_ERR_MODE_SHIFT));
      fault++;
    } else if (fault == 1 && since >= 40000) { // OE -> ASIC: skew and a burst
      p.wr(ch(CPO_D2DCH_O2A_WIRE_OFFSET_N(1)), (7u << CPO_D2DCH_O2A_WIRE_EYE_W_SHIFT) | 0x25u);
      p.wr(ch(CPO_D2DCH_O2A_WIRE_OFFSET_N(5)),
           (7u << CPO_D2DCH_O2A_WIRE_EYE_W_SHIFT) | CPO_D2DCH_O2A_WIRE_ERR_EN_MASK);
      p.wr(ch(CPO_D2DCH_O2A_BER_OFFSET), 0x40000000u);
      p.wr(ch(CPO_D2DCH_O2A_CTRL_OFFSET),
           (4u << CPO_D2DCH_O2A_CTRL_EYE_STEP_SHIFT) | (2u << CPO_D2DCH_O2A_CTRL_ERR_MODE_SHIFT));
      p.wr(ch(CPO_D2DCH_O2A_BURST_OFFSET), CPO_D2DCH_O2A_BURST_START_MASK | 700u);
      fault++;
    } else if (fault == 2 && since >= 60000) { // retrain with the skews in place
      p.wr(CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_CMD_OFFSET), CPO_D2D_CMD_RETRAIN_MASK);
      fault++;
    } else if (fault == 3 && since >= 150000) { // errors off, counters cleared, reseeded
      p.wr(ch(CPO_D2DCH_A2O_CTRL_OFFSET), 4u << CPO_D2DCH_A2O_CTRL_EYE_STEP_SHIFT);
      p.wr(ch(CPO_D2DCH_SEED_OFFSET), 0x1234567u);
      p.wr(ch(CPO_D2DCH_CTRL_OFFSET), CPO_D2DCH_CTRL_RESEED_MASK);
      p.wr(CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_CMD_OFFSET), CPO_D2D_CMD_CNT_CLEAR_MASK);
      fault++;
    }
  }
  // what the faults did (read after the hashes' last access, not hashed)
  Hash keep = p.reads;
  const uint32_t trains = p.rd(CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_TRAIN_CNT_OFFSET));
  const uint32_t inj_a2o = p.rd(ch(CPO_D2DCH_A2O_INJECTED_OFFSET));
  const uint32_t inj_o2a = p.rd(ch(CPO_D2DCH_O2A_INJECTED_OFFSET));
  const uint32_t errs = p.rd(CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_ACTIVE_ERRS_OFFSET));
  p.reads = keep;
  std::printf("cycles %" PRIu64 " link up at %" PRIu64 " faults %u; ASIC TRAIN_CNT 0x%08x, "
              "injected A2O %u O2A %u, ASIC ACTIVE_ERRS %u\n",
              p.now(), up_at, fault, trains, inj_a2o, inj_o2a, errs);
  std::printf("tx_hash    0x%016" PRIx64 "\nlanes_hash 0x%016" PRIx64 "\nreads_hash 0x%016" PRIx64
              "\n",
              p.tx.eh.h, p.lanes.eh.h, p.reads.eh.h);
  std::fflush(nullptr);
  std::_Exit(0); // Verilator 5.006's teardown of several contexts deadlocks (bench_engine)
}

/* Streams @p cycles of @p ops looped back, in quanta of L/4 as bench_engine. */
void stream(cpo_design_ops_t ops, uint32_t lanes, uint64_t *at, std::vector<uint64_t> &ring,
            uint64_t cycles) {
  const uint32_t q = kL / 4;
  std::vector<uint64_t> rx(size_t{q} * lanes);
  while (cycles > 0) {
    const uint64_t slot = *at % kL;
    const auto n = static_cast<uint32_t>(std::min<uint64_t>({cycles, q, kL - slot}));
    uint64_t *words = &ring[slot * lanes];
    std::copy(words, words + size_t{n} * lanes, rx.begin());
    ops.step(ops.self, n, rx.data(), words);
    *at += n;
    cycles -= n;
  }
}

int stream_one(bool fast, uint64_t cycles) {
  std::unique_ptr<CpoDesign> lanes;
  std::unique_ptr<EngineDesign8Fast> engine;
  CpoDesign *d;
  if (fast)
    d = (engine = std::make_unique<EngineDesign8Fast>(nullptr)).get();
  else
    d = (lanes = cpo_design_create_lanes8(nullptr)).get();
  const uint32_t n = fast ? kLanes : d->hostLanes();
  std::vector<uint64_t> ring(size_t{kL} * n, 0);
  uint64_t at = 0;
  if (fast) {
    while (!engine->linkUp() && at < 400000)
      stream(d->ops(), n, &at, ring, 1000);
  }
  stream(d->ops(), n, &at, ring, 8 * kL);
  CALLGRIND_START_INSTRUMENTATION;
  stream(d->ops(), n, &at, ring, cycles);
  CALLGRIND_STOP_INSTRUMENTATION;
  std::printf("%s: streamed %" PRIu64 " cycles after %" PRIu64 "\n",
              fast ? "engine8_fast" : "lanes8", cycles, at - cycles);
  std::fflush(nullptr);
  std::_Exit(0);
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "hash"))
    return hash(argc >= 3 ? std::strtoull(argv[2], nullptr, 0) : 600000);
  if (argc >= 3 && !std::strcmp(argv[1], "stream") &&
      (!std::strcmp(argv[2], "fast") || !std::strcmp(argv[2], "lanes")))
    return stream_one(!std::strcmp(argv[2], "fast"),
                      argc >= 4 ? std::strtoull(argv[3], nullptr, 0) : 25000);
  std::fprintf(stderr, "usage: %s hash [CYCLES] | stream fast|lanes [CYCLES]\n", argv[0]);
  return 2;
}
