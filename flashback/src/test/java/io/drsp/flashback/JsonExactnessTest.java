package io.drsp.flashback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drsp.core.gtid.GtidSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JSON values keep their binary JSON type (decimal, unsigned, double, date, time) through a flashback. */
class JsonExactnessTest {
    static Db db;

    @BeforeAll
    static void start() throws Exception {
        db = Db.start("fb-json", 102, Map.of());
        db.exec("CREATE DATABASE js", "CREATE TABLE js.t (id INT PRIMARY KEY, j JSON)");
    }

    @AfterAll
    static void stop() throws Exception {
        db.close();
    }

    @Test
    void typedJsonValuesSurviveDeleteAndUpdate() throws Exception {
        List<String> docs = List.of(
                "JSON_OBJECT('d', CAST(1.50 AS DECIMAL(5,2)), 'u', CAST(5 AS UNSIGNED), 'i', -7, 'f', 1.5E0)",
                "JSON_ARRAY(CAST('2020-02-03' AS DATE), CAST('2021-01-02 03:04:05.678901' AS DATETIME(6)), CAST('-12:30:00.5' AS TIME(1)))",
                "CAST(CAST(2.500 AS DECIMAL(4,3)) AS JSON)",
                "CAST('18446744073709551615' AS JSON)",
                "CAST('\"x\\\\u0000y\"' AS JSON)",
                "CAST('{\"a\": {\"b\": [1, 2, {\"c\": null}]}, \"é😀\": \"\"}' AS JSON)",
                "CAST(1e300 AS JSON)");
        for (int i = 0; i < docs.size(); i++) {
            db.exec("INSERT INTO js.t VALUES (" + i + ", " + docs.get(i) + ")");
        }
        String types = types();
        String sum = db.checksum("js.t");
        List<String> dump = db.dump("js.t");
        GtidSet snapshot = db.executed();
        db.exec("UPDATE js.t SET j = JSON_ARRAY(id)", "DELETE FROM js.t WHERE id % 2 = 0");
        Flashback.run(FlashbackRequest.onServer(db.settings(), new Selection.AllExcept(snapshot)), null);
        assertEquals(types, types());
        assertEquals(dump, db.dump("js.t"));
        assertEquals(sum, db.checksum("js.t"));
    }

    private String types() throws Exception {
        return String.join(";", db.column("SELECT CONCAT(id, ':', JSON_TYPE(j), ':', "
                + "COALESCE(JSON_TYPE(JSON_EXTRACT(j, '$.d')), ''), COALESCE(JSON_TYPE(JSON_EXTRACT(j, '$.u')), ''), "
                + "COALESCE(JSON_TYPE(JSON_EXTRACT(j, '$[0]')), ''), COALESCE(JSON_TYPE(JSON_EXTRACT(j, '$[1]')), ''), "
                + "COALESCE(JSON_TYPE(JSON_EXTRACT(j, '$[2]')), '')) FROM js.t ORDER BY id"));
    }
}
