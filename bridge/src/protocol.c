/* The cpoemu wire codec (bridge/PROTOCOL.md is the specification).
 *
 * Every multi-byte field is read and written byte by byte in little-endian order, so the
 * codec never depends on the host's byte order or on the alignment of a buffer, except for
 * one thing: the zero-copy `words` pointer of a decoded quantum of 8-byte words. That pointer
 * is handed to callers as `const uint64_t *`, which is only valid if the words sit 8-byte
 * aligned and the host is little-endian; decode checks the first (a local condition, reported
 * as CPO_ERR_INVALID_ARG, never as a peer's fault) and the build refuses the second. */
#include "cpo/protocol.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cpo_msg_decode hands out quantum words in place: a big-endian host needs a copying decoder"
#endif

/* The sizes are generated (bridge/protocol.toml); the layouts below rely on these relations. */
enum {
  CONFIG_OFFSET = CPO_PROTO_CONFIG_OFFSET, /* the hashed config block is payload bytes 4..79 */
  CONFIG_BLOCK_BYTES = CPO_PROTO_CONFIG_BLOCK_BYTES, /* lanes .. profile */
  QUANTUM_FIXED_BYTES = CPO_PROTO_TX_QUANTUM_FIXED_PART_BYTES,
  ANALOG_FIXED_BYTES = CPO_PROTO_DAC_UPDATE_FIXED_PART_BYTES,
  ANALOG_ENTRY_BYTES = CPO_PROTO_ANALOG_ENTRY_BYTES,
  REPORT_LANE_BYTES = 8 * CPO_PROTO_REPORT_FIELDS, /* MODEL_REPORT: a double per value */
};
_Static_assert(CPO_PROTO_HELLO_ACK_PAYLOAD_BYTES == CPO_PROTO_HELLO_PAYLOAD_BYTES,
               "HELLO and HELLO_ACK share a layout");
_Static_assert(CPO_PROTO_RX_QUANTUM_FIXED_PART_BYTES == QUANTUM_FIXED_BYTES,
               "TX and RX quanta share a layout");
_Static_assert(CPO_PROTO_ADC_SAMPLE_FIXED_PART_BYTES == ANALOG_FIXED_BYTES,
               "DAC_UPDATE and ADC_SAMPLE share a layout");
_Static_assert(CONFIG_OFFSET + CONFIG_BLOCK_BYTES == CPO_PROTO_HELLO_HASH_OFFSET &&
                   CPO_PROTO_HELLO_HASH_OFFSET + 8 == CPO_PROTO_HELLO_PAYLOAD_BYTES,
               "HELLO: role and reserved, config block, u64 hash");
_Static_assert(CONFIG_BLOCK_BYTES == 44 + CPO_PROTO_PROFILE_BYTES, "the profile ends the block");
_Static_assert(CPO_REPORT_FIELD_COUNT == CPO_PROTO_REPORT_FIELDS,
               "protocol.toml's report_fields counts cpo_report_field_t's values");

/* ---- little-endian byte access ------------------------------------------------------ */

static void s_put_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void s_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static void s_put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/* A double as its IEEE-754 bits, little-endian like every field. */
static void s_put_f64(uint8_t *p, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  s_put_u64(p, bits);
}

static uint16_t s_get_u16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t s_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t s_get_u64(const uint8_t *p) {
  return (uint64_t)s_get_u32(p) | ((uint64_t)s_get_u32(p + 4) << 32);
}

static double s_get_f64(const uint8_t *p) {
  const uint64_t bits = s_get_u64(p);
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

static bool s_all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0)
      return false;
  return true;
}

/* ---- names ---------------------------------------------------------------------------- */

const char *cpo_msg_type_name(uint16_t type) {
  switch (type) {
#define CPO_MSG_TYPE_CASE(name, value, text)                                                       \
  case value:                                                                                      \
    return text;
    CPO_MSG_TYPE_LIST(CPO_MSG_TYPE_CASE)
#undef CPO_MSG_TYPE_CASE
  default:
    return "UNKNOWN";
  }
}

static bool s_type_known(uint16_t type) {
  switch (type) {
#define CPO_MSG_TYPE_CASE(name, value, text) case value:
    CPO_MSG_TYPE_LIST(CPO_MSG_TYPE_CASE)
#undef CPO_MSG_TYPE_CASE
    return true;
  default:
    return false;
  }
}

/* The header flags a message type may carry: only PARKED has one (its span skipped). */
static uint16_t s_flags_allowed(uint16_t type) {
  return type == CPO_MSG_PARKED ? CPO_MSG_FLAG_SKIPPED : 0;
}

const char *cpo_wire_error_str(uint16_t code) {
  switch (code) {
#define CPO_WIRE_ERROR_CASE(name, value, text)                                                     \
  case value:                                                                                      \
    return text;
    CPO_WIRE_ERROR_LIST(CPO_WIRE_ERROR_CASE)
#undef CPO_WIRE_ERROR_CASE
  default:
    return "unknown error code";
  }
}

/* An ERROR must carry a real code: NONE (0) says nothing and unknown codes come from a
 * peer that does not speak this version. */
static bool s_wire_error_known(uint16_t code) {
  switch (code) {
#define CPO_WIRE_ERROR_CASE(name, value, text) case value:
    CPO_WIRE_ERROR_LIST(CPO_WIRE_ERROR_CASE)
#undef CPO_WIRE_ERROR_CASE
    return code != CPO_WERR_NONE;
  default:
    return false;
  }
}

/* BYE.status is 0 or one of the cpo_status_t failure codes. */
static bool s_status_known(int16_t status) {
  switch (status) {
#define CPO_STATUS_CASE(name, value, text) case value:
    CPO_STATUS_LIST(CPO_STATUS_CASE)
#undef CPO_STATUS_CASE
    return true;
  default:
    return false;
  }
}

const char *cpo_role_name(uint8_t role) {
  switch (role) {
#define CPO_ROLE_CASE(name, value, text)                                                           \
  case value:                                                                                      \
    return text;
    CPO_ROLE_LIST(CPO_ROLE_CASE)
#undef CPO_ROLE_CASE
  default:
    return "unknown";
  }
}

static bool s_role_known(uint8_t role) {
  switch (role) {
#define CPO_ROLE_CASE(name, value, text) case value:
    CPO_ROLE_LIST(CPO_ROLE_CASE)
#undef CPO_ROLE_CASE
    return true;
  default:
    return false;
  }
}

/* The payload size of @p type: exactly *bytes if *exact, else *bytes is the fixed part before
 * its variable tail. False for an unknown type. */
static bool s_payload_bytes(uint16_t type, uint32_t *bytes, bool *exact) {
  switch (type) {
#define CPO_MSG_PAYLOAD_CASE(name, size, is_exact)                                                 \
  case name:                                                                                       \
    *bytes = size;                                                                                 \
    *exact = is_exact;                                                                             \
    return true;
    CPO_MSG_PAYLOAD_LIST(CPO_MSG_PAYLOAD_CASE)
#undef CPO_MSG_PAYLOAD_CASE
  default:
    return false;
  }
}

/* ---- configuration -------------------------------------------------------------------- */

/* Length of the profile name: bytes before the first NUL (32 if there is none, which
 * validation rejects: the C struct must stay a string). */
static size_t s_profile_len(const char *profile) {
  const void *nul = memchr(profile, '\0', CPO_PROTO_PROFILE_BYTES);
  return nul ? (size_t)((const char *)nul - profile) : CPO_PROTO_PROFILE_BYTES;
}

/* The canonical encoding of a config: payload bytes 4..79 of HELLO. Bytes of the profile
 * after its NUL are written as zero whatever the struct holds, so the hash only depends on
 * the name. */
static void s_config_put(const cpo_config_t *cfg, uint8_t block[CONFIG_BLOCK_BYTES]) {
  memset(block, 0, CONFIG_BLOCK_BYTES);
  uint8_t *p = block - CONFIG_OFFSET; /* so the offsets below read as payload offsets */
  s_put_u16(p + 4, cfg->lanes);
  s_put_u16(p + 6, cfg->symbols_per_cycle);
  p[8] = cfg->bits_per_symbol;
  s_put_u32(p + 12, cfg->latency_cycles);
  s_put_u32(p + 16, cfg->quantum_cycles);
  s_put_u64(p + 24, cfg->seed);
  s_put_u64(p + 32, cfg->total_cycles);
  s_put_u64(p + 40, cfg->baud_hz);
  memcpy(p + 48, cfg->profile, s_profile_len(cfg->profile));
}

static void s_config_get(const uint8_t block[CONFIG_BLOCK_BYTES], cpo_config_t *cfg) {
  const uint8_t *p = block - CONFIG_OFFSET;
  memset(cfg, 0, sizeof *cfg);
  cfg->lanes = s_get_u16(p + 4);
  cfg->symbols_per_cycle = s_get_u16(p + 6);
  cfg->bits_per_symbol = p[8];
  cfg->latency_cycles = s_get_u32(p + 12);
  cfg->quantum_cycles = s_get_u32(p + 16);
  cfg->seed = s_get_u64(p + 24);
  cfg->total_cycles = s_get_u64(p + 32);
  cfg->baud_hz = s_get_u64(p + 40);
  memcpy(cfg->profile, p + 48, CPO_PROTO_PROFILE_BYTES);
}

static uint64_t s_fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = CPO_PROTO_FNV64_OFFSET_BASIS;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= CPO_PROTO_FNV64_PRIME;
  }
  return h;
}

/* 0 is reserved for "adopt the server's configuration", so a real hash is never 0. */
static uint64_t s_block_hash(const uint8_t block[CONFIG_BLOCK_BYTES]) {
  uint64_t h = s_fnv1a64(block, CONFIG_BLOCK_BYTES);
  return h == 0 ? 1 : h;
}

uint64_t cpo_config_hash(const cpo_config_t *cfg) {
  assert(cfg);
  uint8_t block[CONFIG_BLOCK_BYTES];
  s_config_put(cfg, block);
  return s_block_hash(block);
}

/* printf into a caller's buffer, tolerating NULL / 0-length buffers. The transport uses it
 * too (bridge_internal.h; cpo_bridge links this library). */
void cpo_whyf(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cpo_whyf(char *why, size_t why_len, const char *fmt, ...) {
  if (!why || why_len == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_len, fmt, ap);
  va_end(ap);
}

/* NUL-padded printable ASCII with at least one NUL; on failure names the offending byte. */
static bool s_profile_valid(const char *profile, char *why, size_t why_len) {
  size_t n = s_profile_len(profile);
  if (n == CPO_PROTO_PROFILE_BYTES) {
    cpo_whyf(why, why_len, "profile has no NUL in its %u bytes (at most %u characters)",
             CPO_PROTO_PROFILE_BYTES, CPO_PROTO_PROFILE_BYTES - 1);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)profile[i];
    if (c < 0x20 || c > 0x7e) {
      cpo_whyf(why, why_len, "profile byte %zu is 0x%02x, not printable ASCII", i, c);
      return false;
    }
  }
  return true;
}

cpo_status_t cpo_config_validate(const cpo_config_t *cfg, char *why, size_t why_len) {
  assert(cfg);
  if (cfg->lanes < 1 || cfg->lanes > CPO_PROTO_MAX_LANES) {
    cpo_whyf(why, why_len, "lanes %u out of range 1..%u", cfg->lanes, CPO_PROTO_MAX_LANES);
    return CPO_ERR_RANGE;
  }
  if (cfg->symbols_per_cycle < 1 || cfg->symbols_per_cycle > CPO_PROTO_SYMBOLS_PER_CYCLE_MAX) {
    cpo_whyf(why, why_len, "symbols_per_cycle %u out of range 1..%u", cfg->symbols_per_cycle,
             CPO_PROTO_SYMBOLS_PER_CYCLE_MAX);
    return CPO_ERR_RANGE;
  }
  if (cfg->bits_per_symbol < 1 || cfg->bits_per_symbol > CPO_PROTO_BITS_PER_SYMBOL_MAX) {
    cpo_whyf(why, why_len, "bits_per_symbol %u out of range 1..%u", cfg->bits_per_symbol,
             CPO_PROTO_BITS_PER_SYMBOL_MAX);
    return CPO_ERR_RANGE;
  }
  /* one lane's cycle must fit in one u64 word of a quantum */
  const unsigned bits = (unsigned)cfg->symbols_per_cycle * cfg->bits_per_symbol;
  if (bits > CPO_PROTO_LANE_WORD_BITS) {
    cpo_whyf(why, why_len,
             "symbols_per_cycle %u * bits_per_symbol %u = %u bits exceeds the %u-bit lane word",
             cfg->symbols_per_cycle, cfg->bits_per_symbol, bits, CPO_PROTO_LANE_WORD_BITS);
    return CPO_ERR_RANGE;
  }
  if (cfg->latency_cycles < 1) {
    cpo_whyf(why, why_len, "latency_cycles 0 out of range (must be >= 1)");
    return CPO_ERR_RANGE;
  }
  /* Q <= L is what keeps the lookahead scheme deadlock-free */
  if (cfg->quantum_cycles < 1 || cfg->quantum_cycles > cfg->latency_cycles) {
    cpo_whyf(why, why_len, "quantum_cycles %" PRIu32 " out of range 1..latency_cycles %" PRIu32,
             cfg->quantum_cycles, cfg->latency_cycles);
    return CPO_ERR_RANGE;
  }
  if (cfg->total_cycles < 1) {
    cpo_whyf(why, why_len, "total_cycles 0 out of range (must be >= 1)");
    return CPO_ERR_RANGE;
  }
  if (cfg->baud_hz < 1) {
    cpo_whyf(why, why_len, "baud_hz 0 out of range (must be >= 1)");
    return CPO_ERR_RANGE;
  }
  if (!s_profile_valid(cfg->profile, why, why_len))
    return CPO_ERR_RANGE;
  return CPO_OK;
}

cpo_status_t cpo_config_compare(const cpo_config_t *mine, const cpo_config_t *peer, char *why,
                                size_t why_len) {
  assert(mine && peer);
#define CPO_CMP_FIELD(field, fmt)                                                                  \
  if (mine->field != peer->field) {                                                                \
    cpo_whyf(why, why_len, #field ": %" fmt " here, %" fmt " at peer", mine->field, peer->field);  \
    return CPO_ERR_CONFIG_MISMATCH;                                                                \
  }
  CPO_CMP_FIELD(lanes, PRIu16)
  CPO_CMP_FIELD(symbols_per_cycle, PRIu16)
  CPO_CMP_FIELD(bits_per_symbol, PRIu8)
  CPO_CMP_FIELD(latency_cycles, PRIu32)
  CPO_CMP_FIELD(quantum_cycles, PRIu32)
  CPO_CMP_FIELD(seed, PRIu64)
  CPO_CMP_FIELD(total_cycles, PRIu64)
  CPO_CMP_FIELD(baud_hz, PRIu64)
#undef CPO_CMP_FIELD
  size_t n_mine = s_profile_len(mine->profile), n_peer = s_profile_len(peer->profile);
  if (n_mine != n_peer || memcmp(mine->profile, peer->profile, n_mine) != 0) {
    cpo_whyf(why, why_len, "profile: \"%.*s\" here, \"%.*s\" at peer", (int)n_mine, mine->profile,
             (int)n_peer, peer->profile);
    return CPO_ERR_CONFIG_MISMATCH;
  }
  return CPO_OK;
}

/* ---- sizes ---------------------------------------------------------------------------- */

/* Text length of a NUL-terminated text field, or -1 if it has no NUL within the limit. */
static long s_text_len(const char text[CPO_PROTO_MAX_TEXT_BYTES + 1]) {
  const void *nul = memchr(text, '\0', CPO_PROTO_MAX_TEXT_BYTES + 1);
  return nul ? (long)((const char *)nul - text) : -1;
}

/* Payload size of @p msg, or -1 if it cannot be encoded (unknown type, size field out of
 * range). Computed in 64 bits so count*lanes cannot wrap. */
static int64_t s_payload_size(const cpo_msg_t *msg) {
  uint32_t fixed;
  bool exact;
  switch (msg->hdr.type) {
  case CPO_MSG_ERROR: {
    long n = s_text_len(msg->u.error.text);
    return n < 0 ? -1 : CPO_PROTO_ERROR_FIXED_PART_BYTES + n;
  }
  case CPO_MSG_BYE: {
    long n = s_text_len(msg->u.bye.text);
    return n < 0 ? -1 : CPO_PROTO_BYE_FIXED_PART_BYTES + n;
  }
  case CPO_MSG_TX_QUANTUM:
  case CPO_MSG_RX_QUANTUM:
    if (msg->u.quantum.lanes > CPO_PROTO_MAX_LANES ||
        (msg->u.quantum.word_bytes != 4 && msg->u.quantum.word_bytes != 8))
      return -1;
    return QUANTUM_FIXED_BYTES +
           (int64_t)msg->u.quantum.word_bytes * msg->u.quantum.count * msg->u.quantum.lanes;
  case CPO_MSG_DAC_UPDATE:
  case CPO_MSG_ADC_SAMPLE:
    if (msg->u.analog.count > CPO_PROTO_MAX_ANALOG_ENTRIES)
      return -1;
    return ANALOG_FIXED_BYTES + (int64_t)ANALOG_ENTRY_BYTES * msg->u.analog.count;
  case CPO_MSG_ADC_SAMPLES:
    if (msg->u.analog.count > CPO_PROTO_MAX_ANALOG_ENTRIES)
      return -1;
    return CPO_PROTO_ADC_SAMPLES_FIXED_PART_BYTES +
           (int64_t)ANALOG_ENTRY_BYTES * msg->u.analog.count * msg->u.analog.conversions;
  case CPO_MSG_MODEL_REPORT:
    if (msg->u.report.lanes > CPO_PROTO_MAX_LANES) /* 0: sized, but a receiver refuses it */
      return -1;
    return CPO_PROTO_MODEL_REPORT_FIXED_PART_BYTES +
           (int64_t)REPORT_LANE_BYTES * msg->u.report.lanes;
  default:
    return s_payload_bytes(msg->hdr.type, &fixed, &exact) && exact ? (int64_t)fixed : -1;
  }
}

size_t cpo_msg_encoded_size(const cpo_msg_t *msg) {
  assert(msg);
  int64_t payload = s_payload_size(msg);
  if (payload < 0 || payload > (int64_t)CPO_PROTO_MAX_PAYLOAD_BYTES)
    return 0;
  return CPO_PROTO_HEADER_BYTES + (size_t)payload;
}

/* ---- decoding ------------------------------------------------------------------------- */

static cpo_status_t s_fail(cpo_wire_error_t *err, uint16_t code, uint32_t ref_seq, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
static cpo_status_t s_fail(cpo_wire_error_t *err, uint16_t code, uint32_t ref_seq, const char *fmt,
                           ...) {
  if (err) {
    err->code = code;
    err->ref_seq = ref_seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
  }
  return CPO_ERR_PROTOCOL;
}

/* A text on the wire: no NUL inside (it becomes a C string). UTF-8 is not enforced: the text
 * is for people, and a sender's truncation may cut a multi-byte character. */
static cpo_status_t s_get_text(const uint8_t *p, uint16_t n, char *out, const char *what,
                               uint32_t seq, cpo_wire_error_t *err) {
  const void *nul = memchr(p, '\0', n);
  if (nul)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s text has a NUL at byte %zu of %u", what,
                  (size_t)((const uint8_t *)nul - p), n);
  memcpy(out, p, n);
  out[n] = '\0';
  return CPO_OK;
}

static cpo_status_t s_decode_hello(const uint8_t *p, cpo_msg_t *out, cpo_wire_error_t *err) {
  const char *tn = cpo_msg_type_name(out->hdr.type);
  uint32_t seq = out->hdr.seq;
  uint8_t role = p[0];
  if (!s_role_known(role))
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s role %u is not 1 (rtl), 2 (model) or 3 (host)",
                  tn, role);
  if (!s_all_zero(p + 1, 3) || !s_all_zero(p + 9, 3) || !s_all_zero(p + 20, 4))
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq,
                  "%s reserved bytes (payload 1..3, 9..11, 20..23) are not zero", tn);
  out->u.hello.role = role;
  s_config_get(p + CONFIG_OFFSET, &out->u.hello.config);
  uint64_t hash = s_get_u64(p + CPO_PROTO_HELLO_HASH_OFFSET);
  out->u.hello.config_hash = hash;

  char why[CPO_PROTO_MAX_TEXT_BYTES + 1];
  if (!s_profile_valid(out->u.hello.config.profile, why, sizeof why))
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s %s", tn, why);
  /* NUL padding: nothing may follow the name, the hash covers those bytes */
  size_t n = s_profile_len(out->u.hello.config.profile);
  if (!s_all_zero(p + 48 + n, CPO_PROTO_PROFILE_BYTES - n))
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s profile padding after byte %zu is not NUL", tn,
                  n);

  if (hash == 0) {
    if (out->hdr.type != CPO_MSG_HELLO || role != CPO_ROLE_HOST)
      return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                    "config_hash 0 (adopt) is only allowed in a HELLO from a host, not in a %s "
                    "from role %s",
                    tn, cpo_role_name(role));
    if (!s_all_zero(p + CONFIG_OFFSET, CONFIG_BLOCK_BYTES))
      return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                    "%s config_hash 0 (adopt) but the config block is not zeroed", tn);
    return CPO_OK;
  }
  uint64_t want = s_block_hash(p + CONFIG_OFFSET);
  if (hash != want)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                  "%s config_hash 0x%016" PRIx64 " does not match the carried config (0x%016" PRIx64
                  ")",
                  tn, hash, want);
  if (cpo_config_validate(&out->u.hello.config, why, sizeof why) != CPO_OK)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s config: %s", tn, why);
  return CPO_OK;
}

/* ERROR and BYE (fixed part present): code or status, text_len, then the text. */
static cpo_status_t s_decode_text_msg(const uint8_t *p, uint32_t plen, cpo_msg_t *out,
                                      cpo_wire_error_t *err) {
  const bool is_error = out->hdr.type == CPO_MSG_ERROR;
  const char *tn = cpo_msg_type_name(out->hdr.type);
  const uint32_t seq = out->hdr.seq;
  const uint32_t head =
      is_error ? CPO_PROTO_ERROR_FIXED_PART_BYTES : CPO_PROTO_BYE_FIXED_PART_BYTES;
  uint16_t text_len = s_get_u16(p + 2);
  if (text_len > CPO_PROTO_MAX_TEXT_BYTES)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s text_len %u exceeds %u", tn, text_len,
                  CPO_PROTO_MAX_TEXT_BYTES);
  if (plen != head + text_len)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " does not match %s with text_len %u (needs %" PRIu32 ")",
                  plen, tn, text_len, head + text_len);
  if (is_error) {
    uint16_t code = s_get_u16(p);
    if (!s_wire_error_known(code))
      return s_fail(err, CPO_WERR_BAD_FIELD, seq, "ERROR code %u is not a defined error code",
                    code);
    out->u.error.code = code;
    out->u.error.ref_seq = s_get_u32(p + 4);
    return s_get_text(p + head, text_len, out->u.error.text, tn, seq, err);
  }
  int16_t status = (int16_t)s_get_u16(p);
  if (!s_status_known(status))
    return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                  "BYE status %d is neither 0 nor a cpo_status_t code", status);
  out->u.bye.status = status;
  return s_get_text(p + head, text_len, out->u.bye.text, tn, seq, err);
}

/* TX_QUANTUM and RX_QUANTUM (fixed part present): count, lanes, word_bytes, the words. */
static cpo_status_t s_decode_quantum(const uint8_t *p, uint32_t plen, cpo_msg_t *out,
                                     cpo_wire_error_t *err) {
  const char *tn = cpo_msg_type_name(out->hdr.type);
  const uint32_t seq = out->hdr.seq;
  uint32_t count = s_get_u32(p);
  uint16_t lanes = s_get_u16(p + 4);
  if (count < 1)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s count 0 (must be >= 1 cycle)", tn);
  if (lanes < 1 || lanes > CPO_PROTO_MAX_LANES)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s lanes %u out of range 1..%u", tn, lanes,
                  CPO_PROTO_MAX_LANES);
  const uint8_t word_bytes = p[6];
  if (word_bytes != 4 && word_bytes != 8)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s word_bytes %u (must be 4 or 8)", tn,
                  word_bytes);
  if (p[7] != 0)
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq, "%s reserved (payload 7) is 0x%02x", tn, p[7]);
  uint64_t need = QUANTUM_FIXED_BYTES + (uint64_t)word_bytes * count * lanes;
  if (plen != need)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " does not match %s with count %" PRIu32
                  ", lanes %u, word_bytes %u (needs %" PRIu64 ")",
                  plen, tn, count, lanes, word_bytes, need);
  const uint8_t *words = p + QUANTUM_FIXED_BYTES;
  if (word_bytes == 8 && ((uintptr_t)words & 7u) != 0) {
    /* Not the peer's fault: the caller's buffer is misaligned (zmq may deliver frames
     * inside its receive buffer); it must copy the frame to an aligned buffer. */
    if (err) {
      err->code = CPO_WERR_NONE;
      err->ref_seq = seq;
      snprintf(err->text, sizeof err->text,
               "%s buffer at %p is not 8-byte aligned: copy the frame before decoding", tn,
               (const void *)(words - QUANTUM_FIXED_BYTES - CPO_PROTO_HEADER_BYTES));
    }
    return CPO_ERR_INVALID_ARG;
  }
  out->u.quantum.count = count;
  out->u.quantum.lanes = lanes;
  out->u.quantum.word_bytes = word_bytes;
  out->u.quantum.words_raw = words;
  out->u.quantum.words = word_bytes == 8 ? (const uint64_t *)(const void *)words : NULL;
  return CPO_OK;
}

/* DAC_UPDATE and ADC_SAMPLE (fixed part present): count, then (channel, lane, value) entries.
 * ADC_SAMPLES: count, conversions, period_cycles, then the entries of each conversion. */
static cpo_status_t s_decode_analog(const uint8_t *p, uint32_t plen, cpo_msg_t *out,
                                    cpo_wire_error_t *err) {
  const char *tn = cpo_msg_type_name(out->hdr.type);
  const uint32_t seq = out->hdr.seq;
  const bool batch = out->hdr.type == CPO_MSG_ADC_SAMPLES;
  uint16_t count = s_get_u16(p);
  if (count > CPO_PROTO_MAX_ANALOG_ENTRIES)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s count %u exceeds %u", tn, count,
                  CPO_PROTO_MAX_ANALOG_ENTRIES);
  uint16_t conversions = 1;
  uint32_t period = 0, head = ANALOG_FIXED_BYTES;
  if (batch) {
    conversions = s_get_u16(p + 2);
    period = s_get_u32(p + 4);
    head = CPO_PROTO_ADC_SAMPLES_FIXED_PART_BYTES;
    if (conversions < 1 || period < 1)
      return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                    "%s conversions %u, period_cycles %" PRIu32 ": both must be >= 1", tn,
                    conversions, period);
  } else if (s_get_u16(p + 2) != 0) {
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq, "%s reserved (payload 2..3) is 0x%04x", tn,
                  s_get_u16(p + 2));
  }
  const uint32_t entries = (uint32_t)count * conversions;
  uint64_t need = head + (uint64_t)ANALOG_ENTRY_BYTES * entries;
  if (plen != need)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " does not match %s with count %u%s (needs %" PRIu64 ")",
                  plen, tn, count, batch ? " x conversions" : "", need);
  const uint8_t *e = p + head;
  for (uint32_t i = 0; i < entries; i++) {
    uint16_t lane = s_get_u16(e + ANALOG_ENTRY_BYTES * i + 2);
    if (lane >= CPO_PROTO_MAX_LANES)
      return s_fail(err, CPO_WERR_BAD_FIELD, seq, "%s entry %" PRIu32 " lane %u out of range 0..%u",
                    tn, i, lane, CPO_PROTO_MAX_LANES - 1);
  }
  out->u.analog.count = count;
  out->u.analog.entries_raw = e;
  out->u.analog.conversions = batch ? conversions : 0;
  out->u.analog.period_cycles = period;
  return CPO_OK;
}

/* MODEL_REPORT: lanes (1..max), the values per lane (this version's count), reserved, then the
 * values: finite IEEE-754 doubles. */
static cpo_status_t s_decode_report(const uint8_t *p, uint32_t plen, cpo_msg_t *out,
                                    cpo_wire_error_t *err) {
  const uint32_t seq = out->hdr.seq;
  const uint16_t lanes = s_get_u16(p), fields = s_get_u16(p + 2);
  if (lanes < 1 || lanes > CPO_PROTO_MAX_LANES)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq, "MODEL_REPORT lanes %u out of range 1..%u", lanes,
                  CPO_PROTO_MAX_LANES);
  if (fields != CPO_PROTO_REPORT_FIELDS)
    return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                  "MODEL_REPORT fields %u: version %u reports %u values per lane", fields,
                  CPO_PROTO_VERSION, CPO_PROTO_REPORT_FIELDS);
  if (s_get_u32(p + 4) != 0)
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq,
                  "MODEL_REPORT reserved (payload 4..7) is 0x%08" PRIx32, s_get_u32(p + 4));
  const uint64_t need =
      CPO_PROTO_MODEL_REPORT_FIXED_PART_BYTES + (uint64_t)REPORT_LANE_BYTES * lanes;
  if (plen != need)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32
                  " does not match MODEL_REPORT with %u lanes (needs %" PRIu64 ")",
                  plen, lanes, need);
  const uint8_t *v = p + CPO_PROTO_MODEL_REPORT_FIXED_PART_BYTES;
  for (uint32_t i = 0; i < (uint32_t)lanes * CPO_PROTO_REPORT_FIELDS; i++) {
    const double d = s_get_f64(v + 8 * i);
    if (!isfinite(d))
      return s_fail(err, CPO_WERR_BAD_FIELD, seq,
                    "MODEL_REPORT lane %" PRIu32 " value %" PRIu32 " is not a finite number",
                    i / CPO_PROTO_REPORT_FIELDS, i % CPO_PROTO_REPORT_FIELDS);
  }
  out->u.report.lanes = lanes;
  out->u.report.values = NULL;
  out->u.report.values_raw = v;
  return CPO_OK;
}

double cpo_msg_report_value(const cpo_msg_t *msg, uint32_t lane, cpo_report_field_t field) {
  const size_t i = (size_t)lane * CPO_PROTO_REPORT_FIELDS + (size_t)field;
  return msg->u.report.values ? msg->u.report.values[i]
                              : s_get_f64(msg->u.report.values_raw + 8 * i);
}

/* REG_READ_RESP and REG_WRITE_RESP (sizes checked): addr, [data,] status, reserved. */
static cpo_status_t s_decode_reg_resp(const uint8_t *p, cpo_msg_t *out, cpo_wire_error_t *err) {
  const bool rd = out->hdr.type == CPO_MSG_REG_READ_RESP;
  const char *tn = cpo_msg_type_name(out->hdr.type);
  const uint8_t *tail = p + (rd ? 8 : 4); /* status, reserved */
  uint16_t status = s_get_u16(tail);
  if (status > CPO_PROTO_REG_STATUS_MAX)
    return s_fail(err, CPO_WERR_BAD_FIELD, out->hdr.seq, "%s status %u is not 0 (OK) or 1 (SLVERR)",
                  tn, status);
  if (s_get_u16(tail + 2) != 0)
    return s_fail(err, CPO_WERR_BAD_RESERVED, out->hdr.seq,
                  "%s reserved (payload %u..%u) is 0x%04x", tn, rd ? 10u : 6u, rd ? 11u : 7u,
                  s_get_u16(tail + 2));
  out->u.reg.addr = s_get_u32(p);
  out->u.reg.data = rd ? s_get_u32(p + 4) : 0;
  out->u.reg.status = status;
  return CPO_OK;
}

static cpo_status_t s_decode_sleep(const uint8_t *p, cpo_msg_t *out, cpo_wire_error_t *err) {
  uint64_t until = s_get_u64(p);
  if (until < out->hdr.cycle)
    return s_fail(err, CPO_WERR_BAD_FIELD, out->hdr.seq,
                  "SLEEP until_cycle %" PRIu64 " is before the header cycle %" PRIu64, until,
                  out->hdr.cycle);
  out->u.sleep.until_cycle = until;
  return CPO_OK;
}

/* PARKED carries the end of its span, RX_PARKED (stamped with its end) the start: either way
 * the span [first, until) must not be empty. */
static cpo_status_t s_decode_parked(const uint8_t *p, cpo_msg_t *out, cpo_wire_error_t *err) {
  const bool rx = out->hdr.type == CPO_MSG_RX_PARKED;
  uint64_t v = s_get_u64(p);
  if (rx ? v >= out->hdr.cycle : v <= out->hdr.cycle)
    return s_fail(err, CPO_WERR_BAD_FIELD, out->hdr.seq,
                  "%s %s %" PRIu64 " is not %s the header cycle %" PRIu64 " (an empty span)",
                  cpo_msg_type_name(out->hdr.type), rx ? "first_cycle" : "until_cycle", v,
                  rx ? "before" : "after", out->hdr.cycle);
  out->u.parked.other_cycle = v;
  return CPO_OK;
}

/* Payload checks and parsing, by kind of message. @p p / @p plen are the payload; the header
 * is in out->hdr. The size comes first: exact for a fixed-size type, at least the fixed part
 * for the others. */
static cpo_status_t s_decode_payload(const uint8_t *p, uint32_t plen, cpo_msg_t *out,
                                     cpo_wire_error_t *err) {
  const uint16_t type = out->hdr.type;
  const uint32_t seq = out->hdr.seq;
  uint32_t bytes;
  bool exact;
  if (!s_payload_bytes(type, &bytes, &exact)) /* unreachable: the header check rejected it */
    return s_fail(err, CPO_WERR_UNKNOWN_TYPE, seq, "type %u is not a message type", type);
  if (exact && plen != bytes)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " does not match %s (needs %" PRIu32 ")", plen,
                  cpo_msg_type_name(type), bytes);
  if (!exact && plen < bytes)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " is shorter than the %" PRIu32 "-byte %s fixed part",
                  plen, bytes, cpo_msg_type_name(type));
  switch (type) {
  case CPO_MSG_HELLO:
  case CPO_MSG_HELLO_ACK:
    return s_decode_hello(p, out, err);
  case CPO_MSG_ERROR:
  case CPO_MSG_BYE:
    return s_decode_text_msg(p, plen, out, err);
  case CPO_MSG_TX_QUANTUM:
  case CPO_MSG_RX_QUANTUM:
    return s_decode_quantum(p, plen, out, err);
  case CPO_MSG_DAC_UPDATE:
  case CPO_MSG_ADC_SAMPLE:
  case CPO_MSG_ADC_SAMPLES:
    return s_decode_analog(p, plen, out, err);
  case CPO_MSG_REG_READ:
    out->u.reg.addr = s_get_u32(p);
    return CPO_OK;
  case CPO_MSG_REG_WRITE:
    out->u.reg.addr = s_get_u32(p);
    out->u.reg.data = s_get_u32(p + 4);
    return CPO_OK;
  case CPO_MSG_REG_READ_RESP:
  case CPO_MSG_REG_WRITE_RESP:
    return s_decode_reg_resp(p, out, err);
  case CPO_MSG_SLEEP:
    return s_decode_sleep(p, out, err);
  case CPO_MSG_PARKED:
  case CPO_MSG_RX_PARKED:
    return s_decode_parked(p, out, err);
  case CPO_MSG_LANES_PARKED: /* any mask: the session's lanes are the receiver's to check */
    out->u.lanes_parked.mask = s_get_u64(p);
    return CPO_OK;
  case CPO_MSG_MODEL_REPORT:
    return s_decode_report(p, plen, out, err);
  default: /* HEARTBEAT, SLEEP_DONE: empty */
    return CPO_OK;
  }
}

/* The header checks after its fields are read, in PROTOCOL.md section 5's order (steps 2..5). */
static cpo_status_t s_check_header(const uint8_t *b, size_t len, const cpo_msg_header_t *h,
                                   cpo_wire_error_t *err) {
  /* Until magic and version are known good, no other header field can be trusted. */
  if (h->magic != CPO_PROTO_MAGIC)
    return s_fail(err, CPO_WERR_BAD_MAGIC, CPO_PROTO_SEQ_NONE,
                  "magic 0x%08" PRIx32 " is not 0x%08x (\"CPOE\")", h->magic, CPO_PROTO_MAGIC);
  if (h->version != CPO_PROTO_VERSION)
    return s_fail(err, CPO_WERR_BAD_VERSION, CPO_PROTO_SEQ_NONE,
                  "version %u is not supported (this side speaks %u)", h->version,
                  CPO_PROTO_VERSION);
  const uint32_t seq = h->seq;
  if (!s_type_known(h->type))
    return s_fail(err, CPO_WERR_UNKNOWN_TYPE, seq, "type %u is not a message type", h->type);
  if (h->flags & ~s_flags_allowed(h->type))
    return s_fail(err, CPO_WERR_BAD_FLAGS, seq, "flags 0x%04x set, not defined for %s", h->flags,
                  cpo_msg_type_name(h->type));
  if (s_get_u16(b + 10) != 0)
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq, "header reserved (bytes 10..11) is 0x%04x",
                  s_get_u16(b + 10));
  if (s_get_u32(b + 28) != 0)
    return s_fail(err, CPO_WERR_BAD_RESERVED, seq, "header reserved (bytes 28..31) is 0x%08" PRIx32,
                  s_get_u32(b + 28));

  const size_t carried = len - CPO_PROTO_HEADER_BYTES;
  if (carried > CPO_PROTO_MAX_PAYLOAD_BYTES)
    return s_fail(err, CPO_WERR_TOO_LARGE, seq, "frame carries %zu payload bytes, limit %u",
                  carried, CPO_PROTO_MAX_PAYLOAD_BYTES);
  if (h->payload_len > CPO_PROTO_MAX_PAYLOAD_BYTES)
    return s_fail(err, CPO_WERR_TOO_LARGE, seq, "payload_len %" PRIu32 " exceeds the limit %u",
                  h->payload_len, CPO_PROTO_MAX_PAYLOAD_BYTES);
  if (h->payload_len > carried)
    return s_fail(err, CPO_WERR_TRUNCATED, seq,
                  "payload_len %" PRIu32 " but the frame carries only %zu payload bytes",
                  h->payload_len, carried);
  if (h->payload_len < carried)
    return s_fail(err, CPO_WERR_BAD_LENGTH, seq,
                  "payload_len %" PRIu32 " but the frame carries %zu payload bytes", h->payload_len,
                  carried);
  return CPO_OK;
}

cpo_status_t cpo_msg_decode(const void *buf, size_t len, cpo_msg_t *out, cpo_wire_error_t *err) {
  assert(out);
  const uint8_t *b = buf;
  memset(out, 0, sizeof *out);
  if (err) {
    err->code = CPO_WERR_NONE;
    err->ref_seq = CPO_PROTO_SEQ_NONE;
    err->text[0] = '\0';
  }
  if (!b || len < CPO_PROTO_HEADER_BYTES)
    return s_fail(err, CPO_WERR_TRUNCATED, CPO_PROTO_SEQ_NONE,
                  "frame of %zu bytes is shorter than the %u-byte header", b ? len : 0,
                  CPO_PROTO_HEADER_BYTES);

  cpo_msg_header_t *h = &out->hdr;
  h->magic = s_get_u32(b + 0);
  h->version = s_get_u16(b + 4);
  h->type = s_get_u16(b + 6);
  h->flags = s_get_u16(b + 8);
  h->seq = s_get_u32(b + 12);
  h->cycle = s_get_u64(b + 16);
  h->payload_len = s_get_u32(b + 24);

  CPO_TRY(s_check_header(b, len, h, err));
  return s_decode_payload(b + CPO_PROTO_HEADER_BYTES, h->payload_len, out, err);
}

uint8_t cpo_proto_word_bytes(const cpo_config_t *cfg) {
  return (unsigned)cfg->symbols_per_cycle * cfg->bits_per_symbol <= 32 ? 4 : 8;
}

void cpo_msg_quantum_read(const cpo_msg_t *msg, size_t first, size_t n, uint64_t *dst) {
  assert(msg && (size_t)msg->u.quantum.count * msg->u.quantum.lanes >= first + n);
  if (msg->u.quantum.words) { /* 64-bit words in memory: in place, or a message to encode */
    memcpy(dst, msg->u.quantum.words + first, n * 8);
    return;
  }
  const uint8_t *w = msg->u.quantum.words_raw + first * 4;
  for (size_t i = 0; i < n; i++) {
    uint32_t v;
    memcpy(&v, w + 4 * i, 4);
    dst[i] = v;
  }
}

cpo_analog_entry_t cpo_msg_analog_entry(const cpo_msg_t *msg, uint32_t i) {
  assert(msg && i < (uint32_t)msg->u.analog.count *
                        (msg->hdr.type == CPO_MSG_ADC_SAMPLES ? msg->u.analog.conversions : 1));
  const uint8_t *e = msg->u.analog.entries_raw + (size_t)ANALOG_ENTRY_BYTES * i;
  cpo_analog_entry_t out = {
      .channel = s_get_u16(e), .lane = s_get_u16(e + 2), .value = s_get_u32(e + 4)};
  return out;
}

/* ---- encoding ------------------------------------------------------------------------- */

void cpo_msg_analog_pack(uint8_t *entries_raw, uint32_t i, cpo_analog_entry_t e) {
  uint8_t *p = entries_raw + (size_t)ANALOG_ENTRY_BYTES * i;
  s_put_u16(p, e.channel);
  s_put_u16(p + 2, e.lane);
  s_put_u32(p + 4, e.value);
}

static void s_put_text(uint8_t *p, const char *text, size_t n) {
  memcpy(p, text, n);
}

/* The words of a quantum. Words are little-endian on the wire and in memory (this file
 * requires a little-endian host, see the top): a block copy or a narrowing loop the compiler
 * vectorises, since quanta are the bulk traffic. Bits above a 4-byte word are unused
 * (PROTOCOL.md). A decoded message without 64-bit words re-encodes from its wire words.
 * Returns false if the message has no words to take. */
static bool s_encode_quantum(const cpo_msg_t *msg, uint8_t *p) {
  const size_t n = (size_t)msg->u.quantum.count * msg->u.quantum.lanes;
  if (n > 0 && !msg->u.quantum.words && !msg->u.quantum.words_raw)
    return false;
  s_put_u32(p, msg->u.quantum.count);
  s_put_u16(p + 4, msg->u.quantum.lanes);
  p[6] = msg->u.quantum.word_bytes;
  uint8_t *w = p + QUANTUM_FIXED_BYTES;
  if (!msg->u.quantum.words) {
    memcpy(w, msg->u.quantum.words_raw, n * msg->u.quantum.word_bytes);
  } else if (msg->u.quantum.word_bytes == 8) {
    memcpy(w, msg->u.quantum.words, n * 8);
  } else {
    for (size_t i = 0; i < n; i++) {
      const uint32_t v = (uint32_t)msg->u.quantum.words[i];
      memcpy(w + 4 * i, &v, 4);
    }
  }
  return true;
}

/* The payload of @p msg into @p p (@p plen bytes, reserved bytes already zero). Returns false
 * if a pointer the message needs is missing. */
static bool s_encode_payload(const cpo_msg_t *msg, uint8_t *p, uint32_t plen) {
  switch (msg->hdr.type) {
  case CPO_MSG_HELLO:
  case CPO_MSG_HELLO_ACK:
    p[0] = msg->u.hello.role;
    s_config_put(&msg->u.hello.config, p + CONFIG_OFFSET);
    s_put_u64(p + CPO_PROTO_HELLO_HASH_OFFSET, msg->u.hello.config_hash);
    return true;
  case CPO_MSG_ERROR:
    s_put_u16(p, msg->u.error.code);
    s_put_u16(p + 2, (uint16_t)(plen - CPO_PROTO_ERROR_FIXED_PART_BYTES));
    s_put_u32(p + 4, msg->u.error.ref_seq);
    s_put_text(p + CPO_PROTO_ERROR_FIXED_PART_BYTES, msg->u.error.text,
               plen - CPO_PROTO_ERROR_FIXED_PART_BYTES);
    return true;
  case CPO_MSG_BYE:
    s_put_u16(p, (uint16_t)msg->u.bye.status);
    s_put_u16(p + 2, (uint16_t)(plen - CPO_PROTO_BYE_FIXED_PART_BYTES));
    s_put_text(p + CPO_PROTO_BYE_FIXED_PART_BYTES, msg->u.bye.text,
               plen - CPO_PROTO_BYE_FIXED_PART_BYTES);
    return true;
  case CPO_MSG_TX_QUANTUM:
  case CPO_MSG_RX_QUANTUM:
    return s_encode_quantum(msg, p);
  case CPO_MSG_DAC_UPDATE:
  case CPO_MSG_ADC_SAMPLE: {
    const size_t n = (size_t)msg->u.analog.count * ANALOG_ENTRY_BYTES;
    if (n > 0 && !msg->u.analog.entries_raw)
      return false;
    s_put_u16(p, msg->u.analog.count);
    memcpy(p + ANALOG_FIXED_BYTES, msg->u.analog.entries_raw, n);
    return true;
  }
  case CPO_MSG_ADC_SAMPLES: {
    const size_t n = (size_t)msg->u.analog.count * msg->u.analog.conversions * ANALOG_ENTRY_BYTES;
    if (n > 0 && !msg->u.analog.entries_raw)
      return false;
    s_put_u16(p, msg->u.analog.count);
    s_put_u16(p + 2, msg->u.analog.conversions);
    s_put_u32(p + 4, msg->u.analog.period_cycles);
    memcpy(p + CPO_PROTO_ADC_SAMPLES_FIXED_PART_BYTES, msg->u.analog.entries_raw, n);
    return true;
  }
  case CPO_MSG_REG_READ:
    s_put_u32(p, msg->u.reg.addr);
    return true;
  case CPO_MSG_REG_READ_RESP:
    s_put_u32(p, msg->u.reg.addr);
    s_put_u32(p + 4, msg->u.reg.data);
    s_put_u16(p + 8, msg->u.reg.status);
    return true;
  case CPO_MSG_REG_WRITE:
    s_put_u32(p, msg->u.reg.addr);
    s_put_u32(p + 4, msg->u.reg.data);
    return true;
  case CPO_MSG_REG_WRITE_RESP:
    s_put_u32(p, msg->u.reg.addr);
    s_put_u16(p + 4, msg->u.reg.status);
    return true;
  case CPO_MSG_SLEEP:
    s_put_u64(p, msg->u.sleep.until_cycle);
    return true;
  case CPO_MSG_PARKED:
  case CPO_MSG_RX_PARKED:
    s_put_u64(p, msg->u.parked.other_cycle);
    return true;
  case CPO_MSG_LANES_PARKED:
    s_put_u64(p, msg->u.lanes_parked.mask);
    return true;
  case CPO_MSG_MODEL_REPORT: { /* the values, or a decoded report's raw ones */
    if (!msg->u.report.values && !msg->u.report.values_raw)
      return false;
    s_put_u16(p, msg->u.report.lanes);
    s_put_u16(p + 2, CPO_PROTO_REPORT_FIELDS);
    s_put_u32(p + 4, 0);
    for (uint32_t i = 0; i < (uint32_t)msg->u.report.lanes * CPO_PROTO_REPORT_FIELDS; i++)
      s_put_f64(p + CPO_PROTO_MODEL_REPORT_FIXED_PART_BYTES + 8 * i,
                cpo_msg_report_value(msg, i / CPO_PROTO_REPORT_FIELDS,
                                     (cpo_report_field_t)(i % CPO_PROTO_REPORT_FIELDS)));
    return true;
  }
  default: /* HEARTBEAT, SLEEP_DONE */
    return true;
  }
}

/* Never put on the wire what a receiver would reject: run the receiver's checks on the
 * payload just made (they are O(1) except for analog entries). */
static bool s_receiver_accepts(const cpo_msg_t *msg, const uint8_t *p, uint32_t plen) {
  if (msg->hdr.flags & ~s_flags_allowed(msg->hdr.type))
    return false;
  cpo_msg_t check;
  cpo_wire_error_t why;
  memset(&check, 0, sizeof check);
  check.hdr.type = msg->hdr.type;
  check.hdr.seq = msg->hdr.seq;
  check.hdr.cycle = msg->hdr.cycle;
  cpo_status_t st = s_decode_payload(p, plen, &check, &why);
  /* a misaligned output buffer only matters to a zero-copy reader: not an encoding error */
  return st == CPO_OK || st == CPO_ERR_INVALID_ARG;
}

size_t cpo_msg_encode(const cpo_msg_t *msg, void *buf, size_t cap) {
  assert(msg);
  const size_t size = cpo_msg_encoded_size(msg);
  if (size == 0 || !buf || cap < size)
    return 0;
  const uint32_t plen = (uint32_t)(size - CPO_PROTO_HEADER_BYTES);
  uint8_t *b = buf;
  memset(b, 0, CPO_PROTO_HEADER_BYTES);
  s_put_u32(b + 0, CPO_PROTO_MAGIC);
  s_put_u16(b + 4, CPO_PROTO_VERSION);
  s_put_u16(b + 6, msg->hdr.type);
  s_put_u16(b + 8, msg->hdr.flags);
  s_put_u32(b + 12, msg->hdr.seq);
  s_put_u64(b + 16, msg->hdr.cycle);
  s_put_u32(b + 24, plen);

  uint8_t *p = b + CPO_PROTO_HEADER_BYTES;
  /* Reserved bytes go out as zero. A quantum's words are all written by s_encode_quantum:
   * zeroing them first would double the cost of encoding the bulk traffic. */
  const bool quantum = msg->hdr.type == CPO_MSG_TX_QUANTUM || msg->hdr.type == CPO_MSG_RX_QUANTUM;
  memset(p, 0, quantum ? QUANTUM_FIXED_BYTES : plen);
  if (!s_encode_payload(msg, p, plen) || !s_receiver_accepts(msg, p, plen))
    return 0;
  return size;
}

/* ---- stateful receive checks ------------------------------------------------------------ */

/* The checks for a message after the handshake; @p st is not changed. */
static cpo_status_t s_check_in_session(const cpo_proto_rx_state_t *st, const cpo_msg_header_t *h,
                                       cpo_wire_error_t *err) {
  const char *tn = cpo_msg_type_name(h->type);
  if (h->type == CPO_MSG_HELLO || h->type == CPO_MSG_HELLO_ACK)
    return s_fail(err, CPO_WERR_UNEXPECTED, h->seq,
                  "%s (seq %" PRIu32 ") after the session was established", tn, h->seq);
  if (h->seq != st->next_seq) {
    /* distance forward modulo 2^32: small = messages lost, huge = an old one replayed */
    uint32_t ahead = h->seq - st->next_seq;
    if (ahead < 0x80000000u)
      return s_fail(err, CPO_WERR_OUT_OF_ORDER, h->seq,
                    "%s seq %" PRIu32 ", expected %" PRIu32 " (%" PRIu32 " missing)", tn, h->seq,
                    st->next_seq, ahead);
    return s_fail(err, CPO_WERR_OUT_OF_ORDER, h->seq,
                  "%s seq %" PRIu32 ", expected %" PRIu32 " (replayed or reordered)", tn, h->seq,
                  st->next_seq);
  }
  if (h->cycle < st->last_cycle)
    return s_fail(err, CPO_WERR_BAD_CYCLE, h->seq,
                  "%s cycle %" PRIu64 " is before the peer's previous cycle %" PRIu64, tn, h->cycle,
                  st->last_cycle);
  return CPO_OK;
}

cpo_status_t cpo_proto_rx_check(cpo_proto_rx_state_t *st, const cpo_msg_t *msg,
                                cpo_wire_error_t *err) {
  assert(st && msg);
  const cpo_msg_header_t *h = &msg->hdr;
  const char *tn = cpo_msg_type_name(h->type);
  const bool is_hello = h->type == CPO_MSG_HELLO || h->type == CPO_MSG_HELLO_ACK;

  if (!st->hello_seen) {
    /* An ERROR before the handshake answers our own refused HELLO (or a message we sent too
     * early): it stands outside the sequence and does not open the session. */
    if (h->type == CPO_MSG_ERROR)
      return CPO_OK;
    if (!is_hello)
      return s_fail(err, CPO_WERR_NOT_READY, h->seq, "%s (seq %" PRIu32 ") before HELLO", tn,
                    h->seq);
    if (h->seq != 0)
      return s_fail(err, CPO_WERR_OUT_OF_ORDER, h->seq, "%s seq %" PRIu32 ", expected 0", tn,
                    h->seq);
  } else if (s_check_in_session(st, h, err) != CPO_OK) {
    if (h->seq == st->next_seq)
      st->next_seq++; /* rejected but numbered right: it used up its seq (section 6) */
    return CPO_ERR_PROTOCOL;
  }
  st->hello_seen = true;
  st->next_seq = h->seq + 1;
  st->last_cycle = h->cycle;
  return CPO_OK;
}

void cpo_proto_rx_skip(cpo_proto_rx_state_t *st, const cpo_wire_error_t *err) {
  assert(st && err);
  if (st->hello_seen && err->ref_seq != CPO_PROTO_SEQ_NONE && err->ref_seq == st->next_seq)
    st->next_seq++;
}
