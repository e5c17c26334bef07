
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Signaling for the generator: SDP offers and answers, the remote SDP's
 * ICE credentials, fingerprint, candidate and payload types; HTTP/1.1 on
 * plain sockets (non-blocking for WHEP viewers, so that many set up at
 * once; blocking for the publisher and for Janus's HTTP API); and the
 * Janus VideoRoom dialogue: the publisher offers, Janus offers to each
 * subscriber and the generator answers.
 */


#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "load.h"


#define LOAD_SDP_MAX        16384
#define LOAD_JANUS_POLL     100


static int load_sdp_local_port(load_peer_t *p);
static int load_http_parse(char *buf, size_t len, size_t *total);
static int load_http_connect(int nonblocking);
static char *load_janus_request(const char *path, const char *json,
    int *status);
static char *load_json_escape(const char *s);
static const char *load_json_next_object(const char *p, const char **end);


static int  load_http_keep = -1;     /* the blocking calls' connection */
static unsigned  load_transaction;


static int
load_sdp_local_port(load_peer_t *p)
{
    socklen_t           len;
    struct sockaddr_in  sin;

    len = sizeof(sin);

    if (getsockname(p->fd, (struct sockaddr *) &sin, &len) == -1) {
        return 0;
    }

    return ntohs(sin.sin_port);
}


/*
 * The generator's offer: video VP8 and audio Opus, BUNDLEd, rtcp-mux;
 * sendonly for the publisher, recvonly for a viewer.
 */
size_t
load_sdp_offer(load_peer_t *p, char *buf, size_t size, int publisher,
    const char *setup)
{
    int       port, n;
    uint32_t  ssrc_v, ssrc_a;
    char      cand[128];

    port = load_sdp_local_port(p);

    snprintf(cand, sizeof(cand),
             "a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\n"
             "a=end-of-candidates\r\n", port);

    ssrc_v = load_pub_ssrc[STREAM_VIDEO];
    ssrc_a = load_pub_ssrc[STREAM_AUDIO];

    n = snprintf(buf, size,
        "v=0\r\n"
        "o=- %u 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "t=0 0\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "a=msid-semantic: WMS load\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF %d\r\n"
        "c=IN IP4 127.0.0.1\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "%s"
        "a=ice-ufrag:%s\r\n"
        "a=ice-pwd:%s\r\n"
        "a=fingerprint:sha-256 %s\r\n"
        "a=setup:%s\r\n"
        "a=mid:0\r\n"
        "a=%s\r\n"
        "a=rtcp-mux\r\n"
        "a=rtcp-rsize\r\n"
        "a=rtpmap:%d VP8/90000\r\n"
        "a=rtcp-fb:%d nack\r\n"
        "a=rtcp-fb:%d nack pli\r\n"
        "a=rtcp-fb:%d ccm fir\r\n",
        (unsigned) p->index + 1, LOAD_VIDEO_PT, cand, p->lufrag, p->lpwd,
        load_conf.fingerprint, setup, publisher ? "sendonly" : "recvonly",
        LOAD_VIDEO_PT, LOAD_VIDEO_PT, LOAD_VIDEO_PT, LOAD_VIDEO_PT);

    if (publisher) {
        n += snprintf(buf + n, size - n,
            "a=msid:load video\r\n"
            "a=ssrc:%u cname:load\r\n"
            "a=ssrc:%u msid:load video\r\n", ssrc_v, ssrc_v);
    }

    n += snprintf(buf + n, size - n,
        "m=audio 9 UDP/TLS/RTP/SAVPF %d\r\n"
        "c=IN IP4 127.0.0.1\r\n"
        "a=rtcp:9 IN IP4 0.0.0.0\r\n"
        "%s"
        "a=ice-ufrag:%s\r\n"
        "a=ice-pwd:%s\r\n"
        "a=fingerprint:sha-256 %s\r\n"
        "a=setup:%s\r\n"
        "a=mid:1\r\n"
        "a=%s\r\n"
        "a=rtcp-mux\r\n"
        "a=rtpmap:%d opus/48000/2\r\n"
        "a=fmtp:%d minptime=10;useinbandfec=1\r\n",
        LOAD_AUDIO_PT, cand, p->lufrag, p->lpwd, load_conf.fingerprint, setup,
        publisher ? "sendonly" : "recvonly", LOAD_AUDIO_PT, LOAD_AUDIO_PT);

    if (publisher) {
        n += snprintf(buf + n, size - n,
            "a=msid:load audio\r\n"
            "a=ssrc:%u cname:load\r\n"
            "a=ssrc:%u msid:load audio\r\n", ssrc_a, ssrc_a);
    }

    return (size_t) n < size ? (size_t) n : 0;
}


/*
 * The remote description: ICE credentials, the sha-256 fingerprint, the
 * first IPv4 UDP candidate, and the payload types of VP8 and Opus.
 */
int
load_sdp_parse_remote(load_peer_t *p, const char *sdp)
{
    int          i, kind, have_addr, port, pt;
    char         ip[64], codec[64], line[1024];
    const char  *s, *e;
    size_t       len;
    unsigned     b;

    kind = -1;
    have_addr = 0;
    p->pt[STREAM_VIDEO] = -1;
    p->pt[STREAM_AUDIO] = -1;
    p->rufrag[0] = '\0';
    p->rpwd[0] = '\0';

    for (s = sdp; *s; s = e) {
        e = strchr(s, '\n');
        if (e == NULL) {
            e = s + strlen(s);
        }

        len = e - s;
        if (len && s[len - 1] == '\r') {
            len--;
        }

        if (*e) {
            e++;
        }

        if (len >= sizeof(line)) {
            continue;
        }

        memcpy(line, s, len);
        line[len] = '\0';

        if (len >= 7 && memcmp(line, "m=video", 7) == 0) {
            kind = STREAM_VIDEO;

        } else if (len >= 7 && memcmp(line, "m=audio", 7) == 0) {
            kind = STREAM_AUDIO;

        } else if (len >= 2 && memcmp(line, "m=", 2) == 0) {
            kind = -1;

        } else if (sscanf(line, "a=ice-ufrag:%256s", p->rufrag) == 1) {
            /* void */

        } else if (sscanf(line, "a=ice-pwd:%256s", p->rpwd) == 1) {
            /* void */

        } else if (strcmp(line, "a=ice-lite") == 0) {
            p->lite = 1;

        } else if (strncasecmp(line, "a=fingerprint:sha-256 ", 22) == 0) {
            for (i = 0; i < 32; i++) {
                if (sscanf(line + 22 + 3 * i, "%2x", &b) != 1) {
                    break;
                }

                p->rfp[i] = (uint8_t) b;
            }

            p->has_rfp = (i == 32);

        } else if (strncmp(line, "a=candidate:", 12) == 0 && !have_addr) {
            /* foundation component transport priority address port */

            char  transport[16];

            if (sscanf(line + 12, "%*s %*d %15s %*u %63s %d", transport, ip,
                       &port)
                == 3
                && strcasecmp(transport, "udp") == 0
                && inet_pton(AF_INET, ip, &p->remote.sin_addr) == 1)
            {
                p->remote.sin_family = AF_INET;
                p->remote.sin_port = htons((uint16_t) port);
                have_addr = 1;
            }

        } else if (kind != -1 && p->pt[kind] == -1
                   && sscanf(line, "a=rtpmap:%d %63[^/]", &pt, codec) == 2)
        {
            if ((kind == STREAM_VIDEO && strcasecmp(codec, "VP8") == 0)
                || (kind == STREAM_AUDIO && strcasecmp(codec, "opus") == 0))
            {
                p->pt[kind] = pt;
            }
        }
    }

    if (!have_addr || p->rufrag[0] == '\0' || p->rpwd[0] == '\0') {
        return -1;
    }

    return 0;
}


/*
 * An answer to Janus's offer to a subscriber: each m-line answered with
 * its VP8 or Opus payload type, recvonly, our credentials, DTLS active.
 */
size_t
load_sdp_answer(load_peer_t *p, const char *offer, char *buf, size_t size)
{
    int          n, kind, pt, port, nm, i;
    char         line[1024], codec[64], mid[64], mtype[16];
    char         mids[8][64];
    int          kinds[8], pts[8];
    const char  *s, *e;
    size_t       len;

    nm = 0;
    kind = -1;

    for (s = offer; *s; s = e) {
        e = strchr(s, '\n');
        if (e == NULL) {
            e = s + strlen(s);
        }

        len = e - s;
        if (len && s[len - 1] == '\r') {
            len--;
        }

        if (*e) {
            e++;
        }

        if (len >= sizeof(line)) {
            continue;
        }

        memcpy(line, s, len);
        line[len] = '\0';

        if (sscanf(line, "m=%15s", mtype) == 1) {
            if (nm == 8) {
                break;
            }

            kind = strcmp(mtype, "video") == 0 ? STREAM_VIDEO
                   : strcmp(mtype, "audio") == 0 ? STREAM_AUDIO : -1;
            kinds[nm] = kind;
            pts[nm] = -1;
            strcpy(mids[nm], "");
            nm++;

        } else if (nm && sscanf(line, "a=mid:%63s", mid) == 1) {
            strcpy(mids[nm - 1], mid);

        } else if (nm && pts[nm - 1] == -1 && kind != -1
                   && sscanf(line, "a=rtpmap:%d %63[^/]", &pt, codec) == 2)
        {
            if ((kind == STREAM_VIDEO && strcasecmp(codec, "VP8") == 0)
                || (kind == STREAM_AUDIO && strcasecmp(codec, "opus") == 0))
            {
                pts[nm - 1] = pt;
            }
        }
    }

    port = load_sdp_local_port(p);

    n = snprintf(buf, size,
                 "v=0\r\n"
                 "o=- %u 2 IN IP4 127.0.0.1\r\n"
                 "s=-\r\n"
                 "t=0 0\r\n"
                 "a=group:BUNDLE", (unsigned) p->index + 1);

    for (i = 0; i < nm; i++) {
        if (pts[i] != -1) {
            n += snprintf(buf + n, size - n, " %s", mids[i]);
        }
    }

    n += snprintf(buf + n, size - n, "\r\na=msid-semantic: WMS\r\n");

    for (i = 0; i < nm; i++) {
        if (pts[i] == -1) {
            n += snprintf(buf + n, size - n,
                          "m=%s 0 UDP/TLS/RTP/SAVPF 0\r\n"
                          "c=IN IP4 127.0.0.1\r\n"
                          "a=mid:%s\r\n"
                          "a=inactive\r\n",
                          kinds[i] == STREAM_VIDEO ? "video"
                          : kinds[i] == STREAM_AUDIO ? "audio" : "application",
                          mids[i]);
            continue;
        }

        n += snprintf(buf + n, size - n,
            "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\n"
            "c=IN IP4 127.0.0.1\r\n"
            "a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\n"
            "a=end-of-candidates\r\n"
            "a=ice-ufrag:%s\r\n"
            "a=ice-pwd:%s\r\n"
            "a=fingerprint:sha-256 %s\r\n"
            "a=setup:active\r\n"
            "a=mid:%s\r\n"
            "a=recvonly\r\n"
            "a=rtcp-mux\r\n"
            "a=rtpmap:%d %s\r\n",
            kinds[i] == STREAM_VIDEO ? "video" : "audio", pts[i], port,
            p->lufrag, p->lpwd, load_conf.fingerprint, mids[i], pts[i],
            kinds[i] == STREAM_VIDEO ? "VP8/90000" : "opus/48000/2");

        p->pt[kinds[i]] = pts[i];
    }

    return (size_t) n < size ? (size_t) n : 0;
}


/* HTTP/1.1 ----------------------------------------------------------- */


static int
load_http_connect(int nonblocking)
{
    int                 fd, one;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC
                         | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd == -1) {
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) load_conf.http_port);
    inet_pton(AF_INET, load_conf.host, &sin.sin_addr);

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        && errno != EINPROGRESS)
    {
        close(fd);
        return -1;
    }

    return fd;
}


/*
 * A complete response? 1 and its total length; 0: not yet.  A chunked body
 * (Janus's libmicrohttpd sends them) is joined in place when complete.
 */
static int
load_http_parse(char *buf, size_t len, size_t *total)
{
    char    *hend, *cl, *p, *out, *end;
    size_t   hlen, clen, n;

    hend = memmem(buf, len, "\r\n\r\n", 4);
    if (hend == NULL) {
        return 0;
    }

    hlen = hend + 4 - buf;
    clen = 0;

    *hend = '\0';
    cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl) {
        clen = strtoul(cl + 17, NULL, 10);
    }

    if (strcasestr(buf, "\r\nTransfer-Encoding: chunked") == NULL) {
        *hend = '\r';

        if (len < hlen + clen) {
            return 0;
        }

        *total = hlen + clen;

        return 1;
    }

    *hend = '\r';

    /* walk the chunks; only when the last one is in, join them */

    p = buf + hlen;
    end = buf + len;

    for ( ;; ) {
        n = strtoul(p, &cl, 16);

        cl = memmem(p, end - p, "\r\n", 2);
        if (cl == NULL) {
            return 0;
        }

        if (n == 0) {
            if (end - cl < 4) {
                return 0;
            }

            break;
        }

        if ((size_t) (end - (cl + 2)) < n + 2) {
            return 0;
        }

        p = cl + 2 + n + 2;
    }

    p = buf + hlen;
    out = p;

    for ( ;; ) {
        n = strtoul(p, NULL, 16);
        cl = strstr(p, "\r\n");

        if (n == 0) {
            break;
        }

        memmove(out, cl + 2, n);
        out += n;
        p = cl + 2 + n + 2;
    }

    *out = '\0';
    *total = out - buf;

    return 1;
}


int
load_http_start(load_peer_t *p, const char *method, const char *path,
    const char *ctype, const char *body)
{
    size_t        blen, cap;
    load_http_t  *h;

    h = calloc(1, sizeof(load_http_t));
    if (h == NULL) {
        return -1;
    }

    blen = body ? strlen(body) : 0;
    cap = blen + 512;

    h->req = malloc(cap);
    h->cap = 8192;
    h->buf = malloc(h->cap);

    if (h->req == NULL || h->buf == NULL) {
        free(h->req);
        free(h->buf);
        free(h);
        return -1;
    }

    h->req_len = snprintf(h->req, cap,
                          "%s %s HTTP/1.1\r\n"
                          "Host: %s:%d\r\n"
                          "Content-Type: %s\r\n"
                          "Content-Length: %zu\r\n"
                          "%s%s%s"
                          "Connection: close\r\n\r\n",
                          method, path, load_conf.host, load_conf.http_port,
                          ctype, blen,
                          load_conf.token ? "Authorization: Bearer " : "",
                          load_conf.token ? load_conf.token : "",
                          load_conf.token ? "\r\n" : "");

    if (blen) {
        memcpy(h->req + h->req_len, body, blen);
        h->req_len += blen;
    }

    h->fd = load_http_connect(1);
    if (h->fd == -1) {
        free(h->req);
        free(h->buf);
        free(h);
        return -1;
    }

    p->http = h;

    return h->fd;
}


/* 1: the response is in; 0: more to come; -1: failed */
int
load_http_io(load_peer_t *p, uint32_t events)
{
    ssize_t       n;
    size_t        total;
    load_http_t  *h;

    (void) events;

    h = p->http;

    if (h == NULL) {
        return -1;
    }

    while (h->sent < h->req_len) {
        n = send(h->fd, h->req + h->sent, h->req_len - h->sent,
                 MSG_NOSIGNAL);

        if (n == -1) {
            if (errno == EAGAIN || errno == EINPROGRESS
                || errno == ENOTCONN)
            {
                return 0;
            }

            return -1;
        }

        h->sent += n;
    }

    for ( ;; ) {
        if (h->len + 4096 > h->cap) {
            char  *nb;

            nb = realloc(h->buf, h->cap * 2);
            if (nb == NULL) {
                return -1;
            }

            h->buf = nb;
            h->cap *= 2;
        }

        n = recv(h->fd, h->buf + h->len, h->cap - h->len - 1, 0);

        if (n == -1) {
            return (errno == EAGAIN) ? 0 : -1;
        }

        if (n == 0) {
            return h->len ? 1 : -1;
        }

        h->len += n;
        h->buf[h->len] = '\0';

        if (load_http_parse(h->buf, h->len, &total) == 1) {
            return 1;
        }
    }
}


/* the status code; body and Location: point into the response */
int
load_http_result(load_peer_t *p, char **body, char **location)
{
    int           status;
    char         *hend, *loc, *eol;
    load_http_t  *h;

    h = p->http;
    *body = NULL;
    *location = NULL;

    if (h == NULL || h->len < 12 || sscanf(h->buf, "HTTP/1.%*d %d", &status)
                                    != 1)
    {
        return -1;
    }

    hend = strstr(h->buf, "\r\n\r\n");
    if (hend == NULL) {
        return -1;
    }

    *hend = '\0';
    *body = hend + 4;

    loc = strcasestr(h->buf, "\r\nLocation:");
    if (loc) {
        loc += 11;
        while (*loc == ' ') {
            loc++;
        }

        eol = strstr(loc, "\r\n");
        if (eol) {
            *eol = '\0';
        }

        *location = loc;
    }

    return status;
}


void
load_http_free(load_peer_t *p)
{
    if (p->http == NULL) {
        return;
    }

    if (p->http->fd != -1) {
        close(p->http->fd);
    }

    free(p->http->req);
    free(p->http->buf);
    free(p->http);
    p->http = NULL;
}


/*
 * A blocking request on a kept-alive connection (reopened when the server
 * closed it); *resp: the whole response, malloc()ed, headers included.
 * Returns the status code, -1 on failure.
 */
int
load_http_call(const char *method, const char *path, const char *ctype,
    const char *body, char **resp)
{
    int            attempt, status;
    char          *req, *buf, *nb;
    size_t         blen, rlen, len, cap, total, sent;
    ssize_t        n;
    struct pollfd  pfd;

    *resp = NULL;
    blen = body ? strlen(body) : 0;

    req = malloc(blen + 512);
    if (req == NULL) {
        return -1;
    }

    rlen = snprintf(req, blen + 512,
                    "%s %s HTTP/1.1\r\n"
                    "Host: %s:%d\r\n"
                    "%s%s%s"
                    "%s%s%s"
                    "Content-Length: %zu\r\n\r\n",
                    method, path, load_conf.host, load_conf.http_port,
                    ctype ? "Content-Type: " : "", ctype ? ctype : "",
                    ctype ? "\r\n" : "",
                    load_conf.token ? "Authorization: Bearer " : "",
                    load_conf.token ? load_conf.token : "",
                    load_conf.token ? "\r\n" : "",
                    blen);

    if (blen) {
        memcpy(req + rlen, body, blen);
        rlen += blen;
    }

    for (attempt = 0; attempt < 2; attempt++) {

        if (load_http_keep == -1) {
            load_http_keep = load_http_connect(0);
            if (load_http_keep == -1) {
                break;
            }
        }

        for (sent = 0; sent < rlen; sent += n) {
            n = send(load_http_keep, req + sent, rlen - sent, MSG_NOSIGNAL);
            if (n <= 0) {
                break;
            }
        }

        cap = 65536;
        len = 0;
        buf = malloc(cap);

        if (buf == NULL) {
            break;
        }

        for ( ;; ) {
            if (sent < rlen) {
                n = -1;
                break;
            }

            /* bounded: Janus's long poll answers within 30 s */
            pfd.fd = load_http_keep;
            pfd.events = POLLIN;

            if (poll(&pfd, 1, 40000) != 1) {
                n = -1;
                break;
            }

            if (len + 4096 > cap) {
                nb = realloc(buf, cap * 2);
                if (nb == NULL) {
                    n = -1;
                    break;
                }

                buf = nb;
                cap *= 2;
            }

            n = recv(load_http_keep, buf + len, cap - len - 1, 0);
            if (n <= 0) {
                n = -1;
                break;
            }

            len += n;
            buf[len] = '\0';

            if (load_http_parse(buf, len, &total) == 1) {
                break;
            }
        }

        if (n == -1) {
            free(buf);
            close(load_http_keep);
            load_http_keep = -1;
            continue;
        }

        if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
            free(buf);
            break;
        }

        if (strcasestr(buf, "\r\nConnection: close")) {
            close(load_http_keep);
            load_http_keep = -1;
        }

        free(req);
        *resp = buf;

        return status;
    }

    free(req);

    return -1;
}


/* WHIP: POST the publisher's offer, take the answer */
int
load_whip_publish(load_peer_t *p)
{
    int    status;
    char   path[256], offer[LOAD_SDP_MAX];
    char  *resp, *body;

    if (load_sdp_offer(p, offer, sizeof(offer), 1, "actpass") == 0) {
        return -1;
    }

    snprintf(path, sizeof(path), "/whip/%s", load_conf.room);

    status = load_http_call("POST", path, "application/sdp", offer, &resp);

    if (status != 201) {
        load_log("WHIP POST: status %d: %s", status,
                 resp ? resp : "(no response)");
        free(resp);
        return -1;
    }

    body = strstr(resp, "\r\n\r\n");

    if (body == NULL || load_sdp_parse_remote(p, body + 4) != 0) {
        load_log("WHIP: the answer has no usable candidate or credentials");
        free(resp);
        return -1;
    }

    free(resp);

    if (p->pt[STREAM_VIDEO] != LOAD_VIDEO_PT
        || p->pt[STREAM_AUDIO] != LOAD_AUDIO_PT)
    {
        load_log("WHIP: the answer took other payload types (%d, %d)",
                 p->pt[STREAM_VIDEO], p->pt[STREAM_AUDIO]);
    }

    return 0;
}


/* JSON, as little as Janus's answers need ------------------------------ */


static char *
load_json_escape(const char *s)
{
    char    *out, *o;
    size_t   len;

    len = strlen(s);
    out = malloc(2 * len + 1);
    if (out == NULL) {
        return NULL;
    }

    for (o = out; *s; s++) {
        switch (*s) {
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            break;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            break;
        case '"':
        case '\\':
            *o++ = '\\';
            *o++ = *s;
            break;
        default:
            *o++ = *s;
        }
    }

    *o = '\0';

    return out;
}


/* the string value of the first "key" in json, unescaped, malloc()ed */
char *
load_json_str(const char *json, const char *key)
{
    char        *out, *o, pat[128];
    const char  *p;

    snprintf(pat, sizeof(pat), "\"%s\"", key);

    p = strstr(json, pat);
    if (p == NULL) {
        return NULL;
    }

    p += strlen(pat);

    while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t') {
        p++;
    }

    if (*p != '"') {
        return NULL;
    }

    p++;

    out = malloc(strlen(p) + 1);
    if (out == NULL) {
        return NULL;
    }

    for (o = out; *p && *p != '"'; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }

        p++;

        switch (*p) {
        case 'r':
            *o++ = '\r';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u':
            /* nothing Janus sends us needs more than ASCII */
            if (strlen(p) >= 5) {
                *o++ = (char) strtol((char []) { p[3], p[4], 0 }, NULL, 16);
                p += 4;
            }
            break;
        case '\0':
            p--;
            break;
        default:
            *o++ = *p;
        }
    }

    *o = '\0';

    return out;
}


int
load_json_u64(const char *json, const char *key, uint64_t *v)
{
    char        pat[128];
    const char  *p;

    snprintf(pat, sizeof(pat), "\"%s\"", key);

    p = strstr(json, pat);
    if (p == NULL) {
        return -1;
    }

    p += strlen(pat);

    while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t') {
        p++;
    }

    if (*p < '0' || *p > '9') {
        return -1;
    }

    *v = strtoull(p, NULL, 10);

    return 0;
}


/* the next top-level {...} from p; *end after it */
static const char *
load_json_next_object(const char *p, const char **end)
{
    int          depth, in_str;
    const char  *start;

    while (*p && *p != '{') {
        p++;
    }

    if (*p == '\0') {
        return NULL;
    }

    start = p;
    depth = 0;
    in_str = 0;

    for ( ; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) {
                p++;

            } else if (*p == '"') {
                in_str = 0;
            }

            continue;
        }

        if (*p == '"') {
            in_str = 1;

        } else if (*p == '{') {
            depth++;

        } else if (*p == '}' && --depth == 0) {
            *end = p + 1;
            return start;
        }
    }

    return NULL;
}


/* Janus ---------------------------------------------------------------- */


static char *
load_janus_request(const char *path, const char *json, int *status)
{
    char  *resp, *body;

    *status = load_http_call(json ? "POST" : "GET", path,
                             json ? "application/json" : NULL, json, &resp);

    if (resp == NULL) {
        return NULL;
    }

    body = strstr(resp, "\r\n\r\n");
    if (body == NULL) {
        free(resp);
        return NULL;
    }

    memmove(resp, body + 4, strlen(body + 4) + 1);

    return resp;
}


static uint64_t
load_janus_attach(void)
{
    int       status;
    char      path[128], json[256];
    char     *resp;
    uint64_t  id;

    snprintf(path, sizeof(path), "/janus/%llu",
             (unsigned long long) load_conf.janus_session);
    snprintf(json, sizeof(json),
             "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.videoroom\","
             "\"transaction\":\"t%u\"}", ++load_transaction);

    resp = load_janus_request(path, json, &status);
    if (resp == NULL) {
        return 0;
    }

    if (strstr(resp, "\"success\"") == NULL
        || load_json_u64(resp, "id", &id) != 0)
    {
        load_log("Janus attach: %s", resp);
        free(resp);
        return 0;
    }

    free(resp);

    return id;
}


static int
load_janus_message(uint64_t handle, const char *body, const char *jsep_type,
    const char *sdp, char **out)
{
    int       status;
    char      path[128];
    char     *json, *esc, *resp;
    size_t    size;

    snprintf(path, sizeof(path), "/janus/%llu/%llu",
             (unsigned long long) load_conf.janus_session,
             (unsigned long long) handle);

    esc = sdp ? load_json_escape(sdp) : NULL;
    size = strlen(body) + (esc ? strlen(esc) : 0) + 256;

    json = malloc(size);
    if (json == NULL) {
        free(esc);
        return -1;
    }

    if (esc) {
        snprintf(json, size,
                 "{\"janus\":\"message\",\"transaction\":\"t%u\","
                 "\"body\":%s,\"jsep\":{\"type\":\"%s\",\"sdp\":\"%s\"}}",
                 ++load_transaction, body, jsep_type, esc);
    } else {
        snprintf(json, size,
                 "{\"janus\":\"message\",\"transaction\":\"t%u\","
                 "\"body\":%s}", ++load_transaction, body);
    }

    free(esc);

    resp = load_janus_request(path, json, &status);
    free(json);

    if (resp == NULL) {
        return -1;
    }

    if (strstr(resp, "\"error\"")) {
        load_log("Janus message: %s", resp);
        free(resp);
        return -1;
    }

    if (out) {
        *out = resp;

    } else {
        free(resp);
    }

    return 0;
}


/*
 * One long poll: each event is handed to fn with the peer it concerns
 * (by the handle that sent it).
 */
static int
load_janus_events(load_peer_t **list, int n,
    void (*fn)(load_peer_t *p, const char *event))
{
    int          status, i, count;
    char         path[128], *resp, *ev;
    uint64_t     sender;
    const char  *obj, *end, *p;

    snprintf(path, sizeof(path), "/janus/%llu?maxev=%d",
             (unsigned long long) load_conf.janus_session, LOAD_JANUS_POLL);

    resp = load_janus_request(path, NULL, &status);
    if (resp == NULL) {
        return -1;
    }

    count = 0;

    for (p = resp; (obj = load_json_next_object(p, &end)) != NULL; p = end) {

        ev = strndup(obj, end - obj);
        if (ev == NULL) {
            break;
        }

        count++;

        if (load_json_u64(ev, "sender", &sender) == 0) {
            for (i = 0; i < n; i++) {
                if (list[i]->janus_handle == sender) {
                    fn(list[i], ev);
                    break;
                }
            }
        }

        free(ev);
    }

    free(resp);

    return count;
}


static void
load_janus_publisher_event(load_peer_t *p, const char *ev)
{
    char  *sdp;

    if (strstr(ev, "\"jsep\"") == NULL) {
        return;
    }

    sdp = load_json_str(ev, "sdp");
    if (sdp == NULL) {
        return;
    }

    if (load_conf.verbose) {
        load_log("Janus's answer to the publisher:\n%s", sdp);
    }

    if (load_sdp_parse_remote(p, sdp) == 0) {
        p->state = PEER_ICE;

    } else {
        load_log("Janus: the publisher's answer is not usable");
        p->state = PEER_FAILED;
    }

    free(sdp);
}


/* create the session, the room, and publish into it */
int
load_janus_start(load_peer_t *p)
{
    int        status, i;
    char       body[512], offer[LOAD_SDP_MAX];
    char      *resp;
    uint64_t   id;

    resp = load_janus_request("/janus",
                              "{\"janus\":\"create\",\"transaction\":\"c\"}",
                              &status);

    if (resp == NULL || load_json_u64(resp, "id", &id) != 0) {
        load_log("Janus: cannot create a session: %s", resp ? resp : "");
        free(resp);
        return -1;
    }

    free(resp);
    load_conf.janus_session = id;

    p->janus_handle = load_janus_attach();
    if (p->janus_handle == 0) {
        return -1;
    }

    (void) RAND_bytes((uint8_t *) &load_conf.janus_room, 4);
    load_conf.janus_room = (load_conf.janus_room & 0x7fffffff) + 1;
    load_conf.janus_feed = 1;

    snprintf(body, sizeof(body),
             "{\"request\":\"create\",\"room\":%llu,\"publishers\":1,"
             "\"fir_freq\":0,\"bitrate\":0,\"audiocodec\":\"opus\","
             "\"videocodec\":\"vp8\",\"notify_joining\":false}",
             (unsigned long long) load_conf.janus_room);

    if (load_janus_message(p->janus_handle, body, NULL, NULL, &resp) != 0) {
        return -1;
    }

    if (strstr(resp, "\"created\"") == NULL) {
        load_log("Janus: cannot create the room: %s", resp);
        free(resp);
        return -1;
    }

    free(resp);

    /* Janus is the DTLS server of the publisher when we offer active */

    if (load_sdp_offer(p, offer, sizeof(offer), 1, "active") == 0) {
        return -1;
    }

    snprintf(body, sizeof(body),
             "{\"request\":\"joinandconfigure\",\"room\":%llu,"
             "\"ptype\":\"publisher\",\"id\":%llu,\"display\":\"load\","
             "\"audio\":true,\"video\":true}",
             (unsigned long long) load_conf.janus_room,
             (unsigned long long) load_conf.janus_feed);

    p->state = PEER_SIGNAL;

    if (load_janus_message(p->janus_handle, body, "offer", offer, NULL)
        != 0)
    {
        return -1;
    }

    for (i = 0; i < 10 && p->state == PEER_SIGNAL; i++) {
        if (load_janus_events(&p, 1, load_janus_publisher_event) < 0) {
            return -1;
        }
    }

    if (p->state != PEER_ICE) {
        return -1;
    }

    return 0;
}


static void
load_janus_viewer_event(load_peer_t *p, const char *ev)
{
    char   *sdp, body[128], answer[LOAD_SDP_MAX];

    if (p->state != PEER_SIGNAL || strstr(ev, "\"jsep\"") == NULL) {
        return;
    }

    sdp = load_json_str(ev, "sdp");
    if (sdp == NULL) {
        return;
    }

    if (load_sdp_parse_remote(p, sdp) != 0
        || load_sdp_answer(p, sdp, answer, sizeof(answer)) == 0)
    {
        load_log("Janus: the offer to viewer %d is not usable", p->index);
        free(sdp);
        load_peer_fail(p, "unusable offer");
        return;
    }

    free(sdp);

    snprintf(body, sizeof(body), "{\"request\":\"start\"}");

    if (load_janus_message(p->janus_handle, body, "answer", answer, NULL)
        != 0)
    {
        load_peer_fail(p, "Janus start failed");
        return;
    }

    load_peer_start_ice(p);
}


/*
 * Subscribers: a handle each, a join, and Janus's offer answered; the ICE
 * and DTLS that follow run in the generator's loop.
 */
int
load_janus_viewers(load_peer_t **list, int n)
{
    int    i, waiting, rounds;
    char   body[256];

    for (i = 0; i < n; i++) {
        list[i]->janus_handle = load_janus_attach();

        if (list[i]->janus_handle == 0) {
            load_peer_fail(list[i], "Janus attach failed");
            continue;
        }

        snprintf(body, sizeof(body),
                 "{\"request\":\"join\",\"room\":%llu,"
                 "\"ptype\":\"subscriber\",\"streams\":[{\"feed\":%llu}]}",
                 (unsigned long long) load_conf.janus_room,
                 (unsigned long long) load_conf.janus_feed);

        list[i]->state = PEER_SIGNAL;

        if (load_janus_message(list[i]->janus_handle, body, NULL, NULL, NULL)
            != 0)
        {
            load_peer_fail(list[i], "Janus join failed");
        }
    }

    for (rounds = 0; rounds < 50; rounds++) {
        waiting = 0;

        for (i = 0; i < n; i++) {
            if (list[i]->state == PEER_SIGNAL) {
                waiting++;
            }
        }

        if (waiting == 0) {
            break;
        }

        if (load_janus_events(list, n, load_janus_viewer_event) < 0) {
            return -1;
        }

        load_pump(0);
    }

    return 0;
}


/* events that nobody waits for still have to be taken off the queue */
static void
load_janus_ignore(load_peer_t *p, const char *ev)
{
    (void) p;
    (void) ev;
}


void
load_janus_poll(void)
{
    (void) load_janus_events(NULL, 0, load_janus_ignore);
}
