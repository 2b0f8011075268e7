/* The stateful receive checks: HELLO first, consecutive seq, non-decreasing cycle, and a
 * rejection leaves the per-peer state exactly as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/protocol.h"

static cpo_msg_t s_msg(uint16_t type, uint32_t seq, uint64_t cycle) {
  cpo_msg_t m;
  memset(&m, 0, sizeof m);
  m.hdr.type = type;
  m.hdr.seq = seq;
  m.hdr.cycle = cycle;
  return m;
}

static void s_accept(cpo_proto_rx_state_t *st, uint16_t type, uint32_t seq, uint64_t cycle) {
  cpo_msg_t m = s_msg(type, seq, cycle);
  cpo_wire_error_t err = {0};
  if (cpo_proto_rx_check(st, &m, &err) != CPO_OK)
    fail_msg("%s seq %u cycle %llu rejected: %s", cpo_msg_type_name(type), seq,
             (unsigned long long)cycle, err.text);
}

/* Expect a rejection with @p code naming @p needle, and the state untouched except that a
 * message carrying the expected seq after the handshake uses it up (PROTOCOL.md section 6). */
static void s_reject(cpo_proto_rx_state_t *st, uint16_t type, uint32_t seq, uint64_t cycle,
                     uint16_t code, const char *needle) {
  cpo_proto_rx_state_t before = *st;
  cpo_msg_t m = s_msg(type, seq, cycle);
  cpo_wire_error_t err = {0};
  assert_int_equal(cpo_proto_rx_check(st, &m, &err), CPO_ERR_PROTOCOL);
  if (err.code != code)
    fail_msg("expected %s, got %s (%s)", cpo_wire_error_str(code), cpo_wire_error_str(err.code),
             err.text);
  assert_int_equal(err.ref_seq, seq);
  if (!strstr(err.text, needle))
    fail_msg("text \"%s\" does not name \"%s\"", err.text, needle);
  assert_int_equal(st->hello_seen, before.hello_seen);
  assert_int_equal(st->next_seq, before.next_seq + (before.hello_seen && seq == before.next_seq));
  assert_int_equal(st->last_cycle, before.last_cycle);
}

static void test_rx_accepts_a_normal_session(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  assert_true(st.hello_seen);
  s_accept(&st, CPO_MSG_REG_READ, 1, 0);
  s_accept(&st, CPO_MSG_HEARTBEAT, 2, 0);
  s_accept(&st, CPO_MSG_SLEEP, 3, 16);
  s_accept(&st, CPO_MSG_BYE, 4, 16); /* equal cycle is fine */
  assert_int_equal(st.next_seq, 5);
  assert_int_equal(st.last_cycle, 16);
}

static void test_rx_rejects_message_before_hello(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_reject(&st, CPO_MSG_REG_READ, 0, 0, CPO_WERR_NOT_READY, "REG_READ (seq 0) before HELLO");
  s_reject(&st, CPO_MSG_TX_QUANTUM, 1, 0, CPO_WERR_NOT_READY, "before HELLO");
  s_reject(&st, CPO_MSG_BYE, 0, 0, CPO_WERR_NOT_READY, "before HELLO");
  s_accept(&st, CPO_MSG_HELLO, 0, 0); /* the session can still start */
}

static void test_rx_accepts_hello_ack_first(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO_ACK, 0, 0);
  s_accept(&st, CPO_MSG_RX_QUANTUM, 1, 0);
}

static void test_rx_error_before_hello_leaves_state_unchanged(void **state) {
  (void)state;
  /* the answer to a refused HELLO stands outside the sequence */
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_ERROR, 0, 0);
  assert_false(st.hello_seen);
  assert_int_equal(st.next_seq, 0);
  s_accept(&st, CPO_MSG_ERROR, 0, 0);
  s_accept(&st, CPO_MSG_HELLO_ACK, 0, 0);
  s_accept(&st, CPO_MSG_ERROR, 1, 0); /* after HELLO, ERROR is in sequence */
  s_reject(&st, CPO_MSG_ERROR, 1, 0, CPO_WERR_OUT_OF_ORDER, "expected 2");
}

static void test_rx_rejects_hello_with_nonzero_seq(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_reject(&st, CPO_MSG_HELLO, 1, 0, CPO_WERR_OUT_OF_ORDER, "HELLO seq 1, expected 0");
}

static void test_rx_rejects_second_hello(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  s_reject(&st, CPO_MSG_HELLO, 1, 0, CPO_WERR_UNEXPECTED, "after the session was established");
  s_reject(&st, CPO_MSG_HELLO_ACK, 0, 0, CPO_WERR_UNEXPECTED, "HELLO_ACK");
}

static void test_rx_rejects_seq_gap(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  s_accept(&st, CPO_MSG_TX_QUANTUM, 1, 0);
  s_reject(&st, CPO_MSG_TX_QUANTUM, 4, 32, CPO_WERR_OUT_OF_ORDER, "seq 4, expected 2 (2 missing)");
  s_accept(&st, CPO_MSG_TX_QUANTUM, 2, 16); /* the expected one still gets in */
}

static void test_rx_rejects_replay(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  s_accept(&st, CPO_MSG_REG_WRITE, 1, 10);
  s_accept(&st, CPO_MSG_REG_WRITE, 2, 20);
  s_reject(&st, CPO_MSG_REG_WRITE, 2, 20, CPO_WERR_OUT_OF_ORDER, "replayed");
  s_reject(&st, CPO_MSG_REG_WRITE, 1, 10, CPO_WERR_OUT_OF_ORDER, "seq 1, expected 3");
}

static void test_rx_seq_wraps_modulo_2_32(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {.hello_seen = true, .next_seq = 0xfffffffeu, .last_cycle = 5};
  s_accept(&st, CPO_MSG_HEARTBEAT, 0xfffffffeu, 5);
  s_accept(&st, CPO_MSG_HEARTBEAT, 0xffffffffu, 5);
  s_accept(&st, CPO_MSG_HEARTBEAT, 0, 5);
  s_accept(&st, CPO_MSG_HEARTBEAT, 1, 6);
  /* across the wrap a replay is still recognised as one */
  s_reject(&st, CPO_MSG_HEARTBEAT, 0xffffffffu, 6, CPO_WERR_OUT_OF_ORDER, "replayed");
}

static void test_rx_rejects_cycle_decrease(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  s_accept(&st, CPO_MSG_RX_QUANTUM, 1, 1024);
  s_reject(&st, CPO_MSG_RX_QUANTUM, 2, 1023, CPO_WERR_BAD_CYCLE,
           "cycle 1023 is before the peer's previous cycle 1024");
  s_accept(&st, CPO_MSG_RX_QUANTUM, 3, 1024); /* the rejected one used up seq 2 */
  s_accept(&st, CPO_MSG_RX_QUANTUM, 4, 0x100000000ull);
  s_reject(&st, CPO_MSG_RX_QUANTUM, 5, 0xffffffffull, CPO_WERR_BAD_CYCLE, "4294967295");
}

/* One corrupted message costs that message, not the session: a payload the decoder refused
 * uses up its seq if it carried the expected one; an unreadable or misnumbered one does not. */
static void test_rx_skip_after_a_decode_error_keeps_the_peer_in_step(void **state) {
  (void)state;
  cpo_proto_rx_state_t st = {0};
  cpo_wire_error_t err = {.code = CPO_WERR_BAD_FIELD, .ref_seq = 1};
  cpo_proto_rx_skip(&st, &err); /* before the handshake: nothing */
  assert_int_equal(st.next_seq, 0);
  s_accept(&st, CPO_MSG_HELLO, 0, 0);
  cpo_proto_rx_skip(&st, &err);
  assert_int_equal(st.next_seq, 2);
  s_accept(&st, CPO_MSG_REG_READ, 2, 5);
  err.ref_seq = CPO_PROTO_SEQ_NONE; /* bad magic: no readable seq */
  cpo_proto_rx_skip(&st, &err);
  err.ref_seq = 7; /* not the expected one */
  cpo_proto_rx_skip(&st, &err);
  assert_int_equal(st.next_seq, 3);
  assert_int_equal(st.last_cycle, 5);
  s_accept(&st, CPO_MSG_REG_READ, 3, 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rx_accepts_a_normal_session),
      cmocka_unit_test(test_rx_rejects_message_before_hello),
      cmocka_unit_test(test_rx_accepts_hello_ack_first),
      cmocka_unit_test(test_rx_error_before_hello_leaves_state_unchanged),
      cmocka_unit_test(test_rx_rejects_hello_with_nonzero_seq),
      cmocka_unit_test(test_rx_rejects_second_hello),
      cmocka_unit_test(test_rx_rejects_seq_gap),
      cmocka_unit_test(test_rx_rejects_replay),
      cmocka_unit_test(test_rx_seq_wraps_modulo_2_32),
      cmocka_unit_test(test_rx_rejects_cycle_decrease),
      cmocka_unit_test(test_rx_skip_after_a_decode_error_keeps_the_peer_in_step),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
