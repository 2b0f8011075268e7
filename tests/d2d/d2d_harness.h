/* A small reusable C++ harness around the verilated die-to-die link (cpo_d2d_link): clock,
 * APB register access on the three ports, the register tunnel, the training log, channel
 * faults and payload lanes. Register offsets come from the generated headers
 * (cpo/d2d_regs.h, cpo/d2dch_regs.h); nothing here writes an offset by hand. Clock, time,
 * the APB3 masters and lane words are the shared design base's (testbenches/harness).
 * +trace on the command line (cpo::harness::setArgs) writes <name>.fst; coverage (in a
 * --coverage build) is written by the caller after a pass. */
#ifndef CPO_D2D_HARNESS_H
#define CPO_D2D_HARNESS_H

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpo/addrmap.h"
#include "cpo/d2d_regs.h"
#include "cpo/d2dch_regs.h"
#include "cpo/harness/args.h"

/* The verilated model class: Vcpo_d2d_link (8 lanes) unless the build says otherwise. */
#ifndef CPO_D2D_MODEL
#define CPO_D2D_MODEL Vcpo_d2d_link
#endif
class CPO_D2D_MODEL;
namespace cpo::harness {
template <typename Top> class Sim;
template <typename Top> class CycleInput;
template <typename Addr> class Apb3LoopBus;
} // namespace cpo::harness

namespace cpo_d2d {

enum class Port { Asic, Oe, Ch };

/* Tests run the link with its 1 ms / 8 ms timers divided by 2^kTestTimerShift. */
constexpr unsigned kTestTimerShift = 8;
/* Datapath cycles per simulated second at the design's 1 GHz datapath clock. */
constexpr double kCyclesPerSecond = 1e9;
/* The same clock as the link's cycles_per_us_i (Q16.16): 1 ms is 10^6 cycles before scaling. */
constexpr uint32_t kCyclesPerUsQ16 = 1000u << 16;

/* UCIe LTSM state codes (shared/D2D.md): cpo_d2d_ltsm_state_t, generated from d2d.regs.toml. */

/* Payload traffic counters of one direction (index 0 ASIC->OE, 1 OE->ASIC). */
struct TrafficStats {
  uint64_t sent[2] = {0, 0};
  uint64_t received[2] = {0, 0};
  uint64_t mismatches[2] = {0, 0};
  uint64_t err_cycles[2] = {0, 0};
  uint64_t left_over[2] = {0, 0}; // sent but never received
};

struct LogEntry {
  uint32_t cycle;
  unsigned from;
  unsigned to;
};

/* The states a clean training visits, in order (the nominal test checks the log against it). */
extern const std::vector<unsigned> kNominalSequence;

const char *state_name(unsigned code);

class Harness {
public:
  explicit Harness(const std::string &name);
  ~Harness();
  Harness(const Harness &) = delete;
  Harness &operator=(const Harness &) = delete;

  /** Assert reset for a few cycles and release it. */
  void reset();
  void tick(uint64_t n = 1);
  uint64_t cycle() const;

  /** One APB transfer; returns false when the target answered pslverr. */
  bool apb(Port p, bool write, uint16_t addr, uint32_t wdata, uint32_t *rdata);
  uint32_t rd(Port p, uint16_t addr);
  void wr(Port p, uint16_t addr, uint32_t value);

  unsigned state(Port p) const;
  bool run_until(const std::function<bool()> &cond, uint64_t max_cycles);
  /** Run until both ends are ACTIVE; false after max_cycles. */
  bool run_until_active(uint64_t max_cycles);

  /** Pop every entry of an endpoint's training log. */
  std::vector<LogEntry> drain_log(Port p);
  static void print_log(const char *who, const std::vector<LogEntry> &log);

  /** Register access to the OE side through the ASIC's sideband tunnel.
   *  @return 0 success, -1 error completion, -2 timeout. */
  int tunnel(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata);

  /** What the target behind the OE's tunnel window (rmt_* port) answers: always ready. */
  void set_remote_target(uint32_t rdata, bool error);

  /** Channel wire configuration (d2dch A2O_WIRE/O2A_WIRE). */
  void set_wire(bool a2o, unsigned wire, unsigned skew, unsigned eye_w, bool stuck = false,
                bool stuck_val = false, bool open = false, bool err_en = false);

  /** Payload and observation lanes. */
  void set_tx(bool a2o, unsigned lane, uint16_t word);
  void set_tx_valid(bool a2o, bool valid);
  bool tx_ready(bool a2o) const;
  bool rx_valid(bool a2o) const;
  bool rx_err(bool a2o) const;
  uint16_t rx_word(bool a2o, unsigned lane) const;
  /** What a transmitter puts on wire w (a2o: the ASIC's, else the OE's). */
  uint16_t wire_word(bool a2o, unsigned wire) const;

  unsigned lanes() const {
    return lanes_;
  }
  unsigned spare() const {
    return spare_;
  }
  unsigned phys() const {
    return lanes_ + spare_;
  }
  unsigned timer_shift() const {
    return timer_shift_;
  }

  /** Send seeded random payload both ways for @p cycles on the logical lanes in use, then drain;
   *  every received word is compared with what was sent, in order. */
  TrafficStats traffic(uint64_t cycles, uint64_t seed);

  /** End of a passing scenario: in a --coverage build, write <dir>/<name>.dat for the coverage
   *  test (dir: $CPO_D2D_COVERAGE_DIR, default d2d_cov). */
  void pass();

  CPO_D2D_MODEL &top();

private:
  const CPO_D2D_MODEL &top() const;

  std::string name_;
  std::unique_ptr<cpo::harness::Sim<CPO_D2D_MODEL>> sim_;
  std::unique_ptr<cpo::harness::CycleInput<CPO_D2D_MODEL>> cycle_in_; // the link's cycle_i
  std::unique_ptr<cpo::harness::Apb3LoopBus<uint16_t>> bus_[3];       // indexed by Port
  unsigned lanes_ = 0;
  unsigned spare_ = 0;
  unsigned timer_shift_ = 0;
};

} // namespace cpo_d2d

#endif
