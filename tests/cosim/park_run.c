/* A co-simulation that parks every lane, as threads of one process (see park_run.h). */
#include "park_run.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpo/addrmap.h"
#include "cpo/context.h"
#include "cpo/hal.h"
#include "cpo/lanes_afe.h"
#include "cpo/lanes_regs.h"
#include "cpo/oe_regs.h"
#include "cpo/traffic_regs.h"
#include "params.h"

#define LANES_REG(off) CPO_ADDRMAP_LANES_ADDR(off)
#define OE_MGMT(off) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_BASE + (off))
#define TRAFFIC(off) (CPO_ADDRMAP_ENGINE_TRAFFIC_BASE + (off))
#define ALL_LANES 0xFFFFFFFFu
/* Bus accesses take a few cycles each: the run's end leaves room for the host's ~70 (an
 * engine's, through the OE's port, take longer). */
#define BUS_MARGIN_CYCLES 20000u
#define LASER_STEP 1000u /* codes: 10 mA */

typedef struct {
  cpo_run_opts_t o;
  const cpo_park_run_cfg_t *cfg;
  cpo_park_run_result_t *r;
  int ready[2]; /* the rtl writes its bound endpoint here */
} run_t;

static double s_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *s_rtl(void *arg) {
  run_t *run = arg;
  run->r->rtl_code = cpo_role_rtl(&run->o, &run->r->sum);
  return NULL;
}

static void *s_model(void *arg) {
  run_t *run = arg;
  run->r->model_code = cpo_role_model(&run->o);
  return NULL;
}

/* The host's script, step by step; the first failing step says what failed. */
typedef struct {
  cpo_hal_t *hal;
  cpo_status_t rc;
  const char *step;
  bool engine; /* the engine's address space, else the lanes design's */
} script_t;

static void s_write(script_t *s, const char *step, uint32_t addr, uint32_t v) {
  if (s->rc == CPO_OK && (s->rc = cpo_hal_write(s->hal, addr, v)) != CPO_OK)
    s->step = step;
}
static uint32_t s_read(script_t *s, const char *step, uint32_t addr) {
  uint32_t v = 0;
  if (s->rc == CPO_OK && (s->rc = cpo_hal_read(s->hal, addr, &v)) != CPO_OK)
    s->step = step;
  return v;
}
static void s_sleep(script_t *s, const char *step, uint64_t cycles) {
  if (s->rc == CPO_OK && (s->rc = cpo_hal_sleep_cycles(s->hal, cycles)) != CPO_OK)
    s->step = step;
}

/* ---- the two designs' registers ------------------------------------------------- */

/* STREAM_EN: the media lanes of @p mask stream, the others are parked (the engine's 64 lanes
 * in two registers, the lanes design's in one). */
static void s_stream(script_t *s, const char *step, uint64_t mask) {
  if (!s->engine) {
    s_write(s, step, LANES_REG(CPO_LANES_STREAM_EN_OFFSET), (uint32_t)mask);
    return;
  }
  s_write(s, step, OE_MGMT(CPO_OE_STREAM_EN_LO_OFFSET), (uint32_t)mask);
  s_write(s, step, OE_MGMT(CPO_OE_STREAM_EN_HI_OFFSET), (uint32_t)(mask >> 32));
}

static void s_clear_counters(script_t *s) {
  if (s->engine)
    s_write(s, "clear counters", TRAFFIC(CPO_TRAFFIC_CNT_CLEAR_OFFSET),
            CPO_TRAFFIC_CNT_CLEAR_CLEAR_MASK);
  else
    s_write(s, "clear counters", LANES_REG(CPO_LANES_CNT_CLEAR_OFFSET),
            CPO_LANES_CNT_CLEAR_CLEAR_MASK);
}

/* A converter's address: the lanes design's window, or the same layout in the OE's. */
static uint32_t s_dac(const script_t *s, cpo_dac_channel_t ch, uint32_t index) {
  const uint32_t a = cpo_lanes_dac_addr(ch, index);
  return s->engine ? OE_MGMT(CPO_ADDRMAP_OE_MGMT_DAC_BASE - CPO_ADDRMAP_OE_MGMT_BASE) + a -
                         cpo_lanes_dac_addr(0, 0)
                   : LANES_REG(a);
}
static uint32_t s_adc(const script_t *s, cpo_adc_channel_t ch, uint32_t index) {
  const uint32_t a = cpo_lanes_adc_addr(ch, index);
  return s->engine ? OE_MGMT(CPO_ADDRMAP_OE_MGMT_ADC_BASE - CPO_ADDRMAP_OE_MGMT_BASE) + a -
                         cpo_lanes_adc_addr(0, 0)
                   : LANES_REG(a);
}

/* Every lane's checker: locked, bits and errors (the engine's host lanes, 32-bit counters). */
static void s_read_lanes(script_t *s, uint32_t lanes, bool *locked, uint64_t *bits,
                         uint64_t *errors) {
  uint32_t lock_words[2] = {0, 0};
  if (s->engine) {
    lock_words[0] = s_read(s, "lanes locked", TRAFFIC(CPO_TRAFFIC_LOCKED_LO_OFFSET));
    lock_words[1] = s_read(s, "lanes locked", TRAFFIC(CPO_TRAFFIC_LOCKED_HI_OFFSET));
  }
  for (uint32_t l = 0; l < lanes; l++) {
    if (s->engine) {
      locked[l] = lock_words[l / 32] >> (l % 32) & 1u;
      bits[l] = s_read(s, "lane bits", TRAFFIC(CPO_TRAFFIC_LANE_BITS_OFFSET_N(l)));
      errors[l] = s_read(s, "lane errors", TRAFFIC(CPO_TRAFFIC_LANE_ERRS_OFFSET_N(l)));
      continue;
    }
    locked[l] = s_read(s, "lane status", LANES_REG(CPO_LANES_LANE_STATUS_OFFSET_N(l))) &
                CPO_LANES_LANE_STATUS_LOCKED_MASK;
    bits[l] = s_read(s, "lane bits", LANES_REG(CPO_LANES_LANE_BITS_LO_OFFSET_N(l))) |
              (uint64_t)s_read(s, "lane bits", LANES_REG(CPO_LANES_LANE_BITS_HI_OFFSET_N(l))) << 32;
    errors[l] = s_read(s, "lane errors", LANES_REG(CPO_LANES_LANE_ERRS_LO_OFFSET_N(l))) |
                (uint64_t)s_read(s, "lane errors", LANES_REG(CPO_LANES_LANE_ERRS_HI_OFFSET_N(l)))
                    << 32;
  }
}

/* ---- the scripts ---------------------------------------------------------------- */

/* Every lane parked for the sleep; half way, laser 0 gets LASER_STEP more current for a
 * quarter of the sleep, then its old code back: while parked, the write crosses and the
 * laser's power monitor follows. */
static void s_park_all(script_t *s, const cpo_park_run_cfg_t *cfg, cpo_park_run_result_t *r) {
  s_stream(s, "park", cfg->stay_streaming ? ~0ull : 0);
  uint64_t t0 = cpo_hal_now_cycles(s->hal);
  double w0 = s_now_s();
  const uint32_t current = s_dac(s, CPO_DAC_LASER_CURRENT, 0);
  const uint32_t power = s_adc(s, CPO_ADC_LASER_POWER, 0);
  const uint64_t half = cpo_hal_ns_to_cycles(s->hal, cfg->park_ns) / 2;
  const uint32_t i0 = s_read(s, "laser current", current);
  s_sleep(s, "parked sleep", half);
  r->power_code_before = s_read(s, "laser power", power);
  s_write(s, "laser current up", current, i0 + LASER_STEP);
  s_sleep(s, "laser settling", half / 2);
  r->power_code_raised = s_read(s, "laser power", power);
  s_write(s, "laser current back", current, i0);
  s_sleep(s, "parked sleep",
          cpo_hal_ns_to_cycles(s->hal, cfg->park_ns) - (cpo_hal_now_cycles(s->hal) - t0));
  r->sleep_cycles = cpo_hal_now_cycles(s->hal) - t0;
  r->sleep_cycles_asked = cpo_hal_ns_to_cycles(s->hal, cfg->park_ns);
  /* The sleep returns at once; the bus access after it waits for the model to catch up. */
  s_stream(s, "unpark", ~0ull);
  r->sleep_wall_s = s_now_s() - w0;
}

/* The upper half parked while the lower half streams, counted from the park on. */
static void s_park_half(script_t *s, const cpo_park_run_cfg_t *cfg, cpo_park_run_result_t *r) {
  const uint32_t media = cpo_hal_config(s->hal)->lanes;
  s_clear_counters(s);
  s_stream(s, "park half", (1ull << (media / 2)) - 1);
  s_sleep(s, "half parked", cfg->stream_cycles);
  s_read_lanes(s, r->lanes, r->half_locked, r->half_bits, r->half_errors);
  s_stream(s, "unpark", ~0ull);
}

static void s_script(script_t *s, const cpo_park_run_cfg_t *cfg, cpo_park_run_result_t *r) {
  s_sleep(s, "lock", cfg->stream_cycles);
  if (cfg->half)
    s_park_half(s, cfg, r);
  else
    s_park_all(s, cfg, r);
  s_sleep(s, "relock", cfg->stream_cycles);
  s_clear_counters(s);
  s_sleep(s, "count", cfg->stream_cycles);
  s_read_lanes(s, r->lanes, r->locked, r->bits, r->errors);
  s_stream(s, "park to the end", 0);
}

static void *s_host(void *arg) {
  run_t *run = arg;
  cpo_bridge_cfg_t bc = {.endpoint = run->o.endpoint,
                         .role = CPO_ROLE_HOST,
                         .adopt_config = true,
                         .timeout_ms = run->o.timeout_ms,
                         .context = run->o.context};
  script_t s = {.rc = CPO_OK, .engine = run->cfg->engine};
  char why[300];
  if (cpo_hal_open(&bc, &s.hal, why, sizeof why) != CPO_OK) {
    snprintf(run->r->why, sizeof run->r->why, "host cannot attach: %s", why);
    run->r->host_code = 3;
    return NULL;
  }
  s_script(&s, run->cfg, run->r);
  if (s.rc != CPO_OK)
    snprintf(run->r->why, sizeof run->r->why, "host: %s: %s", s.step, cpo_hal_error(s.hal));
  run->r->host_code = s.rc == CPO_OK ? 0 : 3;
  cpo_hal_close(&s.hal);
  return NULL;
}

/* The options of the default scenario, with the run's transport, Q, seed and length. */
static bool s_options(run_t *run, char *dir) {
  cpo_run_opts_t *o = &run->o;
  const cpo_park_run_cfg_t *cfg = run->cfg;
  if (!cpo_params_defaults(o, run->r->why, sizeof run->r->why))
    return false;
  o->design = cfg->engine ? CPO_DESIGN_ENGINE : CPO_DESIGN_LANES; /* the script knows both */
  if (cfg->profile)
    snprintf(o->profile, sizeof o->profile, "%s", cfg->profile);
  if (!cpo_params_settle(o, run->r->why, sizeof run->r->why))
    return false;
  if (cfg->quantum_cycles)
    o->config.quantum_cycles = cfg->quantum_cycles;
  o->config.seed = cfg->seed;
  const double cycle_s = (double)o->config.symbols_per_cycle / (double)o->config.baud_hz;
  run->r->sim_s_per_cycle = cycle_s;
  o->config.total_cycles = (uint64_t)((double)cfg->park_ns * 1e-9 / cycle_s) + 1 +
                           (cfg->half ? 4 : 3) * cfg->stream_cycles + BUS_MARGIN_CYCLES;
  o->with_host = true;
  o->quiet = true;
  o->timeout_ms = 20000;
  o->ready_fd = run->ready[1];
  o->expect_min_bits = 0;   /* the host checks what it needs (an engine's checkers count the */
  o->expect_min_locked = 0; /* zeros of a parked lane as errors until they drop lock) */
  o->expect_max_ber = 1.0;
  if (strcmp(cfg->transport, "inproc") == 0) {
    snprintf(o->endpoint, sizeof o->endpoint, "inproc://park-%d", (int)getpid());
    o->context = cpo_context_new();
  } else if (strcmp(cfg->transport, "ipc") == 0) {
    snprintf(o->endpoint, sizeof o->endpoint, "ipc://%s/bridge.sock", dir);
  } else {
    snprintf(o->endpoint, sizeof o->endpoint, "tcp://127.0.0.1:*");
  }
  run->r->lanes = o->host_lanes;
  run->r->latency_cycles = o->config.latency_cycles;
  return true;
}

/* The endpoint the rtl bound (a tcp port it chose), once it says so (it then closes its end);
 * false if it does not within a generous deadline (it failed before binding). */
static bool s_bound(run_t *run) {
  char buf[sizeof run->o.endpoint];
  size_t n = 0;
  ssize_t got;
  struct pollfd pfd = {run->ready[0], POLLIN, 0};
  while (n + 1 < sizeof buf && poll(&pfd, 1, 120000) == 1 &&
         (got = read(run->ready[0], buf + n, sizeof buf - 1 - n)) > 0) {
    n += (size_t)got;
    if (memchr(buf, '\n', n))
      break;
  }
  buf[n] = '\0';
  char *nl = strchr(buf, '\n');
  if (!nl)
    return false;
  *nl = '\0';
  snprintf(run->o.endpoint, sizeof run->o.endpoint, "%s", buf);
  return true;
}

bool cpo_park_run(const cpo_park_run_cfg_t *cfg, cpo_park_run_result_t *r) {
  memset(r, 0, sizeof *r);
  run_t run = {.cfg = cfg, .r = r};
  const char *tmp = getenv("TMPDIR");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/cpo-park-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir) || pipe(run.ready) != 0) {
    snprintf(r->why, sizeof r->why, "cannot make a temporary directory or pipe");
    return false;
  }
  bool ok = s_options(&run, dir);
  pthread_t rtl, model, host;
  bool rtl_started = ok && pthread_create(&rtl, NULL, s_rtl, &run) == 0;
  bool bound = false;
  if (rtl_started) {
    if ((bound = s_bound(&run))) {
      pthread_create(&model, NULL, s_model, &run);
      pthread_create(&host, NULL, s_host, &run);
      pthread_join(model, NULL);
      pthread_join(host, NULL);
    } else {
      snprintf(r->why, sizeof r->why, "the rtl did not bind its endpoint");
    }
    pthread_join(rtl, NULL);
  }
  close(run.ready[0]);
  if (!bound) /* else the rtl closed it once bound */
    close(run.ready[1]);
  cpo_context_destroy(&run.o.context);
  char sock[300];
  snprintf(sock, sizeof sock, "%s/bridge.sock", dir);
  unlink(sock);
  rmdir(dir);
  if (ok && !r->why[0] && (r->rtl_code || r->model_code || r->host_code))
    snprintf(r->why, sizeof r->why, "exit codes rtl %d model %d host %d: %.200s%.150s", r->rtl_code,
             r->model_code, r->host_code, r->sum.error,
             r->sum.expectations_met ? "" : r->sum.expectation_failure);
  return ok && !r->why[0];
}
