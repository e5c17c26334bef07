
/*
 * Copyright (C) ngx_webrtc authors
 */


/*
 * The core module: media directives, the shared memory zone, the DTLS
 * certificate of a configuration load, and each worker's UDP socket and
 * housekeeping timer.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_webrtc_media.h"


static void *ngx_webrtc_create_conf(ngx_cycle_t *cycle);
static char *ngx_webrtc_init_conf(ngx_cycle_t *cycle, void *conf);
static char *ngx_webrtc_listen(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_webrtc_announce(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_webrtc_sweep_handler(ngx_event_t *ev);
static ngx_int_t ngx_webrtc_claim_slot(ngx_webrtc_shm_ctx_t *ctx,
    ngx_webrtc_conf_t *wcf, ngx_log_t *log);
static ngx_uint_t ngx_webrtc_slot_free(ngx_webrtc_worker_slot_t *w);


ngx_webrtc_worker_t  ngx_webrtc_worker;


static ngx_command_t  ngx_webrtc_commands[] = {

    { ngx_string("webrtc_listen"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE12,
      ngx_webrtc_listen,
      0,
      0,
      NULL },

    { ngx_string("webrtc_announce"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_1MORE,
      ngx_webrtc_announce,
      0,
      0,
      NULL },

    { ngx_string("webrtc_zone"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      0,
      offsetof(ngx_webrtc_conf_t, zone_size),
      NULL },

    { ngx_string("webrtc_consent_timeout"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      0,
      offsetof(ngx_webrtc_conf_t, consent_timeout),
      NULL },

    { ngx_string("webrtc_dtls_timeout"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      0,
      offsetof(ngx_webrtc_conf_t, dtls_timeout),
      NULL },

    { ngx_string("webrtc_max_sessions"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      0,
      offsetof(ngx_webrtc_conf_t, max_sessions),
      NULL },

    { ngx_string("webrtc_certificate"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_webrtc_conf_t, certificate),
      NULL },

    { ngx_string("webrtc_certificate_key"),
      NGX_MAIN_CONF|NGX_DIRECT_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      0,
      offsetof(ngx_webrtc_conf_t, certificate_key),
      NULL },

      ngx_null_command
};


static ngx_core_module_t  ngx_webrtc_module_ctx = {
    ngx_string("webrtc"),
    ngx_webrtc_create_conf,
    ngx_webrtc_init_conf
};


ngx_module_t  ngx_webrtc_module = {
    NGX_MODULE_V1,
    &ngx_webrtc_module_ctx,                /* module context */
    ngx_webrtc_commands,                   /* module directives */
    NGX_CORE_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_webrtc_create_conf(ngx_cycle_t *cycle)
{
    ngx_webrtc_conf_t  *wcf;

    wcf = ngx_pcalloc(cycle->pool, sizeof(ngx_webrtc_conf_t));
    if (wcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     wcf->listen = { 0 };
     *     wcf->announce = NULL;
     *     wcf->certificate = { 0, NULL };
     *     wcf->zone = NULL;
     */

    wcf->zone_size = NGX_CONF_UNSET_SIZE;
    wcf->consent_timeout = NGX_CONF_UNSET_MSEC;
    wcf->dtls_timeout = NGX_CONF_UNSET_MSEC;
    wcf->max_sessions = NGX_CONF_UNSET_UINT;

    return wcf;
}


static char *
ngx_webrtc_init_conf(ngx_cycle_t *cycle, void *conf)
{
    ngx_webrtc_conf_t *wcf = conf;

    ngx_str_t         *a;
    ngx_core_conf_t   *ccf;

    ngx_conf_init_size_value(wcf->zone_size, 64 * 1024 * 1024);
    ngx_conf_init_msec_value(wcf->consent_timeout, 30000);
    ngx_conf_init_msec_value(wcf->dtls_timeout, 10000);
    ngx_conf_init_uint_value(wcf->max_sessions, 0);

    if (wcf->zone == NULL) {
        return NGX_CONF_OK;
    }

    if (wcf->zone_size < 64 * 1024) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "\"webrtc_zone\" of %uz bytes is too small",
                      wcf->zone_size);
        return NGX_CONF_ERROR;
    }

    wcf->zone->shm.size = wcf->zone_size;

    ccf = (ngx_core_conf_t *) ngx_get_conf(cycle->conf_ctx, ngx_core_module);

    wcf->nworkers = (ccf->worker_processes == NGX_CONF_UNSET
                     || ccf->worker_processes == 0)
                    ? 1 : (ngx_uint_t) ccf->worker_processes;

    if (wcf->nworkers > NGX_WEBRTC_MAX_WORKERS) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "webrtc supports at most %d worker processes",
                      NGX_WEBRTC_MAX_WORKERS);
        return NGX_CONF_ERROR;
    }

    if (wcf->announce == NULL) {
        if (ngx_inet_wildcard(wcf->listen.sockaddr)) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "\"webrtc_listen\" on a wildcard address needs "
                          "\"webrtc_announce\" with the address clients "
                          "reach");
            return NGX_CONF_ERROR;
        }

        wcf->announce = ngx_array_create(cycle->pool, 1, sizeof(ngx_str_t));
        if (wcf->announce == NULL) {
            return NGX_CONF_ERROR;
        }

        a = ngx_array_push(wcf->announce);
        if (a == NULL) {
            return NGX_CONF_ERROR;
        }

        a->data = ngx_pnalloc(cycle->pool, NGX_SOCKADDR_STRLEN);
        if (a->data == NULL) {
            return NGX_CONF_ERROR;
        }

        a->len = ngx_sock_ntop(wcf->listen.sockaddr, wcf->listen.socklen,
                               a->data, NGX_SOCKADDR_STRLEN, 0);
    }

    if (ngx_webrtc_dtls_init_conf(cycle, wcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_webrtc_listen(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_webrtc_conf_t *wcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value, name;

    if (wcf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_parse_addr_port(cf->pool, &wcf->listen, value[1].data,
                            value[1].len)
        != NGX_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid address \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_inet_get_port(wcf->listen.sockaddr) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"webrtc_listen\" needs a base port in \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    wcf->banks = NGX_WEBRTC_PORT_BANKS;

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "banks=", 6) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        n = ngx_atoi(value[2].data + 6, value[2].len - 6);
        if (n < 2 || n > 64) {
            return "has an invalid banks=: 2 to 64";
        }

        wcf->banks = n;
    }

    /* the size is set in init_conf, once webrtc_zone has been read */

    ngx_str_set(&name, "webrtc");

    wcf->zone = ngx_shared_memory_add(cf, &name, 0, &ngx_webrtc_module);
    if (wcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    wcf->zone->init = ngx_webrtc_shm_init_zone;
    wcf->zone->data = wcf;

    return NGX_CONF_OK;
}


static char *
ngx_webrtc_announce(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_webrtc_conf_t *wcf = conf;

    ngx_str_t   *value, *a;
    ngx_uint_t   i;
    ngx_addr_t   addr;

    if (wcf->announce == NULL) {
        wcf->announce = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (wcf->announce == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (wcf->announce->nelts == NGX_WEBRTC_MAX_ANNOUNCE) {
            return "has too many addresses";
        }

        if (ngx_parse_addr(cf->pool, &addr, value[i].data, value[i].len)
            != NGX_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is not an IP address", &value[i]);
            return NGX_CONF_ERROR;
        }

        a = ngx_array_push(wcf->announce);
        if (a == NULL) {
            return NGX_CONF_ERROR;
        }

        *a = value[i];
    }

    return NGX_CONF_OK;
}


ngx_webrtc_conf_t *
ngx_webrtc_get_conf(ngx_cycle_t *cycle)
{
    ngx_webrtc_conf_t  *wcf;

    wcf = (ngx_webrtc_conf_t *) ngx_get_conf(cycle->conf_ctx,
                                             ngx_webrtc_module);

    if (wcf == NULL || wcf->zone == NULL) {
        return NULL;
    }

    return wcf;
}


/*
 * Called from the HTTP module's init_process: in a static build core
 * modules start before the event modules, and a worker's UDP socket needs
 * the connections and timers those set up.
 */
ngx_int_t
ngx_webrtc_init_worker(ngx_cycle_t *cycle)
{
    ngx_webrtc_conf_t     *wcf;
    ngx_webrtc_shm_ctx_t  *ctx;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    wcf = ngx_webrtc_get_conf(cycle);
    if (wcf == NULL) {
        return NGX_OK;
    }

    ngx_memzero(&ngx_webrtc_worker, sizeof(ngx_webrtc_worker_t));

    ctx = wcf->zone->data;

    ngx_webrtc_worker.conf = wcf;
    ngx_webrtc_worker.shm = ctx;

    ngx_rbtree_init(&ngx_webrtc_worker.addrs,
                    &ngx_webrtc_worker.addrs_sentinel,
                    ngx_rbtree_insert_value);
    ngx_rbtree_init(&ngx_webrtc_worker.ufrags,
                    &ngx_webrtc_worker.ufrags_sentinel,
                    ngx_str_rbtree_insert_value);

    if (ngx_webrtc_srtp_init(cycle->log) != NGX_OK
        || ngx_webrtc_ice_init() != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_webrtc_claim_slot(ctx, wcf, cycle->log) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_webrtc_room_init_worker(cycle) != NGX_OK
        || ngx_webrtc_udp_open(cycle, wcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_webrtc_worker.sweep.handler = ngx_webrtc_sweep_handler;
    ngx_webrtc_worker.sweep.log = cycle->log;
    ngx_webrtc_worker.sweep.data = wcf;
    ngx_webrtc_worker.sweep.cancelable = 1;
    ngx_add_timer(&ngx_webrtc_worker.sweep, 1000);

    return NGX_OK;
}


static void
ngx_webrtc_sweep_handler(ngx_event_t *ev)
{
    ngx_webrtc_shm_reap(ngx_webrtc_worker.shm, ngx_webrtc_worker.conf,
                        ev->log);
    ngx_webrtc_call_reap(ev->log);

    if (!ngx_exiting && !ngx_quit && !ngx_terminate) {
        ngx_add_timer(ev, 1000);
    }
}


void
ngx_webrtc_exit_worker(ngx_cycle_t *cycle)
{
    ngx_webrtc_shm_ctx_t      *ctx;
    ngx_webrtc_worker_slot_t  *slot;

    if (ngx_webrtc_worker.conf == NULL) {
        return;
    }

    ngx_webrtc_udp_close();
    ngx_webrtc_room_exit_worker();

    ctx = ngx_webrtc_worker.shm;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    slot = &ctx->sh->workers[ngx_webrtc_worker.proc];
    if (slot->pid == ngx_pid) {
        slot->pid = 0;
        slot->port = 0;
    }
    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


static ngx_uint_t
ngx_webrtc_slot_free(ngx_webrtc_worker_slot_t *w)
{
    return w->pid == 0 || (kill(w->pid, 0) == -1 && ngx_errno == NGX_ESRCH);
}


/*
 * This process's slot: a free one, or one whose process is gone (a
 * worker killed and respawned takes its predecessor's: the sessions that
 * one owned are reaped by pid in the sweep, its mail is dropped).
 */
static ngx_int_t
ngx_webrtc_claim_slot(ngx_webrtc_shm_ctx_t *ctx, ngx_webrtc_conf_t *wcf,
    ngx_log_t *log)
{
    ngx_uint_t                 i, free;
    ngx_webrtc_worker_slot_t  *w;

    free = NGX_WEBRTC_MAX_PROCS;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    /* the slot of our worker number first: the first workers keep it */

    if (ngx_webrtc_slot_free(&ctx->sh->workers[ngx_worker])) {
        free = ngx_worker;
    }

    for (i = 0; free == NGX_WEBRTC_MAX_PROCS && i < NGX_WEBRTC_MAX_PROCS; i++)
    {
        if (ngx_webrtc_slot_free(&ctx->sh->workers[i])) {
            free = i;
        }
    }

    if (free == NGX_WEBRTC_MAX_PROCS) {
        ngx_shmtx_unlock(&ctx->shpool->mutex);
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "webrtc: more than %d worker processes at once",
                      NGX_WEBRTC_MAX_PROCS);
        return NGX_ERROR;
    }

    w = &ctx->sh->workers[free];
    w->pid = ngx_pid;
    w->port = 0;
    w->generation = wcf->generation;

    ngx_webrtc_call_drop_mail(free);

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_webrtc_worker.proc = free;
    ngx_webrtc_worker.generation = wcf->generation;

    return NGX_OK;
}
