package io.drsp.controller;

/**
 * One configured controller as the answering controller sees it: {@code status} is its Pekko cluster member status
 * (joining, up, leaving, exiting, down, removed) or "absent" while it is not a member; {@code drives}: the pairs'
 * entities run on it.
 */
public record ControllerMember(String name, String address, String status, boolean reachable, boolean drives) {
}
