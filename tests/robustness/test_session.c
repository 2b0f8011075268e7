/* Session-level fault drills for the bridge: refused HELLOs, malformed frames, sequence
 * errors, silent peers and CURVE authentication, over real ZeroMQ sockets. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "cpo/bridge.h"
#include "drill_util.h"

/* A raw DEALER connected to @p endpoint that drops what it has not sent when closed. */
static void *s_dealer(void *ctx, const char *endpoint) {
  void *d = zmq_socket(ctx, ZMQ_DEALER);
  int zero = 0;
  zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
  zmq_connect(d, endpoint);
  return d;
}

/* A server that answers HELLOs (and records what else arrives) on its own thread. */
typedef struct {
  void *ctx;
  cpo_server_t *srv;
  pthread_t thread;
  volatile int stop;
  pthread_mutex_t lock;
  pthread_cond_t changed; /* signalled whenever events grows */
  int events;
  uint16_t last_type;
  char endpoint[128];
} served_t;

static void *s_serve(void *arg) {
  served_t *s = arg;
  while (!s->stop) {
    cpo_server_event_t ev;
    char why[256];
    if (cpo_server_recv(s->srv, 0, 20, &ev, why, sizeof why) == CPO_OK) { /* 20 ms: notices stop */
      pthread_mutex_lock(&s->lock);
      s->events++;
      s->last_type = ev.msg.hdr.type;
      pthread_cond_broadcast(&s->changed);
      pthread_mutex_unlock(&s->lock);
    }
  }
  return NULL;
}

/* Wait until the served thread has seen more than @p before events; false after @p ms. */
static bool s_wait_events(served_t *s, int before, int ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until); /* pthread_cond_timedwait's clock */
  until.tv_sec += ms / 1000;
  until.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&s->lock);
  int rc = 0;
  while (s->events <= before && rc == 0)
    rc = pthread_cond_timedwait(&s->changed, &s->lock, &until);
  bool seen = s->events > before;
  pthread_mutex_unlock(&s->lock);
  return seen;
}

/* An rtl server bound at @p endpoint, with the drills' run and timeout. */
static cpo_server_t *s_bind_rtl(void *ctx, const char *endpoint) {
  cpo_bridge_cfg_t bc = {.endpoint = endpoint,
                         .role = CPO_ROLE_RTL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .context = ctx};
  cpo_server_t *srv = NULL;
  char why[256] = "";
  assert_int_equal(cpo_server_bind(&bc, &srv, why, sizeof why), CPO_OK);
  return srv;
}

/* Serve @p s->srv (bound, its endpoint recorded) on its own thread. */
static void s_serve_thread_start(served_t *s) {
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->changed, NULL);
  pthread_create(&s->thread, NULL, s_serve, s);
}

static void s_serve_start(served_t *s, const char *endpoint) {
  memset(s, 0, sizeof *s);
  s->ctx = zmq_ctx_new();
  snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
  s->srv = s_bind_rtl(s->ctx, endpoint);
  s_serve_thread_start(s);
}

static void s_serve_stop(served_t *s) {
  s->stop = 1;
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->changed);
  pthread_mutex_destroy(&s->lock);
  cpo_server_close(&s->srv, 0, 0, "test done");
  zmq_ctx_term(s->ctx);
}

static cpo_status_t s_join(served_t *s, cpo_role_t role, const cpo_config_t *cfg, cpo_client_t **c,
                           char *why, size_t len) {
  cpo_bridge_cfg_t bc = {.endpoint = s->endpoint,
                         .role = role,
                         .config = *cfg,
                         .timeout_ms = TIMEOUT_MS,
                         .context = s->ctx};
  return cpo_client_connect(&bc, c, why, len);
}

static void test_session_accepts_matching_config(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t1");
  cpo_config_t cfg = drill_config();
  cpo_client_t *c = NULL;
  char why[256] = "";
  assert_int_equal(s_join(&s, CPO_ROLE_MODEL, &cfg, &c, why, sizeof why), CPO_OK);
  assert_int_equal(cpo_client_config(c)->latency_cycles, 64);
  cpo_client_close(&c, 0, "");
  assert_null(c);
  cpo_client_close(&c, 0, ""); /* safe twice */
  s_serve_stop(&s);
}

static void test_session_refuses_config_mismatch_naming_the_field(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t2");
  cpo_config_t cfg = drill_config();
  cfg.latency_cycles = 128;
  cpo_client_t *c = NULL;
  char why[256] = "";
  assert_int_not_equal(s_join(&s, CPO_ROLE_MODEL, &cfg, &c, why, sizeof why), CPO_OK);
  assert_null(c);
  assert_non_null(strstr(why, "latency_cycles"));
  s_serve_stop(&s);
}

static void test_session_refuses_a_second_model(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t3");
  cpo_config_t cfg = drill_config();
  cpo_client_t *a = NULL, *b = NULL;
  char why[256] = "";
  assert_int_equal(s_join(&s, CPO_ROLE_MODEL, &cfg, &a, why, sizeof why), CPO_OK);
  assert_int_not_equal(s_join(&s, CPO_ROLE_MODEL, &cfg, &b, why, sizeof why), CPO_OK);
  assert_non_null(strstr(why, "already connected"));
  cpo_client_close(&a, 0, "");
  s_serve_stop(&s);
}

/* Send raw bytes on a DEALER and return the wire error code of the ERROR reply (or -1). */
static int s_raw_exchange(void *dealer, const void *bytes, size_t len, char *text,
                          size_t text_len) {
  zmq_send(dealer, bytes, len, 0);
  zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&item, 1, TIMEOUT_MS) <= 0)
    return -1;
  uint8_t buf[1024];
  int n = zmq_recv(dealer, buf, sizeof buf, 0);
  cpo_msg_t m;
  cpo_wire_error_t err;
  if (n < 0 || cpo_msg_decode(buf, (size_t)n, &m, &err) != CPO_OK || m.hdr.type != CPO_MSG_ERROR)
    return -1;
  snprintf(text, text_len, "%s", m.u.error.text);
  return m.u.error.code;
}

static size_t s_encode(cpo_msg_t *m, uint8_t *buf, size_t cap) {
  size_t n = cpo_msg_encode(m, buf, cap);
  assert_true(n > 0);
  return n;
}

/* A HELLO (or HELLO_ACK) from @p role carrying the drills' run and its hash. */
static cpo_msg_t s_hello_with_config(uint16_t type, cpo_role_t role) {
  cpo_msg_t hello = {.hdr = {.type = type}};
  hello.u.hello.role = (uint8_t)role;
  hello.u.hello.config = drill_config();
  hello.u.hello.config_hash = cpo_config_hash(&hello.u.hello.config);
  return hello;
}

/* A raw DEALER that has sent @p role's HELLO (a model's with the run, a host's adopting). */
static void *s_dealer_hello(void *ctx, const char *ep, cpo_role_t role) {
  void *d = s_dealer(ctx, ep);
  cpo_msg_t hello = {.hdr = {.type = CPO_MSG_HELLO}};
  hello.u.hello.role = (uint8_t)role;
  if (role == CPO_ROLE_MODEL)
    hello = s_hello_with_config(CPO_MSG_HELLO, role);
  uint8_t buf[256];
  size_t n = s_encode(&hello, buf, sizeof buf);
  zmq_send(d, buf, n, 0);
  return d;
}

static void test_server_answers_malformed_frames_with_error_and_keeps_running(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t4");
  void *d = s_dealer(s.ctx, "inproc://t4");
  char text[256];
  uint8_t buf[256];

  assert_int_equal(s_raw_exchange(d, "garbage", 7, text, sizeof text), CPO_WERR_TRUNCATED);
  cpo_msg_t hello = s_hello_with_config(CPO_MSG_HELLO, CPO_ROLE_MODEL);
  size_t n = s_encode(&hello, buf, sizeof buf);
  buf[0] ^= 0xFF; /* bad magic */
  assert_int_equal(s_raw_exchange(d, buf, n, text, sizeof text), CPO_WERR_BAD_MAGIC);
  cpo_msg_t hb = {.hdr = {.type = CPO_MSG_HEARTBEAT, .seq = 0}};
  n = s_encode(&hb, buf, sizeof buf);
  assert_int_equal(s_raw_exchange(d, buf, n, text, sizeof text), CPO_WERR_NOT_READY);
  assert_non_null(strstr(text, "before HELLO"));

  /* The server still admits a well-behaved peer afterwards. */
  cpo_config_t cfg = drill_config();
  cpo_client_t *c = NULL;
  char why[256];
  assert_int_equal(s_join(&s, CPO_ROLE_MODEL, &cfg, &c, why, sizeof why), CPO_OK);
  cpo_client_close(&c, 0, "");
  zmq_close(d);
  s_serve_stop(&s);
}

static void test_server_rejects_bad_sequence_and_corrupt_frames_and_stays_in_step(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t5");
  void *d = s_dealer(s.ctx, "inproc://t5");
  uint8_t buf[256];
  char text[256];
  cpo_msg_t hello = {.hdr = {.type = CPO_MSG_HELLO, .seq = 0}};
  hello.u.hello.role = CPO_ROLE_HOST; /* config_hash 0: adopt */
  size_t n = s_encode(&hello, buf, sizeof buf);
  zmq_send(d, buf, n, 0);
  zmq_pollitem_t item = {d, 0, ZMQ_POLLIN, 0};
  assert_true(zmq_poll(&item, 1, TIMEOUT_MS) > 0);
  assert_true(zmq_recv(d, buf, sizeof buf, 0) > 0); /* HELLO_ACK */

  cpo_msg_t req = {.hdr = {.type = CPO_MSG_REG_READ, .seq = 5}};
  n = s_encode(&req, buf, sizeof buf);
  assert_int_equal(s_raw_exchange(d, buf, n, text, sizeof text), CPO_WERR_OUT_OF_ORDER);
  /* seq 1 is still what the server expects: a HEARTBEAT with it draws no ERROR. */
  int before = s.events;
  cpo_msg_t hb = {.hdr = {.type = CPO_MSG_HEARTBEAT, .seq = 1}};
  n = s_encode(&hb, buf, sizeof buf);
  assert_int_equal(s_raw_exchange(d, buf, n, text, sizeof text), -1);
  req.hdr.seq = 2;
  n = s_encode(&req, buf, sizeof buf);
  zmq_send(d, buf, n, 0);
  assert_true(s_wait_events(&s, before, 2000));
  assert_int_equal(s.last_type, CPO_MSG_REG_READ);

  /* A corrupted frame with the right seq (3) costs that message only: seq 4 is in step. */
  req.hdr.seq = 3;
  n = s_encode(&req, buf, sizeof buf);
  buf[n] = 0; /* one byte more than payload_len says */
  assert_int_equal(s_raw_exchange(d, buf, n + 1, text, sizeof text), CPO_WERR_BAD_LENGTH);
  before = s.events;
  hb.hdr.seq = 4;
  n = s_encode(&hb, buf, sizeof buf);
  assert_int_equal(s_raw_exchange(d, buf, n, text, sizeof text), -1); /* no ERROR: in step */
  req.hdr.seq = 5;
  n = s_encode(&req, buf, sizeof buf);
  zmq_send(d, buf, n, 0);
  assert_true(s_wait_events(&s, before, 2000));
  assert_int_equal(s.last_type, CPO_MSG_REG_READ);
  zmq_close(d);
  s_serve_stop(&s);
}

static void test_client_reports_silent_rtl_within_twice_the_timeout(void **state) {
  (void)state;
  void *ctx = zmq_ctx_new();
  cpo_server_t *srv = s_bind_rtl(ctx, "inproc://t6"); /* bound, but nobody ever services it */
  char why[256] = "";
  cpo_bridge_cfg_t cc = {.endpoint = "inproc://t6",
                         .role = CPO_ROLE_MODEL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .context = ctx};
  cpo_client_t *c = NULL;
  double t0 = drill_now_s();
  assert_int_equal(cpo_client_connect(&cc, &c, why, sizeof why), CPO_ERR_TIMEOUT);
  double waited = drill_now_s() - t0;
  assert_true(waited < 2.0 * TIMEOUT_MS / 1000.0);
  assert_true(waited >= 0.9 * TIMEOUT_MS / 1000.0);
  assert_non_null(strstr(why, "no answer from an rtl"));
  cpo_server_close(&srv, 0, 0, "");
  zmq_ctx_term(ctx);
}

static void test_server_reports_silent_model_naming_it_and_the_cycle(void **state) {
  (void)state;
  void *ctx = zmq_ctx_new();
  cpo_server_t *srv = s_bind_rtl(ctx, "inproc://t7");
  char why[256] = "";
  /* A raw model that says HELLO and then nothing at all (no heartbeats either). */
  void *d = s_dealer_hello(ctx, "inproc://t7", CPO_ROLE_MODEL);
  cpo_server_event_t ev;
  assert_int_equal(cpo_server_recv(srv, 0, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
  assert_int_equal(ev.from, CPO_ROLE_MODEL);
  double t0 = drill_now_s();
  cpo_status_t rc =
      cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why);
  double waited = drill_now_s() - t0;
  assert_int_equal(rc, CPO_ERR_TIMEOUT);
  assert_true(waited < 2.0 * TIMEOUT_MS / 1000.0);
  assert_non_null(strstr(why, "model"));
  assert_non_null(strstr(why, "last agreed cycle 0"));
  zmq_close(d);
  cpo_server_close(&srv, 0, 0, "");
  zmq_ctx_term(ctx);
}

typedef struct {
  cpo_bridge_cfg_t cfg;
  cpo_client_t *client;
  cpo_status_t rc;
} connect_job_t;

static void *s_connect_job(void *arg) {
  connect_job_t *j = arg;
  char why[256];
  j->rc = cpo_client_connect(&j->cfg, &j->client, why, sizeof why);
  return NULL;
}

/* A fake rtl (raw ROUTER) sends the client garbage after HELLO_ACK: the client answers ERROR,
 * drops it, and still returns the next good message. */
static void test_client_answers_malformed_frames_with_error_and_keeps_running(void **state) {
  (void)state;
  void *ctx = zmq_ctx_new();
  void *router = zmq_socket(ctx, ZMQ_ROUTER);
  int zero = 0;
  zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
  assert_int_equal(zmq_bind(router, "inproc://t8"), 0);
  connect_job_t job = {.cfg = {.endpoint = "inproc://t8",
                               .role = CPO_ROLE_HOST,
                               .adopt_config = true,
                               .timeout_ms = TIMEOUT_MS,
                               .context = ctx}};
  pthread_t t;
  pthread_create(&t, NULL, s_connect_job, &job);
  uint8_t ident[256], buf[512];
  int ident_len = zmq_recv(router, ident, sizeof ident, 0);
  assert_true(zmq_recv(router, buf, sizeof buf, 0) > 0); /* HELLO */
  cpo_msg_t ack = s_hello_with_config(CPO_MSG_HELLO_ACK, CPO_ROLE_RTL);
  size_t n = s_encode(&ack, buf, sizeof buf);
  zmq_send(router, ident, (size_t)ident_len, ZMQ_SNDMORE);
  zmq_send(router, buf, n, 0);
  pthread_join(t, NULL);
  assert_int_equal(job.rc, CPO_OK);

  zmq_send(router, ident, (size_t)ident_len, ZMQ_SNDMORE);
  zmq_send(router, "junk-junk-junk", 14, 0);
  cpo_msg_t good = {.hdr = {.type = CPO_MSG_SLEEP_DONE, .seq = 1, .cycle = 10}};
  n = s_encode(&good, buf, sizeof buf);
  zmq_send(router, ident, (size_t)ident_len, ZMQ_SNDMORE);
  zmq_send(router, buf, n, 0);
  cpo_msg_t m;
  char why[256];
  assert_int_equal(cpo_client_recv(job.client, &m, why, sizeof why), CPO_OK);
  assert_int_equal(m.hdr.type, CPO_MSG_SLEEP_DONE);
  assert_int_equal(m.hdr.cycle, 10);

  /* The client's ERROR about the junk reached the fake rtl. */
  zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
  assert_true(zmq_poll(&item, 1, TIMEOUT_MS) > 0);
  zmq_recv(router, ident, sizeof ident, 0);
  int got = zmq_recv(router, buf, sizeof buf, 0);
  cpo_msg_t e;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(buf, (size_t)got, &e, &err), CPO_OK);
  assert_int_equal(e.hdr.type, CPO_MSG_ERROR);
  assert_int_equal(e.u.error.code, CPO_WERR_TRUNCATED);
  cpo_client_close(&job.client, 0, "");
  zmq_close(router);
  zmq_ctx_term(ctx);
}

/* A client that sends and closes at once still gets its last messages and its BYE through
 * (a zero LINGER would drop them, and the rtl would wait for a peer that has left). */
static void test_client_close_delivers_queued_messages_and_bye(void **state) {
  (void)state;
  void *ctx = zmq_ctx_new();
  cpo_server_t *srv = s_bind_rtl(ctx, "tcp://127.0.0.1:*");
  char why[256] = "";
  connect_job_t job = {.cfg = {.endpoint = cpo_server_endpoint(srv),
                               .role = CPO_ROLE_MODEL,
                               .config = drill_config(),
                               .timeout_ms = TIMEOUT_MS,
                               .context = ctx}};
  pthread_t t;
  pthread_create(&t, NULL, s_connect_job, &job);
  cpo_server_event_t ev;
  assert_int_equal(
      cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
  pthread_join(t, NULL);
  assert_int_equal(job.rc, CPO_OK);

  enum { COUNT = 4096, SENT = 4 }; /* 256 KiB messages: they take a while to leave */
  uint64_t *words = calloc((size_t)COUNT * 8, sizeof *words);
  for (int i = 0; i < SENT; i++) {
    cpo_msg_t rx = {.hdr = {.type = CPO_MSG_RX_QUANTUM, .cycle = (uint64_t)i * COUNT}};
    rx.u.quantum.count = COUNT;
    rx.u.quantum.lanes = 8;
    rx.u.quantum.word_bytes = 8;
    rx.u.quantum.words = words;
    assert_int_equal(cpo_client_send(job.client, &rx), CPO_OK);
  }
  cpo_client_close(&job.client, 0, "done");
  for (int i = 0; i < SENT; i++) {
    assert_int_equal(
        cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
    assert_int_equal(ev.msg.hdr.type, CPO_MSG_RX_QUANTUM);
  }
  assert_int_equal(
      cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
  assert_int_equal(ev.msg.hdr.type, CPO_MSG_BYE);
  assert_false(cpo_server_attached(srv, CPO_ROLE_MODEL));
  free(words);
  cpo_server_close(&srv, 0, 0, "");
  zmq_ctx_term(ctx);
}

static void test_endpoint_locality(void **state) {
  (void)state;
  assert_true(cpo_endpoint_is_local("inproc://x"));
  assert_true(cpo_endpoint_is_local("ipc:///tmp/x"));
  assert_true(cpo_endpoint_is_local("tcp://127.0.0.1:5555"));
  assert_true(cpo_endpoint_is_local("tcp://localhost:5555"));
  assert_true(cpo_endpoint_is_local("tcp://[::1]:5555"));
  assert_false(cpo_endpoint_is_local("tcp://*:5555"));
  assert_false(cpo_endpoint_is_local("tcp://0.0.0.0:5555"));
  assert_false(cpo_endpoint_is_local("tcp://10.1.2.3:5555"));
}

static void test_server_refuses_non_loopback_tcp_without_curve(void **state) {
  (void)state;
  cpo_bridge_cfg_t sc = {.endpoint = "tcp://0.0.0.0:0",
                         .role = CPO_ROLE_RTL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS};
  cpo_server_t *srv = NULL;
  char why[256] = "";
  assert_int_equal(cpo_server_bind(&sc, &srv, why, sizeof why), CPO_ERR_AUTH);
  assert_null(srv);
  assert_non_null(strstr(why, "CURVE"));
}

/* CURVE over loopback tcp: the authorised key joins, an unknown key is refused. */
static void test_curve_admits_authorised_key_and_refuses_unknown(void **state) {
  (void)state;
  char dir[] = "/tmp/cpo-curve-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char server_key[128], client_key[128], other_key[128], auth[128], pub[300], why[256] = "";
  snprintf(server_key, sizeof server_key, "%s/server.key", dir);
  snprintf(client_key, sizeof client_key, "%s/client.key", dir);
  snprintf(other_key, sizeof other_key, "%s/other.key", dir);
  snprintf(auth, sizeof auth, "%s/authorized", dir);
  assert_int_equal(cpo_curve_keygen(server_key, why, sizeof why), CPO_OK);
  assert_int_equal(cpo_curve_keygen(client_key, why, sizeof why), CPO_OK);
  assert_int_equal(cpo_curve_keygen(other_key, why, sizeof why), CPO_OK);
  snprintf(pub, sizeof pub, "cp %s.pub %s", client_key, auth);
  assert_int_equal(system(pub), 0);

  served_t s;
  memset(&s, 0, sizeof s);
  s.ctx = zmq_ctx_new();
  cpo_bridge_cfg_t sc = {.endpoint = "tcp://127.0.0.1:*",
                         .role = CPO_ROLE_RTL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .context = s.ctx,
                         .curve = {.key_file = server_key, .authorized_file = auth}};
  assert_int_equal(cpo_server_bind(&sc, &s.srv, why, sizeof why), CPO_OK);
  snprintf(s.endpoint, sizeof s.endpoint, "%s", cpo_server_endpoint(s.srv));
  s_serve_thread_start(&s);

  char server_pub[140];
  snprintf(server_pub, sizeof server_pub, "%s.pub", server_key);
  cpo_bridge_cfg_t cc = {.endpoint = s.endpoint,
                         .role = CPO_ROLE_MODEL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .curve = {.key_file = other_key, .server_key_file = server_pub}};
  cpo_client_t *c = NULL;
  cpo_status_t rc = cpo_client_connect(&cc, &c, why, sizeof why);
  assert_int_not_equal(rc, CPO_OK);
  assert_null(c);
  assert_int_equal(rc, CPO_ERR_AUTH);
  assert_non_null(strstr(why, "refused"));

  cc.curve.key_file = client_key;
  assert_int_equal(cpo_client_connect(&cc, &c, why, sizeof why), CPO_OK);
  cpo_client_close(&c, 0, "");
  s_serve_stop(&s);
  char rm[160];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  assert_int_equal(system(rm), 0);
}

/* ---- liveness on a clock (PROTOCOL.md 9) ----------------------------------------------------- */

typedef struct {
  void *sock;
  volatile int stop;
  bool in_session; /* send numbered HEARTBEATs (a host), else junk (a stranger) */
  uint32_t seq;
} flooder_t;

/* Send a frame every TIMEOUT_MS / 40 until told to stop (at most ~20 timeouts' worth). */
static void *s_flood(void *arg) {
  flooder_t *f = arg;
  for (int i = 0; i < 800 && !f->stop; i++) {
    if (f->in_session) {
      cpo_msg_t hb = {.hdr = {.type = CPO_MSG_HEARTBEAT, .seq = f->seq++}};
      uint8_t buf[64];
      size_t n = cpo_msg_encode(&hb, buf, sizeof buf);
      zmq_send(f->sock, buf, n, 0);
    } else {
      zmq_send(f->sock, "junk", 4, 0);
    }
    struct timespec nap = {0, (long)TIMEOUT_MS * 25000L}; /* the flood's pace, not a wait */
    nanosleep(&nap, NULL);
  }
  f->stop = 1; /* the flood is over: a verdict after this proves nothing */
  return NULL;
}

/* A frozen model is reported although a stranger sends junk faster than the receive slice, and
 * a model that sends only refused frames is as silent as a frozen one. */
static void s_frozen_model_case(bool refused_frames) {
  void *ctx = zmq_ctx_new();
  cpo_server_t *srv = s_bind_rtl(ctx, "inproc://live1");
  char why[256] = "";
  void *model = s_dealer_hello(ctx, "inproc://live1", CPO_ROLE_MODEL);
  cpo_server_event_t ev;
  assert_int_equal(cpo_server_recv(srv, 0, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
  flooder_t f = {.sock = refused_frames ? model : s_dealer(ctx, "inproc://live1"),
                 .in_session = refused_frames,
                 .seq = 1000}; /* the model's frames: numbered wrong, every one refused */
  pthread_t t;
  pthread_create(&t, NULL, s_flood, &f);
  cpo_status_t rc =
      cpo_server_recv(srv, 1u << CPO_ROLE_MODEL, CPO_WAIT_FOREVER, &ev, why, sizeof why);
  bool flood_on = !f.stop; /* still flooding when the verdict came */
  f.stop = 1;
  pthread_join(t, NULL);
  assert_int_equal(rc, CPO_ERR_TIMEOUT);
  assert_non_null(strstr(why, "model"));
  assert_true(flood_on);
  if (!refused_frames)
    zmq_close(f.sock);
  zmq_close(model);
  cpo_server_close(&srv, 0, -8, "");
  zmq_ctx_term(ctx);
}

static void test_frozen_model_is_reported_through_a_junk_flood(void **state) {
  (void)state;
  s_frozen_model_case(false);
}

static void test_refused_frames_are_not_liveness(void **state) {
  (void)state;
  s_frozen_model_case(true);
}

typedef struct {
  cpo_server_t *srv;
  volatile int stop;
} pump_t;

static void *s_pump_host(void *arg) {
  pump_t *p = arg;
  while (!p->stop) {
    cpo_server_event_t ev;
    char why[256];
    cpo_status_t rc = cpo_server_recv(p->srv, 1u << CPO_ROLE_HOST, 50, &ev, why, sizeof why);
    (void)rc; /* the host is alive throughout; only the model's side is checked */
  }
  return NULL;
}

/* While the rtl waits on a host that heartbeats faster than the receive slice (or a stranger
 * sends junk that fast), the model still gets the rtl's HEARTBEATs. */
static void s_model_heartbeated_case(bool host_flood) {
  void *ctx = zmq_ctx_new();
  cpo_server_t *srv = s_bind_rtl(ctx, "inproc://live2");
  char why[256] = "";
  void *model = s_dealer_hello(ctx, "inproc://live2", CPO_ROLE_MODEL);
  void *host = s_dealer_hello(ctx, "inproc://live2", CPO_ROLE_HOST);
  cpo_server_event_t ev;
  for (int i = 0; i < 2; i++)
    assert_int_equal(cpo_server_recv(srv, 0, CPO_WAIT_FOREVER, &ev, why, sizeof why), CPO_OK);
  flooder_t f = {.sock = host, .in_session = true, .seq = 1};
  if (!host_flood) {
    f.sock = s_dealer(ctx, "inproc://live2");
    f.in_session = false;
  }
  pump_t p = {.srv = srv};
  pthread_t tf, tp;
  pthread_create(&tf, NULL, s_flood, &f);
  pthread_create(&tp, NULL, s_pump_host, &p);
  int heartbeats = 0; /* HELLO_ACK first, then HEARTBEATs */
  uint8_t buf[512];
  double until = drill_now_s() + 20.0 * TIMEOUT_MS / 1000.0; /* generous */
  while (heartbeats < 3 && drill_now_s() < until) {
    zmq_pollitem_t it = {model, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, TIMEOUT_MS) <= 0)
      continue;
    int n = zmq_recv(model, buf, sizeof buf, 0);
    cpo_msg_t m;
    cpo_wire_error_t err;
    if (n > 0 && cpo_msg_decode(buf, (size_t)n, &m, &err) == CPO_OK &&
        m.hdr.type == CPO_MSG_HEARTBEAT)
      heartbeats++;
  }
  bool flood_on = !f.stop;
  f.stop = p.stop = 1;
  pthread_join(tf, NULL);
  pthread_join(tp, NULL);
  assert_int_equal(heartbeats, 3);
  (void)flood_on;
  if (!host_flood)
    zmq_close(f.sock);
  zmq_close(model);
  zmq_close(host);
  cpo_server_close(&srv, 0, -8, "");
  zmq_ctx_term(ctx);
}

static void test_model_heartbeated_while_host_heartbeats_fast(void **state) {
  (void)state;
  s_model_heartbeated_case(true);
}

static void test_model_heartbeated_through_a_junk_flood(void **state) {
  (void)state;
  s_model_heartbeated_case(false);
}

/* An ERROR is never answered with an ERROR: neither a stranger's nor a peer's refused one. The
 * next reply the sender gets is the one for the frame after it. */
static void test_error_is_never_answered_with_error(void **state) {
  (void)state;
  served_t s;
  s_serve_start(&s, "inproc://t-err");
  void *d = s_dealer(s.ctx, "inproc://t-err");
  uint8_t buf[256], bad[8] = "garbage";
  char text[256];
  cpo_msg_t e = {.hdr = {.type = CPO_MSG_ERROR, .seq = 7}};
  e.u.error.code = CPO_WERR_BAD_FIELD;
  size_t n = s_encode(&e, buf, sizeof buf);
  zmq_send(d, buf, n, 0); /* a stranger's ERROR (NOT_READY if answered) */
  assert_int_equal(s_raw_exchange(d, bad, 7, text, sizeof text), CPO_WERR_TRUNCATED);
  zmq_close(d);
  s_serve_stop(&s);
}

/* A flood of refused frames prints a handful of lines, not one per frame. */
static void test_refusals_are_logged_once_per_connection(void **state) {
  (void)state;
  char path[] = "/tmp/cpo-log-XXXXXX";
  const char *tmp = getenv("TMPDIR");
  char buf_path[512];
  snprintf(buf_path, sizeof buf_path, "%s/cpo-log-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  int fd = mkstemp(buf_path);
  (void)path;
  assert_true(fd >= 0);
  int saved = dup(2);
  fflush(stderr);
  dup2(fd, 2);
  served_t s;
  s_serve_start(&s, "inproc://t-log");
  void *d = s_dealer(s.ctx, "inproc://t-log");
  for (int i = 0; i < 20000; i++)
    zmq_send(d, "junk", 4, 0);
  cpo_msg_t hello = {.hdr = {.type = CPO_MSG_HELLO}};
  hello.u.hello.role = CPO_ROLE_HOST;
  uint8_t buf[256];
  size_t n = s_encode(&hello, buf, sizeof buf);
  int before = s.events;
  zmq_send(d, buf, n, 0); /* in order after the junk: once it is admitted, all junk was read */
  assert_true(s_wait_events(&s, before, 60000));
  zmq_close(d);
  s_serve_stop(&s);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  FILE *f = fdopen(fd, "r");
  rewind(f);
  int lines = 0;
  char line[600];
  while (fgets(line, sizeof line, f))
    lines++;
  fclose(f);
  unlink(buf_path);
  if (lines > 10)
    fail_msg("%d log lines for 20000 refused frames of one connection", lines);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_session_accepts_matching_config),
      cmocka_unit_test(test_session_refuses_config_mismatch_naming_the_field),
      cmocka_unit_test(test_session_refuses_a_second_model),
      cmocka_unit_test(test_server_answers_malformed_frames_with_error_and_keeps_running),
      cmocka_unit_test(test_server_rejects_bad_sequence_and_corrupt_frames_and_stays_in_step),
      cmocka_unit_test(test_client_reports_silent_rtl_within_twice_the_timeout),
      cmocka_unit_test(test_server_reports_silent_model_naming_it_and_the_cycle),
      cmocka_unit_test(test_client_answers_malformed_frames_with_error_and_keeps_running),
      cmocka_unit_test(test_client_close_delivers_queued_messages_and_bye),
      cmocka_unit_test(test_endpoint_locality),
      cmocka_unit_test(test_server_refuses_non_loopback_tcp_without_curve),
      cmocka_unit_test(test_curve_admits_authorised_key_and_refuses_unknown),
      cmocka_unit_test(test_frozen_model_is_reported_through_a_junk_flood),
      cmocka_unit_test(test_refused_frames_are_not_liveness),
      cmocka_unit_test(test_model_heartbeated_while_host_heartbeats_fast),
      cmocka_unit_test(test_model_heartbeated_through_a_junk_flood),
      cmocka_unit_test(test_error_is_never_answered_with_error),
      cmocka_unit_test(test_refusals_are_logged_once_per_connection),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
