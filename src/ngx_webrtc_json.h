
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * JSON for the signaling protocol, on Jansson, behind this one file: read
 * members of a client's message, build the server's messages.
 *
 * Layer 1: no I/O and no nginx function calls; Jansson allocates with
 * malloc(), so every value made or parsed here is released with
 * ngx_webrtc_json_free() and every dumped text with
 * ngx_webrtc_json_free_text().
 */


#ifndef _NGX_WEBRTC_JSON_H_INCLUDED_
#define _NGX_WEBRTC_JSON_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_WEBRTC_JSON_MAX_DEPTH   16


typedef struct json_t  ngx_webrtc_json_t;


/* an object from text; NULL with *err set for anything else */
ngx_webrtc_json_t *ngx_webrtc_json_parse(const u_char *p, size_t len,
    const char **err);
void ngx_webrtc_json_free(ngx_webrtc_json_t *j);

/*
 * Members of an object: NGX_OK with the value, NGX_DECLINED when absent or
 * null, NGX_ERROR when of another type.  Strings point into the value and
 * live as long as it.
 */
ngx_int_t ngx_webrtc_json_str(ngx_webrtc_json_t *obj, const char *key,
    ngx_str_t *out);
ngx_int_t ngx_webrtc_json_int(ngx_webrtc_json_t *obj, const char *key,
    int64_t *out);
ngx_int_t ngx_webrtc_json_bool(ngx_webrtc_json_t *obj, const char *key,
    ngx_uint_t *out);
ngx_int_t ngx_webrtc_json_obj(ngx_webrtc_json_t *obj, const char *key,
    ngx_webrtc_json_t **out);
ngx_uint_t ngx_webrtc_json_has(ngx_webrtc_json_t *obj, const char *key);

/*
 * The members of an object in turn: start with *iter = NULL; NGX_OK with
 * the next key and its value, NGX_DONE at the end.
 */
ngx_int_t ngx_webrtc_json_next(ngx_webrtc_json_t *obj, void **iter,
    ngx_str_t *key, ngx_webrtc_json_t **value);
ngx_int_t ngx_webrtc_json_value_str(ngx_webrtc_json_t *v, ngx_str_t *out);

/*
 * Building.  The setters take a NULL object or child quietly and return
 * NGX_ERROR (Jansson fails only when out of memory); a child given to set
 * or append is owned by its parent from then on, or freed.
 */
ngx_webrtc_json_t *ngx_webrtc_json_object(void);
ngx_webrtc_json_t *ngx_webrtc_json_array(void);
ngx_webrtc_json_t *ngx_webrtc_json_string(u_char *data, size_t len);
ngx_webrtc_json_t *ngx_webrtc_json_null(void);
ngx_int_t ngx_webrtc_json_set(ngx_webrtc_json_t *obj, const char *key,
    ngx_webrtc_json_t *child);
ngx_int_t ngx_webrtc_json_set_str(ngx_webrtc_json_t *obj, const char *key,
    u_char *data, size_t len);
ngx_int_t ngx_webrtc_json_set_cstr(ngx_webrtc_json_t *obj, const char *key,
    const char *value);
ngx_int_t ngx_webrtc_json_set_int(ngx_webrtc_json_t *obj, const char *key,
    int64_t value);
ngx_int_t ngx_webrtc_json_set_bool(ngx_webrtc_json_t *obj, const char *key,
    ngx_uint_t value);
ngx_int_t ngx_webrtc_json_append(ngx_webrtc_json_t *arr,
    ngx_webrtc_json_t *child);

/* compact text of a value, or NULL; the value is kept */
u_char *ngx_webrtc_json_dump(ngx_webrtc_json_t *j, size_t *len);
void ngx_webrtc_json_free_text(u_char *text);


#endif /* _NGX_WEBRTC_JSON_H_INCLUDED_ */
