/* Writes one valid encoding of every message type (the shared samples, plus a host's adopt
 * HELLO) into the directory given, as the fuzzer's seed corpus. */
#include <stdio.h>
#include <string.h>

#include "cpo/protocol.h"
#include "proto_samples.h"

static int s_write(const char *dir, const char *name, const void *buf, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/seed_%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "gen_seeds: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  static uint64_t buf[1024];
  for (size_t i = 0; i < cpo_test_msg_type_count; i++) {
    cpo_msg_t m;
    cpo_test_sample_msg(cpo_test_msg_types[i], &m);
    size_t n = cpo_msg_encode(&m, buf, sizeof buf);
    if (n == 0 || s_write(argv[1], cpo_msg_type_name(m.hdr.type), buf, n))
      return 1;
  }
  cpo_msg_t adopt;
  memset(&adopt, 0, sizeof adopt);
  adopt.hdr.type = CPO_MSG_HELLO;
  adopt.u.hello.role = CPO_ROLE_HOST;
  size_t n = cpo_msg_encode(&adopt, buf, sizeof buf);
  return n == 0 || s_write(argv[1], "HELLO_host_adopt", buf, n);
}
