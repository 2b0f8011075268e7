/* The analog boundary's DAC and ADC channels: one numbering shared by the models, the RTL
 * register map and the firmware. Each channel is a 16-bit code with a fixed SI step (LSB),
 * written once below (X-macro) so numbers, names and scalings cannot drift apart.
 *
 * Index: a channel is addressed per lane (0 .. lanes-1, across all engines of the topology)
 * unless marked per laser, in which case the index is the laser number (lane / lanes_per_laser
 * within an engine, engines numbered one after another: see cpo_link_lasers()).
 *
 * Signed channels are two's-complement 16-bit codes. Thresholds are in the receiver's
 * AGC-normalised eye: code 0 is the mean of the lowest level, 4096 the mean of the highest. */
#ifndef CPO_ANALOG_CHANNELS_H
#define CPO_ANALOG_CHANNELS_H

#include <stdbool.h>
#include <stdint.h>

/* X(NAME, number, "name", "unit", lsb, signed, per_laser) */
#define CPO_DAC_LIST(X)                                                                          \
  X(LASER_CURRENT, 0, "laser_current", "A", 10e-6, false, true) /* drive current, 10 uA */      \
  X(MOD_BIAS, 1, "mod_bias", "V", 1e-3, true, false)  /* ring reverse bias / MZM bias, 1 mV */  \
  X(HEATER, 2, "heater", "W", 1e-6, false, false)     /* ring or MZM phase heater, 1 uW */      \
  X(DRIVER_SWING, 3, "driver_swing", "V", 1e-3, false, false) /* peak-to-peak drive, 1 mV */    \
  X(TX_FFE_POST, 4, "tx_ffe_post", "1", 1.0 / 1024, true, false) /* post-cursor / main */      \
  X(RX_FFE_POST, 5, "rx_ffe_post", "1", 1.0 / 1024, true, false) /* RX FFE post-cursor tap */  \
  X(RX_THRESHOLD_LO, 6, "rx_threshold_lo", "1", 1.0 / 4096, false, false) /* PAM4 lower */      \
  X(RX_THRESHOLD_MID, 7, "rx_threshold_mid", "1", 1.0 / 4096, false, false) /* PAM4, NRZ */    \
  X(RX_THRESHOLD_HI, 8, "rx_threshold_hi", "1", 1.0 / 4096, false, false) /* PAM4 upper */

#define CPO_ADC_LIST(X)                                                                          \
  X(TAP_PD, 0, "tap_pd", "A", 10e-9, false, false)   /* modulator-input tap photocurrent */     \
  X(DROP_PD, 1, "drop_pd", "A", 10e-9, false, false) /* ring drop / MZM dump-port tap PD */ \
  X(MOD_TEMP, 2, "mod_temp", "K", 10e-3, false, false) /* modulator (ring) temperature */       \
  X(RX_POWER, 3, "rx_power", "W", 0.1e-6, false, false) /* average received optical power */    \
  X(LASER_POWER, 4, "laser_power", "W", 10e-6, false, true) /* back-facet monitor, output */   \
  X(LASER_TEMP, 5, "laser_temp", "K", 10e-3, false, true) /* laser junction temperature */

typedef enum {
#define CPO_DAC_ENUM(name, num, str, unit, lsb, sgn, per_laser) CPO_DAC_##name = num,
  CPO_DAC_LIST(CPO_DAC_ENUM)
#undef CPO_DAC_ENUM
      CPO_DAC_COUNT
} cpo_dac_channel_t;

typedef enum {
#define CPO_ADC_ENUM(name, num, str, unit, lsb, sgn, per_laser) CPO_ADC_##name = num,
  CPO_ADC_LIST(CPO_ADC_ENUM)
#undef CPO_ADC_ENUM
      CPO_ADC_COUNT
} cpo_adc_channel_t;

#define CPO_ANALOG_CODE_BITS 16

typedef struct {
  const char *name;
  const char *unit; /* SI unit of code * lsb */
  double lsb;
  bool is_signed;
  bool per_laser;
} cpo_analog_channel_info_t;

/** Description of DAC channel @p ch, NULL if there is no such channel. */
static inline const cpo_analog_channel_info_t *cpo_dac_info(uint32_t ch) {
  static const cpo_analog_channel_info_t info[] = {
#define CPO_DAC_INFO(name, num, str, unit, lsb, sgn, per_laser) {str, unit, lsb, sgn, per_laser},
      CPO_DAC_LIST(CPO_DAC_INFO)
#undef CPO_DAC_INFO
  };
  return ch < CPO_DAC_COUNT ? &info[ch] : (const cpo_analog_channel_info_t *)0;
}

/** Description of ADC channel @p ch, NULL if there is no such channel. */
static inline const cpo_analog_channel_info_t *cpo_adc_info(uint32_t ch) {
  static const cpo_analog_channel_info_t info[] = {
#define CPO_ADC_INFO(name, num, str, unit, lsb, sgn, per_laser) {str, unit, lsb, sgn, per_laser},
      CPO_ADC_LIST(CPO_ADC_INFO)
#undef CPO_ADC_INFO
  };
  return ch < CPO_ADC_COUNT ? &info[ch] : (const cpo_analog_channel_info_t *)0;
}

/** SI value of a DAC code (sign-extended for signed channels); 0 for an unknown channel. */
static inline double cpo_dac_code_to_si(uint32_t ch, uint32_t code) {
  const cpo_analog_channel_info_t *i = cpo_dac_info(ch);
  if (!i)
    return 0.0;
  code &= 0xFFFFu;
  return i->lsb * (i->is_signed ? (double)(int16_t)(uint16_t)code : (double)code);
}

/** Nearest DAC code for an SI value, saturated to the 16-bit range. */
static inline uint32_t cpo_dac_si_to_code(uint32_t ch, double value) {
  const cpo_analog_channel_info_t *i = cpo_dac_info(ch);
  if (!i || value != value)
    return 0;
  double c = value / i->lsb;
  c = c < 0 ? c - 0.5 : c + 0.5;
  const double lo = i->is_signed ? -32768.0 : 0.0, hi = i->is_signed ? 32767.0 : 65535.0;
  c = c < lo ? lo : (c > hi ? hi : c);
  return (uint32_t)(uint16_t)(int32_t)c;
}

#endif /* CPO_ANALOG_CHANNELS_H */
