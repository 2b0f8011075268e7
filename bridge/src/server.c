/* Server half of the bridge (the rtl role): one ROUTER socket; peers are known by role. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge_internal.h"

#define MAX_IDENT 256
#define N_ROLES 4 /* indexed by cpo_role_t; 0 unused */
#define MAX_HELD 8
#define LOG_CONNS 64
#define LOG_LINES_PER_S 10

typedef struct {
  bool attached;
  uint8_t ident[MAX_IDENT];
  size_t ident_len;
  cpo_proto_rx_state_t rx;
  cpo_wire_tx_t tx;
  uint64_t last_rx_us;      /* when its last accepted message arrived: its liveness */
  cpo_wire_undo_t undo;     /* what accepting its last message changed, for cpo_server_reject */
  zmq_msg_t held[MAX_HELD]; /* TX quanta encoded and numbered, not yet handed to ZeroMQ */
  int n_held;
  uint64_t refused;       /* its messages refused so far */
  char last_refusal[300]; /* why the last one was */
} peer_t;

struct cpo_server {
  void *ctx;
  bool own_ctx;
  void *sock;
  cpo_zap_t *zap;
  char endpoint[256];
  char ipc_path[256];
  uint32_t timeout_ms;
  cpo_config_t config;
  uint64_t cycle;      /* the rtl's current cycle, for HELLO_ACK and ERROR stamps */
  uint64_t created_us; /* peers not yet attached are "silent since" this */
  /* Silence is judged on evidence: a peer's frames wait in the queue while the rtl is away from
   * it (simulating, applying what came), so an absence longer than a receive slice is not the
   * peer's silence: it counts from back_us, when the rtl came back, at the earliest. */
  uint64_t listened_us; /* when cpo_server_recv last returned */
  uint64_t back_us;
  peer_t peers[N_ROLES];
  zmq_msg_t ident_frame, body; /* the event the caller's cpo_msg_t points into */
  cpo_align_buf_t aligned;     /* or the body's aligned copy */
  bool body_live;
  int rcvtimeo_ms;        /* ZMQ_RCVTIMEO now set on sock (-1: none, the default) */
  int hold_max;           /* TX quanta held back at most (see s_send_peer) */
  unsigned refused_roles; /* bits (1 << role) whose HELLO is refused */
  bool closing;           /* the final BYE is sent: no one attaches any more */
  int16_t end_status;     /* the final BYE's status */
  cpo_peer_event_t events[CPO_PEER_EVENTS_MAX];
  uint32_t n_events; /* in all; the first CPO_PEER_EVENTS_MAX are kept */
  /* The log (s_log): each connection's refusals are printed once, and at most LOG_LINES_PER_S
   * lines a second in all; the rest are counted and summed up at close. */
  uint64_t logged[LOG_CONNS]; /* hashes of the connections already named, a ring */
  unsigned n_logged;
  uint64_t log_window_us;
  unsigned log_lines;
  uint64_t refused, unlogged; /* frames refused in all; log lines not printed */
  /* The model's MODEL_REPORT, answering the final BYE: lanes 0 until one is kept */
  uint16_t report_lanes;
  double report[CPO_PROTO_MAX_LANES * CPO_PROTO_REPORT_FIELDS];
};

static const char *s_role(int r) {
  return cpo_role_name((uint8_t)r);
}

/* Hand the held messages to ZeroMQ, in order. */
static cpo_status_t s_flush(cpo_server_t *s, peer_t *p) {
  cpo_status_t rc = CPO_OK;
  for (int i = 0; i < p->n_held; i++) {
    if (rc == CPO_OK)
      rc = cpo_wire_post(s->sock, p->ident, p->ident_len, &p->held[i]); /* consumes it */
    else
      zmq_msg_close(&p->held[i]); /* the peer is gone: the rest cannot reach it either */
  }
  p->n_held = 0;
  return rc;
}

static cpo_status_t s_flush_all(cpo_server_t *s) {
  cpo_status_t rc = CPO_OK;
  for (int r = 1; r < N_ROLES; r++) {
    cpo_status_t f = s_flush(s, &s->peers[r]);
    rc = rc == CPO_OK ? f : rc;
  }
  return rc;
}

/* TX quanta to the model travel in batches: the first message into an empty queue wakes the
 * model (on another CPU: an inter-processor interrupt, several microseconds of the sending
 * thread's time), the others ride along. Holding back up to hold_max quanta while the rtl is
 * busy costs nothing: with L/Q quanta in flight the model still gets each one L/2 cycles
 * before its RX is due, and anything else sent, and any blocking receive, flushes first.
 * The bytes and their order are unchanged: only when ZeroMQ sees them. */
static cpo_status_t s_send_peer(cpo_server_t *s, int role, cpo_msg_t *msg) {
  peer_t *p = &s->peers[role];
  if (!(role == CPO_ROLE_MODEL && msg->hdr.type == CPO_MSG_TX_QUANTUM && s->hold_max > 0)) {
    CPO_TRY(s_flush(s, p));
    return cpo_wire_send(s->sock, p->ident, p->ident_len, msg, &p->tx);
  }
  CPO_TRY(cpo_wire_encode(msg, &p->tx, &p->held[p->n_held]));
  p->n_held++;
  cpo_wire_commit(&p->tx, msg);
  return p->n_held > s->hold_max ? s_flush(s, p) : CPO_OK;
}

static uint64_t s_ident_key(const uint8_t *ident, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ ident[i]) * 0x100000001b3ull;
  return h;
}

/* The rtl's one voice in the log for the session: attaches, detaches and refusals. A refusal
 * (@p ident given) is printed once per connection; every line counts against a global budget of
 * LOG_LINES_PER_S a second, so a flood of frames or connections prints a handful of lines. */
static void s_log(cpo_server_t *s, const uint8_t *ident, size_t ident_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_log(cpo_server_t *s, const uint8_t *ident, size_t ident_len, const char *fmt, ...) {
  if (ident) {
    uint64_t key = s_ident_key(ident, ident_len);
    for (unsigned i = 0; i < LOG_CONNS && i < s->n_logged; i++)
      if (s->logged[i] == key) {
        s->unlogged++;
        return;
      }
    s->logged[s->n_logged++ % LOG_CONNS] = key;
  }
  uint64_t now = cpo_mono_us();
  if (now - s->log_window_us >= 1000000u) {
    s->log_window_us = now;
    s->log_lines = 0;
  }
  if (s->log_lines >= LOG_LINES_PER_S) {
    s->unlogged++;
    return;
  }
  s->log_lines++;
  char line[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  cpo_log(CPO_LOG_INFO, "rtl", "%s%s", line,
          ident ? " (the next ones from this connection are counted, not shown)" : "");
}

/* The session's own events (attach, detach) are few and on the record: never held back by the
 * budget a flood uses up. */
static void s_log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void s_log_event(const char *fmt, ...) {
  char line[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  cpo_log(CPO_LOG_INFO, "rtl", "%s", line);
}

/* Reply ERROR to a sender that is not (yet) a peer: its own seq space starts at 0. An ERROR is
 * never answered with an ERROR (@p answer false). */
static void s_reject_stranger(cpo_server_t *s, const uint8_t *ident, size_t len,
                              const cpo_wire_error_t *err, bool answer) {
  cpo_wire_tx_t fresh = {0};
  cpo_msg_t reply;
  cpo_wire_error_msg(&reply, err, s->cycle);
  s->refused++;
  if (answer)
    (void)cpo_wire_send(s->sock, ident, len, &reply, &fresh); /* best effort: it may be gone */
  s_log(s, ident, len, "refused a frame from a connection outside the session: %s: %s",
        cpo_wire_error_str(err->code), err->text);
}

/* An attach or a detach, on the record and in the log. */
static void s_note_peer(cpo_server_t *s, int role, bool attach) {
  if (s->n_events < CPO_PEER_EVENTS_MAX)
    s->events[s->n_events] =
        (cpo_peer_event_t){.role = (cpo_role_t)role, .attach = attach, .cycle = s->cycle};
  s->n_events++;
  s_log_event("%s %s at cycle %llu", s_role(role), attach ? "attached" : "detached",
              (unsigned long long)s->cycle);
}

void cpo_server_log_peer(cpo_server_t *s, cpo_role_t role, const char *text) {
  if (cpo_server_attached(s, role) || (role > 0 && role < N_ROLES && s->peers[role].ident_len))
    s_log(s, s->peers[role].ident, s->peers[role].ident_len, "%s: %s", s_role(role), text);
}

uint32_t cpo_server_peer_events(const cpo_server_t *s, cpo_peer_event_t *out, uint32_t max) {
  uint32_t kept = s->n_events < CPO_PEER_EVENTS_MAX ? s->n_events : CPO_PEER_EVENTS_MAX;
  for (uint32_t i = 0; i < kept && i < max; i++)
    out[i] = s->events[i];
  return s->n_events;
}

static int s_role_of(const cpo_server_t *s, const uint8_t *ident, size_t len) {
  for (int r = 1; r < N_ROLES; r++)
    if (s->peers[r].attached && s->peers[r].ident_len == len &&
        memcmp(s->peers[r].ident, ident, len) == 0)
      return r;
  return 0;
}

/* A HELLO from a new connection: admit it as a peer or refuse it with ERROR. */
static bool s_admit(cpo_server_t *s, const uint8_t *ident, size_t len, const cpo_msg_t *m) {
  cpo_wire_error_t err = {.ref_seq = m->hdr.seq};
  int role = m->u.hello.role;
  if (role != CPO_ROLE_MODEL && role != CPO_ROLE_HOST) {
    err.code = CPO_WERR_BAD_FIELD;
    snprintf(err.text, sizeof err.text,
             "HELLO role %d: only model (2) and host (3) connect to the rtl", role);
  } else if (s->closing || (s->refused_roles & (1u << role))) {
    err.code = CPO_WERR_UNEXPECTED;
    if (s->closing)
      snprintf(err.text, sizeof err.text, "the run has ended: no %s may attach", s_role(role));
    else if (role == CPO_ROLE_HOST)
      snprintf(
          err.text, sizeof err.text,
          "this run was started without a host and does not allow one to attach (--allow-attach)");
    else
      snprintf(err.text, sizeof err.text, "this run has no model (--direct)");
  } else if (s->peers[role].attached) {
    err.code = CPO_WERR_ROLE_TAKEN;
    snprintf(err.text, sizeof err.text, "a %s is already connected", s_role(role));
  } else if (!(role == CPO_ROLE_HOST && m->u.hello.config_hash == 0)) {
    char why[200];
    if (cpo_config_compare(&s->config, &m->u.hello.config, why, sizeof why) != CPO_OK) {
      err.code = CPO_WERR_CONFIG_MISMATCH;
      snprintf(err.text, sizeof err.text, "%s refused: %s", s_role(role), why);
    }
  }
  if (err.code != CPO_WERR_NONE) {
    s_reject_stranger(s, ident, len, &err, true);
    return false;
  }
  peer_t *p = &s->peers[role];
  for (int i = 0; i < p->n_held; i++) /* left from an earlier session of this role */
    zmq_msg_close(&p->held[i]);
  memset(p, 0, sizeof *p);
  p->attached = true;
  memcpy(p->ident, ident, len);
  p->ident_len = len;
  cpo_wire_error_t ignored;
  if (cpo_proto_rx_check(&p->rx, m, &ignored) != CPO_OK) /* HELLO with seq 0 always passes */
    return false;
  p->last_rx_us = cpo_mono_us();
  cpo_msg_t ack = {.hdr = {.type = CPO_MSG_HELLO_ACK, .cycle = s->cycle}};
  ack.u.hello.role = CPO_ROLE_RTL;
  ack.u.hello.config = s->config;
  ack.u.hello.config_hash = cpo_config_hash(&s->config);
  (void)s_send_peer(s, role, &ack);
  s_note_peer(s, role, true);
  return true;
}

/* Time-out check for awaited peers; fills why and returns true if one is dead. */
static bool s_silent_peer(cpo_server_t *s, unsigned awaited, uint64_t now, char *why,
                          size_t why_len) {
  uint64_t limit = (uint64_t)s->timeout_ms * 1000u;
  for (int r = 1; r < N_ROLES; r++) {
    if (!(awaited & (1u << r)))
      continue;
    peer_t *p = &s->peers[r];
    uint64_t since = p->attached ? p->last_rx_us : s->created_us;
    if (since < s->back_us)
      since = s->back_us;
    if (now - since >= limit) {
      if (p->attached)
        cpo_whyf(why, why_len, "peer %s silent for %u ms; last agreed cycle %llu", s_role(r),
                 s->timeout_ms, (unsigned long long)p->rx.last_cycle);
      else
        cpo_whyf(why, why_len, "no %s connected to %s within %u ms", s_role(r), s->endpoint,
                 s->timeout_ms);
      return true;
    }
  }
  return false;
}

/* HEARTBEATs on a clock: to every attached peer nothing was sent to for an interval. */
static void s_heartbeats(cpo_server_t *s, uint64_t now) {
  for (int r = 1; r < N_ROLES; r++) {
    peer_t *p = &s->peers[r];
    if (p->attached && now - p->tx.last_us >= (uint64_t)s->timeout_ms * 250u) {
      cpo_msg_t hb = {.hdr = {.type = CPO_MSG_HEARTBEAT, .cycle = p->tx.cycle}};
      (void)s_send_peer(s, r, &hb);
    }
  }
}

void cpo_server_tick(cpo_server_t *s, uint64_t cycle) {
  s->cycle = cycle;
  s_heartbeats(s, cpo_mono_us());
}

/* Wait for the first frame of a message for up to @p wait_ms (0: only what is queued). A
 * blocking receive with a timeout, not zmq_poll and a second receive: when a quantum arrives
 * every few hundred microseconds, the system calls per message are the cost to cut. */
static int s_recv_first(cpo_server_t *s, long wait_ms) {
  if (wait_ms <= 0)
    return zmq_msg_recv(&s->ident_frame, s->sock, ZMQ_DONTWAIT);
  int ms = wait_ms > INT32_MAX ? INT32_MAX : (int)wait_ms;
  if (ms != s->rcvtimeo_ms && zmq_setsockopt(s->sock, ZMQ_RCVTIMEO, &ms, sizeof ms) == 0)
    s->rcvtimeo_ms = ms;
  return zmq_msg_recv(&s->ident_frame, s->sock, 0);
}

static cpo_status_t s_recv(cpo_server_t *s, unsigned awaited, int32_t wait_ms,
                           cpo_server_event_t *ev, char *why, size_t why_len, uint64_t entry_us) {
  const uint64_t deadline = entry_us + (wait_ms > 0 ? (uint64_t)wait_ms * 1000u : 0);
  for (bool first = true;; first = false) {
    if (s->body_live) {
      zmq_msg_close(&s->ident_frame);
      zmq_msg_close(&s->body);
      s->body_live = false;
    }
    /* Heartbeats go by the clock whatever arrives: a stream of messages the caller takes one
     * by one (a model's RX and ADC codes while the rtl works through them) must not starve the
     * peers waiting on the rtl. Silence is checked after every frame that was nobody's liveness
     * (a stranger's, a refused one, a HEARTBEAT) as well as when the queue is empty: a stream
     * of such frames neither stops our heartbeats nor hides a dead peer. */
    const uint64_t at_us = first ? entry_us : cpo_mono_us();
    if (!first && s_silent_peer(s, awaited, at_us, why, why_len))
      return CPO_ERR_TIMEOUT;
    s_heartbeats(s, at_us);
    long slice_ms = 0;
    if (wait_ms != 0) {
      cpo_status_t f = s_flush_all(s); /* never wait while holding what a peer waits for */
      if (f != CPO_OK) {
        cpo_whyf(why, why_len,
                 "cannot send to the model (its connection is gone: %s); last agreed cycle %llu",
                 cpo_status_str(f), (unsigned long long)s->peers[CPO_ROLE_MODEL].rx.last_cycle);
        return f;
      }
      slice_ms = cpo_recv_slice_ms(s->timeout_ms); /* wake up for heartbeats and silence checks */
      uint64_t now = cpo_mono_us();
      long left_ms = now >= deadline ? 0 : (long)((deadline - now) / 1000u) + 1;
      if (wait_ms > 0 && left_ms < slice_ms)
        slice_ms = left_ms;
    }
    zmq_msg_init(&s->ident_frame);
    if (s_recv_first(s, slice_ms) < 0) {
      zmq_msg_close(&s->ident_frame);
      if (errno != EAGAIN && errno != EINTR) {
        cpo_whyf(why, why_len, "receive failed: %s", zmq_strerror(errno));
        return CPO_ERR_TRANSPORT;
      }
      uint64_t now = cpo_mono_us();
      if (s_silent_peer(s, awaited, now, why, why_len))
        return CPO_ERR_TIMEOUT;
      if (wait_ms >= 0 && now >= deadline)
        return CPO_ERR_TIMEOUT; /* nothing within the wait: not an error, why stays empty */
      continue;
    }
    /* ROUTER: the routing frame is always followed by the body. Extra frames are noise. */
    zmq_msg_init(&s->body);
    if (!zmq_msg_more(&s->ident_frame) || zmq_msg_recv(&s->body, s->sock, 0) < 0) {
      zmq_msg_close(&s->ident_frame);
      zmq_msg_close(&s->body);
      continue;
    }
    s->body_live = true;
    while (zmq_msg_more(&s->body)) { /* discard extra frames of a multipart message */
      zmq_msg_t extra;
      zmq_msg_init(&extra);
      zmq_msg_recv(&extra, s->sock, 0);
      int more = zmq_msg_more(&extra);
      zmq_msg_close(&extra);
      if (!more)
        break;
    }
    const uint8_t *ident = zmq_msg_data(&s->ident_frame);
    size_t ident_len = zmq_msg_size(&s->ident_frame);
    if (ident_len > MAX_IDENT)
      continue;
    int role = s_role_of(s, ident, ident_len);
    cpo_msg_t *m = &ev->msg;
    cpo_wire_error_t err;
    const void *data =
        cpo_wire_aligned(&s->aligned, zmq_msg_data(&s->body), zmq_msg_size(&s->body));
    if (!data)
      return CPO_ERR_NO_MEMORY;
    cpo_status_t rc = cpo_msg_decode(data, zmq_msg_size(&s->body), m, &err);
    /* An ERROR is never answered with an ERROR (its header was readable if ref_seq is set). */
    const bool is_error =
        m->hdr.type == CPO_MSG_ERROR && (rc == CPO_OK || err.ref_seq != CPO_PROTO_SEQ_NONE);
    if (role == 0) {
      if (rc == CPO_OK && m->hdr.type != CPO_MSG_HELLO) {
        err.code = CPO_WERR_NOT_READY;
        err.ref_seq = m->hdr.seq;
        snprintf(err.text, sizeof err.text, "%s before HELLO", cpo_msg_type_name(m->hdr.type));
        rc = CPO_ERR_PROTOCOL;
      } else if (rc == CPO_OK && m->hdr.seq != 0) {
        err.code = CPO_WERR_OUT_OF_ORDER;
        err.ref_seq = m->hdr.seq;
        snprintf(err.text, sizeof err.text, "HELLO seq %u, expected 0", m->hdr.seq);
        rc = CPO_ERR_PROTOCOL;
      }
      if (rc != CPO_OK) {
        s_reject_stranger(s, ident, ident_len, &err, !is_error);
        continue;
      }
      if (!s_admit(s, ident, ident_len, m))
        continue;
      ev->from = (cpo_role_t)m->u.hello.role;
      return CPO_OK;
    }
    peer_t *p = &s->peers[role];
    const uint64_t cycle_before = p->rx.last_cycle;
    if (rc == CPO_OK)
      rc = cpo_proto_rx_check(&p->rx, m, &err);
    else
      cpo_proto_rx_skip(&p->rx, &err); /* its seq is used up: the next message is in step */
    if (rc != CPO_OK) {                /* refused: not the peer's liveness either */
      s->refused++;
      p->refused++;
      snprintf(p->last_refusal, sizeof p->last_refusal, "%s: %s", cpo_wire_error_str(err.code),
               err.text);
      s_log(s, ident, ident_len, "refused a message from the %s: %s: %s", s_role(role),
            cpo_wire_error_str(err.code), err.text);
      if (!is_error) {
        cpo_msg_t reply;
        cpo_wire_error_msg(&reply, &err, s->cycle);
        (void)s_send_peer(s, role, &reply);
      }
      continue;
    }
    cpo_wire_undo_note(&p->undo, m, cycle_before, &p->last_rx_us, cpo_mono_us());
    if (m->hdr.type == CPO_MSG_HEARTBEAT)
      continue;
    if (m->hdr.type == CPO_MSG_BYE) {
      p->attached = false;
      s_note_peer(s, role, false);
    }
    ev->from = (cpo_role_t)role;
    return CPO_OK;
  }
}

cpo_status_t cpo_server_recv(cpo_server_t *s, unsigned awaited, int32_t wait_ms,
                             cpo_server_event_t *ev, char *why, size_t why_len) {
  if (why && why_len)
    why[0] = '\0';
  const uint64_t now = cpo_mono_us();
  cpo_recv_enter(s->listened_us, &s->back_us, s->timeout_ms, now);
  cpo_status_t rc = s_recv(s, awaited, wait_ms, ev, why, why_len, now);
  s->listened_us = cpo_mono_us();
  return rc;
}

void cpo_server_report(cpo_server_t *s, cpo_role_t role, uint32_t ref_seq, uint16_t code,
                       const char *text) {
  if (!cpo_server_attached(s, role))
    return;
  peer_t *p = &s->peers[role];
  s->refused++;
  p->refused++;
  snprintf(p->last_refusal, sizeof p->last_refusal, "%s: %s", cpo_wire_error_str(code), text);
  s_log(s, p->ident, p->ident_len, "refused (part of) a message from the %s: %s: %s", s_role(role),
        cpo_wire_error_str(code), text);
  cpo_msg_t m = {.hdr = {.type = CPO_MSG_ERROR, .cycle = s->cycle}};
  m.u.error.code = code;
  m.u.error.ref_seq = ref_seq;
  snprintf(m.u.error.text, sizeof m.u.error.text, "%s", text);
  (void)s_send_peer(s, role, &m);
}

void cpo_server_reject(cpo_server_t *s, cpo_role_t role, const cpo_msg_t *msg, uint16_t code,
                       const char *text) {
  if (role > 0 && role < N_ROLES) {
    peer_t *p = &s->peers[role];
    cpo_wire_undo(&p->undo, msg->hdr.seq, &p->rx.last_cycle, &p->last_rx_us);
  }
  cpo_server_report(s, role, msg->hdr.seq, code, text);
}

bool cpo_server_attached(const cpo_server_t *s, cpo_role_t role) {
  return role > 0 && role < N_ROLES && s->peers[role].attached;
}

cpo_status_t cpo_server_send(cpo_server_t *s, cpo_role_t role, cpo_msg_t *msg) {
  if (!cpo_server_attached(s, role))
    return CPO_ERR_PEER_GONE;
  return s_send_peer(s, role, msg);
}

uint32_t cpo_server_timeout_ms(const cpo_server_t *s) {
  return s->timeout_ms;
}

uint64_t cpo_server_refused(const cpo_server_t *s, cpo_role_t role, char *last, size_t len) {
  if (role <= 0 || role >= N_ROLES)
    return 0;
  if (last && len)
    snprintf(last, len, "%s", s->peers[role].last_refusal);
  return s->peers[role].refused;
}

uint64_t cpo_server_last_cycle(const cpo_server_t *s, cpo_role_t role) {
  return role > 0 && role < N_ROLES ? s->peers[role].rx.last_cycle : 0;
}

const char *cpo_server_endpoint(const cpo_server_t *s) {
  return s->endpoint;
}

static void s_free(cpo_server_t *s) {
  for (int r = 1; r < N_ROLES; r++) {
    for (int i = 0; i < s->peers[r].n_held; i++)
      zmq_msg_close(&s->peers[r].held[i]);
    s->peers[r].n_held = 0;
  }
  if (s->body_live) {
    zmq_msg_close(&s->ident_frame);
    zmq_msg_close(&s->body);
  }
  cpo_align_buf_free(&s->aligned);
  if (s->sock)
    zmq_close(s->sock);
  cpo_zap_stop(&s->zap);
  if (s->ipc_path[0])
    unlink(s->ipc_path);
  if (s->own_ctx)
    zmq_ctx_term(s->ctx);
  free(s);
}

cpo_status_t cpo_server_bind(const cpo_bridge_cfg_t *cfg, cpo_server_t **out, char *why,
                             size_t why_len) {
  *out = NULL;
  bool curve = cfg->curve.key_file != NULL;
  if (!curve && !cpo_endpoint_is_local(cfg->endpoint)) {
    cpo_whyf(why, why_len,
             "%s is not a loopback address: CURVE is required (--curve-key and --curve-authorized)",
             cfg->endpoint);
    return CPO_ERR_AUTH;
  }
  if (curve && !cfg->curve.authorized_file) {
    cpo_whyf(why, why_len, "CURVE needs a file of authorised client keys (--curve-authorized)");
    return CPO_ERR_INVALID_ARG;
  }
  cpo_server_t *s = calloc(1, sizeof *s);
  if (!s)
    return CPO_ERR_NO_MEMORY;
  s->timeout_ms = cfg->timeout_ms < 10 ? 10 : cfg->timeout_ms;
  s->config = cfg->config;
  s->refused_roles = cfg->refused_roles;
  s->created_us = cpo_mono_us();
  s->listened_us = s->created_us;
  s->rcvtimeo_ms = -1;
  /* Batches of half the quanta in flight (L/Q), so the model always has L/2 cycles of slack. */
  uint32_t in_flight =
      cfg->config.quantum_cycles ? cfg->config.latency_cycles / cfg->config.quantum_cycles : 0;
  s->hold_max = in_flight >= 4 ? (int)(in_flight / 2 - 1) : 0;
  if (s->hold_max > MAX_HELD - 1)
    s->hold_max = MAX_HELD - 1;
  s->ctx = cfg->context;
  if (!s->ctx) {
    s->ctx = zmq_ctx_new();
    s->own_ctx = true;
  }
  cpo_status_t rc = CPO_OK;
  s->sock = zmq_socket(s->ctx, ZMQ_ROUTER);
  if (!s->sock || cpo_wire_socket_setup(s->sock) != CPO_OK) {
    cpo_whyf(why, why_len, "cannot create the ROUTER socket: %s", zmq_strerror(errno));
    rc = CPO_ERR_TRANSPORT;
  }
  int one = 1;
  if (rc == CPO_OK)
    zmq_setsockopt(s->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
  if (rc == CPO_OK && curve) {
    char pub[41], sec[41];
    rc = cpo_curve_load(cfg->curve.key_file, pub, sec, why, why_len);
    if (rc == CPO_OK)
      rc = cpo_zap_start(s->ctx, cfg->curve.authorized_file, &s->zap, why, why_len);
    if (rc == CPO_OK && (zmq_setsockopt(s->sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
                         zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, sec, 40) != 0)) {
      cpo_whyf(why, why_len, "cannot enable CURVE: %s", zmq_strerror(errno));
      rc = CPO_ERR_TRANSPORT;
    }
  }
  if (rc == CPO_OK && zmq_bind(s->sock, cfg->endpoint) != 0) {
    cpo_whyf(why, why_len, "cannot bind %s: %s", cfg->endpoint, zmq_strerror(errno));
    rc = CPO_ERR_TRANSPORT;
  }
  if (rc != CPO_OK) {
    s_free(s);
    return rc;
  }
  size_t len = sizeof s->endpoint;
  if (zmq_getsockopt(s->sock, ZMQ_LAST_ENDPOINT, s->endpoint, &len) != 0 ||
      strncmp(cfg->endpoint, "inproc://", 9) == 0)
    snprintf(s->endpoint, sizeof s->endpoint, "%s", cfg->endpoint);
  if (strncmp(s->endpoint, "ipc://", 6) == 0)
    snprintf(s->ipc_path, sizeof s->ipc_path, "%s", s->endpoint + 6);
  *out = s;
  return CPO_OK;
}

/* A MODEL_REPORT after the final BYE: the model's first, for the session's lanes, is kept;
 * anything else is named in the log and dropped. */
static void s_keep_report(cpo_server_t *s, const cpo_server_event_t *ev) {
  const cpo_msg_t *m = &ev->msg;
  const char *why = ev->from != CPO_ROLE_MODEL             ? "only the model reports"
                    : s->report_lanes                      ? "a second one"
                    : m->u.report.lanes != s->config.lanes ? "not the session's lanes"
                                                           : NULL;
  if (why) {
    s_log(s, NULL, 0, "at the end of the run: MODEL_REPORT (%u lanes) from the %s dropped: %s",
          m->u.report.lanes, s_role(ev->from), why);
    return;
  }
  for (uint32_t l = 0; l < m->u.report.lanes; l++)
    for (uint32_t f = 0; f < CPO_PROTO_REPORT_FIELDS; f++)
      s->report[l * CPO_PROTO_REPORT_FIELDS + f] =
          cpo_msg_report_value(m, l, (cpo_report_field_t)f);
  s->report_lanes = m->u.report.lanes;
}

uint16_t cpo_server_model_report(const cpo_server_t *s, double *values) {
  if (s->report_lanes && values)
    memcpy(values, s->report, sizeof(double) * s->report_lanes * CPO_PROTO_REPORT_FIELDS);
  return s->report_lanes;
}

void cpo_server_end(cpo_server_t *s, uint64_t cycle, int16_t status, const char *text) {
  if (s->closing)
    return;
  s->cycle = cycle;
  s->closing = true;
  unsigned awaited = 0;
  for (int r = 1; r < N_ROLES; r++) {
    if (!s->peers[r].attached)
      continue;
    cpo_msg_t bye = {.hdr = {.type = CPO_MSG_BYE, .cycle = cycle}};
    bye.u.bye.status = status;
    snprintf(bye.u.bye.text, sizeof bye.u.bye.text, "%s", text ? text : "");
    if (s_send_peer(s, r, &bye) == CPO_OK)
      awaited |= 1u << r;
  }
  /* After a clean end every live peer must hear it (PROTOCOL.md 10): the session stays open,
   * heartbeating, until each answers BYE, and what it still sends is dropped. A peer silent for
   * timeout_ms has gone; 4 x timeout_ms bounds a peer that heartbeats and never answers. */
  if (status == 0) {
    const uint64_t give_up = cpo_mono_us() + 4ull * s->timeout_ms * 1000u;
    for (;;) {
      unsigned left = 0;
      for (int r = 1; r < N_ROLES; r++)
        if ((awaited & (1u << r)) && s->peers[r].attached)
          left |= 1u << r;
      uint64_t now = cpo_mono_us();
      if (!left || now >= give_up)
        break;
      cpo_server_event_t ev;
      char why[200];
      cpo_status_t rc =
          cpo_server_recv(s, left, (int32_t)((give_up - now) / 1000u) + 1, &ev, why, sizeof why);
      if (rc != CPO_OK && rc != CPO_ERR_TIMEOUT)
        break;
      if (rc == CPO_OK && ev.msg.hdr.type == CPO_MSG_MODEL_REPORT)
        s_keep_report(s, &ev);
      if (rc == CPO_ERR_TIMEOUT && why[0]) {
        s_log(s, NULL, 0, "at the end of the run: %s", why);
        break;
      }
    }
  }
  s->log_lines = 0; /* the summary is never the line that is dropped */
  if (s->unlogged)
    s_log(s, NULL, 0, "%llu frames refused in all; %llu log lines about them not shown",
          (unsigned long long)s->refused, (unsigned long long)s->unlogged);
  s->end_status = status;
}

void cpo_server_close(cpo_server_t **ps, uint64_t cycle, int16_t status, const char *text) {
  if (!ps || !*ps)
    return;
  cpo_server_t *s = *ps;
  cpo_server_end(s, cycle, status, text); /* nothing if the caller already ended the session */
  status = s->end_status;
  /* LINGER 0 would drop the BYEs still queued: give them a moment to leave (bounded). After a
   * failure a dead peer's queue never drains, so the wait is kept short: best effort for the
   * live ones, and the survivor still stops promptly. */
  int linger = status == 0 ? (int)(s->timeout_ms < 1000 ? s->timeout_ms : 1000) : 100;
  zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof linger);
  s_free(s);
  *ps = NULL;
}
