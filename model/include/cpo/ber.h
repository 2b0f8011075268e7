/* Slicer statistics: exact decision probabilities of a multi-level slicer in Gaussian noise,
 * and the textbook closed forms they reduce to (NRZ 0.5 erfc(Q/sqrt 2); Gray PAM4
 * SER = 1.5 Qf(q), BER ~ SER / 2 with q the half level spacing over sigma). */
#ifndef CPO_BER_H
#define CPO_BER_H

#include <stdint.h>

/**
 * Probability that a sample with noiseless value @p y and Gaussian noise @p sigma is decided
 * as each of @p levels levels, for ascending thresholds @p thr[levels - 1].
 * @param[out] prob prob[d] for d in 0..levels-1 (sums to 1)
 */
void cpo_slicer_probs(double y, double sigma, const double *thr, uint32_t levels, double *prob);

/** Probability that the decision differs from @p sent. */
double cpo_slicer_error_prob(double y, double sigma, const double *thr, uint32_t levels,
                             uint32_t sent);

/** NRZ BER 0.5 erfc(Q / sqrt 2). */
double cpo_ber_nrz(double q);
/** PAM4 symbol error rate, equal spacing, mid thresholds, equiprobable symbols: outer levels
 *  err on one side, inner on two, so SER = 1.5 Qf(q), q = half spacing / sigma. */
double cpo_ser_pam4(double q);

#endif
