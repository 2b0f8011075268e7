/* A CMIS 5.2 host driver over the HAL: what a switch's module-management stack does with a
 * QSFP-DD, OSFP or co-packaged engine, here against the emulated engine's CMIS window
 * (rtl/cmis/README.md, /work/shared/CMIS.md).
 *
 * CMIS byte k (0-255) of the current view is the 32-bit register at base + 4k (only bits 7:0
 * count); bytes 0-127 are the lower page, 128-255 the upper page that byte 127 (page) and
 * byte 126 (bank, pages 10h-FFh only) select. Every byte access costs management-bus time in
 * simulated time (the board's bus: a random read is 39 us on a two-wire interface at 1 MHz), so
 * the driver keeps the selection it wrote and does not write it again, and reads a select back
 * after writing it: a module refuses a page or bank it does not have by keeping the old value.
 *
 * Every wait is bounded by the duration the module advertises on page 01h, in simulated time,
 * polling with cpo_hal_sleep_cycles. Failures return a status and leave cpo_cmis_error() naming
 * what went wrong: the lane, the state it reached and the bound. Text numbers lanes from 1, as
 * CMIS does (lane N is bit N - 1 of a lane mask and engine lane N - 1); arrays from 0.
 *
 * The pure decoding functions (cpo_cmis_apps_parse, cpo_cmis_durations_parse, the monitor
 * conversions, the flags, the CDB check code) work on page images: 256-byte arrays indexed by
 * CMIS byte number (a lower page image uses [0, 128), an upper page image [128, 256)). */
#ifndef CPO_CMIS_H
#define CPO_CMIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpo/addrmap.h"
#include "cpo/cmis_map.h"
#include "cpo/hal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where the engine answers CMIS: the OE controller's CMIS window behind the ENGINE_OE port. */
#define CPO_CMIS_ENGINE_BASE (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_CMIS_BASE)
/** The most lanes (8 banks of 8) and applications (8 in the lower page, 7 on page 01h). */
#define CPO_CMIS_MAX_LANES 64u
#define CPO_CMIS_MAX_APPS 15u

/* ---- Pure decoding (page images in, values out) ------------------------------------------- */

/** One application advertisement. */
typedef struct {
  uint8_t host_if;            /* SFF-8024 host electrical interface ID */
  uint8_t media_if;           /* SFF-8024 media interface ID */
  uint8_t host_lanes;         /* host lanes per data path */
  uint8_t media_lanes;        /* media lanes per data path */
  uint8_t host_lane_options;  /* bit i: a data path may start on host lane i + 1 */
  uint8_t media_lane_options; /* page 01h 176+: bit i, media lane i + 1 (0xFF if not read) */
} cpo_cmis_app_t;

typedef struct {
  unsigned count; /* applications advertised; AppSel n is app[n - 1] */
  cpo_cmis_app_t app[CPO_CMIS_MAX_APPS];
} cpo_cmis_apps_t;

/** Parse the application list: descriptors 1-8 from @p lower (bytes 86-117), 9-15 and the media
 * lane options from @p p01 (bytes 176-190, 223-250; NULL: not read). The list ends at the first
 * host interface ID 0xFF (end of list) or 0x00 (unused). */
void cpo_cmis_apps_parse(const uint8_t *lower, const uint8_t *p01, cpo_cmis_apps_t *out);

/** The advertised durations (page 01h bytes 144, 167, 168), in ms. A reserved code reads as
 * the longest defined duration: a bound must never be shorter than what the module meant. */
typedef struct {
  uint32_t module_pwr_up_ms, module_pwr_dn_ms;
  uint32_t dp_init_ms, dp_deinit_ms;
  uint32_t dp_tx_on_ms, dp_tx_off_ms;
} cpo_cmis_durations_t;

void cpo_cmis_durations_parse(const uint8_t *p01, cpo_cmis_durations_t *out);
/** A duration code (page 01h) in ms; reserved codes as the longest defined. */
uint32_t cpo_cmis_duration_code_ms(unsigned code);
/** Datapath cycles in @p ms of simulated time (a cycle is symbols_per_cycle / baud_hz), up. */
uint64_t cpo_cmis_ms_to_cycles(const cpo_config_t *cfg, uint64_t ms);
/** Banks of pages 10h/11h advertised by page 01h byte 142 (bits 1:0: 1, 2, 4, 8). */
unsigned cpo_cmis_banks_parse(const uint8_t *p01);

/** Monitors in SI units, from their 16-bit big-endian bytes. */
double cpo_cmis_temp_degc(const uint8_t *be); /* signed, 1/256 degC */
double cpo_cmis_vcc_v(const uint8_t *be);     /* 100 uV */
double cpo_cmis_power_w(const uint8_t *be);   /* Tx and Rx power: 0.1 uW */
double cpo_cmis_tx_bias_a(const uint8_t *be); /* 2 uA */

/** Thresholds of one monitor, in its SI unit (degC, V, W, A). */
typedef struct {
  double high_alarm, low_alarm, high_warn, low_warn;
} cpo_cmis_threshold_t;

typedef struct {
  cpo_cmis_threshold_t temp_degc, vcc_v, tx_power_w, tx_bias_a, rx_power_w;
} cpo_cmis_thresholds_t;

/** Parse page 02h's thresholds. */
void cpo_cmis_thresholds_parse(const uint8_t *p02, cpo_cmis_thresholds_t *out);
/** Their bytes (the inverse: rounded to the byte's unit, saturated) into a page 02h image. */
void cpo_cmis_thresholds_encode(const cpo_cmis_thresholds_t *t, uint8_t *p02);

/** Latched flags (clear on read): the lower page's and, per lane (bit l = lane l), page 11h's.
 * Threshold flags in the order high alarm, low alarm, high warning, low warning. */
typedef struct {
  uint8_t module;   /* lower byte 8: state changed, firmware fault, data-path firmware fault */
  uint8_t temp_vcc; /* lower byte 9: temperature (3:0), Vcc (7:4) */
  uint64_t dp_state_changed, tx_fault, tx_los, tx_cdr_lol, rx_los, rx_cdr_lol;
  uint64_t tx_power[4], tx_bias[4], rx_power[4];
  uint8_t els_state_changed, els_lane_fault; /* page 1Ah bytes 200, 201 (bit i: ELS lane i) */
} cpo_cmis_flags_t;

/** Merge the flags of @p bank's page 11h image into @p f (lanes 8 bank .. 8 bank + 7). */
void cpo_cmis_flags_decode_bank(const uint8_t *p11, unsigned bank, cpo_cmis_flags_t *f);
/** Merge the ELS flags of a page 1Ah image into @p f. */
void cpo_cmis_flags_decode_els(const uint8_t *p1a, cpo_cmis_flags_t *f);
/** True if any flag is set. */
bool cpo_cmis_flags_any(const cpo_cmis_flags_t *f);
/** Name every set flag ("module: state changed; lane 3: Tx power low alarm; ELS lane 1: lane
 * fault"), "none" if none;
 * truncated to @p len. Returns the length it needed. */
size_t cpo_cmis_flags_describe(const cpo_cmis_flags_t *f, char *out, size_t len);

/* ---- The external laser source (OIF ELSFP over CMIS): pages 1Ah and 1Bh ------------------- *
 * Only an engine whose profile has an external laser source advertises them (the page select
 * refuses them otherwise); ELS lane i is the source's laser i, at most 8. */
#define CPO_CMIS_ELS_MAX_LANES 8u

/** Pages 1Ah/1Bh decoded (per-lane arrays indexed from 0, CPO_CMIS_ELS_MAX_LANES each). The
 * latched flags (1Ah bytes 200-201) are cpo_cmis_flags_t's: reading them clears them. */
typedef struct {
  unsigned lanes;        /* 1Ah 128: ELS lanes (1-8) */
  uint8_t modes;         /* 1Ah 129: control modes supported (_ELS_CONTROL_MODES_CURRENT/_POWER) */
  uint8_t flag_masks[2]; /* 1Ah 208-209: masks of the latched flags 200 and 201 */
  uint8_t enable;        /* 1Ah 220: lane i may emit */
  uint8_t fibre_checked; /* 1Ah 223: lane i's fibre check passed */
  uint8_t power_control; /* 1Bh 160: lane i in power control (1) or current control (0) */
  unsigned state[CPO_CMIS_ELS_MAX_LANES];          /* 1Ah 221-222: cpo_cmis_els_lane_state_t */
  double freq_thz[CPO_CMIS_ELS_MAX_LANES];         /* 1Ah 232-247: nominal optical frequency */
  double bias_setpoint_a[CPO_CMIS_ELS_MAX_LANES];  /* 1Bh 128-143: 0 = the product's nominal */
  double power_setpoint_w[CPO_CMIS_ELS_MAX_LANES]; /* 1Bh 144-159: 0 = as at bring-up */
  double bias_a[CPO_CMIS_ELS_MAX_LANES], power_w[CPO_CMIS_ELS_MAX_LANES],
      temp_degc[CPO_CMIS_ELS_MAX_LANES]; /* 1Bh 184-231: monitors */
} cpo_cmis_els_t;

/** Decode page images @p p1a and @p p1b (bytes 128-255 of each). */
void cpo_cmis_els_decode(const uint8_t *p1a, const uint8_t *p1b, cpo_cmis_els_t *out);
/** ELS lane @p lane's state (0-7: two bits of 1Ah byte 221 + lane / 4). */
unsigned cpo_cmis_els_state_of(const uint8_t *p1a, unsigned lane);
/** ELS monitor and setpoint units, from their 16-bit big-endian bytes. */
double cpo_cmis_els_bias_a(const uint8_t *be);   /* 10 uA */
double cpo_cmis_els_power_w(const uint8_t *be);  /* 10 uW */
double cpo_cmis_els_freq_thz(const uint8_t *be); /* 10 GHz */
/** A setpoint in @p lsb units (rounded) into @p be: -1 if it is not a number in 0..65535 LSB. */
int cpo_cmis_els_setpoint_encode(double v, double lsb, uint8_t *be);

/** CdbChkCode: 0xFF - (sum of header bytes 128-135 but 133, and of the LPL) & 0xFF, with
 * @p hdr the 8 bytes at 128-135. */
uint8_t cpo_cmis_cdb_chk(const uint8_t *hdr, const uint8_t *lpl, size_t lpl_len);
/** The RPL check code: 0xFF - (sum of the RPL) & 0xFF. */
uint8_t cpo_cmis_rpl_chk(const uint8_t *rpl, size_t rpl_len);

/** Data-path state of lane @p lane (0-7 of its bank) in a page 11h image. */
unsigned cpo_cmis_dp_state_of(const uint8_t *p11, unsigned lane);
/** Config status nibble of lane @p lane (0-7 of its bank) in a page 11h image. */
unsigned cpo_cmis_config_status_of(const uint8_t *p11, unsigned lane);

/** How application @p app_sel (1-based) of @p apps tiles @p lanes module lanes into data paths
 * of the application's host lane count: first[l] gets the first lane (0-based, module-wide) of
 * lane l's data path; a data path stays within its bank of 8 and starts on a lane the host lane
 * options allow (bit i: lane i + 1 of each bank). 0 if it tiles; otherwise -1 and @p why names
 * the application, lane and reason. */
int cpo_cmis_dp_plan(const cpo_cmis_apps_t *apps, unsigned app_sel, unsigned lanes, uint8_t *first,
                     char *why, size_t why_len);

/* ---- The driver -------------------------------------------------------------------------- */

typedef struct cpo_cmis cpo_cmis_t;

/** What the module advertises, read once by cpo_cmis_probe. */
typedef struct {
  uint8_t identifier; /* SFF-8024: 0x80 CPO, 0x18 QSFP-DD, 0x19 OSFP */
  uint8_t revision;   /* major 7:4, minor 3:0 */
  bool flat_mem;      /* no upper pages but 00h */
  unsigned banks;     /* banks of pages 10h/11h */
  unsigned lanes;     /* banks * 8 */
  uint8_t ctrl_support, mon_support, cdb_support;
  unsigned els_lanes; /* page 1Ah byte 128, once cpo_cmis_els_lanes answered; 0: none */
  uint8_t els_modes;  /* page 1Ah byte 129: ELS control modes supported */
  cpo_cmis_durations_t dur;
  cpo_cmis_apps_t apps;
} cpo_cmis_info_t;

/** A driver for the CMIS window at @p base (CPO_CMIS_ENGINE_BASE for the engine) of @p hal,
 * which must outlive it. Makes no access. */
CPO_MUST_USE cpo_status_t cpo_cmis_create(cpo_hal_t *hal, uint32_t base, cpo_cmis_t **out);
/** Free; safe on NULL, sets *c = NULL. The HAL stays open. */
void cpo_cmis_destroy(cpo_cmis_t **c);
/** Text of the last failure ("" if none). */
const char *cpo_cmis_error(const cpo_cmis_t *c);
/** Whether the last failure was the transport's or the peer's: a HAL call failed other than with
 * a bus error (the run silent, ended or gone), so the module never answered; false when the module
 * answered wrong (a bus error, a refused page or value, a state not reached within its bound). */
bool cpo_cmis_error_is_transport(const cpo_cmis_t *c);
cpo_hal_t *cpo_cmis_hal(const cpo_cmis_t *c);

/** Read byte 0 once: CPO_OK if the window answers, CPO_ERR_BUS if nothing is there. */
CPO_MUST_USE cpo_status_t cpo_cmis_present(cpo_cmis_t *c, uint8_t *identifier);
/** Read the identity and page 01h's advertisements (banks, durations, applications). */
CPO_MUST_USE cpo_status_t cpo_cmis_probe(cpo_cmis_t *c);
/** What the last cpo_cmis_probe read (NULL before one succeeded). */
const cpo_cmis_info_t *cpo_cmis_info(const cpo_cmis_t *c);

/** Select @p bank and @p page (the bank only for pages 10h-FFh), writing only what differs
 * from the selection last written, and reading back what was written: CPO_ERR_RANGE with the
 * error naming it if the module refused it. */
CPO_MUST_USE cpo_status_t cpo_cmis_select(cpo_cmis_t *c, unsigned bank, unsigned page);
/** @p n bytes from byte @p byte (0-255) of (bank, page) into @p buf; bytes below 128 are the
 * lower page whatever is selected. A run may not cross from the lower into the upper page. */
CPO_MUST_USE cpo_status_t cpo_cmis_read(cpo_cmis_t *c, unsigned bank, unsigned page, unsigned byte,
                                        uint8_t *buf, size_t n);
CPO_MUST_USE cpo_status_t cpo_cmis_write(cpo_cmis_t *c, unsigned bank, unsigned page, unsigned byte,
                                         const uint8_t *buf, size_t n);
/** The same over linear addresses (bank * 256 + page) * 128 + byte; may cross pages. */
CPO_MUST_USE cpo_status_t cpo_cmis_read_linear(cpo_cmis_t *c, uint32_t addr, uint8_t *buf,
                                               size_t n);
CPO_MUST_USE cpo_status_t cpo_cmis_write_linear(cpo_cmis_t *c, uint32_t addr, const uint8_t *buf,
                                                size_t n);

/** Module state (lower byte 3 bits 3:1). */
CPO_MUST_USE cpo_status_t cpo_cmis_module_state(cpo_cmis_t *c, unsigned *state);
/** Data-path state of every lane (needs cpo_cmis_probe): states[l] for l < info->lanes. */
CPO_MUST_USE cpo_status_t cpo_cmis_dp_states(cpo_cmis_t *c, uint8_t *states);

/** Leave (false) or enter (true) low power and wait for ModuleReady or ModuleLowPwr, bounded by
 * the advertised ModulePwrUp / ModulePwrDn. */
CPO_MUST_USE cpo_status_t cpo_cmis_set_low_power(cpo_cmis_t *c, bool low_power);

/** Called in every bounded wait at each poll, before the driver sleeps to the next one: where
 * other code sharing the HAL in virtual time runs, cooperatively and deterministically (the
 * engine's firmware answering DPInit, cpo/fw_dpinit.h). It may spend simulated time (the wait
 * then sleeps only what is left before @p next_poll_cycles); a status other than CPO_OK ends the
 * wait with it. */
typedef cpo_status_t (*cpo_cmis_poll_fn)(void *arg, uint64_t next_poll_cycles);
/** Install @p fn (NULL: none, the default) to be called with @p arg at each poll. */
void cpo_cmis_set_poll(cpo_cmis_t *c, cpo_cmis_poll_fn fn, void *arg);

/** The usual bring-up of every lane on application @p app_sel (1-based): deinit all lanes and
 * disable Tx, leave low power, wait Ready and Deactivated, stage the application, ApplyDPInit,
 * wait ConfigSuccess, clear deinit, wait DPInitialized, enable Tx, wait DPActivated; each wait
 * bounded by the advertised duration. Probes first if not yet probed. */
CPO_MUST_USE cpo_status_t cpo_cmis_bringup(cpo_cmis_t *c, unsigned app_sel);

typedef struct {
  double temp_degc, vcc_v;
  double tx_bias_a[CPO_CMIS_MAX_LANES], tx_power_w[CPO_CMIS_MAX_LANES],
      rx_power_w[CPO_CMIS_MAX_LANES];
} cpo_cmis_monitors_t;

/** Read every monitor (needs cpo_cmis_probe). */
CPO_MUST_USE cpo_status_t cpo_cmis_monitors(cpo_cmis_t *c, cpo_cmis_monitors_t *m);
CPO_MUST_USE cpo_status_t cpo_cmis_thresholds(cpo_cmis_t *c, cpo_cmis_thresholds_t *t);
/** Write every threshold of page 02h: the module's flags compare against them from its next
 * monitor sample. */
CPO_MUST_USE cpo_status_t cpo_cmis_set_thresholds(cpo_cmis_t *c, const cpo_cmis_thresholds_t *t);
/** Mask lane flag byte @p flag_byte of page 11h (134-152, e.g. CPO_CMIS_P11_RX_LOS_OFFSET) for
 * the lanes of @p lanes (bit l = lane l), unmask it for the others: page 10h byte 213 + (flag_byte
 * - 134) of every bank. A masked flag still latches but does not assert IntL. */
CPO_MUST_USE cpo_status_t cpo_cmis_set_lane_mask(cpo_cmis_t *c, unsigned flag_byte, uint64_t lanes);
/** IntL (lower byte 3 bit 0 low): an unmasked latched flag is set. */
CPO_MUST_USE cpo_status_t cpo_cmis_interrupt(cpo_cmis_t *c, bool *asserted);
/** Read (and so clear) every latched flag (needs cpo_cmis_probe), the ELS's (page 1Ah 200-201)
 * too if the module has an external laser source (cpo_cmis_els_lanes). */
CPO_MUST_USE cpo_status_t cpo_cmis_flags(cpo_cmis_t *c, cpo_cmis_flags_t *f);

/** ELS lanes (0: none), into info->els_lanes/els_modes: the first call (after each probe) selects
 * page 1Ah and reads bytes 128-129; a refused select (no advertisement bit says so) means no
 * external laser source. Later calls make no access. Probes first if not yet probed. */
CPO_MUST_USE cpo_status_t cpo_cmis_els_lanes(cpo_cmis_t *c, unsigned *lanes);

/* The ELS calls below fail with CPO_ERR_STATE and cpo_cmis_error() "the engine has no external
 * laser source (pages 1Ah/1Bh not advertised)" where cpo_cmis_els_lanes finds none. */
/** Read pages 1Ah/1Bh (not the latched flags: cpo_cmis_flags reads those). */
CPO_MUST_USE cpo_status_t cpo_cmis_els_read(cpo_cmis_t *c, cpo_cmis_els_t *e);
/** Let the ELS lanes of @p lanes (bit i: lane i) emit, switch the others off (1Ah byte 220). */
CPO_MUST_USE cpo_status_t cpo_cmis_els_set_enable(cpo_cmis_t *c, uint8_t lanes);

typedef enum {
  CPO_CMIS_ELS_MODE_KEEP,    /* leave the lane's control mode */
  CPO_CMIS_ELS_MODE_CURRENT, /* current control: the bias setpoint */
  CPO_CMIS_ELS_MODE_POWER,   /* power control: the power setpoint */
} cpo_cmis_els_mode_t;

/** ELS lane @p lane (0-based)'s setpoints: @p bias_a (current control's drive, 10 uA steps, 0 the
 * product's nominal) and @p power_w (power control's output, 10 uW steps, 0 as measured at
 * bring-up), NAN to leave one as it is; then its control mode (@p mode). CPO_ERR_RANGE for a
 * lane the source does not have, a value beyond 0-0.65535 A (W), or a mode not advertised. */
CPO_MUST_USE cpo_status_t cpo_cmis_els_set_setpoint(cpo_cmis_t *c, unsigned lane, double bias_a,
                                                    double power_w, cpo_cmis_els_mode_t mode);
/** Mask ELS flag byte @p flag_byte of page 1Ah (200 state changed, 201 lane fault) for the ELS
 * lanes of @p lanes, unmask it for the others (byte 208 + flag_byte - 200): a masked flag still
 * latches but does not assert IntL. */
CPO_MUST_USE cpo_status_t cpo_cmis_els_set_flag_mask(cpo_cmis_t *c, unsigned flag_byte,
                                                     uint8_t lanes);

/** Run CDB command @p cmd with LPL @p lpl (@p lpl_len <= 120): write the header and LPL, the
 * command ID last, wait while busy (bounded by CPO_CMIS_CDB_MAX_MS), check the reply's check
 * code. @p status gets lower byte 37; a failed command is CPO_ERR_STATE naming the status. */
#define CPO_CMIS_CDB_MAX_MS 1000u /* no CDB busy time is advertised here: a host's own bound */
CPO_MUST_USE cpo_status_t cpo_cmis_cdb(cpo_cmis_t *c, uint16_t cmd, const uint8_t *lpl,
                                       size_t lpl_len, uint8_t *rpl, size_t rpl_max,
                                       size_t *rpl_len, uint8_t *status);

typedef struct {
  uint8_t image_status; /* bit 0 A running, 1 A committed, 2 A valid, 4-6 the same for B */
  uint8_t image_info;   /* bit 0 A present, 1 B present, 2 factory image present */
  uint8_t a_major, a_minor;
  uint16_t a_build;
} cpo_cmis_fw_info_t;

/** CDB Query Status (0000h): @p lock_status gets the RPL's first byte. */
CPO_MUST_USE cpo_status_t cpo_cmis_cdb_query_status(cpo_cmis_t *c, uint8_t *lock_status);
/** CDB Get Firmware Info (0100h). */
CPO_MUST_USE cpo_status_t cpo_cmis_cdb_fw_info(cpo_cmis_t *c, cpo_cmis_fw_info_t *fw);

/** A module fault: CPO_ERR_STATE naming the cause if the module is in ModuleFault or has a
 * latched (firmware or data-path firmware) fault; CPO_OK if not. Reads byte 8 (clears it). */
CPO_MUST_USE cpo_status_t cpo_cmis_check_fault(cpo_cmis_t *c);
/** Software reset (lower byte 26 bit 3): forget the selection and wait until the module
 * answers again in ModuleLowPwr, bounded by ModulePwrUp. */
CPO_MUST_USE cpo_status_t cpo_cmis_reset(cpo_cmis_t *c);

/** A HAL over @p inner that writes one line per call to @p out, the register trace the C and
 * Python drivers are compared by: "@CYCLE R 0xADDR 0xDATA", "@CYCLE W 0xADDR 0xDATA" (with
 * " error N" appended if it failed, N the status), "@CYCLE S CYCLES" (a sleep); CYCLE the
 * simulated time at the call. Closing it leaves
 * @p inner and @p out open. */
CPO_MUST_USE cpo_status_t cpo_cmis_trace_hal(cpo_hal_t *inner, FILE *out, cpo_hal_t **traced);

/** Write the memory map decoded, in the style of `ethtool -m`, to @p out. */
CPO_MUST_USE cpo_status_t cpo_cmis_dump(cpo_cmis_t *c, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* CPO_CMIS_H */
