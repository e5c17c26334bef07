
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * WebSocket framing (RFC 6455), server side.
 *
 * Layer 1: no I/O, no allocation, no nginx function calls, so the unit
 * tests and the fuzzer link this file alone.  The reader turns the bytes a
 * client sends into whole messages: it checks the framing (client frames
 * must be masked, control frames short and unfragmented, no reserved bits
 * or opcodes), unmasks, joins fragments into the caller's message buffer,
 * checks text for UTF-8 across fragments and enforces the size limit.
 * The writer makes server frames (unmasked, FIN set).
 */


#ifndef _NGX_WEBRTC_WS_H_INCLUDED_
#define _NGX_WEBRTC_WS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_WEBRTC_WS_CONT          0x0
#define NGX_WEBRTC_WS_TEXT          0x1
#define NGX_WEBRTC_WS_BINARY        0x2
#define NGX_WEBRTC_WS_CLOSE         0x8
#define NGX_WEBRTC_WS_PING          0x9
#define NGX_WEBRTC_WS_PONG          0xa

/* close codes, RFC 6455 section 7.4.1 */
#define NGX_WEBRTC_WS_NORMAL        1000
#define NGX_WEBRTC_WS_GOING_AWAY    1001
#define NGX_WEBRTC_WS_PROTOCOL      1002
#define NGX_WEBRTC_WS_UNSUPPORTED   1003
#define NGX_WEBRTC_WS_BAD_DATA      1007
#define NGX_WEBRTC_WS_POLICY        1008
#define NGX_WEBRTC_WS_TOO_BIG       1009
#define NGX_WEBRTC_WS_INTERNAL      1011

/* the longest frame header a server writes: 2 + 8 */
#define NGX_WEBRTC_WS_MAX_HEADER    10


typedef struct {
    /* set by the caller before the first ngx_webrtc_ws_read() */
    u_char                     *buf;         /* message buffer */
    size_t                      size;        /* its size: the largest
                                                message accepted */

    /* private state */
    u_char                      hdr[14];     /* a frame header in pieces */
    size_t                      hdr_len;
    u_char                      opcode;      /* of the frame being read */
    unsigned                    fin:1;
    unsigned                    in_header:1;
    u_char                      mask[4];
    uint64_t                    left;        /* payload bytes still to
                                                come in this frame */
    uint64_t                    offset;      /* payload bytes read so far
                                                in this frame (mask
                                                phase) */
    u_char                      msg_opcode;  /* TEXT or BINARY while a
                                                message is read (in one
                                                frame or in fragments),
                                                else 0 */
    size_t                      len;         /* bytes of it in buf */
    u_char                      ctl[125];    /* a control frame's payload */
    size_t                      ctl_len;
    uint32_t                    utf8_state;  /* across fragments */
} ngx_webrtc_ws_reader_t;


typedef struct {
    u_char                      opcode;      /* TEXT, BINARY, CLOSE, PING,
                                                PONG */
    u_char                     *data;        /* in reader->buf or ->ctl;
                                                CLOSE: the reason, after
                                                the code */
    size_t                      len;
    ngx_uint_t                  close_code;  /* CLOSE: the peer's, 1005
                                                when none; else 0 */
} ngx_webrtc_ws_message_t;


/*
 * Initializes the reader's private state; buf and size must be set, and
 * buf must live as long as the reader.
 */
void ngx_webrtc_ws_reader_init(ngx_webrtc_ws_reader_t *rd);

/*
 * Consumes bytes from *pos up to last.  Returns
 *   NGX_OK      a whole message is in *msg (*pos advanced past it; call
 *               again for the rest of the input: the message's data stays
 *               valid until then),
 *   NGX_AGAIN   all input consumed (*pos == last), no message complete
 *               yet: the reader keeps what it has, call again with the
 *               next bytes read, from any buffer,
 *   NGX_ERROR   a violation: *code is the close code to send (1002, 1003
 *               is not used here: binary messages are returned, 1007,
 *               1009) and *err a short static English reason.  The reader
 *               is not to be used after it (but for a new init).
 * Violations are found as soon as the bytes that show them are in: a
 * message over rd->size on its frame header, text that is not UTF-8 at
 * its first bad byte.  Control frames between fragments are returned on
 * their own and leave the message being joined alone.  The reader goes on
 * reading after a CLOSE message: stopping is the caller's part.
 */
ngx_int_t ngx_webrtc_ws_read(ngx_webrtc_ws_reader_t *rd, u_char **pos,
    u_char *last, ngx_webrtc_ws_message_t *msg, ngx_uint_t *code,
    const char **err);

/*
 * Writes a server frame header (FIN set, not masked) for a payload of len
 * bytes into buf, which has room for NGX_WEBRTC_WS_MAX_HEADER bytes.
 * Returns the header's length.
 */
size_t ngx_webrtc_ws_frame_header(u_char *buf, ngx_uint_t opcode,
    uint64_t len);

/*
 * Writes a whole close frame with code and reason (truncated to fit 125
 * bytes of payload, between code points; NULL for none) into buf, which
 * has room for 127 bytes.  A code of 0 or 1005 writes a close frame with
 * no payload.  Returns its length.
 */
size_t ngx_webrtc_ws_close_frame(u_char *buf, ngx_uint_t code,
    const char *reason);

/*
 * Whether p..p+len is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF): 1 or 0.
 */
ngx_int_t ngx_webrtc_ws_utf8_valid(const u_char *p, size_t len);


#endif /* _NGX_WEBRTC_WS_H_INCLUDED_ */
