package io.drsp.controller;

/** The modes of one site of a cluster pair (DESIGN section 4). Production serves until a switchback says otherwise. */
public enum Mode {
    IDLE, SYNC, STOPPED, RECOVERING, RECOVERED, SERVICE, SERVICE_STOPPED, FLASHED_BACK
}
