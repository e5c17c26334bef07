
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The shared packet ring of a published track (see ngx_webrtc_ring.h).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_webrtc_ring.h"


static ngx_int_t ngx_webrtc_ring_copy(ngx_webrtc_ring_t *ring, uint64_t pos,
    ngx_webrtc_ring_slot_t *slot);


size_t
ngx_webrtc_ring_size(ngx_uint_t nslots)
{
    return offsetof(ngx_webrtc_ring_t, slots)
           + nslots * sizeof(ngx_webrtc_ring_slot_t);
}


void
ngx_webrtc_ring_init(ngx_webrtc_ring_t *ring, ngx_uint_t nslots)
{
    ring->head = 0;
    ring->nslots = nslots;
}


void
ngx_webrtc_ring_write(ngx_webrtc_ring_t *ring, u_char *pkt, size_t len,
    uint16_t seq, uint32_t ssrc, ngx_uint_t keyframe)
{
    ngx_webrtc_ring_slot_t  *slot;

    if (len > NGX_WEBRTC_RING_PACKET) {
        return;
    }

    slot = &ring->slots[ring->head & (ring->nslots - 1)];

    slot->len = (uint16_t) len;
    slot->seq = seq;
    slot->ssrc = ssrc;
    slot->keyframe = (u_char) keyframe;
    ngx_memcpy(slot->data, pkt, len);

    /* the slot is complete before readers can see the new head */

    ngx_memory_barrier();
    ring->head++;
}


static ngx_int_t
ngx_webrtc_ring_copy(ngx_webrtc_ring_t *ring, uint64_t pos,
    ngx_webrtc_ring_slot_t *slot)
{
    size_t                   len;
    ngx_webrtc_ring_slot_t  *src;

    src = &ring->slots[pos & (ring->nslots - 1)];

    len = src->len;
    if (len > NGX_WEBRTC_RING_PACKET) {
        return NGX_ABORT;
    }

    slot->len = (uint16_t) len;
    slot->seq = src->seq;
    slot->ssrc = src->ssrc;
    slot->keyframe = src->keyframe;
    ngx_memcpy(slot->data, src->data, len);

    ngx_memory_barrier();

    /* the writer may have reused the slot while we copied it */

    if (ring->head - pos > ring->nslots - 1) {
        return NGX_ABORT;
    }

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_ring_read(ngx_webrtc_ring_t *ring, uint64_t *pos,
    ngx_webrtc_ring_slot_t *slot)
{
    uint64_t  head;

    head = ring->head;
    ngx_memory_barrier();

    if (*pos >= head) {
        return NGX_DECLINED;
    }

    if (head - *pos > ring->nslots - 1) {
        *pos = head - ring->nslots / 2;
        return NGX_ABORT;
    }

    if (ngx_webrtc_ring_copy(ring, *pos, slot) != NGX_OK) {
        *pos = ring->head - ring->nslots / 2;
        return NGX_ABORT;
    }

    (*pos)++;

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_ring_find(ngx_webrtc_ring_t *ring, uint32_t ssrc, uint16_t seq,
    ngx_webrtc_ring_slot_t *slot)
{
    uint64_t                 head, pos, guess, n;
    uint16_t                 behind;
    ngx_webrtc_ring_slot_t  *last;

    head = ring->head;
    ngx_memory_barrier();

    if (head == 0) {
        return NGX_DECLINED;
    }

    /*
     * Packets are written nearly in sequence order: guess the position
     * from the newest one, then look around it.
     */

    last = &ring->slots[(head - 1) & (ring->nslots - 1)];
    behind = (uint16_t) (last->seq - seq);

    guess = (behind < ring->nslots && head - 1 >= behind)
            ? head - 1 - behind : head - 1;

    for (n = 0; n < ring->nslots - 1; n++) {

        /* guess, guess - 1, guess + 1, guess - 2, ... */

        pos = (n & 1) ? guess + (n + 1) / 2 : guess - n / 2;

        if (pos >= head || head - pos > ring->nslots - 1) {
            if (n > 32) {
                break;
            }

            continue;
        }

        if (ring->slots[pos & (ring->nslots - 1)].seq != seq
            || ring->slots[pos & (ring->nslots - 1)].ssrc != ssrc)
        {
            if (n > 32) {
                break;
            }

            continue;
        }

        if (ngx_webrtc_ring_copy(ring, pos, slot) == NGX_OK
            && slot->seq == seq && slot->ssrc == ssrc)
        {
            return NGX_OK;
        }

        return NGX_DECLINED;
    }

    return NGX_DECLINED;
}
