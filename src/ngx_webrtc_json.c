
/*
 * Copyright (C) ngx_webrtc authors
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include <jansson.h>

#include "ngx_webrtc_json.h"


static ngx_uint_t ngx_webrtc_json_too_deep(json_t *j, ngx_uint_t depth);


ngx_webrtc_json_t *
ngx_webrtc_json_parse(const u_char *p, size_t len, const char **err)
{
    json_t        *j;
    json_error_t   e;

    /* JSON_REJECT_DUPLICATES: one meaning per member */

    j = json_loadb((const char *) p, len,
                   JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        *err = "not JSON";
        return NULL;
    }

    if (!json_is_object(j)) {
        json_decref(j);
        *err = "not a JSON object";
        return NULL;
    }

    if (ngx_webrtc_json_too_deep(j, 0)) {
        json_decref(j);
        *err = "JSON nested too deep";
        return NULL;
    }

    return j;
}


static ngx_uint_t
ngx_webrtc_json_too_deep(json_t *j, ngx_uint_t depth)
{
    size_t       i;
    json_t      *v;
    const char  *key;

    if (depth > NGX_WEBRTC_JSON_MAX_DEPTH) {
        return 1;
    }

    if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            if (ngx_webrtc_json_too_deep(v, depth + 1)) {
                return 1;
            }
        }

    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if (ngx_webrtc_json_too_deep(v, depth + 1)) {
                return 1;
            }
        }
    }

    return 0;
}


void
ngx_webrtc_json_free(ngx_webrtc_json_t *j)
{
    if (j) {
        json_decref(j);
    }
}


ngx_int_t
ngx_webrtc_json_str(ngx_webrtc_json_t *obj, const char *key, ngx_str_t *out)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return NGX_DECLINED;
    }

    return ngx_webrtc_json_value_str(v, out);
}


ngx_int_t
ngx_webrtc_json_value_str(ngx_webrtc_json_t *v, ngx_str_t *out)
{
    if (!json_is_string(v)) {
        return NGX_ERROR;
    }

    out->data = (u_char *) json_string_value(v);
    out->len = json_string_length(v);

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_json_int(ngx_webrtc_json_t *obj, const char *key, int64_t *out)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return NGX_DECLINED;
    }

    if (!json_is_integer(v)) {
        return NGX_ERROR;
    }

    *out = json_integer_value(v);

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_json_bool(ngx_webrtc_json_t *obj, const char *key,
    ngx_uint_t *out)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return NGX_DECLINED;
    }

    if (!json_is_boolean(v)) {
        return NGX_ERROR;
    }

    *out = json_is_true(v);

    return NGX_OK;
}


ngx_int_t
ngx_webrtc_json_obj(ngx_webrtc_json_t *obj, const char *key,
    ngx_webrtc_json_t **out)
{
    json_t  *v;

    v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return NGX_DECLINED;
    }

    if (!json_is_object(v)) {
        return NGX_ERROR;
    }

    *out = v;

    return NGX_OK;
}


ngx_uint_t
ngx_webrtc_json_has(ngx_webrtc_json_t *obj, const char *key)
{
    return json_object_get(obj, key) != NULL;
}


ngx_int_t
ngx_webrtc_json_next(ngx_webrtc_json_t *obj, void **iter, ngx_str_t *key,
    ngx_webrtc_json_t **value)
{
    void        *it;
    const char  *k;

    it = (*iter == NULL) ? json_object_iter(obj)
                         : json_object_iter_next(obj, *iter);
    if (it == NULL) {
        return NGX_DONE;
    }

    *iter = it;

    k = json_object_iter_key(it);
    key->data = (u_char *) k;
    key->len = ngx_strlen(k);
    *value = json_object_iter_value(it);

    return NGX_OK;
}


ngx_webrtc_json_t *
ngx_webrtc_json_object(void)
{
    return json_object();
}


ngx_webrtc_json_t *
ngx_webrtc_json_array(void)
{
    return json_array();
}


ngx_webrtc_json_t *
ngx_webrtc_json_string(u_char *data, size_t len)
{
    return json_stringn((const char *) data, len);
}


ngx_webrtc_json_t *
ngx_webrtc_json_null(void)
{
    return json_null();
}


ngx_int_t
ngx_webrtc_json_set(ngx_webrtc_json_t *obj, const char *key,
    ngx_webrtc_json_t *child)
{
    if (obj == NULL || child == NULL) {
        if (child) {
            json_decref(child);
        }

        return NGX_ERROR;
    }

    return json_object_set_new(obj, key, child) == 0 ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_webrtc_json_set_str(ngx_webrtc_json_t *obj, const char *key,
    u_char *data, size_t len)
{
    return ngx_webrtc_json_set(obj, key,
                               json_stringn((const char *) data, len));
}


ngx_int_t
ngx_webrtc_json_set_cstr(ngx_webrtc_json_t *obj, const char *key,
    const char *value)
{
    return ngx_webrtc_json_set(obj, key, json_string(value));
}


ngx_int_t
ngx_webrtc_json_set_int(ngx_webrtc_json_t *obj, const char *key,
    int64_t value)
{
    return ngx_webrtc_json_set(obj, key, json_integer(value));
}


ngx_int_t
ngx_webrtc_json_set_bool(ngx_webrtc_json_t *obj, const char *key,
    ngx_uint_t value)
{
    return ngx_webrtc_json_set(obj, key, json_boolean(value));
}


ngx_int_t
ngx_webrtc_json_append(ngx_webrtc_json_t *arr, ngx_webrtc_json_t *child)
{
    if (arr == NULL || child == NULL) {
        if (child) {
            json_decref(child);
        }

        return NGX_ERROR;
    }

    return json_array_append_new(arr, child) == 0 ? NGX_OK : NGX_ERROR;
}


u_char *
ngx_webrtc_json_dump(ngx_webrtc_json_t *j, size_t *len)
{
    char  *text;

    if (j == NULL) {
        return NULL;
    }

    text = json_dumps(j, JSON_COMPACT);
    if (text == NULL) {
        return NULL;
    }

    *len = ngx_strlen(text);

    return (u_char *) text;
}


void
ngx_webrtc_json_free_text(u_char *text)
{
    free(text);
}
