// cpo_harness (testbenches/harness): the APB3 master against a target model with wait states
// and errors, and the Sim's time and arguments on a verilated top.
#include <map>

#include "Vcpo_regtest_tb.h"
#include "cmocka_cpp.h"
#include "cpo/harness/sim.h"
#include "cpo/regtest_regs.h"

namespace {

using cpo::harness::Apb3LoopBus;
using cpo::harness::Apb3Master;

// An APB3 target in C++: PREADY after `waits` access cycles, PSLVERR at `bad_addr`; it checks
// the master's phases (setup exactly one cycle, then access until PREADY).
struct FakeTarget final : cpo::harness::Clocked {
  uint8_t psel = 0, penable = 0, pwrite = 0, pready = 0, pslverr = 0;
  uint16_t paddr = 0;
  uint32_t pwdata = 0, prdata = 0;
  unsigned waits = 0, waited = 0;
  uint32_t bad_addr = 0xffff;
  std::map<uint32_t, uint32_t> regs;
  uint64_t cycles = 0, setup_cycles = 0, access_cycles = 0, protocol_errors = 0;
  bool in_access = false;

  cpo::harness::Apb3Pins<uint16_t> pins() {
    return {&psel, &penable, &pwrite, &paddr, &pwdata, &prdata, &pready, &pslverr};
  }
  void cycle() override {
    // outputs for this cycle (combinational on the master's pins)
    pready = psel && penable && waited >= waits;
    pslverr = pready && paddr == bad_addr;
    prdata = pready && !pwrite ? (pslverr ? 0xbad0bad0u : regs[paddr]) : 0u;
    for (auto *h : hooks_)
      h->atLowClock();
    // the rising edge
    if (psel && !penable) {
      setup_cycles++;
      in_access = true;
      waited = 0;
    } else if (psel && penable) {
      access_cycles++;
      if (!in_access)
        protocol_errors++; // access without setup
      if (pready) {
        if (pwrite && !pslverr)
          regs[paddr] = pwdata;
        in_access = false;
      } else {
        waited++;
      }
    } else {
      in_access = false; // the master gave up
    }
    cycles++;
    for (auto *h : hooks_)
      h->afterEdge();
  }
};

void test_apb3_transfers_take_setup_and_one_access_cycle(void **) {
  FakeTarget t;
  Apb3LoopBus bus(t, t.pins(), 0);
  assert_int_equal(bus.write32(0x10, 0xcafef00du), CPO_OK);
  assert_int_equal(t.cycles, 2);
  uint32_t v = 0;
  assert_int_equal(bus.read32(0x10, &v), CPO_OK);
  assert_int_equal(v, 0xcafef00du);
  assert_int_equal(t.cycles, 4);
  assert_int_equal(t.setup_cycles, 2);
  assert_int_equal(t.access_cycles, 2);
  assert_int_equal(t.protocol_errors, 0);
  // idle between transfers
  assert_false(t.psel);
  assert_false(t.penable);
}

void test_apb3_waits_for_pready_up_to_its_limit(void **) {
  FakeTarget t;
  t.waits = 3;
  Apb3LoopBus bus(t, t.pins(), 3);
  assert_int_equal(bus.write32(0x20, 7), CPO_OK);
  assert_int_equal(t.cycles, 2 + 3);
  uint32_t v = 0;
  assert_int_equal(bus.read32(0x20, &v), CPO_OK);
  assert_int_equal(v, 7);
  assert_int_equal(bus.timeouts(), 0);
  assert_int_equal(t.protocol_errors, 0);
}

void test_apb3_gives_up_after_its_limit_and_writes_nothing(void **) {
  FakeTarget t;
  t.waits = 5;
  Apb3LoopBus bus(t, t.pins(), 2);
  assert_int_equal(bus.write32(0x30, 9), CPO_ERR_TIMEOUT);
  assert_int_equal(t.cycles, 1 + 3); // setup, then three access cycles without PREADY
  assert_false(t.psel);
  assert_int_equal(bus.timeouts(), 1);
  assert_true(t.regs.find(0x30) == t.regs.end());
  t.waits = 0; // the next transfer starts cleanly
  uint32_t v = 1;
  assert_int_equal(bus.read32(0x30, &v), CPO_OK);
  assert_int_equal(v, 0);
  assert_int_equal(t.protocol_errors, 0);
}

void test_apb3_reports_pslverr_with_what_the_target_drove(void **) {
  FakeTarget t;
  t.bad_addr = 0x44;
  Apb3LoopBus bus(t, t.pins(), 0);
  uint32_t v = 0;
  assert_int_equal(bus.read32(0x44, &v), CPO_ERR_BUS);
  assert_int_equal(v, 0xbad0bad0u);
  assert_int_equal(bus.write32(0x44, 1), CPO_ERR_BUS);
  assert_true(t.regs.find(0x44) == t.regs.end());
}

void test_apb3_master_refuses_a_second_transfer_in_flight(void **) {
  Apb3Master m;
  assert_true(m.start(true, 0, 0));
  assert_false(m.start(false, 4, 0));
  cpo_status_t st = CPO_OK;
  uint32_t v = 0;
  assert_false(m.take(&st, &v)); // nothing finished yet
}

// Time is the context's: two units per cycle (one per clock phase), so $time in the RTL is the
// trace's time; the program's arguments reach each context before its model is built.
void test_sim_time_is_the_contexts_and_args_reach_it(void **) {
  static char prog[] = "test_harness", seed[] = "+verilator+seed+1234";
  static char *argv[] = {prog, seed, nullptr};
  cpo::harness::setArgs(2, argv);
  cpo::harness::Sim<Vcpo_regtest_tb> sim;
  assert_int_equal(sim.context().randSeed(), 1234);
  sim.reset(3);
  assert_int_equal(sim.context().time(), 2 * 3);
  sim.run(10);
  assert_int_equal(sim.cycles(), 13);
  assert_int_equal(sim.context().time(), 2 * 13);
  Apb3LoopBus bus(sim, cpo::harness::apb3Pins(sim.top()), 0);
  uint32_t id = 0;
  assert_int_equal(bus.read32(CPO_REGTEST_ID_OFFSET, &id), CPO_OK);
  assert_int_equal(id, CPO_REGTEST_ID_RESET);
  assert_int_equal(sim.context().time(), 2 * 15);
  cpo::harness::Sim<Vcpo_regtest_tb> untimed;
  untimed.reset(4, cpo::harness::ResetTime::BeforeZero);
  assert_int_equal(untimed.context().time(), 0);
  assert_int_equal(untimed.cycles(), 0);
  cpo::harness::setArgs(0, nullptr);
}

} // namespace

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_apb3_transfers_take_setup_and_one_access_cycle),
      cmocka_unit_test(test_apb3_waits_for_pready_up_to_its_limit),
      cmocka_unit_test(test_apb3_gives_up_after_its_limit_and_writes_nothing),
      cmocka_unit_test(test_apb3_reports_pslverr_with_what_the_target_drove),
      cmocka_unit_test(test_apb3_master_refuses_a_second_transfer_in_flight),
      cmocka_unit_test(test_sim_time_is_the_contexts_and_args_reach_it),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
