/* Encoding: every message type survives encode -> decode, the bytes are where PROTOCOL.md
 * says, and the encoder refuses what a receiver would reject. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/protocol.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static uint64_t s_buf[4096]; /* 8-byte aligned scratch for frames */
#define BUF ((uint8_t *)s_buf)

static size_t s_encode(const cpo_msg_t *m) {
  size_t n = cpo_msg_encode(m, s_buf, sizeof s_buf);
  assert_int_not_equal(n, 0);
  return n;
}

static void test_round_trip_every_type(void **state) {
  (void)state;
  for (size_t i = 0; i < cpo_test_msg_type_count; i++) {
    cpo_msg_t m, d;
    cpo_wire_error_t err;
    char why[64] = "";
    cpo_test_sample_msg(cpo_test_msg_types[i], &m);
    size_t n = s_encode(&m);
    assert_int_equal(n, cpo_msg_encoded_size(&m));
    assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
    assert_int_equal(d.hdr.magic, CPO_PROTO_MAGIC);
    assert_int_equal(d.hdr.version, CPO_PROTO_VERSION);
    assert_int_equal(d.hdr.payload_len, n - CPO_PROTO_HEADER_BYTES);
    if (!cpo_test_msg_equal(&m, &d, why, sizeof why))
      fail_msg("%s: %s differs after a round trip", cpo_msg_type_name(m.hdr.type), why);
  }
}

static void test_round_trip_limits(void **state) {
  (void)state;
  /* the largest of each variable part: 255-byte text, 64 lanes, 1024 analog entries */
  cpo_msg_t m, d;
  cpo_wire_error_t err;
  cpo_test_sample_msg(CPO_MSG_ERROR, &m);
  memset(m.u.error.text, 'x', CPO_PROTO_MAX_TEXT_BYTES);
  m.u.error.text[CPO_PROTO_MAX_TEXT_BYTES] = '\0';
  size_t n = s_encode(&m);
  assert_int_equal(n, 32 + 8 + 255);
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_true(cpo_test_msg_equal(&m, &d, NULL, 0));

  static uint64_t words[2 * 64];
  for (size_t i = 0; i < 128; i++)
    words[i] = ~(uint64_t)i * 0x9e3779b97f4a7c15ull;
  cpo_test_sample_msg(CPO_MSG_RX_QUANTUM, &m);
  m.u.quantum.count = 2;
  m.u.quantum.lanes = 64;
  m.u.quantum.word_bytes = 8;
  m.u.quantum.words = words;
  n = s_encode(&m);
  assert_int_equal(n, 32 + 8 + 8 * 128);
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_true(cpo_test_msg_equal(&m, &d, NULL, 0));
  assert_ptr_equal(d.u.quantum.words, (const void *)(BUF + 40)); /* zero copy */

  /* 4-byte words: half the bytes; what is above bit 31 does not travel */
  m.u.quantum.word_bytes = 4;
  n = s_encode(&m);
  assert_int_equal(n, 32 + 8 + 4 * 128);
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_null(d.u.quantum.words);
  assert_int_equal(d.u.quantum.word_bytes, 4);
  static uint64_t back[128];
  cpo_msg_quantum_read(&d, 0, 128, back);
  for (size_t i = 0; i < 128; i++)
    assert_int_equal(back[i], words[i] & 0xffffffffu);
  cpo_msg_quantum_read(&d, 127, 1, back); /* any word alone */
  assert_int_equal(back[0], words[127] & 0xffffffffu);

  static uint8_t entries[1024 * 8];
  for (size_t i = 0; i < 1024; i++) {
    put16(entries + 8 * i, (uint16_t)(i * 7));
    put16(entries + 8 * i + 2, (uint16_t)(i % 64));
    put32(entries + 8 * i + 4, (uint32_t)(i * 0x01010101u));
  }
  cpo_test_sample_msg(CPO_MSG_DAC_UPDATE, &m);
  m.u.analog.count = 1024;
  m.u.analog.entries_raw = entries;
  n = s_encode(&m);
  assert_int_equal(n, 32 + 4 + 8 * 1024);
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_true(cpo_test_msg_equal(&m, &d, NULL, 0));
  cpo_analog_entry_t e = cpo_msg_analog_entry(&d, 1023);
  assert_int_equal(e.channel, (uint16_t)(1023 * 7));
  assert_int_equal(e.lane, 1023 % 64);
  assert_int_equal(e.value, 1023u * 0x01010101u);
}

/* The header bytes, written out by hand from the table in PROTOCOL.md. */
static void test_encode_header_layout_matches_spec(void **state) {
  (void)state;
  cpo_msg_t m;
  cpo_test_sample_msg(CPO_MSG_REG_WRITE, &m);
  m.hdr.seq = 0x0a0b0c0d;
  m.hdr.cycle = 0x1122334455667788ull;
  size_t n = s_encode(&m);
  static const uint8_t want[40] = {
      'C',  'P',  'O',  'E',                          /* magic */
      6,    0,                                        /* version */
      34,   0,                                        /* type REG_WRITE */
      0,    0,    0,    0,                            /* flags, reserved */
      0x0d, 0x0c, 0x0b, 0x0a,                         /* seq */
      0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* cycle */
      8,    0,    0,    0,                            /* payload_len */
      0,    0,    0,    0,                            /* reserved */
      0x04, 0x10, 0x00, 0x80,                         /* addr 0x80001004 */
      0xef, 0xbe, 0xad, 0xde,                         /* data 0xdeadbeef */
  };
  assert_int_equal(n, sizeof want);
  assert_memory_equal(BUF, want, sizeof want);
}

/* A sample quantum's payload: count, lanes, word_bytes, a zero reserved byte, then each word
 * little-endian in word_bytes bytes. */
static void s_check_quantum_layout(uint16_t type, uint32_t count, uint16_t lanes,
                                   uint8_t word_bytes) {
  cpo_msg_t m;
  cpo_test_sample_msg(type, &m);
  const uint8_t *p = BUF + 32;
  const size_t words = (size_t)count * lanes;
  assert_int_equal(s_encode(&m), 32 + 8 + word_bytes * words);
  assert_int_equal(get32(p), count);
  assert_int_equal(get16(p + 4), lanes);
  assert_int_equal(p[6], word_bytes);
  assert_int_equal(p[7], 0);
  for (size_t i = 0; i < words; i++)
    assert_int_equal(word_bytes == 8 ? get64(p + 8 + 8 * i) : get32(p + 8 + 4 * i),
                     m.u.quantum.words[i]);
}

static void test_encode_payload_layouts_match_spec(void **state) {
  (void)state;
  cpo_msg_t m;
  size_t n;

  cpo_test_sample_msg(CPO_MSG_HELLO, &m);
  n = s_encode(&m);
  const uint8_t *p = BUF + 32;
  assert_int_equal(n, 32 + 88);
  assert_int_equal(p[0], CPO_ROLE_MODEL);
  assert_int_equal(get16(p + 4), 8);
  assert_int_equal(get16(p + 6), 32);
  assert_int_equal(p[8], 2);
  assert_int_equal(get32(p + 12), 1024);
  assert_int_equal(get32(p + 16), 256);
  assert_int_equal(get64(p + 24), 0x0123456789abcdefull);
  assert_int_equal(get64(p + 32), 200000);
  assert_int_equal(get64(p + 40), 53125000000ull);
  assert_string_equal((const char *)p + 48, "cpo-default");
  assert_int_equal(get64(p + 80), ref_fnv1a64(p + 4, 76));

  cpo_test_sample_msg(CPO_MSG_ERROR, &m);
  n = s_encode(&m);
  assert_int_equal(get16(p), CPO_WERR_BAD_FIELD);
  assert_int_equal(get16(p + 2), strlen("lanes 65 out of range 1..64"));
  assert_int_equal(get32(p + 4), 41);
  assert_memory_equal(p + 8, "lanes 65 out of range 1..64", get16(p + 2));
  assert_int_equal(n, 32 + 8 + get16(p + 2));

  cpo_test_sample_msg(CPO_MSG_BYE, &m);
  n = s_encode(&m);
  assert_int_equal((int16_t)get16(p), CPO_ERR_TIMEOUT);
  assert_int_equal(get16(p + 2), 14);
  assert_memory_equal(p + 4, "peer timed out", 14);
  assert_int_equal(n, 32 + 4 + 14);

  s_check_quantum_layout(CPO_MSG_TX_QUANTUM, 3, 2, 8); /* the samples: 8-byte words */
  s_check_quantum_layout(CPO_MSG_RX_QUANTUM, 2, 3, 4); /* and 4-byte words */

  cpo_test_sample_msg(CPO_MSG_DAC_UPDATE, &m);
  n = s_encode(&m);
  assert_int_equal(n, 32 + 4 + 16);
  assert_int_equal(get16(p), 2);
  assert_int_equal(get16(p + 4 + 8 + 2), 7);           /* entry 1 lane */
  assert_int_equal(get32(p + 4 + 8 + 4), 0xffffffffu); /* entry 1 value */

  cpo_test_sample_msg(CPO_MSG_REG_READ_RESP, &m);
  n = s_encode(&m);
  assert_int_equal(n, 32 + 12);
  assert_int_equal(get32(p), 0x1000);
  assert_int_equal(get32(p + 4), 0x43504f45u);
  assert_int_equal(get16(p + 8), 1);
  assert_int_equal(get16(p + 10), 0);

  cpo_test_sample_msg(CPO_MSG_REG_WRITE_RESP, &m);
  n = s_encode(&m);
  assert_int_equal(n, 32 + 8);
  assert_int_equal(get32(p), 0x80001004u);
  assert_int_equal(get16(p + 4), 1);

  cpo_test_sample_msg(CPO_MSG_SLEEP, &m);
  n = s_encode(&m);
  assert_int_equal(n, 32 + 8);
  assert_int_equal(get64(p), 0x200000000ull);

  cpo_test_sample_msg(CPO_MSG_HEARTBEAT, &m);
  assert_int_equal(s_encode(&m), 32);
  cpo_test_sample_msg(CPO_MSG_SLEEP_DONE, &m);
  assert_int_equal(s_encode(&m), 32);
}

static void test_encode_ignores_profile_bytes_after_nul(void **state) {
  (void)state;
  cpo_msg_t m;
  cpo_test_sample_msg(CPO_MSG_HELLO, &m);
  m.u.hello.config.profile[20] = 'Z'; /* stale bytes after the name's NUL */
  assert_int_equal(cpo_config_hash(&m.u.hello.config), m.u.hello.config_hash);
  size_t n = s_encode(&m);
  for (size_t i = strlen("cpo-default"); i < 32; i++)
    assert_int_equal(BUF[32 + 48 + i], 0);
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
}

static void test_encode_rejects_small_buffer(void **state) {
  (void)state;
  for (size_t i = 0; i < cpo_test_msg_type_count; i++) {
    cpo_msg_t m;
    cpo_test_sample_msg(cpo_test_msg_types[i], &m);
    size_t need = cpo_msg_encoded_size(&m);
    assert_int_equal(cpo_msg_encode(&m, s_buf, need - 1), 0);
    assert_int_equal(cpo_msg_encode(&m, s_buf, need), need);
  }
}

/* The encoder must never produce a frame the decoder would reject. */
static void test_encode_rejects_invalid_fields(void **state) {
  (void)state;
  cpo_msg_t m;
  cpo_test_sample_msg(CPO_MSG_TX_QUANTUM, &m);
  m.u.quantum.lanes = 65;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  m.u.quantum.lanes = 0;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  cpo_test_sample_msg(CPO_MSG_TX_QUANTUM, &m);
  m.u.quantum.count = 0;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  cpo_test_sample_msg(CPO_MSG_TX_QUANTUM, &m);
  m.u.quantum.words = NULL;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  for (unsigned wb = 0; wb <= 9; wb++) { /* only 4 and 8 */
    cpo_test_sample_msg(CPO_MSG_TX_QUANTUM, &m);
    m.u.quantum.word_bytes = (uint8_t)wb;
    assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf) != 0, wb == 4 || wb == 8);
  }

  cpo_test_sample_msg(CPO_MSG_ERROR, &m);
  memset(m.u.error.text, 'x', sizeof m.u.error.text); /* no NUL: 256 characters */
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  cpo_test_sample_msg(CPO_MSG_ERROR, &m);
  m.u.error.code = CPO_WERR_NONE;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);

  cpo_test_sample_msg(CPO_MSG_BYE, &m);
  m.u.bye.status = 7;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);

  cpo_test_sample_msg(CPO_MSG_REG_READ_RESP, &m);
  m.u.reg.status = 2;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);

  cpo_test_sample_msg(CPO_MSG_SLEEP, &m);
  m.u.sleep.until_cycle = m.hdr.cycle - 1;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);

  cpo_test_sample_msg(CPO_MSG_HELLO, &m);
  m.u.hello.config_hash ^= 1;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  cpo_test_sample_msg(CPO_MSG_HELLO, &m);
  m.u.hello.config.quantum_cycles = 2048; /* > latency */
  m.u.hello.config_hash = cpo_config_hash(&m.u.hello.config);
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);

  cpo_test_sample_msg(CPO_MSG_HEARTBEAT, &m);
  m.hdr.flags = 1;
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
  m.hdr.flags = 0;
  m.hdr.type = 6;
  assert_int_equal(cpo_msg_encoded_size(&m), 0);
  assert_int_equal(cpo_msg_encode(&m, s_buf, sizeof s_buf), 0);
}

static void test_encode_host_adopt_hello(void **state) {
  (void)state;
  cpo_msg_t m, d;
  cpo_wire_error_t err;
  memset(&m, 0, sizeof m);
  m.hdr.type = CPO_MSG_HELLO;
  m.u.hello.role = CPO_ROLE_HOST;
  size_t n = s_encode(&m);
  for (size_t i = 32 + 4; i < n; i++)
    assert_int_equal(BUF[i], 0);
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_int_equal(d.u.hello.config_hash, 0);
  assert_int_equal(d.u.hello.role, CPO_ROLE_HOST);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(cpo_msg_type_name(CPO_MSG_TX_QUANTUM), "TX_QUANTUM");
  assert_string_equal(cpo_msg_type_name(6), "UNKNOWN");
  assert_string_equal(cpo_wire_error_str(CPO_WERR_ROLE_TAKEN), "role already connected");
  assert_string_equal(cpo_role_name(CPO_ROLE_HOST), "host");
  assert_string_equal(cpo_role_name(0), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_type),
      cmocka_unit_test(test_round_trip_limits),
      cmocka_unit_test(test_encode_header_layout_matches_spec),
      cmocka_unit_test(test_encode_payload_layouts_match_spec),
      cmocka_unit_test(test_encode_ignores_profile_bytes_after_nul),
      cmocka_unit_test(test_encode_rejects_small_buffer),
      cmocka_unit_test(test_encode_rejects_invalid_fields),
      cmocka_unit_test(test_encode_host_adopt_hello),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
