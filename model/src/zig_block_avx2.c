/* AVX2 ziggurat block (this file is compiled with -mavx2): hardware gathers for the tables. */
#include <immintrin.h>
#include <string.h>

#include "zig_tables.h"

#define ZIG_FN cpo_zig_block_avx2
/* two 4-lane gathers per 8-lane vector */
#define ZIG_GATHER(i, w, k)                                                                        \
  do {                                                                                             \
    __m256i i_[2];                                                                                 \
    memcpy(i_, &(i), sizeof i_);                                                                   \
    __m256d w_[2] = {_mm256_i64gather_pd(cpo_zig_w, i_[0], 8),                                     \
                     _mm256_i64gather_pd(cpo_zig_w, i_[1], 8)};                                    \
    __m256i k_[2] = {_mm256_i64gather_epi64((const long long *)cpo_zig_k, i_[0], 8),               \
                     _mm256_i64gather_epi64((const long long *)cpo_zig_k, i_[1], 8)};              \
    memcpy(&(w), w_, sizeof w_);                                                                   \
    memcpy(&(k), k_, sizeof k_);                                                                   \
  } while (0)
/* m and k are below 2^52, so the signed compare is exact: miss where !(k > m) */
static inline int s_any_miss(const void *m, const void *k) {
  __m256i m_[2], k_[2];
  memcpy(m_, m, sizeof m_);
  memcpy(k_, k, sizeof k_);
  const int inside = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k_[0], m_[0]))) &
                     _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k_[1], m_[1])));
  return inside != 0xF;
}
#define ZIG_ANY_MISS(m, k) s_any_miss(&(m), &(k))
#include "zig_block_body.h"
