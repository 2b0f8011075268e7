/* `cpoemu run --trace F.fst` writes, in F.fst's scope "model", every lane's optical and thermal
 * quantities on the RTL trace's time axis (real time in fs), physically plausible values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fstapi.h>

#define CYCLES 40000
#define LANES 8

static const char *s_cpoemu;

typedef struct {
  fstHandle rx_power, laser_power, temp, detuning;
} lane_vars_t;

static double s_value(void *fst, uint64_t t, fstHandle h) {
  char buf[64];
  const char *v = fstReaderGetValueFromHandleAtTime(fst, t, h, buf);
  assert_non_null(v);
  assert_int_equal(v[0], 'r'); /* the reader prints reals as "r<value>" */
  return strtod(v + 1, NULL);
}

static void test_run_trace_writes_model_waveforms(void **state) {
  (void)state;
  const char *tmp = getenv("TMPDIR"); /* the directory the test runner gave us, if any */
  char dir[512], cmd[1024], model[600];
  snprintf(dir, sizeof dir, "%s/cpo-trace-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(cmd, sizeof cmd,
           /* not a test of timeouts: a busy machine may stall a tracing run for seconds */
           "%s run --cycles %d --latency 1024 --quantum 256 --quiet --no-host --timeout-ms 30000 "
           "--trace '%s/run.fst' >/dev/null",
           s_cpoemu, CYCLES, dir);
  assert_int_equal(system(cmd), 0);
  snprintf(model, sizeof model, "%s/run.fst", dir); /* the model's folded into the RTL's */
  void *fst = fstReaderOpen(model);
  assert_non_null(fst);

  lane_vars_t lanes[LANES];
  memset(lanes, 0, sizeof lanes);
  int lane = -1, found = 0, depth = 0, model_depth = 0;
  struct fstHier *h;
  while ((h = fstReaderIterateHier(fst))) {
    if (h->htyp == FST_HT_SCOPE && ++depth == 1 && strcmp(h->u.scope.name, "model") == 0)
      model_depth = 1;
    else if (h->htyp == FST_HT_SCOPE && model_depth && depth == 2)
      lane = atoi(h->u.scope.name + 4); /* model.lane<N> */
    else if (h->htyp == FST_HT_UPSCOPE && --depth == 0)
      model_depth = 0, lane = -1;
    if (h->htyp != FST_HT_VAR || !model_depth || lane < 0 || lane >= LANES)
      continue;
    fstHandle *slot = !strcmp(h->u.var.name, "rx_power_w")      ? &lanes[lane].rx_power
                      : !strcmp(h->u.var.name, "laser_power_w") ? &lanes[lane].laser_power
                      : !strcmp(h->u.var.name, "temp_k")        ? &lanes[lane].temp
                      : !strcmp(h->u.var.name, "detuning_pm")   ? &lanes[lane].detuning
                                                                : NULL;
    if (slot) {
      *slot = h->u.var.handle;
      found++;
    }
  }
  assert_int_equal(found, LANES * 4);
  /* The same time axis as the RTL trace: fs, up to the end of the run (8 symbols a cycle at
   * 106.25 GBd: 75294.1 fs). */
  assert_int_equal(fstReaderGetTimescale(fst), -15);
  const double cycle_fs = 8 / 106.25e9 * 1e15;
  uint64_t end = fstReaderGetEndTime(fst);
  assert_true(end <= CYCLES * cycle_fs && end >= (CYCLES - CYCLES / 10) * cycle_fs);
  fstReaderSetFacProcessMaskAll(fst);
  double laser0 = s_value(fst, end, lanes[0].laser_power);
  for (int l = 0; l < LANES; l++) {
    double rx = s_value(fst, end, lanes[l].rx_power);
    double temp = s_value(fst, end, lanes[l].temp);
    double det = s_value(fst, end, lanes[l].detuning);
    assert_true(rx > 1e-5 && rx < 1e-2);       /* 10 uW .. 10 mW at a receiver */
    assert_true(temp > 300.0 && temp < 400.0); /* around the 45 degC case */
    assert_true(det > -200.0 && det < 200.0);  /* a locked ring sits within its linewidth */
    assert_true(s_value(fst, end, lanes[l].laser_power) == laser0); /* one ELS feeds all 8 */
  }
  fstReaderClose(fst);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv) {
  s_cpoemu = argc > 1 ? argv[1] : "cpoemu";
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_run_trace_writes_model_waveforms)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
