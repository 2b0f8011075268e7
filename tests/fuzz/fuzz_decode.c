/* libFuzzer target for the wire codec: whatever bytes arrive, cpo_msg_decode must return a
 * status with a well-formed error, never crash; what it accepts must re-encode to exactly the
 * same bytes (the format has one encoding per message: reserved bytes, padding and lengths are
 * all checked) and decode again to an equal message; and cpo_proto_rx_check must follow the
 * session rules of PROTOCOL.md from any state. Crashes are reported by abort(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/protocol.h"
#include "proto_samples.h"

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_decode: check failed at line %d: %s\n", __LINE__, #cond);              \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

static bool s_is_quantum(uint16_t type) {
  return type == CPO_MSG_TX_QUANTUM || type == CPO_MSG_RX_QUANTUM;
}

static void s_check_error(const cpo_wire_error_t *err) {
  CHECK(err->code >= CPO_WERR_TRUNCATED && err->code <= CPO_WERR_UNEXPECTED);
  CHECK(memchr(err->text, '\0', sizeof err->text) != NULL);
  CHECK(err->text[0] != '\0');
}

/* The session rules, written from PROTOCOL.md independently of cpo_proto_rx_check. */
static uint16_t s_expected_rx_code(const cpo_proto_rx_state_t *st, const cpo_msg_t *m) {
  bool hello = m->hdr.type == CPO_MSG_HELLO || m->hdr.type == CPO_MSG_HELLO_ACK;
  if (!st->hello_seen) {
    if (m->hdr.type == CPO_MSG_ERROR)
      return CPO_WERR_NONE;
    if (!hello)
      return CPO_WERR_NOT_READY;
    return m->hdr.seq == 0 ? CPO_WERR_NONE : CPO_WERR_OUT_OF_ORDER;
  }
  if (hello)
    return CPO_WERR_UNEXPECTED;
  if (m->hdr.seq != st->next_seq)
    return CPO_WERR_OUT_OF_ORDER;
  if (m->hdr.cycle < st->last_cycle)
    return CPO_WERR_BAD_CYCLE;
  return CPO_WERR_NONE;
}

static void s_check_rx(cpo_proto_rx_state_t st, const cpo_msg_t *m) {
  const cpo_proto_rx_state_t before = st;
  const uint16_t want = s_expected_rx_code(&st, m);
  cpo_wire_error_t err;
  memset(&err, 0, sizeof err);
  cpo_status_t rc = cpo_proto_rx_check(&st, m, &err);
  if (want != CPO_WERR_NONE) {
    CHECK(rc == CPO_ERR_PROTOCOL);
    CHECK(err.code == want);
    CHECK(err.ref_seq == m->hdr.seq);
    s_check_error(&err);
    /* rejected after the handshake with the expected seq: it uses that seq up, nothing else */
    cpo_proto_rx_state_t after = before;
    if (before.hello_seen && m->hdr.seq == before.next_seq)
      after.next_seq++;
    CHECK(memcmp(&st, &after, sizeof st) == 0);
    return;
  }
  CHECK(rc == CPO_OK);
  if (!before.hello_seen && m->hdr.type == CPO_MSG_ERROR) {
    CHECK(memcmp(&st, &before, sizeof st) == 0);
    return;
  }
  CHECK(st.hello_seen);
  CHECK(st.next_seq == m->hdr.seq + 1);
  CHECK(st.last_cycle == m->hdr.cycle);
}

static uint64_t s_aligned[(CPO_PROTO_HEADER_BYTES + CPO_PROTO_MAX_PAYLOAD_BYTES) / 8 + 2];
static uint64_t s_reencoded[(CPO_PROTO_HEADER_BYTES + CPO_PROTO_MAX_PAYLOAD_BYTES) / 8 + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > sizeof s_aligned - 8)
    return 0;
  uint8_t *buf = (uint8_t *)s_aligned;
  memcpy(buf, data, size);

  cpo_msg_t m;
  cpo_wire_error_t err;
  cpo_status_t rc = cpo_msg_decode(buf, size, &m, &err);

  /* The same bytes one byte off alignment: same verdict, except that a quantum of 8-byte words
   * that would be accepted is refused as the caller's misalignment, never blamed on the peer. */
  {
    uint8_t *odd = buf + size + (((uintptr_t)(buf + size) & 7u) ? 0 : 1);
    if ((uintptr_t)odd % 8 == 0)
      odd++;
    if (odd + size <= (uint8_t *)s_aligned + sizeof s_aligned) {
      memmove(odd, buf, size);
      cpo_msg_t m2;
      cpo_wire_error_t err2;
      cpo_status_t rc2 = cpo_msg_decode(odd, size, &m2, &err2);
      if (rc == CPO_OK && s_is_quantum(m.hdr.type) && m.u.quantum.word_bytes == 8) {
        CHECK(rc2 == CPO_ERR_INVALID_ARG);
        CHECK(err2.code == CPO_WERR_NONE);
      } else {
        CHECK(rc2 == rc);
        if (rc != CPO_OK)
          CHECK(err2.code == err.code && err2.ref_seq == err.ref_seq);
      }
    }
  }

  if (rc != CPO_OK) {
    CHECK(rc == CPO_ERR_PROTOCOL);
    s_check_error(&err);
    /* a seq is only quoted once magic and version say the header is ours */
    if (size < CPO_PROTO_HEADER_BYTES || err.code == CPO_WERR_BAD_MAGIC ||
        err.code == CPO_WERR_BAD_VERSION)
      CHECK(err.ref_seq == CPO_PROTO_SEQ_NONE);
    return 0;
  }

  /* accepted: exactly one encoding, and it round-trips */
  CHECK(m.hdr.payload_len == size - CPO_PROTO_HEADER_BYTES);
  CHECK(cpo_msg_encoded_size(&m) == size);
  size_t n = cpo_msg_encode(&m, s_reencoded, sizeof s_reencoded);
  CHECK(n == size);
  CHECK(memcmp(s_reencoded, buf, size) == 0);
  cpo_msg_t again;
  CHECK(cpo_msg_decode(s_reencoded, n, &again, &err) == CPO_OK);
  char why[64] = "";
  if (!cpo_test_msg_equal(&m, &again, why, sizeof why)) {
    fprintf(stderr, "fuzz_decode: %s differs after re-encoding\n", why);
    abort();
  }
  if (m.hdr.type == CPO_MSG_HELLO || m.hdr.type == CPO_MSG_HELLO_ACK) {
    if (m.u.hello.config_hash != 0) {
      CHECK(m.u.hello.config_hash == cpo_config_hash(&m.u.hello.config));
      CHECK(cpo_config_validate(&m.u.hello.config, why, sizeof why) == CPO_OK);
    }
  }

  /* the stateful checks from a spread of receiver states */
  const uint32_t s = m.hdr.seq;
  const uint64_t c = m.hdr.cycle;
  const cpo_proto_rx_state_t states[] = {
      {false, 0, 0},    {true, s, c},     {true, s, c ? c - 1 : 0},
      {true, s, c + 1}, {true, s + 1, 0}, {true, s - 1, 0},
      {true, 0, 0},     {false, s, c},
  };
  for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
    s_check_rx(states[i], &m);
  return 0;
}
