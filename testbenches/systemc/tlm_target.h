/* A design's management port as a TLM-2.0 target (README "SystemC and TLM-2.0"): a SystemC
 * virtual platform's own firmware model reaches the engine's registers and CMIS bytes (the
 * ENGINE space of rtl/addrmap.toml, cpo/addrmap.h; CMIS byte k at CPO_ADDRMAP_ENGINE_OE_BASE +
 * CPO_ADDRMAP_CMIS_BASE + 4k) through a tlm_utils::simple_target_socket.
 *
 * Loosely timed: the engine keeps its own time, its cycle count times the clock period, and runs
 * only when it is accessed. b_transport first brings the engine up to the initiator's time
 * (sc_time_stamp() + delay: clocked, or skipped while the design is parked and settled, up to
 * its next event), then performs each 32-bit word as one APB3 transfer, clocked until the
 * target answers, and returns with delay annotated to the engine's time after the last transfer:
 * the management bus cost (a register: a few cycles; a CMIS byte: its two-wire bus time, 39 us
 * for a read). The caller's thread evaluates the model in delta cycles (engine_sc.h), so
 * sc_time_stamp() does not move inside b_transport.
 *
 * transport_dbg performs the same transfers at the engine's current time, without catching up
 * and without annotation; the engine's clock runs the cycles they take.
 *
 * Without a model the media lanes are looped back digitally (RX = the previous cycle's TX). */
#ifndef CPO_SYSTEMC_TLM_TARGET_H
#define CPO_SYSTEMC_TLM_TARGET_H

#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "cpo/sync.h"

namespace cpo::systemc {

class MgmtTarget : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<MgmtTarget> socket;

  /** @param ops the design (its ops(): the SystemC or the C++ harness); @p lanes its media
   *  lanes; @p period one datapath cycle. */
  MgmtTarget(sc_core::sc_module_name name, const cpo_design_ops_t &ops, uint32_t lanes,
             const sc_core::sc_time &period);

  /** The engine's time: cycles run or skipped since reset. */
  uint64_t cycles() const {
    return cycles_;
  }
  sc_core::sc_time engineTime() const {
    return period_ * static_cast<double>(cycles_);
  }

private:
  void b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload &trans);
  // The payload's checks; TLM_OK_RESPONSE if it is one the port can carry.
  tlm::tlm_response_status check(const tlm::tlm_generic_payload &trans) const;
  // Each word as one bus transfer; the bytes done.
  unsigned int transfer(tlm::tlm_generic_payload &trans);
  void catchUp(uint64_t cycle);
  void step();

  cpo_design_ops_t ops_;
  sc_core::sc_time period_;
  std::vector<uint64_t> rx_, tx_;
  std::vector<cpo_analog_write_t> dac_; // drained after each step (no model takes them)
  uint64_t cycles_ = 0;
};

} // namespace cpo::systemc

#endif
