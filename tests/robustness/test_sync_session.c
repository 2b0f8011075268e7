/* The session as the synchroniser runs it (PROTOCOL.md sections 5-10), over real inproc sockets
 * against cpo_sync_run on a scripted design: a refused message moves nothing, a host attaches
 * mid-run (after another's BYE) and is served at the cycle HELLO_ACK named, and a slow model
 * still hears the final BYE. No timing thresholds: bounded waits on conditions. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include <cmocka.h>

#include "cpo/bridge.h"
#include "cpo/sync.h"

#define LANES 2u
#define LATENCY 32u
#define QUANTUM 8u
#define TOTAL 400u
#define HOLD 96u /* the model withholds RX from this cycle on until told to go on */

/* ---- a design: TX = RX + 1, a bus transaction completes one cycle after it starts --------- */

typedef struct {
  bool bus_open;
  uint32_t addr;
  uint32_t preset_ms; /* a slow design: each power-on DAC code takes this long to apply */
} design_t;

static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx) {
  design_t *d = self;
  for (uint32_t i = 0; i < count * LANES; i++)
    tx[i] = rx[i] + 1;
  (void)d;
}
static void s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata) {
  design_t *d = self;
  (void)write, (void)wdata;
  d->bus_open = true;
  d->addr = addr;
}
static bool s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  design_t *d = self;
  if (!d->bus_open)
    return false;
  d->bus_open = false;
  *rdata = d->addr ^ 0xA5A5u;
  *slverr = false;
  return true;
}
static bool s_adc_set(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  (void)self, (void)channel, (void)index, (void)code;
  return true;
}
/* The rtl busy with what the model sent (the engine's 64 lanes taking in their codes): the
 * design's own work, not a wait of the test. */
static bool s_dac_preset(void *self, uint16_t channel, uint16_t index, uint32_t code) {
  design_t *d = self;
  (void)channel, (void)index, (void)code;
  struct timespec work = {d->preset_ms / 1000u, (long)(d->preset_ms % 1000u) * 1000000L};
  nanosleep(&work, NULL);
  return true;
}

/* ---- shared state ------------------------------------------------------------------------ */

typedef struct {
  void *ctx;
  char endpoint[64];
  cpo_config_t cfg;
  cpo_server_t *srv;
  design_t design;
  cpo_sync_opts_t opts;
  cpo_sync_result_t res;
  cpo_status_t rc;
  pthread_t rtl;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool go_on; /* the model may send RX past hold_from */
  uint64_t hold_from;
  bool model_joined;
  bool rtl_closed; /* cpo_server_close returned */
  /* model behaviour */
  bool adc_ahead;        /* one ADC_SAMPLE stamped far ahead, after the dark RX */
  bool report_early;     /* a MODEL_REPORT during the run, after the dark RX */
  int reports_at_end;    /* MODEL_REPORTs answering the final BYE, before ours */
  uint16_t report_lanes; /* ... for this many lanes (0: the session's) */
  uint16_t kept_lanes;   /* what the rtl kept (cpo_server_model_report) */
  double kept[LANES * CPO_PROTO_REPORT_FIELDS];
  bool slow_end;          /* after the last TX: dawdle (heartbeating) before reading the BYE */
  bool hold;              /* withhold RX from HOLD until go_on */
  bool hold_alive;        /* while withholding: heartbeat (a busy model, not a dead one) */
  int errors_seen;        /* ERRORs the model got */
  bool closed_before_bye; /* slow_end: the rtl had closed before the model answered its BYE */
  int16_t bye_status;
  bool got_bye;
  uint32_t timeout_ms;   /* of every side (0: 5000) */
  int presets;           /* client model: DAC_UPDATEs at cycle 0 before its first RX */
  cpo_status_t model_rc; /* client model: how its session ended (CPO_OK: the final BYE) */
  char model_why[320];
} run_t;

static uint32_t s_timeout_ms(const run_t *r) {
  return r->timeout_ms ? r->timeout_ms : 5000;
}

static double s_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *s_rtl_main(void *arg) {
  run_t *r = arg;
  cpo_design_ops_t ops = {.self = &r->design,
                          .step = s_step,
                          .bus_start = s_bus_start,
                          .bus_done = s_bus_done,
                          .dac_preset = s_dac_preset,
                          .adc_set = s_adc_set};
  r->rc = cpo_sync_run(r->srv, &r->cfg, &ops, &r->opts, &r->res);
  cpo_server_end(r->srv, r->res.cycles, (int16_t)r->rc,
                 r->rc == CPO_OK ? "run complete" : r->res.error);
  double kept[CPO_PROTO_MAX_LANES * CPO_PROTO_REPORT_FIELDS];
  r->kept_lanes = cpo_server_model_report(r->srv, kept);
  memcpy(r->kept, kept, sizeof r->kept);
  cpo_server_close(&r->srv, r->res.cycles, (int16_t)r->rc,
                   r->rc == CPO_OK ? "run complete" : r->res.error);
  pthread_mutex_lock(&r->lock);
  r->rtl_closed = true;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

static void s_start(run_t *r, unsigned refused_roles, bool expect_host) {
  static int serial;
  snprintf(r->endpoint, sizeof r->endpoint, "inproc://sync-session-%d", serial++);
  r->ctx = zmq_ctx_new();
  r->cfg = (cpo_config_t){.lanes = LANES,
                          .symbols_per_cycle = 16,
                          .bits_per_symbol = 1,
                          .latency_cycles = LATENCY,
                          .quantum_cycles = QUANTUM,
                          .seed = 1,
                          .total_cycles = TOTAL,
                          .baud_hz = 53125000000ull};
  snprintf(r->cfg.profile, sizeof r->cfg.profile, "loopback");
  r->opts.expect_host = expect_host;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->cond, NULL);
  char why[256];
  cpo_bridge_cfg_t bc = {.endpoint = r->endpoint,
                         .role = CPO_ROLE_RTL,
                         .config = r->cfg,
                         .timeout_ms = s_timeout_ms(r),
                         .context = r->ctx,
                         .refused_roles = refused_roles};
  assert_int_equal(cpo_server_bind(&bc, &r->srv, why, sizeof why), CPO_OK);
  pthread_create(&r->rtl, NULL, s_rtl_main, r);
}

static void s_finish(run_t *r) {
  pthread_join(r->rtl, NULL);
  zmq_ctx_term(r->ctx);
  pthread_cond_destroy(&r->cond);
  pthread_mutex_destroy(&r->lock);
}

static cpo_status_t s_join(run_t *r, cpo_role_t role, cpo_client_t **c, char *why, size_t len) {
  cpo_bridge_cfg_t bc = {.endpoint = r->endpoint,
                         .role = role,
                         .config = r->cfg,
                         .adopt_config = role == CPO_ROLE_HOST,
                         .timeout_ms = s_timeout_ms(r),
                         .context = r->ctx};
  return cpo_client_connect(&bc, c, why, len);
}

/* A raw peer (DEALER): it stamps its messages as the test says, which a cpo_client (stamps
 * never step back) would not, to send one stamped ahead and then correct ones. */
typedef struct {
  void *sock;
  uint32_t seq;
  uint64_t stamp; /* for HEARTBEAT and BYE */
  uint8_t buf[4096];
  cpo_msg_t m;
} raw_t;

static void s_raw_send(raw_t *p, cpo_msg_t *m) {
  uint8_t out[4096];
  m->hdr.seq = p->seq++;
  size_t n = cpo_msg_encode(m, out, sizeof out);
  assert_true(n > 0);
  assert_true(zmq_send(p->sock, out, n, 0) == (int)n);
}

/* A HEARTBEAT, or the BYE answering an rtl that stopped on an error, may race the rtl's close (its
 * socket gone, our flag not yet set): a DEALER with no peer would block on it for ever, so it is
 * sent without waiting, and lost if nobody hears. */
static void s_raw_post(raw_t *p, uint16_t type) {
  uint8_t out[64];
  cpo_msg_t m = {.hdr = {.type = type, .cycle = p->stamp, .seq = p->seq++}};
  size_t n = cpo_msg_encode(&m, out, sizeof out);
  assert_true(n > 0);
  (void)zmq_send(p->sock, out, n, ZMQ_DONTWAIT);
}

/* The next message from the rtl (HEARTBEATs skipped); false if none within 10 s. */
static bool s_raw_recv(raw_t *p) {
  for (;;) {
    zmq_pollitem_t it = {p->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 10000) <= 0)
      return false;
    int n = zmq_recv(p->sock, p->buf, sizeof p->buf, 0);
    cpo_wire_error_t err;
    assert_true(n > 0);
    assert_int_equal(cpo_msg_decode(p->buf, (size_t)n, &p->m, &err), CPO_OK);
    if (p->m.hdr.type != CPO_MSG_HEARTBEAT)
      return true;
  }
}

static void s_raw_join(run_t *r, raw_t *p, cpo_role_t role) {
  memset(p, 0, sizeof *p);
  p->sock = zmq_socket(r->ctx, ZMQ_DEALER);
  int linger = 1000;
  zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
  int send_timeout_ms = 10000; /* a send nobody takes fails the test instead of hanging it */
  zmq_setsockopt(p->sock, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms);
  assert_int_equal(zmq_connect(p->sock, r->endpoint), 0);
  cpo_msg_t hello = {.hdr = {.type = CPO_MSG_HELLO}};
  hello.u.hello.role = (uint8_t)role;
  if (role == CPO_ROLE_MODEL) {
    hello.u.hello.config = r->cfg;
    hello.u.hello.config_hash = cpo_config_hash(&r->cfg);
  }
  s_raw_send(p, &hello);
  assert_true(s_raw_recv(p));
  assert_int_equal(p->m.hdr.type, CPO_MSG_HELLO_ACK);
}

static void s_send_rx(raw_t *p, uint64_t first, uint32_t n) {
  uint64_t words[LATENCY * LANES] = {0};
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  m.u.quantum.count = n;
  m.u.quantum.lanes = LANES;
  m.u.quantum.word_bytes = 8;
  m.u.quantum.words = words;
  s_raw_send(p, &m);
  p->stamp = first;
}

/* A MODEL_REPORT for @p lanes lanes, lane l's value k = 100 l + k + @p base. */
static void s_send_report(raw_t *p, uint16_t lanes, double base) {
  double values[CPO_PROTO_MAX_LANES * CPO_PROTO_REPORT_FIELDS];
  for (uint32_t i = 0; i < (uint32_t)lanes * CPO_PROTO_REPORT_FIELDS; i++)
    values[i] = 100.0 * (i / CPO_PROTO_REPORT_FIELDS) + i % CPO_PROTO_REPORT_FIELDS + base;
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_MODEL_REPORT, .cycle = p->stamp}};
  m.u.report.lanes = lanes;
  m.u.report.values = values;
  s_raw_send(p, &m);
}

/* The model: dark RX for [0, L), then RX(c + L, n) for each TX(c, n) below the end. */
static void *s_model_main(void *arg) {
  run_t *r = arg;
  raw_t p;
  s_raw_join(r, &p, CPO_ROLE_MODEL);
  pthread_mutex_lock(&r->lock);
  r->model_joined = true;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
  for (uint64_t f = 0; f < LATENCY; f += QUANTUM)
    s_send_rx(&p, f, QUANTUM);
  if (r->adc_ahead) { /* far beyond the rtl's cycle + L: refused with BAD_CYCLE */
    uint8_t raw[CPO_PROTO_ANALOG_ENTRY_BYTES];
    cpo_msg_analog_pack(raw, 0, (cpo_analog_entry_t){0, 0, 1});
    cpo_msg_t m = {.hdr = {.type = CPO_MSG_ADC_SAMPLE, .cycle = 1000000}};
    m.u.analog.count = 1;
    m.u.analog.entries_raw = raw;
    s_raw_send(&p, &m);
  }
  if (r->report_early) /* not before the rtl's BYE: refused as UNEXPECTED */
    s_send_report(&p, LANES, 0.5);
  while (s_raw_recv(&p)) {
    const cpo_msg_t *m = &p.m;
    if (m->hdr.type == CPO_MSG_ERROR) {
      r->errors_seen++;
      continue;
    }
    if (m->hdr.type == CPO_MSG_BYE) {
      r->got_bye = true;
      r->bye_status = m->u.bye.status;
      for (int i = 0; i < r->reports_at_end; i++) /* the first is kept, the others dropped */
        s_send_report(&p, r->report_lanes ? r->report_lanes : LANES, (double)i);
      s_raw_post(&p, CPO_MSG_BYE); /* the answer that lets the rtl close (after a clean end) */
      break;
    }
    if (m->hdr.type != CPO_MSG_TX_QUANTUM)
      continue;
    uint64_t first = m->hdr.cycle + LATENCY;
    uint64_t end = m->hdr.cycle + m->u.quantum.count;
    pthread_mutex_lock(&r->lock);
    while (r->hold && !r->go_on && first >= r->hold_from && !r->rtl_closed) {
      if (!r->hold_alive) {
        pthread_cond_wait(&r->cond, &r->lock);
        continue;
      }
      pthread_mutex_unlock(&r->lock);
      s_raw_post(&p, CPO_MSG_HEARTBEAT);
      pthread_mutex_lock(&r->lock);
      /* Held but alive: heartbeat every 50 ms, and go on the moment the test says so. */
      struct timespec next;
      clock_gettime(CLOCK_REALTIME, &next);
      next.tv_nsec += 50 * 1000 * 1000;
      next.tv_sec += next.tv_nsec / 1000000000L;
      next.tv_nsec %= 1000000000L;
      (void)pthread_cond_timedwait(&r->cond, &r->lock, &next);
    }
    bool gone = r->rtl_closed; /* nobody to send to: a DEALER's send would block */
    pthread_mutex_unlock(&r->lock);
    if (gone)
      break;
    if (first < TOTAL)
      s_send_rx(&p, first, (uint32_t)(end - m->hdr.cycle));
    if (r->slow_end && end == TOTAL) {
      /* A slow model: busy (heartbeating) for longer than the rtl's close used to wait. */
      double until = s_now_s() + 1.5;
      pthread_mutex_lock(&r->lock);
      while (!r->rtl_closed && s_now_s() < until) {
        pthread_mutex_unlock(&r->lock);
        s_raw_post(&p, CPO_MSG_HEARTBEAT);
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, NULL);
        pthread_mutex_lock(&r->lock);
      }
      r->closed_before_bye = r->rtl_closed;
      pthread_mutex_unlock(&r->lock);
    }
  }
  zmq_close(p.sock);
  return NULL;
}

static cpo_status_t s_client_rx(cpo_client_t *c, uint64_t first, uint32_t n) {
  uint64_t words[LATENCY * LANES] = {0};
  cpo_msg_t q = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = first}};
  q.u.quantum.count = n;
  q.u.quantum.lanes = LANES;
  q.u.quantum.word_bytes = 8;
  q.u.quantum.words = words;
  return cpo_client_send(c, &q);
}

/* A model on the bridge's own client (it judges the rtl's silence as a real model does): r->presets
 * power-on DAC codes at cycle 0, one message each, then dark RX for [0, L), then RX(c + L, n) for
 * each TX(c, n) below the end, until the rtl's BYE. */
static void *s_client_model_main(void *arg) {
  run_t *r = arg;
  cpo_client_t *c = NULL;
  cpo_status_t rc = s_join(r, CPO_ROLE_MODEL, &c, r->model_why, sizeof r->model_why);
  uint8_t raw[CPO_PROTO_ANALOG_ENTRY_BYTES];
  for (int i = 0; rc == CPO_OK && i < r->presets; i++) {
    cpo_msg_analog_pack(raw, 0, (cpo_analog_entry_t){0, (uint16_t)i, 1});
    cpo_msg_t m = {.hdr = {.type = CPO_MSG_DAC_UPDATE, .cycle = 0}};
    m.u.analog.count = 1;
    m.u.analog.entries_raw = raw;
    rc = cpo_client_send(c, &m);
  }
  for (uint64_t first = 0; rc == CPO_OK && first < LATENCY; first += QUANTUM)
    rc = s_client_rx(c, first, QUANTUM);
  while (rc == CPO_OK) {
    cpo_msg_t m;
    rc = cpo_client_recv(c, &m, r->model_why, sizeof r->model_why);
    if (rc == CPO_OK && m.hdr.type == CPO_MSG_TX_QUANTUM && m.hdr.cycle + LATENCY < TOTAL)
      rc = s_client_rx(c, m.hdr.cycle + LATENCY, m.u.quantum.count);
  }
  /* The rtl's final BYE (status 0) ends a good session: PEER_GONE with "status 0" in why. */
  r->model_rc = rc == CPO_ERR_PEER_GONE && strstr(r->model_why, "(status 0") ? CPO_OK : rc;
  if (c)
    cpo_client_close(&c, (int16_t)r->model_rc, "model done");
  return NULL;
}

/* A host request; returns the response type (ERROR included). */
static uint16_t s_request(raw_t *h, uint16_t type, uint64_t stamp, uint64_t arg) {
  cpo_msg_t q = {.hdr = {.type = type, .cycle = stamp}};
  if (type == CPO_MSG_SLEEP)
    q.u.sleep.until_cycle = arg;
  else
    q.u.reg.addr = (uint32_t)arg;
  s_raw_send(h, &q);
  assert_true(s_raw_recv(h));
  return h->m.hdr.type;
}

static void s_raw_bye(raw_t *h, uint64_t stamp) {
  cpo_msg_t bye = {.hdr = {.type = CPO_MSG_BYE, .cycle = stamp}};
  s_raw_send(h, &bye);
  zmq_close(h->sock);
}

/* A run with no host and the raw model (@p r's behaviour), to its end. */
static void s_run_without_host(run_t *r) {
  s_start(r, 1u << CPO_ROLE_HOST, false);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, r);
  pthread_join(model, NULL);
  s_finish(r);
}

/* A model ADC_SAMPLE stamped far ahead is refused and moves nothing: the model's later RX quanta
 * (stamped lower) are accepted and the run completes. */
static void test_refused_model_message_moves_nothing(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.adc_ahead = true;
  s_run_without_host(&r);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.cycles, TOTAL);
  assert_int_equal(r.errors_seen, 1);
}

/* A MODEL_REPORT during the run is refused (UNEXPECTED) and moves nothing; the one answering
 * the final BYE is kept, value for value, and a second one is dropped. */
static void test_model_report_is_kept_only_as_the_answer_to_the_final_bye(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.report_early = true;
  r.reports_at_end = 2;
  s_run_without_host(&r);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.cycles, TOTAL);
  assert_int_equal(r.errors_seen, 1);
  assert_int_equal(r.kept_lanes, LANES);
  for (uint32_t i = 0; i < LANES * CPO_PROTO_REPORT_FIELDS; i++) /* the first one's (base 0) */
    assert_true(r.kept[i] == 100.0 * (i / CPO_PROTO_REPORT_FIELDS) + i % CPO_PROTO_REPORT_FIELDS);
}

/* A MODEL_REPORT whose lanes are not the session's is dropped: nothing kept. */
static void test_model_report_for_other_lanes_is_dropped(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.reports_at_end = 1;
  r.report_lanes = LANES + 1;
  s_run_without_host(&r);
  assert_int_equal(r.rc, CPO_OK);
  assert_true(r.got_bye);
  assert_int_equal(r.kept_lanes, 0);
}

/* A host request stamped ahead is refused and moves nothing: the same request stamped with the
 * host's now is then served. */
static void test_refused_host_request_moves_nothing(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  s_start(&r, 0, true);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, &r);
  raw_t h;
  s_raw_join(&r, &h, CPO_ROLE_HOST);
  uint64_t now = h.m.hdr.cycle; /* HELLO_ACK's */
  assert_int_equal(s_request(&h, CPO_MSG_REG_READ, now + 5000, 0x10), CPO_MSG_ERROR);
  assert_int_equal(h.m.u.error.code, CPO_WERR_BAD_CYCLE);
  if (s_request(&h, CPO_MSG_REG_READ, now, 0x10) != CPO_MSG_REG_READ_RESP)
    fail_msg("the correct request after a refused one was refused too: %s", h.m.u.error.text);
  assert_int_equal(h.m.u.reg.data, 0x10 ^ 0xA5A5u);
  now = h.m.hdr.cycle;
  assert_int_equal(s_request(&h, CPO_MSG_SLEEP, now, TOTAL + 10), CPO_MSG_BYE); /* the end */
  s_raw_bye(&h, now);
  pthread_join(model, NULL);
  s_finish(&r);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.reg_accesses, 1);
}

/* Hosts attach mid-run to a run that allows it, one after another's BYE: each one's first
 * request, stamped with its HELLO_ACK's cycle, is served; every attach and detach is on record. */
static void test_host_attaches_mid_run_and_after_another_host_left(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.hold = true;
  r.hold_from = HOLD;
  s_start(&r, 0, false);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, &r);
  pthread_mutex_lock(&r.lock);
  while (!r.model_joined) /* then the rtl runs, and waits for RX at HOLD: mid-run */
    pthread_cond_wait(&r.cond, &r.lock);
  pthread_mutex_unlock(&r.lock);
  uint64_t last_end = 0;
  for (int k = 0; k < 2; k++) {
    raw_t h;
    s_raw_join(&r, &h, CPO_ROLE_HOST);
    uint64_t now = h.m.hdr.cycle; /* HELLO_ACK's cycle */
    assert_true(now >= last_end);
    pthread_mutex_lock(&r.lock);
    r.go_on = true; /* the rtl was waiting for RX when this host attached */
    pthread_cond_broadcast(&r.cond);
    pthread_mutex_unlock(&r.lock);
    if (s_request(&h, CPO_MSG_REG_READ, now, 0x20 + k) != CPO_MSG_REG_READ_RESP)
      fail_msg("host %d: first request at HELLO_ACK's cycle %llu refused: %s", k,
               (unsigned long long)now, h.m.u.error.text);
    now = h.m.hdr.cycle;
    assert_int_equal(s_request(&h, CPO_MSG_SLEEP, now, now + 40), CPO_MSG_SLEEP_DONE);
    if (k == 1) { /* the last host: let the model finish the run */
      pthread_mutex_lock(&r.lock);
      r.hold = false;
      pthread_cond_broadcast(&r.cond);
      pthread_mutex_unlock(&r.lock);
    }
    last_end = h.m.hdr.cycle;
    pthread_mutex_lock(&r.lock);
    r.go_on = false; /* the next host finds the rtl waiting for RX again */
    r.hold_from = 0;
    pthread_mutex_unlock(&r.lock);
    s_raw_bye(&h, last_end); /* detach: the run goes on without it */
  }
  pthread_join(model, NULL);
  s_finish(&r);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.reg_accesses, 2);
  /* on record: the model's attach, and the hosts' attach, detach, attach, detach in order */
  int models = 0, host = 0;
  uint64_t host_cycle = 0;
  for (uint32_t i = 0; i < r.res.n_peer_events; i++) {
    const cpo_peer_event_t *e = &r.res.peer_events[i];
    if (e->role == CPO_ROLE_MODEL) {
      models += e->attach;
      continue;
    }
    assert_int_equal(e->role, CPO_ROLE_HOST);
    assert_int_equal(e->attach, host % 2 == 0);
    assert_true(e->cycle >= host_cycle);
    host_cycle = e->cycle;
    host++;
  }
  assert_int_equal(models, 1);
  assert_int_equal(host, 4);
}

/* A run without a host that does not allow an attach refuses a host HELLO, by name. */
static void test_run_without_host_refuses_host_hello(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.hold = true;
  s_start(&r, 1u << CPO_ROLE_HOST, false);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, &r);
  cpo_client_t *h = NULL;
  char why[256] = "";
  assert_int_not_equal(s_join(&r, CPO_ROLE_HOST, &h, why, sizeof why), CPO_OK);
  assert_null(h);
  assert_non_null(strstr(why, "--allow-attach"));
  pthread_mutex_lock(&r.lock);
  r.go_on = true;
  pthread_cond_broadcast(&r.cond);
  pthread_mutex_unlock(&r.lock);
  pthread_join(model, NULL);
  s_finish(&r);
  assert_int_equal(r.rc, CPO_OK);
  assert_int_equal(r.res.reg_accesses, 0);
  assert_int_equal(r.res.n_peer_events, 1); /* the model's attach only */
}

/* Until the rtl closes, or @p timeouts of the run's timeout_ms: true if it closed. */
static bool s_wait_closed(run_t *r, unsigned timeouts) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  uint64_t ms = (uint64_t)timeouts * s_timeout_ms(r);
  until.tv_sec += (time_t)(ms / 1000u);
  until.tv_nsec += (long)(ms % 1000u) * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&r->lock);
  while (!r->rtl_closed && pthread_cond_timedwait(&r->cond, &r->lock, &until) == 0) {
  }
  bool closed = r->rtl_closed;
  pthread_mutex_unlock(&r->lock);
  return closed;
}

static void s_release_model(run_t *r) {
  pthread_mutex_lock(&r->lock);
  r->go_on = true;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->lock);
}

/* A host waiting for its answer (here a sleep the rtl takes long over: it waits for a busy
 * model's RX meanwhile) is owed that answer, not awaited: however long the wall time, and even
 * with no heartbeat from it, the rtl never judges it silent; it answers the sleep and the run
 * ends cleanly. (Before: "peer host silent" while a Python host slept 40 ms of simulated time.) */
static void test_host_waiting_for_its_answer_is_never_judged_silent(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.timeout_ms = 2000; /* the held model heartbeats every 50 ms: a stall of 2 s never happens */
  r.hold = true;
  r.hold_alive = true;
  r.hold_from = HOLD;
  s_start(&r, 0, true);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, &r);
  raw_t h;
  s_raw_join(&r, &h, CPO_ROLE_HOST);
  const uint64_t until = TOTAL - 10; /* past HOLD: the rtl waits for the model meanwhile */
  cpo_msg_t q = {.hdr = {.type = CPO_MSG_SLEEP, .cycle = h.m.hdr.cycle}};
  q.u.sleep.until_cycle = until;
  s_raw_send(&h, &q); /* and then the host says nothing until its answer */
  bool closed = s_wait_closed(&r, 4);
  s_release_model(&r);
  if (closed)
    fail_msg("the rtl ended the run while its host waited for a sleep: %s", r.res.error);
  assert_true(s_raw_recv(&h));
  assert_int_equal(h.m.hdr.type, CPO_MSG_SLEEP_DONE);
  assert_int_equal(h.m.hdr.cycle, until);
  s_raw_bye(&h, until);
  pthread_join(model, NULL);
  s_finish(&r);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.cycles, TOTAL);
}

/* A host gone while it slept (no heartbeats, nothing read) is named within the timeout once its
 * sleep is answered and the rtl waits on it for its next request. */
static void test_host_gone_during_its_sleep_is_named_once_awaited(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.timeout_ms = 1000;
  s_start(&r, 0, true);
  pthread_t model;
  pthread_create(&model, NULL, s_model_main, &r);
  raw_t h;
  s_raw_join(&r, &h, CPO_ROLE_HOST);
  cpo_msg_t q = {.hdr = {.type = CPO_MSG_SLEEP, .cycle = h.m.hdr.cycle}};
  q.u.sleep.until_cycle = TOTAL - 10;
  s_raw_send(&h, &q);
  bool found = s_wait_closed(&r, 20); /* generous: named before the deadline */
  s_release_model(&r);
  pthread_join(model, NULL);
  zmq_close(h.sock);
  s_finish(&r);
  if (!found)
    fail_msg("the rtl did not notice the gone host within 20 timeouts");
  assert_int_equal(r.rc, CPO_ERR_TIMEOUT);
  if (!strstr(r.res.error, "host"))
    fail_msg("the error does not name the host: %s", r.res.error);
  assert_int_equal(r.res.cycles, TOTAL - 10); /* found after its sleep, not during it */
}

/* The rtl busy working through a stream of the model's messages (each taking a good part of the
 * timeout) still heartbeats the model waiting on it: the model's session stays alive and the run
 * ends cleanly. (Before: heartbeats only after frames nobody took, so the model declared the rtl
 * silent while it worked through 64 lanes' messages: "peer rtl silent".) */
static void test_rtl_heartbeats_while_it_works_through_a_stream(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.timeout_ms = 1000;
  r.presets = 8;
  r.design.preset_ms = 300; /* 2.4 s of work, a message at a time */
  s_start(&r, 1u << CPO_ROLE_HOST, false);
  pthread_t model;
  pthread_create(&model, NULL, s_client_model_main, &r);
  pthread_join(model, NULL);
  s_finish(&r);
  if (r.model_rc != CPO_OK)
    fail_msg("the model lost its session: %s", r.model_why);
  if (r.rc != CPO_OK)
    fail_msg("run failed: %s", r.res.error);
  assert_int_equal(r.res.cycles, TOTAL);
}

/* A model still busy with the last quanta when the run ends hears the final BYE (status 0):
 * the rtl holds the session open until the model answers it. */
static void test_slow_model_still_hears_the_final_bye(void **state) {
  (void)state;
  static run_t r;
  memset(&r, 0, sizeof r);
  r.slow_end = true;
  s_run_without_host(&r);
  assert_int_equal(r.rc, CPO_OK);
  assert_false(r.closed_before_bye);
  assert_true(r.got_bye);
  assert_int_equal(r.bye_status, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refused_model_message_moves_nothing),
      cmocka_unit_test(test_refused_host_request_moves_nothing),
      cmocka_unit_test(test_model_report_is_kept_only_as_the_answer_to_the_final_bye),
      cmocka_unit_test(test_model_report_for_other_lanes_is_dropped),
      cmocka_unit_test(test_host_attaches_mid_run_and_after_another_host_left),
      cmocka_unit_test(test_run_without_host_refuses_host_hello),
      cmocka_unit_test(test_slow_model_still_hears_the_final_bye),
      cmocka_unit_test(test_host_waiting_for_its_answer_is_never_judged_silent),
      cmocka_unit_test(test_host_gone_during_its_sleep_is_named_once_awaited),
      cmocka_unit_test(test_rtl_heartbeats_while_it_works_through_a_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
