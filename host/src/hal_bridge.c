/* The HAL's bridge backend: each register access and sleep is a request to the rtl over the
 * bridge, answered at the cycle it completed (PROTOCOL.md section 9). */
#include "cpo/hal.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Between calls simulated time stands still and the rtl waits for the next request, however
 * long the firmware computes: a keep-alive thread holds the session meanwhile (HEARTBEATs out,
 * the rtl's taken off the queue; PROTOCOL.md section 9). Every use of the client holds lock. */
typedef struct {
  cpo_client_t *client;
  uint64_t now; /* cycle of the last completion: the host's present */
  char error[320];
  pthread_mutex_t lock;
  pthread_cond_t stop_cond; /* on CLOCK_MONOTONIC */
  pthread_t keepalive;
  uint32_t interval_ms;
  bool stopping;
  cpo_status_t pending; /* what the rtl said between calls, returned by the next call */
  char pending_why[320];
} hal_bridge_t;

static void s_deadline(struct timespec *t, uint32_t ms) {
  clock_gettime(CLOCK_MONOTONIC, t);
  t->tv_sec += ms / 1000u;
  t->tv_nsec += (long)(ms % 1000u) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

/* Take what the rtl sent while no call was in progress: HEARTBEATs vanish in the client; the
 * first thing that means more (BYE, ERROR, a stray message) waits for the next call. */
static void s_take_idle(hal_bridge_t *hal) {
  cpo_msg_t m;
  cpo_status_t rc = cpo_client_poll(hal->client, &m, hal->pending_why, sizeof hal->pending_why);
  if (rc == CPO_ERR_TIMEOUT && hal->pending_why[0] == '\0')
    return; /* nothing queued */
  if (rc == CPO_OK) {
    snprintf(hal->pending_why, sizeof hal->pending_why, "rtl sent %s while no request was open",
             cpo_msg_type_name(m.hdr.type));
    rc = CPO_ERR_PROTOCOL;
  }
  hal->pending = rc == CPO_ERR_PEER_GONE ? CPO_ERR_SIM_ENDED : rc;
}

static void *s_keep_alive(void *arg) {
  hal_bridge_t *hal = arg;
  pthread_mutex_lock(&hal->lock);
  while (!hal->stopping) {
    struct timespec until;
    s_deadline(&until, hal->interval_ms);
    pthread_cond_timedwait(&hal->stop_cond, &hal->lock, &until);
    if (hal->stopping || hal->pending != CPO_OK)
      continue;
    cpo_client_tick(hal->client);
    s_take_idle(hal);
  }
  pthread_mutex_unlock(&hal->lock);
  return NULL;
}

static const cpo_hal_ops_t s_ops;

static void s_close(void *self);

cpo_status_t cpo_hal_open(const cpo_bridge_cfg_t *cfg, cpo_hal_t **out, char *why, size_t why_len) {
  *out = NULL;
  hal_bridge_t *hal = calloc(1, sizeof *hal);
  if (!hal)
    return CPO_ERR_NO_MEMORY;
  cpo_status_t rc = cpo_client_connect(cfg, &hal->client, why, why_len);
  if (rc != CPO_OK) {
    free(hal);
    return rc;
  }
  hal->now = cpo_client_last_cycle(hal->client);
  hal->interval_ms = cfg->timeout_ms / 8 + 1; /* the client heartbeats every timeout / 4 */
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&hal->stop_cond, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&hal->lock, NULL);
  if (pthread_create(&hal->keepalive, NULL, s_keep_alive, hal) != 0) {
    snprintf(why, why_len, "cannot start the keep-alive thread");
    cpo_client_close(&hal->client, CPO_ERR_NO_MEMORY, "host failed");
    pthread_cond_destroy(&hal->stop_cond);
    pthread_mutex_destroy(&hal->lock);
    free(hal);
    return CPO_ERR_NO_MEMORY;
  }
  rc = cpo_hal_create(&s_ops, hal, out);
  if (rc != CPO_OK) {
    snprintf(why, why_len, "out of memory");
    s_close(hal);
  }
  return rc;
}

/* The request itself, under hal->lock. */
static cpo_status_t s_exchange(hal_bridge_t *hal, cpo_msg_t *req, uint16_t want, cpo_msg_t *resp) {
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
  if (resp->hdr.type != want) { /* refused: it moves nothing of the session (PROTOCOL.md 5) */
    snprintf(hal->error, sizeof hal->error, "rtl answered %s with %s",
             cpo_msg_type_name(req->hdr.type), cpo_msg_type_name(resp->hdr.type));
    cpo_client_reject(hal->client, resp, CPO_WERR_UNEXPECTED, hal->error);
    return CPO_ERR_PROTOCOL;
  }
  hal->now = resp->hdr.cycle;
  return CPO_OK;
}

/* Send one request and wait for its answer of type @p want. */
static cpo_status_t s_transact(hal_bridge_t *hal, cpo_msg_t *req, uint16_t want, cpo_msg_t *resp) {
  pthread_mutex_lock(&hal->lock);
  cpo_status_t rc = hal->pending;
  if (rc != CPO_OK) { /* the rtl spoke between calls: that is this call's answer */
    snprintf(hal->error, sizeof hal->error, "%s", hal->pending_why);
    if (rc != CPO_ERR_SIM_ENDED) { /* an ended run stays ended for every later call */
      hal->pending = CPO_OK;
      hal->pending_why[0] = '\0';
    }
    pthread_mutex_unlock(&hal->lock);
    return rc;
  }
  rc = s_exchange(hal, req, want, resp);
  if (rc == CPO_ERR_SIM_ENDED) {
    hal->pending = rc;
    snprintf(hal->pending_why, sizeof hal->pending_why, "%s", hal->error);
  }
  pthread_mutex_unlock(&hal->lock);
  return rc;
}

static cpo_status_t s_read32(void *self, uint32_t addr, uint32_t *data) {
  hal_bridge_t *hal = self;
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

static cpo_status_t s_write32(void *self, uint32_t addr, uint32_t data) {
  hal_bridge_t *hal = self;
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

static cpo_status_t s_sleep_cycles(void *self, uint64_t cycles) {
  hal_bridge_t *hal = self;
  cpo_msg_t req = {.hdr = {.type = CPO_MSG_SLEEP}}, resp;
  req.u.sleep.until_cycle = hal->now + cycles;
  return s_transact(hal, &req, CPO_MSG_SLEEP_DONE, &resp);
}

static uint64_t s_now_cycles(const void *self) {
  return ((const hal_bridge_t *)self)->now;
}

static const cpo_config_t *s_config(const void *self) {
  return cpo_client_config(((const hal_bridge_t *)self)->client);
}

static const char *s_error(const void *self) {
  return ((const hal_bridge_t *)self)->error;
}

static void s_close(void *self) {
  hal_bridge_t *hal = self;
  pthread_mutex_lock(&hal->lock);
  hal->stopping = true;
  pthread_cond_signal(&hal->stop_cond);
  pthread_mutex_unlock(&hal->lock);
  pthread_join(hal->keepalive, NULL);
  cpo_client_close(&hal->client, 0, "host done");
  pthread_cond_destroy(&hal->stop_cond);
  pthread_mutex_destroy(&hal->lock);
  free(hal);
}

static const cpo_hal_ops_t s_ops = {.read32 = s_read32,
                                    .write32 = s_write32,
                                    .sleep_cycles = s_sleep_cycles,
                                    .now_cycles = s_now_cycles,
                                    .config = s_config,
                                    .error = s_error,
                                    .close = s_close};
