/* cpo_endpoint_is_local (bridge/src/endpoint.c): which endpoints may run without CURVE. Only a
 * well-formed loopback address with a port and no source part is local; every other form
 * ZeroMQ accepts (source;destination, interface names, `*`, host names, unbracketed or scoped
 * IPv6) is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpo/bridge.h"

static void test_endpoint_inproc_and_ipc_are_local(void **state) {
  (void)state;
  assert_true(cpo_endpoint_is_local("inproc://x"));
  assert_true(cpo_endpoint_is_local("ipc:///tmp/x.sock"));
  assert_false(cpo_endpoint_is_local("inproc://"));
  assert_false(cpo_endpoint_is_local("ipc://"));
  assert_false(cpo_endpoint_is_local(NULL));
  assert_false(cpo_endpoint_is_local(""));
}

static void test_endpoint_ipv4_loopback_is_local(void **state) {
  (void)state;
  assert_true(cpo_endpoint_is_local("tcp://127.0.0.1:5555"));
  assert_true(cpo_endpoint_is_local("tcp://127.255.3.4:0"));
  assert_true(cpo_endpoint_is_local("tcp://127.0.0.1:*")); /* bind: any free port */
  assert_true(cpo_endpoint_is_local("tcp://127.0.0.1:65535"));
}

static void test_endpoint_localhost_and_ipv6_loopback_are_local(void **state) {
  (void)state;
  assert_true(cpo_endpoint_is_local("tcp://localhost:5555"));
  assert_true(cpo_endpoint_is_local("tcp://LocalHost:5555"));
  assert_true(cpo_endpoint_is_local("tcp://[::1]:5555"));
  assert_true(cpo_endpoint_is_local("tcp://[0:0:0:0:0:0:0:1]:5555"));
}

/* ZeroMQ's tcp://SOURCE;DESTINATION: the old prefix check saw 127.0.0.1 and let a connection to
 * 192.0.2.1 go out without CURVE. */
static void test_endpoint_source_part_is_not_local(void **state) {
  (void)state;
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:0;192.0.2.1:5555"));
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1;192.0.2.1:5555"));
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:0;127.0.0.1:5555"));
  assert_false(cpo_endpoint_is_local("tcp://localhost:0;example.org:5555"));
  assert_false(cpo_endpoint_is_local("tcp://[::1]:0;[2001:db8::1]:5555"));
}

static void test_endpoint_wildcards_and_interfaces_are_not_local(void **state) {
  (void)state;
  assert_false(cpo_endpoint_is_local("tcp://*:5555"));
  assert_false(cpo_endpoint_is_local("tcp://0.0.0.0:5555"));
  assert_false(cpo_endpoint_is_local("tcp://eth0:5555"));
  assert_false(cpo_endpoint_is_local("tcp://lo:5555")); /* a name: resolved by the host */
  assert_false(cpo_endpoint_is_local("tcp://[::]:5555"));
  assert_false(cpo_endpoint_is_local("tcp://10.1.2.3:5555"));
  assert_false(cpo_endpoint_is_local("tcp://192.0.2.1:5555"));
}

/* Spellings that only look like loopback. */
static void test_endpoint_malformed_loopback_is_not_local(void **state) {
  (void)state;
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1"));       /* no port */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:"));      /* empty port */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:65536")); /* port out of range */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:55x"));   /* port not a number */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1:-1"));
  assert_false(cpo_endpoint_is_local("tcp://127.evil.com:5555")); /* a host name */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.1.evil.com:5555"));
  assert_false(cpo_endpoint_is_local("tcp://127.1:5555"));      /* short form */
  assert_false(cpo_endpoint_is_local("tcp://0177.0.0.1:5555")); /* octal */
  assert_false(cpo_endpoint_is_local("tcp://127.0.0.256:5555"));
  assert_false(cpo_endpoint_is_local("tcp://localhost.:5555"));
  assert_false(cpo_endpoint_is_local("tcp://localhost.evil.com:5555"));
  assert_false(cpo_endpoint_is_local("tcp://::1:5555"));      /* IPv6 needs brackets */
  assert_false(cpo_endpoint_is_local("tcp://[::1%lo]:5555")); /* scoped */
  assert_false(cpo_endpoint_is_local("tcp://[::2]:5555"));
  assert_false(cpo_endpoint_is_local("tcp://[::ffff:192.0.2.1]:5555"));
  assert_false(cpo_endpoint_is_local("tcp://:5555"));
  assert_false(cpo_endpoint_is_local("TCP://127.0.0.1:5555"));
}

static void test_endpoint_other_transports_are_not_local(void **state) {
  (void)state;
  assert_false(cpo_endpoint_is_local("udp://127.0.0.1:5555"));
  assert_false(cpo_endpoint_is_local("ws://127.0.0.1:5555"));
  assert_false(cpo_endpoint_is_local("pgm://127.0.0.1;239.192.1.1:5555"));
  assert_false(cpo_endpoint_is_local("127.0.0.1:5555"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_endpoint_inproc_and_ipc_are_local),
      cmocka_unit_test(test_endpoint_ipv4_loopback_is_local),
      cmocka_unit_test(test_endpoint_localhost_and_ipv6_loopback_are_local),
      cmocka_unit_test(test_endpoint_source_part_is_not_local),
      cmocka_unit_test(test_endpoint_wildcards_and_interfaces_are_not_local),
      cmocka_unit_test(test_endpoint_malformed_loopback_is_not_local),
      cmocka_unit_test(test_endpoint_other_transports_are_not_local),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
