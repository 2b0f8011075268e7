/* The memory map decoded for people, in the style of `ethtool -m` (one "name : value" a line).
 * Reading page 11h's (and 1Ah's) flags clears them, as on a real module. */
#include <string.h>

#include "cmis_internal.h"
#include "cpo/units.h"

#define S_ROW(out, name, ...)                                                                      \
  do {                                                                                             \
    fprintf(out, "\t%-46s: ", name);                                                               \
    fprintf(out, __VA_ARGS__);                                                                     \
    fputc('\n', out);                                                                              \
  } while (0)

/* An ASCII field without its space padding. */
static void s_ascii(const uint8_t *b, unsigned n, char *out) {
  while (n && (b[n - 1] == ' ' || b[n - 1] == 0))
    n--;
  for (unsigned k = 0; k < n; k++)
    out[k] = b[k] >= 0x20 && b[k] < 0x7F ? (char)b[k] : '?';
  out[n] = '\0';
}

static const char *s_identifier(uint8_t id) {
  switch (id) {
  case 0x18:
    return "QSFP-DD";
  case 0x19:
    return "OSFP";
  case 0x80:
    return "co-packaged optical engine";
  default:
    return "unknown";
  }
}

static void s_identity(FILE *out, const uint8_t *lower, const uint8_t *p00) {
  char s[24];
  uint8_t id = lower[CPO_CMIS_LOWER_IDENTIFIER_OFFSET], rev = lower[CPO_CMIS_LOWER_REVISION_OFFSET];
  S_ROW(out, "Identifier", "0x%02x (%s)", id, s_identifier(id));
  S_ROW(out, "Revision compliance", "Rev. %u.%u", rev >> 4, rev & 0x0F);
  S_ROW(out, "Memory model", "%s",
        lower[CPO_CMIS_LOWER_CHARACTERISTICS_OFFSET] & CPO_CMIS_LOWER_CHARACTERISTICS_FLAT_MEM_MASK
            ? "flat"
            : "paged");
  unsigned st =
      (lower[CPO_CMIS_LOWER_MODULE_STATE_OFFSET] & CPO_CMIS_LOWER_MODULE_STATE_STATE_MASK) >>
      CPO_CMIS_LOWER_MODULE_STATE_STATE_SHIFT;
  S_ROW(out, "Module state", "0x%02x (%s)", st, cpo_cmis_module_state_text(st));
  S_ROW(out, "Module fault cause", "0x%02x", lower[CPO_CMIS_LOWER_FAULT_CAUSE_OFFSET]);
  S_ROW(out, "Active firmware revision", "%u.%u", lower[CPO_CMIS_LOWER_FW_REVISION_OFFSET],
        lower[CPO_CMIS_LOWER_FW_REVISION_OFFSET + 1]);
  S_ROW(out, "Media type", "0x%02x", lower[CPO_CMIS_LOWER_MEDIA_TYPE_OFFSET]);
  s_ascii(p00 + CPO_CMIS_P00_VENDOR_NAME_OFFSET, CPO_CMIS_P00_VENDOR_NAME_COUNT, s);
  S_ROW(out, "Vendor name", "%s", s);
  const uint8_t *oui = p00 + CPO_CMIS_P00_VENDOR_OUI_OFFSET;
  S_ROW(out, "Vendor OUI", "%02x:%02x:%02x", oui[0], oui[1], oui[2]);
  s_ascii(p00 + CPO_CMIS_P00_VENDOR_PN_OFFSET, CPO_CMIS_P00_VENDOR_PN_COUNT, s);
  S_ROW(out, "Vendor PN", "%s", s);
  s_ascii(p00 + CPO_CMIS_P00_VENDOR_REV_OFFSET, CPO_CMIS_P00_VENDOR_REV_COUNT, s);
  S_ROW(out, "Vendor rev", "%s", s);
  s_ascii(p00 + CPO_CMIS_P00_VENDOR_SN_OFFSET, CPO_CMIS_P00_VENDOR_SN_COUNT, s);
  S_ROW(out, "Vendor SN", "%s", s);
  s_ascii(p00 + CPO_CMIS_P00_DATE_CODE_OFFSET, CPO_CMIS_P00_DATE_CODE_COUNT, s);
  S_ROW(out, "Date code", "%s", s);
  S_ROW(out, "Power class", "%u",
        ((p00[CPO_CMIS_P00_POWER_CLASS_OFFSET] & CPO_CMIS_P00_POWER_CLASS_CLASS_MASK) >>
         CPO_CMIS_P00_POWER_CLASS_CLASS_SHIFT) +
            1u);
  S_ROW(out, "Max power", "%.2f W", p00[CPO_CMIS_P00_MAX_POWER_OFFSET] * 0.25);
  S_ROW(out, "Connector", "0x%02x", p00[CPO_CMIS_P00_CONNECTOR_OFFSET]);
}

static void s_advertising(FILE *out, const cpo_cmis_info_t *i) {
  char name[64];
  for (unsigned a = 0; a < i->apps.count; a++) {
    const cpo_cmis_app_t *p = &i->apps.app[a];
    snprintf(name, sizeof name, "Application %u", a + 1);
    S_ROW(out, name,
          "host 0x%02x, media 0x%02x, %u host / %u media lanes, host lane options 0x%02x, media "
          "lane options 0x%02x",
          p->host_if, p->media_if, p->host_lanes, p->media_lanes, p->host_lane_options,
          p->media_lane_options);
  }
  S_ROW(out, "Banks / lanes", "%u / %u", i->banks, i->lanes);
  S_ROW(out, "MaxDuration ModulePwrUp / PwrDn", "%u ms / %u ms", i->dur.module_pwr_up_ms,
        i->dur.module_pwr_dn_ms);
  S_ROW(out, "MaxDuration DPInit / DPDeinit", "%u ms / %u ms", i->dur.dp_init_ms,
        i->dur.dp_deinit_ms);
  S_ROW(out, "MaxDuration DPTxTurnOn / DPTxTurnOff", "%u ms / %u ms", i->dur.dp_tx_on_ms,
        i->dur.dp_tx_off_ms);
  S_ROW(out, "Tx output disable supported", "%s",
        i->ctrl_support & CPO_CMIS_P01_CTRL_SUPPORT_TX_DISABLE_MASK ? "yes" : "no");
  S_ROW(out, "Monitors supported", "Tx bias %s, Tx power %s, Rx power %s",
        i->mon_support & CPO_CMIS_P01_MON_SUPPORT_TX_BIAS_MASK ? "yes" : "no",
        i->mon_support & CPO_CMIS_P01_MON_SUPPORT_TX_POWER_MASK ? "yes" : "no",
        i->mon_support & CPO_CMIS_P01_MON_SUPPORT_RX_POWER_MASK ? "yes" : "no");
  S_ROW(out, "CDB instances", "%u",
        (i->cdb_support & CPO_CMIS_P01_CDB_SUPPORT_INSTANCES_MASK) >>
            CPO_CMIS_P01_CDB_SUPPORT_INSTANCES_SHIFT);
}

static void s_power_row(FILE *out, const char *what, unsigned lane, double w) {
  char name[64];
  snprintf(name, sizeof name, "%s (Lane %u)", what, lane);
  if (w > 0)
    S_ROW(out, name, "%.4f mW / %.2f dBm", w * 1e3, cpo_w_to_dbm(w));
  else
    S_ROW(out, name, "%.4f mW / -inf dBm", w * 1e3);
}

static void s_threshold_rows(FILE *out, const char *what, const char *unit, double scale,
                             const cpo_cmis_threshold_t *t) {
  char name[80];
  static const char *const level[4] = {"high alarm", "low alarm", "high warning", "low warning"};
  const double v[4] = {t->high_alarm, t->low_alarm, t->high_warn, t->low_warn};
  for (unsigned k = 0; k < 4; k++) {
    snprintf(name, sizeof name, "%s %s threshold", what, level[k]);
    S_ROW(out, name, "%.4f %s", v[k] * scale, unit);
  }
}

/* One bank's lanes: data-path state, configuration, the monitors page 01h advertises. */
static void s_lanes(FILE *out, unsigned bank, const uint8_t *p11, uint8_t mon_support) {
  char name[64];
  for (unsigned l = 0; l < CPO_CMIS_LANES_PER_BANK; l++) {
    unsigned lane = bank * CPO_CMIS_LANES_PER_BANK + l + 1, st = cpo_cmis_dp_state_of(p11, l),
             cs = cpo_cmis_config_status_of(p11, l);
    const char *csd = cpo_cmis_config_status_desc(cs);
    uint8_t active = p11[CPO_CMIS_P11_ACTIVE_CONFIG_OFFSET_N(l)];
    snprintf(name, sizeof name, "Data path state (Lane %u)", lane);
    S_ROW(out, name, "%s", cpo_cmis_dp_state_text(st));
    snprintf(name, sizeof name, "Config status, active AppSel (Lane %u)", lane);
    S_ROW(out, name, "%s, AppSel %u, DataPathID %u", csd ? csd : "reserved",
          (active & CPO_CMIS_P11_ACTIVE_CONFIG_APP_SEL_MASK) >>
              CPO_CMIS_P11_ACTIVE_CONFIG_APP_SEL_SHIFT,
          (active & CPO_CMIS_P11_ACTIVE_CONFIG_DP_ID_MASK) >>
              CPO_CMIS_P11_ACTIVE_CONFIG_DP_ID_SHIFT);
    snprintf(name, sizeof name, "Laser bias current (Lane %u)", lane);
    if (mon_support & CPO_CMIS_P01_MON_SUPPORT_TX_BIAS_MASK)
      S_ROW(out, name, "%.3f mA", cpo_cmis_tx_bias_a(p11 + CPO_CMIS_P11_TX_BIAS_OFFSET_N(l)) * 1e3);
    else
      S_ROW(out, name, "not monitored (page 01h byte 160)");
    if (mon_support & CPO_CMIS_P01_MON_SUPPORT_TX_POWER_MASK)
      s_power_row(out, "Transmit avg optical power", lane,
                  cpo_cmis_power_w(p11 + CPO_CMIS_P11_TX_POWER_OFFSET_N(l)));
    if (mon_support & CPO_CMIS_P01_MON_SUPPORT_RX_POWER_MASK)
      s_power_row(out, "Rcvr signal avg optical power", lane,
                  cpo_cmis_power_w(p11 + CPO_CMIS_P11_RX_POWER_OFFSET_N(l)));
  }
}

/* The external laser source, one block of rows per ELS lane (pages 1Ah/1Bh). */
static void s_els(FILE *out, const cpo_cmis_els_t *e) {
  char name[64];
  S_ROW(out, "External laser source lanes", "%u", e->lanes);
  S_ROW(out, "ELS control modes supported", "current %s, power %s",
        e->modes & CPO_CMIS_P1A_ELS_CONTROL_MODES_CURRENT_MASK ? "yes" : "no",
        e->modes & CPO_CMIS_P1A_ELS_CONTROL_MODES_POWER_MASK ? "yes" : "no");
  for (unsigned l = 0; l < e->lanes; l++) {
    unsigned lane = l + 1;
    const char *st = cpo_cmis_els_lane_state_name(e->state[l]);
    snprintf(name, sizeof name, "ELS lane state (Lane %u)", lane);
    S_ROW(out, name, "%s", st ? st : "reserved");
    snprintf(name, sizeof name, "ELS lane enabled (Lane %u)", lane);
    S_ROW(out, name, "%s", e->enable >> l & 1u ? "yes" : "no");
    snprintf(name, sizeof name, "ELS fibre checked (Lane %u)", lane);
    S_ROW(out, name, "%s", e->fibre_checked >> l & 1u ? "yes" : "no");
    snprintf(name, sizeof name, "ELS frequency (Lane %u)", lane);
    S_ROW(out, name, "%.2f THz", e->freq_thz[l]);
    snprintf(name, sizeof name, "ELS control mode (Lane %u)", lane);
    S_ROW(out, name, "%s", e->power_control >> l & 1u ? "power" : "current");
    snprintf(name, sizeof name, "ELS bias setpoint (Lane %u)", lane);
    if (e->bias_setpoint_a[l] > 0)
      S_ROW(out, name, "%.2f mA", e->bias_setpoint_a[l] * 1e3);
    else
      S_ROW(out, name, "nominal");
    snprintf(name, sizeof name, "ELS power setpoint (Lane %u)", lane);
    if (e->power_setpoint_w[l] > 0)
      S_ROW(out, name, "%.2f mW / %.2f dBm", e->power_setpoint_w[l] * 1e3,
            cpo_w_to_dbm(e->power_setpoint_w[l]));
    else
      S_ROW(out, name, "as measured at bring-up");
    snprintf(name, sizeof name, "ELS laser bias current (Lane %u)", lane);
    S_ROW(out, name, "%.2f mA", e->bias_a[l] * 1e3);
    s_power_row(out, "ELS laser output power", lane, e->power_w[l]);
    snprintf(name, sizeof name, "ELS laser temperature (Lane %u)", lane);
    S_ROW(out, name, "%.2f degrees C", e->temp_degc[l]);
  }
}

cpo_status_t cpo_cmis_dump(cpo_cmis_t *c, FILE *out) {
  uint8_t lower[256] = {0}, p00[256] = {0}, p02[256] = {0}, p11[256];
  CPO_TRY(cpo_cmis_read(c, 0, 0, 0, lower, 128));
  CPO_TRY(cpo_cmis_probe(c));
  const cpo_cmis_info_t *i = &c->info;
  if (!i->flat_mem)
    CPO_TRY(cpo_cmis_read_upper(c, 0, CPO_CMIS_PAGE_P00, p00));
  s_identity(out, lower, p00);
  s_advertising(out, i);
  S_ROW(out, "Module temperature", "%.2f degrees C / %.2f degrees F",
        cpo_cmis_temp_degc(lower + CPO_CMIS_LOWER_TEMPERATURE_OFFSET),
        cpo_cmis_temp_degc(lower + CPO_CMIS_LOWER_TEMPERATURE_OFFSET) * 9.0 / 5.0 + 32.0);
  S_ROW(out, "Module voltage", "%.4f V", cpo_cmis_vcc_v(lower + CPO_CMIS_LOWER_VCC_OFFSET));
  if (i->flat_mem)
    return CPO_OK;
  cpo_cmis_flags_t f;
  memset(&f, 0, sizeof f);
  f.module = lower[CPO_CMIS_LOWER_MODULE_FLAGS_OFFSET];
  f.temp_vcc = lower[CPO_CMIS_LOWER_TEMP_VCC_FLAGS_OFFSET];
  for (unsigned bank = 0; bank < i->banks; bank++) {
    CPO_TRY(cpo_cmis_read_upper(c, bank, CPO_CMIS_PAGE_P11, p11));
    s_lanes(out, bank, p11, i->mon_support);
    cpo_cmis_flags_decode_bank(p11, bank, &f);
  }
  unsigned els_lanes;
  CPO_TRY(cpo_cmis_els_lanes(c, &els_lanes));
  if (els_lanes) {
    uint8_t p1a[256] = {0}, p1b[256] = {0};
    cpo_cmis_els_t e;
    CPO_TRY(cpo_cmis_read_upper(c, 0, CPO_CMIS_PAGE_P1A, p1a));
    CPO_TRY(cpo_cmis_read_upper(c, 0, CPO_CMIS_PAGE_P1B, p1b));
    cpo_cmis_els_decode(p1a, p1b, &e);
    cpo_cmis_flags_decode_els(p1a, &f);
    s_els(out, &e);
  } else {
    S_ROW(out, "External laser source", "none (pages 1Ah/1Bh not advertised)");
  }
  char flags[2048];
  cpo_cmis_flags_describe(&f, flags, sizeof flags);
  S_ROW(out, "Latched flags (now cleared)", "%s", flags);
  CPO_TRY(cpo_cmis_read_upper(c, 0, CPO_CMIS_PAGE_P02, p02));
  cpo_cmis_thresholds_t t;
  cpo_cmis_thresholds_parse(p02, &t);
  s_threshold_rows(out, "Module temperature", "degrees C", 1.0, &t.temp_degc);
  s_threshold_rows(out, "Module voltage", "V", 1.0, &t.vcc_v);
  if (i->mon_support & CPO_CMIS_P01_MON_SUPPORT_TX_BIAS_MASK)
    s_threshold_rows(out, "Laser bias current", "mA", 1e3, &t.tx_bias_a);
  s_threshold_rows(out, "Laser output power", "mW", 1e3, &t.tx_power_w);
  s_threshold_rows(out, "Laser rx power", "mW", 1e3, &t.rx_power_w);
  return CPO_OK;
}
