#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge_internal.h"

uint64_t cpo_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void cpo_whyf(char *why, size_t why_len, const char *fmt, ...) {
  if (!why || why_len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_len, fmt, ap);
  va_end(ap);
}

cpo_status_t cpo_wire_socket_setup(void *sock) {
  int zero = 0, hwm = CPO_BRIDGE_HWM;
  if (zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
      zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
      zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0)
    return CPO_ERR_TRANSPORT;
  return CPO_OK;
}

cpo_status_t cpo_wire_encode(cpo_msg_t *msg, const cpo_wire_tx_t *tx, zmq_msg_t *zm) {
  msg->hdr.seq = tx->seq;
  if (msg->hdr.cycle < tx->cycle)
    msg->hdr.cycle = tx->cycle;
  size_t size = cpo_msg_encoded_size(msg);
  if (zmq_msg_init_size(zm, size) != 0)
    return CPO_ERR_NO_MEMORY;
  if (cpo_msg_encode(msg, zmq_msg_data(zm), size) != size) {
    zmq_msg_close(zm);
    return CPO_ERR_INVALID_ARG;
  }
  return CPO_OK;
}

void cpo_wire_commit(cpo_wire_tx_t *tx, const cpo_msg_t *msg) {
  tx->seq++;
  tx->cycle = msg->hdr.cycle;
  tx->last_us = cpo_mono_us();
}

cpo_status_t cpo_wire_post(void *sock, const void *ident, size_t ident_len, zmq_msg_t *zm) {
  /* DONTWAIT: with the HWMs above, a full queue means a stuck peer, never a slow one. */
  if (ident && zmq_send(sock, ident, ident_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(zm);
    return errno == EHOSTUNREACH ? CPO_ERR_PEER_GONE : CPO_ERR_TRANSPORT;
  }
  if (zmq_msg_send(zm, sock, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(zm);
    return errno == EHOSTUNREACH ? CPO_ERR_PEER_GONE : CPO_ERR_TRANSPORT;
  }
  return CPO_OK;
}

cpo_status_t cpo_wire_send(void *sock, const void *ident, size_t ident_len, cpo_msg_t *msg,
                           cpo_wire_tx_t *tx) {
  zmq_msg_t zm;
  CPO_TRY(cpo_wire_encode(msg, tx, &zm));
  CPO_TRY(cpo_wire_post(sock, ident, ident_len, &zm));
  cpo_wire_commit(tx, msg);
  return CPO_OK;
}

void cpo_wire_error_msg(cpo_msg_t *out, const cpo_wire_error_t *err, uint64_t cycle) {
  memset(out, 0, sizeof *out);
  out->hdr.type = CPO_MSG_ERROR;
  out->hdr.cycle = cycle;
  out->u.error.code = err->code;
  out->u.error.ref_seq = err->ref_seq;
  snprintf(out->u.error.text, sizeof out->u.error.text, "%s", err->text);
}

const void *cpo_wire_aligned(cpo_align_buf_t *ab, const void *data, size_t len) {
  if (((uintptr_t)data & 7u) == 0)
    return data;
  if (ab->cap < len) {
    void *grown = realloc(ab->buf, len); /* malloc memory is aligned for any scalar type */
    if (!grown)
      return NULL;
    ab->buf = grown;
    ab->cap = len;
  }
  memcpy(ab->buf, data, len);
  return ab->buf;
}

void cpo_align_buf_free(cpo_align_buf_t *ab) {
  free(ab->buf);
  ab->buf = NULL;
  ab->cap = 0;
}
