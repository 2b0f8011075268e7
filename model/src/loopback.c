/* Bit-true NRZ loopback channel with Gaussian noise; see cpo/loopback.h. */
#include "cpo/loopback.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpo/log.h"
#include "cpo/rng.h"

#define LB_MAX_LANES 64
#define LB_MAX_BITS 64
/* Normals drawn per lane per pass: big enough to amortise the call, small enough for L1. */
#define LB_NOISE_CHUNK 4096

struct cpo_loopback {
  cpo_loopback_cfg_t cfg;
  uint64_t next_cycle;
  double flip_threshold; /* a bit flips when its noise, signed towards the slicer, exceeds it */
  uint64_t errors[LB_MAX_LANES];
  cpo_rng_t *rng[LB_MAX_LANES];
  double noise[LB_NOISE_CHUNK];
};

static cpo_status_t s_reject(const char *what) {
  cpo_log(CPO_LOG_ERROR, "cpo_loopback", "%s", what);
  return CPO_ERR_INVALID_ARG;
}

cpo_status_t cpo_loopback_create(const cpo_loopback_cfg_t *cfg, cpo_loopback_t **out) {
  if (!cfg || !out)
    return s_reject("create: cfg and out must not be NULL");
  if (!cpo_check_range("cpo_loopback", "lanes", cfg->lanes, 1, LB_MAX_LANES, CPO_RANGE_CLOSED,
                       "") ||
      !cpo_check_range("cpo_loopback", "bits_per_cycle", cfg->bits_per_cycle, 1, LB_MAX_BITS,
                       CPO_RANGE_CLOSED, "") ||
      !cpo_check_range("cpo_loopback", "noise_sigma", cfg->noise_sigma, 0.0, INFINITY,
                       CPO_RANGE_OPEN_HI, "(eye units)"))
    return CPO_ERR_INVALID_ARG;
  cpo_loopback_t *lb = calloc(1, sizeof *lb);
  if (!lb)
    return CPO_ERR_NO_MEMORY;
  lb->cfg = *cfg;
  /* level 0 -> 0.0, 1 -> 1.0, slicer at 0.5: half the eye over sigma, in normal units */
  lb->flip_threshold = cfg->noise_sigma > 0.0 ? 0.5 / cfg->noise_sigma : INFINITY;
  for (uint32_t lane = 0; lane < cfg->lanes; lane++) {
    if (cpo_rng_create(cfg->seed, lane, &lb->rng[lane]) != CPO_OK) {
      cpo_loopback_destroy(&lb);
      return CPO_ERR_NO_MEMORY;
    }
  }
  *out = lb;
  return CPO_OK;
}

void cpo_loopback_destroy(cpo_loopback_t **lb) {
  if (!lb || !*lb)
    return;
  for (uint32_t lane = 0; lane < LB_MAX_LANES; lane++)
    cpo_rng_destroy(&(*lb)->rng[lane]);
  free(*lb);
  *lb = NULL;
}

/* Flip mask of one cycle: noise sample b, signed towards the slicer by the TX bit, beyond the
 * threshold. Branch-free so the compiler can vectorise it. */
static inline uint64_t s_flips(const double *noise, uint64_t tx, uint32_t bits, double thr) {
  uint64_t flips = 0;
  for (uint32_t b = 0; b < bits; b++) {
    uint64_t nb;
    memcpy(&nb, &noise[b], sizeof nb);
    nb ^= ((tx >> b) & 1) << 63; /* a 1 flips on negative noise */
    double v;
    memcpy(&v, &nb, sizeof v);
    flips |= (uint64_t)(v > thr) << b;
  }
  return flips;
}

cpo_status_t cpo_loopback_process(cpo_loopback_t *lb, uint64_t first_cycle, uint32_t count,
                                  const uint64_t *tx, uint64_t *rx) {
  assert(lb);
  if (first_cycle != lb->next_cycle) {
    cpo_log(CPO_LOG_ERROR, "cpo_loopback", "process: first_cycle %llu, expected %llu",
            (unsigned long long)first_cycle, (unsigned long long)lb->next_cycle);
    return CPO_ERR_INVALID_ARG;
  }
  if (count == 0)
    return CPO_OK;
  if (!tx || !rx)
    return s_reject("process: tx and rx must not be NULL");
  const uint32_t lanes = lb->cfg.lanes;
  const uint32_t bits = lb->cfg.bits_per_cycle;
  const uint64_t mask = bits == 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
  if (lb->flip_threshold == INFINITY) {
    for (size_t k = 0; k < (size_t)count * lanes; k++)
      rx[k] = tx[k] & mask;
  } else {
    const uint32_t cycles_per_chunk = LB_NOISE_CHUNK / bits;
    for (uint32_t lane = 0; lane < lanes; lane++) {
      uint64_t errors = 0;
      for (uint32_t c0 = 0; c0 < count; c0 += cycles_per_chunk) {
        const uint32_t n = count - c0 < cycles_per_chunk ? count - c0 : cycles_per_chunk;
        cpo_rng_fill_normal(lb->rng[lane], lb->noise, (size_t)n * bits);
        for (uint32_t c = 0; c < n; c++) {
          const size_t k = (size_t)(c0 + c) * lanes + lane;
          const uint64_t word = tx[k] & mask;
          const uint64_t flips =
              s_flips(lb->noise + (size_t)c * bits, word, bits, lb->flip_threshold);
          rx[k] = word ^ flips;
          errors += (uint64_t)__builtin_popcountll(flips);
        }
      }
      lb->errors[lane] += errors;
    }
  }
  lb->next_cycle += count;
  return CPO_OK;
}

uint64_t cpo_loopback_errors(const cpo_loopback_t *lb, uint32_t lane) {
  assert(lb);
  return lane < lb->cfg.lanes ? lb->errors[lane] : 0;
}
