/* AVX-512F ziggurat block (this file is compiled with -mavx512f): one 8-lane gather per table
 * and a mask compare. */
#include <immintrin.h>
#include <string.h>

#include "zig_tables.h"

#define ZIG_FN cpo_zig_block_avx512
#define ZIG_GATHER(i, w, k)                                                                        \
  do {                                                                                             \
    __m512i i_;                                                                                    \
    memcpy(&i_, &(i), sizeof i_);                                                                  \
    const __m512d w_ = _mm512_i64gather_pd(i_, cpo_zig_w, 8);                                      \
    const __m512i k_ = _mm512_i64gather_epi64(i_, (const long long *)cpo_zig_k, 8);                \
    memcpy(&(w), &w_, sizeof w_);                                                                  \
    memcpy(&(k), &k_, sizeof k_);                                                                  \
  } while (0)
#define ZIG_ANY_MISS(m, k) (_mm512_cmpge_epu64_mask((__m512i)(m), (__m512i)(k)) != 0)
#include "zig_block_body.h"

/* Single precision: 16 candidates per step from the two 32-bit halves of 8 draws. */
void cpo_zigf_block_avx512(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], float *out) {
  uint64_t raw[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)][CPO_ZIG_WIDTH];
  uint16_t first_index[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)];
  uint16_t miss_mask[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)];
  uint32_t n_missed = 0;
  __m512i s0 = _mm512_loadu_si512(zig[0]), s1 = _mm512_loadu_si512(zig[1]),
          s2 = _mm512_loadu_si512(zig[2]), s3 = _mm512_loadu_si512(zig[3]);
  const __m512i ff = _mm512_set1_epi32(0xFF), sign = _mm512_set1_epi32((int)0x80000000u);
  for (uint32_t j = 0; j < CPO_ZIGF_BLOCK; j += 2 * CPO_ZIG_WIDTH) {
    const __m512i x5 = _mm512_add_epi64(_mm512_slli_epi64(s1, 2), s1);
    const __m512i rot = _mm512_rol_epi64(x5, 7);
    const __m512i r = _mm512_add_epi64(_mm512_slli_epi64(rot, 3), rot);
    const __m512i t = _mm512_slli_epi64(s1, 17);
    s2 = _mm512_xor_si512(s2, s0);
    s3 = _mm512_xor_si512(s3, s1);
    s1 = _mm512_xor_si512(s1, s2);
    s0 = _mm512_xor_si512(s0, s3);
    s2 = _mm512_xor_si512(s2, t);
    s3 = _mm512_rol_epi64(s3, 45);
    const __m512i i = _mm512_and_si512(r, ff);
    const __m512i m = _mm512_srli_epi32(r, 9);
    const __m512i sb = _mm512_and_si512(_mm512_slli_epi32(r, 23), sign);
    const __m512 w = _mm512_i32gather_ps(i, cpo_zigf_w, 4);
    const __m512i k = _mm512_i32gather_epi32(i, (const int *)cpo_zigf_k, 4);
    const __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(m), w);
    _mm512_storeu_si512(out + j, _mm512_xor_si512(_mm512_castps_si512(x), sb));
    _mm512_storeu_si512(raw[n_missed], r); /* kept only if a lane missed: no branch */
    const __mmask16 miss = _mm512_cmpge_epu32_mask(m, k);
    first_index[n_missed] = (uint16_t)j;
    miss_mask[n_missed] = miss;
    n_missed += miss != 0;
  }
  _mm512_storeu_si512(zig[0], s0);
  _mm512_storeu_si512(zig[1], s1);
  _mm512_storeu_si512(zig[2], s2);
  _mm512_storeu_si512(zig[3], s3);
  cpo_zigf_finish(slow, out, (const uint64_t(*)[CPO_ZIG_WIDTH])raw, first_index, miss_mask,
                  n_missed);
}
