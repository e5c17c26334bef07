
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * Fuzz target of src/ngx_webrtc_json.c, the Jansson wrapper the signaling
 * WebSocket reads client messages with and writes ours.  Checked by abort():
 *
 *   - ngx_webrtc_json_parse() takes exactly what Jansson itself takes with
 *     JSON_REJECT_DUPLICATES, when it is an object nested no deeper than
 *     NGX_WEBRTC_JSON_MAX_DEPTH (the depth counted here); a refusal says
 *     which of the three it is;
 *   - walking every member with ngx_webrtc_json_next(): each key is found
 *     by ngx_webrtc_json_has(), and the getters str/int/bool/obj answer
 *     NGX_OK for their type only (the same value), NGX_DECLINED for null,
 *     NGX_ERROR for the others;
 *   - the value rebuilt with the builders equals the parsed one
 *     (json_equal), and its dump, copied to a block of exactly its length,
 *     parses back to an equal value;
 *   - the input as a string member (set_str: NULL for bad UTF-8, as Jansson
 *     checks), dumped and parsed back, is the same bytes, unless it holds a
 *     NUL, which a parse refuses; the setters given a NULL object free the
 *     child (LeakSanitizer).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "ngx_webrtc_json.h"
#include "fuzz.h"


static ngx_uint_t depth_of(json_t *j);
static json_t *rebuild_object(ngx_webrtc_json_t *obj);
static json_t *rebuild_value(json_t *v);
static void check_member(ngx_webrtc_json_t *obj, ngx_str_t *key,
    json_t *v);
static void check_dump(json_t *j);
static void check_string(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char             *in;
    json_t             *ref, *copy;
    ngx_uint_t          deep;
    const char         *err;
    json_error_t        e;
    ngx_webrtc_json_t  *j;

    in = malloc(size ? size : 1);
    fuzz_assert(in != NULL);
    memcpy(in, data, size);

    err = NULL;
    j = ngx_webrtc_json_parse(in, size, &err);

    /* what it should have done */

    ref = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &e);
    deep = (ref && json_is_object(ref))
           ? depth_of(ref) > NGX_WEBRTC_JSON_MAX_DEPTH : 0;

    if (ref == NULL) {
        fuzz_assert(j == NULL);
        fuzz_assert(err && strcmp(err, "not JSON") == 0);

    } else if (!json_is_object(ref)) {
        fuzz_assert(j == NULL);
        fuzz_assert(err && strcmp(err, "not a JSON object") == 0);

    } else if (deep) {
        fuzz_assert(j == NULL);
        fuzz_assert(err && strcmp(err, "JSON nested too deep") == 0);

    } else {
        fuzz_assert(j != NULL);
        fuzz_assert(json_equal(j, ref));

        copy = rebuild_object(j);
        fuzz_assert(copy != NULL);
        fuzz_assert(json_equal(copy, j));

        check_dump(copy);

        ngx_webrtc_json_free(copy);
        ngx_webrtc_json_free(j);
    }

    if (ref) {
        json_decref(ref);
    }

    check_string(data, size);

    free(in);

    return 0;
}


/* the deepest value's level, the root's being 0 */

static ngx_uint_t
depth_of(json_t *j)
{
    size_t       i;
    json_t      *v;
    ngx_uint_t   d, max;
    const char  *key;

    max = 0;

    if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            d = 1 + depth_of(v);
            max = ngx_max(max, d);
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            d = 1 + depth_of(v);
            max = ngx_max(max, d);
        }
    }

    return max;
}


static json_t *
rebuild_object(ngx_webrtc_json_t *obj)
{
    void               *iter;
    ngx_str_t           key;
    ngx_uint_t          n;
    ngx_webrtc_json_t  *copy, *v;

    copy = ngx_webrtc_json_object();
    fuzz_assert(copy != NULL);

    iter = NULL;
    n = 0;

    while (ngx_webrtc_json_next(obj, &iter, &key, &v) == NGX_OK) {
        n++;

        fuzz_assert(key.data != NULL);
        fuzz_assert(key.len == strlen((char *) key.data));
        fuzz_assert(v != NULL);

        check_member(obj, &key, v);

        fuzz_assert(ngx_webrtc_json_set(copy, (char *) key.data,
                                        rebuild_value(v))
                    == NGX_OK);
    }

    fuzz_assert(n == json_object_size(obj));

    return copy;
}


static json_t *
rebuild_value(json_t *v)
{
    size_t              i;
    json_t             *copy, *e;
    ngx_str_t           s;
    ngx_webrtc_json_t  *o;

    switch (json_typeof(v)) {

    case JSON_OBJECT:
        return rebuild_object(v);

    case JSON_ARRAY:
        copy = ngx_webrtc_json_array();
        fuzz_assert(copy != NULL);

        json_array_foreach(v, i, e) {
            fuzz_assert(ngx_webrtc_json_append(copy, rebuild_value(e))
                        == NGX_OK);
        }

        return copy;

    case JSON_STRING:
        fuzz_assert(ngx_webrtc_json_value_str(v, &s) == NGX_OK);
        return ngx_webrtc_json_string(s.data, s.len);

    case JSON_NULL:
        return ngx_webrtc_json_null();

    default:
        /* numbers and booleans: through a one-member object's setters */

        o = ngx_webrtc_json_object();
        fuzz_assert(o != NULL);

        if (json_is_integer(v)) {
            fuzz_assert(ngx_webrtc_json_set_int(o, "v", json_integer_value(v))
                        == NGX_OK);

        } else if (json_is_boolean(v)) {
            fuzz_assert(ngx_webrtc_json_set_bool(o, "v", json_is_true(v))
                        == NGX_OK);

        } else {
            fuzz_assert(json_is_real(v));
            fuzz_assert(ngx_webrtc_json_set(o, "v",
                                            json_real(json_real_value(v)))
                        == NGX_OK);
        }

        copy = json_incref(json_object_get(o, "v"));
        ngx_webrtc_json_free(o);

        return copy;
    }
}


static void
check_member(ngx_webrtc_json_t *obj, ngx_str_t *key, json_t *v)
{
    char               *k;
    int64_t             n;
    ngx_int_t           rc, decline;
    ngx_str_t           s;
    ngx_uint_t          b;
    ngx_webrtc_json_t  *o;

    k = (char *) key->data;

    fuzz_assert(ngx_webrtc_json_has(obj, k));
    fuzz_assert(json_object_get(obj, k) == v);

    decline = json_is_null(v) ? NGX_DECLINED : NGX_ERROR;

    rc = ngx_webrtc_json_str(obj, k, &s);

    if (json_is_string(v)) {
        fuzz_assert(rc == NGX_OK);
        fuzz_assert(s.data == (u_char *) json_string_value(v));
        fuzz_assert(s.len == json_string_length(v));

    } else {
        fuzz_assert(rc == decline);
        fuzz_assert(ngx_webrtc_json_value_str(v, &s) == NGX_ERROR);
    }

    rc = ngx_webrtc_json_int(obj, k, &n);

    if (json_is_integer(v)) {
        fuzz_assert(rc == NGX_OK);
        fuzz_assert(n == json_integer_value(v));

    } else {
        fuzz_assert(rc == decline);
    }

    rc = ngx_webrtc_json_bool(obj, k, &b);

    if (json_is_boolean(v)) {
        fuzz_assert(rc == NGX_OK);
        fuzz_assert(b == (ngx_uint_t) json_is_true(v));

    } else {
        fuzz_assert(rc == decline);
    }

    rc = ngx_webrtc_json_obj(obj, k, &o);

    if (json_is_object(v)) {
        fuzz_assert(rc == NGX_OK);
        fuzz_assert(o == v);

    } else {
        fuzz_assert(rc == decline);
    }
}


static void
check_dump(json_t *j)
{
    u_char             *text, *copy;
    size_t              len;
    const char         *err;
    ngx_webrtc_json_t  *back;

    len = 0;
    text = ngx_webrtc_json_dump(j, &len);
    fuzz_assert(text != NULL);
    fuzz_assert(len == strlen((char *) text));

    /* compact: one line */
    fuzz_assert(memchr(text, '\n', len) == NULL);

    copy = malloc(len ? len : 1);
    fuzz_assert(copy != NULL);
    memcpy(copy, text, len);
    ngx_webrtc_json_free_text(text);

    err = NULL;
    back = ngx_webrtc_json_parse(copy, len, &err);
    fuzz_assert(back != NULL);
    fuzz_assert(json_equal(back, j));

    ngx_webrtc_json_free(back);
    free(copy);
}


static void
check_string(const uint8_t *data, size_t size)
{
    u_char             *text, *copy;
    size_t              len;
    ngx_str_t           s;
    const char         *err;
    ngx_webrtc_json_t  *o, *back;

    /* the setters own the child they are given, even on failure */

    fuzz_assert(ngx_webrtc_json_set(NULL, "k", ngx_webrtc_json_null())
                == NGX_ERROR);
    fuzz_assert(ngx_webrtc_json_append(NULL, ngx_webrtc_json_object())
                == NGX_ERROR);
    fuzz_assert(ngx_webrtc_json_dump(NULL, &len) == NULL);

    o = ngx_webrtc_json_object();
    fuzz_assert(o != NULL);
    fuzz_assert(ngx_webrtc_json_set(o, "k", NULL) == NGX_ERROR);
    fuzz_assert(ngx_webrtc_json_append(o, ngx_webrtc_json_null())
                == NGX_ERROR);

    if (ngx_webrtc_json_set_str(o, "s", (u_char *) data, size) != NGX_OK) {
        /* only text that is not UTF-8 */
        fuzz_assert(ngx_webrtc_json_string((u_char *) data, size) == NULL);
        ngx_webrtc_json_free(o);
        return;
    }

    fuzz_assert(ngx_webrtc_json_str(o, "s", &s) == NGX_OK);
    fuzz_assert(s.len == size && memcmp(s.data, data, size) == 0);

    text = ngx_webrtc_json_dump(o, &len);
    fuzz_assert(text != NULL);

    copy = malloc(len ? len : 1);
    fuzz_assert(copy != NULL);
    memcpy(copy, text, len);
    ngx_webrtc_json_free_text(text);

    err = NULL;
    back = ngx_webrtc_json_parse(copy, len, &err);

    if (memchr(data, '\0', size) != NULL) {
        fuzz_assert(back == NULL);

    } else {
        fuzz_assert(back != NULL);
        fuzz_assert(ngx_webrtc_json_str(back, "s", &s) == NGX_OK);
        fuzz_assert(s.len == size && memcmp(s.data, data, size) == 0);
        ngx_webrtc_json_free(back);
    }

    free(copy);
    ngx_webrtc_json_free(o);
}
