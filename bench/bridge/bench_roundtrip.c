/* Bridge round trip per quantum message against a raw libzmq REQ/REP ping-pong of the same
 * size over the same transport, measured side by side in one run (issue 2: ratio <= 1.3).
 *
 * The bridge side is the real thing: the rtl's server sends TX_QUANTUM, a model client
 * validates it and answers RX_QUANTUM of the same size, the server validates that. The raw
 * side does the same byte traffic with no codec, no validation and no sequence checks.
 * Batches of the two alternate so machine noise hits both alike; medians are reported.
 *
 * Both use the same CPU placement as cpoemu (cpo/placement.h, default auto): the sending
 * thread on one CPU, the echo thread and ZeroMQ's I/O thread on the others. Left to the
 * scheduler, an inproc round trip is bimodal on two CPUs (both threads on one CPU hand over
 * without a cross-CPU wake-up, or not); `bench_roundtrip TRANSPORT off` measures that. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_report.h"
#include "cpo/bridge.h"
#include "cpo/placement.h"

#define LANES 8
#define QUANTUM 1024 /* cycles per message: the default Q */
#define BATCH 400
#define ROUNDS 9

static cpo_placement_t s_placement;

static cpo_config_t s_config(void) {
  cpo_config_t c = {.lanes = LANES,
                    .symbols_per_cycle = 32,
                    .bits_per_symbol = 1,
                    .latency_cycles = 4096,
                    .quantum_cycles = QUANTUM,
                    .seed = 1,
                    .total_cycles = 1ull << 40,
                    .baud_hz = 53125000000ull};
  snprintf(c.profile, sizeof c.profile, "loopback");
  return c;
}

/* ---- raw REQ/REP --------------------------------------------------------------- */

typedef struct {
  void *ctx;
  char endpoint[128];
  size_t size;
  int rounds;
} raw_echo_t;

static void *s_raw_echo(void *arg) {
  raw_echo_t *e = arg;
  (void)cpo_placement_pin_others(&s_placement);
  void *rep = zmq_socket(e->ctx, ZMQ_REP);
  zmq_connect(rep, e->endpoint);
  char *buf = malloc(e->size);
  for (int i = 0; i < e->rounds; i++) {
    int n = zmq_recv(rep, buf, e->size, 0);
    zmq_send(rep, buf, (size_t)n, 0);
  }
  free(buf);
  zmq_close(rep);
  return NULL;
}

/* ---- bridge model echo ------------------------------------------------------------ */

typedef struct {
  void *ctx;
  char endpoint[128];
  int rounds;
  volatile int answered; /* for the failure report */
  volatile uint16_t last_type;
  volatile uint64_t last_cycle;
} bridge_echo_t;

static void *s_bridge_echo(void *arg) {
  bridge_echo_t *e = arg;
  (void)cpo_placement_pin_others(&s_placement);
  char why[256];
  cpo_bridge_cfg_t bc = {.endpoint = e->endpoint,
                         .role = CPO_ROLE_MODEL,
                         .config = s_config(),
                         .timeout_ms = 10000,
                         .context = e->ctx};
  cpo_client_t *c = NULL;
  if (cpo_client_connect(&bc, &c, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "bench: model cannot connect: %s\n", why);
    return NULL;
  }
  uint64_t *rx = calloc((size_t)QUANTUM * LANES, sizeof *rx);
  for (int i = 0; i < e->rounds; i++) {
    cpo_msg_t m;
    cpo_status_t rc = cpo_client_recv(c, &m, why, sizeof why);
    if (rc != CPO_OK) {
      fprintf(stderr, "bench: model echo stopped at round %d: %s (%s)\n", i, why,
              cpo_status_str(rc));
      break;
    }
    e->last_type = m.hdr.type;
    e->last_cycle = m.hdr.cycle;
    cpo_msg_quantum_read(&m, 0, (size_t)QUANTUM * LANES, rx); /* what a model reads */
    cpo_msg_t r = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = m.hdr.cycle + 4096}};
    r.u.quantum.count = QUANTUM;
    r.u.quantum.lanes = LANES;
    r.u.quantum.word_bytes = m.u.quantum.word_bytes;
    r.u.quantum.words = rx;
    rc = cpo_client_send(c, &r);
    if (rc != CPO_OK) {
      fprintf(stderr, "bench: model echo cannot answer at round %d: %s\n", i, cpo_status_str(rc));
      break;
    }
    e->answered++;
  }
  free(rx);
  cpo_client_close(&c, 0, "bench done");
  return NULL;
}

static int s_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double s_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, s_cmp);
  return v[n / 2];
}

/* One transport's side-by-side measurement: the raw REQ/REP pair and the bridge's server and
 * model client, each echo in its own thread. */
typedef struct {
  const char *transport;
  void *ctx;
  char dir[32]; /* ipc: the sockets' private directory */
  cpo_msg_t tx; /* the quantum message both sides carry */
  size_t size;  /* its encoded size */
  void *req;    /* raw: our side of the ping-pong */
  raw_echo_t re;
  pthread_t rt;
  cpo_server_t *srv; /* bridge: the rtl's server */
  bridge_echo_t be;
  pthread_t bt;
  uint64_t cycle; /* the next TX_QUANTUM's */
} side_by_side_t;

/* The endpoint named @p name on @p b's transport; tcp on a free port. */
static void s_endpoint(const side_by_side_t *b, const char *name, char *ep, size_t len) {
  if (strcmp(b->transport, "ipc") == 0)
    snprintf(ep, len, "ipc://%s/%s.sock", b->dir, name);
  else if (!strcmp(b->transport, "tcp"))
    snprintf(ep, len, "tcp://127.0.0.1:*");
  else
    snprintf(ep, len, "inproc://%s", name);
}

/* A TX_QUANTUM of @p words; the raw ping-pong carries the same bytes. */
static void s_quantum(side_by_side_t *b, uint64_t *words) {
  for (size_t i = 0; i < (size_t)QUANTUM * LANES; i++)
    words[i] = i * 0x9E3779B97F4A7C15ull;
  b->tx = (cpo_msg_t){.hdr = {.type = CPO_MSG_TX_QUANTUM}};
  b->tx.u.quantum.count = QUANTUM;
  b->tx.u.quantum.lanes = LANES;
  b->tx.u.quantum.word_bytes = 8;
  b->tx.u.quantum.words = words;
  b->size = cpo_msg_encoded_size(&b->tx);
}

static void s_start_raw(side_by_side_t *b) {
  char raw_ep[128];
  b->req = zmq_socket(b->ctx, ZMQ_REQ);
  s_endpoint(b, "raw", raw_ep, sizeof raw_ep);
  zmq_bind(b->req, raw_ep);
  size_t len = sizeof raw_ep;
  zmq_getsockopt(b->req, ZMQ_LAST_ENDPOINT, raw_ep, &len);
  if (!strcmp(b->transport, "inproc"))
    snprintf(raw_ep, sizeof raw_ep, "inproc://raw");
  b->re = (raw_echo_t){.ctx = b->ctx, .size = b->size, .rounds = BATCH * ROUNDS + 1};
  snprintf(b->re.endpoint, sizeof b->re.endpoint, "%s", raw_ep);
  pthread_create(&b->rt, NULL, s_raw_echo, &b->re);
}

/* The bridge's server, with its model client attached (its HELLO taken); exits on failure. */
static void s_start_bridge(side_by_side_t *b) {
  char br_ep[128], why[256];
  s_endpoint(b, "bridge", br_ep, sizeof br_ep);
  cpo_bridge_cfg_t sc = {.endpoint = br_ep,
                         .role = CPO_ROLE_RTL,
                         .config = s_config(),
                         .timeout_ms = 10000,
                         .context = b->ctx};
  if (cpo_server_bind(&sc, &b->srv, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "bench: %s\n", why);
    exit(1);
  }
  b->be = (bridge_echo_t){.ctx = b->ctx, .rounds = BATCH * ROUNDS};
  snprintf(b->be.endpoint, sizeof b->be.endpoint, "%s", cpo_server_endpoint(b->srv));
  pthread_create(&b->bt, NULL, s_bridge_echo, &b->be);
  cpo_server_event_t ev;
  if (cpo_server_recv(b->srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why) !=
      CPO_OK) { /* HELLO */
    fprintf(stderr, "bench: %s\n", why);
    exit(1);
  }
}

/* Batch @p r of bridge round trips: TX_QUANTUM out, RX_QUANTUM back; exits on failure. */
static void s_bridge_batch(side_by_side_t *b, int r) {
  char why[256];
  cpo_server_event_t ev;
  for (int i = 0; i < BATCH; i++) {
    b->tx.hdr.cycle = b->cycle;
    b->cycle += QUANTUM;
    why[0] = '\0';
    if (cpo_server_send(b->srv, CPO_ROLE_MODEL, &b->tx) != CPO_OK ||
        cpo_server_recv(b->srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why) !=
            CPO_OK ||
        ev.msg.hdr.type != CPO_MSG_RX_QUANTUM) {
      fprintf(stderr,
              "bench: bridge round trip %d failed: %s (got %s); model answered %d, last %s cycle "
              "%llu\n",
              r * BATCH + i, why, cpo_msg_type_name(ev.msg.hdr.type), b->be.answered,
              cpo_msg_type_name(b->be.last_type), (unsigned long long)b->be.last_cycle);
      exit(1);
    }
  }
}

/* ROUNDS alternating batches of raw and bridge round trips; the time of one of each, in us. */
static void s_measure(side_by_side_t *b, double raw_us[ROUNDS], double bridge_us[ROUNDS]) {
  char *buf = malloc(b->size);
  cpo_msg_encode(&b->tx, buf, b->size);
  zmq_send(b->req, buf, b->size, 0); /* warm-up */
  zmq_recv(b->req, buf, b->size, 0);
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = cpo_bench_now_s();
    for (int i = 0; i < BATCH; i++) {
      zmq_send(b->req, buf, b->size, 0);
      zmq_recv(b->req, buf, b->size, 0);
    }
    double t1 = cpo_bench_now_s();
    s_bridge_batch(b, r);
    double t2 = cpo_bench_now_s();
    raw_us[r] = (t1 - t0) / BATCH * 1e6;
    bridge_us[r] = (t2 - t1) / BATCH * 1e6;
  }
  free(buf);
}

static void s_report(cpo_bench_report_t *rep, const char *transport, double raw, double bridge) {
  char name[96];
  snprintf(name, sizeof name, "%s_raw_reqrep_roundtrip", transport);
  cpo_bench_report_add(rep, name, raw, "us", false, 0, CPO_BETTER_LOWER);
  snprintf(name, sizeof name, "%s_bridge_quantum_roundtrip", transport);
  cpo_bench_report_add(rep, name, bridge, "us", false, 0, CPO_BETTER_LOWER);
  snprintf(name, sizeof name, "%s_bridge_over_raw_ratio", transport);
  cpo_bench_report_add(rep, name, bridge / raw, "ratio", true, 1.3, CPO_BETTER_LOWER);
}

static void s_bench_transport(cpo_bench_report_t *rep, const char *transport) {
  side_by_side_t b = {.transport = transport, .ctx = zmq_ctx_new(), .dir = "/tmp/cpo-bench-XXXXXX"};
  (void)cpo_placement_apply_context(&s_placement, b.ctx);
  bool ipc = strcmp(transport, "ipc") == 0;
  if (ipc && !mkdtemp(b.dir))
    return;
  uint64_t *words = calloc((size_t)QUANTUM * LANES, sizeof *words);
  s_quantum(&b, words);
  s_start_raw(&b);
  s_start_bridge(&b);
  double raw_us[ROUNDS], bridge_us[ROUNDS];
  s_measure(&b, raw_us, bridge_us);
  pthread_join(b.rt, NULL);
  pthread_join(b.bt, NULL);
  s_report(rep, transport, s_median(raw_us, ROUNDS), s_median(bridge_us, ROUNDS));
  free(words);
  zmq_close(b.req);
  cpo_server_close(&b.srv, b.cycle, 0, "bench done");
  zmq_ctx_term(b.ctx);
  if (ipc)
    rmdir(b.dir);
}

int main(int argc, char **argv) {
  cpo_bench_report_t *rep = cpo_bench_report_create("bridge_roundtrip");
  printf(
      "bridge_roundtrip: %d-lane x %d-cycle quantum messages, %d x %d round trips each, medians\n",
      LANES, QUANTUM, ROUNDS, BATCH);
  const char *only = argc > 1 && strcmp(argv[1], "all") ? argv[1] : NULL; /* one transport */
  char why[200], where[200];
  if (cpo_placement_plan(argc > 2 ? argv[2] : "auto", &s_placement, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "usage: bench_roundtrip [all|inproc|ipc|tcp [auto|off|CPU]]: %s\n", why);
    return 2;
  }
  cpo_placement_describe(&s_placement, where, sizeof where);
  printf("CPU placement: %s\n", where);
  (void)cpo_placement_pin_sim(&s_placement);
  const char *transports[] = {"inproc", "ipc", "tcp"};
  for (int i = 0; i < 3; i++)
    if (!only || strcmp(only, transports[i]) == 0)
      s_bench_transport(rep, transports[i]);
  int rc = cpo_bench_report_write(rep);
  cpo_bench_report_destroy(&rep);
  return rc;
}
