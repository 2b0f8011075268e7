/* Receiver equalisation tuned on measured PRBS error counts (eq_tune.c): the RX FFE
 * post-cursor and the PAM4 slicer thresholds. Firmware-internal. */
#ifndef CPO_FW_EQ_TUNE_H
#define CPO_FW_EQ_TUNE_H

#include "fw_engine.h"

/** Tune every locked lane's receiver, the lanes streaming and the D2D link up. */
CPO_MUST_USE cpo_status_t cpo_fw_eq_tune(cpo_fw_engine_t *e);

#endif /* CPO_FW_EQ_TUNE_H */
