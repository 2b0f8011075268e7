/* AVX-512F bit-true symbol kernel (this file is compiled with -mavx512f); see symchan_kernel.h.
 * Levels live as 64-bit lanes; the 16-entry current tables and the 4-entry noise table sit in
 * registers and are looked up with permutes instead of gathers; the FIR's earlier currents
 * come from lane rotations of the previous vector. Words whose symbol count is not a multiple
 * of 8 go to the portable kernel. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "symchan_kernel.h"

#define HIST (CPO_SYMCHAN_TAPS - 1)

/* One symbol stream of the block. Each symbol's current depends on (previous, current) field:
 * the 2 x bits_per_symbol window of the packed stream that ends with the symbol, which a
 * variable shift extracts directly; the table is re-indexed by that window (fields, not
 * levels), so Gray decoding costs nothing per symbol. */
typedef struct {
  const uint64_t *words;
  uint64_t prev_field; /* the field before the current word */
  __m512d lo, hi;      /* current per window, 16 entries in two registers */
} s_stream_t;

static inline uint32_t s_level(uint32_t field, uint32_t gray) {
  return gray ? field ^ (field >> 1) : field;
}

static inline uint32_t s_field(uint32_t level, uint32_t gray) {
  return gray ? level ^ (level >> 1) : level;
}

/* Window values of the 8 symbols of group j of the current word. */
static inline __m512i s_windows(__m512i word_v, __m512i first_v, uint32_t j, __m512i shift,
                                __m512i window_mask) {
  const __m512i src = j == 0 ? first_v : word_v;
  return _mm512_and_si512(_mm512_srlv_epi64(src, shift), window_mask);
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

static inline __m512d s_shifted(__m512d now, __m512d before, int k) {
  /* the sequence delayed by k symbols: before's last k lanes, then now's first 8 - k */
  const __m512i n = _mm512_castpd_si512(now), b = _mm512_castpd_si512(before);
  switch (k) {
  case 1:
    return _mm512_castsi512_pd(_mm512_alignr_epi64(n, b, 7));
  case 2:
    return _mm512_castsi512_pd(_mm512_alignr_epi64(n, b, 6));
  case 3:
    return _mm512_castsi512_pd(_mm512_alignr_epi64(n, b, 5));
  default:
    return _mm512_castsi512_pd(_mm512_alignr_epi64(n, b, 4));
  }
}

/* Everything in registers, one vector of 8 symbols at a time: windows, currents (own plus
 * crosstalk), FIR, noise, slicer, Gray encoding and packing. */
void cpo_symchan_kernel_avx512(cpo_symchan_block_t *b) {
  const uint32_t m = b->m, spw = b->symbols_per_word, bps = b->bits_per_symbol;
  if (spw % 8 != 0) {
    cpo_symchan_kernel_generic(b);
    return;
  }
  const cpo_symchan_eye_t *eye = b->eye;
  const uint32_t levels = eye->levels, gray = b->gray && bps == 2;
  const uint32_t field_mask = (1u << bps) - 1;
  /* tables by window w = prev_field | cur_field << bps */
  double table[3][16], sigma[16];
  memset(table, 0, sizeof table);
  memset(sigma, 0, sizeof sigma);
  const double *src_tab[3] = {eye->own_a, eye->xt_a[0], eye->xt_a[1]};
  s_stream_t st[3];
  int n_streams = 0;
  const uint64_t *stream_words[3] = {b->own_words, b->nb_words[0], b->nb_words[1]};
  const int32_t stream_prev[3] = {b->prev_own, b->prev_nb[0], b->prev_nb[1]};
  for (int k = 0; k < 3; k++) {
    if (!stream_words[k])
      continue;
    for (uint32_t pf = 0; pf < levels; pf++)
      for (uint32_t cf = 0; cf < levels; cf++)
        table[n_streams][pf | cf << bps] =
            src_tab[k][s_level(pf, gray) * levels + s_level(cf, gray)];
    st[n_streams].words = stream_words[k];
    st[n_streams].prev_field = s_field((uint32_t)stream_prev[k], gray);
    st[n_streams].lo = _mm512_loadu_pd(table[n_streams]);
    st[n_streams].hi = _mm512_loadu_pd(table[n_streams] + 8);
    n_streams++;
  }
  for (uint32_t pf = 0; pf < levels; pf++)
    for (uint32_t cf = 0; cf < levels; cf++)
      sigma[pf | cf << bps] = eye->sigma_a[s_level(cf, gray)];
  const __m512d sig_lo = _mm512_loadu_pd(sigma), sig_hi = _mm512_loadu_pd(sigma + 8);
  /* the currents before the block, in lanes 4..7 (c[-4] .. c[-1]) */
  __m512d c_prev =
      _mm512_set_pd(b->hist_a[0], b->hist_a[1], b->hist_a[2], b->hist_a[3], 0, 0, 0, 0);
  const __m512d g0 = _mm512_set1_pd(eye->taps[0]), g1 = _mm512_set1_pd(eye->taps[1]),
                g2 = _mm512_set1_pd(eye->taps[2]), g3 = _mm512_set1_pd(eye->taps[3]),
                g4 = _mm512_set1_pd(eye->taps[4]);
  const __m512d t0 = _mm512_set1_pd(eye->threshold_a[0]);
  const __m512d t1 = _mm512_set1_pd(levels > 2 ? eye->threshold_a[1] : INFINITY);
  const __m512d t2 = _mm512_set1_pd(levels > 2 ? eye->threshold_a[2] : INFINITY);
  const __m512i window_mask = _mm512_set1_epi64((1 << (2 * bps)) - 1);
  /* lane k of group j holds symbol 8j + k; its window starts bps bits before its field, except
   * symbol 0, whose window is built from the previous word's last field */
  const __m512i win_shift0 =
      _mm512_set_epi64(6 * bps, 5 * bps, 4 * bps, 3 * bps, 2 * bps, 1 * bps, 0, 0);
  const uint64_t word_mask = spw * bps >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (spw * bps)) - 1;
  const uint32_t top_shift = (spw - 1) * bps;
  const double *noise = b->noise;
  for (uint32_t w = 0; w < m / spw; w++) {
    const size_t at = (size_t)w * b->stride;
    __m512i word_v[3], first_v[3];
    for (int k = 0; k < n_streams; k++) {
      const uint64_t word = st[k].words[at];
      word_v[k] = _mm512_set1_epi64((long long)word);
      /* lane 0 of group 0 reads (word << bps | prev_field) from bit 0; the others the word */
      first_v[k] =
          _mm512_mask_set1_epi64(word_v[k], 0x01, (long long)((word << bps) | st[k].prev_field));
      st[k].prev_field = (word >> top_shift) & field_mask;
    }
    uint64_t lo_bits = 0, hi_bits = 0; /* bit k: symbol k's low / high decision bit */
    for (uint32_t j = 0; j < spw; j += 8) {
      const __m512i jshift = _mm512_set1_epi64(j * bps);
      const __m512i shift = j == 0 ? win_shift0 : _mm512_add_epi64(win_shift0, jshift);
      /* for j > 0 lane 0 is an ordinary symbol: its window starts bps bits before it */
      const __m512i shift_fixed =
          j == 0 ? shift : _mm512_mask_set1_epi64(shift, 0x01, (long long)(j * bps - bps));
      const __m512i win = s_windows(word_v[0], first_v[0], j, shift_fixed, window_mask);
      __m512d c = _mm512_permutex2var_pd(st[0].lo, win, st[0].hi);
      for (int k = 1; k < n_streams; k++)
        c = _mm512_add_pd(c, _mm512_permutex2var_pd(
                                 st[k].lo, s_windows(word_v[k], first_v[k], j, shift_fixed,
                                                     window_mask),
                                 st[k].hi));
      /* same operations, same order as the portable kernel */
      __m512d y = _mm512_mul_pd(g0, c);
      y = _mm512_add_pd(y, _mm512_mul_pd(g1, s_shifted(c, c_prev, 1)));
      y = _mm512_add_pd(y, _mm512_mul_pd(g2, s_shifted(c, c_prev, 2)));
      y = _mm512_add_pd(y, _mm512_mul_pd(g3, s_shifted(c, c_prev, 3)));
      y = _mm512_add_pd(y, _mm512_mul_pd(g4, s_shifted(c, c_prev, 4)));
      const __m512d s = _mm512_permutex2var_pd(sig_lo, win, sig_hi);
      y = _mm512_add_pd(y, _mm512_mul_pd(s, _mm512_loadu_pd(noise)));
      noise += 8;
      c_prev = c;
      /* decision bits straight from the compare masks. The level is the count of thresholds
       * exceeded (as in the portable kernel, whatever the threshold order): its high bit is the
       * majority of the three, its low bit their parity; Gray 00 01 11 10 has low bit set for
       * counts 1 and 2 */
      const uint32_t k0 = _mm512_cmp_pd_mask(y, t0, _CMP_GT_OQ);
      const uint32_t k1 = _mm512_cmp_pd_mask(y, t1, _CMP_GT_OQ);
      const uint32_t k2 = _mm512_cmp_pd_mask(y, t2, _CMP_GT_OQ);
      const uint32_t high = (k0 & k1) | (k0 & k2) | (k1 & k2);
      lo_bits |= (uint64_t)(gray ? (k0 | k1 | k2) & ~(k0 & k1 & k2) : k0 ^ k1 ^ k2) << j;
      hi_bits |= (uint64_t)high << j;
    }
    const uint64_t word = bps == 2 ? s_interleave(lo_bits) | s_interleave(hi_bits) << 1 : lo_bits;
    b->rx[at] = word;
    cpo_symchan_count((word ^ b->own_words[at]) & word_mask, bps, &b->bit_errors,
                      &b->symbol_errors);
  }
  double last[8];
  _mm512_storeu_pd(last, c_prev);
  for (int k = 0; k < HIST; k++)
    b->hist_a[k] = last[7 - k];
  for (int k = 0, s = 0; k < 3; k++) {
    if (!stream_words[k])
      continue;
    const int32_t lv = (int32_t)s_level((uint32_t)st[s].prev_field, gray);
    if (k == 0)
      b->prev_own = lv;
    else
      b->prev_nb[k - 1] = lv;
    s++;
  }
}
