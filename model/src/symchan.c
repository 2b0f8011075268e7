/* Symbol engine of the link; see cpo/symchan.h. */
#include "cpo/symchan.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cpo/ber.h"
#include "symchan_kernel.h"

#define HIST (CPO_SYMCHAN_TAPS - 1)
#define S_DRAW_BLOCKS 4 /* dense statistical mode: kernel blocks of noise drawn at once */

uint8_t cpo_symchan_level(const cpo_symchan_input_t *in, const cpo_symchan_stream_t *s, int64_t i) {
  if (i < 0)
    return s->prev;
  /* calls cover at most 2^32 symbols: 32-bit division is enough and much cheaper */
  const uint32_t u = (uint32_t)i, spw = in->symbols_per_word;
  const uint64_t word = s->words[(size_t)(u / spw) * in->stride];
  const uint32_t shift = (u % spw) * in->bits_per_symbol;
  const uint32_t f = (uint32_t)(word >> shift) & ((1u << in->bits_per_symbol) - 1);
  return (uint8_t)(in->gray ? f ^ (f >> 1) : f);
}

/* Current of symbol m >= 0 (own light plus crosstalk). */
static double s_current(const cpo_symchan_eye_t *eye, const cpo_symchan_input_t *in, int64_t m) {
  const uint32_t levels = eye->levels;
  double i_a = eye->own_a[cpo_symchan_level(in, &in->own, m - 1) * levels +
                          cpo_symchan_level(in, &in->own, m)];
  for (int k = 0; k < 2; k++) {
    if (eye->has_neighbour[k])
      i_a += eye->xt_a[k][cpo_symchan_level(in, &in->nb[k], m - 1) * levels +
                          cpo_symchan_level(in, &in->nb[k], m)];
  }
  return i_a;
}

/* Levels of symbols i - HIST - 1 .. i of a stream into lv[0 .. HIST + 1] (symbol -1 is the
 * stream's prev; earlier ones are never read): one division, then a walk back through the
 * fields. */
static void s_window(const cpo_symchan_input_t *in, const cpo_symchan_stream_t *s, uint32_t i,
                     uint8_t *lv) {
  const uint32_t spw = in->symbols_per_word, bps = in->bits_per_symbol;
  const uint32_t mask = (1u << bps) - 1;
  uint32_t w = i / spw, o = i % spw;
  uint64_t word = s->words[(size_t)w * in->stride];
  for (int j = HIST + 1; j >= 0; j--) {
    const int64_t m = (int64_t)i - (HIST + 1 - j);
    if (m < 0) {
      lv[j] = s->prev;
      break;
    }
    const uint32_t f = (uint32_t)(word >> (o * bps)) & mask;
    lv[j] = (uint8_t)(in->gray ? f ^ (f >> 1) : f);
    if (o == 0 && w > 0) {
      o = spw;
      word = s->words[(size_t)--w * in->stride];
    }
    o--;
  }
}

double cpo_symchan_value(const cpo_symchan_eye_t *eye, const cpo_symchan_state_t *st,
                         const cpo_symchan_input_t *in, uint32_t i) {
  const uint32_t levels = eye->levels;
  uint8_t lv[3][HIST + 2];
  s_window(in, &in->own, i, lv[0]);
  for (int k = 0; k < 2; k++)
    if (eye->has_neighbour[k])
      s_window(in, &in->nb[k], i, lv[1 + k]);
  double y = 0.0;
  for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
    const int64_t m = (int64_t)i - k;
    if (m < 0) {
      y += eye->taps[k] * st->hist_a[-m - 1];
      continue;
    }
    /* symbol m's current: own light, then left and right crosstalk */
    const int j = HIST + 1 - k;
    double i_a = eye->own_a[lv[0][j - 1] * levels + lv[0][j]];
    for (int s = 0; s < 2; s++)
      if (eye->has_neighbour[s])
        i_a += eye->xt_a[s][lv[1 + s][j - 1] * levels + lv[1 + s][j]];
    y += eye->taps[k] * i_a;
  }
  return y;
}

void cpo_symchan_advance_tail(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                              const uint8_t *const tail[3]) {
  const uint32_t levels = eye->levels;
  const int used[3] = {1, (int)eye->has_neighbour[0], (int)eye->has_neighbour[1]};
  const double *tabs[3] = {eye->own_a, eye->xt_a[0], eye->xt_a[1]};
  double next[HIST] = {0.0};
  for (int s = 0; s < 3; s++) {
    if (!used[s])
      continue;
    for (int k = 0; k < HIST; k++) /* symbol n-1-k: tail index HIST-k, its predecessor below */
      next[k] += tabs[s][tail[s][HIST - k - 1] * levels + tail[s][HIST - k]];
  }
  memcpy(st->hist_a, next, sizeof next);
}

void cpo_symchan_advance(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                         const cpo_symchan_input_t *in, uint32_t n) {
  if (n > HIST) {
    /* levels of the last HIST + 1 symbols of each stream, read once */
    uint8_t lv[3][HIST + 1] = {{0}};
    const cpo_symchan_stream_t *streams[3] = {&in->own, &in->nb[0], &in->nb[1]};
    const int used[3] = {1, (int)eye->has_neighbour[0], (int)eye->has_neighbour[1]};
    for (int s = 0; s < 3; s++)
      for (int j = 0; used[s] && j <= HIST; j++)
        lv[s][j] = cpo_symchan_level(in, streams[s], (int64_t)n - 1 - HIST + j);
    const uint8_t *const tail[3] = {lv[0], lv[1], lv[2]};
    cpo_symchan_advance_tail(eye, st, tail);
    return;
  }
  double next[HIST];
  for (int k = 0; k < HIST; k++) {
    const int64_t m = (int64_t)n - 1 - k;
    next[k] = m >= 0 ? s_current(eye, in, m) : st->hist_a[-m - 1];
  }
  memcpy(st->hist_a, next, sizeof next);
}

/* Every symbol decided with its noise sample, block by block: from @p noise, or (NULL) drawn
 * from @p rng's single-precision normals one block at a time. */
static void s_decide_all(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                         const cpo_symchan_input_t *in, uint32_t n, const float *noise,
                         cpo_rng_t *rng, uint64_t *rx, cpo_symchan_errors_t *err) {
  const uint32_t spw = in->symbols_per_word;
  assert(n % spw == 0);
  const uint32_t block = (CPO_SYMCHAN_BLOCK / spw) * spw;
  /* drawn noise: several blocks' at a time, as bit-true's caller draws them */
  float drawn[S_DRAW_BLOCKS * CPO_SYMCHAN_BLOCK];
  cpo_symchan_kernel_fn kernel = cpo_symchan_kernel_select();
  cpo_symchan_block_t b = {
      .eye = eye,
      .symbols_per_word = spw,
      .bits_per_symbol = in->bits_per_symbol,
      .gray = in->gray,
      .stride = in->stride,
      .prev_own = in->own.prev,
      .prev_nb = {in->nb[0].prev, in->nb[1].prev},
  };
  memcpy(b.hist_a, st->hist_a, sizeof b.hist_a);
  for (uint32_t base = 0; base < n; base += block) {
    const size_t w0 = (size_t)(base / spw) * in->stride;
    b.m = n - base < block ? n - base : block;
    b.own_words = in->own.words + w0;
    for (int k = 0; k < 2; k++)
      b.nb_words[k] = eye->has_neighbour[k] ? in->nb[k].words + w0 : NULL;
    if (noise) {
      b.noise = noise + base;
    } else {
      const uint32_t at = (base / block) % S_DRAW_BLOCKS;
      if (at == 0) {
        const uint32_t left = n - base, ahead = S_DRAW_BLOCKS * block;
        cpo_rng_fill_normal_f32(rng, drawn, left < ahead ? left : ahead);
      }
      b.noise = drawn + (size_t)at * block;
    }
    b.rx = rx + w0;
    kernel(&b);
  }
  memcpy(st->hist_a, b.hist_a, sizeof b.hist_a);
  err->bit_errors += b.bit_errors;
  err->symbol_errors += b.symbol_errors;
}

void cpo_symchan_bit_true(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                          const cpo_symchan_input_t *in, uint32_t n, const float *noise,
                          uint64_t *rx, cpo_symchan_errors_t *err) {
  assert(eye && st && in && noise && rx && err);
  s_decide_all(eye, st, in, n, noise, NULL, rx, err);
}

double cpo_symchan_error_prob(const cpo_symchan_eye_t *eye, double y, uint32_t sent) {
  return cpo_slicer_error_prob(y, eye->sigma_a[sent], eye->threshold_a, eye->levels, sent);
}

/* min and max over a table's entries. */
static void s_range(const double *tab, uint32_t levels, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (uint32_t k = 0; k < levels * levels; k++) {
    *lo = tab[k] < *lo ? tab[k] : *lo;
    *hi = tab[k] > *hi ? tab[k] : *hi;
  }
}

/* Whether erfc(x) <= erfc(y) as libm computes them, from the arguments alone: x beyond y by a
 * margin (1e-9 absolute plus 1e-10 relative) that moves the true erfc by at least 1e-9 of itself
 * wherever it is normal (y >= 0 and x <= 26), a million times glibc's worst error (5 ulp,
 * "Known Maximum Errors in Math Functions"), so rounding cannot reverse the order. */
static bool s_erfc_below(double x, double y) {
  return y >= 0.0 && x <= 26.0 && x >= y + 1e-9 + 1e-10 * y;
}

double cpo_symchan_error_bound(const cpo_symchan_eye_t *eye) {
  const uint32_t levels = eye->levels;
  /* the tables' ranges, read once: own light over every pair, over pairs ending in each level,
   * and each neighbour's crosstalk */
  double own_lo = INFINITY, own_hi = -INFINITY;
  double cur_lo[CPO_SYMCHAN_MAX_LEVELS], cur_hi[CPO_SYMCHAN_MAX_LEVELS];
  double xt_lo[2] = {0.0, 0.0}, xt_hi[2] = {0.0, 0.0};
  for (uint32_t c = 0; c < levels; c++) {
    cur_lo[c] = INFINITY;
    cur_hi[c] = -INFINITY;
    for (uint32_t p = 0; p < levels; p++) {
      const double v = eye->own_a[p * levels + c];
      cur_lo[c] = v < cur_lo[c] ? v : cur_lo[c];
      cur_hi[c] = v > cur_hi[c] ? v : cur_hi[c];
    }
    own_lo = cur_lo[c] < own_lo ? cur_lo[c] : own_lo;
    own_hi = cur_hi[c] > own_hi ? cur_hi[c] : own_hi;
  }
  for (int nbi = 0; nbi < 2; nbi++)
    if (eye->has_neighbour[nbi])
      s_range(eye->xt_a[nbi], levels, &xt_lo[nbi], &xt_hi[nbi]);
  /* each level's tails: erfc of arg[s][0] (below its interval) and arg[s][1] (above), where
   * it has that neighbour level (has[s][t]) */
  double arg[CPO_SYMCHAN_MAX_LEVELS][2];
  bool has[CPO_SYMCHAN_MAX_LEVELS][2];
  double bound = 0.0;
  bool any = false;
  for (uint32_t s = 0; s < levels; s++) {
    /* interval of y over every pattern with s sent now (a superset: shared symbols between
     * taps are treated as independent, which only loosens the bound) */
    double y_lo = 0.0, y_hi = 0.0;
    for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
      double lo = k == 0 ? cur_lo[s] : own_lo, hi = k == 0 ? cur_hi[s] : own_hi;
      for (int nbi = 0; nbi < 2; nbi++) {
        if (!eye->has_neighbour[nbi])
          continue;
        lo += xt_lo[nbi];
        hi += xt_hi[nbi];
      }
      const double g = eye->taps[k];
      y_lo += g >= 0 ? g * lo : g * hi;
      y_hi += g >= 0 ? g * hi : g * lo;
    }
    /* each tail is monotone in y: its worst case is at one end of the interval */
    const double sigma = eye->sigma_a[s];
    has[s][0] = s > 0;
    has[s][1] = s + 1 < levels;
    if (!(sigma > 0.0)) {
      const double p = (has[s][0] && y_lo <= eye->threshold_a[s - 1]) ||
                               (has[s][1] && y_hi > eye->threshold_a[s])
                           ? 1.0
                           : 0.0;
      bound = p > bound ? p : bound;
      has[s][0] = has[s][1] = false; /* settled: no tails to compare */
      continue;
    }
    any = true;
    if (has[s][0])
      arg[s][0] = (y_lo - eye->threshold_a[s - 1]) / (sigma * sqrt(2.0));
    if (has[s][1])
      arg[s][1] = (eye->threshold_a[s] - y_hi) / (sigma * sqrt(2.0));
  }
  if (!any)
    return bound < 1.0 ? bound : 1.0;
  /* the bound is the largest level's tail sum; a level whose every tail provably falls below
   * a distinct tail of a level already summed cannot be it (the sums are of non-negative terms,
   * rounded monotonically), so its erfc calls are skipped: the same value, from 3 of the 6
   * calls on the default engine's eyes at low error rates. The level with the smallest argument
   * goes first. */
  uint32_t order[CPO_SYMCHAN_MAX_LEVELS], n_order = 0;
  double least[CPO_SYMCHAN_MAX_LEVELS];
  for (uint32_t s = 0; s < levels; s++) {
    if (!has[s][0] && !has[s][1])
      continue;
    least[s] = INFINITY;
    for (int t = 0; t < 2; t++)
      if (has[s][t] && arg[s][t] < least[s])
        least[s] = arg[s][t];
    uint32_t at = n_order++;
    for (; at > 0 && least[order[at - 1]] > least[s]; at--)
      order[at] = order[at - 1];
    order[at] = s;
  }
  uint32_t done[CPO_SYMCHAN_MAX_LEVELS], n_done = 0;
  for (uint32_t o = 0; o < n_order; o++) {
    const uint32_t s = order[o];
    bool dominated = false;
    for (uint32_t d = 0; d < n_done && !dominated; d++) {
      const uint32_t j = done[d];
      /* pair s's tails with distinct tails of j: either straight or crossed */
      for (int cross = 0; cross < 2 && !dominated; cross++) {
        bool ok = true;
        for (int t = 0; t < 2 && ok; t++) {
          if (!has[s][t])
            continue;
          const int u = cross ? 1 - t : t;
          ok = has[j][u] && s_erfc_below(arg[s][t], arg[j][u]);
        }
        dominated = ok;
      }
    }
    if (dominated)
      continue;
    double p = 0.0;
    if (has[s][0])
      p += 0.5 * erfc(arg[s][0]);
    if (has[s][1])
      p += 0.5 * erfc(arg[s][1]);
    bound = p > bound ? p : bound;
    done[n_done++] = s;
  }
  return bound < 1.0 ? bound : 1.0;
}

/* Symbols skipped before the next candidate: geometric with success probability p. *log_q
 * caches log(1 - p) for the call (0 until first needed: most calls draw no gap at low BER). */
static uint64_t s_gap(cpo_rng_t *rng, double p, double *log_q) {
  if (p >= 1.0)
    return 0;
  if (*log_q == 0.0)
    *log_q = log1p(-p);
  const double g = floor(log(cpo_rng_uniform_open(rng)) / *log_q);
  return g < 9.0e18 ? (uint64_t)g : UINT64_MAX - 1;
}

/* Whether every symbol's noiseless value and noise are the same whatever was sent (a dark
 * lane: no light, so no pattern to see). */
static bool s_flat(const cpo_symchan_eye_t *eye) {
  const uint32_t pairs = eye->levels * eye->levels;
  for (uint32_t k = 1; k < pairs; k++) {
    if (eye->own_a[k] != eye->own_a[0])
      return false;
    for (int s = 0; s < 2; s++)
      if (eye->has_neighbour[s] && eye->xt_a[s][k] != eye->xt_a[s][0])
        return false;
  }
  for (uint32_t s = 1; s < eye->levels; s++)
    if (eye->sigma_a[s] != eye->sigma_a[0])
      return false;
  return true;
}

/* Upper ends of the decision law's cells for value y: d is decided when u in [cum[d-1], cum[d]). */
static void s_law(const cpo_symchan_eye_t *eye, double y, double *cum) {
  double prob[CPO_SYMCHAN_MAX_LEVELS];
  cpo_slicer_probs(y, eye->sigma_a[0], eye->threshold_a, eye->levels, prob);
  double acc = 0.0;
  for (uint32_t d = 0; d + 1 < eye->levels; d++)
    cum[d] = acc += prob[d];
  for (uint32_t d = eye->levels - 1; d < CPO_SYMCHAN_MAX_LEVELS; d++)
    cum[d] = INFINITY;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(CPO_NO_CLONES)
#define S_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define S_CLONES
#endif

/* Each uniform's decided level under the law @p cum (the cells it passes), as its field
 * (Gray where @p gray_mask is all ones): vectorised where the CPU has AVX2 (the baseline has no
 * 64-bit compares). */
S_CLONES static void s_cells(const double *u, const double *cum, uint64_t gray_mask, uint32_t m,
                             uint64_t *field) {
  const double c0 = cum[0], c1 = cum[1], c2 = cum[2];
  for (uint32_t j = 0; j < m; j++) {
    const uint64_t d = (uint64_t)(u[j] >= c0) + (uint64_t)(u[j] >= c1) + (uint64_t)(u[j] >= c2);
    field[j] = d ^ ((d >> 1) & gray_mask);
  }
}

/* A word of @p spw fields of @p bps bits, the first in the lowest bits. */
S_CLONES static uint64_t s_pack(const uint64_t *field, uint32_t spw, uint32_t bps) {
  uint64_t word = 0;
  for (uint32_t k = 0; k < spw; k++)
    word |= field[k] << (k * bps);
  return word;
}

/* A flat eye's decisions: independent of what was sent, each drawn from the slicer's law at
 * the one noiseless value (the call's first symbols from the history's, which may still hold
 * another eye's currents), one uniform per symbol, so calls can split anywhere. */
static void s_decide_flat(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                          const cpo_symchan_input_t *in, uint32_t n, cpo_rng_t *rng, uint64_t *rx,
                          cpo_symchan_errors_t *err) {
  const uint32_t spw = in->symbols_per_word, bps = in->bits_per_symbol;
  assert(n % spw == 0);
  double i_a = eye->own_a[0]; /* every symbol's current, summed as cpo_symchan_value does */
  for (int s = 0; s < 2; s++)
    if (eye->has_neighbour[s])
      i_a += eye->xt_a[s][0];
  double head[HIST][CPO_SYMCHAN_MAX_LEVELS], steady[CPO_SYMCHAN_MAX_LEVELS];
  for (uint32_t i = 0; i <= HIST; i++) {
    double y = 0.0;
    for (int k = 0; k < CPO_SYMCHAN_TAPS; k++) {
      const int64_t m = (int64_t)i - k;
      y += eye->taps[k] * (m >= 0 ? i_a : st->hist_a[-m - 1]);
    }
    s_law(eye, y, i < HIST ? head[i] : steady);
  }
  const uint64_t gray_mask = in->gray && bps == 2 ? ~UINT64_C(0) : 0;
  const uint64_t word_mask = spw * bps >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (spw * bps)) - 1;
  const uint32_t block = (CPO_SYMCHAN_BLOCK / spw) * spw;
  double u[CPO_SYMCHAN_BLOCK];
  uint64_t field[CPO_SYMCHAN_BLOCK];
  for (uint32_t base = 0; base < n; base += block) {
    const uint32_t m = n - base < block ? n - base : block;
    cpo_rng_fill_uniform(rng, u, m);
    s_cells(u, steady, gray_mask, m, field);
    for (uint32_t j = 0; base == 0 && j < HIST && j < m; j++)
      s_cells(u + j, head[j], gray_mask, 1, field + j);
    for (uint32_t w = 0; w < m / spw; w++) {
      const uint64_t word = s_pack(field + (size_t)w * spw, spw, bps);
      const size_t at = (size_t)(base / spw + w) * in->stride;
      rx[at] = word;
      cpo_symchan_count((word ^ in->own.words[at]) & word_mask, bps, &err->bit_errors,
                        &err->symbol_errors);
    }
  }
  double next[HIST];
  for (uint32_t k = 0; k < HIST; k++)
    next[k] = k < n ? i_a : st->hist_a[k - n];
  memcpy(st->hist_a, next, sizeof next);
}

bool cpo_symchan_statistical_dense(double p_max) {
  return p_max > CPO_SYMCHAN_DENSE_P_MAX;
}

/* Half the Mills-ratio bound on erfc: 0.5 erfc(x) < 0.5 exp(-x^2) / (x sqrt(pi)) for x > 0, tight
 * in the tails (4 % over at x = 3.5) at one exp instead of erfc's two; 1 (no information) below
 * x = 1 or for NaN. */
static double s_tail_bound(double x) {
  if (!(x >= 1.0))
    return 1.0;
  return 0.5 * exp(-x * x) / (x * 1.7724538509055160273); /* sqrt(pi) */
}

/* A bound at least the error probability cpo_symchan_error_prob computes for the same symbol
 * (its tail arguments, the same expressions): the tails' Mills bounds, widened by 1e-9 of
 * themselves (libm's erfc and exp err by a few ulp, 1e-15) and 1e-300 (their subnormal
 * results). A candidate whose thinning draw lies above it is rejected without erfc. */
static double s_error_prob_bound(const cpo_symchan_eye_t *eye, double y, uint32_t sent) {
  const double sigma = eye->sigma_a[sent];
  if (!(sigma > 0.0))
    return 1.0;
  double b = 0.0;
  if (sent > 0) {
    b += s_tail_bound((y - eye->threshold_a[sent - 1]) / (sigma * sqrt(2.0)));
    if (b >= 1.0)
      return 1.0;
  }
  if (sent + 1 < eye->levels)
    b += s_tail_bound((eye->threshold_a[sent] - y) / (sigma * sqrt(2.0)));
  return b >= 1.0 ? 1.0 : b * (1.0 + 1e-9) + 1e-300;
}

/* The sparse pass: candidates at rate p_max, thinned to each symbol's exact error
 * probability, written over the sent words already in rx. */
static void s_sparse(const cpo_symchan_eye_t *eye, const cpo_symchan_state_t *st,
                     const cpo_symchan_input_t *in, uint32_t n, double p_max, uint64_t *gap,
                     cpo_rng_t *rng, uint64_t *rx, cpo_symchan_errors_t *err) {
  if (!(p_max > 0.0)) {
    *gap = UINT64_MAX; /* nothing can go wrong under this eye; redraw when it changes */
    return;
  }
  const uint32_t spw = in->symbols_per_word, bps = in->bits_per_symbol;
  const uint32_t levels = eye->levels;
  double log_q = 0.0;
  uint64_t pos = *gap == UINT64_MAX ? s_gap(rng, p_max, &log_q) : *gap;
  while (pos < n) {
    const uint32_t i = (uint32_t)pos;
    const uint8_t sent = cpo_symchan_level(in, &in->own, i);
    const double y = cpo_symchan_value(eye, st, in, i);
    const double draw = cpo_rng_uniform(rng) * p_max;
    /* kept with probability p / p_max: most candidates fall above a cheap bound on p */
    if (draw < s_error_prob_bound(eye, y, sent) && draw < cpo_symchan_error_prob(eye, y, sent)) {
      /* which wrong level: the exact conditional law given an error */
      double prob[CPO_SYMCHAN_MAX_LEVELS];
      cpo_slicer_probs(y, eye->sigma_a[sent], eye->threshold_a, levels, prob);
      prob[sent] = 0.0;
      double total = 0.0;
      for (uint32_t d = 0; d < levels; d++)
        total += prob[d];
      double u = cpo_rng_uniform(rng) * total;
      uint32_t d = sent == 0 ? 1 : 0;
      for (uint32_t k = 0; k < levels; k++) {
        if (prob[k] <= 0.0)
          continue;
        d = k;
        if (u < prob[k])
          break;
        u -= prob[k];
      }
      const size_t at = (size_t)(i / spw) * in->stride;
      const uint32_t shift = (i % spw) * bps;
      const uint64_t field_mask = ((UINT64_C(1) << bps) - 1) << shift;
      const uint64_t old = rx[at];
      const uint64_t field = in->gray ? d ^ (d >> 1) : d;
      rx[at] = (old & ~field_mask) | (field << shift);
      err->symbol_errors++;
      err->bit_errors += cpo_popcount64((old ^ rx[at]) & field_mask);
    }
    const uint64_t g = s_gap(rng, p_max, &log_q);
    pos = g >= UINT64_MAX - 2 - pos ? UINT64_MAX - 1 : pos + 1 + g;
  }
  *gap = pos - n;
}

void cpo_symchan_statistical(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                             const cpo_symchan_input_t *in, uint32_t n, double p_max, uint64_t *gap,
                             cpo_rng_t *rng, const uint8_t *const tail[3], uint64_t *rx,
                             cpo_symchan_errors_t *err) {
  assert(eye && st && in && gap && rng && rx && err);
  if (cpo_symchan_statistical_dense(p_max)) {
    /* errors are too many for the sparse pass to be cheaper than deciding every symbol */
    *gap = UINT64_MAX;
    if (s_flat(eye))
      s_decide_flat(eye, st, in, n, rng, rx, err);
    else
      s_decide_all(eye, st, in, n, NULL, rng, rx, err);
    return;
  }
  s_sparse(eye, st, in, n, p_max, gap, rng, rx, err);
  if (tail && n > HIST)
    cpo_symchan_advance_tail(eye, st, tail);
  else
    cpo_symchan_advance(eye, st, in, n);
}
