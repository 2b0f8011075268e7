/* The C HAL between calls: firmware that computes for longer than the bridge timeout is not
 * declared dead (its keep-alive thread heartbeats while simulated time stands still), and what
 * the rtl says meanwhile is the next call's answer. The rtl side is the real server. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cpo/bridge.h"
#include "cpo/hal.h"
#include "drill_util.h"

#define ROLE_BIT(r) (1u << (r))

/* The firmware: attaches, then "computes" (waits for the test's go) and makes two calls. */
typedef struct {
  cpo_context_t *ctx;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool opened, go;
  cpo_status_t open_rc, first_rc, second_rc;
  char first_error[320], second_error[320];
} firmware_t;

static void *s_firmware(void *arg) {
  firmware_t *f = arg;
  cpo_bridge_cfg_t bc = {.endpoint = "inproc://hal-keepalive",
                         .role = CPO_ROLE_HOST,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .context = f->ctx};
  cpo_hal_t *hal = NULL;
  char why[256];
  cpo_status_t rc = cpo_hal_open(&bc, &hal, why, sizeof why);
  pthread_mutex_lock(&f->lock);
  f->open_rc = rc;
  f->opened = true;
  pthread_cond_broadcast(&f->cond);
  while (rc == CPO_OK && !f->go)
    pthread_cond_wait(&f->cond, &f->lock);
  pthread_mutex_unlock(&f->lock);
  if (rc != CPO_OK)
    return NULL;
  uint32_t data;
  f->first_rc = cpo_hal_read(hal, 0x0, &data);
  snprintf(f->first_error, sizeof f->first_error, "%s", cpo_hal_error(hal));
  f->second_rc = cpo_hal_read(hal, 0x0, &data);
  snprintf(f->second_error, sizeof f->second_error, "%s", cpo_hal_error(hal));
  cpo_hal_close(&hal);
  return NULL;
}

static void test_idle_firmware_outlives_the_timeout_and_hears_the_end_of_the_run(void **state) {
  (void)state;
  firmware_t f = {.ctx = cpo_context_new()};
  pthread_mutex_init(&f.lock, NULL);
  pthread_cond_init(&f.cond, NULL);
  cpo_bridge_cfg_t bc = {.endpoint = "inproc://hal-keepalive",
                         .role = CPO_ROLE_RTL,
                         .config = drill_config(),
                         .timeout_ms = TIMEOUT_MS,
                         .context = f.ctx};
  cpo_server_t *srv = NULL;
  char why[256] = "";
  assert_int_equal(cpo_server_bind(&bc, &srv, why, sizeof why), CPO_OK);
  pthread_t fw;
  pthread_create(&fw, NULL, s_firmware, &f);

  cpo_server_event_t ev;
  assert_int_equal(cpo_server_recv(srv, ROLE_BIT(CPO_ROLE_HOST), 5000, &ev, why, sizeof why),
                   CPO_OK);
  assert_int_equal(ev.msg.hdr.type, CPO_MSG_HELLO);
  pthread_mutex_lock(&f.lock);
  while (!f.opened)
    pthread_cond_wait(&f.cond, &f.lock);
  pthread_mutex_unlock(&f.lock);
  assert_int_equal(f.open_rc, CPO_OK);

  /* Five timeouts of waiting for the host's next request, as while firmware runs: nothing
   * meaningful arrives, and the host is not silent (a silent one is named in why). */
  cpo_status_t rc =
      cpo_server_recv(srv, ROLE_BIT(CPO_ROLE_HOST), 5 * TIMEOUT_MS, &ev, why, sizeof why);
  assert_int_equal(rc, CPO_ERR_TIMEOUT);
  assert_string_equal(why, "");
  assert_true(cpo_server_attached(srv, CPO_ROLE_HOST));

  /* The run ends while the firmware still computes: its next call says so, and so does every
   * later one, without waiting for a timeout. */
  cpo_msg_t bye = {.hdr = {.type = CPO_MSG_BYE, .cycle = 0}};
  bye.u.bye.status = CPO_ERR_STATE;
  snprintf(bye.u.bye.text, sizeof bye.u.bye.text, "model failed");
  assert_int_equal(cpo_server_send(srv, CPO_ROLE_HOST, &bye), CPO_OK);
  assert_int_equal(cpo_server_recv(srv, 0, 300, &ev, why, sizeof why),
                   CPO_ERR_TIMEOUT); /* delivers it */
  pthread_mutex_lock(&f.lock);
  f.go = true;
  pthread_cond_broadcast(&f.cond);
  pthread_mutex_unlock(&f.lock);
  pthread_join(fw, NULL);
  assert_int_equal(f.first_rc, CPO_ERR_SIM_ENDED);
  assert_non_null(strstr(f.first_error, "model failed"));
  assert_int_equal(f.second_rc, CPO_ERR_SIM_ENDED);
  assert_non_null(strstr(f.second_error, "model failed"));

  cpo_server_close(&srv, 0, 0, "test done");
  pthread_cond_destroy(&f.cond);
  pthread_mutex_destroy(&f.lock);
  cpo_context_destroy(&f.ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idle_firmware_outlives_the_timeout_and_hears_the_end_of_the_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
