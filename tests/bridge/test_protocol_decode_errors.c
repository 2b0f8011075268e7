/* Decoding hostile bytes: each header field corrupted alone, every truncation, every payload
 * field out of range. Each rejection must carry the right wire code, the offender's seq when
 * the header was readable, and a text naming the field and its value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/protocol.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static uint64_t s_buf[4096]; /* 8-byte aligned */
#define BUF ((uint8_t *)s_buf)
#define PL (BUF + 32) /* payload */

static size_t s_frame(uint16_t type) {
  cpo_msg_t m;
  cpo_test_sample_msg(type, &m);
  size_t n = cpo_msg_encode(&m, s_buf, sizeof s_buf);
  assert_int_not_equal(n, 0);
  return n;
}

/* Decode BUF[0..n) expecting a rejection with @p code; every non-NULL needle must appear in
 * the text. */
static void s_expect_at(const void *buf, size_t n, uint16_t code, uint32_t ref_seq,
                        const char *needle1, const char *needle2) {
  cpo_msg_t d;
  cpo_wire_error_t err;
  cpo_status_t st = cpo_msg_decode(buf, n, &d, &err);
  if (st != CPO_ERR_PROTOCOL || err.code != code)
    fail_msg("expected %s, got status %d code %u (%s)", cpo_wire_error_str(code), st, err.code,
             err.text);
  assert_int_equal(err.ref_seq, ref_seq);
  if (needle1 && !strstr(err.text, needle1))
    fail_msg("text \"%s\" does not name \"%s\"", err.text, needle1);
  if (needle2 && !strstr(err.text, needle2))
    fail_msg("text \"%s\" does not name \"%s\"", err.text, needle2);
}

static void s_expect(size_t n, uint16_t code, uint32_t ref_seq, const char *needle1,
                     const char *needle2) {
  s_expect_at(BUF, n, code, ref_seq, needle1, needle2);
}

/* Set payload_len to the payload's new size @p plen and return the new frame length. */
static size_t s_resize(size_t plen) {
  put32(BUF + 24, (uint32_t)plen);
  return 32 + plen;
}

/* ---- header ---------------------------------------------------------------------------- */

static void test_decode_rejects_bad_magic(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_HEARTBEAT);
  BUF[3] = 'F';
  s_expect(n, CPO_WERR_BAD_MAGIC, CPO_PROTO_SEQ_NONE, "magic 0x464f5043", NULL);
  n = s_frame(CPO_MSG_HEARTBEAT);
  put32(BUF, 0x43504f45u); /* "CPOE" in the wrong byte order */
  s_expect(n, CPO_WERR_BAD_MAGIC, CPO_PROTO_SEQ_NONE, "magic", NULL);
}

static void test_decode_rejects_bad_version(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_HEARTBEAT);
  put16(BUF + 4, 7);
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 7", NULL);
  put16(BUF + 4, 5); /* version 5 had no MODEL_REPORT */
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 5", NULL);
  put16(BUF + 4, 4); /* version 4 had no SKIPPED flag */
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 4", NULL);
  put16(BUF + 4, 3); /* version 3 had no parked lanes */
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 3", NULL);
  put16(BUF + 4, 2); /* version 2 had no parked time */
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 2", NULL);
  put16(BUF + 4, 1); /* version 1 carried quanta of 8-byte words only */
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 1", NULL);
  put16(BUF + 4, 0);
  s_expect(n, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE, "version 0", NULL);
}

static void test_decode_rejects_unknown_type(void **state) {
  (void)state;
  static const uint16_t bad[] = {0, 6, 15, 25, 31, 38, 0xffff};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = s_frame(CPO_MSG_HEARTBEAT);
    put16(BUF + 6, bad[i]);
    char want[16];
    snprintf(want, sizeof want, "type %u", bad[i]);
    s_expect(n, CPO_WERR_UNKNOWN_TYPE, 4, want, NULL);
  }
}

static void test_decode_rejects_bad_flags(void **state) {
  (void)state;
  for (unsigned bit = 0; bit < 16; bit++) {
    size_t n = s_frame(CPO_MSG_REG_READ);
    put16(BUF + 8, (uint16_t)(1u << bit));
    s_expect(n, CPO_WERR_BAD_FLAGS, 10, "flags", NULL);
  }
  for (unsigned bit = 1; bit < 16; bit++) { /* PARKED has one flag, SKIPPED (bit 0) */
    size_t n = s_frame(CPO_MSG_PARKED);
    put16(BUF + 8, (uint16_t)(1u << bit | CPO_MSG_FLAG_SKIPPED));
    s_expect(n, CPO_WERR_BAD_FLAGS, 16, "flags", NULL); /* the sample PARKED's seq */
  }
  size_t n = s_frame(CPO_MSG_PARKED);
  put16(BUF + 8, CPO_MSG_FLAG_SKIPPED);
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_int_equal(d.hdr.flags, CPO_MSG_FLAG_SKIPPED);
}

static void test_decode_rejects_nonzero_header_reserved16(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_REG_READ);
  BUF[11] = 0x80;
  s_expect(n, CPO_WERR_BAD_RESERVED, 10, "bytes 10..11", "0x8000");
}

static void test_decode_rejects_nonzero_header_reserved32(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_REG_READ);
  BUF[28] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 10, "bytes 28..31", NULL);
  n = s_frame(CPO_MSG_REG_READ);
  BUF[31] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 10, "bytes 28..31", NULL);
}

static void test_decode_rejects_payload_len_too_small(void **state) {
  (void)state;
  /* payload_len below the bytes actually carried: trailing garbage */
  size_t n = s_frame(CPO_MSG_REG_WRITE);
  put32(BUF + 24, 4);
  s_expect(n, CPO_WERR_BAD_LENGTH, 12, "payload_len 4", "carries 8");
  /* or a frame with one byte more than declared */
  n = s_frame(CPO_MSG_HEARTBEAT);
  s_expect(n + 1, CPO_WERR_BAD_LENGTH, 4, "payload_len 0", "carries 1");
}

static void test_decode_rejects_payload_len_too_large(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_REG_WRITE);
  put32(BUF + 24, 9);
  s_expect(n, CPO_WERR_TRUNCATED, 12, "payload_len 9", "only 8");
  put32(BUF + 24, CPO_PROTO_MAX_PAYLOAD_BYTES);
  s_expect(n, CPO_WERR_TRUNCATED, 12, "payload_len 16777216", NULL);
}

static void test_decode_rejects_oversized_payload_len(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_REG_WRITE);
  put32(BUF + 24, CPO_PROTO_MAX_PAYLOAD_BYTES + 1);
  s_expect(n, CPO_WERR_TOO_LARGE, 12, "payload_len 16777217", "16777216");
  put32(BUF + 24, 0xffffffffu);
  s_expect(n, CPO_WERR_TOO_LARGE, 12, "payload_len 4294967295", NULL);
}

static void test_decode_rejects_oversized_frame(void **state) {
  (void)state;
  /* A frame really that big, with a payload_len that agrees: still over the limit. */
  size_t n = 32 + (size_t)CPO_PROTO_MAX_PAYLOAD_BYTES + 8;
  uint64_t *big = calloc(n / 8, 8);
  assert_non_null(big);
  size_t hb = s_frame(CPO_MSG_HEARTBEAT);
  memcpy(big, BUF, hb);
  put32((uint8_t *)big + 24, CPO_PROTO_MAX_PAYLOAD_BYTES + 8);
  s_expect_at(big, n, CPO_WERR_TOO_LARGE, 4, "16777224", NULL);
  free(big);
}

static void test_decode_accepts_payload_at_size_limit(void **state) {
  (void)state;
  /* 16 MiB exactly: DAC cannot get there, a quantum of 2^21 - 1 words + 8 bytes... pick
   * count*lanes*8 + 8 == 16 MiB - 8*k: count 32767, lanes 64 -> 16776712 bytes. */
  const uint32_t count = 32767, lanes = 64;
  size_t plen = 8 + 8 * (size_t)count * lanes;
  assert_true(plen <= CPO_PROTO_MAX_PAYLOAD_BYTES);
  uint64_t *big = calloc((32 + plen) / 8, 8);
  assert_non_null(big);
  uint8_t *b = (uint8_t *)big;
  memcpy(b, "CPOE", 4);
  put16(b + 4, CPO_PROTO_VERSION);
  put16(b + 6, CPO_MSG_TX_QUANTUM);
  put32(b + 24, (uint32_t)plen);
  put32(b + 32, count);
  put16(b + 36, (uint16_t)lanes);
  b[38] = 8; /* word_bytes */
  put64(b + 32 + plen - 8, 0xabcdef);
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(b, 32 + plen, &d, &err), CPO_OK);
  assert_int_equal(d.u.quantum.words[(size_t)count * lanes - 1], 0xabcdef);
  free(big);
}

static void test_decode_rejects_every_truncation(void **state) {
  (void)state;
  for (size_t i = 0; i < cpo_test_msg_type_count; i++) {
    size_t full = s_frame(cpo_test_msg_types[i]);
    cpo_msg_t m;
    cpo_test_sample_msg(cpo_test_msg_types[i], &m);
    for (size_t len = 0; len < full; len++) {
      /* below the header nothing is readable; beyond it the declared payload is missing */
      if (len < 32)
        s_expect(len, CPO_WERR_TRUNCATED, CPO_PROTO_SEQ_NONE, "shorter than the 32-byte header",
                 NULL);
      else
        s_expect(len, CPO_WERR_TRUNCATED, m.hdr.seq, "payload_len", NULL);
    }
    cpo_msg_t d;
    cpo_wire_error_t err;
    assert_int_equal(cpo_msg_decode(BUF, full, &d, &err), CPO_OK);
  }
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(NULL, 0, &d, &err), CPO_ERR_PROTOCOL);
  assert_int_equal(err.code, CPO_WERR_TRUNCATED);
}

/* ---- payload fields -------------------------------------------------------------------- */

static void test_decode_rejects_quantum_lanes_out_of_range(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_TX_QUANTUM);
  put16(PL + 4, 0);
  s_expect(n, CPO_WERR_BAD_FIELD, 0x80000001u, "TX_QUANTUM lanes 0", "1..64");
  n = s_frame(CPO_MSG_RX_QUANTUM);
  put16(PL + 4, 65);
  s_expect(n, CPO_WERR_BAD_FIELD, 7, "RX_QUANTUM lanes 65", NULL);
}

static void test_decode_rejects_quantum_count_zero(void **state) {
  (void)state;
  s_frame(CPO_MSG_TX_QUANTUM);
  put32(PL, 0);
  size_t n = s_resize(8);
  s_expect(n, CPO_WERR_BAD_FIELD, 0x80000001u, "count 0", NULL);
}

static void test_decode_rejects_quantum_length_mismatch(void **state) {
  (void)state;
  /* count 1, lanes 8 in a 12-byte payload: the frame is self-consistent, the layout is not */
  s_frame(CPO_MSG_TX_QUANTUM);
  put32(PL, 1);
  put16(PL + 4, 8);
  size_t n = s_resize(12);
  s_expect(
      n, CPO_WERR_BAD_LENGTH, 0x80000001u,
      "payload_len 12 does not match TX_QUANTUM with count 1, lanes 8, word_bytes 8 (needs 72)",
      NULL);
  PL[6] = 4; /* the same with 4-byte words */
  s_expect(n, CPO_WERR_BAD_LENGTH, 0x80000001u, "word_bytes 4 (needs 40)", NULL);
  PL[6] = 8;
  /* count * lanes * 8 overflowing 32 bits must not wrap into a match */
  put32(PL, 0x08000000u);
  put16(PL + 4, 64);
  n = s_resize(8);
  s_expect(n, CPO_WERR_BAD_LENGTH, 0x80000001u, "needs 68719476744", NULL);
  s_frame(CPO_MSG_TX_QUANTUM);
  n = s_resize(4);
  s_expect(n, CPO_WERR_BAD_LENGTH, 0x80000001u, "payload_len 4", "fixed part");
}

static void test_decode_rejects_quantum_reserved(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_RX_QUANTUM);
  PL[7] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 7, "RX_QUANTUM reserved", NULL);
}

static void test_decode_rejects_quantum_word_bytes(void **state) {
  (void)state;
  for (unsigned wb = 0; wb < 256; wb++) {
    if (wb == 4 || wb == 8)
      continue;
    size_t n = s_frame(CPO_MSG_RX_QUANTUM);
    PL[6] = (uint8_t)wb;
    char want[48];
    snprintf(want, sizeof want, "RX_QUANTUM word_bytes %u", wb);
    s_expect(n, CPO_WERR_BAD_FIELD, 7, want, "4 or 8");
  }
}

static void test_decode_handles_misaligned_quantum_buffer(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_TX_QUANTUM);
  memmove(BUF + 1, BUF, n);
  cpo_msg_t d;
  cpo_wire_error_t err;
  /* a caller's problem, not the peer's: no wire code, a different status */
  assert_int_equal(cpo_msg_decode(BUF + 1, n, &d, &err), CPO_ERR_INVALID_ARG);
  assert_int_equal(err.code, CPO_WERR_NONE);
  assert_non_null(strstr(err.text, "aligned"));
  /* 4-byte words are read through cpo_msg_quantum_read, and other types carry no in-place
   * pointer to words: any alignment is fine */
  n = s_frame(CPO_MSG_RX_QUANTUM);
  memmove(BUF + 1, BUF, n);
  assert_int_equal(cpo_msg_decode(BUF + 1, n, &d, &err), CPO_OK);
  uint64_t last;
  cpo_msg_quantum_read(&d, 5, 1, &last);
  assert_int_equal(last, 0x88888888u);
  n = s_frame(CPO_MSG_DAC_UPDATE);
  memmove(BUF + 3, BUF, n);
  assert_int_equal(cpo_msg_decode(BUF + 3, n, &d, &err), CPO_OK);
  assert_int_equal(cpo_msg_analog_entry(&d, 1).value, 0xffffffffu);
  /* errors before the alignment check still name the peer's fault */
  n = s_frame(CPO_MSG_TX_QUANTUM);
  put16(PL + 4, 0);
  memmove(BUF + 1, BUF, n);
  s_expect_at(BUF + 1, n, CPO_WERR_BAD_FIELD, 0x80000001u, "lanes 0", NULL);
}

static void test_decode_rejects_error_text_too_long(void **state) {
  (void)state;
  s_frame(CPO_MSG_ERROR);
  put16(PL + 2, 256);
  memset(PL + 8, 'x', 256);
  size_t n = s_resize(8 + 256);
  s_expect(n, CPO_WERR_BAD_FIELD, 3, "text_len 256", "255");
}

static void test_decode_rejects_text_len_mismatch(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_ERROR);
  put16(PL + 2, (uint16_t)(get16(PL + 2) + 1));
  s_expect(n, CPO_WERR_BAD_LENGTH, 3, "text_len 28", "needs 36");
  n = s_frame(CPO_MSG_BYE);
  put16(PL + 2, 13);
  s_expect(n, CPO_WERR_BAD_LENGTH, 5, "BYE with text_len 13", "needs 17");
  s_frame(CPO_MSG_BYE);
  n = s_resize(3);
  s_expect(n, CPO_WERR_BAD_LENGTH, 5, "payload_len 3", "fixed part");
}

static void test_decode_rejects_nul_in_text(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_BYE);
  PL[4 + 4] = '\0';
  s_expect(n, CPO_WERR_BAD_FIELD, 5, "BYE text has a NUL at byte 4", NULL);
}

/* One past the highest wire error code (protocol.toml): the first code no peer may send. */
static uint16_t s_first_unknown_error_code(void) {
#define X(name, value, text) value,
  static const unsigned codes[] = {CPO_WIRE_ERROR_LIST(X)};
#undef X
  unsigned top = 0;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    top = codes[i] > top ? codes[i] : top;
  return (uint16_t)(top + 1);
}

static void test_decode_rejects_bad_error_code(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_ERROR);
  put16(PL, 0);
  s_expect(n, CPO_WERR_BAD_FIELD, 3, "ERROR code 0", NULL);
  uint16_t unknown = s_first_unknown_error_code();
  char text[32];
  snprintf(text, sizeof text, "ERROR code %u", unknown);
  put16(PL, unknown);
  s_expect(n, CPO_WERR_BAD_FIELD, 3, text, NULL);
}

static void test_decode_rejects_bad_bye_status(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_BYE);
  put16(PL, 1);
  s_expect(n, CPO_WERR_BAD_FIELD, 5, "BYE status 1", NULL);
  put16(PL, (uint16_t)-100);
  s_expect(n, CPO_WERR_BAD_FIELD, 5, "BYE status -100", NULL);
  put16(PL, 0);
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_int_equal(d.u.bye.status, 0);
}

static void test_decode_rejects_bad_reg_status(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_REG_READ_RESP);
  put16(PL + 8, 2);
  s_expect(n, CPO_WERR_BAD_FIELD, 11, "REG_READ_RESP status 2", NULL);
  n = s_frame(CPO_MSG_REG_WRITE_RESP);
  put16(PL + 4, 0xffff);
  s_expect(n, CPO_WERR_BAD_FIELD, 13, "REG_WRITE_RESP status 65535", NULL);
  n = s_frame(CPO_MSG_REG_WRITE_RESP);
  PL[7] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 13, "REG_WRITE_RESP reserved", NULL);
  n = s_frame(CPO_MSG_REG_READ_RESP);
  PL[10] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 11, "REG_READ_RESP reserved", NULL);
}

/* MODEL_REPORT (the sample: 2 lanes): lanes 0 or past the limit, another count of values, the
 * reserved word, a length that is not the lanes', a value that is not finite. */
static void test_decode_rejects_bad_model_report(void **state) {
  (void)state;
  const size_t head = CPO_PROTO_MODEL_REPORT_FIXED_PART_BYTES;
  size_t n = s_frame(CPO_MSG_MODEL_REPORT);
  put16(PL, 0);
  s_expect(n, CPO_WERR_BAD_FIELD, 20, "MODEL_REPORT lanes 0", NULL);
  put16(PL, CPO_PROTO_MAX_LANES + 1);
  s_expect(n, CPO_WERR_BAD_FIELD, 20, "MODEL_REPORT lanes 65", NULL);
  n = s_frame(CPO_MSG_MODEL_REPORT);
  put16(PL + 2, CPO_PROTO_REPORT_FIELDS + 1);
  s_expect(n, CPO_WERR_BAD_FIELD, 20, "MODEL_REPORT fields 11", NULL);
  n = s_frame(CPO_MSG_MODEL_REPORT);
  PL[7] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 20, "MODEL_REPORT reserved", NULL);
  n = s_frame(CPO_MSG_MODEL_REPORT);
  put16(PL, 1); /* one lane's values, two on the wire */
  s_expect(n, CPO_WERR_BAD_LENGTH, 20, "MODEL_REPORT with 1 lanes", "needs 88");
  n = s_frame(CPO_MSG_MODEL_REPORT);
  put64(PL + head + 8 * (CPO_PROTO_REPORT_FIELDS + 3), 0x7ff8000000000000ull); /* NaN */
  s_expect(n, CPO_WERR_BAD_FIELD, 20, "MODEL_REPORT lane 1 value 3", "finite");
  n = s_frame(CPO_MSG_MODEL_REPORT);
  put64(PL + head, 0x7ff0000000000000ull); /* +inf */
  s_expect(n, CPO_WERR_BAD_FIELD, 20, "MODEL_REPORT lane 0 value 0", "finite");
}

static void test_decode_rejects_fixed_size_length_mismatch(void **state) {
  (void)state;
  static const struct {
    uint16_t type;
    size_t plen;
  } fixed[] = {{CPO_MSG_HELLO, 88},         {CPO_MSG_HELLO_ACK, 88},     {CPO_MSG_HEARTBEAT, 0},
               {CPO_MSG_REG_READ, 4},       {CPO_MSG_REG_READ_RESP, 12}, {CPO_MSG_REG_WRITE, 8},
               {CPO_MSG_REG_WRITE_RESP, 8}, {CPO_MSG_SLEEP, 8},          {CPO_MSG_SLEEP_DONE, 0},
               {CPO_MSG_PARKED, 8},         {CPO_MSG_RX_PARKED, 8},      {CPO_MSG_LANES_PARKED, 8}};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    cpo_msg_t m;
    cpo_test_sample_msg(fixed[i].type, &m);
    char want[64];
    snprintf(want, sizeof want, "needs %zu", fixed[i].plen);
    s_frame(fixed[i].type);
    size_t n = s_resize(fixed[i].plen + 4);
    s_expect(n, CPO_WERR_BAD_LENGTH, m.hdr.seq, cpo_msg_type_name(fixed[i].type), want);
    if (fixed[i].plen >= 4) {
      s_frame(fixed[i].type);
      n = s_resize(fixed[i].plen - 4);
      s_expect(n, CPO_WERR_BAD_LENGTH, m.hdr.seq, cpo_msg_type_name(fixed[i].type), want);
    }
  }
}

static void test_decode_rejects_until_cycle_before_cycle(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_SLEEP);
  put64(PL, 9999);
  s_expect(n, CPO_WERR_BAD_FIELD, 14, "until_cycle 9999", "10000");
  put64(PL, 10000); /* sleeping zero cycles is allowed */
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
}

/* A parked span is never empty: PARKED's end after its stamp, RX_PARKED's start before. */
static void test_decode_rejects_empty_parked_span(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_PARKED);
  put64(PL, 7500);
  s_expect(n, CPO_WERR_BAD_FIELD, 16, "PARKED until_cycle 7500", "empty span");
  n = s_frame(CPO_MSG_RX_PARKED);
  put64(PL, 0x300000000ull + 1024);
  s_expect(n, CPO_WERR_BAD_FIELD, 17, "RX_PARKED first_cycle", "empty span");
  put64(PL, 0x300000000ull + 1023);
  cpo_msg_t d;
  cpo_wire_error_t err;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  assert_int_equal(d.u.parked.other_cycle, 0x300000000ull + 1023);
}

static void test_decode_rejects_analog_count_and_lane(void **state) {
  (void)state;
  s_frame(CPO_MSG_DAC_UPDATE);
  put16(PL, 1025);
  size_t n = s_resize(4 + 8 * 1025);
  s_expect(n, CPO_WERR_BAD_FIELD, 8, "DAC_UPDATE count 1025", "1024");
  n = s_frame(CPO_MSG_ADC_SAMPLE);
  put16(PL + 4 + 2, 64);
  s_expect(n, CPO_WERR_BAD_FIELD, 9, "ADC_SAMPLE entry 0 lane 64", NULL);
  n = s_frame(CPO_MSG_DAC_UPDATE);
  put16(PL, 3);
  s_expect(n, CPO_WERR_BAD_LENGTH, 8, "count 3", "needs 28");
  n = s_frame(CPO_MSG_DAC_UPDATE);
  PL[2] = 1;
  s_expect(n, CPO_WERR_BAD_RESERVED, 8, "DAC_UPDATE reserved", NULL);
}

/* ---- HELLO ----------------------------------------------------------------------------- */

static void test_decode_rejects_hello_hash_mismatch(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_HELLO);
  PL[80] ^= 1;
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "config_hash", "does not match");
  /* or a config changed under a stale hash */
  n = s_frame(CPO_MSG_HELLO);
  put32(PL + 12, 4096);
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "config_hash", NULL);
}

static void test_decode_rejects_hello_config_out_of_range(void **state) {
  (void)state;
  static const struct {
    size_t off, width;
    uint64_t value;
    const char *needle;
  } bad[] = {
      {4, 2, 0, "lanes 0"},
      {4, 2, 65, "lanes 65"},
      {6, 2, 0, "symbols_per_cycle 0"},
      {6, 2, 65, "symbols_per_cycle 65"},
      {8, 1, 0, "bits_per_symbol 0"},
      {8, 1, 3, "bits_per_symbol 3"},
      {6, 2, 33, "symbols_per_cycle 33 * bits_per_symbol 2"},
      {12, 4, 0, "latency_cycles 0"},
      {16, 4, 0, "quantum_cycles 0"},
      {16, 4, 1025, "quantum_cycles 1025"},
      {32, 8, 0, "total_cycles 0"},
      {40, 8, 0, "baud_hz 0"},
      {48, 1, 0x07, "profile byte 0 is 0x07"},
      {48 + 12, 1, 'x', "profile padding after byte 11"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t n = s_frame(CPO_MSG_HELLO_ACK);
    uint8_t *f = PL + bad[i].off;
    for (size_t k = 0; k < bad[i].width; k++)
      f[k] = (uint8_t)(bad[i].value >> (8 * k));
    rehash_hello(BUF);
    s_expect(n, CPO_WERR_BAD_FIELD, 0, bad[i].needle, NULL);
  }
  /* a full 32-character profile leaves no NUL */
  size_t n = s_frame(CPO_MSG_HELLO);
  memset(PL + 48, 'a', 32);
  rehash_hello(BUF);
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "profile has no NUL", NULL);
}

static void test_decode_rejects_hello_role(void **state) {
  (void)state;
  size_t n = s_frame(CPO_MSG_HELLO);
  PL[0] = 0;
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "role 0", NULL);
  PL[0] = 4;
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "role 4", NULL);
}

static void test_decode_rejects_hello_reserved(void **state) {
  (void)state;
  static const size_t offs[] = {1, 2, 3, 9, 10, 11, 20, 21, 22, 23};
  for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
    size_t n = s_frame(CPO_MSG_HELLO);
    PL[offs[i]] = 0x10;
    rehash_hello(BUF);
    s_expect(n, CPO_WERR_BAD_RESERVED, 0, "HELLO reserved", NULL);
  }
}

static void test_decode_adopt_hello_only_from_host_with_zero_config(void **state) {
  (void)state;
  cpo_msg_t d;
  cpo_wire_error_t err;
  size_t n = s_frame(CPO_MSG_HELLO);
  memset(PL + 4, 0, 84);
  PL[0] = CPO_ROLE_HOST;
  assert_int_equal(cpo_msg_decode(BUF, n, &d, &err), CPO_OK);
  PL[0] = CPO_ROLE_MODEL;
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "config_hash 0", "HELLO from role model");
  PL[0] = CPO_ROLE_HOST;
  put16(BUF + 6, CPO_MSG_HELLO_ACK);
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "config_hash 0", "HELLO_ACK from role host");
  put16(BUF + 6, CPO_MSG_HELLO);
  PL[4] = 8; /* lanes set, hash still 0 */
  s_expect(n, CPO_WERR_BAD_FIELD, 0, "not zeroed", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_rejects_bad_magic),
      cmocka_unit_test(test_decode_rejects_bad_version),
      cmocka_unit_test(test_decode_rejects_unknown_type),
      cmocka_unit_test(test_decode_rejects_bad_flags),
      cmocka_unit_test(test_decode_rejects_nonzero_header_reserved16),
      cmocka_unit_test(test_decode_rejects_nonzero_header_reserved32),
      cmocka_unit_test(test_decode_rejects_payload_len_too_small),
      cmocka_unit_test(test_decode_rejects_payload_len_too_large),
      cmocka_unit_test(test_decode_rejects_oversized_payload_len),
      cmocka_unit_test(test_decode_rejects_oversized_frame),
      cmocka_unit_test(test_decode_accepts_payload_at_size_limit),
      cmocka_unit_test(test_decode_rejects_every_truncation),
      cmocka_unit_test(test_decode_rejects_quantum_lanes_out_of_range),
      cmocka_unit_test(test_decode_rejects_quantum_count_zero),
      cmocka_unit_test(test_decode_rejects_quantum_length_mismatch),
      cmocka_unit_test(test_decode_rejects_quantum_reserved),
      cmocka_unit_test(test_decode_rejects_quantum_word_bytes),
      cmocka_unit_test(test_decode_handles_misaligned_quantum_buffer),
      cmocka_unit_test(test_decode_rejects_error_text_too_long),
      cmocka_unit_test(test_decode_rejects_text_len_mismatch),
      cmocka_unit_test(test_decode_rejects_nul_in_text),
      cmocka_unit_test(test_decode_rejects_bad_error_code),
      cmocka_unit_test(test_decode_rejects_bad_bye_status),
      cmocka_unit_test(test_decode_rejects_bad_reg_status),
      cmocka_unit_test(test_decode_rejects_fixed_size_length_mismatch),
      cmocka_unit_test(test_decode_rejects_until_cycle_before_cycle),
      cmocka_unit_test(test_decode_rejects_empty_parked_span),
      cmocka_unit_test(test_decode_rejects_analog_count_and_lane),
      cmocka_unit_test(test_decode_rejects_bad_model_report),
      cmocka_unit_test(test_decode_rejects_hello_hash_mismatch),
      cmocka_unit_test(test_decode_rejects_hello_config_out_of_range),
      cmocka_unit_test(test_decode_rejects_hello_role),
      cmocka_unit_test(test_decode_rejects_hello_reserved),
      cmocka_unit_test(test_decode_adopt_hello_only_from_host_with_zero_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
