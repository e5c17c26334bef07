
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * janus_lo.so: LD_PRELOADed into Janus by the benchmark so that its ICE
 * gathers on 127.0.0.1.  Janus skips interfaces flagged IFF_LOOPBACK when
 * it lists local addresses (src/ice.c), and the benchmark's traffic must
 * stay on loopback; this getifaddrs() clears the flag, and Janus's
 * ice_enforce_list = "127.0.0.1" keeps every other address out.
 */


#include <dlfcn.h>
#include <ifaddrs.h>
#include <stddef.h>
#include <net/if.h>


int
getifaddrs(struct ifaddrs **ifap)
{
    int              rc;
    struct ifaddrs  *ifa;
    static int     (*next)(struct ifaddrs **);

    if (next == NULL) {
        next = (int (*)(struct ifaddrs **)) dlsym(RTLD_NEXT, "getifaddrs");

        if (next == NULL) {
            return -1;
        }
    }

    rc = next(ifap);

    if (rc == 0) {
        for (ifa = *ifap; ifa; ifa = ifa->ifa_next) {
            ifa->ifa_flags &= ~IFF_LOOPBACK;
        }
    }

    return rc;
}
