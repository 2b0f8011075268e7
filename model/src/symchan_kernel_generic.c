/* Portable bit-true symbol kernel (see symchan_kernel.h), and the choice of variant. */
#include <math.h>
#include <string.h>

#include "symchan_kernel.h"

#define HIST (CPO_SYMCHAN_TAPS - 1)

/* Levels of m symbols into lv[1..m]; lv[0] = prev. Gray fields decode as f ^ (f >> 1)
 * (00 01 11 10 -> 0 1 2 3). */
static void s_unpack(const uint64_t *words, uint32_t stride, uint32_t spw, uint32_t bps,
                     uint32_t gray, int32_t prev, uint32_t m, int32_t *lv) {
  const uint64_t mask = (UINT64_C(1) << bps) - 1;
  const uint64_t gray_mask = gray && bps == 2 ? ~UINT64_C(0) : 0;
  lv[0] = prev;
  for (uint32_t w = 0; w < m / spw; w++) {
    const uint64_t word = words[(size_t)w * stride];
    int32_t *o = lv + 1 + (size_t)w * spw;
    for (uint32_t k = 0; k < spw; k++) {
      const uint64_t f = (word >> (k * bps)) & mask;
      o[k] = (int32_t)(f ^ ((f >> 1) & gray_mask));
    }
  }
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(CPO_NO_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
void cpo_symchan_kernel_generic(cpo_symchan_block_t *b) {
  const cpo_symchan_eye_t *eye = b->eye;
  const int32_t levels = (int32_t)eye->levels;
  const uint32_t m = b->m, spw = b->symbols_per_word, bps = b->bits_per_symbol;
  int32_t own[CPO_SYMCHAN_BLOCK + 1], nb[2][CPO_SYMCHAN_BLOCK + 1], dec[CPO_SYMCHAN_BLOCK];
  float cur[HIST + CPO_SYMCHAN_BLOCK];
  float own_f[16], xt_f[2][16], sigma_f[CPO_SYMCHAN_MAX_LEVELS];
  for (int32_t k = 0; k < levels * levels; k++) {
    own_f[k] = (float)eye->own_a[k];
    xt_f[0][k] = (float)eye->xt_a[0][k];
    xt_f[1][k] = (float)eye->xt_a[1][k];
  }
  for (int32_t k = 0; k < levels; k++)
    sigma_f[k] = (float)eye->sigma_a[k];
  s_unpack(b->own_words, b->stride, spw, bps, b->gray, b->prev_own, m, own);
  for (int k = 0; k < HIST; k++)
    cur[HIST - 1 - k] = (float)b->hist_a[k];
  float *c = cur + HIST;
  for (uint32_t i = 0; i < m; i++)
    c[i] = own_f[own[i] * levels + own[i + 1]];
  for (int k = 0; k < 2; k++) {
    if (!b->nb_words[k])
      continue;
    s_unpack(b->nb_words[k], b->stride, spw, bps, b->gray, b->prev_nb[k], m, nb[k]);
    const float *xt = xt_f[k];
    for (uint32_t i = 0; i < m; i++)
      c[i] = c[i] + xt[nb[k][i] * levels + nb[k][i + 1]];
    b->prev_nb[k] = nb[k][m];
  }
  const float g0 = (float)eye->taps[0], g1 = (float)eye->taps[1], g2 = (float)eye->taps[2],
              g3 = (float)eye->taps[3], g4 = (float)eye->taps[4];
  const float t0 = (float)eye->threshold_a[0];
  const float t1 = levels > 2 ? (float)eye->threshold_a[1] : INFINITY;
  const float t2 = levels > 2 ? (float)eye->threshold_a[2] : INFINITY;
  for (uint32_t i = 0; i < m; i++) {
    float y = g0 * c[i];
    y = y + g1 * c[(int64_t)i - 1];
    y = y + g2 * c[(int64_t)i - 2];
    y = y + g3 * c[(int64_t)i - 3];
    y = y + g4 * c[(int64_t)i - 4];
    y = y + sigma_f[own[i + 1]] * b->noise[i];
    dec[i] = (int32_t)(y > t0) + (int32_t)(y > t1) + (int32_t)(y > t2);
  }
  const uint64_t gray_mask = b->gray && bps == 2 ? ~UINT64_C(0) : 0;
  const uint64_t word_mask = spw * bps >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (spw * bps)) - 1;
  for (uint32_t w = 0; w < m / spw; w++) {
    const int32_t *d = dec + (size_t)w * spw;
    uint64_t word = 0;
    for (uint32_t k = 0; k < spw; k++) {
      const uint64_t lv = (uint64_t)d[k];
      word |= (lv ^ ((lv >> 1) & gray_mask)) << (k * bps);
    }
    const size_t at = (size_t)w * b->stride;
    b->rx[at] = word;
    cpo_symchan_count((word ^ b->own_words[at]) & word_mask, bps, &b->bit_errors,
                      &b->symbol_errors);
  }
  for (int k = 0; k < HIST; k++)
    b->hist_a[k] = c[(int64_t)m - 1 - k];
  b->prev_own = own[m];
}

cpo_symchan_kernel_fn cpo_symchan_kernel_select(void) {
#if defined(CPO_ZIG_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return cpo_symchan_kernel_avx512;
#endif
  return cpo_symchan_kernel_generic;
}
