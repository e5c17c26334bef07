
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Unit tests of ngx_webrtc_ws.c: the reader of client frames (length
 * forms, masking, fragments with control frames between them, every
 * violation and its close code, UTF-8, the size limit, any split of the
 * input) and the writers of frame headers and close frames.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include "ngx_webrtc_ws.h"

#include <stdio.h>


static ngx_uint_t  passed;
static ngx_uint_t  failed;


#define CHECK(c)                                                              \
    do {                                                                      \
        if (c) {                                                              \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            printf("%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);      \
        }                                                                     \
    } while (0)


#define UTF8(s)  ngx_webrtc_ws_utf8_valid((u_char *) s, sizeof(s) - 1)

/* the first byte of a frame: FIN and opcode */
#define FIN      0x80

/* length forms for frame(): the shortest, or a forced one */
#define LEN_ANY  0
#define LEN_16   16
#define LEN_64   64

#define MAX_MSGS  16


typedef struct {
    ngx_uint_t         opcode;
    size_t             len;
    ngx_uint_t         close_code;
    uint64_t           hash;
    u_char             head[64];
} test_msg_t;


typedef struct {
    test_msg_t         msgs[MAX_MSGS];
    ngx_uint_t         n;
    ngx_int_t          rc;          /* NGX_AGAIN at the end, or NGX_ERROR */
    ngx_uint_t         code;
    const char        *err;
} test_result_t;


static size_t frame(u_char *out, ngx_uint_t b0, ngx_uint_t form,
    ngx_uint_t masked, const void *payload, uint64_t len);
static void feed(u_char *in, size_t len, size_t chunk, size_t limit,
    test_result_t *r);
static ngx_uint_t same(test_result_t *a, test_result_t *b);
static ngx_uint_t fails(u_char *in, size_t len, ngx_uint_t code);
static uint64_t hash(u_char *p, size_t len);

static void test_masking(void);
static void test_lengths(void);
static void test_fragments(void);
static void test_errors(void);
static void test_early(void);
static void test_close(void);
static void test_splits(void);
static void test_utf8(void);
static void test_utf8_stream(void);
static void test_limit(void);
static void test_frame_header(void);
static void test_close_frame(void);


/* big enough for a 65536-byte payload and its header */
static u_char  in[70000 + 1024];
static u_char  msgbuf[70000];
static u_char  payload[70000];

static u_char  mask_key[4] = { 0x37, 0xfa, 0x21, 0x3d };


int
main(void)
{
    size_t  i;

    for (i = 0; i < sizeof(payload); i++) {
        payload[i] = (u_char) (i * 7 + (i >> 8));
    }

    test_masking();
    test_lengths();
    test_fragments();
    test_errors();
    test_early();
    test_close();
    test_splits();
    test_utf8();
    test_utf8_stream();
    test_limit();
    test_frame_header();
    test_close_frame();

    printf("ws: %lu passed, %lu failed\n",
           (unsigned long) passed, (unsigned long) failed);

    return failed ? 1 : 0;
}


/* a client frame: b0 as is (FIN, RSV, opcode), masked with mask_key */

static size_t
frame(u_char *out, ngx_uint_t b0, ngx_uint_t form, ngx_uint_t masked,
    const void *data, uint64_t len)
{
    u_char        *p;
    uint64_t       i;
    const u_char  *d;

    p = out;
    *p++ = (u_char) b0;

    if (form == LEN_64 || (form == LEN_ANY && len > 0xffff)) {
        *p++ = 127;

        for (i = 0; i < 8; i++) {
            *p++ = (u_char) (len >> (56 - 8 * i));
        }

    } else if (form == LEN_16 || (form == LEN_ANY && len > 125)) {
        *p++ = 126;
        *p++ = (u_char) (len >> 8);
        *p++ = (u_char) len;

    } else {
        *p++ = (u_char) len;
    }

    if (masked) {
        out[1] |= 0x80;
        p = ngx_cpymem(p, mask_key, 4);
    }

    d = data;

    for (i = 0; d != NULL && i < len; i++) {
        *p++ = masked ? d[i] ^ mask_key[i & 3] : d[i];
    }

    return p - out;
}


/* in, given to a new reader chunk bytes at a time (0: all at once) */

static void
feed(u_char *in, size_t len, size_t chunk, size_t limit, test_result_t *r)
{
    u_char                   *p, *last, *end;
    test_msg_t               *m;
    ngx_webrtc_ws_message_t   msg;
    ngx_webrtc_ws_reader_t    rd;

    ngx_memzero(r, sizeof(test_result_t));

    rd.buf = msgbuf;
    rd.size = limit;
    ngx_webrtc_ws_reader_init(&rd);

    p = in;
    end = in + len;
    r->rc = NGX_AGAIN;

    while (p < end) {
        last = (chunk == 0 || (size_t) (end - p) < chunk) ? end : p + chunk;

        for ( ;; ) {
            r->rc = ngx_webrtc_ws_read(&rd, &p, last, &msg, &r->code,
                                       &r->err);

            if (r->rc != NGX_OK) {
                break;
            }

            if (r->n == MAX_MSGS) {
                printf("more than %d messages\n", MAX_MSGS);
                failed++;
                return;
            }

            m = &r->msgs[r->n++];
            m->opcode = msg.opcode;
            m->len = msg.len;
            m->close_code = msg.close_code;
            m->hash = hash(msg.data, msg.len);
            ngx_memcpy(m->head, msg.data, ngx_min(msg.len, sizeof(m->head)));
        }

        if (r->rc == NGX_ERROR) {
            return;
        }

        if (p != last) {
            printf("NGX_AGAIN before the end of the input\n");
            failed++;
            return;
        }
    }
}


static ngx_uint_t
same(test_result_t *a, test_result_t *b)
{
    ngx_uint_t  i;

    if (a->n != b->n || a->rc != b->rc
        || (a->rc == NGX_ERROR && a->code != b->code))
    {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        if (a->msgs[i].opcode != b->msgs[i].opcode
            || a->msgs[i].len != b->msgs[i].len
            || a->msgs[i].close_code != b->msgs[i].close_code
            || a->msgs[i].hash != b->msgs[i].hash)
        {
            return 0;
        }
    }

    return 1;
}


/* in fails with code, whole and a byte at a time, with no message */

static ngx_uint_t
fails(u_char *in, size_t len, ngx_uint_t code)
{
    test_result_t  whole, bytes;

    feed(in, len, 0, 65536, &whole);
    feed(in, len, 1, 65536, &bytes);

    return whole.rc == NGX_ERROR && whole.code == code && whole.n == 0
           && whole.err != NULL && same(&whole, &bytes);
}


static uint64_t
hash(u_char *p, size_t len)
{
    size_t    i;
    uint64_t  h;

    /* FNV-1a */

    h = 0xcbf29ce484222325ULL;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }

    return h;
}


static void
test_masking(void)
{
    test_result_t  r;

    /* RFC 6455 5.7: a masked "Hello" */
    static u_char  hello[] = {
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
    };

    static u_char  unmasked[] = { 0x81, 0x05, 'H', 'e', 'l', 'l', 'o' };

    feed(hello, sizeof(hello), 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_TEXT);
    CHECK(r.msgs[0].len == 5 && ngx_memcmp(r.msgs[0].head, "Hello", 5) == 0);
    CHECK(r.msgs[0].close_code == 0);

    /* what a server sends is refused from a client */

    feed(unmasked, sizeof(unmasked), 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_PROTOCOL);
    CHECK(r.err != NULL && ngx_strcmp(r.err, "unmasked client frame") == 0);
    CHECK(fails(unmasked, 2, NGX_WEBRTC_WS_PROTOCOL));

    /* a mask of zeros is a mask */

    {
        u_char  zero[] = { 0x82, 0x82, 0, 0, 0, 0, 0xab, 0xcd };

        feed(zero, sizeof(zero), 0, 100, &r);
        CHECK(r.rc == NGX_AGAIN && r.n == 1);
        CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_BINARY);
        CHECK(r.msgs[0].len == 2 && r.msgs[0].head[0] == 0xab
              && r.msgs[0].head[1] == 0xcd);
    }
}


static void
test_lengths(void)
{
    size_t         n, i;
    test_result_t  r, b;
    static size_t  lens[] = { 0, 1, 125, 126, 127, 65535, 65536, 69999 };

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload,
                  lens[i]);

        CHECK(n == lens[i] + 4 + (lens[i] < 126 ? 2
                                  : lens[i] < 65536 ? 4 : 10));

        feed(in, n, 0, sizeof(msgbuf), &r);
        CHECK(r.rc == NGX_AGAIN && r.n == 1);
        CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_BINARY);
        CHECK(r.msgs[0].len == lens[i]);
        CHECK(r.msgs[0].hash == hash(payload, lens[i]));

        /* the same, in pieces of 1000 and of 3 bytes */

        feed(in, n, 1000, sizeof(msgbuf), &b);
        CHECK(same(&r, &b));
        feed(in, n, 3, sizeof(msgbuf), &b);
        CHECK(same(&r, &b));
    }

    /* longer forms than needed are accepted (RFC 6455 5.2 asks senders
       for the shortest, a reader loses nothing by taking the others) */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_16, 1, "hi", 2);
    CHECK(n == 2 + 2 + 4 + 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_TEXT, LEN_64, 1, "yo", 2);

    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 2);
    CHECK(r.msgs[0].len == 2 && ngx_memcmp(r.msgs[0].head, "hi", 2) == 0);
    CHECK(r.msgs[1].len == 2 && ngx_memcmp(r.msgs[1].head, "yo", 2) == 0);

    /* an empty frame completes with its header, no further call needed */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, NULL, 0);
    CHECK(n == 6);
    feed(in, n, 1, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1 && r.msgs[0].len == 0);
    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_TEXT);
}


static void
test_fragments(void)
{
    size_t         n;
    test_result_t  r, b;

    /* RFC 6455 5.6: "Hel" "lo", with control frames between fragments */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "Hel", 3);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, "ping!", 5);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PONG, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "lo", 2);

    /* then a whole binary message and a three-fragment one */

    n += frame(in + n, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, "\0\1", 2);
    n += frame(in + n, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 200);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload + 200, 100);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, payload, 125);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload + 300,
               1);

    feed(in, n, 0, 1000, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 6);

    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_PING && r.msgs[0].len == 5);
    CHECK(ngx_memcmp(r.msgs[0].head, "ping!", 5) == 0);
    CHECK(r.msgs[1].opcode == NGX_WEBRTC_WS_PONG && r.msgs[1].len == 0);
    CHECK(r.msgs[2].opcode == NGX_WEBRTC_WS_TEXT && r.msgs[2].len == 5);
    CHECK(ngx_memcmp(r.msgs[2].head, "Hello", 5) == 0);
    CHECK(r.msgs[3].opcode == NGX_WEBRTC_WS_BINARY && r.msgs[3].len == 2);
    CHECK(r.msgs[4].opcode == NGX_WEBRTC_WS_PING && r.msgs[4].len == 125);
    CHECK(r.msgs[4].hash == hash(payload, 125));
    CHECK(r.msgs[5].opcode == NGX_WEBRTC_WS_BINARY && r.msgs[5].len == 301);
    CHECK(r.msgs[5].hash == hash(payload, 301));

    feed(in, n, 1, 1000, &b);
    CHECK(same(&r, &b));

    /* a close between fragments ends the reading there */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a", 1);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, "\x03\xe8", 2);

    feed(in, n, 0, 1000, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_CLOSE);
    CHECK(r.msgs[0].close_code == 1000 && r.msgs[0].len == 0);
}


static void
test_errors(void)
{
    size_t      n, m;
    ngx_uint_t  op;
    u_char      big[14] = { FIN | NGX_WEBRTC_WS_BINARY, 0x80 | 127,
                            0x80, 0, 0, 0, 0, 0, 0, 0,  1, 2, 3, 4 };

    /* reserved bits */

    n = frame(in, FIN | 0x40 | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, FIN | 0x20 | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, FIN | 0x10 | NGX_WEBRTC_WS_PING, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    /* reserved opcodes */

    for (op = 3; op < 16; op++) {
        if (op >= NGX_WEBRTC_WS_CLOSE && op <= NGX_WEBRTC_WS_PONG) {
            continue;
        }

        n = frame(in, FIN | op, LEN_ANY, 1, "a", 1);
        CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    }

    /* unmasked, whatever the opcode */

    n = frame(in, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 0, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 0, NULL, 0);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    /* control frames: 126 bytes (in any length form), FIN unset */

    n = frame(in, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, payload, 126);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, FIN | NGX_WEBRTC_WS_PONG, LEN_16, 1, payload, 5);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, NGX_WEBRTC_WS_PING, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, NULL, 0);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    /* a continuation with no message, at the start and after one */

    n = frame(in, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = frame(in, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "a", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    {
        test_result_t  r;

        n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a", 1);
        n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "b", 1);
        feed(in, n, 0, 100, &r);
        CHECK(r.n == 1 && r.rc == NGX_ERROR);
        CHECK(r.code == NGX_WEBRTC_WS_PROTOCOL);
    }

    /* a new message while one is fragmented */

    m = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a", 1);
    n = m + frame(in + m, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "b", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    n = m + frame(in + m, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, "b", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    /* a 64-bit length with the top bit set, 2^63 and 2^64 - 1 */

    CHECK(fails(big, sizeof(big), NGX_WEBRTC_WS_PROTOCOL));
    ngx_memset(big + 2, 0xff, 8);
    CHECK(fails(big, sizeof(big), NGX_WEBRTC_WS_PROTOCOL));

    /* 2^63 - 1 is a length, only too big */

    big[2] = 0x7f;
    CHECK(fails(big, sizeof(big), NGX_WEBRTC_WS_TOO_BIG));

    /* text that is not UTF-8 */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a\xff", 2);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));
}


/* refusals come as soon as the bytes that show them are in */

static void
test_early(void)
{
    size_t         n;
    test_result_t  r;

    n = frame(in, FIN | 0x40 | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "abc", 3);
    feed(in, 2, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_PROTOCOL);

    /* one byte is not enough to know */
    feed(in, 1, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 0);

    /* a 1009 on the header: none of the 65536 bytes announced is needed */

    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, NULL, 65536);
    CHECK(n == 14);
    feed(in, n, 0, 65535, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_TOO_BIG);
    feed(in, n - 1, 0, 65535, &r);
    CHECK(r.rc == NGX_AGAIN);

    /* a bad byte of text, before the end of its frame */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "ab\xc0zzzz", 7);
    feed(in, 6 + 3, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_BAD_DATA);
    feed(in, 6 + 2, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN);

    /* a control frame's length is checked on the second byte */

    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, "\x03", 1);
    feed(in, 2, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_PROTOCOL);
}


static void
test_close(void)
{
    size_t         n, i;
    u_char         p[125];
    test_result_t  r;

    static ngx_uint_t  good[] = {
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
        1014, 3000, 3999, 4000, 4999
    };

    static ngx_uint_t  bad[] = {
        0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000,
        65535
    };

    /* no payload: 1005, "no status received" */

    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, NULL, 0);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_CLOSE);
    CHECK(r.msgs[0].close_code == 1005 && r.msgs[0].len == 0);

    /* a code and a reason: the message is the reason */

    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1,
              "\x0f\xa1" "bye \xce\xba", 8);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].close_code == 4001 && r.msgs[0].len == 6);
    CHECK(ngx_memcmp(r.msgs[0].head, "bye \xce\xba", 6) == 0);

    /* the longest reason */

    p[0] = 0x03;
    p[1] = 0xe8;
    ngx_memset(p + 2, 'r', 123);
    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, p, 125);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].close_code == 1000 && r.msgs[0].len == 123);

    /* one byte */

    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, "\x03", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        p[0] = (u_char) (good[i] >> 8);
        p[1] = (u_char) good[i];
        n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, p, 2);
        feed(in, n, 0, 100, &r);
        CHECK(r.rc == NGX_AGAIN && r.n == 1
              && r.msgs[0].close_code == good[i]);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p[0] = (u_char) (bad[i] >> 8);
        p[1] = (u_char) bad[i];
        n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, p, 2);
        CHECK(fails(in, n, NGX_WEBRTC_WS_PROTOCOL));
    }

    /* a reason that is not UTF-8: bad byte, surrogate, cut code point */

    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, "\x03\xe8\xff", 3);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));
    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1,
              "\x03\xe8\xed\xa0\x80", 5);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));
    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, "\x03\xe8\xce", 3);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));
}


/* any split of the input gives the same messages, and the same error */

static void
test_splits(void)
{
    size_t         n, good, i;
    test_result_t  whole, r;
    static size_t  chunks[] = { 1, 2, 3, 4, 5, 6, 7, 10, 13, 64, 127, 1000 };

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "first", 5);
    n += frame(in + n, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xf0\x9f", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, "p", 1);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\x98", 1);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\x80!", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 300);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_BINARY, LEN_64, 1, payload, 70);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PONG, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1,
               "\x03\xe9" "away", 6);
    good = n;

    feed(in, good, 0, 1000, &whole);
    CHECK(whole.rc == NGX_AGAIN && whole.n == 8);
    CHECK(whole.msgs[1].opcode == NGX_WEBRTC_WS_PING);
    CHECK(whole.msgs[2].opcode == NGX_WEBRTC_WS_TEXT);
    CHECK(whole.msgs[2].len == 5);
    CHECK(ngx_memcmp(whole.msgs[2].head, "\xf0\x9f\x98\x80!", 5) == 0);
    CHECK(whole.msgs[7].close_code == 1001);

    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        feed(in, good, chunks[i], 1000, &r);
        CHECK(same(&whole, &r));
    }

    /* the same stream, then a violation in the middle of a message */

    n += frame(in + n, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 10);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload, 10);
    n += frame(in + n, FIN | 0x20 | NGX_WEBRTC_WS_CONT, LEN_ANY, 1,
               payload, 10);

    feed(in, n, 0, 1000, &whole);
    CHECK(whole.rc == NGX_ERROR && whole.n == 8);
    CHECK(whole.code == NGX_WEBRTC_WS_PROTOCOL);

    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        feed(in, n, chunks[i], 1000, &r);
        CHECK(same(&whole, &r));
    }

    /* and with a message over the limit */

    n = good;
    n += frame(in + n, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 600);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload, 401);

    feed(in, n, 0, 1000, &whole);
    CHECK(whole.rc == NGX_ERROR && whole.n == 8);
    CHECK(whole.code == NGX_WEBRTC_WS_TOO_BIG);

    for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        feed(in, n, chunks[i], 1000, &r);
        CHECK(same(&whole, &r));
    }
}


static void
test_utf8(void)
{
    CHECK(UTF8("") == 1);
    CHECK(UTF8("plain ASCII\t\n\x7f") == 1);
    CHECK(UTF8("\x00") == 1);
    CHECK(UTF8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") == 1);

    /* the edges of each length */

    CHECK(UTF8("\xc2\x80") == 1);                  /* U+0080 */
    CHECK(UTF8("\xdf\xbf") == 1);                  /* U+07FF */
    CHECK(UTF8("\xe0\xa0\x80") == 1);              /* U+0800 */
    CHECK(UTF8("\xef\xbf\xbf") == 1);              /* U+FFFF */
    CHECK(UTF8("\xf0\x90\x80\x80") == 1);          /* U+10000 */
    CHECK(UTF8("\xf4\x8f\xbf\xbf") == 1);          /* U+10FFFF */
    CHECK(UTF8("\xf4\x90\x80\x80") == 0);          /* U+110000 */
    CHECK(UTF8("\xf7\xbf\xbf\xbf") == 0);          /* U+1FFFFF */

    /* overlong forms */

    CHECK(UTF8("\xc0\x80") == 0);
    CHECK(UTF8("\xc0\xaf") == 0);
    CHECK(UTF8("\xc1\xbf") == 0);
    CHECK(UTF8("\xe0\x80\x80") == 0);
    CHECK(UTF8("\xe0\x9f\xbf") == 0);
    CHECK(UTF8("\xf0\x80\x80\x80") == 0);
    CHECK(UTF8("\xf0\x8f\xbf\xbf") == 0);

    /* surrogates, and their neighbours */

    CHECK(UTF8("\xed\x9f\xbf") == 1);              /* U+D7FF */
    CHECK(UTF8("\xed\xa0\x80") == 0);              /* U+D800 */
    CHECK(UTF8("\xed\xaf\xbf") == 0);
    CHECK(UTF8("\xed\xb0\x80") == 0);
    CHECK(UTF8("\xed\xbf\xbf") == 0);              /* U+DFFF */
    CHECK(UTF8("\xee\x80\x80") == 1);              /* U+E000 */
    CHECK(UTF8("\xed\xa0\x80\xed\xb0\x80") == 0);  /* a pair */

    /* bytes that are never UTF-8, lone and missing continuations */

    CHECK(UTF8("\xf5\x80\x80\x80") == 0);
    CHECK(UTF8("\xfe") == 0);
    CHECK(UTF8("\xff") == 0);
    CHECK(UTF8("\x80") == 0);
    CHECK(UTF8("a\xbf") == 0);
    CHECK(UTF8("\xe2\x82") == 0);
    CHECK(UTF8("\xe2\x82z") == 0);
    CHECK(UTF8("\xf0\x9f\x98") == 0);
    CHECK(UTF8("\xc2") == 0);
    CHECK(UTF8("\xce\xba\xce") == 0);
}


static void
test_utf8_stream(void)
{
    size_t         n, i;
    test_result_t  r, b;

    /* "κ" split between two fragments */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a\xce", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\xba" "b", 2);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1 && r.msgs[0].len == 4);
    CHECK(ngx_memcmp(r.msgs[0].head, "a\xce\xba" "b", 4) == 0);

    /* U+10FFFF over four fragments, a ping and empty ones between */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xf4", 1);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\x8f", 1);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, "\xff", 1);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\xbf", 1);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\xbf", 1);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 2);
    CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_PING);
    CHECK(r.msgs[1].opcode == NGX_WEBRTC_WS_TEXT && r.msgs[1].len == 4);

    for (i = 1; i < 8; i++) {
        feed(in, n, i, 100, &b);
        CHECK(same(&r, &b));
    }

    /* U+110000 split the same way: refused at its second byte */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xf4", 1);
    n += frame(in + n, NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\x90", 1);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));

    /* a code point cut by the end of the message */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "ok", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, "\xe2\x82", 2);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xf0\x9f\x98", 3);
    CHECK(fails(in, n, NGX_WEBRTC_WS_BAD_DATA));

    /* ... but not by the end of a fragment */

    n = frame(in, NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xf0\x9f\x98", 3);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 0);

    /* the next text message starts from a clean state */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xce\xba", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "\xba", 1);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.n == 1);
    CHECK(r.code == NGX_WEBRTC_WS_BAD_DATA);

    /* binary messages and pings are not text */

    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, "\xff\xc0", 2);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, "\xff", 1);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PONG, LEN_ANY, 1, "\xed\xa0", 2);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 3);
}


static void
test_limit(void)
{
    size_t         n, m;
    test_result_t  r, b;

    /* exactly the limit, and one over */

    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 100);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1 && r.msgs[0].len == 100);

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "abcdefghijk", 11);
    feed(in, n, 0, 11, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1 && r.msgs[0].len == 11);
    feed(in, n, 0, 10, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_TOO_BIG);
    feed(in, 2, 0, 10, &r);
    CHECK(r.rc == NGX_AGAIN);
    feed(in, 6, 0, 10, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_TOO_BIG);

    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 101);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_TOO_BIG && r.n == 0);

    /* across fragments: 60 + 40, then 60 + 41 refused on the header of
       the second fragment */

    m = frame(in, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 60);
    n = m + frame(in + m, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload, 40);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1 && r.msgs[0].len == 100);

    n = m + frame(in + m, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, payload, 41);
    feed(in, m + 6, 0, 100, &r);
    CHECK(r.rc == NGX_ERROR && r.code == NGX_WEBRTC_WS_TOO_BIG);
    feed(in, n, 1, 100, &b);
    CHECK(same(&r, &b));

    /* each message has the whole limit: the previous one is gone */

    n = frame(in, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 80);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 80);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 2);

    /* control frames do not count, not even between fragments */

    n = frame(in, NGX_WEBRTC_WS_BINARY, LEN_ANY, 1, payload, 10);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_PING, LEN_ANY, 1, payload, 125);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_CONT, LEN_ANY, 1, NULL, 0);
    feed(in, n, 0, 10, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 2);
    CHECK(r.msgs[0].len == 125 && r.msgs[1].len == 10);

    /* a limit of 0 takes empty messages only */

    n = frame(in, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, NULL, 0);
    n += frame(in + n, FIN | NGX_WEBRTC_WS_TEXT, LEN_ANY, 1, "a", 1);
    feed(in, n, 0, 0, &r);
    CHECK(r.rc == NGX_ERROR && r.n == 1);
    CHECK(r.code == NGX_WEBRTC_WS_TOO_BIG);
}


static void
test_frame_header(void)
{
    size_t         n, i, j;
    u_char         h[NGX_WEBRTC_WS_MAX_HEADER];
    test_result_t  r;

    static uint64_t  lens[] = { 0, 125, 126, 65535, 65536 };
    static size_t    sizes[] = { 2, 2, 4, 4, 10 };

    n = ngx_webrtc_ws_frame_header(h, NGX_WEBRTC_WS_TEXT, 5);
    CHECK(n == 2 && h[0] == 0x81 && h[1] == 5);

    n = ngx_webrtc_ws_frame_header(h, NGX_WEBRTC_WS_BINARY, 126);
    CHECK(n == 4 && h[0] == 0x82 && h[1] == 126 && h[2] == 0 && h[3] == 126);

    n = ngx_webrtc_ws_frame_header(h, NGX_WEBRTC_WS_BINARY, 65536);
    CHECK(n == 10 && h[1] == 127 && h[2] == 0 && h[6] == 0 && h[7] == 1
          && h[8] == 0 && h[9] == 0);

    n = ngx_webrtc_ws_frame_header(h, NGX_WEBRTC_WS_PING, 0x0102030405060708);
    CHECK(n == 10 && h[0] == 0x89 && h[2] == 1 && h[9] == 8);

    /* back through the reader, masked as a client would */

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        n = ngx_webrtc_ws_frame_header(in, NGX_WEBRTC_WS_BINARY, lens[i]);
        CHECK(n == sizes[i]);

        in[1] |= 0x80;
        ngx_memcpy(in + n, mask_key, 4);
        n += 4;

        for (j = 0; j < lens[i]; j++) {
            in[n + j] = payload[j] ^ mask_key[j & 3];
        }

        feed(in, n + lens[i], 0, 65536, &r);
        CHECK(r.rc == NGX_AGAIN && r.n == 1);
        CHECK(r.msgs[0].opcode == NGX_WEBRTC_WS_BINARY);
        CHECK(r.msgs[0].len == lens[i]);
        CHECK(r.msgs[0].hash == hash(payload, lens[i]));
    }
}


static void
test_close_frame(void)
{
    size_t         n;
    u_char         buf[127], reason[200];
    test_result_t  r;

    n = ngx_webrtc_ws_close_frame(buf, 1000, "bye");
    CHECK(n == 7);
    CHECK(ngx_memcmp(buf, "\x88\x05\x03\xe8" "bye", 7) == 0);

    n = ngx_webrtc_ws_close_frame(buf, 1009, NULL);
    CHECK(n == 4 && ngx_memcmp(buf, "\x88\x02\x03\xf1", 4) == 0);

    n = ngx_webrtc_ws_close_frame(buf, 4003, "");
    CHECK(n == 4 && buf[2] == 0x0f && buf[3] == 0xa3);

    /* no code: an empty close; 1005 is never sent */

    n = ngx_webrtc_ws_close_frame(buf, 0, "ignored");
    CHECK(n == 2 && buf[0] == 0x88 && buf[1] == 0);
    n = ngx_webrtc_ws_close_frame(buf, 1005, "ignored");
    CHECK(n == 2 && buf[1] == 0);

    /* 123 bytes of reason fit, the rest is cut */

    ngx_memset(reason, 'x', 199);
    reason[199] = '\0';
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 127 && buf[1] == 125);
    CHECK(buf[126] == 'x');

    reason[123] = '\0';
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 127);
    reason[122] = '\0';
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 126 && buf[1] == 124);

    /* not in the middle of a code point: "é" at 122..123 goes whole */

    ngx_memset(reason, 'x', 199);
    reason[122] = 0xc3;
    reason[123] = 0xa9;
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 4 + 122 && buf[1] == 124);

    /* "€" at 120..122 fits exactly, at 121..123 it goes whole */

    reason[120] = 0xe2;
    reason[121] = 0x82;
    reason[122] = 0xac;
    reason[123] = 'x';
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 127 && buf[126] == 0xac);

    reason[120] = 'x';
    reason[121] = 0xe2;
    reason[122] = 0x82;
    reason[123] = 0xac;
    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    CHECK(n == 4 + 121 && buf[1] == 123);

    /* what we write, a client would read back */

    n = ngx_webrtc_ws_close_frame(buf, 1000, (char *) reason);
    n = frame(in, FIN | NGX_WEBRTC_WS_CLOSE, LEN_ANY, 1, buf + 2, n - 2);
    feed(in, n, 0, 100, &r);
    CHECK(r.rc == NGX_AGAIN && r.n == 1);
    CHECK(r.msgs[0].close_code == 1000 && r.msgs[0].len == 121);
}
