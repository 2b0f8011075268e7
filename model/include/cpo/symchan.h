/* The symbol engine of the link: one receiver lane's decisions from the symbols sent, for a
 * fixed "eye" (valid over one slow-grid interval). The physics (laser, modulator, fibre,
 * photodiode) is folded into the eye by the link; this layer only does what happens per
 * symbol, in one of two fidelity modes that agree statistically:
 *
 *   I[i] = own[sent[i-1], sent[i]] + xt_left[left[i-1], left[i]] + xt_right[...]   (TX FFE makes
 *          each symbol's light depend on its predecessor; neighbours leak in as crosstalk)
 *   y[i] = sum_k taps[k] I[i-k]                       (bandwidth ISI and RX FFE, CPO_SYMCHAN_TAPS)
 *   decided[i] = slice(y[i] + sigma[sent[i]] n_i)     (n_i standard normal, thresholds ascending)
 *
 * bit-true: every symbol gets its noise sample (cost per symbol);
 * statistical: candidates are drawn at a rate p_max that bounds every symbol's exact error
 * probability p_i; a candidate is kept with probability p_i / p_max (thinning) and its wrong
 * decision drawn from the exact conditional law. That costs p_max x symbols x a candidate's
 * price (~20 to 50 bit-true symbols), so above CPO_SYMCHAN_DENSE_P_MAX (a dark, untrained or
 * badly tuned lane) the statistical mode decides every symbol as bit-true does, with its own
 * noise: its cost per symbol is never above bit-true's, whatever the error rate. A dark lane
 * (no light: every symbol looks the same) costs less, one draw from the slicer's law each. */
#ifndef CPO_SYMCHAN_H
#define CPO_SYMCHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/rng.h"

#define CPO_SYMCHAN_TAPS 5
#define CPO_SYMCHAN_MAX_LEVELS 4
/* The error bound above which the statistical mode decides every symbol. A candidate costs
 * ~20-50 bit-true symbols (value, two erfc, a log and draws against one vectorised kernel
 * step): at 1/128 the sparse pass costs at most ~0.4 of bit-true, so neither side of the
 * switch is dearer than bit-true, on a kernel 2.5 x faster than measured too. A constant,
 * never a timing: the choice must not depend on the machine. */
#define CPO_SYMCHAN_DENSE_P_MAX (1.0 / 128)

typedef struct {
  uint32_t levels;                                                 /* 2 (NRZ) or 4 (PAM4) */
  double own_a[CPO_SYMCHAN_MAX_LEVELS * CPO_SYMCHAN_MAX_LEVELS];   /* [prev * levels + cur] */
  double xt_a[2][CPO_SYMCHAN_MAX_LEVELS * CPO_SYMCHAN_MAX_LEVELS]; /* left, right neighbour */
  uint32_t has_neighbour[2]; /* 0: that neighbour does not exist */
  double taps[CPO_SYMCHAN_TAPS];
  double sigma_a[CPO_SYMCHAN_MAX_LEVELS];         /* noise std per sent level */
  double threshold_a[CPO_SYMCHAN_MAX_LEVELS - 1]; /* ascending */
} cpo_symchan_eye_t;

/** What a lane remembers across calls: the currents of the last TAPS-1 symbols, most recent
 *  first (they were produced under the previous eye, so they are kept, not recomputed). */
typedef struct {
  double hist_a[CPO_SYMCHAN_TAPS - 1];
} cpo_symchan_state_t;

/** One lane's symbols as the datapath carries them: cycle words [cycle * stride], each holding
 *  symbols_per_word fields of bits_per_symbol bits, the first in time in the lowest bits. */
typedef struct {
  const uint64_t *words; /* the word of the call's first cycle */
  uint8_t prev;          /* level of the symbol before the call */
} cpo_symchan_stream_t;

typedef struct {
  cpo_symchan_stream_t own;
  cpo_symchan_stream_t nb[2]; /* left, right neighbour: ignored where the eye has none */
  uint32_t stride;            /* words from one cycle to the next */
  uint32_t symbols_per_word;
  uint32_t bits_per_symbol; /* 1 or 2 */
  uint32_t gray;            /* PAM4 fields are Gray codes 00 01 11 10 for levels 0..3
                               (level = f ^ f >> 1); else natural level numbers */
} cpo_symchan_input_t;

typedef struct {
  uint64_t symbol_errors;
  uint64_t bit_errors; /* differing bits between sent and decided fields */
} cpo_symchan_errors_t;

/** Bit-true mode over @p n symbols (a whole number of words), @p noise holding n standard
 *  normals (single precision: the per-symbol arithmetic is float, see symchan_kernel.h). Writes the
 * decisions, encoded, into @p rx (same layout as the input; bits above the symbols zero) and adds
 * to @p err. Updates the state's history. */
void cpo_symchan_bit_true(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                          const cpo_symchan_input_t *in, uint32_t n, const float *noise,
                          uint64_t *rx, cpo_symchan_errors_t *err);

/** Level of symbol @p i (-1 is the stream's prev) of a stream. */
uint8_t cpo_symchan_level(const cpo_symchan_input_t *in, const cpo_symchan_stream_t *s, int64_t i);

/** Noiseless decision-point value of symbol @p i (0..n-1) of a call; earlier currents come
 *  from the state's history. */
double cpo_symchan_value(const cpo_symchan_eye_t *eye, const cpo_symchan_state_t *st,
                         const cpo_symchan_input_t *in, uint32_t i);

/** Push the currents of a finished call of @p n symbols into the history (bit_true does this
 *  itself; the statistical mode calls it after its sparse pass). */
void cpo_symchan_advance(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                         const cpo_symchan_input_t *in, uint32_t n);

/** cpo_symchan_advance from the levels already read: @p tail[s][j] is the level of symbol
 *  n - 1 - (TAPS - 1) + j of stream s (own, left, right; j = 0 .. TAPS - 1), for a call of
 *  n >= TAPS symbols. Lets a caller read each stream's tail once for all lanes that use it. */
void cpo_symchan_advance_tail(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                              const uint8_t *const tail[3]);

/** An upper bound on every symbol's error probability under @p eye (interval bound over all
 *  patterns of own and neighbour symbols), at most 1. */
double cpo_symchan_error_bound(const cpo_symchan_eye_t *eye);

/** Exact error probability of a symbol sent as @p sent with noiseless value @p y. */
double cpo_symchan_error_prob(const cpo_symchan_eye_t *eye, double y, uint32_t sent);

/** Whether the statistical mode decides every symbol under an eye whose error bound is
 *  @p p_max (above CPO_SYMCHAN_DENSE_P_MAX), rather than drawing sparse candidates. */
bool cpo_symchan_statistical_dense(double p_max);

/**
 * Statistical mode over @p n symbols (a whole number of words), @p p_max the eye's
 * cpo_symchan_error_bound. The caller has already copied the sent words into @p rx; wrong
 * decisions are written over them. Sparse (p_max at most CPO_SYMCHAN_DENSE_P_MAX): @p gap
 * carries the distance (in symbols) from the start of this call to the next candidate across
 * calls; pass UINT64_MAX to draw it afresh (the process is memoryless, so a fresh draw when the
 * eye changes is exact); draws from @p rng's uniform sub-stream only. Dense (above it): every
 * symbol is decided with a normal from @p rng's single-precision sub-stream, as
 * cpo_symchan_bit_true does, or, under an eye that shows no pattern (every current and noise the
 * same whatever was sent: a dark lane), drawn from the slicer's law with one uniform each;
 * @p gap is set to UINT64_MAX. Either way the history is updated:
 * from @p tail (as cpo_symchan_advance_tail takes it) when not NULL and n >= TAPS, else read
 * from the input. Results never depend on how the symbols of one eye are split into calls.
 */
void cpo_symchan_statistical(const cpo_symchan_eye_t *eye, cpo_symchan_state_t *st,
                             const cpo_symchan_input_t *in, uint32_t n, double p_max, uint64_t *gap,
                             cpo_rng_t *rng, const uint8_t *const tail[3], uint64_t *rx,
                             cpo_symchan_errors_t *err);

#endif
