#include "tlm_target.h"

#include <algorithm>
#include <cstring>

#include "cpo/addrmap.h"

namespace cpo::systemc {

namespace {
constexpr uint32_t kWordBytes = 4;
constexpr uint32_t kDacBatch = 64;
} // namespace

MgmtTarget::MgmtTarget(sc_core::sc_module_name name, const cpo_design_ops_t &ops, uint32_t lanes,
                       const sc_core::sc_time &period)
    : sc_core::sc_module(name), socket("socket"), ops_(ops), period_(period), rx_(lanes),
      tx_(lanes), dac_(kDacBatch) {
  socket.register_b_transport(this, &MgmtTarget::b_transport);
  socket.register_transport_dbg(this, &MgmtTarget::transport_dbg);
}

// One clocked cycle; the media lanes looped back (no model), the DAC writes dropped.
void MgmtTarget::step() {
  ops_.step(ops_.self, 1, rx_.data(), tx_.data());
  rx_ = tx_;
  cycles_++;
  if (ops_.dac_take)
    while (ops_.dac_take(ops_.self, dac_.data(), kDacBatch) == kDacBatch) {
    }
}

// Up to @p cycle: skipped where the synchroniser would skip (parked, settled, before the
// design's next event), clocked otherwise.
void MgmtTarget::catchUp(uint64_t cycle) {
  while (cycles_ < cycle) {
    const bool parked = ops_.streaming && ops_.skip && ops_.streaming(ops_.self) == 0;
    const bool settled = !ops_.settled || ops_.settled(ops_.self);
    const uint64_t due = ops_.next_event ? ops_.next_event(ops_.self) : UINT64_MAX;
    if (parked && settled && due > cycles_) {
      const uint64_t n = std::min(cycle, due) - cycles_;
      ops_.skip(ops_.self, n);
      std::fill(rx_.begin(), rx_.end(), 0); // dark while parked
      cycles_ += n;
      continue;
    }
    step();
  }
}

tlm::tlm_response_status MgmtTarget::check(const tlm::tlm_generic_payload &trans) const {
  const tlm::tlm_command cmd = trans.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND)
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  if (trans.get_byte_enable_ptr())
    return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  const unsigned len = trans.get_data_length();
  if (len == 0 || len % kWordBytes != 0 || trans.get_streaming_width() < len)
    return tlm::TLM_BURST_ERROR_RESPONSE;
  const uint64_t addr = trans.get_address();
  if (addr % kWordBytes != 0 || addr + len > (uint64_t{1} << CPO_ADDRMAP_ENGINE_ADDR_BITS))
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  return tlm::TLM_OK_RESPONSE;
}

unsigned int MgmtTarget::transfer(tlm::tlm_generic_payload &trans) {
  const bool write = trans.get_command() == tlm::TLM_WRITE_COMMAND;
  unsigned char *data = trans.get_data_ptr();
  const unsigned len = trans.get_data_length();
  for (unsigned off = 0; off < len; off += kWordBytes) {
    uint32_t word = 0;
    if (write)
      std::memcpy(&word, data + off, kWordBytes); // the host's byte order, as a CPU's store
    ops_.bus_start(ops_.self, write, static_cast<uint32_t>(trans.get_address() + off), word);
    uint32_t rdata = 0;
    bool slverr = false;
    do
      step();
    while (!ops_.bus_done(ops_.self, &rdata, &slverr));
    if (slverr) {
      trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return off;
    }
    if (!write)
      std::memcpy(data + off, &rdata, kWordBytes);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return len;
}

void MgmtTarget::b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay) {
  const tlm::tlm_response_status st = check(trans);
  if (st != tlm::TLM_OK_RESPONSE) {
    trans.set_response_status(st);
    return;
  }
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  catchUp(static_cast<uint64_t>((now + delay) / period_));
  transfer(trans);
  const sc_core::sc_time done = engineTime();
  if (done > now + delay)
    delay = done - now;
}

unsigned int MgmtTarget::transport_dbg(tlm::tlm_generic_payload &trans) {
  if (check(trans) != tlm::TLM_OK_RESPONSE)
    return 0;
  return transfer(trans);
}

} // namespace cpo::systemc
