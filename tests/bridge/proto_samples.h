/* Shared by the protocol tests, the fuzzer and the interop program: one fixed, valid
 * message of every type, and a field-wise equality. Every field of a sample holds a
 * distinctive non-zero value, so a codec that drops or swaps a field is caught. */
#ifndef CPO_TEST_PROTO_SAMPLES_H
#define CPO_TEST_PROTO_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>

#include "cpo/protocol.h"

/* Every message type, in wire order. */
extern const uint16_t cpo_test_msg_types[];
extern const size_t cpo_test_msg_type_count;

/** The configuration carried by the sample HELLO/HELLO_ACK. */
cpo_config_t cpo_test_sample_config(void);

/** Fill @p m with the sample message of @p type (pointers refer to static storage). */
void cpo_test_sample_msg(uint16_t type, cpo_msg_t *m);

/** Field-wise equality of two decoded messages (header type, flags, seq, cycle and the
 * type's payload fields; quantum words and analog entries by content). On a difference
 * writes the field name into @p why if not NULL. */
bool cpo_test_msg_equal(const cpo_msg_t *a, const cpo_msg_t *b, char *why, size_t why_len);

#endif
