/* CDB (page 9Fh): the header and LPL, the command ID written last, busy polled on lower byte 37,
 * the reply checked against its check code. */
#include <string.h>

#include "cmis_internal.h"

#define S_HDR_BYTES                                                                                \
  8u /* 128-135: command, EPL length, LPL length, check code, RPL length, RPL check */
#define S_LPL_MAX CPO_CMIS_P9F_CDB_PAYLOAD_COUNT

cpo_status_t cpo_cmis_cdb(cpo_cmis_t *c, uint16_t cmd, const uint8_t *lpl, size_t lpl_len,
                          uint8_t *rpl, size_t rpl_max, size_t *rpl_len, uint8_t *status) {
  if (lpl_len > S_LPL_MAX)
    return cpo_cmis_fail(c, CPO_ERR_RANGE, "CDB %04Xh: LPL of %zu bytes, at most %u", cmd, lpl_len,
                         S_LPL_MAX);
  const unsigned p = CPO_CMIS_PAGE_P9F, at = CPO_CMIS_P9F_CDB_CMD_OFFSET;
  uint8_t hdr[S_HDR_BYTES] = {(uint8_t)(cmd >> 8), (uint8_t)cmd, 0, 0, (uint8_t)lpl_len, 0, 0, 0};
  hdr[CPO_CMIS_P9F_CDB_CHK_OFFSET - at] = cpo_cmis_cdb_chk(hdr, lpl, lpl_len);
  /* Everything but the command ID first: writing byte 129 starts the command. */
  CPO_TRY(cpo_cmis_write(c, 0, p, at + 2, hdr + 2, S_HDR_BYTES - 2));
  if (lpl_len)
    CPO_TRY(cpo_cmis_write(c, 0, p, CPO_CMIS_P9F_CDB_PAYLOAD_OFFSET, lpl, lpl_len));
  CPO_TRY(cpo_cmis_write(c, 0, p, at, hdr, 2));
  cpo_cmis_wait_t w;
  cpo_cmis_wait_start(c, CPO_CMIS_CDB_MAX_MS, &w);
  uint8_t st;
  for (;;) {
    CPO_TRY(cpo_cmis_read(c, 0, 0, CPO_CMIS_LOWER_CDB_STATUS_OFFSET, &st, 1));
    if (!(st & CPO_CMIS_LOWER_CDB_STATUS_BUSY_MASK))
      break;
    cpo_status_t rc = cpo_cmis_wait_next(c, &w);
    if (w.expired)
      return cpo_cmis_fail(c, rc,
                           "CDB %04Xh: still busy (status 0x%02x) after %.3f ms (bound %u ms)", cmd,
                           st, cpo_cmis_wait_elapsed_ms(c, &w), CPO_CMIS_CDB_MAX_MS);
    CPO_TRY(rc);
  }
  if (status)
    *status = st;
  if (st != CPO_CMIS_CDB_STATUS_SUCCESS) {
    const char *d = cpo_cmis_cdb_status_desc(st);
    return cpo_cmis_fail(c, CPO_ERR_STATE, "CDB %04Xh failed: status 0x%02x (%s)", cmd, st,
                         d ? d : "unknown status");
  }
  uint8_t reply[2], payload[S_LPL_MAX];
  CPO_TRY(cpo_cmis_read(c, 0, p, CPO_CMIS_P9F_CDB_RPL_LEN_OFFSET, reply, 2));
  if (reply[0] > S_LPL_MAX)
    return cpo_cmis_fail(c, CPO_ERR_PARSE, "CDB %04Xh: RPL length %u, at most %u", cmd, reply[0],
                         S_LPL_MAX);
  if (reply[0])
    CPO_TRY(cpo_cmis_read(c, 0, p, CPO_CMIS_P9F_CDB_PAYLOAD_OFFSET, payload, reply[0]));
  uint8_t chk = cpo_cmis_rpl_chk(payload, reply[0]);
  if (chk != reply[1])
    return cpo_cmis_fail(c, CPO_ERR_PARSE,
                         "CDB %04Xh: RPL check code 0x%02x, but its %u bytes sum to check code "
                         "0x%02x",
                         cmd, reply[1], reply[0], chk);
  size_t n = reply[0] < rpl_max ? reply[0] : rpl_max;
  if (rpl && n)
    memcpy(rpl, payload, n);
  if (rpl_len)
    *rpl_len = reply[0];
  return CPO_OK;
}

cpo_status_t cpo_cmis_cdb_query_status(cpo_cmis_t *c, uint8_t *lock_status) {
  uint8_t rpl[1];
  size_t n = 0;
  CPO_TRY(cpo_cmis_cdb(c, CPO_CMIS_CDB_CMD_QUERY_STATUS, NULL, 0, rpl, sizeof rpl, &n, NULL));
  if (n < 1)
    return cpo_cmis_fail(c, CPO_ERR_PARSE, "CDB Query Status: empty reply");
  *lock_status = rpl[0];
  return CPO_OK;
}

cpo_status_t cpo_cmis_cdb_fw_info(cpo_cmis_t *c, cpo_cmis_fw_info_t *fw) {
  uint8_t rpl[6];
  size_t n = 0;
  CPO_TRY(cpo_cmis_cdb(c, CPO_CMIS_CDB_CMD_GET_FW_INFO, NULL, 0, rpl, sizeof rpl, &n, NULL));
  if (n < sizeof rpl)
    return cpo_cmis_fail(c, CPO_ERR_PARSE, "CDB Get Firmware Info: %zu-byte reply, expected 6", n);
  fw->image_status = rpl[0];
  fw->image_info = rpl[1];
  fw->a_major = rpl[2];
  fw->a_minor = rpl[3];
  fw->a_build = (uint16_t)(rpl[4] << 8 | rpl[5]);
  return CPO_OK;
}
