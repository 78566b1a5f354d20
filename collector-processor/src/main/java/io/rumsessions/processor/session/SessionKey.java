package io.rumsessions.processor.session;

/**
 * What a session is looked up by: the service and the visitor's session key (a client session id
 * when consent allows one, else the cookie-free id).
 */
public record SessionKey(String service, String id) {}
