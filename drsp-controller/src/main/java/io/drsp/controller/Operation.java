package io.drsp.controller;

/** The commands that change a pair's modes, by the name a DBA types. */
public enum Operation {
    SYNC("sync"),
    STOPSYNC("stopsync"),
    RELAYTIME("relaytime"),
    RECOVER("recover"),
    SERVICE("service"),
    STOPSERVICE("stopservice"),
    FLASHBACK("flashback"),
    PURGE("purge"),
    /** {@code drill --to}: records the drill's plan; the steps it then runs are the commands above. */
    DRILL("drill"),
    /** Switchback steps 2 and 3: roll a fenced production back to the DR cluster's recovery point. */
    LASTSTAMP("laststamp"),
    /** The whole switchback runbook (DESIGN §6), from wherever both sites stand on its path. */
    SWITCHBACK("switchback");

    private final String command;

    Operation(String command) {
        this.command = command;
    }

    public String command() {
        return command;
    }
}
