#include "proto_samples.h"

#include <stdio.h>
#include <string.h>

const uint16_t cpo_test_msg_types[] = {
#define CPO_TEST_TYPE(name, value, text) value,
    CPO_MSG_TYPE_LIST(CPO_TEST_TYPE)
#undef CPO_TEST_TYPE
};
const size_t cpo_test_msg_type_count = sizeof cpo_test_msg_types / sizeof cpo_test_msg_types[0];

/* cycle-major, 3 cycles x 2 lanes and 2 cycles x 3 lanes; top bits set to catch sign or
 * width truncation */
static const uint64_t s_tx_words[6] = {0x0123456789abcdefull, 0xfedcba9876543210ull,
                                       0x8000000000000001ull, 0x00000000ffffffffull,
                                       0xffffffff00000000ull, 0x5555aaaa5555aaaaull};
/* 4-byte words on the wire: 32-bit values */
static const uint64_t s_rx_words[6] = {0x11111111u, 0x22222222u, 0x33333333u,
                                       0xc0ffee00u, 0x00000080u, 0x88888888u};
/* {u16 channel, u16 lane, u32 value} little-endian */
static const uint8_t s_dac_entries[16] = {0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
                                          0x02, 0x00, 0x07, 0x00, 0xff, 0xff, 0xff, 0xff};
static const uint8_t s_adc_entries[8] = {0x05, 0x00, 0x3f, 0x00, 0x2a, 0x00, 0x00, 0x80};
/* MODEL_REPORT, 2 lanes: a negative detuning, a tiny BER and a no-snapshot -1 (not 0) */
static const double s_report_values[2 * CPO_PROTO_REPORT_FIELDS] = {
    3.28e-20, 1.69e-20, 0.37, 317.6, 0.10435, 3.583e-3, 1.2e-3, -2.5e-12, 40.8e-3, 318.15,
    1.0e-300, -1.0,     0.0,  300.0, 0.0,     0.0,      0.0,    0.0,      0.0,     300.0};

cpo_config_t cpo_test_sample_config(void) {
  cpo_config_t c;
  memset(&c, 0, sizeof c);
  c.lanes = 8;
  c.symbols_per_cycle = 32;
  c.bits_per_symbol = 2;
  c.latency_cycles = 1024;
  c.quantum_cycles = 256;
  c.seed = 0x0123456789abcdefull;
  c.total_cycles = 200000;
  c.baud_hz = 53125000000ull; /* 53.125 GBd, 200G/lane PAM4 class */
  strcpy(c.profile, "cpo-default");
  return c;
}

void cpo_test_sample_msg(uint16_t type, cpo_msg_t *m) {
  memset(m, 0, sizeof *m);
  m->hdr.type = type;
  switch (type) {
  case CPO_MSG_HELLO:
  case CPO_MSG_HELLO_ACK:
    m->hdr.seq = 0;
    m->hdr.cycle = 0;
    m->u.hello.role = type == CPO_MSG_HELLO ? CPO_ROLE_MODEL : CPO_ROLE_RTL;
    m->u.hello.config = cpo_test_sample_config();
    m->u.hello.config_hash = cpo_config_hash(&m->u.hello.config);
    break;
  case CPO_MSG_ERROR:
    m->hdr.seq = 3;
    m->hdr.cycle = 1000;
    m->u.error.code = CPO_WERR_BAD_FIELD;
    m->u.error.ref_seq = 41;
    strcpy(m->u.error.text, "lanes 65 out of range 1..64");
    break;
  case CPO_MSG_HEARTBEAT:
    m->hdr.seq = 4;
    m->hdr.cycle = 1234;
    break;
  case CPO_MSG_BYE:
    m->hdr.seq = 5;
    m->hdr.cycle = 200000;
    m->u.bye.status = CPO_ERR_TIMEOUT;
    strcpy(m->u.bye.text, "peer timed out");
    break;
  case CPO_MSG_TX_QUANTUM:
    m->hdr.seq = 0x80000001u;
    m->hdr.cycle = 0x100000000ull + 4096; /* above 2^32: the cycle is a full u64 */
    m->u.quantum.count = 3;
    m->u.quantum.lanes = 2;
    m->u.quantum.word_bytes = 8;
    m->u.quantum.words = s_tx_words;
    break;
  case CPO_MSG_RX_QUANTUM:
    m->hdr.seq = 7;
    m->hdr.cycle = 5120;
    m->u.quantum.count = 2;
    m->u.quantum.lanes = 3;
    m->u.quantum.word_bytes = 4;
    m->u.quantum.words = s_rx_words;
    break;
  case CPO_MSG_DAC_UPDATE:
    m->hdr.seq = 8;
    m->hdr.cycle = 6000;
    m->u.analog.count = 2;
    m->u.analog.entries_raw = s_dac_entries;
    break;
  case CPO_MSG_ADC_SAMPLE:
    m->hdr.seq = 9;
    m->hdr.cycle = 7000;
    m->u.analog.count = 1;
    m->u.analog.entries_raw = s_adc_entries;
    break;
  case CPO_MSG_REG_READ:
    m->hdr.seq = 10;
    m->hdr.cycle = 8000;
    m->u.reg.addr = 0x00001000u;
    break;
  case CPO_MSG_REG_READ_RESP:
    m->hdr.seq = 11;
    m->hdr.cycle = 8016;
    m->u.reg.addr = 0x00001000u;
    m->u.reg.data = 0x43504f45u;
    m->u.reg.status = 1;
    break;
  case CPO_MSG_REG_WRITE:
    m->hdr.seq = 12;
    m->hdr.cycle = 9000;
    m->u.reg.addr = 0x80001004u;
    m->u.reg.data = 0xdeadbeefu;
    break;
  case CPO_MSG_REG_WRITE_RESP:
    m->hdr.seq = 13;
    m->hdr.cycle = 9012;
    m->u.reg.addr = 0x80001004u;
    m->u.reg.status = 1;
    break;
  case CPO_MSG_SLEEP:
    m->hdr.seq = 14;
    m->hdr.cycle = 10000;
    m->u.sleep.until_cycle = 0x200000000ull;
    break;
  case CPO_MSG_SLEEP_DONE:
    m->hdr.seq = 15;
    m->hdr.cycle = 0x200000000ull;
    break;
  case CPO_MSG_ADC_SAMPLES: /* 2 conversions of 1 entry, 816 cycles apart */
    m->hdr.seq = 18;
    m->hdr.cycle = 7000;
    m->u.analog.count = 1;
    m->u.analog.conversions = 2;
    m->u.analog.period_cycles = 816;
    m->u.analog.entries_raw = s_dac_entries;
    break;
  case CPO_MSG_PARKED:
    m->hdr.seq = 16;
    m->hdr.cycle = 7500;
    m->u.parked.other_cycle = 0x300000000ull; /* until_cycle */
    break;
  case CPO_MSG_RX_PARKED:
    m->hdr.seq = 17;
    m->hdr.cycle = 0x300000000ull + 1024;
    m->u.parked.other_cycle = 7500 + 1024; /* first_cycle */
    break;
  case CPO_MSG_LANES_PARKED: /* top bit set: a mask is not a signed or narrower value */
    m->hdr.seq = 19;
    m->hdr.cycle = 7600;
    m->u.lanes_parked.mask = 0xF0F0F0F0000000F0ull;
    break;
  case CPO_MSG_MODEL_REPORT:
    m->hdr.seq = 20;
    m->hdr.cycle = 200000;
    m->u.report.lanes = 2;
    m->u.report.values = s_report_values;
    break;
  default:
    break;
  }
}

#define DIFF(field)                                                                                \
  do {                                                                                             \
    if (why)                                                                                       \
      snprintf(why, why_len, "%s", field);                                                         \
    return false;                                                                                  \
  } while (0)
/* Return false naming @p name where the two sides differ in field @p f. */
#define SAME(f, name)                                                                              \
  do {                                                                                             \
    if (a->f != b->f)                                                                              \
      DIFF(name);                                                                                  \
  } while (0)

static bool s_config_equal(const cpo_config_t *a, const cpo_config_t *b, char *why,
                           size_t why_len) {
  SAME(lanes, "config.lanes");
  SAME(symbols_per_cycle, "config.symbols_per_cycle");
  SAME(bits_per_symbol, "config.bits_per_symbol");
  SAME(latency_cycles, "config.latency_cycles");
  SAME(quantum_cycles, "config.quantum_cycles");
  SAME(seed, "config.seed");
  SAME(total_cycles, "config.total_cycles");
  SAME(baud_hz, "config.baud_hz");
  if (strncmp(a->profile, b->profile, CPO_PROTO_PROFILE_BYTES) != 0)
    DIFF("config.profile");
  return true;
}

bool cpo_test_msg_equal(const cpo_msg_t *a, const cpo_msg_t *b, char *why, size_t why_len) {
  SAME(hdr.type, "hdr.type");
  SAME(hdr.flags, "hdr.flags");
  SAME(hdr.seq, "hdr.seq");
  SAME(hdr.cycle, "hdr.cycle");
  switch (a->hdr.type) {
  case CPO_MSG_HELLO:
  case CPO_MSG_HELLO_ACK:
    SAME(u.hello.role, "hello.role");
    SAME(u.hello.config_hash, "hello.config_hash");
    return s_config_equal(&a->u.hello.config, &b->u.hello.config, why, why_len);
  case CPO_MSG_ERROR:
    SAME(u.error.code, "error.code");
    SAME(u.error.ref_seq, "error.ref_seq");
    if (strcmp(a->u.error.text, b->u.error.text) != 0)
      DIFF("error.text");
    return true;
  case CPO_MSG_BYE:
    SAME(u.bye.status, "bye.status");
    if (strcmp(a->u.bye.text, b->u.bye.text) != 0)
      DIFF("bye.text");
    return true;
  case CPO_MSG_TX_QUANTUM:
  case CPO_MSG_RX_QUANTUM:
    SAME(u.quantum.count, "quantum.count");
    SAME(u.quantum.lanes, "quantum.lanes");
    SAME(u.quantum.word_bytes, "quantum.word_bytes");
    for (size_t i = 0; i < (size_t)a->u.quantum.count * a->u.quantum.lanes; i++) {
      uint64_t x, y;
      cpo_msg_quantum_read(a, i, 1, &x);
      cpo_msg_quantum_read(b, i, 1, &y);
      if (x != y)
        DIFF("quantum.words");
    }
    return true;
  case CPO_MSG_DAC_UPDATE:
  case CPO_MSG_ADC_SAMPLE:
  case CPO_MSG_ADC_SAMPLES:
    SAME(u.analog.count, "analog.count");
    SAME(u.analog.conversions, "analog.conversions");
    SAME(u.analog.period_cycles, "analog.period_cycles");
    for (uint32_t i = 0;
         i < (uint32_t)a->u.analog.count * (a->u.analog.conversions ? a->u.analog.conversions : 1);
         i++) {
      cpo_analog_entry_t x = cpo_msg_analog_entry(a, i), y = cpo_msg_analog_entry(b, i);
      if (x.channel != y.channel || x.lane != y.lane || x.value != y.value)
        DIFF("analog.entries");
    }
    return true;
  case CPO_MSG_REG_READ:
  case CPO_MSG_REG_READ_RESP:
  case CPO_MSG_REG_WRITE:
  case CPO_MSG_REG_WRITE_RESP:
    SAME(u.reg.addr, "reg.addr");
    SAME(u.reg.data, "reg.data");
    SAME(u.reg.status, "reg.status");
    return true;
  case CPO_MSG_SLEEP:
    SAME(u.sleep.until_cycle, "sleep.until_cycle");
    return true;
  case CPO_MSG_PARKED:
  case CPO_MSG_RX_PARKED:
    SAME(u.parked.other_cycle, "parked.other_cycle");
    return true;
  case CPO_MSG_LANES_PARKED:
    SAME(u.lanes_parked.mask, "lanes_parked.mask");
    return true;
  case CPO_MSG_MODEL_REPORT:
    SAME(u.report.lanes, "report.lanes");
    for (uint32_t l = 0; l < a->u.report.lanes; l++)
      for (int f = 0; f < CPO_REPORT_FIELD_COUNT; f++)
        if (cpo_msg_report_value(a, l, (cpo_report_field_t)f) !=
            cpo_msg_report_value(b, l, (cpo_report_field_t)f))
          DIFF("report.values");
    return true;
  default:
    return true;
  }
}
