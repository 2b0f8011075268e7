/* Parked time end to end (issue 12, "Park and unpark at exact cycles"): a host parks every
 * lane through STREAM_EN, sleeps 100 ms of simulated time, unparks; traffic relocks error-free,
 * the parked cycles are skipped (no quanta exchanged for them), and the event_hash is the same
 * over inproc, ipc and tcp and for Q = 1, L/4, L. Likewise a host that parks half the lanes
 * while the others stream (LANES_PARKED), and the engine design parking all of its lanes.
 * The argument picks the group: lanes (default), half or engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "park_run.h"

#define PARK_NS 100000000ull /* 100 ms */
#define STREAM_CYCLES 20000u /* > L + the checkers' lock time */

/* The run's variant: the engine design, half the lanes parked. */
static bool s_engine, s_half;

static void s_run(const char *transport, uint32_t quantum, cpo_park_run_result_t *r) {
  cpo_park_run_cfg_t cfg = {.transport = transport,
                            .quantum_cycles = quantum,
                            .seed = 11,
                            .park_ns = s_half ? 0 : PARK_NS,
                            .stream_cycles = STREAM_CYCLES,
                            .half = s_half,
                            .engine = s_engine};
  bool ok = cpo_park_run(&cfg, r);
  if (!ok)
    print_error("%s Q=%u: %s\n", transport, quantum, r->why);
  assert_true(ok);
}

static void test_park_sleep_unpark_relocks_error_free(void **state) {
  (void)state;
  static cpo_park_run_result_t r;
  s_run("inproc", 0, &r);
  /* the sleep took exactly its cycles, and none of them was exchanged as a quantum */
  print_message("event_hash 0x%016llx, quanta %llu, ADC samples %llu, parked sleep %.3f s wall\n",
                (unsigned long long)r.sum.event_hash, (unsigned long long)r.sum.quanta,
                (unsigned long long)r.sum.adc_samples, r.sleep_wall_s);
  assert_int_equal(r.sleep_cycles, r.sleep_cycles_asked);
  assert_true((double)r.sleep_cycles * r.sim_s_per_cycle >= PARK_NS * 1e-9);
  assert_true(r.sum.quanta < 4 * STREAM_CYCLES / 8);
  assert_true(r.sum.adc_samples > 0);
  /* a DAC write while parked crosses, and the monitors follow the physics */
  print_message("laser power code %u, raised %u\n", r.power_code_before, r.power_code_raised);
  assert_true(r.power_code_raised > r.power_code_before + 10);
  assert_true(r.sum.dac_writes >= 2);
  for (uint32_t l = 0; l < r.lanes; l++) {
    assert_true(r.locked[l]);
    assert_true(r.bits[l] > 0);
    assert_int_equal(r.errors[l], 0);
  }
}

/* The same run over every transport and Q = 1, L/4, L: the same hash and lane results. */
static void test_event_hash_same_across_transports_and_quanta(void **state) {
  (void)state;
  static cpo_park_run_result_t ref, r;
  s_run("inproc", 0, &ref);
  const uint32_t latency = ref.latency_cycles;
  const char *transports[] = {"inproc", "ipc", "tcp"};
  const uint32_t quanta[] = {1, latency / 4, latency};
  for (size_t t = 0; t < 3; t++)
    for (size_t q = 0; q < 3; q++) {
      s_run(transports[t], quanta[q], &r);
      if (r.sum.event_hash != ref.sum.event_hash)
        print_error("%s Q=%u: event_hash 0x%016llx, reference 0x%016llx\n", transports[t],
                    quanta[q], (unsigned long long)r.sum.event_hash,
                    (unsigned long long)ref.sum.event_hash);
      assert_int_equal(r.sum.event_hash, ref.sum.event_hash);
      assert_int_equal(r.sum.cycles, ref.sum.cycles);
      assert_memory_equal(r.errors, ref.errors, sizeof r.errors);
      assert_memory_equal(r.bits, ref.bits, sizeof r.bits);
      assert_memory_equal(r.half_errors, ref.half_errors, sizeof r.half_errors);
      assert_memory_equal(r.half_bits, ref.half_bits, sizeof r.half_bits);
    }
}

/* Half the lanes parked mid-run while the others stream, then unparked: the streaming half
 * error-free throughout (counted from the park on), every lane error-free after the relock. */
static void test_half_parked_streaming_lanes_error_free(void **state) {
  (void)state;
  static cpo_park_run_result_t r;
  s_run("inproc", 0, &r);
  print_message("event_hash 0x%016llx, quanta %llu\n", (unsigned long long)r.sum.event_hash,
                (unsigned long long)r.sum.quanta);
  for (uint32_t l = 0; l < r.lanes; l++) {
    print_message("lane %u: parked half: locked %d bits %llu errors %llu; after: locked %d bits "
                  "%llu errors %llu\n",
                  l, r.half_locked[l], (unsigned long long)r.half_bits[l],
                  (unsigned long long)r.half_errors[l], r.locked[l], (unsigned long long)r.bits[l],
                  (unsigned long long)r.errors[l]);
    if (l < r.lanes / 2) {
      assert_true(r.half_locked[l]);
      assert_true(r.half_bits[l] > 0);
      assert_int_equal(r.half_errors[l], 0);
    }
    assert_true(r.locked[l]);
    assert_true(r.bits[l] > 0);
    assert_int_equal(r.errors[l], 0);
  }
}

int main(int argc, char **argv) {
  const char *group = argc > 1 ? argv[1] : "lanes";
  s_engine = strcmp(group, "engine") == 0;
  s_half = strcmp(group, "half") == 0;
  if (!s_engine && !s_half && strcmp(group, "lanes") != 0) {
    fprintf(stderr, "test_park: unknown group \"%s\" (lanes, half or engine)\n", group);
    return 2;
  }
  const struct CMUnitTest all[] = {
      cmocka_unit_test(test_park_sleep_unpark_relocks_error_free),
      cmocka_unit_test(test_event_hash_same_across_transports_and_quanta),
  };
  const struct CMUnitTest half[] = {
      cmocka_unit_test(test_half_parked_streaming_lanes_error_free),
      cmocka_unit_test(test_event_hash_same_across_transports_and_quanta),
  };
  return s_half ? cmocka_run_group_tests(half, NULL, NULL)
                : cmocka_run_group_tests(all, NULL, NULL);
}
