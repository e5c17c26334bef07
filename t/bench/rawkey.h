
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The pre-shared SRTP keys of the raw mode (generator <-> relay): index 0
 * is the publisher's key, index i >= 1 viewer i's.  Key then salt, as
 * libsrtp2 takes them: 16 + 12 bytes for AES-GCM, 16 + 14 for AES-CM.
 */


#ifndef _RAWKEY_H_INCLUDED_
#define _RAWKEY_H_INCLUDED_


#include <stdint.h>


#define RAWKEY_LEN  30
#define RAWKEY_JOIN "RLYJ"      /* a viewer's join datagram: + be32 index */


static inline void
rawkey_make(int index, uint8_t *key)
{
    int  i;

    for (i = 0; i < RAWKEY_LEN; i++) {
        key[i] = (uint8_t) (i * 29 + index * 131 + (index >> 8) * 7 + 1);
    }
}


#endif /* _RAWKEY_H_INCLUDED_ */
