/* The calibrated snapshot's quality, for judging a bring-up against it (issue 14: after a cold
 * bring-up every lane's BER within a factor of 2 of the snapshot's for the same seed and
 * profile). Computed from eyes, exactly, never by drawing symbols. */
#ifndef CPO_SNAPSHOT_BER_H
#define CPO_SNAPSHOT_BER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpo/link.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Expected bit error ratio of RX lane @p lane under its current eye: the exact error
 *  probability of every pattern of the symbols the ISI spans, averaged (neighbours' crosstalk
 *  at its mean), halved for PAM4 (Gray: an error is one bit of two). 1 when the lane has no eye
 *  yet (nothing processed) or no such lane. Reads the link only. */
double cpo_link_expected_ber(const cpo_link_t *link, uint32_t lane);

/** The expected BER (cpo_link_expected_ber) of each of the first @p n RX lanes under the
 *  calibrated snapshot of configuration @p cfg (whatever its start_calibrated says): built on a
 *  link of its own, its eyes as at its first grid point, then freed. Links the caller has are
 *  untouched and nothing is drawn from any random stream: a run's results cannot change.
 *  @return CPO_OK; as cpo_link_create; CPO_ERR_INVALID_ARG if @p n exceeds the lanes */
CPO_MUST_USE cpo_status_t cpo_link_snapshot_ber(const cpo_link_cfg_t *cfg, double *ber, uint32_t n);

/** Each of the first @p n TX lanes' launched average power (into the fibre, past the coupler)
 *  over its tap photodiode's photocurrent (dark current taken off), in W per A, under the
 *  calibrated snapshot of configuration @p cfg: what a vendor's calibration of the Tx power
 *  monitor against a power meter finds, lane by lane. Built on a link of its own as
 *  cpo_link_snapshot_ber, nothing drawn. 0 for a lane whose tap sees no light.
 *  @return CPO_OK; as cpo_link_create; CPO_ERR_INVALID_ARG if @p n exceeds the lanes */
CPO_MUST_USE cpo_status_t cpo_link_snapshot_launch_per_tap(const cpo_link_cfg_t *cfg,
                                                           double *w_per_a, uint32_t n);

/** The PAM4 margin q (half the level spacing over the noise's sigma) a BER stands for: BER =
 *  SER / 2, SER = 1.5 erfc(q / sqrt 2) (MODELS.md: Gray PAM4); 40 for a BER of 0. */
double cpo_pam4_margin_q(double ber);

/** The rule a bring-up's BER is judged by against the snapshot's: @p ber at most @p factor
 *  times @p snapshot, or, far below what a run resolves (a factor of 2 at 1e-10 is 1.6 % of
 *  margin), its PAM4 margin q at least 98 % of the snapshot's. */
bool cpo_ber_within_snapshot(double ber, double snapshot, double factor);

#ifdef __cplusplus
}
#endif

#endif /* CPO_SNAPSHOT_BER_H */
