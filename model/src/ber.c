/* Slicer statistics; see cpo/ber.h. */
#include "cpo/ber.h"

#include <math.h>

/* P(y + n > t) for n ~ N(0, sigma^2), via erfc so tails keep full relative precision. */
static double s_above(double y, double sigma, double t) {
  return 0.5 * erfc((t - y) / (sigma * sqrt(2.0)));
}

void cpo_slicer_probs(double y, double sigma, const double *thr, uint32_t levels, double *prob) {
  if (!(sigma > 0.0)) {
    uint32_t d = 0;
    while (d + 1 < levels && y > thr[d])
      d++;
    for (uint32_t k = 0; k < levels; k++)
      prob[k] = k == d ? 1.0 : 0.0;
    return;
  }
  /* P(d) = P(above thr[d-1]) - P(above thr[d]): each threshold's tail computed once, shared
   * by the levels on either side of it */
  double hi = 1.0;
  for (uint32_t d = 0; d < levels; d++) {
    const double lo = hi;
    hi = d + 1 == levels ? 0.0 : s_above(y, sigma, thr[d]);
    prob[d] = lo - hi;
    if (prob[d] < 0.0)
      prob[d] = 0.0;
  }
}

double cpo_slicer_error_prob(double y, double sigma, const double *thr, uint32_t levels,
                             uint32_t sent) {
  if (!(sigma > 0.0)) {
    uint32_t d = 0;
    while (d + 1 < levels && y > thr[d])
      d++;
    return d == sent ? 0.0 : 1.0;
  }
  /* the two tails outside sent's decision interval, each computed directly (no 1 - x loss) */
  const double below = sent == 0 ? 0.0 : 0.5 * erfc((y - thr[sent - 1]) / (sigma * sqrt(2.0)));
  const double above = sent + 1 == levels ? 0.0 : s_above(y, sigma, thr[sent]);
  return below + above;
}

double cpo_ber_nrz(double q) {
  return 0.5 * erfc(q / sqrt(2.0));
}

double cpo_ser_pam4(double q) {
  return 0.75 * erfc(q / sqrt(2.0));
}
