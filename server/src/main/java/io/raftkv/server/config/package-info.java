/**
 * The server's settings: {@link io.raftkv.server.config.ServerConfig} (one immutable value, replaced whole by
 * CONFIG SET), {@link io.raftkv.server.config.ConfigParams} (every setting's name, text form and mutability),
 * {@link io.raftkv.server.config.ConfigFile} (redis.conf syntax and {@code --name value} overrides) and
 * {@link io.raftkv.server.config.QuotedArgs} (Redis's argument quoting, shared with inline commands). It depends on
 * no other server package, so every layer may read the configuration.
 */
package io.raftkv.server.config;
