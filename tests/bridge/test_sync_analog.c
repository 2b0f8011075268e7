/* The synchroniser's analog boundary (PROTOCOL.md sections 5 and 7): the model's power-on DAC
 * codes reach the design before cycle 0; ADC codes reach it exactly at their cycle; the
 * design's DAC writes reach the model, stamped with their cycle, before the TX quantum that
 * covers them; bad analog traffic gets an ERROR naming it and the run goes on; the event hash
 * does not depend on Q; a design parked from a cycle on is skipped to the end of the run, its
 * span advanced by the model side, and of its ADC codes only those it reads reach it (the last
 * of each converter, at the end); lanes parked while others
 * stream carry zero TX and RX words from their cycle (+ L), the model told in between
 * (LANES_PARKED). The rtl side is cpo_sync_run on a scripted design, the model side is this test,
 * over real inproc sockets. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/bridge.h"
#include "cpo/sync.h"

#define LANES 4u
#define LATENCY 64u
#define TOTAL 600u
#define DAC_CHANNELS 9u
#define ADC_CHANNELS 6u
#define MAX_LOG 256

/* ---- the scripted design ------------------------------------------------------------ */

typedef struct {
  uint64_t cycle;                  /* next cycle to simulate */
  cpo_analog_write_t adc[MAX_LOG]; /* cycle = first cycle simulated with the code */
  cpo_analog_write_t preset[MAX_LOG];
  unsigned n_adc, n_preset;
  bool preset_after_step;
  cpo_analog_write_t dac[MAX_LOG]; /* made, not yet taken */
  unsigned n_dac;
  unsigned n_many;              /* adc_set_many calls */
  uint32_t last_adc_code;       /* what channel 0 lane 0 reads now: feeds the TX words */
  uint64_t park_from;           /* no lane streams from this cycle on (0: always streaming) */
  uint64_t parked_rx_nonzero;   /* RX words of parked lanes (in their window + L) not zero */
  uint64_t unparked_rx_nonzero; /* RX words of those lanes after it, not zero */
} fake_t;

/* s_rtl_main gives its design this park_from. */
static uint64_t s_park_from;
/* Lanes HALF_PARKED are parked in TX cycles [s_half_from, s_half_to) (0, 0: never). */
#define HALF_PARKED 0xCu
static uint64_t s_half_from, s_half_to;

static bool s_half_window(uint64_t tx_cycle) {
  return tx_cycle >= s_half_from && tx_cycle < s_half_to;
}

/* The design writes DAC codes at these cycles: two in one cycle, one at a quantum edge. */
static const uint64_t k_dac_cycles[] = {3, 3, 16, 47, 200, 511};

static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx) {
  fake_t *f = self;
  for (uint32_t c = 0; c < count; c++, f->cycle++) {
    for (uint32_t l = 0; l < LANES && f->cycle >= LATENCY && s_half_to; l++) {
      const bool parked = s_half_window(f->cycle - LATENCY) && (HALF_PARKED >> l & 1u);
      f->parked_rx_nonzero += parked && rx[c * LANES + l] != 0;
      f->unparked_rx_nonzero +=
          (HALF_PARKED >> l & 1u) && f->cycle - LATENCY >= s_half_to && rx[c * LANES + l] != 0;
    }
    for (uint32_t l = 0; l < LANES; l++) /* TX depends on RX and on the ADC: both must be exact */
      tx[c * LANES + l] = rx[c * LANES + l] * 31 + f->cycle * LANES + l + f->last_adc_code;
    for (size_t k = 0; k < sizeof k_dac_cycles / sizeof *k_dac_cycles; k++)
      if (k_dac_cycles[k] == f->cycle && f->n_dac < MAX_LOG)
        f->dac[f->n_dac++] =
            (cpo_analog_write_t){f->cycle, 2, (uint16_t)(k % LANES), (uint32_t)(1000 + k)};
  }
}

static void s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata) {
  (void)self, (void)write, (void)addr, (void)wdata;
}

static bool s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  (void)self, (void)rdata, (void)slverr;
  return false;
}

static bool s_dac_preset(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  fake_t *f = self;
  if (channel >= DAC_CHANNELS || index >= LANES)
    return false;
  f->preset_after_step |= f->cycle != 0;
  if (f->n_preset < MAX_LOG)
    f->preset[f->n_preset++] = (cpo_analog_write_t){f->cycle, channel, index, code};
  return true;
}

static bool s_adc_set(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  fake_t *f = self;
  if (channel >= ADC_CHANNELS || index >= LANES)
    return false;
  if (f->n_adc < MAX_LOG)
    f->adc[f->n_adc++] = (cpo_analog_write_t){f->cycle, channel, index, code};
  if (channel == 0 && index == 0)
    f->last_adc_code = code;
  return true;
}

static void s_adc_set_many(void *self, const cpo_analog_write_t *w, uint32_t n, bool *ok) {
  ((fake_t *)self)->n_many++;
  for (uint32_t i = 0; i < n; i++)
    ok[i] = s_adc_set(self, w[i].channel, w[i].index, w[i].code);
}

/* Parked from park_from on: a multiple of every Q the test runs, as a real design's mask changes
 * only at bus transactions, which end chunks. */
static uint64_t s_streaming(void *self) {
  const fake_t *f = self;
  if (s_half_window(f->cycle))
    return (1u << LANES) - 1 - HALF_PARKED;
  return f->park_from && f->cycle >= f->park_from ? 0 : (1u << LANES) - 1;
}

static void s_skip(void *self, uint64_t count) {
  ((fake_t *)self)->cycle += count;
}

static uint32_t s_dac_take(void *self, cpo_analog_write_t *out, uint32_t max) {
  fake_t *f = self;
  uint32_t n = f->n_dac < max ? f->n_dac : max;
  memcpy(out, f->dac, n * sizeof *out);
  memmove(f->dac, f->dac + n, (f->n_dac - n) * sizeof *f->dac);
  f->n_dac -= n;
  return n;
}

/* ---- the rtl side: cpo_sync_run on its own thread -------------------------------------- */

typedef struct {
  cpo_server_t *srv;
  cpo_config_t cfg;
  fake_t design;
  cpo_sync_result_t res;
  cpo_status_t rc;
  pthread_t thread;
} rtl_t;

static void *s_rtl_main(void *arg) {
  rtl_t *r = arg;
  cpo_design_ops_t ops = {&r->design, s_step,     s_bus_start, s_bus_done, s_dac_preset,
                          s_adc_set,  s_dac_take, s_streaming, s_skip,     NULL};
  ops.adc_set_many = s_adc_set_many;
  r->design.park_from = s_park_from;
  cpo_sync_opts_t opts = {0};
  r->rc = cpo_sync_run(r->srv, &r->cfg, &ops, &opts, &r->res);
  cpo_server_close(&r->srv, r->res.cycles, (int16_t)r->rc, "done");
  return NULL;
}

/* ---- the model side: this thread ------------------------------------------------------- */

typedef struct {
  cpo_analog_write_t dac[MAX_LOG]; /* DAC_UPDATE entries received */
  unsigned n_dac;
  bool dac_after_its_tx; /* a DAC_UPDATE came after the TX_QUANTUM covering it */
  uint64_t tx_end;       /* TX received for cycles [0, tx_end) */
  char errors[8][256];   /* ERROR texts from the rtl */
  unsigned n_errors;
} model_log_t;

static void s_send_analog(cpo_client_t *c, uint16_t type, uint64_t cycle,
                          const cpo_analog_entry_t *e, uint16_t n) {
  uint8_t raw[16 * CPO_PROTO_ANALOG_ENTRY_BYTES];
  for (uint16_t i = 0; i < n; i++)
    cpo_msg_analog_pack(raw, i, e[i]);
  cpo_msg_t m = {.hdr = {.type = type, .cycle = cycle}};
  m.u.analog.count = n;
  m.u.analog.entries_raw = raw;
  assert_int_equal(cpo_client_send(c, &m), CPO_OK);
}

static void s_send_rx_part(cpo_client_t *c, uint64_t first, uint32_t n, const uint64_t *tx) {
  if (n == 0)
    return;
  uint64_t rx[LATENCY * LANES];
  for (uint32_t i = 0; i < n * LANES; i++)
    rx[i] = tx ? tx[i] + 1 : 0;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  m.u.quantum.count = n;
  m.u.quantum.lanes = LANES;
  m.u.quantum.word_bytes = cpo_proto_word_bytes(cpo_client_config(c));
  m.u.quantum.words = rx;
  assert_int_equal(cpo_client_send(c, &m), CPO_OK);
}

/* RX = TX + 1 (or 0 during the dark first L cycles), with ADC samples at fixed cycles: the RX
 * quantum is split where one falls, so that stamps never decrease. */
static void s_send_rx(cpo_client_t *c, uint64_t first, uint32_t n, const uint64_t *tx) {
  static const uint64_t adc_cycles[] = {0, 5, 40, 64, 130, 131, 300};
  uint64_t done = first;
  for (size_t k = 0; k < sizeof adc_cycles / sizeof *adc_cycles; k++)
    if (adc_cycles[k] >= first && adc_cycles[k] < first + n) {
      s_send_rx_part(c, done, (uint32_t)(adc_cycles[k] - done),
                     tx ? tx + (done - first) * LANES : NULL);
      done = adc_cycles[k];
      cpo_analog_entry_t e[2] = {{0, 0, (uint32_t)(7 * adc_cycles[k] + 1)},
                                 {5, LANES - 1, (uint32_t)k}};
      s_send_analog(c, CPO_MSG_ADC_SAMPLE, adc_cycles[k], e, 2);
    }
  s_send_rx_part(c, done, (uint32_t)(first + n - done), tx ? tx + (done - first) * LANES : NULL);
}

static void s_model(cpo_client_t *c, model_log_t *log, bool misbehave) {
  const cpo_config_t *cfg = cpo_client_config(c);
  cpo_analog_entry_t preset[3] = {
      {0, 0, 100}, {1, 3, 200}, {20, 0, 1}}; /* the last: no channel 20 */
  s_send_analog(c, CPO_MSG_DAC_UPDATE, 0, preset, misbehave ? 3 : 2);
  for (uint64_t first = 0; first < LATENCY; first += cfg->quantum_cycles) {
    uint32_t n =
        LATENCY - first < cfg->quantum_cycles ? (uint32_t)(LATENCY - first) : cfg->quantum_cycles;
    s_send_rx(c, first, n, NULL);
  }
  if (misbehave) {
    /* Stamps never decrease (the last RX_QUANTUM was stamped 48, RX has arrived up to 64) and
     * stay <= the next one (64). */
    cpo_analog_entry_t late = {0, 0, 5};
    s_send_analog(c, CPO_MSG_DAC_UPDATE, 48, &late, 1); /* too late for power-on codes */
    s_send_analog(c, CPO_MSG_ADC_SAMPLE, 50, &late, 1); /* RX for cycle 50 already arrived */
    cpo_analog_entry_t unknown = {9, 0, 5};
    s_send_analog(c, CPO_MSG_ADC_SAMPLE, LATENCY, &unknown, 1); /* no ADC channel 9 */
    /* conversions reaching past the rtl's cycle + L; parked RX not continuing the stream */
    uint8_t raw[2 * CPO_PROTO_ANALOG_ENTRY_BYTES];
    cpo_msg_analog_pack(raw, 0, late);
    cpo_msg_analog_pack(raw, 1, late);
    cpo_msg_t b = {.hdr = {.type = CPO_MSG_ADC_SAMPLES, .cycle = LATENCY}};
    b.u.analog.count = 1;
    b.u.analog.entries_raw = raw;
    b.u.analog.conversions = 2;
    b.u.analog.period_cycles = 1000;
    assert_int_equal(cpo_client_send(c, &b), CPO_OK);
    cpo_msg_t p = {.hdr = {.type = CPO_MSG_RX_PARKED, .cycle = LATENCY}};
    p.u.parked.other_cycle = 10;
    assert_int_equal(cpo_client_send(c, &p), CPO_OK);
  }
  for (;;) {
    cpo_msg_t m;
    char why[256];
    cpo_status_t rc = cpo_client_recv(c, &m, why, sizeof why);
    if (rc == CPO_ERR_PEER_GONE)
      return;
    if (rc == CPO_ERR_PROTOCOL) {
      if (log->n_errors < 8)
        snprintf(log->errors[log->n_errors++], sizeof log->errors[0], "%s", why);
      continue;
    }
    assert_int_equal(rc, CPO_OK);
    if (m.hdr.type == CPO_MSG_DAC_UPDATE) {
      log->dac_after_its_tx |= m.hdr.cycle < log->tx_end;
      for (uint16_t i = 0; i < m.u.analog.count && log->n_dac < MAX_LOG; i++) {
        cpo_analog_entry_t e = cpo_msg_analog_entry(&m, i);
        log->dac[log->n_dac++] = (cpo_analog_write_t){m.hdr.cycle, e.channel, e.lane, e.value};
      }
      continue;
    }
    assert_int_equal(m.hdr.type, CPO_MSG_TX_QUANTUM);
    log->tx_end = m.hdr.cycle + m.u.quantum.count;
    if (m.hdr.cycle + LATENCY < cfg->total_cycles) {
      uint64_t left = cfg->total_cycles - m.hdr.cycle - LATENCY;
      uint64_t tx[LATENCY * LANES];
      cpo_msg_quantum_read(&m, 0, (size_t)m.u.quantum.count * LANES, tx);
      s_send_rx(c, m.hdr.cycle + LATENCY,
                left < m.u.quantum.count ? (uint32_t)left : m.u.quantum.count, tx);
    }
  }
}

/* ---- the model side as cpo_sync_model_run serves it, with a scripted world -------------- */

#define ADC_PERIOD 10u

typedef struct {
  uint64_t processed; /* RX computed (or advanced) for cycles [0, processed) */
  uint64_t advanced;  /* of those, advanced parked */
  bool gap;           /* a process call did not start where the last ended */
  model_log_t *log;   /* DAC writes taken, with their effective cycle */
  uint64_t dac_write_cycle[MAX_LOG];
  uint64_t parked_tx_nonzero;        /* TX words of parked lanes not zero */
  uint64_t park_mask[4], park_at[4]; /* park_lanes calls: mask, the next cycle processed */
  unsigned n_park;
  unsigned n_conversions; /* adc_codes calls */
  uint64_t adc_from;      /* adc_skip's cycle: no conversion asked before it after the call */
  bool asked_unread;      /* a conversion before adc_from was asked for after adc_skip */
} world_t;

/* s_model_side gives its world adc_skip (the model's conversions nobody reads left undone). */
static bool s_world_skips = true;

static cpo_status_t s_world_process(void *self, uint64_t first, uint32_t count, const uint64_t *tx,
                                    uint64_t *rx) {
  world_t *w = self;
  w->gap |= first != w->processed;
  w->processed = first + count;
  for (uint32_t i = 0; i < count * LANES; i++) {
    rx[i] = first < LATENCY ? 0 : tx[i] + 1; /* as the scripted model: dark, then TX + 1 */
    w->parked_tx_nonzero += first >= LATENCY && s_half_window(first + i / LANES - LATENCY) &&
                            (HALF_PARKED >> (i % LANES) & 1u) && tx[i] != 0;
  }
  return CPO_OK;
}

static cpo_status_t s_world_park_lanes(void *self, uint64_t mask) {
  world_t *w = self;
  if (w->n_park < 4) {
    w->park_mask[w->n_park] = mask;
    w->park_at[w->n_park++] = w->processed;
  }
  return CPO_OK;
}

static cpo_status_t s_world_advance(void *self, uint64_t first, uint64_t count) {
  world_t *w = self;
  w->gap |= first != w->processed;
  w->processed = first + count;
  w->advanced += count;
  return CPO_OK;
}

static uint32_t s_world_dac_codes(void *self, cpo_analog_entry_t *out, uint32_t max) {
  (void)self;
  assert_true(max >= 2);
  out[0] = (cpo_analog_entry_t){0, 0, 100};
  out[1] = (cpo_analog_entry_t){1, 3, 200};
  return 2;
}

static cpo_status_t s_world_dac_set(void *self, cpo_analog_entry_t e, uint64_t write_cycle,
                                    uint64_t effective_cycle, char *why, size_t why_len) {
  world_t *w = self;
  (void)why, (void)why_len;
  if (w->log->n_dac < MAX_LOG) {
    w->dac_write_cycle[w->log->n_dac] = write_cycle;
    w->log->dac[w->log->n_dac++] =
        (cpo_analog_write_t){effective_cycle, e.channel, e.lane, e.value};
  }
  return CPO_OK;
}

static cpo_status_t s_world_adc_codes(void *self, uint64_t cycle, cpo_analog_entry_t *out,
                                      uint32_t max, uint32_t *n) {
  world_t *w = self;
  assert_true(max >= 2);
  assert_true(cycle < w->processed); /* converted only once its cycle was computed */
  w->n_conversions++;
  w->asked_unread |= cycle < w->adc_from;
  out[0] = (cpo_analog_entry_t){0, 0, (uint32_t)(7 * cycle + 1)};
  out[1] = (cpo_analog_entry_t){5, LANES - 1, (uint32_t)(cycle / ADC_PERIOD)};
  *n = 2;
  return CPO_OK;
}

static cpo_status_t s_world_adc_skip(void *self, uint64_t cycle) {
  world_t *w = self;
  w->adc_from = cycle > w->adc_from ? cycle : w->adc_from;
  return CPO_OK;
}

static world_t s_world;

static void s_model_side(cpo_client_t *c, model_log_t *log, bool misbehave) {
  (void)misbehave;
  s_world = (world_t){.log = log};
  const cpo_model_channel_t ch = {.self = &s_world,
                                  .process = s_world_process,
                                  .advance = s_world_advance,
                                  .adc_period_cycles = ADC_PERIOD,
                                  .dac_codes = s_world_dac_codes,
                                  .dac_set = s_world_dac_set,
                                  .adc_codes = s_world_adc_codes,
                                  .park_lanes = s_world_park_lanes,
                                  .adc_skip = s_world_skips ? s_world_adc_skip : NULL};
  assert_int_equal(cpo_sync_model_run(c, &ch, NULL), CPO_OK);
}

typedef void (*model_fn)(cpo_client_t *c, model_log_t *log, bool misbehave);

/* One whole run at quantum @p q; the rtl's result and design, the model's log. */
static void s_run_with(model_fn model, uint32_t q, bool misbehave, rtl_t *r, model_log_t *log) {
  static int serial;
  char endpoint[64];
  snprintf(endpoint, sizeof endpoint, "inproc://sync-analog-%d", serial++);
  cpo_context_t *ctx = cpo_context_new();
  memset(r, 0, sizeof *r);
  memset(log, 0, sizeof *log);
  r->cfg = (cpo_config_t){.lanes = LANES,
                          .symbols_per_cycle = 32,
                          .bits_per_symbol = 1,
                          .latency_cycles = LATENCY,
                          .quantum_cycles = q,
                          .seed = 1,
                          .total_cycles = TOTAL,
                          .baud_hz = 53125000000ull};
  snprintf(r->cfg.profile, sizeof r->cfg.profile, "loopback");
  char why[256];
  cpo_bridge_cfg_t bc = {.endpoint = endpoint,
                         .role = CPO_ROLE_RTL,
                         .config = r->cfg,
                         .timeout_ms = 5000,
                         .context = ctx};
  assert_int_equal(cpo_server_bind(&bc, &r->srv, why, sizeof why), CPO_OK);
  pthread_create(&r->thread, NULL, s_rtl_main, r);
  cpo_client_t *c = NULL;
  bc.role = CPO_ROLE_MODEL;
  assert_int_equal(cpo_client_connect(&bc, &c, why, sizeof why), CPO_OK);
  model(c, log, misbehave);
  cpo_client_close(&c, 0, "model done");
  pthread_join(r->thread, NULL);
  cpo_context_destroy(&ctx);
  assert_int_equal(r->rc, CPO_OK);
  assert_int_equal(r->res.cycles, TOTAL);
}

static void s_run(uint32_t q, bool misbehave, rtl_t *r, model_log_t *log) {
  s_run_with(s_model, q, misbehave, r, log);
}

static void test_power_on_codes_reach_the_design_before_cycle_0(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run(16, false, &r, &log);
  assert_int_equal(r.design.n_preset, 2);
  assert_false(r.design.preset_after_step);
  assert_int_equal(r.design.preset[1].channel, 1);
  assert_int_equal(r.design.preset[1].index, 3);
  assert_int_equal(r.design.preset[1].code, 200);
  assert_int_equal(log.n_errors, 0);
}

static void test_adc_codes_apply_exactly_at_their_cycle(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run(16, false, &r, &log);
  static const uint64_t expect[] = {0, 5, 40, 64, 130, 131, 300};
  assert_int_equal(r.design.n_adc, 2 * 7);
  for (unsigned k = 0; k < 7; k++) {
    const cpo_analog_write_t *a = &r.design.adc[2 * k], *b = &r.design.adc[2 * k + 1];
    assert_int_equal(a->cycle, expect[k]); /* the first cycle simulated with the new code */
    assert_int_equal(a->code, 7 * expect[k] + 1);
    assert_int_equal(b->cycle, expect[k]);
    assert_int_equal(b->channel, 5);
    assert_int_equal(b->index, LANES - 1);
  }
  assert_int_equal(r.res.adc_samples, 14);
}

static void test_dac_writes_reach_the_model_before_their_tx(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run(16, false, &r, &log);
  const unsigned n = sizeof k_dac_cycles / sizeof *k_dac_cycles;
  assert_int_equal(log.n_dac, n);
  for (unsigned k = 0; k < n; k++) {
    assert_int_equal(log.dac[k].cycle, k_dac_cycles[k]);
    assert_int_equal(log.dac[k].channel, 2);
    assert_int_equal(log.dac[k].index, k % LANES);
    assert_int_equal(log.dac[k].code, 1000 + k);
  }
  assert_false(log.dac_after_its_tx);
  assert_int_equal(r.res.dac_writes, n);
}

static void test_bad_analog_traffic_is_refused_by_name_and_the_run_goes_on(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run(16, true, &r, &log);
  assert_int_equal(r.design.n_preset, 2); /* the good entries of the preset still apply */
  assert_int_equal(log.n_errors, 6);
  const char *expect[] = {"no DAC channel 20",    "only at cycle 0",
                          "ADC_SAMPLE cycle 50",  "no ADC channel 9",
                          "last conversion 1064", "RX_PARKED [10, 64): expected first_cycle 64"};
  for (unsigned k = 0; k < 6; k++) {
    bool found = false;
    for (unsigned e = 0; e < log.n_errors; e++)
      found |= strstr(log.errors[e], expect[k]) != NULL;
    if (!found)
      fail_msg("no ERROR containing \"%s\"", expect[k]);
  }
  assert_int_equal(r.res.adc_samples, 14); /* the refused ones did not apply */
}

static void test_event_hash_with_analog_traffic_does_not_depend_on_q(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run(LATENCY, false, &r, &log);
  const uint64_t h = r.res.hash.h;
  for (uint32_t q = 1; q < LATENCY; q = q * 3 + 2) { /* 1, 5, 17, 53: splits at odd places */
    s_run(q, false, &r, &log);
    assert_int_equal(r.res.hash.h, h);
  }
}

/* cpo_sync_model_run: power-on codes before cycle 0, every RX cycle computed once and in order
 * (the dark first L included), each conversion before the RX of its cycle, DAC writes applied
 * L cycles after they were made; and the same run whatever Q. */
static void test_model_side_serves_the_rtl_shifted_by_l(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run_with(s_model_side, LATENCY, false, &r, &log);
  const uint64_t h = r.res.hash.h;
  for (uint32_t q = 1; q <= LATENCY; q = q * 3 + 2) {
    s_run_with(s_model_side, q, false, &r, &log);
    assert_int_equal(r.res.hash.h, h);
    assert_int_equal(r.design.n_preset, 2);
    assert_false(r.design.preset_after_step);
    assert_false(s_world.gap);
    assert_int_equal(s_world.processed, TOTAL);
    assert_int_equal(r.res.adc_samples, 2 * (TOTAL / ADC_PERIOD));
    for (unsigned k = 0; k < TOTAL / ADC_PERIOD; k++) {
      assert_int_equal(r.design.adc[2 * k].cycle, k * ADC_PERIOD); /* exactly at its cycle */
      assert_int_equal(r.design.adc[2 * k].code, 7 * k * ADC_PERIOD + 1);
    }
    const unsigned n = sizeof k_dac_cycles / sizeof *k_dac_cycles;
    assert_int_equal(log.n_dac, n);
    for (unsigned k = 0; k < n; k++) {
      assert_int_equal(s_world.dac_write_cycle[k], k_dac_cycles[k]);
      assert_int_equal(log.dac[k].cycle, k_dac_cycles[k] + LATENCY);
      assert_int_equal(log.dac[k].code, 1000 + k);
    }
  }
}

/* Parked from cycle PARK_FROM with no host: the rtl grants the rest of the run at once (PARKED,
 * SKIPPED) and skips it; the model side advances [PARK_FROM + L, TOTAL) and sends the
 * conversions anyone reads (ADC_SAMPLES) before RX_PARKED: the design, never clocked again,
 * reads none of the span's codes but the last of each converter, which reach it at the end of
 * the run, in one call (adc_set_many), whatever Q; the streamed conversions each reach it at
 * its cycle. The world is asked for no conversion before the last (adc_skip), and a world
 * that makes them all gives the same run. */
#define PARK_FROM 256u
static void test_parked_span_is_skipped_and_advanced(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_park_from = PARK_FROM;
  uint64_t h = 0;
  for (uint32_t q = 1; q <= LATENCY; q *= 4) { /* 1, 4, 16, 64: each divides PARK_FROM */
    s_run_with(s_model_side, q, false, &r, &log);
    assert_int_equal(r.res.parked_cycles, TOTAL - PARK_FROM);
    assert_int_equal(r.res.skipped_cycles, TOTAL - PARK_FROM);
    assert_int_equal(r.design.cycle, TOTAL);
    assert_false(s_world.gap);
    assert_int_equal(s_world.processed, TOTAL);
    assert_int_equal(s_world.advanced, TOTAL - PARK_FROM - LATENCY);
    const unsigned streamed = PARK_FROM / ADC_PERIOD + 1; /* conversions 0, 10, .. 250 */
    assert_int_equal(r.res.adc_samples, 2 * streamed + 2);
    assert_int_equal(r.design.n_adc, 2 * streamed + 2);
    assert_int_equal(r.design.n_many, streamed + 1);
    const uint64_t last = (TOTAL - 1) / ADC_PERIOD * ADC_PERIOD;
    assert_int_equal(r.design.adc[2 * streamed].code, 7 * last + 1);
    assert_int_equal(r.design.adc[2 * streamed + 1].code, last / ADC_PERIOD);
    assert_int_equal(r.design.adc[2 * streamed].cycle, TOTAL);
    assert_int_equal(log.n_dac, 5); /* the writes before PARK_FROM; a parked design makes none */
    /* made: the streamed conversions (RX cycles before PARK_FROM + L) and the last */
    assert_int_equal(s_world.adc_from, last);
    assert_false(s_world.asked_unread);
    assert_int_equal(s_world.n_conversions, (PARK_FROM + LATENCY) / ADC_PERIOD + 1);
    if (q > 1)
      assert_int_equal(r.res.hash.h, h);
    h = r.res.hash.h;
  }
  s_world_skips = false; /* every conversion made and sent: the design sees the same */
  s_run_with(s_model_side, 16, false, &r, &log);
  assert_int_equal(s_world.n_conversions, TOTAL / ADC_PERIOD);
  assert_int_equal(r.res.hash.h, h);
  s_world_skips = true;
  s_park_from = 0;
}

/* Parked for a last span shorter than L (from SHORT_PARK_FROM): the RX of the run's end may reach
 * the rtl before its loop ends or after, by timing. Either way the conversions of the span (580
 * and 590) fold into the last code of each converter, which the design gets at TOTAL, in the
 * hash for every Q. Before, a run whose end RX came early left them unread and unhashed. */
#define SHORT_PARK_FROM 576u
static void test_a_short_last_parked_span_applies_its_codes(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_park_from = SHORT_PARK_FROM;
  uint64_t h = 0;
  const uint64_t last = (TOTAL - 1) / ADC_PERIOD * ADC_PERIOD; /* 590 */
  for (uint32_t q = 1; q <= LATENCY; q *= 4) {                 /* each divides SHORT_PARK_FROM */
    s_run_with(s_model_side, q, false, &r, &log);
    assert_int_equal(r.design.cycle, TOTAL);
    assert_true(r.design.n_adc >= 2);
    const cpo_analog_write_t *a = &r.design.adc[r.design.n_adc - 2];
    assert_int_equal(a[0].cycle, TOTAL);
    assert_int_equal(a[0].code, 7 * last + 1);
    assert_int_equal(a[1].code, last / ADC_PERIOD);
    if (q > 1)
      assert_int_equal(r.res.hash.h, h);
    h = r.res.hash.h;
  }
  s_park_from = 0;
}

/* Lanes HALF_PARKED parked in TX cycles [128, 384) while the others stream (a multiple of every
 * Q run, as a real design's mask changes only after a bus write): their TX words reach the model
 * zero, it is told the mask before the TX of 128 and of 384 (LANES_PARKED: park_lanes when it
 * has processed up to 128 + L and 384 + L), their RX words are zero in [128 + L, 384 + L) and
 * carry symbols again after; the hash is the same whatever Q, and differs from a run that
 * never parks (the mask is in it). */
static void test_parked_lanes_carry_nothing_and_the_model_is_told(void **state) {
  (void)state;
  rtl_t r;
  model_log_t log;
  s_run_with(s_model_side, 16, false, &r, &log);
  const uint64_t unparked = r.res.hash.h;
  s_half_from = 128;
  s_half_to = 384;
  uint64_t h = 0;
  for (uint32_t q = 1; q <= LATENCY; q *= 4) {
    s_run_with(s_model_side, q, false, &r, &log);
    assert_int_equal(s_world.parked_tx_nonzero, 0);
    assert_int_equal(r.design.parked_rx_nonzero, 0);
    assert_true(r.design.unparked_rx_nonzero > 0);
    assert_int_equal(s_world.n_park, 2);
    assert_int_equal(s_world.park_mask[0], HALF_PARKED);
    assert_int_equal(s_world.park_at[0], 128 + LATENCY);
    assert_int_equal(s_world.park_mask[1], 0);
    assert_int_equal(s_world.park_at[1], 384 + LATENCY);
    assert_int_equal(r.res.parked_cycles, 0);
    assert_int_not_equal(r.res.hash.h, unparked);
    if (q > 1)
      assert_int_equal(r.res.hash.h, h);
    h = r.res.hash.h;
  }
  s_half_from = s_half_to = 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_power_on_codes_reach_the_design_before_cycle_0),
      cmocka_unit_test(test_adc_codes_apply_exactly_at_their_cycle),
      cmocka_unit_test(test_dac_writes_reach_the_model_before_their_tx),
      cmocka_unit_test(test_bad_analog_traffic_is_refused_by_name_and_the_run_goes_on),
      cmocka_unit_test(test_event_hash_with_analog_traffic_does_not_depend_on_q),
      cmocka_unit_test(test_model_side_serves_the_rtl_shifted_by_l),
      cmocka_unit_test(test_parked_span_is_skipped_and_advanced),
      cmocka_unit_test(test_parked_lanes_carry_nothing_and_the_model_is_told),
      cmocka_unit_test(test_a_short_last_parked_span_applies_its_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
