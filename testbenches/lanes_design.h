/* The verilated lane design (rtl/lanes) behind the synchroniser's design interface. */
#ifndef CPO_LANES_DESIGN_H
#define CPO_LANES_DESIGN_H

#include <cstdint>
#include <memory>

#include "cpo/sync.h"

class VerilatedContext;
class Vcpo_lanes_top;
class VerilatedFstC;

class LanesDesign {
public:
  /** @param trace_path FST file to write, or nullptr. */
  explicit LanesDesign(const char *trace_path);
  ~LanesDesign();
  LanesDesign(const LanesDesign &) = delete;
  LanesDesign &operator=(const LanesDesign &) = delete;

  static constexpr uint32_t kLanes = CPO_LANES_NUM_LANES; // cpo_lanes_top's NumLanes in this build
  static constexpr uint32_t kWordBits = CPO_LANES_WORD_BITS; // and its WordBits

  cpo_design_ops_t ops();
  uint64_t laneBits(uint32_t lane) const;
  uint64_t laneErrors(uint32_t lane) const;
  bool laneLocked(uint32_t lane) const;

private:
  void cycle(const uint64_t *rx, uint64_t *tx);
  static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx);
  static void s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata);
  static bool s_bus_done(void *self, uint32_t *rdata, bool *slverr);

  enum class Bus { Idle, Setup, Access, Done };
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vcpo_lanes_top> top_;
  std::unique_ptr<VerilatedFstC> trace_;
  uint64_t time_ = 0;
  Bus bus_ = Bus::Idle;
  uint32_t rdata_ = 0;
  bool slverr_ = false;
};

#endif
