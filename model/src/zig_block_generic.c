/* Portable ziggurat block (the compiler vectorises what the target allows), the exact slow
 * path shared by all variants, and the run-time choice of variant. */
#include <math.h>

#include "zig_block.h"
#include "zig_tables.h"

#define ZIG_FN cpo_zig_block_generic
#define ZIG_GATHER(i, w, k)                                                                        \
  do {                                                                                             \
    for (int l_ = 0; l_ < CPO_ZIG_WIDTH; l_++) {                                                   \
      (w)[l_] = cpo_zig_w[(i)[l_]];                                                                \
      (k)[l_] = cpo_zig_k[(i)[l_]];                                                                \
    }                                                                                              \
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

static inline double s_open01(uint64_t bits) {
  return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

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

/* Is candidate x of layer i (1..255, outside its inner rectangle) under the density? The
 * density is convex beyond 1 and concave inside: there the chord between the layer's corners
 * and the tangent at one of them bracket it, which settles most candidates without exp()
 * (Marsaglia & Tsang's remark; the same draws and the same answer as the plain test). */
static int s_wedge_accepts(uint64_t slow[4], uint32_t i, double x) {
  const double u = s_open01(cpo_xoshiro_next(slow));
  const double ax = fabs(x);
  const double x_in = cpo_zig_x[i + 1], x_out = cpo_zig_x[i];
  const double f_in = cpo_zig_f[i + 1], f_out = cpo_zig_f[i];
  const double y = f_out + u * (f_in - f_out);
  const double chord = f_in + cpo_zig_chord[i] * (ax - x_in);
  if (x_in >= 1.0) { /* convex: under the chord, over the tangent at x_out */
    if (y >= chord)
      return 0;
    if (y < f_out * (1.0 + x_out * (x_out - ax)))
      return 1;
  } else if (x_out <= 1.0) { /* concave: over the chord, under the tangent at x_in */
    if (y < chord)
      return 1;
    if (y >= f_in * (1.0 - x_in * (ax - x_in)))
      return 0;
  }
  return y < exp(-0.5 * ax * ax);
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

/* ---- single precision ---------------------------------------------------------------- */

static inline float s_bits_to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline uint32_t s_float_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* A single-precision candidate from 32 random bits: bits 0-7 layer, 8 sign, 9-31 magnitude. */
static inline float s_candidate_f(uint32_t u, uint32_t *layer, uint32_t *mag) {
  *layer = u & 0xFF;
  *mag = u >> 9;
  return s_bits_to_float(s_float_to_bits((float)*mag * cpo_zigf_w[*layer]) ^
                         ((u << 23) & 0x80000000u));
}

/* The complete algorithm on the slow generator (its low 32 bits per draw). */
static float s_restart_f(uint64_t slow[4]) {
  for (;;) {
    uint32_t i, m;
    const uint32_t u = (uint32_t)cpo_xoshiro_next(slow);
    const float x = s_candidate_f(u, &i, &m);
    if (m < cpo_zigf_k[i])
      return x;
    if (i == 0)
      return (float)s_tail(slow, (uint64_t)(u & 0x100) << 55);
    if (s_wedge_accepts(slow, i, x))
      return x;
  }
}

void cpo_zigf_finish(uint64_t slow[4], float *out, const uint64_t (*raw)[CPO_ZIG_WIDTH],
                     const uint16_t *first_index, const uint16_t *miss, uint32_t n_vectors) {
  for (uint32_t v = 0; v < n_vectors; v++) {
    for (uint32_t bits = miss[v]; bits; bits &= bits - 1) {
      const int c = __builtin_ctz(bits);
      const uint32_t u = (uint32_t)(raw[v][c / 2] >> (32 * (c % 2)));
      const uint32_t i = u & 0xFF;
      float *x = &out[first_index[v] + c];
      if (i == 0)
        *x = (float)s_tail(slow, (uint64_t)(u & 0x100) << 55);
      else if (!s_wedge_accepts(slow, i, *x))
        *x = s_restart_f(slow);
    }
  }
}

void cpo_zigf_block_generic(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], float *out) {
  uint64_t raw[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)][CPO_ZIG_WIDTH];
  uint16_t first_index[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)];
  uint16_t miss_mask[CPO_ZIGF_BLOCK / (2 * CPO_ZIG_WIDTH)];
  uint32_t n_missed = 0;
  for (uint32_t j = 0; j < CPO_ZIGF_BLOCK; j += 2 * CPO_ZIG_WIDTH) {
    uint32_t miss = 0;
    for (int l = 0; l < CPO_ZIG_WIDTH; l++) {
      uint64_t s[4] = {zig[0][l], zig[1][l], zig[2][l], zig[3][l]};
      const uint64_t r = cpo_xoshiro_next(s);
      for (int a = 0; a < 4; a++)
        zig[a][l] = s[a];
      raw[n_missed][l] = r;
      for (int h = 0; h < 2; h++) {
        uint32_t i, m;
        out[j + 2 * l + h] = s_candidate_f((uint32_t)(r >> (32 * h)), &i, &m);
        miss |= (uint32_t)(m >= cpo_zigf_k[i]) << (2 * l + h);
      }
    }
    first_index[n_missed] = (uint16_t)j;
    miss_mask[n_missed] = (uint16_t)miss;
    n_missed += miss != 0;
  }
  cpo_zigf_finish(slow, out, (const uint64_t(*)[CPO_ZIG_WIDTH])raw, first_index, miss_mask,
                  n_missed);
}

cpo_zigf_block_fn cpo_zigf_block_select(void) {
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return cpo_zigf_block_avx512;
#endif
  return cpo_zigf_block_generic;
}
