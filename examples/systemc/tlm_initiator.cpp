/* A SystemC virtual platform's firmware model reaching the engine through its TLM-2.0
 * management target (README "SystemC and TLM-2.0"): it reads the OE's ID register and CMIS
 * bytes (the identifier and revision the C and Python hosts read through cpoemu: 0x80, 0x52),
 * takes the engine out of CMIS low power, and prints each access's annotated time (a CMIS read
 * costs at least its 39 us of two-wire bus time).
 *
 *   build/examples/systemc/cpo_tlm_initiator
 *
 * Exit status 0 if every access answered and the values are the engine's; 1 otherwise. */
#include <cinttypes>
#include <cstdio>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/oe_regs.h"
#include "sc_design.h"
#include "tlm_target.h"

namespace {

// The engine's addresses (ENGINE space): the OE's registers and CMIS byte k, one per word.
constexpr uint32_t kOeMgmt = CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE;
constexpr uint32_t cmisByte(uint32_t k) {
  return CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_CMIS_BASE + 4 * k;
}
// A 1 GHz datapath clock (cpo_design_cycles_per_us_q16 of a run's profile sets another).
const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

SC_MODULE(Firmware) {
  tlm_utils::simple_initiator_socket<Firmware> socket;
  sc_core::sc_time local; // time ahead of sc_time_stamp(), as the target annotated it
  sc_core::sc_time took;  // the last access's annotation
  int failures = 0;

  SC_CTOR(Firmware) : socket("socket") {
    SC_THREAD(run);
  }

  // One 32-bit access; false (said why) if the target did not answer OK.
  bool access(tlm::tlm_command cmd, uint32_t addr, uint32_t * data, const char *what) {
    tlm::tlm_generic_payload t;
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(reinterpret_cast<unsigned char *>(data));
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const sc_core::sc_time before = local;
    socket->b_transport(t, local);
    if (!t.is_response_ok()) {
      std::printf("%-28s 0x%07x: %s\n", what, addr, t.get_response_string().c_str());
      failures++;
      return false;
    }
    took = local - before;
    std::printf("%-28s 0x%07x = 0x%08" PRIx32 "  (+%s)\n", what, addr, *data,
                took.to_string().c_str());
    return true;
  }
  void expect(bool ok, const char *what) {
    if (!ok) {
      std::printf("unexpected: %s\n", what);
      failures++;
    }
  }

  void run() {
    uint32_t id = 0, ident = 0, rev = 0, state = 0, control = 0, back = 0;
    if (access(tlm::TLM_READ_COMMAND, kOeMgmt + CPO_OE_ID_OFFSET, &id, "OE ID"))
      expect(id == CPO_OE_ID_RESET, "the OE's ID is \"CPOO\"");
    if (access(tlm::TLM_READ_COMMAND, cmisByte(CPO_CMIS_LOWER_IDENTIFIER_OFFSET), &ident,
               "CMIS identifier (byte 0)")) {
      expect(ident == CPO_CMIS_LOWER_IDENTIFIER_RESET, "identifier 0x80 (co-packaged)");
      expect(took >= sc_core::sc_time(39, sc_core::SC_US), "a CMIS read costs its 39 us");
    }
    if (access(tlm::TLM_READ_COMMAND, cmisByte(CPO_CMIS_LOWER_REVISION_OFFSET), &rev,
               "CMIS revision (byte 1)"))
      expect(rev == CPO_CMIS_LOWER_REVISION_RESET, "CMIS revision 5.2");
    if (access(tlm::TLM_READ_COMMAND, cmisByte(CPO_CMIS_LOWER_MODULE_STATE_OFFSET), &state,
               "CMIS module state (byte 3)")) {
      state = (state & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >>
              CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT;
      std::printf("module state %" PRIu32 " (1 ModuleLowPwr, 2 ModulePwrUp, 3 ModuleReady)\n",
                  state);
      expect(state >= 1 && state <= 5, "a CMIS module state");
    }
    // Leave low power: LowPwrRequestSW (bit 4 of byte 26) cleared, and read back.
    if (access(tlm::TLM_READ_COMMAND, cmisByte(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET), &control,
               "CMIS module control (26)") &&
        access(tlm::TLM_WRITE_COMMAND, cmisByte(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET),
               &(control = control & ~0x10u), "  write LowPwrRequestSW=0") &&
        access(tlm::TLM_READ_COMMAND, cmisByte(CPO_CMIS_LOWER_MODULE_CONTROL_OFFSET), &back,
               "  read back"))
      expect(back == control, "the written module control reads back");
    // The debug interface: the same register, no time annotated.
    tlm::tlm_generic_payload t;
    uint32_t dbg = 0;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(kOeMgmt + CPO_OE_ID_OFFSET);
    t.set_data_ptr(reinterpret_cast<unsigned char *>(&dbg));
    t.set_data_length(4);
    t.set_streaming_width(4);
    const unsigned n = socket->transport_dbg(t);
    std::printf("%-28s 0x%07x = 0x%08" PRIx32 "  (%u bytes)\n", "OE ID (transport_dbg)",
                kOeMgmt + CPO_OE_ID_OFFSET, dbg, n);
    expect(n == 4 && dbg == CPO_OE_ID_RESET, "transport_dbg reads the ID");
    wait(local); // synchronise with the engine's time before the end
    std::printf("done at %s, %d failure(s)\n", sc_core::sc_time_stamp().to_string().c_str(),
                failures);
  }
};

} // namespace

int sc_main(int, char **) {
  char why[400];
  // The engine first (its model is built during elaboration), then the platform around it.
  std::unique_ptr<CpoDesign> engine =
      cpo_systemc_platform_design_create(CPO_DESIGN_CYCLES_PER_US_Q16_1GHZ, why, sizeof why);
  if (!engine) {
    std::fprintf(stderr, "cpo_tlm_initiator: %s\n", why);
    return 1;
  }
  cpo::systemc::MgmtTarget target("engine_mgmt", engine->ops(), 8, kPeriod);
  Firmware firmware("firmware");
  firmware.socket.bind(target.socket);
  sc_core::sc_start();
  return firmware.failures == 0 ? 0 : 1;
}
