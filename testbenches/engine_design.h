/* The verilated engine (rtl/engine, cpo_engine_top) behind the synchroniser's design interface,
 * as LanesDesign is for the lanes design, on the shared design base (testbenches/harness):
 * time 0 is the first datapath cycle after reset, and a cycle is 2 time units.
 *
 * The bridge's lanes are the engine's media lanes (its analog boundary): step sets media_rx_i
 * from rx and reads media_tx_o into tx; DAC presets and ADC codes are indexed by media lane;
 * DAC writes are taken from dac_we_o. Bus accesses go to the engine's one host port (the ENGINE
 * space of rtl/addrmap.toml: cpo/addrmap.h's CPO_ADDRMAP_ENGINE_*). The traffic counters are
 * the ASIC's host lanes (laneBits etc.), which are more than the media lanes behind a gearbox.
 *
 * One class template for every variant; each variant is an instantiation compiled once
 * (testbenches/CMakeLists.txt: the design table's engine rows, cpo_design_engine<h>x<m>), named
 * by the aliases below.
 *
 * Parked time: media_stream_o says which media lanes stream (the OE's STREAM_EN, gated by CMIS
 * data-path state unless CMIS_CTRL.BYPASS). While none does, the bus is idle and settled, and
 * every D2D module is ACTIVE at both ends, nothing in the engine
 * changes but its free-running traffic and CMIS's timers: the synchroniser then skips cycles
 * instead of clocking them, up to next_event_o (next_event), the cycle CMIS or a D2D training
 * timer acts at. A D2D module that trains but only waits (RESET, SBINIT's pattern-off half,
 * TRAINERROR, sideband silent: cpo_d2d_link quiet_o) does not hold the skip back either.
 *
 * The D2D link's time: its 1 ms / 8 ms timers are deadlines against cycle_i, in cycles from
 * cycles_per_us_i (real durations at the run's clock).
 *
 * CMIS's time: cycle_i is the cycle number, set before every clocked cycle (a skip moves it on
 * with the count); cycles_per_us_i comes from the run's datapath clock (the constructor).
 * DPInit's calibration done is the engine's own (OE CAL_DONE, which a preset laser current sets
 * in the first cycle). */
#ifndef CPO_ENGINE_DESIGN_H
#define CPO_ENGINE_DESIGN_H

#include <cstdint>
#include <memory>
#include <vector>

#include "cpo/sync.h"
#include "designs.h"

class Vcpo_engine8;
class Vcpo_engine32x8;
class Vcpo_engine64;
namespace cpo::harness {
template <typename Top> class Sim;
template <typename Addr> class Apb3Port;
} // namespace cpo::harness

template <typename Top, uint32_t HostLanes, uint32_t MediaLanes>
class EngineDesign final : public CpoDesign {
public:
  /** @param trace what to trace, or nullptr; @p cycles_per_us_q16 the datapath clock
   *  (cycles per microsecond, Q16.16) for the CMIS block's timers. */
  explicit EngineDesign(const cpo_design_trace_t *trace,
                        uint32_t cycles_per_us_q16 = CPO_DESIGN_CYCLES_PER_US_Q16_1GHZ);
  ~EngineDesign() override;
  EngineDesign(const EngineDesign &) = delete;
  EngineDesign &operator=(const EngineDesign &) = delete;

  static constexpr uint32_t kHostWordBits = 16;     // the D2D word (cpo_d2d_pkg::WordBits)
  static constexpr uint32_t kHostLanes = HostLanes; // the ASIC's traffic lanes over D2D
  static constexpr uint32_t kLanes = MediaLanes;    // the bridge's lanes: the media lanes
  static constexpr uint32_t kWordBits = kHostWordBits * (HostLanes / MediaLanes); // per media lane
  static_assert(HostLanes % MediaLanes == 0 && kWordBits <= 64, "not an engine variant");

  cpo_design_ops_t ops() override;
  uint32_t hostLanes() const override {
    return kHostLanes;
  }
  /** Host lane @p lane's checker (the ASIC side, after D2D, gearbox and loopback). */
  uint64_t laneBits(uint32_t lane) const override;
  uint64_t laneErrors(uint32_t lane) const override;
  bool laneLocked(uint32_t lane) const override;
  /** Every D2D module's link is up at both ends. */
  bool linkUp() const;
  int linkState() const override;
  bool cmisStates(CpoCmisStates *out) const override;
  void setBoard(const cpo_board_t &board) override;

private:
  // cpo_design_ops_t's calls (ops() binds them)
  void step(uint32_t count, const uint64_t *rx, uint64_t *tx);
  void busStart(bool write, uint32_t addr, uint32_t wdata);
  bool busDone(uint32_t *rdata, bool *slverr);
  bool dacPreset(uint16_t channel, uint16_t index, uint32_t code);
  bool adcSet(uint16_t channel, uint16_t index, uint32_t code);
  uint32_t dacTake(cpo_analog_write_t *out, uint32_t max);
  uint64_t streaming() const;
  bool settled() const;
  uint64_t nextEvent() const;
  void skip(uint64_t count);
  void cycle(const uint64_t *rx, uint64_t *tx);
  void reset();

  uint32_t cycles_per_us_q16_;
  std::unique_ptr<cpo::harness::Sim<Top>> sim_;
  std::unique_ptr<cpo::harness::Apb3Port<uint32_t>> bus_; // stepped by sim_, one at a time
  bool reset_due_ = false;                     // DAC presets changed: reset again before cycle 0
  uint64_t bus_done_at_ = 0;                   // the cycle the last bus transaction completed
  std::vector<cpo_analog_write_t> dac_writes_; // seen on dac_we_o, not yet taken
};

/* The variants the shipped profiles need (rtl/engine/CMakeLists.txt). */
using EngineDesign8 = EngineDesign<Vcpo_engine8, 8, 8>;        // mrm-els-8x200g
using EngineDesign32x8 = EngineDesign<Vcpo_engine32x8, 32, 8>; // oif-3.2t (gearbox 4:1)
using EngineDesign64 = EngineDesign<Vcpo_engine64, 64, 64>;    // mzm-6.4t (two D2D modules)

#endif
