#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bridge_internal.h"

uint64_t cpo_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void cpo_wire_undo_note(cpo_wire_undo_t *u, const cpo_msg_t *m, uint64_t cycle_before,
                        uint64_t *last_rx_us, uint64_t now_us) {
  *u = (cpo_wire_undo_t){.valid = m->hdr.type != CPO_MSG_HEARTBEAT,
                         .seq = m->hdr.seq,
                         .cycle = cycle_before,
                         .rx_us = *last_rx_us};
  *last_rx_us = now_us;
}

void cpo_wire_undo(cpo_wire_undo_t *u, uint32_t seq, uint64_t *last_cycle, uint64_t *last_rx_us) {
  if (!u->valid || u->seq != seq)
    return;
  *last_cycle = u->cycle;
  *last_rx_us = u->rx_us;
  u->valid = false;
}

/* ---- connections beyond the file descriptor limit ----------------------------------------
 * libzmq 4.3.4 (Debian 12's libzmq5) asserts when accept() on an ipc listener fails with EMFILE
 * (ipc_listener.cpp: EMFILE is missing from the errno_assert list that tcp_listener.cpp has), so
 * a local process opening connections until the rtl runs out of descriptors aborted it (exit
 * 134). We cannot change libzmq, but it calls accept4/accept through the PLT, and these
 * definitions in the program take precedence. Out of descriptors, they do what a server should:
 * give up a reserved descriptor, accept the pending connection, close it at once (the peer sees
 * it refused, and the level-triggered poller stops reporting it) and take the reserve back;
 * libzmq is told ECONNABORTED, which both listeners treat as "nothing to accept". The session's
 * own connections are made at the start and are unaffected; a flood costs only the refused. */

static atomic_int s_reserve_fd = -1;
static pthread_once_t s_reserve_once = PTHREAD_ONCE_INIT;
static atomic_ulong s_refused;
static atomic_ullong s_refused_logged_us;

static void s_reserve_open(void) {
  atomic_store(&s_reserve_fd, open("/dev/null", O_RDONLY | O_CLOEXEC));
}

/* One log line per second at most, however long the flood. */
static void s_log_refused(void) {
  unsigned long n = atomic_fetch_add(&s_refused, 1) + 1;
  unsigned long long now = cpo_mono_us(), last = atomic_load(&s_refused_logged_us);
  if ((last != 0 && now - last < 1000000u) ||
      !atomic_compare_exchange_strong(&s_refused_logged_us, &last, now))
    return;
  struct rlimit lim = {0};
  getrlimit(RLIMIT_NOFILE, &lim);
  cpo_log(CPO_LOG_WARN, "bridge",
          "out of file descriptors (limit %llu): refused %lu connection(s) to the bridge so far",
          (unsigned long long)lim.rlim_cur, n);
}

static int s_shed(int listen_fd, int flags) {
  /* EMFILE comes before the kernel looks for a connection: take one only if one is waiting, so
   * a blocking listener cannot block here. */
  struct pollfd waiting = {.fd = listen_fd, .events = POLLIN};
  int spare = poll(&waiting, 1, 0) == 1 ? atomic_exchange(&s_reserve_fd, -1) : -1;
  if (spare >= 0) {
    close(spare);
    int conn = (int)syscall(SYS_accept4, listen_fd, NULL, NULL, flags | SOCK_CLOEXEC);
    if (conn >= 0)
      close(conn);
    atomic_store(&s_reserve_fd, open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  s_log_refused();
  errno = ECONNABORTED;
  return -1;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *addr_len, int flags) {
  int conn = (int)syscall(SYS_accept4, fd, addr, addr_len, flags);
  if (conn < 0 && (errno == EMFILE || errno == ENFILE))
    return s_shed(fd, flags);
  return conn;
}

int accept(int fd, struct sockaddr *addr, socklen_t *addr_len) {
  return accept4(fd, addr, addr_len, 0);
}

cpo_status_t cpo_wire_socket_setup(void *sock) {
  pthread_once(&s_reserve_once, s_reserve_open);
  int zero = 0, hwm = CPO_BRIDGE_HWM;
  /* The largest legal message: a bigger frame is dropped (and its sender disconnected) by
   * libzmq's decoder as soon as its length is read, before anything is buffered. libzmq applies
   * the limit to the frame on the wire, which under CURVE is the message in a MESSAGE command:
   * 33 bytes more (8 name, 8 nonce, 1 flags, 16 MAC; measured with libzmq 4.3.4). Without CURVE
   * those 33 bytes still reach the decoder, which answers TOO_LARGE. */
  int64_t max_msg_bytes = (int64_t)CPO_PROTO_HEADER_BYTES + CPO_PROTO_MAX_PAYLOAD_BYTES + 33;
  if (zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
      zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
      zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0 ||
      zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max_msg_bytes, sizeof max_msg_bytes) != 0)
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
