/* xoshiro256** streams and a vectorisable ziggurat; see cpo/rng.h for the contract. */
#include "cpo/rng.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "zig_block.h"
#include "zig_tables.h"

struct cpo_rng {
  uint64_t zig[4][CPO_ZIG_WIDTH]; /* ziggurat block sub-stream, one xoshiro per column */
  double buf[CPO_ZIG_BLOCK];      /* normals of the current block */
  uint32_t pos;                   /* next unread entry of buf; CPO_ZIG_BLOCK when empty */
  cpo_zig_block_fn zig_block;     /* best instruction-set variant; all give the same bits */
  uint64_t scalar[4];             /* uniforms and raw bits */
  uint64_t slow[4];               /* ziggurat wedge, tail and restarts */
  /* the single-precision normals: their own generators, buffer and slow path */
  uint64_t zigf[4][CPO_ZIG_WIDTH];
  float buff[CPO_ZIGF_BLOCK];
  uint32_t posf;
  cpo_zigf_block_fn zigf_block;
  uint64_t slowf[4];
};

/* Uniform in (0, 1), for logarithms. */
static inline double s_open01(uint64_t bits) {
  return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

static inline uint64_t s_mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
  return x ^ (x >> 31);
}

uint64_t cpo_rng_mix64(uint64_t x) {
  return s_mix64(x);
}

static void s_seed(uint64_t *sm, uint64_t s[4]) {
  do {
    for (int k = 0; k < 4; k++) {
      *sm += UINT64_C(0x9E3779B97F4A7C15);
      s[k] = cpo_rng_mix64(*sm);
    }
  } while ((s[0] | s[1] | s[2] | s[3]) == 0); /* the one state xoshiro must avoid */
}

/* The ziggurat on one counter-based draw: the fast path as the block generators take it (bits
 * 0-7 layer, bit 8 sign, bits 12-63 the magnitude); the rare draw outside its layer's inner
 * rectangle is finished by the exact tests (cpo_zig_finish) on a slow generator seeded from
 * the draw itself, so the result stays a function of (key, counter) alone. */
__attribute__((noinline)) static double s_normal_at_slow(uint64_t r, double x) {
  uint64_t sm = r, slow[4], raw[1][CPO_ZIG_WIDTH] = {{r}}; /* lanes 1.. never miss (m = 0) */
  s_seed(&sm, slow);
  double out[CPO_ZIG_WIDTH] = {x};
  const uint16_t first = 0;
  cpo_zig_finish(slow, out, (const uint64_t(*)[CPO_ZIG_WIDTH])raw, &first, 1);
  return out[0];
}

static inline double s_normal_at(uint64_t key, uint64_t counter) {
  const uint64_t r = s_mix64(key + (counter + 1) * UINT64_C(0x9E3779B97F4A7C15));
  const uint32_t i = (uint32_t)(r & 0xFF);
  const uint64_t m = r >> 12;
  /* m < 2^52: exact as a signed conversion (one instruction); the sign by its bit */
  const double mag = (double)(int64_t)m * cpo_zig_w[i];
  uint64_t bits;
  memcpy(&bits, &mag, sizeof bits);
  bits ^= (r << 55) & UINT64_C(0x8000000000000000);
  double x;
  memcpy(&x, &bits, sizeof x);
  return m < cpo_zig_k[i] ? x : s_normal_at_slow(r, x);
}

double cpo_rng_normal_at(uint64_t key, uint64_t counter) {
  return s_normal_at(key, counter);
}

void cpo_rng_fill_normal_at(const uint64_t *keys, uint64_t counter, double *out, size_t n) {
  for (size_t k = 0; k < n; k++)
    out[k] = s_normal_at(keys[k], counter);
}

cpo_status_t cpo_rng_create(uint64_t seed, uint64_t stream, cpo_rng_t **out) {
  if (!out)
    return CPO_ERR_INVALID_ARG;
  cpo_rng_t *rng = aligned_alloc(64, (sizeof *rng + 63) / 64 * 64);
  if (!rng)
    return CPO_ERR_NO_MEMORY;
  memset(rng, 0, sizeof *rng);
  /* bijective in seed for a fixed stream; streams decorrelated by a second mix */
  uint64_t sm = cpo_rng_mix64(seed + cpo_rng_mix64(stream + UINT64_C(0x632BE59BD9B4E019)));
  s_seed(&sm, rng->scalar);
  s_seed(&sm, rng->slow);
  for (int l = 0; l < CPO_ZIG_WIDTH; l++) {
    uint64_t s[4];
    s_seed(&sm, s);
    for (int k = 0; k < 4; k++)
      rng->zig[k][l] = s[k];
  }
  /* seeded after the double-precision streams, which therefore did not change */
  s_seed(&sm, rng->slowf);
  for (int l = 0; l < CPO_ZIG_WIDTH; l++) {
    uint64_t st[4];
    s_seed(&sm, st);
    for (int k = 0; k < 4; k++)
      rng->zigf[k][l] = st[k];
  }
  rng->pos = CPO_ZIG_BLOCK;
  rng->posf = CPO_ZIGF_BLOCK;
  rng->zig_block = cpo_zig_block_select();
  rng->zigf_block = cpo_zigf_block_select();
  *out = rng;
  return CPO_OK;
}

void cpo_rng_destroy(cpo_rng_t **rng) {
  if (!rng || !*rng)
    return;
  free(*rng);
  *rng = NULL;
}

uint64_t cpo_rng_u64(cpo_rng_t *rng) {
  assert(rng);
  return cpo_xoshiro_next(rng->scalar);
}

double cpo_rng_uniform(cpo_rng_t *rng) {
  assert(rng);
  return (double)(cpo_xoshiro_next(rng->scalar) >> 11) * 0x1.0p-53;
}

double cpo_rng_uniform_open(cpo_rng_t *rng) {
  assert(rng);
  return s_open01(cpo_xoshiro_next(rng->scalar));
}

void cpo_rng_fill_uniform(cpo_rng_t *rng, double *out, size_t n) {
  assert(rng && (out || n == 0));
  for (size_t k = 0; k < n; k++)
    out[k] = (double)(cpo_xoshiro_next(rng->scalar) >> 11) * 0x1.0p-53;
}

double cpo_rng_normal(cpo_rng_t *rng) {
  assert(rng);
  if (rng->pos == CPO_ZIG_BLOCK) {
    rng->zig_block(rng->zig, rng->slow, rng->buf);
    rng->pos = 0;
  }
  return rng->buf[rng->pos++];
}

void cpo_rng_fill_normal(cpo_rng_t *rng, double *out, size_t n) {
  assert(rng && (out || n == 0));
  /* drain the buffer, then whole blocks straight into out, then refill for the remainder:
   * the same block boundaries as one-at-a-time draws */
  size_t avail = CPO_ZIG_BLOCK - rng->pos;
  size_t take = n < avail ? n : avail;
  if (take > 0)
    memcpy(out, rng->buf + rng->pos, take * sizeof *out);
  rng->pos += (uint32_t)take;
  out += take;
  n -= take;
  while (n >= CPO_ZIG_BLOCK) {
    rng->zig_block(rng->zig, rng->slow, out);
    out += CPO_ZIG_BLOCK;
    n -= CPO_ZIG_BLOCK;
  }
  if (n > 0) {
    rng->zig_block(rng->zig, rng->slow, rng->buf);
    memcpy(out, rng->buf, n * sizeof *out);
    rng->pos = (uint32_t)n;
  }
}

void cpo_rng_fill_normal_f32(cpo_rng_t *rng, float *out, size_t n) {
  assert(rng && (out || n == 0));
  size_t avail = CPO_ZIGF_BLOCK - rng->posf;
  size_t take = n < avail ? n : avail;
  if (take > 0)
    memcpy(out, rng->buff + rng->posf, take * sizeof *out);
  rng->posf += (uint32_t)take;
  out += take;
  n -= take;
  while (n >= CPO_ZIGF_BLOCK) {
    rng->zigf_block(rng->zigf, rng->slowf, out);
    out += CPO_ZIGF_BLOCK;
    n -= CPO_ZIGF_BLOCK;
  }
  if (n > 0) {
    rng->zigf_block(rng->zigf, rng->slowf, rng->buff);
    memcpy(out, rng->buff, n * sizeof *out);
    rng->posf = (uint32_t)n;
  }
}
