/* Client half of the bridge (model and host roles): one DEALER socket to the rtl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_internal.h"

struct cpo_client {
  void *ctx;
  bool own_ctx;
  void *sock;
  void *monitor; /* PAIR receiving handshake failures (CURVE refusal) */
  cpo_role_t role;
  char endpoint[256];
  uint32_t timeout_ms;
  cpo_config_t config;
  cpo_proto_rx_state_t rx;
  cpo_wire_tx_t tx;
  uint64_t last_rx_us; /* when the rtl's last accepted message arrived: its liveness */
  /* Silence is judged on evidence: while this side is away from the socket (a model computing
   * its world) the rtl's frames wait in the queue, so an absence longer than a receive slice is
   * not the rtl's silence: it counts from back_us, when this side came back, at the earliest. */
  uint64_t listened_us; /* when a receive last returned */
  uint64_t back_us;
  bool rtl_gone;           /* silent: nothing more will reach it */
  bool bye_seen;           /* the rtl's BYE arrived: our BYE answers it at close */
  cpo_wire_undo_t undo;    /* what accepting the last message changed, for cpo_client_reject */
  zmq_msg_t cur;           /* the message the caller's cpo_msg_t points into */
  cpo_align_buf_t aligned; /* or its aligned copy */
  bool cur_live;
};

static cpo_status_t s_send(cpo_client_t *c, cpo_msg_t *msg) {
  return cpo_wire_send(c->sock, NULL, 0, msg, &c->tx);
}

void cpo_client_tick(cpo_client_t *c) {
  uint64_t now = cpo_mono_us();
  if (now - c->tx.last_us >= (uint64_t)c->timeout_ms * 250u) {
    cpo_msg_t hb = {.hdr = {.type = CPO_MSG_HEARTBEAT, .cycle = c->tx.cycle}};
    (void)s_send(c, &hb);
  }
}

/* True if the monitor reported that the server refused our handshake. */
static bool s_auth_refused(cpo_client_t *c) {
  if (!c->monitor)
    return false;
  bool refused = false;
  zmq_msg_t ev;
  zmq_msg_init(&ev);
  while (zmq_msg_recv(&ev, c->monitor, ZMQ_DONTWAIT) >= 0) {
    if (zmq_msg_more(&ev) == 0)
      continue; /* address frame */
    uint16_t event;
    memcpy(&event, zmq_msg_data(&ev), sizeof event);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
      refused = true;
  }
  zmq_msg_close(&ev);
  return refused;
}

/* The rtl silent for timeout_ms? Fills why. */
static bool s_rtl_silent(cpo_client_t *c, uint64_t now, char *why, size_t why_len) {
  const uint64_t since = c->last_rx_us > c->back_us ? c->last_rx_us : c->back_us;
  if (now - since < (uint64_t)c->timeout_ms * 1000u)
    return false;
  cpo_whyf(why, why_len, "peer rtl silent for %u ms at %s; last agreed cycle %llu", c->timeout_ms,
           c->endpoint, (unsigned long long)c->rx.last_cycle);
  c->rtl_gone = true;
  return true;
}

/* Receive one frame into c->cur; @p got false if none came (blocking: within ZMQ_RCVTIMEO,
 * timeout/8, set at connect: one blocking receive per message costs fewer system calls than
 * zmq_poll + receive). Not blocking, nothing queued is CPO_ERR_TIMEOUT. */
static cpo_status_t s_recv_frame(cpo_client_t *c, bool block, bool *got, char *why,
                                 size_t why_len) {
  *got = false;
  zmq_msg_init(&c->cur);
  if (zmq_msg_recv(&c->cur, c->sock, block ? 0 : ZMQ_DONTWAIT) >= 0) {
    c->cur_live = true;
    *got = true;
    return CPO_OK;
  }
  zmq_msg_close(&c->cur);
  if (errno != EAGAIN && errno != EINTR) {
    cpo_whyf(why, why_len, "receive from rtl failed: %s", zmq_strerror(errno));
    return CPO_ERR_TRANSPORT;
  }
  if (!block)
    return CPO_ERR_TIMEOUT;
  if (s_auth_refused(c)) {
    cpo_whyf(why, why_len, "rtl at %s refused our CURVE key (authentication failed)", c->endpoint);
    return CPO_ERR_AUTH;
  }
  return CPO_OK;
}

/* Decode and check the frame in c->cur into @p msg; @p accepted false if it was refused (logged,
 * and answered with an ERROR unless it is one). */
static cpo_status_t s_accept(cpo_client_t *c, cpo_msg_t *msg, bool *accepted) {
  *accepted = false;
  cpo_wire_error_t err;
  const void *data = cpo_wire_aligned(&c->aligned, zmq_msg_data(&c->cur), zmq_msg_size(&c->cur));
  if (!data)
    return CPO_ERR_NO_MEMORY;
  cpo_status_t rc = cpo_msg_decode(data, zmq_msg_size(&c->cur), msg, &err);
  /* An ERROR is never answered with an ERROR (its header was readable if ref_seq is set). */
  const bool is_error =
      msg->hdr.type == CPO_MSG_ERROR && (rc == CPO_OK || err.ref_seq != CPO_PROTO_SEQ_NONE);
  const uint64_t cycle_before = c->rx.last_cycle;
  if (rc == CPO_OK)
    rc = cpo_proto_rx_check(&c->rx, msg, &err);
  else
    cpo_proto_rx_skip(&c->rx, &err); /* its seq is used up: the next message is in step */
  if (rc != CPO_OK) {
    cpo_log(CPO_LOG_ERROR, cpo_role_name(c->role), "rejected message from rtl: %s", err.text);
    if (!is_error) {
      cpo_msg_t reply;
      cpo_wire_error_msg(&reply, &err, c->tx.cycle);
      (void)s_send(c, &reply);
    }
    return CPO_OK;
  }
  cpo_wire_undo_note(&c->undo, msg, cycle_before, &c->last_rx_us, cpo_mono_us());
  *accepted = true;
  return CPO_OK;
}

/* What an accepted message other than a heartbeat means for the session: the rtl's BYE or ERROR
 * ends it (said in @p why), anything else is the caller's. */
static cpo_status_t s_session_word(cpo_client_t *c, const cpo_msg_t *msg, char *why,
                                   size_t why_len) {
  switch (msg->hdr.type) {
  case CPO_MSG_BYE:
    cpo_whyf(why, why_len, "rtl ended the session at cycle %llu (status %d%s%s)",
             (unsigned long long)msg->hdr.cycle, msg->u.bye.status, msg->u.bye.text[0] ? ": " : "",
             msg->u.bye.text);
    c->bye_seen = true;
    return CPO_ERR_PEER_GONE;
  case CPO_MSG_ERROR:
    cpo_whyf(why, why_len, "rtl reported %s: %s", cpo_wire_error_str(msg->u.error.code),
             msg->u.error.text);
    return CPO_ERR_PROTOCOL;
  default:
    return CPO_OK;
  }
}

/* Receive the next meaningful message; @p block: wait (bounded by the rtl's silence), or
 * return CPO_ERR_TIMEOUT with an empty why at once when nothing is queued. Heartbeats go by the
 * clock whatever arrives (a stream of messages taken one by one must not starve the rtl of
 * them); silence is checked after every frame that was not returned: a refused frame is
 * nobody's liveness. */
static cpo_status_t s_recv_once(cpo_client_t *c, cpo_msg_t *msg, bool block, char *why,
                                size_t why_len) {
  for (bool first = true;; first = false) {
    if (c->cur_live) {
      zmq_msg_close(&c->cur);
      c->cur_live = false;
    }
    if (!first && block && s_rtl_silent(c, cpo_mono_us(), why, why_len))
      return CPO_ERR_TIMEOUT;
    if (block)
      cpo_client_tick(c);
    bool got, accepted;
    CPO_TRY(s_recv_frame(c, block, &got, why, why_len));
    if (!got)
      continue;
    CPO_TRY(s_accept(c, msg, &accepted));
    if (accepted && msg->hdr.type != CPO_MSG_HEARTBEAT)
      return s_session_word(c, msg, why, why_len);
  }
}

static cpo_status_t s_recv(cpo_client_t *c, cpo_msg_t *msg, bool block, char *why, size_t why_len) {
  if (why && why_len)
    why[0] = '\0';
  const uint64_t now = cpo_mono_us();
  cpo_recv_enter(c->listened_us, &c->back_us, c->timeout_ms, now);
  cpo_status_t rc = s_recv_once(c, msg, block, why, why_len);
  c->listened_us = cpo_mono_us();
  return rc;
}

void cpo_client_reject(cpo_client_t *c, const cpo_msg_t *msg, uint16_t code, const char *text) {
  cpo_wire_undo(&c->undo, msg->hdr.seq, &c->rx.last_cycle, &c->last_rx_us);
  cpo_log(CPO_LOG_ERROR, cpo_role_name(c->role), "refused %s from rtl: %s",
          cpo_msg_type_name(msg->hdr.type), text);
  cpo_msg_t reply = {.hdr = {.type = CPO_MSG_ERROR, .cycle = c->tx.cycle}};
  reply.u.error.code = code;
  reply.u.error.ref_seq = msg->hdr.seq;
  snprintf(reply.u.error.text, sizeof reply.u.error.text, "%s", text);
  (void)s_send(c, &reply);
}

cpo_status_t cpo_client_recv(cpo_client_t *c, cpo_msg_t *msg, char *why, size_t why_len) {
  return s_recv(c, msg, true, why, why_len);
}

cpo_status_t cpo_client_poll(cpo_client_t *c, cpo_msg_t *msg, char *why, size_t why_len) {
  return s_recv(c, msg, false, why, why_len);
}

static cpo_status_t s_setup_curve(cpo_client_t *c, const cpo_bridge_cfg_t *cfg, char *why,
                                  size_t why_len) {
  char pub[41], sec[41], server[41];
  CPO_TRY(cpo_curve_load(cfg->curve.key_file, pub, sec, why, why_len));
  CPO_TRY(cpo_curve_load(cfg->curve.server_key_file, server, NULL, why, why_len));
  if (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, server, 40) != 0 ||
      zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, pub, 40) != 0 ||
      zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, sec, 40) != 0) {
    cpo_whyf(why, why_len, "cannot enable CURVE: %s", zmq_strerror(errno));
    return CPO_ERR_TRANSPORT;
  }
  char mon_ep[64];
  snprintf(mon_ep, sizeof mon_ep, "inproc://cpo-client-monitor-%p", (void *)c);
  if (zmq_socket_monitor(c->sock, mon_ep, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0) {
    c->monitor = zmq_socket(c->ctx, ZMQ_PAIR);
    int zero = 0;
    zmq_setsockopt(c->monitor, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect(c->monitor, mon_ep);
  }
  return CPO_OK;
}

static void s_free(cpo_client_t *c) {
  if (c->cur_live)
    zmq_msg_close(&c->cur);
  cpo_align_buf_free(&c->aligned);
  if (c->monitor) {
    zmq_socket_monitor(c->sock, NULL, 0);
    zmq_close(c->monitor);
  }
  if (c->sock)
    zmq_close(c->sock);
  if (c->own_ctx)
    zmq_ctx_term(c->ctx);
  free(c);
}

/* Off the loopback, CURVE with the server's public key is required. */
static cpo_status_t s_check_security(const cpo_bridge_cfg_t *cfg, char *why, size_t why_len) {
  bool curve = cfg->curve.key_file != NULL;
  if (!curve && !cpo_endpoint_is_local(cfg->endpoint)) {
    cpo_whyf(
        why, why_len,
        "%s is not a loopback address: CURVE keys are required (--curve-key, --curve-server-key)",
        cfg->endpoint);
    return CPO_ERR_AUTH;
  }
  if (curve && !cfg->curve.server_key_file) {
    cpo_whyf(why, why_len, "CURVE needs the server's public key (--curve-server-key)");
    return CPO_ERR_INVALID_ARG;
  }
  return CPO_OK;
}

/* The DEALER socket of @p c, set up (receive timeout, CURVE) and connected. */
static cpo_status_t s_open(cpo_client_t *c, const cpo_bridge_cfg_t *cfg, char *why,
                           size_t why_len) {
  c->sock = zmq_socket(c->ctx, ZMQ_DEALER);
  cpo_status_t rc = c->sock ? cpo_wire_socket_setup(c->sock) : CPO_ERR_TRANSPORT;
  int slice_ms = (int)cpo_recv_slice_ms(c->timeout_ms); /* how long one receive blocks */
  if (rc == CPO_OK && zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &slice_ms, sizeof slice_ms) != 0)
    rc = CPO_ERR_TRANSPORT;
  if (rc == CPO_OK && cfg->curve.key_file != NULL)
    rc = s_setup_curve(c, cfg, why, why_len);
  if (rc == CPO_OK && zmq_connect(c->sock, cfg->endpoint) != 0) {
    cpo_whyf(why, why_len, "cannot connect to %s: %s", cfg->endpoint, zmq_strerror(errno));
    rc = CPO_ERR_TRANSPORT;
  }
  return rc;
}

/* Say HELLO and take the rtl's HELLO_ACK in @p ack: its configuration must be ours, unless we
 * adopt it. */
static cpo_status_t s_hello(cpo_client_t *c, const cpo_bridge_cfg_t *cfg, cpo_msg_t *ack, char *why,
                            size_t why_len) {
  cpo_msg_t hello = {.hdr = {.type = CPO_MSG_HELLO}};
  hello.u.hello.role = (uint8_t)cfg->role;
  if (!cfg->adopt_config) {
    hello.u.hello.config = cfg->config;
    hello.u.hello.config_hash = cpo_config_hash(&cfg->config);
  }
  c->last_rx_us = cpo_mono_us();
  cpo_status_t rc = s_send(c, &hello);
  if (rc == CPO_OK)
    rc = cpo_client_recv(c, ack, why, why_len);
  if (rc == CPO_OK && ack->hdr.type != CPO_MSG_HELLO_ACK) {
    cpo_whyf(why, why_len, "rtl answered HELLO with %s", cpo_msg_type_name(ack->hdr.type));
    rc = CPO_ERR_PROTOCOL;
  }
  if (rc == CPO_OK && !cfg->adopt_config) {
    rc = cpo_config_compare(&cfg->config, &ack->u.hello.config, why, why_len);
  }
  if (rc == CPO_ERR_TIMEOUT)
    cpo_whyf(why, why_len, "no answer from an rtl at %s within %u ms", cfg->endpoint,
             c->timeout_ms);
  return rc;
}

cpo_status_t cpo_client_connect(const cpo_bridge_cfg_t *cfg, cpo_client_t **out, char *why,
                                size_t why_len) {
  *out = NULL;
  CPO_TRY(s_check_security(cfg, why, why_len));
  cpo_client_t *c = calloc(1, sizeof *c);
  if (!c)
    return CPO_ERR_NO_MEMORY;
  c->role = cfg->role;
  c->timeout_ms = cfg->timeout_ms < 10 ? 10 : cfg->timeout_ms;
  c->config = cfg->config;
  snprintf(c->endpoint, sizeof c->endpoint, "%s", cfg->endpoint);
  c->ctx = cfg->context;
  if (!c->ctx) {
    c->ctx = zmq_ctx_new();
    c->own_ctx = true;
  }
  cpo_msg_t ack;
  cpo_status_t rc = s_open(c, cfg, why, why_len);
  if (rc == CPO_OK)
    rc = s_hello(c, cfg, &ack, why, why_len);
  if (rc != CPO_OK) {
    s_free(c);
    return rc;
  }
  c->config = ack.u.hello.config;
  c->tx.cycle = ack.hdr.cycle;
  *out = c;
  return CPO_OK;
}

const cpo_config_t *cpo_client_config(const cpo_client_t *c) {
  return &c->config;
}

cpo_status_t cpo_client_send(cpo_client_t *c, cpo_msg_t *msg) {
  return s_send(c, msg);
}

uint64_t cpo_client_last_cycle(const cpo_client_t *c) {
  return c->rx.last_cycle;
}

uint64_t cpo_client_sent_cycle(const cpo_client_t *c) {
  return c->tx.cycle;
}

void cpo_client_close(cpo_client_t **pc, int16_t status, const char *text) {
  if (!pc || !*pc)
    return;
  cpo_client_t *c = *pc;
  cpo_msg_t bye = {.hdr = {.type = CPO_MSG_BYE, .cycle = c->tx.cycle}};
  bye.u.bye.status = status;
  snprintf(bye.u.bye.text, sizeof bye.u.bye.text, "%s", text ? text : "");
  if (c->rtl_gone) { /* silent: LINGER stays 0, nothing queued can reach it */
    s_free(c);
    *pc = NULL;
    return;
  }
  /* A detach, or the answer to the rtl's BYE that lets it close (PROTOCOL.md 10). LINGER 0
   * would discard what is still queued: our last answers and this BYE, without which the rtl
   * keeps waiting for us. Give them a bounded moment to leave. */
  int linger = (int)(c->timeout_ms < 1000 ? c->timeout_ms : 1000);
  zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
  if (s_send(c, &bye) != CPO_OK)
    cpo_log(CPO_LOG_WARN, cpo_role_name(c->role), "could not say BYE to the rtl");
  s_free(c);
  *pc = NULL;
}
