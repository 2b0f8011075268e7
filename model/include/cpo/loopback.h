/* The foundation's simple channel: NRZ bits per lane through additive Gaussian noise into a
 * slicer, bit-true (every bit gets its own Gaussian sample). TX level 0 -> 0.0, 1 -> 1.0,
 * slicer at 0.5, so a bit flips when its noise sample exceeds 0.5 in the wrong direction and
 * the error rate is 0.5 erfc(Q / sqrt 2) with Q = 0.5 / noise_sigma.
 *
 * Each lane draws its noise from its own cpo_rng stream (seed, stream = lane), one normal per
 * bit in time order; with the consecutive-call contract below, a cycle's result depends only
 * on seed, lane, cycle and TX, never on how cycles are split into calls. */
#ifndef CPO_LOOPBACK_H
#define CPO_LOOPBACK_H

#include <stdint.h>

#include "cpo/status.h"

typedef struct {
  uint32_t lanes;          /* 1..64 */
  uint32_t bits_per_cycle; /* NRZ bits per lane per datapath cycle, 1..64 */
  uint64_t seed;
  double noise_sigma; /* Gaussian noise std-dev in units of the eye: 0 -> level 0.0, 1 -> level
                         1.0, slicer at 0.5 */
} cpo_loopback_cfg_t;

typedef struct cpo_loopback cpo_loopback_t;

/**
 * Create a loopback channel.
 * @param cfg configuration (copied)
 * @param[out] out the channel; unchanged on error
 * @return CPO_OK; CPO_ERR_INVALID_ARG (NULL pointers, lanes or bits_per_cycle out of range,
 *         noise_sigma negative or not finite; an error naming the field is logged (cpo_log));
 *         CPO_ERR_NO_MEMORY
 */
CPO_MUST_USE cpo_status_t cpo_loopback_create(const cpo_loopback_cfg_t *cfg, cpo_loopback_t **out);

/** Free the channel; sets *lb = NULL; safe twice. */
void cpo_loopback_destroy(cpo_loopback_t **lb);

/**
 * Carry `count` cycles of TX words through the noisy channel into rx (both cycle-major
 * [count][lanes], bit 0 first in time, bits above bits_per_cycle zero). Calls must cover
 * consecutive cycles starting at 0 (else CPO_ERR_INVALID_ARG, nothing changed). The result for
 * a cycle depends only on seed, lane, cycle and TX: never on how cycles are split into calls.
 * TX bits above bits_per_cycle are ignored. rx may not overlap tx.
 * @return CPO_OK; CPO_ERR_INVALID_ARG (first_cycle not the next cycle, or tx/rx NULL with
 *         count > 0) and then nothing changed (rx untouched, no noise consumed).
 */
CPO_MUST_USE cpo_status_t cpo_loopback_process(cpo_loopback_t *lb, uint64_t first_cycle,
                                               uint32_t count, const uint64_t *tx, uint64_t *rx);

/** Bit errors the channel introduced so far on `lane` (for tests and the run summary);
 *  0 for a lane outside the configuration. */
uint64_t cpo_loopback_errors(const cpo_loopback_t *lb, uint32_t lane);

#endif /* CPO_LOOPBACK_H */
