/* The ziggurat's block generator, internal to cpo_model. One portable body (zig_block_body.h)
 * is compiled once per instruction set (generic, AVX2, AVX-512F); all variants produce the
 * same bits (integer operations, exact loads and one exactly-rounded multiply), and
 * cpo_zig_block_select picks the best one the CPU supports. */
#ifndef CPO_ZIG_BLOCK_H
#define CPO_ZIG_BLOCK_H

#include <stdint.h>

/* Interleaved xoshiro256** generators per block: one AVX-512 vector of 64-bit lanes. */
#define CPO_ZIG_WIDTH 8
/* Normals per block: the buffer granularity that makes a stream's sequence split-free. */
#define CPO_ZIG_BLOCK 512

/** Fill out[0..CPO_ZIG_BLOCK) with normals, advancing the block generators and, for the rare
 *  draws outside the inner rectangles, the slow-path generator. */
typedef void (*cpo_zig_block_fn)(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], double *out);

void cpo_zig_block_generic(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], double *out);
#if defined(CPO_ZIG_X86)
void cpo_zig_block_avx2(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], double *out);
void cpo_zig_block_avx512(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], double *out);
#endif

/** The fastest variant this CPU runs. */
cpo_zig_block_fn cpo_zig_block_select(void);

/* Single-precision normals: each 64-bit draw gives two 32-bit candidates (bits 0-7 layer,
 * bit 8 sign, bits 9-31 a 23-bit magnitude), 16 per step of the 8 generators. */
#define CPO_ZIGF_BLOCK 1024

typedef void (*cpo_zigf_block_fn)(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], float *out);

void cpo_zigf_block_generic(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], float *out);
#if defined(CPO_ZIG_X86)
void cpo_zigf_block_avx512(uint64_t zig[4][CPO_ZIG_WIDTH], uint64_t slow[4], float *out);
#endif
cpo_zigf_block_fn cpo_zigf_block_select(void);

/** As cpo_zig_finish for the single-precision candidates: raw[v] holds the 8 draws (16
 *  candidates, candidate 2l + h from the h-th 32-bit half of draw l) of output step v, and
 *  miss[v] the candidates that left the fast path. */
void cpo_zigf_finish(uint64_t slow[4], float *out, const uint64_t (*raw)[CPO_ZIG_WIDTH],
                     const uint16_t *first_index, const uint16_t *miss, uint32_t n_vectors);

/** Finish the candidates the fast path left: for each recorded vector (first output index
 *  first_index[v], raw draws raw[v][]), apply the exact tail or wedge test to every lane that
 *  missed its inner rectangle, restarting from the slow generator on rejection. */
void cpo_zig_finish(uint64_t slow[4], double *out, const uint64_t (*raw)[CPO_ZIG_WIDTH],
                    const uint16_t *first_index, uint32_t n_vectors);

/** xoshiro256** step (Blackman & Vigna 2018). */
static inline uint64_t cpo_xoshiro_next(uint64_t s[4]) {
  const uint64_t x5 = s[1] * 5;
  const uint64_t result = ((x5 << 7) | (x5 >> 57)) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

#endif
