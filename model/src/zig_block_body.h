/* Body of a ziggurat block generator, included once per instruction set with
 *   ZIG_FN                      the function name,
 *   ZIG_GATHER(i, w, k)         w[l] = cpo_zig_w[i[l]], k[l] = cpo_zig_k[i[l]],
 *   ZIG_ANY_MISS(m, k)          nonzero if any lane has m >= k (left the fast path).
 * The common path is branch-free: each iteration advances 8 xoshiro256** generators, turns
 * each 64-bit draw into a signed candidate (bits 0-7 layer, bit 8 sign, bits 12-63 a 52-bit
 * magnitude) and records the draws of any vector that needs the exact tests afterwards. */
#include <string.h>

#include "zig_block.h"
#include "zig_tables.h"

typedef uint64_t zig_u64v __attribute__((vector_size(8 * CPO_ZIG_WIDTH)));
typedef double zig_f64v __attribute__((vector_size(8 * CPO_ZIG_WIDTH)));

void ZIG_FN(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], double *out) {
  uint64_t raw[CPO_ZIG_BLOCK / CPO_ZIG_WIDTH][CPO_ZIG_WIDTH];
  uint16_t first_index[CPO_ZIG_BLOCK / CPO_ZIG_WIDTH];
  uint32_t n_missed = 0;
  zig_u64v s0, s1, s2, s3;
  memcpy(&s0, zig[0], sizeof s0);
  memcpy(&s1, zig[1], sizeof s1);
  memcpy(&s2, zig[2], sizeof s2);
  memcpy(&s3, zig[3], sizeof s3);
  const zig_u64v exp52 = (zig_u64v){0} + UINT64_C(0x4330000000000000);
  const zig_f64v two52 = (zig_f64v){0} + 0x1.0p52;
  for (uint32_t j = 0; j < CPO_ZIG_BLOCK; j += CPO_ZIG_WIDTH) {
    const zig_u64v x5 = s1 * 5;
    const zig_u64v r = ((x5 << 7) | (x5 >> 57)) * 9;
    const zig_u64v t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 45) | (s3 >> 19);
    const zig_u64v i = r & 0xFF;
    const zig_u64v m = r >> 12;
    const zig_u64v sign_bit = (r << 55) & UINT64_C(0x8000000000000000);
    zig_f64v w;
    zig_u64v k;
    ZIG_GATHER(i, w, k);
    /* m as an exact double without an int->double conversion (m < 2^52) */
    const zig_u64v mbits = exp52 | m;
    zig_f64v md;
    memcpy(&md, &mbits, sizeof md);
    const zig_f64v x = (md - two52) * w;
    zig_u64v xbits;
    memcpy(&xbits, &x, sizeof xbits);
    xbits ^= sign_bit;
    memcpy(out + j, &xbits, sizeof xbits);
    /* always written, kept only if a lane missed: no branch in the loop */
    memcpy(raw[n_missed], &r, sizeof r);
    first_index[n_missed] = (uint16_t)j;
    n_missed += ZIG_ANY_MISS(m, k) ? 1 : 0;
  }
  memcpy(zig[0], &s0, sizeof s0);
  memcpy(zig[1], &s1, sizeof s1);
  memcpy(zig[2], &s2, sizeof s2);
  memcpy(zig[3], &s3, sizeof s3);
  cpo_zig_finish(slow, out, (const uint64_t(*)[CPO_ZIG_WIDTH])raw, first_index, n_missed);
}
