/* CURVE keys and the ZAP handler that admits only authorised client keys. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge_internal.h"

#define Z85_KEY_CHARS 40

/* Create @p path for writing with @p mode, never over an existing file (O_EXCL). */
static FILE *s_create(const char *path, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (fd >= 0 && !f)
    close(fd);
  return f;
}

cpo_status_t cpo_curve_keygen(const char *path, char *why, size_t why_len) {
  char pub[Z85_KEY_CHARS + 1], sec[Z85_KEY_CHARS + 1];
  if (zmq_curve_keypair(pub, sec) != 0) {
    cpo_whyf(why, why_len, "this libzmq has no CURVE support");
    return CPO_ERR_TRANSPORT;
  }
  char pub_path[4096];
  snprintf(pub_path, sizeof pub_path, "%s.pub", path);
  /* The secret key is the owner's alone from its first byte; neither file replaces another. */
  FILE *f = s_create(path, 0600);
  int err = errno;
  FILE *p = f ? s_create(pub_path, 0644) : NULL;
  if (f && !p)
    err = errno;
  if (!f || !p) {
    cpo_whyf(why, why_len, "cannot write %s: %s", !f ? path : pub_path,
             err == EEXIST ? "it exists (keys are never replaced silently)" : strerror(err));
    if (f) {
      fclose(f);
      unlink(path); /* no half keypair */
    }
    return CPO_ERR_IO;
  }
  bool ok = fprintf(f, "%s\n%s\n", pub, sec) > 0;
  ok = fprintf(p, "%s\n", pub) > 0 && ok;
  ok = fclose(f) == 0 && ok;
  ok = fclose(p) == 0 && ok;
  if (!ok) {
    cpo_whyf(why, why_len, "cannot write %s or %s: %s", path, pub_path, strerror(errno));
    unlink(path);
    unlink(pub_path);
    return CPO_ERR_IO;
  }
  return CPO_OK;
}

/* Read the next non-comment line's first token into @p key; 0 if found. */
static int s_read_key(FILE *f, char key[Z85_KEY_CHARS + 1]) {
  char line[512];
  while (fgets(line, sizeof line, f)) {
    char *s = line + strspn(line, " \t");
    if (*s == '#' || *s == '\n' || *s == '\0')
      continue;
    size_t n = strcspn(s, " \t\r\n");
    if (n != Z85_KEY_CHARS)
      return -2;
    memcpy(key, s, Z85_KEY_CHARS);
    key[Z85_KEY_CHARS] = '\0';
    return 0;
  }
  return -1;
}

cpo_status_t cpo_curve_load(const char *path, char pub[41], char sec[41], char *why,
                            size_t why_len) {
  FILE *f = fopen(path, "r");
  if (!f) {
    cpo_whyf(why, why_len, "cannot read key file %s: %s", path, strerror(errno));
    return CPO_ERR_IO;
  }
  int rc = s_read_key(f, pub);
  if (rc == 0 && sec)
    rc = s_read_key(f, sec);
  fclose(f);
  uint8_t raw[32];
  if (rc != 0 || !zmq_z85_decode(raw, pub) || (sec && !zmq_z85_decode(raw, sec))) {
    cpo_whyf(why, why_len, "%s: expected %s as 40-character Z85 lines (see cpoemu keygen)", path,
             sec ? "a public and a secret key" : "a public key");
    return CPO_ERR_PARSE;
  }
  return CPO_OK;
}

struct cpo_zap {
  void *sock;
  pthread_t thread;
  atomic_bool stop;
  size_t n_keys;
  uint8_t (*keys)[32];
};

static bool s_authorised(const cpo_zap_t *z, const uint8_t *key) {
  for (size_t i = 0; i < z->n_keys; i++)
    if (memcmp(z->keys[i], key, 32) == 0)
      return true;
  return false;
}

/* One ZAP request (RFC 27): version, request id, domain, address, identity, mechanism,
 * credentials; answered with version, request id, status, text, user id, metadata. */
static void s_zap_serve_one(cpo_zap_t *z) {
  zmq_msg_t frames[8];
  int n = 0;
  int more = 1;
  while (more && n < 8) {
    zmq_msg_init(&frames[n]);
    if (zmq_msg_recv(&frames[n], z->sock, 0) < 0) {
      zmq_msg_close(&frames[n]);
      break;
    }
    more = zmq_msg_more(&frames[n]);
    n++;
  }
  if (n >= 7) {
    const char *status = "400", *text = "unknown client key";
    bool curve = zmq_msg_size(&frames[5]) == 5 && memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0;
    if (curve && zmq_msg_size(&frames[6]) == 32 && s_authorised(z, zmq_msg_data(&frames[6]))) {
      status = "200";
      text = "OK";
    } else {
      char z85[41] = "?";
      if (zmq_msg_size(&frames[6]) == 32)
        zmq_z85_encode(z85, zmq_msg_data(&frames[6]), 32);
      char addr[64] = "";
      size_t alen =
          zmq_msg_size(&frames[3]) < sizeof addr - 1 ? zmq_msg_size(&frames[3]) : sizeof addr - 1;
      memcpy(addr, zmq_msg_data(&frames[3]), alen);
      cpo_log(CPO_LOG_WARN, "rtl", "security: refused client %s with unknown CURVE key %s", addr,
              z85);
    }
    zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(z->sock, zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), ZMQ_SNDMORE);
    zmq_send(z->sock, status, 3, ZMQ_SNDMORE);
    zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(z->sock, "", 0, ZMQ_SNDMORE);
    zmq_send(z->sock, "", 0, 0);
  }
  for (int i = 0; i < n; i++)
    zmq_msg_close(&frames[i]);
}

static void *s_zap_thread(void *arg) {
  cpo_zap_t *z = arg;
  while (!atomic_load(&z->stop)) {
    zmq_pollitem_t item = {z->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 100) > 0)
      s_zap_serve_one(z);
  }
  return NULL;
}

cpo_status_t cpo_zap_start(void *ctx, const char *authorized_file, cpo_zap_t **out, char *why,
                           size_t why_len) {
  FILE *f = fopen(authorized_file, "r");
  if (!f) {
    cpo_whyf(why, why_len, "cannot read authorised keys %s: %s", authorized_file, strerror(errno));
    return CPO_ERR_IO;
  }
  cpo_zap_t *z = calloc(1, sizeof *z);
  char key[Z85_KEY_CHARS + 1];
  int rc;
  while ((rc = s_read_key(f, key)) == 0) {
    void *grown = realloc(z->keys, (z->n_keys + 1) * sizeof *z->keys);
    if (!grown)
      break;
    z->keys = grown;
    if (!zmq_z85_decode(z->keys[z->n_keys], key)) {
      rc = -2;
      break;
    }
    z->n_keys++;
  }
  fclose(f);
  if (rc == -2) {
    cpo_whyf(why, why_len, "%s: each line must be a 40-character Z85 public key", authorized_file);
    free(z->keys);
    free(z);
    return CPO_ERR_PARSE;
  }
  z->sock = zmq_socket(ctx, ZMQ_REP);
  int zero = 0;
  zmq_setsockopt(z->sock, ZMQ_LINGER, &zero, sizeof zero);
  if (zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0) {
    cpo_whyf(why, why_len, "cannot start the ZAP handler: %s", zmq_strerror(errno));
    zmq_close(z->sock);
    free(z->keys);
    free(z);
    return CPO_ERR_TRANSPORT;
  }
  atomic_init(&z->stop, false);
  pthread_create(&z->thread, NULL, s_zap_thread, z);
  *out = z;
  return CPO_OK;
}

void cpo_zap_stop(cpo_zap_t **pz) {
  if (!pz || !*pz)
    return;
  cpo_zap_t *z = *pz;
  atomic_store(&z->stop, true);
  pthread_join(z->thread, NULL);
  zmq_close(z->sock);
  free(z->keys);
  free(z);
  *pz = NULL;
}
