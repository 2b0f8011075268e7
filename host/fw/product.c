/* The design tables (product.h) of the shipped engine profiles; numbers from model/profiles. */
#include "product.h"

#include <stddef.h>
#include <string.h>

static const cpo_fw_product_t s_products[] = {
    {
        .name = "mrm-els-8x200g",
        .ring = true,
        .els = true,
        .laser_nominal_a = 0.37, /* ~20 dBm ELS DFB (OIF ELSFP class) */
        .laser_check_a = 0.06,   /* 2x threshold: a few mW */
        .laser_max_a = 0.45,
        .ring_bias_margin_v = 0.2, /* junction stays reverse biased over the swing */
        /* drop/tap = drop fraction 0.1 x (1 - tap 0.02) / tap 0.02 x the ring's average loss
         * over the PAM4 levels (2 Vpp at 20 pm/V) with the resonance 0.29 FWHM (125 pm) red of
         * the line: 4.9 x 0.6624 (test_fw_ring_lock recomputes it with the ring model) */
        .ring_lock_ratio = 3.2458,
        .heater_max_w = 0.04,
        .heater_step_w = 0.25e-3, /* 25 pm at 100 pm/mW: a fifth of the linewidth */
    },
    {
        .name = "mzm-6.4t",
        .ring = false,
        .laser_nominal_a = 0.06, /* a DFB per lane, ~20 mW */
        .laser_check_a = 0.02,   /* 2x threshold */
        .laser_max_a = 0.12,
        .mzm_heater_rad_per_w = 40 * 3.14159265358979323846, /* 40 pi rad/W */
        .heater_max_w = 0.06,                                /* 2.4 pi: a whole period */
    },
    {
        .name = "oif-3.2t",
        .ring = false,
        .els = true,
        .laser_nominal_a = 0.37, /* ELS split 1:4 */
        .laser_check_a = 0.06,
        .laser_max_a = 0.45,
        .mzm_heater_rad_per_w = 40 * 3.14159265358979323846,
        .heater_max_w = 0.06,
    },
};

const cpo_fw_product_t *cpo_fw_product_find(const char *name) {
  for (size_t i = 0; name && i < sizeof s_products / sizeof s_products[0]; i++)
    if (strcmp(s_products[i].name, name) == 0)
      return &s_products[i];
  return NULL;
}
