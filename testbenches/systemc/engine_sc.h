/* The SystemC harness of the engine (rtl/engine verilated with --sc): the same design adapter
 * (engine_design.h's EngineDesign) as the C++ harness, which reaches the model through
 * cpo::harness::Sim<Top>; here Top is EnginePins, plain fields named and typed as the C++
 * model's ports, and Sim<EnginePins> (below) copies them to and from the sc_module's signals
 * around each evaluation. Only the clocking differs from the C++ loop:
 *
 * - outside the kernel (cpoemu's synchroniser): sc_start(half period) per clock phase (a cycle
 *   is 2 ps, as the C++ harness's time unit per phase; the reset's phases come first); a skip
 *   moves sc_time on by the skipped cycles;
 * - inside a SystemC thread (a TLM initiator's b_transport, tlm_target.h): each phase settles in
 *   delta cycles and the engine's time is its cycle count, ahead of sc_time_stamp() (loosely
 *   timed: the target annotates the difference).
 *
 * Waveforms (TraceSpec) as the C++ harness writes them: the model verilated with --trace-fst,
 * named "top", dumped after each phase's evaluation with the same time stamps (2 units a cycle,
 * skipped cycles included, the reset's phases before time 0), so the file and what
 * cpo_trace_finish makes of it are the C++ harness's, signal for signal.
 *
 * One SystemC kernel per process: the model is built during elaboration, so a process makes one
 * such design (a second is refused: sc_design.h says so). Made for a virtual platform
 * (deferReset), the reset waits for the kernel to run: the platform's other modules are built
 * after the design, and the first access to the pins resets it, in delta cycles. */
#ifndef CPO_SYSTEMC_ENGINE_SC_H
#define CPO_SYSTEMC_ENGINE_SC_H

#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include <systemc>
#include <verilated_fst_c.h>

#include "cpo/addrmap.h"
#include "cpo/analog_channels.h"
#include "cpo/harness/sim.h"
#include "cpo/log.h"
#include "cpo_engine_top_ports.h"

namespace cpo::systemc {

/** The C++ model's type for a port of @p W bits (verilated.h's CData ... VlWide). */
template <uint32_t W>
using VlPort = std::conditional_t<
    W <= 8, CData,
    std::conditional_t<
        W <= 16, SData,
        std::conditional_t<W <= 32, IData,
                           std::conditional_t<W <= 64, QData, VlWide<(W + 31) / 32>>>>>;
/** The --sc model's type for it (Verilator's default pins: bool, uint32_t, uint64_t, sc_bv). */
template <uint32_t W>
using ScPort = std::conditional_t<
    W == 1, bool,
    std::conditional_t<W <= 32, uint32_t, std::conditional_t<W <= 64, uint64_t, sc_dt::sc_bv<W>>>>;

template <uint32_t W> void toSc(const VlPort<W> &v, sc_core::sc_signal<ScPort<W>> &s) {
  if constexpr (W <= 64) {
    s.write(static_cast<ScPort<W>>(v));
  } else {
    sc_dt::sc_bv<W> bv;
    for (uint32_t i = 0; i < (W + 31) / 32; i++)
      bv.set_word(static_cast<int>(i), v[i]);
    s.write(bv);
  }
}
template <uint32_t W> void fromSc(const sc_core::sc_signal<ScPort<W>> &s, VlPort<W> &v) {
  if constexpr (W <= 64) {
    v = static_cast<VlPort<W>>(s.read());
  } else {
    const sc_dt::sc_bv<W> &bv = s.read();
    for (uint32_t i = 0; i < (W + 31) / 32; i++)
      v[i] = bv.get_word(static_cast<int>(i));
  }
}
template <uint32_t W> bool same(const VlPort<W> &a, const VlPort<W> &b) {
  if constexpr (W <= 64)
    return a == b;
  else
    return std::memcmp(a.data(), b.data(), sizeof(EData) * ((W + 31) / 32)) == 0;
}

/* cpo_engine_top's parameters and ports, generated from rtl/engine/cpo_engine_top.sv
 * (gen_sc_ports.py): X(name, width) for each, the width in terms of Params. */
#define CPO_SC_ENGINE_INPUTS(X) CPO_SC_ENGINE_TOP_INPUTS(X, Params)
#define CPO_SC_ENGINE_OUTPUTS(X) CPO_SC_ENGINE_TOP_OUTPUTS(X, Params)

/** The engine's ports as the C++ model has them; @p Model (the --sc model) only names it. */
template <typename Model, uint32_t H, uint32_t M> struct EnginePins {
  using Params = CpoEngineTopParams<H, M>;
#define CPO_SC_FIELD(name, w) VlPort<(w)> name{};
  CPO_SC_ENGINE_INPUTS(CPO_SC_FIELD)
  CPO_SC_ENGINE_OUTPUTS(CPO_SC_FIELD)
#undef CPO_SC_FIELD
};

/** The --sc model, its signals, and the clocking described at the top. */
template <typename Model, uint32_t H, uint32_t M> class EngineScSim : public harness::Clocked {
public:
  using Pins = EnginePins<Model, H, M>;
  using Params = typename Pins::Params;

  explicit EngineScSim(const char *trace_path) : EngineScSim(harness::TraceSpec{trace_path}) {}
  explicit EngineScSim(const harness::TraceSpec &trace) : spec_(trace) {
    if (spec_.path)
      Verilated::traceEverOn(true); // before the model: it registers its trace callbacks
    model_ = std::make_unique<Model>("top");
#define CPO_SC_BIND(name, w) model_->name(sig_.name);
    CPO_SC_ENGINE_INPUTS(CPO_SC_BIND)
    CPO_SC_ENGINE_OUTPUTS(CPO_SC_BIND)
#undef CPO_SC_BIND
  }
  ~EngineScSim() override {
    if (trace_)
      trace_->close();
    model_->final();
  }
  EngineScSim(const EngineScSim &) = delete;
  EngineScSim &operator=(const EngineScSim &) = delete;

  /** The next EngineScSim made resets when the kernel runs, not at once (a platform's). */
  static void deferReset(bool defer) {
    s_defer_reset = defer;
  }

  Pins &top() {
    resetIfDue();
    return pins_;
  }
  const Pins &top() const {
    const_cast<EngineScSim *>(this)->resetIfDue();
    return pins_;
  }
  uint64_t cycles() const {
    return cycles_;
  }

  /** As harness::Sim::tick: the clock low and the outputs settled, @p at_low_clock, the hooks,
   *  the rising edge, the hooks. */
  template <typename F> void tick(F &&at_low_clock) {
    resetIfDue();
    pins_.clk_i = 0;
    eval();
    dump(2 * cycles_);
    at_low_clock();
    for (harness::EdgeHook *h : hooks_)
      h->atLowClock();
    pins_.clk_i = 1;
    eval();
    dump(2 * cycles_ + 1);
    cycles_++;
    for (harness::EdgeHook *h : hooks_)
      h->afterEdge();
  }
  void tick() {
    tick([] {});
  }
  void cycle() override {
    tick();
  }
  /** As harness::Sim::skipCycles: the kernel's time moves on too (outside a thread). */
  void skipCycles(uint64_t n) {
    resetIfDue();
    cycles_ += n;
    if (n > 0 && !inThread())
      sc_core::sc_start(kHalf * static_cast<double>(2 * n));
  }
  /** As harness::Sim::reset. BeforeZero: the reset cycles are not counted (sc_time still
   *  moves on by them: the kernel warns of a zero-time sc_start without activity). */
  void reset(unsigned n, harness::ResetTime time) {
    if (defer_reset_) {
      reset_due_ = true;
      reset_cycles_ = n;
      reset_time_ = time;
      return;
    }
    pins_.rst_ni = 0;
    eval();
    for (unsigned i = 0; i < n; i++) {
      if (time == harness::ResetTime::Counts) {
        tick();
        continue;
      }
      pins_.clk_i = 0;
      eval();
      pins_.clk_i = 1;
      eval();
    }
    pins_.rst_ni = 1;
    pins_.clk_i = 0;
    eval();
  }

private:
  const sc_core::sc_time kHalf{1, sc_core::SC_PS}; // a member: sc_time needs the kernel
  static inline bool s_defer_reset = false;

  // The trace opens once the model is elaborated (its first evaluation), as the C++ model's
  // would on construction; stamps as harness::Sim's: fs from the spec's clock, or 1 ps a unit.
  void dump(uint64_t unit) {
    if (!spec_.path)
      return;
    if (!trace_ && !trace_done_) {
      trace_ = std::make_unique<VerilatedFstC>();
      model_->trace(trace_.get(), 99);
      if (spec_.fs_num)
        trace_->set_time_resolution("1fs");
      trace_->open(spec_.path);
    }
    if (!trace_ || cycles_ < spec_.first_cycle)
      return;
    if (cycles_ >= spec_.end_cycle) { // past the window: the file is complete now
      trace_->close();
      trace_.reset();
      trace_done_ = true;
      return;
    }
    trace_->dump(spec_.stamp(unit));
  }

  void resetIfDue() {
    if (!reset_due_ || sc_core::sc_get_status() == sc_core::SC_ELABORATION)
      return;
    reset_due_ = defer_reset_ = false;
    reset(reset_cycles_, reset_time_);
  }

  static bool inThread() {
    sc_core::sc_process_handle p = sc_core::sc_get_current_process_handle();
    return p.valid() && p.proc_kind() == sc_core::SC_THREAD_PROC_;
  }
  // The changed inputs onto the signals, the model evaluated (for half a period outside the
  // kernel, in delta cycles inside a thread), its outputs back into the pins.
  void eval() {
#define CPO_SC_IN(name, w)                                                                         \
  if (!same<(w)>(pins_.name, written_.name)) {                                                     \
    toSc<(w)>(pins_.name, sig_.name);                                                              \
    written_.name = pins_.name;                                                                    \
  }
    CPO_SC_ENGINE_INPUTS(CPO_SC_IN)
#undef CPO_SC_IN
    if (inThread()) {
      // the inputs update, the model evaluates, its outputs update: two deltas
      sc_core::wait(sc_core::SC_ZERO_TIME);
      sc_core::wait(sc_core::SC_ZERO_TIME);
    } else {
      sc_core::sc_start(kHalf);
    }
#define CPO_SC_OUT(name, w) fromSc<(w)>(sig_.name, pins_.name);
    CPO_SC_ENGINE_OUTPUTS(CPO_SC_OUT)
#undef CPO_SC_OUT
  }

  struct Signals {
#define CPO_SC_SIGNAL(name, w) sc_core::sc_signal<ScPort<(w)>> name{#name};
    CPO_SC_ENGINE_INPUTS(CPO_SC_SIGNAL)
    CPO_SC_ENGINE_OUTPUTS(CPO_SC_SIGNAL)
#undef CPO_SC_SIGNAL
  };
  Signals sig_;
  std::unique_ptr<Model> model_;
  harness::TraceSpec spec_;
  std::unique_ptr<VerilatedFstC> trace_;
  bool trace_done_ = false;
  Pins pins_;
  Pins written_; // the inputs last written to the signals (all zero, as the signals start)
  uint64_t cycles_ = 0;
  bool defer_reset_ = s_defer_reset;
  bool reset_due_ = false;
  unsigned reset_cycles_ = 0;
  harness::ResetTime reset_time_ = harness::ResetTime::Counts;
};

} // namespace cpo::systemc

/* The design adapter's Sim<Top> for these pins is the SystemC one. */
namespace cpo::harness {
template <typename Model, uint32_t H, uint32_t M>
class Sim<systemc::EnginePins<Model, H, M>> final : public systemc::EngineScSim<Model, H, M> {
public:
  using systemc::EngineScSim<Model, H, M>::EngineScSim;
};
} // namespace cpo::harness

#endif
