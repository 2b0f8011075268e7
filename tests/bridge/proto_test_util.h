/* Byte-level helpers for the protocol tests: little-endian patching of an encoded frame and
 * an FNV-1a 64 written from its definition, independent of the codec's. */
#ifndef CPO_TEST_PROTO_TEST_UTIL_H
#define CPO_TEST_PROTO_TEST_UTIL_H

#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v) {
  p[0] = v & 0xff;
  p[1] = v >> 8;
}
static inline void put32(uint8_t *p, uint32_t v) {
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}
static inline void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t get32(const uint8_t *p) {
  return get16(p) | (uint32_t)get16(p + 2) << 16;
}
static inline uint64_t get64(const uint8_t *p) {
  return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* FNV-1a 64 per Fowler/Noll/Vo: offset basis 14695981039346656037, prime 2^40 + 2^8 + 0xb3 */
static inline uint64_t ref_fnv1a64(const uint8_t *p, size_t n) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= (1ull << 40) + (1ull << 8) + 0xb3;
  }
  return h;
}

/* Frame offsets of the HELLO config block and hash (header 32 + payload offsets). */
enum { HELLO_BLOCK_AT = 32 + 4, HELLO_BLOCK_LEN = 76, HELLO_HASH_AT = 32 + 80 };

/* After patching a HELLO's config bytes, make its hash consistent again. */
static inline void rehash_hello(uint8_t *frame) {
  uint64_t h = ref_fnv1a64(frame + HELLO_BLOCK_AT, HELLO_BLOCK_LEN);
  put64(frame + HELLO_HASH_AT, h ? h : 1);
}

#endif
