/**
 * Where to cut, in the app: the Sensitivity tab (per-group damage curves from dev.lopper.prune.sensitivity, a heat
 * column in the groups table), the target box (sensitivity allocation / latency search, as `lopper prune`) and the
 * Pareto chart of the plans evaluated in the session.
 */
package dev.lopper.app.sensitivity;
