/* AVX-512F ziggurat block (this file is compiled with -mavx512f): one 8-lane gather per table
 * and a mask compare. */
#include <immintrin.h>
#include <string.h>

#include "zig_tables.h"

#define ZIG_FN cpo_zig_block_avx512
#define ZIG_GATHER(i, w, k)                                                                    \
  do {                                                                                         \
    __m512i i_;                                                                                \
    memcpy(&i_, &(i), sizeof i_);                                                              \
    const __m512d w_ = _mm512_i64gather_pd(i_, cpo_zig_w, 8);                                  \
    const __m512i k_ = _mm512_i64gather_epi64(i_, (const long long *)cpo_zig_k, 8);            \
    memcpy(&(w), &w_, sizeof w_);                                                              \
    memcpy(&(k), &k_, sizeof k_);                                                              \
  } while (0)
#define ZIG_ANY_MISS(m, k) (_mm512_cmpge_epu64_mask((__m512i)(m), (__m512i)(k)) != 0)
#include "zig_block_body.h"
