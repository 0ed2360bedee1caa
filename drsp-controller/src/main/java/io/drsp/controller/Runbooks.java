package io.drsp.controller;

import io.drsp.core.config.Site;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every runbook operation of a pair, by its operation and the site whose mode it changes: the one registry. */
final class Runbooks {
    private record Key(Operation operation, Site site) {
    }

    private final Map<Key, RunbookDefinition> byKey = new HashMap<>();

    Runbooks(RunbookDefinition.Context context) {
        for (RunbookDefinition d : List.of(new SyncOperation(context), new StopSyncOperation(context), new RecoverOperation(context),
                new ServiceOperation(context), new ProductionServiceOperation(context), new StopServiceOperation(context),
                new FenceOperation(context), new FlashbackOperation(context), new PurgeOperation(context),
                new LaststampOperation(context), new SwitchbackOperation(context))) {
            if (byKey.put(new Key(d.operation(), d.site()), d) != null) {
                throw new IllegalStateException("two definitions of " + d.operation() + " at " + d.site());
            }
        }
    }

    /** The definition of {@code operation} at {@code site}; a journal's runbook always has one. */
    RunbookDefinition of(Operation operation, Site site) {
        RunbookDefinition d = byKey.get(new Key(operation, site));
        if (d == null) {
            throw new IllegalArgumentException(operation.command() + " has no runbook at the " + site.configKey() + " site");
        }
        return d;
    }

    RunbookDefinition of(Runbook rb) {
        return of(rb.operation(), rb.site());
    }

    /** What takes a failed runbook's change back: the operation it is undone as, at its site. */
    RunbookDefinition of(PendingUndo undo) {
        return of(undo.operation(), undo.site());
    }
}
