/* AVX-512F bit-true symbol kernel (this file is compiled with -mavx512f); see symchan_kernel.h.
 * Sixteen symbols per step in single precision, as the portable kernel computes them. Each
 * symbol's current depends on its (previous, current) field pair: the 2 x bits_per_symbol
 * window of the packed stream ending with the symbol, which a variable shift extracts; the
 * current and noise tables are re-indexed by that window (fields, not levels) and live in one
 * register each, so Gray decoding and table lookups cost one permute. The FIR's earlier
 * currents are lane rotations of the previous step. Words whose symbol count is not a multiple
 * of 16 go to the portable kernel. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "symchan_kernel.h"

#define HIST (CPO_SYMCHAN_TAPS - 1)

static inline uint32_t s_level(uint32_t field, uint32_t gray) {
  return gray ? field ^ (field >> 1) : field;
}

static inline uint32_t s_field(uint32_t level, uint32_t gray) {
  return gray ? level ^ (level >> 1) : level;
}

/* Bits [s, s + 32) of the stream X = word << bps | prev_field (the word preceded by one field). */
static inline uint32_t s_stream_bits(uint64_t word, uint64_t prev_field, uint32_t bps, uint32_t s) {
  return (uint32_t)(s == 0 ? (word << bps) | prev_field : word >> (s - bps));
}

/* Spread the low 32 bits of x to the even bit positions (Morton order). */
static inline uint64_t s_interleave(uint64_t x) {
  x &= 0xFFFFFFFFu;
  x = (x | (x << 16)) & UINT64_C(0x0000FFFF0000FFFF);
  x = (x | (x << 8)) & UINT64_C(0x00FF00FF00FF00FF);
  x = (x | (x << 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  x = (x | (x << 2)) & UINT64_C(0x3333333333333333);
  x = (x | (x << 1)) & UINT64_C(0x5555555555555555);
  return x;
}

/* The sequence delayed by k symbols: before's last k lanes, then now's first 16 - k. */
static inline __m512 s_delayed(__m512 now, __m512 before, int k) {
  const __m512i n = _mm512_castps_si512(now), b = _mm512_castps_si512(before);
  switch (k) {
  case 1:
    return _mm512_castsi512_ps(_mm512_alignr_epi32(n, b, 15));
  case 2:
    return _mm512_castsi512_ps(_mm512_alignr_epi32(n, b, 14));
  case 3:
    return _mm512_castsi512_ps(_mm512_alignr_epi32(n, b, 13));
  default:
    return _mm512_castsi512_ps(_mm512_alignr_epi32(n, b, 12));
  }
}

/* The kernel body, specialised by the dispatcher below for constant stream count, field width
 * and code, so the compiler unrolls the stream loop and drops the branches. */
static inline __attribute__((always_inline)) void
s_kernel(cpo_symchan_block_t *b, const int n_streams_c, const uint32_t bps, const uint32_t gray_c) {
  const uint32_t m = b->m, spw = b->symbols_per_word;
  const cpo_symchan_eye_t *eye = b->eye;
  const uint32_t levels = eye->levels, gray = gray_c;
  const uint32_t field_mask = (1u << bps) - 1;
  /* tables by window w = prev_field | cur_field << bps, in single precision */
  float table[3][16], sigma[16];
  memset(table, 0, sizeof table);
  memset(sigma, 0, sizeof sigma);
  const double *src_tab[3] = {eye->own_a, eye->xt_a[0], eye->xt_a[1]};
  const uint64_t *stream_words[3] = {b->own_words, b->nb_words[0], b->nb_words[1]};
  const int32_t stream_prev[3] = {b->prev_own, b->prev_nb[0], b->prev_nb[1]};
  const uint64_t *words[3];
  uint64_t prev_field[3];
  __m512 tab[3];
  int n_streams = 0;
  for (int k = 0; k < 3; k++) {
    if (!stream_words[k])
      continue;
    for (uint32_t pf = 0; pf < levels; pf++)
      for (uint32_t cf = 0; cf < levels; cf++)
        table[n_streams][pf | cf << bps] =
            (float)src_tab[k][s_level(pf, gray) * levels + s_level(cf, gray)];
    words[n_streams] = stream_words[k];
    prev_field[n_streams] = s_field((uint32_t)stream_prev[k], gray);
    tab[n_streams] = _mm512_loadu_ps(table[n_streams]);
    n_streams++;
  }
  (void)n_streams;
  for (uint32_t pf = 0; pf < levels; pf++)
    for (uint32_t cf = 0; cf < levels; cf++)
      sigma[pf | cf << bps] = (float)eye->sigma_a[s_level(cf, gray)];
  const __m512 sig = _mm512_loadu_ps(sigma);
  /* the currents before the block, in lanes 12..15 (c[-4] .. c[-1]) */
  float before[16] = {0};
  for (int k = 0; k < HIST; k++)
    before[15 - k] = (float)b->hist_a[k];
  __m512 c_prev = _mm512_loadu_ps(before);
  const __m512 g0 = _mm512_set1_ps((float)eye->taps[0]), g1 = _mm512_set1_ps((float)eye->taps[1]),
               g2 = _mm512_set1_ps((float)eye->taps[2]), g3 = _mm512_set1_ps((float)eye->taps[3]),
               g4 = _mm512_set1_ps((float)eye->taps[4]);
  const __m512 t0 = _mm512_set1_ps((float)eye->threshold_a[0]);
  const __m512 t1 = _mm512_set1_ps(levels > 2 ? (float)eye->threshold_a[1] : INFINITY);
  const __m512 t2 = _mm512_set1_ps(levels > 2 ? (float)eye->threshold_a[2] : INFINITY);
  const __m512i window_mask = _mm512_set1_epi32((1 << (2 * bps)) - 1);
  /* lane k of a step reads its window at bit (k mod 8) x bps of its half's source */
  const __m512i lane_shift =
      _mm512_set_epi32(7 * bps, 6 * bps, 5 * bps, 4 * bps, 3 * bps, 2 * bps, bps, 0, 7 * bps,
                       6 * bps, 5 * bps, 4 * bps, 3 * bps, 2 * bps, bps, 0);
  const uint64_t word_mask = spw * bps >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (spw * bps)) - 1;
  const uint32_t top_shift = (spw - 1) * bps;
  const float *noise = b->noise;
  for (uint32_t w = 0; w < m / spw; w++) {
    const size_t at = (size_t)w * b->stride;
    uint64_t word[3];
    for (int k = 0; k < n_streams_c; k++)
      word[k] = words[k][at];
    uint64_t lo_bits = 0, hi_bits = 0; /* bit k: symbol k's low / high decision bit */
    for (uint32_t j = 0; j < spw; j += 16) {
      __m512 c = _mm512_setzero_ps();
      __m512i win0 = _mm512_setzero_si512();
      for (int k = 0; k < n_streams_c; k++) {
        const __m512i src = _mm512_mask_set1_epi32(
            _mm512_set1_epi32((int)s_stream_bits(word[k], prev_field[k], bps, j * bps)), 0xFF00,
            (int)s_stream_bits(word[k], prev_field[k], bps, (j + 8) * bps));
        const __m512i win = _mm512_and_si512(_mm512_srlv_epi32(src, lane_shift), window_mask);
        const __m512 cur = _mm512_permutexvar_ps(win, tab[k]);
        /* same order as the portable kernel: own, then left, then right */
        c = k == 0 ? cur : _mm512_add_ps(c, cur);
        if (k == 0)
          win0 = win;
      }
      __m512 y = _mm512_mul_ps(g0, c);
      y = _mm512_add_ps(y, _mm512_mul_ps(g1, s_delayed(c, c_prev, 1)));
      y = _mm512_add_ps(y, _mm512_mul_ps(g2, s_delayed(c, c_prev, 2)));
      y = _mm512_add_ps(y, _mm512_mul_ps(g3, s_delayed(c, c_prev, 3)));
      y = _mm512_add_ps(y, _mm512_mul_ps(g4, s_delayed(c, c_prev, 4)));
      const __m512 n = _mm512_loadu_ps(noise);
      y = _mm512_add_ps(y, _mm512_mul_ps(_mm512_permutexvar_ps(win0, sig), n));
      noise += 16;
      c_prev = c;
      /* decision bits from the compare masks: the level is the count of thresholds exceeded
       * (as in the portable kernel): high bit = majority, low bit = parity; Gray 00 01 11 10
       * has its low bit set for counts 1 and 2 */
      const uint32_t k0 = _mm512_cmp_ps_mask(y, t0, _CMP_GT_OQ);
      const uint32_t k1 = _mm512_cmp_ps_mask(y, t1, _CMP_GT_OQ);
      const uint32_t k2 = _mm512_cmp_ps_mask(y, t2, _CMP_GT_OQ);
      const uint32_t high = (k0 & k1) | (k0 & k2) | (k1 & k2);
      lo_bits |= (uint64_t)(gray ? (k0 | k1 | k2) & ~(k0 & k1 & k2) : k0 ^ k1 ^ k2) << j;
      hi_bits |= (uint64_t)high << j;
    }
    for (int k = 0; k < n_streams_c; k++)
      prev_field[k] = (word[k] >> top_shift) & field_mask;
    const uint64_t out = bps == 2 ? s_interleave(lo_bits) | s_interleave(hi_bits) << 1 : lo_bits;
    b->rx[at] = out;
    cpo_symchan_count((out ^ b->own_words[at]) & word_mask, bps, &b->bit_errors, &b->symbol_errors);
  }
  float last[16];
  _mm512_storeu_ps(last, c_prev);
  for (int k = 0; k < HIST; k++)
    b->hist_a[k] = last[15 - k];
  for (int k = 0, s = 0; k < 3; k++) {
    if (!stream_words[k])
      continue;
    const int32_t lv = (int32_t)s_level((uint32_t)prev_field[s], gray);
    if (k == 0)
      b->prev_own = lv;
    else
      b->prev_nb[k - 1] = lv;
    s++;
  }
}

void cpo_symchan_kernel_avx512(cpo_symchan_block_t *b) {
  const int streams = 1 + (b->nb_words[0] != NULL) + (b->nb_words[1] != NULL);
  const uint32_t bps = b->bits_per_symbol, gray = b->gray && bps == 2;
  if (b->symbols_per_word % 16 != 0) {
    cpo_symchan_kernel_generic(b);
    return;
  }
  /* the common cases get their own code; the rest share a general instance */
  if (bps == 2 && gray && streams == 1)
    s_kernel(b, 1, 2, 1);
  else if (bps == 2 && gray && streams == 2)
    s_kernel(b, 2, 2, 1);
  else if (bps == 2 && gray && streams == 3)
    s_kernel(b, 3, 2, 1);
  else if (bps == 2)
    s_kernel(b, streams, 2, 0);
  else
    s_kernel(b, streams, 1, 0);
}
