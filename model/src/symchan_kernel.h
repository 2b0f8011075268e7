/* The bit-true symbol kernel of cpo_symchan, internal to cpo_model: one block of symbols of one
 * lane from packed words to packed decisions. The per-symbol arithmetic is single precision
 * (the eye's tables, taps, noise scales and thresholds are rounded to float once per block; a
 * photocurrent of ~1e-4 A then carries ~1e-11 A of rounding, a millionth of the noise). A
 * portable variant (vectorised by the compiler) and an AVX-512F variant (permute-based table
 * lookups, 16 symbols per step) give the same bits: both do the same exactly-rounded float
 * additions and multiplications in the same order. */
#ifndef CPO_SYMCHAN_KERNEL_H
#define CPO_SYMCHAN_KERNEL_H

#include <stdint.h>

#include "cpo/symchan.h"

/* Symbols per block: the kernel's working set stays in L1. */
#define CPO_SYMCHAN_BLOCK 1024

typedef struct {
  const cpo_symchan_eye_t *eye;
  uint32_t m; /* symbols in this block, a whole number of words */
  uint32_t symbols_per_word, bits_per_symbol, gray, stride;
  const uint64_t *own_words;   /* sent words of the block (stride apart) */
  const uint64_t *nb_words[2]; /* neighbours' words, NULL where the eye has none */
  const float *noise;          /* m standard normals */
  uint64_t *rx;                /* decisions, same layout */
  /* carried from block to block */
  int32_t prev_own, prev_nb[2];
  double hist_a[CPO_SYMCHAN_TAPS - 1]; /* currents of the last symbols, most recent first */
  uint64_t bit_errors, symbol_errors;  /* accumulated */
} cpo_symchan_block_t;

typedef void (*cpo_symchan_kernel_fn)(cpo_symchan_block_t *b);

void cpo_symchan_kernel_generic(cpo_symchan_block_t *b);
#if defined(CPO_ZIG_X86)
void cpo_symchan_kernel_avx512(cpo_symchan_block_t *b);
#endif
/** The fastest variant this CPU runs. */
cpo_symchan_kernel_fn cpo_symchan_kernel_select(void);

/** Branch-free population count (the baseline x86-64 target has no popcnt instruction). */
static inline uint64_t cpo_popcount64(uint64_t x) {
  x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
  x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
  x = (x + (x >> 4)) & UINT64_C(0x0F0F0F0F0F0F0F0F);
  return (x * UINT64_C(0x0101010101010101)) >> 56;
}

/** Errors between a decided and a sent word (@p diff = their XOR, masked to the fields). */
static inline void cpo_symchan_count(uint64_t diff, uint32_t bits_per_symbol, uint64_t *bits,
                                     uint64_t *symbols) {
  *bits += cpo_popcount64(diff);
  *symbols += cpo_popcount64(
      bits_per_symbol == 2 ? (diff | (diff >> 1)) & UINT64_C(0x5555555555555555) : diff);
}

#endif
