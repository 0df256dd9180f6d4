-- Cases for ngx.worker.*, ngx.config.*, ngx.process and ngx.errlog; see
-- ../utilgroups/harness.lua. The oracle runs one worker, master_process off.
local function keys(t)
    local r = {}
    for k, v in pairs(t) do r[#r + 1] = k .. ":" .. type(v) end
    table.sort(r)
    return table.concat(r, " ")
end
return {
    { "worker_id", function() return ngx.worker.id() end },
    { "worker_count", function() return ngx.worker.count() end },
    { "worker_pid", function() return type(ngx.worker.pid()), ngx.worker.pid() > 0 end },
    { "worker_exiting", function() return ngx.worker.exiting() end },
    { "worker_pids", function() local p = ngx.worker.pids() return type(p), #p, p[1] == ngx.worker.pid() end },
    { "config_prefix", function() local p = ngx.config.prefix() return type(p), p:sub(-1) end },
    { "config_nginx_version", function() return type(ngx.config.nginx_version) end },
    { "config_ngx_lua_version", function() return type(ngx.config.ngx_lua_version) end },
    { "config_subsystem", function() return ngx.config.subsystem end },
    { "config_debug", function() return ngx.config.debug end },
    { "config_configure", function() return type(ngx.config.nginx_configure()) end },
    { "process_type", function() return require("ngx.process").type() end },
    { "process_keys", function() return keys(require "ngx.process") end },
    { "errlog_keys", function() return keys(require "ngx.errlog") end },
    { "worker_keys", function() return keys(ngx.worker) end },
    { "config_keys", function() return keys(ngx.config) end },
    { "sys_filter_level", function() return require("ngx.errlog").get_sys_filter_level() end },
    { "raw_log", function() return require("ngx.errlog").raw_log(ngx.NOTICE, "raw log line from the worker cases") end },
    { "raw_log_bad_level", function() return require("ngx.errlog").raw_log(99, "x") end },
    { "raw_log_neg_level", function() return require("ngx.errlog").raw_log(-1, "x") end },
    { "raw_log_str_level", function() return require("ngx.errlog").raw_log("x", "y") end },
    { "raw_log_numstr_level", function() return require("ngx.errlog").raw_log("4", "y") end },
    { "raw_log_num_msg", function() return require("ngx.errlog").raw_log(ngx.NOTICE, 3) end },
    { "raw_log_nil_msg", function() return require("ngx.errlog").raw_log(ngx.NOTICE, nil) end },
    { "process_master_pid", function() local p = require("ngx.process").get_master_pid() return type(p) end },
    { "module_versions", function() return require("ngx.process").version, require("ngx.errlog").version, require("ngx.base64").version end },
}
