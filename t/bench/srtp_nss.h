
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The same NSS initialization as the module's (src/ngx_webrtc_srtp.c), for
 * the generator and the relay: Debian's libsrtp2 does its crypto with NSS
 * and initializes it for small memory (32 hash buckets for the keys), which
 * makes every protect slower with every context in the process.  NSS keeps
 * the settings of its first initialization; this one comes before any
 * SRTP context.  Without NSS under libsrtp2 it does nothing.
 */


#ifndef _SRTP_NSS_H_INCLUDED_
#define _SRTP_NSS_H_INCLUDED_


#ifdef BENCH_SRTP_NSS

#include <nss.h>

static inline void
bench_srtp_nss_init(void)
{
    (void) NSS_InitContext("", "", "", "", NULL,
                           NSS_INIT_READONLY | NSS_INIT_NOCERTDB
                           | NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN
                           | NSS_INIT_NOROOTINIT);
}

#else

static inline void
bench_srtp_nss_init(void)
{
}

#endif


#endif /* _SRTP_NSS_H_INCLUDED_ */
