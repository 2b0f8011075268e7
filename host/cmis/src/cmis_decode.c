/* CMIS decoding that needs no module: page images in, values out (unit-tested on byte
 * buffers, tests/cmis_host). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpo/cmis.h"

/* Application descriptors 9-15 on page 01h (CMIS 5.2 table 8-45), 4 bytes each. */
#define S_P01_APP9_OFFSET 223u
/* Page 01h: media lane options of application n at 176 + n - 1. */
#define S_P01_MEDIA_LANE_OPTIONS_OFFSET CPO_CMIS_P01_APP1_MEDIA_LANE_OPTIONS_OFFSET

static uint16_t s_be16(const uint8_t *be) {
  return (uint16_t)((be[0] << 8) | be[1]);
}

void cpo_cmis_apps_parse(const uint8_t *lower, const uint8_t *p01, cpo_cmis_apps_t *out) {
  memset(out, 0, sizeof *out);
  for (unsigned i = 0; i < CPO_CMIS_MAX_APPS; i++) {
    const uint8_t *d;
    if (i < 8)
      d = lower + CPO_CMIS_LOWER_APP1_HOST_IF_OFFSET + 4u * i;
    else if (p01)
      d = p01 + S_P01_APP9_OFFSET + 4u * (i - 8u);
    else
      break;
    if (d[0] == 0xFF || d[0] == 0x00)
      break;
    cpo_cmis_app_t *a = &out->app[out->count++];
    a->host_if = d[0];
    a->media_if = d[1];
    a->host_lanes = (uint8_t)(d[2] >> 4);
    a->media_lanes = (uint8_t)(d[2] & 0x0F);
    a->host_lane_options = d[3];
    a->media_lane_options = p01 ? p01[S_P01_MEDIA_LANE_OPTIONS_OFFSET + i] : 0xFF;
  }
}

int cpo_cmis_dp_plan(const cpo_cmis_apps_t *apps, unsigned app_sel, unsigned lanes, uint8_t *first,
                     char *why, size_t why_len) {
  if (app_sel < 1 || app_sel > apps->count) {
    snprintf(why, why_len, "AppSel %u: the module advertises applications 1-%u", app_sel,
             apps->count);
    return -1;
  }
  const cpo_cmis_app_t *a = &apps->app[app_sel - 1];
  unsigned per_dp = a->host_lanes;
  if (per_dp == 0 || CPO_CMIS_LANES_PER_BANK % per_dp != 0) {
    snprintf(why, why_len, "AppSel %u: %u host lanes per data path do not tile a bank of %u lanes",
             app_sel, per_dp, CPO_CMIS_LANES_PER_BANK);
    return -1;
  }
  for (unsigned l = 0; l < lanes && l < CPO_CMIS_MAX_LANES; l++) {
    unsigned in_bank = l % CPO_CMIS_LANES_PER_BANK;
    first[l] = (uint8_t)(l - in_bank % per_dp);
    if (in_bank % per_dp == 0 && !(a->host_lane_options >> in_bank & 1u)) {
      snprintf(why, why_len,
               "AppSel %u: a data path of %u lanes cannot start on lane %u (host lane options "
               "0x%02x)",
               app_sel, per_dp, l + 1, a->host_lane_options);
      return -1;
    }
  }
  return 0;
}

uint32_t cpo_cmis_duration_code_ms(unsigned code) {
  uint32_t ms = cpo_cmis_duration_ms(code);
  return ms ? ms : cpo_cmis_duration_ms(CPO_CMIS_NUM_DURATIONS - 1u);
}

void cpo_cmis_durations_parse(const uint8_t *p01, cpo_cmis_durations_t *out) {
  uint8_t dp = p01[CPO_CMIS_P01_DUR_DP_OFFSET], mod = p01[CPO_CMIS_P01_DUR_MODULE_OFFSET],
          tx = p01[CPO_CMIS_P01_DUR_TX_OFFSET];
#define S_FIELD(byte, f) (((byte)&CPO_CMIS_P01_##f##_MASK) >> CPO_CMIS_P01_##f##_SHIFT)
  out->dp_init_ms = cpo_cmis_duration_code_ms(S_FIELD(dp, DUR_DP_DP_INIT));
  out->dp_deinit_ms = cpo_cmis_duration_code_ms(S_FIELD(dp, DUR_DP_DP_DEINIT));
  out->module_pwr_up_ms = cpo_cmis_duration_code_ms(S_FIELD(mod, DUR_MODULE_PWR_UP));
  out->module_pwr_dn_ms = cpo_cmis_duration_code_ms(S_FIELD(mod, DUR_MODULE_PWR_DN));
  out->dp_tx_on_ms = cpo_cmis_duration_code_ms(S_FIELD(tx, DUR_TX_TX_ON));
  out->dp_tx_off_ms = cpo_cmis_duration_code_ms(S_FIELD(tx, DUR_TX_TX_OFF));
#undef S_FIELD
}

uint64_t cpo_cmis_ms_to_cycles(const cpo_config_t *cfg, uint64_t ms) {
  unsigned __int128 num = (unsigned __int128)ms * 1000000u * cfg->baud_hz;
  unsigned __int128 den = (unsigned __int128)cfg->symbols_per_cycle * 1000000000u;
  return (uint64_t)((num + den - 1) / den);
}

unsigned cpo_cmis_banks_parse(const uint8_t *p01) {
  return 1u << ((p01[CPO_CMIS_P01_BANKS_SUPPORTED_OFFSET] &
                 CPO_CMIS_P01_BANKS_SUPPORTED_BANKS_MASK) >>
                CPO_CMIS_P01_BANKS_SUPPORTED_BANKS_SHIFT);
}

double cpo_cmis_temp_degc(const uint8_t *be) {
  return (int16_t)s_be16(be) / 256.0;
}

double cpo_cmis_vcc_v(const uint8_t *be) {
  return s_be16(be) * 100e-6;
}

double cpo_cmis_power_w(const uint8_t *be) {
  return s_be16(be) * 0.1e-6;
}

double cpo_cmis_tx_bias_a(const uint8_t *be) {
  return s_be16(be) * 2e-6;
}

/* Four thresholds (high alarm, low alarm, high warning, low warning) from 8 bytes. */
static void s_threshold(const uint8_t *be, double (*conv)(const uint8_t *),
                        cpo_cmis_threshold_t *t) {
  t->high_alarm = conv(be);
  t->low_alarm = conv(be + 2);
  t->high_warn = conv(be + 4);
  t->low_warn = conv(be + 6);
}

void cpo_cmis_thresholds_parse(const uint8_t *p02, cpo_cmis_thresholds_t *out) {
  s_threshold(p02 + CPO_CMIS_P02_TEMP_THRESH_OFFSET, cpo_cmis_temp_degc, &out->temp_degc);
  s_threshold(p02 + CPO_CMIS_P02_VCC_THRESH_OFFSET, cpo_cmis_vcc_v, &out->vcc_v);
  s_threshold(p02 + CPO_CMIS_P02_TX_POWER_THRESH_OFFSET, cpo_cmis_power_w, &out->tx_power_w);
  s_threshold(p02 + CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET, cpo_cmis_tx_bias_a, &out->tx_bias_a);
  s_threshold(p02 + CPO_CMIS_P02_RX_POWER_THRESH_OFFSET, cpo_cmis_power_w, &out->rx_power_w);
}

/* @p v in units of @p lsb as 16 bits big-endian, rounded, saturated (signed: -32768..32767). */
static void s_put16(double v, double lsb, bool is_signed, uint8_t *be) {
  double code = isnan(v) ? 0.0 : v / lsb + (v < 0 ? -0.5 : 0.5); /* NaN: defined, and refused
                                                                     by cpo_cmis_set_thresholds */
  double lo = is_signed ? -32768.0 : 0.0, hi = is_signed ? 32767.0 : 65535.0;
  long k = (long)(code < lo ? lo : code > hi ? hi : code);
  uint16_t u = (uint16_t)(k & 0xFFFF);
  be[0] = (uint8_t)(u >> 8);
  be[1] = (uint8_t)u;
}

static void s_threshold_put(const cpo_cmis_threshold_t *t, double lsb, bool is_signed,
                            uint8_t *be) {
  s_put16(t->high_alarm, lsb, is_signed, be);
  s_put16(t->low_alarm, lsb, is_signed, be + 2);
  s_put16(t->high_warn, lsb, is_signed, be + 4);
  s_put16(t->low_warn, lsb, is_signed, be + 6);
}

void cpo_cmis_thresholds_encode(const cpo_cmis_thresholds_t *t, uint8_t *p02) {
  s_threshold_put(&t->temp_degc, 1.0 / 256, true, p02 + CPO_CMIS_P02_TEMP_THRESH_OFFSET);
  s_threshold_put(&t->vcc_v, 100e-6, false, p02 + CPO_CMIS_P02_VCC_THRESH_OFFSET);
  s_threshold_put(&t->tx_power_w, 0.1e-6, false, p02 + CPO_CMIS_P02_TX_POWER_THRESH_OFFSET);
  s_threshold_put(&t->tx_bias_a, 2e-6, false, p02 + CPO_CMIS_P02_TX_BIAS_THRESH_OFFSET);
  s_threshold_put(&t->rx_power_w, 0.1e-6, false, p02 + CPO_CMIS_P02_RX_POWER_THRESH_OFFSET);
}

/* ---- The external laser source: pages 1Ah and 1Bh ----------------------------------------- */

double cpo_cmis_els_bias_a(const uint8_t *be) {
  return s_be16(be) * 10e-6;
}

double cpo_cmis_els_power_w(const uint8_t *be) {
  return s_be16(be) * 10e-6;
}

double cpo_cmis_els_freq_thz(const uint8_t *be) {
  return s_be16(be) * 0.01;
}

int cpo_cmis_els_setpoint_encode(double v, double lsb, uint8_t *be) {
  double code = v / lsb + 0.5; /* round half up: cpoemu_cmis._els_code does the same */
  if (!(code >= 0.0 && code < 65536.0))
    return -1; /* NaN, negative or beyond 16 bits */
  uint16_t u = (uint16_t)code;
  be[0] = (uint8_t)(u >> 8);
  be[1] = (uint8_t)u;
  return 0;
}

unsigned cpo_cmis_els_state_of(const uint8_t *p1a, unsigned lane) {
  uint8_t b = p1a[CPO_CMIS_P1A_ELS_LANE_STATE_OFFSET + lane / 4u];
  unsigned shift = CPO_CMIS_P1A_ELS_LANE_STATE_LANE1_SHIFT * (lane % 4u);
  return (b >> shift) & CPO_CMIS_P1A_ELS_LANE_STATE_LANE0_MASK;
}

void cpo_cmis_els_decode(const uint8_t *p1a, const uint8_t *p1b, cpo_cmis_els_t *out) {
  memset(out, 0, sizeof *out);
  out->lanes = p1a[CPO_CMIS_P1A_ELS_LANES_OFFSET];
  if (out->lanes > CPO_CMIS_ELS_MAX_LANES)
    out->lanes = CPO_CMIS_ELS_MAX_LANES;
  out->modes = p1a[CPO_CMIS_P1A_ELS_CONTROL_MODES_OFFSET];
  out->flag_masks[0] = p1a[CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET];
  out->flag_masks[1] = p1a[CPO_CMIS_P1A_ELS_FLAG_MASKS_OFFSET + 1];
  out->enable = p1a[CPO_CMIS_P1A_ELS_LANE_ENABLE_OFFSET];
  out->fibre_checked = p1a[CPO_CMIS_P1A_ELS_FIBRE_CHECKED_OFFSET];
  out->power_control = p1b[CPO_CMIS_P1B_ELS_CONTROL_MODE_OFFSET];
  for (unsigned l = 0; l < CPO_CMIS_ELS_MAX_LANES; l++) {
    out->state[l] = cpo_cmis_els_state_of(p1a, l);
    out->freq_thz[l] = cpo_cmis_els_freq_thz(p1a + CPO_CMIS_P1A_ELS_LANE_FREQ_OFFSET_N(l));
    out->bias_setpoint_a[l] = cpo_cmis_els_bias_a(p1b + CPO_CMIS_P1B_ELS_BIAS_SETPOINT_OFFSET_N(l));
    out->power_setpoint_w[l] =
        cpo_cmis_els_power_w(p1b + CPO_CMIS_P1B_ELS_POWER_SETPOINT_OFFSET_N(l));
    out->bias_a[l] = cpo_cmis_els_bias_a(p1b + CPO_CMIS_P1B_ELS_BIAS_OFFSET_N(l));
    out->power_w[l] = cpo_cmis_els_power_w(p1b + CPO_CMIS_P1B_ELS_POWER_OFFSET_N(l));
    out->temp_degc[l] = cpo_cmis_temp_degc(p1b + CPO_CMIS_P1B_ELS_TEMP_OFFSET_N(l));
  }
}

void cpo_cmis_flags_decode_els(const uint8_t *p1a, cpo_cmis_flags_t *f) {
  f->els_state_changed |= p1a[CPO_CMIS_P1A_ELS_STATE_CHANGED_OFFSET];
  f->els_lane_fault |= p1a[CPO_CMIS_P1A_ELS_LANE_FAULT_OFFSET];
}

void cpo_cmis_flags_decode_bank(const uint8_t *p11, unsigned bank, cpo_cmis_flags_t *f) {
  unsigned shift = bank * CPO_CMIS_LANES_PER_BANK;
  if (shift >= CPO_CMIS_MAX_LANES)
    return;
#define S_LANES(offset) ((uint64_t)p11[offset] << shift)
  f->dp_state_changed |= S_LANES(CPO_CMIS_P11_DP_STATE_CHANGED_OFFSET);
  f->tx_fault |= S_LANES(CPO_CMIS_P11_TX_FAULT_OFFSET);
  f->tx_los |= S_LANES(CPO_CMIS_P11_TX_LOS_OFFSET);
  f->tx_cdr_lol |= S_LANES(CPO_CMIS_P11_TX_CDR_LOL_OFFSET);
  f->rx_los |= S_LANES(CPO_CMIS_P11_RX_LOS_OFFSET);
  f->rx_cdr_lol |= S_LANES(CPO_CMIS_P11_RX_CDR_LOL_OFFSET);
  for (unsigned k = 0; k < 4; k++) {
    f->tx_power[k] |= S_LANES(CPO_CMIS_P11_TX_POWER_FLAGS_OFFSET + k);
    f->tx_bias[k] |= S_LANES(CPO_CMIS_P11_TX_BIAS_FLAGS_OFFSET + k);
    f->rx_power[k] |= S_LANES(CPO_CMIS_P11_RX_POWER_FLAGS_OFFSET + k);
  }
#undef S_LANES
}

bool cpo_cmis_flags_any(const cpo_cmis_flags_t *f) {
  uint64_t any = f->module | f->temp_vcc | f->dp_state_changed | f->tx_fault | f->tx_los |
                 f->tx_cdr_lol | f->rx_los | f->rx_cdr_lol;
  for (unsigned k = 0; k < 4; k++)
    any |= f->tx_power[k] | f->tx_bias[k] | f->rx_power[k];
  return (any | f->els_state_changed | f->els_lane_fault) != 0;
}

static const char *const s_levels[4] = {"high alarm", "low alarm", "high warning", "low warning"};

/* Append "; " (if not first) and the formatted text; keeps counting past the end of @p out. */
static void s_add(char *out, size_t len, size_t *at, const char *fmt, const char *a,
                  const char *b) {
  int n = snprintf(*at < len ? out + *at : NULL, *at < len ? len - *at : 0, "%s", *at ? "; " : "");
  *at += (size_t)n;
  n = snprintf(*at < len ? out + *at : NULL, *at < len ? len - *at : 0, fmt, a, b);
  *at += (size_t)n;
}

static void s_add_lanes_of(char *out, size_t len, size_t *at, uint64_t mask, const char *kind,
                           const char *what) {
  for (unsigned l = 0; l < CPO_CMIS_MAX_LANES; l++)
    if (mask >> l & 1u) {
      char lane[24];
      snprintf(lane, sizeof lane, "%slane %u", kind, l + 1u); /* CMIS numbers lanes from 1 */
      s_add(out, len, at, "%s: %s", lane, what);
    }
}

static void s_add_lanes(char *out, size_t len, size_t *at, uint64_t mask, const char *what) {
  s_add_lanes_of(out, len, at, mask, "", what);
}

size_t cpo_cmis_flags_describe(const cpo_cmis_flags_t *f, char *out, size_t len) {
  static const char *const module_bits[3] = {"module state changed", "module firmware fault",
                                             "data-path firmware fault"};
  size_t at = 0;
  if (len)
    out[0] = '\0';
  for (unsigned b = 0; b < 3; b++)
    if (f->module >> b & 1u)
      s_add(out, len, &at, "%s%s", module_bits[b], "");
  for (unsigned b = 0; b < 8; b++)
    if (f->temp_vcc >> b & 1u)
      s_add(out, len, &at, "%s %s", b < 4 ? "temperature" : "Vcc", s_levels[b % 4]);
  s_add_lanes(out, len, &at, f->dp_state_changed, "data-path state changed");
  s_add_lanes(out, len, &at, f->tx_fault, "Tx fault");
  s_add_lanes(out, len, &at, f->tx_los, "Tx LOS");
  s_add_lanes(out, len, &at, f->tx_cdr_lol, "Tx CDR LOL");
  s_add_lanes(out, len, &at, f->rx_los, "Rx LOS");
  s_add_lanes(out, len, &at, f->rx_cdr_lol, "Rx CDR LOL");
  static const char *const power[4] = {"Tx power high alarm", "Tx power low alarm",
                                       "Tx power high warning", "Tx power low warning"};
  static const char *const bias[4] = {"Tx bias high alarm", "Tx bias low alarm",
                                      "Tx bias high warning", "Tx bias low warning"};
  static const char *const rx[4] = {"Rx power high alarm", "Rx power low alarm",
                                    "Rx power high warning", "Rx power low warning"};
  for (unsigned k = 0; k < 4; k++) {
    s_add_lanes(out, len, &at, f->tx_power[k], power[k]);
    s_add_lanes(out, len, &at, f->tx_bias[k], bias[k]);
    s_add_lanes(out, len, &at, f->rx_power[k], rx[k]);
  }
  s_add_lanes_of(out, len, &at, f->els_state_changed, "ELS ", "state changed");
  s_add_lanes_of(out, len, &at, f->els_lane_fault, "ELS ", "lane fault");
  if (at == 0)
    s_add(out, len, &at, "%s%s", "none", "");
  return at;
}

uint8_t cpo_cmis_cdb_chk(const uint8_t *hdr, const uint8_t *lpl, size_t lpl_len) {
  unsigned sum = 0;
  for (unsigned k = 0; k < 8; k++)
    if (k != CPO_CMIS_P9F_CDB_CHK_OFFSET - CPO_CMIS_P9F_CDB_CMD_OFFSET)
      sum += hdr[k];
  for (size_t k = 0; k < lpl_len; k++)
    sum += lpl[k];
  return (uint8_t)(0xFFu - (sum & 0xFFu));
}

uint8_t cpo_cmis_rpl_chk(const uint8_t *rpl, size_t rpl_len) {
  unsigned sum = 0;
  for (size_t k = 0; k < rpl_len; k++)
    sum += rpl[k];
  return (uint8_t)(0xFFu - (sum & 0xFFu));
}

/* Lane l's nibble of a nibble-per-lane field at @p offset: lane 2i in bits 3:0 of byte i. */
static unsigned s_nibble(const uint8_t *p11, unsigned offset, unsigned lane) {
  uint8_t b = p11[offset + lane / 2u];
  return lane % 2u ? b >> 4 : b & 0x0Fu;
}

unsigned cpo_cmis_dp_state_of(const uint8_t *p11, unsigned lane) {
  return s_nibble(p11, CPO_CMIS_P11_DP_STATE_OFFSET, lane);
}

unsigned cpo_cmis_config_status_of(const uint8_t *p11, unsigned lane) {
  return s_nibble(p11, CPO_CMIS_P11_CONFIG_STATUS_OFFSET, lane);
}
