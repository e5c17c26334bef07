
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * A replay driver for the fuzz targets, without libFuzzer: for `make test`,
 * where a plain compiler with sanitizers is enough.  Each argument is a file
 * or a directory whose files (not its subdirectories, not dotfiles) are fed
 * to LLVMFuzzerTestOneInput() one at a time, in name order so that a failure
 * is reproducible.  Each input is copied into a heap buffer of its exact
 * length, as libFuzzer does, so that a sanitizer catches an over-read.
 *
 * FUZZ_TARGET names the target in the summary line that make checks for.
 */


#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


/* the driver also builds without sanitizers (for gcov, valgrind) */

#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN  1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN  1
#endif
#endif

#ifdef REPLAY_ASAN
#include <sanitizer/common_interface_defs.h>
#endif


#ifndef FUZZ_TARGET
#define FUZZ_TARGET  "?"
#endif

/* the largest input any target is run with (sdp's -max_len) */
#define REPLAY_MAX_LEN  65536


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path);
static int replay_dir(const char *path);
static int cmp_names(const void *a, const void *b);
#ifdef REPLAY_ASAN
static void replay_died(void);
#endif


static unsigned long   ninputs;
static const char     *current;


int
main(int argc, char **argv)
{
    int          i;
    struct stat  st;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }

#ifdef REPLAY_ASAN
    /* a sanitizer report (or abort() with handle_abort=1) ends here */
    __sanitizer_set_death_callback(replay_died);
#endif

    for (i = 1; i < argc; i++) {

        if (stat(argv[i], &st) != 0) {
            /* a target may have no committed regression inputs yet */
            if (errno == ENOENT) {
                continue;
            }

            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            return 2;
        }

        if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]))
            != 0)
        {
            return 2;
        }
    }

    printf("fuzz replay %s: %lu inputs ok\n", FUZZ_TARGET, ninputs);

    return 0;
}


static int
replay_file(const char *path)
{
    FILE     *f;
    size_t    n;
    uint8_t  *buf, *data;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }

    buf = malloc(REPLAY_MAX_LEN + 1);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }

    n = fread(buf, 1, REPLAY_MAX_LEN + 1, f);

    if (ferror(f) || n > REPLAY_MAX_LEN) {
        fprintf(stderr, "%s: %s\n", path,
                ferror(f) ? "read error" : "larger than any -max_len");
        fclose(f);
        free(buf);
        return -1;
    }

    fclose(f);

    /* exactly n bytes, and a distinct pointer even for an empty input */

    data = malloc(n ? n : 1);
    if (data == NULL) {
        free(buf);
        return -1;
    }

    memcpy(data, buf, n);
    free(buf);

    current = path;

    LLVMFuzzerTestOneInput(data, n);

    current = NULL;
    free(data);
    ninputs++;

    return 0;
}


static int
replay_dir(const char *path)
{
    int             rc;
    DIR            *d;
    char           *file, **names;
    size_t          i, n, size;
    struct stat     st;
    struct dirent  *e;

    d = opendir(path);
    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }

    names = NULL;
    n = 0;
    size = 0;
    rc = 0;

    while ((e = readdir(d)) != NULL) {

        if (e->d_name[0] == '.') {
            continue;
        }

        if (n == size) {
            size = size ? size * 2 : 64;
            names = realloc(names, size * sizeof(char *));
            if (names == NULL) {
                closedir(d);
                return -1;
            }
        }

        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            closedir(d);
            return -1;
        }

        n++;
    }

    closedir(d);

    if (n > 1) {
        qsort(names, n, sizeof(char *), cmp_names);
    }

    for (i = 0; i < n; i++) {
        file = malloc(strlen(path) + strlen(names[i]) + 2);
        if (file == NULL) {
            return -1;
        }

        sprintf(file, "%s/%s", path, names[i]);

        if (rc == 0 && stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = replay_file(file);
        }

        free(file);
        free(names[i]);
    }

    free(names);

    return rc;
}


#ifdef REPLAY_ASAN

static void
replay_died(void)
{
    fprintf(stderr, "fuzz replay %s: FAILED on %s\n", FUZZ_TARGET,
            current ? current : "no input (a leak, found at exit?)");
}

#endif


static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}
