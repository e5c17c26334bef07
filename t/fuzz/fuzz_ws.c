
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_ws.c.  The first byte of the input says
 * how the rest is cut into reads; the rest is what a client sends:
 *
 *   - a decoder written here from RFC 6455 (5.2 to 5.6, 7.4) and RFC 3629
 *     (code points decoded by value, not with a state machine) reads it
 *     whole and says which messages must come out, and how the reading
 *     must end: waiting for more, or which close code;
 *
 *   - one reader gets it in pieces whose sizes come from the first byte,
 *     each copied into a heap block of its exact length (an over-read of
 *     a piece is caught), with empty reads between them;
 *
 *   - another reader gets it whole.
 *
 * Both readers must give the decoder's messages, byte for byte, and end
 * as it does.  The message buffer is 4096 bytes so that 1009 is reached.
 * Every message must also point into the reader's buffers and, if text,
 * be UTF-8; its length goes through ngx_webrtc_ws_frame_header() and each
 * close through ngx_webrtc_ws_close_frame(), both read back.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include "ngx_webrtc_ws.h"
#include "fuzz.h"


#define FUZZ_BUF_SIZE    4096

/* t/fuzz/Makefile's MAX_LEN_ws: a message needs 6 bytes at least */
#define FUZZ_MAX_LEN     16384
#define FUZZ_MAX_EVENTS  (FUZZ_MAX_LEN / 6 + 1)


typedef struct {
    ngx_uint_t      opcode;
    ngx_uint_t      close_code;
    size_t          off;            /* in arena */
    size_t          len;
} ref_event_t;


static void ref_decode(const u_char *p, size_t len);
static ngx_int_t ref_utf8(const u_char *p, size_t len, size_t *done,
    ngx_uint_t complete);
static ngx_uint_t ref_close_code_valid(ngx_uint_t code);
static void ref_emit(ngx_uint_t opcode, ngx_uint_t code, const u_char *p,
    size_t len);

static void run(const u_char *data, size_t size, ngx_uint_t split);
static void check_message(ngx_webrtc_ws_reader_t *rd,
    ngx_webrtc_ws_message_t *msg, ngx_uint_t n, ngx_uint_t writers);
static void check_frame_header(ngx_uint_t opcode, uint64_t len);
static void check_close_frame(ngx_uint_t code, const u_char *reason,
    size_t len);


/* what the decoder expects: the messages, then how the reading ends */
static ref_event_t  events[FUZZ_MAX_EVENTS];
static ngx_uint_t   nevents;
static u_char       arena[FUZZ_MAX_LEN];
static size_t       arena_len;
static ngx_int_t    ref_rc;
static ngx_uint_t   ref_code;

static u_char       ref_msg[FUZZ_BUF_SIZE];
static u_char       ref_ctl[125];


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char  *p;

    if (size < 1 || size > FUZZ_MAX_LEN) {
        return 0;
    }

    ref_decode(data + 1, size - 1);

    /* in pieces, then whole, from a heap block of the exact length */

    p = malloc(size);
    fuzz_assert(p != NULL);
    memcpy(p, data, size);

    run(p + 1, size - 1, p[0]);
    run(p + 1, size - 1, 256);

    free(p);

    /* a frame header for a length the input chooses */

    if (size >= 9) {
        check_frame_header(data[0] & 0x0f,
                           ((uint64_t) data[1] << 56)
                           | ((uint64_t) data[2] << 48)
                           | ((uint64_t) data[3] << 40)
                           | ((uint64_t) data[4] << 32)
                           | ((uint64_t) data[5] << 24)
                           | ((uint64_t) data[6] << 16)
                           | ((uint64_t) data[7] << 8) | data[8]);
    }

    return 0;
}


/*
 * The reference: the whole input at hand, frame by frame.  A violation is
 * reported as soon as the bytes that show it are in (the header's first
 * two bytes, the whole header, a payload byte of text), as the reader
 * does, so that an input cut short ends the same way.
 */

static void
ref_decode(const u_char *p, size_t len)
{
    u_char         b0, b1, op, fin, len7, msg_op, *dst;
    size_t         pos, hlen, avail, i, msg_len, done, have;
    uint64_t       plen;
    ngx_uint_t     control, text, code;
    const u_char  *mask;

    nevents = 0;
    arena_len = 0;
    ref_rc = NGX_AGAIN;
    ref_code = 0;

    pos = 0;
    msg_op = 0;
    msg_len = 0;
    done = 0;

    for ( ;; ) {

        if (len - pos < 2) {
            return;
        }

        b0 = p[pos];
        b1 = p[pos + 1];
        fin = b0 >> 7;
        op = b0 & 0x0f;
        len7 = b1 & 0x7f;
        control = (op >= 8);

        ref_rc = NGX_ERROR;
        ref_code = NGX_WEBRTC_WS_PROTOCOL;

        if (b0 & 0x70) {
            return;
        }

        if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10) {
            return;
        }

        if ((b1 & 0x80) == 0) {
            return;
        }

        if (control) {
            if (!fin || len7 > 125 || (op == 8 && len7 == 1)) {
                return;
            }

        } else if ((op == 0) != (msg_op != 0)) {
            /* a continuation with no message, or a message in a message */
            return;
        }

        ref_rc = NGX_AGAIN;
        ref_code = 0;

        hlen = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;

        if (len - pos < hlen) {
            return;
        }

        if (len7 == 126) {
            plen = (p[pos + 2] << 8) | p[pos + 3];

        } else if (len7 == 127) {
            plen = 0;

            for (i = 0; i < 8; i++) {
                plen = plen * 256 + p[pos + 2 + i];
            }

            if (plen >= 0x8000000000000000ULL) {
                ref_rc = NGX_ERROR;
                ref_code = NGX_WEBRTC_WS_PROTOCOL;
                return;
            }

        } else {
            plen = len7;
        }

        if (!control) {
            have = (op == 0) ? msg_len : 0;

            if (plen + have > FUZZ_BUF_SIZE) {
                ref_rc = NGX_ERROR;
                ref_code = NGX_WEBRTC_WS_TOO_BIG;
                return;
            }

            if (op != 0) {
                msg_op = op;
                msg_len = 0;
                done = 0;
            }
        }

        mask = p + pos + hlen - 4;
        pos += hlen;
        avail = ngx_min(plen, len - pos);

        /* a control frame between fragments leaves the message alone */

        dst = control ? ref_ctl : ref_msg + msg_len;

        for (i = 0; i < avail; i++) {
            dst[i] = p[pos + i] ^ mask[i % 4];
        }

        text = (!control && msg_op == 1);

        if (text && ref_utf8(ref_msg, msg_len + avail, &done, 0) != NGX_OK) {
            ref_rc = NGX_ERROR;
            ref_code = NGX_WEBRTC_WS_BAD_DATA;
            return;
        }

        if (avail < plen) {
            return;
        }

        pos += plen;

        if (!control) {
            msg_len += plen;

            if (!fin) {
                continue;
            }

            if (text && ref_utf8(ref_msg, msg_len, &done, 1) != NGX_OK) {
                ref_rc = NGX_ERROR;
                ref_code = NGX_WEBRTC_WS_BAD_DATA;
                return;
            }

            ref_emit(msg_op, 0, ref_msg, msg_len);
            msg_op = 0;
            continue;
        }

        if (op != 8) {
            ref_emit(op, 0, dst, plen);
            continue;
        }

        if (plen == 0) {
            ref_emit(op, 1005, dst, 0);
            continue;
        }

        code = (dst[0] << 8) | dst[1];

        if (!ref_close_code_valid(code)) {
            ref_rc = NGX_ERROR;
            ref_code = NGX_WEBRTC_WS_PROTOCOL;
            return;
        }

        i = 0;

        if (ref_utf8(dst + 2, plen - 2, &i, 1) != NGX_OK) {
            ref_rc = NGX_ERROR;
            ref_code = NGX_WEBRTC_WS_BAD_DATA;
            return;
        }

        ref_emit(op, code, dst + 2, plen - 2);
    }
}


/*
 * Decodes p[*done..len) by code point value.  With complete, all of it
 * must be UTF-8; without, a sequence cut by the end is fine if some bytes
 * can complete it.  *done moves to the start of the first code point not
 * yet whole.
 */

static ngx_int_t
ref_utf8(const u_char *p, size_t len, size_t *done, ngx_uint_t complete)
{
    u_char      c, seq[4];
    size_t      i, k, n, have;
    uint32_t    v, min;
    ngx_uint_t  second, ok;

    i = *done;

    while (i < len) {
        c = p[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        if ((c & 0xe0) == 0xc0) {
            n = 2;
            min = 0x80;

        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            min = 0x800;

        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            min = 0x10000;

        } else {
            return NGX_ERROR;
        }

        have = ngx_min(n, len - i);

        if (have < n && complete) {
            return NGX_ERROR;
        }

        /* with bytes missing, try every second byte (the one with a
           range that depends on the first), and 0x80 for the others */

        ok = 0;

        for (second = 0x80; second <= 0xbf && !ok; second++) {

            for (k = 0; k < n; k++) {
                seq[k] = (k < have) ? p[i + k] : (k == 1) ? second : 0x80;
            }

            v = seq[0] & (0x7f >> n);

            for (k = 1; k < n; k++) {
                if ((seq[k] & 0xc0) != 0x80) {
                    break;
                }

                v = (v << 6) | (seq[k] & 0x3f);
            }

            ok = (k == n && v >= min && v <= 0x10ffff
                  && (v < 0xd800 || v > 0xdfff));

            if (have >= 2) {
                /* the second byte is there: nothing to try */
                break;
            }
        }

        if (!ok) {
            return NGX_ERROR;
        }

        if (have < n) {
            /* cut by the end, and can be completed */
            break;
        }

        i += n;
    }

    *done = i;

    return NGX_OK;
}


/* RFC 6455 7.4.1, 7.4.2 and the IANA registry (1012..1014) */

static ngx_uint_t
ref_close_code_valid(ngx_uint_t code)
{
    switch (code) {
    case 1000: case 1001: case 1002: case 1003:
    case 1007: case 1008: case 1009: case 1010: case 1011:
    case 1012: case 1013: case 1014:
        return 1;
    }

    return code >= 3000 && code < 5000;
}


static void
ref_emit(ngx_uint_t opcode, ngx_uint_t code, const u_char *p, size_t len)
{
    ref_event_t  *e;

    fuzz_assert(nevents < FUZZ_MAX_EVENTS);
    fuzz_assert(len <= FUZZ_MAX_LEN - arena_len);

    e = &events[nevents++];
    e->opcode = opcode;
    e->close_code = code;
    e->off = arena_len;
    e->len = len;

    memcpy(arena + arena_len, p, len);
    arena_len += len;
}


/*
 * A reader over the input: whole (split 256), a byte at a time (0), in
 * random pieces of 1..split + 1 bytes (1..127), in pieces of split - 127
 * bytes (128..255).
 */

static void
run(const u_char *data, size_t size, ngx_uint_t split)
{
    u_char                   *buf, *chunk, *p, *last;
    size_t                    off, n;
    uint32_t                  x;
    ngx_int_t                 rc;
    ngx_uint_t                count, code;
    const char               *err;
    ngx_webrtc_ws_message_t   msg;
    ngx_webrtc_ws_reader_t    rd;

    buf = malloc(FUZZ_BUF_SIZE);
    fuzz_assert(buf != NULL);

    rd.buf = buf;
    rd.size = FUZZ_BUF_SIZE;
    ngx_webrtc_ws_reader_init(&rd);

    x = (uint32_t) split * 2654435761u + 1;
    count = 0;
    off = 0;

    while (off < size) {

        if (split == 256) {
            n = size;

        } else if (split >= 128) {
            n = split - 127;

        } else {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            n = 1 + x % (split + 1);
        }

        n = ngx_min(n, size - off);

        chunk = malloc(n);
        fuzz_assert(chunk != NULL);
        memcpy(chunk, data + off, n);

        p = chunk;
        last = chunk + n;

        for ( ;; ) {
            code = 0;
            err = NULL;

            rc = ngx_webrtc_ws_read(&rd, &p, last, &msg, &code, &err);

            if (rc == NGX_OK) {
                fuzz_assert(p <= last);
                check_message(&rd, &msg, count++, split == 256);
                continue;
            }

            if (rc == NGX_AGAIN) {
                fuzz_assert(p == last);
                break;
            }

            fuzz_assert(rc == NGX_ERROR);
            fuzz_assert(ref_rc == NGX_ERROR && code == ref_code);
            fuzz_assert(count == nevents);
            fuzz_assert(err != NULL && err[0] != '\0');

            free(chunk);
            free(buf);
            return;
        }

        free(chunk);
        off += n;

        /* a read of nothing changes nothing */

        p = (u_char *) data + off;
        rc = ngx_webrtc_ws_read(&rd, &p, p, &msg, &code, &err);
        fuzz_assert(rc == NGX_AGAIN && p == data + off);
    }

    fuzz_assert(ref_rc == NGX_AGAIN && count == nevents);

    free(buf);
}


static void
check_message(ngx_webrtc_ws_reader_t *rd, ngx_webrtc_ws_message_t *msg,
    ngx_uint_t n, ngx_uint_t writers)
{
    ref_event_t  *e;

    fuzz_assert(n < nevents);

    e = &events[n];

    fuzz_assert(msg->opcode == e->opcode);
    fuzz_assert(msg->close_code == e->close_code);
    fuzz_assert(msg->len == e->len);
    fuzz_assert(msg->len == 0
                || memcmp(msg->data, arena + e->off, msg->len) == 0);

    switch (msg->opcode) {

    case NGX_WEBRTC_WS_TEXT:
    case NGX_WEBRTC_WS_BINARY:
        fuzz_assert(msg->data == rd->buf && msg->len <= rd->size);
        break;

    case NGX_WEBRTC_WS_CLOSE:
        fuzz_assert(msg->data == rd->ctl + (msg->close_code == 1005 ? 0 : 2));
        fuzz_assert(msg->len <= 123);
        fuzz_assert(ngx_webrtc_ws_utf8_valid(msg->data, msg->len));
        break;

    default:
        fuzz_assert(msg->data == rd->ctl && msg->len <= 125);
    }

    if (msg->opcode == NGX_WEBRTC_WS_TEXT) {
        fuzz_assert(ngx_webrtc_ws_utf8_valid(msg->data, msg->len));
    }

    /* the writers, once per message (on the whole reading) */

    if (!writers) {
        return;
    }

    check_frame_header(msg->opcode, msg->len);

    if (msg->opcode == NGX_WEBRTC_WS_CLOSE) {
        check_close_frame(msg->close_code, msg->data, msg->len);
    }
}


static void
check_frame_header(ngx_uint_t opcode, uint64_t len)
{
    u_char    *h;
    size_t     n, i;
    uint64_t   v;

    h = malloc(NGX_WEBRTC_WS_MAX_HEADER);
    fuzz_assert(h != NULL);

    n = ngx_webrtc_ws_frame_header(h, opcode, len);

    fuzz_assert(h[0] == (0x80 | opcode));

    if (len < 126) {
        fuzz_assert(n == 2 && h[1] == len);

    } else if (len < 65536) {
        fuzz_assert(n == 4 && h[1] == 126);
        fuzz_assert((uint64_t) ((h[2] << 8) | h[3]) == len);

    } else {
        fuzz_assert(n == 10 && h[1] == 127);

        v = 0;

        for (i = 0; i < 8; i++) {
            v = v * 256 + h[2 + i];
        }

        fuzz_assert(v == len);
    }

    free(h);
}


/*
 * Writes a close frame with the peer's code and reason, and three times
 * the reason for one too long to fit; checks it, and reads it back through
 * a reader after masking it as a client would.
 */

static void
check_close_frame(ngx_uint_t code, const u_char *reason, size_t len)
{
    u_char                   *buf, *s, *in, *p;
    size_t                    n, slen, k, i;
    ngx_int_t                 rc;
    ngx_uint_t                err_code;
    const char               *err;
    ngx_webrtc_ws_message_t   msg;
    ngx_webrtc_ws_reader_t    rd;

    /* a string: the reason up to its first NUL, three times */

    s = malloc(3 * len + 1);
    fuzz_assert(s != NULL);

    for (k = 0; k < 3; k++) {
        memcpy(s + k * len, reason, len);
    }

    s[3 * len] = '\0';
    slen = strlen((char *) s);

    buf = malloc(127);
    fuzz_assert(buf != NULL);

    n = ngx_webrtc_ws_close_frame(buf, code, (char *) s);

    fuzz_assert(buf[0] == 0x88);

    if (code == 1005) {
        fuzz_assert(n == 2 && buf[1] == 0);

    } else {
        fuzz_assert(n >= 4 && n <= 127 && buf[1] == n - 2);
        fuzz_assert(((ngx_uint_t) buf[2] << 8 | buf[3]) == code);

        /* a prefix of the reason, as long as fits, cut between code
           points: at most 3 bytes less than 123 */

        k = n - 4;
        fuzz_assert(k <= slen && memcmp(buf + 4, s, k) == 0);
        fuzz_assert(k == slen || (k <= 123 && k + 3 >= 123));
        fuzz_assert(ngx_webrtc_ws_utf8_valid(buf + 4, k));
    }

    /* back through a reader, masked */

    in = malloc(n + 4);
    fuzz_assert(in != NULL);

    in[0] = buf[0];
    in[1] = buf[1] | 0x80;
    memcpy(in + 2, "\x5a\xa5\x0f\xf0", 4);

    for (i = 2; i < n; i++) {
        in[i + 4] = buf[i] ^ in[2 + (i - 2) % 4];
    }

    rd.buf = NULL;
    rd.size = 0;
    ngx_webrtc_ws_reader_init(&rd);

    p = in;
    rc = ngx_webrtc_ws_read(&rd, &p, in + n + 4, &msg, &err_code, &err);

    fuzz_assert(rc == NGX_OK && p == in + n + 4);
    fuzz_assert(msg.opcode == NGX_WEBRTC_WS_CLOSE);
    fuzz_assert(msg.close_code == code);
    fuzz_assert(msg.len == (n > 2 ? n - 4 : 0));
    fuzz_assert(msg.len == 0 || memcmp(msg.data, s, msg.len) == 0);

    free(in);
    free(buf);
    free(s);
}
