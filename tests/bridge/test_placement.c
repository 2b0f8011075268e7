/* CPU placement plans (bridge/src/placement.c): what auto, off and a CPU number give on the
 * CPUs this process may use, that two runs' auto plans take different CPUs, what is refused and
 * why, and that pinning takes effect. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpo/placement.h"

static cpu_set_t s_allowed(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
  return set;
}

/* The plan covers every allowed CPU exactly once: sim_cpu plus the others. */
static void s_check_partition(const cpo_placement_t *p, const cpu_set_t *allowed) {
  assert_true(p->active);
  assert_true(CPU_ISSET(p->sim_cpu, allowed));
  assert_int_equal(p->n_others, CPU_COUNT(allowed) - 1);
  for (int i = 0; i < p->n_others; i++) {
    assert_true(CPU_ISSET(p->others[i], allowed));
    assert_int_not_equal(p->others[i], p->sim_cpu);
    for (int j = 0; j < i; j++)
      assert_int_not_equal(p->others[i], p->others[j]);
  }
}

static void test_off_leaves_placement_to_the_os(void **state) {
  (void)state;
  cpo_placement_t p;
  char why[128] = "";
  assert_int_equal(cpo_placement_plan("off", &p, why, sizeof why), CPO_OK);
  assert_false(p.active);
  assert_int_equal(cpo_placement_pin_sim(&p), CPO_OK); /* no-ops */
  assert_int_equal(cpo_placement_pin_others(&p), CPO_OK);
}

/* True if another process (or plan) holds @p cpu's claim: its abstract socket is bound. */
static bool s_claimed(int cpu) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "cpoemu-cpu-%d", cpu);
  bool taken = bind(fd, (struct sockaddr *)&a,
                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0;
  close(fd);
  return taken;
}

static void test_auto_gives_the_lowest_free_cpu_to_the_simulation(void **state) {
  (void)state;
  cpu_set_t allowed = s_allowed();
  cpo_placement_t p;
  char why[128] = "";
  assert_int_equal(cpo_placement_plan(NULL, &p, why, sizeof why), CPO_OK); /* NULL = auto */
  if (CPU_COUNT(&allowed) < 2) {
    assert_false(p.active);
    skip();
  }
  if (!p.active) { /* every CPU holds another run's simulation (a busy machine): nothing to check */
    cpo_placement_release(&p);
    skip();
  }
  s_check_partition(&p, &allowed);
  for (int c = 0; c < p.sim_cpu; c++) /* each lower CPU: not ours to use, or another run's */
    assert_true(!CPU_ISSET(c, &allowed) || s_claimed(c));
  assert_true(s_claimed(p.sim_cpu)); /* held while the plan lives ... */
  cpo_placement_release(&p);
  cpo_placement_release(&p);          /* safe twice */
  assert_false(s_claimed(p.sim_cpu)); /* ... and free after */
}

/* Two runs side by side never put their simulations on one CPU (each would take twice as long). */
static void test_two_runs_auto_never_share_the_simulation_cpu(void **state) {
  (void)state;
  cpo_placement_t a, b;
  char why[128] = "";
  assert_int_equal(cpo_placement_plan("auto", &a, why, sizeof why), CPO_OK);
  assert_int_equal(cpo_placement_plan("auto", &b, why, sizeof why), CPO_OK);
  if (a.active && b.active)
    assert_int_not_equal(a.sim_cpu, b.sim_cpu);
  cpo_placement_release(&a);
  cpo_placement_release(&b);
}

static void test_a_cpu_number_takes_that_cpu(void **state) {
  (void)state;
  cpu_set_t allowed = s_allowed();
  if (CPU_COUNT(&allowed) < 2)
    skip();
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &allowed))
      last = c;
  char spec[16], why[128] = "";
  snprintf(spec, sizeof spec, "%d", last);
  cpo_placement_t p;
  assert_int_equal(cpo_placement_plan(spec, &p, why, sizeof why), CPO_OK);
  assert_int_equal(p.sim_cpu, last);
  s_check_partition(&p, &allowed);
}

static void test_malformed_or_unusable_specs_are_refused_by_name(void **state) {
  (void)state;
  static const char *bad[] = {"", "x", "-1", "1x", "0.5", "99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cpo_placement_t p;
    char why[128] = "";
    assert_int_equal(cpo_placement_plan(bad[i], &p, why, sizeof why), CPO_ERR_INVALID_ARG);
    if (!strstr(why, "expected auto, off or a CPU number"))
      fail_msg("'%s': why is \"%s\"", bad[i], why);
  }
  cpu_set_t allowed = s_allowed();
  int missing = -1;
  for (int c = 0; c < CPO_PLACEMENT_MAX_CPUS && missing < 0; c++)
    if (!CPU_ISSET(c, &allowed))
      missing = c;
  char spec[16], why[128] = "";
  snprintf(spec, sizeof spec, "%d", missing);
  cpo_placement_t p;
  assert_int_equal(cpo_placement_plan(spec, &p, why, sizeof why), CPO_ERR_INVALID_ARG);
  assert_non_null(strstr(why, "is not one this process may use"));
}

static void *s_pinned_sim(void *arg) {
  const cpo_placement_t *p = arg;
  static cpu_set_t got;
  CPU_ZERO(&got);
  if (cpo_placement_pin_sim(p) != CPO_OK ||
      pthread_getaffinity_np(pthread_self(), sizeof got, &got) != 0)
    return NULL;
  return &got;
}

static void test_pinning_takes_effect(void **state) {
  (void)state;
  cpo_placement_t p;
  char why[128] = "";
  assert_int_equal(cpo_placement_plan("auto", &p, why, sizeof why), CPO_OK);
  if (!p.active)
    skip();
  pthread_t t;
  void *res = NULL;
  pthread_create(&t, NULL, s_pinned_sim, &p);
  pthread_join(t, &res);
  assert_non_null(res);
  const cpu_set_t *got = res;
  assert_int_equal(CPU_COUNT(got), 1);
  assert_true(CPU_ISSET(p.sim_cpu, got));
  cpo_placement_release(&p);
}

static void test_one_cpu_auto_is_off_and_a_number_is_refused(void **state) {
  (void)state;
  cpu_set_t allowed = s_allowed(), one;
  int first = 0;
  while (!CPU_ISSET(first, &allowed))
    first++;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
  cpo_placement_t p;
  char why[128] = "", spec[16];
  cpo_status_t auto_rc = cpo_placement_plan("auto", &p, why, sizeof why);
  bool auto_active = p.active;
  snprintf(spec, sizeof spec, "%d", first);
  cpo_status_t num_rc = cpo_placement_plan(spec, &p, why, sizeof why);
  assert_int_equal(sched_setaffinity(0, sizeof allowed, &allowed),
                   0); /* restore before asserting */
  assert_int_equal(auto_rc, CPO_OK);
  assert_false(auto_active);
  assert_int_equal(num_rc, CPO_ERR_INVALID_ARG);
  assert_non_null(strstr(why, "nothing to put beside it"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_off_leaves_placement_to_the_os),
      cmocka_unit_test(test_auto_gives_the_lowest_free_cpu_to_the_simulation),
      cmocka_unit_test(test_two_runs_auto_never_share_the_simulation_cpu),
      cmocka_unit_test(test_a_cpu_number_takes_that_cpu),
      cmocka_unit_test(test_malformed_or_unusable_specs_are_refused_by_name),
      cmocka_unit_test(test_pinning_takes_effect),
      cmocka_unit_test(test_one_cpu_auto_is_off_and_a_number_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
