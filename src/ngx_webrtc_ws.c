
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * WebSocket framing (RFC 6455), server side: the reader of client frames
 * and the writer of server frame headers and close frames.
 *
 * Everything here reads bytes a peer sent, in whatever pieces the network
 * delivers them: the reader keeps a frame header in rd->hdr until it is
 * whole, and writes payload only into rd->buf (bounded by rd->size before
 * the first byte is read) or rd->ctl (125 bytes, the most a control frame
 * may carry).  No I/O, no allocation, no nginx function calls.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_ws.h"


/*
 * UTF-8 validation as a state machine, so that a code point split between
 * two reads or two fragments is checked as it completes (RFC 3629 4: no
 * overlong forms, no surrogates, nothing above U+10FFFF).  The TAIL states
 * count the continuation bytes still due; the others restrict the second
 * byte of the sequences whose lead byte alone does not exclude those.
 */
#define NGX_WEBRTC_WS_UTF8_ACCEPT   0
#define NGX_WEBRTC_WS_UTF8_TAIL1    1        /* 80..BF */
#define NGX_WEBRTC_WS_UTF8_TAIL2    2        /* 80..BF, 80..BF */
#define NGX_WEBRTC_WS_UTF8_TAIL3    3
#define NGX_WEBRTC_WS_UTF8_E0       4        /* A0..BF: no overlong */
#define NGX_WEBRTC_WS_UTF8_ED       5        /* 80..9F: no surrogate */
#define NGX_WEBRTC_WS_UTF8_F0       6        /* 90..BF: no overlong */
#define NGX_WEBRTC_WS_UTF8_F4       7        /* 80..8F: <= U+10FFFF */
#define NGX_WEBRTC_WS_UTF8_REJECT   8


#define ngx_webrtc_ws_is_control(opcode)  ((opcode) & 0x8)


static ngx_int_t ngx_webrtc_ws_check_start(ngx_webrtc_ws_reader_t *rd,
    ngx_uint_t *code, const char **err);
static ngx_int_t ngx_webrtc_ws_start_frame(ngx_webrtc_ws_reader_t *rd,
    ngx_uint_t *code, const char **err);
static ngx_int_t ngx_webrtc_ws_end_frame(ngx_webrtc_ws_reader_t *rd,
    ngx_webrtc_ws_message_t *msg, ngx_uint_t *code, const char **err);
static ngx_uint_t ngx_webrtc_ws_close_code_valid(ngx_uint_t code);
static uint32_t ngx_webrtc_ws_utf8(uint32_t state, const u_char *p,
    size_t len);


void
ngx_webrtc_ws_reader_init(ngx_webrtc_ws_reader_t *rd)
{
    rd->hdr_len = 0;
    rd->opcode = 0;
    rd->fin = 0;
    rd->in_header = 1;
    rd->left = 0;
    rd->offset = 0;
    rd->msg_opcode = 0;
    rd->len = 0;
    rd->ctl_len = 0;
    rd->utf8_state = NGX_WEBRTC_WS_UTF8_ACCEPT;
}


ngx_int_t
ngx_webrtc_ws_read(ngx_webrtc_ws_reader_t *rd, u_char **pos, u_char *last,
    ngx_webrtc_ws_message_t *msg, ngx_uint_t *code, const char **err)
{
    u_char     *p, *dst;
    size_t      n, i, need;
    ngx_int_t   rc;

    p = *pos;

    for ( ;; ) {

        /* the header, a byte at a time: it is at most 14 of them */

        while (rd->in_header) {

            if (rd->hdr_len >= 2) {
                need = 2 + 4;

                if ((rd->hdr[1] & 0x7f) == 126) {
                    need += 2;

                } else if ((rd->hdr[1] & 0x7f) == 127) {
                    need += 8;
                }

                if (rd->hdr_len == need) {
                    if (ngx_webrtc_ws_start_frame(rd, code, err) != NGX_OK) {
                        *pos = p;
                        return NGX_ERROR;
                    }

                    break;
                }
            }

            if (p == last) {
                *pos = p;
                return NGX_AGAIN;
            }

            rd->hdr[rd->hdr_len++] = *p++;

            /* what the first two bytes say is refused at once */

            if (rd->hdr_len == 2
                && ngx_webrtc_ws_check_start(rd, code, err) != NGX_OK)
            {
                *pos = p;
                return NGX_ERROR;
            }
        }

        /* the payload, unmasked into the message or the control buffer */

        if (rd->left) {

            if (p == last) {
                *pos = p;
                return NGX_AGAIN;
            }

            n = (size_t) ngx_min(rd->left, (uint64_t) (last - p));

            if (ngx_webrtc_ws_is_control(rd->opcode)) {
                dst = rd->ctl + rd->ctl_len;
                rd->ctl_len += n;

            } else {
                dst = rd->buf + rd->len;
                rd->len += n;
            }

            for (i = 0; i < n; i++) {
                dst[i] = p[i] ^ rd->mask[(rd->offset + i) & 3];
            }

            p += n;
            rd->offset += n;
            rd->left -= n;

            if (rd->msg_opcode == NGX_WEBRTC_WS_TEXT
                && !ngx_webrtc_ws_is_control(rd->opcode))
            {
                /* refused at the first byte that cannot be UTF-8 */

                rd->utf8_state = ngx_webrtc_ws_utf8(rd->utf8_state, dst, n);

                if (rd->utf8_state == NGX_WEBRTC_WS_UTF8_REJECT) {
                    *code = NGX_WEBRTC_WS_BAD_DATA;
                    *err = "text message not UTF-8";
                    *pos = p;
                    return NGX_ERROR;
                }
            }

            if (rd->left) {
                *pos = p;
                return NGX_AGAIN;
            }
        }

        rd->in_header = 1;
        rd->hdr_len = 0;

        rc = ngx_webrtc_ws_end_frame(rd, msg, code, err);

        if (rc != NGX_AGAIN) {
            *pos = p;
            return rc;
        }

        /* a fragment that does not end its message: read on */
    }
}


static ngx_int_t
ngx_webrtc_ws_check_start(ngx_webrtc_ws_reader_t *rd, ngx_uint_t *code,
    const char **err)
{
    u_char  b0, b1, opcode;

    b0 = rd->hdr[0];
    b1 = rd->hdr[1];
    opcode = b0 & 0x0f;

    *code = NGX_WEBRTC_WS_PROTOCOL;

    /* no extension is negotiated, so no reserved bit has a meaning */

    if (b0 & 0x70) {
        *err = "reserved bits set";
        return NGX_ERROR;
    }

    switch (opcode) {

    case NGX_WEBRTC_WS_CONT:
    case NGX_WEBRTC_WS_TEXT:
    case NGX_WEBRTC_WS_BINARY:
    case NGX_WEBRTC_WS_CLOSE:
    case NGX_WEBRTC_WS_PING:
    case NGX_WEBRTC_WS_PONG:
        break;

    default:
        *err = "unknown opcode";
        return NGX_ERROR;
    }

    /* RFC 6455 5.1 */

    if ((b1 & 0x80) == 0) {
        *err = "unmasked client frame";
        return NGX_ERROR;
    }

    if (ngx_webrtc_ws_is_control(opcode)) {

        /* RFC 6455 5.5 */

        if ((b0 & 0x80) == 0) {
            *err = "fragmented control frame";
            return NGX_ERROR;
        }

        if ((b1 & 0x7f) > 125) {
            *err = "control frame too long";
            return NGX_ERROR;
        }

        /* RFC 6455 5.5.1: a status code is two bytes */

        if (opcode == NGX_WEBRTC_WS_CLOSE && (b1 & 0x7f) == 1) {
            *err = "close frame of one byte";
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    /* RFC 6455 5.4 */

    if (opcode == NGX_WEBRTC_WS_CONT) {
        if (rd->msg_opcode == 0) {
            *err = "continuation without a message";
            return NGX_ERROR;
        }

    } else if (rd->msg_opcode != 0) {
        *err = "new message inside a fragmented one";
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_webrtc_ws_start_frame(ngx_webrtc_ws_reader_t *rd, ngx_uint_t *code,
    const char **err)
{
    u_char      *m;
    size_t       have;
    uint64_t     len;
    ngx_uint_t   i;

    len = rd->hdr[1] & 0x7f;
    m = rd->hdr + 2;

    if (len == 126) {
        len = ((uint64_t) rd->hdr[2] << 8) | rd->hdr[3];
        m += 2;

    } else if (len == 127) {
        len = 0;

        for (i = 0; i < 8; i++) {
            len = (len << 8) | rd->hdr[2 + i];
        }

        m += 8;

        /* RFC 6455 5.2: the most significant bit must be 0 */

        if (len >> 63) {
            *code = NGX_WEBRTC_WS_PROTOCOL;
            *err = "frame length over 2^63";
            return NGX_ERROR;
        }
    }

    rd->opcode = rd->hdr[0] & 0x0f;
    rd->fin = rd->hdr[0] >> 7;
    rd->mask[0] = m[0];
    rd->mask[1] = m[1];
    rd->mask[2] = m[2];
    rd->mask[3] = m[3];

    if (ngx_webrtc_ws_is_control(rd->opcode)) {
        /* at most 125: checked on the first two bytes */
        rd->ctl_len = 0;

    } else {

        /* refused on the header, before a byte of the payload is read */

        have = (rd->opcode == NGX_WEBRTC_WS_CONT) ? rd->len : 0;

        if (len > rd->size - have) {
            *code = NGX_WEBRTC_WS_TOO_BIG;
            *err = "message too big";
            return NGX_ERROR;
        }

        if (rd->opcode != NGX_WEBRTC_WS_CONT) {
            rd->msg_opcode = rd->opcode;
            rd->len = 0;
            rd->utf8_state = NGX_WEBRTC_WS_UTF8_ACCEPT;
        }
    }

    rd->left = len;
    rd->offset = 0;
    rd->in_header = 0;

    return NGX_OK;
}


/*
 * A frame has been read whole: returns NGX_OK with a message, NGX_AGAIN
 * for a fragment that leaves its message unfinished, or NGX_ERROR.
 */

static ngx_int_t
ngx_webrtc_ws_end_frame(ngx_webrtc_ws_reader_t *rd,
    ngx_webrtc_ws_message_t *msg, ngx_uint_t *code, const char **err)
{
    ngx_uint_t  status;

    if (!ngx_webrtc_ws_is_control(rd->opcode)) {

        if (!rd->fin) {
            return NGX_AGAIN;
        }

        /* a code point cut by the end of the message */

        if (rd->msg_opcode == NGX_WEBRTC_WS_TEXT
            && rd->utf8_state != NGX_WEBRTC_WS_UTF8_ACCEPT)
        {
            *code = NGX_WEBRTC_WS_BAD_DATA;
            *err = "text message not UTF-8";
            return NGX_ERROR;
        }

        msg->opcode = rd->msg_opcode;
        msg->data = rd->buf;
        msg->len = rd->len;
        msg->close_code = 0;

        /* rd->len and buf stay as they are until the next message starts */
        rd->msg_opcode = 0;

        return NGX_OK;
    }

    msg->opcode = rd->opcode;
    msg->data = rd->ctl;
    msg->len = rd->ctl_len;
    msg->close_code = 0;

    if (rd->opcode != NGX_WEBRTC_WS_CLOSE) {
        return NGX_OK;
    }

    /* RFC 6455 5.5.1, 7.1.5 */

    if (rd->ctl_len == 0) {
        msg->close_code = 1005;
        return NGX_OK;
    }

    /* one byte was refused on the header */

    status = ((ngx_uint_t) rd->ctl[0] << 8) | rd->ctl[1];

    if (!ngx_webrtc_ws_close_code_valid(status)) {
        *code = NGX_WEBRTC_WS_PROTOCOL;
        *err = "invalid close code";
        return NGX_ERROR;
    }

    if (!ngx_webrtc_ws_utf8_valid(rd->ctl + 2, rd->ctl_len - 2)) {
        *code = NGX_WEBRTC_WS_BAD_DATA;
        *err = "close reason not UTF-8";
        return NGX_ERROR;
    }

    msg->data = rd->ctl + 2;
    msg->len = rd->ctl_len - 2;
    msg->close_code = status;

    return NGX_OK;
}


/*
 * RFC 6455 7.4: the codes an endpoint may send.  1004 is reserved, 1005,
 * 1006 and 1015 must never be in a frame, and the rest of 1000..2999 is for
 * IANA to assign: 1012..1014 are assigned (restart, try again later, bad
 * gateway), so a peer may send them.  3000..4999 belong to libraries and
 * applications.
 */

static ngx_uint_t
ngx_webrtc_ws_close_code_valid(ngx_uint_t code)
{
    if (code >= 3000 && code <= 4999) {
        return 1;
    }

    if (code < 1000 || code > 1014) {
        return 0;
    }

    return (code < 1004 || code > 1006);
}


size_t
ngx_webrtc_ws_frame_header(u_char *buf, ngx_uint_t opcode, uint64_t len)
{
    ngx_uint_t  i;

    buf[0] = (u_char) (0x80 | (opcode & 0x0f));

    if (len < 126) {
        buf[1] = (u_char) len;
        return 2;
    }

    if (len <= 0xffff) {
        buf[1] = 126;
        buf[2] = (u_char) (len >> 8);
        buf[3] = (u_char) len;
        return 4;
    }

    buf[1] = 127;

    for (i = 0; i < 8; i++) {
        buf[2 + i] = (u_char) (len >> (56 - 8 * i));
    }

    return 10;
}


size_t
ngx_webrtc_ws_close_frame(u_char *buf, ngx_uint_t code, const char *reason)
{
    size_t  n;

    /* 1005 means "no code", and is never sent as one (RFC 6455 7.4.1) */

    if (code == 0 || code == 1005) {
        buf[0] = 0x80 | NGX_WEBRTC_WS_CLOSE;
        buf[1] = 0;
        return 2;
    }

    n = 0;

    if (reason != NULL) {

        while (n < 123 && reason[n] != '\0') {
            n++;
        }

        /* not in the middle of a code point: the peer checks it */

        while (n > 0 && ((u_char) reason[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    buf[0] = 0x80 | NGX_WEBRTC_WS_CLOSE;
    buf[1] = (u_char) (2 + n);
    buf[2] = (u_char) (code >> 8);
    buf[3] = (u_char) code;

    if (n) {
        ngx_memcpy(buf + 4, reason, n);
    }

    return 4 + n;
}


ngx_int_t
ngx_webrtc_ws_utf8_valid(const u_char *p, size_t len)
{
    return ngx_webrtc_ws_utf8(NGX_WEBRTC_WS_UTF8_ACCEPT, p, len)
           == NGX_WEBRTC_WS_UTF8_ACCEPT;
}


static uint32_t
ngx_webrtc_ws_utf8(uint32_t state, const u_char *p, size_t len)
{
    u_char         c;
    const u_char  *last;

    last = p + len;

    while (p < last) {
        c = *p++;

        switch (state) {

        case NGX_WEBRTC_WS_UTF8_ACCEPT:

            if (c < 0x80) {
                break;
            }

            if (c < 0xc2) {
                /* a continuation byte, or an overlong 2-byte lead */
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            if (c < 0xe0) {
                state = NGX_WEBRTC_WS_UTF8_TAIL1;

            } else if (c == 0xe0) {
                state = NGX_WEBRTC_WS_UTF8_E0;

            } else if (c == 0xed) {
                state = NGX_WEBRTC_WS_UTF8_ED;

            } else if (c < 0xf0) {
                state = NGX_WEBRTC_WS_UTF8_TAIL2;

            } else if (c == 0xf0) {
                state = NGX_WEBRTC_WS_UTF8_F0;

            } else if (c < 0xf4) {
                state = NGX_WEBRTC_WS_UTF8_TAIL3;

            } else if (c == 0xf4) {
                state = NGX_WEBRTC_WS_UTF8_F4;

            } else {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            break;

        case NGX_WEBRTC_WS_UTF8_E0:

            if (c < 0xa0 || c > 0xbf) {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            state = NGX_WEBRTC_WS_UTF8_TAIL1;
            break;

        case NGX_WEBRTC_WS_UTF8_ED:

            if (c < 0x80 || c > 0x9f) {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            state = NGX_WEBRTC_WS_UTF8_TAIL1;
            break;

        case NGX_WEBRTC_WS_UTF8_F0:

            if (c < 0x90 || c > 0xbf) {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            state = NGX_WEBRTC_WS_UTF8_TAIL2;
            break;

        case NGX_WEBRTC_WS_UTF8_F4:

            if (c < 0x80 || c > 0x8f) {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            state = NGX_WEBRTC_WS_UTF8_TAIL2;
            break;

        case NGX_WEBRTC_WS_UTF8_TAIL1:
        case NGX_WEBRTC_WS_UTF8_TAIL2:
        case NGX_WEBRTC_WS_UTF8_TAIL3:

            if ((c & 0xc0) != 0x80) {
                return NGX_WEBRTC_WS_UTF8_REJECT;
            }

            state--;
            break;

        default:
            return NGX_WEBRTC_WS_UTF8_REJECT;
        }
    }

    return state;
}
