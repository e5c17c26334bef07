
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * A ring of the last decrypted RTP packets of one published track: written
 * once per packet by the publisher's worker, read by every worker that has
 * viewers of the track (fan-out across workers), and searched by sequence
 * number to answer NACKs.  It lives in shared memory; one writer, any
 * number of readers, no lock: a reader copies a slot and then checks that
 * the writer has not lapped it meanwhile.
 *
 * Layer 2: no I/O, no allocation, no nginx function calls.
 */


#ifndef _NGX_WEBRTC_RING_H_INCLUDED_
#define _NGX_WEBRTC_RING_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_WEBRTC_RING_PACKET      1500


typedef struct {
    uint16_t                len;
    uint16_t                seq;
    uint32_t                ssrc;
    u_char                  keyframe;
    u_char                  data[NGX_WEBRTC_RING_PACKET];
} ngx_webrtc_ring_slot_t;


typedef struct {
    volatile uint64_t       head;       /* packets written since creation */
    ngx_uint_t              nslots;     /* a power of two */
    ngx_webrtc_ring_slot_t  slots[1];
} ngx_webrtc_ring_t;


size_t ngx_webrtc_ring_size(ngx_uint_t nslots);
void ngx_webrtc_ring_init(ngx_webrtc_ring_t *ring, ngx_uint_t nslots);
void ngx_webrtc_ring_write(ngx_webrtc_ring_t *ring, u_char *pkt, size_t len,
    uint16_t seq, uint32_t ssrc, ngx_uint_t keyframe);

/*
 * Copies packet number pos into slot.  NGX_OK; NGX_DECLINED when pos is
 * not written yet; NGX_ABORT when it was overwritten (the reader is too
 * slow): *pos is then moved to the oldest packet still there.
 */
ngx_int_t ngx_webrtc_ring_read(ngx_webrtc_ring_t *ring, uint64_t *pos,
    ngx_webrtc_ring_slot_t *slot);

/* Copies the packet of ssrc and seq if still in the ring: NGX_OK or
 * NGX_DECLINED. */
ngx_int_t ngx_webrtc_ring_find(ngx_webrtc_ring_t *ring, uint32_t ssrc,
    uint16_t seq, ngx_webrtc_ring_slot_t *slot);


#endif /* _NGX_WEBRTC_RING_H_INCLUDED_ */
