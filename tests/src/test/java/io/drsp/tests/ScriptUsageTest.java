package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The runbook scripts refuse what they cannot map exactly: no argument, an unknown or not yet available flag, a
 * missing, empty or malformed {@code -delay_time}, a missing or flag-like cluster, an extra argument. Each prints the
 * script's own usage line and exits 2 before any drsp command runs. Runs the real scripts, no MySQL needed; what
 * each accepted flag does against a running controller is in {@link BadInputTest}.
 */
class ScriptUsageTest {
    static final String ALL_CONTROL_USAGE = "usage: AllControl.sh -sync N -delay_time=SECONDS | -stopsync N | -status N [-json] "
            + "| -recover N | -service N | -stopservice N | -flashback N | -purge N | -switchback N [-delay_time=SECONDS] [-dry_run]";
    static final String LASTSTAMP_USAGE = "usage: bat_mod_laststamp.sh N \"yyyy-MM-dd HH:mm:ss\" [-dry_run] | N \"\" [-dry_run]";
    static final String DBPROXY_USAGE = "usage: start_stop_service.sh -stop_dbproxy N | -start_dbproxy N [-site dr|production]";
    static final String RELAYTIME_USAGE = "usage: bat_mod_relaytime.sh N \"yyyy-MM-dd HH:mm:ss\" | N \"\" | N --gtid SET";

    @Test
    void allControlRefusesWhatItCannotMap() {
        List<List<String>> bad = List.of(
                List.of(),                                          // no arguments
                List.of("-status"),                                 // no cluster
                List.of("-foo", "1"),                               // unknown flag
                List.of("sync", "1", "-delay_time=5"),              // not the runbook spelling
                List.of("-laststamp", "1"),                         // laststamp is bat_mod_laststamp.sh
                List.of("-switchback"),
                List.of("-switchback", "-dry_run"),
                List.of("-switchback", "1", "now"),
                List.of("-switchback", "1", "--dry-run"),           // not the runbook spelling
                List.of("-switchback", "1", "-dry_run", "-dry_run"),
                List.of("-switchback", "1", "-delay_time=abc"),
                List.of("-switchback", "1", "-delay_time=-1"),
                List.of("-switchback", "1", "-delay_time="),
                List.of("-switchback", "1", "-delay_time"),
                List.of("-switchback", "1", "-delay_time=5", "-delay_time=6"),
                List.of("-sync", "1"),                              // no delay
                List.of("-sync", "1", "-delay_time="),              // empty delay
                List.of("-sync", "1", "-delay_time"),               // flag without its value
                List.of("-sync", "1", "-delay_time", ""),
                List.of("-sync", "1", "-delay_time=abc"),           // not a number
                List.of("-sync", "1", "-delay_time=3s"),
                List.of("-sync", "1", "-delay_time=1.5"),
                List.of("-sync", "1", "-delay_time=-5"),
                List.of("-sync", "1", "-delay_time= 5"),
                List.of("-sync", "1", "-delay_time=5", "-delay_time=6"), // which one?
                List.of("-sync", "1", "-delay_time=5", "now"),      // extra arguments
                List.of("-sync", "1", "-delay=5"),
                List.of("-sync", "-delay_time=5", "1"),             // the cluster is missing, a flag took its place
                List.of("-stopsync", "-json"),
                List.of("-stopsync", ""),
                List.of("-stopsync", "1", "now"),
                List.of("-status", "1", "-verbose"),
                List.of("-status", "1", "-json", "now"),
                List.of("-recover", "1", "--dry-run"),
                List.of("-service", "1", "now"),
                List.of("-stopservice", "1", "now"),
                List.of("-flashback", "1", "--dry-run"),
                List.of("-purge", "1", "--dry-run"));
        for (List<String> args : bad) {
            assertUsage(Scripts.run(null, Map.of("DRSP_BIN", "/nonexistent/drsp"), "AllControl.sh", args.toArray(String[]::new)),
                    ALL_CONTROL_USAGE, "AllControl.sh " + args);
        }
    }

    @Test
    void batModRelaytimeRefusesWhatItCannotMap() {
        List<List<String>> bad = List.of(
                List.of(),
                List.of("1"),                                        // no target
                List.of("1", "2024-01-01 10:00:00", "now"),          // extra argument
                List.of("1", "2024-01-01", "10:00:00"),              // an unquoted time
                List.of("1", "--gtid"),                              // the set is missing
                List.of("1", "--gtid", ""),
                List.of("1", "--time", "2024-01-01 10:00:00"),       // not the runbook spelling
                List.of("1", "--gtid", "uuid:1-5", "now"),
                List.of("", "2024-01-01 10:00:00"),                  // no cluster
                List.of("--gtid", "uuid:1-5"));
        for (List<String> args : bad) {
            assertUsage(Scripts.run(null, Map.of("DRSP_BIN", "/nonexistent/drsp"), "bat_mod_relaytime.sh", args.toArray(String[]::new)),
                    RELAYTIME_USAGE, "bat_mod_relaytime.sh " + args);
        }
    }

    @Test
    void batModLaststampAndStartStopServiceRefuseWhatTheyCannotMap() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("1"), List.of("1", "2024-01-01 10:00:00", "now"),
                List.of("1", "2024-01-01", "10:00:00", "-dry_run"), List.of("1", "--time", "2024-01-01 10:00:00"),
                List.of("1", "-dry_run"), List.of("", ""), List.of("-dry_run", ""), List.of("1", "", "--dry-run"))) {
            assertUsage(Scripts.run(null, Map.of("DRSP_BIN", "/nonexistent/drsp"), "bat_mod_laststamp.sh", args.toArray(String[]::new)),
                    LASTSTAMP_USAGE, "bat_mod_laststamp.sh " + args);
        }
        for (List<String> args : List.<List<String>>of(List.of(), List.of("-stop_dbproxy"), List.of("-stop_dbproxy", "-site"),
                List.of("-stop_dbproxy", "1", "now"), List.of("-restart_dbproxy", "1"), List.of("-stop_dbproxy", "1", "-site", "elsewhere"),
                List.of("-stop_dbproxy", "1", "--site", "dr"), List.of("-start_dbproxy", "1", "-site"), List.of("stop_dbproxy", "1"))) {
            assertUsage(Scripts.run(null, Map.of("DRSP_BIN", "/nonexistent/drsp"), "start_stop_service.sh", args.toArray(String[]::new)),
                    DBPROXY_USAGE, "start_stop_service.sh " + args);
        }
    }

    /** What each accepted switchback command line runs, read from a stand-in drsp that prints its arguments. */
    @Test
    void switchbackScriptsRunTheCommandsOfDesignSection5() throws Exception {
        Path fake = Files.createTempFile("fake-drsp", ".sh");
        Files.writeString(fake, "#!/usr/bin/env bash\nprintf '%s|' \"$@\"\n");
        fake.toFile().setExecutable(true);
        Map<List<String>, String> expected = new java.util.LinkedHashMap<>();
        expected.put(List.of("AllControl.sh", "-switchback", "1"), "switchback|1|");
        expected.put(List.of("AllControl.sh", "-switchback", "1", "-dry_run"), "switchback|1|--dry-run|");
        expected.put(List.of("AllControl.sh", "-switchback", "1", "-delay_time=3600", "-dry_run"), "switchback|1|--delay|3600|--dry-run|");
        expected.put(List.of("AllControl.sh", "-switchback", "1", "-delay_time", "60"), "switchback|1|--delay|60|");
        expected.put(List.of("bat_mod_laststamp.sh", "1", "2024-01-01 10:00:00"), "laststamp|1|--time|2024-01-01 10:00:00|");
        expected.put(List.of("bat_mod_laststamp.sh", "1", ""), "laststamp|1|");
        expected.put(List.of("bat_mod_laststamp.sh", "1", "", "-dry_run"), "laststamp|1|--dry-run|");
        expected.put(List.of("start_stop_service.sh", "-stop_dbproxy", "1"), "dbproxy|1|--site|production|--stop|");
        expected.put(List.of("start_stop_service.sh", "-start_dbproxy", "1", "-site", "dr"), "dbproxy|1|--site|dr|--start|");
        try {
            expected.forEach((line, args) -> {
                Cli.Result r = Scripts.run(null, Map.of("DRSP_BIN", fake.toString()), line.get(0),
                        line.subList(1, line.size()).toArray(String[]::new));
                assertEquals(0, r.exitCode(), line + ": " + r);
                assertEquals(args, r.out(), line.toString());
            });
        } finally {
            Files.deleteIfExists(fake);
        }
    }

    /** Every accepted command line needs the drsp command; without it the script says so in one sentence, exit 1. */
    @Test
    void aMissingDrspCommandIsOneSentenceAndExit1() {
        for (String[] args : List.of(new String[] {"AllControl.sh", "-sync", "1", "-delay_time=5"}, new String[] {"AllControl.sh", "-status", "1"},
                new String[] {"bat_mod_relaytime.sh", "1", ""})) {
            Cli.Result r = Scripts.run(null, Map.of("DRSP_BIN", "/nonexistent/drsp"), args[0],
                    List.of(args).subList(1, args.length).toArray(String[]::new));
            assertEquals(1, r.exitCode(), List.of(args) + ": " + r);
            assertEquals(args[0] + ": no drsp command at /nonexistent/drsp; build it with scripts/setup.sh or set DRSP_BIN.",
                    r.err().strip(), List.of(args).toString());
            assertTrue(r.out().isEmpty(), r.out());
        }
    }

    /** The real drsp command, without a configuration: its one sentence and exit 1 come through the script unchanged. */
    @Test
    void drspsRefusalComesThroughTheScript() {
        assertTrue(Files.isExecutable(Scripts.DRSP), "the drsp distribution is built (scripts/setup.sh): " + Scripts.DRSP);
        Cli.Result r = Scripts.run("/nonexistent/drsp.conf", "AllControl.sh", "-stopsync", "1");
        assertEquals(1, r.exitCode(), r.toString());
        assertEquals("drsp: no configuration at /nonexistent/drsp.conf; pass --config FILE or set DRSP_CONF", r.err().strip());
        assertTrue(r.out().isEmpty(), r.out());
    }

    static void assertUsage(Cli.Result r, String usage, String what) {
        assertEquals(2, r.exitCode(), what + ": " + r);
        assertEquals(usage, r.err().strip(), what + ": the script's own usage line, nothing from drsp");
        assertTrue(r.out().isEmpty(), what + ": " + r.out());
    }
}
