#include "cpo/hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cpo_hal {
  cpo_client_t *client;
  uint64_t now; /* cycle of the last completion: the host's present */
  char error[320];
};

cpo_status_t cpo_hal_open(const cpo_bridge_cfg_t *cfg, cpo_hal_t **out, char *why, size_t why_len) {
  *out = NULL;
  cpo_hal_t *hal = calloc(1, sizeof *hal);
  if (!hal)
    return CPO_ERR_NO_MEMORY;
  cpo_status_t rc = cpo_client_connect(cfg, &hal->client, why, why_len);
  if (rc != CPO_OK) {
    free(hal);
    return rc;
  }
  hal->now = cpo_client_last_cycle(hal->client);
  *out = hal;
  return CPO_OK;
}

/* Send one request and wait for its answer of type @p want. */
static cpo_status_t s_transact(cpo_hal_t *hal, cpo_msg_t *req, uint16_t want, cpo_msg_t *resp) {
  req->hdr.cycle = hal->now;
  hal->error[0] = '\0';
  cpo_status_t rc = cpo_client_send(hal->client, req);
  if (rc != CPO_OK) {
    snprintf(hal->error, sizeof hal->error, "cannot send %s: %s", cpo_msg_type_name(req->hdr.type),
             cpo_status_str(rc));
    return rc;
  }
  rc = cpo_client_recv(hal->client, resp, hal->error, sizeof hal->error);
  if (rc == CPO_ERR_PEER_GONE)
    return CPO_ERR_SIM_ENDED;
  if (rc != CPO_OK)
    return rc;
  if (resp->hdr.type != want) {
    snprintf(hal->error, sizeof hal->error, "rtl answered %s with %s", cpo_msg_type_name(req->hdr.type),
             cpo_msg_type_name(resp->hdr.type));
    return CPO_ERR_PROTOCOL;
  }
  hal->now = resp->hdr.cycle;
  return CPO_OK;
}

cpo_status_t cpo_hal_read(cpo_hal_t *hal, uint32_t addr, uint32_t *data) {
  cpo_msg_t req = {.hdr = {.type = CPO_MSG_REG_READ}}, resp;
  req.u.reg.addr = addr;
  CPO_TRY(s_transact(hal, &req, CPO_MSG_REG_READ_RESP, &resp));
  if (resp.u.reg.status != 0) {
    snprintf(hal->error, sizeof hal->error, "bus error reading 0x%04x at cycle %llu", addr,
             (unsigned long long)hal->now);
    return CPO_ERR_BUS;
  }
  *data = resp.u.reg.data;
  return CPO_OK;
}

cpo_status_t cpo_hal_write(cpo_hal_t *hal, uint32_t addr, uint32_t data) {
  cpo_msg_t req = {.hdr = {.type = CPO_MSG_REG_WRITE}}, resp;
  req.u.reg.addr = addr;
  req.u.reg.data = data;
  CPO_TRY(s_transact(hal, &req, CPO_MSG_REG_WRITE_RESP, &resp));
  if (resp.u.reg.status != 0) {
    snprintf(hal->error, sizeof hal->error, "bus error writing 0x%04x at cycle %llu", addr,
             (unsigned long long)hal->now);
    return CPO_ERR_BUS;
  }
  return CPO_OK;
}

cpo_status_t cpo_hal_sleep_cycles(cpo_hal_t *hal, uint64_t cycles) {
  cpo_msg_t req = {.hdr = {.type = CPO_MSG_SLEEP}}, resp;
  req.u.sleep.until_cycle = hal->now + cycles;
  return s_transact(hal, &req, CPO_MSG_SLEEP_DONE, &resp);
}

/* cycle time = symbols_per_cycle / baud_hz; 128-bit products keep hours of ns exact. */
uint64_t cpo_hal_ns_to_cycles(const cpo_hal_t *hal, uint64_t ns) {
  const cpo_config_t *c = cpo_client_config(hal->client);
  unsigned __int128 num = (unsigned __int128)ns * c->baud_hz;
  unsigned __int128 den = (unsigned __int128)c->symbols_per_cycle * 1000000000u;
  return (uint64_t)((num + den - 1) / den);
}

cpo_status_t cpo_hal_sleep_ns(cpo_hal_t *hal, uint64_t ns) {
  return cpo_hal_sleep_cycles(hal, cpo_hal_ns_to_cycles(hal, ns));
}

uint64_t cpo_hal_now_cycles(const cpo_hal_t *hal) {
  return hal->now;
}

uint64_t cpo_hal_now_ns(const cpo_hal_t *hal) {
  const cpo_config_t *c = cpo_client_config(hal->client);
  unsigned __int128 num = (unsigned __int128)hal->now * c->symbols_per_cycle * 1000000000u;
  return (uint64_t)(num / c->baud_hz);
}

const cpo_config_t *cpo_hal_config(const cpo_hal_t *hal) {
  return cpo_client_config(hal->client);
}

const char *cpo_hal_error(const cpo_hal_t *hal) {
  return hal->error;
}

void cpo_hal_close(cpo_hal_t **phal) {
  if (!phal || !*phal)
    return;
  cpo_client_close(&(*phal)->client, 0, "host done");
  free(*phal);
  *phal = NULL;
}
