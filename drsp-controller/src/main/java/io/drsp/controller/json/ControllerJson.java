package io.drsp.controller.json;

/** Marker of what the controller persists or answers with: serialized as JSON by pekko-serialization-jackson. */
public interface ControllerJson {
}
