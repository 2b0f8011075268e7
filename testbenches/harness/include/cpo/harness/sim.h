/* The one Verilated design base: a verilated top (clk_i, rst_ni) in its own VerilatedContext,
 * clocked by a C++ loop. Time is the context's: each clock phase advances it by one unit (a
 * cycle is 2 units). The FST trace stamps each phase with that unit, or, given the real clock
 * (TraceSpec), with the phase's real time in femtoseconds, so a waveform viewer shows the
 * simulated time; a TraceSpec may also record only a window of cycles.
 * Register access goes through an APB3 master on the top's pins (bus.h's protocol). */
#ifndef CPO_HARNESS_SIM_H
#define CPO_HARNESS_SIM_H

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpo/harness/args.h"
#include "cpo/harness/bus.h"
#include "cpo/log.h"
#include "verilated.h"
#include "verilated_fst_c.h"

namespace cpo::harness {

/** Something driven in step with the clock (a bus master): called with the clock low and the
 *  outputs settled, and again after the rising edge. */
class EdgeHook {
public:
  virtual ~EdgeHook() = default;
  virtual void atLowClock() = 0;
  virtual void afterEdge() = 0;
};

/** What a bus master needs from the loop that owns the clock. */
class Clocked {
public:
  virtual ~Clocked() = default;
  void addHook(EdgeHook *hook) {
    hooks_.push_back(hook);
  }
  /** One clock cycle. */
  virtual void cycle() = 0;

protected:
  std::vector<EdgeHook *> hooks_;
};

/** Where a verilated top's APB3 target port is (pins named by the caller). */
template <typename Addr> struct Apb3Pins {
  uint8_t *psel;
  uint8_t *penable;
  uint8_t *pwrite;
  Addr *paddr;
  uint32_t *pwdata;
  const uint32_t *prdata;
  const uint8_t *pready;
  const uint8_t *pslverr;
};

template <typename Addr>
Apb3Pins<Addr> apb3PinsOf(uint8_t *psel, uint8_t *penable, uint8_t *pwrite, Addr *paddr,
                          uint32_t *pwdata, const uint32_t *prdata, const uint8_t *pready,
                          const uint8_t *pslverr) {
  return {psel, penable, pwrite, paddr, pwdata, prdata, pready, pslverr};
}

/** The APB3 target port of @p top whose pins are <prefix>psel_i ... <prefix>pslverr_o. */
#define CPO_HARNESS_APB3_PINS(top, prefix)                                                         \
  cpo::harness::apb3PinsOf(&(top).prefix##psel_i, &(top).prefix##penable_i,                        \
                           &(top).prefix##pwrite_i, &(top).prefix##paddr_i,                        \
                           &(top).prefix##pwdata_i, &(top).prefix##prdata_o,                       \
                           &(top).prefix##pready_o, &(top).prefix##pslverr_o)

/** The port named psel_i ... pslverr_o. */
template <typename Top> auto apb3Pins(Top &t) {
  return CPO_HARNESS_APB3_PINS(t, );
}

/** An Apb3Master on a top's pins, stepped by the clock (add it to the Sim with addHook). */
template <typename Addr> class Apb3Port : public EdgeHook {
public:
  Apb3Port(const Apb3Pins<Addr> &pins, uint32_t max_wait_cycles)
      : pins_(pins), master_(max_wait_cycles) {
    apply();
  }
  Apb3Port(const Apb3Port &) = delete;
  Apb3Port &operator=(const Apb3Port &) = delete;

  /** The setup phase is on the pins at once. @return false if a transfer is in flight. */
  bool start(bool write, uint32_t addr, uint32_t wdata) {
    if (!master_.start(write, addr, wdata))
      return false;
    apply();
    return true;
  }
  bool done() const {
    return master_.done();
  }
  bool take(cpo_status_t *status, uint32_t *rdata) {
    return master_.take(status, rdata);
  }
  uint64_t timeouts() const {
    return master_.timeouts();
  }

  void atLowClock() override {
    if (master_.busy())
      master_.sample({*pins_.pready != 0, *pins_.pslverr != 0, *pins_.prdata});
  }
  void afterEdge() override {
    if (!master_.busy())
      return;
    master_.edge();
    apply();
  }

private:
  void apply() {
    const Apb3Drive &d = master_.drive();
    *pins_.psel = d.sel;
    *pins_.penable = d.enable;
    *pins_.pwrite = d.write;
    *pins_.paddr = static_cast<Addr>(d.addr); // the port's width: upper address bits dropped
    *pins_.pwdata = d.wdata;
  }
  Apb3Pins<Addr> pins_;
  Apb3Master master_;
};

/** The Bus of a C++ loop: each access runs the clock until the transfer completes. */
template <typename Addr> class Apb3LoopBus final : public Bus, public Apb3Port<Addr> {
public:
  Apb3LoopBus(Clocked &clock, const Apb3Pins<Addr> &pins, uint32_t max_wait_cycles)
      : Apb3Port<Addr>(pins, max_wait_cycles), clock_(clock) {
    clock.addHook(this);
  }
  cpo_status_t read32(uint32_t addr, uint32_t *data) override {
    return transfer(false, addr, 0, data);
  }
  cpo_status_t write32(uint32_t addr, uint32_t data) override {
    uint32_t ignored = 0;
    return transfer(true, addr, data, &ignored);
  }

private:
  cpo_status_t transfer(bool write, uint32_t addr, uint32_t wdata, uint32_t *rdata) {
    if (!this->start(write, addr, wdata))
      return CPO_ERR_STATE;
    while (!this->done())
      clock_.cycle();
    cpo_status_t status = CPO_ERR_STATE;
    this->take(&status, rdata);
    return status;
  }
  Clocked &clock_;
};

/** How reset relates to time: Counts (reset cycles take simulated time like any other), or
 *  BeforeZero (they take none and leave no trace: time 0 is the first cycle after reset). */
enum class ResetTime { Counts, BeforeZero };

/** What to trace: the FST file, the real time of a unit (fs_num / fs_den femtoseconds per
 *  clock phase; 0: a unit is 1 ps), and the cycles [first_cycle, end_cycle) to record (the file
 *  is closed, complete, once the window has passed). */
struct TraceSpec {
  const char *path = nullptr;
  uint64_t fs_num = 0, fs_den = 1;
  uint64_t first_cycle = 0, end_cycle = UINT64_MAX;
  /** The time stamp of trace unit @p unit (a clock phase: 2 a cycle). */
  uint64_t stamp(uint64_t unit) const {
    return fs_num ? static_cast<uint64_t>(static_cast<unsigned __int128>(unit) * fs_num / fs_den)
                  : unit;
  }
};

template <typename Top> class Sim final : public Clocked {
public:
  /** @param trace_path FST file to write (the model must be verilated with TRACE_FST), or null. */
  explicit Sim(const char *trace_path = nullptr) : Sim(TraceSpec{trace_path}) {}
  explicit Sim(const TraceSpec &spec) : ctx_(std::make_unique<VerilatedContext>()), spec_(spec) {
    if (argCount() > 0)
      ctx_->commandArgs(argCount(), argValues());
    if (spec.path)
      ctx_->traceEverOn(true);
    top_ = std::make_unique<Top>(ctx_.get(), "top");
    top_->clk_i = 0;
    if (spec.path)
      openTrace(spec.path);
  }
  ~Sim() override {
    if (trace_)
      closeTrace();
    top_->final();
  }
  Sim(const Sim &) = delete;
  Sim &operator=(const Sim &) = delete;

  Top &top() {
    return *top_;
  }
  const Top &top() const {
    return *top_;
  }
  Top *operator->() {
    return top_.get();
  }
  VerilatedContext &context() {
    return *ctx_;
  }
  /** Cycles run (timed reset cycles included). */
  uint64_t cycles() const {
    return cycles_;
  }
  /** The cycle number counted from the end of the last reset (0 in the first cycle after it). */
  uint64_t cyclesSinceReset() const {
    return cycles_ - reset_end_;
  }

  /** One cycle: the clock low and its outputs settled, then @p at_low_clock (sample outputs,
   *  set inputs for the edge), the hooks, then the rising edge. */
  template <typename F> void tick(F &&at_low_clock) {
    top_->clk_i = 0;
    top_->eval();
    dump();
    at_low_clock();
    for (EdgeHook *h : hooks_)
      h->atLowClock();
    ctx_->timeInc(1);
    top_->clk_i = 1;
    top_->eval();
    dump();
    ctx_->timeInc(1);
    cycles_++;
    for (EdgeHook *h : hooks_)
      h->afterEdge();
  }
  void tick() {
    tick([] {});
  }
  void run(uint64_t n) {
    for (uint64_t i = 0; i < n; i++)
      tick();
  }
  void cycle() override {
    tick();
  }
  /** Let @p n cycles pass without clocking (a design with nothing to do per cycle, such as one
   *  whose data path is parked): the cycle count and time move on as if they had run. */
  void skipCycles(uint64_t n) {
    ctx_->timeInc(2 * n);
    cycles_ += n;
  }

  /** rst_ni low for @p n cycles, then released (outputs settled). */
  void reset(unsigned n, ResetTime time = ResetTime::Counts) {
    top_->rst_ni = 0;
    top_->eval();
    for (unsigned i = 0; i < n; i++) {
      if (time == ResetTime::Counts) {
        tick();
        continue;
      }
      top_->clk_i = 0;
      top_->eval();
      top_->clk_i = 1;
      top_->eval();
    }
    top_->rst_ni = 1;
    if (time == ResetTime::BeforeZero)
      top_->clk_i = 0;
    top_->eval();
    reset_end_ = cycles_;
  }

private:
  // Only a model verilated with TRACE_FST has trace(VerilatedFstC *): only it links the writer.
  template <typename T, typename = void> struct Traced : std::false_type {};
  template <typename T>
  struct Traced<
      T, std::void_t<decltype(std::declval<T &>().trace(std::declval<VerilatedFstC *>(), 0))>>
      : std::true_type {};
  struct NoTrace {};
  using Trace = std::conditional_t<Traced<Top>::value, VerilatedFstC, NoTrace>;

  void openTrace(const char *path) {
    if constexpr (Traced<Top>::value) {
      trace_ = std::make_unique<Trace>();
      top_->trace(trace_.get(), 99);
      if (spec_.fs_num)
        trace_->set_time_resolution("1fs"); // the FST's timescale
      trace_->open(path);
    } else {
      cpo_log(CPO_LOG_WARN, "harness",
              "no trace written to %s: this model was verilated "
              "without tracing",
              path);
    }
  }
  void closeTrace() {
    if constexpr (Traced<Top>::value)
      trace_->close();
  }
  void dump() {
    if constexpr (Traced<Top>::value) {
      if (!trace_ || cycles_ < spec_.first_cycle)
        return;
      if (cycles_ >= spec_.end_cycle) { // past the window: the file is complete now
        closeTrace();
        trace_.reset();
        return;
      }
      trace_->dump(spec_.stamp(ctx_->time()));
    }
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
  TraceSpec spec_;
  std::unique_ptr<Trace> trace_;
  uint64_t cycles_ = 0;
  uint64_t reset_end_ = 0;
};

/** Drives a top's cycle_i input, before every edge, with Sim::cyclesSinceReset(): for designs
 *  whose timers are deadlines against the cycle number (rtl/d2d, rtl/cmis). */
template <typename Top> class CycleInput final : public EdgeHook {
public:
  explicit CycleInput(Sim<Top> &sim) : sim_(sim) {
    sim.addHook(this);
  }
  void atLowClock() override {
    sim_.top().cycle_i = sim_.cyclesSinceReset();
  }
  void afterEdge() override {}

private:
  Sim<Top> &sim_;
};

} // namespace cpo::harness

#endif
