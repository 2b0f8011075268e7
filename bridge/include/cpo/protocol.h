/* The cpoemu wire protocol: message layout, encoding, decoding and validation.
 * Pure C, no ZeroMQ: the transport (bridge.h) moves the bytes this codec makes.
 * bridge/PROTOCOL.md is the normative description; this header mirrors it. */
#ifndef CPO_PROTOCOL_H
#define CPO_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpo/status.h"
/* The numbers (constants, message types with their payload sizes, ERROR codes, roles) are
 * generated from bridge/protocol.toml, as are the Python client's. */
#include "cpo/protocol_consts.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
#define CPO_MSG_TYPE_ENUM(name, value, text) name = value,
  CPO_MSG_TYPE_LIST(CPO_MSG_TYPE_ENUM)
#undef CPO_MSG_TYPE_ENUM
} cpo_msg_type_t;

typedef enum {
#define CPO_WIRE_ERROR_ENUM(name, value, text) name = value,
  CPO_WIRE_ERROR_LIST(CPO_WIRE_ERROR_ENUM)
#undef CPO_WIRE_ERROR_ENUM
} cpo_wire_error_code_t;

typedef enum {
#define CPO_ROLE_ENUM(name, value, text) name = value,
  CPO_ROLE_LIST(CPO_ROLE_ENUM)
#undef CPO_ROLE_ENUM
} cpo_role_t;

/** What went wrong with a received message: the code for the ERROR reply and a text that
 * names the field and the values ("payload_len 12 but TX_QUANTUM needs 40"). */
typedef struct {
  uint16_t code; /* cpo_wire_error_code_t */
  uint32_t ref_seq;
  char text[CPO_PROTO_MAX_TEXT_BYTES + 1];
} cpo_wire_error_t;

/** The configuration both ends of a session must agree on (HELLO). */
typedef struct {
  uint16_t lanes;             /* 1..CPO_PROTO_MAX_LANES */
  uint16_t symbols_per_cycle; /* per lane per datapath cycle, 1..CPO_PROTO_SYMBOLS_PER_CYCLE_MAX */
  uint8_t bits_per_symbol;    /* 1 NRZ, 2 PAM4; symbols_per_cycle*bits_per_symbol <= 64 */
  uint32_t latency_cycles;    /* L, >= 1 */
  uint32_t quantum_cycles;    /* Q, 1..L */
  uint64_t seed;
  uint64_t total_cycles;                 /* the simulated time the run covers */
  uint64_t baud_hz;                      /* symbol rate: cycle time = symbols_per_cycle / baud_hz */
  char profile[CPO_PROTO_PROFILE_BYTES]; /* NUL-padded model profile name */
} cpo_config_t;

/* Header flags (PROTOCOL.md section 2): PARKED's span is skipped, its cycles never clocked. */
#define CPO_MSG_FLAG_SKIPPED CPO_PROTO_FLAG_SKIPPED

typedef struct {
  uint32_t magic;
  uint16_t version;
  uint16_t type;
  uint16_t flags; /* 0, or CPO_MSG_FLAG_SKIPPED on a PARKED */
  uint32_t seq;
  uint64_t cycle;
  uint32_t payload_len;
} cpo_msg_header_t;

typedef struct {
  uint16_t channel; /* DAC/ADC channel id (defined by the register map) */
  uint16_t lane;
  uint32_t value;
} cpo_analog_entry_t;

/** A decoded message. Quantum words are cycle-major: word c * lanes + lane; bit 0 of a word is
 * the first symbol bit in time. On the wire a word takes word_bytes (4 when a lane-cycle fits
 * 32 bits, else 8: cpo_proto_word_bytes); in memory it is a uint64_t. Decoding points
 * `words_raw` into the decoded buffer (valid while it lives; read it with
 * cpo_msg_quantum_read), and `words` too when the wire words are 8 bytes (zero copy). */
typedef struct {
  cpo_msg_header_t hdr;
  union {
    struct {
      uint8_t role;
      cpo_config_t config;
      uint64_t config_hash; /* 0 from a host: "adopt the server's configuration" */
    } hello;                /* HELLO and HELLO_ACK */
    struct {
      uint16_t code;
      uint32_t ref_seq;
      char text[CPO_PROTO_MAX_TEXT_BYTES + 1];
    } error;
    struct {
      int16_t status; /* cpo_status_t: 0 normal end */
      char text[CPO_PROTO_MAX_TEXT_BYTES + 1];
    } bye;
    struct {
      uint32_t count; /* cycles, first = hdr.cycle */
      uint16_t lanes;
      uint8_t word_bytes;    /* 4 or 8 on the wire */
      const uint64_t *words; /* encode: the words; decode: in place if word_bytes is 8, else NULL */
      const uint8_t *words_raw; /* decode: the words as on the wire */
    } quantum;                  /* TX_QUANTUM and RX_QUANTUM */
    struct {
      uint16_t count;
      const uint8_t *entries_raw; /* count * 8 bytes (ADC_SAMPLES: per conversion); read with
                                     cpo_msg_analog_entry */
      uint16_t conversions;       /* ADC_SAMPLES only: conversion k at hdr.cycle + k * period */
      uint32_t period_cycles;     /* ADC_SAMPLES only */
    } analog;                     /* DAC_UPDATE, ADC_SAMPLE and ADC_SAMPLES */
    struct {
      uint32_t addr;
      uint32_t data;   /* REG_WRITE, REG_READ_RESP */
      uint16_t status; /* responses: 0 OK, 1 SLVERR */
    } reg;
    struct {
      uint64_t until_cycle;
    } sleep;
    /* PARKED (stamped with its first cycle): until_cycle, the end of the parked span;
     * RX_PARKED (stamped with its end): first_cycle, the start of the span */
    struct {
      uint64_t other_cycle;
    } parked;
    /* LANES_PARKED (stamped with the first TX cycle it applies to): bit l, lane l is parked */
    struct {
      uint64_t mask;
    } lanes_parked;
    /* MODEL_REPORT (the model's answer to the rtl's BYE, before its own): per lane
     * CPO_PROTO_REPORT_FIELDS values (cpo_report_field_t), lane-major; read with
     * cpo_msg_report_value */
    struct {
      uint16_t lanes;
      const double *values;      /* encode: lanes * CPO_PROTO_REPORT_FIELDS values */
      const uint8_t *values_raw; /* decode: the values as on the wire */
    } report;
  } u;
} cpo_msg_t;

/** @return the wire name of a message type, or "UNKNOWN". */
const char *cpo_msg_type_name(uint16_t type);
/** @return the fixed description of a wire error code. */
const char *cpo_wire_error_str(uint16_t code);
/** @return the role name ("rtl", "model", "host") or "unknown". */
const char *cpo_role_name(uint8_t role);

/** Hash of the canonical encoding of @p cfg (FNV-1a 64, see PROTOCOL.md); never 0. */
uint64_t cpo_config_hash(const cpo_config_t *cfg);
/** Check @p cfg is self-consistent (ranges above). On failure writes a message naming the
 * field into @p why. */
CPO_MUST_USE cpo_status_t cpo_config_validate(const cpo_config_t *cfg, char *why, size_t why_len);
/** Compare two configurations; on mismatch returns CPO_ERR_CONFIG_MISMATCH and writes
 * "latency_cycles: 4096 here, 1024 at peer" (first differing field) into @p why. */
CPO_MUST_USE cpo_status_t cpo_config_compare(const cpo_config_t *mine, const cpo_config_t *peer,
                                             char *why, size_t why_len);

/** Bytes needed to encode @p msg. */
size_t cpo_msg_encoded_size(const cpo_msg_t *msg);
/** Encode @p msg (header fields magic/version/payload_len are filled in by the encoder) into
 * @p buf of @p cap bytes. Returns bytes written, or 0 if @p cap is too small or a field is
 * out of range (nothing useful is in @p buf then). */
size_t cpo_msg_encode(const cpo_msg_t *msg, void *buf, size_t cap);

/** Decode and validate everything that can be checked from the bytes alone (header fields,
 * type, lengths, payload field ranges). On failure returns CPO_ERR_PROTOCOL and fills @p err
 * (code, ref_seq if the header was readable, text). @p out is then undefined.
 * A quantum of 8-byte words hands out `words` in place, so its @p buf must be 8-byte aligned
 * (malloc'd memory is; a zmq_msg_t's data may not be, since libzmq can hand out frames inside
 * its receive buffer): a misaligned one returns CPO_ERR_INVALID_ARG with err->code
 * CPO_WERR_NONE. That is the caller's fault, not the peer's: copy the frame to an aligned
 * buffer and decode again; never answer it with an ERROR. */
CPO_MUST_USE cpo_status_t cpo_msg_decode(const void *buf, size_t len, cpo_msg_t *out,
                                         cpo_wire_error_t *err);

/** Bytes per quantum word on the wire for @p cfg: 4 when a lane-cycle fits 32 bits, else 8. */
uint8_t cpo_proto_word_bytes(const cpo_config_t *cfg);

/** Copy words [@p first, @p first + @p n) of a quantum (decoded, or built to encode) to @p dst,
 * widened to 64 bits. */
void cpo_msg_quantum_read(const cpo_msg_t *msg, size_t first, size_t n, uint64_t *dst);

/** Read entry @p i of a decoded DAC_UPDATE/ADC_SAMPLE (ADC_SAMPLES: entry i % count of
 * conversion i / count). */
cpo_analog_entry_t cpo_msg_analog_entry(const cpo_msg_t *msg, uint32_t i);

/** Write @p e as entry @p i of the raw entry array a DAC_UPDATE/ADC_SAMPLE(S) is built from
 * (u.analog.entries_raw: count [* conversions] * CPO_PROTO_ANALOG_ENTRY_BYTES bytes, wire
 * byte order). */
void cpo_msg_analog_pack(uint8_t *entries_raw, uint32_t i, cpo_analog_entry_t e);

/** The values a MODEL_REPORT carries for each lane, in their order on the wire (PROTOCOL.md
 * section 3), SI units. */
typedef enum {
  CPO_REPORT_EXPECTED_BER, /* exact, from the lane's eye at the end */
  CPO_REPORT_SNAPSHOT_BER, /* the calibrated snapshot's for the same seed and profile; -1: none */
  CPO_REPORT_LASER_CURRENT_A,
  CPO_REPORT_LASER_TEMP_K,
  CPO_REPORT_LASER_W,
  CPO_REPORT_OMA_W,
  CPO_REPORT_RX_W,
  CPO_REPORT_DETUNING_M, /* ring: laser line minus resonance (negative: blue); MZM: 0 */
  CPO_REPORT_HEATER_W,
  CPO_REPORT_RING_TEMP_K,
  CPO_REPORT_FIELD_COUNT
} cpo_report_field_t;

/** Value @p field of lane @p lane of a decoded MODEL_REPORT. */
double cpo_msg_report_value(const cpo_msg_t *msg, uint32_t lane, cpo_report_field_t field);

/** Per-peer receive state for the checks that need history: HELLO first, sequence numbers
 * consecutive (first message seq 0, then +1 modulo 2^32), cycle stamps never decreasing. */
typedef struct {
  bool hello_seen;
  uint32_t next_seq;
  uint64_t last_cycle;
} cpo_proto_rx_state_t;

/** Apply the stateful checks to a decoded message from one peer and, if it passes, advance
 * @p st. On failure returns CPO_ERR_PROTOCOL and fills @p err; @p st is unchanged except that
 * a message carrying the expected seq uses it up (next_seq + 1), so one bad message does not
 * make the peer's later ones out of order. */
CPO_MUST_USE cpo_status_t cpo_proto_rx_check(cpo_proto_rx_state_t *st, const cpo_msg_t *msg,
                                             cpo_wire_error_t *err);

/** After cpo_msg_decode() rejected a message from this peer: if its header was readable and
 * carried the expected seq (err->ref_seq), it uses that seq up, as in cpo_proto_rx_check(). */
void cpo_proto_rx_skip(cpo_proto_rx_state_t *st, const cpo_wire_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* CPO_PROTOCOL_H */
