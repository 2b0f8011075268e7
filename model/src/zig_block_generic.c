/* Portable ziggurat block (the compiler vectorises what the target allows), the exact slow
 * path shared by all variants, and the run-time choice of variant. */
#include <math.h>

#include "zig_block.h"
#include "zig_tables.h"

#define ZIG_FN cpo_zig_block_generic
#define ZIG_GATHER(i, w, k)                                                                    \
  do {                                                                                         \
    for (int l_ = 0; l_ < CPO_ZIG_WIDTH; l_++) {                                               \
      (w)[l_] = cpo_zig_w[(i)[l_]];                                                            \
      (k)[l_] = cpo_zig_k[(i)[l_]];                                                            \
    }                                                                                          \
  } while (0)
static inline int s_any_miss(const uint64_t *m, const uint64_t *k) {
  int any = 0;
  for (int l = 0; l < CPO_ZIG_WIDTH; l++)
    any |= m[l] >= k[l];
  return any;
}
#define ZIG_ANY_MISS(m, k) s_any_miss((const uint64_t *)&(m), (const uint64_t *)&(k))
#include "zig_block_body.h"

static inline double s_bits_to_double(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static inline uint64_t s_double_to_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static inline double s_open01(uint64_t bits) { return ((double)(bits >> 11) + 0.5) * 0x1.0p-53; }

#define SIGN_BIT UINT64_C(0x8000000000000000)

/* Marsaglia's tail method (Technometrics 6, 1964) beyond the base edge r. */
static double s_tail(uint64_t slow[4], uint64_t sign_bit) {
  double a, b;
  do {
    a = -log(s_open01(cpo_xoshiro_next(slow))) / cpo_zig_r;
    b = -log(s_open01(cpo_xoshiro_next(slow)));
  } while (b + b < a * a);
  return s_bits_to_double(s_double_to_bits(cpo_zig_r + a) ^ sign_bit);
}

/* Is candidate x of layer i (1..255, outside its inner rectangle) under the density? */
static int s_wedge_accepts(uint64_t slow[4], uint32_t i, double x) {
  const double u = s_open01(cpo_xoshiro_next(slow));
  const double y = cpo_zig_f[i] + u * (cpo_zig_f[i + 1] - cpo_zig_f[i]);
  return y < exp(-0.5 * x * x);
}

/* The complete scalar algorithm on the slow generator, after a candidate was rejected. */
static double s_restart(uint64_t slow[4]) {
  for (;;) {
    const uint64_t r = cpo_xoshiro_next(slow);
    const uint32_t i = (uint32_t)(r & 0xFF);
    const uint64_t m = r >> 12;
    const uint64_t sign_bit = (r << 55) & SIGN_BIT;
    const double x = s_bits_to_double(s_double_to_bits((double)m * cpo_zig_w[i]) ^ sign_bit);
    if (m < cpo_zig_k[i])
      return x;
    if (i == 0)
      return s_tail(slow, sign_bit);
    if (s_wedge_accepts(slow, i, x))
      return x;
  }
}

void cpo_zig_finish(uint64_t slow[4], double *out, const uint64_t (*raw)[CPO_ZIG_WIDTH],
                    const uint16_t *first_index, uint32_t n_vectors) {
  for (uint32_t v = 0; v < n_vectors; v++) {
    for (int l = 0; l < CPO_ZIG_WIDTH; l++) {
      const uint64_t r = raw[v][l];
      const uint32_t i = (uint32_t)(r & 0xFF);
      if ((r >> 12) < cpo_zig_k[i])
        continue;
      double *x = &out[first_index[v] + l];
      if (i == 0)
        *x = s_tail(slow, (r << 55) & SIGN_BIT);
      else if (!s_wedge_accepts(slow, i, *x))
        *x = s_restart(slow);
    }
  }
}

cpo_zig_block_fn cpo_zig_block_select(void) {
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return cpo_zig_block_avx512;
  if (__builtin_cpu_supports("avx2"))
    return cpo_zig_block_avx2;
#endif
  return cpo_zig_block_generic;
}
