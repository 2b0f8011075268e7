/* CMIS register accesses per second over the bridge against the bridge's raw round-trip rate,
 * measured side by side in one run (issue 13), over inproc and ipc.
 *
 * The access side is the real host path: the CMIS driver (cpo_cmis_read of a lower-page byte,
 * one 32-bit register read each) over the bridge HAL (cpo_hal_open) to the rtl's synchroniser
 * (cpo_sync_run, a direct run serving the host), whose design answers a bus transaction in one
 * cycle: what is measured is the host-to-rtl path, not the emulated two-wire bus (whose 39 us
 * of simulated time per byte is the engine's to skip). The raw side is a libzmq REQ/REP
 * ping-pong of the same size over the same transport. Rounds of the two alternate, so machine
 * noise hits both alike; each round's ratio (access rate / raw rate) is kept, and the medians
 * with their 95 % intervals are reported. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_report.h"
#include "cpo/bridge.h"
#include "cpo/cmis.h"
#include "cpo/sync.h"

#define LANES 8
#define BATCH 2000
#define ROUNDS 15
#define MSG_BYTES 48 /* about a REG_READ / REG_READ_RESP: header and address */

/* ---- a design whose bus answers in one cycle ---------------------------------------------- */

typedef struct {
  bool open;
  uint32_t addr;
} s_design_t;

static void s_step(void *self, uint32_t count, const uint64_t *rx, uint64_t *tx) {
  (void)self, (void)rx;
  memset(tx, 0, (size_t)count * LANES * sizeof *tx);
}
static void s_bus_start(void *self, bool write, uint32_t addr, uint32_t wdata) {
  s_design_t *d = self;
  (void)write, (void)wdata;
  d->open = true;
  d->addr = addr;
}
static bool s_bus_done(void *self, uint32_t *rdata, bool *slverr) {
  s_design_t *d = self;
  if (!d->open)
    return false;
  d->open = false;
  *rdata = d->addr == CPO_CMIS_ENGINE_BASE ? 0x80u : 0u; /* byte 0: a CPO module */
  *slverr = false;
  return true;
}

typedef struct {
  cpo_server_t *srv;
  cpo_config_t cfg;
  s_design_t design;
  cpo_sync_result_t res;
  cpo_status_t rc;
  volatile sig_atomic_t stop; /* set once the host has gone: the run ends there */
} s_rtl_t;

static void *s_rtl_main(void *arg) {
  s_rtl_t *r = arg;
  cpo_design_ops_t ops = {
      .self = &r->design, .step = s_step, .bus_start = s_bus_start, .bus_done = s_bus_done};
  cpo_sync_opts_t opts = {.direct_loopback = true, .expect_host = true, .stop = &r->stop};
  r->rc = cpo_sync_run(r->srv, &r->cfg, &ops, &opts, &r->res);
  cpo_server_close(&r->srv, r->res.cycles, (int16_t)r->rc, "bench done");
  return NULL;
}

/* ---- raw REQ/REP ---------------------------------------------------------------------------- */

typedef struct {
  void *ctx;
  char endpoint[128];
  int total;
} s_echo_t;

static void *s_echo(void *arg) {
  s_echo_t *e = arg;
  void *rep = zmq_socket(e->ctx, ZMQ_REP);
  zmq_connect(rep, e->endpoint);
  char buf[MSG_BYTES];
  for (int i = 0; i < e->total; i++)
    if (zmq_recv(rep, buf, sizeof buf, 0) < 0 || zmq_send(rep, buf, sizeof buf, 0) < 0)
      break;
  zmq_close(rep);
  return NULL;
}

static double s_raw_batch(void *req) {
  char buf[MSG_BYTES] = {0};
  double t0 = cpo_bench_now_s();
  for (int i = 0; i < BATCH; i++)
    if (zmq_send(req, buf, sizeof buf, 0) < 0 || zmq_recv(req, buf, sizeof buf, 0) < 0) {
      fprintf(stderr, "bench_cmis_access: raw ping-pong failed: %s\n", zmq_strerror(zmq_errno()));
      exit(1);
    }
  return BATCH / (cpo_bench_now_s() - t0);
}

static double s_cmis_batch(cpo_cmis_t *c) {
  double t0 = cpo_bench_now_s();
  for (int i = 0; i < BATCH; i++) {
    uint8_t id;
    if (cpo_cmis_read(c, 0, 0, 0, &id, 1) != CPO_OK || id != 0x80) {
      fprintf(stderr, "bench_cmis_access: CMIS read failed: %s\n", cpo_cmis_error(c));
      exit(1);
    }
  }
  return BATCH / (cpo_bench_now_s() - t0);
}

static void s_bench(cpo_bench_report_t *rep, const char *transport) {
  char ep[128], raw_ep[128], why[256];
  static int serial;
  serial++;
  if (!strcmp(transport, "inproc")) {
    snprintf(ep, sizeof ep, "inproc://bench-cmis-%d", serial);
    snprintf(raw_ep, sizeof raw_ep, "inproc://bench-cmis-raw-%d", serial);
  } else {
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(ep, sizeof ep, "ipc://%s/bench-cmis-%d-%d", tmp, (int)getpid(), serial);
    snprintf(raw_ep, sizeof raw_ep, "ipc://%s/bench-cmis-raw-%d-%d", tmp, (int)getpid(), serial);
  }
  void *ctx = zmq_ctx_new();
  s_rtl_t r = {.cfg = {.lanes = LANES,
                       .symbols_per_cycle = 8,
                       .bits_per_symbol = 2,
                       .latency_cycles = 4096,
                       .quantum_cycles = 1024,
                       .seed = 1,
                       .total_cycles = 1ull << 40,
                       .baud_hz = 106250000000ull}};
  snprintf(r.cfg.profile, sizeof r.cfg.profile, "loopback");
  cpo_bridge_cfg_t sc = {
      .endpoint = ep, .role = CPO_ROLE_RTL, .config = r.cfg, .timeout_ms = 10000, .context = ctx};
  if (cpo_server_bind(&sc, &r.srv, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "bench_cmis_access: bind %s: %s\n", ep, why);
    exit(1);
  }
  pthread_t rtl, echo;
  pthread_create(&rtl, NULL, s_rtl_main, &r);
  cpo_bridge_cfg_t hc = {.endpoint = ep,
                         .role = CPO_ROLE_HOST,
                         .adopt_config = true,
                         .timeout_ms = 10000,
                         .context = ctx};
  cpo_hal_t *hal = NULL;
  cpo_cmis_t *c = NULL;
  if (cpo_hal_open(&hc, &hal, why, sizeof why) != CPO_OK ||
      cpo_cmis_create(hal, CPO_CMIS_ENGINE_BASE, &c) != CPO_OK) {
    fprintf(stderr, "bench_cmis_access: attach %s: %s\n", ep, why);
    exit(1);
  }
  s_echo_t e = {.ctx = ctx, .total = ROUNDS * BATCH};
  snprintf(e.endpoint, sizeof e.endpoint, "%s", raw_ep);
  void *req = zmq_socket(ctx, ZMQ_REQ);
  zmq_bind(req, raw_ep);
  pthread_create(&echo, NULL, s_echo, &e);

  double raw[ROUNDS], acc[ROUNDS], ratio[ROUNDS];
  for (int k = 0; k < ROUNDS; k++) { /* paired rounds, the order alternating */
    if (k % 2) {
      acc[k] = s_cmis_batch(c);
      raw[k] = s_raw_batch(req);
    } else {
      raw[k] = s_raw_batch(req);
      acc[k] = s_cmis_batch(c);
    }
    ratio[k] = acc[k] / raw[k];
  }
  double lo, hi;
  char name[96];
  double m = cpo_bench_median(acc, ROUNDS);
  cpo_bench_median_interval95(acc, ROUNDS, &lo, &hi);
  snprintf(name, sizeof name, "%s_cmis_accesses_per_s", transport);
  cpo_bench_report_add(rep, name, m, "1/s", false, 0, CPO_BETTER_HIGHER);
  printf("  95%% interval %.0f-%.0f\n", lo, hi);
  m = cpo_bench_median(raw, ROUNDS);
  cpo_bench_median_interval95(raw, ROUNDS, &lo, &hi);
  snprintf(name, sizeof name, "%s_raw_round_trips_per_s", transport);
  cpo_bench_report_add(rep, name, m, "1/s", false, 0, CPO_BETTER_HIGHER);
  printf("  95%% interval %.0f-%.0f\n", lo, hi);
  m = cpo_bench_median(ratio, ROUNDS);
  cpo_bench_median_interval95(ratio, ROUNDS, &lo, &hi);
  snprintf(name, sizeof name, "%s_cmis_over_raw", transport);
  cpo_bench_report_add(rep, name, m, "ratio", false, 0, CPO_BETTER_HIGHER);
  printf("  95%% interval %.3f-%.3f\n", lo, hi);

  zmq_close(req);
  pthread_join(echo, NULL);
  cpo_cmis_destroy(&c);
  cpo_hal_close(&hal); /* the host's BYE */
  r.stop = 1;
  pthread_join(rtl, NULL);
  zmq_ctx_term(ctx);
}

int main(void) {
  cpo_bench_report_t *rep = cpo_bench_report_create("cmis_access");
  s_bench(rep, "inproc");
  s_bench(rep, "ipc");
  int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc;
}
