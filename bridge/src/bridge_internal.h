/* Pieces shared by the client and server halves of the bridge. Not a public header. */
#ifndef CPO_BRIDGE_INTERNAL_H
#define CPO_BRIDGE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "cpo/bridge.h"
#include "cpo/log.h"

/* Receivers block in zmq_poll as soon as nothing is waiting; they do not spin. With L/Q quanta
 * in flight a receiver's wake-up (~10 us) is off the critical path, and on two shared cores a
 * spinning receiver steals the CPU that the RTL and ZeroMQ's I/O threads need (bench/cosim:
 * ipc 1.4 M cycles/s with a 60 us spin, 1.9-2.3 M without, measured in one run). */
/* Socket high-water marks: at most L/Q quanta are in flight, so this only bounds a peer
 * that misbehaves. */
#define CPO_BRIDGE_HWM 200000

uint64_t cpo_mono_us(void);

/** How long one receive blocks (ms): a slice of the silence time-out, so heartbeats and silence
 *  checks run several times within it. */
static inline unsigned cpo_recv_slice_ms(unsigned timeout_ms) {
  return timeout_ms / 8 + 1;
}

/** On entering a receive at @p now: a side away from its socket longer than a slice (busy with
 *  its own work) restarts its peers' silence count at *back_us, since what they sent meanwhile
 *  is queued, not missing. *listened_us is when the last receive returned. */
static inline void cpo_recv_enter(uint64_t listened_us, uint64_t *back_us, unsigned timeout_ms,
                                  uint64_t now) {
  if (now - listened_us > (uint64_t)cpo_recv_slice_ms(timeout_ms) * 1000u)
    *back_us = now;
}

/** printf into a caller's buffer, tolerating NULL / 0-length buffers (in protocol.c). */
void cpo_whyf(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** What accepting a sender's last message changed (its last cycle, its liveness), kept so that
 * the session layer can refuse that message afterwards as if it had never been accepted
 * (PROTOCOL.md 6: a refused message moves nothing; its seq stays used up). */
typedef struct {
  bool valid;
  uint32_t seq;
  uint64_t cycle, rx_us;
} cpo_wire_undo_t;

/** A message from the sender was accepted at @p now_us, its last cycle having been
 * @p cycle_before: it is the sender's liveness (@p last_rx_us = now), and unless it is a
 * HEARTBEAT it can be undone. */
void cpo_wire_undo_note(cpo_wire_undo_t *u, const cpo_msg_t *m, uint64_t cycle_before,
                        uint64_t *last_rx_us, uint64_t now_us);

/** Undo what accepting message @p seq changed, if it was the last one accepted. */
void cpo_wire_undo(cpo_wire_undo_t *u, uint32_t seq, uint64_t *last_cycle, uint64_t *last_rx_us);

/** What a sender keeps per connection: the next seq, the cycle stamp of its last message
 * (stamps never step back: heartbeats and BYE reuse it) and when it last sent. */
typedef struct {
  uint32_t seq;
  uint64_t cycle;
  uint64_t last_us;
} cpo_wire_tx_t;

/** Encode @p msg into a fresh zmq message and send it (after @p ident as a routing frame, if
 * given). Stamps msg->hdr.seq from @p tx and raises msg->hdr.cycle to tx->cycle if it was
 * lower; @p tx advances only if the message was sent. */
cpo_status_t cpo_wire_send(void *sock, const void *ident, size_t ident_len, cpo_msg_t *msg,
                           cpo_wire_tx_t *tx);

/** The three steps of cpo_wire_send, for a sender that holds a message back (server.c):
 * encode @p msg into @p zm (stamped as cpo_wire_send does; @p tx unchanged); count it as sent;
 * send @p zm (consumed either way). */
cpo_status_t cpo_wire_encode(cpo_msg_t *msg, const cpo_wire_tx_t *tx, zmq_msg_t *zm);
void cpo_wire_commit(cpo_wire_tx_t *tx, const cpo_msg_t *msg);
cpo_status_t cpo_wire_post(void *sock, const void *ident, size_t ident_len, zmq_msg_t *zm);

/** A reusable buffer for frames that arrive misaligned: over ipc and tcp, libzmq can hand
 * out a large message in place inside its receive buffer, at any address, while decoded
 * quantum words are read in place as uint64_t. */
typedef struct {
  void *buf;
  size_t cap;
} cpo_align_buf_t;

/** @return @p data itself if 8-byte aligned, else a copy of it in @p ab (NULL if out of memory). */
const void *cpo_wire_aligned(cpo_align_buf_t *ab, const void *data, size_t len);
void cpo_align_buf_free(cpo_align_buf_t *ab);

/** Build an ERROR message answering a rejected message. */
void cpo_wire_error_msg(cpo_msg_t *out, const cpo_wire_error_t *err, uint64_t cycle);

/** Apply socket options every bridge socket needs (linger 0, HWMs, ZMQ_MAXMSGSIZE from the
 * largest legal message). The first call also reserves the descriptor that lets a listener
 * refuse connections once the process is out of descriptors (wire_io.c). */
cpo_status_t cpo_wire_socket_setup(void *sock);

/** Load a key file: @p pub and @p sec receive 40-char Z85 keys + NUL (sec may be NULL). */
cpo_status_t cpo_curve_load(const char *path, char pub[41], char sec[41], char *why,
                            size_t why_len);

/* ZAP handler: authorises CURVE clients whose public keys are in a file. */
typedef struct cpo_zap cpo_zap_t;
cpo_status_t cpo_zap_start(void *zmq_context, const char *authorized_file, cpo_zap_t **out,
                           char *why, size_t why_len);
void cpo_zap_stop(cpo_zap_t **z);

#endif
