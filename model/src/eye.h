/* An RX lane's eye for one grid interval: the light reaching its photodiode (its own TX lane's
 * and the adjacent lanes' crosstalk) through the receiver's responsivity, the bandwidth ISI of
 * driver, modulator and receiver with the RX FFE post-cursor tap, the noise per level, and the
 * slicer thresholds the registers set in the AGC-normalised eye. Private to the model
 * library. */
#ifndef CPO_MODEL_EYE_H
#define CPO_MODEL_EYE_H

#include <stdint.h>

#include "cpo/profile.h"
#include "cpo/symchan.h"
#include "lane.h"

typedef struct {
  const cpo_profile_t *prof; /* receiver and driver */
  uint32_t levels;
  double baud_hz;
  const cpo_tx_lane_t *own;   /* the TX lane whose light reaches the receiver */
  const cpo_tx_lane_t *nb[2]; /* the lanes beside it leaking into it (NULL: none) */
  double xt_ratio;            /* their crosstalk */
  double rx_ffe_post;         /* RX FFE post-cursor tap (register value) */
  double threshold[3];        /* lo, mid, hi slicer thresholds, 0..1 of the eye (registers) */
} cpo_eye_input_t;

/** Build the eye; @p power_w gets the average optical power at the photodiode. */
void cpo_eye_build(const cpo_eye_input_t *in, cpo_symchan_eye_t *eye, double *power_w);

#endif /* CPO_MODEL_EYE_H */
