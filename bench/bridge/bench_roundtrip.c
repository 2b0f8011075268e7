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

/* Where @p name binds on @p transport: a socket file in @p dir, any loopback tcp port, or inproc.
 */
static void s_endpoint(char *ep, size_t cap, const char *transport, const char *dir,
                       const char *name) {
  if (!strcmp(transport, "ipc"))
    snprintf(ep, cap, "ipc://%s/%s.sock", dir, name);
  else if (!strcmp(transport, "tcp"))
    snprintf(ep, cap, "tcp://127.0.0.1:*");
  else
    snprintf(ep, cap, "inproc://%s", name);
}

static void s_bench_transport(cpo_bench_report_t *rep, const char *transport) {
  void *ctx = zmq_ctx_new();
  (void)cpo_placement_apply_context(&s_placement, ctx);
  char raw_ep[128], br_ep[128], dir[] = "/tmp/cpo-bench-XXXXXX";
  bool ipc = strcmp(transport, "ipc") == 0;
  if (ipc && !mkdtemp(dir))
    return;
  cpo_msg_t tx = {.hdr = {.type = CPO_MSG_TX_QUANTUM}};
  uint64_t *words = calloc((size_t)QUANTUM * LANES, sizeof *words);
  for (size_t i = 0; i < (size_t)QUANTUM * LANES; i++)
    words[i] = i * 0x9E3779B97F4A7C15ull;
  tx.u.quantum.count = QUANTUM;
  tx.u.quantum.lanes = LANES;
  tx.u.quantum.word_bytes = 8; /* the raw ping-pong carries the same bytes */
  tx.u.quantum.words = words;
  size_t size = cpo_msg_encoded_size(&tx);

  /* raw REQ/REP endpoint */
  void *req = zmq_socket(ctx, ZMQ_REQ);
  s_endpoint(raw_ep, sizeof raw_ep, transport, dir, "raw");
  zmq_bind(req, raw_ep);
  size_t len = sizeof raw_ep;
  zmq_getsockopt(req, ZMQ_LAST_ENDPOINT, raw_ep, &len);
  if (!strcmp(transport, "inproc"))
    snprintf(raw_ep, sizeof raw_ep, "inproc://raw");
  raw_echo_t re = {.ctx = ctx, .size = size, .rounds = BATCH * ROUNDS + 1};
  snprintf(re.endpoint, sizeof re.endpoint, "%s", raw_ep);
  pthread_t rt;
  pthread_create(&rt, NULL, s_raw_echo, &re);

  /* bridge endpoint */
  s_endpoint(br_ep, sizeof br_ep, transport, dir, "bridge");
  char why[256];
  cpo_bridge_cfg_t sc = {.endpoint = br_ep,
                         .role = CPO_ROLE_RTL,
                         .config = s_config(),
                         .timeout_ms = 10000,
                         .context = ctx};
  cpo_server_t *srv = NULL;
  if (cpo_server_bind(&sc, &srv, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "bench: %s\n", why);
    exit(1);
  }
  bridge_echo_t be = {.ctx = ctx, .rounds = BATCH * ROUNDS};
  snprintf(be.endpoint, sizeof be.endpoint, "%s", cpo_server_endpoint(srv));
  pthread_t bt;
  pthread_create(&bt, NULL, s_bridge_echo, &be);
  cpo_server_event_t ev;
  if (cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why) !=
      CPO_OK) { /* HELLO */
    fprintf(stderr, "bench: %s\n", why);
    exit(1);
  }

  char *buf = malloc(size);
  cpo_msg_encode(&tx, buf, size);
  zmq_send(req, buf, size, 0); /* warm-up */
  zmq_recv(req, buf, size, 0);
  double raw_us[ROUNDS], bridge_us[ROUNDS];
  uint64_t cycle = 0;
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = cpo_bench_now_s();
    for (int i = 0; i < BATCH; i++) {
      zmq_send(req, buf, size, 0);
      zmq_recv(req, buf, size, 0);
    }
    double t1 = cpo_bench_now_s();
    for (int i = 0; i < BATCH; i++) {
      tx.hdr.cycle = cycle;
      cycle += QUANTUM;
      why[0] = '\0';
      if (cpo_server_send(srv, CPO_ROLE_MODEL, &tx) != CPO_OK ||
          cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why) !=
              CPO_OK ||
          ev.msg.hdr.type != CPO_MSG_RX_QUANTUM) {
        fprintf(stderr,
                "bench: bridge round trip %d failed: %s (got %s); model answered %d, last %s cycle "
                "%llu\n",
                r * BATCH + i, why, cpo_msg_type_name(ev.msg.hdr.type), be.answered,
                cpo_msg_type_name(be.last_type), (unsigned long long)be.last_cycle);
        exit(1);
      }
    }
    double t2 = cpo_bench_now_s();
    raw_us[r] = (t1 - t0) / BATCH * 1e6;
    bridge_us[r] = (t2 - t1) / BATCH * 1e6;
  }
  pthread_join(rt, NULL);
  pthread_join(bt, NULL);
  double raw = s_median(raw_us, ROUNDS), bridge = s_median(bridge_us, ROUNDS);
  char name[96];
  snprintf(name, sizeof name, "%s_raw_reqrep_roundtrip", transport);
  cpo_bench_report_add(rep, name, raw, "us", false, 0, CPO_BETTER_LOWER);
  snprintf(name, sizeof name, "%s_bridge_quantum_roundtrip", transport);
  cpo_bench_report_add(rep, name, bridge, "us", false, 0, CPO_BETTER_LOWER);
  snprintf(name, sizeof name, "%s_bridge_over_raw_ratio", transport);
  cpo_bench_report_add(rep, name, bridge / raw, "ratio", true, 1.3, CPO_BETTER_LOWER);

  free(buf);
  free(words);
  zmq_close(req);
  cpo_server_close(&srv, cycle, 0, "bench done");
  zmq_ctx_term(ctx);
  if (ipc)
    rmdir(dir);
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
