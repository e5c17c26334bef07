
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * What every fuzz target shares: fuzz_assert(), an abort() that names the
 * broken promise, so that libFuzzer and the replay driver report it.
 */


#ifndef _FUZZ_H_INCLUDED_
#define _FUZZ_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>


#define fuzz_assert(expr)                                                     \
    do {                                                                      \
        if (!(expr)) {                                                        \
            fprintf(stderr, "%s:%d: fuzz_assert(%s) failed\n", __FILE__,     \
                    __LINE__, #expr);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)


#endif /* _FUZZ_H_INCLUDED_ */
