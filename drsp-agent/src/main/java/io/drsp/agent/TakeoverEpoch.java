package io.drsp.agent;

/**
 * The takeover epoch a controller drives a cluster pair under: journaled each time a controller takes the pair over
 * (DESIGN §8), and carried by every agent command that changes MySQL, so that an owner that was paused or cut off
 * while another took over cannot change anything once an agent has seen the newer epoch.
 *
 * @param number 1 for the first owner of a pair, one more at each takeover
 * @param owner  the controller that took over, as its actor system's address: what refusals and status name
 */
public record TakeoverEpoch(long number, String owner) {
    public TakeoverEpoch {
        if (number < 1) {
            throw new IllegalArgumentException("a takeover epoch starts at 1, got " + number);
        }
    }
}
