/* The C side of the Python codec interop test (test_codec_interop.py).
 *   interop_codec encode          print "NAME HEX" for one sample message of every type
 *   interop_codec decode FILE     each line "NAME HEX": must decode to the C sample NAME and
 *                                 re-encode to the same bytes
 *   interop_codec verdict FILE    each line "HEX": print "CODE TEXT" (CODE 0 = accepted,
 *                                 and then re-encoding must give the same bytes)
 *   interop_codec consts          print the protocol's numbers as the C codec was compiled with
 *                                 them (test_protocol_consts.py compares them with Python's)
 * Exit status 0 if every line passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpo/protocol.h"
#include "proto_samples.h"

static uint64_t s_frame[(32 + (1 << 16)) / 8];
static uint64_t s_again[(32 + (1 << 16)) / 8];

static void s_print_hex(const char *name, const void *buf, size_t n) {
  const uint8_t *b = buf;
  printf("%s ", name);
  for (size_t i = 0; i < n; i++)
    printf("%02x", b[i]);
  printf("\n");
}

/* The sample for NAME: a message type name, or HELLO_host_adopt. */
static bool s_sample(const char *name, cpo_msg_t *m) {
  if (strcmp(name, "HELLO_host_adopt") == 0) {
    memset(m, 0, sizeof *m);
    m->hdr.type = CPO_MSG_HELLO;
    m->u.hello.role = CPO_ROLE_HOST;
    return true;
  }
  for (size_t i = 0; i < cpo_test_msg_type_count; i++)
    if (strcmp(name, cpo_msg_type_name(cpo_test_msg_types[i])) == 0) {
      cpo_test_sample_msg(cpo_test_msg_types[i], m);
      return true;
    }
  return false;
}

/* Parse hex into s_frame; returns the length or -1. */
static long s_unhex(const char *hex) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > sizeof s_frame)
    return -1;
  uint8_t *b = (uint8_t *)s_frame;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1)
      return -1;
    b[i] = (uint8_t)v;
  }
  return (long)(n / 2);
}

static int s_encode_all(void) {
  for (size_t i = 0; i < cpo_test_msg_type_count; i++) {
    cpo_msg_t m;
    cpo_test_sample_msg(cpo_test_msg_types[i], &m);
    size_t n = cpo_msg_encode(&m, s_frame, sizeof s_frame);
    if (n == 0)
      return 1;
    s_print_hex(cpo_msg_type_name(m.hdr.type), s_frame, n);
  }
  cpo_msg_t m;
  s_sample("HELLO_host_adopt", &m);
  size_t n = cpo_msg_encode(&m, s_frame, sizeof s_frame);
  s_print_hex("HELLO_host_adopt", s_frame, n);
  return n == 0;
}

static int s_decode_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 2;
  }
  static char line[2 * sizeof s_frame + 128];
  int failures = 0, lines = 0;
  while (fgets(line, sizeof line, f)) {
    char name[64], hex[sizeof line];
    if (sscanf(line, "%63s %s", name, hex) != 2)
      continue;
    lines++;
    cpo_msg_t want, got;
    cpo_wire_error_t err;
    char why[64] = "";
    long n = s_unhex(hex);
    if (!s_sample(name, &want) || n < 0) {
      printf("FAIL %s: unknown sample or bad hex\n", name);
      failures++;
    } else if (cpo_msg_decode(s_frame, (size_t)n, &got, &err) != CPO_OK) {
      printf("FAIL %s: C decode refused: %s\n", name, err.text);
      failures++;
    } else if (!cpo_test_msg_equal(&want, &got, why, sizeof why)) {
      printf("FAIL %s: %s differs from the C sample\n", name, why);
      failures++;
    } else if (cpo_msg_encode(&got, s_again, sizeof s_again) != (size_t)n ||
               memcmp(s_again, s_frame, (size_t)n) != 0) {
      printf("FAIL %s: C re-encoding differs from the Python bytes\n", name);
      failures++;
    } else {
      printf("ok %s\n", name);
    }
  }
  fclose(f);
  return failures || lines == 0;
}

static int s_verdicts(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 2;
  }
  static char line[2 * sizeof s_frame + 16];
  int failures = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    long n = s_unhex(line);
    if (n < 0) {
      printf("-1 bad hex line\n");
      failures++;
      continue;
    }
    cpo_msg_t m;
    cpo_wire_error_t err;
    cpo_status_t st = cpo_msg_decode(s_frame, (size_t)n, &m, &err);
    if (st != CPO_OK) {
      printf("%u %s\n", err.code, err.text);
      continue;
    }
    if (cpo_msg_encode(&m, s_again, sizeof s_again) != (size_t)n ||
        memcmp(s_again, s_frame, (size_t)n) != 0) {
      printf("-1 accepted but re-encodes differently\n");
      failures++;
      continue;
    }
    printf("0 ok\n");
  }
  fclose(f);
  return failures != 0;
}

/* The protocol's numbers as this codec knows them: the constants, and what the codec's own
 * functions say for every wire value (names, texts, the payload size of an empty message). */
static int s_print_consts(void) {
#define PRINT_CONST(name, value) printf("const %s %llu\n", #name, (unsigned long long)(value));
  CPO_PROTO_CONSTANT_LIST(PRINT_CONST)
#undef PRINT_CONST
  for (uint32_t v = 0; v <= 0xFFFF; v++) {
    const char *name = cpo_msg_type_name((uint16_t)v);
    if (strcmp(name, "UNKNOWN") != 0) {
      /* empty: the payload size of a fixed-size type, the fixed part of the others */
      cpo_msg_t m = {.hdr.type = (uint16_t)v};
      m.u.quantum.word_bytes = 4;
      printf("type %s %u %zu\n", name, v, cpo_msg_encoded_size(&m) - CPO_PROTO_HEADER_BYTES);
    }
    if (strcmp(cpo_wire_error_str((uint16_t)v), "unknown error code") != 0)
      printf("werr %u %s\n", v, cpo_wire_error_str((uint16_t)v));
    if (v <= 0xFF && strcmp(cpo_role_name((uint8_t)v), "unknown") != 0)
      printf("role %u %s\n", v, cpo_role_name((uint8_t)v));
    if (strcmp(cpo_status_str((int16_t)v), "unknown status") != 0)
      printf("status %d %s\n", (int16_t)v, cpo_status_str((int16_t)v));
  }
#define PRINT_NAME(name, value, text) printf("name %s %d\n", #name, (int)(value));
  CPO_WIRE_ERROR_LIST(PRINT_NAME)
  CPO_ROLE_LIST(PRINT_NAME)
#undef PRINT_NAME
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "encode") == 0)
    return s_encode_all();
  if (argc == 3 && strcmp(argv[1], "decode") == 0)
    return s_decode_file(argv[2]);
  if (argc == 3 && strcmp(argv[1], "verdict") == 0)
    return s_verdicts(argv[2]);
  if (argc == 2 && strcmp(argv[1], "consts") == 0)
    return s_print_consts();
  fprintf(stderr, "usage: %s encode | decode FILE | verdict FILE | consts\n", argv[0]);
  return 2;
}
