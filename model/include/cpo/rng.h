/* Seeded random streams for the models: xoshiro256** (Blackman & Vigna, 2018) seeded through
 * splitmix64 from (seed, stream id), so each lane owns an independent, reproducible stream.
 *
 * Normals come from a 256-layer ziggurat (Marsaglia & Tsang, J. Stat. Softw. 5(8), 2000, in
 * Doornik's 2005 formulation) whose common path is branch-free and runs over eight interleaved
 * xoshiro states so the compiler can vectorise it. Normals are produced in fixed blocks and
 * served from a buffer: the sequence a stream yields never depends on how the draws are split
 * into calls (fill(a) then fill(b) gives the same numbers as fill(a + b)).
 *
 * A stream has four independent sub-streams, all derived from (seed, stream id):
 *   - the scalar sub-stream (cpo_rng_u64, cpo_rng_uniform, cpo_rng_fill_uniform);
 *   - the ziggurat block sub-stream and its slow-path sub-stream (cpo_rng_normal,
 *     cpo_rng_fill_normal);
 *   - the single-precision ziggurat's (cpo_rng_fill_normal_f32).
 * Drawing uniforms therefore never shifts the sequence of normals, and vice versa.
 */
#ifndef CPO_RNG_H
#define CPO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "cpo/status.h"

typedef struct cpo_rng cpo_rng_t;

/**
 * Create a stream.
 * @param seed    run seed (any value)
 * @param stream  stream id, e.g. the lane number; different ids give independent streams
 * @param[out] out the new stream; unchanged on error
 * @return CPO_OK, CPO_ERR_INVALID_ARG (out NULL) or CPO_ERR_NO_MEMORY
 */
CPO_MUST_USE cpo_status_t cpo_rng_create(uint64_t seed, uint64_t stream, cpo_rng_t **out);

/** Free a stream; sets *rng = NULL; safe to call twice. */
void cpo_rng_destroy(cpo_rng_t **rng);

/** Next 64 random bits of the scalar sub-stream. */
uint64_t cpo_rng_u64(cpo_rng_t *rng);

/** Uniform double in [0, 1) with 53 random bits (scalar sub-stream). */
double cpo_rng_uniform(cpo_rng_t *rng);

/** Uniform double in (0, 1): never 0, safe for log() (scalar sub-stream). */
double cpo_rng_uniform_open(cpo_rng_t *rng);

/** Fill @p n uniforms in [0, 1); same numbers as @p n calls of cpo_rng_uniform. */
void cpo_rng_fill_uniform(cpo_rng_t *rng, double *out, size_t n);

/** One standard normal (mean 0, variance 1). */
double cpo_rng_normal(cpo_rng_t *rng);

/** Fill @p n standard normals; same numbers as @p n calls of cpo_rng_normal. */
void cpo_rng_fill_normal(cpo_rng_t *rng, double *out, size_t n);

/** Fill @p n standard normals in single precision (23-bit magnitudes from the same 256-layer
 *  ziggurat, 16 per vector step: the fastest source, used by the bit-true link). A fourth
 *  independent sub-stream; split-free like cpo_rng_fill_normal. */
void cpo_rng_fill_normal_f32(cpo_rng_t *rng, float *out, size_t n);

/** Counter-based normals: the standard normal at position @p counter of the stream keyed by
 *  @p key, a pure function of the two (no state: any draw can be made alone, in any order).
 *  splitmix64's output at that position (cpo_rng_mix64(key + (counter + 1) * golden gamma))
 *  is one ziggurat candidate, as the block generators take theirs (the same 256 layers); the
 *  rare candidate that needs the exact wedge or tail test takes its further random numbers
 *  from a generator seeded by it. Keys for independent streams: cpo_rng_mix64 of distinct
 *  values. */
double cpo_rng_normal_at(uint64_t key, uint64_t counter);

/** cpo_rng_normal_at(keys[k], counter) for k < @p n, into out[k] (the same numbers, in a loop
 *  that inlines them: a conversion of every converter at once). */
void cpo_rng_fill_normal_at(const uint64_t *keys, uint64_t counter, double *out, size_t n);

/** splitmix64 finaliser (Steele, Lea & Flood, OOPSLA 2014): a bijective 64-bit mixer, exposed
 *  so other models derive sub-seeds the same way. */
uint64_t cpo_rng_mix64(uint64_t x);

#endif /* CPO_RNG_H */
