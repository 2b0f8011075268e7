/* The register bus of a simulated design, and the APB3 master protocol behind it.
 * No Verilator here: the C++ clock loop (sim.h) and a SystemC harness both build on these. */
#ifndef CPO_HARNESS_BUS_H
#define CPO_HARNESS_BUS_H

#include <cstdint>

#include "cpo/status.h"

namespace cpo::harness {

/** One 32-bit register access at a time, with a status: how firmware, tests and tools reach a
 *  design, whatever advances its clock. */
class Bus {
public:
  virtual ~Bus() = default;
  /** @param[out] data what the target drove in the access cycle (also on CPO_ERR_BUS).
   *  @return CPO_OK, CPO_ERR_BUS (PSLVERR), or CPO_ERR_TIMEOUT (PREADY never came). */
  virtual cpo_status_t read32(uint32_t addr, uint32_t *data) = 0;
  /** @return as read32; on CPO_ERR_TIMEOUT the transfer was abandoned. */
  virtual cpo_status_t write32(uint32_t addr, uint32_t data) = 0;
};

/** What an APB3 master drives (psel, penable, pwrite, paddr, pwdata). */
struct Apb3Drive {
  bool sel = false;
  bool enable = false;
  bool write = false;
  uint32_t addr = 0;
  uint32_t wdata = 0;
};

/** What an APB3 target answers (pready, pslverr, prdata). */
struct Apb3Answer {
  bool ready = false;
  bool slverr = false;
  uint32_t rdata = 0;
};

/** The APB3 master's protocol, one transfer at a time, free of pins and clock: start() puts a
 *  setup phase on drive(); the edge after it enters the access phase; the access phase ends at
 *  the first edge whose answer (sample(), taken with the clock low and the outputs settled)
 *  has PREADY, or after more than max_wait_cycles access cycles without it (a timeout). */
class Apb3Master {
public:
  static constexpr uint32_t kWaitForever = UINT32_MAX;
  explicit Apb3Master(uint32_t max_wait_cycles = kWaitForever) : max_wait_(max_wait_cycles) {}

  /** Begin a transfer (setup phase until the next edge). @return false if one is in flight. */
  bool start(bool write, uint32_t addr, uint32_t wdata);
  /** The answer in this cycle, before its rising edge. */
  void sample(const Apb3Answer &answer);
  /** After the rising edge: the next phase. */
  void edge();
  const Apb3Drive &drive() const {
    return drive_;
  }
  bool busy() const {
    return phase_ == Phase::Setup || phase_ == Phase::Access;
  }
  bool done() const {
    return phase_ == Phase::Done;
  }
  /** The finished transfer's result, and back to idle.
   *  @param[out] rdata what the target drove in the last access cycle.
   *  @return false (nothing written) if no transfer has finished. */
  bool take(cpo_status_t *status, uint32_t *rdata);
  /** Transfers so far that timed out. */
  uint64_t timeouts() const {
    return timeouts_;
  }

private:
  enum class Phase { Idle, Setup, Access, Done };
  Phase phase_ = Phase::Idle;
  Apb3Drive drive_;
  Apb3Answer answer_;
  bool answered_ = false; // sample() saw PREADY in this access cycle
  uint32_t max_wait_;
  uint32_t waits_ = 0;
  cpo_status_t status_ = CPO_OK;
  uint64_t timeouts_ = 0;
};

} // namespace cpo::harness

#endif
