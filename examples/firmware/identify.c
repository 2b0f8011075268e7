/* Firmware over cpoemu's HAL: attach to a running simulation as its host, say which engine runs
 * there, read the OE controller's identification and the D2D link's state, detach (README.md,
 * "An SDK"). The engine's registers: cpo/addrmap.h places each block, cpo/<block>_regs.h. */
#include <stdio.h>

#include <cpo/addrmap.h>
#include <cpo/d2d_regs.h>
#include <cpo/hal.h>
#include <cpo/oe_regs.h>

#define OE_MGMT(offset) (CPO_ADDRMAP_ENGINE_OE_BASE + CPO_ADDRMAP_OE_MGMT_ADDR(offset))

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s ENDPOINT   (the rtl's, e.g. ipc:///tmp/cpo.sock)\n", argv[0]);
    return 2;
  }
  cpo_bridge_cfg_t cfg = {
      .endpoint = argv[1], .role = CPO_ROLE_HOST, .adopt_config = true, .timeout_ms = 10000};
  cpo_hal_t *hal;
  char why[400];
  if (cpo_hal_open(&cfg, &hal, why, sizeof why) != CPO_OK) {
    fprintf(stderr, "identify: cannot attach: %s\n", why);
    return 1;
  }
  const cpo_config_t *c = cpo_hal_config(hal);
  printf("profile %.*s: %u lanes at %llu Bd\n", (int)sizeof c->profile, c->profile, c->lanes,
         (unsigned long long)c->baud_hz);
  uint32_t id = 0, config = 0, d2d = 0;
  cpo_status_t rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_ID_OFFSET), &id);
  if (rc == CPO_OK)
    rc = cpo_hal_read(hal, OE_MGMT(CPO_OE_CONFIG_OFFSET), &config);
  if (rc == CPO_OK)
    rc = cpo_hal_read(hal, CPO_ADDRMAP_ENGINE_ASIC_D2D_ADDR(CPO_D2D_STATUS_OFFSET), &d2d);
  const char *state =
      cpo_d2d_ltsm_state_name((d2d & CPO_D2D_STATUS_STATE_MASK) >> CPO_D2D_STATUS_STATE_SHIFT);
  if (rc != CPO_OK)
    fprintf(stderr, "identify: %s\n", cpo_hal_error(hal));
  else
    printf("engine id 0x%08x (%s), %u host lanes over %u media lanes, D2D %s, at cycle %llu\n", id,
           id == CPO_OE_ID_MAGIC_RESET ? "cpoemu OE" : "unknown",
           (config & CPO_OE_CONFIG_HOST_LANES_MASK) >> CPO_OE_CONFIG_HOST_LANES_SHIFT,
           (config & CPO_OE_CONFIG_MEDIA_LANES_MASK) >> CPO_OE_CONFIG_MEDIA_LANES_SHIFT,
           state ? state : "?", (unsigned long long)cpo_hal_now_cycles(hal));
  cpo_hal_close(&hal);
  return rc == CPO_OK && id == CPO_OE_ID_MAGIC_RESET ? 0 : 1;
}
