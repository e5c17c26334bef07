
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The HTTP module: signaling directives, and what the WHIP, WHEP and status
 * handlers share: CORS, bearer tokens, ice-server Link headers, replies.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/crypto.h>

#include "ngx_http_webrtc.h"
#include "ngx_http_webrtc_call.h"


static void *ngx_http_webrtc_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_webrtc_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_webrtc_endpoint(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_ice_server(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_room_codecs(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_handler_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_placement(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_webrtc_call_room(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_webrtc_init_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_webrtc_commands[] = {

    { ngx_string("webrtc_whip"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_webrtc_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_WEBRTC_KIND_WHIP,
      NULL },

    { ngx_string("webrtc_whep"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_webrtc_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_WEBRTC_KIND_WHEP,
      NULL },

    { ngx_string("webrtc_placement"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_webrtc_placement,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("webrtc_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_webrtc_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("webrtc_room"),
      NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, room),
      NULL },

    { ngx_string("webrtc_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_set_complex_value_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, token),
      NULL },

    { ngx_string("webrtc_ice_server"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_webrtc_ice_server,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("webrtc_room_codecs"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_webrtc_room_codecs,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("webrtc_room_max_sessions"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, room_max_sessions),
      NULL },

    { ngx_string("webrtc_takeover"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, takeover),
      NULL },

    { ngx_string("webrtc_allow_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, allow_origin),
      NULL },

    { ngx_string("webrtc_signaling"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_webrtc_handler_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_http_webrtc_call_handler },

    { ngx_string("webrtc_call_room"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_webrtc_call_room,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("webrtc_signaling_max_message"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, ws_max_message),
      NULL },

    { ngx_string("webrtc_signaling_max_queue"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, ws_max_queue),
      NULL },

    { ngx_string("webrtc_call_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_webrtc_handler_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      ngx_http_webrtc_admin_handler },

    { ngx_string("webrtc_call_whip"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, call_whip),
      NULL },

    { ngx_string("webrtc_max_sessions_per_client"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, max_per_client),
      NULL },

    { ngx_string("webrtc_admin_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_webrtc_loc_conf_t, admin_token),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_webrtc_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_webrtc_create_loc_conf,       /* create location configuration */
    ngx_http_webrtc_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_webrtc_module = {
    NGX_MODULE_V1,
    &ngx_http_webrtc_module_ctx,           /* module context */
    ngx_http_webrtc_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_webrtc_init_process,          /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_webrtc_exit_worker,                /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_webrtc_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_webrtc_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_webrtc_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->room = NULL;
     *     conf->token = NULL;
     *     conf->allow_origin = { 0, NULL };
     */

    conf->placement = NGX_CONF_UNSET_UINT;
    conf->ice_servers = NGX_CONF_UNSET_PTR;
    conf->pins = NGX_CONF_UNSET_PTR;
    conf->room_max_sessions = NGX_CONF_UNSET_UINT;
    conf->takeover = NGX_CONF_UNSET;
    conf->ws_max_message = NGX_CONF_UNSET_SIZE;
    conf->ws_max_queue = NGX_CONF_UNSET_SIZE;
    conf->call_whip = NGX_CONF_UNSET;
    conf->max_per_client = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_webrtc_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_webrtc_loc_conf_t *prev = parent;
    ngx_http_webrtc_loc_conf_t *conf = child;

    if (conf->room == NULL) {
        conf->room = prev->room;
    }

    if (conf->token == NULL) {
        conf->token = prev->token;
    }

    if (conf->placement == NGX_CONF_UNSET_UINT) {
        conf->placement = (prev->placement == NGX_CONF_UNSET_UINT)
                          ? NGX_WEBRTC_PLACE_AFFINITY : prev->placement;
        conf->spill = prev->spill;
    }
    ngx_conf_merge_ptr_value(conf->ice_servers, prev->ice_servers, NULL);
    ngx_conf_merge_ptr_value(conf->pins, prev->pins, NULL);
    ngx_conf_merge_uint_value(conf->room_max_sessions,
                              prev->room_max_sessions, 0);
    ngx_conf_merge_value(conf->takeover, prev->takeover, 0);
    ngx_conf_merge_str_value(conf->allow_origin, prev->allow_origin, "*");
    ngx_conf_merge_size_value(conf->ws_max_message, prev->ws_max_message,
                              64 * 1024);
    ngx_conf_merge_size_value(conf->ws_max_queue, prev->ws_max_queue,
                              1024 * 1024);
    ngx_conf_merge_str_value(conf->admin_token, prev->admin_token, "");
    ngx_conf_merge_value(conf->call_whip, prev->call_whip, 0);
    ngx_conf_merge_uint_value(conf->max_per_client, prev->max_per_client, 0);

    if (conf->ws_max_message < 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"webrtc_signaling_max_message\" must be at "
                           "least 1k");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_webrtc_endpoint(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_webrtc_loc_conf_t *wlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (wlcf->kind) {
        return "is duplicate";
    }

    wlcf->kind = cmd->offset;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_webrtc_endpoint_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_webrtc_init_process(ngx_cycle_t *cycle)
{
    if (ngx_webrtc_init_worker(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_webrtc_call_set_mail_handler(ngx_http_webrtc_call_deliver);

    return NGX_OK;
}


/*
 * webrtc_placement affinity | spread | spill=N;
 *
 * spill=N: a room's viewers go to its worker until it has N of them, then
 * to the worker with the fewest of the room's viewers.
 */
static char *
ngx_http_webrtc_placement(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_webrtc_loc_conf_t *wlcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (wlcf->placement != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "affinity") == 0) {
        wlcf->placement = NGX_WEBRTC_PLACE_AFFINITY;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "spread") == 0) {
        wlcf->placement = NGX_WEBRTC_PLACE_SPREAD;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "spill=", 6) == 0) {
        n = ngx_atoi(value[1].data + 6, value[1].len - 6);
        if (n < 1) {
            return "has an invalid spill=";
        }

        wlcf->placement = NGX_WEBRTC_PLACE_SPILL;
        wlcf->spill = n;
        return NGX_CONF_OK;
    }

    return "must be affinity, spread or spill=N";
}


/* a location handler given in cmd->post */
static char *
ngx_http_webrtc_handler_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler) {
        return "is duplicate";
    }

    clcf->handler = (ngx_http_handler_pt) cmd->post;

    return NGX_CONF_OK;
}


/*
 * webrtc_call_room <name> | ~<regex> [mode=sfu|p2p] [max=N] [token=T]
 *                  [publisher_token=T];
 */
static char *
ngx_http_webrtc_call_room(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_webrtc_loc_conf_t *wlcf = conf;

    ngx_int_t                     n;
    ngx_str_t                    *value;
    ngx_uint_t                    i;
    ngx_http_webrtc_call_room_t  *rc;
#if (NGX_PCRE)
    ngx_regex_compile_t           rgc;
    u_char                        errstr[NGX_MAX_CONF_ERRSTR];
#endif

    value = cf->args->elts;

    if (wlcf->call_rooms == NULL) {
        wlcf->call_rooms = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_webrtc_call_room_t));
        if (wlcf->call_rooms == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rc = ngx_array_push(wlcf->call_rooms);
    if (rc == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rc, sizeof(ngx_http_webrtc_call_room_t));

    rc->name = value[1];
    rc->mode = NGX_WEBRTC_CALL_SFU;
    rc->max = 16;

    if (value[1].len > 1 && value[1].data[0] == '~') {
#if (NGX_PCRE)
        ngx_memzero(&rgc, sizeof(ngx_regex_compile_t));

        rgc.pattern.data = value[1].data + 1;
        rgc.pattern.len = value[1].len - 1;
        rgc.pool = cf->pool;
        rgc.err.len = NGX_MAX_CONF_ERRSTR;
        rgc.err.data = errstr;

        if (ngx_regex_compile(&rgc) != NGX_OK) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V", &rgc.err);
            return NGX_CONF_ERROR;
        }

        rc->regex = rgc.regex;
#else
        return "needs PCRE for a regular expression";
#endif
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "mode=sfu") == 0) {
            rc->mode = NGX_WEBRTC_CALL_SFU;
            continue;
        }

        if (ngx_strcmp(value[i].data, "mode=p2p") == 0) {
            rc->mode = NGX_WEBRTC_CALL_P2P;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max=", 4) == 0) {
            n = ngx_atoi(value[i].data + 4, value[i].len - 4);
            if (n < 2 || n > 64) {
                return "has an invalid max=: 2 to 64";
            }

            rc->max = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "token=", 6) == 0) {
            rc->token.data = value[i].data + 6;
            rc->token.len = value[i].len - 6;
            continue;
        }

        if (ngx_strncmp(value[i].data, "publisher_token=", 16) == 0) {
            rc->publisher_token.data = value[i].data + 16;
            rc->publisher_token.len = value[i].len - 16;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (rc->mode == NGX_WEBRTC_CALL_P2P && rc->max > 2) {
        return "allows at most max=2 with mode=p2p";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_webrtc_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_webrtc_status_handler;

    return NGX_CONF_OK;
}


/*
 * webrtc_ice_server stun:host:port;
 * webrtc_ice_server turn:host:port?transport=udp username=U credential=P;
 *
 * Kept as the ready value of a Link header (RFC 9725 4.6).
 */
static char *
ngx_http_webrtc_ice_server(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_webrtc_loc_conf_t *wlcf = conf;

    u_char      *p;
    size_t       len;
    ngx_str_t   *value, *link, user, cred;
    ngx_uint_t   i;

    value = cf->args->elts;

    if (ngx_strncmp(value[1].data, "stun:", 5) != 0
        && ngx_strncmp(value[1].data, "stuns:", 6) != 0
        && ngx_strncmp(value[1].data, "turn:", 5) != 0
        && ngx_strncmp(value[1].data, "turns:", 6) != 0)
    {
        return "needs a stun:, stuns:, turn: or turns: URI";
    }

    ngx_str_null(&user);
    ngx_str_null(&cred);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "username=", 9) == 0) {
            user.data = value[i].data + 9;
            user.len = value[i].len - 9;
            continue;
        }

        if (ngx_strncmp(value[i].data, "credential=", 11) == 0) {
            cred.data = value[i].data + 11;
            cred.len = value[i].len - 11;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if ((user.len == 0) != (cred.len == 0)) {
        return "needs both username= and credential=, or neither";
    }

    if (ngx_strlchr(value[1].data, value[1].data + value[1].len, '>')
        || ngx_strlchr(user.data, user.data + user.len, '"')
        || ngx_strlchr(cred.data, cred.data + cred.len, '"'))
    {
        return "has a character that cannot go into a Link header";
    }

    if (wlcf->ice_servers == NGX_CONF_UNSET_PTR) {
        wlcf->ice_servers = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (wlcf->ice_servers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    link = ngx_array_push(wlcf->ice_servers);
    if (link == NULL) {
        return NGX_CONF_ERROR;
    }

    len = sizeof("<>; rel=\"ice-server\"") - 1 + value[1].len
          + sizeof("; username=\"\"; credential=\"\"; "
                   "credential-type=\"password\"") - 1
          + user.len + cred.len;

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    link->data = p;

    p = ngx_sprintf(p, "<%V>; rel=\"ice-server\"", &value[1]);

    if (user.len) {
        p = ngx_sprintf(p, "; username=\"%V\"; credential=\"%V\"; "
                        "credential-type=\"password\"", &user, &cred);
    }

    link->len = p - link->data;

    return NGX_CONF_OK;
}


/*
 * webrtc_room_codecs VP8 opus;
 *
 * The codecs a room's publisher must send, so that viewers can join before
 * it: one video and one audio codec at most.
 */
static char *
ngx_http_webrtc_room_codecs(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_webrtc_loc_conf_t *wlcf = conf;

    ngx_str_t                *value;
    ngx_uint_t                i, k;
    ngx_webrtc_sdp_source_t  *pin;

    static struct {
        ngx_str_t             name;
        ngx_uint_t            type;
        u_char                codec;
        uint32_t              clock_rate;
    } codecs[] = {
        { ngx_string("opus"), NGX_WEBRTC_MEDIA_AUDIO,
          NGX_WEBRTC_CODEC_OPUS, 48000 },
        { ngx_string("VP8"), NGX_WEBRTC_MEDIA_VIDEO,
          NGX_WEBRTC_CODEC_VP8, 90000 },
        { ngx_string("VP9"), NGX_WEBRTC_MEDIA_VIDEO,
          NGX_WEBRTC_CODEC_VP9, 90000 },
        { ngx_string("H264"), NGX_WEBRTC_MEDIA_VIDEO,
          NGX_WEBRTC_CODEC_H264, 90000 },
        { ngx_string("AV1"), NGX_WEBRTC_MEDIA_VIDEO,
          NGX_WEBRTC_CODEC_AV1, 90000 }
    };

    if (wlcf->pins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    wlcf->pins = ngx_array_create(cf->pool, 2,
                                  sizeof(ngx_webrtc_sdp_source_t));
    if (wlcf->pins == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        for (k = 0; k < sizeof(codecs) / sizeof(codecs[0]); k++) {
            if (value[i].len == codecs[k].name.len
                && ngx_strncasecmp(value[i].data, codecs[k].name.data,
                                   value[i].len)
                   == 0)
            {
                break;
            }
        }

        if (k == sizeof(codecs) / sizeof(codecs[0])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown codec \"%V\": opus, VP8, VP9, H264 "
                               "or AV1", &value[i]);
            return NGX_CONF_ERROR;
        }

        pin = ngx_array_push(wlcf->pins);
        if (pin == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(pin, sizeof(ngx_webrtc_sdp_source_t));

        pin->type = codecs[k].type;
        pin->codec = codecs[k].codec;
        pin->clock_rate = codecs[k].clock_rate;

        if (pin->codec == NGX_WEBRTC_CODEC_OPUS) {
            pin->channels = 2;

        } else if (pin->codec == NGX_WEBRTC_CODEC_H264) {
            /* constrained baseline, what every browser decodes */
            pin->profile_level_id = 0x42e01f;
            pin->packetization_mode = 1;
        }
    }

    if (wlcf->pins->nelts > 2) {
        return "takes one video and one audio codec at most";
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_webrtc_add_header(ngx_http_request_t *r, char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return NGX_OK;
}


ngx_int_t
ngx_http_webrtc_add_cors(ngx_http_request_t *r)
{
    ngx_str_t                    v;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->allow_origin.len == 0
        || ngx_strcmp(wlcf->allow_origin.data, "off") == 0)
    {
        return NGX_OK;
    }

    if (ngx_http_webrtc_add_header(r, "Access-Control-Allow-Origin",
                                   &wlcf->allow_origin)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_str_set(&v, "Location, ETag, Link, Accept-Post, Accept-Patch");

    return ngx_http_webrtc_add_header(r, "Access-Control-Expose-Headers",
                                      &v);
}


ngx_int_t
ngx_http_webrtc_add_ice_servers(ngx_http_request_t *r)
{
    ngx_str_t                   *link;
    ngx_uint_t                   i;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->ice_servers == NULL) {
        return NGX_OK;
    }

    link = wlcf->ice_servers->elts;

    for (i = 0; i < wlcf->ice_servers->nelts; i++) {
        if (ngx_http_webrtc_add_header(r, "Link", &link[i]) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * NGX_OK when no token is configured or the request carries
 * "Authorization: Bearer <token>" (RFC 6750) with the right one, compared
 * in constant time; NGX_DECLINED otherwise.
 */
ngx_int_t
ngx_http_webrtc_check_token(ngx_http_request_t *r)
{
    ngx_str_t                    token;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);

    if (wlcf->token == NULL) {
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, wlcf->token, &token) != NGX_OK) {
        return NGX_ERROR;
    }

    if (token.len == 0) {
        return NGX_OK;
    }

    return ngx_http_webrtc_bearer(r, &token);
}


/* NGX_OK when "Authorization: Bearer <token>" carries this token */
ngx_int_t
ngx_http_webrtc_bearer(ngx_http_request_t *r, ngx_str_t *token)
{
    ngx_str_t         given;
    ngx_table_elt_t  *auth;

    auth = r->headers_in.authorization;

    if (auth == NULL
        || auth->value.len < sizeof("Bearer ") - 1
        || ngx_strncasecmp(auth->value.data, (u_char *) "Bearer ", 7) != 0)
    {
        return NGX_DECLINED;
    }

    given.data = auth->value.data + 7;
    given.len = auth->value.len - 7;

    while (given.len && given.data[0] == ' ') {
        given.data++;
        given.len--;
    }

    return ngx_http_webrtc_token_eq(&given, token) ? NGX_OK : NGX_DECLINED;
}


/* the client's address and its limit, for a new session */
void
ngx_http_webrtc_client(ngx_http_request_t *r, ngx_webrtc_session_args_t *args)
{
    struct sockaddr             *sa;
    ngx_http_webrtc_loc_conf_t  *wlcf;

    wlcf = ngx_http_get_module_loc_conf(r, ngx_http_webrtc_module);
    sa = r->connection->sockaddr;

    args->max_per_client = wlcf->max_per_client;
    ngx_str_null(&args->client);

    switch (sa->sa_family) {

#if (NGX_HAVE_INET6)
    case AF_INET6:
        args->client.data = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        args->client.len = 16;
        break;
#endif

    case AF_INET:
        args->client.data = (u_char *) &((struct sockaddr_in *) sa)->sin_addr;
        args->client.len = 4;
        break;

    default: /* unix sockets: not limited */
        args->max_per_client = 0;
    }
}


/* in constant time for tokens of the same length; an empty one never */
ngx_uint_t
ngx_http_webrtc_token_eq(ngx_str_t *given, ngx_str_t *token)
{
    return given->len == token->len && token->len
           && CRYPTO_memcmp(given->data, token->data, token->len) == 0;
}


ngx_int_t
ngx_http_webrtc_reply(ngx_http_request_t *r, ngx_uint_t status, char *type,
    ngx_str_t *body)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;

    if (body == NULL || body->len == 0) {
        r->headers_out.content_length_n = 0;
        r->header_only = 1;
        return ngx_http_send_header(r);
    }

    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_length_n = body->len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body->data;
    b->last = body->data + body->len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* a short text/plain reason with an error status */
ngx_int_t
ngx_http_webrtc_problem(ngx_http_request_t *r, ngx_uint_t status,
    const char *reason)
{
    ngx_str_t  body;

    body.len = ngx_strlen(reason) + 1;
    body.data = ngx_pnalloc(r->pool, body.len);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_sprintf(body.data, "%s\n", reason);

    if (ngx_http_webrtc_add_cors(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_webrtc_reply(r, status, "text/plain", &body);
}
