/* Firmware over cpoemu's HAL: attach to a running simulation as its host, say which engine runs
 * there, read the lane block's identification registers, detach (README.md, "An SDK"). */
#include <stdio.h>

#include <cpo/hal.h>
#include <cpo/lanes_regs.h>

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
  uint32_t id = 0, version = 0;
  cpo_status_t rc = cpo_hal_read(hal, CPO_LANES_ID_OFFSET, &id);
  if (rc == CPO_OK)
    rc = cpo_hal_read(hal, CPO_LANES_VERSION_OFFSET, &version);
  if (rc != CPO_OK)
    fprintf(stderr, "identify: %s\n", cpo_hal_error(hal));
  else
    printf("engine id 0x%08x (%s), version 0x%08x, at cycle %llu\n", id,
           id == CPO_LANES_ID_MAGIC_RESET ? "cpoemu lanes" : "unknown", version,
           (unsigned long long)cpo_hal_now_cycles(hal));
  cpo_hal_close(&hal);
  return rc == CPO_OK && id == CPO_LANES_ID_MAGIC_RESET ? 0 : 1;
}
